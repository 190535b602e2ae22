"""Points awaiting hand grading: the cells nbgrader flags as needing a manual grade (the written
answers, and any test cell it could not grade) count 0 in a score until someone grades them in
formgrader (``healthpath formgrader``), so the commands report them as awaiting, not as lost."""

from __future__ import annotations

from nbgrader.api import Gradebook, SubmittedAssignment

from graders.course import Course


def points_awaiting(submission: SubmittedAssignment) -> float:
    """The points of ``submission``'s cells still flagged as needing a manual grade."""
    return float(sum(grade.max_score for notebook in submission.notebooks for grade in notebook.grades
                     if grade.needs_manual_grade))


def awaiting_by_student(course: Course, assignments: list[str] | None = None) -> dict[str, dict[str, float]]:
    """Assignment -> student -> points awaiting hand grading, for every submission with some (only
    ``assignments`` if given)."""
    awaiting: dict[str, dict[str, float]] = {}
    with Gradebook(course.db_url, course.coursedir().course_id) as gradebook:
        for assignment in gradebook.assignments:
            if assignments and assignment.name not in assignments:
                continue
            for submission in sorted(assignment.submissions, key=lambda s: s.student.id):
                points = points_awaiting(submission)
                if points:
                    awaiting.setdefault(assignment.name, {})[submission.student.id] = points
    return awaiting


def describe(points: float) -> str:
    """``"1 point awaits hand grading"``, ``"3 points await hand grading"``."""
    return f"{points:g} point awaits hand grading" if points == 1 else f"{points:g} points await hand grading"


def summary(assignment: str, students: dict[str, float]) -> str:
    """One line for the command line: how many points of ``assignment`` await hand grading, and whose."""
    each = ", ".join(f"{student} {points:g}" for student, points in students.items())
    return (f"{assignment}: {describe(sum(students.values()))} ({each}); they count 0 in these scores "
            "until graded in formgrader (`healthpath formgrader`)")
