"""The ontology with its data is consistent and every class is satisfiable, under HermiT
(through owlready2) and under the OWL 2 RL closure (owlrl); and both reasoners do catch a
deliberately broken addition, so these tests can fail.

HermiT accepts only the OWL 2 datatype map, which has no ``xsd:date``, ``xsd:gYearMonth`` or
``xsd:gYear`` (the precisions the publication dates things at). For the HermiT run
:func:`cstrdf.reasoner.hermit` drops exactly those literals and the ``rdfs:range`` axioms that
name those datatypes, and nothing else; the OWL 2 RL closure sees every triple. No skips: without
Java, HermiT cannot run and the HermiT tests fail.
"""

from __future__ import annotations

import rdflib
import pytest

from cstrdf import reasoner

PREFIXES = """\
@prefix cst: <https://w3id.org/cstrdf/ontology#> .
@prefix cstid: <https://w3id.org/cstrdf/id/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://example.org/reasoner-test/> .
"""

#: a person and a state cannot be the same individual; Putin is made both (his cst:Person type
#: is repeated so that the addition is inconsistent with the ontology alone too)
BOTH_PERSON_AND_STATE = PREFIXES + """
cst:Person owl:disjointWith cst:State .
cstid:vladimir-putin a cst:Person , cst:State .
"""

#: a class under two disjoint classes can have no instance
PERSON_STATE_CLASS = PREFIXES + """
cst:Person owl:disjointWith cst:State .
ex:PersonState a owl:Class ; rdfs:subClassOf cst:Person , cst:State .
"""


def turtle(text: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=text, format="turtle")


@pytest.fixture(scope="module")
def hermit_report():
    return reasoner.hermit()


@pytest.fixture(scope="module")
def owl_rl_report():
    return reasoner.owl_rl_closure()


def test_java_is_there_for_hermit():
    assert reasoner.java_available(), "HermiT needs Java: install default-jre-headless (scripts/setup.sh does)"


def test_hermit_finds_the_publication_consistent(hermit_report):
    assert hermit_report.consistent, hermit_report.explanation


def test_hermit_finds_every_class_satisfiable(hermit_report):
    assert hermit_report.unsatisfiable == ()


def test_hermit_leaves_out_only_what_it_cannot_read(hermit_report):
    """Only dates (xsd:date, xsd:gYearMonth, xsd:gYear literals and ranges) are dropped."""
    graph = reasoner.load()
    removed = reasoner.outside_owl2_datatype_map(graph)
    assert hermit_report.removed == len(removed) > 0
    datatypes = {str(o.datatype) if isinstance(o, rdflib.Literal) else str(o) for _s, _p, o in removed}
    xsd = reasoner.XSD
    assert datatypes <= {xsd + "date", xsd + "gYearMonth", xsd + "gYear"}, datatypes


def test_owl_rl_closure_finds_no_inconsistency(owl_rl_report):
    assert owl_rl_report.consistent, owl_rl_report.explanation
    assert owl_rl_report.unsatisfiable == ()
    assert owl_rl_report.closure_triples > owl_rl_report.triples


def test_hermit_detects_an_individual_in_two_disjoint_classes():
    report = reasoner.hermit(extra=turtle(BOTH_PERSON_AND_STATE))
    assert not report.consistent
    assert report.explanation


def test_hermit_detects_an_unsatisfiable_class():
    report = reasoner.hermit(extra=turtle(PERSON_STATE_CLASS))
    assert report.consistent
    assert report.unsatisfiable == ("http://example.org/reasoner-test/PersonState",)


def test_owl_rl_detects_an_individual_in_two_disjoint_classes():
    """On the ontology alone plus the broken addition (the full closure takes a while)."""
    from cstrdf import resources

    report = reasoner.owl_rl_closure(resources.ontology_files(), extra=turtle(BOTH_PERSON_AND_STATE))
    assert not report.consistent
    assert "disjoint" in report.explanation.lower(), report.explanation


def test_only_the_owl2_datatype_map_is_kept_for_hermit():
    graph = turtle(PREFIXES + """
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:a ex:when "2002-05-13"^^xsd:date ; ex:month "2002-05"^^xsd:gYearMonth ;
            ex:count 2 ; ex:at "2002-05-13T10:00:00Z"^^xsd:dateTime ; rdfs:label "a"@en .
        ex:when rdfs:range xsd:date .
        ex:count rdfs:range xsd:positiveInteger .
    """)
    removed = {(str(p), str(o)) for _s, p, o in reasoner.outside_owl2_datatype_map(graph)}
    assert removed == {
        ("http://example.org/reasoner-test/when", "2002-05-13"),
        ("http://example.org/reasoner-test/month", "2002-05"),
        ("http://www.w3.org/2000/01/rdf-schema#range", "http://www.w3.org/2001/XMLSchema#date"),
    }
