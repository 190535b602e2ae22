"""Execute a notebook with its kernel in the sandbox; read back outputs and observations as untrusted data."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import logging
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from graders import sandbox as sandboxing
from graders.runner import notebook_client
from graders.sandbox import Limits
from healthpath import rules
from healthpath.check import CASES_ENV, OBSERVATIONS_ENV, case_file
from healthpath.kernel import TF_LOG_LEVEL

log = logging.getLogger(__name__)

OBSERVATIONS = "observations.jsonl"
# One thread per numerical library in each kernel: grading runs several kernels side by side, and
# BLAS or OpenMP threads that each try to use every core only wait for one another.
KERNEL_THREADS = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
STATUSES = ("ok", "timeout", "memory", "crashed")


@dataclass
class Execution:
    """The result of one run: per-cell ``outputs`` and ``execution_counts`` (None for markdown),
    the kernel's ``observations``, a ``status`` from :data:`STATUSES` with its ``reason``, the
    run's ``seconds``, and ``problems`` met while reading the observations."""

    outputs: list[list[dict[str, Any]] | None]
    execution_counts: list[int | None]
    observations: list[dict[str, Any]]
    status: str
    reason: str
    seconds: float
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (for the execution cache)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Execution:
        """The inverse of :meth:`to_json`."""
        return cls(**data)


def run_notebook(nb: NotebookNode, *, limits: Limits, sandbox: bool = True,
                 cases: dict[str, bytes] | None = None, project: Path | None = None,
                 cwd: str = "") -> Execution:
    """Execute ``nb`` (not modified) with a fresh kernel in a fresh sandbox; read back what it produced.

    ``cases`` (hidden case name -> pickled inputs) are put in the sandbox for ``check.hidden_case``;
    their labels never are. With ``project`` (a folder the run may change: a copy of a final
    project), the kernel also sees that folder, works in its subfolder ``cwd`` and can import its
    ``src/``; what the run writes there stays for the caller to read.

    The notebook client runs here and builds the executed notebook from the kernel's messages; only
    the kernel runs the notebook's code, inside the sandbox. Raises
    :class:`graders.sandbox.SandboxUnavailable` when ``sandbox`` is True and bubblewrap is missing.
    Whatever the notebook does, this returns an :class:`Execution`.
    """
    if sandbox:
        sandboxing.bwrap_path()
    work = Path(tempfile.mkdtemp(prefix="healthpath-run-"))
    try:
        scratch = work / "scratch"
        scratch.mkdir()
        (scratch / "cases").mkdir()
        if project:
            (scratch / "project").mkdir()  # the mount point of the project's folder
        for name, data in (cases or {}).items():
            (scratch / "cases" / case_file(name)).write_bytes(data)
        inside = Path(sandboxing.SCRATCH) if sandbox else scratch
        env = {
            "HOME": str(inside), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "IPYTHONDIR": str(inside / ".ipython"), "JUPYTER_RUNTIME_DIR": str(inside / ".runtime"),
            "MPLCONFIGDIR": str(inside / ".matplotlib"), "MPLBACKEND": "Agg",
            "PYTHONDONTWRITEBYTECODE": "1", "TF_CPP_MIN_LOG_LEVEL": TF_LOG_LEVEL,
            "PYTHONPATH": os.pathsep.join([str(sandboxing.package_root())] + (
                [str(Path(sandboxing.PROJECT if sandbox else project) / "src")] if project else [])),
            OBSERVATIONS_ENV: str(inside / OBSERVATIONS), CASES_ENV: str(inside / "cases"),
            **KERNEL_THREADS,
        }
        executed = _without_outputs(nb)
        with sandboxing.Cgroups(limits) as cgroups, open(work / "kernel.log", "wb") as log_file:
            manager = sandboxing.kernel_manager(scratch, work / "connection.json", env, limits, sandbox,
                                                project, cwd)
            client = notebook_client(executed, cell_timeout=limits.cell_timeout,
                                     max_cell_output=limits.max_cell_output_bytes, km=manager)
            timed_out = threading.Event()

            def stop() -> None:
                timed_out.set()
                cgroups.kill_all()
                process = getattr(manager.provisioner, "process", None)
                if process is not None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)

            watchdog = threading.Timer(limits.notebook_timeout, stop)
            start = time.monotonic()
            watchdog.start()
            ended = None
            try:
                # A fresh event loop for each run, closed after it: a loop kept in this process
                # (nbclient's execute() keeps one per thread) would be shared, epoll and all, with
                # the processes a grading pool forks from it later, and their runs would spin.
                asyncio.run(client.async_execute(
                    cwd=str(project / cwd if project else scratch), stdout=log_file, stderr=log_file,
                    env={"PATH": "/usr/bin:/bin"} if sandbox else env, preexec_fn=cgroups.confine))
            except Exception as error:  # noqa: BLE001 - whatever the kernel does, the run gets a status
                ended = error
            finally:
                watchdog.cancel()
            seconds = time.monotonic() - start
            out_of_memory = cgroups.out_of_memory()
        return _read_back(nb, executed, scratch, limits, seconds=seconds, timed_out=timed_out.is_set(),
                          out_of_memory=out_of_memory, ended=ended, log_path=work / "kernel.log")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _without_outputs(nb: NotebookNode) -> NotebookNode:
    clean = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in clean.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return clean


