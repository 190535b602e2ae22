"""``healthpath grade``: sandboxed, parallel, resumable autograding of one assignment."""

from __future__ import annotations

import argparse
import os

from graders.autograde import grade
from graders.course import CourseError, add_course_argument, course_from, reports_errors
from graders.hand_grading import describe, summary
from graders.reference import ReferenceFailed
from graders.sandbox import SandboxUnavailable


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``grade`` command."""
    parser = subparsers.add_parser(
        "grade", help="autograde an assignment's submissions (sandboxed, parallel, resumable)",
        description="Execute every submission of ASSIGNMENT in the sandbox (in parallel), then record "
                    "the grades in the gradebook with nbgrader's autograde. Submissions already graded "
                    "and unchanged are skipped, so after an interruption just run it again.")
    parser.add_argument("assignment")
    parser.add_argument("--students", nargs="+", metavar="STUDENT", help="only these students")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="notebooks executed at once (default: the number of cores)")
    parser.add_argument("--force", action="store_true",
                        help="grade again even what is graded and unchanged (e.g. after a config change)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="if bubblewrap is missing, run learners' code UNCONFINED, with your rights")
    add_course_argument(parser)
    parser.set_defaults(run=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    """Grade, then print one line per submission graded now, a summary, the points awaiting hand
    grading and one line per submission flagged for a person to check."""
    course = course_from(args)
    try:
        result = grade(course, args.assignment, students=args.students, workers=args.workers,
                       sandbox_required=False if args.no_sandbox else None, force=args.force)
    except (SandboxUnavailable, ReferenceFailed) as error:
        raise CourseError(str(error)) from None
    for record in result.graded:
        late = f", {record.seconds_late / 3600:.1f} h late" if record.seconds_late > 0 else ""
        awaiting = f" ({describe(record.awaiting)})" if record.awaiting else ""
        print(f"{record.student}: {record.score:g}/{record.max_score:g}{awaiting}{late}")
        for note in record.notes:
            print(f"    note: {note}")
        for cell, reason in sorted(record.failed.items()):
            print(f"    {cell}: {reason}")
    print(f"{args.assignment}: graded {len(result.graded)} submissions ({result.executed} executed, "
          f"{result.cached} from the cache), skipped {len(result.skipped)} already graded")
    awaiting = {record.student: record.awaiting for record in result.graded if record.awaiting}
    if awaiting:
        print(summary(args.assignment, awaiting))
    for record in result.graded:
        if record.flags:
            print(f"FLAGGED {record.student}: {'; '.join(record.flags)}")
    return 0
