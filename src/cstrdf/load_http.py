"""One kept-alive HTTP connection for ``cstrdf load``: bodies streamed from memory in blocks,
digest or basic credentials sent with every request after the first challenge.

Why not :func:`cstrdf.http.request`: urllib answers a digest challenge by sending the whole body
a second time (a 14 MB chunk went over the wire twice; a single request of a million triples
stalled behind Virtuoso's 401), it opens a new connection per request, and it cannot report
progress while a large body is on its way. Failures are described by
:func:`cstrdf.http.describe_failure`, so the one-line errors are the same.
"""

from __future__ import annotations

import base64
import http.client
import io
import urllib.error
import urllib.parse
import urllib.request
from typing import Callable, Iterable

from cstrdf.errors import RemoteError
from cstrdf.http import USER_AGENT, Credentials, check_endpoint_url, describe_failure

#: bytes per send() while a body is streamed; progress is reported after each block
BLOCK = 1 << 20
#: a body larger than this is not sent before the digest nonce is known
PROBE_ABOVE = 1 << 16


class Body:
    """A request body made of N-Triples lines, sent in blocks without joining it all first."""

    def __init__(self, lines: list[bytes]):
        self.lines = lines
        self.length = sum(map(len, lines)) + len(lines)

    def blocks(self) -> Iterable[tuple[bytes, int]]:
        """(block, triples up to the end of it) pairs."""
        start = 0
        while start < len(self.lines):
            size = 0
            end = start
            while end < len(self.lines) and size < BLOCK:
                size += len(self.lines[end]) + 1
                end += 1
            yield b"".join(line + b"\n" for line in self.lines[start:end]), end
            start = end


class _Digest(urllib.request.AbstractDigestAuthHandler):
    """urllib's digest computation (nonce count included), used to answer a challenge once
    and then to sign every later request without waiting for a 401."""


class Session:
    """Requests to one server over one connection (reopened when the server closes it)."""

    def __init__(self, endpoint: str, credentials: Credentials | None, timeout: float):
        self.endpoint = endpoint
        self.credentials = credentials
        self.timeout = timeout
        self._connection: http.client.HTTPConnection | None = None
        self._origin: tuple[str, str, int | None] | None = None
        self._challenge: dict | None = None
        self._digest: _Digest | None = None
        if credentials is not None and credentials.scheme == "digest":
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            manager.add_password(None, endpoint, credentials.user, credentials.password)
            self._digest = _Digest(manager)

    def close(self) -> None:
        """Drop the connection: a body cut off here is a body the server never completes."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def request(self, method: str, url: str, *, body: bytes | Body = b"", headers: dict[str, str],
                progress: Callable[[int], None] | None = None) -> bytes:
        """Send one request and return the body of a 2xx answer; anything else raises
        RemoteError (after closing the connection, so the server sees a body cut short)."""
        check_endpoint_url(url)
        try:
            length = body.length if isinstance(body, Body) else len(body)
            if self._digest is not None and self._challenge is None and length > PROBE_ABOVE:
                self._probe(url)
            status, answer, reply_headers = self._send(method, url, body, headers, progress)
            if status == 401 and self._sign(method, url, reply_headers):
                status, answer, reply_headers = self._send(method, url, body, headers, progress)
        except BaseException as error:
            self.close()
            if isinstance(error, (KeyboardInterrupt, RemoteError)):
                raise
            raise describe_failure(self.endpoint, error) from error
        if not 200 <= status < 300:
            self.close()
            raise describe_failure(self.endpoint, urllib.error.HTTPError(
                url, status, http.client.responses.get(status, ""), reply_headers, io.BytesIO(answer)))
        return answer

    def _probe(self, url: str) -> None:
        """A HEAD request without a body, to learn the digest nonce before a large body goes
        out (whatever the answer, it only serves to sign the next request)."""
        status, _, reply_headers = self._send("HEAD", url, b"", {}, None)
        if status == 401:
            self._sign("HEAD", url, reply_headers)

    def _send(self, method, url, body, headers, progress):
        parts = urllib.parse.urlsplit(url)
        connection = self._connect(parts)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        all_headers = {"User-Agent": USER_AGENT, **headers}
        authorization = self._authorization(method, url)
        if authorization:
            all_headers["Authorization"] = authorization
        length = body.length if isinstance(body, Body) else len(body)
        all_headers["Content-Length"] = str(length)
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in all_headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        if isinstance(body, Body):
            for block, done in body.blocks():
                connection.send(block)
                if progress is not None and done < len(body.lines):
                    progress(done)  # never after the last block: an interrupt here cuts the body short
        elif body:
            connection.send(body)
        response = connection.getresponse()
        answer = response.read()
        if response.will_close:
            self.close()
        return response.status, answer, response.headers

    def _connect(self, parts: urllib.parse.SplitResult) -> http.client.HTTPConnection:
        origin = (parts.scheme, parts.hostname or "", parts.port)
        if self._connection is None or origin != self._origin:
            self.close()
            kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            self._connection = kind(parts.hostname, parts.port, timeout=self.timeout)
            self._origin = origin
        return self._connection

    def _authorization(self, method: str, url: str) -> str | None:
        credentials = self.credentials
        if credentials is None:
            return None
        if self._digest is None:
            token = base64.b64encode(f"{credentials.user}:{credentials.password}".encode()).decode()
            return f"Basic {token}"
        if self._challenge is None:
            return None  # the first request learns the server's nonce from its 401
        request = urllib.request.Request(url, method=method)
        value = self._digest.get_authorization(request, self._challenge)
        return f"Digest {value}" if value else None

    def _sign(self, method: str, url: str, headers) -> bool:
        """After a 401: remember a digest challenge (new or stale nonce); True when the request
        is worth repeating with it."""
        if self._digest is None:
            return False
        for value in headers.get_all("WWW-Authenticate") or []:
            scheme, _, rest = value.partition(" ")
            if scheme.lower() == "digest":
                challenge = urllib.request.parse_keqv_list(
                    filter(None, urllib.request.parse_http_list(rest)))
                first = self._challenge is None
                stale = challenge.get("stale", "").lower() == "true"
                self._challenge = challenge
                return first or stale
        return False
