"""The error contract for input files (docs/errors.md, "Input files"): each failure is one line
``cstrdf: error: FILE[:LINE:COL]: message`` and exit 3, through the real command line.

Rows already pinned elsewhere are not repeated here: missing file, a folder, an empty file,
Latin-1 bytes and an unknown extension (test_cli_basics.py::test_unreadable_inputs_exit_3),
a Turtle syntax error with its position (::test_turtle_syntax_error_gives_file_line_column),
an undeclared prefix (::test_undeclared_prefix_is_a_syntax_error).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from cstrdf.errors import ExitCode
from misbehaving import Reply, scripted

NT = '<http://example.org/a> <http://example.org/p> "{}" .\n'


def one_error_line(result, prefix: str) -> str:
    """The single stderr line, checked to start with ``cstrdf: error: <prefix>``."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"cstrdf: error: {prefix}"), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    return lines[0]


# the three ways a data file is read: rdflib after a pyoxigraph check (validate), a pyoxigraph
# store (query --data), and the info counts
READERS = {
    "validate": lambda path: ("validate", "--no-coverage", "--data", path),
    "query": lambda path: ("query", "--sparql", "ASK {}", "--data", path),
    "info": lambda path: ("info", "--data", path),
}


# -- unreadable ---------------------------------------------------------------------------------

