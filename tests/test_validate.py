"""nbgrader's Validate, as JupyterLab's button calls it: a lesson is answered "no tests, the exercises
are in release/", an exercise notebook is checked, in the instructor's course and in a learner's copy."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from nbgrader.server_extensions.validate_assignment.handlers import ValidateAssignmentHandler
from nbgrader.utils import is_grade
from nbgrader.validator import Validator

from healthpath import validate

ROOT = Path(__file__).resolve().parent.parent
LESSON = "modules/01-python-fundamentals/01-python-for-clinical-calculations.ipynb"
ASSIGNMENT = "release/01-python-fundamentals/01-python-fundamentals.ipynb"
TOKEN = "course-validate-test"
START_SECONDS = 120


@pytest.fixture(scope="module")
def learner_copy(tmp_path_factory):
    """A learner's copy of the course (the edition's nbgrader settings, a lesson, an assignment)."""
    folder = tmp_path_factory.mktemp("learner")
    shutil.copy(ROOT / "edition" / "nbgrader_config.py", folder / "nbgrader_config.py")
    for name in (LESSON, ASSIGNMENT):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def server(learner_copy):
    """A Jupyter server started in the learner's copy, as `jupyter lab` is: yields Validate's address."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(learner_copy.parent / "server.log", "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "server", "--no-browser", f"--port={port}",
         "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}",
         f"--ServerApp.root_dir={learner_copy}", *(["--allow-root"] if os.getuid() == 0 else [])],
        cwd=learner_copy, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "JUPYTER_RUNTIME_DIR": str(learner_copy.parent / "runtime")})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while not answers(f"{base}/api/status"):
            assert process.poll() is None and time.monotonic() < deadline, \
                (learner_copy.parent / "server.log").read_text()[-3000:]
            time.sleep(0.5)
        yield f"{base}/assignments/validate"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        log.close()


def answers(url):
    try:
        return urllib.request.urlopen(request(url), timeout=10).status == 200
    except OSError:
        return False


def request(url, body=None):
    return urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                  headers={"Authorization": f"token {TOKEN}",
                                           "Content-Type": "application/json"})


def click_validate(server, path):
    """What the Validate button receives for the notebook at ``path``: {"success": ..., "value": ...}."""
    with urllib.request.urlopen(request(server, {"path": path}), timeout=600) as response:
        return json.load(response)


def test_validate_on_a_lesson_says_it_has_no_tests_and_where_the_exercises_are(server):
    answer = click_validate(server, LESSON)
    assert answer["success"] is False  # the dialog shows the value, not "Success!"
    assert validate.NO_TESTS in answer["value"]
    assert "no tests" in validate.NO_TESTS and "release/" in validate.NO_TESTS
    [example] = re.findall(r"release/\S+\.ipynb", validate.NO_TESTS)
    assert (ROOT / example).is_file(), f"the message's example {example} does not exist"


def test_validate_on_a_released_assignment_checks_every_test_cell(server, learner_copy):
    answer = click_validate(server, ASSIGNMENT)
    assert answer["success"] is True
    value = answer["value"] if isinstance(answer["value"], dict) else json.loads(answer["value"])
    graded = [cell.source.strip() for cell in nbformat.read(learner_copy / ASSIGNMENT, as_version=4).cells
              if is_grade(cell)]
    assert graded and [cell["source"] for cell in value["failed"]] == graded  # nothing answered yet


def test_the_learners_settings_give_cells_time_to_train_and_need_nothing_from_graders(learner_copy):
    # Validate's handler reads the settings of the folder the server runs in (load_config ignores self).
    code = ("import sys; from nbgrader.server_extensions.validate_assignment.handlers import "
            "ValidateAssignmentHandler; config = ValidateAssignmentHandler.load_config(None); "
            "print(config.Execute.timeout, sorted(m for m in sys.modules if m.split('.')[0] == 'graders'))")
    done = subprocess.run([sys.executable, "-c", code], cwd=learner_copy, capture_output=True, text=True,
                          check=True)
    assert done.stdout.split(maxsplit=1) == [str(validate.CELL_TIMEOUT), "[]\n"]


def test_the_instructors_settings_refuse_a_lesson_the_same_way(monkeypatch):
    monkeypatch.chdir(ROOT)  # where `./course lab` runs the server
    config = ValidateAssignmentHandler.load_config(None)
    assert config.Execute.timeout == validate.CELL_TIMEOUT
    with pytest.raises(validate.NothingToValidate, match=re.escape(validate.NO_TESTS)):
        Validator(config=config).validate(str(ROOT / LESSON))
