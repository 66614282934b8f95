"""A synthetic corpus in the publication's own shape, for benchmarks at archive scale.

Each synthetic article is the article's facts with fresh IRIs (``…/id/a00042-<slug>``) and
fresh blank nodes, so it is valid under the shapes exactly when the publication is; its
evidence selectors still point into the same text, so the evidence check holds too. A chosen
fraction of the articles gets one planted fault each, listed in ``manifest.json`` with the
node a validator must report.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from cstrdf.namespaces import CSTID

LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
ATTRIBUTED = "<http://www.w3.org/ns/prov#wasAttributedTo>"
EVIDENCE = "<https://w3id.org/cstrdf/ontology#evidence>"
DEADLINE_DATE = "<https://w3id.org/cstrdf/ontology#deadlineDate>"
STANCE_ON = "<https://w3id.org/cstrdf/ontology#stanceOn>"


@dataclass(frozen=True)
class PlantedFault:
    """One fault planted in one article: the file, the focus node and what was done."""

    file: str
    focus: str
    fault: str
    path: str


@dataclass(frozen=True)
class Corpus:
    """What :func:`generate` wrote."""

    folder: Path
    articles: int
    triples: int
    faults: tuple[PlantedFault, ...]


def _template_lines() -> list[str]:
    """The article's facts as N-Triples lines (no ontology, no context)."""
    from cstrdf.publication import FACTS_GRAPH, load_store

    store = load_store()
    import pyoxigraph

    graph = pyoxigraph.NamedNode(FACTS_GRAPH)
    return sorted(
        f"{q.subject} {q.predicate} {q.object} .\n" for q in store.quads_for_pattern(None, None, None, graph)
    )


_IRI = re.compile(re.escape("<" + CSTID))
_BLANK = re.compile(r"_:([A-Za-z0-9]+)")


def _rename(lines: list[str], tag: str) -> list[str]:
    fresh = "<" + CSTID + tag + "-"
    return [_BLANK.sub(lambda m: f"_:{tag}{m.group(1)}", _IRI.sub(fresh, line)) for line in lines]


def _subjects_with(lines: list[str], predicate: str, value_prefix: str = "") -> list[str]:
    found = []
    for line in lines:
        subject, rest = line.split(" ", 1)
        if rest.startswith(predicate) and subject.startswith("<") and rest[len(predicate) + 1:].startswith(value_prefix):
            found.append(subject)
    return sorted(set(found))


def _plant(lines: list[str], rng: random.Random, file: str) -> tuple[list[str], PlantedFault]:
    """Apply one fault the shapes must catch; return the new lines and what to expect."""
    faults = ["missing-label", "claim-without-attribution", "node-without-evidence", "stance-on-non-proposal"]
    fault = rng.choice(faults)
    if fault == "missing-label":
        focus = rng.choice(_subjects_with(lines, LABEL))
        kept = [l for l in lines if not l.startswith(f"{focus} {LABEL} ")]
        return kept, PlantedFault(file, focus[1:-1], fault, LABEL[1:-1])
    if fault == "claim-without-attribution":
        focus = rng.choice(_subjects_with(lines, ATTRIBUTED))
        kept = [l for l in lines if not l.startswith(f"{focus} {ATTRIBUTED} ")]
        return kept, PlantedFault(file, focus[1:-1], fault, ATTRIBUTED[1:-1])
    if fault == "node-without-evidence":
        focus = rng.choice(_subjects_with(lines, EVIDENCE))
        kept = [l for l in lines if not l.startswith(f"{focus} {EVIDENCE} ")]
        return kept, PlantedFault(file, focus[1:-1], fault, EVIDENCE[1:-1])
    focus = rng.choice(_subjects_with(lines, STANCE_ON))
    # point the stance at a state instead of a proposal
    state = next(l.split(" ", 1)[0] for l in lines if l.rstrip().endswith("<https://w3id.org/cstrdf/ontology#State> ."))
    changed = [
        f"{focus} {STANCE_ON} {state} .\n" if l.startswith(f"{focus} {STANCE_ON} ") else l for l in lines
    ]
    return changed, PlantedFault(file, focus[1:-1], fault, STANCE_ON[1:-1])


def generate(folder: str | Path, triples: int, *, faults: float = 0.05, seed: int = 0) -> Corpus:
    """Write about ``triples`` triples of synthetic articles into ``folder`` (one N-Triples file
    per article, plus ``manifest.json``); a ``faults`` fraction of articles gets one fault.

    >>> import tempfile
    >>> corpus = generate(tempfile.mkdtemp(), 10_000, faults=0.5, seed=1)
    >>> corpus.articles >= 3 and len(corpus.faults) >= 1
    True
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    template = _template_lines()
    articles = max(1, round(triples / len(template)))
    rng = random.Random(seed)
    planted: list[PlantedFault] = []
    total = 0
    width = max(5, len(str(articles)))
    for number in range(1, articles + 1):
        tag = f"a{number:0{width}d}"
        name = f"{tag}.nt"
        lines = _rename(template, tag)
        if rng.random() < faults:
            lines, fault = _plant(lines, rng, name)
            planted.append(fault)
        (folder / name).write_text("".join(lines), encoding="utf-8")
        total += len(lines)
    manifest = {"articles": articles, "triples": total, "seed": seed, "faults": [asdict(f) for f in planted]}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return Corpus(folder, articles, total, tuple(planted))
