"""Policies for the serial chain (``inv_gym/Serial-v0``) and their evaluation and grid search.

* :class:`EchelonBaseStock`: stage m orders up to the echelon level S_m,
  q_m = clip(S_m - IP_m, 0, max_order), IP_m the echelon inventory position
  (on hand and in transit at stages 1 .. m, minus external backorders, plus
  what stage m + 1 owes m). Optimal with the Clark-Scarf levels
  (:func:`inv_gym.analytic.serial.serial_optimum`).
* :class:`InstallationBaseStock`: stage m orders up to the local level s_m
  from its own position on hand_m + in transit into m + owed to m - owed by m.
* :func:`serial_evaluate`: Monte Carlo cost of a policy (95% CI over
  replications) on the chain kernel.
* :func:`serial_grid_search`: every combination of per-stage levels on common
  random numbers (all policies see the same demand rows), best by mean cost.
* :func:`serial_bandit`: a bandit of :mod:`agents.bandit` whose arms are
  echelon base-stock level vectors; one simulated episode per pull.

Policies act on the env's observation (``act(obs (N, d)) -> orders (N, M)``)
and have stable-baselines3's ``predict``; the evaluator and the search compute
the same orders from the kernel state directly (faster, identical).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from inv_gym.evaluation import Evaluation, MetricCI, mean_ci_rows
from inv_gym.serial import (
    SerialParams,
    serial_installation_position,
    serial_orders_from_levels,
)
from inv_gym.serial.evaluation import (
    MAX_SYSTEM_PERIODS,
    check_serial_run,
    serial_demand_paths,
    serial_simulate,
)
from inv_gym.serial.evaluation import serial_evaluate as _serial_evaluate_kernel

__all__ = [
    "EchelonBaseStock",
    "InstallationBaseStock",
    "SerialSearchResult",
    "serial_evaluate",
    "serial_grid_search",
    "serial_demand_paths",
    "SerialBanditResult",
    "serial_bandit",
    "MAX_SYSTEM_PERIODS",
]


def _installation_orders(
    levels: np.ndarray, position: np.ndarray, max_order: float, out: np.ndarray | None = None
) -> np.ndarray:
    """Installation orders, stage 1 first: q_m = clip(s_m - (IP_m - q_{m-1}), 0, max_order).

    Stage m sees the order its downstream stage has just placed (it joins what m
    owes), so its position is the installation position before ordering minus
    q_{m-1}.
    """
    out = np.empty(position.shape) if out is None else out
    prev = 0.0
    for k in range(position.shape[1]):
        np.clip(np.rint(levels[:, k] - (position[:, k] - prev)), 0.0, max_order, out=out[:, k])
        prev = out[:, k]
    return out


def _levels(name: str, levels: Any, m: int | None = None) -> np.ndarray:
    arr = np.asarray(levels, dtype=np.float64)
    if arr.ndim not in (1, 2) or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be levels >= 0, one per stage (or an (N, M) array), got {levels!r}")
    if np.any(arr != np.round(arr)):
        raise ValueError(f"{name} must be integers, got {levels!r}")
    if m is not None and arr.shape[-1] != m:
        raise ValueError(f"{name} must have one entry per stage (M = {m}), got {arr.shape[-1]}")
    return arr


class _SerialBaseStock:
    """Shared binding, observation decoding and SB3 ``predict``."""

    family = ""
    _echelon = True

    def __init__(
        self, levels: Sequence[float] | np.ndarray, params: SerialParams | None = None, *, obs_scale: bool = False
    ):
        self.levels = _levels("levels", levels)
        self.obs_scale = bool(obs_scale)
        self.params: SerialParams | None = None
        if params is not None:
            self.bind(params)

    def bind(self, params: SerialParams) -> _SerialBaseStock:
        """Bind to the chain's parameters (observation layout, max_order); returns self."""
        _levels("levels", self.levels, params.n_stages)
        self.params = params
        return self

    def _require(self) -> SerialParams:
        if self.params is None:
            raise RuntimeError(f"{type(self).__name__} is not bound to parameters: call .bind(params) first")
        return self.params

    def positions_from_obs(self, obs: np.ndarray) -> np.ndarray:
        """(N, M) inventory positions (echelon or installation) read from observations."""
        p = self._require()
        x = np.asarray(obs, dtype=np.float64)
        x = x[None, :] if x.ndim == 1 else x
        if self.obs_scale:
            x = x * p.obs_scale
        n, m = x.shape[0], p.n_stages
        local = np.empty((n, m))
        owed = np.empty((n, m))
        col = 0
        for k, lt in enumerate(p.lead_times):
            local[:, k] = x[:, col] + x[:, col + 2 : col + 2 + lt].sum(axis=1)
            owed[:, k] = x[:, col + 1]
            col += 2 + lt
        owed_in = np.concatenate([owed[:, 1:], np.zeros((n, 1))], axis=1)
        if self._echelon:
            return np.cumsum(local, axis=1) - owed[:, :1] + owed_in
        return local + owed_in - owed

    def act(self, obs: np.ndarray) -> np.ndarray:
        """Orders (N, M) float64, integers in [0, max_order]."""
        p = self._require()
        pos = self.positions_from_obs(obs)
        if self._echelon:
            return np.clip(np.rint(self.levels - pos), 0.0, p.max_order)
        return _installation_orders(np.broadcast_to(self.levels, pos.shape), pos, p.max_order)

    def predict(
        self, observation: np.ndarray, state: Any = None, episode_start: Any = None, deterministic: bool = True
    ):
        """stable-baselines3's ``predict``: integer orders for the ``action="order"`` space."""
        obs = np.asarray(observation)
        a = self.act(obs).astype(np.int64)
        return (a[0] if obs.ndim == 1 else a), state

    def orders_from_state(self, state: Any, levels: np.ndarray | None = None) -> np.ndarray:
        """The same orders computed from the kernel state (N, M)."""
        p = self._require()
        lv = self.levels if levels is None else levels
        if self._echelon:
            return serial_orders_from_levels(p, state, np.broadcast_to(lv, (state.data.shape[0], p.n_stages)))
        pos = serial_installation_position(p, state)
        return _installation_orders(np.broadcast_to(lv, pos.shape), pos, p.max_order)

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "levels": [int(x) for x in np.asarray(self.levels).reshape(-1)]}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(levels={self.describe()['levels']})"


