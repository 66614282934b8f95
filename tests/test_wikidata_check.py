"""``cstrdf link check|suggest|refresh`` against a real local server standing in for Wikidata
(an Oxigraph server loaded with the snapshot), through the same SPARQLWrapper code path as the
live endpoint. Planted faults: a wrong QID, a wrong type, a redirect, a deleted item, an
unreachable endpoint, a rate limit. ``pytest --live`` adds the real Wikidata endpoint."""

from __future__ import annotations

import http.server
import threading
import urllib.request
from pathlib import Path

import pytest

from cstrdf import wikidata
from cstrdf.errors import ExitCode
from cstrdf.serve import free_port

WD = wikidata.WD
CSTID = "https://w3id.org/cstrdf/id/"


def pytest_generate_tests(metafunc):
    if "any_endpoint" in metafunc.fixturenames:
        names = ["local"] + (["live"] if metafunc.config.getoption("--live") else [])
        metafunc.parametrize("any_endpoint", names, indirect=True)


@pytest.fixture
def any_endpoint(request, wikidata_endpoint):
    return wikidata_endpoint.query_url if request.param == "local" else wikidata.DEFAULT_ENDPOINT


def links_copy(tmp_path: Path, *, retarget: dict[str, str] = {}, expect_type: dict[str, str] = {}, drop: tuple[str, ...] = ()) -> Path:
    """A copy of the links file with some targets or expected types changed, or records dropped."""
    import rdflib

    graph = rdflib.Graph().parse(wikidata.default_links_path())
    cst = rdflib.Namespace("https://w3id.org/cstrdf/ontology#")
    for slug, qid in retarget.items():
        entity, record = rdflib.URIRef(CSTID + slug), rdflib.URIRef(CSTID + "wikidata-link-" + slug)
        old = graph.value(record, cst.linkTarget)
        graph.set((record, cst.linkTarget, rdflib.URIRef(WD + qid)))
        for predicate in (rdflib.OWL.sameAs, rdflib.SKOS.closeMatch):
            if (entity, predicate, old) in graph:
                graph.remove((entity, predicate, old))
                graph.add((entity, predicate, rdflib.URIRef(WD + qid)))
    for slug, qid in expect_type.items():
        graph.set((rdflib.URIRef(CSTID + "wikidata-link-" + slug), cst.expectedType, rdflib.URIRef(WD + qid)))
    for slug in drop:
        record = rdflib.URIRef(CSTID + "wikidata-link-" + slug)
        graph.remove((record, None, None))
        graph.remove((rdflib.URIRef(CSTID + slug), rdflib.OWL.sameAs, None))
    path = tmp_path / "links.ttl"
    graph.serialize(path, format="turtle")
    return path


def load_server(server, *extra_turtle: str) -> None:
    """Put the snapshot (plus ``extra_turtle``) into a fresh Oxigraph server's default graph."""
    data = wikidata.default_snapshot_path().read_bytes() + "\n".join(extra_turtle).encode()
    request = urllib.request.Request(server.url + "/store?default", data=data, method="POST",
                                     headers={"Content-Type": "text/turtle"})
    urllib.request.urlopen(request, timeout=30).close()


# -- check ----------------------------------------------------------------------------------

def test_check_passes_against_the_endpoint(run, any_endpoint):
    result = run("link", "check", "--endpoint", any_endpoint, "--no-fallback")
    assert f"answered by {any_endpoint}" in result.stdout
    assert "all links check out" in result.stdout


def test_check_offline_passes_and_says_so(run):
    result = run("link", "check", "--offline")
    assert "answered from the snapshot" in result.stdout and "(offline)" in result.stdout
    assert "37 targets checked" in result.stdout


def test_environment_variable_names_the_endpoint(run, wikidata_endpoint, monkeypatch):
    monkeypatch.setenv(wikidata.ENDPOINT_ENV, wikidata_endpoint.query_url)
    result = run("link", "check", "--no-fallback")
    assert f"answered by {wikidata_endpoint.query_url}" in result.stdout


