"""Properties, with hypothesis (modest example counts here; bench/fuzz.py runs many more):

* a graph the publication's shapes accept round-trips through every dump ``cstrdf build``
  writes (Turtle, N-Triples, TriG, JSON-LD, RDF/XML) to an isomorphic graph, read back by
  rdflib and by pyoxigraph;
* a string bound with ``--param`` leaves the query's algebra as it was and reaches the engine
  as exactly that string (the answer is the node that carries it);
* any Accept header on the SPARQL endpoint of ``cstrdf serve`` gets a valid answer in the
  type it names, or 406; never a 5xx. (Resource IRIs: test_serve_linked_data.py::
  test_any_printable_accept_header_gets_303_or_406.)
"""

from __future__ import annotations

import functools
import io
import urllib.parse

import pyoxigraph
import pytest
import rdflib
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cstrdf.build import canonicalize_blank_nodes, serializations
from cstrdf.errors import ExitCode, UsageError
from cstrdf.sparql import parse_param_value
from cstrdf.results import Literal
from http_client import raw_request
from test_query_params import assert_bound_as

SETTINGS = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

CST = "https://w3id.org/cstrdf/ontology#"
CSTID = "https://w3id.org/cstrdf/id/"
SOURCE = CSTID + "monitor-v8-i95"
OA = "http://www.w3.org/ns/oa#"
XSD = "http://www.w3.org/2001/XMLSchema#"
GRAPH = "https://w3id.org/cstrdf/graph/facts"
PREFIXES = {"cst": CST, "cstid": CSTID, "oa": OA, "owl": "http://www.w3.org/2002/07/owl#",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "xsd": XSD, "ex": "http://example.org/"}


@functools.lru_cache(maxsize=1)
def article() -> str:
    from cstrdf import resources

    return resources.read_source_text()


# -- graphs the shapes accept ---------------------------------------------------------------------

# text as RDF allows it, but for what XML 1.0 cannot carry (the C0 controls other than tab,
# line feed and carriage return; U+FFFE, U+FFFF): RDF/XML cannot hold such a literal, and
# build says so (test_a_literal_rdf_xml_cannot_carry_is_an_input_error); surrogates are no
# characters at all
NOT_XML = "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]))
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=NOT_XML), min_size=1, max_size=30)
LOCAL = st.from_regex(r"[a-z][a-z0-9_-]{0,12}(\.[a-z0-9]{1,3})?", fullmatch=True)


@st.composite
def literals(draw):
    kind = draw(st.sampled_from(["string", "lang", "integer", "decimal", "double", "boolean", "date", "dateTime",
                                 "gYear"]))
    if kind == "string":
        return rdflib.Literal(draw(st.one_of(st.just(""), TEXT)))
    if kind == "double":
        value = draw(st.floats(allow_nan=False, allow_infinity=False))
        return rdflib.Literal(draw(st.sampled_from([repr(value), f"{value:E}"])), datatype=rdflib.URIRef(XSD + "double"),
                              normalize=False)
    if kind == "lang":
        return rdflib.Literal(draw(TEXT), lang=draw(st.sampled_from(["en", "ru", "de", "hy", "zh-hans", "sr-latn"])))
    if kind == "integer":
        number = draw(st.one_of(st.integers(-10**30, 10**30), st.sampled_from([0, 1, -1, 10**20, -10**20, 10**21, -10**21])))
        lexical = draw(st.sampled_from([str(number), f"{number:+d}", f"{number:03d}"]))
        return rdflib.Literal(lexical, datatype=rdflib.URIRef(XSD + "integer"), normalize=False)
    if kind == "decimal":
        value = draw(st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-10**9, max_value=10**9))
        return rdflib.Literal(str(value), datatype=rdflib.URIRef(XSD + "decimal"))
    if kind == "boolean":
        return rdflib.Literal(draw(st.sampled_from(["true", "false", "1", "0"])), datatype=rdflib.URIRef(XSD + "boolean"),
                              normalize=False)
    if kind == "date":
        return rdflib.Literal(draw(st.dates()).isoformat(), datatype=rdflib.URIRef(XSD + "date"))
    if kind == "dateTime":
        return rdflib.Literal(draw(st.datetimes()).replace(microsecond=0).isoformat(), datatype=rdflib.URIRef(XSD + "dateTime"))
    return rdflib.Literal(f"{draw(st.integers(1000, 2100))}", datatype=rdflib.URIRef(XSD + "gYear"))


