"""The query catalogue: ``queries/*.rq``, their headers and their expectation files.

Every catalogue file starts with a header of comment lines::

    # title:    Members of the CST at the Moscow summit
    # question: Which states were members of the Collective Security Treaty at the Moscow summit of May 2002?
    # returns:  one row per member state: ?state ?stateName, ordered by ?stateName
    # params:   none

``returns`` names the result columns in order (for a SELECT), or starts with ``boolean:``
(ASK) or ``graph:`` (CONSTRUCT/DESCRIBE). ``params`` is ``none`` or ``;``-separated items
``name (description)``; each name is a variable of the query that ``--param name=value`` binds.

Each query ``queries/NAME.rq`` has the expectation file ``queries/expected/NAME.tsv``: a
tab-separated table whose first line is the header (``?var`` names in the query's order;
``boolean`` for ASK; ``?subject ?predicate ?object`` for CONSTRUCT) and whose other lines are the
expected rows, cells written as :func:`cstrdf.results.normalize_term` writes them. Lines starting
with ``#`` before the header are comments; ``# params: name=value`` lines give the parameter
values the expectation was written for. Rows are compared as a multiset; when the query has an
ORDER BY, their order is compared too.
"""

from __future__ import annotations

import re
from pathlib import Path

from cstrdf.errors import InputError, UsageError
from cstrdf.record import Record

HEADER_FIELDS = ("title", "question", "returns", "params")
_HEADER_LINE = re.compile(r"^#\s*(title|question|returns|params)\s*:\s*(.*?)\s*$")
_VARIABLE = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")
_NAME_PREFIX = re.compile(r"^q\d+-")


class QueryParameter(Record):
    """A parameter a catalogue query takes: the variable it binds and what it expects."""

    _fields = ("name", "description")
    name: str
    description: str

    def __init__(self, name: str, description: str) -> None:
        self._set(name=name, description=description)


class CatalogueQuery(Record):
    """One ``.rq`` file of the catalogue with its parsed header."""

    _fields = ("name", "path", "title", "question", "returns", "params", "text")
    name: str
    path: Path
    title: str
    question: str
    returns: str
    params: tuple[QueryParameter, ...]
    text: str

    def __init__(self, name: str, path: Path, title: str, question: str, returns: str,
                 params: tuple[QueryParameter, ...], text: str) -> None:
        self._set(name=name, path=path, title=title, question=question, returns=returns, params=params, text=text)

    @property
    def result_kind(self) -> str:
        """``select``, ``ask`` or ``construct``, as the ``returns`` header says."""
        head = self.returns.split(":", 1)[0].strip().lower()
        if head == "boolean":
            return "ask"
        if head == "graph":
            return "construct"
        return "select"

    @property
    def columns(self) -> tuple[str, ...]:
        """The result variables the header promises, in order (SELECT only)."""
        if self.result_kind != "select":
            return ()
        listed = self.returns.split(":", 1)[-1]
        listed = re.split(r",\s*ordered by", listed, maxsplit=1)[0]
        return tuple(_VARIABLE.findall(listed))

    @property
    def expectation_path(self) -> Path:
        """``queries/expected/NAME.tsv``."""
        return self.path.parent / "expected" / f"{self.name}.tsv"

    def summary(self) -> dict[str, object]:
        """Name, title, question, returns and parameter names, for listings."""
        return {
            "name": self.name,
            "title": self.title,
            "question": self.question,
            "returns": self.returns,
            "params": [p.name for p in self.params],
            "file": self.path.name,
        }


