"""The one module that writes to stdout and stderr: text, JSON and Turtle views of the reports.

JSON output is a small versioned envelope: ``{"format_version": 1, "command": …, …}``; a
contract test pins its keys. Bump ``FORMAT_VERSION`` when a key changes meaning or goes away.
"""

from __future__ import annotations

import sys

from cstrdf.namespaces import WELL_KNOWN_PREFIXES

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (startup time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Iterable, TextIO

    from cstrdf.anchor import AnchorResult
    from cstrdf.canonical import FormatResult
    from cstrdf.coverage import CoverageReport
    from cstrdf.validate import ValidationReport

FORMAT_VERSION = 1

_BY_LENGTH = sorted(WELL_KNOWN_PREFIXES.items(), key=lambda kv: -len(kv[1]))


def _out(stream: TextIO | None) -> TextIO:
    return stream if stream is not None else sys.stdout


def shorten(term: str | None) -> str:
    """An IRI as a prefixed name when a well-known prefix fits (for people, not for parsers)."""
    if term is None:
        return "-"
    for prefix, namespace in _BY_LENGTH:
        if term.startswith(namespace) and term != namespace:
            return f"{prefix}:{term[len(namespace):]}"
    if term.startswith("_:"):
        return term
    return f"<{term}>"


def error(message: str, *, internal: bool = False) -> None:
    """``cstrdf: error: <message>`` on stderr (one line per line of the message)."""
    label = "internal error" if internal else "error"
    for line in str(message).splitlines() or [""]:
        print(f"cstrdf: {label}: {line}", file=sys.stderr)


def note(message: str) -> None:
    """A remark for people on stderr (progress, hints), never part of the output proper."""
    print(message, file=sys.stderr)


def write_all(out: TextIO, text: str, piece: int = 4096) -> None:
    """Write ``text`` and flush; a failed write (a full disk) is an InputError, never lost.

    The text goes in pieces smaller than the stream's buffer: given one large write that
    fills the disk, CPython's BufferedWriter reports a short write instead of the error, and
    TextIOWrapper drops the rest without a word (exit 0, a truncated file).
    """
    from cstrdf.errors import InputError

    try:
        for start in range(0, len(text), piece):
            out.write(text[start:start + piece])
        out.flush()
    except BrokenPipeError:
        raise  # the reader went away: the command line stops quietly
    except OSError as error:
        reason = (error.strerror or str(error)).lower()
        raise InputError(f"cannot write: {reason}; the output is incomplete", path="standard output") from None


def _json(payload: dict | list, stream: TextIO | None) -> None:
    import json  # here, not at the top: a query's table needs no json (start-up time)

    out = _out(stream)
    json.dump(payload, out, ensure_ascii=False, indent=2)
    out.write("\n")


def _envelope(command: str, **fields) -> dict:
    return {"format_version": FORMAT_VERSION, "command": command, **fields}


# -- coverage ------------------------------------------------------------------------------

def coverage_summary(report: "CoverageReport") -> dict:
    """The coverage numbers as a JSON-ready dict (also used inside the validate envelope)."""
    return {
        "sentences": report.sentences,
        "covered": report.covered,
        "excluded": report.excluded,
        "missing": report.missing,
        "percent": round(report.percent, 2),
    }


def coverage_line(report: "CoverageReport") -> str:
    return (
        f"Coverage: {report.percent:.1f} % of {report.sentences} sentences accounted for "
        f"({report.covered} covered, {report.excluded} excluded, {report.missing} missing)"
    )


def coverage(report: "CoverageReport", fmt: str = "text", stream: TextIO | None = None) -> None:
    """Per-sentence table (text) or envelope (json) for ``cstrdf coverage``."""
    out = _out(stream)
    if fmt == "json":
        rows = [
            {
                "index": r.sentence.index,
                "paragraph": r.sentence.paragraph,
                "start": r.sentence.start,
                "end": r.sentence.end,
                "status": r.status,
                "nodes": list(r.nodes),
                "reason": r.reason,
                "text": r.sentence.text,
            }
            for r in report.rows
        ]
        _json(_envelope("coverage", **coverage_summary(report), rows=rows), out)
        return
    print(f"{'#':>3}  {'par':>3}  {'status':<8}  text", file=out)
    for row in report.rows:
        text = " ".join(row.sentence.text.split())
        excerpt = text[:60] + ("…" if len(text) > 60 else "")
        status = "MISSING" if row.status == "missing" else row.status
        print(f"{row.sentence.index:>3}  {row.sentence.paragraph:>3}  {status:<8}  {excerpt}", file=out)
    print(coverage_line(report), file=out)


# -- validate ------------------------------------------------------------------------------

def validation_payload(report: "ValidationReport") -> dict:
    """The validate envelope (``--format json``)."""
    return _envelope(
        "validate",
        conforms=report.conforms,
        shacl_conforms=report.shacl_conforms,
        violations=report.violations,
        warnings=report.warnings,
        infos=report.infos,
        triples=report.triples,
        coverage=coverage_summary(report.coverage) if report.coverage is not None else None,
        evidence_problems=report.evidence_problems,
        evidence={
            "selectors": report.evidence.selectors,
            "problems": [
                {"node": p.node, "selector": p.selector, "kind": p.kind, "message": p.message,
                 "start": p.start, "end": p.end, "exact": p.exact}
                for p in report.evidence.problems
            ],
        },
        results=[
            {"severity": r.severity, "focus": r.focus, "path": r.path, "message": r.message,
             "component": r.component, "source_shape": r.source_shape, "value": r.value}
            for r in report.results
        ],
    )


def validation(report: "ValidationReport", fmt: str = "text", stream: TextIO | None = None) -> None:
    """Print a validation report as text, json or turtle (the SHACL report graph)."""
    out = _out(stream)
    if fmt == "json":
        _json(validation_payload(report), out)
        return
    if fmt == "turtle":
        out.write(_shacl_turtle(report))
        return
    print(f"Conforms: {'yes' if report.conforms else 'no'}", file=out)
    print(
        f"Data: {report.triples} triples from {len(report.data_files)} files; "
        f"shapes: {len(report.shape_files)} files",
        file=out,
    )
    print(
        f"SHACL: {report.violations} violations, {report.warnings} warnings, {report.infos} infos",
        file=out,
    )
    for r in report.results:
        path = f" {shorten(r.path)}" if r.path else ""
        print(f"{r.severity.upper()} {shorten(r.focus)}{path}: {r.message or shorten(r.component)}", file=out)
    print(
        f"Evidence: {report.evidence.selectors} selectors checked, "
        f"{len(report.evidence.problems)} problems",
        file=out,
    )
    for p in report.evidence.problems:
        print(f"EVIDENCE {shorten(p.node)}: {p.message}", file=out)
    if report.coverage is None:
        print("Coverage: not checked", file=out)
    else:
        print(coverage_line(report.coverage), file=out)
        for row in report.coverage.rows:
            if row.status == "missing":
                text = " ".join(row.sentence.text.split())
                print(f"MISSING sentence {row.sentence.index}: {text[:60]}{'…' if len(text) > 60 else ''}", file=out)


def _shacl_turtle(report: "ValidationReport") -> str:
    import rdflib

    from cstrdf.canonical import canonical_turtle

    graph = report.shacl_graph
    if graph is None:  # no shapes: an empty, conforming SHACL report
        graph = rdflib.Graph()
        sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
        node = rdflib.BNode()
        graph.add((node, rdflib.RDF.type, sh.ValidationReport))
        graph.add((node, sh.conforms, rdflib.Literal(True)))
    return canonical_turtle(graph, {"sh": "http://www.w3.org/ns/shacl#"})


# -- anchor and fmt ------------------------------------------------------------------------

def anchor(results: Iterable["AnchorResult"], *, check: bool, stream: TextIO | None = None) -> None:
    """One line per file; problems go to stderr as errors."""
    out = _out(stream)
    for result in results:
        for problem in result.problems:
            error(str(problem))
        if result.problems:
            continue
        if check:
            state = "would change" if result.changed else "ok"
            detail = f"{result.quotes} quotes, {result.anchored} to place"
        else:
            state = "rewritten" if result.written else "unchanged"
            detail = f"{result.quotes} quotes, {result.anchored} placed"
        print(f"{state}: {result.path} ({detail})", file=out)


def formatted(results: Iterable["FormatResult"], *, check: bool, stream: TextIO | None = None) -> None:
    """One line per file that changes (or would), then a count."""
    out = _out(stream)
    results = list(results)
    changed = [r for r in results if r.changed]
    for result in changed:
        print(f"{'would reformat' if check else 'reformatted'}: {result.path}", file=out)
    verb = "would change" if check else "changed"
    print(f"{len(results)} files checked, {len(changed)} {verb}", file=out)


# -- build, info, load, serve --------------------------------------------------------------

def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def build_report(report, fmt: str = "text", *, check: bool = False, stream: TextIO | None = None) -> None:
    """The files ``build`` wrote, or (``--check``) the files that are not canonical."""
    if fmt == "json":
        _json(_envelope(
            "build", ok=report.ok, out=str(report.out), triples=report.triples,
            graphs=[{"graph": g, "triples": n} for g, n in report.graphs],
            distributions=[{"file": str(d.path), "format": d.format, "media_type": d.media_type,
                            "bytes": d.bytes, "sha256": d.sha256} for d in report.distributions],
            not_canonical=[str(p) for p in report.not_canonical],
        ), stream)
        return
    out = _out(stream)
    if check:
        for path in report.not_canonical:
            print(f"not canonical: {path} (run: cstrdf fmt {path})", file=out)
        print("all hand-edited Turtle files are canonical" if report.ok
              else f"{len(report.not_canonical)} file(s) not canonical", file=out)
        return
    print(f"{report.triples} triples in {len(report.graphs)} graphs written to {report.out}/", file=out)
    width = max((len(d.path.name) for d in report.distributions), default=0)
    for d in report.distributions:
        print(f"  {d.path.name:<{width}}  {_size(d.bytes):>10}  sha256:{d.sha256[:16]}…  {d.media_type}", file=out)
    print(f"  {'void.ttl':<{width}}  VoID/DCAT description", file=out)


def publication_info(info, fmt: str = "text", stream: TextIO | None = None) -> None:
    """The counts of ``cstrdf info``."""
    if fmt == "json":
        payload = {k: v for k, v in info.__dict__.items() if k not in ("graphs", "entities_by_class")}
        payload["graphs"] = [{"graph": g, "triples": n} for g, n in info.graphs]
        payload["entities_by_class"] = [{"class": c, "count": n} for c, n in info.entities_by_class]
        _json(_envelope("info", **payload), stream)
        return
    out = _out(stream)
    print(f"triples: {info.triples}", file=out)
    for graph, n in info.graphs:
        print(f"  {shorten(graph):<40} {n:>7}", file=out)
    print(f"ontology: {info.ontology_classes} classes, {info.ontology_properties} properties", file=out)
    print(f"text-derived nodes: {info.text_derived_nodes} ({info.facts} reported facts, "
          f"{info.quotations} quotations, {info.claims} claims) with {info.evidence_selectors} selectors", file=out)
    print(f"wikidata links: {info.wikidata_links}", file=out)
    print("entities by class:", file=out)
    for cls, n in info.entities_by_class:
        print(f"  {shorten(cls):<40} {n:>7}", file=out)


def progress_bar(label: str, stream: TextIO | None = None):
    """A callback ``(done, total)`` drawing a one-line bar on a terminal; None elsewhere."""
    out = stream if stream is not None else sys.stderr
    if not out.isatty():
        return None

    def draw(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / total) if total else width
        out.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} triples")
        if done >= total:
            out.write("\n")
        out.flush()

    return draw


