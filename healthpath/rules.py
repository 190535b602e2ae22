"""The rules that turn what a hidden test recorded into a verdict, applied outside the kernel.

A hidden test records a raw output with the rule that judges it:
``check.observe(key, value, rule=rules.partition())``. At grading time a trusted process applies the
rule *the reference solution recorded* (never the submission's) to the submission's record, the
reference's record and, for metrics, labels that never enter the kernel (a hidden case's truth).

The vocabulary:

- :func:`equal` - the same value as the reference's, within ``rtol``/``atol`` (the default);
- :func:`partition` - groups of items (the patients on each side of a split, the rows of each fold)
  that do not overlap, together hold exactly the reference's items, and are each about as large
  as the reference's;
- :func:`metric` - a score of the recorded predictions (or groups) against a hidden case's labels,
  at least (or at most) a bound, or at least a share of the reference's own score;
- :func:`policy_return` - the exact expected return of a recorded policy (an action per state) in a
  course MDP (``data.load(mdp).policy_value``), at least a bound.

:func:`guessable` says when a recorded value carries no information (``True``, ``0``, ``[]``...):
the course gate refuses hidden checks whose reference value is guessable.
"""

from __future__ import annotations

import builtins
import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from healthpath import records

Rule = dict[str, Any]


class RuleError(ValueError):
    """A rule is malformed (unknown name, missing or wrong parameters)."""


# -- the vocabulary: what a hidden test declares ---------------------------------------------------

def equal(rtol: float = 0.0, atol: float = 0.0) -> Rule:
    """The submission records the reference's value, numbers within ``rtol`` and ``atol``."""
    return validate({"rule": "equal", "rtol": float(rtol), "atol": float(atol)})


def partition(size_rtol: float = 0.0, size_atol: float = 0.0) -> Rule:
    """A dict of groups (name -> list of items): the same group names as the reference's, no item
    twice, no item in two groups, together exactly the reference's items, and each group's size
    within ``size_rtol``/``size_atol`` of the reference's."""
    return validate({"rule": "partition", "size_rtol": float(size_rtol), "size_atol": float(size_atol)})


def metric(name: str, truth: str, *, at_least: float | None = None, at_most: float | None = None,
           of_reference: float | None = None, k: int | None = None) -> Rule:
    """Score the recorded value against the labels ``truth`` (``"<hidden case>:<field>"``) with
    metric ``name`` (see :data:`METRICS`); pass iff the score is ``at_least``/``at_most`` the bound,
    or, with ``of_reference`` (e.g. 0.95), at least that share as good as the reference's score."""
    rule = {"rule": "metric", "metric": name, "truth": truth, "at_least": at_least, "at_most": at_most,
            "of_reference": of_reference, "k": k}
    return validate({key: value for key, value in rule.items() if value is not None})


def policy_return(mdp: str, at_least: float) -> Rule:
    """The recorded value is a deterministic policy (one action index per state) of the course MDP
    ``mdp`` (a dataset whose ``data.load(mdp)`` has ``policy_value``, e.g. ``"icu_sepsis"``); pass
    iff its exact expected return, computed by the grader with the MDP, is at least ``at_least``."""
    return validate({"rule": "policy_return", "mdp": mdp, "at_least": at_least})


# -- metrics: (labels, recorded value as NumPy) -> score ---------------------------------------------

def _auc(truth: np.ndarray, scores: np.ndarray, _: dict) -> float:
    from sklearn.metrics import roc_auc_score
    return float(roc_auc_score(truth, scores))


def _r2(truth: np.ndarray, predicted: np.ndarray, _: dict) -> float:
    residual = float(np.sum((truth - predicted) ** 2))
    return 1.0 - residual / float(np.sum((truth - truth.mean()) ** 2))


def _precision_at_k(truth: np.ndarray, scores: np.ndarray, rule: dict) -> float:
    top = np.argsort(-scores, kind="stable")[: rule["k"]]
    return float(truth[top].mean())


