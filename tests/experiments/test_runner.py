"""The experiment runner: tasks, the validating store, executors, parent death, and the benchmark on it."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from functools import partial

import numpy as np
import pytest
from test_benchmark import SMALL

from experiments.runner import (
    DaskExecutor,
    ProcessExecutor,
    RecordWarning,
    SerialExecutor,
    Store,
    Task,
    fingerprint,
    make_executor,
    run,
)
from experiments.runner.schema import problem
from experiments.runner.task import canonical_json, sha256_hex

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cost_of(x: int) -> dict:
    return {"status": "ok", "cost": float(x) * 1.5, "curve": [1, 2]}


def check_cost(value):
    return problem(value, status="str", cost="finite")


def cost_task(x: int = 6, key: str = "t") -> Task:
    return Task(key, {"x": x}, partial(cost_of, x), check=check_cost)


def square_arrays(n: int) -> dict:
    return {"x": np.arange(n, dtype=float) ** 2, "n": np.array(n)}


def arrays_task(n: int = 4) -> Task:
    return Task("arr", {"n": n}, partial(square_arrays, n))


def counted(task: Task, calls: list) -> Task:
    def compute():
        calls.append(task.key)
        return task.compute()

    return Task(task.key, task.settings, compute, check=task.check)


# ---------------------------------------------------------------------------
# tasks and fingerprints
# ---------------------------------------------------------------------------
def test_fingerprint_is_the_sha256_of_the_canonical_settings():
    settings = {"b": (1, 2), "a": np.float64(0.5), "n": np.int64(3)}
    assert canonical_json(settings) == '{"a": 0.5, "b": [1, 2], "n": 3}'
    assert fingerprint(settings) == sha256_hex('{"a": 0.5, "b": [1, 2], "n": 3}')[:16]
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1}) != fingerprint({"a": 1, "b": 3})


@pytest.mark.parametrize("key", ["", "a b", "../x", "a/../b", "/abs", "x\n", ".", "a//b"])
def test_keys_must_be_safe_file_names(key):
    with pytest.raises(ValueError, match="key must be one or more"):
        Task(key, {}, dict)


# ---------------------------------------------------------------------------
# the store: every kind of bad record is named, warned about and recomputed
# ---------------------------------------------------------------------------
def _rewrite(path: str, edit) -> None:
    with open(path) as fh:
        text = fh.read()
    with open(path, "w") as fh:
        fh.write(edit(text))


def _edit_value(path: str, change, *, keep_checksum: bool) -> None:
    with open(path) as fh:
        doc = json.load(fh)
    change(doc["value"])
    if not keep_checksum:
        doc.pop("checksum")
        doc["checksum"] = sha256_hex(canonical_json(doc))
    with open(path, "w") as fh:
        json.dump(doc, fh)


JSON_DAMAGE = {
    "truncated": (lambda p: _rewrite(p, lambda t: t[: len(t) // 2]), "not valid JSON"),
    "empty list": (lambda p: _rewrite(p, lambda t: "[]"), "holds a list, not a JSON object"),
    "null": (lambda p: _rewrite(p, lambda t: "null"), "holds null, not a JSON object"),
    "no cost": (lambda p: _edit_value(p, lambda v: v.pop("cost"), keep_checksum=True), "cost is missing"),
    "edited cost": (
        lambda p: _rewrite(p, lambda t: t.replace('"cost": 9.0', '"cost": 8.0')),
        "checksum does not match",
    ),
    "text cost": (
        lambda p: _edit_value(p, lambda v: v.update(cost="abc"), keep_checksum=False),
        "cost must be a finite number, got 'abc'",
    ),
    "NaN cost": (
        lambda p: _edit_value(p, lambda v: v.update(cost=math.nan), keep_checksum=False),
        "cost must be a finite number, got nan",
    ),
    "no seconds": (lambda p: _rewrite(p, lambda t: t.replace('"seconds"', '"secs"')), "seconds is missing"),
    "other key": (lambda p: _rewrite(p, lambda t: t.replace('"key": "t"', '"key": "u"')), "key is 'u', not 't'"),
}


@pytest.mark.parametrize("kind", list(JSON_DAMAGE))
def test_a_bad_json_record_is_named_and_recomputed(tmp_path, kind):
    store = Store(str(tmp_path))
    calls: list = []
    task = counted(cost_task(), calls)
    assert run([task], store).values == [{"status": "ok", "cost": 9.0, "curve": [1, 2]}]
    path = store.paths("t")[1]
    damage, words = JSON_DAMAGE[kind]
    damage(path)
    with pytest.warns(RecordWarning, match=re.escape(path) + ".*" + re.escape(words)):
        result = run([task], store)
    assert calls == ["t", "t"] and result.computed == ["t"]
    assert result.values == [{"status": "ok", "cost": 9.0, "curve": [1, 2]}]
    assert run([task], store).computed == []  # rewritten valid


def _truncate(path: str) -> None:
    with open(path, "rb") as fh:
        data = fh.read()
    with open(path, "wb") as fh:
        fh.write(data[: len(data) // 2])


def _edit_array(path: str) -> None:
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["x"] = arrays["x"] + 1
    np.savez(path, **arrays)


def _pickled(path: str) -> None:
    np.savez(path, x=np.array([MakeFile(path + ".pwned")], dtype=object), __fingerprint__=np.array("0" * 16))


class MakeFile:
    """Unpickling it creates a file: the store must never unpickle."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


