"""Load the publication (or any RDF files) into a triple store over the W3C protocols.

The sources are parsed and staged locally first, so a syntax error anywhere means nothing is
sent. Then one of two ways, both leaving the target graph as it was when anything fails:

* **one transaction** (``--store oxigraph`` without ``--chunk``): a single Graph Store request
  — ``PUT`` for ``--replace``, ``POST`` otherwise — whose body the server parses and commits as
  one transaction; a body cut off, a server killed or an interrupt commits nothing. The graph is
  counted after the commit. Oxigraph copies a graph (``MOVE``/``ADD``) at a few thousand triples
  a second, so this way avoids the copy: a million triples went from 192 s to a single ingest.
* **staging** (every other store, or an explicit ``--chunk``): the data goes into a fresh
  temporary graph — Graph Store POSTs where the store has them, SPARQL 1.1 ``INSERT DATA``
  otherwise, in bounded chunks that never split a blank node's triples — and is counted there.
  Only a verified temporary graph is swapped in by one SPARQL Update request (``DROP`` the target
  and ``ADD`` the temporary graph for ``--replace``, ``ADD`` otherwise); the temporary graph is
  dropped afterwards, outside that transaction, which keeps it as small as it can be (Virtuoso
  caps a transaction's log: see docs/errors.md).
"""

from __future__ import annotations

import json
import time
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

from cstrdf.errors import RemoteError, UsageError
from cstrdf.publication import DATASET_IRI

if TYPE_CHECKING:  # pragma: no cover
    from cstrdf.load_http import Session

# cstrdf.http (urllib.request, ssl …) is imported where a request is sent, so that importing
# this module for its PRESETS (``cstrdf load --help``, ``cstrdf --help``) stays cheap

#: triples per request; a chunk may be a little larger to keep a blank-node group whole. With
#: the Graph Store Protocol fewer, larger requests are faster (bench/), but Virtuoso 7.2 stalled
#: on a single request of a million triples behind digest auth: 100000 works on both stores.
#: SPARQL Update bodies stay smaller
GRAPH_STORE_CHUNK = 100_000
UPDATE_CHUNK = 50_000
DEFAULT_CHUNK = UPDATE_CHUNK  # kept for callers that import it


@dataclass(frozen=True)
class StorePreset:
    """Where a store keeps its protocol endpoints, relative to the URL the user gives."""

    name: str
    query: str
    update: str
    graph_store: str | None
    #: the query-string key of the Graph Store Protocol's graph parameter
    graph_param: str
    auth: str
    note: str


PRESETS: dict[str, StorePreset] = {
    preset.name: preset
    for preset in (
        StorePreset("oxigraph", "/query", "/update", "/store", "graph", "basic",
                    "Oxigraph server: URL of the server, e.g. http://127.0.0.1:7878"),
        StorePreset("virtuoso", "/sparql", "/sparql-auth", "/sparql-graph-crud-auth", "graph-uri", "digest",
                    "Virtuoso: URL of the HTTP server, e.g. http://127.0.0.1:8890; digest auth (dba)"),
        StorePreset("fuseki", "/query", "/update", "/data", "graph", "basic",
                    "Apache Jena Fuseki: URL of the dataset, e.g. http://127.0.0.1:3030/ds"),
        StorePreset("graphdb", "", "/statements", "/rdf-graphs/service", "graph", "basic",
                    "GraphDB: URL of the repository, e.g. http://127.0.0.1:7200/repositories/cstrdf"),
        StorePreset("neptune", "/sparql", "/sparql", None, "graph", "basic",
                    "Amazon Neptune: URL of the cluster, e.g. https://cluster:8182 (SPARQL Update only; "
                    "IAM-signed requests are not supported, use a proxy)"),
        StorePreset("generic", "", "", None, "graph", "basic",
                    "any store: give --query-url, --update-url and optionally --graph-store-url"),
    )
}


@dataclass(frozen=True)
class Endpoints:
    """The resolved protocol URLs of one store."""

    query: str
    update: str
    graph_store: str | None
    graph_param: str
    auth: str


