"""Monte Carlo evaluation of a policy on the kernel.

``evaluate(policy, params, reps=R, horizon=H, warmup=W, seed=s)`` runs R
independent replications of H + W periods as one batch through
:func:`inv_gym.dynamics.step` and reports every metric of DESIGN.md over the
last H periods with a 95% confidence interval across replications (Student t
with R - 1 degrees of freedom).

Common random numbers: the demand and lead-time draws depend only on
``(params, seed, R, H + W)`` (:func:`inv_gym.envs.draw_paths`), never on the
policy, so every policy evaluated with the same seed sees the same demand, and
replication i sees exactly what copy i of ``InventoryVectorEnv`` reset with
that seed sees (replication 0 of a one-replication run: ``InventoryEnv``).

Metrics (per period averages over the measured horizon unless named ``per_episode``):

* ``cost_per_period`` and each component (``fixed_cost``, ``purchase_cost``,
  ``holding_cost``, ``backorder_cost``, ``lost_sales_cost``, ``waste_cost``),
  ``revenue``, ``salvage``, ``reward_per_period`` (revenue + salvage - cost);
* ``cost_per_episode`` and ``reward_per_episode`` (sums over the measured horizon);
* ``fill_rate``: units served from stock / units demanded (per replication ratio);
* ``cycle_service_level``: periods without a stock-out / periods;
* ``average_on_hand``, ``average_backorders`` (end of period), ``lost_units``,
  ``expired_units``, ``overflow_units``, ``orders_placed``, ``units_ordered``
  and ``demand`` per period;
* the spreadsheet's count: ``zero_stock_periods``, the share of periods that
  end with nothing on hand (end-of-period on hand = 0), and
  ``demand_on_zero_stock_periods``, the demand of those periods per period
  (times the horizon: the days of a month that end with no stock and the
  demand on those days). Both come from the kernel's ``on_hand`` and
  ``demand`` events.

The policy protocol is duck-typed here (this package never imports ``agents``):
anything with ``act(obs (N, d)) -> orders (N,)``, or with stable-baselines3's
``predict``; ``bind(params)`` and ``reset(n)`` are called when present.

Dual sourcing (``params.dual_sourcing``): ``act`` returns (N, 2) orders
(q_r, q_e), integers in [0, ``max_order``] and [0, ``max_expedited_order``]; a
policy that returns (N,) orders orders from the regular source only (q_e = 0),
so single-source policies are evaluated on the dual model as they stand.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from inv_gym.atomic import atomic_write
from inv_gym.dynamics import (
    COST_COMPONENTS,
    EV,
    EVENTS,
    initial_state,
    kernel_params,
    observe,
    observe_flags,
    step_observe,
)
from inv_gym.envs.inventory import make_params, order_from_action
from inv_gym.envs.options import dual_action_values
from inv_gym.envs.streams import _demand_block, draw_lead_times, draw_paths, spawn_generators
from inv_gym.limits import check_memory, check_seed, run_bytes, system_bytes
from inv_gym.params import InventoryParams
from inv_gym.validation import check_int

__all__ = [
    "evaluate",
    "simulate",
    "trajectory",
    "Evaluation",
    "MetricCI",
    "mean_ci",
    "mean_ci_rows",
    "TRAJECTORY_COLUMNS",
    "metrics_from_sums",
    "METRICS",
    "prepare_policy",
    "resolve_params",
    "check_run",
    "run_draws",
]

#: Metric names reported by :func:`evaluate`, in table order.
METRICS: tuple[str, ...] = (
    "cost_per_period",
    "cost_per_episode",
    *COST_COMPONENTS,
    "revenue",
    "salvage",
    "reward_per_period",
    "reward_per_episode",
    "fill_rate",
    "cycle_service_level",
    "average_on_hand",
    "average_backorders",
    "lost_units",
    "expired_units",
    "overflow_units",
    "orders_placed",
    "units_ordered",
    "demand",
    "zero_stock_periods",
    "demand_on_zero_stock_periods",
)
#: Per-period quantities :func:`simulate` sums besides the kernel's events.
EXTRA_SUMS: tuple[str, ...] = ("zero_stock", "zero_stock_demand")


@dataclass(frozen=True)
class MetricCI:
    """Mean with a 95% confidence interval over replications."""

    mean: float
    ci_low: float
    ci_high: float
    sd: float
    n: int

    @property
    def half_width(self) -> float:
        """Half the width of the 95% interval."""
        return (self.ci_high - self.ci_low) / 2

    def to_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "ci_low": self.ci_low, "ci_high": self.ci_high, "sd": self.sd, "n": self.n}

    def __str__(self) -> str:
        return f"{self.mean:.4f} [{self.ci_low:.4f}, {self.ci_high:.4f}]"


def mean_ci(x: np.ndarray, level: float = 0.95) -> MetricCI:
    """Mean and Student-t confidence interval of i.i.d. values (NaNs dropped).

    One value gives no interval: ``ci_low = -inf``, ``ci_high = inf`` (every
    value is possible) and ``sd = nan``; no values give NaN throughout.
    """
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    n = x.size
    if n == 0:
        return MetricCI(math.nan, math.nan, math.nan, math.nan, 0)
    m = float(x.mean())
    if n == 1:
        return MetricCI(m, -math.inf, math.inf, math.nan, 1)
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return MetricCI(m, m - half, m + half, sd, n)


def mean_ci_rows(x: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row-wise mean and Student-t interval of a (P, R) array: (mean, ci_low, ci_high), each (P,).

    Row p holds the R replications of policy p (the grid search's layout);
    with R = 1 the interval is NaN. Non-finite values are not expected here.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"x must be a (P, R) array, got shape {x.shape}")
    r = x.shape[1]
    mean = x.mean(axis=1)
    if r < 2:
        nan = np.full_like(mean, math.nan)
        return mean, nan, nan.copy()
    half = float(stats.t.ppf(0.5 + level / 2, r - 1)) * x.std(axis=1, ddof=1) / math.sqrt(r)
    return mean, mean - half, mean + half


@dataclass
class Evaluation:
    """Result of :func:`evaluate`.

    Attributes:
        metrics: metric name -> :class:`MetricCI`.
        per_replication: dict of metric name -> (R,) array.
        params, reps, horizon, warmup, seed: the run's settings.
        policy: ``policy.describe()`` when available.
    """

    metrics: dict[str, MetricCI]
    per_replication: dict[str, np.ndarray]
    params: InventoryParams
    reps: int
    horizon: int
    warmup: int
    seed: int | None
    policy: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> MetricCI:
        return self.metrics[name]

    @property
    def table(self) -> Any:
        """Per-replication table (pandas DataFrame, one row per replication)."""
        import pandas as pd

        df = pd.DataFrame(self.per_replication)
        df.index.name = "replication"
        return df

    def summary(self) -> Any:
        """A DataFrame with one row per metric: mean, ci_low, ci_high, sd, n."""
        import pandas as pd

        return pd.DataFrame({k: v.to_dict() for k, v in self.metrics.items()}).T

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly: ``{metric: {"mean", "ci_low", "ci_high", "sd", "n"}}`` plus settings."""
        out: dict[str, Any] = {k: v.to_dict() for k, v in self.metrics.items()}
        out["settings"] = {
            "reps": self.reps,
            "horizon": self.horizon,
            "warmup": self.warmup,
            "seed": self.seed,
            "policy": self.policy,
            "params": self.params.to_dict(),
        }
        return out

    def to_csv(self, path: str) -> None:
        """Write the per-replication table as CSV (atomically; an error names ``path``)."""
        atomic_write(path, self.table.to_csv)


