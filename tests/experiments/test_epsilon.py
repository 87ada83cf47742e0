"""The epsilon comparison, the concrete-mixer study and ``inv-gym bandit`` (tiny modes)."""

import json
import os

import numpy as np
import pandas as pd
import pytest

from agents.heuristics import PeriodicReview
from experiments import concrete_mixers, epsilon_comparison
from experiments.cli import main as cli_main
from inv_gym.evaluation import evaluate
from inv_gym.presets import preset_params


@pytest.fixture(scope="module")
def tiny_epsilon(tmp_path_factory):
    out = tmp_path_factory.mktemp("results")
    cfg = epsilon_comparison.Config.for_mode("tiny", out_dir=str(out), progress=False)
    return cfg, epsilon_comparison.main(cfg)


def test_tiny_epsilon_experiment_writes_its_files(tiny_epsilon) -> None:
    cfg, results = tiny_epsilon
    assert set(results) == {"qr_ss", "qr_rq", "concrete_mixers"}
    for name, res in results.items():
        d = cfg.directory(name)
        for f in ("curves.csv", "arms.csv", "summary.json", "epsilon_comparison.png"):
            assert os.path.getsize(os.path.join(d, f)) > 0, f
        assert not [f for f in os.listdir(d) if f.startswith(".tmp")]  # atomic writes leave no temporaries
        curves = pd.read_csv(os.path.join(d, "curves.csv"))
        assert len(curves) == len(cfg.epsilons) * cfg.iterations
        assert {"reward", "reward_lo", "reward_hi", "best_share", "regret_best", "regret_opt"} <= set(curves)
        with open(os.path.join(d, "summary.json")) as f:
            summary = json.load(f)
        assert summary["best_arm"]["family"] == res.summary["best_arm"]["family"]
    qr = results["qr_ss"].summary["optimum"]
    assert (qr["method"], qr["policy"]["s"], qr["policy"]["S"]) == ("zheng_federgruen", 6, 40)
    assert qr["value"] == pytest.approx(-35.0216, abs=1e-4)
    month = results["concrete_mixers"].summary["optimum"]  # backward induction over the month
    assert month["method"] == "backward_induction" and month["value"] == pytest.approx(-4.9358, abs=1e-4)


def test_regret_curves_are_non_decreasing(tiny_epsilon) -> None:
    _, results = tiny_epsilon
    for res in results.values():
        for _, d in res.curves.groupby("epsilon"):
            assert np.all(np.diff(d["regret_best"].to_numpy()) >= -1e-9)
            assert d["regret_best"].iloc[0] >= 0


@pytest.mark.parametrize("scenario", ["qr_rq", "concrete_mixers"])
def test_regret_against_the_optimum_adds_the_gap_of_the_best_arm(tiny_epsilon, scenario) -> None:
    _, results = tiny_epsilon
    res = results[scenario]
    gap = res.summary["optimum"]["value"] - res.summary["best_value"]
    for _, d in res.curves.groupby("epsilon"):
        np.testing.assert_allclose(d["regret_opt"] - d["regret_best"], gap * d["iteration"], rtol=1e-9, atol=1e-9)


def test_concrete_mixers_tiny(tmp_path) -> None:
    cfg = concrete_mixers.Config.for_mode("tiny", out_dir=str(tmp_path), progress=False)
    res = concrete_mixers.main(cfg)
    assert list(res.table["T"]) == list(range(1, 11))
    t = res.table.set_index("T")
    # the spreadsheet charges the evening-of-day-25 order only when T divides 25
    assert np.allclose(
        t.loc[[2, 3, 4, 6, 7, 8, 9, 10], "spreadsheet"], t.loc[[2, 3, 4, 6, 7, 8, 9, 10], "monthly_cost"]
    )
    assert np.all(t.loc[[1, 5], "spreadsheet"] > t.loc[[1, 5], "monthly_cost"])
    # without an order at t = 24 nothing changes unless T divides 24
    assert np.allclose(t.loc[[5, 7, 9, 10], "no_last_order"], t.loc[[5, 7, 9, 10], "monthly_cost"])
    for f in ("table.csv", "bandits.csv", "summary.json", "concrete_mixers.png"):
        assert os.path.exists(os.path.join(cfg.directory, f))
    assert set(res.summary["bandit_picks"]) == {"epsilon_greedy(0.1)", "ucb1(auto)", "thompson"}
    # exact values: the same conventions hold exactly, the best T is 5, and the optimum beats every T
    ex = t[[c for c in t.columns if c.endswith("_exact")]]
    assert np.allclose(
        ex.loc[[2, 3, 4, 6, 7, 8, 9, 10], "spreadsheet_exact"], ex.loc[[2, 3, 4, 6, 7, 8, 9, 10], "monthly_cost_exact"]
    )
    assert np.allclose(ex.loc[[5, 7, 9, 10], "no_last_order_exact"], ex.loc[[5, 7, 9, 10], "monthly_cost_exact"])
    assert ex.loc[5, "monthly_cost_exact"] == pytest.approx(5.91516, abs=1e-4)
    assert res.summary["best"]["monthly_cost"]["T"] == 5
    opt = res.summary["optimum"]
    assert opt["month"] == pytest.approx(4.93581, abs=1e-4)
    assert opt["month"] < ex["monthly_cost_exact"].min() and opt["long_run_month"] < ex["long_run_month_exact"].min()
    assert t.loc[5, "gap_to_optimal_month_pct"] == pytest.approx((5.91516 / 4.93581 - 1) * 100, abs=0.01)


def test_no_last_period_order_wrapper() -> None:
    p = preset_params("inv_gym/ConcreteMixers-v0")
    ev = evaluate(concrete_mixers.NoLastPeriodOrder(PeriodicReview(1, 11)), p, reps=50, seed=3)
    full = evaluate(PeriodicReview(1, 11), p, reps=50, seed=3)
    # T = 1 orders every day with demand; skipping day 25 saves about one order
    diff = full["orders_placed"].mean * 25 - ev["orders_placed"].mean * 25
    assert 0.5 < diff <= 1.0


def test_cli_bandit_json(capsys, tmp_path) -> None:
    rc = cli_main(
        [
            "bandit",
            "ConcreteMixers",
            "--family",
            "periodic",
            "--grid",
            "T=1:10,S=11",
            "--epsilon",
            "0.1",
            "--iterations",
            "40",
            "--runs",
            "5",
            "--seed",
            "3",
            "--out",
            str(tmp_path / "b"),
            "--json",
        ]
    )
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert {"best_arm", "arms", "env_id", "reward", "iterations", "runs", "bandit"} <= set(out)
    assert set(out["best_arm"]) == {"family", "T", "S"} and out["best_arm"]["family"] == "periodic"
    assert len(out["arms"]) == 10
    assert all({"estimate", "pulls", "T", "S"} <= set(a) for a in out["arms"])
    assert sum(a["pulls"] for a in out["arms"]) == 40 * 5
    assert os.path.exists(tmp_path / "b" / "bandit.json") and os.path.exists(tmp_path / "b" / "arms.csv")


@pytest.mark.parametrize("algo", ["ucb1", "thompson"])
def test_cli_bandit_algorithms_and_errors(capsys, algo) -> None:
    args = ["bandit", "Qr", "--family", "ss", "--grid", "s=6,S=30 40", "--algo", algo, "--set", "horizon=50"]
    assert cli_main([*args, "--iterations", "6", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["bandit"]["algo"] == algo
    assert cli_main(["bandit", "Qr", "--family", "ss", "--grid", "s=6"]) == 2
    assert "missing S" in capsys.readouterr().err
