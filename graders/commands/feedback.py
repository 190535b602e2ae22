"""``healthpath feedback``: HTML feedback per student, without hidden tests."""

from __future__ import annotations

import argparse

from graders.course import add_course_argument, course_from, reports_errors
from graders.feedback import generate_feedback


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``feedback`` command."""
    parser = subparsers.add_parser(
        "feedback", help="write feedback/ for an autograded assignment (hidden tests stripped)",
        description="Write feedback/<student>/<assignment>/<notebook>.html from the autograded "
                    "notebooks and the gradebook (nbgrader generate_feedback). Test cells show their "
                    "check messages only: hidden tests and tracebacks are removed.")
    parser.add_argument("assignment")
    add_course_argument(parser)
    parser.set_defaults(run=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    """Generate the feedback and list who has none."""
    course = course_from(args)
    written, missing = generate_feedback(course, args.assignment)
    print(f"{len(written)} feedback files in {course.directory('feedback')}")
    for student in missing:
        print(f"no feedback for {student}: the submission has no autograded notebook (see "
              f"`healthpath report {args.assignment}` for why)")
    return 0