def prepare_policy(policy: Any, params: InventoryParams) -> Callable[[np.ndarray], np.ndarray]:
    """Bind a duck-typed policy to ``params``; return ``act(obs) -> orders``."""
    if hasattr(policy, "bind") and getattr(policy, "params", None) is not params:
        policy = policy.bind(params)
    if hasattr(policy, "act"):
        return policy.act  # type: ignore[no-any-return]
    if hasattr(policy, "predict"):

        def act(obs: np.ndarray) -> np.ndarray:
            a, _ = policy.predict(obs, deterministic=True)
            return np.asarray(a, dtype=np.float64).reshape(obs.shape[0])

        return act
    if callable(policy):
        return policy  # type: ignore[no-any-return]
    raise ValueError(f"cannot evaluate {type(policy).__name__}: it needs act(), predict() or to be callable")


def simulate(
    policy: Any,
    params: InventoryParams,
    demand: np.ndarray,
    lead_times: np.ndarray,
    *,
    warmup: int = 0,
    copies: int = 1,
    on_period: Callable[[int, np.ndarray, np.ndarray, np.ndarray], None] | None = None,
    time_major: bool = False,
) -> dict[str, np.ndarray]:
    """Run ``copies * R`` systems over the given draws; return per-system sums.

    System ``j`` uses draw row ``j % R`` (copy ``j // R``), so a policy whose
    parameters are arrays of length ``copies * R`` evaluates ``copies`` policies
    under common random numbers in one batch.

    Args:
        policy: duck-typed policy (see the module docstring).
        params: model parameters.
        demand: (R, T) demand draws.
        lead_times: (R, T) integer lead-time draws.
        warmup: periods not measured at the start.
        copies: how many systems share each draw row.
        on_period: optional callback ``f(t, obs, orders, events)`` after each period
            (e.g. a progress bar's update).
        time_major: True when ``demand`` and ``lead_times`` are given as (T, R)
            (period t's draws contiguous: no gather per period).

    Returns:
        ``{event: (N,) sum over measured periods}``, the sums of
        :data:`EXTRA_SUMS` (periods ending with nothing on hand, and their
        demand) and ``"periods"`` (the count).
    """
    demand = np.asarray(demand, dtype=np.float64)
    lead_times = np.asarray(lead_times, dtype=np.int64)
    if demand.ndim != 2 or lead_times.shape != demand.shape:
        raise ValueError(
            f"demand and lead_times must be (R, T) arrays of one shape, got {demand.shape}, {lead_times.shape}"
        )
    # period t's draws for every system: rows of the time-major (T, R) arrays
    d_rows = np.ascontiguousarray(demand) if time_major else np.ascontiguousarray(demand.T)
    l_rows = np.ascontiguousarray(lead_times) if time_major else np.ascontiguousarray(lead_times.T)
    total, r = d_rows.shape
    if not 0 <= warmup < total:
        raise ValueError(f"warmup must be in [0, {total - 1}], got {warmup}")
    n = r * copies
    check_memory(n * system_bytes(params), f"{copies:,} x {r:,} simulated systems", "reps or the number of policies")
    act = prepare_policy(policy, params)
    reset = getattr(getattr(act, "__self__", None), "reset", None)
    if callable(reset):
        reset(n)
    p = kernel_params(params)
    state = initial_state(params, n)
    obs = np.empty((n, params.obs_dim), dtype=np.float32)
    events = np.empty((n, len(EVENTS)))
    acc = np.zeros((n, len(EVENTS)))
    zero = np.zeros((2, n))  # periods ending with nothing on hand, and their demand
    i_on_hand, i_demand = EV["on_hand"], EV["demand"]
    last = np.zeros(n, dtype=np.bool_)
    flags = observe_flags(params)
    nxt = np.empty_like(obs)
    observe(params, state, obs)
    dual = params.dual_sourcing
    orders_e = None
    for t in range(total):
        if dual:
            orders, orders_e = _dual_orders(act(obs), params, n)
        else:
            orders = order_from_action(act(obs), params, False, n)
        d_t = d_rows[t] if copies == 1 else np.tile(d_rows[t], copies)
        l_t = l_rows[t] if copies == 1 else np.tile(l_rows[t], copies)
        if params.finite_horizon:
            last[:] = t == total - 1
        # one compiled call: the kernel's step, then the next period's observation
        step_observe(p, state, orders, d_t, l_t, last, events, flags, nxt, orders_e)
        if t >= warmup:
            np.add(acc, events, out=acc)
            empty = events[:, i_on_hand] == 0.0
            zero[0] += empty
            zero[1] += np.where(empty, events[:, i_demand], 0.0)
        if on_period is not None:
            on_period(t, obs, orders, events)
        obs, nxt = nxt, obs
    out = {name: acc[:, j] for j, name in enumerate(EVENTS)}
    out["zero_stock"], out["zero_stock_demand"] = zero[0], zero[1]
    out["periods"] = np.full(n, total - warmup, dtype=np.float64)
    return out


