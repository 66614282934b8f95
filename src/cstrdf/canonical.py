"""Canonical Turtle: one deterministic way to write a graph, so diffs stay small.

Layout (``cstrdf fmt``, ``cstrdf anchor`` and ``cstrdf build --check`` all use it):

* the leading comment block of the original file, if any, then a blank line;
* ``@prefix`` lines sorted by prefix (never ``PREFIX``): every prefix the file declares plus
  well-known ones (:data:`cstrdf.namespaces.WELL_KNOWN_PREFIXES`) that are actually used;
* one block per subject, blocks separated by a blank line: IRI subjects sorted by full IRI,
  then unreferenced blank nodes written as ``[ … ] .``, then labelled blank nodes;
* predicates: ``a`` first, then ``rdfs:label``, then the rest by full IRI; objects sorted;
* a blank node used exactly once as an object is written inline as ``[ … ]`` (recursively;
  on one line when it has a single short predicate-object pair);
  well-formed RDF lists as ``( … )``; other blank nodes get stable labels ``_:b1``, ``_:b2``…;
* integers, decimals (in their canonical lexical forms), doubles and booleans in short form;
  other lexical forms quoted with their datatype; strings escaped, triple-quoted only
  when they hold a newline; local names that start with a digit or hold characters outside a
  safe subset of PN_LOCAL are written as full ``<IRI>``.

A comment block standing right above a subject (at column 0) moves with that subject; other
comments (inside blocks, after the last subject) are not kept. Formatting is idempotent and the
output parses to a graph isomorphic to the input.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Mapping

from cstrdf.namespaces import RDF, RDFS, WELL_KNOWN_PREFIXES, XSD

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

LINE_WIDTH = 100
#: a blank node with one short predicate-object pair is written on one line: [ sh:path ex:p ]
SHORT_BLANK_NODE = 60
INDENT = "    "

# A conservative subset of Turtle's PN_LOCAL: ASCII only, no leading digit (Virtuoso rejects
# it, see MODELING.md), no leading or trailing dot, no escapes. Empty is allowed ("cst:").
_LOCAL_NAME = re.compile(r"^(?:[A-Za-z_](?:[A-Za-z0-9_\-.]*[A-Za-z0-9_\-])?)?$")
# Short forms only for lexical forms every reader keeps as they are: rdflib's Turtle parser
# reads a bare number as a Python value, so "+7", "007", "-0", ".5" would come back rewritten.
_INTEGER = re.compile(r"^(?:0|-?[1-9][0-9]*)$")
_DECIMAL = re.compile(r"^-?(?:0|[1-9][0-9]*)\.[0-9]+$")
_DOUBLE = re.compile(r"^[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+$")
_IRI_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\]')

_ECHAR = {"\\": "\\\\", '"': '\\"', "\t": "\\t", "\b": "\\b", "\f": "\\f", "\r": "\\r", "\n": "\\n"}

RDF_TYPE = RDF + "type"
RDF_FIRST = RDF + "first"
RDF_REST = RDF + "rest"
RDF_NIL = RDF + "nil"
RDFS_LABEL = RDFS + "label"


def escape_string(value: str) -> str:
    """A Turtle string literal for ``value`` (quotes included).

    >>> escape_string('say "hi"\\\\')
    '"say \\\\"hi\\\\"\\\\\\\\"'
    >>> escape_string("two\\nlines")
    '\"\"\"two\\nlines\"\"\"'
    """
    long_form = "\n" in value
    out = []
    for char in value:
        if char == "\n" and long_form:
            out.append(char)
        elif char in _ECHAR:
            out.append(_ECHAR[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    quote = '"""' if long_form else '"'
    return quote + "".join(out) + quote


_SUBJECT_START = re.compile(r"^(?:<([^>\s]*)>|([A-Za-z][A-Za-z0-9_.\-]*)?:((?:[A-Za-z0-9_\-]|\.(?=[A-Za-z0-9_\-]))*))")


