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


@dataclass
class OxigraphServer:
    """``oxigraph serve`` on a persistent folder, so a killed server can be restarted."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return self.url + "/query"

    def start(self) -> "OxigraphServer":
        self.process = subprocess.Popen(
            [oxigraph_binary(), "serve", "--location", str(self.directory), "--bind", f"127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_until_ready(self.url + "/query?query=ASK%7B%7D", process=self.process)
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def count(self, graph: str) -> int:
        return count_triples(self.query_url, graph)


@dataclass
class VirtuosoServer:
    """A private Virtuoso instance (login dba/dba) with its own ini, database and ports."""

    directory: Path
    http_port: int = field(default_factory=free_port)
    sql_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    user: str = "dba"
    password: str = "dba"

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

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def count(self, graph: str) -> int:
        return count_triples(self.query_url, graph)


def count_triples(query_url: str, graph: str) -> int:
    """Triples in ``graph``, asked through the SPARQL protocol (CSV results)."""
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
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
