"""The benchmark on the runner: its tasks in a :class:`~experiments.runner.Store`, run by an executor.

Each benchmark task becomes a :class:`experiments.runner.Task` whose key is
the task's key, whose settings are :func:`~experiments.benchmark.tasks.task_settings`
and whose computation is :func:`compute_result` (it never raises: a row's
exception is recorded with status ``error``). The store is ``<out>/tasks/``:
one ``<key>.json`` record per task, validated on load against
:func:`~experiments.benchmark.tasks.check_result`. A record with status ``ok``
or ``n/a`` is reused, except an ``n/a`` optimum: "no exact method" depends on the
solvers of the code that ran it, not on the settings, so it is asked again (it costs
no simulation); an ``error`` one is retried. Task files written before
the runner (the result object itself, with its ``fingerprint`` and no
checksum) are read as legacy records and rewritten with a checksum.
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import asdict
from functools import partial
from typing import Any

from experiments import runner
from experiments.benchmark.config import BenchmarkConfig
from experiments.benchmark.instances import INSTANCES
from experiments.benchmark.report import write_outputs
from experiments.benchmark.rows import ROW_FUNCTIONS
from experiments.benchmark.tasks import Task, check_result, make_tasks, task_settings
from experiments.commands.common import to_jsonable
from experiments.runner.schema import problem
from experiments.runner.store import BadRecord

__all__ = [
    "compute_result",
    "runner_task",
    "task_store",
    "executor",
    "load_result",
    "is_finished",
    "run_task",
    "run_benchmark",
    "main",
]


def _error(task: Task, text: str, trace: str = "", seconds: float = 0.0) -> dict[str, Any]:
    res = {"status": "error", "error": text, "traceback": trace}
    res.update(task=asdict(task), key=task.key, row=task.row, wall_time=seconds)
    return res


def compute_result(task: Task, cfg: BenchmarkConfig) -> dict[str, Any]:
    """Run one task's row and return its result (JSON values), never raising: errors are recorded.

    A result that fails :func:`~experiments.benchmark.tasks.check_result` (e.g.
    a non-finite cost) is recorded as an error naming what is wrong. Each call
    keeps torch to one thread (one task per core).
    """
    try:
        import torch

        torch.set_num_threads(1)
    except Exception:  # pragma: no cover - torch is a dependency
        pass
    t0 = time.perf_counter()
    try:
        params = INSTANCES[task.instance].params()
        res = ROW_FUNCTIONS[task.agent](task, params, cfg)
        res.setdefault("status", "ok")
        trace = ""
    except Exception as exc:  # recorded, reported in the table; the other tasks go on
        res = {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
        trace = traceback.format_exc()
    res.update(task=asdict(task), key=task.key, row=task.row, wall_time=time.perf_counter() - t0)
    if trace:
        res["traceback"] = trace
    res = to_jsonable(res)
    found = check_result(res, asdict(task))
    if found:
        return to_jsonable(_error(task, f"the row's result is not valid: {found}", seconds=res["wall_time"]))
    return res


def _lost(task: Task, exc: BaseException) -> dict[str, Any]:
    """The record of a task the executor lost (e.g. a Dask worker died)."""
    return _error(task, f"{type(exc).__name__}: {exc}")


def _reusable(value: dict[str, Any]) -> bool:
    """``ok`` results, and ``n/a`` ones except the optimum's (an exact method added since is then used)."""
    status = value.get("status")
    return status == "ok" or (status == "n/a" and value.get("row") != "optimum")


def runner_task(task: Task, cfg: BenchmarkConfig) -> runner.Task:
    """The runner's task of a benchmark task (see the module docstring)."""
    return runner.Task(
        task.key,
        task_settings(task, cfg),
        partial(compute_result, task, cfg),
        check=partial(check_result, task=asdict(task)),
        reuse=_reusable,
        on_error=partial(_lost, task),
    )


def _legacy(doc: dict) -> tuple[str, Any, float]:
    """A task file written before the runner: the result itself with its ``fingerprint``."""
    if not isinstance(doc.get("fingerprint"), str):
        raise BadRecord("fingerprint is missing (neither a record nor a legacy task file)")
    value = {k: v for k, v in doc.items() if k != "fingerprint"}
    found = problem(value, wall_time="finite")
    if found:
        raise BadRecord(found)
    return doc["fingerprint"], value, float(value["wall_time"])


def task_store(cfg: BenchmarkConfig) -> runner.Store:
    """The store of a run: ``<out>/tasks/`` (legacy task files accepted)."""
    return runner.Store(os.path.join(cfg.out, "tasks"), legacy=_legacy)


def executor(cfg: BenchmarkConfig) -> runner.Executor:
    """``cfg.backend``'s executor: loky processes (``n_jobs``; 0 means 1) or the Dask ``scheduler``."""
    if cfg.backend == "dask":
        return runner.DaskExecutor(cfg.scheduler)
    return runner.ProcessExecutor(cfg.n_jobs if cfg.n_jobs != 0 else 1)


def load_result(cfg: BenchmarkConfig, task: Task) -> dict[str, Any] | None:
    """A task's stored result, or None if absent, bad (with a warning naming the file) or made with other settings."""
    record = task_store(cfg).load(runner_task(task, cfg))
    return None if record is None else record.value


def is_finished(cfg: BenchmarkConfig, task: Task) -> bool:
    """True when the task has a valid stored result with status ``ok`` or ``n/a``."""
    res = load_result(cfg, task)
    return res is not None and _reusable(res)


def run_task(task: Task, cfg: BenchmarkConfig) -> dict[str, Any]:
    """Run one task (never raising: errors are recorded), store its record and return its result."""
    rt = runner_task(task, cfg)
    res = compute_result(task, cfg)
    return task_store(cfg).save(rt, res, res["wall_time"]).value


def _run_one(task: Task, cfg: BenchmarkConfig) -> dict[str, Any]:
    """:func:`run_task` (the worker entry point of earlier versions, kept for their pickled calls)."""
    return run_task(task, cfg)


def run_benchmark(cfg: BenchmarkConfig, *, progress: bool = False) -> Any:
    """Run (or resume) a benchmark and write its outputs; return the summary DataFrame.

    Finished tasks (same settings, valid records) are read back, not rerun;
    each computed task is stored as soon as it finishes.
    """
    tasks = [runner_task(t, cfg) for t in make_tasks(cfg)]

    def plan(stored: dict[str, runner.Record], todo: list[runner.Task]) -> None:
        if progress:
            print(f"{len(tasks)} tasks, {len(stored)} already finished, {len(todo)} to run ({cfg.backend})", flush=True)

    result = runner.run(
        tasks,
        task_store(cfg),
        executor(cfg),
        progress=progress,
        on_plan=plan,
        report=lambda records: write_outputs(cfg, [r.value for r in records]),
    )
    return result.report


def main(cfg: BenchmarkConfig | None = None) -> Any:
    """Run the quick benchmark (or ``cfg``)."""
    return run_benchmark(cfg or BenchmarkConfig.for_mode("quick"), progress=True)
