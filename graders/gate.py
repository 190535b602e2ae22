"""The course gate: proves every assignment is gradeable and every stored notebook is clean.

Checks, each a function returning a list of :class:`Problem` (empty when it passes):

- :func:`check_stored` - a notebook in modules/ or source/ stored with outputs or execution counts,
  or failing ruff;
- :func:`check_release_current` - release/<assignment> differs from a fresh generation from source/;
- :func:`check_leaks` - solution or hidden-test text in release/ (or in generated feedback);
- :func:`check_grading` - graded through the course's real grading path (on a temporary copy of
  the course): the source notebook, submitted, earns full automatic marks; the unmodified release
  earns none; every autograded test cell's reference records a hidden check; every mutant of
  ``source/<assignment>/mutants.yml`` loses the points of the test cells it lists. A final
  project's assignment has ``projects.yml`` instead: the solution is handed in with a worked
  example project that must earn every checker point, and each weaker example project must lose
  the points of the checker cells it lists.
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
import yaml
from nbformat import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.preprocessors import ClearSolutions

from graders import hidden_cases, reference
from graders.autograde import grade, load_records
from graders.commands.release import release
from graders.course import Course, open_course
from graders.feedback import generate_feedback
from graders.preprocessors.sandboxed_execute import use_bwrap
from graders.project_checks import PROJECT_FOLDER
from graders.sandbox import Sandbox
from graders.verdict import is_autograded_test
from healthpath import rules
from healthpath.project import SKIPPED_FOLDERS

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
    if (course.root / hidden_cases.SEED_FILE).exists():  # the offering's hidden cases, when it has them
        shutil.copy2(course.root / hidden_cases.SEED_FILE, into / hidden_cases.SEED_FILE)
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
    # Each solution or hidden-test region whole (its lines stripped, blank ones dropped), for text
    # that may share single lines with the solution (a lesson teaching the method) but not a region.
    regions: tuple[str, ...] = ()


def region_text(lines: Iterable[str]) -> str:
    """Lines stripped, blank ones dropped, joined: how regions are compared."""
    return "\n".join(s for s in (line.strip() for line in lines) if s)


def secrets(source: Path) -> Secrets:
    """The :class:`Secrets` of source notebook ``source``."""
    nb = nbformat.read(source, as_version=4)
    solution, hidden, public, regions = set(), set(), [], []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        lines = cell.source.splitlines()
        if meta.get("solution") and not any(BEGIN_SOLUTION in line for line in lines):
            solution.update(lines)  # nbgrader replaces the whole cell
            regions.append(lines)
            continue
        kinds = {BEGIN_SOLUTION: (END_SOLUTION, solution), BEGIN_HIDDEN: (END_HIDDEN, hidden)}
        inside = None
        for line in lines:
            if inside is None:
                start = next((begin for begin in kinds if begin in line), None)
                if start is not None:
                    inside = kinds[start]
                    regions.append([])
                else:
                    public.append(line)
            elif inside[0] in line:
                inside = None
            else:
                inside[1].add(line)
                regions[-1].append(line)
    stubs = ClearSolutions()
    public_text = "\n".join([*public, stubs.text_stub, *stubs.code_stub.values()])

    def secret(lines: set[str]) -> frozenset[str]:
        return frozenset(s for s in (line.strip() for line in lines)
                         if len(s) >= MIN_SECRET_CHARS and re.search(r"\w", s) and s not in public_text)

    whole = tuple(text for text in map(region_text, regions) if "\n" in text)
    return Secrets(solution=secret(solution), hidden=secret(hidden), regions=whole)


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
    """Solution or hidden-test text of any source notebook of ``assignment`` in release/<assignment>,
    and the instructor-only files (mutants, hidden cases) released."""
    released = course.directory("release") / assignment
    files = [p for p in released.rglob("*") if p.is_file()] if released.is_dir() else []
    problems = [Problem(p, "an instructor-only file is released; add its name to "
                           "c.CourseDirectory.ignore in nbgrader_config.py, delete it and release again")
                for p in files if p.name in (MUTANTS, PROJECTS, hidden_cases.DEFINITIONS)]
    for source in sorted((course.directory("source") / assignment).glob("*.ipynb")):
        problems += check_leaks(files, secrets(source))
    return problems


# -- (a), (b), (f), (g): grading through the real path ----------------------------------------------

MUTANTS = "mutants.yml"
MUTANTS_FORMAT = ("a list of entries {name: a-z0-9 and dashes, cell: grade_id of a solution cell, "
                  "code: the cell's replacement source, must_fail: [grade_ids of autograded test cells]}")
SOURCE_STUDENT, RELEASE_STUDENT, MUTANT_STUDENT = "gate-source", "gate-release", "gate-mutant-"
PROJECTS = "projects.yml"
PROJECTS_FORMAT = ("{solution: the course-relative path of the example project that earns full marks, "
                   "weaker: [{name: a-z0-9 and dashes, project: the path of a weaker example project, "
                   "must_fail: [grade_ids of checker cells]}]}")


@dataclass(frozen=True)
class Mutant:
    """A plausible wrong answer: solution cell ``cell`` replaced by ``code``, which must lose the
    points of every test cell in ``must_fail``."""

    name: str
    cell: str
    code: str
    must_fail: tuple[str, ...]
    project: Path | None = None  # a final project's weaker example, handed in with the solution


def load_mutants(path: Path, solution_cells: set[str],
                 test_cells: set[str]) -> tuple[list[Mutant], list[Problem]]:
    """The mutants of ``path`` (source/<assignment>/mutants.yml) and what is wrong in the file: a
    missing or malformed entry, an unknown cell, or a test cell no mutant is meant to fail."""
    if not path.exists():
        return [], [Problem(path, f"missing; write {MUTANTS_FORMAT}, with every test cell failed by "
                                  "at least one mutant")]
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        return [], [Problem(path, f"not valid YAML: {error}")]
    if not isinstance(entries, list) or not entries:
        return [], [Problem(path, f"must be {MUTANTS_FORMAT}")]
    mutants, problems = [], []
    for number, entry in enumerate(entries, start=1):
        where = f"mutant {number}" + (f" ({entry.get('name')!r})" if isinstance(entry, dict) else "")
        fields = {"name", "cell", "code", "must_fail"}
        if not isinstance(entry, dict) or set(entry) != fields:
            got = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
            problems.append(Problem(path, f"{where}: has {got}, needs exactly {sorted(fields)}"))
            continue
        name, cell, code, must_fail = (entry[f] for f in ("name", "cell", "code", "must_fail"))
        wrong = []
        if not (isinstance(name, str) and re.fullmatch(r"[a-z0-9][a-z0-9-]*", name)):
            wrong.append("name must be lower-case letters, digits and dashes")
        elif name in {m.name for m in mutants}:
            wrong.append("name is used twice")
        if cell not in solution_cells:
            wrong.append(f"cell {cell!r} is not a solution cell's grade_id (have: {sorted(solution_cells)})")
        if not isinstance(code, str):
            wrong.append("code must be text (use `code: |` and an indented block)")
        if not (isinstance(must_fail, list) and must_fail and set(must_fail) <= test_cells):
            wrong.append(f"must_fail must list autograded test cells' grade_ids (have: {sorted(test_cells)})")
        if wrong:
            problems.append(Problem(path, f"{where}: " + "; ".join(wrong)))
        else:
            mutants.append(Mutant(name, cell, code, tuple(must_fail)))
    if not problems:
        uncovered = sorted(test_cells - {grade_id for m in mutants for grade_id in m.must_fail})
        if uncovered:
            problems.append(Problem(path, f"no mutant shows that test cell(s) {', '.join(uncovered)} fail on "
                                          "a wrong answer; add one for the mistake a learner really makes"))
    return mutants, problems


def load_projects(path: Path, root: Path,
                  test_cells: set[str]) -> tuple[Path | None, list[Mutant], list[Problem]]:
    """The example projects of ``path`` (source/<assignment>/projects.yml): the solution's project
    and the weaker ones as mutants (handed in with the solution's answers), and what is wrong."""
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        return None, [], [Problem(path, f"not valid YAML: {error}")]
    if not (isinstance(entries, dict) and set(entries) == {"solution", "weaker"}
            and isinstance(entries["weaker"], list) and entries["weaker"]):
        return None, [], [Problem(path, f"must be {PROJECTS_FORMAT}")]

    def folder(relative: object) -> Path | None:
        found = root / str(relative)
        return found if (found / "project.toml").is_file() else None

    solution, mutants, problems = folder(entries["solution"]), [], []
    if solution is None:
        problems.append(Problem(path, f"solution {entries['solution']!r} is not a project folder (no "
                                      "project.toml there)"))
    for number, entry in enumerate(entries["weaker"], start=1):
        if not (isinstance(entry, dict) and set(entry) == {"name", "project", "must_fail"}):
            problems.append(Problem(path, f"weaker project {number}: needs exactly name, project, must_fail"))
            continue
        where, must_fail = folder(entry["project"]), entry["must_fail"]
        if where is None:
            problems.append(Problem(path, f"weaker project {entry['name']!r}: {entry['project']!r} is not a "
                                          "project folder"))
        elif not (isinstance(must_fail, list) and must_fail and set(must_fail) <= test_cells):
            problems.append(Problem(path, f"weaker project {entry['name']!r}: must_fail must list checker "
                                          f"cells' grade_ids (have: {sorted(test_cells)})"))
        else:
            mutants.append(Mutant(str(entry["name"]), "", "", tuple(must_fail), where))
    uncovered = sorted(test_cells - {gid for m in mutants for gid in m.must_fail})
    if not problems and uncovered:
        problems.append(Problem(path, f"no weaker project shows that {', '.join(uncovered)} can fail"))
    return solution, mutants, problems


def _cells(notebook: NotebookNode) -> dict[str, NotebookNode]:
    return {cell.metadata.nbgrader["grade_id"]: cell for cell in notebook.cells
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")}


def _submit(course: Course, student: str, assignment: str, notebooks: dict[str, NotebookNode],
            project: Path | None = None) -> None:
    folder = course.directory("submitted") / student / assignment
    folder.mkdir(parents=True)
    for name, nb in notebooks.items():
        nbformat.write(nb, folder / f"{name}.ipynb")
    if project is not None:
        shutil.copytree(project, folder / PROJECT_FOLDER, symlinks=True,
                        ignore=shutil.ignore_patterns(*SKIPPED_FOLDERS))


def _answered(released: NotebookNode, answers: dict[str, str]) -> NotebookNode:
    """A copy of ``released`` with the answer cells named in ``answers`` (grade_id -> source) filled in."""
    nb = nbformat.from_dict(json.loads(json.dumps(released)))
    for grade_id, cell in _cells(nb).items():
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb


def _scores(course: Course, assignment: str, student: str,
            names: list[str]) -> dict[str, tuple[float, float]]:
    """grade_id -> (automatic score, maximum) of one graded submission."""
    scores = {}
    with Gradebook(course.db_url, course.coursedir().course_id) as gradebook:
        for name in names:
            for item in gradebook.find_submission_notebook(name, assignment, student).grades:
                scores[item.name] = (float(item.auto_score or 0), float(item.max_score))
    return scores


def gate_submissions(course: Course, assignment: str,
                     release: Path) -> tuple[dict[str, dict[str, NotebookNode]], list[Mutant], list[Problem]]:
    """The submissions the gate grades for ``assignment`` of ``course``, made from the notebooks in
    ``release``: the solution, the unmodified release and one per mutant, as student -> notebook
    name -> notebook; with the mutants and what is wrong in mutants.yml.

    A mutant answers every exercise up to its last ``must_fail`` test cell (in that cell's notebook)
    and leaves the later ones as released: cells that run after a test cell cannot change its
    verdict, and an unanswered exercise fails at once instead of repeating the solution's work."""
    sources = sorted((course.directory("source") / assignment).glob("*.ipynb"))
    released = {path.stem: nbformat.read(release / path.name, as_version=4) for path in sources}
    source_cells = {path.stem: _cells(nbformat.read(path, as_version=4)) for path in sources}
    position = {gid: (name, index) for name, cells in source_cells.items() for index, gid in enumerate(cells)}
    solutions = {gid: cell.source for cells in source_cells.values() for gid, cell in cells.items()
                 if cell.metadata.nbgrader.get("solution")}
    tests = {gid for cells in source_cells.values() for gid, cell in cells.items()
             if is_autograded_test(cell)}
    folder = course.directory("source") / assignment
    if (folder / PROJECTS).exists():  # a final project: the mutants are weaker projects
        _, mutants, problems = load_projects(folder / PROJECTS, course.root, tests)
        answers = {SOURCE_STUDENT: solutions, RELEASE_STUDENT: {}}
        answers |= {MUTANT_STUDENT + mutant.name: solutions for mutant in mutants}
        return ({student: {name: _answered(nb, chosen) for name, nb in released.items()}
                 for student, chosen in answers.items()}, mutants, problems)
    mutants, problems = load_mutants(folder / MUTANTS, set(solutions), tests)

    def answered_until_tested(mutant: Mutant) -> dict[str, str]:
        last = {}
        for gid in mutant.must_fail:
            name, index = position[gid]
            last[name] = max(index, last.get(name, index))
        kept = {gid: code for gid, code in solutions.items()
                if position[gid][0] in last and position[gid][1] <= last[position[gid][0]]}
        return {**kept, mutant.cell: mutant.code}

    answers = {SOURCE_STUDENT: solutions, RELEASE_STUDENT: {}}
    answers |= {MUTANT_STUDENT + mutant.name: answered_until_tested(mutant) for mutant in mutants}
    submissions = {student: {name: _answered(nb, chosen) for name, nb in released.items()}
                   for student, chosen in answers.items()}
    return submissions, mutants, problems


def check_grading(course: Course, assignment: str, fresh: Course, *, workers: int = 2,
                  sandbox_required: bool | None = None) -> list[Problem]:
    """Grade the source notebooks, the release and the mutants as submissions in ``fresh`` (a
    temporary course where ``assignment`` was just generated) and check (a), (b), (f), (g), and
    that the feedback shows no hidden test (nor, for the release, any solution)."""
    sources = {p.stem: p for p in sorted((course.directory("source") / assignment).glob("*.ipynb"))}
    tests = {gid: name for name, path in sources.items()
             for gid, cell in _cells(nbformat.read(path, as_version=4)).items() if is_autograded_test(cell)}
    mutants_path = course.directory("source") / assignment / MUTANTS
    submissions, mutants, problems = gate_submissions(course, assignment,
                                                      fresh.directory("release") / assignment)
    projects = {MUTANT_STUDENT + mutant.name: mutant.project for mutant in mutants if mutant.project}
    if (course.directory("source") / assignment / PROJECTS).exists():
        projects[SOURCE_STUDENT], _, _ = load_projects(course.directory("source") / assignment / PROJECTS,
                                                       course.root, set(tests))
        mutants_path = course.directory("source") / assignment / PROJECTS
    for student, notebooks in submissions.items():
        _submit(fresh, student, assignment, notebooks, projects.get(student))
    try:
        grade(fresh, assignment, workers=workers, sandbox_required=sandbox_required, progress=False)
    except reference.ReferenceFailed as error:
        return problems + [Problem(sources[next(iter(sources))], str(error))]
    records = {record.student: record for record in load_records(fresh, assignment)}

    def scores(student: str) -> dict[str, tuple[float, float]]:
        return _scores(fresh, assignment, student, list(sources))

    for grade_id, (score, maximum) in scores(SOURCE_STUDENT).items():
        if grade_id in tests and score < maximum:
            why = records[SOURCE_STUDENT].failed.get(grade_id) or "; ".join(records[SOURCE_STUDENT].notes)
            problems.append(Problem(sources[tests[grade_id]],
                                    f"the solution, graded as a submission, scores {score:g}/{maximum:g} "
                                    f"on {grade_id}: {why}"))
    earned = {gid: score for gid, (score, _) in scores(RELEASE_STUDENT).items() if score > 0}
    if earned:
        problems.append(Problem(course.directory("release") / assignment,
                                f"the unmodified release earns automatic points ({earned}); a test cell "
                                "must fail when its exercise is not answered"))
    for mutant in mutants:
        kept = [gid for gid in mutant.must_fail if scores(MUTANT_STUDENT + mutant.name)[gid][0] > 0]
        if kept:
            what = ("the checker passes what this weaker project gets wrong" if mutant.project else
                    "no hidden check catches this wrong answer; add one that does")
            problems.append(Problem(mutants_path, f"mutant {mutant.name!r} keeps the points of "
                                                  f"{', '.join(kept)}: {what}"))
    problems += check_references(fresh, assignment, sources, sandbox_required)
    return problems + check_feedback(fresh, assignment, sources)


def check_references(fresh: Course, assignment: str, sources: dict[str, Path],
                     sandbox_required: bool | None) -> list[Problem]:
    """Authoring errors the reference run found (a test cell that records no hidden check, a check
    recorded outside a test cell, a test cell failing on the solution), named on the real source."""
    config = fresh.config.copy()
    if sandbox_required is not None:
        config.Sandbox.required = sandbox_required
    settings = Sandbox(config=config)
    problems = []
    cases = hidden_cases.build(fresh.root, fresh.directory("source") / assignment)
    for path in sources.values():
        found = reference.load_or_compute(fresh.directory("source") / assignment / path.name, fresh.root,
                                          cases, limits=settings.limits(), sandbox=use_bwrap(settings))
        problems += [Problem(path, problem) for problem in found.problems]
        problems += [Problem(path, problem) for problem in guessable_checks(found.cells)]
    return problems


def guessable_checks(cells: dict[str, list[dict]]) -> list[str]:
    """Hidden checks whose reference value a wrong answer could write without doing the work."""
    found = []
    for grade_id, observations in cells.items():
        for observation in observations:
            why = rules.guessable(observation["record"])
            if why is not None:
                found.append(f"test cell {grade_id!r}, hidden check {observation['key']!r}: the reference "
                             f"records {why}, which a wrong answer can guess; record the raw output "
                             "instead (the ids, predictions, table or statistics) with the rule that "
                             "judges it, and record an edge case together with a case that must be "
                             "computed (source/README.md)")
    return found


def check_feedback(fresh: Course, assignment: str, sources: dict[str, Path]) -> list[Problem]:
    """No hidden-test text in any feedback, and no solution text in the feedback of the release."""
    written, _ = generate_feedback(fresh, assignment)
    problems = []
    for path in sources.values():
        found = secrets(path)
        problems += check_leaks(written, found, solution=False)
        problems += check_leaks([p for p in written if RELEASE_STUDENT in p.parts], found)
    return problems


# -- the gate -----------------------------------------------------------------------------------

def gate_assignment(course: Course, assignment: str, *, workers: int = 2,
                    sandbox_required: bool | None = None) -> list[Problem]:
    """Every check of one assignment (its source notebooks' storage included), graded in a
    temporary copy of the course (the course's own gradebook is never touched)."""
    course.require_assignment(assignment)
    sources = sorted((course.directory("source") / assignment).glob("*.ipynb"))
    problems = check_stored(sources, course.root) + release_leaks(course, assignment)
    with tempfile.TemporaryDirectory(prefix="healthpath-gate-") as folder:
        fresh = temporary_course(course, Path(folder))
        release(fresh, assignment)
        problems += check_release_current(course, assignment, fresh)
        problems += check_grading(course, assignment, fresh, workers=workers,
                                  sandbox_required=sandbox_required)
    return problems


def gate_notebooks(course: Course) -> list[Problem]:
    """The storage checks of every notebook in modules/ and source/ outside the assignments'
    folders (lessons, the header)."""
    source = course.directory("source")
    assignment_folders = [source / name for name in course.assignments()]
    return check_stored((p for p in stored_notebooks(course)
                         if not any(p.is_relative_to(folder) for folder in assignment_folders)), course.root)

