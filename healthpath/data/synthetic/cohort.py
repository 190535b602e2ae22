"""A synthetic hospital EHR cohort with deliberate mess, a fairness bias and a known readmission risk.

The generative model, the mess and the bias are described in ``datasets/ehr/README.md``; the
constants below are its parameters.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

REFERENCE_DATE = pd.Timestamp("2023-01-01")  # ages are counted at this date
STUDY_START = pd.Timestamp("2021-01-01")
LAST_INDEX_ADMISSION = pd.Timestamp("2023-11-30")
ETHNICITIES = {"White": 0.58, "Asian": 0.18, "Black": 0.13, "Mixed": 0.06, "Other": 0.05}
BIAS_GROUP = "Black"
POSTCODE_AREAS = ("LS", "BD", "WF", "HX", "HD", "HG", "YO", "S")
GIVEN_F = ("Aisha", "Amelia", "Ann", "Beatrice", "Carol", "Chloe", "Deborah", "Elaine", "Fatima", "Grace",
           "Hannah", "Irene", "Jasmine", "Joan", "Karen", "Linda", "Margaret", "Mary", "Nadia", "Olivia",
           "Patricia", "Priya", "Ruth", "Sandra", "Sophie", "Susan", "Valerie", "Yetunde", "Zainab", "Zoe")
GIVEN_M = ("Adam", "Ahmed", "Alan", "Barry", "Brian", "Callum", "Chidi", "David", "Derek", "Edward",
           "Frank", "George", "Harry", "Imran", "Ian", "James", "Kwame", "Liam", "Mark", "Michael",
           "Mohammed", "Neil", "Oliver", "Paul", "Peter", "Raj", "Robert", "Stephen", "Thomas", "William")
FAMILY = ("Adeyemi", "Ahmed", "Akhtar", "Allen", "Bailey", "Baker", "Bennett", "Brown", "Campbell",
          "Carter", "Chen", "Clarke", "Cooper", "Davies", "Edwards", "Evans", "Green", "Hall", "Harris",
          "Hughes", "Hussain", "Jackson", "James", "Johnson", "Jones", "Khan", "King", "Lewis", "Mensah",
          "Mitchell", "Morgan", "Morris", "Okafor", "Owusu", "Parker", "Patel", "Phillips", "Price",
          "Roberts", "Robinson", "Scott", "Shah", "Singh", "Smith", "Taylor", "Thomas", "Thompson",
          "Turner", "Walker", "Ward", "Watson", "White", "Williams", "Wilson", "Wood", "Wright", "Young")

# Chronic conditions: flag -> (ICD-10 code, description, logit intercept, age slope per decade)
CONDITIONS = {
    "has_hypertension": ("I10", "Essential (primary) hypertension", -0.4, 0.5),
    "has_type2_diabetes": ("E11.9", "Type 2 diabetes mellitus without complications", -1.6, 0.3),
    "has_heart_failure": ("I50.9", "Heart failure, unspecified", -2.4, 0.6),
    "has_copd": ("J44.9", "Chronic obstructive pulmonary disease, unspecified", -2.1, 0.4),
    "has_ckd_stage3": ("N18.3", "Chronic kidney disease, stage 3", -2.1, 0.6),
}
# Primary (admitting) diagnoses: code -> (description, ward, base weight, {condition: extra weight})
EMERGENCY_DIAGNOSES = {
    "I50.9": ("Heart failure, unspecified", "Cardiology", 0.1, {"has_heart_failure": 3.0}),
    # WHO ICD-10 2019 (https://icd.who.int/browse10/2019/en#/J44.1); J44.0 is the one "with acute lower
    # respiratory infection".
    "J44.1": ("Chronic obstructive pulmonary disease with acute exacerbation, unspecified", "Respiratory",
              0.05, {"has_copd": 3.0}),
    "E16.2": ("Hypoglycaemia, unspecified", "General Medicine", 0.0, {"has_type2_diabetes": 0.8}),
    "N17.9": ("Acute renal failure, unspecified", "Renal", 0.3, {"has_ckd_stage3": 1.5}),
    "J18.9": ("Pneumonia, unspecified", "Respiratory", 1.5, {}),
    "N39.0": ("Urinary tract infection, site not specified", "General Medicine", 1.2, {}),
    "A41.9": ("Sepsis, unspecified", "General Medicine", 0.6, {}),
    "R07.4": ("Chest pain, unspecified", "Cardiology", 1.0, {"has_hypertension": 0.3}),
    "I48.9": ("Atrial fibrillation and atrial flutter, unspecified", "Cardiology", 0.7, {}),
    "L03.9": ("Cellulitis, unspecified", "General Medicine", 0.6, {"has_type2_diabetes": 0.4}),
    "R55": ("Syncope and collapse", "General Medicine", 0.6, {}),
}
ELECTIVE_DIAGNOSES = {
    "K80.2": ("Calculus of gallbladder without cholecystitis", "Surgery"),
    "K40.9": ("Unilateral or unspecified inguinal hernia, without obstruction or gangrene", "Surgery"),
    "M17.1": ("Other primary gonarthrosis", "Orthopaedics"),
    "M16.1": ("Other primary coxarthrosis", "Orthopaedics"),
}
# Readmission risk model: logit p = sum of these terms (see the card)
RISK = {"intercept": -3.4, "age_per_decade": 0.15, "has_heart_failure": 0.55, "has_copd": 0.35,
        "has_type2_diabetes": 0.25, "has_ckd_stage3": 0.4, "has_hypertension": 0.1, "emergency": 0.35,
        "log_los_days": 0.25, "prior_admissions_12m": 0.35, "log_creatinine_ratio": 0.6,
        "anaemia": 0.3, "most_deprived": 0.25}
# Labs: test -> (SI unit, conventional unit, factor SI->conventional, LOINC SI, LOINC conventional)
LABS = {
    "creatinine": ("umol/L", "mg/dL", 1 / 88.42, "14682-9", "2160-0"),
    "glucose": ("mmol/L", "mg/dL", 18.016, "14749-6", "2345-7"),
    "haemoglobin": ("g/L", "g/dL", 0.1, "718-7", "718-7"),
    "potassium": ("mmol/L", "meq/L", 1.0, "2823-3", "2823-3"),
    "sodium": ("mmol/L", "meq/L", 1.0, "2951-2", "2951-2"),
}
LAB_DECIMALS = {"umol/L": 0, "mg/dL": 2, "mmol/L": 1, "g/L": 0, "g/dL": 1, "meq/L": 1}
LAB_MEASURED = {"creatinine": 0.95, "glucose": 0.7, "haemoglobin": 0.92, "potassium": 0.95, "sodium": 0.95}
BIAS_MEASURED = 0.6  # bias group: probability of each lab is multiplied by this
READMISSION_CAPTURED = {"others": 0.97, "bias_group": 0.6}
# Discharge outcomes (``discharge_outcomes=True``; chosen, see the card). A death's probability is
# sigmoid(intercept + slope x logit(true readmission risk)), so it rises with that risk.
DEATH = {"in_hospital_intercept": -2.1, "after_discharge_intercept": -2.6, "slope": 1.0}
DEATH_KNOWN_AFTER_DISCHARGE = 0.8  # share of deaths after discharge the hospital learns of
# Probability that a discharge is followed by a planned (booked) readmission within 30 days:
# after an elective admission (staged procedure) or after emergency atrial fibrillation
# (planned cardioversion) or chest pain (planned angiography); the planned stay keeps the diagnosis.
PLANNED_READMISSION = {"elective": 0.08, "I48.9": 0.12, "R07.4": 0.12}
PLANNED_DAYS = (3, 28)
# Medications: condition or diagnosis -> (drug, ATC code, dose, dose unit, route, frequency)
MEDICATIONS = {
    "has_heart_failure": [("furosemide", "C03CA01", 40, "mg", "oral", "once daily"),
                          ("bisoprolol", "C07AB07", 2.5, "mg", "oral", "once daily")],
    "has_type2_diabetes": [("metformin", "A10BA02", 500, "mg", "oral", "twice daily")],
    "has_hypertension": [("ramipril", "C09AA05", 5, "mg", "oral", "once daily")],
    "has_copd": [("salbutamol", "R03AC02", 200, "microgram", "inhaled", "four times daily"),
                 ("tiotropium", "R03BB04", 18, "microgram", "inhaled", "once daily")],
    "J18.9": [("amoxicillin", "J01CA04", 500, "mg", "oral", "three times daily")],
    "N39.0": [("nitrofurantoin", "J01XE01", 50, "mg", "oral", "four times daily")],
    "A41.9": [("piperacillin and tazobactam", "J01CR05", 4.5, "g", "intravenous", "three times daily")],
    "L03.9": [("flucloxacillin", "J01CF05", 1, "g", "oral", "four times daily")],
    "I48.9": [("apixaban", "B01AF02", 5, "mg", "oral", "twice daily")],
}
VTE_PROPHYLAXIS = ("enoxaparin", "B01AB05", 40, "mg", "subcutaneous", "once daily")
# Mess at messiness=1: share of rows (at least one row each whenever messiness > 0)
MESS = {"near_duplicate_patient": 0.02, "sex_typo": 0.05, "negative_age": 0.005, "ward_typo": 0.03,
        "encounter_type_typo": 0.03, "zero_heart_rate": 0.01, "discharge_before_admit": 0.01,
        "unit_mislabel": 0.005, "duplicate_encounter": 0.02, "duplicate_lab": 0.01}
MISSING = {"ethnicity": 0.04, "postcode_area": 0.03, "deprivation_base": 0.02, "deprivation_q1": 0.15,
           "deprivation_q2": 0.06, "vitals_emergency": 0.03, "vitals_elective": 0.20}
SEX_TYPOS = {"F": ("Femal", "female", "f", "F "), "M": ("male", "M ", "m", "Male")}
WARD_TYPOS = {"Cardiology": "Cardiolgy", "Respiratory": "Respiratry", "General Medicine": "General Med",
              "Renal": "Renal ", "Elderly Care": "Elderly care", "Surgery": "Surgey",
              "Orthopaedics": "Orthopedics"}
TYPE_TYPOS = {"emergency": ("Emergency", "emergancy", "EMERGENCY"), "elective": ("Elective", "electiv")}
TABLES = ("patients", "encounters", "diagnoses", "labs", "medications",
          "truth_patients", "truth_encounters", "truth_labs", "truth_errors")
COLUMN_TYPES = {"truth_errors": {"column": str, "recorded_value": str, "clean_value": str},
                "truth_encounters": {"readmitted_30d_recorded": "boolean"}}
DATE_COLUMNS = {"patients": ("birth_date",), "encounters": ("admit_datetime", "discharge_datetime"),
                "labs": ("collected_datetime",), "truth_patients": ("birth_date",),
                "truth_encounters": ("admit_datetime", "discharge_datetime")}


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _minutes(rng, low_days: float, high_days: float) -> pd.Timedelta:
    """A whole number of minutes from ``low_days`` up to ``high_days`` (``low_days`` when the two
    are less than a minute apart)."""
    low = int(low_days * 1440)
    return pd.Timedelta(minutes=int(rng.integers(low, max(int(high_days * 1440), low + 1))))


def _patients(rng, n: int) -> pd.DataFrame:
    """True patients: demographics and chronic conditions."""
    female = rng.random(n) < 0.52
    age = np.clip(rng.normal(66, 17, n), 18, 99).astype(int)
    birth = REFERENCE_DATE - pd.to_timedelta(age * 365.25 + rng.integers(1, 364, n), unit="D").floor("D")
    ages = np.array([(REFERENCE_DATE.year - b.year) - ((REFERENCE_DATE.month, REFERENCE_DATE.day)
                                                       < (b.month, b.day)) for b in birth])
    ethnicity = rng.choice(list(ETHNICITIES), n, p=list(ETHNICITIES.values()))
    bias = ethnicity == BIAS_GROUP
    quintile = np.where(bias, rng.choice(5, n, p=[0.3, 0.25, 0.2, 0.15, 0.1]), rng.integers(0, 5, n)) + 1
    frame = pd.DataFrame({
        "patient_id": [f"H{v:07d}" for v in rng.choice(10_000_000, n, replace=False)],
        "given_name": np.where(female, rng.choice(GIVEN_F, n), rng.choice(GIVEN_M, n)),
        "family_name": rng.choice(FAMILY, n),
        "sex": np.where(female, "F", "M"),
        "birth_date": birth,
        "age_years": ages,
        "age_band": pd.cut(ages, [0, 39, 59, 79, 200], labels=["18-39", "40-59", "60-79", "80+"]).astype(str),
        "ethnicity": ethnicity,
        "deprivation_quintile": quintile,
        "postcode_area": rng.choice(POSTCODE_AREAS, n),
    })
    decades = (ages - 65) / 10
    for flag, (_, _, intercept, slope) in CONDITIONS.items():
        logit = intercept + slope * decades + 0.3 * (quintile <= 2)
        if flag == "has_type2_diabetes":
            logit = logit + 0.6 * np.isin(ethnicity, ["Asian", "Black"])
        if flag == "has_ckd_stage3":
            logit = logit + 0.5 * frame.get("has_type2_diabetes", 0)
        frame[flag] = rng.random(n) < _sigmoid(logit)
    return frame


def _risk(patient, emergency: bool, los_days: float, prior: int, creatinine: float, haemoglobin: float):
    """The true probability of an emergency readmission within 30 days of discharge."""
    logit = (RISK["intercept"] + RISK["age_per_decade"] * (patient["age_years"] - 65) / 10
             + sum(RISK[flag] * bool(patient[flag]) for flag in CONDITIONS)
             + RISK["emergency"] * emergency + RISK["log_los_days"] * math.log(los_days)
             + RISK["prior_admissions_12m"] * min(prior, 3)
             + RISK["log_creatinine_ratio"] * math.log(creatinine / 80)
             + RISK["anaemia"] * (haemoglobin < 110)
             + RISK["most_deprived"] * (patient["deprivation_quintile"] == 1))
    return 1 / (1 + math.exp(-logit))


def _primary_diagnosis(rng, patient, emergency: bool) -> str:
    if not emergency:
        return str(rng.choice(list(ELECTIVE_DIAGNOSES)))
    codes = list(EMERGENCY_DIAGNOSES)
    weights = np.array([base + sum(w * bool(patient[c]) for c, w in extra.items())
                        for _, _, base, extra in EMERGENCY_DIAGNOSES.values()])
    return str(rng.choice(codes, p=weights / weights.sum()))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _encounters(rng, patients: pd.DataFrame, bias: bool, outcomes: bool = False):
    """Every true admission of every patient, with its true lab panel, risk and outcome.

    With ``outcomes`` an admission can end in death, a discharged patient can die within 30 days
    (competing with readmission) and a discharge can be followed by a planned readmission; these
    draws happen only then, so without it the cohort is the same draw for draw.
    """
    encounters, labs, deaths = [], [], {}
    for patient in patients.itertuples(index=False):
        p = patient._asdict()
        admit = STUDY_START + _minutes(rng, 0, 700)
        history: list[pd.Timestamp] = []
        readmission = planned = False
        burden = sum(bool(p[flag]) for flag in CONDITIONS)
        while True:
            if planned:
                emergency = False  # code and ward are those of the admission it follows
            else:
                emergency = readmission or rng.random() < 0.72
                code = _primary_diagnosis(rng, p, emergency)
                ward = (EMERGENCY_DIAGNOSES[code][1] if emergency else ELECTIVE_DIAGNOSES[code][1])
            if emergency and p["age_years"] >= 80 and ward == "General Medicine":
                ward = "Elderly Care"
            los = float(np.clip(rng.lognormal(math.log(3.5 if emergency else 1.8)
                                              + 0.1 * (p["age_years"] - 65) / 10, 0.7), 0.2, 60))
            discharge = admit + pd.Timedelta(minutes=round(los * 1440))
            lab = {
                "creatinine": float(np.exp(rng.normal(math.log(80 + 75 * p["has_ckd_stage3"])
                                                      + 0.1 * (p["sex"] == "M") + 0.4 * (code == "N17.9"),
                                                      0.22))),
                "glucose": float(np.exp(rng.normal(math.log(9.0 if p["has_type2_diabetes"] else 5.6), 0.3))),
                "haemoglobin": float(rng.normal(138 - 10 * (p["sex"] == "F") - 15 * p["has_ckd_stage3"], 14)),
                "potassium": float(rng.normal(4.3 + 0.3 * p["has_ckd_stage3"], 0.5)),
                "sodium": float(rng.normal(138, 3.5)),
            }
            if code == "E16.2":
                lab["glucose"] = float(rng.uniform(1.5, 3.5))
            prior = sum(admit - t <= pd.Timedelta(days=365) for t in history)
            risk = _risk(p, emergency, los, prior, lab["creatinine"], lab["haemoglobin"])
            died_in_hospital = died_after = False
            if outcomes:
                scale = DEATH["slope"] * _logit(risk)
                died_in_hospital = bool(rng.random() < _sigmoid(DEATH["in_hospital_intercept"] + scale))
                p_after = _sigmoid(DEATH["after_discharge_intercept"] + scale)
                died_after = not died_in_hospital and bool(rng.random() < p_after)
                readmitted = not (died_in_hospital or died_after) and bool(rng.random() < risk)
                risk = (1 - p_after) * risk  # the probability of the label: readmitted before any death
            else:
                readmitted = bool(rng.random() < risk)
            heart_rate = int(np.clip(rng.normal(84 + 10 * emergency, 15), 40, 170))
            systolic = int(np.clip(rng.normal(134 + 4 * p["has_hypertension"], 20), 75, 220))
            recorded = (not readmission) or rng.random() < READMISSION_CAPTURED[
                "bias_group" if bias and p["ethnicity"] == BIAS_GROUP else "others"]
            if died_in_hospital or died_after:
                when = discharge + (_minutes(rng, 0.5, 29.5) if died_after else pd.Timedelta(0))
                known = (died_in_hospital and recorded) or rng.random() < DEATH_KNOWN_AFTER_DISCHARGE
                deaths[p["patient_id"]] = (when, bool(known))
            encounters.append({
                "patient_id": p["patient_id"], "admit_datetime": admit, "discharge_datetime": discharge,
                "encounter_type": "emergency" if emergency else "elective", "ward": ward,
                "primary_icd10": code,
                "heart_rate_bpm": heart_rate, "systolic_bp_mmhg": systolic,
                "prior_admissions_12m": prior, "is_readmission": readmission,
                "readmission_risk": round(risk, 6), "readmitted_30d": readmitted, "recorded": recorded,
                **({"admission_method": "planned" if planned else "emergency" if emergency else "elective",
                    "discharge_method": "died" if died_in_hospital else "discharged",
                    "planned_readmission": planned, "died_in_hospital": died_in_hospital,
                    "died_within_30d": died_after, "index_admission": not died_in_hospital}
                   if outcomes else {}),
            })
            labs.append(lab)
            history.append(admit)
            if died_in_hospital or died_after:
                break
            was_planned, planned = planned, False
            if readmitted:
                admit = discharge + _minutes(rng, 0.5, 29.5)
            elif outcomes and not was_planned and rng.random() < PLANNED_READMISSION.get(
                    "elective" if not emergency else code, 0.0):
                planned = True
                admit = discharge + _minutes(rng, *PLANNED_DAYS)
            elif len(history) < 10 and rng.random() < _sigmoid(-0.8 + 0.35 * burden):
                admit = discharge + _minutes(rng, 31, 31 + rng.exponential(160))
                if admit > LAST_INDEX_ADMISSION:
                    break
            else:
                break
            readmission = readmitted
    frame = pd.DataFrame(encounters).sort_values(["admit_datetime", "patient_id"], kind="stable")
    order = frame.index.to_numpy()
    frame = frame.reset_index(drop=True)
    recorded = frame["recorded"].to_numpy()
    numbers = np.cumsum(recorded)
    frame.insert(0, "encounter_id", [f"E{k:06d}" if r else f"X{i:06d}"
                                     for i, (k, r) in enumerate(zip(numbers, recorded))])
    if outcomes:
        return frame, [labs[i] for i in order], deaths
    return frame, [labs[i] for i in order]


def _recorded_label(encounters: pd.DataFrame) -> pd.Series:
    """1 if the patient's next recorded admission starts within 30 days of this discharge."""
    kept = encounters[encounters["recorded"]].sort_values(["patient_id", "admit_datetime"])
    following = kept.groupby("patient_id")["admit_datetime"].shift(-1)
    label = (following - kept["discharge_datetime"]) <= pd.Timedelta(days=30)
    return label.reindex(encounters.index)


