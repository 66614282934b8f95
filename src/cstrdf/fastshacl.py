"""A SHACL engine over pyoxigraph that gives pySHACL's results, without rdflib.

pySHACL (the reference engine, ``cstrdf validate --engine pyshacl``) takes seconds on one
article and minutes on a corpus: rdflib's triple lookups and SPARQL engine are slow, and
importing pyshacl alone costs about a second. This engine walks the same algorithm — the shapes
pySHACL finds, the focus nodes it computes, its per-constraint rules for value nodes, results
and conformance, with SHACL-AF on, no inference and warnings allowed as in
:func:`cstrdf.validate.run_shacl` — over a pyoxigraph store: triple lookups go through
per-predicate indexes built once, SHACL-SPARQL targets and constraints run on pyoxigraph's
SPARQL engine (once for all focus nodes where the query allows it, FILTER EXISTS as a join:
:func:`exists_join`), nested value shapes are cached per node (a bounded cache). From 200,000
triples on, the shapes are shared between two processes (:mod:`cstrdf.shaclworkers`).

It reproduces pySHACL's rdflib semantics where they matter: literal values, ill-typed literals
and rdflib's normalized lexical forms (``"01"^^xsd:integer`` is ``"1"`` in rdflib). Anything it
cannot reproduce with certainty raises :class:`Unsupported` *before* a result is given — a shape
feature it does not implement (SHACL rules, functions, custom constraint components, JavaScript,
recursive shapes, malformed shapes) or data rdflib would read differently (a literal rdflib would
normalize, an explicit ``^^xsd:string``) — and :func:`cstrdf.validate.validate` then runs
pySHACL instead. ``tests/test_fast_validation.py`` checks the identity on the publication, on
every shape fixture and on a faulty corpus.

Two differences are out of reach and documented: blank-node labels (random in both engines),
and the generic message of a result whose shape has no ``sh:message`` (pySHACL writes terms
with the shapes graph's prefixes; this engine writes them in full).

>>> import pyoxigraph
>>> shapes = ShapesGraph.parse(b'''@prefix sh: <http://www.w3.org/ns/shacl#> .
... <urn:S> a sh:NodeShape ; sh:targetClass <urn:C> ;
...   sh:property [ sh:path <urn:p> ; sh:minCount 1 ] .''')
>>> data = pyoxigraph.Store()
>>> data.add(pyoxigraph.Quad(pyoxigraph.NamedNode("urn:x"), RDF_TYPE, pyoxigraph.NamedNode("urn:C")))
>>> [(r.focus, r.component.rsplit("#")[-1]) for r in validate_store(data, shapes)]
[('urn:x', 'MinCountConstraintComponent')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pyoxigraph as ox

from cstrdf.shaclresult import ValidationResult

SH = "http://www.w3.org/ns/shacl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"

_N = ox.NamedNode
_DG = ox.DefaultGraph()


def _sh(name: str) -> ox.NamedNode:
    return _N(SH + name)


RDF_TYPE = _N(RDF + "type")
RDF_FIRST, RDF_REST, RDF_NIL = _N(RDF + "first"), _N(RDF + "rest"), _N(RDF + "nil")
RDF_LANGSTRING = _N(RDF + "langString")
RDFS_SUBCLASSOF, RDFS_CLASS = _N(RDFS + "subClassOf"), _N(RDFS + "Class")
RDFS_LITERAL, RDFS_DATATYPE, RDFS_RESOURCE = _N(RDFS + "Literal"), _N(RDFS + "Datatype"), _N(RDFS + "Resource")
XSD_STRING, XSD_INTEGER, XSD_BOOLEAN = _N(XSD + "string"), _N(XSD + "integer"), _N(XSD + "boolean")
OWL_ONTOLOGY = _N(OWL + "Ontology")

SH_VIOLATION, SH_WARNING, SH_INFO = _sh("Violation"), _sh("Warning"), _sh("Info")
#: pySHACL is called with allow_warnings: these severities do not make a shape fail
ALLOWED_SEVERITIES = frozenset((SH_WARNING, SH_INFO))

#: what pySHACL adds to every shapes graph (``ShapesGraph.system_triples``)
SYSTEM_TRIPLES = (
    (_N(OWL + "Class"), RDFS_SUBCLASSOF, RDFS_CLASS),
    (_N(OWL + "DatatypeProperty"), RDFS_SUBCLASSOF, _N(RDF + "Property")),
)

SEVERITIES = ("Violation", "Warning", "Info")


class Unsupported(Exception):
    """The shapes or the data need something this engine does not reproduce exactly."""


# -- results ----------------------------------------------------------------------------------

def term_text(term) -> str | None:
    """A term as :func:`cstrdf.validate._term` writes an rdflib term (``_:id`` for blank nodes)."""
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Literal):
        return _lexical(term)
    return term.value


# -- rdflib's view of literals ----------------------------------------------------------------

_INTEGER_TYPES = {
    "integer": None, "long": None, "nonNegativeInteger": lambda v: v >= 0,
    "positiveInteger": lambda v: v > 0, "nonPositiveInteger": lambda v: v <= 0,
    "negativeInteger": lambda v: v < 0, "int": lambda v: -2147483648 <= v <= 2147483647,
    "short": lambda v: -32768 <= v <= 32767, "byte": lambda v: -128 <= v <= 127,
    "unsignedLong": lambda v: v >= 0, "unsignedInt": lambda v: 0 <= v <= 4294967295,
    "unsignedShort": lambda v: 0 <= v <= 65535, "unsignedByte": lambda v: 0 <= v <= 255,
}
_INTEGER_TYPES = {XSD + k: v for k, v in _INTEGER_TYPES.items()}
#: datatypes whose value is the lexical form itself (no conversion, no normalization)
_STRING_TYPES = frozenset(XSD + n for n in ("string", "language", "anyURI")) | {RDF + "langString"}
#: recognized by rdflib with a conversion this module does not reproduce
_UNREPRODUCED_TYPES = frozenset(
    [XSD + n for n in ("duration", "dayTimeDuration", "yearMonthDuration", "hexBinary", "base64Binary",
                       "normalizedString", "token")]
    + [RDF + "XMLLiteral", RDF + "HTML"]
)
#: every datatype rdflib converts or normalizes (the data scan looks at these literals)
NORMALIZED_TYPES = frozenset(
    list(_INTEGER_TYPES) + [XSD + n for n in ("boolean", "decimal", "float", "double", "date", "dateTime", "time")]
) | _UNREPRODUCED_TYPES

_INT_LEXICAL = re.compile(r"[+-]?[0-9]+")


def _parse_xsd_date(text: str) -> date:
    """rdflib's ``parse_xsd_date`` (rdflib/xsd_datetime.py), line for line."""
    if text.endswith("Z") or text.endswith("z"):
        text = text[:-1]
    minus = text.startswith("-")
    if minus:
        text = text[1:]
    if "T" in text:
        text = text.split("T")[0]
    else:
        plus = text.rfind("+")
        if plus > 0:
            text = text[:plus]
        else:
            parts = text.rsplit("-", 1)
            if len(parts) > 1 and ":" in parts[-1]:
                text = parts[0]
    if "-" not in text:
        raise ValueError("XSD Date string must contain at least two dashes")
    return date.fromisoformat(text if not minus else "-" + text)


@dataclass(frozen=True)
class LiteralView:
    """What rdflib makes of a literal: its lexical form after rdflib's normalization, its
    Python value (None when it has none) and whether it is ill-typed (None: rdflib does not
    know the datatype)."""

    lexical: str
    value: object
    ill_typed: bool | None


def _normalise_string(text: str) -> str:
    return text.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def rdflib_literal(lexical: str, datatype: str) -> LiteralView:
    """How rdflib reads the literal ``lexical``^^``datatype`` (``Literal.__new__`` with
    rdflib's default normalization), for the datatypes this module reproduces.

    >>> rdflib_literal("01", XSD + "integer")
    LiteralView(lexical='1', value=1, ill_typed=False)
    >>> rdflib_literal("0", XSD + "positiveInteger").ill_typed
    True
    >>> rdflib_literal("2002-05", XSD + "date")
    LiteralView(lexical='2002-05', value=None, ill_typed=True)
    """
    if datatype in _STRING_TYPES:
        return LiteralView(lexical, lexical, None if datatype == RDF + "langString" else False)
    if datatype in (XSD + "normalizedString", XSD + "token"):
        text = _normalise_string(lexical)
        if datatype == XSD + "token":
            text = " ".join(text.split())
        return LiteralView(text, lexical, False)
    if datatype in _INTEGER_TYPES:
        try:
            value = int(lexical)
        except ValueError:
            return LiteralView(lexical, None, True)
        check = _INTEGER_TYPES[datatype]
        return LiteralView(str(value), value, not (check(value) if check else True))
    if datatype == XSD + "boolean":
        lowered = lexical.lower()
        value = lowered in ("1", "true")
        return LiteralView("true" if value else "false", value, lexical not in ("true", "false", "1", "0"))
    if datatype == XSD + "decimal":
        try:
            value = Decimal(lexical)
        except (InvalidOperation, ValueError):
            return LiteralView(lexical, None, True)
        return LiteralView(f"{value:f}", value, False)
    if datatype in (XSD + "double", XSD + "float"):
        try:
            value = float(lexical)
        except ValueError:
            return LiteralView(lexical, None, True)
        return LiteralView(str(value), value, False)
    if datatype in (XSD + "date", XSD + "dateTime", XSD + "time"):
        parse: Callable = {XSD + "date": _parse_xsd_date, XSD + "dateTime": datetime.fromisoformat,
                           XSD + "time": time.fromisoformat}[datatype]
        try:
            value = parse(lexical)
        except (ValueError, TypeError):
            return LiteralView(lexical, None, True)
        return LiteralView(value.isoformat(), value, False)
    if datatype in _UNREPRODUCED_TYPES:
        raise Unsupported(f"literals of type <{datatype}> are left to pySHACL")
    return LiteralView(lexical, None, None)  # a datatype rdflib does not know (xsd:gYear, custom types)


#: rdflib's view of the literals of the current validation, keyed by the store's term
#: (pyoxigraph's store rewrites typed literals to its own canonical form: "1.50" → "1.5")
_VIEWS: dict = {}


def _view(literal: ox.Literal) -> LiteralView:
    found = _VIEWS.get(literal)
    if found is None:
        found = _VIEWS[literal] = rdflib_literal(literal.value, literal.datatype.value)
    return found


def _lexical(literal: ox.Literal) -> str:
    """``str()`` of the rdflib literal: its normalized lexical form."""
    if literal.language is not None:
        return literal.value
    return _view(literal).lexical


def _is_string_value(literal: ox.Literal) -> bool:
    return isinstance(_view(literal).value, str)


def raw_typed_literals(data: bytes, rdf_format) -> set[tuple[str, str]]:
    """The (lexical, datatype) pairs, as written, of the literals in ``data`` whose datatype
    rdflib converts. N-Triples and N-Quads are scanned as bytes (a million triples in a
    fraction of a second); other formats are parsed."""
    if rdf_format in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS):
        from cstrdf.publication import ntriples_typed_literals

        found = ntriples_typed_literals(data)
        if found is not None:
            return {pair for pair in found if pair[1] in NORMALIZED_TYPES}
    return _parsed_typed_literals(data, rdf_format)


