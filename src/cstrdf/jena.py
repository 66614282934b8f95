"""Apache Jena as a second engine: SHACL, SPARQL (ARQ) and a strict RDF parser (RIOT).

Jena comes from Debian's ``libapache-jena-java`` (jars only, under ``/usr/share/java``; no
``riot``/``arq``/``shacl`` scripts) and runs on ``default-jre-headless``. Debian's 4.5.0 crashes
at start with a Xerces "internal error": its regex message resources stayed under
``org/apache/jena/ext/xerces/`` while the classes moved to ``xerces/``. The workaround: copy
``org/apache/jena/ext/xerces/**.properties`` out of ``jena-core.jar`` into a cache folder as
``xerces/**`` and put that folder first on the classpath (``../shared/reference/tools-notes.md``).
The cache folder is ``$XDG_CACHE_HOME/cstrdf/jena`` (default ``~/.cache/cstrdf/jena``).

Every call starts a JVM (about 1 s). :func:`run_shacl_batch` validates many (shapes, data)
pairs in one JVM, through a small Java program run by Java's source-file launcher (the
``jdk.compiler`` module is part of Debian's ``openjdk-17-jre-headless``). Missing Java or jars
raise :class:`JenaUnavailable` (an :class:`~cstrdf.errors.InputError`, exit code 3); a file Jena
cannot read raises :class:`~cstrdf.errors.InputError` with Jena's line and column.

>>> report = run_shacl(["shapes/cstrdf-shapes.ttl"], ["data.ttl"])  # doctest: +SKIP
>>> conforms(report)  # doctest: +SKIP
True
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

from cstrdf.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

#: where Debian puts the jars (override with the environment variable CSTRDF_JAVA_DIR)
JAVA_DIR = Path("/usr/share/java")

#: what the Jena jars need besides themselves (Debian's unversioned jar names)
DEPENDENCY_JARS = (
    "commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io",
    "commons-lang3", "dexx.collection", "gson", "guava", "httpclient", "httpcore",
    "jackson-core", "jackson-databind", "jackson-annotations", "jsonld-java", "jakarta.json-api",
    "protobuf", "thrift", "titanium-json-ld", "slf4j-api", "slf4j-simple",
)
#: Jena jars that must be there (the others found under JAVA_DIR are added too)
REQUIRED_JENA_JARS = ("jena-core", "jena-arq", "jena-base", "jena-iri", "jena-shacl", "jena-cmds")

XERCES_PREFIX = "org/apache/jena/ext/xerces/"

#: seconds a Jena call may take before it is stopped
TIMEOUT = 600

SH = "http://www.w3.org/ns/shacl#"

_JENA_POSITION = re.compile(r"\[line:\s*(\d+),\s*col:\s*(\d+)\s*\]\s*(.*)")

#: Validates every line "shapes<TAB>data<TAB>report" of the manifest file given as argument,
#: writing each report as Turtle: the same ShaclValidator that ``shacl.shacl validate`` uses.
#: The pairs are independent and are validated in parallel (a shared, read-only Shapes).
SHACL_BATCH_JAVA = """\
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.jena.graph.Graph;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;

