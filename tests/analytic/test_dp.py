"""Relative value iteration (inv_gym.analytic.dp) against published optima and simulation."""

from __future__ import annotations

import functools
import math

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

import inv_gym  # noqa: F401  (registers the ids)
from inv_gym.analytic import dp as dp_module
from inv_gym.analytic.dp import DPPolicy, TruncationWarning, evaluate_policy_dp, solve_dp
from inv_gym.dynamics import EV, initial_state, kernel_params, observe, step
from inv_gym.instances import ZIPKIN_OPTIMA
from inv_gym.params import InventoryParams
from inv_gym.presets import preset_params

#: Zipkin (2008), lost sales, Poisson(5), h = 1: the lost-sales costs p of his table.
PENALTIES = sorted({p for _, p in ZIPKIN_OPTIMA})


def zipkin_params(lead_time: int, p: float) -> InventoryParams:
    """Zipkin's instance as the LostSales-v0 preset (h = 1, Poisson(5), max_order 20)."""
    return preset_params("inv_gym/LostSales-v0", lead_time=lead_time, lost_sales_cost=float(p))


@functools.cache
def zipkin_dp(lead_time: int, p: float):
    return solve_dp(zipkin_params(lead_time, p))


def simulate(
    params: InventoryParams,
    policy: DPPolicy,
    *,
    n: int = 100,
    horizon: int = 2000,
    warmup: int = 200,
    seed: int = 12345,
) -> tuple[float, float]:
    """Mean and 95% half-width of the per-period cost over n replications.

    Runs the kernel (``inv_gym.dynamics.step``) directly: the policy reads the
    observation, demand comes from ``np.random.default_rng(seed)``; the cost is
    the kernel's period cost minus revenue, averaged after ``warmup`` periods.
    """
    rng = np.random.default_rng(seed)
    kp = kernel_params(params)
    state = initial_state(params, n)
    lead = np.full(n, int(params.lead_time), dtype=np.int64)
    last = np.zeros(n, dtype=np.bool_)
    total = np.zeros(n)
    for t in range(warmup + horizon):
        q = np.asarray(policy.act(observe(params, state)), dtype=np.float64)
        demand = params.demand.sample(rng, n)
        ev = step(kp, state, q, demand, lead, last)
        if t >= warmup:
            total += ev[:, EV["cost"]] - ev[:, EV["revenue"]]
    per = total / horizon
    return float(per.mean()), float(1.96 * per.std(ddof=1) / math.sqrt(n))


# ---------------------------------------------------------------------------
# Zipkin (2008): 16 optimal costs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("p", PENALTIES)
@pytest.mark.parametrize("lead_time", [1, 2, 3])
def test_zipkin_lost_sales(lead_time: int, p: int) -> None:
    res = zipkin_dp(lead_time, p)
    assert res.converged
    assert res.average_cost == pytest.approx(ZIPKIN_OPTIMA[(lead_time, p)], abs=0.01)
    assert res.gain_bounds[1] - res.gain_bounds[0] < 1e-8
    assert res.boundary_mass < 1e-9
    assert res.policy_cost == pytest.approx(res.average_cost, abs=1e-6)


@pytest.mark.slow
def test_zipkin_lost_sales_lead_time_4() -> None:
    """The L = 4 row (about 5-10 s per instance), in one test."""
    for p in PENALTIES:
        res = solve_dp(zipkin_params(4, p))
        assert res.average_cost == pytest.approx(ZIPKIN_OPTIMA[(4, p)], abs=0.01), p
        assert res.boundary_mass < 1e-9


def test_zipkin_policy_simulated_on_the_kernel() -> None:
    """LostSales-v0 with lead_time=2, lost_sales_cost=9: simulated cost within the 95% CI."""
    params = zipkin_params(2, 9)
    res = zipkin_dp(2, 9)
    mean, half = simulate(params, res.policy())
    assert abs(mean - res.average_cost) <= half, (mean, half, res.average_cost)


def test_policy_runs_in_the_env() -> None:
    res = zipkin_dp(2, 9)
    policy = res.policy()
    env = gym.make("inv_gym/LostSales-v0", lead_time=2, lost_sales_cost=9)
    obs, _ = env.reset(seed=3)
    for _ in range(50):
        action, state = policy.predict(obs)
        assert action.shape == () and state is None
        obs, _, _, _, _ = env.step(int(action))
    venv = gym.make_vec("inv_gym/LostSales-v0", num_envs=4, lead_time=2, lost_sales_cost=9)
    obs, _ = venv.reset(seed=3)
    for _ in range(20):
        actions, _ = policy.predict(obs, episode_start=np.zeros(4, dtype=bool))
        assert actions.shape == (4,)
        obs, *_ = venv.step(actions)
    # the table and the policy agree on every state
    idx = res.state_index(res._space.observations())
    assert np.array_equal(idx, np.arange(res.n_states))
    assert np.array_equal(policy.act(res._space.observations()), res.policy_table)


