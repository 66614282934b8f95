"""The cross-engine table and the load times, written to docs/engines.md.

    .venv/bin/python bench/engines.py [--loads N] [--no-write]

Starts its own Oxigraph server and Virtuoso (tests/servers.py), loads the publication into
each with ``cstrdf load --replace`` (in-process), runs the whole catalogue (federated queries
left out) on rdflib, pyoxigraph, Oxigraph server, Virtuoso and Jena ARQ (over the N-Triples
dump of ``cstrdf build``, all queries in one JVM), and prints the table: one row per query,
one column per engine, ✓ or how the answer differs from queries/expected/. Load time per
store is the median of N loads, given as a ratio to ``oxigraph load --location TMP --file
cstrdf.nt`` of the same N-Triples measured in the same run (also the median of N).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from servers import OxigraphServer, VirtuosoServer  # noqa: E402
from test_cross_engine import VIRTUOSO_BUGS, cli_run  # noqa: E402

from cstrdf import engines  # noqa: E402
from cstrdf.catalogue import catalogue  # noqa: E402
from cstrdf.publication import DATASET_IRI  # noqa: E402
from cstrdf.serve import oxigraph_binary  # noqa: E402

ENGINES = ("rdflib", "pyoxigraph", "Oxigraph server", "Virtuoso", "Jena ARQ")
DOC = REPO / "docs" / "engines.md"


def build_dump(folder: Path) -> Path:
    code, _, err = cli_run("build", "--out", folder)
    if code != 0:
        raise SystemExit(f"cstrdf build failed: {err}")
    return folder / "cstrdf.nt"


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def cstrdf_load(store: str, server) -> None:
    args = ["load", "--endpoint", server.url, "--store", store, "--replace", "--quiet"]
    if store == "virtuoso":
        args += ["--user", server.user]
    code, _, err = cli_run(*args)
    if code != 0:
        raise SystemExit(f"cstrdf load into {store} failed: {err}")


def oxigraph_load(dump: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="cstrdf-oxigraph-load-") as location:
        subprocess.run([oxigraph_binary(), "load", "--location", location, "--file", str(dump)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def triple_count(dump: Path) -> int:
    return sum(1 for line in dump.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#"))


def first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unavailable ({error})"
    lines = [line.strip() for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    return lines[0] if lines else "?"


def machine_facts() -> list[tuple[str, str]]:
    import pyoxigraph
    import rdflib

    virtuoso = subprocess.run(["/usr/bin/virtuoso-t", "-?"], capture_output=True, text=True).stderr.splitlines()
    virtuoso_version = next((line.strip() for line in virtuoso if line.startswith("Version")), "?")
    jena_jars = sorted(Path("/usr/share/java").glob("jena-arq-*.jar"))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    return [
        ("date", datetime.date.today().isoformat()),
        ("machine", f"{platform.system()} {platform.release()} {platform.machine()}, {cpu}"),
        ("nproc", str(os.cpu_count())),
        ("load average at start", " ".join(f"{x:.2f}" for x in os.getloadavg())),
        ("Python", platform.python_version()),
        ("rdflib", rdflib.__version__),
        ("pyoxigraph", pyoxigraph.__version__),
        ("oxigraph (server and CLI)", first_line([oxigraph_binary(), "--version"])),
        ("virtuoso-t -?", f"Virtuoso Open Source Edition (Column Store), {virtuoso_version}"),
        ("Jena (Debian jars)", jena_jars[0].stem.removeprefix("jena-arq-") if jena_jars else "?"),
        ("java -version", first_line(["java", "-version"])),
    ]


def cell(verdict: engines.Verdict) -> str:
    return "✓" if verdict.ok else verdict.detail.replace("|", "\\|")


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=int, default=5, help="loads per store for the median (default 5)")
    parser.add_argument("--no-write", action="store_true", help=f"print only, do not write {DOC.relative_to(REPO)}")
    options = parser.parse_args(argv)

    facts = machine_facts()
    queries = [q for q in catalogue() if not ("SERVICE" in q.text.upper() and "wikidata" in q.text.lower())]
    skipped = [q.name for q in catalogue() if q not in queries]
    with tempfile.TemporaryDirectory(prefix="cstrdf-bench-engines-") as tmp:
        folder = Path(tmp)
        dump = build_dump(folder / "build")
        triples = triple_count(dump)
        oxigraph = OxigraphServer(folder / "oxigraph")
        virtuoso = VirtuosoServer(folder / "virtuoso")
        (folder / "oxigraph").mkdir()
        (folder / "virtuoso").mkdir()
        os.environ["CSTRDF_PASSWORD"] = virtuoso.password
        oxigraph.start()
        try:
            virtuoso.start()
            print(f"servers up; {triples} triples to load, {options.loads} loads each", file=sys.stderr)
            # round-robin, so that a busy machine slows all three alike
            load_times: dict[str, list[float]] = {
                "oxigraph load (CLI, baseline)": [], "cstrdf load → Oxigraph server": [], "cstrdf load → Virtuoso": []}
            for _ in range(options.loads):
                load_times["oxigraph load (CLI, baseline)"].append(timed(lambda: oxigraph_load(dump)))
                load_times["cstrdf load → Oxigraph server"].append(timed(lambda: cstrdf_load("oxigraph", oxigraph)))
                load_times["cstrdf load → Virtuoso"].append(timed(lambda: cstrdf_load("virtuoso", virtuoso)))
            for name, server in (("Oxigraph server", oxigraph), ("Virtuoso", virtuoso)):
                count = server.count(DATASET_IRI)
                if count != triples:
                    raise SystemExit(f"{name} holds {count} triples after the loads, expected {triples}")
            print("loaded; running the catalogue", file=sys.stderr)
            verdicts = {
                "rdflib": engines.run_catalogue("rdflib", engines.local_runner("rdflib"), queries),
                "pyoxigraph": engines.run_catalogue("pyoxigraph", engines.local_runner("oxigraph"), queries),
                "Oxigraph server": engines.run_catalogue(
                    "oxigraph-server", engines.endpoint_runner(oxigraph.url + "/sparql", DATASET_IRI), queries),
                "Virtuoso": engines.run_catalogue(
                    "virtuoso", engines.endpoint_runner(virtuoso.url + "/sparql", DATASET_IRI), queries),
                "Jena ARQ": engines.arq_verdicts(dump, queries),
            }
        finally:
            virtuoso.stop()
            oxigraph.stop()

    by_query = {q.name: {e: v for e in ENGINES for v in verdicts[e] if v.query == q.name} for q in queries}
    rows = [[name] + [cell(by_query[name][e]) for e in ENGINES] for name in by_query]
    rows.append(["*query time, total*"] + [f"{sum(v.seconds for v in verdicts[e]):.2f} s" for e in ENGINES])
    table = markdown_table(["query", *ENGINES], rows)
    all_equal = all(v.ok for e in ENGINES for v in verdicts[e])

    baseline = statistics.median(load_times["oxigraph load (CLI, baseline)"])
    load_rows = [[name, f"{statistics.median(times):.3f} s", f"{statistics.median(times) / baseline:.1f}×",
                  " ".join(f"{t:.2f}" for t in times)] for name, times in load_times.items()]
    load_table = markdown_table(["load", "median", "ratio to oxigraph load", "all runs (s)"], load_rows)

    bugs = markdown_table(
        ["Virtuoso 7.2 bug", "what it does", "workaround"],
        [[b.name, b.effect.replace("|", "\\|"), b.workaround.replace("|", "\\|")] for b in VIRTUOSO_BUGS],
    )
    facts_table = markdown_table(["", ""], [[k, v] for k, v in facts])
    document = f"""# The catalogue on five SPARQL engines

