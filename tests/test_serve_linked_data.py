"""``cstrdf serve`` as a linked-data server, tested over real HTTP on loopback: content
negotiation for every media type (303 See Other, 406, Vary, q-values, malformed Accept), the
static site, the w3id path mapping, and the safety limits (path traversal in its encoded
variants, request line, headers, body, slow clients, query timeout)."""

from __future__ import annotations

import os
import socket
import threading
import time
import urllib.parse

import pyoxigraph
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cstrdf.serve import (ServeOptions, iri_to_path, make_front_server, negotiate, parse_accept, path_to_iri,
                          start)
from http_client import raw_request

DOCUMENTS = {
    "text/turtle": (".ttl", "text/turtle; charset=utf-8", pyoxigraph.RdfFormat.TURTLE),
    "application/ld+json": (".jsonld", "application/ld+json", pyoxigraph.RdfFormat.JSON_LD),
    "application/n-triples": (".nt", "application/n-triples", pyoxigraph.RdfFormat.N_TRIPLES),
    "application/rdf+xml": (".rdf", "application/rdf+xml", pyoxigraph.RdfFormat.RDF_XML),
}
PUTIN = "https://w3id.org/cstrdf/id/vladimir-putin"


@pytest.fixture(scope="module")
def server():
    running = start(ServeOptions(port=0, timeout=2.0, client_timeout=2.0))
    yield running
    site = running.site
    running.stop()
    assert not site.exists(), "the temporary site was left behind"


@pytest.fixture(scope="module")
def address(server):
    host, port = server.front.server_address[:2]
    return host, port


def request(address, method: str, target: str, headers: dict[str, str] | None = None, body: bytes | None = None):
    """One raw HTTP request (the target is sent exactly as given): (status, headers, body)."""
    return raw_request(address, method, target, headers, body)


def get(address, target: str, accept: str | None = None):
    return request(address, "GET", target, {"Accept": accept} if accept is not None else {})


# -- content negotiation on a thing's IRI ------------------------------------------------------------

@pytest.mark.parametrize("media_type", sorted(DOCUMENTS))
def test_each_rdf_type_gets_303_to_its_document_then_the_description(address, media_type):
    extension, content_type, fmt = DOCUMENTS[media_type]
    status, headers, _ = get(address, "/id/vladimir-putin", media_type)
    assert status == 303
    assert headers["location"] == f"/id/vladimir-putin{extension}"
    assert headers["vary"] == "Accept"
    status, headers, body = get(address, headers["location"], media_type)
    assert status == 200 and headers["content-type"] == content_type
    triples = list(pyoxigraph.parse(body, format=fmt))
    subjects = {t.subject.value for t in triples if isinstance(t.subject, pyoxigraph.NamedNode)}
    assert PUTIN in subjects
    assert "http://www.wikidata.org/entity/Q7747" in subjects  # the label of what it links to
    assert any(t.predicate.value.endswith("#label") and t.subject.value == "https://w3id.org/cstrdf/id/president-of-russia"
               for t in triples)


