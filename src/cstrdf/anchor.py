"""Fill in the offsets of evidence quotes: an authoring aid for whoever encodes the article.

For every ``oa:TextQuoteSelector`` with an ``oa:exact`` the quote is looked up in the source
text. When its sibling ``oa:TextPositionSelector`` is missing or wrong, ``oa:start``/``oa:end``
are filled in (a missing position selector is created), and ``oa:prefix``/``oa:suffix`` are set
to the 32 code points around the quote (clipped at the ends of the text, omitted when empty).
A quote that occurs several times is placed by the author's ``oa:prefix``/``oa:suffix`` or by an
existing ``oa:start``; otherwise it is an error. The file is then rewritten in canonical Turtle.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from cstrdf.canonical import parse_turtle_file, write_atomically
from cstrdf.evidence import as_offset, expected_context
from cstrdf.namespaces import OA, RDF, SOURCE_TEXT_IRI, XSD


@dataclass(frozen=True)
class AnchorProblem:
    """A quote that cannot be placed: ``str()`` is ``path: message``."""

    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class AnchorResult:
    """Outcome for one file: quotes placed, whether the file (would) change, problems."""

    path: Path
    quotes: int  # quote selectors seen
    anchored: int  # quote selectors whose position, prefix or suffix was filled or corrected
    changed: bool  # the canonical text differs from the file
    written: bool
    problems: tuple[AnchorProblem, ...] = ()


def occurrences(text: str, quote: str) -> list[int]:
    """Every start index of ``quote`` in ``text`` (overlapping occurrences included)."""
    found, index = [], text.find(quote)
    while index >= 0 and quote:
        found.append(index)
        index = text.find(quote, index + 1)
    return found


def _short(quote: str, limit: int = 60) -> str:
    flat = " ".join(quote.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def place_quote(
    text: str, quote: str, *, prefix: str | None = None, suffix: str | None = None, start: int | None = None
) -> int:
    """Where ``quote`` stands in ``text``; raises ValueError with a reason when it cannot be told.

    >>> place_quote("a b a c", "a", prefix="b ")
    4
    """
    places = occurrences(text, quote)
    if not places:
        raise ValueError(f'quote not found: "{_short(quote)}"')
    if start is not None and start in places:
        return start
    if len(places) == 1:
        return places[0]
    candidates = places
    if prefix:
        candidates = [i for i in candidates if text[:i].endswith(prefix)]
    if suffix:
        candidates = [i for i in candidates if text[i + len(quote) :].startswith(suffix)]
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise ValueError(
            f'quote "{_short(quote)}" ({len(places)} occurrences): none has the given oa:prefix/oa:suffix'
        )
    if start is not None:
        distance = sorted((abs(i - start), i) for i in candidates)
        if len(distance) == 1 or distance[0][0] < distance[1][0]:
            return distance[0][1]
    raise ValueError(f'ambiguous quote "{_short(quote)}" ({len(candidates)} occurrences): add oa:prefix')


def anchor_graph(graph, text: str, *, source_iri: str = SOURCE_TEXT_IRI) -> tuple[int, int, list[str]]:
    """Place every quote of ``graph`` in ``text`` (in place). Returns (quotes, anchored, problems)."""
    from rdflib import BNode, Literal, URIRef

    a = URIRef(RDF + "type")
    has_selector, has_source = URIRef(OA + "hasSelector"), URIRef(OA + "hasSource")
    exact_p, prefix_p, suffix_p = URIRef(OA + "exact"), URIRef(OA + "prefix"), URIRef(OA + "suffix")
    start_p, end_p = URIRef(OA + "start"), URIRef(OA + "end")
    position_class = URIRef(OA + "TextPositionSelector")

    datatypes = [lit.datatype for lit in graph.objects(None, start_p) if isinstance(lit, Literal) and lit.datatype]
    default_datatype = max(set(datatypes), key=lambda d: (datatypes.count(d), str(d))) if datatypes else URIRef(XSD + "integer")

    quotes = anchored = 0
    problems: list[str] = []
    foreign: dict[str, int] = {}
    selectors = sorted(
        ((s, o) for s, o in graph.subject_objects(exact_p) if isinstance(o, Literal)),
        key=lambda t: (str(t[1]), str(t[0])),
    )
    for quote_selector, exact in selectors:
        resources = sorted(graph.subjects(has_selector, quote_selector), key=str)
        resource = resources[0] if resources else None
        if resource is not None:
            sources = set(graph.objects(resource, has_source))
            if sources and URIRef(source_iri) not in sources:
                for other in sources:
                    foreign[str(other)] = foreign.get(str(other), 0) + 1
                continue
        quotes += 1
        positions = []
        if resource is not None:
            positions = sorted(
                (s for s in graph.objects(resource, has_selector)
                 if (s, a, position_class) in graph or (s, start_p, None) in graph),
                key=str,
            )
        position = positions[0] if positions else None
        old_start = as_offset(graph.value(position, start_p)) if position is not None else None
        old_end = as_offset(graph.value(position, end_p)) if position is not None else None
        prefix, suffix = graph.value(quote_selector, prefix_p), graph.value(quote_selector, suffix_p)
        try:
            start = place_quote(
                text, str(exact),
                prefix=str(prefix) if prefix is not None else None,
                suffix=str(suffix) if suffix is not None else None,
                start=old_start,
            )
        except ValueError as error:
            problems.append(str(error))
            continue
        end = start + len(str(exact))
        changed = False
        if resource is None:
            resource = BNode()
            graph.add((resource, has_selector, quote_selector))
            changed = True
        if position is None:
            position = BNode()
            graph.add((resource, has_selector, position))
            graph.add((position, a, position_class))
            changed = True
        for predicate, old, new in ((start_p, old_start, start), (end_p, old_end, end)):
            if old != new or len(list(graph.objects(position, predicate))) != 1:
                existing = graph.value(position, predicate) if old is not None else None
                datatype = existing.datatype if isinstance(existing, Literal) and existing.datatype else default_datatype
                graph.remove((position, predicate, None))
                graph.add((position, predicate, Literal(str(new), datatype=datatype)))
                changed = True
        want_prefix, want_suffix = expected_context(text, start, end)
        for predicate, want in ((prefix_p, want_prefix), (suffix_p, want_suffix)):
            have = [str(v) for v in graph.objects(quote_selector, predicate)]
            if have != ([want] if want else []):
                graph.remove((quote_selector, predicate, None))
                if want:
                    graph.add((quote_selector, predicate, Literal(want)))
                changed = True
        anchored += changed
    for other, count in sorted(foreign.items()):
        problems.append(f"{count} quotes have oa:hasSource <{other}>, not <{source_iri}>: not placed")
    return quotes, anchored, problems


def anchor_file(path: str | Path, source_text: str, *, check: bool = False) -> AnchorResult:
    """Anchor the quotes of one Turtle file and rewrite it canonically (not when ``check``).

    A file with problems is left untouched.
    """
    path = Path(path)
    turtle = parse_turtle_file(path)
    quotes, anchored, messages = anchor_graph(turtle.graph, source_text)
    problems = tuple(AnchorProblem(path, m) for m in messages)
    text = turtle.canonical()
    changed = text != turtle.text
    written = changed and not check and not problems
    if written:
        write_atomically(path, text)
    return AnchorResult(path, quotes, anchored, changed, written, problems)


def anchor_files(paths: Iterable[str | Path], source_text: str, *, check: bool = False) -> list[AnchorResult]:
    """:func:`anchor_file` for each path, in order."""
    return [anchor_file(p, source_text, check=check) for p in paths]