def _labs(rng, encounters: pd.DataFrame, panels: list[dict], patients: pd.DataFrame, bias: bool):
    """The recorded lab rows (mixed units, bias-driven gaps) and the complete true panels."""
    conventional_share = rng.uniform(0.15, 0.45)  # share of encounters sent to the conventional-unit lab
    info = patients.set_index("patient_id")
    recorded_rows, truth_rows = [], []
    for enc, panel in zip(encounters.itertuples(index=False), panels):
        patient = info.loc[enc.patient_id]
        conventional = rng.random() < conventional_share
        for test, value in panel.items():
            si_unit, conv_unit, factor, loinc_si, loinc_conv = LABS[test]
            chance = 0.95 if (test == "glucose" and patient["has_type2_diabetes"]) else LAB_MEASURED[test]
            chance *= (BIAS_MEASURED if bias and patient["ethnicity"] == BIAS_GROUP else 1.0)
            chance *= 0.8 if enc.encounter_type == "elective" else 1.0
            measured = enc.recorded and rng.random() < chance
            lab_id = f"L{len(recorded_rows) + 1:07d}" if measured else None
            truth_rows.append({"encounter_id": enc.encounter_id, "test_name": test,
                               "value_si": round(value, 2), "unit_si": si_unit, "lab_id": lab_id})
            if measured:
                unit = conv_unit if conventional else si_unit
                shown = value * factor if conventional else value
                recorded_rows.append({
                    "lab_id": lab_id, "encounter_id": enc.encounter_id,
                    "collected_datetime": enc.admit_datetime + _minutes(rng, 10 / 1440, 180 / 1440),
                    "loinc_code": loinc_conv if conventional else loinc_si, "test_name": test,
                    "value": round(shown, LAB_DECIMALS[unit]), "unit": unit})
    return pd.DataFrame(recorded_rows), pd.DataFrame(truth_rows)


