"""(s, S) policies: Zheng & Federgruen's exact algorithm, the renewal cost, the power approximation.

Zheng & Federgruen (1991) and Snyder & Shen (2019) use the suite's timing with
L = 0: review, order (arriving at once), demand, holding/backorder cost on the
end-of-period inventory; reorder when the inventory position is <= s. Their
table is therefore compared as is. Positive lead times enter through the
(L + 1)-period demand and are checked by simulation on the kernel.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_closed_forms import assert_in_ci, simulate

from inv_gym.analytic import ss_cost, ss_optimal_policy, ss_power_approximation
from inv_gym.distributions import Empirical, Normal, Poisson
from inv_gym.params import InventoryParams
from inv_gym.presets import preset_params

# Zheng & Federgruen (1991), Table I: h = 1, p = 9, K = 64, L = 0, Poisson mean mu -> (s*, S*, cost)
ZF_TABLE = [
    (10, 6, 40, 35.022),
    (15, 10, 49, 42.698),
    (20, 14, 62, 49.173),
    (25, 19, 56, 54.262),
    (30, 23, 66, 57.819),
    (35, 28, 77, 61.215),
    (40, 33, 87, 64.512),
    (45, 37, 97, 67.776),
    (50, 42, 108, 70.975),
    (55, 47, 118, 74.149),
    (60, 52, 129, 77.306),
    (65, 56, 75, 78.518),
    (70, 62, 81, 79.037),
    (75, 67, 86, 79.554),
    (21, 15, 65, 50.406),
    (22, 16, 68, 51.632),
    (23, 17, 52, 52.757),
    (24, 18, 54, 53.518),
    (51, 43, 110, 71.611),
    (52, 44, 112, 72.246),
    (59, 51, 126, 76.679),
    (61, 52, 131, 77.929),
    (63, 54, 73, 78.287),
    (64, 55, 74, 78.402),
]
ZF_COSTS = dict(fixed_order_cost=64, holding_cost=1, backorder_cost=9)


@pytest.mark.parametrize("mu, s, S, cost", ZF_TABLE)
def test_zheng_federgruen_table(mu, s, S, cost) -> None:
    best = ss_optimal_policy(demand=Poisson(mu), **ZF_COSTS)
    assert (best.s, best.S) == (s, S)
    assert best.cost == pytest.approx(cost, abs=5e-4)
    assert ss_cost(demand=Poisson(mu), reorder_point=s, order_up_to_level=S, **ZF_COSTS) == pytest.approx(best.cost)


def test_snyder_shen_example_4_7_and_problem_4_31() -> None:
    ex = dict(demand="poisson:6", fixed_order_cost=5, holding_cost=1, backorder_cost=4)
    best = ss_optimal_policy(**ex)
    assert (best.s, best.S) == (4, 10)
    assert best.cost == pytest.approx(8.034111561471644, abs=1e-9)
    assert ss_cost(**ex, reorder_point=6, order_up_to_level=18) == pytest.approx(10.193798671644046, abs=1e-9)
    pr = dict(demand="poisson:4", fixed_order_cost=150, holding_cost=40, backorder_cost=125)
    best = ss_optimal_policy(**pr)
    assert (best.s, best.S) == (2, 7)
    assert best.cost == pytest.approx(223.5748295669688, abs=1e-8)
    assert ss_cost(**pr, reorder_point=4, order_up_to_level=10) == pytest.approx(262.2755613772775, abs=1e-8)


def test_power_approximation_snyder_shen() -> None:
    # Example 4.8: h = 0.18, p = 0.7, K = 2.5, N(50, 8); Problem 4.32: h = 2, p = 36, K = 60, N(190, 48)
    s, S = ss_power_approximation(
        demand_mean=50, demand_sd=8, fixed_order_cost=2.5, holding_cost=0.18, backorder_cost=0.7
    )
    assert (s, S) == (pytest.approx(40.194616956474071, abs=1e-9), pytest.approx(74.290170109805786, abs=1e-9))
    s, S = ss_power_approximation(demand_mean=190, demand_sd=48, fixed_order_cost=60, holding_cost=2, backorder_cost=36)
    assert (s, S) == (pytest.approx(226.6137928222839, abs=1e-9), pytest.approx(324.3797868133974, abs=1e-9))
    # small Q / sigma_L: capped at the newsvendor level S_0
    s, S = ss_power_approximation(demand_mean=50, demand_sd=30, fixed_order_cost=0.5, holding_cost=1, backorder_cost=9)
    s0 = 50 + 30 * 1.2815515655446004
    assert S <= s0 + 1e-9 and s <= S


def test_power_approximation_is_near_optimal() -> None:
    """On ZF's mu = 25 instance the rounded power approximation costs 55.961, 3.1% above the optimum 54.262."""
    s, S = ss_power_approximation(demand_mean=25, demand_sd=5, **ZF_COSTS)
    approx = ss_cost(demand=Poisson(25), reorder_point=round(s), order_up_to_level=round(S), **ZF_COSTS)
    assert approx == pytest.approx(55.961, abs=1e-3)
    assert 54.262 < approx <= 1.05 * 54.262


