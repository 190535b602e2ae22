"""``healthpath new-project`` and ``healthpath check-project``: the final project's tools.

They live in the learner package (:mod:`healthpath.project`), since learners use them too: the
course script runs them there in both editions; this module lists them among the instructor's
commands.
"""

from __future__ import annotations

import argparse

from healthpath import project


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``new-project`` and ``check-project`` commands."""
    project.add_new_project(subparsers)
    project.add_check_project(subparsers)
