"""Every registered id: checkers, determinism, pickling, vector env, paths agree."""

from __future__ import annotations

import pickle
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import inv_gym
from inv_gym.dynamics import EV, EVENTS, initial_state, kernel_params, observe, step
from inv_gym.envs import InventoryEnv, InventoryVectorEnv, draw_paths
from inv_gym.presets import preset_params
from tests.actions import act, acts

IDS = inv_gym.ENV_IDS


def rollout(env, seed, n_steps, actions):
    obs, _ = env.reset(seed=seed)
    out = [obs]
    rewards, infos = [], []
    for t in range(n_steps):
        obs, r, term, trunc, info = env.step(actions[t % len(actions)])
        out.append(obs)
        rewards.append(r)
        infos.append(info)
        if term or trunc:
            obs, _ = env.reset()
            out.append(obs)
    return np.array(out), np.array(rewards), infos


@pytest.mark.parametrize("continuous", [False, True])
@pytest.mark.parametrize("env_id", IDS)
def test_checkers_pass_without_warnings(env_id, continuous):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = gym.make(env_id, continuous=continuous)
        gym_check_env(env.unwrapped, skip_render_check=True)
        sb3_check_env(InventoryEnv(preset_params(env_id), continuous=continuous), warn=True)


@pytest.mark.parametrize("env_id", IDS)
def test_spaces_and_types(env_id):
    env = gym.make(env_id)
    params = env.unwrapped.params
    if params.dual_sourcing:
        assert env.action_space == gym.spaces.MultiDiscrete([params.max_order + 1, params.expedited_max + 1])
    else:
        assert env.action_space == gym.spaces.Discrete(params.max_order + 1)
    assert env.observation_space.dtype == np.float32
    assert np.all(np.isfinite(env.observation_space.low)) and np.all(np.isfinite(env.observation_space.high))
    obs, info = env.reset(seed=3)
    assert obs.dtype == np.float32 and env.observation_space.contains(obs)
    for _ in range(50):
        obs, r, term, trunc, info = env.step(env.action_space.sample())
        assert type(r) is float and type(term) is bool and type(trunc) is bool
        assert env.observation_space.contains(obs)
        assert set(EVENTS) <= set(info) and isinstance(info, dict)
        if term or trunc:
            assert term == params.finite_horizon and trunc == (not params.finite_horizon)
            obs, _ = env.reset()


@pytest.mark.parametrize("env_id", IDS)
def test_deterministic_for_a_seed(env_id):
    space = gym.make(env_id).action_space
    seq = [act(space, k) for k in np.random.default_rng(1).integers(0, 8, 40)]
    a = rollout(gym.make(env_id), 11, 60, seq)
    b = rollout(gym.make(env_id), 11, 60, seq)
    c = rollout(gym.make(env_id), 12, 60, seq)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[2] == b[2]
    if env_id != "inv_gym/EOQ-v0":  # deterministic demand
        assert [i["demand"] for i in a[2]] != [i["demand"] for i in c[2]]


@pytest.mark.parametrize("env_id", IDS)
def test_pickle_round_trip_mid_episode(env_id):
    env = gym.make(env_id)
    env.reset(seed=5)
    for _ in range(min(3, env.unwrapped.params.horizon - 1)):
        env.step(act(env.action_space, 2))
    clone = pickle.loads(pickle.dumps(env))
    for _ in range(5):
        x, y = env.step(act(env.action_space, 1)), clone.step(act(env.action_space, 1))
        np.testing.assert_array_equal(x[0], y[0])
        assert x[1:] == y[1:]
        if x[2] or x[3]:
            break
    venv = gym.make_vec(env_id, num_envs=4)
    venv.reset(seed=5)
    space = venv.single_action_space
    for _ in range(3):
        venv.step(acts(space, [2] * 4))
    vclone = pickle.loads(pickle.dumps(venv))
    for _ in range(30):  # crosses the end of the 25-day and the 1-period episodes
        x, y = venv.step(acts(space, range(4))), vclone.step(acts(space, range(4)))
        for u, v in zip(x[:4], y[:4]):
            np.testing.assert_array_equal(u, v)
        assert x[4].keys() == y[4].keys()
        for k in x[4]:
            np.testing.assert_array_equal(x[4][k], y[4][k])


