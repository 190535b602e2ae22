"""The instructor's cycle on a small class of the miniature course: collect, grade, the points that
await hand grading, the instructor's own solution handed in, hand grading in formgrader (a real
Jupyter server, through formgrader's HTTP API), then export, feedback and report again."""

import csv
import html
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
from minicourse import cli, new_course

from graders.course import open_course
from graders.report import failure_counts, gather, natural_key, outcome_figure, score_figure

CLASS = ["ada", "ben", "cleo"]  # answered everything; wrong answers; the release handed back as is
OWN_SOLUTION = "sol"  # hands in source/pilot/pilot.ipynb, the instructor's solution notebook
AWAITS = re.compile(r"(\d+(?:\.\d+)?) points? awaits? hand grading")


def healthpath(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """One ``healthpath`` command in its own process (its stderr is what an instructor sees)."""
    return subprocess.run([sys.executable, "-m", "graders.cli", *args], capture_output=True, text=True,
                          cwd=cwd)


def graded_points(course: Path, manual: bool) -> dict[str, float]:
    """The source notebook's graded cells, by hand (answers: grade and solution) or automatically
    (tests), and their points."""
    nb = nbformat.read(course / "source" / "pilot" / "pilot.ipynb", as_version=4)
    return {cell.metadata.nbgrader["grade_id"]: float(cell.metadata.nbgrader["points"])
            for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade")
            and bool(cell.metadata.nbgrader.get("solution")) == manual}


def manual_points(course: Path) -> dict[str, float]:
    """The manually graded cells of the source notebook and their points."""
    return graded_points(course, manual=True)


def answered_manual_points(course: Path, student: str) -> float:
    """The points of the manually graded cells whose answer the student changed from the release."""
    release = {cell.metadata.nbgrader["grade_id"]: cell.source for cell in
               nbformat.read(course / "release" / "pilot" / "pilot.ipynb", as_version=4).cells
               if "nbgrader" in cell.metadata}
    submitted = nbformat.read(course / "submitted" / student / "pilot" / "pilot.ipynb", as_version=4)
    return sum(points for cell in submitted.cells for grade_id, points in manual_points(course).items()
               if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id
               and cell.source != release[grade_id])


def awaiting_in(line: str) -> float:
    """The points a line of output says await hand grading (0 if it says none)."""
    match = AWAITS.search(line)
    return float(match[1]) if match else 0.0


def student_lines(output: str) -> dict[str, str]:
    """The first line grade printed for each student (``student: score/max ...``)."""
    return dict(re.findall(r"^(\w+): (\d+(?:\.\d+)?/\d.*)$", output, flags=re.M))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class and the instructor's solution collected, then graded as an instructor would."""
    folder = tmp_path_factory.mktemp("cycle")
    course = new_course(folder, CLASS)
    shutil.copytree(course / "source" / "pilot", folder / "inbox" / OWN_SOLUTION,
                    ignore=shutil.ignore_patterns("hidden_cases.py"))
    status, collected = cli("collect", "pilot", str(folder / "inbox"), "--course", str(course))
    assert status == 0, collected
    run = healthpath("grade", "pilot", "--workers", "2", "--course", str(course))
    assert run.returncode == 0, run.stderr
    return course, collected, run


def test_collect_names_the_students_it_took(graded):
    _, collected, _ = graded
    assert f"new: {', '.join(sorted([*CLASS, OWN_SOLUTION]))}" in collected.splitlines()


def test_grade_says_which_points_await_hand_grading(graded):
    course, _, run = graded
    lines = student_lines(run.stdout)
    assert sorted(lines) == sorted([*CLASS, OWN_SOLUTION])
    expected = {student: answered_manual_points(course, student) for student in lines}
    assert expected["ada"] == sum(manual_points(course).values()) > 0  # ada answered every question
    assert {student: awaiting_in(line) for student, line in lines.items()} == expected
    total = [line for line in run.stdout.splitlines() if line.startswith("pilot: ") and AWAITS.search(line)]
    assert len(total) == 1 and awaiting_in(total[0]) == sum(expected.values())


def test_grade_flags_the_instructors_own_solution(graded):
    course, _, run = graded
    flagged = [line for line in run.stdout.splitlines() if line.startswith("FLAGGED ")]
    assert len(flagged) == 1 and flagged[0].startswith(f"FLAGGED {OWN_SOLUTION}: ")
    assert "instructor's solution notebook" in flagged[0]
    # it earned every automatic mark: that is why it needs a flag, not only a note
    automatic, total = sum(graded_points(course, manual=False).values()), sum(
        graded_points(course, manual=True).values()) + sum(graded_points(course, manual=False).values())
    assert student_lines(run.stdout)[OWN_SOLUTION].startswith(f"{automatic:g}/{total:g}")


def test_grade_shows_one_progress_bar_and_no_warnings(graded):
    _, _, run = graded
    bars = set(re.findall(r"([\w ]+):\s+\d+%\|", run.stderr))
    assert bars == {"grading pilot"}, run.stderr
    assert "Warning" not in run.stderr, run.stderr


def test_feedback_prints_no_stray_warning_and_says_what_awaits(graded):
    course, _, run = graded
    feedback = healthpath("feedback", "pilot", "--course", str(course))
    assert feedback.returncode == 0 and feedback.stderr == "", feedback.stderr
    totals = [awaiting_in(line) for line in feedback.stdout.splitlines() if AWAITS.search(line)]
    assert totals == [sum(map(awaiting_in, student_lines(run.stdout).values()))]


def test_export_writes_into_the_course_folder_unless_told(graded, tmp_path, monkeypatch):
    course, _, _ = graded
    monkeypatch.chdir(tmp_path)
    status, output = cli("export", "--course", str(course))
    assert status == 0 and (course / "grades.csv").is_file() and not (tmp_path / "grades.csv").exists()
    assert f"grades written to {course / 'grades.csv'}" in output
    status, output = cli("export", "--to", "mine.csv", "--course", str(course))
    assert status == 0 and (tmp_path / "mine.csv").is_file()


def test_report_separates_unanswered_from_wrong_and_flags_the_solution(graded, tmp_path):
    course, _, _ = graded
    target = tmp_path / "pilot.html"
    assert cli("report", "pilot", "--to", str(target), "--course", str(course))[0] == 0
    text = html.unescape(target.read_text())
    rows = {row.student: row for row in gather(open_course(course), "pilot")}
    # cleo handed the release back: every exercise unanswered, none of it counted as failed
    assert set(rows["cleo"].outcomes.values()) == {"unanswered"}
    assert set(rows["cleo"].record.failed) == set(graded_points(course, manual=False))
    assert not any("NotImplementedError" in failure for failure in failure_counts(list(rows.values())))
    # ben's code is wrong where his hidden checks failed; his written answer is unanswered
    wrong = {cell for cell, what in rows["ben"].outcomes.items() if what == "wrong"}
    assert wrong == {"ex1-tests", "ex3-tests"}
    assert rows["ben"].unanswered == list(manual_points(course))
    assert "check 'bmi rejects a zero height'" in text
    assert f"{OWN_SOLUTION}</strong>: pilot.ipynb is the instructor's solution notebook" in text
    awaiting = sum(row.awaiting for row in rows.values())
    assert awaiting > 0 and f"{awaiting:g} points await hand grading" in text


def test_report_orders_exercises_naturally_and_counts_in_whole_numbers(graded):
    course, _, _ = graded
    assert sorted(["ex10-tests", "q4-answer", "ex2-tests", "ex1-tests"], key=natural_key) == [
        "ex1-tests", "ex2-tests", "ex10-tests", "q4-answer"]
    rows = gather(open_course(course), "pilot")
    outcomes = outcome_figure(rows, "pilot").axes[0]
    assert [label.get_text() for label in outcomes.get_yticklabels()] == list(rows[0].outcomes)
    scores = score_figure(rows, "pilot").axes[0]
    for ticks in (outcomes.get_xticks(), scores.get_yticks()):
        assert len(ticks) >= 2 and all(float(tick).is_integer() for tick in ticks), ticks


# formgrader ---------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return sock.getsockname()[1]


def get(url: str, token: str, method: str = "GET", body: dict | None = None) -> tuple[int, str]:
    """An HTTP request with the server's token; its status and body (redirects followed)."""
    request = urllib.request.Request(url, method=method, headers={"Authorization": f"token {token}"},
                                     data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


@contextmanager
def server(command: list[str], cwd: Path):
    """Start a Jupyter server (``command`` without port and token) and yield its address and token
    once it answers; stop it after."""
    port, token = free_port(), secrets.token_hex(16)
    root = [] if os.geteuid() else ["--allow-root"]
    process = subprocess.Popen([*command, f"--port={port}", "--ServerApp.port_retries=0", "--no-browser",
                                f"--IdentityProvider.token={token}", *root], cwd=cwd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, f"the server stopped: {process.stderr.read()}"
            assert time.monotonic() < deadline, "the server did not answer"
            try:
                if get(f"{url}/api/status", token)[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        yield url, token
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def formgrader(course: Path):
    """``healthpath formgrader`` for ``course``, started from a folder with no nbgrader_config.py."""
    return server([sys.executable, "-m", "graders.cli", "formgrader", "--course", str(course)],
                  cwd=course.parent)


def test_formgrader_serves_formgrader_where_a_plain_server_answers_404(graded):
    course, _, _ = graded
    with formgrader(course) as (url, token):
        status, page = get(f"{url}/formgrader", token)
        assert status == 200 and "Manage Assignments" in page
        status, body = get(f"{url}/formgrader/api/assignments", token)
        assert status == 200 and [a["name"] for a in json.loads(body)] == ["pilot"]
    # the environment's own setting (disabled by `./course setup` for the learner's Lab)
    with server([sys.executable, "-m", "jupyter_server", f"--ServerApp.root_dir={course}"], cwd=course) as (
            url, token):
        assert get(f"{url}/formgrader", token)[0] == 404, "run ./course setup: it disables formgrader"


def test_hand_grading_in_formgrader_moves_points_from_awaiting_to_scored(graded, tmp_path):
    course = tmp_path / "course"
    shutil.copytree(graded[0], course)
    csv_before = tmp_path / "before.csv"
    status, output = cli("export", "--to", str(csv_before), "--course", str(course))
    awaiting = {line.split(": ")[0]: awaiting_in(line) for line in output.splitlines() if AWAITS.search(line)}
    before = {row["student_id"]: float(row["score"]) for row in csv.DictReader(open(csv_before))}
    maximum = {float(row["max_score"]) for row in csv.DictReader(open(csv_before))}.pop()
    per_student = {student: awaiting_in(line) for student, line in student_lines(graded[2].stdout).items()}
    assert awaiting == {"pilot": sum(per_student.values())} and awaiting["pilot"] > 0

    with formgrader(course) as (url, token):
        status, body = get(f"{url}/formgrader/api/submitted_notebooks/pilot/pilot", token)
        assert status == 200
        for notebook in json.loads(body):
            status, body = get(f"{url}/formgrader/api/grades?submission_id={notebook['id']}", token)
            for grade in json.loads(body):
                if grade["needs_manual_grade"]:  # full marks for every answer awaiting a grade
                    status, _ = get(f"{url}/formgrader/api/grade/{grade['id']}", token, "PUT",
                                    {"manual_score": grade["max_score"]})
                    assert status == 200

    csv_after = tmp_path / "after.csv"
    status, output = cli("export", "--to", str(csv_after), "--course", str(course))
    assert status == 0 and not AWAITS.search(output), output
    after = {row["student_id"]: float(row["score"]) for row in csv.DictReader(open(csv_after))}
    assert after == {student: before[student] + per_student[student] for student in before}
    status, output = cli("feedback", "pilot", "--course", str(course))
    assert status == 0 and not AWAITS.search(output), output
    for student, score in after.items():
        page = (course / "feedback" / student / "pilot" / "pilot.html").read_text()
        assert f"pilot (Score: {score:.1f} / {maximum:.1f})" in page, student
    rows = {row.student: row for row in gather(open_course(course), "pilot")}
    assert all(row.awaiting == 0 for row in rows.values())
    assert all(rows[student].outcomes[cell] == "full marks" for student, points in per_student.items()
               if points for cell in manual_points(course))
