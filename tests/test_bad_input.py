"""Bad input across the API and the command line: one table, each case a clear refusal.

Every API case must raise the given exception with a message that names the
parameter (and, for a range, the range); every command-line case must exit
with a status != 0, print the given fragment on stderr and no traceback. The
command line runs in process through :func:`experiments.cli.main`, as the
other CLI tests do.
"""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest

from agents.heuristics import SS, BaseStock
from agents.search import grid_points, grid_search
from experiments.cli import main
from inv_gym import limits
from inv_gym.distributions import (
    DiscreteUniform,
    Empirical,
    Gamma,
    Normal,
    Poisson,
    parse_distribution,
)
from inv_gym.envs import InventoryVectorEnv, draw_paths
from inv_gym.evaluation import check_run, evaluate, mean_ci, simulate, trajectory
from inv_gym.params import MONEY_PARAMS, InventoryParams
from inv_gym.presets import preset_params

QR = "inv_gym/Qr-v0"
SS_POLICY = SS(s=6, S=40)

# -- the model's parameters ------------------------------------------------------------------
MONEY_CASES = [
    case
    for name in (*MONEY_PARAMS, "expedited_unit_cost", "expedited_fixed_cost")
    for case in (
        (name, True, f"{name} must be a number >= 0, got True"),
        (name, np.bool_(False), f"{name} must be a number >= 0, got False"),
        (name, 1e308, f"{name} must be >= 0 and <= 1e+12"),
        (name, math.inf, f"{name} must be >= 0 and <= 1e+12"),
        (name, -1, f"{name} must be >= 0, got -1"),
    )
]

INT_CASES = [
    ("lead_time", True, "lead_time must be an integer >= 0, got True"),
    ("lead_time", 10**6, "lead_time must be an integer in [0, 1000]"),
    ("lead_time", 1001, "lead_time must be an integer in [0, 1000]"),
    ("lead_time", "poisson:1e8", "lead_time's 1 - 1e-09 quantile must be <= 1000 periods"),
    ("lead_time", "duniform:low=0,high=5000", "lead_time's 1 - 1e-09 quantile must be <= 1000"),
    ("shelf_life", True, "shelf_life must be an integer >= 1, got True"),
    ("shelf_life", 10**6, "shelf_life must be an integer in [1, 1000]"),
    ("max_order", 10**10, "max_order must be an integer in [1, 1000000000]"),
    ("max_order", 1e300, "max_order must be an integer in [1, 1000000000]"),
    ("horizon", True, "horizon must be an integer >= 1, got True"),
    ("horizon", 10**12, "horizon must be an integer in [1, 1000000000]"),
    ("horizon", math.inf, "horizon must be an integer >= 1"),
    ("initial_inventory", True, "initial_inventory must be a number >= 0, got True"),
    ("initial_inventory", 1e13, "initial_inventory must be >= 0 and <= 1e+12"),
    ("capacity", True, "capacity must be a number >= 0, got True"),
    ("capacity", 1e13, "capacity must be >= 0 and <= 1e+12"),
    ("demand", "deterministic:1e308", "demand's upper bound (its 1 - 1e-12 quantile) must be <= 1e+12"),
    ("demand", "poisson:1e13", "demand's upper bound"),
    ("demand", "normal:mean=-5,sd=2", "normal mean must be >= 0, got -5"),
    ("demand", "normal:mean=-1e-9,sd=2", "normal mean must be >= 0"),
    ("demand", np.bool_(True), "demand must be"),
]

COMBINED_CASES = [
    (dict(unit_cost=1, salvage_value=5, price=2), "salvage_value must be 0 or < unit_cost = 1"),
    (dict(unit_cost=2, salvage_value=2), "salvage_value must be 0 or < unit_cost = 2"),
    (dict(salvage_value=0.5), "salvage_value must be 0 or < unit_cost = 0"),
    (
        dict(expedited_lead_time=0, lead_time=2, max_expedited_order=10**10),
        "max_expedited_order must be an integer in [0, 1000000000]",
    ),
]


