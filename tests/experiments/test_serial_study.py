"""``inv-gym study serial``: the tiny mode runs and its tables have the properties the theory predicts."""

from __future__ import annotations

import os

import numpy as np

from experiments import studies
from experiments.studies.serial import stage_alone_levels
from inv_gym.analytic.base_stock import base_stock_level
from inv_gym.serial import SerialParams


def test_serial_study_tiny(tmp_path):
    res = studies.run("serial", "tiny", out_dir=str(tmp_path))
    assert {os.path.basename(p) for p in res.figures} == {"vs_stages.png", "vs_penalty.png", "holding_profile.png"}
    for name in ("vs_stages", "vs_penalty", "holding_profile"):
        assert (tmp_path / "serial" / f"{name}.csv").exists()
        df = res.tables[name]
        # no policy beats the exact optimum beyond its own noise
        assert np.all(df["stage_alone_cost_hi"] >= df["optimal_cost"])
    st = res.tables["vs_stages"]
    one = st[st["M"] == 1].iloc[0]  # a single stage optimised alone is optimal
    assert one["stage_alone_cost_lo"] <= one["optimal_cost"] <= one["stage_alone_cost_hi"]
    assert np.all(np.diff(st["optimal_cost"]) > 0)
    pen = res.tables["vs_penalty"]
    assert np.all(np.diff(pen["optimal_cost"]) > 0)
    for k in (1, 2, 3):
        assert np.all(np.diff(pen[f"S{k}"]) >= 0)


def test_stage_alone_levels_are_single_stage_base_stock_levels():
    # stage 1 protects L_1 + 1 periods, an upstream stage L_m (it sees this period's order first)
    params = SerialParams(lead_times=[1, 2, 3])
    levels = stage_alone_levels(params)
    for k, (lt, h) in enumerate(zip(params.lead_times, params.holding_costs)):
        periods = lt + 1 if k == 0 else lt
        s = base_stock_level(
            demand=params.demand, holding_cost=h, backorder_cost=params.backorder_cost, lead_time=periods - 1
        )
        assert levels[k] == int(s)
