"""The command line: version, help, exit codes, error messages, JSON envelope, packaging."""

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import rdflib

from cstrdf import __version__, cli
from cstrdf.errors import ExitCode, InputError
from conftest import PREFIXES, REPO

SHAPES = PREFIXES + """
cstid:ThingShape a sh:NodeShape ;
    sh:targetClass cst:Thing ;
    sh:property [ sh:path rdfs:label ; sh:minCount 1 ; sh:message "a thing needs a label" ] ,
                [ sh:path rdfs:comment ; sh:minCount 1 ; sh:severity sh:Warning ; sh:message "a comment helps" ] .
"""
ONTOLOGY = PREFIXES + "cst:Sub rdfs:subClassOf cst:Thing .\n"


@pytest.fixture
def files(write):
    """Synthetic shapes, ontology and data: one conforming thing, one without a label."""
    return {
        "shapes": write("shapes.ttl", SHAPES),
        "ontology": write("ontology.ttl", ONTOLOGY),
        "good": write("good.ttl", PREFIXES + 'cstid:a a cst:Thing ; rdfs:label "A" .\n'),
        "bad": write("bad.ttl", PREFIXES + 'cstid:b a cst:Sub ; rdfs:comment "no label" .\n'),
    }


def _validate(files, *data, fmt="text", expect=ExitCode.OK, run=None):
    return run("validate", "--data", *data, "--shapes", files["shapes"], "--ontology", files["ontology"],
               "--no-coverage", "--format", fmt, expect=expect)


# -- version and help --------------------------------------------------------------------------

def test_version(run):
    assert run("--version").stdout == f"cstrdf {__version__}\n"


def test_python_dash_m_runs_the_cli():
    result = subprocess.run([sys.executable, "-m", "cstrdf", "--version"], capture_output=True, text=True, check=True)
    assert result.stdout == f"cstrdf {__version__}\n"


def test_main_help_lists_commands_and_exit_codes(run):
    out = run("--help").stdout
    for command in cli.COMMANDS:
        assert command.name in out
    for code in ExitCode:
        assert f"\n  {int(code):>2}  " in out


@pytest.mark.parametrize("name", [c.name for c in cli.COMMANDS])
def test_each_command_help_has_examples_and_exit_codes(run, name):
    out = run(name, "--help").stdout
    assert "Examples:\n  cstrdf " + name in out
    assert "Exit codes:" in out
    for code in (ExitCode.OK, ExitCode.USAGE, ExitCode.INPUT):
        assert f"\n  {int(code):>2}  " in out


def test_help_does_not_import_heavy_libraries():
    code = ("import sys, contextlib, io\nfrom cstrdf import cli\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n    cli.main(['--help'])\n"
            "heavy = [m for m in ('rdflib', 'pyshacl', 'pyoxigraph', 'SPARQLWrapper') if m in sys.modules]\n"
            "print(','.join(heavy))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


# -- usage and input errors --------------------------------------------------------------------

def test_usage_errors_exit_2(run):
    assert "usage: cstrdf" in run(expect=ExitCode.USAGE).stderr
    assert "invalid choice" in run("frobnicate", expect=ExitCode.USAGE).stderr
    assert "--format" in run("validate", "--format", "yaml", expect=ExitCode.USAGE).stderr


def test_turtle_syntax_error_gives_file_line_column(run, write):
    bad = write("bad.ttl", "@prefix ex: <http://example.org/> .\nex:a ex:b\n  ex:c ex:d .\n")
    result = run("validate", "--data", bad, expect=ExitCode.INPUT)
    assert result.stderr.startswith(f"cstrdf: error: {bad}:3:8: ")
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_undeclared_prefix_is_a_syntax_error(run, write):
    bad = write("bad.ttl", "ex:a ex:b ex:c .\n")
    result = run("validate", "--data", bad, expect=ExitCode.INPUT)
    assert result.stderr == f"cstrdf: error: {bad}:1:1: The prefix ex: has not been declared\n"


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda tmp: tmp / "missing.ttl", "no such file"),
        (lambda tmp: tmp, "no RDF files"),  # a folder is a corpus: this one holds no RDF file
        (lambda tmp: _file(tmp / "empty.ttl", b""), "empty file"),
        (lambda tmp: _file(tmp / "latin1.ttl", b'@prefix ex: <http://e/> .\nex:a ex:b "caf\xe9" .\n'), "2:15: not valid UTF-8 (byte 0xe9)"),
        (lambda tmp: _file(tmp / "data.xyz", b"x"), "cannot tell the RDF format from the extension"),
    ],
    ids=["missing", "directory", "empty", "not-utf8", "unknown-extension"],
)
def test_unreadable_inputs_exit_3(run, tmp_path, make, message):
    path = make(tmp_path)
    result = run("validate", "--data", path, expect=ExitCode.INPUT)
    assert result.stderr.startswith(f"cstrdf: error: {path}:")
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_traceback_flag_reraises_before_or_after_the_command(tmp_path):
    missing = str(tmp_path / "missing.ttl")
    with pytest.raises(InputError):
        cli.main(["--traceback", "validate", "--data", missing])
    with pytest.raises(InputError):
        cli.main(["validate", "--traceback", "--data", missing])


