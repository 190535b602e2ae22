"""The ehr cohort as an Excel workbook and as FHIR R4 Bundles: same data, reproducible files, clear
errors for damaged files and invalid bundles."""

from __future__ import annotations

import copy
import json
import re
import uuid

import pandas as pd
import pytest

from healthpath.data.registry import DatasetError, datasets_dir
from healthpath.data.synthetic import cohort, fhir, workbook


@pytest.fixture(scope="module")
def bundles():
    return fhir.load()


def test_workbook_file_regenerates_byte_for_byte_and_loads_as_the_cohort(tmp_path):
    (written,) = workbook.write(tmp_path, seed=0)
    assert written.read_bytes() == (datasets_dir() / workbook.FILE).read_bytes()
    sheets = workbook.load()
    tables = cohort.generate(seed=0)
    assert list(sheets) == list(workbook.SHEETS)
    for name, frame in sheets.items():
        pd.testing.assert_frame_equal(frame, tables[name])


def test_workbook_bytes_depend_on_the_data_only():
    small = workbook.generate(seed=3, n_patients=40)
    assert workbook.xlsx_bytes(small) == workbook.xlsx_bytes(small)
    other = workbook.generate(seed=4, n_patients=40)
    assert workbook.xlsx_bytes(other) != workbook.xlsx_bytes(small)


def test_damaged_workbook_raises_an_error_naming_the_file(tmp_path):
    bad = tmp_path / "ehr.xlsx"
    bad.write_bytes((datasets_dir() / workbook.FILE).read_bytes()[:4000])
    with pytest.raises(DatasetError, match=r"ehr\.xlsx.*not a readable Excel workbook"):
        workbook.read(bad)


def test_fhir_files_regenerate_byte_for_byte(tmp_path):
    for written in fhir.write(tmp_path, seed=0):
        assert written.read_bytes() == (datasets_dir() / written.relative_to(tmp_path)).read_bytes(), written


def test_fhir_bundles_are_r4_collections_whose_references_resolve(bundles):
    assert len(bundles) == 5
    for bundle in bundles:
        assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
        present = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}
        for entry in bundle["entry"]:
            resource = entry["resource"]
            assert entry["fullUrl"] == f"{fhir.BASE}/{resource['resourceType']}/{resource['id']}"
            assert re.fullmatch(r"[A-Za-z0-9\-.]{1,64}", resource["id"])
            refs = re.findall(r'"reference": "([^"]+)"', json.dumps(resource))
            assert all(ref in present for ref in refs)
            if resource["resourceType"] in {"Encounter", "Condition", "Observation"}:
                assert resource["subject"]["reference"].startswith("Patient/")
    kinds = pd.Series([e["resource"]["resourceType"] for b in bundles for e in b["entry"]]).value_counts()
    assert kinds["Patient"] == 50 and {"Encounter", "Condition", "Observation"} <= set(kinds.index)


def test_fhir_holds_the_same_patients_and_results_as_the_cohort(bundles):
    tables = cohort.generate(seed=0)
    resources = [e["resource"] for b in bundles for e in b["entry"]]
    patients = {hospital_number(r): r for r in resources if r["resourceType"] == "Patient"}
    assert list(patients) == sorted(tables["truth_patients"]["patient_id"])[:50]
    truth = tables["truth_patients"].set_index("patient_id")
    for number, p in patients.items():
        assert p["birthDate"] == truth.loc[number, "birth_date"].strftime("%Y-%m-%d")
        assert p["gender"] == {"F": "female", "M": "male"}[truth.loc[number, "sex"]]
    labs = tables["labs"].drop_duplicates("lab_id").set_index("lab_id")
    mislabelled = set(tables["labs"].loc[tables["truth_errors"].query("table == 'labs'")["row"], "lab_id"])
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    for obs in observations:
        row = labs.loc[obs["id"]]
        assert obs["valueQuantity"]["value"] == row["value"]
        if obs["id"] not in mislabelled:
            assert obs["valueQuantity"]["code"] == {"meq/L": "mmol/L"}.get(row["unit"], row["unit"])
            assert obs["code"]["coding"][0]["code"] == row["loinc_code"]
    units = {o["valueQuantity"]["code"] for o in observations}
    assert {"mg/dL", "umol/L"} <= units and units <= {"umol/L", "mg/dL", "mmol/L", "g/L", "g/dL"}
    conditions = [r for r in resources if r["resourceType"] == "Condition"]
    assert all(c["code"]["coding"][0]["system"] == "http://hl7.org/fhir/sid/icd-10" for c in conditions)


def hospital_number(patient):
    "The value of the Patient's identifier in the hospital-number system."
    (number,) = [i["value"] for i in patient["identifier"] if i["system"] == fhir.HOSPITAL_NUMBER]
    return number