def _parsed_typed_literals(data: bytes, rdf_format) -> set[tuple[str, str]]:
    return _typed_literals(item.object for item in ox.parse(data, format=rdf_format))


def _typed_literals(terms: Iterable) -> set[tuple[str, str]]:
    """The (lexical, datatype) pairs of the literals among ``terms`` whose datatype rdflib converts."""
    found = set()
    for term in terms:
        if isinstance(term, ox.Literal) and term.language is None and term.datatype.value in NORMALIZED_TYPES:
            found.add((term.value, term.datatype.value))
    return found


def register_literals(raw: Iterable[tuple[str, str]]) -> dict:
    """Record rdflib's view of these literals under the terms pyoxigraph's store makes of them;
    return the mapping from each raw literal to the store's term.

    Raises :class:`Unsupported` when the two engines merge literals differently (rdflib keeps
    ``"1.50"`` and ``"1.5"`` apart, the store makes both ``"1.5"``).
    """
    raw = sorted(set(raw))
    probe = ox.Store()
    subject = ox.NamedNode("urn:cstrdf:literal")
    predicates = [ox.NamedNode(f"urn:cstrdf:literal:{i}") for i in range(len(raw))]
    probe.extend(ox.Quad(subject, p, ox.Literal(lexical, datatype=ox.NamedNode(datatype)))
                 for p, (lexical, datatype) in zip(predicates, raw))
    stored = {q.predicate: q.object for q in probe}
    mapping: dict = {}
    by_view: dict = {}
    for predicate, (lexical, datatype) in zip(predicates, raw):
        term, view = stored[predicate], rdflib_literal(lexical, datatype)
        known = _VIEWS.get(term)
        if known is not None and known != view:
            raise Unsupported(f"rdflib and pyoxigraph merge the literal {lexical!r}^^<{datatype}> differently")
        if by_view.setdefault((view.lexical, datatype), term) != term:
            raise Unsupported(f"rdflib and pyoxigraph merge the literal {lexical!r}^^<{datatype}> differently")
        _VIEWS[term] = view
        mapping[ox.Literal(lexical, datatype=ox.NamedNode(datatype))] = term
    return mapping


_NUMBER = (int, float, Decimal)


