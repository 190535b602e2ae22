"""The instructor's grading pipeline end to end on a copy of the miniature course: release, collect,
grade in parallel, feedback, export and report, compared with the fixture's expected scores."""

import csv
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from minicourse import EXPECTED, FIXTURE, cli, new_course
from nbgrader.api import Gradebook

from graders.autograde import grade
from graders.cli import main
from graders.course import open_course
from graders.preprocessors import sandboxed_execute

TESTS = ("ex1-tests", "ex2-tests", "ex3-tests")


def gradebook_scores(course: Path) -> dict[str, dict[str, float]]:
    """Per student: the auto score of each test cell and the submission's score, from the gradebook."""
    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "mini") as gradebook:
        for submission in gradebook.find_assignment("pilot").submissions:
            grades = {grade.name: float(grade.score) for grade in submission.notebooks[0].grades}
            scores[submission.student.id] = {**{t: grades[t] for t in TESTS},
                                             "score": float(submission.score),
                                             "late": submission.total_seconds_late > 0}
    return scores


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The whole fixture class collected and graded once, with two workers; phase 2 (nbgrader's
    converter, in this process) may execute nothing: every execution comes from phase 1's pool."""
    folder = tmp_path_factory.mktemp("pipeline")
    course = new_course(folder)
    status, collected = cli("collect", "pilot", str(folder / "inbox"), "--course", str(course))
    assert status == 0, collected

    def phase_2_executes(*args, **kwargs):
        raise AssertionError("phase 2 executed a notebook")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sandboxed_execute, "run_notebook", phase_2_executes)
        status, output = cli("grade", "pilot", "--workers", "2", "--course", str(course))
    assert status == 0, output
    return course, output


def test_scores_are_the_expected_ones(graded):
    course, _ = graded
    scores = gradebook_scores(course)
    assert sorted(scores) == sorted(EXPECTED)
    for student, row in EXPECTED.items():
        assert {t: scores[student][t] for t in TESTS} == {t: float(row[t]) for t in TESTS}, student
        assert scores[student]["score"] == float(row["score"]), student
        assert scores[student]["late"] == (row["late"] == "yes"), student


def test_every_malformed_submission_is_explained_on_the_command_line(graded):
    _, output = graded
    blocks = dict(re.findall(r"^(\w+): (.*?)(?=^\w+: |\Z)", output, flags=re.M | re.S))
    for student, row in EXPECTED.items():
        assert blocks[student].startswith(f"{float(row['score']):g}/6"), blocks[student]
        if row["note"]:
            assert row["note"] in blocks[student], (student, blocks[student])
    assert "HiddenCheckFailed: hidden check 'bmi rejects a zero height'" in blocks["ben"]
    assert "h late" in blocks["dan"] and "late" not in blocks["ada"]
    assert "graded 10 submissions" in output


def test_grading_again_skips_what_is_graded_and_regrades_a_changed_submission(graded, tmp_path):
    course, _ = graded
    status, output = cli("grade", "pilot", "--course", str(course))
    assert status == 0 and "graded 0 submissions" in output and "skipped 10 already graded" in output
    before = gradebook_scores(course)
    resubmission = tmp_path / "inbox"
    shutil.copytree(FIXTURE / "submissions" / "ada", resubmission / "cleo")
    assert "1 updated" in cli("collect", "pilot", str(resubmission), "--course", str(course))[1]
    status, output = cli("grade", "pilot", "--course", str(course))
    # cleo now hands in ada's notebook: its execution is already in the cache
    assert "graded 1 submissions (0 executed, 1 from the cache), skipped 9" in output
    after = gradebook_scores(course)
    assert after["cleo"]["score"] == float(EXPECTED["ada"]["score"])
    assert {s: v for s, v in after.items() if s != "cleo"} == {s: v for s, v in before.items() if s != "cleo"}
    # the original cleo back, for the other tests
    shutil.rmtree(resubmission)
    shutil.copytree(FIXTURE / "submissions" / "cleo", resubmission / "cleo")
    cli("collect", "pilot", str(resubmission), "--course", str(course))
    assert "graded 1 submissions" in cli("grade", "pilot", "--course", str(course))[1]
    assert gradebook_scores(course) == before


def hidden_lines(source: Path) -> list[str]:
    """The lines of every hidden-test region of a source notebook."""
    lines, hidden = [], False
    for cell in nbformat.read(source, as_version=4).cells:
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                hidden = True
            elif "END HIDDEN TESTS" in line:
                hidden = False
            elif hidden and line.strip():
                lines.append(line.strip())
    return lines


