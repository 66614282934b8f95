"""Namespaces of the publication and the vocabularies it reuses (plain strings: no rdflib here)."""

from __future__ import annotations

CST = "https://w3id.org/cstrdf/ontology#"
CSTID = "https://w3id.org/cstrdf/id/"
ONTOLOGY_IRI = "https://w3id.org/cstrdf/ontology"
OA = "http://www.w3.org/ns/oa#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"

#: the article, the ``oa:hasSource`` of every evidence selector (MODELING.md: the source is the
#: article; its plain-text copy is data/source/monitor-v8-i95.txt)
SOURCE_TEXT_IRI = CSTID + "monitor-v8-i95"

#: prefixes the canonical writer may add when a file uses one of these namespaces without
#: declaring it (a file's own declarations always win)
WELL_KNOWN_PREFIXES: dict[str, str] = {
    "cst": CST,
    "cstid": CSTID,
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "oa": OA,
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": RDF,
    "rdfs": RDFS,
    "schema": "http://schema.org/",
    "sh": SH,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "time": "http://www.w3.org/2006/time#",
    "vann": "http://purl.org/vocab/vann/",
    "void": "http://rdfs.org/ns/void#",
    "wd": "http://www.wikidata.org/entity/",
    "xsd": XSD,
}
