"""Tests of the project's package; `python run.py` runs them after the notebook."""

import pandas as pd
from unfinished_sepsis_alert import news2_partial


def test_news2_partial_scores_each_band():
    vitals = pd.DataFrame(
        {
            "resp_rate": [16, 22, 26],
            "spo2": [97, 93, 90],
            "sbp": [120, 105, 88],
            "heart_rate": [80, 115, 135],
            "temperature": [37.0, 38.5, 35.0],
        }
    )
    assert news2_partial(vitals).tolist() == [0, 2 + 2 + 1 + 2 + 1, 3 + 3 + 3 + 3 + 3]


def test_a_missing_value_scores_zero():
    vitals = pd.DataFrame(
        {"resp_rate": [None], "spo2": [97], "sbp": [120], "heart_rate": [80], "temperature": [37.0]}
    )
    assert news2_partial(vitals).tolist() == [0]


def test_a_converted_temperature_is_scored_as_charted():
    vitals = pd.DataFrame(
        {
            "resp_rate": [16, 16, 16],
            "spo2": [97, 97, 97],
            "sbp": [120, 120, 120],
            "heart_rate": [80, 80, 80],
            "temperature": [35.03, 36.04, 38.06],  # e.g. from Fahrenheit: 35.0, 36.0 and 38.1 as charted
        }
    )
    assert news2_partial(vitals).tolist() == [3, 1, 1]
