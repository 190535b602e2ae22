"""Grading throughput: plain ``nbgrader autograde`` (serial, unsandboxed) against ``healthpath grade``
(sandboxed, parallel) on the same synthetic submissions, for two workloads:

- the miniature course's pilot: a tiny notebook, so the graders' own overhead dominates;
- a module's assignment: its solution, its unmodified release and every mutant of its
  ``mutants.yml`` (the gate's submissions), so the notebooks' own execution dominates.

    .venv/bin/python benchmarks/grading.py [--copies 12] [--assignment 01-python-fundamentals]
                                           [--workers 2] [--rounds 3]

Prints the figures and writes benchmarks/grading.md. Each round grades fresh copies with both graders
in turn; the report gives the median wall times. Overhead is counted in CPU seconds of the whole
machine (Linux's /proc/stat), since two parallel workers fill each other's idle waits: what a
grader spends per submission beyond "the notebook's own execution", nbclient running each prepared
notebook once, serially, in this process's environment with no sandbox.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "minicourse"
KINDS = ("ada", "ben", "cleo", "hal")  # correct, partly correct, blank, edited cells
TIMESTAMP = "2026-02-27 10:00:00.000000 UTC\n"


@dataclass
class Workload:
    """Submissions (student -> notebook name -> notebook) of ``assignment`` in a course like ``course``."""

    title: str
    course: Path
    assignment: str
    submissions: dict[str, dict[str, nbformat.NotebookNode]]


def pilot(copies: int) -> Workload:
    """``copies`` variants of the fixture submissions, each made distinct by a comment."""
    submissions = {}
    for number in range(copies):
        kind = KINDS[number % len(KINDS)]
        nb = nbformat.read(FIXTURE / "submissions" / kind / "pilot" / "pilot.ipynb", as_version=4)
        solution = next(cell for cell in nb.cells
                        if cell.metadata.get("nbgrader", {}).get("grade_id") == "ex1-solution")
        solution.source += f"\n# submission {number}\n"
        submissions[f"s{number:02d}-{kind}"] = {"pilot": nb}
    return Workload(f"{copies} variants of the miniature course's pilot (correct, partly correct, blank "
                    "and edited fixture submissions)", FIXTURE, "pilot", submissions)


def module_assignment(assignment: str, folder: Path) -> Workload:
    """The gate's submissions of one of the course's assignments."""
    from graders.commands.release import release
    from graders.course import open_course
    from graders.gate import gate_submissions, temporary_course

    (folder / "released").mkdir()
    course = temporary_course(open_course(ROOT), folder / "released")
    release(course, assignment)
    submissions, _, _ = gate_submissions(course, assignment, course.directory("release") / assignment)
    return Workload(f"{len(submissions)} submissions of `{assignment}`: its solution, its unmodified release "
                    "and one per mutant in its mutants.yml", ROOT, assignment, submissions)


def make_course(workload: Workload, folder: Path, stock: bool) -> Path:
    """A fresh course holding the workload's assignment (released) and submissions; ``stock``: with
    nbgrader's default settings (the same header notebook and cell timeout), no pipeline."""
    course = folder / ("stock" if stock else "pipeline")
    course.mkdir()
    source = course / "source"
    shutil.copytree(workload.course / "source" / workload.assignment, source / workload.assignment,
                    ignore=shutil.ignore_patterns("mutants.yml"))
    config = (workload.course / "nbgrader_config.py").read_text()
    header = workload.course / "source" / "header.ipynb"
    if header.exists():
        shutil.copy2(header, source / "header.ipynb")
    if stock:
        config = ('c = get_config()  # noqa: F821\nc.CourseDirectory.course_id = "bench"\n'
                  'c.Execute.timeout = 300\n'
                  + ('c.IncludeHeaderFooter.header = "source/header.ipynb"\n' if header.exists() else ""))
    (course / "nbgrader_config.py").write_text(config)
    nbgrader(course, "generate_assignment", workload.assignment)
    for student, notebooks in workload.submissions.items():
        dest = course / "submitted" / student / workload.assignment
        dest.mkdir(parents=True)
        for name, nb in notebooks.items():
            nbformat.write(nb, dest / f"{name}.ipynb")
        (dest / "timestamp.txt").write_text(TIMESTAMP)
    return course


