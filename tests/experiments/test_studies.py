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
