"""The synthetic EHR cohort: determinism, schema and units, the injected mess against its truth,
the stated best AUC, the documented bias, and clear errors for damaged files."""

from __future__ import annotations

import filecmp
import re
import shutil
from itertools import product

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from healthpath.data.registry import ChecksumError, DatasetError, datasets_dir
from healthpath.data.synthetic import cohort, ehr
from healthpath.data.synthetic.tables import read_csv


@pytest.fixture(scope="module")
def committed():
    return ehr.load()


@pytest.fixture(scope="module")
def small():
    return ehr.generate(seed=11, n_patients=200)


def test_same_seed_same_cohort_and_independent_of_global_rng(small):
    np.random.seed(123)
    again = ehr.generate(seed=11, n_patients=200)
    assert small.keys() == again.keys()
    for name in small:
        pd.testing.assert_frame_equal(small[name], again[name])


def test_other_seed_other_patients_duplicates_and_unit_mix(small):
    other = ehr.generate(seed=12, n_patients=200)
    assert not small["patients"]["patient_id"].equals(other["patients"]["patient_id"])
    for cohort_ in (small, other):
        assert (cohort_["truth_errors"]["error_type"] == "exact_duplicate").any()
    share = [(c["labs"]["unit"] == "mg/dL").mean() for c in (small, other)]
    assert share[0] != share[1]


def test_load_matches_generate_and_write_reproduces_files_byte_for_byte(committed, tmp_path):
    fresh = ehr.generate(seed=0)
    assert committed.keys() == fresh.keys() == set(cohort.TABLES)
    for name in fresh:
        pd.testing.assert_frame_equal(committed[name], fresh[name])
    written = ehr.write(tmp_path, seed=0)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == sorted(ehr.DATASETS[0].files)
    for path in written:
        assert filecmp.cmp(path, datasets_dir() / path.relative_to(tmp_path), shallow=False), path


def test_schema_codes_and_units(committed):
    assert list(committed["patients"].columns) == [
        "patient_id", "given_name", "family_name", "sex", "birth_date", "age_years", "age_band", "ethnicity",
        "deprivation_quintile", "postcode_area"]
    assert list(committed["labs"].columns) == [
        "lab_id", "encounter_id", "collected_datetime", "loinc_code", "test_name", "value", "unit"]
    assert committed["encounters"]["admit_datetime"].dtype.kind == "M"
    assert committed["truth_patients"]["patient_id"].is_unique
    assert len(committed["truth_patients"]) == 1000
    assert committed["diagnoses"]["icd10_code"].str.fullmatch(r"[A-Z]\d\d(\.\d)?").all()
    assert {"I50.9", "E11.9", "J44.1", "N18.3", "I10"} <= set(committed["diagnoses"]["icd10_code"])
    clean_labs = cohort.generate(seed=0, n_patients=300, messiness=0)["labs"]
    pairs = set(zip(clean_labs["test_name"], clean_labs["unit"], clean_labs["loinc_code"]))
    expected = {(t, u, c) for t, (su, cu, _, sc, cc) in cohort.LABS.items() for u, c in ((su, sc), (cu, cc))}
    assert pairs == expected  # every test in both unit systems, each with its own LOINC code


def test_units_convert_back_to_the_true_si_values(committed):
    wrong = committed["truth_errors"].query("table == 'labs'")["row"]
    labs = committed["labs"].drop(index=wrong).merge(committed["truth_labs"][["lab_id", "value_si"]],
                                                     on="lab_id")
    factors = {(t, cu): f for t, (_, cu, f, _, _) in cohort.LABS.items()}
    factor = pd.Series([factors.get((t, u), 1.0) for t, u in zip(labs["test_name"], labs["unit"])])
    rounding = 0.005 + 0.5 * 10.0 ** -labs["unit"].map(cohort.LAB_DECIMALS) / factor  # both are rounded
    assert ((labs["value"] / factor - labs["value_si"]).abs() <= rounding + 1e-9).all()
    assert {"mg/dL", "umol/L", "mmol/L", "g/dL", "g/L"} <= set(labs["unit"])


def _same(value, text) -> bool:
    if pd.isna(text) or pd.isna(value):
        return pd.isna(text) and pd.isna(value)
    if isinstance(value, pd.Timestamp):
        return value == pd.Timestamp(text)
    if isinstance(value, float | np.floating | int | np.integer):
        return float(value) == float(text)
    return str(value) == text


