"""``cstrdf serve``: a local, read-only SPARQL 1.1 Protocol endpoint over the publication.

Oxigraph server (the ``oxigraph`` binary from PyPI) answers the queries: the publication is
loaded with ``oxigraph load`` into a temporary store, which ``oxigraph serve-read-only`` serves
on a private loopback port with a query timeout. A small front server on the user's port
passes SPARQL queries through and refuses everything else a public endpoint should not do
(updates, oversized requests); the temporary store is removed on exit.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from cstrdf.errors import CstrdfError, ExitCode, InputError

#: largest request body accepted (a SPARQL query, form-encoded)
MAX_BODY = 1 << 20
QUERY_PATHS = ("/sparql", "/query")


@dataclass(frozen=True)
class ServeOptions:
    """How to serve: where to listen and the limits of the endpoint."""

    host: str = "127.0.0.1"
    port: int = 7878
    timeout: float = 30.0
    max_body: int = MAX_BODY
    sources: tuple[Path, ...] | None = None


def oxigraph_binary() -> str:
    """The ``oxigraph`` executable: next to this Python first (a virtualenv), then on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise CstrdfError("the oxigraph server binary is not installed (pip install oxigraph)", ExitCode.INPUT)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_until_ready(url: str, deadline_s: float = 20.0, process: subprocess.Popen | None = None) -> None:
    """Poll ``url`` until it answers (any HTTP status) or the deadline passes."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise CstrdfError(f"the server exited early with code {process.returncode}", ExitCode.INPUT)
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.05)
    raise CstrdfError(f"the server at {url} did not become ready in {deadline_s:.0f} s", ExitCode.INPUT)


@dataclass
class Backend:
    """A read-only Oxigraph server on a temporary store holding the publication."""

    directory: Path
    process: subprocess.Popen
    url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def start_backend(options: ServeOptions) -> Backend:
    """Write the publication as N-Quads, ``oxigraph load`` it, start ``serve-read-only``."""
    from cstrdf.publication import load_store

    store = load_store(options.sources) if options.sources else load_store()
    directory = Path(tempfile.mkdtemp(prefix="cstrdf-serve-"))
    try:
        dump = directory / "publication.nq"
        import pyoxigraph

        store.dump(output=str(dump), format=pyoxigraph.RdfFormat.N_QUADS)
        binary = oxigraph_binary()
        env = {k: v for k, v in os.environ.items() if k != "RUST_BACKTRACE"}
        subprocess.run([binary, "load", "--location", str(directory / "store"), "--file", str(dump)],
                       check=True, capture_output=True, env=env)
        dump.unlink()
        port = free_port()
        process = subprocess.Popen(
            [binary, "serve-read-only", "--location", str(directory / "store"),
             "--bind", f"127.0.0.1:{port}", "--union-default-graph",
             "--timeout-s", str(max(1, int(options.timeout)))],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )
        url = f"http://127.0.0.1:{port}"
        backend = Backend(directory, process, url)
        try:
            wait_until_ready(url + "/query?query=ASK%7B%7D", process=process)
        except BaseException:
            backend.stop()
            raise
        return backend
    except subprocess.CalledProcessError as error:
        shutil.rmtree(directory, ignore_errors=True)
        raise CstrdfError(f"oxigraph load failed: {error.stderr.decode(errors='replace').strip()[:200]}",
                          ExitCode.INPUT) from None
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise


class FrontHandler(http.server.BaseHTTPRequestHandler):
    """Passes SPARQL queries to the backend; refuses updates and oversized requests."""

    server_version = "cstrdf"
    protocol_version = "HTTP/1.1"

    # set by make_front_server
    backend_url: str = ""
    options: ServeOptions = ServeOptions()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        if self.server.verbose:  # type: ignore[attr-defined]
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        path = urllib.parse.urlsplit(self.path).path
        if path in QUERY_PATHS:
            query = urllib.parse.urlsplit(self.path).query
            if "update=" in query and "query=" not in query:
                return self.refuse(403, "this endpoint is read-only: SPARQL Update is not accepted")
            return self.proxy("GET", "/query?" + query, None, None)
        if path == "/update":
            return self.refuse(403, "this endpoint is read-only: SPARQL Update is not accepted")
        if path == "/":
            return self.send_text(200, "cstrdf SPARQL endpoint: send queries to /sparql\n")
        return self.refuse(404, "not found")

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_POST(self) -> None:  # noqa: N802
        path = urllib.parse.urlsplit(self.path).path
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        body = self.read_body()
        if body is None:
            return
        if path == "/update" or content_type == "application/sparql-update":
            return self.refuse(403, "this endpoint is read-only: SPARQL Update is not accepted")
        if path not in QUERY_PATHS:
            return self.refuse(404, "not found")
        if content_type == "application/x-www-form-urlencoded":
            fields = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            if "update" in fields:
                return self.refuse(403, "this endpoint is read-only: SPARQL Update is not accepted")
        elif content_type != "application/sparql-query":
            return self.refuse(415, "send application/sparql-query or application/x-www-form-urlencoded")
        query = urllib.parse.urlsplit(self.path).query
        return self.proxy("POST", "/query" + ("?" + query if query else ""), body, content_type)

    def do_PUT(self) -> None:  # noqa: N802
        self.refuse(405, "this endpoint is read-only")

    do_DELETE = do_PUT
    do_PATCH = do_PUT

    # -- helpers --------------------------------------------------------------------------
    def read_body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if length is None:
            self.refuse(411, "a Content-Length is required")
            return None
        try:
            size = int(length)
        except ValueError:
            self.refuse(400, "bad Content-Length")
            return None
        if size < 0 or size > self.options.max_body:
            self.refuse(413, f"request body larger than {self.options.max_body} bytes")
            return None
        return self.rfile.read(size)

    def proxy(self, method: str, path_and_query: str, body: bytes | None, content_type: str | None) -> None:
        headers = {"Accept": self.headers.get("Accept") or "application/sparql-results+json"}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(self.backend_url + path_and_query, data=body, headers=headers,
                                         method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.options.timeout + 5) as answer:
                payload = answer.read()
                status = answer.status
                answer_type = answer.headers.get("Content-Type", "application/octet-stream")
        except urllib.error.HTTPError as error:
            payload = error.read()
            status = error.code
            answer_type = error.headers.get("Content-Type", "text/plain")
        except (urllib.error.URLError, OSError):
            return self.refuse(504, "the query did not finish in time")
        self.send_response(status)
        self.send_header("Content-Type", answer_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Vary", "Accept")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def send_text(self, status: int, text: str) -> None:
        payload = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def refuse(self, status: int, message: str) -> None:
        self.close_connection = True
        self.send_text(status, message + "\n")


class FrontServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    verbose = False


def make_front_server(options: ServeOptions, backend_url: str) -> FrontServer:
    """The front server bound to ``options.host:options.port`` (port 0: any free port)."""
    handler = type("BoundFrontHandler", (FrontHandler,), {"backend_url": backend_url, "options": options})
    try:
        return FrontServer((options.host, options.port), handler)
    except OSError as error:
        raise CstrdfError(f"cannot listen on {options.host}:{options.port}: {error.strerror or error}",
                          ExitCode.USAGE) from None


@dataclass
class RunningServer:
    """A started endpoint; ``url`` is its SPARQL endpoint. Use as a context manager."""

    backend: Backend
    front: FrontServer
    thread: threading.Thread | None = None
    url: str = field(init=False)

    def __post_init__(self) -> None:
        host, port = self.front.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        self.url = f"http://{shown}:{port}/sparql"

    def stop(self) -> None:
        self.front.shutdown()
        self.front.server_close()
        self.backend.stop()

    def __enter__(self) -> "RunningServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start(options: ServeOptions = ServeOptions(), *, in_thread: bool = True) -> RunningServer:
    """Start the endpoint; with ``in_thread`` the front server runs in a background thread.

    >>> with start(ServeOptions(port=0)) as server:  # doctest: +SKIP
    ...     server.url
    'http://127.0.0.1:…/sparql'
    """
    backend = start_backend(options)
    try:
        front = make_front_server(options, backend.url)
    except BaseException:
        backend.stop()
        raise
    running = RunningServer(backend, front)
    if in_thread:
        running.thread = threading.Thread(target=front.serve_forever, daemon=True)
        running.thread.start()
    return running


def serve_until_interrupted(running: RunningServer) -> None:
    """Serve in the foreground until Ctrl-C or SIGTERM, then stop and clean up."""
    def on_term(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        running.front.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        running.front.server_close()
        running.backend.stop()
