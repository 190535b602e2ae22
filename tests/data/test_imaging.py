"""The synthetic imaging datasets: CT DICOM series and chest X-ray tasks."""

import numpy as np
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
