"""Generic forgeries: attacks that need no knowledge of the assignment, applied to every mutant.

A forgery is code a learner could put at the top of their first answer cell: it wraps the recording
function and rewrites what it is given (bools to True, numbers to 0, floats raised or lowered,
arrays replaced by a constant), neuters every visible check, or rewrites the test cells before they
run. Graded through the course's real pipeline next to the same mutants without a forgery, no
mutant may score more with a forgery than without, and the honest solution keeps full marks.

``python tests/adversarial/forging.py`` runs the composite forgeries over every mutant of every
assignment and writes ``tests/adversarial/forging.md`` (too long for every CI run); the tests run
them over the miniature course and one module assignment.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import nbformat

from graders.autograde import grade
from graders.commands.release import release
from graders.course import open_course
from graders.gate import (
    MUTANT_STUDENT,
    RELEASE_STUDENT,
    SOURCE_STUDENT,
    _scores,
    _submit,
    gate_submissions,
    temporary_course,
)

REWRITE = """
import healthpath.check as _check
import numpy as _np
import pandas as _pd
_record = _check.observe
def _rewrite(value):
    if isinstance(value, (bool, _np.bool_)):
        return {bools}
    if isinstance(value, (int, _np.integer)):
        return {ints}
    if isinstance(value, (float, _np.floating)):
        return {floats}
    if isinstance(value, (list, tuple)):
        return type(value)(_rewrite(item) for item in value)
    if isinstance(value, dict):
        return {{key: _rewrite(item) for key, item in value.items()}}
    if isinstance(value, _np.ndarray) and value.dtype.kind in "biuf":
        return {arrays}
    if isinstance(value, _pd.Series) and value.dtype.kind in "biuf":
        return _pd.Series(_rewrite(value.to_numpy()), index=value.index, name=value.name)
    if isinstance(value, _pd.DataFrame):
        return value.apply(lambda column: _rewrite(column) if column.dtype.kind in "biuf" else column)
    return value
def _forged(key, value, *args, **kwargs):
    return _record(key, _rewrite(value), *args, **kwargs)
_check.observe = _forged
"""
NEUTER_CHECKS = """
import healthpath.check as _check
for _name in ("close", "equal", "frame", "array", "is_a", "series", "fitted", "figure", "pipeline",
              "same_index", "keras_model"):
    setattr(_check, _name, lambda *args, **kwargs: None)
"""
# Every later cell runs inside try/except, so that nothing a test cell checks can raise.
SWALLOW_TEST_ERRORS = """
def _guard(lines):
    if not any("check." in line for line in lines):
        return lines
    body = "".join(lines)
    return ["try:\\n", "    exec(compile(" + repr(body) + ", '<cell>', 'exec'), globals())\\n",
            "except Exception:\\n", "    pass\\n"]
get_ipython().input_transformers_post.append(_guard)
"""


def rewrite(bools: str = "value", ints: str = "value", floats: str = "value", arrays: str = "value") -> str:
    """A forgery that rewrites what ``check.observe`` records (each argument: a Python expression
    of ``value``)."""
    return REWRITE.format(bools=bools, ints=ints, floats=floats, arrays=arrays)


FORGERIES = {
    "bools-to-true": rewrite(bools="True"),
    "numbers-to-zero": rewrite(ints="0", floats="0.0"),
    "floats-raised": rewrite(floats="value * 1.05 + 0.01"),
    "floats-lowered": rewrite(floats="value * 0.95 - 0.01"),
    "arrays-to-constant": rewrite(arrays="_np.zeros_like(value) + (value.mean() if value.size else 0)"),
    "checks-neutered-tests-guarded": NEUTER_CHECKS + SWALLOW_TEST_ERRORS,
}
# Stacked forgeries, for runs where grading each one apart costs too much.
COMPOSITES = {
    "guess-constants": rewrite(bools="True", ints="0", floats="value * 1.05 + 0.01") + NEUTER_CHECKS,
    "guess-arrays": rewrite(floats="value * 0.95 - 0.01",
                            arrays="_np.zeros_like(value) + (value.mean() if value.size else 0)")
    + NEUTER_CHECKS + SWALLOW_TEST_ERRORS,
}
SEPARATOR = "--"


def forged(notebook: nbformat.NotebookNode, forgery: str) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with ``forgery`` at the top of its first code answer cell."""
    nb = nbformat.from_dict(json.loads(json.dumps(notebook)))
    cell = next(cell for cell in nb.cells if cell.cell_type == "code"
                and cell.get("metadata", {}).get("nbgrader", {}).get("solution"))
    cell.source = forgery.strip() + "\n\n" + cell.source
    return nb


