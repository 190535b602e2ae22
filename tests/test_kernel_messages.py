"""Messages in a learner's kernel: warnings stay visible but never fail nbgrader's Validate, and a
failed check shows its message first and only the learner's own lines."""

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert.filters import strip_ansi
from nbformat.v4 import new_code_cell, new_notebook

from healthpath import check
from healthpath.kernel import STDERR_LOOK

ROOT = Path(__file__).resolve().parent.parent
TENSORFLOW_IMPORT = re.compile(r"^\s*(import|from)\s+(tensorflow|keras)\b", re.MULTILINE)
CONVERGENCE_WARNING = """\
import numpy as np
from sklearn.linear_model import LogisticRegression

rng = np.random.default_rng(0)
X = rng.normal(size=(200, 5))
y = (X[:, 0] + rng.normal(size=200) > 0).astype(int)
model = LogisticRegression(max_iter=2).fit(X, y)
"""


def notebook(*sources, grade_cells=()):
    """A notebook of code cells; the cells numbered in ``grade_cells`` are nbgrader test cells."""
    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for number, cell in enumerate(nb.cells):
        graded = number in grade_cells
        cell.metadata["nbgrader"] = {
            "grade": graded, "solution": False, "locked": True, "schema_version": 3,
            "grade_id": f"cell-{number}", **({"points": 1} if graded else {}),
        }
    return nb


def streams(cell, name):
    return "".join(out.text for out in cell.outputs if out.output_type == "stream" and out.name == name)


def displayed(cell):
    return [out.data for out in cell.outputs if out.output_type == "display_data"]


@pytest.fixture(scope="module")
def executed():
    nb = notebook(
        "import os\nimport healthpath\nprint(os.environ['TF_CPP_MIN_LOG_LEVEL'])",
        "import warnings\nwarnings.warn('check the units of creatinine')",
        CONVERGENCE_WARNING,
    )
    NotebookClient(nb, timeout=120).execute()
    return nb.cells


def test_kernel_quietens_tensorflow_cpp_logs(executed):
    assert streams(executed[0], "stdout").strip() == "3"


MASKED_GRU = """\
import numpy as np
windows = np.random.default_rng(0).random((64, 12, 3)).astype("float32")
windows[:8, :4] = 0.0
model = keras.Sequential([keras.Input((12, 3)), keras.layers.Masking(), keras.layers.GRU(4),
                          keras.layers.Dense(1, activation="sigmoid")])
model.compile("adam", "binary_crossentropy")
model.fit(windows, (windows[:, -1, 0] > 0.5).astype("float32"), epochs=1, verbose=0, validation_split=0.25)
print(model.predict(windows, verbose=0).shape)
"""


def test_keras_imports_and_trains_without_tensorflows_log_notices_and_stderr_is_given_back():
    nb = notebook("import healthpath\nimport keras\nprint(keras.backend.backend())", MASKED_GRU,
                  "import os\nprint(os.path.samestat(os.fstat(2), os.stat(os.devnull)))")
    NotebookClient(nb, timeout=300).execute()
    assert streams(nb.cells[0], "stdout") == "tensorflow\n"
    assert streams(nb.cells[1], "stdout") == "(64, 1)\n"
    assert streams(nb.cells[0], "stderr") == streams(nb.cells[1], "stderr") == ""
    assert streams(nb.cells[2], "stdout") == "False\n"


def test_python_warning_is_shown_with_the_stderr_look_and_a_plain_text_copy(executed):
    [warning] = displayed(executed[1])
    assert sorted(warning) == sorted([STDERR_LOOK, "text/plain"])
    assert warning[STDERR_LOOK] == warning["text/plain"]
    assert "UserWarning: check the units of creatinine" in warning["text/plain"]
    assert streams(executed[1], "stderr") == streams(executed[1], "stdout") == ""


def test_scikit_learn_warning_is_shown_and_never_on_stderr(executed):
    assert any("ConvergenceWarning" in data["text/plain"] for data in displayed(executed[2]))
    assert streams(executed[2], "stderr") == ""


def test_outside_a_kernel_warnings_stay_on_stderr_and_a_chosen_tf_level_is_kept(tmp_path):
    code = "import os, warnings, healthpath; warnings.warn('w'); print(os.environ['TF_CPP_MIN_LOG_LEVEL'])"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "0"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                            cwd=tmp_path, check=True)
    assert result.stdout.strip() == "0"
    assert "UserWarning: w" in result.stderr


