"""``healthpath release``: generate the student versions in release/ from source/."""

from __future__ import annotations

import argparse

from nbgrader.api import Gradebook
from nbgrader.converters import GenerateAssignment
from nbgrader.converters.base import NbGraderException
from nbgrader.utils import parse_utc

from graders.course import Course, CourseError, add_course_argument, course_from, reports_errors
from graders.hidden_cases import offering_seed


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``release`` command."""
    parser = subparsers.add_parser(
        "release", help="generate release/ from source/ (nbgrader generate_assignment)",
        description="Generate the student version of one assignment, or of all of them, into "
                    "release/ and record the assignment in the gradebook.")
    parser.add_argument("assignment", nargs="?", help="the assignment (a folder of source/)")
    parser.add_argument("--all", action="store_true", help="every assignment in source/")
    parser.add_argument("--due", help="due date, e.g. '2026-03-01 17:00:00 Europe/London' "
                                      "(late submissions are recorded as late)")
    add_course_argument(parser)
    parser.set_defaults(run=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    """Generate the release of the chosen assignments."""
    course = course_from(args)
    if bool(args.assignment) == args.all:
        raise CourseError("name one assignment or give --all")
    names = course.assignments() if args.all else [course.require_assignment(args.assignment)]
    offering_seed(course.root)  # made (and said where) the first time: hidden cases depend on it
    for name in names:
        release(course, name, due=args.due)
        print(f"released {name} -> {course.directory('release') / name}")
    return 0


def release(course: Course, assignment: str, due: str | None = None) -> None:
    """nbgrader's generate_assignment for ``assignment`` (overwriting an older release)."""
    converter = GenerateAssignment(coursedir=course.coursedir(assignment_id=assignment),
                                   config=course.config)
    converter.force = True
    converter.create_assignment = True
    try:
        converter.start()
    except NbGraderException as error:
        raise CourseError(f"nbgrader could not generate {assignment}: {error}") from None
    if due is not None:
        try:
            duedate = parse_utc(due)
        except ValueError:
            raise CourseError(f"--due {due!r} is not a date; write e.g. '2026-03-01 17:00:00 UTC'") from None
        with Gradebook(course.db_url, course.coursedir().course_id) as gradebook:
            gradebook.update_or_create_assignment(assignment, duedate=duedate)
