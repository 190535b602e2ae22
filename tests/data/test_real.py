"""The real open datasets: shapes, columns, units and published facts, all offline."""

import numpy as np
import pandas as pd
import pydicom
import pytest
from pydicom.data import get_testdata_file

from healthpath import data
from healthpath.data import real, registry


def test_breast_cancer_is_wdbc_with_malignant_coded_one(offline):
    df = data.load("breast_cancer")
    assert df.shape == (569, 31)
    assert df["malignant"].dtype == "int64" and df["malignant"].sum() == 212  # 357 benign
    assert df.notna().all().all()
    assert {"mean_radius", "radius_error", "worst_radius", "mean_concave_points"} <= set(df.columns)
    # malignant nuclei are larger: the coding is not inverted
    assert df.groupby("malignant")["mean_radius"].mean().diff().iloc[-1] > 0


def test_diabetes_progression_is_in_original_units(offline):
    df = data.load("diabetes_progression")
    assert df.shape == (442, 11)
    assert list(df.columns) == list(real.DIABETES_COLUMNS.values()) + ["progression"]
    assert df["age_years"].between(19, 79).all() and df["bmi_kg_m2"].between(18, 42.2).all()
    assert set(df["sex"]) == {1, 2}
    assert df["progression"].min() == 25 and df["progression"].max() == 346
    assert df["hdl_mg_dl"].between(20, 100).all()  # mg/dL, not scaled values near 0


def test_heart_cleveland_matches_the_uci_figures(offline):
    df = data.load("heart_cleveland")
    assert df.shape == (303, 14)
    assert df["heart_disease"].value_counts().to_dict() == {0: 164, 1: 139}
    assert df["sex"].value_counts().to_dict() == {"male": 206, "female": 97}
    assert round(df["age_years"].mean(), 2) == 54.44 and round(df["cholesterol_mg_dl"].mean(), 2) == 246.69
    assert df.isna().sum()[lambda s: s > 0].to_dict() == {"vessels_coloured": 4, "thal": 2}
    assert not df.duplicated().any()
    assert df["chest_pain_type"].value_counts()["asymptomatic"] == 144
    assert str(df["vessels_coloured"].dtype) == "Int64"
    assert set(df["vessels_coloured"].dropna()) == {0, 1, 2, 3}
    assert list(df["thal"].cat.categories) == ["normal", "fixed defect", "reversible defect"]


def test_heart_cleveland_refuses_an_unknown_category(course_copy):
    file = course_copy.add(real.HEART)
    file.write_text(file.read_text().replace("typical ang\t", "typcal ang\t", 1))
    manifest = course_copy.root / "SHA256SUMS"
    manifest.write_text(manifest.read_text().replace(registry.recorded_checksums()[real.HEART],
                                                     registry.sha256(file)))
    with pytest.raises(data.DatasetError, match="chest_pain_type values \\['typcal ang'\\]"):
        data.load("heart_cleveland")


def test_pima_is_the_mass_complete_case_set(offline):
    df = data.load("pima_diabetes")
    assert df.shape == (532, 9)
    assert df["split"].value_counts().to_dict() == {"test": 332, "train": 200}
    assert df["diabetes"].sum() == 177
    assert df.notna().all().all()
    for column in ["glucose_2h_mg_dl", "diastolic_bp_mmhg", "triceps_skinfold_mm", "bmi_kg_m2"]:
        assert (df[column] > 0).all(), f"{column}: zeros stand for missing values in other copies"


def test_pima_incomplete_rows_carry_real_missing_values(offline):
    df = data.load("pima_diabetes", include_incomplete=True)
    assert len(df) == 632
    extra = df[df["split"] == "train_incomplete"]
    assert len(extra) == 100 and extra.isna().any(axis=1).all()
    assert df.isna().sum()[lambda s: s > 0].to_dict() == {
        "diastolic_bp_mmhg": 13, "triceps_skinfold_mm": 98, "bmi_kg_m2": 3}


