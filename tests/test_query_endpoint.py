"""Remote queries through SPARQLWrapper: every catalogue query on a real Oxigraph server gives
the expected rows; failures are one line naming the endpoint; 429/503 are retried.

The publication endpoint is the ``publication_endpoint`` fixture (tests/conftest_endpoints.py).
The misbehaving endpoints below are real HTTP servers on loopback that answer 503, ask for
credentials or never answer: the code under test talks to them over sockets like to any server.
"""

from __future__ import annotations

import base64
import http.server
import json
import socket
import threading
import time

import pytest

from cstrdf.wikidata import is_federated
from cstrdf.catalogue import catalogue, read_expectation
from cstrdf.errors import RemoteError, UsageError
from cstrdf.sparql import prepare, query_endpoint, run_query
from test_queries import check_rows

QUERIES = [q for q in catalogue() if not is_federated(q.text)]  # federated ones: test_federation.py


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize("query", QUERIES, ids=[q.name for q in QUERIES])
def test_catalogue_on_a_real_endpoint(query, method, publication_endpoint):
    params = dict(read_expectation(query.expectation_path).params)
    result = run_query(query, params=params, endpoint=publication_endpoint.query_url, method=method, timeout=30)
    check_rows(query, result)


def test_describe_and_hostile_parameters_remotely(publication_endpoint):
    described = run_query(sparql="DESCRIBE <https://w3id.org/cstrdf/id/russia>", endpoint=publication_endpoint.query_url)
    assert described.kind == "construct" and len(described.triples) > 3
    hostile = run_query("q13", params={"resource": 'x" } ; DROP ALL ; {'}, endpoint=publication_endpoint.query_url)
    assert hostile.rows == ()
    count = run_query(sparql="SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", endpoint=publication_endpoint.query_url)
    assert int(count.rows[0][0].lexical) == publication_endpoint.triples


def test_refused_connection_names_the_endpoint():
    from cstrdf.serve import free_port

    url = f"http://127.0.0.1:{free_port()}/sparql"
    with pytest.raises(RemoteError) as failure:
        run_query("q01", endpoint=url, timeout=5, retries=0)
    message = str(failure.value)
    assert url in message and "\n" not in message and "refused" in message.lower()


def test_http_error_names_the_endpoint(publication_endpoint):
    url = publication_endpoint.url + "/no-such-path"
    with pytest.raises(RemoteError, match=r"endpoint http://127\.0\.0\.1:\d+/no-such-path: HTTP 404"):
        run_query("q01", endpoint=url, timeout=5)


# -- small real servers that misbehave ------------------------------------------------------

ANSWER = {"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"type": "literal", "value": "ok"}}]}}


class Handler(http.server.BaseHTTPRequestHandler):
    """Answers 503 (with Retry-After) ``busy`` times, then 200; checks basic auth if asked."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.answer()

    def do_GET(self):  # noqa: N802
        self.answer()

    def answer(self):
        server = self.server
        server.requests.append((time.monotonic(), self.headers.get("Authorization")))
        if server.credentials and self.headers.get("Authorization") != "Basic " + server.credentials:
            return self.send(401, b"who are you?", {"WWW-Authenticate": 'Basic realm="test"'})
        if server.busy > 0:
            server.busy -= 1
            return self.send(server.busy_code, b"busy", {"Retry-After": server.retry_after})
        self.send(200, json.dumps(ANSWER).encode(), {"Content-Type": "application/sparql-results+json"})

    def send(self, status, body, headers):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def flaky_server():
    """``flaky_server(busy=2, code=503, retry_after="0", credentials=None)`` → URL."""
    servers = []

    def start(busy=0, code=503, retry_after="0", credentials=None):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.busy, server.busy_code, server.retry_after = busy, code, retry_after
        server.credentials, server.requests = credentials, []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server, f"http://127.0.0.1:{server.server_address[1]}/sparql"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("code", [503, 429])
def test_busy_endpoint_is_retried_honoring_retry_after(code, flaky_server):
    server, url = flaky_server(busy=2, code=code, retry_after="1")
    result = query_endpoint(url, prepare("SELECT ?x WHERE {}"), retries=3, backoff=0.01)
    assert [row[0].lexical for row in result.rows] == ["ok"]
    times = [t for t, _ in server.requests]
    assert len(times) == 3
    assert times[1] - times[0] >= 0.9 and times[2] - times[1] >= 0.9  # waited as Retry-After asked


def test_busy_endpoint_gives_up_after_the_retries(flaky_server):
    server, url = flaky_server(busy=10, code=503, retry_after="0")
    with pytest.raises(RemoteError, match=rf"endpoint {url}: HTTP 503"):
        query_endpoint(url, prepare("SELECT ?x WHERE {}"), retries=2)
    assert len(server.requests) == 3


def test_password_comes_from_the_environment(flaky_server, monkeypatch):
    token = base64.b64encode(b"reader:s3cret").decode()
    server, url = flaky_server(credentials=token)
    monkeypatch.delenv("CSTRDF_PASSWORD", raising=False)
    with pytest.raises(UsageError, match="CSTRDF_PASSWORD"):
        run_query(sparql="SELECT ?x WHERE {}", endpoint=url, user="reader")
    monkeypatch.setenv("CSTRDF_PASSWORD", "wrong")
    with pytest.raises(RemoteError, match="HTTP 401"):
        run_query(sparql="SELECT ?x WHERE {}", endpoint=url, user="reader")
    monkeypatch.setenv("CSTRDF_PASSWORD", "s3cret")
    result = run_query(sparql="SELECT ?x WHERE {}", endpoint=url, user="reader")
    assert result.rows[0][0].lexical == "ok"
    assert server.requests[-1][1] == "Basic " + token


def test_timeout_names_the_endpoint():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts connections, never answers
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    try:
        started = time.monotonic()
        with pytest.raises(RemoteError, match=rf"endpoint {url}: no answer within 1"):
            run_query(sparql="ASK {}", endpoint=url, timeout=1)
        assert time.monotonic() - started < 10
    finally:
        listener.close()
