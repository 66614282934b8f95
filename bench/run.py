"""Benchmarks: cstrdf next to its peers, on the article and on corpora up to a million triples.

Run from the repository root (README in this folder):

    .venv/bin/python bench/run.py                   # everything, sizes 10k, 100k, 1M
    .venv/bin/python bench/run.py --sizes 10k,100k  # a shorter run

Every measurement is a whole process (``subprocess``), timed by wall clock, its peak memory read
from the kernel's accounting of that child (``wait4``: ``ru_maxrss``). Single-article commands
run ``--repeat`` times each, interleaved (one round runs every command once, so a slow moment
of the machine hits all of them alike), after one warm-up round; the table gives medians and
ratios from the same run. Corpus steps run once per size (a million triples takes a while).
The results go to docs/benchmarks.md and docs/benchmarks-scaling.png (needs matplotlib: the
``bench`` extra); the raw numbers to bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PYTHON = sys.executable
CSTRDF = str(BIN / "cstrdf")
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "tests"))  # tests/servers.py: private Oxigraph and Virtuoso servers

from cstrdf import resources  # noqa: E402
from cstrdf.catalogue import catalogue, read_expectation  # noqa: E402

SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}
GRAPH = "https://w3id.org/cstrdf/dataset"


# -- running one process ------------------------------------------------------------------------

@dataclass
class Sample:
    seconds: float
    peak_mb: float
    code: int


#: GNU time reports the peak memory of the command alone: a child forked from this (large)
#: Python process would otherwise count the parent's pages it shared before exec
TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None


def _spawn(argv: list[str], stdout, env: dict | None, timeout: float) -> tuple[float, int, float]:
    """Run ``argv``; (wall seconds, exit code, peak MB of the command)."""
    errors = tempfile.TemporaryFile()
    report = tempfile.NamedTemporaryFile(suffix=".time", delete=False)
    report.close()
    wrapped = [TIME, "-f", "%M", "-o", report.name, *argv] if TIME else argv
    start = time.perf_counter()
    # its own process group: a time limit stops the command, not only GNU time around it
    process = subprocess.Popen(wrapped, stdout=stdout, stderr=errors, env=env, cwd=REPO, start_new_session=True)
    timer = threading.Timer(timeout, lambda: os.killpg(process.pid, signal.SIGKILL))
    timer.start()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    timer.cancel()
    process.returncode = code = os.waitstatus_to_exitcode(status)
    peak = usage.ru_maxrss / 1024
    if TIME:
        text = Path(report.name).read_text().strip().splitlines()
        peak = int(text[-1]) / 1024 if text and text[-1].isdigit() else float("nan")
        if text and text[0].startswith("Command exited with non-zero status"):
            code = int(text[0].rsplit(" ", 1)[-1])
    os.unlink(report.name)
    if code not in (0, 1):
        errors.seek(0)
        tail = errors.read().decode("utf-8", "replace").strip().splitlines()[-3:]
        print(f"  ! {' '.join(map(str, argv))[:120]} exited {code}: {' / '.join(tail)}", file=sys.stderr)
    return seconds, code, peak


def run_once(argv: list[str], *, timeout: float = 1800, env: dict | None = None) -> Sample:
    """Run ``argv`` once: wall time and the peak resident memory of the command."""
    seconds, code, peak = _spawn(argv, subprocess.DEVNULL, env, timeout)
    return Sample(seconds, peak, code)


@dataclass
class Row:
    name: str
    group: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def peak_mb(self) -> float:
        return max(s.peak_mb for s in self.samples)


def measure(commands: dict[str, tuple[str, list[str]]], repeat: int) -> dict[str, Row]:
    """Every command ``repeat`` times, interleaved, after one warm-up round; a command whose
    warm-up took over :data:`SLOW` seconds (pySHACL) is timed twice only."""
    rows = {name: Row(name, group) for name, (group, _) in commands.items()}
    slow: set[str] = set()
    for round_number in range(repeat + 1):
        print(f"  round {round_number}/{repeat}" + (" (warm-up)" if round_number == 0 else ""), flush=True)
        for name, (_, argv) in commands.items():
            if round_number > 2 and name in slow:
                continue
            sample = run_once(argv)
            if round_number:
                rows[name].samples.append(sample)
            elif sample.seconds > SLOW:
                slow.add(name)
    return rows


#: seconds: commands slower than this are timed twice, not ``--repeat`` times
SLOW = 5.0


# -- peers ----------------------------------------------------------------------------------------

def jena_command(main_class: str, *args: str) -> list[str]:
    from cstrdf.jena import jena

    return jena().command(main_class, *args)


def as_ntriples(files: list[Path], target: Path) -> Path:
    """One N-Triples file with the triples of ``files`` (for tools that read one data file)."""
    import pyoxigraph

    from cstrdf.publication import load_store

    store = load_store(files)
    target.write_bytes(store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES, from_graph=pyoxigraph.DefaultGraph()))
    return target


def catalogue_queries() -> list[tuple[str, Path, list[str]]]:
    """(name, file, --param arguments) of every local catalogue query (SERVICE ones left out)."""
    import re

    found = []
    for query in catalogue():
        if re.search(r"(?im)^[^#\n]*\bSERVICE\b", query.text):
            continue
        expected = query.path.parent / "expected" / f"{query.name}.tsv"
        params = []
        if expected.is_file():
            for name, value in read_expectation(expected).params:
                params += ["--param", f"{name}={value}"]
        found.append((query.name, query.path, params))
    return found


def bound_query_file(query_path: Path, params: list[str], folder: Path) -> Path:
    """The query with its parameters bound (as cstrdf binds them), for peers without --param."""
    from cstrdf.sparql import prepare

    values = dict(p.split("=", 1) for p in params[1::2])
    if not values:
        return query_path
    target = folder / query_path.name
    target.write_text(prepare(query_path.read_text(encoding="utf-8"), params=values).text, encoding="utf-8")
    return target


# -- single article -------------------------------------------------------------------------------

def single_article(work: Path, repeat: int) -> dict[str, Row]:
    print("single article", flush=True)
    data_files = resources.ontology_files() + resources.fact_files() + resources.context_files()
    data_nt = as_ntriples(data_files, work / "publication.nt")
    shapes_nt = as_ntriples(resources.shape_files(), work / "shapes.nt")
    ontology_nt = as_ntriples(resources.ontology_files(), work / "ontology.nt")
    store = work / "oxigraph-store"
    if store.exists():
        shutil.rmtree(store)
    subprocess.run([str(BIN / "oxigraph"), "load", "--location", str(store), "--file", str(data_nt)],
                   check=True, capture_output=True)
    bound = work / "bound-queries"
    bound.mkdir(exist_ok=True)
    out = work / "dist"
    commands: dict[str, tuple[str, list[str]]] = {
        "python -c pass": ("floor", [PYTHON, "-c", "pass"]),
        "python -c 'import rdflib'": ("floor", [PYTHON, "-c", "import rdflib"]),
        "python -c 'import pyoxigraph'": ("floor", [PYTHON, "-c", "import pyoxigraph"]),
        "python -c 'import rdflib.plugins.sparql'": ("floor", [PYTHON, "-c", "import rdflib.plugins.sparql"]),
        "cstrdf --help": ("cstrdf", [CSTRDF, "--help"]),
        "cstrdf validate": ("cstrdf", [CSTRDF, "validate"]),
        "cstrdf validate --engine pyshacl": ("cstrdf", [CSTRDF, "validate", "--engine", "pyshacl"]),
        "cstrdf build": ("cstrdf", [CSTRDF, "build", "--out", str(out)]),
        "cstrdf report": ("cstrdf", [CSTRDF, "report", "--out", str(out)]),
        "jena shacl.shacl validate": ("peer", jena_command("shacl.shacl", "validate", "--shapes", str(shapes_nt),
                                                           "--data", str(data_nt))),
        "jena riotcmd.riot --validate": ("peer", jena_command("riotcmd.riot", "--validate", *map(str, data_files))),
        "pyshacl (its CLI)": ("peer", [str(BIN / "pyshacl"), "-s", str(shapes_nt), "-e", str(ontology_nt), "-i", "none",
                                       "-a", "-w", str(data_nt)]),
        "rdfpipe (parse + N-Triples)": ("peer", [str(BIN / "rdfpipe"), "-o", "nt", *map(str, data_files)]),
    }
    for name, path, params in catalogue_queries():
        short = name.split("-", 1)[0]
        query_file = bound_query_file(path, params, bound)
        commands[f"cstrdf query {short}"] = ("query", [CSTRDF, "query", name, *params])
        # the first run after a file changes: the inputs' checks are not skipped (cstrdf.checkcache)
        commands[f"cstrdf query, no cache: {short}"] = ("query", ["/usr/bin/env", "CSTRDF_NO_CACHE=1", CSTRDF, "query",
                                                                  name, *params])
        commands[f"jena arq.sparql {short}"] = ("query-peer", jena_command(
            "arq.sparql", *[a for f in data_files for a in ("--data", str(f))], "--query", str(query_file),
            "--results=json"))
        commands[f"oxigraph query {short}"] = ("query-peer", [
            str(BIN / "oxigraph"), "query", "--location", str(store), "--query-file", str(query_file),
            "--results-format", "json"])
    return measure(commands, repeat)


# -- corpora --------------------------------------------------------------------------------------

CHILD_QUERIES = r"""
import json, sys, time
t0 = time.perf_counter()
from cstrdf.sparql import LocalStore, prepare, read_query
engine, folder, names = sys.argv[1], sys.argv[2], sys.argv[3:]
store = LocalStore(engine, [folder])
loaded = time.perf_counter()
rows = 0
for name in names:
    text, source, allowed = read_query(name)
    result = store.query(prepare(text, source=source))
    rows += len(result.rows) if result.kind == "select" else 1
