"""``cstrdf info``: what the publication holds, in numbers."""

from __future__ import annotations

from dataclasses import dataclass

from cstrdf.namespaces import CST, CSTID

_COUNTS = f"""
PREFIX cst: <{CST}>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT
  (COUNT(DISTINCT ?claim) AS ?claims)
  (COUNT(DISTINCT ?quotation) AS ?quotations)
  (COUNT(DISTINCT ?evidenced) AS ?evidenced)
  (COUNT(DISTINCT ?selector) AS ?selectors)
  (COUNT(DISTINCT ?class) AS ?classes)
  (COUNT(DISTINCT ?property) AS ?properties)
WHERE {{
  {{ ?claim a cst:Claim }} UNION {{ ?quotation a cst:Quotation }}
  UNION {{ ?evidenced cst:evidence ?e }} UNION {{ ?e2 <http://www.w3.org/ns/oa#hasSelector> ?selector }}
  UNION {{ ?class a owl:Class FILTER(STRSTARTS(STR(?class), "{CST}")) }}
  UNION {{ ?property a ?kind FILTER(?kind IN (owl:ObjectProperty, owl:DatatypeProperty)
                                  && STRSTARTS(STR(?property), "{CST}")) }}
}}
"""

_BY_CLASS = f"""
SELECT ?class (COUNT(DISTINCT ?entity) AS ?n) WHERE {{
  ?entity a ?class FILTER(STRSTARTS(STR(?entity), "{CSTID}"))
}} GROUP BY ?class ORDER BY DESC(?n) ?class
"""

_LINKS = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT (COUNT(*) AS ?n) WHERE {
  { ?a owl:sameAs ?b } UNION { ?a skos:closeMatch ?b } UNION { ?a skos:exactMatch ?b }
  FILTER(STRSTARTS(STR(?b), "http://www.wikidata.org/entity/"))
}
"""


@dataclass(frozen=True)
class PublicationInfo:
    """Counts over the packaged publication (or given files)."""

    triples: int
    graphs: tuple[tuple[str, int], ...]
    ontology_classes: int
    ontology_properties: int
    entities_by_class: tuple[tuple[str, int], ...]
    text_derived_nodes: int
    evidence_selectors: int
    claims: int
    quotations: int
    facts: int
    wikidata_links: int


def info(files=None) -> PublicationInfo:
    """Count what the publication holds.

    ``facts`` counts the text-derived nodes that are neither claims nor quotations: the
    reported facts.

    >>> i = info()
    >>> i.claims > 0 and i.triples > 1000
    True
    """
    from cstrdf.publication import load_store

    store = load_store(files) if files is not None else load_store()
    options = {"use_default_graph_as_union": True}
    row = next(iter(store.query(_COUNTS, **options)))
    claims, quotations, evidenced, selectors, classes, properties = (int(row[i].value) for i in range(6))
    by_class = tuple((r[0].value, int(r[1].value)) for r in store.query(_BY_CLASS, **options))
    links = int(next(iter(store.query(_LINKS, **options)))[0].value)
    graphs: dict[str, int] = {}
    for quad in store:
        name = getattr(quad.graph_name, "value", "default")
        graphs[name] = graphs.get(name, 0) + 1
    return PublicationInfo(
        triples=len(store), graphs=tuple(sorted(graphs.items())), ontology_classes=classes,
        ontology_properties=properties, entities_by_class=by_class, text_derived_nodes=evidenced,
        evidence_selectors=selectors, claims=claims, quotations=quotations,
        facts=evidenced - claims - quotations, wikidata_links=links,
    )
