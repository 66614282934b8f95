"""Links to Wikidata: read the link records, check them against an endpoint (or the local
snapshot), suggest candidates, refresh the snapshot, count the linkset, and point a federated
query's ``SERVICE`` at any Wikidata mirror.

The link records live in ``data/context/wikidata-links.ttl`` (one ``cst:EntityLink`` per
linkable entity: verified, unverified or no item); the snapshot of the Wikidata facts they rely
on, in Wikidata's own RDF shape, in ``data/context/wikidata.ttl``.

Every question to Wikidata is one SPARQL text, sent in chunks of at most :data:`CHUNK` items
(one ``VALUES`` block each) through SPARQLWrapper with a descriptive User-Agent, retried on
429/503 as ``Retry-After`` asks. Offline, the *same text* runs on a pyoxigraph store holding the
snapshot. Nothing here prints; :mod:`cstrdf.render` does.
"""

from __future__ import annotations

import os
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from cstrdf import __version__
from cstrdf.errors import InputError, RemoteError, UsageError
from cstrdf.namespaces import CST, CSTID, RDFS

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph

#: the public Wikidata Query Service
DEFAULT_ENDPOINT = "https://query.wikidata.org/sparql"
#: environment variable naming another endpoint (a mirror) for every Wikidata question
ENDPOINT_ENV = "CSTRDF_WIKIDATA_ENDPOINT"
#: Wikimedia's User-Agent policy asks for the tool's name, version and a way to reach its maker
USER_AGENT = f"cstrdf/{__version__} (https://w3id.org/cstrdf; linked-data edition of a Jamestown Monitor article) SPARQLWrapper"
#: items per request (one VALUES block)
CHUNK = 100

WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
SKOS_CLOSE_MATCH = "http://www.w3.org/2004/02/skos/core#closeMatch"
LINKS_FILE_NAME = "wikidata-links.ttl"
SNAPSHOT_FILE_NAME = "wikidata.ttl"

STATUS_NAMES = {CST + "verifiedLink": "verified", CST + "unverifiedLink": "unverified", CST + "noItem": "noItem"}
KIND_NAMES = {CST + "sameThing": "sameAs", CST + "closeMatchLink": "closeMatch"}

#: classes whose instances are not entities another graph could hold an item for: the article's
#: own discourse (claims, quotations, justifications, elaborations), n-ary membership nodes
#: (Wikidata holds those as P463 statements, not items), code-list values and address parts.
#: Every other typed resource under cstid: needs exactly one link record.
NOT_LINKABLE = frozenset({
    CST + "Claim", CST + "Quotation", CST + "Justification", CST + "Elaboration",
    CST + "Membership", CST + "EntityLink", CST + "ThreatType", CST + "Mission", CST + "RotationRule",
    "http://www.w3.org/2004/02/skos/core#ConceptScheme",
    "http://schema.org/PostalAddress", "http://schema.org/ContactPoint",
})

#: the Wikidata classes a candidate of each local class should be an instance of (suggest)
CLASS_TYPES: Mapping[str, tuple[str, ...]] = {
    CST + "Person": ("Q5",),
    CST + "State": ("Q6256", "Q3624078"),
    CST + "City": ("Q515", "Q5119"),
    CST + "NewsOrganization": ("Q192283",),
    "http://www.w3.org/ns/org#FormalOrganization": ("Q155271",),
    CST + "Alliance": ("Q1127126", "Q484652"),
    CST + "InternationalOrganization": ("Q484652", "Q245065"),
    CST + "Treaty": ("Q131569",),
    CST + "Summit": ("Q1072326",),
    CST + "MilitaryExercise": ("Q1151430",),
}

PREFIXES = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
"""


# -- link records ---------------------------------------------------------------------------

@dataclass(frozen=True)
class EntityLink:
    """One link record: the entity, what it links to (if anything) and why."""

    record: str
    entity: str
    entity_label: str
    status: str  # verified | unverified | noItem
    kind: str | None  # sameAs | closeMatch | None
    target: str | None
    expected_label: str | None
    expected_types: tuple[str, ...]
    evidence: str

    @property
    def qid(self) -> str | None:
        return self.target[len(WD):] if self.target and self.target.startswith(WD) else None


def qid_of(iri: str) -> str:
    """``Q42`` for ``http://www.wikidata.org/entity/Q42`` (other IRIs unchanged)."""
    return iri[len(WD):] if iri.startswith(WD) else iri


def default_links_path() -> Path:
    from cstrdf import resources

    return resources.publication_root() / "data" / "context" / LINKS_FILE_NAME


def default_snapshot_path() -> Path:
    from cstrdf import resources

    return resources.publication_root() / "data" / "context" / SNAPSHOT_FILE_NAME