def _share_gap(truth: np.ndarray, groups: Any, _: dict) -> float:
    """The largest gap between a group's share of positive labels and the whole's (groups are lists
    of positions into the labels)."""
    overall = truth.mean()
    return max(abs(truth[np.asarray(group, dtype=int)].mean() - overall) for group in groups)


def _fnr_gap(truth: np.ndarray, flags: dict, _: dict) -> float:
    """The largest difference between two groups' false-negative rates (the share of a group's
    positive labels not flagged); ``flags`` holds ``flagged`` (0/1 per row) and ``group`` (per row).
    Groups without a positive label have no rate and are left out; fewer than two rates is NaN."""
    flagged = np.asarray(flags["flagged"], dtype=float)
    group = np.asarray(flags["group"], dtype=object)
    if flagged.shape != truth.shape or group.shape != truth.shape or not np.isin(flagged, (0, 1)).all():
        raise ValueError("shape")
    rates = [np.mean(flagged[(group == name) & (truth == 1)] == 0)
             for name in set(group.tolist()) if np.any((group == name) & (truth == 1))]
    return float(max(rates) - min(rates)) if len(rates) >= 2 else math.nan


def _from_two(score: Callable[[np.ndarray, np.ndarray], float]):
    """A metric of (labels, predictions) that ignores the rule's parameters."""
    return lambda truth, predicted, _: float(score(truth, predicted))


def _recall(truth, predicted):
    return np.sum((predicted == 1) & (truth == 1)) / np.sum(truth == 1)


def _precision(truth, predicted):
    flagged = np.sum(predicted == 1)
    return np.sum((predicted == 1) & (truth == 1)) / flagged if flagged else 0.0


def _ari(truth, predicted, _):
    from sklearn.metrics import adjusted_rand_score
    return float(adjusted_rand_score(truth, predicted))


# name -> (function, higher is better, what the recorded value is)
METRICS: dict[str, tuple[Callable[..., float], bool, str]] = {
    "roc_auc": (_auc, True, "scores"),
    "r2": (_r2, True, "numbers"),
    "mae": (_from_two(lambda t, p: np.mean(np.abs(t - p))), False, "numbers"),
    "brier": (_from_two(lambda t, p: np.mean((t - p) ** 2)), False, "numbers"),
    "accuracy": (_from_two(lambda t, p: np.mean(t == p)), True, "numbers"),
    "recall": (_from_two(_recall), True, "numbers"),
    "precision": (_from_two(_precision), True, "numbers"),
    "adjusted_rand": (_ari, True, "numbers"),
    "precision_at_k": (_precision_at_k, True, "scores"),
    "share_gap": (_share_gap, False, "groups"),
    "fnr_gap": (_fnr_gap, False, "flags by group"),
}


# rule -> its numeric parameters
RULE_NUMBERS = {"equal": ("rtol", "atol"), "partition": ("size_rtol", "size_atol"),
                "metric": ("at_least", "at_most", "of_reference"), "policy_return": ("at_least",)}
POLICY_MDPS = ("icu_sepsis",)  # the datasets whose data.load() value has policy_value(policy)


def validate(rule: Any) -> Rule:
    """``rule`` if it is well formed, else :class:`RuleError` saying what is wrong."""
    if not isinstance(rule, dict) or rule.get("rule") not in RULE_NUMBERS:
        raise RuleError("a rule is made with rules.equal(...), rules.partition(...), rules.metric(...) or "
                        "rules.policy_return(...)")
    for name in RULE_NUMBERS[rule["rule"]]:
        value = rule.get(name)
        if value is not None and (type(value) not in (int, float) or math.isnan(value)):
            raise RuleError(f"the rule's {name} must be a number")
    if rule["rule"] == "policy_return":
        if not isinstance(rule.get("mdp"), str) or rule["mdp"] not in POLICY_MDPS:
            raise RuleError(f"policy_return needs mdp, one of: {', '.join(POLICY_MDPS)}")
        if rule.get("at_least") is None:
            raise RuleError("policy_return needs at_least, the smallest expected return that passes")
        return rule
    if rule["rule"] != "metric":
        return rule
    if rule.get("metric") not in METRICS:
        raise RuleError(f"unknown metric {rule.get('metric')!r}; known: {', '.join(sorted(METRICS))}")
    if not (isinstance(rule.get("truth"), str) and ":" in rule["truth"]):
        raise RuleError("a metric needs truth='<hidden case>:<field>', the labels it is scored against")
    if sum(rule.get(bound) is not None for bound in ("at_least", "at_most", "of_reference")) != 1:
        raise RuleError("a metric needs exactly one of at_least, at_most or of_reference")
    if rule["metric"] == "precision_at_k" and not (type(rule.get("k")) is int and rule["k"] > 0):
        raise RuleError("precision_at_k needs k, a positive int")
    return rule


