"""The native PPO on serial chains: the MultiDiscrete action, the policy's map, scoring, files, learning."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import torch

from agents.native_ppo import (
    NativePPOConfig,
    NativePPOSerialPolicy,
    ObsNormaliser,
    _level_prior_logits,
    default_action,
    default_reward_scale,
    load,
    make_env,
    train,
)
from inv_gym import score
from inv_gym.analytic.serial import serial_echelon_cost, serial_optimum
from inv_gym.params import InventoryParams
from inv_gym.serial import SerialParams, SerialVectorEnv
from inv_gym.serial.evaluation import serial_evaluate

TINY = dict(timesteps=256, n_envs=8, rollout_steps=16, minibatch_size=32, epochs=2, hidden=(16, 16))

#: Two stages, Poisson(3), L = (0, 1), h' = (2, 1), p = 9: Clark-Scarf levels (5, 9), 7.2361 per period.
SMALL = SerialParams(demand="poisson:3", lead_times=(0, 1), holding_costs=(2.0, 1.0), backorder_cost=9.0, max_order=10)


def test_trains_on_the_serial_id_with_one_softmax_per_stage():
    agent = train("inv_gym/Serial-v0", NativePPOConfig(seed=0, **TINY))
    params = agent.params
    assert isinstance(params, SerialParams) and params == SerialParams() and agent.env_id == "inv_gym/Serial-v0"
    # the echelon order-up-to action by default: levels 0 .. max_order (L_1 + .. + L_m + 1) per stage
    assert agent.config.action == default_action(params) == "order_up_to"
    envs = make_env(params, agent.config, 1.0)
    assert isinstance(envs, SerialVectorEnv) and envs.action_mode == "order_up_to"
    nvec = tuple(int(n) for n in envs.single_action_space.nvec)
    assert nvec == (31, 61, 121)
    assert agent.actor[0].in_features == params.obs_dim == 9
    assert agent.actor[-1].out_features == sum(nvec)
    assert agent.reward_scale == default_reward_scale(params) == pytest.approx(1 / (5 * 37.12))
    assert agent.timesteps == 256 and len(agent.log) == 2 and agent.log[-1]["cost_per_period"] > 0
    again = train(SerialParams(), NativePPOConfig(seed=0, **TINY))
    state, state2 = agent.actor.state_dict(), again.actor.state_dict()
    assert all(torch.equal(state[k], state2[k]) for k in state) and again.env_id is None
    orders = agent.policy().act(np.zeros((5, params.obs_dim), dtype=np.float32))
    assert orders.shape == (5, 3) and np.all((orders >= 0) & (orders <= params.max_order))


def _run(env: SerialVectorEnv, choose, periods: int = 40) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Step ``env`` (reset with seed 3) with ``choose(obs)``; the observations seen and the events, per period."""
    obs, _ = env.reset(seed=3)
    seen, events = [], []
    for _ in range(periods):
        seen.append(obs)
        obs, _, _, _, info = env.step(choose(obs))
        events.append(info)
    return np.stack(seen), {k: np.stack([e[k] for e in events]) for k in ("ordered_1", "ordered_2", "cost")}


@pytest.mark.parametrize("action", ["order_up_to", "order"])
def test_serial_policy_on_raw_observations_orders_what_the_env_orders(action):
    """Env A: the training env's options, stepped with the network's greedy actions on the
    observations standardised by the agent's frozen statistics; env B: the plain chain
    (``action="order"``), stepped with the policy's orders from raw observations."""
    params = SMALL.replace(lead_times=(1, 2))
    agent = train(params, NativePPOConfig(seed=1, action=action, **TINY))
    assert agent.config.action == action
    nvec = tuple(int(n) for n in make_env(params, agent.config, 1.0).single_action_space.nvec)
    policy = agent.policy()
    assert isinstance(policy, NativePPOSerialPolicy)

    norm = agent.obs_norm
    assert norm is not None and norm.count == TINY["timesteps"] + 8 and np.all(norm.var >= 0)

    def greedy(obs: np.ndarray) -> np.ndarray:
        z = np.clip((obs - norm.mean) / np.sqrt(norm.var + 1e-8), -10, 10)
        with torch.inference_mode():
            parts = agent.actor(torch.from_numpy(z.astype(np.float32))).split(nvec, dim=1)
        return torch.stack([z.argmax(dim=1) for z in parts], dim=1).numpy()

    obs_a, events_a = _run(SerialVectorEnv(16, params, action=action, obs_scale=True), greedy)
    obs_b, events_b = _run(SerialVectorEnv(16, params), policy.act)
    np.testing.assert_allclose(obs_a, obs_b / params.obs_scale, rtol=1e-6)
    for key, value in events_a.items():
        np.testing.assert_array_equal(value, events_b[key])
    assert events_b["ordered_1"].sum() > 0 and events_b["ordered_2"].sum() > 0
    assert policy.act(obs_b[-1]).shape == (16, 2)
    single, _ = policy.predict(obs_b[-1, 0])
    assert single.shape == (2,) and single.dtype == np.int64