@pytest.mark.parametrize("which", ["committed", "small"])
def test_every_logged_error_is_in_the_tables(which, request):
    data = request.getfixturevalue(which)
    errors = data["truth_errors"]
    assert set(errors["error_type"]) == {
        "near_duplicate", "typo", "impossible_value", "dates_out_of_order", "unit_mislabel",
        "exact_duplicate", "missing_mcar", "missing_mar", "missing_mnar"}
    for error in errors.itertuples():
        table = data[error.table]
        if error.error_type == "exact_duplicate":
            assert table.iloc[error.row].equals(table.iloc[error.row - 1])
            continue
        assert _same(table[error.column].iat[error.row], error.recorded_value), error
        assert not _same(table[error.column].iat[error.row], error.clean_value), error
    untouched = data["patients"].drop(index=errors.query("table == 'patients'")["row"])
    assert untouched["sex"].isin(["F", "M"]).all() and (untouched["age_years"] >= 18).all()


def test_clean_values_agree_with_the_truth_tables(committed):
    errors = committed["truth_errors"]
    patients = committed["patients"]
    truth = committed["truth_patients"].set_index("patient_id")
    dups = errors.query("table == 'patients' and column == 'patient_id'")
    true_id = dict(zip(dups["recorded_value"], dups["clean_value"]))
    checked = errors.query("table == 'patients' and column in ['sex', 'age_years', 'ethnicity']")
    for error in checked.itertuples():
        patient_id = patients["patient_id"].iat[error.row]
        assert _same(truth.loc[true_id.get(patient_id, patient_id), error.column], error.clean_value)
    for error in dups.itertuples():
        assert error.clean_value in truth.index and error.recorded_value not in truth.index
        twin = patients[patients["patient_id"] == error.recorded_value].iloc[0]
        names = (twin["given_name"], twin["family_name"])
        true_names = tuple(truth.loc[error.clean_value, ["given_name", "family_name"]])
        assert sum(a != b for a, b in zip(names, true_names)) == 1  # one name has a typo
    encounters = committed["encounters"]
    true_enc = committed["truth_encounters"].set_index("encounter_id")
    for error in errors.query("table == 'encounters' and column == 'heart_rate_bpm'").itertuples():
        encounter_id = encounters["encounter_id"].iat[error.row]
        assert _same(true_enc.loc[encounter_id, "heart_rate_bpm"], error.clean_value)


def test_messiness_zero_gives_clean_tables():
    clean = ehr.generate(seed=5, n_patients=150, messiness=0)
    assert clean["truth_errors"].empty
    assert not clean["encounters"].duplicated().any() and not clean["labs"].duplicated().any()
    assert clean["patients"]["sex"].isin(["F", "M"]).all()
    assert clean["patients"].notna().all().all() and clean["encounters"].notna().all().all()
    assert (clean["encounters"]["discharge_datetime"] > clean["encounters"]["admit_datetime"]).all()
    assert set(clean["patients"]["patient_id"]) == set(clean["truth_patients"]["patient_id"])


def test_more_messiness_more_errors():
    counts = [len(ehr.generate(seed=2, n_patients=300, messiness=m)["truth_errors"]) for m in (0.5, 2.0)]
    assert counts[1] > 2 * counts[0]


def test_missingness_mechanisms(committed):
    errors = committed["truth_errors"]
    patients = committed["patients"]
    truth = committed["truth_patients"].set_index("patient_id")
    missing_rows = errors.query("column == 'deprivation_quintile'")["row"]
    missing = patients.index.isin(missing_rows)
    quintile = truth.loc[patients["patient_id"].where(
        patients["patient_id"].isin(truth.index)).dropna(), "deprivation_quintile"]
    quintile = quintile.set_axis(patients.index[patients["patient_id"].isin(truth.index)])
    rate = pd.Series(missing[quintile.index], index=quintile.index).groupby(quintile).mean()
    assert rate[1] > 3 * rate[[3, 4, 5]].mean()  # MNAR: depends on the unseen value
    encounters = committed["encounters"]
    vitals_missing = encounters["heart_rate_bpm"].isna()
    by_type = vitals_missing.groupby(encounters["encounter_type"]).mean()
    assert by_type["elective"] > 3 * by_type["emergency"]  # MAR: depends on the observed type


def test_recorded_label_follows_from_the_recorded_admissions():
    clean = ehr.generate(seed=9, n_patients=300, messiness=0)
    enc = clean["encounters"].sort_values(["patient_id", "admit_datetime"])
    gap = enc.groupby("patient_id")["admit_datetime"].shift(-1) - enc["discharge_datetime"]
    assert (enc["readmitted_30d"] == (gap <= pd.Timedelta(days=30))).all()
    truth = clean["truth_encounters"].sort_values(["patient_id", "admit_datetime"])
    true_gap = truth.groupby("patient_id")["admit_datetime"].shift(-1) - truth["discharge_datetime"]
    assert (truth["readmitted_30d"] == (true_gap <= pd.Timedelta(days=30))).all()