def load_report(report, fmt: str = "text", stream: TextIO | None = None) -> None:
    """What ``load`` did."""
    if fmt == "json":
        _json(_envelope("load", **{k: v for k, v in report.__dict__.items()}), stream)
        return
    verb = "replaced" if report.replaced else "added to"
    print(f"{report.triples} triples {verb} <{report.graph}> at {report.endpoint} "
          f"({report.protocol}, {report.chunks} chunk(s), {report.seconds:.2f} s); "
          f"the graph now holds {report.triples_in_graph} triples", file=_out(stream))


def serve_banner(url: str, stream: TextIO | None = None) -> None:
    """Where the endpoint listens and how to ask it something."""
    out = _out(stream)
    print(f"SPARQL endpoint: {url}", file=out)
    print(f"try: cstrdf query q01-members-at-moscow-summit --endpoint {url}", file=out)
    print("press Ctrl-C to stop", file=out)
    out.flush()


# -- queries ---------------------------------------------------------------------------------

def query_catalogue(queries, fmt: str = "table", stream: TextIO | None = None) -> None:
    """The query catalogue: a JSON list of objects (name, title, question, …) or a listing."""
    out = _out(stream)
    if fmt == "json":
        _json([q.summary() for q in queries], out)
        return
    width = max((len(q.name) for q in queries), default=0)
    for q in queries:
        params = f"  [--param {' '.join(p.name + '=…' for p in q.params)}]" if q.params else ""
        print(f"{q.name.ljust(width)}  {q.title}{params}", file=out)
        print(f"{' ' * width}  {q.question}", file=out)
    print(f"({len(queries)} queries; run one with: cstrdf query NAME)", file=out)


