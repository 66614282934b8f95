"""``cstrdf report``: what a new user wants to see first — the publication built, validated,
and every catalogue question answered."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cstrdf.build import BuildReport
from cstrdf.catalogue import CatalogueQuery
from cstrdf.results import QueryResult
from cstrdf.validate import ValidationReport


@dataclass(frozen=True)
class Answer:
    """One catalogue question and its answer (or why it could not be answered here)."""

    query: CatalogueQuery
    result: QueryResult | None
    skipped: str = ""


@dataclass(frozen=True)
class Report:
    build: BuildReport
    validation: ValidationReport
    answers: tuple[Answer, ...]

    @property
    def ok(self) -> bool:
        return self.validation.conforms


def report(out: str | Path = "dist") -> Report:
    """Build into ``out``, validate, and answer every catalogue question locally (pyoxigraph).

    Federated questions (``SERVICE`` to Wikidata) are listed as skipped: they need a Wikidata
    endpoint (``cstrdf query NAME --wikidata-endpoint URL``).
    """
    from cstrdf.build import build
    from cstrdf.catalogue import catalogue
    from cstrdf.engines import prepared_for
    from cstrdf.sparql import LocalStore
    from cstrdf.validate import validate

    built = build(out)
    validation = validate()
    store = LocalStore("oxigraph")
    answers = []
    for query in catalogue():
        if "SERVICE" in query.text.upper() and "wikidata" in query.text.lower():
            answers.append(Answer(query, None, "federated with Wikidata: run it with --wikidata-endpoint"))
            continue
        answers.append(Answer(query, store.query(prepared_for(query))))
    return Report(built, validation, tuple(answers))
