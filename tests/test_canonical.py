"""Canonical Turtle: deterministic, idempotent, and faithful to the graph."""

import os
import stat

import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic

from cstrdf import resources
from cstrdf.canonical import canonical_turtle, escape_string, format_file, parse_turtle_file, write_atomically
from cstrdf.errors import ExitCode

SYNTHETIC = {
    "evidence": """
@prefix cst: <https://w3id.org/cstrdf/ontology#> .
@prefix cstid: <https://w3id.org/cstrdf/id/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
cstid:b rdfs:label "B"@en ; a cst:Thing .
cstid:a cst:evidence [ a oa:SpecificResource ; oa:hasSource cstid:text ;
    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "q" ; oa:prefix "p" ] ,
                   [ a oa:TextPositionSelector ; oa:start 1 ; oa:end 2 ] ] ;
    rdfs:label "A"@en ; a cst:Thing , cst:Other .
""",
    "literals": """
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:s ex:int 42 , -7 ; ex:dec 2.50 ; ex:dbl 1.0e3 ; ex:bool true , false ;
    ex:date "2002-05-13"^^xsd:date ; ex:month "2002-05"^^xsd:gYearMonth ;
    ex:nn "3"^^xsd:nonNegativeInteger ; ex:str "typed"^^xsd:string ;
    ex:bad "abc"^^xsd:integer ; ex:custom "x"^^<http://example.org/dt#1> ;
    ex:text "quote \\" backslash \\\\ tab \\t end" , \"\"\"two
lines\"\"\" , "ünïcödé – “quotes”"@de-CH , "" .
""",
    "blank nodes": """
@prefix ex: <http://example.org/> .
_:shared ex:p ex:o .
ex:a ex:r _:shared . ex:b ex:r _:shared .
_:x ex:next _:y . _:y ex:next _:x .
_:self ex:p _:self .
[] ex:lonely ex:o .
ex:c ex:empty [] ; ex:nested [ ex:p [ ex:q [ ex:r 1 ] ] ] .
""",
    "lists": """
@prefix ex: <http://example.org/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
ex:shape sh:in ( ex:a ex:b "c" 1 ) ; sh:or ( [ sh:class ex:A ] [ sh:class ex:B ; sh:minCount 1 ] ) ;
    sh:and () ; ex:nested ( ( 1 2 ) ( ) ( 3 ) ) .
""",
    "awkward names": """
@prefix ex: <http://example.org/> .
@prefix cameo: <http://example.org/cameo/> .
<http://example.org/0212> ex:p cameo:c0212 .
<http://example.org/a/b> ex:p <http://example.org/with%20space> , <http://example.org/x.> ,
    <http://example.org/é> , ex: .
""",
    "many objects": """
@prefix ex: <http://example.org/> .
ex:cst ex:member ex:russia , ex:belarus , ex:armenia , ex:kazakhstan , ex:kyrgyzstan , ex:tajikistan ,
    [ ex:name "someone with a rather long name" ] , "a literal" .
""",
}


def _graph(text: str) -> rdflib.Graph:
    return rdflib.Graph(bind_namespaces="none").parse(data=text, format="turtle")


def _prefixes(graph: rdflib.Graph) -> dict:
    return {p: str(n) for p, n in graph.namespaces()}


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_isomorphic_and_idempotent(name):
    graph = _graph(SYNTHETIC[name])
    once = canonical_turtle(graph, _prefixes(graph))
    again_graph = _graph(once)
    assert isomorphic(graph, again_graph), once
    assert canonical_turtle(again_graph, _prefixes(graph)) == once
    assert "PREFIX" not in once


def test_layout_of_a_subject_block():
    graph = _graph(SYNTHETIC["evidence"])
    text = canonical_turtle(graph, _prefixes(graph))
    assert text.splitlines()[:4] == [
        "@prefix cst: <https://w3id.org/cstrdf/ontology#> .",
        "@prefix cstid: <https://w3id.org/cstrdf/id/> .",
        "@prefix oa: <http://www.w3.org/ns/oa#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
    ]
    blocks = text.split("\n\n")
    assert blocks[1].startswith("cstid:a a cst:Other , cst:Thing ;\n    rdfs:label \"A\"@en ;\n    cst:evidence [\n")
    assert blocks[2] == 'cstid:b a cst:Thing ;\n    rdfs:label "B"@en .\n'
    assert "oa:start 1" in text and "oa:end 2" in text
    assert text.endswith(" .\n") and not text.endswith("\n\n")


def test_literals_in_short_form_where_turtle_allows():
    graph = _graph(SYNTHETIC["literals"])
    text = canonical_turtle(graph, _prefixes(graph))
    for short in ("ex:int -7 , 42", "ex:dec 2.5", "ex:bool false , true"):
        assert short in text
    # rdflib normalises 1.0e3 to "1000.0", which is no Turtle DOUBLE token: keep it quoted
    assert 'ex:dbl "1000.0"^^xsd:double' in text
    assert '"2002-05-13"^^xsd:date' in text
    assert '"3"^^xsd:nonNegativeInteger' in text
    assert '"abc"^^xsd:integer' in text  # ill-typed: not written as a number
    assert '"typed"^^xsd:string' in text
    assert '"x"^^<http://example.org/dt#1>' in text
    assert '"""two\nlines"""' in text
    assert '"quote \\" backslash \\\\ tab \\t end"' in text


