"""The Wikidata link records and the snapshot as data: one record per linkable entity, the
right link kind for each, evidence everywhere, every snapshot statement sourced, the link
shapes with their valid/invalid fixtures (W3C data-shapes test style), and the linkset counts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from cstrdf import wikidata
from cstrdf.namespaces import CST, CSTID

REPO = Path(__file__).resolve().parents[1]
LINK_SHAPES = REPO / "shapes" / "links-shapes.ttl"
SHARED_TSV = REPO.parent / "shared" / "reference" / "wikidata-qids.tsv"
SH = "http://www.w3.org/ns/shacl#"


@pytest.fixture(scope="module")
def store():
    return wikidata.publication_store()


@pytest.fixture(scope="module")
def links(store):
    return {link.entity: link for link in wikidata.read_links(store)}


def test_every_linkable_entity_has_exactly_one_record(store):
    records = Counter(l.entity for l in wikidata.read_links(store))
    linkable = wikidata.linkable_entities(store)
    assert set(records) == set(linkable), (
        f"without record: {sorted(set(linkable) - set(records))}; not linkable: {sorted(set(records) - set(linkable))}")
    assert all(n == 1 for n in records.values())


@pytest.mark.parametrize("slug, kind, qid", [
    ("vladimir-putin", "sameAs", "Q7747"),
    ("alyaksandr-lukashenka", "sameAs", "Q2866"),
    ("russia", "sameAs", "Q159"),
    ("kremlin", "sameAs", "Q133274"),
    ("nato", "sameAs", "Q7184"),
    ("north-atlantic-council", "sameAs", "Q944947"),
    ("cis", "sameAs", "Q7779"),
    ("warsaw-treaty-organization", "sameAs", "Q41644"),
    ("september-11-attacks", "sameAs", "Q10806"),
    ("dissolution-of-the-soviet-union", "sameAs", "Q5167679"),
    # the treaty is the treaty item; the May 2002 system and the proposed CSO are not the CSTO
    ("collective-security-treaty", "sameAs", "Q110445240"),
    ("cst", "closeMatch", "Q318693"),
    ("cso", "closeMatch", "Q318693"),
    ("csto", "sameAs", "Q318693"),
])
def test_link_kind_follows_the_modeling_guide(links, slug, kind, qid):
    link = links[CSTID + slug]
    assert (link.status, link.kind, link.qid) == ("verified", kind, qid)


@pytest.mark.parametrize("slug, status", [
    ("moscow-summit-2002", "noItem"),
    ("western-group-of-forces", "noItem"),
    ("caucasus-group-of-forces", "noItem"),
    ("central-asia-group-of-forces", "noItem"),
    ("working-group", "noItem"),
    ("coordinating-group", "noItem"),
    ("moscow-joint-statement", "noItem"),
    ("stance-putin-supports-joint-command", "noItem"),
    ("robert-kocharian", "unverified"),
    ("sergei-ivanov", "unverified"),
    ("interfax", "unverified"),
    ("jamestown-foundation", "unverified"),
])
def test_entities_without_a_verified_item_are_marked(links, slug, status):
    link = links[CSTID + slug]
    assert link.status == status and link.target is None and link.kind in (None, "sameAs", "closeMatch")


def test_expected_types_by_class(store, links):
    classes = wikidata.linkable_entities(store)
    for entity, link in links.items():
        if link.status != "verified":
            continue
        if CST + "Person" in classes[entity]:
            assert link.expected_types == ("Q5",), entity
        if CST + "State" in classes[entity] and not entity.endswith("/soviet-union"):
            assert set(link.expected_types) == {"Q3624078", "Q6256"}, entity
        if CST + "City" in classes[entity]:
            assert set(link.expected_types) == {"Q515", "Q5119"}, entity


def test_every_record_says_how_it_was_chosen(links):
    for entity, link in links.items():
        assert len(link.evidence) >= 20, entity
        if link.status == "verified":
            assert link.expected_label, entity
        if link.status == "unverified":
            assert "What would verify it" in link.evidence, entity


def test_verified_identifiers_come_from_the_shared_table_or_a_named_source(links):
    """No guessed identifier: each verified QID is in the shared reference table, or the
    evidence names the stored public file that pairs it (SpocWiki notes)."""
    if not SHARED_TSV.is_file():
        pytest.skip(f"the shared reference table is not beside the checkout ({SHARED_TSV})")
    table = {line.split("\t")[2] for line in SHARED_TSV.read_text(encoding="utf-8").splitlines()[2:] if line.count("\t") >= 5}
    for entity, link in links.items():
        if link.status == "verified" and link.qid not in table:
            assert "SpocWiki" in link.evidence and link.qid[1:] in link.evidence, entity


def test_snapshot_statements_are_sourced():
    import pyoxigraph

    snapshot = wikidata.snapshot_store()
    unsourced = list(snapshot.query("""
        PREFIX wikibase: <http://wikiba.se/ontology#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?item ?statement WHERE { ?item ?p ?statement . ?statement a wikibase:Statement
          FILTER NOT EXISTS { ?statement prov:wasDerivedFrom ?source } }"""))
    assert not unsourced
    # every item in the snapshot has a comment naming the source of its label and types
    text = wikidata.default_snapshot_path().read_text(encoding="utf-8")
    items = {q.subject.value for q in snapshot.quads_for_pattern(None, pyoxigraph.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None)}
    for item in items:
        qid = wikidata.qid_of(item)
        assert f"# {qid}: " in text, f"no source comment for {qid}"


def test_every_link_target_and_expected_type_is_in_the_snapshot(links):
    snapshot = wikidata.snapshot_store()
    wanted = {l.qid for l in links.values() if l.qid} | {t for l in links.values() for t in l.expected_types}
    found = wikidata.fetch_items(wikidata.Source(store=snapshot), wanted)
    assert set(found) == wanted


def test_linkset_counts_on_both_engines():
    from cstrdf.publication import load_store
    from cstrdf.rdfio import load_graph
    from cstrdf import resources

    from_oxigraph = wikidata.linkset_counts(load_store())
    from_rdflib = wikidata.linkset_counts(load_graph(resources.context_files()))
    assert from_oxigraph == from_rdflib
    assert dict(from_oxigraph.by_status) == {"verified": 37, "unverified": 29, "noItem": 59}
    assert (from_oxigraph.same_as, from_oxigraph.close_match) == (33, 4)
    assert from_oxigraph.as_dict()["owl:sameAs"] == 33


def test_link_files_are_canonical():
    from cstrdf.canonical import format_file

    for path in (wikidata.default_links_path(), wikidata.default_snapshot_path(), LINK_SHAPES):
        assert not format_file(path, check=True).changed, f"{path.name} is not canonical: run cstrdf fmt"


def test_the_shape_targets_exactly_the_linkable_classes(store):
    import re

    import rdflib

    shapes = rdflib.Graph().parse(LINK_SHAPES)
    coverage = rdflib.URIRef("https://w3id.org/cstrdf/shapes#LinkCoverageShape")
    target = shapes.value(coverage, rdflib.URIRef(SH + "target"))
    select = str(shapes.value(target, rdflib.URIRef(SH + "select")))
    targeted = set(re.findall(r"<([^>]+)>", select.split("VALUES ?class", 1)[1].split("}", 1)[0]))
    linkable_classes = {c for classes in wikidata.linkable_entities(store).values() for c in classes}
    assert targeted == linkable_classes
    assert not targeted & wikidata.NOT_LINKABLE


# -- shape fixtures live in tests/shapes/<ShapeName>/ (tests/test_shapes.py runs them) ------------

LINK_SHAPE_NAMES = ("LinkCoverageShape", "EntityLinkShape", "LinkTripleShape", "LinkKindShape", "LinkStatusShape",
                    "WikidataItemShape", "WikidataStatementShape")


def test_every_link_shape_has_fixtures():
    import rdflib

    shapes = rdflib.Graph().parse(LINK_SHAPES)
    names = {str(s).rsplit("#", 1)[1] for s in shapes.subjects(rdflib.RDF.type, rdflib.URIRef(SH + "NodeShape"))}
    assert names == set(LINK_SHAPE_NAMES)
    for name in names:
        folder = REPO / "tests" / "shapes" / name
        invalid = sorted(folder.glob("invalid-*.ttl"))
        assert invalid, f"{name}: no invalid fixture"
        assert all(f.with_name(f.stem + ".expected.tsv").is_file() for f in invalid)
    assert any((REPO / "tests" / "shapes" / n).glob("valid-*.ttl") for n in names)
