"""stable-baselines3 agents: the kernel VecEnv adapter, tiny runs, save/load, the newsvendor."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from agents.ppo import TrainConfig, load, train
from agents.sb3_common import InventorySB3VecEnv, obs_scale
from inv_gym.envs import InventoryVectorEnv
from inv_gym.evaluation import evaluate
from inv_gym.presets import preset_params


def test_vecenv_adapter_truncation_and_draws():
    params = preset_params("inv_gym/LostSales-v0", horizon=5)
    venv = InventorySB3VecEnv(params, 3, seed=11)
    ref = InventoryVectorEnv(3, params)
    scale = obs_scale(params)
    obs = venv.reset()
    ref_obs, _ = ref.reset(seed=11)
    np.testing.assert_allclose(obs, ref_obs / scale)
    for t in range(5):
        a = np.array([3, 5, 7])
        obs, rew, done, infos = venv.step(a)
        ref_obs, ref_rew, _, ref_trunc, _ = ref.step(a)
        np.testing.assert_allclose(rew, ref_rew, rtol=1e-6)
        if t < 4:
            assert not done.any()
            np.testing.assert_allclose(obs, ref_obs / scale, rtol=1e-6)
    assert done.all() and ref_trunc.all()
    for i, info in enumerate(infos):
        assert info["TimeLimit.truncated"] is True
        np.testing.assert_allclose(info["terminal_observation"], ref_obs[i] / scale, rtol=1e-6)
    assert np.all(obs[:, 0] == 0)  # reset in the same step: empty system


def test_finite_horizon_terminates_without_truncation():
    params = preset_params("inv_gym/Newsvendor-v0")
    venv = InventorySB3VecEnv(params, 2, seed=0)
    venv.reset()
    _, _, done, infos = venv.step(np.array([100, 100]))
    assert done.all() and infos[0]["TimeLimit.truncated"] is False


def test_dqn_refuses_continuous_actions():
    with pytest.raises(ValueError, match="Discrete"):
        TrainConfig(algo="dqn", continuous=True)


@pytest.mark.parametrize("algo", ["ppo", "a2c", "dqn"])
def test_tiny_run_save_load(algo, tmp_path):
    hyper = {"learning_starts": 100, "buffer_size": 1000} if algo == "dqn" else {}
    agent = train("inv_gym/LostSales-v0", algo=algo, timesteps=600, seed=3, n_envs=4, hyper=hyper, out=str(tmp_path))
    assert agent.model.num_timesteps >= 600
    assert (tmp_path / "model.zip").exists() and (tmp_path / "vecnormalize.pkl").exists()
    back = load(str(tmp_path))
    obs = np.array([[0, 0], [5, 3], [12, 0]], dtype=np.float32)
    np.testing.assert_array_equal(agent.policy().act(obs), back.policy().act(obs))
    ev = back.evaluate(reps=4, horizon=50, seed=0)
    assert np.isfinite(ev["cost_per_period"].mean)


def _critical_fractile_profit() -> float:
    mu, sd, r, c, v = 100.0, 20.0, 10.0, 4.0, 1.0
    q = mu + sd * stats.norm.ppf((r - c) / (r - v))

    def f(d: float) -> float:
        return (r * min(q, d) + v * max(q - d, 0.0) - c * q) * stats.norm.pdf(d, mu, sd)

    lo, hi = mu - 10 * sd, mu + 10 * sd
    return integrate.quad(f, lo, q)[0] + integrate.quad(f, q, hi)[0]


def test_ppo_newsvendor_reaches_critical_fractile_profit():
    best = _critical_fractile_profit()
    assert 534 < best < 535
    agent = train("inv_gym/Newsvendor-v0", algo="ppo", timesteps=25_000, seed=0)
    profit = agent.evaluate(reps=4000, seed=5)["reward_per_period"].mean
    rng = np.random.default_rng(0)
    params = preset_params("inv_gym/Newsvendor-v0")
    random_profit = evaluate(lambda obs: rng.integers(0, params.max_order + 1, obs.shape[0]), params, reps=4000, seed=5)
    assert profit > random_profit["reward_per_period"].mean + 100
    assert profit >= 0.95 * best
