"""The (s, S) policy class of the pathwise learner (agents.pathwise_levels)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from agents.heuristics import SS
from agents.pathwise_levels import LevelsNet, initial_levels, levels_unsupported
from inv_gym.presets import preset_params
from inv_gym.serial.params import SerialParams


def _net(env: str, s: float, big_s: float, tau: float = 0.5) -> LevelsNet:
    params = preset_params(env)
    net = LevelsNet(params, (8,), tau)
    with torch.no_grad():
        net.head.weight.zero_()
        net.head.bias[0] = s / net.unit
        net.head.bias[1] = math.log(math.expm1((big_s - s) / net.unit))
    return net


@pytest.mark.parametrize("env", ["inv_gym/Qr-v0", "inv_gym/StochasticLeadTime-v0", "inv_gym/EOQ-v0"])
def test_orders_are_the_ss_rule_in_torch_and_numpy(env):
    params = preset_params(env)
    net = _net(env, 6.5, 40.25)
    rng = np.random.default_rng(0)
    obs = rng.integers(-10, 45, size=(500, params.obs_dim)).astype(np.float64)
    obs[:, 1:] = np.abs(obs[:, 1:]) // 4  # pipelines are nonnegative
    want = SS(6.5, 40.25, params=params).order(obs)
    np.testing.assert_allclose(net.numpy_orders(obs), want, atol=1e-5)
    with torch.no_grad():
        got = net(torch.as_tensor(obs, dtype=torch.float32)).double().numpy()
    np.testing.assert_allclose(got, np.minimum(want, params.max_order), atol=1e-4)
    assert net.describe_levels() == {"s": pytest.approx(6.5, abs=1e-4), "S": pytest.approx(40.25, abs=1e-4)}


def test_orders_and_gate_backward():
    """q = (S - y) 1[y <= s] is differentiated through S only; the gate g = sigmoid((s - y - (S - sg S)) / tau)
    moves with S - s (z_D), not with a shift of both levels (z_s), which leaves the cycle's timing alone."""
    net = _net("inv_gym/Qr-v0", 6.0, 40.0, tau=0.5)
    tau, unit = 0.5 * net.unit, net.unit
    obs = torch.tensor([[3.0], [8.0], [20.0]], requires_grad=True)
    q, gate, _ = net.orders_and_gate(obs)
    s, big_s, y = 6.0, 40.0, obs.detach()[:, 0].numpy()
    hard = (y <= s).astype(float)
    np.testing.assert_allclose(q.detach().numpy(), hard * (big_s - y), rtol=1e-6)
    q.sum().backward(retain_graph=True)
    np.testing.assert_allclose(obs.grad[:, 0].numpy(), -hard, atol=1e-6)  # the decision is held
    np.testing.assert_allclose(float(net.head.bias.grad[0]), unit * hard.sum(), rtol=1e-5)  # dq/dz_s = E[D] dq/dS
    net.zero_grad()
    obs.grad = None
    u = 1 / (1 + np.exp(-(s - y) / tau))
    np.testing.assert_allclose(gate.detach().numpy(), u, rtol=1e-5)
    gate.sum().backward()
    assert obs.grad is None or float(obs.grad.abs().sum()) == 0.0  # the position is held in the gate
    assert abs(float(net.head.bias.grad[0])) < 1e-6
    z_d = float(net.head.bias[1].detach())
    want = -(u * (1 - u) / tau).sum() * unit / (1 + math.exp(-z_d))  # dS/dz_D = E[D] sigmoid(z_D)
    np.testing.assert_allclose(float(net.head.bias.grad[1]), want, rtol=1e-4)


def test_finite_horizon_levels_depend_on_the_period():
    params = preset_params("inv_gym/BaseStock-v0").replace(finite_horizon=True, horizon=12, fixed_order_cost=5.0)
    net = LevelsNet(params, (8, 8), 0.5)
    levels = net.describe_levels()
    assert len(levels["s"]) == len(levels["S"]) == params.horizon
    assert all(b > a for a, b in zip(levels["s"], levels["S"]))


