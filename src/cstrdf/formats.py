"""One table of RDF formats: name, file extensions, media type, rdflib parser, pyoxigraph format.

Used for guessing the format of an input file, for choosing an output serializer and, later,
for content negotiation and HTTP uploads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cstrdf.errors import InputError


@dataclass(frozen=True)
class RdfFormat:
    """One RDF serialization."""

    name: str
    extensions: tuple[str, ...]
    media_type: str
    rdflib_name: str
    #: attribute name on ``pyoxigraph.RdfFormat`` (looked up lazily: pyoxigraph is imported late)
    oxigraph_name: str
    #: True when the format carries named graphs (quads)
    datasets: bool = False

    @property
    def extension(self) -> str:
        """The preferred file extension, without the dot."""
        return self.extensions[0]

    def oxigraph(self):
        """The ``pyoxigraph.RdfFormat`` value for this format."""
        import pyoxigraph

        return getattr(pyoxigraph.RdfFormat, self.oxigraph_name)


FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat("turtle", ("ttl", "turtle"), "text/turtle", "turtle", "TURTLE"),
    RdfFormat("ntriples", ("nt",), "application/n-triples", "nt", "N_TRIPLES"),
    RdfFormat("nquads", ("nq",), "application/n-quads", "nquads", "N_QUADS", datasets=True),
    RdfFormat("trig", ("trig",), "application/trig", "trig", "TRIG", datasets=True),
    RdfFormat("jsonld", ("jsonld", "json"), "application/ld+json", "json-ld", "JSON_LD", datasets=True),
    RdfFormat("rdfxml", ("rdf", "owl", "xml"), "application/rdf+xml", "xml", "RDF_XML"),
)

_BY_NAME = {f.name: f for f in FORMATS}
_BY_EXTENSION = {ext: f for f in FORMATS for ext in f.extensions}
_BY_MEDIA_TYPE = {f.media_type: f for f in FORMATS}


def format_names() -> list[str]:
    """The names accepted wherever a format is asked for."""
    return [f.name for f in FORMATS]


def by_name(name: str) -> RdfFormat:
    """The format called ``name`` (also accepts a file extension such as ``ttl``)."""
    key = name.lower()
    if key in _BY_NAME:
        return _BY_NAME[key]
    if key in _BY_EXTENSION:
        return _BY_EXTENSION[key]
    raise InputError(f"unknown RDF format {name!r} (known: {', '.join(format_names())})")


def by_media_type(media_type: str) -> RdfFormat | None:
    """The format for a media type (parameters such as ``;charset=`` are ignored)."""
    return _BY_MEDIA_TYPE.get(media_type.split(";")[0].strip().lower())


def guess_format(path: str | Path) -> RdfFormat:
    """The format of a file, from its extension.

    >>> guess_format("data/facts/summit.ttl").name
    'turtle'
    """
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix in _BY_EXTENSION:
        return _BY_EXTENSION[suffix]
    known = ", ".join("." + e for f in FORMATS for e in f.extensions)
    raise InputError(f"cannot tell the RDF format from the extension (known: {known})", path=path)
