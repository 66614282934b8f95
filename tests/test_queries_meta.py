"""Every catalogue query has its header, declares its prefixes, is plain SPARQL 1.1 that both
local parsers accept, and has an expectation file that matches its columns."""

from __future__ import annotations

import re

import pytest

from cstrdf.catalogue import HEADER_FIELDS, catalogue, parse_header, read_expectation
from cstrdf.resources import publication_root, query_files
from cstrdf.wikidata import is_federated, rewrite_service

QUERIES = catalogue()
IDS = [q.name for q in QUERIES]


def code_lines(text: str) -> list[str]:
    """The lines of a query with comments removed (none of the catalogue's strings holds '#')."""
    return [line.split("#", 1)[0].rstrip() for line in text.splitlines()]


def test_the_catalogue_answers_every_question_of_the_issue():
    numbers = {int(q.name[1:3]) for q in QUERIES}
    assert set(range(1, 14)) <= numbers
    assert all(re.fullmatch(r"q\d\d-[a-z0-9]+(-[a-z0-9]+)*", q.name) for q in QUERIES), IDS


def test_every_rq_file_is_in_the_catalogue():
    assert [p.stem for p in query_files()] == IDS


def test_every_expectation_belongs_to_a_query():
    expected = sorted(p.stem for p in (publication_root() / "queries" / "expected").glob("*.tsv"))
    assert expected == IDS


@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_header(query):
    fields = parse_header(query.text, query.path)
    assert list(fields) == list(HEADER_FIELDS), "header fields missing or out of order"
    assert all(fields[f].strip() for f in HEADER_FIELDS), "an empty header field"
    assert query.question.endswith("?"), "the question is a question"
    lines = query.text.splitlines()
    assert all(line.startswith("# ") for line in lines[:4]), "the header comes first"


@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_prefixes_come_before_the_query_and_are_all_used(query):
    lines = [line for line in code_lines(query.text) if line.strip()]
    prefix_lines = [i for i, line in enumerate(lines) if re.match(r"PREFIX\s", line)]
    assert prefix_lines == list(range(len(prefix_lines))), "PREFIX lines first, then the query"
    body = "\n".join(lines[len(prefix_lines):])
    for i in prefix_lines:
        prefix = re.match(r"PREFIX\s+([A-Za-z][\w.-]*)?:", lines[i]).group(1) or ""
        assert re.search(rf"(?<![\w.-]){re.escape(prefix)}:", body), f"PREFIX {prefix}: is declared but not used"


@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_both_parsers_accept_it_as_sparql_1_1(query):
    import pyoxigraph
    from rdflib.plugins.sparql import prepareQuery

    pyoxigraph.Store().query(query.text)
    prepareQuery(query.text)


@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_order_by_uses_plain_variables_only(query):
    """ORDER BY on expressions or on language-tagged values is where engines differ."""
    code = "\n".join(code_lines(query.text))
    for clause in re.findall(r"ORDER\s+BY\s+([^\n}]*)", code, re.I):
        for key in clause.split():
            assert re.fullmatch(r"(ASC|DESC)?\(?\?[A-Za-z_]\w*\)?", key), f"ORDER BY key {key!r} is not a variable"


@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_no_engine_extensions(query):
    code = "\n".join(code_lines(query.text))
    assert not re.search(r"\b(bif|sql|fn|afn|apf|jfn|spif|ofn|rdfs:[a-z]+\()\b", code.replace("rdfs:label", "")), "engine extension"
    if is_federated(query.text):  # the only SERVICE allowed: Wikidata, rewritable by --wikidata-endpoint
        marker = "http://cstrdf.invalid/wikidata"
        assert code.upper().count("SERVICE") == rewrite_service(code, marker).count(f"<{marker}>")
    else:
        assert "SERVICE" not in code.upper().split()


@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_header_returns_match_the_query(query):
    import pyoxigraph

    answer = pyoxigraph.Store().query(query.text)
    kind = (
        "ask" if isinstance(answer, pyoxigraph.QueryBoolean)
        else "construct" if isinstance(answer, pyoxigraph.QueryTriples) else "select"
    )
    assert query.result_kind == kind, "# returns: says boolean:/graph: for ASK/CONSTRUCT"
    if kind == "select":
        assert query.columns == tuple(v.value for v in answer.variables), "# returns: lists the columns in order"


@pytest.mark.parametrize("query", QUERIES, ids=IDS)
def test_expectation_file_matches_the_columns(query):
    assert query.expectation_path.is_file(), f"no expectation file {query.expectation_path.name}"
    expected = read_expectation(query.expectation_path)
    if query.result_kind == "select":
        assert expected.header == tuple("?" + c for c in query.columns)
    elif query.result_kind == "ask":
        assert expected.header == ("boolean",) and expected.rows in ((("true",),), (("false",),))
    else:
        assert expected.header == ("?subject", "?predicate", "?object")
    declared = {p.name for p in query.params}
    assert {name for name, _ in expected.params} <= declared
    assert expected.rows, "an expectation with no rows proves little: choose parameters that give some"


def test_missing_header_field_is_reported(tmp_path):
    from cstrdf.catalogue import load_query
    from cstrdf.errors import InputError

    path = tmp_path / "q99-broken.rq"
    path.write_text("# title: t\n# question: q?\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"# returns:, # params:"):
        load_query(path)
