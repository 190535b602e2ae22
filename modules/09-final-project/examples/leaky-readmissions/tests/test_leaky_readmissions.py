"""Tests of the project's package; `python run.py` runs them after the notebook."""

import pandas as pd
from leaky_readmissions import readmission_label


def test_only_an_emergency_next_admission_within_30_days_counts():
    encounters = pd.DataFrame(
        {
            "patient_id": ["A", "A", "A", "B", "B"],
            "admit_datetime": pd.to_datetime(
                ["2022-01-01", "2022-01-20", "2022-06-01", "2022-01-01", "2022-01-10"]
            ),
            "discharge_datetime": pd.to_datetime(
                ["2022-01-05", "2022-01-25", "2022-06-03", "2022-01-03", "2022-01-12"]
            ),
            "admission_method": ["emergency", "emergency", "emergency", "elective", "planned"],
            "discharge_method": ["discharged", "discharged", "died", "discharged", "discharged"],
        }
    )
    label = readmission_label(encounters)
    assert label.tolist()[:2] == [1.0, 0.0]  # readmitted after 15 days; the next one is 4 months later
    assert pd.isna(label.iloc[2])  # died in hospital: not in the denominator
    assert label.iloc[3] == 0.0  # a planned return is not a readmission
