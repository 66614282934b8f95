"""A pytest plugin: a real Oxigraph server holding the publication, for remote-query tests.

Registered from tests/conftest.py. The server is ``oxigraph serve`` on a free loopback port with
``--union-default-graph``; the publication goes in over the Graph Store Protocol (one POST per
file to ``/store?graph=IRI``, the named graphs of :mod:`cstrdf.publication`), and the fixture
checks the triple count before handing the endpoint out. Stopped at the end of the session.
"""

from __future__ import annotations

import subprocess
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class PublicationEndpoint:
    """A running Oxigraph server loaded with the publication."""

    url: str
    triples: int

    @property
    def query_url(self) -> str:
        return self.url + "/query"


@pytest.fixture(scope="session")
def publication_endpoint(tmp_path_factory):
    """The publication on a real Oxigraph server (SPARQL 1.1 Protocol at ``.query_url``)."""
    from cstrdf.publication import load_store, parts
    from cstrdf.serve import free_port, oxigraph_binary, wait_until_ready

    directory = tmp_path_factory.mktemp("oxigraph-publication")
    port = free_port()
    process = subprocess.Popen(
        [oxigraph_binary(), "serve", "--location", str(directory), "--bind", f"127.0.0.1:{port}",
         "--union-default-graph"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url + "/query?query=ASK%7B%7D", process=process)
        for part in parts():
            for path in part.files:
                request = urllib.request.Request(
                    f"{url}/store?graph={urllib.parse.quote(part.graph, safe='')}",
                    data=path.read_bytes(), method="POST", headers={"Content-Type": "text/turtle"},
                )
                with urllib.request.urlopen(request, timeout=30) as response:
                    assert response.status in (200, 201, 204), f"loading {path.name}: HTTP {response.status}"
        expected = len(load_store())
        query = urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"})
        request = urllib.request.Request(f"{url}/query?{query}", headers={"Accept": "text/csv"})
        with urllib.request.urlopen(request, timeout=30) as response:
            count = int(response.read().decode().split()[-1])
        assert count == expected, f"the server holds {count} triples, the publication {expected}"
        yield PublicationEndpoint(url=url, triples=count)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
