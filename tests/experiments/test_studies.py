"""Each study's tiny mode runs and its output has the properties the theory predicts."""

from __future__ import annotations

import numpy as np
import pytest

from experiments import studies


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return str(tmp_path_factory.mktemp("studies"))


def run(name, out, **kw):
    res = studies.run(name, "tiny", out_dir=out, **kw)
    assert res.figures and all(p.endswith(".png") for p in res.figures)
    return res


def test_newsvendor_matches_closed_form(out):
    res = run("newsvendor", out)
    s = res.summary
    lo, hi = s["profit_at_q_star_sim"][1:]
    assert lo <= s["profit_at_q_star_analytic"] <= hi
    curve = res.tables["profit_vs_q"]
    inside = (curve["profit_lo"] - 1e-9 <= curve["profit_analytic"]) & (
        curve["profit_analytic"] <= curve["profit_hi"] + 1e-9
    )
    assert inside.mean() >= 0.8  # 95% intervals: most points cover the formula
    # the simulated optimum sits at the critical fractile within one grid step
    step = float(np.diff(curve["Q"])[0])
    assert abs(s["q_of_grid_max_sim"] - s["q_star"]) <= step
    # Pr[loss] grows with Q, the loss of profit away from Q* is positive on both sides
    assert np.all(np.diff(curve["p_loss_analytic"]) >= -1e-12)
    sens = res.tables["sensitivity"]
    assert (sens.loc[sens["deviation"] != 0, "loss_pct"] > 0).all()
    # more demand variability, less expected profit at the optimum
    st = res.tables["stats_at_qstar"]
    assert np.all(np.diff(st["mean"]) < 0) and np.all(np.diff(st["sd"]) > 0)


def test_eoq_minimum_at_q_star_and_flat_in_scv(out):
    res = run("eoq", out)
    s = res.summary
    assert abs(s["q_argmin_simulated"] - s["q_star"]) <= s["grid_step"]
    # the periodic model charges end-of-period stock: the closed form shifted by -h lambda / 2
    assert s["cost_min_simulated"] - s["cost_at_q_star_closed_form"] == pytest.approx(s["offset_expected"], abs=0.02)
    d = res.tables["cost_vs_interarrival_scv"]
    # flat: one value lies inside every point's 95% interval
    assert d["cost_per_period_lo"].max() <= d["cost_per_period_hi"].min()
    # setup and purchase costs depend on the demand rate only
    assert np.ptp(d["purchase_cost"]) < 0.05 and np.ptp(d["fixed_cost"]) < 0.1
    h = res.tables["cost_vs_holding"]
    assert np.all(np.diff(h["cost_per_period"]) > 0)


def test_base_stock_fill_rate_rises_with_r(out):
    res = run("base_stock", out)
    d = res.tables["cost_vs_r"]
    assert np.all(np.diff(d["fill_rate"]) >= 0) and d["fill_rate"].iloc[-1] > 0.99
    assert np.all(np.diff(d["average_backorders"]) <= 0)
    # the simulated cost curve has its minimum at the exact R* (within one grid step)
    step = float(np.diff(d["R"])[0])
    assert abs(res.summary["r_argmin_simulated"] - res.summary["r_star"]) <= step
    assert np.allclose(d["fill_rate"], d["fill_rate_formula"], atol=0.02)
    # backorder distribution matches P(D_{L+1} = R + k)
    bd = res.tables["backorder_distribution"]
    assert np.max(np.abs(bd["cdf_sim"] - bd["cdf_exact"])) < 0.02
    # the optimal fill rate rises with the backorder cost
    assert np.all(np.diff(res.tables["fill_vs_backorder_cost"]["fill_rate"]) > 0)
    # more demand variability: the fixed R serves worse, the re-optimized R* is larger
    v = res.tables["vs_interarrival_scv"]
    fixed = v[v["which"].str.startswith("fixed")]
    best = v[~v["which"].str.startswith("fixed")]
    assert np.all(np.diff(fixed["fill_rate"]) < 0)
    assert np.all(np.diff(best["policy_S"]) >= 0)


def test_qr_surfaces_and_setup_cost(out):
    res = run("qr", out)
    t = res.tables["surfaces"]
    assert len(t) == len(set(zip(t["Q"], t["r"])))
    # at every Q the fill rate rises with the reorder point
    for _, g in t.groupby("Q"):
        assert np.all(np.diff(g.sort_values("r")["fill_rate"]) >= -1e-9)
    k = res.tables["stats_vs_setup_cost"]
    # a larger setup cost buys larger batches and more stock on hand, fewer orders
    assert np.all(np.diff(k["policy_Q"]) > 0)
    assert np.all(np.diff(k["average_on_hand"]) > 0) and np.all(np.diff(k["orders_placed"]) < 0)


def test_scenarios_spike_lowers_fill_rate(out):
    res = run("scenarios", out)
    d = res.tables["scenarios"]
    fixed = d[d["policy_kind"] == "baseline policy"].set_index("scenario")
    names = list(fixed.index)
    base, spike, lead = (fixed.loc[n] for n in names)
    # the demand spike lowers the fill rate of the fixed policy (beyond the CIs)
    assert spike["fill_rate_hi"] < base["fill_rate_lo"]
    assert lead["fill_rate"] < base["fill_rate"]
    # re-optimizing never costs more than keeping the baseline policy (up to noise)
    opt = d[d["policy_kind"] == "re-optimized"].set_index("scenario")
    assert (opt["cost_per_period"] <= fixed["cost_per_period"] + fixed["cost_per_period"] * 0.03).all()


