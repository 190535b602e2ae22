"""The EHR cohort as an Excel workbook, one sheet per recorded table, reproducible byte for byte."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd

from healthpath.data.registry import DatasetError, verified
from healthpath.data.synthetic import cohort

SHEETS = ("patients", "encounters", "diagnoses", "labs", "medications")
FILE = "ehr_workbook/ehr.xlsx"
FIXED_TIME = "2024-01-01T00:00:00Z"  # stands in for openpyxl's "now" in the document properties


def generate(seed: int = 0, n_patients: int = 1000, messiness: float = 1.0) -> dict[str, pd.DataFrame]:
    """The recorded (messy) tables of the ``ehr`` cohort with this seed, one per sheet."""
    tables = cohort.generate(seed=seed, n_patients=n_patients, messiness=messiness)
    return {sheet: tables[sheet] for sheet in SHEETS}


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """The workbook as bytes that depend on the data only (fixed document times and zip dates)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name, index=False)
    fixed = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                stamp = rb"\g<1>" + FIXED_TIME.encode()
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", stamp, data)
            entry = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, data)
    return fixed.getvalue()


def write(folder: Path, seed: int = 0) -> list[Path]:
    """Write ``folder/ehr_workbook/ehr.xlsx`` for the default cohort."""
    file = Path(folder) / FILE
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(xlsx_bytes(generate(seed)))
    return [file]


def read(file: Path, dataset: str = "ehr_workbook") -> dict[str, pd.DataFrame]:
    """Every sheet of an ``.xlsx`` file as a DataFrame; a damaged file raises DatasetError naming it."""
    try:
        return pd.read_excel(file, sheet_name=None, engine="openpyxl")
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise DatasetError(
            f"Dataset {dataset!r}: {file} is not a readable Excel workbook ({error}). Restore it with "
            f"`git checkout -- datasets/{FILE}` or regenerate it with `healthpath data regenerate`."
        ) from error


def load() -> dict[str, pd.DataFrame]:
    """The committed workbook (seed 0 cohort) as {sheet name: DataFrame}."""
    return read(verified(FILE, "ehr_workbook"))


def path() -> Path:
    """The verified ``.xlsx`` file, for reading it with other tools."""
    return verified(FILE, "ehr_workbook")