def _comparable(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if isinstance(a, _NUMBER) and isinstance(b, _NUMBER):
        return True
    if isinstance(a, datetime) or isinstance(b, datetime):
        return isinstance(a, datetime) and isinstance(b, datetime) and (a.tzinfo is None) == (b.tzinfo is None)
    return type(a) is type(b) and isinstance(a, (date, time, str))


def compare_literals(a: ox.Literal, b: ox.Literal) -> int:
    """pySHACL's ``compare_literal`` for the literal kinds :func:`literal_view` reads; raises
    TypeError where rdflib cannot order the two (the caller treats that as a failure)."""
    if a == b:
        return 0
    va, vb = _view(a).value, _view(b).value
    if va is None or vb is None or not _comparable(va, vb):
        # rdflib's ordering of such pairs is its own; leave them to pySHACL
        raise Unsupported(f"an order comparison of {a} and {b}")
    if va == vb:
        return 0
    return 1 if va > vb else -1


# -- the shapes graph -------------------------------------------------------------------------

class TripleIndex:
    """A small graph as in-memory indexes (the shapes, the ontology)."""

    #: triples every such graph gets (none; pySHACL adds some to a shapes graph)
    extra: tuple = ()

    def __init__(self, triples: Iterable[tuple]) -> None:
        self.spo: dict = {}
        self.pos: dict = {}
        triples = list(triples)
        #: how many distinct triples were given (without :attr:`extra`)
        self.triples = len(set(triples))
        seen = set()
        for s, p, o in triples + list(self.extra):
            if (s, p, o) in seen:
                continue
            seen.add((s, p, o))
            self.spo.setdefault(s, {}).setdefault(p, []).append(o)
            self.pos.setdefault(p, {}).setdefault(o, []).append(s)

    @classmethod
    def parse(cls, data: bytes, rdf_format=ox.RdfFormat.TURTLE):
        return cls((t.subject, t.predicate, t.object) for t in ox.parse(data, format=rdf_format))

    @classmethod
    def from_files(cls, files: Sequence[str | Path]):
        """Read RDF files (errors are InputErrors with file, line and column)."""
        from cstrdf.publication import read_quads

        triples = []
        for file in files:
            triples += [(q.subject, q.predicate, q.object) for q in read_quads(file, _DG)]
        return cls(triples)

    def subject_predicates(self, o) -> list:
        return [(s, p) for p, objects in self.pos.items() for s in objects.get(o, ())]

    def objects(self, s, p) -> list:
        return self.spo.get(s, {}).get(p, [])

    def subjects(self, p, o) -> list:
        return self.pos.get(p, {}).get(o, [])

    def subject_objects(self, p) -> list:
        return [(s, o) for o, subjects in self.pos.get(p, {}).items() for s in subjects]

    def items(self, head) -> list:
        """The members of an RDF list (pyshacl's ``graph.items``)."""
        found, seen = [], set()
        while head is not None and head != RDF_NIL and head not in seen:
            seen.add(head)
            first = self.objects(head, RDF_FIRST)
            if first:
                found.append(first[0])
            rest = self.objects(head, RDF_REST)
            head = rest[0] if rest else None
        return found

    def literals(self) -> list:
        return [o for ps in self.spo.values() for os in ps.values() for o in os if isinstance(o, ox.Literal)]



class ShapesGraph(TripleIndex):
    """The shapes graph, with the triples pySHACL adds to every shapes graph."""

    extra = SYSTEM_TRIPLES

    def with_literals(self, mapping: dict) -> "ShapesGraph":
        """The same shapes with literals replaced as ``mapping`` says (the store's forms)."""
        if not any(o in mapping for o in self.literals()):
            return self
        return ShapesGraph((s, p, mapping.get(o, o)) for s, ps in self.spo.items() for p, os in ps.items()
                           for o in os if (s, p, o) not in SYSTEM_TRIPLES)


# -- the data graph ---------------------------------------------------------------------------

class DataGraph:
    """Read access to a pyoxigraph store's default graph, through per-predicate indexes that
    are built the first time a predicate is looked up (one scan each).

    The indexes hold one Python object per distinct term (interned: the store hands out a new
    object for every occurrence), a single value as itself and several in a tuple: at a million
    triples this is about a third of the memory of a list and an object per occurrence, and
    faster to build."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._forward: dict = {}
        self._backward: dict = {}
        self._terms: dict = {}
        self._superclasses: dict = {}

    def _index(self, predicate, forward: bool) -> dict:
        tables = self._forward if forward else self._backward
        table = tables.get(predicate)
        if table is None:
            building: dict = {}
            intern = self._terms.setdefault
            for quad in self.store.quads_for_pattern(None, predicate, None, _DG):
                subject, obj = quad.subject, quad.object
                subject, obj = intern(subject, subject), intern(obj, obj)
                if forward:
                    building.setdefault(subject, []).append(obj)
                else:
                    building.setdefault(obj, []).append(subject)
            # a single value is kept as itself (most subjects have one object per predicate)
            table = tables[predicate] = {key: values[0] if len(values) == 1 else tuple(values)
                                         for key, values in building.items()}
        return table

    def objects(self, subject, predicate) -> tuple:
        table = self._forward.get(predicate)
        if table is None:
            if not isinstance(predicate, ox.NamedNode):
                return ()
            table = self._index(predicate, True)
        found = table.get(subject, ())
        return found if found.__class__ is tuple else (found,)

    def subjects(self, predicate, obj) -> tuple:
        table = self._backward.get(predicate)
        if table is None:
            if not isinstance(predicate, ox.NamedNode):
                return ()
            table = self._index(predicate, False)
        found = table.get(obj, ())
        return found if found.__class__ is tuple else (found,)

    def subject_objects(self, predicate) -> list:
        if not isinstance(predicate, ox.NamedNode):
            return []
        return [(s, o) for s, objects in self._index(predicate, True).items()
                for o in (objects if objects.__class__ is tuple else (objects,))]

    def predicate_objects(self, subject) -> list:
        if isinstance(subject, ox.Literal):
            return []
        return [(q.predicate, q.object) for q in self.store.quads_for_pattern(subject, None, None, _DG)]

    def superclasses(self, cls) -> frozenset:
        """``cls`` and everything it is an rdfs:subClassOf, transitively."""
        found = self._superclasses.get(cls)
        if found is None:
            closure, todo = {cls}, [cls]
            while todo:
                for parent in self.objects(todo.pop(), RDFS_SUBCLASSOF):
                    if parent not in closure:
                        closure.add(parent)
                        todo.append(parent)
            found = self._superclasses[cls] = frozenset(closure)
        return found

    def subclasses(self, cls) -> set:
        """``cls`` and everything that is an rdfs:subClassOf it, transitively."""
        closure, todo = {cls}, [cls]
        while todo:
            for child in self.subjects(RDFS_SUBCLASSOF, todo.pop()):
                if child not in closure:
                    closure.add(child)
                    todo.append(child)
        return closure

    def is_instance(self, node, cls) -> bool:
        return any(cls in self.superclasses(t) for t in self.objects(node, RDF_TYPE))

    def select(self, text: str, substitutions: dict | None = None) -> tuple[list[str], list]:
        """Run a SELECT; return the variable names and the rows (a dict of the bound ones)."""
        answer = self.store.query(text, substitutions=substitutions)
        if not isinstance(answer, ox.QuerySolutions):
            raise Unsupported("a SHACL-SPARQL query that is not a SELECT")
        names = [v.value for v in answer.variables]
        rows = []
        for solution in answer:
            row = {}
            for i, name in enumerate(names):
                term = solution[i]
                if term is not None:
                    row[name] = term
            rows.append(row)
        return names, rows


# -- paths ------------------------------------------------------------------------------------

def _path_nodes(sg: ShapesGraph, dg: DataGraph, focus, path, inverse: bool = False, depth: int = 0) -> set:
    """pySHACL's ``value_nodes_from_path``, including its reading of inverse sequences."""
    if isinstance(path, ox.NamedNode):
        if inverse:
            return set(dg.subjects(path, focus))
        return set(dg.objects(focus, path)) if not isinstance(focus, ox.Literal) else set()
    if isinstance(path, ox.Literal) or depth >= 10:
        raise Unsupported("a malformed property path")
    first = sg.objects(path, RDF_FIRST)
    if first:
        rest = sg.objects(path, RDF_REST)
        deeper = bool(rest) and rest[0] != RDF_NIL
        if not deeper and depth == 0:
            raise Unsupported("a sequence path with fewer than two members")
        nodes = _path_nodes(sg, dg, focus, first[0], inverse, depth + 1)
        if not deeper:
            return nodes
        found = set()
        for node in nodes:
            found |= _path_nodes(sg, dg, node, rest[0], inverse, depth + 1)
        return found
    inverse_of = sg.objects(path, _sh("inversePath"))
    if inverse_of:
        return _path_nodes(sg, dg, focus, inverse_of[0], not inverse, depth + 1)
    alternatives = sg.objects(path, _sh("alternativePath"))
    if alternatives:
        members = sg.items(alternatives[0])
        if len(members) < 2:
            raise Unsupported("an alternative path with fewer than two members")
        found = set()
        for member in members:
            found |= _path_nodes(sg, dg, focus, member, inverse, depth + 1)
        return found
    for name, include_focus in (("zeroOrMorePath", True), ("oneOrMorePath", False)):
        inner = sg.objects(path, _sh(name))
        if inner:
            collected = {focus} if include_focus else set()
            todo = set(_path_nodes(sg, dg, focus, inner[0], inverse, depth + 1))
            while todo:
                node = todo.pop()
                if node in collected:
                    continue
                collected.add(node)
                todo |= _path_nodes(sg, dg, node, inner[0], inverse, depth + 1)
            return collected
    inner = sg.objects(path, _sh("zeroOrOnePath"))
    if inner:
        return {focus} | _path_nodes(sg, dg, focus, inner[0], inverse, depth + 1)
    raise Unsupported("an unknown property path")


def path_text(sg: ShapesGraph, path) -> str | None:
    """A path as :func:`cstrdf.validate._path_text` writes it (``^p``, ``p/q``)."""
    if path is None:
        return None
    if isinstance(path, ox.NamedNode):
        return path.value
    if isinstance(path, ox.BlankNode):
        inverse = sg.objects(path, _sh("inversePath"))
        if inverse:
            return "^" + (path_text(sg, inverse[0]) or "?")
        if sg.objects(path, RDF_FIRST):
            return "/".join(path_text(sg, p) or "?" for p in sg.items(path))
    return term_text(path)


def sparql_path(sg: ShapesGraph, path) -> str:
    """A SHACL path as a SPARQL property path (for ``$PATH`` in SHACL-SPARQL)."""
    if isinstance(path, ox.NamedNode):
        return f"<{path.value}>"
    first = sg.objects(path, RDF_FIRST)
    if first:
        return "(" + "/".join(sparql_path(sg, p) for p in sg.items(path)) + ")"
    for name, template in (("inversePath", "^{}"), ("zeroOrMorePath", "{}*"), ("oneOrMorePath", "{}+"),
                           ("zeroOrOnePath", "{}?")):
        inner = sg.objects(path, _sh(name))
        if inner:
            return "(" + template.format(sparql_path(sg, inner[0])) + ")"
    alternatives = sg.objects(path, _sh("alternativePath"))
    if alternatives:
        return "(" + "|".join(sparql_path(sg, p) for p in sg.items(alternatives[0])) + ")"
    raise Unsupported("an unknown property path")


# -- reports ----------------------------------------------------------------------------------

class Report:
    """One result while validating: the shape whose constraint gave it and what it says."""

    __slots__ = ("shape", "focus", "value", "path", "component", "extra_messages", "bound")

    def __init__(self, shape: "Shape", focus, value=None, path=None, component: str = "",
                 extra_messages=None, bound=None) -> None:
        self.shape = shape
        self.focus = focus
        self.value = value
        self.path = path
        self.component = component
        self.extra_messages = extra_messages
        self.bound = bound

    @property
    def severity(self):
        return self.shape.severity


def _format_message(text: str, bound) -> str:
    """pySHACL's ``_format_sparql_based_result_message``: ``{?var}`` / ``{$var}`` replaced."""
    values: dict = {}
    if isinstance(bound, tuple):
        if len(bound) == 4:
            values.update(bound[3])
            bound = bound[:3]
        for name, term in zip(("this", "path", "value"), bound):
            if term is not None:
                values[name] = term
    elif isinstance(bound, dict):
        values.update(bound)
    for name, term in values.items():
        text = re.sub("{{[?$]{}}}".format(name), _str(term), text)
    return text


def _str(term) -> str:
    """``str()`` of the rdflib term: an IRI, a blank node id or a lexical form."""
    return term.value


# -- EXISTS by substitution -------------------------------------------------------------------
# pyoxigraph evaluates FILTER (NOT) EXISTS at a cost that grows with the whole graph, even when
# the pattern inside is anchored on a constant (9 ms against 0.07 ms for the same pattern
# alone, on 100k triples): SHACL-SPARQL constraints that use it turn a corpus quadratic. So a
# constraint's top-level FILTERs that mention EXISTS are taken out of the query and evaluated
# as SPARQL 1.1 §18.6 defines them: for each solution μ, EXISTS { P } is whether substitute(P, μ)
# has a solution. The substitution is textual (a blank node cannot be written into a query: then
# the query runs as it is); the rest of the filter is then evaluated by pyoxigraph on constants.

_PLANS: dict = {}


def _significant(text: str) -> list[tuple[str, str, int, int]]:
    from cstrdf.sparql import _TOKENS

    return [(m.lastgroup, m.group(), m.start(), m.end()) for m in _TOKENS.finditer(text)
            if not (m.lastgroup == "other" and m.group().isspace()) and m.lastgroup != "comment"]


def _matching(tokens: list, index: int) -> int:
    """The index of the token closing the bracket opened at ``index``."""
    opening = tokens[index][1]
    closing = {"(": ")", "{": "}"}[opening]
    depth = 0
    for position in range(index, len(tokens)):
        value = tokens[position][1]
        if value == opening:
            depth += 1
        elif value == closing:
            depth -= 1
            if depth == 0:
                return position
    raise Unsupported("unbalanced brackets in a SHACL-SPARQL query")


def _exists_plan(group: str):
    """The group pattern without its top-level FILTERs that use EXISTS, and those filters:
    (filter text with each EXISTS replaced by a variable, [(variable, pattern text)])."""
    plan = _PLANS.get(group)
    if plan is not None:
        return plan
    tokens = _significant(group)
    kept: list[str] = []
    filters = []
    last = 0
    index = 0
    depth = 0
    while index < len(tokens):
        kind, value, start, end = tokens[index]
        if value in ("{", "("):
            depth += 1
        elif value in ("}", ")"):
            depth -= 1
        if depth == 0 and kind == "word" and value.upper() == "FILTER":
            following = index + 1
            if following < len(tokens) and tokens[following][1] == "(":
                stop = _matching(tokens, following)
            else:
                position = following
                while position < len(tokens) and tokens[position][0] == "word" and tokens[position][1].upper() in ("NOT", "EXISTS"):
                    position += 1
                if position >= len(tokens) or tokens[position][1] not in ("(", "{"):
                    index += 1
                    continue
                stop = _matching(tokens, position)
            body = tokens[following:stop + 1]
            if any(t[0] == "word" and t[1].upper() == "EXISTS" for t in body):
                filters.append(_exists_filter(group, body))
                kept.append(group[last:start])
                last = tokens[stop][3]
            index = stop + 1
            continue
        index += 1
    kept.append(group[last:])
    plan = _PLANS[group] = ("".join(kept), filters)
    return plan


def _exists_filter(group: str, body: list) -> tuple[str, list[tuple[str, str]]]:
    pieces: list[str] = []
    patterns: list[tuple[str, str]] = []
    last = body[0][2]
    index = 0
    while index < len(body):
        kind, value, start, end = body[index]
        if kind == "word" and value.upper() in ("NOT", "EXISTS"):
            negated = value.upper() == "NOT"
            position = index + 1 if negated else index
            if position < len(body) and body[position][1].upper() == "EXISTS" and position + 1 < len(body) \
                    and body[position + 1][1] == "{":
                stop = _matching(body, position + 1)
                name = f"__cstrdf_exists{len(patterns)}"
                patterns.append((name, group[body[position + 1][3]:body[stop][2]]))
                pieces.append(group[last:start])
                pieces.append(f"(!?{name})" if negated else f"?{name}")
                last = body[stop][3]
                index = stop + 1
                continue
        index += 1
    pieces.append(group[last:body[-1][3]])
    return "".join(pieces), patterns


class _Blank(Exception):
    """A value that cannot be written into query text (a blank node)."""


#: query text → its substitution template (:func:`_template`)
_TEMPLATES: dict = {}


def _template(text: str) -> list:
    """``text`` cut at its variables: literal pieces (str) and variable slots
    (name, follows ``AS``), so that substituting a binding is a join, not a tokenization."""
    found = _TEMPLATES.get(text)
    if found is not None:
        return found
    from cstrdf.sparql import _TOKENS

    pieces: list = []
    literal: list[str] = []
    previous_word = ""
    for match in _TOKENS.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind == "var":
            pieces.append("".join(literal))
            literal = []
            pieces.append((value, previous_word == "AS"))
        else:
            literal.append(value)
        if kind == "word":
            previous_word = value.upper()
        elif not (kind == "other" and value.isspace()):
            previous_word = ""
    pieces.append("".join(literal))
    _TEMPLATES[text] = pieces
    return pieces


def _substitute(text: str, bindings: dict) -> tuple[str, dict]:
    """``text`` with bound variables written as terms; blank nodes (which query text cannot
    name) are left as variables and returned, to be passed as pyoxigraph substitutions."""
    out: list[str] = []
    blanks: dict = {}
    for piece in _template(text):
        if piece.__class__ is str:
            out.append(piece)
            continue
        variable, after_as = piece
        term = bindings.get(variable[1:])
        if term is None:
            out.append(variable)
            continue
        if after_as:
            raise _Blank(variable)
        if isinstance(term, ox.BlankNode):
            blanks[ox.Variable(variable[1:])] = term
            out.append(variable)
        else:
            out.append(str(term))
    return "".join(out), blanks


def _boolean(value: bool) -> ox.Literal:
    return ox.Literal("true" if value else "false", datatype=XSD_BOOLEAN)


def group_solutions(dg: "DataGraph", header: str, group: str, bindings: dict, first: bool = False) -> list[dict]:
    """The solutions of a group pattern with ``bindings`` substituted in, EXISTS filters
    evaluated by substitution (recursively); the bindings are part of every solution."""
    reduced, filters = _exists_plan(group)
    text, blanks = _substitute(reduced, bindings)
    try:
        _, rows = dg.select(f"{header}SELECT * WHERE {{{text}}}", blanks or None)
    except RuntimeError:  # a blank node bound to a variable the pattern does not project
        raise _Blank(str(blanks)) from None
    found = []
    for row in rows:
        solution = {**bindings, **row}
        passed = True
        for expression, patterns in filters:
            flags = {name: _boolean(bool(group_solutions(dg, header, pattern, solution, first=True)))
                     for name, pattern in patterns}
            condition, blanks = _substitute(expression, {**solution, **flags})
            if blanks:
                raise _Blank(str(blanks))
            answer = dg.store.query(f"{header}ASK {{ FILTER ({condition}) }}")
            if not bool(answer):
                passed = False
                break
        if passed:
            found.append(solution)
            if first:
                break
    return found


def simple_select(text: str):
    """(DISTINCT?, projected names or None for *, group text) of ``SELECT … WHERE { group }``
    with nothing after but ORDER BY; None for any other query."""
    tokens = _significant(text)
    words = [t[1].upper() for t in tokens if t[0] == "word"]
    if words.count("SELECT") != 1 or any(w in ("GROUP", "HAVING", "LIMIT", "OFFSET", "VALUES") for w in words):
        return None
    start = next(i for i, t in enumerate(tokens) if t[0] == "word" and t[1].upper() == "SELECT")
    opening = next((i for i in range(start, len(tokens)) if tokens[i][1] == "{"), None)
    if opening is None:
        return None
    closing = _matching(tokens, opening)
    projection = tokens[start + 1:opening]
    if projection and projection[-1][0] == "word" and projection[-1][1].upper() == "WHERE":
        projection = projection[:-1]
    distinct = bool(projection) and projection[0][0] == "word" and projection[0][1].upper() in ("DISTINCT", "REDUCED")
    if distinct:
        projection = projection[1:]
    if any(t[0] != "var" for t in projection) and [t[1] for t in projection] != ["*"]:
        return None
    tail = [t for t in tokens[closing + 1:]]
    if tail and not (tail[0][0] == "word" and tail[0][1].upper() == "ORDER"):
        return None
    names = None if [t[1] for t in projection] == ["*"] else [t[1][1:] for t in projection]
    return distinct, names, text[tokens[opening][3]:tokens[closing][2]], text[:tokens[start][2]]


#: words an EXISTS pattern may not hold to be evaluated as a join (:func:`exists_join`)
_NOT_JOINED_WORDS = frozenset({
    "EXISTS", "OPTIONAL", "UNION", "MINUS", "GRAPH", "SERVICE", "VALUES", "SELECT", "BIND", "GROUP", "HAVING",
    "LIMIT", "OFFSET", "ORDER",
})


def _group_variables(tokens: list) -> tuple[set, set] | None:
    """(variables of the triple patterns, variables a BIND assigns) of a group's tokens;
    variables that only occur in FILTER or BIND expressions are in neither. None when the
    group cannot be read."""
    pattern: set = set()
    assigned: set = set()
    index = 0
    while index < len(tokens):
        kind, value = tokens[index][0], tokens[index][1]
        if kind == "word" and value.upper() in ("FILTER", "BIND"):
            opening = index + 1
            while opening < len(tokens) and tokens[opening][1] not in ("(", "{"):
                opening += 1
            if opening >= len(tokens):
                return None
            stop = _matching(tokens, opening)
            if value.upper() == "BIND":
                if tokens[stop - 1][0] != "var":
                    return None
                assigned.add(tokens[stop - 1][1][1:])
            index = stop + 1
            continue
        if kind == "var":
            pattern.add(value[1:])
        index += 1
    return pattern, assigned


def exists_join(text: str) -> str | None:
    """``text`` (a SELECT with pre-bound ``$this``) with each top-level FILTER (NOT) EXISTS
    turned into a join, so the query can run once for every focus node (see
    :func:`bulk_safe_select`); None when it has no such filter or the rewrite may not hold.

    pyoxigraph's EXISTS is unpredictable on a large graph (a pattern anchored on ``$this`` can
    take minutes in one query over all focus nodes), and one query per focus node costs
    ~0.1 ms each. By SPARQL 1.1 §18.6, ``EXISTS { P }`` holds for a solution μ when
    substitute(P, μ) has a solution; when every variable P shares with μ is bound by a triple
    pattern on both sides, and P has no nested EXISTS, OPTIONAL, UNION, sub-select, BIND or
    zero-length path (which could match a term the data lacks), that is whether μ joins one
    of the distinct solutions of P projected on those variables. So each EXISTS becomes
    ``OPTIONAL { SELECT DISTINCT <shared> (1 AS ?flag) WHERE { P } }`` and ``BOUND(?flag)``
    in the filter: each solution joins at most one row, the rows are those of the original.

    >>> joined = exists_join("SELECT $this WHERE { $this <p> ?v . FILTER NOT EXISTS { ?v <q> $this } }")
    >>> print("\\n".join(" ".join(line.split()) for line in joined.splitlines()))
    SELECT $this WHERE { $this <p> ?v .
    OPTIONAL { SELECT DISTINCT ?this ?v (1 AS ?__cstrdf_f0_0) WHERE { ?v <q> $this } }
    FILTER (!BOUND(?__cstrdf_f0_0))
    }
    """
    tokens = _significant(text)
    start = next((i for i, t in enumerate(tokens) if t[0] == "word" and t[1].upper() == "SELECT"), None)
    if start is None:
        return None
    opening = next((i for i in range(start, len(tokens)) if tokens[i][1] == "{"), None)
    if opening is None:
        return None
    closing = _matching(tokens, opening)
    head, group, tail = text[:tokens[opening][3]], text[tokens[opening][3]:tokens[closing][2]], text[tokens[closing][2]:]
    reduced, filters = _exists_plan(group)
    if not filters or not bulk_safe_select(head + reduced + tail):
        return None
    outer = _group_variables(_significant(reduced))
    if outer is None:
        return None
    bound = outer[0] | {"this"}
    optionals: list[str] = []
    conditions: list[str] = []
    for number, (expression, patterns) in enumerate(filters):
        flags = {}
        for name, pattern in patterns:
            inner_tokens = _significant(pattern)
            if any(t[0] == "word" and t[1].upper() in _NOT_JOINED_WORDS for t in inner_tokens) \
                    or any(t[0] == "other" and t[1] in "*?+" for t in inner_tokens):
                return None
            inner = _group_variables(inner_tokens)
            if inner is None or inner[1]:
                return None
            mentioned = {t[1][1:] for t in inner_tokens if t[0] == "var"}
            shared = mentioned & (bound | outer[1])
            if shared & outer[1] or not shared <= inner[0]:
                return None
            flag = f"__cstrdf_f{number}_{name.rsplit('exists', 1)[1]}"
            flags[name] = flag
            projection = " ".join(f"?{v}" for v in sorted(shared))
            optionals.append(f"OPTIONAL {{ SELECT DISTINCT {projection} (1 AS ?{flag}) WHERE {{{pattern}}} }}")
        conditions.append("FILTER " + re.sub(r"\?(__cstrdf_exists\d+)\b", lambda m: f"BOUND(?{flags[m.group(1)]})",
                                             expression))
    return head + reduced + "\n" + "\n".join(optionals) + "\n" + "\n".join(conditions) + "\n" + tail


# -- shapes -----------------------------------------------------------------------------------

# pySHACL's own regular expressions (``SPARQLQueryHelper``), so the same queries are accepted
_BIND_THIS = re.compile(r"([\s{}()])[\$\?]this", flags=re.M)
_BIND_PATH = re.compile(r"([\s{}()])[\$\?]PATH", flags=re.M)
_BIND_OTHER = re.compile(r"([\s{}()])[\$\?](shapesGraph|currentShape)", flags=re.M)
_HAS_MINUS = re.compile(r"^(?:[^#]*|M)(?!#)#?[^\?\$\#]M?INUS[\s\{]", flags=re.M | re.I)
_HAS_VALUES = re.compile(r"^(?!\s*#).*?(?<![\w\-\:])VALUES\b(?:\s*(?:\(|[\?\$]\w+|\{|\w|\s))", flags=re.M | re.I)
_HAS_SERVICE = re.compile(r"^(?:[^#]*|S)(?!#)#?[^\?\$\#]S?ERVICE[\s\<]", flags=re.M | re.I)
_HAS_NESTED_SELECT = re.compile(
    r"SELECT[\s\(\)\$\?\a-z]*\{[^\}]*SELECT\s+((?:(?:[\?\$]\w+\s+)|(?:\*\s+))+)", flags=re.M | re.I
)
_HAS_AS_VAR = re.compile(r"[^\w]+AS[\s]+[\$\?](\w+)", flags=re.M | re.I)


_NOT_BULK_WORDS = frozenset({
    "OPTIONAL", "UNION", "MINUS", "GRAPH", "SERVICE", "VALUES", "GROUP", "HAVING", "LIMIT", "OFFSET",
    "COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE", "GROUP_CONCAT",
})


class SparqlQuery:
    """A SHACL-SPARQL ``sh:select`` with its prefixes (pySHACL's ``SPARQLQueryHelper``)."""

    def __init__(self, sg: ShapesGraph, node, select: str, messages=None, deactivated: bool = False,
                 constraint: bool = False):
        self.node = node
        self.select = select
        self.messages = messages
        self.deactivated = deactivated
        self._bulk_safe: bool | None = None
        self.prefixes = self._prefixes(sg, node)
        #: pySHACL checks a constraint's query each time it runs it, and stops if it is invalid
        self.refused = constraint and (self._invalid(select) or bool(_BIND_OTHER.search(select)))

    @staticmethod
    def _invalid(text: str) -> bool:
        """pySHACL's ``check_invalid_sparql`` (it stops the validation when this is true)."""
        if _HAS_MINUS.search(text) or _HAS_VALUES.search(text) or _HAS_SERVICE.search(text):
            return True
        nested = _HAS_NESTED_SELECT.search(text)
        if nested:
            names = [v.lstrip("$?").rstrip() for v in nested.group(1).split()]
            if not names or names == ["*"] or "this" not in names:
                return True
        as_var = _HAS_AS_VAR.search(text)
        return bool(as_var and as_var.group(1) in ("this", "shapesGraph", "currentShape"))

    @staticmethod
    def _prefixes(sg: ShapesGraph, node) -> dict:
        values = sg.objects(node, _sh("prefixes"))
        if not values:
            return {}
        ontologies = set(sg.subjects(RDF_TYPE, OWL_ONTOLOGY))
        global_declares = {d for o in ontologies for d in sg.objects(o, _sh("declare"))}
        prefixes: dict = {}
        for value in values:
            own = set(sg.objects(value, _sh("declare")))
            declares = own if (own and value in ontologies) else global_declares | own
            for declare in declares:
                names = sg.objects(declare, _sh("prefix"))
                namespaces = sg.objects(declare, _sh("namespace"))
                if len(names) != 1 or len(namespaces) != 1:
                    raise Unsupported("an sh:declare without exactly one sh:prefix and sh:namespace")
                prefixes[names[0].value] = namespaces[0].value
        return prefixes

    def text(self, path: str | None = None) -> str:
        select = self.select
        if path is not None:
            select = _BIND_PATH.sub(lambda m: m.group(1) + path, select)
        elif _BIND_PATH.search(select):
            raise Unsupported("$PATH in a SHACL-SPARQL query of a node shape")
        header = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in self.prefixes.items())
        return f"{header}\n{select}"

    def binds_this(self) -> bool:
        return bool(_BIND_THIS.search(self.select))

    def bulk_safe(self) -> bool:
        if self._bulk_safe is None:
            self._bulk_safe = self._is_bulk_safe()
        return self._bulk_safe

    def _is_bulk_safe(self) -> bool:
        return bulk_safe_select(self.select)


