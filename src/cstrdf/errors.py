"""One error hierarchy and one exit-code enum for the library and the command line.

The CLI catches :class:`CstrdfError` in one place and exits with its ``exit_code``. "The data
does not conform" (1) and "the command could not run" (2, 3, 4, 5) never share a code. The
contract (failure → message → code) is in docs/errors.md.
"""

from __future__ import annotations

import re
from enum import IntEnum

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: `cstrdf --help` starts faster
if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path


class ExitCode(IntEnum):
    """Exit codes of ``cstrdf``; documented in the README and in every ``--help``."""

    OK = 0
    #: the data does not conform (also: an ASK query answered false)
    NOT_CONFORMING = 1
    #: bad command line (argparse errors, unknown names, conflicting options)
    USAGE = 2
    #: a file could not be read or written: missing or unreadable file, syntax error, bad
    #: encoding, ill-typed literal; an output file in a missing folder, a read-only place, a full disk
    INPUT = 3
    #: a remote endpoint failed: refused, HTTP error, timeout
    REMOTE = 4
    #: a local query ran longer than ``--timeout`` and was stopped
    TIMEOUT = 5
    #: a bug in cstrdf (an unexpected exception); sysexits' EX_SOFTWARE, so it is never
    #: mistaken for "does not conform" (1) or "bad input" (3)
    INTERNAL = 70


#: longest message kept; parsers list every token they expected (hundreds of characters)
MAX_MESSAGE = 300
_QUOTED_CONTROL = re.compile(r"'([\x00-\x1f\x7f\x85\u2028\u2029])'")
_LINE_BREAK = re.compile(r"\s*[\r\n\x85\u2028\u2029]\s*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(message: str) -> str:
    r"""``message`` as one line of at most MAX_MESSAGE characters: a control character a parser
    quotes (``'\n'``) is shown escaped, line breaks of a wrapped message become spaces.

    >>> one_line("Invalid IRI code point '\n'")
    "Invalid IRI code point '\\n'"
    >>> one_line("expected one of ',',\n   '.'")
    "expected one of ',', '.'"
    """
    def escape(char: str) -> str:
        return _ESCAPES.get(char, f"\\u{ord(char):04X}")

    text = _QUOTED_CONTROL.sub(lambda m: "'" + escape(m.group(1)) + "'", message)
    text = _LINE_BREAK.sub(" ", text.strip())
    text = _CONTROL.sub(lambda m: escape(m.group()), text)
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


class CstrdfError(Exception):
    """Base of every error the CLI reports as ``cstrdf: error: <message>`` (one line)."""

    exit_code: ExitCode = ExitCode.INPUT

    def __init__(self, message: str, exit_code: ExitCode | None = None) -> None:
        message = one_line(message)
        super().__init__(message)
        self.message = message
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # picklable with its exit code (a query's worker process sends it back)
        return (type(self), (self.message, self.exit_code))


class InputError(CstrdfError):
    """Input that cannot be used: ``str()`` is ``path:line:col: message`` (parts when known).

    >>> str(InputError("expected '.'", path="data/events.ttl", line=42, column=7))
    "data/events.ttl:42:7: expected '.'"
    """

    exit_code = ExitCode.INPUT

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = [self.path] if self.path is not None else []
        if self.line is not None:
            where.append(str(self.line))
            if self.column is not None:
                where.append(str(self.column))
        return ":".join(where + [" " + self.message]) if where else self.message

    def __reduce__(self):
        return (type(self), (self.message, self.path, self.line, self.column))


class UsageError(CstrdfError):
    """The command line asks for something that cannot be done (exit 2)."""

    exit_code = ExitCode.USAGE


class RemoteError(CstrdfError):
    """A remote endpoint could not be used (exit 4); the message names the endpoint."""

    exit_code = ExitCode.REMOTE


class QueryTimeout(CstrdfError):
    """A local query ran longer than its timeout and its worker process was stopped (exit 5)."""

    exit_code = ExitCode.TIMEOUT