done = time.perf_counter()
print(json.dumps({"load": loaded - t0, "queries": done - loaded, "rows": rows}))
"""


@dataclass
class Step:
    size: str
    triples: int
    step: str
    seconds: float
    peak_mb: float
    note: str = ""


def timed_json(argv: list[str], timeout: float = 3600, env: dict | None = None) -> tuple[Sample, dict | None]:
    """Run once, keeping stdout (a JSON document) as well as time and memory."""
    out = tempfile.TemporaryFile()
    seconds, code, peak = _spawn(argv, out, env, timeout)
    out.seek(0)
    text = out.read().decode("utf-8", "replace")
    try:
        document = json.loads(text) if text.strip() else None
    except ValueError:
        document = None
    return Sample(seconds, peak, code), document


def corpus_steps(work: Path, label: str, size: int, servers, *, rdflib_up_to: int, pyshacl_up_to: int,
                 jena_up_to: int, query_timeout: float = 60) -> tuple[list[Step], dict]:
    from cstrdf.corpus import generate

    print(f"corpus {label}", flush=True)
    folder = work / f"corpus-{label}"
    if folder.exists():
        shutil.rmtree(folder)
    synthetic = max(1, round(size / 4500) - 1)
    started = time.perf_counter()
    corpus = generate(folder, size, faults=min(1.0, 4 / synthetic), seed=8)
    generated = time.perf_counter() - started
    triples = corpus.triples
    steps: list[Step] = [Step(label, triples, "generate (corpus.generate)", generated, 0.0)]
    facts = {"articles": corpus.articles, "triples": triples, "faults": len(corpus.faults)}

    def add(step: str, sample: Sample, note: str = "") -> None:
        steps.append(Step(label, triples, step, sample.seconds, sample.peak_mb, note))
        print(f"  {step}: {sample.seconds:.2f} s, {sample.peak_mb:.0f} MB {note}", flush=True)

    # validation: cstrdf (fast engine), pySHACL reference (small sizes), Jena SHACL
    sample, report = timed_json([CSTRDF, "validate", "--data", str(folder), "--format", "json"])
    violations = {(r["focus"], r["path"]) for r in (report or {}).get("results", []) if r["severity"] == "Violation"}
    found = sum((f.focus, f.path) in violations for f in corpus.faults)
    facts["faults found"] = found
    add("validate: cstrdf (fast engine)", sample, f"{found}/{len(corpus.faults)} planted faults found")
    if size <= pyshacl_up_to:
        sample, report = timed_json([CSTRDF, "validate", "--engine", "pyshacl", "--data", str(folder), "--format", "json"])
        add("validate: cstrdf --engine pyshacl", sample)
    merged = folder.parent / f"corpus-{label}.nt"
    with merged.open("wb") as target:
        for file in sorted(folder.glob("*.nt")):
            target.write(file.read_bytes())
    if size <= jena_up_to:
        shapes_nt = work / "shapes.nt"
        add("validate: Jena shacl.shacl", run_once(jena_command("shacl.shacl", "validate", "--shapes", str(shapes_nt),
                                                                 "--data", str(merged))))
    # the catalogue queries: one process loads the corpus and runs them all
    names = [name for name, _, params in catalogue_queries() if not params]
    for engine in ("oxigraph", "rdflib"):
        if engine == "rdflib" and size > rdflib_up_to:
            continue
        sample, times = timed_json([PYTHON, "-c", CHILD_QUERIES, engine, str(folder), *names], timeout=query_timeout)
        if times:
            add(f"query: load corpus ({engine})", Sample(times["load"], sample.peak_mb, 0))
            add(f"query: {len(names)} catalogue queries ({engine})", Sample(times["queries"], sample.peak_mb, 0))
        elif sample.seconds >= query_timeout:
            add(f"query: {len(names)} catalogue queries ({engine})", sample, f"stopped after {query_timeout:.0f} s")
    add("query: cstrdf query q01 --data DIR (whole process)", run_once([CSTRDF, "query", "q01", "--data", str(folder)]))
    # loading into triple stores
    for store_name, server in servers.items():
        env = dict(os.environ, CSTRDF_PASSWORD=getattr(server, "password", ""))
        argv = [CSTRDF, "load", "--endpoint", server.url, "--store", store_name, "--source", str(folder), "--replace",
                "--quiet", "--format", "json", "--timeout", "600"]
        if store_name == "virtuoso":
            argv += ["--user", server.user]
        sample, report = timed_json(argv, env=env)
        note = f"{report['triples'] / sample.seconds:,.0f} triples/s" if report and "triples" in report else "failed"
        add(f"load: cstrdf load --store {store_name}", sample, note)
    merged.unlink()
    shutil.rmtree(folder)
    return steps, facts


class Servers:
    """A private Oxigraph server and Virtuoso instance for the load step."""

    def __init__(self, work: Path) -> None:
        from servers import OxigraphServer, VirtuosoServer

        class BigVirtuoso(VirtuosoServer):
            def write_ini(self):
                ini = super().write_ini()
                text = ini.read_text().replace("NumberOfBuffers = 20000", "NumberOfBuffers = 340000")
                ini.write_text(text.replace("MaxDirtyBuffers = 12000", "MaxDirtyBuffers = 250000"))
                return ini

        self.items: dict = {}
        for name, cls in (("oxigraph", OxigraphServer), ("virtuoso", BigVirtuoso)):
            folder = work / f"server-{name}"
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            try:
                self.items[name] = cls(folder).start()
            except Exception as error:  # noqa: BLE001 - a missing server is reported, not fatal
                print(f"  ! {name} not started: {error}", file=sys.stderr)

    def stop(self) -> None:
        for server in self.items.values():
            server.stop()


# -- the report -----------------------------------------------------------------------------------

def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "–"


def verdict(ok: bool) -> str:
    return "holds" if ok else "**misses**"


def write_report(article: dict[str, Row], steps: list[Step], facts: dict, meta: dict, out: Path, plot: Path) -> None:
    def med(name: str) -> float:
        return article[name].median

    lines = [
        "# Benchmarks",
        "",
        "Generated by `bench/run.py` (see bench/README.md); do not edit by hand.",
        "",
        f"Machine: {meta['machine']}; load average {meta['load_before']} before the run, "
        f"{meta['load_after']} after. Run took {meta['runtime'] / 60:.1f} min "
        f"({meta['repeat']} timed rounds per single-article command, one run per corpus step).",
        "",
    ]
    queries = sorted(n[len("cstrdf query "):] for n in article if n.startswith("cstrdf query "))
    cold = {q: f"cstrdf query, no cache: {q}" for q in queries if f"cstrdf query, no cache: {q}" in article}
    floor_sparql = med("python -c 'import rdflib.plugins.sparql'")
    worst_query = max(queries, key=lambda q: med(f"cstrdf query {q}")) if queries else None
    query_vs_arq = {q: med(f"cstrdf query {q}") / med(f"jena arq.sparql {q}") for q in queries}
    worst_arq = max(query_vs_arq, key=query_vs_arq.get) if queries else None
    lines += ["## Targets (single article)", "", "| target | measured | verdict |", "| --- | --- | --- |"]
    if queries:
        lines.append(
            f"| `cstrdf query NAME` < `python -c \"import rdflib.plugins.sparql\"` | slowest query ({worst_query}) "
            f"{med(f'cstrdf query {worst_query}'):.3f} s vs {floor_sparql:.3f} s (ratio "
            f"{ratio(med(f'cstrdf query {worst_query}'), floor_sparql)}) | "
            f"{verdict(med(f'cstrdf query {worst_query}') < floor_sparql)} |")
        lines.append(
            f"| `cstrdf query NAME` ≤ 1/10 of Jena `arq.sparql` | worst ratio {query_vs_arq[worst_arq]:.3f} ({worst_arq}); "
            f"median over queries {statistics.median(query_vs_arq.values()):.3f} | "
            f"{verdict(query_vs_arq[worst_arq] <= 0.1)} |")
        if cold:
            cold_vs_arq = {q: med(name) / med(f"jena arq.sparql {q}") for q, name in cold.items()}
            worst_cold = max(cold_vs_arq, key=cold_vs_arq.get)
            lines.append(
                f"| the same, cache of checked inputs off (`CSTRDF_NO_CACHE=1`, as on the first run after a change) | "
                f"worst ratio {cold_vs_arq[worst_cold]:.3f} ({worst_cold}); median over queries "
                f"{statistics.median(cold_vs_arq.values()):.3f} | {verdict(cold_vs_arq[worst_cold] <= 0.1)} |")
    validate_ratio = med("cstrdf validate") / med("jena shacl.shacl validate")
    lines.append(f"| `cstrdf validate` ≤ 1/2 of Jena `shacl.shacl validate` | {med('cstrdf validate'):.3f} s vs "
                 f"{med('jena shacl.shacl validate'):.3f} s (ratio {validate_ratio:.2f}) | {verdict(validate_ratio <= 0.5)} |")
    help_ratio = med("cstrdf --help") / med("python -c pass")
    lines.append(f"| `cstrdf --help` within 5× of `python -c pass` | {med('cstrdf --help'):.3f} s vs "
                 f"{med('python -c pass'):.3f} s (ratio {help_ratio:.1f}) | {verdict(help_ratio <= 5)} |")
    lines += ["", "## Single article: medians and ratios", "",
              "Ratios are to `python -c pass` (the start-up floor) and, where a peer does the same job, to the peer.", "",
              "| command | median s | peak MB | × python -c pass | note |", "| --- | ---: | ---: | ---: | --- |"]
    floor = med("python -c pass")
    peers = {
        "cstrdf validate": ("jena shacl.shacl validate", "× Jena SHACL"),
        "cstrdf validate --engine pyshacl": ("cstrdf validate", "× fast engine"),
        "pyshacl (its CLI)": ("cstrdf validate", "× cstrdf validate"),
        "rdfpipe (parse + N-Triples)": ("jena riotcmd.riot --validate", "× Jena RIOT"),
    }
    for q in queries:
        peers[f"cstrdf query {q}"] = (f"jena arq.sparql {q}", "× Jena ARQ")
        peers[f"oxigraph query {q}"] = (f"cstrdf query {q}", "× cstrdf query")
        peers[f"cstrdf query, no cache: {q}"] = (f"jena arq.sparql {q}", "× Jena ARQ")
    order = ["floor", "cstrdf", "peer", "query", "query-peer"]
    for name, row in sorted(article.items(), key=lambda item: (order.index(item[1].group), item[0])):
        note = ""
        if name in peers and peers[name][0] in article:
            note = f"{ratio(row.median, med(peers[name][0]))} {peers[name][1]}"
        lines.append(f"| {name} | {row.median:.3f} | {row.peak_mb:.0f} | {row.median / floor:.1f} | {note} |")

    # corpora
    lines += ["", "## Corpora: time and peak memory per step", "",
              "One run per step and size. Memory is the peak resident set of the process that did the step "
              "(for `cstrdf load`: of the client; the servers' memory is their own).", ""]
    sizes = sorted({(s.triples, s.size) for s in steps})
    names = list(dict.fromkeys(s.step for s in steps))
    lines.append("| step | " + " | ".join(f"{label} ({triples:,} triples)" for triples, label in sizes) + " | growth |")
    lines.append("| --- | " + " | ".join("---:" for _ in sizes) + " | ---: |")
    for name in names:
        cells, points = [], []
        for triples, label in sizes:
            found = [s for s in steps if s.step == name and s.size == label]
            if found:
                s = found[0]
                mem = f", {s.peak_mb:.0f} MB" if s.peak_mb == s.peak_mb and s.peak_mb > 0 else ""
                stopped = s.note.startswith("stopped")
                cells.append(("> " if stopped else "") + f"{s.seconds:.2f} s{mem}" + (f"<br>{s.note}" if s.note else ""))
                if not stopped:
                    points.append((triples, s.seconds))
            else:
                cells.append("–")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {growth(points)} |")
    lines += ["", "Growth: the exponent *k* in time ∝ size^*k* between the smallest and the largest size measured "
              "(1 is linear; below 1, fixed costs still dominate).", ""]
    lines += corpus_targets(steps, facts)
    if plot.exists():
        lines += ["", f"![time per step against corpus size, log-log]({plot.name})", ""]
    notes = REPO / "bench" / "notes.md"
    if notes.exists():  # hand-written reading of the numbers, kept apart from the generated tables
        lines += ["", notes.read_text(encoding="utf-8").strip(), ""]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def growth(points: list[tuple[int, float]]) -> str:
    if len(points) < 2 or points[0][1] <= 0:
        return "–"
    (a, ta), (b, tb) = points[0], points[-1]
    return f"{math.log(tb / ta) / math.log(b / a):.2f}"


def corpus_targets(steps: list[Step], facts: dict) -> list[str]:
    def get(size: str, step: str) -> Step | None:
        found = [s for s in steps if s.size == size and s.step == step]
        return found[0] if found else None

    lines = ["## Targets (corpus)", "", "| target | size | measured | verdict |", "| --- | --- | --- | --- |"]
    for size in dict.fromkeys(s.size for s in steps):
        fast, jena = get(size, "validate: cstrdf (fast engine)"), get(size, "validate: Jena shacl.shacl")
        info = facts.get(size, {})
        if fast:
            found_all = info.get("faults found") == info.get("faults")
            lines.append(f"| validation finds every planted fault | {size} | {info.get('faults found')}/{info.get('faults')} "
                         f"| {verdict(found_all)} |")
        if fast and jena:
            lines.append(f"| validation ≤ Jena SHACL's time | {size} | {fast.seconds:.1f} s vs {jena.seconds:.1f} s "
                         f"(ratio {ratio(fast.seconds, jena.seconds)}) | {verdict(fast.seconds <= jena.seconds)} |")
        ox = get(size, "query: " + next((s.step[7:] for s in steps if s.step.startswith("query: ") and "queries (oxigraph)" in s.step), ""))
        rl = [s for s in steps if s.size == size and "queries (rdflib)" in s.step]
        stopped = [s for s in steps if s.size == size and "queries (oxigraph)" in s.step and s.note.startswith("stopped")]
        if stopped:
            lines.append(f"| catalogue queries: pyoxigraph ≥ 20× rdflib | {size} | pyoxigraph {stopped[0].note}; "
                         "rdflib not run | **misses** |")
        if ox and rl:
            speedup = rl[0].seconds / ox.seconds if ox.seconds else float("inf")
            lines.append(f"| catalogue queries: pyoxigraph ≥ 20× rdflib | {size} | {ox.seconds:.2f} s vs {rl[0].seconds:.2f} s "
                         f"({speedup:.0f}×) | {verdict(speedup >= 20)} |")
        for store in ("oxigraph", "virtuoso"):
            load = get(size, f"load: cstrdf load --store {store}")
            if load and load.note.split()[0].replace(",", "").isdigit():
                rate = float(load.note.split()[0].replace(",", ""))
                lines.append(f"| load into {store} ≥ 100,000 triples/s | {size} | {load.note} | {verdict(rate >= 100_000)} |")
            elif load:
                lines.append(f"| load into {store} ≥ 100,000 triples/s | {size} | {load.note} | **misses** |")
    return lines


def draw(steps: list[Step], plot: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  matplotlib is missing (pip install -e '.[bench]'): no plot", file=sys.stderr)
        return
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5))
    for name in dict.fromkeys(s.step for s in steps):
        points = sorted((s.triples, s.seconds, s.peak_mb) for s in steps if s.step == name and not s.note.startswith("stopped"))
        if len(points) < 2 or name.startswith("generate"):
            continue
        left.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name)
        memory = [(p[0], p[2]) for p in points if p[2] == p[2] and p[2] > 0]
        if len(memory) >= 2:
            right.plot([p[0] for p in memory], [p[1] for p in memory], marker="o", label=name)
    triples = sorted({s.triples for s in steps})
    for axis, what in ((left, "seconds"), (right, "peak MB")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("corpus size (triples)")
        axis.set_ylabel(what)
        axis.grid(True, which="both", alpha=0.3)
    if len(triples) >= 2:  # a linear-growth guide through the first fast-validation point
        base = [s for s in steps if s.step == "validate: cstrdf (fast engine)"]
        if base:
            b = min(base, key=lambda s: s.triples)
            left.plot(triples, [b.seconds * t / b.triples for t in triples], "k--", alpha=0.4, label="linear growth")
    left.set_title("time per step")
    right.set_title("peak memory per step")
    left.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    figure.savefig(plot, dpi=110)


# -- main -----------------------------------------------------------------------------------------

def rewrite_report(out: Path) -> int:
    """The report and plot again, from the numbers of the last run."""
    saved = json.loads((REPO / "bench" / "results.json").read_text(encoding="utf-8"))
    groups = saved.get("groups", {})
    article = {name: Row(name, groups.get(name, _group_of(name)), [Sample(**s) for s in samples])
               for name, samples in saved["article"].items()}
    steps = [Step(**s) for s in saved["corpus"]]
    plot = out.with_name("benchmarks-scaling.png")
    draw(steps, plot)
    write_report(article, steps, saved["facts"], saved["meta"], out, plot)
    print(f"rewritten: {out}")
    return 0


def _group_of(name: str) -> str:
    if name.startswith("python"):
        return "floor"
    if name.startswith("cstrdf query"):
        return "query"
    if name.startswith(("jena arq", "oxigraph query")):
        return "query-peer"
    return "cstrdf" if name.startswith("cstrdf") else "peer"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1M", help="corpus sizes (10k,100k,1M,10M; default: 10k,100k,1M)")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds per single-article command (default: 3)")
    parser.add_argument("--work", default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument("--skip-article", action="store_true", help="only the corpus part")
    parser.add_argument("--rdflib-up-to", default="100k", help="largest size queried through rdflib (default: 100k)")
    parser.add_argument("--pyshacl-up-to", default="10k", help="largest size validated by pySHACL (default: 10k)")
    parser.add_argument("--jena-up-to", default="1M", help="largest size validated by Jena SHACL (default: 1M)")
    parser.add_argument("--query-timeout", type=float, default=60,
                        help="seconds the corpus query step may take per engine before it is stopped (default: 60)")
    parser.add_argument("--out", default=str(REPO / "docs" / "benchmarks.md"), help="the report (Markdown)")
    parser.add_argument("--report-only", action="store_true",
                        help="measure nothing: rewrite the report and plot from bench/results.json (after editing bench/notes.md)")
    args = parser.parse_args(argv)
    if args.report_only:
        return rewrite_report(Path(args.out))
    started = time.perf_counter()
    # byte-compile cstrdf as installing a wheel does: PYTHONDONTWRITEBYTECODE (set in some
    # environments) would otherwise make every timed run compile the sources again
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(REPO / "src" / "cstrdf")], check=True)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="cstrdf-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    meta = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
            "load_before": " / ".join(f"{x:.1f}" for x in os.getloadavg()), "repeat": args.repeat}
    article = {} if args.skip_article else single_article(work, args.repeat)
    if args.skip_article:
        as_ntriples(resources.shape_files(), work / "shapes.nt")
    servers = Servers(work)
    steps: list[Step] = []
    facts: dict = {}
    try:
        for label in args.sizes.split(","):
            found, info = corpus_steps(work, label, SIZES[label], servers.items,
                                       rdflib_up_to=SIZES[args.rdflib_up_to], pyshacl_up_to=SIZES[args.pyshacl_up_to],
                                       jena_up_to=SIZES[args.jena_up_to], query_timeout=args.query_timeout)
            steps += found
            facts[label] = info
    finally:
        servers.stop()
    meta["runtime"] = time.perf_counter() - started
    meta["load_after"] = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    out = Path(args.out)
    plot = out.with_name("benchmarks-scaling.png")
    draw(steps, plot)
    if article:
        write_report(article, steps, facts, meta, out, plot)
    (REPO / "bench" / "results.json").write_text(json.dumps({
        "meta": meta,
        "groups": {name: row.group for name, row in article.items()},
        "article": {name: [asdict(s) for s in row.samples] for name, row in article.items()},
        "corpus": [asdict(s) for s in steps],
        "facts": facts,
    }, indent=1) + "\n", encoding="utf-8")
    print(f"done in {meta['runtime'] / 60:.1f} min: {out}")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