def test_html_gets_303_to_the_resource_page(address, server):
    status, headers, _ = get(address, "/id/vladimir-putin", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
    assert (status, headers["location"], headers["vary"]) == (303, "/page/vladimir-putin", "Accept")
    status, headers, body = get(address, "/page/vladimir-putin", "text/html")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert body == (server.site / "page" / "vladimir-putin.html").read_bytes()
    assert b"<h1>Vladimir Putin</h1>" in body


@pytest.mark.parametrize("accept, expected", [
    (None, "/page/russia"),  # no Accept: anything goes, the server prefers HTML
    ("", "/page/russia"),
    ("*/*", "/page/russia"),
    ("text/*", "/page/russia"),
    ("application/*", "/id/russia.jsonld"),
    ("application/json", "/id/russia.jsonld"),
    ("text/turtle;q=0.2, application/rdf+xml;q=0.9", "/id/russia.rdf"),
    ("text/html;q=0, */*", "/id/russia.ttl"),
    ("text/*;q=0.5, text/turtle;q=0", "/page/russia"),
    ("application/n-triples, text/turtle;q=0.999", "/id/russia.nt"),
    ("TEXT/TURTLE", "/id/russia.ttl"),
    ("text/turtle; charset=utf-8; q=0.7, text/html; q=0.6", "/id/russia.ttl"),
    ("application/ld+json;profile=\"http://www.w3.org/ns/json-ld#expanded\"", "/id/russia.jsonld"),
    ("image/png, text/turtle;q=0.01", "/id/russia.ttl"),
])
def test_quality_values_are_honoured(address, accept, expected):
    status, headers, _ = get(address, "/id/russia", accept)
    assert (status, headers.get("location"), headers["vary"]) == (303, expected, "Accept")


@pytest.mark.parametrize("accept", ["image/png", "application/pdf, text/plain", "*/*;q=0",
                                    "text/html;q=0, text/turtle;q=0, application/*;q=0"])
def test_unsupported_types_get_406_listing_what_is_available(address, accept):
    status, headers, body = get(address, "/id/russia", accept)
    assert status == 406 and headers["vary"] == "Accept" and "location" not in headers
    for media_type in ("text/html", "text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"):
        assert media_type.encode() in body


@pytest.mark.parametrize("accept, expected", [
    ("garbage", "/page/russia"),  # nothing well-formed: ignored, as if absent
    (";;;,,,", "/page/russia"),
    ("text/turtle;q=2", "/page/russia"),  # q above 1: the entry is dropped
    ("text/turtle;q=0.1234", "/page/russia"),  # more than three decimals
    ("text/turtle;q=abc, application/ld+json", "/id/russia.jsonld"),
    ("*/turtle, application/rdf+xml", "/id/russia.rdf"),
    ("text/turtle;q", "/page/russia"),
    ("text/turtle;;q=0.5;, application/ld+json;q=0.4", "/id/russia.ttl"),
    ("text/turtle, " * 500, "/id/russia.ttl"),  # long but within the header limit
])
def test_malformed_accept_headers_are_handled(address, accept, expected):
    status, headers, _ = get(address, "/id/russia", accept)
    assert (status, headers.get("location")) == (303, expected)


def test_non_ascii_and_control_bytes_in_accept_do_not_break_the_server(address):
    connection = socket.create_connection(address, timeout=10)
    try:
        connection.sendall(b"GET /id/russia HTTP/1.1\r\nHost: x\r\nAccept: t\xc3\xa9xt/\xff\x01turtle\r\nConnection: close\r\n\r\n")
        answer = connection.recv(4096)
    finally:
        connection.close()
    assert answer.startswith(b"HTTP/1.1 303") or answer.startswith(b"HTTP/1.1 406"), answer[:80]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(accept=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80))
def test_any_printable_accept_header_gets_303_or_406(address, accept):
    status, headers, _ = get(address, "/id/russia", accept)
    assert status in (303, 406) and headers["vary"] == "Accept"
    assert (negotiate(accept) is None) == (status == 406)


def test_the_accept_parser():
    ranges = parse_accept("text/turtle;q=0.5, */*;q=0.1, bad, */x, text/html;q=1.5")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [("text", "turtle", 0.5), ("*", "*", 0.1)]
    assert negotiate(None) == negotiate("") == "html"


def test_head_gets_the_same_headers_without_a_body(address):
    status, headers, body = request(address, "HEAD", "/id/russia", {"Accept": "text/turtle"})
    assert (status, headers["location"], headers["vary"], body) == (303, "/id/russia.ttl", "Accept", b"")
    status, headers, body = request(address, "HEAD", "/id/russia.ttl")
    assert status == 200 and int(headers["content-length"]) > 100 and body == b""


