"""The synthetic outbreak map: reproducible, outbreaks where the truth says, the Bayes labels a ceiling."""

import filecmp

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import DBSCAN
from sklearn.metrics import adjusted_rand_score

from healthpath.data.registry import datasets_dir
from healthpath.data.synthetic import outbreaks


@pytest.fixture(scope="module")
def committed():
    return outbreaks.load()


def test_load_equals_seed_zero_and_regenerates_byte_for_byte(committed, tmp_path):
    fresh = outbreaks.generate(seed=0)
    for table in outbreaks.TABLES:
        pd.testing.assert_frame_equal(committed[table], fresh[table])
    for written in outbreaks.write(tmp_path, seed=0):
        assert filecmp.cmp(written, datasets_dir() / "outbreaks" / written.name, shallow=False), written.name


def test_a_seed_gives_one_map_and_another_seed_moves_the_outbreaks():
    a, b = outbreaks.generate(seed=5, n_sporadic=300), outbreaks.generate(seed=5, n_sporadic=300)
    pd.testing.assert_frame_equal(a["cases"], b["cases"])
    other = outbreaks.generate(seed=6, n_sporadic=300)["outbreaks"]
    assert (np.hypot(a["outbreaks"]["centre_x_km"] - other["centre_x_km"],
                     a["outbreaks"]["centre_y_km"] - other["centre_y_km"]) > 0.5).all()


@pytest.mark.parametrize("seed, params", [
    (0, {}),
    (11, {"n_sporadic": 400, "outbreak_size": 0.5, "spread": 1.5}),
    (12, {"outbreak_size": 2, "spread": 0.5}),
])
def test_cases_follow_the_outbreak_table(seed, params):
    generated = outbreaks.generate(seed=seed, **params)
    cases, table = generated["cases"], generated["outbreaks"].set_index("outbreak_id")
    size, spread = params.get("outbreak_size", 1), params.get("spread", 1)
    counts = cases["truth_outbreak"].value_counts()
    assert counts[-1] == params.get("n_sporadic", 900)
    assert [counts[k] for k in table.index] == [round(t.n_cases * size) for t in outbreaks.OUTBREAKS]
    assert (table["n_cases"] == counts[table.index]).all()
    assert cases["x_km"].between(0, outbreaks.WIDTH_KM).all()
    assert cases["y_km"].between(0, outbreaks.HEIGHT_KM).all()
    assert cases["case_id"].is_unique and (cases["report_date"] > cases["onset_date"]).all()
    assert cases["report_date"].is_monotonic_increasing
    for k, row in table.iterrows():
        mine = cases[cases["truth_outbreak"] == k]
        assert mine["onset_date"].min() == row.first_onset and mine["onset_date"].max() == row.last_onset
        assert row.sd_km == pytest.approx(outbreaks.OUTBREAKS[k - 1].sd_km * spread)
        xy = mine[["x_km", "y_km"]].to_numpy()
        if row["pattern"] == "round":
            offsets = xy - [row.centre_x_km, row.centre_y_km]
            assert np.abs(offsets.mean(0)).max() < 4 * row.sd_km / np.sqrt(len(xy)) + 0.01
            assert offsets.std(0) == pytest.approx([row.sd_km] * 2, rel=0.35)
        else:  # long and thin, and bent: the meander spreads cases across far more than the band's sd
            minor, major = np.sqrt(np.linalg.eigvalsh(np.cov(xy.T)))
            assert major > 3 * minor and minor > 2 * row.sd_km
            assert row.length_km > outbreaks.RIVER_LENGTH_KM


def test_round_outbreaks_keep_their_documented_distance():
    table = outbreaks.generate(seed=3)["outbreaks"]
    rounds = table[table["pattern"] == "round"].reset_index(drop=True)
    for i in range(len(rounds)):
        for j in range(i + 1, len(rounds)):
            a, b = rounds.iloc[i], rounds.iloc[j]
            gap = np.hypot(a.centre_x_km - b.centre_x_km, a.centre_y_km - b.centre_y_km)
            assert gap > outbreaks.SEPARATION_SD * (a.sd_km + b.sd_km) + outbreaks.GAP_KM


def test_the_bayes_labels_beat_a_tuned_dbscan_and_mostly_agree_with_the_truth(committed):
    cases = committed["cases"]
    truth, bayes = cases["truth_outbreak"], cases["truth_bayes_outbreak"]
    ceiling = adjusted_rand_score(truth, bayes)
    xy = cases[["x_km", "y_km"]].to_numpy()
    best_dbscan = max(adjusted_rand_score(truth, DBSCAN(eps=eps, min_samples=m).fit_predict(xy))
                      for eps in (0.5, 0.7, 0.9) for m in (8, 12))
    assert best_dbscan < ceiling < 1
    assert (bayes == truth)[truth > 0].mean() > 0.9
    assert set(bayes) == set(truth)


@pytest.mark.parametrize("params", [{"n_sporadic": -1}, {"outbreak_size": 0}, {"spread": 3}])
def test_impossible_parameters_are_refused(params):
    with pytest.raises(ValueError, match="n_sporadic >= 0, outbreak_size > 0 and 0.2 <= spread <= 1.5"):
        outbreaks.generate(seed=0, **params)
