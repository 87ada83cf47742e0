"""``inv-gym solve Serial``: the Clark-Scarf optimum from the command line."""

from __future__ import annotations

import json

from experiments.cli import main


def test_solve_serial_json_and_simulate(capsys):
    assert main(["solve", "Serial", "--json", "--simulate", "--reps", "40", "--horizon", "400"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "clark_scarf" and out["policy"]["levels"] == [9, 15, 26]
    assert abs(out["average_cost"] - 52.0467) < 1e-3
    sim = out["simulated_cost"]
    assert sim["ci_low"] <= out["average_cost"] <= sim["ci_high"]


def test_solve_serial_with_overrides_and_bad_input(capsys):
    args = [
        "solve",
        "inv_gym/Serial-v0",
        "--set",
        "lead_times=1,1",
        "--set",
        "holding_costs=2,1",
        "--set",
        "backorder_cost=9",
    ]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "echelon_base_stock(levels=" in text and "1 - 1e-12 quantile" in text
    assert main(["solve", "Serial", "--set", "lead_times=1,1"]) == 2
    assert "per-stage lists must have the same length" in capsys.readouterr().err
    assert main(["solve", "Serial", "--set", "holding_cost=1"]) == 2
    assert "unknown parameter 'holding_cost'" in capsys.readouterr().err
