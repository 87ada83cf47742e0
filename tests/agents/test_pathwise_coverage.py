"""What the pathwise learner trains on (every id, dual sourcing and serial chains included), and what it refuses."""

from __future__ import annotations

import numpy as np
import pytest

from agents.pathwise import PathwiseConfig, pathwise_unsupported, policy_class, train_pathwise
from agents.pathwise_levels import LEVEL_STARTS
from inv_gym.presets import ENV_IDS, preset_params

#: One gradient step on a few short paths, one tiny kernel validation.
TINY = PathwiseConfig(
    iterations=1, batch_size=8, n_scenarios=8, horizon=6, warmup=2, eval_every=1, eval_reps=2, eval_horizon=5
)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_trains_on_every_id(env_id):
    params = preset_params(env_id)
    assert pathwise_unsupported(params) is None
    policy = train_pathwise(env_id, TINY)
    starts = LEVEL_STARTS if policy_class(params, TINY) == "levels" else 1  # each (s, S) start is checked
    assert [(r.iteration, r.member) for r in policy.history] == [(1, k) for k in range(starts)]
    orders = policy.act(np.zeros((3, params.obs_dim)))
    if params.dual_sourcing:  # the pair (q_r, q_e), each within its own bound
        assert orders.shape == (3, 2)
        assert ((orders >= 0) & (orders <= [params.max_order, params.expedited_max])).all()
    else:
        assert orders.shape == (3,) and ((orders >= 0) & (orders <= params.max_order)).all()
    assert (orders == np.round(orders)).all()


def test_dual_sourcing_policy_orders_both_sources_in_the_kernel(tmp_path):
    """The scored policy places (q_r, q_e) in the real env, and survives a save and load."""
    from agents.pathwise import PathwisePolicy
    from inv_gym.evaluation import evaluate

    params = preset_params("inv_gym/DualSourcing-v0", max_expedited_order=3)
    policy = train_pathwise(params, TINY)
    assert policy.net.uppers == (float(params.max_order), 3.0)
    obs = np.array([[-20.0, 0.0, 0.0], [30.0, 0.0, 0.0]])
    q = policy.act(obs)
    assert q.shape == (2, 2) and q[:, 1].max() <= 3
    ev = evaluate(policy, params, reps=2, horizon=20, seed=0)
    assert np.isfinite(ev["cost_per_period"].mean)
    again = PathwisePolicy.load(policy.save(str(tmp_path / "p")))
    np.testing.assert_array_equal(again.act(obs), q)


def test_trains_on_serial_chains():
    """``inv_gym/Serial-v0`` (with overrides) and SerialParams: one order per stage, integers within the bound."""
    from inv_gym.serial.params import SerialParams

    assert pathwise_unsupported(SerialParams()) is None
    chain = train_pathwise("inv_gym/Serial-v0", TINY, overrides={"lead_times": (1, 0, 2)})
    assert chain.params == SerialParams(lead_times=(1, 0, 2))
    one = train_pathwise(SerialParams(n_stages=1, lead_times=1, holding_costs=1.0, max_order=9), TINY)
    for policy, m in ((chain, 3), (one, 1)):
        assert [r.iteration for r in policy.history] == [1]
        orders = policy.act(np.zeros((4, policy.params.obs_dim)))
        assert orders.shape == (4, m)
        assert ((orders >= 0) & (orders <= policy.params.max_order) & (orders == np.round(orders))).all()


def test_refuses_other_models():
    with pytest.raises(ValueError, match="env must be a registered id, InventoryParams or SerialParams, got dict"):
        train_pathwise({"lead_time": 2}, TINY)
    assert "got dict" in pathwise_unsupported({"lead_time": 2})
