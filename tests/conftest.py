"""Shared test helpers: the in-process CLI runner and small synthetic publications."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from cstrdf import cli, resources
from cstrdf.errors import ExitCode

REPO = Path(__file__).resolve().parents[1]

PREFIXES = """\
@prefix cst: <https://w3id.org/cstrdf/ontology#> .
@prefix cstid: <https://w3id.org/cstrdf/id/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """The cache of checked inputs (cstrdf.checkcache) of this session's in-process and
    subprocess runs lives in the session's tmp folder, not in the user's ~/.cache."""
    import os

    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture
def run(capsys):
    """``run(*args, expect=ExitCode.OK)``: call ``cli.main`` in-process, assert the exit code."""

    def _run(*args, expect: int = ExitCode.OK) -> Result:
        capsys.readouterr()
        code = cli.main([str(a) for a in args])
        out, err = capsys.readouterr()
        assert code == expect, f"cstrdf {' '.join(map(str, args))} exited {code}, expected {int(expect)}\nstdout:\n{out}\nstderr:\n{err}"
        return Result(code, out, err)

    return _run


@pytest.fixture(scope="session")
def source_text() -> str:
    return resources.read_source_text()


def evidence(start: int, end: int, text: str, *, prefix: bool = True, source: str = "cstid:monitor-v8-i95") -> str:
    """Turtle for one cst:evidence value pointing at ``text[start:end]``."""
    exact = text[start:end]
    context = ""
    if prefix and text[max(0, start - 32):start]:
        context += f" ; oa:prefix {json.dumps(text[max(0, start - 32):start], ensure_ascii=False)}"
    if prefix and text[end:end + 32]:
        context += f" ; oa:suffix {json.dumps(text[end:end + 32], ensure_ascii=False)}"
    return (
        f"[ a oa:SpecificResource ; oa:hasSource {source} ; oa:hasSelector "
        f"[ a oa:TextQuoteSelector ; oa:exact {json.dumps(exact, ensure_ascii=False)}{context} ] , "
        f"[ a oa:TextPositionSelector ; oa:start {start} ; oa:end {end} ] ]"
    )


@pytest.fixture
def write(tmp_path):
    """``write(name, content)``: a file in tmp_path (str content as UTF-8, bytes as is)."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


# -- real servers (see tests/servers.py) ----------------------------------------------------

@pytest.fixture
def oxigraph_server(tmp_path):
    """A fresh Oxigraph server on a free loopback port; stopped after the test."""
    from servers import OxigraphServer

    server = OxigraphServer(tmp_path / "oxigraph").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """One private Virtuoso instance for the session (login dba/dba); stopped at the end."""
    from servers import VirtuosoServer

    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso")).start()
    yield server
    server.stop()
from conftest_endpoints import publication_endpoint  # noqa: E402,F401  (a real Oxigraph server with the publication)


# -- "Wikidata" for the tests: a real Oxigraph server loaded with the snapshot ----------------

def pytest_addoption(parser):
    parser.addoption(
        "--live", action="store_true", default=False,
        help="also run the Wikidata link checks and federated queries against the real endpoint (needs network)",
    )


@pytest.fixture(scope="session")
def wikidata_endpoint(tmp_path_factory):
    """An Oxigraph server holding data/context/wikidata.ttl in its default graph, standing in
    for Wikidata; ``.query_url`` is its SPARQL endpoint, ``.url`` its base, ``.triples`` the count."""
    from types import SimpleNamespace

    from cstrdf.wikidata import default_snapshot_path, snapshot_store
    from servers import OxigraphServer, count_triples

    server = OxigraphServer(tmp_path_factory.mktemp("wikidata")).start()
    try:
        server.post(default_snapshot_path().read_bytes())
        triples = count_triples(server.query_url, default_graph=True)
        assert triples == len(snapshot_store()), "the Wikidata stand-in does not hold the whole snapshot"
        yield SimpleNamespace(url=server.url, query_url=server.query_url, triples=triples)
    finally:
        server.stop()
