"""Remember which input files already passed cstrdf's checks, so the next run skips them.

Reading RDF for a query checks every file first (syntax with file, line and column, UTF-8,
ill-typed literals: :mod:`cstrdf.rdfio`); for the publication that pass over every triple in
Python takes longer than loading the files into pyoxigraph. Its outcome depends only on the
files' bytes, their paths (relative IRIs resolve against them) and the checking code, so once
files have passed, a small *stamp* naming exactly those inputs is written to the user's cache
folder. When the stamp for the same inputs exists, the files are loaded into the store straight
away (pyoxigraph's own loader: the same triples the checked path loads).

Only Turtle inputs use the cache (``_DIRECT_FORMATS`` says why). The parsed data itself is not
cached: pyoxigraph loads the publication's Turtle as fast as it
loads an N-Quads dump of it, and an on-disk store answers queries several times slower.

Correctness never depends on the cache:

* a stamp names the BLAKE2b digest of every file's bytes (read on every run), its absolute path
  and graph, the versions of cstrdf and pyoxigraph, and the size and modification time of the
  modules that do the checking; any change means another stamp, so a changed file is checked
  again and its errors are reported as without a cache;
* a stamp counts only when its content is exactly what this run would write: a truncated or
  corrupted stamp is ignored (and replaced);
* a file that cannot be read sends the whole load down the checked path, which reports the same
  error as without a cache, in the same order;
* stamps are written to a temporary file in the same folder and renamed over the final name
  (atomic), so concurrent processes never see half a stamp; a cache folder that cannot be
  written is not an error, only slower.

The cache lives in ``$XDG_CACHE_HOME/cstrdf`` (default ``~/.cache/cstrdf``);
``CSTRDF_NO_CACHE=1`` bypasses it.
"""

from __future__ import annotations

import os
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (startup time)
if TYPE_CHECKING:  # pragma: no cover
    from typing import Sequence

    import pyoxigraph

#: set to a non-empty value other than 0 to bypass the cache
NO_CACHE_ENV = "CSTRDF_NO_CACHE"
#: the first line of every stamp; a new layout of the stamp gets a new line
STAMP_HEADER = "cstrdf checked inputs, stamp v1\n"
#: the modules whose code decides whether a file passes (a change to one invalidates stamps)
CHECKING_MODULES = ("checkcache.py", "rdfio.py", "lexical.py", "publication.py", "formats.py", "errors.py")
#: stamps kept; older ones are removed when a new one is written
MAX_STAMPS = 200
#: the inputs the cache is used for: Turtle, whose checks parse every triple in Python before
#: pyoxigraph's own loader runs (publication.load_file). N-Triples is checked by a byte scan
#: that costs about what fingerprinting it would (a corpus of a million triples), and other
#: formats are loaded through Python anyway: both always take the checked path.
_DIRECT_FORMATS = {".ttl": "TURTLE", ".turtle": "TURTLE"}


def enabled() -> bool:
    """False when ``CSTRDF_NO_CACHE`` asks to bypass the cache."""
    return os.environ.get(NO_CACHE_ENV, "") in ("", "0")


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/cstrdf``, or ``~/.cache/cstrdf`` (the XDG base directory spec ignores a
    relative ``XDG_CACHE_HOME``)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".cache"
    return root / "cstrdf"


def stamp_dir() -> Path:
    return cache_dir() / "checked"


def load_store(files: "Sequence[str | Path] | None" = None) -> "pyoxigraph.Store":
    """:func:`cstrdf.publication.load_store` (the publication, or ``files`` into the default
    graph), skipping the checks for inputs that passed them before.

    >>> len(load_store()) > 1000
    True
    """
    from cstrdf import publication

    if not enabled():
        return publication.load_store(files)
    if files is None:
        groups = [(part.graph, part.files) for part in publication.parts()]
    else:
        groups = [(None, tuple(Path(f) for f in files))]
    inputs = _fingerprints(groups)
    if inputs is None:  # a file that cannot be read, or a format loaded another way
        return publication.load_store(files)
    name, content = _stamp(inputs)
    path = stamp_dir() / name
    if _stamp_matches(path, content):
        store = _load_directly(inputs)
        if store is not None:
            return store
    store = publication.load_store(files)  # raises the InputError of the first bad file
    _write_stamp(path, content)
    return store


