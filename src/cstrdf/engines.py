"""Run the catalogue on several SPARQL engines and compare each answer with its expectation.

Engines: rdflib and pyoxigraph in-process; Oxigraph server and Virtuoso through the SPARQL 1.1
Protocol (the publication loaded by ``cstrdf load`` into one named graph, queried as the
default graph); Apache Jena ARQ over the N-Triples dump (one JVM per query, or all in one:
:func:`arq_batch`). Used by the cross-engine tests and by ``bench/engines.py``; returns data,
prints nothing.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from cstrdf.catalogue import CatalogueQuery, catalogue, read_expectation
from cstrdf.results import QueryResult, normalized_header, normalized_rows
from cstrdf.sparql import PreparedQuery, _from_rdflib, prepare


@dataclass(frozen=True)
class Verdict:
    """How one engine answered one query."""

    query: str
    engine: str
    ok: bool
    detail: str
    seconds: float


def is_ordered(text: str) -> bool:
    """True when the query ends with an ORDER BY (outside comments)."""
    code = "\n".join("" if line.lstrip().startswith("#") else line for line in text.splitlines())
    return re.search(r"\bORDER\s+BY\b", code[code.rfind("}"):], re.I) is not None


def prepared_for(query: CatalogueQuery) -> PreparedQuery:
    """The query with the parameter values its expectation file names, bound."""
    expected = read_expectation(query.expectation_path)
    return prepare(query.text, params=dict(expected.params), source=str(query.path),
                   allowed_params=[p.name for p in query.params])


def compare(query: CatalogueQuery, result: QueryResult) -> str:
    """'' when ``result`` is exactly the expected answer, else what differs (one line)."""
    expected = read_expectation(query.expectation_path)
    header = normalized_header(result)
    if header != expected.header:
        return f"columns {header} != {expected.header}"
    got = normalized_rows(result)
    missing = Counter(expected.rows) - Counter(got)
    extra = Counter(got) - Counter(expected.rows)
    if missing or extra:
        return f"{sum(missing.values())} rows missing, {sum(extra.values())} extra"
    if result.kind == "select" and is_ordered(query.text) and got != list(expected.rows):
        return "same rows, different order"
    return ""


def projected_variables(text: str) -> tuple[str, ...]:
    """The SELECT's projected variable names, in order (ARQ's rows are name-keyed)."""
    from rdflib.plugins.sparql import prepareQuery

    return tuple(str(v) for v in prepareQuery(text).algebra["PV"])


def arq_runner(dump: Path) -> Callable[[PreparedQuery], QueryResult]:
    """Run prepared queries with Jena ARQ over ``dump`` (a file of the whole publication)."""
    from cstrdf import jena

    def run(prepared: PreparedQuery) -> QueryResult:
        with tempfile.NamedTemporaryFile("w", suffix=".rq", encoding="utf-8", delete=False) as handle:
            handle.write(prepared.text)
        try:
            answer = jena.run_arq([dump], handle.name)
        finally:
            Path(handle.name).unlink()
        if isinstance(answer, bool):
            return QueryResult(kind="ask", boolean=answer)
        if prepared.kind == "select":
            variables = projected_variables(prepared.text)
            return QueryResult(
                kind="select", variables=variables,
                rows=tuple(tuple(_from_rdflib(row.get(v)) for v in variables) for row in answer),
            )
        return QueryResult(kind="construct",
                           triples=tuple(tuple(_from_rdflib(t) for t in triple) for triple in answer))

    return run


def local_runner(engine: str) -> Callable[[PreparedQuery], QueryResult]:
    from cstrdf.sparql import LocalStore

    store = LocalStore(engine)
    return store.query


def endpoint_runner(url: str, graph: str | None) -> Callable[[PreparedQuery], QueryResult]:
    from cstrdf.endpoint import query_endpoint

    return lambda prepared: query_endpoint(url, prepared, default_graph=graph)


def federated(query: CatalogueQuery) -> bool:
    """A question that joins Wikidata through SERVICE: it needs a Wikidata endpoint, so the
    cross-engine runs leave it out (it is tested on its own)."""
    return "SERVICE" in query.text.upper() and "wikidata" in query.text.lower()


def run_catalogue(engine: str, runner: Callable[[PreparedQuery], QueryResult],
                  queries: list[CatalogueQuery] | None = None) -> list[Verdict]:
    """Every (non-federated) catalogue query on one engine, each compared with its expectation."""
    verdicts = []
    for query in queries if queries is not None else catalogue():
        if federated(query):
            continue
        prepared = prepared_for(query)
        started = time.perf_counter()
        try:
            result = runner(prepared)
            detail = compare(query, result)
        except Exception as error:  # noqa: BLE001 - an engine failure is a verdict, not a crash
            detail = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
        verdicts.append(Verdict(query.name, engine, detail == "", detail, time.perf_counter() - started))
    return verdicts


@dataclass(frozen=True)
class ArqAnswer:
    """One query's answer from :func:`arq_batch`: a result, or the error Jena reported."""

    result: QueryResult | None
    error: str
    seconds: float


def arq_batch(dump: Path, prepared: dict[str, PreparedQuery]) -> dict[str, ArqAnswer]:
    """Run every prepared query with Jena ARQ over ``dump`` (a file of the whole publication),
    in one JVM (:func:`cstrdf.jena.run_arq_batch`)."""
    from cstrdf import jena
    from cstrdf.endpoint import _parse_remote

    raw = jena.run_arq_batch(dump, {name: query.text for name, query in prepared.items()})
    answers = {}
    for name, query in prepared.items():
        body, error, seconds = raw[name]
        if error:
            answers[name] = ArqAnswer(None, error, seconds)
            continue
        media_type = "application/n-triples" if query.kind == "construct" else "application/sparql-results+json"
        answers[name] = ArqAnswer(_parse_remote("jena arq", query, body, media_type), "", seconds)
    return answers


def arq_verdicts(dump: Path, queries: list[CatalogueQuery] | None = None) -> list[Verdict]:
    """:func:`run_catalogue` for Jena ARQ, batched in one JVM: one verdict per query."""
    queries = [q for q in (queries if queries is not None else catalogue()) if not federated(q)]
    answers = arq_batch(dump, {q.name: prepared_for(q) for q in queries})
    verdicts = []
    for query in queries:
        answer = answers[query.name]
        detail = answer.error.splitlines()[0] if answer.error else compare(query, answer.result)
        verdicts.append(Verdict(query.name, "jena-arq", detail == "", detail, answer.seconds))
    return verdicts
