"""The course gate: proves every assignment is gradeable and every stored notebook is clean.

Checks, each a function returning a list of :class:`Problem` (empty when it passes):

- :func:`check_stored` - a notebook in modules/ or source/ stored with outputs or execution counts,
  or failing ruff;
- :func:`check_release_current` - release/<assignment> differs from a fresh generation from source/;
- :func:`check_leaks` - solution or hidden-test text in release/ (or in generated feedback);
- :func:`check_grading` - graded through the course's real grading path (on a temporary copy of
  the course): the source notebook, submitted, earns full automatic marks; the unmodified release
  earns none; every autograded test cell's reference records a hidden check; every mutant of
  ``source/<assignment>/mutants.yml`` loses the points of the test cells it lists.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader.preprocessors import ClearSolutions

from graders.commands.release import release
from graders.course import Course, open_course

BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
# A secret line shorter than this (stripped) is too common to count as leaked text ("else:", "pass").
MIN_SECRET_CHARS = 8


@dataclass(frozen=True)
class Problem:
    """One reason the gate fails: the file at fault and what is wrong with it (and the fix)."""

    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


# -- (e) stored notebooks ------------------------------------------------------------------------

def stored_notebooks(course: Course) -> list[Path]:
    """Every notebook in modules/ and source/ (checkpoints excluded)."""
    found = []
    for folder in (course.root / "modules", course.directory("source")):
        if folder.is_dir():
            found += [p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    return sorted(found)


def check_stored(paths: Iterable[Path], root: Path) -> list[Problem]:
    """Notebooks stored with outputs or execution counts, and ruff's findings on them (run in the
    course ``root``)."""
    paths = list(paths)
    problems = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        dirty = [number for number, cell in enumerate(nb.cells, start=1)
                 if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))]
        if dirty:
            problems.append(Problem(path, f"stored with outputs or execution counts (cells "
                                          f"{_numbers(dirty)}); clear them (Edit > Clear Outputs of All "
                                          "Cells) and save again"))
    return problems + check_ruff(paths, root)


def check_ruff(paths: list[Path], cwd: Path) -> list[Problem]:
    """``ruff check`` on ``paths``, run in ``cwd`` (the course root: its configuration applies)."""
    if not paths:
        return []
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "json",
                           *map(str, paths)], capture_output=True, text=True, check=False, cwd=cwd)
    try:
        findings = json.loads(done.stdout)
    except json.JSONDecodeError:
        return [Problem(paths[0].parent, f"ruff could not run: {done.stderr.strip()[:500]}")]
    by_file: dict[str, list[str]] = {}
    for finding in findings:
        where = finding.get("cell") and f"cell {finding['cell']}, " or ""
        by_file.setdefault(finding["filename"], []).append(
            f"{where}line {finding['location']['row']}: {finding['code']} {finding['message']}")
    return [Problem(Path(name), "ruff: " + "; ".join(lines) + f" (run `ruff check {name}`)")
            for name, lines in sorted(by_file.items())]


def _numbers(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers))


# -- (c) release is current ---------------------------------------------------------------------

def temporary_course(course: Course, into: Path) -> Course:
    """A copy of ``course`` in ``into`` holding its configuration and source/ (no gradebook, no
    submissions), with the header notebook's path made independent of the current directory."""
    shutil.copy2(course.root / "nbgrader_config.py", into / "nbgrader_config.py")
    source = course.directory("source")
    shutil.copytree(source, into / source.relative_to(course.root))
    copy = open_course(into)
    header = copy.config.IncludeHeaderFooter.get("header")
    if header and not Path(header).is_absolute():
        copy.config.IncludeHeaderFooter.header = str(into / header)
    return copy


def check_release_current(course: Course, assignment: str, fresh: Course) -> list[Problem]:
    """Differences between the committed release/<assignment> and ``fresh``'s generated one."""
    committed, generated = course.directory("release") / assignment, fresh.directory("release") / assignment
    fix = f"run `./course release {assignment}` and commit {committed.relative_to(course.root)}"
    if not committed.is_dir():
        return [Problem(committed, f"missing; {fix}")]
    ours, theirs = _files(committed), _files(generated)
    problems = [Problem(committed / name, f"not produced by a fresh generation from source/; delete it "
                                          f"or {fix}") for name in sorted(ours - theirs)]
    problems += [Problem(committed / name, f"missing from the release; {fix}")
                 for name in sorted(theirs - ours)]
    for name in sorted(ours & theirs):
        difference = _difference(committed / name, generated / name)
        if difference:
            problems.append(Problem(committed / name,
                                    f"differs from a fresh generation ({difference}); {fix}"))
    return problems


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if p.is_file() and ".ipynb_checkpoints" not in p.parts}


