"""Does a SPARQL query call another service? The check ``cstrdf serve`` makes before it lets a
query reach its Oxigraph backend, which would otherwise fetch from any host a caller names
(``SERVICE <http://…>``): a public endpoint must not make requests for its clients.

The check reads the query as SPARQL's lexer does, not as text: strings, IRIs, comments,
variables and escapes are set aside first, so ``"SERVICE"``, ``<http://x/SERVICE>``,
``# SERVICE`` and ``?service`` do not trip it, while ``SERVICE``, ``service``, ``SERVICE SILENT``
and ``SERVICE ?where`` do wherever they stand (subqueries, OPTIONAL, UNION, EXISTS). It errs on
the side of refusing: Oxigraph reads a keyword without looking at what follows it
(``SERVICE:x``, ``SERVICEex:x`` and ``SERVICESILENT<…>`` are SERVICE calls to Oxigraph), so any
bare word holding ``service`` counts; only the local part of a prefixed name
(``schema:Service``, ``ex:my-service``) is a name. A full SPARQL parser is no alternative:
rdflib's exceeds Python's recursion limit on a query of 100 triple patterns, and any parser
could still read a query differently from Oxigraph.
"""

from __future__ import annotations

import re

#: the tokens whose text is not SPARQL syntax, in the lexer's terms (SPARQL 1.1 section 19.8):
#: comments, the four kinds of string, IRI references, variables; and a backslash escape
#: outside strings (``ex:a\\#b`` is a name, and its ``#`` starts no comment)
_NOT_SYNTAX = re.compile(r"""
      (?P<escape>\\.)
    | \#[^\r\n]*
    | '''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)
    | \"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|\Z)
    | '(?:[^'\\\r\n]|\\.)*'?
    | "(?:[^"\\\r\n]|\\.)*"?
    | <[^<>"{}|^`\\\x00-\x20]*>
    | [?$][\w\u00B7\u0300-\u036F\u203F\u2040]*
""", re.VERBOSE | re.DOTALL)
#: a run of the characters a prefixed name is made of (PN_CHARS, the dot inside a local name,
#: the colon, ``%`` of a percent escape); keywords and numbers are runs of them too
_WORD = re.compile(r"[\w\-.:%\u00B7\u0300-\u036F\u203F\u2040]+")
_CODEPOINT_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _syntax_only(query: str) -> str:
    """The query with comments, strings, IRIs and variables blanked out (escapes outside strings
    become a name character, so a prefixed name stays one word)."""
    return _NOT_SYNTAX.sub(lambda m: "_" if m.group("escape") else " ", query)


def _calls_in(syntax: str) -> bool:
    """A word holding ``service`` before any colon: the keyword (or, conservatively, a
    prefix named like it); after a colon it is in the local part of a name."""
    return any("service" in word.group().partition(":")[0].lower() for word in _WORD.finditer(syntax))


def _unescape_codepoints(query: str) -> str:
    r"""``\uXXXX`` and ``\UXXXXXXXX`` replaced by their characters (SPARQL 1.1 section 19.2
    processes them before parsing; Oxigraph 0.5 only inside strings)."""
    def replace(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group(0)

    return _CODEPOINT_ESCAPE.sub(replace, query)


def calls_other_services(query: str) -> bool:
    """True if the query may call another service (SERVICE); when in doubt, True.

    Both readings of codepoint escapes count: as Oxigraph 0.5 reads them and as the
    SPARQL 1.1 specification does.

    >>> calls_other_services("SELECT * WHERE { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }")
    True
    >>> calls_other_services("ASK { { SELECT * WHERE { OPTIONAL { service ?where { ?s ?p ?o } } } } }")
    True
    >>> calls_other_services('SELECT ?service WHERE { ?service a schema:Service ; rdfs:label "SERVICE" } # SERVICE')
    False
    """
    if _calls_in(_syntax_only(query)):
        return True
    unescaped = _unescape_codepoints(query)
    return unescaped != query and _calls_in(_syntax_only(unescaped))
