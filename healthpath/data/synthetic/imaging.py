"""Synthetic medical images with known ground truth: a CT DICOM series and chest X-ray tasks.

``ct_series`` is a CT-like DICOM series of a chest phantom whose Hounsfield-unit map is known
exactly (:func:`phantom`), with identifying patient tags to practise de-identification.
``chest_xray`` and ``xray_transfer`` are small X-ray-like image classification tasks rendered by
one shared model of a frontal chest film (:func:`render_xray`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pydicom
from pydicom.dataset import Dataset as DicomDataset
from pydicom.dataset import FileMetaDataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from healthpath.data.registry import Dataset, DatasetError, verified

# --------------------------------------------------------------------------------------------
# CT series
# --------------------------------------------------------------------------------------------

CT_SLICES = 24
CT_SIZE = 128
CT_FOV_MM = 320.0
CT_SLICE_THICKNESS_MM = 5.0
TISSUES = {0: "air", 1: "fat", 2: "soft tissue", 3: "lung", 4: "bone", 5: "nodule"}
TISSUE_HU = {0: -1000, 1: -100, 2: 40, 3: -850, 4: 700, 5: 30}
PRIVATE_GROUP = 0x0011
PRIVATE_CREATOR = "HEALTHPATH CLINICAL NOTES"
_IMPLEMENTATION_UID = generate_uid(entropy_srcs=["healthpath course DICOM writer"])

_GIVEN = ["Alice", "Bashir", "Chloe", "Dmitri", "Eilidh", "Fatima", "George", "Hana", "Ivan", "Jasmine",
          "Kwame", "Leila", "Mateo", "Niamh", "Oluwaseun", "Priya", "Quentin", "Rosa", "Sanjay", "Tamsin"]
_FAMILY = ["Abbott", "Barrington", "Chowdhury", "Delacroix", "Evans", "Fairweather", "Gallagher", "Hussain",
           "Ingram", "Jovanovic", "Kowalski", "Lindqvist", "Mbeki", "Nakamura", "O'Hara", "Pemberton"]
_STREETS = ["Orchard Lane", "Mill Road", "Station Street", "Harbour View", "Kingsway", "Elm Grove"]
_TOWNS = ["Northfield", "Ashbury", "Kelderton", "Westmoor", "Brackley Vale"]
_WARDS = ["7B", "3A", "12", "Cedar", "Rowan"]


def phantom(seed: int = 0, n_slices: int = CT_SLICES, size: int = CT_SIZE) -> dict:
    """The ground truth of the CT series for ``seed``: exact HU volume, tissue labels and the nodule.

    Returns a dict with ``hu`` (int16 array, slices x rows x columns, slices ordered feet to head as
    :func:`load_ct` returns them), ``labels`` (uint8 tissue codes, see ``TISSUES``), ``z_mm`` (slice
    positions), ``x_mm``/``y_mm`` (column/row positions, patient coordinates) and ``nodule``
    (centre in mm, radius in mm, HU).
    """
    if n_slices < 4 or size < 32:
        raise ValueError("phantom needs n_slices >= 4 and size >= 32 (got "
                         f"n_slices={n_slices}, size={size}).")
    rng = np.random.default_rng(seed)
    spacing = CT_FOV_MM / size
    x_mm = (np.arange(size) - (size - 1) / 2) * spacing
    y_mm = x_mm.copy()
    z_mm = -200.0 + CT_SLICE_THICKNESS_MM * np.arange(n_slices)
    body_scale = rng.uniform(0.85, 1.05)
    lung_scale = rng.uniform(0.9, 1.05)
    side = rng.choice([-1.0, 1.0])  # -1: patient's right lung (smaller x), +1: left
    t_nodule = rng.uniform(0.3, 0.7)
    nodule_radius = float(np.round(rng.uniform(4.0, 8.0), 1))
    y, x = np.meshgrid(y_mm, x_mm, indexing="ij")
    labels = np.zeros((n_slices, size, size), dtype=np.uint8)
    nodule_z = float(z_mm[0] + t_nodule * (z_mm[-1] - z_mm[0]))
    lung_x, lung_y = 65.0 * lung_scale * body_scale, -5.0
    nodule_centre = (float(np.round(side * lung_x + rng.uniform(-12, 12), 1)),
                     float(np.round(lung_y + rng.uniform(-20, 20), 1)), float(np.round(nodule_z, 1)))

    def ellipse(cx, cy, a, b):
        return ((x - cx) / a) ** 2 + ((y - cy) / b) ** 2 <= 1.0

    for k, z in enumerate(z_mm):
        t = k / (n_slices - 1)  # 0 at the lung bases, 1 at the apices
        sl = labels[k]
        a, b = 150.0 * body_scale, 110.0 * body_scale
        sl[ellipse(0, 0, a, b)] = 1
        sl[ellipse(0, 0, a - 14, b - 12)] = 2
        lung_size = lung_scale * body_scale * (1.0 - 0.4 * t**2)
        for s in (-1.0, 1.0):
            sl[ellipse(s * lung_x, lung_y, 45 * lung_size, 70 * lung_size)] = 3
        heart = max(0.0, 1.0 - 1.3 * t)
        if heart > 0.05:
            sl[ellipse(15, -25, 48 * heart * body_scale + 1, 40 * heart * body_scale + 1)] = 2
        sl[ellipse(0, 70 * body_scale, 16, 14)] = 4  # vertebral body
        sl[ellipse(0, 92 * body_scale, 6, 6)] = 2  # spinal canal
        sl[ellipse(0, -b + 18, 14, 6)] = 4  # sternum
        for angle in np.deg2rad([20, 45, 70, 110, 135, 160, 200, 225, 250, 290, 315, 340]):
            sl[ellipse((a - 20) * np.cos(angle), (b - 18) * np.sin(angle), 6, 6)] = 4  # ribs
        dist2 = (x - nodule_centre[0]) ** 2 + (y - nodule_centre[1]) ** 2 + (z - nodule_z) ** 2
        sl[dist2 <= nodule_radius**2] = 5
    hu = np.vectorize(TISSUE_HU.get, otypes=[np.int32])(labels)
    noise = rng.normal(0.0, 12.0, size=hu.shape)
    noise[labels == 0] *= 0.3
    hu = np.clip(np.round(hu + noise), -1024, 3071).astype(np.int16)
    return {"hu": hu, "labels": labels, "z_mm": z_mm, "x_mm": x_mm, "y_mm": y_mm,
            "nodule": {"centre_mm": nodule_centre, "radius_mm": nodule_radius, "hu": TISSUE_HU[5]}}


def _identity(rng: np.random.Generator, seed: int) -> dict:
    """Fictional but realistic identifying details of the patient behind a series."""
    given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
    born = pd.Timestamp("1935-01-01") + pd.Timedelta(days=int(rng.integers(0, 365 * 60)))
    studied = pd.Timestamp("2023-01-02") + pd.Timedelta(days=int(rng.integers(0, 700)))
    return {
        "name": f"{family}^{given}",
        "id": f"MRN{rng.integers(1_000_000, 9_999_999)}",
        "birth_date": born.strftime("%Y%m%d"),
        "sex": str(rng.choice(["F", "M"])),
        "study_date": studied.strftime("%Y%m%d"),
        "study_time": f"{rng.integers(8, 18):02d}{rng.integers(0, 60):02d}{rng.integers(0, 60):02d}",
        "address": f"{rng.integers(1, 120)} {rng.choice(_STREETS)}, {rng.choice(_TOWNS)}",
        "accession": f"ACC{seed % 1000:03d}{rng.integers(100_000, 999_999)}",
        "physician": f"{rng.choice(_FAMILY)}^{rng.choice(_GIVEN)}^^Dr",
        "nhs": f"999 {rng.integers(100, 999)} {rng.integers(1000, 9999)}",
        "ward": str(rng.choice(_WARDS)),
        "hospital_town": str(rng.choice(_TOWNS)),
        "age": f"{(studied - born).days // 365:03d}Y",
    }


def generate_ct(seed: int = 0, n_slices: int = CT_SLICES, size: int = CT_SIZE) -> list[DicomDataset]:
    """A CT series of the chest phantom as pydicom Datasets, sorted feet to head by slice position.

    Stored values are int16 with RescaleSlope 1 and a RescaleIntercept that depends on the seed
    (-1024 for seed 0), so ``hu = stored * RescaleSlope + RescaleIntercept`` equals
    ``phantom(seed)["hu"]`` exactly. Patient tags hold fictional identifying data.
    """
    truth = phantom(seed, n_slices, size)
    rng = np.random.default_rng([seed, 1])
    who = _identity(rng, seed)
    intercept = -1024 if seed == 0 else int(rng.choice([-1024, -1000]))
    spacing = CT_FOV_MM / size

    def uid(*parts) -> str:
        return generate_uid(entropy_srcs=["healthpath ct_series", str(seed), *map(str, parts)])

    series = []
    for k, z in enumerate(truth["z_mm"]):
        instance = n_slices - k  # acquired head first: InstanceNumber 1 is the top slice
        ds = DicomDataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
        ds.file_meta.MediaStorageSOPInstanceUID = uid("image", instance)
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.file_meta.ImplementationClassUID = _IMPLEMENTATION_UID
        ds.file_meta.ImplementationVersionName = "HEALTHPATH_1"
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
        ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = who["study_date"]
        ds.StudyTime = ds.SeriesTime = who["study_time"]
        ds.AccessionNumber = who["accession"]
        ds.Modality = "CT"
        ds.Manufacturer = "HealthPath Phantom Works"
        ds.InstitutionName = f"{who['hospital_town']} General Hospital"
        ds.InstitutionAddress = f"1 Hospital Road, {who['hospital_town']}"
        ds.ReferringPhysicianName = who["physician"]
        ds.StudyDescription = "CT CHEST WITHOUT CONTRAST"
        ds.SeriesDescription = "Axial 5 mm soft tissue"
        ds.PatientName = who["name"]
        ds.PatientID = who["id"]
        ds.PatientBirthDate = who["birth_date"]
        ds.PatientSex = who["sex"]
        ds.PatientAge = who["age"]
        ds.PatientAddress = who["address"]
        ds.BodyPartExamined = "CHEST"
        ds.SliceThickness = f"{CT_SLICE_THICKNESS_MM:.1f}"
        ds.KVP = "120"
        ds.PatientPosition = "HFS"
        ds.StudyInstanceUID = uid("study")
        ds.SeriesInstanceUID = uid("series")
        ds.StudyID = "1"
        ds.SeriesNumber = 2
        ds.InstanceNumber = instance
        ds.ImagePositionPatient = [f"{truth['x_mm'][0]:.4f}", f"{truth['y_mm'][0]:.4f}", f"{z:.4f}"]
        ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
        ds.FrameOfReferenceUID = uid("frame")
        ds.SliceLocation = f"{z:.4f}"
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows = ds.Columns = size
        ds.PixelSpacing = [f"{spacing:.6g}", f"{spacing:.6g}"]
        ds.BitsAllocated = 16
        ds.BitsStored = 16
        ds.HighBit = 15
        ds.PixelRepresentation = 1
        ds.WindowCenter = "40"
        ds.WindowWidth = "400"
        ds.RescaleIntercept = str(intercept)
        ds.RescaleSlope = "1"
        ds.RescaleType = "HU"
        block = ds.private_block(PRIVATE_GROUP, PRIVATE_CREATOR, create=True)
        block.add_new(0x10, "LO", f"Ward {who['ward']}; NHS no {who['nhs']}")
        block.add_new(0x11, "LT", f"Clinical query from Dr {who['physician'].split('^')[0]}: "
                                  f"cough 6 weeks, ex-smoker. Patient {who['name'].replace('^', ', ')}, "
                                  f"lives at {who['address']}.")
        ds.PixelData = (truth["hu"][k].astype(np.int32) - intercept).astype("<i2").tobytes()
        series.append(ds)
    return series


def read_dicom(file: str | Path) -> pydicom.FileDataset:
    """Read one DICOM file with its pixel data, or raise a DatasetError naming the file and the fix."""
    file = Path(file)
    try:
        ds = pydicom.dcmread(file)
        _ = ds.pixel_array  # decode now: truncated pixel data fails here, not later in a lesson
    except (InvalidDicomError, EOFError, ValueError, KeyError, AttributeError, OSError) as err:
        raise DatasetError(
            f"{file} is not a complete DICOM file ({type(err).__name__}: {err}). It may be truncated or "
            f"not DICOM at all. If it is a course file, restore it with `git checkout -- {file}` or "
            "regenerate it with `healthpath data regenerate`; otherwise ask for a fresh copy."
        ) from err
    return ds


def ct_file_name(ds: DicomDataset) -> str:
    """The committed file name of a slice: ``slice_NNN.dcm`` with NNN its InstanceNumber."""
    return f"slice_{int(ds.InstanceNumber):03d}.dcm"


def write_ct(folder: Path, seed: int = 0) -> list[Path]:
    """Write the CT series as ``folder/ct_series/slice_NNN.dcm`` (explicit VR little endian)."""
    out = Path(folder) / "ct_series"
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for ds in sorted(generate_ct(seed), key=lambda d: int(d.InstanceNumber)):
        file = out / ct_file_name(ds)
        pydicom.dcmwrite(file, ds, enforce_file_format=True)
        paths.append(file)
    return paths


def load_ct() -> list[pydicom.FileDataset]:
    """The committed CT series (seed 0), verified, as pydicom Datasets sorted feet to head by z."""
    series = [read_dicom(verified(rel, "ct_series")) for rel in CT_FILES]
    return sorted(series, key=lambda ds: float(ds.ImagePositionPatient[2]))


CT_FILES = tuple(f"ct_series/slice_{i:03d}.dcm" for i in range(1, CT_SLICES + 1))


DATASETS = [
    Dataset(
        name="ct_series",
        kind="synthetic",
        summary="CT-like DICOM series (24 axial slices, 128x128) of a chest phantom with a lung nodule, "
                "exact HU ground truth and fictional identifying tags for de-identification practice.",
        licence="CC0-1.0",
        returns="list of pydicom Datasets",
        load=load_ct,
        generate=generate_ct,
        write=write_ct,
        files=CT_FILES,
    ),
]