def publication_store(links: str | Path | None = None) -> "pyoxigraph.Store":
    """The publication (ontology, facts, context) with ``links`` instead of the packaged links
    file, and without the snapshot (Wikidata's facts are asked for, never assumed)."""
    from cstrdf import resources
    from cstrdf.publication import load_store

    links_path = Path(links) if links is not None else default_links_path()
    files = [*resources.ontology_files(), *resources.fact_files()]
    files += [f for f in resources.context_files() if f.name not in (LINKS_FILE_NAME, SNAPSHOT_FILE_NAME)]
    if not links_path.is_file():
        raise InputError("no such links file", path=links_path)
    files.append(links_path)
    return load_store(files)


_LINKS_QUERY = f"""
PREFIX cst: <{CST}>
PREFIX rdfs: <{RDFS}>
SELECT ?record ?entity ?entityLabel ?status ?kind ?target ?expectedLabel ?evidence
       (GROUP_CONCAT(DISTINCT STR(?type); separator=" ") AS ?types)
WHERE {{
  ?record a cst:EntityLink ; cst:linkedEntity ?entity ; cst:linkStatus ?status .
  OPTIONAL {{ ?entity rdfs:label ?entityLabel FILTER(LANGMATCHES(LANG(?entityLabel), "en")) }}
  OPTIONAL {{ ?record cst:linkKind ?kind }}
  OPTIONAL {{ ?record cst:linkTarget ?target }}
  OPTIONAL {{ ?record cst:expectedLabel ?expectedLabel }}
  OPTIONAL {{ ?record cst:linkEvidence ?evidence }}
  OPTIONAL {{ ?record cst:expectedType ?type }}
}}
GROUP BY ?record ?entity ?entityLabel ?status ?kind ?target ?expectedLabel ?evidence
ORDER BY ?entity ?record
"""


def read_links(store: "pyoxigraph.Store | None" = None, *, links: str | Path | None = None) -> tuple[EntityLink, ...]:
    """Every link record, sorted by entity.

    >>> links = read_links()
    >>> next(l for l in links if l.entity.endswith("/vladimir-putin")).qid
    'Q7747'
    """
    if store is None:
        store = publication_store(links)
    result = []
    for row in store.query(_LINKS_QUERY, use_default_graph_as_union=True):
        value = lambda name: row[name].value if row[name] is not None else None  # noqa: E731
        result.append(EntityLink(
            record=value("record"), entity=value("entity"), entity_label=value("entityLabel") or "",
            status=STATUS_NAMES.get(value("status"), value("status")),
            kind=KIND_NAMES.get(value("kind"), value("kind")) if value("kind") else None,
            target=value("target"), expected_label=value("expectedLabel"),
            expected_types=tuple(sorted(qid_of(t) for t in (value("types") or "").split())),
            evidence=value("evidence") or "",
        ))
    return tuple(result)


def linkable_entities(store: "pyoxigraph.Store") -> dict[str, tuple[str, ...]]:
    """Typed resources under ``cstid:`` that need a link record, with their classes."""
    query = f"SELECT ?entity ?class WHERE {{ ?entity a ?class FILTER(STRSTARTS(STR(?entity), \"{CSTID}\")) }}"
    classes: dict[str, set[str]] = {}
    for row in store.query(query, use_default_graph_as_union=True):
        classes.setdefault(row["entity"].value, set()).add(row["class"].value)
    return {e: tuple(sorted(c)) for e, c in sorted(classes.items()) if not (c & NOT_LINKABLE)}


# -- linkset counts (for build's VoID description) ------------------------------------------

@dataclass(frozen=True)
class LinksetCounts:
    """Counts of the Wikidata linkset: link triples per predicate, records per status and kind."""

    same_as: int
    close_match: int
    by_status: tuple[tuple[str, int], ...]
    by_kind: tuple[tuple[str, int], ...]

    @property
    def triples(self) -> int:
        return self.same_as + self.close_match

    def as_dict(self) -> dict:
        return {
            "owl:sameAs": self.same_as, "skos:closeMatch": self.close_match,
            "status": dict(self.by_status), "kind": dict(self.by_kind),
        }


_COUNT_QUERY = f"""
PREFIX cst: <{CST}>
SELECT ?what ?name (COUNT(*) AS ?n) WHERE {{
  {{ ?s <{OWL_SAME_AS}> ?o BIND("predicate" AS ?what) BIND("sameAs" AS ?name)
     FILTER(STRSTARTS(STR(?o), "{WD}")) }}
  UNION
  {{ ?s <{SKOS_CLOSE_MATCH}> ?o BIND("predicate" AS ?what) BIND("closeMatch" AS ?name)
     FILTER(STRSTARTS(STR(?o), "{WD}")) }}
  UNION
  {{ ?r a cst:EntityLink ; cst:linkStatus ?status BIND("status" AS ?what) BIND(STR(?status) AS ?name) }}
  UNION
  {{ ?r a cst:EntityLink ; cst:linkKind ?kind BIND("kind" AS ?what) BIND(STR(?kind) AS ?name) }}
}} GROUP BY ?what ?name
"""


