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


def evidence_spans(graph: "rdflib.Graph") -> list[EvidenceSpan]:
    """Every (node, start, end, exact) the evidence selectors of ``graph`` give.

    Spans with missing or non-integer offsets are left out (:func:`check_evidence` reports them).
    """
    from rdflib import URIRef

    start_p, end_p, exact_p = URIRef(OA + "start"), URIRef(OA + "end"), URIRef(OA + "exact")
    spans: list[EvidenceSpan] = []
    for node, found in _evidence_resources(graph):
        exacts = [graph.value(q, exact_p) for q in found.quotes]
        exact = str(exacts[0]) if len(exacts) == 1 and exacts[0] is not None else None
        for position in found.positions:
            start, end = as_offset(graph.value(position, start_p)), as_offset(graph.value(position, end_p))
            if start is not None and end is not None:
                spans.append(EvidenceSpan(node, start, end, exact))
    return spans


def check_evidence(
    graph: "rdflib.Graph", source_text: str, *, source_iri: str = SOURCE_TEXT_IRI
) -> EvidenceReport:
    """Re-read every evidence selector of ``graph`` against ``source_text``.

    A problem is reported when the quote is not at ``[start, end)``, when the prefix or suffix
    disagree with the text, when offsets are missing, not integers or out of range, when a
    quote or position selector is missing or doubled, or when the source is not the article.
    """
    from rdflib import URIRef

    has_source = URIRef(OA + "hasSource")
    exact_p, prefix_p, suffix_p = URIRef(OA + "exact"), URIRef(OA + "prefix"), URIRef(OA + "suffix")
    start_p, end_p = URIRef(OA + "start"), URIRef(OA + "end")
    problems: list[EvidenceProblem] = []
    checked = 0
    for node, found in _evidence_resources(graph):
        checked += 1
        where = dict(node=str(node), selector=str(found.resource))

        def problem(kind: str, message: str, **extra) -> None:
            problems.append(EvidenceProblem(kind=kind, message=message, **where, **extra))

        sources = set(graph.objects(found.resource, has_source))
        if sources != {URIRef(source_iri)}:
            got = ", ".join(sorted(f"<{s}>" for s in sources)) or "none"
            problem("source", f"oa:hasSource must be <{source_iri}> (found {got})")
        if len(found.quotes) != 1:
            problem("missing-quote" if not found.quotes else "several-quotes",
                    f"needs exactly one oa:TextQuoteSelector (found {len(found.quotes)})")
        if len(found.positions) != 1:
            problem("missing-position" if not found.positions else "several-positions",
                    f"needs exactly one oa:TextPositionSelector (found {len(found.positions)})")
        if len(found.quotes) != 1 or len(found.positions) != 1:
            continue
        quote, position = found.quotes[0], found.positions[0]
        exact_term = _one(graph, quote, exact_p)
        start_term, end_term = _one(graph, position, start_p), _one(graph, position, end_p)
        if exact_term is None or isinstance(exact_term, list):
            problem("missing-quote", "the oa:TextQuoteSelector needs exactly one oa:exact")
            continue
        exact = str(exact_term)
        start = None if isinstance(start_term, list) else as_offset(start_term)
        end = None if isinstance(end_term, list) else as_offset(end_term)
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
        prefix, suffix = graph.value(quote, prefix_p), graph.value(quote, suffix_p)
        if prefix is not None and not source_text[:start].endswith(str(prefix)):
            problem("prefix", f"oa:prefix {_short(str(prefix))!r} does not precede the quote at {start}",
                    start=start, end=end, exact=exact)
        if suffix is not None and not source_text[end:].startswith(str(suffix)):
            problem("suffix", f"oa:suffix {_short(str(suffix))!r} does not follow the quote at {end}",
                    start=start, end=end, exact=exact)
    return EvidenceReport(selectors=checked, problems=tuple(problems))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
