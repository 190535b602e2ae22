"""Instructor tooling: release, sandboxed autograding, feedback, grade reports and the course gate."""

import sys

# nbformat imports jsonschema, whose optional IRI format check (the rfc3987_syntax package) compiles
# dozens of Earley parsers at import: about 2 CPU seconds in every grading process and in the
# lesson runner. No notebook schema uses that format, so grading goes without it (jsonschema
# then skips IRI checks). See https://github.com/python-jsonschema/jsonschema/issues/1428
sys.modules.setdefault("rfc3987_syntax", None)
