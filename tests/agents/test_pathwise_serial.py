"""The pathwise learner on the serial chain: its loss against the chain's kernel, persistence, scoring, learning."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from agents.pathwise import PathwiseConfig, PathwisePolicy, _make_net, serial_pathwise_loss, train_pathwise
from agents.torch_serial import TorchSerialPeriod
from inv_gym.serial.dynamics import serial_observe
from inv_gym.serial.evaluation import serial_demand_paths, serial_evaluate, serial_simulate
from inv_gym.serial.params import SerialParams

EXAMPLE_6_1 = 52.046741  # serial_optimum(SerialParams()).cost, inv_gym.instances' serial/example-6.1

TINY = PathwiseConfig(
    iterations=2, batch_size=8, n_scenarios=16, horizon=12, warmup=3, eval_every=1, eval_reps=3, eval_horizon=20
)


def _perturbed_net(params: SerialParams, seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    net = _make_net(params, PathwiseConfig(hidden=(8, 8))).double()
    with torch.no_grad():  # orders around the mean demand that vary with the state
        for p in net.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    return net


def test_straight_through_chain_paths_are_the_kernel_paths():
    """With straight-through rounding the loss's value is the chain kernel's cost of the integer policy,
    whatever the owed-units surrogate's weight (it adds only to the gradient)."""
    params = SerialParams(initial_inventory=(5, 8, 12))
    net = _perturbed_net(params, 1)
    demand = serial_demand_paths(params, 11, 32, 60)  # (T, N)
    period = TorchSerialPeriod(params)
    policy = PathwisePolicy(net, params, PathwiseConfig(hidden=(8, 8)))

    def rule(state, out):
        out[:] = policy.act(serial_observe(params, state))

    sums = serial_simulate(rule, params, demand, warmup=10, columns=("cost", "owed_2"))
    assert sums["owed_2"].mean() > 0  # the paths do owe units between stages
    expected = float(np.mean(sums["cost"]))
    for w in (0.0, 5.0):
        loss = serial_pathwise_loss(
            net, period, torch.from_numpy(demand.T.copy()), warmup=10, rounding="straight_through", owed_surrogate=w
        )
        assert loss.item() == pytest.approx(expected, rel=1e-9), w


class _ConstantOrders(torch.nn.Module):
    """A policy that orders q_m at stage m whatever it observes (q learnable)."""

    def __init__(self, q: list[float]) -> None:
        super().__init__()
        self.q = torch.nn.Parameter(torch.tensor(q, dtype=torch.float64))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.q.expand(obs.shape[0], -1)


def test_owed_surrogate_adds_w_h_m_per_owed_unit_to_the_gradient():
    """The gradient with weight w is the cost's plus w sum_m h_m d(owed to m) / dq, the value unchanged."""
    params = SerialParams(lead_times=(0, 1, 2), initial_inventory=(4, 2, 1))  # echelon h = 3, 2, 2
    demand = torch.from_numpy(serial_demand_paths(params, 4, 6, 9).T.copy())
    period = TorchSerialPeriod(params)
    grads, values = {}, {}
    for w in (0.0, 0.5):
        net = _ConstantOrders([6.0, 7.0, 5.0])
        loss = serial_pathwise_loss(net, period, demand, warmup=2, rounding="relaxed", owed_surrogate=w)
        loss.backward()
        grads[w], values[w] = net.q.grad.clone(), loss.item()
    assert values[0.5] == values[0.0]
    # d/dq of the mean over periods 2..8 of h_1 B_2 + h_2 B_3 (owed units), by its own rollout
    q = torch.tensor([6.0, 7.0, 5.0], dtype=torch.float64, requires_grad=True)
    state, owed = period.initial_state(6), torch.zeros((), dtype=torch.float64)
    for t in range(9):
        state, ev = period.step(state, q.expand(6, -1), demand[:, t])
        if t >= 2:
            owed = owed + (3.0 * ev["owed_2"] + 2.0 * ev["owed_3"]).sum()
    (owed / (6 * 7)).backward()
    assert owed.item() > 0 and q.grad.abs().sum() > 0
    torch.testing.assert_close(grads[0.5] - grads[0.0], 0.5 * q.grad, rtol=1e-12, atol=1e-12)