def _difference(committed: Path, generated: Path) -> str | None:
    """Where two files differ: notebooks by cell (type, id, source, metadata, outputs), others by bytes."""
    if committed.suffix != ".ipynb":
        return None if committed.read_bytes() == generated.read_bytes() else "the file's content"
    ours, theirs = nbformat.read(committed, as_version=4), nbformat.read(generated, as_version=4)
    if ours.metadata != theirs.metadata:
        return "notebook metadata"
    if len(ours.cells) != len(theirs.cells):
        return f"{len(ours.cells)} cells instead of {len(theirs.cells)}"
    for number, (mine, fresh) in enumerate(zip(ours.cells, theirs.cells), start=1):
        for field in ("cell_type", "id", "source", "metadata", "outputs", "attachments"):
            if mine.get(field) != fresh.get(field):
                return f"cell {number} ({_grade_id(fresh)}): its {field}"
    return None


def _grade_id(cell: NotebookNode) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") or f"id {cell.get('id')}"


# -- (d) leaks ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Secrets:
    """The text a learner must never see: solution lines and hidden-test lines of a source notebook
    (lines that also appear in its public text or nbgrader's answer stubs, or that are too short to
    tell, are left out)."""

    solution: frozenset[str]
    hidden: frozenset[str]


def secrets(source: Path) -> Secrets:
    """The :class:`Secrets` of source notebook ``source``."""
    nb = nbformat.read(source, as_version=4)
    solution, hidden, public = set(), set(), []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        lines = cell.source.splitlines()
        if meta.get("solution") and not any(BEGIN_SOLUTION in line for line in lines):
            solution.update(lines)  # nbgrader replaces the whole cell
            continue
        regions = {BEGIN_SOLUTION: (END_SOLUTION, solution), BEGIN_HIDDEN: (END_HIDDEN, hidden)}
        inside = None
        for line in lines:
            if inside is None:
                start = next((begin for begin in regions if begin in line), None)
                if start is not None:
                    inside = regions[start]
                else:
                    public.append(line)
            elif inside[0] in line:
                inside = None
            else:
                inside[1].add(line)
    stubs = ClearSolutions()
    public_text = "\n".join([*public, stubs.text_stub, *stubs.code_stub.values()])

    def secret(lines: set[str]) -> frozenset[str]:
        return frozenset(s for s in (line.strip() for line in lines)
                         if len(s) >= MIN_SECRET_CHARS and re.search(r"\w", s) and s not in public_text)

    return Secrets(solution=secret(solution), hidden=secret(hidden))


def visible_text(path: Path) -> str:
    """The text a learner can read in ``path``: a notebook's cell sources and outputs, an HTML
    page without its tags, any other file as it is."""
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".ipynb":
        nb = nbformat.reads(text, as_version=4)
        return "\n".join([cell.source for cell in nb.cells]
                         + [json.dumps(cell.get("outputs", []), ensure_ascii=False) for cell in nb.cells])
    if path.suffix in (".html", ".htm"):
        return html.unescape(re.sub(r"<[^>]*>", "", text))
    return text


def check_leaks(files: Iterable[Path], found: Secrets, *, solution: bool = True) -> list[Problem]:
    """Files that contain hidden-test lines (and solution lines, unless ``solution`` is False)."""
    problems = []
    for path in files:
        text = visible_text(path)
        kinds = [("hidden-test", found.hidden)] + ([("solution", found.solution)] if solution else [])
        for kind, lines in kinds:
            leaked = sorted(line for line in lines if line in text)
            if leaked:
                problems.append(Problem(path, f"contains {kind} text from source/ ({len(leaked)} lines, e.g. "
                                              f"{leaked[0][:80]!r}); regenerate it from source/ and check "
                                              f"the BEGIN/END markers"))
    return problems


def release_leaks(course: Course, assignment: str) -> list[Problem]:
    """Solution or hidden-test text of any source notebook of ``assignment`` in release/<assignment>."""
    released = course.directory("release") / assignment
    files = [p for p in released.rglob("*") if p.is_file()] if released.is_dir() else []
    problems = []
    for source in sorted((course.directory("source") / assignment).glob("*.ipynb")):
        problems += check_leaks(files, secrets(source))
    return problems


# -- the gate -----------------------------------------------------------------------------------

def gate_assignment(course: Course, assignment: str) -> list[Problem]:
    """Every check of one assignment (its source notebooks' storage included)."""
    course.require_assignment(assignment)
    sources = sorted((course.directory("source") / assignment).glob("*.ipynb"))
    problems = check_stored(sources, course.root) + release_leaks(course, assignment)
    with tempfile.TemporaryDirectory(prefix="healthpath-gate-") as folder:
        fresh = temporary_course(course, Path(folder))
        release(fresh, assignment)
        problems += check_release_current(course, assignment, fresh)
    return problems


def gate_notebooks(course: Course) -> list[Problem]:
    """The storage checks of every notebook in modules/ and source/ outside the assignments'
    folders (lessons, the header)."""
    source = course.directory("source")
    assignment_folders = [source / name for name in course.assignments()]
    return check_stored((p for p in stored_notebooks(course)
                         if not any(p.is_relative_to(folder) for folder in assignment_folders)), course.root)


def gate(course: Course, assignments: list[str] | None = None) -> list[Problem]:
    """The whole gate: the named assignments (default: all, plus the lessons and the header)."""
    problems = [] if assignments else gate_notebooks(course)
    for assignment in assignments or course.assignments():
        problems += gate_assignment(course, assignment)
    return problems
