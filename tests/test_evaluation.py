"""The evaluator against the vector env, against closed forms, and its common random numbers."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from agents.heuristics import SS, BaseStock, ConstantOrder
from agents.specs import parse_policy
from inv_gym.envs import InventoryVectorEnv
from inv_gym.envs.streams import draw_paths
from inv_gym.evaluation import evaluate, mean_ci, mean_ci_rows, simulate, trajectory
from inv_gym.presets import preset_params


@pytest.mark.parametrize(
    ("env_id", "spec"),
    [
        ("inv_gym/BaseStock-v0", "base_stock:S=17"),
        ("inv_gym/LostSales-v0", "periodic:T=2,S=14"),
        ("inv_gym/StochasticLeadTime-v0", "ss:s=12,S=40"),
        ("inv_gym/Perishable-v0", "capped_base_stock:S=10,cap=6"),
        ("inv_gym/ConcreteMixers-v0", "periodic:T=4,S=11"),
    ],
)
def test_vector_env_copy_i_is_replication_i(env_id: str, spec: str) -> None:
    p = preset_params(env_id)
    n = 6
    horizon = p.horizon if p.finite_horizon else 80
    ev = evaluate(parse_policy(spec), p, reps=n, horizon=horizon, seed=11)
    venv = InventoryVectorEnv(n, p)
    obs, _ = venv.reset(seed=11)
    pol = parse_policy(spec).bind(p)
    pol.reset(n)
    cost = np.zeros(n)
    sold = np.zeros(n)
    for _ in range(horizon):
        obs, _, _, _, info = venv.step(pol.act(obs).astype(np.int64))
        cost += info["cost"]
        sold += info["sold"]
    np.testing.assert_allclose(ev.per_replication["cost_per_episode"], cost, rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        ev.per_replication["fill_rate"] * ev.per_replication["demand"] * horizon, sold, atol=1e-8
    )


def test_periodic_base_stock_with_backorders_matches_the_closed_form() -> None:
    # Every period the inventory position after ordering is S, so the net inventory at the end
    # of period t + L is S - D_{L+1} (L + 1 periods of demand): cost h E(S-D)^+ + b E(D-S)^+.
    p = preset_params("inv_gym/BaseStock-v0")  # Poisson(5), L = 2, h = 1, b = 9
    S, h, b = 17, p.holding_cost, p.backorder_cost
    k = np.arange(0, 200)
    pmf = stats.poisson(5.0 * (p.lead_time + 1)).pmf(k)
    exact = h * np.sum(np.maximum(S - k, 0) * pmf) + b * np.sum(np.maximum(k - S, 0) * pmf)
    ev = evaluate(BaseStock(S=S), p, reps=100, horizon=1000, warmup=p.lead_time + 5, seed=2)
    cost = ev["cost_per_period"]
    assert cost.ci_low <= exact <= cost.ci_high, (exact, cost)
    assert cost.half_width < 0.02 * exact


def test_newsvendor_profit_matches_numerical_integration() -> None:
    # Newsvendor-v0: D ~ Normal(100, 20) censored at 0, price 10, unit cost 4, salvage 1; order Q.
    p = preset_params("inv_gym/Newsvendor-v0")
    q, r, c, v = 109, p.price, p.unit_cost, p.salvage_value
    dist = stats.norm(100, 20)

    def profit(d: float) -> float:
        return r * min(q, d) + v * max(q - d, 0.0) - c * q

    body, _ = integrate.quad(lambda d: profit(d) * dist.pdf(d), 0, q, limit=200)
    tail, _ = integrate.quad(lambda d: profit(d) * dist.pdf(d), q, np.inf, limit=200)
    exact = body + tail + profit(0.0) * dist.cdf(0.0)  # D = 0 below zero (censoring)
    ev = evaluate(ConstantOrder(q=q), p, reps=40_000, seed=5)
    reward = ev["reward_per_episode"]
    assert reward.ci_low <= exact <= reward.ci_high, (exact, reward)
    assert 530 < exact < 540


def test_constant_order_lost_sales_matches_the_markov_chain() -> None:
    # L = 0, order q every period: end-of-period stock y' = max(y + q - D, 0), a Markov chain.
    p = preset_params("inv_gym/LostSales-v0", lead_time=0)  # Poisson(5), h = 1, p = 4
    q, h, pen, top = 4, p.holding_cost, p.lost_sales_cost, 120
    d = np.arange(0, 60)
    pd_ = stats.poisson(5.0).pmf(d)
    pd_[-1] += 1 - pd_.sum()
    trans = np.zeros((top + 1, top + 1))
    cost = np.zeros(top + 1)
    for y in range(top + 1):
        x = y + q
        nxt = np.minimum(np.maximum(x - d, 0), top)
        np.add.at(trans[y], nxt, pd_)
        cost[y] = h * np.sum(np.maximum(x - d, 0) * pd_) + pen * np.sum(np.maximum(d - x, 0) * pd_)
    w, vecs = np.linalg.eig(trans.T)
    pi = np.real(vecs[:, np.argmin(np.abs(w - 1))])
    pi /= pi.sum()
    exact = float(pi @ cost)
    ev = evaluate(ConstantOrder(q=q), p, reps=100, horizon=1000, warmup=200, seed=4)
    got = ev["cost_per_period"]
    assert got.ci_low <= exact <= got.ci_high, (exact, got)
    assert ev["lost_units"].mean == pytest.approx(1.0, abs=0.05)  # E[D] - q in steady state


def test_common_random_numbers_give_two_policies_the_same_demand() -> None:
    p = preset_params("inv_gym/Qr-v0")
    a = evaluate(SS(s=6, S=40), p, reps=20, horizon=100, seed=9)
    b = evaluate(BaseStock(S=25), p, reps=20, horizon=100, seed=9)
    c = evaluate(BaseStock(S=25), p, reps=20, horizon=100, seed=10)
    np.testing.assert_array_equal(a.per_replication["demand"], b.per_replication["demand"])
    assert not np.array_equal(b.per_replication["demand"], c.per_replication["demand"])
    ta = trajectory(SS(s=6, S=40), p, periods=50, reps=3, seed=9)
    tb = trajectory(BaseStock(S=25), p, periods=50, reps=3, seed=9)
    np.testing.assert_array_equal(ta["demand"], tb["demand"])
    assert not np.array_equal(ta["order"], tb["order"])


def test_simulate_copies_match_separate_runs() -> None:
    p = preset_params("inv_gym/Qr-v0")
    demand, lead = draw_paths(p, 3, 5, 60)
    pairs = [(6, 40), (10, 30), (0, 20)]
    s = np.repeat([x for x, _ in pairs], 5)
    S = np.repeat([y for _, y in pairs], 5)
    batched = simulate(SS(s=s, S=S), p, demand, lead, warmup=10, copies=3)["cost"].reshape(3, 5)
    for i, (x, y) in enumerate(pairs):
        alone = simulate(SS(s=x, S=y), p, demand, lead, warmup=10)["cost"]
        np.testing.assert_array_equal(batched[i], alone)


def test_trajectory_is_consistent_with_evaluate() -> None:
    p = preset_params("inv_gym/BaseStock-v0")
    df = trajectory(BaseStock(S=17), p, periods=40, reps=2, seed=1)
    ev = evaluate(BaseStock(S=17), p, reps=2, horizon=40, seed=1)
    np.testing.assert_allclose(df.groupby("replication")["cost"].sum(), ev.per_replication["cost_per_episode"])
    assert (df["inventory_position"] + df["order"]).iloc[5:].eq(17).all()  # order up to S every period


def test_mean_ci_rows_agrees_with_mean_ci() -> None:
    x = np.random.default_rng(0).normal(size=(3, 30))
    mean, low, high = mean_ci_rows(x)
    for i in range(3):
        one = mean_ci(x[i])
        assert (mean[i], low[i], high[i]) == pytest.approx((one.mean, one.ci_low, one.ci_high))
    assert math.isnan(mean_ci_rows(x[:, :1])[1][0])


def test_evaluation_outputs(tmp_path) -> None:
    ev = evaluate(BaseStock(S=17), "inv_gym/BaseStock-v0", reps=4, horizon=30, seed=0)
    d = ev.to_dict()
    assert {"mean", "ci_low", "ci_high"} <= set(d["cost_per_period"]) and d["settings"]["reps"] == 4
    ev.to_csv(str(tmp_path / "reps.csv"))
    assert (tmp_path / "reps.csv").read_text().count("\n") == 5
    assert list(ev.summary().columns) == ["mean", "ci_low", "ci_high", "sd", "n"]
    with pytest.raises(ValueError, match="reps"):
        evaluate(BaseStock(S=17), "inv_gym/BaseStock-v0", reps=0)


def test_progress_bars_change_no_number() -> None:
    """``progress=True`` (a bar fed by ``simulate``'s ``on_period``) gives the numbers of ``progress=False``."""
    from agents.search import grid_search

    kw = dict(reps=4, horizon=40, seed=3)
    quiet, shown = (evaluate(SS(10, 40), "inv_gym/Qr-v0", progress=p, **kw) for p in (False, True))
    assert shown.table.equals(quiet.table)
    quiet, shown = (grid_search("ss", "s=4:8:4,S=30:40:10", "inv_gym/Qr-v0", progress=p, **kw) for p in (False, True))
    assert shown.table.equals(quiet.table)
