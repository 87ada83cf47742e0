"""Bad input is refused with a ValueError that names the problem."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import inv_gym  # noqa: F401  (registers the ids)
from inv_gym.envs import InventoryEnv, InventoryVectorEnv
from inv_gym.params import PARAM_NAMES, InventoryParams, parse_param_value


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("demand", "poison:5", "unknown distribution family"),
        ("demand", True, "demand must be"),
        ("demand", -1.0, "must be >= 0"),
        ("lead_time", -1, "lead_time must be an integer >= 0"),
        ("lead_time", 1.5, "lead_time must be an integer"),
        ("lead_time", "normal:mean=2,sd=1", "lead_time must be an integer >= 0 or a distribution of integers"),
        ("lead_time", "foo:1", "lead_time: unknown distribution family"),
        ("stockout", "lost", "stockout must be 'backorder' or 'lost_sales'"),
        ("holding_cost", -1, "holding_cost must be >= 0, got -1"),
        ("backorder_cost", float("nan"), "backorder_cost must be >= 0"),
        ("lost_sales_cost", "x", "lost_sales_cost must be a number"),
        ("fixed_order_cost", -0.5, "fixed_order_cost must be >= 0"),
        ("unit_cost", float("inf"), "unit_cost must be >= 0"),
        ("price", -2, "price must be >= 0"),
        ("salvage_value", -1, "salvage_value must be >= 0"),
        ("waste_cost", -1, "waste_cost must be >= 0"),
        ("shelf_life", 0, "shelf_life must be an integer >= 1"),
        ("shelf_life", 1.5, "shelf_life must be an integer >= 1"),
        ("issuing", "random", "issuing must be 'fifo' or 'lifo'"),
        ("capacity", 0, "capacity must be > 0"),
        ("capacity", -3, "capacity must be >= 0"),
        ("one_outstanding", "maybe", "one_outstanding must be true or false"),
        ("one_outstanding", 2, "one_outstanding must be true or false"),
        ("max_order", 0, "max_order must be an integer >= 1"),
        ("max_order", True, "max_order must be an integer >= 1"),
        ("horizon", 0, "horizon must be an integer >= 1"),
        ("initial_inventory", -1, "initial_inventory must be >= 0"),
        ("finite_horizon", "nope", "finite_horizon must be true or false"),
        ("expedited_lead_time", -1, "expedited_lead_time must be an integer >= 0"),
        ("expedited_lead_time", 0, r"expedited_lead_time must be < lead_time = 0"),
        ("expedited_unit_cost", -1, "expedited_unit_cost must be >= 0, got -1"),
        ("expedited_fixed_cost", "x", "expedited_fixed_cost must be a number"),
        ("max_expedited_order", 1.5, "max_expedited_order must be an integer >= 0"),
    ],
)
def test_invalid_parameter(field, value, match):
    with pytest.raises(ValueError, match=match):
        InventoryParams(**{field: value})


def test_every_field_has_a_bad_value_case():
    cases = {
        "demand",
        "lead_time",
        "stockout",
        "holding_cost",
        "backorder_cost",
        "lost_sales_cost",
        "fixed_order_cost",
        "unit_cost",
        "price",
        "salvage_value",
        "waste_cost",
        "shelf_life",
        "issuing",
        "capacity",
        "one_outstanding",
        "max_order",
        "horizon",
        "initial_inventory",
        "finite_horizon",
        "expedited_lead_time",
        "expedited_unit_cost",
        "expedited_fixed_cost",
        "max_expedited_order",
    }
    assert set(PARAM_NAMES) == cases


def test_initial_inventory_above_capacity():
    with pytest.raises(ValueError, match="initial_inventory must be <= capacity"):
        InventoryParams(capacity=5, initial_inventory=6)


def test_unknown_parameter():
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['holding'\]"):
        gym.make("inv_gym/LostSales-v0", holding=1)
    with pytest.raises(ValueError, match="unknown parameter"):
        InventoryParams().replace(nope=1)
    with pytest.raises(ValueError, match="unknown parameter 'nope'"):
        parse_param_value("nope", "1")
    with pytest.raises(ValueError, match="holding_cost must be a number"):
        parse_param_value("holding_cost", "abc")


def test_parse_param_value():
    assert parse_param_value("shelf_life", "3") == 3
    assert parse_param_value("capacity", "none") is None
    assert parse_param_value("lead_time", "2") == 2
    assert InventoryParams(one_outstanding=parse_param_value("one_outstanding", "true")).one_outstanding


@pytest.mark.parametrize(
    ("action", "match"),
    [
        (-1, r"action must be in \[0, 20\]"),
        (21, r"action must be in \[0, 20\]"),
        (np.int64(99), r"action must be in \[0, 20\]"),
        (2.5, "action must be an integer order"),
        (float("nan"), "action must be finite"),
        (np.array([1, 2]), r"expected 1 action\(s\)"),
        ("3", "action must be an integer order"),
    ],
)
def test_invalid_discrete_action(action, match):
    env = gym.make("inv_gym/LostSales-v0").unwrapped
    env.reset(seed=0)
    with pytest.raises(ValueError, match=match):
        env.step(action)


def test_valid_action_forms():
    env = InventoryEnv(InventoryParams(max_order=5))
    env.reset(seed=0)
    for a in (3, np.int32(3), np.int64(3), 3.0, np.array(3), np.array([3]), np.float32(3)):
        assert env.step(a)[4]["ordered"] == 3


def test_invalid_continuous_action():
    env = InventoryEnv(InventoryParams(), continuous=True)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action must be finite"):
        env.step(np.array([np.nan], dtype=np.float32))
    with pytest.raises(ValueError, match=r"expected 1 continuous action\(s\)"):
        env.step(np.zeros(2, dtype=np.float32))


def test_invalid_vector_actions():
    venv = InventoryVectorEnv(3, InventoryParams(max_order=5))
    venv.reset(seed=0)
    with pytest.raises(ValueError, match=r"action must be in \[0, 5\]"):
        venv.step(np.array([1, 6, 0]))
    with pytest.raises(ValueError, match="action must be finite"):
        venv.step(np.array([1.0, np.nan, 0.0]))
    with pytest.raises(ValueError, match=r"expected 3 action\(s\)"):
        venv.step(np.array([1, 2]))
    with pytest.raises(ValueError, match="num_envs must be an integer >= 1"):
        InventoryVectorEnv(0)
    with pytest.raises(ValueError, match="one seed for the whole batch"):
        venv.reset(seed=[1, 2, 3])


def test_step_before_reset():
    with pytest.raises(RuntimeError, match="call reset"):
        InventoryEnv().step(0)
    with pytest.raises(RuntimeError, match="call reset"):
        InventoryVectorEnv(2).step(np.zeros(2, dtype=int))


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"demnd": [1]}, r"unknown reset option\(s\) \['demnd'\]"),
        ({"initial_inventory": -1}, "initial_inventory must be in"),
        ({"initial_inventory": 50}, "initial_inventory must be in"),
        ({"demand": [1, -2]}, "demand script must be finite and >= 0"),
        ({"demand": [1, np.nan]}, "demand script must be finite and >= 0"),
        ({"demand": [[1, 2], [3, 4]]}, "demand script must have shape"),
        ({"lead_times": [1]}, "lead_times can only be scripted together with demand"),
        ({"demand": [1, 2], "lead_times": [1]}, "lead_times script must have the demand script's shape"),
        ({"demand": [1, 2], "lead_times": [1, 9]}, r"lead_times must be integers in \[0, 1\]"),
    ],
)
def test_invalid_reset_options(options, match):
    env = InventoryEnv(InventoryParams(lead_time=1, capacity=20))
    with pytest.raises(ValueError, match=match):
        env.reset(seed=0, options=options)


def test_random_lead_time_script_needs_lead_times():
    env = InventoryEnv(InventoryParams(lead_time="duniform:low=1,high=3"))
    with pytest.raises(ValueError, match="lead_times must be scripted too"):
        env.reset(seed=0, options={"demand": [1, 2]})


def test_scripted_demand_exhausted():
    env = InventoryEnv(InventoryParams())
    env.reset(seed=0, options={"demand": [1]})
    env.step(0)
    with pytest.raises(RuntimeError, match="scripted demand is exhausted"):
        env.step(0)


@pytest.mark.parametrize("vector", [False, True])
def test_reset_without_script_returns_to_random_draws(vector):
    if vector:
        env = gym.make_vec("inv_gym/Qr-v0", num_envs=2)
        zero = np.zeros(2, dtype=np.int64)
    else:
        env = InventoryEnv(InventoryParams())
        zero = 0
    env.reset(seed=0, options={"demand": [1]})
    env.step(zero)
    env.reset()
    for _ in range(3):
        env.step(zero)  # random draws again, not the exhausted script


def test_derived_quantities():
    p = InventoryParams(lead_time=2, shelf_life=3, finite_horizon=True, stockout="lost_sales")
    assert p.obs_names == ("inventory", "pipeline_1", "pipeline_2", "age_0", "age_1", "age_2", "period")
    low, high = p.obs_bounds
    assert low.dtype == np.float32 and np.all(np.isfinite(high)) and low[0] == 0
    assert InventoryParams(lead_time="duniform:low=1,high=4").max_lead_time == 4
    assert p.to_dict()["demand"] == "poisson:5"