def evidence_triples(graph: rdflib.Graph, node, start: int, end: int) -> None:
    """node cst:evidence [ oa:SpecificResource onto text[start:end] ], as the shapes want it."""
    text = article()
    target, quote, position = rdflib.BNode(), rdflib.BNode(), rdflib.BNode()
    u = rdflib.URIRef
    graph.add((node, u(CST + "evidence"), target))
    graph.add((target, rdflib.RDF.type, u(OA + "SpecificResource")))
    graph.add((target, u(OA + "hasSource"), u(SOURCE)))
    graph.add((target, u(OA + "hasSelector"), quote))
    graph.add((target, u(OA + "hasSelector"), position))
    graph.add((quote, rdflib.RDF.type, u(OA + "TextQuoteSelector")))
    graph.add((quote, u(OA + "exact"), rdflib.Literal(text[start:end])))
    if text[max(0, start - 32):start]:
        graph.add((quote, u(OA + "prefix"), rdflib.Literal(text[max(0, start - 32):start])))
    if text[end:end + 32]:
        graph.add((quote, u(OA + "suffix"), rdflib.Literal(text[end:end + 32])))
    graph.add((position, rdflib.RDF.type, u(OA + "TextPositionSelector")))
    graph.add((position, u(OA + "start"), rdflib.Literal(start)))
    graph.add((position, u(OA + "end"), rdflib.Literal(end)))


@functools.lru_cache(maxsize=1)
def shaped_context() -> tuple[tuple[str, str, str], ...]:
    """The least part of the publication the shapes need around new entities: the ontology
    header and the article, with everything they point to, grown until the shapes accept it
    (N-Triples lines; a few hundred triples)."""
    import tempfile
    from pathlib import Path

    from cstrdf.publication import load_store
    from cstrdf.validate import validate

    store = load_store()

    def description(node) -> list:
        found, todo, seen = [], [node], set()
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            for quad in store.quads_for_pattern(current, None, None, None):
                found.append(quad)
                if isinstance(quad.object, pyoxigraph.BlankNode):
                    todo.append(quad.object)
        return found

    nodes = {pyoxigraph.NamedNode("https://w3id.org/cstrdf/ontology"), pyoxigraph.NamedNode(SOURCE)}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "context.nt"
        for _ in range(20):
            quads = {quad for node in nodes for quad in description(node)}
            lines = sorted(f"{q.subject} {q.predicate} {q.object} .\n" for q in quads)
            path.write_text("".join(lines), encoding="utf-8")
            report = validate([path], check_coverage=False)
            if report.conforms:
                return tuple(lines)
            grown = {q.object for q in quads if isinstance(q.object, pyoxigraph.NamedNode)
                     and q.object.value.startswith(CSTID)}
            grown |= {pyoxigraph.NamedNode(term) for r in report.results for term in (r.focus, r.value)
                      if term and term.startswith("http")}
            if grown <= nodes:
                break
            nodes |= grown
    raise AssertionError("no part of the publication satisfies the shapes on its own")


@st.composite
def publication_graphs(draw) -> rdflib.Graph:
    """Small graphs in the publication's shape: the part of the publication the shapes need,
    plus named states, persons and cities with an English label (any text), labels in other
    languages, evidence onto the article, and statements with literals of every common kind."""
    u = rdflib.URIRef
    graph = rdflib.Graph()
    graph.parse(data="".join(shaped_context()), format="nt")
    names = draw(st.lists(LOCAL, min_size=1, max_size=4, unique=True))
    length = len(article())
    for name in names:
        node = u(CSTID + "generated-" + name)
        graph.add((node, rdflib.RDF.type, u(CST + draw(st.sampled_from(["State", "Person", "City"])))))
        graph.add((node, rdflib.RDFS.label, rdflib.Literal(draw(TEXT), lang="en")))
        for language in draw(st.lists(st.sampled_from(["ru", "de", "hy", "zh-hans"]), max_size=2, unique=True)):
            graph.add((node, rdflib.RDFS.label, rdflib.Literal(draw(TEXT), lang=language)))
        start = draw(st.integers(0, length - 2))
        evidence_triples(graph, node, start, draw(st.integers(start + 1, min(length, start + 120))))
        for _ in range(draw(st.integers(0, 3))):
            predicate = u("http://example.org/" + draw(st.sampled_from(["note", "value", "seen", "p-1", "had_part"])))
            graph.add((node, predicate, draw(literals())))
    return graph