def _dual_orders(out: Any, params: InventoryParams, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(q_r, q_e), each (N,) float64, of a policy's output on a dual-sourcing model (validated)."""
    a = np.asarray(out)
    if a.size == n:  # a single-source policy: the regular source only
        return order_from_action(a, params, False, n), np.zeros(n)
    names = ("max_order", "max_expedited_order")
    both = dual_action_values(a, (params.max_order, params.expedited_max), False, n, names)
    return np.ascontiguousarray(both[:, 0]), np.ascontiguousarray(both[:, 1])


def metrics_from_sums(sums: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-system metrics (see the module docstring) from :func:`simulate`'s sums."""
    periods = sums["periods"]
    per = {k: v / periods for k, v in sums.items() if k != "periods"}
    with np.errstate(invalid="ignore", divide="ignore"):
        fill = np.where(sums["demand"] > 0, sums["sold"] / np.where(sums["demand"] > 0, sums["demand"], 1.0), 1.0)
    out: dict[str, np.ndarray] = {
        "cost_per_period": per["cost"],
        "cost_per_episode": sums["cost"],
    }
    for c in COST_COMPONENTS:
        out[c] = per[c]
    out["revenue"] = per["revenue"]
    out["salvage"] = per["salvage"]
    out["reward_per_period"] = per["reward"]
    out["reward_per_episode"] = sums["reward"]
    out["fill_rate"] = fill
    out["cycle_service_level"] = 1.0 - per["stockout"]
    out["average_on_hand"] = per["on_hand"]
    out["average_backorders"] = per["backorders"]
    out["lost_units"] = per["lost"]
    out["expired_units"] = per["expired"]
    out["overflow_units"] = per["overflow"]
    out["orders_placed"] = per["order_placed"]
    out["units_ordered"] = per["ordered"]
    out["demand"] = per["demand"]
    nan = np.full_like(periods, np.nan, dtype=np.float64)
    out["zero_stock_periods"] = per.get("zero_stock", nan)
    out["demand_on_zero_stock_periods"] = per.get("zero_stock_demand", nan)
    return out


def resolve_params(params: InventoryParams | str, **overrides: Any) -> InventoryParams:
    """Parameters from an :class:`InventoryParams` or a registered env id, with overrides."""
    if isinstance(params, str):
        from inv_gym.presets import preset_params

        return preset_params(params, **overrides)
    return make_params(params, **overrides)


def check_run(
    params: InventoryParams, reps: Any, horizon: Any, warmup: Any, *, min_reps: int = 1, per_cell: int = 0
) -> tuple[int, int, int]:
    """Validated ``(reps, horizon, warmup)``; ``horizon=None`` means ``params.horizon``.

    Also refuses a run whose memory, estimated by :func:`inv_gym.limits.run_bytes`
    from ``reps x (warmup + horizon)`` (plus ``per_cell`` bytes per
    replication-period the caller keeps), exceeds
    :data:`inv_gym.limits.MEMORY_LIMIT_BYTES`, before anything is allocated.

    Args:
        params: the model.
        reps, horizon, warmup: the run's settings.
        min_reps: the fewest replications allowed (2 where a confidence interval is the point).
        per_cell: extra bytes per (replication, period) the caller stores.
    """
    why = "a 95% CI needs two replications" if min_reps == 2 else ""
    reps = check_int("reps", reps, low=min_reps, reason=why)
    horizon = check_int("horizon", params.horizon if horizon is None else horizon, low=1)
    warmup = check_int("warmup", warmup, low=0)
    if params.finite_horizon and horizon + warmup != params.horizon:
        raise ValueError(
            f"horizon + warmup must equal the model's horizon {params.horizon} for a finite-horizon model, "
            f"got {horizon + warmup}"
        )
    total = horizon + warmup
    check_memory(
        run_bytes(params, reps, total, per_cell=per_cell),
        f"{reps:,} replications x {total:,} periods (warmup + horizon)",
        "reps or horizon (--reps, --horizon)",
    )
    return reps, horizon, warmup


def run_draws(
    params: InventoryParams,
    seed: int | None,
    reps: int,
    total: int,
    demand: np.ndarray | None = None,
    lead_times: np.ndarray | None = None,
    *,
    time_major: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The (reps, total) demand and lead-time draws of a run: random from ``seed`` or given.

    With ``time_major=True`` random draws come as (total, reps): the very numbers
    of :func:`inv_gym.envs.streams.draw_paths`, as they are drawn (no transpose).
    """
    seed = check_seed(seed)
    if demand is None:
        if lead_times is not None:
            raise ValueError("lead_times can only be given together with demand")
        if time_major:
            d_rng, l_rng = spawn_generators(seed)
            return _demand_block(params, d_rng, reps, total, None)[0], draw_lead_times(params, l_rng, (total, reps))
        return draw_paths(params, seed, reps, total)
    if time_major:
        raise ValueError("time_major draws are only made here, not given")
    demand = np.asarray(demand, dtype=np.float64)
    if demand.shape != (reps, total):
        raise ValueError(f"demand must have shape (reps, warmup + horizon) = {(reps, total)}, got {demand.shape}")
    if lead_times is None:
        if params.random_lead_time:
            raise ValueError("lead_times must be given with demand when the lead time is random")
        lead_times = np.full(demand.shape, params.max_lead_time, dtype=np.int64)
    return demand, np.asarray(lead_times, dtype=np.int64)


def evaluate(
    policy: Any,
    params: InventoryParams | str,
    *,
    reps: int = 100,
    horizon: int | None = None,
    warmup: int = 0,
    seed: int | None = 0,
    demand: np.ndarray | None = None,
    lead_times: np.ndarray | None = None,
    progress: bool = False,
    **overrides: Any,
) -> Evaluation:
    """Evaluate a policy by Monte Carlo simulation on the kernel.

    Args:
        policy: anything with ``act`` (or ``predict``); bound to ``params`` if it has ``bind``.
        params: an :class:`InventoryParams` or a registered env id (then
            ``overrides`` are parameter overrides).
        reps: R >= 1 independent replications; a confidence interval needs
            R >= 2 (with R = 1 every interval is (-inf, inf): no interval).
        horizon: H measured periods per replication (default ``params.horizon``).
        warmup: W periods simulated first and not measured (default 0).
        seed: seed of the demand and lead-time draws (common random numbers), an
            integer >= 0 or None.
        demand: optional (R, W + H) demand draws instead of random ones.
        lead_times: optional (R, W + H) lead-time draws (with ``demand``).
        progress: show a progress bar (tqdm) over periods (on a terminal).
        **overrides: parameter overrides.

    Returns:
        An :class:`Evaluation` with every metric's mean and 95% CI.

    Example:
        Order up to 12 on Zipkin's lost-sales instance (L = 1, p = 4; the optimum is 4.04):

        >>> order_up_to_12 = lambda obs: np.maximum(12 - obs[:, 0] - obs[:, 1], 0)
        >>> ev = evaluate(order_up_to_12, "inv_gym/LostSales-v0", reps=50, horizon=500, seed=1)
        >>> print(ev["cost_per_period"])
        4.2000 [4.1531, 4.2470]
    """
    params = resolve_params(params, **overrides)
    reps, horizon, warmup = check_run(params, reps, horizon, warmup)
    time_major = demand is None  # random draws are made period-major: no transpose
    demand, lead_times = run_draws(params, seed, reps, horizon + warmup, demand, lead_times, time_major=time_major)
    total = horizon + warmup
    bar = None
    cb = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc="evaluate", unit="period", leave=False, disable=None)

        def cb(t: int, *_: Any) -> None:
            bar.update(1)

    try:
        sums = simulate(policy, params, demand, lead_times, warmup=warmup, on_period=cb, time_major=time_major)
    finally:
        if bar is not None:
            bar.close()
    per_rep = metrics_from_sums(sums)
    metrics = {name: mean_ci(per_rep[name]) for name in METRICS}
    describe = getattr(policy, "describe", None)
    return Evaluation(
        metrics=metrics,
        per_replication=per_rep,
        params=params,
        reps=reps,
        horizon=horizon,
        warmup=warmup,
        seed=seed,
        policy=describe() if callable(describe) else {"family": type(policy).__name__},
    )


#: Columns of :func:`trajectory`'s table.
TRAJECTORY_COLUMNS: tuple[str, ...] = (
    "replication",
    "period",
    "inventory",
    "inventory_position",
    "pipeline",
    "order",
    "received",
    "demand",
    "sold",
    "lost",
    "on_hand",
    "backorders",
    "cost",
    "reward",
)


def trajectory(
    policy: Any,
    params: InventoryParams | str,
    *,
    periods: int | None = None,
    reps: int = 1,
    seed: int | None = 0,
    **overrides: Any,
) -> Any:
    """Period-by-period record of a policy on the kernel (the "availability" picture).

    Uses the draws of :func:`evaluate` with the same seed and ``reps``, so row
    ``(i, t)`` is period t of replication i of that evaluation.

    Args:
        policy: any policy :func:`evaluate` accepts.
        params: an :class:`InventoryParams` or a registered env id.
        periods: periods to record (default ``params.horizon``).
        reps: replications to record.
        seed: seed of the draws.
        **overrides: parameter overrides.

    Returns:
        A pandas DataFrame, one row per (replication, period), with columns
        :data:`TRAJECTORY_COLUMNS`: ``inventory`` (net inventory, observed after
        the receipt), ``inventory_position`` and ``pipeline`` (units on order)
        before ordering, ``order``, ``received`` (arrivals at the start of the
        next period and L = 0 orders), ``demand``, ``sold``, ``lost`` and the
        end-of-period ``on_hand``, ``backorders``, ``cost`` and ``reward``.
    """
    import pandas as pd

    params = resolve_params(params, **overrides)
    # the table keeps every period: about 14 columns x 8 bytes, three times (lists, arrays, sorted frame)
    reps, periods, _ = check_run(params, reps, periods, 0, per_cell=3 * 8 * len(TRAJECTORY_COLUMNS))
    demand, lead_times = run_draws(params, seed, reps, periods)
    n_pipe = params.max_lead_time
    cols: dict[str, list[np.ndarray]] = {name: [] for name in TRAJECTORY_COLUMNS}
    keys = ("received", "demand", "sold", "lost", "on_hand", "backorders", "cost", "reward")

    def record(t: int, obs: np.ndarray, orders: np.ndarray, events: np.ndarray) -> None:
        pipeline = obs[:, 1 : 1 + n_pipe].sum(axis=1, dtype=np.float64) if n_pipe else np.zeros(obs.shape[0])
        cols["replication"].append(np.arange(obs.shape[0]))
        cols["period"].append(np.full(obs.shape[0], t))
        cols["inventory"].append(obs[:, 0].astype(np.float64))
        cols["inventory_position"].append(obs[:, 0] + pipeline)
        cols["pipeline"].append(pipeline)
        cols["order"].append(orders.copy())
        for k in keys:
            cols[k].append(events[:, EV[k]].copy())

    simulate(policy, params, demand, lead_times, on_period=record)
    df = pd.DataFrame({k: np.concatenate(v) for k, v in cols.items()})
    return df.sort_values(["replication", "period"], kind="stable").reset_index(drop=True)