def test_initial_levels_and_coverage():
    s0, big_s0 = initial_levels(preset_params("inv_gym/StochasticLeadTime-v0"))  # E[D] 5, E[L] 2.5, K 20, h 1
    assert s0 == pytest.approx(17.5) and big_s0 == pytest.approx(17.5 + math.sqrt(200.0))
    assert levels_unsupported(preset_params("inv_gym/BaseStock-v0")) is None
    assert levels_unsupported(preset_params("inv_gym/LostSales-v0")) is None
    assert levels_unsupported(preset_params("inv_gym/ConcreteMixers-v0")) is None  # lost sales, capacity
    # without holding cost the lot is the largest order: 0.9 U above s_0 = E[D] (E[L] + 1), E[L] = 0.5
    assert initial_levels(preset_params("inv_gym/ConcreteMixers-v0")) == pytest.approx((2.91, 2.91 + 9.9))  # E[D] 1.94
    with pytest.raises(ValueError, match="start must be in 0..1"):
        initial_levels(preset_params("inv_gym/Qr-v0"), start=2)
    backorder_perishable = preset_params("inv_gym/Perishable-v0").replace(stockout="backorder", backorder_cost=4.0)
    assert "perishability" in levels_unsupported(backorder_perishable)
    assert "two" in levels_unsupported(preset_params("inv_gym/DualSourcing-v0"))
    assert "single-stage" in levels_unsupported(SerialParams())
    with pytest.raises(ValueError, match="dual sourcing"):
        LevelsNet(preset_params("inv_gym/DualSourcing-v0"), (), 0.5)


def test_the_learner_trains_levels_where_fixed_costs_call_for_them(tmp_path):
    from agents.pathwise import PathwiseConfig, PathwisePolicy, policy_class, train_pathwise

    config = PathwiseConfig(iterations=250, eval_every=50, eval_reps=100, eval_horizon=300, seed=0, threads=1)
    params = preset_params("inv_gym/Qr-v0")
    assert policy_class(params, config) == "levels"
    assert policy_class(preset_params("inv_gym/BaseStock-v0"), config) == "network"  # K = 0
    assert policy_class(preset_params("inv_gym/ConcreteMixers-v0"), config) == "levels"  # lost sales, K = 1
    assert policy_class(preset_params("inv_gym/LostSales-v0"), config) == "network"  # K = 0
    policy = train_pathwise(params, config)
    assert isinstance(policy.net, LevelsNet) and policy.describe()["policy"] == "levels"
    assert {r.member for r in policy.history} == {0, 1}  # both starts were evaluated at every check
    from inv_gym.evaluation import evaluate

    cost = -evaluate(policy, params, reps=100, horizon=2000, warmup=100, seed=2024)["reward_per_period"].mean
    assert (
        cost <= 35.021555 * 1.01
    )  # Zheng-Federgruen optimum of Qr-v0; measured 35.037 at this budget (35.602 at 100 steps)
    loaded = PathwisePolicy.load(policy.save(str(tmp_path / "qr")))
    obs = np.arange(-5, 45, dtype=np.float64)[:, None]
    np.testing.assert_array_equal(loaded.bind(params).act(obs), policy.bind(params).act(obs))
    with pytest.raises(ValueError, match="policy 'levels': the \\(s, S\\) policy class covers models without"):
        train_pathwise("inv_gym/Perishable-v0", PathwiseConfig(policy="levels", iterations=1))


def test_the_gradient_stays_bounded_over_many_cycles():
    """Holding the position in the gate keeps the gradient finite over 300 periods of EOQ-v0 (about 75 orders)."""
    from agents.pathwise import _round_orders
    from agents.pathwise_levels import levels_loss
    from agents.torch_period import TorchPeriod

    params = preset_params("inv_gym/EOQ-v0")
    net = LevelsNet(params, (), 0.5).double()
    period = TorchPeriod(params, dtype=torch.float64)
    demand = torch.full((64, 300), 10.0, dtype=torch.float64)
    lead = torch.zeros((64, 300), dtype=torch.long)
    start = torch.linspace(0, 40, 64, dtype=torch.float64)
    loss = levels_loss(net, period, demand, lead, warmup=20, rounding_fn=lambda q: _round_orders(q, "relaxed"),
                       initial=start)  # fmt: skip
    loss.backward()
    grad = torch.cat([p.grad.flatten() for p in net.parameters() if p.grad is not None])
    assert torch.isfinite(grad).all() and float(grad.norm()) < 100.0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("policy", "ss", "policy must be one of auto, network, levels, got 'ss'"),
        ("gate_temperature", 0.0, "gate_temperature must be a number in \\(0, 100\\]"),
        ("gate_temperature", float("nan"), "gate_temperature must be a number in \\(0, 100\\]"),
    ],
)
def test_bad_options(field, value, message):
    from agents.pathwise import PathwiseConfig

    with pytest.raises(ValueError, match=message):
        PathwiseConfig(**{field: value})


