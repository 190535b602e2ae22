"""The catalogue of datasets and the one way to load them.

Each dataset module (``healthpath.data.real``, ``healthpath.data.synthetic.*``) declares its datasets
as :class:`Dataset` entries in a module-level ``DATASETS`` list; this module gathers them.

``datasets/SHA256SUMS`` records two kinds of file:

- ``<name>/<file>``: a file committed under ``datasets/``;
- ``_shipped/<package>/<path>``: a file shipped inside an installed Python package, named by its
  path from the package's import folder (``_shipped/sklearn/datasets/data/breast_cancer.csv`` is
  ``sklearn/datasets/data/breast_cancer.csv`` in site-packages), so that a changed package file is
  detected too.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from healthpath.course import course_root

DATASET_MODULES = (
    "healthpath.data.real",
    "healthpath.data.synthetic.ehr",
    "healthpath.data.synthetic.imaging",
    "healthpath.data.synthetic.signals",
    "healthpath.data.synthetic.omics",
    "healthpath.data.synthetic.outbreaks",
    "healthpath.data.synthetic.instrument",
)
SHIPPED = "_shipped/"  # prefix of SHA256SUMS keys for files shipped inside installed packages


class DatasetError(Exception):
    """A dataset could not be loaded; the message names the dataset and the fix."""


class UnknownDatasetError(DatasetError, KeyError):
    """No dataset has that name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


class ChecksumError(DatasetError):
    """A file's content differs from the checksum recorded in datasets/SHA256SUMS."""


@dataclass(frozen=True)
class Dataset:
    """One dataset of the course.

    ``load(**options)`` returns the data from the verified committed or shipped files;
    ``generate(seed, **params)`` (synthetic datasets only) builds it afresh in memory, the same
    type as ``load`` returns; ``write(folder, seed)`` writes the committed files of a synthetic
    dataset as ``folder/<name>/...`` (``folder`` stands for ``datasets/``) and returns their paths
    (used to regenerate ``datasets/`` byte for byte). ``files`` lists the data files behind the
    dataset as keys of ``datasets/SHA256SUMS`` (committed or ``_shipped/`` files). A dataset with a
    ``download`` URL is optional: no lesson or exercise uses it, and offline its ``load`` raises a
    :class:`DatasetError` that names an offline alternative.
    """

    name: str
    kind: str  # "real" or "synthetic"
    summary: str
    licence: str
    returns: str  # what load() gives, e.g. "DataFrame", "dict of DataFrames", "Path"
    load: Callable[..., Any]
    generate: Callable[..., Any] | None = None
    write: Callable[[Path, int], list[Path]] | None = None
    files: tuple[str, ...] = field(default=())  # keys of datasets/SHA256SUMS
    download: str | None = None  # URL of an optional download into cache_dir(); None: offline data


def _all() -> dict[str, Dataset]:
    found: dict[str, Dataset] = {}
    for module_name in DATASET_MODULES:
        for ds in importlib.import_module(module_name).DATASETS:
            if ds.name in found:
                raise RuntimeError(f"two datasets are called {ds.name!r}")
            found[ds.name] = ds
    return found


def get(name: str) -> Dataset:
    """The :class:`Dataset` called ``name``, or an error that lists the valid names."""
    datasets = _all()
    if name not in datasets:
        raise UnknownDatasetError(
            f"There is no dataset called {name!r}. Known datasets: {', '.join(sorted(datasets))}. "
            "See data.catalog() for what each holds."
        )
    return datasets[name]


def names() -> list[str]:
    """The names of every dataset, sorted."""
    return sorted(_all())


def catalog():
    """A DataFrame with one row per dataset: name, kind, returns, licence, summary."""
    import pandas as pd

    rows = [
        {"name": d.name, "kind": d.kind, "returns": d.returns, "licence": d.licence,
         "summary": d.summary}
        for d in sorted(_all().values(), key=lambda d: d.name)
    ]
    return pd.DataFrame(rows).set_index("name")


def load(name: str, **options: Any) -> Any:
    """Load dataset ``name`` offline, after verifying its files' checksums."""
    return get(name).load(**options)


def generate(name: str, seed: int = 0, **params: Any) -> Any:
    """Build synthetic dataset ``name`` afresh from ``seed`` (deterministic), without touching disk."""
    ds = get(name)
    if ds.generate is None:
        raise DatasetError(f"{name!r} is real data and cannot be generated; use data.load({name!r}).")
    return ds.generate(seed=seed, **params)


