"""``healthpath formgrader``: nbgrader's formgrader, to grade the written answers by hand."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from graders.course import add_course_argument, course_from, reports_errors

# Disabled in the learner's environment (healthpath.learner_lab); a value given on the server's
# command line wins over the environment's jupyter_server_config.d files
# (ServerApp.find_server_extensions only adds the extensions the command line did not name).
FORMGRADER = "nbgrader.server_extensions.formgrader"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``formgrader`` command."""
    parser = subparsers.add_parser(
        "formgrader", help="open nbgrader's formgrader to grade answers by hand",
        description="Start a Jupyter server on localhost for the course folder with nbgrader's "
                    "formgrader enabled, and open its /formgrader page. Any other option (--port=N, "
                    "--no-browser, --IdentityProvider.token=T...) is passed to the server.")
    add_course_argument(parser)
    parser.set_defaults(run=run, server_args=[])


def server_command(root: Path, server_args: list[str]) -> list[str]:
    """The command line of a Jupyter server for ``root`` with the formgrader on."""
    command = [sys.executable, "-m", "jupyter_server", f"--ServerApp.root_dir={root}",
               "--ServerApp.ip=localhost", f"--ServerApp.jpserver_extensions={FORMGRADER}=True",
               "--ServerApp.default_url=/formgrader"]
    if os.geteuid() == 0:  # e.g. in a container: Jupyter refuses root otherwise
        command.append("--allow-root")
    return command + server_args


@reports_errors
def run(args: argparse.Namespace) -> int:
    """Become the Jupyter server (Ctrl-C stops it), run from the course folder: formgrader reads
    nbgrader_config.py and the gradebook from its working folder."""
    course = course_from(args)
    print(f"healthpath formgrader: serving {course.root}; open the /formgrader address printed below",
          flush=True)
    os.chdir(course.root)
    os.execv(sys.executable, server_command(course.root, args.server_args))
