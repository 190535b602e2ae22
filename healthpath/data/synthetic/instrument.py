"""A Gymnasium environment: steer a surgical instrument's tip to a target without entering a no-go region."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
from gymnasium import spaces

ENV_ID = "healthpath/InstrumentReach-v0"
WORKSPACE_CM = 10.0  # the tip moves in the square [0, 10] x [0, 10] cm
MAX_STEP_CM = 0.5  # speed limit: the tip moves at most 0.5 cm per step
N_STEPS = 40
TOLERANCE_CM = 0.1  # the episode ends when the tip is this close to the target
VESSEL_PENALTY = 20.0  # subtracted for every step whose motion enters the no-go region
PLANNING_MARGIN = 1.05  # the scripted policy plans around a disc 5% wider than the no-go region


class InstrumentReachEnv(gym.Env):
    """Move the tip to the target; the reward is minus the distance still to travel.

    Episode (drawn at each reset): tip start x ~ U(1, 2), y ~ U(3, 7) cm; target x ~ U(8, 9),
    y ~ U(3, 7) cm; a circular no-go region (a vessel with its safety margin) of radius ~ U(1, 1.8) cm
    centred on the start-target line at a fraction U(0.35, 0.65) of the way, shifted sideways by
    U(-1.2, 1.2) radii, so that it blocks the straight line in most episodes.
    Action: a velocity command in [-1, 1]^2, a fraction of the speed limit; commands longer than 1
    are scaled back to length 1, so the tip moves at most ``MAX_STEP_CM`` per step.
    Observation: [tip x, tip y, target x, target y, vessel x, vessel y, vessel radius] in cm.
    Reward per step: minus the length of the shortest path from the tip to the target that avoids the
    no-go region (the straight-line distance when nothing is in the way), minus ``VESSEL_PENALTY``
    if the step's motion entered the region. Ends at the target (within ``TOLERANCE_CM``) or after
    ``N_STEPS`` steps.
    """

    metadata = {"render_modes": []}

    def __init__(self):
        self.action_space = spaces.Box(low=-1.0, high=1.0, shape=(2,), dtype=np.float32)
        self.observation_space = spaces.Box(
            low=np.zeros(7, dtype=np.float32),
            high=np.full(7, WORKSPACE_CM, dtype=np.float32),
            dtype=np.float32,
        )
        self.tip = np.zeros(2)
        self.target = np.zeros(2)
        self.centre = np.zeros(2)
        self.radius = 1.0
        self.step_count = 0

    def _observe(self) -> np.ndarray:
        return np.array([*self.tip, *self.target, *self.centre, self.radius], dtype=np.float32)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Draw a new start, target and no-go region; ``info`` gives the episode's known optimum."""
        super().reset(seed=seed)
        rng = self.np_random
        while True:  # redraw the rare layouts whose safe path would leave the workspace
            start = np.array([rng.uniform(1, 2), rng.uniform(3, 7)])
            target = np.array([rng.uniform(8, 9), rng.uniform(3, 7)])
            radius = float(rng.uniform(1.0, 1.8))
            line = target - start
            normal = np.array([-line[1], line[0]]) / np.linalg.norm(line)
            centre = start + rng.uniform(0.35, 0.65) * line + rng.uniform(-1.2, 1.2) * radius * normal
            clear = min(np.linalg.norm(start - centre), np.linalg.norm(target - centre)) - radius
            if clear >= 0.5 and np.all(np.abs(centre - WORKSPACE_CM / 2) <= WORKSPACE_CM / 2 - radius - 0.5):
                break
        self.tip, self.target, self.centre, self.radius = start, target, centre, radius
        self.step_count = 0
        length = path_length(start, target, centre, radius)
        info = {
            "shortest_path_cm": length,
            "blocked": length > float(np.linalg.norm(target - start)) + 1e-9,
            "return_bound": return_bound(length),
        }
        return self._observe(), info

    def step(self, action):
        """Move the tip by ``MAX_STEP_CM`` x ``action`` (its length capped at 1)."""
        command = np.asarray(action, dtype=np.float64)
        if command.shape != (2,) or not np.all(np.isfinite(command)):
            raise ValueError(f"action must be two finite numbers (a velocity command), not {action!r}.")
        speed = float(np.linalg.norm(command))
        if speed > 1.0:
            command = command / speed
        start = self.tip
        self.tip = np.clip(start + MAX_STEP_CM * command, 0.0, WORKSPACE_CM)
        clearance = segment_clearance(start, self.tip, self.centre, self.radius)
        violation = clearance < -1e-9
        distance = path_length(self.tip, self.target, self.centre, self.radius)
        reward = -distance - (VESSEL_PENALTY if violation else 0.0)
        self.step_count += 1
        terminated = distance <= TOLERANCE_CM
        truncated = self.step_count >= N_STEPS and not terminated
        info = {
            "distance_cm": distance,
            "violation": bool(violation),
            "clearance_cm": clearance,
            "speed_limited": speed > 1.0,
        }
        return self._observe(), float(reward), bool(terminated), bool(truncated), info


