"""Every lesson notebook in modules/ runs top to bottom in a fresh offline kernel within its budget,
from the learner edition."""

from pathlib import Path

import nbformat
import pytest

from graders.lessons import (
    BUDGET_SECONDS,
    DEEP_LEARNING_SECONDS,
    EXECUTED_FOLDER,
    LessonSetupError,
    budget_seconds,
    executed_copy,
    lesson_notebooks,
    run_lesson,
)

ROOT = Path(__file__).resolve().parent.parent
LESSONS = lesson_notebooks(ROOT)

pytestmark = pytest.mark.lessons


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=str(p.relative_to(ROOT / "modules"))) for p in LESSONS]
    or [pytest.param(None, marks=pytest.mark.skip(reason="modules/ has no lesson notebook yet"))],
)
def test_lesson_runs_within_its_budget(path, learner_edition):
    """Run from the learner edition, as a learner has it (no source/, graders/ or tests); the
    executed copy is kept in the course's build/executed/, which the site test renders."""
    run = run_lesson(learner_edition.root / path.relative_to(ROOT), learner_edition.environment,
                     keep=executed_copy(ROOT / EXECUTED_FOLDER, path))
    assert not run.problems, f"{path.relative_to(ROOT)}: " + "; ".join(run.problems)


def lesson(folder: Path, *sources: str, metadata: dict | None = None) -> Path:
    """A lesson notebook in ``folder`` made of code cells ``sources``."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata.update(metadata or {})
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "lesson.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_failing_cell_is_named_with_its_error(tmp_path):
    path = lesson(tmp_path / "modules" / "01-python-fundamentals", "x = 1", "import math\nmath.sqrt(-x)")
    run = run_lesson(path)
    assert run.problems == ["cell 2 ('import math') raised ValueError: math domain error"]


def test_a_lesson_runs_offline_in_its_own_folder(tmp_path):
    path = lesson(tmp_path / "modules" / "01-python-fundamentals",
                  "import os\nassert os.path.exists('lesson.ipynb'), os.getcwd()",
                  "import urllib.request\nurllib.request.urlopen('http://pypi.org', timeout=5)")
    error = run_lesson(path).error
    assert error.startswith("cell 2 ('import urllib.request') raised URLError"), error


def test_the_executed_copy_is_kept_with_its_outputs(tmp_path):
    path = lesson(tmp_path / "modules" / "01-python-fundamentals", "print(6 * 7)")
    kept = executed_copy(tmp_path / "executed", path)
    assert kept == tmp_path / "executed" / "01-python-fundamentals" / "lesson.ipynb"
    run = run_lesson(path, keep=kept)
    assert not run.problems
    outputs = nbformat.read(kept, as_version=4).cells[0].outputs
    assert outputs[0]["text"] == "42\n"
    assert not any(kept.parent.glob(".*.partial"))


def test_time_and_memory_over_budget_fail(tmp_path):
    path = lesson(tmp_path / "modules" / "01-python-fundamentals",
                  "import time\nimport numpy as np\nheld = np.ones(300 * 2**20 // 8)\ntime.sleep(2.2)",
                  metadata={"healthpath": {"budget_seconds": 2}})
    run = run_lesson(path)
    assert run.error is None
    assert run.peak_bytes > 300 * 2**20
    assert run.problems[0].startswith("it ran for ") and run.problems[0].endswith("over its budget of 2 s")
    run.budget_bytes = 200 * 2**20
    assert run.problems[1].startswith("its kernel used ")


def test_budgets_default_by_module_and_may_only_be_lowered(tmp_path):
    nb = nbformat.v4.new_notebook()
    assert budget_seconds(tmp_path / "01-python-fundamentals" / "a.ipynb", nb) == BUDGET_SECONDS
    assert budget_seconds(tmp_path / "06-deep-learning" / "a.ipynb", nb) == DEEP_LEARNING_SECONDS
    films = tmp_path / "08-real-world-projects" / "02-chest-film-classifier.ipynb"
    assert budget_seconds(films, nb) == DEEP_LEARNING_SECONDS
    assert budget_seconds(films.with_name("01-disease-detection.ipynb"), nb) == BUDGET_SECONDS
    nb.metadata["healthpath"] = {"budget_seconds": 30}
    assert budget_seconds(tmp_path / "01-python-fundamentals" / "a.ipynb", nb) == 30
    nb.metadata["healthpath"] = {"budget_seconds": 120}
    with pytest.raises(LessonSetupError, match="healthpath.budget_seconds is 120; it may only lower"):
        budget_seconds(tmp_path / "01-python-fundamentals" / "a.ipynb", nb)
