"""Is a literal's lexical form in the lexical space of its XSD datatype?

RDF 1.1 Concepts §3.3 calls a literal whose lexical form is not in its datatype's lexical space
*ill-typed*. pyoxigraph keeps such literals as they are; rdflib logs a stack trace for each
one. cstrdf refuses them when it reads a file (an InputError at the position of the literal),
so a typo such as ``"2002-13-45"^^xsd:date`` is caught where it was typed, not as a confusing
SHACL result or a store that rejects the upload half-way.

Only the datatypes the publication can meet are checked (XML Schema 1.1 Part 2 §3.3, §3.4);
any other datatype is accepted as it is.

>>> problem("2002-13-45", XSD + "date")
'month 13 does not exist'
>>> problem("2002-05-14", XSD + "date") is None
True
"""

from __future__ import annotations

import calendar
import re

XSD = "http://www.w3.org/2001/XMLSchema#"

_TZ = r"(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))?"
_YEAR = r"-?(?:[1-9]\d{4,}|\d{4})"
_DATE = re.compile(rf"^({_YEAR})-(\d\d)-(\d\d){_TZ}$")
_TIME = r"(?:([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:\.\d+)?|24:00:00(?:\.0+)?)"
_DATE_TIME = re.compile(rf"^({_YEAR})-(\d\d)-(\d\d)T{_TIME}{_TZ}$")
_DATE_TIME_STAMP = re.compile(rf"^({_YEAR})-(\d\d)-(\d\d)T{_TIME}(?:Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))$")
_TIME_ONLY = re.compile(rf"^{_TIME}{_TZ}$")
_G_YEAR = re.compile(rf"^{_YEAR}{_TZ}$")
_G_YEAR_MONTH = re.compile(rf"^({_YEAR})-(\d\d){_TZ}$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_DOUBLE = re.compile(r"^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?INF|NaN)$")
_BOOLEAN = re.compile(r"^(?:true|false|1|0)$")

#: integer types and their inclusive bounds (None: unbounded)
_INTEGER_RANGES: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-128, 127),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 255),
}


def _day_problem(year: str, month: str, day: str | None = None) -> str | None:
    m = int(month)
    if not 1 <= m <= 12:
        return f"month {m} does not exist"
    if day is None:
        return None
    d = int(day)
    # proleptic Gregorian leap years (XSD 1.1: year 0 is 1 BCE, a leap year)
    y = int(year)
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    last = calendar.monthrange(2000 if leap else 2001, m)[1]
    if not 1 <= d <= last:
        return f"day {d} does not exist in month {m}"
    return None


def _dated(pattern: re.Pattern, lexical: str, name: str) -> str | None:
    match = pattern.match(lexical)
    if not match:
        return f"not of the form of an xsd:{name}"
    return _day_problem(match.group(1), match.group(2), match.group(3))


def problem(lexical: str, datatype: str) -> str | None:
    """Why ``lexical`` is not a valid form of ``datatype`` (a full IRI), or None when it is
    (or when the datatype is not one this module knows)."""
    if not datatype.startswith(XSD):
        return None
    name = datatype[len(XSD):]
    if name == "date":
        return _dated(_DATE, lexical, name)
    if name == "dateTime":
        return _dated(_DATE_TIME, lexical, name)
    if name == "dateTimeStamp":
        return _dated(_DATE_TIME_STAMP, lexical, name)
    if name == "time":
        return None if _TIME_ONLY.match(lexical) else "not of the form of an xsd:time"
    if name == "gYear":
        return None if _G_YEAR.match(lexical) else "not of the form of an xsd:gYear"
    if name == "gYearMonth":
        match = _G_YEAR_MONTH.match(lexical)
        return _day_problem(match.group(1), match.group(2)) if match else "not of the form of an xsd:gYearMonth"
    if name in _INTEGER_RANGES:
        if not _INTEGER.match(lexical):
            return f"not of the form of an xsd:{name}"
        low, high = _INTEGER_RANGES[name]
        value = int(lexical)
        if (low is not None and value < low) or (high is not None and value > high):
            return f"out of range for xsd:{name}"
        return None
    if name == "decimal":
        return None if _DECIMAL.match(lexical) else "not of the form of an xsd:decimal"
    if name in ("double", "float"):
        return None if _DOUBLE.match(lexical) else f"not of the form of an xsd:{name}"
    if name == "boolean":
        return None if _BOOLEAN.match(lexical) else "not of the form of an xsd:boolean (true, false, 1, 0)"
    return None
