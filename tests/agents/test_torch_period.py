"""The torch period (agents.torch_period) against the numba kernel, event for event."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.torch_period import TorchPeriod
from inv_gym.dynamics import EV, EVENTS, initial_state, kernel_params, observe, step
from inv_gym.params import InventoryParams
from tests.test_dynamics import instances

N_SYSTEMS = 4


@st.composite
def batched_cases(draw):
    """Random parameters (every feature the torch period covers) and N systems' draws."""
    params = draw(instances())[0]  # the kernel tests' random parameters
    cap = params.capacity
    params = params.replace(initial_inventory=draw(st.integers(0, 8 if cap is None else min(8, int(cap)))))
    size = params.horizon * N_SYSTEMS
    number = st.one_of(st.integers(0, 12), st.floats(0, 12))
    orders = draw(st.lists(number, min_size=size, max_size=size))
    demand = draw(st.lists(number, min_size=size, max_size=size))
    leads = draw(st.lists(st.integers(0, params.max_lead_time), min_size=size, max_size=size))
    shape = (params.horizon, N_SYSTEMS)
    return (
        params,
        np.asarray(orders, dtype=np.float64).reshape(shape),
        np.asarray(demand, dtype=np.float64).reshape(shape),
        np.asarray(leads, dtype=np.int64).reshape(shape),
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batched_cases())
def test_torch_period_equals_kernel_on_every_event(case):
    params, orders, demand, leads = case
    p = kernel_params(params)
    state = initial_state(params, N_SYSTEMS)
    period = TorchPeriod(params)
    ts = period.initial_state(N_SYSTEMS)
    obs = observe(params, state)
    assert period.observe(ts).numpy() == pytest.approx(obs.astype(np.float64), abs=1e-5)
    for t in range(params.horizon):
        last = np.full(N_SYSTEMS, params.finite_horizon and t == params.horizon - 1)
        ev = step(p, state, orders[t], demand[t], leads[t], last)
        ts, tev = period.step(
            ts,
            torch.from_numpy(orders[t]),
            torch.from_numpy(demand[t]),
            torch.from_numpy(leads[t]),
            torch.from_numpy(last),
        )
        for name in EVENTS:
            np.testing.assert_allclose(tev[name].numpy(), ev[:, EV[name]], rtol=0, atol=1e-9, err_msg=name)
        # the whole state, not only the observation
        np.testing.assert_allclose(ts.backorders.numpy(), state.backorders, rtol=0, atol=1e-9)
        np.testing.assert_allclose(ts.on_hand.numpy(), state.on_hand_by_age, rtol=0, atol=1e-9)
        np.testing.assert_allclose(ts.pipeline.numpy(), state.pipeline, rtol=0, atol=1e-9)
        np.testing.assert_allclose(ts.period.numpy(), state.period, rtol=0, atol=0)
        observe(params, state, obs)
        np.testing.assert_allclose(period.observe(ts).numpy(), obs, rtol=1e-6, atol=1e-4)


@pytest.mark.parametrize("stockout", ["backorder", "lost_sales"])
def test_torch_period_on_poisson_paths_equals_kernel(stockout):
    """A long run on random Poisson draws with random integer orders (many systems at once)."""
    params = InventoryParams(
        stockout=stockout, lead_time=2, holding_cost=1, backorder_cost=9, lost_sales_cost=9, max_order=20
    )
    rng = np.random.default_rng(np.random.SeedSequence(7))
    n, horizon = 64, 200
    demand = rng.poisson(5.0, (horizon, n)).astype(np.float64)
    orders = rng.integers(0, 11, (horizon, n)).astype(np.float64)
    leads = np.full((horizon, n), 2, dtype=np.int64)
    p = kernel_params(params)
    state = initial_state(params, n)
    period = TorchPeriod(params)
    ts = period.initial_state(n)
    total_kernel = np.zeros(n)
    total_torch = torch.zeros(n, dtype=torch.float64)
    last = np.zeros(n, dtype=bool)
    for t in range(horizon):
        total_kernel += step(p, state, orders[t], demand[t], leads[t], last)[:, EV["cost"]]
        ts, ev = period.step(ts, torch.from_numpy(orders[t]), torch.from_numpy(demand[t]), torch.from_numpy(leads[t]))
        total_torch = total_torch + ev["cost"]
    np.testing.assert_allclose(total_torch.numpy(), total_kernel, rtol=1e-12)
    np.testing.assert_allclose(ts.on_hand.numpy(), state.on_hand_by_age, atol=1e-9)


