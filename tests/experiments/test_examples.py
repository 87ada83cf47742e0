"""The examples for outside agents run end to end at a tiny budget and score their agent."""

from __future__ import annotations

import importlib.util
import os
import sys

import gymnasium as gym
import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "experiments", "examples")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_cleanrl_example_learns_something_and_scores(capsys):
    mod = _load("cleanrl_ppo")
    args = mod.Args(total_timesteps=40_000, num_envs=32, num_steps=32, score_reps=10)
    s = mod.main(args)
    assert s.instance == "zipkin-lost-sales/L1-p4" and s.paired
    assert s.gap.mean < 0.6  # a uniformly random level costs +167%
    assert "gap" in capsys.readouterr().out


@pytest.mark.parametrize("instance", ["suite/BaseStock", "suite/Newsvendor"])
def test_cleanrl_example_other_models(instance):
    mod = _load("cleanrl_ppo")
    s = mod.main(mod.Args(instance=instance, total_timesteps=4_096, num_envs=16, num_steps=16, score_reps=4))
    assert s.instance == instance


@pytest.mark.parametrize(
    "env_id, key",
    [("inv_gym/DualSourcing-v0", "dual-sourcing/lr2-ce20"), ("inv_gym/Serial-v0", "serial/example-6.1")],
)
def test_cleanrl_example_multidiscrete_ids(env_id, key):
    """One softmax per source or stage; the id's defaults are scored as the instance holding them."""
    mod = _load("cleanrl_ppo")
    s = mod.main(mod.Args(env_id=env_id, total_timesteps=4_096, num_envs=16, num_steps=16, score_reps=4))
    assert s.instance == key and s.paired and s.gap.mean > -0.05


def test_cleanrl_example_reward_scale_per_id():
    mod = _load("cleanrl_ppo")
    assert mod.reward_scale_for(mod.Args(), "inv_gym/Serial-v0") == 0.01
    assert mod.reward_scale_for(mod.Args(), "inv_gym/LostSales-v0") == 0.1
    assert mod.reward_scale_for(mod.Args(reward_scale=0.5), "inv_gym/Serial-v0") == 0.5
    with pytest.raises(ValueError, match="reward_scale must be > 0"):
        mod.reward_scale_for(mod.Args(reward_scale=-1.0), "inv_gym/LostSales-v0")


def test_sb3_example_trains_and_scores():
    mod = _load("sb3_ppo")
    assert set(mod.RECOMMENDED) == {k for k in gym.registry if k.startswith("inv_gym/")}
    s, model = mod.train_and_score("zipkin-lost-sales/L1-p4", timesteps=2_048, seed=0, n_envs=2, reps=4)
    assert s.instance == "zipkin-lost-sales/L1-p4" and model.num_timesteps >= 2_048