class EchelonBaseStock(_SerialBaseStock):
    """Echelon base stock: q_m = clip(S_m - IP_m, 0, max_order) (Clark & Scarf 1960).

    Args:
        levels: echelon levels S_1 .. S_M (stage 1 first), or an (N, M) array (one row per system).
        params: the chain (or bind later with :meth:`bind`).
        obs_scale: True when the env divides observations by ``params.obs_scale`` (``obs_scale=True``).
    """

    family = "echelon_base_stock"
    _echelon = True


class InstallationBaseStock(_SerialBaseStock):
    """Installation base stock: stage m orders up to s_m from its local position.

    Orders are placed from stage 1 upwards, and stage m's position counts the
    order q_{m-1} just placed on it: q_m = clip(s_m - (on hand_m + in transit_m
    + owed to m - owed by m - q_{m-1}), 0, max_order) (q_0 = 0). With s_m = S_m - S_{m-1} and nondecreasing S this orders exactly as the echelon
    policy once the chain is in its levels' regime (Axsäter 2015, Section 5.3.2).

    Args:
        levels: installation levels s_1 .. s_M, or an (N, M) array.
        params: the chain.
        obs_scale: True when the env divides observations by ``params.obs_scale`` (``obs_scale=True``).
    """

    family = "installation_base_stock"
    _echelon = False


