"""The fast SHACL engine (:mod:`cstrdf.fastshacl`) gives exactly pySHACL's results.

Compared per result: severity, focus node, result path, constraint component, value, source
shape and message (blank nodes written ``[]``: their labels are random in both engines), as a
multiset. The message is compared except where the shape has no ``sh:message`` (pySHACL then
words one with the shapes graph's prefixes; see the module docstring of cstrdf.fastshacl).
Inputs: the publication, every shape fixture under tests/shapes/ (with the ontology, as
test_shapes.py validates them), and a small corpus with planted faults. The fallback to pySHACL
is tested too: anything the fast engine does not reproduce must hand over, never guess.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path

import pyoxigraph
import pytest

from cstrdf import fastshacl, resources
from cstrdf.errors import InputError
from cstrdf.fastshacl import ShapesGraph, Unsupported
from cstrdf.validate import _results, run_shacl, validate

FIXTURES = Path(__file__).resolve().parent / "shapes"
ALL_FIXTURES = sorted(p for p in FIXTURES.glob("*/*.ttl") if p.name.startswith(("valid-", "invalid-")))


def _text(term: str | None) -> str:
    if term is None:
        return "-"
    return "[]" if term.startswith("_:") else term


def comparable(results, generic_shapes: set[str] = frozenset()) -> Counter:
    """Results as a multiset of tuples; messages of shapes without sh:message left out."""
    return Counter(
        (r.severity, _text(r.focus), r.path or "-", r.component, _text(r.value), _text(r.source_shape),
         "(generic)" if r.source_shape in generic_shapes else r.message)
        for r in results
    )


@lru_cache(maxsize=1)
def shapes() -> ShapesGraph:
    return ShapesGraph.from_files(resources.shape_files())


@lru_cache(maxsize=1)
def generic_shapes() -> frozenset[str]:
    """Named shapes without sh:message (their results carry an engine-worded message)."""
    sh_message = pyoxigraph.NamedNode(fastshacl.SH + "message")
    return frozenset(
        s.value for s in shapes().spo
        if isinstance(s, pyoxigraph.NamedNode) and not shapes().objects(s, sh_message)
    )


def fast_results(files: list[Path], workers: int | None = None):
    """The fast engine on data ``files``, with the ontology mixed in as pySHACL does."""
    store = pyoxigraph.Store()
    raw = fastshacl.load_data(store, files)
    raw |= fastshacl.mix_in_ontology(store, resources.ontology_files())
    return fastshacl.validate_store(store, shapes(), raw, workers=workers)


def pyshacl_results(files: list[Path]):
    from cstrdf.rdfio import load_graph

    return _results(run_shacl(load_graph(files), load_graph(resources.shape_files()),
                              load_graph(resources.ontology_files())))


def _pyshacl_fixture(path: Path) -> Counter | str:
    try:
        return comparable(pyshacl_results([path, *resources.ontology_files()]), generic_shapes())
    except InputError as error:  # a fixture being written; both engines must refuse it alike
        return str(error)


@lru_cache(maxsize=1)
def pyshacl_fixture_results() -> dict[Path, Counter]:
    """pySHACL's results on every fixture, once per session, over forked workers."""
    import multiprocessing
    import os

    generic_shapes()
    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return {path: _pyshacl_fixture(path) for path in ALL_FIXTURES}
    with multiprocessing.get_context("fork").Pool(os.cpu_count()) as pool:
        return dict(zip(ALL_FIXTURES, pool.map(_pyshacl_fixture, ALL_FIXTURES, chunksize=4)))


def describe(counter: Counter) -> str:
    return "\n".join(f"  {n} x {t}" for t, n in sorted(counter.items())) or "  (none)"


def assert_same(fast: Counter, reference: Counter, what: str) -> None:
    assert fast == reference, (
        f"{what}\nonly pySHACL:\n{describe(reference - fast)}\nonly the fast engine:\n{describe(fast - reference)}"
    )


# -- the publication ---------------------------------------------------------------------------

@pytest.mark.slow
def test_publication_gives_pyshacl_results():
    files = resources.ontology_files() + resources.fact_files() + resources.context_files()
    fast = fast_results(files)
    assert_same(comparable(fast, generic_shapes()), comparable(pyshacl_results(files), generic_shapes()),
                "the publication")


