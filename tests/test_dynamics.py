"""The period kernel: hand-computed sequences, the plain-Python reference, properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inv_gym.dynamics import COST_COMPONENTS, EV, EVENTS, initial_state, kernel_params, observe, step
from inv_gym.envs import InventoryEnv
from inv_gym.params import InventoryParams
from tests.reference import ref_initial, ref_observe, ref_step


def run(params: InventoryParams, orders, demand, leads=None):
    """Scripted single-env run: (observations incl. the first, infos, rewards, flags)."""
    env = InventoryEnv(params)
    obs, _ = env.reset(seed=0, options={"demand": demand, **({"lead_times": leads} if leads is not None else {})})
    observations, infos, rewards, flags = [obs.tolist()], [], [], []
    for q in orders:
        obs, r, term, trunc, info = env.step(q)
        observations.append(obs.tolist())
        infos.append(info)
        rewards.append(r)
        flags.append((term, trunc))
    return observations, infos, rewards, flags


def col(infos, name):
    return [i[name] for i in infos]


def test_backorders_zero_lead_time():
    p = InventoryParams(stockout="backorder", holding_cost=1, backorder_cost=3, initial_inventory=5, lead_time=0)
    obs, infos, rewards, _ = run(p, [0, 2, 4], [3, 6, 2])
    assert obs == [[5], [2], [-2], [0]]
    assert col(infos, "sold") == [3, 4, 2]
    assert col(infos, "received") == [0, 2, 4]
    assert col(infos, "backordered") == [0, 2, 0]
    assert col(infos, "backorders_filled") == [0, 0, 2]
    assert col(infos, "backorders") == [0, 2, 0]
    assert col(infos, "stockout") == [0, 1, 0]
    assert col(infos, "holding_cost") == [2, 0, 0]
    assert col(infos, "backorder_cost") == [0, 6, 0]
    assert rewards == [-2, -6, 0]


def test_lost_sales_lead_time_one():
    p = InventoryParams(stockout="lost_sales", holding_cost=1, lost_sales_cost=4, initial_inventory=3, lead_time=1)
    obs, infos, rewards, _ = run(p, [4, 0, 1], [5, 1, 2])
    assert obs == [[3, 0], [4, 0], [3, 0], [2, 0]]
    assert col(infos, "sold") == [3, 1, 2]
    assert col(infos, "lost") == [2, 0, 0]
    assert col(infos, "backordered") == [0, 0, 0]
    assert col(infos, "received") == [4, 0, 1]
    assert col(infos, "on_hand") == [0, 3, 1]  # end of period, before the next receipt
    assert rewards == [-8, -3, -1]


def test_lead_time_two_arrives_after_two_periods():
    p = InventoryParams(stockout="backorder", holding_cost=1, lead_time=2)
    obs, infos, rewards, _ = run(p, [5, 0, 0], [0, 0, 0])
    assert obs == [[0, 0, 0], [0, 5, 0], [5, 0, 0], [5, 0, 0]]
    assert col(infos, "received") == [0, 5, 0]
    assert rewards == [0, 0, -5]


def test_random_lead_times_cross():
    p = InventoryParams(stockout="backorder", holding_cost=0, lead_time="duniform:low=0,high=3")
    assert p.max_lead_time == 3
    obs, infos, _, _ = run(p, [2, 7, 0, 0], [0, 0, 0, 0], leads=[3, 1, 0, 0])
    # the order of period 0 (lead 3) arrives at t = 3, after the order of period 1 (lead 1, at t = 2)
    assert obs == [[0, 0, 0, 0], [0, 0, 2, 0], [7, 2, 0, 0], [9, 0, 0, 0], [9, 0, 0, 0]]
    assert col(infos, "received") == [0, 7, 2, 0]
    # lead 0 arrives at once, before demand
    obs, infos, _, _ = run(p, [4], [3], leads=[0])
    assert obs[-1] == [1, 0, 0, 0] and infos[0]["sold"] == 3


def test_one_outstanding_order():
    p = InventoryParams(stockout="backorder", lead_time=2, one_outstanding=True, fixed_order_cost=10, holding_cost=0)
    obs, infos, rewards, _ = run(p, [3, 4, 5], [0, 0, 0])
    assert col(infos, "ordered") == [3, 0, 5]
    assert col(infos, "order_placed") == [1, 0, 1]
    assert col(infos, "fixed_cost") == [10, 0, 10]
    assert obs == [[0, 0, 0], [0, 3, 0], [3, 0, 0], [3, 5, 0]]
    assert rewards == [-10, 0, -10]


def test_capacity_overflow():
    p = InventoryParams(stockout="lost_sales", capacity=10, initial_inventory=8, lead_time=0, holding_cost=0)
    obs, infos, _, _ = run(p, [5], [1])
    assert col(infos, "received") == [5] and col(infos, "overflow") == [3] and obs[-1] == [9]
    p = p.replace(lead_time=1)
    obs, infos, _, _ = run(p, [5, 6], [4, 0])
    assert col(infos, "overflow") == [0, 5]
    assert obs == [[8, 0], [9, 0], [10, 0]]
    # backorders are filled before the capacity check
    p = InventoryParams(stockout="backorder", capacity=5, lead_time=0, holding_cost=0)
    obs, infos, _, _ = run(p, [0, 10], [3, 1])
    assert col(infos, "backorders_filled") == [0, 3]
    assert col(infos, "overflow") == [0, 2]
    assert obs == [[0], [-3], [4]]


@pytest.mark.parametrize(
    ("issuing", "expired", "end"),
    [("fifo", [0, 1], [5, 0, 5]), ("lifo", [0, 3], [3, 0, 3])],
)
def test_fifo_lifo_expiry(issuing, expired, end):
    p = InventoryParams(stockout="lost_sales", shelf_life=2, issuing=issuing, lead_time=0, waste_cost=7, holding_cost=1)
    obs, infos, rewards, _ = run(p, [4, 5], [1, 2])
    # observation: on hand, then on hand by age (0 freshest)
    assert obs[1] == [3, 0, 3]
    assert obs[2] == end
    assert col(infos, "expired") == expired
    assert col(infos, "waste_cost") == [7 * e for e in expired]
    assert rewards == [-3, -(end[0] + 7 * expired[1])]


def test_shelf_life_one_expires_every_period():
    p = InventoryParams(stockout="lost_sales", shelf_life=1, lead_time=0, holding_cost=0)
    obs, infos, _, _ = run(p, [6, 0], [2, 0])
    assert col(infos, "expired") == [4, 0] and obs[1:] == [[0, 0], [0, 0]]


def test_fixed_cost_only_on_positive_orders():
    p = InventoryParams(stockout="backorder", fixed_order_cost=7, unit_cost=2, holding_cost=0, lead_time=0)
    _, infos, rewards, _ = run(p, [0, 3, 0], [0, 0, 3])
    assert col(infos, "fixed_cost") == [0, 7, 0]
    assert col(infos, "purchase_cost") == [0, 6, 0]
    assert col(infos, "ordering_cost") == [0, 13, 0]
    assert rewards == [0, -13, 0]


@pytest.mark.parametrize(("demand", "reward", "sold", "salvaged"), [(100, 540, 100, 20), (130, 720, 120, 0)])
def test_newsvendor_revenue_and_salvage(demand, reward, sold, salvaged):
    p = InventoryParams(
        stockout="lost_sales",
        price=10,
        unit_cost=4,
        salvage_value=1,
        holding_cost=0,
        horizon=1,
        finite_horizon=True,
        max_order=200,
    )
    obs, infos, rewards, flags = run(p, [120], [demand])
    assert obs == [[0, 0], [0, 1]]
    assert infos[0]["revenue"] == 10 * sold and infos[0]["sold"] == sold
    assert infos[0]["salvaged"] == salvaged and infos[0]["salvage"] == salvaged
    assert infos[0]["purchase_cost"] == 480
    assert rewards == [reward] and flags == [(True, False)]


def test_revenue_counts_backorders_filled():
    p = InventoryParams(stockout="backorder", price=3, holding_cost=0, lead_time=1)
    _, infos, _, _ = run(p, [4, 0], [2, 1])
    # period 0: nothing sold, 2 backordered; the receipt fills them: revenue 3 * 2
    assert col(infos, "revenue") == [6, 3]


# ---------------------------------------------------------------------------
# random instances: the kernel against the plain-Python reference, and properties
# ---------------------------------------------------------------------------


@st.composite
def instances(draw):
    random_lead = draw(st.booleans())
    unit_cost = draw(st.floats(0, 5))
    salvage = draw(st.floats(0, 0.99)) * unit_cost
    if salvage >= unit_cost:  # 0.99 x a subnormal unit cost rounds back to it
        salvage = 0.0
    params = InventoryParams(
        stockout=draw(st.sampled_from(["backorder", "lost_sales"])),
        lead_time=("duniform:low=0,high=3" if random_lead else draw(st.integers(0, 3))),
        holding_cost=draw(st.floats(0, 5)),
        backorder_cost=draw(st.floats(0, 10)),
        lost_sales_cost=draw(st.floats(0, 10)),
        fixed_order_cost=draw(st.floats(0, 20)),
        unit_cost=unit_cost,
        price=draw(st.floats(0, 10)),
        # salvage below the unit cost (or 0): the parameters refuse a salvage that pays
        salvage_value=salvage,
        waste_cost=draw(st.floats(0, 5)),
        shelf_life=draw(st.one_of(st.none(), st.integers(1, 4))),
        issuing=draw(st.sampled_from(["fifo", "lifo"])),
        capacity=draw(st.one_of(st.none(), st.integers(1, 30))),
        one_outstanding=draw(st.booleans()),
        max_order=10,
        horizon=draw(st.integers(1, 12)),
        finite_horizon=draw(st.booleans()),
        initial_inventory=0,
    )
    h = params.horizon
    orders = draw(st.lists(st.integers(0, 10), min_size=h, max_size=h))
    demand = draw(st.lists(st.one_of(st.integers(0, 12), st.floats(0, 12)), min_size=h, max_size=h))
    leads = draw(st.lists(st.integers(0, params.max_lead_time), min_size=h, max_size=h))
    return params, orders, demand, leads


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_kernel_matches_reference_and_properties(case):
    params, orders, demand, leads = case
    p = kernel_params(params)
    state = initial_state(params, 1)
    ref = ref_initial(params)
    obs = np.empty((1, params.obs_dim), dtype=np.float32)
    h = params.horizon
    for t in range(h):
        last = t == h - 1 and params.finite_horizon
        oh0, bo0 = state.on_hand[0], state.backorders[0]
        ev = step(
            p,
            state,
            np.array([float(orders[t])]),
            np.array([float(demand[t])]),
            np.array([leads[t]]),
            np.array([last]),
        )[0]
        rev = ref_step(params, ref, float(orders[t]), float(demand[t]), leads[t], last)
        for name in EVENTS:
            assert ev[EV[name]] == pytest.approx(rev[name], abs=1e-9), name
        observe(params, state, obs)
        assert obs[0] == pytest.approx(np.asarray(ref_observe(params, ref), dtype=np.float32))
        oh1, bo1 = state.on_hand[0], state.backorders[0]
        # stock balance over the step (observation to observation)
        assert oh0 + ev[EV["received"]] - ev[EV["backorders_filled"]] - ev[EV["sold"]] - ev[EV["expired"]] - ev[
            EV["overflow"]
        ] - ev[EV["salvaged"]] == pytest.approx(oh1, abs=1e-9)
        assert bo0 + ev[EV["backordered"]] - ev[EV["backorders_filled"]] == pytest.approx(bo1, abs=1e-9)
        assert ev[EV["sold"]] + ev[EV["backordered"]] + ev[EV["lost"]] == pytest.approx(ev[EV["demand"]])
        for name in COST_COMPONENTS + ("ordering_cost", "cost", "revenue", "salvage"):
            assert ev[EV[name]] >= 0, name
        assert ev[EV["cost"]] == pytest.approx(sum(ev[EV[c]] for c in COST_COMPONENTS))
        assert np.all(state.on_hand_by_age >= 0) and np.all(state.pipeline >= 0)
        assert state.backorders[0] >= 0
        if params.lost_sales:
            assert state.backorders[0] == 0 and ev[EV["backordered"]] == 0
        if params.capacity is not None:
            assert state.on_hand[0] <= params.capacity + 1e-9


@settings(max_examples=100, deadline=None)
@given(
    lead=st.integers(0, 4),
    t_order=st.integers(0, 5),
    qty=st.integers(1, 10),
    random_lead=st.booleans(),
    stockout=st.sampled_from(["backorder", "lost_sales"]),
)
def test_order_arrives_after_exactly_its_lead_time(lead, t_order, qty, random_lead, stockout):
    params = InventoryParams(
        stockout=stockout, lead_time="duniform:low=0,high=4" if random_lead else lead, max_order=10, horizon=20
    )
    horizon = t_order + lead + 3
    orders = [0] * horizon
    orders[t_order] = qty
    obs, infos, _, _ = run(params, orders, [0] * horizon, leads=[lead] * horizon if random_lead else None)
    received = col(infos, "received")
    # step t runs from the observation of t to that of t + 1; the order is on hand at the
    # observation of period t_order + lead (for lead 0: before the demand of t_order)
    arrival_step = t_order if lead == 0 else t_order + lead - 1
    assert received == [qty if s == arrival_step else 0 for s in range(horizon)]
    first_on_hand = next(t for t, o in enumerate(obs) if o[0] > 0)
    assert first_on_hand == t_order + max(lead, 1)
    assert sum(obs[t_order + lead if lead else t_order + 1][1:]) == 0
