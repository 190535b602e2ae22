"""Self-checks for the course's exercises.

Each check raises :class:`CheckFailed` with a message that says what is wrong and how to fix it,
never the expected value. Checks are strict: a DataFrame where a Series is asked for, an int where a
float is asked for, or an object that claims to equal everything all fail.

``observe`` and ``hidden_case`` are for the instructor's hidden tests: ``observe`` records a raw
output with the rule that judges it (:mod:`healthpath.rules`), applied at grading time by a trusted
process outside the notebook; ``hidden_case`` gives the inputs of a case the grader prepared.
"""

from __future__ import annotations

import hashlib
import json
import linecache
import os
import pickle
import runpy
import sysconfig
import traceback
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from healthpath import records, rules

OBSERVATIONS_ENV = "HEALTHPATH_OBSERVATIONS"
CASES_ENV = "HEALTHPATH_CASES"
DEVELOPMENT_SEED = 0  # hidden cases built outside grading (never the offering's private seed)


class CheckFailed(AssertionError):
    """A check did not pass; the message says what is wrong and how to fix it."""

    def _render_traceback_(self) -> list[str]:
        """How IPython shows this error (and what nbgrader's Validate reads): the message first,
        then only the learner's own lines that led to it, never the lines inside the checks."""
        where = [_where(frame, lineno) for frame, lineno in traceback.walk_tb(self.__traceback__)
                 if _is_learners(frame.f_code.co_filename)]
        return [f"{RED}CheckFailed{RESET}: {self}"] + (["", *where] if where else [])


RED, RESET = "\x1b[0;31m", "\x1b[0m"  # how IPython colours an error's name
NOT_LEARNERS = tuple({os.path.realpath(folder) for folder in (
    os.path.dirname(__file__),
    *(sysconfig.get_paths()[name] for name in ("stdlib", "platstdlib", "purelib", "platlib")),
)})  # the checks themselves, Python's standard library and installed packages


def _is_learners(filename: str) -> bool:
    path = os.path.realpath(filename)
    return not any(path == folder or path.startswith(folder + os.sep) for folder in NOT_LEARNERS)


def _where(frame: Any, lineno: int) -> str:
    """One line of a learner's code, as IPython names it: "Cell In[3], line 2" and the line."""
    code = frame.f_code
    label = _cell_label(code.co_filename) or f"File {code.co_filename}"
    place = f"{label}, line {lineno}" + ("" if code.co_name == "<module>" else f", in {code.co_name}")
    source = linecache.getline(code.co_filename, lineno).strip()
    return f"{place}\n----> {lineno} {source}" if source else place


def _cell_label(filename: str) -> str | None:
    shell = _shell()
    label = shell.compile.format_code_name(filename) if shell is not None else None
    return " ".join(label) if label else None


def _fail(what: str, problem: str, fix: str = "") -> None:
    raise CheckFailed(f"{what}: {problem}." + (f" {fix}" if fix else ""))


def is_a(value: Any, types: type | tuple[type, ...], what: str) -> None:
    """Check that ``value`` is an instance of ``types`` (bool never passes for int or float)."""
    types = types if isinstance(types, tuple) else (types,)
    names = " or ".join(t.__name__ for t in types)
    if isinstance(value, bool) and bool not in types:
        _fail(what, f"got a bool, expected {names}")
    if not isinstance(value, types):
        _fail(what, f"got a {type(value).__name__}, expected {names}",
              "Check what your code returns (a missing `return` gives None).")


def equal(actual: Any, expected: Any, what: str) -> None:
    """Check that ``actual`` equals ``expected`` exactly: same type, same value."""
    _compare(actual, _record(actual, what), expected, what, rtol=0.0, atol=0.0)


def close(actual: Any, expected: Any, what: str, rtol: float = 1e-6, atol: float = 0.0) -> None:
    """Check numbers or arrays against ``expected`` within the stated tolerances (an int may
    stand for a float)."""
    actual_record = _record(actual, what)
    if isinstance(expected, float) and actual_record["kind"] == "int":
        actual_record = {"kind": "float", "value": float(actual_record["value"])}
    _compare(actual, actual_record, expected, what, rtol=rtol, atol=atol)


