"""Query results as plain data, and their serializations.

A result is a small frozen :class:`QueryResult` whose values are this module's own RDF terms
(:class:`IRI`, :class:`BlankNode`, :class:`Literal`), so that rdflib, pyoxigraph and a remote
endpoint all give the same kind of object and nothing here imports a heavy library.

Serializations (:data:`RESULT_FORMATS`):

* SELECT and ASK: ``json``, ``xml``, ``csv`` and ``tsv`` are the W3C SPARQL 1.1 Query Results
  formats exactly (JSON: https://www.w3.org/TR/sparql11-results-json/, XML:
  https://www.w3.org/TR/rdf-sparql-XMLres/, CSV and TSV: https://www.w3.org/TR/sparql11-results-csv-tsv/).
  CSV and TSV define no form for ASK; like Jena, they get one column ``_askResult``.
* CONSTRUCT and DESCRIBE: ``turtle``, ``nt`` (N-Triples) and ``jsonld``.
* ``table``, for people: aligned columns, prefixed names, a row count.

The *normalized* form (:func:`normalized_rows`) is what expectation files hold: one string per
cell, the same whichever engine produced the result (see :func:`normalize_term`).
"""

from __future__ import annotations

from collections.abc import Mapping

from cstrdf.errors import UsageError
from cstrdf.namespaces import CST, CSTID, WELL_KNOWN_PREFIXES, XSD
from cstrdf.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (startup time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Iterable, Sequence


def _xml_escape(text: str) -> str:
    # imported here: xml.sax.saxutils pulls in urllib.request and email (~0.1 s at start-up)
    from xml.sax.saxutils import escape

    return escape(text)


def _xml_attr(text: str) -> str:
    from xml.sax.saxutils import quoteattr

    return quoteattr(text)

XSD_STRING = XSD + "string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


# -- terms ----------------------------------------------------------------------------------

class IRI(Record):
    """An IRI (``value`` is the full IRI)."""

    _fields = ("value",)
    value: str

    def __init__(self, value: str) -> None:
        self._set(value=value)

    def n3(self) -> str:
        return f"<{self.value}>"


class BlankNode(Record):
    """A blank node; ``id`` is its label without ``_:`` (only meaningful inside one result)."""

    _fields = ("id",)
    id: str

    def __init__(self, id: str) -> None:  # noqa: A002 - the field's name
        self._set(id=id)

    def n3(self) -> str:
        return f"_:{self.id}"


class Literal(Record):
    """A literal: its lexical form, and a datatype IRI or a language tag.

    A simple literal (``xsd:string``) has ``datatype=None``; a language-tagged one has its
    ``language`` and ``datatype=None``.

    >>> Literal("2002-05-13", datatype="http://www.w3.org/2001/XMLSchema#date").n3()
    '"2002-05-13"^^<http://www.w3.org/2001/XMLSchema#date>'
    """

    _fields = ("lexical", "datatype", "language")
    lexical: str
    datatype: str | None
    language: str | None

    def __init__(self, lexical: str, datatype: str | None = None, language: str | None = None) -> None:
        # one spelling for simple and language-tagged literals, whatever the engine said
        if datatype in (XSD_STRING, RDF_LANG_STRING) or (language and datatype):
            datatype = None
        self._set(lexical=lexical, datatype=datatype, language=language or None)

    def n3(self) -> str:
        text = '"' + escape_string(self.lexical) + '"'
        if self.language:
            return f"{text}@{self.language}"
        if self.datatype:
            return f"{text}^^<{self.datatype}>"
        return text


Term = IRI | BlankNode | Literal

_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_string(text: str) -> str:
    """Escape a string for a double-quoted Turtle, N-Triples or SPARQL literal.

    >>> escape_string('say "hi"\\n')
    'say \\\\"hi\\\\"\\\\n'
    """
    return "".join(_STRING_ESCAPES.get(ch, ch) for ch in text)


# -- the result -----------------------------------------------------------------------------

class QueryResult(Record):
    """The answer to one query.

    ``kind`` is ``"select"``, ``"ask"`` or ``"construct"`` (CONSTRUCT and DESCRIBE). A SELECT
    has ``variables`` (names without ``?``) and ``rows`` (one tuple per solution, ``None`` for
    an unbound variable); an ASK has ``boolean``; a CONSTRUCT has ``triples``. ``prefixes``
    are the query's own PREFIX declarations (used for display only). ``warnings`` are remarks
    for people about the answer, e.g. that the endpoint cut the result at its row limit.
    """

    _fields = ("kind", "variables", "rows", "boolean", "triples", "prefixes", "warnings")
    _uncompared = frozenset({"prefixes", "warnings"})
    kind: str
    variables: tuple[str, ...]
    rows: tuple[tuple[Term | None, ...], ...]
    boolean: bool | None
    triples: tuple[tuple[Term, Term, Term], ...]
    prefixes: Mapping[str, str]
    warnings: tuple[str, ...]

    def __init__(
        self,
        kind: str,
        variables: tuple[str, ...] = (),
        rows: tuple[tuple[Term | None, ...], ...] = (),
        boolean: bool | None = None,
        triples: tuple[tuple[Term, Term, Term], ...] = (),
        prefixes: Mapping[str, str] | None = None,
        warnings: tuple[str, ...] = (),
    ) -> None:
        self._set(kind=kind, variables=variables, rows=rows, boolean=boolean, triples=triples,
                  prefixes={} if prefixes is None else prefixes, warnings=warnings)

    def __len__(self) -> int:
        if self.kind == "select":
            return len(self.rows)
        if self.kind == "construct":
            return len(self.triples)
        return 1

    def bindings(self) -> list[dict[str, Term]]:
        """The rows as dicts (unbound variables left out)."""
        return [
            {name: value for name, value in zip(self.variables, row) if value is not None}
            for row in self.rows
        ]


# -- formats --------------------------------------------------------------------------------

class ResultFormat(Record):
    """One output format: its name, media type, file extension and what results it takes."""

    _fields = ("name", "media_type", "extension", "kinds")
    name: str
    media_type: str
    extension: str
    kinds: tuple[str, ...]

    def __init__(self, name: str, media_type: str, extension: str, kinds: tuple[str, ...]) -> None:
        self._set(name=name, media_type=media_type, extension=extension, kinds=kinds)


RESULT_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat("table", "text/plain", "txt", ("select", "ask", "construct")),
    ResultFormat("json", "application/sparql-results+json", "srj", ("select", "ask")),
    ResultFormat("xml", "application/sparql-results+xml", "srx", ("select", "ask")),
    ResultFormat("csv", "text/csv", "csv", ("select", "ask")),
    ResultFormat("tsv", "text/tab-separated-values", "tsv", ("select", "ask")),
    ResultFormat("turtle", "text/turtle", "ttl", ("construct",)),
    ResultFormat("nt", "application/n-triples", "nt", ("construct",)),
    ResultFormat("jsonld", "application/ld+json", "jsonld", ("construct",)),
)
_FORMATS_BY_NAME = {f.name: f for f in RESULT_FORMATS}


