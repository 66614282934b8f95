"""Second opinion: Apache Jena's SHACL gives the same verdicts as pySHACL.

For the publication and for every fixture of ``tests/shapes/``, the two engines must agree on
whether the data conforms (no sh:Violation) and on the multiset of results
(focus node, result path, constraint component, severity). Messages are not compared.

* Fixtures: each fixture is merged with the ontology into one N-Triples file, and Jena validates
  all of them in one JVM (:func:`cstrdf.jena.run_shacl_batch`); pySHACL's verdicts are the ones
  ``test_shapes.py`` computes (cached for the session).
* Publication: ontology + facts + context are merged and their blank nodes skolemized, so that
  blank focus nodes (evidence, selectors) compare by name; Jena runs through its own
  ``shacl.shacl validate`` command (:func:`cstrdf.jena.run_shacl`).

Any difference is a bug in the shapes, unless it is a real engine quirk listed in
:data:`KNOWN_DIFFERENCES` (which a test keeps honest: every entry must still occur). One quirk
is built into the comparison rather than listed: Jena's ``sh:conforms`` follows the SHACL
spec (false as soon as there is any result, Info and Warning included), while cstrdf counts
only violations (pySHACL with ``allow_warnings``); so "conforms" is computed the same way for
both from the results, and Jena's own ``sh:conforms`` is checked against the spec's rule.

No skips: without Java or the Jena jars these tests fail (``scripts/setup.sh`` installs
``default-jre-headless`` and ``libapache-jena-java``).
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
import rdflib

from cstrdf import jena, resources
from cstrdf.rdfio import load_graph
from cstrdf.validate import run_shacl

from test_shapes import (
    ALL_FIXTURES,
    Fixture,
    describe,
    fixture_data,
    ontology_graph,
    pyshacl_tuples,
    shapes_graph,
    tuples_from_report,
)

REPO = Path(__file__).resolve().parents[1]
VIOLATION = "Violation"

#: Real engine differences, per fixture id: (results only pySHACL gives, results only Jena
#: gives), each a tuple of (focus, path, component, severity), with the reason. Empty: the
#: shapes are written so that both engines agree everywhere.
KNOWN_DIFFERENCES: dict[str, tuple[tuple, tuple, str]] = {}


def no_violation(results: Counter) -> bool:
    return not any(severity == VIOLATION for (_f, _p, _c, severity) in results)


@lru_cache(maxsize=1)
def jena_fixture_results(tmp: str) -> dict[Path, Counter]:
    """Jena's results for every fixture (+ ontology), computed in one JVM."""
    folder = Path(tmp)
    shapes = folder / "shapes.nt"
    shapes_graph().serialize(destination=str(shapes), format="nt", encoding="utf-8")
    pairs = []
    for index, fixture in enumerate(ALL_FIXTURES):
        data = folder / f"fixture-{index}.nt"
        fixture_data(fixture).serialize(destination=str(data), format="nt", encoding="utf-8")
        pairs.append((shapes, data))
    reports = jena.run_shacl_batch(pairs)
    return {fixture.path: tuples_from_report(report) for fixture, report in zip(ALL_FIXTURES, reports)}


@pytest.fixture(scope="module")
def jena_results(tmp_path_factory) -> dict[Path, Counter]:
    return jena_fixture_results(str(tmp_path_factory.mktemp("jena-fixtures")))


def expected_difference(fixture: Fixture) -> tuple[Counter, Counter]:
    only_pyshacl, only_jena, _reason = KNOWN_DIFFERENCES.get(fixture.id, ((), (), ""))
    return Counter(only_pyshacl), Counter(only_jena)


def test_java_and_the_jena_jars_are_installed():
    setup = jena.jena()
    assert Path(setup.java).is_file()
    assert "jena-shacl" in setup.classpath
    # the Xerces workaround comes first on the classpath
    first = Path(setup.classpath.split(":")[0])
    assert (first / "xerces" / "impl" / "xpath" / "regex" / "message.properties").is_file()


