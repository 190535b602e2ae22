"""ICU-Sepsis: a tabular Markov decision process of sepsis treatment built from MIMIC-III data.

The MDP (Choudhary, Gupta & Thomas, RLC 2024, https://arxiv.org/abs/2406.05646) ships inside the
``icu-sepsis`` wheel (MIT licence); ``data.load("icu_sepsis")`` reads its arrays, after checking
their sha256, into a :class:`SepsisMDP`. Card: ``datasets/icu_sepsis/README.md``.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from threadpoolctl import threadpool_limits

from healthpath.data.registry import Dataset, DatasetError, verified

DYNAMICS = "_shipped/icu_sepsis/envs/assets/dynamics.npz"
ADMISSIBLE = "_shipped/icu_sepsis/envs/assets/admissible_actions.txt"
ENV_ID = "Sepsis/ICU-Sepsis-v2"
N_STATES, N_ACTIONS, N_LEVELS = 716, 25, 5
DEATH, SURVIVAL, ABSORBING = 713, 714, 715
TERMINAL_STATES = (DEATH, SURVIVAL, ABSORBING)


def action_levels(action: int) -> tuple[int, int]:
    """The (IV fluid level, vasopressor level) of action index ``action``: ``action = 5 * fluid + vaso``.

    Level 0 is none; levels 1-4 are the quartiles of the non-zero doses given in MIMIC-III (4-hourly
    IV fluid input; maximum vasopressor dose), as the package builds them.
    """
    if not 0 <= int(action) < N_ACTIONS:
        raise ValueError(f"action {action!r} is not an action index: use an integer from 0 to 24.")
    return divmod(int(action), N_LEVELS)


@dataclass(frozen=True, eq=False)
class SepsisMDP:
    """The ICU-Sepsis MDP: 716 states (713 patient states, then death, survival, absorbing), 25 actions.

    ``transitions[s, a, s2]`` is P(s2 | s, a); ``rewards[s, a, s2]`` is 1 on reaching survival (714),
    else 0; ``initial`` is the distribution of the first state; ``clinician_policy[s, a]`` the
    clinicians' action frequencies estimated from MIMIC-III (rows of the three terminal states are
    zero: no decision is made there); ``admissible[s]`` the actions taken often enough in state ``s``
    for their own transitions to be estimated (the others carry the mean of the admissible ones);
    ``sofa`` the mean SOFA score of the patients in each state. The arrays are read-only; the discount
    is 1. The action index ``a`` is ``5 * fluid_level + vasopressor_level`` (:func:`action_levels`).
    """

    transitions: np.ndarray
    rewards: np.ndarray
    initial: np.ndarray
    clinician_policy: np.ndarray
    admissible: tuple[tuple[int, ...], ...]
    sofa: np.ndarray
    terminal_states: tuple[int, int, int] = TERMINAL_STATES
    n_states: int = N_STATES
    n_actions: int = N_ACTIONS
    gamma: float = 1.0

    @cached_property
    def expected_rewards(self) -> np.ndarray:
        """r[s, a]: the expected immediate reward of action ``a`` in state ``s`` (read-only, (716, 25))."""
        r = np.einsum("sat,sat->sa", self.transitions, self.rewards)
        r.setflags(write=False)
        return r

    def as_stochastic(self, policy) -> np.ndarray:
        """``policy`` as a (716, 25) array of action probabilities, after checking it.

        A deterministic policy is an integer array of shape (716,) of action indices 0-24; a stochastic
        one a (716, 25) array of non-negative probabilities whose rows sum to 1 for the 713 patient
        states (rows of the terminal states 713-715 are ignored).
        """
        pi = np.asarray(policy)
        if pi.shape == (self.n_states,):
            if not np.issubdtype(pi.dtype, np.integer):
                raise ValueError(
                    f"A deterministic policy must hold integer action indices; it has dtype {pi.dtype}. "
                    "If its values are whole numbers, pass policy.astype(int)."
                )
            patient = pi[:DEATH]
            if patient.min() < 0 or patient.max() >= self.n_actions:
                raise ValueError(
                    "A deterministic policy's action indices must lie in 0-24 (5 * fluid + vaso)."
                )
            out = np.zeros((self.n_states, self.n_actions))
            out[np.arange(DEATH), patient] = 1.0
            return out
        if pi.shape == (self.n_states, self.n_actions):
            if not np.issubdtype(pi.dtype, np.number) or np.issubdtype(pi.dtype, np.complexfloating):
                raise ValueError(
                    f"A stochastic policy must hold real probabilities; it has dtype {pi.dtype}."
                )
            patient = pi[:DEATH].astype(float)
            if not np.isfinite(patient).all() or (patient < 0).any():
                raise ValueError("A stochastic policy's probabilities must be finite and non-negative.")
            sums = patient.sum(axis=1)
            worst = int(np.argmax(np.abs(sums - 1)))
            if abs(sums[worst] - 1) > 1e-6:
                raise ValueError(
                    f"A stochastic policy's rows must sum to 1 for states 0-712; state {worst}'s sums to "
                    f"{sums[worst]:.6g}. Divide each row by its sum."
                )
            out = np.zeros((self.n_states, self.n_actions))
            out[:DEATH] = patient
            return out
        raise ValueError(
            f"A policy is an array of shape ({self.n_states},) of action indices or ({self.n_states}, "
            f"{self.n_actions}) of action probabilities; got shape {pi.shape}."
        )

    def state_values(self, policy, gamma: float = 1.0) -> np.ndarray:
        """V[s]: the exact expected return of ``policy`` from each state (0 in the terminal states).

        Policy evaluation by solving the linear system V = r_pi + gamma * P_pi V over the 713 patient
        states (see :meth:`as_stochastic` for the two forms a policy may take).
        """
        if not 0 < gamma <= 1:
            raise ValueError(f"gamma must lie in (0, 1]; got {gamma!r}.")
        pi = self.as_stochastic(policy)
        p_pi = np.matmul(pi[:DEATH, None, :], self.transitions[:DEATH])[:, 0, :DEATH]
        r_pi = np.einsum("sa,sa->s", pi, self.expected_rewards)[:DEATH]
        system = np.eye(DEATH) - gamma * p_pi
        try:
            # One BLAS thread: on a shared machine a 713 x 713 solve is ten times faster than on two.
            with threadpool_limits(limits=1, user_api="blas"):
                v = np.linalg.solve(system, r_pi)
        except np.linalg.LinAlgError as err:
            raise ValueError(
                "This policy's episodes never end from some state (the linear system is singular); "
                "evaluate it with gamma < 1."
            ) from err
        values = np.zeros(self.n_states)
        values[:DEATH] = v
        return values

    def policy_value(self, policy, gamma: float = 1.0) -> float:
        """The exact expected return of ``policy`` from the initial distribution (the survival
        probability when ``gamma`` is 1). ``policy``: (716,) action indices or (716, 25) probabilities.
        """
        return float(self.initial @ self.state_values(policy, gamma))

    def env(self, **kwargs):
        """The package's Gymnasium environment, ``gymnasium.make("Sepsis/ICU-Sepsis-v2", **kwargs)``.

        Actions are the indices 0-24; ``reset`` returns (state, info) with ``info["admissible_actions"]``
        and ``info["sofa_score"]``; episodes are cut at 500 steps.
        """
        return make_env(**kwargs)


def make_env(**kwargs):
    """``gymnasium.make("Sepsis/ICU-Sepsis-v2", **kwargs)``, importing the package quietly."""
    import gymnasium

    # icu_sepsis also registers itself with the retired gym package, whose import prints a notice.
    with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import icu_sepsis  # noqa: F401 - registers Sepsis/ICU-Sepsis-v2
    return gymnasium.make(ENV_ID, **kwargs)


def read_admissible(file, dataset: str = "icu_sepsis") -> tuple[tuple[int, ...], ...]:
    """The admissible actions per state from the package's ``admissible_actions.txt``."""
    lines = file.read_text().splitlines()
    try:
        counts = [int(n) for n in lines[0].split()]
        actions = tuple(tuple(int(a) for a in line.split()) for line in lines[1 : 1 + len(counts)])
    except (IndexError, ValueError) as err:
        raise DatasetError(f"Dataset {dataset!r}: {file} could not be parsed ({err}).") from err
    if len(counts) != N_STATES or [len(a) for a in actions] != counts:
        raise DatasetError(f"Dataset {dataset!r}: {file} does not list {N_STATES} states' actions.")
    return actions


