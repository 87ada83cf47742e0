"""Base-stock study: cost, backorders and fill rate against the base-stock level R.

Instance ``inv_gym/BaseStock-v0``: Poisson(5) demand per period, lead time L = 2,
holding h = 1 and backorder cost b = 9 per unit per period, no fixed cost. Under
``BaseStock(S=R)`` (order up to R every period) the end-of-period net inventory
is R - D with D the demand of L + 1 periods (Poisson(15)), so exactly:

    cost(R) = h E[(R - D)^+] + b E[(D - R)^+],   E[backorders] = E[(D - R)^+],
    R* = the smallest R with P(D <= R) >= b / (b + h),
    fill rate = (E[(R - X)^+] - E[(R - X - Y)^+]) / E[Y],  X ~ Poisson(L lambda), Y ~ Poisson(lambda).

(Hopp & Spearman's continuous-review base-stock model is the continuous-time
analogue; in the periodic model these formulas are exact.) The lines in the
figures are these formulas (:mod:`inv_gym.analytic.base_stock`); the points are
simulated with 95% CIs.

Figures (``results/base_stock/``): ``cost_vs_r``; ``backorder_distribution``
(PDF and CDF of end-of-period backorders at a fixed R); ``fill_vs_backorder_cost``
(fill rate at R* as b grows); ``vs_interarrival_scv`` (renewal demand of rate 5
with gamma interarrival times; fixed R and R* re-optimized by simulation);
``vs_lead_time_mean`` (fixed R and the exact R*); ``vs_lead_time_scv``
(``round(gamma)`` lead times of mean 4; fixed R and R* by simulation).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from agents.heuristics import BaseStock
from experiments.runner import Task
from experiments.studies.common import StudyConfig, StudyResult, backorder_counts, backorder_pmf, plt
from experiments.sweep import Sweep, band, run_sweep
from inv_gym.analytic import (
    base_stock_cost,
    base_stock_fill_rate,
    base_stock_level,
    expected_excess,
    expected_shortage,
    lead_time_demand,
    newsvendor_critical_ratio,
)
from inv_gym.params import InventoryParams
from inv_gym.presets import preset_params

__all__ = ["Config", "main", "optimal_base_stock", "base_stock_formulas"]

ENV = "inv_gym/BaseStock-v0"
METRICS = ("cost_per_period", "holding_cost", "backorder_cost", "fill_rate", "average_backorders", "average_on_hand")


@dataclass
class Config(StudyConfig):
    """Base-stock study settings.

    Attributes:
        r_values: base-stock levels of the cost curve.
        fixed_r: R of the backorder distribution and of the fixed-policy sweeps
            (None: R* of the instance).
        backorder_costs: b values of the fill-rate-at-R* sweep.
        scvs: interarrival SCVs (gamma interarrival times, rate 5 per period).
        lead_time_means: lead times of the lead-time sweep.
        lead_time_scvs: lead-time SCVs (mean ``lead_time_scv_mean``).
        lead_time_scv_mean: mean lead time of the lead-time SCV sweep.
        search_max: R* by simulation is searched over 0..search_max.
        reps: replications per point.
        horizon: measured periods per replication.
        warmup: unmeasured periods first.
    """

    r_values: tuple[float, ...] = tuple(float(r) for r in range(5, 31))
    fixed_r: float | None = None
    backorder_costs: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0, 9.0, 19.0, 49.0, 99.0)
    scvs: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
    lead_time_means: tuple[float, ...] = (0, 1, 2, 3, 4, 6, 8)
    lead_time_scvs: tuple[float, ...] = (0.0, 0.05, 0.1, 0.25, 0.5, 1.0)
    lead_time_scv_mean: float = 4.0
    search_max: int = 80
    reps: int = 30
    horizon: int = 2000
    warmup: int = 100

    name: ClassVar[str] = "base_stock"
    MODES: ClassVar[dict[str, dict[str, Any]]] = {
        "tiny": dict(
            r_values=tuple(float(r) for r in range(6, 29, 2)),
            backorder_costs=(1.0, 9.0, 49.0),
            scvs=(0.25, 1.0, 4.0),
            lead_time_means=(0, 2, 4),
            lead_time_scvs=(0.0, 0.25, 1.0),
            search_max=50,
            reps=8,
            horizon=600,
            warmup=50,
        ),
        "quick": dict(reps=16, horizon=1000),
        "default": {},
    }


def _model(params: InventoryParams) -> dict[str, Any]:
    """The base-stock arguments of :mod:`inv_gym.analytic` for a fixed-lead-time backorder model."""
    return dict(
        demand=params.demand,
        holding_cost=params.holding_cost,
        backorder_cost=params.backorder_cost,
        lead_time=int(params.lead_time),
    )


def optimal_base_stock(params: InventoryParams) -> BaseStock:
    """The exact optimal base-stock policy of a fixed-lead-time backorder model (critical fractile)."""
    return BaseStock(base_stock_level(**_model(params)))


def base_stock_formulas(r: Any, params: InventoryParams) -> dict[str, np.ndarray]:
    """Exact periodic-review cost, backorders, on hand and fill rate of BaseStock(R) on ``params``."""
    r = np.atleast_1d(np.asarray(r, dtype=float))
    model = _model(params)
    demand = dict(demand=model["demand"], lead_time=model["lead_time"])
    return {
        "cost": np.asarray(base_stock_cost(**model, level=r)),
        "backorders": np.asarray(expected_shortage(**demand, level=r)),
        "fill_rate": np.asarray(base_stock_fill_rate(**demand, level=r)),
        "on_hand": np.asarray(expected_excess(**demand, level=r)),
    }


def _sweeps(cfg: Config, base: InventoryParams, r_fixed: float) -> dict[str, Sweep]:
    """The study's sweeps by table name (each stored under ``units/<name>/points/``)."""
    over = dict(max_order=60)
    common = dict(horizon=cfg.horizon, warmup=cfg.warmup, seed=cfg.seed, metrics=METRICS, reps=cfg.reps)
    search = f"best:base_stock:S=0:{cfg.search_max}"
    sweeps = {
        "cost_vs_r": Sweep(
            ENV,
            "base_stock:S=0",
            ("policy.S", cfg.r_values),
            overrides=over,
            **common,
            **cfg.sweep_options("cost_vs_r"),
        ),
        "fill_vs_backorder_cost": Sweep(
            ENV,
            optimal_base_stock,
            ("backorder_cost", cfg.backorder_costs),
            overrides=over,
            **common,
            **cfg.sweep_options("fill_vs_backorder_cost"),
        ),
    }
    lt_over = dict(over, lead_time=int(cfg.lead_time_scv_mean))
    r_lt = base_stock_level(**_model(base.replace(lead_time=int(cfg.lead_time_scv_mean))))
    for table, name, values, best, overrides, r_fix in (
        ("vs_interarrival_scv", "interarrival_scv", cfg.scvs, search, over, r_fixed),
        ("vs_lead_time_mean", "lead_time", [int(v) for v in cfg.lead_time_means], optimal_base_stock, over, r_fixed),
        ("vs_lead_time_scv", "lead_time_scv", cfg.lead_time_scvs, search, lt_over, r_lt),
    ):
        for k, pol in (("fixed", f"base_stock:S={r_fix:g}"), ("best", best)):
            opts = cfg.sweep_options(f"{table}_{k}")
            sweeps[f"{table}_{k}"] = Sweep(ENV, pol, (name, values), overrides=overrides, **common, **opts)
    return sweeps


