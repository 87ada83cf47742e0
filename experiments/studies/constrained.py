"""Constrained optimization: the least-cost policy whose fill rate meets a target.

Every (s, S) policy of a grid is simulated under common random numbers on
``inv_gym/Qr-v0`` (Poisson(10), K = 64, h = 1, b = 9, L = 0). The cost-versus-service
frontier is the set of policies that no other policy beats on both cost and fill
rate; the constrained optimum is the cheapest policy with fill rate >= target.
Both it and the unconstrained optimum are re-evaluated on fresh draws for their
CIs. (Searching on one set of draws and reporting on another avoids the
optimistic bias of picking the best of many noisy estimates.)

Figure (``results/constrained/frontier.png``): every policy (grey), the frontier,
the target line, and the constrained and unconstrained optima.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

import pandas as pd

from agents.search import pareto_frontier
from experiments.runner import Task
from experiments.studies.common import StudyConfig, StudyResult, plt
from experiments.sweep import SearchSpec, best_of, evaluate_point, search_table
from inv_gym.params import InventoryParams
from inv_gym.presets import preset_params

__all__ = ["Config", "main", "frontier"]

ENV = "inv_gym/Qr-v0"


@dataclass
class Config(StudyConfig):
    """Constrained-optimization settings.

    Attributes:
        target: the fill-rate floor.
        s_values: reorder points s of the grid.
        S_values: order-up-to levels S of the grid.
        reps: replications per policy.
        horizon: measured periods per replication.
        warmup: unmeasured periods first.
    """

    target: float = 0.99
    s_values: tuple[float, ...] = tuple(float(s) for s in range(-4, 41, 2))
    S_values: tuple[float, ...] = tuple(float(s) for s in range(20, 91, 3))
    reps: int = 20
    horizon: int = 2000
    warmup: int = 100

    name: ClassVar[str] = "constrained"
    MODES: ClassVar[dict[str, dict[str, Any]]] = {
        "tiny": dict(
            s_values=tuple(float(s) for s in range(0, 37, 4)),
            S_values=tuple(float(s) for s in range(25, 86, 6)),
            reps=6,
            horizon=500,
            warmup=50,
        ),
        "quick": dict(reps=10, horizon=1000),
        "default": {},
    }


def frontier(table: pd.DataFrame, service: str = "fill_rate", cost: str = "cost_per_period") -> pd.DataFrame:
    """The Pareto-efficient rows (lower cost, higher service; :func:`agents.search.pareto_frontier`), by service.

    On the frontier cost and service rise together, so the order by service is
    the order by cost.
    """
    keep = pareto_frontier(table[cost].to_numpy(), table[service].to_numpy())
    return table.iloc[keep].sort_values(service)


def main(cfg: Config | None = None) -> StudyResult:
    """Run the constrained optimization; write its CSVs and PNG; return the results.

    The run: the (s, S) grid search (task ``policies``); the report step
    (:func:`_report`) picks the optima with and without the fill-rate floor,
    evaluates them on fresh draws and writes the tables, figure and summary.
    """
    cfg = cfg or Config()
    params = preset_params(ENV, max_order=200)
    free = SearchSpec("ss", {"s": cfg.s_values, "S": cfg.S_values})
    grid = Task(
        "policies",
        {"params": repr(params), "spec": repr(free), "reps": cfg.reps, "horizon": cfg.horizon}
        | {"warmup": cfg.warmup, "seed": cfg.seed},
        partial(search_table, free, params, reps=cfg.reps, horizon=cfg.horizon, warmup=cfg.warmup, seed=cfg.seed),
    )
    return cfg.run_units([grid], report=partial(_report, cfg, params, free)).report


def _report(cfg: Config, params: InventoryParams, free: SearchSpec, units: dict[str, Any]) -> StudyResult:
    """The report step: the grid's table and frontier, the two optima evaluated, the figure and summary."""
    res = StudyResult()
    P = plt()
    table = units["policies"]
    res.table(cfg, "policies", table)
    front = res.table(cfg, "frontier", frontier(table))
    table = table.assign(feasible=table["fill_rate"] >= cfg.target)
    constrained = best_of(free, table)
    unconstrained = best_of(free, table.assign(feasible=True))
    assert unconstrained is not None
    ev = dict(
        reps=cfg.reps,
        horizon=cfg.horizon,
        warmup=cfg.warmup,
        seed=cfg.seed + 1,
        metrics=("cost_per_period", "fill_rate"),
    )
    chosen = {"unconstrained": unconstrained, f"fill rate >= {cfg.target:g}": constrained}
    rows = []
    for label, pol in chosen.items():
        if pol is None:
            continue
        row = {"which": label, **evaluate_point(params, pol, **ev)}
        rows.append(row)
    best = res.table(cfg, "optima", pd.DataFrame(rows))
    fig, ax = P.subplots(figsize=(7, 4.5))
    ax.scatter(table["fill_rate"], table["cost_per_period"], s=6, c="0.75", label="(s, S) grid")
    ax.plot(front["fill_rate"], front["cost_per_period"], "k.-", lw=1, label="frontier")
    ax.axvline(cfg.target, color="r", ls=":", lw=1, label=f"target {cfg.target:g}")
    for (_, r), mk in zip(best.iterrows(), ("o", "*")):
        ax.errorbar(
            r["fill_rate"],
            r["cost_per_period"],
            xerr=[[r["fill_rate"] - r["fill_rate_lo"]], [r["fill_rate_hi"] - r["fill_rate"]]],
            yerr=[[r["cost_per_period"] - r["cost_per_period_lo"]], [r["cost_per_period_hi"] - r["cost_per_period"]]],
            fmt=mk,
            ms=12 if mk == "*" else 7,
            capsize=3,
            label=f"{r['which']}: {r['policy']}",
        )
    lo = max(0.5, float(front["fill_rate"].min()) - 0.02)
    ax.set(
        xlim=(lo, 1.001),
        ylim=(float(front["cost_per_period"].min()) * 0.95, float(front["cost_per_period"].max()) * 1.05),
        xlabel="fill rate",
        ylabel="cost per period",
        title="cost vs service: (s, S), Poisson(10), K=64, h=1, b=9",
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    res.figure(cfg, "frontier", fig)
    res.summary.update(
        target=cfg.target,
        optima=best[
            [
                "which",
                "policy",
                "cost_per_period",
                "cost_per_period_lo",
                "cost_per_period_hi",
                "fill_rate",
                "fill_rate_lo",
                "fill_rate_hi",
            ]
        ]
        .round(4)
        .to_dict("records"),
        frontier_points=len(front),
        price_of_service=(
            float(best["cost_per_period"].iloc[-1] - best["cost_per_period"].iloc[0]) if len(best) == 2 else None
        ),
    )
    return res.finish(cfg)
