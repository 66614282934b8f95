"""``cstrdf serve`` as a user runs it: a real process, queried over HTTP, stopped with Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from SPARQLWrapper import JSON, POST, SPARQLWrapper

from servers import wait_for_exit


@pytest.fixture
def served(tmp_path):
    # a private TMPDIR, so the check below sees only this server's temporary store
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    env = dict(os.environ, TMPDIR=str(private_tmp))
    process = subprocess.Popen([sys.executable, "-m", "cstrdf", "serve", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    banner = process.stdout.readline()
    assert banner.startswith("SPARQL endpoint: http://127.0.0.1:"), banner + process.stderr.read()
    url = banner.split(": ", 1)[1].strip()
    yield process, url
    if process.poll() is None:  # stop it as a user would: Ctrl-C
        process.send_signal(signal.SIGINT)
        wait_for_exit(process, 20)
    assert list(private_tmp.iterdir()) == [], "the temporary store was not removed"


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
