"""Hidden cases of assignment 2, built by the grader from the offering's private seed.

- "cohort to split", "cohort for folds", "second cohort for folds": synthetic admission tables (the
  notebook's admission_table, rebuilt here) of other cohorts, with index labels that are not
  0..n-1; the folds cases keep heart_failure as labels for the share_gap rule.
- "diabetes splits", "diabetes splits, shifted outcomes": twenty random splits (30% held out) of the
  real diabetes data; the held-out outcomes are the labels. In the shifted case every training
  and held-out outcome is raised by one offset, so a model that learned from anything but the
  training data it is given (the notebook's global table) misses the labels by that offset.
- "cancer splits", "cancer splits, swapped labels": five stratified random splits (30% held out)
  of the real breast-cancer data, the held-out labels kept; in the swapped case every label is
  1 - malignant, so a model fitted on the notebook's global table is almost always wrong.
"""

import numpy as np
from sklearn.model_selection import train_test_split

from healthpath import data

TO_SI = {("creatinine", "mg/dL"): 88.42, ("creatinine", "umol/L"): 1.0,
         ("glucose", "mg/dL"): 1 / 18.016, ("glucose", "mmol/L"): 1.0,
         ("haemoglobin", "g/dL"): 10.0, ("haemoglobin", "g/L"): 1.0,
         ("potassium", "meq/L"): 1.0, ("potassium", "mmol/L"): 1.0,  # charge 1: 1 meq = 1 mmol
         ("sodium", "meq/L"): 1.0, ("sodium", "mmol/L"): 1.0}
FEATURES = ["age_at_admission", "female", "deprivation_quintile", "emergency", "heart_rate_bpm",
            "systolic_bp_mmhg", "creatinine", "glucose", "haemoglobin", "potassium", "sodium"]
N_DIABETES_SPLITS, N_CANCER_SPLITS = 20, 5



def si_factor(test_name, unit):
    "The notebook's si_factor: the factor to SI units; refuses a pair not in TO_SI."
    if (test_name, unit) not in TO_SI:
        raise ValueError(f"no SI conversion for {test_name} in {unit!r}: add the pair to TO_SI")
    return TO_SI[(test_name, unit)]


def completed_years(birth, when):
    "The notebook's completed_years: the difference in years, minus one before the birthday."
    before_birthday = (when.dt.month < birth.dt.month) | ((when.dt.month == birth.dt.month)
                                                          & (when.dt.day < birth.dt.day))
    return when.dt.year - birth.dt.year - before_birthday.astype(int)


def admission_table(cohort):
    "The notebook's admission_table: one row per admission, FEATURES in SI units, heart_failure."
    enc, pat, labs, dx = (cohort[name] for name in ("encounters", "patients", "labs", "diagnoses"))
    si = labs["value"] * [si_factor(test, unit) for test, unit in zip(labs["test_name"], labs["unit"])]
    panel = labs.assign(value=si).pivot(index="encounter_id", columns="test_name", values="value")
    table = (enc.merge(pat[["patient_id", "birth_date", "sex", "deprivation_quintile"]], on="patient_id",
                       validate="many_to_one")
             .merge(panel, left_on="encounter_id", right_index=True, how="left"))
    table["age_at_admission"] = completed_years(table["birth_date"], table["admit_datetime"])
    table["female"] = (table["sex"] == "F").astype(int)
    table["emergency"] = (table["encounter_type"] == "emergency").astype(int)
    coded = dx.loc[dx["icd10_code"] == "I50.9", "encounter_id"]
    table["heart_failure"] = table["encounter_id"].isin(coded).astype(int)
    return table[["encounter_id", "patient_id", *FEATURES, "heart_failure"]]


def _cohort(seed, n_patients):
    rng = np.random.default_rng(seed)
    table = admission_table(data.generate("ehr", seed=int(rng.integers(2**31)), n_patients=n_patients,
                                          messiness=0.0))
    table.index = table.index * 3 + 7  # index labels that are not positions
    return table


def cohort_to_split(seed):
    "An admission table of 250 other patients to split by patient (no labels: judged by partition)."
    return _cohort(seed, 250), {}


def cohort_for_folds(seed):
    "The labels and patient ids of 300 other patients' admissions; heart_failure kept as labels."
    table = _cohort(seed, 300)
    return ({"y": table["heart_failure"], "groups": table["patient_id"]},
            {"heart_failure": table["heart_failure"].to_numpy()})


def _splits(name, target, n_splits, seed, stratify):
    frame = data.load(name)
    X, y = frame.drop(columns=target), frame[target]
    states = np.random.default_rng(seed).integers(0, 2**31 - 1, n_splits)
    return [train_test_split(X, y, test_size=0.3, random_state=int(state), stratify=y if stratify else None)
            for state in states]


def _case(splits, transform=lambda y: y):
    inputs = [{"X_train": X_tr, "y_train": transform(y_tr), "X_test": X_te} for X_tr, X_te, y_tr, _ in splits]
    return inputs, np.concatenate([transform(y_te).to_numpy() for *_, y_te in splits])


def diabetes_splits(seed):
    "Twenty splits of the diabetes patients; labels: the held-out outcomes, split after split."
    inputs, y_test = _case(_splits("diabetes_progression", "progression", N_DIABETES_SPLITS, seed, False))
    return inputs, {"y_test": y_test}


def diabetes_splits_shifted(seed):
    "Twenty splits with every outcome raised by one offset of 100 to 200 units (the outcome's SD is 77)."
    offset = float(np.random.default_rng(seed).uniform(100.0, 200.0))
    splits = _splits("diabetes_progression", "progression", N_DIABETES_SPLITS, seed + 1, False)
    inputs, y_test = _case(splits, lambda y: y + offset)
    return inputs, {"y_test": y_test}


def cancer_splits(seed):
    "Five stratified splits of the aspirates; labels: the held-out malignant labels, split after split."
    inputs, y_test = _case(_splits("breast_cancer", "malignant", N_CANCER_SPLITS, seed, True))
    return inputs, {"y_test": y_test}


def cancer_splits_swapped(seed):
    "Five stratified splits with every label swapped (1 - malignant), training and held-out alike."
    splits = _splits("breast_cancer", "malignant", N_CANCER_SPLITS, seed, True)
    inputs, y_test = _case(splits, lambda y: 1 - y)
    return inputs, {"y_test": y_test}


CASES = {"cohort to split": cohort_to_split,
         "cohort for folds": cohort_for_folds,
         "second cohort for folds": cohort_for_folds,
         "diabetes splits": diabetes_splits,
         "diabetes splits, shifted outcomes": diabetes_splits_shifted,
         "cancer splits": cancer_splits,
         "cancer splits, swapped labels": cancer_splits_swapped}
