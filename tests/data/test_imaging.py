"""The synthetic imaging datasets: CT DICOM series and chest X-ray tasks."""

import numpy as np
import pandas as pd
import pydicom
import pytest
from pydicom.uid import UID, ExplicitVRLittleEndian

from healthpath.data.registry import DatasetError, datasets_dir
from healthpath.data.synthetic import imaging

IDENTIFYING = ["PatientName", "PatientID", "PatientBirthDate", "PatientAddress", "InstitutionName",
               "ReferringPhysicianName", "AccessionNumber", "StudyDate"]


@pytest.fixture(scope="module")
def series():
    return imaging.load_ct()


def to_hu(ds):
    return ds.pixel_array.astype(np.int32) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)


def test_ct_regenerates_byte_for_byte(tmp_path):
    written = imaging.write_ct(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in written] == list(imaging.CT_FILES)
    for p in written:
        committed = datasets_dir() / p.relative_to(tmp_path)
        assert p.read_bytes() == committed.read_bytes(), f"{committed} differs from its regeneration"


def test_ct_is_deterministic_and_seed_dependent():
    a, b = imaging.generate_ct(5, n_slices=6, size=64), imaging.generate_ct(5, n_slices=6, size=64)
    np.random.seed(123)  # the global RNG must not matter
    c = imaging.generate_ct(6, n_slices=6, size=64)
    assert [x.PixelData for x in a] == [x.PixelData for x in b]
    assert [x.SOPInstanceUID for x in a] == [x.SOPInstanceUID for x in b]
    assert a[0].PatientID != c[0].PatientID and a[0].SeriesInstanceUID != c[0].SeriesInstanceUID
    assert a[0].PixelData != c[0].PixelData


def test_ct_file_format_and_uids(series):
    assert len(series) == imaging.CT_SLICES
    assert len({ds.SOPInstanceUID for ds in series}) == imaging.CT_SLICES
    assert len({ds.SeriesInstanceUID for ds in series}) == 1
    for ds in series:
        assert ds.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        assert ds.Modality == "CT" and ds.SOPClassUID == pydicom.uid.CTImageStorage
        for tag in ("SOPInstanceUID", "SeriesInstanceUID", "StudyInstanceUID", "FrameOfReferenceUID"):
            assert UID(ds[tag].value).is_valid
        assert ds.pixel_array.dtype == np.int16 and ds.pixel_array.shape == (imaging.CT_SIZE,) * 2


def test_ct_geometry_matches_phantom(series):
    truth = imaging.phantom(0)
    z = [float(ds.ImagePositionPatient[2]) for ds in series]
    assert z == sorted(z) and np.allclose(z, truth["z_mm"])
    assert np.allclose(np.diff(z), float(series[0].SliceThickness))
    # head-first acquisition: the highest slice has InstanceNumber 1
    assert [int(ds.InstanceNumber) for ds in series] == list(range(imaging.CT_SLICES, 0, -1))
    for ds in series:
        assert [float(v) for v in ds.ImageOrientationPatient] == [1, 0, 0, 0, 1, 0]
        row_mm, col_mm = (float(v) for v in ds.PixelSpacing)
        assert np.isclose(col_mm, np.diff(truth["x_mm"])[0]) and np.isclose(row_mm, np.diff(truth["y_mm"])[0])
        corner = [float(v) for v in ds.ImagePositionPatient[:2]]
        assert np.allclose(corner, [truth["x_mm"][0], truth["y_mm"][0]])
        assert float(ds.SliceLocation) == float(ds.ImagePositionPatient[2])


@pytest.mark.parametrize("seed", [0, 1])  # seed 1 uses RescaleIntercept -1000
def test_hu_recovered_exactly(seed, series):
    slices = series if seed == 0 else imaging.generate_ct(seed)
    truth = imaging.phantom(seed)
    assert float(slices[0].RescaleIntercept) == (-1024 if seed == 0 else -1000)
    assert np.array_equal(np.stack([to_hu(ds) for ds in slices]), truth["hu"])
    assert np.array_equal(pydicom.pixels.apply_rescale(slices[3].pixel_array, slices[3]), truth["hu"][3])


def test_phantom_tissues_have_their_nominal_hu():
    truth = imaging.phantom(2)
    for code, hu in imaging.TISSUE_HU.items():
        voxels = truth["hu"][truth["labels"] == code]
        assert voxels.size > 0, f"tissue {imaging.TISSUES[code]} is missing"
        assert abs(voxels.mean() - hu) < 6, imaging.TISSUES[code]
    nodule = truth["nodule"]
    zz, yy, xx = np.meshgrid(truth["z_mm"], truth["y_mm"], truth["x_mm"], indexing="ij")
    inside = ((xx - nodule["centre_mm"][0]) ** 2 + (yy - nodule["centre_mm"][1]) ** 2
              + (zz - nodule["centre_mm"][2]) ** 2) <= nodule["radius_mm"] ** 2
    assert np.array_equal(inside, truth["labels"] == 5)


def test_identifying_tags_are_present(series):
    ds = series[0]
    for keyword in IDENTIFYING:
        assert str(ds.data_element(keyword).value).strip(), keyword
    block = ds.private_block(imaging.PRIVATE_GROUP, imaging.PRIVATE_CREATOR)
    assert "NHS no" in block[0x10].value
    assert str(ds.PatientName).split("^")[0] in block[0x11].value
    other = imaging.generate_ct(9, n_slices=4, size=32)[0]
    assert other.PatientName != ds.PatientName and other.PatientID != ds.PatientID


