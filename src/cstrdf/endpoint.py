"""Run a prepared query on a remote SPARQL 1.1 endpoint (SPARQLWrapper), with retries, and
read its answer into a :class:`cstrdf.results.QueryResult`; every failure is a one-line
:class:`~cstrdf.errors.RemoteError` that names the endpoint.

Kept apart from :mod:`cstrdf.sparql` (which re-exports these names) so that a local query
neither compiles nor imports the HTTP code.
"""

from __future__ import annotations

import os
import re
import time

from cstrdf.errors import RemoteError, UsageError
from cstrdf.lazyregex import LazyPattern
from cstrdf.results import QueryResult
from cstrdf.http import PASSWORD_ENV
from cstrdf.sparql import DEFAULT_ENDPOINT_TIMEOUT, PreparedQuery, _from_oxigraph


def _retry_after(headers, attempt: int, backoff: float) -> float:
    """Seconds to wait before the next attempt: the server's Retry-After if it gives one."""
    value = headers.get("Retry-After") if headers is not None else None
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            from email.utils import parsedate_to_datetime
            from datetime import datetime, timezone

            when = parsedate_to_datetime(value)
            return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
        except (TypeError, ValueError):
            pass
    return backoff * (2 ** attempt)


_HTML = LazyPattern(r"^\s*(?:<!doctype\s+html|<html[\s>])", re.I)
_HTML_TITLE = LazyPattern(r"<(title|h1)[^>]*>(.*?)</\1\s*>", re.I | re.S)


def _html_summary(text: str) -> str | None:
    """``an HTML page "<title>"`` when ``text`` is an HTML page (an error or login page)."""
    if not _HTML.match(text):
        return None
    found = _HTML_TITLE.search(text)
    title = " ".join(re.sub(r"<[^>]+>", " ", found.group(2)).split()) if found else ""
    return f'an HTML page "{title[:120]}"' if title else "an HTML page"


def _first_line(data: bytes | str | None, limit: int = 200) -> str:
    if data is None:
        return ""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
    html = _html_summary(text)
    if html:
        return html
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = lines[0] if lines else ""
    return first if len(first) <= limit else first[: limit - 1] + "…"


def query_endpoint(
    endpoint: str,
    prepared: PreparedQuery,
    *,
    method: str = "POST",
    timeout: float | None = 30.0,
    retries: int = 3,
    backoff: float = 0.5,
    max_wait: float = 60.0,
    user: str | None = None,
    password: str | None = None,
    default_graph: str | None = None,
) -> QueryResult:
    """Run a prepared query on a SPARQL 1.1 endpoint through SPARQLWrapper.

    ``default_graph`` is sent as the protocol's ``default-graph-uri``: the graph the query's
    default graph is, on stores that load the publication into one named graph.

    ``method`` is GET or POST (URL-encoded form). A 429 or 503 answer is retried up to
    ``retries`` times, waiting as the server's ``Retry-After`` asks (at most ``max_wait``
    seconds) or else ``backoff × 2^attempt`` seconds. With ``user``, the password is
    ``password`` or else the environment variable ``CSTRDF_PASSWORD`` (HTTP basic auth).
    Every failure is a RemoteError whose one-line message names the endpoint.
    """
    import socket
    import urllib.error

    from SPARQLWrapper import GET, JSON, POST, TURTLE, SPARQLWrapper
    from SPARQLWrapper import SPARQLExceptions

    from cstrdf.http import check_endpoint_url

    check_endpoint_url(endpoint)
    method = method.upper()
    if method not in ("GET", "POST"):
        raise UsageError(f"unknown HTTP method {method!r} (GET or POST)")
    if timeout is None:
        timeout = DEFAULT_ENDPOINT_TIMEOUT
    wrapper = SPARQLWrapper(endpoint)
    wrapper.setQuery(prepared.text)
    wrapper.queryType = {"select": "SELECT", "ask": "ASK", "construct": "CONSTRUCT"}[prepared.kind]
    wrapper.setMethod(POST if method == "POST" else GET)
    wrapper.setReturnFormat(JSON if prepared.kind in ("select", "ask") else TURTLE)
    if default_graph:
        wrapper.addDefaultGraph(default_graph)
    if timeout:
        wrapper.setTimeout(int(timeout) if float(timeout).is_integer() else timeout)
    if user:
        secret = password if password is not None else os.environ.get(PASSWORD_ENV)
        if secret is None:
            raise UsageError(f"--user {user}: set the password in the environment variable {PASSWORD_ENV}")
        wrapper.setCredentials(user, secret)

    attempt = 0
    while True:
        try:
            response = wrapper.query().response
            body = response.read()
            headers = response.headers
            content_type = headers.get("Content-Type", "") if headers else ""
            break
        except urllib.error.HTTPError as error:
            if error.code in (429, 503) and attempt < retries:
                wait = _retry_after(error.headers, attempt, backoff)
                if wait > max_wait:
                    raise RemoteError(
                        f"endpoint {endpoint}: HTTP {error.code}, asks to retry after {wait:.0f} s (more than {max_wait:.0f} s)"
                    ) from None
                time.sleep(wait)
                attempt += 1
                continue
            detail = _first_line(_safe_read(error))
            raise RemoteError(
                f"endpoint {endpoint}: HTTP {error.code} {error.reason}" + (f": {detail}" if detail else "")
            ) from None
        except SPARQLExceptions.SPARQLWrapperException as error:
            code = {
                "QueryBadFormed": 400, "Unauthorized": 401, "EndPointNotFound": 404,
                "URITooLong": 414, "EndPointInternalError": 500,
            }.get(type(error).__name__)
            detail = _first_line(_wrapper_response(error))
            label = f"HTTP {code} {type(error).__name__}" if code else type(error).__name__
            if code == 401:
                label += f" (wrong or missing user/password; the password comes from ${PASSWORD_ENV})"
            raise RemoteError(f"endpoint {endpoint}: {label}" + (f": {detail}" if detail else "")) from None
        except urllib.error.URLError as error:
            import ssl

            reason = error.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise RemoteError(f"endpoint {endpoint}: no answer within {timeout:g} s") from None
            text = getattr(reason, "strerror", None) or str(reason)
            if isinstance(reason, socket.gaierror):
                text = f"unknown host ({text})"
            elif isinstance(reason, ssl.SSLError):
                text = f"TLS error ({getattr(reason, 'reason', None) or text}; does it speak https?)"
            raise RemoteError(f"cannot reach endpoint {endpoint}: {text}") from None
        except (socket.timeout, TimeoutError):
            raise RemoteError(f"endpoint {endpoint}: no answer within {timeout:g} s") from None
        except (ConnectionError, OSError) as error:
            raise RemoteError(f"endpoint {endpoint}: {error.strerror or error}") from None
        except ValueError as error:  # e.g. a malformed endpoint URL
            raise RemoteError(f"endpoint {endpoint}: {error}") from None
    result = _parse_remote(endpoint, prepared, body, content_type)
    return _with_row_limit_warning(endpoint, result, headers.get("X-SPARQL-MaxRows") if headers else None)


