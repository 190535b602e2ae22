"""Verdicts of autograded test cells, computed outside the kernel from observations.

A test cell earns its points iff it ran without an ``error`` output and every hidden check the
reference solution records in that cell is recorded by the submission as many times, with values
that pass the rule the reference recorded (``healthpath.rules``: equal within its tolerances, a
partition, a metric against labels the kernel never saw). Nothing else the kernel printed or
returned counts, and the submission's own rules are never used. A final project's checker cells
(:mod:`graders.project_checks`) take their verdict from the project checker's items instead.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import nbformat
from nbformat import NotebookNode

from graders import project_checks
from graders.execute import Execution
from healthpath import rules

FAILED = "HiddenCheckFailed"
NOT_GRADED = "NotebookNotGraded"
# While a cell runs, IPython's shell.execution_count (what check.observe records) already names the
# next cell: it is the cell's own execution_count plus one.
COUNTER_AHEAD = 1
NO_REFERENCE = "no hidden check is recorded for this cell by the reference solution (an authoring error)"


@dataclass
class Verdict:
    """The outcome of one autograded test cell; ``reason`` is None when it passed."""

    grade_id: str
    points: float
    max_points: float
    reason: str | None
    ename: str | None = None


def is_autograded_test(cell: NotebookNode) -> bool:
    """Whether ``cell`` is a code cell graded by its tests (a grade cell that is not an answer)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def attribute(nb: NotebookNode, execution: Execution) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """The reference's observations per test cell ``grade_id`` (by execution_count), and problems.

    ``nb`` and ``execution`` are the reference solution and its run.
    """
    by_count = {count + COUNTER_AHEAD: cell
                for cell, count in zip(nb.cells, execution.execution_counts) if count is not None}
    attributed: dict[str, list[dict[str, Any]]] = defaultdict(list)
    problems = list(execution.problems)
    for observation in execution.observations:
        cell = by_count.get(observation["cell"])
        if cell is None or not is_autograded_test(cell):
            problems.append(f"hidden check {observation['key']!r} is recorded outside an autograded "
                            "test cell; it is not used")
            continue
        attributed[cell.metadata.nbgrader["grade_id"]].append(observation)
    for cell, outputs in zip(nb.cells, execution.outputs):
        if not is_autograded_test(cell):
            continue
        grade_id = cell.metadata.nbgrader["grade_id"]
        if grade_id not in attributed and not project_checks.checker_item(cell):
            problems.append(f"test cell {grade_id!r}: {NO_REFERENCE}")
        if any(output.get("output_type") == "error" for output in outputs or []):
            problems.append(f"test cell {grade_id!r} fails on the reference solution")
    return dict(attributed), problems


def judge(nb: NotebookNode, execution: Execution, reference: dict[str, list[dict[str, Any]]],
          truth: dict[str, dict[str, Any]],
          checked: dict[str, dict[str, Any]] | None = None) -> list[Verdict]:
    """The verdict of every autograded test cell of ``nb`` (outputs as in ``execution``) against the
    ``reference`` observations per cell and the hidden cases' ``truth``; a checker cell's against
    the project checker's items ``checked``."""
    submitted: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for observation in execution.observations:
        submitted[observation["key"]].append(observation["record"])
    verdicts = []
    for cell, outputs in zip(nb.cells, execution.outputs):
        if not is_autograded_test(cell):
            continue
        grade_id = cell.metadata.nbgrader["grade_id"]
        max_points = float(cell.metadata.nbgrader.get("points", 0))
        item = project_checks.checker_item(cell)
        if item and execution.status == "ok" and not _raised(outputs or []):
            reason = project_checks.failure(item, checked)
            ename = FAILED if reason else None
        else:
            reason, ename = _cell_failure(grade_id, outputs or [], execution, reference, submitted, truth)
        verdicts.append(Verdict(grade_id, 0.0 if reason else max_points, max_points, reason, ename))
    return verdicts


def _cell_failure(grade_id, outputs, execution, reference, submitted, truth) -> tuple[str | None, str | None]:
    if execution.status != "ok":
        return f"the notebook was not graded: {execution.reason}", NOT_GRADED
    if _raised(outputs):
        return "the cell raised an error", None
    expected = reference.get(grade_id)
    if not expected:
        return NO_REFERENCE, FAILED
    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for observation in expected:
        by_key[observation["key"]].append(observation)
    for key, wanted in by_key.items():
        got = submitted.get(key, [])
        if not got:
            return f"hidden check {key!r}: was not recorded", FAILED
        if len(got) != len(wanted):
            return (f"hidden check {key!r}: was recorded {len(got)} times, not {len(wanted)}",
                    FAILED)
        for reference_observation, record in zip(wanted, got):
            why = rules.verdict(reference_observation["rule"], reference_observation["record"], record,
                                truth)
            if why is not None:
                return f"hidden check {key!r}: {why}", FAILED
    return None, None


def _raised(outputs: list[dict[str, Any]]) -> bool:
    return any(output.get("output_type") == "error" for output in outputs)


def annotate(nb: NotebookNode, verdicts: list[Verdict]) -> None:
    """Put an error output on each failed test cell that has none (the reason, for feedback)."""
    by_id = {verdict.grade_id: verdict for verdict in verdicts}
    for cell in nb.cells:
        verdict = by_id.get(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"))
        if verdict is None or verdict.ename is None or not is_autograded_test(cell):
            continue
        cell.outputs.append(nbformat.v4.new_output("error", ename=verdict.ename, evalue=verdict.reason,
                                                   traceback=[f"{verdict.ename}: {verdict.reason}"]))
