"""Read RDF files with precise errors.

Every file is first parsed by pyoxigraph, whose syntax errors carry a line and a column, then
loaded into rdflib. Any problem becomes an :class:`~cstrdf.errors.InputError` whose text is one
line: ``path:line:col: message``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from cstrdf.errors import InputError
from cstrdf.formats import RdfFormat, by_name, guess_format

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

_OXIGRAPH_POSITION = re.compile(r"^Parser error at line \d+ between columns \d+ and \d+: ")


def read_bytes(path: str | Path, *, allow_empty: bool = False) -> bytes:
    """The bytes of a file, or an InputError that says why it cannot be read."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file", path=path)
    if path.is_dir():
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
    """Decode strictly; a bad byte is reported with its line and column (1-based)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line_start = data.rfind(b"\n", 0, error.start) + 1
        line = data.count(b"\n", 0, error.start) + 1
        column = len(data[line_start : error.start].decode("utf-8", errors="replace")) + 1
        bad = data[error.start : error.start + 1].hex()
        raise InputError(f"not valid UTF-8 (byte 0x{bad})", path=path, line=line, column=column) from None


def read_text(path: str | Path, *, allow_empty: bool = False) -> str:
    """A UTF-8 text file as a string (code points), with InputErrors for every failure."""
    return decode_utf8(read_bytes(path, allow_empty=allow_empty), path)


def file_base_iri(path: str | Path) -> str:
    """The base IRI used for relative IRIs in a file: its ``file:`` URI."""
    return Path(os.path.abspath(path)).as_uri()


def check_syntax(data: bytes, path: str | Path, rdf_format: RdfFormat) -> dict[str, str]:
    """Parse ``data`` with pyoxigraph; return the prefixes it declares.

    A syntax error becomes ``InputError(path, line, column, message)``.
    """
    import pyoxigraph

    parser = pyoxigraph.parse(
        input=data,
        format=rdf_format.oxigraph(),
        base_iri=file_base_iri(path),
    )
    try:
        for _ in parser:
            pass
    except SyntaxError as error:
        message = _OXIGRAPH_POSITION.sub("", error.msg or str(error))
        raise InputError(message, path=path, line=error.lineno, column=error.offset) from None
    except (ValueError, OSError) as error:
        raise InputError(str(error), path=path) from None
    prefixes = getattr(parser, "prefixes", None) or {}
    return dict(prefixes)


@dataclass(frozen=True)
class ParsedFile:
    """One RDF file read and checked: its text, its declared prefixes and its format."""

    path: Path
    text: str
    format: RdfFormat
    prefixes: Mapping[str, str]


def read_rdf(path: str | Path, rdf_format: str | RdfFormat | None = None) -> ParsedFile:
    """Read one RDF file and check its syntax (pyoxigraph); nothing is loaded yet."""
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