def test_unknown_resources_are_404(address):
    assert get(address, "/id/no-such-thing", "text/turtle")[0] == 404
    assert get(address, "/id/no-such-thing.ttl")[0] == 404
    assert get(address, "/page/no-such-thing")[0] == 404
    assert get(address, "/nothing-here.html")[0] == 404


# -- the ontology, the dataset and the site -------------------------------------------------------

@pytest.mark.parametrize("path", ["/ontology", "/ontology/0.1.0"])
def test_the_ontology_iri_negotiates_too(address, path):
    assert get(address, path, "text/html")[1]["location"] == "/ontology.html"
    status, headers, _ = get(address, path, "text/turtle")
    assert (status, headers["location"], headers["vary"]) == (303, "/ontology.ttl", "Accept")
    status, headers, body = get(address, "/ontology.ttl")
    assert headers["content-type"] == "text/turtle; charset=utf-8"
    triples = list(pyoxigraph.parse(body, format=pyoxigraph.RdfFormat.TURTLE))
    assert any(t.subject.value == "https://w3id.org/cstrdf/ontology" and t.object.value.endswith("#Ontology") for t in triples)
    assert get(address, path, "image/png")[0] == 406


def test_the_dataset_iri_leads_to_the_landing_page_or_the_void_description(address):
    assert get(address, "/dataset", "text/html")[1]["location"] == "/index.html"
    assert get(address, "/dataset", "text/turtle")[1]["location"] == "/data/void.ttl"
    assert get(address, "/dataset", "application/ld+json")[0] == 406
    status, headers, body = get(address, "/data/void.ttl")
    assert status == 200 and b"void:Dataset" in body


def test_the_static_site_is_served_byte_for_byte(address, server):
    for relative in ("index.html", "article.html", "assets/site.css", "data/cstrdf.nt", "query/q01-members-at-moscow-summit.rq"):
        status, headers, body = get(address, "/" + relative)
        assert status == 200, relative
        assert body == (server.site / relative).read_bytes(), relative
        assert headers["x-content-type-options"] == "nosniff"
    status, _, body = get(address, "/")
    assert status == 200 and body == (server.site / "index.html").read_bytes()


def test_the_sparql_endpoint_still_answers_and_refuses_updates(address):
    query = urllib.parse.quote("ASK { ?s a <https://w3id.org/cstrdf/ontology#State> }")
    status, headers, body = get(address, f"/sparql?query={query}", "application/sparql-results+json")
    assert status == 200 and b'"boolean":true' in body.replace(b" ", b"")
    status, _, _ = request(address, "POST", "/sparql", {"Content-Type": "application/sparql-update"}, b"DROP ALL")
    assert status == 403
    assert request(address, "POST", "/id/russia", {"Content-Type": "text/turtle"}, b"<a> <b> <c> .")[0] == 405