def test_truncated_or_foreign_file_gives_a_clear_error(tmp_path):
    good = (datasets_dir() / imaging.CT_FILES[0]).read_bytes()
    truncated = tmp_path / "truncated.dcm"
    truncated.write_bytes(good[: len(good) // 2])
    with pytest.raises(DatasetError, match="truncated.dcm.*git checkout"):
        imaging.read_dicom(truncated)
    notes = tmp_path / "notes.dcm"
    notes.write_text("not an image")
    with pytest.raises(DatasetError, match="notes.dcm"):
        imaging.read_dicom(notes)
    assert imaging.read_dicom(datasets_dir() / imaging.CT_FILES[0]).Modality == "CT"


def test_phantom_rejects_tiny_volumes():
    with pytest.raises(ValueError, match="n_slices"):
        imaging.phantom(0, n_slices=2)


@pytest.fixture(scope="module", params=["chest_xray", "xray_transfer"])
def regenerated(request):
    return request.param, imaging.generate_xray(0, request.param)


def test_xray_regenerates_byte_for_byte(regenerated, tmp_path):
    task, made = regenerated
    for p in imaging.save_xray(made, tmp_path, task):
        committed = datasets_dir() / p.relative_to(tmp_path)
        assert p.read_bytes() == committed.read_bytes(), f"{committed} differs from its regeneration"


def test_xray_load_matches_generate(regenerated):
    task, made = regenerated
    loaded = imaging.load_xray(task)
    assert np.array_equal(loaded["images"], made["images"])
    for key in ("labels", "patient_id", "split"):
        assert np.array_equal(loaded[key], made[key]), key
    pd.testing.assert_frame_equal(loaded["truth"], made["truth"])


def test_xray_shapes_balance_and_patient_split():
    data = imaging.load_xray("chest_xray")
    n = imaging.XRAY_TASKS["chest_xray"][0]
    assert data["images"].shape == (n, 64, 64) and data["images"].dtype == np.uint8
    assert data["labels"].shape == (n,) and set(np.unique(data["labels"])) == {0, 1}
    assert 0.4 < data["labels"].mean() < 0.6
    train = set(data["patient_id"][data["split"] == "train"])
    test = set(data["patient_id"][data["split"] == "test"])
    assert not train & test and 0.15 < np.mean(data["split"] == "test") < 0.25
    assert len(train | test) < n  # some patients have several films
    truth = data["truth"]
    flipped = (truth["label"] != truth["lesion"]).mean()
    assert 0.005 < flipped < 0.04  # the stated 2% reader error
    assert truth.loc[truth["lesion"] == 1, "lesion_side"].isin(["left", "right"]).all()


def test_lesion_truth_locates_the_opacity():
    data = imaging.generate_xray(4, "chest_xray", n_images=120)
    truth = data["truth"]
    lesion = truth[truth["lesion"] == 1]
    assert len(lesion) > 30
    inside, outside = [], []
    for row in lesion.itertuples():
        img = data["images"][row.image].astype(float)
        r, c = int(round(row.lesion_row)), int(round(row.lesion_col))
        assert 0 <= r < 64 and 0 <= c < 64
        # the opacity is brighter than the mirror point in the other lung of the same film
        inside.append(img[max(r - 2, 0):r + 3, max(c - 2, 0):c + 3].mean())
        mc = int(round(63 - c + 2 * truth.loc[row.image, "shift_col_px"]))
        outside.append(img[max(r - 2, 0):r + 3, max(min(mc, 63) - 2, 0):min(mc, 63) + 3].mean())
    assert np.mean(np.array(inside) > np.array(outside)) > 0.8


def test_mean_intensity_does_not_give_the_label_away():
    data = imaging.load_xray("chest_xray")
    means = data["images"].reshape(len(data["images"]), -1).mean(axis=1)
    pos, neg = means[data["labels"] == 1], means[data["labels"] == 0]
    # the exposure spread dwarfs the opacity: the class means differ by < 0.25 pooled SD
    assert abs(pos.mean() - neg.mean()) < 0.25 * np.sqrt((pos.var() + neg.var()) / 2)


def test_transfer_labels_follow_the_cardiothoracic_ratio():
    data = imaging.load_xray("xray_transfer")
    assert data["images"].shape == (imaging.XRAY_TASKS["xray_transfer"][0], 64, 64)
    assert np.array_equal(data["labels"], (data["truth"]["ctr"] > 0.5).astype(int).to_numpy())
    assert 0.35 < data["labels"].mean() < 0.65
    assert not set(data["patient_id"]) & set(imaging.load_xray("chest_xray")["patient_id"])


def test_xray_is_deterministic_and_validates_arguments():
    a, b = imaging.generate_xray(3, n_images=20), imaging.generate_xray(3, n_images=20)
    c = imaging.generate_xray(4, n_images=20)
    assert np.array_equal(a["images"], b["images"]) and not np.array_equal(a["images"], c["images"])
    with pytest.raises(ValueError, match="task"):
        imaging.generate_xray(0, "mri")
    with pytest.raises(ValueError, match="n_images"):
        imaging.generate_xray(0, n_images=0)
