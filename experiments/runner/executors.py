"""Executors: run the tasks' computations serially, in local processes or on a Dask cluster.

Every executor has one method, ``run(tasks, *, on_done=None, progress=False) ->
list[Outcome]``: it calls each task's ``compute()`` and returns one
:class:`Outcome` per task, in the tasks' order. ``on_done(task, outcome)`` is
called in the calling process as each task finishes (in completion order), so
the runner stores every result as soon as it exists and an interrupted run
keeps all finished work. ``progress`` shows a tqdm bar (on stderr) with the
last finished key.

An exception raised by ``compute()`` is caught in the worker and returned in
:attr:`Outcome.error`; the runner decides what to do with it.

* :class:`SerialExecutor` runs in this process, in order.
* :class:`ProcessExecutor` runs on ``n_jobs`` loky processes (joblib); each
  worker calls :func:`~experiments.runner.watchdog.watch_parent` with this
  process's pid before its first task, so it ends within about a second of a
  ``kill -9`` of this process. With one job (or one task) it runs serially.
* :class:`DaskExecutor` submits to a ``distributed`` scheduler (an address
  ``tcp://HOST:PORT``, which must be trusted: results come back pickled, or a
  ``Client``). The cluster owns its workers: when this process dies the
  scheduler loses the client and releases its tasks.

Example:
    >>> [o.value for o in SerialExecutor().run([])]
    []
"""

from __future__ import annotations

import os
import pickle
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from experiments.runner.task import Task
from experiments.runner.watchdog import watch_parent

__all__ = ["Outcome", "Executor", "SerialExecutor", "ProcessExecutor", "DaskExecutor", "make_executor"]


@dataclass
class Outcome:
    """What a task's computation gave: its ``value`` and ``seconds``, or the ``error`` it raised."""

    value: Any = None
    seconds: float = 0.0
    error: BaseException | None = None


OnDone = Callable[[Task, Outcome], None]


class Executor(Protocol):
    """Runs tasks' computations (see the module docstring)."""

    def run(self, tasks: Sequence[Task], *, on_done: OnDone | None = None, progress: bool = False) -> list[Outcome]: ...


def call(compute: Callable[[], Any], parent: int | None = None) -> Outcome:
    """Run ``compute()`` timed, catching its exception; in a worker, first watch the ``parent`` pid."""
    if parent is not None:
        watch_parent(parent)
    t0 = time.perf_counter()
    try:
        value = compute()
    except Exception as exc:
        return Outcome(seconds=time.perf_counter() - t0, error=_portable(exc))
    return Outcome(value, time.perf_counter() - t0)


def _portable(exc: Exception) -> Exception:
    """``exc`` if it survives pickling (to leave a worker), else a RuntimeError with its text and traceback."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        return RuntimeError(f"{type(exc).__name__}: {exc}\n{text}")


def _indexed(i: int, compute: Callable[[], Any], parent: int) -> tuple[int, Outcome]:
    return i, call(compute, parent)


class _Progress:
    """A tqdm bar over ``total`` tasks (silent unless ``show``)."""

    def __init__(self, total: int, show: bool) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=total, disable=not show or total == 0, unit="task", dynamic_ncols=True)

    def done(self, task: Task, outcome: Outcome) -> None:
        self.bar.set_postfix_str(("failed " if outcome.error else "") + task.key, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def _finish(tasks: Sequence[Task], pairs: Any, on_done: OnDone | None, progress: bool) -> list[Outcome]:
    """Collect ``(index, outcome)`` pairs as they come: report each, return them in the tasks' order."""
    out: list[Outcome | None] = [None] * len(tasks)
    bar = _Progress(len(tasks), progress)
    try:
        for i, outcome in pairs:
            out[i] = outcome
            bar.done(tasks[i], outcome)
            if on_done is not None:
                on_done(tasks[i], outcome)
    finally:
        bar.close()
    assert all(o is not None for o in out), "an executor lost a task"
    return out  # type: ignore[return-value]


class SerialExecutor:
    """Every task in this process, in order."""

    def run(self, tasks: Sequence[Task], *, on_done: OnDone | None = None, progress: bool = False) -> list[Outcome]:
        return _finish(tasks, ((i, call(t.compute)) for i, t in enumerate(tasks)), on_done, progress)


class ProcessExecutor:
    """Local loky processes through joblib; ``n_jobs`` as joblib's (-1: every core; 1: serial)."""

    def __init__(self, n_jobs: int = -1) -> None:
        if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs == 0:
            raise ValueError(f"n_jobs must be a non-zero integer (-1: every core), got {n_jobs!r}")
        self.n_jobs = n_jobs

    def run(self, tasks: Sequence[Task], *, on_done: OnDone | None = None, progress: bool = False) -> list[Outcome]:
        if self.n_jobs == 1 or len(tasks) <= 1:
            return SerialExecutor().run(tasks, on_done=on_done, progress=progress)
        from joblib import Parallel, delayed

        parent = os.getpid()
        parallel = Parallel(n_jobs=self.n_jobs, backend="loky", return_as="generator_unordered")
        pairs = parallel(delayed(_indexed)(i, t.compute, parent) for i, t in enumerate(tasks))
        return _finish(tasks, pairs, on_done, progress)


class DaskExecutor:
    """A ``distributed`` cluster: ``scheduler`` is an address (``tcp://HOST:PORT``) or a ``Client``."""

    def __init__(self, scheduler: Any, key_prefix: str = "inv-gym-") -> None:
        if scheduler is None:
            raise ValueError("scheduler must be a Dask scheduler address (tcp://HOST:PORT) or a Client, got None")
        self.scheduler = scheduler
        self.key_prefix = key_prefix

    def run(self, tasks: Sequence[Task], *, on_done: OnDone | None = None, progress: bool = False) -> list[Outcome]:
        if not tasks:
            return []
        from distributed import Client, as_completed

        own = not isinstance(self.scheduler, Client)
        client = Client(self.scheduler) if own else self.scheduler
        try:
            futures = {
                client.submit(call, t.compute, key=f"{self.key_prefix}{t.key}-{t.fingerprint}", pure=False): i
                for i, t in enumerate(tasks)
            }

            def pairs() -> Any:
                for fut in as_completed(list(futures)):
                    try:
                        outcome = fut.result()
                    except Exception as exc:  # a lost worker or a result that cannot travel
                        outcome = Outcome(error=exc)
                    yield futures[fut], outcome

            return _finish(tasks, pairs(), on_done, progress)
        finally:
            if own:
                client.close()


def make_executor(backend: str = "local", *, n_jobs: int = -1, scheduler: Any = None) -> Executor:
    """The executor of a backend name: ``serial``, ``local`` (processes, ``n_jobs``) or ``dask`` (``scheduler``)."""
    if backend == "serial":
        return SerialExecutor()
    if backend == "local":
        return ProcessExecutor(n_jobs)
    if backend == "dask":
        return DaskExecutor(scheduler)
    raise ValueError(f"backend must be 'serial', 'local' or 'dask', got {backend!r}")
