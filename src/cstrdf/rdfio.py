"""Read RDF files with precise errors.

Every file is first parsed by pyoxigraph, whose syntax errors carry a line and a column, then
loaded into rdflib. Any problem becomes an :class:`~cstrdf.errors.InputError` whose text is one
line: ``path:line:col: message``.
"""

from __future__ import annotations

import os
from pathlib import Path

from cstrdf.errors import InputError
from cstrdf.lazyregex import LazyPattern
from cstrdf.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (startup time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Iterable, Iterator, Mapping

    import rdflib

    from cstrdf.formats import RdfFormat

#: pyoxigraph puts the position into the message too ("… at line 3 between columns 8 and 9: ",
#: or "… at line 1 column 51: "); it is dropped, since InputError prints line and column itself
_OXIGRAPH_POSITION = LazyPattern(
    r"^Parser error (?:at line \d+ (?:between columns \d+ and \d+|column \d+)"
    r"|between line \d+ column \d+ and line \d+ column \d+): "
)

#: byte-order marks of encodings that are not UTF-8 (longest first: UTF-32 LE starts like UTF-16 LE)
_FOREIGN_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"),
)


def read_bytes(path: str | Path, *, allow_empty: bool = False) -> bytes:
    """The bytes of a file, or an InputError that says why it cannot be read."""
    import stat

    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError("no such file", path=path) from None
    except PermissionError:  # a folder on the way may not be searched
        raise InputError("permission denied", path=path) from None
    except OSError as error:  # ENOTDIR, ELOOP, ENAMETOOLONG …
        raise InputError(f"cannot read: {error.strerror or error}", path=path) from None
    if stat.S_ISDIR(mode):
        raise InputError("is a directory, not a file", path=path)
    try:
        data = path.read_bytes()
    except PermissionError:
        raise InputError("permission denied", path=path) from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}", path=path) from None
    if not allow_empty and not data.strip():
        raise InputError("empty file", path=path)
    return data


def decode_utf8(data: bytes, path: str | Path) -> str:
    """Decode strictly; a bad byte is reported with its line and column (1-based).

    Binary data (a NUL byte) and text in UTF-16/UTF-32 (a byte-order mark) are named as such;
    so is a UTF-8 byte-order mark, which RDF parsers do not skip.
    """
    for mark, encoding in _FOREIGN_BOMS:
        if data.startswith(mark):
            raise InputError(f"{encoding} text (byte-order mark); RDF files must be UTF-8", path=path, line=1, column=1)
    if data.startswith(b"\xef\xbb\xbf"):
        raise InputError("starts with a byte-order mark (U+FEFF); save it as UTF-8 without BOM", path=path, line=1, column=1)
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = byte_position(data, nul)
        raise InputError("binary data (a NUL byte), not an RDF text file", path=path, line=line, column=column)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = byte_position(data, error.start)
        bad = data[error.start : error.start + 1].hex()
        raise InputError(f"not valid UTF-8 (byte 0x{bad})", path=path, line=line, column=column) from None


