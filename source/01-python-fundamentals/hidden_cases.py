"""Hidden cases of assignment 1, built by the grader from the offering's private seed (never released).

- ``renal review``: the renal team's reviewed creatinine results as their spreadsheet saved them, a
  CSV file's bytes in a European locale (``;`` between fields, decimal commas, day-first dates), with
  hospital numbers that start with 0, a comment holding a ``;`` inside quotes and an empty comment, for
  exercise 14 to read; no labels (the reference reads the same file).
- ``deid slice``: one CT slice with identifying details planted, differently for every seed, at the
  top level and inside sequence items (nested two deep), in private blocks of two vendors (one of them
  inside a sequence item) and next to attributes that must be kept. Its label ``removed`` says, for
  every element of the input at any depth (in the order of ``element_paths``), whether a correct
  de-identification removes it (1) or keeps it (0, emptied, given a new UID or unchanged); the
  kernel never sees it.
"""

import numpy as np
import pydicom

from healthpath import data

# Exercise 7's table (the notebook's cell ex7-actions): PS3.15 Table E.1-1, Basic Profile with the
# Retain Patient Characteristics Option, for CT slices
ACTIONS = {
    # Type 2 attributes: kept, emptied
    "PatientName": "Z", "PatientBirthDate": "Z", "ReferringPhysicianName": "Z", "AccessionNumber": "Z",
    "StudyDate": "Z", "StudyTime": "Z", "StudyID": "Z", "ContentDate": "Z", "ContentTime": "Z",
    # removed
    "PatientAddress": "X", "PatientTelephoneNumbers": "X", "OtherPatientIDs": "X", "OtherPatientNames": "X",
    "OtherPatientIDsSequence": "X", "PatientMotherBirthName": "X", "IssuerOfPatientID": "X",
    "InstitutionName": "X", "InstitutionAddress": "X", "InstitutionalDepartmentName": "X", "StationName": "X",
    "DeviceSerialNumber": "X", "OperatorsName": "X", "PerformingPhysicianName": "X", "StudyDescription": "X",
    "SeriesDescription": "X", "ProtocolName": "X", "ImageComments": "X", "SeriesDate": "X", "SeriesTime": "X",
    "AcquisitionDate": "X", "AcquisitionTime": "X", "RequestAttributesSequence": "X",
    # new UIDs
    "StudyInstanceUID": "U", "SeriesInstanceUID": "U", "SOPInstanceUID": "U", "FrameOfReferenceUID": "U",
    "ReferencedSOPInstanceUID": "U",
    # kept by the Retain Patient Characteristics Option
    "PatientSex": "K", "PatientAge": "K", "PatientSize": "K", "PatientWeight": "K",
}
_FAMILY = ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Brennan", "Haddad", "Kowalski", "Osei", "Varga"]
_GIVEN = ["Amara", "Tomas", "Ines", "Kenji", "Siobhan", "Yusuf", "Marta", "Kwame", "Ilona"]


def element_paths(dataset, prefix=""):
    "Every element of a dataset at any depth, as (path, element), sequence items included (as ex7-tests)."
    found = []
    for element in dataset:
        path = f"{prefix}{element.tag}"
        found.append((path, element))
        if element.VR == "SQ":
            for number, item in enumerate(element.value):
                found += element_paths(item, f"{path}[{number}]/")
    return found


def _removed(dataset, inside_removed=False):
    "For each element of element_paths(dataset): 1 if a correct de-identification removes it."
    flags = []
    for element in dataset:
        gone = inside_removed or element.tag.is_private or ACTIONS.get(element.keyword) == "X"
        flags.append(int(gone))
        if element.VR == "SQ":
            for item in element.value:
                flags += _removed(item, gone)
    return flags