def forged_scores(course_root: Path, assignment: str, forgeries: dict[str, str],
                  workers: int = 2) -> dict[str, dict[str, float]]:
    """Automatic score of the solution, of every mutant and of every mutant under every forgery
    (``<mutant>--<forgery>``), graded in a temporary copy of the course."""
    course = open_course(course_root)
    with tempfile.TemporaryDirectory(prefix="healthpath-forging-") as folder:
        fresh = temporary_course(course, Path(folder))
        release(fresh, assignment)
        released = fresh.directory("release") / assignment
        submissions, _, problems = gate_submissions(course, assignment, released)
        assert not problems, problems
        del submissions[RELEASE_STUDENT]
        for student in [s for s in submissions if s.startswith(MUTANT_STUDENT)]:
            first = next(iter(submissions[student]))
            for name, code in forgeries.items():
                notebooks = dict(submissions[student])
                notebooks[first] = forged(notebooks[first], code)
                submissions[f"{student}{SEPARATOR}{name}"] = notebooks
        for student, notebooks in submissions.items():
            _submit(fresh, student, assignment, notebooks)
        grade(fresh, assignment, workers=workers, progress=False)
        names = sorted(p.stem for p in (course.directory("source") / assignment).glob("*.ipynb"))
        return {student: sum(score for score, _ in _scores(fresh, assignment, student, names).values())
                for student in submissions}


def inflated(scores: dict[str, float]) -> list[str]:
    """``<mutant>--<forgery>`` entries that score more than the mutant alone."""
    return sorted(student for student, score in scores.items()
                  if SEPARATOR in student and score > scores[student.split(SEPARATOR)[0]])


def main() -> None:
    """Composite forgeries over every mutant of every assignment; writes forging.md beside this file."""
    root = Path(__file__).resolve().parents[2]
    lines = ["# Generic forgeries against every mutant", "",
             "Produced by `python tests/adversarial/forging.py`: each mutant of each assignment is graded "
             "alone and with each composite forgery of `COMPOSITES` (stacked rewrites of what "
             "`check.observe` records, neutered visible checks, guarded test cells), in one grading run per "
             "assignment with the course's offering seed (a new one where it has none).", "",
             "| assignment | mutants | forged submissions | inflated scores | solution's score | minutes |",
             "|---|---:|---:|---:|---:|---:|"]
    details = []
    for assignment in open_course(root).assignments():
        start = time.monotonic()
        scores = forged_scores(root, assignment, COMPOSITES)
        mutants = [s for s in scores if s.startswith(MUTANT_STUDENT) and SEPARATOR not in s]
        bad = inflated(scores)
        minutes = (time.monotonic() - start) / 60
        lines.append(f"| {assignment} | {len(mutants)} | {len(mutants) * len(COMPOSITES)} | {len(bad)} | "
                     f"{scores[SOURCE_STUDENT]:g} | {minutes:.1f} |")
        details += [f"- {assignment}: `{entry}` scores {scores[entry]:g}, the mutant alone "
                    f"{scores[entry.split(SEPARATOR)[0]]:g}" for entry in bad]
        print(lines[-1], flush=True)
    lines += ["", "Inflated scores:" if details else "No forgery raised any mutant's score.", *details, ""]
    (Path(__file__).parent / "forging.md").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
