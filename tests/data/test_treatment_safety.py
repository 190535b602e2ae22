"""The treatment-response matrix's safety covariates and the rules that veto contraindicated drugs."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pandas as pd
import pytest

from healthpath import data
from healthpath.data.registry import datasets_dir
from healthpath.data.synthetic import treatment

# The digests of the committed tables before the safety covariates existed: they must not move.
BEFORE = {
    "responses.csv": "b9369a217c23c08bbaacd9f3fb26b11b887571719e8a41a0f7d88b4435eaada0",
    "treatments.csv": "bfa272477ea747216932f3bf52177acf63c6b0df2e5d54cb206456e5ffde589d",
    "truth.csv": "601815a6dad10c8d0f1497a4d0a2c10737e72dc6995508562b18bf2ebde8e46e",
}
COVARIATES_BEFORE = "6bf40b6bc5d697da33419e0c2a4e38c4acc0584bd289f2df216087fe9a292dc2"
ORIGINAL_COLUMNS = ["patient_id", "age_years", "sex", "black_african_caribbean", "type2_diabetes",
                    "ckd", "baseline_sbp_mmhg"]
SAFETY_COLUMNS = ["planning_pregnancy", "asthma", "gout", "egfr_ml_min_1_73m2", "serum_potassium_mmol_l"]
ACEI_ARB = {"ramipril", "lisinopril", "losartan", "candesartan"}
THIAZIDES = {"indapamide", "chlortalidone", "bendroflumethiazide"}


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def test_the_responses_truth_and_every_earlier_column_are_unchanged_to_the_byte():
    folder = datasets_dir() / "treatment_response"
    for name, before in BEFORE.items():
        assert digest((folder / name).read_bytes()) == before, name
    fresh = treatment.generate(seed=0)
    buffer = io.StringIO()
    fresh["covariates"][ORIGINAL_COLUMNS].to_csv(buffer, index=False, lineterminator="\n")
    assert digest(buffer.getvalue().encode()) == COVARIATES_BEFORE
    assert list(fresh["covariates"].columns) == ORIGINAL_COLUMNS + SAFETY_COLUMNS


def healthy(n: int = 1) -> pd.DataFrame:
    """Patients for whom no rule fires."""
    return pd.DataFrame({
        "patient_id": [f"X{k}" for k in range(n)], "planning_pregnancy": False, "asthma": False,
        "gout": False, "egfr_ml_min_1_73m2": 90, "serum_potassium_mmol_l": 4.2,
    })


@pytest.mark.parametrize(("covariate", "value", "vetoed"), [
    ("planning_pregnancy", True, ACEI_ARB | THIAZIDES),
    ("asthma", True, {"bisoprolol"}),
    ("gout", True, THIAZIDES),
    ("serum_potassium_mmol_l", 4.6, {"spironolactone"}),
    ("serum_potassium_mmol_l", 5.8, {"spironolactone"}),
    ("serum_potassium_mmol_l", 4.5, set()),  # NICE NG136: 4.5 mmol/L or less allows spironolactone
    ("egfr_ml_min_1_73m2", 29, {"spironolactone"}),
    ("egfr_ml_min_1_73m2", 30, set()),
])
def test_each_rule_vetoes_exactly_its_drugs(covariate, value, vetoed):
    patient = healthy().assign(**{covariate: value})
    veto = treatment.contraindicated(patient)
    assert list(veto.columns) == list(treatment.TREATMENTS) and list(veto.index) == ["X0"]
    assert set(veto.columns[veto.loc["X0"]]) == vetoed


def test_no_rule_fires_for_a_patient_with_none_and_the_rules_combine():
    assert not treatment.contraindicated(healthy(3)).to_numpy().any()
    several = healthy().assign(asthma=True, gout=True, serum_potassium_mmol_l=5.0)
    veto = treatment.contraindicated(several.set_index("patient_id"))  # an index works as well
    assert set(veto.columns[veto.loc["X0"]]) == THIAZIDES | {"bisoprolol", "spironolactone"}
    assert veto.dtypes.eq(bool).all()


def test_every_rule_is_in_the_card_with_its_drugs_and_a_source():
    card = (datasets_dir() / "treatment_response" / "README.md").read_text(encoding="utf-8")
    section = card.split("## Safety rules", 1)[1].split("\n## ", 1)[0]
    for covariate, drugs, rule, source in treatment.SAFETY_RULES:
        row = next(line for line in section.splitlines() if line.startswith(f"| `{covariate}` |"))
        assert all(drug in row for drug in drugs) and "https://" in row and "https://" in source
        assert set(drugs) <= set(treatment.TREATMENTS) and rule


def test_the_committed_covariates_carry_rules_that_fire():
    covariates = data.load("treatment_response")["covariates"]
    veto = treatment.contraindicated(covariates)
    for covariate, drugs, _, _ in treatment.SAFETY_RULES:
        assert veto[list(drugs)].any().all(), covariate
    assert not veto[["amlodipine", "nifedipine", "doxazosin"]].to_numpy().any()


@pytest.mark.parametrize("seed", [1, 2, 7])
def test_other_seeds_and_sizes_still_generate_plausible_safety_covariates(seed):
    tables = data.generate("treatment_response", seed=seed, n_patients=500, observed_share=0.1)
    c = tables["covariates"]
    assert list(c.columns) == ORIGINAL_COLUMNS + SAFETY_COLUMNS and len(c) == 500
    assert not c["planning_pregnancy"][(c["sex"] == "M") | (c["age_years"] > 45)].any()
    assert ((c["egfr_ml_min_1_73m2"] < 60) == c["ckd"]).all()
    assert c["egfr_ml_min_1_73m2"].between(15, 120).all()
    assert c["serum_potassium_mmol_l"].between(3.3, 6.0).all()
    assert 0.03 < c["asthma"].mean() < 0.2 and 0.01 < c["gout"].mean() < 0.12
    assert treatment.contraindicated(c).shape == (500, 12)
    truth = tables["truth"].set_index("patient_id").to_numpy()
    assert truth.shape == (500, 12) and not np.isnan(truth).any()