def result_format_names() -> list[str]:
    """The names accepted by ``--format`` of ``cstrdf query``."""
    return [f.name for f in RESULT_FORMATS]


def serialize(result: QueryResult, format: str = "table") -> str:
    """``result`` in ``format`` (see :data:`RESULT_FORMATS`), as text.

    >>> print(serialize(QueryResult("ask", boolean=True), "json"))
    {"head": {}, "boolean": true}
    """
    spec = _FORMATS_BY_NAME.get(format)
    if spec is None:
        raise UsageError(f"unknown result format {format!r} (known: {', '.join(result_format_names())})")
    if result.kind not in spec.kinds:
        fitting = ", ".join(f.name for f in RESULT_FORMATS if result.kind in f.kinds)
        what = "CONSTRUCT/DESCRIBE" if result.kind == "construct" else result.kind.upper()
        raise UsageError(f"a {what} result cannot be written as {format} (use one of: {fitting})")
    return _WRITERS[format](result)


def to_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON (one line per solution, so diffs stay readable)."""
    import json  # here, not at the top: most runs write a table

    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)})
    head = json.dumps({"vars": list(result.variables)}, ensure_ascii=False)
    lines = [
        json.dumps({name: _json_term(term) for name, term in binding.items()}, ensure_ascii=False)
        for binding in result.bindings()
    ]
    body = ",\n".join(lines)
    if body:
        body = "\n" + body + "\n"
    return '{"head": ' + head + ', "results": {"bindings": [' + body + "]}}"


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, IRI):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.id}
    out = {"type": "literal", "value": term.lexical}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype:
        out["datatype"] = term.datatype
    return out


def to_xml(result: QueryResult) -> str:
    """SPARQL Query Results XML Format."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if result.kind == "ask":
        lines += ["  <head/>", f"  <boolean>{'true' if result.boolean else 'false'}</boolean>", "</sparql>"]
        return "\n".join(lines) + "\n"
    lines.append("  <head>")
    lines += [f"    <variable name={_xml_attr(name)}/>" for name in result.variables]
    lines += ["  </head>", "  <results>"]
    for binding in result.bindings():
        lines.append("    <result>")
        for name, term in binding.items():
            lines.append(f"      <binding name={_xml_attr(name)}>{_xml_term(term)}</binding>")
        lines.append("    </result>")
    lines += ["  </results>", "</sparql>"]
    return "\n".join(lines) + "\n"


