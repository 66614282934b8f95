"""SHACL shape tests in the style of the W3C data-shapes test suite.

Every shape ``cstsh:X`` of ``shapes/`` has a folder ``tests/shapes/X/`` with ``valid-*.ttl`` and
``invalid-*.ttl`` fixtures. Each fixture is validated together with the ontology (the data
graph is fixture + ontology, and the ontology is also passed as ``ont_graph``: the options of
:func:`cstrdf.validate.run_shacl`, i.e. inference none, SHACL-AF on). A valid fixture must give
no result at all (no warning or info either); an invalid fixture must give exactly the results
listed in its ``invalid-*.expected.tsv``, compared as a multiset of
(focus node, result path, constraint component, severity), never by message text. An invalid
fixture must also exercise the shape of its folder.

The helpers here are shared with ``test_jena_shacl.py`` (which compares Jena's verdicts with
these), so pySHACL runs once per fixture per test session.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, BNode, URIRef

from cstrdf import resources
from cstrdf.rdfio import load_graph
from cstrdf.validate import _results, run_shacl

FIXTURES = Path(__file__).resolve().parent / "shapes"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SHAPES_NS = "https://w3id.org/cstrdf/shapes#"
CST = "https://w3id.org/cstrdf/ontology#"

#: prefixes an expectation file may use without its fixture declaring them
DEFAULT_PREFIXES = {
    "sh": str(SH),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}

#: one SHACL result, as compared: (focus, path or "-", constraint component, severity); blank
#: nodes are written "[]" (their labels differ from run to run and from engine to engine)
ResultTuple = tuple[str, str, str, str]


@dataclass(frozen=True)
class Fixture:
    shape: str  # local name of the shape, e.g. "StanceShape"
    path: Path

    @property
    def valid(self) -> bool:
        return self.path.name.startswith("valid-")

    @property
    def expected_path(self) -> Path:
        return self.path.with_name(self.path.name[: -len(".ttl")] + ".expected.tsv")

    @property
    def id(self) -> str:
        return f"{self.shape}/{self.path.name}"


def fixtures() -> list[Fixture]:
    """Every fixture under tests/shapes/, sorted."""
    return [
        Fixture(folder.name, path)
        for folder in sorted(p for p in FIXTURES.iterdir() if p.is_dir())
        for path in sorted(folder.glob("*.ttl"))
        if path.name.startswith(("valid-", "invalid-"))
    ]


@lru_cache(maxsize=1)
def ontology_graph() -> rdflib.Graph:
    return load_graph(resources.ontology_files())


@lru_cache(maxsize=1)
def shapes_graph() -> rdflib.Graph:
    return load_graph(resources.shape_files())


def term_text(term) -> str:
    if term is None:
        return "-"
    if isinstance(term, BNode) or str(term).startswith("_:"):
        return "[]"
    return str(term)


def tuples_from_report(report: rdflib.Graph) -> Counter:
    """The results of a SHACL report graph (pySHACL's or Jena's) as a multiset of tuples."""
    return Counter(
        (term_text(r.focus), r.path or "-", r.component, r.severity) for r in _results(report)
    )


def fixture_data(fixture: Fixture) -> rdflib.Graph:
    """The data graph of a fixture: the fixture plus the ontology."""
    graph = rdflib.Graph()
    graph += ontology_graph()
    graph.parse(fixture.path, format="turtle")
    return graph


def pyshacl_report(path: Path) -> rdflib.Graph:
    fixture = Fixture(path.parent.name, path)
    return run_shacl(fixture_data(fixture), shapes_graph(), ontology_graph())


@dataclass(frozen=True)
class Verdict:
    """What a test needs of one pySHACL run (small and picklable)."""

    tuples: Counter
    owners: frozenset
    error: str | None = None


def _verdict(path: Path) -> Verdict:
    try:
        report = pyshacl_report(path)
        if not isinstance(report, rdflib.Graph):  # pySHACL returns its ValidationFailure here
            raise RuntimeError(f"pySHACL failed: {report}")
        return Verdict(tuples_from_report(report), frozenset(owning_shapes(report, shapes_graph())))
    except Exception as error:  # noqa: BLE001 - reported by the fixture's own test
        return Verdict(Counter(), frozenset(), f"{type(error).__name__}: {error}")


@lru_cache(maxsize=1)
def pyshacl_verdicts() -> dict[Path, Verdict]:
    """pySHACL's verdict on every fixture, computed once per session, in parallel processes.

    About 0.5 s of CPU per fixture (the ontology is validated with every fixture), so the
    fixtures are spread over the CPUs. Workers are spawned, not forked: other tests of the
    session may have threads running (servers), and a fork would copy their locks.
    """
    import multiprocessing
    import os

    paths = [f.path for f in ALL_FIXTURES]
    workers = min(len(paths), os.cpu_count() or 1)
    if workers <= 1:
        return {path: _verdict(path) for path in paths}
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        return dict(zip(paths, pool.map(_verdict, paths, chunksize=4)))


def pyshacl_tuples(fixture: Fixture) -> Counter:
    verdict = pyshacl_verdicts()[fixture.path]
    assert verdict.error is None, f"{fixture.id}: {verdict.error}"
    return verdict.tuples


def expected_tuples(fixture: Fixture) -> Counter:
    """The expected results: none for a valid fixture, else the rows of its .expected.tsv.

    Prefixed names are expanded with the prefixes the fixture declares (and sh:, rdf:, rdfs:,
    owl:, xsd:); ``^p`` is the inverse path of ``p``; ``-`` is no path; ``[]`` any blank node.
    """
    if fixture.valid:
        return Counter()
    prefixes = dict(DEFAULT_PREFIXES)
    for line in fixture.path.read_text(encoding="utf-8").splitlines():
        found = re.match(r"@prefix\s+([\w-]*):\s*<([^>]*)>\s*\.", line.strip())
        if found:
            prefixes[found.group(1)] = found.group(2)

    def expand(text: str) -> str:
        if text in ("-", "[]"):
            return text
        if text.startswith("^"):  # an inverse path, as cstrdf.validate writes it
            return "^" + expand(text[1:])
        if text.startswith("<") and text.endswith(">"):
            return text[1:-1]
        prefix, _, local = text.partition(":")
        if prefix not in prefixes:
            raise AssertionError(f"{fixture.expected_path.name}: unknown prefix in {text!r}")
        return prefixes[prefix] + local

    rows: Counter = Counter()
    lines = [l for l in fixture.expected_path.read_text(encoding="utf-8").splitlines() if l and not l.startswith("#")]
    assert lines and lines[0].split("\t") == ["focus", "path", "component", "severity"], "bad header"
    for line in lines[1:]:
        focus, path, component, severity = line.split("\t")
        assert severity in ("Violation", "Warning", "Info"), line
        rows[(expand(focus), expand(path), expand(component), severity)] += 1
    return rows


def owning_shapes(report: rdflib.Graph, shapes: rdflib.Graph) -> set[str]:
    """The named node shapes whose constraints produced the results of ``report``.

    A result from a property shape belongs to the node shape that has it; a result of
    sh:NodeConstraintComponent also exercises the value shape of that sh:node.
    """
    owners: set[str] = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        source = report.value(result, SH.sourceShape)
        if isinstance(source, URIRef):
            owners.add(str(source))
            continue
        # pySHACL reports blank-node property shapes with the labels of the shapes graph
        for node_shape in shapes.subjects(SH.property, source):
            owners.add(str(node_shape))
        if report.value(result, SH.sourceConstraintComponent) == SH.NodeConstraintComponent:
            for value_shape in shapes.objects(source, SH.node):
                owners.add(str(value_shape))
    return owners


def describe(counter: Counter) -> str:
    return "\n".join(f"  {n} x {t}" for t, n in sorted(counter.items())) or "  (none)"


ALL_FIXTURES = fixtures()


@pytest.mark.parametrize("fixture", ALL_FIXTURES, ids=[f.id for f in ALL_FIXTURES])
def test_fixture_gives_exactly_its_expected_results(fixture: Fixture):
    if not fixture.valid:
        assert fixture.expected_path.is_file(), f"{fixture.id} has no {fixture.expected_path.name}"
    expected = expected_tuples(fixture)
    actual = pyshacl_tuples(fixture)
    assert actual == expected, (
        f"{fixture.id}\nmissing:\n{describe(expected - actual)}\nunexpected:\n{describe(actual - expected)}"
    )


INVALID_FIXTURES = [f for f in ALL_FIXTURES if not f.valid]


@pytest.mark.parametrize("fixture", INVALID_FIXTURES, ids=[f.id for f in INVALID_FIXTURES])
def test_invalid_fixture_exercises_its_shape(fixture: Fixture):
    verdict = pyshacl_verdicts()[fixture.path]
    assert verdict.error is None, f"{fixture.id}: {verdict.error}"
    owners = verdict.owners
    assert SHAPES_NS + fixture.shape in owners, f"{fixture.id} only exercises {sorted(owners)}"


def test_publication_has_no_violation_and_shows_the_broken_rotation():
    """The publication (ontology + facts + context) conforms under pySHACL (the reference engine);
    the 2002 handover is reported as information by the rotation rule (the article says the
    takeover ignored it)."""
    from cstrdf.validate import validate

    report = validate(check_coverage=False, engine="pyshacl")
    violations = [r for r in report.results if r.severity == "Violation"]
    assert not violations, "\n".join(f"{r.focus} {r.path} {r.component}: {r.message}" for r in violations)
    rotation = [r for r in report.results if r.source_shape == SHAPES_NS + "RotationOrderShape"]
    assert [(r.focus, r.severity) for r in rotation] == [
        ("https://w3id.org/cstrdf/id/cst-chairmanship-handover-2002", "Info")
    ]
