"""``cstrdf site``: write the static site. Registered into :data:`cstrdf.cli.COMMANDS`."""

from __future__ import annotations

import argparse

from cstrdf.cli import Command, add_format_option
from cstrdf.errors import ExitCode


def _configure_site(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="DIR", default="site",
                        help="output folder (default: site); a folder made by an earlier run is replaced")
    parser.add_argument("--no-article-text", action="store_true",
                        help="leave the article's full text out (the quotes stay on every resource page)")
    add_format_option(parser, ("text", "json"))


def _run_site(args: argparse.Namespace) -> int:
    from cstrdf import render
    from cstrdf.site import generate_site

    report = generate_site(args.out, article_text=not args.no_article_text)
    render.site_report(report, args.format)
    return ExitCode.OK


SITE_COMMANDS: list[Command] = [
    Command(
        name="site",
        help="write a static website: landing page, annotated article, a page per resource, ontology, pictures",
        description=(
            "Generate a static site from the publication alone: a landing page (source, licence, "
            "citation, downloads with sizes and checksums, the VoID/DCAT description, how to query), "
            "the annotated article (every sentence linked to the nodes drawn from it; facts, "
            "quotations and the author's claims told apart), a page per resource with its "
            "statements, evidence, incoming links and Wikidata links, each resource's description "
            "in Turtle, JSON-LD, N-Triples and RDF/XML, the ontology's documentation with an "
            "overview diagram, a page per analytic question with its answer, a timeline and an "
            "alliance diagram (inline SVG). No script, no network at view time: it works from "
            "file:// and from any static host, and the output is byte-identical from run to run. "
            "The article page shows the Jamestown Foundation's text in full as evidence; "
            "--no-article-text leaves it out."
        ),
        examples=(
            "cstrdf site",
            "cstrdf site --out /tmp/site --format json",
            "cstrdf site --out public --no-article-text",
        ),
        exit_codes=((ExitCode.OK, "written"),),
        configure=_configure_site,
        run=_run_site,
    ),
]
