"""Plain HTTP for the SPARQL protocols (Graph Store, Update, Query), with one-line errors.

Standard library only (urllib), so loading needs no extra dependency. Every failure becomes a
:class:`~cstrdf.errors.RemoteError` that names the endpoint and the cause: refused, unknown
host, TLS, 401/403, 404, 5xx, timeout.
"""

from __future__ import annotations

import netrc
import os
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from cstrdf.errors import RemoteError, UsageError

PASSWORD_ENV = "CSTRDF_PASSWORD"
USER_AGENT = "cstrdf (https://w3id.org/cstrdf; linked-data publication tool)"


@dataclass(frozen=True)
class Credentials:
    """A user name and password; ``scheme`` is 'digest' or 'basic'. Never printed."""

    user: str
    password: str = ""
    scheme: str = "basic"

    def __repr__(self) -> str:  # the password must not leak into logs or tracebacks
        return f"Credentials(user={self.user!r}, password='***', scheme={self.scheme!r})"


def credentials_for(endpoint: str, user: str | None, scheme: str = "basic") -> Credentials | None:
    """Credentials for ``endpoint``: ``user`` with the password from $CSTRDF_PASSWORD, else from
    ~/.netrc for the endpoint's host; None when no user is given and netrc has none."""
    host = urllib.parse.urlsplit(endpoint).hostname or ""
    from_netrc = None
    try:
        from_netrc = netrc.netrc().authenticators(host)
    except (FileNotFoundError, netrc.NetrcParseError, OSError):
        from_netrc = None
    if user is None:
        if from_netrc is None:
            return None
        return Credentials(from_netrc[0] or "", from_netrc[2] or "", scheme)
    password = os.environ.get(PASSWORD_ENV)
    if password is None and from_netrc is not None and (from_netrc[0] in (None, "", user)):
        password = from_netrc[2]
    return Credentials(user, password or "", scheme)


def check_endpoint_url(url: str) -> str:
    """``url`` if it is an http(s) URL with a host; else a UsageError (urllib would also open
    ``file:`` and ``ftp:`` URLs, which an endpoint option must never do)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise UsageError(f"not an http(s) endpoint URL: {url!r} (e.g. http://127.0.0.1:7878/query)")
    return url


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def request(
    method: str,
    url: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    credentials: Credentials | None = None,
    timeout: float = 60.0,
    endpoint: str | None = None,
) -> Response:
    """Send one request; a non-2xx answer or a network failure raises RemoteError."""
    check_endpoint_url(url)
    handlers: list[urllib.request.BaseHandler] = []
    if credentials is not None:
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        manager.add_password(None, url, credentials.user, credentials.password)
        if credentials.scheme == "digest":
            handlers.append(urllib.request.HTTPDigestAuthHandler(manager))
        else:
            handlers.append(urllib.request.HTTPBasicAuthHandler(manager))
    opener = urllib.request.build_opener(*handlers)
    all_headers = {"User-Agent": USER_AGENT}
    all_headers.update(headers or {})
    req = urllib.request.Request(url, data=data, headers=all_headers, method=method)
    try:
        with opener.open(req, timeout=timeout) as answer:
            return Response(answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read())
    except BaseException as error:  # noqa: BLE001 - every network failure becomes one line
        if isinstance(error, KeyboardInterrupt):
            raise
        raise describe_failure(endpoint or url, error) from error


def describe_failure(endpoint: str, error: BaseException) -> RemoteError:
    """A RemoteError naming the endpoint and the cause of ``error``."""
    if isinstance(error, urllib.error.HTTPError):
        code = error.code
        reason = {
            401: "401 Unauthorized (wrong or missing user/password; set CSTRDF_PASSWORD)",
            403: "403 Forbidden (the user may not do this)",
            404: "404 Not Found (check the endpoint URL and --store)",
        }.get(code, f"HTTP {code} {error.reason}")
        detail = ""
        try:
            text = error.read().decode("utf-8", "replace").strip()
            if text and code >= 500:
                detail = ": " + " ".join(text.split())[:200]
        except Exception:  # noqa: BLE001 - the body is a courtesy
            detail = ""
        return RemoteError(f"{endpoint}: {reason}{detail}")
    cause = getattr(error, "reason", error)
    if isinstance(cause, (socket.timeout, TimeoutError)) or isinstance(error, (socket.timeout, TimeoutError)):
        return RemoteError(f"{endpoint}: timed out")
    if isinstance(cause, ConnectionRefusedError):
        return RemoteError(f"{endpoint}: connection refused (is the server running?)")
    if isinstance(cause, socket.gaierror):
        return RemoteError(f"{endpoint}: unknown host ({cause.strerror or cause})")
    if isinstance(cause, ssl.SSLError):
        return RemoteError(f"{endpoint}: TLS error ({cause.reason or cause})")
    if isinstance(cause, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
        return RemoteError(f"{endpoint}: connection dropped ({type(cause).__name__})")
    if isinstance(error, urllib.error.URLError):
        return RemoteError(f"{endpoint}: {cause}")
    return RemoteError(f"{endpoint}: {type(error).__name__}: {error}")
