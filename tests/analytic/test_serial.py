"""The Clark-Scarf optimum of the serial chain: published values, simulation and full-state DP."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from agents.serial import EchelonBaseStock, InstallationBaseStock, serial_evaluate, serial_grid_search
from inv_gym.analytic.base_stock import base_stock_cost, base_stock_level
from inv_gym.analytic.serial import (
    serial_echelon_cost,
    serial_optimum,
    serial_params_from_snyder_shen,
    serial_relative_value_iteration,
)
from inv_gym.serial import SerialParams

# Published optima (Snyder & Shen 2019; their code's tests). Their recursion discretises
# the demand, so the costs agree to its precision (about 0.01%); the issue allows 0.3%.
REL = 1e-3


def test_example_6_1_poisson():
    # echelon h = 3, 2, 2 (stage 1 downstream), L = 1, 1, 2, p = 37.12, Poisson(5)
    params, offset = serial_params_from_snyder_shen(
        echelon_holding_costs=[3, 2, 2], lead_times=[1, 1, 2], backorder_cost=37.12, demand="poisson:5"
    )
    assert params == SerialParams()  # the registered default is this instance
    assert params.lead_times == (0, 1, 2) and params.holding_costs == (7, 4, 2) and offset == 4 * 5
    sol = serial_optimum(params)
    assert sol.levels == (9, 15, 26)
    assert sol.cost + offset == pytest.approx(72.0435433050749, rel=REL)
    assert sol.transit_holding_cost == pytest.approx(2 * 5 * 1)


def test_problem_6_2b_periodic_analogue():
    # five stages, Poisson(64) per time unit, lead times 0.5, echelon h [2, 2, 1, 1, 1], p = 24:
    # a period of 0.5 time units has Poisson(32) demand, L = 1, and costs per period h / 2, p / 2.
    params, offset = serial_params_from_snyder_shen(
        echelon_holding_costs=[1, 1, 0.5, 0.5, 0.5], lead_times=[1] * 5, backorder_cost=12, demand="poisson:32"
    )
    sol = serial_optimum(params)
    assert sol.levels == (41, 74, 109, 142, 174)
    assert 2 * (sol.cost + offset) == pytest.approx(453.6855978910213, rel=REL)


@pytest.mark.parametrize(
    ("echelon", "levels", "cost"),
    [
        ([0.25] * 4, (8, 13, 18, 22), 12.688),  # Shang & Song (2003), Table 1, row 1
        ([0.25, 2.5, 2.5, 0.25], (9, 10, 13, 19), 53.008),  # row 9
    ],
)
def test_shang_song_rows(echelon, levels, cost):
    # four stages, Poisson(16) per time unit, lead times 0.25, p = 9: periods of 0.25
    params, offset = serial_params_from_snyder_shen(
        echelon_holding_costs=[h / 4 for h in echelon], lead_times=[1] * 4, backorder_cost=9 / 4, demand="poisson:4"
    )
    sol = serial_optimum(params)
    assert sol.levels == levels
    assert 4 * (sol.cost + offset) == pytest.approx(cost, rel=REL)


def test_one_stage_is_the_exact_base_stock():
    for lt, h, p in [(0, 1.0, 9.0), (2, 1.0, 9.0), (3, 2.0, 5.0)]:
        params = SerialParams(n_stages=1, lead_times=[lt], holding_costs=[h], backorder_cost=p)
        sol = serial_optimum(params)
        level = base_stock_level(demand=params.demand, holding_cost=h, backorder_cost=p, lead_time=lt)
        assert sol.levels == (int(level),)
        cost = base_stock_cost(demand=params.demand, holding_cost=h, backorder_cost=p, lead_time=lt, level=level)
        assert sol.cost == pytest.approx(float(cost), rel=1e-9)


def test_levels_minimise_the_exact_policy_cost_over_a_neighbourhood():
    params = SerialParams(lead_times=[1, 2, 1], holding_costs=[5.0, 2.0, 1.0], backorder_cost=19.0)
    sol = serial_optimum(params)
    assert serial_echelon_cost(sol.levels, params) == pytest.approx(sol.cost, rel=1e-12)
    for delta in itertools.product((-1, 0, 1), repeat=3):
        lv = [s + d for s, d in zip(sol.levels, delta)]
        assert serial_echelon_cost(lv, params) >= sol.cost - 1e-9


@pytest.mark.parametrize("transit_holding", [True, False])
def test_simulated_cost_is_inside_the_exact_values_ci(transit_holding):
    # a second instance pins the accounting (on hand, transit between stages, free supplier
    # pipeline): different lead times and holding costs from Example 6.1
    params = SerialParams(
        lead_times=[1, 2, 1], holding_costs=[5.0, 2.0, 1.0], backorder_cost=19.0, transit_holding=transit_holding
    )
    sol = serial_optimum(params)
    ev = serial_evaluate(EchelonBaseStock(sol.levels), params, reps=300, horizon=600, warmup=60, seed=11)
    assert ev["cost_per_period"].ci_low <= sol.cost <= ev["cost_per_period"].ci_high
    expected_transit = 5 * (2.0 * 1 + 1.0 * 2) if transit_holding else 0.0
    assert sol.transit_holding_cost == pytest.approx(expected_transit)
    assert abs(ev["transit_holding_cost"].mean - expected_transit) < 0.02 * max(1.0, expected_transit)
    # a non-optimal policy too
    lv = [s + 2 for s in sol.levels]
    ev2 = serial_evaluate(EchelonBaseStock(lv), params, reps=300, horizon=600, warmup=60, seed=12)
    assert ev2["cost_per_period"].ci_low <= serial_echelon_cost(lv, params) <= ev2["cost_per_period"].ci_high


@pytest.mark.parametrize("lead_times", [(0, 1), (1, 1), (0, 0), (1, 0)])
def test_two_stages_equal_relative_value_iteration_over_the_full_state(lead_times):
    params = SerialParams(
        demand="empirical:values=0 1 2,probs=0.3 0.4 0.3",
        lead_times=lead_times,
        holding_costs=(3.0, 1.0),
        backorder_cost=6.0,
        max_order=3,
    )
    sol = serial_optimum(params)
    rvi = serial_relative_value_iteration(params, max_stock=6, max_backorder=5)
    assert rvi.gain_bounds[1] - rvi.gain_bounds[0] < 1e-6
    assert rvi.average_cost == pytest.approx(sol.cost, abs=1e-6)


def test_installation_levels_reproduce_the_echelon_optimum_and_search_on_crn():
    params = SerialParams()
    sol = serial_optimum(params)
    local = np.diff([0, *sol.levels])
    a = serial_evaluate(EchelonBaseStock(sol.levels), params, reps=50, horizon=300, seed=3)
    b = serial_evaluate(InstallationBaseStock(local), params, reps=50, horizon=300, seed=3)
    assert a["cost_per_period"].mean == b["cost_per_period"].mean
    res = serial_grid_search([range(8, 11), range(14, 17), range(25, 28)], params, reps=60, horizon=300, seed=5)
    assert res.levels.shape == (27, 3)
    # every searched policy costs at least the optimum, up to the noise of its own estimate
    assert np.all(res.ci_high >= sol.cost)
    exact = np.array([serial_echelon_cost(lv, params) for lv in res.levels])
    assert np.corrcoef(exact, res.cost)[0, 1] > 0.95
    assert serial_echelon_cost(res.best_levels, params) <= sol.cost * 1.01


def test_bad_input():
    with pytest.raises(ValueError, match="levels must be 3 integers"):
        serial_echelon_cost([1, 2], SerialParams())
    with pytest.raises(ValueError, match="L_1 >= 1"):
        serial_params_from_snyder_shen(echelon_holding_costs=[1], lead_times=[0], backorder_cost=1, demand="poisson:1")
    with pytest.raises(ValueError, match="grids must have one list"):
        serial_grid_search([range(3)], SerialParams())
    with pytest.raises(ValueError, match="reps must be an integer >= 2"):
        serial_evaluate(EchelonBaseStock([1, 2, 3]), SerialParams(), reps=1)
    small = SerialParams(demand="duniform:low=0,high=2", max_order=3)
    with pytest.raises(ValueError, match="more than max_states = 100"):
        serial_relative_value_iteration(small, max_stock=20, max_backorder=20, max_states=100)
    with pytest.raises(ValueError, match="no closed set"):
        serial_relative_value_iteration(SerialParams(max_order=3), max_stock=5, max_backorder=5)


def test_bandit_over_echelon_base_stock_arms_finds_a_near_optimal_arm():
    from agents.bandit import EpsilonGreedy
    from agents.serial import serial_bandit

    params = SerialParams()
    arms = np.array(list(itertools.product((8, 9, 10), (14, 15, 16), (25, 26, 27))))
    res = serial_bandit(arms, EpsilonGreedy(len(arms), epsilon=0.1, runs=40, seed=0), params, iterations=150, seed=1)
    assert res.choices.shape == (150, 40) and res.counts.sum() == 150 * 40
    assert serial_echelon_cost(res.most_pulled, params) <= serial_optimum(params).cost * 1.005
    with pytest.raises(ValueError, match="bandit must be batched"):
        serial_bandit(arms, EpsilonGreedy(3, epsilon=0.1, runs=2), params)
