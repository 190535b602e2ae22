"""`./course new-project NAME`: the final project's skeleton (healthpath.project)."""

import ast
import json
import subprocess
import sys
import tomllib

import pytest

from healthpath import model_card, project, tripod
from tests.conftest import ROOT


def test_it_lays_the_project_out_as_the_ecosystem_expects(tmp_path):
    folder = project.new_project("heart-risk", tmp_path)
    files = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    assert {"README.md", "data/README.md", "notebooks/01-analysis.ipynb", "model-card.md",
            "src/heart_risk/__init__.py", "pyproject.toml", "tests/test_heart_risk.py", "environment.yml",
            ".gitignore", "LICENSE", "run.py", "project.toml"} <= files
    readme = (folder / "README.md").read_text()
    for heading in ("Question", "Users", "Data and its licence", "How to run", "Results", "Limitations"):
        assert f"## {heading}" in readme
    card = (folder / "data" / "README.md").read_text()
    assert "never goes in this repository" in card
    for heading in ("What it is", "Provenance", "Licence", "Schema", "Caveats"):
        assert f"## {heading}" in card
    assert (folder / "model-card.md").read_text() == model_card.template()
    assert "MIT License" in (folder / "LICENSE").read_text()
    ignored = (folder / ".gitignore").read_text()
    assert "data/*" in ignored and ".env" in ignored and ".ipynb_checkpoints/" in ignored
    for path in folder.rglob("*.py"):
        ast.parse(path.read_text())


def test_its_notebook_is_seeded_follows_the_report_template_and_ends_in_a_model_card(tmp_path):
    folder = project.new_project("sepsis-alert", tmp_path)
    nb = json.loads((folder / "notebooks" / "01-analysis.ipynb").read_text())
    code = [("".join(c["source"])) for c in nb["cells"] if c["cell_type"] == "code"]
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "from healthpath import check, data, model_card, project" in code[0] and "SEED = " in code[0]
    template = (ROOT / "modules" / "08-real-world-projects" / "report-template.md").read_text()
    for line in template.splitlines():
        if line.startswith("## "):
            assert line in markdown
    assert "model_card.ModelCard(" in code[-1]
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "--config", str(ROOT / "pyproject.toml"),
                           str(folder / "notebooks" / "01-analysis.ipynb")], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


def test_its_environment_pins_the_courses_versions_and_its_claims_are_tripod_items(tmp_path):
    folder = project.new_project("gait", tmp_path, licence="Apache-2.0")
    pins = {line.strip() for line in (ROOT / "constraints.txt").read_text().splitlines()}
    listed = [line.strip()[2:] for line in (folder / "environment.yml").read_text().splitlines()
              if line.startswith("      - ")]
    assert listed and all(pin in pins for pin in listed)
    assert any(pin.startswith("scikit-learn==") for pin in listed)
    settings = project.config(folder)
    assert settings["notebooks"] == ["notebooks/01-analysis.ipynb"] and settings["budget_seconds"] > 0
    assert set(settings["tripod"]) <= set(tripod.ITEMS)
    assert "Apache-2.0" in (folder / "LICENSE").read_text()
    assert tomllib.loads((folder / "pyproject.toml").read_text())["project"]["name"] == "gait"


def test_the_tripod_table_has_the_27_items_and_52_sub_items():
    assert len(tripod.ITEMS) == 52
    assert len({item.rstrip("abcdefg") for item in tripod.ITEMS}) == 27


@pytest.mark.parametrize("name", ["Heart Risk", "2fast", "class", "json", "healthpath", "a--b", "", "x/y"])
def test_it_refuses_a_name_that_is_not_a_folder_and_package_name(tmp_path, name):
    with pytest.raises(project.ProjectError):
        project.new_project(name, tmp_path)
    assert not any(tmp_path.iterdir())


def test_its_command_refuses_an_existing_folder_and_has_help(tmp_path):
    command = [sys.executable, "-m", "healthpath.project", "new-project", "stroke", "--into", str(tmp_path)]
    assert subprocess.run(command, capture_output=True, text=True).returncode == 0
    again = subprocess.run(command, capture_output=True, text=True)
    assert again.returncode == 2 and "exists already" in again.stderr
    helped = subprocess.run([sys.executable, "-m", "healthpath.project", "new-project", "-h"],
                            capture_output=True, text=True)
    assert "project.toml" in helped.stdout and "--into" in helped.stdout


def test_the_course_script_takes_paths_from_the_callers_folder(tmp_path):
    made = subprocess.run([str(ROOT / "course"), "new-project", "asthma"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "asthma" / "project.toml").is_file()


def test_it_works_in_the_learner_edition(learner_edition, tmp_path):
    script = (learner_edition.root / "course").read_text()
    assert script.index("new-project|check-project)") < script.index("*)")  # before the refusal
    made = subprocess.run([sys.executable, "-m", "healthpath.project", "new-project", "copd", "--into",
                           str(tmp_path)], cwd=learner_edition.root, env=learner_edition.environment,
                          capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    checked = subprocess.run([sys.executable, "-m", "healthpath.project", "check-project", "--no-run",
                              str(tmp_path / "copd")], cwd=learner_edition.root,
                             env=learner_edition.environment, capture_output=True, text=True)
    assert checked.returncode == 1 and "FAIL (d)" in checked.stdout, checked.stdout + checked.stderr
