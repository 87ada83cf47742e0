"""The dual-sourcing optimum: published values, its simulated cost, degenerate cases and refusals."""

from __future__ import annotations

import pytest

from agents.dual_sourcing import DualSourcingDP
from inv_gym.analytic.dual_sourcing import (
    MAX_DUAL_STATES,
    evaluate_dual_sourcing_policy,
    solve_dual_sourcing,
)
from inv_gym.analytic.solve import solve
from inv_gym.evaluation import evaluate
from inv_gym.params import InventoryParams
from inv_gym.presets import preset_params

DUAL = "inv_gym/DualSourcing-v0"

# Boettcher, Asikis & Fragkos (2023), DP optima: U{0..4}, h = 5, b = 495, c_r = 0, l_e = 0
PUBLISHED = [(2, 5, 16.772), (2, 10, 19.735), (2, 20, 23.073), (3, 10, 20.344), (3, 20, 24.339)]


@pytest.mark.parametrize("l_r, c_e, value", PUBLISHED)
def test_published_optima_within_0_1_percent(l_r, c_e, value):
    sol = solve_dual_sourcing(preset_params(DUAL, lead_time=l_r, expedited_unit_cost=c_e))
    assert sol.average_cost == pytest.approx(value, rel=1e-3)
    assert sol.average_cost == pytest.approx(value, abs=0.005)  # in fact within 0.005 of each
    assert sol.gain == pytest.approx(sol.average_cost, rel=1e-8)
    assert sol.boundary_mass < 1e-9


def test_simulated_cost_of_the_optimal_policy_is_inside_its_ci():
    params = preset_params(DUAL)
    sol = solve(params)
    assert sol.method == "dual_sourcing_dp"
    ev = evaluate(DualSourcingDP(sol.dp), params, reps=60, horizon=2000, warmup=50, seed=1)
    cost = ev["cost_per_period"]
    assert cost.ci_low <= sol.average_cost <= cost.ci_high
    # the exact evaluation of the table policy gives the optimum back
    assert evaluate_dual_sourcing_policy(DualSourcingDP(sol.dp), params)[0] == pytest.approx(sol.average_cost)


def test_expensive_expediting_is_the_single_source_optimum():
    # c_e so high that expediting never pays: the base-stock optimum with lead time l_r
    params = preset_params(DUAL, expedited_unit_cost=1e5)
    single = InventoryParams(demand=params.demand, lead_time=2, holding_cost=5.0, backorder_cost=495.0, max_order=10)
    sol = solve_dual_sourcing(params)
    assert sol.mean_expedited == pytest.approx(0.0, abs=1e-12)
    assert sol.average_cost == pytest.approx(solve(single).average_cost, rel=1e-9)


def test_cheap_expediting_is_the_zero_lead_time_optimum():
    # c_e <= c_r is allowed: the regular source is dominated, the optimum is single source with l_e
    params = preset_params(DUAL, unit_cost=20.0, expedited_unit_cost=5.0)
    single = InventoryParams(
        demand=params.demand, lead_time=0, holding_cost=5.0, backorder_cost=495.0, unit_cost=5.0, max_order=10
    )
    assert solve_dual_sourcing(params).average_cost == pytest.approx(solve(single).average_cost, rel=1e-9)


def test_fixed_costs_are_charged():
    base = solve_dual_sourcing(preset_params(DUAL)).average_cost
    with_fixed = solve_dual_sourcing(preset_params(DUAL, expedited_fixed_cost=30.0, fixed_order_cost=2.0))
    assert with_fixed.average_cost > base
    assert evaluate_dual_sourcing_policy(
        DualSourcingDP(with_fixed), preset_params(DUAL, expedited_fixed_cost=30.0, fixed_order_cost=2.0)
    )[0] == pytest.approx(with_fixed.average_cost)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(expedited_lead_time=1, lead_time=3), "handles expedited_lead_time = 0"),
        (dict(stockout="lost_sales", lost_sales_cost=10), "handles backorders"),
        (dict(demand="poisson:2"), "finite support"),
    ],
)
def test_unsupported_models_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        solve_dual_sourcing(preset_params(DUAL, **kwargs))
    assert solve(preset_params(DUAL, **kwargs)).method is None


def test_oversized_and_truncated_are_refused():
    with pytest.raises(ValueError, match=f"states .* > {MAX_DUAL_STATES:,}; lower max_order or lead_time"):
        solve_dual_sourcing(preset_params(DUAL, lead_time=7))
    with pytest.raises(ValueError, match=r"boundary mass .* widen inventory_range"):
        solve_dual_sourcing(preset_params(DUAL), inventory_range=(-3, 4))
    with pytest.raises(ValueError, match="I_lo < 0 < I_hi"):
        solve_dual_sourcing(preset_params(DUAL), inventory_range=(2, 10))
