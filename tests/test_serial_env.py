"""inv_gym/Serial-v0: the registry checks of every id, the options, and the chain kernel's rules."""

from __future__ import annotations

import os
import pickle
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import inv_gym  # noqa: F401  (registers the ids)
from inv_gym.dynamics import EV, initial_state, kernel_params, step
from inv_gym.envs import InventoryEnv, draw_paths
from inv_gym.presets import preset_params
from inv_gym.serial import (
    SerialEnv,
    SerialParams,
    SerialVectorEnv,
    serial_echelon_position,
    serial_event_index,
    serial_initial_state,
    serial_installation_position,
    serial_orders_from_levels,
    serial_step,
)
from tests.test_envs import rollout

ID = "inv_gym/Serial-v0"


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"continuous": True},
        {"action": "order_up_to"},
        {"obs_scale": True, "random_start": True, "reward_scale": 0.01},
    ],
)
def test_checkers_pass_without_warnings(options):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gym.make(ID, **options)
        gym_check_env(env.unwrapped, skip_render_check=True)
        sb3_check_env(SerialEnv(**options), warn=True)


def test_spaces_types_and_truncation():
    env = gym.make(ID, horizon=30)
    p = env.unwrapped.params
    assert env.action_space == gym.spaces.MultiDiscrete([p.max_order + 1] * 3)
    assert env.observation_space.shape == (p.obs_dim,) == (2 * 3 + 0 + 1 + 2,)
    assert np.all(np.isfinite(env.observation_space.high))
    obs, _ = env.reset(seed=3)
    for t in range(30):
        obs, r, term, trunc, info = env.step(env.action_space.sample())
        assert type(r) is float and type(term) is bool and type(trunc) is bool
        assert env.observation_space.contains(obs)
        assert not term and trunc == (t == 29)
    assert env.spec.max_episode_steps == 30
    assert gym.make(ID).spec.max_episode_steps == SerialParams().horizon == 1000
    assert gym.make(ID, max_episode_steps=7).spec.max_episode_steps == 7
    assert gym.make_vec(ID, num_envs=2, max_episode_steps=7).spec.max_episode_steps == 7


def test_deterministic_for_a_seed():
    acts = list(np.random.default_rng(1).integers(0, 9, (40, 3)))
    a = rollout(gym.make(ID), 11, 60, acts)
    b = rollout(gym.make(ID), 11, 60, acts)
    c = rollout(gym.make(ID), 12, 60, acts)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[2] == b[2]
    assert [i["demand"] for i in a[2]] != [i["demand"] for i in c[2]]


def test_pickle_round_trip_mid_episode():
    env = gym.make(ID, action="order_up_to", random_start=True)
    env.reset(seed=5)
    for _ in range(3):
        env.step(np.array([9, 15, 26]))
    clone = pickle.loads(pickle.dumps(env))
    for _ in range(5):
        x, y = env.step(np.array([9, 15, 26])), clone.step(np.array([9, 15, 26]))
        np.testing.assert_array_equal(x[0], y[0])
        assert x[1:] == y[1:]
    venv = gym.make_vec(ID, num_envs=4, horizon=6, random_start=True)
    venv.reset(seed=5)
    for _ in range(3):
        venv.step(np.full((4, 3), 2))
    vclone = pickle.loads(pickle.dumps(venv))
    for t in range(10):  # crosses an autoreset
        x, y = venv.step(np.full((4, 3), t % 5)), vclone.step(np.full((4, 3), t % 5))
        for u, v in zip(x[:4], y[:4]):
            np.testing.assert_array_equal(u, v)
        for k in x[4]:
            np.testing.assert_array_equal(x[4][k], y[4][k])


