"""The error contract for ``cstrdf load`` (docs/errors.md, "Loading"): whatever fails, the target
graph is as before.

Pinned in test_load.py and not repeated: the server killed in the middle of a load
(::test_server_killed_mid_replace_leaves_old_graph), an interrupt from inside the library
(::test_interrupt_mid_load_leaves_target_and_removes_staging), a syntax error after 10,000 good
triples (::test_syntax_error_after_many_good_triples_loads_nothing), a wrong password, a stopped
server and an unknown host. Here: the connection cut off in the middle of an upload, Ctrl-C
sent to a real ``cstrdf load`` process, and input errors that must stop the load before the
first request. The stores are real Oxigraph servers; the connection trouble comes from a real
forwarding proxy on loopback (tests/misbehaving.py).
"""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from cstrdf.errors import ExitCode
from misbehaving import Proxy, Reply, scripted
from servers import fetch_graph, wait_for_exit
from test_load import count_staging

GRAPH = "https://example.org/cstrdf-test"
BEFORE = "<https://example.org/old> <https://example.org/p> \"as before\" .\n"


@pytest.fixture
def loaded(oxigraph_server, write):
    """The Oxigraph server with one known triple in GRAPH."""
    from cstrdf.load import load

    load(oxigraph_server.url, store="oxigraph", graph=GRAPH, replace=True, sources=[write("old.nt", BEFORE)])
    assert fetch_graph(oxigraph_server, GRAPH) == BEFORE
    return oxigraph_server


@pytest.fixture
def proxy():
    started = []

    def start(target, **options):
        started.append(Proxy(target, **options))
        return started[-1]

    yield start
    for one in started:
        one.stop()


def test_the_connection_cut_off_in_the_middle_of_an_upload(run, loaded, proxy):
    cutter = proxy(loaded.url, prefix="/store", mode="drop")
    result = run("load", "--endpoint", cutter.url, "--store", "oxigraph", "--graph", GRAPH, "--replace", "--quiet",
                 expect=ExitCode.REMOTE)
    assert cutter.hits == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"cstrdf: error: {cutter.url}: connection dropped"), result.stderr
    assert fetch_graph(loaded, GRAPH) == BEFORE
    assert count_staging(loaded) == 0  # the half-sent temporary graph is gone


def test_ctrl_c_during_a_real_load_process(loaded, proxy):
    """SIGINT to ``cstrdf load`` while a chunk is on its way: exit 130, one line, the target
    graph as before, the temporary graph removed."""
    slow = proxy(loaded.url, prefix="/store", mode="slow", delay=30)
    process = subprocess.Popen(
        [sys.executable, "-m", "cstrdf", "load", "--endpoint", slow.url, "--store", "oxigraph", "--graph", GRAPH,
         "--replace", "--chunk", "500", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert slow.hit.wait(120), "the load never sent a chunk"
        process.send_signal(signal.SIGINT)
        assert wait_for_exit(process, 30) == 130
    finally:
        if process.poll() is None:
            process.kill()
    assert process.stderr.read() == "cstrdf: error: interrupted\n"
    assert fetch_graph(loaded, GRAPH) == BEFORE
    assert count_staging(loaded) == 0


@pytest.mark.parametrize("name, content, shape", [
    ("bad-date.ttl", '@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n<https://example.org/a> '
                     '<https://example.org/p> "2002-13-45"^^xsd:date .\n', ":2:"),
    ("utf16.ttl", BEFORE.encode("utf-16"), ":1:1: UTF-16 text"),
    ("xxe.rdf", '<?xml version="1.0"?>\n<!DOCTYPE r [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>\n'
                '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n', ""),
])
def test_bad_input_stops_the_load_before_the_first_request(run, write, name, content, shape):
    server = scripted(Reply(204))
    try:
        path = write(name, content)
        err = run("load", "--endpoint", server.url, "--store", "oxigraph", "--source", path, "--quiet",
                  expect=ExitCode.INPUT).stderr
        assert err.startswith(f"cstrdf: error: {path}{shape}") and len(err.splitlines()) == 1, err
        assert server.seen == [], "a request was sent although the input is bad"
    finally:
        server.stop()
