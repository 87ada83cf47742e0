"""inv_gym.score on serial chains, the serial evaluator's policy protocol and ``inv-gym score serial``."""

from __future__ import annotations

import itertools
import json
import sys

import numpy as np
import pytest
import torch

import inv_gym
from agents.serial import EchelonBaseStock
from experiments.cli import main
from inv_gym.analytic.serial import serial_echelon_cost, serial_optimum
from inv_gym.instances import get_instance
from inv_gym.serial import serial_orders_from_levels
from inv_gym.serial.evaluation import serial_evaluate

EX = "serial/example-6.1"


def _levels(key: str) -> list[int]:
    return list(serial_optimum(get_instance(key).params).levels)


@pytest.mark.parametrize("key", [EX, "serial/hdpo-L2-p9"])
def test_optimal_echelon_policy_has_zero_gap(key):
    inst = get_instance(key)
    s = inv_gym.score(EchelonBaseStock(_levels(key)), key, reps=30, horizon=500, seed=3)
    assert s.paired and s.optimum_method == "clark_scarf"
    assert s.gap.ci_low <= 0.0 <= s.gap.ci_high
    assert s.cost.ci_low <= inst.optimum <= s.cost.ci_high
    assert s.heuristic_gap.mean == pytest.approx(s.cost.mean / inst.best_heuristic_cost - 1.0)


def test_suboptimal_echelon_policy_gap_matches_the_exact_gap():
    inst = get_instance(EX)
    levels = [8, 16, 24]
    exact_gap = (serial_echelon_cost(levels, inst.params) - inst.optimum) / inst.optimum
    assert exact_gap == pytest.approx(0.0584, abs=1e-4)
    s = inv_gym.score(EchelonBaseStock(levels), EX, reps=50, horizon=1000, seed=2)
    assert s.gap.ci_low <= exact_gap <= s.gap.ci_high
    assert s.gap.ci_high - s.gap.ci_low < 0.02  # paired with the optimal policy: a narrow interval


def test_every_kind_of_policy_and_option_gives_the_same_score():
    levels = np.array(_levels(EX), dtype=np.float64)
    run = dict(reps=4, horizon=60, warmup=10, seed=5)
    ref = inv_gym.score(EchelonBaseStock(levels), EX, **run)
    params = get_instance(EX).params

    def single(obs):  # one observation at a time, (M,) orders back
        return EchelonBaseStock(levels, params).act(obs)[0]

    class Predictor:
        def predict(self, obs, deterministic=True):
            return EchelonBaseStock(levels, params).act(obs).astype(np.int64), None

    class Constant(torch.nn.Module):  # (N, M) levels under order_up_to
        def forward(self, x):
            return torch.as_tensor(levels, dtype=torch.float32).expand(x.shape[0], -1)

    class Scores(torch.nn.Module):  # (N, M, k) scores of the k levels of each stage
        def forward(self, x):
            k = torch.arange(91.0)
            return -((k[None, None, :] - torch.as_tensor(levels)[None, :, None]) ** 2).expand(x.shape[0], -1, -1)

    up_to = {"action": "order_up_to", "obs_scale": True}
    scored = [
        inv_gym.score(single, EX, **run),
        inv_gym.score(Predictor(), EX, **run),
        inv_gym.score(Constant(), EX, options=up_to, **run),
        inv_gym.score(Scores(), EX, options={"action": "order_up_to"}, **run),
        inv_gym.score(lambda obs: np.tile(levels, (obs.shape[0], 1)), EX, options=up_to, **run),
        # continuous: a in [-1, 1] maps to round((a + 1) / 2 * level_upper)
        inv_gym.score(
            lambda obs: np.tile(2 * levels / np.array(params.level_upper) - 1, (obs.shape[0], 1)),
            EX,
            options={"action": "order_up_to", "continuous": True},
            **run,
        ),
    ]
    for s in scored:
        assert s.cost.mean == ref.cost.mean and s.gap.mean == ref.gap.mean == 0.0


def test_scaled_observations_reach_the_policy():
    seen = {}
    params = get_instance(EX).params

    def recorder(flag):
        def policy(obs):
            seen[flag] = obs.copy()
            return np.full((obs.shape[0], 3), 5)

        return policy

    for flag in (False, True):
        inv_gym.score(recorder(flag), EX, reps=2, horizon=4, warmup=0, options={"obs_scale": flag})
    assert np.any(seen[False] != 0)
    np.testing.assert_allclose(seen[True], seen[False] / params.obs_scale, rtol=1e-6)