def test_make_vec_is_native_and_matches_single_envs():
    venv = gym.make_vec(ID, num_envs=3)
    assert isinstance(venv, SerialVectorEnv)
    assert venv.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    obs, _ = venv.reset(seed=0)
    assert obs.shape == (3, venv.params.obs_dim) and obs.dtype == np.float32
    actions = np.random.default_rng(2).integers(0, 12, (20, 3, 3))
    demand, _ = draw_paths(preset_params("inv_gym/BaseStock-v0", demand="poisson:5"), 0, 3, 20)
    singles = [SerialEnv() for _ in range(3)]
    for i, env in enumerate(singles):
        env.reset(options={"demand": demand[i]})
    for t in range(20):
        o, r, term, trunc, info = venv.step(actions[t])
        assert venv.observation_space.contains(o) and r.shape == (3,) and not term.any()
        np.testing.assert_array_equal(info["demand"], demand[:, t])
        for i, env in enumerate(singles):
            so, sr, _, _, sinfo = env.step(actions[t, i])
            np.testing.assert_array_equal(so, o[i])
            assert sr == r[i] and sinfo == {k: info[k][i] for k in sinfo}


@pytest.mark.parametrize("mode", ["vector_entry_point", "sync", "async"])
def test_make_vec_max_episode_steps_in_every_mode(mode):
    venv = gym.make_vec(ID, num_envs=4, max_episode_steps=7, vectorization_mode=mode)
    venv.reset(seed=0)
    truncs = []
    for _ in range(8):
        _, _, term, trunc, _ = venv.step(np.full((4, 3), 3))
        truncs.append(bool(trunc.all()))
        assert not term.any()
    venv.close()
    assert truncs == [False] * 6 + [True, False]


def test_next_step_autoreset():
    venv = SerialVectorEnv(2, horizon=2, initial_inventory=[4, 5, 6])
    obs0, _ = venv.reset(seed=0)
    venv.step(np.full((2, 3), 1))
    _, _, _, trunc, _ = venv.step(np.full((2, 3), 1))
    assert trunc.tolist() == [True, True]
    obs, rew, term, trunc, info = venv.step(np.full((2, 3), 9))
    np.testing.assert_array_equal(obs, obs0)
    assert rew.tolist() == [0, 0] and not trunc.any() and info == {}


def test_options_random_start_scale_reward():
    env = SerialEnv(random_start=True, obs_scale=True, reward_scale=0.5)
    starts = {tuple(env.reset(seed=s)[0][[0, 2, 4]]) for s in range(6)}
    assert len(starts) > 1  # drawn at every reset
    o1, _ = env.reset(seed=9)
    o2, _ = env.reset(seed=9)
    np.testing.assert_array_equal(o1, o2)
    assert env.observation_space.high[0] == pytest.approx(env.params.stock_upper / 5.0)
    # the start draw does not shift the demand stream
    plain = SerialEnv()
    plain.reset(seed=9)
    _, r, _, _, info = env.step(np.zeros(3, dtype=int))
    _, _, _, _, pinfo = plain.step(np.zeros(3, dtype=int))
    assert info["demand"] == pinfo["demand"] and r == -0.5 * info["cost"]
    assert o1[0] * 5.0 == info["on_hand_1"] + info["sold"]


def test_order_up_to_maps_to_echelon_base_stock():
    params = SerialParams()
    env = SerialEnv(params, action="order_up_to")
    assert env.action_space == gym.spaces.MultiDiscrete([31, 61, 121])
    env.reset(seed=0)
    for _ in range(30):
        state = env.state.copy()
        ip = serial_echelon_position(params, state)[0]
        _, _, _, _, info = env.step(np.array([9, 15, 26]))
        q = [info[f"ordered_{m}"] for m in (1, 2, 3)]
        np.testing.assert_array_equal(q, np.clip(np.array([9, 15, 26]) - ip, 0, params.max_order))
    with pytest.raises(ValueError, match="echelon levels"):
        env.step(np.array([31, 0, 0]))


