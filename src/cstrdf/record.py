"""Small immutable value classes, without :mod:`dataclasses`.

``@dataclass(frozen=True)`` would be the natural way to write them, but every ``cstrdf`` run is a
new process: importing dataclasses (it imports inspect, ast, dis, tokenize …) and generating the
methods of each class took about a fifth of the instructions of a ``cstrdf query`` run. A
:class:`Record` subclass names its fields in ``_fields`` and writes its own ``__init__``
(defaults, normalisation) ending in :meth:`Record._set`; equality, hashing, ``repr``, pickling
and :meth:`Record.replace` then behave as for a frozen dataclass.

>>> class Point(Record):
...     _fields = ("x", "y")
...     def __init__(self, x: int, y: int = 0) -> None:
...         self._set(x=x, y=y)
>>> Point(1) == Point(1, 0), Point(1), Point(1).replace(y=2)
(True, Point(x=1, y=0), Point(x=1, y=2))
"""

from __future__ import annotations


class Record:
    """Base of immutable values: fields in ``_fields`` (in ``__init__``'s positional order)."""

    _fields: tuple[str, ...] = ()
    #: fields left out of ``==`` and ``hash`` (what ``dataclasses.field(compare=False)`` does)
    _uncompared: frozenset[str] = frozenset()

    def _set(self, **values: object) -> None:
        """Set the fields once, from ``__init__`` (assignment is refused afterwards)."""
        self.__dict__.update(values)

    def _key(self) -> tuple:
        return tuple(self.__dict__[name] for name in self._fields if name not in self._uncompared)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return self._key() == other._key()  # type: ignore[attr-defined]
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={self.__dict__[name]!r}" for name in self._fields)
        return f"{type(self).__qualname__}({fields})"

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of an immutable {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of an immutable {type(self).__name__}")

    def __reduce__(self):
        # pickled as the constructor call (a local query's worker process sends results back)
        return (type(self), tuple(self.__dict__[name] for name in self._fields))

    def replace(self, **changes: object):
        """A copy with some fields changed (``dataclasses.replace``)."""
        values = {name: self.__dict__[name] for name in self._fields}
        values.update(changes)
        return type(self)(**values)
