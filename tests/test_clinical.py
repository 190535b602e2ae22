"""NEWS2 as the Royal College of Physicians publishes it (2017): the bands of each parameter at their
edges, the red score, the aggregate's risk bands, and refusals of what cannot be scored."""

import numpy as np
import pandas as pd
import pytest

from healthpath import clinical

NORMAL = {"resp_rate": 16, "spo2": 97, "sbp": 120, "heart_rate": 70, "temperature": 37.0}


def one(**changes):
    return pd.DataFrame([{**NORMAL, **changes}])


# the chart, band by band, at both edges of every band (RCP 2017, as in datasets/vitals/README.md)
EDGES = {
    "resp_rate": [(8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3)],
    "spo2": [(91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0)],
    "sbp": [(90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3)],
    "heart_rate": [(40, 3), (41, 1), (50, 1), (51, 0), (90, 0), (91, 1), (110, 1), (111, 2), (130, 2),
                   (131, 3)],
    "temperature": [(35.0, 3), (35.1, 1), (36.0, 1), (36.1, 0), (38.0, 0), (38.1, 1), (39.0, 1),
                    (39.1, 2), (41.0, 2)],
}


@pytest.mark.parametrize("parameter, value, points",
                         [(p, v, s) for p, edges in EDGES.items() for v, s in edges])
def test_each_band_of_the_chart_at_its_edges(parameter, value, points):
    scored = clinical.news2_points(one(**{parameter: value}))
    assert scored.loc[0, parameter] == points
    assert scored.drop(columns=parameter).sum(axis=1).item() == 0


def test_points_keep_the_index_and_give_one_int_column_per_parameter():
    frame = pd.DataFrame([NORMAL, {**NORMAL, "spo2": 90}], index=[17, 4])
    scored = clinical.news2_points(frame)
    assert list(scored.columns) == clinical.NEWS2_PARAMETERS
    assert list(scored.index) == [17, 4]
    assert all(dtype.kind == "i" for dtype in scored.dtypes)


def test_a_red_score_calls_for_an_urgent_review_below_an_aggregate_of_5():
    result = clinical.news2(one(spo2=91))  # 3 points in one parameter, aggregate 3
    assert result.loc[0, "aggregate"] == 3
    assert bool(result.loc[0, "red_score"]) and bool(result.loc[0, "urgent_review"])
    assert result.loc[0, "risk"] == "low-medium"


@pytest.mark.parametrize("changes, aggregate, urgent, risk", [
    ({}, 0, False, "low"),
    ({"heart_rate": 95, "resp_rate": 22, "temperature": 38.5}, 4, False, "low"),  # 1 + 2 + 1
    ({"heart_rate": 115, "resp_rate": 22, "temperature": 38.5}, 5, True, "medium"),  # 2 + 2 + 1
    ({"heart_rate": 115, "resp_rate": 22, "temperature": 39.5}, 6, True, "medium"),
    ({"heart_rate": 115, "resp_rate": 22, "temperature": 39.5, "sbp": 105}, 7, True, "high"),
    ({"spo2": 90, "resp_rate": 22}, 5, True, "medium"),  # a red score inside an aggregate of 5
])
def test_aggregate_and_risk_bands(changes, aggregate, urgent, risk):
    result = clinical.news2(one(**changes))
    assert result.loc[0, "aggregate"] == aggregate
    assert bool(result.loc[0, "urgent_review"]) is urgent
    assert result.loc[0, "risk"] == risk


def test_oxygen_and_consciousness_are_scored_when_given():
    frame = pd.DataFrame([{**NORMAL, "on_oxygen": True, "consciousness": "A"},
                          {**NORMAL, "on_oxygen": False, "consciousness": "C"}])
    scored = clinical.news2_points(frame)
    assert list(scored.columns) == [*clinical.NEWS2_PARAMETERS, "on_oxygen", "consciousness"]
    result = clinical.news2(frame)
    assert result["aggregate"].tolist() == [2, 3]
    assert result["red_score"].tolist() == [False, True]  # new confusion alone: a red score
    with pytest.raises(ValueError, match="ACVPU"):
        clinical.news2_points(frame.assign(consciousness=["A", "confused"]))
    with pytest.raises(ValueError, match="on_oxygen"):
        clinical.news2_points(frame.assign(on_oxygen=[True, None]))


def test_a_missing_or_absent_parameter_is_refused_by_name():
    with pytest.raises(ValueError, match="'sbp' is missing in 1 of 2 rows"):
        clinical.news2_points(pd.concat([one(), one(sbp=np.nan)], ignore_index=True))
    with pytest.raises(ValueError, match="needs a column 'temperature'"):
        clinical.news2(one().drop(columns="temperature"))
    with pytest.raises(ValueError, match="'spo2' holds values that are not numbers"):
        clinical.news2_points(one(spo2="97%"))
    with pytest.raises(TypeError, match="DataFrame"):
        clinical.news2_points(NORMAL)


def test_an_empty_frame_gives_an_empty_score():
    result = clinical.news2(one().iloc[:0])
    assert len(result) == 0
    assert list(result.columns) == ["aggregate", "red_score", "urgent_review", "risk"]
