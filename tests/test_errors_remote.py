"""The error contract for remote endpoints (docs/errors.md, "Remote"), through the real command
line: one line ``cstrdf: error: … endpoint URL …: cause`` and exit 4.

The failing endpoints are real HTTP servers on loopback (tests/misbehaving.py) that answer
exactly the status, headers and body a test scripts, or never answer; the row-limit test runs
on a real Virtuoso started with a small ``ResultSetMaxRows``.

Pinned elsewhere and not repeated: a refused connection (test_cli_query.py::
test_endpoint_failure_is_one_line_naming_it, test_query_endpoint.py::
test_refused_connection_names_the_endpoint), a 404 on a real Oxigraph server
(test_query_endpoint.py::test_http_error_names_the_endpoint), 429/503 retried as Retry-After
asks and given up after the retries (::test_busy_endpoint_is_retried_honoring_retry_after,
::test_busy_endpoint_gives_up_after_the_retries), basic-auth passwords from the environment
(::test_password_comes_from_the_environment); for ``load``: wrong password, stopped server and
unknown host (test_load.py).
"""

from __future__ import annotations

import time
from email.utils import formatdate

import pytest

from cstrdf.errors import ExitCode
from misbehaving import Reply, scripted, silent

SELECT = "SELECT ?x WHERE { ?x ?p ?o }"
CONSTRUCT = "CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }"
ANSWER = Reply(200, b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"ok"}}]}}',
               {"Content-Type": "application/sparql-results+json"})
HTML = (b"<!DOCTYPE html>\n<html><head><title>Down for maintenance</title></head>\n"
        b"<body><h1>We'll be back soon</h1><p>Sorry.</p></body></html>\n")


@pytest.fixture
def endpoint():
    """``endpoint(*replies)`` → a started scripted server (stopped after the test)."""
    started = []

    def start(*replies: Reply):
        server = scripted(*replies)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def failure(run, url: str, *args: str, query: str = SELECT) -> str:
    """Run ``query`` on ``url``; assert exit 4 and one stderr line naming the endpoint."""
    result = run("query", "--sparql", query, "--endpoint", url, *args, expect=ExitCode.REMOTE)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and url in lines[0] and lines[0].startswith("cstrdf: error: "), result.stderr
    assert result.stdout == ""
    return lines[0]


# -- cannot connect -------------------------------------------------------------------------------

def test_unknown_host(run):
    line = failure(run, "http://no-such-host.invalid/sparql", "--timeout", "10")
    assert "unknown host" in line


def test_tls_to_a_server_that_speaks_plain_http(run, endpoint):
    server = endpoint(ANSWER)
    url = server.url.replace("http://", "https://")
    line = failure(run, url, "--timeout", "10")
    assert "TLS error" in line and "does it speak https?" in line


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/sparql", "127.0.0.1:7878/query", "http:///x"])
def test_an_endpoint_that_is_not_an_http_url_is_a_usage_error(run, url):
    err = run("query", "--sparql", SELECT, "--endpoint", url, expect=ExitCode.USAGE).stderr
    assert err == f"cstrdf: error: not an http(s) endpoint URL: {url!r} (e.g. http://127.0.0.1:7878/query)\n"
    assert "root:" not in err


def test_load_refuses_a_file_url_too(run):
    err = run("load", "--endpoint", "file:///tmp", "--store", "oxigraph", expect=ExitCode.USAGE).stderr
    assert "not an http(s) endpoint URL" in err


# -- HTTP errors ----------------------------------------------------------------------------------

def test_401_says_where_the_password_comes_from(run, endpoint, monkeypatch):
    server = endpoint(Reply(401, b"who are you?", {"WWW-Authenticate": 'Basic realm="sparql"'}))
    line = failure(run, server.url)
    assert "HTTP 401" in line and "$CSTRDF_PASSWORD" in line
    monkeypatch.setenv("CSTRDF_PASSWORD", "wrong-secret-1234")
    line = failure(run, server.url, "--user", "reader")
    assert "HTTP 401" in line and "wrong-secret-1234" not in line


def test_403(run, endpoint):
    assert failure(run, endpoint(Reply(403, b"not for you")).url).endswith(": HTTP 403 Forbidden: not for you")


def test_404(run, endpoint):
    assert ": HTTP 404 " in failure(run, endpoint(Reply(404, b"no such endpoint")).url)


def test_500_gives_the_first_line_of_the_server_message(run, endpoint):
    server = endpoint(Reply(500, b"Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error\nmore detail\n"))
    line = failure(run, server.url)
    assert line.endswith("HTTP 500 EndPointInternalError: Virtuoso 37000 Error SP030: SPARQL compiler, line 1: syntax error")


def test_503_is_retried_then_given_up(run, endpoint):
    server = endpoint(Reply(503, b"busy", {"Retry-After": "0"}))
    assert ": HTTP 503 " in failure(run, server.url)
    assert len(server.seen) == 4  # the first try and three retries


def test_429_waits_as_retry_after_asks_then_answers(run, endpoint):
    when = formatdate(time.time() + 4, usegmt=True)  # the HTTP-date form of Retry-After
    server = endpoint(Reply(429, b"slow down", {"Retry-After": "1"}), Reply(429, b"slow down", {"Retry-After": when}),
                      ANSWER)
    result = run("query", "--sparql", SELECT, "--endpoint", server.url, "--format", "csv")
    assert result.stdout == "x\r\nok\r\n"
    times = [seen.at for seen in server.seen]
    assert len(times) == 3 and times[1] - times[0] >= 0.9 and times[2] - times[1] >= 0.9