public class CstrdfShaclBatch {
    public static void main(String[] args) throws Exception {
        List<String> lines = Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8);
        Map<String, Shapes> parsed = new ConcurrentHashMap<>();  // each shapes file is read once
        // the pairs are independent: validate them on all cores
        lines.parallelStream().filter(line -> !line.isBlank()).forEach(line -> {
            String[] files = line.split("\\t");
            Shapes shapes = parsed.computeIfAbsent(files[0], f -> Shapes.parse(RDFDataMgr.loadGraph(f)));
            Graph dataGraph = RDFDataMgr.loadGraph(files[1]);
            ValidationReport report = ShaclValidator.get().validate(shapes, dataGraph);
            try (OutputStream out = new FileOutputStream(files[2])) {
                RDFDataMgr.write(out, report.getModel(), Lang.TURTLE);
            } catch (java.io.IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
"""


class JenaUnavailable(InputError):
    """Java or the Jena jars are missing: install ``default-jre-headless libapache-jena-java``."""


@dataclass(frozen=True)
class Jena:
    """A runnable Jena: the java executable and the classpath (workaround folder first)."""

    java: str
    classpath: str
    cache_dir: Path

    def command(self, main_class: str, *args: str) -> list[str]:
        return [self.java, "-cp", self.classpath, main_class, *args]


def java_dir() -> Path:
    """Where the jars are: ``$CSTRDF_JAVA_DIR``, else Debian's ``/usr/share/java``."""
    return Path(os.environ.get("CSTRDF_JAVA_DIR", JAVA_DIR))


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/cstrdf/jena``, or ``~/.cache/cstrdf/jena``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cstrdf" / "jena"


def java_executable() -> str:
    """``$JAVA_HOME/bin/java`` when set, else ``java`` on the PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if found is None:
        raise JenaUnavailable(
            "java not found (install default-jre-headless, or set JAVA_HOME)", path="java"
        )
    return found


def _jar(directory: Path, name: str) -> Path | None:
    path = directory / f"{name}.jar"
    return path if path.is_file() else None


def jena_jars(directory: Path | None = None) -> list[Path]:
    """Debian's unversioned ``jena-*.jar`` links plus their dependencies, in classpath order."""
    directory = directory or java_dir()
    missing = [name for name in REQUIRED_JENA_JARS if _jar(directory, name) is None]
    if missing:
        raise JenaUnavailable(
            f"Jena jars missing in {directory}: {', '.join(n + '.jar' for n in missing)} "
            "(install libapache-jena-java)",
            path=directory,
        )
    jena = sorted(p for p in directory.glob("jena-*.jar") if not re.search(r"-\d", p.stem))
    dependencies = [p for p in (_jar(directory, name) for name in DEPENDENCY_JARS) if p]
    return jena + dependencies


def xerces_workaround(jena_core: Path, cache: Path | None = None) -> Path:
    """Copy Xerces' message resources out of ``jena-core.jar`` as ``xerces/**``; return the folder.

    The folder name carries a digest of the jar's path, size and modification time, so an
    upgraded jar gets fresh resources.
    """
    stat = jena_core.stat()
    stamp = hashlib.sha256(f"{jena_core.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    folder = (cache or cache_dir()) / f"xerces-{stamp}"
    done = folder / ".complete"
    if done.is_file():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(jena_core) as jar:
        for name in jar.namelist():
            if name.startswith(XERCES_PREFIX) and name.endswith(".properties"):
                target = folder / "xerces" / name[len(XERCES_PREFIX):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))
    done.write_text("ok\n")
    return folder


@lru_cache(maxsize=None)
def _jena(java_directory: str, cache: str) -> Jena:
    directory = Path(java_directory)
    java = java_executable()
    jars = jena_jars(directory)
    workaround = xerces_workaround(directory / "jena-core.jar", Path(cache))
    classpath = os.pathsep.join([str(workaround)] + [str(p) for p in jars])
    return Jena(java=java, classpath=classpath, cache_dir=Path(cache))


def jena() -> Jena:
    """The Jena setup for this machine (cached per java dir and cache dir)."""
    return _jena(str(java_dir()), str(cache_dir()))


def _run(command: Sequence[str], what: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            list(command), capture_output=True, text=True, encoding="utf-8", timeout=TIMEOUT, check=False
        )
    except FileNotFoundError as error:
        raise JenaUnavailable(f"{what}: cannot start {command[0]}: {error}", path=command[0]) from error
    except subprocess.TimeoutExpired as error:
        raise InputError(f"{what}: Jena did not finish within {TIMEOUT} s") from error


def _jena_error(result: subprocess.CompletedProcess, what: str, path: str | Path | None = None) -> InputError:
    """An InputError from Jena's stderr, with the first ``[line: L, col: C]`` it reports."""
    text = (result.stderr or "") + (result.stdout or "")
    for line in text.splitlines():
        if "ERROR" in line or "Exception" in line:
            found = _JENA_POSITION.search(line)
            if found:
                return InputError(found.group(3).strip(), path=path, line=int(found.group(1)), column=int(found.group(2)))
            return InputError(f"{what}: {line.strip()}", path=path)
    tail = " / ".join(text.strip().splitlines()[-3:]) or f"exit code {result.returncode}"
    return InputError(f"{what}: {tail}", path=path)


def _single_file(paths: Sequence[str | Path], folder: Path, name: str) -> Path:
    """One file Jena can read: the file itself, or the union of several as N-Triples."""
    paths = [Path(p) for p in paths]
    if len(paths) == 1:
        return paths[0]
    from cstrdf.rdfio import load_graph

    target = folder / f"{name}.nt"
    load_graph(paths).serialize(destination=str(target), format="nt", encoding="utf-8")
    return target


def _as_list(files: str | Path | Sequence[str | Path]) -> list[str | Path]:
    return [files] if isinstance(files, (str, Path)) else list(files)


def _parse_report(text: str, where: str) -> "rdflib.Graph":
    from rdflib import Graph

    try:
        return Graph().parse(data=text, format="turtle")
    except Exception as error:  # noqa: BLE001 - any parser failure is Jena output we cannot use
        raise InputError(f"{where}: cannot read Jena's SHACL report: {error}") from error


def run_shacl(
    shapes: str | Path | Sequence[str | Path], data: str | Path | Sequence[str | Path]
) -> "rdflib.Graph":
    """Validate ``data`` against ``shapes`` with ``shacl.shacl validate``; return the report graph.

    Several files on either side are merged first (as N-Triples). Jena exits 0 whether or not
    the data conforms: read the verdict from the report (:func:`conforms`).
    """
    setup = jena()
    with tempfile.TemporaryDirectory(prefix="cstrdf-jena-") as tmp:
        shapes_file = _single_file(_as_list(shapes), Path(tmp), "shapes")
        data_file = _single_file(_as_list(data), Path(tmp), "data")
        result = _run(
            setup.command("shacl.shacl", "validate", "--shapes", str(shapes_file), "--data", str(data_file)),
            "jena shacl",
        )
    if result.returncode != 0 or "ValidationReport" not in result.stdout:
        raise _jena_error(result, "jena shacl")
    return _parse_report(result.stdout, "jena shacl")


def _java_source(setup: Jena, name: str, text: str) -> Path:
    """The Java program ``text`` as ``name`` in the cache folder (for the source-file launcher)."""
    source = setup.cache_dir / name
    if not source.is_file() or source.read_text(encoding="utf-8") != text:
        source.parent.mkdir(parents=True, exist_ok=True)
        # write then rename, so a concurrent run never reads half a file
        partial = source.with_name(f".{source.name}.{os.getpid()}")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, source)
    return source


def run_shacl_batch(pairs: Iterable[tuple[str | Path, str | Path]]) -> list["rdflib.Graph"]:
    """Validate many (shapes file, data file) pairs in one JVM; one report graph per pair, in order."""
    setup = jena()
    pairs = [(Path(s), Path(d)) for s, d in pairs]
    if not pairs:
        return []
    source = _java_source(setup, "CstrdfShaclBatch.java", SHACL_BATCH_JAVA)
    with tempfile.TemporaryDirectory(prefix="cstrdf-jena-") as tmp:
        manifest = Path(tmp) / "manifest.tsv"
        reports = [Path(tmp) / f"report-{i}.ttl" for i in range(len(pairs))]
        manifest.write_text(
            "".join(f"{s.resolve()}\t{d.resolve()}\t{r}\n" for (s, d), r in zip(pairs, reports)),
            encoding="utf-8",
        )
        result = _run(setup.command(str(source), str(manifest)), "jena shacl batch")
        if result.returncode != 0:
            raise _jena_error(result, "jena shacl batch")
        return [_parse_report(r.read_text(encoding="utf-8"), f"jena shacl batch: {s}, {d}")
                for (s, d), r in zip(pairs, reports)]


def conforms(report: "rdflib.Graph") -> bool:
    """``sh:conforms`` of a report graph (Jena: false as soon as there is any result)."""
    from rdflib import Literal, URIRef

    return (None, URIRef(SH + "conforms"), Literal(True)) in report


def _query_form(query_text: str) -> str:
    from rdflib.plugins.sparql import prepareQuery

    try:
        return prepareQuery(query_text).algebra.name
    except Exception:  # noqa: BLE001 - let Jena report the syntax error itself
        return "SelectQuery"


def _json_term(value: dict):
    from rdflib import BNode, Literal, URIRef

    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    return Literal(value["value"], lang=value.get("xml:lang"), datatype=value.get("datatype"))


def run_arq(data_files: Sequence[str | Path], query_file: str | Path):
    """Run a SPARQL query with ``arq.sparql`` over the union of ``data_files``.

    Returns a list of ``{variable: rdflib term}`` rows for SELECT, a bool for ASK and an
    rdflib Graph for CONSTRUCT and DESCRIBE.
    """
    from rdflib import Graph

    setup = jena()
    query_file = Path(query_file)
    try:
        query_text = query_file.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"cannot read the query: {error.strerror}", path=query_file) from error
    form = _query_form(query_text)
    results_format = "ttl" if form in ("ConstructQuery", "DescribeQuery") else "json"
    args = []
    for path in data_files:
        args += ["--data", str(path)]
    result = _run(setup.command("arq.sparql", *args, "--query", str(query_file), f"--results={results_format}"), "jena arq")
    if result.returncode != 0 or "ERROR" in result.stderr or "Exception" in result.stderr:
        raise _jena_error(result, "jena arq", path=query_file)
    if results_format == "ttl":
        return Graph().parse(data=result.stdout, format="turtle")
    try:
        document = json.loads(result.stdout)
    except json.JSONDecodeError as error:
        raise InputError(f"jena arq: cannot read its JSON results: {error}", path=query_file) from error
    if "boolean" in document:
        return bool(document["boolean"])
    return [
        {name: _json_term(value) for name, value in binding.items()}
        for binding in document.get("results", {}).get("bindings", [])
    ]


#: Runs every line "query file<TAB>answer file" of the manifest over one N-Triples file (the
#: default graph) with strict SPARQL 1.1 syntax, as arq.sparql does: SELECT and ASK as SPARQL
#: JSON results, CONSTRUCT and DESCRIBE as N-Triples; an error goes to "answer file.error",
#: the milliseconds the query took to "answer file.ms".
ARQ_BATCH_JAVA = """\
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.apache.jena.query.*;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;

public class CstrdfArqBatch {
    public static void main(String[] args) throws Exception {
        Dataset dataset = DatasetFactory.create(RDFDataMgr.loadModel(args[0]));
        for (String line : Files.readAllLines(Paths.get(args[1]), StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            String[] files = line.split("\\t");
            long started = System.nanoTime();
            try (OutputStream out = new FileOutputStream(files[1])) {
                Query query = QueryFactory.create(Files.readString(Paths.get(files[0])), Syntax.syntaxSPARQL_11);
                try (QueryExecution exec = QueryExecutionFactory.create(query, dataset)) {
                    if (query.isSelectType()) ResultSetFormatter.outputAsJSON(out, exec.execSelect());
                    else if (query.isAskType()) ResultSetFormatter.outputAsJSON(out, exec.execAsk());
                    else RDFDataMgr.write(out, query.isConstructType() ? exec.execConstruct() : exec.execDescribe(), Lang.NTRIPLES);
                }
            } catch (Exception e) {
                Files.writeString(Paths.get(files[1] + ".error"), e.toString());
            }
            Files.writeString(Paths.get(files[1] + ".ms"), Long.toString((System.nanoTime() - started) / 1000000));
        }
    }
}
"""


def run_arq_batch(data_file: str | Path, queries: dict[str, str]) -> dict[str, tuple[bytes, str, float]]:
    """Run every query text of ``queries`` with ARQ over ``data_file``, in one JVM (one
    ``arq.sparql`` call per query costs a JVM start each): for each name, (the answer as SPARQL
    JSON results or N-Triples, Jena's error or '', seconds the query took)."""
    setup = jena()
    source = _java_source(setup, "CstrdfArqBatch.java", ARQ_BATCH_JAVA)
    answers: dict[str, tuple[bytes, str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="cstrdf-arq-") as tmp:
        folder = Path(tmp)
        lines = []
        for i, text in enumerate(queries.values()):
            (folder / f"{i}.rq").write_text(text, encoding="utf-8")
            lines.append(f"{folder / f'{i}.rq'}\t{folder / f'{i}.out'}\n")
        (folder / "manifest.tsv").write_text("".join(lines), encoding="utf-8")
        result = _run(setup.command(str(source), str(Path(data_file).resolve()), str(folder / "manifest.tsv")),
                      "jena arq batch")
        if result.returncode != 0:
            raise _jena_error(result, "jena arq batch")
        for i, name in enumerate(queries):
            out = folder / f"{i}.out"
            error_file = out.with_name(out.name + ".error")
            ms_file = out.with_name(out.name + ".ms")
            seconds = int(ms_file.read_text()) / 1000 if ms_file.is_file() else 0.0
            error = error_file.read_text(encoding="utf-8").strip() if error_file.is_file() else ""
            answers[name] = (b"" if error else out.read_bytes(), error, seconds)
    return answers


def riot_validate(*files: str | Path) -> None:
    """Parse each file strictly with ``riotcmd.riot --validate`` (one JVM for all of them).

    Raises InputError at the first problem, with the file, line and column Jena gives.
    Warnings fail too (e.g. an ill-formed literal): Jena reports them as ``WARN`` with a
    position, and a publication file should have none.

    >>> riot_validate("ontology/cstrdf.ttl", "shapes/cstrdf-shapes.ttl")  # doctest: +SKIP
    """
    if not files:
        return
    setup = jena()
    paths = [Path(f) for f in files]
    for path in paths:
        if not path.is_file():
            raise InputError("no such file", path=path)
    result = _run(setup.command("riotcmd.riot", "--validate", *map(str, paths)), "jena riot")
    current: Path | None = paths[0] if len(paths) == 1 else None
    for line in (result.stderr or "").splitlines():
        named = re.search(r"\bFile: (.*)$", line)
        if named:
            current = Path(named.group(1).strip())
            continue
        if " WARN " in line or " ERROR " in line:
            found = _JENA_POSITION.search(line)
            if found:
                raise InputError(found.group(3).strip(), path=current, line=int(found.group(1)),
                                 column=int(found.group(2)))
            raise InputError(f"jena riot: {line.strip()}", path=current)
    if result.returncode != 0:
        raise _jena_error(result, "jena riot", path=current)
