"""What the pathwise learner trains on, and its refusal of the models its period does not simulate."""

from __future__ import annotations

import numpy as np
import pytest

from agents.pathwise import PathwiseConfig, pathwise_unsupported, train_pathwise
from inv_gym.presets import ENV_IDS, preset_params

#: One gradient step on a few short paths, one tiny kernel validation.
TINY = PathwiseConfig(
    iterations=1, batch_size=8, n_scenarios=8, horizon=6, warmup=2, eval_every=1, eval_reps=2, eval_horizon=5
)
COVERED = [e for e in ENV_IDS if e != "inv_gym/DualSourcing-v0"]


@pytest.mark.parametrize("env_id", COVERED)
def test_trains_on_every_single_source_id(env_id):
    params = preset_params(env_id)
    assert pathwise_unsupported(params) is None
    policy = train_pathwise(env_id, TINY)
    assert [r.iteration for r in policy.history] == [1]
    orders = policy.act(np.zeros((3, params.obs_dim)))
    assert orders.shape == (3,) and ((orders >= 0) & (orders <= params.max_order)).all()
    assert (orders == np.round(orders)).all()


def test_refuses_dual_sourcing_naming_the_parameter():
    with pytest.raises(ValueError, match=r"expedited_lead_time must be None .* got 0.*dual sourcing"):
        train_pathwise("inv_gym/DualSourcing-v0", TINY)
    # parameters, and a single-source id made dual by an override
    params = preset_params("inv_gym/BaseStock-v0", expedited_lead_time=1, expedited_unit_cost=2.0)
    with pytest.raises(ValueError, match="expedited_lead_time must be None .* got 1"):
        train_pathwise(params, TINY)
    with pytest.raises(ValueError, match="expedited_lead_time"):
        train_pathwise("inv_gym/BaseStock-v0", TINY, overrides={"expedited_lead_time": 0})
    assert "expedited_lead_time" in pathwise_unsupported(preset_params("inv_gym/DualSourcing-v0"))


def test_refuses_serial_chains():
    from inv_gym.serial.params import SerialParams

    with pytest.raises(ValueError, match="single-stage models only; serial chains"):
        train_pathwise("inv_gym/Serial-v0", TINY)
    with pytest.raises(ValueError, match="got SerialParams.*no serial chains"):
        train_pathwise(SerialParams(), TINY)