@pytest.mark.parametrize(("name", "value", "message"), MONEY_CASES + INT_CASES)
def test_parameter_refused(name, value, message):
    with pytest.raises(ValueError) as info:
        InventoryParams(**{name: value})
    assert message in str(info.value)


@pytest.mark.parametrize(("kwargs", "message"), COMBINED_CASES)
def test_parameter_combination_refused(kwargs, message):
    with pytest.raises(ValueError) as info:
        InventoryParams(**kwargs)
    assert message in str(info.value)


def test_costs_at_the_limit_keep_rewards_finite():
    """At the documented bounds one period's cost is finite (the bound exists for this)."""
    from inv_gym.envs import InventoryEnv

    top = limits.MAX_MONEY
    params = InventoryParams(holding_cost=top, backorder_cost=top, fixed_order_cost=top, unit_cost=top, max_order=5)
    env = InventoryEnv(params)
    env.reset(seed=0)
    for q in (5, 0, 0, 0):
        _, reward, *_ = env.step(q)
        assert math.isfinite(reward) and reward < 0


# -- distributions built directly --------------------------------------------------------------
DIST_CASES = [
    (lambda: Poisson(True), "poisson rate must be a number >= 0, got True"),
    (lambda: Poisson(-1), "poisson rate must be >= 0"),
    (lambda: Normal(-5, 2), "normal mean must be >= 0, got -5"),
    (lambda: Normal(True, 2), "normal mean must be a number >= 0, got True"),
    (lambda: Normal(5, True), "normal sd must be a number > 0, got True"),
    (lambda: Normal(math.nan, 2), "normal mean must be a finite number"),
    (lambda: Gamma(True, 1), "gamma shape must be a number > 0"),
    (lambda: Gamma(1, "two"), "gamma scale must be a number > 0, got 'two'"),
    (lambda: DiscreteUniform(-1, 3), "discrete uniform low must be an integer >= 0"),
    (lambda: Empirical((0, -1), (0.5, 0.5)), "empirical values must be finite and >= 0"),
    (lambda: parse_distribution("normal:mean=-3,sd=1"), "normal mean must be >= 0, got -3"),
    (lambda: parse_distribution("normal:mean=-3,scv=0.5"), "mean must be > 0, got -3"),
    (lambda: parse_distribution("poisson:-2"), "poisson rate must be >= 0, got -2"),
    (lambda: parse_distribution("normal:mean=abc,sd=1"), "normal: mean must be a number, got 'abc'"),
    (lambda: parse_distribution("gamma:mean=5,scv=x"), "gamma: scv must be a number, got 'x'"),
]


@pytest.mark.parametrize(("build", "message"), DIST_CASES)
def test_distribution_refused(build, message):
    with pytest.raises(ValueError) as info:
        build()
    assert message in str(info.value)


