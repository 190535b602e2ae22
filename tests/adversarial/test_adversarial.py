"""Every attack in the corpus, graded with the honest work in one real `nbgrader autograde` run.

Each attack must score no more than its honest part earns, leave every file outside its scratch
folder unchanged, leak nothing of source/ into outputs, and not spoil the honest submission.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import psutil
import pytest
from nbgrader.api import Gradebook

from adversarial.build import ATTACKS, build, honest

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "minicourse"
HONEST_SCORE = 5.0  # ex1 2 + ex2 2 + ex3 1 (q4 is graded by hand)
NOT_GRADED = "NotebookNotGraded"

# attack: (auto score, text that must appear in the autograded notebook's outputs), or a list of
# such outcomes when a limit's timing decides which one stops the attack
EXPECTED = {
    "wrong_answers_only": (0.0, "HiddenCheckFailed"),
    "input_transformer": (0.0, "was not recorded"),
    "ast_transformer": (0.0, "was not recorded"),
    "pre_run_cell_hook": (0.0, "was not recorded"),
    "skip_test_cells": (0.0, "was not recorded"),
    "patch_assertions": (0.0, "HiddenCheckFailed"),
    "observe_records_visible_value": (0.0, "HiddenCheckFailed"),
    "observe_records_nothing": (0.0, "was not recorded"),
    "always_equal": (1.0, "CheckFailed"),
    "swallow_exceptions": (0.0, "HiddenCheckFailed"),
    "fake_output": (0.0, "was not recorded"),
    "os_exit_in_tests": (0.0, NOT_GRADED),
    "sys_exit": (1.0, "SystemExit"),
    "os_exit": (0.0, NOT_GRADED),
    "forge_observations": (0.0, "HiddenCheckFailed"),
    # The forged file is never read (the executed notebook is built outside the sandbox) and the
    # kernel's parent inside is the sandbox's init, which ignores the kill.
    "forge_executed_notebook": (0.0, "HiddenCheckFailed"),
    "read_secrets": (0.0, "HiddenCheckFailed"),
    "rewrite_files": (0.0, "HiddenCheckFailed"),
    "network": (0.0, "no network"),
    "endless_loop": (1.0, "CellTimeoutError"),
    "endless_loop_ignoring_interrupt": (0.0, NOT_GRADED),
    "memory_bomb": (0.0, NOT_GRADED),
    # Contained by the process limit (the cell finishes, ex3 keeps its point) or, when the forked
    # copies of the kernel touch enough memory first, by the memory limit (nothing graded).
    "fork_storm": [(1.0, "forked"), (0.0, NOT_GRADED)],
    "output_flood": (1.0, "output cut"),
}
LIMITS = """
from graders.preprocessors import use_verified_grading
use_verified_grading(c)
c.Sandbox.cell_timeout = 10
c.Sandbox.notebook_timeout = 40
c.Sandbox.memory_mb = 1024
c.Sandbox.max_processes = 128
"""
# Text that exists only in source/ (the solutions) or in the reference's expected values.
SECRETS = ('raise ValueError("height must be positive")', "reset_index(drop=True)", "19.2424935",
           "33.2409972", "2.9973357")
PLANTED = "planted"


def digest_tree(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``."""
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


class Listener:
    """A TCP server on the host's loopback that counts the connections it gets."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                self.server.accept()[0].close()
            except OSError:
                return
            self.connections += 1


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the honest learner and every attack in one nbgrader run; the course and its state."""
    if shutil.which("bwrap") is None:
        pytest.fail("bubblewrap is needed: `apt-get install bubblewrap` (./course test installs it)")
    course = tmp_path_factory.mktemp("course")
    shutil.copytree(FIXTURE, course, dirs_exist_ok=True)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(LIMITS)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    nbgrader = [sys.executable, "-m", "nbgrader"]
    subprocess.run([*nbgrader, "generate_assignment", "pilot", "--log-level=ERROR"], cwd=course, env=env,
                   check=True)
    release = nbformat.read(course / "release" / "pilot" / "pilot.ipynb", as_version=4)
    source = nbformat.read(course / "source" / "pilot" / "pilot.ipynb", as_version=4)
    listener = Listener()
    students = {"honest": honest(release, source)}
    students |= {name: build(release, attack, course=course, port=listener.port)
                 for name, attack in ATTACKS.items()}
    for student, nb in students.items():
        folder = course / "submitted" / student / "pilot"
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / "pilot.ipynb")
    untouched = ("source", "release", "submitted")
    before = {name: digest_tree(course / name) for name in untouched}
    check_py = Path(__import__("healthpath.check").check.__file__)
    check_before = check_py.read_bytes()
    subprocess.run([*nbgrader, "autograde", "pilot", "--log-level=ERROR"], cwd=course, env=env, check=True,
                   capture_output=True)
    listener.server.close()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {student: {grade.name: grade.auto_score
                            for grade in gradebook.find_submission("pilot", student).notebooks[0].grades}
                  for student in students}
    return {
        "course": course, "scores": scores, "listener": listener, "untouched": untouched, "before": before,
        "check_changed": check_py.read_bytes() != check_before,
        "leftover": psutil.Process().children(recursive=True),
    }


def outputs_text(course: Path, student: str) -> str:
    """All outputs of a learner's autograded notebook, as one text."""
    nb = nbformat.read(course / "autograded" / student / "pilot" / "pilot.ipynb", as_version=4)
    return "\n".join(nbformat.writes(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(outputs=cell.outputs) for cell in nb.cells if cell.cell_type == "code"])
    ).splitlines())


def test_corpus_and_expectations_match():
    assert set(EXPECTED) == set(ATTACKS)


def test_honest_learner_gets_full_marks_in_the_same_batch(graded):
    scores = graded["scores"]["honest"]
    assert sum(score for name, score in scores.items() if name != "q4-answer") == HONEST_SCORE


@pytest.mark.parametrize("attack", sorted(EXPECTED))
def test_attack_earns_no_more_than_its_honest_part(graded, attack):
    outcomes = EXPECTED[attack] if isinstance(EXPECTED[attack], list) else [EXPECTED[attack]]
    scores = graded["scores"][attack]
    score = sum(value for name, value in scores.items() if name != "q4-answer")
    text = outputs_text(graded["course"], attack)
    assert any(score == expected and note in text for expected, note in outcomes), (score, outcomes)


@pytest.mark.parametrize("student", ["honest", *sorted(EXPECTED)])
def test_nothing_from_source_reaches_the_outputs(graded, student):
    text = outputs_text(graded["course"], student)
    for secret in SECRETS:
        assert secret not in text
    assert "NETWORK-REACHED" not in text


def test_files_outside_the_sandbox_are_unchanged(graded):
    course = graded["course"]
    for name in graded["untouched"]:
        assert digest_tree(course / name) == graded["before"][name], name
    assert not (course / "planted").exists()
    assert not Path("/tmp/healthpath-attack-marker").exists()
    assert not graded["check_changed"]
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        students = [student.id for student in gradebook.students]
        for student in students:
            for grade in gradebook.find_submission("pilot", student).notebooks[0].grades:
                assert grade.auto_score in (None, 0.0, 1.0, 2.0), (student, grade.name, grade.auto_score)


def test_no_network_and_no_process_left_behind(graded):
    assert graded["listener"].connections == 0
    assert graded["leftover"] == []
