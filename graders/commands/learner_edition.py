"""``healthpath learner-edition DIR``: write the course as a learner gets it, without the answers."""

from __future__ import annotations

import argparse
from pathlib import Path

from graders import edition
from graders.course import CourseError, add_course_argument, course_from, reports_errors


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``learner-edition`` command."""
    parser = subparsers.add_parser(
        "learner-edition", help="write the learner edition (no solutions, hidden tests or graders) to DIR",
        description="Write what a learner needs and nothing else into DIR: the welcome page, lessons, "
                    "released assignments, data, the learner package and the environment files. "
                    "DIR must be new or a previous learner edition (updated in place, its .git kept). "
                    "Publish it as the learners' repository or branch; graders/README.md says how.")
    parser.add_argument("destination", type=Path, metavar="DIR", help="the folder to write")
    add_course_argument(parser)
    parser.set_defaults(run=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    """Build the edition, then refuse it (exit 2) if it holds anything of the instructor's."""
    course = course_from(args)
    files = edition.build(course, args.destination)
    problems = edition.leaks(course, args.destination.resolve())
    if problems:
        raise CourseError("the learner edition holds instructor material; do not publish it:\n"
                          + "\n".join(f"  {problem}" for problem in problems))
    print(f"learner edition: {len(files)} files in {args.destination.resolve()}, "
          "checked free of solutions and hidden tests")
    return 0