def _fingerprints(groups) -> "list[tuple[str | None, Path, str]] | None":
    """(graph, absolute path, BLAKE2b digest of the bytes) of every file; None when one cannot be
    read as a regular, non-empty file (the checked path reports it) or is not Turtle (see
    ``_DIRECT_FORMATS``)."""
    inputs = []
    for graph, files in groups:
        for file in files:
            path = Path(os.path.abspath(file))
            if path.suffix.lower() not in _DIRECT_FORMATS:
                return None
            try:
                data = path.read_bytes()
            except (OSError, ValueError):
                return None
            if not data.strip():
                return None
            inputs.append((graph, path, _digest(data)))
    return inputs


def _digest(data: bytes) -> str:
    """A cryptographic digest of ``data``: BLAKE2b, from the interpreter's own module, since
    ``import hashlib`` loads OpenSSL first (a few ms on every run)."""
    try:
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover - an interpreter built without it
        from hashlib import blake2b
    return blake2b(data, digest_size=32).hexdigest()


def _code_signature() -> str:
    """What identifies the checking code: versions and the checking modules' size and mtime."""
    import pyoxigraph

    from cstrdf import __version__

    here = Path(__file__).parent
    parts = [f"cstrdf {__version__}", f"pyoxigraph {getattr(pyoxigraph, '__version__', '?')}"]
    for module in CHECKING_MODULES:
        try:
            info = (here / module).stat()
            parts.append(f"{module} {info.st_size} {info.st_mtime_ns}")
        except OSError:
            parts.append(f"{module} missing")
    return "\n".join(parts)


def _stamp(inputs) -> tuple[str, str]:
    """The stamp's file name and the exact content it must have."""
    lines = [STAMP_HEADER.rstrip("\n"), _code_signature()]
    lines += [f"{digest} <{graph or ''}> {path}" for graph, path, digest in inputs]
    content = "\n".join(lines) + "\n"
    return _digest(content.encode("utf-8")), content


def _stamp_matches(path: Path, content: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") == content
    except (OSError, UnicodeDecodeError):
        return False


def _load_directly(inputs) -> "pyoxigraph.Store | None":
    """The store the checked path would build, loaded by pyoxigraph without the checks. Each
    file is read again (one file's bytes in memory at a time, as on the checked path) and must
    still have the fingerprint the stamp names; None when one changed since (or pyoxigraph
    refuses it, which the checked path would have reported too)."""
    import pyoxigraph

    from cstrdf.rdfio import file_base_iri

    store = pyoxigraph.Store()
    for graph, path, digest in inputs:
        try:
            data = path.read_bytes()
        except (OSError, ValueError):
            return None
        if _digest(data) != digest:
            return None
        target = pyoxigraph.NamedNode(graph) if graph else pyoxigraph.DefaultGraph()
        rdf_format = getattr(pyoxigraph.RdfFormat, _DIRECT_FORMATS[path.suffix.lower()])
        try:
            store.load(input=data, format=rdf_format, base_iri=file_base_iri(path), to_graph=target)
        except (SyntaxError, ValueError, OSError):
            return None
    return store


def _write_stamp(path: Path, content: str) -> None:
    """Write the stamp atomically (temporary file, then rename); failures only cost speed."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".stamp-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(content)
            os.replace(temporary, path)
        except BaseException:
            _remove(Path(temporary))
            raise
        _prune(path.parent)
    except OSError:
        pass  # a read-only or full cache folder: the next run checks the files again


def _prune(folder: Path, keep: int = MAX_STAMPS) -> None:
    """Remove the oldest stamps beyond ``keep`` (another process may remove them first)."""
    try:
        stamps = [p for p in folder.iterdir() if not p.name.startswith(".")]
    except OSError:
        return
    if len(stamps) <= keep:
        return
    def age(stamp: Path) -> float:
        try:
            return stamp.stat().st_mtime
        except OSError:
            return 0.0
    for stamp in sorted(stamps, key=age)[: len(stamps) - keep]:
        _remove(stamp)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
