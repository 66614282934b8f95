"""Commands that ask the publication questions: ``queries`` and ``query``.

Registered into :data:`cstrdf.cli.COMMANDS`; like every command they parse options, call one
library function (:mod:`cstrdf.catalogue`, :mod:`cstrdf.sparql`) and hand the result to
:mod:`cstrdf.render`. rdflib, pyoxigraph and SPARQLWrapper are imported only when a query runs.
"""

from __future__ import annotations

import argparse

from cstrdf.cli import Command, add_data_option
from cstrdf.errors import ExitCode, UsageError

#: ``--format`` of ``query`` (cstrdf.results.RESULT_FORMATS; listed here so --help needs no import)
QUERY_FORMATS = ("table", "csv", "tsv", "json", "xml", "turtle", "nt", "jsonld")
#: ``--output`` file extensions that choose a format when ``--format`` is not given
FORMAT_BY_EXTENSION = {
    ".csv": "csv", ".tsv": "tsv", ".srj": "json", ".json": "json", ".srx": "xml", ".xml": "xml",
    ".ttl": "turtle", ".nt": "nt", ".jsonld": "jsonld", ".txt": "table",
}


# -- queries -------------------------------------------------------------------------------

def _configure_queries(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=["table", "json"], default="table", help="output format (default: table)")


def _run_queries(args: argparse.Namespace) -> int:
    from cstrdf import render
    from cstrdf.catalogue import catalogue

    render.query_catalogue(catalogue(), args.format)
    return ExitCode.OK


# -- query ---------------------------------------------------------------------------------

def _param(value: str) -> tuple[str, str]:
    name, sep, rest = value.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {value!r}")
    return name.lstrip("?$"), rest


