"""`./course portfolio PATHS... --out DIR`: a static website of final projects (healthpath.portfolio,
built by healthpath.publish), its refusals of bad input, its figures' alt text, and a fresh
learner's whole path from `./course new-project` to a checked project and a portfolio opened in
Chromium (marked `site`: it runs the project and a browser)."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from healthpath import model_card, project
from healthpath.publish import figure_alt, with_alt_text

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "tests" / "screenshots"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9aw"
                       "AAAABJRU5ErkJggg==")  # one pixel
QUESTION = "does a patient referred for angiography have coronary disease?"


def portfolio(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "healthpath.portfolio", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True)


def filled_in(folder: Path, name: str) -> None:
    """The README and data card of a skeleton written (no TODO left in them)."""
    for relative in ("README.md", "data/README.md"):
        path = folder / relative
        text = path.read_text().replace("<the question, in one line>", QUESTION)
        path.write_text("\n".join("The section, written." if line.startswith("TODO") else line
                                  for line in text.splitlines()
                                  if not line.startswith(("false positive", "see the [model", "interval,",
                                                          "definition,"))) + "\n")


def saved_project(tmp_path: Path, name: str = "heart-check", outputs: bool = True) -> Path:
    """A project whose notebook was run and saved with its outputs (a figure among them), with its
    model card and held-out evaluation written, made without running anything."""
    folder = project.new_project(name, tmp_path)
    filled_in(folder, name)
    figure = nbformat.v4.new_code_cell(
        'fig, ax = plt.subplots()\nax.plot(fpr, tpr, color="#0072B2")\n'
        'ax.set_title("ROC curve on the held-out patients")')
    printed = nbformat.v4.new_code_cell("print(auc)")
    if outputs:
        figure.outputs = [nbformat.v4.new_output("display_data", data={
            "image/png": base64.b64encode(PNG).decode(), "text/plain": "<Figure size 640x480 with 1 Axes>"})]
        printed.outputs = [nbformat.v4.new_output("stream", name="stdout", text="0.812 as saved\n")]
    cells = [nbformat.v4.new_markdown_cell(f"# {name}: {QUESTION}"),
             nbformat.v4.new_markdown_cell("## 5. Results\n\nThe ROC curve of the held-out patients."),
             figure, printed]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), folder / "notebooks" / "01-analysis.ipynb")
    filled = {key: "Filled in from the results." for key in model_card.SECTIONS}
    card = model_card.ModelCard(name=name, **filled)
    (folder / "model-card.md").write_text(card.to_markdown())
    project.save_evaluation("ROC-AUC", 0.812, 0.7, 0.9, n=40, held_out="a third of the patients",
                            path=folder / "results" / "evaluation.json")
    (folder / "results" / "split.csv").write_text("patient_id,side\nC001,train\nC002,test\n")
    (folder / "data" / "cohort.csv").write_text("age_years,heart_disease\n63,0\n67,1\n")
    return folder


def test_a_saved_project_becomes_a_site_ready_for_github_pages(tmp_path):
    sitecheck = pytest.importorskip("sitecheck")
    folder = saved_project(tmp_path)
    notebook_before = (folder / "notebooks" / "01-analysis.ipynb").read_bytes()
    # the executed copy `python run.py` writes is shown rather than the notebook as saved
    executed = nbformat.read(folder / "notebooks" / "01-analysis.ipynb", as_version=4)
    executed.cells[3].outputs[0]["text"] = "0.812 from run.py\n"
    (folder / "build" / "notebooks").mkdir(parents=True)
    nbformat.write(executed, folder / "build" / "notebooks" / "01-analysis.ipynb")
    built = portfolio(folder, "--out", tmp_path / "site", "--title", "Health ML projects")
    assert built.returncode == 0, built.stderr
    assert "warning" not in built.stderr, built.stderr
    site = tmp_path / "site"
    index = (site / "index.html").read_text()
    assert "Health ML projects" in index and QUESTION in index
    assert "ROC-AUC 0.812" in index and "95% interval 0.700 to 0.900" in index and "n = 40 held out" in index
    assert 'href="projects/heart-check/README.html"' in index
    page = site / "projects" / "heart-check"
    for built_page in ("README.html", "notebooks/01-analysis.html", "model-card.html", "data/README.html"):
        assert (page / built_page).is_file(), built_page
    shown = (page / "notebooks" / "01-analysis.html").read_text()
    assert "0.812 from run.py" in shown and "as saved" not in shown
    assert 'alt="Figure: ROC curve on the held-out patients"' in shown
    assert (site / ".nojekyll").is_file()
    everything = [p.relative_to(site).as_posix() for p in site.rglob("*")]
    assert not [p for p in everything if p.endswith(("cohort.csv", "split.csv", ".ipynb"))], everything
    found = sitecheck.crawl(site)
    assert found.pages >= 5 and not found.broken and not found.absolute and not found.bad_alt, found
    assert (folder / "notebooks" / "01-analysis.ipynb").read_bytes() == notebook_before

    # a failed build leaves the site as it was; a good one replaces it whole
    (folder / "notebooks" / "01-analysis.ipynb").write_text("{not json")
    again = portfolio(folder, "--out", site)
    assert again.returncode == 2 and (site / "index.html").read_text() == index
    assert sorted(p.name for p in tmp_path.iterdir()) == ["heart-check", "site"]  # nothing else beside it


def test_the_saved_notebook_is_shown_when_it_has_outputs_and_no_executed_copy(tmp_path):
    folder = saved_project(tmp_path)
    built = portfolio(folder, "--out", tmp_path / "site")
    assert built.returncode == 0, built.stderr
    shown = (tmp_path / "site" / "projects" / "heart-check" / "notebooks" / "01-analysis.html").read_text()
    assert "0.812 as saved" in shown


def test_an_executed_copy_of_an_earlier_version_gives_way_to_the_saved_outputs_or_is_shown_with_a_warning(
        tmp_path):
    folder = saved_project(tmp_path)
    old = nbformat.read(folder / "notebooks" / "01-analysis.ipynb", as_version=4)
    old.cells[3].source = "print(round(auc, 2))"
    old.cells[3].outputs[0]["text"] = "0.81 from an earlier run\n"
    (folder / "build" / "notebooks").mkdir(parents=True)
    nbformat.write(old, folder / "build" / "notebooks" / "01-analysis.ipynb")
    page = tmp_path / "site" / "projects" / "heart-check" / "notebooks" / "01-analysis.html"
    built = portfolio(folder, "--out", tmp_path / "site")
    assert built.returncode == 0 and "warning" not in built.stderr, built.stderr
    assert "0.812 as saved" in page.read_text()
    saved = nbformat.read(folder / "notebooks" / "01-analysis.ipynb", as_version=4)
    for cell in saved.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    nbformat.write(saved, folder / "notebooks" / "01-analysis.ipynb")
    built = portfolio(folder, "--out", tmp_path / "site")
    assert built.returncode == 0, built.stderr
    assert "is from an earlier version of notebooks/01-analysis.ipynb" in built.stderr
    assert "run python run.py in" in built.stderr and "from an earlier run" in page.read_text()


def test_a_folder_that_is_not_a_project_is_refused(tmp_path):
    (tmp_path / "notes").mkdir()
    refused = portfolio(tmp_path / "notes", "--out", tmp_path / "site")
    assert refused.returncode == 2
    assert f"{tmp_path / 'notes'} is not a project: it has no project.toml" in refused.stderr
    assert "./course new-project" in refused.stderr
    missing = portfolio(tmp_path / "nowhere", "--out", tmp_path / "site")
    assert missing.returncode == 2 and "is not a folder" in missing.stderr
    assert not (tmp_path / "site").exists()


def test_two_projects_with_the_same_name_are_refused(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = saved_project(tmp_path / "a"), saved_project(tmp_path / "b")
    refused = portfolio(first, second, "--out", tmp_path / "site")
    assert refused.returncode == 2
    assert f"two projects are named heart-check ({first} and {second})" in refused.stderr
    assert "rename one" in refused.stderr and not (tmp_path / "site").exists()


def test_a_notebook_that_is_not_json_is_named_with_the_fix(tmp_path):
    folder = saved_project(tmp_path)
    notebook = folder / "notebooks" / "01-analysis.ipynb"
    notebook.write_text('{"cells": [')
    refused = portfolio(folder, "--out", tmp_path / "site")
    assert refused.returncode == 2
    assert f"{notebook} is not a valid notebook: it is not JSON (line 1" in refused.stderr
    assert "restore it from git" in refused.stderr and not (tmp_path / "site").exists()


def test_a_notebook_never_run_asks_for_python_run_py(tmp_path):
    folder = saved_project(tmp_path, outputs=False)
    refused = portfolio(folder, "--out", tmp_path / "site")
    assert refused.returncode == 2
    assert f"{folder / 'notebooks' / '01-analysis.ipynb'} has no outputs" in refused.stderr
    assert f"run python run.py in {folder} first" in refused.stderr


def test_a_secret_in_the_project_is_refused_since_a_portfolio_is_public(tmp_path):
    folder = saved_project(tmp_path)
    (folder / "notes.txt").write_text("key id: " + "AKIA" + "IOSFODNN7EXAMPLE\n")
    refused = portfolio(folder, "--out", tmp_path / "site")
    assert refused.returncode == 2, refused.stderr
    assert "notes.txt" in refused.stderr and "A portfolio is public" in refused.stderr


def test_a_folder_of_other_files_is_never_overwritten(tmp_path):
    folder = saved_project(tmp_path)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "thesis.docx").write_text("mine")
    refused = portfolio(folder, "--out", tmp_path / "site")
    assert refused.returncode == 2 and "is not empty and holds no site built by the course" in refused.stderr
    assert [p.name for p in (tmp_path / "site").iterdir()] == ["thesis.docx"]


def test_no_project_given_is_a_usage_error_and_the_help_says_what_to_run_first():
    assert portfolio("--out", "site").returncode == 2
    helped = portfolio("-h")
    assert helped.returncode == 0 and "python run.py" in helped.stdout and "GitHub Pages" in helped.stdout


def test_it_works_in_the_learner_edition(learner_edition, tmp_path):
    script = (learner_edition.root / "course").read_text()
    assert script.index("  portfolio)") < script.index("  *)")  # before the instructor's commands
    folder = saved_project(tmp_path)
    built = subprocess.run([sys.executable, "-m", "healthpath.portfolio", str(folder), "--out",
                            str(tmp_path / "site")], cwd=learner_edition.root, env={
                               **os.environ, **learner_edition.environment}, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "site" / "projects" / "heart-check" / "notebooks" / "01-analysis.html").is_file()


@pytest.mark.parametrize("source, alt", [
    ('ax.set_title("ROC curve on the held-out patients")', "Figure: ROC curve on the held-out patients"),
    ('plt.title(f"Calibration of {name}, {len(test)} patients")', "Figure: Calibration of …, … patients"),
    ('fig.suptitle("Cohort")\naxes[0].set_title("Age")\naxes[1].set_title("Sex")',
     "Figure: Cohort; panels: Age; Sex"),
    ('frame.plot(kind="bar", figsize=(6, 4), title="Admissions per month")', "Figure: Admissions per month"),
    ('ax.legend(title="Group")\nax.plot(x)', 'Figure made by the code above: ax.legend(title="Group")'),
    ("# Sensitivity by threshold\nsns.lineplot(data=frame)", "Figure made by the code above: Sensitivity by "
                                                              "threshold"),
])
def test_figures_get_alt_text_from_their_titles_or_their_code(source, alt):
    assert figure_alt(source) == alt


def test_alt_text_is_added_to_the_copy_only_and_never_replaces_the_authors(tmp_path):
    cell = nbformat.v4.new_code_cell('plt.title("Potassium")')
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBOR"})]
    own = nbformat.v4.new_code_cell('plt.title("Sodium")', metadata={"mystnb": {"image": {"alt": "Mine"}}})
    own.outputs = [nbformat.v4.new_output("display_data", data={"image/png": "iVBOR"})]
    text = nbformat.v4.new_code_cell("print(1)")
    nb = nbformat.v4.new_notebook(cells=[cell, own, text,
                                         nbformat.v4.new_markdown_cell("![](figures/roc-curve.png)")])
    shown = with_alt_text(nb)
    assert shown.cells[0].metadata["mystnb"]["image"]["alt"] == "Figure: Potassium"
    assert shown.cells[1].metadata["mystnb"]["image"]["alt"] == "Mine"
    assert "mystnb" not in shown.cells[2].metadata and "mystnb" not in nb.cells[0].metadata
    assert shown.cells[3].source == "![Image: roc curve](figures/roc-curve.png)"


# ----------------------------------------------------------------------------- a learner's whole path

ANALYSIS = '''\
import sys

import matplotlib.pyplot as plt
import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from healthpath import data, model_card, project

SEED = 2024
rng = np.random.default_rng(SEED)
ROOT = project.root()
sys.path.insert(0, str(ROOT / "src"))

frame = data.load("heart_cleveland")
frame["patient_id"] = [f"C{i:03d}" for i in range(len(frame))]  # one row per patient
outcome = frame["heart_disease"]
predictors = frame.drop(columns=["heart_disease", "patient_id"])
predictors["vessels_coloured"] = predictors["vessels_coloured"].astype(float)
numeric = list(predictors.select_dtypes("number").columns)
categorical = [c for c in predictors.columns if c not in numeric]
predictors[categorical] = predictors[categorical].astype(object).where(predictors[categorical].notna(),
                                                                       "missing")
train_ids, test_ids = train_test_split(frame["patient_id"], test_size=1 / 3, stratify=outcome,
                                       random_state=SEED)
project.save_split({"train": list(train_ids), "test": list(test_ids)})
train, test = frame["patient_id"].isin(train_ids), frame["patient_id"].isin(test_ids)
model = make_pipeline(
    ColumnTransformer([
        ("numeric", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("categorical", OneHotEncoder(handle_unknown="ignore"), categorical),
    ]),
    LogisticRegression(max_iter=1000),
)
model.fit(predictors[train], outcome[train])
risk = model.predict_proba(predictors[test])[:, 1]
truth = outcome[test].to_numpy()
auc = roc_auc_score(truth, risk)
boot = []
for _ in range(500):  # the bootstrap over the held-out patients
    pick = rng.integers(0, len(truth), len(truth))
    if len(set(truth[pick])) == 2:
        boot.append(roc_auc_score(truth[pick], risk[pick]))
lower, upper = np.percentile(boot, [2.5, 97.5])
project.save_evaluation("ROC-AUC", auc, lower, upper, n=len(test_ids),
                        held_out="a third of the patients, never used in training")
print(f"ROC-AUC {auc:.3f} (95% interval {lower:.3f} to {upper:.3f}) on {len(test_ids)} patients")
'''

FIGURE = '''\
fig, ax = plt.subplots(figsize=(5, 5))
false_positive_rate, sensitivity, _ = roc_curve(truth, risk)
ax.plot(false_positive_rate, sensitivity, color="#0072B2", label="logistic regression")
ax.plot([0, 1], [0, 1], linestyle="--", color="#999999")
ax.set_title("ROC curve on the held-out patients")
ax.set_xlabel("1 - specificity (false positive rate)")
ax.set_ylabel("sensitivity (true positive rate)")
ax.legend()
plt.show()
'''

CARD = '''\
done = f"ROC-AUC {auc:.3f} (95% interval {lower:.3f} to {upper:.3f}) on {len(test_ids)} held-out patients."
card = model_card.ModelCard(name="heart-check", **{key: done for key in model_card.SECTIONS})
(ROOT / "model-card.md").write_text(card.to_markdown())
card
'''


def course(*args, cwd):
    """The course script as a learner runs it, from ``cwd``."""
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([str(ROOT / "course"), *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True)


@pytest.mark.site
def test_a_fresh_learner_goes_from_new_project_to_a_portfolio_in_chromium(tmp_path):
    """The README's commands: new-project, the notebook filled in, python run.py, check-project,
    portfolio; then the site in Chromium, which may reach nothing but the site."""
    sitecheck = pytest.importorskip("sitecheck")
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(sitecheck.CHROMIUM).exists():
        pytest.skip("Chromium is not installed")
    made = course("new-project", "heart-check", "--into", ".", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    folder = tmp_path / "heart-check"
    filled_in(folder, "heart-check")
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [md(f"# heart-check: {QUESTION}"),
             md("## 2. The clinical question and its users\n\nCardiologists deciding who needs angiography."),
             md("## 3. Data\n\nThe Cleveland cohort (UCI, CC BY 4.0), one row per patient."),
             code(ANALYSIS),
             md("## 5. Results\n\nDiscrimination on the held-out patients, with a bootstrap interval."),
             code(FIGURE),
             md("## Model card"),
             code(CARD)]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "notebooks" / "01-analysis.ipynb")
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    ran = subprocess.run([sys.executable, "run.py"], cwd=folder, env=env, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    assert (folder / "build" / "notebooks" / "01-analysis.ipynb").is_file()
    checked = course("check-project", "heart-check", "--json", "items.json", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert all(item["passed"] for item in json.loads((tmp_path / "items.json").read_text()))
    built = course("portfolio", "heart-check", "--out", "site", "--title", "A learner's portfolio",
                   cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    site = tmp_path / "site"
    found = sitecheck.crawl(site)
    assert not found.broken and not found.absolute and not found.bad_alt and found.images >= 1, found
    record = json.loads((folder / "results" / "evaluation.json").read_text())

    with sitecheck.served(site) as address, playwright.sync_playwright() as p, \
            sitecheck.browser_page(p, address) as page:
        page.goto(address)
        card = page.locator("div.hp-card")
        playwright.expect(card).to_have_count(1)
        playwright.expect(card).to_contain_text(QUESTION)
        playwright.expect(card).to_contain_text(f"ROC-AUC {record['estimate']:.3f}")
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "portfolio-index.png")
        card.get_by_role("link", name="heart-check").click()
        playwright.expect(page).to_have_url(address + "projects/heart-check/README.html")
        page.get_by_role("link", name="Model card: heart-check").first.click()
        heading = page.get_by_role("heading", name="Model card: heart-check", level=1)
        playwright.expect(heading).to_be_visible()
        playwright.expect(page).to_have_url(address + "projects/heart-check/model-card.html")
        page.goto(address + "projects/heart-check/notebooks/01-analysis.html")
        figure = page.get_by_alt_text("Figure: ROC curve on the held-out patients")
        playwright.expect(figure).to_be_visible()
        figure.scroll_into_view_if_needed()
        assert sitecheck.images_loaded(page) == []
        page.screenshot(path=SCREENSHOTS / "portfolio-project.png")
        assert page.errors == [] and page.failed == [] and page.outside == [], (page.errors, page.failed,
                                                                                 page.outside)