def bulk_safe_select(select: str) -> bool:
    """Whether running the query once, unbound, and keeping each focus node's rows gives
    what pre-binding ``$this`` per focus node gives: one SELECT that projects ``$this`` and
    binds it in a triple pattern of its top-level group before any other mention; no
    OPTIONAL, UNION, MINUS, GRAPH, VALUES, sub-select or aggregate, and no path operator or
    arithmetic at the top level (a zero-length path can bind a node the data lacks). Then
    every other ``$this`` sits in a FILTER, an EXISTS or a later BIND of the same group, all
    evaluated with the solution's ``$this`` bound — the same value the substitution puts in.
    """
    from cstrdf.sparql import _TOKENS

    selects = depth = parens = 0
    in_projection = projected = False
    first = None
    for match in _TOKENS.finditer(select):
        kind, text = match.lastgroup, match.group()
        if kind == "word":
            word = text.upper()
            if word in _NOT_BULK_WORDS:
                return False
            if word == "SELECT":
                selects += 1
                in_projection = depth == 0
            elif word == "WHERE":
                in_projection = False
        elif kind == "open":
            depth += 1
            in_projection = False
        elif kind == "close":
            depth -= 1
        elif kind == "other":
            if text == "(":
                parens += 1
            elif text == ")":
                parens -= 1
            elif text == "*" and in_projection:
                projected = True
            elif text in "*+?" and depth == 1:
                return False
        elif kind == "var" and text[1:] == "this":
            if in_projection:
                projected = True
            elif first is None:
                first = (depth, parens)
    return selects == 1 and projected and first == (1, 0)