# ---------------------------------------------------------------------------
# Other published or exact instances
# ---------------------------------------------------------------------------


def test_bijvank_bhulai_huh_lost_sales_fixed_cost() -> None:
    """Bijvank, Bhulai & Huh (2015): L = 2, h = 1, p = 14, K = 5, Poisson(5): 11.46.

    Their timing is Zipkin's, which is ours: the order placed at the start of
    period t arrives at the start of t + L (before that period's demand), holding
    is charged on end-of-period stock, p per unit lost, K per order, no unit
    cost. No mapping is needed.
    """
    params = InventoryParams(
        demand="poisson:5",
        lead_time=2,
        stockout="lost_sales",
        holding_cost=1,
        lost_sales_cost=14,
        fixed_order_cost=5,
        max_order=40,
    )
    res = solve_dp(params)
    assert res.average_cost == pytest.approx(11.46, abs=0.01)
    assert res.boundary_mass < 1e-9
    assert res.max_order_mass == 0.0


def test_backorder_base_stock_exact() -> None:
    """Backorders, K = 0: the optimum is the base-stock cost E[h (S - D)^+ + b (D - S)^+].

    D is the (L+1)-period demand, Poisson(5 (L + 1)), and S* its b/(b+h) quantile.
    """
    h, b, L, mu = 1.0, 9.0, 2, 5.0
    dist = stats.poisson(mu * (L + 1))
    s_star = int(dist.ppf(b / (b + h)))
    k = np.arange(200)
    exact = float(np.sum(dist.pmf(k) * (h * np.maximum(s_star - k, 0) + b * np.maximum(k - s_star, 0))))
    params = InventoryParams(
        demand="poisson:5", lead_time=L, stockout="backorder", holding_cost=h, backorder_cost=b, max_order=30
    )
    res = solve_dp(params)
    assert res.average_cost == pytest.approx(exact, abs=1e-6)
    assert res.boundary_mass < 1e-9
    # the optimal policy orders up to S* wherever the chain goes
    visited = res.stationary > 1e-9
    ip = res.states[:, 0] + res.states[:, 1:].sum(axis=1)
    assert np.all((ip + res.policy_table)[visited] == s_star)


def test_zheng_federgruen_ss() -> None:
    """Zheng & Federgruen (1991): h = 1, b = 9, K = 64, L = 0, Poisson(10): (6, 40), 35.022.

    Same timing as ours with L = 0 (the order arrives before the demand; h and b
    on end-of-period stock and backorders). ``max_order`` is raised from the
    preset's 60 so that no order is cut.
    """
    params = preset_params("inv_gym/Qr-v0", max_order=80)
    res = solve_dp(params)
    assert res.average_cost == pytest.approx(35.022, abs=5e-4)
    assert res.boundary_mass < 1e-9
    x = np.arange(-10, 60, dtype=np.float32)[:, None]
    q = res.policy().act(x)
    expected = np.where(x[:, 0] <= 6, 40 - x[:, 0], 0)
    assert np.array_equal(q, expected)


@pytest.mark.parametrize("issuing", ["fifo", "lifo"])
def test_perishable_de_moor_simulated(issuing: str) -> None:
    """De Moor et al. (2022) defaults: m = 2, L = 1, round(gamma(4, CV 0.5)), c = 3, p = 5, w = 7, h = 1."""
    params = preset_params("inv_gym/Perishable-v0", issuing=issuing)
    res = solve_dp(params)
    assert res.converged
    assert res.boundary_mass < 1e-9
    assert res.policy_cost == pytest.approx(res.average_cost, abs=1e-6)
    mean, half = simulate(params, res.policy())
    assert abs(mean - res.average_cost) <= half, (mean, half, res.average_cost)


def test_capacity_and_zero_lead_time() -> None:
    """A capacity below the unconstrained order-up-to level raises the optimal cost."""
    base = InventoryParams(demand="poisson:4", lead_time=0, stockout="lost_sales", lost_sales_cost=10, max_order=20)
    free = solve_dp(base)
    capped = solve_dp(base.replace(capacity=5))
    assert capped.average_cost > free.average_cost
    assert capped.states[:, 0].max() <= 5


def test_deterministic_demand_needs_the_aperiodicity_transform() -> None:
    """EOQ-v0 (demand 10 every period, K = 50, h = 1): order 30 every 3 periods, cost 10 + 50/3."""
    params = preset_params("inv_gym/EOQ-v0")
    res = solve_dp(params)
    assert res.average_cost == pytest.approx(10 + 50 / 3, abs=1e-6)


