"""Aged stock: a purchase-order plan on a perishable item, then the least spend with no stock-outs.

Instance: ``inv_gym/Perishable-v0`` with shelf life 3, lead time 1, lost sales,
FIFO issuing, demand ``round(gamma:mean=4,cv=0.5)`` per period, unit cost 3, over a
finite horizon of ``periods`` periods (the period index is observed, so
``ScheduledOrders`` reads it). Units sell oldest first; a unit that reaches the
shelf life is cleared out (expired, waste). Availability is the stock on hand by
age at the start of each period (the observation's ``age_a`` entries, after the
period's receipt), averaged over demand scenarios.

1. **A naive plan**: order ``naive_q`` units every ``naive_every`` periods.
2. **The least-spend plan with no stock-outs** on ``scenarios`` sampled demand
   paths: for t = 0, 1, ..., order the least q_t so that, in every scenario, the
   stock on hand when the order arrives (period t + L, FIFO ageing and expiry
   included) covers that period's demand. Ordering the least each period is
   optimal for the total bought: a unit bought earlier can only serve the same
   demand or expire. Periods before the first arrival (t < L) rely on the
   initial stock.
3. **The least-spend policy**: the smallest base-stock level S with no stock-out
   in any of the same scenarios (a closed-loop rule; it adapts to the demand).

All three are then evaluated on fresh scenarios (out of sample) too.

Figures (``results/aged_stock/``): ``availability`` (stock on hand by age over
time for the three, with the share of scenarios out of stock each period);
``spend`` (spend, stock-out periods and expired units with 95% CIs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from agents.heuristics import BaseStock, ScheduledOrders
from experiments.studies.common import StudyConfig, StudyResult, plt
from inv_gym.dynamics import EV, initial_state, kernel_params, step
from inv_gym.envs.streams import draw_paths
from inv_gym.evaluation import mean_ci, simulate
from inv_gym.params import InventoryParams
from inv_gym.presets import preset_params

__all__ = ["Config", "main", "least_spend_plan", "run_plan"]


@dataclass
class Config(StudyConfig):
    """Aged-stock settings.

    Attributes:
        periods: planning horizon (periods).
        shelf_life: periods a unit can be sold.
        initial_inventory: fresh units on hand at the start.
        naive_q: order size of the naive plan.
        naive_every: the naive plan orders every this many periods (from period 0).
        scenarios: demand paths the plan and the policy are optimized on.
        S_values: base-stock levels searched for the least-spend policy.
    """

    periods: int = 28
    shelf_life: int = 3
    initial_inventory: float = 10.0
    naive_q: float = 12.0
    naive_every: int = 3
    scenarios: int = 500
    S_values: tuple[float, ...] = tuple(float(s) for s in range(4, 61))

    name: ClassVar[str] = "aged_stock"
    MODES: ClassVar[dict[str, dict[str, Any]]] = {
        "tiny": dict(periods=14, scenarios=60, S_values=tuple(float(s) for s in range(4, 31, 2))),
        "quick": dict(scenarios=300),
        "default": {},
    }


def instance(cfg: Config) -> InventoryParams:
    """The perishable instance of the study."""
    return preset_params(
        "inv_gym/Perishable-v0",
        shelf_life=cfg.shelf_life,
        horizon=cfg.periods,
        finite_horizon=True,
        initial_inventory=cfg.initial_inventory,
        max_order=60,
    )


def least_spend_plan(params: InventoryParams, demand: np.ndarray) -> list[tuple[int, float]]:
    """The least order per period so that no scenario (row of ``demand``) runs out once orders arrive.

    Args:
        params: a perishable, fixed-lead-time instance.
        demand: (N, T) demand scenarios.

    Returns:
        The plan as (period, quantity) pairs (quantities > 0 only).
    """
    n, horizon = demand.shape
    lead = int(params.lead_time)
    p = kernel_params(params)
    state = initial_state(params, n)
    lt = np.full(n, lead, dtype=np.int64)
    no = np.zeros(n, dtype=np.bool_)
    zero = np.zeros(n)
    plan: list[tuple[int, float]] = []
    for t in range(horizon):
        q = 0.0
        if t + lead < horizon:
            ahead = state.copy()
            for u in range(t, t + lead):
                step(p, ahead, zero, demand[:, u], lt, no)
            need = demand[:, t + lead] - ahead.on_hand
            q = float(min(math.ceil(max(0.0, float(need.max())) - 1e-9), params.max_order))
        if q > 0:
            plan.append((t, q))
        step(p, state, np.full(n, q), demand[:, t], lt, (no | (t == horizon - 1)))
    return plan


def run_plan(policy: Any, params: InventoryParams, demand: np.ndarray, leads: np.ndarray) -> dict[str, np.ndarray]:
    """Simulate; per-scenario totals plus ``by_age`` (N, T, A) and ``stockout_by_period`` (N, T)."""
    n, horizon = demand.shape
    ages = [params.obs_index[f"age_{a}"] for a in range(params.n_ages)]
    by_age = np.zeros((n, horizon, len(ages)))
    out = np.zeros((n, horizon))

    def grab(t: int, obs: np.ndarray, orders: np.ndarray, events: np.ndarray) -> None:
        by_age[:, t, :] = obs[:, ages]
        out[:, t] = events[:, EV["stockout"]]

    sums = simulate(policy, params, demand, leads, on_period=grab)
    return {**sums, "by_age": by_age, "stockout_by_period": out}


def _summary(name: str, sample: str, params: InventoryParams, r: dict[str, np.ndarray]) -> dict[str, Any]:
    lead = int(params.lead_time)
    row: dict[str, Any] = {"plan": name, "sample": sample}
    per = {
        "spend": r["purchase_cost"],
        "units_bought": r["ordered"],
        "stockout_periods": r["stockout_by_period"][:, lead:].sum(axis=1),
        "expired_units": r["expired"],
        "fill_rate": r["sold"] / np.maximum(r["demand"], 1e-12),
    }
    for k, v in per.items():
        ci = mean_ci(v)
        row[k], row[f"{k}_lo"], row[f"{k}_hi"] = ci.mean, ci.ci_low, ci.ci_high
    row["scenarios_with_stockout"] = float(np.mean(per["stockout_periods"] > 0))
    return row


def main(cfg: Config | None = None) -> StudyResult:
    """Run the aged-stock study; write its CSVs and PNGs; return the results."""
    cfg = cfg or Config()
    res = StudyResult()
    P = plt()
    params = instance(cfg)
    lead = int(params.lead_time)
    T = cfg.periods
    d_in, l_in = draw_paths(params, cfg.seed, cfg.scenarios, T)
    d_out, l_out = draw_paths(params, cfg.seed + 1, cfg.scenarios, T)

    naive = [(t, cfg.naive_q) for t in range(0, T - lead, cfg.naive_every)]
    plan = least_spend_plan(params, d_in)
    # least base-stock level with no stock-out (from period L on) in every scenario
    S = np.asarray(cfg.S_values, dtype=float)
    feasible, spend = [], []
    for s_level in S:
        rr = run_plan(BaseStock(s_level), params, d_in, l_in)
        feasible.append(not rr["stockout_by_period"][:, lead:].any())
        spend.append(float(rr["purchase_cost"].mean()))
    found = any(feasible)
    best_s = float(S[int(np.argmax(feasible))]) if found else float(S[-1])
    policy_label = (
        f"least-spend base stock S = {best_s:g}"
        if found
        else f"base stock S = {best_s:g} (no S in the grid avoids stock-outs)"
    )
    plans = {
        f"naive plan: {cfg.naive_q:g} every {cfg.naive_every}": ScheduledOrders(naive),
        "least-spend plan (no stock-out in sample)": ScheduledOrders(plan),
        policy_label: BaseStock(best_s),
    }
    rows, runs = [], {}
    for name, pol in plans.items():
        for sample, (d, lt) in (("in sample", (d_in, l_in)), ("out of sample", (d_out, l_out))):
            r = run_plan(pol, params, d, lt)
            rows.append(_summary(name, sample, params, r))
            if sample == "in sample":
                runs[name] = r
    table = res.table(cfg, "plans", pd.DataFrame(rows))
    res.table(cfg, "least_spend_plan", pd.DataFrame(plan, columns=["period", "quantity"]))
    res.table(cfg, "base_stock_search", pd.DataFrame({"S": S, "no_stockout": feasible, "spend": spend}))

    # availability: mean on hand by age, share of scenarios out of stock
    fig, axes = P.subplots(1, 3, figsize=(15, 3.8), sharey=True)
    t = np.arange(T)
    avail = []
    for ax, (name, r) in zip(axes, runs.items()):
        mean_age = r["by_age"].mean(axis=0)
        ax.stackplot(t, mean_age.T, labels=[f"age {a}" for a in range(params.n_ages)], alpha=0.8, step="post")
        ax2 = ax.twinx()
        ax2.plot(t + 0.5, r["stockout_by_period"].mean(axis=0), "r.-", lw=1, label="share out of stock")
        ax2.set_ylim(0, 1)
        ax2.set_ylabel("share of scenarios out of stock", fontsize=7, color="r")
        ax.set(xlabel="period", title=name)
        ax.title.set_fontsize(8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6, loc="upper left")
        for a in range(params.n_ages):
            for tt in t:
                avail.append({"plan": name, "period": int(tt), "age": a, "mean_on_hand": float(mean_age[tt, a])})
    axes[0].set_ylabel("mean stock on hand at the start of the period")
    fig.suptitle(
        f"Perishable stock by age (shelf life {params.shelf_life}, lead time {lead}, FIFO), {cfg.scenarios} scenarios"
    )
    fig.tight_layout()
    res.figure(cfg, "availability", fig)
    res.table(cfg, "availability", pd.DataFrame(avail))

    fig, ax = P.subplots(1, 3, figsize=(14, 3.8))
    names = list(plans)
    xs = np.arange(len(names))
    for j, sample in enumerate(("in sample", "out of sample")):
        d = table[table["sample"] == sample].set_index("plan").loc[names]
        for a, m in zip(ax, ("spend", "stockout_periods", "expired_units")):
            err = np.vstack([d[m] - d[f"{m}_lo"], d[f"{m}_hi"] - d[m]])
            a.bar(xs + (j - 0.5) * 0.38, d[m], 0.38, yerr=err, capsize=3, label=sample)
    for a, lab in zip(ax, ("purchase spend per horizon", "stock-out periods per horizon", "expired units per horizon")):
        a.set_xticks(xs, ["naive plan", "least-spend plan", f"base stock {best_s:g}"], fontsize=8)
        a.set_title(lab, fontsize=9)
        a.grid(alpha=0.3, axis="y")
        a.legend(fontsize=7)
    fig.tight_layout()
    res.figure(cfg, "spend", fig)
    res.summary.update(
        plan=plan,
        best_base_stock=best_s,
        base_stock_without_stockouts_found=found,
        plans=table[["plan", "sample", "spend", "stockout_periods", "expired_units", "scenarios_with_stockout"]]
        .round(4)
        .to_dict("records"),
    )
    return res.finish(cfg)
