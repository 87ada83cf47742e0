"""Monte Carlo evaluation of a policy on the serial-chain kernel.

``serial_evaluate(policy, params, reps=R, horizon=H, warmup=W, seed=s)`` runs R
independent chains for W + H periods as one batch through
:func:`inv_gym.serial.dynamics.serial_step` and reports, for the last H periods,
the mean and 95% Student-t interval over replications of per-period averages
(the names of :mod:`inv_gym.evaluation` where the quantity is the same):

* ``cost_per_period`` (and ``cost_per_episode``, the sum over the H periods),
  its components ``holding_cost`` (sum_m h'_m on hand_m), ``transit_holding_cost``
  (sum_{m<M} h'_{m+1} in transit into m) and ``backorder_cost`` (p B_1), and
  ``reward_per_period`` = -cost;
* ``fill_rate``: units of external demand served from stage 1's stock / units
  demanded; ``cycle_service_level``: periods without a stock-out / periods;
* ``average_backorders`` (B_1 at the end of a period), ``demand``;
* per stage m = 1 .. M: ``average_on_hand_m``, ``average_owed_m`` (B_m: stage 1
  its customers, m >= 2 what it owes stage m - 1), ``units_ordered_m``.

Common random numbers: the demand depends only on ``(params.demand, seed, R,
W + H)`` (:func:`serial_demand_paths`), never on the policy, and replication i
sees what copy i of ``SerialVectorEnv`` reset with ``seed`` sees.

The policy protocol is duck-typed (this package never imports ``agents``):
``orders_from_state(state) -> (N, M)`` orders computed from the kernel state,
or ``act(obs (N, d)) -> (N, M)`` orders from the env's raw observation
(``order`` action space: integers in [0, max_order]); ``bind(params)`` is
called when present.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from inv_gym.envs.streams import spawn_generators
from inv_gym.evaluation import Evaluation, mean_ci
from inv_gym.serial.dynamics import (
    SerialState,
    _observe,
    serial_event_index,
    serial_initial_state,
    serial_kernel_arrays,
    serial_step,
)
from inv_gym.serial.params import SerialParams
from inv_gym.validation import check_int

__all__ = [
    "MAX_SYSTEM_PERIODS",
    "check_serial_run",
    "serial_demand_paths",
    "serial_evaluate",
    "serial_metric_names",
    "serial_simulate",
]

#: Most system-periods one evaluation or search may simulate (refused above, before allocating).
MAX_SYSTEM_PERIODS = 5_000_000_000

#: An order rule on the kernel state: ``fn(state, out)`` writes the (N, M) orders into ``out``.
OrderRule = Callable[[SerialState, np.ndarray], Any]


def serial_demand_paths(params: SerialParams, seed: int | None, n: int, periods: int) -> np.ndarray:
    """Demand (periods, n) float64 for a seed: the draws ``n`` vector-env copies reset with ``seed`` see."""
    d_rng, _ = spawn_generators(seed)
    return np.ascontiguousarray(params.demand.sample(d_rng, (periods, n)))


def check_serial_run(reps: Any, horizon: Any, warmup: Any, *, systems: int = 1) -> tuple[int, int, int]:
    """Validated ``(reps, horizon, warmup)``; refuse more than :data:`MAX_SYSTEM_PERIODS` system-periods.

    Args:
        reps: replications, an integer >= 2 (a confidence interval needs two).
        horizon: measured periods, an integer >= 1.
        warmup: unmeasured periods first, an integer >= 0.
        systems: policies simulated side by side on the same draws (a search's size).
    """
    reps = check_int("reps", reps, low=2, reason="a confidence interval needs two replications")
    horizon = check_int("horizon", horizon, low=1)
    warmup = check_int("warmup", warmup, low=0)
    work = systems * reps * (horizon + warmup)
    if work > MAX_SYSTEM_PERIODS:
        raise ValueError(
            f"the run simulates {work} system-periods (policies x reps x (horizon + warmup)) > "
            f"{MAX_SYSTEM_PERIODS}; reduce reps, horizon or the number of policies"
        )
    return reps, horizon, warmup


def serial_metric_names(n_stages: int) -> tuple[str, ...]:
    """The metrics of :func:`serial_evaluate` for M = ``n_stages``, in table order."""
    names = [
        "cost_per_period",
        "cost_per_episode",
        "holding_cost",
        "transit_holding_cost",
        "backorder_cost",
        "reward_per_period",
        "fill_rate",
        "cycle_service_level",
        "average_backorders",
        "demand",
    ]
    for k in range(1, n_stages + 1):
        names += [f"average_on_hand_{k}", f"average_owed_{k}", f"units_ordered_{k}"]
    return tuple(names)


def serial_simulate(
    orders: OrderRule,
    params: SerialParams,
    demand: np.ndarray,
    warmup: int = 0,
    *,
    columns: Sequence[str] | None = None,
) -> dict[str, np.ndarray]:
    """Per-system average per period of kernel events over the measured periods.

    Args:
        orders: the order rule ``fn(state, out)``: write the (N, M) float64 orders of
            the observed state into ``out`` (integers >= 0; the kernel trusts them).
        params: the chain.
        demand: (T, N) float64 demand, period-major (one row per period).
        warmup: the first ``warmup`` periods are simulated, not measured.
        columns: the event names to average (:func:`inv_gym.serial.dynamics.serial_event_names`);
            None: every event.

    Returns:
        ``{event: (N,) average per measured period}``.
    """
    periods, n = demand.shape
    if not 0 <= warmup < periods:
        raise ValueError(f"warmup must be in [0, {periods - 1}] (fewer than the {periods} periods), got {warmup}")
    idx = serial_event_index(params.n_stages)
    names = list(idx) if columns is None else list(columns)
    unknown = [c for c in names if c not in idx]
    if unknown:
        raise ValueError(f"unknown event column(s) {unknown}; events: {', '.join(idx)}")
    cols = np.array([idx[c] for c in names], dtype=np.int64)
    every = columns is None
    state = serial_initial_state(params, n)
    arrays = serial_kernel_arrays(params)
    sums = np.zeros((n, len(idx) if every else cols.size))
    out = np.zeros((n, params.n_stages))
    events = np.empty((n, len(idx)))
    for t in range(periods):
        orders(state, out)
        serial_step(arrays, state, out, demand[t], events)
        if t >= warmup:
            sums += events if every else events[:, cols]
    sums /= periods - warmup
    return {c: sums[:, j] for j, c in enumerate(names)}


def _metrics_from_averages(avg: dict[str, np.ndarray], n_stages: int, horizon: int) -> dict[str, np.ndarray]:
    """Per-replication metrics (module docstring) from per-period event averages."""
    demand = avg["demand"]
    with np.errstate(invalid="ignore", divide="ignore"):
        fill = np.where(demand > 0, avg["sold"] / np.where(demand > 0, demand, 1.0), 1.0)
    out = {
        "cost_per_period": avg["cost"],
        "cost_per_episode": avg["cost"] * horizon,
        "holding_cost": avg["holding_cost"],
        "transit_holding_cost": avg["transit_holding_cost"],
        "backorder_cost": avg["backorder_cost"],
        "reward_per_period": avg["reward"],
        "fill_rate": fill,
        "cycle_service_level": 1.0 - avg["stockout"],
        "average_backorders": avg["backorders"],
        "demand": demand,
    }
    for k in range(1, n_stages + 1):
        out[f"average_on_hand_{k}"] = avg[f"on_hand_{k}"]
        out[f"average_owed_{k}"] = avg[f"owed_{k}"]
        out[f"units_ordered_{k}"] = avg[f"ordered_{k}"]
    return out


def _order_rule(policy: Any, params: SerialParams) -> OrderRule:
    """``fn(state, out)`` of a duck-typed policy (module docstring); observed orders are checked."""
    from_state = getattr(policy, "orders_from_state", None)
    if callable(from_state):

        def by_state(state: SerialState, out: np.ndarray) -> None:
            out[:] = from_state(state)

        return by_state
    act = getattr(policy, "act", policy)
    if not callable(act):
        raise ValueError(f"policy must have orders_from_state(state) or act(obs), got a {type(policy).__name__}")
    lead = np.asarray(params.lead_times, dtype=np.int64)
    ones = np.ones(params.obs_dim)
    period = [0]

    def by_obs(state: SerialState, out: np.ndarray) -> None:
        obs = np.empty((state.data.shape[0], params.obs_dim), dtype=np.float32)
        _observe(state.data, lead, ones, obs)
        q = np.asarray(act(obs), dtype=np.float64)
        if q.shape != out.shape or not np.all(np.isfinite(q)):
            raise ValueError(
                f"act must return finite (N, M) = {out.shape} orders, got shape {q.shape} at period {period[0]}"
            )
        bad = (q < 0) | (q > params.max_order) | (q != np.round(q))
        if bad.any():
            i, k = np.argwhere(bad)[0]
            raise ValueError(
                f"order at period {period[0]} (replication {i}, stage {k + 1}) must be an integer in "
                f"[0, max_order = {params.max_order}], got {q[i, k]}"
            )
        out[:] = q
        period[0] += 1

    return by_obs


def serial_evaluate(
    policy: Any,
    params: SerialParams,
    *,
    reps: int = 200,
    horizon: int = 1000,
    warmup: int = 100,
    seed: int | None = 0,
) -> Evaluation:
    """Monte Carlo long-run cost per period (and every metric) of a policy on the chain.

    Each replication starts from ``params.initial_inventory``, runs ``warmup``
    periods unmeasured and ``horizon`` measured on the demand of
    :func:`serial_demand_paths`; every metric of the module docstring is
    reported as its mean and 95% Student-t interval over the R replications.

    Args:
        policy: anything with ``orders_from_state(state)`` or ``act(obs)`` (module docstring).
        params: the chain.
        reps: R >= 2 replications.
        horizon: measured periods per replication (>= 1).
        warmup: unmeasured periods first (>= 0).
        seed: demand seed (replication i sees vector-env copy i's draws).

    Returns:
        An :class:`inv_gym.evaluation.Evaluation` (its ``params`` the chain's
        :class:`SerialParams`; ``ev["cost_per_period"]``, ``ev.per_replication``, ``ev.table``).

    Example:
        The Clark-Scarf levels of Example 6.1 (exact cost 52.047 per period):

        >>> from inv_gym.serial import serial_orders_from_levels
        >>> class Optimal:
        ...     def orders_from_state(self, state):
        ...         return serial_orders_from_levels(SerialParams(), state, [9, 15, 26])
        >>> ev = serial_evaluate(Optimal(), SerialParams(), reps=20, horizon=500, seed=1)
        >>> ev["cost_per_period"].ci_low < 52.047 < ev["cost_per_period"].ci_high
        True
    """
    reps, horizon, warmup = check_serial_run(reps, horizon, warmup)
    if callable(getattr(policy, "bind", None)):
        policy = policy.bind(params)
    rule = _order_rule(policy, params)
    demand = serial_demand_paths(params, seed, reps, horizon + warmup)
    avg = serial_simulate(rule, params, demand, warmup)
    per_rep = _metrics_from_averages(avg, params.n_stages, horizon)
    describe = getattr(policy, "describe", None)
    return Evaluation(
        metrics={k: mean_ci(per_rep[k]) for k in serial_metric_names(params.n_stages)},
        per_replication=per_rep,
        params=params,  # type: ignore[arg-type]  (the chain's parameters)
        reps=reps,
        horizon=horizon,
        warmup=warmup,
        seed=seed,
        policy=describe() if callable(describe) else {"family": type(policy).__name__},
    )
