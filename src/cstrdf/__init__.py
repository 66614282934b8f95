"""cstrdf: the Monitor article on the CIS Collective Security Treaty (8:95) as linked data.

The package holds the library (validation, evidence and coverage checks, canonical Turtle)
and the ``cstrdf`` command line. The publication itself (ontology, facts, shapes, queries)
lives in the top-level folders of a checkout and travels in the wheel; see
:mod:`cstrdf.resources`.
"""

__version__ = "0.1.0"
