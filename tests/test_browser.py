"""A learner's first hour, in a real browser, on the learner edition served by its `./course lab`:
the welcome page, a lesson run to the end (and Validate saying a lesson has no tests), an exercise
answered wrongly then rightly with Validate, and nbgrader's instructor pages refused.

The steps form one test because they share one browser page. The exercise notebook is the
miniature course's pilot, generated with `nbgrader generate_assignment` and added to the edition,
so the test does not depend on any module's content. Screenshots of each step are written to
tests/screenshots/ (committed: they show what a learner sees).
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

playwright = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "tests" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOKEN = "learner-browser-test"
FIRST_LESSON = "01-python-fundamentals/01-python-for-clinical-calculations.ipynb"
SECOND = 1000  # Playwright timeouts are in milliseconds

WRONG_BMI = "def bmi(weight_kg, height_m):\n    return weight_kg / height_m\n"
ANSWERS = {
    "def bmi(": "def bmi(weight_kg, height_m):\n    if height_m <= 0:\n        raise ValueError('height "
                "must be positive')\n    return float(weight_kg / height_m**2)\n",
    "def glucose_mmol_l(": "def glucose_mmol_l(mg_dl):\n    return mg_dl / 18.016\n",
    "def high_potassium(": "def high_potassium(labs):\n    return labs[labs['potassium_mmol_l'] > 5.5]"
                           ".reset_index(drop=True)\n",
}
WRITTEN_ANSWER = "BMI counts muscle as if it were fat, so a muscular athlete can score as overweight."

playwright.expect.set_options(timeout=60 * SECOND)
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def learner_course(tmp: Path, learner_edition):
    """A copy of the learner edition (the course's .venv linked in) holding the pilot's student
    version in release/pilot/."""
    course = learner_edition.copy(tmp / "course")
    checkout = course.root
    (checkout / ".venv").symlink_to(ROOT / ".venv")
    mini = tmp / "minicourse"
    shutil.copytree(ROOT / "tests" / "fixtures" / "minicourse" / "source", mini / "source")
    shutil.copy2(ROOT / "tests" / "fixtures" / "minicourse" / "nbgrader_config.py", mini)
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"}
    subprocess.run(["nbgrader", "generate_assignment", "pilot"], cwd=mini, env=env, check=True,
                   capture_output=True)
    (checkout / "release" / "pilot").mkdir(parents=True)
    shutil.copy2(mini / "release" / "pilot" / "pilot.ipynb", checkout / "release" / "pilot")
    return course


def lab_settings(folder: Path) -> Path:
    """A fresh JupyterLab settings folder that does not ask about fetching news (no network here)."""
    notification = folder / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    return folder


@pytest.fixture
def lab(tmp_path, learner_edition):
    """The learner edition's `./course lab`: yields (base URL, the edition's folder); shuts
    everything down. Python takes the edition as its course (its healthpath package and data)."""
    course = learner_course(tmp_path, learner_edition)
    checkout = course.root
    port = free_port()
    env = {**os.environ, **course.environment,
           "JUPYTERLAB_SETTINGS_DIR": str(lab_settings(tmp_path / "settings")),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen(
        ["./course", "lab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={TOKEN}"],
        cwd=checkout, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base}/api/status", server, tmp_path / "lab.log")
        yield base, checkout
    finally:
        processes = server_processes(server)
        stopped = stop(server)
        log.close()
        _, alive = psutil.wait_procs(processes, timeout=20)
        for process in alive:
            process.kill()
        assert stopped, f"JupyterLab ignored SIGTERM for 30 s:\n{(tmp_path / 'lab.log').read_text()[-3000:]}"
        assert not alive, f"left running after JupyterLab stopped: {[p.pid for p in alive]}"


def server_processes(server: subprocess.Popen) -> list[psutil.Process]:
    """The server and every process it started (kernels included)."""
    try:
        parent = psutil.Process(server.pid)
        return [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def api(url: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status


def wait_until_answering(url: str, server: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"`./course lab` exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if api(url) == 200:
                return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


def stop(server: subprocess.Popen) -> bool:
    """Stop the server as a process manager would (SIGTERM: it shuts its kernels down, then exits);
    whether it stopped within 30 s. Anything left is killed."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
        return True
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        return False


