"""A pytest plugin: a real Oxigraph server holding the publication, for remote-query tests.

Registered from tests/conftest.py. The server is ``oxigraph serve`` on a free loopback port with
``--union-default-graph``; the publication goes in over the Graph Store Protocol (one POST per
file to ``/store?graph=IRI``, the named graphs of :mod:`cstrdf.publication`), and the fixture
checks the triple count before handing the endpoint out. Stopped at the end of the session.
"""

from __future__ import annotations

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
    from servers import OxigraphServer

    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph-publication"),
                            options=("--union-default-graph",)).start()
    try:
        for part in parts():
            for path in part.files:
                server.post(path.read_bytes(), graph=part.graph)
        expected = len(load_store())
        count = server.count()
        assert count == expected, f"the server holds {count} triples, the publication {expected}"
        yield PublicationEndpoint(url=server.url, triples=count)
    finally:
        server.stop()
