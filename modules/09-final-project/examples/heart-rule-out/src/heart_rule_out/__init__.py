"""Code the notebook of heart-rule-out reuses (tested in tests/): the operating point and the
bootstrap interval."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__version__ = "1.0.0"


def threshold_for_sensitivity(labels, risks, target: float) -> float:
    """The highest risk threshold whose sensitivity on ``labels`` and ``risks`` is at least ``target``.

    A patient is flagged "low risk" (rule-out) when their risk is below the threshold, so every
    patient with the disease whose risk is at or above it is caught. Choose it on training data
    (e.g. cross-validated risks), never on the test patients.
    """
    labels, risks = np.asarray(labels).astype(bool), np.asarray(risks, dtype=float)
    if labels.shape != risks.shape or labels.ndim != 1:
        raise ValueError(
            f"labels and risks must be two 1-D arrays of one length (got {labels.shape} and {risks.shape})"
        )
    if not 0 < target <= 1:
        raise ValueError(f"target must be a sensitivity in (0, 1] (got {target})")
    diseased = np.sort(risks[labels])
    if diseased.size == 0:
        raise ValueError("no patient with the disease: a sensitivity cannot be computed")
    # keeping the k lowest-risk diseased patients below the threshold misses k of them
    allowed_misses = int(np.floor((1 - target) * diseased.size + 1e-9))
    return float(diseased[allowed_misses])


def sensitivity_specificity(labels, flagged_positive) -> tuple[float, float]:
    """Sensitivity and specificity of the calls ``flagged_positive`` (True: not ruled out)."""
    labels, calls = np.asarray(labels).astype(bool), np.asarray(flagged_positive).astype(bool)
    if labels.shape != calls.shape:
        raise ValueError(f"labels and calls differ in shape ({labels.shape} and {calls.shape})")
    if labels.all() or not labels.any():
        raise ValueError("both outcomes are needed for a sensitivity and a specificity")
    return float(calls[labels].mean()), float((~calls[~labels]).mean())


def bootstrap_interval(
    labels, scores, statistic: Callable, n_resamples: int = 200, level: float = 0.95, seed: int = 0
) -> tuple[float, float, float]:
    """``statistic(labels, scores)`` with a percentile bootstrap interval: (estimate, lower, upper).

    Patients are resampled with replacement (each row is one patient); a resample that lacks one
    of the two outcomes is drawn again, so that statistics such as the ROC-AUC are always defined.
    """
    labels, scores = np.asarray(labels), np.asarray(scores)
    if len(labels) != len(scores):
        raise ValueError(f"labels and scores differ in length ({len(labels)} and {len(scores)})")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1) (got {level})")
    if len(np.unique(labels)) < 2:
        raise ValueError("both outcomes are needed in the sample")
    rng = np.random.default_rng(seed)
    values = []
    while len(values) < n_resamples:
        rows = rng.integers(0, len(labels), len(labels))
        if len(np.unique(labels[rows])) < 2:
            continue
        values.append(statistic(labels[rows], scores[rows]))
    tail = (1 - level) / 2 * 100
    lower, upper = np.percentile(values, [tail, 100 - tail])
    return float(statistic(labels, scores)), float(lower), float(upper)