def _read_back(nb: NotebookNode, executed: NotebookNode, scratch: Path, limits: Limits, *, seconds: float,
               timed_out: bool, out_of_memory: bool, ended: Exception | None, log_path: Path) -> Execution:
    codes = [cell.cell_type == "code" for cell in nb.cells]
    empty = Execution(outputs=[[] if code else None for code in codes],
                      execution_counts=[None] * len(codes), observations=[], status="ok", reason="",
                      seconds=seconds)
    if timed_out:
        return _stopped(empty, "timeout", f"the notebook ran for more than {limits.notebook_timeout} s "
                                          "and was stopped")
    if out_of_memory:
        return _stopped(empty, "memory", f"the notebook used more than {limits.memory_bytes // 2**20} "
                                         "MiB of memory and was stopped")
    observations, problems = read_observations(scratch / OBSERVATIONS, limits.max_observation_bytes)
    result = Execution(
        outputs=[_clean_outputs(cell.get("outputs", [])) if code else None
                 for cell, code in zip(executed.cells, codes)],
        execution_counts=[cell.get("execution_count") if code else None
                          for cell, code in zip(executed.cells, codes)],
        observations=observations, status="ok", reason="", seconds=seconds, problems=problems)
    if ended is not None:
        result.status, result.reason = "crashed", _crash_reason(ended, log_path)
    return result


def _stopped(execution: Execution, status: str, reason: str) -> Execution:
    execution.status, execution.reason = status, reason
    return execution


def _crash_reason(error: Exception, log_path: Path) -> str:
    """Why the run ended early: the client's error and the last line the kernel wrote (untrusted)."""
    with open(log_path, "rb") as handle:
        handle.seek(max(0, os.fstat(handle.fileno()).st_size - 2000))
        tail = handle.read().decode("utf-8", errors="replace")
    last = [line for line in tail.splitlines() if line.strip()][-1:] or ["no message"]
    return f"the notebook's kernel stopped before the end ({type(error).__name__}: {error}): {last[0][:300]}"


def _read_capped(path: Path, cap: int) -> str:
    """Read a regular file written by untrusted code: no symlinks, FIFOs or devices, at most ``cap``."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ValueError(f"{path.name} is not a regular file")
        data = handle.read(cap + 1)
    if len(data) > cap:
        raise ValueError(f"{path.name} is larger than {cap} bytes")
    return data.decode("utf-8")


def _clean_outputs(outputs: Any) -> list[dict[str, Any]]:
    """Outputs as plain, valid nbformat output dicts (anything else is dropped)."""
    clean = []
    for output in outputs if isinstance(outputs, list) else []:
        try:
            node = nbformat.from_dict(json.loads(json.dumps(output)))
            nbformat.validator.validate(node, ref="output", version=4)
        except (ValueError, TypeError, nbformat.ValidationError):
            continue
        clean.append(json.loads(json.dumps(node)))
    return clean


def read_observations(path: Path, cap: int) -> tuple[list[dict[str, Any]], list[str]]:
    """Well-formed observation lines of ``path`` and a list of problems (malformed lines, size)."""
    try:
        text = _read_capped(path, cap)
    except FileNotFoundError:
        return [], []
    except (OSError, ValueError, UnicodeDecodeError) as error:
        return [], [f"the observations were not read: {error}"]
    observations, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            item = json.loads(line)
            if not (isinstance(item, dict) and isinstance(item.get("key"), str)
                    and isinstance(item.get("record"), dict)):
                raise ValueError("it lacks a string 'key' or a 'record'")
            observations.append({"key": item["key"], "record": item["record"],
                                 "rule": rules.validate(item.get("rule")),
                                 "cell": item.get("cell") if type(item.get("cell")) is int else None})
        except (ValueError, TypeError) as error:
            problems.append(f"observation line {number} is malformed: {str(error)[:100]}")
    return observations, problems


@functools.lru_cache
def run_digest(limits: Limits) -> str:
    """sha256 of what, beside the notebook and its hidden cases, determines a run: the limits, the
    kernel's thread settings, the pinned environment (``constraints.txt``), the data
    (``datasets/SHA256SUMS``) and the course package's code."""
    root = sandboxing.package_root()
    digest = hashlib.sha256(json.dumps([asdict(limits), KERNEL_THREADS]).encode())
    files = [root / "constraints.txt", root / "datasets" / "SHA256SUMS",
             *sorted((root / "healthpath").rglob("*.py"))]
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"(missing)")
    return digest.hexdigest()


def cache_key(nb: NotebookNode, context: str = "") -> str:
    """sha256 of the notebook's cell ids, types and sources and of ``context``: the digests of its
    hidden cases and of the run's settings (:func:`run_digest`), all that determines an execution."""
    digest = hashlib.sha256(context.encode())
    for cell in nb.cells:
        digest.update(json.dumps([cell.get("id"), cell.cell_type, cell.source]).encode("utf-8"))
    return digest.hexdigest()


class ExecutionCache:
    """Executions stored as JSON under ``folder`` (e.g. ``<course>/nbgrader_work/executions``)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def get(self, key: str) -> Execution | None:
        """The stored execution for ``key``, or None."""
        path = self.folder / f"{key}.json"
        if not path.exists():
            return None
        return Execution.from_json(json.loads(path.read_text(encoding="utf-8")))

    def put(self, key: str, execution: Execution) -> None:
        """Store ``execution`` atomically (a kill never leaves half a file)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{key}.{os.getpid()}.tmp"
        temporary.write_text(json.dumps(execution.to_json()), encoding="utf-8")
        os.replace(temporary, self.folder / f"{key}.json")

