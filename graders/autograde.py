"""Parallel, resumable autograding on top of nbgrader's own Autograde converter.

Phase 1 prepares each submission exactly as nbgrader will (its configured sanitize preprocessors:
clear outputs, de-duplicate cell ids, restore the kernelspec and locked cells from the gradebook,
check the metadata) and executes it in the sandbox in a process pool, storing each execution in the
course's execution cache. Phase 2 runs nbgrader's Autograde converter one submission at a time, in
this process, as soon as that submission's executions are cached (while the pool executes the
others); its SandboxedExecute finds every execution in the cache, so this phase is fast, and it
alone writes the gradebook and autograded/.

A submission is done when its record (``nbgrader_work/graded/<assignment>/<student>.json``) holds
the digest of its files and of the assignment's source, and the gradebook has it. Running again
grades only what is missing or changed: a kill loses at most the executions in flight and the one
submission phase 2 was writing (which is graded again from the start).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import nbformat
from nbconvert.exporters import NotebookExporter
from nbgrader.api import Gradebook, MissingEntry, SubmittedAssignment
from nbgrader.converters import Autograde
from nbgrader.converters.base import NbGraderException
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions
from nbgrader.utils import parse_utc
from tqdm import tqdm
from traitlets.config import Config

from graders import hidden_cases, reference
from graders.course import Course, CourseError
from graders.execute import cache_key, run_digest, run_notebook
from graders.hand_grading import points_awaiting
from graders.preprocessors.sandboxed_execute import execution_cache, use_bwrap
from graders.sandbox import Limits, Sandbox
from graders.verdict import FAILED, is_autograded_test

log = logging.getLogger(__name__)


@dataclass
class Record:
    """What grading one submission gave: its score, the points awaiting hand grading, and every
    reason it lost marks or could not be graded normally (``notes``: malformed files and cells;
    ``failed``: test cell -> reason); ``flags``: why someone should look at it before its grade
    counts (read-only cells edited, the instructor's solution handed in)."""

    student: str
    digest: str
    score: float
    max_score: float
    seconds_late: float
    notes: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    execution_seconds: float = 0.0
    awaiting: float = 0.0
    flags: list[str] = field(default_factory=list)


@dataclass
class Run:
    """One ``grade`` call: records of the submissions graded now, those skipped as current, and how
    many notebook executions ran (the rest came from the cache)."""

    graded: list[Record] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    executed: int = 0
    cached: int = 0


@dataclass
class _Prepared:
    student: str
    digest: str
    notes: list[str]
    executions: dict[str, dict[str, Any]]  # cache key -> prepared notebook (JSON)
    unusable: bool = False
    flags: list[str] = field(default_factory=list)


def records_folder(course: Course, assignment: str) -> Path:
    """Where the grading records of ``assignment`` are kept."""
    return course.work / "graded" / assignment


def load_records(course: Course, assignment: str) -> list[Record]:
    """Every stored grading record of ``assignment``, by student."""
    folder = records_folder(course, assignment)
    paths = sorted(folder.glob("*.json")) if folder.is_dir() else []
    return [Record(**json.loads(path.read_text(encoding="utf-8"))) for path in paths]


def grade(course: Course, assignment: str, *, students: list[str] | None = None, workers: int = 2,
          sandbox_required: bool | None = None, progress: bool = True, force: bool = False) -> Run:
    """Autograde every submission of ``assignment`` (or only ``students``) that is not current
    (``force``: all of them)."""
    course.require_assignment(assignment)
    config = _config(course, sandbox_required)
    notebooks = _gradebook_notebooks(course, assignment)
    submitted = course.directory("submitted")
    found = sorted(p.parent.name for p in submitted.glob(f"*/{assignment}") if p.is_dir())
    if students:
        unknown = sorted(set(students) - set(found))
        if unknown:
            raise CourseError(f"no submission of {assignment} in {submitted} for: {', '.join(unknown)}")
        found = [s for s in found if s in students]
    cases = hidden_cases.build(course.root, course.directory("source") / assignment)
    settings = Sandbox(config=config)
    context = cases.digest + run_digest(settings.limits())  # what else determines every run
    source_digest = _digest_files(course.directory("source") / assignment, context)
    run = Run()
    todo = []
    for student in found:
        digest = _digest_files(submitted / student / assignment, source_digest)
        if not force and _is_current(course, assignment, student, digest):
            run.skipped.append(student)
        else:
            todo.append((student, digest))
    if not todo:
        return run
    sandbox = use_bwrap(settings)
    released = _Released(course, assignment, notebooks)
    prepared = (_prepare(course, config, assignment, student, digest, released, context)
                for student, digest in todo)
    with tqdm(total=len(todo), desc=f"grading {assignment}", unit="submission",
              disable=not progress) as bar:
        for item in _execute_all(course, assignment, notebooks, prepared, cases, settings.limits(),
                                 sandbox, workers, run):
            run.graded.append(_autograde_one(course, config, assignment, item, notebooks))
            bar.update()
    run.graded.sort(key=lambda record: record.student)
    return run


def _config(course: Course, sandbox_required: bool | None) -> Config:
    config = course.config.copy()
    names = [p if isinstance(p, str) else f"{p.__module__}.{p.__name__}"
             for p in config.get("Autograde", {}).get("autograde_preprocessors", [])]
    if not any(name.endswith("SandboxedExecute") for name in names):
        raise CourseError(f"{course.root / 'nbgrader_config.py'} does not grade in the sandbox: add "
                          "`from graders.preprocessors import use_verified_grading` and "
                          "`use_verified_grading(c)`")
    if sandbox_required is not None:
        config.Sandbox.required = sandbox_required
    config.SandboxedExecute.require_cached = True  # phase 1 ran every execution: phase 2 runs none
    return config


def _gradebook_notebooks(course: Course, assignment: str) -> list[str]:
    with Gradebook(course.db_url, course.coursedir().course_id) as gradebook:
        try:
            return sorted(nb.name for nb in gradebook.find_assignment(assignment).notebooks)
        except MissingEntry:
            raise CourseError(f"{assignment} is not in the gradebook: run "
                              f"`healthpath release {assignment}` first") from None


def _digest_files(folder: Path, *extra: str) -> str:
    digest = hashlib.sha256("".join(extra).encode())
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _is_current(course: Course, assignment: str, student: str, digest: str) -> bool:
    path = records_folder(course, assignment) / f"{student}.json"
    if not path.exists() or json.loads(path.read_text(encoding="utf-8")).get("digest") != digest:
        return False
    with Gradebook(course.db_url, course.coursedir().course_id) as gradebook:
        try:
            gradebook.find_submission(assignment, student)
        except MissingEntry:
            return False
    return True


class _LogNotes(logging.Handler):
    """Collects, instead of printing, what nbgrader logs at ``level`` or above while in use."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.notes: list[str] = []
        self.logger = logging.getLogger("traitlets")

    def emit(self, record: logging.LogRecord) -> None:
        self.notes.append(record.getMessage())

    def __enter__(self) -> _LogNotes:
        self.saved = self.logger.level, self.logger.propagate
        self.logger.setLevel(self.level)
        self.logger.propagate = False
        self.logger.addHandler(self)
        return self

    def __exit__(self, *exc) -> None:
        self.logger.removeHandler(self)
        self.logger.level, self.logger.propagate = self.saved


class _Released:
    """What a submission of ``assignment`` is compared with, per notebook: the kernel, the graded
    cells (from the gradebook) and the sources of the read-only cells (from the release); and the
    delimiters of solutions and hidden tests, which only the source notebook holds."""

    def __init__(self, course: Course, assignment: str, notebooks: list[str]):
        self.notebooks = notebooks
        self.kernels: dict[str, str | None] = {}
        self.graded: dict[str, list[str]] = {}
        with Gradebook(course.db_url) as gradebook:
            for name in notebooks:
                notebook = gradebook.find_notebook(name, assignment)
                spec = json.loads(notebook.kernelspec) if notebook.kernelspec else {}
                self.kernels[name] = spec.get("name")
                self.graded[name] = [cell.name for cell in notebook.grade_cells]
        self.locked = {}
        for name in notebooks:
            release = nbformat.read(course.directory("release") / assignment / f"{name}.ipynb", as_version=4)
            self.locked[name] = {cell.metadata["nbgrader"]["grade_id"]: cell.source for cell in release.cells
                                 if cell.metadata.get("nbgrader", {}).get("locked")}
        self.source_markers = (ClearSolutions(config=course.config).begin_solution_delimeter,
                               ClearHiddenTests(config=course.config).begin_test_delimeter)


def _prepare(course: Course, config: Config, assignment: str, student: str, digest: str,
             released: _Released, context: str) -> _Prepared:
    """Read and sanitize each notebook of a submission as nbgrader will; note what is malformed."""
    item = _Prepared(student, digest, [], {})
    folder = course.directory("submitted") / student / assignment
    notebooks = released.notebooks
    if not any((folder / f"{name}.ipynb").exists() for name in notebooks):
        found = ", ".join(sorted(p.name for p in folder.iterdir() if p.name != "timestamp.txt"))
        item.notes.append(f"no notebook of the assignment was submitted (found: {found or 'nothing'}): "
                          "scored 0")
        item.unusable = True
        return item
    for name in notebooks:
        path = folder / f"{name}.ipynb"
        if not path.exists():
            item.notes.append(f"{name}.ipynb is missing from the submission: scored 0")
            continue
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as error:  # noqa: BLE001 - any unreadable file is reported the same way
            item.notes.append(f"{name}.ipynb is not a readable notebook ({type(error).__name__}: "
                              f"{str(error).splitlines()[0][:200]}): scored 0")
            item.unusable = True
            continue
        item.notes += _kernel_notes(released.kernels[name], name, nb)
        item.notes += _deleted_cell_notes(released.graded[name], name, nb)
        edited = _edited_cells(released.locked[name], nb)
        if edited:
            item.notes.append(f"{name}.ipynb: read-only cells edited: {', '.join(edited)} (graded with "
                              "the original cells)")
        item.flags += _flags(released.source_markers, name, nb, edited)
        try:
            prepared, warnings = _sanitize(course, config, assignment, student, name, nb)
        except Exception as error:  # noqa: BLE001 - nbgrader will fail on it the same way
            item.notes.append(f"{name}.ipynb could not be prepared for grading ({error}): scored 0")
            item.unusable = True
            continue
        item.notes += [f"{name}.ipynb: {warning}" for warning in warnings]
        item.executions[cache_key(prepared, context)] = json.loads(json.dumps(prepared))
    return item


def _sanitize(course: Course, config: Config, assignment: str, student: str, name: str,
              nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, list[str]]:
    """``nb`` through nbgrader's configured sanitize preprocessors, and the warnings they logged."""
    converter = Autograde(coursedir=course.coursedir(assignment_id=assignment, student_id=student),
                          config=config)
    exporter_config = config.copy()
    exporter_config.Exporter.default_preprocessors = []
    exporter = NotebookExporter(config=exporter_config)
    for preprocessor in converter.sanitize_preprocessors:
        exporter.register_preprocessor(preprocessor, enabled=True)
    resources = {"unique_key": name, "output_files_dir": f"{name}_files",
                 "nbgrader": {"student": student, "assignment": assignment, "notebook": name,
                              "db_url": course.db_url}}
    with _LogNotes(logging.WARNING) as logged:
        output, _ = exporter.from_notebook_node(nb, resources=resources)
    # a changed checksum is reported by _edited_cell_notes, which tells edits from hidden tests
    notes = [note for note in logged.notes if "'checksum'" not in note]
    return nbformat.reads(output, as_version=4), notes


def _kernel_notes(wanted: str | None, name: str, nb: nbformat.NotebookNode) -> list[str]:
    got = nb.metadata.get("kernelspec", {}).get("name")
    if wanted and got != wanted:
        return [f"{name}.ipynb was saved with the kernel {got!r}; graded with {wanted!r}"]
    return []


def _deleted_cell_notes(graded: list[str], name: str, nb: nbformat.NotebookNode) -> list[str]:
    present = {cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") for cell in nb.cells}
    missing = [grade_id for grade_id in graded if grade_id not in present]
    if missing:
        return [f"{name}.ipynb: graded cells deleted or their metadata removed: {', '.join(missing)} "
                "(scored 0)"]
    return []


def _edited_cells(locked: dict[str, str], nb: nbformat.NotebookNode) -> list[str]:
    """Locked cells whose source differs from the release (nbgrader restores them from the source)."""
    return [cell.metadata["nbgrader"]["grade_id"] for cell in nb.cells
            if locked.get(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"),
                          cell.source) != cell.source]


def _flags(markers: tuple[str, ...], name: str, nb: nbformat.NotebookNode, edited: list[str]) -> list[str]:
    """Why a person should look at this notebook before its grade counts: it holds the source's
    solution or hidden-test delimiters (the instructor's solution notebook, which earns full
    automatic marks), or its read-only cells were edited."""
    if any(marker in cell.source for cell in nb.cells for marker in markers):
        return [f"{name}.ipynb is the instructor's solution notebook (it holds the "
                f"{' and '.join(repr(m) for m in markers)} regions of source/): its automatic marks "
                "are not the learner's work"]
    if edited:
        return [f"{name}.ipynb: read-only cells edited ({', '.join(edited)}): check what the learner "
                "changed"]
    return []


@dataclass
class _Job:
    root: Path
    key: str
    notebook: dict[str, Any]
    limits: Limits
    sandbox: bool
    cases: dict[str, bytes]


def _run_job(job: _Job) -> tuple[str, str, float]:
    """Worker: execute one prepared notebook and store the execution in the cache."""
    execution = run_notebook(nbformat.from_dict(job.notebook), limits=job.limits, sandbox=job.sandbox,
                             cases=job.cases)
    execution_cache(job.root).put(job.key, execution)
    return job.key, execution.status, execution.seconds


def _run_reference(root: Path, source: Path, cases: hidden_cases.HiddenCases, limits: Limits,
                   sandbox: bool) -> None:
    """Worker: compute (or load) the reference observations of one source notebook."""
    reference.load_or_compute(source, root, cases, limits=limits, sandbox=sandbox)


def _execute_all(course: Course, assignment: str, notebooks: list[str], prepared: Iterable[_Prepared],
                 cases: hidden_cases.HiddenCases, limits: Limits, sandbox: bool, workers: int,
                 run: Run) -> Iterator[_Prepared]:
    """Phase 1: every reference and uncached execution, in a pool of ``workers`` processes.

    The references start first; each submission is prepared (``prepared`` is consumed lazily) while
    the pool works. Yields each prepared submission as soon as the references and all its
    executions are in the cache, so that phase 2 records it while the pool executes the others.
    """
    cache = execution_cache(course.root)
    sources = [source for source in (course.directory("source") / assignment / f"{name}.ipynb"
                                     for name in notebooks)
               if not reference.cache_path(source, course.root, cases, limits).exists()]
    # fork: a worker starts at once with this process's modules, where a spawned one would spend
    # seconds importing nbgrader again; workers only start sandboxes and write the cache, so they
    # need no lock that another thread of this process (tqdm's monitor) could hold. The pool forks
    # its workers at the first submission, so an all-cached run starts none.
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=get_context("fork")) as pool:
        pending = {pool.submit(_run_reference, course.root, source, cases, limits, sandbox)
                   for source in sources}
        references = set(pending)
        jobs: dict[str, _Job] = {}
        waiting = []
        try:
            for item in prepared:
                waiting.append(item)
                for key, notebook in item.executions.items():
                    if key in jobs or cache.get(key) is not None:
                        run.cached += 1
                    else:
                        jobs[key] = _Job(course.root, key, notebook, limits, sandbox, cases.inputs)
                        pending.add(pool.submit(_run_job, jobs[key]))
            while waiting:
                ready = [item for item in waiting if references.isdisjoint(pending)
                         and not any(key in jobs for key in item.executions)]
                if ready:
                    waiting = [item for item in waiting if item not in ready]
                    yield from ready
                    continue
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    result = future.result()  # a reference that fails stops the batch, clearly
                    if result is not None:
                        del jobs[result[0]]
                        run.executed += 1
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def _autograde_one(course: Course, config: Config, assignment: str, item: _Prepared,
                   notebooks: list[str]) -> Record:
    """Phase 2 for one submission: nbgrader's Autograde (executions from the cache), then its record."""
    student = item.student
    notes = list(item.notes)
    if item.unusable:
        _score_zero(course, assignment, student)
    else:
        converter = Autograde(coursedir=course.coursedir(assignment_id=assignment, student_id=student),
                              config=config)
        converter.force = True
        converter.create_student = True
        with Gradebook(course.db_url, course.coursedir().course_id) as gradebook:
            _ensure_submission(gradebook, assignment, student)
        with _LogNotes(logging.ERROR) as logged:
            try:
                converter.start()
            except NbGraderException:
                errors = [line for note in logged.notes for line in note.splitlines()[-1:]]
                notes.append(f"nbgrader could not grade the submission ({'; '.join(errors)[:500]}): "
                             "scored 0")
                _score_zero(course, assignment, student)
    record = _record(course, assignment, item, notes, notebooks)
    folder = records_folder(course, assignment)
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".{student}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(asdict(record), indent=1), encoding="utf-8")
    os.replace(temporary, folder / f"{student}.json")
    return record


def _score_zero(course: Course, assignment: str, student: str) -> None:
    """Record a submission nbgrader cannot read as submitted, on time or late, with every grade 0."""
    dest = course.directory("autograded") / student / assignment
    if dest.exists():
        shutil.rmtree(dest)
    timestamp = course.coursedir().get_existing_timestamp(
        str(course.directory("submitted") / student / assignment))
    with Gradebook(course.db_url, course.coursedir().course_id) as gradebook:
        submission = _ensure_submission(gradebook, assignment, student,
                                        timestamp=parse_utc(timestamp) if timestamp else None)
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
        gradebook.db.commit()


def _ensure_submission(gradebook: Gradebook, assignment: str, student: str,
                       **fields: Any) -> SubmittedAssignment:
    """The student's submission in the gradebook (``fields`` set), created with the student if missing.

    nbgrader's ``add_submission`` reads the assignment's notebooks while the new rows are not yet in
    the session, so SQLAlchemy 2 autoflushes and warns (``SAWarning: Object of type
    <SubmittedAssignment> not in session``) about rows nbgrader adds right after. Creating the
    submission with autoflush off avoids the half-made flush; nbgrader's Autograde then finds it.
    """
    gradebook.update_or_create_student(student)
    with gradebook.db.no_autoflush:
        return gradebook.update_or_create_submission(assignment, student, **fields)


def _record(course: Course, assignment: str, item: _Prepared, notes: list[str],
            notebooks: list[str]) -> Record:
    with Gradebook(course.db_url, course.coursedir().course_id) as gradebook:
        submission = gradebook.find_submission(assignment, item.student)
        record = Record(item.student, item.digest, float(submission.score), float(submission.max_score),
                        float(submission.total_seconds_late), notes, awaiting=points_awaiting(submission),
                        flags=item.flags)
    cache = execution_cache(course.root)
    record.execution_seconds = sum(
        execution.seconds for execution in map(cache.get, item.executions) if execution is not None)
    for name in notebooks:
        path = course.directory("autograded") / item.student / assignment / f"{name}.ipynb"
        if path.exists():
            record.failed.update(failed_checks(nbformat.read(path, as_version=4)))
    return record


def failed_checks(nb: nbformat.NotebookNode) -> dict[str, str]:
    """Each autograded test cell of an autograded notebook that failed -> why (the hidden check's
    key and reason, or the error the learner's code raised)."""
    failed = {}
    for cell in nb.cells:
        if not is_autograded_test(cell):
            continue
        errors = [output for output in cell.get("outputs", []) if output.get("output_type") == "error"]
        if errors:
            error = next((e for e in errors if e.get("ename") == FAILED), errors[-1])
            evalue = str(error.get("evalue", "")).splitlines()[0] if error.get("evalue") else ""
            failed[cell.metadata.nbgrader["grade_id"]] = f"{error.get('ename')}: {evalue}"[:300]
    return failed