def _xml_text(text: str) -> str:
    # a CR would come back as LF after XML end-of-line handling: keep it as a character reference
    return _xml_escape(text).replace("\r", "&#13;")


def _xml_term(term: Term) -> str:
    if isinstance(term, IRI):
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{_xml_text(term.id)}</bnode>"
    if term.language:
        return f"<literal xml:lang={_xml_attr(term.language)}>{_xml_text(term.lexical)}</literal>"
    if term.datatype:
        return f"<literal datatype={_xml_attr(term.datatype)}>{_xml_text(term.lexical)}</literal>"
    return f"<literal>{_xml_text(term.lexical)}</literal>"


def _csv_field(text: str) -> str:
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def to_csv(result: QueryResult) -> str:
    """SPARQL 1.1 CSV: header of variable names, values without type or language, CRLF lines."""
    if result.kind == "ask":
        return "_askResult\r\n" + ("true" if result.boolean else "false") + "\r\n"
    lines = [",".join(_csv_field(name) for name in result.variables)]
    for row in result.rows:
        lines.append(",".join("" if term is None else _csv_field(_csv_value(term)) for term in row))
    return "\r\n".join(lines) + "\r\n"


def _csv_value(term: Term) -> str:
    if isinstance(term, IRI):
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.id}"
    return term.lexical


