"""Meta-tests on the shapes themselves: every shape has fixtures, every class in use has a shape,
every shape and constraint says its severity and message, every SPARQL query declares its
prefixes, code lists agree with the ontology, and the shapes graph is valid SHACL."""

from __future__ import annotations

import re

import pytest
import rdflib
from rdflib import RDF, BNode, URIRef
from rdflib.collection import Collection

from cstrdf import resources
from cstrdf.rdfio import load_graph

from test_shapes import CST, FIXTURES, SH, SHAPES_NS, shapes_graph

OWL = rdflib.OWL


def named_node_shapes() -> list[URIRef]:
    graph = shapes_graph()
    return sorted(s for s in set(graph.subjects(RDF.type, SH.NodeShape)) if isinstance(s, URIRef))


def local_name(shape: URIRef) -> str:
    return str(shape)[len(SHAPES_NS):]


def test_shape_iris_are_in_the_shapes_namespace():
    outside = [str(s) for s in named_node_shapes() if not str(s).startswith(SHAPES_NS)]
    assert not outside


@pytest.mark.parametrize("shape", named_node_shapes(), ids=local_name)
def test_every_shape_has_a_valid_and_an_invalid_fixture(shape):
    folder = FIXTURES / local_name(shape)
    assert folder.is_dir(), f"no fixture folder {folder.relative_to(FIXTURES.parent)}"
    valid = sorted(folder.glob("valid-*.ttl"))
    invalid = sorted(folder.glob("invalid-*.ttl"))
    assert valid, f"{local_name(shape)} has no valid-*.ttl fixture"
    assert invalid, f"{local_name(shape)} has no invalid-*.ttl fixture"
    for path in invalid:
        expected = path.with_name(path.name[: -len(".ttl")] + ".expected.tsv")
        assert expected.is_file(), f"{path.name} has no {expected.name}"


def test_every_fixture_folder_belongs_to_a_shape():
    names = {local_name(s) for s in named_node_shapes()}
    strays = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name not in names)
    assert not strays, f"fixture folders without a shape: {strays}"


def test_every_class_the_publication_uses_has_a_node_shape():
    graph = load_graph(resources.ontology_files() + resources.fact_files() + resources.context_files())
    used = {str(row[0]) for row in graph.query("SELECT DISTINCT ?c WHERE { ?s a ?c }")}
    shapes = shapes_graph()
    targeted = {
        str(c) for s in shapes.subjects(RDF.type, SH.NodeShape) for c in shapes.objects(s, SH.targetClass)
    }
    assert sorted(used - targeted) == []


def _property_shapes(graph: rdflib.Graph) -> set:
    return set(graph.objects(None, SH.property)) | {
        s for s in graph.subjects(SH.path, None) if (s, SH.path, None) in graph
    }


def test_every_shape_and_constraint_has_a_message():
    graph = shapes_graph()
    shapes = set(named_node_shapes()) | _property_shapes(graph) | set(graph.objects(None, SH.sparql))
    missing = sorted(str(s) for s in shapes if graph.value(s, SH.message) is None)
    assert not missing, f"no sh:message: {missing}"


def test_every_shape_sets_its_severity():
    """Severities are deliberate: no node or property shape falls back to the default."""
    graph = shapes_graph()
    nested = set()
    for logical in (SH["or"], SH["and"], SH.xone):
        for head in graph.objects(None, logical):
            nested.update(Collection(graph, head))
    shapes = (set(named_node_shapes()) | set(graph.objects(None, SH.property))) - nested
    missing = sorted(str(s) for s in shapes if graph.value(s, SH.severity) is None)
    assert not missing, f"no sh:severity: {missing}"


def _declared_prefixes(graph: rdflib.Graph, node) -> dict[str, str]:
    prefixes = {}
    for ontology in graph.objects(node, SH.prefixes):
        assert (ontology, RDF.type, OWL.Ontology) in graph, f"{ontology} (sh:prefixes) is not an owl:Ontology"
        for declaration in graph.objects(ontology, SH.declare):
            prefixes[str(graph.value(declaration, SH.prefix))] = str(graph.value(declaration, SH.namespace))
    return prefixes


