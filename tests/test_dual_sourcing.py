"""Dual sourcing in the one kernel: single-source equivalence, stock balance, lead times, bad input."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import inv_gym  # noqa: F401  (registers the ids)
from inv_gym.dynamics import EV, EVENTS, initial_state, kernel_params, observe, step
from inv_gym.envs import InventoryEnv, InventoryVectorEnv
from inv_gym.params import InventoryParams
from inv_gym.presets import preset_params

DUAL = "inv_gym/DualSourcing-v0"


def _single(params: InventoryParams) -> InventoryParams:
    """The same model without the expedited source."""
    return params.replace(
        expedited_lead_time=None, expedited_unit_cost=0.0, expedited_fixed_cost=0.0, max_expedited_order=None
    )


@pytest.mark.parametrize("max_e", [0, 6])
def test_no_expediting_is_the_single_source_model_event_for_event(max_e):
    # max_expedited_order = 0 (the source cannot be used), or q_e = 0 throughout: the existing model
    dual = preset_params(DUAL, max_expedited_order=max_e, fixed_order_cost=3.0, expedited_fixed_cost=7.0)
    single = _single(dual)
    n, horizon = 6, 40
    rng = np.random.default_rng(0)
    q = rng.integers(0, dual.max_order + 1, (horizon, n))
    a = InventoryVectorEnv(n, dual)
    b = InventoryVectorEnv(n, single)
    oa, _ = a.reset(seed=3)
    ob, _ = b.reset(seed=3)
    np.testing.assert_array_equal(oa, ob)
    for t in range(horizon):
        xa = a.step(np.stack([q[t], np.zeros(n, dtype=np.int64)], axis=1))
        xb = b.step(q[t])
        for u, v in zip(xa[:4], xb[:4]):
            np.testing.assert_array_equal(u, v)
        for k in EVENTS:
            np.testing.assert_array_equal(xa[4][k], xb[4][k])
    np.testing.assert_array_equal(a.state.data, b.state.data)


def test_expedited_zero_lead_time_arrives_before_demand_and_is_charged():
    params = preset_params(DUAL, expedited_fixed_cost=2.0, fixed_order_cost=1.0)
    env = InventoryEnv(params)
    env.reset(seed=0, options={"demand": [3, 0, 0, 0]})
    obs, r, _, _, info = env.step(np.array([4, 3]))
    # q_e = 3 received at once and sold against D = 3; q_r = 4 due in l_r - 1 = 1 period
    assert info["sold"] == 3 and info["backorders"] == 0 and info["on_hand"] == 0
    assert info["ordered"] == 7 and info["fixed_cost"] == 3.0 and info["purchase_cost"] == 20 * 3
    assert obs.tolist() == [0, 4, 0]
    obs, *_ = env.step(np.array([0, 0]))
    assert obs.tolist() == [4, 0, 0]


@settings(max_examples=60, deadline=None)
@given(
    l_r=st.integers(1, 4),
    l_e_frac=st.floats(0, 0.999),
    seed=st.integers(0, 2**31 - 1),
    lost=st.booleans(),
)
def test_stock_balance_and_each_source_arrives_after_its_lead_time(l_r, l_e_frac, seed, lost):
    l_e = int(l_e_frac * l_r)
    params = InventoryParams(
        demand="duniform:low=0,high=4",
        lead_time=l_r,
        expedited_lead_time=l_e,
        stockout="lost_sales" if lost else "backorder",
        holding_cost=1.0,
        backorder_cost=9.0,
        lost_sales_cost=9.0,
        expedited_unit_cost=3.0,
        max_order=6,
        max_expedited_order=4,
    )
    rng = np.random.default_rng(seed)
    n, horizon = 4, 25
    q_r = rng.integers(0, 7, (horizon, n)).astype(float)
    q_e = rng.integers(0, 5, (horizon, n)).astype(float)
    demand = rng.integers(0, 5, (horizon, n)).astype(float)
    p = kernel_params(params)
    state = initial_state(params, n)
    lead = np.full(n, l_r, dtype=np.int64)
    last = np.zeros(n, dtype=bool)

    def due(t: int, placed: int) -> np.ndarray:  # units arriving at the start of t, of orders placed by `placed`
        out = np.zeros(n)
        if 0 <= t - l_r <= placed:
            out += q_r[t - l_r]
        if l_e > 0 and 0 <= t - l_e <= placed:
            out += q_e[t - l_e]
        return out

    for t in range(horizon):
        oh0, bo0 = state.on_hand.copy(), state.backorders.copy()
        pipe0 = state.pipeline.sum(axis=1)
        ev = step(p, state, q_r[t].copy(), demand[t].copy(), lead, last, expedited=q_e[t].copy())
        # received this step: the l_e = 0 order now, then what is due at the start of t + 1
        expected = due(t + 1, t) + (q_e[t] if l_e == 0 else 0.0)
        np.testing.assert_allclose(ev[:, EV["received"]], expected)
        assert np.all(ev[:, EV["ordered"]] == q_r[t] + q_e[t])
        np.testing.assert_allclose(ev[:, EV["purchase_cost"]], 3.0 * q_e[t])
        # stock balance over both sources: on hand, backorders and the pipeline
        oh1, bo1 = state.on_hand, state.backorders
        np.testing.assert_allclose(
            oh0 + ev[:, EV["received"]] - ev[:, EV["backorders_filled"]] - ev[:, EV["sold"]], oh1, atol=1e-9
        )
        np.testing.assert_allclose(bo0 + ev[:, EV["backordered"]] - ev[:, EV["backorders_filled"]], bo1, atol=1e-9)
        np.testing.assert_allclose(
            pipe0 + q_r[t] + q_e[t] - ev[:, EV["received"]], state.pipeline.sum(axis=1), atol=1e-9
        )
        # the observed pipeline is what is due in 1 .. l_r periods, both sources together
        obs = observe(params, state)
        for j in range(1, l_r + 1):
            np.testing.assert_allclose(obs[:, j], due(t + 1 + j, t))


def test_env_action_map_order_up_to_is_the_dual_index():
    params = preset_params(DUAL)
    env = InventoryEnv(params, action="order_up_to")
    env.reset(seed=0, options={"demand": [2, 2, 2, 2]})
    # start: I = 0, nothing on order; z_e = 3 -> q_e = 3; z_r = 7 -> q_r = 7 - 0 - 3 = 4
    _, _, _, _, info = env.step(np.array([7, 3]))
    assert info["ordered"] == 7 and info["purchase_cost"] == 60
    # I = 1, pipeline (4, 0): IP_e = 1 -> q_e = 2; IP = 5 -> q_r = 7 - 5 - 2 = 0
    _, _, _, _, info = env.step(np.array([7, 3]))
    assert info["ordered"] == 2 and info["purchase_cost"] == 40


def test_env_spaces_and_action_errors():
    env = gym.make(DUAL)
    assert env.action_space == gym.spaces.MultiDiscrete([11, 11])
    assert env.unwrapped.params.obs_names == ("inventory", "pipeline_1", "pipeline_2")
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"action\[0\] \(regular\) must be an integer in \[0, 10\] \(max_order\)"):
        env.step(np.array([11, 0]))
    with pytest.raises(ValueError, match=r"action\[1\] \(expedited\) must be an integer in \[0, 4\]"):
        e = gym.make(DUAL, max_expedited_order=4)
        e.reset(seed=0)
        e.step(np.array([0, 5]))
    with pytest.raises(ValueError, match="action pair"):
        env.step(3)
    cont = gym.make(DUAL, continuous=True)
    assert cont.action_space.shape == (2,)
    cont.reset(seed=0, options={"demand": [0, 0]})
    assert cont.step(np.array([1.0, -1.0], dtype=np.float32))[4]["ordered"] == 10


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(expedited_lead_time=2), r"expedited_lead_time must be < lead_time = 2 \(an integer in \[0, 1\]\), got 2"),
        (dict(expedited_lead_time=-1), "expedited_lead_time must be an integer >= 0"),
        (dict(expedited_unit_cost=-1), "expedited_unit_cost must be >= 0, got -1"),
        (dict(expedited_fixed_cost=float("nan")), "expedited_fixed_cost must be >= 0"),
        (dict(unit_cost=-2), "unit_cost must be >= 0, got -2"),
        (dict(max_expedited_order=-1), "max_expedited_order must be an integer >= 0"),
        (dict(lead_time="duniform:low=1,high=3"), "lead_time must be an integer with an expedited source"),
        (dict(one_outstanding=True), "one_outstanding must be False with an expedited source"),
    ],
)
def test_bad_dual_sourcing_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        preset_params(DUAL, **kwargs)


def test_expedited_fields_need_the_source():
    with pytest.raises(ValueError, match="expedited_unit_cost needs an expedited source"):
        InventoryParams(expedited_unit_cost=5.0)
    with pytest.raises(ValueError, match="max_expedited_order needs an expedited source"):
        InventoryParams(max_expedited_order=3)


def test_expediting_cheaper_than_regular_is_allowed():
    # c_e <= c_r is a valid (if degenerate) model: the regular source is dominated
    params = preset_params(DUAL, unit_cost=20.0, expedited_unit_cost=5.0)
    assert params.dual_sourcing and params.expedited_unit_cost < params.unit_cost


def test_kernel_refuses_mismatched_expedited_orders():
    dual, single = preset_params(DUAL), preset_params("inv_gym/BaseStock-v0")
    z = np.zeros(2)
    lead, last = np.full(2, 2, dtype=np.int64), np.zeros(2, dtype=bool)
    with pytest.raises(ValueError, match="expedited must be an"):
        step(kernel_params(dual), initial_state(dual, 2), z.copy(), z.copy(), lead, last)
    with pytest.raises(ValueError, match="expedited orders need an expedited source"):
        step(kernel_params(single), initial_state(single, 2), z.copy(), z.copy(), lead, last, expedited=z.copy())


def test_cli_solve_search_and_score(capsys):
    import json

    from experiments.cli import main

    assert main(["solve", "DualSourcing", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "dual_sourcing_dp" and out["average_cost"] == pytest.approx(23.0714, abs=1e-4)
    assert out["details"]["boundary_mass"] < 1e-9
    assert main(["solve", "DualSourcing", "--set", "expedited_lead_time=1", "--set", "lead_time=3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] is None and "expedited_lead_time = 0" in out["reason"] and "capped_dual_index" in out["search"]
    args = ["score", "dual-sourcing/lr2-ce20", "--agent", "capped_dual_index:z_e=4,z_r=9,u=3", "--reps", "10"]
    assert main([*args, "--horizon", "300", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    row = rows[0] if isinstance(rows, list) else rows
    assert row["optimum_method"] == "dual_sourcing_dp" and row["paired"] is True