def test_save_load_round_trip_of_a_chain_policy(tmp_path):
    params = SerialParams(demand="round(normal:mean=5,sd=2)", lead_times=(2, 1), holding_costs=(1.0, 0.3))
    policy = train_pathwise(params, TINY)
    out = policy.save(str(tmp_path / "chain"))
    meta = json.loads((tmp_path / "chain" / "policy.json").read_text())
    assert meta["model"] == "serial" and meta["config"]["owed_surrogate"] == TINY.owed_surrogate
    loaded = PathwisePolicy.load(out)
    assert loaded.params == params and loaded.serial
    obs = np.random.default_rng(np.random.SeedSequence(0)).integers(0, 15, (40, params.obs_dim)).astype(np.float32)
    q = policy.act(obs)
    assert q.shape == (40, 2)
    np.testing.assert_array_equal(loaded.act(obs), q)
    with pytest.raises(ValueError, match="the policy reads observations"):
        policy.bind(params.replace(lead_times=(1, 1)))


def test_inv_gym_score_uses_the_chain_kernel():
    """inv_gym.score (the serial env) and serial_evaluate (the kernel) agree on the trained policy."""
    import inv_gym

    policy = train_pathwise("inv_gym/Serial-v0", TINY)
    s = inv_gym.score(policy, "serial/example-6.1", reps=3, horizon=50, seed=1)
    ev = serial_evaluate(policy, policy.params, reps=3, horizon=50, warmup=100, seed=1)
    assert s.cost.mean == pytest.approx(ev["cost_per_period"].mean, rel=1e-12)
    assert s.optimum == pytest.approx(EXAMPLE_6_1, abs=1e-5)


@pytest.mark.parametrize("value", [-0.5, 1001.0, float("nan"), "1"])
def test_bad_owed_surrogate_names_the_option_and_range(value):
    with pytest.raises(ValueError, match=r"owed_surrogate must be a number in \[0, 1000\]"):
        PathwiseConfig(owed_surrogate=value)


#: The CI budget of the learning test (about 20 s on one thread of an idle machine).
LEARNING_BUDGET = dict(iterations=200, eval_every=50, eval_reps=50, eval_horizon=200, threads=1)


@pytest.mark.slow
def test_learns_example_6_1_within_two_percent():
    """Snyder & Shen Example 6.1 (Clark-Scarf optimum 52.0467 per period): within 2% at a small budget, seed 0.

    Measured: 1.15% above the optimum (without the owed-units surrogate: 4.6%). Scored on the
    chain's kernel on draws the training never saw: 200 replications x 2,000 periods after 100.
    """
    policy = train_pathwise("inv_gym/Serial-v0", PathwiseConfig(seed=0, **LEARNING_BUDGET))
    cost = serial_evaluate(policy, policy.params, reps=200, horizon=2000, warmup=100, seed=2024)["cost_per_period"]
    assert cost.mean <= EXAMPLE_6_1 * 1.02, cost
    assert cost.mean >= EXAMPLE_6_1 * 0.99  # no policy beats the optimum by more than the noise


@pytest.mark.slow
def test_cli_train_pathwise_on_a_chain(tmp_path, capsys):
    from experiments.cli import main

    out = tmp_path / "chain"
    args = ["train", "Serial", "--algo", "pathwise", "--iterations", "2", "--out", str(out)]
    sets = ["--set", "lead_times=1,0", "--set", "holding_costs=2,1"]
    assert main([*args, *sets, "--eval-reps", "3", "--eval-horizon", "50", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["env_id"] == "inv_gym/Serial-v0" and result["iterations"] == 2
    assert math.isfinite(result["cost_per_period"]["mean"]) and 0.0 <= result["fill_rate"]["mean"] <= 1.0
    loaded = PathwisePolicy.load(str(out))
    assert loaded.params == SerialParams(lead_times=(1, 0), holding_costs=(2.0, 1.0))