def test_empirical_demand_and_lead_time() -> None:
    demand = Empirical((0, 1, 2, 3, 6), (0.2, 0.3, 0.25, 0.15, 0.1))
    for lead_time in (0, 2):
        best = ss_optimal_policy(
            demand=demand, fixed_order_cost=10, holding_cost=1, backorder_cost=6, lead_time=lead_time
        )
        grid = min(
            (ss_cost(demand=demand, reorder_point=s, order_up_to_level=S, fixed_order_cost=10, holding_cost=1,
                     backorder_cost=6, lead_time=lead_time), s, S)
            for s in range(-4, 15) for S in range(s + 1, s + 20)
        )  # fmt: skip
        assert best.cost <= grid[0] + 1e-12
        assert (best.s, best.S) == grid[1:]


def test_zero_fixed_cost_is_base_stock() -> None:
    # K = 0: the optimum is base stock S* with s = S* - 1 and cost G(S*)
    from inv_gym.analytic import base_stock_cost, base_stock_level

    kw = dict(demand=Poisson(5), holding_cost=1, backorder_cost=9, lead_time=2)
    best = ss_optimal_policy(fixed_order_cost=0, **kw)
    assert best.S == base_stock_level(**kw)
    assert best.cost == pytest.approx(base_stock_cost(**kw))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(demand="normal:mean=10,sd=2"), "must be a discrete distribution"),
        (dict(demand="poisson:0"), "P\\(D = 0\\) < 1"),
        (dict(demand="poisson:5", fixed_order_cost=-1), "fixed_order_cost must be >= 0"),
        (dict(demand="poisson:5", lead_time=-1), "lead_time must be >= 0"),
    ],
)
def test_bad_input(kwargs, match) -> None:
    args = dict(fixed_order_cost=5, holding_cost=1, backorder_cost=4) | kwargs
    with pytest.raises(ValueError, match=match):
        ss_optimal_policy(**args)


def test_bad_policy() -> None:
    with pytest.raises(ValueError, match="order_up_to_level must be > reorder_point"):
        ss_cost(demand="poisson:5", reorder_point=5, order_up_to_level=5, fixed_order_cost=1, holding_cost=1,
                backorder_cost=1)  # fmt: skip


@settings(max_examples=10, deadline=None)
@given(
    mu=st.floats(0.5, 6.0),
    k=st.floats(0.0, 40.0),
    h=st.floats(0.2, 3.0),
    b=st.floats(0.5, 20.0),
    lead_time=st.integers(0, 2),
)
def test_zf_no_worse_than_brute_force_grid(mu, k, h, b, lead_time) -> None:
    """The ZF policy is no worse than any (s, S) on a small grid around it."""
    kw = dict(demand=Poisson(mu), fixed_order_cost=k, holding_cost=h, backorder_cost=b, lead_time=lead_time)
    best = ss_optimal_policy(**kw)
    costs = [
        ss_cost(**kw, reorder_point=s, order_up_to_level=S)
        for s in range(best.s - 4, best.s + 5)
        for S in range(max(s + 1, best.S - 5), best.S + 6)
    ]
    assert best.cost <= min(costs) + 1e-9


def _ss_policy(s: int, S: int):
    return lambda ip: np.where(ip <= s, S - ip, 0.0)


def test_zf_qr_v0_simulation_agrees() -> None:
    """Qr-v0 (ZF's mu = 10 instance): (6, 40) simulated on the kernel agrees with 35.022."""
    params = preset_params("inv_gym/Qr-v0")
    costs = simulate(params, _ss_policy(6, 40), reps=48, horizon=3000, warmup=50, seed=5, initial_inventory=40)
    assert_in_ci(costs, 35.022)


def test_zf_positive_lead_time_simulation_agrees() -> None:
    """L = 2: G uses the 3-period demand; the simulated cost of the ZF policy agrees."""
    params = InventoryParams(demand="poisson:5", lead_time=2, holding_cost=1, backorder_cost=9, fixed_order_cost=20)
    best = ss_optimal_policy(demand=params.demand, fixed_order_cost=20, holding_cost=1, backorder_cost=9, lead_time=2)
    costs = simulate(params, _ss_policy(best.s, best.S), reps=48, horizon=3000, warmup=50, seed=9,
                     initial_inventory=best.S)  # fmt: skip
    assert_in_ci(costs, best.cost)


def test_normal_demand_needs_rounding() -> None:
    best = ss_optimal_policy(demand="round(normal:mean=50,sd=8)", fixed_order_cost=2.5, holding_cost=0.18,
                             backorder_cost=0.7)  # fmt: skip
    s, S = ss_power_approximation(
        demand_mean=50, demand_sd=8, fixed_order_cost=2.5, holding_cost=0.18, backorder_cost=0.7
    )
    approx = ss_cost(demand="round(normal:mean=50,sd=8)", reorder_point=round(s), order_up_to_level=round(S),
                     fixed_order_cost=2.5, holding_cost=0.18, backorder_cost=0.7)  # fmt: skip
    assert best.cost <= approx
    assert Normal(50, 8).mean == pytest.approx(50)
