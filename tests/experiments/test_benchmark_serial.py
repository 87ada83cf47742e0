"""The benchmark on serial chains: instances, rows, scoring on the chain's kernel, fingerprints, scheduling."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from test_benchmark import SMALL as BENCH_SMALL

from experiments import benchmark as bm
from inv_gym.instances import get_instance, instance_set
from inv_gym.params import InventoryParams
from inv_gym.serial.params import SerialParams

#: the tiny sizes of the benchmark's tests, with enough bandit pulls to try each of the chain's 27 arms;
#: the pathwise budget its 3 gradient steps alone (no CPU-time limit)
SMALL = dict(BENCH_SMALL, bandit_iterations=40, pathwise_time_limit=None)
CHAIN = "Serial-example-6.1"
#: a chain's tasks in order: every row but SB3 PPO (the native PPO is the chain's PPO row)
CHAIN_ROWS = [
    "pathwise",
    "native_ppo",
    "optimum",
    "heuristic:echelon_base_stock",
    "heuristic:installation_base_stock",
    "bandit",
]
#: the Clark-Scarf optimum of Snyder & Shen's Example 6.1 (inv_gym.instances' serial/example-6.1)
EXAMPLE_LEVELS, EXAMPLE_COST = (9, 15, 26), 52.046741


def _cfg(tmp_path, **kw):
    d = dict(SMALL)
    d.update(kw)
    return bm.BenchmarkConfig(out=str(tmp_path / "bench"), **d)


def _record(cfg, task):
    with open(os.path.join(cfg.out, "tasks", task.key + ".json")) as fh:
        return json.load(fh)["value"]


def test_serial_instances_are_the_named_serial_set():
    chains = {n: i for n, i in bm.INSTANCES.items() if i.serial}
    assert list(chains) == [f"Serial-{i.name}" for i in instance_set("serial")] and len(chains) == 18
    for name, inst in chains.items():
        named = get_instance(f"serial/{name.removeprefix('Serial-')}")
        assert inst.env_id == "inv_gym/Serial-v0" and inst.params() == named.params
        assert bm.named_instance(name) is named
    assert not any(bm.INSTANCES[n].serial for n in (*bm.suite_instances(), *bm.zipkin_instances()))
    assert bm.named_instance("LostSales") is None
    assert bm.FULL_SERIAL_INSTANCES == (
        "Serial-example-6.1",
        "Serial-hdpo-L1-p4",
        "Serial-hdpo-L2-p9",
        "Serial-hdpo-L3-p19",
        "Serial-hdpo-L4-p39",
    )
    assert isinstance(bm.INSTANCES["Serial-hdpo-L3-p19"].params(), SerialParams)


def test_search_grids_bandit_arms_and_specs():
    assert bm.serial_search_grids("echelon_base_stock", (9, 15, 26)) == [
        [7, 8, 9, 10, 11],
        [13, 14, 15, 16, 17],
        [24, 25, 26, 27, 28],
    ]
    # installation levels s*_m = S*_m - S*_(m-1), never below 0
    assert bm.serial_search_grids("installation_base_stock", (1, 15, 26), radius=2) == [
        [0, 1, 2, 3],
        [12, 13, 14, 15, 16],
        [9, 10, 11, 12, 13],
    ]
    arms = bm.serial_bandit_arms((9, 15, 26))
    assert len(arms) == 27 and EXAMPLE_LEVELS in arms and (7, 13, 24) in arms and (11, 17, 28) in arms
    assert len(bm.serial_bandit_arms((1, 15))) == 3 * 3 - 0 and (0, 13) in bm.serial_bandit_arms((1, 15))
    assert len(bm.serial_bandit_arms((0, 15))) == 2 * 3  # 0 - 2 and 0 clip to the same level
    assert bm.levels_spec("echelon_base_stock", (9, 15, 26)) == "echelon_base_stock:S=9 15 26"
    assert bm.levels_spec("installation_base_stock", (9, 6, 11)) == "installation_base_stock:s=9 6 11"
    for bad in (lambda: bm.levels_spec("base_stock", (1,)), lambda: bm.serial_search_grids("ss", (1,))):
        with pytest.raises(ValueError, match="family must be 'echelon_base_stock' or 'installation_base_stock'"):
            bad()


def test_small_serial_benchmark_end_to_end(tmp_path):
    cfg = _cfg(tmp_path, instances=(CHAIN,))
    tasks = bm.make_tasks(cfg)
    assert [t.row for t in tasks] == CHAIN_ROWS
    df = bm.run_benchmark(cfg)
    rows = df.set_index("agent")
    assert list(rows.index) == [
        "optimum",
        "heuristic:echelon_base_stock",
        "heuristic:installation_base_stock",
        "bandit",
        "native_ppo",
        "pathwise",
    ]
    params = bm.INSTANCES[CHAIN].params()
    # the optimum: Clark-Scarf's exact cost and levels, its policy scored on the common draws
    opt = rows.loc["optimum"]
    assert opt.status == "ok" and opt.exact_cost == pytest.approx(EXAMPLE_COST, abs=1e-5)
    assert opt.literature_cost == pytest.approx(52.044) and opt.gap_pct == 0
    assert json.loads(opt.policy) == {"family": "echelon_base_stock", "S": list(EXAMPLE_LEVELS)}
    from agents.serial import EchelonBaseStock, InstallationBaseStock
    from inv_gym.serial.evaluation import serial_evaluate

    def simulated(policy):
        ev = serial_evaluate(policy, params, reps=10, horizon=200, warmup=20, seed=cfg.eval_seed)
        return ev["cost_per_period"]

    c = simulated(EchelonBaseStock(EXAMPLE_LEVELS))
    assert (opt.cost, opt.cost_ci_low, opt.cost_ci_high) == pytest.approx((c.mean, c.ci_low, c.ci_high), rel=1e-12)
    # the searches: levels within 2 of the optimum's, each rescored by the same evaluator on the same draws
    for family, cls, centre in (
        ("echelon_base_stock", EchelonBaseStock, EXAMPLE_LEVELS),
        ("installation_base_stock", InstallationBaseStock, (9, 6, 11)),
    ):
        row = rows.loc[f"heuristic:{family}"]
        prefix = "S=" if family == "echelon_base_stock" else "s="
        assert row.status == "ok" and row.policy.startswith(f"{family}:{prefix}")
        levels = [int(x) for x in row.policy.split("=", 1)[1].split()]
        assert all(abs(a - b) <= 2 for a, b in zip(levels, centre)) and len(levels) == 3
        assert row.cost == pytest.approx(simulated(cls(levels)).mean, rel=1e-12)
        assert row.train_steps == 5**3 * 5 * (100 + 100) and abs(row.gap_pct) < 10
    bandit = rows.loc["bandit"]
    levels = tuple(int(x) for x in bandit.policy.split("=", 1)[1].split())
    assert bandit.status == "ok" and levels in bm.serial_bandit_arms(EXAMPLE_LEVELS)
    assert bandit.cost == pytest.approx(simulated(EchelonBaseStock(levels)).mean, rel=1e-12)
    assert bandit.train_steps == 40 * (50 + bm.SERIAL_BANDIT_WARMUP) and "27 echelon base-stock arms" in bandit.method
    # the learners train on the chain (tiny budgets): real rows scored by the chain's evaluator
    assert bm.learner_unsupported("native_ppo", params) is None and bm.learner_unsupported("pathwise", params) is None
    for agent, steps in (("native_ppo", 8192), ("pathwise", 3 * 1024 * 50)):
        row = rows.loc[agent]
        assert row.status == "ok" and np.isfinite(row.cost) and row.train_steps == steps, agent
        assert row.cost_ci_low <= row.cost <= row.cost_ci_high and row.gap_pct > -5  # no better than the optimum
    assert json.loads(rows.loc["native_ppo"].policy)["action"] == "order_up_to"
    assert json.loads(rows.loc["pathwise"].policy)["iterations"] == 3
    # the outputs
    table = open(os.path.join(cfg.out, "table.md")).read()
    assert f"| {CHAIN} | optimum | " in table and "52.047 (lit. 52.04)" in table
    assert "echelon_base_stock:S=" in table and "Clark-Scarf" in table
    for name in ("table.md", "table.csv", "results.csv", "gap.png"):
        assert os.path.exists(os.path.join(cfg.out, name)), name
    results = open(os.path.join(cfg.out, "results.csv")).read()
    assert f"{CHAIN}__heuristic-installation_base_stock__s0" in results
    # finished tasks are reused on a rerun
    assert all(bm.is_finished(cfg, t) for t in tasks)


@pytest.mark.parametrize("name", ["Serial-example-6.1", "Serial-hdpo-L2-p9"])
def test_the_optimum_rows_simulated_cost_covers_the_exact_value(tmp_path, name):
    cfg = _cfg(tmp_path, instances=(name,), agents=("optimum",), eval_reps=40, eval_horizon=2000, eval_warmup=100)
    row = bm.run_benchmark(cfg).iloc[0]
    exact = get_instance(f"serial/{name.removeprefix('Serial-')}").optimum
    assert row.status == "ok" and row.exact_cost == pytest.approx(exact, abs=1e-5)
    assert row.cost_ci_low <= row.exact_cost <= row.cost_ci_high
    assert row.cost_ci_high - row.cost_ci_low < 0.02 * exact  # a moderate evaluation: a CI within 2%


def test_a_learner_that_does_not_cover_chains_gives_a_not_applicable_row(tmp_path, monkeypatch):
    import agents.native_ppo
    import agents.pathwise

    def chain_train(env: str | InventoryParams | SerialParams, config=None, *, overrides=None, out=None):
        raise AssertionError("only its annotation is read here")

    def single_stage_train(env: str | InventoryParams, config=None, *, overrides=None, out=None):
        raise AssertionError("not called on a chain it does not cover")

    cfg = _cfg(tmp_path, instances=(CHAIN,), agents=("native_ppo", "pathwise"))
    params = bm.INSTANCES[CHAIN].params()

    def prints():
        return {t.agent: bm.fingerprint(t, cfg) for t in bm.make_tasks(cfg)}

    # learners that cover chains (the native PPO: the parameter types its train declares)
    monkeypatch.setattr(agents.native_ppo, "train", chain_train)
    monkeypatch.setattr(agents.native_ppo, "default_action", lambda params: "order_up_to")
    monkeypatch.setattr(agents.pathwise, "pathwise_unsupported", lambda params: None)
    assert bm.learner_unsupported("native_ppo", params) is None and bm.learner_unsupported("pathwise", params) is None
    covered = prints()
    # learners that do not
    reason = "the pathwise learner covers single-stage models only"
    monkeypatch.setattr(agents.native_ppo, "train", single_stage_train)
    monkeypatch.setattr(agents.pathwise, "pathwise_unsupported", lambda params: reason)
    native_reason = bm.learner_unsupported("native_ppo", params)
    assert native_reason == "the native PPO (agents.native_ppo.train) trains on InventoryParams, not on SerialParams"
    assert bm.learner_unsupported("native_ppo", bm.INSTANCES["LostSales"].params()) is None
    # whether a learner covers chains is in its fingerprint: one that gains them reruns its n/a rows
    not_covered = prints()
    assert all(not_covered[a] != covered[a] for a in ("native_ppo", "pathwise"))
    df = bm.run_benchmark(cfg).set_index("agent")
    assert (df.status == "n/a").all()
    assert df.loc["native_ppo"].note == native_reason and df.loc["pathwise"].note == reason
    table = open(os.path.join(cfg.out, "table.md")).read()
    assert f"| {CHAIN} | pathwise | n/a |" in table and f"| {CHAIN} | native_ppo | n/a |" in table
    assert all(bm.is_finished(cfg, t) for t in bm.make_tasks(cfg))  # n/a rows are reused while nothing changes
    with pytest.raises(ValueError, match="agent must be 'native_ppo' or 'pathwise'"):
        bm.learner_unsupported("ppo", params)


def test_sb3_ppo_is_not_a_row_of_a_chain(tmp_path):
    cfg = _cfg(tmp_path, instances=(CHAIN, "BaseStock"))
    assert {t.instance for t in bm.make_tasks(cfg) if t.agent == "ppo"} == {"BaseStock"}
    with pytest.raises(
        ValueError, match=r"ppo_instances: stable-baselines3 PPO does not run on serial chains \['Serial"
    ):
        bm.BenchmarkConfig(ppo_instances=("BaseStock", CHAIN))
    # called anyway, the row says why instead of failing
    res = bm.ROW_FUNCTIONS["ppo"](bm.Task(CHAIN, "ppo"), bm.INSTANCES[CHAIN].params(), cfg)
    assert res["status"] == "n/a" and "serial chains" in res["method"]


def test_serial_fingerprints_follow_their_rows_settings(tmp_path):
    base = _cfg(tmp_path, instances=(CHAIN,))
    tasks = {t.row: t for t in bm.make_tasks(base)}

    def prints(cfg):
        return {row: bm.fingerprint(t, cfg) for row, t in tasks.items()}

    ref = prints(base)
    assert len(set(ref.values())) == len(ref)
    owners = {
        "search_reps": {"heuristic:echelon_base_stock", "heuristic:installation_base_stock"},
        "bandit_iterations": {"bandit"},
        "native_ppo_timesteps": {"native_ppo"},
        "pathwise_iterations": {"pathwise"},
        "eval_seed": set(ref),
    }
    for field, owner in owners.items():
        got = prints(_cfg(tmp_path, instances=(CHAIN,), **{field: getattr(base, field) + 1}))
        assert {r for r in got if got[r] != ref[r]} == owner, field
    # the chain's own settings: the search radius and the bandit's arms
    settings = bm.task_settings(tasks["heuristic:echelon_base_stock"], base)["settings"]
    assert settings["serial_search_radius"] == bm.SERIAL_SEARCH_RADIUS == 2
    settings = bm.task_settings(tasks["bandit"], base)["settings"]
    assert settings["serial_bandit"] == {"offsets": [-2, 0, 2], "warmup": 50}
    assert bm.task_settings(tasks["optimum"], base)["instance"]["env_id"] == "inv_gym/Serial-v0"


def test_single_stage_classical_tasks_keep_the_fingerprints_of_the_committed_full_run():
    """Adding the chains changes no single-stage task: the records of docs/benchmark-full still resume."""
    cfg = bm.BenchmarkConfig.for_mode("full")
    folder = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "benchmark-full", "tasks")
    if not os.path.isdir(folder):
        pytest.skip("no docs/benchmark-full/tasks in this checkout")
    checked = 0
    for task in bm.make_tasks(cfg):
        path = os.path.join(folder, task.key + ".json")
        if bm.INSTANCES[task.instance].serial or task.agent not in ("optimum", "heuristic", "bandit"):
            continue
        with open(path) as fh:
            assert json.load(fh)["fingerprint"] == bm.fingerprint(task, cfg), task.key
        checked += 1
    # the suite's 9 optima, 12 heuristic families and 9 bandits; Zipkin's 16 x (optimum, 2 families, bandit)
    assert checked == 9 + 12 + 9 + 16 * 4


def test_quick_and_full_schedule_the_chains():
    quick = bm.BenchmarkConfig.for_mode("quick")
    tasks = bm.make_tasks(quick)
    chain = [t.row for t in tasks if bm.INSTANCES[t.instance].serial]
    assert chain == CHAIN_ROWS
    assert {t.instance for t in tasks if bm.INSTANCES[t.instance].serial} == {CHAIN}
    assert CHAIN in bm.QUICK_PATHWISE_INSTANCES and CHAIN in quick.instances
    assert len(tasks) == 59 and len(quick.instances) == 10  # 57 + the pathwise rows of EOQ and ConcreteMixers
    # named alone: the same rows (a named instance gets a pathwise row), still no SB3 PPO
    assert [t.row for t in bm.make_tasks(bm.BenchmarkConfig.for_mode("quick", instances=(CHAIN,)))] == chain
    full = bm.BenchmarkConfig.for_mode("full")
    tasks = bm.make_tasks(full)
    chains = [t for t in tasks if bm.INSTANCES[t.instance].serial]
    assert tuple(dict.fromkeys(t.instance for t in chains)) == bm.FULL_SERIAL_INSTANCES
    per_chain = sorted(t.key.split("__", 1)[1] for t in chains if t.instance == "Serial-hdpo-L4-p39")
    assert per_chain == [
        "bandit__s0",
        "heuristic-echelon_base_stock__s0",
        "heuristic-installation_base_stock__s0",
        "native_ppo__s0",
        "native_ppo__s1",
        "native_ppo__s2",
        "optimum__s0",
        "pathwise__s0",
    ]
    assert len(chains) == 5 * 8 and len(tasks) == 261 and len(full.instances) == 30


def test_cli_runs_a_chain(tmp_path, capsys):
    from experiments.cli import main

    out = str(tmp_path / "cli")
    argv = ["benchmark", "--envs", "Serial-hdpo-L1-p4", "--agents", "optimum", "--out", out, "--n-jobs", "1"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "| Serial-hdpo-L1-p4 | optimum | " in printed and "10.285" in printed
