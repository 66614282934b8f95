"""Write the README's command reference from the CLI itself (``--write``), or print it.

The section between ``<!-- commands:start -->`` and ``<!-- commands:end -->`` in README.md is
generated from the argparse parsers: each command's help line, its usage synopsis and its
examples. tests/test_readme.py fails when README.md and ``cstrdf --help`` drift apart.
"""

from __future__ import annotations

import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- commands:start -->", "<!-- commands:end -->"


def command_reference() -> str:
    from cstrdf import cli

    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    by_name = {c.name: c for c in cli.COMMANDS}
    parts = []
    for name, sub in subparsers.choices.items():
        command = by_name[name]
        usage = " ".join(sub.format_usage().replace("usage: ", "").split())
        parts.append(
            f"### `cstrdf {name}`\n\n{command.help[0].upper()}{command.help[1:]}.\n\n"
            f"```\n{usage}\n```\n\n```sh\n" + "\n".join(command.examples) + "\n```\n"
        )
    return "\n".join(parts)


def readme_section(text: str) -> str:
    return text[text.index(START) + len(START):text.index(END)].strip("\n")


def main() -> int:
    reference = command_reference()
    if "--write" in sys.argv[1:]:
        text = README.read_text(encoding="utf-8")
        new = text[:text.index(START) + len(START)] + "\n" + reference + "\n" + text[text.index(END):]
        README.write_text(new, encoding="utf-8")
    else:
        print(reference)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