def test_wrong_qid_is_a_label_mismatch(run, wikidata_endpoint, tmp_path):
    links = links_copy(tmp_path, retarget={"vladimir-putin": "Q2866"})
    result = run("link", "check", "--endpoint", wikidata_endpoint.query_url, "--no-fallback", "--links", links,
                 "--format", "json", expect=ExitCode.NOT_CONFORMING)
    problems = result.json()["problems"]
    assert [(p["entity"], p["item"], p["problem"]) for p in problems] == [(CSTID + "vladimir-putin", "Q2866", "label")]
    assert "Alexander Lukashenko" in problems[0]["detail"] and "Vladimir Putin" in problems[0]["detail"]


def test_wrong_expected_type_is_a_type_mismatch(run, wikidata_endpoint, tmp_path):
    # the record now expects the Kremlin to be a human (and no longer a kremlin)
    links = links_copy(tmp_path, expect_type={"kremlin": "Q5"})
    import rdflib

    graph = rdflib.Graph().parse(links)
    record = rdflib.URIRef(CSTID + "wikidata-link-kremlin")
    graph.remove((record, rdflib.URIRef("https://w3id.org/cstrdf/ontology#expectedType"), rdflib.URIRef(WD + "Q263274")))
    graph.serialize(links, format="turtle")
    result = run("link", "check", "--endpoint", wikidata_endpoint.query_url, "--no-fallback", "--links", links,
                 expect=ExitCode.NOT_CONFORMING)
    assert "PROBLEM type: cstid:kremlin (Moscow Kremlin) -> wd:Q133274: Q133274 is an instance of Q263274, expected one of Q5" in result.stdout


def test_wrong_type_at_the_endpoint_is_a_type_mismatch(run, oxigraph_server):
    # the endpoint, not the record, is wrong: Wikidata now says Putin is a city
    load_server(oxigraph_server)
    update = urllib.request.Request(oxigraph_server.url + "/update", method="POST", headers={"Content-Type": "application/sparql-update"},
                                    data=b"DELETE DATA { <http://www.wikidata.org/entity/Q7747> <http://www.wikidata.org/prop/direct/P31> <http://www.wikidata.org/entity/Q5> } ;"
                                         b"INSERT DATA { <http://www.wikidata.org/entity/Q7747> <http://www.wikidata.org/prop/direct/P31> <http://www.wikidata.org/entity/Q515> }")
    urllib.request.urlopen(update, timeout=30).close()
    result = run("link", "check", "--endpoint", oxigraph_server.query_url, "--no-fallback", "--format", "json",
                 expect=ExitCode.NOT_CONFORMING)
    assert [(p["item"], p["problem"]) for p in result.json()["problems"]] == [("Q7747", "type")]


def test_redirected_and_deleted_items(run, oxigraph_server, tmp_path):
    # Q4000000 was merged into Q7747 (Wikidata keeps `wd:old owl:sameAs wd:new`); Q4115189 is gone
    load_server(oxigraph_server, "<http://www.wikidata.org/entity/Q4000000> <http://www.w3.org/2002/07/owl#sameAs> <http://www.wikidata.org/entity/Q7747> .")
    links = links_copy(tmp_path, retarget={"vladimir-putin": "Q4000000", "moscow": "Q4115189"})
    result = run("link", "check", "--endpoint", oxigraph_server.query_url, "--no-fallback", "--links", links,
                 "--format", "json", expect=ExitCode.NOT_CONFORMING)
    found = {(p["item"], p["problem"]) for p in result.json()["problems"]}
    assert ("Q4000000", "redirected") in found and ("Q4115189", "missing") in found
    assert {problem for _, problem in found} <= {"redirected", "missing", "label"}


def test_unreachable_endpoint_exits_4_without_fallback(run):
    dead = f"http://127.0.0.1:{free_port()}/query"
    result = run("link", "check", "--endpoint", dead, "--no-fallback", expect=ExitCode.REMOTE)
    assert f"cstrdf: error: cannot reach endpoint {dead}" in result.stderr


