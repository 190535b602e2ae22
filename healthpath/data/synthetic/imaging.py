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
from scipy import ndimage

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

_GIVEN = [
    "Alice",
    "Bashir",
    "Chloe",
    "Dmitri",
    "Eilidh",
    "Fatima",
    "George",
    "Hana",
    "Ivan",
    "Jasmine",
    "Kwame",
    "Leila",
    "Mateo",
    "Niamh",
    "Oluwaseun",
    "Priya",
    "Quentin",
    "Rosa",
    "Sanjay",
    "Tamsin",
]
_FAMILY = [
    "Abbott",
    "Barrington",
    "Chowdhury",
    "Delacroix",
    "Evans",
    "Fairweather",
    "Gallagher",
    "Hussain",
    "Ingram",
    "Jovanovic",
    "Kowalski",
    "Lindqvist",
    "Mbeki",
    "Nakamura",
    "O'Hara",
    "Pemberton",
]
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
        raise ValueError(
            f"phantom needs n_slices >= 4 and size >= 32 (got n_slices={n_slices}, size={size})."
        )
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
    nodule_centre = (
        float(np.round(side * lung_x + rng.uniform(-12, 12), 1)),
        float(np.round(lung_y + rng.uniform(-20, 20), 1)),
        float(np.round(nodule_z, 1)),
    )

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
    return {
        "hu": hu,
        "labels": labels,
        "z_mm": z_mm,
        "x_mm": x_mm,
        "y_mm": y_mm,
        "nodule": {"centre_mm": nodule_centre, "radius_mm": nodule_radius, "hu": TISSUE_HU[5]},
    }


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
        block.add_new(
            0x11,
            "LT",
            f"Clinical query from Dr {who['physician'].split('^')[0]}: "
            f"cough 6 weeks, ex-smoker. Patient {who['name'].replace('^', ', ')}, "
            f"lives at {who['address']}.",
        )
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


# --------------------------------------------------------------------------------------------
# Chest X-ray tasks
# --------------------------------------------------------------------------------------------

XRAY_SIZE = 64
XRAY_TASKS = {  # name: (images, fraction with the finding, label flip probability)
    "chest_xray": (1800, 0.5, 0.02),
    "xray_transfer": (300, 0.5, 0.0),
}
TRUTH_COLUMNS = [
    "image",
    "patient_id",
    "split",
    "label",
    "lesion",
    "lesion_side",
    "lesion_row",
    "lesion_col",
    "lesion_sigma_px",
    "lesion_amplitude",
    "ctr",
    "shift_row_px",
    "shift_col_px",
    "gain",
]


def _smooth_ellipse(u, v, cx, cy, a, b, edge=0.06):
    """1 inside the ellipse, 0 outside, with a soft edge (as tissue boundaries look on a film)."""
    r = np.sqrt(((u - cx) / a) ** 2 + ((v - cy) / b) ** 2)
    return 1.0 / (1.0 + np.exp((r - 1.0) / edge))


def render_xray(p: dict, rng: np.random.Generator, size: int = XRAY_SIZE) -> np.ndarray:
    """Render one frontal (PA) chest film from parameters ``p``; float image in [0, 1], bright = dense.

    Model: soft-tissue thorax, two dark lung fields, heart shadow of cardiothoracic ratio ``ctr``,
    spine, ribs and clavicles; an optional consolidation (a textured Gaussian opacity confined to one
    lung); then patient shift and rotation, exposure (gain, offset, gamma), blur and quantum noise.
    """
    grid = (np.arange(size) + 0.5) / size * 2 - 1
    v0, u0 = np.meshgrid(grid, grid, indexing="ij")  # v: top to bottom, u: image left to right
    cos, sin = np.cos(p["rotation"]), np.sin(p["rotation"])
    u = cos * (u0 - p["shift_u"]) + sin * (v0 - p["shift_v"])
    v = -sin * (u0 - p["shift_u"]) + cos * (v0 - p["shift_v"])
    body = _smooth_ellipse(u, v, 0, 0.08, p["body_w"], 1.1)
    lungs = sum(_smooth_ellipse(u, v, s * p["lung_cx"], -0.08, p["lung_a"], p["lung_b"]) for s in (-1, 1))
    thorax_half = p["lung_cx"] + p["lung_a"]
    heart = _smooth_ellipse(u, v, 0.06, 0.3, p["ctr"] * thorax_half, 0.27)
    density = 0.08 + 0.5 * body - 0.33 * lungs + 0.3 * heart
    density += 0.14 * body * np.exp(-((u / 0.07) ** 2))  # spine and mediastinum
    for k in range(9):  # posterior ribs curve down laterally
        rib_v = -0.72 + (p["rib_phase"] + k) * p["rib_spacing"] + 0.3 * u**2
        density += 0.09 * lungs * (np.abs(u) > 0.07) * np.exp(-(((v - rib_v) / 0.028) ** 2))
    for s in (-1, 1):  # clavicles
        clav_v = -0.7 + 0.12 * (s * u - 0.1)
        density += 0.1 * body * (s * u > 0.05) * (s * u < 0.62) * np.exp(-(((v - clav_v) / 0.03) ** 2))
    if p["lesion"]:
        blob = np.exp(-((u - p["lesion_u"]) ** 2 + (v - p["lesion_v"]) ** 2) / (2 * p["lesion_sigma"] ** 2))
        side_lung = _smooth_ellipse(u, v, p["lesion_side"] * p["lung_cx"], -0.08, p["lung_a"], p["lung_b"])
        texture = 1 + 0.35 * ndimage.gaussian_filter(rng.normal(size=u.shape), 1.5) * 4
        density += p["lesion_amplitude"] * blob * side_lung * np.clip(texture, 0.3, 1.7)
    film = p["offset"] + p["gain"] * ndimage.gaussian_filter(density, 0.7)
    film = np.clip(film, 0, 1) ** p["gamma"]
    return np.clip(film + rng.normal(0, p["noise"], film.shape), 0, 1)


