"""``healthpath report``: a per-assignment HTML report with plots."""

from __future__ import annotations

import argparse
from pathlib import Path

from graders.course import add_course_argument, course_from, reports_errors
from graders.report import write_report


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` command."""
    parser = subparsers.add_parser(
        "report", help="write an HTML report of an assignment's grades",
        description="Write one HTML file: the submissions flagged for a person to check, the points "
                    "awaiting hand grading, the distribution of scores, what became of each exercise "
                    "(full marks, wrong, unanswered, awaiting hand grading), the hidden checks and "
                    "errors most often failed, and every submission's reasons.")
    parser.add_argument("assignment")
    parser.add_argument("--to", type=Path, help="HTML file (default: nbgrader_work/reports/ASSIGNMENT.html)")
    add_course_argument(parser)
    parser.set_defaults(run=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    """Write the report and print where it is."""
    course = course_from(args)
    print(f"report written to {write_report(course, args.assignment, args.to)}")
    return 0