def accepted_by_the_shapes(graph: rdflib.Graph, tmp_path) -> bool:
    from cstrdf.validate import validate

    path = tmp_path / "generated.nt"
    path.write_bytes(graph.serialize(format="nt", encoding="utf-8"))
    return validate([path], check_coverage=False).conforms


def _rdflib_term(term):
    if isinstance(term, pyoxigraph.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == XSD + "string":  # RDF 1.1: a simple literal is an xsd:string
        return rdflib.Literal(term.value)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def read_back(text: str, name: str) -> dict[str, set]:
    """The triples of one dump as read by rdflib and by pyoxigraph (named graphs merged)."""
    rdflib_format = {"turtle": "turtle", "ntriples": "nt", "trig": "trig", "jsonld": "json-ld", "rdfxml": "xml"}[name]
    oxigraph_format = {"turtle": pyoxigraph.RdfFormat.TURTLE, "ntriples": pyoxigraph.RdfFormat.N_TRIPLES,
                       "trig": pyoxigraph.RdfFormat.TRIG, "jsonld": pyoxigraph.RdfFormat.JSON_LD,
                       "rdfxml": pyoxigraph.RdfFormat.RDF_XML}[name]
    # rdflib rewrites lexical forms ("+7" → "7") unless told not to: the exact terms are compared
    normalize, rdflib.NORMALIZE_LITERALS = rdflib.NORMALIZE_LITERALS, False
    try:
        by_rdflib = rdflib.Dataset()
        by_rdflib.parse(data=text, format=rdflib_format)
        merged = rdflib.Graph()
        for s, p, o, _ in by_rdflib.quads((None, None, None, None)):
            merged.add((s, p, o))
        by_oxigraph = rdflib.Graph()
        for quad in pyoxigraph.parse(text.encode("utf-8"), format=oxigraph_format):
            by_oxigraph.add((_rdflib_term(quad.subject), _rdflib_term(quad.predicate), _rdflib_term(quad.object)))
        return {"rdflib": terms(merged), "pyoxigraph": terms(by_oxigraph)}
    finally:
        rdflib.NORMALIZE_LITERALS = normalize


def terms(graph: rdflib.Graph) -> set[tuple[str, str, str]]:
    """The graph as RDF terms in N-Triples syntax (exact lexical forms), blank nodes labelled
    by structure, so two graphs are isomorphic exactly when these sets are equal."""
    return {tuple(term.n3() for term in triple) for triple in canonicalize_blank_nodes(graph)}


@SETTINGS
@given(graph=publication_graphs())
def test_accepted_graphs_round_trip_through_every_dump(graph, tmp_path):
    assume(accepted_by_the_shapes(graph, tmp_path))
    expected = terms(graph)
    normalize, rdflib.NORMALIZE_LITERALS = rdflib.NORMALIZE_LITERALS, False
    try:  # the writers too see the lexical forms as they are
        dumps = serializations(canonicalize_blank_nodes(graph), [(GRAPH, graph)], PREFIXES)
    finally:
        rdflib.NORMALIZE_LITERALS = normalize
    assert set(dumps) == {"turtle", "ntriples", "trig", "jsonld", "rdfxml"}
    for name, (_, _, text) in dumps.items():
        for reader, triples in read_back(text, name).items():
            assert triples == expected, f"{name} read by {reader} differs: {sorted(triples ^ expected)[:4]}"


@pytest.mark.parametrize("number", [10**20 - 1, 10**20, 130296901392084107254, -10**20, 10**21])
def test_large_integers_come_back_as_integers_from_the_json_ld_dump(number):
    """Found by the round trip above: pyoxigraph reads an integral JSON number of 10^20 or more
    as an xsd:double (JSON-LD's bound is 10^21), so such integers are written as typed values."""
    graph = rdflib.Graph()
    graph.add((rdflib.URIRef("https://w3id.org/cstrdf/id/a"), rdflib.URIRef("http://example.org/n"),
               rdflib.Literal(str(number), datatype=rdflib.XSD.integer)))
    text = serializations(graph, [(GRAPH, graph)], PREFIXES)["jsonld"][2]
    for reader, triples in read_back(text, "jsonld").items():
        assert triples == terms(graph), f"{reader}: {sorted(triples)}"


@pytest.mark.parametrize("character", ["\x01", "\x1b", "\x0c", "\uffff"])
def test_a_literal_rdf_xml_cannot_carry_is_an_input_error(character):
    from cstrdf.errors import InputError

    graph = rdflib.Graph()
    graph.add((rdflib.URIRef("http://example.org/a"), rdflib.RDFS.label, rdflib.Literal(f"bell{character}", lang="en")))
    with pytest.raises(InputError, match=f"U\\+{ord(character):04X}, which RDF/XML \\(XML 1.0\\) cannot carry"):
        serializations(graph, [(GRAPH, graph)], PREFIXES)


# -- --param ----------------------------------------------------------------------------------------

# SPARQL's own syntax, to build values that look like an injection
TOKENS = ['"', "'", '"""', "'''", "\\", "{", "}", "(", ")", "<", ">", ".", ";", ",", "#", "\n", " ", "?s", "$o",
          "DROP ALL", "INSERT DATA", "} UNION {", "FILTER(true)", "VALUES", "SERVICE <http://127.0.0.1:1/>",
          "@en", "^^xsd:string", "_:b", "ex:p", "<urn:x>", "\\n", "\\\"", "\\t", "%", "\u00e9", "\u202e", "\u2028"]
HOSTILE = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=3)), max_size=12).map("".join)


