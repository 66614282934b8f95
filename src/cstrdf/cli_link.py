"""``cstrdf link check|suggest|refresh``: the Wikidata links of the publication.

Registered into :data:`cstrdf.cli.COMMANDS`; like every command it parses options, calls one
library function of :mod:`cstrdf.wikidata` and hands the result to :mod:`cstrdf.render`.
"""

from __future__ import annotations

import argparse

from cstrdf.cli import Command, add_format_option
from cstrdf.errors import ExitCode


def _add_source_options(parser: argparse.ArgumentParser, *, offline: bool = True) -> None:
    parser.add_argument(
        "--endpoint", metavar="URL",
        help="Wikidata SPARQL endpoint (default: $CSTRDF_WIKIDATA_ENDPOINT, else https://query.wikidata.org/sparql)",
    )
    if offline:
        parser.add_argument("--offline", action="store_true", help="answer from the snapshot (data/context/wikidata.ttl)")
        parser.add_argument(
            "--no-fallback", action="store_true",
            help="fail (exit 4) when the endpoint cannot be used, instead of falling back to the snapshot",
        )
        parser.add_argument("--snapshot", metavar="FILE", help="the snapshot to answer from (default: data/context/wikidata.ttl)")
    parser.add_argument("--links", metavar="FILE", help="link records to use (default: data/context/wikidata-links.ttl)")
    parser.add_argument("--timeout", metavar="S", type=float, default=60.0, help="seconds per request (default: 60)")


def _configure_link(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="link_action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check", help="check every verified link: label, type, redirect, deletion",
        description="Ask Wikidata (one batched VALUES query per 100 items) for each linked item's English "
        "label, aliases, description and P31 types, and report label mismatches (normalized, aliases "
        "accepted), type mismatches, redirected and missing items. When the endpoint cannot be used, "
        "the snapshot answers and the output says so (unless --no-fallback).",
    )
    _add_source_options(check)
    add_format_option(check, ("text", "json"))
    suggest = actions.add_parser(
        "suggest", help="candidate items for unlinked or unverified entities (prints only, never writes)",
        description="For every linkable entity whose link is unverified or missing, look up items whose "
        "English label or alias is one of the entity's names, ranked by name match and type fit. Nothing "
        "is written: a person checks the evidence and edits data/context/wikidata-links.ttl.",
    )
    _add_source_options(suggest)
    suggest.add_argument("--limit", metavar="N", type=int, default=5, help="candidates per entity (default: 5)")
    add_format_option(suggest, ("text", "json"))
    refresh = actions.add_parser(
        "refresh", help="regenerate the snapshot from the endpoint",
        description="Rebuild data/context/wikidata.ttl (or --out) from the endpoint: labels, aliases, "
        "descriptions, P31 and redirects of every link target and expected type, and the statements "
        "the federated queries use. Deterministic canonical Turtle, written atomically.",
    )
    _add_source_options(refresh, offline=False)
    refresh.add_argument("--out", metavar="FILE", help="where to write (default: data/context/wikidata.ttl)")
    add_format_option(refresh, ("text", "json"))


def _run_link(args: argparse.Namespace) -> int:
    from cstrdf import render, wikidata

    if args.link_action == "check":
        report = wikidata.check_links(
            args.links, endpoint=args.endpoint, offline=args.offline, fallback=not args.no_fallback,
            snapshot=args.snapshot, timeout=args.timeout,
        )
        render.link_check(report, args.format)
        return ExitCode.OK if report.ok else ExitCode.NOT_CONFORMING
    if args.link_action == "suggest":
        report = wikidata.suggest_links(
            args.links, endpoint=args.endpoint, offline=args.offline, fallback=not args.no_fallback,
            snapshot=args.snapshot, timeout=args.timeout, limit=args.limit,
        )
        render.link_suggestions(report, args.format)
        return ExitCode.OK
    report = wikidata.refresh_snapshot(args.out, endpoint=args.endpoint, links=args.links, timeout=args.timeout)
    render.link_refresh(report, args.format)
    return ExitCode.OK


LINK_COMMANDS: list[Command] = [
    Command(
        name="link",
        help="Wikidata links: check them, suggest candidates, refresh the snapshot",
        description=(
            "Work with the publication's Wikidata links (data/context/wikidata-links.ttl). 'check' asks "
            "the endpoint whether each linked item still has the expected label and type and is neither "
            "redirected nor deleted; 'suggest' prints candidates for unlinked or unverified entities; "
            "'refresh' regenerates the snapshot data/context/wikidata.ttl. --offline answers from the "
            "snapshot; an unreachable endpoint falls back to it (and says so) unless --no-fallback."
        ),
        examples=(
            "cstrdf link check",
            "cstrdf link check --offline",
            "cstrdf link check --endpoint http://localhost:7878/query --no-fallback",
            "cstrdf link suggest --offline",
            "cstrdf link refresh --endpoint https://query.wikidata.org/sparql --out data/context/wikidata.ttl",
        ),
        exit_codes=(
            (ExitCode.OK, "all links check out (suggest, refresh: done)"),
            (ExitCode.NOT_CONFORMING, "check: some link has a label or type mismatch, or is redirected or missing"),
            (ExitCode.REMOTE, "the endpoint failed and there was no fallback (--no-fallback, or refresh)"),
        ),
        configure=_configure_link,
        run=_run_link,
    ),
]
