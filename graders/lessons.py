"""Execute the lesson notebooks of modules/ as a learner would, and hold them to their budgets.

Each lesson runs top to bottom in a fresh kernel, offline (bubblewrap gives it a network namespace
of its own: loopback only), with the notebook's folder as working directory. Wall time covers the
kernel's start to the end of the last cell; peak memory is the largest sampled total RSS of the
kernel's process tree. A lesson fails when a cell raises or when it exceeds its budget:
:data:`BUDGET_SECONDS` (lessons that train a network, :data:`DEEP_LEARNING_LESSONS`:
:data:`DEEP_LEARNING_SECONDS`) and :data:`BUDGET_BYTES`; a notebook may set a lower time in its
metadata ``healthpath.budget_seconds``.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil

from healthpath.project import first_error

BUDGET_SECONDS = 60
DEEP_LEARNING_SECONDS = 90
# The lessons that train a neural network on images or signals: the deep-learning module's and
# module 8's chest-film project (as module/file patterns).
DEEP_LEARNING_LESSONS = ("06-deep-learning/*", "08-real-world-projects/02-chest-film-classifier.ipynb")
BUDGET_BYTES = int(1.5 * 2**30)
# Where `./course lessons` and the lesson tests keep the executed lessons (under the course's root),
# one <module>/<lesson>.ipynb each: the course site (`./course site`) renders them.
EXECUTED_FOLDER = Path("build") / "executed"
SAMPLE_SECONDS = 0.1
# A lesson over its time is stopped at this multiple of its budget (it has failed already).
STOP_FACTOR = 2


class LessonSetupError(RuntimeError):
    """A lesson cannot be run here (bubblewrap missing, or a budget in metadata is not usable)."""


@dataclass
class LessonRun:
    """One lesson's run: its figures, its budget and, when a cell failed, which one and why."""

    path: Path
    seconds: float
    peak_bytes: int
    budget_seconds: float
    budget_bytes: int
    error: str | None = None

    @property
    def problems(self) -> list[str]:
        """Why the lesson fails (an error, time or memory over budget); empty when it passes."""
        problems = [self.error] if self.error else []
        if self.seconds > self.budget_seconds:
            problems.append(f"it ran for {self.seconds:.1f} s, over its budget of {self.budget_seconds:g} s")
        if self.peak_bytes > self.budget_bytes:
            problems.append(f"its kernel used {self.peak_bytes / 2**30:.2f} GB at peak, over its budget of "
                            f"{self.budget_bytes / 2**30:g} GB")
        return problems


def lesson_notebooks(root: Path) -> list[Path]:
    """Every lesson notebook: ``modules/<module>/*.ipynb`` under the course ``root``."""
    return sorted(p for p in (Path(root) / "modules").glob("*/*.ipynb"))


def budget_seconds(path: Path, nb: nbformat.NotebookNode) -> float:
    """The lesson's time budget: the default for its module, or a lower one from its metadata."""
    deep = any(fnmatch.fnmatch(f"{path.parent.name}/{path.name}", p) for p in DEEP_LEARNING_LESSONS)
    default = DEEP_LEARNING_SECONDS if deep else BUDGET_SECONDS
    declared = nb.metadata.get("healthpath", {}).get("budget_seconds")
    if declared is None:
        return default
    if type(declared) not in (int, float) or not 0 < declared <= default:
        raise LessonSetupError(f"{path}: metadata healthpath.budget_seconds is {declared!r}; it may only "
                               f"lower the budget: give a number of seconds in (0, {default}] or remove it")
    return float(declared)