def subject_comments(text: str, prefixes: Mapping[str, str]) -> dict[str, str]:
    """Comment blocks that stand right above a subject (a line at column 0), by subject IRI.

    The canonical writer puts each such block back above its subject's block, so section
    comments survive reformatting (they travel with the subject that follows them). The file's
    leading comment block is not included; comments inside a block are not kept.
    """
    found: dict[str, str] = {}
    lines = text.splitlines()
    position = 0
    header = leading_comments(text)
    if header:  # skip the leading block
        while position < len(lines) and (lines[position].strip().startswith("#") or not lines[position].strip()):
            position += 1
    pending: list[str] = []
    for line in lines[position:]:
        if line.startswith("#"):
            pending.append(line.rstrip())
            continue
        if pending:
            match = _SUBJECT_START.match(line)
            if match:
                iri = match.group(1)
                if iri is None and (match.group(2) or "") in prefixes:
                    iri = prefixes[match.group(2) or ""] + match.group(3)
                if iri is not None:
                    found[iri] = "\n".join(pending) if iri not in found else found[iri] + "\n" + "\n".join(pending)
        pending = []
    return found


def leading_comments(text: str) -> str:
    """The comment block at the top of a Turtle file ('' if none), trailing spaces removed."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            lines.append(line.rstrip())
        elif stripped == "" and lines:
            lines.append("")
        elif stripped == "":
            continue
        else:
            break
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines)


class _Writer:
    def __init__(self, graph: "rdflib.Graph", prefixes: Mapping[str, str]) -> None:
        from rdflib import BNode, Literal, URIRef

        self.BNode, self.Literal, self.URIRef = BNode, Literal, URIRef
        self.graph = graph
        self.declared = dict(prefixes)
        candidates = {p: ns for p, ns in WELL_KNOWN_PREFIXES.items() if p not in self.declared}
        candidates.update(self.declared)
        # namespace -> prefix (declared prefixes win; among equals the smallest name)
        by_namespace: dict[str, str] = {}
        for prefix, namespace in sorted(candidates.items()):
            if namespace not in by_namespace or prefix in self.declared and by_namespace[namespace] not in self.declared:
                by_namespace[namespace] = prefix
        self.namespaces = sorted(by_namespace.items(), key=lambda kv: (-len(kv[0]), kv[1]))
        self.used: dict[str, str] = {}
        self._analyse()

    # -- structure ---------------------------------------------------------------------------
    def _analyse(self) -> None:
        graph = self.graph
        self.refs: dict = {}
        for o in graph.objects():
            if isinstance(o, self.BNode):
                self.refs[o] = self.refs.get(o, 0) + 1
        self.subjects = set(graph.subjects())
        self.list_heads = set()
        self.labels: dict = {}
        self._compute_inline()

    def _is_list_node(self, node, seen: set) -> bool:
        if not isinstance(node, self.BNode) or node in seen or self.refs.get(node, 0) != 1:
            return False
        pairs = list(self.graph.predicate_objects(node))
        predicates = sorted(str(p) for p, _ in pairs)
        if predicates != [RDF_FIRST, RDF_REST]:
            return False
        rest = self.graph.value(node, self.URIRef(RDF_REST))
        if rest == self.URIRef(RDF_NIL):
            return True
        seen.add(node)
        return self._is_list_node(rest, seen)

    def _list_items(self, head) -> list:
        items, node = [], head
        while node != self.URIRef(RDF_NIL):
            items.append(self.graph.value(node, self.URIRef(RDF_FIRST)))
            node = self.graph.value(node, self.URIRef(RDF_REST))
        return items

    def _children(self, node) -> list:
        """Blank nodes written inside ``node``'s block."""
        if node in self.list_heads:
            chain, rest = [], self.graph.value(node, self.URIRef(RDF_REST))
            while rest != self.URIRef(RDF_NIL):
                chain.append(rest)
                rest = self.graph.value(rest, self.URIRef(RDF_REST))
            return chain + [i for i in self._list_items(node) if self._inline(i)]
        return [o for o in self.graph.objects(node) if self._inline(o)]

    def _inline(self, term) -> bool:
        return isinstance(term, self.BNode) and self.refs.get(term, 0) == 1 and term not in self.labels

    def _compute_inline(self) -> None:
        bnodes = {s for s in self.subjects if isinstance(s, self.BNode)} | set(self.refs)
        needs_label = sorted((b for b in bnodes if self.refs.get(b, 0) > 1), key=str)
        while True:
            self.labels = {b: None for b in needs_label}
            self.list_heads = {b for b in bnodes if self._inline(b) and self._is_list_node(b, set())}
            roots = [s for s in self.subjects if not isinstance(s, self.BNode)]
            roots += [b for b in bnodes if b in self.labels or self.refs.get(b, 0) == 0]
            reached, stack = set(), list(roots)
            while stack:
                node = stack.pop()
                for child in self._children(node):
                    if child not in reached:
                        reached.add(child)
                        stack.append(child)
            orphans = sorted((b for b in bnodes if self._inline(b) and b not in reached), key=str)
            if not orphans:
                break
            needs_label.append(orphans[0])  # break a cycle of singly-referenced blank nodes
        if needs_label:
            self._assign_labels(needs_label)

    def _assign_labels(self, labelled: list) -> None:
        """Stable labels: order by the canonical (RDFC-style) hash of each blank node."""
        from rdflib.compare import to_canonical_graph

        canonical = to_canonical_graph(self.graph)
        # map original -> canonical blank node by matching the triples around each node
        signature = {}
        for node in labelled:
            signature[node] = self._signature(self.graph, node)
        canon_sig = {}
        canon_nodes = {t for triple in canonical for t in (triple[0], triple[2]) if isinstance(t, self.BNode)}
        for node in canon_nodes:
            canon_sig.setdefault(self._signature(canonical, node), []).append(str(node))
        keyed = []
        for node in labelled:
            ids = sorted(canon_sig.get(signature[node], [str(node)]))
            keyed.append((ids[0], signature[node], node))
        for number, (_, _, node) in enumerate(sorted(keyed, key=lambda k: (k[0], k[1])), start=1):
            self.labels[node] = f"b{number}"

    def _signature(self, graph, node) -> str:
        """A blank-node-free description of a node's immediate neighbourhood."""
        def term(t):
            return "_" if isinstance(t, self.BNode) else t.n3()

        out = sorted(f"{term(p)} {term(o)}" for p, o in graph.predicate_objects(node))
        inc = sorted(f"{term(s)} {term(p)}" for s, p in graph.subject_predicates(node))
        return "|".join(out) + "||" + "|".join(inc)

    # -- terms -------------------------------------------------------------------------------
    def iri(self, value: str) -> str:
        for namespace, prefix in self.namespaces:
            if value.startswith(namespace):
                local = value[len(namespace):]
                if _LOCAL_NAME.match(local):
                    self.used[prefix] = namespace
                    return f"{prefix}:{local}"
        return "<" + _IRI_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04X}", value) + ">"

    def literal(self, literal) -> str:
        lexical = str(literal)
        if literal.language:
            return escape_string(lexical) + "@" + literal.language
        datatype = str(literal.datatype) if literal.datatype is not None else None
        if datatype is None:
            return escape_string(lexical)
        if datatype == XSD + "integer" and _INTEGER.match(lexical):
            return lexical
        if datatype == XSD + "decimal" and _DECIMAL.match(lexical):
            return lexical
        if datatype == XSD + "double" and _DOUBLE.match(lexical):
            return lexical
        if datatype == XSD + "boolean" and lexical in ("true", "false"):
            return lexical
        return escape_string(lexical) + "^^" + self.iri(datatype)

    def predicate(self, predicate) -> str:
        return "a" if str(predicate) == RDF_TYPE else self.iri(str(predicate))

    def term(self, node, indent: str) -> str:
        """One object (possibly several lines); ``indent`` is the indentation of its line."""
        if isinstance(node, self.Literal):
            return self.literal(node)
        if isinstance(node, self.BNode):
            if node in self.labels:
                return "_:" + self.labels[node]
            if node in self.list_heads:
                return self.collection(node, indent)
            body = self.predicate_lines(node, indent + INDENT)
            if not body:
                return "[]"
            if "\n" not in body and len(body) <= SHORT_BLANK_NODE:
                return "[ " + body + " ]"
            return "[\n" + indent + INDENT + body + "\n" + indent + "]"
        if str(node) == RDF_NIL:
            return "()"
        return self.iri(str(node))

    def collection(self, head, indent: str) -> str:
        items = [self.term(item, indent + INDENT) for item in self._list_items(head)]
        one_line = "( " + " ".join(items) + " )"
        if all("\n" not in i for i in items) and len(indent) + len(one_line) <= LINE_WIDTH - 20:
            return one_line
        inner = indent + INDENT
        return "(\n" + "\n".join(inner + i for i in items) + "\n" + indent + ")"

    @staticmethod
    def _object_key(node, text: str):
        from rdflib import BNode, Literal

        if isinstance(node, Literal):
            return (3, str(node), node.language or "", str(node.datatype or ""))
        if isinstance(node, BNode):
            return (2, text)
        return (1, str(node))

    def predicate_lines(self, subject, indent: str) -> str:
        """The predicate-object list of ``subject``; lines after the first start at ``indent``."""
        predicates = sorted(
            set(self.graph.predicates(subject)),
            key=lambda p: (0 if str(p) == RDF_TYPE else 1 if str(p) == RDFS_LABEL else 2, str(p)),
        )
        parts = []
        for predicate in predicates:
            verb = self.predicate(predicate)
            objects = list(self.graph.objects(subject, predicate))
            rendered = sorted(
                ((self.term(o, indent), o) for o in objects), key=lambda t: self._object_key(t[1], t[0])
            )
            texts = [t for t, _ in rendered]
            single_line = all("\n" not in t for t in texts)
            joined = verb + " " + " , ".join(texts)
            if len(texts) == 1 or (single_line and len(indent) + len(joined) <= LINE_WIDTH):
                parts.append(joined)
            elif all(t.startswith("[\n") for t in texts):
                parts.append(verb + " " + " , ".join(texts))
            else:
                inner = indent + INDENT
                again = sorted(
                    ((self.term(o, inner), o) for o in objects), key=lambda t: self._object_key(t[1], t[0])
                )
                parts.append(verb + "\n" + " ,\n".join(inner + t for t, _ in again))
        return (" ;\n" + indent).join(parts)

    # -- document ----------------------------------------------------------------------------
    def blocks(self, comments: Mapping[str, str]) -> list[str]:
        named = sorted((s for s in self.subjects if not isinstance(s, self.BNode)), key=str)
        blocks = []
        for subject in named:
            block = self.term(subject, "") + " " + self.predicate_lines(subject, INDENT) + " ."
            comment = comments.get(str(subject))
            blocks.append(comment + "\n" + block if comment else block)
        roots = [b for b in self.subjects if isinstance(b, self.BNode) and self.refs.get(b, 0) == 0 and b not in self.labels]
        blocks += sorted(self.term(b, "") + " ." for b in roots)
        labelled = sorted((b for b in self.labels if b in self.subjects), key=lambda b: self.labels[b])
        blocks += ["_:" + self.labels[b] + " " + self.predicate_lines(b, INDENT) + " ." for b in labelled]
        return blocks