def test_render_modes():
    env = gym.make(ID, render_mode="ansi")
    env.reset(seed=0)
    assert env.render().startswith("t=0") and "stage 3" in env.render()
    env = gym.make(ID, render_mode="rgb_array")
    env.reset(seed=0)
    f0 = env.render()
    env.step(np.array([10, 10, 10]))
    env.step(np.array([10, 10, 10]))
    f1 = env.render()
    assert f0.dtype == np.uint8 and f0.shape == f1.shape == (160, 72 * 3 + 48, 3)
    assert (f0 != f1).any()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_stages": 0}, "n_stages must be an integer >= 1"),
        ({"lead_times": [1, 1], "holding_costs": [1, 2, 3]}, "per-stage lists must have the same length"),
        ({"n_stages": 2}, "lead_times must have one entry per stage"),
        ({"lead_times": [0, -1, 2]}, "lead_times must be >= 0"),
        ({"lead_times": [0, 1.5, 2]}, "lead_times must be integers"),
        ({"holding_costs": [1, -1, 0]}, "holding_costs must be >= 0"),
        ({"backorder_cost": -2}, "backorder_cost must be >= 0"),
        ({"demand": "normal:mean=5,sd=1"}, "demand must be a distribution of integers"),
        ({"demand": "poison:5"}, "unknown distribution family"),
        ({"max_order": 0}, "max_order must be an integer >= 1"),
        ({"holding_cost": 1}, "unknown parameter"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SerialEnv(**kwargs)


def test_bad_options_and_actions():
    with pytest.raises(ValueError, match="action must be one of"):
        SerialEnv(action="levels")
    with pytest.raises(ValueError, match="reward_scale must be"):
        SerialEnv(reward_scale=0)
    env = SerialEnv()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="one per stage"):
        env.step(np.array([1, 2]))
    with pytest.raises(ValueError, match="orders in"):
        env.step(np.array([1, 2, 31]))
    with pytest.raises(ValueError, match="unknown reset option"):
        env.reset(options={"lead_times": [1]})
    with pytest.raises(ValueError, match="may total at most 90 units"):
        env.reset(options={"initial_inventory": [50, 50, 0]})
    obs, _ = env.reset(options={"initial_inventory": [30, 30, 30]})
    assert env.observation_space.contains(obs)


# -- the chain kernel -------------------------------------------------------------


def test_one_stage_chain_equals_base_stock_event_for_event():
    bs = preset_params("inv_gym/BaseStock-v0")  # Poisson(5), L = 2, h = 1, b = 9
    sp = SerialParams(n_stages=1, demand=bs.demand, lead_times=[2], holding_costs=[1.0], backorder_cost=9.0)
    n, horizon = 64, 80
    demand, _ = draw_paths(bs, 7, n, horizon)
    orders = np.random.default_rng(0).integers(0, 12, (horizon, n)).astype(float)
    state, chain = initial_state(bs, n), serial_initial_state(sp, n)
    p = kernel_params(bs)
    idx = serial_event_index(1)
    pairs = {
        "ordered": "ordered_1",
        "received": "received_1",
        "on_hand": "on_hand_1",
        **{k: k for k in ("demand", "sold", "backorders_filled", "backordered", "stockout", "backorders")},
        **{k: k for k in ("holding_cost", "backorder_cost", "cost", "reward")},
    }
    for t in range(horizon):
        ev = step(p, state, orders[t].copy(), demand[:, t].copy(), np.full(n, 2), np.zeros(n, dtype=bool))
        sev = serial_step(sp, chain, orders[t].reshape(n, 1).copy(), demand[:, t].copy())
        for a, b in pairs.items():
            np.testing.assert_array_equal(ev[:, EV[a]], sev[:, idx[b]], err_msg=f"{a} at t={t}")
        np.testing.assert_array_equal(state.pipeline, chain.pipeline[:, 0, :])
    # and through the environments, on the same seed
    env, senv = InventoryEnv(bs), SerialEnv(sp)
    o, _ = env.reset(seed=3)
    so, _ = senv.reset(seed=3)
    for t in range(50):
        o, r, _, _, info = env.step(int(orders[t, 0]))
        so, sr, _, _, sinfo = senv.step(np.array([int(orders[t, 0])]))
        assert r == sr and info["demand"] == sinfo["demand"]
        assert o[0] == so[0] - so[1] and (o[1:] == so[2:]).all()


