"""``cstrdf info`` counts what an independent rdflib count finds."""

from __future__ import annotations

import rdflib

from cstrdf import resources

CST = rdflib.Namespace("https://w3id.org/cstrdf/ontology#")


def test_info_counts_match_rdflib(run):
    graph = rdflib.Graph()
    for f in resources.ontology_files() + resources.fact_files() + resources.context_files():
        graph.parse(f)
    payload = run("info", "--format", "json").json()
    assert payload["triples"] == len(graph)
    assert payload["claims"] == len(set(graph.subjects(rdflib.RDF.type, CST.Claim)))
    assert payload["quotations"] == len(set(graph.subjects(rdflib.RDF.type, CST.Quotation)))
    evidenced = set(graph.subjects(CST.evidence, None))
    assert payload["text_derived_nodes"] == len(evidenced)
    assert payload["facts"] == len(evidenced) - payload["claims"] - payload["quotations"]
    by_class = {row["class"]: row["count"] for row in payload["entities_by_class"]}
    assert by_class[str(CST.State)] == len(set(graph.subjects(rdflib.RDF.type, CST.State)))
    text = run("info").stdout
    assert f"triples: {len(graph)}" in text