def card(name: str) -> str:
    """The dataset card (markdown): provenance, licence, schema with units, caveats."""
    get(name)
    return (datasets_dir() / name / "README.md").read_text(encoding="utf-8")


def datasets_dir() -> Path:
    """The course's ``datasets/`` folder."""
    return course_root() / "datasets"


def sha256(file: Path) -> str:
    """The hex sha256 digest of a file."""
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def recorded_checksums() -> dict[str, str]:
    """``datasets/SHA256SUMS`` as {relative path: digest}."""
    sums = {}
    manifest = datasets_dir() / "SHA256SUMS"
    if not manifest.is_file():
        raise DatasetError(f"{manifest} is missing. Restore it with `git checkout -- datasets/SHA256SUMS`.")
    for number, line in enumerate(manifest.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, rel = line.partition("  ")
        if len(digest) != 64 or not rel:
            raise DatasetError(f"{manifest}, line {number}: expected '<sha256>  <path>'.")
        sums[rel] = digest
    return sums


def cache_dir() -> Path:
    """Where optional downloads go: ``$HEALTHPATH_CACHE`` if set, else the user cache folder."""
    if os.environ.get("HEALTHPATH_CACHE"):
        return Path(os.environ["HEALTHPATH_CACHE"])
    import pooch

    return Path(pooch.os_cache("healthpath"))


def shipped_file(rel: str) -> Path:
    """The installed package file behind a ``_shipped/<package>/<path>`` key of SHA256SUMS."""
    package = file_package(rel)
    inner = rel.removeprefix(SHIPPED).removeprefix(package + "/")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DatasetError(
            f"{rel}: the package {package!r} is not installed. Install the course environment with "
            "`pip install -c constraints.txt -e .` from the course checkout."
        )
    return Path(spec.submodule_search_locations[0]) / inner


def _reinstall_hint(rel: str) -> str:
    package = file_package(rel)
    dists = importlib.metadata.packages_distributions().get(package, [package])
    dist = dists[0]
    try:
        version = importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        version = "not installed"
    return (
        f"The installed {dist} ({version}) does not ship the file the course was checked "
        f"against: reinstall the pinned version with "
        f"`pip install -c constraints.txt --force-reinstall --no-deps {dist}`."
    )


def file_of(rel: str) -> Path:
    """The file behind a SHA256SUMS key: committed under ``datasets/`` or shipped in a package."""
    return shipped_file(rel) if rel.startswith(SHIPPED) else datasets_dir() / rel


def verified(rel: str, dataset: str) -> Path:
    """The file behind SHA256SUMS key ``rel`` (see :func:`file_of`), after checking its sha256."""
    file = file_of(rel)
    shipped = rel.startswith(SHIPPED)
    if not file.is_file():
        if shipped:
            raise DatasetError(f"Dataset {dataset!r}: {file} is missing. " + _reinstall_hint(rel))
        raise DatasetError(
            f"Dataset {dataset!r}: the file {file} is missing. Restore it with "
            f"`git checkout -- datasets/{rel}` or regenerate it with `healthpath data regenerate`."
        )
    expected = recorded_checksums().get(rel)
    if expected is None:
        raise ChecksumError(
            f"Dataset {dataset!r}: {file} has no entry {rel!r} in datasets/SHA256SUMS. "
            "Record it with `healthpath data regenerate`."
        )
    if sha256(file) != expected:
        if shipped:
            raise ChecksumError(
                f"Dataset {dataset!r}: {file} does not match its recorded sha256 ({rel} in "
                "datasets/SHA256SUMS). " + _reinstall_hint(rel)
            )
        raise ChecksumError(
            f"Dataset {dataset!r}: {file} does not match its recorded sha256 (the file was changed "
            f"or truncated). Restore it with `git checkout -- datasets/{rel}`, or, for synthetic data, "
            "`healthpath data regenerate`."
        )
    return file


def file_package(rel: str) -> str:
    """The import name of the package that ships ``_shipped/<package>/...``."""
    return rel.removeprefix(SHIPPED).partition("/")[0]


def path(name: str) -> Path:
    """The verified file behind dataset ``name``, or the folder holding its files (DICOM, FASTA...)."""
    ds = get(name)
    if not ds.files:
        raise DatasetError(f"{name!r} has no files of its own; use data.load({name!r}).")
    files = [verified(rel, name) for rel in ds.files]
    if len(files) == 1:
        return files[0]
    return Path(os.path.commonpath([f.parent for f in files]))