def segment_clearance(a: np.ndarray, b: np.ndarray, centre: np.ndarray, radius: float) -> float:
    """How far the segment a-b stays outside the disc (negative: it enters the disc by that much)."""
    ab = b - a
    span = float(ab @ ab)
    t = 0.0 if span == 0 else float(np.clip((centre - a) @ ab / span, 0.0, 1.0))
    return float(np.linalg.norm(a + t * ab - centre)) - radius


def _geometry(p, q, centre, radius):
    """Angles of the path from p to q around the disc: (rotation sign, alpha_p, alpha_q, arc angle)."""
    dp, dq = p - centre, q - centre
    rp, rq = max(float(np.linalg.norm(dp)), radius), max(float(np.linalg.norm(dq)), radius)
    turn = math.atan2(dp[0] * dq[1] - dp[1] * dq[0], float(dp @ dq))  # signed angle p -> q, centre
    sign = 1.0 if turn >= 0 else -1.0
    alpha_p, alpha_q = math.acos(radius / rp), math.acos(radius / rq)
    return sign, alpha_p, alpha_q, abs(turn) - alpha_p - alpha_q


def path_length(p: np.ndarray, q: np.ndarray, centre: np.ndarray, radius: float) -> float:
    """Length of the shortest path from p to q that does not enter the open disc (centre, radius).

    Straight when the segment clears the disc; otherwise tangent, arc and tangent. A point inside the
    disc first goes straight out to the nearest point of its edge.
    """
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    extra = max(radius - float(np.linalg.norm(p - centre)), 0.0)  # the way out of the disc, if inside
    _, alpha_p, alpha_q, arc = _geometry(p, q, centre, radius)
    if arc <= 0 and extra == 0:  # the straight segment clears the disc
        return float(np.linalg.norm(q - p))
    tangents = math.sqrt(max(float((p - centre) @ (p - centre)) - radius**2, 0.0))
    tangents += math.sqrt(max(float((q - centre) @ (q - centre)) - radius**2, 0.0))
    if arc <= 0:  # p inside: out to the edge, then straight (the edge point sees q)
        edge = centre + radius * (p - centre) / max(float(np.linalg.norm(p - centre)), 1e-12)
        return extra + float(np.linalg.norm(q - edge))
    return extra + tangents + radius * arc


def point_along_path(p, q, centre, radius, distance):
    """The point ``distance`` cm along the shortest path from p to q around the disc (q if shorter)."""
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    sign, alpha_p, alpha_q, arc = _geometry(p, q, centre, radius)
    if arc <= 0:
        gap = float(np.linalg.norm(q - p))
        return q.copy() if distance >= gap else p + distance * (q - p) / gap
    dp, dq = p - centre, q - centre
    tangent_p = math.sqrt(max(float(dp @ dp) - radius**2, 0.0))
    angle_p = math.atan2(dp[1], dp[0]) + sign * alpha_p  # where the path from p touches the disc
    touch = centre + radius * np.array([math.cos(angle_p), math.sin(angle_p)])
    if distance <= tangent_p:
        return p + distance * (touch - p) / tangent_p
    along = distance - tangent_p
    if along <= radius * arc:
        angle = angle_p + sign * along / radius
        return centre + radius * np.array([math.cos(angle), math.sin(angle)])
    angle_q = math.atan2(dq[1], dq[0]) - sign * alpha_q
    leave = centre + radius * np.array([math.cos(angle_q), math.sin(angle_q)])
    rest = along - radius * arc
    gap = float(np.linalg.norm(q - leave))
    return q.copy() if rest >= gap else leave + rest * (q - leave) / gap