def test_feedback_shows_check_messages_but_never_hidden_tests(graded):
    course, _ = graded
    status, output = cli("feedback", "pilot", "--course", str(course))
    assert status == 0
    assert "no feedback for eve" in output and "no feedback for jay" in output
    secret = hidden_lines(course / "source" / "pilot" / "pilot.ipynb")
    assert len(secret) >= 5
    pages = {path.parts[-3]: path for path in (course / "feedback").glob("*/pilot/pilot.html")}
    assert sorted(pages) == sorted(set(EXPECTED) - {"eve", "jay"})
    for student, page in pages.items():
        text = html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))
        for line in secret:
            assert line not in text, (student, line)
        assert "Traceback (most recent call last)" not in text and "---->" not in text
    ben = html.unescape(re.sub(r"<[^>]+>", "", pages["ben"].read_text()))
    assert "HiddenCheckFailed: hidden check 'bmi rejects a zero height': the value is not the right" in ben
    hal = html.unescape(re.sub(r"<[^>]+>", "", pages["hal"].read_text()))
    assert "CheckFailed: high_potassium(labs): it has 3 rows, not 1." in hal


def test_export_writes_the_gradebook_scores(graded, tmp_path):
    course, _ = graded
    target = tmp_path / "grades.csv"
    assert cli("export", "--to", str(target), "--course", str(course))[0] == 0
    rows = {row["student_id"]: row for row in csv.DictReader(open(target))}
    assert sorted(rows) == sorted(EXPECTED)
    for student, row in EXPECTED.items():
        assert float(rows[student]["score"]) == float(row["score"])
        assert float(rows[student]["max_score"]) == 6.0
        assert rows[student]["assignment"] == "pilot"


def test_report_has_plots_reasons_and_most_failed_checks(graded, tmp_path):
    course, _ = graded
    target = tmp_path / "pilot.html"
    assert cli("report", "pilot", "--to", str(target), "--course", str(course))[0] == 0
    page = target.read_text()
    assert len(re.findall(r'src="data:image/png;base64,[A-Za-z0-9+/=]{200,}"', page)) == 3
    text = html.unescape(page)
    for row in EXPECTED.values():
        assert row["note"] in text
    assert "check 'bmi rejects a zero height'" in text
    assert "check 'high_potassium, another ward'" in text
    assert "ex3-tests: CheckFailed" in text


# collecting ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A released copy of the course with nothing collected yet."""
    return new_course(tmp_path_factory.mktemp("collect"), students=[])


