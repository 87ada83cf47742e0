"""Newsvendor study: expected profit and the risk of a loss against the order quantity.

The instance is ``inv_gym/Newsvendor-v0`` (price r = 10, unit cost c = 4, salvage
v = 1, demand Normal(100, 20) censored at 0). Profit of an order Q:

    P(Q, D) = (r - v) min(Q, D) - (c - v) Q,
    E[P(Q)] = (r - v) int_0^Q (1 - F(x)) dx - (c - v) Q,
    Pr[P(Q) < 0] = F((c - v) Q / (r - v)),
    Q* = F^{-1}((r - c) / (r - v))          (the critical fractile, 2/3 here).

Every simulated number comes from the one-period env run under ``ConstantOrder(Q)``
(all Q under common random numbers), with a 95% CI over replications; the lines
are the formulas above (:mod:`inv_gym.analytic.newsvendor`, priced form).

Figures (``results/newsvendor/``):

* ``profit_vs_q``: E[profit] and Pr[profit < 0] vs Q, and the relative profit loss
  of ordering Q = Q*(1 + x) (the sensitivity around Q*);
* ``families``: E[profit] vs Q for each demand family at equal mean and SCV
  (SCV 1/6 for exponential-free families, whose uniform and triangular forms
  cannot reach SCV 1, and SCV 1 for the exponential with gamma, lognormal, normal);
* ``profit_vs_q_by_scv``: E[profit] vs Q for gamma demand at several SCVs;
* ``profit_distribution``: the profit PDF and CDF at a fixed Q;
* ``stats_at_qstar``: mean, standard deviation, 5% quantile and Pr[loss] of the
  profit at the analytic Q* as the SCV grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from agents.heuristics import ConstantOrder
from experiments.studies.common import StudyConfig, StudyResult, plt
from experiments.sweep import apply_vary
from inv_gym.analytic import (
    newsvendor_priced_loss_probability,
    newsvendor_priced_order_quantity,
    newsvendor_priced_profit,
)
from inv_gym.distributions import Distribution, Gamma
from inv_gym.envs.streams import draw_paths
from inv_gym.evaluation import mean_ci, simulate
from inv_gym.params import InventoryParams
from inv_gym.presets import preset_params

__all__ = ["Config", "main", "profit_cdf", "simulate_profits"]


@dataclass
class Config(StudyConfig):
    """Newsvendor study settings.

    Attributes:
        reps: simulated demands (one-period replications) per order quantity.
        q_step: spacing of the order-quantity grid.
        q_max: largest order quantity in the grid.
        family_scv: the common SCV of the family comparison (<= 1/6 so the
            triangular and uniform families exist).
        scvs: SCVs of the gamma demand for the SCV figures.
        fixed_q: the order of the profit PDF/CDF (None: the rounded Q*).
        sensitivity: relative deviations x of Q = Q*(1 + x).
    """

    reps: int = 20000
    q_step: int = 2
    q_max: int = 260
    family_scv: float = 1 / 6
    scvs: tuple[float, ...] = (0.01, 0.04, 0.1, 0.25, 0.5, 1.0, 2.0)
    fixed_q: int | None = None
    sensitivity: tuple[float, ...] = (-0.5, -0.4, -0.3, -0.2, -0.1, -0.05, 0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5)

    name: ClassVar[str] = "newsvendor"
    MODES: ClassVar[dict[str, dict[str, Any]]] = {
        "tiny": dict(reps=4000, q_step=10, q_max=220, scvs=(0.04, 0.25, 1.0), sensitivity=(-0.2, 0.0, 0.2)),
        "quick": dict(reps=10000, q_step=4),
        "default": {},
    }


# ---------------------------------------------------------------------------
# Closed forms (inv_gym.analytic; Normal censored at 0 has the same F for x >= 0)
# ---------------------------------------------------------------------------


def _priced(params: InventoryParams, dist: Distribution | None = None) -> dict[str, Any]:
    """The priced-newsvendor arguments of :mod:`inv_gym.analytic` for ``params`` (demand ``dist`` if given)."""
    return dict(
        demand=dist or params.demand, price=params.price, unit_cost=params.unit_cost, salvage_value=params.salvage_value
    )


def _prices(params: InventoryParams) -> tuple[float, float, float]:
    return params.price, params.unit_cost, params.salvage_value


def profit_cdf(params: InventoryParams, q: float, x: np.ndarray) -> np.ndarray:
    """P(P(Q) <= x): F((x + (c - v) Q) / (r - v)) below the maximum (r - c) Q, then 1."""
    r, c, v = _prices(params)
    x = np.asarray(x, dtype=float)
    out = np.asarray(params.demand.cdf((x + (c - v) * q) / (r - v)), dtype=float)
    out = np.where(x < -(c - v) * q, 0.0, out)
    return np.where(x >= (r - c) * q, 1.0, out)


# ---------------------------------------------------------------------------
# Simulation
# ---------------------------------------------------------------------------


def simulate_profits(params: InventoryParams, qs: np.ndarray, reps: int, seed: int) -> np.ndarray:
    """(len(qs), reps) profits of one period under ConstantOrder(q), common demand for all q."""
    qs = np.asarray(qs, dtype=float)
    demand, lead = draw_paths(params, seed, reps, 1)
    sums = simulate(ConstantOrder(np.repeat(qs, reps)), params, demand, lead, copies=qs.size)
    return sums["reward"].reshape(qs.size, reps)


def _curve(
    params: InventoryParams, qs: np.ndarray, reps: int, seed: int, dist: Distribution | None = None
) -> pd.DataFrame:
    prof = simulate_profits(params, qs, reps, seed)
    rows = []
    analytic = np.atleast_1d(newsvendor_priced_profit(**_priced(params, dist), order_quantity=qs))
    for i, (q, p) in enumerate(zip(qs, prof)):
        m = mean_ci(p)
        loss = mean_ci((p < 0).astype(float))
        rows.append(
            dict(
                Q=q,
                profit=m.mean,
                profit_lo=m.ci_low,
                profit_hi=m.ci_high,
                p_loss=loss.mean,
                p_loss_lo=loss.ci_low,
                p_loss_hi=loss.ci_high,
                profit_analytic=float(analytic[i]),
                p_loss_analytic=newsvendor_priced_loss_probability(**_priced(params, dist), order_quantity=q),
            )
        )
    return pd.DataFrame(rows)


def _band(ax: Any, df: pd.DataFrame, y: str, label: str, **kw: Any) -> Any:
    (ln,) = ax.plot(df["Q"], df[y], "o", ms=2.5, label=label, **kw)
    ax.fill_between(df["Q"], df[f"{y}_lo"], df[f"{y}_hi"], color=ln.get_color(), alpha=0.25, lw=0)
    return ln


def main(cfg: Config | None = None) -> StudyResult:
    """Run the newsvendor study; write its CSVs and PNGs; return the results."""
    cfg = cfg or Config()
    res = StudyResult()
    base = preset_params("inv_gym/Newsvendor-v0", max_order=max(400, cfg.q_max))
    q_star = newsvendor_priced_order_quantity(**_priced(base))
    q_fixed = int(round(q_star)) if cfg.fixed_q is None else int(cfg.fixed_q)
    qs = np.arange(0, cfg.q_max + 1, cfg.q_step, dtype=float)
    P = plt()

    # 1. E[profit], Pr[loss] vs Q; sensitivity around Q*
    curve = res.table(cfg, "profit_vs_q", _curve(base, qs, cfg.reps, cfg.seed))
    sens_q = np.maximum(np.round(q_star * (1.0 + np.asarray(cfg.sensitivity))), 0.0)
    sens_prof = simulate_profits(base, sens_q, cfg.reps, cfg.seed)
    best = newsvendor_priced_profit(**_priced(base), order_quantity=q_star)
    sens = pd.DataFrame(
        {
            "deviation": cfg.sensitivity,
            "Q": sens_q,
            "profit": sens_prof.mean(axis=1),
            "loss_pct": 100.0
            * (1.0 - sens_prof.mean(axis=1) / sens_prof[int(np.argmin(np.abs(cfg.sensitivity)))].mean()),
            "loss_pct_analytic": 100.0
            * (1.0 - newsvendor_priced_profit(**_priced(base), order_quantity=sens_q) / best),
        }
    )
    res.table(cfg, "sensitivity", sens)
    fig, ax = P.subplots(1, 3, figsize=(13, 3.6))
    _band(ax[0], curve, "profit", "simulated (95% CI)")
    ax[0].plot(curve["Q"], curve["profit_analytic"], "k-", lw=1, label="closed form")
    ax[0].axvline(q_star, color="r", ls="--", lw=1, label=f"Q* = {q_star:.1f}")
    ax[0].set(xlabel="order quantity Q", ylabel="E[profit]", title="expected profit")
    _band(ax[1], curve, "p_loss", "simulated (95% CI)")
    ax[1].plot(curve["Q"], curve["p_loss_analytic"], "k-", lw=1, label="closed form")
    ax[1].axvline(q_star, color="r", ls="--", lw=1)
    ax[1].set(xlabel="order quantity Q", ylabel="Pr[profit < 0]", title="risk of a loss")
    ax[2].plot(100 * sens["deviation"], sens["loss_pct"], "o", label="simulated (CRN)")
    ax[2].plot(100 * sens["deviation"], sens["loss_pct_analytic"], "k-", lw=1, label="closed form")
    ax[2].set(xlabel="Q / Q* - 1 (%)", ylabel="profit lost vs Q* (%)", title="sensitivity around Q*")
    for a in ax:
        a.grid(alpha=0.3)
        a.legend(fontsize=7)
    fig.suptitle("Newsvendor: r=10, c=4, v=1, D ~ Normal(100, 20)")
    fig.tight_layout()
    res.figure(cfg, "profit_vs_q", fig)
    i_star = int(np.argmin(np.abs(qs - round(q_star))))
    res.summary.update(
        q_star=q_star,
        profit_at_q_star_analytic=newsvendor_priced_profit(**_priced(base), order_quantity=float(qs[i_star])),
        profit_at_q_star_sim=[curve["profit"][i_star], curve["profit_lo"][i_star], curve["profit_hi"][i_star]],
        q_of_grid_max_sim=float(curve["Q"][int(np.argmax(curve["profit"]))]),
        p_loss_at_q_star=newsvendor_priced_loss_probability(**_priced(base), order_quantity=q_star),
        sensitivity_loss_pct=dict(zip([f"{d:+.2f}" for d in cfg.sensitivity], sens["loss_pct"].round(3))),
    )

    # 2. families at equal mean and SCV
    groups = [
        (cfg.family_scv, ("uniform", "triangular", "gamma", "lognormal", "normal")),
        (1.0, ("exponential", "gamma", "lognormal", "normal")),
    ]
    fam_rows = []
    fig, axes = P.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for ax, (scv, fams) in zip(axes, groups):
        for fam in fams:
            p = apply_vary(apply_vary(base, "demand_scv", scv), "demand_family", fam)
            df = _curve(p, qs, cfg.reps, cfg.seed)
            df.insert(0, "family", fam)
            df.insert(1, "scv", scv)
            fam_rows.append(df)
            ln = _band(ax, df, "profit", fam)
            ax.plot(df["Q"], df["profit_analytic"], "-", color=ln.get_color(), lw=0.8)
            ax.axvline(newsvendor_priced_order_quantity(**_priced(p)), color=ln.get_color(), ls=":", lw=0.8)
        note = " (gamma = exponential; normal censored at 0)" if scv == 1.0 else ""
        ax.set(xlabel="order quantity Q", title=f"mean 100, SCV {scv:.3g}{note}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes[0].set_ylabel("E[profit]")
    fig.tight_layout()
    fam_df = res.table(cfg, "families", pd.concat(fam_rows, ignore_index=True))
    res.figure(cfg, "families", fig)
    res.summary["best_profit_by_family"] = {
        f"{f}@{s:.3g}": float(g["profit"].max()) for (f, s), g in fam_df.groupby(["family", "scv"], sort=False)
    }

    # 3. vs SCV (gamma): curves, and statistics at the analytic Q*
    scv_rows, stat_rows = [], []
    fig, ax = P.subplots(figsize=(6, 4))
    for scv in cfg.scvs:
        d = Gamma.from_mean_scv(100.0, scv)
        p = base.replace(demand=d)
        df = _curve(p, qs, cfg.reps, cfg.seed)
        df.insert(0, "scv", scv)
        scv_rows.append(df)
        ln = _band(ax, df, "profit", f"SCV {scv:g}")
        ax.plot(df["Q"], df["profit_analytic"], "-", color=ln.get_color(), lw=0.8)
        qs_star = newsvendor_priced_order_quantity(**_priced(p))
        prof = simulate_profits(p, np.asarray([round(qs_star)]), cfg.reps, cfg.seed)[0]
        m, lo = mean_ci(prof), mean_ci((prof < 0).astype(float))
        stat_rows.append(
            dict(
                scv=scv,
                q_star=qs_star,
                mean=m.mean,
                mean_lo=m.ci_low,
                mean_hi=m.ci_high,
                mean_analytic=newsvendor_priced_profit(**_priced(p), order_quantity=round(qs_star)),
                sd=float(prof.std(ddof=1)),
                q05=float(np.quantile(prof, 0.05)),
                p_loss=lo.mean,
                p_loss_lo=lo.ci_low,
                p_loss_hi=lo.ci_high,
                p_loss_analytic=newsvendor_priced_loss_probability(**_priced(p), order_quantity=round(qs_star)),
            )
        )
    ax.set(xlabel="order quantity Q", ylabel="E[profit]", title="gamma demand, mean 100: E[profit] vs Q by SCV")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    res.table(cfg, "profit_vs_q_by_scv", pd.concat(scv_rows, ignore_index=True))
    res.figure(cfg, "profit_vs_q_by_scv", fig)
    stats_df = res.table(cfg, "stats_at_qstar", pd.DataFrame(stat_rows))
    fig, ax = P.subplots(1, 3, figsize=(13, 3.6))
    x = stats_df["scv"]
    ax[0].plot(x, stats_df["mean"], "o-", label="simulated mean")
    ax[0].fill_between(x, stats_df["mean_lo"], stats_df["mean_hi"], alpha=0.25, lw=0)
    ax[0].plot(x, stats_df["mean_analytic"], "k--", lw=1, label="closed form")
    ax[0].set(ylabel="E[profit] at Q*", title="expected profit")
    ax[1].plot(x, stats_df["sd"], "o-", label="sd")
    ax[1].plot(x, stats_df["q05"], "s-", label="5% quantile")
    ax[1].set(ylabel="profit", title="spread")
    ax[2].plot(x, stats_df["p_loss"], "o-", label="simulated")
    ax[2].fill_between(x, stats_df["p_loss_lo"], stats_df["p_loss_hi"], alpha=0.25, lw=0)
    ax[2].plot(x, stats_df["p_loss_analytic"], "k--", lw=1, label="closed form")
    ax[2].set(ylabel="Pr[profit < 0] at Q*", title="risk of a loss")
    for a in ax:
        a.set_xscale("log")
        a.set_xlabel("demand SCV (gamma, mean 100)")
        a.grid(alpha=0.3)
        a.legend(fontsize=7)
    fig.tight_layout()
    res.figure(cfg, "stats_at_qstar", fig)
    res.summary["stats_at_qstar"] = stats_df[["scv", "q_star", "mean", "sd", "p_loss"]].round(4).to_dict("records")

    # 4. the profit distribution at a fixed Q
    prof = simulate_profits(base, np.asarray([float(q_fixed)]), cfg.reps, cfg.seed)[0]
    grid = np.linspace(prof.min() - 1, prof.max() + 1, 400)
    emp = np.searchsorted(np.sort(prof), grid, side="right") / prof.size
    res.table(
        cfg,
        "profit_distribution",
        pd.DataFrame({"profit": grid, "cdf_sim": emp, "cdf_analytic": profit_cdf(base, q_fixed, grid)}),
    )
    fig, ax = P.subplots(1, 2, figsize=(10, 3.6))
    ax[0].hist(prof, bins=60, density=True, alpha=0.7)
    top = (base.price - base.unit_cost) * q_fixed
    atom = 1.0 - float(base.demand.cdf(q_fixed))
    ax[0].axvline(top, color="r", lw=1, label=f"max (r-c)Q = {top:g}, Pr = {atom:.2f}")
    ax[0].set(xlabel="profit", ylabel="density", title=f"profit PDF at Q = {q_fixed}")
    ax[0].legend(fontsize=7)
    ax[1].plot(grid, emp, label="simulated")
    ax[1].plot(grid, profit_cdf(base, q_fixed, grid), "k--", lw=1, label="closed form")
    ax[1].set(xlabel="profit", ylabel="Pr[profit <= x]", title=f"profit CDF at Q = {q_fixed}")
    ax[1].legend(fontsize=7)
    for a in ax:
        a.grid(alpha=0.3)
    fig.tight_layout()
    res.figure(cfg, "profit_distribution", fig)
    res.summary["profit_at_fixed_q"] = dict(
        Q=q_fixed,
        mean=float(prof.mean()),
        sd=float(prof.std(ddof=1)),
        p_max=float(np.mean(prof >= top - 1e-9)),
        p_max_analytic=atom,
    )
    return res.finish(cfg)
