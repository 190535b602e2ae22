"""ICU-Sepsis: the MDP's arrays, the published baseline returns, and policy evaluation against simulation."""

import dataclasses

import numpy as np
import pytest

from healthpath import data
from healthpath.data import registry, sepsis

PUBLISHED = {"random": 0.78, "clinicians": 0.78, "optimal": 0.88}  # the package README's table
TOLERANCE = 0.005  # the published figures are rounded to 2 decimals


@pytest.fixture(scope="module")
def mdp():
    return data.load("icu_sepsis")


def optimal_policy(mdp, tol=1e-10):
    """Value iteration (the test's own, independent of the lesson's)."""
    values = np.zeros(mdp.n_states)
    for _ in range(5000):
        q = mdp.expected_rewards + mdp.transitions @ values
        new = q.max(axis=1)
        new[list(mdp.terminal_states)] = 0.0
        if np.abs(new - values).max() < tol:
            break
        values = new
    return q.argmax(axis=1), new


def test_arrays_have_the_documented_shapes_and_are_distributions(mdp, offline):
    assert isinstance(mdp, sepsis.SepsisMDP)
    assert (mdp.n_states, mdp.n_actions, mdp.gamma, mdp.terminal_states) == (716, 25, 1.0, (713, 714, 715))
    assert mdp.transitions.shape == mdp.rewards.shape == (716, 25, 716)
    assert mdp.initial.shape == mdp.sofa.shape == (716,) and mdp.clinician_policy.shape == (716, 25)
    for array in (mdp.transitions, mdp.rewards, mdp.initial, mdp.clinician_policy, mdp.sofa):
        assert array.dtype == np.float64 and not array.flags.writeable
    assert (mdp.transitions >= 0).all()
    np.testing.assert_allclose(mdp.transitions.sum(axis=2), 1.0, atol=1e-12)
    np.testing.assert_allclose(mdp.initial.sum(), 1.0, atol=1e-12)
    assert (mdp.initial[713:] == 0).all()
    np.testing.assert_allclose(mdp.clinician_policy[:713].sum(axis=1), 1.0, atol=1e-12)
    assert (mdp.clinician_policy[713:] == 0).all()
    # reward 1 exactly on reaching survival; the terminal states lead to the absorbing one
    assert set(np.unique(mdp.rewards)) == {0.0, 1.0}
    assert (mdp.rewards[:715, :, 714] == 1).all() and mdp.rewards[:, :, :714].sum() == 0
    assert (mdp.transitions[713:, :, 715] == 1).all()
    assert len(mdp.admissible) == 716 and all(len(a) == 25 for a in mdp.admissible[713:])
    assert all(1 <= len(a) <= 25 and set(a) <= set(range(25)) for a in mdp.admissible)
    assert mdp.sofa[:713].min() > 0 and mdp.sofa[:713].max() <= 24 and (mdp.sofa[713:] == 0).all()
    with pytest.raises(dataclasses.FrozenInstanceError):
        mdp.gamma = 0.9


def test_inadmissible_actions_carry_the_mean_of_the_admissible_ones(mdp):
    for s in (0, 2, 100, 500):
        admissible = list(mdp.admissible[s])
        others = [a for a in range(25) if a not in admissible]
        mean = mdp.transitions[s, admissible].mean(axis=0)
        np.testing.assert_allclose(mdp.transitions[s, others], np.broadcast_to(mean, (len(others), 716)),
                                   atol=1e-12)


def test_action_index_is_five_times_the_fluid_level_plus_the_vasopressor_level():
    assert sepsis.action_levels(0) == (0, 0) and sepsis.action_levels(24) == (4, 4)
    assert sepsis.action_levels(5) == (1, 0) and sepsis.action_levels(3) == (0, 3)
    with pytest.raises(ValueError, match="0 to 24"):
        sepsis.action_levels(25)


def test_the_published_baseline_returns_are_reproduced(mdp):
    uniform = np.full((716, 25), 1 / 25)
    values = {"random": mdp.policy_value(uniform), "clinicians": mdp.policy_value(mdp.clinician_policy)}
    policy, optimal_values = optimal_policy(mdp)
    values["optimal"] = mdp.policy_value(policy)
    for name, published in PUBLISHED.items():
        assert abs(values[name] - published) <= TOLERANCE, (name, values[name])
    assert values["optimal"] == pytest.approx(mdp.initial @ optimal_values, abs=1e-8)
    assert values["optimal"] > values["clinicians"] > values["random"]
    np.testing.assert_allclose(mdp.state_values(policy), optimal_values, atol=1e-8)


def test_a_deterministic_policy_and_its_one_hot_form_have_one_value(mdp):
    policy = np.argmax(mdp.clinician_policy, axis=1)
    one_hot = np.eye(25)[policy]
    assert mdp.policy_value(policy) == pytest.approx(mdp.policy_value(one_hot), abs=1e-12)
    assert mdp.policy_value(np.zeros(716, dtype=np.int64)) == pytest.approx(0.782, abs=0.001)
    assert mdp.policy_value(policy, gamma=0.9) < mdp.policy_value(policy)


def test_policy_value_matches_a_simulation_of_the_environment(mdp):
    episodes, rng = 2000, np.random.default_rng(0)
    env = mdp.env()
    returns = np.empty(episodes)
    state, _ = env.reset(seed=0)
    for i in range(episodes):
        total, done = 0.0, False
        while not done:
            action = rng.choice(25, p=mdp.clinician_policy[state])
            state, reward, terminated, truncated, _ = env.step(action)
            total += reward
            done = terminated or truncated
        returns[i] = total
        state, _ = env.reset()
    env.close()
    error = returns.std(ddof=1) / np.sqrt(episodes)
    assert abs(returns.mean() - mdp.policy_value(mdp.clinician_policy)) < 4 * error, (returns.mean(), error)


@pytest.mark.parametrize(("policy", "message"), [
    (np.zeros(716), "integer action indices"),
    (np.full(716, 25), "0-24"),
    (np.zeros((716, 25)), "rows must sum to 1"),
    (np.full((716, 25), np.nan), "finite and non-negative"),
    (np.zeros((713, 25)), "shape"),
])
def test_a_malformed_policy_is_refused_with_the_fix(mdp, policy, message):
    with pytest.raises(ValueError, match=message):
        mdp.policy_value(policy)


def test_a_changed_package_file_is_refused(course_copy):
    manifest = course_copy.root / "SHA256SUMS"
    recorded = registry.recorded_checksums()[sepsis.DYNAMICS]
    manifest.write_text(manifest.read_text().replace(recorded, "0" * 64))
    with pytest.raises(data.ChecksumError, match="dynamics.npz does not match its recorded sha256"):
        data.load("icu_sepsis")


def test_a_truncated_admissible_actions_file_is_refused(tmp_path):
    good = registry.file_of(sepsis.ADMISSIBLE).read_text().splitlines()
    assert len(sepsis.read_admissible(registry.file_of(sepsis.ADMISSIBLE))) == 716
    short = tmp_path / "admissible_actions.txt"
    short.write_text("\n".join(good[:100]) + "\n")
    with pytest.raises(data.DatasetError, match="does not list 716 states' actions"):
        sepsis.read_admissible(short)
    garbled = tmp_path / "garbled.txt"
    garbled.write_text("four one\n")
    with pytest.raises(data.DatasetError, match="could not be parsed"):
        sepsis.read_admissible(garbled)