def linkset_counts(graph) -> LinksetCounts:
    """Counts for the VoID linkset of ``graph`` (an rdflib Graph/Dataset or a pyoxigraph Store).

    ``same_as``/``close_match`` count the link triples to ``http://www.wikidata.org/entity/``
    (``void:triples`` of one ``void:Linkset`` per ``void:linkPredicate``); ``by_status`` counts
    the link records per status (verified, unverified, noItem), ``by_kind`` per kind.

    >>> from cstrdf.publication import load_store
    >>> counts = linkset_counts(load_store())
    >>> counts.same_as > 0 and dict(counts.by_status)["verified"] == counts.triples
    True
    """
    rows: list[tuple[str, str, int]] = []
    if hasattr(graph, "quads_for_pattern"):  # pyoxigraph
        for row in graph.query(_COUNT_QUERY, use_default_graph_as_union=True):
            rows.append((row["what"].value, row["name"].value, int(row["n"].value)))
    else:  # rdflib
        for what, name, n in graph.query(_COUNT_QUERY):
            rows.append((str(what), str(name), int(n)))
    names = {**STATUS_NAMES, **KIND_NAMES}
    counts = {(what, names.get(name, name)): n for what, name, n in rows}
    statuses = tuple((s, counts.get(("status", s), 0)) for s in ("verified", "unverified", "noItem"))
    kinds = tuple((k, counts.get(("kind", k), 0)) for k in ("sameAs", "closeMatch"))
    return LinksetCounts(
        same_as=counts.get(("predicate", "sameAs"), 0), close_match=counts.get(("predicate", "closeMatch"), 0),
        by_status=statuses, by_kind=kinds,
    )


# -- asking Wikidata (or the snapshot) -----------------------------------------------------------

@dataclass(frozen=True)
class ItemFacts:
    """What the endpoint says about one item."""

    item: str
    labels: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    descriptions: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    type_matches: tuple[str, ...] = ()
    redirects: tuple[str, ...] = ()


def item_query(items: Sequence[str], classes: Sequence[str] = ()) -> str:
    """The one query that asks for the English labels, aliases and descriptions, the ``P31``
    types, redirects (``owl:sameAs``) and the expected ``classes`` each item is an instance of
    (through ``P31/P279*``) of ``items`` (QIDs). Runs unchanged on Wikidata and on the snapshot.
    """
    values = " ".join(f"wd:{_checked_qid(q)}" for q in items)
    class_values = " ".join(f"wd:{_checked_qid(q)}" for q in classes) or "wd:Q5"
    return f"""{PREFIXES}SELECT ?item ?kind ?value WHERE {{
  VALUES ?item {{ {values} }}
  {{ ?item rdfs:label ?value FILTER(LANG(?value) = "en") BIND("label" AS ?kind) }}
  UNION {{ ?item skos:altLabel ?value FILTER(LANG(?value) = "en") BIND("alias" AS ?kind) }}
  UNION {{ ?item schema:description ?value FILTER(LANG(?value) = "en") BIND("description" AS ?kind) }}
  UNION {{ ?item wdt:P31 ?value BIND("type" AS ?kind) }}
  UNION {{ ?item owl:sameAs ?value BIND("redirect" AS ?kind) }}
  UNION {{ VALUES ?value {{ {class_values} }} ?item wdt:P31/wdt:P279* ?value BIND("typeMatch" AS ?kind) }}
}}
"""


_QID = re.compile(r"^Q[1-9][0-9]*$")


def _checked_qid(qid: str) -> str:
    qid = qid_of(qid)
    if not _QID.match(qid):
        raise InputError(f"not a Wikidata item identifier: {qid!r}")
    return qid


def snapshot_store(snapshot: str | Path | None = None) -> "pyoxigraph.Store":
    """A pyoxigraph store holding the snapshot (default ``data/context/wikidata.ttl``)."""
    from cstrdf.publication import load_store

    path = Path(snapshot) if snapshot is not None else default_snapshot_path()
    if not path.is_file():
        raise InputError("no such snapshot file", path=path)
    return load_store([path])


class Source:
    """Where Wikidata's answers come from: an endpoint (through SPARQLWrapper) or a local store."""

    def __init__(self, endpoint: str | None = None, store: "pyoxigraph.Store | None" = None, *,
                 timeout: float = 60.0, retries: int = 3, backoff: float = 1.0, max_wait: float = 120.0) -> None:
        if (endpoint is None) == (store is None):
            raise ValueError("give an endpoint or a store")
        self.endpoint, self.store = endpoint, store
        self.timeout, self.retries, self.backoff, self.max_wait = timeout, retries, backoff, max_wait

    @property
    def name(self) -> str:
        return self.endpoint or "snapshot"

    def select(self, text: str) -> list[dict[str, str]]:
        """Rows of a SELECT as ``{variable: lexical value or IRI}``."""
        if self.store is not None:
            results = self.store.query(text)
            names = [v.value for v in results.variables]
            return [{n: s[n].value for n in names if s[n] is not None} for s in results]
        import json

        body = remote_request(self.endpoint, text, "select", timeout=self.timeout, retries=self.retries,
                              backoff=self.backoff, max_wait=self.max_wait)
        try:
            data = json.loads(body.decode("utf-8"))
            return [{name: cell["value"] for name, cell in binding.items()} for binding in data["results"]["bindings"]]
        except (ValueError, KeyError, TypeError) as error:
            raise RemoteError(f"endpoint {self.endpoint}: the answer is not SPARQL JSON results: {error}") from None

    def construct(self, text: str) -> bytes:
        """A CONSTRUCT's triples as N-Triples bytes."""
        if self.store is not None:
            import pyoxigraph

            return pyoxigraph.serialize(self.store.query(text), format=pyoxigraph.RdfFormat.N_TRIPLES) or b""
        return remote_request(self.endpoint, text, "construct", timeout=self.timeout, retries=self.retries,
                              backoff=self.backoff, max_wait=self.max_wait)


