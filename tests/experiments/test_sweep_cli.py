"""``inv-gym sweep``: a run, a resumed run that recomputes nothing, and clean errors (exit 2)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "experiments.cli", "sweep", *args], capture_output=True, text=True, timeout=120
    )


TINY = ("--reps", "3", "--horizon", "60", "--seed", "1")


def test_sweep_runs_and_resumes(tmp_path: Path) -> None:
    out = str(tmp_path / "sw")
    args = ("inv_gym/Qr-v0", "--policy", "ss:s=6,S=40", "--vary", "backorder_cost=1,9", *TINY, "--out", out, "--json")
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert (data["points"], data["computed"], data["reused"]) == (2, 2, 0)
    rows = data["rows"]
    assert [r["backorder_cost"] for r in rows] == [1.0, 9.0]
    for r in rows:
        assert r["cost_per_period_lo"] <= r["cost_per_period"] <= r["cost_per_period_hi"]
    table = pd.read_csv(tmp_path / "sw" / "sweep.csv")
    assert len(table) == 2 and {"backorder_cost", "policy", "fill_rate_lo", "fill_rate_hi"} <= set(table.columns)
    assert os.path.getsize(tmp_path / "sw" / "sweep.png") > 0
    points = sorted((tmp_path / "sw" / "points").iterdir())
    stamps = [p.stat().st_mtime_ns for p in points]

    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    data2 = json.loads(again.stdout)
    assert (data2["computed"], data2["reused"]) == (0, 2)
    assert data2["rows"] == rows
    assert [p.stat().st_mtime_ns for p in sorted((tmp_path / "sw" / "points").iterdir())] == stamps


def test_sweep_search_surface_table(tmp_path: Path) -> None:
    out = run_cli(
        "Qr",
        "--policy",
        "best:ss:s=0:20:10,S=30:60:15",
        "--vary",
        "holding_cost=1,2",
        "--vary2",
        "demand_mean=8,12",
        "--min-fill-rate",
        "0.5",
        *TINY,
        "--out",
        str(tmp_path),
    )
    assert out.returncode == 0, out.stderr
    assert "4 points" in out.stdout and "4 computed, 0 reused" in out.stdout
    table = pd.read_csv(tmp_path / "sweep.csv")
    assert len(table) == 4 and table["policy"].str.startswith("ss:").all()
    assert (tmp_path / "sweep.png").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--vary", "holding_cost"), "--vary expects NAME=v1,v2"),
        (("--vary", "nope=1,2"), "cannot vary 'nope'"),
        (("--vary", "holding_cost=-1,2"), "holding_cost must be >= 0"),
        (("--vary", "holding_cost=1,2", "--metric", "nope"), "unknown --metric"),
        (("--vary", "holding_cost=1", "--vary2", "holding_cost=2"), "the same parameter"),
        (("--vary", "lead_time_scv=-1"), "lead_time_scv must be a finite number >= 0"),
        (("--vary", "lead_time_mean=nan"), "lead_time_mean must be a finite number >= 0"),
        (("--vary", "lead_time=1.5"), "lead_time must be an integer >= 0"),
    ],
)
def test_sweep_bad_input_exits_2(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    out = run_cli("BaseStock", "--policy", "base_stock:S=15", *args, *TINY, "--out", str(tmp_path))
    assert out.returncode == 2
    assert message in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "points").exists()
