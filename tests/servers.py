"""Real servers for the tests: Oxigraph server (PyPI ``oxigraph``) and Virtuoso Open Source
(Debian ``virtuoso-opensource``), each on free loopback ports with its own temporary folder.

Nothing here is a stand-in: a missing server binary fails the test that needs it (CI installs
both through scripts/setup.sh).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from cstrdf.serve import free_port, oxigraph_binary, wait_until_ready

VIRTUOSO_BINARY = "/usr/bin/virtuoso-t"
VIRTUOSO_VSP = "/var/lib/virtuoso-opensource-7/vsp"


class ServerProcess:
    """What both servers share: a process to stop or kill, and a SPARQL endpoint at ``query_url``."""

    process: subprocess.Popen | None
    query_url: str
    #: seconds a terminated server may take to exit before it is killed
    grace: float = 10

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=self.grace)
            except subprocess.TimeoutExpired:
                self.kill()

    def count(self, graph: str | None = None) -> int:
        """Triples in ``graph``; with None, in all named graphs."""
        return count_triples(self.query_url, graph)


@dataclass
class OxigraphServer(ServerProcess):
    """``oxigraph serve`` on a persistent folder, so a killed server can be restarted.
    ``options`` go on its command line (e.g. ``--union-default-graph``)."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    options: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return self.url + "/query"

    def start(self) -> "OxigraphServer":
        self.process = subprocess.Popen(
            [oxigraph_binary(), "serve", "--location", str(self.directory), "--bind", f"127.0.0.1:{self.port}",
             *self.options],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until_ready(self.url + "/query?query=ASK%7B%7D", process=self.process)
        return self

    def post(self, data: bytes, graph: str | None = None, content_type: str = "text/turtle") -> None:
        """Add ``data`` to ``graph`` (None: the default graph) by the Graph Store Protocol."""
        target = "default" if graph is None else "graph=" + urllib.parse.quote(graph, safe="")
        request = urllib.request.Request(f"{self.url}/store?{target}", data=data, method="POST",
                                         headers={"Content-Type": content_type})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status in (200, 201, 204), f"POST /store?{target}: HTTP {response.status}"


@dataclass
class VirtuosoServer(ServerProcess):
    """A private Virtuoso instance (login dba/dba) with its own ini, database and ports."""

    directory: Path
    http_port: int = field(default_factory=free_port)
    sql_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    user: str = "dba"
    password: str = "dba"
    grace: float = 30

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def query_url(self) -> str:
        return self.url + "/sparql"

    def write_ini(self) -> Path:
        ini = self.directory / "virtuoso.ini"
        d = self.directory
        ini.write_text(f"""[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{self.sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {d}
NumberOfBuffers = 20000
MaxDirtyBuffers = 12000
[HTTPServer]
ServerPort = 127.0.0.1:{self.http_port}
ServerRoot = {VIRTUOSO_VSP}
MaxClientConnections = 8
[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
""")
        return ini

    def start(self) -> "VirtuosoServer":
        if not Path(VIRTUOSO_BINARY).exists():
            raise RuntimeError("Virtuoso is not installed (apt-get install virtuoso-opensource; scripts/setup.sh does)")
        ini = self.write_ini()
        self.process = subprocess.Popen(
            [VIRTUOSO_BINARY, "+foreground", "+configfile", str(ini)],
            cwd=self.directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until_ready(self.query_url + "?query=ASK%7B%7D", deadline_s=60, process=self.process)
        return self


def count_triples(query_url: str, graph: str | None = None, *, default_graph: bool = False) -> int:
    """Triples in ``graph`` (None: in all named graphs; ``default_graph``: in the default
    graph), asked through the SPARQL protocol (CSV results)."""
    if default_graph:
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    else:
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {'?g' if graph is None else f'<{graph}>'} {{ ?s ?p ?o }} }}"
    request = urllib.request.Request(
        query_url + "?" + urllib.parse.urlencode({"query": query}), headers={"Accept": "text/csv"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        lines = answer.read().decode().split()
    return int(lines[-1].strip('"'))


def fetch_graph(server, graph: str) -> str:
    """The graph as N-Triples, via CONSTRUCT (the same on both stores)."""
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    request = urllib.request.Request(
        server.query_url + "?" + urllib.parse.urlencode({"query": query}),
        headers={"Accept": "application/n-triples"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return answer.read().decode("utf-8")


def new_folder(base: Path, name: str) -> Path:
    folder = base / name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def environment_without(*names: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in names}


def wait_for_exit(process: subprocess.Popen, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return process.returncode
        time.sleep(0.05)
    process.kill()
    raise AssertionError("process did not exit in time")