def _diagnoses_and_medications(rng, encounters: pd.DataFrame, patients: pd.DataFrame):
    """Coded diagnoses (primary, then chronic conditions coded 90% of the time) and medications."""
    info = patients.set_index("patient_id")
    diagnoses, medications = [], []
    for enc in encounters.itertuples(index=False):
        patient = info.loc[enc.patient_id]
        code = enc.primary_icd10
        description = (EMERGENCY_DIAGNOSES.get(code) or ELECTIVE_DIAGNOSES[code])[0]
        codes = [(code, description)] + [
            (icd, text) for flag, (icd, text, _, _) in CONDITIONS.items()
            if patient[flag] and icd != code and rng.random() < 0.9]
        for position, (icd, text) in enumerate(codes, start=1):
            diagnoses.append({"encounter_id": enc.encounter_id, "position": position, "icd10_code": icd,
                              "description": text})
        drugs = [d for key in list(CONDITIONS) + [code] if key in MEDICATIONS
                 and (key == code or patient[key]) for d in MEDICATIONS[key]]
        if rng.random() < 0.7:
            drugs.append(VTE_PROPHYLAXIS)
        for name, atc, dose, unit, route, frequency in drugs:
            medications.append({"encounter_id": enc.encounter_id, "drug_name": name, "atc_code": atc,
                                "dose": float(dose), "dose_unit": unit, "route": route,
                                "frequency": frequency})
    return pd.DataFrame(diagnoses), pd.DataFrame(medications)


