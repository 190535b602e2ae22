"""Hidden cases of assignment 8, built by the grader from the offering's private seed.

Notebook 1 (heart disease and readmissions, ex1-ex6):

- "heart split": the grader's own stratified split of ``heart_cleveland`` (30% of each class to
  test): the training patients' features and diagnoses, the test patients' features only; the
  truth is the test patients' diagnoses. The Cleveland file is public, so a submission could match
  the test rows to it and read their labels: that is a forgery of the data, not a method, and the
  instructor's review of the code is the defence (a synthetic cohort drawn from a model of the data
  was the alternative; the real patients, with their real missing values, were chosen).
- "discharge cohort": the recorded encounters and patients of 300 patients of a synthetic hospital
  (``data.generate("ehr", messiness=0, discharge_outcomes=True)``: deaths in hospital, deaths
  within 30 days of discharge, planned readmissions) and a cutoff date (the 60th centile of the
  discharges, at midnight); no labels are kept (the outcomes and the split are compared with the
  reference's).
- "later discharges": 400 patients' discharges (the eleven features at discharge, the true 30-day
  emergency readmission, each discharge's patient) and 600 other patients' discharges without
  their outcomes; the truth is those outcomes.

Notebook 2 (imaging and the treatment recommender, ex7-ex12):

- "response matrices": a treatment_response matrix of 400 other patients (30% observed) with a
  fifth of its observed responses removed; the truth is those held-out responses and each
  patient's best drug by the true matrix among those the safety rules allow (ex7-ex9).
- "new patients": 300 patients with their observed responses and the covariates of 100 new ones;
  the truth is the new patients' true falls, all 12 drugs (ex10).
- "chest films": 400 chest_xray films of other patients (another seed); the truth is their labels
  and, for specificity, their complement (ex12).
"""

import numpy as np
import pandas as pd

from healthpath import data

# ---- notebook 1: heart disease and readmissions (ex1-ex6) ------------------------------------

HEART_NUMERIC = [
    "age_years",
    "resting_systolic_bp_mmhg",
    "cholesterol_mg_dl",
    "max_heart_rate_bpm",
    "st_depression_mm",
    "vessels_coloured",
    "fasting_glucose_over_120",
    "exercise_angina",
]
HEART_CATEGORICAL = ["sex", "chest_pain_type", "resting_ecg", "st_slope", "thal"]
DISCHARGE_FEATURES = [
    "age_decades",
    "has_hypertension",
    "has_type2_diabetes",
    "has_heart_failure",
    "has_copd",
    "has_ckd_stage3",
    "emergency",
    "log_los_days",
    "prior_admissions_capped",
    "log_creatinine",
    "anaemia",
]


def heart_table(frame):
    "The notebook's heart_table: numeric columns as floats, categories as text, missing as NaN."
    X = pd.DataFrame({column: frame[column].astype(float) for column in HEART_NUMERIC})
    for column in HEART_CATEGORICAL:
        X[column] = frame[column].astype(object).where(frame[column].notna(), np.nan)
    return X, frame["heart_disease"].to_numpy(int)


def heart_split(seed):
    "Training patients with diagnoses, test patients without: 30% of each class to test."
    X, y = heart_table(data.load("heart_cleveland"))
    order = np.random.default_rng(seed).permutation(len(y))
    test = np.sort(np.concatenate([order[y[order] == k][: round(0.3 * np.sum(y == k))] for k in (0, 1)]))
    train = np.setdiff1d(np.arange(len(y)), test)
    return (
        {
            "X_train": X.iloc[train].reset_index(drop=True),
            "y_train": y[train],
            "X_test": X.iloc[test].reset_index(drop=True),
        },
        {"y_test": y[test]},
    )


def discharge_cohort(seed):
    "A hospital's recorded encounters and patients with discharge outcomes, and a cutoff; no labels."
    cohort = data.generate(
        "ehr", seed=int(seed) % 2**31, n_patients=300, messiness=0, discharge_outcomes=True
    )
    discharges = cohort["encounters"].loc[
        cohort["encounters"]["discharge_method"] == "discharged", "discharge_datetime"
    ]
    cutoff = discharges.quantile(0.6).normalize()
    return {"encounters": cohort["encounters"], "patients": cohort["patients"], "cutoff": cutoff}, {}


