"""Hidden cases of assignment 5, built by the grader from the offering's private seed.

- "clinic cohort": 400 patients of a synthetic diabetes and kidney clinic (the notebook's
  clinic_cohort, rebuilt here with the segments kept), eight measurements in their own units from
  three segments; the truth is each patient's segment. Platelets and triglycerides do not differ
  by segment and have the largest spreads in their units, so a clustering of unscaled values
  follows them instead of the segments.
- "clinic cohort and a renal list": a reference cohort of 400 patients (no labels) and a renal
  clinic's list of 60 new patients (48 of the older renal segment, 12 of the well-controlled one);
  the truth is the new patients' segments. Assigned with a scaler refitted on the list itself,
  they land in the wrong segments.
- "cohorts for k": three cohorts of 200 patients, the six measurements that differ by segment,
  drawn from two, three and two of the segments (no labels: the silhouettes and the chosen k are
  compared with the reference's).
- "outbreak map": a district map of case locations (``data.generate("outbreaks")``), x and y only;
  the truth is each case's outbreak (-1 for sporadic cases).
- "hidden claims": a year of synthetic claims (``data.generate("claims")``) without the truth
  columns; the truth is ``truth_is_outlier`` (an amount inflated 5-12 times).
- "hidden expression": a synthetic expression matrix (``data.generate("expression")``) and each
  sample's batch; the truth is each sample's subtype.
"""

import numpy as np
import pandas as pd

from healthpath import data

# segment -> (mean, SD) of each measurement: the notebook's SEGMENTS
MEASUREMENTS = ["age_years", "bmi_kg_m2", "systolic_bp_mmhg", "hba1c_mmol_mol", "egfr_ml_min_1_73m2",
                "potassium_mmol_l", "platelets_10e9_l", "triglycerides_mmol_l"]
SEGMENTS = {
    "younger, obese, poorly controlled diabetes": [(48, 7), (36, 3), (132, 12), (75, 9), (92, 12),
                                                   (4.3, 0.35), (260, 70), (2.2, 1.1)],
    "older, renal, hypertensive": [(74, 6), (28, 3), (152, 12), (52, 8), (38, 10), (5.1, 0.35),
                                   (260, 70), (2.2, 1.1)],
    "older, well controlled": [(66, 7), (26, 3), (128, 12), (46, 6), (78, 12), (4.3, 0.35),
                               (260, 70), (2.2, 1.1)],
}


def clinic_cohort(seed, counts=(160, 120, 120)):
    "The notebook's clinic_cohort (patients from each segment, shuffled), and each patient's segment."
    rng = np.random.default_rng(seed)
    segment = np.repeat(np.arange(len(counts)), counts)
    rng.shuffle(segment)
    params = np.array(list(SEGMENTS.values()))[segment]  # patients x measurements x (mean, SD)
    table = pd.DataFrame(rng.normal(params[..., 0], params[..., 1]).round(2), columns=MEASUREMENTS)
    table.index = pd.Index([f"P{i + 1:04d}" for i in range(len(table))], name="patient_id")
    return table, segment


def cohort(seed):
    "400 patients from the three segments; the truth: each patient's segment."
    table, segment = clinic_cohort(seed)
    return table, {"segment": segment}


def cohort_and_renal_list(seed):
    "A reference cohort of 400 and a renal clinic's list of 60 new patients; the truth: their segments."
    reference, _ = clinic_cohort(seed)
    new, segment = clinic_cohort(seed + 1, (0, 48, 12))
    return {"reference": reference, "new": new}, {"segment": segment}


def cohorts_for_k(seed):
    "Three cohorts of 200 patients (the measurements that differ by segment) from 2, 3 and 2 segments."
    counts = [(100, 100, 0), (67, 67, 66), (0, 100, 100)]
    return [clinic_cohort(seed + i, c)[0][MEASUREMENTS[:6]] for i, c in enumerate(counts)], {}


def outbreak_map(seed):
    "The locations (km) of the cases of another district map; the truth: each case's outbreak."
    cases = data.generate("outbreaks", seed=seed)["cases"]
    return cases[["x_km", "y_km"]], {"outbreak": cases["truth_outbreak"].to_numpy()}


def hidden_claims(seed):
    "A year of claims without the truth columns; the truth: whether the amount was inflated."
    claims = data.generate("claims", seed=seed)
    truth = claims["truth_is_outlier"].to_numpy().astype(int)
    return claims.drop(columns=[c for c in claims.columns if c.startswith("truth_")]), {"outlier": truth}


def hidden_expression(seed):
    "An expression matrix and each sample's batch; the truth: each sample's subtype."
    made = data.generate("expression", seed=seed)
    batch = made["samples"].set_index("sample_id")["batch"]
    return ({"expression": made["expression"], "batch": batch},
            {"subtype": made["samples"]["subtype"].to_numpy()})


CASES = {"clinic cohort": cohort,
         "clinic cohort and a renal list": cohort_and_renal_list,
         "cohorts for k": cohorts_for_k,
         "outbreak map": outbreak_map,
         "hidden claims": hidden_claims,
         "hidden expression": hidden_expression}
