"""The pages of the site, each a function of :class:`~cstrdf.site.data.SiteData` returning HTML."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from cstrdf import __version__
from cstrdf.namespaces import CST, CSTID, ONTOLOGY_IRI, RDF, RDFS, SOURCE_TEXT_IRI
from cstrdf.site.data import KIND_LABELS, OWL, SCHEMA, SKOS, SiteData, compact, slug_of
from cstrdf.site.html import e, link, page, table
from cstrdf.site.pictures import (alliance_facts, alliance_svg, ontology_classes, ontology_svg,
                                  timeline_entries, timeline_svg)

if TYPE_CHECKING:  # pragma: no cover
    from cstrdf.build import BuildReport
    from cstrdf.catalogue import CatalogueQuery, Expectation
    from cstrdf.results import QueryResult

DCTERMS = "http://purl.org/dc/terms/"
OA = "http://www.w3.org/ns/oa#"
PUBLISHER_PAGE = "https://jamestown.org/program/from-cis-collective-security-treaty-to-collective-security-organization-2/"
SKIPPED_IN_STATEMENTS = {RDF + "type", RDFS + "label", CST + "evidence"}


def badge(kind: str) -> str:
    return f'<span class="badge {e(kind)}">{e(KIND_LABELS.get(kind, kind))}</span>'


def article_title(data: SiteData) -> str:
    headline = data.value(data.uri(SOURCE_TEXT_IRI), SCHEMA + "headline")
    return str(headline) if headline is not None else data.label(data.uri(SOURCE_TEXT_IRI))


def rights_statement(data: SiteData) -> str:
    article = data.uri(SOURCE_TEXT_IRI)
    parts = [str(v) for v in (data.value(article, SCHEMA + "copyrightNotice"), data.value(article, DCTERMS + "rights")) if v is not None]
    return " ".join(part if part.endswith(".") else part + "." for part in parts) or "© The Jamestown Foundation."


# ================================================================================== terms

def term_html(data: SiteData, term, root: str, *, show_iri: bool = False) -> str:
    """A value as HTML: a link with its label for IRIs, the text (with language or datatype)
    for literals."""
    import rdflib

    if isinstance(term, rdflib.URIRef):
        iri = str(term)
        href = data.page_href(iri, root)
        label = data.label(term)
        if href:
            extra = f' <code class="iri">{e(compact(iri))}</code>' if show_iri else ""
            return link(href, label) + extra
        shown = compact(iri)
        text = label if label not in (shown, iri) and shown != iri else (shown if shown != iri else label)
        extra = f' <code class="iri">{e(shown)}</code>' if text != shown and shown != iri else ""
        return (link(iri, text) + extra) if iri.startswith(("http://", "https://")) else e(iri)
    if isinstance(term, rdflib.Literal):
        extra = ""
        if term.language:
            extra = f' <span class="iri">@{e(term.language)}</span>'
        elif term.datatype is not None and str(term.datatype) != "http://www.w3.org/2001/XMLSchema#string":
            extra = f' <span class="iri">{e(compact(str(term.datatype)))}</span>'
        return e(str(term)) + extra
    return "<i>(a node without a name)</i>"


def predicate_html(data: SiteData, predicate, root: str) -> str:
    iri = str(predicate)
    href = data.page_href(iri, root) or iri
    label, shown = data.label(predicate), compact(iri)
    return link(href, label) + (f' <code class="iri">{e(shown)}</code>' if label != shown else "")


# ================================================================================== resource page

def resource_page(data: SiteData, iri: str, *, article_text: bool = True) -> str:
    root = "../"
    node = data.uri(iri)
    slug = slug_of(iri)
    label = data.label(node)
    kind = data.kind(node)
    types = data.types(node)
    body = [f"<h1>{e(label)}</h1>"]
    body.append(f'<p>{badge(kind)} <code class="iri">{e(iri)}</code></p>')
    if types:
        body.append("<p>Type: " + ", ".join(term_html(data, data.uri(t), root) for t in types) + "</p>")
    if kind == "claim":
        body.append('<p class="note">An interpretation by the article\'s (unnamed) author. Its content is '
                    "recorded as this claim, never asserted as a plain fact.</p>")
    elif kind == "quotation":
        body.append('<p class="note">Words the article puts in quotation marks, with who said them where the article says.</p>')
    elif kind == "context":
        body.append('<p class="note">Context from outside the article; each statement names its source.</p>')

    # statements
    rows = []
    by_predicate: dict[str, list] = defaultdict(list)
    for p, o in data.graph.predicate_objects(node):
        if str(p) not in SKIPPED_IN_STATEMENTS:
            by_predicate[str(p)].append(o)
    for p in sorted(by_predicate, key=lambda x: (data.label(data.uri(x)).lower(), x)):
        values = sorted(by_predicate[p], key=lambda o: (data.label(o).lower(), str(o)))
        cells = "<br>".join(term_html(data, o, root) for o in values)
        rows.append((predicate_html(data, data.uri(p), root), cells))
    body.append("<h2>Statements</h2>")
    body.append(table(("property", "value"), rows) if rows else "<p>No statements beyond its type and label.</p>")

    # evidence
    evidence = data.evidence.get(iri, [])
    body.append("<h2>Evidence in the article</h2>")
    if evidence:
        for ev in evidence:
            where = []
            for index in ev.sentences:
                where.append(link(f"{root}article.html#s{index}", f"sentence {index}"))
            offsets = f"characters {ev.start}–{ev.end}" if ev.start is not None else "position not recorded"
            body.append(
                f'<blockquote><span class="ctx">…{e(ev.prefix[-32:])}</span><strong>{e(ev.exact)}</strong>'
                f'<span class="ctx">{e(ev.suffix[:32])}…</span></blockquote>'
                f'<p>In the article: {", ".join(where) or "—"} ({offsets}).</p>'
            )
    else:
        body.append("<p>This node is not drawn from the article's words.</p>")

    # outside links
    links = data.wikidata_links(node)
    if links:
        items = []
        for target, relation, status in links:
            if not target:  # relation is the link record
                items.append(f"<li>No Wikidata item linked ({e(status or 'no status')}): "
                             f"{link(data.page_href(relation, root), data.label(data.uri(relation)))}</li>")
                continue
            qid = target.rsplit("/", 1)[-1]
            status_text = f" ({e(status)})" if status else ""
            items.append(f'<li>{e(relation)}: {link("https://www.wikidata.org/wiki/" + qid, "Wikidata " + qid)}{status_text}</li>')
        body.append("<h2>Wikidata</h2><ul>" + "".join(items) + "</ul>")

    # incoming links
    incoming = data.incoming.get(iri, [])
    body.append("<h2>Linked from</h2>")
    if incoming:
        rows = [(term_html(data, data.uri(s), root), predicate_html(data, data.uri(p), root)) for s, p in
                sorted(incoming, key=lambda sp: (data.label(data.uri(sp[0])).lower(), sp))]
        body.append(table(("resource", "by property"), rows))
    else:
        body.append("<p>Nothing in the publication links here.</p>")

    # machine-readable
    body.append("<h2>As data</h2><ul>"
                f'<li>{link(f"{root}id/{slug}.ttl", "Turtle")} (text/turtle)</li>'
                f'<li>{link(f"{root}id/{slug}.jsonld", "JSON-LD")} (application/ld+json)</li>'
                f'<li>{link(f"{root}id/{slug}.nt", "N-Triples")} (application/n-triples)</li>'
                f'<li>{link(f"{root}id/{slug}.rdf", "RDF/XML")} (application/rdf+xml)</li></ul>'
                "<p>Each holds the resource's concise bounded description and the labels of what it links to. "
                "The IRI itself answers with this page or with those documents, by content negotiation, "
                "when served by <code>cstrdf serve</code>.</p>")
    head = "".join(
        f'\n<link rel="alternate" type="{t}" href="{root}id/{slug}.{x}">'
        for t, x in (("text/turtle", "ttl"), ("application/ld+json", "jsonld"),
                     ("application/n-triples", "nt"), ("application/rdf+xml", "rdf"))
    )
    return page(title=label, body="\n".join(body), root=root, head_extra=head,
                description=f"{KIND_LABELS.get(kind, kind)}: {label}")


# ================================================================================== resources index

def primary_type(data: SiteData, node) -> str:
    types = data.types(node)
    local = [t for t in types if t.startswith(CST)]
    return (local or types or ["(untyped)"])[0]


def resources_page(data: SiteData) -> str:
    groups: dict[str, list[str]] = defaultdict(list)
    for iri in data.resources:
        groups[primary_type(data, data.uri(iri))].append(iri)
    body = ["<h1>Resources</h1>",
            f"<p class=\"lead\">All {len(data.resources)} resources of the publication, by type. Each page shows "
            "every statement with the words of the article it rests on.</p>"]
    toc = []
    sections = []
    for type_iri in sorted(groups, key=lambda t: data.label(data.uri(t)).lower()):
        anchor = "t-" + compact(type_iri).replace(":", "-")
        type_label = data.label(data.uri(type_iri))
        toc.append(f'<li><a href="#{e(anchor)}">{e(type_label)}</a> ({len(groups[type_iri])})</li>')
        items = "".join(
            f'<li>{link(data.page_href(iri), data.label(data.uri(iri)))} {badge(data.kind(data.uri(iri)))}</li>'
            for iri in sorted(groups[type_iri], key=lambda i: data.label(data.uri(i)).lower())
        )
        sections.append(f'<h2 id="{e(anchor)}">{e(type_label)} <code class="iri">{e(compact(type_iri))}</code></h2><ul>{items}</ul>')
    body.append('<nav aria-label="Types"><ul class="cols">' + "".join(toc) + "</ul></nav>")
    body.extend(sections)
    return page(title="Resources", body="\n".join(body), current="resources.html")


# ================================================================================== the article

def _segments(sentence, claim_spans, quote_spans) -> list[tuple[int, int, tuple[str, ...]]]:
    """Cut a sentence at every boundary of a claim or quotation span that falls inside it."""
    cuts = {sentence.start, sentence.end}
    for start, end in claim_spans + quote_spans:
        for point in (start, end):
            if sentence.start < point < sentence.end:
                cuts.add(point)
    points = sorted(cuts)
    out = []
    for a, b in zip(points, points[1:]):
        kinds = []
        if any(s <= a and b <= t for s, t in claim_spans):
            kinds.append("claim")
        if any(s <= a and b <= t for s, t in quote_spans):
            kinds.append("quotation")
        out.append((a, b, tuple(kinds)))
    return out


def article_page(data: SiteData, *, article_text: bool = True) -> str:
    title = article_title(data)
    rights = rights_statement(data)
    legend = ('<ul class="legend" aria-label="Highlighting">'
              '<li><span class="sw k-fact">highlighted sentence</span>: some node is drawn from it (a reported fact unless marked otherwise)</li>'
              '<li><span class="sw k-claim">dashed underline</span>: the author\'s claim (interpretation)</li>'
              '<li><span class="sw k-quotation">solid underline</span>: a quotation</li></ul>')
    body = [f"<h1>The annotated article</h1>",
            f'<p class="lead">“{e(title)}”, <cite>The Monitor</cite>, Volume 8, Issue 95 (The Jamestown Foundation; the text carries no date line). '
            f'Publisher\'s page: {link(PUBLISHER_PAGE, "jamestown.org")}.</p>']
    if not article_text:
        body.append('<p class="note">This deployment does not show the article\'s full text. Below are the quotes '
                    "the data rests on, sentence by sentence, each linked to the nodes drawn from it.</p>")
        items = []
        for sentence in data.sentences:
            nodes = data.nodes_by_sentence.get(sentence.index, [])
            if not nodes:
                continue
            quotes = sorted({ev.exact for n in nodes for ev in data.evidence.get(n, []) if sentence.index in ev.sentences})
            node_links = ", ".join(f'{link(data.page_href(n), data.label(data.uri(n)))} {badge(data.kind(data.uri(n)))}' for n in nodes)
            items.append(f'<li id="s{sentence.index}"><p>Sentence {sentence.index}: '
                         + " … ".join(f"“{e(q)}”" for q in quotes) + f"</p><p>{node_links}</p></li>")
        body.append('<ol class="quotes-only">' + "".join(items) + "</ol>")
        body.append(f'<p class="note">Rights: {e(rights)}</p>')
        return page(title="The annotated article", body="\n".join(body), current="article.html")

    body.append(f'<p class="note"><strong>Rights.</strong> The text below is the Jamestown Foundation\'s copyright and is '
                f"shown here in full only as the evidence the data rests on; it is not covered by the data's CC BY 4.0 licence. "
                f"{e(rights)} A deployment can leave this page out (<code>cstrdf site --no-article-text</code>); the quotes stay on the resource pages.</p>")
    body.append("<p>Point at a highlighted sentence, or move to it with the Tab key, to see the nodes drawn from it; "
                "each node's page links back here.</p>")
    body.append(legend)
    claim_spans = data.spans_of_kind("claim")
    quote_spans = data.spans_of_kind("quotation")
    paragraphs: dict[int, list] = defaultdict(list)
    for sentence in data.sentences:
        paragraphs[sentence.paragraph].append(sentence)
    out = ['<div class="article">']
    text = data.text
    for number in sorted(paragraphs):
        pieces = []
        previous_end = None
        for sentence in paragraphs[number]:
            if previous_end is not None:
                pieces.append(e(text[previous_end:sentence.start]))
            previous_end = sentence.end
            nodes = data.nodes_by_sentence.get(sentence.index, [])
            inner = []
            for a, b, kinds in _segments(sentence, claim_spans, quote_spans):
                chunk = e(text[a:b])
                if kinds:
                    classes = " ".join(f"k-{k}" for k in kinds)
                    inner.append(f'<span class="seg {classes}">{chunk}</span>')
                else:
                    inner.append(chunk)
            sid = f"s{sentence.index}"
            if nodes:
                items = "".join(
                    f'<span class="pop-item">{badge(data.kind(data.uri(n)))} {link(data.page_href(n), data.label(data.uri(n)))}</span>'
                    for n in nodes
                )
                pop = (f'<span class="pop" id="pop-{sid}" role="note"><span class="pop-head">Sentence {sentence.index}: '
                       f'{len(nodes)} node{"s" if len(nodes) != 1 else ""}</span>{items}</span>')
                pieces.append(f'<span class="s has-nodes" id="{sid}" tabindex="0" aria-describedby="pop-{sid}">'
                              f'{"".join(inner)}{pop}</span>')
            else:
                pieces.append(f'<span class="s" id="{sid}">{"".join(inner)}</span>')
        out.append(f"<p>{''.join(pieces)}</p>")
    out.append("</div>")
    body.extend(out)
    return page(title="The annotated article", body="\n".join(body), current="article.html")


# ================================================================================== ontology

def ontology_page(data: SiteData) -> str:
    uri = data.uri
    onto = uri(ONTOLOGY_IRI)
    title = data.value(onto, DCTERMS + "title")
    description = data.value(onto, DCTERMS + "description")
    version = data.value(onto, OWL + "versionInfo")
    license_ = data.value(onto, DCTERMS + "license")
    body = [f"<h1>Ontology: {e(title or 'cstrdf')}</h1>",
            '<dl class="facts">'
            f"<dt>IRI</dt><dd><code>{e(ONTOLOGY_IRI)}</code></dd>"
            f"<dt>Namespace</dt><dd><code>{e(CST)}</code> (prefix <code>cst:</code>)</dd>"
            f"<dt>Version</dt><dd>{e(version or '')}</dd>"
            f"<dt>Licence</dt><dd>{term_html(data, license_, '') if license_ is not None else '—'}</dd>"
            f'<dt>Download</dt><dd>{link("ontology.ttl", "ontology.ttl")} (Turtle)</dd>'
            "</dl>",
            f'<p class="lead">{e(description or "")}</p>']
    classes = ontology_classes(data)
    body.append('<h2 id="overview">Overview</h2><figure>' + ontology_svg(data) +
                "<figcaption>Each class of the ontology (left) and the classes it specializes (right), "
                "colour by vocabulary. The lists below say the same in words.</figcaption></figure>")

    def described(term) -> str:
        comment = data.value(term, RDFS + "comment") or data.value(term, SKOS + "definition")
        return e(comment) if comment is not None else ""

    body.append('<h2 id="classes">Classes</h2>')
    counts: dict[str, int] = defaultdict(int)
    for _, _, t in data.graph.triples((None, uri(RDF + "type"), None)):
        counts[str(t)] += 1
    for iri, supers in classes:
        term = uri(iri)
        local = iri[len(CST):]
        own = [s for s in supers if s.startswith(CST)]
        aligned = [s for s in supers if not s.startswith(CST)]
        subclasses = sorted(str(s) for s in data.graph.subjects(uri(RDFS + "subClassOf"), term))
        rows = [f"<dt>IRI</dt><dd><code>cst:{e(local)}</code></dd>"]
        if own:
            rows.append("<dt>Subclass of</dt><dd>" + ", ".join(term_html(data, uri(s), "") for s in own) + "</dd>")
        if aligned:
            rows.append("<dt>Aligned with</dt><dd>" + ", ".join(term_html(data, uri(s), "") for s in aligned) + "</dd>")
        if subclasses:
            rows.append("<dt>Subclasses</dt><dd>" + ", ".join(term_html(data, uri(s), "") for s in subclasses) + "</dd>")
        rows.append(f"<dt>Instances</dt><dd>{counts.get(iri, 0)}</dd>")
        body.append(f'<section id="{e(local)}" aria-labelledby="h-{e(local)}"><h3 id="h-{e(local)}">{e(data.label(term))} '
                    f'<code class="iri">cst:{e(local)}</code></h3><p>{described(term)}</p><dl class="facts">{"".join(rows)}</dl></section>')

    body.append('<h2 id="properties">Properties</h2>')
    kinds = {OWL + "ObjectProperty": "object property", OWL + "DatatypeProperty": "datatype property",
             OWL + "AnnotationProperty": "annotation property"}
    properties = sorted({str(s) for k in kinds for s in data.graph.subjects(uri(RDF + "type"), uri(k)) if str(s).startswith(CST)})
    for iri in properties:
        term = uri(iri)
        local = iri[len(CST):]
        kind = ", ".join(kinds[t] for t in data.types(term) if t in kinds)
        rows = [f"<dt>IRI</dt><dd><code>cst:{e(local)}</code> ({e(kind)})</dd>"]
        for predicate, name in ((RDFS + "domain", "Domain"), (RDFS + "range", "Range"),
                                (RDFS + "subPropertyOf", "Aligned with / subproperty of"),
                                (OWL + "inverseOf", "Inverse of")):
            values = data.values(term, predicate)
            if values:
                rows.append(f"<dt>{name}</dt><dd>" + ", ".join(term_html(data, v, "") for v in values) + "</dd>")
        body.append(f'<section id="{e(local)}" aria-labelledby="h-{e(local)}"><h3 id="h-{e(local)}">{e(data.label(term))} '
                    f'<code class="iri">cst:{e(local)}</code></h3><p>{described(term)}</p><dl class="facts">{"".join(rows)}</dl></section>')

    body.append('<h2 id="code-lists">Code lists</h2>')
    schemes = sorted(str(s) for s in data.graph.subjects(uri(RDF + "type"), uri(SKOS + "ConceptScheme")) if str(s).startswith(CST))
    for scheme in schemes:
        local = scheme[len(CST):]
        concepts = sorted(str(c) for c in data.graph.subjects(uri(SKOS + "inScheme"), uri(scheme)))
        rows = []
        for c in concepts:
            matches = data.values(uri(c), SKOS + "closeMatch") + data.values(uri(c), SKOS + "exactMatch")
            anchor = c[len(CST):] if c.startswith(CST) else None
            name = f'<span id="{e(anchor)}">{e(data.label(uri(c)))}</span>' if anchor else e(data.label(uri(c)))
            rows.append((f"{name} <code class=\"iri\">{e(compact(c))}</code>", described(uri(c)),
                         ", ".join(term_html(data, m, "") for m in matches) or "—"))
        body.append(f'<section id="{e(local)}" aria-labelledby="h-{e(local)}"><h3 id="h-{e(local)}">{e(data.label(uri(scheme)))} '
                    f'<code class="iri">cst:{e(local)}</code></h3>' + table(("value", "definition", "outside match"), rows) + "</section>")
    return page(title="Ontology", body="\n".join(body), current="ontology.html")


# ================================================================================== pictures

def timeline_page(data: SiteData) -> str:
    entries = timeline_entries(data)
    rows = [(e(x.date_text), link(data.page_href(x.iri), x.label), e(x.note or "—")) for x in entries]
    body = ["<h1>Timeline, May 2001 – November 2002</h1>",
            "<p class=\"lead\">From the CST summit in Yerevan to the working group's deadlines, as the article dates "
            "them; the founding of the CSTO in October 2002 is context from outside the article.</p>",
            '<figure id="timeline">' + timeline_svg(data, entries) +
            "<figcaption>Each row is one event, deadline or exercise; labels link to its page. The table below says the same in words.</figcaption></figure>",
            "<h2>The timeline in words</h2>",
            table(("when", "what", "status / note"), rows)]
    return page(title="Timeline", body="\n".join(body), current="timeline.html")


def alliance_page(data: SiteData) -> str:
    facts = alliance_facts(data)
    body = [f"<h1>The alliance: {e(facts.alliance_label)}</h1>",
            "<p class=\"lead\">The six member states at the Moscow summit, the three regional groups of forces of the joint "
            "statement, the presidents' stances on the joint-command proposal, and the chairmanship handover that ignored "
            "the alphabetical rotation rule.</p>",
            '<figure id="alliance">' + alliance_svg(data, facts) +
            "<figcaption>A diagram, not a map to scale. Labels link to the pages of the states, groups, stances and the handover.</figcaption></figure>",
            "<h2>The diagram in words</h2>"]
    rows = []
    for s in facts.states:
        groups = ", ".join(link(data.page_href(g), data.label(data.uri(g))) for g in s.groups) or "—"
        president = link(data.page_href(s.president_iri), s.president) if s.president_iri else "not named in the article"
        stance = link(data.page_href(s.stance_iri), s.stance) if s.stance_iri else "—"
        rows.append((link(data.page_href(s.iri), s.name), president, groups, stance))
    body.append(table(("state", "president", "regional groups of forces", f"stance on {facts.proposal_label}"), rows))
    for stance, holder, kind in facts.group_stances:
        body.append(f"<p>{link(data.page_href(stance), kind.capitalize())}: “{e(holder)}” — the article does not name them.</p>")
    if facts.previous and facts.new:
        expected = data.label(data.uri(facts.expected_next)) if facts.expected_next else "—"
        order = ", ".join(data.label(data.uri(s)) for s in facts.alphabetical)
        body.append(f"<p>{link(data.page_href(facts.handover), 'Chairmanship handover')}: from {e(facts.previous[0])} "
                    f"to {e(facts.new[0])}. The {e(facts.rule_label)} (order: {e(order)}) would have passed it to {e(expected)}.</p>")
    return page(title="Alliance", body="\n".join(body), current="alliance.html")


# ================================================================================== questions

@dataclass(frozen=True)
class AnsweredQuery:
    """A catalogue question with its answer (``result``), or a note and the expected rows."""

    query: "CatalogueQuery"
    result: "QueryResult | None"
    expected: "Expectation | None" = None
    note: str = ""

    @property
    def count(self) -> int | None:
        if self.result is not None:
            return len(self.result)
        return len(self.expected.rows) if self.expected is not None else None


def expectation_table(data: SiteData, expected: "Expectation", root: str) -> str:
    """Expected rows (cells as written in the expectation file), IRIs linked."""
    def cell(text: str) -> str:
        if text.startswith("<") and text.endswith(">"):
            iri = text[1:-1]
            href = data.page_href(iri, root)
            return link(href, data.label(data.uri(iri))) + f' <code class="iri">{e(compact(iri))}</code>' if href else e(compact(iri))
        return e(text)

    rows = [tuple(cell(c) for c in row) for row in expected.rows]
    return table(expected.header, rows, caption=f"{len(rows)} expected row{'s' if len(rows) != 1 else ''}")


def result_table(data: SiteData, result: "QueryResult", root: str) -> str:
    from cstrdf.results import IRI, BlankNode

    def cell(term) -> str:
        if term is None:
            return ""
        if isinstance(term, IRI):
            href = data.page_href(term.value, root)
            if href:
                return f'{link(href, data.label(data.uri(term.value)))} <code class="iri">{e(compact(term.value))}</code>'
            return e(compact(term.value))
        if isinstance(term, BlankNode):
            return "<i>(blank node)</i>"
        return e(term.lexical)

    if result.kind == "ask":
        return f"<p>Answer: <strong>{'yes' if result.boolean else 'no'}</strong> (<code>{str(result.boolean).lower()}</code>)</p>"
    if result.kind == "construct":
        rows = [tuple(cell(t) for t in triple) for triple in result.triples]
        return table(("subject", "predicate", "object"), rows, caption=f"{len(rows)} triples")
    rows = [tuple(cell(t) for t in row) for row in result.rows]
    return table(tuple("?" + v for v in result.variables), rows,
                 caption=f"{len(rows)} row{'s' if len(rows) != 1 else ''}")


def query_page(data: SiteData, answered: AnsweredQuery) -> str:
    q = answered.query
    params = "".join(f"<li><code>{e(p.name)}</code>: {e(p.description)}</li>" for p in q.params)
    body = [f"<h1>{e(q.title)}</h1>",
            f'<p class="lead">{e(q.question)}</p>',
            f"<p>Returns: {e(q.returns)}</p>",
            "<h2>Answer</h2>" + (result_table(data, answered.result, "../") if answered.result is not None else
                                 f'<p class="note">{e(answered.note)}</p>' +
                                 (expectation_table(data, answered.expected, "../") if answered.expected else "")),
            "<h2>SPARQL</h2>",
            f"<pre><code>{e(q.text)}</code></pre>",
            f'<p>{link(f"{q.name}.rq", q.name + ".rq")} · run it: <code>cstrdf query {e(q.name)}</code></p>']
    if params:
        body.insert(3, f"<p>Parameters (the answer below is without them):</p><ul>{params}</ul>")
    return page(title=q.title, body="\n".join(body), root="../", description=q.question)


def queries_page(answered: Sequence[AnsweredQuery]) -> str:
    rows = [(link(f"query/{a.query.name}.html", a.query.title), e(a.query.question),
             f'<span class="num">{a.count if a.count is not None else "—"}</span>'
             + (" (Wikidata snapshot)" if a.result is None and a.expected is not None else "")) for a in answered]
    body = ["<h1>Analytic questions</h1>",
            "<p class=\"lead\">The query catalogue: each question as SPARQL with its answer on the publication. "
            "Run any of them with <code>cstrdf query NAME</code>, or against <code>cstrdf serve</code>.</p>",
            table(("question", "in full", "answers"), rows)]
    return page(title="Analytic questions", body="\n".join(body), current="queries.html")


# ================================================================================== landing page

def _size(n: int) -> str:
    """``268283`` → ``262.0 KiB``."""
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


def landing_page(data: SiteData, report: "BuildReport", void_text: str, answered: Sequence[AnsweredQuery],
                 *, article_text: bool = True) -> str:
    title = article_title(data)
    kinds = defaultdict(int)
    for iri in data.resources:
        kinds[data.kind(data.uri(iri))] += 1
    body = ["<h1>cstrdf: a news analysis as linked data</h1>",
            f'<p class="lead">The Jamestown Foundation <cite>Monitor</cite> article “{e(title)}” (Volume 8, Issue 95; on the CST summit of 13–14 May 2002) '
            "as an RDF dataset: an OWL ontology aligned with W3C ORG, PROV-O, OWL-Time, schema.org, SKOS and Web Annotation; "
            "every fact of the article with the exact words it rests on; the author's interpretations kept apart as claims; "
            "and the quotations with their speakers.</p>",
            f"<p>{report.triples} triples · {len(data.resources)} resources: {kinds['fact']} reported facts, "
            f"{kinds['claim']} claims, {kinds['quotation']} quotations, {kinds['context']} context · "
            f"{len(data.sentences)} sentences · {len(answered)} analytic questions.</p>",
            '<ul>'
            f'<li>{link("article.html", "The annotated article")}: every sentence linked to the nodes drawn from it.</li>'
            f'<li>{link("timeline.html", "Timeline")}, May 2001 – November 2002, and {link("alliance.html", "the alliance")}: '
            "states, groups of forces, stances and the chairmanship handover.</li>"
            f'<li>{link("resources.html", "All resources")}, {link("ontology.html", "the ontology")} and '
            f'{link("queries.html", "the analytic questions")}.</li></ul>',
            '<figure id="at-a-glance">' + timeline_svg(data, timeline_entries(data)) +
            f'<figcaption>The events of the article from May 2001 to November 2002; labels link to their pages. '
            f'{link("timeline.html", "The timeline page")} says the same in words.</figcaption></figure>',
            '<h2 id="source">Source and licence</h2>',
            f"<p>Source: “{e(title)}”, <cite>The Monitor</cite>, Volume 8, Issue 95, The Jamestown Foundation "
            f"({link(PUBLISHER_PAGE, 'publisher’s page')}). The article names no author and carries no date line; neither is asserted. "
            "A close variant appeared in the Jamestown <cite>Fortnight in Review</cite>, Volume 8, Issue 10.</p>",
            "<p>The data (ontology, facts, context, queries) is licensed under "
            f"{link('https://creativecommons.org/licenses/by/4.0/', 'CC BY 4.0')}. The article's text is not: "
            f"{e(rights_statement(data))} The dumps carry the evidence quotes, never the full text"
            + ("; the annotated article shows the full text as evidence, on a separate page a deployment can drop."
               if article_text else "; this deployment does not show the full text.") + "</p>",
            '<h2 id="cite">How to cite</h2>',
            f"<p>The cstrdf project, <cite>cstrdf: The Monitor, Volume 8, Issue 95, as linked data</cite>, version {e(__version__)}, "
            "dataset <code>https://w3id.org/cstrdf/dataset</code>, CC BY 4.0. Cite the article itself as: “"
            f"{e(title)}”, <cite>The Monitor</cite> 8:95, The Jamestown Foundation (no date line).</p>",
            "<pre><code>" + e(
                "@misc{cstrdf,\n"
                "  title     = {cstrdf: The Monitor, Volume 8, Issue 95, as linked data},\n"
                "  author    = {{The cstrdf project}},\n"
                f"  version   = {{{__version__}}},\n"
                "  url       = {https://w3id.org/cstrdf/dataset},\n"
                "  note      = {Data CC BY 4.0; source: The Jamestown Foundation, The Monitor 8:95}\n"
                "}") + "</code></pre>",
            '<h2 id="downloads">Downloads</h2>']
    rows = []
    for dist in report.distributions:
        rows.append((link(f"data/{dist.path.name}", dist.path.name), e(dist.media_type),
                     f'<span class="num">{e(_size(dist.bytes))}</span> ({dist.bytes} bytes)', f"<code>{e(dist.sha256)}</code>"))
    body.append(table(("file", "media type", "size", "SHA-256"), rows,
                      caption=f"The whole publication ({report.triples} triples), from cstrdf build"))
    body.append(f"<p>Also: {link('data/void.ttl', 'void.ttl')} (the VoID/DCAT description below), "
                f"{link('ontology.ttl', 'ontology.ttl')} (the ontology alone), and every resource's own description "
                "(linked from its page).</p>")
    body.append('<h2 id="void">Dataset description (VoID and DCAT)</h2>')
    body.append(f"<pre><code>{e(void_text)}</code></pre>")
    body.append('<h2 id="query">How to query it</h2>'
                "<h3>Command line</h3><pre><code>" + e(
                    "pip install cstrdf            # or: bash scripts/setup.sh in a checkout\n"
                    "cstrdf queries                # the catalogue of analytic questions\n"
                    "cstrdf query q03-stances-on-joint-command\n"
                    "cstrdf query --sparql 'SELECT ?s WHERE { ?s a <https://w3id.org/cstrdf/ontology#State> }'") + "</code></pre>"
                "<h3>A local server: SPARQL endpoint and dereferenceable IRIs</h3><pre><code>" + e(
                    "cstrdf serve                  # http://127.0.0.1:7878/ : this site, /sparql, /id/…\n"
                    "curl -H 'Accept: text/turtle' -L http://127.0.0.1:7878/id/vladimir-putin\n"
                    "curl --data-urlencode 'query=ASK { ?s ?p ?o }' http://127.0.0.1:7878/sparql") + "</code></pre>"
                "<h3>Python</h3><pre><code>" + e(
                    "from cstrdf.sparql import run_query\n"
                    "result = run_query(\"q01-members-at-moscow-summit\")\n"
                    "for row in result.bindings():\n"
                    "    print(row[\"stateName\"].lexical)") + "</code></pre>")
    body.append('<h2 id="questions">Analytic questions</h2><ol>' + "".join(
        f'<li>{link(f"query/{a.query.name}.html", a.query.title)}: {e(a.query.question)}</li>' for a in answered) + "</ol>")
    return page(title="Home", body="\n".join(body), current="index.html",
                description="The Monitor article on the CIS Collective Security Treaty (8:95) as linked data.")
