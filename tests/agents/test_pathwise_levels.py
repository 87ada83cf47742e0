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


def test_gate_backward_is_the_sigmoid_and_the_position_is_held():
    """dq/ds = (S - y) g'(s - y) / tau + 1[y <= s] dS/ds, with y held in the gate."""
    net = _net("inv_gym/Qr-v0", 6.0, 40.0, tau=0.5)
    tau = 0.5 * net.unit
    obs = torch.tensor([[3.0], [8.0], [20.0]], requires_grad=True)
    q, smooth = net.orders_and_gate(obs)
    q.sum().backward()
    s, big_s, y = 6.0, 40.0, obs.detach()[:, 0].numpy()
    sig = 1 / (1 + np.exp(-(s - y) / tau))
    hard = (y <= s).astype(float)
    # q = gate (S - y); d q / d y holds the gate: -gate (forward value) only
    np.testing.assert_allclose(obs.grad[:, 0].numpy(), -hard, atol=1e-6)
    # the head bias of s moves s and S together (S = s + E[D] softplus(z)): dq/dz_s = E[D] (dq/ds + dq/dS)
    dq_ds = (big_s - y) * sig * (1 - sig) / tau + hard
    np.testing.assert_allclose(float(net.head.bias.grad[0]), net.unit * dq_ds.sum(), rtol=1e-4)
    np.testing.assert_allclose(smooth.detach().numpy(), sig, rtol=1e-5)


def test_finite_horizon_levels_depend_on_the_period():
    params = preset_params("inv_gym/ConcreteMixers-v0")
    net = LevelsNet(params, (8, 8), 0.5)
    levels = net.describe_levels()
    assert len(levels["s"]) == len(levels["S"]) == params.horizon
    assert all(b > a for a, b in zip(levels["s"], levels["S"]))


def test_initial_levels_and_coverage():
    s0, big_s0 = initial_levels(preset_params("inv_gym/StochasticLeadTime-v0"))  # E[D] 5, E[L] 2.5, K 20, h 1
    assert s0 == pytest.approx(15.0) and big_s0 == pytest.approx(15.0 + math.sqrt(200.0))
    assert levels_unsupported(preset_params("inv_gym/LostSales-v0")) is None
    assert "two" in levels_unsupported(preset_params("inv_gym/DualSourcing-v0"))
    assert "single-stage" in levels_unsupported(SerialParams())
    with pytest.raises(ValueError, match="dual sourcing"):
        LevelsNet(preset_params("inv_gym/DualSourcing-v0"), (), 0.5)
