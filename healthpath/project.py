"""A learner's final project: its skeleton (``./course new-project``) and its mechanical checks
(``./course check-project``).

The contract between a project and the checker is small and lives in the project's
``project.toml`` (section ``[healthpath]``):

- ``notebooks``: the notebooks, run in this order, top to bottom, each with its own folder as the
  working directory, offline, within ``budget_seconds`` in all;
- ``evaluation``: the JSON file the run writes with the held-out evaluation (write it with
  :func:`save_evaluation`): ``metric``, ``estimate``, ``lower``, ``upper`` (an interval with
  ``lower <= estimate <= upper`` and ``lower < upper``), ``level`` and ``n`` (the held-out size);
- ``split``: the CSV file the run writes with one row per patient and split side (write it with
  :func:`save_split`): the ``patient_id`` column and ``side``; ``patient_id = ""`` when the data
  has no patient ids (then no split file is needed);
- ``model_card``: the model card in Markdown (every section of Mitchell et al. 2019 filled in);
- ``[healthpath.tripod]``: the TRIPOD+AI items the project claims (:mod:`healthpath.tripod`),
  each mapped to ``"FILE#Heading"``, the section of a Markdown file or of a notebook's Markdown
  cells where it is reported;
- ``max_file_mb``: the largest file the project may hold.

The checker runs a copy of the project (the evaluation and split files removed first), so it reads
only what this run produced, never a file left from before or a number typed in prose.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import keyword
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

from healthpath import model_card, tripod

CONFIG = "project.toml"
DEFAULTS = {
    "notebooks": ["notebooks/01-analysis.ipynb"],
    "budget_seconds": 600,
    "evaluation": "results/evaluation.json",
    "split": "results/split.csv",
    "patient_id": "patient_id",
    "model_card": "model-card.md",
    "max_file_mb": 5,
}
SKIPPED_FOLDERS = {".git", ".venv", "venv", "__pycache__", ".ipynb_checkpoints", ".pytest_cache",
                   "build", ".ruff_cache"}
RESERVED_NAMES = {"healthpath", "graders", "data", "tests", "test", "src", "notebooks", "results",
                  "build", "site", "setup"} | set(sys.stdlib_module_names)
LICENCES = ("MIT", "Apache-2.0", "CC-BY-4.0")
NOT_FILLED = "*(not filled in)*"  # what ModelCard.to_markdown writes for an empty section


class ProjectError(Exception):
    """A project cannot be made or checked (a bad name, a missing or broken file)."""


# ----------------------------------------------------------------------------- helpers for notebooks


def root(start: Path | str = ".") -> Path:
    """The project's folder: the nearest folder from ``start`` upwards that holds project.toml."""
    here = Path(start).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG).is_file():
            return folder
    raise ProjectError(f"no {CONFIG} in {here} or above it; run this inside a project made by "
                       "./course new-project")


def config(project: Path) -> dict:
    """The ``[healthpath]`` settings of the project at ``project``, with the defaults filled in."""
    path = Path(project) / CONFIG
    if not path.is_file():
        raise ProjectError(f"{path} is missing: a project declares what it claims there "
                           "(./course new-project writes one)")
    try:
        declared = tomllib.loads(path.read_text(encoding="utf-8")).get("healthpath", {})
    except tomllib.TOMLDecodeError as error:
        raise ProjectError(f"{path} is not valid TOML: {error}") from error
    settings = {**DEFAULTS, "tripod": {}, **declared}
    notebooks = settings["notebooks"]
    if not isinstance(notebooks, list) or not all(isinstance(n, str) for n in notebooks):
        raise ProjectError(f"{path}: notebooks must be a list of paths, e.g. "
                           "[\"notebooks/01-analysis.ipynb\"]")
    if not isinstance(settings["budget_seconds"], int | float) or settings["budget_seconds"] <= 0:
        raise ProjectError(f"{path}: budget_seconds must be a positive number of seconds")
    return settings


def save_evaluation(metric: str, estimate: float, lower: float, upper: float, n: int, *,
                    level: float = 0.95, held_out: str = "", path: str | Path | None = None) -> Path:
    """Write the held-out evaluation where project.toml says (``evaluation``); the path written.

    ``estimate`` with its interval ``[lower, upper]`` at ``level`` (e.g. a bootstrap over the
    held-out patients), on ``n`` held-out patients or records; ``held_out`` says which.
    """
    destination = Path(path) if path else _declared_path("evaluation")
    record = {"metric": metric, "estimate": float(estimate), "lower": float(lower), "upper": float(upper),
              "level": float(level), "n": int(n), "held_out": held_out}
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return destination


def save_split(sides: dict[str, object], *, id_column: str | None = None,
               path: str | Path | None = None) -> Path:
    """Write which patients are on which side of the split: ``sides`` maps a side ("train",
    "test", ...) to that side's patient ids (one row per id and side); the path written."""
    import pandas as pd

    project = root()
    column = id_column or config(project)["patient_id"] or "patient_id"
    destination = Path(path) if path else _declared_path("split")
    frames = [pd.DataFrame({column: list(pd.unique(pd.Series(list(ids)))), "side": side})
              for side, ids in sides.items()]
    destination.parent.mkdir(parents=True, exist_ok=True)
    pd.concat(frames, ignore_index=True).to_csv(destination, index=False)
    return destination