def deid_slice(seed):
    """A CT slice with identifying details planted at random places; labels: which elements go."""
    rng = np.random.default_rng(seed)
    series = data.generate("ct_series", seed=int(rng.integers(1, 1_000_000)), n_slices=4)
    ds = series[int(rng.integers(0, 4))]
    name = f"{rng.choice(_FAMILY)}^{rng.choice(_GIVEN)}"
    other_id = f"RX-{rng.integers(10_000, 99_999)}"
    phone = f"07700 {rng.integers(900_000, 900_999)}"

    # top level: more attributes of the table, some of them only for some seeds
    ds.OtherPatientIDs = other_id
    ds.PatientTelephoneNumbers = phone
    if rng.random() < 0.5:
        ds.PatientMotherBirthName = f"{rng.choice(_FAMILY)}^{rng.choice(_GIVEN)}"
    if rng.random() < 0.5:
        ds.ContentDate = ds.StudyDate  # Z: kept, emptied
        ds.ContentTime = ds.StudyTime
    if rng.random() < 0.5:
        ds.OperatorsName = f"{rng.choice(_FAMILY)}^{rng.choice(_GIVEN)}"
    if rng.random() < 0.5:
        ds.StationName = f"CT{rng.integers(1, 9)}-{rng.choice(['NORTH', 'SOUTH'])}"
    ds.ImageComments = f"scanned for {name.replace('^', ' ')}"
    ds.PatientWeight = f"{rng.integers(45, 120)}"  # K: kept by the Retain Patient Characteristics Option
    ds.PatientSize = f"{rng.uniform(1.5, 1.95):.2f}"
    ds.ConvolutionKernel = str(rng.choice(["STANDARD", "LUNG", "BONE"]))  # not in the table: unchanged

    # removed sequences (X), taking what they hold with them
    other = pydicom.Dataset()
    other.PatientID = other_id
    other.IssuerOfPatientID = "OLD PAS"
    ds.OtherPatientIDsSequence = [other]
    request = pydicom.Dataset()
    request.AccessionNumber = f"ACC-{rng.integers(1_000_000, 9_999_999)}"
    request.RequestedProcedureID = f"CT-{rng.integers(100, 999)}"
    block = request.private_block(0x0031, "RIS NOTES", create=True)
    block.add_new(0x01, "LO", f"booked by phone {phone}")
    ds.RequestAttributesSequence = [request]

    # a kept sequence whose items hold attributes to remove or empty and private elements, one of
    # them nested two deep
    items = []
    for number in range(int(rng.integers(1, 4))):
        procedure = pydicom.Dataset()
        procedure.CodeValue = str(rng.choice(["CTCHEST", "CTCAP", "CTPA"]))
        procedure.CodingSchemeDesignator = "99LOCAL"
        procedure.CodeMeaning = "CT procedure"
        if rng.random() < 0.6:
            procedure.ReferringPhysicianName = f"{rng.choice(_FAMILY)}^{rng.choice(_GIVEN)}^^Dr"
        if number == 0 or rng.random() < 0.5:
            block = procedure.private_block(0x0031, "RIS NOTES", create=True)
            block.add_new(0x01, "LO", f"booked by phone {phone}")
        equivalent = pydicom.Dataset()
        equivalent.CodeValue = f"RPID{rng.integers(10, 99)}"
        equivalent.CodingSchemeDesignator = "RADLEX"
        equivalent.CodeMeaning = "CT chest"
        if number == 0 or rng.random() < 0.5:
            equivalent.InstitutionName = f"{rng.choice(['North', 'South', 'East'])} Imaging Centre"
        procedure.EquivalentCodeSequence = [equivalent]
        items.append(procedure)
    ds.ProcedureCodeSequence = items

    # another vendor's private block, with free text naming the patient
    block = ds.private_block(0x0029, "OTHER VENDOR", create=True)
    block.add_new(0x01, "LO", f"operator note for {name.split('^')[0]} ({other_id})")
    ds.PatientName = name
    return ds, {"removed": np.array(_removed(ds), dtype=float)}


_COMMENTS = ["", "", "rising; repeat in 48 h", "haemolysed sample? repeat", "AKI stage 1", "stable",
             "on ACE inhibitor, review dose", "discussed with GP"]


def renal_review(seed):
    """The bytes of a CSV file saved by a spreadsheet in a European locale; no labels."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(12, 25))
    lines = ["lab_id;hospital_number;collected;creatinine_umol_l;comment"]
    for row in range(n):
        lab_id = f"L{int(rng.integers(1, 99_999)):06d}"
        number = f"{int(rng.integers(0, 99_999 if row in (1, 4) else 9_999_999)):07d}"  # 7 digits, text
        day = int(rng.integers(1, 13)) if row % 2 else int(rng.integers(13, 29))  # ambiguous, then not
        when = f"{day:02d}/{int(rng.integers(1, 13)):02d}/{int(rng.integers(2021, 2024))} " \
               f"{int(rng.integers(0, 24)):02d}:{int(rng.integers(0, 60)):02d}"
        value = f"{rng.uniform(45, 900):.1f}".replace(".", ",")
        comment = str(rng.choice(_COMMENTS))
        if ";" in comment:
            comment = f'"{comment}"'
        lines.append(f"{lab_id};{number};{when};{value};{comment}")
    lines.insert(3, 'L000042;0012345;02/03/2022 09:15;"1234,5";"rising; call renal registrar"')
    return ("\r\n".join(lines) + "\r\n").encode("utf-8"), {}


CASES = {"deid slice": deid_slice, "renal review": renal_review}
