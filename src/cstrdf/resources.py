"""Find the publication files: the checkout first, then the copy installed in the wheel.

A checkout is recognised by walking up from this module to the first folder that holds
``pyproject.toml``; it counts only if its ``src/cstrdf`` is this very package (so a
non-editable install in a virtual environment inside a checkout still uses its own copy).
The wheel carries ``ontology/``, ``data/``, ``shapes/`` and ``queries/`` as
``cstrdf/_publication/`` (see ``hatch_build.py``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from cstrdf.errors import InputError

PACKAGE_DIR = Path(__file__).resolve().parent
INSTALLED_ROOT = PACKAGE_DIR / "_publication"

SOURCE_TEXT_NAME = "monitor-v8-i95.txt"


@lru_cache(maxsize=1)
def checkout_root() -> Path | None:
    """The root of the source checkout this package runs from, or None when installed."""
    for candidate in PACKAGE_DIR.parents:
        if (candidate / "pyproject.toml").is_file():
            if (candidate / "src" / "cstrdf").resolve() == PACKAGE_DIR:
                return candidate
            return None
    return None


def publication_root() -> Path:
    """The folder that holds ``ontology/``, ``data/``, ``shapes/`` and ``queries/``.

    >>> (publication_root() / "data").is_dir()
    True
    """
    root = checkout_root()
    if root is not None:
        return root
    if INSTALLED_ROOT.is_dir():
        return INSTALLED_ROOT
    raise InputError(
        "cannot find the publication: not in a checkout and no cstrdf/_publication in the package",
        path=INSTALLED_ROOT,
    )


def _files(folder: str, pattern: str) -> list[Path]:
    directory = publication_root() / folder
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.glob(pattern) if p.is_file())


def ontology_files() -> list[Path]:
    """``ontology/*.ttl``, sorted."""
    return _files("ontology", "*.ttl")


def fact_files() -> list[Path]:
    """``data/facts/*.ttl``: the article's own facts, sorted."""
    return _files("data/facts", "*.ttl")


def context_files() -> list[Path]:
    """``data/context/*.ttl``: statements from outside the article, each with its source."""
    return _files("data/context", "*.ttl")


def shape_files() -> list[Path]:
    """``shapes/*.ttl``, sorted."""
    return _files("shapes", "*.ttl")


def query_files() -> list[Path]:
    """``queries/*.rq``, sorted."""
    return _files("queries", "*.rq")


def source_text_path() -> Path:
    """``data/source/monitor-v8-i95.txt``: the article, byte-identical to the shared copy."""
    return publication_root() / "data" / "source" / SOURCE_TEXT_NAME


def coverage_exclusions_path() -> Path:
    """``data/coverage-exclusions.tsv``: sentences deliberately not encoded, with reasons."""
    return publication_root() / "data" / "coverage-exclusions.tsv"


def read_source_text(path: str | Path | None = None) -> str:
    """The article text (UTF-8, decoded strictly; offsets in it count code points)."""
    from cstrdf.rdfio import read_text

    return read_text(path if path is not None else source_text_path())