def _patient_anatomy(rng: np.random.Generator, ctr_range: tuple[float, float]) -> dict:
    return {
        "body_w": rng.uniform(0.78, 0.92),
        "lung_cx": rng.uniform(0.33, 0.39),
        "lung_a": rng.uniform(0.22, 0.28),
        "lung_b": rng.uniform(0.5, 0.62),
        "ctr": rng.uniform(*ctr_range),
        "rib_phase": rng.uniform(0, 1),
        "rib_spacing": rng.uniform(0.15, 0.19),
    }


def generate_xray(seed: int = 0, task: str = "chest_xray", n_images: int | None = None) -> dict:
    """Images and labels of an X-ray task; see the dataset cards for the generative model.

    ``task`` is ``"chest_xray"`` (label: consolidation, 2% of labels flipped as reader error) or
    ``"xray_transfer"`` (label: cardiomegaly, cardiothoracic ratio > 0.5; consolidation is present in
    a quarter of images as a distractor). Returns ``{"images": uint8 (n, 64, 64), "labels": int64 (n,),
    "patient_id": str (n,), "split": "train"/"test" (n,), "truth": DataFrame}``; patients are split 80/20.
    """
    if task not in XRAY_TASKS:
        raise ValueError(f"task must be one of {sorted(XRAY_TASKS)} (got {task!r}).")
    default_n, positive, flip = XRAY_TASKS[task]
    n = default_n if n_images is None else n_images
    if n < 1:
        raise ValueError(f"n_images must be at least 1 (got {n}).")
    rng = np.random.default_rng([seed, 2 if task == "chest_xray" else 3])
    prefix = "CX" if task == "chest_xray" else "TX"
    images, rows = np.empty((n, XRAY_SIZE, XRAY_SIZE), dtype=np.uint8), []
    patient, anatomy, in_test = 0, {}, False
    for i in range(n):
        if i == 0 or rng.random() < 0.75:  # a new patient; otherwise another film of the same patient
            patient += 1
            if task == "chest_xray":
                anatomy = _patient_anatomy(rng, (0.36, 0.48))
            else:
                big = rng.random() < positive
                anatomy = _patient_anatomy(rng, (0.505, 0.62) if big else (0.38, 0.495))
            in_test = rng.random() < 0.2
        lesion = rng.random() < (positive if task == "chest_xray" else 0.25)
        side = int(rng.choice([-1, 1]))
        p = {
            **anatomy,
            "rotation": np.deg2rad(rng.normal(0, 3)),
            "shift_u": rng.normal(0, 0.05),
            "shift_v": rng.normal(0, 0.05),
            "gain": rng.uniform(0.7, 1.3),
            "offset": rng.uniform(-0.1, 0.1),
            "gamma": rng.uniform(0.8, 1.25),
            "noise": rng.uniform(0.02, 0.05),
            "lesion": lesion,
            "lesion_side": side,
            "lesion_sigma": rng.uniform(0.08, 0.15),
            "lesion_amplitude": rng.uniform(0.18, 0.4),
        }
        p["lesion_u"] = side * p["lung_cx"] + rng.uniform(-0.5, 0.5) * p["lung_a"]
        p["lesion_v"] = -0.08 + rng.uniform(-0.5, 0.6) * p["lung_b"]
        images[i] = np.round(render_xray(p, rng) * 255).astype(np.uint8)
        finding = lesion if task == "chest_xray" else p["ctr"] > 0.5
        label = int(finding) ^ int(rng.random() < flip)
        scale = XRAY_SIZE / 2  # image units per pixel: pixel = (coordinate + 1) * scale - 0.5
        cos, sin = np.cos(p["rotation"]), np.sin(p["rotation"])
        lu, lv = p["lesion_u"], p["lesion_v"]  # anatomical coordinates back to image coordinates
        img_u, img_v = cos * lu - sin * lv + p["shift_u"], sin * lu + cos * lv + p["shift_v"]
        rows.append(
            {
                "image": i,
                "patient_id": f"{prefix}{seed:02d}-{patient:04d}",
                "split": "test" if in_test else "train",
                "label": label,
                "lesion": int(lesion),
                "lesion_side": ("left" if side > 0 else "right") if lesion else "none",
                "lesion_row": (img_v + 1) * scale - 0.5 if lesion else np.nan,
                "lesion_col": (img_u + 1) * scale - 0.5 if lesion else np.nan,
                "lesion_sigma_px": p["lesion_sigma"] * scale if lesion else np.nan,
                "lesion_amplitude": p["lesion_amplitude"] if lesion else np.nan,
                "ctr": p["ctr"],
                "shift_row_px": p["shift_v"] * scale,
                "shift_col_px": p["shift_u"] * scale,
                "gain": p["gain"],
            }
        )
    return _xray_task(images, pd.DataFrame(rows, columns=TRUTH_COLUMNS).round(4))