NPZ_DAMAGE = {
    "truncated": (_truncate, "not a readable .npz archive"),
    "edited array": (_edit_array, "checksum does not match"),
    "pickled object": (_pickled, "not a readable .npz archive"),
}


@pytest.mark.parametrize("kind", list(NPZ_DAMAGE))
def test_a_bad_npz_record_is_named_and_recomputed_without_unpickling(tmp_path, kind):
    store = Store(str(tmp_path))
    calls: list = []
    task = counted(arrays_task(), calls)
    first = run([task], store).values[0]
    path = store.paths("arr")[0]
    damage, words = NPZ_DAMAGE[kind]
    damage(path)
    with pytest.warns(RecordWarning, match=re.escape(path) + ".*" + re.escape(words)):
        again = run([task], store).values[0]
    assert calls == ["arr", "arr"] and not os.path.exists(path + ".pwned")
    np.testing.assert_array_equal(again["x"], first["x"])


def test_changed_settings_recompute_quietly_and_fresh_recomputes(tmp_path, recwarn):
    store = Store(str(tmp_path))
    calls: list = []
    run([counted(cost_task(6), calls)], store)
    assert run([counted(cost_task(8), calls)], store).values[0]["cost"] == 12.0
    assert run([counted(cost_task(8), calls)], store, fresh=True).computed == ["t"]
    assert calls == ["t", "t", "t"] and not [w for w in recwarn if w.category is RecordWarning]


def test_a_legacy_record_is_validated_then_rewritten_with_its_checksum(tmp_path):
    store = Store(str(tmp_path))
    task = cost_task()
    legacy = {"key": "t", "fingerprint": task.fingerprint, "seconds": 1.0, "value": cost_of(6)}
    os.makedirs(tmp_path, exist_ok=True)
    path = store.paths("t")[1]
    with open(path, "w") as fh:
        json.dump(legacy, fh)
    record = store.load(task)
    assert record.value == cost_of(6) and record.seconds == 1.0
    with open(path) as fh:
        assert "checksum" in json.load(fh)
    # a legacy record is validated too: a missing field is named
    legacy["value"].pop("cost")
    with open(path, "w") as fh:
        json.dump(legacy, fh)
    with pytest.warns(RecordWarning, match=re.escape(path) + ".*cost is missing"):
        assert store.load(task) is None


def test_a_bad_value_is_refused_at_save(tmp_path):
    with pytest.raises(ValueError, match="task t: its computed value is not valid: cost is missing"):
        Store(str(tmp_path)).save(cost_task(), {"status": "ok"}, 0.1)


def test_a_truncated_record_under_a_folder_key_is_named_and_recomputed(tmp_path):
    store = Store(str(tmp_path / "units"))
    assert run([Task("sub/value", {"n": 1}, lambda: [1, 2])], store).values == [[1, 2]]
    path = os.path.join(str(tmp_path), "units", "sub", "value.json")
    _truncate(path)
    with pytest.warns(RecordWarning, match=re.escape(path) + ".*not valid JSON"):
        assert run([Task("sub/value", {"n": 1}, lambda: [1, 2])], store).computed == ["sub/value"]


# ---------------------------------------------------------------------------
# run, errors and executors
# ---------------------------------------------------------------------------
def fail(text: str):
    raise RuntimeError(text)


def test_errors_raise_or_become_values_and_finished_tasks_stay_stored(tmp_path):
    store = Store(str(tmp_path))
    tasks = [cost_task(1, "a"), Task("b", {}, partial(fail, "boom")), cost_task(3, "c")]
    with pytest.raises(RuntimeError, match="boom"):
        run(tasks, store)
    assert store.load(tasks[0]) is not None and store.load(tasks[2]) is None
    handled = Task("b", {}, partial(fail, "boom"), on_error=lambda e: {"error": str(e)}, reuse=lambda v: False)
    result = run([tasks[0], handled, tasks[2]], store)
    assert result.computed == ["b", "c"] and result.values[1] == {"error": "boom"}
    assert run([tasks[0], handled, tasks[2]], store).computed == ["b"]  # not final: retried
    with pytest.raises(ValueError, match="distinct keys; repeated: \\['a'\\]"):
        run([tasks[0], tasks[0]], store)


