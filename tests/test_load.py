"""``cstrdf load`` against real Oxigraph and Virtuoso servers: counts, round trips, atomic
replace, and the failures a user meets (wrong password, stopped server, a server killed or an
interrupt in the middle of a load, a syntax error deep in a file)."""

from __future__ import annotations

import pytest
import rdflib

from cstrdf.build import canonicalize_blank_nodes
from cstrdf.errors import ExitCode, RemoteError
from cstrdf.load import load, staging_prefix
from cstrdf.publication import DATASET_IRI, load_store
from servers import OxigraphServer, VirtuosoServer, count_triples, fetch_graph

GRAPH = "https://example.org/cstrdf-test"


def publication_graph() -> rdflib.Graph:
    """The publication merged into one graph, as the loader sends it."""
    store = load_store()
    graph = rdflib.Graph()
    data = "".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in store)
    graph.parse(data=data, format="nt")
    return graph


@pytest.fixture(scope="module")
def expected_graph() -> rdflib.Graph:
    return publication_graph()


def isomorphic(a: rdflib.Graph, b: rdflib.Graph) -> bool:
    """Same triples up to blank-node labels (structural labels; rdflib's general algorithm
    takes tens of seconds on the publication's evidence trees)."""
    return set(canonicalize_blank_nodes(a)) == set(canonicalize_blank_nodes(b))


def server_graph(server, graph: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=fetch_graph(server, graph), format="nt")


def test_load_into_oxigraph_round_trips_with_blank_nodes_whole(run, oxigraph_server, expected_graph):
    # small chunks: the evidence trees (blank nodes) must never be split across requests
    result = run("load", "--endpoint", oxigraph_server.url, "--store", "oxigraph", "--graph", GRAPH,
                 "--replace", "--chunk", "300", "--format", "json")
    report = result.json()
    assert report["triples"] == len(expected_graph)
    assert report["chunks"] > 5
    assert oxigraph_server.count(GRAPH) == len(expected_graph)
    assert isomorphic(server_graph(oxigraph_server, GRAPH), expected_graph)


def test_load_into_virtuoso_with_digest_auth(run, virtuoso_server, expected_graph, monkeypatch):
    monkeypatch.setenv("CSTRDF_PASSWORD", virtuoso_server.password)
    run("load", "--endpoint", virtuoso_server.url, "--store", "virtuoso", "--user", "dba",
        "--graph", GRAPH, "--replace", "--chunk", "500")
    assert virtuoso_server.count(GRAPH) == len(expected_graph)
    assert isomorphic(server_graph(virtuoso_server, GRAPH), expected_graph)


def test_second_replace_is_idempotent(run, oxigraph_server, expected_graph):
    for _ in range(2):
        run("load", "--endpoint", oxigraph_server.url, "--store", "oxigraph", "--replace")
        assert oxigraph_server.count(DATASET_IRI) == len(expected_graph)


def test_load_without_replace_adds(run, oxigraph_server, write):
    extra = write("extra.ttl", "<https://example.org/a> <https://example.org/p> 1 .\n")
    run("load", "--endpoint", oxigraph_server.url, "--store", "oxigraph", "--graph", GRAPH, "--source", extra)
    other = write("other.ttl", "<https://example.org/b> <https://example.org/p> 2 .\n")
    run("load", "--endpoint", oxigraph_server.url, "--store", "oxigraph", "--graph", GRAPH, "--source", other)
    assert oxigraph_server.count(GRAPH) == 2


def test_update_only_protocol_via_generic_store(run, oxigraph_server, expected_graph):
    # no Graph Store URL: the data goes in as SPARQL 1.1 INSERT DATA, in chunks
    run("load", "--endpoint", oxigraph_server.url, "--store", "generic",
        "--query-url", oxigraph_server.url + "/query", "--update-url", oxigraph_server.url + "/update",
        "--graph", GRAPH, "--replace", "--chunk", "1000")
    assert isomorphic(server_graph(oxigraph_server, GRAPH), expected_graph)


def test_wrong_password_is_exit_4_and_never_printed(run, virtuoso_server, monkeypatch):
    secret = "not-the-password-4711"
    monkeypatch.setenv("CSTRDF_PASSWORD", secret)
    result = run("load", "--endpoint", virtuoso_server.url, "--store", "virtuoso", "--user", "dba",
                 "--graph", GRAPH + "/pw", expect=ExitCode.REMOTE)
    assert "401" in result.stderr and virtuoso_server.url in result.stderr
    assert secret not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_stopped_server_is_exit_4(run, tmp_path):
    server = OxigraphServer(tmp_path / "gone").start()
    server.stop()
    result = run("load", "--endpoint", server.url, "--store", "oxigraph", expect=ExitCode.REMOTE)
    assert "connection refused" in result.stderr and server.url in result.stderr


def many_triples(write, name: str = "many.nt", n: int = 30_000):
    """A source whose N-Triples take several blocks of a one-transaction upload (over 1 MB)."""
    lines = [f"<https://example.org/s{i}> <https://example.org/p> \"{i}\" .\n" for i in range(n)]
    return write(name, "".join(lines))