@st.composite
def chains(draw):
    m = draw(st.integers(1, 4))
    lead = draw(st.lists(st.integers(0, 3), min_size=m, max_size=m))
    n, horizon = 3, draw(st.integers(1, 25))
    orders = draw(st.lists(st.integers(0, 9), min_size=n * m * horizon, max_size=n * m * horizon))
    demand = draw(st.lists(st.integers(0, 12), min_size=n * horizon, max_size=n * horizon))
    init = draw(st.lists(st.integers(0, 10), min_size=m, max_size=m))
    return m, lead, n, horizon, np.array(orders, float).reshape(horizon, n, m), np.array(demand, float), init


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chains())
def test_stock_balance_shipping_and_lead_times(case):
    m, lead, n, horizon, orders, demand, init = case
    demand = demand.reshape(horizon, n)
    params = SerialParams(n_stages=m, lead_times=lead, holding_costs=list(range(m, 0, -1)), initial_inventory=init)
    state = serial_initial_state(params, n)
    idx = serial_event_index(m)
    arrivals = np.zeros((horizon + 5, n, m))
    start_total = state.on_hand.sum(axis=1).copy()
    ordered_top = np.zeros(n)
    for t in range(horizon):
        oh0, bo0 = state.on_hand.copy(), state.backorders.copy()
        ev = serial_step(params, state, orders[t].copy(), demand[t].copy())

        def g(name, k, ev=ev):
            return ev[:, idx[f"{name}_{k + 1}"]]

        for k in range(m):
            # no stage ships more than it had on hand after its receipts
            if k >= 1:
                assert np.all(g("shipped", k) <= oh0[:, k] + (g("received", k) if lead[k] == 0 else 0) + 1e-9)
            # stock balance at every stage: on hand + received - shipped = next on hand
            np.testing.assert_allclose(oh0[:, k] + g("received", k) - g("shipped", k), state.on_hand[:, k])
            # what the upstream stage (or supplier) sends is what stage k receives L_k periods later
            sent = g("shipped", k + 1) if k + 1 < m else g("ordered", k)
            arrivals[t + lead[k], :, k] += sent
            if k >= 1:  # backorders owed to the stage below
                np.testing.assert_allclose(bo0[:, k] + g("ordered", k - 1) - g("shipped", k), state.backorders[:, k])
        np.testing.assert_allclose(
            bo0[:, 0] + ev[:, idx["backordered"]] - ev[:, idx["backorders_filled"]], state.backorders[:, 0]
        )
        # received at stage k in this step = L_k = 0 shipment of t + arrival due at t + 1
        for k in range(m):
            due = (arrivals[t, :, k] if lead[k] == 0 else 0) + (arrivals[t + 1, :, k] if lead[k] > 0 else 0)
            np.testing.assert_allclose(g("received", k), due)
        ordered_top += g("ordered", m - 1)
    # the chain as a whole: stock + in transit - backorders = start + supplier shipments - demand
    total = state.on_hand.sum(axis=1) + state.pipeline.sum(axis=(1, 2)) - state.backorders[:, 0]
    np.testing.assert_allclose(total, start_total + ordered_top - demand.sum(axis=0))
    # positions are consistent with the state
    ech = serial_echelon_position(params, state)
    inst = serial_installation_position(params, state)
    np.testing.assert_allclose(ech[:, -1], total)
    np.testing.assert_allclose(inst.sum(axis=1), total)
    q = serial_orders_from_levels(params, state, np.full(m, 50.0))
    np.testing.assert_allclose(q, np.clip(50.0 - ech, 0, params.max_order))


