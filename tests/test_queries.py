"""Every catalogue query on both local engines gives exactly the rows of its expectation file.

Rows are compared as multisets; when the query orders its results (a top-level ORDER BY), the
order must match too. Cells are normalized as :func:`cstrdf.results.normalize_term` says, so
rdflib and pyoxigraph (and later Virtuoso and Jena) give the same rows.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from cstrdf.catalogue import catalogue, read_expectation
from cstrdf.wikidata import is_federated
from cstrdf.results import normalized_header, normalized_rows
from cstrdf.sparql import ENGINES, LocalStore, prepare

# Federated queries (SERVICE <https://query.wikidata.org/sparql>) need a Wikidata endpoint: they
# run in tests/test_federation.py against a real local stand-in, on both engines and on a server.
QUERIES = [q for q in catalogue() if not is_federated(q.text)]


def is_ordered(text: str) -> bool:
    """True when the query ends with an ORDER BY (outside comments)."""
    code = "\n".join(line.split("#", 1)[0] if not line.lstrip().startswith("#") else "" for line in text.splitlines())
    last_brace = code.rfind("}")
    return re.search(r"\bORDER\s+BY\b", code[last_brace:], re.I) is not None


def check_rows(query, result) -> None:
    """Assert that ``result`` matches the expectation file of ``query``."""
    expected = read_expectation(query.expectation_path)
    assert normalized_header(result) == expected.header, f"{query.name}: columns differ"
    got = normalized_rows(result)
    missing = Counter(expected.rows) - Counter(got)
    extra = Counter(got) - Counter(expected.rows)
    assert not missing and not extra, (
        f"{query.name}: rows differ\nmissing (expected, not returned):\n"
        + "\n".join("  " + " | ".join(r) for r in missing.elements())
        + "\nextra (returned, not expected):\n"
        + "\n".join("  " + " | ".join(r) for r in extra.elements())
    )
    if result.kind == "select" and is_ordered(query.text):
        assert got == list(expected.rows), f"{query.name}: same rows, different order"


def run_catalogue_query(query, store):
    """Run ``query`` with the parameter values its expectation file names."""
    expected = read_expectation(query.expectation_path)
    prepared = prepare(
        query.text, params=dict(expected.params), source=str(query.path), allowed_params=[p.name for p in query.params]
    )
    return store.query(prepared)


@pytest.fixture(scope="module", params=ENGINES)
def store(request):
    return LocalStore(request.param)


@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_query_gives_expected_rows(query, store):
    check_rows(query, run_catalogue_query(query, store))


def test_both_engines_agree_on_every_row():
    """Beyond the normalized cells: the same terms, datatypes and language tags."""
    stores = [LocalStore(engine) for engine in ENGINES]
    for query in QUERIES:
        results = [run_catalogue_query(query, s) for s in stores]
        first, second = results
        if first.kind == "select":
            assert first.variables == second.variables, query.name
            assert Counter(first.rows) == Counter(second.rows), query.name
        elif first.kind == "ask":
            assert first.boolean == second.boolean, query.name
        else:
            assert Counter(first.triples) == Counter(second.triples), query.name


ROTATION = """\
@prefix cst: <https://w3id.org/cstrdf/ontology#> .
@prefix ex: <http://example.org/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

ex:a a cst:State ; rdfs:label "Armenia"@en .
ex:b a cst:State ; rdfs:label "Belarus"@en .
ex:t a cst:State ; rdfs:label "Tajikistan"@en .
ex:summit a cst:Summit .
ex:ma org:organization ex:org ; org:member ex:a ; cst:validAt ex:summit .
ex:mb org:organization ex:org ; org:member ex:b ; cst:validAt ex:summit .
ex:mt org:organization ex:org ; org:member ex:t ; cst:validAt ex:summit .
ex:chair cst:chairmanshipOf ex:org .
ex:pa cst:postHolderState ex:a .
ex:pb cst:postHolderState ex:b .
ex:pt cst:postHolderState ex:t .
ex:outgoing org:holds ex:pt .
ex:incoming org:holds ex:{incoming} .
ex:handover a cst:ChairmanshipHandover ; cst:ofPost ex:chair ; cst:madeAt ex:summit ;
    cst:previousHolder ex:outgoing ; cst:newHolder ex:incoming .
"""


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("incoming, follows", [("pa", True), ("pb", False)])
def test_rotation_rule_wraps_around(engine, incoming, follows, tmp_path):
    """After Tajikistan, the last in alphabetical order, the rule calls for Armenia, the first."""
    from cstrdf.catalogue import find_query
    from cstrdf.resources import ontology_files

    data = tmp_path / "rotation.ttl"
    data.write_text(ROTATION.replace("{incoming}", incoming), encoding="utf-8")
    store = LocalStore(engine, data=[*ontology_files(), data])
    q07 = store.query(prepare(find_query("q07").text))
    assert len(q07.rows) == 1
    row = dict(zip(q07.variables, q07.rows[0]))
    assert row["nextUnderRule"].value == "http://example.org/a"
    assert row["followsRule"].lexical == ("yes" if follows else "no")
    assert row["textSaysRuleIgnored"].lexical == "no"
    assert store.query(prepare(find_query("q15").text)).boolean is follows
