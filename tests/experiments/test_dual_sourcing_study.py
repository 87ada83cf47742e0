"""``inv-gym study dual_sourcing``: the tiny mode runs and its tables order the policies as theory says."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from experiments import studies


def test_dual_sourcing_study_tiny(tmp_path):
    res = studies.run("dual_sourcing", "tiny", out_dir=str(tmp_path))
    out = tmp_path / "dual_sourcing"
    for name in ("vs_expedited_cost", "vs_lead_time_gap"):
        assert (out / f"{name}.csv").exists() and (out / f"{name}.png").exists()
    assert len(res.figures) == 2
    dc = pd.read_csv(out / "vs_expedited_cost.csv")
    dl = pd.read_csv(out / "vs_lead_time_gap.csv")
    for df in (dc, dl):
        # optimum <= capped dual index <= dual index; every heuristic and single source >= optimum
        assert (df["optimal_cost"] <= df["capped_dual_index_cost"] + 1e-9).all()
        assert (df["capped_dual_index_cost"] <= df["dual_index_cost"] + 1e-9).all()
        for col in ("single_index_cost", "tailored_base_surge_cost", "best_single_source_cost"):
            assert (df[col] >= df["optimal_cost"] - 1e-9).all(), col
        assert (df["value_of_second_source_pct"] >= 0).all()
    # the defaults (l_r = 2, c_e = 20) at the solver's exact value (Boettcher et al.: 23.073)
    row = dc[dc["c_e"] == 20.0].iloc[0]
    assert row["optimal_cost"] == pytest.approx(23.0714, abs=1e-4)
    # with l_r = 1 the regular supplier alone is within reach: the second source saves less
    assert (
        dl.set_index("l_r").loc[1, "value_of_second_source_pct"]
        < dl.set_index("l_r").loc[2, "value_of_second_source_pct"]
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["summary"]["max_capped_dual_index_gap_pct"] < 1.0