# -- runs: replications, seeds, memory --------------------------------------------------------
RUN_CASES = [
    (lambda: evaluate(SS_POLICY, QR, seed=-1, horizon=10), "seed must be an integer >= 0 or None, got -1"),
    (lambda: evaluate(SS_POLICY, QR, seed=1.5, horizon=10), "seed must be an integer >= 0 or None, got 1.5"),
    (lambda: evaluate(SS_POLICY, QR, seed=True, horizon=10), "seed must be an integer >= 0 or None, got True"),
    (lambda: evaluate(SS_POLICY, QR, seed="1", horizon=10), "seed must be an integer >= 0 or None"),
    (lambda: evaluate(SS_POLICY, QR, reps=0), "reps must be an integer >= 1, got 0"),
    (lambda: evaluate(SS_POLICY, QR, reps=True), "reps must be an integer >= 1, got True"),
    (lambda: evaluate(SS_POLICY, QR, horizon=10**9), "1,000,000,000 periods (warmup + horizon) needs about"),
    (lambda: evaluate(SS_POLICY, QR, reps=10**9), "1,000,000,000 replications x 1,000 periods"),
    (lambda: evaluate(SS_POLICY, QR, horizon=10**8, warmup=10**8), "lower reps or horizon (--reps, --horizon)"),
    (lambda: evaluate(SS_POLICY, QR, lead_time=10**8), "lead_time must be an integer in [0, 1000]"),
    (lambda: evaluate(SS_POLICY, QR, reps=10**6, lead_time=1000, horizon=1), "MEMORY_LIMIT_BYTES"),
    (lambda: trajectory(SS_POLICY, QR, periods=10**8), "lower reps or horizon"),
    (lambda: trajectory(SS_POLICY, QR, seed=-2), "seed must be an integer >= 0 or None, got -2"),
    (lambda: draw_paths(preset_params(QR), 0, 10**6, 10**6), "draws of 1,000,000 systems x 1,000,000 periods"),
    (lambda: draw_paths(preset_params(QR), -1, 2, 2), "seed must be an integer >= 0 or None, got -1"),
    (
        lambda: simulate(SS_POLICY, preset_params(QR), np.zeros((2, 1)), np.zeros((2, 1)), copies=10**9),
        "1,000,000,000 x 2 simulated systems",
    ),
    (lambda: check_run(preset_params(QR), 1, None, 0, min_reps=2), "reps must be an integer >= 2 (a 95% CI"),
    (
        lambda: grid_search("ss", "s=0:99999,S=0:99999", QR, progress=False),
        "a grid of 10,000,000,000 policies x 100 replications",
    ),
    (lambda: grid_search("base_stock", "S=1:5", QR, reps=1, progress=False), "reps must be an integer >= 2"),
    (lambda: grid_search("base_stock", "S=1:5", QR, seed=-1, progress=False), "seed must be an integer >= 0"),
    (lambda: grid_points("ss", "s=0:99999,S=0:99999"), "a grid of 10,000,000,000 points"),
    (lambda: InventoryVectorEnv(10**9, preset_params(QR)), "1,000,000,000 vector-env copies needs about"),
    (lambda: gym.make_vec(QR, num_envs=10**9), "lower num_envs"),
]


@pytest.mark.parametrize(("run", "message"), RUN_CASES)
def test_run_refused(run, message):
    with pytest.raises(ValueError) as info:
        run()
    assert message in str(info.value)


def test_one_replication_gives_an_infinite_interval():
    """A deliberate, documented answer: one replication has a mean and no interval."""
    ev = evaluate(BaseStock(S=17), "inv_gym/BaseStock-v0", reps=1, horizon=20, seed=0)
    c = ev["cost_per_period"]
    assert math.isfinite(c.mean) and c.ci_low == -math.inf and c.ci_high == math.inf and c.n == 1
    assert mean_ci(np.array([3.0])).ci_low == -math.inf


def test_memory_limit_is_read_when_checked(monkeypatch):
    monkeypatch.setattr(limits, "MEMORY_LIMIT_BYTES", 1000)
    with pytest.raises(ValueError, match=r"more than the limit of 1000 B"):
        evaluate(SS_POLICY, QR, reps=2, horizon=10)


# -- saved agents --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def saved_agent(tmp_path_factory):
    """A tiny PPO agent saved to a folder (seconds)."""
    from agents.ppo import train

    out = tmp_path_factory.mktemp("agent")
    train("inv_gym/LostSales-v0", timesteps=64, seed=0, n_envs=2, hyper={"n_steps": 32, "batch_size": 32}, out=str(out))
    return out


def _copy_agent(src, dst, damage):
    import shutil

    shutil.copytree(src, dst)
    damage(dst)
    return dst


def _truncate(path):
    path.write_text(path.read_text()[:50])