@pytest.fixture(scope="module")
def carrier(tmp_path_factory):
    """``carrier(value)`` → a data file where <http://example.org/s> carries ``value``."""
    from cstrdf.canonical import escape_string

    folder = tmp_path_factory.mktemp("carrier")

    def write(value: str):
        path = folder / "carrier.ttl"
        path.write_text(f"<http://example.org/s> <http://example.org/p> {escape_string(value)} .\n", encoding="utf-8")
        return path

    return write


@SETTINGS
@given(value=HOSTILE)
def test_a_bound_string_reaches_the_engine_unchanged(value, run, carrier):
    """Through the command line: a node carries the string; the query asks for the node whose
    value is the parameter; the answer is that node and nothing else, on both engines. And the
    query's algebra is the original one plus a one-row VALUES table."""
    try:
        term = parse_param_value(value)
    except UsageError:
        return  # refused before anything runs: test_query_params pins when and why
    assume(term == Literal(value) and "\\u" not in value.lower())
    query = "SELECT ?s WHERE { ?s <http://example.org/p> ?resource }"
    assert_bound_as(query, value, term)
    data = carrier(value)
    for engine in ("oxigraph", "rdflib"):
        answer = run("query", "--sparql", query, "--data", data, "--param", f"resource={value}", "--engine", engine,
                     "--format", "json").json()
        assert [row["s"]["value"] for row in answer["results"]["bindings"]] == ["http://example.org/s"], engine


# -- Accept on the SPARQL endpoint -----------------------------------------------------------------

@pytest.fixture(scope="module")
def endpoint():
    from cstrdf.serve import ServeOptions, start

    running = start(ServeOptions(port=0, timeout=10.0, client_timeout=10.0))
    yield running.front.server_address[:2]
    running.stop()


MEDIA = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv", "text/tab-separated-values",
         "application/json", "application/xml", "text/turtle", "application/n-triples", "application/ld+json",
         "application/rdf+xml", "text/html", "text/plain", "*/*", "text/*", "application/*", "image/png", "x/y"]
