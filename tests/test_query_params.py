"""``--param`` binds values as RDF terms in a VALUES clause, never as query text.

A hostile value is a literal: it cannot end the string, close a group or add an operation, the
query's algebra is the original one joined with a one-row VALUES table, and the answer is the
answer for that literal (none: no resource is a string).
"""

from __future__ import annotations

import functools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cstrdf.catalogue import find_query, read_expectation
from cstrdf.errors import UsageError
from cstrdf.results import IRI, Literal, normalized_rows
from cstrdf.sparql import LocalStore, bind_parameters, parse_param_value, prepare

Q13 = find_query("q13")
HOSTILE = [
    'x" } ; DROP ALL ; {',
    "x' } ; DROP ALL ; {",
    '"} UNION { ?resource ?p ?o } #',
    '""" } ; CLEAR DEFAULT ; { """',
    "} ; DELETE WHERE { ?s ?p ?o } ; SELECT * WHERE {",
    "> } ; DROP ALL ; { <",
    "line\nbreak } ; DROP ALL",
    "back\\slash\" } ;",
    "#comment } ",
    "",
]


@pytest.fixture(scope="module")
def store():
    return LocalStore("oxigraph")


@functools.lru_cache(maxsize=8)
def algebra(text: str):
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    return translateQuery(parseQuery(text)).algebra


def strip_trailing_values(node):
    """The algebra with the Join(…, ToMultiSet(values)) of a trailing VALUES replaced by its
    left side; also returns the VALUES rows it removed."""
    from rdflib.plugins.sparql.parserutils import CompValue

    removed = []

    def walk(n):
        if isinstance(n, CompValue):
            if n.name == "Join" and isinstance(n.get("p2"), CompValue) and n["p2"].name == "ToMultiSet":
                removed.append(n["p2"]["p"]["res"])
                return walk(n["p1"])
            copy = CompValue(n.name, **{k: walk(v) for k, v in n.items()})
            return copy
        if isinstance(n, list):
            return [walk(x) for x in n]
        return n

    return walk(node), removed


