"""A validation that would not fit in memory is refused before reading (docs/errors.md, "a huge
file"; cstrdf.memory): exit 3, one line naming the data, instead of the kernel's OOM killer.
``CSTRDF_MEMORY_LIMIT`` sets the budget, so a few megabytes stand in for a huge file here."""

from __future__ import annotations

import doctest
import json
import os
import re

import pyoxigraph
import pytest

from cstrdf import memory, resources, shaclworkers
from cstrdf.corpus import generate
from cstrdf.errors import ExitCode, UsageError
from cstrdf.formats import guess_format
from cstrdf.validate import default_data_files

LINE = '<http://example.org/s{0}> <http://example.org/p> "value number {0}" .\n'


def one_error_line(result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("cstrdf: error: "), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    return lines[0]


def ntriples(path, lines: int, broken: bool = False):
    """``lines`` short N-Triples lines (72 bytes: more triples than the size suggests); with
    ``broken``, a syntax error at the end (a validation that read the file would report it)."""
    path.write_text("".join(LINE.format(i) for i in range(lines)) + ("<http://example.org/broken> .\n" if broken else ""))
    return path


@pytest.mark.parametrize("engine", ["fast", "pyshacl"])
def test_a_validation_that_would_not_fit_is_refused_before_reading(run, tmp_path, monkeypatch, engine):
    big = ntriples(tmp_path / "big.nt", 50_000, broken=True)
    assert big.stat().st_size > 3_000_000
    monkeypatch.setenv(memory.LIMIT_VARIABLE, "20M")
    result = run("validate", "--no-coverage", "--engine", engine, "--data", big, expect=ExitCode.INPUT)
    line = one_error_line(result)
    assert re.fullmatch(rf"cstrdf: error: {re.escape(str(big))}: about [0-9,]+ triples would need about "
                        r"[0-9.]+ MiB to validate( with pySHACL)?; the limit is 20\.0 MiB \(CSTRDF_MEMORY_LIMIT\)", line), line
    assert ("with pySHACL" in line) == (engine == "pyshacl")


def test_more_triples_than_the_size_suggests_are_refused_once_counted(run, tmp_path, monkeypatch):
    """A file of short lines passes the guess; once loaded, its triples are counted and checked
    again, before validation builds its indexes."""
    data = ntriples(tmp_path / "short-lines.nt", 50_000)
    guessed = memory.guess_triples([data])
    assert guessed < 50_000
    limit = memory.need(guessed + 6_000) + 1  # the ontology mixed in: under 6,000 triples
    assert limit < memory.need(50_000)
    monkeypatch.setenv(memory.LIMIT_VARIABLE, str(limit))
    line = one_error_line(run("validate", "--no-coverage", "--data", data, expect=ExitCode.INPUT))
    assert line.startswith(f"cstrdf: error: {data}: about 50,000 triples would need about "), line


def test_a_refused_corpus_is_named_by_its_folder(run, tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    (corpus / "more").mkdir(parents=True)
    for name in ("a.nt", "b.nt", "more/c.nt"):
        (corpus / name).write_text("".join(LINE.format(i) for i in range(20_000)))
    monkeypatch.setenv(memory.LIMIT_VARIABLE, "40M")
    line = one_error_line(run("validate", "--no-coverage", "--data", corpus, expect=ExitCode.INPUT))
    assert line.startswith(f"cstrdf: error: {corpus}/ (3 files): about "), line


def test_without_a_limit_the_message_names_the_available_memory():
    refusal = memory.Refusal(triples=21_276_595, needed=memory.need(21_276_595), budget=8_800_000_000, user_limit=False)
    assert refusal.message() == ("about 21 million triples would need about 11.9 GiB to validate; "
                                 "8.2 GiB is available (set CSTRDF_MEMORY_LIMIT to change the limit)")


def test_a_limit_that_holds_one_process_changes_nothing(run, monkeypatch):
    """The publication, allowed one process but not two: the same report as without a limit."""
    monkeypatch.delenv(memory.LIMIT_VARIABLE, raising=False)
    default = run("validate", "--format", "json")
    triples = memory.guess_triples(default_data_files() + resources.ontology_files())  # data, ontology mixed in
    limit = memory.need(triples, 1) + 1
    assert limit < memory.need(triples, 2)
    monkeypatch.setenv(memory.LIMIT_VARIABLE, str(limit))
    limited = run("validate", "--format", "json")
    assert json.loads(limited.stdout) == json.loads(default.stdout)
    assert limited.stderr == default.stderr
    # a byte less than it needs, and it is refused
    monkeypatch.setenv(memory.LIMIT_VARIABLE, str(limit - 2))
    one_error_line(run("validate", "--format", "json", expect=ExitCode.INPUT))


@pytest.mark.parametrize("value", ["lots", "0", "-1G", "12X", "1.2.3M", "G", "5 M B"])
def test_a_bad_limit_is_a_usage_error(run, monkeypatch, value):
    monkeypatch.setenv(memory.LIMIT_VARIABLE, value)
    line = one_error_line(run("validate", "--no-coverage", expect=ExitCode.USAGE))
    assert line == (f"cstrdf: error: CSTRDF_MEMORY_LIMIT={value!r} is not a memory size "
                    "(e.g. 512M, 2G or a number of bytes)")


def test_an_empty_limit_is_no_limit(run, monkeypatch):
    monkeypatch.setenv(memory.LIMIT_VARIABLE, " ")
    assert memory.user_limit() is None
    run("validate", "--no-coverage")


@pytest.mark.parametrize("text, size", [
    ("4096", 4096), ("512M", 512 << 20), ("512m", 512 << 20), ("2G", 2 << 30), ("2GiB", 2 << 30),
    ("2 GB", 2 << 30), ("1.5G", 3 << 29), (".5k", 512), ("64K", 64 << 10), ("1T", 1 << 40), (" 100B ", 100),
])
def test_sizes(text, size):
    assert memory.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "M", "-5", "0", "0.0001", "1e9", "2 GiBs", "1,000", "100iB"])
