"""Tests of the learner-facing checks in healthpath.check."""

import json
import pickle
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from healthpath import check, rules  # noqa: E402


class EqualsEverything:
    """An object that claims to equal anything (and to be close to anything)."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__


class FakeFrame(pd.DataFrame):
    """A DataFrame subclass whose comparisons always claim success."""

    def __eq__(self, other):
        return True

    def equals(self, other):
        return True


def fails(match, function, *args, **kwargs):
    with pytest.raises(check.CheckFailed, match=match):
        function(*args, **kwargs)


# is_a ---------------------------------------------------------------------------------------------

def test_is_a_accepts_the_type_and_rejects_others():
    check.is_a(3.0, float, "dose")
    check.is_a(3, (int, float), "dose")
    fails(r"dose: got a str, expected float", check.is_a, "3.0", float, "dose")
    fails(r"got a NoneType.*missing `return`", check.is_a, None, float, "dose")


def test_is_a_never_takes_a_bool_for_a_number():
    fails(r"got a bool, expected int", check.is_a, True, int, "count")
    check.is_a(True, bool, "flag")


# equal / close ------------------------------------------------------------------------------------

def test_equal_passes_on_the_same_value_and_type():
    check.equal(3, 3, "count")
    check.equal("SEPSIS", "SEPSIS", "code")
    check.equal([1, "a"], [1, "a"], "items")


@pytest.mark.parametrize("actual, expected, reason", [
    (4, 3, "not the right one"),
    (3.0, 3, "a float where an integer"),
    (True, 1, "a bool where an integer"),
    (1, True, "an integer where a bool"),
    ((1, 2), [1, 2], "a tuple where a list"),
    (np.array([1, 2]), [1, 2], "a NumPy array where a list"),
])
def test_equal_is_strict_about_type_and_value(actual, expected, reason):
    fails(reason, check.equal, actual, expected, "answer")


def test_close_allows_the_stated_tolerance_only():
    check.close(22.8571, 22.857142857, "bmi", rtol=1e-5)
    fails(r"bmi: the number differs .*rtol=1e-06", check.close, 22.8571, 22.857142857, "bmi")
    check.close(5, 5.0, "count as float")
    fails("a float where an integer", check.close, 5.0, 5, "count")
    fails("a bool where a float", check.close, True, 1.0, "flag")


def test_close_checks_array_shape_and_dtype():
    check.close(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]), "readings", rtol=1e-6)
    fails(r"shape is \(3,\), not \(2,\)", check.close, np.zeros(3), np.zeros(2), "readings")
    fails("another type", check.close, np.array(["1", "2"]), np.array([1.0, 2.0]), "readings")
    fails("1 of 2 values differ", check.close, np.array([1.0, 3.0]), np.array([1.0, 2.0]), "readings")


def test_comparisons_never_reveal_the_expected_value():
    with pytest.raises(check.CheckFailed) as error:
        check.close(41.25, 37.123456, "temperature")
    assert "37.12" not in str(error.value)
    with pytest.raises(check.CheckFailed) as error:
        check.equal("A41.9", "R65.21", "code")
    assert "R65" not in str(error.value)


@pytest.mark.parametrize("actual, expected, size", [
    (np.array([1.0, 3.0]), np.array([1.0, 2.0]), r"your value is a NumPy array of shape \(2,\) \(float64\)"),
    (pd.Series([1, 5, 3]), pd.Series([1, 2, 3]), r"your value is a Series of 3 values \(int64\)"),
    (pd.DataFrame({"k": [4.1, 9.9]}), pd.DataFrame({"k": [4.1, 6.0]}),
     r"your value is a DataFrame of 2 rows and 1 column\."),
    ([1, 2, 3], [1, 2], "your value is a list of 3 items"),
    ({"train": [1]}, {"test": [1]}, r"your value is a dict of 1 item\."),
])
def test_a_failed_comparison_says_what_the_learners_value_is(actual, expected, size):
    fails(size, check.close, actual, expected, "answer")


def test_a_failed_comparison_of_numbers_adds_nothing_to_the_reason():
    with pytest.raises(check.CheckFailed) as error:
        check.close(41.25, 37.123456, "temperature")
    assert "your value" not in str(error.value)


def test_what_the_learners_value_is_never_shows_a_value():
    with pytest.raises(check.CheckFailed) as error:
        check.close(np.array([0.5, 0.25]), np.array([0.125, 0.375]), "risk")
    assert not any(number in str(error.value) for number in ("0.5", "0.25", "0.125", "0.375"))


def test_a_failed_check_renders_its_message_first_and_none_of_the_checks_lines():
    with pytest.raises(check.CheckFailed) as error:
        check.close(np.array([1.0, 3.0]), np.array([1.0, 2.0]), "readings")
    lines = error.value._render_traceback_()
    assert lines[0] == f"{check.RED}CheckFailed{check.RESET}: {error.value}"
    text = "\n".join(lines)
    assert f"File {__file__}, line" in text and "check.close(np.array([1.0, 3.0])" in text
    assert str(Path(check.__file__).parent) not in text


@pytest.mark.parametrize("comparison, expected", [
    (check.equal, 3),
    (check.equal, "SEPSIS"),
    (check.close, 22.86),
    (check.close, np.array([1.0, 2.0])),
    (check.equal, pd.Series([1, 2])),
])
def test_an_object_that_equals_everything_fails_every_comparison(comparison, expected):
    fails("cannot be recorded", comparison, EqualsEverything(), expected, "answer")


def test_a_frame_subclass_that_claims_equality_is_compared_by_value():
    expected = pd.DataFrame({"patient_id": [1, 2], "k": [4.1, 6.0]})
    fake = FakeFrame({"patient_id": [9, 9], "k": [0.0, 0.0]})
    fails("values", check.close, fake, expected, "labs")


def test_close_checks_series_dtype_and_index():
    expected = pd.Series([1.0, 2.0], index=[10, 11], name="k")
    check.close(expected.copy(), expected, "k")
    fails("dtype is int64, not float64", check.close, expected.astype(int), expected, "k")
    fails("in its index", check.close, expected.reset_index(drop=True), expected, "k")
    fails("in its name", check.close, expected.rename("x"), expected, "k")


# frame / series / same_index -----------------------------------------------------------------------

LABS = pd.DataFrame({"patient_id": [1, 2, 3], "potassium_mmol_l": [4.1, 6.0, np.nan]})


def test_frame_checks_columns_rows_index_and_gaps():
    check.frame(LABS, "labs", columns=["patient_id", "potassium_mmol_l"], n_rows=3)
    fails("got a Series", check.frame, LABS["patient_id"], "labs")
    fails(r"missing: \['potassium_mmol_l'\]", check.frame, LABS[["patient_id"]], "labs",
          columns=["patient_id", "potassium_mmol_l"])
    fails("or in another order", check.frame, LABS[["potassium_mmol_l", "patient_id"]], "labs",
          columns=["patient_id", "potassium_mmol_l"])
    fails("it has 3 rows, not 2", check.frame, LABS, "labs", n_rows=2)
    fails("index is named None, not 'patient_id'", check.frame, LABS, "labs", index_name="patient_id")
    check.frame(LABS.set_index("patient_id"), "labs", index_name="patient_id")
    fails("'potassium_mmol_l' has 1 missing values", check.frame, LABS, "labs",
          no_missing=["potassium_mmol_l"])


def test_series_checks_type_name_length_dtype_index_and_gaps():
    s = LABS.set_index("patient_id")["potassium_mmol_l"]
    check.series(s, "k", name="potassium_mmol_l", length=3, dtype_kind="f", index_name="patient_id")
    fails("got a DataFrame", check.series, LABS, "k")
    fails("got a ndarray", check.series, s.to_numpy(), "k")
    fails("named 'potassium_mmol_l', not 'k'", check.series, s, "k", name="k")
    fails("3 values, not 2", check.series, s, "k", length=2)
    fails("dtype is float64, expected kind 'i'", check.series, s, "k", dtype_kind="i")
    fails("index is named 'patient_id', not 'mrn'", check.series, s, "k", index_name="mrn")
    fails("1 missing values", check.series, s, "k", no_missing=True)


def test_same_index_checks_labels_and_order():
    X_test = pd.DataFrame({"age": [70, 50, 60]}, index=[12, 5, 9])
    check.same_index(pd.Series([0.1, 0.2, 0.3], index=X_test.index), X_test, "risk", "X_test")
    fails("index has 2 labels, X_test's has 3", check.same_index,
          pd.Series([0.1, 0.2], index=[12, 5]), X_test, "risk", "X_test")
    fails("not the index of X_test", check.same_index,
          pd.Series([0.1, 0.2, 0.3]), X_test, "risk", "X_test")
    fails("not the index of X_test", check.same_index,
          pd.Series([0.1, 0.2, 0.3], index=[5, 9, 12]), X_test, "risk", "X_test")
    fails("another type", check.same_index,
          pd.Series([0.1, 0.2, 0.3], index=["12", "5", "9"]), X_test, "risk", "X_test")
    fails("got a ndarray", check.same_index, np.zeros(3), X_test, "risk", "X_test")


# array / fitted / pipeline ---------------------------------------------------------------------------

def test_array_checks_type_shape_and_dtype_kind():
    check.array(np.zeros((4, 2)), "X", shape=(None, 2), dtype_kind="f")
    fails("got a list", check.array, [[0.0, 0.0]], "X")
    fails(r"shape is \(4, 3\), expected \(None, 2\)", check.array, np.zeros((4, 3)), "X", shape=(None, 2))
    fails(r"shape is \(4,\)", check.array, np.zeros(4), "X", shape=(None, 2))
    fails("dtype is int64, expected kind 'f'", check.array, np.zeros(2, dtype=int), "X", dtype_kind="f")


def test_fitted_needs_a_fitted_estimator():
    model = LogisticRegression()
    fails("has not been fitted", check.fitted, model, "model")
    model.fit([[0.0], [1.0]], [0, 1])
    check.fitted(model, "model")
    fails("got a str", check.fitted, "LogisticRegression()", "model")


def test_pipeline_checks_its_steps_in_order():
    model = make_pipeline(StandardScaler(), LogisticRegression())
    check.pipeline(model, "model", steps=[StandardScaler, LogisticRegression])
    check.pipeline(model, "model")
    fails("got a LogisticRegression", check.pipeline, LogisticRegression(), "model")
    fails(r"it has 1 steps \(LogisticRegression\), not 2", check.pipeline,
          make_pipeline(LogisticRegression()), "model", steps=[StandardScaler, LogisticRegression])
    fails("step 1 is a LogisticRegression, expected a StandardScaler", check.pipeline,
          make_pipeline(LogisticRegression(), StandardScaler()), "model",
          steps=[StandardScaler, LogisticRegression])


# keras_model ------------------------------------------------------------------------------------------

def test_keras_model_checks_build_input_shape_and_outputs():
    keras = pytest.importorskip("keras")
    model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(3)])
    check.keras_model(model, "model", input_shape=(8,), n_outputs=3)
    check.keras_model(model, "model", input_shape=(None,))
    fails(r"input shape \(without the batch axis\) is \(8,\), expected \(4,\)",
          check.keras_model, model, "model", input_shape=(4,))
    fails(r"input shape .* expected \(8, 1\)", check.keras_model, model, "model", input_shape=(8, 1))
    fails("gives 3 outputs per example, not 1", check.keras_model, model, "model", n_outputs=1)
    fails("has not been built", check.keras_model, keras.Sequential([keras.layers.Dense(1)]), "model")
    fails("got a LogisticRegression", check.keras_model, LogisticRegression(), "model")


# figure ----------------------------------------------------------------------------------------------

def test_figure_needs_data_title_and_labels():
    fig, ax = plt.subplots()
    fails("no plotted data", check.figure, fig, "plot")
    ax.plot([1, 2], [3, 4])
    fails("the plot has no title", check.figure, fig, "plot")
    ax.set_title("Heart rate")
    fails("no x-axis label", check.figure, ax, "plot")
    ax.set_xlabel("time (h)")
    fails("no y-axis label", check.figure, ax, "plot")
    ax.set_ylabel("beats/min")
    check.figure(fig, "plot")
    fails("got a str", check.figure, "a plot", "plot")
    plt.close(fig)


# raises / observe ------------------------------------------------------------------------------------

def test_raises_names_the_exception():
    assert check.raises(int, "x") == "ValueError"
    assert check.raises(int, "3") == "no error"


def test_observe_records_a_json_line_only_when_grading(tmp_path, monkeypatch):
    monkeypatch.delenv(check.OBSERVATIONS_ENV, raising=False)
    check.observe("bmi", 22.5)  # a learner's kernel: nothing is written
    target = tmp_path / "observations.jsonl"
    monkeypatch.setenv(check.OBSERVATIONS_ENV, str(target))
    check.observe("bmi", 22.5, rtol=1e-6)
    check.observe("labs", pd.Series([1, 2]))
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [line["key"] for line in lines] == ["bmi", "labs"]
    assert lines[0]["record"] == {"kind": "float", "value": 22.5}
    assert lines[0]["rule"] == {"rule": "equal", "rtol": 1e-6, "atol": 0.0}
    assert lines[1]["record"]["kind"] == "series"


def test_observe_records_the_rule_and_refuses_a_malformed_one(tmp_path, monkeypatch):
    target = tmp_path / "observations.jsonl"
    monkeypatch.setenv(check.OBSERVATIONS_ENV, str(target))
    check.observe("split", {"train": [1, 2], "test": [3]}, rule=rules.partition(size_atol=1))
    assert json.loads(target.read_text())["rule"] == {"rule": "partition", "size_rtol": 0.0,
                                                      "size_atol": 1.0}
    with pytest.raises(rules.RuleError, match="unknown metric"):
        check.observe("risk", [0.5], rule={"rule": "metric", "metric": "luck", "truth": "a:b",
                                           "at_least": 0.5})
    with pytest.raises(TypeError, match="inside the rule"):
        check.observe("risk", [0.5], atol=0.1, rule=rules.equal())


def test_outcome_is_the_result_or_the_exceptions_name():
    assert check.outcome(int, "3") == 3
    assert check.outcome(int, "x") == "ValueError"


def test_hidden_case_reads_what_the_grader_prepared(tmp_path, monkeypatch):
    monkeypatch.setenv(check.CASES_ENV, str(tmp_path))
    (tmp_path / check.case_file("ward")).write_bytes(pickle.dumps({"potassium": [4.1, 6.2]}))
    assert check.hidden_case("ward") == {"potassium": [4.1, 6.2]}
    with pytest.raises(KeyError, match="no hidden case 'other'"):
        check.hidden_case("other")


def test_hidden_case_outside_grading_is_built_with_the_development_seed(tmp_path, monkeypatch):
    monkeypatch.delenv(check.CASES_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="hidden_cases.py"):
        check.hidden_case("ward")
    (tmp_path / "hidden_cases.py").write_text("CASES = {'ward': lambda seed: ([seed, 1], {'high': [1]})}\n")
    assert check.hidden_case("ward") == [check.DEVELOPMENT_SEED, 1]


def test_observe_refuses_unrecordable_values_and_bad_keys(tmp_path, monkeypatch):
    monkeypatch.setenv(check.OBSERVATIONS_ENV, str(tmp_path / "observations.jsonl"))
    fails("cannot be recorded", check.observe, "x", EqualsEverything())
    with pytest.raises(TypeError, match="non-empty string key"):
        check.observe("", 1)
    assert not (tmp_path / "observations.jsonl").exists()
