"""Collect submissions into nbgrader's ``submitted/<student>/<assignment>/`` with ``timestamp.txt``.

Three kinds of source folder:

- a folder of notebooks or folders named by student: ``FROM/<student>.ipynb`` (one-notebook
  assignments), ``FROM/<student>/<assignment>/*.ipynb`` or ``FROM/<student>/*.ipynb``;
- zip files named by student: ``FROM/<student>.zip`` holding the notebooks (in any sub-folder);
- nbgrader's exchange: ``FROM/<course_id>/inbound/`` (collected by nbgrader's own collector).

A ``timestamp.txt`` next to the notebooks (or inside the zip) gives the submission time; without
one, the newest file's modification time does. A final project's folder ``project/`` beside the
notebooks (or in the zip) is kept whole, without its ``.git``, ``.venv`` and caches.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import parse_utc

from graders.course import Course, CourseError
from graders.project_checks import PROJECT_FOLDER
from healthpath.project import SKIPPED_FOLDERS

TIMESTAMP = "timestamp.txt"
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")
MAX_UNPACKED_BYTES = 500 * 2**20  # a zip that would unpack to more is refused (a zip bomb, or data)


@dataclass
class Collected:
    """What one collection did: students per outcome, and entries it could not use (with why)."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """For the command line: the counts, then the students of each outcome and every entry skipped."""
        outcomes = {"new": self.new, "updated": self.updated, "unchanged": self.unchanged}
        lines = [", ".join(f"{len(students)} {outcome}" for outcome, students in outcomes.items())]
        lines += [f"{outcome}: {', '.join(students)}" for outcome, students in outcomes.items() if students]
        lines += [f"skipped {name}: {reason}" for name, reason in sorted(self.skipped.items())]
        return "\n".join(lines)


def collect(course: Course, assignment: str, source: Path) -> Collected:
    """Copy every student's submission of ``assignment`` from ``source`` into submitted/."""
    course.require_assignment(assignment)
    source = Path(source)
    if not source.is_dir():
        raise CourseError(f"{source} is not a folder: give a folder of notebooks, zip files or "
                          "nbgrader's exchange root")
    if (source / course.coursedir().course_id / "inbound").is_dir():
        return _collect_exchange(course, assignment, source)
    notebooks = _release_notebooks(course, assignment)
    result = Collected()
    for entry in sorted(source.iterdir()):
        if entry.name.startswith("."):
            continue
        student = entry.stem if entry.is_file() else entry.name
        if not STUDENT_ID.match(student):
            result.skipped[entry.name] = ("not a student id (letters, digits, '_', '.', '@', '-'; "
                                          "rename the file or folder to the student's id)")
            continue
        with tempfile.TemporaryDirectory() as unpacked:
            try:
                files = _submission_files(entry, assignment, Path(unpacked))
            except (zipfile.BadZipFile, OSError, ValueError) as error:
                result.skipped[entry.name] = f"cannot be read ({error}); ask the student to resubmit"
                continue
            if files is None:
                result.skipped[entry.name] = "neither a notebook, a zip file nor a folder"
                continue
            _store(course, assignment, student, files, notebooks, result)
    return result


def _release_notebooks(course: Course, assignment: str) -> list[str]:
    release = course.directory("release") / assignment
    names = sorted(p.name for p in release.glob("*.ipynb"))
    if not names:
        raise CourseError(f"{release} has no notebooks: run `healthpath release {assignment}` first")
    return names


