"""One raw HTTP request, sent exactly as written: the tests of ``cstrdf serve`` need targets
and headers (``/../``, malformed or non-ASCII Accept) that urllib would normalise or refuse."""

from __future__ import annotations

import http.client


def raw_request(address, method: str, target: str, headers: dict[str, str | bytes] | None = None,
                body: bytes | None = None, timeout: float = 30):
    """``method target`` to ``address`` (host, port): (status, headers with lower-case names, body)."""
    connection = http.client.HTTPConnection(*address, timeout=timeout)
    try:
        connection.putrequest(method, target, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()