def test_validate_reports_the_engine():
    report = validate(engine="fast")
    assert report.engine == "fast" and report.fallback is None
    assert report.shacl_graph is None and report.triples > 1000


# -- every shape fixture -----------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("path", ALL_FIXTURES, ids=[f"{p.parent.name}/{p.name}" for p in ALL_FIXTURES])
def test_fixture_gives_pyshacl_results(path: Path):
    reference = pyshacl_fixture_results()[path]
    try:
        fast = comparable(fast_results([path, *resources.ontology_files()]), generic_shapes())
    except Unsupported as reason:
        pytest.fail(f"the fast engine hands {path.name} over to pySHACL: {reason}")
    except InputError as error:
        assert str(error) == reference
        return
    assert_same(fast, reference, f"{path.parent.name}/{path.name}")


# -- a faulty corpus ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def faulty_corpus(tmp_path_factory):
    from cstrdf.corpus import generate

    return generate(tmp_path_factory.mktemp("corpus"), 10_000, faults=0.7, seed=3)


@pytest.fixture(scope="module")
def faulty_corpus_reference(faulty_corpus) -> Counter:
    from cstrdf.corpus import rdf_files

    return comparable(pyshacl_results(rdf_files([faulty_corpus.folder])), generic_shapes())


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_faulty_corpus_gives_pyshacl_results(faulty_corpus, faulty_corpus_reference, workers):
    # workers=2: the shapes shared between this process and a forked one (cstrdf.shaclworkers)
    from cstrdf.corpus import rdf_files

    files = rdf_files([faulty_corpus.folder])
    assert faulty_corpus.faults, "the corpus should have planted faults"
    fast = fast_results(files, workers=workers)
    assert_same(comparable(fast, generic_shapes()), faulty_corpus_reference, f"a faulty corpus ({workers} processes)")


def test_an_error_in_a_worker_reaches_the_caller():
    # an unsupported feature met by whichever process validates the shape: the caller must get
    # Unsupported (and fall back to pySHACL), not partial results
    store = pyoxigraph.Store()
    store.load(input=b'<http://example.org/x> a <http://example.org/C> .', format=pyoxigraph.RdfFormat.TURTLE)
    recursive = ShapesGraph.parse((SHAPE + "ex:S sh:node ex:S .").encode())
    with pytest.raises(Unsupported, match="recursive"):
        fastshacl.validate_store(store, recursive, workers=2)


# -- what the fast engine leaves to pySHACL ----------------------------------------------------

def _validate(turtle: str, shapes_turtle: str):
    store = pyoxigraph.Store()
    store.load(input=turtle.encode(), format=pyoxigraph.RdfFormat.TURTLE)
    raw = fastshacl.raw_typed_literals(turtle.encode(), pyoxigraph.RdfFormat.TURTLE)
    return fastshacl.validate_store(store, ShapesGraph.parse(shapes_turtle.encode()), raw)


SHAPE = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:maxCount 1 ] .
"""


EXISTS_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:C ;
  sh:sparql [ sh:message "no matching q" ; sh:select \"\"\"
    SELECT $this ?value WHERE { $this <http://example.org/p> ?value .
      FILTER NOT EXISTS { ?value <http://example.org/q> $this } }\"\"\" ] ;
  sh:sparql [ sh:message "p without r, or r with a long value" ; sh:select \"\"\"
    SELECT $this ?value WHERE { $this <http://example.org/p> ?value .
      FILTER (NOT EXISTS { $this <http://example.org/r> ?any } || EXISTS { $this <http://example.org/r> ?long .
              FILTER(STRLEN(STR(?long)) > 3) }) }\"\"\" ] .
"""


def test_exists_filters_run_as_joins_give_pyshacl_results():
    # blank and named focus nodes, shared variables in both positions, a filter inside EXISTS
    import rdflib

    data = """@prefix ex: <http://example.org/> .
    ex:a a ex:C ; ex:p ex:v1, ex:v2 ; ex:r "ok" . ex:v1 ex:q ex:a .
    [] a ex:C ; ex:p ex:v1 ; ex:r "long value" .
    _:b a ex:C ; ex:p _:w . _:w ex:q _:b .
    ex:c a ex:C ; ex:p ex:v3 .
    """
    assert fastshacl.exists_join(
        "SELECT $this ?value WHERE { $this <p> ?value . FILTER NOT EXISTS { ?value <q> $this } }") is not None
    fast = _validate(data, EXISTS_SHAPES)
    reference = _results(run_shacl(rdflib.Graph().parse(data=data, format="turtle"),
                                   rdflib.Graph().parse(data=EXISTS_SHAPES, format="turtle")))
    assert fast and comparable(fast) == comparable(reference)


