"""`./course check-project PATH`: the rubric's mechanical items (a)-(f) on tiny projects."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from healthpath import model_card, project

FILLED_TEXT = "Filled in from the notebook's results."
TINY_NOTEBOOK = '''\
from healthpath import model_card, project

ids = [f"P{{i:03d}}" for i in range(40)]
train, test = ids[:30], ids[30:]{leak}
project.save_split({{"train": train, "test": test}})
project.save_evaluation("ROC-AUC", 0.81, 0.72, 0.9, n=len(test), held_out="patients never used in training")
card = model_card.ModelCard(name="tiny", **{{key: "{filled}" for key in model_card.SECTIONS}})
(project.root() / "model-card.md").write_text(card.to_markdown())
{extra}'''


def write_notebook(folder, code, budget=None):
    cells = [nbformat.v4.new_markdown_cell("# Tiny project"),
             nbformat.v4.new_markdown_cell("## 5. Results\n\nROC-AUC about 0.8 on ten held-out patients."),
             nbformat.v4.new_code_cell(code)]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), folder / "notebooks" / "01-analysis.ipynb")
    if budget is not None:
        toml = folder / "project.toml"
        toml.write_text(toml.read_text().replace("budget_seconds = 600", f"budget_seconds = {budget}"))


def filled_project(tmp_path, name="tiny", leak="", extra="", budget=None):
    """A skeleton filled in: its README, data card and a tiny notebook that records a split, an
    evaluation and a model card."""
    folder = project.new_project(name, tmp_path)
    for relative in ("README.md", "data/README.md"):
        path = folder / relative
        path.write_text("\n".join("The section, written." if line.startswith("TODO") else line
                                  for line in path.read_text().splitlines()
                                  if not line.startswith(("false positive", "see the [model", "interval,",
                                                          "definition,")))
                        + "\n")
    write_notebook(folder, TINY_NOTEBOOK.format(leak=leak, extra=extra, filled=FILLED_TEXT), budget)
    return folder


def by_key(items):
    return {item.key: item for item in items}


def test_a_fresh_skeleton_fails_only_what_it_has_not_done(tmp_path):
    # A fresh skeleton has no analysis: its notebook stops at the split (a), so it writes no
    # evaluation (b) and no split (c); its model card (d) and claimed sections (e) are empty. It
    # holds no patient data or secret (f).
    items = by_key(project.check_project(project.new_project("fresh", tmp_path)))
    assert [key for key, item in items.items() if not item.passed] == ["a", "b", "c", "d", "e"]
    assert "NotImplementedError" in items["a"].why
    assert items["f"].passed


def test_a_small_filled_in_project_passes_every_item(tmp_path):
    folder = filled_project(tmp_path)
    (folder / "results" / "evaluation.json").write_text("stale: the checker reads what its run writes")
    checked = subprocess.run([sys.executable, "-m", "healthpath.project", "check-project", str(folder),
                              "--json", str(tmp_path / "items.json")], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    lines = checked.stdout.splitlines()
    assert [line.split(" ", 2)[:2] for line in lines[:6]] == [
        ["PASS", f"({key})"] for key in "abcdef"], checked.stdout
    assert "ROC-AUC 0.81 (95% interval 0.72 to 0.9) on 10 held out" in checked.stdout
    assert "30 train, 10 test patients" in checked.stdout
    recorded = json.loads((tmp_path / "items.json").read_text())
    assert [(i["key"], i["passed"], i["required"]) for i in recorded] == [(k, True, True) for k in "abcdef"]


def test_the_run_is_in_the_grading_sandbox_offline_and_blind_to_the_course(tmp_path):
    # Learner code in a project sees the project and the datasets, never the course's solutions,
    # and has no network; what it writes in the project's copy is what the checker reads.
    source = Path(project.__file__).resolve().parent.parent / "source"
    probe = (f"import os, urllib.request\nassert not os.path.exists({str(source)!r}), 'source/ is visible'\n"
             "try:\n    urllib.request.urlopen('http://pypi.org', timeout=5)\n"
             "    raise SystemExit('online')\nexcept OSError:\n    pass\n")
    items = by_key(project.check_project(filled_project(tmp_path, extra=probe)))
    assert all(item.passed for item in items.values()), [i.line() for i in items.values()]
    assert "in the course's grading sandbox" in items["a"].why


def test_a_link_in_the_project_is_not_followed(tmp_path):
    folder = filled_project(tmp_path)
    (folder / "model-card.md").unlink()
    (folder / "model-card.md").symlink_to(Path(model_card.__file__))
    items = by_key(project.check_project(folder, run=False))
    assert not items["d"].passed and "model-card.md is missing" in items["d"].why


def test_it_runs_with_nbconvert_where_the_courses_runner_is_not_there(tmp_path, monkeypatch):
    monkeypatch.setattr(project, "grading_sandbox_available", lambda: False)  # as in the learner edition
    items = by_key(project.check_project(filled_project(tmp_path)))
    assert all(item.passed for item in items.values()), [i.line() for i in items.values()]


def test_a_patient_on_both_sides_fails_the_split_item(tmp_path):
    items = by_key(project.check_project(filled_project(tmp_path, leak="\ntest = test + train[:2]")))
    assert not items["c"].passed and "2 patient(s) are on more than one side" in items["c"].why
    assert items["a"].passed and items["b"].passed


def test_a_notebook_that_raises_fails_the_run_item(tmp_path):
    items = by_key(project.check_project(filled_project(tmp_path, extra="raise ValueError('no labels')")))
    assert not items["a"].passed and "ValueError: no labels" in items["a"].why


def test_a_notebook_over_its_budget_fails_the_run_item(tmp_path):
    folder = filled_project(tmp_path, extra="import time\ntime.sleep(60)", budget=8)
    items = by_key(project.check_project(folder))
    assert not items["a"].passed and "budget" in items["a"].why + items["a"].fix


def test_an_empty_card_section_fails_the_card_item(tmp_path):
    folder = filled_project(tmp_path)
    card = model_card.ModelCard(name="tiny", **{key: FILLED_TEXT for key in model_card.SECTIONS})
    card.factors = ""
    (folder / "model-card.md").write_text(card.to_markdown())  # "*(not filled in)*" is empty
    item = project.check_card(folder, project.config(folder))
    assert not item.passed and "Factors" in item.why
    card.factors = FILLED_TEXT
    (folder / "model-card.md").write_text(card.to_markdown())
    assert project.check_card(folder, project.config(folder)).passed


def test_a_claimed_tripod_item_without_its_section_fails(tmp_path):
    folder = filled_project(tmp_path)
    settings = project.config(folder)
    assert project.check_tripod(folder, settings).passed
    settings["tripod"] = {**settings["tripod"], "14": "README.md#Fairness", "99": "README.md#Question"}
    item = project.check_tripod(folder, settings)
    assert not item.passed and "no heading 'Fairness'" in item.why
    assert "99 is not a TRIPOD+AI item" in item.why


@pytest.mark.parametrize("record, passes", [
    ({"metric": "ROC-AUC", "estimate": 0.8, "lower": 0.7, "upper": 0.9, "n": 50}, True),
    ({"metric": "ROC-AUC", "estimate": 0.8, "lower": 0.8, "upper": 0.8, "n": 50}, False),  # no interval
    ({"metric": "ROC-AUC", "estimate": 0.95, "lower": 0.7, "upper": 0.9, "n": 50}, False),
    ({"metric": "ROC-AUC", "estimate": 0.8, "lower": 0.7, "upper": 0.9, "n": 0}, False),
    ({"metric": "", "estimate": 0.8, "lower": 0.7, "upper": 0.9, "n": 50}, False),
    ({"estimate": 0.8}, False),
])
def test_the_evaluation_record_needs_an_estimate_inside_an_interval(tmp_path, record, passes):
    (tmp_path / "project.toml").write_text("[healthpath]\n")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "evaluation.json").write_text(json.dumps(record))
    assert project.check_evaluation(tmp_path, project.config(tmp_path)).passed is passes


def test_no_patient_ids_makes_the_split_item_not_applicable(tmp_path):
    (tmp_path / "project.toml").write_text('[healthpath]\npatient_id = ""\n')
    item = project.check_split(tmp_path, project.config(tmp_path))
    assert item.passed and "not applicable" in item.why


@pytest.mark.parametrize("relative, text, found", [
    ("notebooks/notes.md", "Patient 943 476 5919 was seen twice.", "NHS number"),
    ("src/tiny/keys.py", 'TOKEN = "ghp_' + "a1B2" * 9 + '"', "GitHub token"),
    ("src/tiny/aws.py", 'KEY = "AKIA' + "ABCDEFGHIJ123456" + '"', "AWS access key"),
    ("deploy.pem", "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n", "private key"),
    ("notes.txt", "Ring the ward on 07700 900123.", "phone number"),
    ("notes.txt", "Write to jane.doe@nhs.net about it.", "e-mail address"),
    ("cohort.csv", "first_name,surname,dob,hba1c\nJane,Doe,1960-01-02,48\n", "dates of birth"),
])
def test_patient_data_and_secrets_fail_the_files_item(tmp_path, relative, text, found):
    folder = project.new_project("tiny", tmp_path)
    assert project.check_files(folder, project.config(folder)).passed
    (folder / relative).parent.mkdir(parents=True, exist_ok=True)
    (folder / relative).write_text(text)
    item = project.check_files(folder, project.config(folder))
    assert not item.passed and found in item.why and relative in item.why


def test_numbers_that_fail_the_modulus_11_check_and_placeholders_pass(tmp_path):
    assert project.nhs_number_valid("9434765919") and not project.nhs_number_valid("9434765918")
    assert not project.nhs_number_valid("1111111111")
    folder = project.new_project("tiny", tmp_path)
    (folder / "notes.md").write_text("Record 1234567890; contact someone@example.org.\n")
    assert project.check_files(folder, project.config(folder)).passed


def test_large_files_and_dicom_files_with_patient_tags_fail(tmp_path):
    pydicom = pytest.importorskip("pydicom")
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    folder = project.new_project("tiny", tmp_path)
    (folder / "big.bin").write_bytes(b"\0" * (6 * 2**20))
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID = generate_uid(), generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    film = FileDataset(str(folder / "film.dcm"), {}, file_meta=meta, preamble=b"\0" * 128)
    film.PatientName, film.PatientID = "Doe^Jane", "X123"
    pydicom.dcmwrite(folder / "film.dcm", film)
    item = project.check_files(folder, project.config(folder))
    assert not item.passed and "big.bin is 6.0 MB" in item.why
    assert "film.dcm is a DICOM file with patient tags" in item.why


def test_a_missing_project_or_config_is_named(tmp_path):
    missing = subprocess.run([sys.executable, "-m", "healthpath.project", "check-project",
                              str(tmp_path / "nowhere")], capture_output=True, text=True)
    assert missing.returncode == 2 and "nowhere is not a folder" in missing.stderr
    (tmp_path / "bare").mkdir()
    bare = subprocess.run([sys.executable, "-m", "healthpath.project", "check-project",
                           str(tmp_path / "bare")], capture_output=True, text=True)
    assert bare.returncode == 2 and "project.toml is missing" in bare.stderr
    shutil.rmtree(tmp_path / "bare")
