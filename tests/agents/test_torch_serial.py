"""The torch serial period (agents.torch_serial) against the numba chain kernel, event for event."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.torch_serial import TorchSerialPeriod
from inv_gym.serial.dynamics import (
    serial_event_index,
    serial_event_names,
    serial_initial_state,
    serial_observe,
    serial_step,
)
from inv_gym.serial.params import SerialParams

N_CHAINS = 3


@st.composite
def chain_cases(draw):
    """A random chain (M 1..4, lead times 0..3, costs, transit holding on or off) and N chains' draws."""
    m = draw(st.integers(1, 4))
    params = SerialParams(
        n_stages=m,
        lead_times=draw(st.lists(st.integers(0, 3), min_size=m, max_size=m)),
        holding_costs=draw(st.lists(st.floats(0, 10), min_size=m, max_size=m)),
        backorder_cost=draw(st.floats(0, 50)),
        transit_holding=draw(st.booleans()),
        max_order=12,
        horizon=draw(st.integers(1, 8)),
        initial_inventory=draw(st.lists(st.integers(0, 8), min_size=m, max_size=m)),
    )
    periods = params.horizon
    orders = draw(st.lists(st.integers(0, 12), min_size=periods * N_CHAINS * m, max_size=periods * N_CHAINS * m))
    demand = draw(st.lists(st.integers(0, 12), min_size=periods * N_CHAINS, max_size=periods * N_CHAINS))
    return (
        params,
        np.asarray(orders, dtype=np.float64).reshape(periods, N_CHAINS, m),
        np.asarray(demand, dtype=np.float64).reshape(periods, N_CHAINS),
    )


def _assert_same_state(ts, state) -> None:
    np.testing.assert_allclose(ts.on_hand.numpy(), state.on_hand, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ts.backorders.numpy(), state.backorders, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ts.pipeline.numpy(), state.pipeline, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(ts.period.numpy(), state.period)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chain_cases())
def test_torch_serial_period_equals_kernel_on_every_event(case):
    params, orders, demand = case
    idx = serial_event_index(params.n_stages)
    state = serial_initial_state(params, N_CHAINS)
    period = TorchSerialPeriod(params)
    ts = period.initial_state(N_CHAINS)
    assert period.event_names == serial_event_names(params.n_stages)
    _assert_same_state(ts, state)
    for t in range(params.horizon):
        for scaled in (False, True):
            obs = serial_observe(params, state, scaled=scaled).astype(np.float64)
            np.testing.assert_allclose(period.observe(ts, scaled=scaled).numpy(), obs, rtol=1e-6, atol=1e-5)
        ev = serial_step(params, state, orders[t], demand[t])
        ts, tev = period.step(ts, torch.from_numpy(orders[t]), torch.from_numpy(demand[t]))
        assert list(tev) == list(idx)
        for name, col in idx.items():
            np.testing.assert_allclose(tev[name].numpy(), ev[:, col], rtol=0, atol=1e-9, err_msg=name)
        _assert_same_state(ts, state)


@pytest.mark.parametrize("transit_holding", [True, False])
def test_torch_serial_period_on_poisson_paths_equals_kernel(transit_holding):
    """A long run of Example 6.1's chain on Poisson draws with random integer orders (many chains at once)."""
    params = SerialParams(transit_holding=transit_holding, initial_inventory=(5, 10, 10))
    rng = np.random.default_rng(np.random.SeedSequence(11))
    n, horizon = 64, 200
    demand = rng.poisson(5.0, (horizon, n)).astype(np.float64)
    orders = rng.integers(0, 11, (horizon, n, 3)).astype(np.float64)
    state = serial_initial_state(params, n)
    period = TorchSerialPeriod(params)
    ts = period.initial_state(n)
    cost = serial_event_index(3)["cost"]
    total_kernel = np.zeros(n)
    total_torch = torch.zeros(n, dtype=torch.float64)
    for t in range(horizon):
        total_kernel += serial_step(params, state, orders[t], demand[t])[:, cost]
        ts, ev = period.step(ts, torch.from_numpy(orders[t]), torch.from_numpy(demand[t]))
        total_torch = total_torch + ev["cost"]
    np.testing.assert_allclose(total_torch.numpy(), total_kernel, rtol=1e-12)
    _assert_same_state(ts, state)