class _RunsCode:
    """A pickle payload that would create a file when unpickled."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _legacy_pickle(d):
    import pickle

    (d / "vecnormalize.json").unlink()
    with open(d / "vecnormalize.pkl", "wb") as fh:
        pickle.dump(_RunsCode(d / "UNPICKLED"), fh)


AGENT_DAMAGE = [
    ("truncated agent.json", lambda d: _truncate(d / "agent.json"), "agent.json is corrupt (agent.json is not valid"),
    ("agent.json of the wrong shape", lambda d: (d / "agent.json").write_text("[]"), "agent.json is corrupt"),
    ("no agent.json", lambda d: (d / "agent.json").unlink(), "agent.json missing"),
    ("no model.zip", lambda d: (d / "model.zip").unlink(), "(model.zip missing)"),
    ("truncated statistics", lambda d: _truncate(d / "vecnormalize.json"), "vecnormalize.json is corrupt"),
    (
        "statistics of the wrong shape",
        lambda d: (d / "vecnormalize.json").write_text('{"obs_rms": 1}'),
        "vecnormalize.json is corrupt",
    ),
    ("only the old pickle", _legacy_pickle, "vecnormalize.pkl is a pickle from an earlier version"),
]


@pytest.mark.parametrize(("what", "damage", "message"), AGENT_DAMAGE, ids=[c[0] for c in AGENT_DAMAGE])
def test_saved_agent_refused(saved_agent, tmp_path, what, damage, message):
    from agents.ppo import load

    target = _copy_agent(saved_agent, tmp_path / "agent", damage)
    with pytest.raises(ValueError) as info:
        load(str(target))
    assert message in str(info.value)
    assert "model.zip.zip" not in str(info.value)
    assert not (target / "UNPICKLED").exists()  # nothing was unpickled


def test_saved_agent_files_get_the_umask_mode(saved_agent):
    import os

    umask = os.umask(0)
    os.umask(umask)
    for name in ("agent.json", "vecnormalize.json"):
        assert (saved_agent / name).stat().st_mode & 0o777 == 0o666 & ~umask


TRAIN_CASES = [
    (dict(algo="dqn", hyper={"ent_coef": 0.1}), "hyper: dqn takes no parameter 'ent_coef'"),
    (dict(algo="a2c", hyper={"batch_size": 8}), "hyper: a2c takes no parameter 'batch_size'"),
    (dict(algo="sac"), "algo must be one of ppo, a2c, dqn"),
    (dict(timesteps=True), "timesteps must be an integer >= 1"),
]


@pytest.mark.parametrize(("kwargs", "message"), TRAIN_CASES)
def test_train_config_refused(kwargs, message):
    from agents.ppo import TrainConfig

    with pytest.raises(ValueError) as info:
        TrainConfig(**kwargs)
    assert message in str(info.value)


@pytest.mark.parametrize("algo", ["dqn", "a2c"])
def test_newsvendor_defaults_fit_every_algorithm(algo):
    """The id's PPO rollout settings no longer reach DQN (ent_coef, n-step returns) or A2C (batch_size)."""
    from agents.ppo import algo_parameters, resolve_config

    config = resolve_config("inv_gym/Newsvendor-v0", algo=algo)
    assert set(config.hyper) <= algo_parameters(algo)
    assert "n_steps" not in config.hyper if algo == "dqn" else config.hyper["n_steps"] == 32


# -- the command line ----------------------------------------------------------------------------
def run_cli(args: list[str]) -> int:
    """``inv-gym ARGS`` in process; argparse's usage errors exit through SystemExit."""
    try:
        return main(args)
    except SystemExit as exc:
        return int(exc.code)


EVAL = ["evaluate", "Qr", "--policy", "ss:s=6,S=40"]

