"""The EHR cohort as FHIR R4 ``collection`` Bundles, and a validator that names the broken part."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pandas as pd

from healthpath.data.registry import DatasetError, verified
from healthpath.data.synthetic import cohort

BASE = "https://fhir.healthpath.example/fhir"  # the server the fullUrls and references belong to
HOSPITAL_NUMBER = "https://fhir.healthpath.example/sid/hospital-number"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
LOINC_NAMES = {
    "14682-9": "Creatinine [Moles/volume] in Serum or Plasma",
    "2160-0": "Creatinine [Mass/volume] in Serum or Plasma",
    "14749-6": "Glucose [Moles/volume] in Serum or Plasma",
    "2345-7": "Glucose [Mass/volume] in Serum or Plasma",
    "718-7": "Hemoglobin [Mass/volume] in Blood",
    "2823-3": "Potassium [Moles/volume] in Serum or Plasma",
    "2951-2": "Sodium [Moles/volume] in Serum or Plasma",
}
UNIT_DISPLAY = {"umol/L": "µmol/L"}
# Potassium and sodium recorded in meq/L: LOINC 2823-3 and 2951-2 are Moles/volume, and for these
# ions of charge 1 a milliequivalent is a millimole, so the same number is written in mmol/L.
EQUIVALENTS_AS_MOLES = {"meq/L": "mmol/L"}
BUNDLE_TYPES = {"document", "message", "transaction", "transaction-response", "batch", "batch-response",
                "history", "searchset", "collection"}
PATIENTS_PER_FILE = 10
FILES = tuple(f"fhir_bundles/bundle-{k:02d}.json" for k in range(1, 6))  # 50 patients


def _when(value: pd.Timestamp) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _entry(resource: dict) -> dict:
    return {"fullUrl": f"{BASE}/{resource['resourceType']}/{resource['id']}", "resource": resource}


def patient_logical_id(seed: int, hospital_number: str) -> str:
    """The Patient's opaque logical id: a UUID made from the seed and the hospital number (uuid5)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{BASE}/healthpath-ehr-{seed}/{hospital_number}"))


def _resources(tables: dict[str, pd.DataFrame], patient, seed: int) -> list[dict]:
    """Patient, then each Encounter with its Conditions and lab Observations."""
    logical_id = patient_logical_id(seed, patient.patient_id)
    subject = {"reference": f"Patient/{logical_id}"}
    resources = [{
        "resourceType": "Patient", "id": logical_id,
        "identifier": [{"system": HOSPITAL_NUMBER, "value": patient.patient_id}],
        "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
        "gender": {"F": "female", "M": "male"}[patient.sex],
        "birthDate": patient.birth_date.strftime("%Y-%m-%d"),
        "address": [{"postalCode": patient.postcode_area, "country": "GB"}],
    }]
    encounters = tables["encounters"][tables["encounters"]["patient_id"] == patient.patient_id]
    for enc in encounters.itertuples(index=False):
        emergency = enc.encounter_type == "emergency"
        resources.append({
            "resourceType": "Encounter", "id": enc.encounter_id, "status": "finished",
            "class": {"system": ACT_CODE, "code": "EMER" if emergency else "IMP",
                      "display": "emergency" if emergency else "inpatient encounter"},
            "subject": subject,
            "period": {"start": _when(enc.admit_datetime), "end": _when(enc.discharge_datetime)},
            "location": [{"location": {"display": enc.ward}, "status": "completed"}],
        })
        context = {"reference": f"Encounter/{enc.encounter_id}"}
        for dx in tables["diagnoses"][tables["diagnoses"]["encounter_id"] == enc.encounter_id].itertuples():
            resources.append({
                "resourceType": "Condition", "id": f"{enc.encounter_id}-dx{dx.position}",
                "category": [{"coding": [{"system": CONDITION_CATEGORY, "code": "encounter-diagnosis"}]}],
                "code": {"coding": [{"system": ICD10, "code": dx.icd10_code, "display": dx.description}]},
                "subject": subject, "encounter": context,
            })
        for lab in tables["labs"][tables["labs"]["encounter_id"] == enc.encounter_id].itertuples():
            unit = EQUIVALENTS_AS_MOLES.get(lab.unit, lab.unit)
            resources.append({
                "resourceType": "Observation", "id": lab.lab_id, "status": "final",
                "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory"}]}],
                "code": {"coding": [{"system": LOINC, "code": lab.loinc_code,
                                     "display": LOINC_NAMES[lab.loinc_code]}], "text": lab.test_name},
                "subject": subject, "encounter": context,
                "effectiveDateTime": _when(lab.collected_datetime),
                "valueQuantity": {"value": lab.value, "unit": UNIT_DISPLAY.get(unit, unit),
                                  "system": UCUM, "code": unit},
            })
    return resources


def generate(seed: int = 0, n_patients: int = 50) -> list[dict]:
    """Bundles of 10 patients each: the first ``n_patients`` (by hospital number) of the ``ehr`` cohort.

    Built from the clean recorded tables (``messiness=0``) of the cohort with this ``seed``, so the
    patients, admissions and results are those of ``data.generate("ehr", seed)`` before the mess.
    """
    tables = cohort.generate(seed=seed, messiness=0)
    patients = tables["patients"].head(n_patients)
    bundles = []
    for start in range(0, len(patients), PATIENTS_PER_FILE):
        chunk = patients.iloc[start:start + PATIENTS_PER_FILE]
        entries = [_entry(resource) for patient in chunk.itertuples(index=False)
                   for resource in _resources(tables, patient, seed)]
        number = start // PATIENTS_PER_FILE + 1
        bundles.append({"resourceType": "Bundle", "id": f"healthpath-ehr-{seed}-{number:02d}",
                        "type": "collection", "timestamp": "2024-01-01T00:00:00+00:00", "entry": entries})
    return bundles


