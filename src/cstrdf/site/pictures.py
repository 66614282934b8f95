"""Pictures drawn at build time as inline SVG: the timeline, the alliance diagram and the
ontology overview. Each comes with a ``<title>``, a ``<desc>`` and a text alternative (an HTML
table or list with the same content and links), so it reads without JavaScript, without the
picture, and on a screen reader.

Everything is computed from the graph: which events have dates, which states are members,
which groups of forces include which states, who handed the chairmanship to whom, and which
stances were taken on the joint-command proposal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cstrdf.namespaces import CST, CSTID, RDF, RDFS
from cstrdf.site.data import SCHEMA, SiteData, compact
from cstrdf.site.html import PALETTE, e

ORG = "http://www.w3.org/ns/org#"
FONT = 'font-family="DejaVu Sans, Arial, sans-serif"'

TIMELINE_FROM = dt.date(2001, 5, 1)
TIMELINE_TO = dt.date(2002, 12, 1)  # exclusive: the axis ends with November 2002
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def _text_width(text: str, size: float = 12.5) -> float:
    """A generous estimate of the rendered width of ``text`` (DejaVu Sans is wide)."""
    return len(text) * size * 0.56


# ================================================================================== timeline

@dataclass(frozen=True)
class TimelineEntry:
    """One row of the timeline."""

    iri: str
    label: str
    start: dt.date
    end: dt.date  # inclusive
    precision: str  # day, month, range
    shape: str  # event, deadline, ordered, context, mentioned
    date_text: str
    note: str


def _parse_date(lexical: str) -> tuple[dt.date, dt.date, str] | None:
    """(first day, last day, precision) of an xsd:date, xsd:gYearMonth or xsd:gYear lexical."""
    try:
        if len(lexical) == 10:
            day = dt.date.fromisoformat(lexical)
            return day, day, "day"
        if len(lexical) == 7:
            year, month = int(lexical[:4]), int(lexical[5:7])
            first = dt.date(year, month, 1)
            following = dt.date(year + (month == 12), month % 12 + 1, 1)
            return first, following - dt.timedelta(days=1), "month"
        if len(lexical) == 4:
            year = int(lexical)
            return dt.date(year, 1, 1), dt.date(year, 12, 31), "year"
    except ValueError:
        return None
    return None


def _date_text(start: dt.date, end: dt.date, precision: str) -> str:
    def day(d: dt.date) -> str:
        return f"{d.day} {MONTHS[d.month - 1]} {d.year}"

    def month(d: dt.date) -> str:
        return f"{MONTHS[d.month - 1]} {d.year}"

    if precision == "day":
        if start == end:
            return day(start)
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}–{end.day} {MONTHS[start.month - 1]} {start.year}"
        return f"{day(start)} – {day(end)}"
    if precision == "month":
        return month(start) if (start.year, start.month) == (end.year, end.month) else f"{month(start)} – {month(end)}"
    return str(start.year)


def timeline_entries(data: SiteData) -> list[TimelineEntry]:
    """Dated events, deadlines and exercises between May 2001 and November 2002."""
    graph = data.graph
    uri = data.uri
    entries: list[TimelineEntry] = []
    dated: dict[str, tuple[dt.date, dt.date, str]] = {}
    for subject in sorted(set(graph.subjects(uri(SCHEMA + "startDate"), None)), key=str):
        start = data.value(subject, SCHEMA + "startDate")
        end = data.value(subject, SCHEMA + "endDate") or start
        first, last = _parse_date(str(start)), _parse_date(str(end))
        if first and last:
            precision = first[2] if first[2] == last[2] else "month"
            if precision == "month" and (first[0].year, first[0].month) != (last[0].year, last[0].month):
                precision = "range"
            if precision == "day" and first[0] != last[1] and first[2] != "day":
                precision = "range"
            dated[str(subject)] = (first[0], last[1], precision)
    present = max((d[1] for iri, d in dated.items()
                   if d[2] == "day" and data.kind(uri(iri)) == "fact" and d[1] < TIMELINE_TO), default=None)

    for iri, (first, last, precision) in dated.items():
        node = uri(iri)
        types = set(data.types(node))
        if CST + "HistoricalEvent" in types:
            shape = "mentioned"
        elif data.kind(node) == "context":
            shape = "context"
        else:
            shape = "event"
        status = data.value(node, CST + "status")
        note = data.label(status) if status is not None else ""
        entries.append(TimelineEntry(iri, data.label(node), first, last, precision, shape,
                                     _date_text(first, last, "day" if precision == "day" else "month"), note))
    for subject in sorted(set(graph.subjects(uri(CST + "deadlineDate"), None)), key=str):
        parsed = _parse_date(str(data.value(subject, CST + "deadlineDate")))
        if parsed:
            task = data.value(subject, CST + "task")
            entries.append(TimelineEntry(str(subject), data.label(subject), parsed[0], parsed[1], "day",
                                         "deadline", "by " + _date_text(parsed[0], parsed[1], "day"),
                                         f"deadline: {task}" if task is not None else "deadline"))
    for subject in sorted(set(graph.subjects(uri(RDF + "type"), uri(CST + "MilitaryExercise"))), key=str):
        if str(subject) in dated:
            continue
        timing = data.value(subject, CST + "timing")
        status = data.value(subject, CST + "status")
        along = [str(o) for o in data.values(subject, CST + "concurrentWith") if str(o) in dated]
        if along:
            first, last, precision = dated[along[0]]
            entries.append(TimelineEntry(str(subject), data.label(subject), first, last, precision, "event",
                                         _date_text(first, last, precision),
                                         f"{data.label(status) if status is not None else ''}; "
                                         f"{timing or 'during ' + data.label(uri(along[0]))}".strip("; ")))
        elif present is not None:
            entries.append(TimelineEntry(str(subject), data.label(subject), present, present, "day", "ordered",
                                         f"after {_date_text(present, present, 'day')}",
                                         f"{data.label(status) if status is not None else 'planned'}: "
                                         f"{timing or 'no date given'}"))
    inside = [x for x in entries if x.end >= TIMELINE_FROM and x.start < TIMELINE_TO]
    return sorted(inside, key=lambda x: (x.start, x.end, x.shape != "event", x.label))


def _row_text(entry: TimelineEntry) -> str:
    """The row's label, with its date in front unless the label already carries it."""
    date = entry.date_text.removeprefix("by ").removeprefix("after ").replace("–", "-")
    if date in entry.label.replace("–", "-"):
        return entry.label
    return f"{entry.date_text} — {entry.label}"