def test_autoreset_step_matches_the_sync_env_and_masks_info():
    native = gym.make_vec(ID, num_envs=2, horizon=3)
    sync = gym.make_vec(ID, num_envs=2, horizon=3, vectorization_mode="sync")
    native.reset(seed=0)
    sync.reset(seed=0)
    for _ in range(3):  # (the sync env seeds its copies 0 and 1: other demand, same flags)
        a, b = native.step(np.full((2, 3), 2)), sync.step(np.full((2, 3), 2))
        for u, v in zip(a[2:4], b[2:4]):
            np.testing.assert_array_equal(u, v)
    bad = np.full((2, 3), 10**6)  # ignored and not validated on the autoreset step, by both
    a, b = native.step(bad), sync.step(bad)
    for u, v in zip(a[:4], b[:4]):
        np.testing.assert_array_equal(u, v)
    assert a[4].keys() == b[4].keys() == set()
    with pytest.raises(ValueError, match="max_order"):
        native.step(bad)
    venv = SerialVectorEnv(3, horizon=5)
    venv.reset(seed=0)
    venv._steps[:] = [4, 0, 0]  # copy 0 ends at the next step
    venv.step(np.ones((3, 3), dtype=int))
    _, rew, _, trunc, info = venv.step(np.array([[99, 99, 99], [1, 1, 1], [1, 1, 1]]))
    assert rew[0] == 0 and not trunc[0]
    assert info["_ordered_1"].tolist() == [False, True, True] and info["ordered_1"].tolist() == [0, 1, 1]


def test_stable_baselines3_tools_and_record_video(tmp_path):
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.evaluation import evaluate_policy
    from stable_baselines3.common.vec_env import VecNormalize

    from agents.serial import EchelonBaseStock

    venv = make_vec_env(ID, n_envs=2, seed=0, env_kwargs={"horizon": 20, "action": "order_up_to", "obs_scale": True})
    model = PPO("MlpPolicy", venv, n_steps=16, batch_size=16, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=32)
    mean, _ = evaluate_policy(model, venv, n_eval_episodes=2)
    assert np.isfinite(mean)
    # a heuristic through SB3's evaluate_policy: the env's order action space
    plain = make_vec_env(ID, n_envs=2, seed=0, env_kwargs={"horizon": 50})
    mean, _ = evaluate_policy(EchelonBaseStock([9, 15, 26], SerialParams()), plain, n_eval_episodes=2)
    low, _ = evaluate_policy(EchelonBaseStock([2, 4, 6], SerialParams()), plain, n_eval_episodes=2)
    assert low < mean < 0
    norm = VecNormalize(make_vec_env(ID, n_envs=2, seed=1))
    norm.reset()
    obs, *_ = norm.step(np.zeros((2, 3), dtype=np.int64))
    assert np.all(np.isfinite(obs))
    pytest.importorskip("moviepy")
    env = gym.wrappers.RecordVideo(
        gym.make(ID, render_mode="rgb_array", horizon=6),
        str(tmp_path / "video"),
        episode_trigger=lambda e: True,
        disable_logger=True,
    )
    env.reset(seed=0)
    for _ in range(6):
        env.step(np.array([5, 5, 5]))
    env.close()
    assert any(f.endswith(".mp4") for f in os.listdir(tmp_path / "video"))


def test_same_step_autoreset_keeps_the_final_observation():
    venv = SerialVectorEnv(2, horizon=3, initial_inventory=[4, 5, 6], autoreset_mode="same_step")
    assert venv.metadata["autoreset_mode"] == gym.vector.AutoresetMode.SAME_STEP
    obs0, _ = venv.reset(seed=0)
    for _ in range(3):
        obs, rew, term, trunc, info = venv.step(np.full((2, 3), 2))
    assert trunc.tolist() == [True, True] and not term.any()
    np.testing.assert_array_equal(obs, obs0)  # already restarted
    assert info["_final_obs"].tolist() == [True, True] and info["final_obs"][0].shape == obs0[0].shape
    assert not np.array_equal(np.stack(info["final_obs"]), obs0)
    obs, rew, term, trunc, info = venv.step(np.full((2, 3), 2))
    assert not trunc.any() and np.all(rew < 0) and "final_obs" not in info
    with pytest.raises(ValueError, match="autoreset_mode must be one of"):
        SerialVectorEnv(2, autoreset_mode="later")
