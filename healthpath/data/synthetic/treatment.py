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


def generate(seed: int = 0, n_patients: int = 300, observed_share: float = 0.2) -> dict[str, pd.DataFrame]:
    """``covariates``, ``treatments``, ``responses`` (observed, mostly missing) and ``truth`` (full).

    Response = fall in systolic blood pressure (mmHg) after 12 weeks:
    ``12 + b_patient + b_treatment + u_patient . v_treatment``, where ``u_patient = W x_patient + e``
    (rank 3). Observed entries carry extra noise (sd 3 mmHg) and are chosen preferentially where the
    true response is higher (prescribers learn what works), so the missingness is not at random.
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
