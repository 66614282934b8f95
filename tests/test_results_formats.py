"""The result serializations are the W3C formats exactly: a standard client (rdflib's result
parsers, the JSON shape SPARQLWrapper reads) gets back the same terms."""

from __future__ import annotations

import doctest
import importlib
import io
import json
import xml.etree.ElementTree as ET

import pytest

from cstrdf.catalogue import find_query
from cstrdf.errors import UsageError
from cstrdf.results import (
    IRI,
    BlankNode,
    Literal,
    QueryResult,
    result_format_names,
    serialize,
    to_table,
)
from cstrdf.sparql import LocalStore, prepare

XSD = "http://www.w3.org/2001/XMLSchema#"

TRICKY = QueryResult(
    "select",
    variables=("s", "text", "n", "empty"),
    rows=(
        (IRI("https://w3id.org/cstrdf/id/russia"), Literal("Russia", language="en"), Literal("6", datatype=XSD + "integer"), None),
        (BlankNode("b0"), Literal('quote " comma , semicolon ; tab \t end'), Literal("2002-05", datatype=XSD + "gYearMonth"), None),
        (IRI("urn:x:a,b"), Literal("line one\nline two\r\nthree"), Literal("true", datatype=XSD + "boolean"), Literal("")),
        (None, Literal("Putin’s “move” <b>&amp;</b> \\ back"), None, Literal("x", language="en-gb")),
    ),
)


@pytest.fixture(scope="module")
def store():
    return LocalStore("oxigraph")


def rdflib_terms(result):
    from cstrdf.results import Literal as L

    import rdflib

    def conv(term):
        if term is None:
            return None
        if isinstance(term, IRI):
            return rdflib.URIRef(term.value)
        if isinstance(term, BlankNode):
            return rdflib.BNode(term.id)
        assert isinstance(term, L)
        return rdflib.Literal(term.lexical, lang=term.language, datatype=term.datatype)

    return [tuple(conv(t) for t in row) for row in result.rows]


def parsed_rows(text: str, fmt: str):
    from rdflib.query import Result

    parsed = Result.parse(io.StringIO(text) if fmt != "xml" else io.BytesIO(text.encode("utf-8")), format=fmt)
    return parsed, [tuple(row[v] if row[v] is not None else None for v in parsed.vars) for row in parsed]


def same(a, b) -> bool:
    """Terms equal with lexical form, datatype and language (blank nodes: both blank)."""
    import rdflib

    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, rdflib.BNode) or isinstance(b, rdflib.BNode):
        return isinstance(a, rdflib.BNode) and isinstance(b, rdflib.BNode)
    if isinstance(a, rdflib.Literal):
        return (isinstance(b, rdflib.Literal) and str(a) == str(b) and a.language == b.language
                and (a.datatype or None) == (b.datatype or None))
    return a == b


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_typed_formats_round_trip_through_rdflib(fmt):
    text = serialize(TRICKY, fmt)
    parsed, rows = parsed_rows(text, fmt)
    assert [str(v) for v in parsed.vars] == list(TRICKY.variables)
    want = rdflib_terms(TRICKY)
    assert len(rows) == len(want)
    for got_row, want_row in zip(rows, want):
        assert all(same(g, w) for g, w in zip(got_row, want_row)), (got_row, want_row)


def test_csv_round_trips_values_without_types():
    text = serialize(TRICKY, "csv")
    assert text.endswith("\r\n") and text.split("\r\n", 1)[0] == "s,text,n,empty"
    parsed, rows = parsed_rows(text, "csv")
    for got_row, want_row in zip(rows, TRICKY.rows):
        for got, want in zip(got_row, want_row):
            if want is None:
                assert got is None or str(got) == ""
            elif isinstance(want, IRI):
                assert str(got) == want.value
            elif isinstance(want, BlankNode):
                assert str(got) in ("_:b0", "b0")  # CSV writes blank nodes as _:label
            elif want.lexical == "":
                assert got is None or str(got) == ""  # CSV cannot tell "" from unbound (spec §2)
            else:
                assert str(got) == want.lexical