TIMELINE_COLOURS = {"event": PALETTE["header-bg"], "deadline": PALETTE["oppose"], "ordered": PALETTE["support"],
                    "context": PALETTE["neutral"], "mentioned": PALETTE["muted"]}


def _timeline_rows(data: SiteData, entries: list[TimelineEntry], x, root: str, *, left: float, width: float,
                   right: float, top: float, row: float) -> tuple[list[str], list[str], float]:
    """(row stripes, marks and labels, the y below the last row)."""
    p = PALETTE
    plot = width - left - right
    colours = TIMELINE_COLOURS
    stripes: list[str] = []
    parts: list[str] = []
    y_top = top
    for i, entry in enumerate(entries):
        colour = colours[entry.shape]
        x0, x1 = x(max(entry.start, TIMELINE_FROM)), x(min(entry.end + dt.timedelta(days=1), TIMELINE_TO))
        text = _row_text(entry)
        needed = _text_width(text)
        # the mark's extent, to place the label beside it
        if entry.shape == "deadline":
            extent = (x0, x0 + 12)
        elif entry.shape == "ordered":
            extent = (x0 - 6, x0 + 50)
        elif entry.precision == "day":
            extent = (x0 - 8, x0 + 8)
        else:
            extent = (x0, x0 + max(x1 - x0, 6))
        if extent[1] + 8 + needed <= width - right:
            placement = ("start", extent[1] + 8)
        elif extent[0] - 8 - needed >= left:
            placement = ("end", extent[0] - 8)
        else:  # no room beside the mark: the label goes under it, on a second line
            placement = ("below", max(left + 4, min(extent[0], width - right - needed)))
        height_here = row * 1.6 if placement[0] == "below" else row
        y = y_top + (row / 2 if placement[0] != "below" else row / 2 - 2)
        if i % 2 == 0:
            stripes.append(f'<rect x="{left}" y="{y_top}" width="{plot}" height="{height_here}" fill="#f7f7fa"/>')
        if entry.shape == "deadline":
            parts.append(f'<path d="M{x0} {y + 9} V{y - 10} l12 5 l-12 5" fill="{colour}" stroke="{colour}" stroke-width="2"/>')
        elif entry.shape == "ordered":
            parts.append(f'<circle cx="{x0}" cy="{y}" r="6" fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="3 2"/>')
            parts.append(f'<path d="M{x0 + 8} {y} h34" stroke="{colour}" stroke-width="2" stroke-dasharray="4 3" fill="none"/>'
                         f'<path d="M{x0 + 42} {y - 5} l8 5 l-8 5 z" fill="{colour}"/>')
        elif entry.precision == "day":
            parts.append(f'<path d="M{x0} {y - 8} l8 8 l-8 8 l-8 -8 z" fill="{colour}"/>')
        else:
            opacity = ' fill-opacity="0.6"' if entry.precision == "range" else ""
            parts.append(f'<rect x="{x0}" y="{y - 7}" width="{round(extent[1] - extent[0], 1)}" height="14" rx="2" '
                         f'fill="{colour}"{opacity}/>')
        if placement[0] == "below":
            tx, ty, anchor = placement[1], y + 22, "start"
        else:
            tx, ty, anchor = placement[1], y + 4.5, placement[0]
        href = data.page_href(entry.iri, root)
        style = ' font-style="italic"' if entry.shape in ("context", "mentioned") else ""
        label = f'<text x="{round(tx, 1)}" y="{round(ty, 1)}" text-anchor="{anchor}" fill="{p["link"]}"{style}>{e(text)}</text>'
        parts.append(f'<a href="{e(href)}">{label}</a>' if href else label)
        y_top += height_here
    return stripes, parts, y_top


