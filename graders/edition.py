"""The learner edition: the course as a learner gets it, without anything an instructor keeps.

It holds the welcome page, the lessons, the released assignments, the data, the learner package
(``healthpath``), the environment files and the `course` script, with the learner's own README and
nbgrader settings from ``edition/``. It has no ``source/`` (solutions, hidden tests and cases,
mutants), no ``graders/``, no tests and no benchmarks. Files are copied as git tracks them, from
the working tree. :func:`leaks` extends the gate's release check to every file of it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from graders import gate, hidden_cases
from graders.course import Course, CourseError

LEARNER_PATHS = ("welcome.ipynb", "modules", "release", "datasets", "healthpath", "constraints.txt",
                 "environment.yml", "postBuild", "course")
EDITION_FOLDER = "edition"  # the learner's own README.md, nbgrader_config.py and .gitignore
MARKER = ".learner-edition"  # names the commit an edition was built from; marks a folder as one
INSTRUCTOR_ONLY = ("source", "graders", "tests", "benchmarks", ".ci", "gradebook.db", "offering-seed",
                   "submitted", "autograded", "feedback", "nbgrader_work")
TEXT_SUFFIXES = (".ipynb", ".md", ".py", ".txt", ".html", ".json", ".yml", ".csv")
KEPT_PYPROJECT_TABLES = ("build-system", "project", "tool.setuptools.packages.find")


def tracked_files(root: Path) -> list[str]:
    """The files git tracks in the checkout at ``root`` (never a learner's or a grader's leftovers)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, text=True)
    if listed.returncode != 0:
        raise CourseError(f"{root} is not a git checkout of the course ({listed.stderr.strip()}); "
                          "build the learner edition from a clone")
    return [name for name in listed.stdout.split("\0") if name and (root / name).is_file()]


def learner_pyproject(text: str) -> str:
    """pyproject.toml without the instructor's parts: no `healthpath` command (it runs graders/),
    no development extras, no tool settings for tests the edition does not have."""
    tables = re.split(r"(?m)^(?=\[)", text)
    kept = [table for table in tables
            if table.strip() and table.split("]")[0].lstrip("[") in KEPT_PYPROJECT_TABLES]
    return "".join(kept).rstrip() + "\n"


def prepare(destination: Path) -> None:
    """Make ``destination`` an empty folder (but for its .git), emptying a previous edition."""
    entries = [e for e in destination.iterdir() if e.name != ".git"] if destination.exists() else []
    if entries and not (destination / MARKER).is_file():
        raise CourseError(f"{destination} holds files and is not a learner edition; give a new folder, "
                          "a git clone or worktree with nothing else in it, or a previous edition")
    for entry in entries:
        shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    destination.mkdir(parents=True, exist_ok=True)


def build(course: Course, destination: Path) -> list[Path]:
    """Write the learner edition of ``course`` into ``destination``; the files written."""
    root, destination = course.root, Path(destination).resolve()
    if destination == root or root in destination.parents:
        raise CourseError(f"{destination} is inside the course; give a folder outside it")
    prepare(destination)
    for name in tracked_files(root):
        if name.split("/")[0] in LEARNER_PATHS:
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, destination / name)
    for path in (root / EDITION_FOLDER).iterdir():
        shutil.copy2(path, destination / path.name)
    (destination / "pyproject.toml").write_text(learner_pyproject((root / "pyproject.toml").read_text()))
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True)
    (destination / MARKER).write_text(f"built from commit {commit.stdout.strip()}\n")
    return sorted(p for p in destination.rglob("*") if p.is_file() and ".git" not in p.parts)


def leaks(course: Course, edition: Path) -> list[gate.Problem]:
    """What the edition must not hold: instructor folders and files; in ``release/<assignment>``,
    any solution or hidden-test line of that assignment's source (the gate's release check); in
    any other page or code, a whole solution or hidden-test region of any source notebook (single
    lines may be shared: a lesson teaches the method an exercise asks for)."""
    problems = [gate.Problem(edition / name, "an instructor-only file or folder is in the learner edition")
                for name in INSTRUCTOR_ONLY if (edition / name).exists()]
    files = [p for p in edition.rglob("*") if p.is_file() and ".git" not in p.parts]
    problems += [gate.Problem(p, "an instructor-only file is in the learner edition")
                 for p in files if p.name in (gate.MUTANTS, gate.PROJECTS, hidden_cases.DEFINITIONS)]
    texts = [p for p in files if p.suffix in TEXT_SUFFIXES]
    for assignment in course.assignments():
        released = edition / "release" / assignment
        for source in sorted((course.directory("source") / assignment).glob("*.ipynb")):
            found = gate.secrets(source)
            problems += gate.check_leaks([p for p in texts if released in p.parents], found)
            problems += region_leaks([p for p in texts if released not in p.parents], found, source)
    return problems


def region_leaks(files: list[Path], found: gate.Secrets, source: Path) -> list[gate.Problem]:
    """Files holding a whole solution or hidden-test region of ``source``."""
    problems = []
    for path in files:
        text = gate.region_text(gate.visible_text(path).splitlines())
        leaked = [region for region in found.regions if region in text]
        if leaked:
            problems.append(gate.Problem(path, f"contains a whole solution or hidden-test region of "
                                               f"{source.name} (e.g. {leaked[0][:80]!r}); remove it"))
    return problems
