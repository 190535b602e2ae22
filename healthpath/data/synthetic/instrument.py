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
    """Move the tip to the target; the reward is minus the distance to it, minus a penalty for entering.

    Episode (drawn at each reset): tip start x ~ U(1, 2), y ~ U(3, 7) cm; target x ~ U(8, 9),
    y ~ U(3, 7) cm; a circular no-go region (a vessel with its safety margin) of radius ~ U(1, 1.8) cm
    centred on the start-target line at a fraction U(0.35, 0.65) of the way, shifted sideways by
    U(-1.2, 1.2) radii, so that it blocks the straight line in most episodes.
    Action: a velocity command in [-1, 1]^2, a fraction of the speed limit; commands longer than 1
    are scaled back to length 1, so the tip moves at most ``MAX_STEP_CM`` per step.
    Observation: [tip x, tip y, target x, target y, vessel x, vessel y, vessel radius] in cm.
    Reward per step: minus the (straight-line) distance from the tip to the target, minus
    ``VESSEL_PENALTY`` if the step's motion entered the region. Ends at the target (within
    ``TOLERANCE_CM``) or after ``N_STEPS`` steps.
    """

    metadata = {"render_modes": []}

    def __init__(self):
        self.action_space = spaces.Box(low=-1.0, high=1.0, shape=(2,), dtype=np.float32)
        self.observation_space = spaces.Box(
            low=np.zeros(7, dtype=np.float32),
            high=np.full(7, WORKSPACE_CM, dtype=np.float32),
            dtype=np.float32,
        )
        self.start = np.zeros(2)
        self.tip = np.zeros(2)
        self.target = np.zeros(2)
        self.centre = np.zeros(2)
        self.radius = 1.0
        self.step_count = 0

    def _observe(self) -> np.ndarray:
        target, centre = self.target, self.centre
        layout = (float(target[0]), float(target[1]), float(centre[0]), float(centre[1]), self.radius)
        return np.array((float(self.tip[0]), float(self.tip[1]), *layout), dtype=np.float32)

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Draw a new start, target and no-go region; ``info`` describes the layout (see the card)."""
        super().reset(seed=seed)
        rng = self.np_random
        while True:  # redraw the rare layouts that crowd the start, the target or the workspace's edge
            sx, sy = rng.uniform(1, 2), rng.uniform(3, 7)
            tx, ty = rng.uniform(8, 9), rng.uniform(3, 7)
            radius = float(rng.uniform(1.0, 1.8))
            lx, ly = tx - sx, ty - sy
            length = math.sqrt(lx * lx + ly * ly)
            nx, ny = -ly / length, lx / length  # unit normal to the start-target line
            along, sideways = rng.uniform(0.35, 0.65), rng.uniform(-1.2, 1.2) * radius
            cx, cy = sx + along * lx + sideways * nx, sy + along * ly + sideways * ny
            clear = min(math.hypot(sx - cx, sy - cy), math.hypot(tx - cx, ty - cy)) - radius
            room = WORKSPACE_CM / 2 - radius - 0.5
            if clear >= 0.5 and abs(cx - WORKSPACE_CM / 2) <= room and abs(cy - WORKSPACE_CM / 2) <= room:
                break
        start, target, centre = np.array([sx, sy]), np.array([tx, ty]), np.array([cx, cy])
        self.start, self.tip = start, start.copy()
        self.target, self.centre, self.radius = target, centre, radius
        self.step_count = 0
        distance = math.hypot(lx, ly)
        length = path_length(start, target, centre, radius)
        info = {
            "distance_cm": distance,
            "shortest_path_cm": length,
            "blocked": length > distance + 1e-9,
            "straight_line_return": straight_line_return(distance),
        }
        return self._observe(), info

    def step(self, action):
        """Move the tip by ``MAX_STEP_CM`` x ``action`` (its length capped at 1)."""
        command = np.asarray(action, dtype=np.float64)
        ux, uy = (float(command[0]), float(command[1])) if command.shape == (2,) else (math.nan, 0.0)
        if not (math.isfinite(ux) and math.isfinite(uy)):
            raise ValueError(f"action must be two finite numbers (a velocity command), not {action!r}.")
        speed = math.hypot(ux, uy)
        if speed > 1.0:
            ux, uy = ux / speed, uy / speed
        start = self.tip
        x = min(max(float(start[0]) + MAX_STEP_CM * ux, 0.0), WORKSPACE_CM)
        y = min(max(float(start[1]) + MAX_STEP_CM * uy, 0.0), WORKSPACE_CM)
        self.tip = np.array([x, y])
        clearance = segment_clearance(start, self.tip, self.centre, self.radius)
        violation = clearance < -1e-9
        distance = math.hypot(x - float(self.target[0]), y - float(self.target[1]))
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


def _xy(point) -> tuple[float, float]:
    return float(point[0]), float(point[1])


def segment_clearance(a, b, centre, radius: float) -> float:
    """How far the segment a-b stays outside the disc (negative: it enters the disc by that much)."""
    (ax, ay), (bx, by), (cx, cy) = _xy(a), _xy(b), _xy(centre)
    dx, dy = bx - ax, by - ay
    span = dx * dx + dy * dy
    t = 0.0 if span == 0 else min(max(((cx - ax) * dx + (cy - ay) * dy) / span, 0.0), 1.0)
    return math.hypot(ax + t * dx - cx, ay + t * dy - cy) - radius


def _geometry(p, q, centre, radius):
    """Angles of the path from p to q around the disc: (rotation sign, alpha_p, alpha_q, arc angle).

    The arc angle is positive exactly when the segment p-q enters the disc.
    """
    (px, py), (qx, qy), (cx, cy) = _xy(p), _xy(q), _xy(centre)
    dpx, dpy, dqx, dqy = px - cx, py - cy, qx - cx, qy - cy
    rp, rq = max(math.hypot(dpx, dpy), radius), max(math.hypot(dqx, dqy), radius)
    turn = math.atan2(dpx * dqy - dpy * dqx, dpx * dqx + dpy * dqy)  # signed angle p -> q, at the centre
    sign = 1.0 if turn >= 0 else -1.0
    alpha_p, alpha_q = math.acos(radius / rp), math.acos(radius / rq)
    return sign, alpha_p, alpha_q, abs(turn) - alpha_p - alpha_q


def path_length(p, q, centre, radius: float) -> float:
    """Length of the shortest path from p to q that does not enter the open disc (centre, radius).

    Straight when the segment clears the disc; otherwise tangent, arc and tangent. A point inside the
    disc first goes straight out to the nearest point of its edge.
    """
    (px, py), (qx, qy), (cx, cy) = _xy(p), _xy(q), _xy(centre)
    from_centre = math.hypot(px - cx, py - cy)
    extra = max(radius - from_centre, 0.0)  # the way out of the disc, if inside
    _, _, _, arc = _geometry(p, q, centre, radius)
    if arc <= 0:
        if extra == 0:  # the straight segment clears the disc
            return math.hypot(qx - px, qy - py)
        scale = radius / max(from_centre, 1e-12)  # inside: out to the edge, which sees q
        return extra + math.hypot(qx - cx - scale * (px - cx), qy - cy - scale * (py - cy))
    tangents = math.sqrt(max(from_centre**2 - radius**2, 0.0))
    tangents += math.sqrt(max((qx - cx) ** 2 + (qy - cy) ** 2 - radius**2, 0.0))
    return extra + tangents + radius * arc


def point_along_path(p, q, centre, radius: float, distance: float) -> np.ndarray:
    """The point ``distance`` cm along the shortest path from p to q around the disc (q if shorter)."""
    (px, py), (qx, qy), (cx, cy) = _xy(p), _xy(q), _xy(centre)
    sign, alpha_p, alpha_q, arc = _geometry(p, q, centre, radius)

    def towards(ax, ay, bx, by, d):
        gap = math.hypot(bx - ax, by - ay)
        if d >= gap:
            return np.array([bx, by])
        return np.array([ax + d * (bx - ax) / gap, ay + d * (by - ay) / gap])

    if arc <= 0:
        return towards(px, py, qx, qy, distance)
    tangent_p = math.sqrt(max((px - cx) ** 2 + (py - cy) ** 2 - radius**2, 0.0))
    angle_p = math.atan2(py - cy, px - cx) + sign * alpha_p  # where the path from p touches the disc
    if distance <= tangent_p:
        return towards(px, py, cx + radius * math.cos(angle_p), cy + radius * math.sin(angle_p), distance)
    along = distance - tangent_p
    if along <= radius * arc:
        angle = angle_p + sign * along / radius
        return np.array([cx + radius * math.cos(angle), cy + radius * math.sin(angle)])
    angle_q = math.atan2(qy - cy, qx - cx) - sign * alpha_q  # where the path leaves the disc for q
    leave_x, leave_y = cx + radius * math.cos(angle_q), cy + radius * math.sin(angle_q)
    return towards(leave_x, leave_y, qx, qy, along - radius * arc)


def _summed(remaining) -> float:
    """Minus the sum of per-step lower bounds on the distance, up to the step that reaches the target."""
    total = 0.0
    for t in range(1, N_STEPS + 1):
        distance = remaining(t * MAX_STEP_CM)
        total -= distance
        if distance <= TOLERANCE_CM:
            break
    return total


def straight_line_return(distance: float) -> float:
    """The best return of all when nothing is in the way: full speed along the straight line.

    After t steps the tip is at least ``distance - t x MAX_STEP_CM`` from the target, whatever the
    policy, so this is an upper bound on every episode's return, attained by the straight line. When
    the region blocks the line, only a policy that goes through it attains it.
    """
    return _summed(lambda reach: max(distance - reach, 0.0))


def _wrap(angle: float) -> float:
    """The angle in (-pi, pi]."""
    return math.pi - (math.pi - angle) % (2 * math.pi)


def closest_reachable(start, target, centre, radius: float, reach: float) -> float:
    """How close to the target a path of length ``reach`` from ``start`` can end without entering the disc.

    The points such a path can reach are those whose shortest safe path (``path_length``) is at most
    ``reach``. When the straight line is clear for ``reach`` cm the answer is the distance minus
    ``reach``. Otherwise the nearest reachable point lies on the arc of the disc's edge the tip can
    reach, or on the front of the paths that wrap round the disc on either side (tangent, arc, then
    straight on along the tangent for what is left of ``reach``). Along such a front the distance to
    the target is smallest at its ends or where the tangent points at the target (the derivative of
    the front is along the radius), so a handful of candidates gives the exact minimum.
    """
    (sx, sy), (qx, qy), (cx, cy) = _xy(start), _xy(target), _xy(centre)
    if path_length(start, target, centre, radius) <= reach:
        return 0.0
    gap = math.hypot(qx - sx, qy - sy)
    ahead = min(reach, gap) / gap
    if segment_clearance(start, (sx + ahead * (qx - sx), sy + ahead * (qy - sy)), centre, radius) >= 0:
        return gap - reach
    from_centre = math.hypot(sx - cx, sy - cy)
    tangent = math.sqrt(max(from_centre**2 - radius**2, 0.0))
    alpha, facing = math.acos(min(radius / from_centre, 1.0)), math.atan2(sy - cy, sx - cx)
    target_angle, target_from_centre = math.atan2(qy - cy, qx - cx), math.hypot(qx - cx, qy - cy)

    def distance_at(angle: float, straight_on: float = 0.0, sign: float = 1.0) -> float:
        x = cx + radius * math.cos(angle) - sign * straight_on * math.sin(angle)
        y = cy + radius * math.sin(angle) + sign * straight_on * math.cos(angle)
        return math.hypot(x - qx, y - qy)

    # the reachable arc of the edge: |angle - facing| <= half_width
    if reach > tangent:
        half_width = min(alpha + (reach - tangent) / radius, math.pi)
    else:
        cosine = (from_centre**2 + radius**2 - reach**2) / (2 * from_centre * radius)
        half_width = min(alpha, math.acos(min(max(cosine, -1.0), 1.0)))
    if abs(_wrap(target_angle - facing)) <= half_width:
        candidates = [target_from_centre - radius]
    else:
        candidates = [distance_at(facing + half_width), distance_at(facing - half_width)]
    if reach > tangent:  # the fronts: beta radians of arc after the tangent point, then straight on
        beta_max = min((reach - tangent) / radius, math.pi)
        alpha_q = math.acos(min(radius / target_from_centre, 1.0))
        for sign in (1.0, -1.0):
            betas = [0.0, beta_max]
            for leave in (target_angle + alpha_q, target_angle - alpha_q):
                beta = (sign * (leave - facing) - alpha) % (2 * math.pi)
                if beta <= beta_max:
                    betas.append(beta)
            for beta in betas:
                angle = facing + sign * (alpha + beta)
                candidates.append(distance_at(angle, reach - tangent - radius * beta, sign))
    return max(min(candidates), 0.0)


def safe_return_bound(start, target, centre, radius: float) -> float:
    """An upper bound on the return of any policy that never enters the region (no penalty either).

    After t steps a safe policy's tip is at best ``closest_reachable(..., t x MAX_STEP_CM)`` from the
    target; the bound adds minus these distances until they fall within ``TOLERANCE_CM``. The best
    safe policy scores between the scripted ``shortest_path_action`` and this bound.
    """
    return _summed(lambda reach: closest_reachable(start, target, centre, radius, reach))


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

    Returns the return, the task return (minus the distances, without the penalties), the number of
    steps and the number of steps whose motion entered the no-go region.
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
            "the best return with and without the constraint is known.",
            licence="CC0-1.0 (synthetic data, no real patients)",
            returns="gymnasium.Env",
            load=load,
            generate=generate,
        )
    ]


DATASETS = _datasets()