def _xray_task(images: np.ndarray, truth: pd.DataFrame) -> dict:
    """An X-ray task's dict: the images, and the labels, patients and splits of its truth table."""
    return {
        "images": images,
        "labels": truth["label"].to_numpy(dtype=np.int64),
        "patient_id": truth["patient_id"].to_numpy(dtype=str),
        "split": truth["split"].to_numpy(dtype=str),
        "truth": truth,
    }


def xray_files(task: str) -> tuple[str, str]:
    """The committed files of an X-ray task: the image array and the truth table."""
    return f"{task}/images.npy", f"{task}/truth.csv"


def write_xray(folder: Path, seed: int = 0, task: str = "chest_xray") -> list[Path]:
    """Write ``folder/<task>/images.npy`` (uint8) and ``truth.csv`` for an X-ray task."""
    return save_xray(generate_xray(seed, task), folder, task)


def save_xray(data: dict, folder: Path, task: str) -> list[Path]:
    """Save an X-ray task as returned by :func:`generate_xray` under ``folder/<task>/``."""
    images, table = (Path(folder) / rel for rel in xray_files(task))
    images.parent.mkdir(parents=True, exist_ok=True)
    np.save(images, data["images"], allow_pickle=False)
    data["truth"].to_csv(table, index=False, lineterminator="\n")
    return [images, table]


def load_xray(task: str = "chest_xray") -> dict:
    """The committed X-ray task (seed 0), verified: the same dict as :func:`generate_xray`."""
    images_rel, table_rel = xray_files(task)
    images = np.load(verified(images_rel, task), allow_pickle=False)
    truth = pd.read_csv(
        verified(table_rel, task), keep_default_na=False, na_values=[""], float_precision="round_trip"
    )
    return _xray_task(images, truth)


def _xray_dataset(task: str, summary: str) -> Dataset:
    return Dataset(
        name=task,
        kind="synthetic",
        summary=summary,
        licence="CC0-1.0",
        returns="dict: images (uint8 n x 64 x 64), labels, patient_id, split, truth (DataFrame)",
        load=lambda: load_xray(task),
        generate=lambda seed=0, n_images=None: generate_xray(seed, task, n_images),
        write=lambda folder, seed=0: write_xray(folder, seed, task),
        files=xray_files(task),
    )


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
    _xray_dataset(
        "chest_xray",
        "1,800 synthetic 64x64 frontal chest films labelled for consolidation "
        "(2% reader error), with patient IDs, a patient-level train/test split and lesion truth.",
    ),
    _xray_dataset(
        "xray_transfer",
        "300 synthetic 64x64 chest films labelled for cardiomegaly (cardiothoracic "
        "ratio > 0.5): a small related task for transfer learning from chest_xray.",
    ),
]