def test_unusable_shapes_are_an_input_error(run, write, files):
    shapes = write("broken-shapes.ttl", PREFIXES + 'cstid:S a sh:NodeShape ; sh:targetClass cst:Thing ; sh:property [ sh:path "not a path" ] .\n')
    result = run("validate", "--data", files["good"], "--shapes", shapes, "--no-coverage", expect=ExitCode.INPUT)
    assert result.stderr.startswith("cstrdf: error: the SHACL shapes cannot be used:")


# -- validate output ---------------------------------------------------------------------------

def test_validate_text_output(run, files):
    out = _validate(files, files["good"], files["bad"], expect=ExitCode.NOT_CONFORMING, run=run).stdout
    lines = out.splitlines()
    assert lines[0] == "Conforms: no"
    assert "SHACL: 1 violations, 1 warnings, 0 infos" in lines
    assert "VIOLATION cstid:b rdfs:label: a thing needs a label" in lines  # cst:Sub reached through the ontology
    assert "WARNING cstid:a rdfs:comment: a comment helps" in lines
    assert "Coverage: not checked" in lines


def test_warnings_do_not_break_conformance(run, files):
    out = _validate(files, files["good"], run=run).stdout
    assert out.startswith("Conforms: yes\n")
    assert "SHACL: 0 violations, 1 warnings, 0 infos" in out


def test_validate_json_envelope_contract(run, files):
    payload = _validate(files, files["good"], files["bad"], fmt="json", expect=ExitCode.NOT_CONFORMING, run=run).json()
    assert set(payload) == {"format_version", "command", "conforms", "shacl_conforms", "violations", "warnings",
                            "infos", "triples", "coverage", "evidence_problems", "evidence", "results"}
    assert payload["format_version"] == 1 and payload["command"] == "validate"
    assert (payload["conforms"], payload["violations"], payload["warnings"], payload["triples"]) == (False, 1, 1, 4)
    assert payload["coverage"] is None  # --no-coverage
    assert payload["evidence_problems"] == 0
    violation = payload["results"][0]
    assert violation == {
        "severity": "Violation",
        "focus": "https://w3id.org/cstrdf/id/b",
        "path": "http://www.w3.org/2000/01/rdf-schema#label",
        "message": "a thing needs a label",
        "component": "http://www.w3.org/ns/shacl#MinCountConstraintComponent",
        "source_shape": violation["source_shape"],
        "value": None,
    }