def _text(value) -> str | None:
    """A cell value as the text logged in ``truth_errors`` (whole numbers without ``.0``)."""
    if pd.isna(value):
        return None
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _typo(rng, word: str) -> str:
    """``word`` with one keying slip: two letters swapped, one dropped or one doubled."""
    while True:
        i = int(rng.integers(1, len(word) - 1))
        kind = rng.integers(3)
        typo = (word[:i] + word[i + 1] + word[i] + word[i + 2:] if kind == 0
                else word[:i] + word[i + 1:] if kind == 1 else word[:i] + word[i] + word[i:])
        if typo != word:
            return typo


class _Mess:
    """Injects errors into the recorded tables and logs each one with its clean value."""

    def __init__(self, rng, messiness: float, tables: dict[str, pd.DataFrame]):
        self.rng, self.messiness, self.tables, self.log, self.touched = rng, messiness, tables, [], set()
        for frame in tables.values():
            frame["_rid"] = np.arange(len(frame))

    def count(self, share: float, n: int) -> int:
        return min(n, math.ceil(share * self.messiness * n)) if self.messiness > 0 else 0

    def pick(self, table: str, column: str, k: int, eligible=None) -> np.ndarray:
        """``k`` random row positions of ``table`` whose ``column`` is not yet altered."""
        frame = self.tables[table]
        ok = np.ones(len(frame), bool) if eligible is None else np.asarray(eligible, bool)
        ok &= [(table, rid, column) not in self.touched for rid in frame["_rid"]]
        candidates = np.flatnonzero(ok)
        return np.sort(self.rng.choice(candidates, min(k, len(candidates)), replace=False))

    def set(self, table: str, position: int, column: str, value, kind: str) -> None:
        frame = self.tables[table]
        rid = int(frame["_rid"].iat[position])
        clean = frame[column].iat[position]
        frame.iloc[position, frame.columns.get_loc(column)] = value
        self.touched.add((table, rid, column))
        self.log.append({"table": table, "_rid": rid, "column": column, "error_type": kind,
                         "recorded_value": _text(value), "clean_value": _text(clean)})

    def missing(self, table: str, column: str, probability: np.ndarray, kind: str) -> None:
        chosen = self.rng.random(len(probability)) < np.minimum(probability * self.messiness, 0.5)
        chosen &= [(table, rid, column) not in self.touched for rid in self.tables[table]["_rid"]]
        for position in np.flatnonzero(chosen):
            self.set(table, position, column, np.nan, kind)

    def duplicate(self, table: str, share: float) -> None:
        frame = self.tables[table]
        rows = self.rng.choice(len(frame), self.count(share, len(frame)), replace=False)
        copies = frame.iloc[rows].copy()
        copies["_rid"] = np.arange(len(copies)) + frame["_rid"].max() + 1
        order = np.concatenate([np.arange(len(frame)), rows + 0.5])
        combined = pd.concat([frame, copies], ignore_index=True)
        self.tables[table] = combined.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
        for original, rid in zip(frame["_rid"].iloc[rows], copies["_rid"]):
            self.log.append({"table": table, "_rid": int(rid), "column": None,
                             "error_type": "exact_duplicate", "recorded_value": None, "clean_value": None})
            self.log += [{**entry, "_rid": int(rid)} for entry in self.log
                         if entry["table"] == table and entry["_rid"] == original]

    def finish(self) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
        """The messy tables without their row ids, and the error log with row positions."""
        positions = {(table, rid): position for table, frame in self.tables.items()
                     for position, rid in enumerate(frame["_rid"])}
        log = pd.DataFrame(self.log, columns=["table", "_rid", "column", "error_type", "recorded_value",
                                              "clean_value"])
        log.insert(1, "row", [positions[(t, r)] for t, r in zip(log["table"], log["_rid"])])
        log = log.drop(columns="_rid").sort_values(["table", "row", "column"], kind="stable")
        tables = {name: frame.drop(columns="_rid") for name, frame in self.tables.items()}
        return tables, log.reset_index(drop=True)


