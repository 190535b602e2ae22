"""The rules that judge hidden checks outside the kernel, and what counts as guessable: one test each."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from healthpath import records, rules

TRUTH = {"ward": {"high": records.encode([1, 0, 1, 0, 1, 0]),
                  "stay_days": records.encode([3.0, 5.0, 2.0, 8.0, 4.0, 6.0])}}


def verdict(rule, expected, actual):
    return rules.verdict(rule, records.encode(expected), records.encode(actual), TRUTH)


def test_equal_uses_its_tolerances():
    assert verdict(rules.equal(rtol=1e-3), [1.0, 2.0], [1.0005, 2.001]) is None
    assert "tolerance" in verdict(rules.equal(rtol=1e-6), [1.0, 2.0], [1.0005, 2.0])


def test_partition_holds_the_same_items_in_disjoint_groups_of_the_right_size():
    reference = {"train": [1, 2, 3, 4], "test": [5, 6]}
    rule = rules.partition(size_atol=1)
    assert verdict(rule, reference, {"train": [2, 3, 5], "test": [1, 4, 6]}) is None
    assert "shares items" in verdict(rule, reference, {"train": [1, 2, 3, 4, 5], "test": [5, 6]})
    assert "more than once" in verdict(rule, reference, {"train": [1, 1, 2, 3, 4], "test": [5, 6]})
    assert "exactly the items" in verdict(rule, reference, {"train": [1, 2, 3, 4], "test": [5, 7]})
    assert "expected size" in verdict(rule, reference, {"train": [1, 2, 3, 4, 5, 6], "test": []})
    assert "names" in verdict(rule, reference, {"a": [1, 2, 3, 4], "b": [5, 6]})
    assert "malformed" in verdict(rule, reference, [1, 2, 3])


@pytest.mark.parametrize("name, good, bad, bound", [
    ("roc_auc", [0.9, 0.2, 0.8, 0.1, 0.7, 0.3], [0.1, 0.9, 0.2, 0.8, 0.3, 0.7], {"at_least": 0.9}),
    ("accuracy", [1, 0, 1, 0, 1, 1], [0, 0, 0, 0, 0, 0], {"at_least": 0.8}),
    ("recall", [1, 0, 1, 1, 1, 1], [0, 0, 0, 0, 1, 0], {"at_least": 0.9}),
    ("precision", [1, 0, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1], {"at_least": 0.9}),
    ("brier", [0.9, 0.1, 0.8, 0.2, 0.9, 0.1], [0.5] * 6, {"at_most": 0.1}),
    ("adjusted_rand", [7, 3, 7, 3, 7, 3], [1, 1, 2, 2, 3, 3], {"at_least": 0.9}),
    ("precision_at_k", [0.9, 0.1, 0.8, 0.2, 0.7, 0.3], [0.1, 0.9, 0.2, 0.8, 0.3, 0.7],
     {"at_least": 1.0, "k": 3}),
    ("share_gap", [[0, 1], [2, 3], [4, 5]], [[0, 2], [1, 3], [4, 5]], {"at_most": 0.1}),
])
def test_each_metric_scores_against_the_hidden_labels(name, good, bad, bound):
    rule = rules.metric(name, truth="ward:high", **bound)
    assert verdict(rule, good, good) is None
    reason = verdict(rule, good, bad)
    assert reason is not None and name in reason and "0.5" not in reason


def test_regression_metrics_and_a_share_of_the_reference():
    reference = [3.1, 5.2, 2.1, 7.5, 4.2, 6.1]
    assert verdict(rules.metric("r2", truth="ward:stay_days", at_least=0.9), reference, reference) is None
    close = rules.metric("mae", truth="ward:stay_days", of_reference=0.8)
    assert verdict(close, reference, [3.2, 5.1, 2.3, 7.4, 4.0, 6.3]) is None
    assert "within 0.8" in verdict(close, reference, [4.5] * 6)


def test_a_metric_refuses_values_of_the_wrong_shape_and_malformed_rules():
    rule = rules.metric("roc_auc", truth="ward:high", at_least=0.5)
    assert "one per row" in verdict(rule, [0.1] * 6, [0.1] * 5)
    with pytest.raises(rules.RuleError, match="exactly one of"):
        rules.metric("roc_auc", truth="ward:high")
    with pytest.raises(rules.RuleError, match="truth="):
        rules.metric("roc_auc", truth="high", at_least=0.5)
    with pytest.raises(rules.RuleError):
        rules.validate({"rule": "anything"})


@pytest.mark.parametrize("value, why", [
    (True, "a bare bool"), (None, "a bare None"), (0, "0"), (0.0, "0"), ("", "an empty text"),
    ("ValueError", "a refusal"), ([], "an empty container"), ({}, "an empty dict"),
    ([True, True, True], "all the same constant"), (np.zeros(4), "all the same constant"),
    ({"patients on both sides": 0, "share": 0.25}, "at key 'patients on both sides': 0"),
    ({"folds": 5, "every row once": True}, "at key 'every row once'"),
    (pd.DataFrame({"a": [1.0, 2.0], "missing": [False, False]}), "in column 2"),
    (pd.DataFrame({"a": []}), "an empty table"),
])
def test_guessable_values_are_named(value, why):
    assert why in rules.guessable(records.encode(value))


@pytest.mark.parametrize("value", [
    [True, False, True], ["ValueError", "no error"], [["a", "b"], []], [3, 0, 5], 0.25, "IX",
    {"train": [1, 2], "test": [3]}, pd.Series([0.0, 1.5]), np.array([[0, 1], [2, 3]]),
    pd.DataFrame({"a": [1.0, 2.0], "missing": [True, False]}),
])
def test_values_that_carry_information_pass(value):
    assert rules.guessable(records.encode(value)) is None


def test_fnr_gap_compares_the_groups_false_negative_rates():
    rule = rules.metric("fnr_gap", truth="ward:high", at_most=0.1)
    uneven = {"flagged": [1, 0, 0, 0, 1, 1], "group": ["a", "a", "b", "b", "a", "b"]}  # a misses none, b all
    assert rules._fnr_gap(np.array([1, 0, 1, 0, 1, 0.0]), uneven, {}) == 1.0
    groups = ["a", "a", "b", "b", "c", "c"]
    missed_in_c = {"flagged": [1, 0, 1, 0, 0, 1], "group": groups}  # c's one positive not flagged
    assert verdict(rule, missed_in_c, {"flagged": [1, 0, 1, 0, 1, 0], "group": groups}) is None
    assert "above the allowed 0.1" in verdict(rule, missed_in_c, missed_in_c)
    assert "'flagged'" in verdict(rule, missed_in_c, [1, 0, 1, 0, 1, 0])
    assert "'flagged'" in verdict(rule, missed_in_c, {"flagged": [1, 0, 2, 0, 1, 0], "group": ["a"] * 6})


def test_policy_return_evaluates_the_policy_in_the_mdp():
    mdp = rules._mdp("icu_sepsis")
    rule = rules.policy_return("icu_sepsis", at_least=0.86)
    values = np.zeros(mdp.n_states)
    for _ in range(300):
        q = mdp.expected_rewards + mdp.transitions @ values
        q[list(mdp.terminal_states)] = 0
        values = q.max(axis=1)
    best = q.argmax(axis=1)
    assert verdict(rule, best, best) is None
    assert verdict(rule, best, best.astype(float)) is None
    assert "below the required 0.86" in verdict(rule, best, mdp.clinician_policy.argmax(axis=1))
    assert "not a policy" in verdict(rule, best, best[:10])
    assert "not a policy" in verdict(rule, best, best + 0.5)
    assert "not a policy" in verdict(rule, best, np.full(mdp.n_states, 25))
    with pytest.raises(rules.RuleError, match="mdp"):
        rules.policy_return("no such model", at_least=0.5)