def remote_request(endpoint: str, text: str, kind: str, *, timeout: float = 60.0, retries: int = 3,
                   backoff: float = 1.0, max_wait: float = 120.0) -> bytes:
    """Send one query through SPARQLWrapper (POST, :data:`USER_AGENT`); the raw answer body.

    ``kind`` is ``select`` (JSON results) or ``construct`` (N-Triples). 429 and 503 answers are
    retried up to ``retries`` times, waiting as ``Retry-After`` asks (at most ``max_wait`` s) or
    ``backoff × 2^attempt`` s. Every failure is a RemoteError naming the endpoint.
    """
    import socket
    import urllib.error

    from SPARQLWrapper import JSON, N3, POST, SPARQLWrapper
    from SPARQLWrapper import SPARQLExceptions

    from cstrdf.endpoint import _first_line, _retry_after, _safe_read

    wrapper = SPARQLWrapper(endpoint, agent=USER_AGENT)
    wrapper.setQuery(text)
    wrapper.setMethod(POST)
    if kind == "select":
        wrapper.setReturnFormat(JSON)
    else:
        wrapper.setReturnFormat(N3)
        wrapper.addCustomHttpHeader("Accept", "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8")
    wrapper.setTimeout(int(timeout) if float(timeout).is_integer() else timeout)
    attempt = 0
    while True:
        try:
            response = wrapper.query().response
            return response.read()
        except urllib.error.HTTPError as error:
            if error.code in (429, 503) and attempt < retries:
                wait = _retry_after(error.headers, attempt, backoff)
                if wait > max_wait:
                    raise RemoteError(f"endpoint {endpoint}: HTTP {error.code}, asks to retry after {wait:.0f} s") from None
                time.sleep(wait)
                attempt += 1
                continue
            detail = _first_line(_safe_read(error))
            raise RemoteError(f"endpoint {endpoint}: HTTP {error.code} {error.reason}" + (f": {detail}" if detail else "")) from None
        except SPARQLExceptions.SPARQLWrapperException as error:
            detail = _first_line(getattr(error, "response", None) or "")
            raise RemoteError(f"endpoint {endpoint}: {type(error).__name__}" + (f": {detail}" if detail else "")) from None
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise RemoteError(f"endpoint {endpoint}: no answer within {timeout} s") from None
            raise RemoteError(f"cannot reach endpoint {endpoint}: {getattr(reason, 'strerror', None) or reason}") from None
        except (socket.timeout, TimeoutError):
            raise RemoteError(f"endpoint {endpoint}: no answer within {timeout} s") from None
        except (ConnectionError, OSError) as error:
            raise RemoteError(f"cannot reach endpoint {endpoint}: {error.strerror or error}") from None
        except ValueError as error:
            raise RemoteError(f"endpoint {endpoint}: {error}") from None


def fetch_items(source: Source, items: Iterable[str], classes: Iterable[str] = (), *, chunk: int = CHUNK) -> dict[str, ItemFacts]:
    """What ``source`` says about each QID of ``items``: one query per ``chunk`` items.
    Items the source knows nothing about are absent from the result."""
    wanted = sorted({qid_of(i) for i in items}, key=lambda q: int(q[1:]) if _QID.match(q) else 0)
    class_list = sorted({qid_of(c) for c in classes}, key=lambda q: int(q[1:]))
    found: dict[str, dict[str, set[str]]] = {}
    for start in range(0, len(wanted), chunk):
        for row in source.select(item_query(wanted[start:start + chunk], class_list)):
            qid = qid_of(row["item"])
            found.setdefault(qid, {}).setdefault(row["kind"], set()).add(
                qid_of(row["value"]) if row["kind"] in ("type", "typeMatch", "redirect") else row["value"])
    return {
        qid: ItemFacts(
            item=qid, labels=tuple(sorted(facts.get("label", ()))), aliases=tuple(sorted(facts.get("alias", ()))),
            descriptions=tuple(sorted(facts.get("description", ()))), types=tuple(sorted(facts.get("type", ()))),
            type_matches=tuple(sorted(facts.get("typeMatch", ()))), redirects=tuple(sorted(facts.get("redirect", ()))),
        )
        for qid, facts in found.items()
    }


