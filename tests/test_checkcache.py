"""The cache of checked inputs (cstrdf.checkcache): it may only ever save time.

A changed file is checked again (its error reported as without a cache), a corrupt stamp is
ignored and rewritten, concurrent writers leave one whole stamp, and a stamp really skips the
checks (else the cache would be dead code).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cstrdf import checkcache, publication
from cstrdf.errors import ExitCode

from conftest import PREFIXES

GOOD = PREFIXES + 'cstid:a rdfs:label "A" ; cst:deadlineDate "2002-05-14"^^xsd:date .\n'


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A private cache folder (XDG_CACHE_HOME) for this test."""
    root = tmp_path / "cache-home"
    monkeypatch.setenv("XDG_CACHE_HOME", str(root))
    monkeypatch.delenv(checkcache.NO_CACHE_ENV, raising=False)
    return root / "cstrdf" / "checked"


def stamps(folder: Path) -> list[Path]:
    return sorted(folder.iterdir()) if folder.is_dir() else []


def quads_without_blank_nodes(store) -> set[str]:
    import pyoxigraph

    return {str(q) for q in store if not any(isinstance(t, pyoxigraph.BlankNode) for t in (q.subject, q.object))}


def test_cache_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert checkcache.cache_dir() == tmp_path / "cstrdf"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # ignored, as the XDG spec says
    assert checkcache.cache_dir() == Path.home() / ".cache" / "cstrdf"


def test_a_stamp_skips_the_checks_and_gives_the_same_store(cache, monkeypatch):
    checked = publication.load_store()
    first = checkcache.load_store()
    assert len(stamps(cache)) == 1
    # with the stamp in place the checked path must not run at all
    monkeypatch.setattr(publication, "load_store", lambda *a, **k: pytest.fail("the checked path ran"))
    second = checkcache.load_store()
    for store in (first, second):
        assert len(store) == len(checked)
        assert quads_without_blank_nodes(store) == quads_without_blank_nodes(checked)


def test_no_cache_environment_variable_bypasses_it(cache, monkeypatch, run):
    monkeypatch.setenv(checkcache.NO_CACHE_ENV, "1")
    run("query", "q05")
    assert stamps(cache) == []


@pytest.mark.parametrize("bad, where", [
    ('cstid:a rdfs:label "A" ; cst:deadlineDate "2002-13-14"^^xsd:date .\n', ":7:43: '2002-13-14' is not a valid xsd:date"),
    ('cstid:a rdfs:label "A" ; cst:deadlineDate "2002-05-14"^^xsd:date \n', ":8:1: "),  # no final dot
], ids=["ill-typed-literal", "syntax-error"])
def test_a_changed_file_is_checked_again(cache, run, tmp_path, monkeypatch, bad, where):
    data = tmp_path / "data.ttl"
    data.write_text(GOOD, encoding="utf-8")
    run("query", "--sparql", "ASK { ?s ?p ?o }", "--data", data)
    run("query", "--sparql", "ASK { ?s ?p ?o }", "--data", data)  # answered from the stamp
    assert len(stamps(cache)) == 1
    stat = data.stat()
    data.write_text(PREFIXES + bad, encoding="utf-8")
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime: only the content tells
    cached = run("query", "--sparql", "ASK { ?s ?p ?o }", "--data", data, expect=ExitCode.INPUT)
    monkeypatch.setenv(checkcache.NO_CACHE_ENV, "1")
    uncached = run("query", "--sparql", "ASK { ?s ?p ?o }", "--data", data, expect=ExitCode.INPUT)
    assert cached.stderr == uncached.stderr
    assert cached.stderr.startswith(f"cstrdf: error: {data}{where}")


def test_n_triples_take_the_checked_path(cache, run, tmp_path):
    # their checks are a byte scan, as cheap as fingerprinting them: no stamp, no hashing
    data = tmp_path / "data.nt"
    data.write_text('<https://example.org/a> <https://example.org/b> "c" .\n', encoding="utf-8")
    run("query", "--sparql", "ASK { ?s ?p ?o }", "--data", data)
    assert stamps(cache) == []


def test_a_missing_file_is_reported_as_without_cache(cache, run, tmp_path):
    data = tmp_path / "data.ttl"
    data.write_text(GOOD, encoding="utf-8")
    run("query", "--sparql", "ASK { ?s ?p ?o }", "--data", data)
    data.unlink()
    result = run("query", "--sparql", "ASK { ?s ?p ?o }", "--data", data, expect=ExitCode.INPUT)
    assert result.stderr == f"cstrdf: error: {data}: no such file\n"


@pytest.mark.parametrize("damage", ["truncate", "garble", "empty", "binary"])
def test_a_corrupt_stamp_is_ignored_and_rewritten(cache, monkeypatch, damage):
    checkcache.load_store()
    (stamp,) = stamps(cache)
    good = stamp.read_bytes()
    damaged = {"truncate": good[: len(good) // 2], "garble": good.replace(b"cstrdf", b"cstrdX"),
               "empty": b"", "binary": b"\xff\xfe\x00garbage"}[damage]
    stamp.write_bytes(damaged)
    calls = []
    checked = publication.load_store
    monkeypatch.setattr(publication, "load_store", lambda *a, **k: calls.append(1) or checked(*a, **k))
    store = checkcache.load_store()
    assert calls == [1], "a damaged stamp must send the load through the checks"
    assert len(store) == len(checked())
    assert stamp.read_bytes() == good


def test_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch, run):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would be\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.delenv(checkcache.NO_CACHE_ENV, raising=False)
    assert run("query", "q05").stdout.count("Russia") == 1


def test_concurrent_writers_leave_one_whole_stamp(cache, tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(cache.parent.parent)}
    env.pop(checkcache.NO_CACHE_ENV, None)
    code = "from cstrdf import checkcache\nprint(len(checkcache.load_store()))\n"
    workers = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
               for _ in range(6)]
    counts = {worker.communicate(timeout=120)[0].strip() for worker in workers}
    assert all(worker.returncode == 0 for worker in workers)
    assert len(counts) == 1
    assert [p.name for p in cache.iterdir()] == [stamps(cache)[0].name]  # no temporary files left
    (stamp,) = stamps(cache)
    _, content = checkcache._stamp(checkcache._fingerprints(
        [(part.graph, part.files) for part in publication.parts()]))
    assert stamp.read_text(encoding="utf-8") == content


def test_old_stamps_are_pruned(cache):
    cache.mkdir(parents=True)
    for number in range(5):
        (cache / f"old-{number}").write_text("stale\n")
        os.utime(cache / f"old-{number}", (number, number))
    checkcache._prune(cache, keep=2)
    assert [p.name for p in stamps(cache)] == ["old-3", "old-4"]