def query_output(text: str, output: str | None = None, stream: TextIO | None = None) -> None:
    """A query result, already serialized: to stdout, or atomically to ``output``."""
    if output is None:
        write_all(_out(stream), text)
        return
    from cstrdf.canonical import write_atomically

    write_atomically(output, text)


def full_report(report, stream: TextIO | None = None) -> None:
    """``cstrdf report``: build summary, validation summary, then every question answered."""
    from cstrdf.results import serialize

    out = _out(stream)
    build_report(report.build, "text", stream=out)
    print("", file=out)
    validation(report.validation, "text", stream=out)
    for answer in report.answers:
        query = answer.query
        print("", file=out)
        print(f"== {query.name}: {query.title}", file=out)
        print(f"   {query.question}", file=out)
        if answer.result is None:
            print(f"   ({answer.skipped})", file=out)
            continue
        out.write(serialize(answer.result, "table"))


# -- cstrdf link (Wikidata links) ------------------------------------------------------------

def _link_source_line(source: str, snapshot: str | None, fallback_reason: str | None) -> str:
    if fallback_reason:
        return f"NOTE: the endpoint could not be used ({fallback_reason}); answered from the snapshot {snapshot} instead"
    if snapshot:
        return f"answered from the snapshot {snapshot} (offline)"
    return f"answered by {source}"


