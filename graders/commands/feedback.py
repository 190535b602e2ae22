"""``healthpath feedback``: HTML feedback per student, without hidden tests."""

from __future__ import annotations

import argparse

from graders.course import add_course_argument, course_from, reports_errors
from graders.feedback import generate_feedback
from graders.hand_grading import awaiting_by_student, summary


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
    """Generate the feedback, list who has none and which points it shows before hand grading."""
    course = course_from(args)
    written, missing = generate_feedback(course, args.assignment)
    print(f"{len(written)} feedback files in {course.directory('feedback')}")
    for student in missing:
        print(f"no feedback for {student}: the submission has no autograded notebook (see "
              f"`healthpath report {args.assignment}` for why)")
    awaiting = awaiting_by_student(course, [args.assignment]).get(args.assignment)
    if awaiting:
        print(f"{summary(args.assignment, awaiting)}; run feedback again after grading them")
    return 0