def load_icu_sepsis() -> SepsisMDP:
    """The ICU-Sepsis MDP as a :class:`SepsisMDP`, from the verified files of the icu-sepsis wheel."""
    dynamics = verified(DYNAMICS, "icu_sepsis")
    admissible = read_admissible(verified(ADMISSIBLE, "icu_sepsis"))
    with np.load(dynamics) as archive:
        arrays = {
            key: np.asarray(archive[key], dtype=np.float64)
            for key in ("tx_mat", "r_mat", "d_0", "expert_policy", "sofa_scores")
        }
    for array in arrays.values():
        array.setflags(write=False)
    if arrays["tx_mat"].shape != (N_STATES, N_ACTIONS, N_STATES):
        raise DatasetError(
            f"Dataset 'icu_sepsis': {dynamics} holds transitions of shape "
            f"{arrays['tx_mat'].shape}, not (716, 25, 716)."
        )
    return SepsisMDP(
        transitions=arrays["tx_mat"],
        rewards=arrays["r_mat"],
        initial=arrays["d_0"],
        clinician_policy=arrays["expert_policy"],
        admissible=admissible,
        sofa=arrays["sofa_scores"],
    )


DATASETS = [
    Dataset(
        name="icu_sepsis",
        kind="real",
        summary="ICU-Sepsis MDP built from MIMIC-III sepsis stays: 716 states, 25 fluid x vasopressor "
        "actions, transitions, clinicians' policy; reward 1 for survival",
        licence="MIT (icu-sepsis package)",
        returns="SepsisMDP (transitions, rewards, initial, clinician_policy, policy_value, env)",
        load=load_icu_sepsis,
        files=(ADMISSIBLE, DYNAMICS),
    ),
]
