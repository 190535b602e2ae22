"""How long a learner's first `./course` takes, and how big the environment is.

Copies the checkout's tracked files into a temporary folder and times `./course setup` there (a
fresh .venv, the pinned install from constraints.txt, the JupyterLab settings), then measures the
environment with du. Runs: ``cold`` (pip's cache disabled: every package downloaded), and ``warm``
(a private pip cache filled by one install, then a second install timed). Prints the figures and
writes benchmarks/setup.md.

    .venv/bin/python benchmarks/setup.py [--runs cold warm]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "benchmarks" / "setup.md"


def checkout_copy(into: Path) -> Path:
    """The checkout's tracked files copied into ``into``/course."""
    course = into / "course"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for relative in filter(None, tracked.decode().split("\0")):
        if (ROOT / relative).is_file():
            (course / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / relative, course / relative)
    return course


def timed_setup(course: Path, env: dict[str, str]) -> float:
    """Seconds `./course setup` takes in ``course`` (a fresh .venv each time)."""
    shutil.rmtree(course / ".venv", ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(["./course", "setup"], cwd=course, env=env, check=True)
    seconds = time.perf_counter() - started
    print(f"./course setup in {course}: {seconds:.0f} s", flush=True)
    return seconds


def size_bytes(folder: Path) -> int:
    """Disk usage of ``folder`` (du, in bytes; 0 when it was never created)."""
    if not folder.exists():
        return 0
    return int(subprocess.run(["du", "-sb", str(folder)], capture_output=True, text=True,
                              check=True).stdout.split()[0])


def measure(run: str, work: Path) -> dict[str, float]:
    """One run (``cold`` or ``warm``): its setup time and environment size."""
    course = checkout_copy(work / run)
    env = {key: value for key, value in os.environ.items()
           if key not in ("PIP_NO_CACHE_DIR", "PIP_CACHE_DIR", "VIRTUAL_ENV")}
    figures = {}
    if run == "cold":
        figures["seconds"] = timed_setup(course, {**env, "PIP_NO_CACHE_DIR": "1"})
    else:
        cache = {**env, "PIP_CACHE_DIR": str(work / "pip-cache")}
        figures["seconds to fill the cache"] = timed_setup(course, cache)
        figures["seconds"] = timed_setup(course, cache)
        figures["cache bytes"] = size_bytes(work / "pip-cache")
    figures["venv bytes"] = size_bytes(course / ".venv")
    return figures


def package_sources() -> str:
    """Where pip takes packages from here: PyPI, or local mirrors named in pip's configuration."""
    listed = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "pip", "config", "list"],
                            capture_output=True, text=True, check=False).stdout
    local = sorted({line.split("=", 1)[0].split(".")[-1] for line in listed.splitlines()
                    if "find-links" in line or "file://" in line})
    if not local:
        return "Packages were downloaded from PyPI."
    return (f"On this machine pip also reads local package mirrors ({', '.join(local)} in pip's "
            "configuration), so most packages were copied from disk rather than downloaded: on a "
            "machine that downloads everything from PyPI, add the time to download the packages at the "
            "speed of its link (files read from a local mirror are not kept in pip's cache either).")


def report(results: dict[str, dict[str, float]]) -> str:
    """The markdown report."""
    lines = [
        "# Setup time and environment size", "",
        f"`./course setup` in a fresh copy of the checkout (new `.venv`, `pip install -c constraints.txt "
        f"-e .[dev]`), measured by `benchmarks/setup.py` on {date.today().isoformat()}: Python "
        f"{platform.python_version()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.machine()}; other jobs shared the machine. {package_sources()}",
        "", "| run | setup time | environment (.venv) |", "| --- | ---: | ---: |",
    ]
    labels = {"cold": "cold: pip's cache disabled (`PIP_NO_CACHE_DIR=1`)",
              "warm": "warm: pip's cache filled by a first install"}
    for run, figures in results.items():
        lines.append(f"| {labels[run]} | {figures['seconds'] / 60:.1f} min | "
                     f"{figures['venv bytes'] / 2**30:.2f} GiB |")
    if "warm" in results:
        lines += ["", f"Filling the cache (the first install with an empty cache) took "
                      f"{results['warm']['seconds to fill the cache'] / 60:.1f} min; the cache then held "
                      f"{results['warm']['cache bytes'] / 2**30:.2f} GiB."]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Measure the chosen runs, print the report and write it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", choices=("cold", "warm"), default=["cold", "warm"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="healthpath-setup-") as folder:
        results = {run: measure(run, Path(folder)) for run in args.runs}
    text = report(results)
    print(text)
    REPORT.write_text(text, encoding="utf-8")
    print(f"written to {REPORT}")


if __name__ == "__main__":
    main()
