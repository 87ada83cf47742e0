"""Running batched bandits over policy arms on the model: one batched simulation per iteration."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agents.bandit.algorithms import Bandit
from agents.bandit.arms import PolicyArms
from inv_gym.envs.streams import draw_paths
from inv_gym.evaluation import simulate
from inv_gym.params import InventoryParams
from inv_gym.validation import check_int

__all__ = ["BanditRun", "run_bandit"]


@dataclass
class BanditRun:
    """Result of :func:`run_bandit`.

    Attributes:
        arms: the policy arms.
        choices: (iterations, R) arm pulled by each run at each iteration.
        rewards: (iterations, R) reward of each pull.
        estimates: (R, k) final estimates; counts: (R, k) final pull counts.
        per_period: True when rewards are per period (infinite horizon), False
            when per episode (finite horizon).
        horizon, warmup, seed: the episode settings.
        bandit: ``bandit.describe()``.
    """

    arms: PolicyArms
    choices: np.ndarray
    rewards: np.ndarray
    estimates: np.ndarray
    counts: np.ndarray
    per_period: bool
    horizon: int
    warmup: int
    seed: int | None
    bandit: dict[str, Any] = field(default_factory=dict)

    @property
    def pooled_estimates(self) -> np.ndarray:
        """Each arm's mean reward over every pull of every run, (k,) (NaN if never pulled)."""
        sums = np.zeros(self.arms.n_arms)
        n = np.zeros(self.arms.n_arms)
        np.add.at(sums, self.choices.ravel(), self.rewards.ravel())
        np.add.at(n, self.choices.ravel(), 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, sums / np.maximum(n, 1), np.nan)

    @property
    def pulls(self) -> np.ndarray:
        """Pulls of each arm over every run, (k,)."""
        return np.bincount(self.choices.ravel(), minlength=self.arms.n_arms)

    def picks(self) -> np.ndarray:
        """Each run's pick: its most-pulled arm (ties: the higher estimate), (R,)."""
        score = self.counts + 1e-9 * (np.argsort(np.argsort(self.estimates, axis=1), axis=1) + 1) / (
            self.arms.n_arms + 1
        )
        return score.argmax(axis=1)

    def best_arm_index(self) -> int:
        """The arm pulled most often over all runs (ties: the higher pooled estimate)."""
        pulls = self.pulls
        est = np.nan_to_num(self.pooled_estimates, nan=-np.inf)
        order = np.lexsort((est, pulls))
        return int(order[-1])

    def summary(self) -> dict[str, Any]:
        """JSON-friendly: best arm, each arm's estimate and pull count, settings."""
        est = self.pooled_estimates
        pulls = self.pulls
        picks = np.bincount(self.picks(), minlength=self.arms.n_arms)
        arms = []
        for i in range(self.arms.n_arms):
            arms.append(
                {
                    **self.arm_params(i),
                    "estimate": None if not math.isfinite(est[i]) else float(est[i]),
                    "pulls": int(pulls[i]),
                    "picked_by_runs": int(picks[i]),
                }
            )
        return {
            "best_arm": self.arm_params(self.best_arm_index()),
            "arms": arms,
            "reward": "per_period" if self.per_period else "per_episode",
            "iterations": int(self.choices.shape[0]),
            "runs": int(self.choices.shape[1]),
            "horizon": self.horizon,
            "warmup": self.warmup,
            "seed": self.seed,
            "bandit": self.bandit,
        }

    def arm_params(self, i: int) -> dict[str, Any]:
        return self.arms.arm(i)


def run_bandit(
    arms: PolicyArms,
    bandit: Bandit,
    params: InventoryParams,
    *,
    iterations: int,
    horizon: int | None = None,
    warmup: int = 0,
    seed: int | None = 0,
    paths: int | None = None,
    crn: bool = False,
    on_iteration: Callable[[int, np.ndarray, np.ndarray], None] | None = None,
) -> BanditRun:
    """Run a batched bandit over policy arms: one batched simulation per iteration.

    Each iteration: every run selects an arm; :meth:`PolicyArms.batch` builds
    ONE policy holding each run's arm; one :func:`~inv_gym.evaluation.simulate`
    call runs one episode per run; each run is updated with its episode's
    reward (minus the cost in unpriced models), per period when the model is
    infinite-horizon and per episode when it is finite-horizon.

    Randomness: the demand and lead times of iteration i come from the i-th
    child of ``SeedSequence(seed)`` (spawned per iteration) and never depend on
    the arms pulled, so bandits compared with one seed see the same demand.
    The bandit's own generator is separate (its ``seed``).

    Args:
        arms: the policy arms (``arms.n_arms == bandit.n_arms``).
        bandit: a batched bandit (``runs=R``); a single bandit is run as R = 1.
        params: the model (``horizon`` gives the episode length by default).
        iterations: pulls per run.
        horizon: measured periods per episode (default ``params.horizon``).
        warmup: periods simulated before measuring (infinite-horizon models only).
        seed: seed of the demand draws.
        paths: distinct demand paths per iteration (default R). Run j uses path
            j % paths, so with R = m * paths, runs j, j + paths, ... share their
            demand (common random numbers between groups of runs, e.g. epsilons).
        crn: common random numbers across arms within an iteration: every run
            (so every arm pulled in that iteration) sees the same path (paths = 1).
        on_iteration: optional callback ``f(i, arms (R,), rewards (R,))``.

    Returns:
        A :class:`BanditRun`.
    """
    if bandit.n_arms != arms.n_arms:
        raise ValueError(f"the bandit has {bandit.n_arms} arms but the grid has {arms.n_arms}")
    iterations = check_int("iterations", iterations, low=1)
    r = bandit._r
    horizon = check_int("horizon", params.horizon if horizon is None else horizon, low=1)
    warmup = check_int("warmup", warmup, low=0)
    total = horizon + warmup
    if params.finite_horizon and total != params.horizon:
        raise ValueError(f"horizon + warmup must equal the model's horizon {params.horizon} for a finite-horizon model")
    if crn:
        paths = 1
    paths = r if paths is None else int(paths)
    if paths < 1 or r % paths:
        raise ValueError(f"paths must divide the number of runs {r}, got {paths}")
    copies = r // paths
    children = np.random.SeedSequence(seed).spawn(int(iterations))
    choices = np.empty((iterations, r), dtype=np.int32)
    rewards = np.empty((iterations, r))
    per_period = not params.finite_horizon
    for i in range(iterations):
        a = np.asarray(bandit.select()).reshape(r)
        policy = arms.batch(a)
        demand, lead = draw_paths(params, children[i], paths, total)
        sums = simulate(policy, params, demand, lead, warmup=warmup, copies=copies)
        rew = sums["reward"] / (horizon if per_period else 1.0)
        bandit.update(a if bandit.runs is not None else a[0], rew if bandit.runs is not None else rew[0])
        choices[i] = a
        rewards[i] = rew
        if on_iteration is not None:
            on_iteration(i, a, rew)
    return BanditRun(
        arms=arms,
        choices=choices,
        rewards=rewards,
        estimates=bandit._estimates().copy(),
        counts=bandit._counts.copy(),
        per_period=per_period,
        horizon=horizon,
        warmup=warmup,
        seed=seed,
        bandit=bandit.describe(),
    )
