"""The synthetic corpus (:mod:`cstrdf.corpus`) and corpus folders as input.

A clean corpus is valid exactly as the publication is; every planted fault is reported by the
validator at its focus node, on the property at fault; a folder given to --data / --source
stands for the RDF files in it. Speed is measured in bench/, not here.
"""

from __future__ import annotations

import json

import pytest

from cstrdf.corpus import generate, rdf_files
from cstrdf.errors import ExitCode, InputError
from cstrdf.validate import validate


@pytest.fixture(scope="module")
def clean_corpus(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("clean"), 10_000, faults=0.0, seed=1)


@pytest.fixture(scope="module")
def faulty_corpus(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("faulty"), 25_000, faults=1.0, seed=7)


def test_generator_writes_the_size_asked_for(clean_corpus):
    assert 8_000 <= clean_corpus.triples <= 12_000
    files = sorted(p.name for p in clean_corpus.folder.iterdir())
    assert files == ["a00000.nt", "a00001.nt", "manifest.json", "ontology.nt"]
    manifest = json.loads((clean_corpus.folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["triples"] == clean_corpus.triples and manifest["faults"] == []


def test_generator_is_deterministic(tmp_path, faulty_corpus):
    again = generate(tmp_path, 25_000, faults=1.0, seed=7)
    for name in ("a00001.nt", "a00004.nt", "manifest.json"):
        assert (tmp_path / name).read_bytes() == (faulty_corpus.folder / name).read_bytes()
    assert again.faults == faulty_corpus.faults


def test_synthetic_articles_have_fresh_iris(clean_corpus):
    text = (clean_corpus.folder / "a00001.nt").read_text(encoding="utf-8")
    assert "<https://w3id.org/cstrdf/id/a00001-vladimir-putin>" in text
    assert "<https://w3id.org/cstrdf/id/vladimir-putin>" not in text
    # evidence keeps quoting the article text, described once in a00000.nt
    assert "<http://www.w3.org/ns/oa#hasSource> <https://w3id.org/cstrdf/id/monitor-v8-i95> ." in text


def test_clean_corpus_is_valid(clean_corpus):
    report = validate([clean_corpus.folder])
    assert report.violations == 0, [r for r in report.results if r.severity == "Violation"][:5]
    assert report.evidence.ok and report.evidence.selectors > 2 * 150
    assert report.coverage.complete and report.conforms
    assert report.engine == "fast"


def test_every_planted_fault_is_reported_at_its_focus_node(faulty_corpus):
    assert len(faulty_corpus.faults) >= 4
    assert {f.fault for f in faulty_corpus.faults} >= {"missing-label", "stance-on-non-proposal"}
    report = validate([faulty_corpus.folder], check_coverage=False)
    violations = {(r.focus, r.path) for r in report.results if r.severity == "Violation"}
    for fault in faulty_corpus.faults:
        assert (fault.focus, fault.path) in violations, fault
    # nothing else is wrong: every violation is at a planted fault's node
    assert {focus for focus, _ in violations} == {f.focus for f in faulty_corpus.faults}


def test_cli_validates_a_corpus_folder(run, faulty_corpus):
    result = run("validate", "--data", faulty_corpus.folder, "--no-coverage", "--format", "json",
                 expect=ExitCode.NOT_CONFORMING)
    payload = result.json()
    assert payload["violations"] >= len(faulty_corpus.faults)
    assert payload["triples"] > 20_000


def test_folder_stands_for_its_rdf_files(tmp_path):
    (tmp_path / "b.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.nt").write_text("<urn:a> <urn:b> <urn:d> .\n", encoding="utf-8")
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not RDF", encoding="utf-8")
    other = tmp_path / "b.ttl"
    assert rdf_files([tmp_path, other]) == [tmp_path / "b.ttl", tmp_path / "sub" / "a.nt", other]


def test_empty_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no RDF files"):
        rdf_files([tmp_path])