def parse_header(text: str, path: str | Path) -> dict[str, str]:
    """The header fields of a query text (the leading comment block). Missing fields are absent."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _HEADER_LINE.match(stripped)
        if match and match.group(1) not in fields:
            fields[match.group(1)] = match.group(2)
    return fields


def parse_params(value: str) -> tuple[QueryParameter, ...]:
    """``none`` → (); ``resource (IRI, e.g. …); other (…)`` → the parameters."""
    if not value or value.strip().lower() == "none":
        return ()
    params = []
    for item in _split_top_level(value):
        match = re.match(r"\s*[?$]?([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$", item, re.S)
        if not match:
            raise ValueError(f"cannot read parameter {item.strip()!r}")
        params.append(QueryParameter(match.group(1), (match.group(2) or "").strip()))
    return tuple(params)


def _split_top_level(value: str) -> list[str]:
    items, depth, current = [], 0, []
    for ch in value:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == ";" and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return [item for item in items if item.strip()]


def load_query(path: str | Path) -> CatalogueQuery:
    """Read one catalogue file; a missing header field is an InputError naming the file."""
    from cstrdf.rdfio import read_text

    path = Path(path)
    text = read_text(path)
    fields = parse_header(text, path)
    missing = [f for f in HEADER_FIELDS if f not in fields]
    if missing:
        raise InputError(f"query header lacks: {', '.join('# ' + m + ':' for m in missing)}", path=path, line=1)
    try:
        params = parse_params(fields["params"])
    except ValueError as error:
        raise InputError(f"# params: {error}", path=path) from None
    return CatalogueQuery(
        name=path.stem,
        path=path,
        title=fields["title"],
        question=fields["question"],
        returns=fields["returns"],
        params=params,
        text=text,
    )


def catalogue(folder: str | Path | None = None) -> list[CatalogueQuery]:
    """Every catalogue query, sorted by name (default folder: the publication's ``queries/``).

    >>> [q.name for q in catalogue()][:1]
    ['q01-members-at-moscow-summit']
    """
    if folder is None:
        from cstrdf.resources import query_files

        paths = query_files()
    else:
        paths = sorted(p for p in Path(folder).glob("*.rq") if p.is_file())
    return [load_query(p) for p in paths]


def _aliases(query: CatalogueQuery) -> set[str]:
    short = _NAME_PREFIX.sub("", query.name)
    number = query.name.split("-", 1)[0]
    return {query.name, query.path.name, short, number}


def find_query(name: str, folder: str | Path | None = None) -> CatalogueQuery:
    """The catalogue query called ``name``: its full name (``q07-chairmanship-rotation``), its
    file name, its number (``q07``) or its name without the number (``chairmanship-rotation``).

    An unknown name raises UsageError with the closest names.

    >>> find_query("q07").name
    'q07-chairmanship-rotation'
    """
    queries = catalogue(folder)
    key = name.strip()
    matches = [q for q in queries if key in _aliases(q)]
    if len(matches) == 1:
        return matches[0]
    if not matches and re.fullmatch(r"q?\d+", key):
        wanted = int(key.lstrip("q"))
        matches = [q for q in queries if re.match(rf"q0*{wanted}-", q.name)]
        if len(matches) == 1:
            return matches[0]
    names = [q.name for q in queries]
    if matches:
        raise UsageError(f"query name {name!r} is ambiguous: {', '.join(q.name for q in matches)}")
    import difflib  # only for a name that is not found

    candidates = {alias: q.name for q in queries for alias in _aliases(q)}
    close = difflib.get_close_matches(key, list(candidates), n=5, cutoff=0.5)
    suggestions = list(dict.fromkeys(candidates[c] for c in close))
    if not suggestions:
        suggestions = [n for n in names if key.lower() in n.lower()][:5]
    hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
    raise UsageError(f"no catalogue query named {name!r}{hint} ('cstrdf queries' lists them)")


# -- expectation files ------------------------------------------------------------------------

class Expectation(Record):
    """The expected answer to a catalogue query: header, rows, and the parameters used."""

    _fields = ("path", "header", "rows", "params")
    path: Path
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    params: tuple[tuple[str, str], ...]

    def __init__(self, path: Path, header: tuple[str, ...], rows: tuple[tuple[str, ...], ...],
                 params: tuple[tuple[str, str], ...] = ()) -> None:
        self._set(path=path, header=header, rows=rows, params=params)


def read_expectation(path: str | Path) -> Expectation:
    """Read an expectation file (see the module docstring for its format)."""
    from cstrdf.rdfio import read_text

    path = Path(path)
    text = read_text(path)
    params: list[tuple[str, str]] = []
    header: tuple[str, ...] | None = None
    rows: list[tuple[str, ...]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if line == "" and number == len(text.split("\n")):
            break
        if header is None:
            if line.startswith("#"):
                match = re.match(r"^#\s*params:\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line)
                if match:
                    params.append((match.group(1), match.group(2)))
                continue
            header = tuple(line.split("\t"))
            continue
        cells = tuple(line.split("\t"))
        if len(cells) != len(header):
            raise InputError(
                f"{len(cells)} cells, the header has {len(header)}", path=path, line=number
            )
        rows.append(cells)
    if header is None:
        raise InputError("no header line", path=path)
    return Expectation(path=path, header=header, rows=tuple(rows), params=tuple(params))