@pytest.fixture
def page(lab):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(60 * SECOND)
        yield page
        browser.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")


def open_menu_item(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=menu).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def wait_for_idle_kernel(page) -> None:
    """Wait until the current notebook's kernel has started and finished any work (status bar)."""
    playwright.expect(page.locator("#jp-main-statusbar")).to_contain_text("(ipykernel) | Idle",
                                                                         timeout=120 * SECOND)


def replace_cell(page, marker: str, text: str) -> None:
    """Replace the source of the code cell containing ``marker`` with ``text``, as a learner types."""
    editor = page.locator(".jp-CodeCell", has_text=marker).locator(".cm-content")
    editor.scroll_into_view_if_needed()
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


def validate_button(page):
    return page.get_by_role("toolbar", name="main area toolbar").get_by_role("button", name="Validate")


def validate(page):
    """Press Validate and return the dialog with the result."""
    validate_button(page).click()
    dialog = page.locator(".jp-Dialog", has_text="Validation Results")
    dialog.wait_for(timeout=180 * SECOND)
    return dialog


def welcome_page_and_its_setup_cell(page, base):
    """`./course lab` lands on the welcome page, whose setup cell runs."""
    page.goto(f"{base}/?token={TOKEN}")
    playwright.expect(page).to_have_url(f"{base}/lab/tree/welcome.ipynb")
    heading = page.locator(".jp-RenderedMarkdown h1", has_text="Welcome")
    playwright.expect(heading).to_be_visible()
    wait_for_idle_kernel(page)
    screenshot(page, "01-welcome")

    page.locator(".jp-CodeCell", has_text="from healthpath import").locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    output = page.locator(".jp-CodeCell", has_text="from healthpath import").locator(".jp-OutputArea")
    playwright.expect(output).to_contain_text("healthpath 0.1.0", timeout=120 * SECOND)
    playwright.expect(output).to_contain_text("A failing check says:")
    playwright.expect(output.locator("table")).to_be_visible()
    output.evaluate("node => node.scrollIntoView({block: 'start'})")
    screenshot(page, "02-welcome-setup-cell")


def learner_tools_only(page):
    """nbgrader's Validate is there; its instructor tools and its assignment list (which needs an
    exchange) are not, in the menus or the launcher."""
    playwright.expect(validate_button(page)).to_be_visible()
    menu_bar = page.locator(".lm-MenuBar-content")
    for label in menu_bar.locator(".lm-MenuBar-itemLabel").all_inner_texts():
        page.locator(".lm-MenuBar-itemLabel", has_text=label).first.click()
        menu = page.locator(".lm-Menu-content").first
        for tool in ("Formgrader", "Course List", "Assignment List", "Create Assignment"):
            playwright.expect(menu).not_to_contain_text(tool)
        page.keyboard.press("Escape")
    playwright.expect(page.get_by_text("Create Assignment")).to_have_count(0)


def instructor_pages_refused(page, base, checkout):
    """Typing formgrader's address finds nothing, and leaves no gradebook in the learner's folder."""
    for address in ("/formgrader", "/formgrader/gradebook", "/assignments", "/courses"):
        response = page.request.get(f"{base}{address}?token={TOKEN}")
        assert response.status == 404, f"{address} answered {response.status}"
    page.goto(f"{base}/formgrader?token={TOKEN}")
    screenshot(page, "03-formgrader-refused")
    assert not (checkout / "gradebook.db").exists()


