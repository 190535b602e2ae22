"""Grading throughput: plain ``nbgrader autograde`` (serial, unsandboxed) against ``healthpath grade``
(sandboxed, parallel) on the same synthetic submissions of the miniature course's pilot.

    .venv/bin/python benchmarks/grading.py [--copies 12] [--workers 2] [--rounds 3]

Prints the figures and writes benchmarks/grading.md. Each round grades fresh copies with both graders
in turn; the report gives the median wall times. The submissions are variants of the fixture
submissions (correct, partly correct, blank, edited), each made distinct by a comment so that no
execution is shared. "The notebook's own execution" is the time nbclient takes to run the prepared
notebook in this process's environment with no sandbox; overhead is what each grader adds to it.
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
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "minicourse"
KINDS = ("ada", "ben", "cleo", "hal")  # correct, partly correct, blank, edited cells
STOCK_CONFIG = ('c = get_config()  # noqa: F821\n'
                'c.CourseDirectory.course_id = "mini"\nc.Execute.timeout = 300\n')


def make_course(folder: Path, copies: int, stock: bool) -> Path:
    """A copy of the miniature course with ``copies`` distinct submissions in submitted/."""
    course = folder / ("stock" if stock else "pipeline")
    shutil.copytree(FIXTURE, course, ignore=shutil.ignore_patterns("submissions"))
    if stock:
        (course / "nbgrader_config.py").write_text(STOCK_CONFIG)
    for number in range(copies):
        kind = KINDS[number % len(KINDS)]
        nb = nbformat.read(FIXTURE / "submissions" / kind / "pilot" / "pilot.ipynb", as_version=4)
        solution = next(cell for cell in nb.cells
                        if cell.metadata.get("nbgrader", {}).get("grade_id") == "ex1-solution")
        solution.source += f"\n# submission {number}\n"
        dest = course / "submitted" / f"s{number:02d}-{kind}" / "pilot"
        dest.mkdir(parents=True)
        nbformat.write(nb, dest / "pilot.ipynb")
        (dest / "timestamp.txt").write_text("2026-02-27 10:00:00.000000 UTC\n")
    return course


def nbgrader(course: Path, *args: str) -> float:
    """Run the nbgrader command line in ``course``; its wall time in seconds."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    start = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "nbgrader"), *args], cwd=course, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def own_execution(course: Path) -> list[float]:
    """Seconds nbclient takes to execute each autograded (prepared) notebook, unsandboxed."""
    seconds = []
    for path in sorted((course / "autograded").glob("*/pilot/pilot.ipynb")):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=300, allow_errors=True, kernel_name="python3").execute()
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    """Benchmark both graders and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from graders.autograde import grade
    from graders.course import open_course
    from graders.execute import ExecutionCache

    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    load = os.getloadavg()[0]
    stock_times, pipeline_times, sandboxed = [], [], []
    for round_number in range(args.rounds):  # alternated, so that a change of load hits both graders
        with tempfile.TemporaryDirectory(prefix="grading-bench-") as temporary:
            folder = Path(temporary)
            stock = make_course(folder, args.copies, stock=True)
            nbgrader(stock, "generate_assignment", "pilot")
            stock_times.append(nbgrader(stock, "autograde", "pilot"))

            pipeline = make_course(folder, args.copies, stock=False)
            nbgrader(pipeline, "generate_assignment", "pilot")
            course = open_course(pipeline)
            start = time.perf_counter()
            run = grade(course, "pilot", workers=args.workers, progress=False)
            pipeline_times.append(time.perf_counter() - start)
            assert len(run.graded) == args.copies and run.executed == args.copies, run
            cache = ExecutionCache(pipeline / "nbgrader_work" / "executions")
            sandboxed += [cache.get(path.stem).seconds for path in cache.folder.glob("*.json")]
            print(f"round {round_number + 1}: nbgrader autograde {stock_times[-1]:.1f} s, healthpath grade "
                  f"{pipeline_times[-1]:.1f} s, load average {os.getloadavg()[0]:.1f}", flush=True)
            if round_number == args.rounds - 1:
                own = own_execution(pipeline)
    load_end = os.getloadavg()[0]
    stock_seconds, pipeline_seconds = statistics.median(stock_times), statistics.median(pipeline_times)

    n = args.copies
    own_mean = statistics.mean(own)
    stock_rate, pipeline_rate = 60 * n / stock_seconds, 60 * n / pipeline_seconds
    stock_overhead = stock_seconds / n - own_mean
    pipeline_overhead = pipeline_seconds * args.workers / n - own_mean
    sandbox_overhead = statistics.mean(sandboxed) - own_mean
    lines = [
        "# Grading throughput",
        "",
        f"{n} distinct submissions of the miniature course's pilot (variants of correct, partly correct, "
        f"blank and edited fixture submissions), graded from scratch by both, in {args.rounds} alternated "
        f"rounds (median wall time; rounds: nbgrader {', '.join(f'{t:.1f}' for t in stock_times)} s, "
        f"healthpath {', '.join(f'{t:.1f}' for t in pipeline_times)} s). Machine: "
        f"{os.cpu_count()} cores, {platform.python_implementation()} {platform.python_version()}; "
        f"load average {load:.1f} when the run started and {load_end:.1f} when it ended (other work on "
        "the machine slows both graders).",
        "",
        "| grader | wall time (s) | submissions per minute |",
        "|---|---:|---:|",
        f"| `nbgrader autograde` (serial, no sandbox) | {stock_seconds:.1f} | {stock_rate:.1f} |",
        f"| `healthpath grade --workers {args.workers}` (sandboxed) | {pipeline_seconds:.1f} | "
        f"{pipeline_rate:.1f} |",
        "",
        f"**Speed-up: {pipeline_rate / stock_rate:.2f}x** (the pipeline's time includes running the "
        "reference solution once, which plain nbgrader does not do).",
        "",
        "Overhead per submission beyond the notebook's own execution "
        f"({own_mean:.2f} s: nbclient, no sandbox, mean of {len(own)}):",
        "",
        f"- `nbgrader autograde`: {stock_overhead:.2f} s (wall time per submission minus execution)",
        f"- `healthpath grade`: {pipeline_overhead:.2f} core-seconds (wall time x workers per submission "
        f"minus execution), of which the sandboxed run adds {sandbox_overhead:.2f} s per notebook "
        f"(mean sandboxed run {statistics.mean(sandboxed):.2f} s)",
        "",
        "Reproduce: `.venv/bin/python benchmarks/grading.py` (writes this file).",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    (Path(__file__).parent / "grading.md").write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
