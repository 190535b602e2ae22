"""Real open health datasets, available offline right after install.

Each one is read from a file shipped inside an installed package (scikit-learn, scikit-survival,
pydicom, scikit-image, icu-sepsis: see :mod:`healthpath.data.sepsis`) or committed under
``datasets/``, after its sha256 is checked against ``datasets/SHA256SUMS``. Cards:
``datasets/<name>/README.md``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from healthpath.data.registry import ChecksumError, Dataset, DatasetError, cache_dir, verified
from healthpath.data.sepsis import DATASETS as SEPSIS_DATASETS
from healthpath.data.sepsis import SepsisMDP  # noqa: F401 - data.load("icu_sepsis") returns one

# SHA256SUMS keys of the files each dataset is read from.
BREAST_CANCER = "_shipped/sklearn/datasets/data/breast_cancer.csv"
DIABETES = (
    "_shipped/sklearn/datasets/data/diabetes_data_raw.csv.gz",
    "_shipped/sklearn/datasets/data/diabetes_target.csv.gz",
)
SURVIVAL = {
    "gbsg2": "_shipped/sksurv/datasets/data/GBSG2.arff",
    "whas500": "_shipped/sksurv/datasets/data/whas500.arff",
    "veterans_lung_cancer": "_shipped/sksurv/datasets/data/veteran.arff",
}
DICOM = {
    "ct_small": "_shipped/pydicom/data/test_files/CT_small.dcm",
    "mr_small": "_shipped/pydicom/data/test_files/MR_small.dcm",
    "ecg_waveform": "_shipped/pydicom/data/test_files/waveform_ecg.dcm",
}
RETINA = "_shipped/skimage/data/retina.jpg"
MICROANEURYSMS = "_shipped/skimage/data/microaneurysms.png"
HEART = "heart_cleveland/heart_disease.tab"
PIMA = {
    "train": "pima_diabetes/Pima.tr.csv",
    "test": "pima_diabetes/Pima.te.csv",
    "train2": "pima_diabetes/Pima.tr2.csv",
}


def load_breast_cancer() -> pd.DataFrame:
    """Wisconsin diagnostic breast cancer: 569 fine-needle aspirates, 30 nuclear features, ``malignant``."""
    from sklearn.datasets import load_breast_cancer as sk_load

    verified(BREAST_CANCER, "breast_cancer")
    bunch = sk_load(as_frame=True)
    frame = bunch.data.rename(columns=lambda c: c.replace(" ", "_"))
    # scikit-learn codes malignant as 0 and benign as 1; the course uses 1 = malignant.
    frame["malignant"] = (bunch.target == 0).astype("int64")
    return frame


DIABETES_COLUMNS = {
    "age": "age_years",
    "sex": "sex",
    "bmi": "bmi_kg_m2",
    "bp": "mean_arterial_pressure_mmhg",
    "s1": "total_cholesterol_mg_dl",
    "s2": "ldl_mg_dl",
    "s3": "hdl_mg_dl",
    "s4": "cholesterol_hdl_ratio",
    "s5": "log_triglycerides",
    "s6": "glucose_mg_dl",
}


def load_diabetes_progression() -> pd.DataFrame:
    """Efron et al.'s 442 diabetes patients, unscaled baseline values and one-year ``progression``."""
    from sklearn.datasets import load_diabetes

    for rel in DIABETES:
        verified(rel, "diabetes_progression")
    bunch = load_diabetes(scaled=False, as_frame=True)
    frame = bunch.data.rename(columns=DIABETES_COLUMNS)
    frame["sex"] = frame["sex"].astype("int64")
    frame["progression"] = bunch.target
    return frame


def survival_loader(name: str):
    """A loader for a scikit-survival cohort: its covariates plus ``time_days`` and ``event``."""

    def load() -> pd.DataFrame:
        import sksurv.datasets as sk

        verified(SURVIVAL[name], name)
        fetch = {
            "gbsg2": sk.load_gbsg2,
            "whas500": sk.load_whas500,
            "veterans_lung_cancer": sk.load_veterans_lung_cancer,
        }[name]
        covariates, outcome = fetch()
        event_field, time_field = outcome.dtype.names
        frame = covariates.reset_index(drop=True)
        frame["time_days"] = outcome[time_field]
        frame["event"] = outcome[event_field]
        return frame

    load.__doc__ = f"The {name} survival cohort as a DataFrame with ``time_days`` and ``event``."
    return load


