"""Regular expressions compiled when first used, not when their module is imported.

Every ``cstrdf`` run starts a new Python process, and :func:`re.compile` is not cached across
processes: a module that compiles all its patterns at import pays for the ones the command never
uses (``sparql._TOKENS`` alone takes about 8 ms, longer than most catalogue queries).

>>> WORD = LazyPattern(r"[a-z]+")
>>> WORD.findall("two words")
['two', 'words']
"""

from __future__ import annotations

import re


class LazyPattern:
    """Stands for ``re.compile(pattern, flags)``; compiles on the first attribute used
    (``match``, ``finditer``, ``pattern`` …) and hands every attribute to the compiled pattern."""

    __slots__ = ("_pattern", "_flags", "_compiled")

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self._pattern = pattern
        self._flags = flags
        self._compiled: re.Pattern | None = None

    def compiled(self) -> re.Pattern:
        """The compiled pattern (for APIs that want a real :class:`re.Pattern`)."""
        if self._compiled is None:
            self._compiled = re.compile(self._pattern, self._flags)
        return self._compiled

    def __getattr__(self, name: str):
        return getattr(self.compiled(), name)

    def __repr__(self) -> str:
        return f"LazyPattern({self._pattern!r}, {self._flags!r})"
