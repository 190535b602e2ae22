"""Helpers of the grading tests: the miniature course (tests/fixtures/minicourse) copied, released
and given submissions, and the ``healthpath`` command line run in this process."""

import contextlib
import csv
import io
import shutil
from pathlib import Path

from graders.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "minicourse"
DUE = "2026-03-01 17:00:00 UTC"
EXPECTED = {row["student"]: row for row in csv.DictReader(open(FIXTURE / "expected_scores.csv"))}


def cli(*args: str) -> tuple[int, str]:
    """Run one ``healthpath`` command in this process; its exit status and printed output."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(list(args))
    return status, out.getvalue()


def new_course(folder: Path, students: list[str] | None = None) -> Path:
    """A released copy of the miniature course, with the chosen fixture submissions in
    ``folder``/inbox (all of them by default)."""
    course = folder / "course"
    shutil.copytree(FIXTURE, course, ignore=shutil.ignore_patterns("submissions"))
    inbox = folder / "inbox"
    inbox.mkdir()
    for student in sorted(EXPECTED) if students is None else students:
        shutil.copytree(FIXTURE / "submissions" / student, inbox / student)
    assert cli("release", "--all", "--due", DUE, "--course", str(course))[0] == 0
    return course
