"""Every id with the tools researchers bring, and the learning aids as env options."""

from __future__ import annotations

import os

import gymnasium as gym
import numpy as np
import pytest
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.vec_env import VecNormalize

import inv_gym
from agents.specs import parse_policy
from inv_gym.dynamics import EVENTS
from inv_gym.envs import InventoryEnv, InventoryVectorEnv
from inv_gym.envs.options import EnvOptions, observation_scale, order_up_to_levels
from inv_gym.envs.render import FRAME_HEIGHT, FRAME_WIDTH
from inv_gym.presets import preset_params
from tests.actions import act, acts

IDS = inv_gym.ENV_IDS
INFINITE = [i for i in IDS if not preset_params(i).finite_horizon]
SINGLE_SOURCE = [i for i in IDS if not preset_params(i).dual_sourcing]


@pytest.mark.parametrize("env_id", IDS)
def test_sb3_make_vec_env_ppo_update_and_evaluate_policy(env_id):
    venv = make_vec_env(env_id, n_envs=2, seed=0)
    model = PPO("MlpPolicy", venv, n_steps=16, batch_size=16, n_epochs=1, seed=0, device="cpu")
    model.learn(total_timesteps=32)
    assert model.num_timesteps >= 32
    mean, std = evaluate_policy(model, venv, n_eval_episodes=2)
    assert np.isfinite(mean) and np.isfinite(std)
    norm = VecNormalize(make_vec_env(env_id, n_envs=2, seed=1))
    obs = norm.reset()
    obs, rew, done, infos = norm.step(np.zeros((2, *norm.action_space.shape), dtype=np.int64))
    assert obs.shape == (2, norm.observation_space.shape[0]) and np.all(np.isfinite(obs))


@pytest.mark.parametrize("mode", ["vector_entry_point", "sync", "async"])
@pytest.mark.parametrize("env_id", IDS)
def test_make_vec_max_episode_steps_truncates_in_every_mode(env_id, mode):
    venv = gym.make_vec(env_id, num_envs=4, vectorization_mode=mode, max_episode_steps=7)
    try:
        venv.reset(seed=0)
        horizon = preset_params(env_id).horizon
        ends = []
        for t in range(1, 16):
            _, _, term, trunc, _ = venv.step(np.zeros((4, *venv.single_action_space.shape), dtype=np.int64))
            if (term | trunc).any():
                assert (term | trunc).all()
                ends.append(t)
        period = min(7, horizon)
        # an episode ends every `period` steps; the step after is the autoreset step
        assert ends == list(range(period, 16, period + 1)), ends
        if horizon > 7:
            assert ends and not term.any()
    finally:
        venv.close()


@pytest.mark.parametrize("env_id", IDS)
def test_spec_max_episode_steps_agrees_with_horizon(env_id):
    assert gym.make(env_id).spec.max_episode_steps == preset_params(env_id).horizon
    assert gym.make(env_id, horizon=37).spec.max_episode_steps == 37
    assert gym.make(env_id, max_episode_steps=5).spec.max_episode_steps == 5
    assert gym.make_vec(env_id, num_envs=2, horizon=37).spec.max_episode_steps == 37


@pytest.mark.parametrize("env_id", IDS)
def test_rgb_array_frames_have_fixed_shape_and_follow_the_state(env_id):
    env = gym.make(env_id, render_mode="rgb_array")
    env.reset(seed=0)
    first = env.render()
    assert first.shape == (FRAME_HEIGHT, FRAME_WIDTH, 3) and first.dtype == np.uint8
    space = env.action_space
    env.step(act(space, space.nvec.max() - 1 if isinstance(space, gym.spaces.MultiDiscrete) else space.n - 1))
    second = env.render()
    assert second.shape == first.shape
    assert np.any(first != second)


def test_record_video_writes_a_file(tmp_path):
    pytest.importorskip("moviepy")
    env = gym.make("inv_gym/LostSales-v0", render_mode="rgb_array", horizon=6)
    env = gym.wrappers.RecordVideo(env, str(tmp_path), episode_trigger=lambda e: True, disable_logger=True)
    env.reset(seed=0)
    done = False
    while not done:
        _, _, term, trunc, _ = env.step(5)
        done = term or trunc
    env.close()
    files = [f for f in os.listdir(tmp_path) if f.endswith(".mp4")]
    assert files and os.path.getsize(tmp_path / files[0]) > 0


