"""Overhead of the grading sandbox: the same submissions run with and without bubblewrap.

    .venv/bin/python benchmarks/sandbox.py [--repeats 3]

Runs each submission of the minicourse pilot (the reference solution and a wrong one) through
graders.execute.run_notebook, alternating sandboxed and unconfined runs, prints the median wall
time of each and writes benchmarks/sandbox.md. Goal: under 10 % overhead.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import statistics
import sys
from pathlib import Path

import nbformat

from graders.execute import run_notebook
from graders.sandbox import Limits

ROOT = Path(__file__).resolve().parent.parent
PILOT = ROOT / "tests" / "fixtures" / "minicourse" / "source" / "pilot" / "pilot.ipynb"
REPORT = Path(__file__).with_suffix(".md")


def submissions() -> dict[str, nbformat.NotebookNode]:
    """The notebooks to time: the pilot's solution, and the same with a failing answer."""
    solution = nbformat.read(PILOT, as_version=4)
    wrong = nbformat.read(PILOT, as_version=4)
    for cell in wrong.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "ex1-solution":
            cell.source = "def bmi(weight_kg, height_m):\n    return weight_kg / height_m"
    return {"pilot solution": solution, "pilot, wrong bmi": wrong}


def main(argv: list[str] | None = None) -> int:
    """Time every submission ``--repeats`` times each way; print and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    logging.getLogger("graders.sandbox").setLevel(logging.ERROR)
    limits = Limits()
    load_start = os.getloadavg()[0]
    rows = []
    for name, nb in submissions().items():
        times: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(args.repeats):
            for sandboxed in (True, False):
                execution = run_notebook(nb, limits=limits, sandbox=sandboxed)
                if execution.status != "ok":
                    raise SystemExit(f"{name}: the run failed ({execution.status}: {execution.reason})")
                times[sandboxed].append(execution.seconds)
        with_, without = statistics.median(times[True]), statistics.median(times[False])
        rows.append((name, without, with_, 100 * (with_ - without) / without))
        print(f"{name:20s} unconfined {without:6.2f} s  sandboxed {with_:6.2f} s  "
              f"overhead {rows[-1][3]:+5.1f} %", flush=True)
    lines = [
        "# Grading sandbox overhead",
        "",
        "Produced by `benchmarks/sandbox.py`: each submission is executed by `graders.execute.run_notebook`",
        f"{args.repeats} times in the bubblewrap sandbox and {args.repeats} times unconfined, alternating; "
        "the table gives median wall-clock seconds per notebook (kernel start, all cells, read-back).",
        "",
        f"Machine: {platform.machine()}, {platform.system()} {platform.release()}, Python "
        f"{sys.version.split()[0]}, {os.cpu_count()} cores; load average {load_start:.1f} at the start "
        f"of the run and {os.getloadavg()[0]:.1f} at its end (other work shares the machine: compare "
        "the two columns, not absolute times).",
        "",
        "| submission | unconfined (s) | sandboxed (s) | overhead |",
        "|---|---:|---:|---:|",
        *(f"| {name} | {without:.2f} | {with_:.2f} | {overhead:+.1f} % |"
          for name, without, with_, overhead in rows),
        "",
        "Goal: under 10 %. The sandbox adds namespace and mount setup (tens of milliseconds) and the "
        "cgroup bookkeeping; the kernel's start-up and the cells dominate.",
        "",
    ]
    REPORT.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