def resolve_endpoints(
    endpoint: str,
    store: str = "generic",
    *,
    query_url: str | None = None,
    update_url: str | None = None,
    graph_store_url: str | None = None,
) -> Endpoints:
    """Fill in a store's protocol URLs from its preset; explicit URLs win.

    >>> resolve_endpoints("http://127.0.0.1:8890", "virtuoso").graph_store
    'http://127.0.0.1:8890/sparql-graph-crud-auth'
    """
    if store not in PRESETS:
        raise UsageError(f"unknown store {store!r} (known: {', '.join(PRESETS)})")
    preset = PRESETS[store]
    base = endpoint.rstrip("/")
    if store == "generic":
        query = query_url or endpoint
        update = update_url or endpoint
        graph_store = graph_store_url
    else:
        query = query_url or base + preset.query
        update = update_url or base + preset.update
        graph_store = graph_store_url or (base + preset.graph_store if preset.graph_store else None)
    return Endpoints(query, update, graph_store, preset.graph_param, preset.auth)


@dataclass(frozen=True)
class LoadReport:
    """What ``load`` did."""

    endpoint: str
    graph: str
    protocol: str
    triples: int
    triples_in_graph: int
    chunks: int
    replaced: bool
    seconds: float
    #: "one-transaction" or "staging" (see the module's docstring)
    strategy: str = "staging"


Progress = Callable[[int, int], None]


def load(
    endpoint: str,
    *,
    store: str = "generic",
    graph: str = DATASET_IRI,
    replace: bool = False,
    user: str | None = None,
    sources: Sequence[str | Path] | None = None,
    chunk_size: int | None = None,
    timeout: float = 120.0,
    query_url: str | None = None,
    update_url: str | None = None,
    graph_store_url: str | None = None,
    progress: Progress | None = None,
) -> LoadReport:
    """Load ``sources`` (default: the whole publication) into ``graph`` at ``endpoint``.

    The password comes from $CSTRDF_PASSWORD (or ~/.netrc), never from an argument.
    Raises RemoteError (exit 4) on any failure, after removing the temporary graph.
    """
    started = time.monotonic()
    urls = resolve_endpoints(endpoint, store, query_url=query_url, update_url=update_url,
                             graph_store_url=graph_store_url)
    from cstrdf.http import credentials_for
    from cstrdf.load_http import Session

    credentials = credentials_for(endpoint, user, urls.auth)
    one_transaction = one_transaction_store(store, urls) and chunk_size is None
    if chunk_size is None:
        chunk_size = GRAPH_STORE_CHUNK if urls.graph_store else UPDATE_CHUNK
    staged = _stage(sources)
    session = Session(endpoint, credentials, timeout)
    client = _Client(endpoint, urls, session)
    try:
        if one_transaction:
            chunks, in_graph = _load_in_one_transaction(client, staged, graph, replace, progress)
        else:
            chunks, in_graph = _load_through_staging(client, staged, graph, replace, chunk_size, progress)
    finally:
        session.close()
    return LoadReport(endpoint, graph, "graph-store" if urls.graph_store else "update", len(staged), in_graph,
                      chunks, replace, time.monotonic() - started,
                      "one-transaction" if one_transaction else "staging")


def one_transaction_store(store: str, urls: Endpoints) -> bool:
    """Whether one Graph Store request is one transaction at this store, a PUT included
    (Oxigraph server; tests/test_load.py pins it: a body cut off, a server killed and an
    interrupt in the middle of a PUT leave the old graph). Virtuoso's Graph Store requests are
    not transactions (a failed PUT leaves part of the new data), nor are those of the
    standard's other stores as far as the standard says, so they go through staging."""
    return store == "oxigraph" and urls.graph_store is not None


def _load_in_one_transaction(client: _Client, staged: list[bytes], graph: str, replace: bool,
                             progress: Progress | None) -> tuple[int, int]:
    total = len(staged)
    # a PUT is a transaction that reads as it writes (so that it can clear the graph): over twice
    # as slow as a POST, which only writes. Replacing an empty graph is adding to it, and the
    # count below still tells if some other client wrote to the graph in between
    put = replace and client.count(graph) > 0
    client.send_graph(graph, staged, put, None if progress is None else lambda done: progress(done, total))
    if progress is not None:
        progress(total, total)
    in_graph = client.count(graph)
    if in_graph < total or (replace and in_graph != total):
        raise RemoteError(f"{client.endpoint}: graph <{graph}> holds {in_graph} triples after a transaction "
                          f"of {total}; the store changed the data")
    return 1, in_graph