def test_standard_wrappers():
    env = gym.make("inv_gym/Perishable-v0", continuous=True)
    env = gym.wrappers.RecordEpisodeStatistics(gym.wrappers.NormalizeObservation(gym.wrappers.ClipAction(env)))
    env = gym.wrappers.TransformReward(env, lambda r: r / 10.0)
    env = gym.wrappers.FrameStackObservation(env, 3)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (3, preset_params("inv_gym/Perishable-v0").obs_dim)
    for _ in range(5):
        obs, r, *_ = env.step(np.array([5.0], dtype=np.float32))
    assert np.isfinite(r)


@pytest.mark.parametrize("env_id", IDS)
def test_autoreset_step_matches_the_sync_env(env_id):
    horizon = min(preset_params(env_id).horizon, 3)
    native = gym.make_vec(env_id, num_envs=2, horizon=horizon)
    sync = gym.make_vec(env_id, num_envs=2, horizon=horizon, vectorization_mode="sync")
    native.reset(seed=0)
    sync.reset(seed=0)
    space = native.single_action_space
    for _ in range(horizon):
        a = native.step(acts(space, [1, 2]))
        b = sync.step(acts(space, [1, 2]))
        np.testing.assert_array_equal(a[2], b[2])
        np.testing.assert_array_equal(a[3], b[3])
    # the autoreset step: an out-of-range action is ignored and not validated, by both
    bad = np.full((2, *space.shape), 10**6)
    a, b = native.step(bad), sync.step(bad)
    for u, v in zip(a[1:4], b[1:4]):
        np.testing.assert_array_equal(u, v)
    assert a[4].keys() == b[4].keys() == set()
    # afterwards the action is validated again
    with pytest.raises(ValueError, match="max_order"):
        native.step(bad)


def test_autoreset_of_some_copies_masks_their_info():
    venv = InventoryVectorEnv(3, preset_params("inv_gym/LostSales-v0", horizon=5))
    venv.reset(seed=0)
    venv._steps[:] = [4, 0, 0]  # copy 0 ends at the next step
    venv.step(np.array([1, 1, 1]))
    obs, rew, term, trunc, info = venv.step(np.array([99, 1, 1]))
    assert rew[0] == 0 and not trunc[0]
    for name in EVENTS:
        assert info["_" + name].tolist() == [False, True, True]
    assert info["ordered"].tolist() == [0, 1, 1]


@pytest.mark.parametrize("env_id", SINGLE_SOURCE)  # dual sourcing: test_dual_sourcing.py (dual index)
def test_order_up_to_equals_base_stock_on_shared_draws(env_id):
    params = preset_params(env_id, horizon=60)
    for level in (0, 7, int(np.ceil(params.demand.mean * (params.mean_lead_time + 1)))):
        env = InventoryEnv(params, action="order_up_to")
        policy = parse_policy(f"base_stock:S={level}").bind(params)
        plain = InventoryEnv(params)
        o1, _ = env.reset(seed=4)
        o2, _ = plain.reset(seed=4)
        policy.reset(1)
        for _ in range(params.horizon):
            q = policy.act(o2[None])[0]
            o1, r1, t1, u1, i1 = env.step(level)
            o2, r2, t2, u2, i2 = plain.step(int(q))
            assert i1 == i2
            np.testing.assert_array_equal(o1, o2)
            if t1 or u1:
                break


def test_order_up_to_vector_and_continuous():
    params = preset_params("inv_gym/LostSales-v0")
    n_levels = order_up_to_levels(params)
    venv = InventoryVectorEnv(3, params, action="order_up_to")
    assert venv.single_action_space == gym.spaces.Discrete(n_levels)
    venv.reset(seed=0)
    _, _, _, _, info = venv.step(np.array([0, 9, n_levels - 1]))
    assert info["ordered"].tolist() == [0, 9, params.max_order]
    with pytest.raises(ValueError, match="order_up_to"):
        venv.step(np.array([0, 0, n_levels]))
    cont = InventoryEnv(params, action="order_up_to", continuous=True)
    cont.reset(seed=0)
    _, _, _, _, info = cont.step(np.array([1.0], dtype=np.float32))
    assert info["ordered"] == params.max_order


