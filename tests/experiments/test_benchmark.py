"""The benchmark runner: rows, resume, failure reporting, and the Dask path."""

from __future__ import annotations

import json
import os

import pytest

from experiments import benchmark as bm

SMALL = dict(
    eval_reps=10,
    eval_horizon=200,
    eval_warmup=20,
    search_reps=5,
    search_horizon=100,
    bandit_iterations=20,
    bandit_horizon=50,
    ppo_timesteps=300,
    native_ppo_timesteps=1000,  # one iteration of 128 x 64 steps (the default is 1M)
    pathwise_time_limit=1.0,  # CPU seconds (by default none: the iteration budget alone)
    pathwise_iterations=3,
    curve_points=2,
    ppo_kwargs={"n_envs": 2},
    n_jobs=1,
)


def _cfg(tmp_path, **kw):
    d = dict(SMALL)
    d.update(kw)
    return bm.BenchmarkConfig(out=str(tmp_path / "bench"), **d)


def test_rows_and_outputs(tmp_path):
    pytest.importorskip("agents.search")
    cfg = _cfg(tmp_path, instances=("BaseStock", "StochasticLeadTime"))
    df = bm.run_benchmark(cfg)
    got = set(zip(df.instance, df.agent))
    assert ("BaseStock", "optimum") in got and ("BaseStock", "ppo") in got
    assert ("BaseStock", "heuristic:base_stock") in got and ("BaseStock", "bandit") in got
    opt = df[(df.instance == "BaseStock") & (df.agent == "optimum")].iloc[0]
    assert opt.gap_pct == 0 and opt.exact_cost == pytest.approx(7.12, abs=0.01)
    # the base-stock heuristic finds the optimal level on the same draws
    heur = df[(df.instance == "BaseStock") & (df.agent == "heuristic:base_stock")].iloc[0]
    assert abs(heur.gap_pct) < 2
    # random lead times: the certified optimum of relative value iteration; no row falls back to "best classical"
    slt = df[(df.instance == "StochasticLeadTime") & (df.agent == "optimum")].iloc[0]
    assert slt.status == "ok" and slt.gap_pct == 0 and slt.exact_cost == pytest.approx(21.295, abs=0.001)
    assert "best classical" not in set(df.reference)
    assert "*" not in open(os.path.join(cfg.out, "table.md")).read().split("Cost per period")[0]
    for name in ("table.md", "table.csv", "results.csv", "gap.png", "curves/BaseStock.png"):
        assert os.path.exists(os.path.join(cfg.out, name)), name


def test_resume_skips_finished_tasks(tmp_path, monkeypatch):
    first = _cfg(tmp_path, instances=("LostSales",), agents=("optimum",))
    bm.run_benchmark(first)
    path = os.path.join(first.out, "tasks", "LostSales__optimum__s0.json")
    stamp = os.stat(path).st_mtime_ns
    # "interrupted": only the optimum finished; the rerun adds the bandit and keeps the optimum
    again = _cfg(tmp_path, instances=("LostSales",), agents=("optimum", "bandit"))
    ran = []

    def spy(row):
        def wrapped(task, params, cfg):
            ran.append(task.key)
            return row(task, params, cfg)

        return wrapped

    for agent in ("optimum", "bandit"):
        monkeypatch.setitem(bm.ROW_FUNCTIONS, agent, spy(bm.ROW_FUNCTIONS[agent]))
    df = bm.run_benchmark(again)
    assert ran == ["LostSales__bandit__s0"]
    assert os.stat(path).st_mtime_ns == stamp
    assert set(df.agent) == {"optimum", "bandit"}
    # other settings: not reused
    changed = _cfg(tmp_path, instances=("LostSales",), agents=("optimum",), eval_seed=99)
    assert not bm.is_finished(changed, bm.Task("LostSales", "optimum"))


def test_a_stored_not_applicable_optimum_is_asked_again(tmp_path, monkeypatch):
    """An n/a optimum (no exact method in the code that ran it) is recomputed; an n/a learner row is reused."""
    cfg = _cfg(tmp_path, instances=("LostSales",), agents=("optimum",))
    solved = bm.ROW_FUNCTIONS["optimum"]
    monkeypatch.setitem(bm.ROW_FUNCTIONS, "optimum", lambda task, params, cfg: {"status": "n/a", "method": "none yet"})
    bm.run_benchmark(cfg)
    assert not bm.is_finished(cfg, bm.Task("LostSales", "optimum"))
    monkeypatch.setitem(bm.ROW_FUNCTIONS, "optimum", solved)
    df = bm.run_benchmark(cfg)
    assert df.set_index("agent").loc["optimum"].status == "ok"
    assert bm.is_finished(cfg, bm.Task("LostSales", "optimum"))


def test_failed_task_is_reported_and_others_finish(tmp_path, monkeypatch):
    def boom(task, params, cfg):
        raise RuntimeError("solver exploded")

    monkeypatch.setitem(bm.ROW_FUNCTIONS, "optimum", boom)
    cfg = _cfg(tmp_path, instances=("BaseStock",), agents=("optimum", "bandit"))
    df = bm.run_benchmark(cfg)
    row = df[df.agent == "optimum"].iloc[0]
    assert row.status == "error" and "solver exploded" in row.note
    assert df[df.agent == "bandit"].iloc[0].status == "ok"
    with open(os.path.join(cfg.out, "tasks", "BaseStock__optimum__s0.json")) as fh:
        assert json.load(fh)["value"]["status"] == "error"  # the runner's record of the task
    assert "solver exploded" in open(os.path.join(cfg.out, "table.md")).read()
    assert not bm.is_finished(cfg, bm.Task("BaseStock", "optimum"))  # rerun retries it


def test_dask_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp://", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        cfg = _cfg(
            tmp_path,
            instances=("Newsvendor",),
            agents=("optimum", "bandit", "ppo"),
            backend="dask",
            scheduler=cluster.scheduler_address,
        )
        df = bm.run_benchmark(cfg)
    assert set(df.agent) == {"optimum", "bandit", "ppo"}
    assert (df.status == "ok").all()
    assert len(os.listdir(os.path.join(cfg.out, "tasks"))) == 3


def test_cli_benchmark_and_train(tmp_path, capsys):
    from experiments.cli import main

    out = str(tmp_path / "cli")
    assert main(["benchmark", "--envs", "EOQ", "--agents", "optimum", "--out", out, "--n-jobs", "1"]) == 0
    assert "EOQ | optimum" in capsys.readouterr().out
    assert (
        main(
            [
                "train",
                "BaseStock",
                "--algo",
                "a2c",
                "--timesteps",
                "200",
                "--out",
                str(tmp_path / "a2c"),
                "--eval-reps",
                "3",
                "--eval-horizon",
                "50",
                "--no-progress",
                "--json",
            ]
        )
        == 0
    )
    res = json.loads(capsys.readouterr().out)
    assert res["algo"] == "a2c" and res["timesteps"] >= 200
    assert main(["benchmark", "--envs", "Nope"]) == 2