# -- checking -------------------------------------------------------------------------------

def normalize_label(text: str) -> str:
    """A label for comparison: diacritics, punctuation and case removed, spaces collapsed.

    >>> normalize_label("Chișinău") == normalize_label("Chisinau")
    True
    >>> normalize_label("Washington, D.C.")
    'washington dc'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    kept = "".join(c if (c.isalnum() or c.isspace()) else (" " if c in "-–—/" else "") for c in stripped)
    return " ".join(kept.casefold().split())


@dataclass(frozen=True)
class LinkFinding:
    """One problem (or warning) about one link."""

    entity: str
    entity_label: str
    qid: str
    problem: str  # label | type | redirected | missing | type-unconfirmed | no-expected-type
    detail: str


@dataclass(frozen=True)
class LinkCheckReport:
    """The outcome of ``cstrdf link check``."""

    source: str  # the endpoint URL, or "snapshot"
    snapshot: str | None
    fallback_reason: str | None
    links: int
    checked: int
    counts: tuple[tuple[str, int], ...]
    problems: tuple[LinkFinding, ...]
    warnings: tuple[LinkFinding, ...]
    items: tuple[ItemFacts, ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems


def resolve_endpoint(endpoint: str | None) -> str:
    """``endpoint``, else ``$CSTRDF_WIKIDATA_ENDPOINT``, else the public Wikidata endpoint."""
    return endpoint or os.environ.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT


def check_links(
    links: str | Path | None = None,
    *,
    endpoint: str | None = None,
    offline: bool = False,
    fallback: bool = True,
    snapshot: str | Path | None = None,
    timeout: float = 60.0,
    chunk: int = CHUNK,
) -> LinkCheckReport:
    """Check every verified link against Wikidata (or the snapshot).

    For each target: its English label must match the expected label or an alias (compared by
    :func:`normalize_label`); it must be an instance (``P31/P279*``) of one of the expected
    types; it must not be a redirect or missing. ``offline`` answers from the snapshot; when the
    endpoint fails and ``fallback`` is set, the snapshot answers and ``fallback_reason`` says why.
    Without ``fallback`` an endpoint failure raises RemoteError.

    >>> report = check_links(offline=True)
    >>> report.ok, report.source
    (True, 'snapshot')
    """
    records = read_links(links=links)
    targets = [l for l in records if l.target]
    classes = sorted({t for l in targets for t in l.expected_types})
    items = [l.qid or l.target for l in targets]
    snapshot_name = str(snapshot or default_snapshot_path())
    reason = None
    if offline:
        source = Source(store=snapshot_store(snapshot))
        answers = fetch_items(source, items, classes, chunk=chunk)
    else:
        source = Source(endpoint=resolve_endpoint(endpoint), timeout=timeout)
        try:
            answers = fetch_items(source, items, classes, chunk=chunk)
        except RemoteError as error:
            if not fallback:
                raise
            reason = str(error)
            source = Source(store=snapshot_store(snapshot))
            answers = fetch_items(source, items, classes, chunk=chunk)
    problems, warnings = [], []
    for link in targets:
        qid = link.qid or link.target
        facts = answers.get(qid)
        finding = lambda problem, detail: LinkFinding(link.entity, link.entity_label, qid, problem, detail)  # noqa: E731
        if facts is None:
            problems.append(finding("missing", f"{qid} is not in {source.name}: deleted, or never existed"))
            continue
        if facts.redirects:
            problems.append(finding("redirected", f"{qid} redirects to {', '.join(facts.redirects)}"))
        names = facts.labels + facts.aliases
        if link.expected_label is not None:
            if not facts.labels:
                problems.append(finding("label", f"{qid} has no English label (expected {link.expected_label!r})"))
            elif normalize_label(link.expected_label) not in {normalize_label(n) for n in names}:
                problems.append(finding(
                    "label", f"{qid} is labelled {' / '.join(repr(l) for l in facts.labels)}, expected {link.expected_label!r}"
                    + (f" (aliases: {', '.join(facts.aliases)})" if facts.aliases else "")))
        if not link.expected_types:
            warnings.append(finding("no-expected-type", "the link record names no expected type: type not checked"))
        elif not facts.types:
            warnings.append(finding("type-unconfirmed", f"{source.name} gives no P31 for {qid}: type not confirmed"))
        elif not set(link.expected_types) & set(facts.type_matches):
            problems.append(finding(
                "type", f"{qid} is an instance of {', '.join(facts.types)}, expected one of {', '.join(link.expected_types)}"))
    statuses: dict[str, int] = {}
    for link in records:
        statuses[link.status] = statuses.get(link.status, 0) + 1
    return LinkCheckReport(
        source=source.name, snapshot=snapshot_name if source.store is not None else None,
        fallback_reason=reason, links=len(records), checked=len(targets),
        counts=tuple(sorted(statuses.items())), problems=tuple(problems), warnings=tuple(warnings),
        items=tuple(answers[q] for q in sorted(answers)),
    )


# -- suggesting -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    qid: str
    label: str
    matched: str  # label | alias
    types: tuple[str, ...]
    type_fit: bool
    score: int


@dataclass(frozen=True)
class Suggestion:
    entity: str
    entity_label: str
    status: str  # unverified | unlinked
    names: tuple[str, ...]
    expected_types: tuple[str, ...]
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class SuggestReport:
    source: str
    fallback_reason: str | None
    suggestions: tuple[Suggestion, ...]


def name_variants(label: str, alt_labels: Iterable[str] = ()) -> tuple[str, ...]:
    """Names to look up for an entity: its labels, without a parenthesis, and the parenthesis.

    >>> name_variants("Commonwealth of Independent States (CIS)")
    ('CIS', 'Commonwealth of Independent States', 'Commonwealth of Independent States (CIS)')
    """
    names = set()
    for name in [label, *alt_labels]:
        name = name.strip()
        if not name:
            continue
        names.add(name)
        if name.lower().startswith("the "):
            names.add(name[4:])
        match = re.match(r"^(.*?)\s*\(([^()]*)\)\s*$", name)
        if match:
            names.update(n for n in (match.group(1).strip(), match.group(2).strip()) if n)
    return tuple(sorted(names))


def candidate_query(names: Sequence[str]) -> str:
    """Items whose English label or alias is one of ``names`` (exact, case as given)."""
    from cstrdf.results import escape_string

    values = " ".join(f"\"{escape_string(n)}\"@en" for n in names)
    return f"""{PREFIXES}SELECT ?name ?candidate ?kind ?label ?type WHERE {{
  VALUES ?name {{ {values} }}
  {{ ?candidate rdfs:label ?name BIND("label" AS ?kind) }} UNION {{ ?candidate skos:altLabel ?name BIND("alias" AS ?kind) }}
  OPTIONAL {{ ?candidate rdfs:label ?label FILTER(LANG(?label) = "en") }}
  OPTIONAL {{ ?candidate wdt:P31 ?type }}
}}
"""


def suggest_links(
    links: str | Path | None = None,
    *,
    endpoint: str | None = None,
    offline: bool = False,
    fallback: bool = True,
    snapshot: str | Path | None = None,
    timeout: float = 60.0,
    limit: int = 5,
) -> SuggestReport:
    """Candidates for every entity whose link is unverified or missing, ranked by name match
    (label 2, alias 1) and type fit (+1). Prints nothing and writes nothing: a person decides.
    """
    store = publication_store(links)
    records = read_links(store)
    by_entity = {l.entity: l for l in records}
    wanted = []
    for entity, classes in linkable_entities(store).items():
        link = by_entity.get(entity)
        if link is not None and link.status != "unverified":
            continue
        labels = [r["label"].value for r in store.query(
            f"SELECT ?label WHERE {{ {{ <{entity}> <{RDFS}label> ?label }} UNION "
            f"{{ <{entity}> <http://www.w3.org/2004/02/skos/core#altLabel> ?label }} }}", use_default_graph_as_union=True)]
        expected = tuple(sorted({t for c in classes for t in CLASS_TYPES.get(c, ())}))
        label = link.entity_label if link else (labels[0] if labels else entity)
        wanted.append((entity, label, "unverified" if link else "unlinked", name_variants(label, labels), expected))
    reason = None
    source = Source(store=snapshot_store(snapshot)) if offline else Source(endpoint=resolve_endpoint(endpoint), timeout=timeout)
    all_names = sorted({n for w in wanted for n in w[3]})
    try:
        rows = _candidate_rows(source, all_names)
    except RemoteError as error:
        if offline or not fallback:
            raise
        reason = str(error)
        source = Source(store=snapshot_store(snapshot))
        rows = _candidate_rows(source, all_names)
    suggestions = []
    for entity, label, status, names, expected in wanted:
        found: dict[str, dict] = {}
        for row in rows:
            if row["name"] not in names:
                continue
            qid = qid_of(row["candidate"])
            entry = found.setdefault(qid, {"label": row.get("label", ""), "matched": set(), "types": set()})
            entry["matched"].add(row["kind"])
            if "type" in row:
                entry["types"].add(qid_of(row["type"]))
        candidates = []
        for qid, entry in found.items():
            matched = "label" if "label" in entry["matched"] else "alias"
            fit = bool(set(expected) & entry["types"])
            candidates.append(Candidate(qid, entry["label"], matched, tuple(sorted(entry["types"])), fit,
                                        (2 if matched == "label" else 1) + (1 if fit else 0)))
        candidates.sort(key=lambda c: (-c.score, int(c.qid[1:]) if _QID.match(c.qid) else 0))
        suggestions.append(Suggestion(entity, label, status, names, expected, tuple(candidates[:limit])))
    return SuggestReport(source=source.name, fallback_reason=reason, suggestions=tuple(suggestions))


def _candidate_rows(source: Source, names: Sequence[str], chunk: int = CHUNK) -> list[dict[str, str]]:
    rows = []
    for start in range(0, len(names), chunk):
        rows.extend(source.select(candidate_query(names[start:start + chunk])))
    return rows


# -- refreshing the snapshot ----------------------------------------------------------------

#: the statements the federated catalogue queries need, besides each item's label and types
FEDERATION_NEEDS = """
  {{ VALUES ?item {{ {members} }} ?item p:P35 ?st . ?st ?sp ?so . FILTER(?sp IN (ps:P35, pq:P580, pq:P582, rdf:type))
     BIND(p:P35 AS ?prop) }}
  UNION {{ ?item p:P463 ?st . ?st ps:P463 wd:Q7779 . ?st ?sp ?so . FILTER(?sp IN (ps:P463, pq:P580, pq:P582, rdf:type))
     BIND(p:P463 AS ?prop) }}
  UNION {{ VALUES ?item {{ wd:Q318693 }} ?item p:P571 ?st . ?st ?sp ?so . FILTER(?sp IN (ps:P571, rdf:type))
     BIND(p:P571 AS ?prop) }}