def test_collect_takes_notebooks_zips_and_folders(released, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    notebook = FIXTURE / "submissions" / "ada" / "pilot" / "pilot.ipynb"
    shutil.copy(notebook, inbox / "kim.ipynb")
    with zipfile.ZipFile(inbox / "lee.zip", "w") as archive:
        archive.write(notebook, "lee-work/pilot-final.ipynb")
        archive.writestr("lee-work/timestamp.txt", "2026-02-20 08:00:00 UTC")
    shutil.copytree(FIXTURE / "submissions" / "dan", inbox / "max")
    (inbox / "not a student.ipynb").write_text("{}")
    (inbox / "broken.zip").write_text("this is not a zip file")
    status, output = cli("collect", "pilot", str(inbox), "--course", str(released))
    assert status == 1
    assert output.splitlines()[:2] == ["3 new, 0 updated, 0 unchanged", "new: kim, lee, max"]
    assert "skipped broken.zip: cannot be read" in output
    assert "skipped not a student.ipynb: not a student id" in output
    submitted = released / "submitted"
    for student in ("kim", "lee"):
        assert (submitted / student / "pilot" / "pilot.ipynb").read_bytes() == notebook.read_bytes()
    dan = FIXTURE / "submissions" / "dan" / "pilot" / "pilot.ipynb"
    assert (submitted / "max" / "pilot" / "pilot.ipynb").read_bytes() == dan.read_bytes()
    assert (submitted / "lee" / "pilot" / "timestamp.txt").read_text() == "2026-02-20 08:00:00.000000 UTC\n"
    assert (submitted / "max" / "pilot" / "timestamp.txt").read_text() == "2026-03-02 08:30:00.000000 UTC\n"
    status, output = cli("collect", "pilot", str(inbox), "--course", str(released))
    assert output.splitlines()[:2] == ["0 new, 0 updated, 3 unchanged", "unchanged: kim, lee, max"]


def test_collect_from_nbgrader_exchange(released, tmp_path):
    inbound = tmp_path / "exchange" / "mini" / "inbound"
    notebook = FIXTURE / "submissions" / "ben" / "pilot" / "pilot.ipynb"
    for stamp in ("2026-02-25 09:00:00.000000 UTC", "2026-02-26 09:00:00.000000 UTC"):
        folder = inbound / f"nia+pilot+{stamp}+a1b2c3"
        folder.mkdir(parents=True)
        shutil.copy(notebook, folder / "pilot.ipynb")
        (folder / "timestamp.txt").write_text(stamp)
    status, output = cli("collect", "pilot", str(tmp_path / "exchange"), "--course", str(released))
    assert status == 0 and output.startswith("1 new") and "new: nia" in output.splitlines()
    dest = released / "submitted" / "nia" / "pilot"
    assert (dest / "timestamp.txt").read_text().startswith("2026-02-26 09:00:00")
    assert (dest / "pilot.ipynb").read_bytes() == notebook.read_bytes()


def test_commands_explain_bad_names(released, capsys):
    assert main(["grade", "no-such-assignment", "--course", str(released)]) == 2
    assert "no assignment 'no-such-assignment'" in capsys.readouterr().err
    assert main(["release", "--course", str(released)]) == 2
    assert "name one assignment or give --all" in capsys.readouterr().err
    assert main(["grade", "pilot", "--students", "zed", "--course", str(released)]) == 2
    assert "no submission of pilot" in capsys.readouterr().err
    assert main(["collect", "pilot", str(released / "nowhere"), "--course", str(released)]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_records_are_plain_json(graded):
    course, _ = graded
    record = json.loads((course / "nbgrader_work" / "graded" / "pilot" / "ben.json").read_text())
    assert record["score"] == 2.0 and set(record["failed"]) == {"ex1-tests", "ex3-tests"}


# resuming -----------------------------------------------------------------------------------------

STUDENTS = ["ben", "cleo", "hal"]  # three different notebooks: three executions


def start_grading(course: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "graders.cli", "grade", "pilot", "--workers", "2",
                             "--course", str(course)], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill_when(process: subprocess.Popen, folder: Path, pattern: str, timeout: float = 240) -> list[Path]:
    """SIGKILL the grading process group as soon as ``folder`` has a file matching ``pattern``."""
    deadline = time.monotonic() + timeout
    while not list(folder.glob(pattern)):
        assert process.poll() is None, "grading ended before it could be interrupted"
        assert time.monotonic() < deadline, "grading made no progress"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return sorted(folder.glob(pattern))


def test_killed_grading_resumes_without_regrading_finished_work(graded, tmp_path):
    course = new_course(tmp_path, STUDENTS)
    cli("collect", "pilot", str(tmp_path / "inbox"), "--course", str(course))
    work = course / "nbgrader_work"
    # the reference solution's observations (same source notebook) need not be computed again
    shutil.copytree(graded[0] / "nbgrader_work" / "reference", work / "reference")

    # killed in phase 1, right after the first execution reached the cache
    executed_first = kill_when(start_grading(course), work / "executions", "*.json")
    assert 1 <= len(executed_first) < len(STUDENTS)

    # killed in phase 2, right after the first submission was recorded (the pool may still be running)
    recorded = kill_when(start_grading(course), work / "graded" / "pilot", "*.json")
    cached = len(list((work / "executions").glob("*.json")))
    assert len(executed_first) <= cached <= len(STUDENTS)

    # the third run only executes what is not cached and records what is left
    run = grade(open_course(course), "pilot", progress=False)
    assert run.executed == len(STUDENTS) - cached
    assert sorted(run.skipped) == sorted(path.stem for path in recorded)
    assert sorted(r.student for r in run.graded) == sorted(set(STUDENTS) - set(run.skipped))

    # the gradebook is complete and right: one submission per student, every grade set
    scores = gradebook_scores(course)
    assert sorted(scores) == STUDENTS
    for student in STUDENTS:
        assert scores[student]["score"] == float(EXPECTED[student]["score"]), student
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "mini") as gradebook:
        for submission in gradebook.find_assignment("pilot").submissions:
            grades = submission.notebooks[0].grades
            assert all(g.auto_score is not None or g.needs_manual_grade for g in grades)
    for student in STUDENTS:
        record = json.loads((work / "graded" / "pilot" / f"{student}.json").read_text())
        assert record["score"] == float(EXPECTED[student]["score"])
        assert (course / "autograded" / student / "pilot" / "pilot.ipynb").exists()
    assert grade(open_course(course), "pilot", progress=False).skipped == STUDENTS