def read_dicom(file: str | Path, dataset: str | None = None):
    """Read a DICOM file with pydicom; a file that is not valid DICOM raises :class:`DatasetError`."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    where = f"Dataset {dataset!r}: " if dataset else ""
    try:
        ds = pydicom.dcmread(file)
        if "PixelData" in ds:
            ds.pixel_array  # noqa: B018 - decoding the pixels is what proves the file complete
    except (InvalidDicomError, OSError, ValueError, EOFError, KeyError, AttributeError) as err:
        raise DatasetError(
            f"{where}{file} is not a readable DICOM file ({type(err).__name__}: {err}). "
            "Check that it is a complete .dcm file: copy it again or restore it from its source."
        ) from err
    return ds


def dicom_loader(name: str):
    """A loader returning the pydicom Dataset of a DICOM file shipped with pydicom."""

    def load():
        return read_dicom(verified(DICOM[name], name), name)

    load.__doc__ = f"The {name} DICOM file as a pydicom Dataset (verified)."
    return load


def load_retina() -> np.ndarray:
    """A normal left-eye fundus photograph, RGB ``uint8`` array of shape (1411, 1411, 3)."""
    from skimage.io import imread

    return imread(verified(RETINA, "retina"))


def load_microaneurysms() -> np.ndarray:
    """A 102 x 102 green-channel crop of a diabetic-retinopathy fundus image, ``uint8``."""
    from skimage.io import imread

    return imread(verified(MICROANEURYSMS, "retina_microaneurysms"))


HEART_COLUMNS = {
    "age": "age_years",
    "gender": "sex",
    "chest pain": "chest_pain_type",
    "rest SBP": "resting_systolic_bp_mmhg",
    "cholesterol": "cholesterol_mg_dl",
    "fasting blood sugar > 120": "fasting_glucose_over_120",
    "rest ECG": "resting_ecg",
    "max HR": "max_heart_rate_bpm",
    "exerc ind ang": "exercise_angina",
    "ST by exercise": "st_depression_mm",
    "slope peak exc ST": "st_slope",
    "major vessels colored": "vessels_coloured",
    "thal": "thal",
    "diameter narrowing": "heart_disease",
}
HEART_CATEGORIES = {
    "sex": ["female", "male"],
    "chest_pain_type": ["typical angina", "atypical angina", "non-anginal pain", "asymptomatic"],
    "resting_ecg": ["normal", "ST-T abnormality", "left ventricular hypertrophy"],
    "st_slope": ["upsloping", "flat", "downsloping"],
    "thal": ["normal", "fixed defect", "reversible defect"],
}
HEART_LABELS = {  # spelling in the shipped file -> spelling in the course
    "typical ang": "typical angina",
    "atypical ang": "atypical angina",
    "non-anginal": "non-anginal pain",
    "ST-T abnormal": "ST-T abnormality",
    "left vent hypertrophy": "left ventricular hypertrophy",
    "reversable defect": "reversible defect",
}


def _read_csv_strict(file: Path, dataset: str, **options) -> pd.DataFrame:
    try:
        return pd.read_csv(file, **options)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        raise DatasetError(
            f"Dataset {dataset!r}: {file} could not be parsed ({err}). "
            f"Restore it with `git checkout -- {file.relative_to(file.parents[1])}`."
        ) from err


def load_heart_cleveland() -> pd.DataFrame:
    """UCI Cleveland heart disease: 303 patients, 13 features, ``heart_disease`` (0/1)."""
    frame = _read_csv_strict(verified(HEART, "heart_cleveland"), "heart_cleveland", sep="\t",
                             skiprows=[1, 2], na_values="?")
    if list(frame.columns) != list(HEART_COLUMNS):
        raise DatasetError(f"Dataset 'heart_cleveland': unexpected columns {list(frame.columns)} in {HEART}.")
    frame = frame.rename(columns=HEART_COLUMNS).replace(HEART_LABELS)
    for column, categories in HEART_CATEGORIES.items():
        unknown = set(frame[column].dropna()) - set(categories)
        if unknown:
            raise DatasetError(f"Dataset 'heart_cleveland': unknown {column} values {sorted(unknown)}.")
        frame[column] = pd.Categorical(frame[column], categories=categories)
    frame["vessels_coloured"] = frame["vessels_coloured"].astype("Int64")
    return frame


PIMA_COLUMNS = {
    "npreg": "pregnancies",
    "glu": "glucose_2h_mg_dl",
    "bp": "diastolic_bp_mmhg",
    "skin": "triceps_skinfold_mm",
    "bmi": "bmi_kg_m2",
    "ped": "diabetes_pedigree",
    "age": "age_years",
    "type": "diabetes",
}


def load_pima_diabetes(include_incomplete: bool = False) -> pd.DataFrame:
    """Pima women tested for diabetes (MASS): 532 complete records, 7 features, ``diabetes`` (0/1).

    ``split`` keeps MASS's train (200) / test (332) division. ``include_incomplete=True`` adds the
    100 further records of ``Pima.tr2`` that have missing values (``split`` = "train_incomplete").
    """
    files = {key: verified(rel, "pima_diabetes") for key, rel in PIMA.items()}

    def read(key: str) -> pd.DataFrame:
        return _read_csv_strict(files[key], "pima_diabetes", index_col=0)

    parts = [read("train").assign(split="train"), read("test").assign(split="test")]
    if include_incomplete:
        extra = read("train2").iloc[200:]
        parts.append(extra.assign(split="train_incomplete"))
    frame = pd.concat(parts, ignore_index=True).rename(columns=PIMA_COLUMNS)
    frame["diabetes"] = frame["diabetes"].map({"Yes": 1, "No": 0}).astype("int64")
    return frame


PNEUMONIAMNIST_URL = "https://zenodo.org/records/10519652/files/pneumoniamnist.npz?download=1"
PNEUMONIAMNIST_MD5 = "28209eda62fecd6e6a2d98b1501bb15f"  # as published in medmnist 3.0.2's INFO


def load_pneumoniamnist(download: bool = False) -> dict[str, np.ndarray]:
    """MedMNIST's PneumoniaMNIST (28 x 28 paediatric chest X-rays), an optional 4 MB download.

    Returns ``train_images``, ``train_labels``, ``val_*`` and ``test_*`` arrays. The file is kept in
    :func:`~healthpath.data.registry.cache_dir`; ``download=True`` fetches it once (needs network).
    """
    import pooch

    file = cache_dir() / "pneumoniamnist.npz"
    if not file.is_file():
        if not download:
            raise DatasetError(
                f"Dataset 'pneumoniamnist' is not in the cache ({file}) and needs the network: run "
                "data.load('pneumoniamnist', download=True) once on a connected machine. Offline, use "
                "data.load('chest_xray'), the course's synthetic chest X-ray task."
            )
        try:
            pooch.retrieve(PNEUMONIAMNIST_URL, known_hash=f"md5:{PNEUMONIAMNIST_MD5}",
                           fname=file.name, path=file.parent, progressbar=False)
        except (OSError, ValueError) as err:
            raise DatasetError(
                f"Dataset 'pneumoniamnist': the download from {PNEUMONIAMNIST_URL} failed ({err}). "
                "Check the network, or use data.load('chest_xray') offline."
            ) from err
    if pooch.file_hash(str(file), alg="md5") != PNEUMONIAMNIST_MD5:
        raise ChecksumError(
            f"Dataset 'pneumoniamnist': {file} does not match MedMNIST's published md5 "
            f"{PNEUMONIAMNIST_MD5}. Delete it and load again with download=True."
        )
    with np.load(file) as archive:
        return {key: archive[key] for key in archive.files}


DATASETS = [
    Dataset(
        name="breast_cancer",
        kind="real",
        summary="Wisconsin diagnostic breast cancer: 569 fine-needle aspirates, 30 nuclear features",
        licence="CC BY 4.0",
        returns="DataFrame",
        load=load_breast_cancer,
        files=(BREAST_CANCER,),
    ),
    Dataset(
        name="diabetes_progression",
        kind="real",
        summary="442 diabetes patients: baseline age, sex, BMI, blood pressure, six blood tests; "
        "disease progression at one year",
        licence="BSD-3-Clause (scikit-learn)",
        returns="DataFrame",
        load=load_diabetes_progression,
        files=DIABETES,
    ),
    Dataset(
        name="heart_cleveland",
        kind="real",
        summary="UCI Cleveland heart disease cohort: 303 patients, 13 clinical features, angiographic "
        "disease (0/1)",
        licence="CC BY 4.0",
        returns="DataFrame",
        load=load_heart_cleveland,
        files=(HEART,),
    ),
    Dataset(
        name="pima_diabetes",
        kind="real",
        summary="Pima women tested for diabetes: 532 complete records (MASS), 7 features, WHO diagnosis",
        licence="GPL-2 | GPL-3 (R package MASS)",
        returns="DataFrame",
        load=load_pima_diabetes,
        files=tuple(PIMA.values()),
    ),
    Dataset(
        name="gbsg2",
        kind="real",
        summary="German Breast Cancer Study Group 2: 686 women, recurrence-free survival",
        licence="GPL-3 (scikit-survival; from R package TH.data)",
        returns="DataFrame",
        load=survival_loader("gbsg2"),
        files=(SURVIVAL["gbsg2"],),
    ),
    Dataset(
        name="whas500",
        kind="real",
        summary="Worcester Heart Attack Study: 500 patients after myocardial infarction, survival",
        licence="GPL-3 (scikit-survival)",
        returns="DataFrame",
        load=survival_loader("whas500"),
        files=(SURVIVAL["whas500"],),
    ),
    Dataset(
        name="veterans_lung_cancer",
        kind="real",
        summary="Veterans' Administration lung cancer trial: 137 men, two chemotherapies, survival",
        licence="GPL-3 (scikit-survival; from R package survival)",
        returns="DataFrame",
        load=survival_loader("veterans_lung_cancer"),
        files=(SURVIVAL["veterans_lung_cancer"],),
    ),
    Dataset(
        name="ct_small",
        kind="real",
        summary="One anonymised 128 x 128 CT slice (DICOM, Hounsfield rescale tags)",
        licence="MIT (pydicom test file)",
        returns="pydicom Dataset",
        load=dicom_loader("ct_small"),
        files=(DICOM["ct_small"],),
    ),
    Dataset(
        name="mr_small",
        kind="real",
        summary="One anonymised 64 x 64 MR slice (DICOM)",
        licence="MIT (pydicom test file)",
        returns="pydicom Dataset",
        load=dicom_loader("mr_small"),
        files=(DICOM["mr_small"],),
    ),
    Dataset(
        name="ecg_waveform",
        kind="real",
        summary="A 12-lead ECG, 10 s at 1000 Hz, in a DICOM waveform object",
        licence="MIT (pydicom test file)",
        returns="pydicom Dataset",
        load=dicom_loader("ecg_waveform"),
        files=(DICOM["ecg_waveform"],),
    ),
    Dataset(
        name="retina",
        kind="real",
        summary="Fundus photograph of a normal left eye, 1411 x 1411 RGB",
        licence="CC0 1.0",
        returns="ndarray (uint8, H x W x 3)",
        load=load_retina,
        files=(RETINA,),
    ),
    Dataset(
        name="retina_microaneurysms",
        kind="real",
        summary="102 x 102 green-channel crop of a diabetic-retinopathy fundus image with microaneurysms",
        licence="CC0 1.0",
        returns="ndarray (uint8, H x W)",
        load=load_microaneurysms,
        files=(MICROANEURYSMS,),
    ),
    Dataset(
        name="pneumoniamnist",
        kind="real",
        summary="Optional download, used by no lesson or exercise: MedMNIST PneumoniaMNIST, 5,856 "
        "paediatric chest X-rays at 28 x 28, normal vs pneumonia",
        licence="CC BY 4.0",
        returns="dict of ndarrays",
        load=load_pneumoniamnist,
        download=PNEUMONIAMNIST_URL,
    ),
    *SEPSIS_DATASETS,
]
