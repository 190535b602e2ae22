"""``healthpath collect``: gather submissions into submitted/<student>/<assignment>/."""

from __future__ import annotations

import argparse
from pathlib import Path

from nbgrader.exchange import ExchangeError

from graders.collect import collect
from graders.course import CourseError, add_course_argument, course_from, reports_errors


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``collect`` command."""
    parser = subparsers.add_parser(
        "collect", help="gather submissions from a folder, zip files or nbgrader's exchange",
        description="Copy each student's submission of ASSIGNMENT from FROM into "
                    "submitted/<student>/<assignment>/ with a timestamp.txt. FROM holds "
                    "<student>.ipynb files, <student>.zip files or <student>/ folders, or is "
                    "nbgrader's exchange root (holding <course_id>/inbound/).")
    parser.add_argument("assignment")
    parser.add_argument("source", metavar="FROM", type=Path)
    add_course_argument(parser)
    parser.set_defaults(run=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    """Collect, then print what was new, updated, unchanged or skipped."""
    course = course_from(args)
    try:
        result = collect(course, args.assignment, args.source)
    except ExchangeError as error:
        raise CourseError(f"nbgrader's exchange at {args.source}: {error}") from None
    print(result.summary())
    return 1 if result.skipped else 0