# ---------------------------------------------------------------------------
# Truncation, validation, policy edge cases
# ---------------------------------------------------------------------------


def test_binding_truncation_is_reported() -> None:
    with pytest.warns(TruncationWarning):
        res = solve_dp(zipkin_params(1, 39), max_inventory=8)
    assert res.boundary_mass > 0.1
    assert res.max_inventory == 8


def test_default_bounds_grow_until_they_do_not_bind(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the default M binds, solve_dp enlarges it and solves again."""
    monkeypatch.setattr(dp_module, "_default_bounds", lambda params: (8, 0))
    res = solve_dp(zipkin_params(1, 39))
    assert res.max_inventory > 8
    assert res.boundary_mass <= 1e-6
    assert res.average_cost == pytest.approx(ZIPKIN_OPTIMA[(1, 39)], abs=0.01)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        (dict(shelf_life=7), "shelf_life"),
        (dict(demand="normal:mean=5,sd=1"), "demand"),
        (dict(finite_horizon=True), "finite_horizon"),
    ],
)
def test_unsupported_instances_raise(kwargs: dict, name: str) -> None:
    params = InventoryParams(stockout="lost_sales", lost_sales_cost=4, **kwargs)
    with pytest.raises(ValueError, match=name):
        solve_dp(params)


def test_bad_arguments_raise() -> None:
    params = zipkin_params(1, 4)
    with pytest.raises(ValueError, match="max_inventory"):
        solve_dp(params, max_inventory=0)
    with pytest.raises(ValueError, match="aperiodicity"):
        solve_dp(params, aperiodicity=0.0)
    with pytest.raises(ValueError, match="tol"):
        solve_dp(params, tol=0.0)


def test_policy_outside_the_table() -> None:
    res = zipkin_dp(1, 4)
    policy = res.policy()
    m = res.max_inventory
    assert policy.act(np.array([[m + 5, 0]], dtype=np.float32)).tolist() == [0]
    with pytest.raises(ValueError, match="pipeline_1"):
        policy.act(np.array([[3.0, 2.0]]))
    with pytest.raises(ValueError, match="integer"):
        policy.act(np.array([[3.5, 0.0]]))
    # deep backorders: the order at B plus the excess
    bo = solve_dp(preset_params("inv_gym/Qr-v0", max_order=80), max_backorder=20)
    deep = bo.policy().act(np.array([[-25.0]]))
    assert deep.tolist() == [min(80, 40 + 25)]


# ---------------------------------------------------------------------------
# Property: the DP optimum is never worse than the best base-stock / (s, S) policy
# ---------------------------------------------------------------------------


class _BaseStock:
    def __init__(self, params: InventoryParams, s: int, big_s: int) -> None:
        self.params, self.s, self.big_s = params, s, big_s

    def act(self, obs: np.ndarray) -> np.ndarray:
        ip = obs[:, 0] + obs[:, 1 : 1 + self.params.max_lead_time].sum(axis=1)
        q = np.where(ip <= self.s, self.big_s - ip, 0.0)
        return np.clip(q, 0, self.params.max_order)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mean=st.sampled_from([1.0, 2.0, 3.0]),
    lead_time=st.integers(0, 2),
    penalty=st.sampled_from([2.0, 5.0, 19.0]),
    fixed=st.sampled_from([0.0, 4.0]),
    lost=st.booleans(),
)
def test_dp_beats_base_stock_and_ss(mean: float, lead_time: int, penalty: float, fixed: float, lost: bool) -> None:
    params = InventoryParams(
        demand=f"poisson:{mean}",
        lead_time=lead_time,
        stockout="lost_sales" if lost else "backorder",
        holding_cost=1.0,
        lost_sales_cost=penalty if lost else 0.0,
        backorder_cost=0.0 if lost else penalty,
        fixed_order_cost=fixed,
        max_order=15,
    )
    res = solve_dp(params)
    bounds = dict(max_inventory=res.max_inventory, max_backorder=res.max_backorder)
    top = min(res.max_inventory, 3 * int(mean * (lead_time + 1)) + 8)
    best = math.inf
    for big_s in range(0, top + 1):
        reorder = [big_s - 1] if fixed == 0 else range(-1, big_s)
        for s in reorder:
            ev = evaluate_policy_dp(_BaseStock(params, s, big_s), params, **bounds)
            best = min(best, ev.average_cost)
    assert res.average_cost <= best + 1e-7
    # and the DP's own policy, evaluated exactly, costs the optimum
    own = evaluate_policy_dp(res.policy(), params, **bounds)
    assert own.average_cost == pytest.approx(res.average_cost, abs=1e-6)
