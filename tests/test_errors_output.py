"""The error contract for output files (docs/errors.md, "Output"): a file that cannot be
written is one line ``cstrdf: error: FILE: cannot write: reason; nothing was written`` and exit
3; no partial or temporary file is left behind and an existing file keeps its old content.

A read-only place and a full disk are real file systems: small tmpfs mounts (root in a
container can mount them). Where mounting is not allowed the two tests are skipped, and the
documented alternative is running them as root in a container (as CI does).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cstrdf.errors import ExitCode

EVERYTHING = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"  # about 700 kB as CSV: more than the small disk


def only_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture
def mount(tmp_path):
    """``mount(name, size="64k", read_only=False)`` → a fresh tmpfs folder (unmounted after)."""
    mounted = []

    def make(name: str, size: str = "64k", read_only: bool = False):
        folder = tmp_path / name
        folder.mkdir()
        options = f"size={size}" + (",ro" if read_only else "")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); run as root in a container")
        mounted.append(folder)
        return folder

    yield make
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_output_into_a_missing_folder(run, tmp_path):
    target = tmp_path / "no" / "such" / "folder" / "q06.csv"
    line = only_line(run("query", "q06", "--output", target, expect=ExitCode.INPUT).stderr)
    assert line == f"cstrdf: error: {target}: cannot write: no such folder '{target.parent}'; nothing was written"
    assert not (tmp_path / "no").exists()


def test_output_through_a_file(run, tmp_path):
    (tmp_path / "plain").write_text("x")
    target = tmp_path / "plain" / "q06.csv"
    line = only_line(run("query", "q06", "--output", target, expect=ExitCode.INPUT).stderr)
    assert line.endswith(": cannot write: not a directory; nothing was written")


def test_output_onto_a_folder(run, tmp_path):
    (tmp_path / "results.csv").mkdir()
    line = only_line(run("query", "q06", "--output", tmp_path / "results.csv", expect=ExitCode.INPUT).stderr)
    assert line.endswith(": cannot write: is a directory; nothing was written")
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]


def test_build_into_a_place_that_is_a_file(run, tmp_path):
    (tmp_path / "dist").write_text("not a folder")
    line = only_line(run("build", "--out", tmp_path / "dist" / "sub", expect=ExitCode.INPUT).stderr)
    assert line == f"cstrdf: error: {tmp_path / 'dist' / 'sub'}: cannot create the folder: not a directory"


def test_a_read_only_place(run, mount, write):
    place = mount("read-only", read_only=True)
    line = only_line(run("query", "q06", "--output", place / "q06.csv", expect=ExitCode.INPUT).stderr)
    assert line == f"cstrdf: error: {place / 'q06.csv'}: cannot write: read-only file system; nothing was written"
    line = only_line(run("build", "--out", place / "dist", expect=ExitCode.INPUT).stderr)
    assert line == f"cstrdf: error: {place / 'dist'}: cannot create the folder: read-only file system"
    assert list(place.iterdir()) == []


def test_a_read_only_file_for_fmt(run, mount, tmp_path):
    """``fmt`` rewrites in place: on a read-only mount the file stays as it was."""
    source = tmp_path / "messy.ttl"
    source.write_text("@prefix ex: <http://example.org/> .\nex:b ex:p ex:c .\nex:a ex:p ex:c .\n")
    place = mount("read-only-fmt", size="64k")
    target = place / "messy.ttl"
    target.write_bytes(source.read_bytes())
    subprocess.run(["mount", "-o", "remount,ro", str(place)], check=True)
    line = only_line(run("fmt", target, expect=ExitCode.INPUT).stderr)
    assert line == f"cstrdf: error: {target}: cannot write: read-only file system; nothing was written"
    assert target.read_bytes() == source.read_bytes()


def test_a_full_disk_keeps_the_old_file_and_leaves_no_temporary_file(run, mount):
    disk = mount("full", size="64k")
    target = disk / "everything.csv"
    target.write_text("the old answer\n")
    line = only_line(run("query", "--sparql", EVERYTHING, "--output", target, expect=ExitCode.INPUT).stderr)
    assert line == f"cstrdf: error: {target}: cannot write: no space left on device; nothing was written"
    assert target.read_text() == "the old answer\n"
    assert [p.name for p in disk.iterdir()] == ["everything.csv"]


def test_build_on_a_full_disk_leaves_no_partial_file(run, mount):
    disk = mount("full-build", size="64k")
    err = run("build", "--out", disk / "dist", expect=ExitCode.INPUT).stderr
    assert only_line(err).endswith(": cannot write: no space left on device; nothing was written")
    assert [p.name for p in (disk / "dist").iterdir()] == []  # the first dump did not fit: nothing


def test_standard_output_on_a_full_disk_is_an_error_not_a_silent_cut(mount):
    """``cstrdf query … > file`` on a full disk: exit 3 and a message. (The shell made the file,
    so part of the output is in it; what matters is that nobody mistakes it for the answer.)"""
    disk = mount("full-stdout", size="16k")
    with open(disk / "out.csv", "w") as out:
        done = subprocess.run([sys.executable, "-m", "cstrdf", "query", "--sparql", EVERYTHING, "--format", "csv"],
                              stdout=out, stderr=subprocess.PIPE, text=True, timeout=300)
    assert done.returncode == ExitCode.INPUT, done.stderr
    assert done.stderr == ("cstrdf: error: standard output: cannot write: no space left on device; "
                           "the output is incomplete\n")


def test_dev_full():
    """The same through /dev/full, which fails every write."""
    with open("/dev/full", "w") as out:
        done = subprocess.run([sys.executable, "-m", "cstrdf", "query", "q06", "--format", "csv"],
                              stdout=out, stderr=subprocess.PIPE, text=True, timeout=300)
    assert done.returncode == ExitCode.INPUT
    assert "no space left on device" in done.stderr


def test_a_failed_query_leaves_the_old_output(run, tmp_path):
    target = tmp_path / "answer.csv"
    target.write_text("old\n")
    run("query", "--sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", "--output", target,
        "--timeout", "1", expect=ExitCode.TIMEOUT)
    assert target.read_text() == "old\n"
    assert os.listdir(tmp_path) == ["answer.csv"]