def _inject(rng, messiness: float, patients, encounters, labs):
    """Add near-duplicate patients, typos, impossible values, missing values and exact duplicates."""
    mess = _Mess(rng, messiness, {"patients": patients, "encounters": encounters, "labs": labs})
    # Near-duplicates: a patient registered twice, the second time with a mistyped name.
    counts = encounters["patient_id"].value_counts()
    several = patients["patient_id"].isin(counts[counts >= 2].index).to_numpy()
    taken = set(patients["patient_id"])
    for position in mess.pick("patients", "patient_id", mess.count(MESS["near_duplicate_patient"],
                                                                   len(patients)), several):
        original = mess.tables["patients"].iloc[[position]].copy()
        old_id = original["patient_id"].iat[0]
        while (new_id := f"H{rng.integers(10_000_000):07d}") in taken:
            pass
        taken.add(new_id)
        name = "family_name" if rng.random() < 0.6 else "given_name"
        original[name] = _typo(rng, original[name].iat[0])
        original["_rid"] = mess.tables["patients"]["_rid"].max() + 1
        mess.tables["patients"] = pd.concat([mess.tables["patients"], original], ignore_index=True)
        mess.set("patients", len(mess.tables["patients"]) - 1, "patient_id", new_id, "near_duplicate")
        theirs = np.flatnonzero(mess.tables["encounters"]["patient_id"].to_numpy() == old_id)
        moved = [p for p in theirs[1:] if rng.random() < 0.5] or [theirs[-1]]
        for row in moved:
            mess.set("encounters", row, "patient_id", new_id, "near_duplicate")
    sexes = mess.tables["patients"]["sex"]
    for position in mess.pick("patients", "sex", mess.count(MESS["sex_typo"], len(sexes))):
        mess.set("patients", position, "sex", str(rng.choice(SEX_TYPOS[sexes.iat[position]])), "typo")
    for position in mess.pick("patients", "age_years", mess.count(MESS["negative_age"], len(sexes))):
        mess.set("patients", position, "age_years", -int(mess.tables["patients"]["age_years"].iat[position]),
                 "impossible_value")
    mess.missing("patients", "ethnicity", np.full(len(sexes), MISSING["ethnicity"]), "missing_mcar")
    mess.missing("patients", "postcode_area", np.full(len(sexes), MISSING["postcode_area"]), "missing_mcar")
    quintile = mess.tables["patients"]["deprivation_quintile"].to_numpy()
    mess.missing("patients", "deprivation_quintile", MISSING["deprivation_base"] + MISSING["deprivation_q1"]
                 * (quintile == 1) + MISSING["deprivation_q2"] * (quintile == 2), "missing_mnar")
    enc = mess.tables["encounters"]
    n = len(enc)
    for position in mess.pick("encounters", "encounter_type", mess.count(MESS["encounter_type_typo"], n)):
        mess.set("encounters", position, "encounter_type",
                 str(rng.choice(TYPE_TYPOS[enc["encounter_type"].iat[position]])), "typo")
    for position in mess.pick("encounters", "ward", mess.count(MESS["ward_typo"], n)):
        ward = enc["ward"].iat[position]
        typo = [ward.lower(), WARD_TYPOS[ward]][int(rng.integers(2))]
        mess.set("encounters", position, "ward", typo, "typo")
    for position in mess.pick("encounters", "heart_rate_bpm", mess.count(MESS["zero_heart_rate"], n)):
        mess.set("encounters", position, "heart_rate_bpm", 0.0, "impossible_value")
    swapped = mess.count(MESS["discharge_before_admit"], n)
    for position in mess.pick("encounters", "discharge_datetime", swapped):
        admit, discharge = enc["admit_datetime"].iat[position], enc["discharge_datetime"].iat[position]
        mess.set("encounters", position, "admit_datetime", discharge, "dates_out_of_order")
        mess.set("encounters", position, "discharge_datetime", admit, "dates_out_of_order")
    elective = (enc["encounter_type"] == "elective").to_numpy()  # recorded type, before the typos above
    vitals = np.where(elective, MISSING["vitals_elective"], MISSING["vitals_emergency"])
    mess.missing("encounters", "heart_rate_bpm", vitals, "missing_mar")
    mess.missing("encounters", "systolic_bp_mmhg", vitals, "missing_mar")
    lab = mess.tables["labs"]
    convertible = lab["test_name"].isin(["creatinine", "glucose", "haemoglobin"]).to_numpy()
    for position in mess.pick("labs", "unit", mess.count(MESS["unit_mislabel"], len(lab)), convertible):
        test, unit = lab["test_name"].iat[position], lab["unit"].iat[position]
        si_unit, conv_unit, _, loinc_si, loinc_conv = LABS[test]
        wrong_unit, wrong_code = (conv_unit, loinc_conv) if unit == si_unit else (si_unit, loinc_si)
        mess.set("labs", position, "unit", wrong_unit, "unit_mislabel")
        if wrong_code != lab["loinc_code"].iat[position]:
            mess.set("labs", position, "loinc_code", wrong_code, "unit_mislabel")
    mess.duplicate("encounters", MESS["duplicate_encounter"])
    mess.duplicate("labs", MESS["duplicate_lab"])
    order = np.argsort(mess.tables["patients"]["patient_id"].to_numpy(), kind="stable")
    mess.tables["patients"] = mess.tables["patients"].iloc[order].reset_index(drop=True)
    return mess.finish()


