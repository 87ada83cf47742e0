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
