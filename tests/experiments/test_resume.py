"""Resumable experiments: units are computed once, reloaded on a rerun, recomputed when their settings change."""

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from experiments import concrete_mixers, epsilon_comparison, studies, sweep
from experiments.cli import main as cli_main
from experiments.runner import RecordWarning, Store, Task, run


class Interrupted(Exception):
    pass


def counting(monkeypatch, module, name, fail_after=None):
    """Replace ``module.name`` by a wrapper that counts its calls (and raises after ``fail_after`` calls)."""
    real = getattr(module, name)
    real = getattr(real, "__wrapped__", real)
    calls = []

    def wrapper(*args, **kwargs):
        if fail_after is not None and len(calls) >= fail_after:
            raise Interrupted
        calls.append(args)
        return real(*args, **kwargs)

    wrapper.__wrapped__ = real
    monkeypatch.setattr(module, name, wrapper)
    return calls


def interrupt_and_resume(monkeypatch, module, name, after, run):
    """``run()`` with ``module.name`` failing after ``after`` calls, then ``run()`` again: the calls of the rerun."""
    counting(monkeypatch, module, name, fail_after=after)
    with pytest.raises(Interrupted):
        run()
    calls = counting(monkeypatch, module, name)
    run()
    return calls


def outputs(directory):
    """name -> bytes of every output file of ``directory`` (not the units)."""
    out = {}
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                out[name] = f.read()
    return out


def assert_same_outputs(d1, d2):
    """The outputs of two output folders agree (the recorded paths and times aside)."""
    a, b = outputs(d1), outputs(d2)
    assert set(a) == set(b)
    for name in a:
        if name == "summary.json":
            sa, sb = json.loads(a[name]), json.loads(b[name])
            for s in (sa, sb):
                s["config"].pop("out_dir"), s.pop("seconds", None), s.pop("figures", None)
            assert sa == sb
        else:
            assert a[name] == b[name], name


def mtimes(directory):
    units = os.path.join(directory, "units")
    return {f: os.stat(os.path.join(units, f)).st_mtime_ns for f in sorted(os.listdir(units))}


# ---------------------------------------------------------------------------
# the unit records
# ---------------------------------------------------------------------------
def test_unit_records_keep_arrays_frames_and_json(tmp_path) -> None:
    store = Store(str(tmp_path / "units"))
    df = pd.DataFrame({"a": [1, 2], "b": [0.1, np.nan], "c": ["x", "y"], "d": [True, False]})
    made = {
        "arrays": lambda: {"x": np.arange(3), "y": np.array(2.5)},
        "sub/frame": lambda: df,
        "value": lambda: {"best": 3, "list": [1.5, None]},
    }
    first = run([Task(k, {"n": 2}, f) for k, f in made.items()], store)
    assert sorted(os.listdir(tmp_path / "units")) == ["arrays.npz", "sub", "value.json"]
    assert os.path.exists(tmp_path / "units" / "sub" / "frame.json")
    boom = lambda: 1 / 0  # noqa: E731
    again = run([Task(k, {"n": 2}, boom) for k in made], store)
    assert again.computed == []
    arrays, frame, value = again.values
    np.testing.assert_array_equal(arrays["x"], np.arange(3))
    pd.testing.assert_frame_equal(frame, df)
    pd.testing.assert_frame_equal(first.values[1], df)
    assert value == first.values[2] == {"best": 3, "list": [1.5, None]}
    # changed settings recompute and overwrite; fresh recomputes
    assert run([Task("value", {"n": 3}, lambda: [7])], store).computed == ["value"]
    assert run([Task("value", {"n": 3}, boom)], store).values == [[7]]
    assert run([Task("value", {"n": 3}, lambda: [8])], store, fresh=True).values == [[8]]
    # an array record replaced by a JSON one leaves a single file
    assert run([Task("arrays", {"n": 5}, lambda: "text")], store).values == ["text"]
    assert not os.path.exists(tmp_path / "units" / "arrays.npz")


# ---------------------------------------------------------------------------
# epsilon comparison: one unit per (scenario, epsilon) and the arms' true values
# ---------------------------------------------------------------------------
def eps_cfg(out, **changes):
    kw = dict(scenarios=("concrete_mixers",), out_dir=str(out), progress=False)
    kw.update(changes)
    return epsilon_comparison.Config.for_mode("tiny", **kw)