@pytest.mark.parametrize(("name", "rows", "events", "covariates"), [
    ("gbsg2", 686, 299, {"age", "horTh", "pnodes", "tgrade", "tsize"}),
    ("whas500", 500, 215, {"age", "bmi", "chf", "gender", "sysbp"}),
    ("veterans_lung_cancer", 137, 128, {"Celltype", "Karnofsky_score", "Treatment"}),
])
def test_survival_cohorts_have_time_and_event(name, rows, events, covariates, offline):
    df = data.load(name)
    assert len(df) == rows and covariates <= set(df.columns)
    assert df["event"].dtype == bool and df["event"].sum() == events
    assert df["time_days"].dtype == float and (df["time_days"] > 0).all()
    assert df.index.equals(pd.RangeIndex(rows))


def test_ct_small_converts_to_hounsfield_units(offline):
    ds = data.load("ct_small")
    assert ds.Modality == "CT" and ds.pixel_array.shape == (128, 128)
    hu = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    assert hu.min() >= -1024 and hu.max() < 3071  # within the CT range after rescaling
    assert (hu < -500).any() and (hu > 0).any()  # both air and soft tissue or bone are present


def test_mr_small_and_ecg_waveform(offline):
    mr = data.load("mr_small")
    assert mr.Modality == "MR" and mr.pixel_array.shape == (64, 64)
    ecg = data.load("ecg_waveform")
    rhythm = ecg.WaveformSequence[0]
    assert ecg.Modality == "ECG" and rhythm.SamplingFrequency == 1000
    signal = ecg.waveform_array(0)
    assert signal.shape == (10000, 12) and np.isfinite(signal).all()
    leads = [c.ChannelSourceSequence[0].CodeMeaning for c in rhythm.ChannelDefinitionSequence]
    assert leads[:3] == ["Lead I (Einthoven)", "Lead II", "Lead III"]


@pytest.mark.parametrize("name", ["ct_small", "mr_small", "ecg_waveform"])
def test_dicom_files_are_pydicoms_own_offline_test_files(name, offline):
    shipped = get_testdata_file(registry.file_of(real.DICOM[name]).name)
    assert shipped is not None and data.path(name).samefile(shipped)
    assert isinstance(data.load(name), pydicom.Dataset)


def test_a_corrupt_dicom_copy_gives_a_clear_error(tmp_path):
    whole = data.path("ct_small").read_bytes()
    truncated = tmp_path / "truncated.dcm"
    truncated.write_bytes(whole[: len(whole) - 4000])
    with pytest.raises(data.DatasetError, match=f"{truncated} is not a readable DICOM file"):
        real.read_dicom(truncated)
    text = tmp_path / "notes.dcm"
    text.write_text("patient notes, not an image")
    with pytest.raises(data.DatasetError, match=f"{text} is not a readable DICOM file.*copy it again"):
        real.read_dicom(text)
    assert real.read_dicom(data.path("ct_small")).Rows == 128


def test_retina_images(offline):
    retina = data.load("retina")
    assert retina.shape == (1411, 1411, 3) and retina.dtype == np.uint8
    assert retina[0, 0].max() < 30 and retina[705, 705].max() > 60  # dark surround, lit fundus
    detail = data.load("retina_microaneurysms")
    assert detail.shape == (102, 102) and detail.dtype == np.uint8


def test_pneumoniamnist_is_never_fetched_without_asking(offline, monkeypatch, tmp_path):
    monkeypatch.setenv("HEALTHPATH_CACHE", str(tmp_path))
    with pytest.raises(data.DatasetError) as error:
        data.load("pneumoniamnist")
    message = str(error.value)
    assert str(tmp_path / "pneumoniamnist.npz") in message and "download=True" in message
    assert "data.load('chest_xray')" in message and "chest_xray" in data.names()
    assert list(tmp_path.iterdir()) == []


def test_a_wrong_pneumoniamnist_file_in_the_cache_is_refused(offline, monkeypatch, tmp_path):
    monkeypatch.setenv("HEALTHPATH_CACHE", str(tmp_path))
    np.savez(tmp_path / "pneumoniamnist.npz", train_images=np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(data.ChecksumError, match="pneumoniamnist.npz does not match MedMNIST's published"):
        data.load("pneumoniamnist")
