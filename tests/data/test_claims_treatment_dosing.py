"""Claims with injected fraud, the treatment-response matrix and the dosing environment."""

from __future__ import annotations

import filecmp
import re

import gymnasium as gym
import numpy as np
import pandas as pd
import pytest
from gymnasium.utils.env_checker import check_env

from healthpath.data.registry import datasets_dir
from healthpath.data.synthetic import claims, dosing, treatment


@pytest.fixture(scope="module")
def claim_frame():
    return claims.load()


def test_claims_load_regenerate_and_differ_by_seed(claim_frame, tmp_path):
    pd.testing.assert_frame_equal(claim_frame, claims.generate(seed=0))
    (written,) = claims.write(tmp_path, seed=0)
    assert filecmp.cmp(written, datasets_dir() / "claims" / "claims.csv", shallow=False)
    other = claims.generate(seed=1, n_members=300)
    again = claims.generate(seed=1, n_members=300)
    pd.testing.assert_frame_equal(other, again)
    assert not other.equals(claims.generate(seed=2, n_members=300))


def test_each_fraud_pattern_is_where_the_truth_says(claim_frame):
    c = claim_frame
    kinds = c["truth_fraud_type"]
    assert set(kinds.dropna()) == {"upcoding", "phantom_billing", "duplicate_claim", "impossible_volume"}
    assert (c["truth_is_fraud"] == kinds.notna()).all()
    phantom = c["service_date"] > c["member_date_of_death"]
    assert (kinds[phantom & (kinds != "duplicate_claim")] == "phantom_billing").all()
    assert phantom[kinds == "phantom_billing"].all()
    minutes = c["service_code"].map(lambda code: claims.SERVICES[code][2]) * c["units"]
    per_day = minutes.groupby([c["provider_id"], c["service_date"]]).transform("sum")
    assert (per_day[kinds == "impossible_volume"] > 24 * 60).all()
    legitimate = c[kinds.isna()]
    assert (minutes[legitimate.index].groupby([legitimate["provider_id"], legitimate["service_date"]]).sum()
            < 24 * 60).all()
    same = ["provider_id", "member_id", "service_date", "service_code", "units", "icd10_code"]
    repeated = c.duplicated(same, keep="first")
    assert repeated[kinds == "duplicate_claim"].all()
    high = c["service_code"].isin(["OV4", "OV5"])
    gp = c[c["provider_specialty"] == "general practice"]
    share = high[gp.index].groupby(gp["provider_id"]).mean()
    upcoders = set(c.loc[kinds == "upcoding", "provider_id"])
    assert len(upcoders) == 3 and share[list(upcoders)].min() > share.drop(list(upcoders)).median()
    price = c["service_code"].map(lambda code: claims.SERVICES[code][3]) * c["units"]
    ratio = c["billed_amount_usd"] / price
    assert (ratio[c["truth_is_outlier"]] > 3).all() and (ratio[~c["truth_is_outlier"]] < 1.5).all()


def test_treatment_matrix_is_low_rank_mostly_missing_and_matches_truth(tmp_path):
    data = treatment.load()
    fresh = treatment.generate(seed=0)
    for name in treatment.TABLES:
        pd.testing.assert_frame_equal(data[name], fresh[name])
    for written in treatment.write(tmp_path, seed=0):
        assert filecmp.cmp(written, datasets_dir() / written.relative_to(tmp_path), shallow=False)
    truth = data["truth"].set_index("patient_id").to_numpy()
    observed = data["responses"].set_index("patient_id").to_numpy()
    assert truth.shape == (300, 12) and not np.isnan(truth).any()
    assert 0.1 < np.isfinite(observed).mean() < 0.3
    singular = np.linalg.svd(truth - truth.mean(), compute_uv=False)
    assert singular[5] < 0.01 * singular[0]  # rank 3 plus two offsets, up to the 0.1 rounding
    residual = (observed - truth)[np.isfinite(observed)]
    assert residual.std() == pytest.approx(treatment.NOISE_SD, rel=0.1)
    assert truth[np.isfinite(observed)].mean() > truth[~np.isfinite(observed)].mean() + 1  # MNAR


def test_dosing_env_follows_the_gymnasium_api():
    check_env(dosing.DosingEnv(), skip_render_check=True)
    env = gym.make(dosing.ENV_ID)
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    steps = 0
    while True:
        obs, reward, terminated, truncated, _ = env.step(2)
        steps += 1
        assert reward <= 1.0 and not terminated
        if truncated:
            break
    assert steps == dosing.N_STEPS
    with pytest.raises(ValueError, match="action"):
        dosing.generate(0).step(9)


def test_dosing_env_is_seedable():
    def rollout(seed):
        env = dosing.generate(seed)
        return [env.step(a)[:2] for a in (3, 1, 4, 0, 2)]

    first = rollout(4)
    assert all(np.array_equal(a[0], b[0]) and a[1] == b[1] for a, b in zip(first, rollout(4)))
    assert not all(np.array_equal(a[0], b[0]) for a, b in zip(first, rollout(5)))


def test_card_figures_for_the_oracle_policy_are_reproduced():
    card = (datasets_dir() / "dosing_env" / "README.md").read_text(encoding="utf-8")
    stated = float(re.search(r"s = 0\.\.\.199: \*\*(\d+\.\d+)\*\*", card).group(1))
    returns = []
    for seed in range(200):
        env = dosing.DosingEnv()
        env.reset(seed=seed)
        returns.append(dosing.oracle_return(env))
    assert np.mean(returns) == pytest.approx(stated, abs=0.005)
    assert max(returns) <= dosing.N_STEPS
