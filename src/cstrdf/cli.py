"""The ``cstrdf`` command line: thin wrappers that parse options, call one library function and
hand the result to :mod:`cstrdf.render`.

Heavy libraries (rdflib, pyshacl, pyoxigraph) are imported inside the commands, so ``cstrdf
--help`` starts fast; so are the standard modules only some commands need (``cstrdf --help`` is
measured against ``python -c pass``: see bench/). Commands are registered in :data:`COMMANDS`;
a new command is a :class:`Command` appended there.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys

from cstrdf import __version__
from cstrdf.errors import CstrdfError, ExitCode

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a few ms at startup)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Callable, Sequence

EXIT_CODES_TEXT = {
    ExitCode.OK: "success (validate: the publication conforms)",
    ExitCode.NOT_CONFORMING: "does not conform / check failed",
    ExitCode.USAGE: "usage error (bad options or arguments)",
    ExitCode.INPUT: "input error: a file cannot be read or written, syntax error (file:line:col: message)",
    ExitCode.REMOTE: "remote error: endpoint unreachable, HTTP error, timeout",
    ExitCode.TIMEOUT: "a local query ran longer than --timeout and was stopped",
    ExitCode.INTERNAL: "internal error (a bug; rerun with --traceback and report it)",
}


class Command:
    """One subcommand: its help texts, its options and the function that runs it.

    A plain class rather than a dataclass: importing :mod:`dataclasses` (and the
    :mod:`inspect` it pulls in) took about a fifth of ``cstrdf --help``.
    """

    __slots__ = ("name", "help", "description", "examples", "exit_codes", "configure", "run")

    def __init__(
        self,
        *,
        name: str,
        help: str,  # noqa: A002 - the argparse word
        description: str,
        examples: tuple[str, ...],
        exit_codes: tuple[tuple[ExitCode, str], ...],
        configure: Callable[[argparse.ArgumentParser], None],
        run: Callable[[argparse.Namespace], int],
    ) -> None:
        self.name = name
        self.help = help
        self.description = description
        self.examples = examples
        #: (code, meaning for this command); the usage, input and internal codes are added for all
        self.exit_codes = exit_codes
        self.configure = configure
        self.run = run

    def __repr__(self) -> str:
        return f"Command(name={self.name!r})"

    def epilog(self) -> str:
        codes = dict(self.exit_codes)
        for code in (ExitCode.USAGE, ExitCode.INPUT, ExitCode.INTERNAL):
            codes.setdefault(code, EXIT_CODES_TEXT[code])
        lines = ["Examples:"] + [f"  {e}" for e in self.examples] + ["", "Exit codes:"]
        lines += [f"  {int(c):>2}  {text}" for c, text in sorted(codes.items())]
        return "\n".join(lines)


def _terminal_width() -> int:
    """The width argparse wraps help to, found as :func:`shutil.get_terminal_size` finds it
    ($COLUMNS, else the terminal, else 80) without importing shutil (and the compression
    modules it imports) on every start."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    return columns if columns > 0 else _terminal_columns()


@functools.lru_cache(maxsize=1)
def _terminal_columns() -> int:
    # asked once: argparse makes a formatter for every option it adds
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter with the width given (see :func:`_terminal_width`)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        super().__init__(prog, indent_increment, max_help_position, _terminal_width() - 2 if width is None else width)


class RawDescriptionHelpFormatter(HelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Descriptions and epilogs as written (examples, exit codes), with the width given."""


class CommandHelpFormatter(RawDescriptionHelpFormatter):
    """A command's help: its one-paragraph description wrapped to 88 columns, its epilog
    (examples, exit codes: several lines) as written. Wrapping here rather than when the
    parser is built means a run that shows no help never imports textwrap."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return super()._fill_text(text, width, indent)
        import textwrap

        return textwrap.fill(text, width=88)


# -- shared options (the same flag means the same thing on every command) --------------------

def add_data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data", metavar="FILE", nargs="+", action="extend",
        help="RDF files to use instead of the packaged publication (ontology + facts + context); "
             "a folder stands for the RDF files in it (a corpus)",
    )


def add_source_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source", metavar="TEXT", help="the article text (default: the packaged data/source/monitor-v8-i95.txt)",
    )


def add_format_option(parser: argparse.ArgumentParser, choices: Sequence[str]) -> None:
    parser.add_argument("--format", choices=list(choices), default=choices[0], help=f"output format (default: {choices[0]})")


def add_check_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--check", action="store_true", help=f"write nothing; exit 1 if {what}")


def add_exclusions_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--exclusions", metavar="TSV",
        help="coverage exclusions, header 'quote<TAB>reason' (default: data/coverage-exclusions.tsv)",
    )


# -- commands ------------------------------------------------------------------------------

