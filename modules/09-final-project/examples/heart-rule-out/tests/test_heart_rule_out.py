"""Tests of the project's package; `python run.py` runs them after the notebook."""

import numpy as np
import pytest
from heart_rule_out import (
    bootstrap_interval,
    roc_auc,
    sensitivity_specificity,
    threshold_for_sensitivity,
    wilson_interval,
)
from sklearn.metrics import roc_auc_score


def test_the_threshold_keeps_the_target_sensitivity():
    labels = np.array([1] * 10 + [0] * 10)
    risks = np.r_[np.linspace(0.1, 1.0, 10), np.linspace(0.0, 0.5, 10)]
    threshold = threshold_for_sensitivity(labels, risks, 0.9)
    sensitivity, _ = sensitivity_specificity(labels, risks >= threshold)
    assert sensitivity >= 0.9
    assert threshold == pytest.approx(0.2)  # one of ten diseased patients may be missed: the 0.1


def test_a_sensitivity_of_one_keeps_every_diseased_patient():
    labels, risks = np.array([1, 1, 0, 0]), np.array([0.3, 0.9, 0.1, 0.4])
    assert threshold_for_sensitivity(labels, risks, 1.0) == pytest.approx(0.3)


def test_the_threshold_refuses_bad_input():
    with pytest.raises(ValueError, match="no patient with the disease"):
        threshold_for_sensitivity([0, 0], [0.1, 0.2], 0.9)
    with pytest.raises(ValueError, match="target"):
        threshold_for_sensitivity([0, 1], [0.1, 0.2], 1.5)
    with pytest.raises(ValueError, match="1-D arrays"):
        threshold_for_sensitivity([0, 1, 1], [0.1, 0.2], 0.9)


def test_sensitivity_and_specificity_from_calls():
    sensitivity, specificity = sensitivity_specificity([1, 1, 0, 0, 0], [True, False, False, False, True])
    assert (sensitivity, specificity) == (0.5, pytest.approx(2 / 3))


def test_the_bootstrap_interval_holds_the_estimate_and_is_reproducible():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 120)
    scores = labels + rng.normal(0, 1, 120)
    first = bootstrap_interval(labels, scores, roc_auc_score, n_resamples=100, seed=3)
    assert first == bootstrap_interval(labels, scores, roc_auc_score, n_resamples=100, seed=3)
    estimate, lower, upper = first
    assert estimate == pytest.approx(roc_auc_score(labels, scores))
    assert lower < estimate < upper


def test_the_bootstrap_refuses_one_outcome():
    with pytest.raises(ValueError, match="both outcomes"):
        bootstrap_interval([1, 1, 1], [0.2, 0.4, 0.6], roc_auc_score)


def test_roc_auc_agrees_with_scikit_learn_with_ties():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 2, 80)
    scores = np.round(labels + rng.normal(0, 1, 80), 1)  # rounded: ties between patients
    assert roc_auc(labels, scores) == pytest.approx(roc_auc_score(labels, scores))
    with pytest.raises(ValueError, match="both outcomes"):
        roc_auc([1, 1], [0.2, 0.3])


def test_wilson_interval_matches_statsmodels():
    from statsmodels.stats.proportion import proportion_confint

    for successes, total in [(40, 46), (7, 7), (0, 12), (3, 29)]:
        expected = proportion_confint(successes, total, alpha=0.05, method="wilson")
        assert wilson_interval(successes, total) == pytest.approx(expected, abs=1e-6)
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(5, 4)
