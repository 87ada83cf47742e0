"""Every stored optimum and best-heuristic cost in inv_gym.instances, recomputed exactly."""

from __future__ import annotations

import itertools

import gymnasium as gym
import numpy as np
import pytest

from agents.specs import parse_policy
from inv_gym.analytic.dp import evaluate_policy_dp
from inv_gym.analytic.dual_sourcing import evaluate_dual_sourcing_policy
from inv_gym.analytic.finite_horizon import evaluate_policy_finite_horizon
from inv_gym.analytic.solve import solve
from inv_gym.instances import INSTANCE_SETS, default_instance, get_instance, instance_names, instance_set
from inv_gym.presets import preset_params
from inv_gym.serial.env import make_serial_params

ALL = [inst for insts in INSTANCE_SETS.values() for inst in insts if not inst.serial]
SERIAL = instance_set("serial")


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
        cost = evaluate_policy_dp(policy.bind(inst.params), inst.params).average_cost
        assert cost == pytest.approx(inst.best_heuristic_cost, abs=2e-6)
    elif inst.optimum_method == "dual_sourcing_dp":
        cost, boundary = evaluate_dual_sourcing_policy(policy, inst.params)
        assert cost == pytest.approx(inst.best_heuristic_cost, abs=2e-6) and boundary < 1e-9
    elif inst.optimum_method == "backward_induction":
        cost = evaluate_policy_finite_horizon(policy.bind(inst.params), inst.params).average_cost
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
        assert evaluate_policy_dp(other, params).average_cost >= best - 1e-9


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


# ---------------------------------------------------------------------------
# The serial set: Clark-Scarf optima and the best installation base stock
# ---------------------------------------------------------------------------


def _installation_levels(spec: str) -> list[int]:
    family, _, rest = spec.partition(":s=")
    assert family == "installation_base_stock"
    return [int(x) for x in rest.split()]


def test_serial_set_holds_the_published_chains_and_the_hdpo_grid():
    names = [i.name for i in SERIAL]
    assert names[:2] == ["example-6.1", "problem-6.2b"]
    assert sorted(names[2:]) == sorted(f"hdpo-L{lead}-p{p}" for lead in (1, 2, 3, 4) for p in (4, 9, 19, 39))
    for inst in SERIAL[2:]:
        params = inst.params
        assert params.n_stages == 4 and params.lead_times[1:] == (2, 2, 2)
        assert params.demand.to_spec() == "round(normal:mean=5,sd=2)"
        assert params.holding_costs[0] == 1.0 and "this suite's choice" in inst.source


@pytest.mark.parametrize("inst", SERIAL, ids=lambda i: i.key)
def test_serial_optimum_is_the_clark_scarf_recursion(inst):
    from inv_gym.analytic.serial import serial_echelon_cost, serial_optimum

    assert inst.serial and inst.optimum_method == "clark_scarf"
    sol = serial_optimum(inst.params)
    assert sol.cost == pytest.approx(inst.optimum, abs=2e-6)
    # the best installation base stock: the optimal levels in installation form, cost exactly C*
    local = _installation_levels(inst.best_heuristic)
    assert min(local) >= 0 and tuple(itertools.accumulate(local)) == sol.levels
    assert serial_echelon_cost(list(itertools.accumulate(local)), inst.params) == pytest.approx(
        inst.best_heuristic_cost, abs=2e-6
    )
    assert inst.best_heuristic_cost == pytest.approx(inst.optimum, abs=2e-6)


def test_serial_literature_values_map_to_the_optimum():
    from inv_gym.analytic.serial import serial_optimum, serial_params_from_snyder_shen

    # Example 6.1: the instance is Snyder & Shen's, mapped; their C* = 72.044 (0.3% tolerance of the anchor)
    ex = get_instance("serial/example-6.1")
    params, offset = serial_params_from_snyder_shen(
        echelon_holding_costs=[3, 2, 2], lead_times=[1, 1, 2], backorder_cost=37.12, demand="poisson:5"
    )
    assert ex.params == params and serial_optimum(params).levels == (9, 15, 26)
    assert ex.optimum + offset == pytest.approx(72.044, rel=1e-4)
    assert ex.literature == pytest.approx(72.044 - offset)
    # Problem 6.2(b) in periods of 0.5: Poisson(32), h / 2, p / 2; 453.686 per time unit
    pb = get_instance("serial/problem-6.2b")
    params, offset = serial_params_from_snyder_shen(
        echelon_holding_costs=[1, 1, 0.5, 0.5, 0.5],
        lead_times=[1] * 5,
        backorder_cost=12,
        demand="poisson:32",
        max_order=100,
    )
    assert pb.params == params and serial_optimum(params).levels == (41, 74, 109, 142, 174)
    assert 2 * (pb.optimum + offset) == pytest.approx(453.6856, rel=1e-4)
    for inst in (ex, pb):
        assert abs(inst.optimum - inst.literature) <= 0.005


@pytest.mark.parametrize("key", ["serial/example-6.1", "serial/hdpo-L3-p19"])
def test_best_installation_base_stock_costs_the_optimum_on_common_random_numbers(key):
    # the equivalence checked by simulation: the same cost, replication by replication,
    # and the exact optimum inside the CI
    from agents.serial import EchelonBaseStock, InstallationBaseStock, serial_evaluate
    from inv_gym.analytic.serial import serial_optimum

    inst = get_instance(key)
    params = inst.params
    levels = serial_optimum(params).levels
    run = dict(reps=40, horizon=600, warmup=100, seed=4)
    inst_ev = serial_evaluate(InstallationBaseStock(_installation_levels(inst.best_heuristic)), params, **run)
    ech_ev = serial_evaluate(EchelonBaseStock(levels), params, **run)
    np.testing.assert_allclose(
        inst_ev.per_replication["cost_per_period"], ech_ev.per_replication["cost_per_period"], rtol=1e-12
    )
    c = inst_ev["cost_per_period"]
    assert c.ci_low <= inst.best_heuristic_cost <= c.ci_high
    # a max_order that never binds in the long run (orders are last period's demand)
    assert params.max_order >= params.demand_upper


def test_serial_instances_make_their_envs():
    import gymnasium as gym

    inst = get_instance("serial/hdpo-L2-p9")
    env = gym.make(inst.env_id, **dict(inst.overrides))
    assert env.unwrapped.params == inst.params
    obs, _ = env.reset(seed=0)
    assert obs.shape == (inst.params.obs_dim,)


@pytest.mark.parametrize("env_id", sorted(k for k in gym.registry if k.startswith("inv_gym/")))
def test_default_instance_holds_each_ids_defaults(env_id):
    inst = default_instance(env_id)
    assert inst.env_id == env_id
    assert inst.params == (make_serial_params() if inst.serial else preset_params(env_id))


def test_default_instance_refuses_unknown_ids():
    with pytest.raises(ValueError, match="env_id must be a registered id"):
        default_instance("CartPole-v1")
