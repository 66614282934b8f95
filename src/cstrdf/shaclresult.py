"""One SHACL validation result, as both engines give it (:mod:`cstrdf.validate` through
pySHACL, :mod:`cstrdf.fastshacl` over pyoxigraph): a module of its own so that the fast engine
does not import the rest of ``validate``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result; terms are strings (IRIs in full, blank nodes as ``_:id``)."""

    severity: str  # Violation, Warning or Info
    focus: str
    path: str | None
    message: str
    component: str
    source_shape: str
    value: str | None = None