# chunk_size None: Oxigraph's one-transaction PUT; 1000: the staging graph and the swap
@pytest.mark.parametrize("chunk_size", [None, 1000])
def test_server_killed_mid_replace_leaves_old_graph(oxigraph_server, write, chunk_size):
    load(oxigraph_server.url, store="oxigraph", graph=GRAPH, replace=True)
    before = oxigraph_server.count(GRAPH)
    calls = []

    def kill_after_first_part(done, total):
        calls.append(done)
        oxigraph_server.kill()

    with pytest.raises(RemoteError):
        load(oxigraph_server.url, store="oxigraph", graph=GRAPH, replace=True, chunk_size=chunk_size,
             sources=[many_triples(write)], progress=kill_after_first_part)
    assert calls and calls[0] < 30_000, "the server was not killed in the middle of the upload"
    oxigraph_server.start()  # same folder: what was committed survives
    assert oxigraph_server.count(GRAPH) == before
    # the next load of the same graph removes the staging graph the dead server kept
    load(oxigraph_server.url, store="oxigraph", graph=GRAPH, replace=True, chunk_size=1000)
    assert count_staging(oxigraph_server) == 0


def test_oxigraph_replace_is_one_transaction_without_staging(run, oxigraph_server, expected_graph, write):
    run("load", "--endpoint", oxigraph_server.url, "--store", "oxigraph", "--graph", GRAPH,
        "--source", many_triples(write), "--quiet")
    result = run("load", "--endpoint", oxigraph_server.url, "--store", "oxigraph", "--graph", GRAPH,
                 "--replace", "--format", "json")
    report = result.json()
    assert (report["strategy"], report["chunks"]) == ("one-transaction", 1)
    assert report["triples"] == report["triples_in_graph"] == len(expected_graph)
    assert isomorphic(server_graph(oxigraph_server, GRAPH), expected_graph)


def test_interrupt_in_the_middle_of_a_one_transaction_upload(oxigraph_server, write):
    load(oxigraph_server.url, store="oxigraph", graph=GRAPH, replace=True)
    before = fetch_graph(oxigraph_server, GRAPH)

    def interrupt(done, total):
        assert done < total
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load(oxigraph_server.url, store="oxigraph", graph=GRAPH, replace=True, sources=[many_triples(write)],
             progress=interrupt)
    assert fetch_graph(oxigraph_server, GRAPH) == before
    assert count_staging(oxigraph_server) == 0


def count_staging(server) -> int:
    import urllib.parse
    import urllib.request

    query = (f'SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} '
             f'FILTER(STRSTARTS(STR(?g), "{staging_prefix(GRAPH)}")) }}')
    request = urllib.request.Request(server.query_url + "?" + urllib.parse.urlencode({"query": query}),
                                     headers={"Accept": "text/csv"})
    with urllib.request.urlopen(request) as answer:
        return int(answer.read().decode().split()[-1])


def test_interrupt_mid_load_leaves_target_and_removes_staging(oxigraph_server):
    load(oxigraph_server.url, store="oxigraph", graph=GRAPH, replace=True)
    before = oxigraph_server.count(GRAPH)

    def interrupt(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load(oxigraph_server.url, store="oxigraph", graph=GRAPH, replace=True, chunk_size=100,
             sources=None, progress=interrupt)
    assert oxigraph_server.count(GRAPH) == before
    assert count_staging(oxigraph_server) == 0


def test_syntax_error_after_many_good_triples_loads_nothing(run, oxigraph_server, tmp_path):
    big = tmp_path / "big.nt"
    lines = [f"<https://example.org/s{i}> <https://example.org/p> \"{i}\" .\n" for i in range(10_000)]
    big.write_text("".join(lines) + "<https://example.org/broken> <https://example.org/p> \"x .\n")
    result = run("load", "--endpoint", oxigraph_server.url, "--store", "oxigraph", "--graph", GRAPH,
                 "--source", big, expect=ExitCode.INPUT)
    assert f"{big}:10001:" in result.stderr
    assert oxigraph_server.count(GRAPH) == 0


def test_unknown_host_is_exit_4(run):
    result = run("load", "--endpoint", "http://no-such-host.invalid:7878", "--store", "oxigraph",
                 expect=ExitCode.REMOTE)
    assert "unknown host" in result.stderr


class TightVirtuoso(VirtuosoServer):
    """Virtuoso with the smallest transaction log it allows (TransactionAfterImageLimit, 10 KB):
    the swap of the publication's triples is then too large for one transaction, as a million
    triples are for the default 50 MB."""

    def write_ini(self):
        ini = super().write_ini()
        ini.write_text(ini.read_text().replace("[Parameters]\n", "[Parameters]\nTransactionAfterImageLimit = 10000\n"))
        return ini


def test_virtuoso_transaction_log_limit_is_one_line_and_leaves_the_graph(run, tmp_path, write, monkeypatch):
    (tmp_path / "tight").mkdir()
    server = TightVirtuoso(tmp_path / "tight").start()
    try:
        monkeypatch.setenv("CSTRDF_PASSWORD", server.password)
        login = ("--endpoint", server.url, "--store", "virtuoso", "--user", "dba", "--graph", GRAPH, "--replace",
                 "--quiet")
        old = write("old.nt", "<https://example.org/old> <https://example.org/p> \"as before\" .\n")
        run("load", *login, "--source", old)
        before = fetch_graph(server, GRAPH)
        many = many_triples(write, n=2000)
        # one chunk of 2000 triples is too large a transaction; so is the swap of 100 chunks of 20
        for chunk, says in (("5000", "try a smaller --chunk"), ("20", "the graph is unchanged")):
            result = run("load", *login, "--source", many, "--chunk", chunk, expect=ExitCode.REMOTE)
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and "TransactionAfterImageLimit" in lines[0] and says in lines[0], result.stderr
            assert fetch_graph(server, GRAPH) == before
            assert count_staging(server) == 0
    finally:
        server.stop()
