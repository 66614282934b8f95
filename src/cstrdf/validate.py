"""Validate the publication: SHACL shapes, evidence offsets and sentence coverage.

``validate()`` returns a :class:`ValidationReport`; it conforms when the SHACL report has no
violation (warnings and infos are reported but allowed), every evidence selector agrees with
the source text, and coverage is 100 % (unless ``check_coverage=False``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from cstrdf import resources
from cstrdf.coverage import CoverageReport, coverage, read_exclusions
from cstrdf.errors import InputError
from cstrdf.evidence import EvidenceReport, check_evidence
from cstrdf.namespaces import SH

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

SEVERITIES = ("Violation", "Warning", "Info")


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result; terms are strings (IRIs in full, blank nodes as ``_:id``)."""

    severity: str  # Violation, Warning or Info
    focus: str
    path: str | None
    message: str
    component: str
    source_shape: str
    value: str | None = None


@dataclass(frozen=True)
class ValidationReport:
    """Result of :func:`validate`."""

    conforms: bool
    violations: int
    warnings: int
    infos: int
    triples: int
    results: tuple[ValidationResult, ...]
    evidence: EvidenceReport
    coverage: CoverageReport | None
    data_files: tuple[Path, ...] = ()
    shape_files: tuple[Path, ...] = ()
    #: the SHACL validation report graph (for ``--format turtle``); None when no shapes
    shacl_graph: "rdflib.Graph | None" = field(default=None, compare=False, repr=False)

    @property
    def shacl_conforms(self) -> bool:
        return self.violations == 0

    @property
    def evidence_problems(self) -> int:
        return len(self.evidence.problems)


def default_data_files() -> list[Path]:
    """Ontology, facts and context files of the publication."""
    return resources.ontology_files() + resources.fact_files() + resources.context_files()


def _term(term) -> str | None:
    from rdflib import BNode

    if term is None:
        return None
    if isinstance(term, BNode):
        return "_:" + str(term)
    return str(term)