def test_epsilon_comparison_resumes(tmp_path, monkeypatch) -> None:
    cfg = eps_cfg(tmp_path / "a")
    d = cfg.directory("concrete_mixers")
    runs = counting(monkeypatch, epsilon_comparison, "epsilon_runs")
    values = counting(monkeypatch, epsilon_comparison, "arm_values")
    first = epsilon_comparison.main(cfg)["concrete_mixers"]
    assert (len(runs), len(values)) == (2, 1)
    files, stamps = outputs(d), mtimes(d)
    assert set(stamps) == {"true_values.npz", "epsilon_0.npz", "epsilon_0.1.npz"}
    second = epsilon_comparison.main(cfg)["concrete_mixers"]
    assert (len(runs), len(values)) == (2, 1)  # nothing recomputed
    assert outputs(d) == files and mtimes(d) == stamps
    pd.testing.assert_frame_equal(first.curves, second.curves)
    # a changed setting recomputes only what depends on it
    epsilon_comparison.main(eps_cfg(tmp_path / "a", epsilons=(0.0, 0.1, 0.3)))
    assert (len(runs), len(values)) == (3, 1) and runs[-1][2] == 0.3
    epsilon_comparison.main(eps_cfg(tmp_path / "a", iterations=8))
    assert (len(runs), len(values)) == (5, 1)
    epsilon_comparison.main(eps_cfg(tmp_path / "a", iterations=8, fresh=True))
    assert (len(runs), len(values)) == (7, 2)


def test_epsilon_comparison_interrupted_run_computes_only_the_missing_units(tmp_path, monkeypatch) -> None:
    reference = eps_cfg(tmp_path / "ref")
    epsilon_comparison.main(reference)
    cfg = eps_cfg(tmp_path / "b")
    values = counting(monkeypatch, epsilon_comparison, "arm_values")
    runs = interrupt_and_resume(
        monkeypatch, epsilon_comparison, "epsilon_runs", 1, lambda: epsilon_comparison.main(cfg)
    )
    assert len(values) == 1 and [a[2] for a in runs] == [0.1]  # epsilon 0 and the true values were stored
    assert_same_outputs(cfg.directory("concrete_mixers"), reference.directory("concrete_mixers"))


def test_epsilon_comparison_cli_fresh(tmp_path, monkeypatch) -> None:
    runs = counting(monkeypatch, epsilon_comparison, "epsilon_runs")
    args = ["epsilon-comparison", "--mode", "tiny", "--scenario", "concrete_mixers", "--out", str(tmp_path)]
    assert cli_main([*args, "--epsilons", "0.2"]) == 0
    assert cli_main([*args, "--epsilons", "0.2"]) == 0
    assert len(runs) == 1
    assert cli_main([*args, "--epsilons", "0.2", "--fresh"]) == 0
    assert len(runs) == 2


# ---------------------------------------------------------------------------
# concrete mixers: one unit per (T, variant) and per bandit
# ---------------------------------------------------------------------------
def cm_cfg(out, **changes):
    kw = dict(review_periods=(1, 2, 5), out_dir=str(out), progress=False)
    kw.update(changes)
    return concrete_mixers.Config.for_mode("tiny", **kw)


def test_concrete_mixers_resumes(tmp_path, monkeypatch) -> None:
    cfg = cm_cfg(tmp_path / "a")
    variants = counting(monkeypatch, concrete_mixers, "evaluate_variant")
    bandits = counting(monkeypatch, concrete_mixers, "bandit_picks")
    first = concrete_mixers.main(cfg)
    assert (len(variants), len(bandits)) == (9, 3)
    files, stamps = outputs(cfg.directory), mtimes(cfg.directory)
    assert len(stamps) == 12
    second = concrete_mixers.main(cfg)
    assert (len(variants), len(bandits)) == (9, 3)
    assert outputs(cfg.directory) == files and mtimes(cfg.directory) == stamps
    pd.testing.assert_frame_equal(first.table, second.table)
    # more long-run months: only the long-run units recompute
    concrete_mixers.main(cm_cfg(tmp_path / "a", long_run_months=30))
    assert len(variants) == 12 and {a[0] for a in variants[9:]} == {"long_run"} and len(bandits) == 3