def test_not_sizes(text):
    with pytest.raises(UsageError, match="CSTRDF_MEMORY_LIMIT"):
        memory.parse_size(text)


# -- the estimate --------------------------------------------------------------------------------

def test_the_guess_of_triples_errs_high(tmp_path):
    """At the sizes measured: the publication's Turtle, the generated corpus's N-Triples."""
    corpus = generate(tmp_path / "corpus", 10_000, faults=0.0, seed=1)
    for files in (default_data_files(), sorted(corpus.folder.glob("*.nt"))):
        store = pyoxigraph.Store()
        for path in files:
            store.bulk_load(path=str(path), format=guess_format(path).oxigraph())
        assert len(store) <= memory.guess_triples(files) < 1.3 * len(store), files[0]
    # what cannot be sized counts nothing: reading it reports it
    assert memory.guess_triples([tmp_path / "missing.nt", tmp_path, "notes.txt"]) == 0


@pytest.mark.parametrize("triples, processes, engine, measured_mib", [
    # the fast engine (docs/errors.md, "Memory on a big file")
    (5_577, 1, "fast", 40),  # the publication
    (97_238, 1, "fast", 99), (97_238, 2, "fast", 131),
    (974_604, 1, "fast", 589), (974_604, 2, "fast", 970),
    (5_000_000, 1, "fast", 2_732),
    (10_000_000, 1, "fast", 5_422), (10_000_000, 2, "fast", 8_958),
    # pySHACL: the publication, 9,594 and 19,047 triples of the generated corpus
    (5_577, 1, "pyshacl", 78), (9_594, 1, "pyshacl", 97), (19_047, 1, "pyshacl", 110),
])
def test_the_need_covers_the_measured_peaks(triples, processes, engine, measured_mib):
    """Never under a measured peak, and not far over it (10 %, and 10 MiB for small data)."""
    needed = memory.need(triples, processes, engine) / memory.MIB
    assert measured_mib <= needed <= 1.1 * measured_mib + 10


def test_the_budget_decides_between_one_and_two_processes(monkeypatch):
    monkeypatch.delenv(shaclworkers.WORKERS_VARIABLE, raising=False)
    triples = 2 * shaclworkers.PARALLEL_FROM
    one, two = memory.need(triples, 1), memory.need(triples, 2)
    assert memory.processes_that_fit(triples, two, 2) == 2
    assert memory.processes_that_fit(triples, two - 1, 2) == 1
    assert memory.processes_that_fit(triples, one - 1, 2) == 1  # refused before reading, not here
    assert memory.processes_that_fit(triples, two, 1) == 1
    cores = min(len(os.sched_getaffinity(0)), shaclworkers.MAX_WORKERS)
    monkeypatch.setenv(memory.LIMIT_VARIABLE, str(two))
    assert shaclworkers.default_workers(triples) == cores
    monkeypatch.setenv(memory.LIMIT_VARIABLE, str(two - 1))
    assert shaclworkers.default_workers(triples) == 1
    # an explicit number of processes is the user's choice
    monkeypatch.setenv(shaclworkers.WORKERS_VARIABLE, "2")
    assert shaclworkers.default_workers(triples) == 2


def test_docstring_examples():
    result = doctest.testmod(memory, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