# -- applying a rule (trusted side) -------------------------------------------------------------------

def verdict(rule: Rule, expected: records.Record, actual: Any,
            truth: dict[str, dict[str, records.Record]]) -> str | None:
    """None when ``actual`` (the submission's record, untrusted) passes ``rule`` (the reference's)
    given ``expected`` (the reference's record) and the hidden cases' ``truth``; else why not,
    never naming the expected value or the labels."""
    try:
        if rule["rule"] == "equal":
            return records.compare(expected, actual, rule["rtol"], rule["atol"])
        if rule["rule"] == "partition":
            return _partition(rule, expected, actual)
        if rule["rule"] == "policy_return":
            return _policy_return(rule, actual)
        return _metric(rule, expected, actual, truth)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError):
        return "the recorded value is malformed or of the wrong shape"


def _groups(record: records.Record) -> dict[str, list[Any]]:
    value = records.decode(record)
    if not isinstance(value, dict) or not all(isinstance(items, list) for items in value.values()):
        raise ValueError("not a dict of lists")
    return value


def _partition(rule: Rule, expected: records.Record, actual: Any) -> str | None:
    wanted, got = _groups(expected), _groups(actual)
    if set(wanted) != set(got):
        return "its groups are not the expected ones (names)"
    seen: set = set()
    for name, items in got.items():
        if len(set(items)) != len(items):
            return f"group {name!r} holds an item more than once"
        if seen & set(items):
            return f"group {name!r} shares items with another group"
        seen |= set(items)
    if seen != {item for items in wanted.values() for item in items}:
        return "together the groups do not hold exactly the items of the input"
    for name, items in got.items():
        size = len(wanted[name])
        if not math.isclose(len(items), size, rel_tol=rule["size_rtol"], abs_tol=rule["size_atol"]):
            return (f"group {name!r} is not of the expected size (rtol={rule['size_rtol']:g}, "
                    f"atol={rule['size_atol']:g})")
    return None


def _metric(rule: Rule, expected: records.Record, actual: Any,
            truth: dict[str, dict[str, records.Record]]) -> str | None:
    function, higher_is_better, kind = METRICS[rule["metric"]]
    case, field = rule["truth"].split(":", 1)
    labels = np.asarray(records.decode(truth[case][field]), dtype=float)

    def score(record: Any) -> float:
        value = records.decode(record)
        if kind == "groups":
            return function(labels, [list(group) for group in value], rule)
        if kind == "flags by group":
            if not isinstance(value, dict) or set(value) != {"flagged", "group"}:
                raise ValueError("not a dict of flagged and group")
            return function(labels, value, rule)
        values = np.asarray(value, dtype=float)
        if values.shape != labels.shape:
            raise ValueError("shape")
        return function(labels, values, rule)

    try:
        got = score(actual)
    except (KeyError, TypeError, ValueError, IndexError):
        needs = {"groups": f"{kind} for each group",
                 "flags by group": "a dict of 'flagged' (0 or 1) and 'group', one of each per row of the "
                                   "hidden case"}.get(kind, f"{kind} one per row of the hidden case")
        return f"it cannot be scored against the hidden labels ({rule['metric']} needs {needs})"
    name = rule["metric"]
    if math.isnan(got):
        return f"its {name} against the hidden labels is not a number"
    if "of_reference" in rule:
        best = score(expected)
        ok = got >= rule["of_reference"] * best if higher_is_better else got <= best / rule["of_reference"]
        return None if ok else (f"its {name} against the hidden labels is not within "
                                f"{rule['of_reference']:g} of a correct answer's")
    if "at_least" in rule:
        return None if got >= rule["at_least"] else (
            f"its {name} against the hidden labels is below the required {rule['at_least']:g}")
    return None if got <= rule["at_most"] else (
        f"its {name} against the hidden labels is above the allowed {rule['at_most']:g}")


