"""``solve`` picks the exact method per instance; its policy runs in the evaluator; the CLI prints it."""

import json
import subprocess
import sys

import pytest

from agents.analytical import optimal_policy
from inv_gym.analytic.solve import solve
from inv_gym.evaluation import evaluate
from inv_gym.presets import preset_params

CASES = [
    # env id, overrides, method, policy, cost (published or exact)
    ("inv_gym/Qr-v0", {}, "zheng_federgruen", {"family": "ss", "s": 6, "S": 40}, 35.022),  # ZF (1991)
    ("inv_gym/Qr-v0", {"demand": "poisson:25"}, "zheng_federgruen", {"family": "ss", "s": 19, "S": 56}, 54.262),
    ("inv_gym/BaseStock-v0", {}, "base_stock", {"family": "base_stock", "S": 20}, 7.1230),
    ("inv_gym/LostSales-v0", {}, "dp", None, 4.04),  # Zipkin (2008) L=1, p=4
    ("inv_gym/LostSales-v0", {"lead_time": 2, "lost_sales_cost": 9}, "dp", None, 6.09),
    ("inv_gym/Newsvendor-v0", {}, "newsvendor", {"family": "base_stock", "S": 109}, None),
]


@pytest.mark.parametrize("env_id,overrides,method,policy,cost", CASES)
def test_solve_picks_method_and_reproduces_cost(env_id, overrides, method, policy, cost) -> None:
    sol = solve(preset_params(env_id, **overrides))
    assert sol.method == method
    if policy is not None:
        assert sol.policy == policy
    if cost is not None:
        assert sol.average_cost == pytest.approx(cost, abs=0.006)


def test_newsvendor_profit_is_the_integer_optimum() -> None:
    # Normal(100, 20), r=10, c=4, v=1: Q* = 108.61; the best integer order is 109 with profit ~534.54
    sol = solve(preset_params("inv_gym/Newsvendor-v0"))
    assert sol.details["critical_fractile_quantity"] == pytest.approx(108.61, abs=0.01)
    assert -sol.average_cost == pytest.approx(534.54, abs=0.01)


@pytest.mark.parametrize(
    "env_id,overrides",
    [
        ("inv_gym/Qr-v0", {}),
        ("inv_gym/BaseStock-v0", {}),
        ("inv_gym/LostSales-v0", {"lead_time": 2}),
        ("inv_gym/Perishable-v0", {}),
        ("inv_gym/EOQ-v0", {}),
    ],
)
def test_simulated_cost_of_optimal_policy_within_ci(env_id, overrides) -> None:
    params = preset_params(env_id, **overrides)
    sol, pol = optimal_policy(params)
    ev = evaluate(pol, params, reps=300, horizon=600, warmup=100, seed=11)  # EOQ-v0 cycles every 3 periods
    c = ev["cost_per_period"]
    tol = 1e-9  # floating-point slack: deterministic demand (EOQ-v0) gives a zero-width interval
    assert c.ci_low - tol <= sol.average_cost <= c.ci_high + tol, (sol.average_cost, c)


def test_newsvendor_simulated_profit_within_ci() -> None:
    params = preset_params("inv_gym/Newsvendor-v0")
    sol, pol = optimal_policy(params)
    ev = evaluate(pol, params, reps=20000, seed=5)
    r = ev["reward_per_period"]
    assert r.ci_low <= sol.details["expected_profit"] <= r.ci_high


@pytest.mark.parametrize("env_id", ["inv_gym/StochasticLeadTime-v0", "inv_gym/ConcreteMixers-v0"])
def test_no_exact_method_names_the_search(env_id) -> None:
    """Continuous demand has no exact method outside the newsvendor: the search is named instead."""
    sol, pol = optimal_policy(preset_params(env_id, demand="normal:mean=3,sd=1"))
    assert sol.method is None and pol is None
    assert "integer demand" in sol.reason
    assert sol.search.startswith("inv-gym search")


def test_cli_solve_json() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "experiments.cli", "solve", "inv_gym/Qr-v0", "--set", "demand=poisson:50", "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout)
    assert data["method"] == "zheng_federgruen"
    assert data["policy"] == {"family": "ss", "s": 42, "S": 108}
    assert data["average_cost"] == pytest.approx(70.975, abs=0.001)


def test_cli_solve_bad_parameter_exits_2() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "experiments.cli", "solve", "LostSales", "--set", "holding_cost=-1"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert "holding_cost must be >= 0" in out.stderr
    assert "Traceback" not in out.stderr
