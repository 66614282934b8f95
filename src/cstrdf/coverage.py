"""Sentence coverage: is every sentence of the article the evidence of some node, or excluded?

A sentence is *covered* when some evidence span overlaps it by at least one code point. A
sentence may instead be *excluded* by a row of ``data/coverage-exclusions.tsv``::

    quote<TAB>reason
    Site Maintenance by Johnny Flash<TAB>web-page footer, not part of the article

where ``quote`` is a substring that occurs in exactly one sentence. Coverage percent =
(covered + excluded) / sentences.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from cstrdf.errors import InputError
from cstrdf.evidence import evidence_spans
from cstrdf.sentences import Sentence, split_sentences

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

    from cstrdf.evidence import EvidenceSpan

EXCLUSIONS_HEADER = ("quote", "reason")


@dataclass(frozen=True)
class Exclusion:
    """One row of the exclusions file."""

    quote: str
    reason: str
    line: int | None = None  # line in the file, for error messages
    path: str | None = None


@dataclass(frozen=True)
class SentenceCoverage:
    """How one sentence is accounted for: ``status`` is covered, excluded or missing."""

    sentence: Sentence
    status: str
    nodes: tuple[str, ...] = ()  # nodes whose evidence overlaps the sentence
    reason: str | None = None  # the exclusion's reason, when excluded


@dataclass(frozen=True)
class CoverageReport:
    """Result of :func:`coverage`."""

    sentences: int
    covered: int
    excluded: int
    rows: tuple[SentenceCoverage, ...]

    @property
    def missing(self) -> int:
        return self.sentences - self.covered - self.excluded

    @property
    def percent(self) -> float:
        if self.sentences == 0:
            return 100.0
        return 100.0 * (self.covered + self.excluded) / self.sentences

    @property
    def complete(self) -> bool:
        return self.missing == 0


def read_exclusions(path: str | Path, *, missing_ok: bool = False) -> list[Exclusion]:
    """Parse the exclusions TSV (header ``quote<TAB>reason``; ``#`` lines and blank lines skipped)."""
    from cstrdf.rdfio import read_text

    path = Path(path)
    if missing_ok and not path.exists():
        return []
    text = read_text(path, allow_empty=True)
    exclusions: list[Exclusion] = []
    header_seen = False
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if not header_seen:
            if tuple(c.strip() for c in cells) != EXCLUSIONS_HEADER:
                raise InputError("the first row must be the header 'quote<TAB>reason'", path=path, line=number)
            header_seen = True
            continue
        if len(cells) != 2 or not cells[0] or not cells[1].strip():
            raise InputError("expected two tab-separated cells: quote, reason", path=path, line=number)
        exclusions.append(Exclusion(quote=cells[0], reason=cells[1].strip(), line=number, path=str(path)))
    if not header_seen and text.strip():
        raise InputError("no header row 'quote<TAB>reason'", path=path)
    return exclusions


def _match_exclusions(sentences: list[Sentence], exclusions: Iterable[Exclusion]) -> dict[int, Exclusion]:
    matched: dict[int, Exclusion] = {}
    for exclusion in exclusions:
        hits = [s for s in sentences if exclusion.quote in s.text]
        where = dict(path=exclusion.path, line=exclusion.line)
        if not hits:
            raise InputError(f"exclusion {exclusion.quote!r} matches no sentence", **where)
        if len(hits) > 1:
            numbers = ", ".join(str(s.index) for s in hits)
            raise InputError(
                f"exclusion {exclusion.quote!r} matches {len(hits)} sentences ({numbers}): make the quote longer",
                **where,
            )
        index = hits[0].index
        if index in matched:
            raise InputError(f"sentence {index} is excluded twice (also by {matched[index].quote!r})", **where)
        matched[index] = exclusion
    return matched


def _overlap(start: int, end: int, sentence: Sentence) -> int:
    return min(end, sentence.end) - max(start, sentence.start)


def coverage(
    graph: "rdflib.Graph", source_text: str, exclusions: Iterable[Exclusion] = ()
) -> CoverageReport:
    """Account for every sentence of ``source_text`` by the evidence in ``graph`` or an exclusion.

    A covered sentence that is also excluded counts as covered (the exclusion is redundant).
    """
    return coverage_of_spans(evidence_spans(graph), source_text, exclusions)


def coverage_of_spans(
    spans: Iterable["EvidenceSpan"], source_text: str, exclusions: Iterable[Exclusion] = ()
) -> CoverageReport:
    """:func:`coverage` for evidence spans read by any engine (:mod:`cstrdf.evidence`)."""
    sentences = split_sentences(source_text)
    excluded_by = _match_exclusions(sentences, exclusions)
    spans = sorted(spans, key=lambda s: (s.start, s.end, str(s.node)))
    rows: list[SentenceCoverage] = []
    for sentence in sentences:
        nodes = sorted({str(s.node) for s in spans if _overlap(s.start, s.end, sentence) >= 1})
        if nodes:
            rows.append(SentenceCoverage(sentence, "covered", tuple(nodes)))
        elif sentence.index in excluded_by:
            rows.append(SentenceCoverage(sentence, "excluded", reason=excluded_by[sentence.index].reason))
        else:
            rows.append(SentenceCoverage(sentence, "missing"))
    return CoverageReport(
        sentences=len(sentences),
        covered=sum(r.status == "covered" for r in rows),
        excluded=sum(r.status == "excluded" for r in rows),
        rows=tuple(rows),
    )
