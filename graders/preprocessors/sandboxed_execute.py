"""``SandboxedExecute``: nbgrader's Execute replaced by a sandboxed run and outside verdicts."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool

from graders import hidden_cases, project_checks, reference, verdict
from graders.execute import Execution, ExecutionCache, cache_key, run_digest, run_notebook
from graders.sandbox import Sandbox, SandboxUnavailable, bwrap_path


def execution_cache(course_root: Path) -> ExecutionCache:
    """The course's cache of sandboxed executions."""
    return ExecutionCache(Path(course_root) / "nbgrader_work" / "executions")


def use_bwrap(settings: Sandbox) -> bool:
    """True when bubblewrap is there; False (after a warning) when it is missing and not required."""
    try:
        bwrap_path()
        return True
    except SandboxUnavailable:
        if settings.required:
            raise
        return False


class SandboxedExecute(NbGraderPreprocessor):
    """Execute the prepared notebook in the sandbox (or take the cached execution), copy only the
    outputs back, and judge every autograded test cell against the reference observations.

    The verdicts go to ``resources["healthpath"]["verdicts"]`` (for SaveVerifiedGrades) and a
    failed cell gets a ``HiddenCheckFailed`` error output.
    """

    require_cached = Bool(False, help="Fail instead of running a notebook whose execution is not in "
                                      "the cache (`healthpath grade` runs every execution first)."
                          ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        """Run (or look up) ``nb``, copy its outputs onto ``nb`` and judge its test cells."""
        settings = Sandbox(parent=self)
        coursedir = CourseDirectory(parent=self)
        root = Path(coursedir.root).resolve()
        assignment, notebook = resources["nbgrader"]["assignment"], resources["nbgrader"]["notebook"]
        sandbox = use_bwrap(settings)
        folder = Path(coursedir.format_path(coursedir.source_directory, ".", assignment))
        cases = hidden_cases.build(root, folder)
        cache = execution_cache(root)
        key = cache_key(nb, cases.digest + run_digest(settings.limits()))
        execution = cache.get(key)
        if execution is None and self.require_cached:
            raise CachedExecutionMissing(
                f"{assignment}/{notebook}: the prepared notebook differs from the one executed before "
                "(a grading error: the sanitize steps gave another notebook); nothing was run again")
        if execution is None:
            execution = run_notebook(nb, limits=settings.limits(), sandbox=sandbox, cases=cases.inputs)
            cache.put(key, execution)
        expected = reference.load_or_compute(folder / f"{notebook}.ipynb", root, cases,
                                             limits=settings.limits(), sandbox=sandbox)
        checked = None
        if project_checks.has_checker_cells(nb):  # a final project: its checker's items, outside the kernel
            submitted = coursedir.format_path(coursedir.submitted_directory, resources["nbgrader"]["student"],
                                              assignment)
            checked = project_checks.check(Path(submitted) / project_checks.PROJECT_FOLDER,
                                           root / "nbgrader_work" / "projects")
        copy_outputs(nb, execution)
        verdicts = verdict.judge(nb, execution, expected.cells, expected.truth, checked)
        verdict.annotate(nb, verdicts)
        if execution.status != "ok":
            self.log.error("%s/%s: %s", assignment, notebook, execution.reason)
        resources["healthpath"] = {"status": execution.status, "reason": execution.reason,
                                   "verdicts": {v.grade_id: asdict(v) for v in verdicts}}
        return nb, resources


class CachedExecutionMissing(RuntimeError):
    """Phase 2 of ``healthpath grade`` found no execution for a notebook phase 1 prepared."""


def copy_outputs(nb: NotebookNode, execution: Execution) -> None:
    """Copy the execution's outputs and counts onto the trusted ``nb`` (sources stay trusted)."""
    for cell, outputs, count in zip(nb.cells, execution.outputs, execution.execution_counts):
        if cell.cell_type == "code":
            cell.outputs = [nbformat.from_dict(output) for output in outputs or []]
            cell.execution_count = count