def test_evaluate_and_score_on_the_serial_evaluator():
    agent = train("inv_gym/Serial-v0", NativePPOConfig(seed=2, **TINY))
    ev = agent.evaluate(reps=4, horizon=50, warmup=10, seed=1)
    assert ev.params == agent.params and ev["cost_per_period"].mean > 0
    direct = serial_evaluate(agent.policy(), agent.params, reps=4, horizon=50, warmup=10, seed=1)
    assert direct["cost_per_period"].mean == ev["cost_per_period"].mean
    s = score(agent.policy(), "serial/example-6.1", reps=4, horizon=50, warmup=10, seed=1)
    assert s.cost.mean == pytest.approx(ev["cost_per_period"].mean)  # the same draws, the same orders
    assert s.optimum == pytest.approx(52.046741) and s.paired


def test_save_load_round_trip_of_a_chain_without_pickle(tmp_path):
    agent = train(SMALL, NativePPOConfig(seed=2, **TINY), out=str(tmp_path / "a"))
    assert sorted(os.listdir(tmp_path / "a")) == ["agent.json", "weights.pt"]
    meta = json.loads((tmp_path / "a" / "agent.json").read_text())
    assert meta["model"] == "serial" and meta["params"]["lead_times"] == [0, 1]
    back = load(str(tmp_path / "a"))
    assert isinstance(back.params, SerialParams)
    assert back.params == agent.params and back.config == agent.config and back.log == agent.log
    np.testing.assert_array_equal(back.obs_norm.mean, agent.obs_norm.mean)
    np.testing.assert_array_equal(back.obs_norm.var, agent.obs_norm.var)
    assert meta["obs_norm"]["count"] == agent.obs_norm.count > 0
    obs = np.array([[0, 0, 0, 0, 0], [3, 0, 5, 0, 2], [10, 4, 20, 1, 9]], dtype=np.float32)
    np.testing.assert_array_equal(back.policy().act(obs), agent.policy().act(obs))
    meta["model"] = "network"
    (tmp_path / "a" / "agent.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="model must be one of"):
        load(str(tmp_path / "a"))


def test_obs_normaliser_pools_batches_into_the_moments_of_all_observations():
    rng = np.random.default_rng(0)
    batches = [rng.normal(3.0, 2.0, size=(n, 4)) for n in (1, 7, 50, 3)]
    norm = ObsNormaliser(4)
    for b in batches:
        norm.update(b)
    pooled = np.concatenate(batches)
    assert norm.count == 61
    np.testing.assert_allclose(norm.mean, pooled.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(norm.var, pooled.var(axis=0), rtol=1e-12)
    z = norm.apply(pooled)
    assert z.dtype == np.float32
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-5)
    flat = ObsNormaliser(2, mean=[1.0, 1.0], var=[0.0, 4.0], count=5)  # an entry that never varied
    np.testing.assert_array_equal(flat.apply(np.array([[2.0, 3.0], [0.0, 1.0]])), [[10.0, 1.0], [-10.0, 0.0]])
    back = ObsNormaliser.from_dict(json.loads(json.dumps(norm.to_dict())), 4)
    np.testing.assert_array_equal(back.apply(pooled), z)
    with pytest.raises(ValueError, match="obs_norm must hold"):
        ObsNormaliser(3, mean=[0.0, 0.0], var=[1.0, 1.0])
    with pytest.raises(ValueError, match="obs_norm must hold"):
        ObsNormaliser(2, mean=[0.0, 0.0], var=[1.0, -1.0])


def test_initial_levels_centre_on_each_echelons_lead_time_demand():
    """Example 6.1: Poisson(5), L = (0, 1, 2): echelon demand over 1, 2, 4 periods, means 5, 10, 20."""
    params = SerialParams()
    bias = _level_prior_logits(params)
    parts = np.split(bias, np.cumsum([u + 1 for u in params.level_upper])[:-1])
    assert [int(b.argmax()) for b in parts] == [5, 10, 20]
    assert all(b.max() == 0.0 and b.min() == -8.0 for b in parts)
    assert parts[2][20 + 4] == pytest.approx(-(4**2) / (2 * 5 * 4))
    # wired into training: 16 Adam steps of 1e-3 move a bias by at most about 0.016
    agent = train(params, NativePPOConfig(seed=0, **TINY))
    np.testing.assert_allclose(agent.actor[-1].bias.detach().numpy(), bias, atol=0.05)
    order_only = train(params, NativePPOConfig(seed=0, action="order", **TINY))  # orders: no level prior
    assert order_only.actor[-1].bias.abs().max() < 0.05


def test_serial_bad_input_is_refused():
    with pytest.raises(ValueError, match="registered id, InventoryParams or SerialParams"):
        train({"n_stages": 2}, NativePPOConfig(**TINY))
    with pytest.raises(ValueError, match="unknown parameter"):
        train("inv_gym/Serial-v0", NativePPOConfig(**TINY), overrides={"lead_time": 2})
    with pytest.raises(ValueError, match="lead_times must have one entry per stage"):
        train("inv_gym/Serial-v0", NativePPOConfig(**TINY), overrides={"n_stages": 2})
    with pytest.raises(ValueError, match="params must be InventoryParams or SerialParams"):
        default_reward_scale(object())
    agent = train(SMALL, NativePPOConfig(seed=0, **TINY))
    with pytest.raises(ValueError, match="observation entries"):
        NativePPOSerialPolicy(agent.actor, action="order_up_to", params=SMALL.replace(lead_times=(1, 1)))
    with pytest.raises(ValueError, match="observation entries"):
        NativePPOSerialPolicy(agent.actor, action="order", params=SMALL)  # 11 + 11 actions, not 11 + 21
    with pytest.raises(ValueError, match="params must be SerialParams"):
        agent.policy().bind(InventoryParams())
    with pytest.raises(RuntimeError, match="not bound"):
        NativePPOSerialPolicy(agent.actor, action="order_up_to").act(np.zeros((1, 5), dtype=np.float32))


def test_native_ppo_learns_a_small_two_stage_chain():
    """200,000 steps, seed 0: within 1% of the Clark-Scarf optimum (levels (5, 9), 7.2361).

    Measured (paired as below), seeds 0, 1, 2: -0.18%, -0.09%, +0.39% at 200,000 steps;
    -0.04%, 2.2%, 0.11% at 100,000; 14 to 26% at 50,000 (before the chain's learning aids
    of agents/native_ppo.py: 0.27% at seed 0 and 200,000 steps, 4.6% at 100,000). One
    level off costs (exactly, ``serial_echelon_cost``): S_1 = 4 +11.6%, S_2 = 10 +7.4%,
    S_1 = 6 +0.7%, S_2 = 8 +0.2%: 1% admits the optimal levels, their cheap neighbours, or
    a state-dependent policy as good. The cost is paired with the optimal policy's on
    the same demand (common random numbers), so the tolerance is not spent on noise.
    """
    sol = serial_optimum(SMALL)
    assert sol.levels == (5, 9) and serial_echelon_cost((4, 9), SMALL) > 1.1 * sol.cost
    agent = train(SMALL, NativePPOConfig(timesteps=200_000, seed=0, n_envs=64, horizon=64))
    run = dict(reps=50, horizon=1000, warmup=100, seed=1)
    cost = agent.evaluate(**run).per_replication["cost_per_period"]

    class Optimal:
        def orders_from_state(self, state):
            from inv_gym.serial import serial_orders_from_levels

            return serial_orders_from_levels(SMALL, state, sol.levels)

    ref = serial_evaluate(Optimal(), SMALL, **run).per_replication["cost_per_period"]
    gap = float(np.mean(cost - ref)) / sol.cost
    assert gap <= 0.01, (gap, cost.mean(), sol.cost)


def test_cli_train_native_ppo_on_a_chain_saves_and_scores(tmp_path, capsys):
    from experiments.cli import main

    out = tmp_path / "run"
    argv = ["train", "Serial", "--algo", "native_ppo", "--timesteps", "2048", "--n-envs", "16", "--train-horizon", "32"]
    sets = ["--set", "lead_times=0,1", "--set", "holding_costs=2,1", "--set", "max_order=10"]
    assert main([*argv, *sets, "--eval-reps", "4", "--eval-horizon", "50", "--out", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["env_id"] == "inv_gym/Serial-v0" and data["algo"] == "native_ppo" and data["timesteps"] == 2048
    assert data["cost_per_period"]["ci_low"] <= data["cost_per_period"]["mean"] <= data["cost_per_period"]["ci_high"]
    back = load(str(out))
    assert back.params == SerialParams(lead_times=(0, 1), holding_costs=(2.0, 1.0), max_order=10)
    assert (back.config.n_envs, back.config.horizon, back.env_id) == (16, 32, "inv_gym/Serial-v0")
    bad = [*argv[:2], "--algo", "native_ppo", "--set", "lead_time=2", "--out", str(tmp_path / "x")]
    assert main(bad) == 2
    assert "unknown parameter 'lead_time'" in capsys.readouterr().err


def test_select_every_restores_the_chain_observation_statistics_of_the_best_check():
    from agents.native_ppo import SELECT_HORIZON, SELECT_REPS, SELECT_WARMUP, select_seed

    agent = train(SMALL, NativePPOConfig(seed=1, select_every=1, **{**TINY, "timesteps": 4 * 128}))
    costs = [row["check_cost"] for row in agent.log if "check_cost" in row]
    assert len(costs) == 2  # iterations 2 and 3 of 4
    again = serial_evaluate(
        agent.policy(), SMALL, reps=SELECT_REPS, horizon=SELECT_HORIZON, warmup=SELECT_WARMUP, seed=select_seed(1)
    )
    assert -again["reward_per_period"].mean == pytest.approx(min(costs))