class Shape:
    """One shape: its targets, severity, messages and constraints (in pySHACL's terms)."""

    def __init__(self, engine: "Engine", node, path=None) -> None:
        sg = engine.sg
        self.engine = engine
        self.node = node
        self.path = path
        self.is_property = path is not None
        deactivated = sg.objects(node, _sh("deactivated"))
        if len(deactivated) > 1 or (deactivated and not isinstance(deactivated[0], ox.Literal)):
            raise Unsupported("a malformed sh:deactivated")
        self.deactivated = bool(deactivated) and _view(deactivated[0]).value is True
        severity = sg.objects(node, _sh("severity"))
        self.severity = severity[0] if severity else SH_VIOLATION
        if len(set(severity)) > 1:
            raise Unsupported("a shape with several severities")
        self.messages = tuple(dict.fromkeys(sg.objects(node, _sh("message"))))
        #: built on first use (:meth:`Engine.check`)
        self.constraints: list | None = None

    # targets
    def has_targets(self) -> bool:
        sg = self.engine.sg
        return any(sg.objects(self.node, _sh(t)) for t in
                   ("targetNode", "targetClass", "targetSubjectsOf", "targetObjectsOf", "target")) \
            or bool(self._implicit_class())

    def _implicit_class(self) -> list:
        sg = self.engine.sg
        classes = set(sg.subjects(RDFS_SUBCLASSOF, RDFS_CLASS)) | {RDFS_CLASS}
        return [self.node] if any(t in classes for t in sg.objects(self.node, RDF_TYPE)) else []

    def focus_nodes(self) -> set:
        sg, dg = self.engine.sg, self.engine.dg
        found = set(sg.objects(self.node, _sh("targetNode")))
        for cls in set(sg.objects(self.node, _sh("targetClass"))) | set(self._implicit_class()):
            for sub in dg.subclasses(cls):
                found.update(dg.subjects(RDF_TYPE, sub))
        for predicate in sg.objects(self.node, _sh("targetSubjectsOf")):
            found.update(s for s, _ in dg.subject_objects(predicate))
        for predicate in sg.objects(self.node, _sh("targetObjectsOf")):
            found.update(o for _, o in dg.subject_objects(predicate))
        for target in sg.objects(self.node, _sh("target")):
            selects = sg.objects(target, _sh("select"))
            if not selects and _sh("SPARQLTarget") not in sg.objects(target, RDF_TYPE):
                raise Unsupported("a custom target type")
            if not selects:
                raise Unsupported("an sh:SPARQLTarget without sh:select")
            query = SparqlQuery(sg, target, selects[0].value)
            _, rows = dg.select(query.text())
            found.update(row["this"] for row in rows if "this" in row)
        return found

    def value_nodes(self, focus) -> set:
        if not self.is_property:
            return {focus}
        if self.path.__class__ is ox.NamedNode:  # a predicate: no literal is a subject in the index
            return set(self.engine.dg.objects(focus, self.path))
        return _path_nodes(self.engine.sg, self.engine.dg, focus, self.path)


# -- constraint components --------------------------------------------------------------------

def _component(name: str) -> str:
    return SH + name + "ConstraintComponent"


def _single_literal(sg, shape, name, python_type=None):
    values = sg.objects(shape.node, _sh(name))
    if len(values) != 1 or not isinstance(values[0], ox.Literal):
        raise Unsupported(f"a malformed sh:{name}")
    value = _view(values[0]).value
    if python_type is not None and (not isinstance(value, python_type) or isinstance(value, bool) != (python_type is bool)):
        raise Unsupported(f"a malformed sh:{name}")
    return values[0], value


#: nested-shape results kept for reuse (a value node met from several focus nodes); at a million
#: triples an unbounded cache held 420,000 entries, most never read again
MEMO_LIMIT = 50_000


class Engine:
    """Validates the data of one store against one shapes graph (pySHACL's algorithm)."""

    def __init__(self, store: ox.Store, sg: ShapesGraph) -> None:
        self.sg = sg
        self.dg = DataGraph(store)
        self.shapes: dict = {}
        self._memo: dict = {}
        self._nested: set = set()
        self._active: set = set()
        self._check_features()
        self._find_shapes()

    # -- shapes graph -------------------------------------------------------------------------
    def _check_features(self) -> None:
        sg = self.sg
        for name in ("SPARQLFunction", "SHACLFunction", "JSFunction", "TripleRule", "SPARQLRule", "JSRule",
                     "ConstraintComponent", "SPARQLTargetType", "JSTarget", "JSConstraint"):
            if sg.subjects(RDF_TYPE, _sh(name)):
                raise Unsupported(f"sh:{name} in the shapes")
        for name in ("rule", "expression", "js", "jsFunctionName", "condition"):
            if sg.pos.get(_sh(name)):
                raise Unsupported(f"sh:{name} in the shapes")
        if sg.subjects(RDFS_SUBCLASSOF, _sh("ConstraintComponent")) or \
                [s for s in sg.subjects(RDFS_SUBCLASSOF, _sh("Target")) if s not in (_sh("SPARQLTarget"), _sh("JSTarget"))]:
            raise Unsupported("custom constraint components or target types")

    def _find_shapes(self) -> None:
        """Which nodes are shapes, and which are property shapes (``_build_node_shape_cache``)."""
        sg = self.sg
        node_shapes = set(sg.subjects(RDF_TYPE, _sh("NodeShape")))
        prop_shapes = set(sg.subjects(RDF_TYPE, _sh("PropertyShape")))
        if node_shapes & prop_shapes or any(sg.objects(s, _sh("path")) for s in node_shapes):
            raise Unsupported("a malformed shape")
        paths = {}
        for s in prop_shapes:
            found = sg.objects(s, _sh("path"))
            if len(found) != 1:
                raise Unsupported("a property shape without exactly one sh:path")
            paths[s] = found[0]
        subject_shapes = set()
        for name in ("targetClass", "targetNode", "targetObjectsOf", "targetSubjectsOf", "property", "node"):
            subject_shapes.update(s for s, _ in sg.subject_objects(_sh(name)))
        value_shapes = set()
        for name in ("property", "node", "not", "qualifiedValueShape"):
            value_shapes.update(o for _, o in sg.subject_objects(_sh(name)))
        for name in ("and", "or", "xone"):
            for _, head in sg.subject_objects(_sh(name)):
                members = sg.items(head)
                if not members:
                    raise Unsupported("an empty shape list")
                value_shapes.update(members)
        for s in list(subject_shapes) + list(value_shapes):
            if s in node_shapes or s in prop_shapes:
                continue
            found = sg.objects(s, _sh("path"))
            if len(found) > 1:
                raise Unsupported("an implicit property shape with several sh:path")
            if found:
                prop_shapes.add(s)
                paths[s] = found[0]
            else:
                node_shapes.add(s)
        for s in node_shapes:
            self.shapes[s] = Shape(self, s)
        for s in prop_shapes:
            self.shapes[s] = Shape(self, s, paths[s])

    def _shape(self, node) -> Shape:
        shape = self.shapes.get(node)
        if shape is None:
            raise Unsupported(f"a reference to a shape that does not exist: {node}")
        return shape

    def _compile(self, shape: Shape) -> None:
        """The constraints of a shape, one per constraint component (as pySHACL builds them)."""
        sg = self.sg
        predicates = list(dict.fromkeys(sg.spo.get(shape.node, {})))
        done = set()
        for predicate in predicates:
            if not predicate.value.startswith(SH):
                continue
            name = predicate.value[len(SH):]
            builder = _BUILDERS.get(name)
            if builder is None or builder in done:
                continue
            done.add(builder)
            constraint = builder(self, shape)
            if constraint is not None:
                shape.constraints.append(constraint)

    # -- validation ---------------------------------------------------------------------------
    def check(self, shape: Shape, focus) -> tuple[bool, list]:
        """``Shape.validate`` for one focus node: (conforms, reports)."""
        if shape.deactivated:
            return True, []
        if shape.constraints is None:
            # pySHACL builds a shape's constraints when it first validates a node against it
            # (a malformed constraint of an unused shape is no error), so this engine does too
            shape.constraints = []
            self._compile(shape)
        nested = shape.node in self._nested
        if nested:
            key = (shape.node, focus)
            found = self._memo.get(key)
            if found is not None:
                return found
        if shape.node in self._active:
            raise Unsupported("recursive shapes")
        self._active.add(shape.node)
        try:
            return self._check(shape, focus, nested)
        finally:
            self._active.discard(shape.node)

    def _check(self, shape: Shape, focus, nested: bool) -> tuple[bool, list]:
        values = shape.value_nodes(focus)
        allow = shape.severity in ALLOWED_SEVERITIES
        failing = False
        reports: list = []
        for constraint in shape.constraints:
            ok, found_reports = constraint(focus, values)
            if not ok and not allow:
                # pySHACL with allow_warnings: a constraint only fails the shape through a
                # result whose severity is not allowed
                if not all(r.shape.severity in ALLOWED_SEVERITIES for r in found_reports):
                    failing = True
            reports.extend(found_reports)
        answer = (not failing, reports)
        if nested:
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()  # a cache only: bounded, since most value nodes are met once
            self._memo[(shape.node, focus)] = answer
        return answer

    def conforms(self, node, focus) -> tuple[bool, list]:
        return self.check(self._shape(node), focus)

    def targeted_shapes(self) -> list[Shape]:
        """The shapes validated for their own targets, in pySHACL's order."""
        return [shape for shape in self.shapes.values() if not shape.deactivated and shape.has_targets()]

    def validate_shape(self, shape: Shape, focus_nodes: Iterable | None = None) -> list[Report]:
        """The reports of one targeted shape on its focus nodes (computed when not given)."""
        reports: list[Report] = []
        for focus in shape.focus_nodes() if focus_nodes is None else focus_nodes:
            reports.extend(self.check(shape, focus)[1])
        return reports

    def run(self) -> list[Report]:
        reports: list[Report] = []
        for shape in self.targeted_shapes():
            reports.extend(self.validate_shape(shape))
        return reports


def _class_builder(engine, shape):
    classes = engine.sg.objects(shape.node, _sh("class"))
    dg = engine.dg
    component = _component("Class")

    def constraint(focus, values):
        reports = [Report(shape, focus, v, component=component)
                   for c in classes for v in values if isinstance(v, ox.Literal) or not dg.is_instance(v, c)]
        return not reports, reports
    return constraint


