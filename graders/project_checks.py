"""A final project's automatic points: the project checker's items, judged by the grader.

A project assignment's notebook (the cover notebook of ``source/09-final-project/``) has one
autograded test cell per item of ``./course check-project`` (metadata ``healthpath.checker_item``:
``"a"`` to ``"f"``). The learner hands the project in beside the notebook, in the folder
:data:`PROJECT_FOLDER`. The grader runs the checker on it (the project's notebooks in the grading
sandbox, the items read outside it) and each such cell earns its points iff its item passes: no
value the learner's kernel records counts for these cells. Results are cached by the digest of the
project's files and of the checker's code.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

from graders.execute import run_digest
from graders.sandbox import Limits
from healthpath import project

PROJECT_FOLDER = "project"


def checker_item(cell: NotebookNode) -> str | None:
    """The checker item (``"a"``...``"f"``) whose verdict is this cell's, or None."""
    return cell.get("metadata", {}).get("healthpath", {}).get("checker_item")


def has_checker_cells(nb: NotebookNode) -> bool:
    """Whether any cell of ``nb`` takes its verdict from the project checker."""
    return any(checker_item(cell) for cell in nb.cells)


def digest(folder: Path) -> str:
    """sha256 of every file the checker would copy from ``folder`` and of what else decides the
    check: the checker's code, the environment and the data (:func:`graders.execute.run_digest`)."""
    hashed = hashlib.sha256(run_digest(Limits()).encode())
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part in project.SKIPPED_FOLDERS for part in relative.parts) or path.is_dir():
            continue
        hashed.update(str(relative).encode() + b"\0")
        hashed.update(os.readlink(path).encode() if path.is_symlink() else path.read_bytes())
    return hashed.hexdigest()


def check(folder: Path, cache: Path) -> dict[str, dict[str, Any]]:
    """The checker's items for the project in ``folder``, as item key -> item (``passed``, ``why``,
    ``fix``...); every item fails, saying why, when there is no project to check."""
    if not folder.is_dir():
        return _all_failed(f"no {PROJECT_FOLDER}/ folder was handed in beside the notebook",
                           f"put your project (made by ./course new-project) in {PROJECT_FOLDER}/ beside "
                           "this notebook and hand both in")
    path = cache / f"{digest(folder)}.json"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    try:
        items = {item.key: asdict(item) for item in project.check_project(folder)}
    except project.ProjectError as error:
        items = _all_failed(f"the project could not be read: {error}", "fix it and check it with "
                            f"./course check-project {PROJECT_FOLDER}")
    cache.mkdir(parents=True, exist_ok=True)
    temporary = cache / f".{path.name}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(items), encoding="utf-8")
    os.replace(temporary, path)
    return items


def _all_failed(why: str, fix: str) -> dict[str, dict[str, Any]]:
    return {key: {"key": key, "title": "", "passed": False, "why": why, "fix": fix, "required": True}
            for key in project.ITEM_KEYS}


def failure(key: str, checked: dict[str, dict[str, Any]] | None) -> str | None:
    """Why a checker cell for item ``key`` fails (None when its item passes)."""
    if checked is None:
        return "the project checker did not run for this submission (a grading error)"
    item = checked.get(key)
    if item is None:
        return f"the project checker has no item ({key})"
    if item["passed"]:
        return None
    fix = f"; fix: {item['fix']}" if item["fix"] else ""
    return f"check-project item ({key}) fails: {item['why']}{fix}"