def _configure_validate(parser: argparse.ArgumentParser) -> None:
    add_data_option(parser)
    parser.add_argument("--shapes", metavar="FILE", nargs="+", action="extend", help="SHACL files (default: shapes/*.ttl)")
    parser.add_argument(
        "--ontology", metavar="FILE", nargs="+", action="extend",
        help="ontology mixed into the data for class hierarchies (default: ontology/*.ttl)",
    )
    add_source_option(parser)
    add_exclusions_option(parser)
    parser.add_argument("--no-coverage", action="store_true", help="skip the sentence-coverage check")
    parser.add_argument(
        "--engine", choices=["fast", "pyshacl"], default=None,
        help="SHACL engine: fast (pySHACL's results over pyoxigraph; it runs pySHACL itself for what "
             "it does not reproduce) or pyshacl (the reference); default: fast, or pyshacl for --format turtle",
    )
    add_format_option(parser, ("text", "json", "turtle"))


def _run_validate(args: argparse.Namespace) -> int:
    from cstrdf import render
    from cstrdf.errors import UsageError
    from cstrdf.validate import validate

    engine = args.engine or ("pyshacl" if args.format == "turtle" else "fast")
    if engine == "fast" and args.format == "turtle":
        raise UsageError("--format turtle prints pySHACL's report graph: use it with --engine pyshacl")
    report = validate(
        args.data, args.shapes, ontology=args.ontology, source=args.source,
        exclusions=args.exclusions, check_coverage=not args.no_coverage, engine=engine,
    )
    render.validation(report, args.format)
    return ExitCode.OK if report.conforms else ExitCode.NOT_CONFORMING


def _configure_coverage(parser: argparse.ArgumentParser) -> None:
    add_data_option(parser)
    add_source_option(parser)
    add_exclusions_option(parser)
    add_format_option(parser, ("text", "json"))


def _run_coverage(args: argparse.Namespace) -> int:
    from cstrdf import render
    from cstrdf.validate import coverage_report

    report = coverage_report(args.data, source=args.source, exclusions=args.exclusions)
    render.coverage(report, args.format)
    return ExitCode.OK if report.complete else ExitCode.NOT_CONFORMING


