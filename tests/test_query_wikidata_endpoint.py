"""``cstrdf query --wikidata-endpoint`` sends a federated catalogue query's SERVICE to a
Wikidata stand-in (a real Oxigraph server holding the snapshot) and gets the expected rows."""

from __future__ import annotations

import pytest

from cstrdf.catalogue import catalogue
from cstrdf.errors import ExitCode
from cstrdf.engines import compare, prepared_for
from cstrdf.sparql import LocalStore
from cstrdf.wikidata import is_federated, rewrite_service

FEDERATED = [q for q in catalogue() if is_federated(q.text)]


def test_the_catalogue_has_federated_questions():
    assert len(FEDERATED) >= 3


@pytest.mark.parametrize("query", FEDERATED, ids=[q.name for q in FEDERATED])
def test_federated_query_through_the_cli(run, wikidata_endpoint, query):
    result = run("query", query.name, "--wikidata-endpoint", wikidata_endpoint.query_url, "--format", "tsv")
    assert result.stdout.splitlines()[0].startswith("?")
    # the same answer, checked against the expectation file through the library path
    prepared = prepared_for(query)
    store = LocalStore("oxigraph")
    answer = store.query(type(prepared)(**{**prepared.__dict__,
                                           "text": rewrite_service(prepared.text, wikidata_endpoint.query_url)}))
    assert compare(query, answer) == ""


def test_environment_variable_sets_the_mirror(run, wikidata_endpoint, monkeypatch):
    monkeypatch.setenv("CSTRDF_WIKIDATA_ENDPOINT", wikidata_endpoint.query_url)
    run("query", FEDERATED[0].name, "--format", "tsv")


def test_unreachable_mirror_is_an_error_not_a_crash(run):
    from cstrdf.serve import free_port

    url = f"http://127.0.0.1:{free_port()}/sparql"
    result = run("query", FEDERATED[0].name, "--wikidata-endpoint", url, expect=ExitCode.REMOTE)
    assert "SERVICE" in result.stderr and len(result.stderr.strip().splitlines()) == 1
