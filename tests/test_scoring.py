"""inv_gym.score: any kind of agent, gaps with CIs on common random numbers, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import inv_gym
from agents.specs import parse_policy
from inv_gym.analytic.dp import evaluate_policy_dp
from inv_gym.analytic.solve import solve
from inv_gym.instances import get_instance


def _base_stock_12(obs: np.ndarray) -> np.ndarray:
    return np.maximum(12 - obs[:, 0] - obs[:, 1], 0)


def test_dp_optimal_policy_has_zero_gap():
    inst = get_instance("zipkin-lost-sales/L2-p9")
    policy = solve(inst.params).dp.policy()
    s = inv_gym.score(policy, inst, reps=20, horizon=300, seed=3)
    assert s.paired and s.gap.ci_low <= 0.0 <= s.gap.ci_high
    assert s.cost.ci_low <= inst.optimum <= s.cost.ci_high


def test_base_stock_gap_matches_the_exact_long_run_gap():
    inst = get_instance("zipkin-lost-sales/L1-p4")
    exact = evaluate_policy_dp(parse_policy("base_stock:S=12").bind(inst.params), inst.params).average_cost
    assert exact == pytest.approx(4.1628, abs=1e-4)
    exact_gap = (exact - 4.0407) / 4.0407
    s = inv_gym.score(_base_stock_12, "zipkin-lost-sales/L1-p4", reps=100, seed=7)
    assert s.gap.ci_low <= exact_gap <= s.gap.ci_high
    assert s.gap.ci_high - s.gap.ci_low < 0.005  # common random numbers: a narrow interval
    heur_gap = (exact - inst.best_heuristic_cost) / inst.best_heuristic_cost
    assert s.heuristic_gap.ci_low <= heur_gap <= s.heuristic_gap.ci_high


def test_every_kind_of_policy_gives_the_same_score():
    ref = inv_gym.score(_base_stock_12, "zipkin-lost-sales/L1-p4", reps=10, horizon=200, seed=0)

    def single(obs):  # one observation at a time, a scalar back
        return max(12 - obs[0] - obs[1], 0)

    class Predictor:
        def predict(self, obs, deterministic=True):
            return _base_stock_12(obs).astype(np.int64), None

    class Logits(torch.nn.Module):  # scores of the 21 discrete actions, argmax = base stock 12
        def forward(self, x):
            q = torch.clamp(12 - x[:, 0] - x[:, 1], min=0)
            return -((torch.arange(21.0)[None, :] - q[:, None]) ** 2)

    class Column(torch.nn.Module):  # an (N, 1) action column
        def forward(self, x):
            return torch.clamp(12 - x[:, :1] - x[:, 1:2], min=0)

    up_to = inv_gym.score(
        lambda obs: np.full(obs.shape[0], 12),
        "zipkin-lost-sales/L1-p4",
        reps=10,
        horizon=200,
        seed=0,
        options={"action": "order_up_to", "obs_scale": True},
    )
    for other in (single, Predictor(), Logits(), Column()):
        s = inv_gym.score(other, "zipkin-lost-sales/L1-p4", reps=10, horizon=200, seed=0)
        assert s.cost.mean == ref.cost.mean and s.gap.mean == ref.gap.mean
    assert up_to.cost.mean == ref.cost.mean


def test_scaled_observations_reach_the_policy():
    from inv_gym.envs.options import observation_scale

    seen = {True: [], False: []}

    def recorder(flag):
        def policy(obs):
            seen[flag].append(obs.copy())
            return np.full(obs.shape[0], 4)

        return policy

    for flag in (True, False):
        inv_gym.score(recorder(flag), "suite/BaseStock", reps=2, horizon=5, warmup=0, options={"obs_scale": flag})
    scale = observation_scale(get_instance("suite/BaseStock").params)
    raw, scaled = np.concatenate(seen[False]), np.concatenate(seen[True])
    assert np.any(raw != 0)
    np.testing.assert_allclose(scaled, raw / scale, rtol=1e-6)


@pytest.mark.parametrize(
    "policy, match",
    [
        (lambda obs: np.where(np.arange(obs.shape[0]) == 1, np.nan, 3.0), "non-finite action at period 0: nan"),
        (lambda obs: np.full(obs.shape[0], 21), r"period 0 is invalid: action must be in \[0, 20\]"),
        (lambda obs: np.full(obs.shape[0], 2.5), "period 0 is invalid: action must be an integer order"),
        (lambda obs: np.array(["a"] * obs.shape[0]), "non-numeric actions at period 0"),
    ],
)
def test_bad_actions_name_the_period_and_the_value(policy, match):
    with pytest.raises(ValueError, match=match):
        inv_gym.score(policy, "zipkin-lost-sales/L1-p4", reps=3, horizon=10)


def test_a_late_bad_action_names_its_period():
    calls = [0]

    def policy(obs):
        calls[0] += 1
        return np.full(obs.shape[0], -1 if calls[0] == 8 else 5)

    with pytest.raises(ValueError, match="period 7"):
        inv_gym.score(policy, "zipkin-lost-sales/L1-p4", reps=3, horizon=10, warmup=0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(instance="zipkin-lost-sales/L9-p4"), "unknown instance 'L9-p4' in set 'zipkin-lost-sales'"),
        (dict(instance="nope/L1-p4"), "unknown instance set 'nope'"),
        (dict(reps=1), "reps"),
        (dict(options={"action": "up"}), "action must be one of"),
        (dict(options={"random_start": True}, instance="suite/Newsvendor"), "random_start applies"),
    ],
)
def test_bad_arguments(kwargs, match):
    kwargs = {"instance": "zipkin-lost-sales/L1-p4", **kwargs}
    with pytest.raises(ValueError, match=match):
        inv_gym.score(_base_stock_12, kwargs.pop("instance"), horizon=5, **kwargs)


def test_not_a_policy():
    with pytest.raises(ValueError, match="a policy must be callable"):
        inv_gym.score(42, "zipkin-lost-sales/L1-p4", reps=2, horizon=5)
