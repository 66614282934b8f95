"""Commands that publish the data: ``build``, ``info``, ``load`` and ``serve``.

Registered into :data:`cstrdf.cli.COMMANDS`; like every command they parse options, call one
library function and hand the result to :mod:`cstrdf.render`.
"""

from __future__ import annotations

import argparse

from cstrdf.cli import Command, add_check_option, add_format_option
from cstrdf.errors import ExitCode


def add_endpoint_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """``--endpoint``, ``--user`` and ``--timeout``: the same on every remote command."""
    parser.add_argument("--endpoint", metavar="URL", required=required, help="the store's base URL (see --store)")
    parser.add_argument(
        "--user", metavar="NAME",
        help="user name; the password comes from $CSTRDF_PASSWORD or ~/.netrc, never from the command line",
    )
    parser.add_argument("--timeout", metavar="S", type=float, default=120.0, help="seconds per request (default: 120)")


# -- build ---------------------------------------------------------------------------------

def _configure_build(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="DIR", default="dist", help="output folder (default: dist)")
    add_check_option(parser, "a hand-edited Turtle file is not in canonical form (run 'cstrdf fmt')")
    add_format_option(parser, ("text", "json"))


def _run_build(args: argparse.Namespace) -> int:
    from cstrdf import render
    from cstrdf.build import build

    report = build(args.out, check=args.check)
    render.build_report(report, args.format, check=args.check)
    return ExitCode.OK if report.ok else ExitCode.NOT_CONFORMING


# -- info ----------------------------------------------------------------------------------

def _configure_info(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="FILE", nargs="+", action="extend",
                        help="RDF files to count instead of the packaged publication")
    add_format_option(parser, ("text", "json"))


def _run_info(args: argparse.Namespace) -> int:
    from cstrdf import render
    from cstrdf.info import info

    render.publication_info(info(args.data), args.format)
    return ExitCode.OK


# -- load ----------------------------------------------------------------------------------