def _path_text(graph, path) -> str | None:
    """A SHACL property path as text: an IRI, or a SPARQL-like form for complex paths."""
    from rdflib import BNode, URIRef

    if path is None:
        return None
    if isinstance(path, URIRef):
        return str(path)
    if isinstance(path, BNode):
        inverse = graph.value(path, URIRef(SH + "inversePath"))
        if inverse is not None:
            return "^" + (_path_text(graph, inverse) or "?")
        from rdflib.collection import Collection

        if (path, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#first"), None) in graph:
            return "/".join(_path_text(graph, p) or "?" for p in Collection(graph, path))
    return _term(path)


def _results(report_graph) -> list[ValidationResult]:
    from rdflib import RDF, URIRef

    sh = lambda name: URIRef(SH + name)  # noqa: E731
    results = []
    for node in report_graph.subjects(RDF.type, sh("ValidationResult")):
        severity = report_graph.value(node, sh("resultSeverity"))
        name = str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation"
        messages = sorted(str(m) for m in report_graph.objects(node, sh("resultMessage")))
        results.append(
            ValidationResult(
                severity=name,
                focus=_term(report_graph.value(node, sh("focusNode"))) or "",
                path=_path_text(report_graph, report_graph.value(node, sh("resultPath"))),
                message=" / ".join(messages),
                component=_term(report_graph.value(node, sh("sourceConstraintComponent"))) or "",
                source_shape=_term(report_graph.value(node, sh("sourceShape"))) or "",
                value=_term(report_graph.value(node, sh("value"))),
            )
        )
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(
        results,
        key=lambda r: (rank.get(r.severity, 9), r.focus, r.path or "", r.component, r.message, r.value or ""),
    )


def run_shacl(data_graph, shapes_graph, ontology_graph=None):
    """pyshacl with no inference, SHACL-AF enabled, warnings allowed. Returns the report graph."""
    import pyshacl
    from pyshacl.errors import ConstraintLoadError, ReportableRuntimeError, RuleLoadError, ShapeLoadError

    try:
        _conforms, report_graph, _text = pyshacl.validate(
            data_graph,
            shacl_graph=shapes_graph,
            ont_graph=ontology_graph,
            inference="none",
            advanced=True,
            allow_warnings=True,
            abort_on_first=False,
            meta_shacl=False,
            debug=False,
        )
    except (ShapeLoadError, ConstraintLoadError, RuleLoadError, ReportableRuntimeError) as error:
        # the shapes are input: a shape pyshacl cannot use is an input error, not a crash
        message = " ".join(str(getattr(error, "message", error)).split())
        raise InputError(f"the SHACL shapes cannot be used: {message}") from error
    return report_graph


def validate(
    data: Sequence[str | Path] | None = None,
    shapes: Sequence[str | Path] | None = None,
    *,
    ontology: Sequence[str | Path] | None = None,
    source: str | Path | None = None,
    exclusions: str | Path | None = None,
    check_coverage: bool = True,
) -> ValidationReport:
    """Validate data files against shapes, re-check evidence and measure coverage.

    ``data`` defaults to the packaged ontology + facts + context files, ``shapes`` to
    ``shapes/*.ttl``, ``ontology`` (mixed in for class hierarchies) to ``ontology/*.ttl``,
    ``source`` to the packaged article text and ``exclusions`` to
    ``data/coverage-exclusions.tsv`` (optional when defaulted).

    >>> report = validate()  # doctest: +SKIP
    >>> report.conforms, report.coverage.percent  # doctest: +SKIP
    (True, 100.0)
    """
    from cstrdf.rdfio import load_graph

    data_files = tuple(Path(p) for p in (data if data is not None else default_data_files()))
    shape_files = tuple(Path(p) for p in (shapes if shapes is not None else resources.shape_files()))
    ontology_files = [Path(p) for p in (ontology if ontology is not None else resources.ontology_files())]

    data_graph = load_graph(data_files)
    shapes_graph = load_graph(shape_files) if shape_files else None
    ontology_graph = load_graph(ontology_files) if ontology_files else None

    results: list[ValidationResult] = []
    report_graph = None
    if shapes_graph is not None and len(shapes_graph):
        report_graph = run_shacl(data_graph, shapes_graph, ontology_graph)
        results = _results(report_graph)

    source_text = resources.read_source_text(source)
    evidence = check_evidence(data_graph, source_text)
    coverage_report = None
    if check_coverage:
        if exclusions is not None:
            rows = read_exclusions(exclusions)
        else:
            rows = read_exclusions(resources.coverage_exclusions_path(), missing_ok=True)
        coverage_report = coverage(data_graph, source_text, rows)

    counts = {s: sum(r.severity == s for r in results) for s in SEVERITIES}
    conforms = (
        counts["Violation"] == 0
        and evidence.ok
        and (coverage_report is None or coverage_report.complete)
    )
    return ValidationReport(
        conforms=conforms,
        violations=counts["Violation"],
        warnings=counts["Warning"],
        infos=counts["Info"],
        triples=len(data_graph),
        results=tuple(results),
        evidence=evidence,
        coverage=coverage_report,
        data_files=data_files,
        shape_files=shape_files,
        shacl_graph=report_graph,
    )


def coverage_report(
    data: Iterable[str | Path] | None = None,
    *,
    source: str | Path | None = None,
    exclusions: str | Path | None = None,
) -> CoverageReport:
    """Coverage of the article by the evidence in ``data`` (default: the publication)."""
    from cstrdf.rdfio import load_graph

    graph = load_graph(list(data) if data is not None else default_data_files())
    text = resources.read_source_text(source)
    if exclusions is not None:
        rows = read_exclusions(exclusions)
    else:
        rows = read_exclusions(resources.coverage_exclusions_path(), missing_ok=True)
    return coverage(graph, text, rows)
