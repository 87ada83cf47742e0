"""Scenario analysis (the digital-twin question): how does a policy fare when the world changes?

An (s, S) policy is optimized by simulation (grid search under common random
numbers) for a baseline instance, ``inv_gym/Qr-v0`` (Poisson(10), K = 64, h = 1,
b = 9) with a random lead time ``round(gamma)`` of mean 2 and SCV 0.25. It is then
evaluated, with the same draws, under

* the **baseline**;
* a **demand spike**: the demand mean scaled by ``1 + spike`` (+30%);
* a **lead-time disruption**: the lead-time mean scaled by ``lead_mean_factor``
  and its variance by ``lead_var_factor``;

and the policy is re-optimized for each scenario, so the figure shows both what
the baseline policy costs and what adapting would save (cost and fill rate with
95% CIs, side by side). The re-optimized policies are evaluated on fresh draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from experiments.runner import Task
from experiments.studies.common import StudyConfig, StudyResult, plt
from experiments.sweep import SearchSpec, best_of, evaluate_point, search_table
from inv_gym.distributions import Gamma, Rounded
from inv_gym.params import InventoryParams
from inv_gym.presets import preset_params

__all__ = ["Config", "main", "scenario_params"]

ENV = "inv_gym/Qr-v0"
METRICS = ("cost_per_period", "fill_rate", "cycle_service_level", "average_on_hand", "average_backorders")


@dataclass
class Config(StudyConfig):
    """Scenario-analysis settings.

    Attributes:
        lead_mean: baseline lead-time mean (periods).
        lead_scv: baseline lead-time SCV.
        spike: relative demand increase of the spike scenario (0.3: +30%).
        lead_mean_factor: lead-time mean multiplier of the disruption.
        lead_var_factor: lead-time variance multiplier of the disruption.
        s_values: reorder points s of the search grid.
        S_values: order-up-to levels S of the search grid.
        reps: replications per policy.
        horizon: measured periods per replication.
        warmup: unmeasured periods first.
    """

    lead_mean: float = 2.0
    lead_scv: float = 0.25
    spike: float = 0.3
    lead_mean_factor: float = 2.0
    lead_var_factor: float = 4.0
    s_values: tuple[float, ...] = tuple(float(s) for s in range(0, 101, 4))
    S_values: tuple[float, ...] = tuple(float(s) for s in range(30, 181, 5))
    reps: int = 20
    horizon: int = 2000
    warmup: int = 100

    name: ClassVar[str] = "scenarios"
    MODES: ClassVar[dict[str, dict[str, Any]]] = {
        "tiny": dict(
            s_values=tuple(float(s) for s in range(0, 91, 10)),
            S_values=tuple(float(s) for s in range(40, 161, 15)),
            reps=6,
            horizon=500,
            warmup=50,
        ),
        "quick": dict(reps=10, horizon=1000),
        "default": {},
    }


def scenario_params(cfg: Config) -> dict[str, Any]:
    """The three scenarios' parameters: baseline, demand spike, lead-time disruption."""
    lead = Rounded(Gamma.from_mean_scv(cfg.lead_mean, cfg.lead_scv))
    base = preset_params(ENV, lead_time=lead, max_order=250)
    mean = base.demand.mean
    d_mean = cfg.lead_mean * cfg.lead_mean_factor
    d_var = cfg.lead_var_factor * cfg.lead_scv * cfg.lead_mean**2
    return {
        "baseline": base,
        f"demand +{100 * cfg.spike:g}%": base.replace(demand=f"poisson:{mean * (1 + cfg.spike):g}"),
        f"lead time x{cfg.lead_mean_factor:g} mean, x{cfg.lead_var_factor:g} var": base.replace(
            lead_time=Rounded(Gamma.from_mean_scv(d_mean, d_var / d_mean**2))
        ),
    }


def main(cfg: Config | None = None) -> StudyResult:
    """Run the scenario analysis; write its CSV and PNG; return the results.

    The runs: one (s, S) grid search per scenario (tasks ``search_0`` ...);
    the report step (:func:`_report`) evaluates the baseline's best policy and
    each scenario's own on fresh draws and writes the table, figure and summary.
    """
    cfg = cfg or Config()
    spec = SearchSpec("ss", {"s": cfg.s_values, "S": cfg.S_values})
    ev = dict(reps=cfg.reps, horizon=cfg.horizon, warmup=cfg.warmup, metrics=METRICS)
    sizes = dict(reps=cfg.reps, horizon=cfg.horizon, warmup=cfg.warmup)
    scen = scenario_params(cfg)
    tasks = [
        Task(
            f"search_{i}",
            {"params": repr(p), "spec": repr(spec), **ev, "seed": cfg.seed},
            partial(search_table, spec, p, seed=cfg.seed, **sizes),
        )
        for i, p in enumerate(scen.values())
    ]
    return cfg.run_units(tasks, report=partial(_report, cfg, spec, scen)).report


def _report(cfg: Config, spec: SearchSpec, scen: dict[str, InventoryParams], units: dict[str, Any]) -> StudyResult:
    """The report step: the best policy of each scenario's stored search, evaluated; the table, figure and summary."""
    res = StudyResult()
    P = plt()
    ev = dict(reps=cfg.reps, horizon=cfg.horizon, warmup=cfg.warmup, metrics=METRICS)
    best = {name: best_of(spec, units[f"search_{i}"]) for i, name in enumerate(scen)}
    baseline_policy = best["baseline"]
    rows = []
    for name, p in scen.items():
        for which, pol, seed in (
            ("baseline policy", baseline_policy, cfg.seed + 1),
            ("re-optimized", best[name], cfg.seed + 1),
        ):
            row = {"scenario": name, "policy_kind": which, "lead_time": str(p.lead_time), "demand": p.demand.to_spec()}
            row.update(evaluate_point(p, pol, seed=seed, **ev))
            rows.append(row)
    df = res.table(cfg, "scenarios", pd.DataFrame(rows))
    fig, ax = P.subplots(1, 2, figsize=(12, 4))
    names = list(scen)
    xs = np.arange(len(names))
    for j, kind in enumerate(("baseline policy", "re-optimized")):
        d = df[df["policy_kind"] == kind].set_index("scenario").loc[names]
        for a, m in zip(ax, ("cost_per_period", "fill_rate")):
            err = np.vstack([d[m] - d[f"{m}_lo"], d[f"{m}_hi"] - d[m]])
            bars = a.bar(xs + (j - 0.5) * 0.38, d[m], 0.38, yerr=err, capsize=3, label=kind)
            for rect, pol in zip(bars, d["policy"]):
                a.annotate(
                    pol.split(":", 1)[1],
                    (rect.get_x() + rect.get_width() / 2, rect.get_height()),
                    textcoords="offset points",
                    xytext=(0, 8),
                    ha="center",
                    fontsize=6,
                )
    ax[0].set(ylabel="cost per period (95% CI)", title="cost")
    ax[1].set(ylabel="fill rate (95% CI)", title="service", ylim=(max(0.0, df["fill_rate_lo"].min() - 0.05), 1.0))
    for a in ax:
        a.set_xticks(xs, names, fontsize=8)
        a.grid(alpha=0.3, axis="y")
        a.legend(fontsize=7, loc="lower left")
    fig.suptitle(f"(s, S) under scenarios: baseline policy {baseline_policy} vs re-optimized")
    fig.tight_layout()
    res.figure(cfg, "scenarios", fig)
    res.summary["scenarios"] = (
        df[
            [
                "scenario",
                "policy_kind",
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
        .to_dict("records")
    )
    return res.finish(cfg)
