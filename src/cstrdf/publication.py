"""The publication as a dataset: which files go into which named graph.

One place decides the graph layout used by ``build`` (TriG), ``load`` and ``serve``:

=========  ===============================================  ==========================
part       files                                            named graph
=========  ===============================================  ==========================
ontology   ``ontology/*.ttl``                               ``…/cstrdf/ontology``
facts      ``data/facts/*.ttl``                             ``…/cstrdf/graph/facts``
context    ``data/context/*.ttl``                           ``…/cstrdf/graph/context``
=========  ===============================================  ==========================
"""

from __future__ import annotations

from pathlib import Path

from cstrdf import resources
from cstrdf.namespaces import ONTOLOGY_IRI
from cstrdf.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (`cstrdf query` start-up)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Sequence

    import pyoxigraph

DATASET_IRI = "https://w3id.org/cstrdf/dataset"
FACTS_GRAPH = "https://w3id.org/cstrdf/graph/facts"
CONTEXT_GRAPH = "https://w3id.org/cstrdf/graph/context"


class Part(Record):
    """One part of the publication: a name, its named graph and its files."""

    _fields = ("name", "graph", "files")
    name: str
    graph: str
    files: tuple[Path, ...]

    def __init__(self, name: str, graph: str, files: tuple[Path, ...]) -> None:
        self._set(name=name, graph=graph, files=files)


def parts() -> tuple[Part, ...]:
    """The packaged publication's parts, in a fixed order."""
    return (
        Part("ontology", ONTOLOGY_IRI, tuple(resources.ontology_files())),
        Part("facts", FACTS_GRAPH, tuple(resources.fact_files())),
        Part("context", CONTEXT_GRAPH, tuple(resources.context_files())),
    )


def all_files() -> list[Path]:
    """Every Turtle file of the publication (ontology, facts, context)."""
    return [f for part in parts() for f in part.files]


def load_store(
    files: Sequence[str | Path] | None = None,
    *,
    path: str | Path | None = None,
    graph: str | None = None,
) -> "pyoxigraph.Store":
    """A pyoxigraph store holding the publication, each part in its named graph.

    With ``files``, those files go into ``graph`` (the default graph when None). Every file is
    read through :func:`cstrdf.rdfio.parse_oxigraph`, so a syntax error is an InputError with
    file, line and column, raised before anything is returned.

    >>> store = load_store()
    >>> len(store) > 1000
    True
    """
    import pyoxigraph

    store = pyoxigraph.Store(path=str(path)) if path is not None else pyoxigraph.Store()
    if files is None:
        groups = [(part.graph, part.files) for part in parts()]
    else:
        groups = [(graph, tuple(Path(f) for f in files))]
    for graph_iri, group in groups:
        target = pyoxigraph.NamedNode(graph_iri) if graph_iri else pyoxigraph.DefaultGraph()
        for file in group:
            load_file(store, file, target)
    return store


def load_file(store: "pyoxigraph.Store", file: str | Path, graph) -> None:
    """Add the triples of ``file`` to ``graph`` of ``store`` (quad formats keep their graphs).

    Turtle and N-Triples are inserted by pyoxigraph itself, without a Python object per triple
    (a corpus of a million triples loads in seconds); the checks of :func:`read_quads` come
    first and raise the same InputErrors (syntax errors with file, line and column, ill-typed
    literals), so a file with an error adds nothing. Other formats go through read_quads.
    """
    import pyoxigraph

    from cstrdf.formats import guess_format
    from cstrdf.rdfio import checked, decode_utf8, file_base_iri, open_parser, parse_error, read_bytes

    fmt = guess_format(Path(file))
    if fmt.name not in ("turtle", "ntriples"):
        store.extend(read_quads(file, graph))
        return
    data = read_bytes(file)
    decode_utf8(data, file)
    if fmt.name != "ntriples" or not _check_ntriples_literals(data, file):
        for _ in checked(open_parser(data, file, fmt), data, file):
            pass
    try:
        store.load(input=data, format=fmt.oxigraph(), base_iri=file_base_iri(file), to_graph=graph)
    except SyntaxError as error:
        raise parse_error(error, file) from None


_XSD_TYPED = b'"^^<http://www.w3.org/2001/XMLSchema#'


def ntriples_typed_literals(data: bytes) -> dict[tuple[str, str], None] | None:
    """The distinct XSD-typed literals of N-Triples (or N-Quads) ``data``, as (lexical form,
    datatype IRI) in order of first occurrence, found by scanning the bytes (in a triple's line
    the first quote opens its literal). None when the scan cannot tell (an escape in a typed
    literal): parse the file instead."""
    found: dict[tuple[bytes, bytes], None] = {}
    position = data.find(_XSD_TYPED)
    while position >= 0:
        end = data.find(b">", position)
        quote = data.find(b'"', data.rfind(b"\n", 0, position) + 1, position)
        lexical = data[quote + 1:position]
        if quote < 0 or end < 0 or b"\\" in lexical or b'"' in lexical:
            return None
        found[(lexical, data[position + len(_XSD_TYPED):end])] = None
        position = data.find(_XSD_TYPED, end)
    xsd = "http://www.w3.org/2001/XMLSchema#"
    return {(lexical.decode("utf-8"), xsd + name.decode("utf-8")): None for lexical, name in found}


def _check_ntriples_literals(data: bytes, file: str | Path) -> bool:
    """rdfio's ill-typed-literal check for N-Triples without parsing (see
    :func:`ntriples_typed_literals`); False when the file must be parsed to decide."""
    import pyoxigraph

    from cstrdf.rdfio import check_literal

    literals = ntriples_typed_literals(data)
    if literals is None:
        return False
    for lexical, datatype in literals:
        check_literal(pyoxigraph.Literal(lexical, datatype=pyoxigraph.NamedNode(datatype)), data, file)
    return True


def read_quads(file: str | Path, graph: "pyoxigraph.NamedNode | pyoxigraph.DefaultGraph") -> list:
    """The triples of ``file`` as quads in ``graph``; quad formats keep their own graphs.

    Errors are InputErrors with file, line and column (see :mod:`cstrdf.rdfio`).
    """
    import pyoxigraph

    from cstrdf.formats import guess_format
    from cstrdf.rdfio import checked, decode_utf8, open_parser, read_bytes

    data = read_bytes(file)
    decode_utf8(data, file)
    fmt = guess_format(Path(file))
    quads = []
    for item in checked(open_parser(data, file, fmt), data, file):
        if fmt.datasets:  # a quad format keeps the graphs it names
            quads.append(item)
        else:
            quads.append(pyoxigraph.Quad(item.subject, item.predicate, item.object, graph))
    return quads
