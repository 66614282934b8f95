"""How much memory a validation may take, and how much it would need: checked before reading.

Validation holds the whole graph (SHACL reaches any node from any other), so its memory grows
with the data: measured in docs/errors.md ("Memory on a big file"). Rather than let the
kernel's out-of-memory killer stop a run half-way, :func:`check_validation` guesses the number of
triples from the sizes of the files and refuses up front (an :class:`~cstrdf.errors.InputError`,
exit 3) a run that would need more than the budget; :mod:`cstrdf.shaclworkers` forks a second
process only when the budget holds two (:func:`processes_that_fit`).

The budget is ``$CSTRDF_MEMORY_LIMIT`` (``512M``, ``2G``, a number of bytes; the processes of
one validation together) when set, else MemAvailable of /proc/meminfo plus what this process
already holds. The override replaces the machine's figure: it can lower it (a user's own cap)
or raise it (swap, or memory about to be freed).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from cstrdf.errors import InputError, UsageError

#: environment variable: the memory a validation may use, instead of the memory available
LIMIT_VARIABLE = "CSTRDF_MEMORY_LIMIT"

MIB = 1 << 20
#: the fast engine: the interpreter, pyoxigraph, the shapes (40 MiB for the 5,577-triple
#: publication; 45 so that 97,238 triples, measured at 99 MiB, are covered too)
BASE = 45 * MIB
#: the fast engine, one process, per triple of the data (measured 0.55-0.59 KiB: 589 MiB at
#: 974,604 triples, 5,422 MiB at 10 million)
PER_TRIPLE = 600
#: each further process, per triple (its own indexes): two processes measured 0.92-0.98 KiB
#: per triple together (970 MiB at 974,604 triples, 8,958 MiB at 10 million)
PER_TRIPLE_EACH_FURTHER_PROCESS = 424
#: the pySHACL engine (rdflib graphs; one process): 78 MiB for the publication, 97 MiB for
#: 9,594 triples of the generated corpus, 110 MiB for 19,047 (about 1.5 KiB a triple)
PYSHACL_BASE = 80 * MIB
PYSHACL_PER_TRIPLE = 2048

#: bytes of file per triple, at or under the fewest seen for each format, so the guess of the
#: triples errs high: Turtle 47 in the generated corpus (54 in the publication), N-Triples
#: 127-131; TriG as Turtle, N-Quads as N-Triples; RDF/XML and JSON-LD, unmeasured, as compact
#: as Turtle. A file of shorter lines holds more: the count after loading is checked too
FILE_BYTES_PER_TRIPLE = {"ntriples": 120, "nquads": 120}
COMPACT_BYTES_PER_TRIPLE = 47

_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(?:([kmgt])(?:i?b)?|b)?\s*", re.IGNORECASE)
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(text: str) -> int:
    """Bytes in a size such as ``512M`` or ``2G`` (K, M, G, T are powers of 1024, as for
    systemd and Docker; a ``B`` or ``iB`` after them is allowed); a bare number is bytes.

    >>> parse_size("512M"), parse_size("1.5G"), parse_size("4096"), parse_size("2 GiB")
    (536870912, 1610612736, 4096, 2147483648)
    """
    match = _SIZE.fullmatch(text)
    size = int(float(match.group(1)) * _UNITS[(match.group(2) or "").lower()]) if match else 0
    if size <= 0:
        raise UsageError(f"{LIMIT_VARIABLE}={text!r} is not a memory size (e.g. 512M, 2G or a number of bytes)")
    return size


def format_size(size: float) -> str:
    """``size`` bytes for a person.

    >>> format_size(12_348_030_976), format_size(20 * 2**20), format_size(1000)
    ('11.5 GiB', '20.0 MiB', '1.0 KiB')
    """
    for unit in ("KiB", "MiB", "GiB"):
        size /= 1024
        if size < 1024 or unit == "GiB":
            return f"{size:.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def user_limit() -> int | None:
    """``$CSTRDF_MEMORY_LIMIT`` in bytes, None when it is not set (a bad value: UsageError)."""
    text = os.environ.get(LIMIT_VARIABLE, "").strip()
    return parse_size(text) if text else None


def _meminfo_available() -> int | None:
    """MemAvailable of /proc/meminfo in bytes (None where there is none)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _resident() -> int:
    """The resident set of this process in bytes (0 where /proc has none)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def budget() -> int | None:
    """The memory a validation may use in all, this process included: ``$CSTRDF_MEMORY_LIMIT``,
    else the memory available plus what this process holds (None when neither is known)."""
    limit = user_limit()
    if limit is not None:
        return limit
    available = _meminfo_available()
    return None if available is None else available + _resident()


def need(triples: int, processes: int = 1, engine: str = "fast") -> int:
    """Bytes a validation of ``triples`` triples needs with ``processes`` processes (pySHACL: one).

    >>> format_size(need(21_000_000)), format_size(need(21_000_000, 2)), format_size(need(21_000_000, engine="pyshacl"))
    ('11.8 GiB', '20.1 GiB', '40.1 GiB')
    """
    if engine == "pyshacl":
        return PYSHACL_BASE + triples * PYSHACL_PER_TRIPLE
    return BASE + triples * (PER_TRIPLE + (processes - 1) * PER_TRIPLE_EACH_FURTHER_PROCESS)


def processes_that_fit(triples: int, memory: int, most: int) -> int:
    """How many processes (1 to ``most``) can validate ``triples`` triples within ``memory``
    bytes: one even when one does not fit (that is refused before reading)."""
    processes = max(1, most)
    while processes > 1 and need(triples, processes) > memory:
        processes -= 1
    return processes


def guess_triples(files: Sequence[str | Path]) -> int:
    """The most triples ``files`` could hold, from their sizes and formats; files that cannot
    be sized (missing, a folder, an unknown extension) count nothing: reading them says why."""
    from cstrdf.formats import guess_format

    triples = 0
    for file in dict.fromkeys(os.path.abspath(f) for f in files):  # a file named twice is read once
        try:
            size = os.stat(file).st_size
            rdf_format = guess_format(file).name
        except (OSError, InputError):
            continue
        triples += size // FILE_BYTES_PER_TRIPLE.get(rdf_format, COMPACT_BYTES_PER_TRIPLE)
    return triples


@dataclass(frozen=True)
class Refusal:
    """Why a validation would not fit: the numbers of the message."""

    triples: int
    needed: int
    budget: int
    user_limit: bool
    engine: str = "fast"

    def message(self) -> str:
        where = (f"the limit is {format_size(self.budget)} ({LIMIT_VARIABLE})" if self.user_limit
                 else f"{format_size(self.budget)} is available (set {LIMIT_VARIABLE} to change the limit)")
        engine = " with pySHACL" if self.engine == "pyshacl" else ""
        return (f"about {_count(self.triples)} triples would need about {format_size(self.needed)} "
                f"to validate{engine}; {where}")


def check_validation(data: Sequence[str | Path], mixed_in: Sequence[str | Path] = (),
                     engine: str = "fast", triples: int | None = None) -> None:
    """Raise an InputError naming the ``data`` files when validating them (with the ontology
    files ``mixed_in``) in one process would need more memory than :func:`budget`.

    Called twice: before reading, with the triples guessed from the file sizes, and once the
    data is loaded, with the ``triples`` counted (a file of short lines holds more than guessed;
    the indexes validation builds are still to come)."""
    memory = budget()
    if memory is None:
        return
    if triples is None:
        triples = guess_triples(list(data) + list(mixed_in))
    needed = need(triples, 1, engine)
    if needed > memory:
        refusal = Refusal(triples, needed, memory, user_limit() is not None, engine)
        raise InputError(refusal.message(), path=_label(data))


def _count(triples: int) -> str:
    """``triples`` rounded for a guess: ``21 million``, ``1.2 million``, ``150,000``.

    >>> _count(21_276_595), _count(1_234_567), _count(153_846), _count(7)
    ('21 million', '1.2 million', '150,000', '7')
    """
    if triples >= 10_000_000:
        return f"{round(triples / 1e6):,} million"
    if triples >= 1_000_000:
        return f"{triples / 1e6:.1f} million"
    if triples >= 100:
        digits = len(str(triples)) - 2
        return f"{round(triples, -digits):,}"
    return str(triples)


def _label(files: Sequence[str | Path]) -> str | None:
    """The data files for a one-line message: one or two by name, more by the folder they
    share (a corpus), else the first and how many more.

    >>> _label(["big.nt"]), _label(["corpus/a.nt", "corpus/b/c.nt", "corpus/d.nt"])
    ('big.nt', 'corpus/ (3 files)')
    """
    paths = [str(f) for f in files]
    if len(paths) <= 2:
        return ", ".join(paths) or None
    try:
        folder = os.path.commonpath(paths)
    except ValueError:  # absolute and relative paths mixed
        folder = ""
    if folder in ("", os.sep) or folder in paths:
        return f"{paths[0]} and {len(paths) - 1:,} more files"
    return f"{folder.rstrip(os.sep)}{os.sep} ({len(paths):,} files)"