@pytest.fixture
def open_folder():
    """A folder every user may enter (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="cstrdf-errors-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def run_as_nobody(*args, readable: Path) -> tuple[int, str]:
    """``cstrdf ARGS`` in a forked child that has dropped to an unprivileged user (root reads
    chmod-000 files anyway): the in-process CLI, run as uid 65534. Returns (code, stderr).

    The child first runs the same command on ``readable`` (as root) so every module is
    imported before it drops privileges: the user may not be able to read Python's own folder.
    """
    import io
    import json

    from cstrdf import cli

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop privileges, run, report, never return into pytest
        try:
            os.close(read_end)
            sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
            cli.main([str(a) for a in args[:-1]] + [str(readable)])
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            sys.stdout, sys.stderr = io.StringIO(), io.StringIO()
            code = cli.main([str(a) for a in args])
            os.write(write_end, json.dumps([code, sys.stderr.getvalue()]).encode())
        except BaseException as error:  # noqa: BLE001 - reported to the parent
            os.write(write_end, json.dumps([-1, f"{type(error).__name__}: {error}"]).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    code, stderr = json.loads(data)
    return code, stderr


def test_a_file_without_read_permission(open_folder):
    locked = open_folder / "locked.ttl"
    locked.write_text(NT.format(1))
    locked.chmod(0o000)
    readable = open_folder / "readable.ttl"
    readable.write_text(NT.format(1))
    code, stderr = run_as_nobody("validate", "--no-coverage", "--data", locked, readable=readable)
    assert (code, stderr) == (ExitCode.INPUT, f"cstrdf: error: {locked}: permission denied\n")


def test_a_file_in_a_folder_that_cannot_be_searched(open_folder):
    private = open_folder / "private"
    private.mkdir(mode=0o700)
    inside = private / "data.ttl"
    inside.write_text(NT.format(1))
    code, stderr = run_as_nobody("validate", "--no-coverage", "--data", inside, readable=inside)
    assert (code, stderr) == (ExitCode.INPUT, f"cstrdf: error: {inside}: permission denied\n")


def test_a_file_whose_read_fails(run, tmp_path):
    # reading /proc/self/mem from offset 0 fails with EIO: a real read error, not a permission one
    data = tmp_path / "memory.ttl"
    data.symlink_to("/proc/self/mem")
    line = one_error_line(run("validate", "--no-coverage", "--data", data, expect=ExitCode.INPUT), f"{data}: ")
    assert line.endswith("cannot read: Input/output error")


def test_a_path_through_a_file(run, write):
    data = write("data.ttl", NT.format(1))
    line = one_error_line(run("validate", "--no-coverage", "--data", data / "more.ttl", expect=ExitCode.INPUT),
                          f"{data / 'more.ttl'}: ")
    assert "Not a directory" in line


# -- encodings and binary data ------------------------------------------------------------------

@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize(
    "content, where, message",
    [
        (NT.format(1).encode("utf-16"), "1:1", "UTF-16 text (byte-order mark); RDF files must be UTF-8"),
        (NT.format(1).encode("utf-32"), "1:1", "UTF-32 text (byte-order mark); RDF files must be UTF-8"),
        (b"\xef\xbb\xbf" + NT.format(1).encode(), "1:1", "starts with a byte-order mark (U+FEFF)"),
        (NT.format(1).encode() + "café".encode("latin-1"), "2:4", "not valid UTF-8 (byte 0xe9)"),
        (NT.format(1).encode() + b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "4:1", "binary data (a NUL byte), not an RDF text file"),
        (NT.format(1).encode() + b"PK\x03\x04\x14\x00\x00\x00", "2:6", "binary data (a NUL byte), not an RDF text file"),
    ],
    ids=["utf-16", "utf-32", "utf-8-bom", "latin-1", "png-bytes", "zip-bytes"],
)
def test_wrong_encodings_and_binary_data(run, write, reader, content, where, message):
    path = write("data.nt", content)
    line = one_error_line(run(*READERS[reader](path), expect=ExitCode.INPUT), f"{path}:{where}: ")
    assert message in line


def test_random_bytes_are_an_input_error_not_a_crash(run, write):
    import random

    rng = random.Random(7)
    for attempt in range(20):
        path = write(f"noise{attempt}.ttl", bytes(rng.randrange(256) for _ in range(300)))
        one_error_line(run("validate", "--no-coverage", "--data", path, expect=ExitCode.INPUT), f"{path}:")


# -- syntax in the other formats ----------------------------------------------------------------

@pytest.mark.parametrize(
    "name, content, shape",
    [
        ("bad.nt", NT.format(1) + '<http://example.org/b> <http://example.org/p> "open .\n', ":2:"),
        ("bad.jsonld", '{"@id": "http://example.org/a",\n "http://example.org/p": {"@value": "x"', ":2:40: "),
        ("bad.rdf", '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://e/">\n'
                    '<rdf:Description rdf:about="http://e/a"><ex:p>x</ex:q></rdf:Description></rdf:RDF>\n',
         ": ill-formed document"),
        ("bad.trig", "<http://e/g> { <http://e/a> <http://e/p> 1 \n", ":2:"),
    ],
)
def test_syntax_errors_in_every_format(run, write, name, content, shape):
    path = write(name, content)
    line = one_error_line(run("validate", "--no-coverage", "--data", path, expect=ExitCode.INPUT), str(path))
    assert line.startswith(f"cstrdf: error: {path}{shape}"), line


# -- ill-typed literals ---------------------------------------------------------------------------

TTL_XSD = "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n@prefix ex: <http://example.org/> .\n"


@pytest.mark.parametrize(
    "literal, message",
    [
        ('"2002-13-45"^^xsd:date', "'2002-13-45' is not a valid xsd:date: month 13 does not exist"),
        ('"2002-02-30"^^xsd:date', "'2002-02-30' is not a valid xsd:date: day 30 does not exist in month 2"),
        ('"14 May 2002"^^xsd:date', "'14 May 2002' is not a valid xsd:date: not of the form of an xsd:date"),
        ('"2002-05-14T25:00:00"^^xsd:dateTime', "not a valid xsd:dateTime"),
        ('"2002-13"^^xsd:gYearMonth', "month 13 does not exist"),
        ('"twelve"^^xsd:integer', "'twelve' is not a valid xsd:integer"),
        ('"-1"^^xsd:nonNegativeInteger', "out of range for xsd:nonNegativeInteger"),
        ('"yes"^^xsd:boolean', "not a valid xsd:boolean"),
        ('"1,5"^^xsd:decimal', "not a valid xsd:decimal"),
    ],
)
def test_an_ill_typed_literal_is_an_input_error_at_its_position(run, write, literal, message):
    path = write("data.ttl", TTL_XSD + "ex:a ex:note \"fine\" .\nex:a ex:when\n    " + literal + " .\n")
    line = one_error_line(run("validate", "--no-coverage", "--data", path, expect=ExitCode.INPUT), f"{path}:5:5: ")
    assert message in line, line


def test_well_typed_literals_pass(run, write):
    path = write("data.ttl", TTL_XSD + (
        'ex:a ex:d "2002-05-14"^^xsd:date , "2000-02-29"^^xsd:date , "2002-05-14T10:00:00Z"^^xsd:dateTime , '
        '"2002"^^xsd:gYear , "2002-05"^^xsd:gYearMonth , 12 , -3.5 , 1e3 , true , "0"^^xsd:boolean , '
        '"INF"^^xsd:double , "255"^^xsd:unsignedByte , "2002-13-45" , "2002-13-45"^^ex:myDate .\n'))
    run("validate", "--no-coverage", "--data", path, "--shapes", write("none.ttl", TTL_XSD))


def test_an_ill_typed_literal_prints_no_rdflib_stack_trace(run, write):
    """rdflib logs a stack trace for every ill-typed literal it meets; cstrdf stops before."""
    path = write("data.ttl", TTL_XSD + 'ex:a ex:when "2002-13-45"^^xsd:date .\n')
    result = run("validate", "--no-coverage", "--data", path, expect=ExitCode.INPUT)
    assert "Traceback" not in result.stderr and "Failed to convert" not in result.stderr


# -- nothing is fetched while reading -------------------------------------------------------------

@pytest.fixture
def recorder():
    """A real HTTP server on loopback that records every request it gets (recorder.seen)
    and answers each with application/ld+json."""
    server = scripted(Reply(200, b'{"@context": {"name": "http://example.org/name"}}', {"Content-Type": "application/ld+json"}))
    yield server
    server.stop()


@pytest.fixture
def fifo(tmp_path):
    """A named pipe standing in for a secret file: whoever opens it for reading unblocks the
    writer thread, so the test sees whether the file was opened at all."""
    path = tmp_path / "secret.fifo"
    os.mkfifo(path)
    opened = threading.Event()

    def writer():
        try:
            with open(path, "w") as pipe:  # blocks until a reader opens the pipe
                opened.set()
                pipe.write("SECRET\n")
        except OSError:
            pass

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    yield path, opened
    if not opened.is_set():  # release the writer
        with open(path, "r"):
            pass
    thread.join(timeout=5)


XXE_DOCUMENTS = {
    "file-entity": '<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "file://{fifo}"> ]>',
    "http-entity": '<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "{url}/entity"> ]>',
    "parameter-entity": '<!DOCTYPE rdf:RDF [ <!ENTITY % remote SYSTEM "{url}/dtd"> %remote; ]>',
    "external-dtd": '<!DOCTYPE rdf:RDF SYSTEM "{url}/doctype.dtd">',
    "public-dtd": '<!DOCTYPE rdf:RDF PUBLIC "-//X//DTD X//EN" "{url}/public.dtd">',
}


@pytest.mark.parametrize("reader", ["validate", "query"])
@pytest.mark.parametrize("kind", XXE_DOCUMENTS)
def test_rdf_xml_with_an_external_entity_reads_nothing(run, write, recorder, fifo, kind, reader):
    pipe, opened = fifo
    doctype = XXE_DOCUMENTS[kind].format(fifo=pipe, url=recorder.url)
    path = write("xxe.rdf", (
        '<?xml version="1.0"?>\n' + doctype + "\n"
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">\n'
        '  <rdf:Description rdf:about="http://example.org/a"><ex:p>&xxe;</ex:p></rdf:Description>\n'
        "</rdf:RDF>\n"))
    result = run(*READERS[reader](path), expect=ExitCode.INPUT)
    one_error_line(result, f"{path}")
    assert not opened.wait(0.5), "the entity's file was opened"
    assert recorder.seen == [], "the entity's URL was fetched"
    assert "SECRET" not in result.stdout + result.stderr


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("context", ['"{url}/context.jsonld"', '["{url}/a.jsonld", {{"x": "http://e/x"}}]',
                                     '{{"@import": "{url}/imported.jsonld"}}'])
def test_json_ld_with_a_remote_context_fetches_nothing(run, write, recorder, reader, context):
    path = write("data.jsonld", '{"@context": ' + context.format(url=recorder.url)
                 + ', "@id": "http://example.org/a", "name": "x"}\n')
    line = one_error_line(run(*READERS[reader](path), expect=ExitCode.INPUT), f"{path}: ")
    assert line.endswith("a remote JSON-LD @context is not fetched (nothing is fetched while reading); "
                         "put the context into the file")
    assert recorder.seen == []


def test_json_ld_with_an_inline_context_reads(run, write):
    path = write("data.jsonld", '{"@context": {"name": "http://example.org/name"}, "@id": "http://example.org/a", '
                                '"name": "x"}\n')
    assert run("info", "--data", path, "--format", "json").json()["triples"] == 1


# -- the contract document ----------------------------------------------------------------------

def test_every_row_of_the_contract_names_tests_that_exist():
    """docs/errors.md: each table row of a failure names at least one test, and every test it
    names (``file.py::name``, or ``::name`` for the file named before it) exists."""
    import re

    tests = Path(__file__).resolve().parent
    text = (tests.parent / "docs" / "errors.md").read_text(encoding="utf-8")
    text = text.split("## Properties and fuzzing")[0]  # the measurements after it are no contract rows
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith(("| failure", "| exit", "|---"))]
    assert len(rows) > 60
    checked = 0
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        if len(cells) < 3 or cells[0].isdigit():
            continue  # the exit-code table
        refs = re.findall(r"(test_[a-z_]+\.py)?::(test_[A-Za-z0-9_]+)", cells[-1])
        assert refs or "bench" in cells[-1], f"no test named for: {cells[0]}"
        current = None
        for file, name in refs:
            current = file or current
            assert current, row
            source = (tests / current).read_text(encoding="utf-8")
            assert re.search(rf"^def {name}\(", source, re.M), f"{current}::{name} does not exist"
            checked += 1
    assert checked > 80