def test_literals_the_engines_merge_differently_are_left_to_pyshacl():
    # rdflib keeps "1.50" and "1.5" apart (two values, maxCount 1 fails); pyoxigraph's store
    # makes both "1.5" (one value)
    data = '<http://example.org/x> a <http://example.org/C> ; <http://example.org/p> 1.50, 1.5 .'
    with pytest.raises(Unsupported, match="merge"):
        _validate(data, SHAPE)


def test_literals_are_reported_as_rdflib_writes_them():
    # the store writes "1992-05-15T00:00:00Z", rdflib (and so pySHACL) "…+00:00"
    shape = SHAPE + "ex:T a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:d ; sh:datatype xsd:date ] ."
    data = ('<http://example.org/x> a <http://example.org/C> ; <http://example.org/d> '
            '"1992-05-15T00:00:00+00:00"^^<http://www.w3.org/2001/XMLSchema#dateTime>, "01"^^<http://www.w3.org/2001/XMLSchema#integer> .')
    values = sorted(r.value for r in _validate(data, shape))
    assert values == ["1", "1992-05-15T00:00:00+00:00"]


@pytest.mark.parametrize("extra", [
    "ex:R a sh:SPARQLRule .",
    "ex:F a sh:SPARQLFunction .",
    "ex:S sh:node ex:S .",
])
def test_shape_features_it_does_not_reproduce_are_left_to_pyshacl(extra):
    with pytest.raises(Unsupported):
        _validate('<http://example.org/x> a <http://example.org/C> .', SHAPE + extra)


@pytest.mark.filterwarnings("ignore::Warning")
def test_validate_falls_back_to_pyshacl(tmp_path):
    shapes_file = tmp_path / "shapes.ttl"
    shapes_file.write_text(SHAPE + "ex:S sh:node ex:S .\n", encoding="utf-8")
    data_file = tmp_path / "data.ttl"
    data_file.write_text('<http://example.org/x> a <http://example.org/C> ; <http://example.org/p> 1, 2 .\n',
                         encoding="utf-8")
    report = validate([data_file], [shapes_file], ontology=[], check_coverage=False)
    assert report.engine == "pyshacl" and "recursive" in report.fallback
    reference = validate([data_file], [shapes_file], ontology=[], check_coverage=False, engine="pyshacl")
    same = lambda results: [(r.severity, r.focus, r.path, r.component, r.message, r.value) for r in results]  # noqa: E731
    assert same(report.results) == same(reference.results) and reference.fallback is None


@pytest.mark.parametrize("lexical, datatype", [
    ("01", "integer"), ("+5", "integer"), (" 5", "integer"), ("abc", "integer"), ("0", "positiveInteger"),
    ("-3", "nonNegativeInteger"), ("300", "byte"), ("1.50", "decimal"), ("1e3", "double"), ("1.0", "float"),
    ("TRUE", "boolean"), ("1", "boolean"), ("maybe", "boolean"), ("2002-05", "date"), ("2002-05-14Z", "date"),
    ("2002-05-14+03:00", "date"), ("1992-05-15T00:00:00Z", "dateTime"), ("12:00:00", "time"), ("2002", "gYear"),
    ("02002", "gYear"), (" a  b ", "token"), ("a\tb", "normalizedString"), ("x", "string"),
])
def test_literal_views_follow_rdflib(lexical, datatype):
    import warnings

    import rdflib

    xsd = "http://www.w3.org/2001/XMLSchema#"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = rdflib.Literal(lexical, datatype=rdflib.URIRef(xsd + datatype))
    view = fastshacl.rdflib_literal(lexical, xsd + datatype)
    assert (view.lexical, view.value, view.ill_typed) == (str(reference), reference.value, reference.ill_typed)
