"""A Gymnasium environment for dosing a vancomycin-like antibiotic (one-compartment pharmacokinetics)."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
from gymnasium import spaces

ENV_ID = "healthpath/Dosing-v0"
DOSES_MG = (0, 500, 750, 1000, 1250, 1500)
INTERVAL_H = 12.0  # one step = one dosing interval
N_STEPS = 14  # one week of twice-daily decisions
TARGET_MG_L = (10.0, 20.0)  # therapeutic window
TOXIC_MG_L = 25.0
TOXICITY_PENALTY = 2.0
GRID = np.linspace(0, INTERVAL_H, 25)[1:]  # half-hourly concentrations scored in each interval


class DosingEnv(gym.Env):
    """Choose a dose every 12 hours; reward is the share of the interval spent in the window.

    Patient (drawn at each reset): weight ~ U(50, 110) kg, volume V = 0.7 L/kg x weight, creatinine
    clearance ~ U(30, 120) mL/min, drug clearance CL = 0.06 x CrCl L/h, so k = CL / V per hour.
    A dose D mg is a bolus at the start of the interval: C jumps by D / V, then C(t) = C0 exp(-k t).
    Observation: [measured trough concentration (mg/L, 10% assay noise), weight (kg), estimated
    creatinine clearance (mL/min, 15% noise), fraction of the episode elapsed]. Reward per step:
    share of half-hourly points in 10-20 mg/L minus 2 x share above 25 mg/L; at most 1.
    """

    metadata = {"render_modes": []}

    def __init__(self):
        self.action_space = spaces.Discrete(len(DOSES_MG))
        self.observation_space = spaces.Box(
            low=np.array([0, 0, 0, 0], dtype=np.float32),
            high=np.array([200, 200, 300, 1], dtype=np.float32),
            dtype=np.float32,
        )
        self.patient: dict[str, float] = {}
        self.concentration = 0.0
        self.step_count = 0

    def _observe(self) -> np.ndarray:
        measured = self.concentration * (1 + 0.1 * self.np_random.standard_normal())
        return np.array(
            [
                min(max(measured, 0.0), 200.0),
                self.patient["weight_kg"],
                self.patient["crcl_estimate_ml_min"],
                self.step_count / N_STEPS,
            ],
            dtype=np.float32,
        )

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Draw a new patient; the first observation has a concentration of 0."""
        super().reset(seed=seed)
        rng = self.np_random
        weight = float(rng.uniform(50, 110))
        crcl = float(rng.uniform(30, 120))
        self.patient = {
            "weight_kg": weight,
            "crcl_ml_min": crcl,
            "volume_l": 0.7 * weight,
            "k_per_h": 0.06 * crcl / (0.7 * weight),
            "crcl_estimate_ml_min": float(np.clip(crcl * (1 + 0.15 * rng.standard_normal()), 5, 300)),
        }
        self.concentration = 0.0
        self.step_count = 0
        return self._observe(), dict(self.patient)

    def step(self, action):
        """Give ``DOSES_MG[action]`` and advance 12 hours."""
        if not self.action_space.contains(action):
            raise ValueError(f"action must be an integer in 0..{len(DOSES_MG) - 1}, not {action!r}.")
        peak = self.concentration + DOSES_MG[int(action)] / self.patient["volume_l"]
        reward, self.concentration = interval_reward(peak, self.patient["k_per_h"])
        self.step_count += 1
        info = {"dose_mg": DOSES_MG[int(action)], "peak_mg_l": peak, "trough_mg_l": self.concentration}
        return self._observe(), reward, False, self.step_count >= N_STEPS, info


def interval_reward(peak: float, k_per_h: float) -> tuple[float, float]:
    """(reward, trough) of one interval starting at concentration ``peak`` mg/L."""
    levels = peak * np.exp(-k_per_h * GRID)
    in_range = np.mean((levels >= TARGET_MG_L[0]) & (levels <= TARGET_MG_L[1]))
    toxic = np.mean(levels > TOXIC_MG_L)
    return float(in_range - TOXICITY_PENALTY * toxic), float(peak * math.exp(-k_per_h * INTERVAL_H))


def oracle_return(env: DosingEnv) -> float:
    """Play an episode from ``env``'s current state with the greedy policy that knows the patient.

    Each step it picks the dose with the best reward for this interval given the true volume and
    clearance; this is the reference "known good policy" of the card.
    """
    total, done = 0.0, False
    while not done:
        k, volume = env.patient["k_per_h"], env.patient["volume_l"]
        scores = [interval_reward(env.concentration + d / volume, k)[0] for d in DOSES_MG]
        _, reward, terminated, truncated, _ = env.step(int(np.argmax(scores)))
        total += reward
        done = terminated or truncated
    return total


def generate(seed: int = 0) -> DosingEnv:
    """A fresh environment, already reset with ``seed`` (its later resets continue that stream)."""
    env = DosingEnv()
    env.reset(seed=seed)
    return env


def load() -> DosingEnv:
    """A new, un-reset environment (call ``env.reset(seed=...)`` to start)."""
    return DosingEnv()


if ENV_ID not in gym.registry:
    gym.register(
        id=ENV_ID, entry_point="healthpath.data.synthetic.dosing:DosingEnv", max_episode_steps=N_STEPS
    )
