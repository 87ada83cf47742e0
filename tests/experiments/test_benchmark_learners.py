"""The benchmark's learned rows: native PPO and the pathwise learner (rows, seeds, fingerprints, CLI)."""

from __future__ import annotations

import dataclasses
import json
import os

import pytest

from experiments import benchmark as bm

SMALL = dict(
    eval_reps=10,
    eval_horizon=200,
    eval_warmup=20,
    native_ppo_timesteps=1000,  # one iteration of 128 x 64 steps
    pathwise_time_limit=1.0,
    pathwise_iterations=3,
    n_jobs=1,
)


def _cfg(tmp_path, **kw):
    d = dict(SMALL)
    d.update(kw)
    return bm.BenchmarkConfig(out=str(tmp_path / "bench"), **d)


def _task(cfg, instance, agent, seed=0):
    with open(os.path.join(cfg.out, "tasks", bm.Task(instance, agent, seed).key + ".json")) as fh:
        return json.load(fh)["value"]  # the runner's record holds the task's result


def test_learned_rows_over_seeds_and_not_applicable_rows(tmp_path):
    cfg = _cfg(tmp_path, instances=("LostSales", "DualSourcing"), agents=("optimum", "native_ppo", "pathwise"), seeds=2)
    keys = [t.key for t in bm.make_tasks(cfg)]
    # the learners first (pathwise, one seed; native PPO, two seeds), then the optimum
    assert keys[:2] == ["LostSales__pathwise__s0", "DualSourcing__pathwise__s0"]
    assert keys[2:6] == [f"{i}__native_ppo__s{s}" for i in ("LostSales", "DualSourcing") for s in (0, 1)]
    df = bm.run_benchmark(cfg)
    ls = df[df.instance == "LostSales"].set_index("agent")
    assert list(ls.index) == ["optimum", "native_ppo", "pathwise"]
    assert (ls.status == "ok").all()
    # native PPO: mean and Student-t CI over the two seeds, each seed's cost kept
    nat = ls.loc["native_ppo"]
    seed_costs = [_task(cfg, "LostSales", "native_ppo", s)["cost"] for s in (0, 1)]
    mean, lo, hi = bm._t_ci(seed_costs)
    assert (
        nat.runs == 2
        and nat.cost == pytest.approx(mean)
        and (nat.cost_ci_low, nat.cost_ci_high) == pytest.approx((lo, hi))
    )
    assert json.loads(nat.seed_costs) == [round(c, 4) for c in seed_costs]
    assert nat.train_steps == 8192 and nat.gap_pct > -5  # cannot beat the optimum beyond the noise
    # pathwise: the training steps are the simulated periods of the gradient steps run
    pw = _task(cfg, "LostSales", "pathwise")
    iterations = pw["policy"]["iterations"]
    assert 1 <= iterations <= 3 and pw["train_steps"] == iterations * 1024 * 50
    assert f'"iterations": {iterations}' in ls.loc["pathwise"].policy
    # dual sourcing: both learners train (one softmax per source; two outputs (q_r, q_e))
    ds = df[df.instance == "DualSourcing"].set_index("agent")
    assert (ds.status == "ok").all() and ds.loc["native_ppo"].runs == 2
    table = open(os.path.join(cfg.out, "table.md")).read()
    assert "| DualSourcing | pathwise | " in table and "| LostSales | native_ppo | " in table
    # finished tasks are reused; another budget reruns only that learner's tasks
    assert all(bm.is_finished(cfg, t) for t in bm.make_tasks(cfg))
    more = _cfg(tmp_path, instances=cfg.instances, agents=cfg.agents, seeds=2, native_ppo_timesteps=9000)
    assert [t.key for t in bm.make_tasks(more) if not bm.is_finished(more, t)] == [
        "LostSales__native_ppo__s0",
        "LostSales__native_ppo__s1",
        "DualSourcing__native_ppo__s0",
        "DualSourcing__native_ppo__s1",
    ]


