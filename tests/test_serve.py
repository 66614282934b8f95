"""``cstrdf serve`` as a user runs it: a real process, queried over HTTP, stopped with Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from SPARQLWrapper import JSON, POST, SPARQLWrapper

from misbehaving import Reply, scripted
from servers import wait_for_exit


@contextlib.contextmanager
def serving(tmp_path, *options: str):
    """``cstrdf serve --port 0 OPTIONS`` as a process: (process, SPARQL endpoint URL)."""
    # a private TMPDIR, so the check below sees only this server's temporary store
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir(parents=True)
    env = dict(os.environ, TMPDIR=str(private_tmp))
    process = subprocess.Popen([sys.executable, "-m", "cstrdf", "serve", "--port", "0", *options],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        banner = process.stdout.readline()
        assert banner.startswith("SPARQL endpoint: http://127.0.0.1:"), banner + process.stderr.read()
        yield process, banner.split(": ", 1)[1].strip()
    finally:
        if process.poll() is None:  # stop it as a user would: Ctrl-C
            process.send_signal(signal.SIGINT)
            wait_for_exit(process, 20)
    assert list(private_tmp.iterdir()) == [], "the temporary store was not removed"


@pytest.fixture
def served(tmp_path):
    with serving(tmp_path) as running:
        yield running


def count(url: str, method=None) -> int:
    client = SPARQLWrapper(url)
    client.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    client.setReturnFormat(JSON)
    if method:
        client.setMethod(method)
    return int(client.query().convert()["results"]["bindings"][0]["n"]["value"])


def test_serve_answers_queries_refuses_updates_and_stops_cleanly(served):
    process, url = served
    from cstrdf.publication import load_store

    assert count(url) == len(load_store())
    assert count(url, POST) == len(load_store())
    request = urllib.request.Request(url, data=urllib.parse.urlencode({"update": "DROP ALL"}).encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 403
    assert count(url) == len(load_store())
    process.send_signal(signal.SIGINT)
    assert wait_for_exit(process, 20) == 0


def test_serve_refuses_oversized_bodies(served):
    _, url = served
    body = b"query=" + b"x" * (2 << 20)
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 413


def sparql_get(url: str, query: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url + "?" + urllib.parse.urlencode({"query": query}),
                                     headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


ELSEWHERE = json.dumps({"head": {"vars": ["x"]},
                        "results": {"bindings": [{"x": {"type": "literal", "value": "from elsewhere"}}]}}).encode()


def test_serve_refuses_service_unless_started_with_allow_service(served, tmp_path):
    """The command line's default and its option: SERVICE is refused (403, one line naming the
    option) and the other endpoint sees nothing; ``--allow-service`` lets the call through."""
    _, url = served
    elsewhere = scripted(Reply(body=ELSEWHERE, headers={"Content-Type": "application/sparql-results+json"}))
    try:
        query = f"SELECT ?x WHERE {{ SERVICE <{elsewhere.url}> {{ ?x ?p ?o }} }}"
        status, body = sparql_get(url, query)
        assert (status, elsewhere.seen) == (403, []), body
        assert b"--allow-service" in body and body.count(b"\n") == 1
        with serving(tmp_path / "allowed", "--allow-service") as (_, allowed_url):
            status, body = sparql_get(allowed_url, query)
        assert status == 200, body
        assert [row["x"]["value"] for row in json.loads(body)["results"]["bindings"]] == ["from elsewhere"]
        assert len(elsewhere.seen) == 1
    finally:
        elsewhere.stop()