def timeline_svg(data: SiteData, entries: list[TimelineEntry], root: str = "") -> str:
    """The timeline as an inline SVG (one row per entry, a month axis on top)."""
    width, left, right = 1000, 16, 16
    top, row = 62, 30
    span = (TIMELINE_TO - TIMELINE_FROM).days
    plot = width - left - right

    def x(day: dt.date) -> float:
        return round(left + plot * (day - TIMELINE_FROM).days / span, 1)

    p = PALETTE
    rows_svg = _timeline_rows(data, entries, x, root, left=left, width=width, right=right, top=top, row=row)
    height = round(rows_svg[2] + 70)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="timeline-title timeline-desc" class="timeline" {FONT} font-size="12.5">',
        '<title id="timeline-title">Timeline, May 2001 to November 2002</title>',
        '<desc id="timeline-desc">' + e("; ".join(f"{x.date_text}: {x.label}" for x in entries)) + "</desc>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="{p["page"]}"/>',
    ]
    grid_at = len(parts)
    # month grid and labels
    month = TIMELINE_FROM
    while month < TIMELINE_TO:
        following = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        x0 = x(month)
        parts.append(f'<line x1="{x0}" y1="{top - 14}" x2="{x0}" y2="{height - 60}" stroke="#d4d4dc" stroke-width="1"/>')
        name = MONTHS[month.month - 1][:3]
        parts.append(f'<text x="{round((x0 + x(following)) / 2, 1)}" y="{top - 20}" text-anchor="middle" '
                     f'font-size="11" fill="{p["muted"]}">{e(name)}</text>')
        if month.month == 1 or month == TIMELINE_FROM:
            parts.append(f'<text x="{x0 + 2}" y="{top - 38}" font-size="12.5" font-weight="bold" fill="{p["text"]}">{month.year}</text>')
        month = following
    parts.append(f'<line x1="{left}" y1="{top - 14}" x2="{width - right}" y2="{top - 14}" stroke="{p["rule"]}"/>')
    # the row stripes go under the grid, the marks and labels over it
    parts[grid_at:grid_at] = rows_svg[0]
    parts.extend(rows_svg[1])
    colours = TIMELINE_COLOURS

    # legend
    ly = height - 34
    legend = [
        ("event", f'<path d="M0 -7 l7 7 l-7 7 l-7 -7 z" fill="{colours["event"]}"/>', "event on a known day"),
        ("month", f'<rect x="-7" y="-6" width="14" height="12" rx="2" fill="{colours["event"]}"/>', "only the month is known"),
        ("period", f'<rect x="-7" y="-6" width="14" height="12" rx="2" fill="{colours["event"]}" fill-opacity="0.6"/>', "a period"),
        ("deadline", f'<path d="M-4 8 V-9 l11 4.5 l-11 4.5" fill="{colours["deadline"]}" stroke="{colours["deadline"]}" stroke-width="2"/>', "deadline"),
        ("ordered", f'<circle r="6" fill="none" stroke="{colours["ordered"]}" stroke-width="2" stroke-dasharray="3 2"/>', "ordered, not yet held"),
        ("context", f'<path d="M0 -7 l7 7 l-7 7 l-7 -7 z" fill="{colours["context"]}"/>', "outside the article (italic)"),
    ]
    lx = left + 10
    for _, symbol, text in legend:
        parts.append(f'<g transform="translate({lx} {ly})">{symbol}</g>'
                     f'<text x="{lx + 14}" y="{ly + 4.5}" fill="{p["text"]}">{e(text)}</text>')
        lx += 36 + _text_width(text, 12.5)
    parts.append("</svg>")
    return "\n".join(parts)