def test_fingerprints_follow_the_learners_settings_and_defaults(tmp_path, monkeypatch):
    import agents.native_ppo
    import agents.pathwise

    base = _cfg(tmp_path, instances=("LostSales",))
    nat, pw, opt = bm.Task("LostSales", "native_ppo"), bm.Task("LostSales", "pathwise"), bm.Task("LostSales", "optimum")

    def prints(cfg):
        return {t.agent: bm.fingerprint(t, cfg) for t in (nat, pw, opt)}

    ref = prints(base)
    changed = {
        "native_ppo_timesteps": 2000,
        "pathwise_time_limit": 2.0,
        "pathwise_iterations": 4,
    }
    owner = {"native_ppo_timesteps": "native_ppo", "pathwise_time_limit": "pathwise", "pathwise_iterations": "pathwise"}
    for field, value in changed.items():
        got = prints(_cfg(tmp_path, instances=("LostSales",), **{field: value}))
        assert {a for a in got if got[a] != ref[a]} == {owner[field]}, field
    # task selection only: the pathwise seeds and instances change no task's result
    assert prints(_cfg(tmp_path, instances=("LostSales",), pathwise_instances=("LostSales",), pathwise_seeds=3)) == ref
    assert bm.fingerprint(bm.Task("LostSales", "native_ppo", 1), base) != ref["native_ppo"]
    # a changed default of a learner's config (e.g. its action) reruns that learner's tasks only

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class NativeChanged(agents.native_ppo.NativePPOConfig):
        entropy_coef: float = 0.01

    monkeypatch.setattr(agents.native_ppo, "NativePPOConfig", NativeChanged)
    assert bm.native_ppo_config(nat, base).entropy_coef == 0.01
    got = prints(base)
    assert got["native_ppo"] != ref["native_ppo"] and got["pathwise"] == ref["pathwise"]

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class PathwiseChanged(agents.pathwise.PathwiseConfig):
        lr: float = 1e-3

    monkeypatch.setattr(agents.pathwise, "PathwiseConfig", PathwiseChanged)
    assert prints(base)["pathwise"] != ref["pathwise"]
    # the learners' budgets besides their defaults: the seed and the CPU clock
    config = bm.pathwise_config(pw, base)
    assert (config.time_limit, config.clock, config.iterations, config.seed) == (1.0, "cpu", 3, 0)
    # without a time limit the budget is the iteration count alone (a reproducible row)
    assert bm.pathwise_config(pw, bm.BenchmarkConfig()).time_limit is None


def test_quick_and_full_configs_schedule_the_learners():
    quick = bm.make_tasks(bm.BenchmarkConfig.for_mode("quick"))
    rows = {(t.instance, t.agent) for t in quick}
    ids = tuple(bm.suite_instances())
    assert all((i, "native_ppo") in rows for i in ids)
    assert {t.instance for t in quick if t.agent == "pathwise"} == set(bm.QUICK_PATHWISE_INSTANCES)
    assert "LostSales" in bm.QUICK_PATHWISE_INSTANCES
    # naming instances gives each of them a pathwise row
    named = bm.make_tasks(bm.BenchmarkConfig.for_mode("quick", instances=("EOQ", "Zipkin-L2-p9")))
    assert {t.instance for t in named if t.agent == "pathwise"} == {"EOQ", "Zipkin-L2-p9"}
    full = bm.BenchmarkConfig.for_mode("full")
    tasks = bm.make_tasks(full)
    assert full.native_ppo_timesteps >= 1_000_000 and (full.pathwise_iterations, full.pathwise_time_limit) == (
        1500,
        None,
    )
    # the suite's 9 ids, Zipkin's 16 instances and 5 serial chains
    assert len([t for t in tasks if t.agent == "native_ppo"]) == 3 * len(full.instances) == 3 * 30
    # SB3 PPO on the suite's ids only: on Zipkin's grid and the serial chains the native PPO is the PPO row
    assert {t.instance for t in tasks if t.agent == "ppo"} == set(ids)
    assert len([t for t in tasks if t.agent == "ppo"]) == 3 * len(ids)
    with pytest.raises(ValueError, match="ppo_instances: unknown instance"):
        bm.BenchmarkConfig(ppo_instances=("Nope",))
    assert len([t for t in tasks if t.agent == "pathwise"]) == 30
    with pytest.raises(ValueError, match="pathwise_instances: unknown instance"):
        bm.BenchmarkConfig(pathwise_instances=("Nope",))
    for field in ("native_ppo_timesteps", "pathwise_iterations", "pathwise_seeds"):
        with pytest.raises(ValueError, match=f"{field} must be >= 1, got 0"):
            bm.BenchmarkConfig(**{field: 0})
    with pytest.raises(ValueError, match="pathwise_time_limit must be > 0 CPU seconds or None, got 0"):
        bm.BenchmarkConfig(pathwise_time_limit=0)


def test_cli_learner_agents_and_budgets(tmp_path, capsys):
    from experiments.cli import main

    out = str(tmp_path / "cli")
    argv = ["benchmark", "--envs", "DualSourcing", "--agents", "native_ppo", "pathwise", "--out", out, "--n-jobs", "1"]
    assert main([*argv, "--native-timesteps", "100", "--pathwise-time-limit", "0.5"]) == 0
    printed = capsys.readouterr().out
    assert "| DualSourcing | pathwise | " in printed and "| DualSourcing | native_ppo | " in printed
    assert "n/a" not in printed
    out2 = str(tmp_path / "cli2")
    argv = ["benchmark", "--envs", "LostSales", "--agents", "native_ppo", "pathwise", "--out", out2, "--n-jobs", "1"]
    assert main([*argv, "--native-timesteps", "100", "--pathwise-time-limit", "0.5"]) == 0
    tasks = os.path.join(out2, "tasks")
    with open(os.path.join(tasks, "LostSales__native_ppo__s0.json")) as fh:
        assert json.load(fh)["value"]["train_steps"] == 8192  # the budget reached the config (one whole iteration)
    with open(os.path.join(tasks, "LostSales__pathwise__s0.json")) as fh:
        res = json.load(fh)["value"]
    assert res["status"] == "ok" and res["policy"]["cpu_s"] >= 0.5
    with pytest.raises(SystemExit):
        main(["benchmark", "--agents", "dqn"])