def main(cfg: Config | None = None) -> StudyResult:
    """Run the base-stock study; write its CSVs and PNGs; return the results.

    The runs: every sweep (:func:`_sweeps`), then the study's one task, the
    backorder levels at a fixed R (:func:`~experiments.studies.common.backorder_counts`);
    the report step (:func:`_report`) writes the tables, figures and summary.
    """
    cfg = cfg or Config()
    base = preset_params(ENV, max_order=60)
    r_star = base_stock_level(**_model(base))
    r_fixed = float(r_star if cfg.fixed_r is None else cfg.fixed_r)
    tables = {name: run_sweep(sw) for name, sw in _sweeps(cfg, base, r_fixed).items()}
    sizes = dict(reps=cfg.reps, horizon=cfg.horizon, warmup=cfg.warmup)
    levels = Task(
        "backorder_levels",
        {"params": repr(base), "R": r_fixed, "seed": cfg.seed, **sizes},
        partial(backorder_counts, BaseStock(r_fixed), base, seed=cfg.seed, **sizes),
    )
    return cfg.run_units([levels], report=partial(_report, cfg, base, r_star, r_fixed, tables)).report


def _report(
    cfg: Config,
    base: InventoryParams,
    r_star: float,
    r_fixed: float,
    tables: dict[str, pd.DataFrame],
    units: dict[str, Any],
) -> StudyResult:
    """The report step: the tables, figures and summary from the sweeps' tables and the stored units."""
    res = StudyResult()
    P = plt()
    lam, lead, h, b = base.demand.mean, int(base.lead_time), base.holding_cost, base.backorder_cost

    # 1. cost, backorders, fill rate vs R
    df = tables["cost_vs_r"].rename(columns={"policy.S": "R"})
    f = base_stock_formulas(df["R"], base)
    for key, v in f.items():
        df[f"{key}_formula"] = v
    res.table(cfg, "cost_vs_r", df)
    fig, ax = P.subplots(1, 3, figsize=(13, 3.6))
    x = df["R"].to_numpy(float)
    for a, col, fcol, lab in zip(
        ax,
        ("cost_per_period", "average_backorders", "fill_rate"),
        ("cost_formula", "backorders_formula", "fill_rate_formula"),
        ("cost per period", "average backorders", "fill rate"),
    ):
        band(a, x, df, col, label="simulated (95% CI)")
        a.plot(x, df[fcol], "k-", lw=1, label="exact formula")
        a.axvline(r_star, color="r", ls="--", lw=1, label=f"R* = {r_star:g}")
        a.set(xlabel="base-stock level R", ylabel=lab)
        a.grid(alpha=0.3)
        a.legend(fontsize=7)
    fig.suptitle(f"Base stock: Poisson({lam:g}), L={lead}, h={h:g}, b={b:g}")
    fig.tight_layout()
    res.figure(cfg, "cost_vs_r", fig)
    res.summary.update(
        r_star=r_star,
        r_argmin_simulated=float(df["R"][int(np.argmin(df["cost_per_period"]))]),
        cost_at_r_star_formula=float(base_stock_cost(**_model(base))),
        fill_rate_vs_r=df[["R", "fill_rate"]].round(4).to_dict("records"),
    )

    # 2. backorder PDF / CDF at a fixed R (every end-of-period backorder level)
    counts = units["backorder_levels"]
    ks = np.arange(0, max(len(counts), 15))
    pmf_sim = backorder_pmf(counts, ks.size)
    dd = lead_time_demand(demand=base.demand, lead_time=lead)
    pmf_exact = np.where(ks == 0, dd.cdf(r_fixed), dd.pmf(r_fixed + ks))
    dist = pd.DataFrame(
        {
            "backorders": ks,
            "pmf_sim": pmf_sim,
            "pmf_exact": pmf_exact,
            "cdf_sim": np.cumsum(pmf_sim),
            "cdf_exact": np.cumsum(pmf_exact),
        }
    )
    res.table(cfg, "backorder_distribution", dist)
    fig, ax = P.subplots(1, 2, figsize=(10, 3.6))
    ax[0].bar(ks, pmf_sim, alpha=0.6, label="simulated")
    ax[0].plot(ks, pmf_exact, "ko", ms=3, label="exact: P(D = R + k)")
    ax[0].set(xlabel="end-of-period backorders k", ylabel="probability", title=f"backorder PMF at R = {r_fixed:g}")
    ax[1].step(ks, np.cumsum(pmf_sim), where="post", label="simulated")
    ax[1].plot(ks, np.cumsum(pmf_exact), "ko", ms=3, label="exact")
    ax[1].set(xlabel="end-of-period backorders k", ylabel="P(B <= k)", title=f"backorder CDF at R = {r_fixed:g}")
    for a in ax:
        a.grid(alpha=0.3)
        a.legend(fontsize=7)
    fig.tight_layout()
    res.figure(cfg, "backorder_distribution", fig)
    res.summary["p_no_backorder"] = {"simulated": float(pmf_sim[0]), "exact": float(pmf_exact[0])}

    # 3. fill rate at R* as b grows
    db = tables["fill_vs_backorder_cost"]
    db["critical_ratio"] = [newsvendor_critical_ratio(holding_cost=h, backorder_cost=bv) for bv in db["backorder_cost"]]
    res.table(cfg, "fill_vs_backorder_cost", db)
    fig, ax = P.subplots(figsize=(6.5, 4))
    xb = db["backorder_cost"].to_numpy(float)
    band(ax, xb, db, "fill_rate", label="fill rate at R*")
    ax.plot(xb, db["critical_ratio"], "k--", lw=1, label="b / (b + h)")
    for xv, yv, rv in zip(xb, db["fill_rate"], db["policy_S"]):
        ax.annotate(f"R*={rv:g}", (xv, yv), textcoords="offset points", xytext=(0, -12), fontsize=6, ha="center")
    ax.set(
        xscale="log", xlabel="backorder cost b", ylabel="fill rate", title="fill rate at R* as the backorder cost grows"
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    res.figure(cfg, "fill_vs_backorder_cost", fig)
    res.summary["fill_at_r_star_vs_b"] = db[["backorder_cost", "policy_S", "fill_rate"]].round(4).to_dict("records")

    # 4-6. vs interarrival SCV, lead-time mean, lead-time SCV: fixed R and R*
    def fixed_and_best(name: str, r_fix: float, table: str, xlabel: str, log: bool) -> pd.DataFrame:
        fixed, opt = tables[f"{table}_fixed"], tables[f"{table}_best"]
        fixed["which"], opt["which"] = f"fixed R = {r_fix:g}", "R* (re-optimized)"
        both = pd.concat([fixed, opt], ignore_index=True)
        res.table(cfg, table, both)
        fig, ax = P.subplots(1, 3, figsize=(13, 3.6))
        for lab, d in both.groupby("which", sort=False):
            xv = d[name].to_numpy(float)
            for a, col in zip(ax, ("cost_per_period", "fill_rate", "average_backorders")):
                band(a, xv, d, col, label=lab)
        for xv, yv, rv in zip(opt[name], opt["cost_per_period"], opt["policy_S"]):
            ax[0].annotate(f"{rv:g}", (xv, yv), textcoords="offset points", xytext=(0, 5), fontsize=6, ha="center")
        for a, lab in zip(ax, ("cost per period", "fill rate", "average backorders")):
            a.set(xlabel=xlabel, ylabel=lab)
            if log:
                a.set_xscale("log")
            a.grid(alpha=0.3)
            a.legend(fontsize=7)
        fig.tight_layout()
        res.figure(cfg, table, fig)
        return both

    ds = fixed_and_best(
        "interarrival_scv", r_fixed, "vs_interarrival_scv", "demand interarrival SCV (gamma, rate 5)", True
    )
    dl = fixed_and_best("lead_time", r_fixed, "vs_lead_time_mean", "lead time L (periods)", False)
    dv = fixed_and_best(
        "lead_time_scv",
        base_stock_level(**_model(base.replace(lead_time=int(cfg.lead_time_scv_mean)))),
        "vs_lead_time_scv",
        f"lead-time SCV (round(gamma), mean {cfg.lead_time_scv_mean:g})",
        False,
    )
    for key, d, col in (
        ("vs_interarrival_scv", ds, "interarrival_scv"),
        ("vs_lead_time_mean", dl, "lead_time"),
        ("vs_lead_time_scv", dv, "lead_time_scv"),
    ):
        res.summary[key] = d[[col, "which", "policy_S", "cost_per_period", "fill_rate"]].round(4).to_dict("records")
    return res.finish(cfg)