def test_setup_script_installs_java_and_jena():
    script = (REPO / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert "default-jre-headless" in script
    assert "libapache-jena-java" in script


@pytest.mark.parametrize("fixture", ALL_FIXTURES, ids=[f.id for f in ALL_FIXTURES])
def test_fixture_same_verdict_under_jena(fixture: Fixture, jena_results):
    ours = pyshacl_tuples(fixture)
    theirs = jena_results[fixture.path]
    only_pyshacl, only_jena = expected_difference(fixture)
    assert (ours - theirs, theirs - ours) == (only_pyshacl, only_jena), (
        f"{fixture.id}\nonly pySHACL:\n{describe(ours - theirs)}\nonly Jena:\n{describe(theirs - ours)}"
    )
    if not (only_pyshacl or only_jena):
        assert no_violation(ours) == no_violation(theirs)


def test_known_differences_still_occur(jena_results):
    """An entry of KNOWN_DIFFERENCES that no longer happens must be removed."""
    by_id = {f.id: f for f in ALL_FIXTURES}
    for fixture_id, (only_pyshacl, only_jena, reason) in KNOWN_DIFFERENCES.items():
        assert reason, fixture_id
        fixture = by_id[fixture_id]
        ours, theirs = pyshacl_tuples(fixture), jena_results[fixture.path]
        assert (ours - theirs, theirs - ours) == (Counter(only_pyshacl), Counter(only_jena)), fixture_id


@pytest.fixture(scope="module")
def skolemized_publication(tmp_path_factory) -> Path:
    """Ontology + facts + context as one N-Triples file, blank nodes skolemized."""
    files = resources.ontology_files() + resources.fact_files() + resources.context_files()
    graph = load_graph(files).skolemize()
    path = tmp_path_factory.mktemp("jena-publication") / "publication.nt"
    graph.serialize(destination=str(path), format="nt", encoding="utf-8")
    return path


def test_publication_same_verdict_under_jena(skolemized_publication):
    data = rdflib.Graph().parse(skolemized_publication, format="nt")
    ours = tuples_from_report(run_shacl(data, shapes_graph(), ontology_graph()))
    report = jena.run_shacl(resources.shape_files(), [skolemized_publication])
    theirs = tuples_from_report(report)
    assert ours == theirs, f"only pySHACL:\n{describe(ours - theirs)}\nonly Jena:\n{describe(theirs - ours)}"
    assert no_violation(ours) == no_violation(theirs)
    # Jena's own sh:conforms follows the spec: true only when there is no result at all
    assert jena.conforms(report) == (sum(theirs.values()) == 0)


def test_batch_runner_agrees_with_the_shacl_command(tmp_path, jena_results):
    """The one-JVM batch runner and ``shacl.shacl validate`` give the same report."""
    fixture = next(f for f in ALL_FIXTURES if f.id == "RotationOrderShape/invalid-out-of-turn.ttl")
    data = tmp_path / "data.nt"
    fixture_data(fixture).serialize(destination=str(data), format="nt", encoding="utf-8")
    report = jena.run_shacl(resources.shape_files(), [data])
    assert tuples_from_report(report) == jena_results[fixture.path] != Counter()


def test_riot_reads_every_publication_file_strictly():
    files = (
        resources.ontology_files() + resources.fact_files() + resources.context_files() + resources.shape_files()
    )
    jena.riot_validate(*files)


def test_riot_reports_file_line_and_column(tmp_path):
    from cstrdf.errors import InputError

    good = tmp_path / "good.ttl"
    good.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n", encoding="utf-8")
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b ex:c\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        jena.riot_validate(good, bad)
    assert caught.value.path == str(bad)
    assert caught.value.line == 3


def test_arq_answers_a_query_over_the_publication(tmp_path):
    query = tmp_path / "handover.rq"
    query.write_text(
        "PREFIX cst: <https://w3id.org/cstrdf/ontology#>\n"
        "SELECT ?previous ?new WHERE { ?h a cst:ChairmanshipHandover ; "
        "cst:previousHolder ?previous ; cst:newHolder ?new }\n",
        encoding="utf-8",
    )
    rows = jena.run_arq(resources.fact_files(), query)
    assert rows == [
        {
            "previous": rdflib.URIRef("https://w3id.org/cstrdf/id/robert-kocharian"),
            "new": rdflib.URIRef("https://w3id.org/cstrdf/id/vladimir-putin"),
        }
    ]
    ask = tmp_path / "ask.rq"
    ask.write_text("ASK { ?s ?p ?o }\n", encoding="utf-8")
    assert jena.run_arq(resources.fact_files(), ask) is True


def test_missing_jars_are_a_clear_input_error(tmp_path, monkeypatch):
    from cstrdf.errors import InputError

    monkeypatch.setenv("CSTRDF_JAVA_DIR", str(tmp_path))
    with pytest.raises(jena.JenaUnavailable) as caught:
        jena.jena()
    assert isinstance(caught.value, InputError)
    assert "libapache-jena-java" in str(caught.value)