def _datatype_builder(engine, shape):
    rules = engine.sg.objects(shape.node, _sh("datatype"))
    if len(rules) != 1:
        raise Unsupported("a malformed sh:datatype")
    rule = rules[0]
    component = _component("Datatype")

    def test(v) -> bool:
        if not isinstance(v, ox.Literal):
            return False
        language = v.language
        datatype = None if language is not None or v.datatype == XSD_STRING else v.datatype
        if datatype is not None and datatype == rule:
            view = _view(v)
            if view.ill_typed is True:
                return False
            return _actual_datatype(view.value, rule)
        if rule == RDFS_LITERAL:
            return True
        if rule == RDFS_DATATYPE and datatype is not None:
            return True
        if datatype is None and language is None and rule == XSD_STRING:
            return True
        if rule == RDF_LANGSTRING and language:
            return True
        return False

    def constraint(focus, values):
        reports = [Report(shape, focus, v, component=component) for v in values if not test(v)]
        return not reports, reports
    return constraint


def _actual_datatype(value, rule) -> bool:
    """pySHACL's ``_assert_actual_datatype``."""
    iri = rule.value
    if iri in (XSD + "string", RDF + "langString"):
        return isinstance(value, (str, bytes))
    if iri == XSD + "integer":
        return isinstance(value, int)
    if iri == XSD + "float":
        return isinstance(value, float)
    if iri == XSD + "decimal":
        return isinstance(value, Decimal)
    if iri == XSD + "boolean":
        return isinstance(value, bool)
    if iri == XSD + "date":
        return isinstance(value, date)
    if iri == XSD + "time":
        return isinstance(value, time)
    if iri == XSD + "dateTime":
        return isinstance(value, datetime)
    return True


_NODE_KINDS = {
    "BlankNode": (True, False, False), "IRI": (False, True, False), "Literal": (False, False, True),
    "BlankNodeOrIRI": (True, True, False), "BlankNodeOrLiteral": (True, False, True),
    "IRIOrLiteral": (False, True, True),
}


def _node_kind_builder(engine, shape):
    rules = engine.sg.objects(shape.node, _sh("nodeKind"))
    if len(rules) != 1:
        raise Unsupported("a malformed sh:nodeKind")
    rule = rules[0]
    name = rule.value[len(SH):] if isinstance(rule, ox.NamedNode) and rule.value.startswith(SH) else None
    blank, iri, literal = _NODE_KINDS.get(name, (False, False, False))
    component = _component("NodeKind")

    def constraint(focus, values):
        reports = []
        for v in values:
            ok = blank if isinstance(v, ox.BlankNode) else literal if isinstance(v, ox.Literal) else iri
            if not ok:
                reports.append(Report(shape, focus, v, component=component))
        return not reports, reports
    return constraint


def _count_builder(kind: str):
    def builder(engine, shape):
        if not shape.is_property:
            raise Unsupported(f"sh:{kind}Count on a node shape")
        literal = engine.sg.objects(shape.node, _sh(kind + "Count"))
        if len(literal) != 1 or not isinstance(literal[0], ox.Literal) or literal[0].datatype != XSD_INTEGER:
            raise Unsupported(f"a malformed sh:{kind}Count")
        limit = _view(literal[0]).value
        if limit is None:
            raise Unsupported(f"a malformed sh:{kind}Count")
        if limit < 0:
            raise Unsupported(f"a negative sh:{kind}Count")
        component = _component("MinCount" if kind == "min" else "MaxCount")
        if kind == "min" and limit == 0:
            return lambda focus, values: (True, [])

        def constraint(focus, values):
            bad = len(values) < limit if kind == "min" else len(values) > limit
            return (False, [Report(shape, focus, component=component)]) if bad else (True, [])
        return constraint
    return builder


def _range_builder(name: str, passes: Callable[[int], bool]):
    def builder(engine, shape):
        bounds = engine.sg.objects(shape.node, _sh(name))
        if not bounds or not all(isinstance(b, ox.Literal) for b in bounds):
            raise Unsupported(f"a malformed sh:{name}")
        component = _component(name[0].upper() + name[1:])

        def constraint(focus, values):
            reports = []
            for bound in bounds:
                bound_is_string = _is_string_value(bound)
                for v in values:
                    flag = False
                    if isinstance(v, ox.Literal) and _is_string_value(v) == bound_is_string:
                        try:
                            flag = passes(compare_literals(v, bound))
                        except TypeError:
                            flag = False
                    if not flag:
                        reports.append(Report(shape, focus, v, component=component))
            return not reports, reports
        return constraint
    return builder


def _shape_list_builder(name: str, decide: Callable[[int, int], bool]):
    """sh:and, sh:or, sh:xone: ``decide(conforming, members)`` says whether a value passes."""
    def builder(engine, shape):
        heads = engine.sg.objects(shape.node, _sh(name))
        lists = []
        for head in heads:
            members = engine.sg.items(head)
            if not members:
                raise Unsupported(f"an empty sh:{name} list")
            # pySHACL turns sh:and and sh:or lists into sets of shapes, sh:xone keeps a list
            members = list(dict.fromkeys(members)) if name in ("and", "or") else members
            engine._nested.update(members)
            lists.append([engine._shape(m) for m in members])
        component = _component(name[0].upper() + name[1:])

        def constraint(focus, values):
            reports = []
            for shapes in lists:
                for v in values:
                    passed = sum(1 for s in shapes if engine.check(s, v)[0])
                    if not decide(passed, len(shapes)):
                        reports.append(Report(shape, focus, v, component=component))
            return not reports, reports
        return constraint
    return builder


def _not_builder(engine, shape):
    members = engine.sg.objects(shape.node, _sh("not"))
    engine._nested.update(members)
    component = _component("Not")

    def constraint(focus, values):
        reports = []
        for member in members:
            for v in values:
                if engine.conforms(member, v)[0]:
                    reports.append(Report(shape, focus, v, component=component))
        return not reports, reports
    return constraint


def _string_rule(engine, shape, name):
    rules = engine.sg.objects(shape.node, _sh(name))
    if len(rules) != 1:
        raise Unsupported(f"a malformed sh:{name}")
    return rules[0]


def _value_string(v) -> str:
    """pySHACL's ``value_node_to_string``: the IRI, blank-node id or (normalized) lexical form."""
    return _lexical(v) if isinstance(v, ox.Literal) else v.value


def _length_builder(name: str):
    def builder(engine, shape):
        rule = _string_rule(engine, shape, name)
        limit = _view(rule).value if isinstance(rule, ox.Literal) else None
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise Unsupported(f"a malformed sh:{name}")
        component = _component(name[0].upper() + name[1:])

        def test(v) -> bool:
            if name == "minLength" and limit == 0:
                return True
            if isinstance(v, ox.BlankNode):
                return False
            length = len(_value_string(v))
            return length >= limit if name == "minLength" else length <= limit

        def constraint(focus, values):
            reports = [Report(shape, focus, v, component=component) for v in values if not test(v)]
            return not reports, reports
        return constraint
    return builder


def _pattern_builder(engine, shape):
    sg = engine.sg
    patterns = sg.objects(shape.node, _sh("pattern"))
    flags_found = sg.objects(shape.node, _sh("flags"))
    re_flags = 0
    if flags_found:
        flags = flags_found[0].value.lower()
        if "i" in flags:
            re_flags |= re.I
        if "m" in flags:
            re_flags |= re.M
    compiled = []
    for pattern in patterns:
        if not isinstance(pattern, ox.Literal):
            raise Unsupported("a malformed sh:pattern")
        compiled.append(re.compile(pattern.value, re_flags))
    component = _component("Pattern")

    def constraint(focus, values):
        reports = []
        for matcher in compiled:
            for v in values:
                if isinstance(v, ox.BlankNode) or not matcher.search(_value_string(v)):
                    reports.append(Report(shape, focus, v, component=component))
        return not reports, reports
    return constraint


def _language_in_builder(engine, shape):
    head = _string_rule(engine, shape, "languageIn")
    wanted = set()
    for item in engine.sg.items(head):
        if not isinstance(item, ox.Literal) or not _is_string_value(item):
            raise Unsupported("a malformed sh:languageIn")
        wanted.add(item.value.lower())
    wildcard = "*" in wanted
    component = _component("LanguageIn")

    def test(v) -> bool:
        if not isinstance(v, ox.Literal) or not v.language:
            return False
        lang = v.language.lower()
        return wildcard or lang in wanted or lang.split("-")[0] in wanted

    def constraint(focus, values):
        reports = [Report(shape, focus, v, component=component) for v in values if not test(v)]
        return not reports, reports
    return constraint


def _unique_lang_builder(engine, shape):
    if not shape.is_property:
        raise Unsupported("sh:uniqueLang on a node shape")
    rule = _string_rule(engine, shape, "uniqueLang")
    if not isinstance(rule, ox.Literal) or not isinstance(_view(rule).value, bool):
        raise Unsupported("a malformed sh:uniqueLang")
    if _view(rule).value is False:
        # pySHACL: "why even have the constraint if it is set to false?" (reports non-conformance)
        return lambda focus, values: (False, [])
    component = _component("UniqueLang")

    def constraint(focus, values):
        seen, duplicates = set(), set()
        for v in values:
            if isinstance(v, ox.Literal) and v.language:
                lang = v.language.lower()
                (duplicates if lang in seen else seen).add(lang)
        reports = [Report(shape, focus, component=component) for _ in duplicates]
        return not reports, reports
    return constraint


def _pair_builder(name: str):
    def builder(engine, shape):
        others = engine.sg.objects(shape.node, _sh(name))
        dg = engine.dg
        component = _component(name[0].upper() + name[1:])

        def constraint(focus, values):
            reports = []
            for other in others:
                compare = set(dg.objects(focus, other)) if not isinstance(focus, ox.Literal) else set()
                if name == "equals":
                    wrong = list(values - compare) + list(compare - values)
                elif name == "disjoint":
                    wrong = list(values & compare)
                else:
                    if isinstance(other, (ox.Literal, ox.BlankNode)):
                        raise Unsupported(f"a malformed sh:{name}")
                    wrong = _less_than(values, compare, name == "lessThanOrEquals")
                reports += [Report(shape, focus, v, component=component) for v in wrong]
            return not reports, reports
        return constraint
    return builder


def _less_than(values: set, compare: set, or_equal: bool) -> list:
    """pySHACL's ``_compare_lt`` / ``_compare_lte``: one report per failing (value, other) pair."""
    wrong = []
    for v in values:
        if isinstance(v, ox.BlankNode):
            raise Unsupported("sh:lessThan on a blank node (pySHACL stops with an error)")
        v_string = isinstance(v, ox.NamedNode) or _is_string_value(v)
        for c in compare:
            if isinstance(c, ox.BlankNode):
                raise Unsupported("sh:lessThan on a blank node (pySHACL stops with an error)")
            c_string = isinstance(c, ox.NamedNode) or _is_string_value(c)
            if v_string != c_string:
                wrong.append(v)
                continue
            if v_string:
                a, b = _value_string(v), _value_string(c)
                ok = a <= b if or_equal else a < b
            else:
                try:
                    order = compare_literals(v, c)
                except TypeError:
                    raise Unsupported("sh:lessThan on literals rdflib cannot order") from None
                ok = order <= 0 if or_equal else order < 0
            if not ok:
                wrong.append(v)
    return wrong


def _node_builder(engine, shape):
    members = engine.sg.objects(shape.node, _sh("node"))
    engine._nested.update(members)
    for member in members:
        if engine._shape(member).is_property:
            raise Unsupported("sh:node pointing at a property shape")
    component = _component("Node")

    def constraint(focus, values):
        reports = []
        for member in members:
            for v in values:
                ok, found = engine.conforms(member, v)
                if not ok or found:
                    reports.append(Report(shape, focus, v, component=component))
        return not reports, reports
    return constraint


