"""Evidence selectors agree with the article; ``cstrdf anchor`` places quotes."""

import pytest
import rdflib

from cstrdf import resources
from cstrdf.anchor import place_quote
from cstrdf.errors import ExitCode
from cstrdf.evidence import check_evidence, evidence_spans
from cstrdf.rdfio import load_graph
from conftest import PREFIXES, evidence

HEADER = "Publication: Monitor Volume: 8 Issue: 95"  # [0, 40)


def _graph(body: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=PREFIXES + body, format="turtle")


def _kinds(report):
    return sorted(p.kind for p in report.problems)


# -- the real publication ----------------------------------------------------------------------

def test_every_quote_of_the_publication_is_at_its_offsets(source_text):
    graph = load_graph(resources.ontology_files() + resources.fact_files() + resources.context_files())
    report = check_evidence(graph, source_text)
    assert report.selectors > 0, "the publication has no evidence yet"
    if report.problems:
        first = "\n".join(f"{p.node}: {p.message}" for p in report.problems[:20])
        pytest.fail(f"{len(report.problems)} evidence problems, first ones:\n{first}", pytrace=False)


# -- synthetic cases ---------------------------------------------------------------------------

def test_a_good_selector_passes_and_gives_a_span(source_text):
    graph = _graph(f"cstid:header cst:evidence {evidence(0, 40, source_text)} .")
    report = check_evidence(graph, source_text)
    assert (report.selectors, report.problems) == (1, ())
    assert evidence_spans(graph) == [(rdflib.URIRef("https://w3id.org/cstrdf/id/header"), 0, 40, HEADER)]


def test_typed_offsets_and_no_prefix_are_fine(source_text):
    body = evidence(0, 40, source_text, prefix=False).replace(
        "oa:start 0 ; oa:end 40", 'oa:start "0"^^xsd:nonNegativeInteger ; oa:end "40"^^xsd:nonNegativeInteger')
    assert check_evidence(_graph(f"cstid:header cst:evidence {body} ."), source_text).ok


def test_wrong_offsets_are_reported_with_where_the_quote_is(source_text):
    body = evidence(0, 40, source_text).replace("oa:start 0 ; oa:end 40", "oa:start 1 ; oa:end 41")
    report = check_evidence(_graph(f"cstid:header cst:evidence {body} ."), source_text)
    assert _kinds(report) == ["mismatch"]
    assert "the quote occurs at 0" in report.problems[0].message
    assert (report.problems[0].start, report.problems[0].end) == (1, 41)


def test_a_quote_not_in_the_text(source_text):
    body = evidence(0, 40, source_text).replace(HEADER, "Not in the article at all")
    report = check_evidence(_graph(f"cstid:x cst:evidence {body} ."), source_text)
    assert _kinds(report) == ["mismatch"]
    assert "not in the text" in report.problems[0].message


def test_prefix_and_suffix_must_agree(source_text):
    start = source_text.index("Vladimir Putin")
    body = evidence(start, start + 14, source_text)
    body = body.replace('oa:prefix "', 'oa:prefix "X').replace('oa:suffix "', 'oa:suffix "Y')
    report = check_evidence(_graph(f"cstid:putin cst:evidence {body} ."), source_text)
    assert _kinds(report) == ["prefix", "suffix"]


def test_a_shorter_prefix_that_agrees_is_fine(source_text):
    start = source_text.index("Vladimir Putin")
    body = (f'[ a oa:SpecificResource ; oa:hasSource cstid:monitor-v8-i95 ; oa:hasSelector '
            f'[ a oa:TextQuoteSelector ; oa:exact "Vladimir Putin" ; oa:prefix "President " ; oa:suffix " made" ] , '
            f'[ a oa:TextPositionSelector ; oa:start {start} ; oa:end {start + 14} ] ]')
    assert check_evidence(_graph(f"cstid:putin cst:evidence {body} ."), source_text).ok


@pytest.mark.parametrize(
    "replace, kind",
    [
        (("oa:start 0 ; oa:end 40", "oa:start 0"), "offsets"),
        (("oa:start 0 ; oa:end 40", 'oa:start "zero" ; oa:end 40'), "offsets"),
        (("oa:start 0 ; oa:end 40", "oa:start 0 ; oa:end 99999"), "offsets"),
        (("oa:start 0 ; oa:end 40", "oa:start 30 ; oa:end 20"), "offsets"),
        ((", [ a oa:TextPositionSelector ; oa:start 0 ; oa:end 40 ]", ""), "missing-position"),
        (("oa:hasSource cstid:monitor-v8-i95 ;", "oa:hasSource cstid:some-other-text ;"), "source"),
    ],
)
def test_incomplete_or_broken_selectors(source_text, replace, kind):
    body = evidence(0, 40, source_text).replace(*replace)
    report = check_evidence(_graph(f"cstid:header cst:evidence {body} ."), source_text)
    assert kind in _kinds(report)


def test_a_missing_quote_selector(source_text):
    body = "[ a oa:SpecificResource ; oa:hasSource cstid:monitor-v8-i95 ; oa:hasSelector [ a oa:TextPositionSelector ; oa:start 0 ; oa:end 40 ] ]"
    graph = _graph(f"cstid:header cst:evidence {body} .")
    assert _kinds(check_evidence(graph, source_text)) == ["missing-quote"]
    assert evidence_spans(graph) == [(rdflib.URIRef("https://w3id.org/cstrdf/id/header"), 0, 40, None)]


