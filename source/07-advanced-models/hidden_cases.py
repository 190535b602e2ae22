"""Hidden cases of assignment 7, built by the grader from the offering's private seed.

- "readmission cohorts": the admissions of 400 patients of a synthetic hospital (``data.generate(
  "ehr", messiness=0)``: clean tables, about two admissions per patient) with the notebook's eleven
  features, the true 30-day readmission and each admission's patient; and the admissions of 400
  other patients (another seed) without their outcomes; the truth is those outcomes.
- "small cohort": the admissions of 150 patients, for nested cross-validation (no labels kept: the
  outer-fold scores are compared with the reference's).
- "audit scores": a deployed readmission model's risk scores for an audit sample of 8,000
  admissions with verified outcomes (train) and for 8,000 other admissions (test), each admission's
  group ("A" or "B", B a third of them); the model under-scores group B (its training labels
  missed a share of B's readmissions), so one threshold misses more of B's readmissions. The truth
  is the test admissions' outcomes.
- "sepsis episodes": 400 episodes of the ICU-Sepsis MDP (``data.load("icu_sepsis")``) simulated
  under the clinicians' policy (states, actions, return) and a target policy that moves 30% of the
  clinicians' probability to a uniform choice among each state's admissible actions; no labels
  are kept (the estimates are compared with the reference's).
- "flag audits": three small audits (outcomes, flags, groups) for the false-negative rates, one
  with a group without any readmission; no labels are kept.
"""

import numpy as np
import pandas as pd

from healthpath import data

FEATURES = [
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


def admissions(seed, n_patients):
    "The notebook's admission_features on a clean synthetic cohort: features, outcome, patient, true risk."
    cohort = data.generate("ehr", seed=int(seed) % 2**31, n_patients=n_patients, messiness=0)
    encounters = cohort["truth_encounters"].merge(cohort["truth_patients"], on="patient_id")
    labs = cohort["truth_labs"].pivot(index="encounter_id", columns="test_name", values="value_si")
    encounters = encounters.join(labs, on="encounter_id")
    los_days = (encounters["discharge_datetime"] - encounters["admit_datetime"]).dt.total_seconds() / 86400
    creatinine = encounters["creatinine"].fillna(encounters["creatinine"].median())
    haemoglobin = encounters["haemoglobin"].fillna(encounters["haemoglobin"].median())
    X = pd.DataFrame(
        {
            "age_decades": encounters["age_years"] / 10,
            **{flag: encounters[flag].astype(float) for flag in FEATURES[1:6]},
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
        encounters["readmission_risk"].to_numpy(float),
    )


def readmission_cohorts(seed):
    "400 patients' admissions with outcomes and patients; 400 other patients' admissions without."
    X_train, y_train, groups, _ = admissions(seed, 400)
    X_test, y_test, _, _ = admissions(seed + 1, 400)
    return {"X_train": X_train, "y_train": y_train, "groups": groups, "X_test": X_test}, {"y_test": y_test}


def small_cohort(seed):
    "The admissions of 150 patients with their outcomes and patients (no labels kept)."
    X, y, groups, _ = admissions(seed, 150)
    return {"X": X, "y": y, "groups": groups}, {}


def audit(rng, n):
    "n admissions: group, verified outcome, and the deployed model's (under-scoring B) risk."
    group = np.where(rng.random(n) < 1 / 3, "B", "A")
    logit = rng.normal(-1.6, 1.1, n)
    outcome = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    seen = logit + rng.normal(0, 0.5, n) - 1.2 * (group == "B")
    return group, outcome, np.round(1 / (1 + np.exp(-seen)), 6)


def audit_scores(seed):
    "Risk scores, groups and outcomes of 8,000 audit admissions; scores and groups of 8,000 others."
    rng = np.random.default_rng(seed)
    group_train, y_train, risk_train = audit(rng, 8000)
    group_test, y_test, risk_test = audit(rng, 8000)
    return (
        {
            "risk_train": risk_train,
            "y_train": y_train,
            "group_train": group_train,
            "risk_test": risk_test,
            "group_test": group_test,
        },
        {"y_test": y_test},
    )


def flag_audits(seed):
    "Three audits (outcome, flagged, group); in the third one group has no readmission."
    rng = np.random.default_rng(seed)
    audits = []
    for n, groups in ((40, ["ward 1", "ward 2"]), (60, ["A", "B", "C"]), (30, ["X", "Y"])):
        group = rng.choice(groups, n)
        y = (rng.random(n) < 0.4).astype(int)
        if groups[0] == "X":
            y[group == "Y"] = 0
        flagged = np.where(y == 1, rng.random(n) < 0.7, rng.random(n) < 0.2).astype(int)
        audits.append({"y": y, "flagged": flagged, "group": group})
    return audits, {}


def sepsis_episodes(seed, n_episodes=400):
    "Episodes under the clinicians' policy and a target policy; no labels."
    mdp = data.load("icu_sepsis")
    rng = np.random.default_rng(seed)
    cumulative = np.cumsum(mdp.transitions, axis=2)
    behaviour = mdp.clinician_policy
    episodes = []
    for _ in range(n_episodes):
        state = int(rng.choice(mdp.n_states, p=mdp.initial))
        states, actions = [], []
        while state not in mdp.terminal_states and len(states) < 200:
            action = int(rng.choice(mdp.n_actions, p=behaviour[state] / behaviour[state].sum()))
            states.append(state)
            actions.append(action)
            state = int(min(np.searchsorted(cumulative[state, action], rng.random()), mdp.n_states - 1))
        episodes.append({"states": states, "actions": actions, "return": float(state == 714)})
    uniform = np.zeros((mdp.n_states, mdp.n_actions))
    for state, allowed in enumerate(mdp.admissible[:713]):
        uniform[state, list(allowed)] = 1 / len(allowed)
    target = behaviour.copy()
    target[:713] = 0.7 * behaviour[:713] + 0.3 * uniform[:713]
    return {"episodes": episodes, "target": target}, {}


CASES = {
    "readmission cohorts": readmission_cohorts,
    "small cohort": small_cohort,
    "audit scores": audit_scores,
    "sepsis episodes": sepsis_episodes,
    "flag audits": flag_audits,
}