def _configure_load(parser: argparse.ArgumentParser) -> None:
    from cstrdf.load import PRESETS
    from cstrdf.publication import DATASET_IRI

    add_endpoint_options(parser, required=True)
    parser.add_argument("--store", choices=list(PRESETS), default="generic",
                        help="fills in the store's protocol paths and auth scheme (default: generic)")
    parser.add_argument("--graph", metavar="IRI", default=DATASET_IRI, help=f"target graph (default: {DATASET_IRI})")
    parser.add_argument("--replace", action="store_true",
                        help="replace the graph atomically (Oxigraph: one transaction; other stores: a verified "
                             "temporary graph swapped in; see docs/loading.md)")
    parser.add_argument("--source", metavar="FILE", nargs="+", action="extend",
                        help="RDF files to load (default: ontology, facts and context of the publication); "
                             "a folder stands for the RDF files in it (a corpus)")
    parser.add_argument("--query-url", metavar="URL", help="SPARQL query endpoint (generic stores)")
    parser.add_argument("--update-url", metavar="URL", help="SPARQL update endpoint (generic stores)")
    parser.add_argument("--graph-store-url", metavar="URL", help="Graph Store Protocol endpoint (generic stores)")
    parser.add_argument("--chunk", metavar="N", type=int, default=None,
                        help="triples per request (default: 100000 with the Graph Store Protocol, 50000 with SPARQL Update; "
                             "--store oxigraph sends one request unless --chunk is given)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_format_option(parser, ("text", "json"))


def _run_load(args: argparse.Namespace) -> int:
    from cstrdf import render
    from cstrdf.load import load

    progress = None if args.quiet else render.progress_bar("loading")
    report = load(
        args.endpoint, store=args.store, graph=args.graph, replace=args.replace, user=args.user,
        sources=args.source, chunk_size=args.chunk, timeout=args.timeout, query_url=args.query_url,
        update_url=args.update_url, graph_store_url=args.graph_store_url, progress=progress,
    )
    render.load_report(report, args.format)
    return ExitCode.OK


# -- serve ---------------------------------------------------------------------------------

def _configure_serve(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=7878, help="port to listen on (default: 7878; 0: any free port)")
    parser.add_argument("--bind", metavar="HOST", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1, loopback only)")
    parser.add_argument("--timeout", metavar="S", type=float, default=30.0,
                        help="seconds a query may run before it is stopped (default: 30)")
    parser.add_argument("--data", metavar="FILE", nargs="+", action="extend",
                        help="RDF files to serve instead of the packaged publication")
    parser.add_argument("--site", metavar="DIR",
                        help="serve this folder made by 'cstrdf site' (default: generate one at start)")
    parser.add_argument("--no-article-text", action="store_true",
                        help="the generated site leaves the article's full text out")
    parser.add_argument("--base-path", metavar="PATH", default="",
                        help="path prefix the https://w3id.org/cstrdf/ IRIs map onto (default: none; e.g. /cstrdf)")
    parser.add_argument("--allow-service", action="store_true",
                        help="let queries call other SPARQL endpoints with SERVICE (default: refused with 403, "
                             "so the server fetches from no host its callers name)")


def _run_serve(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cstrdf import render
    from cstrdf.serve import ServeOptions, serve_until_interrupted, start

    options = ServeOptions(host=args.bind, port=args.port, timeout=args.timeout,
                           sources=tuple(Path(f) for f in args.data) if args.data else None,
                           site=Path(args.site) if args.site else None,
                           article_text=not args.no_article_text, base_path=args.base_path,
                           allow_service=args.allow_service)
    running = start(options, in_thread=False)
    render.serve_banner(running.url)
    render.linked_data_banner(running.base_url)
    serve_until_interrupted(running)
    render.note("stopped; the temporary store is removed")
    return ExitCode.OK


# -- report --------------------------------------------------------------------------------

def _configure_report(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="DIR", default="dist", help="where the dumps go (default: dist)")


def _run_report(args: argparse.Namespace) -> int:
    from cstrdf import render
    from cstrdf.report import report

    result = report(args.out)
    render.full_report(result)
    return ExitCode.OK if result.ok else ExitCode.NOT_CONFORMING


PUBLISH_COMMANDS: list[Command] = [
    Command(
        name="report",
        help="build, validate, and answer every question of the catalogue (start here)",
        description=(
            "Build the dumps (as 'cstrdf build'), validate the publication (as 'cstrdf validate'), "
            "then print every question of the query catalogue with its answer table. Questions "
            "that join Wikidata are listed and need 'cstrdf query NAME --wikidata-endpoint URL'."
        ),
        examples=("cstrdf report", "cstrdf report --out /tmp/dist | less"),
        exit_codes=(
            (ExitCode.OK, "built, conforms, every question answered"),
            (ExitCode.NOT_CONFORMING, "the publication does not conform"),
        ),
        configure=_configure_report,
        run=_run_report,
    ),
    Command(
        name="build",
        help="write the merged publication in Turtle, N-Triples, JSON-LD, RDF/XML and TriG, plus VoID/DCAT",
        description=(
            "Merge ontology, facts and context and write them as Turtle, N-Triples, JSON-LD, "
            "RDF/XML and TriG (one named graph per part), plus void.ttl: a VoID/DCAT description "
            "with triple counts, sizes and SHA-256 checksums. Output is byte-identical from run to "
            "run. The dumps carry the evidence quotes, never the article's full text. --check "
            "writes nothing and fails when a hand-edited Turtle file is not in canonical form."
        ),
        examples=("cstrdf build", "cstrdf build --out /tmp/dist --format json", "cstrdf build --check"),
        exit_codes=(
            (ExitCode.OK, "written (with --check: every hand-edited file is canonical)"),
            (ExitCode.NOT_CONFORMING, "with --check: some file is not canonical"),
        ),
        configure=_configure_build,
        run=_run_build,
    ),
    Command(
        name="info",
        help="count triples, classes, entities by class, facts, quotations, claims and links",
        description="Print what the publication holds: triples per named graph, ontology terms, "
                    "entities by class, reported facts, quotations, claims and Wikidata links.",
        examples=("cstrdf info", "cstrdf info --format json"),
        exit_codes=((ExitCode.OK, "printed"),),
        configure=_configure_info,
        run=_run_info,
    ),
    Command(
        name="load",
        help="load the publication into a triple store (Graph Store Protocol or SPARQL Update)",
        description=(
            "Parse the sources locally (nothing is sent if any has an error). Oxigraph server takes "
            "them in one Graph Store request, one transaction (PUT with --replace, POST without), "
            "and the graph is counted after it. Other stores (and --chunk) get them in chunks in a "
            "fresh temporary graph (Graph Store Protocol POST where the store has one, SPARQL 1.1 "
            "INSERT DATA otherwise), counted there, then swapped in by one SPARQL Update (DROP and "
            "ADD with --replace, ADD without). If anything fails the target graph is untouched and "
            "the temporary graph removed (docs/loading.md). All parts of the "
            "publication go into one graph (--graph). --store presets fill in the protocol paths: "
            "oxigraph (/query, /update, /store), virtuoso (/sparql, /sparql-auth, "
            "/sparql-graph-crud-auth with digest auth), fuseki (dataset URL: /query, /update, "
            "/data), graphdb (repository URL: /statements, /rdf-graphs/service), neptune "
            "(/sparql, Update only), generic (give the URLs)."
        ),
        examples=(
            "cstrdf load --endpoint http://127.0.0.1:7878 --store oxigraph --replace",
            "CSTRDF_PASSWORD=dba cstrdf load --endpoint http://127.0.0.1:8890 --store virtuoso --user dba --replace",
            "cstrdf load --endpoint http://127.0.0.1:3030/cstrdf --store fuseki --graph https://example.org/g",
            "cstrdf load --endpoint x --store generic --query-url http://h/sparql --update-url http://h/update",
        ),
        exit_codes=(
            (ExitCode.OK, "loaded and verified"),
            (ExitCode.REMOTE, "the store failed (refused, unknown host, 401/403, 404, 5xx, timeout, "
                              "transaction log limit, count mismatch); the target graph is as before "
                              "(after a one-transaction load, a count mismatch is found after the commit)"),
        ),
        configure=_configure_load,
        run=_run_load,
    ),
    Command(
        name="serve",
        help="serve the publication: SPARQL endpoint, dereferenceable IRIs and the static site",
        description=(
            "Load the publication into a temporary Oxigraph store and serve it as a SPARQL 1.1 "
            "Protocol endpoint (GET and POST, results format by Accept) at /sparql on loopback. "
            "Updates are refused; queries stop after --timeout seconds; SERVICE calls to other "
            "endpoints are refused unless --allow-service is given. The same server answers "
            "the publication's IRIs (/id/…, /ontology) by content negotiation: 303 See Other to "
            "the HTML page or to the description in Turtle, JSON-LD, N-Triples or RDF/XML, 406 "
            "for other types; and it serves the static site (generated at start, or --site). "
            "--data changes what the SPARQL endpoint holds, not the site. Ctrl-C stops the "
            "server and removes the temporary folder."
        ),
        examples=(
            "cstrdf serve",
            "cstrdf serve --port 8080 --timeout 10",
            "cstrdf serve --allow-service   # queries may use SERVICE <https://query.wikidata.org/sparql>",
            "curl -L -H 'Accept: text/turtle' http://127.0.0.1:7878/id/vladimir-putin",
            "cstrdf query q01-members-at-moscow-summit --endpoint http://127.0.0.1:7878/sparql",
        ),
        exit_codes=((ExitCode.OK, "stopped by Ctrl-C or SIGTERM"),),
        configure=_configure_serve,
        run=_run_serve,
    ),
]
