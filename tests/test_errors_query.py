"""The error contract for queries (docs/errors.md, "Queries"), through the real command line.

Pinned elsewhere and not repeated: a syntax error in an .rq file with its position
(test_cli_query.py::test_syntax_error_has_file_line_and_column) and in --sparql text
(::test_syntax_error_in_sparql_text), an unknown catalogue name with the closest names
(::test_unknown_name_suggests_the_closest), an extra or repeated --param and one without a value
(::test_usage_errors), a hostile --param bound as a literal
(::test_hostile_param_is_a_literal, test_query_params.py, test_properties.py).
"""

from __future__ import annotations

import multiprocessing
import time

import pytest

from cstrdf.errors import ExitCode, QueryTimeout
from cstrdf.sparql import LocalStore, prepare

FOREVER = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def only_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def test_a_syntax_error_deep_in_a_file_points_at_it_on_both_engines(run, write):
    path = write("report.rq", "# title: x\n# returns: y\n# params: none\nPREFIX cst: <https://w3id.org/cstrdf/ontology#>\n"
                              "SELECT ?s WHERE {\n  ?s a cst:Summit .\n  FILTER(?s = )\n}\n")
    for engine in ("oxigraph", "rdflib"):
        err = run("query", path, "--engine", engine, expect=ExitCode.INPUT).stderr
        assert only_line(err).startswith(f"cstrdf: error: {path}:7:")


def test_an_unknown_query_file_is_an_input_error(run, tmp_path):
    missing = tmp_path / "nothing.rq"
    assert only_line(run("query", missing, expect=ExitCode.INPUT).stderr) == f"cstrdf: error: {missing}: no such file"


def test_a_query_file_in_latin_1_is_an_input_error(run, write):
    path = write("latin.rq", "SELECT ?s WHERE { ?s ?p \"caf\xe9\" }".encode("latin-1"))
    assert "not valid UTF-8 (byte 0xe9)" in only_line(run("query", path, expect=ExitCode.INPUT).stderr)


def test_a_catalogue_parameter_left_out_answers_for_every_value(run):
    """Catalogue parameters are optional (q13's header: without it, every resource's evidence)."""
    every = run("query", "q13", "--format", "csv").stdout.splitlines()
    one = run("query", "q13", "--param", "resource=cstid:joint-command-proposal", "--format", "csv").stdout.splitlines()
    assert len(every) > len(one) > 1


@pytest.mark.parametrize("args, message", [
    (("--param", "=x"), "expected NAME=VALUE"),
    (("--param", "resource=nosuch:thing"), "unknown prefix 'nosuch:'"),
    (("--param", "resource=<not an iri>"), "not an absolute IRI"),
])
def test_bad_parameters_are_usage_errors(run, args, message):
    assert message in run("query", "q13", *args, expect=ExitCode.USAGE).stderr


def test_a_parameter_for_a_query_text_without_that_variable(run):
    err = run("query", "--sparql", "SELECT ?s WHERE { ?s ?p ?o }", "--param", "nothing=1", expect=ExitCode.USAGE).stderr
    assert only_line(err) == "cstrdf: error: --param nothing: the query has no variable ?nothing"


# -- a local query that runs too long -------------------------------------------------------------

@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_a_local_query_is_stopped_after_the_timeout(run, engine):
    began = time.monotonic()
    err = run("query", "--sparql", FOREVER, "--engine", engine, "--timeout", "1.5", expect=ExitCode.TIMEOUT).stderr
    assert only_line(err) == "cstrdf: error: query: the query ran longer than 1.5 s and was stopped (--timeout)"
    assert time.monotonic() - began < 30  # loading the publication included
    assert multiprocessing.active_children() == []  # the worker is gone, not left running


def test_a_timed_out_query_names_its_file(run, write):
    path = write("forever.rq", FOREVER + "\n")
    err = run("query", path, "--timeout", "1", expect=ExitCode.TIMEOUT).stderr
    assert only_line(err) == f"cstrdf: error: {path}: the query ran longer than 1 s and was stopped (--timeout)"


def test_a_query_within_the_timeout_gives_the_same_answer(run):
    assert run("query", "q06", "--timeout", "60", "--format", "json").json() == run("query", "q06", "--format", "json").json()


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_errors_inside_the_worker_are_the_same_errors(capsys, engine):
    """A query that fails while it runs (here a SERVICE call to a closed loopback port) fails
    with the same message and exit code in the timeout's worker process as without it."""
    from cstrdf import cli
    from cstrdf.serve import free_port

    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{free_port()}/sparql> {{ ?s ?p ?o }} }}"
    outcomes = []
    for extra in ([], ["--timeout", "30"]):
        capsys.readouterr()
        code = cli.main(["query", "--sparql", query, "--engine", engine, *extra])
        outcomes.append((code, capsys.readouterr().err))
    assert outcomes[0] == outcomes[1]
    code, err = outcomes[0]
    assert code == ExitCode.REMOTE  # on every engine: the failure is the endpoint's
    assert only_line(err).startswith("cstrdf: error: query: a SERVICE endpoint failed: ")


@pytest.mark.parametrize("value", ["0", "-3"])
def test_a_timeout_that_is_not_positive_is_a_usage_error(run, value):
    err = run("query", "q01", "--timeout", value, expect=ExitCode.USAGE).stderr
    assert "--timeout must be more than 0 seconds" in err


def test_the_library_raises_query_timeout_and_the_store_stays_usable():
    store = LocalStore("oxigraph")
    with pytest.raises(QueryTimeout):
        store.query(prepare(FOREVER), timeout=0.5)
    assert store.query(prepare("ASK { ?s ?p ?o }"), timeout=30).boolean is True
    assert store.query(prepare("ASK { ?s ?p ?o }")).boolean is True