def test_torch_period_is_differentiable_in_the_order():
    """d cost / d q on a hand-checked lost-sales period: one more unit held costs h."""
    params = InventoryParams(stockout="lost_sales", lead_time=0, holding_cost=1.5, lost_sales_cost=4, unit_cost=2)
    period = TorchPeriod(params)
    s = period.initial_state(2, 0.0)
    q = torch.tensor([3.0, 8.0], dtype=torch.float64, requires_grad=True)
    _, ev = period.step(s, q, torch.tensor([5.0, 5.0], dtype=torch.float64), torch.tensor([0, 0]))
    ev["cost"].sum().backward()
    # short of demand: one more unit saves p = 4 and costs c = 2; above demand it costs c + h
    assert q.grad.tolist() == [2.0 - 4.0, 2.0 + 1.5]


def test_torch_period_fills_to_capacity_exactly():
    """Stock at capacity receiving a fractional order keeps exactly the capacity (no 1 + q - q rounding)."""
    params = InventoryParams(lead_time=0, capacity=1.0, initial_inventory=1.0, max_order=10, horizon=4)
    state = initial_state(params, 1)
    period = TorchPeriod(params)
    ts = period.initial_state(1)
    order, demand, lead = np.array([7.720861]), np.array([1.0]), np.array([0])
    ev = step(kernel_params(params), state, order, demand, lead, np.array([False]))
    ts, tev = period.step(ts, torch.from_numpy(order), torch.from_numpy(demand), torch.from_numpy(lead))
    assert ev[0, EV["stockout"]] == 0.0
    for name in EVENTS:
        assert tev[name].item() == ev[0, EV[name]], name


@st.composite
def dual_cases(draw):
    """Random dual-sourcing parameters (l_e < l_r) and N systems' regular and expedited orders and demands."""
    lead = draw(st.integers(1, 3))
    cap = draw(st.one_of(st.none(), st.integers(1, 30)))
    params = InventoryParams(
        stockout=draw(st.sampled_from(["backorder", "lost_sales"])),
        lead_time=lead,
        expedited_lead_time=draw(st.integers(0, lead - 1)),
        holding_cost=draw(st.floats(0, 5)),
        backorder_cost=draw(st.floats(0, 10)),
        lost_sales_cost=draw(st.floats(0, 10)),
        fixed_order_cost=draw(st.floats(0, 20)),
        unit_cost=draw(st.floats(0, 5)),
        expedited_unit_cost=draw(st.floats(0, 25)),
        expedited_fixed_cost=draw(st.floats(0, 20)),
        capacity=cap,
        max_order=10,
        horizon=draw(st.integers(1, 10)),
        initial_inventory=draw(st.integers(0, 8 if cap is None else min(8, cap))),
    )
    size = params.horizon * N_SYSTEMS
    number = st.one_of(st.integers(0, 12), st.floats(0, 12))
    shape = (params.horizon, N_SYSTEMS)
    arrays = [np.asarray(draw(st.lists(number, min_size=size, max_size=size)), dtype=np.float64) for _ in range(3)]
    return params, *(x.reshape(shape) for x in arrays)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dual_cases())
def test_torch_period_equals_kernel_with_an_expedited_source(case):
    params, orders, expedited, demand = case
    p = kernel_params(params)
    state = initial_state(params, N_SYSTEMS)
    period = TorchPeriod(params)
    ts = period.initial_state(N_SYSTEMS)
    leads = np.full(N_SYSTEMS, params.lead_time, dtype=np.int64)
    last = np.zeros(N_SYSTEMS, dtype=bool)
    for t in range(params.horizon):
        ev = step(p, state, orders[t], demand[t], leads, last, expedited=expedited[t])
        ts, tev = period.step(
            ts,
            torch.from_numpy(orders[t]),
            torch.from_numpy(demand[t]),
            torch.from_numpy(leads),
            expedited=torch.from_numpy(expedited[t]),
        )
        for name in EVENTS:
            np.testing.assert_allclose(tev[name].numpy(), ev[:, EV[name]], rtol=0, atol=1e-9, err_msg=name)
        np.testing.assert_allclose(ts.backorders.numpy(), state.backorders, rtol=0, atol=1e-9)
        np.testing.assert_allclose(ts.on_hand.numpy(), state.on_hand_by_age, rtol=0, atol=1e-9)
        np.testing.assert_allclose(ts.pipeline.numpy(), state.pipeline, rtol=0, atol=1e-9)


def test_torch_period_expedited_argument_matches_the_model():
    dual = InventoryParams(lead_time=2, expedited_lead_time=0, expedited_unit_cost=5.0)
    one = torch.ones(2)
    with pytest.raises(ValueError, match="expedited must be an"):
        TorchPeriod(dual).step(TorchPeriod(dual).initial_state(2), one, one, torch.full((2,), 2))
    single = InventoryParams(lead_time=2)
    with pytest.raises(ValueError, match="need an expedited source"):
        TorchPeriod(single).step(TorchPeriod(single).initial_state(2), one, one, torch.full((2,), 2), expedited=one)