def _card_number(card: str, label: str) -> float:
    match = re.search(label + r".*?\*\*(0\.\d+)\*\*", card, flags=re.S)
    assert match, f"the card no longer states {label!r}"
    return float(match.group(1))


def test_best_auc_in_the_card_matches_a_recomputation(committed):
    card = (datasets_dir() / "ehr" / "README.md").read_text(encoding="utf-8")
    truth = committed["truth_encounters"]
    realised = roc_auc_score(truth["readmitted_30d"], truth["readmission_risk"])
    assert _card_number(card, "Best achievable AUC") == pytest.approx(realised, abs=5e-4)
    assert _card_number(card, "expected value over outcome draws") == pytest.approx(
        cohort.expected_auc(truth["readmission_risk"]), abs=5e-4)


def test_expected_auc_equals_the_pairwise_definition_and_a_simulation():
    p = np.array([0.1, 0.4, 0.4, 0.7, 0.2, 0.9])
    num = den = 0.0
    for i, j in product(range(len(p)), repeat=2):
        if i != j:
            weight = p[i] * (1 - p[j])
            den += weight
            num += weight * ((p[i] > p[j]) + 0.5 * (p[i] == p[j]))
    assert cohort.expected_auc(p) == pytest.approx(num / den)
    rng = np.random.default_rng(0)
    risks = rng.beta(2, 6, 800)
    simulated = np.mean([roc_auc_score(rng.random(800) < risks, risks) for _ in range(200)])
    assert cohort.expected_auc(risks) == pytest.approx(simulated, abs=0.005)


def _by_group(data):
    truth = data["truth_encounters"].merge(data["truth_patients"][["patient_id", "ethnicity"]])
    recorded = truth[truth["recorded"]]
    labs = data["truth_labs"].merge(recorded[["encounter_id", "ethnicity"]])
    is_bias = recorded["ethnicity"] == cohort.BIAS_GROUP
    measured = labs["lab_id"].notna().groupby(labs["ethnicity"] == cohort.BIAS_GROUP).mean()
    captured = truth.query("is_readmission")["recorded"].groupby(
        truth.query("is_readmission")["ethnicity"] == cohort.BIAS_GROUP).mean()
    return is_bias.mean(), measured, captured


def test_the_documented_bias_and_its_absence_without_bias(committed):
    _, measured, captured = _by_group(committed)
    assert measured[True] < 0.7 * measured[False]
    assert captured[True] < 0.75 < 0.9 < captured[False]
    fair = ehr.generate(seed=0, n_patients=1000, bias=False)
    _, measured, captured = _by_group(fair)
    assert measured[True] == pytest.approx(measured[False], abs=0.04)
    assert captured[True] > 0.85


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError, match="n_patients"):
        ehr.generate(n_patients=0)
    with pytest.raises(ValueError, match="messiness"):
        ehr.generate(messiness=-1)


def _copy_course(tmp_path, monkeypatch):
    root = tmp_path / "course"
    shutil.copytree(datasets_dir() / "ehr", root / "datasets" / "ehr")
    shutil.copy(datasets_dir() / "SHA256SUMS", root / "datasets" / "SHA256SUMS")
    monkeypatch.setenv("HEALTHPATH_ROOT", str(root))
    return root / "datasets" / "ehr"


def test_truncated_csv_gives_errors_naming_the_file(tmp_path, monkeypatch):
    folder = _copy_course(tmp_path, monkeypatch)
    labs = folder / "labs.csv"
    labs.write_bytes(labs.read_bytes()[:5000])
    with pytest.raises(ChecksumError, match=r"labs\.csv"):
        ehr.load()
    with pytest.raises(DatasetError, match=r"labs\.csv.*truncated"):
        read_csv(labs, "ehr")
    broken = folder / "broken.csv"
    broken.write_text('a,b\n1,"unclosed\n')
    with pytest.raises(DatasetError, match=r"broken\.csv"):
        read_csv(broken, "ehr")
    (folder / "patients.csv").unlink()
    with pytest.raises(DatasetError, match=r"patients\.csv.*missing"):
        ehr.load()


def test_a_gap_shorter_than_a_minute_draws_the_lower_bound():
    rng = np.random.default_rng(0)
    assert cohort._minutes(rng, 31, 31 + 1e-7) == pd.Timedelta(minutes=31 * 1440)
    gaps = [cohort._minutes(rng, 0.5, 29.5) for _ in range(200)]
    assert min(gaps) >= pd.Timedelta(hours=12) and max(gaps) < pd.Timedelta(days=29.5)


@pytest.fixture(scope="module")
def outcomes():
    return ehr.generate(seed=3, n_patients=800, messiness=0, discharge_outcomes=True)


def test_discharge_outcomes_off_is_the_committed_cohort(committed):
    off = ehr.generate(seed=0, discharge_outcomes=False)
    for name in committed:
        pd.testing.assert_frame_equal(committed[name], off[name])


