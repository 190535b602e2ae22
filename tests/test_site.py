"""`./course site`: the course as a static website, built from the executed copies the lesson run
keeps in build/executed/ (no lesson runs twice), then crawled and opened in Chromium. `./course test`
runs these after the lessons, which write those copies."""

import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from graders import edition
from graders.course import open_course
from graders.lessons import EXECUTED_FOLDER, executed_copy, lesson_notebooks
from healthpath.course import MODULE_IDS
from healthpath.publish import IMAGE_MIME_TYPES, sources

ROOT = Path(__file__).resolve().parent.parent
EXECUTED = ROOT / EXECUTED_FOLDER
SCREENSHOTS = ROOT / "tests" / "screenshots"
SCREENSHOT_LESSON = "04-supervised-learning/05-evaluating-classifiers.ipynb"

pytestmark = pytest.mark.site
sitecheck = pytest.importorskip("sitecheck")


def fresh_copies() -> dict[Path, Path]:
    """Each lesson whose executed copy is here and from its current version -> that copy."""
    fresh = {}
    for lesson in lesson_notebooks(ROOT):
        kept = executed_copy(EXECUTED, lesson)
        if kept.is_file() and sources(nbformat.read(kept, as_version=4)) == sources(
                nbformat.read(lesson, as_version=4)):
            fresh[lesson] = kept
    return fresh


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The course site, built once by `healthpath site` from build/executed/."""
    fresh = fresh_copies()
    if not fresh:
        pytest.skip(f"no executed lesson in {EXECUTED}: run the lessons first (./course lessons)")
    out = tmp_path_factory.mktemp("course-site") / "site"
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "graders.cli", "site", "--out", str(out), "--executed",
                           str(EXECUTED)], cwd=ROOT, capture_output=True, text=True)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    print(f"course site: {done.stdout.strip()} ({seconds:.0f} s with the command's start)")
    return out, fresh, done


def test_it_builds_from_the_executed_copies_and_runs_none_of_them_again(built):
    out, fresh, done = built
    for lesson in fresh:
        assert str(lesson.relative_to(ROOT)) not in done.stderr, f"{lesson} ran again:\n{done.stderr}"
    assert (out / ".nojekyll").is_file() and (out / "index.html").is_file()


def test_the_home_page_links_every_module(built):
    out, _, _ = built
    index = (out / "index.html").read_text()
    for module in MODULE_IDS:
        readme = ROOT / "modules" / module / "README.md"
        lessons = sorted((ROOT / "modules" / module).glob("*.ipynb"))
        if readme.is_file():
            assert f'href="modules/{module}/README.html"' in index, module
            assert (out / "modules" / module / "README.html").is_file()
        else:
            number = int(module.split("-")[0])
            assert re.search(rf"Module {number}:[^<]*</li>|Module {number}:.*planned", index), module
        if not lessons:
            assert "planned" in index, module


def test_every_lesson_is_shown_with_its_outputs_and_figures(built):
    out, _, _ = built
    for lesson in lesson_notebooks(ROOT):
        page = out / "modules" / lesson.parent.name / f"{lesson.stem}.html"
        assert page.is_file(), lesson
        kept = executed_copy(EXECUTED, lesson)
        nb = nbformat.read(kept, as_version=4)
        figures = sum(1 for cell in nb.cells if cell.cell_type == "code" for output in cell.outputs
                      if any(mime in output.get("data", {}) for mime in IMAGE_MIME_TYPES))
        shown = page.read_text().count("<img ")
        assert shown >= figures, f"{lesson.relative_to(ROOT)}: {figures} figures, {shown} shown"


def test_every_internal_link_resolves_and_every_image_has_alt_text(built):
    out, _, _ = built
    found = sitecheck.crawl(out)
    assert found.pages > len(lesson_notebooks(ROOT)) and found.images > 0
    assert found.broken == [], found.broken[:20]
    assert found.absolute == [], found.absolute[:20]
    assert found.bad_alt == [], found.bad_alt[:20]
    assert found.missing_anchors == [], found.missing_anchors[:20]


def test_the_site_holds_no_solution_hidden_test_or_instructor_file(built):
    # The site is public: the same rule as the learner edition (edition.leaks): no solution or
    # hidden-test line in a released exercise's page, no whole region anywhere else.
    out, _, _ = built
    assert edition.leaks(open_course(ROOT), out) == []


def test_it_opens_in_chromium_and_a_learner_reaches_a_lesson_from_the_home_page(built):
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(sitecheck.CHROMIUM).exists():
        pytest.skip("Chromium is not installed")
    out, _, _ = built
    module, lesson = SCREENSHOT_LESSON.split("/")
    with sitecheck.served(out) as address, playwright.sync_playwright() as p, \
            sitecheck.browser_page(p, address) as page:
        page.goto(address)
        content = page.locator("main")
        for readme in sorted((ROOT / "modules").glob("*/README.md")):
            link = content.locator(f'a[href="modules/{readme.parent.name}/README.html"]')
            playwright.expect(link).to_have_count(1)
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "site-index.png")
        content.locator(f'a[href="modules/{module}/README.html"]').click()
        playwright.expect(page).to_have_url(address + f"modules/{module}/README.html")
        page.locator(f'main a[href="{Path(lesson).stem}.html"]').first.click()
        playwright.expect(page).to_have_url(address + f"modules/{module}/{Path(lesson).stem}.html")
        figure = page.locator("main img").first
        playwright.expect(figure).to_be_visible()
        figure.scroll_into_view_if_needed()
        page.mouse.wheel(0, -250)
        assert sitecheck.images_loaded(page) == []
        page.screenshot(path=SCREENSHOTS / "site-lesson.png")
        assert page.errors == [] and page.failed == [], (page.errors, page.failed)
        outside = {re.sub(r"^(https?://[^/]+).*", r"\1", url) for url in page.outside}
        assert outside <= {"https://cdn.jsdelivr.net"}, outside  # MathJax, for the formulas, only


def test_a_lesson_without_a_current_executed_copy_runs_once_and_its_copy_is_kept(tmp_path):
    """A small course: one module with one lesson (the others planned). The first build runs the
    lesson and keeps its copy; the next uses it; a changed lesson runs again, once."""
    from graders.site import build_course_site

    course = tmp_path / "course"
    module = course / "modules" / "01-python-fundamentals"
    module.mkdir(parents=True)
    (course / "datasets").mkdir()
    (module / "README.md").write_text("# Module 1: Python\n\n[The lesson](01-sums.ipynb)\n")
    lesson = module / "01-sums.ipynb"
    cells = [nbformat.v4.new_markdown_cell("# Lesson 1: sums"), nbformat.v4.new_code_cell("print(6 * 7)")]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), lesson)
    executed, said = tmp_path / "executed", []
    built = build_course_site(course, tmp_path / "site", executed, log=said.append)
    ran = [line for line in said if "running it once" in line]
    assert ran == [f"site: no executed copy of modules/01-python-fundamentals/01-sums.ipynb in {executed}; "
                   "running it once"]
    assert (executed / "01-python-fundamentals" / "01-sums.ipynb").is_file()
    page = built.out / "modules" / "01-python-fundamentals" / "01-sums.html"
    assert "42" in page.read_text()
    index = (built.out / "index.html").read_text()
    assert 'href="modules/01-python-fundamentals/README.html"' in index and index.count("(planned)") == 8

    said.clear()
    build_course_site(course, tmp_path / "site", executed, log=said.append)
    assert said == []
    nb = nbformat.read(lesson, as_version=4)
    nb.cells[1].source = "print(6 * 8)"
    nbformat.write(nb, lesson)
    build_course_site(course, tmp_path / "site", executed, log=said.append)
    assert len(said) == 1 and "is from an earlier version of" in said[0], said
    assert "48" in page.read_text()