@pytest.mark.parametrize("env_id", IDS)
def test_obs_scale_and_reward_scale(env_id):
    params = preset_params(env_id)
    raw = InventoryEnv(params)
    env = InventoryEnv(params, obs_scale=True, reward_scale=0.25)
    scale = observation_scale(params)
    o_raw, _ = raw.reset(seed=2)
    o, _ = env.reset(seed=2)
    np.testing.assert_allclose(o, o_raw / scale, rtol=1e-6)
    assert env.observation_space.contains(o)
    for _ in range(5):
        o_raw, r_raw, *_ = raw.step(act(raw.action_space, 3))
        o, r, term, trunc, info = env.step(act(env.action_space, 3))
        np.testing.assert_allclose(o, o_raw / scale, rtol=1e-6)
        assert r == pytest.approx(0.25 * r_raw) and info["reward"] == r_raw
        assert env.observation_space.contains(o)
        if term or trunc:
            break


@pytest.mark.parametrize("env_id", INFINITE)
def test_random_start_draws_the_stock_and_keeps_the_demand(env_id):
    params = preset_params(env_id)
    env = gym.make(env_id, random_start=True)
    starts = []
    for seed in range(40):
        env.reset(seed=seed)
        starts.append(env.unwrapped.state.on_hand[0])
    high = min(params.max_order, params.capacity if params.capacity is not None else np.inf)
    assert min(starts) >= 0 and max(starts) <= high and len(set(starts)) > 5
    env.reset(seed=3)
    again = gym.make(env_id, random_start=True)
    again.reset(seed=3)
    assert env.unwrapped.state.on_hand[0] == again.unwrapped.state.on_hand[0]
    # the demand stream is the one without random_start (common random numbers)
    plain = gym.make(env_id)
    plain.reset(seed=3)
    zero = act(env.action_space, 0)
    for _ in range(20):
        assert env.step(zero)[4]["demand"] == plain.step(zero)[4]["demand"]
    venv = InventoryVectorEnv(64, params, random_start=True)
    venv.reset(seed=0)
    assert len(set(venv.state.on_hand.tolist())) > 5


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(action="order_upto"), "action must be one of order, order_up_to"),
        (dict(obs_scale=1), "obs_scale must be True or False"),
        (dict(random_start="yes"), "random_start must be True or False"),
        (dict(reward_scale=0), r"reward_scale must be in \(0, 1e6\]"),
        (dict(reward_scale=float("nan")), "reward_scale must be in"),
        (dict(reward_scale=True), "reward_scale must be a number"),
        (dict(continuous="no"), "continuous must be True or False"),
    ],
)
def test_bad_options_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gym.make("inv_gym/LostSales-v0", **kwargs)
    with pytest.raises(ValueError, match=match):
        gym.make_vec("inv_gym/LostSales-v0", num_envs=2, **kwargs)


@pytest.mark.parametrize("env_id", [i for i in IDS if i not in INFINITE])
def test_random_start_refused_on_finite_horizon_models(env_id):
    with pytest.raises(ValueError, match="random_start applies to infinite-horizon models only"):
        gym.make(env_id, random_start=True)


def test_options_are_set_keywords():
    from experiments.commands.common import parse_sets

    sets = parse_sets(["action=order_up_to", "obs_scale=true", "reward_scale=0.5", "random_start=1"])
    opts = EnvOptions.pop_from(dict(sets))
    assert opts == EnvOptions(action="order_up_to", obs_scale=True, reward_scale=0.5, random_start=True)


def test_train_command_takes_the_options_and_others_refuse_them(tmp_path, capsys):
    import json

    from experiments.cli import main

    out = tmp_path / "agent"
    argv = ["train", "LostSales", "--timesteps", "256", "--n-envs", "2", "--json", "--out", str(out)]
    assert main([*argv, "--set", "action=order", "--set", "obs_scale=false", "--set", "reward_scale=0.5"]) == 0
    config = json.loads((out / "agent.json").read_text())["config"]
    assert (config["action"], config["obs_scale"], config["reward_scale"]) == ("order", False, 0.5)
    capsys.readouterr()
    assert main(["evaluate", "LostSales", "--policy", "base_stock:S=3", "--set", "action=order_up_to"]) == 2
    assert "an env option (a learning aid), taken by `inv-gym train` only" in capsys.readouterr().err
    assert main([*argv, "--set", "obs_scale=2"]) == 2
    assert "obs_scale must be true or false, got '2'" in capsys.readouterr().err