# ================================================================================== alliance

@dataclass(frozen=True)
class StateInfo:
    iri: str
    name: str
    president: str | None  # the holder's name, if the article names one
    president_iri: str | None
    stance: str | None  # stance type label on the joint command
    stance_iri: str | None
    groups: tuple[str, ...]


@dataclass(frozen=True)
class AllianceFacts:
    """What the alliance diagram shows, read from the graph."""

    alliance: str
    alliance_label: str
    states: tuple[StateInfo, ...]  # in drawing order
    groups: tuple[tuple[str, str, str], ...]  # (iri, label, detail)
    proposal: str | None
    proposal_label: str
    group_stances: tuple[tuple[str, str, str], ...]  # (stance iri, holder label, stance type)
    handover: str | None
    previous: tuple[str, str] | None  # (person label, state iri)
    new: tuple[str, str] | None
    rule_label: str
    alphabetical: tuple[str, ...]  # state IRIs in alphabetical order of their labels
    expected_next: str | None


def _holder_state(data: SiteData, person) -> str | None:
    for post in data.values(person, ORG + "holds"):
        state = data.value(post, CST + "postHolderState")
        if state is not None:
            return str(state)
    return None


def alliance_facts(data: SiteData, alliance: str = CSTID + "cst") -> AllianceFacts:
    uri = data.uri
    graph = data.graph
    members = sorted({str(data.value(m, ORG + "member")) for m in graph.subjects(uri(ORG + "organization"), uri(alliance))
                      if data.value(m, ORG + "member") is not None})
    groups = []
    state_groups: dict[str, list[str]] = {s: [] for s in members}
    for group in sorted(graph.subjects(uri(RDF + "type"), uri(CST + "GroupOfForces")), key=str):
        included = [str(s) for s in data.values(group, CST + "includesState")]
        details = []
        if str(data.value(group, CST + "rapidDeployment") or "").lower() == "true":
            details.append("rapid-deployment force")
        for predicate in (CST + "relativeSize", CST + "resourcing"):
            value = data.value(group, predicate)
            if value is not None:
                details.append(str(value))
        groups.append((str(group), data.label(group), "; ".join(details), included))
        for state in included:
            state_groups.setdefault(state, []).append(str(group))
    groups.sort(key=lambda g: (len(g[3]), g[1]))

    # the proposal with the most stances (the joint command)
    stance_count: dict[str, int] = {}
    for stance in graph.subjects(uri(RDF + "type"), uri(CST + "Stance")):
        target = data.value(stance, CST + "stanceOn")
        if target is not None:
            stance_count[str(target)] = stance_count.get(str(target), 0) + 1
    proposal = max(sorted(stance_count), key=lambda k: stance_count[k]) if stance_count else None
    by_state: dict[str, tuple[str, str]] = {}
    group_stances = []
    if proposal:
        for stance in sorted(graph.subjects(uri(CST + "stanceOn"), uri(proposal)), key=str):
            kind = data.label(data.value(stance, CST + "stanceType"))
            state = data.value(stance, CST + "holderState")
            holder = data.value(stance, CST + "stanceHolder")
            if state is not None:
                by_state[str(state)] = (kind, str(stance))
            elif holder is not None:
                group_stances.append((str(stance), data.label(holder), kind))

    presidents: dict[str, tuple[str | None, str | None]] = {}
    for post in graph.subjects(uri(RDF + "type"), uri(CST + "Post")):
        state = data.value(post, CST + "postHolderState")
        if state is None or str(state) not in members or not data.label(post).startswith("President"):
            continue
        holder = data.value(post, ORG + "heldBy")
        presidents[str(state)] = (data.label(holder) if holder is not None else None,
                                  str(holder) if holder is not None else None)

    # drawing order: by first group, the state in every group in the middle
    hub = [s for s in members if len(state_groups.get(s, [])) == len(groups) and groups]
    order_key = {g[0]: i for i, g in enumerate(groups)}
    others = sorted((s for s in members if s not in hub),
                    key=lambda s: (min((order_key[g] for g in state_groups.get(s, [])), default=99), data.label(uri(s))))
    # the hub between the states of the first group and the rest: a group's lines then do not
    # cross those of the groups beside it (one crossing is left with three groups)
    first_group = [s for s in others if groups and groups[0][0] in state_groups.get(s, [])]
    ordered = first_group + hub + [s for s in others if s not in first_group]
    states = tuple(
        StateInfo(s, data.label(uri(s)), presidents.get(s, (None, None))[0], presidents.get(s, (None, None))[1],
                  by_state.get(s, (None, None))[0], by_state.get(s, (None, None))[1], tuple(state_groups.get(s, ())))
        for s in ordered
    )

    handover = next(iter(sorted(graph.subjects(uri(RDF + "type"), uri(CST + "ChairmanshipHandover")), key=str)), None)
    previous = new = None
    rule_label, expected = "", None
    alphabetical = tuple(sorted(members, key=lambda s: data.label(uri(s))))
    if handover is not None:
        before = data.value(handover, CST + "previousHolder")
        after = data.value(handover, CST + "newHolder")
        if before is not None:
            previous = (data.label(before), _holder_state(data, before) or "")
        if after is not None:
            new = (data.label(after), _holder_state(data, after) or "")
        rule = data.value(handover, CST + "disregardedRule")
        if rule is not None:
            rule_label = data.label(rule)
        if previous and previous[1] in alphabetical:
            expected = alphabetical[(alphabetical.index(previous[1]) + 1) % len(alphabetical)]
    return AllianceFacts(
        alliance, data.label(uri(alliance)), states, tuple((g[0], g[1], g[2]) for g in groups),
        proposal, data.label(uri(proposal)) if proposal else "", tuple(group_stances),
        str(handover) if handover is not None else None, previous, new, rule_label, alphabetical, expected,
    )


