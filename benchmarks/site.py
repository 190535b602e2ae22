"""Time building the course site and a portfolio; print a table, write site.md.

Run: ``.venv/bin/python benchmarks/site.py`` after ``./course lessons`` (the course site is built
from the executed lessons it keeps in build/executed/; a lesson without a current copy would be run
first, which this benchmark refuses, so that it times the build alone). The portfolio is the one
of module 9's worked example project, as saved with its outputs.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from graders.lessons import EXECUTED_FOLDER, executed_copy, lesson_notebooks
from graders.site import build_course_site
from healthpath.portfolio import build_portfolio
from healthpath.publish import sources

ROOT = Path(__file__).resolve().parent.parent
REPORT = Path(__file__).with_name("site.md")
EXAMPLE = ROOT / "modules" / "09-final-project" / "examples" / "heart-rule-out"


def folder_sizes(site: Path) -> dict[str, int]:
    """Bytes per top-level part of a built site."""
    sizes: dict[str, int] = {}
    for path in site.rglob("*"):
        if path.is_file():
            part = path.relative_to(site).parts[0] if len(path.relative_to(site).parts) > 1 else "(pages)"
            sizes[part] = sizes.get(part, 0) + path.stat().st_size
    return sizes


def main() -> int:
    stale = [lesson for lesson in lesson_notebooks(ROOT)
             if not executed_copy(ROOT / EXECUTED_FOLDER, lesson).is_file()
             or sources(nbformat.read(executed_copy(ROOT / EXECUTED_FOLDER, lesson), as_version=4))
             != sources(nbformat.read(lesson, as_version=4))]
    if stale:
        print(f"{len(stale)} lessons have no current executed copy (e.g. {stale[0].relative_to(ROOT)}); "
              "run ./course lessons first", file=sys.stderr)
        return 1
    rows, parts = [], {}
    with tempfile.TemporaryDirectory() as scratch:
        for jobs in (1, 2):
            started = time.perf_counter()
            built = build_course_site(ROOT, Path(scratch) / f"site-{jobs}", jobs=jobs, log=lambda _: None)
            rows.append((f"course site (`./course site --jobs {jobs}`)", built.pages,
                         time.perf_counter() - started, built.bytes))
            parts = folder_sizes(built.out)
        started = time.perf_counter()
        built = build_portfolio([EXAMPLE], Path(scratch) / "portfolio")
        rows.append(("portfolio of the worked example (`./course portfolio`)", built.pages,
                     time.perf_counter() - started, built.bytes))
    lines = [
        "# Site builds", "",
        f"Sphinx, MyST-NB and sphinx-book-theme (healthpath/publish.py) on {platform.platform()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; notebooks rendered from their "
        f"stored outputs ({len(lesson_notebooks(ROOT))} lessons from build/executed/). "
        "`.venv/bin/python benchmarks/site.py`.", "",
        "| site | pages | build (s) | size (MB) |", "| --- | ---: | ---: | ---: |",
        *[f"| {name} | {pages} | {secs:.1f} | {size / 2**20:.1f} |" for name, pages, secs, size in rows],
        "",
        "The course site by part (MB): " + ", ".join(
            f"{part} {size / 2**20:.1f}" for part, size in sorted(parts.items(), key=lambda item: -item[1])),
        "",
    ]
    report = "\n".join(lines)
    REPORT.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
