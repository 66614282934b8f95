"""Federated catalogue queries (``SERVICE <https://query.wikidata.org/sparql>``) with the SERVICE
rewritten to a real local Oxigraph server holding the snapshot: on the local pyoxigraph engine,
and on an Oxigraph server holding the publication reached through SPARQLWrapper. Plus the
token-level SERVICE rewrite itself. ``pytest --live`` also asks the real Wikidata."""

from __future__ import annotations

import pytest

from cstrdf import wikidata
from cstrdf.catalogue import catalogue, read_expectation
from cstrdf.errors import UsageError
from cstrdf.sparql import LocalStore, prepare, query_endpoint

FEDERATED = [q for q in catalogue() if wikidata.is_federated(q.text)]
IDS = [q.name for q in FEDERATED]
SERVICE = wikidata.DEFAULT_ENDPOINT


def check_rows(query, result) -> None:
    from test_queries import check_rows as catalogue_check

    catalogue_check(query, result)


def test_the_catalogue_has_the_federated_questions():
    assert {q.name[:3] for q in FEDERATED} >= {"q21", "q22", "q23"}
    for query in FEDERATED:
        assert "Federated:" in query.text, f"{query.name}: the header comment says it is federated"


@pytest.fixture(scope="module")
def local_store():
    return LocalStore("oxigraph")


@pytest.mark.parametrize("query", FEDERATED, ids=IDS)
def test_local_engine_with_service_rewritten(query, local_store, wikidata_endpoint):
    text = wikidata.rewrite_service(query.text, wikidata_endpoint.query_url)
    check_rows(query, local_store.query(prepare(text)))


@pytest.mark.parametrize("query", FEDERATED, ids=IDS)
def test_rdflib_engine_with_service_rewritten(query, wikidata_endpoint):
    text = wikidata.rewrite_service(query.text, wikidata_endpoint.query_url)
    check_rows(query, LocalStore("rdflib").query(prepare(text)))


@pytest.mark.parametrize("query", FEDERATED, ids=IDS)
def test_publication_server_through_sparqlwrapper(query, publication_endpoint, wikidata_endpoint):
    """The same code path as a remote query: SPARQLWrapper to a server holding the publication,
    which itself calls the Wikidata stand-in for the SERVICE part."""
    text = wikidata.rewrite_service(query.text, wikidata_endpoint.query_url)
    check_rows(query, query_endpoint(publication_endpoint.query_url, prepare(text)))


def test_a_refreshed_snapshot_answers_the_same(wikidata_endpoint, oxigraph_server, tmp_path, local_store):
    import urllib.request

    out = tmp_path / "wikidata.ttl"
    wikidata.refresh_snapshot(out, endpoint=wikidata_endpoint.query_url)
    request = urllib.request.Request(oxigraph_server.url + "/store?default", data=out.read_bytes(), method="POST",
                                     headers={"Content-Type": "text/turtle"})
    urllib.request.urlopen(request, timeout=30).close()
    for query in FEDERATED:
        check_rows(query, local_store.query(prepare(wikidata.rewrite_service(query.text, oxigraph_server.query_url))))


def pytest_generate_tests(metafunc):
    if "any_endpoint" in metafunc.fixturenames:
        names = ["local"] + (["live"] if metafunc.config.getoption("--live") else [])
        metafunc.parametrize("any_endpoint", names, indirect=True)


@pytest.fixture
def any_endpoint(request, wikidata_endpoint):
    return wikidata_endpoint.query_url if request.param == "local" else wikidata.DEFAULT_ENDPOINT


def test_key_answers(any_endpoint, local_store):
    """The answers the sourced snapshot gives, which the live Wikidata must give too (live has
    more rows: every CIS member, dated heads of state)."""
    rows = {}
    for query in FEDERATED:
        result = local_store.query(prepare(wikidata.rewrite_service(query.text, any_endpoint)))
        rows[query.name[:3]] = [{k: getattr(v, "lexical", getattr(v, "value", None)) for k, v in zip(result.variables, r)}
                                for r in result.rows]
    heads = {(r["stateName"], r["headName"]) for r in rows["q21"] if r.get("headName")}
    assert {("Russia", "Vladimir Putin"), ("Belarus", "Alexander Lukashenko")} <= heads
    outside = {r["name"] for r in rows["q22"]}
    assert {"Azerbaijan", "Uzbekistan"} <= outside and not outside & {"Russia", "Belarus", "Armenia", "Kazakhstan"}
    assert [r["wikidataInception"][:4] for r in rows["q23"]] == ["1992"]


# -- the rewrite ----------------------------------------------------------------------------

LOCAL = "http://127.0.0.1:7878/query"


@pytest.mark.parametrize("before, after", [
    (f"SELECT * {{ SERVICE <{SERVICE}> {{ ?s ?p ?o }} }}", f"SELECT * {{ SERVICE <{LOCAL}> {{ ?s ?p ?o }} }}"),
    (f"SELECT * {{ service silent <{SERVICE}> {{ ?s ?p ?o }} }}", f"SELECT * {{ service silent <{LOCAL}> {{ ?s ?p ?o }} }}"),
    (f"SELECT * {{ SERVICE\n  # the public endpoint\n  <{SERVICE}> {{ ?s ?p ?o }} }}",
     f"SELECT * {{ SERVICE\n  # the public endpoint\n  <{LOCAL}> {{ ?s ?p ?o }} }}"),
])
def test_rewrite_replaces_the_service_iri(before, after):
    assert wikidata.rewrite_service(before, LOCAL) == after


@pytest.mark.parametrize("text", [
    f'SELECT * {{ ?s ?p "<{SERVICE}>" }}',                       # in a literal
    f"SELECT * {{ ?s ?p '''SERVICE <{SERVICE}>''' }}",            # in a long literal
    f"# SERVICE <{SERVICE}>\nSELECT * {{ ?s ?p ?o }}",             # in a comment
    f"SELECT * {{ ?s <{SERVICE}> ?o }}",                          # the IRI as a predicate
    f"SELECT * {{ SERVICE <{SERVICE}/other> {{ ?s ?p ?o }} }}",    # another service
    f"SELECT * {{ ?s ?p ?o FILTER(?o < 3) }}",                    # a less-than, not an IRI
])
def test_rewrite_leaves_everything_else_alone(text):
    assert wikidata.rewrite_service(text, LOCAL) == text


def test_rewrite_of_catalogue_queries_parses_and_touches_only_the_service(wikidata_endpoint):
    for query in FEDERATED:
        rewritten = wikidata.rewrite_service(query.text, LOCAL)
        prepare(rewritten)
        assert rewritten.replace(f"SERVICE <{LOCAL}>", f"SERVICE <{SERVICE}>") == query.text
        assert f"SERVICE <{SERVICE}>" in query.text.split("SELECT", 1)[1]


def test_rewrite_without_endpoint_and_bad_endpoints():
    text = f"SELECT * {{ SERVICE <{SERVICE}> {{ ?s ?p ?o }} }}"
    assert wikidata.rewrite_service(text, None) == text
    for bad in ("not an iri", "http://x/<y>", "relative/path", 'http://x/"'):
        with pytest.raises(UsageError):
            wikidata.rewrite_service(text, bad)


def test_is_federated():
    assert wikidata.is_federated(f"SELECT * {{ SERVICE <{SERVICE}> {{ ?s ?p ?o }} }}")
    assert not wikidata.is_federated(f'SELECT * {{ ?s ?p "SERVICE <{SERVICE}>" }}')
    assert not any(wikidata.is_federated(q.text) for q in catalogue() if q not in FEDERATED)
