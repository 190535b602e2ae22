"""A final project's automatic points: the cover notebook's checker cells judged by the project
checker on the project handed in beside it, and a project collected whole."""

import zipfile

import nbformat
import pytest
from test_check_project import filled_project

from graders import collect, project_checks, verdict
from graders.execute import Execution


def cover(*keys):
    """A cover notebook with one checker cell per item key."""
    cells = []
    for key in keys:
        cell = nbformat.v4.new_code_cell(f"# item ({key})")
        cell.metadata = {"nbgrader": {"grade": True, "solution": False, "grade_id": f"checker-{key}",
                                      "points": 2, "locked": True},
                         "healthpath": {"checker_item": key}}
        cells.append(cell)
    return nbformat.v4.new_notebook(cells=cells)


def ran(nb, status="ok", outputs=None):
    return Execution(outputs=outputs or [[] for _ in nb.cells], execution_counts=[1] * len(nb.cells),
                     observations=[], status=status, reason="stopped" if status != "ok" else "", seconds=1.0)


def test_checker_cells_take_the_verdict_of_their_item():
    nb = cover("a", "c")
    checked = {"a": {"passed": True, "why": "ran", "fix": ""},
               "c": {"passed": False, "why": "2 patient(s) are on more than one side",
                     "fix": "split by patient"}}
    verdicts = {v.grade_id: v for v in verdict.judge(nb, ran(nb), {}, {}, checked)}
    assert verdicts["checker-a"].points == 2 and verdicts["checker-a"].reason is None
    assert verdicts["checker-c"].points == 0
    assert verdicts["checker-c"].reason == ("check-project item (c) fails: 2 patient(s) are on more than one "
                                            "side; fix: split by patient")


def test_a_checker_cell_fails_without_a_checker_run_an_error_or_a_graded_notebook():
    nb = cover("a")
    passed = {"a": {"passed": True, "why": "ran", "fix": ""}}
    assert verdict.judge(nb, ran(nb), {}, {}, None)[0].points == 0
    error = [[{"output_type": "error", "ename": "E", "evalue": "", "traceback": []}]]
    assert verdict.judge(nb, ran(nb, outputs=error), {}, {}, passed)[0].reason == "the cell raised an error"
    assert verdict.judge(nb, ran(nb, status="timeout"), {}, {}, passed)[0].points == 0


def test_a_missing_or_unreadable_project_fails_every_item(tmp_path):
    missing = project_checks.check(tmp_path / "project", tmp_path / "cache")
    assert sorted(missing) == list("abcdef") and not any(item["passed"] for item in missing.values())
    assert "no project/ folder was handed in" in missing["a"]["why"]
    (tmp_path / "project").mkdir()
    unreadable = project_checks.check(tmp_path / "project", tmp_path / "cache")
    assert unreadable["d"]["why"].startswith("the project could not be read: ")
    assert "project.toml is missing" in unreadable["d"]["why"]


def test_the_checker_runs_once_per_version_of_a_project(tmp_path):
    folder = filled_project(tmp_path, leak="\ntest = test + train[:2]")
    cache = tmp_path / "cache"
    first = project_checks.check(folder, cache)
    assert [key for key, item in first.items() if not item["passed"]] == ["c"]
    assert project_checks.check(folder, cache) == first and len(list(cache.glob("*.json"))) == 1
    (folder / "README.md").write_text((folder / "README.md").read_text() + "\nMore.\n")
    assert project_checks.digest(folder) + ".json" not in [p.name for p in cache.glob("*.json")]


def test_collect_keeps_a_project_folder_whole_and_drops_environments(tmp_path):
    submission = tmp_path / "alice"
    submission.mkdir()
    folder = filled_project(submission, name="project")
    (submission / "09-final-project.ipynb").write_text("{}")
    for junk in (".git/HEAD", ".venv/bin/python", "src/__pycache__/x.pyc"):
        (folder / junk).parent.mkdir(parents=True, exist_ok=True)
        (folder / junk).write_text("junk")
    (folder / ".github" / "workflows").mkdir(parents=True)
    (folder / ".github" / "workflows" / "run.yml").write_text("on: push\n")
    from_folder = collect._submission_files(submission, "09-final-project", tmp_path / "unused")
    archive = tmp_path / "alice.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in submission.rglob("*"):
            if path.is_file():
                zipped.write(path, "alice/09-final-project/" + path.relative_to(submission).as_posix())
    (tmp_path / "unpacked").mkdir()
    from_zip = collect._submission_files(archive, "09-final-project", tmp_path / "unpacked")
    for files in (from_folder, from_zip):
        assert {"09-final-project.ipynb", "project/project.toml", "project/notebooks/01-analysis.ipynb",
                "project/.github/workflows/run.yml", "project/.gitignore"} <= set(files)
        assert not [name for name in files if ".git/" in name or ".venv" in name or "__pycache__" in name]


def test_a_zip_that_unpacks_too_large_or_climbs_out_is_refused(tmp_path, monkeypatch):
    archive = tmp_path / "bob.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("09-final-project.ipynb", "{}")
        zipped.writestr("project/../../escape.txt", "x")
        zipped.writestr("project/data/big.csv", "0" * 10_000)
    (tmp_path / "unpacked").mkdir()
    files = collect._submission_files(archive, "09-final-project", tmp_path / "unpacked")
    assert "escape.txt" not in " ".join(files) and not (tmp_path / "escape.txt").exists()
    monkeypatch.setattr(collect, "MAX_UNPACKED_BYTES", 5_000)
    with pytest.raises(ValueError, match="would unpack to more than"):
        collect._submission_files(archive, "09-final-project", tmp_path / "unpacked")


def test_a_zip_with_two_files_of_one_name_is_refused_not_overwritten(tmp_path):
    archive = tmp_path / "carol.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("draft/09-final-project.ipynb", "{}")
        zipped.writestr("final/09-final-project.ipynb", "{}")
    (tmp_path / "unpacked").mkdir()
    with pytest.raises(ValueError, match="two files that would both be 09-final-project.ipynb"):
        collect._submission_files(archive, "09-final-project", tmp_path / "unpacked")