def test_one_period_derivatives_by_hand():
    """Two stages, L = (0, 0): d cost / d q on hand-checked cases.

    Chain a: stage 2 has 10 on hand, stage 1 none; demand 5. Ordering q_1 = 3 from
    stage 2 moves 3 units to stage 1, all sold: one more unit ordered by stage 1
    removes a backorder (-p) and one unit from stage 2 (-h'_2); q_2 arrives at
    stage 2 at once and is held (+h'_2).
    Chain b: q_1 = 8 exceeds demand, so one more unit is held at stage 1 instead of
    stage 2: +h'_1 - h'_2.
    """
    params = SerialParams(lead_times=(0, 0), holding_costs=(3.0, 1.0), backorder_cost=9.0)
    period = TorchSerialPeriod(params)
    s = period.initial_state(2, [0.0, 10.0])
    q = torch.tensor([[3.0, 2.0], [8.0, 2.0]], dtype=torch.float64, requires_grad=True)
    _, ev = period.step(s, q, torch.tensor([5.0, 5.0], dtype=torch.float64))
    assert ev["cost"].tolist() == [9.0 * 2 + 1.0 * 9, 3.0 * 3 + 1.0 * 4]
    ev["cost"].sum().backward()
    assert q.grad.tolist() == [[-9.0 - 1.0, 1.0], [3.0 - 1.0, 1.0]]


def test_average_cost_gradient_matches_finite_differences():
    """Autograd's pathwise gradient of the average cost w.r.t. continuous orders equals central differences.

    A three-stage chain (lead times 0, 1, 2, transit holding) over 10 periods, 4 chains,
    orders uniform on (0, 10) and gamma demand (mean 5): continuous draws keep the
    piecewise-linear cost away from its kinks. Tolerance: |autograd - FD| <= 1e-6 + 1e-6 |FD|
    for every order, step 1e-6 in float64.
    """
    params = SerialParams(initial_inventory=(4.0, 3.0, 2.0))
    n, horizon, m = 4, 10, 3
    rng = np.random.default_rng(np.random.SeedSequence(5))
    orders = torch.tensor(rng.uniform(0.0, 10.0, (horizon, n, m)), requires_grad=True)
    demand = torch.from_numpy(rng.gamma(4.0, 1.25, (horizon, n)))
    period = TorchSerialPeriod(params)

    def run(q: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        state, total = period.initial_state(n), torch.zeros((), dtype=torch.float64)
        seen = {"stockout": 0.0, "left_1": 0.0, "short_2": 0.0, "short_3": 0.0}
        for t in range(horizon):
            state, ev = period.step(state, q[t], demand[t])
            total = total + ev["cost"].sum()
            seen["stockout"] += float(ev["stockout"].sum())
            seen["left_1"] += float((ev["on_hand_1"] > 0).sum())
            seen["short_2"] += float((ev["owed_2"] > 0).sum())
            seen["short_3"] += float((ev["owed_3"] > 0).sum())
        return total / (n * horizon), seen

    loss, seen = run(orders)
    # the paths visit both sides of every min: stock-outs and leftovers at stage 1, upstream shortages
    assert all(v >= 3 for v in seen.values()), seen
    (grad,) = torch.autograd.grad(loss, orders)
    eps = 1e-6
    flat = orders.detach().clone().view(-1)
    for i in range(flat.numel()):
        up, down = flat.clone(), flat.clone()
        up[i] += eps
        down[i] -= eps
        fd = (run(up.view_as(orders))[0].item() - run(down.view_as(orders))[0].item()) / (2 * eps)
        assert grad.view(-1)[i].item() == pytest.approx(fd, rel=1e-6, abs=1e-6), i
    assert grad.abs().sum() > 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: p.initial_state(2, [1.0, 2.0]), r"on_hand must be a number, \(M,\) = \(3,\) or \(n, M\)"),
        (lambda p: p.step(p.initial_state(2), torch.ones(2, 2), torch.ones(2)), r"orders must have shape \(N, M\)"),
    ],
)
def test_bad_shapes_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call(TorchSerialPeriod(SerialParams()))


def test_refuses_single_stage_params():
    from inv_gym.params import InventoryParams

    with pytest.raises(ValueError, match="params must be a SerialParams, got InventoryParams"):
        TorchSerialPeriod(InventoryParams())