def _record(value: Any, what: str) -> records.Record:
    try:
        return records.encode(value)
    except records.UnrecordableError as error:
        _fail(what, str(error))


def _compare(actual: Any, actual_record: records.Record, expected: Any, what: str, rtol: float,
             atol: float) -> None:
    reason = records.compare(records.encode(expected), actual_record, rtol, atol)
    if reason is not None:
        size = _size(actual)
        _fail(what, reason + (f"; your value is {size}" if size else ""),
              "Re-read the exercise's specification (types, units, rounding).")


def _size(value: Any) -> str | None:
    """The type and size of a value that holds several (never its contents), or None."""
    if isinstance(value, pd.DataFrame):
        return f"a DataFrame of {_count(value.shape[0], 'row')} and {_count(value.shape[1], 'column')}"
    if isinstance(value, pd.Series):
        return f"a Series of {_count(len(value), 'value')} ({value.dtype})"
    if isinstance(value, np.ndarray):
        return f"a NumPy array of shape {value.shape} ({value.dtype})"
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return f"a {type(value).__name__} of {_count(len(value), 'item')}"
    return None


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def frame(
    df: Any,
    what: str,
    columns: Iterable[str] | None = None,
    n_rows: int | None = None,
    index_name: str | None = None,
    no_missing: Iterable[str] = (),
) -> None:
    """Check a DataFrame's type, exact columns (in order), row count, index name and gaps."""
    is_a(df, pd.DataFrame, what)
    if columns is not None and list(df.columns) != list(columns):
        missing = [c for c in columns if c not in df.columns]
        extra = [c for c in df.columns if c not in list(columns)]
        _fail(what, f"its columns are not the required ones (missing: {missing}, unexpected: "
              f"{extra}, or in another order)", "Return exactly the columns the exercise lists.")
    if n_rows is not None and len(df) != n_rows:
        _fail(what, f"it has {len(df)} rows, not {n_rows}")
    if index_name is not None and df.index.name != index_name:
        _fail(what, f"its index is named {df.index.name!r}, not {index_name!r}",
              "Use df.set_index(...) or rename the index.")
    for column in no_missing:
        if column in df.columns and df[column].isna().any():
            _fail(what, f"column {column!r} has {int(df[column].isna().sum())} missing values",
                  "Handle missing values as the exercise describes.")


def array(a: Any, what: str, shape: tuple[int | None, ...] | None = None,
          dtype_kind: str | None = None) -> None:
    """Check a NumPy array's type, shape (None matches any size) and dtype kind ('f', 'i', 'b'...)."""
    is_a(a, np.ndarray, what)
    if shape is not None and (
        a.ndim != len(shape) or any(s is not None and s != n for s, n in zip(shape, a.shape))
    ):
        _fail(what, f"its shape is {a.shape}, expected {shape} (None: any size)")
    if dtype_kind is not None and a.dtype.kind not in dtype_kind:
        _fail(what, f"its dtype is {a.dtype}, expected kind {dtype_kind!r}",
              "Convert with .astype(...) if the values are right.")


def fitted(estimator: Any, what: str) -> None:
    """Check that a scikit-learn estimator or pipeline has been fitted."""
    from sklearn.base import BaseEstimator
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    is_a(estimator, BaseEstimator, what)
    try:
        check_is_fitted(estimator)
    except NotFittedError:
        _fail(what, "it has not been fitted", "Call .fit(X_train, y_train) before returning it.")


