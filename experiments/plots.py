"""Figures of a policy on a model (matplotlib, Agg backend, PNG).

* :func:`plot_trajectory`: the "availability" picture: on hand, backorders,
  units on order (pipeline) and orders over time, with demand.
* :func:`plot_distribution`: PDF and CDF of the backorder level (lost units per
  period under lost sales) and of the profit per episode.
* :func:`plot_frontier`: cost versus fill rate of a grid search, with its
  Pareto frontier.

Each function writes the PNG (creating its folder) and returns the path.
"""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from experiments.io import save_figure  # noqa: E402
from inv_gym.dynamics import EV  # noqa: E402
from inv_gym.evaluation import (  # noqa: E402
    check_run,
    metrics_from_sums,
    resolve_params,
    run_draws,
    simulate,
    trajectory,
)
from inv_gym.params import InventoryParams  # noqa: E402

__all__ = ["plot_trajectory", "plot_distribution", "plot_frontier", "distribution_data"]


def _save(fig: Any, path: str) -> str:
    return save_figure(fig, path, dpi=120)


def _label(policy: Any) -> str:
    try:
        from agents.specs import policy_spec

        return policy_spec(policy)
    except (ValueError, AttributeError):
        return type(policy).__name__


def plot_trajectory(
    policy: Any,
    params: InventoryParams | str,
    path: str,
    *,
    periods: int = 60,
    seed: int | None = 0,
    title: str | None = None,
    **overrides: Any,
) -> str:
    """On hand, backorders, pipeline and orders over ``periods`` periods of replication 0.

    Args:
        policy: any policy :func:`inv_gym.evaluation.evaluate` accepts.
        params: an :class:`InventoryParams` or a registered env id.
        path: the PNG to write.
        periods: periods shown (capped at the model's horizon for finite-horizon models).
        seed: seed of the draws (replication 0 of ``evaluate`` with this seed).
        title: figure title (default: the policy).
        **overrides: parameter overrides.

    Returns:
        ``path``.
    """
    params = resolve_params(params, **overrides)
    if params.finite_horizon:
        periods = params.horizon
    df = trajectory(policy, params, periods=periods, reps=1, seed=seed)
    t = df["period"].to_numpy()
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(10, 6), sharex=True, height_ratios=[3, 2])
    ax.step(t, df["on_hand"], where="post", label="on hand (end of period)", color="tab:blue")
    ax.fill_between(t, 0, -df["backorders"], step="post", color="tab:red", alpha=0.35, label="backorders (negative)")
    ax.step(t, df["pipeline"], where="post", label="on order (pipeline)", color="tab:green", linestyle="--")
    ax.step(t, df["inventory_position"], where="post", label="inventory position", color="tab:gray", linewidth=0.8)
    if params.lost_sales and df["lost"].sum() > 0:
        ax.bar(t, -df["lost"], color="tab:orange", alpha=0.6, width=0.8, label="lost sales (negative)")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_ylabel("units")
    ax.legend(loc="upper right", fontsize=8, ncol=2)
    ax.set_title(title or f"{_label(policy)}: inventory over time")
    ax2.bar(t - 0.2, df["order"], width=0.4, label="order", color="tab:purple")
    ax2.bar(t + 0.2, df["demand"], width=0.4, label="demand", color="tab:olive")
    ax2.set_xlabel("period")
    ax2.set_ylabel("units")
    ax2.legend(loc="upper right", fontsize=8)
    fill = df["sold"].sum() / max(df["demand"].sum(), 1e-12)
    ax2.set_title(f"cost per period {df['cost'].mean():.3f}, fill rate {fill:.3f}", fontsize=9)
    return _save(fig, path)


def distribution_data(
    policy: Any,
    params: InventoryParams | str,
    *,
    reps: int = 200,
    horizon: int | None = None,
    warmup: int = 0,
    seed: int | None = 0,
    **overrides: Any,
) -> dict[str, Any]:
    """Samples for :func:`plot_distribution`.

    Returns:
        ``level``: the end-of-period backorder level of every measured period
        and replication (lost units per period under lost sales), ``level_name``,
        and ``profit``: the profit (reward) per episode of every replication.
    """
    params = resolve_params(params, **overrides)
    reps, horizon, warmup = check_run(params, reps, horizon, warmup)
    demand, lead_times = run_draws(params, seed, reps, horizon + warmup)
    column = EV["lost"] if params.lost_sales else EV["backorders"]
    levels: list[np.ndarray] = []

    def record(t: int, obs: np.ndarray, orders: np.ndarray, events: np.ndarray) -> None:
        if t >= warmup:
            levels.append(events[:, column].copy())

    sums = simulate(policy, params, demand, lead_times, warmup=warmup, on_period=record)
    return {
        "level": np.concatenate(levels),
        "level_name": "lost units per period" if params.lost_sales else "backorder level (end of period)",
        "profit": metrics_from_sums(sums)["reward_per_episode"],
    }


