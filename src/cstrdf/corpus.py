"""Corpora: a folder of RDF files as input, and a synthetic corpus for archive-scale benchmarks.

:func:`rdf_files` reads a corpus: ``--data DIR`` (validate, query) and ``--source DIR`` (load)
take every RDF file in the folder, so one archive of many articles is one argument.

Like the publication, a corpus carries its ontology (``ontology.nt``: pySHACL only mixes parts of
an ontology given apart into the data, so code-list values would lose their types). It starts
with the publication's facts and context as they are (``a00000.nt``); every
synthetic article after it is the same with fresh IRIs (``…/id/a00042-<slug>``) and fresh blank
nodes, so it is valid under the shapes exactly when the publication is. Its evidence keeps
quoting the original text (``oa:hasSource cstid:monitor-v8-i95``, described in ``a00000.nt``),
so the evidence check and coverage hold too; Wikidata IRIs stay as they are. A chosen fraction
of the synthetic articles gets one planted fault each, listed in ``manifest.json`` with the node
a validator must report and the property at fault.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

from cstrdf.namespaces import CSTID

LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
ATTRIBUTED = "<http://www.w3.org/ns/prov#wasAttributedTo>"
EVIDENCE = "<https://w3id.org/cstrdf/ontology#evidence>"
DEADLINE_DATE = "<https://w3id.org/cstrdf/ontology#deadlineDate>"
STANCE_ON = "<https://w3id.org/cstrdf/ontology#stanceOn>"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
SOURCE = "<http://purl.org/dc/terms/source>"
CST = "https://w3id.org/cstrdf/ontology#"


#: the file extensions a corpus folder is read for (``.json`` is left out: ``manifest.json``)
CORPUS_EXTENSIONS = (".ttl", ".turtle", ".nt", ".nq", ".trig", ".jsonld", ".rdf", ".owl")


def rdf_files(paths: Iterable[str | Path]) -> list[Path]:
    """The files named, with each folder replaced by the RDF files in it (sorted, recursively).

    >>> rdf_files([])
    []
    """
    from cstrdf.errors import InputError

    found: list[Path] = []
    for path in map(Path, paths):
        try:
            folder = path.is_dir()
        except OSError:  # a folder on the way that cannot be searched: reading says why
            folder = False
        if folder:
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in CORPUS_EXTENSIONS)
            if not files:
                raise InputError(f"no RDF files ({', '.join(CORPUS_EXTENSIONS)}) in this folder", path=path)
            found += files
        else:
            found.append(path)
    return found


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


def _lines(files, label: str) -> list[str]:
    """The triples of ``files`` as sorted N-Triples lines, literals as written, blank nodes
    labelled ``<label><n>`` in order of appearance (pyoxigraph's own labels are random; these
    make a seed always write the same corpus, and stay distinct when files are concatenated)."""
    import pyoxigraph

    from cstrdf.publication import read_quads

    labels: dict[str, str] = {}

    def text(term) -> str:
        if isinstance(term, pyoxigraph.BlankNode):
            return "_:" + labels.setdefault(term.value, f"{label}{len(labels)}")
        return str(term)

    lines = set()
    for file in files:
        for quad in read_quads(file, pyoxigraph.DefaultGraph()):
            lines.add(f"{text(quad.subject)} {quad.predicate} {text(quad.object)} .\n")
    return sorted(lines)


def _ontology_lines() -> list[str]:
    from cstrdf import resources

    return _lines(resources.ontology_files(), "o")


def _template_lines() -> list[str]:
    """The article's facts and context (not the ontology)."""
    from cstrdf import resources

    return _lines(resources.fact_files() + resources.context_files(), "b")


_IRI = re.compile(r"<" + re.escape(CSTID) + r"([^>]*)>")
_BLANK = re.compile(r"_:([A-Za-z0-9]+)")
HAS_SOURCE = "<http://www.w3.org/ns/oa#hasSource>"


def _rename(lines: list[str], tag: str) -> list[str]:
    """The lines with fresh IRIs and blank nodes; evidence still quotes the original text
    (``oa:hasSource`` keeps pointing at :data:`~cstrdf.namespaces.SOURCE_TEXT_IRI`)."""
    fresh = f"<{CSTID}{tag}-"
    renamed = []
    for line in lines:
        subject, predicate, rest = line.split(" ", 2)
        if predicate == HAS_SOURCE:
            renamed.append(f"{_BLANK.sub(lambda m: f'_:{tag}{m.group(1)}', subject)} {predicate} {rest}")
        else:
            renamed.append(_BLANK.sub(lambda m: f"_:{tag}{m.group(1)}", _IRI.sub(lambda m: fresh + m.group(1) + ">", line)))
    return renamed


