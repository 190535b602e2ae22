"""The learner edition holds what a learner needs and nothing of the instructor's, and runs."""

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

from graders import edition, gate
from graders.course import CourseError, open_course
from graders.lessons import run_lesson

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


@pytest.fixture(scope="module")
def course():
    return open_course(ROOT)


def test_it_holds_the_learners_folders_and_no_instructor_material(learner_edition, course):
    names = {path.name for path in learner_edition.root.iterdir()}
    assert {"welcome.ipynb", "modules", "release", "datasets", "healthpath", "README.md",
            "environment.yml", "postBuild", "constraints.txt", "course", "nbgrader_config.py"} <= names
    assert not names & set(edition.INSTRUCTOR_ONLY)
    assert sorted(p.name for p in (learner_edition.root / "release").iterdir()) == course.assignments()
    assert edition.leaks(course, learner_edition.root) == []


def test_the_leak_check_finds_planted_solutions_hidden_tests_and_instructor_files(learner_edition, course,
                                                                                   tmp_path):
    planted = tmp_path / "edition"
    shutil.copytree(learner_edition.root, planted)
    assignment = course.assignments()[0]
    source = course.directory("source") / assignment
    found = gate.secrets(next(source.glob("*.ipynb")))
    lesson = next((planted / "modules").glob("*/*.ipynb"))
    released = planted / "release" / assignment / f"{assignment}.ipynb"
    for path, planted_text in ((lesson, [found.regions[0]]),
                               (released, [sorted(found.solution)[0], sorted(found.hidden)[0]])):
        nb = nbformat.read(path, as_version=4)
        nb.cells += [nbformat.v4.new_code_cell(text) for text in planted_text]
        nbformat.write(nb, path)
    shutil.copy2(source / "hidden_cases.py", planted / "release")
    (planted / "graders").mkdir()

    problems = [str(problem) for problem in edition.leaks(course, planted)]
    assert any(p.startswith(str(lesson)) and "whole solution or hidden-test region" in p for p in problems)
    assert any(p.startswith(str(released)) and "solution text" in p for p in problems), problems
    assert any(p.startswith(str(released)) and "hidden-test text" in p for p in problems), problems
    assert any("hidden_cases.py" in p for p in problems), problems
    assert any(p.startswith(f"{planted / 'graders'}:") for p in problems), problems
    assert len(problems) == 5, problems


def test_every_link_in_its_pages_stays_inside_it(learner_edition):
    pages = [*learner_edition.root.rglob("*.md"), *learner_edition.root.rglob("*.ipynb")]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        if page.suffix == ".ipynb":
            text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells
                             if c.cell_type == "markdown")
        for link in LINK.findall(CODE.sub("", text)):  # a link shown as code is an example, not a link
            if re.match(r"[a-z]+:", link) or link.startswith("#"):
                continue
            target = (page.parent / link.split("#")[0]).resolve()
            assert target.exists() and learner_edition.root in target.parents, (
                f"{page.relative_to(learner_edition.root)} links to {link}, which the learner edition lacks")


def test_its_package_is_the_learner_package_without_the_instructor_command(learner_edition):
    project = tomllib.loads((learner_edition.root / "pyproject.toml").read_text())["project"]
    assert "scripts" not in project and "optional-dependencies" not in project
    assert project["dependencies"] == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "dependencies"]
    assert "graders" not in (learner_edition.root / "nbgrader_config.py").read_text()


def test_python_takes_the_edition_as_its_course(learner_edition):
    where = subprocess.run(
        [sys.executable, "-c", "import healthpath, healthpath.data.registry as r; "
                               "print(healthpath.__file__); print(r.course_root())"],
        cwd=learner_edition.root, env=learner_edition.environment | {"PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, check=True).stdout.splitlines()
    assert [Path(line) for line in where] == [learner_edition.root / "healthpath" / "__init__.py",
                                              learner_edition.root]


def test_the_welcome_page_runs_from_it(learner_edition):
    run = run_lesson(learner_edition.root / "welcome.ipynb", learner_edition.environment)
    assert not run.problems, run.problems


@pytest.mark.parametrize("command", ["test", "grade", "release"])
def test_its_course_script_refuses_instructor_commands_by_name(learner_edition, command):
    refused = subprocess.run(["./course", command], cwd=learner_edition.root, capture_output=True, text=True)
    assert refused.returncode != 0
    assert "learner edition" in refused.stderr and "./course lab" in refused.stderr


def test_it_fills_an_empty_repository_updates_an_old_edition_and_refuses_other_folders(course, tmp_path):
    folder = tmp_path / "published"
    edition.build(course, folder)
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / "release" / "stale.ipynb").write_text(json.dumps({}))
    edition.build(course, folder)
    assert (folder / ".git" / "HEAD").is_file() and not (folder / "release" / "stale.ipynb").exists()

    repository = tmp_path / "learners-repository"
    (repository / ".git").mkdir(parents=True)
    edition.build(course, repository)
    assert (repository / "welcome.ipynb").is_file()

    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    with pytest.raises(CourseError, match="is not a learner edition"):
        edition.build(course, other)
    assert (other / "mine.txt").read_text() == "keep me"
    with pytest.raises(CourseError, match="inside the course"):
        edition.build(course, ROOT / "build" / "edition")