def _declared_path(key: str) -> Path:
    project = root()
    return project / config(project)[key]


# ----------------------------------------------------------------------------- new-project


def package_name(name: str) -> str:
    """The Python package of project ``name`` (dashes become underscores); raises
    :class:`ProjectError` when ``name`` cannot be both a folder and a package name."""
    if not re.fullmatch(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*", name or ""):
        raise ProjectError(f"{name!r} is not a usable project name: use lower-case letters, digits and "
                           "single dashes or underscores, starting with a letter (e.g. heart-risk)")
    package = name.replace("-", "_")
    if keyword.iskeyword(package) or package in RESERVED_NAMES:
        raise ProjectError(f"{name!r} is a name Python or the course already uses ({package}); choose "
                           "another, e.g. one that says what the project predicts")
    return package


def new_project(name: str, into: Path | str = ".", licence: str = "MIT", author: str = "") -> Path:
    """Write the skeleton of project ``name`` into ``into/name``; the project's folder."""
    package = package_name(name)
    if licence not in LICENCES:
        raise ProjectError(f"licence {licence!r} is not offered; choose one of {', '.join(LICENCES)}")
    parent = Path(into).resolve()
    if not parent.is_dir():
        raise ProjectError(f"{parent} is not a folder; create it first or give another --into")
    folder = parent / name
    if folder.exists():
        raise ProjectError(f"{folder} exists already; choose another name or remove it first")
    files = skeleton(name, package, licence, author or "the project's author")
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (folder / "run.py").chmod(0o755)
    return folder


def skeleton(name: str, package: str, licence: str, author: str) -> dict[str, str]:
    """The skeleton's files: relative path -> text."""
    year = time.gmtime().tm_year
    return {
        "README.md": README.format(name=name, package=package),
        "data/README.md": DATA_CARD,
        "notebooks/01-analysis.ipynb": starter_notebook(name, package),
        "model-card.md": model_card.template(),
        f"src/{package}/__init__.py": PACKAGE.format(name=name),
        f"tests/test_{package}.py": TESTS.format(package=package),
        "pyproject.toml": PYPROJECT.format(name=name, package=package, licence=licence),
        "environment.yml": environment(name),
        ".gitignore": GITIGNORE,
        "LICENSE": licence_text(licence, author, year),
        "run.py": RUN,
        CONFIG: PROJECT_TOML.format(name=name),
        "results/.gitkeep": "",
    }


def environment(name: str) -> str:
    """environment.yml with the course's direct dependencies at the versions of its constraints.txt."""
    from healthpath.course import course_root

    course = course_root()
    pins = {}
    for line in (course / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            package, _, version = line.partition("==")
            pins[_normal(package)] = f"{package.strip()}=={version.split(';')[0].strip()}"
    declared = tomllib.loads((course / "pyproject.toml").read_text())["project"]["dependencies"]
    wanted = []
    for requirement in declared:
        requirement_name = re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0]
        pin = pins.get(_normal(requirement_name))
        if pin and pin not in wanted:
            wanted.append(pin)
    lines = "\n".join(f"      - {pin}" for pin in wanted)
    return (f"# The environment of {name}: Python 3.11 and the versions the course ran with (its\n"
            "# constraints.txt). The course package (healthpath) comes from the course's folder:\n"
            "#   conda env create -f environment.yml && conda activate " + name + "\n"
            "#   pip install -e <the course's folder> && pip install -e .\n"
            f"name: {name}\nchannels:\n  - conda-forge\ndependencies:\n  - python 3.11.*\n  - pip\n"
            f"  - pip:\n{lines}\n")


def _normal(package: str) -> str:
    return re.sub(r"[-_.]+", "-", package.strip()).lower()


def licence_text(licence: str, author: str, year: int) -> str:
    """The LICENSE file: MIT in full, or a pointer to the full text of the other licences."""
    if licence == "MIT":
        return MIT.format(year=year, author=author)
    addresses = {"Apache-2.0": "https://www.apache.org/licenses/LICENSE-2.0.txt",
                 "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/legalcode.txt"}
    return (f"Copyright {year} {author}\n\nThis project is licensed under {licence}. Replace this file "
            f"with the licence's full text, from {addresses[licence]}\n")


def starter_notebook(name: str, package: str) -> str:
    """The starter notebook: a seeded setup, the report template's sections, a model card."""
    import nbformat

    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [
        md(f"# {name}: <the question, in one line>\n\n"
           "Each section follows the project report template of module 8 "
           "(`modules/08-real-world-projects/report-template.md`, built on TRIPOD+AI, "
           "https://doi.org/10.1136/bmj-2023-078378). Replace every `TODO`."),
        code("import sys\n\nimport numpy as np\n\n"
             "from healthpath import check, data, model_card, project  # noqa: F401 (check: self-checks)\n\n"
             "SEED = 2024  # every random choice below uses it\nrng = np.random.default_rng(SEED)\n"
             "ROOT = project.root()  # the project's folder (the one with project.toml)\n"
             "sys.path.insert(0, str(ROOT / \"src\"))\n"
             f"import {package}  # noqa: E402, I001 (the project's own code, in src/)\n\n"
             f"print(f\"{package} {{{package}.__version__}}, seed {{SEED}}\")\n"
             "data.catalog()"),
        md("## 1. Summary\n\nTODO: the question, the data, the model, the main result with its "
           "interval, the recommendation."),
        md("## 2. The clinical question and its users\n\nTODO: who acts on the output, the decision it "
           "supports, the harm of a false negative and of a false positive, what is done today."),
        md("## 3. Data\n\nTODO: source and licence (see `data/README.md`), patients, outcome "
           "definition, predictors, missing values."),
        code("# TODO: load the data, e.g. frame = data.load(\"<name>\")\nframe = None"),
        md("## 4. Methods\n\nTODO: the split by patient, the baseline, the model, calibration, the "
           "operating point, the bootstrap."),
        code("# TODO: split by patient, then record the sides for the checker:\n"
             "# project.save_split({\"train\": train_ids, \"test\": test_ids})\n"
             "raise NotImplementedError(\"split the patients, fit the baseline and the model\")"),
        md("## 5. Results\n\nTODO: discrimination with intervals, calibration, the operating point, "
           "subgroups."),
        code("# TODO: evaluate on the held-out patients, then record the result for the checker:\n"
             "# project.save_evaluation(\"ROC-AUC\", auc, lower, upper, n=len(test_ids),\n"
             "#                         held_out=\"patients never used in training\")"),
        md("## 6. Limitations\n\nTODO: what the evaluation cannot show."),
        md("## 7. Intended use and next steps\n\nTODO: where it may be used and where not; what must "
           "happen first."),
        md("## Model card\n\nFilled in from the variables above (f-strings, never typed numbers)."),
        code("card = model_card.ModelCard(\n    name=\"TODO\",\n    details=\"\",\n    intended_use=\"\",\n"
             "    factors=\"\",\n    metrics=\"\",\n    evaluation_data=\"\",\n    training_data=\"\",\n"
             "    quantitative_analyses=\"\",\n    ethical_considerations=\"\",\n"
             "    caveats_and_recommendations=\"\",\n)\n"
             "(ROOT / \"model-card.md\").write_text(card.to_markdown())\n"
             "print(\"still empty:\", card.missing())\n"
             "card"),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for cell in nb.cells:
        cell.pop("id", None)
    nb.nbformat_minor = 4
    return nbformat.writes(nb) + "\n"


# ----------------------------------------------------------------------------- check-project


ITEM_KEYS = ("a", "b", "c", "d", "e", "f")  # the checker's items, in the order it reports them


@dataclass
class Item:
    """One line of the checker's report."""

    key: str
    title: str
    passed: bool
    why: str
    fix: str = ""
    required: bool = True

    def line(self) -> str:
        verdict = "PASS" if self.passed else ("FAIL" if self.required else "WARN")
        text = f"{verdict} ({self.key}) {self.title}: {self.why}"
        return text + (f" -> {self.fix}" if self.fix and not self.passed else "")


@dataclass
class Run:
    """The project's run: per notebook its time and first error; whether it was offline."""

    seconds: float
    errors: list[str]
    offline: bool
    note: str = ""


def check_project(path: Path | str, *, run: bool = True) -> list[Item]:
    """Check the project at ``path``: run a copy of it, then check what the run produced and the
    project's files; one :class:`Item` per rubric item (a) to (f)."""
    project = Path(path).resolve()
    if not project.is_dir():
        raise ProjectError(f"{project} is not a folder; give the path of a project made by "
                           "./course new-project")
    settings = config(project)
    with tempfile.TemporaryDirectory(prefix="healthpath-project-") as scratch:
        copy = Path(scratch) / project.name
        shutil.copytree(project, copy, symlinks=True, ignore=shutil.ignore_patterns(*SKIPPED_FOLDERS))
        for link in [path for path in copy.rglob("*") if path.is_symlink()]:
            link.unlink()  # the checker reads only the project's own files, never where a link points
        items = []
        if run:  # what the checker reads is what this run writes
            for key in ("evaluation", "split"):
                if settings[key]:
                    (copy / settings[key]).unlink(missing_ok=True)
            items.append(check_run(run_project(copy, settings), settings))
        items += [check_evaluation(copy, settings), check_split(copy, settings),
                  check_card(copy, settings), check_tripod(copy, settings)]
    items.append(check_files(project, settings))
    return items


def run_project(project: Path, settings: dict) -> Run:
    """Execute the project's notebooks in order, offline, within its budget: in the course's
    grading sandbox when it is here (the instructor's copy of the course), else with nbconvert
    under bubblewrap's network namespace (the learner edition), else unconfined, with a note."""
    if grading_sandbox_available():
        return _run_in_grading_sandbox(project, settings)
    budget = float(settings["budget_seconds"])
    bwrap = shutil.which("bwrap")
    offline = bwrap is not None and _namespaces_work(bwrap)
    note = "" if offline else ("bubblewrap is not usable here, so the run was not cut off from the "
                               "network; the grader's run is")
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(project / "src"), os.environ.get("PYTHONPATH")]))}
    errors, started = [], time.monotonic()
    for name in settings["notebooks"]:
        notebook = project / name
        left = budget - (time.monotonic() - started)
        if not notebook.is_file():
            errors.append(f"{name} does not exist (listed in {CONFIG})")
            break
        if left <= 0:
            break
        executed = notebook.with_name(notebook.stem + ".executed.ipynb")
        command = [sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
                   f"--ExecutePreprocessor.timeout={int(math.ceil(left)) + 1}",
                   "--output", executed.name, "--output-dir", str(executed.parent), str(notebook)]
        if offline:
            command = [bwrap, "--unshare-net", "--dev-bind", "/", "/", "--die-with-parent",
                       "--chdir", str(notebook.parent), "--", *command]
        process = subprocess.Popen(command, cwd=notebook.parent, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            _, stderr = process.communicate(timeout=left + 5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            break
        error = first_error(_read_notebook(executed)) if executed.is_file() else (
            f"{name} did not run: {(stderr.strip().splitlines() or ['no message'])[-1][:300]}")
        executed.unlink(missing_ok=True)
        if error:
            errors.append(f"{name}: {error}")
            break
    return Run(time.monotonic() - started, errors, offline, note)


def grading_sandbox_available() -> bool:
    """Whether the course's grading sandbox (``graders``, the instructor's copy) and bubblewrap are
    here; the learner edition has no ``graders``."""
    return importlib.util.find_spec("graders.execute") is not None and shutil.which("bwrap") is not None


def _run_in_grading_sandbox(project: Path, settings: dict) -> Run:
    """Each notebook in the grading sandbox (no network, capped memory and processes), in its
    folder of ``project`` (which the run may change), within what is left of the budget."""
    import dataclasses

    from graders.execute import run_notebook
    from graders.sandbox import Limits

    budget = float(settings["budget_seconds"])
    errors, started = [], time.monotonic()
    for name in settings["notebooks"]:
        notebook = project / name
        left = int(math.ceil(budget - (time.monotonic() - started)))
        if not notebook.is_file():
            errors.append(f"{name} does not exist (listed in {CONFIG})")
            break
        if left <= 0:
            break
        try:
            nb = _read_notebook(notebook)
        except ProjectError as error:
            errors.append(str(error))
            break
        limits = dataclasses.replace(Limits(), cell_timeout=left, notebook_timeout=left)
        execution = run_notebook(nb, limits=limits, project=project,
                                 cwd=str(notebook.parent.relative_to(project)))
        if execution.status == "timeout":
            break  # the time is over budget: check_run says so
        error = execution.reason if execution.status != "ok" else first_error(
            _with_outputs(nb, execution.outputs))
        if error:
            errors.append(f"{name}: {error}")
            break
    return Run(time.monotonic() - started, errors, True, "in the course's grading sandbox")


def _with_outputs(nb, outputs):
    """``nb`` with the ``outputs`` of a run put on its code cells."""
    for cell, cell_outputs in zip(nb.cells, outputs):
        if cell.cell_type == "code":
            cell.outputs = cell_outputs or []
    return nb


def _namespaces_work(bwrap: str) -> bool:
    test = subprocess.run([bwrap, "--unshare-net", "--dev-bind", "/", "/", "--", "true"],
                          capture_output=True)
    return test.returncode == 0


def _read_notebook(path: Path):
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except (OSError, ValueError) as error:
        raise ProjectError(f"{path.name} is not a readable notebook ({error}); open it in JupyterLab "
                           "and save it again") from error


def first_error(nb, evalue_chars: int = 300) -> str | None:
    """The first failing cell of an executed notebook: its number, first line and the error (its
    message cut at ``evalue_chars``); None when no cell failed. The lesson runner uses it too."""
    for number, cell in enumerate(nb.cells, start=1):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                first = next((line for line in cell.source.splitlines() if line.strip()), "")
                return (f"cell {number} ({first[:60]!r}) raised {output.get('ename')}: "
                        f"{str(output.get('evalue', '')).strip()[:evalue_chars]}")
    return None


def check_run(result: Run, settings: dict) -> Item:
    """(a) every notebook ran to the end, within the budget."""
    budget = settings["budget_seconds"]
    title = "the project runs top to bottom offline within its budget"
    place = "offline" if result.offline else "not sandboxed"
    if not settings["notebooks"]:
        return Item("a", title, False, f"{CONFIG} lists no notebook", "list the project's notebooks, in "
                    "the order they run, under notebooks = [...]")
    if result.seconds > budget:
        return Item("a", title, False, f"the run took over {budget:g} s, its budget in {CONFIG} (it ran for "
                    f"{result.seconds:.0f} s)", "make it faster: smaller data, fewer folds or resamples, "
                    "n_jobs=1")
    if result.errors:
        return Item("a", title, False, f"{result.errors[0]}", "fix that cell, then run python run.py")
    why = f"{len(settings['notebooks'])} notebook(s) ran in {result.seconds:.0f} s ({place}) of {budget:g} s"
    return Item("a", title, True, why + (f"; {result.note}" if result.note else ""))


def check_evaluation(copy: Path, settings: dict) -> Item:
    """(b) the run wrote a held-out evaluation with an interval."""
    title = "a held-out evaluation with an interval"
    fix = "end the evaluation with project.save_evaluation(metric, estimate, lower, upper, n=...)"
    path = copy / settings["evaluation"]
    if not path.is_file():
        return Item("b", title, False, f"the run did not write {settings['evaluation']}", fix)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        values = [float(record[k]) for k in ("estimate", "lower", "upper")]
        n, metric = record["n"], record["metric"]
    except (ValueError, KeyError, TypeError) as error:
        return Item("b", title, False,
                    f"{settings['evaluation']} is not an evaluation record ({error!r})", fix)
    estimate, lower, upper = values
    if not isinstance(metric, str) or not metric.strip():
        return Item("b", title, False, f"{settings['evaluation']} names no metric", fix)
    if not all(math.isfinite(v) for v in values) or not lower <= estimate <= upper or not lower < upper:
        return Item("b", title, False, f"{metric} {estimate:g} with interval [{lower:g}, {upper:g}] is not "
                    "an estimate inside an interval",
                    "give the interval's bounds, e.g. from a bootstrap over the held-out patients")
    if not isinstance(n, int) or n < 1:
        return Item("b", title, False, f"n = {n!r} is not the number of held-out patients or records", fix)
    level = record.get("level", 0.95)
    return Item("b", title, True, f"{metric} {estimate:.3g} ({level:.0%} interval {lower:.3g} to "
                f"{upper:.3g}) on {n} held out, as the run wrote it")


def check_split(copy: Path, settings: dict) -> Item:
    """(c) no patient on both sides of the split, recomputed from the split file the run wrote."""
    title = "no patient on both sides of the split"
    column = settings["patient_id"]
    if not column:
        return Item("c", title, True, f"not applicable: {CONFIG} declares no patient id column")
    path = copy / settings["split"]
    fix = "record the split with project.save_split({\"train\": train_ids, \"test\": test_ids})"
    if not path.is_file():
        return Item("c", title, False, f"the run did not write {settings['split']}", fix)
    import pandas as pd

    try:
        split = pd.read_csv(path, dtype=str)
    except (ValueError, pd.errors.ParserError) as error:
        return Item("c", title, False, f"{settings['split']} is not a CSV file ({error})", fix)
    if column not in split or "side" not in split:
        return Item("c", title, False, f"{settings['split']} needs the columns {column} and side; it has "
                    f"{', '.join(split.columns)}", fix)
    if split["side"].nunique() < 2:
        return Item("c", title, False, f"{settings['split']} has one side only", fix)
    sides = split.drop_duplicates([column, "side"]).groupby(column)["side"].nunique()
    shared = sides[sides > 1]
    if len(shared):
        return Item("c", title, False, f"{len(shared)} patient(s) are on more than one side (e.g. "
                    f"{shared.index[0]})", "split by patient (e.g. GroupShuffleSplit on the patient id), "
                    "not by row")
    counts = split.groupby("side", sort=False)[column].nunique()
    return Item("c", title, True, ", ".join(f"{n} {side}" for side, n in counts.items())
                + " patients, none on two sides")


def check_card(copy: Path, settings: dict) -> Item:
    """(d) every section of the model card is filled in."""
    title = "the model card's sections are filled in"
    path = copy / settings["model_card"]
    if not path.is_file():
        return Item("d", title, False, f"{settings['model_card']} is missing",
                    "write it from the notebook: card.to_markdown()")
    text = path.read_text(encoding="utf-8")
    missing = model_card.missing_sections(text.replace(NOT_FILLED, ""))
    if missing:
        return Item("d", title, False, f"{settings['model_card']} leaves empty: {', '.join(missing)}",
                    "fill them in in the notebook's ModelCard(...), from the variables it computed")
    return Item("d", title, True, f"all {len(model_card.SECTIONS)} sections of {settings['model_card']} "
                "are filled in")


def check_tripod(copy: Path, settings: dict) -> Item:
    """(e) each claimed TRIPOD+AI item has its section, non-empty."""
    title = "the TRIPOD+AI items claimed are reported"
    claims = settings.get("tripod") or {}
    if not claims:
        return Item("e", title, False, f"{CONFIG} claims no item",
                    "list the items the report covers under [healthpath.tripod], e.g. \"23a\" = "
                    "\"notebooks/01-analysis.ipynb#5. Results\"")
    problems = []
    for item, where in claims.items():
        if str(item) not in tripod.ITEMS:
            problems.append(f"{item} is not a TRIPOD+AI item")
            continue
        file, _, heading = str(where).partition("#")
        if not (copy / file).is_file():
            problems.append(f"{item}: {file} does not exist")
            continue
        body = section_text(copy / file, heading)
        if body is None:
            problems.append(f"{item}: {file} has no heading {heading!r}")
        elif not body:
            problems.append(f"{item}: {file}#{heading} is empty or still says TODO")
    if problems:
        return Item("e", title, False, "; ".join(problems), "write each claimed section, or claim only "
                    "the items the project reports")
    return Item("e", title, True, f"{len(claims)} item(s) claimed, each with its section: "
                f"{', '.join(map(str, claims))}")


def section_text(path: Path, heading: str) -> str | None:
    """The text under ``heading`` in a Markdown file or a notebook's Markdown cells (to the next
    heading of the same or a higher level), without comments and paragraphs that say TODO; None
    when the heading is absent."""
    if path.suffix == ".ipynb":
        import nbformat

        nb = nbformat.read(path, as_version=4)
        text = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    else:
        text = path.read_text(encoding="utf-8")
    text = re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)
    lines, level, body = text.splitlines(), None, []
    for line in lines:
        match = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if match and level is not None and len(match.group(1)) <= level:
            break
        if match and level is None and match.group(2).strip().lower() == heading.strip().lower():
            level = len(match.group(1))
            continue
        if level is not None:
            body.append(line)
    if level is None:
        return None
    paragraphs = re.split(r"\n\s*\n", "\n".join(body))
    return "\n\n".join(p.strip() for p in paragraphs if p.strip() and "TODO" not in p).strip()


# ---- (f) patient data and secrets

PATTERNS = {
    "a private key": re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----"),
    "a GitHub token": re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}"),
    "an AWS access key": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "an API key": re.compile(r"\b(?:sk-[A-Za-z0-9]{20,}|xox[abp]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})"),
    "an e-mail address": re.compile(r"\b[A-Za-z0-9._%+-]+@(?!example\.(?:com|org|net)\b)"
                                    r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"),
    "a phone number": re.compile(r"(?<![\w.])(?:\+44\s?7\d{3}|07\d{3})\s?\d{3}\s?\d{3}(?!\d)"
                                 r"|(?<![\w.])\+\d{1,3}[ -]\(?\d{2,4}\)?[ -]\d{3,4}[ -]\d{3,4}(?!\d)"),
}
NHS_NUMBER = re.compile(r"(?<![\d.])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d.])")
NAME_COLUMNS = {"name", "first_name", "firstname", "forename", "surname", "last_name", "lastname",
                "full_name", "patient_name", "given_name", "family_name"}
BIRTH_COLUMNS = {"dob", "date_of_birth", "birth_date", "birthdate", "birthday"}


def nhs_number_valid(digits: str) -> bool:
    """Whether 10 digits pass the NHS number's modulus-11 check (NHS Data Dictionary, NHS NUMBER:
    https://www.datadictionary.nhs.uk/attributes/nhs_number.html)."""
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    remainder = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1))) % 11
    check_digit = (11 - remainder) % 11
    return check_digit != 10 and check_digit == int(digits[9])