@functools.lru_cache(maxsize=2)
def _mdp(name: str) -> Any:
    from healthpath import data
    return data.load(name)


def _policy_return(rule: Rule, actual: Any) -> str | None:
    mdp = _mdp(rule["mdp"])
    value = records.decode(actual)
    try:
        policy = np.asarray(value)
        whole = policy.dtype.kind in "iu" or (policy.dtype.kind == "f" and np.all(policy == np.round(policy)))
        if policy.shape != (mdp.n_states,) or not whole:
            raise ValueError("shape")
        policy = policy.astype(int)
        if policy.min() < 0 or policy.max() >= mdp.n_actions:
            raise ValueError("range")
    except (TypeError, ValueError):
        return (f"it is not a policy: it needs one action (an int from 0 to {mdp.n_actions - 1}) for each "
                f"of the {mdp.n_states} states")
    got = float(mdp.policy_value(policy))
    if math.isnan(got) or got < rule["at_least"]:
        return f"its expected return in the MDP is below the required {rule['at_least']:g}"
    return None


# -- what carries no information --------------------------------------------------------------------

EXCEPTION_NAMES = frozenset(name for name, value in vars(builtins).items()
                            if isinstance(value, type) and issubclass(value, BaseException)) | {"no error"}


def guessable(record: records.Record) -> str | None:
    """Why ``record`` carries no information a wrong answer could not write without doing the work,
    or None when it does.

    Constants are None, a bool, 0, an empty text, an exception's name (a refusal) and an empty
    container. A list (tuple, set, array, Series) carries information when one item does or its
    constant items are not all the same (a mixed list of yes/no answers); a dict or a DataFrame
    only when every value or column does (each key is a fact of its own).
    """
    kind = record.get("kind")
    if kind in ("none", "bool"):
        return f"a bare {'None' if kind == 'none' else 'bool'}"
    if kind in ("int", "float"):
        return "0" if record["value"] == 0 else None
    if kind == "str":
        value = record["value"]
        return "an empty text" if not value else "a refusal (an exception's name) alone" \
            if value in EXCEPTION_NAMES else None
    if kind == "dict":
        if not record["items"]:
            return "an empty dict"
        return next((f"at key {key!r}: {why}" for key, item in record["items"].items()
                     if (why := guessable(item)) is not None), None)
    if kind == "frame":
        if not record["columns"] or not record["values"][0]["items"]:
            return "an empty table"
        return next((f"in column {number}: {why}" for number, column in enumerate(record["values"], 1)
                     if (why := guessable(column)) is not None), None)
    items = _items(record)
    if items is None:
        return None
    if not items:
        return "an empty container"
    if any(guessable(item) is None for item in items):
        return None
    constants = {repr(records.decode(item)) if item.get("kind") != "bool" else item["value"]
                 for item in items}
    return None if len(constants) > 1 else "a container whose items are all the same constant"


def _items(record: records.Record) -> list[records.Record] | None:
    kind = record.get("kind")
    if kind in ("list", "tuple", "set"):
        return record["items"]
    if kind == "series":
        return _items(record["values"])
    if kind == "index":
        return _items(record["values"])
    if kind == "array":
        if record["dtype"] == "object":
            return record["items"]
        return [records.encode(item) for item in record["items"]]
    return None
