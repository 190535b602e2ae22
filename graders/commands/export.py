"""``healthpath export``: every grade in the gradebook as CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.plugins import CsvExportPlugin

from graders.course import add_course_argument, course_from, reports_errors
from graders.hand_grading import awaiting_by_student, summary


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``export`` command."""
    parser = subparsers.add_parser(
        "export", help="write the gradebook's grades to CSV",
        description="Write one row per student and assignment (raw score, late penalty, score, "
                    "maximum, due date and submission time) from the gradebook, in nbgrader's CSV "
                    "format.")
    parser.add_argument("--to", type=Path, help="CSV file (default: grades.csv in the course folder)")
    parser.add_argument("--assignment", action="append", default=[],
                        help="only this assignment (repeatable)")
    add_course_argument(parser)
    parser.set_defaults(run=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    """Export with nbgrader's own CSV plugin, then say which points await hand grading."""
    course = course_from(args)
    for name in args.assignment:
        course.require_assignment(name)
    to = args.to or course.root / "grades.csv"
    plugin = CsvExportPlugin(config=course.config)
    plugin.to = str(to)
    plugin.assignment = args.assignment
    with Gradebook(course.db_url, course.coursedir().course_id) as gradebook:
        plugin.export(gradebook)
    print(f"grades written to {to}")
    for assignment, students in awaiting_by_student(course, args.assignment).items():
        print(summary(assignment, students))
    return 0
