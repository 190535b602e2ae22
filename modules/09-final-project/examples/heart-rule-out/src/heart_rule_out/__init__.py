"""Code the notebook of heart-rule-out reuses (tested in tests/): the operating point, the ROC-AUC,
Wilson's interval and the bootstrap interval."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.stats import rankdata

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


def roc_auc(labels, scores) -> float:
    """The ROC-AUC of ``scores`` for the binary ``labels``: the probability that a random patient
    with the outcome scores higher than a random patient without it (ties count half), from the
    ranks (the Mann-Whitney statistic). The same value as scikit-learn's ``roc_auc_score``, without
    its input checks, so that a bootstrap of a few hundred resamples stays fast."""
    labels = np.asarray(labels).astype(bool)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if positives == 0 or negatives == 0:
        raise ValueError("both outcomes are needed for a ROC-AUC")
    ranks = rankdata(np.asarray(scores, dtype=float))
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def wilson_interval(successes: int, total: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson's score interval of the share ``successes / total`` (95% with the default ``z``):
    Wilson EB, J Am Stat Assoc 1927;22:209-12, https://doi.org/10.1080/01621459.1927.10502953."""
    if total < 1 or not 0 <= successes <= total:
        raise ValueError(f"need 0 <= successes <= total and total >= 1 (got {successes} of {total})")
    share = successes / total
    centre = (share + z**2 / (2 * total)) / (1 + z**2 / total)
    half = z * np.sqrt(share * (1 - share) / total + z**2 / (4 * total**2)) / (1 + z**2 / total)
    return float(max(centre - half, 0.0)), float(min(centre + half, 1.0))