def test_unreachable_endpoint_falls_back_to_the_snapshot_and_says_so(run):
    dead = f"http://127.0.0.1:{free_port()}/query"
    result = run("link", "check", "--endpoint", dead)
    assert "NOTE: the endpoint could not be used (cannot reach endpoint" in result.stdout
    assert "NOTE:" in result.stderr
    json_result = run("link", "check", "--endpoint", dead, "--format", "json").json()
    assert json_result["fallback_reason"].startswith("cannot reach endpoint") and json_result["source"] == "snapshot"


def test_json_envelope(run):
    payload = run("link", "check", "--offline", "--format", "json").json()
    assert set(payload) == {"format_version", "command", "ok", "source", "snapshot", "fallback_reason", "links",
                            "checked", "status", "problems", "warnings"}
    assert payload["status"] == {"noItem": 59, "unverified": 29, "verified": 37}


# -- the HTTP side: one batched request, our User-Agent, Retry-After honoured ----------------

class RateLimitingProxy(http.server.ThreadingHTTPServer):
    """A loopback server that answers the first ``refusals`` requests with 429 (Retry-After: 1)
    and forwards the rest to ``upstream``; it records each request's User-Agent."""

    def __init__(self, upstream: str, refusals: int) -> None:
        self.upstream, self.refusals, self.seen = upstream, refusals, []
        super().__init__(("127.0.0.1", free_port()), _ProxyHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/query"


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        server = self.server
        server.seen.append(self.headers.get("User-Agent"))
        if len(server.seen) <= server.refusals:
            self.send_response(429)
            self.send_header("Retry-After", "1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        request = urllib.request.Request(server.upstream, data=body, method="POST", headers={
            "Content-Type": self.headers.get("Content-Type"), "Accept": self.headers.get("Accept", "*/*")})
        with urllib.request.urlopen(request, timeout=30) as answer:
            data = answer.read()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.headers.get("Content-Type"))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)


@pytest.fixture
def rate_limited(wikidata_endpoint):
    proxy = RateLimitingProxy(wikidata_endpoint.query_url, refusals=1)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    yield proxy
    proxy.shutdown()
    proxy.server_close()


def test_one_batched_request_with_user_agent_and_retry_after(rate_limited):
    import time

    started = time.monotonic()
    report = wikidata.check_links(endpoint=rate_limited.url, fallback=False)
    assert report.ok and report.checked == 37
    # one refused request, then ONE request for all 37 items (not one per item)
    assert len(rate_limited.seen) == 2
    assert set(rate_limited.seen) == {wikidata.USER_AGENT}
    assert "cstrdf/" in wikidata.USER_AGENT and "https://" in wikidata.USER_AGENT
    assert time.monotonic() - started >= 1.0, "Retry-After: 1 was not honoured"