def project_files(project: Path) -> list[Path]:
    """The project's files (what it would publish): git's view when it is a git repository (tracked
    and untracked, without ignored files), else every file but caches and environments."""
    if (project / ".git").exists():
        listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                cwd=project, capture_output=True, text=True)
        if listed.returncode == 0:
            return sorted(project / n for n in listed.stdout.split("\0") if n and (project / n).is_file())
    return sorted(p for p in project.rglob("*") if p.is_file() and not p.is_symlink()
                  and not SKIPPED_FOLDERS & set(p.relative_to(project).parts[:-1]))


def file_problems(path: Path, relative: str, cap_bytes: int) -> list[str]:
    """What in one file looks like real patient data or a secret."""
    size = path.stat().st_size
    if size > cap_bytes:
        return [f"{relative} is {size / 2**20:.1f} MB, over the {cap_bytes / 2**20:g} MB cap"]
    with open(path, "rb") as handle:
        head = handle.read(132)
    if head[128:132] == b"DICM" or path.suffix.lower() in (".dcm", ".dicom"):
        return _dicom_problems(path, relative)
    data = path.read_bytes()
    if b"\0" in data[:8192]:  # a binary file
        return []
    text = data.decode("utf-8", errors="replace")
    problems = [f"{relative} holds what looks like {what} ({_line_of(text, m.start())})"
                for what, pattern in PATTERNS.items() for m in list(pattern.finditer(text))[:1]]
    for match in NHS_NUMBER.finditer(text):
        if nhs_number_valid("".join(match.groups())):
            problems.append(f"{relative} holds a 10-digit number that passes the NHS number check "
                            f"({_line_of(text, match.start())})")
            break
    first_lines = text.splitlines()[:1] if path.suffix.lower() in (".csv", ".tsv") else []
    for line in first_lines:
        columns = {c.strip().strip('"').lower() for c in re.split(r"[,\t;]", line)}
        if columns & NAME_COLUMNS and columns & BIRTH_COLUMNS:
            problems.append(f"{relative} has names with dates of birth (columns "
                            f"{', '.join(sorted(columns & (NAME_COLUMNS | BIRTH_COLUMNS)))})")
    return problems