CLI_CASES = [
    (["search", "Qr", "--family", "ss", "--grid", "s=0:99999,S=0:99999"], "a grid of 10,000,000,000 policies"),
    ([*EVAL, "--horizon", "1000000000"], "lower reps or horizon (--reps, --horizon)"),
    ([*EVAL, "--reps", "1000000000"], "1,000,000,000 replications"),
    ([*EVAL, "--set", "lead_time=100000000"], "lead_time must be an integer in [0, 1000]"),
    ([*EVAL, "--set", "holding_cost=1e308"], "holding_cost must be >= 0 and <= 1e+12"),
    ([*EVAL, "--set", "holding_cost=true"], "holding_cost must be a number"),
    ([*EVAL, "--set", "demand=normal:mean=-5,sd=2"], "normal mean must be >= 0, got -5"),
    ([*EVAL, "--set", "shelf_life=1000000"], "shelf_life must be an integer in [1, 1000]"),
    ([*EVAL, "--reps", "1"], "--reps: must be an integer >= 2"),
    ([*EVAL, "--seed", "-1"], "--seed must be an integer >= 0, got -1"),
    (["solve", "Newsvendor", "--set", "unit_cost=1", "--set", "salvage_value=5", "--set", "price=2"], "salvage_value"),
    (["solve", "Newsvendor", "--set", "unit_cost=0", "--set", "salvage_value=0"], "unit_cost + holding_cost"),
    (["solve", "Qr", "--set", "holding_cost=0"], "holding_cost must be > 0 for an optimal (s, S) policy"),
    (["solve", "LostSales", "--simulate", "--reps", "1"], "--reps: must be an integer >= 2"),
    (["train", "LostSales", "--eval-reps", "0"], "--eval-reps: must be an integer >= 2"),
    (["train", "LostSales", "--eval-reps", "1", "--algo", "pathwise"], "--eval-reps: must be an integer >= 2"),
    (["score", "zipkin-lost-sales/L1-p4", "--agent", "base_stock:S=8", "--reps", "1"], "--reps: must be an integer"),
    (["score", "zipkin-lost-sales/L1-p4", "--agent", "missing.zip"], "no such file 'missing.zip'"),
    (["study", "--tiny"], "NAME is required: one of"),
    (["study", "--quick"], "NAME is required"),
    (["study"], "NAME is required"),
    *[([*EVAL, "--set", f"{name}=1e308"], f"{name} must be >= 0 and <= 1e+12") for name in MONEY_PARAMS],
    ([*EVAL, "--set", "lead_time=poisson:1e8"], "lead_time's 1 - 1e-09 quantile must be <= 1000"),
    ([*EVAL, "--set", "demand=poisson:1e13"], "demand's upper bound"),
    ([*EVAL, "--set", "max_order=1e10"], "max_order must be an integer in [1, 1000000000]"),
    ([*EVAL, "--set", "horizon=1e12"], "horizon must be an integer in [1, 1000000000]"),
    ([*EVAL, "--set", "demand=normal:mean=abc,sd=1"], "mean must be a number, got 'abc'"),
    (["bandit", "Qr", "--family", "ss", "--grid", "s=0:99999,S=0:99999"], "a grid of 10,000,000,000 points"),
    (["solve", "LostSales", "--simulate", "--seed", "-1"], "--seed must be an integer >= 0, got -1"),
]


@pytest.mark.parametrize(("args", "message"), CLI_CASES)
def test_cli_refused(args, message, capsys):
    code = run_cli(args)
    err = capsys.readouterr().err
    assert code != 0
    assert message in err
    assert "Traceback" not in err


def test_cli_csv_to_a_folder_names_the_folder(tmp_path, capsys):
    assert run_cli([*EVAL, "--reps", "2", "--horizon", "5", "--csv", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"cannot write {tmp_path} (it is a directory" in err and ".tmp" not in err and "Traceback" not in err


def test_cli_csv_gets_the_umask_mode(tmp_path, capsys):
    import os

    path = tmp_path / "reps.csv"
    assert run_cli([*EVAL, "--reps", "2", "--horizon", "5", "--csv", str(path), "--json"]) == 0
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_cli_train_dqn_on_the_newsvendor(tmp_path, capsys):
    """Was a TypeError on ent_coef: the id's PPO settings reached DQN."""
    out = tmp_path / "dqn"
    args = ["train", "Newsvendor", "--algo", "dqn", "--timesteps", "64", "--eval-reps", "4", "--out", str(out)]
    assert run_cli([*args, "--no-progress"]) == 0
    assert (out / "model.zip").exists() and (out / "vecnormalize.json").exists()


@pytest.mark.parametrize(
    ("command", "flag", "fragment"), [("score", "--agent", "trust"), ("benchmark", "--scheduler", "trust")]
)
def test_help_says_what_must_be_trusted(command, flag, fragment, capsys):
    """SB3 zips and Dask schedulers unpickle what they send: the flags' help says so."""
    assert run_cli([command, "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert flag in out and fragment in out[out.index(flag) :]
