"""``healthpath site``: the course as a static website, every lesson with its outputs and figures."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graders.course import add_course_argument, course_from, reports_errors
from graders.lessons import EXECUTED_FOLDER
from graders.site import build_course_site
from healthpath.publish import PublishError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``site`` command."""
    parser = subparsers.add_parser(
        "site", help="build the course as a static website (lessons with their outputs), for GitHub Pages",
        description="Build the course site into DIR: a home page linking every module, the welcome "
                    "page, each module's README, lessons (rendered from the executed copies of the "
                    "lesson run, build/executed/<module>/<lesson>.ipynb), templates and exercises, and "
                    "the datasets' cards. A lesson without an executed copy, or whose copy is from an "
                    "earlier version of it, is run once and its copy kept. Built with Sphinx, MyST-NB "
                    "and the Jupyter Book theme, offline; DIR is ready for GitHub Pages.")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="where to write the site (default: build/site of the course)")
    parser.add_argument("--executed", type=Path, default=None, metavar="DIR",
                        help=f"the executed lessons (default: {EXECUTED_FOLDER}/ of the course)")
    parser.add_argument("--jobs", type=int, default=1, help="Sphinx processes (default: 1)")
    add_course_argument(parser)
    parser.set_defaults(run=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    """Build the site; exit status 2 when it cannot be built."""
    course = course_from(args)
    out = args.out or course.root / "build" / "site"
    try:
        built = build_course_site(course.root, out, args.executed, jobs=args.jobs,
                                  log=lambda line: print(line, file=sys.stderr))
    except PublishError as error:
        print(f"healthpath site: {error}", file=sys.stderr)
        return 2
    if built.unlinked:
        print(f"healthpath site: {len(built.unlinked)} links point outside the site and are shown as text, "
              f"e.g. {built.unlinked[0]}", file=sys.stderr)
    print(f"healthpath site: {built.summary()}")
    return 0