def _load_through_staging(client: _Client, staged: list[bytes], graph: str, replace: bool, chunk_size: int,
                          progress: Progress | None) -> tuple[int, int]:
    total = len(staged)
    temporary = f"{staging_prefix(graph)}{uuid.uuid4().hex}"
    sent = 0
    chunks = 0
    try:
        client.drop_stale_staging(graph)
        for chunk in _chunks(staged, chunk_size):
            client.append(temporary, chunk)
            sent += len(chunk)
            chunks += 1
            if progress is not None:
                progress(sent, total)
        counted = client.count(temporary)
        if counted != total:
            raise RemoteError(
                f"{client.endpoint}: the server holds {counted} triples after receiving {total}; nothing was changed"
            )
        client.swap(temporary, graph, replace, total)
    finally:
        try:
            client.drop(temporary)
        except (RemoteError, OSError):
            pass  # the server is gone: the staging graph (if any) never touched the target
    in_graph = client.count(graph)
    if replace and in_graph != total:
        raise RemoteError(f"{client.endpoint}: graph <{graph}> holds {in_graph} triples, {total} were loaded")
    return chunks, in_graph


def staging_prefix(graph: str) -> str:
    """Temporary graphs for ``graph`` are named with this prefix (a killed server may leave
    one behind; the next load of the same graph removes it)."""
    return f"{graph.rstrip('/#')}/.cstrdf-staging-"


def _stage(sources: Sequence[str | Path] | None) -> list[bytes]:
    """Parse everything first (a syntax error stops us before the server is touched); return
    the triples as N-Triples lines, every part in one graph, duplicates merged. pyoxigraph
    parses, merges and writes them (no Python object per triple: a million in seconds)."""
    import pyoxigraph

    from cstrdf.corpus import rdf_files
    from cstrdf.publication import all_files, load_file

    files = rdf_files(sources) if sources is not None else all_files()
    store = pyoxigraph.Store()
    for file in files:
        load_file(store, file, pyoxigraph.DefaultGraph())
    text = store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.DefaultGraph())
    return text.splitlines()


def _blank_nodes(line: bytes) -> tuple[bytes, ...]:
    """The blank nodes of one N-Triples line (subject, object): the subject and predicate hold
    no spaces, so the object is what follows the second one."""
    subject, _, rest = line.partition(b" ")
    obj = rest.partition(b" ")[2]
    found = ()
    if subject.startswith(b"_:"):
        found = (subject,)
    if obj.startswith(b"_:"):
        found += (obj[:-2].rstrip(),)  # the object without its final " ."
    return found


def _chunks(lines: list[bytes], size: int) -> Iterator[list[bytes]]:
    """Chunks of about ``size`` triples; all triples sharing a blank node stay together
    (a blank node means the same node only within one request)."""
    if len(lines) <= size:
        yield lines  # one request: nothing to keep together
        return
    parent: dict = {}

    def find(node):
        parent.setdefault(node, node)
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:  # path compression
            parent[node], node = root, parent[node]
        return root

    plain: list[bytes] = []
    blank: list[tuple[bytes, tuple[bytes, ...]]] = []
    for line in lines:
        if b"_:" not in line:
            plain.append(line)
            continue
        nodes = _blank_nodes(line)
        if not nodes:
            plain.append(line)  # "_:" inside a literal
            continue
        blank.append((line, nodes))
        if len(nodes) == 2:
            a, b = find(nodes[0]), find(nodes[1])
            if a != b:
                parent[a] = b
    for start in range(0, len(plain) - len(plain) % size if len(plain) % size else len(plain), size):
        yield plain[start:start + size]
    chunk = plain[len(plain) - len(plain) % size:] if len(plain) % size else []
    groups: dict = {}
    for line, nodes in blank:
        groups.setdefault(find(nodes[0]), []).append(line)
    for group in groups.values():
        chunk.extend(group)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _ntriples(lines: Iterable[bytes]) -> bytes:
    return b"".join(line + b"\n" for line in lines)