def return_bound(length: float) -> float:
    """Upper bound on an episode's return when the shortest safe path is ``length`` cm long.

    After t steps the tip has moved at most t x ``MAX_STEP_CM`` along any safe path, so its remaining
    safe-path distance is at least ``length - t x MAX_STEP_CM``; the bound adds these minus
    distances until the first step at which they fall within ``TOLERANCE_CM`` (or ``N_STEPS``).
    Following the shortest path at full speed attains it, save for cutting no corner of the disc.
    """
    total = 0.0
    for t in range(1, N_STEPS + 1):
        remaining = max(length - t * MAX_STEP_CM, 0.0)
        total -= remaining
        if remaining <= TOLERANCE_CM:
            break
    return total


def shortest_path_action(observation) -> np.ndarray:
    """The scripted policy: full speed along the shortest path around a disc 5% wider than the region.

    Straight steps along an arc would cut its chords into the region; planning around a slightly
    wider disc keeps every step outside it, at the cost of a path a few millimetres longer.
    """
    obs = np.asarray(observation, dtype=np.float64)
    tip, target, centre, radius = obs[:2], obs[2:4], obs[4:6], float(obs[6]) * PLANNING_MARGIN
    aim = point_along_path(tip, target, centre, radius, MAX_STEP_CM)
    move = (aim - tip) / MAX_STEP_CM
    if path_length(tip, target, centre, radius) > MAX_STEP_CM:  # not the last step: full speed
        move = move / max(float(np.linalg.norm(move)), 1e-12)
    return move.astype(np.float32)


def play(env: InstrumentReachEnv, policy=shortest_path_action, observation=None) -> dict:
    """Play one episode from ``env``'s current state with ``policy(observation) -> action``.

    Returns the return, the task return (minus distances, no penalties), the number of steps and
    the number of steps that entered the no-go region.
    """
    obs = env._observe() if observation is None else observation
    total = task = 0.0
    steps = violations = 0
    done = False
    while not done:
        obs, reward, terminated, truncated, info = env.step(policy(obs))
        total += reward
        task -= info["distance_cm"]
        steps += 1
        violations += info["violation"]
        done = terminated or truncated
    return {"return": total, "task_return": task, "steps": steps, "violations": violations}


def generate(seed: int = 0) -> InstrumentReachEnv:
    """A fresh environment, already reset with ``seed`` (its later resets continue that stream)."""
    env = InstrumentReachEnv()
    env.reset(seed=seed)
    return env


def load() -> InstrumentReachEnv:
    """A new, un-reset environment (call ``env.reset(seed=...)`` to start)."""
    return InstrumentReachEnv()


if ENV_ID not in gym.registry:
    gym.register(
        id=ENV_ID,
        entry_point="healthpath.data.synthetic.instrument:InstrumentReachEnv",
        max_episode_steps=N_STEPS,
    )


def _datasets():
    from healthpath.data.registry import Dataset

    return [
        Dataset(
            name="instrument_reach",
            kind="synthetic",
            summary="Gymnasium environment (healthpath/InstrumentReach-v0): steer a surgical instrument's "
            "tip to a target at a speed limit without entering a no-go region around a vessel; "
            "the optimal return is known.",
            licence="CC0-1.0 (synthetic data, no real patients)",
            returns="gymnasium.Env",
            load=load,
            generate=generate,
        )
    ]


DATASETS = _datasets()
