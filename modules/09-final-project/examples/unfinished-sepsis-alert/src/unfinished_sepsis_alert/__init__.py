"""Code the notebook of unfinished-sepsis-alert reuses (tested in tests/)."""

import numpy as np
import pandas as pd

__version__ = "0.1.0"


def news2_partial(vitals: pd.DataFrame) -> pd.Series:
    """A partial NEWS2 per reading: respiration rate, SpO2 (scale 1), systolic pressure, pulse and
    temperature, assuming air and alert (the data record neither oxygen nor consciousness).

    Royal College of Physicians. National Early Warning Score (NEWS) 2, 2017,
    https://www.rcp.ac.uk/improving-care/resources/national-early-warning-score-news-2/. A missing
    value scores 0 (as if normal), so the score is a lower bound. Values are read as they are charted
    (whole numbers; temperature to one decimal), so that no value falls between two bands.
    """

    def points(values, bands, decimals=0):
        values = pd.to_numeric(values, errors="coerce").astype(float).round(decimals)
        score = np.zeros(len(values))
        for low, high, value in bands:
            score[((values >= low) & (values <= high)).to_numpy()] = value
        return score

    inf = np.inf
    total = (
        points(vitals["resp_rate"], [(-inf, 8, 3), (9, 11, 1), (21, 24, 2), (25, inf, 3)])
        + points(vitals["spo2"], [(-inf, 91, 3), (92, 93, 2), (94, 95, 1)])
        + points(vitals["sbp"], [(-inf, 90, 3), (91, 100, 2), (101, 110, 1), (220, inf, 3)])
        + points(
            vitals["heart_rate"], [(-inf, 40, 3), (41, 50, 1), (91, 110, 1), (111, 130, 2), (131, inf, 3)]
        )
        + points(
            vitals["temperature"],
            [(-inf, 35.0, 3), (35.1, 36.0, 1), (38.1, 39.0, 1), (39.1, inf, 2)],
            decimals=1,
        )
    )
    return pd.Series(total.astype(int), index=vitals.index, name="news2_partial")