def test_process_and_dask_executors_agree_with_serial():
    tasks = [cost_task(i, f"k{i}") for i in range(4)] + [Task("bad", {}, partial(fail, "no"))]
    serial = SerialExecutor().run(tasks, progress=True)
    local = ProcessExecutor(2).run(tasks)
    assert [o.value for o in local] == [o.value for o in serial]
    assert isinstance(local[-1].error, RuntimeError) and str(local[-1].error) == "no"
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp://", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        dask = DaskExecutor(cluster.scheduler_address).run(tasks)
    assert [o.value for o in dask] == [o.value for o in serial]
    for bad, words in ((dict(backend="ray"), "backend must be"), (dict(n_jobs=0), "n_jobs must be a non-zero")):
        with pytest.raises(ValueError, match=words):
            make_executor(**bad)


# ---------------------------------------------------------------------------
# parent death: no worker outlives a kill -9 of its parent by more than 5 s
# ---------------------------------------------------------------------------
def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_workers_stop_within_5_s_of_a_kill_9_of_their_parent(tmp_path):
    (tmp_path / "napper.py").write_text(
        textwrap.dedent(
            """
            import os, time

            def nap(folder):
                with open(os.path.join(folder, f"{os.getpid()}.pid"), "w") as fh:
                    fh.write("working")
                time.sleep(120)
                return 1
            """
        )
    )
    script = tmp_path / "parent.py"
    script.write_text(
        textwrap.dedent(
            f"""
            from functools import partial
            import napper
            from experiments.runner import ProcessExecutor, Task
            tasks = [Task(f"nap{{i}}", {{"i": i}}, partial(napper.nap, {str(tmp_path)!r})) for i in range(4)]
            ProcessExecutor(2).run(tasks)
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), ROOT])}
    parent = subprocess.Popen([sys.executable, str(script)], env=env, cwd=str(tmp_path))
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(pids) < 2 and time.monotonic() < deadline and parent.poll() is None:
            time.sleep(0.2)
            pids = [int(f[:-4]) for f in os.listdir(tmp_path) if f.endswith(".pid")]
        assert len(pids) == 2, f"the two workers did not start (parent status {parent.poll()})"
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        killed = time.monotonic()
        while any(_alive(p) for p in pids) and time.monotonic() - killed < 10:
            time.sleep(0.1)
        lived = time.monotonic() - killed
        assert not any(_alive(p) for p in pids) and lived <= 5, f"workers lived {lived:.1f} s after their parent"
    finally:
        if parent.poll() is None:
            parent.kill()
        for p in pids:  # only the workers this test started
            if _alive(p):
                os.kill(p, signal.SIGKILL)


# ---------------------------------------------------------------------------
# the benchmark on the runner: kill -9 and rerun, bad task records, legacy task files
# ---------------------------------------------------------------------------
#: the tiny settings of the benchmark's tests, on two instances and the classical rows
TINY = dict(SMALL, instances=("Newsvendor", "BaseStock"), agents=("optimum", "heuristic", "bandit"))
KEYS = [f"{i}__{a}__s0" for i in ("Newsvendor", "BaseStock") for a in ("optimum", "heuristic-base_stock", "bandit")]


def tiny(out) -> object:
    from experiments import benchmark as bm

    return bm.BenchmarkConfig(out=str(out), **TINY)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted tiny benchmark run's folder."""
    from experiments import benchmark as bm

    out = tmp_path_factory.mktemp("reference") / "bench"
    bm.run_benchmark(tiny(out))
    return out


def assert_same_tables(a, b) -> None:
    """The tables of two runs agree exactly, wall times aside (they are measured, not computed)."""
    import pandas as pd

    for name in ("table.csv", "results.csv"):
        da, db = (pd.read_csv(os.path.join(d, name)).drop(columns="wall_time") for d in (a, b))
        pd.testing.assert_frame_equal(da, db, check_exact=True)

    def md(d):
        with open(os.path.join(d, "table.md")) as fh:
            return [line.split("|")[:8] + line.split("|")[9:] for line in fh]

    assert md(a) == md(b)


def spy_rows(monkeypatch) -> list:
    from experiments import benchmark as bm

    ran: list = []
    for agent in ("optimum", "heuristic", "bandit"):
        row = bm.ROW_FUNCTIONS[agent]

        def wrapped(task, params, cfg, row=row):
            ran.append(task.key)
            return row(task, params, cfg)

        monkeypatch.setitem(bm.ROW_FUNCTIONS, agent, wrapped)
    return ran


def copy_run(reference, tmp_path):
    import shutil

    out = tmp_path / "bench"
    shutil.copytree(reference, out)
    for name in ("table.csv", "results.csv", "table.md"):
        os.remove(out / name)
    return out


def test_kill_9_of_a_benchmark_then_a_rerun_gives_the_uninterrupted_table(reference, tmp_path, monkeypatch):
    from experiments import benchmark as bm

    out = tmp_path / "bench"
    script = tmp_path / "killed.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import time
            from experiments import benchmark as bm

            real = bm.ROW_FUNCTIONS["bandit"]

            def last_one_hangs(task, params, cfg):
                if task.instance == "BaseStock":
                    time.sleep(600)
                return real(task, params, cfg)

            bm.ROW_FUNCTIONS["bandit"] = last_one_hangs
            bm.run_benchmark(bm.BenchmarkConfig(out={str(out)!r}, **{TINY!r}))
            """
        )
    )
    proc = subprocess.Popen([sys.executable, str(script)], env={**os.environ, "PYTHONPATH": ROOT}, cwd=str(tmp_path))
    tasks = out / "tasks"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if tasks.exists() and len([f for f in os.listdir(tasks) if f.endswith(".json")]) == 5:
                break
            time.sleep(0.2)
        assert proc.poll() is None, f"the run ended by itself (status {proc.returncode})"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert sorted(f[:-5] for f in os.listdir(tasks)) == sorted(KEYS[:5]) and not (out / "table.csv").exists()
    ran = spy_rows(monkeypatch)
    bm.run_benchmark(tiny(out))
    assert ran == ["BaseStock__bandit__s0"]
    assert_same_tables(out, reference)


def _damage_task(path: str, kind: str) -> None:
    with open(path) as fh:
        text = fh.read()
    doc = json.loads(text)
    if kind == "truncated":
        text = text[: len(text) // 3]
    elif kind == "empty list":
        text = "[]"
    elif kind == "null":
        text = "null"
    elif kind == "no cost":
        del doc["value"]["cost"]
        text = json.dumps(doc)
    elif kind == "edited cost":
        doc["value"]["cost"] = doc["value"]["cost"] - 1.0
        text = json.dumps(doc)
    with open(path, "w") as fh:
        fh.write(text)


@pytest.mark.parametrize(
    "kind, words",
    [
        ("truncated", "not valid JSON"),
        ("empty list", "holds a list, not a JSON object"),
        ("null", "holds null, not a JSON object"),
        ("no cost", "cost is missing"),
        ("edited cost", "checksum does not match"),
    ],
)
def test_a_bad_benchmark_task_record_is_named_and_recomputed(reference, tmp_path, monkeypatch, kind, words):
    from experiments import benchmark as bm

    out = copy_run(reference, tmp_path)
    path = str(out / "tasks" / "BaseStock__optimum__s0.json")
    _damage_task(path, kind)
    ran = spy_rows(monkeypatch)
    with pytest.warns(RecordWarning, match=re.escape(path) + ".*" + re.escape(words)):
        bm.run_benchmark(tiny(out))
    assert ran == ["BaseStock__optimum__s0"]
    assert_same_tables(out, reference)


def test_legacy_task_files_resume_and_get_a_checksum(reference, tmp_path, monkeypatch):
    from experiments import benchmark as bm

    out = copy_run(reference, tmp_path)
    for key in KEYS:  # the task files of earlier versions: the result itself with its fingerprint
        path = out / "tasks" / f"{key}.json"
        record = json.loads(path.read_text())
        path.write_text(json.dumps({**record["value"], "fingerprint": record["fingerprint"]}, indent=1))
    stale = out / "tasks" / "BaseStock__bandit__s0.json"
    legacy = json.loads(stale.read_text())
    stale.write_text(json.dumps({**legacy, "fingerprint": "0" * 16}))  # made with other settings
    ran = spy_rows(monkeypatch)
    bm.run_benchmark(tiny(out))
    assert ran == ["BaseStock__bandit__s0"]
    assert all("checksum" in json.loads((out / "tasks" / f"{k}.json").read_text()) for k in KEYS)
    assert_same_tables(out, reference)
    # a legacy file is validated like a record: a missing cost is named and recomputed
    path = out / "tasks" / "Newsvendor__optimum__s0.json"
    record = json.loads(path.read_text())
    value = {k: v for k, v in record["value"].items() if k != "cost"}
    path.write_text(json.dumps({**value, "fingerprint": record["fingerprint"]}))
    with pytest.warns(RecordWarning, match=re.escape(str(path)) + ".*cost is missing"):
        assert bm.load_result(tiny(out), bm.Task("Newsvendor", "optimum")) is None
