"""Reference observations: what the assignment's source notebook (its solution) records.

The source notebook runs in the same sandbox as a submission, with the same hidden cases; its
observations, attributed to test cells by execution count, are the expected values and the rules
that judge them, kept with the hidden cases' labels. They are cached under
``<course>/nbgrader_work/reference/<sha256 of the source notebook and the hidden cases>.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import nbformat

from graders.execute import run_digest, run_notebook
from graders.hidden_cases import HiddenCases
from graders.sandbox import Limits
from graders.verdict import attribute


class ReferenceFailed(RuntimeError):
    """The reference solution could not be run to the end; nothing can be graded against it."""


@dataclass
class Reference:
    """Observations per test cell ``grade_id`` of one source notebook, authoring problems, and the
    hidden cases' labels (case -> field -> record) that metric rules score against."""

    source_sha256: str
    cells: dict[str, list[dict[str, Any]]]
    problems: list[str]
    truth: dict[str, dict[str, Any]]


def cache_folder(course_root: Path) -> Path:
    """Where references are cached for the course at ``course_root``."""
    return Path(course_root) / "nbgrader_work" / "reference"


def cache_path(source: Path, course_root: Path, cases: HiddenCases, limits: Limits) -> Path:
    """Where the reference of ``source`` run with ``cases`` and ``limits`` is cached (keyed by the
    run's settings too, :func:`graders.execute.run_digest`)."""
    digest = hashlib.sha256(Path(source).read_bytes() + b"\0" + cases.digest.encode()
                            + run_digest(limits).encode()).hexdigest()
    return cache_folder(course_root) / f"{digest}.json"


def load_or_compute(source: Path, course_root: Path, cases: HiddenCases, *, limits: Limits,
                    sandbox: bool = True) -> Reference:
    """The reference of source notebook ``source`` given the hidden ``cases``, from the cache or by
    running it.

    Raises :class:`ReferenceFailed` when the solution's run times out, runs out of memory or
    crashes.
    """
    data = Path(source).read_bytes()
    cached = cache_path(source, course_root, cases, limits)
    if cached.exists():
        return Reference(**json.loads(cached.read_text(encoding="utf-8")))
    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    execution = run_notebook(nb, limits=limits, sandbox=sandbox, cases=cases.inputs)
    if execution.status != "ok":
        raise ReferenceFailed(f"{source}: the reference solution could not be run ({execution.status}: "
                              f"{execution.reason}); fix the source notebook, then grade again.")
    cells, problems = attribute(nb, execution)
    reference = Reference(source_sha256=hashlib.sha256(data).hexdigest(), cells=cells, problems=problems,
                          truth=cases.truth)
    cached.parent.mkdir(parents=True, exist_ok=True)
    temporary = cached.with_name(f".{cached.stem}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(asdict(reference)), encoding="utf-8")
    os.replace(temporary, cached)
    return reference
