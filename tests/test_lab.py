"""`./course lab`, the README's first command, serves JupyterLab on localhost with the welcome page."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "course-lab-test"
START_SECONDS = 120


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, str, str]:
    """Status, body and final address (after redirects) of a GET with the server's token."""
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8"), response.url
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", errors="replace"), url


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`./course lab` on a free port: yields its base URL; afterwards, no process of it is left."""
    tmp_path = tmp_path_factory.mktemp("lab")
    port = free_port()
    log_path = tmp_path / "lab.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            ["./course", "lab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
             "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")})
    root = psutil.Process(server.pid)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while fetch_status(f"{base}/api/status") != 200:
            if server.poll() is not None:
                pytest.fail(f"`./course lab` exited with {server.returncode}:\n"
                            f"{log_path.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"`./course lab` did not answer within {START_SECONDS} s:\n"
                            f"{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield base
    finally:
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        _, alive = psutil.wait_procs(tree, timeout=10)
        assert not alive, f"`./course lab` left processes: {alive}"


def fetch_status(url: str) -> int | None:
    try:
        return fetch(url)[0]
    except OSError:
        return None


def test_course_lab_serves_the_welcome_notebook(lab):
    status, body, _ = fetch(f"{lab}/api/contents/welcome.ipynb")
    assert status == 200, body[:500]
    model = json.loads(body)
    assert (model["type"], model["name"]) == ("notebook", "welcome.ipynb")
    assert model["content"]["cells"][0]["source"].startswith("# Welcome")

    status, page, _ = fetch(f"{lab}/lab/tree/welcome.ipynb")
    assert status == 200, page[:500]
    config = json.loads(page.split('id="jupyter-config-data"', 1)[1].split(">", 1)[1].split("</script>")[0])
    assert (config["appName"], config["treePath"]) == ("JupyterLab", "welcome.ipynb")


def test_course_lab_lands_on_the_welcome_notebook(lab):
    status, _, landed = fetch(f"{lab}/")
    assert (status, landed) == (200, f"{lab}/lab/tree/welcome.ipynb")