def test_json_has_the_shape_sparqlwrapper_reads():
    data = json.loads(serialize(TRICKY, "json"))
    assert data["head"] == {"vars": ["s", "text", "n", "empty"]}
    first, second, third, fourth = data["results"]["bindings"]
    assert first["s"] == {"type": "uri", "value": "https://w3id.org/cstrdf/id/russia"}
    assert first["text"] == {"type": "literal", "value": "Russia", "xml:lang": "en"}
    assert first["n"] == {"type": "literal", "value": "6", "datatype": XSD + "integer"}
    assert "empty" not in first  # unbound: left out
    assert second["s"] == {"type": "bnode", "value": "b0"}
    assert third["empty"] == {"type": "literal", "value": ""}
    assert set(fourth) == {"text", "empty"}
    # what SPARQLWrapper's JSON conversion hands to its users is this same object
    from SPARQLWrapper.Wrapper import QueryResult as WrapperResult

    class Response(io.BytesIO):
        def info(self):
            return {"content-type": "application/sparql-results+json"}

    converted = WrapperResult((Response(serialize(TRICKY, "json").encode("utf-8")), "json")).convert()
    assert converted == data


def test_xml_is_valid_and_namespaced():
    root = ET.fromstring(serialize(TRICKY, "xml").encode("utf-8"))
    ns = "{http://www.w3.org/2005/sparql-results#}"
    assert root.tag == ns + "sparql"
    assert [v.get("name") for v in root.iter(ns + "variable")] == list(TRICKY.variables)
    assert len(list(root.iter(ns + "result"))) == 4


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("answer", [True, False])
def test_ask_round_trips(fmt, answer):
    from rdflib.query import Result

    text = serialize(QueryResult("ask", boolean=answer), fmt)
    source = io.BytesIO(text.encode("utf-8")) if fmt == "xml" else io.StringIO(text)
    assert Result.parse(source, format=fmt).askAnswer is answer


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_ask_in_csv_and_tsv_is_one_column(fmt):
    text = serialize(QueryResult("ask", boolean=False), fmt)
    assert text.splitlines() == (["_askResult", "false"] if fmt == "csv" else ["?_askResult", "false"])


@pytest.mark.parametrize("fmt, rdflib_format", [("turtle", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_graph_formats_parse_back_to_the_same_graph(fmt, rdflib_format, store):
    import rdflib
    from rdflib.compare import isomorphic

    result = store.query(prepare(find_query("q16").text))
    result = QueryResult(
        "construct",
        triples=result.triples + (
            (BlankNode("x"), IRI("http://www.w3.org/2000/01/rdf-schema#label"), Literal("tab\tquote\" é", language="fr")),
            (BlankNode("x"), IRI("https://w3id.org/cstrdf/ontology#n"), Literal("7", datatype=XSD + "integer")),
        ),
        prefixes=result.prefixes,
    )
    text = serialize(result, fmt)
    graph = rdflib.Graph().parse(data=text, format=rdflib_format)
    expected = rdflib.Graph()
    for triple in result.triples:
        expected.add(tuple(rdflib_terms(QueryResult("select", variables=("a", "b", "c"), rows=(triple,)))[0]))
    assert isomorphic(graph, expected)
    if fmt == "turtle":
        assert "@prefix cstid: <https://w3id.org/cstrdf/id/> ." in text or "PREFIX cstid:" in text


def test_table_is_aligned_with_prefixed_names_and_a_count(store):
    result = store.query(prepare(find_query("q01").text))
    lines = to_table(result).splitlines()
    assert lines[0].split() == ["?state", "?stateName"]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split() == ["cstid:armenia", "Armenia"]
    column = lines[0].index("?stateName")
    assert all(line[column - 2: column] == "  " and line[column] != " " for line in lines[2:8])
    assert lines[-1] == "(6 rows)"


def test_table_for_ask_and_construct(store):
    assert to_table(QueryResult("ask", boolean=False)) == "false\n"
    result = store.query(prepare(find_query("q16").text))
    lines = to_table(result).splitlines()
    assert lines[0].split() == ["subject", "predicate", "object"]
    assert "org:memberOf" in lines[2] and lines[-1] == "(6 triples)"


def test_wrong_format_for_the_kind_of_result():
    with pytest.raises(UsageError, match="cannot be written as turtle"):
        serialize(TRICKY, "turtle")
    with pytest.raises(UsageError, match="cannot be written as csv"):
        serialize(QueryResult("construct"), "csv")
    with pytest.raises(UsageError, match="unknown result format"):
        serialize(TRICKY, "yaml")
    assert result_format_names() == ["table", "json", "xml", "csv", "tsv", "turtle", "nt", "jsonld"]


@pytest.mark.parametrize("module", ["results", "catalogue", "sparql"])
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(f"cstrdf.{module}"), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
