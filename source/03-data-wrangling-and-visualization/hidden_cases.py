"""Hidden cases of assignment 3: an admissions table drawn from the offering's seed, with the truth
of its data-entry errors kept by the grader."""

import numpy as np

from healthpath import data

ERROR_TYPES = ["exact_duplicate", "impossible_value", "dates_out_of_order", "typo"]


def messy_admissions(seed):
    """The recorded encounters of a fresh, messy cohort; labels: for each error type of exercise 9,
    1 for each row position (0-based) the generator put that error in, else 0."""
    cohort = data.generate("ehr", seed=seed, n_patients=300, messiness=3.0)
    encounters = cohort["encounters"]
    errors = cohort["truth_errors"].query("table == 'encounters'")
    truth = {}
    for kind in ERROR_TYPES:
        labels = np.zeros(len(encounters), dtype=int)
        labels[errors.loc[errors["error_type"] == kind, "row"].to_numpy(dtype=int)] = 1
        truth[kind] = labels
    return {"encounters": encounters}, truth


CASES = {"messy admissions": messy_admissions}