def byte_position(data: bytes, offset: int) -> tuple[int, int]:
    """Line and column (1-based, columns in code points) of a byte offset."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    line = data.count(b"\n", 0, offset) + 1
    return line, len(data[line_start:offset].decode("utf-8", errors="replace")) + 1


def read_text(path: str | Path, *, allow_empty: bool = False) -> str:
    """A UTF-8 text file as a string (code points), with InputErrors for every failure."""
    return decode_utf8(read_bytes(path, allow_empty=allow_empty), path)


def file_base_iri(path: str | Path) -> str:
    """The base IRI used for relative IRIs in a file: its ``file:`` URI."""
    return Path(os.path.abspath(path)).as_uri()


#: an external entity or an external DTD in an XML prolog (XXE): refused before parsing
_XML_EXTERNAL = LazyPattern(rb"<!(?:ENTITY\s+(?:%\s*)?[^\s>]+|DOCTYPE\s+[^\s>\[]+)\s+(?:SYSTEM|PUBLIC)\b")


def check_syntax(data: bytes, path: str | Path, rdf_format: RdfFormat) -> dict[str, str]:
    """Parse ``data`` with pyoxigraph; return the prefixes it declares.

    A syntax error becomes ``InputError(path, line, column, message)``; so does a literal
    whose lexical form its XSD datatype does not allow (:mod:`cstrdf.lexical`). Nothing is
    fetched while parsing: RDF/XML with an external entity or DTD is refused (XXE), and a
    JSON-LD remote ``@context`` is not loaded.
    """
    parser = open_parser(data, path, rdf_format)
    for _ in checked(parser, data, path):
        pass
    prefixes = getattr(parser, "prefixes", None) or {}
    return dict(prefixes)


def open_parser(data: bytes, path: str | Path, rdf_format: RdfFormat):
    """A pyoxigraph parser over ``data``; RDF/XML that declares an external entity or DTD is
    refused here, before any parser sees it."""
    import pyoxigraph

    refuse_external_entities(data, path, rdf_format)
    return pyoxigraph.parse(input=data, format=rdf_format.oxigraph(), base_iri=file_base_iri(path))


def refuse_external_entities(data: bytes, path: str | Path, rdf_format: RdfFormat) -> None:
    """An InputError at the declaration when RDF/XML declares an external entity or DTD
    (``SYSTEM``/``PUBLIC``): nothing is fetched while reading (XXE). pyoxigraph would refuse
    them too, with a message that does not say why."""
    if rdf_format.name != "rdfxml":
        return
    external = _XML_EXTERNAL.search(data)
    if external:
        line, column = byte_position(data, external.start())
        raise InputError(
            "external XML entities and DTDs are refused (nothing is fetched while reading)",
            path=path, line=line, column=column,
        )


def checked(parser, data: bytes, path: str | Path) -> Iterator:
    """The triples or quads of ``parser``; errors and ill-typed literals become InputErrors."""
    from pyoxigraph import Literal

    try:
        for item in parser:
            if type(item.object) is Literal:  # most objects are IRIs or blank nodes: no call
                check_literal(item.object, data, path)
            yield item
    except SyntaxError as error:
        raise parse_error(error, path) from None
    except (ValueError, OSError) as error:
        raise InputError(str(error), path=path) from None


def parse_error(error: SyntaxError, path: str | Path) -> InputError:
    """pyoxigraph's SyntaxError as an InputError with the file, line and column."""
    message = _OXIGRAPH_POSITION.sub("", error.msg or str(error))
    if "LoadDocumentCallback" in message:
        message = ("a remote JSON-LD @context is not fetched (nothing is fetched while reading); "
                   "put the context into the file")
    return InputError(message, path=path, line=error.lineno, column=error.offset)


def check_literal(term, data: bytes, path: str | Path) -> None:
    """An InputError when ``term`` is a literal whose lexical form its XSD datatype does not
    allow; the position is that of the first occurrence of the lexical form in ``data``."""
    import pyoxigraph

    if not isinstance(term, pyoxigraph.Literal):
        return
    from cstrdf.lexical import XSD, problem

    datatype = term.datatype.value
    if not datatype.startswith(XSD) or datatype in _STRING_TYPES:
        return
    why = problem(term.value, datatype)
    if why is None:
        return
    encoded = term.value.encode("utf-8")
    offset = data.find(b'"' + encoded + b'"')
    offset = offset if offset >= 0 else data.find(encoded)
    line, column = byte_position(data, offset) if offset >= 0 else (None, None)
    raise InputError(
        f"{term.value!r} is not a valid xsd:{datatype[len(XSD):]}: {why}", path=path, line=line, column=column
    )


