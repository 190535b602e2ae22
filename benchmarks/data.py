"""Time generating every synthetic dataset and loading every dataset; print a table, write data.md.

Run: ``.venv/bin/python benchmarks/data.py [--repeat N]``. Each figure is the median of N runs in
this process (the first, cold load also counts imports and is reported separately).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from healthpath import data
from healthpath.data import regenerate, registry

REPORT = Path(__file__).with_name("data.md")


def timed(action) -> float:
    """Seconds taken by one call of ``action``."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def folder_bytes(rels: tuple[str, ...]) -> int:
    """Total size of a dataset's files (committed or shipped)."""
    return sum(registry.file_of(rel).stat().st_size for rel in rels)


def measure(repeat: int) -> list[dict]:
    """One row per offline dataset: size, first load, median load, median generate and write."""
    rows = []
    for name in data.names():
        ds = registry.get(name)
        if ds.download:  # optional download, not in the cache offline: nothing to time
            continue
        first = timed(lambda name=name: data.load(name))
        loads = [timed(lambda name=name: data.load(name)) for _ in range(repeat)]
        row = {"name": name, "kind": ds.kind, "files": len(ds.files), "kB": folder_bytes(ds.files) / 1e3,
               "first load s": first, "load s": statistics.median(loads), "generate s": None, "write s": None}
        if ds.generate is not None:
            row["generate s"] = statistics.median(
                timed(lambda ds=ds: ds.generate(seed=0)) for _ in range(repeat))
        if ds.write is not None:
            with tempfile.TemporaryDirectory() as tmp:
                row["write s"] = statistics.median(
                    timed(lambda ds=ds, tmp=tmp: ds.write(Path(tmp), seed=0)) for _ in range(repeat))
        rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    """The rows as a markdown table."""
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    for row in rows:
        cells = []
        for column in columns:
            value = row[column]
            cells.append("-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """Measure, print and write the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = measure(args.repeat)
    check = timed(regenerate.check)
    committed = sum((registry.datasets_dir() / rel).stat().st_size for rel in regenerate.committed_files())
    body = table(rows)
    summary = (
        f"Total committed data in datasets/: {committed / 1e6:.2f} MB in "
        f"{len(regenerate.committed_files())} files. `regenerate.check()` (every synthetic dataset "
        f"regenerated into a temporary folder and compared byte for byte): {check:.2f} s."
    )
    print(body)
    print(summary)
    REPORT.write_text(
        "# Dataset loading and generation times\n\n"
        "Written by `benchmarks/data.py` (run it again to refresh). Seconds on this machine: "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f} when the run ended "
        "(other work on the machine slows every figure). `first load s` includes importing the "
        "reading libraries; `load s`, `generate s` (seed 0, in memory) and `write s` (the committed "
        f"files, into a temporary folder) are medians of {args.repeat} runs. `kB` is the size of the files "
        "behind the dataset (committed or shipped in a package).\n\n"
        f"{body}\n\n{summary}\n",
        encoding="utf-8",
    )
    print(f"written to {REPORT}")


if __name__ == "__main__":
    main()
