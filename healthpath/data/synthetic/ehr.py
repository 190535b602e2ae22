"""The synthetic EHR family: the hospital cohort and the datasets built around it.

The registry imports this module; every dataset of the family is listed in :data:`DATASETS`.
"""

from __future__ import annotations

from pathlib import Path

from healthpath.data.registry import Dataset
from healthpath.data.synthetic import claims, cohort, dosing, fhir, treatment, workbook
from healthpath.data.synthetic.tables import committed, load_tables, write_tables

SYNTHETIC_LICENCE = "CC0-1.0 (synthetic data, no real patients)"


def generate(seed: int = 0, n_patients: int = 1000, messiness: float = 1.0, bias: bool = True,
             discharge_outcomes: bool = False):
    """A fresh synthetic EHR cohort (dict of DataFrames); see :func:`cohort.generate` and the card."""
    return cohort.generate(seed=seed, n_patients=n_patients, messiness=messiness, bias=bias,
                           discharge_outcomes=discharge_outcomes)


def write(folder: Path, seed: int = 0) -> list[Path]:
    """Write the default cohort's tables as ``folder/ehr/<table>.csv``."""
    return write_tables(generate(seed), Path(folder) / "ehr")


def load() -> dict:
    """The committed default cohort (seed 0, 1,000 patients) as a dict of DataFrames."""
    return load_tables("ehr", cohort.TABLES, cohort.DATE_COLUMNS, cohort.COLUMN_TYPES)


DATASETS = [
    Dataset(
        name="ehr",
        kind="synthetic",
        summary="Messy hospital EHR cohort (patients, encounters, ICD-10 diagnoses, LOINC labs in mixed "
                "units, medications) with 30-day readmission labels, a documented bias and full truth.",
        licence=SYNTHETIC_LICENCE,
        returns="dict of DataFrames",
        load=load,
        generate=generate,
        write=write,
        files=committed("ehr", cohort.TABLES),
    ),
    Dataset(
        name="ehr_workbook",
        kind="synthetic",
        summary="The ehr cohort's recorded tables as an Excel workbook, one sheet per table.",
        licence=SYNTHETIC_LICENCE,
        returns="dict of DataFrames (one per sheet)",
        load=workbook.load,
        generate=workbook.generate,
        write=workbook.write,
        files=(workbook.FILE,),
    ),
    Dataset(
        name="fhir_bundles",
        kind="synthetic",
        summary="50 patients of the ehr cohort as FHIR R4 collection Bundles (Patient, Encounter, "
                "Condition with ICD-10, Observation with LOINC and UCUM).",
        licence=SYNTHETIC_LICENCE,
        returns="list of Bundle dicts",
        load=fhir.load,
        generate=fhir.generate,
        write=fhir.write,
        files=fhir.FILES,
    ),
    Dataset(
        name="claims",
        kind="synthetic",
        summary="Insurance claims with injected fraud (upcoding, phantom billing, duplicate claims, a "
                "provider with impossible volume) and amount outliers, marked in truth columns.",
        licence=SYNTHETIC_LICENCE,
        returns="DataFrame",
        load=claims.load,
        generate=claims.generate,
        write=claims.write,
        files=committed("claims", ["claims"]),
    ),
    Dataset(
        name="treatment_response",
        kind="synthetic",
        summary="300 patients x 12 antihypertensives: blood-pressure response, 79% missing, from a "
                "low-rank model with covariates; the full matrix is kept as truth.",
        licence=SYNTHETIC_LICENCE,
        returns="dict of DataFrames",
        load=treatment.load,
        generate=treatment.generate,
        write=treatment.write,
        files=committed("treatment_response", treatment.TABLES),
    ),
    Dataset(
        name="dosing_env",
        kind="synthetic",
        summary="Gymnasium environment (healthpath/Dosing-v0): dose a vancomycin-like antibiotic every "
                "12 h to keep the level in 10-20 mg/L without toxicity.",
        licence=SYNTHETIC_LICENCE,
        returns="gymnasium.Env",
        load=dosing.load,
        generate=dosing.generate,
    ),
]
