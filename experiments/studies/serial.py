"""Serial-chain study: the Clark-Scarf optimum against M, p and where holding cost is added.

Model: ``inv_gym/Serial-v0`` (:mod:`inv_gym.serial`), Poisson demand, backorders
at stage 1, local holding costs h'_m on hand and in transit. The optimum is the
echelon base-stock policy with the levels of the Chen-Zheng recursion
(:func:`inv_gym.analytic.serial.serial_optimum`, exact).

Beside it, **each stage optimised alone**: stage m sets an installation
base-stock level s_m as if it were a single-stage system with its own local
holding cost h'_m, the chain's backorder cost p and the demand of its own
protection period k_m: stage 1 orders before the period's demand, so
k_1 = L_1 + 1; an upstream stage sees its downstream stage's order of the period
before it orders (it joins its installation position), so k_m = L_m:

    s_m = min{ s : P(D^{(k_m)} <= s) >= p / (p + h'_m) }.

Its cost is simulated (95% CI, the same demand draws for every instance's
policies) and reported as the gap to the optimum. With the Clark-Scarf levels
converted to installation levels (s_m = S*_m - S*_{m-1}) the installation
policy is optimal again, so the gap measures the cost of deciding each stage in
isolation, not of the installation form.

Figures (``results/serial/``):

* ``vs_stages``: optimal cost per period and echelon levels S*_m against the
  number of stages M (lead time 1 per stage; echelon holding cost 1 per stage;
  the cost grows as each stage adds holding in transit and on hand);
* ``vs_penalty``: Example 6.1's optimal levels and cost against p, with the
  stage-alone policy's cost;
* ``holding_profile``: with the same total holding cost at stage 1 (h'_1), value
  added upstream, evenly or downstream: optimal levels and cost, and the
  stage-alone gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from agents.serial import InstallationBaseStock, serial_evaluate
from experiments.studies.common import StudyConfig, StudyResult, ci_row, plt
from inv_gym.analytic.serial import serial_optimum
from inv_gym.serial import SerialParams

__all__ = ["Config", "main", "stage_alone_levels"]


@dataclass
class Config(StudyConfig):
    """Serial study settings.

    Attributes:
        demand_mean: mean of the Poisson demand per period.
        stages: numbers of stages M of the ``vs_stages`` sweep.
        stages_penalty: p of the ``vs_stages`` sweep.
        penalties: p values of the ``vs_penalty`` sweep (on Example 6.1).
        profiles: name -> echelon holding costs h_1 .. h_3 of the ``holding_profile`` comparison
            (same sum h'_1).
        profile_penalty: p of the ``holding_profile`` comparison.
        reps: replications of each stage-alone simulation.
        horizon: measured periods per replication.
        warmup: unmeasured periods first.
    """

    demand_mean: float = 5.0
    stages: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 8)
    stages_penalty: float = 19.0
    penalties: tuple[float, ...] = (2.0, 4.0, 9.0, 19.0, 37.12, 99.0)
    profiles: tuple[tuple[str, tuple[float, float, float]], ...] = (
        ("upstream", (0.5, 0.5, 2.0)),
        ("even", (1.0, 1.0, 1.0)),
        ("downstream", (2.0, 0.5, 0.5)),
    )
    profile_penalty: float = 19.0
    reps: int = 200
    horizon: int = 2000
    warmup: int = 100

    name: ClassVar[str] = "serial"
    MODES: ClassVar[dict[str, dict[str, Any]]] = {
        "tiny": dict(stages=(1, 2, 3, 5), penalties=(4.0, 19.0, 99.0), reps=20, horizon=300, warmup=50),
        "quick": dict(reps=60, horizon=1000),
        "default": {},
    }


def stage_alone_levels(params: SerialParams) -> tuple[int, ...]:
    """Installation levels when each stage optimises alone (module docstring).

    s_m is the p / (p + h'_m) quantile of the demand over stage m's protection
    period (L_1 + 1 periods for stage 1, L_m for m >= 2).
    """
    _, f = params.demand.pmf_table()
    p = params.backorder_cost
    out = []
    for k, lt in enumerate(params.lead_times):
        g = np.array([1.0])
        for _ in range(lt + 1 if k == 0 else lt):
            g = np.convolve(g, f)
        ratio = p / (p + params.holding_costs[k]) if p + params.holding_costs[k] > 0 else 1.0
        out.append(int(np.searchsorted(np.cumsum(g), ratio - 1e-12)))
    return tuple(out)


def _row(cfg: Config, params: SerialParams, seed: int, **label: Any) -> dict[str, Any]:
    sol = serial_optimum(params)
    alone = stage_alone_levels(params)
    ev = serial_evaluate(
        InstallationBaseStock(alone), params, reps=cfg.reps, horizon=cfg.horizon, warmup=cfg.warmup, seed=seed
    )
    row: dict[str, Any] = dict(label)
    row["optimal_cost"] = sol.cost
    for k, s in enumerate(sol.levels):
        row[f"S{k + 1}"] = s
    row["stage_alone_levels"] = " ".join(str(s) for s in alone)
    row.update(ci_row("stage_alone_cost", ev["cost_per_period"]))
    row["stage_alone_gap_pct"] = 100.0 * (ev["cost_per_period"].mean / sol.cost - 1.0) if sol.cost > 0 else np.nan
    return row


def _cost_panel(ax: Any, x: pd.Series, df: pd.DataFrame) -> None:
    """The exact optimum (line) and the stage-alone policy (points with 95% CI) against x."""
    ax.plot(x, df["optimal_cost"], "o-", color="k", label="Clark-Scarf optimum (exact)")
    err = [df["stage_alone_cost"] - df["stage_alone_cost_lo"], df["stage_alone_cost_hi"] - df["stage_alone_cost"]]
    ax.errorbar(x, df["stage_alone_cost"], yerr=err, fmt="s--", color="tab:red", capsize=3, label="each stage alone")
    ax.legend(fontsize=8)


def main(cfg: Config | None = None) -> StudyResult:
    """Run the serial study; write its CSVs and PNGs; return the results."""
    cfg = cfg or Config()
    res = StudyResult()
    P = plt()
    demand = f"poisson:{cfg.demand_mean:g}"

    # 1. against the number of stages
    rows = []
    for m in cfg.stages:
        params = SerialParams.from_echelon(
            echelon_holding_costs=[1.0] * m,
            lead_times=[1] * m,
            backorder_cost=cfg.stages_penalty,
            demand=demand,
            max_order=int(10 * cfg.demand_mean + 20),
        )
        rows.append(_row(cfg, params, cfg.seed, M=m))
    df = res.table(cfg, "vs_stages", pd.DataFrame(rows))
    fig, (a1, a2) = P.subplots(1, 2, figsize=(10, 4))
    _cost_panel(a1, df["M"], df)
    a1.set(
        xlabel="stages M", ylabel="cost per period", title=f"cost vs M (L_m = 1, h_m = 1, p = {cfg.stages_penalty:g})"
    )
    for k in range(max(cfg.stages)):
        col = f"S{k + 1}"
        if col in df:
            a2.plot(df["M"], df[col], "o-", label=col)
    a2.set(xlabel="stages M", ylabel="echelon base-stock level", title="optimal levels S*_m")
    a2.legend(fontsize=7, ncol=2)
    res.figure(cfg, "vs_stages", fig)

    # 2. against the backorder cost (Example 6.1)
    base = SerialParams(demand=demand)
    rows = [_row(cfg, base.replace(backorder_cost=p), cfg.seed, p=p) for p in cfg.penalties]
    dp = res.table(cfg, "vs_penalty", pd.DataFrame(rows))
    fig, (a1, a2) = P.subplots(1, 2, figsize=(10, 4))
    _cost_panel(a1, dp["p"], dp)
    a1.set(xscale="log", xlabel="backorder cost p", ylabel="cost per period", title="Example 6.1: cost vs p")
    for k in range(3):
        a2.plot(dp["p"], dp[f"S{k + 1}"], "o-", label=f"S{k + 1}")
    a2.set(xscale="log", xlabel="backorder cost p", ylabel="echelon base-stock level", title="optimal levels")
    a2.legend(fontsize=8)
    res.figure(cfg, "vs_penalty", fig)

    # 3. where the holding cost is added
    rows = []
    for name, echelon in cfg.profiles:
        params = SerialParams.from_echelon(
            echelon_holding_costs=list(echelon), lead_times=(0, 1, 2), backorder_cost=cfg.profile_penalty, demand=demand
        )
        rows.append(
            _row(cfg, params, cfg.seed, profile=name, echelon_holding_costs=" ".join(f"{h:g}" for h in echelon))
        )
    dh = res.table(cfg, "holding_profile", pd.DataFrame(rows))
    fig, (a1, a2) = P.subplots(1, 2, figsize=(10, 4))
    x = np.arange(len(dh))
    a1.bar(x - 0.2, dh["optimal_cost"], 0.4, color="k", label="Clark-Scarf optimum")
    a1.bar(x + 0.2, dh["stage_alone_cost"], 0.4, color="tab:red", label="each stage alone")
    a1.set_xticks(x, dh["profile"])
    a1.set(ylabel="cost per period", title=f"value added where? (h'_1 = 3, p = {cfg.profile_penalty:g})")
    a1.legend(fontsize=8)
    for k in range(3):
        a2.plot(x, dh[f"S{k + 1}"], "o-", label=f"S{k + 1}")
    a2.set_xticks(x, dh["profile"])
    a2.set(ylabel="echelon base-stock level", title="optimal levels")
    a2.legend(fontsize=8)
    res.figure(cfg, "holding_profile", fig)

    res.summary = {
        "example_6_1_levels": [int(dp.loc[dp["p"] == 37.12, f"S{k + 1}"].iloc[0]) for k in range(3)]
        if (dp["p"] == 37.12).any()
        else None,
        "max_stage_alone_gap_pct": float(
            np.nanmax(np.r_[df["stage_alone_gap_pct"], dp["stage_alone_gap_pct"], dh["stage_alone_gap_pct"]])
        ),
    }
    return res.finish(cfg)