def _simulate_levels(
    params: SerialParams, echelon: bool, levels: np.ndarray, demand: np.ndarray, warmup: int
) -> np.ndarray:
    """Per-system average cost per period of base-stock rows (N, M) on demand (T, N) (the kernel's)."""
    if echelon:

        def rule(state: Any, out: np.ndarray) -> None:
            serial_orders_from_levels(params, state, levels, out)

    else:

        def rule(state: Any, out: np.ndarray) -> None:
            _installation_orders(levels, serial_installation_position(params, state), params.max_order, out)

    return serial_simulate(rule, params, demand, warmup, columns=("cost",))["cost"]


def serial_evaluate(
    policy: _SerialBaseStock,
    params: SerialParams,
    *,
    reps: int = 200,
    horizon: int = 1000,
    warmup: int = 100,
    seed: int = 0,
) -> Evaluation:
    """Monte Carlo long-run cost per period of a base-stock policy on the chain.

    The policy is bound to ``params`` and evaluated by
    :func:`inv_gym.serial.evaluation.serial_evaluate` on its kernel-state orders
    (``orders_from_state``): every replication starts from
    ``params.initial_inventory``, runs ``warmup`` periods unmeasured and
    ``horizon`` measured, and each metric (``cost_per_period``, its components
    ``holding_cost``, ``transit_holding_cost``, ``backorder_cost``, ``fill_rate``,
    ``cycle_service_level``, ``average_backorders``, per-stage stock and orders)
    comes with its mean and 95% Student-t interval over replications.

    Args:
        policy: an :class:`EchelonBaseStock` or :class:`InstallationBaseStock`.
        params: the chain.
        reps: replications (>= 2).
        horizon: measured periods per replication.
        warmup: unmeasured periods first.
        seed: demand seed (replication i sees vector-env copy i's draws).
    """
    return _serial_evaluate_kernel(policy.bind(params), params, reps=reps, horizon=horizon, warmup=warmup, seed=seed)


@dataclass(frozen=True)
class SerialSearchResult:
    """Outcome of :func:`serial_grid_search`.

    Attributes:
        family: ``"echelon_base_stock"`` or ``"installation_base_stock"``.
        levels: (P, M) integer levels of every policy searched.
        cost: (P,) mean cost per period; ``ci_low``/``ci_high`` its 95% interval.
        best: index of the lowest mean cost.
    """

    family: str
    levels: np.ndarray
    cost: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    best: int

    @property
    def best_levels(self) -> tuple[int, ...]:
        return tuple(int(x) for x in self.levels[self.best])

    @property
    def best_cost(self) -> MetricCI:
        b = self.best
        return MetricCI(float(self.cost[b]), float(self.ci_low[b]), float(self.ci_high[b]), math.nan, 0)