def nbgrader(course: Path, *args: str) -> float:
    """Run the nbgrader command line in ``course``; its wall time in seconds."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    start = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "nbgrader"), *args], cwd=course, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot, all cores (idle and iowait excluded)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def own_execution(course: Path, assignment: str) -> tuple[int, float]:
    """How many autograded (prepared) notebooks there are, and the CPU seconds nbclient takes to
    execute them all, one after the other, unsandboxed."""
    paths = sorted((course / "autograded").glob(f"*/{assignment}/*.ipynb"))
    start = busy_seconds()
    for path in paths:
        NotebookClient(nbformat.read(path, as_version=4), timeout=300, allow_errors=True,
                       kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    return len(paths), busy_seconds() - start


def measure(workload: Workload, workers: int, rounds: int) -> list[str]:
    """Grade the workload ``rounds`` times with both graders; the report's section on it."""
    from graders.autograde import grade
    from graders.course import open_course

    n = len(workload.submissions)
    load = os.getloadavg()[0]
    stock_times, pipeline_times, stock_cpu, pipeline_cpu = [], [], [], []
    for round_number in range(rounds):  # alternated, so that a change of load hits both graders
        with tempfile.TemporaryDirectory(prefix="grading-bench-") as temporary:
            stock = make_course(workload, Path(temporary), stock=True)
            cpu = busy_seconds()
            stock_times.append(nbgrader(stock, "autograde", workload.assignment))
            stock_cpu.append(busy_seconds() - cpu)
            course = open_course(make_course(workload, Path(temporary), stock=False))
            cpu, start = busy_seconds(), time.perf_counter()
            run = grade(course, workload.assignment, workers=workers, progress=False)
            pipeline_times.append(time.perf_counter() - start)
            pipeline_cpu.append(busy_seconds() - cpu)
            assert len(run.graded) == n and run.executed == n, run
            print(f"{workload.assignment} round {round_number + 1}: nbgrader autograde "
                  f"{stock_times[-1]:.1f} s, healthpath grade {pipeline_times[-1]:.1f} s, "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)
            if round_number == rounds - 1:
                executed, own_cpu = own_execution(course.root, workload.assignment)
    stock_seconds, pipeline_seconds = statistics.median(stock_times), statistics.median(pipeline_times)
    stock_rate, pipeline_rate = 60 * n / stock_seconds, 60 * n / pipeline_seconds
    own = own_cpu / executed
    stock_per, pipeline_per = statistics.median(stock_cpu) / n, statistics.median(pipeline_cpu) / n
    return [
        f"## {workload.assignment}",
        "",
        f"{workload.title}, graded from scratch by both in {rounds} alternated rounds (median wall time; "
        f"rounds: nbgrader {', '.join(f'{t:.1f}' for t in stock_times)} s, healthpath "
        f"{', '.join(f'{t:.1f}' for t in pipeline_times)} s; load average {load:.1f} at the start).",
        "",
        "| grader | wall time (s) | submissions per minute | CPU s per submission |",
        "|---|---:|---:|---:|",
        f"| `nbgrader autograde` (serial, no sandbox) | {stock_seconds:.1f} | {stock_rate:.1f} | "
        f"{stock_per:.2f} |",
        f"| `healthpath grade --workers {workers}` (sandboxed) | {pipeline_seconds:.1f} | "
        f"{pipeline_rate:.1f} | {pipeline_per:.2f} |",
        "",
        f"**Speed-up: {pipeline_rate / stock_rate:.2f}x** (the pipeline's time includes running the "
        "reference solution once, which plain nbgrader does not do).",
        "",
        f"Overhead per submission beyond the notebook's own execution ({own:.2f} CPU s: nbclient, no "
        f"sandbox, mean of {executed}): `nbgrader autograde` {stock_per - own:.2f} CPU s, "
        f"`healthpath grade` {pipeline_per - own:.2f} CPU s (medians of the rounds).",
        "",
    ]


def main() -> None:
    """Benchmark both graders on both workloads and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=12, help="pilot submissions")
    parser.add_argument("--assignment", default="01-python-fundamentals", help="the module assignment")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as temporary:
        workloads = [pilot(args.copies), module_assignment(args.assignment, Path(temporary))]
        sections = [line for workload in workloads for line in measure(workload, args.workers, args.rounds)]
    lines = [
        "# Grading throughput",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}. "
        "Other work on the machine slows both graders; each round runs them back to back.",
        "",
        *sections,
        "Reproduce: `.venv/bin/python benchmarks/grading.py` (writes this file).",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    (Path(__file__).parent / "grading.md").write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
