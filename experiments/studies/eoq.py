"""EOQ study: cost against the order quantity, simulated beside the closed form.

Continuous model (Hopp & Spearman 2008, section 2.2, Figure 2.2): demand at the
constant rate lambda, setup cost K per order, holding h per unit per unit time,
unit cost c; an order of Q arrives the moment stock runs out:

    Y(Q) = h Q / 2 + K lambda / Q + c lambda,   Q* = sqrt(2 K lambda / h).

Mapping to the periodic model (``inv_gym/EOQ-v0`` with overrides): one period is
one time unit, demand is ``deterministic:lambda`` per period, lead time 0, and
the policy is ``RQ(r=0, Q)`` (order Q when the period opens with no stock; the
order arrives before that period's demand). Holding is charged on the
end-of-period stock, whose average is (Q - lambda) / 2 (Q a multiple of lambda),
not Q / 2: the simulated cost is Y(Q) - h lambda / 2, the same curve shifted by a
constant, so both have their minimum at Q*. Setup (K lambda / Q) and purchase
(c lambda) costs agree exactly. The EOQ model has no shortages, so b = 0 here.

Figures (``results/eoq/``):

* ``cost_vs_q``: total, holding, setup and purchase cost vs Q (simulated points,
  closed-form lines; Figure 2.2);
* ``cost_vs_holding``: the costs at Q* (rounded) as h grows, with sqrt(2 K lambda h);
* ``cost_vs_interarrival_scv``: the same fixed-Q policy when the demand is a
  renewal process of unit arrivals with gamma interarrival times of mean
  1 / lambda and growing SCV: the long-run setup, purchase and holding costs
  depend on the rate only, so the cost is flat (the backorders that several
  arrivals in one period cause are shown separately; the EOQ model has none).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from experiments.studies.common import StudyConfig, StudyResult, plt
from experiments.sweep import Sweep, band, run_sweep
from inv_gym.analytic import eoq_hs_cost, eoq_order_quantity

__all__ = ["Config", "main", "eoq_cost_components"]

ENV = "inv_gym/EOQ-v0"


@dataclass
class Config(StudyConfig):
    """EOQ study settings.

    Attributes:
        rate: lambda, demand per period.
        fixed_order_cost: K, per order.
        holding_cost: h, per unit per period.
        unit_cost: c, per unit.
        q_values: order quantities of the cost curve.
        holding_costs: h values of the costs-at-Q* sweep.
        scvs: interarrival SCVs (gamma interarrival times, rate lambda).
        horizon: measured periods per replication (random demand).
        warmup: unmeasured periods first.
        reps: replications of the random-demand sweep (deterministic runs use 2).
        deterministic_horizon: measured periods of the deterministic runs, long
            enough that the partial last cycle (a bias of at most K / horizon)
            cannot move the minimum.
    """

    rate: float = 1.0
    fixed_order_cost: float = 50.0
    holding_cost: float = 0.25
    unit_cost: float = 1.0
    q_values: tuple[float, ...] = tuple(float(q) for q in range(4, 81, 2))
    holding_costs: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
    scvs: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
    horizon: int = 4000
    warmup: int = 200
    reps: int = 40
    deterministic_horizon: int = 20000

    name: ClassVar[str] = "eoq"
    MODES: ClassVar[dict[str, dict[str, Any]]] = {
        "tiny": dict(
            q_values=tuple(float(q) for q in range(8, 41, 2)),
            holding_costs=(0.1, 0.5, 2.0),
            scvs=(0.25, 1.0, 4.0),
            horizon=1200,
            warmup=100,
            reps=16,
            deterministic_horizon=5000,
        ),
        "quick": dict(horizon=2000, reps=30),
        "default": {},
    }


def eoq_cost_components(q: Any, k: float, lam: float, h: float, c: float) -> dict[str, Any]:
    """Continuous-model costs per unit time: holding h Q / 2, setup K lambda / Q, purchase c lambda.

    ``total`` is Hopp & Spearman's Y(Q) (:func:`inv_gym.analytic.eoq_hs_cost`); the
    other entries split it into its three terms for the figure.
    """
    q = np.asarray(q, dtype=float)
    out = {"holding": h * q / 2.0, "setup": k * lam / q, "purchase": c * lam + 0.0 * q}
    total = [
        eoq_hs_cost(fixed_order_cost=k, holding_cost=h, unit_cost=c, demand_rate=lam, order_quantity=float(x))
        for x in q.ravel()
    ]
    out["total"] = np.asarray(total).reshape(q.shape)
    return out


def _overrides(cfg: Config, **extra: Any) -> dict[str, Any]:
    over: dict[str, Any] = dict(
        demand=f"deterministic:{cfg.rate:g}",
        lead_time=0,
        holding_cost=cfg.holding_cost,
        backorder_cost=0.0,
        fixed_order_cost=cfg.fixed_order_cost,
        unit_cost=cfg.unit_cost,
        max_order=int(max(cfg.q_values) * 2 + 10),
    )
    over.update(extra)
    return over


METRICS = ("cost_per_period", "holding_cost", "fixed_cost", "purchase_cost", "average_backorders", "orders_placed")


def main(cfg: Config | None = None) -> StudyResult:
    """Run the EOQ study; write its CSVs and PNGs; return the results."""
    cfg = cfg or Config()
    res = StudyResult()
    P = plt()
    k, lam, h, c = cfg.fixed_order_cost, cfg.rate, cfg.holding_cost, cfg.unit_cost
    q_star = eoq_order_quantity(fixed_order_cost=k, holding_cost=h, demand_rate=lam)
    common = dict(warmup=cfg.warmup, seed=cfg.seed, metrics=METRICS)
    det = dict(common, horizon=cfg.deterministic_horizon)
    common["horizon"] = cfg.horizon

    # 1. cost vs Q (deterministic demand: two replications suffice)
    opts = cfg.sweep_options("cost_vs_q")
    sw = Sweep(ENV, "rq:r=0,Q=1", ("policy.Q", cfg.q_values), overrides=_overrides(cfg), reps=2, **det, **opts)
    df = run_sweep(sw).rename(columns={"policy.Q": "Q"})
    cf = eoq_cost_components(df["Q"], k, lam, h, c)
    for name, v in cf.items():
        df[f"{name}_closed_form"] = v
    res.table(cfg, "cost_vs_q", df)
    fig, ax = P.subplots(figsize=(7, 4.5))
    colors = {"total": "k", "holding": "tab:blue", "setup": "tab:orange", "purchase": "tab:green"}
    sim_cols = {
        "total": "cost_per_period",
        "holding": "holding_cost",
        "setup": "fixed_cost",
        "purchase": "purchase_cost",
    }
    qq = np.linspace(min(cfg.q_values), max(cfg.q_values), 300)
    cfq = eoq_cost_components(qq, k, lam, h, c)
    for name, col in sim_cols.items():
        ax.plot(df["Q"], df[col], "o", ms=3.5, color=colors[name], label=f"{name} (simulated)")
        ax.plot(qq, cfq[name], "-", lw=1, color=colors[name], label=f"{name} (closed form)")
    ax.axvline(q_star, color="r", ls="--", lw=1, label=f"Q* = {q_star:.1f}")
    ax.set(
        xlabel="order quantity Q",
        ylabel="cost per period",
        title=f"EOQ (Hopp & Spearman Fig. 2.2): K={k:g}, h={h:g}, c={c:g}, lambda={lam:g}/period",
        ylim=(0, None),
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    res.figure(cfg, "cost_vs_q", fig)
    q_min = float(df["Q"][int(np.argmin(df["cost_per_period"]))])
    step = float(np.min(np.diff(sorted(cfg.q_values))))
    res.summary.update(
        q_star=q_star,
        q_argmin_simulated=q_min,
        grid_step=step,
        cost_at_q_star_closed_form=eoq_hs_cost(fixed_order_cost=k, holding_cost=h, unit_cost=c, demand_rate=lam),
        cost_min_simulated=float(df["cost_per_period"].min()),
        offset_expected=-h * lam / 2,
    )

    # 2. costs at Q* as h grows (Q* rounded to a multiple of lambda)
    rows = []
    for hv in cfg.holding_costs:
        q_h = eoq_order_quantity(fixed_order_cost=k, holding_cost=hv, demand_rate=lam)
        qs = max(lam, round(q_h / lam) * lam)
        sw = Sweep(
            ENV,
            policy=f"rq:r=0,Q={qs:g}",
            vary=("holding_cost", [hv]),
            overrides=_overrides(cfg, max_order=int(qs + 10)),
            reps=2,
            **det,
            **cfg.sweep_options(f"cost_vs_holding_{hv:g}"),
        )
        row = run_sweep(sw).iloc[0].to_dict()
        row["Q_star"] = q_h
        row["Q_used"] = qs
        row["total_closed_form"] = eoq_hs_cost(fixed_order_cost=k, holding_cost=hv, unit_cost=c, demand_rate=lam)
        rows.append(row)
    dh = res.table(cfg, "cost_vs_holding", pd.DataFrame(rows))
    fig, ax = P.subplots(figsize=(6.5, 4))
    ax.plot(dh["holding_cost"], dh["cost_per_period"], "o-", color="k", label="total (simulated)")
    ax.plot(dh["holding_cost"], dh["total_closed_form"], "k--", lw=1, label="sqrt(2 K lambda h) + c lambda")
    ax.plot(dh["holding_cost"], dh["holding_cost_per_period"], "o-", label="holding (simulated)")
    ax.plot(dh["holding_cost"], dh["fixed_cost"], "o-", label="setup (simulated)")
    ax.plot(dh["holding_cost"], dh["purchase_cost"], "o-", label="purchase (simulated)")
    ax.set(xscale="log", xlabel="holding cost h", ylabel="cost per period at Q*", title="EOQ: costs at Q* as h grows")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    res.figure(cfg, "cost_vs_holding", fig)
    res.summary["cost_at_q_star_vs_h"] = (
        dh[["holding_cost", "Q_used", "cost_per_period", "total_closed_form"]].round(4).to_dict("records")
    )

    # 3. cost vs interarrival SCV at a fixed Q (renewal demand of rate lambda)
    q_fixed = max(lam, round(q_star / lam) * lam)
    sw = Sweep(
        ENV,
        policy=f"rq:r=0,Q={q_fixed:g}",
        vary=("interarrival_scv", cfg.scvs),
        overrides=_overrides(cfg),
        reps=cfg.reps,
        **common,
        **cfg.sweep_options("cost_vs_interarrival_scv"),
    )
    ds = res.table(cfg, "cost_vs_interarrival_scv", run_sweep(sw))
    fig, ax = P.subplots(1, 2, figsize=(11, 3.8))
    x = ds["interarrival_scv"].to_numpy(float)
    for col, lab in [
        ("cost_per_period", "total"),
        ("holding_cost", "holding"),
        ("fixed_cost", "setup"),
        ("purchase_cost", "purchase"),
    ]:
        band(ax[0], x, ds, col, label=lab)
    deterministic = float(df.loc[df["Q"] == q_fixed, "cost_per_period"].iloc[0]) if (df["Q"] == q_fixed).any() else None
    if deterministic is not None:
        ax[0].axhline(deterministic, color="k", ls=":", lw=1, label="deterministic demand")
    ax[0].set(
        xscale="log",
        xlabel="interarrival SCV",
        ylabel="cost per period",
        title=f"EOQ policy Q = {q_fixed:g}: cost vs SCV",
        ylim=(0, None),
    )
    band(ax[1], x, ds, "average_backorders", label="average backorders")
    ax[1].set(xscale="log", xlabel="interarrival SCV", ylabel="units", title="backorders (not in the EOQ model)")
    for a in ax:
        a.grid(alpha=0.3)
        a.legend(fontsize=7)
    fig.tight_layout()
    res.figure(cfg, "cost_vs_interarrival_scv", fig)
    res.summary["cost_vs_scv"] = (
        ds[["interarrival_scv", "cost_per_period", "cost_per_period_lo", "cost_per_period_hi", "average_backorders"]]
        .round(4)
        .to_dict("records")
    )
    return res.finish(cfg)