def _pdf_cdf(ax_pdf: Any, ax_cdf: Any, x: np.ndarray, name: str, integer: bool) -> None:
    x = np.sort(np.asarray(x, dtype=np.float64))
    if integer:
        values, counts = np.unique(np.rint(x), return_counts=True)
        ax_pdf.bar(values, counts / x.size, width=0.8, color="tab:blue")
        ax_pdf.set_ylabel("probability")
    else:
        bins = min(50, max(10, int(np.sqrt(x.size))))
        ax_pdf.hist(x, bins=bins, density=True, color="tab:blue", alpha=0.8)
        ax_pdf.set_ylabel("density")
    ax_pdf.set_xlabel(name)
    ax_pdf.set_title(f"PDF of {name}", fontsize=10)
    ax_cdf.step(x, np.arange(1, x.size + 1) / x.size, where="post", color="tab:blue")
    ax_cdf.set_ylim(0, 1.02)
    ax_cdf.set_xlabel(name)
    ax_cdf.set_ylabel("P(X <= x)")
    ax_cdf.set_title(f"CDF of {name} (mean {x.mean():.3f})", fontsize=10)
    ax_cdf.grid(alpha=0.3)


def plot_distribution(
    policy: Any,
    params: InventoryParams | str,
    path: str,
    *,
    reps: int = 200,
    horizon: int | None = None,
    warmup: int = 0,
    seed: int | None = 0,
    **overrides: Any,
) -> str:
    """PDF and CDF of the backorder level and of the profit per episode.

    Args:
        policy: any policy :func:`inv_gym.evaluation.evaluate` accepts.
        params: an :class:`InventoryParams` or a registered env id.
        path: the PNG to write.
        reps, horizon, warmup, seed: as for :func:`inv_gym.evaluation.evaluate`.
        **overrides: parameter overrides.

    Returns:
        ``path``.
    """
    data = distribution_data(policy, params, reps=reps, horizon=horizon, warmup=warmup, seed=seed, **overrides)
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    level = data["level"]
    _pdf_cdf(axes[0, 0], axes[0, 1], level, data["level_name"], bool(np.all(level == np.rint(level))))
    _pdf_cdf(axes[1, 0], axes[1, 1], data["profit"], "profit per episode", False)
    fig.suptitle(f"{_label(policy)}: {data['profit'].size} replications")
    fig.tight_layout()
    return _save(fig, path)


def plot_frontier(result: Any, path: str) -> str:
    """Cost per period versus fill rate of every grid point, the frontier and the best point.

    Args:
        result: an :class:`agents.search.SearchResult`.
        path: the PNG to write.
    """
    table, front = result.table, result.frontier
    fig, ax = plt.subplots(figsize=(8, 5.5))
    feasible = table["feasible"].to_numpy()
    ax.scatter(
        table["fill_rate"][~feasible], table["cost_per_period"][~feasible], s=6, color="lightgray", label="infeasible"
    )
    ax.scatter(
        table["fill_rate"][feasible], table["cost_per_period"][feasible], s=6, color="tab:blue", alpha=0.5, label="grid"
    )
    ax.plot(front["fill_rate"], front["cost_per_period"], "-o", color="tab:red", markersize=3, label="Pareto frontier")
    if result.best is not None:
        ax.scatter(
            [result.best["fill_rate"]],
            [result.best["cost_per_period"]],
            s=80,
            marker="*",
            color="black",
            zorder=5,
            label=f"best {result.best['spec']}",
        )
    if result.min_fill_rate is not None:
        ax.axvline(
            result.min_fill_rate, color="tab:gray", linestyle=":", label=f"fill rate >= {result.min_fill_rate:g}"
        )
    low = float(np.nanmin(front["cost_per_period"]))
    high = float(np.nanquantile(table["cost_per_period"], 0.9))
    ax.set_ylim(low - 0.05 * (high - low + 1e-9), high)
    ax.set_xlabel("fill rate")
    ax.set_ylabel("cost per period")
    ax.set_title(f"{result.family}: cost versus service ({len(table)} policies, {result.reps} replications)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path)
