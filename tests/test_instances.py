"""Every stored optimum and best-heuristic cost in inv_gym.instances, recomputed exactly."""

from __future__ import annotations

import pytest

from agents.specs import parse_policy
from inv_gym.analytic.dp import evaluate_policy_dp
from inv_gym.analytic.finite_horizon import evaluate_policy_finite_horizon
from inv_gym.analytic.solve import solve
from inv_gym.instances import INSTANCE_SETS, get_instance, instance_names, instance_set

ALL = [inst for insts in INSTANCE_SETS.values() for inst in insts]


@pytest.mark.parametrize("inst", ALL, ids=lambda i: i.key)
def test_optimum_is_the_solvers(inst):
    sol = solve(inst.params)
    assert sol.exact and sol.method == inst.optimum_method
    assert sol.average_cost == pytest.approx(inst.optimum, abs=2e-6)
    if inst.literature is not None:
        assert abs(inst.optimum - inst.literature) <= 0.005 + 1e-9


@pytest.mark.parametrize("inst", ALL, ids=lambda i: i.key)
def test_best_heuristic_cost_is_exact_and_no_better_than_the_optimum(inst):
    assert inst.best_heuristic_cost >= inst.optimum - 1e-9
    policy = parse_policy(inst.best_heuristic)
    if inst.optimum_method == "dp":
        cost = evaluate_policy_dp(inst.params, policy.bind(inst.params)).average_cost
        assert cost == pytest.approx(inst.best_heuristic_cost, abs=2e-6)
    elif inst.optimum_method == "backward_induction":
        cost = evaluate_policy_finite_horizon(inst.params, policy.bind(inst.params)).average_cost
        assert cost == pytest.approx(inst.best_heuristic_cost, abs=2e-6)
    else:  # the optimum is itself a classical policy: the heuristic is that policy
        assert policy.describe() == parse_policy(_spec(solve(inst.params).policy)).describe()
        assert inst.best_heuristic_cost == pytest.approx(inst.optimum, abs=2e-6)


def _spec(policy: dict) -> str:
    fam = policy["family"]
    return fam + ":" + ",".join(f"{k}={int(v)}" for k, v in policy.items() if k != "family")


@pytest.mark.parametrize("key", ["zipkin-lost-sales/L1-p4", "zipkin-lost-sales/L2-p19"])
def test_best_capped_base_stock_is_a_local_minimum(key):
    inst = get_instance(key)
    params = inst.params
    best = inst.best_heuristic_cost
    pol = parse_policy(inst.best_heuristic)
    s, cap = int(pol.S), int(pol.cap)
    for ds, dc in [(-1, 0), (1, 0), (0, -1), (0, 1), (1, 1), (-1, -1)]:
        other = parse_policy(f"capped_base_stock:S={s + ds},cap={cap + dc}").bind(params)
        assert evaluate_policy_dp(params, other).average_cost >= best - 1e-9


def test_zipkin_capped_gaps_span_the_published_range():
    # the best capped base stock is 0.08% - 1.47% above the optimum on Zipkin's grid (Xin 2021)
    gaps = [i.best_heuristic_gap for i in instance_set("zipkin-lost-sales")]
    assert len(gaps) == 16
    assert min(gaps) == pytest.approx(0.0008, abs=0.0002) and max(gaps) == pytest.approx(0.0147, abs=0.0003)


def test_lookup_errors():
    assert "zipkin-lost-sales/L4-p39" in instance_names()
    with pytest.raises(ValueError, match="sets: zipkin-lost-sales, suite"):
        instance_set("zipkin")
    with pytest.raises(ValueError, match="instances: L1-p4"):
        get_instance("zipkin-lost-sales/L5-p4")