def dumps(bundle: dict) -> str:
    """A bundle as the JSON text committed: sorted keys, two-space indent, UTF-8, final newline."""
    return json.dumps(bundle, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write(folder: Path, seed: int = 0) -> list[Path]:
    """Write the five committed bundle files under ``folder/fhir_bundles/``."""
    paths = []
    for rel, bundle in zip(FILES, generate(seed), strict=True):
        file = Path(folder) / rel
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(dumps(bundle), encoding="utf-8")
        paths.append(file)
    return paths


def _problem(source, where: str, what: str) -> DatasetError:
    return DatasetError(f"{source}: {where}: {what}. A FHIR R4 Bundle is a JSON object with "
                        "resourceType 'Bundle', a type, and an 'entry' list of {fullUrl, resource} objects.")


def _references(node, path: str = ""):
    """Every (path, reference string) inside a resource."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield path, value
            else:
                yield from _references(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _references(value, f"{path}[{i}]")


def _coding(resource: dict, system: str) -> bool:
    codings = resource.get("code", {}).get("coding", []) if isinstance(resource.get("code"), dict) else []
    return any(isinstance(c, dict) and c.get("system") == system and c.get("code") for c in codings)


def validate_bundle(bundle, source) -> dict:
    """Check the structure this course relies on; raise DatasetError naming ``source`` and the problem.

    Checked: a JSON object with ``resourceType`` "Bundle", a valid ``type`` and an ``entry`` list;
    every entry an object with a ``resource`` that has a ``resourceType`` and an ``id``, unique per
    type; ``fullUrl`` present (and a ``request`` in a transaction); every ``reference`` of the form
    ``Type/id`` pointing at a resource in the bundle; Observations coded in LOINC with a UCUM
    ``valueQuantity``; Conditions coded in ICD-10. Returns the bundle.
    """
    if not isinstance(bundle, dict):
        raise _problem(source, "top level", f"expected a JSON object, found {type(bundle).__name__}")
    if bundle.get("resourceType") != "Bundle":
        raise _problem(source, "top level", f"resourceType is {bundle.get('resourceType')!r}, not 'Bundle'")
    if bundle.get("type") not in BUNDLE_TYPES:
        raise _problem(source, "top level", f"type {bundle.get('type')!r} is not a FHIR Bundle type")
    entries = bundle.get("entry")
    if not isinstance(entries, list):
        raise _problem(source, "top level", "the 'entry' list is missing")
    present = set()
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            raise _problem(source, f"entry {i}", "has no 'resource' object")
        kind, rid = resource.get("resourceType"), resource.get("id")
        if not isinstance(kind, str) or not isinstance(rid, str) or not rid:
            raise _problem(source, f"entry {i}", "the resource lacks a resourceType or an id")
        if f"{kind}/{rid}" in present:
            raise _problem(source, f"entry {i}", f"{kind}/{rid} appears twice")
        if not isinstance(entry.get("fullUrl"), str):
            raise _problem(source, f"entry {i} ({kind}/{rid})", "has no fullUrl")
        if bundle["type"] == "transaction" and not isinstance(entry.get("request"), dict):
            raise _problem(source, f"entry {i} ({kind}/{rid})", "a transaction entry needs a 'request'")
        present.add(f"{kind}/{rid}")
    for i, entry in enumerate(entries):
        resource = entry["resource"]
        where = f"entry {i} ({resource['resourceType']}/{resource['id']})"
        for path, reference in _references(resource):
            if reference.count("/") != 1:
                raise _problem(source, f"{where} {path}",
                               f"reference {reference!r} is not of the form Type/id")
            if reference not in present:
                raise _problem(source, f"{where} {path}", f"reference {reference!r} points to no resource "
                                                          "in this bundle")
        if resource["resourceType"] == "Observation":
            quantity = resource.get("valueQuantity")
            if not _coding(resource, LOINC):
                raise _problem(source, where, "the Observation has no LOINC coding")
            if not isinstance(quantity, dict) or not isinstance(quantity.get("value"), int | float) \
                    or quantity.get("system") != UCUM or not quantity.get("code"):
                raise _problem(source, where,
                               "the Observation needs a valueQuantity with a number and a UCUM code")
        if resource["resourceType"] == "Condition" and not _coding(resource, ICD10):
            raise _problem(source, where, "the Condition has no ICD-10 coding")
    return bundle


def read(file: Path) -> dict:
    """One bundle file, parsed and validated."""
    try:
        bundle = json.loads(Path(file).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DatasetError(f"{file} is not valid JSON ({error}). Restore it from the repository or "
                           "regenerate it with `healthpath data regenerate`.") from error
    return validate_bundle(bundle, file)


def load() -> list[dict]:
    """The committed bundles (50 patients of the seed-0 cohort), each checked with validate_bundle."""
    return [read(verified(rel, "fhir_bundles")) for rel in FILES]