def _property_builder(engine, shape):
    members = engine.sg.objects(shape.node, _sh("property"))
    for member in members:
        if not engine._shape(member).is_property:
            raise Unsupported("sh:property pointing at a node shape")

    def constraint(focus, values):
        failing = False
        reports = []
        for member in members:
            target = engine._shape(member)
            for v in values:
                ok, found = engine.check(target, v)
                failing = failing or not ok
                reports.extend(found)
        return not failing, reports
    return constraint


def _qualified_builder(engine, shape):
    if not shape.is_property:
        return None  # pySHACL: a warning, and the constraint is skipped
    sg = engine.sg
    value_shapes = list(dict.fromkeys(sg.objects(shape.node, _sh("qualifiedValueShape"))))
    if not value_shapes:
        raise Unsupported("sh:qualifiedMinCount without sh:qualifiedValueShape")
    engine._nested.update(value_shapes)

    def count(name):
        found = sg.objects(shape.node, _sh(name))
        if not found:
            return None
        value = _view(found[0]).value if isinstance(found[0], ox.Literal) else None
        if len(found) > 1 or not isinstance(value, int) or isinstance(value, bool):
            raise Unsupported(f"a malformed sh:{name}")
        return value

    min_count, max_count = count("qualifiedMinCount"), count("qualifiedMaxCount")
    if min_count is None and max_count is None:
        raise Unsupported("sh:qualifiedValueShape without a count")
    disjoint = any(isinstance(d, ox.Literal) and _view(d).value is True
                   for d in sg.objects(shape.node, _sh("qualifiedValueShapesDisjoint")))

    def siblings(value_shape) -> list:
        if not disjoint:
            return []
        found = []
        for parent in sg.subjects(_sh("property"), shape.node):
            for sibling_property in sg.objects(parent, _sh("property")):
                for sibling in sg.objects(sibling_property, _sh("qualifiedValueShape")):
                    if sibling != value_shape and sibling not in found:
                        found.append(sibling)
        engine._nested.update(found)
        return found

    sibling_table = {v: siblings(v) for v in value_shapes}

    def constraint(focus, values):
        if not disjoint and not values and (min_count is None or min_count < 1):
            return True, []
        reports = []
        for value_shape in value_shapes:
            conforming = 0
            for v in values:
                if engine.conforms(value_shape, v)[0]:
                    if not any(engine.conforms(s, v)[0] for s in sibling_table[value_shape]):
                        conforming += 1
            if max_count is not None and conforming > max_count:
                reports.append(Report(shape, focus, component=SH + "QualifiedMaxCountConstraintComponent"))
            if min_count is not None and conforming < min_count:
                reports.append(Report(shape, focus, component=SH + "QualifiedMinCountConstraintComponent"))
        return not reports, reports
    return constraint


def _closed_builder(engine, shape):
    sg = engine.sg
    closed = sg.objects(shape.node, _sh("closed"))
    ignored = sg.objects(shape.node, _sh("ignoredProperties"))
    if not closed:
        raise Unsupported("sh:ignoredProperties without sh:closed")
    if len(closed) > 1 or not isinstance(closed[0], ox.Literal) or not isinstance(_view(closed[0]).value, bool):
        raise Unsupported("a malformed sh:closed")
    if _view(closed[0]).value is False:
        return lambda focus, values: (True, [])
    ignored_props = {item for head in ignored for item in sg.items(head)}
    allowed = set()
    for member in sg.objects(shape.node, _sh("property")):
        target = engine._shape(member)
        if not target.is_property:
            raise Unsupported("sh:property pointing at a node shape")
        allowed.add(target.path)
    component = _component("Closed")

    def constraint(focus, values):
        reports = []
        for v in values:
            for p, o in engine.dg.predicate_objects(v):
                if (p == RDF_TYPE and o == RDFS_RESOURCE) or p in ignored_props or p in allowed:
                    continue
                reports.append(Report(shape, focus, o, path=p, component=component))
        return not reports, reports
    return constraint


def _has_value_builder(engine, shape):
    wanted = engine.sg.objects(shape.node, _sh("hasValue"))
    component = _component("HasValue")

    def constraint(focus, values):
        reports = [Report(shape, focus, component=component) for hv in wanted if hv not in values]
        return not reports, reports
    return constraint


def _in_builder(engine, shape):
    heads = engine.sg.objects(shape.node, _sh("in"))
    if len(heads) != 1:
        raise Unsupported("a malformed sh:in")
    allowed = set(engine.sg.items(heads[0]))
    component = _component("In")

    def constraint(focus, values):
        reports = [Report(shape, focus, v, component=component) for v in values if v not in allowed]
        return not reports, reports
    return constraint


def _sparql_builder(engine, shape):
    sg = engine.sg
    queries = []
    for node in dict.fromkeys(sg.objects(shape.node, _sh("sparql"))):
        selects = sg.objects(node, _sh("select"))
        if len(selects) != 1 or not isinstance(selects[0], ox.Literal) or not _is_string_value(selects[0]):
            raise Unsupported("an sh:sparql without exactly one sh:select string")
        messages = sg.objects(node, _sh("message")) or None
        deactivated = sg.objects(node, _sh("deactivated"))
        off = bool(deactivated) and isinstance(deactivated[0], ox.Literal) and _view(deactivated[0]).value is True
        queries.append(SparqlQuery(sg, node, selects[0].value, messages=tuple(dict.fromkeys(messages or ())) or None,
                                   deactivated=off, constraint=True))
    path = sparql_path(sg, shape.path) if shape.is_property else None
    texts = [(q, None if q.refused else q.text(path), q.binds_this()) for q in queries if not q.deactivated]
    component = SH + "SPARQLConstraintComponent"
    this = ox.Variable("this")
    bulk: dict = {}  # query text → rows by focus node (or all rows, for a query without $this)
    plans: dict = {}  # query text → simple_select(text), when it has EXISTS filters to take out
    joined: dict = {}  # query text → rows by focus node of its exists_join form (None: not applicable)

    def _joined_rows(text: str) -> dict | None:
        rewritten = exists_join(text)
        if rewritten is None:
            return None
        try:
            rows = engine.dg.select(rewritten)[1]
        except SyntaxError:  # a rewrite pyoxigraph refuses: per focus node, as written
            return None
        table: dict = {}
        for row in rows:
            for name in [n for n in row if n.startswith("__cstrdf_")]:
                del row[name]
            table.setdefault(row.get("this"), []).append(row)
        return table

    def rows_for(query: SparqlQuery, text: str, binds: bool, focus) -> list:
        if binds:
            table = joined.get(text, ())
            if table == ():
                table = joined[text] = _joined_rows(text)
            if table is not None:
                return table.get(focus, [])
        plan = plans.get(text)
        if plan is None:
            plan = plans[text] = simple_select(text) or ()
            if plan and not _exists_plan(plan[2])[1]:
                plan = plans[text] = ()  # no EXISTS to take out
        if plan and binds:
            distinct, names, group, header = plan
            try:
                solutions = group_solutions(engine.dg, header, group, {"this": focus})
            except (_Blank, SyntaxError):  # a blank node to write, or a substitution SPARQL refuses
                solutions = None
            if solutions is not None:
                rows = [{n: s[n] for n in (names or s) if n in s} for s in solutions]
                if distinct:
                    rows = list({tuple(sorted(r.items(), key=lambda i: i[0])): r for r in rows}.values())
                return rows
        if not binds:
            if text not in bulk:
                bulk[text] = engine.dg.select(text)[1]
            return bulk[text]
        if query.bulk_safe():
            table = bulk.get(text)
            if table is None:
                table = bulk[text] = {}
                for row in engine.dg.select(text)[1]:
                    table.setdefault(row.get("this"), []).append(row)
            return table.get(focus, [])
        return engine.dg.select(text, {this: focus})[1]

    def constraint(focus, values):
        reports = []
        for query, text, binds in texts:
            if text is None:
                raise Unsupported("a SHACL-SPARQL constraint pySHACL refuses (MINUS, VALUES, SERVICE …)")
            rows = rows_for(query, text, binds, focus)
            result_value = focus if not shape.is_property else None
            seen_failure = False
            violations: list = []
            for row in rows:
                row = dict(row)
                if row.pop("failure", None) is not None:
                    if seen_failure:
                        continue
                    seen_failure = True
                    violations.append((True, row))
                    continue
                p, v, t = row.pop("path", None), row.pop("value", None), row.pop("this", None)
                if p is None and v is None and t is None:
                    continue
                item = (t, p, v, row)
                if item not in violations:
                    violations.append(item)
            for item in violations:
                if item[0] is True:
                    reports.append(Report(shape, focus, result_value, component=component,
                                          extra_messages=(query.node, query.messages), bound=item[1]))
                    continue
                t, p, v, others = item
                if v is None:
                    v = result_value
                reports.append(Report(shape, t or focus, v, path=p, component=component,
                                      extra_messages=(query.node, query.messages), bound=(t, p, v, others)))
        return not reports, reports
    return constraint


_BUILDERS: dict[str, Callable] = {
    "class": _class_builder,
    "datatype": _datatype_builder,
    "nodeKind": _node_kind_builder,
    "minCount": _count_builder("min"),
    "maxCount": _count_builder("max"),
    "minExclusive": _range_builder("minExclusive", lambda c: c > 0),
    "minInclusive": _range_builder("minInclusive", lambda c: c >= 0),
    "maxExclusive": _range_builder("maxExclusive", lambda c: c < 0),
    "maxInclusive": _range_builder("maxInclusive", lambda c: c <= 0),
    "not": _not_builder,
    "and": _shape_list_builder("and", lambda passed, n: passed == n),
    "or": _shape_list_builder("or", lambda passed, n: passed >= 1),
    "xone": _shape_list_builder("xone", lambda passed, n: passed == 1),
    "minLength": _length_builder("minLength"),
    "maxLength": _length_builder("maxLength"),
    "pattern": _pattern_builder,
    "languageIn": _language_in_builder,
    "uniqueLang": _unique_lang_builder,
    "equals": _pair_builder("equals"),
    "disjoint": _pair_builder("disjoint"),
    "lessThan": _pair_builder("lessThan"),
    "lessThanOrEquals": _pair_builder("lessThanOrEquals"),
    "node": _node_builder,
    "property": _property_builder,
    "qualifiedValueShape": _qualified_builder,
    "qualifiedMinCount": _qualified_builder,
    "qualifiedMaxCount": _qualified_builder,
    "qualifiedValueShapesDisjoint": _qualified_builder,
    "closed": _closed_builder,
    "ignoredProperties": _closed_builder,
    "hasValue": _has_value_builder,
    "in": _in_builder,
    "sparql": _sparql_builder,
}


# -- from reports to results ------------------------------------------------------------------

def _messages(report: Report) -> str:
    """The result's messages as :func:`cstrdf.validate._results` reads them from pySHACL's
    report graph: every ``sh:resultMessage`` (a set of literals), sorted, joined by `` / ``."""
    shape = report.shape
    literals: set = set()
    messages = list(shape.messages)
    extra = report.extra_messages[1] if report.extra_messages else None
    bound = report.bound
    if extra:
        for m in extra:
            if m in messages:
                continue
            literals.add((_format_message(m.value, bound), None) if bound is not None else (m.value, m.language))
    elif not messages:
        return _generic_message(report)
    for m in messages:
        literals.add((_format_message(m.value, bound), None) if bound is not None else (m.value, m.language))
    return " / ".join(sorted(text for text, _ in literals))