def test_patient_ids_are_opaque_and_the_hospital_number_is_an_identifier(bundles):
    resources = [e["resource"] for b in bundles for e in b["entry"]]
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    hospital_numbers = set(cohort.generate(seed=0)["truth_patients"]["patient_id"])
    for patient in patients:
        number = hospital_number(patient)
        assert number in hospital_numbers
        assert patient["id"] != number and number not in patient["id"]
        assert uuid.UUID(patient["id"]).version == 5
    assert len({p["id"] for p in patients}) == 50
    other_seed = fhir.generate(seed=4, n_patients=10)[0]["entry"][0]["resource"]
    assert fhir.patient_logical_id(4, hospital_number(other_seed)) == other_seed["id"]
    assert fhir.patient_logical_id(0, hospital_number(other_seed)) != other_seed["id"]


def test_encounters_carry_the_ward_in_location_and_labs_no_equivalents(bundles):
    tables = cohort.generate(seed=0, messiness=0)
    wards = tables["encounters"].set_index("encounter_id")["ward"]
    resources = [e["resource"] for b in bundles for e in b["entry"]]
    encounters = [r for r in resources if r["resourceType"] == "Encounter"]
    for encounter in encounters:
        assert "serviceType" not in encounter
        assert encounter["location"][0]["location"]["display"] == wards[encounter["id"]]
    quantities = [r["valueQuantity"] for r in resources if r["resourceType"] == "Observation"]
    assert not [q for q in quantities if "eq" in q["code"].lower() or "eq" in q["unit"].lower()]
    ions = [r for r in resources if r["resourceType"] == "Observation"
            and r["code"]["coding"][0]["code"] in {"2823-3", "2951-2"}]
    assert ions and {r["valueQuantity"]["code"] for r in ions} == {"mmol/L"}
    labs = tables["labs"].set_index("lab_id")
    assert "meq/L" in set(labs.loc[[r["id"] for r in ions], "unit"])  # some were recorded in meq/L
    assert all(r["valueQuantity"]["value"] == labs.loc[r["id"], "value"] for r in ions)


def test_generate_gives_fresh_valid_bundles_for_another_seed():
    fresh = fhir.generate(seed=4, n_patients=23)
    assert [len({e["resource"]["id"] for e in b["entry"] if e["resource"]["resourceType"] == "Patient"})
            for b in fresh] == [10, 10, 3]
    for bundle in fresh:
        fhir.validate_bundle(bundle, "generated")
    assert fresh != fhir.generate(seed=5, n_patients=23)


def _first(bundle, kind):
    return next(e for e in bundle["entry"] if e["resource"]["resourceType"] == kind)


def _broken(bundle):
    """(how it was broken, the message expected) for a series of invalid bundles."""
    cases = [([bundle], "expected a JSON object")]

    def case(change, expected):
        copy_ = copy.deepcopy(bundle)
        change(copy_)
        cases.append((copy_, expected))

    case(lambda b: b.update(resourceType="Patient"), "not 'Bundle'")
    case(lambda b: b.update(type="pile"), "not a FHIR Bundle type")
    case(lambda b: b.pop("entry"), "'entry' list is missing")
    case(lambda b: b["entry"][3].pop("resource"), r"entry 3: has no 'resource'")
    case(lambda b: b["entry"][0]["resource"].pop("id"), "lacks a resourceType or an id")
    case(lambda b: b["entry"].append(copy.deepcopy(b["entry"][0])), "appears twice")
    case(lambda b: b["entry"].remove(_first(b, "Patient")), "Patient/.* points to no resource")
    case(lambda b: _first(b, "Observation")["resource"]["subject"].update(reference="H1"), "not of the form")
    case(lambda b: _first(b, "Observation")["resource"]["valueQuantity"].pop("system"), "UCUM")
    case(lambda b: _first(b, "Condition")["resource"]["code"]["coding"][0].update(system="x"), "ICD-10")
    case(lambda b: b.update(type="transaction"), "needs a 'request'")
    return cases


def test_invalid_bundles_raise_errors_naming_the_source_and_the_problem(bundles):
    for bad, expected in _broken(bundles[0]):
        with pytest.raises(DatasetError, match="bundle-01.json") as error:
            fhir.validate_bundle(bad, "bundle-01.json")
        assert re.search(expected, str(error.value)), (expected, str(error.value))


def test_a_bad_file_is_named_when_read(tmp_path, bundles):
    broken = tmp_path / "broken.json"
    broken.write_text(fhir.dumps(bundles[0])[:300])
    with pytest.raises(DatasetError, match=r"broken\.json.*not valid JSON"):
        fhir.read(broken)
    invalid = tmp_path / "invalid.json"
    bad = copy.deepcopy(bundles[0])
    bad["entry"].remove(_first(bad, "Patient"))
    invalid.write_text(fhir.dumps(bad))
    with pytest.raises(DatasetError, match=r"invalid\.json.*points to no resource"):
        fhir.read(invalid)
