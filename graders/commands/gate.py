"""``healthpath gate``: the course's quality gate (also run by the test suite)."""

from __future__ import annotations

import argparse
import sys

from graders.course import CourseError, add_course_argument, course_from, reports_errors
from graders.gate import Problem, gate_assignment, gate_notebooks
from graders.sandbox import SandboxUnavailable


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``gate`` command."""
    parser = subparsers.add_parser(
        "gate", help="prove every assignment gradeable and every stored notebook clean",
        description="Fail, naming the file, when an assignment's source notebook does not earn full "
                    "automatic marks, its release earns any, release/ is stale, solution or "
                    "hidden-test text leaks into release/ or feedback, a notebook in modules/ or "
                    "source/ is stored with outputs or fails ruff, a test cell records no hidden "
                    "check, or a mutant of source/<assignment>/mutants.yml keeps points it must lose.")
    parser.add_argument("assignments", nargs="*", metavar="ASSIGNMENT",
                        help="only these assignments (default: all, plus the lessons and the header)")
    parser.add_argument("--workers", type=int, default=2, help="notebooks graded at once (default: 2)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="if bubblewrap is missing, run the notebooks UNCONFINED, with your rights")
    add_course_argument(parser)
    parser.set_defaults(run=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    """Run the gate, printing each part's problems as it finishes; exit status 1 when there is any."""
    course = course_from(args)
    for name in args.assignments:
        course.require_assignment(name)
    problems = [] if args.assignments else _report("lessons and header", gate_notebooks(course))
    try:
        for name in args.assignments or course.assignments():
            problems += _report(name, gate_assignment(course, name, workers=args.workers,
                                                      sandbox_required=False if args.no_sandbox else None))
    except SandboxUnavailable as error:
        raise CourseError(str(error)) from None
    if problems:
        print(f"healthpath gate: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print("healthpath gate: passed")
    return 0


def _report(part: str, problems: list[Problem]) -> list[Problem]:
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    print(f"healthpath gate: {part}: {f'{len(problems)} problem(s)' if problems else 'passed'}", flush=True)
    return problems
