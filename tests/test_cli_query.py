"""``cstrdf queries`` and ``cstrdf query``: in-process, exit codes asserted by the ``run`` helper."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from cstrdf.catalogue import catalogue
from cstrdf.errors import ExitCode


def test_queries_lists_the_catalogue(run):
    out = run("queries").stdout
    for query in catalogue():
        assert query.name in out and query.title in out
    assert out.rstrip().endswith(f"({len(catalogue())} queries; run one with: cstrdf query NAME)")


def test_queries_json_is_a_list_of_objects(run):
    listing = run("queries", "--format", "json").json()
    assert isinstance(listing, list) and len(listing) == len(catalogue())
    assert {"name", "title", "question"} <= set(listing[0])
    assert listing[12]["name"] == "q13-evidence-for-resource" and listing[12]["params"] == ["resource"]


def test_query_table(run):
    out = run("query", "q01").stdout
    assert out.splitlines()[0].split() == ["?state", "?stateName"]
    assert "cstid:tajikistan" in out and out.rstrip().endswith("(6 rows)")


@pytest.mark.parametrize("name", ["q01", "q01-members-at-moscow-summit", "members-at-moscow-summit", "queries/q01-members-at-moscow-summit.rq"])
def test_query_by_any_name(run, name):
    assert "(6 rows)" in run("query", name).stdout


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_results_formats_on_the_command_line(run, fmt):
    from rdflib.query import Result

    out = run("query", "q04", "--format", fmt).stdout
    source = io.BytesIO(out.encode("utf-8")) if fmt == "xml" else io.StringIO(out)
    assert len(list(Result.parse(source, format=fmt))) == 8


@pytest.mark.parametrize("fmt, rdflib_format", [("turtle", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_construct_formats(run, fmt, rdflib_format):
    import rdflib

    out = run("query", "q16", "--format", fmt).stdout
    assert len(rdflib.Graph().parse(data=out, format=rdflib_format)) == 6


def test_wrong_format_for_the_result_is_a_usage_error(run):
    err = run("query", "q01", "--format", "turtle", expect=ExitCode.USAGE).stderr
    assert "SELECT result cannot be written as turtle" in err


def test_ask_exit_codes(run):
    assert run("query", "q15", expect=ExitCode.NOT_CONFORMING).stdout == "false\n"
    out = run("query", "--sparql", "PREFIX cst: <https://w3id.org/cstrdf/ontology#> ASK { ?s a cst:Summit }").stdout
    assert out == "true\n"
    assert run("query", "q15", "--format", "json", expect=ExitCode.NOT_CONFORMING).json() == {"head": {}, "boolean": False}


def test_syntax_error_has_file_line_and_column(run, write):
    path = write("broken.rq", "# title: x\nSELECT ?s WHERE {\n  ?s ?p\n}\n")
    err = run("query", path, expect=ExitCode.INPUT).stderr
    assert err.startswith(f"cstrdf: error: {path}:3:3: expected")  # the unfinished triple
    assert len(err.strip().splitlines()) == 1


def test_syntax_error_in_sparql_text(run):
    err = run("query", "--sparql", "SELEC ?s", expect=ExitCode.INPUT).stderr
    assert err.startswith("cstrdf: error: query:1:")


def test_unknown_name_suggests_the_closest(run):
    err = run("query", "q07-chairmanship-rotaton", expect=ExitCode.USAGE).stderr
    assert "did you mean q07-chairmanship-rotation" in err
    err = run("query", "timelin", expect=ExitCode.USAGE).stderr
    assert "q06-timeline" in err


def test_endpoint_failure_is_one_line_naming_it(run):
    from cstrdf.serve import free_port

    url = f"http://127.0.0.1:{free_port()}/sparql"
    err = run("query", "q01", "--endpoint", url, "--timeout", "5", expect=ExitCode.REMOTE).stderr
    assert err.count("\n") == 1 and url in err


def test_endpoint_gives_the_same_answer_as_local(run, publication_endpoint):
    for name in ("q03", "q06", "q13"):
        args = ("--param", "resource=cstid:joint-command-proposal") if name == "q13" else ()
        local = run("query", name, "--format", "json", *args).json()
        remote = run("query", name, "--format", "json", "--endpoint", publication_endpoint.query_url, *args).json()
        assert remote == local
    remote = run("query", "q15", "--endpoint", publication_endpoint.query_url, "--method", "GET",
                 expect=ExitCode.NOT_CONFORMING)
    assert remote.stdout == "false\n"


def test_engines_give_the_same_output(run):
    for name in ("q01", "q06", "q10", "q12"):
        assert run("query", name, "--engine", "rdflib").stdout == run("query", name, "--engine", "oxigraph").stdout


def test_param(run):
    out = run("query", "q13", "--param", "resource=cstid:joint-command-proposal", "--format", "csv").stdout
    lines = out.split("\r\n")
    assert lines[0] == "resource,start,end,quote"
    assert lines[1].startswith("https://w3id.org/cstrdf/id/joint-command-proposal,4938,5220,")


def test_hostile_param_is_a_literal(run):
    out = run("query", "q13", "--param", 'resource=x" } ; DROP ALL ; {').stdout
    assert out.rstrip().endswith("(0 rows)")
    assert "(6 rows)" in run("query", "q01").stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (("q13", "--param", "nothing=1"), "no parameter 'nothing'"),
        (("q13", "--param", "resource=x", "--param", "resource=y"), "given twice"),
        (("q13", "--param", "resource"), "expected NAME=VALUE"),
        (("q01", "--sparql", "ASK {}"), "not both"),
        ((), "give a query"),
    ],
)
def test_usage_errors(run, args, message):
    err = run("query", *args, expect=ExitCode.USAGE).stderr
    assert message in err


def test_output_is_written_atomically(run, tmp_path):
    target = tmp_path / "timeline.csv"
    target.write_text("old\n", encoding="utf-8")
    assert run("query", "q06", "--output", target).stdout == ""
    text = target.read_bytes().decode("utf-8")
    assert text.startswith("start,end,item,label,kind\r\n")  # format from the extension
    assert len(text.split("\r\n")) == 19
    assert sorted(p.name for p in tmp_path.iterdir()) == ["timeline.csv"]  # no temporary file left
    run("query", "--sparql", "SELECT WHERE", "--output", target, expect=ExitCode.INPUT)
    assert target.read_bytes().decode("utf-8") == text  # a failed query leaves the file alone


def test_query_from_stdin_and_data_files(run, write, monkeypatch):
    data = write("mini.ttl", "@prefix ex: <http://example.org/> .\nex:a ex:p ex:b .\nex:b ex:p ex:c .\n")
    monkeypatch.setattr(sys, "stdin", io.StringIO("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    for engine in ("oxigraph", "rdflib"):
        monkeypatch.setattr(sys, "stdin", io.StringIO("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
        out = run("query", "-", "--data", data, "--engine", engine, "--format", "csv").stdout
        assert out == "n\r\n2\r\n"


def test_help_lists_the_query_commands(run):
    out = run("--help").stdout
    assert "queries" in out and "query" in out
    help_text = run("query", "--help").stdout
    for option in ("--sparql", "--param", "--format", "--output", "--endpoint", "--engine", "--data", "--user", "--timeout"):
        assert option in help_text
    assert "CSTRDF_PASSWORD" in help_text


def test_start_up_imports_no_heavy_library():
    code = (
        "import sys\n"
        "from cstrdf import cli\n"
        "parser = cli.build_parser()\n"
        "parser.parse_args(['query', 'q01'])\n"
        "from cstrdf import catalogue; catalogue.catalogue()\n"
        "print(sorted(m for m in ('rdflib', 'pyoxigraph', 'SPARQLWrapper', 'pyshacl') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
