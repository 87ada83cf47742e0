"""Dual-sourcing heuristics: definitions, specs, the env's order-up-to map, search and their ordering."""

from __future__ import annotations

import numpy as np
import pytest

from agents.dual_sourcing import (
    CappedDualIndex,
    DualIndex,
    SingleIndex,
    TailoredBaseSurge,
    dual_index_separation,
    exact_search,
)
from agents.search import grid_search
from agents.specs import parse_policy, policy_spec
from inv_gym.analytic.dual_sourcing import evaluate_dual_sourcing_policy
from inv_gym.envs import InventoryEnv
from inv_gym.instances import DUAL_SOURCING_HEURISTICS, instance_set
from inv_gym.presets import preset_params

DUAL = "inv_gym/DualSourcing-v0"


def _obs(rows):
    return np.asarray(rows, dtype=np.float32)


def test_definitions_on_hand_computed_states():
    params = preset_params(DUAL, lead_time=3, expedited_lead_time=1)
    # observation: inventory, pipeline_1, pipeline_2, pipeline_3; IP_e = I + pipeline_1
    obs = _obs([[2, 1, 3, 0], [-4, 0, 2, 0]])
    # IP = 6 and -2; IP_e = 3 and -4
    di = DualIndex(z_e=5, z_r=12).bind(params)
    np.testing.assert_array_equal(di.act(obs), [[4, 2], [5, 9]])  # q_e = 5 - IP_e; q_r = 12 - IP - q_e
    cdi = CappedDualIndex(z_e=5, z_r=12, u=3).bind(params)
    np.testing.assert_array_equal(cdi.act(obs), [[3, 2], [3, 9]])
    ign = CappedDualIndex(z_e=5, z_r=12, u=5, form="ignores_expedited").bind(params)
    np.testing.assert_array_equal(ign.act(obs), [[5, 2], [5, 9]])  # min(5, 12 - IP) ignores q_e
    si = SingleIndex(S_e=4, S_r=10).bind(params)
    np.testing.assert_array_equal(si.act(obs), [[4, 0], [6, 6]])  # both on IP: q_e = 4 - IP, q_r = 10 - IP - q_e
    tbs = TailoredBaseSurge(r=2, S_e=4).bind(params)
    np.testing.assert_array_equal(tbs.act(obs), [[2, 1], [2, 8]])
    # q_e = min(34, 10) counts in q_r = 40 - 6 - 10 = 24; both clipped to the bounds (10 here)
    np.testing.assert_array_equal(DualIndex(z_e=40, z_r=40).bind(params).act(obs[:1]), [[10, 10]])


def test_capped_dual_index_contains_the_dual_index():
    params = preset_params(DUAL)
    rng = np.random.default_rng(0)
    obs = _obs(np.column_stack([rng.integers(-8, 12, 200), rng.integers(0, 11, 200), np.zeros(200)]))
    di = DualIndex(z_e=4, z_r=9).bind(params).act(obs)
    np.testing.assert_array_equal(CappedDualIndex(z_e=4, z_r=9, u=params.max_order).bind(params).act(obs), di)


@pytest.mark.parametrize(
    "spec",
    [
        "single_index:S_e=3,S_r=9",
        "dual_index:z_e=3,z_r=9",
        "capped_dual_index:z_e=3,z_r=9,u=3",
        "capped_dual_index:z_e=3,z_r=9,u=3,form=ignores_expedited",
        "tailored_base_surge:r=2,S_e=3",
    ],
)
def test_specs_round_trip(spec):
    assert policy_spec(parse_policy(spec)) == spec


@pytest.mark.parametrize(
    "spec, match",
    [
        ("dual_index:z_e=5,z_r=3", "z_r must be >= z_e"),
        ("dual_index:z_e=5", "needs z_e, z_r; missing z_r"),
        ("capped_dual_index:z_e=1,z_r=3,u=1,form=other", "form must be one of counts_expedited, ignores_expedited"),
        ("tailored_base_surge:r=-1,S_e=3", "r must be >= 0"),
        ("dual_indx:z_e=1,z_r=2", "unknown policy family"),
    ],
)
def test_bad_specs(spec, match):
    with pytest.raises(ValueError, match=match):
        parse_policy(spec)


def test_single_source_model_is_refused():
    with pytest.raises(ValueError, match="needs a dual-sourcing model"):
        DualIndex(z_e=1, z_r=5).bind(preset_params("inv_gym/BaseStock-v0"))


