"""A patient x antihypertensive treatment response matrix from a low-rank model with covariates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from healthpath.data.synthetic.tables import load_tables, write_tables

# name -> (drug class, WHO ATC code)
TREATMENTS = {
    "ramipril": ("ACE inhibitor", "C09AA05"),
    "lisinopril": ("ACE inhibitor", "C09AA03"),
    "losartan": ("angiotensin II receptor blocker", "C09CA01"),
    "candesartan": ("angiotensin II receptor blocker", "C09CA06"),
    "amlodipine": ("calcium channel blocker", "C08CA01"),
    "nifedipine": ("calcium channel blocker", "C08CA05"),
    "indapamide": ("thiazide-like diuretic", "C03BA11"),
    "chlortalidone": ("thiazide-like diuretic", "C03BA04"),
    "bendroflumethiazide": ("thiazide diuretic", "C03AA01"),
    "bisoprolol": ("beta blocker", "C07AB07"),
    "doxazosin": ("alpha blocker", "C02CA04"),
    "spironolactone": ("aldosterone antagonist", "C03DA01"),
}
RANK = 3
NOISE_SD = 3.0  # mmHg, measurement noise of an observed response
TABLES = ("covariates", "treatments", "responses", "truth")

_ACEI_ARB = ("ramipril", "lisinopril", "losartan", "candesartan")
_THIAZIDES = ("indapamide", "chlortalidone", "bendroflumethiazide")
# The safety rules: (covariate, drugs vetoed, rule as applied here, source). A drug is vetoed for a
# patient when any rule naming it fires; see :func:`contraindicated`.
SAFETY_RULES = (
    (
        "planning_pregnancy",
        _ACEI_ARB + _THIAZIDES,
        "planning_pregnancy is True",
        "NICE NG133 section 1.1, pre-pregnancy advice (ACE inhibitors and ARBs: increased risk of "
        "congenital abnormalities; thiazide and thiazide-like diuretics: possible increased risk of "
        "congenital abnormality and neonatal complications; discuss alternatives when planning "
        "pregnancy) https://www.nice.org.uk/guidance/ng133 ; MHRA Drug Safety Update 2014, ACE "
        "inhibitors and ARBs not for use in pregnancy https://www.gov.uk/drug-safety-update/"
        "ace-inhibitors-and-angiotensin-ii-receptor-antagonists-not-for-use-in-pregnancy",
    ),
    (
        "asthma",
        ("bisoprolol",),
        "asthma is True",
        "BNF, beta-adrenoceptor blocking drugs and bisoprolol monograph: beta-blockers, cardioselective "
        "ones included, should usually be avoided in asthma; a cardioselective one only with caution "
        "and specialist supervision when there is no alternative, which a recommender cannot judge "
        "https://bnf.nice.org.uk/drugs/bisoprolol-fumarate/",
    ),
    (
        "serum_potassium_mmol_l",
        ("spironolactone",),
        "serum_potassium_mmol_l > 4.5",
        "NICE NG136 step 4: low-dose spironolactone only if blood potassium is 4.5 mmol/L or less "
        "(alpha- or beta-blocker above it) https://www.nice.org.uk/guidance/ng136 ; BNF spironolactone: "
        "contra-indicated in hyperkalaemia https://bnf.nice.org.uk/drugs/spironolactone/",
    ),
    (
        "egfr_ml_min_1_73m2",
        ("spironolactone",),
        "egfr_ml_min_1_73m2 < 30",
        "BNF spironolactone: avoid in severe renal impairment https://bnf.nice.org.uk/drugs/"
        "spironolactone/ ; 'severe' taken as KDIGO 2012 categories G4-G5, eGFR < 30 mL/min/1.73 m2 "
        "https://doi.org/10.1038/kisup.2012.73",
    ),
    (
        "gout",
        _THIAZIDES,
        "gout is True",
        "BNF bendroflumethiazide, indapamide and chlortalidone monographs: thiazides raise serum uric "
        "acid; caution in gout, contra-indicated in symptomatic hyperuricaemia "
        "https://bnf.nice.org.uk/drugs/bendroflumethiazide/ "
        "https://bnf.nice.org.uk/drugs/indapamide/ https://bnf.nice.org.uk/drugs/chlortalidone/",
    ),
)


def _fires(covariates: pd.DataFrame, covariate: str) -> pd.Series:
    """Where the rule on ``covariate`` fires (a missing value never fires)."""
    column = covariates[covariate]
    if covariate == "serum_potassium_mmol_l":
        return column > 4.5
    if covariate == "egfr_ml_min_1_73m2":
        return column < 30
    return column.fillna(False).astype(bool)


def contraindicated(covariates: pd.DataFrame) -> pd.DataFrame:
    """Which drugs the safety rules veto for each patient: a bool DataFrame, patients x drugs.

    ``covariates`` is the ``covariates`` table (with ``patient_id`` as a column or as the index);
    the result is indexed by patient id, one column per drug of :data:`TREATMENTS` in that order,
    True where at least one rule of :data:`SAFETY_RULES` vetoes the drug for the patient.

    >>> veto = contraindicated(load()["covariates"])
    >>> veto.sum()            # how many patients each drug is vetoed for
    """
    frame = covariates.set_index("patient_id") if "patient_id" in covariates.columns else covariates
    veto = pd.DataFrame(False, index=frame.index, columns=list(TREATMENTS))
    for covariate, drugs, _, _ in SAFETY_RULES:
        fires = _fires(frame, covariate).to_numpy()
        for drug in drugs:
            veto[drug] = veto[drug].to_numpy() | fires
    return veto


def _safety_covariates(covariates: pd.DataFrame, seed: int) -> dict[str, np.ndarray]:
    """The safety covariates, from a second random stream so that every other value is unchanged.

    Prevalences are chosen for a hypertensive clinic population: planning a pregnancy, 30% of
    women aged 45 or under (chosen); asthma 10% (chosen, near the roughly 1 in 12 UK adults treated
    for it); gout 6% (chosen above the 2.5% UK prevalence of Kuo et al. 2015,
    https://doi.org/10.1136/annrheumdis-2013-204463, since gout is commoner with hypertension);
    eGFR 15-59 with CKD and 60-120 without (KDIGO 2012's G3-G5 below 60); serum potassium
    N(4.3, 0.35^2) mmol/L, 0.3 higher with CKD (chosen).
    """
    rng = np.random.default_rng([seed, 1])
    n = len(covariates)
    ckd = covariates["ckd"].to_numpy()
    age = covariates["age_years"].to_numpy()
    could = (covariates["sex"].to_numpy() == "F") & (age <= 45)
    pregnancy = could & (rng.random(n) < 0.3)
    asthma = rng.random(n) < 0.10
    gout = rng.random(n) < 0.06
    egfr = np.where(
        ckd,
        np.clip(rng.normal(45, 10, n), 15, 59),
        np.clip(rng.normal(88 - 0.6 * (age - 60), 12, n), 60, 120),
    )
    potassium = np.clip(rng.normal(4.3, 0.35, n) + 0.3 * ckd, 3.3, 6.0)
    return {
        "planning_pregnancy": pregnancy,
        "asthma": asthma,
        "gout": gout,
        "egfr_ml_min_1_73m2": egfr.round().astype(int),
        "serum_potassium_mmol_l": potassium.round(1),
    }


def generate(seed: int = 0, n_patients: int = 300, observed_share: float = 0.2) -> dict[str, pd.DataFrame]:
    """``covariates``, ``treatments``, ``responses`` (observed, mostly missing) and ``truth`` (full).

    Response = fall in systolic blood pressure (mmHg) after 12 weeks:
    ``12 + b_patient + b_treatment + u_patient . v_treatment``, where ``u_patient = W x_patient + e``
    (rank 3). Observed entries carry extra noise (sd 3 mmHg) and are chosen preferentially where the
    true response is higher (prescribers learn what works), so the missingness is not at random.
    The covariates end with the safety covariates of :data:`SAFETY_RULES` (planning a pregnancy,
    asthma, gout, eGFR, serum potassium), drawn from a second random stream
    ``np.random.default_rng([seed, 1])`` so that every other column and table is as before.
    """
    rng = np.random.default_rng(seed)
    n_t = len(TREATMENTS)
    covariates = pd.DataFrame(
        {
            "patient_id": [f"T{k:04d}" for k in range(1, n_patients + 1)],
            "age_years": np.clip(rng.normal(60, 12, n_patients), 30, 90).round().astype(int),
            "sex": rng.choice(["F", "M"], n_patients),
            "black_african_caribbean": rng.random(n_patients) < 0.15,
            "type2_diabetes": rng.random(n_patients) < 0.25,
            "ckd": rng.random(n_patients) < 0.15,
            "baseline_sbp_mmhg": np.clip(rng.normal(160, 12, n_patients), 140, 200).round().astype(int),
        }
    )
    x = np.column_stack(
        [
            (covariates["age_years"] - 60) / 12,
            covariates["black_african_caribbean"],
            covariates["type2_diabetes"],
            covariates["ckd"],
            (covariates["baseline_sbp_mmhg"] - 160) / 12,
        ]
    ).astype(float)
    weights = rng.normal(0, 1, (x.shape[1], RANK))
    weights[1, 0] = 2.0  # ancestry loads on factor 0: larger falls with CCBs/diuretics, smaller with ACEi/ARB
    u = x @ weights / np.sqrt(x.shape[1]) + rng.normal(0, 0.6, (n_patients, RANK))
    classes = [c for c, _ in TREATMENTS.values()]
    v = rng.normal(0, 1.2, (n_t, RANK))
    v[:, 0] = [
        2.0
        if c in {"calcium channel blocker", "thiazide-like diuretic", "thiazide diuretic"}
        else -2.0
        if c in {"ACE inhibitor", "angiotensin II receptor blocker"}
        else 0.0
        for c in classes
    ]
    b_patient = 2.5 * x[:, 4] + rng.normal(0, 2, n_patients)
    b_treatment = rng.normal(0, 2, n_t)
    truth = (12 + b_patient[:, None] + b_treatment[None, :] + u @ v.T).round(1)
    chance = observed_share * 2 / (1 + np.exp(-(truth - truth.mean()) / truth.std()))
    mask = rng.random(truth.shape) < np.clip(chance, 0, 1)
    observed = np.where(mask, (truth + rng.normal(0, NOISE_SD, truth.shape)).round(1), np.nan)
    names = list(TREATMENTS)
    frame = pd.DataFrame
    safety = _safety_covariates(covariates, seed)  # a second stream: the values above are unchanged
    covariates = covariates.assign(**safety)
    return {
        "covariates": covariates,
        "treatments": frame(
            {"treatment": names, "drug_class": classes, "atc_code": [a for _, a in TREATMENTS.values()]}
        ),
        "responses": frame(observed, columns=names).assign(patient_id=covariates["patient_id"])[
            ["patient_id", *names]
        ],
        "truth": frame(truth, columns=names).assign(patient_id=covariates["patient_id"])[
            ["patient_id", *names]
        ],
    }


def write(folder: Path, seed: int = 0) -> list[Path]:
    """Write the four tables under ``folder/treatment_response/``."""
    return write_tables(generate(seed), Path(folder) / "treatment_response")


def load() -> dict[str, pd.DataFrame]:
    """The committed matrix (seed 0, 300 patients x 12 treatments) and its tables."""
    return load_tables("treatment_response", TABLES, {})
