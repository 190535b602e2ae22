"""The dataset registry, checksums, cards and regeneration, checked for every registered dataset."""

import re

import gymnasium
import numpy as np
import pandas as pd
import pooch
import pydicom
import pytest

from graders.cli import main
from healthpath import data
from healthpath.data import regenerate, registry
from healthpath.data.sepsis import SepsisMDP

NAMES = data.names()
SYNTHETIC = [d.name for d in regenerate.synthetic()]
WITH_COMMITTED_FILES = [n for n in NAMES if any(not f.startswith("_shipped/") for f in registry.get(n).files)]
WITH_SHIPPED_FILES = [n for n in NAMES if any(f.startswith("_shipped/") for f in registry.get(n).files)]
CHEAPEST_SYNTHETIC = "sequences"  # the quickest to write: used where one synthetic dataset will do
CARD_HEADINGS = ["## What it is", "## Provenance", "## Licence", "## Schema", "## Caveats"]
SYNTHETIC_CARD_HEADINGS = ["## How it was made", "## Ground truth"]
RETURN_TYPES = {  # first word of Dataset.returns -> the type load() must give
    "DataFrame": pd.DataFrame,
    "dict": dict,
    "list": list,
    "pydicom": pydicom.Dataset,
    "ndarray": np.ndarray,
    "Path": __import__("pathlib").Path,
    "gymnasium": gymnasium.Env,
    "SepsisMDP": SepsisMDP,
}


def test_the_catalogue_lists_every_dataset_once_with_its_fields():
    catalogue = data.catalog()
    assert list(catalogue.index) == NAMES == sorted(set(NAMES))
    assert list(catalogue.columns) == ["kind", "returns", "licence", "summary"]
    assert set(catalogue["kind"]) <= {"real", "synthetic"}
    assert catalogue.notna().all().all() and (catalogue != "").all().all()
    for name in NAMES:
        ds = registry.get(name)
        assert (ds.kind == "synthetic") == (ds.generate is not None), name
        assert (ds.write is not None) == (ds.kind == "synthetic" and bool(ds.files)), (
            f"{name}: a synthetic dataset with committed files needs write(), and only it")


@pytest.mark.parametrize("name", NAMES)
def test_card_has_the_required_sections(name):
    card = data.card(name)
    assert card.startswith(f"# {name}\n"), f"datasets/{name}/README.md must start with '# {name}'"
    required = CARD_HEADINGS + (SYNTHETIC_CARD_HEADINGS if name in SYNTHETIC else [])
    headings = re.findall(r"^## .+$", card, flags=re.MULTILINE)
    for heading in required:
        assert heading in headings, f"datasets/{name}/README.md lacks the section {heading!r}"
        body = card.split(heading + "\n", 1)[1].split("\n## ", 1)[0]
        assert body.strip(), f"datasets/{name}/README.md: section {heading!r} is empty"


@pytest.mark.parametrize("name", NAMES)
def test_load_works_offline_and_returns_the_announced_type(name, offline, monkeypatch, tmp_path):
    ds = registry.get(name)
    if ds.download:
        monkeypatch.setenv("HEALTHPATH_CACHE", str(tmp_path))
        with pytest.raises(data.DatasetError, match=r"needs the network.*Offline, use data.load\('\w+'\)"):
            data.load(name)
        return
    loaded = data.load(name)
    expected = RETURN_TYPES.get(re.match(r"\w+", ds.returns).group())
    assert expected is not None, f"{name}: add the type of returns={ds.returns!r} to RETURN_TYPES"
    assert isinstance(loaded, expected), f"{name}: load() gave {type(loaded).__name__}, not {ds.returns}"
    if isinstance(loaded, pd.DataFrame | dict | list):
        assert len(loaded) > 0


@pytest.mark.parametrize("name", NAMES)
def test_path_gives_existing_verified_files(name):
    ds = registry.get(name)
    if not ds.files:
        with pytest.raises(data.DatasetError, match="no files of its own"):
            data.path(name)
        return
    where = data.path(name)
    assert where.exists()
    if len(ds.files) == 1:
        assert where == registry.file_of(ds.files[0])
    else:
        assert all(registry.file_of(rel).is_relative_to(where) for rel in ds.files)