def alliance_svg(data: SiteData, facts: AllianceFacts, root: str = "") -> str:
    """States, groups of forces, stances on the joint command and the chairmanship handover."""
    p = PALETTE
    width, height = 1000, 700
    n = max(len(facts.states), 1)
    slot = (width - 40) / n
    xs = {s.iri: round(20 + slot * (i + 0.5), 1) for i, s in enumerate(facts.states)}
    group_fill = [p["group-caucasus"], p["group-west"], p["group-central"]]
    gcount = max(len(facts.groups), 1)
    gslot = (width - 40) / gcount
    gx = {g[0]: round(20 + gslot * (i + 0.5), 1) for i, g in enumerate(facts.groups)}
    fills = {g[0]: group_fill[i % 3] for i, g in enumerate(facts.groups)}

    def href(iri: str | None) -> str | None:
        return data.page_href(iri, root) if iri else None

    def linked(iri: str | None, svg_text: str) -> str:
        target = href(iri)
        return f'<a href="{e(target)}">{svg_text}</a>' if target else svg_text

    desc = [f"The {len(facts.states)} member states of {facts.alliance_label}: " + ", ".join(s.name for s in facts.states) + "."]
    for g in facts.groups:
        names = [s.name for s in facts.states if g[0] in s.groups]
        desc.append(f"{g[1]}: {', '.join(names)}" + (f" ({g[2]})" if g[2] else "") + ".")
    for s in facts.states:
        if s.stance:
            desc.append(f"{s.name}'s president ({s.president or 'not named'}): {s.stance} on {facts.proposal_label}.")
    if facts.previous and facts.new:
        desc.append(f"Chairmanship handed over from {facts.previous[0]} to {facts.new[0]}, ignoring the {facts.rule_label}.")

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="alliance-title alliance-desc" class="alliance" {FONT} font-size="13">',
        f'<title id="alliance-title">{e(facts.alliance_label)}: member states, regional groups of forces, '
        "stances on the joint command and the chairmanship handover</title>",
        f'<desc id="alliance-desc">{e(" ".join(desc))}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="{p["page"]}"/>',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
        f'<path d="M0 0 L10 5 L0 10 z" fill="{p["text"]}"/></marker>'
        '<marker id="arrow-dashed" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
        f'<path d="M0 0 L10 5 L0 10 z" fill="{p["muted"]}"/></marker></defs>',
        f'<text x="20" y="26" font-size="15" font-weight="bold" fill="{p["text"]}">Regional groups of forces (joint statement, Moscow summit)</text>',
    ]
    state_top, state_h = 230, 118
    # groups: boxes on top, lines to their states
    for g in facts.groups:
        cx = gx[g[0]]
        box_w = min(gslot - 20, 300)
        out.append(f'<rect x="{cx - box_w / 2}" y="44" width="{box_w}" height="78" rx="8" fill="{fills[g[0]]}" stroke="{p["rule"]}"/>')
        out.append(linked(g[0], f'<text x="{cx}" y="68" text-anchor="middle" font-weight="bold" fill="{p["link"]}">{e(g[1])}</text>'))
        detail_lines = _wrap(g[2], int(box_w / 7.4)) if g[2] else ["no designation given"]
        for k, line in enumerate(detail_lines[:3]):
            out.append(f'<text x="{cx}" y="{88 + 15 * k}" text-anchor="middle" font-size="12" fill="{p["text"]}">{e(line)}</text>')
        for s in facts.states:
            if g[0] in s.groups:
                out.append(f'<path d="M{cx} 122 C{cx} 175, {xs[s.iri]} 175, {xs[s.iri]} {state_top}" '
                           f'stroke="{p["rule"]}" stroke-width="2" fill="none"/>')
    # states
    box_w = slot - 14
    for s in facts.states:
        cx = xs[s.iri]
        supported = s.stance is not None and s.stance.lower() in ("support", "supported")
        colour = p["support"] if supported else (p["oppose"] if s.stance else p["neutral"])
        out.append(f'<rect x="{cx - box_w / 2}" y="{state_top}" width="{box_w}" height="{state_h}" rx="6" '
                   f'fill="{p["page"]}" stroke="{colour}" stroke-width="{3 if s.stance else 1.5}"/>')
        out.append(linked(s.iri, f'<text x="{cx}" y="{state_top + 24}" text-anchor="middle" font-size="15" font-weight="bold" fill="{p["link"]}">{e(s.name)}</text>'))
        president = s.president or "president not named"
        for k, line in enumerate(_wrap(president, int(box_w / 7.6))[:2]):
            text = f'<text x="{cx}" y="{state_top + 46 + 15 * k}" text-anchor="middle" font-size="12" fill="{p["text"]}">{e(line)}</text>'
            out.append(linked(s.president_iri, text) if k == 0 and s.president_iri else text)
        if s.stance:
            symbol = "✔" if supported else "✘"
            out.append(linked(s.stance_iri, f'<text x="{cx}" y="{state_top + 88}" text-anchor="middle" font-size="13" font-weight="bold" '
                                            f'fill="{colour}">{symbol} {e(s.stance)}</text>'))
        else:
            out.append(f'<text x="{cx}" y="{state_top + 88}" text-anchor="middle" font-size="12" fill="{p["muted"]}">no stance recorded</text>')
    y = state_top + state_h + 24
    for line in (f"Each box: a member state, its president, and the president's stance on {facts.proposal_label}",
                 "(✔ and a green border: support; ✘ and a red border: did not support)."):
        for part in _wrap(line, 128):
            out.append(f'<text x="20" y="{y}" font-size="13" fill="{p["text"]}">{e(part)}</text>')
            y += 18
    y += 6
    for k, (stance, holder, kind) in enumerate(facts.group_stances):
        out.append(linked(stance, f'<text x="20" y="{y + 18 * k}" font-size="12.5" fill="{p["link"]}">'
                                  f'{e(kind.capitalize())}: “{e(holder)}” (the article does not say which)</text>'))
    # the chairmanship handover against the alphabetical rule
    ry = y + 18 * len(facts.group_stances) + 44
    out.append(f'<text x="20" y="{ry}" font-size="15" font-weight="bold" fill="{p["text"]}">'
               f'Rotating chairmanship: {e(facts.rule_label or "rotation")}</text>')
    chip_w = (width - 40) / max(len(facts.alphabetical), 1)
    cy = ry + 84
    chip_x = {s: round(20 + chip_w * (i + 0.5), 1) for i, s in enumerate(facts.alphabetical)}
    for s in facts.alphabetical:
        role: tuple[str, ...] = ()
        if facts.previous and s == facts.previous[1]:
            role = ("chair before:", facts.previous[0])
        elif facts.new and s == facts.new[1]:
            role = ("chair after:", facts.new[0])
        elif s == facts.expected_next:
            role = ("next under", "the rule")
        stroke = p["oppose"] if facts.new and s == facts.new[1] else (p["support"] if s == facts.expected_next else p["rule"])
        out.append(f'<rect x="{chip_x[s] - chip_w / 2 + 8}" y="{cy - 16}" width="{chip_w - 16}" height="30" rx="15" '
                   f'fill="{p["panel"]}" stroke="{stroke}" stroke-width="2"/>')
        out.append(linked(s, f'<text x="{chip_x[s]}" y="{cy + 4}" text-anchor="middle" fill="{p["link"]}">{e(data.label(data.uri(s)))}</text>'))
        for k, line in enumerate(role):
            out.append(f'<text x="{chip_x[s]}" y="{cy + 34 + 15 * k}" text-anchor="middle" font-size="12" fill="{p["text"]}">{e(line)}</text>')
    if facts.previous and facts.new and facts.previous[1] in chip_x and facts.new[1] in chip_x:
        a, b = chip_x[facts.previous[1]], chip_x[facts.new[1]]
        out.append(f'<path d="M{a} {cy - 18} C{a} {cy - 62}, {b} {cy - 62}, {b} {cy - 19}" stroke="{p["text"]}" '
                   f'stroke-width="2" fill="none" marker-end="url(#arrow)"/>')
        label = "actual handover at the Moscow summit"
        out.append(linked(facts.handover, f'<text x="{(a + b) / 2}" y="{cy - 60}" text-anchor="middle" font-size="12" '
                                          f'fill="{p["link"]}">{e(label)}</text>'))
        if facts.expected_next in chip_x:
            c = chip_x[facts.expected_next]
            half = chip_w / 2 - 8
            start, stop = (a + half, c - half) if c > a else (a - half, c + half)
            out.append(f'<path d="M{start} {cy - 1} L{stop - (3 if c > a else -3)} {cy - 1}" stroke="{p["muted"]}" '
                       f'stroke-width="2" stroke-dasharray="5 4" fill="none" marker-end="url(#arrow-dashed)"/>')
    out.append("</svg>")
    return "\n".join(out)


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines


# ================================================================================== ontology

def ontology_classes(data: SiteData) -> list[tuple[str, list[str]]]:
    """(class IRI, its direct superclasses) for every class of the ontology's namespace."""
    uri = data.uri
    classes = sorted(str(c) for c in data.graph.subjects(uri(RDF + "type"), uri("http://www.w3.org/2002/07/owl#Class"))
                     if str(c).startswith(CST))
    return [(c, [str(s) for s in data.values(uri(c), RDFS + "subClassOf")]) for c in classes]


def ontology_svg(data: SiteData, root: str = "") -> str:
    """Every class of the ontology (left) and the classes it specializes (right)."""
    p = PALETTE
    classes = ontology_classes(data)
    parents = sorted({s for _, supers in classes for s in supers}, key=lambda s: (s.startswith(CST), compact(s)))
    # order the classes by their first parent so that edges cross less
    parent_rank = {s: i for i, s in enumerate(parents)}
    classes.sort(key=lambda c: (min((parent_rank[s] for s in c[1]), default=99), compact(c[0])))
    row_l, row_r, top = 22, 0, 56
    row_r = max(row_l, round(row_l * len(classes) / max(len(parents), 1), 1))
    height = top + max(len(classes) * row_l, len(parents) * row_r) + 30
    width = 1000
    lx, rx = 250, 640
    ly = {c: top + i * row_l for i, (c, _) in enumerate(classes)}
    ry = {s: top + i * row_r for i, s in enumerate(parents)}
    vocab_colour = {"cst": p["header-bg"], "schema": "#7a3e00", "org": "#1e6b34", "prov": "#5a2ca0",
                    "skos": "#0a5a7a", "foaf": "#a1261c", "time": "#3d4a5c"}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="onto-title onto-desc" class="ontology-diagram" {FONT} font-size="12.5">',
        "<title id=\"onto-title\">Overview of the cstrdf ontology: each class and the classes it specializes</title>",
        '<desc id="onto-desc">' + e("; ".join(f"{compact(c)} is a kind of {', '.join(compact(s) for s in supers)}"
                                              for c, supers in classes if supers)) + "</desc>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="{p["page"]}"/>',
        f'<text x="{lx}" y="30" text-anchor="end" font-weight="bold" font-size="14" fill="{p["text"]}">cstrdf classes</text>',
        f'<text x="{rx}" y="30" font-weight="bold" font-size="14" fill="{p["text"]}">specialize (rdfs:subClassOf)</text>',
    ]
    for c, supers in classes:
        for s in supers:
            colour = vocab_colour.get(compact(s).split(":")[0], p["muted"])
            y1, y2 = ly[c], ry[s]
            out.append(f'<path d="M{lx + 6} {y1} C{lx + 200} {y1}, {rx - 200} {y2}, {rx - 6} {y2}" stroke="{colour}" '
                       f'stroke-opacity="0.55" stroke-width="1.5" fill="none"/>')
    for c, _ in classes:
        text = f'<text x="{lx}" y="{ly[c] + 4.5}" text-anchor="end" fill="{p["link"]}">{e(compact(c))}</text>'
        out.append(f'<a href="{e(data.page_href(c, root))}">{text}</a>')
    for s in parents:
        text = f'<text x="{rx}" y="{ry[s] + 4.5}" fill="{p["link"]}">{e(compact(s))}</text>'
        target = data.page_href(s, root) or s
        out.append(f'<a href="{e(target)}">{text}</a>')
    out.append("</svg>")
    return "\n".join(out)
