"""How long a learner waits for JupyterLab: from `./course lab` to the welcome page answering.

Warm: the course's .venv is installed (every start after the first); run a few times.
Cold: a fresh copy of the checkout without .venv, so `./course lab` creates the venv and installs
the pinned environment first (a learner's very first start).

Prints the figures and writes benchmarks/lab_startup.md. Usage:
    .venv/bin/python benchmarks/lab_startup.py [--warm-runs 3] [--skip-cold]
"""

import argparse
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = Path(__file__).with_suffix(".md")
TOKEN = "startup-benchmark"
PAGE = "/lab/tree/welcome.ipynb"


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_answers(url: str) -> bool:
    """Whether ``url`` returns 200 with JupyterLab's page."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200 and b"jupyter-config-data" in response.read()
    except OSError:
        return False


def time_course_lab(checkout: Path, scratch: Path, timeout: float) -> dict:
    """Start `./course lab` in ``checkout``; seconds until the server logged that it runs and until
    the welcome page answered. Stops the server afterwards."""
    port = free_port()
    env = {**os.environ, "JUPYTERLAB_WORKSPACES_DIR": str(scratch / "workspaces"),
           "JUPYTER_RUNTIME_DIR": str(scratch / "runtime")}
    command = ["./course", "lab", "--no-browser", f"--port={port}", f"--IdentityProvider.token={TOKEN}"]
    load = os.getloadavg()[0]
    start = time.monotonic()
    server = subprocess.Popen(command, cwd=checkout, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, start_new_session=True)
    marks: dict = {"load": load}
    log: list[str] = []

    def read_output() -> None:
        for line in server.stdout:
            log.append(line)
            if "is running at" in line and "server_running" not in marks:
                marks["server_running"] = time.monotonic() - start

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    url = f"http://127.0.0.1:{port}{PAGE}?token={TOKEN}"
    try:
        while time.monotonic() - start < timeout:
            if server.poll() is not None:
                raise RuntimeError(f"`./course lab` exited with {server.returncode}:\n{''.join(log[-30:])}")
            if page_answers(url):
                marks["page_answers"] = time.monotonic() - start
                return marks
            time.sleep(0.2)
        raise RuntimeError(f"no answer within {timeout} s:\n{''.join(log[-30:])}")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        reader.join(timeout=5)


def fresh_checkout(folder: Path) -> Path:
    """A copy of the checkout's tracked files, without .venv."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for rel in filter(None, tracked.decode().split("\0")):
        if (ROOT / rel).is_file():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, folder / rel)
    return folder


def main() -> int:
    """Run the warm starts (and the cold one unless skipped), print and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-runs", type=int, default=3)
    parser.add_argument("--skip-cold", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lab-startup-") as scratch:
        scratch = Path(scratch)
        warm = [time_course_lab(ROOT, scratch, timeout=300) for _ in range(args.warm_runs)]
        for number, run in enumerate(warm, start=1):
            print(f"warm run {number}: server running after {run['server_running']:.1f} s, "
                  f"welcome page answers after {run['page_answers']:.1f} s")
        cold = None
        if not args.skip_cold:
            checkout = fresh_checkout(scratch / "course")
            cold = time_course_lab(checkout, scratch, timeout=3600)
            print(f"cold run: server running after {cold['server_running']:.1f} s, "
                  f"welcome page answers after {cold['page_answers']:.1f} s")
    write_report(warm, cold)
    print(f"wrote {REPORT.relative_to(ROOT)}")
    return 0


def write_report(warm: list[dict], cold: dict | None) -> None:
    """Write benchmarks/lab_startup.md."""
    answers = [run["page_answers"] for run in warm]
    lines = [
        "# JupyterLab start-up: `./course lab` to the welcome page",
        "",
        "Written by `benchmarks/lab_startup.py`. Time from running `./course lab` to JupyterLab's",
        f"welcome page (`{PAGE}`) answering with HTTP 200; \"server running\" is when the server",
        "logged its address. The browser's own rendering (a few seconds more) is not included.",
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}.",
        "Other work shared the machine: the 1-minute load average at each start is given, and on an",
        "idle machine the figures are lower.",
        "",
        "| start | load average | server running (s) | welcome page answers (s) |",
        "| --- | --- | --- | --- |",
        *[f"| warm, run {n} | {r['load']:.1f} | {r['server_running']:.1f} | {r['page_answers']:.1f} |"
          for n, r in enumerate(warm, start=1)],
    ]
    if cold is not None:
        lines.append(f"| cold (new .venv) | {cold['load']:.1f} | {cold['server_running']:.1f} | "
                     f"{cold['page_answers']:.1f} |")
    lines += ["", f"Warm median: {statistics.median(answers):.1f} s."]
    if cold is not None:
        lines += [
            "",
            "The cold start creates `.venv` and installs the pinned environment (`constraints.txt`) before",
            "starting the server. On this machine pip read the wheels from a local package mirror, as",
            "with a warm pip cache, so the figure leaves out downloading them: about half a gigabyte",
            "(TensorFlow alone about 270 MB). On a learner's first start, add that download.",
        ]
    REPORT.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