@pytest.mark.parametrize("env_id", IDS)
def test_make_vec_is_native(env_id):
    venv = gym.make_vec(env_id, num_envs=3)
    assert isinstance(venv.unwrapped if hasattr(venv, "unwrapped") else venv, InventoryVectorEnv)
    assert isinstance(venv, InventoryVectorEnv)
    assert venv.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    obs, info = venv.reset(seed=0)
    assert obs.shape == (3, venv.params.obs_dim) and obs.dtype == np.float32
    assert venv.observation_space.contains(obs)
    obs, rew, term, trunc, info = venv.step(venv.action_space.sample())
    assert rew.shape == (3,) and term.dtype == np.bool_ and trunc.dtype == np.bool_
    assert all(info[k].shape == (3,) for k in EVENTS) and all(info["_" + k].all() for k in EVENTS)
    cont = gym.make_vec(env_id, num_envs=2, continuous=True)
    cont.reset(seed=0)
    cont.step(cont.action_space.sample())


def test_vector_info_arrays_are_not_overwritten():
    venv = gym.make_vec("inv_gym/LostSales-v0", num_envs=4)
    venv.reset(seed=0)
    info1 = venv.step(np.full(4, 3))[4]
    saved = {k: v.copy() for k, v in info1.items()}
    venv.step(np.full(4, 9))
    for k, v in saved.items():
        np.testing.assert_array_equal(info1[k], v)


def test_next_step_autoreset():
    # the 25-day month terminates; the step after resets that copy: reward 0, first observation
    params = preset_params("inv_gym/ConcreteMixers-v0", horizon=3)
    venv = InventoryVectorEnv(2, params)
    obs0, _ = venv.reset(seed=0)
    np.testing.assert_array_equal(obs0, [[11, 0, 0, 0], [11, 0, 0, 0]])
    for t in range(3):
        obs, rew, term, trunc, info = venv.step(np.array([2, 0]))
        assert not trunc.any()
        assert term.tolist() == ([True, True] if t == 2 else [False, False])
    assert obs[:, -1].tolist() == [3, 3]
    obs, rew, term, trunc, info = venv.step(np.array([5, 5]))
    np.testing.assert_array_equal(obs, obs0)
    assert rew.tolist() == [0, 0] and not term.any() and not trunc.any()
    assert info == {}  # every copy resets: the sync env's info is empty too
    obs, rew, term, trunc, info = venv.step(np.array([1, 0]))
    assert obs[:, -1].tolist() == [1, 1] and info["fixed_cost"].tolist() == [1, 0]
    # infinite horizon: truncated, never terminated
    venv = InventoryVectorEnv(2, preset_params("inv_gym/LostSales-v0", horizon=2))
    venv.reset(seed=0)
    venv.step(np.array([1, 1]))
    _, _, term, trunc, _ = venv.step(np.array([1, 1]))
    assert trunc.tolist() == [True, True] and not term.any()
    obs, rew, _, _, _ = venv.step(np.array([1, 1]))
    assert rew.tolist() == [0, 0] and obs.tolist() == [[0, 0], [0, 0]]