def _configure_query(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "query", metavar="NAME|FILE.rq|-", nargs="?",
        help="a catalogue query (name, number such as q07, or name without the number), an .rq file, or - for stdin",
    )
    parser.add_argument("--sparql", metavar="TEXT", help="the query text itself, instead of NAME|FILE|-")
    parser.add_argument(
        "--param", metavar="NAME=VALUE", type=_param, action="append", default=[],
        help="bind ?NAME to VALUE: <iri> or prefix:local is an IRI, \"text\"@lang or \"text\"^^type a "
             "literal, anything else a plain literal; bound through VALUES, never spliced into the text",
    )
    parser.add_argument(
        "--format", choices=QUERY_FORMATS, default=None,
        help="table (for people), csv, tsv, json, xml (SPARQL results, SELECT/ASK), turtle, nt, jsonld "
             "(CONSTRUCT/DESCRIBE); default: from the --output extension, else table",
    )
    parser.add_argument("--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    parser.add_argument("--endpoint", metavar="URL", help="run on this SPARQL endpoint instead of locally")
    parser.add_argument(
        "--engine", choices=["oxigraph", "rdflib"], default="oxigraph",
        help="local engine (default: oxigraph)",
    )
    add_data_option(parser)
    parser.add_argument(
        "--user", metavar="NAME",
        help="user name for the endpoint; the password comes from $CSTRDF_PASSWORD, never from the command line",
    )
    parser.add_argument(
        "--timeout", metavar="S", type=float, default=None,
        help="seconds the query may take: the endpoint's answer (default: 30) or a local query, which "
             "is stopped when the time is up (default: no limit; exit 5)",
    )
    parser.add_argument("--method", choices=["POST", "GET"], default="POST", help="HTTP method for --endpoint (default: POST)")
    parser.add_argument(
        "--wikidata-endpoint", metavar="URL",
        help="send the query's SERVICE <https://query.wikidata.org/sparql> to this Wikidata mirror instead "
             "(default: $CSTRDF_WIKIDATA_ENDPOINT, else Wikidata itself)",
    )
    parser.add_argument(
        "--graph", metavar="IRI",
        help="with --endpoint: query this named graph as the default graph (sent as default-graph-uri), "
             "e.g. the graph 'cstrdf load' wrote",
    )


def _run_query(args: argparse.Namespace) -> int:
    import os

    from cstrdf import render
    from cstrdf.results import serialize
    from cstrdf.sparql import run_query

    if (args.query is None) == (args.sparql is None):
        raise UsageError("give a query (NAME, FILE.rq or -) or --sparql TEXT, not both")
    params: dict[str, str] = {}
    for name, value in args.param:
        if name in params:
            raise UsageError(f"--param {name} given twice")
        params[name] = value
    fmt = args.format
    if fmt is None:
        extension = os.path.splitext(args.output)[1].lower() if args.output else ""
        fmt = FORMAT_BY_EXTENSION.get(extension, "table")
    result = run_query(
        args.query, sparql=args.sparql, params=params, engine=args.engine, data=args.data,
        endpoint=args.endpoint, method=args.method, timeout=args.timeout, user=args.user,
        default_graph=args.graph, wikidata_endpoint=args.wikidata_endpoint,
    )
    for warning in result.warnings:
        render.note(f"cstrdf: warning: {warning}")
    render.query_output(serialize(result, fmt), args.output)
    if result.kind == "ask" and not result.boolean:
        return ExitCode.NOT_CONFORMING
    return ExitCode.OK


QUERY_COMMANDS: list[Command] = [
    Command(
        name="queries",
        help="list the query catalogue: name, title and the question each query answers",
        description=(
            "List the catalogue of analytic questions (queries/*.rq): name, title, the question in "
            "plain English and the parameters a query takes. --format json gives a list of objects "
            "with name, title, question, returns, params and file."
        ),
        examples=("cstrdf queries", "cstrdf queries --format json"),
        exit_codes=((ExitCode.OK, "listed"),),
        configure=_configure_queries,
        run=_run_queries,
    ),
    Command(
        name="query",
        help="run a catalogue query, an .rq file or SPARQL text, locally or on an endpoint",
        description=(
            "Run SPARQL (SELECT, ASK, CONSTRUCT, DESCRIBE) over the packaged publication (or --data "
            "files) with pyoxigraph or rdflib, or on any SPARQL 1.1 endpoint with --endpoint (POST or "
            "GET, --timeout, retries on 429/503 as Retry-After asks, --user with the password in "
            "$CSTRDF_PASSWORD). json, xml, csv and tsv are the W3C SPARQL 1.1 results formats; "
            "table is for people. --param binds values as RDF terms in a VALUES clause. An ASK "
            "query exits 0 when true and 1 when false. Files that passed the input checks before, "
            "byte for byte, are not checked again (stamps in $XDG_CACHE_HOME/cstrdf; "
            "CSTRDF_NO_CACHE=1 bypasses them)."
        ),
        examples=(
            "cstrdf query q01",
            "cstrdf query q13-evidence-for-resource --param resource=cstid:joint-command-proposal",
            "cstrdf query q06-timeline --format csv --output timeline.csv",
            "cstrdf query my.rq --engine rdflib --data extra.ttl",
            "cstrdf query --sparql 'ASK { ?s a <https://w3id.org/cstrdf/ontology#Summit> }'",
            "cstrdf query q04 --endpoint http://127.0.0.1:7878/query --format json",
        ),
        exit_codes=(
            (ExitCode.OK, "answered (ASK: true)"),
            (ExitCode.NOT_CONFORMING, "ASK answered false"),
            (ExitCode.USAGE, "bad options, unknown query name (closest names suggested), bad --param"),
            (ExitCode.INPUT, "unreadable file or SPARQL syntax error (FILE:LINE:COL: message)"),
            (ExitCode.REMOTE, "the endpoint failed: refused, HTTP error, timeout (one line naming it)"),
            (ExitCode.TIMEOUT, "a local query ran longer than --timeout and was stopped"),
        ),
        configure=_configure_query,
        run=_run_query,
    ),
]