def test_429_asking_for_too_long_a_wait_fails_at_once(run, endpoint):
    server = endpoint(Reply(429, b"come back tomorrow", {"Retry-After": "86400"}))
    began = time.monotonic()
    line = failure(run, server.url)
    assert line.endswith("HTTP 429, asks to retry after 86400 s (more than 60 s)")
    assert len(server.seen) == 1 and time.monotonic() - began < 10


# -- no answer, or not an answer ----------------------------------------------------------------

def test_an_endpoint_that_never_answers(run):
    listener = silent()
    try:
        began = time.monotonic()
        assert failure(run, listener.url, "--timeout", "1").endswith(": no answer within 1 s")
        assert time.monotonic() - began < 10
    finally:
        listener.stop()


def test_an_answer_slower_than_the_timeout(run, endpoint):
    server = endpoint(Reply(200, ANSWER.body, ANSWER.headers, delay=4))
    assert failure(run, server.url, "--timeout", "1").endswith(": no answer within 1 s")


@pytest.mark.parametrize("query", [SELECT, CONSTRUCT])
def test_an_html_page_instead_of_results(run, endpoint, query):
    server = endpoint(Reply(200, HTML, {"Content-Type": "text/html; charset=utf-8"}))
    line = failure(run, server.url, query=query)
    assert line.endswith(': the answer is an HTML page "Down for maintenance", not SPARQL results '
                         "(text/html; charset=utf-8)")


def test_an_html_error_page(run, endpoint):
    server = endpoint(Reply(502, HTML, {"Content-Type": "text/html"}))
    assert failure(run, server.url).endswith(': HTTP 502 Bad Gateway: an HTML page "Down for maintenance"')


@pytest.mark.parametrize("body", [b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": {"ty',
                                  b"", b"x\nok\n", b'{"unexpected": true}', b"[1, 2]", b'{"boolean": "yes"}',
                                  b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": 7}]}}'])
def test_a_broken_results_document(run, endpoint, body):
    server = endpoint(Reply(200, body, {"Content-Type": "application/sparql-results+json"}))
    assert "the answer is not SPARQL JSON results (application/sparql-results+json)" in failure(run, server.url)


# -- results cut by a server limit (real Virtuoso) ------------------------------------------------

@pytest.fixture(scope="module")
def small_virtuoso(tmp_path_factory):
    """A private Virtuoso whose ResultSetMaxRows is 5: it cuts every bigger answer and says so
    only in the X-SPARQL-MaxRows header."""
    from servers import VirtuosoServer

    class SmallVirtuoso(VirtuosoServer):
        def write_ini(self):
            ini = super().write_ini()
            text = ini.read_text()
            assert "ResultSetMaxRows = 100000" in text
            ini.write_text(text.replace("ResultSetMaxRows = 100000", "ResultSetMaxRows = 5"))
            return ini

    server = SmallVirtuoso(tmp_path_factory.mktemp("virtuoso-small")).start()
    yield server
    server.stop()


ALL_ROWS = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


def test_rows_cut_by_virtuosos_limit_are_warned_about(run, small_virtuoso):
    result = run("query", "--sparql", ALL_ROWS, "--endpoint", small_virtuoso.query_url, "--format", "csv")
    assert len(result.stdout.strip().splitlines()) == 1 + 5  # header and the 5 rows it sent
    assert result.stderr == (
        f"cstrdf: warning: endpoint {small_virtuoso.query_url}: the server cut the answer at 5 rows "
        "(X-SPARQL-MaxRows); more may exist: page with ORDER BY, LIMIT and OFFSET, or raise the server's limit\n"
    )


def test_virtuoso_cuts_construct_answers_without_saying_so(run, small_virtuoso):
    """A known limit of the contract: Virtuoso 7.2 also cuts CONSTRUCT answers near
    ResultSetMaxRows but sends no X-SPARQL-MaxRows header with them, so nothing tells cstrdf;
    docs/errors.md says to count with SELECT (COUNT(*)) first. This test notices when that changes."""
    result = run("query", "--sparql", "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "--endpoint",
                 small_virtuoso.query_url, "--format", "nt")
    total = run("query", "--sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--endpoint",
                small_virtuoso.query_url, "--format", "csv").stdout.split()[-1]
    assert len(result.stdout.strip().splitlines()) < int(total)
    assert result.stderr == ""


def test_an_answer_under_the_limit_has_no_warning(run, small_virtuoso):
    result = run("query", "--sparql", ALL_ROWS + " LIMIT 3", "--endpoint", small_virtuoso.query_url, "--format", "csv")
    assert len(result.stdout.strip().splitlines()) == 1 + 3 and result.stderr == ""


def test_the_warning_never_enters_the_output_file(run, small_virtuoso, tmp_path):
    target = tmp_path / "rows.csv"
    result = run("query", "--sparql", ALL_ROWS, "--endpoint", small_virtuoso.query_url, "--output", target)
    assert "X-SPARQL-MaxRows" in result.stderr and "X-SPARQL-MaxRows" not in target.read_text()
