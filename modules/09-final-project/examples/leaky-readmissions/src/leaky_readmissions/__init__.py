"""Code the notebook of leaky-readmissions reuses (tested in tests/)."""

import pandas as pd

__version__ = "0.1.0"

WINDOW_DAYS = 30


def readmission_label(encounters: pd.DataFrame) -> pd.Series:
    """Whether each admission discharged alive is followed by an emergency readmission within 30 days.

    The NHS Digital indicator's rules (https://digital.nhs.uk/data-and-information/publications/
    statistical/compendium-emergency-readmissions): admissions ending in death are left out (NaN),
    and only the patient's **next** admission counts, when it is an emergency one beginning within
    30 days of the discharge (a planned or elective next admission is not a readmission).
    ``encounters`` needs patient_id, admit_datetime, discharge_datetime, admission_method and
    discharge_method.
    """
    frame = encounters.sort_values(["patient_id", "admit_datetime"])
    following = frame.groupby("patient_id")[["admit_datetime", "admission_method"]].shift(-1)
    gap = following["admit_datetime"] - frame["discharge_datetime"]
    label = (following["admission_method"] == "emergency") & (gap <= pd.Timedelta(days=WINDOW_DAYS))
    label = label.astype(float).where(frame["discharge_method"] != "died")
    return label.reindex(encounters.index)
