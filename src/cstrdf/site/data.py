"""The publication as the site sees it: one merged graph, labels, kinds, evidence and sentences.

Three kinds of node are kept apart everywhere on the site (MODELING.md): the author's
*claims* (``cst:Claim``), *quotations* (``cst:Quotation``) and *reported facts* (every other
node with ``cst:evidence``). Nodes without evidence are *context* (from ``data/context/``,
each with its own source) or ontology *terms*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from cstrdf.namespaces import CST, CSTID, ONTOLOGY_IRI, RDF, RDFS, WELL_KNOWN_PREFIXES

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

    from cstrdf.sentences import Sentence

SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "http://schema.org/"
OWL = "http://www.w3.org/2002/07/owl#"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
PUBLIC_BASE = "https://w3id.org/cstrdf/"

KINDS = ("fact", "claim", "quotation")
KIND_LABELS = {
    "fact": "reported fact",
    "claim": "author's claim",
    "quotation": "quotation",
    "context": "context from outside the article",
    "term": "ontology term",
}

_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Evidence:
    """One evidence quote of a node: the words, their offsets, and the sentences they touch."""

    node: str
    start: int | None
    end: int | None
    exact: str
    prefix: str
    suffix: str
    sentences: tuple[int, ...]


def slug_of(iri: str) -> str | None:
    """The slug of a resource IRI (``…/id/vladimir-putin`` → ``vladimir-putin``), else None."""
    if iri.startswith(CSTID):
        slug = iri[len(CSTID):]
        if _SLUG.match(slug) and "/" not in slug:
            return slug
    return None


def compact(iri: str) -> str:
    """``prefix:local`` for a known namespace, else the IRI."""
    best = None
    for prefix, namespace in WELL_KNOWN_PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            if best is None or len(namespace) > len(WELL_KNOWN_PREFIXES[best]):
                best = prefix
    if best is None:
        return iri
    return f"{best}:{iri[len(WELL_KNOWN_PREFIXES[best]):]}"


@dataclass
class SiteData:
    """Everything the pages are drawn from; build it with :func:`load_site_data`."""

    graph: "rdflib.Graph"
    text: str
    sentences: Sequence["Sentence"]
    files: tuple[Path, ...] = field(default=())

    # -- terms ---------------------------------------------------------------------------------
    def uri(self, iri: str) -> "rdflib.URIRef":
        import rdflib

        return rdflib.URIRef(iri)

    def values(self, subject, predicate: str) -> list:
        """Objects of (subject, predicate), sorted by their text."""
        return sorted(self.graph.objects(subject, self.uri(predicate)), key=lambda o: (str(o), o.n3()))

    def value(self, subject, predicate: str):
        found = self.values(subject, predicate)
        return found[0] if found else None

    def types(self, node) -> list[str]:
        return sorted(str(t) for t in self.graph.objects(node, self.uri(RDF + "type")))

    def label(self, node) -> str:
        """The English label (rdfs:label, skos:prefLabel, schema:name), else a short name."""
        import rdflib

        if isinstance(node, rdflib.Literal):
            return str(node)
        for predicate in (RDFS + "label", SKOS + "prefLabel", SCHEMA + "name", SCHEMA + "headline"):
            found = list(self.graph.objects(node, self.uri(predicate)))
            if found:
                english = [f for f in found if getattr(f, "language", None) in ("en", None)]
                return str(sorted(english or found, key=str)[0])
        iri = str(node)
        short = compact(iri)
        return short if short != iri else iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1] or iri

    def kind(self, node) -> str:
        """``claim``, ``quotation``, ``fact``, ``context`` or ``term``."""
        types = set(self.types(node))
        if CST + "Claim" in types:
            return "claim"
        if CST + "Quotation" in types:
            return "quotation"
        if (node, self.uri(CST + "evidence"), None) in self.graph:
            return "fact"
        if str(node).startswith(CST) or str(node) == ONTOLOGY_IRI:
            return "term"
        return "context"

    # -- resources -----------------------------------------------------------------------------
    @cached_property
    def resources(self) -> list[str]:
        """Every ``cstid:`` IRI the publication says something about, sorted."""
        import rdflib

        found = {str(s) for s in self.graph.subjects() if isinstance(s, rdflib.URIRef)}
        return sorted(iri for iri in found if slug_of(iri))

    @cached_property
    def incoming(self) -> dict[str, list[tuple[str, str]]]:
        """IRI → sorted (subject IRI, predicate IRI) of the triples that point at it."""
        import rdflib

        table: dict[str, set[tuple[str, str]]] = {}
        for s, p, o in self.graph:
            if isinstance(o, rdflib.URIRef) and isinstance(s, rdflib.URIRef) and p != rdflib.RDF.type:
                table.setdefault(str(o), set()).add((str(s), str(p)))
        return {k: sorted(v) for k, v in table.items()}

    def page_href(self, iri: str, root: str = "") -> str | None:
        """The site-relative page of an IRI: a resource page, an ontology anchor or None."""
        slug = slug_of(iri)
        if slug:
            return f"{root}page/{slug}.html"
        if iri == ONTOLOGY_IRI or iri.startswith(ONTOLOGY_IRI + "/"):
            return f"{root}ontology.html"
        if iri.startswith(CST) and len(iri) > len(CST):
            return f"{root}ontology.html#{iri[len(CST):]}"
        return None

    # -- evidence ------------------------------------------------------------------------------
    @cached_property
    def evidence(self) -> dict[str, list[Evidence]]:
        """Node IRI → its evidence quotes, in text order (from :func:`cstrdf.evidence.evidence_spans`;
        the context around each quote is read from the text at its offsets)."""
        from cstrdf.evidence import CONTEXT_LENGTH, evidence_spans

        table: dict[str, list[Evidence]] = {}
        for span in evidence_spans(self.graph):
            exact = span.exact if span.exact is not None else self.text[span.start:span.end]
            table.setdefault(str(span.node), []).append(Evidence(
                node=str(span.node), start=span.start, end=span.end, exact=exact,
                prefix=self.text[max(0, span.start - CONTEXT_LENGTH):span.start],
                suffix=self.text[span.end:span.end + CONTEXT_LENGTH],
                sentences=self.sentences_of(span.start, span.end),
            ))
        for items in table.values():
            items.sort(key=lambda ev: (ev.start if ev.start is not None else 1 << 30, ev.end or 0, ev.exact))
        return table

    def sentences_of(self, start: int | None, end: int | None) -> tuple[int, ...]:
        """Indexes of the sentences that the span [start, end) touches."""
        if start is None or end is None:
            return ()
        return tuple(s.index for s in self.sentences if s.start < end and start < s.end)

    @cached_property
    def nodes_by_sentence(self) -> dict[int, list[str]]:
        """Sentence index → the nodes whose evidence touches it (sorted by kind, then label)."""
        table: dict[int, set[str]] = {}
        for node, items in self.evidence.items():
            for ev in items:
                for index in ev.sentences:
                    table.setdefault(index, set()).add(node)
        order = {k: i for i, k in enumerate(("claim", "quotation", "fact"))}
        return {
            index: sorted(nodes, key=lambda n: (order.get(self.kind(self.uri(n)), 9), self.label(self.uri(n)).lower(), n))
            for index, nodes in table.items()
        }

    def spans_of_kind(self, kind: str) -> list[tuple[int, int]]:
        """(start, end) of every evidence quote of the nodes of one kind."""
        spans = []
        for node, items in self.evidence.items():
            if self.kind(self.uri(node)) == kind:
                spans.extend((ev.start, ev.end) for ev in items if ev.start is not None and ev.end is not None)
        return sorted(set(spans))

    # -- outside links -------------------------------------------------------------------------
    def wikidata_links(self, node) -> list[tuple[str, str, str | None]]:
        """(item IRI, relation, status) for the node: owl:sameAs / skos:closeMatch to Wikidata
        entities, and cst:EntityLink records (status: verified, unverified …). A record
        without a target is ("", record IRI, status)."""
        found: dict[str, tuple[str, str, str | None]] = {}
        for predicate, relation in ((OWL + "sameAs", "same as"), (SCHEMA + "sameAs", "same as"),
                                    (SKOS + "closeMatch", "close match"), (SKOS + "exactMatch", "exact match")):
            for target in self.values(node, predicate):
                if str(target).startswith(WIKIDATA_ENTITY):
                    found[str(target)] = (str(target), relation, None)
        for record in self.graph.subjects(self.uri(CST + "linkedEntity"), node):
            target = self.value(record, CST + "linkTarget")
            if target is None:  # a record without a target: no item, or not yet verified
                status = self.value(record, CST + "linkStatus")
                found["~" + str(record)] = ("", str(record), self.label(status) if status is not None else None)
                continue
            if not str(target).startswith(WIKIDATA_ENTITY):
                continue
            kind = self.value(record, CST + "linkKind")
            status = self.value(record, CST + "linkStatus")
            relation = found.get(str(target), (None, self.label(kind) if kind is not None else "link", None))[1]
            found[str(target)] = (str(target), relation, self.label(status) if status is not None else None)
        return sorted(found.values())


def load_site_data(files: Iterable[str | Path] | None = None, source: str | Path | None = None) -> SiteData:
    """The merged publication (ontology, facts, context) and the article's sentences."""
    from cstrdf import resources
    from cstrdf.publication import all_files
    from cstrdf.rdfio import load_graph
    from cstrdf.sentences import split_sentences

    paths = tuple(Path(f) for f in (files if files is not None else all_files()))
    graph = load_graph(paths)
    text = resources.read_source_text(source)
    return SiteData(graph=graph, text=text, sentences=split_sentences(text), files=paths)
