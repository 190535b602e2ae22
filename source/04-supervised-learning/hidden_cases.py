"""Hidden cases of assignment 4, built by the grader from the offering's private seed.

- "pima splits": five stratified random splits of the 532 Pima women into 200 training and 332
  held-out women (the sizes of MASS's Pima.tr and Pima.te, the anchor protocol); the held-out
  diabetes labels, split after split, are kept for the ROC AUC rule.
- "pima splits, swapped labels": five such splits with every label swapped (1 - diabetes), training
  and held-out alike, so that a model fitted on the notebook's global table ranks the held-out women
  backwards.
- "noise cohort": 120 patients, 400 pure-noise "biomarkers" and a random outcome (the truth is that
  nothing predicts it); no labels are kept (the cross-validation needs them in the kernel).
"""

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from healthpath import data

PIMA_FEATURES = ["pregnancies", "glucose_2h_mg_dl", "diastolic_bp_mmhg", "triceps_skinfold_mm",
                 "bmi_kg_m2", "diabetes_pedigree", "age_years"]
N_PIMA_SPLITS = 5


def _pima_splits(seed, transform=lambda y: y):
    pima = data.load("pima_diabetes")
    X, y = pima[PIMA_FEATURES], pima["diabetes"]
    inputs, held_out = [], []
    for state in np.random.default_rng(seed).integers(0, 2**31 - 1, N_PIMA_SPLITS):
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, train_size=200, random_state=int(state), stratify=y)
        inputs.append({"X_train": X_tr, "y_train": transform(y_tr), "X_test": X_te})
        held_out.append(transform(y_te).to_numpy())
    return inputs, {"y_test": np.concatenate(held_out)}


def pima_splits(seed):
    "Five 200/332 splits of the Pima women; labels: the held-out diabetes labels, split after split."
    return _pima_splits(seed)


def pima_splits_swapped(seed):
    "Five 200/332 splits with every label swapped (1 - diabetes)."
    return _pima_splits(seed + 1, lambda y: 1 - y)


def noise_cohort(seed):
    "120 patients, 400 noise features and a random binary outcome (about half positive)."
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(120, 400)), columns=[f"marker_{i:03d}" for i in range(400)])
    y = pd.Series(rng.permutation(np.repeat([0, 1], 60)), name="outcome")
    return {"X": X, "y": y}, {}


CASES = {"pima splits": pima_splits,
         "pima splits, swapped labels": pima_splits_swapped,
         "noise cohort": noise_cohort}