@pytest.mark.parametrize("env_id", IDS)
def test_single_vector_kernel_agree_on_scripted_draws(env_id):
    params = preset_params(env_id)
    n, horizon = 5, min(params.horizon, 12)
    rng = np.random.default_rng(7)
    demand = params.demand.sample(rng, (n, horizon))
    leads = rng.integers(0, params.max_lead_time + 1, (n, horizon))
    actions = rng.integers(0, params.max_order + 1, (horizon, n))
    # dual sourcing: expedited orders too (drawn after everything the single-source ids draw)
    expedited = rng.integers(0, params.expedited_max + 1, (horizon, n)) if params.dual_sourcing else None
    both = actions if expedited is None else np.stack([actions, expedited], axis=2)  # (horizon, n[, 2])
    options = {"demand": demand, "lead_times": leads}
    venv = InventoryVectorEnv(n, params)
    vobs = [venv.reset(seed=1, options=options)[0]]
    vrew, vinfo = [], []
    for t in range(horizon):
        o, r, _, _, info = venv.step(both[t])
        vobs.append(o)
        vrew.append(r)
        vinfo.append(info)
    # the kernel directly
    p = kernel_params(params)
    state = initial_state(params, n)
    kobs = np.empty((n, params.obs_dim), dtype=np.float32)
    for t in range(horizon):
        observe(params, state, kobs)
        np.testing.assert_array_equal(kobs, vobs[t])
        last = np.full(n, params.finite_horizon and t == params.horizon - 1)
        q_e = None if expedited is None else expedited[t].astype(float)
        ev = step(p, state, actions[t].astype(float), demand[:, t].copy(), leads[:, t].copy(), last, expedited=q_e)
        np.testing.assert_array_equal(ev[:, EV["reward"]], vrew[t])
        for k in EVENTS:
            np.testing.assert_array_equal(ev[:, EV[k]], vinfo[t][k])
    # each single env with its row of draws
    for i in range(n):
        env = InventoryEnv(params)
        o, _ = env.reset(seed=99, options={"demand": demand[i], "lead_times": leads[i]})
        np.testing.assert_array_equal(o, vobs[0][i])
        for t in range(horizon):
            o, r, term, trunc, info = env.step(int(actions[t, i]) if expedited is None else both[t, i])
            np.testing.assert_array_equal(o, vobs[t + 1][i])
            assert r == vrew[t][i]
            assert info == {k: vinfo[t][k][i] for k in EVENTS}
            if term or trunc:
                break


@pytest.mark.parametrize("env_id", IDS)
def test_draw_paths_are_the_vector_env_draws(env_id):
    params = preset_params(env_id)
    n, horizon = 6, min(params.horizon, 40)
    demand, leads = draw_paths(params, 123, n, horizon)
    assert demand.shape == (n, horizon) and leads.shape == (n, horizon) and leads.dtype == np.int64
    venv = InventoryVectorEnv(n, params)
    venv.reset(seed=123)
    scripted = InventoryVectorEnv(n, params)
    scripted.reset(seed=0, options={"demand": demand, "lead_times": leads})
    actions = np.random.default_rng(0).integers(0, params.max_order + 1, (horizon, n))
    for t in range(horizon):
        at = acts(venv.single_action_space, actions[t])
        a, b = venv.step(at), scripted.step(at)
        np.testing.assert_array_equal(a[4]["demand"], demand[:, t])
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    # one env reset with the seed sees row 0
    d1, l1 = draw_paths(params, 123, 1, horizon)
    env = InventoryEnv(params)
    env.reset(seed=123)
    for t in range(horizon):
        _, _, term, trunc, info = env.step(act(env.action_space, 0))
        assert info["demand"] == d1[0, t]
        if term or trunc:
            break


def test_reset_options_and_initial_inventory():
    env = gym.make("inv_gym/BaseStock-v0")
    obs, _ = env.reset(seed=0, options={"initial_inventory": 7})
    assert obs[0] == 7
    obs, _ = env.reset(seed=0)
    assert obs[0] == 0
    venv = gym.make_vec("inv_gym/BaseStock-v0", num_envs=3)
    obs, _ = venv.reset(seed=0, options={"initial_inventory": 4})
    assert obs[:, 0].tolist() == [4, 4, 4]
    obs, _ = venv.reset(seed=[1, 1, 1])
    assert obs[:, 0].tolist() == [0, 0, 0]


def test_continuous_action_mapping():
    env = gym.make("inv_gym/LostSales-v0", continuous=True)
    env.reset(seed=0, options={"demand": [0, 0, 0, 0]})
    for a, q in [(-1.0, 0), (1.0, 20), (0.0, 10), (5.0, 20)]:
        assert env.step(np.array([a], dtype=np.float32))[4]["ordered"] == q


def test_render_ansi():
    env = gym.make("inv_gym/LostSales-v0", render_mode="ansi")
    env.reset(seed=0)
    assert env.render().startswith("t=0 inventory=0")


@pytest.mark.parametrize("env_id", IDS)
def test_kwargs_override(env_id):
    env = gym.make(env_id, holding_cost=2.5, max_order=7)
    space = env.action_space
    assert env.unwrapped.params.holding_cost == 2.5
    assert (space.nvec[0] if isinstance(space, gym.spaces.MultiDiscrete) else space.n) == 8