def _submission_files(entry: Path, assignment: str, unpacked: Path) -> dict[str, Path] | None:
    """The submission's files by relative path (notebooks, other files, timestamp.txt and a
    project's files under ``project/``)."""
    if entry.is_file() and entry.suffix == ".ipynb":
        return {entry.name: entry}
    if entry.is_file() and entry.suffix == ".zip":
        with zipfile.ZipFile(entry) as archive:
            infos = [info for info in archive.infolist()
                     if not info.is_dir() and "__MACOSX" not in info.filename]
            if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
                raise ValueError(f"it would unpack to more than {MAX_UNPACKED_BYTES // 2**20} MB")
            seen: dict[Path, str] = {}
            for info in infos:
                relative = _kept_path(Path(info.filename))
                if relative is None:
                    continue
                if relative in seen:
                    raise ValueError(f"it holds two files that would both be {relative} "
                                     f"({seen[relative]} and {info.filename}); keep one")
                seen[relative] = info.filename
                target = unpacked / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(info))
                stamp = datetime(*info.date_time).timestamp()
                os.utime(target, (stamp, stamp))
        folder = unpacked
    elif entry.is_dir():
        folder = entry / assignment if (entry / assignment).is_dir() else entry
    else:
        return None
    files = {p.name: p for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")}
    project = folder / PROJECT_FOLDER
    if project.is_dir() and not project.is_symlink():
        for path in sorted(project.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and not path.is_symlink() and _kept_path(relative) == relative:
                files[relative.as_posix()] = path
    return files


def _kept_path(path: Path) -> Path | None:
    """Where a zip member goes: a top-level file by its name, a project's file under project/ with
    its folders (environments, caches and dot-folders but .github dropped); None when not kept."""
    parts = path.parts
    if ".." in parts or path.is_absolute():
        return None
    if PROJECT_FOLDER in parts[:-1]:
        inside = parts[parts.index(PROJECT_FOLDER):]
        if any(part in SKIPPED_FOLDERS or (part.startswith(".") and part not in (".github", ".gitignore"))
               for part in inside):
            return None
        return Path(*inside)
    return None if path.name.startswith(".") else Path(path.name)


def _store(course: Course, assignment: str, student: str, files: dict[str, Path],
           notebooks: list[str], result: Collected) -> None:
    timestamp = _timestamp(files)
    files = {name: path for name, path in files.items() if name != TIMESTAMP}
    submitted = [name for name in files if name.endswith(".ipynb")]
    if len(notebooks) == 1 and len(submitted) == 1 and submitted[0] != notebooks[0]:
        files[notebooks[0]] = files.pop(submitted[0])
    dest = course.directory("submitted") / student / assignment
    new_content = {name: path.read_bytes() for name, path in files.items()}
    if dest.is_dir():
        old_content = {p.relative_to(dest).as_posix(): p.read_bytes() for p in dest.rglob("*")
                       if p.is_file() and p.name != TIMESTAMP}
        old_timestamp = (dest / TIMESTAMP).read_text().strip() if (dest / TIMESTAMP).exists() else None
        if old_content == new_content and old_timestamp == timestamp:
            result.unchanged.append(student)
            return
        shutil.rmtree(dest)
        result.updated.append(student)
    else:
        result.new.append(student)
    dest.mkdir(parents=True)
    for name, content in new_content.items():
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_bytes(content)
    (dest / TIMESTAMP).write_text(timestamp + "\n")


def _timestamp(files: dict[str, Path]) -> str:
    """nbgrader's timestamp text: from timestamp.txt if given, else the newest file's mtime."""
    if TIMESTAMP in files:
        text = files[TIMESTAMP].read_text().strip()
        try:
            when = parse_utc(text)
        except ValueError as error:
            raise CourseError(f"{files[TIMESTAMP]}: {error}; write it as "
                              "'YYYY-MM-DD HH:MM:SS.ffffff UTC'") from None
    else:
        newest = max((p.stat().st_mtime for p in files.values()), default=datetime.now(UTC).timestamp())
        when = datetime.fromtimestamp(newest, UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f UTC")


def _collect_exchange(course: Course, assignment: str, root: Path) -> Collected:
    """nbgrader's own collector (latest submission per student) from exchange ``root``."""
    submitted = course.directory("submitted")
    before = {p.parent.name: (p / TIMESTAMP).read_bytes() if (p / TIMESTAMP).exists() else b""
              for p in submitted.glob(f"*/{assignment}")}
    config = course.config.copy()
    config.Exchange.root = str(root)
    collector = ExchangeCollect(coursedir=course.coursedir(assignment_id=assignment), config=config)
    collector.update = True
    collector.start()
    result = Collected()
    for path in sorted(submitted.glob(f"*/{assignment}")):
        student = path.parent.name
        stamp = (path / TIMESTAMP).read_bytes() if (path / TIMESTAMP).exists() else b""
        if student not in before:
            result.new.append(student)
        elif before[student] != stamp:
            result.updated.append(student)
        else:
            result.unchanged.append(student)
    return result
