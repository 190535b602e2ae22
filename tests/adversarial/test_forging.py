"""Generic forgeries raise no mutant's score: every forgery apart over the miniature course, the
composite ones over a module assignment (all assignments: ``python tests/adversarial/forging.py``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest

from adversarial.forging import COMPOSITES, FORGERIES, forged_scores, inflated
from graders.gate import MUTANTS, SOURCE_STUDENT
from graders.verdict import is_autograded_test

ROOT = Path(__file__).resolve().parents[2]
MODULE_ASSIGNMENT = "07-advanced-models"  # quickest to grade (forging.md): three submissions per mutant


@pytest.fixture(autouse=True)
def venv_on_path(monkeypatch):
    monkeypatch.setenv("PATH", f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}")


def full_marks(course: Path, assignment: str) -> float:
    return sum(float(cell.metadata.nbgrader.get("points", 0))
               for path in (course / "source" / assignment).glob("*.ipynb")
               for cell in nbformat.read(path, as_version=4).cells if is_autograded_test(cell))


def test_no_forgery_raises_a_mutants_score_in_the_miniature_course(tmp_path):
    course = tmp_path / "course"
    fixtures = ROOT / "tests" / "fixtures"
    shutil.copytree(fixtures / "minicourse", course, ignore=shutil.ignore_patterns("submissions"))
    shutil.copy2(fixtures / "gate" / "pilot-mutants.yml", course / "source" / "pilot" / MUTANTS)
    scores = forged_scores(course, "pilot", {**FORGERIES, **COMPOSITES})
    assert len(scores) == 1 + 3 * (1 + len(FORGERIES) + len(COMPOSITES))
    assert inflated(scores) == []
    assert scores[SOURCE_STUDENT] == full_marks(course, "pilot")


def test_no_composite_forgery_raises_a_mutants_score_in_a_module_assignment():
    scores = forged_scores(ROOT, MODULE_ASSIGNMENT, COMPOSITES)
    assert inflated(scores) == []
    assert scores[SOURCE_STUDENT] == full_marks(ROOT, MODULE_ASSIGNMENT)