def test_validate_reports_evidence_problems(run, write, source_text):
    good = write("good.ttl", PREFIXES + f"cstid:header cst:evidence {evidence(0, 40, source_text)} .")
    bad = write("bad.ttl", PREFIXES + "cstid:header2 cst:evidence "
                + evidence(0, 40, source_text).replace("oa:start 0", "oa:start 2") + " .")
    run("validate", "--data", good, "--shapes", good, "--ontology", good, "--no-coverage")
    result = run("validate", "--data", good, bad, "--ontology", good, "--shapes", good, "--no-coverage",
                 "--format", "json", expect=ExitCode.NOT_CONFORMING)
    payload = result.json()
    assert payload["conforms"] is False and payload["shacl_conforms"] is True
    assert payload["evidence_problems"] == 1
    assert payload["evidence"]["problems"][0]["node"] == "https://w3id.org/cstrdf/id/header2"


# -- anchor ------------------------------------------------------------------------------------

def _quote(node: str, exact: str, extra: str = "", position: str = "") -> str:
    position_selector = f" , [ a oa:TextPositionSelector ; {position} ]" if position else ""
    return (f"{node} cst:evidence [ a oa:SpecificResource ; oa:hasSource cstid:monitor-v8-i95 ; "
            f'oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "{exact}"{extra} ]{position_selector} ] .\n')


def test_anchor_fills_positions_prefix_and_suffix(run, write, source_text):
    path = write("facts.ttl", "# Facts.\n" + PREFIXES + _quote("cstid:putin", "Vladimir Putin")
                 + _quote("cstid:header", HEADER, position="oa:start 5 ; oa:end 7"))
    result = run("anchor", path)
    assert f"rewritten: {path} (2 quotes, 2 placed)" in result.stdout
    graph = load_graph([path])
    report = check_evidence(graph, source_text)
    assert report.ok and report.selectors == 2
    start = source_text.index("Vladimir Putin")
    assert sorted((s.start, s.end) for s in evidence_spans(graph)) == [(0, 40), (start, start + 14)]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Facts.\n\n@prefix")
    assert 'oa:prefix "' in text and 'oa:suffix "' in text
    assert text.count("oa:prefix") == 1  # the header quote starts the text: no prefix
    run("anchor", "--check", path)  # nothing left to do
    run("fmt", "--check", path)  # and the file is canonical


def test_anchor_check_writes_nothing(run, write):
    path = write("facts.ttl", PREFIXES + _quote("cstid:putin", "Vladimir Putin"))
    before = path.read_bytes()
    result = run("anchor", "--check", path, expect=ExitCode.NOT_CONFORMING)
    assert f"would change: {path}" in result.stdout
    assert path.read_bytes() == before


def test_anchor_ambiguous_quote_needs_a_prefix(run, write, source_text):
    assert source_text.count("the summit") > 1
    path = write("facts.ttl", PREFIXES + _quote("cstid:s", "the summit"))
    before = path.read_bytes()
    result = run("anchor", path, expect=ExitCode.INPUT)
    count = len([i for i in range(len(source_text)) if source_text.startswith("the summit", i)])
    assert f'cstrdf: error: {path}: ambiguous quote "the summit" ({count} occurrences): add oa:prefix' in result.stderr
    assert path.read_bytes() == before  # a file with problems is left alone
    path.write_text(PREFIXES + _quote("cstid:s", "the summit", extra=' ; oa:prefix "Even as "'), encoding="utf-8")
    run("anchor", path)
    spans = evidence_spans(load_graph([path]))
    expected = source_text.index("Even as the summit") + len("Even as ")
    assert [(s.start, s.end) for s in spans] == [(expected, expected + len("the summit"))]


def test_anchor_existing_start_disambiguates(write, run, source_text):
    second = source_text.index("the summit", source_text.index("the summit") + 1)
    path = write("facts.ttl", PREFIXES + _quote("cstid:s", "the summit", position=f"oa:start {second}"))
    run("anchor", path)
    assert [(s.start, s.end) for s in evidence_spans(load_graph([path]))] == [(second, second + 10)]


def test_anchor_quote_not_found(run, write):
    path = write("facts.ttl", PREFIXES + _quote("cstid:x", "words the article never uses"))
    result = run("anchor", path, expect=ExitCode.INPUT)
    assert f'{path}: quote not found: "words the article never uses"' in result.stderr


def test_anchor_keeps_the_offset_datatype_in_use(write, run):
    path = write("facts.ttl", PREFIXES
                 + _quote("cstid:a", HEADER, position='oa:start "0"^^xsd:nonNegativeInteger ; oa:end "40"^^xsd:nonNegativeInteger')
                 + _quote("cstid:putin", "Vladimir Putin"))
    run("anchor", path)
    text = path.read_text(encoding="utf-8")
    assert "oa:start 0" not in text and text.count("^^xsd:nonNegativeInteger") == 4


def test_place_quote():
    assert place_quote("a b a c", "a", prefix="b ") == 4
    assert place_quote("a b a c", "a", suffix=" b") == 0
    assert place_quote("a b a c", "a", start=3) == 4  # nearest to the given start
    with pytest.raises(ValueError, match="ambiguous"):
        place_quote("a b a c", "a")
    with pytest.raises(ValueError, match="none has the given"):
        place_quote("a b a c", "a", prefix="zzz")