def to_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 TSV: header ``?var`` names, values in Turtle syntax, LF lines."""
    if result.kind == "ask":
        return "?_askResult\n" + ("true" if result.boolean else "false") + "\n"
    lines = ["\t".join("?" + name for name in result.variables)]
    for row in result.rows:
        lines.append("\t".join("" if term is None else term.n3() for term in row))
    return "\n".join(lines) + "\n"


# -- graphs ---------------------------------------------------------------------------------

def to_ntriples(result: QueryResult) -> str:
    """N-Triples, one triple per line, sorted (so the output is stable)."""
    lines = sorted({" ".join(t.n3() for t in triple) + " ." for triple in result.triples})
    return "".join(line + "\n" for line in lines)


def _oxigraph_term(term: Term):
    import pyoxigraph

    if isinstance(term, IRI):
        return pyoxigraph.NamedNode(term.value)
    if isinstance(term, BlankNode):
        return pyoxigraph.BlankNode(term.id)
    if term.language:
        return pyoxigraph.Literal(term.lexical, language=term.language)
    if term.datatype:
        return pyoxigraph.Literal(term.lexical, datatype=pyoxigraph.NamedNode(term.datatype))
    return pyoxigraph.Literal(term.lexical)


def _used_prefixes(result: QueryResult) -> dict[str, str]:
    iris = {t.value for triple in result.triples for t in triple if isinstance(t, IRI)}
    iris |= {t.datatype for triple in result.triples for t in triple if isinstance(t, Literal) and t.datatype}
    candidates = {**WELL_KNOWN_PREFIXES, **dict(result.prefixes)}
    return {
        prefix: namespace
        for prefix, namespace in sorted(candidates.items())
        if prefix and any(iri.startswith(namespace) and iri != namespace for iri in iris)
    }


def _serialize_graph(result: QueryResult, format_name: str) -> str:
    import pyoxigraph

    triples = sorted(result.triples, key=lambda t: tuple(x.n3() for x in t))
    data = [pyoxigraph.Triple(*(_oxigraph_term(x) for x in triple)) for triple in triples]
    fmt = getattr(pyoxigraph.RdfFormat, format_name)
    prefixes = _used_prefixes(result) if format_name in ("TURTLE", "JSON_LD") else None
    out = pyoxigraph.serialize(data, format=fmt, prefixes=prefixes) if prefixes else pyoxigraph.serialize(data, format=fmt)
    text = out.decode("utf-8")
    return text if text.endswith("\n") or not text else text + "\n"


def to_turtle(result: QueryResult) -> str:
    """Turtle with the prefixes the triples use."""
    return _serialize_graph(result, "TURTLE")


def to_jsonld(result: QueryResult) -> str:
    """JSON-LD (expanded, with the used prefixes as context where pyoxigraph supports it)."""
    return _serialize_graph(result, "JSON_LD")


# -- for people -----------------------------------------------------------------------------

def compact_iri(iri: str, prefixes: Mapping[str, str] | None = None) -> str:
    """An IRI as ``prefix:local`` when a known prefix fits, else ``<iri>``.

    >>> compact_iri("https://w3id.org/cstrdf/id/russia")
    'cstid:russia'
    """
    table = {**WELL_KNOWN_PREFIXES, **dict(prefixes or {})}
    best = None
    for prefix, namespace in table.items():
        if namespace and iri.startswith(namespace) and iri != namespace:
            local = iri[len(namespace):]
            if _plain_local(local) and (best is None or len(namespace) > len(table[best])):
                best = prefix
    if best is None:
        return f"<{iri}>"
    return f"{best}:{iri[len(table[best]):]}"


def _plain_local(local: str) -> bool:
    return bool(local) and all(ch.isalnum() or ch in "_-." for ch in local) and not local.endswith(".")


def display_term(term: Term | None, prefixes: Mapping[str, str] | None = None) -> str:
    """A term as people read it: prefixed names, literals by their text alone."""
    if term is None:
        return ""
    if isinstance(term, IRI):
        return compact_iri(term.value, prefixes)
    if isinstance(term, BlankNode):
        return f"_:{term.id}"
    return term.lexical.replace("\r", " ").replace("\n", " ").replace("\t", " ")


def to_table(result: QueryResult, *, max_width: int | None = None) -> str:
    """Aligned columns with a header rule and a row count; ASK prints ``true``/``false``."""
    if result.kind == "ask":
        return ("true" if result.boolean else "false") + "\n"
    if result.kind == "construct":
        header = ["subject", "predicate", "object"]
        body = [[display_term(t, result.prefixes) for t in triple] for triple in sorted(
            result.triples, key=lambda t: tuple(x.n3() for x in t))]
        noun = "triple"
    else:
        header = ["?" + name for name in result.variables]
        body = [[display_term(t, result.prefixes) for t in row] for row in result.rows]
        noun = "row"
    if max_width:
        body = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in row] for row in body]
    widths = [max([len(h)] + [len(row[i]) for row in body]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in body]
    count = len(body)
    lines.append(f"({count} {noun}{'' if count == 1 else 's'})")
    return "\n".join(lines) + "\n"


_WRITERS = {
    "table": to_table,
    "json": to_json,
    "xml": to_xml,
    "csv": to_csv,
    "tsv": to_tsv,
    "turtle": to_turtle,
    "nt": to_ntriples,
    "jsonld": to_jsonld,
}


# -- parsing SPARQL JSON results (what endpoints send) ----------------------------------------

def term_from_json(value: Mapping[str, str]) -> Term:
    """One RDF term of SPARQL JSON results; also reads SPARQL 1.0's ``typed-literal``."""
    kind = value.get("type")
    if kind == "uri":
        return IRI(value["value"])
    if kind == "bnode":
        return BlankNode(value["value"])
    if kind in ("literal", "typed-literal"):
        return Literal(value["value"], datatype=value.get("datatype"), language=value.get("xml:lang"))
    raise ValueError(f"unknown term type {kind!r} in SPARQL JSON results")