"""

#: the six member states of May 2002 (the article's CST members)
MEMBER_STATES = ("Q399", "Q184", "Q232", "Q813", "Q159", "Q863")


def refresh_query(items: Sequence[str], endpoint: str, *, federation: bool = True) -> str:
    """A CONSTRUCT for the snapshot: labels, aliases, descriptions, P31 and redirects of
    ``items``, and the statements of :data:`FEDERATION_NEEDS`, each statement node marked as
    derived from ``endpoint``."""
    from cstrdf.sparql import _checked_iri

    source = _checked_iri(endpoint, endpoint)
    values = " ".join(f"wd:{_checked_qid(q)}" for q in items)
    members = " ".join(f"wd:{q}" for q in MEMBER_STATES)
    needs = "UNION " + FEDERATION_NEEDS.format(members=members) if federation else ""
    return f"""{PREFIXES}PREFIX p: <http://www.wikidata.org/prop/>
PREFIX ps: <http://www.wikidata.org/prop/statement/>
PREFIX pq: <http://www.wikidata.org/prop/qualifier/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX wikibase: <http://wikiba.se/ontology#>
CONSTRUCT {{
  ?item ?p ?o .
  ?item ?prop ?st . ?st ?sp ?so . ?st prov:wasDerivedFrom <{source}> .
}} WHERE {{
  {{ VALUES ?item {{ {values} }}
     {{ ?item ?p ?o FILTER(?p IN (rdfs:label, skos:altLabel, schema:description) && LANG(?o) = "en") }}
     UNION {{ ?item ?p ?o FILTER(?p IN (wdt:P31, wdt:P571)) }}
     UNION {{ ?item owl:sameAs ?o BIND(owl:sameAs AS ?p) }}
     UNION {{ ?item a wikibase:Item BIND(rdf:type AS ?p) BIND(wikibase:Item AS ?o) }} }}
  {needs}
}}
"""


@dataclass(frozen=True)
class RefreshReport:
    endpoint: str
    out: Path
    items: int
    triples: int
    changed: bool


def refresh_snapshot(
    out: str | Path | None = None,
    *,
    endpoint: str | None = None,
    links: str | Path | None = None,
    timeout: float = 120.0,
    chunk: int = CHUNK,
) -> RefreshReport:
    """Regenerate the snapshot from ``endpoint``: deterministic canonical Turtle, written
    atomically (the old file stays if anything fails)."""
    import rdflib

    from cstrdf.canonical import canonical_turtle, write_atomically

    endpoint = resolve_endpoint(endpoint)
    out = Path(out) if out is not None else default_snapshot_path()
    records = read_links(links=links)
    wanted = {l.qid for l in records if l.qid} | {t for l in records for t in l.expected_types}
    wanted |= set(MEMBER_STATES) | {"Q7779", "Q318693"}
    items = sorted(wanted, key=lambda q: int(q[1:]))
    source = Source(endpoint=endpoint, timeout=timeout)
    graph = rdflib.Graph(bind_namespaces="none")
    for start in range(0, len(items), chunk):
        data = source.construct(refresh_query(items[start:start + chunk], endpoint))
        try:
            graph.parse(data=data.decode("utf-8"), format="nt")
        except Exception as error:  # rdflib raises several kinds
            raise RemoteError(f"endpoint {endpoint}: cannot read the N-Triples it sent: {error}") from None
    # labels of the values the statements point to (heads of state, CIS members)
    mentioned = {str(n) for s, _, o in graph for n in (s, o) if str(n).startswith(WD)}
    extra = sorted({qid_of(n) for n in mentioned} - set(items),
                   key=lambda q: int(q[1:]) if _QID.match(qid_of(q)) else 0)
    extra = [q for q in extra if _QID.match(q)]
    for start in range(0, len(extra), chunk):
        data = source.construct(refresh_query(extra[start:start + chunk], endpoint, federation=False))
        graph.parse(data=data.decode("utf-8"), format="nt")
    header = (
        f"# A snapshot of the Wikidata facts the publication relies on, in Wikidata's own RDF shape,\n"
        f"# generated by `cstrdf link refresh` from {endpoint}: every statement node cites that\n"
        f"# endpoint with prov:wasDerivedFrom. Context, not the article."
    )
    prefixes = {
        "p": "http://www.wikidata.org/prop/", "pq": "http://www.wikidata.org/prop/qualifier/",
        "prov": "http://www.w3.org/ns/prov#", "ps": "http://www.wikidata.org/prop/statement/",
        "rdfs": RDFS, "schema": "http://schema.org/", "skos": "http://www.w3.org/2004/02/skos/core#",
        "wd": WD, "wdt": WDT, "wikibase": "http://wikiba.se/ontology#", "xsd": "http://www.w3.org/2001/XMLSchema#",
    }
    used = {k: v for k, v in prefixes.items() if any(str(t).startswith(v) for triple in graph for t in triple)}
    text = canonical_turtle(graph, used, header=header)
    previous = out.read_text(encoding="utf-8") if out.is_file() else None
    if text != previous:
        write_atomically(out, text)
    return RefreshReport(endpoint=endpoint, out=out, items=len(items) + len(extra), triples=len(graph),
                         changed=text != previous)


# -- federation -----------------------------------------------------------------------------

def rewrite_service(query_text: str, endpoint: str | None, *, service: str = DEFAULT_ENDPOINT) -> str:
    """``query_text`` with every ``SERVICE <service>`` (also ``SERVICE SILENT``) pointing at
    ``endpoint`` instead; with ``endpoint`` None, the text unchanged.

    The text is scanned token by token: strings, comments and other IRIs are left alone, so the
    IRI in a literal or a comment is never touched, and only an IRI that follows the keyword
    SERVICE is replaced. Raises UsageError for an endpoint that is not an absolute IRI.

    >>> q = 'SELECT * { SERVICE <https://query.wikidata.org/sparql> { ?s ?p "https://query.wikidata.org/sparql" } }'
    >>> rewrite_service(q, "http://127.0.0.1:7878/query")
    'SELECT * { SERVICE <http://127.0.0.1:7878/query> { ?s ?p "https://query.wikidata.org/sparql" } }'
    """
    if endpoint is None:
        return query_text
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", endpoint) or re.search(r'[\x00-\x20<>"{}|^`\\]', endpoint):
        raise UsageError(f"--wikidata-endpoint {endpoint!r} is not an absolute IRI")
    out: list[str] = []
    i, n = 0, len(query_text)
    last_words: list[str] = []  # the last keyword-ish tokens seen outside strings and comments
    while i < n:
        ch = query_text[i]
        if ch == "#":
            j = query_text.find("\n", i)
            j = n if j < 0 else j
            out.append(query_text[i:j])
            i = j
            continue
        if ch in "\"'":
            j = _string_end(query_text, i)
            out.append(query_text[i:j])
            last_words.append("")
            i = j
            continue
        if ch == "<":
            j = _iri_end(query_text, i)
            if j is not None:
                iri = query_text[i + 1:j - 1]
                follows_service = bool(last_words) and (
                    last_words[-1] == "SERVICE" or (last_words[-1] == "SILENT" and len(last_words) > 1 and last_words[-2] == "SERVICE"))
                out.append(f"<{endpoint}>" if iri == service and follows_service else query_text[i:j])
                last_words.append("")
                i = j
                continue
        if ch.isalpha():
            j = i
            while j < n and (query_text[j].isalnum() or query_text[j] in "_-:"):
                j += 1
            word = query_text[i:j]
            last_words.append(word.upper())
            out.append(word)
            i = j
            continue
        if not ch.isspace():
            last_words.append("")
        out.append(ch)
        i += 1
    return "".join(out)


def _string_end(text: str, start: int) -> int:
    """The index after the string literal starting at ``start`` (short or long form)."""
    quote = text[start]
    long_quote = quote * 3
    if text.startswith(long_quote, start):
        end = start + 3
        while end < len(text):
            if text[end] == "\\":
                end += 2
                continue
            if text.startswith(long_quote, end):
                return end + 3
            end += 1
        return len(text)
    end = start + 1
    while end < len(text):
        if text[end] == "\\":
            end += 2
            continue
        if text[end] == quote or text[end] == "\n":
            return end + 1
        end += 1
    return len(text)


def _iri_end(text: str, start: int) -> int | None:
    """The index after ``<…>`` when an IRI reference starts at ``start`` (not a ``<`` operator)."""
    match = re.compile(r'<([^\x00-\x20<>"{}|^`\\]*)>').match(text, start)
    return match.end() if match else None


def is_federated(query_text: str, service: str = DEFAULT_ENDPOINT) -> bool:
    """True when the query has ``SERVICE <service>`` (outside strings and comments)."""
    marker = "http://cstrdf.invalid/service-marker"
    return marker in rewrite_service(query_text, marker, service=service)