def serial_grid_search(
    grids: Sequence[Sequence[int]],
    params: SerialParams,
    *,
    family: str = "echelon_base_stock",
    reps: int = 100,
    horizon: int = 500,
    warmup: int = 100,
    seed: int = 0,
    max_systems: int = 200_000,
) -> SerialSearchResult:
    """Every combination of per-stage levels, simulated on common random numbers.

    All policies see the same ``reps`` demand rows (common random numbers), so
    their differences have little noise; policies are simulated in chunks of
    at most ``max_systems`` systems.

    Args:
        grids: one sequence of integer levels per stage (stage 1 first).
        params: the chain.
        family: ``"echelon_base_stock"`` or ``"installation_base_stock"``.
        reps, horizon, warmup, seed: as in :func:`serial_evaluate`.
        max_systems: systems per simulation chunk (memory bound).
    """
    if family not in ("echelon_base_stock", "installation_base_stock"):
        raise ValueError(f"family must be 'echelon_base_stock' or 'installation_base_stock', got {family!r}")
    if len(grids) != params.n_stages:
        raise ValueError(f"grids must have one list of levels per stage (M = {params.n_stages}), got {len(grids)}")
    axes = [_levels(f"grids[{k}]", list(g)) for k, g in enumerate(grids)]
    n_pol = int(np.prod([a.size for a in axes]))
    reps, horizon, warmup = check_serial_run(reps, horizon, warmup, systems=n_pol)
    levels = np.array(list(itertools.product(*axes)), dtype=np.float64).reshape(n_pol, params.n_stages)
    demand = serial_demand_paths(params, seed, reps, horizon + warmup)
    per_chunk = max(1, int(max_systems) // reps)
    costs = np.empty((n_pol, reps))
    for start in range(0, n_pol, per_chunk):
        stop = min(n_pol, start + per_chunk)
        rows = np.ascontiguousarray(np.repeat(levels[start:stop], reps, axis=0))
        dem = np.ascontiguousarray(np.tile(demand, (1, stop - start)))
        cost = _simulate_levels(params, family == "echelon_base_stock", rows, dem, warmup)
        costs[start:stop] = cost.reshape(stop - start, reps)
    mean, lo, hi = mean_ci_rows(costs)
    return SerialSearchResult(family, levels.astype(np.int64), mean, lo, hi, int(np.argmin(mean)))


@dataclass(frozen=True)
class SerialBanditResult:
    """Outcome of :func:`serial_bandit`.

    Attributes:
        arms: (A, M) echelon levels of the arms.
        choices: (T, R) arm pulled at iteration t by run r.
        rewards: (T, R) reward of that pull (minus the cost per period of its episode).
        counts: (R, A) pulls of each arm by each run at the end.
        estimates: (R, A) the bandit's final estimates.
    """

    arms: np.ndarray
    choices: np.ndarray
    rewards: np.ndarray
    counts: np.ndarray
    estimates: np.ndarray

    @property
    def most_pulled(self) -> tuple[int, ...]:
        """The levels of the arm pulled most over all runs."""
        return tuple(int(x) for x in self.arms[int(np.argmax(self.counts.sum(axis=0)))])


def serial_bandit(
    arms: Sequence[Sequence[int]] | np.ndarray,
    bandit: Any,
    params: SerialParams,
    *,
    iterations: int = 200,
    horizon: int = 200,
    warmup: int = 50,
    seed: int = 0,
) -> SerialBanditResult:
    """Run a batched bandit whose arms are echelon base-stock policies.

    At iteration t every run r pulls its bandit's arm a_{t,r}; the pull is one
    episode of ``warmup + horizon`` periods from the empty chain under the
    arm's levels, on demand drawn for that iteration (a child of
    ``SeedSequence(seed)``); its reward is minus the cost per measured period.
    All runs of one iteration are one batched simulation.

    Args:
        arms: (A, M) integer echelon levels, one row per arm.
        bandit: an :mod:`agents.bandit` bandit with ``n_arms = A`` and ``runs = R``.
        params: the chain.
        iterations: pulls per run.
        horizon: measured periods per episode.
        warmup: unmeasured periods first.
        seed: demand seed.
    """
    levels = _levels("arms", arms, params.n_stages)
    if levels.ndim != 2:
        raise ValueError(f"arms must be an (A, M) array of levels, got shape {levels.shape}")
    if getattr(bandit, "n_arms", None) != levels.shape[0] or getattr(bandit, "runs", None) is None:
        raise ValueError(f"bandit must be batched (runs=R) with n_arms = {levels.shape[0]} (one per arm)")
    runs = int(bandit.runs)
    iterations, horizon, warmup = check_serial_run(max(2, int(iterations)), horizon, warmup, systems=runs)
    children = np.random.SeedSequence(seed).spawn(iterations)
    choices = np.empty((iterations, runs), dtype=np.int64)
    rewards = np.empty((iterations, runs))
    for t in range(iterations):
        a = np.asarray(bandit.select(), dtype=np.int64)
        demand = np.ascontiguousarray(
            params.demand.sample(np.random.default_rng(children[t]), (horizon + warmup, runs))
        )
        r = -_simulate_levels(params, True, np.ascontiguousarray(levels[a]), demand, warmup)
        bandit.update(a, r)
        choices[t], rewards[t] = a, r
    return SerialBanditResult(
        levels.astype(np.int64), choices, rewards, np.asarray(bandit.counts), np.asarray(bandit.estimates)
    )
