"""Validate the publication: SHACL shapes, evidence offsets and sentence coverage.

``validate()`` returns a :class:`ValidationReport`; it conforms when the SHACL report has no
violation (warnings and infos are reported but allowed), every evidence selector agrees with
the source text, and coverage is 100 % (unless ``check_coverage=False``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from cstrdf import memory, resources
from cstrdf.coverage import CoverageReport, coverage, read_exclusions
from cstrdf.errors import InputError, UsageError
from cstrdf.evidence import EvidenceReport, check_evidence
from cstrdf.namespaces import SH
from cstrdf.shaclresult import ValidationResult

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

SEVERITIES = ("Violation", "Warning", "Info")

#: SHACL engines: ``fast`` (:mod:`cstrdf.fastshacl`, pySHACL's results over pyoxigraph, falling
#: back to pySHACL for what it does not reproduce) and ``pyshacl`` (the reference)
ENGINES = ("fast", "pyshacl")
DEFAULT_ENGINE = "fast"


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
    #: the SHACL validation report graph (for ``--format turtle``); None when no shapes, or
    #: when the fast engine gave the results (it builds no graph)
    shacl_graph: "rdflib.Graph | None" = field(default=None, compare=False, repr=False)
    #: the engine that gave the SHACL results; ``fallback`` says why ``fast`` handed over to pySHACL
    engine: str = field(default="pyshacl", compare=False)
    fallback: str | None = field(default=None, compare=False)

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
    from rdflib import URIRef

    sh = lambda name: URIRef(SH + name)  # noqa: E731
    results = []
    # Top-level results only (objects of sh:result): pySHACL also types as sh:ValidationResult
    # the nested results it attaches with sh:detail (e.g. the sh:or behind a failed sh:node).
    for node in set(report_graph.objects(None, sh("result"))):
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
    engine: str = DEFAULT_ENGINE,
) -> ValidationReport:
    """Validate data files against shapes, re-check evidence and measure coverage.

    ``data`` defaults to the packaged ontology + facts + context files (a folder stands for the
    RDF files in it: a corpus), ``shapes`` to ``shapes/*.ttl``, ``ontology`` (mixed in for
    class hierarchies) to ``ontology/*.ttl``, ``source`` to the packaged article text and
    ``exclusions`` to ``data/coverage-exclusions.tsv`` (optional when defaulted). ``engine``
    ``fast`` gives pySHACL's results without rdflib (and runs pySHACL itself for shapes or data
    it does not reproduce exactly); ``pyshacl`` runs the reference engine. Before anything is
    read, a validation that would need more memory than there is raises an InputError
    (:func:`cstrdf.memory.check_validation`).

    >>> report = validate()  # doctest: +SKIP
    >>> report.conforms, report.coverage.percent  # doctest: +SKIP
    (True, 100.0)
    """
    from cstrdf.corpus import rdf_files

    if engine not in ENGINES:
        raise UsageError(f"unknown SHACL engine {engine!r} (known: {', '.join(ENGINES)})")
    data_files = tuple(rdf_files(data) if data is not None else default_data_files())
    shape_files = tuple(Path(p) for p in (shapes if shapes is not None else resources.shape_files()))
    ontology_files = [Path(p) for p in (ontology if ontology is not None else resources.ontology_files())]
    if engine == "fast":
        from cstrdf.fastshacl import Unsupported

        # before anything is read: a run that would not fit is refused, not killed half-way
        memory.check_validation(data_files, ontology_files)
        try:
            return _validate_fast(data_files, shape_files, ontology_files, source, exclusions, check_coverage)
        except Unsupported as reason:
            fallback = str(reason)
    else:
        fallback = None
    report = _validate_pyshacl(data_files, shape_files, ontology_files, source, exclusions, check_coverage)
    return replace(report, fallback=fallback)


def _exclusion_rows(exclusions: str | Path | None):
    if exclusions is not None:
        return read_exclusions(exclusions)
    return read_exclusions(resources.coverage_exclusions_path(), missing_ok=True)


def _report(results, evidence, coverage_report, triples, data_files, shape_files, **extra) -> ValidationReport:
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
        triples=triples,
        results=tuple(results),
        evidence=evidence,
        coverage=coverage_report,
        data_files=data_files,
        shape_files=shape_files,
        **extra,
    )


def _validate_pyshacl(data_files, shape_files, ontology_files, source, exclusions, check_coverage) -> ValidationReport:
    """The reference path: rdflib graphs and pySHACL."""
    from cstrdf.rdfio import load_graph

    memory.check_validation(data_files, ontology_files, engine="pyshacl")
    data_graph = load_graph(data_files)
    memory.check_validation(data_files, engine="pyshacl", triples=len(data_graph))
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
        coverage_report = coverage(data_graph, source_text, _exclusion_rows(exclusions))
    return _report(results, evidence, coverage_report, len(data_graph), data_files, shape_files,
                   shacl_graph=report_graph, engine="pyshacl")


def _validate_fast(data_files, shape_files, ontology_files, source, exclusions, check_coverage) -> ValidationReport:
    """The same checks over one pyoxigraph store, without rdflib (:mod:`cstrdf.fastshacl`)."""
    import pyoxigraph

    from cstrdf.coverage import coverage_of_spans
    from cstrdf.evidence import check_readings, spans_of, store_readings
    from cstrdf.fastshacl import ShapesGraph, load_data, mix_in_ontology, validate_store

    store = pyoxigraph.Store()
    raw_literals = load_data(store, data_files)
    triples = len(store)
    memory.check_validation(data_files, triples=triples)  # more triples than the sizes said?
    evidence_readings = store_readings(store)  # the data alone, before the ontology is mixed in
    shapes_graph = ShapesGraph.from_files(shape_files) if shape_files else None
    source_text = resources.read_source_text(source)
    exclusion_rows = _exclusion_rows(exclusions) if check_coverage else None
    checked: dict = {}

    def check_text() -> None:
        """Evidence and coverage (the source text, no SHACL): done while forked processes validate."""
        checked["evidence"] = check_readings(evidence_readings, source_text)
        if check_coverage:
            checked["coverage"] = coverage_of_spans(spans_of(evidence_readings), source_text, exclusion_rows)

    results: list[ValidationResult] = []
    if shapes_graph is not None and shapes_graph.triples:
        raw_literals |= mix_in_ontology(store, ontology_files)  # as pySHACL does, into the data graph
        results = validate_store(store, shapes_graph, raw_literals, meanwhile=check_text)
    else:
        check_text()
    return _report(results, checked["evidence"], checked.get("coverage"), triples, data_files, shape_files,
                   engine="fast")


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
