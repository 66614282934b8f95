"""Sentence coverage: every sentence is evidence for some node, or excluded with a reason."""

import pytest
import rdflib

from cstrdf import resources
from cstrdf.coverage import Exclusion, coverage, read_exclusions
from cstrdf.errors import ExitCode, InputError
from cstrdf.rdfio import load_graph
from conftest import PREFIXES, evidence

TEXT = "First one. Second one.\n\nThird “quoted.” Fourth, the same words. Fifth, the same words."
# sentence spans: 1 [0,10) 2 [11,22) 3 [24,39) 4 [40,63) 5 [64,86)


def _graph(*spans: tuple[int, int]) -> rdflib.Graph:
    body = "".join(f"cstid:n{i} cst:evidence {evidence(s, e, TEXT, prefix=False)} .\n" for i, (s, e) in enumerate(spans))
    return rdflib.Graph().parse(data=PREFIXES + body, format="turtle")


def test_the_publication_is_fully_covered(source_text):
    graph = load_graph(resources.ontology_files() + resources.fact_files() + resources.context_files())
    report = coverage(graph, source_text, read_exclusions(resources.coverage_exclusions_path(), missing_ok=True))
    missing = [f"{r.sentence.index}: {r.sentence.text[:70]}" for r in report.rows if r.status == "missing"]
    if missing:
        pytest.fail(f"coverage {report.percent:.1f} %; sentences without evidence or exclusion:\n" + "\n".join(missing), pytrace=False)


def test_the_publication_exclusions_file_parses_and_matches(source_text):
    path = resources.coverage_exclusions_path()
    assert path.is_file(), "data/coverage-exclusions.tsv is part of the publication"
    coverage(rdflib.Graph(), source_text, read_exclusions(path))  # raises on a bad row


def test_overlap_of_one_code_point_covers():
    report = coverage(_graph((9, 12)), TEXT)  # "." of sentence 1 and "S" of sentence 2
    assert [r.status for r in report.rows] == ["covered", "covered", "missing", "missing", "missing"]
    assert report.rows[0].nodes == ("https://w3id.org/cstrdf/id/n0",)
    assert (report.sentences, report.covered, report.excluded, report.missing) == (5, 2, 0, 3)
    assert report.percent == pytest.approx(40.0)
    assert not report.complete


def test_touching_is_not_overlapping():
    report = coverage(_graph((10, 11), (22, 24)), TEXT)  # the gaps between sentences
    assert report.covered == 0


def test_exclusions_account_for_sentences():
    exclusions = [Exclusion("Third", "a quotation"), Exclusion("Fourth", "repeats"), Exclusion("Fifth", "repeats")]
    report = coverage(_graph((0, 22)), TEXT, exclusions)
    assert [r.status for r in report.rows] == ["covered", "covered", "excluded", "excluded", "excluded"]
    assert report.rows[2].reason == "a quotation"
    assert report.percent == 100.0 and report.complete


def test_covered_wins_over_excluded():
    report = coverage(_graph((0, 10)), TEXT, [Exclusion("First", "not needed")])
    assert report.rows[0].status == "covered" and report.excluded == 0


@pytest.mark.parametrize(
    "quote, message",
    [
        ("Nowhere", "matches no sentence"),
        ("the same words", r"matches 2 sentences \(4, 5\)"),
        ("one. Second", "matches no sentence"),  # spans two sentences
    ],
)
def test_an_exclusion_must_match_exactly_one_sentence(quote, message):
    with pytest.raises(InputError, match=message):
        coverage(_graph(), TEXT, [Exclusion(quote, "why")])


def test_a_sentence_excluded_twice_is_an_error():
    with pytest.raises(InputError, match="excluded twice"):
        coverage(_graph(), TEXT, [Exclusion("First", "a"), Exclusion("First one", "b")])


def test_read_exclusions(write):
    path = write("ex.tsv", "quote\treason\n# a comment\n\nThird\ta quotation\n")
    assert read_exclusions(path) == [Exclusion("Third", "a quotation", line=4, path=str(path))]
    assert read_exclusions(write("empty.tsv", "quote\treason\n")) == []
    assert read_exclusions(path.with_name("absent.tsv"), missing_ok=True) == []


@pytest.mark.parametrize(
    "content, message",
    [
        ("text\twhy\nThird\tx\n", ":1: the first row must be the header"),
        ("quote\treason\nThird\n", ":2: expected two tab-separated cells"),
        ("quote\treason\nThird\t\n", ":2: expected two tab-separated cells"),
        ("quote\treason\nThird\ta\tb\n", ":2: expected two tab-separated cells"),
    ],
)
def test_bad_exclusion_files(write, content, message):
    path = write("ex.tsv", content)
    with pytest.raises(InputError) as caught:
        read_exclusions(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_an_exclusion_error_names_the_file_and_line(write):
    path = write("ex.tsv", "quote\treason\nNowhere\twhy\n")
    with pytest.raises(InputError) as caught:
        coverage(_graph(), TEXT, read_exclusions(path))
    assert str(caught.value).startswith(f"{path}:2: exclusion 'Nowhere' matches no sentence")


def test_coverage_command_text_and_json(run, write):
    source = write("source.txt", TEXT)
    data = write("data.ttl", PREFIXES + f"cstid:n cst:evidence {evidence(0, 22, TEXT, prefix=False)} .")
    exclusions = write("ex.tsv", "quote\treason\nThird\ta quotation\n")
    result = run("coverage", "--data", data, "--source", source, "--exclusions", exclusions, expect=ExitCode.NOT_CONFORMING)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["#", "par", "status", "text"]
    assert lines[1].split()[:3] == ["1", "1", "covered"]
    assert lines[3].split()[:3] == ["3", "2", "excluded"]
    assert lines[4].split()[:4] == ["4", "2", "MISSING", "Fourth,"]
    assert lines[-1] == "Coverage: 60.0 % of 5 sentences accounted for (2 covered, 1 excluded, 2 missing)"
    payload = run("coverage", "--data", data, "--source", source, "--exclusions", exclusions, "--format", "json",
                  expect=ExitCode.NOT_CONFORMING).json()
    assert {k: payload[k] for k in ("sentences", "covered", "excluded", "missing", "percent")} == {
        "sentences": 5, "covered": 2, "excluded": 1, "missing": 2, "percent": 60.0}
    assert payload["format_version"] == 1 and payload["command"] == "coverage"
    assert payload["rows"][3] == {"index": 4, "paragraph": 2, "start": 40, "end": 63, "status": "missing",
                                  "nodes": [], "reason": None, "text": "Fourth, the same words."}
    full = write("ex2.tsv", "quote\treason\nThird\tq\nFourth\tr\nFifth\ts\n")
    run("coverage", "--data", data, "--source", source, "--exclusions", full)


def test_coverage_command_reports_a_bad_exclusion_as_input_error(run, write):
    source = write("source.txt", TEXT)
    data = write("data.ttl", PREFIXES + "cstid:n rdfs:label \"n\" .")
    exclusions = write("ex.tsv", "quote\treason\nthe same words\twhy\n")
    result = run("coverage", "--data", data, "--source", source, "--exclusions", exclusions, expect=ExitCode.INPUT)
    assert result.stderr.startswith(f"cstrdf: error: {exclusions}:2: exclusion 'the same words' matches 2 sentences")
