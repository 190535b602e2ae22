"""Hidden cases of assignment 3, drawn from the offering's seed: an admissions table, with the truth of
its data-entry errors kept by the grader (exercise 9), and registers of patients to search for people
registered twice (exercise 3: its rule is prescribed, so the reference's map is the answer and no
label is needed; drawn here so that no submission can regenerate the cohort and read its truth)."""

import numpy as np
import pandas as pd

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


def registrations(seed):
    """A fresh messy cohort's recorded patients and encounters; its true register and stays; and the
    same register with one person, chosen by the seed, registered a second time (hospital number
    H0000007, a slip in the family name, sex written out with spaces) and their last stay moved to the
    second identity. No labels."""
    cohort = data.generate("ehr", seed=seed, n_patients=250, messiness=3.0)
    register, stays = cohort["truth_patients"], cohort["truth_encounters"]
    several = stays["patient_id"].value_counts().loc[lambda n: n >= 2].index.sort_values()
    chosen = several[int(np.random.default_rng(seed).integers(0, len(several)))]
    twice = register[register["patient_id"] == chosen].copy()
    twice["patient_id"] = "H0000007"  # a smaller hospital number than the first registration's
    twice["family_name"] = twice["family_name"].str[:2] + twice["family_name"].str[1:]
    twice["sex"] = twice["sex"].map({"F": " female", "M": "male "})
    moved = stays.copy()
    moved.loc[moved.index[moved["patient_id"] == chosen][-1], "patient_id"] = "H0000007"
    return {"patients": cohort["patients"], "encounters": cohort["encounters"], "register": register,
            "stays": stays,
            "register with a second registration": pd.concat([register, twice], ignore_index=True),
            "stays with a second registration": moved}, {}


CASES = {"messy admissions": messy_admissions, "registrations": registrations}