def _sparql_nodes(graph: rdflib.Graph) -> list[tuple[str, object]]:
    """(readable id, node) of every SPARQL constraint and target, named after its shape."""
    found = []
    for node in set(graph.subjects(SH.select, None)) | set(graph.subjects(SH.ask, None)):
        owner = next(iter(graph.subjects(SH.sparql, node)), None) or next(iter(graph.subjects(SH.target, node)), None)
        kind = "target" if (owner, SH.target, node) in graph else "sparql"
        name = local_name(owner) if isinstance(owner, URIRef) and str(owner).startswith(SHAPES_NS) else str(owner)
        found.append((f"{name}-{kind}", node))
    found.sort(key=lambda item: (item[0], str(graph.value(item[1], SH.select) or graph.value(item[1], SH.ask))))
    seen: dict[str, int] = {}
    numbered = []
    for name, node in found:
        seen[name] = seen.get(name, 0) + 1
        numbered.append((f"{name}-{seen[name]}", node))
    return numbered


SPARQL_NODES = _sparql_nodes(shapes_graph())


@pytest.mark.parametrize("node", [n for _i, n in SPARQL_NODES], ids=[i for i, _n in SPARQL_NODES])
def test_every_sparql_query_declares_its_prefixes_with_sh_prefixes(node):
    """Jena needs every prefix through sh:prefixes/sh:declare (pySHACL is lenient)."""
    graph = shapes_graph()
    query = str(graph.value(node, SH.select) or graph.value(node, SH.ask))
    declared = _declared_prefixes(graph, node)
    text = re.sub(r'"[^"\n]*"', '""', query)  # prefixes inside strings are not prefixes
    text = re.sub(r"<[^>\s]*>", "<>", text)
    used = set(re.findall(r"(?<![\w?$<:/#-])([A-Za-z][\w-]*):[A-Za-z_]", text))
    assert used <= set(declared), f"undeclared prefixes {sorted(used - set(declared))} in {node}"
    for prefix, namespace in declared.items():
        assert namespace.endswith(("#", "/")), (prefix, namespace)


def test_sh_prefix_is_declared_with_at_prefix():
    for path in resources.shape_files():
        text = path.read_text(encoding="utf-8")
        assert "@prefix sh: <http://www.w3.org/ns/shacl#> ." in text, path.name
        assert not re.search(r"^\s*PREFIX\s", text, re.MULTILINE | re.IGNORECASE), path.name


CODE_LISTS = [
    ("StatusShape", "status", "Status"),
    ("StanceShape", "stanceType", "StanceType"),
    ("ClaimShape", "claimKind", "ClaimKind"),
    ("ClaimShape", "certainty", "Certainty"),
    ("QuotationShape", "quotationKind", "QuotationKind"),
]


@pytest.mark.parametrize("shape, prop, cls", CODE_LISTS, ids=[c[1] for c in CODE_LISTS])
def test_code_list_enumerations_match_the_ontology(shape, prop, cls):
    graph = shapes_graph()
    lists = [
        graph.value(p, SH["in"])
        for p in graph.objects(URIRef(SHAPES_NS + shape), SH.property)
        if graph.value(p, SH.path) == URIRef(CST + prop) and graph.value(p, SH["in"]) is not None
    ]
    assert len(lists) == 1, f"{shape} has no single sh:in for cst:{prop}"
    enumerated = {str(v) for v in Collection(graph, lists[0])}
    ontology = load_graph(resources.ontology_files())
    values = {str(v) for v in ontology.subjects(RDF.type, URIRef(CST + cls))}
    assert enumerated == values


def test_the_shapes_graph_is_valid_shacl():
    """pySHACL's meta-validation: the shapes graph against the SHACL-SHACL shapes."""
    import pyshacl

    conforms, _report, text = pyshacl.validate(
        rdflib.Graph(), shacl_graph=shapes_graph(), meta_shacl=True, advanced=True, inference="none"
    )
    assert conforms, text


def test_no_blank_node_shape_has_a_target():
    """Targets sit on named shapes, so that results can be traced to a fixture folder."""
    graph = shapes_graph()
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
    anonymous = sorted({s.n3() for t in targets for s in graph.subjects(t, None) if isinstance(s, BNode)})
    assert not anonymous
