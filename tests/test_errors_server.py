"""The error contract for ``cstrdf serve`` facing the open web (docs/errors.md, "Server"): the
real server (Oxigraph backend and front server) on loopback, reached over TCP.

Pinned elsewhere and not repeated: path traversal in its plain, encoded, double-encoded,
overlong-UTF-8 and symlink forms (test_serve_linked_data.py::test_no_path_leaves_the_site),
oversized request lines, headers and bodies, a body without length
(::test_an_overlong_request_line_is_414, ::test_oversized_headers_are_431,
::test_an_oversized_body_is_413_and_a_body_without_length_411, test_serve.py::
test_serve_refuses_oversized_bodies), malformed Accept headers (::test_malformed_accept_headers_are_handled,
::test_any_printable_accept_header_gets_303_or_406), a client that stops sending
(::test_a_slow_client_is_cut_off), a runaway query (::test_a_runaway_query_is_stopped_by_the_timeout),
updates as application/sparql-update and form fields (::test_the_sparql_endpoint_still_answers_and_refuses_updates,
test_serve.py::test_serve_answers_queries_refuses_updates_and_stops_cleanly).
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.parse

import pytest

from cstrdf.errors import ExitCode
from cstrdf.serve import ServeOptions, start
from http_client import raw_request
from misbehaving import Reply, scripted

FOREVER = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def server():
    running = start(ServeOptions(port=0, timeout=2.0, client_timeout=2.0))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def address(server):
    return server.front.server_address[:2]


def request(address, method: str, target: str, headers: dict[str, str] | None = None, body: bytes | None = None,
            timeout: float = 60):
    """One raw HTTP request: (status, body)."""
    status, _, answer = raw_request(address, method, target, headers, body, timeout)
    return status, answer


def ask(address, query: str, timeout: float = 60):
    return request(address, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}),
                   {"Accept": "text/csv"}, timeout=timeout)


def triples(address) -> int:
    status, body = ask(address, COUNT)
    assert status == 200, body
    return int(body.split()[-1])


# -- updates --------------------------------------------------------------------------------------

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
UPDATES = [
    ("GET", "/sparql?" + urllib.parse.urlencode({"update": "DROP ALL"}), {}, None, 403),
    ("GET", "/update?" + urllib.parse.urlencode({"update": "DROP ALL"}), {}, None, 403),
    ("POST", "/update", FORM, urllib.parse.urlencode({"update": "DROP ALL"}).encode(), 403),
    ("POST", "/query", {"Content-Type": "application/sparql-update"}, b"CLEAR ALL", 403),
    ("POST", "/sparql", FORM, urllib.parse.urlencode({"update": "DROP ALL", "query": "ASK {}"}).encode(), 403),
    # an update sent as if it were a query: the read-only backend refuses to parse it
    ("GET", "/sparql?" + urllib.parse.urlencode({"query": "DROP ALL"}), {}, None, 400),
    ("POST", "/sparql", FORM, urllib.parse.urlencode({"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}).encode(), 400),
    ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"DELETE WHERE { ?s ?p ?o }", 400),
    ("PUT", "/sparql", {"Content-Type": "text/turtle"}, b"<urn:a> <urn:b> <urn:c> .", 405),
    ("DELETE", "/sparql", {}, None, 405),
    ("PATCH", "/sparql", {"Content-Type": "application/sparql-update"}, b"DROP ALL", 405),
    ("POST", "/sparql", {"Content-Type": "multipart/form-data; boundary=x"}, b"--x--", 415),
]


def test_updates_are_refused_in_every_form_and_nothing_changes(address):
    before = triples(address)
    got = [(method, target, request(address, method, target, headers, body)[0]) for method, target, headers, body, _ in UPDATES]
    assert got == [(method, target, status) for method, target, _, _, status in UPDATES]
    assert triples(address) == before


# -- SERVICE to arbitrary hosts ------------------------------------------------------------------

@pytest.fixture
def outside():
    """A real HTTP server on loopback that records every request it gets (outside.seen)
    and answers each with application/sparql-results+json."""
    server = scripted(Reply(200, b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"outside"}}]}}', {"Content-Type": "application/sparql-results+json"}))
    yield server
    server.stop()


def send_query(address, method: str, query: str):
    """A query by GET, by POST as a form, or by POST as application/sparql-query: (status, body)."""
    if method == "GET":
        return ask(address, query)
    if method == "POST form":
        return request(address, "POST", "/sparql", {**FORM, "Accept": "text/csv"},
                       urllib.parse.urlencode({"query": query}).encode())
    return request(address, "POST", "/sparql", {"Content-Type": "application/sparql-query", "Accept": "text/csv"},
                   query.encode())


METHODS = ["GET", "POST form", "POST sparql-query"]


@pytest.mark.parametrize("template", [
    "SELECT ?x WHERE {{ SERVICE <{url}> {{ ?x ?p ?o }} }}",
    "SELECT ?x WHERE {{ SERVICE SILENT <{url}> {{ ?x ?p ?o }} }}",
    "select ?x where {{ service <{url}> {{ ?x ?p ?o }} }}",
    "SELECT ?x WHERE {{ VALUES ?where {{ <{url}> }} SERVICE ?where {{ ?x ?p ?o }} }}",
    "ASK {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?x ?p ?o }} }} }} }}",
    "SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{url}> {{ ?x ?p ?o }} }} }} LIMIT 1",
    "SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{url}> {{ ?x ?p ?o }} }} }} LIMIT 1",
    "PREFIX far: <{url}> SELECT * WHERE {{ SERVICE far: {{ ?x ?p ?o }} }}",
    # Oxigraph reads a keyword with no word boundary after it: these are SERVICE calls too
    "PREFIX : <{url}> SELECT * WHERE {{ SERVICE: {{ ?x ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o . SERVICESILENT<{url}> {{ ?x ?p ?o }} }}",
])
@pytest.mark.parametrize("method", METHODS)
def test_service_calls_to_other_hosts_are_off_by_default(address, outside, template, method):
    """A public endpoint must not fetch from arbitrary hosts for its callers (SSRF): SERVICE is
    refused with 403 and a one-line message unless the operator turns it on."""
    status, body = send_query(address, method, template.format(url=outside.url))
    assert outside.seen == [], f"the server called {outside.url} for a client"
    assert status == 403, body
    message = body.decode().strip()
    assert "\n" not in message and "SERVICE is off" in message and "--allow-service" in message


@pytest.mark.parametrize("query", [
    'SELECT ?service WHERE { ?service ?p "SERVICE <http://127.0.0.1:1/> { }" } LIMIT 1',
    "SELECT * WHERE { ?s a <https://schema.org/Service> } # SERVICE <http://127.0.0.1:1/> { }",
    "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> "
    "SELECT * WHERE { ?s a sd:Service ; sd:my-service ?o }",
    "SELECT * WHERE { ?s ?p '''\nservice <http://127.0.0.1:1/> { ?a ?b ?c }\n''' }",
])
@pytest.mark.parametrize("method", METHODS)
def test_the_word_service_in_strings_iris_comments_and_names_calls_nobody(address, query, method):
    """The refusal reads the query's tokens: SERVICE in a string, an IRI, a comment, a variable
    or the local part of a name is no SERVICE call, and the query is answered."""
    status, body = send_query(address, method, query)
    assert status == 200, body


@pytest.fixture(scope="module")
def service_allowed(server):
    running = start(ServeOptions(port=0, timeout=5.0, client_timeout=5.0, allow_service=True, site=server.site))
    yield running.front.server_address[:2]
    running.stop()


@pytest.mark.parametrize("method", METHODS)
def test_with_allow_service_the_call_goes_through(service_allowed, outside, method):
    """``cstrdf serve --allow-service`` is the operator's choice: Oxigraph calls the other
    endpoint (a stand-in on loopback) and its answer comes back."""
    query = f"SELECT ?x WHERE {{ SERVICE <{outside.url}> {{ ?x ?p ?o }} }}"
    status, body = send_query(service_allowed, method, query)
    assert status == 200, body
    assert b"outside" in body
    assert len(outside.seen) == 1


def test_allow_service_is_an_option_of_serve(run):
    assert "--allow-service" in run("serve", "--help").stdout


@pytest.mark.parametrize("module", ["sparql_guard", "serve"])
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"cstrdf.{module}"), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


# -- slow clients and runaway queries -------------------------------------------------------------

def test_a_client_that_trickles_its_request_is_cut_off(address):
    """One header byte every half second never trips a per-read socket timeout; the per-request
    deadline cuts the client off (here: the server runs with client_timeout=2)."""
    import select

    connection = socket.create_connection(address, timeout=5)
    connection.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    began = time.monotonic()
    cut = False
    try:
        while time.monotonic() - began < 20 and not cut:
            readable, _, _ = select.select([connection], [], [], 0.5)
            try:
                if readable:
                    answer = connection.recv(4096)
                    cut = answer == b"" or answer.startswith((b"HTTP/1.1 408", b"HTTP/1.1 4", b"HTTP/1.0 4"))
                if not cut:
                    connection.send(b"a")
            except OSError:  # reset or broken pipe: the server closed the connection
                cut = True
    finally:
        connection.close()
    assert cut, "a client sending one byte every half second held its connection for 20 s"
    assert time.monotonic() - began < 15


def test_many_idle_connections_do_not_stop_the_server(address):
    idle = [socket.create_connection(address, timeout=10) for _ in range(64)]
    try:
        began = time.monotonic()
        status, body = ask(address, "ASK { ?s ?p ?o }", timeout=10)
        assert status == 200 and time.monotonic() - began < 5
    finally:
        for connection in idle:
            connection.close()


def test_a_runaway_query_does_not_hold_up_other_clients(address):
    results = {}

    def runaway():
        results["runaway"] = ask(address, FOREVER)[0]

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    began = time.monotonic()
    assert ask(address, "ASK { ?s ?p ?o }")[0] == 200
    assert time.monotonic() - began < 2
    thread.join(60)
    assert results["runaway"] >= 500
    assert triples(address) > 0  # and the server still answers afterwards


def test_cstrdf_query_against_a_runaway_query_on_serve(run, server):
    """The client side of the server's timeout: exit 4 and one line naming the endpoint."""
    err = run("query", "--sparql", FOREVER, "--endpoint", server.url, "--timeout", "60", expect=ExitCode.REMOTE).stderr
    assert len(err.splitlines()) == 1 and server.url in err and "HTTP 5" in err
