"""Hidden cases: built by the grader from the offering's private seed, their inputs handed to the
sandbox and their labels never; a new seed means new cases and a regrade from scratch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from graders import hidden_cases, reference
from graders.autograde import grade
from graders.cli import main
from graders.course import open_course

FIXTURE = Path(__file__).parent / "fixtures" / "minicourse"
TOKEN = "TRUTH-7f3a9c1e52b84d06"
# A hidden case whose truth holds a token that is in no input: anything that can read the labels
# from inside the sandbox finds it.
CASES_WITH_TOKEN = f'''
import numpy as np
import pandas as pd


def ward(seed):
    rng = np.random.default_rng(seed)
    potassium = rng.normal(4.8, 0.9, 40).round(1)
    labs = pd.DataFrame({{"patient_id": np.arange(100, 140), "potassium_mmol_l": potassium}})
    return labs, {{"high": potassium > 5.5, "token": ["{TOKEN}"]}}


CASES = {{"ward": ward}}
'''
# An answer cell that searches everything the kernel can read that could hold the labels.
SEARCH = f'''
import glob, os
needle, searched, found = b"{TOKEN}", 0, []
roots = ["/scratch", "/tmp", "/dev/shm", "/proc", os.path.dirname(os.path.dirname(check.__file__))]
for root in roots:
    for folder, dirs, files in os.walk(root):
        if folder.startswith("/proc/") and folder.count("/") > 2:
            dirs[:] = []
        for name in files:
            path = os.path.join(folder, name)
            if folder.startswith("/proc") and name not in ("environ", "cmdline"):
                continue
            try:
                with open(path, "rb") as handle:
                    data = handle.read(50_000_000)
            except OSError:
                continue
            searched += 1
            if needle in data:
                found.append(path)
case = check.hidden_case("ward")
print("SEARCHED", searched, "FILES; LABELS FOUND IN", found, "; CASE ROWS", len(case))
print("IN ENVIRONMENT", any(needle.decode() in value for value in os.environ.values()))
'''


def course_copy(tmp_path: Path) -> Path:
    course = tmp_path / "course"
    shutil.copytree(FIXTURE, course, ignore=shutil.ignore_patterns("submissions"))
    (course / "source" / "pilot" / "hidden_cases.py").write_text(CASES_WITH_TOKEN)
    assert main(["release", "pilot", "--course", str(course)]) == 0
    return course


def submit(course: Path, student: str, answers: dict[str, str]) -> None:
    nb = nbformat.read(course / "release" / "pilot" / "pilot.ipynb", as_version=4)
    for cell in nb.cells:
        code = answers.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
        if code is not None:
            cell.source = code
    folder = course / "submitted" / student / "pilot"
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "pilot.ipynb")


def outputs(course: Path, student: str) -> str:
    nb = nbformat.read(course / "autograded" / student / "pilot" / "pilot.ipynb", as_version=4)
    return json.dumps([cell.get("outputs", []) for cell in nb.cells])


@pytest.fixture(scope="module", autouse=True)
def venv_on_path():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", f"{Path(__file__).parent.parent / '.venv' / 'bin'}:"
                             f"{__import__('os').environ['PATH']}")
        yield


def test_a_hidden_cases_labels_cannot_be_read_from_inside_the_sandbox(tmp_path):
    course = course_copy(tmp_path)
    submit(course, "prober", {"ex1-solution": SEARCH})
    grade(open_course(course), "pilot", progress=False)
    text = outputs(course, "prober")
    assert "SEARCHED" in text and "LABELS FOUND IN []" in text and "IN ENVIRONMENT False" in text, text
    assert "CASE ROWS 40" in text
    # the labels exist, outside: the grader kept them with the reference
    cached = list(reference.cache_folder(course).glob("*.json"))
    assert cached and TOKEN in cached[0].read_text()


def test_a_new_offering_seed_changes_the_cases_and_regrades_from_scratch(tmp_path):
    course = course_copy(tmp_path)
    seed_file = course / hidden_cases.SEED_FILE
    assert seed_file.exists() and seed_file.stat().st_mode & 0o077 == 0  # made by release, private
    first = hidden_cases.build(course, course / "source" / "pilot")
    source = nbformat.read(course / "source" / "pilot" / "pilot.ipynb", as_version=4)
    solutions = {cell.metadata.nbgrader["grade_id"]: cell.source for cell in source.cells
                 if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code"}
    submit(course, "ada", solutions)
    opened = open_course(course)
    assert grade(opened, "pilot", progress=False).graded[0].score == 5.0
    assert grade(opened, "pilot", progress=False).skipped == ["ada"]
    seed_file.write_text("another offering\n")
    second = hidden_cases.build(course, course / "source" / "pilot")
    assert second.digest != first.digest and second.inputs["ward"] != first.inputs["ward"]
    again = grade(opened, "pilot", progress=False)
    assert [record.student for record in again.graded] == ["ada"]
    assert (again.executed, again.cached) == (1, 0)  # run again, not taken from the cache
    assert again.graded[0].score == 5.0
    assert len(list(reference.cache_folder(course).glob("*.json"))) == 2  # a reference per seed


def test_a_broken_hidden_case_names_the_file_and_the_case(tmp_path):
    folder = tmp_path / "source" / "pilot"
    folder.mkdir(parents=True)
    (folder / "hidden_cases.py").write_text("CASES = {'ward': lambda seed: 1 / 0}\n")
    with pytest.raises(hidden_cases.HiddenCaseError, match=r"hidden_cases.py: hidden case 'ward' could not"):
        hidden_cases.build(tmp_path, folder)
