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

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from cstrdf import resources
from cstrdf.namespaces import ONTOLOGY_IRI

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

DATASET_IRI = "https://w3id.org/cstrdf/dataset"
FACTS_GRAPH = "https://w3id.org/cstrdf/graph/facts"
CONTEXT_GRAPH = "https://w3id.org/cstrdf/graph/context"


@dataclass(frozen=True)
class Part:
    """One part of the publication: a name, its named graph and its files."""

    name: str
    graph: str
    files: tuple[Path, ...]


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
            store.extend(read_quads(file, target))
    return store


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
