"""Real HTTP servers on loopback that misbehave on purpose, for the error-contract tests.

They are not mocks: each is a ``http.server`` listening on a free loopback port in a thread,
and the code under test reaches it over TCP exactly as it reaches any endpoint.

* :func:`scripted` answers every request with the next :class:`Reply` of a script (the last
  one repeats): a status, headers, a body, an optional delay.
* :func:`silent` accepts connections and never answers.
* :class:`Proxy` forwards everything to a real store (Oxigraph server) and can cut off, or
  answer late, the requests whose path starts with a given prefix.
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reply:
    """One scripted answer."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: seconds to wait before answering
    delay: float = 0.0


@dataclass
class Seen:
    """One request a misbehaving server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


class _ScriptedHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        server = self.server
        with server.lock:
            server.seen.append(Seen(self.command, self.path, dict(self.headers), body, time.monotonic()))
            reply = server.script[min(len(server.seen), len(server.script)) - 1]
        if reply.delay:
            time.sleep(reply.delay)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _answer


class ScriptedServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, script: list[Reply]) -> None:
        super().__init__(("127.0.0.1", 0), _ScriptedHandler)
        self.script = script
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/sparql"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def scripted(*replies: Reply) -> ScriptedServer:
    """A started server answering with ``replies`` in turn (the last one repeats)."""
    return ScriptedServer(list(replies) or [Reply()])


class Silent:
    """A listening socket that accepts connections (the kernel does) and never answers."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(8)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.socket.getsockname()[1]}/sparql"

    def stop(self) -> None:
        self.socket.close()


def silent() -> Silent:
    return Silent()


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def _forward(self) -> None:
        proxy: Proxy = self.server.proxy  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        hit = proxy.prefix is not None and self.path.startswith(proxy.prefix)
        if hit:
            proxy.hits += 1
        if hit and proxy.mode == "drop":
            proxy.hit.set()
            # read a little of the upload, then cut the connection off without an answer:
            # SO_LINGER 0 makes close() send a RST, as a crashed peer or a middlebox would
            self.rfile.read(min(length, 1024))
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
            self.connection.close()
            return
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "content-length")}
        request = urllib.request.Request(proxy.target + self.path, data=body, headers=headers, method=self.command)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                status, answer_headers, payload = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as error:
            status, answer_headers, payload = error.code, error.headers, error.read()
        if hit and proxy.mode == "slow":  # the store has done the work; the answer is late
            proxy.hit.set()
            time.sleep(proxy.delay)
        self.send_response(status)
        for name, value in answer_headers.items():
            if name.lower() not in ("content-length", "connection", "transfer-encoding", "server", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _forward


class Proxy:
    """Forwards to ``target`` (a real store); requests whose path starts with ``prefix`` are
    cut off mid-upload (``mode="drop"``: never forwarded) or forwarded and answered ``delay``
    seconds late (``mode="slow"``). ``hit`` is set when such a request has been cut off or
    forwarded."""

    def __init__(self, target: str, prefix: str | None = None, mode: str = "drop", delay: float = 0.0) -> None:
        self.target = target.rstrip("/")
        self.prefix, self.mode, self.delay = prefix, mode, delay
        self.hits = 0
        self.hit = threading.Event()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ProxyHandler)
        self.server.daemon_threads = True
        self.server.proxy = self  # type: ignore[attr-defined]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