def _subjects_with(lines: list[str], predicate: str, own: str) -> list[str]:
    """Subjects of ``predicate`` among the article's own nodes (IRIs starting with ``own``)."""
    found = set()
    for line in lines:
        subject, rest = line.split(" ", 1)
        if rest.startswith(predicate + " ") and subject.startswith(own):
            found.add(subject)
    return sorted(found)


def _drawn_from_text(lines: list[str], own: str) -> set[str]:
    """Nodes the shapes require evidence of whatever they hold: instances of a cst: class
    without a dcterms:source (cstsh:TextDerivedNodeShape)."""
    typed = {l.split(" ", 1)[0] for l in lines if l.split(" ", 2)[1] == TYPE and l.split(" ", 2)[2].startswith("<" + CST)}
    sourced = {l.split(" ", 1)[0] for l in lines if l.split(" ", 2)[1] == SOURCE}
    return {node for node in typed - sourced if node.startswith(own)}


#: the kinds of fault, planted in turn
FAULTS = ("missing-label", "claim-without-attribution", "node-without-evidence", "stance-on-non-proposal")


def _plant(lines: list[str], rng: random.Random, file: str, tag: str, fault: str) -> tuple[list[str], PlantedFault]:
    """Apply one fault the shapes must catch; return the new lines and what to expect."""
    own = f"<{CSTID}{tag}-"
    if fault == "stance-on-non-proposal":
        focus = rng.choice(_subjects_with(lines, STANCE_ON, own))
        # point the stance at a state instead of a proposal
        state = next(l.split(" ", 1)[0] for l in lines
                     if l.startswith(own) and l.rstrip().endswith(f" {TYPE} <{CST}State> ."))
        changed = [f"{focus} {STANCE_ON} {state} .\n" if l.startswith(f"{focus} {STANCE_ON} ") else l for l in lines]
        return changed, PlantedFault(file, focus[1:-1], fault, STANCE_ON[1:-1])
    predicate = {"missing-label": LABEL, "claim-without-attribution": ATTRIBUTED, "node-without-evidence": EVIDENCE}[fault]
    candidates = _subjects_with(lines, predicate, own)
    if fault == "node-without-evidence":
        targeted = _drawn_from_text(lines, own)
        candidates = [c for c in candidates if c in targeted]
    focus = rng.choice(candidates)
    kept = [l for l in lines if not l.startswith(f"{focus} {predicate} ")]
    return kept, PlantedFault(file, focus[1:-1], fault, predicate[1:-1])


def generate(folder: str | Path, triples: int, *, faults: float = 0.05, seed: int = 0) -> Corpus:
    """Write about ``triples`` triples of articles into ``folder`` (one N-Triples file per
    article: the publication itself, then synthetic copies; plus ``ontology.nt`` and
    ``manifest.json``); a ``faults`` fraction of the synthetic articles gets one fault each.

    >>> import tempfile
    >>> corpus = generate(tempfile.mkdtemp(), 10_000, faults=1.0, seed=1)
    >>> corpus.articles, len(corpus.faults)
    (2, 1)
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    template = _template_lines()
    articles = max(2, round(triples / len(template)))
    rng = random.Random(seed)
    planted: list[PlantedFault] = []
    width = max(5, len(str(articles)))
    ontology = _ontology_lines()
    (folder / "ontology.nt").write_text("".join(ontology), encoding="utf-8")
    (folder / f"a{0:0{width}d}.nt").write_text("".join(template), encoding="utf-8")
    total = len(ontology) + len(template)
    for number in range(1, articles):
        tag = f"a{number:0{width}d}"
        name = f"{tag}.nt"
        lines = _rename(template, tag)
        if rng.random() < faults:
            lines, fault = _plant(lines, rng, name, tag, FAULTS[len(planted) % len(FAULTS)])
            planted.append(fault)
        (folder / name).write_text("".join(lines), encoding="utf-8")
        total += len(lines)
    manifest = {"articles": articles, "triples": total, "seed": seed, "faults": [asdict(f) for f in planted]}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return Corpus(folder, articles, total, tuple(planted))