def _dicom_problems(path: Path, relative: str) -> list[str]:
    try:
        import pydicom

        dataset = pydicom.dcmread(path, stop_before_pixels=True, force=True)
    except Exception:  # noqa: BLE001 - an unreadable DICOM is reported as one
        return [f"{relative} is a DICOM file that could not be read; keep images out of the repository"]
    tags = [t for t in ("PatientName", "PatientID", "PatientBirthDate") if str(dataset.get(t, "")).strip()]
    return [f"{relative} is a DICOM file with patient tags ({', '.join(tags)})"] if tags else []


def _line_of(text: str, position: int) -> str:
    return f"line {text.count(chr(10), 0, position) + 1}"


def check_files(project: Path, settings: dict) -> Item:
    """(f) no file looks like real patient data or a secret, and none is over the size cap."""
    title = "no file looks like real patient data or a secret"
    cap = int(float(settings["max_file_mb"]) * 2**20)
    files = project_files(project)
    problems = [p for path in files for p in file_problems(path, str(path.relative_to(project)), cap)]
    if problems:
        return Item("f", title, False, "; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)"
                    if len(problems) > 5 else ""), "remove the file or the value (and from git's history: "
                    "a secret once pushed must be revoked), keep data out of the repository (data/README.md)")
    return Item("f", title, True, f"{len(files)} files scanned, none over {cap / 2**20:g} MB")