def link_check(report, fmt: str = "text", stream: TextIO | None = None) -> None:
    """``cstrdf link check``: one line per problem and warning, then the verdict."""
    finding = lambda f: {"entity": f.entity, "label": f.entity_label, "item": f.qid, "problem": f.problem, "detail": f.detail}  # noqa: E731
    if fmt == "json":
        _json(_envelope(
            "link check", ok=report.ok, source=report.source, snapshot=report.snapshot,
            fallback_reason=report.fallback_reason, links=report.links, checked=report.checked,
            status=dict(report.counts), problems=[finding(f) for f in report.problems],
            warnings=[finding(f) for f in report.warnings],
        ), stream)
        return
    out = _out(stream)
    if report.fallback_reason:
        note(_link_source_line(report.source, report.snapshot, report.fallback_reason))
    print(_link_source_line(report.source, report.snapshot, report.fallback_reason), file=out)
    counts = ", ".join(f"{n} {s}" for s, n in report.counts)
    print(f"{report.links} link records ({counts}); {report.checked} targets checked", file=out)
    for f in report.problems:
        print(f"PROBLEM {f.problem}: {shorten(f.entity)} ({f.entity_label}) -> wd:{f.qid}: {f.detail}", file=out)
    for f in report.warnings:
        print(f"warning {f.problem}: {shorten(f.entity)} -> wd:{f.qid}: {f.detail}", file=out)
    verdict = "all links check out" if report.ok else f"{len(report.problems)} problem(s)"
    print(f"{verdict} ({len(report.warnings)} warning(s))", file=out)