@pytest.mark.parametrize(
    "policy, options, match",
    [
        (lambda o: np.where(np.arange(o.shape[0])[:, None] == 1, np.nan, np.full((o.shape[0], 3), 3.0)), {},
         r"non-finite action at period 0: nan \(replication 1, stage 1\)"),
        (lambda o: np.tile([5, 31, 5], (o.shape[0], 1)), {},
         r"period 0 is invalid: stage 2's action must be an integer in \[0, 30\], got 31.0"),
        (lambda o: np.tile([5, 5, 2.5], (o.shape[0], 1)), {}, r"stage 3's action must be an integer in \[0, 30\]"),
        (lambda o: np.tile([5, 5, 121], (o.shape[0], 1)), {"action": "order_up_to"},
         r"stage 3's action must be an integer in \[0, 120\], got 121.0"),
        (lambda o: np.full(o.shape[0], 5), {}, r"one action per stage, \(N, M\) = \(3, 3\), at period 0"),
        (lambda o: np.array([["a"] * 3] * o.shape[0]), {}, "non-numeric actions at period 0"),
    ],
)  # fmt: skip
def test_bad_actions_name_the_period_and_the_value(policy, options, match):
    with pytest.raises(ValueError, match=match):
        inv_gym.score(policy, EX, reps=3, horizon=10, options=options)


def test_a_late_bad_action_names_its_period():
    calls = [0]

    def policy(obs):
        calls[0] += 1
        return np.full((obs.shape[0], 3), -1 if calls[0] == 8 else 5)

    with pytest.raises(ValueError, match="period 7 is invalid"):
        inv_gym.score(policy, EX, reps=3, horizon=10, warmup=0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(reps=1), "reps must be an integer >= 2"),
        (dict(horizon=0), "horizon must be an integer >= 1"),
        (dict(options={"action": "up"}), "action must be one of"),
        (dict(reps=10**6, horizon=10**4), "system-periods"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        inv_gym.score(EchelonBaseStock([9, 15, 26]), EX, **{"horizon": 5, **kwargs})


def test_serial_evaluate_acts_on_observations_as_on_the_state():
    params = get_instance("serial/hdpo-L1-p4").params
    levels = serial_optimum(params).levels

    class FromState:
        def orders_from_state(self, state):
            return serial_orders_from_levels(params, state, levels)

    run = dict(reps=5, horizon=80, warmup=20, seed=9)
    a = serial_evaluate(FromState(), params, **run)
    b = serial_evaluate(EchelonBaseStock(levels, params).act, params, **run)
    for name in ("cost_per_period", "fill_rate", "average_on_hand_4", "units_ordered_2"):
        np.testing.assert_array_equal(a.per_replication[name], b.per_replication[name])
    assert a["units_ordered_1"].mean == pytest.approx(a["demand"].mean, rel=0.05)
    with pytest.raises(
        ValueError, match=r"order at period 0 \(replication 0, stage 1\) must be an integer in \[0, max_order = 30\]"
    ):
        serial_evaluate(lambda obs: np.full((obs.shape[0], 4), 31.0), params, **run)


def test_cli_scores_a_module_agent_on_the_serial_set(tmp_path, monkeypatch, capsys):
    (tmp_path / "serial_levels_agent.py").write_text(
        "import itertools\n"
        "import numpy as np\n"
        "def make(instance):\n"
        "    local = [int(x) for x in instance.best_heuristic.split('s=')[1].split()]\n"
        "    levels = np.array(list(itertools.accumulate(local)))\n"
        "    return lambda obs: np.tile(levels, (obs.shape[0], 1))\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    argv = ["score", "serial", "--agent", "serial_levels_agent:make", "--reps", "2", "--horizon", "20"]
    monkeypatch.setitem(sys.modules, "serial_levels_agent", None)  # removed again at teardown
    del sys.modules["serial_levels_agent"]
    assert main([*argv, "--warmup", "5", "--set", "action=order_up_to", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 18 and all(r["optimum_method"] == "clark_scarf" and r["paired"] for r in rows)
    assert all(r["gap"] == 0.0 for r in rows)  # the optimal levels: the same cost as the simulated optimum
    # a single instance, the Markdown leaderboard
    one = ["score", EX, "--agent", "serial_levels_agent:make", "--reps", "2", "--horizon", "20"]
    assert main([*one, "--set", "action=order_up_to"]) == 0
    assert "| serial/example-6.1 | 52.0467 (clark_scarf) |" in capsys.readouterr().out


def test_neighbours_of_the_optimal_levels_have_positive_gaps():
    # the paired gap is positive for every neighbour of the optimal levels on Example 6.1
    inst = get_instance(EX)
    best = _levels(EX)
    for delta in itertools.islice(itertools.product((-2, 2), repeat=3), 3):
        lv = [s + d for s, d in zip(best, delta)]
        s = inv_gym.score(EchelonBaseStock(lv), inst, reps=20, horizon=400, seed=6)
        assert s.gap.ci_low > 0.0
