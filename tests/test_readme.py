"""The README's command reference is generated from the CLI and must not drift from it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def load_generator():
    spec = importlib.util.spec_from_file_location("readme_commands", REPO / "scripts" / "readme_commands.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_command_reference_matches_help():
    generator = load_generator()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert generator.readme_section(readme) == generator.command_reference().strip("\n"), (
        "README.md's command reference is out of date: run .venv/bin/python scripts/readme_commands.py --write"
    )


def test_every_command_has_a_readme_heading_and_examples():
    from cstrdf import cli

    cli.build_parser()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command in cli.COMMANDS:
        assert f"### `cstrdf {command.name}`" in readme
        assert command.examples, f"{command.name} has no examples in its --help"