def exercises_link_and_a_lesson_run_to_the_end(page, base):
    """The welcome page's first "exercises" link opens module 1's exercise notebook; module 1's
    first lesson runs to the end without an error or a red stream."""
    page.goto(f"{base}/lab/tree/welcome.ipynb?reset&token={TOKEN}")  # only this tab, restored first
    wait_for_idle_kernel(page)
    page.locator(".jp-RenderedMarkdown a", has_text="exercises").first.click()
    exercises_tab = page.locator(".lm-TabBar-tab", has_text="01-python-fundamentals.ipynb")
    playwright.expect(exercises_tab).to_be_visible()
    exercises_tab.click()
    playwright.expect(page.locator(".jp-RenderedMarkdown h1", has_text="graded exercises")).to_be_visible()
    close_all_tabs(page)
    page.goto(f"{base}/lab/tree/modules/{FIRST_LESSON}?reset&token={TOKEN}")
    playwright.expect(page.locator(".jp-RenderedMarkdown h1", has_text="Lesson 1")).to_be_visible()
    wait_for_idle_kernel(page)
    open_menu_item(page, "Run", "Run All Cells")
    last = page.locator(".jp-CodeCell").last
    last.scroll_into_view_if_needed()
    playwright.expect(last.locator(".jp-InputPrompt")).to_contain_text(re.compile(r"\[\d+\]"),
                                                                        timeout=180 * SECOND)
    wait_for_idle_kernel(page)
    playwright.expect(page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']"))\
        .to_have_count(0)
    screenshot(page, "04-lesson-run-to-the-end")

    dialog = validate(page)  # a lesson has no tests: Validate says so and where the exercises are
    playwright.expect(dialog).to_contain_text("This notebook has no tests")
    playwright.expect(dialog).to_contain_text("release/")
    playwright.expect(dialog).not_to_contain_text("Success!")
    screenshot(page, "05-validate-on-a-lesson")
    dialog.get_by_role("button", name="Ok").click()
    close_all_tabs(page)


def close_all_tabs(page):
    """Close every tab, discarding unsaved outputs (Lab asks about a notebook that was run)."""
    open_menu_item(page, "File", "Close All Tabs")
    discard = page.locator(".jp-Dialog").get_by_role("button", name="Discard")
    while discard.count():
        discard.first.click()
    playwright.expect(page.locator(".jp-NotebookPanel")).to_have_count(0)


def released_assignment(page, base):
    """A released notebook: a wrong answer fails its visible test and Validate; right answers pass."""
    page.goto(f"{base}/lab/tree/release/pilot/pilot.ipynb?reset&token={TOKEN}")  # only this tab
    playwright.expect(page.locator(".jp-RenderedMarkdown h1", has_text="Pilot")).to_be_visible()
    wait_for_idle_kernel(page)

    replace_cell(page, "def bmi(", WRONG_BMI)
    open_menu_item(page, "Run", "Run All Cells")
    bmi_tests = page.locator(".jp-CodeCell", has_text="check.close(bmi(70, 1.75)").locator(".jp-OutputArea")
    playwright.expect(bmi_tests).to_contain_text("CheckFailed", timeout=120 * SECOND)
    playwright.expect(bmi_tests).to_contain_text("bmi(70, 1.75)")
    wait_for_idle_kernel(page)
    bmi_tests.scroll_into_view_if_needed()
    screenshot(page, "06-assignment-visible-test-fails")

    dialog = validate(page)
    playwright.expect(dialog).to_contain_text("CheckFailed")
    playwright.expect(dialog).not_to_contain_text("Success!")
    screenshot(page, "07-validate-reports-failures")
    dialog.get_by_role("button", name="Ok").click()

    for marker, answer in ANSWERS.items():
        replace_cell(page, marker, answer)
    written = page.locator(".jp-MarkdownCell", has_text="YOUR ANSWER HERE")
    written.scroll_into_view_if_needed()
    written.click()
    page.keyboard.press("Enter")  # edit the selected cell
    written.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(WRITTEN_ANSWER)
    page.keyboard.press("Control+Enter")  # render it
    playwright.expect(page.locator(".jp-MarkdownCell", has_text=WRITTEN_ANSWER)).to_have_count(1)
    open_menu_item(page, "Run", "Run All Cells")
    wait_for_idle_kernel(page)
    playwright.expect(page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"))\
        .to_have_count(0)

    dialog = validate(page)
    playwright.expect(dialog.locator(".validation-success")).to_contain_text(
        "Success! Your notebook passes all the tests.")
    screenshot(page, "08-validate-passes")
    dialog.get_by_role("button", name="Ok").click()


def test_a_learners_first_hour(page, lab):
    """One journey, in order, in one browser (the steps share the page)."""
    base, checkout = lab
    welcome_page_and_its_setup_cell(page, base)
    learner_tools_only(page)
    instructor_pages_refused(page, base, checkout)
    exercises_link_and_a_lesson_run_to_the_end(page, base)
    released_assignment(page, base)
