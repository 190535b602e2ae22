"""Plain, safe records of values, and their comparison.

A value is turned into JSON-ready data tagged with its kind (``encode``), so that it can leave a
notebook's kernel as data, never as code, and be compared later by a process that trusts nothing
the kernel did (``compare``). Comparison works on the records alone: an object's own ``__eq__``
is never called, so an object that claims to equal everything cannot pass.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

Record = dict[str, Any]


class UnrecordableError(TypeError):
    """The value is of a kind that cannot be recorded safely."""


def encode(value: Any) -> Record:
    """A tagged, JSON-ready record of ``value`` (numbers, text, containers, NumPy, pandas)."""
    if value is None:
        return {"kind": "none"}
    if isinstance(value, (bool, np.bool_)):
        return {"kind": "bool", "value": bool(value)}
    if isinstance(value, (int, np.integer)):
        return {"kind": "int", "value": int(value)}
    if isinstance(value, (float, np.floating)):
        return {"kind": "float", "value": float(value)}
    if isinstance(value, str):
        return {"kind": "str", "value": str(value)}
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return {"kind": "datetime", "value": pd.Timestamp(value).isoformat()}
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        return {"kind": kind, "items": [encode(item) for item in value]}
    if isinstance(value, (set, frozenset)):
        items = sorted((encode(item) for item in value), key=repr)
        return {"kind": "set", "items": items}
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise UnrecordableError("only dicts with string keys can be recorded")
        return {"kind": "dict", "items": {key: encode(item) for key, item in value.items()}}
    if isinstance(value, np.ndarray):
        return _encode_array(value)
    if isinstance(value, pd.Series):
        return {
            "kind": "series",
            "name": encode(value.name),
            "index": _encode_array(value.index.to_numpy()),
            "values": _encode_array(value.to_numpy()),
            "dtype": str(value.dtype),
        }
    if isinstance(value, pd.DataFrame):
        return {
            "kind": "frame",
            "columns": [encode(column) for column in value.columns],
            "index": _encode_array(value.index.to_numpy()),
            "dtypes": [str(dtype) for dtype in value.dtypes],
            "values": [_encode_array(value[column].to_numpy()) for column in value.columns],
        }
    if isinstance(value, pd.Index):
        return {"kind": "index", "values": _encode_array(value.to_numpy())}
    raise UnrecordableError(
        f"a value of type {type(value).__name__} cannot be recorded; give a number, text, list, "
        "dict, NumPy array or pandas object instead"
    )


def _encode_array(array: np.ndarray) -> Record:
    if array.dtype.kind == "M":
        items = [None if pd.isna(v) else pd.Timestamp(v).isoformat() for v in array.ravel()]
        return {"kind": "array", "dtype": "datetime", "shape": list(array.shape), "items": items}
    if array.dtype.kind == "O":
        return {"kind": "array", "dtype": "object", "shape": list(array.shape),
                "items": [encode(item) for item in array.ravel()]}
    if array.dtype.kind not in "biufUS":
        raise UnrecordableError(f"arrays of dtype {array.dtype} cannot be recorded")
    items = array.ravel().tolist()
    return {"kind": "array", "dtype": array.dtype.kind, "shape": list(array.shape), "items": items}


def decode(record: Record) -> Any:
    """Plain Python data of a record (numbers, text, lists, dicts; an array, Series or Index as a
    nested list of its values), for rules applied by a trusted process. Malformed records raise
    ``KeyError``, ``TypeError`` or ``ValueError``."""
    kind = record["kind"]
    if kind == "none":
        return None
    if kind in ("bool", "int", "float", "str", "datetime"):
        return record["value"]
    if kind in ("list", "tuple", "set"):
        return [decode(item) for item in record["items"]]
    if kind == "dict":
        return {str(key): decode(item) for key, item in record["items"].items()}
    if kind == "array":
        items = [decode(item) for item in record["items"]] if record["dtype"] == "object" else record["items"]
        if not record["shape"]:
            return items[0]
        return np.asarray(items, dtype=object).reshape(record["shape"]).tolist()
    if kind in ("series", "index"):
        return decode(record["values"])
    raise TypeError(f"records of kind {kind!r} cannot be decoded")


def compare(expected: Record, actual: Any, rtol: float = 0.0, atol: float = 0.0) -> str | None:
    """None when record ``actual`` matches record ``expected`` within the tolerances, else what
    differs.

    The reason names the kind of difference (type, shape, dtype, columns, values) but never the
    expected value itself. ``actual`` may come from untrusted code: anything malformed is a
    difference, never a crash.
    """
    try:
        return _compare(expected, actual, rtol, atol)
    except (KeyError, TypeError, ValueError, AttributeError):
        return "the recorded value is malformed"


def _compare(expected: Record, actual: Any, rtol: float, atol: float) -> str | None:
    if not isinstance(actual, dict) or "kind" not in actual:
        return "the recorded value is malformed"
    if expected["kind"] != actual["kind"]:
        return f"it is {_describe(actual)} where {_describe(expected)} is expected"
    kind = expected["kind"]
    if kind in ("none",):
        return None
    if kind in ("bool", "int", "str", "datetime"):
        return None if expected["value"] == actual["value"] else "the value is not the right one"
    if kind == "float":
        return None if _close(expected["value"], actual["value"], rtol, atol) else (
            f"the number differs from a correct answer by more than the tolerance "
            f"(rtol={rtol:g}, atol={atol:g})"
        )
    if kind in ("list", "tuple", "set"):
        if len(expected["items"]) != len(actual["items"]):
            return f"it has {len(actual['items'])} items, not the expected number"
        return _first(_compare(e, a, rtol, atol) for e, a in zip(expected["items"], actual["items"]))
    if kind == "dict":
        if set(expected["items"]) != set(actual.get("items", {})):
            return "its keys are not the expected ones"
        return _first(
            _within(f"at key {key!r}", _compare(item, actual["items"][key], rtol, atol))
            for key, item in expected["items"].items()
        )
    if kind == "array":
        return _compare_arrays(expected, actual, rtol, atol)
    if kind == "index":
        return _within("in the index", _compare_arrays(expected["values"], actual["values"], 0, 0))
    if kind == "series":
        if expected["dtype"] != actual["dtype"]:
            return f"its dtype is {actual['dtype']}, not {expected['dtype']}"
        return _first([
            _within("in its name", _compare(expected["name"], actual["name"], 0, 0)),
            _within("in its index", _compare_arrays(expected["index"], actual["index"], 0, 0)),
            _compare_arrays(expected["values"], actual["values"], rtol, atol),
        ])
    if kind == "frame":
        columns = _compare({"kind": "list", "items": expected["columns"]},
                          {"kind": "list", "items": actual["columns"]}, 0, 0)
        if columns is not None:
            return "its columns are not the expected ones (names and order)"
        if expected["dtypes"] != actual["dtypes"]:
            return "its column dtypes are not the expected ones"
        return _first([
            _within("in its index", _compare_arrays(expected["index"], actual["index"], 0, 0)),
            *(
                _within(f"in column {i + 1}", _compare_arrays(e, a, rtol, atol))
                for i, (e, a) in enumerate(zip(expected["values"], actual["values"]))
            ),
        ])
    return f"records of kind {kind!r} cannot be compared"


def _compare_arrays(expected: Record, actual: Record, rtol: float, atol: float) -> str | None:
    if actual.get("kind") != "array":
        return "the recorded value is malformed"
    if expected["shape"] != actual["shape"]:
        return f"its shape is {tuple(actual['shape'])}, not {tuple(expected['shape'])}"
    if _dtype_family(expected["dtype"]) != _dtype_family(actual["dtype"]):
        return "its values are of another type (numbers, text or dates) than expected"
    if expected["dtype"] == "object":
        return _first(_compare(e, a, rtol, atol) for e, a in zip(expected["items"], actual["items"]))
    if _dtype_family(expected["dtype"]) == "number":
        wrong = sum(
            not _close(e, a, rtol, atol) for e, a in zip(expected["items"], actual["items"])
        )
        if wrong:
            return (
                f"{wrong} of {len(expected['items'])} values differ from a correct answer by more "
                f"than the tolerance (rtol={rtol:g}, atol={atol:g})"
            )
        return None
    wrong = sum(e != a for e, a in zip(expected["items"], actual["items"]))
    return f"{wrong} of {len(expected['items'])} values are not the right ones" if wrong else None


def _dtype_family(kind: str) -> str:
    return "number" if kind in ("b", "i", "u", "f") else kind


def _close(expected: Any, actual: Any, rtol: float, atol: float) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if not isinstance(actual, (int, float)) or not isinstance(expected, (int, float)):
        return False
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    return math.isclose(expected, actual, rel_tol=rtol, abs_tol=atol) or expected == actual


def _describe(record: Record) -> str:
    names = {"none": "None", "bool": "a bool", "int": "an integer", "float": "a float",
             "str": "a string", "datetime": "a timestamp", "list": "a list", "tuple": "a tuple",
             "set": "a set", "dict": "a dict", "array": "a NumPy array", "index": "a pandas Index",
             "series": "a Series", "frame": "a DataFrame"}
    return names.get(record.get("kind"), "an unknown value")


def _within(where: str, reason: str | None) -> str | None:
    return None if reason is None else f"{where}: {reason}"


def _first(reasons) -> str | None:
    return next((reason for reason in reasons if reason is not None), None)