def test_gate_weights_price_the_arrival_period_without_the_order():
    """Lost sales: x = on hand less the units lost; an order arriving past the end of a finite
    horizon weighs K (it only costs the fixed cost), an infinite one gives it no weight."""
    from agents.pathwise_levels import gate_weights

    costs = torch.tensor([[0.0, 0.0, 1.5, 0.0]])  # h = 0, p = 0.5: 3 units lost in period 2
    x = torch.tensor([[5.0, 2.0, -3.0, 4.0]])
    q = torch.tensor([[0.0, 6.0, 0.0, 7.0]])  # 6 units arrive in period 2 (l = 1), 7 would arrive in period 4
    lead = torch.tensor([[0, 1, 0, 1]])
    kw = dict(warmup=0, fixed_cost=1.0, holding_cost=0.0, shortage_cost=0.5)
    w = gate_weights(costs, x, q, q > 0, lead, **kw)
    # C = 1 * 2 / 4 + 1.5 / 4 = 0.875; at t = 1 without the order period 2 loses 6 + 3 units: 4.5
    assert w.tolist() == [[0.875, 0.875 - 4.5, 0.875 - 1.5, 0.0]]
    finite = gate_weights(costs, x, q, q > 0, lead, finite=True, **kw)
    # a finite horizon prices the period gained as its last: K 1[order at T - 1] + its cost = 1 + 0
    assert finite.tolist() == [[1.0, 1.0 - 4.5, 1.0 - 1.5, 1.0]]  # the last: arriving past the end, K


def test_the_gate_follows_s_alone_where_the_position_did_not_come_from_s():
    net = _net("inv_gym/ConcreteMixers-v0", 3.0, 20.0)
    obs = torch.tensor([[2.0, 0.0, 0.0, 5.0], [2.0, 0.0, 0.0, 6.0]])
    q, gate, cut = net.orders_and_gate(obs, torch.tensor([1.0, 0.0]))
    assert q.tolist() == [11.0, 11.0] and cut.tolist() == [True, True]  # 18 wanted, cut to U = 11
    gate[1].backward()
    assert float(net.head.bias.grad[1].abs()) == 0.0 and float(net.head.bias.grad[0]) > 0  # moved by s only
    net.zero_grad()
    q, gate, _ = net.orders_and_gate(obs, torch.tensor([1.0, 0.0]))
    gate[0].backward()
    assert float(net.head.bias.grad[1]) < 0 and abs(float(net.head.bias.grad[0])) < 1e-7  # by S - s


def test_population_members_share_the_batch():
    from agents.pathwise_levels import LevelsPopulation

    params = preset_params("inv_gym/EOQ-v0")
    pop = LevelsPopulation(params, (), 0.5)
    assert pop.shares(7) == [(0, 4), (4, 7)] or pop.shares(7) == [(0, 3), (3, 7)]
    levels = [m.describe_levels() for m in pop.members]
    assert levels[0]["S"] - levels[1]["S"] == pytest.approx(5.0, abs=1e-4)  # the overshoot of D = 10
    obs = torch.tensor([[0.0], [8.0], [0.0], [8.0]])
    q, _, _ = pop.orders_and_gate(obs)
    want = torch.cat([pop.members[0](obs[:2]), pop.members[1](obs[2:])])
    assert torch.equal(q, want)


def test_concrete_mixers_levels_learn_the_month_end():
    """Lost sales, a capacity of 11 and a 25-day month: the levels learn to stop ordering at the
    month's end and come within 0.5% of the backward-induction optimum 0.197432 at a CI budget."""
    from agents.pathwise import PathwiseConfig, train_pathwise
    from inv_gym.analytic.finite_horizon import evaluate_policy_finite_horizon

    params = preset_params("inv_gym/ConcreteMixers-v0")
    policy = train_pathwise(params, PathwiseConfig(iterations=700, eval_every=100, seed=0, threads=1))
    levels = policy.describe()
    assert levels["s"][-1] < 0 < levels["s"][0]  # no order on the last day
    cost = evaluate_policy_finite_horizon(policy, params).average_cost  # exact, by forward propagation
    assert cost <= 0.197432 * 1.005  # measured 0.19819 (0.38%); the best stationary (s, S) is 5.1% above
