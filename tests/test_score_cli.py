"""inv-gym score: agents from specs, modules, files and factories; outputs; clear errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from experiments.cli import main


def test_spec_agent_table_csv_and_markdown(tmp_path, capsys):
    csv, md = tmp_path / "s.csv", tmp_path / "s.md"
    args = ["score", "zipkin-lost-sales/L1-p4", "--agent", "capped_base_stock:S=12,cap=6", "--reps", "5"]
    assert main([*args, "--horizon", "100", "--csv", str(csv), "--md", str(md)]) == 0
    out = capsys.readouterr().out
    assert "| zipkin-lost-sales/L1-p4 | 4.0407 (dp) |" in out
    df = pd.read_csv(csv)
    assert list(df["instance"]) == ["zipkin-lost-sales/L1-p4"] and df["paired"].all()
    assert md.read_text().startswith("Agent: `capped_base_stock:S=12,cap=6`")


def test_factory_from_a_file_with_env_options(tmp_path, capsys):
    agent = tmp_path / "agent.py"
    agent.write_text(
        "import numpy as np\n"
        "def levels(instance):\n"
        "    S = int(instance.best_heuristic.split('S=')[1].split(',')[0])\n"
        "    return lambda obs: np.full(obs.shape[0], S)\n"
    )
    argv = ["score", "zipkin-lost-sales", "--agent", f"{agent}:levels", "--reps", "3", "--horizon", "50"]
    assert main([*argv, "--set", "action=order_up_to", "--set", "obs_scale=true", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 16 and all(r["gap"] > -0.05 for r in rows)


@pytest.mark.parametrize(
    "argv, match",
    [
        (["nope", "--agent", "base_stock:S=3"], "unknown instance set 'nope'"),
        (["suite", "--agent", "no_such_module:policy"], "cannot import module 'no_such_module'"),
        (["suite", "--agent", "missing.zip"], "no such file 'missing.zip'"),
        (["suite", "--agent", "base_stock:S=3", "--set", "holding_cost=2"], "score takes env options only"),
        (["suite", "--agent", "base_stock:S=3", "--set", "obs_scale=maybe"], "obs_scale must be true or false"),
        (["suite", "--agent", "nocolon"], "--agent must be module:name"),
    ],
)
def test_errors_are_one_line(argv, match, capsys):
    assert main(["score", *argv]) == 2
    err = capsys.readouterr().err
    assert match in err and "Traceback" not in err