def _configure_anchor(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", metavar="FILE", nargs="+", help="Turtle files with oa:TextQuoteSelector quotes")
    add_source_option(parser)
    add_check_option(parser, "any file would change")


def _run_anchor(args: argparse.Namespace) -> int:
    from cstrdf import render, resources
    from cstrdf.anchor import anchor_files

    text = resources.read_source_text(args.source)
    results = anchor_files(args.files, text, check=args.check)
    render.anchor(results, check=args.check)
    if any(r.problems for r in results):
        return ExitCode.INPUT
    if args.check and any(r.changed for r in results):
        return ExitCode.NOT_CONFORMING
    return ExitCode.OK


def _configure_fmt(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", metavar="FILE", nargs="+", help="Turtle files")
    add_check_option(parser, "any file is not in canonical form")


def _run_fmt(args: argparse.Namespace) -> int:
    from cstrdf import render
    from cstrdf.canonical import format_file

    results = [format_file(path, check=args.check) for path in args.files]
    render.formatted(results, check=args.check)
    if args.check and any(r.changed for r in results):
        return ExitCode.NOT_CONFORMING
    return ExitCode.OK


COMMANDS: list[Command] = [
    Command(
        name="validate",
        help="check the publication: SHACL shapes, evidence offsets, sentence coverage",
        description=(
            "Validate RDF data against SHACL shapes (pySHACL's results, no inference, SHACL-AF on; "
            "warnings do not break conformance), re-check every evidence quote against the article "
            "text, and require every sentence to be covered by evidence or excluded. Without "
            "options the packaged publication is checked; --data DIR checks a corpus."
        ),
        examples=(
            "cstrdf validate",
            "cstrdf validate --format json",
            "cstrdf validate --data mine.ttl --shapes shapes/core.ttl --no-coverage",
            "cstrdf validate --data corpus/ --no-coverage --format json",
            "cstrdf validate --engine pyshacl",
            "cstrdf validate --format turtle > report.ttl",
        ),
        exit_codes=(
            (ExitCode.OK, "conforms: no SHACL violation, no evidence problem, coverage 100 %"),
            (ExitCode.NOT_CONFORMING, "does not conform"),
            (ExitCode.INPUT, "input error: a file cannot be read, syntax error (file:line:col: message), or the "
                             "data would need more memory than there is, refused before reading "
                             "($CSTRDF_MEMORY_LIMIT sets the limit: 512M, 2G)"),
        ),
        configure=_configure_validate,
        run=_run_validate,
    ),
    Command(
        name="coverage",
        help="which sentences of the article are evidence for some node",
        description=(
            "Print one row per sentence of the article (covered by evidence, excluded with a "
            "reason, or MISSING) and the percentage accounted for."
        ),
        examples=("cstrdf coverage", "cstrdf coverage --format json"),
        exit_codes=(
            (ExitCode.OK, "every sentence is covered or excluded"),
            (ExitCode.NOT_CONFORMING, "some sentence is missing"),
        ),
        configure=_configure_coverage,
        run=_run_coverage,
    ),
    Command(
        name="anchor",
        help="fill in offsets, prefix and suffix of evidence quotes, then write canonical Turtle",
        description=(
            "For every oa:TextQuoteSelector with an oa:exact, find the quote in the article and "
            "set oa:start/oa:end on its sibling oa:TextPositionSelector (created if missing) and "
            "oa:prefix/oa:suffix (32 code points of context). A quote that occurs several times "
            "needs an oa:prefix (or an existing oa:start) to tell which. Each file is rewritten "
            "in canonical Turtle (see 'cstrdf fmt --help' for what happens to comments)."
        ),
        examples=(
            "cstrdf anchor data/facts/*.ttl",
            "cstrdf anchor --check data/facts/summit.ttl",
        ),
        exit_codes=(
            (ExitCode.OK, "done (with --check: nothing would change)"),
            (ExitCode.NOT_CONFORMING, "with --check: some file would change"),
            (ExitCode.INPUT, "a quote is not in the text or is ambiguous; unreadable file or syntax error"),
        ),
        configure=_configure_anchor,
        run=_run_anchor,
    ),
    Command(
        name="fmt",
        help="rewrite Turtle files in canonical form",
        description=(
            "Rewrite Turtle files in the project's canonical form: sorted @prefix lines, one "
            "block per subject, 'a' and rdfs:label first, blank nodes inline. The leading "
            "comment block stays on top; a comment block right above a subject (at column 0) "
            "moves with that subject; other comments are dropped. --check only reports."
        ),
        examples=("cstrdf fmt ontology/*.ttl shapes/*.ttl", "cstrdf fmt --check data/facts/*.ttl"),
        exit_codes=(
            (ExitCode.OK, "done (with --check: all files are canonical)"),
            (ExitCode.NOT_CONFORMING, "with --check: some file is not canonical"),
        ),
        configure=_configure_fmt,
        run=_run_fmt,
    ),
]


def _register_more_commands() -> None:
    """Commands defined in other modules (kept out of this file so each stays small)."""
    from cstrdf.cli_link import LINK_COMMANDS
    from cstrdf.cli_publish import PUBLISH_COMMANDS
    from cstrdf.cli_query import QUERY_COMMANDS
    from cstrdf.cli_site import SITE_COMMANDS

    known = {c.name for c in COMMANDS}
    COMMANDS.extend(c for c in PUBLISH_COMMANDS + QUERY_COMMANDS + LINK_COMMANDS + SITE_COMMANDS
                    if c.name not in known)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser with every command of :data:`COMMANDS`.

    Given the ``argv`` it will parse, only the command named there is added, with its options,
    examples and exit codes (argparse builds each parser eagerly, and its gettext look-ups make
    that a noticeable part of a short command's time). Without a known command name in
    ``argv`` (``cstrdf --help``, a typo), every command gets its name and help line, all that
    is shown then.
    """
    _register_more_commands()
    selected = None
    if argv is not None:
        selected = next((a for a in argv if not a.startswith("-")), None)
        if selected not in {c.name for c in COMMANDS}:
            selected = None
    codes = "\n".join(f"  {int(c):>2}  {t}" for c, t in sorted(EXIT_CODES_TEXT.items()))
    parser = argparse.ArgumentParser(
        prog="cstrdf",
        description="The Monitor article on the CIS Collective Security Treaty (8:95) as linked data.",
        epilog=f"Run 'cstrdf COMMAND --help' for a command's options and examples.\n\nExit codes:\n{codes}",
        formatter_class=RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"cstrdf {__version__}")
    parser.add_argument("--traceback", action="store_true", help="show the Python traceback on errors")
    common = argparse.ArgumentParser(add_help=False, formatter_class=HelpFormatter)
    common.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS, help="show the Python traceback on errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        if argv is not None and selected is not None and command.name != selected:
            continue  # not the command that runs: argparse never looks at its parser
        if argv is not None and selected is None:
            # listed in ``cstrdf --help`` or in an "invalid choice" error, never run
            subparsers.add_parser(command.name, help=command.help, add_help=False, formatter_class=HelpFormatter)
            continue
        sub = subparsers.add_parser(
            command.name,
            help=command.help,
            description=command.description,
            epilog=command.epilog(),
            formatter_class=CommandHelpFormatter,
            parents=[common],
        )
        command.configure(sub)
        sub.set_defaults(handler=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``cstrdf`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, or an argparse error (exit 2)
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else ExitCode.USAGE)
    from cstrdf import render

    try:
        return int(args.handler(args))
    except CstrdfError as failure:
        if args.traceback:
            raise
        render.error(str(failure))
        return int(failure.exit_code)
    except KeyboardInterrupt:
        if args.traceback:
            raise
        render.error("interrupted")
        return 130
    except BrokenPipeError:
        # the reader went away (``cstrdf … | head``): stop quietly, like other Unix tools
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except Exception as failure:  # a bug: one line, unless --traceback
        if args.traceback:
            raise
        render.error(f"{type(failure).__name__}: {failure} (rerun with --traceback for details)", internal=True)
        return int(ExitCode.INTERNAL)
