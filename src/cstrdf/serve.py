"""``cstrdf serve``: the publication as linked data on one local server.

* ``/sparql`` (and ``/query``): a read-only SPARQL 1.1 Protocol endpoint. Oxigraph server (the
  ``oxigraph`` binary from PyPI) answers: the publication is loaded with ``oxigraph load`` into
  a temporary store, which ``oxigraph serve-read-only`` serves on a private loopback port with a
  query timeout. Updates and oversized requests are refused here, in the front server.
* ``/id/<slug>`` and ``/ontology``: dereferenceable IRIs, following "Cool URIs for the Semantic
  Web" (W3C Interest Group Note, 2008, section 4.3, 303 URIs forwarding to different
  documents). An IRI names a thing, not a document, so it answers ``303 See Other`` with the
  document that best fits the ``Accept`` header: ``/page/<slug>`` (HTML) or ``/id/<slug>.ttl``,
  ``.jsonld``, ``.nt``, ``.rdf`` (the resource's concise bounded description plus the labels of
  what it links to). Quality values are honoured (RFC 9110, section 12.5.1); a type nobody
  offers gets ``406``; every negotiated answer says ``Vary: Accept``.
* everything else: the static site of ``cstrdf site`` (generated into the temporary folder at
  start, or the folder given as ``site``).

The public IRIs ``https://w3id.org/cstrdf/<path>`` map to ``<base_path>/<path>`` on this server
(:func:`iri_to_path`, :func:`path_to_iri`); docs/w3id.md has the w3id redirect rules.

Safe by default: loopback bind, no path outside the site (``..``, encoded and double-encoded
variants, backslashes and NUL are refused), bounded request line, headers and body, one deadline
for reading a whole request (a client that trickles its bytes is cut off too), a query timeout,
and no SERVICE calls to other hosts unless the operator allows them (``allow_service``): the
endpoint would otherwise fetch from any URL a caller names. The Accept header of a query is
parsed here and only its well-formed media ranges reach Oxigraph, which answers 400 to a
malformed one. The temporary folder is removed on exit.
"""

from __future__ import annotations

import contextlib
import http.server
import io
import os
import re
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
from cstrdf.sparql_guard import calls_other_services

#: largest request body accepted (a SPARQL query, form-encoded)
MAX_BODY = 1 << 20
#: longest request line and largest header block accepted (bytes)
MAX_REQUEST_LINE = 8 * 1024
MAX_HEADER_BYTES = 16 * 1024
QUERY_PATHS = ("/sparql", "/query")
PUBLIC_BASE = "https://w3id.org/cstrdf/"
READ_ONLY = "this endpoint is read-only: SPARQL Update is not accepted"
SERVICE_OFF = ("SERVICE is off: this endpoint does not call other services for its clients "
               "(the operator can allow it with 'cstrdf serve --allow-service')")

#: the representations of a thing, in the server's order of preference, with the media types
#: that ask for each (the first is the one sent as Content-Type)
REPRESENTATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("html", ("text/html",)),
    ("ttl", ("text/turtle",)),
    ("jsonld", ("application/ld+json", "application/json")),
    ("nt", ("application/n-triples",)),
    ("rdf", ("application/rdf+xml",)),
)
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".ttl": "text/turtle; charset=utf-8",
    ".jsonld": "application/ld+json",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
    ".trig": "application/trig",
    ".rq": "application/sparql-query",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_TOKEN = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
_QVALUE = re.compile(r"^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$")


@dataclass(frozen=True)
class ServeOptions:
    """How to serve: where to listen and the limits of the endpoint.

    ``site`` is a folder made by ``cstrdf site`` (None: generate one at start);
    ``base_path`` is the path prefix a deployment maps ``https://w3id.org/cstrdf/`` onto
    (``""``: the root, so ``/id/x`` is ``https://w3id.org/cstrdf/id/x``).
    """

    host: str = "127.0.0.1"
    port: int = 7878
    timeout: float = 30.0
    max_body: int = MAX_BODY
    sources: tuple[Path, ...] | None = None
    site: Path | None = None
    article_text: bool = True
    base_path: str = ""
    max_request_line: int = MAX_REQUEST_LINE
    max_header_bytes: int = MAX_HEADER_BYTES
    #: seconds a client may take to send a whole request (slow clients are cut off)
    client_timeout: float = 30.0
    #: let queries call other SPARQL endpoints with SERVICE (off: a public endpoint would fetch
    #: from any host its callers name)
    allow_service: bool = False