def test_concrete_mixers_interrupted_run_computes_only_the_missing_units(tmp_path, monkeypatch) -> None:
    reference = cm_cfg(tmp_path / "ref")
    concrete_mixers.main(reference)
    cfg = cm_cfg(tmp_path / "b")
    variants = interrupt_and_resume(
        monkeypatch, concrete_mixers, "evaluate_variant", 4, lambda: concrete_mixers.main(cfg)
    )
    assert [(a[0], a[1]) for a in variants] == [("no_last_order", 2), ("long_run", 2)] + [
        (v, 5) for v in concrete_mixers.VARIANTS
    ]
    assert_same_outputs(cfg.directory, reference.directory)


# ---------------------------------------------------------------------------
# studies: the sweeps' points and the other expensive pieces
# ---------------------------------------------------------------------------
def all_mtimes(directory):
    units = os.path.join(directory, "units")
    return {
        os.path.relpath(os.path.join(root, f), units): os.stat(os.path.join(root, f)).st_mtime_ns
        for root, _, files in os.walk(units)
        for f in files
        if f != "sweep.csv"  # rebuilt from the points every time
    }


@pytest.mark.parametrize(
    "name, unit_functions, change, recomputed",
    [
        ("base_stock", ("backorder_counts",), {"backorder_costs": (1.0, 9.0, 49.0, 99.0)}, (1, 0)),
        ("qr", ("backorder_counts", "search_table"), {"setup_costs": (4.0, 16.0, 64.0, 256.0)}, (1, 0, 0)),
    ],
)
def test_study_resumes(tmp_path, monkeypatch, name, unit_functions, change, recomputed) -> None:
    module = studies.load(name)
    points = counting(monkeypatch, sweep, "_run_one")
    units = [counting(monkeypatch, module, f) for f in unit_functions]
    cfg = module.Config.for_mode("tiny", out_dir=str(tmp_path))
    module.main(cfg)
    n = len(points)
    assert n > 0 and all(len(u) == 1 for u in units)
    files, stamps = outputs(cfg.directory), all_mtimes(cfg.directory)
    assert sum(f.endswith(".json") and "/points/" in f for f in stamps) == n
    module.main(cfg)
    assert len(points) == n and all(len(u) == 1 for u in units)  # nothing recomputed
    assert outputs(cfg.directory) == files
    assert all_mtimes(cfg.directory) == stamps
    # a new value of one sweep: that point only
    module.main(module.Config.for_mode("tiny", out_dir=str(tmp_path), **change))
    assert (len(points) - n, *(len(u) - 1 for u in units)) == recomputed
    # fresh: everything again
    module.main(dataclasses.replace(cfg, fresh=True))
    assert len(points) == 2 * n + recomputed[0] and all(len(u) == 2 for u in units)
    assert outputs(cfg.directory) == files


def test_interrupted_study_computes_only_the_missing_points(tmp_path, monkeypatch) -> None:
    reference = studies.load("base_stock").Config.for_mode("tiny", out_dir=str(tmp_path / "ref"))
    points = counting(monkeypatch, sweep, "_run_one")
    studies.run("base_stock", "tiny", out_dir=reference.out_dir)
    n = len(points)
    out = str(tmp_path / "b")
    again = interrupt_and_resume(
        monkeypatch, sweep, "_run_one", 7, lambda: studies.run("base_stock", "tiny", out_dir=out)
    )
    assert len(again) == n - 7
    assert_same_outputs(os.path.join(out, "base_stock"), reference.directory)


def test_study_cli_fresh(tmp_path, monkeypatch) -> None:
    grid = counting(monkeypatch, studies.load("constrained"), "search_table")
    args = ["study", "constrained", "--tiny", "--out", str(tmp_path)]
    assert cli_main(args) == 0 and cli_main(args) == 0
    assert len(grid) == 1
    assert cli_main([*args, "--fresh"]) == 0
    assert len(grid) == 2


