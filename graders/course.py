"""One course folder as nbgrader sees it: its configuration, directories and assignments."""

from __future__ import annotations

import argparse
import functools
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from healthpath.course import course_root

WORK = "nbgrader_work"


class CourseError(RuntimeError):
    """The course folder or a name given on the command line is not usable."""


@dataclass(frozen=True)
class Course:
    """A course folder (holding nbgrader_config.py and source/) and its nbgrader configuration."""

    root: Path
    config: Config

    def coursedir(self, **traits) -> CourseDirectory:
        """nbgrader's CourseDirectory for this course, with ``traits`` (assignment_id, ...) set."""
        return CourseDirectory(config=self.config, **traits)

    def directory(self, name: str) -> Path:
        """One of nbgrader's folders by trait name: ``source``, ``release``, ``submitted``..."""
        return self.root / getattr(self.coursedir(), f"{name}_directory")

    @property
    def work(self) -> Path:
        """The pipeline's own working folder (execution cache, grading records)."""
        return self.root / WORK

    @property
    def db_url(self) -> str:
        """The gradebook's database address."""
        return self.coursedir().db_url

    def assignments(self) -> list[str]:
        """The assignments: every folder of source/ (header.ipynb and hidden folders are not)."""
        source = self.directory("source")
        return sorted(p.name for p in source.iterdir() if p.is_dir() and not p.name.startswith("."))

    def require_assignment(self, assignment: str) -> str:
        """``assignment`` if source/ has it, else a :class:`CourseError` listing the ones it has."""
        if assignment not in self.assignments():
            raise CourseError(f"no assignment {assignment!r} in {self.directory('source')}; "
                              f"the course has: {', '.join(self.assignments()) or 'none'}")
        return assignment


def open_course(root: Path | str) -> Course:
    """Load ``root``/nbgrader_config.py with the course root and a gradebook address that do not
    depend on the current directory."""
    root = Path(root).resolve()
    if not (root / "nbgrader_config.py").is_file():
        raise CourseError(f"{root} has no nbgrader_config.py: pass the course folder with --course DIR")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    db_url = config.CourseDirectory.get("db_url", "sqlite:///gradebook.db")
    prefix = "sqlite:///"
    if db_url.startswith(prefix) and not db_url.startswith(prefix + "/"):
        config.CourseDirectory.db_url = prefix + str(root / db_url[len(prefix):])
    course = Course(root, config)
    if not course.directory("source").is_dir():
        raise CourseError(f"{root} has no {course.directory('source').name}/ folder of assignments")
    return course


def add_course_argument(parser: argparse.ArgumentParser) -> None:
    """The ``--course DIR`` option every instructor command takes."""
    parser.add_argument("--course", type=Path, default=None,
                        help="the course folder (default: this checkout)")


def course_from(args: argparse.Namespace) -> Course:
    """The course named by ``--course`` (default: the checkout this package is installed from).

    Also puts this environment's bin/ on PATH: nbgrader runs ``alembic`` to create a gradebook.
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    return open_course(args.course or course_root())


def reports_errors(run):
    """Wrap a command's ``run`` so that a :class:`CourseError` prints one line and exits 2."""
    @functools.wraps(run)
    def wrapped(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except CourseError as error:
            print(f"healthpath {args.command}: {error}", file=sys.stderr)
            return 2
    return wrapped