# -- the w3id mapping and content negotiation ------------------------------------------------

def iri_to_path(iri: str, base_path: str = "") -> str | None:
    """The server path that serves a public IRI, or None for an IRI outside the publication.

    >>> iri_to_path("https://w3id.org/cstrdf/id/vladimir-putin")
    '/id/vladimir-putin'
    >>> iri_to_path("https://w3id.org/cstrdf/ontology#Proposal", "/cstrdf")
    '/cstrdf/ontology'
    """
    if not iri.startswith(PUBLIC_BASE):
        return None
    rest = iri[len(PUBLIC_BASE):].split("#", 1)[0]
    return f"{base_path.rstrip('/')}/{rest}"


def path_to_iri(path: str, base_path: str = "") -> str | None:
    """The public IRI a server path stands for (None if the path is outside ``base_path``).

    >>> path_to_iri("/id/russia")
    'https://w3id.org/cstrdf/id/russia'
    """
    prefix = base_path.rstrip("/")
    if prefix and not (path == prefix or path.startswith(prefix + "/")):
        return None
    return PUBLIC_BASE + path[len(prefix):].lstrip("/")


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header."""

    type: str
    subtype: str
    q: float


def parse_accept(header: str | None) -> list[MediaRange]:
    """The well-formed media ranges of an Accept header; malformed entries are left out
    (a range without ``/``, ``*/subtype``, a bad token, a q-value outside 0..1 or with more
    than three decimals).

    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/turtle;q=0.5, */*;q=0.1, bad")]
    [('text', 'turtle', 0.5), ('*', '*', 0.1)]
    """
    ranges: list[MediaRange] = []
    for part in (header or "").split(","):
        pieces = [x.strip() for x in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        if media.count("/") != 1:
            continue
        type_, subtype = media.split("/")
        if not (_TOKEN.match(type_) and _TOKEN.match(subtype)) or (type_ == "*" and subtype != "*"):
            continue
        q, ok = 1.0, True
        for param in pieces[1:]:
            if not param:
                continue
            name, equals, value = param.partition("=")
            if name.strip().lower() == "q":
                value = value.strip()
                if not equals or not _QVALUE.match(value):
                    ok = False
                    break
                q = float(value)
        if ok:
            ranges.append(MediaRange(type_, subtype, q))
    return ranges


def quality(ranges: Sequence[MediaRange], media_type: str) -> float:
    """The q-value the most specific matching range gives ``media_type`` (0 when none does)."""
    type_, subtype = media_type.split("/")
    best, specificity = 0.0, -1
    for r in ranges:
        if r.type == type_ and r.subtype == subtype:
            level = 2
        elif r.type == type_ and r.subtype == "*":
            level = 1
        elif r.type == "*" and r.subtype == "*":
            level = 0
        else:
            continue
        if level > specificity or (level == specificity and r.q > best):
            best, specificity = r.q, level
    return best


def negotiate(accept: str | None, offered: Sequence[tuple[str, Sequence[str]]] = REPRESENTATIONS) -> str | None:
    """The name of the representation to send, or None (406).

    No Accept header, an empty one, or one with no well-formed entry counts as ``*/*``
    (RFC 9110 lets a server ignore a malformed Accept). Among equal q-values the server's
    order of ``offered`` decides.

    >>> negotiate("application/ld+json;q=0.9, text/turtle")
    'ttl'
    >>> negotiate("image/png") is None
    True
    """
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0][0]
    scored = []
    for position, (name, media_types) in enumerate(offered):
        q = max(quality(ranges, m) for m in media_types)
        if q > 0:
            scored.append((-q, position, name))
    return min(scored)[2] if scored else None


def clean_accept(header: str | None) -> str:
    """The Accept header to pass on to Oxigraph: the well-formed media ranges of ``header``
    with their q-values, or ``*/*`` (the query form's default format) when none is left.

    Oxigraph answers 400 to an Accept it cannot parse; RFC 9110 section 12.5.1 lets a server
    disregard such a header instead. Oxigraph still chooses among the ranges (it alone knows
    which formats the query's form can take) and answers 406 when none fits.

    >>> clean_accept("text/csv;q=0.5;charset=utf-8, 0, */*;q=abc")
    'text/csv;q=0.5'
    >>> clean_accept(";;;")
    '*/*'
    """
    ranges = parse_accept(header)
    if not ranges:
        return "*/*"
    return ", ".join(f"{r.type}/{r.subtype}" + ("" if r.q == 1 else f";q={r.q:g}") for r in ranges)


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


class DeadlineReader(io.RawIOBase):
    """The reading side of a client's socket, with one deadline for a whole request.

    A socket timeout alone restarts with every byte received, so a client that sends one byte
    every half second would hold a thread for ever; here each read may only wait for the time
    left before the deadline, and a read after it raises TimeoutError.
    """

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self.sock = sock
        self.deadline: float | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the client did not send its request in time")
            self.sock.settimeout(left)
        return self.sock.recv_into(buffer)


class FrontHandler(http.server.BaseHTTPRequestHandler):
    """Linked data, the static site and the SPARQL endpoint; refuses updates, unsafe paths and
    oversized requests."""

    server_version = "cstrdf"
    protocol_version = "HTTP/1.1"

    # set by make_front_server
    backend_url: str = ""
    options: ServeOptions = ServeOptions()
    site_root: Path | None = None

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        if self.server.verbose:  # type: ignore[attr-defined]
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    def setup(self) -> None:
        self.timeout = self.options.client_timeout  # socket timeout: also bounds each write
        super().setup()
        self.reader = DeadlineReader(self.connection)
        self.rfile = io.BufferedReader(self.reader)

    def handle_one_request(self) -> None:
        """The stdlib's, with a tighter bound on the request line and the header block, and
        one deadline (``client_timeout``) for reading the request line, headers and body."""
        self.reader.deadline = time.monotonic() + self.options.client_timeout
        try:
            self.raw_requestline = self.rfile.readline(self.options.max_request_line + 1)
            if len(self.raw_requestline) > self.options.max_request_line:
                self.requestline, self.request_version, self.command = "", "", ""
                self.close_connection = True
                self.send_error(414, "request line too long")
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            size = sum(len(k) + len(v) + 4 for k, v in self.headers.items())
            if size > self.options.max_header_bytes:
                self.close_connection = True
                self.send_error(431, "request header fields too large")
                return
            method = getattr(self, "do_" + self.command, None)
            if method is None:
                self.close_connection = True
                self.send_error(501, f"unsupported method {self.command!r}")
                return
            method()
            self.wfile.flush()
        except TimeoutError:
            self.close_connection = True

    def send_response(self, code: int, message: str | None = None) -> None:
        # the request is read: the answer is written under the plain socket timeout
        self.reader.deadline = None
        self.connection.settimeout(self.options.client_timeout)
        super().send_response(code, message)

    # -- routing ----------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        target = self.path
        if not target.startswith("/"):  # absolute-form or garbage: this is not a proxy
            return self.refuse(400, "the request target must be a path")
        split = urllib.parse.urlsplit(target)
        raw_path = split.path
        path = self.local_path(raw_path)
        if path is None:
            return self.refuse(404, "not found")
        if path in QUERY_PATHS:
            query = split.query
            if "update=" in query and "query=" not in query:
                return self.refuse(403, READ_ONLY)
            if self.refuses_service(query_fields(query)):
                return self.refuse(403, SERVICE_OFF)
            return self.proxy("GET", "/query?" + query, None, None)
        if path == "/update":
            return self.refuse(403, READ_ONLY)
        decoded = self.safe_path(path)
        if decoded is None:
            return self.refuse(400, "bad path")
        return self.linked_data_or_file(decoded)

    def do_HEAD(self) -> None:  # noqa: N802
        self.do_GET()

    def do_POST(self) -> None:  # noqa: N802
        path = self.local_path(urllib.parse.urlsplit(self.path).path)
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        body = self.read_body()
        if body is None:
            return
        if path == "/update" or content_type == "application/sparql-update":
            return self.refuse(403, READ_ONLY)
        if path not in QUERY_PATHS:
            return self.refuse(405 if path is not None else 404,
                               "only the SPARQL endpoint accepts POST" if path is not None else "not found")
        query = urllib.parse.urlsplit(self.path).query
        queries = query_fields(query)
        if content_type == "application/x-www-form-urlencoded":
            fields = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            if "update" in fields:
                return self.refuse(403, READ_ONLY)
            queries += fields.get("query", [])
        elif content_type == "application/sparql-query":
            queries.append(body.decode("utf-8", "replace"))
        else:
            return self.refuse(415, "send application/sparql-query or application/x-www-form-urlencoded")
        if self.refuses_service(queries):
            return self.refuse(403, SERVICE_OFF)
        return self.proxy("POST", "/query" + ("?" + query if query else ""), body, content_type)

    def refuses_service(self, queries: list[str]) -> bool:
        """True if SERVICE is off and one of the queries uses it."""
        return not self.options.allow_service and any(calls_other_services(q) for q in queries)

    def do_PUT(self) -> None:  # noqa: N802
        self.refuse(405, "this endpoint is read-only")

    do_DELETE = do_PUT
    do_PATCH = do_PUT

    # -- paths ------------------------------------------------------------------------------
    def local_path(self, path: str) -> str | None:
        """The path without the deployment's ``base_path`` (None: outside it)."""
        prefix = self.options.base_path.rstrip("/")
        if not prefix:
            return path
        if path == prefix:
            return "/"
        if path.startswith(prefix + "/"):
            return path[len(prefix):]
        return None

    @staticmethod
    def safe_path(path: str) -> str | None:
        """The percent-decoded path if it is safe to map onto files, else None.

        Refused: ``.`` or ``..`` segments (also when percent-encoded), anything that still
        holds ``%`` after one decoding (double encoding), backslashes, NUL and other control
        characters, and segments that start with a dot (hidden files).
        """
        try:
            decoded = urllib.parse.unquote(path, errors="strict")
        except UnicodeDecodeError:
            return None
        if "%" in decoded or "\\" in decoded or any(ord(ch) < 32 or ord(ch) == 127 for ch in decoded):
            return None
        segments = decoded.split("/")[1:]
        if any(seg in (".", "..") or seg.startswith(".") for seg in segments):
            return None
        return decoded

    def site_file(self, relative: str) -> Path | None:
        """A file of the site, only if it lies inside the site folder (symlinks resolved)."""
        if self.site_root is None:
            return None
        root = self.site_root.resolve()
        candidate = (root / relative.lstrip("/")).resolve()
        if candidate != root and root not in candidate.parents:
            return None
        return candidate if candidate.is_file() else None

    # -- linked data --------------------------------------------------------------------------
    def linked_data_or_file(self, path: str) -> None:
        prefix = self.options.base_path.rstrip("/")
        segments = path.strip("/").split("/") if path.strip("/") else []
        if not segments:
            return self.send_file("index.html")
        if len(segments) == 2 and segments[0] == "id" and _SLUG.match(segments[1]):
            slug, dot, extension = segments[1].partition(".")
            if dot:  # a document: /id/<slug>.ttl …
                return self.send_file(f"id/{slug}.{extension}")
            if self.site_file(f"page/{slug}.html") is None:
                return self.refuse(404, f"no resource {PUBLIC_BASE}id/{slug}")
            return self.see_other({"html": f"{prefix}/page/{slug}",
                                   **{x: f"{prefix}/id/{slug}.{x}" for x in ("ttl", "jsonld", "nt", "rdf")}})
        if len(segments) == 2 and segments[0] == "page" and _SLUG.match(segments[1]):
            name = segments[1] if segments[1].endswith(".html") else segments[1] + ".html"
            return self.send_file(f"page/{name}")
        if segments[0] == "ontology" and (len(segments) == 1 or (len(segments) == 2 and _SLUG.match(segments[1]))):
            # the ontology and its version IRIs (owl:versionIRI …/ontology/0.1.0)
            return self.see_other({"html": f"{prefix}/ontology.html",
                                   **{x: f"{prefix}/ontology.{x}" for x in ("ttl", "jsonld", "nt", "rdf")}})
        if segments == ["dataset"]:
            return self.see_other({"html": f"{prefix}/index.html", "ttl": f"{prefix}/data/void.ttl"})
        return self.send_file("/".join(segments))

    def see_other(self, locations: dict[str, str]) -> None:
        """303 to the document that best fits Accept, or 406; both vary by Accept."""
        offered = [(name, types) for name, types in REPRESENTATIONS if name in locations]
        chosen = negotiate(self.headers.get("Accept"), offered)
        if chosen is None:
            available = ", ".join(types[0] for _, types in offered)
            return self.send_bytes(406, f"none of the requested types is available; available: {available}\n".encode(),
                                   "text/plain; charset=utf-8", {"Vary": "Accept"})
        location = locations[chosen]
        body = f"See Other: {location}\n".encode()
        return self.send_bytes(303, body, "text/plain; charset=utf-8", {"Location": location, "Vary": "Accept"})

    def send_file(self, relative: str) -> None:
        file = self.site_file(relative)
        if file is None:
            return self.refuse(404, "not found")
        content_type = CONTENT_TYPES.get(file.suffix, "application/octet-stream")
        return self.send_bytes(200, file.read_bytes(), content_type, {"X-Content-Type-Options": "nosniff"})

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
            self.linger(size)
            return None
        return self.rfile.read(size)

    def linger(self, size: int) -> None:
        """After refusing a body, read and drop some of it before closing ("lingering close",
        RFC 9112 section 9.6): closing with unread data makes the client's system reset the
        connection, and the client may then never see the refusal. Bounded in bytes and time."""
        remaining = min(max(size, 0), 16 * self.options.max_body)
        try:
            self.reader.deadline = time.monotonic() + 2.0
            while remaining > 0:
                chunk = self.rfile.read1(min(remaining, 65536)) if hasattr(self.rfile, "read1") else self.rfile.read(min(remaining, 65536))
                if not chunk:
                    break
                remaining -= len(chunk)
        except OSError:
            pass

    def proxy(self, method: str, path_and_query: str, body: bytes | None, content_type: str | None) -> None:
        headers = {"Accept": clean_accept(self.headers.get("Accept"))}
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
        self.send_bytes(status, payload, answer_type, {"Vary": "Accept"})

    def send_bytes(self, status: int, payload: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def send_text(self, status: int, text: str) -> None:
        self.send_bytes(status, text.encode("utf-8"), "text/plain; charset=utf-8")

    def refuse(self, status: int, message: str) -> None:
        self.close_connection = True
        self.send_text(status, message + "\n")


def query_fields(query_string: str) -> list[str]:
    """The ``query`` fields of a URL's query string (all of them: a caller may repeat it)."""
    return urllib.parse.parse_qs(query_string).get("query", [])


class FrontServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    verbose = False


def make_front_server(options: ServeOptions, backend_url: str, site_root: Path | None = None) -> FrontServer:
    """The front server bound to ``options.host:options.port`` (port 0: any free port)."""
    handler = type("BoundFrontHandler", (FrontHandler,),
                   {"backend_url": backend_url, "options": options, "site_root": site_root})
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
    #: the server's root (with the deployment's base path): the site, /id/…, /ontology
    base_url: str = field(init=False)
    site: Path | None = None

    def __post_init__(self) -> None:
        host, port = self.front.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        prefix = self.front.RequestHandlerClass.options.base_path.rstrip("/")  # type: ignore[attr-defined]
        self.base_url = f"http://{shown}:{port}{prefix}/"
        self.url = f"{self.base_url}sparql"

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
    if options.base_path and not re.fullmatch(r"(/[A-Za-z0-9._-]+)+/?", options.base_path):
        raise CstrdfError(f"bad base path {options.base_path!r} (expected e.g. /cstrdf)", ExitCode.USAGE)
    if options.site is not None and not (Path(options.site) / "index.html").is_file():
        raise InputError("not a folder made by 'cstrdf site' (no index.html)", path=options.site)
    backend = start_backend(options)
    try:
        site = Path(options.site) if options.site is not None else backend.directory / "site"
        if options.site is None:
            from cstrdf.site import generate_site

            generate_site(site, article_text=options.article_text)
        front = make_front_server(options, backend.url, site)
    except BaseException:
        backend.stop()
        raise
    running = RunningServer(backend, front, site=site)
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