def test_a_runaway_query_is_stopped_by_the_timeout(address):
    query = urllib.parse.quote("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
    began = time.monotonic()
    status, _, _ = get(address, f"/sparql?query={query}", "application/sparql-results+json")
    assert status >= 500 and time.monotonic() - began < 20


# -- the w3id mapping ------------------------------------------------------------------------------

def test_w3id_iris_map_to_paths_and_back():
    assert iri_to_path(PUTIN) == "/id/vladimir-putin"
    assert iri_to_path("https://w3id.org/cstrdf/ontology#Proposal") == "/ontology"
    assert iri_to_path(PUTIN, "/cstrdf/") == "/cstrdf/id/vladimir-putin"
    assert iri_to_path("https://example.org/x") is None
    assert path_to_iri("/id/vladimir-putin") == PUTIN
    assert path_to_iri("/cstrdf/id/vladimir-putin", "/cstrdf") == PUTIN
    assert path_to_iri("/other/id/x", "/cstrdf") is None


def test_a_deployment_under_a_base_path(server):
    """The same site and backend behind a front server mapped to /cstrdf (as behind w3id)."""
    options = ServeOptions(port=0, base_path="/cstrdf")
    front = make_front_server(options, server.backend.url, server.site)
    thread = threading.Thread(target=front.serve_forever, daemon=True)
    thread.start()
    try:
        address = front.server_address[:2]
        status, headers, _ = get(address, "/cstrdf/id/vladimir-putin", "text/turtle")
        assert (status, headers["location"]) == (303, "/cstrdf/id/vladimir-putin.ttl")
        assert get(address, "/cstrdf/id/vladimir-putin", "text/html")[1]["location"] == "/cstrdf/page/vladimir-putin"
        assert get(address, "/cstrdf/id/vladimir-putin.ttl")[0] == 200
        assert get(address, "/cstrdf/")[0] == 200
        assert get(address, "/id/vladimir-putin", "text/turtle")[0] == 404
        query = urllib.parse.quote("ASK {}")
        assert get(address, f"/cstrdf/sparql?query={query}", "application/sparql-results+json")[0] == 200
    finally:
        front.shutdown()
        front.server_close()


# -- safety ---------------------------------------------------------------------------------------

TRAVERSALS = [
    "/../secret.txt",
    "/../../../../etc/passwd",
    "/%2e%2e/secret.txt",
    "/%2E%2E/%2E%2E/etc/passwd",
    "/%252e%252e/secret.txt",
    "/assets/..%2f..%2fsecret.txt",
    "/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
    "/page/..%2F..%2Fsecret",
    "/id/..%2fsecret.txt",
    "/id/%2e%2e",
    "/assets/..\\..\\secret.txt",
    "/assets/%5c..%5c..%5csecret.txt",
    "/index.html%00.ttl",
    "/.cstrdf-site",
    "/%2ecstrdf-site",
    "/data/./../../secret.txt",
    "//etc/passwd",
    "/outside/secret.txt",
    "/%c0%ae%c0%ae/secret.txt",  # overlong UTF-8 for '.'
    "http://127.0.0.1/../secret.txt",  # absolute-form: this is not a proxy
    "*",
]


@pytest.fixture(scope="module")
def planted(server):
    """A secret beside the site, and a symbolic link inside the site that points at it."""
    secret = server.site.parent / "secret.txt"
    secret.write_text("TOP SECRET\n")
    (server.site / "outside").symlink_to(server.site.parent, target_is_directory=True)
    return secret


@pytest.mark.parametrize("target", TRAVERSALS)
def test_no_path_leaves_the_site(address, planted, target):
    status, _, body = request(address, "GET", target)
    assert b"TOP SECRET" not in body and b"root:" not in body
    assert status in (400, 404), (target, status)


def test_an_overlong_request_line_is_414(address):
    status, _, _ = get(address, "/" + "a" * 9000)
    assert status == 414


def test_oversized_headers_are_431(address):
    assert request(address, "GET", "/", {"X-Big": "x" * 20000})[0] == 431
    assert request(address, "GET", "/", {f"X-{i}": "y" * 200 for i in range(90)})[0] == 431
    assert request(address, "GET", "/", {f"X-{i}": "y" for i in range(120)})[0] == 431


def test_an_oversized_body_is_413_and_a_body_without_length_411(address):
    big = b"query=" + b"x" * ((1 << 20) + 10)
    assert request(address, "POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"}, big)[0] == 413
    connection = socket.create_connection(address, timeout=10)
    try:
        connection.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n\r\n")
        assert connection.recv(4096).startswith(b"HTTP/1.1 411")
    finally:
        connection.close()


def test_a_slow_client_is_cut_off(address):
    connection = socket.create_connection(address, timeout=15)
    try:
        connection.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\n")  # never finishes the headers
        began = time.monotonic()
        assert connection.recv(4096) == b""  # the server closed the connection
        assert 1.5 < time.monotonic() - began < 10
    finally:
        connection.close()


def test_it_listens_on_loopback_by_default(server):
    assert ServeOptions().host == "127.0.0.1"
    assert server.front.server_address[0] == "127.0.0.1"
    assert os.path.isdir(server.site)