Generated by `bench/engines.py` (`.venv/bin/python bench/engines.py`); do not edit by hand.
The same check runs in CI as `tests/test_cross_engine.py`.

Every catalogue query ({len(queries)}) on each engine, compared with `queries/expected/`: ✓ is
exactly the expected rows (in order where the query has ORDER BY), otherwise how the answer differs.
rdflib and pyoxigraph run in-process over the publication's named graphs; Oxigraph server and
Virtuoso hold the publication in the graph <{DATASET_IRI}> (loaded with `cstrdf load
--replace`) and get it as the default graph (`default-graph-uri`); Jena ARQ reads the N-Triples
dump written by `cstrdf build` (all queries in one JVM). Left out: the federated queries, which
need Wikidata ({", ".join(skipped) or "none"}).

{table}

All equal: **{"yes" if all_equal else "no"}**. Query time: one pass over the catalogue on freshly
started servers (Virtuoso compiles and caches each query on its first run), including the HTTP
round trips for the two servers; for Jena ARQ the time inside the JVM, without its start-up.

## Load time

{triples} triples. `cstrdf load --replace` (in-process, so no Python start-up; it builds the
N-Triples, sends them through the Graph Store Protocol and checks the count) against
`oxigraph load --location TMP --file cstrdf.nt` of the same N-Triples into a fresh store (a new
process each time), median of {options.loads} runs each, taken in turns in the same run. A `--replace`
load goes into a staging graph first and is swapped in with SPARQL Update (so a failed load
leaves the old graph intact): several requests where `oxigraph load` writes once, offline.

{load_table}

## Virtuoso 7.2 bugs the catalogue avoids

Found while making q06 and q08 portable. Each has a minimal reproduction in
`tests/test_cross_engine.py` (`VIRTUOSO_BUGS`) that is asserted to still misbehave, so a
Virtuoso that fixes one is noticed; the workaround is commented in the query.

{bugs}

Also: Virtuoso answers ASK in JSON as a one-row result set (`__ASK_RETVAL` = 0 or 1), which
`cstrdf query` reads as the boolean it means (tested in `tests/test_cross_engine.py`).

## Machine

{facts_table}
"""
    print(table)
    print()
    print(load_table)
    if not options.no_write:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(document, encoding="utf-8")
        print(f"\nwritten to {DOC.relative_to(REPO)}", file=sys.stderr)
    return 0 if all_equal else 1


if __name__ == "__main__":
    sys.exit(main())