# ---------------------------------------------------------------------------
# kill -9 and rerun: the outputs of an uninterrupted run; a damaged unit record is named and recomputed
# ---------------------------------------------------------------------------
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_and_kill_9(tmp_path, setup: str, mark) -> None:
    """Run ``setup`` (Python code that patches one computation to write ``mark`` and hang) in a child; kill -9 it there."""
    script = tmp_path / "killed.py"
    script.write_text(textwrap.dedent(setup))
    env = {**os.environ, "PYTHONPATH": ROOT, "MPLBACKEND": "Agg"}
    proc = subprocess.Popen([sys.executable, str(script)], env=env, cwd=str(tmp_path))
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and not mark.exists():
            time.sleep(0.1)
        assert proc.poll() is None and mark.exists(), f"the run did not reach the hanging task (status {proc.poll()})"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()


def test_kill_9_of_a_study_then_a_rerun_gives_the_uninterrupted_outputs(tmp_path, monkeypatch) -> None:
    reference = str(tmp_path / "ref")
    points = counting(monkeypatch, sweep, "_run_one")
    studies.run("base_stock", "tiny", out_dir=reference)
    n = len(points)
    out, mark = tmp_path / "killed", tmp_path / "hanging"
    setup = f"""
        import time
        from experiments import studies, sweep

        real, calls = sweep._run_one, []

        def seventh_hangs(*args):
            calls.append(args)
            if len(calls) == 7:
                open({str(mark)!r}, "w").close()
                time.sleep(600)
            return real(*args)

        sweep._run_one = seventh_hangs
        studies.run("base_stock", "tiny", out_dir={str(out)!r})
    """
    run_and_kill_9(tmp_path, setup, mark)
    directory = out / "base_stock"
    stored = [f for _, _, files in os.walk(directory / "units") for f in files if f.endswith(".json")]
    assert len(stored) == 6 and not (directory / "summary.json").exists()
    again = counting(monkeypatch, sweep, "_run_one")
    levels = counting(monkeypatch, studies.load("base_stock"), "backorder_counts")
    studies.run("base_stock", "tiny", out_dir=str(out))
    assert len(again) == n - 6 and len(levels) == 1
    assert_same_outputs(directory, os.path.join(reference, "base_stock"))


def test_kill_9_of_an_epsilon_comparison_then_a_rerun_gives_the_uninterrupted_outputs(tmp_path, monkeypatch) -> None:
    reference = eps_cfg(tmp_path / "ref")
    epsilon_comparison.main(reference)
    out, mark = tmp_path / "killed", tmp_path / "hanging"
    setup = f"""
        import time
        from experiments import epsilon_comparison as ec

        real = ec.epsilon_runs

        def second_epsilon_hangs(params, arms, epsilon, **kw):
            if epsilon == 0.1:
                open({str(mark)!r}, "w").close()
                time.sleep(600)
            return real(params, arms, epsilon, **kw)

        ec.epsilon_runs = second_epsilon_hangs
        ec.main(ec.Config.for_mode("tiny", scenarios=("concrete_mixers",), out_dir={str(out)!r}, progress=False))
    """
    run_and_kill_9(tmp_path, setup, mark)
    cfg = eps_cfg(out)
    d = cfg.directory("concrete_mixers")
    assert sorted(os.listdir(os.path.join(d, "units"))) == ["epsilon_0.npz", "true_values.npz"]
    assert not os.path.exists(os.path.join(d, "curves.csv"))
    runs = counting(monkeypatch, epsilon_comparison, "epsilon_runs")
    values = counting(monkeypatch, epsilon_comparison, "arm_values")
    epsilon_comparison.main(cfg)
    assert [a[2] for a in runs] == [0.1] and values == []
    assert_same_outputs(d, reference.directory("concrete_mixers"))


def test_a_damaged_unit_record_is_named_and_recomputed(tmp_path, monkeypatch) -> None:
    module = studies.load("constrained")
    cfg = module.Config.for_mode("tiny", out_dir=str(tmp_path))
    module.main(cfg)
    files = outputs(cfg.directory)
    path = os.path.join(cfg.directory, "units", "policies.json")
    with open(path) as fh:
        record = json.load(fh)
    record["value"]["__frame__"]["data"]["cost_per_period"][0] -= 1.0  # a hand-edited cost
    with open(path, "w") as fh:
        json.dump(record, fh)
    grid = counting(monkeypatch, module, "search_table")
    with pytest.warns(RecordWarning, match=re.escape(path) + ".*checksum does not match"):
        module.main(cfg)
    assert len(grid) == 1 and outputs(cfg.directory) == files