def test_validate_json_coverage_block(run, files, source_text):
    payload = run("validate", "--data", files["good"], "--shapes", files["shapes"], "--ontology", files["ontology"],
                  "--format", "json", expect=ExitCode.NOT_CONFORMING).json()
    assert payload["coverage"]["sentences"] == 46
    assert payload["coverage"]["covered"] == 0
    assert set(payload["coverage"]) == {"sentences", "covered", "excluded", "missing", "percent"}


def test_validate_turtle_is_the_shacl_report(run, files):
    out = _validate(files, files["good"], files["bad"], fmt="turtle", expect=ExitCode.NOT_CONFORMING, run=run).stdout
    graph = rdflib.Graph().parse(data=out, format="turtle")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    assert (None, sh.conforms, rdflib.Literal(False)) in graph
    assert len(list(graph.subjects(rdflib.RDF.type, sh.ValidationResult))) == 2


def test_validate_without_shapes_conforms_trivially_on_shacl(run, files, write):
    empty_shapes = write("none.ttl", PREFIXES + "cstid:x rdfs:label \"not a shape\" .\n")
    out = run("validate", "--data", files["bad"], "--shapes", empty_shapes, "--no-coverage", "--format", "json").json()
    assert out["violations"] == 0 and out["conforms"] is True


def test_validate_on_the_packaged_publication_runs(capsys):
    code = cli.main(["validate", "--format", "json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == (ExitCode.OK if payload["conforms"] else ExitCode.NOT_CONFORMING)
    assert payload["triples"] > 0


# -- README, CI, packaging ---------------------------------------------------------------------

def test_readme_opens_with_the_two_commands():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [b.split("\n", 1)[1].split("```", 1)[0].strip() for b in text.split("```sh")[1:3]]
    assert blocks == [
        "bash scripts/setup.sh && .venv/bin/cstrdf report",
        "bash scripts/setup.sh && .venv/bin/python -m pytest",
    ]
    assert text.index("```sh") < text.index("\n## ")


def test_ci_runs_the_second_readme_command():
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/setup.sh && .venv/bin/python -m pytest" in script
    assert "set -euo pipefail" in script
    assert os.access(REPO / ".ci" / "run", os.X_OK)


@pytest.mark.slow
def test_wheel_installed_in_a_fresh_venv_validates_outside_the_checkout(tmp_path, capsys):
    """Build the wheel, install it (no network, no deps) into a new venv, run it from elsewhere."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(REPO)],
        check=True, capture_output=True, text=True,
    )
    (wheel,) = wheels.glob("cstrdf-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-index", "--no-deps", str(wheel)],
        check=True, capture_output=True, text=True,
    )
    # the dependencies come from this environment's site-packages (a plain path: its .pth
    # files, including the editable cstrdf, are not processed)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "_cstrdf_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run(
        [str(python), "-c", "import cstrdf, cstrdf.resources as r; print(cstrdf.__file__); print(r.publication_root())"],
        cwd=elsewhere, env=env, check=True, capture_output=True, text=True,
    ).stdout.splitlines()
    assert where[0].startswith(str(venv)) and where[1].startswith(str(venv))
    assert where[1].endswith("cstrdf/_publication")

    installed = subprocess.run([str(venv / "bin" / "cstrdf"), "validate", "--format", "json"],
                               cwd=elsewhere, env=env, capture_output=True, text=True)
    assert installed.returncode in (ExitCode.OK, ExitCode.NOT_CONFORMING), installed.stderr
    capsys.readouterr()
    in_checkout = cli.main(["validate", "--format", "json"])
    checkout_payload = json.loads(capsys.readouterr().out)
    installed_payload = json.loads(installed.stdout)
    assert installed.returncode == in_checkout
    assert installed_payload["triples"] == checkout_payload["triples"]
    assert installed_payload["coverage"] == checkout_payload["coverage"]


@pytest.mark.parametrize("module", ["errors", "formats", "sentences", "canonical", "anchor", "resources"])
def test_docstring_examples(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"cstrdf.{module}"), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