def test_checksum_manifest_is_sorted_well_formed_and_complete():
    manifest = (registry.datasets_dir() / "SHA256SUMS").read_text().splitlines()
    keys = [line.split("  ", 1)[1] for line in manifest]
    assert keys == sorted(keys) and len(keys) == len(set(keys)), "SHA256SUMS must be sorted, no duplicates"
    assert all(re.fullmatch(r"[0-9a-f]{64}  \S.*", line) for line in manifest)
    recorded = registry.recorded_checksums()
    committed = regenerate.committed_files()
    assert [rel for rel in committed if rel not in recorded] == [], "committed files without a checksum"
    used = {rel for name in NAMES for rel in registry.get(name).files}
    assert used <= set(recorded), f"files with no checksum: {sorted(used - set(recorded))}"
    assert set(recorded) <= set(committed) | used, "SHA256SUMS lists files that no dataset uses"
    assert regenerate.verify() == []


def test_every_committed_file_belongs_to_a_dataset_folder_with_a_card():
    for rel in regenerate.committed_files():
        folder = rel.split("/", 1)[0]
        assert folder in NAMES or any(rel in registry.get(n).files for n in NAMES), (
            f"datasets/{rel} belongs to no dataset")
    for name in NAMES:
        assert (registry.datasets_dir() / name / "README.md").is_file()


@pytest.mark.parametrize("name", WITH_COMMITTED_FILES)
def test_a_changed_or_truncated_file_is_refused_with_the_fix(name, course_copy):
    committed = [rel for rel in registry.get(name).files if not rel.startswith("_shipped/")]
    for rel in committed:
        course_copy.add(rel)
    for rel in sorted({committed[0], committed[-1]}):
        file = course_copy.root / rel
        original = file.read_bytes()
        file.write_bytes(original[: len(original) // 2])
        with pytest.raises(data.ChecksumError) as error:
            data.load(name)
        assert str(file) in str(error.value) and f"git checkout -- datasets/{rel}" in str(error.value)
        file.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))  # same size, one bit changed
        with pytest.raises(data.ChecksumError, match=re.escape(str(file))):
            data.load(name)
        file.unlink()
        with pytest.raises(data.DatasetError, match="is missing"):
            data.load(name)
        file.write_bytes(original)
    data.load(name)  # restored: loads again


@pytest.mark.parametrize("name", WITH_SHIPPED_FILES)
def test_a_changed_package_file_is_refused_with_the_reinstall_fix(name, course_copy):
    for rel in registry.get(name).files:
        if not rel.startswith("_shipped/"):
            course_copy.add(rel)
    shipped = next(rel for rel in registry.get(name).files if rel.startswith("_shipped/"))
    manifest = course_copy.root / "SHA256SUMS"
    manifest.write_text(manifest.read_text().replace(registry.recorded_checksums()[shipped], "0" * 64))
    with pytest.raises(data.ChecksumError) as error:
        data.load(name)
    assert str(registry.shipped_file(shipped)) in str(error.value)
    assert "pip install -c constraints.txt --force-reinstall --no-deps" in str(error.value)


def test_a_file_with_no_checksum_entry_is_refused(course_copy):
    name = WITH_COMMITTED_FILES[0]
    rel = next(f for f in registry.get(name).files if not f.startswith("_shipped/"))
    for f in registry.get(name).files:
        if not f.startswith("_shipped/"):
            course_copy.add(f)
    manifest = course_copy.root / "SHA256SUMS"
    manifest.write_text("".join(line + "\n" for line in manifest.read_text().splitlines()
                                if not line.endswith("  " + rel)))
    with pytest.raises(data.ChecksumError, match="no entry .*healthpath data regenerate"):
        data.load(name)


