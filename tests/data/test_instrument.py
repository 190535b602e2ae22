"""The instrument-reaching environment: its spaces, seeding, safety penalty and known bounds."""

from __future__ import annotations

import re

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from healthpath import data
from healthpath.data.registry import datasets_dir
from healthpath.data.synthetic import instrument

CARD = datasets_dir() / "instrument_reach" / "README.md"


def test_follows_the_gymnasium_api_and_is_registered():
    check_env(instrument.InstrumentReachEnv(), skip_render_check=True)
    env = gym.make(instrument.ENV_ID)
    obs, info = env.reset(seed=0)
    assert env.observation_space.contains(obs) and obs.shape == (7,)
    assert env.action_space.shape == (2,) and np.all(env.action_space.high == 1)
    assert {"distance_cm", "shortest_path_cm", "blocked", "straight_line_return"} <= set(info)
    steps = 0
    while True:
        obs, reward, terminated, truncated, _ = env.step(np.zeros(2, dtype=np.float32))
        steps += 1
        assert env.observation_space.contains(obs) and reward < 0 and not terminated
        if truncated:
            break
    assert steps == instrument.N_STEPS
    assert isinstance(data.load("instrument_reach"), instrument.InstrumentReachEnv)
    with pytest.raises(ValueError, match="action"):
        instrument.generate(0).step(np.array([np.nan, 0.0]))


def test_speed_limit_caps_every_step():
    env = instrument.generate(1)
    start = env.tip.copy()
    _, _, _, _, info = env.step(np.array([1.0, 1.0], dtype=np.float32))
    assert info["speed_limited"]
    assert np.linalg.norm(env.tip - start) == pytest.approx(instrument.MAX_STEP_CM)


def test_is_seedable():
    def rollout(seed):
        env = instrument.generate(seed)
        moves = np.array([[1, 0.2], [0.5, -1], [-0.3, 0.3], [1, 1], [0, -1]], dtype=np.float32)
        return [env.step(a)[:2] for a in moves]

    first = rollout(4)
    assert all(np.array_equal(a[0], b[0]) and a[1] == b[1] for a, b in zip(first, rollout(4)))
    assert not all(np.array_equal(a[0], b[0]) for a, b in zip(first, rollout(5)))


def test_entering_the_no_go_region_is_penalised():
    env = instrument.InstrumentReachEnv()
    for seed in range(50):  # an episode whose straight line crosses the region
        _, info = env.reset(seed=seed)
        if info["blocked"]:
            break
    straight = (env.centre - env.tip) / np.linalg.norm(env.centre - env.tip)
    penalised = []
    for _ in range(instrument.N_STEPS):
        _, reward, _, _, step = env.step(straight.astype(np.float32))
        if step["violation"]:
            assert step["clearance_cm"] < 0
            assert reward == pytest.approx(-step["distance_cm"] - instrument.VESSEL_PENALTY)
            penalised.append(reward)
        else:
            assert reward == pytest.approx(-step["distance_cm"])
        assert step["distance_cm"] == pytest.approx(np.linalg.norm(env.tip - env.target))
    assert len(penalised) >= 2  # every step inside the region is penalised again


def test_shortest_path_between_straight_and_around():
    centre, radius = np.array([5.0, 5.0]), 1.0
    p, q = np.array([2.0, 5.0]), np.array([8.0, 5.0])
    around = 2 * np.sqrt(9 - 1) + radius * (np.pi - 2 * np.arccos(1 / 3))
    assert instrument.path_length(p, q, centre, radius) == pytest.approx(around)
    assert instrument.path_length(p, np.array([2.0, 8.0]), centre, radius) == pytest.approx(3.0)
    halfway = instrument.point_along_path(p, q, centre, radius, around / 2)
    assert halfway == pytest.approx([5.0, 4.0]) or halfway == pytest.approx([5.0, 6.0])
    assert instrument.straight_line_return(0.05) == 0.0
    assert instrument.straight_line_return(1.0) == pytest.approx(-0.5)
    # nothing in the way for 2 cm: 6 - 2 left; blocked: the best is on the edge or the wrapping front
    assert instrument.closest_reachable(p, q, centre, radius, 2.0) == pytest.approx(4.0)
    assert instrument.closest_reachable(p, q, centre, radius, around) == 0.0
    assert 3.0 < instrument.closest_reachable(p, q, centre, radius, 3.0) < 4.0


def test_the_safe_bound_holds_for_safe_paths_and_is_beaten_only_by_entering():
    rng = np.random.default_rng(0)
    env = instrument.InstrumentReachEnv()
    for seed in range(40):
        env.reset(seed=seed)
        layout = (env.start, env.target, env.centre, env.radius)
        tip = env.start.copy()
        for t in range(1, 30):  # a random safe walk that drifts towards the target
            for _ in range(50):
                heading = np.arctan2(*(env.target - tip)[::-1]) + rng.normal(0, 1)
                move = (
                    rng.uniform(0.2, 1)
                    * instrument.MAX_STEP_CM
                    * np.array([np.cos(heading), np.sin(heading)])
                )
                if instrument.segment_clearance(tip, tip + move, env.centre, env.radius) >= 0:
                    tip = tip + move
                    break
            reach = t * instrument.MAX_STEP_CM
            assert np.linalg.norm(tip - env.target) >= instrument.closest_reachable(*layout, reach) - 1e-9
    _, info = env.reset(seed=3)
    assert info["blocked"]
    straight = instrument.play(env, lambda obs: (obs[2:4] - obs[:2]) / instrument.MAX_STEP_CM)
    bound = instrument.safe_return_bound(env.start, env.target, env.centre, env.radius)
    assert straight["violations"] > 0 and straight["task_return"] == pytest.approx(
        info["straight_line_return"]
    )
    assert straight["task_return"] > bound > straight["return"]


def test_card_figures_for_the_bounds_and_the_scripted_policy_are_reproduced():
    card = CARD.read_text(encoding="utf-8")
    stated = [float(v) for v in re.findall(r"\| \*\*(-\d+\.\d+)\*\* \|", card)]
    assert len(stated) == 3, "the card's table of bounds has changed its form"
    straight, bounds, returns, violations, blocked = [], [], [], 0, 0
    env = instrument.InstrumentReachEnv()
    for seed in range(200):
        _, info = env.reset(seed=seed)
        straight.append(info["straight_line_return"])
        bounds.append(instrument.safe_return_bound(env.start, env.target, env.centre, env.radius))
        result = instrument.play(env)
        returns.append(result["return"])
        violations += result["violations"]
        blocked += info["blocked"]
    assert [np.mean(straight), np.mean(bounds), np.mean(returns)] == pytest.approx(stated, abs=0.005)
    assert violations == 0 and f"blocked in {blocked // 2}%" in card
    gaps = np.array(bounds) - np.array(returns)
    assert gaps.min() >= -1e-9  # the scripted policy never beats the bound for safe policies
    assert f"more than {gaps.max():.2f} below" in card and f"({gaps.mean():.2f} on average" in card
    assert np.all(np.array(straight) >= np.array(bounds) - 1e-9)
