"""``healthpath lessons``: execute every lesson notebook and report time and memory."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graders.course import add_course_argument, course_from, reports_errors
from graders.lessons import EXECUTED_FOLDER, LessonSetupError, lesson_notebooks, report, run_lessons


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``lessons`` command."""
    parser = subparsers.add_parser(
        "lessons", help="execute every lesson in modules/ offline and report time and memory",
        description="Run each lesson notebook of modules/ top to bottom in a fresh offline kernel "
                    "(WORKERS at a time), write a table of wall time and peak memory, and fail when "
                    "a cell raises or a lesson is over its budget. The executed notebooks are kept "
                    "in build/executed/<module>/<lesson>.ipynb, for `healthpath site`.")
    parser.add_argument("notebooks", nargs="*", type=Path, metavar="NOTEBOOK",
                        help="only these lessons (default: all of modules/)")
    parser.add_argument("--workers", type=int, default=2, help="lessons run at once (default: 2)")
    parser.add_argument("--report", type=Path, default=None,
                        help="where to write the table (default: benchmarks/lessons.md of the course)")
    add_course_argument(parser)
    parser.set_defaults(run=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    """Run the lessons, write the report, print the failures; exit status 1 when any fails."""
    course = course_from(args)
    paths = [p.resolve() for p in args.notebooks] or lesson_notebooks(course.root)
    if not paths:
        print(f"healthpath lessons: no lesson notebook in {course.root / 'modules'}", file=sys.stderr)
        return 1
    try:
        runs = run_lessons(paths, workers=args.workers, keep_in=course.root / EXECUTED_FOLDER)
    except LessonSetupError as error:
        print(f"healthpath lessons: {error}", file=sys.stderr)
        return 2
    table = report(runs, course.root, args.workers)
    destination = args.report or course.root / "benchmarks" / "lessons.md"
    destination.write_text(table, encoding="utf-8")
    print(table)
    print(f"report written to {destination}")
    failed = [run for run in runs if run.problems]
    for lesson in failed:
        print(f"FAIL {lesson.path}: {'; '.join(lesson.problems)}", file=sys.stderr)
    return 1 if failed else 0