def validate(tmp_path, setup):
    """nbgrader's Validate on a notebook whose first test cell is a correct answer that warns and
    whose second is a wrong one: the sources of the cells it reports as failed, and their errors."""
    from nbgrader.validator import Validator

    nb = notebook(
        setup,
        CONVERGENCE_WARNING + "assert model.coef_.shape == (1, 5)",
        "assert model.score(X, y) > 2.0, 'accuracy is above 1?'",
        grade_cells=(1, 2),
    )
    path = tmp_path / "exercise.ipynb"
    nbformat.write(nb, path)
    return {cell["source"].splitlines()[-1]: cell["raw_error"]
            for cell in Validator().validate(str(path)).get("failed", [])}


def test_validate_passes_a_correct_answer_that_warns_once_healthpath_is_imported(tmp_path):
    failed = validate(tmp_path, "from healthpath import check")
    assert list(failed) == ["assert model.score(X, y) > 2.0, 'accuracy is above 1?'"]
    assert "accuracy is above 1?" in failed["assert model.score(X, y) > 2.0, 'accuracy is above 1?'"]


def test_without_healthpath_validate_fails_the_same_correct_answer(tmp_path):
    failed = validate(tmp_path, "import sklearn")
    assert "ConvergenceWarning" in failed["assert model.coef_.shape == (1, 5)"]


WRONG_BMI = "def bmi(weight_kg, height_m):\n    return weight_kg / height_m\n"
BMI_TEST = "check.close(bmi(70, 1.75), 22.857, 'BMI', rtol=1e-3)"
OWN_CHECK = "def check_dose(dose):\n    check.is_a(dose, float, 'dose')\n"


def failure_of(function, *args, **kwargs):
    """The message of the CheckFailed a check raises here, outside any kernel."""
    with pytest.raises(check.CheckFailed) as failure:
        function(*args, **kwargs)
    return str(failure.value)


def lines_inside_healthpath(text):
    package = str(Path(check.__file__).parent)
    return [line for line in text.splitlines() if package in line]


@pytest.fixture(scope="module")
def failed_checks():
    """The error outputs of a wrong answer's test cell and of a learner's own function calling a check."""
    nb = notebook("from healthpath import check", WRONG_BMI, BMI_TEST, OWN_CHECK, "check_dose('5 mg')")
    NotebookClient(nb, timeout=120, allow_errors=True).execute()
    return [[out for out in cell.outputs if out.output_type == "error"] for cell in nb.cells]


def test_a_failed_check_shows_its_message_first_then_the_test_cell_line(failed_checks):
    [error] = failed_checks[2]
    assert error.ename == "CheckFailed"
    text = strip_ansi("\n".join(error.traceback))
    assert text.splitlines()[0] == "CheckFailed: " + failure_of(check.close, 70 / 1.75, 22.857, "BMI",
                                                                rtol=1e-3)
    assert "Cell In[3], line 1" in text and BMI_TEST in text
    assert lines_inside_healthpath(text) == []


def test_a_failed_check_in_the_learners_own_function_shows_both_lines(failed_checks):
    [error] = failed_checks[4]
    text = strip_ansi("\n".join(error.traceback))
    assert text.splitlines()[0] == "CheckFailed: " + failure_of(check.is_a, "5 mg", float, "dose")
    assert "Cell In[5], line 1" in text and "check_dose('5 mg')" in text
    assert "Cell In[4], line 2, in check_dose" in text
    assert lines_inside_healthpath(text) == []


def test_validate_shows_a_failed_checks_message_first_and_no_line_of_the_checks(tmp_path):
    from nbgrader.validator import Validator

    nb = notebook("from healthpath import check", WRONG_BMI, BMI_TEST, grade_cells=(2,))
    path = tmp_path / "exercise.ipynb"
    nbformat.write(nb, path)
    [failed] = Validator().validate(str(path))["failed"]
    error = strip_ansi(failed["raw_error"])
    assert error.splitlines()[0] == "CheckFailed: " + failure_of(check.close, 70 / 1.75, 22.857, "BMI",
                                                                 rtol=1e-3)
    assert lines_inside_healthpath(error) == []


@pytest.mark.parametrize("path", sorted(ROOT.glob("source/*/*.ipynb")), ids=lambda p: p.parent.name)
def test_no_test_cell_is_the_first_to_import_tensorflow(path):
    """TensorFlow prints a notice on stderr when first imported, which Validate would count as a
    failed test: assignments import it in a cell before their test cells."""
    imported = False
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        is_test = cell.metadata.get("nbgrader", {}).get("grade", False)
        assert imported or not (is_test and TENSORFLOW_IMPORT.search(cell.source)), (
            f"{path.relative_to(ROOT)}: test cell {cell.metadata['nbgrader'].get('grade_id')!r} is the first "
            "to import TensorFlow/Keras; import it in the setup cell instead."
        )
        imported = imported or bool(TENSORFLOW_IMPORT.search(cell.source))