def test_constrained_frontier_is_monotone(out):
    res = run("constrained", out)
    f = res.tables["frontier"]
    assert np.all(np.diff(f["fill_rate"]) > 0) and np.all(np.diff(f["cost_per_period"]) > 0)
    opt = res.tables["optima"].set_index("which")
    target = res.summary["target"]
    chosen = opt.loc[f"fill rate >= {target:g}"]
    free = opt.loc["unconstrained"]
    assert chosen["fill_rate_hi"] >= target and chosen["cost_per_period"] > free["cost_per_period"]
    # the constrained optimum is on the frontier
    assert chosen["policy"] in {f"ss:s={s:g},S={S:g}" for s, S in zip(f["s"], f["S"])}


def test_aged_stock_least_spend_without_stockouts(out):
    res = run("aged_stock", out)
    d = res.tables["plans"].set_index(["plan", "sample"])
    names = list(dict.fromkeys(res.tables["plans"]["plan"]))
    naive, plan, policy = names
    assert d.loc[(naive, "in sample"), "stockout_periods"] > 0
    assert d.loc[(plan, "in sample"), "stockout_periods"] == 0
    assert d.loc[(policy, "in sample"), "stockout_periods"] == 0
    # availability comes from the observation's age entries: ages 0..m-1 per period
    a = res.tables["availability"]
    assert set(a["age"]) == set(range(3)) and (a["mean_on_hand"] >= 0).all()
    # the base-stock level is the least with no stock-out: one level lower runs out
    s = res.tables["base_stock_search"]
    i = int(np.argmax(s["no_stockout"]))
    assert i > 0 and not s["no_stockout"].iloc[i - 1]


def test_sweep_resumes_and_runs_in_parallel(tmp_path):
    from experiments.sweep import Sweep, run_sweep

    sw = Sweep(
        "inv_gym/BaseStock-v0",
        policy="base_stock:S=15",
        vary=("policy.S", [10, 15]),
        reps=3,
        horizon=50,
        warmup=0,
        out_dir=str(tmp_path),
    )
    first = run_sweep(sw)
    files = sorted(p.name for p in (tmp_path / "points").iterdir())
    assert len(files) == 2 and (tmp_path / "sweep.csv").exists()
    mtimes = [(tmp_path / "points" / f).stat().st_mtime_ns for f in files]
    sw.vary = ("policy.S", [10, 15, 20])
    sw.n_jobs = 2
    second = run_sweep(sw)
    assert [(tmp_path / "points" / f).stat().st_mtime_ns for f in files] == mtimes  # not recomputed
    assert second["cost_per_period"].iloc[:2].tolist() == first["cost_per_period"].tolist()
    assert np.all(np.diff(second["fill_rate"]) > 0)


def test_sweep_points_are_runner_records_and_a_damaged_one_is_named_and_recomputed(tmp_path):
    import json
    import re

    import pandas as pd

    from experiments.runner import RecordWarning
    from experiments.sweep import Sweep, run_sweep

    sw = Sweep("inv_gym/BaseStock-v0", policy="base_stock:S=15", vary=("backorder_cost", [1.0, 9.0]), reps=3,
               horizon=50, warmup=0, out_dir=str(tmp_path))  # fmt: skip
    first = run_sweep(sw)
    path = tmp_path / "points" / "backorder_cost=9.0.json"
    record = json.loads(path.read_text())
    assert record["value"]["backorder_cost"] == 9.0 and len(record["checksum"]) == 64
    record["value"]["cost_per_period"] += 1.0  # a hand-edited cost
    path.write_text(json.dumps(record))
    with pytest.warns(RecordWarning, match=re.escape(str(path)) + ".*checksum does not match"):
        again = run_sweep(sw)
    pd.testing.assert_frame_equal(again, first)
    path.write_text(json.dumps({**record, "value": []}))  # the wrong shape: named too
    with pytest.warns(RecordWarning, match=re.escape(str(path)) + ".*holds a list, not a JSON object"):
        pd.testing.assert_frame_equal(run_sweep(sw), first)


def test_sweep_point_keys_name_the_point_or_its_fingerprint(tmp_path):
    from experiments.runner import fingerprint
    from experiments.sweep import Sweep, run_sweep, sweep_tasks

    sw = Sweep("inv_gym/BaseStock-v0", "base_stock:S=15", ("policy.S", [10, 15.5]), vary2=("lead_time", [0, 2]))
    assert [t.key for t in sweep_tasks(sw)][:2] == ["policy.S=10,lead_time=0", "policy.S=10,lead_time=2"]
    texts = Sweep("inv_gym/BaseStock-v0", "base_stock:S=15", ("demand", ["poisson:4", "poisson:6"]), reps=3,
                  horizon=40, warmup=0, out_dir=str(tmp_path))  # fmt: skip
    keys = [t.key for t in sweep_tasks(texts)]
    assert keys == [f"point-{fingerprint({'demand': d})}" for d in ("poisson:4", "poisson:6")]
    df = run_sweep(texts)
    assert sorted(p.name for p in (tmp_path / "points").iterdir()) == sorted(f"{k}.json" for k in keys)
    assert list(df["demand"]) == ["poisson:4", "poisson:6"] and list(df["demand_true_mean"]) == [4.0, 6.0]
    with pytest.raises(ValueError, match="each value once; the point \\{'holding_cost': 1.0\\} comes twice"):
        sweep_tasks(Sweep("inv_gym/BaseStock-v0", "base_stock:S=15", ("holding_cost", [1.0, 2.0, 1.0])))


def test_study_cli_lists_and_runs(tmp_path, capsys):
    from experiments.cli import main

    assert main(["study", "--list"]) == 0
    assert "eoq" in capsys.readouterr().out
    assert main(["study", "nope", "--tiny", "--out", str(tmp_path)]) == 2