def canonical_turtle(
    graph: "rdflib.Graph",
    prefixes: Mapping[str, str] | None = None,
    *,
    header: str = "",
    comments: Mapping[str, str] | None = None,
) -> str:
    """Write ``graph`` as canonical Turtle.

    ``prefixes`` are the prefixes to declare whether used or not (a file's own declarations);
    ``header`` is a comment block to keep at the top; ``comments`` maps subject IRIs to a
    comment block written above that subject (see :func:`subject_comments`).

    >>> import rdflib
    >>> g = rdflib.Graph().parse(data='<http://e/b> <http://e/p> 1 . <http://e/a> a <http://e/C> .', format="turtle")
    >>> print(canonical_turtle(g, {"ex": "http://e/"}), end="")
    @prefix ex: <http://e/> .
    <BLANKLINE>
    ex:a a ex:C .
    <BLANKLINE>
    ex:b ex:p 1 .
    """
    writer = _Writer(graph, prefixes or {})
    blocks = writer.blocks(comments or {})
    declared = dict(writer.used)
    declared.update(prefixes or {})
    prefix_lines = [f"@prefix {p}: <{ns}> ." for p, ns in sorted(declared.items())]
    sections = []
    if header:
        sections.append(header)
    if prefix_lines:
        sections.append("\n".join(prefix_lines))
    sections.extend(blocks)
    return "\n\n".join(sections) + "\n"