def test_order_up_to_env_is_the_dual_index_on_shared_draws():
    params = preset_params(DUAL, horizon=80)
    for z_e, z_r in [(0, 0), (4, 9), (2, 12)]:
        env = InventoryEnv(params, action="order_up_to")
        plain = InventoryEnv(params)
        policy = DualIndex(z_e=z_e, z_r=z_r).bind(params)
        o1, _ = env.reset(seed=4)
        o2, _ = plain.reset(seed=4)
        for _ in range(params.horizon):
            q = policy.act(o2[None])[0].astype(np.int64)
            o1, _, _, u1, i1 = env.step(np.array([z_r, z_e]))
            o2, _, _, _, i2 = plain.step(q)
            assert i1 == i2
            np.testing.assert_array_equal(o1, o2)
            if u1:
                break


def test_grid_search_on_common_random_numbers_agrees_with_exact_costs():
    params = preset_params(DUAL)
    res = grid_search(
        "dual_index", "z_e=3:5,z_r=8:10", params, reps=40, horizon=1500, warmup=50, seed=2, progress=False
    )
    table = res.table
    assert len(table) == 9
    for _, row in table.iterrows():
        exact, _ = evaluate_dual_sourcing_policy(parse_policy(row["spec"]), params)
        assert row["cost_per_period_ci_low"] <= exact <= row["cost_per_period_ci_high"], row["spec"]
    assert res.best["spec"] == "dual_index:z_e=4,z_r=9"


@pytest.mark.parametrize("inst", instance_set("dual-sourcing"), ids=lambda i: i.key)
def test_optimum_le_capped_dual_index_le_dual_index(inst):
    best = DUAL_SOURCING_HEURISTICS[(int(inst.params.lead_time), int(inst.params.expedited_unit_cost))]
    cdi, di = best["capped_dual_index"][1], best["dual_index"][1]
    assert inst.optimum <= cdi <= di
    assert 0.0005 <= (cdi - inst.optimum) / inst.optimum <= 0.0065  # about 0.1 - 0.6% above (Boettcher et al.)
    for fam, (spec, cost) in best.items():  # every stored cost is the exact one
        assert evaluate_dual_sourcing_policy(parse_policy(spec), inst.params)[0] == pytest.approx(cost, abs=2e-6), fam


def test_best_dual_index_is_the_exact_grid_minimum_and_cdi_a_local_minimum():
    params = preset_params(DUAL)
    ranked = exact_search("dual_index", {"z_e": range(2, 7), "z_r": range(6, 13)}, params)
    assert ranked[0][1] == DUAL_SOURCING_HEURISTICS[(2, 20)]["dual_index"][0]
    spec, cost = DUAL_SOURCING_HEURISTICS[(2, 20)]["capped_dual_index"]
    pol = parse_policy(spec)
    around = exact_search(
        "capped_dual_index",
        {
            "z_e": [pol.z_e - 1, pol.z_e, pol.z_e + 1],
            "z_r": [pol.z_r - 1, pol.z_r, pol.z_r + 1],
            "u": [pol.u - 1, pol.u, pol.u + 1],
        },
        params,
    )
    assert around[0] == (pytest.approx(cost, abs=2e-6), spec)


@pytest.mark.parametrize("l_r, c_e", [(2, 5), (3, 20)])
def test_separation_finds_the_exact_best_dual_index(l_r, c_e):
    params = preset_params(DUAL, lead_time=l_r, expedited_unit_cost=c_e)
    res = dual_index_separation(params, range(0, 12), reps=10, horizon=4000, seed=3)
    spec, exact = DUAL_SOURCING_HEURISTICS[(l_r, c_e)]["dual_index"]
    assert res["best"] == spec
    assert res["cost"] == pytest.approx(exact, rel=0.01)  # a simulation estimate of the exact cost
    assert len(res["table"]) == 12


def test_separation_refuses_bad_input():
    with pytest.raises(ValueError, match="deltas must be integers >= 0"):
        dual_index_separation(preset_params(DUAL), [-1, 2])
    with pytest.raises(ValueError, match="needs a dual-sourcing model"):
        dual_index_separation(preset_params("inv_gym/BaseStock-v0"))


def test_bandit_arms_are_dual_index_grids():
    from agents.bandit import PolicyArms, make_bandit, run_bandit

    params = preset_params(DUAL)
    arms = PolicyArms("capped_dual_index", "z_e=3:5,z_r=8:10,u=2:3")
    assert arms.n_arms == 18
    bandit = make_bandit("epsilon_greedy", arms.n_arms, runs=4, seed=0, epsilon=0.1)
    run = run_bandit(arms, bandit, params, iterations=150, horizon=300, seed=0)
    grid = {"z_e": [3, 4, 5], "z_r": [8, 9, 10], "u": [2, 3]}
    exact = {spec: c for c, spec in exact_search("capped_dual_index", grid, params)}
    a = arms.arm(run.best_arm_index())
    spec = f"capped_dual_index:z_e={a['z_e']},z_r={a['z_r']},u={a['u']}"
    assert exact[spec] <= min(exact.values()) * 1.02  # the most pulled arm is within 2% of the best
