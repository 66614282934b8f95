"""Run SPARQL queries: locally (rdflib or pyoxigraph) over the publication or given files, or
remotely on any SPARQL 1.1 endpoint (SPARQLWrapper, in :mod:`cstrdf.endpoint`).

Everything returns a :class:`cstrdf.results.QueryResult`; nothing prints.

Local data is loaded as one named graph per part of the publication (ontology, facts, context:
see :mod:`cstrdf.publication`), or the given files into the default graph, and queried with the
*union default graph*, so a query without ``GRAPH`` sees everything.

Parameters (``params={"resource": "cstid:joint-command-proposal"}``) are never spliced into the
query text as text. Each value is first read as one RDF term (:func:`parse_param_value`):

* ``<…>`` is an IRI (absolute; the characters SPARQL forbids in IRIs are refused);
* ``prefix:local`` is an IRI when the prefix is declared by the query or is a well-known
  prefix of the project (``cst:``, ``cstid:``, ``schema:`` …); an unknown prefix is an error;
* ``"…"``, ``"…"@lang``, ``"…"^^<iri>`` or ``"…"^^prefix:local`` is that literal, the text
  between the outer quotes taken as it is;
* anything else is a plain literal (``xsd:string``) with exactly that text.

The terms are then written, escaped, into a ``VALUES`` clause appended after the query (the
SPARQL 1.1 grammar's trailing ``ValuesClause``, joined with the query's solutions before
ORDER BY and projection), and the new query is parsed again to check that its ``VALUES`` holds
exactly those terms. The same query text then runs on every engine, local or remote. A value
with a backslash followed by ``u`` or ``U`` is refused: SPARQL decodes ``\\u`` escapes before
parsing and engines disagree on how, so such a value cannot be passed portably.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from cstrdf.errors import CstrdfError, InputError, QueryTimeout, RemoteError, UsageError
from cstrdf.lazyregex import LazyPattern
from cstrdf.namespaces import WELL_KNOWN_PREFIXES
from cstrdf.record import Record
from cstrdf.results import IRI, BlankNode, Literal, QueryResult, Term, escape_string

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (startup time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Mapping, Sequence

    from cstrdf.catalogue import CatalogueQuery

ENGINES = ("oxigraph", "rdflib")
DEFAULT_ENGINE = "oxigraph"

#: seconds to wait for an endpoint's answer when no timeout is given (local queries: no limit)
DEFAULT_ENDPOINT_TIMEOUT = 30.0

_OXIGRAPH_QUERY_ERROR = LazyPattern(r"^error at (\d+):(\d+): (.*)$", re.S)
_VARNAME = LazyPattern(r"^[A-Za-z_][A-Za-z0-9_]*$")
_IRI_FORBIDDEN = LazyPattern(r'[\x00-\x20<>"{}|^`\\]')
_ABSOLUTE_IRI = LazyPattern(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_PNAME = LazyPattern(r"^([A-Za-z][A-Za-z0-9_.-]*)?:([A-Za-z0-9_](?:[A-Za-z0-9_.:-]*[A-Za-z0-9_:-])?)?$")
_QUOTED_LITERAL = LazyPattern(r'^"(.*)"(?:@([A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^(<[^>]*>|[A-Za-z][A-Za-z0-9_.-]*:\S*))?$', re.S)
_PREFIX_DECL = LazyPattern(r"(?im)^\s*PREFIX\s+([A-Za-z][A-Za-z0-9_.-]*)?:\s*<([^>\s]*)>")


# -- preparing a query ----------------------------------------------------------------------

class PreparedQuery(Record):
    """A query checked for syntax, with its parameters bound: ready to run anywhere.

    ``text`` is what is sent to the engine; ``kind`` is ``select``, ``ask`` or ``construct``
    (CONSTRUCT and DESCRIBE); ``prefixes`` are the query's PREFIX declarations.
    """

    _fields = ("text", "kind", "prefixes", "source", "bindings")
    text: str
    kind: str
    prefixes: Mapping[str, str]
    source: str | None
    bindings: Mapping[str, Term]

    def __init__(
        self,
        text: str,
        kind: str,
        prefixes: Mapping[str, str] | None = None,
        source: str | None = None,
        bindings: Mapping[str, Term] | None = None,
    ) -> None:
        self._set(text=text, kind=kind, prefixes={} if prefixes is None else prefixes, source=source,
                  bindings={} if bindings is None else bindings)


def syntax_error(error: SyntaxError, source: str | None, text: str | None = None) -> InputError:
    """pyoxigraph's ``error at LINE:COL: message`` as ``InputError(source, line, col)``.

    pyoxigraph reports the furthest point its parser reached; when that is the end of the text
    (which tells the reader nothing), the position rdflib's parser gives is used instead, or
    else the last character of the query.
    """
    message = error.msg if isinstance(error.msg, str) else str(error)
    match = _OXIGRAPH_QUERY_ERROR.match(message or "")
    if not match:
        return InputError(message or "SPARQL syntax error", path=source or "query")
    line, column, message = int(match.group(1)), int(match.group(2)), match.group(3).strip()
    if text is not None and _at_end(text, line, column):
        line, column = _better_position(text)
    return InputError(message, path=source or "query", line=line, column=column)


def _offset(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    return sum(len(x) + 1 for x in lines[: line - 1]) + column - 1


def _position(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _at_end(text: str, line: int, column: int) -> bool:
    return _offset(text, line, column) >= len(text.rstrip())


def _better_position(text: str) -> tuple[int, int]:
    try:
        from rdflib.plugins.sparql.parser import parseQuery

        parseQuery(text)
    except Exception as error:  # pyparsing's ParseException carries lineno and col
        line, column = getattr(error, "lineno", None), getattr(error, "col", None)
        if isinstance(line, int) and isinstance(column, int) and not _at_end(text, line, column):
            return line, column
    return _position(text, max(0, len(text.rstrip()) - 1))


def query_kind(text: str, source: str | None = None) -> str:
    """``select``, ``ask`` or ``construct`` (also DESCRIBE); a syntax error is an InputError.

    The check is pyoxigraph's SPARQL 1.1 parser, which reports line and column.

    >>> query_kind("ASK {}")
    'ask'
    """
    import pyoxigraph

    try:
        answer = pyoxigraph.Store().query(text)
    except SyntaxError as error:
        raise syntax_error(error, source, text) from None
    if isinstance(answer, pyoxigraph.QueryBoolean):
        return "ask"
    if isinstance(answer, pyoxigraph.QueryTriples):
        return "construct"
    return "select"


def declared_prefixes(text: str) -> dict[str, str]:
    """The ``PREFIX`` declarations at the start of lines of a query (for display and values)."""
    return {prefix or "": namespace for prefix, namespace in _PREFIX_DECL.findall(text)}


def parse_param_value(value: str, prefixes: Mapping[str, str] | None = None) -> Term:
    """Read a ``--param`` value as one RDF term (rules in the module docstring).

    >>> parse_param_value("cstid:russia")
    IRI(value='https://w3id.org/cstrdf/id/russia')
    >>> parse_param_value('x" } ; DROP ALL ; {')
    Literal(lexical='x" } ; DROP ALL ; {', datatype=None, language=None)
    """
    table = {**WELL_KNOWN_PREFIXES, **dict(prefixes or {})}
    if value.startswith("<") and value.endswith(">") and len(value) >= 2:
        return IRI(_checked_iri(value[1:-1], value))
    quoted = _QUOTED_LITERAL.match(value)
    if quoted and len(value) >= 2:
        lexical, language, datatype = quoted.groups()
        if language:
            return Literal(lexical, language=language.lower())
        if datatype:
            return Literal(lexical, datatype=_iri_of(datatype, table, value))
        return Literal(lexical)
    if _PNAME.match(value):
        return IRI(_iri_of(value, table, value))
    return Literal(value)


def _iri_of(reference: str, prefixes: Mapping[str, str], original: str) -> str:
    if reference.startswith("<"):
        return _checked_iri(reference[1:-1], original)
    prefix, _, local = reference.partition(":")
    if prefix not in prefixes:
        raise UsageError(
            f"unknown prefix {prefix + ':'!r} in parameter value {original!r}; write a full IRI "
            f"as <…>, or a literal as \"…\""
        )
    return _checked_iri(prefixes[prefix] + local, original)


def _checked_iri(iri: str, original: str) -> str:
    if _IRI_FORBIDDEN.search(iri) or not _ABSOLUTE_IRI.match(iri):
        raise UsageError(f"not an absolute IRI: {original!r}")
    return iri


def term_to_sparql(term: Term) -> str:
    """A term as SPARQL syntax (IRIs in ``<>``, literals quoted and escaped)."""
    if isinstance(term, BlankNode):
        raise UsageError("a blank node cannot be passed as a parameter")
    return term.n3()


#: the tokens of SPARQL text that matter for binding: comments, strings and IRIs are skipped
#: whole (a ``?x`` or ``VALUES`` inside them is no variable or keyword); braces give the depth
_TOKENS = LazyPattern(
    r'(?P<comment>#[^\n]*)'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*')"
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    r'|(?P<var>[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+)'
    r'|(?P<open>\{)|(?P<close>\})'
    r'|(?P<word>[A-Za-z_][A-Za-z0-9_-]*)'
    r'|(?P<other>.)',
    re.S,
)


def _query_outline(text: str) -> tuple[set[str], bool]:
    """The variables of a query and whether it ends with its own VALUES clause (a VALUES at
    brace depth 0: inside the query pattern it is always within braces)."""
    variables: set[str] = set()
    depth = 0
    trailing_values = False
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup
        if kind == "var":
            variables.add(match.group()[1:])
        elif kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif kind == "word" and depth == 0 and match.group().upper() == "VALUES":
            trailing_values = True
    return variables, trailing_values


def bind_parameters(
    text: str, params: Mapping[str, str], *, source: str | None = None, allowed: Sequence[str] | None = None
) -> tuple[str, dict[str, Term]]:
    """Bind ``params`` (name → value as given on the command line) into ``text``.

    Returns the new query text, with a trailing ``VALUES`` clause, and the bound terms.
    ``allowed`` (the parameters a catalogue query declares) restricts the names. Only
    pyoxigraph is used (importing rdflib's SPARQL parser takes longer than a query).

    >>> text, terms = bind_parameters("SELECT ?r WHERE { ?r ?p ?o }", {"r": "cstid:russia"})
    >>> text.splitlines()[-1]
    'VALUES ( ?r ) { ( <https://w3id.org/cstrdf/id/russia> ) }'
    """
    if not params:
        return text, {}
    for name in params:
        if not _VARNAME.match(name):
            raise UsageError(f"bad parameter name {name!r}: use a SPARQL variable name without '?'")
        if allowed is not None and name not in allowed:
            known = ", ".join(allowed) if allowed else "none"
            raise UsageError(f"the query takes no parameter {name!r} (its parameters: {known})")
    query_kind(text, source)  # a syntax error is reported as such, before any binding
    variables, trailing_values = _query_outline(text)
    if trailing_values:
        raise UsageError("the query already ends with a VALUES clause: --param cannot be used with it")
    for name in params:
        if name not in variables:
            raise UsageError(f"--param {name}: the query has no variable ?{name}")
    prefixes = declared_prefixes(text)
    terms: dict[str, Term] = {}
    for name, value in params.items():
        if re.search(r"\\[uU]", value):
            raise UsageError(
                f"--param {name}: a backslash followed by 'u' or 'U' cannot be passed portably "
                "(SPARQL decodes \\u escapes before parsing)"
            )
        terms[name] = parse_param_value(value, prefixes)
    names = list(terms)
    clause = (
        "VALUES ( " + " ".join("?" + n for n in names) + " ) { ( "
        + " ".join(term_to_sparql(terms[n]) for n in names) + " ) }"
    )
    bound = text + ("" if text.endswith("\n") else "\n") + clause
    _verify_binding(clause, names, terms)
    return bound, terms


def _verify_binding(clause: str, names: list[str], terms: Mapping[str, Term]) -> None:
    """The VALUES clause, parsed on its own, must give exactly one row: the intended terms.

    The clause comes after a complete query (and a line break, so a trailing comment ends
    first): if every value survives parsing as the one term it should be, no value can have
    changed the query before it."""
    import pyoxigraph

    failure = UsageError("a parameter value cannot be bound safely (it does not survive parsing unchanged)")
    try:
        answer = pyoxigraph.Store().query("SELECT * WHERE {}\n" + clause)
        variables = [v.value for v in answer.variables]
        rows = list(answer)
    except (SyntaxError, ValueError, UnicodeError):
        raise failure from None
    if len(rows) != 1 or sorted(variables) != sorted(names):
        raise failure
    for name in names:
        if not _same_term(rows[0][name], terms[name]):
            raise failure


def _same_term(parsed, wanted: Term) -> bool:
    import pyoxigraph

    if isinstance(wanted, IRI):
        return isinstance(parsed, pyoxigraph.NamedNode) and parsed.value == wanted.value
    if not isinstance(parsed, pyoxigraph.Literal) or not isinstance(wanted, Literal):
        return False
    if wanted.language:
        return parsed.language == wanted.language and parsed.value == wanted.lexical
    datatype = wanted.datatype or "http://www.w3.org/2001/XMLSchema#string"
    expected = pyoxigraph.Literal(wanted.lexical, datatype=pyoxigraph.NamedNode(datatype))
    # the engine hands typed values back in canonical form ("01"^^xsd:integer as "1"): compare
    # with the intended literal as a store keeps it
    store = pyoxigraph.Store()
    store.add(pyoxigraph.Quad(pyoxigraph.NamedNode("urn:x"), pyoxigraph.NamedNode("urn:p"), expected))
    return parsed.language is None and parsed == next(iter(store)).object


def prepare(
    text: str,
    *,
    params: Mapping[str, str] | None = None,
    source: str | None = None,
    allowed_params: Sequence[str] | None = None,
) -> PreparedQuery:
    """Check a query's syntax and bind its parameters.

    >>> prepare("SELECT * WHERE { ?s ?p ?o }").kind
    'select'
    """
    kind = query_kind(text, source)
    bound, terms = bind_parameters(text, params or {}, source=source, allowed=allowed_params)
    if terms:
        query_kind(bound, source)  # the bound text must be valid for pyoxigraph too
    return PreparedQuery(text=bound, kind=kind, prefixes=declared_prefixes(text), source=source, bindings=terms)


# -- local engines --------------------------------------------------------------------------

def _raise_if_service_failed(prepared: PreparedQuery, error: OSError) -> None:
    """A query with SERVICE that failed on a network error failed remotely (exit 4), on every
    engine alike."""
    if re.search(r"\bSERVICE\b", prepared.text, re.I):
        raise RemoteError(f"{prepared.source or 'query'}: a SERVICE endpoint failed: {error}") from None


class LocalStore:
    """RDF files loaded into one local engine, ready for many queries.

    >>> store = LocalStore("oxigraph")
    >>> store.query(prepare("ASK { ?s a ?class }")).boolean
    True
    """

    def __init__(self, engine: str = DEFAULT_ENGINE, data: Sequence[str | Path] | None = None) -> None:
        if engine not in ENGINES:
            raise UsageError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
        self.engine = engine
        self.data = None
        if data:
            from cstrdf.corpus import rdf_files

            self.data = tuple(rdf_files(data))  # a folder stands for its RDF files
        self._store = self._load_oxigraph() if engine == "oxigraph" else self._load_rdflib()

    def _load_oxigraph(self):
        # the same store as publication.load_store, without re-checking files that passed before
        from cstrdf.checkcache import load_store

        return load_store(self.data)

    def _load_rdflib(self):
        from cstrdf.publication import parts
        from cstrdf.rdfio import load_dataset, load_graph

        if self.data:
            return load_graph(self.data)
        dataset = load_dataset({part.graph: part.files for part in parts()})
        dataset.default_union = True
        return dataset

    def query(self, prepared: PreparedQuery, *, timeout: float | None = None) -> QueryResult:
        """Run a prepared query; returns the result with the query's prefixes for display.

        With ``timeout`` (seconds) the query runs in a worker process (a fork of this one, so
        the loaded data is shared, not copied or reloaded) that is killed when the time is up:
        neither engine can interrupt a query once it runs. Then :class:`QueryTimeout` (exit 5).
        """
        if timeout is None:
            return self._query_now(prepared)
        return _in_worker(self._query_now, prepared, timeout)

    def _query_now(self, prepared: PreparedQuery) -> QueryResult:
        if self.engine == "oxigraph":
            return self._query_oxigraph(prepared)
        return self._query_rdflib(prepared)

    def _query_oxigraph(self, prepared: PreparedQuery) -> QueryResult:
        import pyoxigraph

        try:
            answer = self._store.query(prepared.text, use_default_graph_as_union=True)
            if isinstance(answer, pyoxigraph.QueryBoolean):
                return QueryResult("ask", boolean=bool(answer), prefixes=prepared.prefixes)
            if isinstance(answer, pyoxigraph.QueryTriples):
                triples = tuple(
                    (_from_oxigraph(t.subject), _from_oxigraph(t.predicate), _from_oxigraph(t.object))
                    for t in answer
                )
                return QueryResult("construct", triples=triples, prefixes=prepared.prefixes)
            variables = tuple(v.value for v in answer.variables)
            rows = tuple(tuple(_from_oxigraph(solution[i]) for i in range(len(variables))) for solution in answer)
            return QueryResult("select", variables=variables, rows=rows, prefixes=prepared.prefixes)
        except SyntaxError as error:
            raise syntax_error(error, prepared.source, prepared.text) from None
        except OSError as error:
            # pyoxigraph raises OSError when a SERVICE call fails: a remote failure (exit 4)
            _raise_if_service_failed(prepared, error)
            raise InputError(f"query failed: {error}", path=prepared.source) from None

    def _query_rdflib(self, prepared: PreparedQuery) -> QueryResult:
        import warnings

        try:
            with warnings.catch_warnings():
                # rdflib 7.6's own Dataset code calls its deprecated default_context on every
                # union-graph lookup: thousands of warnings that say nothing about the query
                warnings.filterwarnings("ignore", message=r"Dataset\.default_context", category=DeprecationWarning)
                answer = self._store.query(prepared.text)
                if answer.type == "SELECT":
                    answer.bindings  # evaluate now, inside the filter  # noqa: B018
        except OSError as error:  # urllib's errors: a SERVICE call failed
            _raise_if_service_failed(prepared, error)
            raise InputError(f"rdflib cannot run the query: {error}", path=prepared.source or "query") from None
        except Exception as error:  # rdflib raises many types for a query it cannot run
            raise InputError(f"rdflib cannot run the query: {error}", path=prepared.source or "query") from None
        if answer.type == "ASK":
            return QueryResult("ask", boolean=bool(answer.askAnswer), prefixes=prepared.prefixes)
        if answer.type in ("CONSTRUCT", "DESCRIBE"):
            triples = tuple(
                (_from_rdflib(s), _from_rdflib(p), _from_rdflib(o)) for s, p, o in answer.graph
            )
            return QueryResult("construct", triples=triples, prefixes=prepared.prefixes)
        variables = tuple(str(v) for v in answer.vars)
        rows = tuple(tuple(_from_rdflib(value) for value in row) for row in answer)
        return QueryResult("select", variables=variables, rows=rows, prefixes=prepared.prefixes)


def _in_worker(run, prepared: PreparedQuery, timeout: float) -> QueryResult:
    """``run(prepared)`` in a forked worker process, killed after ``timeout`` seconds."""
    import multiprocessing

    if timeout <= 0:
        raise UsageError(f"--timeout must be more than 0 seconds, not {timeout:g}")
    context = multiprocessing.get_context("fork")  # the child shares the loaded store
    receiver, sender = context.Pipe(duplex=False)

    def work() -> None:
        try:
            outcome = ("result", run(prepared))
        except CstrdfError as error:
            outcome = ("error", error)
        except BaseException as error:  # noqa: BLE001 - reported in the parent as a bug
            outcome = ("bug", f"{type(error).__name__}: {error}")
        sender.send(outcome)

    worker = context.Process(target=work, name="cstrdf-query", daemon=True)
    worker.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise QueryTimeout(
                f"{prepared.source or 'query'}: the query ran longer than {timeout:g} s and was stopped "
                "(--timeout)"
            )
        try:
            kind, value = receiver.recv()
        except EOFError:
            raise RuntimeError(f"the query's worker process died (exit code {worker.exitcode})") from None
    finally:
        receiver.close()
        if worker.is_alive():
            worker.kill()
        worker.join()
    if kind == "error":
        raise value
    if kind == "bug":
        raise RuntimeError(value)
    return value


def _from_oxigraph(term) -> Term | None:
    import pyoxigraph

    if term is None:
        return None
    if isinstance(term, pyoxigraph.NamedNode):
        return IRI(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return BlankNode(term.value)
    if isinstance(term, pyoxigraph.Literal):
        return Literal(term.value, datatype=term.datatype.value if term.datatype else None, language=term.language)
    raise InputError(f"unsupported term in a result: {term!r} (RDF-star triple terms are not used here)")


def _from_rdflib(term) -> Term | None:
    import rdflib

    if term is None:
        return None
    if isinstance(term, rdflib.URIRef):
        return IRI(str(term))
    if isinstance(term, rdflib.BNode):
        return BlankNode(str(term))
    if isinstance(term, rdflib.Literal):
        return Literal(str(term), datatype=str(term.datatype) if term.datatype else None, language=term.language)
    raise InputError(f"unsupported term in a result: {term!r}")


# -- remote endpoints: cstrdf.endpoint ------------------------------------------------------

def __getattr__(name: str):
    # query_endpoint lives in cstrdf.endpoint (HTTP code a local query never needs, yet would
    # compile and import on every run); it stays importable from here, where users look for it
    if name == "query_endpoint":
        from cstrdf import endpoint

        return getattr(endpoint, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- one call for everything ------------------------------------------------------------------

def read_query(query: "str | Path | CatalogueQuery") -> tuple[str, str | None, Sequence[str] | None]:
    """The text, source name and declared parameters of a query given as a catalogue entry, a
    catalogue name, a path to an ``.rq`` file or ``-`` (standard input)."""
    import sys

    from cstrdf.catalogue import CatalogueQuery, find_query
    from cstrdf.rdfio import read_text

    if isinstance(query, CatalogueQuery):
        return query.text, str(query.path), [p.name for p in query.params]
    if isinstance(query, Path):
        return read_text(query), str(query), None
    if query == "-":
        return sys.stdin.read(), "<stdin>", None
    path = Path(query)
    if path.suffix == ".rq" or os.sep in query or path.is_file():
        return read_text(path), str(path), None
    entry = find_query(query)
    return entry.text, str(entry.path), [p.name for p in entry.params]


def run_query(
    query: "str | Path | CatalogueQuery | None" = None,
    *,
    sparql: str | None = None,
    params: Mapping[str, str] | None = None,
    engine: str = DEFAULT_ENGINE,
    data: Sequence[str | Path] | None = None,
    endpoint: str | None = None,
    method: str = "POST",
    timeout: float | None = None,
    retries: int = 3,
    user: str | None = None,
    store: LocalStore | None = None,
    default_graph: str | None = None,
    wikidata_endpoint: str | None = None,
) -> QueryResult:
    """Run a catalogue query, an ``.rq`` file or SPARQL text, locally or on an endpoint.

    ``wikidata_endpoint`` (default: $CSTRDF_WIKIDATA_ENDPOINT) replaces the IRI of every
    ``SERVICE <https://query.wikidata.org/sparql>`` in the query, so a federated query runs
    against any Wikidata mirror (or a local server holding the snapshot).

    ``query`` is a catalogue name (``q01`` or ``q01-members-at-moscow-summit``), a path, ``-``
    or a :class:`~cstrdf.catalogue.CatalogueQuery`; or give the text as ``sparql``. Locally the
    packaged publication is used unless ``data`` names files; ``store`` reuses loaded data.
    ``timeout`` (seconds) bounds the endpoint's answer (default 30 s) or a local query's run
    (default: no limit; with a limit the query runs in a worker process that is stopped).

    >>> result = run_query("q05")
    >>> [row[1].lexical for row in result.rows]
    ['Russia']
    """
    if (query is None) == (sparql is None):
        raise UsageError("give either a query (name, file or '-') or SPARQL text, not both")
    if sparql is not None:
        text, source, allowed = sparql, "query", None
    else:
        text, source, allowed = read_query(query)
    mirror = wikidata_endpoint or os.environ.get("CSTRDF_WIKIDATA_ENDPOINT")
    if mirror:
        from cstrdf.wikidata import rewrite_service

        text = rewrite_service(text, mirror)
    prepared = prepare(text, params=params, source=source, allowed_params=allowed)
    if endpoint:
        if data:
            raise UsageError("--data and --endpoint exclude each other: the endpoint has its own data")
        from cstrdf.endpoint import query_endpoint

        return query_endpoint(endpoint, prepared, method=method, timeout=timeout, retries=retries, user=user,
                              default_graph=default_graph)
    if default_graph:
        raise UsageError("--graph applies to --endpoint queries (local data is queried as one union graph)")
    local = store if store is not None else LocalStore(engine, data)
    return local.query(prepared, timeout=timeout)
