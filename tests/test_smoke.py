"""Every registered id can be made, reset and stepped."""

import gymnasium as gym
import pytest

import inv_gym


@pytest.mark.parametrize("env_id", inv_gym.ENV_IDS)
def test_make_reset_step(env_id: str) -> None:
    env = gym.make(env_id)
    obs, info = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
    assert isinstance(reward, float)
    assert env.observation_space.contains(obs)