# ----------------------------------------------------------------------------- the command line


def main(argv: list[str] | None = None) -> int:
    """``python -m healthpath.project new-project NAME`` or ``... check-project PATH``."""
    parser = argparse.ArgumentParser(prog="course", description="The final project's tools.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_new_project(commands)
    add_check_project(commands)
    args = parser.parse_args(argv)
    return args.run(args)


def add_new_project(commands: argparse._SubParsersAction) -> None:
    """Register ``new-project`` (shared with the instructor's ``healthpath`` command)."""
    parser = commands.add_parser(
        "new-project", help="create a final project's skeleton: NAME/ with README, data card, notebook, "
                            "package, tests, environment, licence, run.py and project.toml",
        description=textwrap.dedent("""\
            Create the folder NAME (in DIR, default: the current folder) with a project laid out as
            the Python ecosystem expects: README.md (a two-minute README), data/README.md (a data
            card), notebooks/01-analysis.ipynb (seeded, sections of the report template, ending in
            a model card), model-card.md, src/<package>/ with pyproject.toml, tests/,
            environment.yml (the course's versions), .gitignore, LICENSE, run.py (run every
            notebook in order, then the tests: `python run.py`) and project.toml (what the project
            claims, read by `./course check-project NAME`). NAME: lower-case letters, digits and
            dashes, e.g. heart-risk; the package is NAME with underscores."""),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", metavar="NAME", help="the project's folder name, e.g. heart-risk")
    parser.add_argument("--into", type=Path, default=Path("."), metavar="DIR",
                        help="the folder to create it in (default: the current folder)")
    parser.add_argument("--licence", "--license", choices=LICENCES, default="MIT",
                        help="the project's licence (default: MIT)")
    parser.add_argument("--author", default="", help="the name in the licence")
    parser.set_defaults(run=_run_new)


def add_check_project(commands: argparse._SubParsersAction) -> None:
    """Register ``check-project``."""
    parser = commands.add_parser(
        "check-project", help="check a project's mechanical rubric items, one line each (PASS/FAIL)",
        description=textwrap.dedent("""\
            Run a copy of the project offline (its notebooks in order, within its budget), then
            check: (a) it ran to the end in time; (b) it wrote a held-out evaluation with an
            interval; (c) no patient is on both sides of its split; (d) the model card is filled
            in; (e) each TRIPOD+AI item it claims has its section; (f) no file looks like patient
            data or a secret. Exit status 1 when a required item fails, 2 when the project cannot
            be read. project.toml says where each part is (see healthpath/project.py)."""),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path, metavar="PATH", help="the project's folder")
    parser.add_argument("--no-run", action="store_true",
                        help="check the files only (items b-e then read what is in the project folder)")
    parser.add_argument("--json", type=Path, default=None, metavar="FILE",
                        help="also write the items to FILE as JSON (key, title, passed, why, fix, required), "
                             "e.g. for the rubric's automatic points")
    parser.set_defaults(run=_run_check)


def _run_new(args: argparse.Namespace) -> int:
    try:
        folder = new_project(args.name, args.into, args.licence, args.author)
    except ProjectError as error:
        print(f"new-project: {error}", file=sys.stderr)
        return 2
    print(f"created {folder}\nnext: open notebooks/01-analysis.ipynb, then `python run.py` in it and "
          f"`./course check-project {folder}`")
    return 0


def _run_check(args: argparse.Namespace) -> int:
    try:
        items = check_project(args.path, run=not args.no_run)
    except ProjectError as error:
        print(f"check-project: {error}", file=sys.stderr)
        return 2
    for item in items:
        print(item.line())
    if args.json:
        args.json.write_text(json.dumps([asdict(item) for item in items], indent=2) + "\n", encoding="utf-8")
    failed = [item for item in items if item.required and not item.passed]
    print(f"{len(items) - len(failed)} of {len(items)} items pass"
          + (": fix the FAIL lines" if failed else ""))
    return 1 if failed else 0


# ----------------------------------------------------------------------------- the skeleton's texts

README = """\
# {name}: <the question, in one line>

<!-- A reviewer reads this in two minutes: keep each section to a few lines. -->

## Question
TODO: what the model predicts, for whom, at which moment of care.

## Users
TODO: who acts on the output, the decision it supports; the harm of a false negative and of a
false positive.

## Data and its licence
TODO: the dataset, its source with an address, its licence; see [data/README.md](data/README.md).

## How to run
```bash
conda env create -f environment.yml   # or the course's environment
python run.py                         # every notebook in order, then the tests
```

## Results
TODO: the main result on held-out patients with its interval, from `results/evaluation.json`;
see the [model card](model-card.md).

## Limitations
TODO: what the evaluation cannot show.
"""

DATA_CARD = """\
# Data card

**Patient data never goes in this repository**, nor in a public one: not identifiable records, not
"anonymised" extracts. Keep data files outside git (`.gitignore` ignores `data/*`) and say here how
to get them. Use the course's open or synthetic datasets (`from healthpath import data`).

## What it is
TODO: one paragraph: the records, the patients, the outcome.

## Provenance
TODO: who collected it, when, where, how; its address (a DOI or a URL).

## Licence
TODO: the licence and what it allows (sharing, derivatives, commercial use).

## Schema
TODO: one line per column: name, meaning, type, units, allowed values.

| column | meaning | type | units |
| --- | --- | --- | --- |

## Caveats
TODO: missing values, biases of recording, who is not in the data.
"""

PACKAGE = '''\
"""Code the notebooks of {name} reuse (tested in tests/)."""

__version__ = "0.1.0"


def positive_rate(labels) -> float:
    """The share of positive labels (1 or True) in ``labels``."""
    labels = list(labels)
    if not labels:
        raise ValueError("no labels")
    return sum(bool(label) for label in labels) / len(labels)
'''

TESTS = '''\
"""Tests of the project's package; `python run.py` runs them after the notebooks."""

from {package} import positive_rate


def test_positive_rate():
    assert positive_rate([0, 1, 1, 0]) == 0.5
'''

PYPROJECT = """\
[build-system]
requires = ["setuptools>=69", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}"
version = "0.1.0"
description = "TODO: the question, in one line"
requires-python = ">=3.11,<3.12"
license = {{ text = "{licence}" }}

[tool.setuptools.packages.find]
where = ["src"]
include = ["{package}*"]

[tool.pytest.ini_options]
pythonpath = ["src"]
testpaths = ["tests"]
"""

GITIGNORE = """\
# data: never in the repository (see data/README.md); the split's patient ids stay local too
data/*
!data/README.md
results/split.csv
*.csv.gz
*.parquet
*.dcm
*.nii
*.nii.gz
*.h5
*.keras
# secrets
.env
*.pem
*.key
credentials*
secrets*
# notebooks' checkpoints, caches, environments and built files
.ipynb_checkpoints/
__pycache__/
.pytest_cache/
.venv/
build/
*.egg-info/
"""

RUN = '''\
#!/usr/bin/env python
"""Run the whole project: every notebook of project.toml in order (executed copies in build/),
then the tests. Exit status 1 when a notebook or a test fails."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def main() -> int:
    settings = tomllib.loads((ROOT / "project.toml").read_text()).get("healthpath", {})
    for name in settings.get("notebooks", ["notebooks/01-analysis.ipynb"]):
        notebook = ROOT / name
        print(f"running {name}", flush=True)
        output_dir = ROOT / "build" / notebook.parent.relative_to(ROOT)
        command = [sys.executable, "-m", "nbconvert", "--to", "notebook", "--execute"]
        done = subprocess.run([*command, "--output-dir", str(output_dir), str(notebook)], cwd=notebook.parent)
        if done.returncode:
            return 1
    tests = ROOT / "tests"
    sys.path.insert(0, str(ROOT / "src"))
    try:
        import pytest
    except ImportError:  # no pytest here: run the test functions one by one
        import importlib.util

        for path in sorted(tests.glob("test_*.py")):
            spec = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            for name in dir(module):
                if name.startswith("test_"):
                    getattr(module, name)()
        print("tests passed")
        return 0
    return int(pytest.main(["-q", str(tests)]))


if __name__ == "__main__":
    sys.exit(main())
'''

PROJECT_TOML = """\
# What this project claims, for `./course check-project` (see healthpath/project.py).
[healthpath]
name = "{name}"
notebooks = ["notebooks/01-analysis.ipynb"]  # run in this order, top to bottom
budget_seconds = 600                         # the whole run, offline, on 2 cores
evaluation = "results/evaluation.json"       # written by project.save_evaluation(...)
split = "results/split.csv"                  # written by project.save_split(...)
patient_id = "patient_id"                    # "" when the data has no patient ids
model_card = "model-card.md"
max_file_mb = 5

# The TRIPOD+AI items (Collins et al. 2024, https://doi.org/10.1136/bmj-2023-078378) the project
# reports, each with the section where it does: "FILE#Heading".
[healthpath.tripod]
"3b" = "README.md#Users"
"5a" = "data/README.md#Provenance"
"23a" = "notebooks/01-analysis.ipynb#5. Results"
"26" = "README.md#Limitations"
"""

MIT = """\
MIT License

Copyright (c) {year} {author}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

if __name__ == "__main__":
    sys.exit(main())
