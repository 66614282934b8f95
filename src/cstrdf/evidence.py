"""Check that every evidence selector points at its quote in the source text.

The evidence model (the data follows it exactly)::

    cstid:some-node cst:evidence [
        a oa:SpecificResource ;
        oa:hasSource cstid:monitor-v8-i95 ;
        oa:hasSelector [ a oa:TextQuoteSelector ;
                         oa:exact "…" ; oa:prefix "…" ; oa:suffix "…" ] ,
                       [ a oa:TextPositionSelector ; oa:start 10 ; oa:end 42 ] ] .

Offsets count Unicode code points of the source text, ``end`` exclusive. ``oa:prefix`` and
``oa:suffix`` hold up to 32 code points before and after the quote (clipped at the ends of the
text, omitted when empty); a shorter prefix or suffix is accepted if the text agrees with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, NamedTuple

from cstrdf.namespaces import CST, OA, RDF, SOURCE_TEXT_IRI

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

#: how many code points of context ``oa:prefix`` and ``oa:suffix`` carry at most
CONTEXT_LENGTH = 32


class EvidenceSpan(NamedTuple):
    """One span of the source text that supports ``node``; ``exact`` is None when not given."""

    node: object
    start: int
    end: int
    exact: str | None


@dataclass(frozen=True)
class EvidenceProblem:
    """One selector that does not agree with the source text (or is incomplete)."""

    node: str  # the node whose cst:evidence this is
    selector: str  # the oa:SpecificResource (or selector) at fault
    kind: str  # short code: missing-quote, missing-position, offsets, mismatch, prefix, suffix, source
    message: str
    start: int | None = None
    end: int | None = None
    exact: str | None = None


@dataclass(frozen=True)
class EvidenceReport:
    """Result of :func:`check_evidence`."""

    selectors: int  # evidence resources checked
    problems: tuple[EvidenceProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Selectors:
    resource: object
    quotes: tuple
    positions: tuple


def expected_context(text: str, start: int, end: int) -> tuple[str, str]:
    """The canonical (prefix, suffix) for ``text[start:end]``: 32 code points each, clipped."""
    return text[max(0, start - CONTEXT_LENGTH) : start], text[end : end + CONTEXT_LENGTH]


def as_offset(term) -> int | None:
    """An integer literal (any XSD integer type, or a plain string of digits) as int, else None."""
    from rdflib import Literal

    if not isinstance(term, Literal):
        return None
    lexical = str(term).strip()
    if lexical.lstrip("+").isdigit():
        return int(lexical)
    return None


def _one(graph, subject, predicate):
    values = list(graph.objects(subject, predicate))
    return values[0] if len(values) == 1 else (None if not values else values)


def _evidence_resources(graph: "rdflib.Graph") -> Iterator[tuple[object, _Selectors]]:
    from rdflib import URIRef

    evidence = URIRef(CST + "evidence")
    has_selector = URIRef(OA + "hasSelector")
    rdf_type = URIRef(RDF + "type")
    quote_class = URIRef(OA + "TextQuoteSelector")
    position_class = URIRef(OA + "TextPositionSelector")
    exact = URIRef(OA + "exact")
    start = URIRef(OA + "start")
    for node, resource in sorted(graph.subject_objects(evidence), key=lambda t: (str(t[0]), str(t[1]))):
        quotes, positions = [], []
        for selector in graph.objects(resource, has_selector):
            types = set(graph.objects(selector, rdf_type))
            if quote_class in types or (selector, exact, None) in graph:
                quotes.append(selector)
            if position_class in types or (selector, start, None) in graph:
                positions.append(selector)
        yield node, _Selectors(resource, tuple(quotes), tuple(positions))


@dataclass(frozen=True)
class QuoteReading:
    """What one quote selector says: every oa:exact, oa:prefix and oa:suffix it has."""

    exacts: tuple[str, ...]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]


@dataclass(frozen=True)
class PositionReading:
    """What one position selector says: each oa:start and oa:end (None: not an integer)."""

    starts: tuple[int | None, ...]
    ends: tuple[int | None, ...]


@dataclass(frozen=True)
class EvidenceReading:
    """One evidence resource as read from a graph, engine-neutral: ``node`` keeps the term type
    of the graph it came from; ``sources`` are (is an IRI, text) pairs."""

    node: object
    resource: str
    sources: frozenset[tuple[bool, str]]
    quotes: tuple[QuoteReading, ...]
    positions: tuple[PositionReading, ...]


def readings(graph: "rdflib.Graph") -> list[EvidenceReading]:
    """Every evidence resource of an rdflib graph, in (node, resource) order."""
    from rdflib import URIRef

    has_source = URIRef(OA + "hasSource")
    exact_p, prefix_p, suffix_p = URIRef(OA + "exact"), URIRef(OA + "prefix"), URIRef(OA + "suffix")
    start_p, end_p = URIRef(OA + "start"), URIRef(OA + "end")
    found = []
    for node, selectors in _evidence_resources(graph):
        found.append(EvidenceReading(
            node=node,
            resource=str(selectors.resource),
            sources=frozenset((isinstance(s, URIRef), str(s)) for s in graph.objects(selectors.resource, has_source)),
            quotes=tuple(
                QuoteReading(
                    tuple(str(v) for v in graph.objects(q, exact_p)),
                    tuple(str(v) for v in graph.objects(q, prefix_p)),
                    tuple(str(v) for v in graph.objects(q, suffix_p)),
                )
                for q in selectors.quotes
            ),
            positions=tuple(
                PositionReading(
                    tuple(as_offset(v) for v in graph.objects(p, start_p)),
                    tuple(as_offset(v) for v in graph.objects(p, end_p)),
                )
                for p in selectors.positions
            ),
        ))
    return found


def store_readings(store, graph=None) -> list[EvidenceReading]:
    """Every evidence resource of a pyoxigraph store (``graph``: one graph; default: the default
    graph): the same readings :func:`readings` gives for rdflib, with nodes as strings (IRIs, or
    blank-node ids as rdflib's ``str()`` writes them). One scan per property involved."""
    import pyoxigraph

    where = graph if graph is not None else pyoxigraph.DefaultGraph()

    def by_subject(iri: str) -> dict:
        table: dict = {}
        for quad in store.quads_for_pattern(None, pyoxigraph.NamedNode(iri), None, where):
            table.setdefault(quad.subject, []).append(quad.object)
        return table

    def typed(iri: str) -> set:
        kind = pyoxigraph.NamedNode(iri)
        return {q.subject for q in store.quads_for_pattern(None, pyoxigraph.NamedNode(RDF + "type"), kind, where)}

    sources, selectors = by_subject(OA + "hasSource"), by_subject(OA + "hasSelector")
    exact, prefix, suffix = by_subject(OA + "exact"), by_subject(OA + "prefix"), by_subject(OA + "suffix")
    start, end = by_subject(OA + "start"), by_subject(OA + "end")
    quote_typed, position_typed = typed(OA + "TextQuoteSelector"), typed(OA + "TextPositionSelector")

    def texts(table: dict, node) -> tuple[str, ...]:
        return tuple(term.value for term in table.get(node, ()))

    found = []
    pairs = [(q.subject, q.object) for q in store.quads_for_pattern(None, pyoxigraph.NamedNode(CST + "evidence"), None, where)]
    for node, resource in sorted(pairs, key=lambda pair: (pair[0].value, pair[1].value)):
        chosen = selectors.get(resource, ())
        found.append(EvidenceReading(
            node=node.value,
            resource=resource.value,
            sources=frozenset((isinstance(s, pyoxigraph.NamedNode), s.value) for s in sources.get(resource, ())),
            quotes=tuple(
                QuoteReading(texts(exact, s), texts(prefix, s), texts(suffix, s))
                for s in chosen if s in quote_typed or s in exact
            ),
            positions=tuple(
                PositionReading(tuple(_offset_of(v) for v in start.get(s, ())), tuple(_offset_of(v) for v in end.get(s, ())))
                for s in chosen if s in position_typed or s in start
            ),
        ))
    return found


def _offset_of(term) -> int | None:
    """:func:`as_offset` for a pyoxigraph term."""
    import pyoxigraph

    if not isinstance(term, pyoxigraph.Literal):
        return None
    lexical = term.value.strip()
    return int(lexical) if lexical.lstrip("+").isdigit() else None


def _only(values: tuple):
    return values[0] if len(values) == 1 else None


def evidence_spans(graph: "rdflib.Graph") -> list[EvidenceSpan]:
    """Every (node, start, end, exact) the evidence selectors of ``graph`` give.

    Spans with missing or non-integer offsets are left out (:func:`check_evidence` reports them).
    """
    return spans_of(readings(graph))


def spans_of(found: list[EvidenceReading]) -> list[EvidenceSpan]:
    """The spans of evidence readings (:func:`evidence_spans` for any engine)."""
    spans: list[EvidenceSpan] = []
    for reading in found:
        exacts = [q.exacts[0] if q.exacts else None for q in reading.quotes]
        exact = exacts[0] if len(exacts) == 1 and exacts[0] is not None else None
        for position in reading.positions:
            start = position.starts[0] if position.starts else None
            end = position.ends[0] if position.ends else None
            if start is not None and end is not None:
                spans.append(EvidenceSpan(reading.node, start, end, exact))
    return spans


def check_evidence(
    graph: "rdflib.Graph", source_text: str, *, source_iri: str = SOURCE_TEXT_IRI
) -> EvidenceReport:
    """Re-read every evidence selector of ``graph`` against ``source_text``.

    A problem is reported when the quote is not at ``[start, end)``, when the prefix or suffix
    disagree with the text, when offsets are missing, not integers or out of range, when a
    quote or position selector is missing or doubled, or when the source is not the article.
    """
    return check_readings(readings(graph), source_text, source_iri=source_iri)


def check_readings(
    found: list[EvidenceReading], source_text: str, *, source_iri: str = SOURCE_TEXT_IRI
) -> EvidenceReport:
    """:func:`check_evidence` for evidence readings from any engine."""
    problems: list[EvidenceProblem] = []
    checked = 0
    for reading in found:
        checked += 1
        where = dict(node=str(reading.node), selector=reading.resource)

        def problem(kind: str, message: str, **extra) -> None:
            problems.append(EvidenceProblem(kind=kind, message=message, **where, **extra))

        if reading.sources != {(True, source_iri)}:
            got = ", ".join(sorted(f"<{text}>" for _, text in reading.sources)) or "none"
            problem("source", f"oa:hasSource must be <{source_iri}> (found {got})")
        quotes, positions = reading.quotes, reading.positions
        if len(quotes) != 1:
            problem("missing-quote" if not quotes else "several-quotes",
                    f"needs exactly one oa:TextQuoteSelector (found {len(quotes)})")
        if len(positions) != 1:
            problem("missing-position" if not positions else "several-positions",
                    f"needs exactly one oa:TextPositionSelector (found {len(positions)})")
        if len(quotes) != 1 or len(positions) != 1:
            continue
        quote, position = quotes[0], positions[0]
        exact = _only(quote.exacts)
        if exact is None:
            problem("missing-quote", "the oa:TextQuoteSelector needs exactly one oa:exact")
            continue
        start, end = _only(position.starts), _only(position.ends)
        if start is None or end is None:
            problem("offsets", "oa:start and oa:end must each be one non-negative integer", exact=exact)
            continue
        if not 0 <= start <= end <= len(source_text):
            problem("offsets", f"offsets [{start}, {end}) outside the text (length {len(source_text)})",
                    start=start, end=end, exact=exact)
            continue
        found_text = source_text[start:end]
        if found_text != exact:
            elsewhere = source_text.find(exact)
            hint = f"; the quote occurs at {elsewhere}" if elsewhere >= 0 else "; the quote is not in the text"
            problem("mismatch", f"text at [{start}, {end}) is {_short(found_text)!r}, not {_short(exact)!r}{hint}",
                    start=start, end=end, exact=exact)
            continue
        prefix = quote.prefixes[0] if quote.prefixes else None
        suffix = quote.suffixes[0] if quote.suffixes else None
        if prefix is not None and not source_text[:start].endswith(prefix):
            problem("prefix", f"oa:prefix {_short(prefix)!r} does not precede the quote at {start}",
                    start=start, end=end, exact=exact)
        if suffix is not None and not source_text[end:].startswith(suffix):
            problem("suffix", f"oa:suffix {_short(suffix)!r} does not follow the quote at {end}",
                    start=start, end=end, exact=exact)
    return EvidenceReport(selectors=checked, problems=tuple(problems))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
