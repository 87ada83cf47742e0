"""Dual-sourcing study: the value of a second, faster supplier, against c_e and against l_r - l_e.

Model: ``inv_gym/DualSourcing-v0`` (U{0..4} demand, h = 5, b = 495, c_r = 0,
l_e = 0, backorders). Every cost here is exact (no simulation):

* the **optimum** by relative value iteration over the pipeline
  (:func:`inv_gym.analytic.dual_sourcing.solve_dual_sourcing`);
* each **heuristic** at its best grid point by exact evaluation of the Markov chain
  it induces (:func:`agents.dual_sourcing.exact_search`): single index, dual index,
  capped dual index (the cap on the dual-index regular order) and tailored base
  surge;
* the **best single source**: the regular supplier alone (base stock with lead time
  l_r and unit cost c_r) or the expedited one alone (lead time l_e, unit cost c_e),
  both exact (:func:`inv_gym.analytic.solve.solve`).

The value of the second supplier is (best single source - optimum) / best single
source. Figures (``results/dual_sourcing/``): ``vs_expedited_cost`` (l_r = 2,
c_e varies) and ``vs_lead_time_gap`` (c_e = 20, l_r - l_e varies).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from agents.dual_sourcing import exact_search
from experiments.studies.common import StudyConfig, StudyResult, plt
from inv_gym.analytic.dual_sourcing import solve_dual_sourcing
from inv_gym.analytic.solve import solve
from inv_gym.params import InventoryParams
from inv_gym.presets import preset_params

__all__ = ["Config", "main", "instance_row"]

DUAL = "inv_gym/DualSourcing-v0"
FAMILIES: tuple[str, ...] = ("single_index", "dual_index", "capped_dual_index", "tailored_base_surge")


@dataclass
class Config(StudyConfig):
    """Dual-sourcing study settings.

    Attributes:
        expedited_costs: c_e values of the ``vs_expedited_cost`` sweep (l_r = ``base_lead_time``).
        base_lead_time: l_r of the c_e sweep.
        lead_times: l_r values of the ``vs_lead_time_gap`` sweep (l_e = 0, so l_r - l_e = l_r).
        base_expedited_cost: c_e of the lead-time sweep.
        max_order: the regular and expedited order bound (the solver's pipeline width).
    """

    expedited_costs: tuple[float, ...] = (5.0, 10.0, 15.0, 20.0, 30.0, 50.0)
    base_lead_time: int = 2
    lead_times: tuple[int, ...] = (1, 2, 3, 4)
    base_expedited_cost: float = 20.0
    max_order: int = 10

    name: ClassVar[str] = "dual_sourcing"
    MODES: ClassVar[dict[str, dict[str, Any]]] = {
        "tiny": dict(expedited_costs=(5.0, 20.0), lead_times=(1, 2), max_order=8),
        "quick": dict(expedited_costs=(5.0, 10.0, 20.0, 40.0), lead_times=(1, 2, 3)),
        "default": {},
    }


def _single_sources(params: InventoryParams) -> tuple[float, float]:
    """Exact optimal cost with the regular supplier alone and with the expedited one alone."""
    common = dict(demand=params.demand, holding_cost=params.holding_cost, backorder_cost=params.backorder_cost)
    regular = InventoryParams(
        **common, lead_time=params.lead_time, unit_cost=params.unit_cost, max_order=params.max_order
    )
    expedited = InventoryParams(
        **common,
        lead_time=int(params.expedited_lead_time),  # type: ignore[arg-type]
        unit_cost=params.expedited_unit_cost,
        max_order=params.expedited_max,
    )
    return float(solve(regular).average_cost), float(solve(expedited).average_cost)


def _grids(l_r: int) -> dict[str, dict[str, Any]]:
    """The search grid of each family (dual index first: it centres the capped one)."""
    top = 4 * (l_r + 1) + 2
    return {
        "dual_index": {"z_e": range(0, 9), "z_r": range(0, top)},
        "single_index": {"S_e": range(0, top), "S_r": range(0, top)},
        "tailored_base_surge": {"r": range(0, 3), "S_e": range(0, 12)},
    }


def instance_row(params: InventoryParams, **label: Any) -> dict[str, Any]:
    """One instance: the optimum, each family's best point and cost, the single sources (all exact)."""
    row: dict[str, Any] = dict(label)
    opt = solve_dual_sourcing(params)
    row["optimal_cost"] = opt.average_cost
    row["optimal_mean_expedited"] = opt.mean_expedited
    l_r = int(params.lead_time)  # type: ignore[arg-type]
    grids = _grids(l_r)
    best: dict[str, tuple[float, str]] = {}
    for fam in ("dual_index", "single_index", "tailored_base_surge"):
        best[fam] = exact_search(fam, grids[fam], params)[0]
    z = best["dual_index"][1].split(":")[1].split(",")
    z_e, z_r = (int(float(v.split("=")[1])) for v in z)
    cdi_grid = {"z_e": range(max(0, z_e - 1), z_e + 2), "z_r": range(max(0, z_r - 3), z_r + 3), "u": range(0, 7)}
    best["capped_dual_index"] = exact_search("capped_dual_index", cdi_grid, params)[0]
    for fam in FAMILIES:
        row[f"{fam}_cost"], row[f"{fam}_policy"] = best[fam]
    regular, expedited = _single_sources(params)
    row["regular_only_cost"], row["expedited_only_cost"] = regular, expedited
    single = min(regular, expedited)
    row["best_single_source_cost"] = single
    row["value_of_second_source_pct"] = 100.0 * (single - opt.average_cost) / single
    return row


def _panel(ax: Any, x: Any, df: pd.DataFrame, xlabel: str, title: str) -> None:
    ax.plot(x, df["optimal_cost"], "o-", color="k", lw=2, label="optimum (DP)")
    styles = {"capped_dual_index": "s--", "dual_index": "^--", "single_index": "v:", "tailored_base_surge": "d:"}
    for fam in FAMILIES:
        ax.plot(x, df[f"{fam}_cost"], styles[fam], label=fam.replace("_", " "))
    ax.plot(x, df["best_single_source_cost"], "x-", color="tab:gray", label="best single source")
    ax.set(xlabel=xlabel, ylabel="cost per period (exact)", title=title)
    ax.legend(fontsize=7)


def main(cfg: Config | None = None) -> StudyResult:
    """Run the dual-sourcing study; write its CSVs and PNGs; return the results."""
    cfg = cfg or Config()
    res = StudyResult()
    P = plt()
    base = dict(max_order=cfg.max_order, max_expedited_order=cfg.max_order)

    rows = []
    for c_e in cfg.expedited_costs:
        params = preset_params(DUAL, lead_time=cfg.base_lead_time, expedited_unit_cost=c_e, **base)
        rows.append(instance_row(params, c_e=c_e, l_r=cfg.base_lead_time))
    dc = res.table(cfg, "vs_expedited_cost", pd.DataFrame(rows))
    fig, (a1, a2) = P.subplots(1, 2, figsize=(11, 4))
    _panel(a1, dc["c_e"], dc, "expedited unit cost c_e", f"l_r = {cfg.base_lead_time}, l_e = 0, c_r = 0")
    a2.plot(dc["c_e"], dc["value_of_second_source_pct"], "o-", color="k")
    a2.set(xlabel="expedited unit cost c_e", ylabel="% saved by the second source", title="value of the second source")
    res.figure(cfg, "vs_expedited_cost", fig)

    rows = []
    for l_r in cfg.lead_times:
        params = preset_params(DUAL, lead_time=l_r, expedited_unit_cost=cfg.base_expedited_cost, **base)
        rows.append(instance_row(params, lead_time_gap=l_r, l_r=l_r, c_e=cfg.base_expedited_cost))
    dl = res.table(cfg, "vs_lead_time_gap", pd.DataFrame(rows))
    fig, (a1, a2) = P.subplots(1, 2, figsize=(11, 4))
    _panel(a1, dl["lead_time_gap"], dl, "lead time gap l_r - l_e", f"c_e = {cfg.base_expedited_cost:g}, l_e = 0")
    a2.plot(dl["lead_time_gap"], dl["value_of_second_source_pct"], "o-", color="k")
    a2.set(xlabel="lead time gap l_r - l_e", ylabel="% saved by the second source", title="value of the second source")
    res.figure(cfg, "vs_lead_time_gap", fig)

    both = pd.concat([dc, dl])
    res.summary = {
        "max_value_of_second_source_pct": float(np.max(both["value_of_second_source_pct"])),
        "max_capped_dual_index_gap_pct": float(
            np.max(100.0 * (both["capped_dual_index_cost"] / both["optimal_cost"] - 1.0))
        ),
    }
    return res.finish(cfg)
