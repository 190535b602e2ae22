"""Clinical scores that several lessons and assignments use, each scored as its published source says.

NEWS2, the National Early Warning Score 2: Royal College of Physicians. *National Early Warning
Score (NEWS) 2: Standardising the assessment of acute-illness severity in the NHS.* London: RCP,
2017, <https://www.rcp.ac.uk/improving-care/resources/national-early-warning-score-news-2/>. The
chart (also printed in ``data.card("vitals")``) gives 0-3 points to each of seven parameters; the
clinical response follows from the aggregate and from a **red score**, 3 points in any single
parameter:

===================================  ==========  =====================================
aggregate score                      risk        response (RCP 2017)
===================================  ==========  =====================================
0-4, no single parameter scoring 3   low         ward-based response
a 3 in any single parameter          low-medium  urgent ward-based response
5-6                                  medium      key threshold for urgent response
7 or more                            high        emergency response
===================================  ==========  =====================================

So an urgent review is due at an aggregate of 5 or more **or** a red score.

Scale 1 of SpO2 is used (patients without hypercapnic respiratory failure; scale 2 is for those a
clinician has prescribed a target of 88-92%, and is not implemented here). Supplemental oxygen and
consciousness are scored when the observations hold them (``on_oxygen``, ``consciousness``);
without them the score is a **partial** NEWS2, as if every patient breathed air and was alert.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

NEWS2_SOURCE = "https://www.rcp.ac.uk/improving-care/resources/national-early-warning-score-news-2/"

#: For each measured parameter of NEWS2 (the course's column name): the upper bounds of its bands
#: and the points of each band, the last for values above every bound (RCP 2017). A value
#: up to ``upper_bounds[i]`` (inclusive) scores ``points[i]``, so a temperature of 35.05 °C, between
#: the chart's 35.0 and 35.1, scores as 35.1.
NEWS2_BANDS: Mapping[str, tuple[tuple[float, ...], tuple[int, ...]]] = {
    "resp_rate": ((8, 11, 20, 24), (3, 1, 0, 2, 3)),  # breaths/min: <=8, 9-11, 12-20, 21-24, >=25
    "spo2": ((91, 93, 95), (3, 2, 1, 0)),  # %, scale 1: <=91, 92-93, 94-95, >=96
    "sbp": ((90, 100, 110, 219), (3, 2, 1, 0, 3)),  # mmHg: <=90, 91-100, 101-110, 111-219, >=220
    "heart_rate": ((40, 50, 90, 110, 130), (3, 1, 0, 1, 2, 3)),  # beats/min: <=40, 41-50, ..., >=131
    "temperature": ((35.0, 36.0, 38.0, 39.0), (3, 1, 0, 1, 2)),  # °C: <=35.0, 35.1-36.0, ..., >=39.1
}
#: The five measured parameters, in the order of :data:`NEWS2_BANDS`.
NEWS2_PARAMETERS = list(NEWS2_BANDS)
#: Points for breathing supplemental oxygen (air: 0).
NEWS2_OXYGEN_POINTS = 2
#: ACVPU: alert scores 0; new confusion, voice, pain or unresponsive score 3.
NEWS2_CONSCIOUSNESS_POINTS = {"A": 0, "C": 3, "V": 3, "P": 3, "U": 3}


def _numbers(observations: pd.DataFrame, column: str) -> np.ndarray:
    if column not in observations.columns:
        raise ValueError(f"NEWS2 needs a column {column!r} (one of {NEWS2_PARAMETERS}); the observations "
                         f"have {list(observations.columns)}")
    try:
        values = observations[column].to_numpy(dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"NEWS2: column {column!r} holds values that are not numbers ({error})") from None
    missing = int(np.isnan(values).sum())
    if missing:
        raise ValueError(f"NEWS2: {column!r} is missing in {missing} of {len(values)} rows; a missing "
                         "parameter has no points (a gap is not normal): carry the last reading forward "
                         "or drop those rows first")
    return values


def news2_points(observations: pd.DataFrame) -> pd.DataFrame:
    """The NEWS2 points (int, 0-3) of each parameter of each row of ``observations``.

    ``observations`` is a DataFrame with the columns ``resp_rate`` (breaths/min), ``spo2`` (%,
    scored on scale 1), ``sbp`` (systolic blood pressure, mmHg), ``heart_rate`` (beats/min) and
    ``temperature`` (°C), and optionally ``on_oxygen`` (bool: supplemental oxygen) and
    ``consciousness`` (``"A"``, ``"C"``, ``"V"``, ``"P"`` or ``"U"``). Returns a DataFrame with the
    same index and one int column per parameter present, in the order of :data:`NEWS2_BANDS`, then
    ``on_oxygen`` and ``consciousness`` when given. A missing (NaN) or non-numeric value raises
    ``ValueError`` naming the column: NEWS2 gives no points for a parameter nobody measured.
    """
    if not isinstance(observations, pd.DataFrame):
        raise TypeError(f"news2_points needs a DataFrame of observations, not {type(observations).__name__}")
    points = {}
    for column, (upper_bounds, scores) in NEWS2_BANDS.items():
        values = _numbers(observations, column)
        points[column] = np.select([values <= bound for bound in upper_bounds], scores[:-1], scores[-1])
    if "on_oxygen" in observations.columns:
        oxygen = observations["on_oxygen"]
        if oxygen.isna().any() or not oxygen.isin([True, False]).all():
            raise ValueError("NEWS2: 'on_oxygen' must be True or False in every row (supplemental oxygen)")
        points["on_oxygen"] = np.where(oxygen.astype(bool), NEWS2_OXYGEN_POINTS, 0)
    if "consciousness" in observations.columns:
        levels = observations["consciousness"]
        unknown = sorted(set(map(str, levels[~levels.isin(list(NEWS2_CONSCIOUSNESS_POINTS))])))
        if unknown:
            raise ValueError("NEWS2: 'consciousness' must be one of ACVPU "
                             f"{list(NEWS2_CONSCIOUSNESS_POINTS)}; found {unknown}")
        points["consciousness"] = levels.map(NEWS2_CONSCIOUSNESS_POINTS).to_numpy()
    return pd.DataFrame(points, index=observations.index).astype(int)


def news2(observations: pd.DataFrame) -> pd.DataFrame:
    """NEWS2 of each row of ``observations`` (columns as for :func:`news2_points`), as a DataFrame
    with the same index and the columns:

    - ``aggregate`` (int): the sum of the points of every parameter scored;
    - ``red_score`` (bool): 3 points in at least one single parameter;
    - ``urgent_review`` (bool): an aggregate of 5 or more, or a red score (RCP 2017);
    - ``risk`` (str): ``"high"`` (aggregate 7+), ``"medium"`` (5-6), ``"low-medium"`` (a red score
      with an aggregate below 5) or ``"low"``.

    Without ``on_oxygen`` and ``consciousness`` it is a partial score (air and alert assumed).
    """
    points = news2_points(observations)
    aggregate = points.sum(axis=1).astype(int)
    red_score = (points == 3).any(axis=1)
    risk = np.select([aggregate >= 7, aggregate >= 5, red_score], ["high", "medium", "low-medium"], "low")
    return pd.DataFrame({"aggregate": aggregate, "red_score": red_score,
                         "urgent_review": (aggregate >= 5) | red_score, "risk": risk},
                        index=observations.index)