def generate(seed: int = 0, n_patients: int = 1000, messiness: float = 1.0, bias: bool = True,
             discharge_outcomes: bool = False):
    """A synthetic EHR cohort as a dict of DataFrames: recorded tables plus ``truth_*`` tables.

    ``messiness`` scales every injected error and missing-value rate (0 gives clean tables, 1 the
    documented rates); ``bias=False`` measures labs and records readmissions alike in every group.
    ``discharge_outcomes=True`` adds deaths in hospital, deaths within 30 days of discharge and
    planned readmissions (card section "Discharge outcomes"); off, the cohort is unchanged.
    """
    if n_patients < 1:
        raise ValueError(f"n_patients must be a positive number of patients, not {n_patients}.")
    if messiness < 0:
        raise ValueError(f"messiness must be 0 (clean) or more, not {messiness}.")
    rng = np.random.default_rng(seed)
    truth_patients = _patients(rng, n_patients).sort_values("patient_id", ignore_index=True)
    truth_encounters, panels, *deaths = _encounters(rng, truth_patients, bias, discharge_outcomes)
    if discharge_outcomes:
        died = truth_patients["patient_id"].map(lambda pid: deaths[0].get(pid, (pd.NaT, False)))
        truth_patients["death_datetime"] = pd.to_datetime([when for when, _ in died])
        truth_patients["death_recorded"] = [known for _, known in died]
    recorded = truth_encounters[truth_encounters["recorded"]].reset_index(drop=True)
    truth_encounters["readmitted_30d_recorded"] = _recorded_label(truth_encounters)
    labs, truth_labs = _labs(rng, truth_encounters, panels, truth_patients, bias)
    diagnoses, medications = _diagnoses_and_medications(rng, recorded, truth_patients)
    patients = truth_patients[["patient_id", "given_name", "family_name", "sex", "birth_date", "age_years",
                               "age_band", "ethnicity", "deprivation_quintile", "postcode_area"]].copy()
    patients["deprivation_quintile"] = patients["deprivation_quintile"].astype(float)
    if discharge_outcomes:
        patients["death_date"] = truth_patients["death_datetime"].where(
            truth_patients["death_recorded"]).dt.floor("D")
    extra = ["admission_method", "discharge_method"] if discharge_outcomes else []
    encounters = recorded[["encounter_id", "patient_id", "admit_datetime", "discharge_datetime",
                           "encounter_type", *extra, "ward", "heart_rate_bpm", "systolic_bp_mmhg"]].copy()
    encounters[["heart_rate_bpm", "systolic_bp_mmhg"]] = encounters[["heart_rate_bpm", "systolic_bp_mmhg"]
                                                                    ].astype(float)
    encounters["readmitted_30d"] = recorded["encounter_id"].map(
        truth_encounters.set_index("encounter_id")["readmitted_30d_recorded"]).astype(bool)
    messy, errors = _inject(rng, messiness, patients, encounters, labs)
    truth_encounters["readmitted_30d_recorded"] = truth_encounters["readmitted_30d_recorded"].astype(
        "boolean")
    truth_labs["lab_id"] = truth_labs["lab_id"].fillna(np.nan)
    errors[["column", "recorded_value", "clean_value"]] = errors[["column", "recorded_value", "clean_value"]
                                                                 ].fillna(np.nan)
    return {**messy, "diagnoses": diagnoses, "medications": medications, "truth_patients": truth_patients,
            "truth_encounters": truth_encounters, "truth_labs": truth_labs, "truth_errors": errors}


def expected_auc(probabilities) -> float:
    """The AUC that ranking by the true probabilities achieves on average over outcome draws.

    The ratio of expected concordant (case, non-case) pairs to expected pairs:
    ``sum_{i != j} p_i (1 - p_j) [p_i > p_j] / sum_{i != j} p_i (1 - p_j)``, ties counting one half.
    """
    p = np.sort(np.asarray(probabilities, dtype=float))
    q = 1 - p
    _, starts = np.unique(p, return_index=True)
    p_tied, q_tied, pq_tied = (np.add.reduceat(v, starts) for v in (p, q, p * q))
    q_below = np.cumsum(q_tied) - q_tied
    concordant = p_tied @ q_below + 0.5 * (p_tied @ q_tied - pq_tied.sum())
    return float(concordant / (p.sum() * q.sum() - (p * q).sum()))