def figure(fig_or_ax: Any, what: str, title: bool = True, xlabel: bool = True,
           ylabel: bool = True) -> None:
    """Check that every plot in a matplotlib Figure (or one Axes) has a title and axis labels."""
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    is_a(fig_or_ax, (Figure, Axes), what)
    axes = fig_or_ax.get_axes() if isinstance(fig_or_ax, Figure) else [fig_or_ax]
    plots = [ax for ax in axes if ax.has_data()]
    if not plots:
        _fail(what, "it has no plotted data", "Draw on the Axes you return.")
    for number, ax in enumerate(plots, start=1):
        where = f"plot {number}" if len(plots) > 1 else "the plot"
        if title and not (ax.get_title() or (isinstance(fig_or_ax, Figure) and fig_or_ax._suptitle)):
            _fail(what, f"{where} has no title", "Use ax.set_title(...).")
        if xlabel and not ax.get_xlabel():
            _fail(what, f"{where} has no x-axis label", "Use ax.set_xlabel(...) with units.")
        if ylabel and not ax.get_ylabel():
            _fail(what, f"{where} has no y-axis label", "Use ax.set_ylabel(...) with units.")


def raises(function: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
    """The name of the exception ``function(*args, **kwargs)`` raises, or ``"no error"``."""
    try:
        function(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - the point is to report any exception
        return type(error).__name__
    return "no error"


def outcome(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """What ``function(*args, **kwargs)`` returns, or the name of the exception it raises: record
    refusals together with cases that must be computed, ``[check.outcome(f, x) for x in cases]``."""
    try:
        return function(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - the point is to report any exception
        return type(error).__name__


def observe(key: str, value: Any, rtol: float = 0.0, atol: float = 0.0,
            rule: rules.Rule | None = None) -> None:
    """Record ``value`` under ``key`` for grading (hidden tests only), judged by ``rule``
    (default: ``rules.equal(rtol, atol)``).

    At grading time a trusted process applies the rule the reference solution recorded to this
    value. In a learner's own kernel this only checks that the value and the rule can be recorded.
    """
    if not isinstance(key, str) or not key:
        raise TypeError("observe needs a non-empty string key")
    if rule is not None and (rtol or atol):
        raise TypeError("give the tolerances inside the rule (rules.equal(rtol=..., atol=...))")
    rule = rules.validate(rule) if rule is not None else rules.equal(rtol, atol)
    record = _record(value, key)
    target = os.environ.get(OBSERVATIONS_ENV)
    if not target:
        return
    line = {"key": key, "record": record, "rule": rule, "cell": _execution_count()}
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")


def hidden_case(name: str) -> Any:
    """The inputs of hidden case ``name`` (hidden tests only): at grading time the grader builds
    them outside the sandbox from the course offering's private seed and keeps their labels.

    Outside grading (an instructor running the source notebook) the case is built here from
    ``hidden_cases.py`` in the current folder, with a development seed, and without its labels.
    """
    folder = os.environ.get(CASES_ENV)
    if folder:
        path = os.path.join(folder, case_file(name))
        if not os.path.exists(path):
            raise KeyError(f"no hidden case {name!r} was prepared for this notebook; hidden cases are "
                           "declared in CASES of source/<assignment>/hidden_cases.py")
        with open(path, "rb") as handle:
            return pickle.load(handle)
    if not os.path.exists("hidden_cases.py"):
        raise FileNotFoundError("hidden_case() works at grading time, or next to the assignment's "
                                "source/<assignment>/hidden_cases.py")
    build = runpy.run_path("hidden_cases.py")["CASES"][name]
    return build(DEVELOPMENT_SEED)[0]


def case_file(name: str) -> str:
    """The file name under which hidden case ``name`` is handed to the kernel."""
    return "case-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:16] + ".pickle"


def _execution_count() -> int | None:
    shell = _shell()
    return None if shell is None else shell.execution_count


def _shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def series(s: Any, what: str, name: str | None = None, length: int | None = None,
           dtype_kind: str | None = None, index_name: str | None = None,
           no_missing: bool = False) -> None:
    """Check a pandas Series' type, name, length, dtype kind ('f', 'i', 'b', 'O'...), index name
    and gaps."""
    is_a(s, pd.Series, what)
    if name is not None and s.name != name:
        _fail(what, f"it is named {s.name!r}, not {name!r}", "Use .rename(...) to name it.")
    if length is not None and len(s) != length:
        _fail(what, f"it has {len(s)} values, not {length}")
    if dtype_kind is not None and s.dtype.kind not in dtype_kind:
        _fail(what, f"its dtype is {s.dtype}, expected kind {dtype_kind!r}",
              "Convert with .astype(...) if the values are right.")
    if index_name is not None and s.index.name != index_name:
        _fail(what, f"its index is named {s.index.name!r}, not {index_name!r}",
              "Use .rename_axis(...) or build it from a frame indexed that way.")
    if no_missing and s.isna().any():
        _fail(what, f"it has {int(s.isna().sum())} missing values",
              "Handle missing values as the exercise describes.")


def same_index(actual: Any, reference: Any, what: str, reference_what: str) -> None:
    """Check that Series/DataFrame ``actual`` has exactly the index (labels and order) of
    ``reference``, e.g. predictions aligned with the rows of ``X_test``."""
    is_a(actual, (pd.Series, pd.DataFrame), what)
    is_a(reference, (pd.Series, pd.DataFrame, pd.Index), reference_what)
    index = reference if isinstance(reference, pd.Index) else reference.index
    if len(actual.index) != len(index):
        _fail(what, f"its index has {len(actual.index)} labels, {reference_what}'s has {len(index)}",
              "Keep one row per row of " + reference_what + ".")
    reason = records.compare(_record(index, reference_what), _record(actual.index, what))
    if reason is not None:
        _fail(what, f"its index is not the index of {reference_what} ({reason})",
              "Build it from " + reference_what + " without sorting, resetting or shuffling rows "
              "(pass index=... when you wrap a NumPy result).")


def pipeline(est: Any, what: str, steps: Iterable[type] | None = None) -> None:
    """Check a scikit-learn Pipeline and, when given, the type of each of its steps in order."""
    from sklearn.pipeline import Pipeline

    is_a(est, Pipeline, what)
    if steps is None:
        return
    steps = list(steps)
    names = [type(step).__name__ for _, step in est.steps]
    wanted = [step.__name__ for step in steps]
    if len(est.steps) != len(steps):
        _fail(what, f"it has {len(est.steps)} steps ({', '.join(names)}), not {len(steps)}",
              f"Build it as make_pipeline({', '.join(wanted)}).")
    for number, ((_, step), kind) in enumerate(zip(est.steps, steps), start=1):
        if not isinstance(step, kind):
            _fail(what, f"step {number} is a {type(step).__name__}, expected a {kind.__name__}",
                  f"Build it as make_pipeline({', '.join(wanted)}).")


def keras_model(model: Any, what: str, input_shape: tuple[int | None, ...] | None = None,
                n_outputs: int | None = None) -> None:
    """Check a built Keras model, its input shape (without the batch axis; None matches any
    size) and its number of outputs per example (the last axis of its output)."""
    import keras

    is_a(model, keras.Model, what)
    if not model.built or not model.inputs:
        _fail(what, "it has not been built (its input shape is unknown)",
              "Start it with keras.Input(shape=...) or call .build(...) before returning it.")
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        _fail(what, f"it has {len(model.inputs)} inputs and {len(model.outputs)} outputs, not one of "
              "each", "Use one keras.Input and one final layer.")
    shape = tuple(model.inputs[0].shape[1:])
    if input_shape is not None and (
        len(shape) != len(input_shape)
        or any(s is not None and s != n for s, n in zip(input_shape, shape))
    ):
        _fail(what, f"its input shape (without the batch axis) is {shape}, expected {input_shape} "
              "(None: any size)", "Set keras.Input(shape=...) to the shape of one example.")
    outputs = model.outputs[0].shape[-1]
    if n_outputs is not None and outputs != n_outputs:
        _fail(what, f"it gives {outputs} outputs per example, not {n_outputs}",
              "Give the final layer as many units as the exercise asks for.")