def run_lesson(path: Path, environment: dict[str, str] | None = None, keep: Path | None = None) -> LessonRun:
    """Execute the lesson at ``path`` in a fresh, offline kernel and measure it; ``environment``
    adds to the kernel's environment variables (e.g. a learner edition's HEALTHPATH_ROOT). With
    ``keep``, the executed notebook (its outputs and figures) is copied there, for the course site
    (:mod:`graders.site`) to render without running the lesson again."""
    path = Path(path).resolve()
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise LessonSetupError("bubblewrap (bwrap) is needed to run lessons offline: install it with "
                               "`apt-get install bubblewrap` (or run `./course test`, which does)")
    nb = nbformat.read(path, as_version=4)
    seconds = budget_seconds(path, nb)
    with tempfile.TemporaryDirectory(prefix="healthpath-lesson-") as folder:
        executed = Path(folder) / "executed.ipynb"
        command = [bwrap, "--unshare-net", "--dev-bind", "/", "/", "--die-with-parent",
                   "--chdir", str(path.parent), "--",
                   sys.executable, "-m", "graders.runner", str(path), str(executed),
                   "--cell-timeout", str(int(seconds * STOP_FACTOR))]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, **(environment or {})})
        peak = _PeakMemory(process.pid)
        peak.start()
        try:
            _, stderr = process.communicate(timeout=seconds * STOP_FACTOR + 30)
        except subprocess.TimeoutExpired:
            _kill_tree(process)
            _, stderr = process.communicate()
            stderr = f"stopped after {seconds * STOP_FACTOR + 30:g} s"
        elapsed = time.perf_counter() - started
        peak.stop()
        done = nbformat.read(executed, as_version=4) if executed.exists() else None
        error = first_error(done, evalue_chars=500) if done is not None else (
            f"the run did not finish: {stderr.strip().splitlines()[-1] if stderr.strip() else 'no message'}")
        if keep is not None and executed.exists():
            keep_copy(executed, Path(keep))
    return LessonRun(path, elapsed, peak.bytes, seconds, BUDGET_BYTES, error)


def executed_copy(executed_folder: Path, lesson: Path) -> Path:
    """Where the executed copy of ``lesson`` is kept under ``executed_folder``:
    ``<module>/<lesson>.ipynb`` (the course's default folder is :data:`EXECUTED_FOLDER`)."""
    return Path(executed_folder) / Path(lesson).parent.name / Path(lesson).name


def keep_copy(executed: Path, destination: Path) -> None:
    """Copy ``executed`` to ``destination`` whole or not at all (a reader never sees half a file)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.{threading.get_ident()}.partial")
    shutil.copyfile(executed, partial)
    os.replace(partial, destination)


class _PeakMemory(threading.Thread):
    """Samples the total RSS of the kernel's process tree (the processes below the runner)."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.bytes = 0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(SAMPLE_SECONDS):
            total = 0
            try:
                for process in self.root.children(recursive=True):
                    if "graders.runner" not in " ".join(process.cmdline()) and process.name() != "bwrap":
                        total += process.memory_info().rss
            except psutil.Error:
                continue  # a process ended while being sampled
            self.bytes = max(self.bytes, total)

    def stop(self) -> None:
        self._done.set()
        self.join()


def _kill_tree(process: subprocess.Popen) -> None:
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.Error:
        children = []
    for child in [*children, process]:
        try:
            child.kill()
        except (psutil.Error, ProcessLookupError):
            pass


def run_lessons(paths: list[Path], workers: int = 2, keep_in: Path | None = None) -> list[LessonRun]:
    """Run ``paths`` with ``workers`` lessons at a time; results in the order of ``paths``. With
    ``keep_in``, each executed lesson (a notebook in ``modules/<module>/``) is kept there as
    ``<module>/<lesson>.ipynb``."""

    def run(path: Path) -> LessonRun:
        lesson = keep_in is not None and Path(path).resolve().parent.parent.name == "modules"
        return run_lesson(path, keep=executed_copy(keep_in, path) if lesson else None)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(run, paths))


def report(runs: list[LessonRun], root: Path, workers: int) -> str:
    """A markdown table of the runs (paths relative to the course ``root``)."""
    lines = [
        "# Lesson execution", "",
        f"Every lesson in `modules/`, executed top to bottom in a fresh offline kernel, {workers} at a "
        f"time on a {psutil.cpu_count()}-core machine with {psutil.virtual_memory().total / 2**30:.0f} GiB "
        "(`./course lessons`). Peak memory is the kernel's process tree (sampled every "
        f"{SAMPLE_SECONDS:g} s).", "",
        "| lesson | wall time (s) | budget (s) | peak memory (MB) | budget (MB) | result |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        result = "ok" if not run.problems else "FAIL: " + "; ".join(run.problems).replace("|", "\\|")
        lines.append(f"| {run.path.relative_to(root)} | {run.seconds:.1f} | {run.budget_seconds:g} | "
                     f"{run.peak_bytes / 2**20:.0f} | {run.budget_bytes / 2**20:.0f} | {result} |")
    total = sum(run.seconds for run in runs)
    lines += ["", f"{len(runs)} lessons, {total:.0f} s of lesson time in all, "
                  f"{sum(not run.problems for run in runs)} within budget.", ""]
    return "\n".join(lines)