@dataclass(frozen=True)
class FormatResult:
    """Outcome of formatting one file."""

    path: Path
    changed: bool
    written: bool


def parse_turtle_file(path: str | Path) -> "TurtleFile":
    """Read a Turtle file for rewriting; syntax errors are InputErrors with position."""
    import rdflib

    from cstrdf.rdfio import parse_into, read_rdf

    parsed = read_rdf(path, "turtle")
    graph = rdflib.Graph(bind_namespaces="none")
    parse_into(graph, parsed)
    return TurtleFile(
        path=Path(path),
        graph=graph,
        prefixes=dict(parsed.prefixes),
        header=leading_comments(parsed.text),
        comments=subject_comments(parsed.text, parsed.prefixes),
        text=parsed.text,
    )


@dataclass
class TurtleFile:
    """A Turtle file read for rewriting: its graph plus what the canonical form keeps of it."""

    path: Path
    graph: "rdflib.Graph"
    prefixes: dict[str, str]
    header: str
    comments: dict[str, str]
    text: str

    def canonical(self) -> str:
        """The file's canonical text (for the graph as it is now)."""
        return canonical_turtle(self.graph, self.prefixes, header=self.header, comments=self.comments)


def write_atomically(path: str | Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) through a temporary file and ``os.replace``.

    A file that cannot be written (missing folder, read-only place, full disk) is an
    InputError naming it; the temporary file is removed and ``path`` is left as it was.
    """
    path = Path(path)
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is None:  # a new file: the permissions open() would give it (mkstemp uses 0600)
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException as error:
        if temporary is not None and os.path.exists(temporary):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise write_error(path, error) from None
        raise


def write_error(path: str | Path, error: OSError) -> "InputError":
    """``path: cannot write: <reason>; nothing was written`` (exit 3)."""
    from cstrdf.errors import InputError

    if isinstance(error, FileNotFoundError):
        reason = f"no such folder {str(Path(path).parent)!r}"
    else:
        reason = (error.strerror or str(error)).lower()
    return InputError(f"cannot write: {reason}; nothing was written", path=path)


def make_folder(path: str | Path) -> Path:
    """``mkdir -p``; a folder that cannot be made is an InputError naming it."""
    from cstrdf.errors import InputError

    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create the folder: {(error.strerror or str(error)).lower()}", path=path) from None
    return path


def format_file(path: str | Path, *, check: bool = False) -> FormatResult:
    """Rewrite a Turtle file in canonical form (``check``: only tell whether it would change)."""
    turtle = parse_turtle_file(path)
    text = turtle.canonical()
    changed = text != turtle.text
    if changed and not check:
        write_atomically(path, text)
    return FormatResult(path=Path(path), changed=changed, written=changed and not check)
