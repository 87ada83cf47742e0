"""Grid search: grid syntax, constraints, CRN, the frontier, and Zheng-Federgruen's (6, 40)."""

import numpy as np
import pytest

from agents.heuristics import SS
from agents.search import grid_points, grid_search, pareto_frontier, parse_grid
from agents.specs import policy_spec
from inv_gym.evaluation import evaluate


def test_grid_syntax() -> None:
    values, options = parse_grid("ss", "s=0:4,S=10:20:5")
    assert values["s"].tolist() == [0, 1, 2, 3, 4] and values["S"].tolist() == [10, 15, 20] and options == {}
    values, options = parse_grid("periodic", "T=1 2 4,S=3,basis=on_hand")
    assert values["T"].tolist() == [1, 2, 4] and values["S"].tolist() == [3] and options == {"basis": "on_hand"}
    values, _ = parse_grid("rq", {"r": range(0, 3), "Q": [5, 10]})
    assert values["r"].tolist() == [0, 1, 2] and values["Q"].tolist() == [5, 10]


def test_ss_grid_keeps_s_below_S() -> None:
    points, _ = grid_points("ss", "s=0:79,S=1:80")
    assert points["s"].size == 3240  # the benchmark grid: 0 <= s < S <= 80
    assert np.all(points["s"] < points["S"])


@pytest.mark.parametrize(
    ("family", "grid", "message"),
    [
        ("ss", "s=0:5", "missing S"),
        ("ss", "s=0:5,S=1:3,x=1", "unknown parameter 'x'"),
        ("ss", "s=5:9,S=1:5", "no valid 'ss' policy"),
        ("ss", "s=-3:5,S=1:9", "s must be >= 0"),
        ("ss", "s=5:1,S=10", "empty"),
        ("ss", "s=0:5:0,S=10", "step of s must be > 0"),
        ("ss", "s=0:5:-1,S=10", "step of s must be > 0, got -1"),
        ("base_stock", "S=0:1e12", "at most 100,000"),
        ("periodic", "T=0:3,S=5", "T must be >= 1"),
        ("myopic", "S=1", "has no grid"),
        ("nope", "S=1", "unknown policy family"),
    ],
)
def test_bad_grids(family: str, grid: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        grid_points(family, grid)


def test_pareto_frontier() -> None:
    cost = np.array([3.0, 1.0, 2.0, 2.5, 1.0, 4.0])
    fill = np.array([0.99, 0.90, 0.95, 0.94, 0.80, 0.99])
    assert pareto_frontier(cost, fill).tolist() == [1, 2, 0]


def test_search_equals_separate_evaluations_and_ranks() -> None:
    kw = dict(reps=8, horizon=120, warmup=10, seed=5)
    res = grid_search("ss", "s=4 8,S=30 40", "inv_gym/Qr-v0", progress=False, max_systems=16, **kw)
    assert len(res.table) == 4 and res.table["rank"].tolist() == [1, 2, 3, 4]
    assert res.table["cost_per_period"].is_monotonic_increasing
    for _, row in res.table.iterrows():
        ev = evaluate(SS(s=row["s"], S=row["S"]), "inv_gym/Qr-v0", **kw)
        assert row["cost_per_period"] == pytest.approx(ev["cost_per_period"].mean, abs=1e-9)
        assert row["cost_per_period_ci_high"] == pytest.approx(ev["cost_per_period"].ci_high, abs=1e-9)
        assert row["fill_rate"] == pytest.approx(ev["fill_rate"].mean, abs=1e-12)
    threaded = grid_search("ss", "s=4 8,S=30 40", "inv_gym/Qr-v0", progress=False, n_jobs=2, max_systems=8, **kw)
    np.testing.assert_array_equal(threaded.table["cost_per_period"], res.table["cost_per_period"])


def test_fill_rate_constraint_best_and_frontier() -> None:
    res = grid_search(
        "base_stock",
        "S=10:30",
        "inv_gym/BaseStock-v0",
        reps=20,
        horizon=300,
        seed=1,
        min_fill_rate=0.98,
        progress=False,
    )
    feasible = res.table[res.table["feasible"]]
    assert 0 < len(feasible) < len(res.table) and (feasible["fill_rate"] >= 0.98).all()
    assert res.best["spec"] == feasible.iloc[0]["spec"]
    assert res.best["cost_per_period"] > res.table["cost_per_period"].min()  # the constraint binds
    assert policy_spec(res.best_policy()) == res.best_spec
    f = res.frontier
    assert f["cost_per_period"].is_monotonic_increasing and f["fill_rate"].is_monotonic_increasing
    for _, row in res.table.iterrows():  # nothing in the grid dominates a frontier point
        dominated = (f["cost_per_period"] >= row["cost_per_period"]) & (f["fill_rate"] <= row["fill_rate"])
        dominated &= (f["cost_per_period"] > row["cost_per_period"]) | (f["fill_rate"] < row["fill_rate"])
        assert not dominated.any()
    none = grid_search(
        "base_stock", "S=1:3", "inv_gym/BaseStock-v0", reps=5, horizon=50, min_fill_rate=0.99, progress=False
    )
    assert none.best is None and none.best_spec is None
    with pytest.raises(ValueError, match="no 'base_stock' policy"):
        none.best_policy()


def test_search_finds_zheng_federgruen_region_on_qr() -> None:
    # Zheng & Federgruen (1991), Poisson(10), K = 64, h = 1, b = 9: optimal (6, 40), cost 35.022
    res = grid_search(
        "ss", "s=0:12:2,S=30:50:5", "inv_gym/Qr-v0", reps=100, horizon=365, warmup=50, seed=0, progress=False
    )
    best = res.best
    assert 4 <= best["s"] <= 8 and 35 <= best["S"] <= 45
    assert best["cost_per_period_ci_low"] - 0.2 <= 35.022 <= best["cost_per_period_ci_high"] + 0.2
    d = res.to_dict(top=3)
    assert d["grid_size"] == len(res.table) and len(d["top"]) == 3 and d["best"]["spec"] == res.best_spec