def test_a_malformed_manifest_line_names_the_line(course_copy):
    manifest = course_copy.root / "SHA256SUMS"
    manifest.write_text(manifest.read_text() + "not-a-digest  somewhere.csv\n")
    number = len(manifest.read_text().splitlines())
    with pytest.raises(data.DatasetError, match=f"line {number}"):
        registry.recorded_checksums()


@pytest.mark.parametrize("call", [data.load, data.path, data.card, data.generate])
def test_an_unknown_name_lists_the_known_ones(call):
    with pytest.raises(data.UnknownDatasetError) as error:
        call("heart_disease_kaggle")
    message = str(error.value)
    assert "'heart_disease_kaggle'" in message and all(name in message for name in NAMES)
    assert isinstance(error.value, KeyError) and isinstance(error.value, data.DatasetError)


def test_real_data_cannot_be_generated():
    real = next(n for n in NAMES if n not in SYNTHETIC)
    with pytest.raises(data.DatasetError, match=rf"data.load\('{real}'\)"):
        data.generate(real)


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HEALTHPATH_CACHE", str(tmp_path / "cache"))
    assert registry.cache_dir() == tmp_path / "cache"
    monkeypatch.delenv("HEALTHPATH_CACHE")
    assert registry.cache_dir() == pooch.os_cache("healthpath")


def test_the_readme_table_is_the_catalogue():
    text = (registry.datasets_dir() / "README.md").read_text()
    assert regenerate.readme_table(text) == regenerate.catalogue_table()
    for name in NAMES:
        assert f"| [{name}]({name}/README.md) |" in regenerate.catalogue_table()


def test_regeneration_reproduces_every_committed_synthetic_file_byte_for_byte():
    assert regenerate.check() == []


def copy_every_data_file(course_copy):
    for rel in regenerate.committed_files(course_copy.source) + ["README.md"]:
        course_copy.add(rel)


def test_regenerate_repairs_a_damaged_copy_and_check_reports_it(course_copy):
    copy_every_data_file(course_copy)
    damaged = registry.get(CHEAPEST_SYNTHETIC).files[0]
    (course_copy.root / damaged).write_bytes(b"damaged")
    manifest = course_copy.root / "SHA256SUMS"
    manifest.write_text("".join(sorted(manifest.read_text().splitlines(keepends=True), reverse=True)))
    assert regenerate.check([CHEAPEST_SYNTHETIC]) == [damaged]
    assert any(damaged in problem for problem in regenerate.verify())
    regenerate.regenerate([CHEAPEST_SYNTHETIC])
    assert regenerate.check([CHEAPEST_SYNTHETIC]) == [] and regenerate.verify() == []
    assert manifest.read_text() == (course_copy.source / "SHA256SUMS").read_text()


def test_the_data_command(capsys, monkeypatch):
    assert main(["data", "list"]) == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in NAMES)
    assert main(["data", "card", NAMES[0]]) == 0
    assert capsys.readouterr().out.startswith(f"# {NAMES[0]}")
    assert main(["data", "card", "nope"]) == 2
    assert "Known datasets" in capsys.readouterr().err
    assert main(["data", "verify"]) == 0
    assert main(["data", "regenerate", "--check", CHEAPEST_SYNTHETIC]) == 0
    assert "byte for byte" in capsys.readouterr().out
    assert main(["data", "regenerate", "--check", "heart_cleveland"]) == 2
    assert "real data, nothing to regenerate" in capsys.readouterr().err


def test_the_data_command_reports_a_damaged_file(capsys, course_copy):
    copy_every_data_file(course_copy)
    assert main(["data", "verify"]) == 0
    rel = next(f for f in registry.get(WITH_COMMITTED_FILES[0]).files if not f.startswith("_shipped/"))
    (course_copy.root / rel).write_bytes(b"")
    assert main(["data", "verify"]) == 1
    assert rel in capsys.readouterr().err
    damaged = registry.get(CHEAPEST_SYNTHETIC).files[-1]
    (course_copy.root / damaged).write_bytes(b"")
    assert main(["data", "regenerate", "--check", CHEAPEST_SYNTHETIC]) == 1
    assert f"datasets/{damaged}" in capsys.readouterr().err