def test_local_names_that_turtle_or_virtuoso_reject_become_full_iris():
    graph = _graph(SYNTHETIC["awkward names"])
    text = canonical_turtle(graph, _prefixes(graph))
    assert "<http://example.org/0212>" in text
    assert "cameo:c0212" in text
    assert "<http://example.org/a/b>" in text
    assert "<http://example.org/with%20space>" in text
    assert "<http://example.org/x.>" in text
    assert "ex: ." in text or "ex: ," in text  # the namespace itself


def test_prefixes_declared_are_kept_and_well_known_ones_added_only_when_used():
    graph = _graph('@prefix unused: <http://unused.example/> .\n<http://example.org/s> <http://www.w3.org/2000/01/rdf-schema#label> "x" .')
    text = canonical_turtle(graph, {"unused": "http://unused.example/"})
    assert "@prefix unused: <http://unused.example/> ." in text
    assert "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ." in text
    assert "@prefix owl:" not in text and "@prefix xsd:" not in text


def test_shared_blank_nodes_get_stable_labels():
    graph = _graph(SYNTHETIC["blank nodes"])
    text = canonical_turtle(graph, _prefixes(graph))
    assert "_:b1" in text
    assert "[ ex:p [ ex:q [ ex:r 1 ] ] ]" in text
    assert "ex:empty []" in text
    # relabelled input gives the same bytes
    shuffled = _graph(SYNTHETIC["blank nodes"].replace("_:shared", "_:zz").replace("_:x", "_:aa"))
    assert canonical_turtle(shuffled, _prefixes(graph)) == text


def test_lists_are_written_as_collections():
    graph = _graph(SYNTHETIC["lists"])
    text = canonical_turtle(graph, _prefixes(graph))
    assert 'sh:in ( ex:a ex:b "c" 1 )' in text
    assert "sh:and ()" in text
    assert "rdf:first" not in text


def test_long_object_lists_one_per_line():
    graph = _graph(SYNTHETIC["many objects"])
    text = canonical_turtle(graph, _prefixes(graph))
    assert "ex:member\n        ex:armenia ,\n        ex:belarus ,\n" in text


_unicode = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(['"', "\\", "\n", "\r", "'", "“", "\t"]),
    max_size=40,
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(value=_unicode, language=st.sampled_from([None, "en", "ru", "de-CH"]))
def test_any_string_round_trips(value, language):
    graph = rdflib.Graph()
    literal = rdflib.Literal(value, lang=language)
    graph.add((rdflib.URIRef("http://example.org/s"), rdflib.URIRef("http://example.org/p"), literal))
    text = canonical_turtle(graph, {"ex": "http://example.org/"})
    parsed = _graph(text)
    assert list(parsed.objects()) == [literal]
    assert canonical_turtle(parsed, {"ex": "http://example.org/"}) == text
    assert ('"""' in text) == ("\n" in value)


def test_escape_string():
    assert escape_string('a"b') == '"a\\"b"'
    assert escape_string("a\\b") == '"a\\\\b"'
    assert escape_string("a\nb") == '"""a\nb"""'
    assert escape_string("\x00\x7f") == '"\\u0000\\u007F"'


def test_comments_are_kept_at_the_top_and_above_their_subject(write):
    path = write("c.ttl", "# Header line one\n# Header line two\n\n@prefix ex: <http://example.org/> .\n\n"
                          "# about z\nex:z ex:p 1 .\n# about a\n# more about a\nex:a ex:p 2 ; # inline, dropped\n  ex:q 3 .\n")
    format_file(path)
    text = path.read_text(encoding="utf-8")
    assert text == (
        "# Header line one\n# Header line two\n\n@prefix ex: <http://example.org/> .\n\n"
        "# about a\n# more about a\nex:a ex:p 2 ;\n    ex:q 3 .\n\n# about z\nex:z ex:p 1 .\n"
    )
    assert format_file(path).changed is False


def test_fmt_command_check_and_rewrite(run, write):
    path = write("x.ttl", "@prefix ex: <http://example.org/> .\nex:b ex:p 1 . ex:a ex:p 2 .\n")
    before = path.read_bytes()
    result = run("fmt", "--check", path, expect=ExitCode.NOT_CONFORMING)
    assert f"would reformat: {path}" in result.stdout
    assert path.read_bytes() == before
    run("fmt", path)
    assert path.read_text(encoding="utf-8") == "@prefix ex: <http://example.org/> .\n\nex:a ex:p 2 .\n\nex:b ex:p 1 .\n"
    run("fmt", "--check", path)


def test_fmt_reports_syntax_errors_with_position(run, write):
    path = write("bad.ttl", "@prefix ex: <http://example.org/> .\nex:a ex:p\n  ex:b ex:c .\n")
    result = run("fmt", path, expect=ExitCode.INPUT)
    assert f"cstrdf: error: {path}:3:8: " in result.stderr


def test_write_atomically_keeps_the_mode_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "f.ttl"
    path.write_text("old", encoding="utf-8")
    os.chmod(path, 0o640)
    write_atomically(path, "new ✓\n")
    assert path.read_text(encoding="utf-8") == "new ✓\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["f.ttl"]


@pytest.mark.parametrize(
    "path",
    resources.ontology_files() + resources.fact_files() + resources.context_files() + resources.shape_files(),
    ids=lambda p: str(p.relative_to(resources.publication_root())),
)
def test_publication_files_survive_canonical_form(path):
    """The writer on real files: isomorphic and idempotent (whether or not they are canonical yet)."""
    turtle = parse_turtle_file(path)
    once = turtle.canonical()
    graph = _graph(once)
    assert isomorphic(turtle.graph, graph)
    assert canonical_turtle(graph, turtle.prefixes, header=turtle.header, comments=turtle.comments) == once
