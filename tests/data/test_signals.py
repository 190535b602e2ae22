"""The synthetic vital-signs dataset."""

import numpy as np
import pandas as pd
import pytest

from healthpath.data.registry import datasets_dir
from healthpath.data.synthetic import signals


@pytest.fixture(scope="module")
def made():
    return signals.generate_vitals(0)


def test_vitals_regenerate_byte_for_byte(tmp_path):
    for p in signals.write_vitals(tmp_path):
        committed = datasets_dir() / p.relative_to(tmp_path)
        assert p.read_bytes() == committed.read_bytes(), f"{committed} differs from its regeneration"


def test_load_matches_generate(made):
    loaded = signals.load_vitals()
    for key in ("vitals", "stays"):
        pd.testing.assert_frame_equal(loaded[key], made[key])


def test_deterministic_by_seed():
    a, b, c = (signals.generate_vitals(s, n_stays=5) for s in (3, 3, 4))
    pd.testing.assert_frame_equal(a["vitals"], b["vitals"])
    assert not a["vitals"]["heart_rate"].equals(c["vitals"]["heart_rate"])
    with pytest.raises(ValueError, match="n_stays"):
        signals.generate_vitals(0, n_stays=0)


def test_schema_grid_and_units(made):
    v, stays = made["vitals"], made["stays"]
    assert list(v.columns) == ["stay_id", "patient_id", "time", "charttime", *signals.VITALS, "artefact"]
    assert len(stays) == signals.N_STAYS and stays["patient_id"].nunique() < signals.N_STAYS
    for _, stay in v.groupby("stay_id"):
        assert np.allclose(np.diff(stay["time"]), signals.STEP_H)
        assert (stay["charttime"].diff().dropna() == pd.Timedelta(minutes=15)).all()
        assert stay["time"].iloc[0] == 0 and stay["time"].iloc[-1] <= signals.HOURS
    clean = v[v["artefact"] == ""]
    assert clean["spo2"].between(70, 100).all() and clean["temperature"].dropna().between(34, 41.5).all()
    assert (v.loc[v["artefact"] == "temp_fahrenheit", "temperature"] > 90).all()
    assert (v.loc[v["artefact"] == "spo2_probe_off", "spo2"] < 83).all()
    assert (v.loc[v["artefact"] == "hr_spike", "heart_rate"] >= 165).all()
    hr_missing = v["heart_rate"].isna().mean()
    assert 0.03 < hr_missing < 0.1 and v["sbp"].isna().mean() > hr_missing


def test_events_are_preceded_by_drift(made):
    v = made["vitals"].merge(made["stays"], on=["stay_id", "patient_id"])
    v = v[v["artefact"] == ""]
    events = made["stays"][made["stays"]["event"] == 1]
    assert 0.2 < len(events) / len(made["stays"]) < 0.4
    assert (events["onset_time"] < events["event_time"]).all()
    last = made["vitals"].groupby("stay_id")["time"].max()
    ends = np.floor(events["event_time"].to_numpy() / signals.STEP_H) * signals.STEP_H
    assert np.allclose(last[events["stay_id"]].to_numpy(), ends)
    ev = v[v["event"] == 1]
    before = ev[ev["time"] < ev["onset_time"]].groupby("stay_id")[["heart_rate", "resp_rate", "sbp"]].mean()
    late = ev[ev["time"] > ev["event_time"] - 1].groupby("stay_id")[["heart_rate", "resp_rate", "sbp"]].mean()
    diff = (late - before).dropna()
    assert (diff["heart_rate"] > 0).mean() > 0.9 and (diff["resp_rate"] > 0).mean() > 0.9
    assert (diff["sbp"] < 0).mean() > 0.9