#: how Virtuoso says a transaction outgrew its log (TransactionAfterImageLimit in virtuoso.ini)
_LOG_LIMIT = ("SR325", "log after image")


class _Client:
    """The few protocol operations ``load`` needs."""

    def __init__(self, endpoint: str, urls: Endpoints, session: Session):
        self.endpoint = endpoint
        self.urls = urls
        self.session = session

    def _graph_url(self, graph: str) -> str:
        return f"{self.urls.graph_store}?{urllib.parse.urlencode({self.urls.graph_param: graph})}"

    def _form(self, url: str, fields: dict[str, str], accept: str | None = None) -> bytes:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if accept:
            headers["Accept"] = accept
        return self.session.request("POST", url, body=urllib.parse.urlencode(fields).encode(), headers=headers)

    def update(self, text: str) -> None:
        self._form(self.urls.update, {"update": text})

    def append(self, graph: str, lines: list[bytes]) -> None:
        try:
            if self.urls.graph_store:
                self.session.request("POST", self._graph_url(graph), body=_ntriples(lines),
                                     headers={"Content-Type": "application/n-triples"})
            else:
                body = _ntriples(lines).decode("utf-8")
                self.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}}} }}")
        except RemoteError as error:
            if any(sign in str(error) for sign in _LOG_LIMIT):
                raise RemoteError(
                    f"{self.endpoint}: a chunk of {len(lines)} triples is more than the store takes in one transaction "
                    f"(its transaction log limit: TransactionAfterImageLimit in virtuoso.ini; try a smaller --chunk); "
                    f"nothing was changed"
                ) from None
            raise

    def send_graph(self, graph: str, lines: list[bytes], replace: bool, progress: Callable[[int], None] | None) -> None:
        """All the triples in one request (PUT replaces the graph, POST adds to it), streamed."""
        from cstrdf.load_http import Body

        self.session.request("PUT" if replace else "POST", self._graph_url(graph), body=Body(lines),
                             headers={"Content-Type": "application/n-triples"}, progress=progress)

    def count(self, graph: str) -> int:
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        answer = self._form(self.urls.query, {"query": query}, "application/sparql-results+json")
        try:
            bindings = json.loads(answer)["results"]["bindings"]
            return int(bindings[0]["n"]["value"]) if bindings else 0
        except (ValueError, KeyError, IndexError, TypeError):
            raise RemoteError(f"{self.endpoint}: the count query did not return SPARQL JSON results") from None

    def select_column(self, query: str) -> list[str]:
        answer = self._form(self.urls.query, {"query": query}, "application/sparql-results+json")
        try:
            results = json.loads(answer)
            name = results["head"]["vars"][0]
            return [b[name]["value"] for b in results["results"]["bindings"] if name in b]
        except (ValueError, KeyError, IndexError, TypeError):
            raise RemoteError(f"{self.endpoint}: the query did not return SPARQL JSON results") from None

    def drop_stale_staging(self, graph: str) -> None:
        prefix = staging_prefix(graph).replace("\\", "\\\\").replace('"', '\\"')
        stale = self.select_column(
            f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{prefix}")) }}'
        )
        for name in stale:
            self.drop(name)

    def drop(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH <{graph}>")

    def swap(self, temporary: str, graph: str, replace: bool, total: int) -> None:
        """One SPARQL Update request, one transaction: the target gets the verified triples.
        (The temporary graph is dropped by the caller, in a request of its own.)"""
        add = f"ADD SILENT GRAPH <{temporary}> TO GRAPH <{graph}>"
        try:
            self.update(f"DROP SILENT GRAPH <{graph}> ; {add}" if replace else add)
        except RemoteError as error:
            if any(sign in str(error) for sign in _LOG_LIMIT):
                raise RemoteError(
                    f"{self.endpoint}: the store refused to swap {total} triples into <{graph}> as one transaction "
                    f"(its transaction log limit: TransactionAfterImageLimit in virtuoso.ini); the graph is unchanged"
                ) from None
            raise