def test_chunks_of_items(wikidata_endpoint, monkeypatch):
    proxy = RateLimitingProxy(wikidata_endpoint.query_url, refusals=0)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        report = wikidata.check_links(endpoint=proxy.url, fallback=False, chunk=10)
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert report.ok
    targets = {l.qid for l in wikidata.read_links() if l.qid}
    assert len(proxy.seen) == -(-len(targets) // 10)


# -- suggest --------------------------------------------------------------------------------

def test_suggest_finds_the_item_for_an_unlinked_entity_and_writes_nothing(run, wikidata_endpoint, tmp_path):
    links = links_copy(tmp_path, drop=("vladimir-putin",))
    before = links.read_bytes()
    result = run("link", "suggest", "--endpoint", wikidata_endpoint.query_url, "--no-fallback", "--links", links,
                 "--format", "json")
    suggestions = {s["entity"]: s for s in result.json()["suggestions"]}
    putin = suggestions[CSTID + "vladimir-putin"]
    assert putin["status"] == "unlinked"
    assert putin["candidates"][0] == {"item": "Q7747", "label": "Vladimir Putin", "matched": "label", "types": ["Q5"],
                                      "type_fit": True, "score": 3}
    assert suggestions[CSTID + "robert-kocharian"]["candidates"] == []
    assert links.read_bytes() == before
    text = run("link", "suggest", "--endpoint", wikidata_endpoint.query_url, "--links", links).stdout
    assert "wd:Q7747 'Vladimir Putin' [label match, type fits; P31 Q5] score 3" in text


def test_suggest_ranks_type_fit_above_a_bare_name_match(wikidata_endpoint, oxigraph_server, tmp_path):
    # a second "Moscow" that is not a city (a ship, say) ranks below the city
    load_server(oxigraph_server, '<http://www.wikidata.org/entity/Q4000001> <http://www.w3.org/2000/01/rdf-schema#label> "Moscow"@en ;'
                                 ' <http://www.wikidata.org/prop/direct/P31> <http://www.wikidata.org/entity/Q11446> .',
                '<http://www.wikidata.org/entity/Q649> <http://www.wikidata.org/prop/direct/P31> <http://www.wikidata.org/entity/Q5119> .')
    links = links_copy(tmp_path, drop=("moscow",))
    report = wikidata.suggest_links(links, endpoint=oxigraph_server.query_url, fallback=False)
    moscow = next(s for s in report.suggestions if s.entity == CSTID + "moscow")
    assert [(c.qid, c.score) for c in moscow.candidates] == [("Q649", 3), ("Q4000001", 2)]


# -- refresh --------------------------------------------------------------------------------

def test_refresh_round_trip_is_deterministic_and_checks_out(run, wikidata_endpoint, tmp_path):
    out = tmp_path / "wikidata.ttl"
    first = run("link", "refresh", "--endpoint", wikidata_endpoint.query_url, "--out", out)
    assert first.stdout.startswith(f"wrote {out}")
    text = out.read_text(encoding="utf-8")
    assert f"generated by `cstrdf link refresh` from {wikidata_endpoint.query_url}" in text
    second = run("link", "refresh", "--endpoint", wikidata_endpoint.query_url, "--out", out)
    assert second.stdout.startswith("unchanged:") and out.read_text(encoding="utf-8") == text
    # what the federated questions need came along, with qualifiers and provenance
    store = wikidata.snapshot_store(out)
    ask = lambda q: store.query("PREFIX wd: <http://www.wikidata.org/entity/> PREFIX p: <http://www.wikidata.org/prop/> "  # noqa: E731
                                "PREFIX ps: <http://www.wikidata.org/prop/statement/> PREFIX pq: <http://www.wikidata.org/prop/qualifier/> "
                                "PREFIX prov: <http://www.w3.org/ns/prov#> ASK { " + q + " }")
    assert bool(ask("wd:Q184 p:P35 ?s . ?s ps:P35 wd:Q2866 ; pq:P580 ?start ; prov:wasDerivedFrom ?src"))
    assert bool(ask("wd:Q265 p:P463 ?s . ?s ps:P463 wd:Q7779"))
    assert bool(ask("wd:Q2866 <http://www.w3.org/2000/01/rdf-schema#label> ?l"))
    run("link", "check", "--offline", "--snapshot", out)


def test_refresh_failure_leaves_the_file_alone(run, tmp_path):
    out = tmp_path / "wikidata.ttl"
    out.write_text("# the old snapshot\n", encoding="utf-8")
    dead = f"http://127.0.0.1:{free_port()}/query"
    run("link", "refresh", "--endpoint", dead, "--out", out, expect=ExitCode.REMOTE)
    assert out.read_text(encoding="utf-8") == "# the old snapshot\n"
    assert [p.name for p in tmp_path.iterdir()] == ["wikidata.ttl"]


def test_help_lists_the_actions(run):
    text = run("link", "--help").stdout
    for word in ("check", "suggest", "refresh", "Exit codes:", "ACTION"):
        assert word in text
    check_help = run("link", "check", "--help").stdout
    assert "--offline" in check_help and "--no-fallback" in check_help and "--endpoint" in check_help