def discharge_features(seed, n_patients):
    "The notebook's discharge_features on a clean cohort with discharge outcomes."
    cohort = data.generate(
        "ehr", seed=int(seed) % 2**31, n_patients=n_patients, messiness=0, discharge_outcomes=True
    )
    encounters = cohort["truth_encounters"].merge(cohort["truth_patients"], on="patient_id")
    encounters = encounters[~encounters["died_in_hospital"]].reset_index(drop=True)
    labs = cohort["truth_labs"].pivot(index="encounter_id", columns="test_name", values="value_si")
    encounters = encounters.join(labs, on="encounter_id")
    los_days = (encounters["discharge_datetime"] - encounters["admit_datetime"]).dt.total_seconds() / 86400
    creatinine = encounters["creatinine"].fillna(encounters["creatinine"].median())
    haemoglobin = encounters["haemoglobin"].fillna(encounters["haemoglobin"].median())
    X = pd.DataFrame(
        {
            "age_decades": encounters["age_years"] / 10,
            **{flag: encounters[flag].astype(float) for flag in DISCHARGE_FEATURES[1:6]},
            "emergency": (encounters["encounter_type"] == "emergency").astype(float),
            "log_los_days": np.log(los_days),
            "prior_admissions_capped": encounters["prior_admissions_12m"].clip(upper=3).astype(float),
            "log_creatinine": np.log(creatinine),
            "anaemia": (haemoglobin < 110).astype(float),
        }
    )
    return (
        X.to_numpy(float),
        encounters["readmitted_30d"].astype(int).to_numpy(),
        encounters["patient_id"].to_numpy(),
    )


def later_discharges(seed):
    "400 patients' discharges with outcomes and patients; 600 other patients' discharges without."
    X_train, y_train, groups = discharge_features(seed, 400)
    X_test, y_test, _ = discharge_features(seed + 1, 600)
    return {"X_train": X_train, "y_train": y_train, "groups": groups, "X_test": X_test}, {"y_test": y_test}


HEART_AND_READMISSION_CASES = {
    "heart split": heart_split,
    "discharge cohort": discharge_cohort,
    "later discharges": later_discharges,
}

# ---- notebook 2: imaging and the treatment recommender (ex7-ex12) ----------------------------

def _drug_matrix(table):
    "The drugs' columns of a responses or truth table as a float array (patients x drugs)."
    return table.drop(columns="patient_id").to_numpy(float)


def response_matrices(seed):
    """A treatment_response matrix of 400 other patients (30% observed), a fifth of its observed
    entries held out (removed from the responses handed to the kernel); truth: the held-out observed
    falls, and each patient's best drug by the true matrix among those the safety rules allow."""
    from healthpath.data.synthetic.treatment import contraindicated

    g = data.generate("treatment_response", seed=seed % 2**31, n_patients=400, observed_share=0.3)
    observed, truth = _drug_matrix(g["responses"]), _drug_matrix(g["truth"])
    rows, cols = np.nonzero(~np.isnan(observed))
    n_held = int(round(0.2 * len(rows)))
    chosen = np.random.default_rng([seed, 81]).choice(len(rows), size=n_held, replace=False)
    held_rows, held_cols = rows[chosen], cols[chosen]
    responses = g["responses"].copy()
    for r, c in zip(held_rows, held_cols):
        responses.iat[int(r), int(c) + 1] = np.nan
    veto = contraindicated(g["covariates"]).to_numpy()
    best_safe = np.where(veto, -np.inf, truth).argmax(axis=1)
    return ({"responses": responses, "covariates": g["covariates"], "held_rows": held_rows,
             "held_cols": held_cols},
            {"held_out": observed[held_rows, held_cols], "best_safe": best_safe})


def new_patients(seed):
    """300 patients with their observed responses (30% observed) and the covariates of 100 new
    patients with none; truth: the new patients' true falls, patient after patient, drug after drug."""
    g = data.generate("treatment_response", seed=seed % 2**31, n_patients=400, observed_share=0.3)
    covariates = g["covariates"]
    return ({"covariates": covariates.iloc[:300].reset_index(drop=True),
             "responses": g["responses"].iloc[:300].reset_index(drop=True),
             "new_covariates": covariates.iloc[300:].reset_index(drop=True)},
            {"falls": _drug_matrix(g["truth"].iloc[300:]).ravel()})


def chest_films(seed):
    "400 chest films of other patients (chest_xray's generator, another seed); truth: their labels."
    from healthpath.data.synthetic.imaging import generate_xray

    films = generate_xray((seed + 8) % 2**31, "chest_xray", 400)
    return {"images": films["images"]}, {"labels": films["labels"], "normal": 1 - films["labels"]}


IMAGING_AND_RECOMMENDER_CASES = {"response matrices": response_matrices,
                                 "new patients": new_patients,
                                 "chest films": chest_films}

CASES = {**HEART_AND_READMISSION_CASES, **IMAGING_AND_RECOMMENDER_CASES}