def _with_row_limit_warning(endpoint: str, result: QueryResult, max_rows: str | None) -> QueryResult:
    """Virtuoso cuts a result at its ``ResultSetMaxRows`` and says so only in the
    ``X-SPARQL-MaxRows`` header: when the answer has that many rows (or triples), say it."""
    if not max_rows or not max_rows.strip().isdigit():
        return result
    limit = int(max_rows.strip())
    if result.kind == "ask" or len(result) < limit:
        return result
    unit = "rows" if result.kind == "select" else "triples"
    warning = (
        f"endpoint {endpoint}: the server cut the answer at {limit} {unit} (X-SPARQL-MaxRows); "
        f"more may exist: page with ORDER BY, LIMIT and OFFSET, or raise the server's limit"
    )
    return result.replace(warnings=result.warnings + (warning,))


def _wrapper_response(error) -> bytes | str:
    """The response body SPARQLWrapper folds into its exception's message (as a bytes repr)."""
    import ast

    text = str(error)
    marker = "\n\nResponse:\n"
    if marker not in text:
        return ""
    raw = text.split(marker, 1)[1]
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return raw
    return value if isinstance(value, (bytes, str)) else raw


def _safe_read(error) -> bytes:
    try:
        return error.read()
    except Exception:  # the body may be gone already
        return b""


def _virtuoso_ask(result: QueryResult) -> QueryResult | None:
    """Virtuoso 7 answers ASK in JSON as a one-row result set with the variable
    ``__ASK_RETVAL`` bound to 0 or 1 (a known engine quirk, tested in test_cross_engine.py):
    read that as the boolean it means."""
    if result.variables == ("__ASK_RETVAL",) and len(result.rows) <= 1:
        value = result.rows[0][0] if result.rows else None
        return QueryResult("ask", boolean=bool(value is not None and value.lexical not in ("0", "false")))
    return None


def _parse_remote(endpoint: str, prepared: PreparedQuery, body: bytes, content_type: str) -> QueryResult:
    import json

    from cstrdf.results import result_from_json

    html = _html_summary(body[:4096].decode("utf-8", "replace"))
    if html:
        raise RemoteError(f"endpoint {endpoint}: the answer is {html}, not SPARQL results ({content_type or 'no content type'})")
    if prepared.kind in ("select", "ask"):
        try:
            data = json.loads(body.decode("utf-8"))
            result = result_from_json(data, prepared.prefixes)
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as error:
            raise RemoteError(
                f"endpoint {endpoint}: the answer is not SPARQL JSON results ({content_type or 'no content type'}): {error}"
            ) from None
        if prepared.kind == "ask" and result.kind == "select":
            result = _virtuoso_ask(result) or result
        if result.kind != prepared.kind:
            raise RemoteError(f"endpoint {endpoint}: expected a {prepared.kind.upper()} answer, got {result.kind.upper()}")
        return result
    import pyoxigraph

    from cstrdf.formats import by_media_type

    fmt = by_media_type(content_type) if content_type else None
    rdf_format = fmt.oxigraph() if fmt is not None else pyoxigraph.RdfFormat.TURTLE
    try:
        triples = tuple(
            (_from_oxigraph(q.subject), _from_oxigraph(q.predicate), _from_oxigraph(q.object))
            for q in pyoxigraph.parse(body, format=rdf_format)
        )
    except (SyntaxError, ValueError) as error:
        raise RemoteError(f"endpoint {endpoint}: cannot read the RDF it sent ({content_type}): {error}") from None
    return QueryResult("construct", triples=triples, prefixes=prepared.prefixes)