def link_suggestions(report, fmt: str = "text", stream: TextIO | None = None) -> None:
    """``cstrdf link suggest``: candidates per entity, best first; never written anywhere."""
    if fmt == "json":
        _json(_envelope("link suggest", source=report.source, fallback_reason=report.fallback_reason, suggestions=[
            {"entity": s.entity, "label": s.entity_label, "status": s.status, "names": list(s.names),
             "expected_types": list(s.expected_types),
             "candidates": [{"item": c.qid, "label": c.label, "matched": c.matched, "types": list(c.types),
                             "type_fit": c.type_fit, "score": c.score} for c in s.candidates]}
            for s in report.suggestions]), stream)
        return
    out = _out(stream)
    if report.fallback_reason:
        note(_link_source_line(report.source, "the snapshot", report.fallback_reason))
    print(_link_source_line(report.source, None if report.source != "snapshot" else "data/context/wikidata.ttl",
                            report.fallback_reason), file=out)
    for s in report.suggestions:
        print(f"{shorten(s.entity)} ({s.entity_label}, {s.status}):", file=out)
        if not s.candidates:
            print(f"  no candidate (names tried: {'; '.join(s.names)})", file=out)
        for c in s.candidates:
            fit = "type fits" if c.type_fit else ("type does not fit" if s.expected_types else "no expected type")
            print(f"  wd:{c.qid} {c.label!r} [{c.matched} match, {fit}; P31 {', '.join(c.types) or '-'}] score {c.score}", file=out)
    print("Suggestions only: check a candidate's evidence before adding it to data/context/wikidata-links.ttl.", file=out)


def link_refresh(report, fmt: str = "text", stream: TextIO | None = None) -> None:
    """``cstrdf link refresh``: what was written."""
    if fmt == "json":
        _json(_envelope("link refresh", endpoint=report.endpoint, out=str(report.out), items=report.items,
                        triples=report.triples, changed=report.changed), stream)
        return
    state = "wrote" if report.changed else "unchanged:"
    print(f"{state} {report.out}: {report.triples} triples about {report.items} items from {report.endpoint}", file=_out(stream))


# -- site and linked data ---------------------------------------------------------------------

def linked_data_banner(base_url: str, stream: TextIO | None = None) -> None:
    """Where the site and the dereferenceable IRIs are served (after :func:`serve_banner`)."""
    out = _out(stream)
    print(f"site and linked data: {base_url} (IRIs: {base_url}id/…, {base_url}ontology)", file=out)
    out.flush()


def site_report(report, fmt: str = "text", stream: TextIO | None = None) -> None:
    """What ``cstrdf site`` wrote."""
    if fmt == "json":
        payload = {k: (str(v) if k == "out" else v) for k, v in report.__dict__.items()}
        _json(_envelope("site", **payload), stream)
        return
    text = "with the article's full text" if report.article_text else "without the article's full text"
    print(f"{report.pages} pages, {report.files} files, {_size(report.bytes)} written to {report.out} "
          f"({report.resources} resources, {report.queries} questions; {text})", file=_out(stream))
