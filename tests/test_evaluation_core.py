"""The evaluator equals stepping InventoryEnv on the same draws, and reproduces ZF's (s,S) cost."""

import numpy as np
import pytest

import inv_gym
from agents.heuristics import SS, BaseStock
from inv_gym.dynamics import EVENTS
from inv_gym.envs import InventoryEnv, draw_paths
from inv_gym.evaluation import evaluate, simulate
from inv_gym.presets import preset_params


@pytest.mark.parametrize("env_id", inv_gym.ENV_IDS)
def test_evaluator_equals_env(env_id: str) -> None:
    p = preset_params(env_id)
    pol = BaseStock(S=p.demand.mean * (p.mean_lead_time + 1) * 1.2)
    horizon = p.horizon if p.finite_horizon else 120
    ev = evaluate(pol, p, reps=1, horizon=horizon, seed=7)
    # every event of every period, and every observation, through the evaluator's loop
    demand, lead = draw_paths(p, 7, 1, horizon)
    sim_events, sim_obs = [], []
    simulate(
        pol,
        p,
        demand,
        lead,
        on_period=lambda t, obs, orders, events: (sim_obs.append(obs[0].copy()), sim_events.append(events[0].copy())),
    )
    env = InventoryEnv(p)
    obs, _ = env.reset(seed=7)
    bound = pol.bind(p)
    bound.reset(1)
    costs = []
    for t in range(horizon):
        np.testing.assert_array_equal(obs, sim_obs[t])
        q = int(bound.act(obs[None])[0])  # dual sourcing: a single-source policy orders regular only
        obs, _, _, _, info = env.step(np.array([q, 0]) if p.dual_sourcing else q)
        costs.append(info["cost"])
        np.testing.assert_array_equal([info[name] for name in EVENTS], sim_events[t])
    assert ev["cost_per_episode"].mean == pytest.approx(sum(costs), abs=1e-9)


def test_zheng_federgruen_mu10_within_ci() -> None:
    # Zheng & Federgruen (1991): h=1, b=9, K=64, L=0, Poisson(10): (6, 40) costs 35.022
    ev = evaluate(SS(s=6, S=40), preset_params("inv_gym/Qr-v0"), reps=400, horizon=365, warmup=50, seed=3)
    cost = ev["cost_per_period"]
    assert cost.ci_low <= 35.022 <= cost.ci_high
    assert np.isfinite(ev["fill_rate"].mean)
