"""A bounded fuzz run over the command line's Turtle and SPARQL input paths (not part of the
default test run).

    .venv/bin/python bench/fuzz.py [--seconds 300] [--seed 0] [--out DIR]

hypothesis generates inputs: the publication's own Turtle files and catalogue queries with
byte-level mutations (bytes cut, repeated, swapped, replaced by syntax tokens or random bytes),
and text from scratch. Each input goes through the in-process CLI exactly as a user's file
would:

* Turtle: ``validate --no-coverage --data F`` (pyoxigraph check, then the SHACL engine),
  ``query --sparql 'ASK {…}' --data F`` (a pyoxigraph store) and ``fmt --check F`` (the
  canonical-Turtle reader);
* SPARQL: ``query F.rq --data tiny.ttl`` on both engines, with ``--timeout`` so a query that
  explodes is stopped.

The oracle is the error contract (docs/errors.md): every run ends with a documented exit code
(0, 1, 2, 3, 4 or 5; never 70, "internal error"), and an error is one line ``cstrdf: error: …`` with
no traceback. An input that breaks it is saved under --out and listed at the end; the exit
status is 1 then. The number of cases run is printed at the end (docs/errors.md records it).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[1]

from cstrdf import cli  # noqa: E402
from cstrdf.errors import ExitCode  # noqa: E402

DOCUMENTED = {ExitCode.OK, ExitCode.NOT_CONFORMING, ExitCode.USAGE, ExitCode.INPUT, ExitCode.REMOTE, ExitCode.TIMEOUT}

TURTLE_TOKENS = [b"@prefix", b"PREFIX", b"@base", b"<", b">", b'"', b'"""', b"'", b"'''", b"\\", b"\\u00e9",
                 b"\\U0001F600", b"^^", b"@en", b"@", b"_:", b"[", b"]", b"(", b")", b";", b",", b".", b":", b"a",
                 b"#", b"\n", b"\r\n", b"\t", b" ", b"true", b"false", b"-1.5e3", b"0", b"xsd:date",
                 b'"2002-13-45"^^xsd:date', b"<http://e/x>", b"cstid:", b"\xc3\xa9", b"\xe2\x80\xa8", b"\xff",
                 b"\x00", b"\xef\xbb\xbf"]
SPARQL_TOKENS = [b"SELECT", b"ASK", b"CONSTRUCT", b"DESCRIBE", b"WHERE", b"{", b"}", b"(", b")", b"?s", b"?o",
                 b"$x", b"FILTER", b"OPTIONAL", b"UNION", b"MINUS", b"GRAPH", b"VALUES", b"BIND", b"AS", b"GROUP BY",
                 b"ORDER BY", b"LIMIT", b"OFFSET", b"COUNT(*)", b"REGEX(", b"STR(", b"<http://e/p>", b'"x"', b"@en",
                 b"^^xsd:integer", b"PREFIX", b"BASE", b".", b";", b",", b"*", b"/", b"|", b"^", b"+", b"#",
                 b"\n", b"\\", b'"""', b"INSERT DATA", b"DROP ALL", b"\xc3\xa9", b"\xff", b"\x00"]


def seeds() -> tuple[list[bytes], list[bytes]]:
    """The publication's fact files (the smaller ones) and the catalogue's queries."""
    turtle = sorted((REPO / "data" / "facts").glob("*.ttl"), key=lambda p: p.stat().st_size)[:4]
    # queries that call SERVICE (the federated ones) are left out: the fuzz run stays offline
    queries = [p for p in sorted((REPO / "queries").glob("q*.rq")) if b"SERVICE" not in p.read_bytes().upper()]
    return [p.read_bytes() for p in turtle], [p.read_bytes() for p in queries]


@st.composite
def mutated(draw, originals: list[bytes], tokens: list[bytes]) -> bytes:
    """One original with 1-8 byte-level mutations, or text from scratch."""
    if draw(st.integers(0, 9)) == 0:
        parts = draw(st.lists(st.one_of(st.sampled_from(tokens), st.binary(max_size=8)), max_size=40))
        return b" ".join(parts)
    data = bytearray(draw(st.sampled_from(originals)))
    if len(data) > 4000:  # a window keeps each case fast; the start keeps the prefixes
        cut = draw(st.integers(0, len(data) - 4000))
        data = data[:600] + data[600 + cut: 600 + cut + 3400]
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        operation = draw(st.sampled_from(["cut", "token", "bytes", "repeat", "swap", "truncate"]))
        if operation == "cut":
            del data[at: at + draw(st.integers(1, 40))]
        elif operation == "token":
            data[at:at] = draw(st.sampled_from(tokens))
        elif operation == "bytes":
            data[at: at + draw(st.integers(0, 4))] = draw(st.binary(min_size=1, max_size=6))
        elif operation == "repeat":
            data[at:at] = data[at: at + draw(st.integers(1, 200))] * draw(st.integers(1, 3))
        elif operation == "swap" and len(data) > 2:
            other = draw(st.integers(0, len(data) - 1))
            data[at], data[other] = data[other], data[at]
        elif operation == "truncate":
            del data[at:]
    return bytes(data)


class Fuzz:
    def __init__(self, folder: Path, out: Path, deadline: float) -> None:
        self.folder, self.out, self.deadline = folder, out, deadline
        self.cases = 0
        self.codes: Counter = Counter()
        self.failures: list[Path] = []
        self.tiny = folder / "tiny.ttl"
        self.tiny.write_text('<http://e/a> <http://e/p> "x"@en , 1 , <http://e/b> .\n<http://e/b> <http://e/p> "y" .\n')
        self.no_shapes = folder / "no-shapes.ttl"
        self.no_shapes.write_text("")

    def cli(self, kind: str, data: bytes, *args: str) -> None:
        """Run one case; check the contract; keep the input when it is broken."""
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                code = cli.main(list(args))
            except SystemExit as stop:  # not expected: main returns its code
                code = stop.code if isinstance(stop.code, int) else -1
            except BaseException as error:  # noqa: BLE001 - an escape is a finding
                code = -1
                stderr.write(f"escaped: {type(error).__name__}: {error}\n")
        self.cases += 1
        self.codes[code] += 1
        err = stderr.getvalue()
        lines = [line for line in err.splitlines() if line.startswith("cstrdf: error:")]
        broken = (
            code not in DOCUMENTED
            or "Traceback" in err
            or "internal error" in err
            or (code in (ExitCode.USAGE, ExitCode.INPUT, ExitCode.REMOTE, ExitCode.TIMEOUT) and len(lines) != 1)
        )
        if broken:
            target = self.out / f"{kind}-{len(self.failures):03d}"
            target.mkdir(parents=True, exist_ok=True)
            (target / ("input.ttl" if kind == "turtle" else "input.rq")).write_bytes(data)
            (target / "report.txt").write_text(f"cstrdf {' '.join(args)}\nexit {code}\n{err}")
            self.failures.append(target)

    def turtle(self, data: bytes, command: int) -> None:
        if time.monotonic() > self.deadline:
            return
        path = self.folder / "fuzzed.ttl"
        path.write_bytes(data)
        if command == 0:
            self.cli("turtle", data, "validate", "--no-coverage", "--shapes", str(self.no_shapes), "--data", str(path))
        elif command == 1:
            self.cli("turtle", data, "query", "--sparql", "ASK { ?s ?p ?o }", "--data", str(path))
        else:
            self.cli("turtle", data, "fmt", "--check", str(path))

    def sparql(self, data: bytes, engine: str) -> None:
        if time.monotonic() > self.deadline:
            return
        path = self.folder / "fuzzed.rq"
        path.write_bytes(data)
        self.cli("sparql", data, "query", str(path), "--data", str(self.tiny), "--engine", engine, "--timeout", "5",
                 "--format", "csv")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300.0, help="time budget (default: 300)")
    parser.add_argument("--seed", type=int, default=0, help="first hypothesis seed (default: 0)")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "cstrdf-fuzz",
                        help="where inputs that break the contract are kept")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    turtle_seeds, query_seeds = seeds()
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        fuzz = Fuzz(Path(folder), args.out, began + args.seconds)
        common = settings(max_examples=250, deadline=None, database=None, derandomize=False,
                          suppress_health_check=list(HealthCheck))
        round_number = 0
        while time.monotonic() < fuzz.deadline:
            @seed(args.seed + round_number)
            @common
            @given(data=mutated(turtle_seeds, TURTLE_TOKENS), command=st.integers(0, 2))
            def turtle_round(data, command):
                fuzz.turtle(data, command)

            @seed(args.seed + round_number)
            @common
            @given(data=mutated(query_seeds, SPARQL_TOKENS), engine=st.sampled_from(["oxigraph", "rdflib"]))
            def sparql_round(data, engine):
                fuzz.sparql(data, engine)

            turtle_round()
            sparql_round()
            round_number += 1
            print(f"{time.monotonic() - began:6.0f} s  {fuzz.cases} cases  exit codes {dict(sorted(fuzz.codes.items()))}",
                  file=sys.stderr)
    print(f"cases run: {fuzz.cases} in {time.monotonic() - began:.0f} s (hypothesis rounds: {round_number})")
    print(f"exit codes: {dict(sorted((int(k), v) for k, v in fuzz.codes.items()))}")
    if fuzz.failures:
        print(f"inputs that break the error contract: {len(fuzz.failures)} (kept in {args.out})")
        for target in fuzz.failures[:20]:
            print(f"  {target}: {(target / 'report.txt').read_text().splitlines()[1:3]}")
        return 1
    print("no input broke the error contract")
    return 0


if __name__ == "__main__":
    sys.exit(main())