def without_vars(node):
    """Algebra with the bookkeeping ``_vars`` sets dropped (a VALUES join changes them)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        return (node.name, tuple((k, without_vars(v)) for k, v in node.items() if k not in ("_vars", "lazy")))
    if isinstance(node, list):
        return [without_vars(x) for x in node]
    return node


def assert_bound_as(text: str, value: str, term) -> None:
    import rdflib

    bound, terms = bind_parameters(text, {"resource": value}, allowed=["resource"])
    assert terms == {"resource": term}
    assert bound.startswith(text), "the original text is kept unchanged"
    stripped, removed = strip_trailing_values(algebra(bound))
    assert without_vars(stripped) == without_vars(algebra(text)), "the query's algebra is unchanged"
    assert len(removed) == 1 and len(removed[0]) == 1
    (row,) = removed[0]
    assert list(row) == [rdflib.Variable("resource")]
    got = row[rdflib.Variable("resource")]
    if isinstance(term, Literal):
        assert isinstance(got, rdflib.Literal) and str(got) == term.lexical
        assert got.language == term.language
    else:
        assert isinstance(got, rdflib.URIRef) and str(got) == term.value


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_stay_literals(value, store):
    term = parse_param_value(value)
    assert isinstance(term, Literal)
    if not (value.startswith('"') and value.endswith('"') and len(value) > 1):
        assert term == Literal(value)  # quoted text is a literal too: the text between the quotes
    assert_bound_as(Q13.text, value, term)
    result = store.query(prepare(Q13.text, params={"resource": value}, allowed_params=["resource"]))
    assert result.kind == "select" and result.rows == ()


def test_the_store_is_untouched_after_hostile_values(store):
    before = store.query(prepare("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")).rows
    for value in HOSTILE:
        store.query(prepare(Q13.text, params={"resource": value}))
    assert store.query(prepare("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")).rows == before


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
@pytest.mark.parametrize(
    "value",
    ["cstid:joint-command-proposal", "<https://w3id.org/cstrdf/id/joint-command-proposal>"],
)
def test_iri_values_give_the_expected_rows(value, engine):
    expected = read_expectation(Q13.expectation_path)
    result = LocalStore(engine).query(prepare(Q13.text, params={"resource": value}, allowed_params=["resource"]))
    assert normalized_rows(result) == list(expected.rows)


def test_value_forms():
    assert parse_param_value("cstid:russia") == IRI("https://w3id.org/cstrdf/id/russia")
    assert parse_param_value("oa:exact", {"oa": "http://www.w3.org/ns/oa#"}) == IRI("http://www.w3.org/ns/oa#exact")
    assert parse_param_value("<urn:x:y>") == IRI("urn:x:y")
    assert parse_param_value('"Russia"@en') == Literal("Russia", language="en")
    assert parse_param_value('"2002-05-14"^^xsd:date') == Literal(
        "2002-05-14", datatype="http://www.w3.org/2001/XMLSchema#date"
    )
    assert parse_param_value("42") == Literal("42")
    assert parse_param_value("Russia") == Literal("Russia")
    assert parse_param_value("two words: here") == Literal("two words: here")


@pytest.mark.parametrize(
    "params, message",
    [
        ({"resource": "nosuch:thing"}, "unknown prefix"),
        ({"resource": "<not an iri>"}, "not an absolute IRI"),
        ({"resource": "<relative>"}, "not an absolute IRI"),
        ({"resource": "a\\u0022b"}, "backslash"),
        ({"other": "x"}, "no parameter 'other'"),
        ({"re source": "x"}, "bad parameter name"),
    ],
)
def test_refused_values(params, message):
    with pytest.raises(UsageError, match=message):
        prepare(Q13.text, params=params, allowed_params=["resource"])


def test_a_parameter_must_be_a_variable_of_the_query():
    with pytest.raises(UsageError, match=r"no variable \?nothing"):
        prepare("SELECT ?s WHERE { ?s ?p ?o }", params={"nothing": "x"})


def test_a_query_with_its_own_trailing_values_cannot_take_parameters():
    with pytest.raises(UsageError, match="already ends with a VALUES"):
        prepare("SELECT ?s WHERE { ?s ?p ?o } VALUES ?s { <urn:a> }", params={"s": "<urn:b>"})


def test_parameters_bind_in_construct_and_ask_too(store):
    ask = store.query(prepare("ASK { ?s a ?class }", params={"class": "cst:Summit"}))
    assert ask.boolean is True
    construct = store.query(
        prepare("CONSTRUCT { ?s a ?class } WHERE { ?s a ?class }", params={"class": "cst:Summit"})
    )
    assert {t[0] for t in construct.triples} == {
        IRI("https://w3id.org/cstrdf/id/moscow-summit-2002"),
        IRI("https://w3id.org/cstrdf/id/upcoming-nato-russia-summit"),
        IRI("https://w3id.org/cstrdf/id/upcoming-us-russia-summit"),
        IRI("https://w3id.org/cstrdf/id/yerevan-summit-2001"),
    }


def _plain_literal_text(value: str) -> bool:
    """True when parse_param_value reads ``value`` as the plain literal it is."""
    try:
        return parse_param_value(value) == Literal(value)
    except UsageError:
        return False


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=40))
def test_any_string_is_bound_as_one_term_or_refused(value, store):
    """Whatever the string, the query stays the same query: either the value is bound as one
    term (for text that is not IRI syntax: the literal with exactly that text), or it is refused
    before anything runs."""
    try:
        term = parse_param_value(value)
        bound, _ = bind_parameters(Q13.text, {"resource": value}, allowed=["resource"])
    except UsageError:
        assert "\\u" in value.lower() or not _plain_literal_text(value) or "\\U" in value
        return
    assert_bound_as(Q13.text, value, term)
    if _plain_literal_text(value):
        assert term == Literal(value)
    result = store.query(prepare(Q13.text, params={"resource": value}))
    assert result.kind == "select"
    if isinstance(term, Literal):
        assert result.rows == ()