#: Accept headers as RFC 9110 §12.5.1 writes them: media ranges with optional q-values
WELL_FORMED_ACCEPT = st.lists(
    st.tuples(st.sampled_from(MEDIA), st.one_of(st.none(), st.sampled_from(["0", "0.5", "1", "1.0", "0.001", "0.9"]))),
    max_size=4,
).map(lambda items: ", ".join(m + (f";q={q}" if q is not None else "") for m, q in items))
#: anything a client may send: printable ASCII, and bytes above 0x7f (latin-1 on the wire)
ANY_ACCEPT = st.one_of(
    WELL_FORMED_ACCEPT,
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e), max_size=60),
    st.text(st.characters(min_codepoint=0xa0, max_codepoint=0xff), max_size=20),
)
QUERIES = {
    "select": "SELECT ?s WHERE { ?s a <https://w3id.org/cstrdf/ontology#State> } LIMIT 3",
    "ask": "ASK { ?s a <https://w3id.org/cstrdf/ontology#State> }",
    "construct": "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 3",
}


def check_body(kind: str, content_type: str, body: bytes) -> None:
    """The body parses as the media type it claims."""
    media = content_type.split(";")[0].strip().lower()
    if kind in ("select", "ask"):
        from rdflib.query import Result

        formats = {"application/sparql-results+json": "json", "application/json": "json",
                   "application/sparql-results+xml": "xml", "application/xml": "xml", "text/csv": "csv",
                   "text/tab-separated-values": "tsv"}
        assert media in formats, content_type
        if formats[media] in ("csv", "tsv") and kind == "ask":  # no standard form: a bare true/false
            assert body.strip().lower().endswith((b"true", b"false")), body
            return
        source = io.BytesIO(body) if formats[media] == "xml" else io.StringIO(body.decode("utf-8"))
        Result.parse(source, format=formats[media])
        return
    oxigraph_formats = {"text/turtle": pyoxigraph.RdfFormat.TURTLE, "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
                        "application/ld+json": pyoxigraph.RdfFormat.JSON_LD, "application/rdf+xml": pyoxigraph.RdfFormat.RDF_XML,
                        "application/n-quads": pyoxigraph.RdfFormat.N_QUADS, "application/trig": pyoxigraph.RdfFormat.TRIG}
    assert media in oxigraph_formats, content_type
    list(pyoxigraph.parse(body, format=oxigraph_formats[media]))


def get_with_accept(endpoint, kind: str, accept: str):
    status, headers, body = raw_request(endpoint, "GET", "/sparql?" + urllib.parse.urlencode({"query": QUERIES[kind]}),
                                        {"Accept": accept.encode("latin-1")})
    return status, headers.get("content-type", ""), body


@SETTINGS
@given(accept=WELL_FORMED_ACCEPT, kind=st.sampled_from(sorted(QUERIES)))
def test_any_well_formed_accept_header_gets_a_valid_answer_or_406(endpoint, accept, kind):
    status, content_type, body = get_with_accept(endpoint, kind, accept)
    assert status in (200, 406), (accept, status, body[:200])
    if status == 200:
        check_body(kind, content_type, body)


@SETTINGS
@given(accept=ANY_ACCEPT, kind=st.sampled_from(sorted(QUERIES)))
def test_no_accept_header_gets_a_server_error(endpoint, accept, kind):
    status, content_type, body = get_with_accept(endpoint, kind, accept)
    assert status < 500, (accept, status, body[:200])
    if status == 200:
        check_body(kind, content_type, body)


@pytest.mark.parametrize("accept", ["0", ";;;", "*/*;q=abc", "\xe9", "text/csv, 0", "text/csv;q=abc, x"])
@pytest.mark.parametrize("kind", sorted(QUERIES))
def test_a_malformed_accept_header_on_the_endpoint_gets_an_answer_or_406(endpoint, accept, kind):
    """RFC 9110 §12.5.1 lets a server disregard an Accept it cannot use; the contract (and the
    linked-data pages, test_serve_linked_data.py) answer or say 406, never 400 or 5xx. What is
    left of the header after its malformed entries is honoured (``text/csv, 0``: CSV)."""
    status, content_type, body = get_with_accept(endpoint, kind, accept)
    assert status in (200, 406), (status, body[:200])
    if status == 200:
        check_body(kind, content_type, body)
    if accept.startswith("text/csv,") and kind != "construct":
        assert (status, content_type.split(";")[0]) == (200, "text/csv")