def result_from_json(data: Mapping, prefixes: Mapping[str, str] | None = None) -> QueryResult:
    """A :class:`QueryResult` from parsed SPARQL 1.1 JSON results (SELECT or ASK).

    Anything else (another JSON document, a SELECT without ``results.bindings``) is a
    ValueError: an answer that is not results must never read as an empty result.
    """
    if not isinstance(data, Mapping):
        raise ValueError(f"a JSON {type(data).__name__}, not a results object")
    if "boolean" in data:
        if not isinstance(data["boolean"], bool):
            raise ValueError(f"'boolean' is {data['boolean']!r}, not true or false")
        return QueryResult("ask", boolean=data["boolean"], prefixes=dict(prefixes or {}))
    head, results = data.get("head"), data.get("results")
    if not isinstance(head, Mapping) or not isinstance(results, Mapping) or not isinstance(results.get("bindings"), list):
        raise ValueError("no 'head' and 'results.bindings' (SPARQL 1.1 Query Results JSON Format, §3)")
    variables = tuple(data.get("head", {}).get("vars", []))
    rows = tuple(
        tuple(term_from_json(b[name]) if name in b else None for name in variables)
        for b in data.get("results", {}).get("bindings", [])
    )
    return QueryResult("select", variables=variables, rows=rows, prefixes=dict(prefixes or {}))


# -- normalized rows (expectation files) ------------------------------------------------------

#: prefixes used in expectation files: the only two namespaces written short
NORMAL_PREFIXES = {"cstid": CSTID, "cst": CST}


def normalize_term(term: Term | None) -> str:
    """One cell of an expectation file.

    * an IRI in the ``cstid:`` or ``cst:`` namespace is written ``cstid:local`` / ``cst:local``,
      any other IRI ``<full-iri>``;
    * a literal is its lexical form alone (datatype and language tag dropped); the empty string
      is written ``""``; backslash, tab, newline and CR are written ``\\\\``, ``\\t``, ``\\n``, ``\\r``;
    * a blank node is ``_:`` (labels differ between engines and runs);
    * an unbound variable is the empty cell.

    >>> normalize_term(IRI("https://w3id.org/cstrdf/id/russia"))
    'cstid:russia'
    >>> normalize_term(Literal("Russia", language="en"))
    'Russia'
    """
    if term is None:
        return ""
    if isinstance(term, IRI):
        for prefix, namespace in NORMAL_PREFIXES.items():
            local = term.value[len(namespace):]
            if term.value.startswith(namespace) and local and "/" not in local and "#" not in local:
                return f"{prefix}:{local}"
        return f"<{term.value}>"
    if isinstance(term, BlankNode):
        return "_:"
    if term.lexical == "":
        return '""'
    return (
        term.lexical.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


def normalized_header(result: QueryResult) -> tuple[str, ...]:
    """The header row of an expectation file for ``result``."""
    if result.kind == "ask":
        return ("boolean",)
    if result.kind == "construct":
        return ("?subject", "?predicate", "?object")
    return tuple("?" + name for name in result.variables)


def normalized_rows(result: QueryResult) -> list[tuple[str, ...]]:
    """The rows of ``result`` as expectation-file cells, in result order (triples sorted)."""
    if result.kind == "ask":
        return [("true" if result.boolean else "false",)]
    if result.kind == "construct":
        return sorted(tuple(normalize_term(t) for t in triple) for triple in result.triples)
    return [tuple(normalize_term(t) for t in row) for row in result.rows]


def format_normalized(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """An expectation table: tab-separated header and rows, LF line ends."""
    return "".join("\t".join(r) + "\n" for r in [tuple(header), *map(tuple, rows)])