def _generic_message(report: Report) -> str:
    """A message for a result whose shape has none (pySHACL's wording, terms written in full)."""
    name = report.component[len(SH):].replace("ConstraintComponent", "")
    value = f" {term_text(report.value)}" if report.value is not None else ""
    return f"{name} constraint not satisfied on {term_text(report.focus)}{value}"


def result_of(report: Report, sg: ShapesGraph) -> ValidationResult:
    """One report as a result (terms written as text)."""
    severity = report.shape.severity
    name = severity.value.rsplit("#", 1)[-1] if isinstance(severity, ox.NamedNode) else "Violation"
    path = report.path if report.path is not None else report.shape.path
    return ValidationResult(
        severity=name,
        focus=term_text(report.focus) or "",
        path=path_text(sg, path),
        message=_messages(report),
        component=report.component,
        source_shape=term_text(report.shape.node) or "",
        value=term_text(report.value),
    )


def sorted_results(results: Iterable[ValidationResult]) -> list[ValidationResult]:
    """Results in the order of :func:`cstrdf.validate._results`."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(results, key=lambda r: (rank.get(r.severity, 9), r.focus, r.path or "", r.component,
                                          r.message, r.value or "", r.source_shape))


def to_results(reports: Iterable[Report], sg: ShapesGraph) -> list[ValidationResult]:
    """Reports as sorted results (the order of :func:`cstrdf.validate._results`)."""
    return sorted_results(result_of(report, sg) for report in reports)


# -- the ontology, as pySHACL mixes it in -----------------------------------------------------

_RDFS_CLASSES = ("Class", "Container", "ContainerMembershipProperty", "Datatype", "Literal", "Resource")
_OWL_CLASSES = (
    "AllDifferent", "AllDisjointClasses", "AllDisjointProperties", "Annotation", "AnnotationProperty",
    "AsymmetricProperty", "Axiom", "Class", "DataRange", "DatatypeProperty", "DeprecatedClass",
    "DeprecatedProperty", "FunctionalProperty", "InverseFunctionalProperty", "IrreflexiveProperty",
    "NamedIndividual", "NegativePropertyAssertion", "ObjectProperty", "Ontology", "OntologyProperty",
    "ReflexiveProperty", "Restriction", "SymmetricProperty", "TransitiveProperty",
)
_RDFS_PROPERTIES = ("comment", "domain", "isDefinedBy", "label", "member", "range", "seeAlso", "subClassOf",
                    "subPropertyOf")
_OWL_PROPERTIES = (
    "allValuesFrom", "annotatedProperty", "annotatedSource", "annotatedTarget", "assertionProperty",
    "cardinality", "complementOf", "datatypeComplementOf", "differentFrom", "disjointUnionOf", "disjointWith",
    "distinctMembers", "equivalentClass", "equivalentProperty", "hasKey", "hasSelf", "hasValue",
    "intersectionOf", "inverseOf", "maxCardinality", "maxQualifiedCardinality", "members", "minCardinality",
    "minQualifiedCardinality", "onClass", "onDataRange", "onDatatype", "onProperties", "onProperty", "oneOf",
    "propertyChainAxiom", "propertyDisjointWith", "qualifiedCardinality", "sameAs", "someValuesFrom",
    "sourceIndividual", "targetIndividual", "targetValue", "unionOf", "withRestrictions",
    "backwardCompatibleWith", "deprecated", "incompatibleWith", "priorVersion", "versionInfo",
    "bottomDataProperty", "topDataProperty", "bottomObjectProperty", "topObjectProperty", "imports", "versionIRI",
)


def inoculation(ontology: "TripleIndex", data: ox.Store) -> list[tuple]:
    """The triples pySHACL copies from the ontology into the data graph (its ``inoculate``:
    RDFS/OWL declarations and axioms, blank nodes cloned, named individuals deep-cloned) —
    not the whole ontology: a code-list value's type is only there if the data has it."""
    out: list[tuple] = []
    copied_blank: dict = {}
    copied_named: dict = {}

    def predicates(node) -> dict:
        return ontology.spo.get(node, {})

    def clone_blank(node, depth: int):
        new = ox.BlankNode()
        table = predicates(node)
        if depth >= 10 or not table:
            return new
        if RDF_FIRST in table:
            return clone_list(node, depth, False)
        for p, objects in table.items():
            for o in objects:
                out.append((new, p, clone(o, depth + 1, False)))
        return new

    def clone(node, depth: int, deep: bool):
        if isinstance(node, ox.Literal):
            return node
        if isinstance(node, ox.BlankNode):
            return clone_blank(node, depth + 1)
        table = predicates(node)
        if not deep or depth >= 10 or not table:
            return node
        if RDF_FIRST in table:
            return clone_list(node, depth, deep)
        for p, objects in table.items():
            for o in objects:
                out.append((node, p, clone(o, depth + 1, deep)))
        return node

    def clone_list(head, depth: int, deep: bool):
        if not isinstance(head, ox.BlankNode):
            if any(True for _ in data.quads_for_pattern(head, RDF_FIRST, None, _DG)):
                raise Unsupported("a named RDF list in the ontology that the data has too")
            new = head
        else:
            new = ox.BlankNode()
        cell = new
        items = ontology.items(head)
        for index, item in enumerate(items):
            if index:
                following = ox.BlankNode()
                out.append((cell, RDF_REST, following))
                cell = following
            out.append((cell, RDF_FIRST, clone(item, depth + 1, deep)))
        if items:
            out.append((cell, RDF_REST, RDF_NIL))
        return new

    def cached_blank(node):
        if node not in copied_blank:
            copied_blank[node] = clone_blank(node, 0)
        return copied_blank[node]

    named_individual = _N(OWL + "NamedIndividual")
    for cls in [_N(RDFS + c) for c in _RDFS_CLASSES] + [_N(OWL + c) for c in _OWL_CLASSES]:
        for subject in list(ontology.subjects(RDF_TYPE, cls)):
            if isinstance(subject, ox.BlankNode):
                out.append((cached_blank(subject), RDF_TYPE, cls))
            elif cls == named_individual:
                if subject not in copied_named:
                    copied_named[subject] = clone(subject, 0, True)
                out.append((copied_named[subject], RDF_TYPE, cls))
            else:
                out.append((subject, RDF_TYPE, cls))
    for prop in [_N(RDFS + p) for p in _RDFS_PROPERTIES] + [_N(OWL + p) for p in _OWL_PROPERTIES]:
        for subject, obj in ontology.subject_objects(prop):
            subject = cached_blank(subject) if isinstance(subject, ox.BlankNode) else subject
            obj = cached_blank(obj) if isinstance(obj, ox.BlankNode) else obj
            out.append((subject, prop, obj))
    for individual in copied_named:
        for subject, predicate in ontology.subject_predicates(individual):
            if isinstance(predicate, (ox.Literal, ox.BlankNode)):
                continue
            subject = cached_blank(subject) if isinstance(subject, ox.BlankNode) else subject
            out.append((subject, predicate, individual))
    return out


def mix_in_ontology(store: ox.Store, files: Sequence[str | Path]) -> set[tuple[str, str]]:
    """Add to the default graph of ``store`` what pySHACL mixes in from the ontology ``files``
    (:func:`inoculation`); return the ontology's typed literals as written."""
    from cstrdf.publication import read_quads

    triples = [(q.subject, q.predicate, q.object) for file in files for q in read_quads(file, _DG)]
    ontology = TripleIndex(triples)
    store.extend(ox.Quad(s, p, o, _DG) for s, p, o in inoculation(ontology, store))
    return {(o.value, o.datatype.value) for o in ontology.literals()
            if o.language is None and o.datatype.value in NORMALIZED_TYPES}


def load_data(store: ox.Store, files: Iterable[str | Path]) -> set[tuple[str, str]]:
    """Load RDF files into the default graph of ``store``; return their typed literals as
    written (for :func:`validate_store`). Errors are InputErrors with file, line and column.

    The checks are those of :func:`cstrdf.publication.load_file` (UTF-8, syntax, ill-typed
    literals), made in the same pass that finds the typed literals: each file is read once,
    N-Triples scanned as bytes, Turtle parsed once in Python, and then loaded by pyoxigraph
    itself (no Python object per triple kept)."""
    from cstrdf.formats import guess_format
    from cstrdf.publication import ntriples_typed_literals, read_quads
    from cstrdf.rdfio import check_literal, checked, decode_utf8, file_base_iri, open_parser, parse_error, read_bytes

    raw: set[tuple[str, str]] = set()
    for file in files:
        fmt = guess_format(Path(file))
        if fmt.name not in ("turtle", "ntriples"):
            quads = read_quads(file, _DG)
            store.extend(quads)
            raw |= _typed_literals(quad.object for quad in quads)
            continue
        data = read_bytes(file)
        decode_utf8(data, file)
        found = ntriples_typed_literals(data) if fmt.name == "ntriples" else None
        if found is not None:
            for lexical, datatype in found:
                check_literal(ox.Literal(lexical, datatype=ox.NamedNode(datatype)), data, file)
            raw.update(pair for pair in found if pair[1] in NORMALIZED_TYPES)
        else:
            raw |= _typed_literals(item.object for item in checked(open_parser(data, file, fmt), data, file))
        try:
            store.load(input=data, format=fmt.oxigraph(), base_iri=file_base_iri(file), to_graph=_DG)
        except SyntaxError as error:
            raise parse_error(error, file) from None
        del data  # before the next file is read
    return raw


def validate_store(store: ox.Store, shapes: ShapesGraph, raw_literals: Iterable[tuple[str, str]] = (),
                   workers: int | None = None, meanwhile: Callable[[], None] | None = None) -> list[ValidationResult]:
    """Validate the default graph of ``store`` against ``shapes``; pySHACL's results, sorted.

    ``raw_literals`` are the typed literals of the data as written (:func:`raw_typed_literals`;
    :func:`load_data` collects them): the store keeps only its canonical forms, and rdflib's
    differ. ``workers``: processes sharing the shapes (:mod:`cstrdf.shaclworkers`; default: one
    per core, up to two, for a store of :data:`~cstrdf.shaclworkers.PARALLEL_FROM` triples or
    more). ``meanwhile``: other work of the caller, done by this process while the forked ones
    validate (before validating, with one process). Raises :class:`Unsupported` when the answer
    could differ from pySHACL's.
    """
    from cstrdf import shaclworkers

    _VIEWS.clear()
    shape_literals = {(lit.value, lit.datatype.value) for lit in shapes.literals()
                      if lit.language is None and lit.datatype.value in NORMALIZED_TYPES}
    mapping = register_literals(set(raw_literals) | shape_literals)
    shapes = shapes.with_literals(mapping)
    engine = Engine(store, shapes)
    if workers is None:
        workers = shaclworkers.default_workers(len(store))
    if workers > 1:
        return sorted_results(shaclworkers.run(engine, workers, meanwhile))
    if meanwhile is not None:
        meanwhile()
    return to_results(engine.run(), shapes)
