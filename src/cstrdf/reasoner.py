"""OWL reasoning over the publication: HermiT (through owlready2) and an OWL 2 RL closure (owlrl).

Both answer the same two questions: is the ontology with its data consistent, and is every
class satisfiable (could have an instance)?

* :func:`hermit` runs the HermiT reasoner that ships with owlready2 (Java). HermiT implements
  exactly the OWL 2 datatype map, and the publication dates things at the precision the text
  gives them: ``xsd:date``, ``xsd:gYearMonth``, ``xsd:gYear`` (MODELING.md), none of which is in
  that map, so HermiT stops with ``UnsupportedDatatypeException``. For the HermiT run only,
  every literal typed with an XSD datatype outside the OWL 2 map is dropped, and so is every
  ``rdfs:range`` axiom naming such a datatype; the report says how many triples that removed.
  Nothing else is changed. HermiT therefore does not see those dates; the OWL 2 RL closure
  below still sees every triple.
* :func:`owl_rl_closure` computes the OWL 2 RL closure with owlrl over everything and reports
  owlrl's inconsistency messages (e.g. an individual in two disjoint classes) and the classes
  the closure puts under ``owl:Nothing``.

>>> report = hermit()  # doctest: +SKIP
>>> report.consistent, report.unsatisfiable  # doctest: +SKIP
(True, ())
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from cstrdf.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

XSD = "http://www.w3.org/2001/XMLSchema#"
RDFS_RANGE = "http://www.w3.org/2000/01/rdf-schema#range"
OWL_NOTHING = "http://www.w3.org/2002/07/owl#Nothing"
OWL_THING = "http://www.w3.org/2002/07/owl#Thing"
#: where owlrl writes the inconsistencies it finds (owlrl.Closure: ERRNS)
OWLRL_ERRORS = "http://www.daml.org/2002/03/agents/agent-ont#"

#: the XSD part of the OWL 2 datatype map (OWL 2 Structural Specification, section 4):
#: the only XSD datatypes HermiT accepts
OWL2_XSD_DATATYPES = frozenset(
    XSD + name
    for name in (
        "decimal integer nonNegativeInteger nonPositiveInteger positiveInteger negativeInteger "
        "long int short byte unsignedLong unsignedInt unsignedShort unsignedByte double float "
        "string normalizedString token language Name NCName NMTOKEN boolean hexBinary "
        "base64Binary anyURI dateTime dateTimeStamp"
    ).split()
)


@dataclass(frozen=True)
class ReasonerReport:
    """Verdict of one reasoner run."""

    reasoner: str  # "HermiT" or "OWL 2 RL (owlrl)"
    consistent: bool
    #: IRIs of the named classes that cannot have an instance (owl:Nothing itself left out)
    unsatisfiable: tuple[str, ...]
    triples: int  # triples given to the reasoner
    #: triples left out for this reasoner (HermiT: literals and ranges outside the OWL 2 datatype map)
    removed: int = 0
    #: the reasoner's explanation when inconsistent (HermiT's message, owlrl's error messages)
    explanation: str = ""
    #: triples in the closure (owlrl only)
    closure_triples: int = 0

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable


def default_files() -> list[Path]:
    """Ontology, facts and context of the publication."""
    from cstrdf import resources

    return resources.ontology_files() + resources.fact_files() + resources.context_files()


def load(files: Sequence[str | Path] | None = None, extra: "rdflib.Graph | None" = None) -> "rdflib.Graph":
    """The union of ``files`` (default: ontology + facts + context) and ``extra``."""
    from cstrdf.rdfio import load_graph

    graph = load_graph(list(files) if files is not None else default_files())
    if extra is not None:
        graph += extra
    return graph


def outside_owl2_datatype_map(graph: "rdflib.Graph") -> list[tuple]:
    """The triples HermiT cannot take: literals and rdfs:range axioms with an XSD datatype
    that is not in the OWL 2 datatype map (xsd:date, xsd:gYearMonth, xsd:gYear, ...)."""
    from rdflib import Literal, URIRef

    def unsupported(datatype) -> bool:
        return datatype is not None and str(datatype).startswith(XSD) and str(datatype) not in OWL2_XSD_DATATYPES

    removed = []
    for triple in graph:
        _subject, predicate, obj = triple
        if isinstance(obj, Literal) and unsupported(obj.datatype):
            removed.append(triple)
        elif predicate == URIRef(RDFS_RANGE) and isinstance(obj, URIRef) and unsupported(obj):
            removed.append(triple)
    return removed


def hermit(
    files: Sequence[str | Path] | None = None,
    extra: "rdflib.Graph | None" = None,
) -> ReasonerReport:
    """Run HermiT (owlready2's copy, needs Java) over ``files`` (+ ``extra``).

    Literals and ranges outside the OWL 2 datatype map are left out (see the module docstring).
    Raises InputError when Java or HermiT cannot run at all.
    """
    import owlready2

    graph = load(files, extra)
    removed = outside_owl2_datatype_map(graph)
    for triple in removed:
        graph.remove(triple)
    with tempfile.TemporaryDirectory(prefix="cstrdf-hermit-") as tmp:
        path = Path(tmp) / "publication.nt"
        graph.serialize(destination=str(path), format="nt", encoding="utf-8")
        world = owlready2.World()
        try:
            world.get_ontology(path.as_uri()).load()
            owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as error:
            explanation = str(error).strip() or "HermiT: the ontology with its data is inconsistent"
            return ReasonerReport("HermiT", False, (), len(graph) + len(removed), len(removed), explanation)
        except owlready2.OwlReadyJavaError as error:
            raise InputError(f"HermiT could not run: {_first_lines(str(error))}") from error
        except FileNotFoundError as error:  # no java executable
            raise InputError(f"HermiT needs Java (install default-jre-headless): {error}") from error
        unsatisfiable = tuple(
            sorted(
                {c.iri for c in world.inconsistent_classes() if getattr(c, "iri", None) not in (None, OWL_NOTHING)}
            )
        )
        world.close()
    return ReasonerReport("HermiT", True, unsatisfiable, len(graph) + len(removed), len(removed))


def owl_rl_closure(
    files: Sequence[str | Path] | None = None,
    extra: "rdflib.Graph | None" = None,
) -> ReasonerReport:
    """Compute the OWL 2 RL closure (owlrl) over everything and report what it finds wrong."""
    import owlrl
    from rdflib import OWL, RDFS, URIRef

    graph = load(files, extra)
    size = len(graph)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    errors = sorted(str(m) for m in graph.objects(None, URIRef(OWLRL_ERRORS + "error")))
    unsatisfiable = tuple(
        sorted(
            str(c)
            for c in set(graph.subjects(RDFS.subClassOf, OWL.Nothing))
            if isinstance(c, URIRef) and str(c) != OWL_NOTHING
        )
    )
    return ReasonerReport(
        "OWL 2 RL (owlrl)", not errors, unsatisfiable, size, 0, "\n".join(errors), closure_triples=len(graph)
    )


def _first_lines(text: str, count: int = 6) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return " / ".join(lines[:count])


def java_available() -> bool:
    """Whether a ``java`` executable is on the PATH (HermiT needs one)."""
    import shutil

    return shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME"))