def check_store_literals(store, files: Iterable[str | Path]) -> None:
    """The same check as :func:`check_literal`, for data that pyoxigraph loaded itself
    (``Store.load`` keeps ill-typed literals): one query lists the distinct XSD-typed literals
    of every graph; the first ill-typed one is an InputError at its first occurrence in
    ``files`` (the files the store was loaded from)."""
    from cstrdf.lexical import XSD, problem

    query = (
        "SELECT DISTINCT ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } "
        f'FILTER(isLiteral(?o) && DATATYPE(?o) != <{XSD}string> && STRSTARTS(STR(DATATYPE(?o)), "{XSD}")) }}'
    )
    for (literal,) in store.query(query):
        why = problem(literal.value, literal.datatype.value)
        if why is None:
            continue
        message = f"{literal.value!r} is not a valid xsd:{literal.datatype.value[len(XSD):]}: {why}"
        encoded = literal.value.encode("utf-8")
        for path in files:
            data = read_bytes(path)
            offset = data.find(b'"' + encoded + b'"')
            offset = offset if offset >= 0 else data.find(encoded)
            if offset >= 0:
                line, column = byte_position(data, offset)
                raise InputError(message, path=path, line=line, column=column)
        raise InputError(message)


_STRING_TYPES = frozenset(
    "http://www.w3.org/2001/XMLSchema#" + name for name in ("string", "anyURI", "normalizedString", "token")
) | {"http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}


class ParsedFile(Record):
    """One RDF file read and checked: its text, its declared prefixes and its format."""

    _fields = ("path", "text", "format", "prefixes")
    path: Path
    text: str
    format: RdfFormat
    prefixes: Mapping[str, str]

    def __init__(self, path: Path, text: str, format: RdfFormat, prefixes: Mapping[str, str]) -> None:  # noqa: A002
        self._set(path=path, text=text, format=format, prefixes=prefixes)


def read_rdf(path: str | Path, rdf_format: str | RdfFormat | None = None) -> ParsedFile:
    """Read one RDF file and check its syntax (pyoxigraph); nothing is loaded yet."""
    from cstrdf.formats import by_name, guess_format

    path = Path(path)
    data = read_bytes(path)
    if rdf_format is None:
        fmt = guess_format(path)
    elif isinstance(rdf_format, str):
        fmt = by_name(rdf_format)
    else:
        fmt = rdf_format
    text = decode_utf8(data, path)
    prefixes = check_syntax(data, path, fmt)
    return ParsedFile(path=path, text=text, format=fmt, prefixes=prefixes)


def parse_into(graph: "rdflib.Graph", parsed: ParsedFile) -> None:
    """Add the triples of an already checked file to an rdflib graph (quads: all graphs merged)."""
    import rdflib

    try:
        if parsed.format.datasets:
            dataset = rdflib.Dataset()
            dataset.parse(
                data=parsed.text, format=parsed.format.rdflib_name, publicID=file_base_iri(parsed.path)
            )
            for s, p, o, _ in dataset.quads((None, None, None, None)):
                graph.add((s, p, o))
        else:
            graph.parse(
                data=parsed.text, format=parsed.format.rdflib_name, publicID=file_base_iri(parsed.path)
            )
    except Exception as error:  # rdflib raises many types; pyoxigraph accepted the syntax
        raise InputError(f"rdflib cannot load it: {error}", path=parsed.path) from None
    for prefix, namespace in parsed.prefixes.items():
        graph.bind(prefix, namespace, override=False, replace=False)


def new_graph() -> "rdflib.Graph":
    """An empty rdflib graph with only the core prefixes bound (rdf, rdfs, xsd, owl, xml)."""
    import rdflib

    return rdflib.Graph(bind_namespaces="core")


def load_graph(paths: Iterable[str | Path], rdf_format: str | None = None) -> "rdflib.Graph":
    """Load RDF files into one rdflib graph (named graphs of quad formats are merged).

    >>> from cstrdf import resources
    >>> graph = load_graph(resources.ontology_files())  # doctest: +SKIP
    """
    graph = new_graph()
    for path in paths:
        parse_into(graph, read_rdf(path, rdf_format))
    return graph


def load_dataset(groups: Mapping[str, Iterable[str | Path]]) -> "rdflib.Dataset":
    """Load groups of files into a dataset: one named graph per group (key = graph IRI)."""
    import rdflib

    dataset = rdflib.Dataset()
    for graph_iri, paths in groups.items():
        graph = dataset.graph(rdflib.URIRef(graph_iri))
        for path in paths:
            parse_into(graph, read_rdf(path))
    return dataset