def test_discharge_outcomes_are_reproducible_and_a_few_percent(outcomes):
    again = ehr.generate(seed=3, n_patients=800, messiness=0, discharge_outcomes=True)
    for name in outcomes:
        pd.testing.assert_frame_equal(outcomes[name], again[name])
    truth = outcomes["truth_encounters"]
    for flag in ("died_in_hospital", "died_within_30d", "planned_readmission"):
        assert 0.01 < truth[flag].mean() < 0.08, flag
    died = truth.groupby(truth["died_in_hospital"])["readmission_risk"].mean()
    assert died[True] > 1.5 * died[False]  # deaths rise with the true risk


def test_a_death_ends_the_patients_admissions(outcomes):
    people = outcomes["truth_patients"][["patient_id", "death_datetime"]]
    truth = outcomes["truth_encounters"].merge(people).sort_values(["patient_id", "admit_datetime"])
    last = truth.groupby("patient_id").tail(1)
    dead = truth[truth["died_in_hospital"] | truth["died_within_30d"]]
    assert dead.index.isin(last.index).all()  # no admission after either kind of death
    assert (truth["discharge_method"] == "died").eq(truth["died_in_hospital"]).all()
    assert not truth.loc[truth["died_in_hospital"], "index_admission"].any()
    in_hospital = dead[dead["died_in_hospital"]]
    assert (in_hospital["death_datetime"] == in_hospital["discharge_datetime"]).all()
    after = dead[dead["died_within_30d"]]
    gap = after["death_datetime"] - after["discharge_datetime"]
    assert ((gap > pd.Timedelta(0)) & (gap <= pd.Timedelta(days=30))).all()
    assert not dead["readmitted_30d"].any()
    deaths = outcomes["truth_patients"]["death_datetime"].notna()
    assert deaths.sum() == len(dead)


def test_planned_readmissions_are_elective_and_within_30_days(outcomes):
    truth = outcomes["truth_encounters"].sort_values(["patient_id", "admit_datetime"])
    planned = truth["planned_readmission"]
    assert planned.eq(truth["admission_method"] == "planned").all()
    assert (truth.loc[planned, "encounter_type"] == "elective").all()
    assert not truth.loc[planned, "is_readmission"].any()
    gap = truth["admit_datetime"] - truth.groupby("patient_id")["discharge_datetime"].shift()
    assert ((gap[planned] > pd.Timedelta(0)) & (gap[planned] <= pd.Timedelta(days=30))).all()
    assert truth.loc[planned, "primary_icd10"].isin(
        list(cohort.ELECTIVE_DIAGNOSES) + [c for c in cohort.PLANNED_READMISSION if c != "elective"]).all()


def test_the_truth_label_follows_the_readmission_definition(outcomes):
    truth = outcomes["truth_encounters"].sort_values(["patient_id", "admit_datetime"])
    following = truth.groupby("patient_id")[["admit_datetime", "planned_readmission"]].shift(-1)
    within = (following["admit_datetime"] - truth["discharge_datetime"]) <= pd.Timedelta(days=30)
    unplanned = following["planned_readmission"].eq(False)
    expected = within & unplanned & truth["index_admission"]
    assert truth["readmitted_30d"].eq(expected).all()
    index = truth[truth["index_admission"]]
    assert 0.6 < cohort.expected_auc(index["readmission_risk"]) < 0.85


def test_the_recorded_tables_show_the_discharge_outcomes(outcomes):
    encounters, truth = outcomes["encounters"], outcomes["truth_encounters"].set_index("encounter_id")
    assert list(encounters.columns[4:7]) == ["encounter_type", "admission_method", "discharge_method"]
    for column in ("admission_method", "discharge_method"):
        assert encounters[column].eq(encounters["encounter_id"].map(truth[column])).all()
    # the recorded label keeps its meaning: the next recorded admission within 30 days, planned or not
    enc = encounters.sort_values(["patient_id", "admit_datetime"])
    gap = enc.groupby("patient_id")["admit_datetime"].shift(-1) - enc["discharge_datetime"]
    assert (enc["readmitted_30d"] == (gap <= pd.Timedelta(days=30))).all()
    people = outcomes["truth_patients"].set_index("patient_id")
    shown = outcomes["patients"].set_index("patient_id")["death_date"]
    assert shown.notna().eq(people["death_recorded"]).all()
    known = people[people["death_recorded"]]
    assert (shown[known.index] == known["death_datetime"].dt.floor("D")).all()
    died_here = truth[truth["died_in_hospital"] & truth["recorded"]]["patient_id"]
    assert people.loc[died_here, "death_recorded"].all()  # a death in this hospital is always known
