"""(Q, r) study: cost and fill-rate surfaces, the backorder distribution, and (Q*, r*) as K grows.

Instance ``inv_gym/Qr-v0`` (Zheng & Federgruen 1991: Poisson(10) demand, K = 64,
h = 1, b = 9, lead time 0, backorders) under ``RQ(r, Q)``: when the inventory
position is at or below r, order enough multiples of Q to bring it above r.
Every (Q, r) of the grid is simulated under common random numbers; (Q*, r*) is
the grid point of least simulated cost, and its statistics are re-estimated
with fresh draws (no selection bias in the reported CI).

Figures (``results/qr/``): ``surfaces`` (cost and fill rate over (Q, r));
``backorder_distribution`` (PDF and CDF of end-of-period backorders at (Q*, r*));
``stats_vs_setup_cost`` (Q*, r*, average on hand, backorders, fill rate and
orders per period at the re-optimized (Q*, r*) as K grows).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from agents.heuristics import RQ
from experiments.runner import Task
from experiments.studies.common import StudyConfig, StudyResult, backorder_counts, backorder_pmf, plt
from experiments.sweep import SearchSpec, Sweep, band, best_of, plot_surface, run_sweep, search_table
from inv_gym.params import InventoryParams
from inv_gym.presets import preset_params

__all__ = ["Config", "main"]

ENV = "inv_gym/Qr-v0"


@dataclass
class Config(StudyConfig):
    """(Q, r) study settings.

    Attributes:
        q_values: batch sizes Q of the surfaces.
        r_values: reorder points r of the surfaces.
        setup_costs: K values of the statistics-vs-K sweep (each re-optimized).
        reps: replications per policy.
        horizon: measured periods per replication.
        warmup: unmeasured periods first.
    """

    q_values: tuple[float, ...] = tuple(float(q) for q in range(5, 81, 5))
    r_values: tuple[float, ...] = tuple(float(r) for r in range(-10, 31, 2))
    setup_costs: tuple[float, ...] = (1.0, 4.0, 16.0, 64.0, 144.0, 256.0)
    reps: int = 20
    horizon: int = 2000
    warmup: int = 100

    name: ClassVar[str] = "qr"
    MODES: ClassVar[dict[str, dict[str, Any]]] = {
        "tiny": dict(
            q_values=tuple(float(q) for q in range(10, 71, 10)),
            r_values=tuple(float(r) for r in range(-6, 25, 3)),
            setup_costs=(4.0, 64.0, 256.0),
            reps=6,
            horizon=500,
            warmup=50,
        ),
        "quick": dict(reps=10, horizon=1000),
        "default": {},
    }


def main(cfg: Config | None = None) -> StudyResult:
    """Run the (Q, r) study; write its CSVs and PNGs; return the results.

    The runs: the (Q, r) grid search (task ``surfaces``); at its best (Q*, r*)
    the backorder levels (task ``backorder_levels``, whose settings depend on
    the first task's result, so it runs second); the sweep over the setup cost.
    The report step (:func:`_report`) writes the tables, figures and summary.
    """
    cfg = cfg or Config()
    over = dict(max_order=int(max(cfg.q_values) * 3))
    base = preset_params(ENV, **over)
    spec = SearchSpec("rq", {"Q": cfg.q_values, "r": cfg.r_values})
    ev = {"params": repr(base), "reps": cfg.reps, "horizon": cfg.horizon, "warmup": cfg.warmup}
    sizes = dict(reps=cfg.reps, horizon=cfg.horizon, warmup=cfg.warmup)
    surfaces = Task(
        "surfaces",
        {**ev, "spec": repr(spec), "seed": cfg.seed},
        partial(search_table, spec, base, seed=cfg.seed, **sizes),
    )
    first = {r.key: r.value for r in cfg.run_units([surfaces]).records}
    best = best_of(spec, first["surfaces"])
    assert best is not None
    q_star, r_star = best.values["Q"], best.values["r"]
    levels = Task(
        "backorder_levels",
        {**ev, "Q": q_star, "r": r_star, "seed": cfg.seed + 1},
        partial(backorder_counts, RQ(r_star, q_star), base, seed=cfg.seed + 1, **sizes),
    )
    metrics = ("cost_per_period", "fill_rate", "average_on_hand", "average_backorders", "orders_placed")
    sweep = Sweep(
        ENV,
        policy=spec,
        vary=("fixed_order_cost", cfg.setup_costs),
        overrides=over,
        seed=cfg.seed,
        metrics=metrics,
        **sizes,
        **cfg.sweep_options("stats_vs_setup_cost"),
    )
    dk = run_sweep(sweep)
    return cfg.run_units([levels], report=lambda units: _report(cfg, base, spec, dk, {**first, **units})).report


def _report(
    cfg: Config, base: InventoryParams, spec: SearchSpec, dk: pd.DataFrame, units: dict[str, Any]
) -> StudyResult:
    """The report step: the tables, figures and summary from the stored units and the setup-cost sweep."""
    res = StudyResult()
    P = plt()
    table = units["surfaces"]
    res.table(cfg, "surfaces", table)
    best = best_of(spec, table)
    assert best is not None
    q_star, r_star = best.values["Q"], best.values["r"]
    fig, ax = P.subplots(1, 2, figsize=(11, 4))
    plot_surface(table, "Q", "r", "cost_per_period", "", ax=ax[0], title="cost per period")
    plot_surface(table, "Q", "r", "fill_rate", "", ax=ax[1], title="fill rate")
    for a in ax:
        a.plot([q_star], [r_star], "r*", ms=12, label=f"(Q*, r*) = ({q_star:g}, {r_star:g})")
        a.legend(fontsize=7, loc="upper right")
    fig.suptitle("(Q, r) policies: Poisson(10), K=64, h=1, b=9, L=0")
    fig.tight_layout()
    res.figure(cfg, "surfaces", fig)
    row = table[(table["Q"] == q_star) & (table["r"] == r_star)].iloc[0]
    res.summary.update(
        q_star=q_star, r_star=r_star, cost_min=float(row["cost_per_period"]), fill_at_best=float(row["fill_rate"])
    )

    # 2. backorder PDF / CDF at (Q*, r*)
    counts = units["backorder_levels"]
    ks = np.arange(0, max(len(counts) + 1, 10))
    pmf = backorder_pmf(counts, ks.size)
    res.table(cfg, "backorder_distribution", pd.DataFrame({"backorders": ks, "pmf": pmf, "cdf": np.cumsum(pmf)}))
    fig, ax = P.subplots(1, 2, figsize=(10, 3.6))
    ax[0].bar(ks, pmf, alpha=0.7)
    ax[0].set(
        xlabel="end-of-period backorders k", ylabel="probability", title=f"PMF at (Q*, r*) = ({q_star:g}, {r_star:g})"
    )
    ax[1].step(ks, np.cumsum(pmf), where="post")
    ax[1].set(xlabel="end-of-period backorders k", ylabel="P(B <= k)", title="CDF", ylim=(0, 1.02))
    for a in ax:
        a.grid(alpha=0.3)
    fig.tight_layout()
    res.figure(cfg, "backorder_distribution", fig)
    res.summary["p_no_backorder_at_best"] = float(pmf[0])

    # 3. statistics at (Q*, r*) as the setup cost grows
    res.table(cfg, "stats_vs_setup_cost", dk)
    x = dk["fixed_order_cost"].to_numpy(float)
    fig, ax = P.subplots(1, 3, figsize=(13, 3.6))
    ax[0].plot(x, dk["policy_Q"], "o-", label="Q*")
    ax[0].plot(x, dk["policy_r"], "s-", label="r*")
    ax[0].plot(x, np.sqrt(2 * x * base.demand.mean / base.holding_cost), "k--", lw=1, label="EOQ sqrt(2 K lambda / h)")
    ax[0].set(ylabel="units", title="(Q*, r*)")
    band(ax[1], x, dk, "average_on_hand", label="average on hand")
    band(ax[1], x, dk, "average_backorders", label="average backorders")
    ax[1].set(ylabel="units", title="inventory at (Q*, r*)")
    band(ax[2], x, dk, "fill_rate", label="fill rate")
    band(ax[2], x, dk, "orders_placed", label="orders per period")
    ax[2].set(title="service and order frequency")
    for a in ax:
        a.set(xscale="log", xlabel="setup cost K")
        a.grid(alpha=0.3)
        a.legend(fontsize=7)
    fig.tight_layout()
    res.figure(cfg, "stats_vs_setup_cost", fig)
    res.summary["stats_vs_setup_cost"] = (
        dk[["fixed_order_cost", "policy_Q", "policy_r", "cost_per_period", "average_on_hand", "fill_rate"]]
        .round(4)
        .to_dict("records")
    )
    return res.finish(cfg)
