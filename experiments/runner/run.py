"""The runner: Tasks -> Store -> Executor -> report.

:func:`run` loads every task's valid record from the store, gives the others
to the executor, stores each result as soon as it arrives (so a killed run
keeps all finished work and a rerun computes only the rest) and finally hands
the records, in the tasks' order, to the report step.

Example:
    >>> import tempfile
    >>> from experiments.runner.store import Store
    >>> from experiments.runner.task import Task
    >>> store = Store(tempfile.mkdtemp())
    >>> tasks = [Task(f"sq{i}", {"i": i}, lambda i=i: i * i) for i in range(3)]
    >>> run(tasks, store, report=lambda records: sum(r.value for r in records)).report
    5
    >>> run(tasks, store).computed  # all stored: nothing recomputed
    []
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from experiments.runner.executors import Executor, Outcome, SerialExecutor
from experiments.runner.store import Record, Store
from experiments.runner.task import Task

__all__ = ["run", "RunResult", "pending"]


@dataclass
class RunResult:
    """A run's ``records`` (in the tasks' order), the keys it ``computed`` and its ``report``'s return value."""

    records: list[Record]
    computed: list[str] = field(default_factory=list)
    report: Any = None

    @property
    def values(self) -> list[Any]:
        """The records' values."""
        return [r.value for r in self.records]


def pending(tasks: Sequence[Task], store: Store, *, fresh: bool = False) -> tuple[dict[str, Record], list[Task]]:
    """(key -> reusable stored record, tasks to compute): a task is reused when its record is valid and final."""
    stored: dict[str, Record] = {}
    todo: list[Task] = []
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError(f"tasks must have distinct keys; repeated: {sorted({k for k in keys if keys.count(k) > 1})}")
    for task in tasks:
        record = None if fresh else store.load(task)
        if record is not None and task.final(record.value):
            stored[task.key] = record
        else:
            todo.append(task)
    return stored, todo


def run(
    tasks: Sequence[Task],
    store: Store,
    executor: Executor | None = None,
    *,
    fresh: bool = False,
    progress: bool = False,
    report: Callable[[list[Record]], Any] | None = None,
    on_plan: Callable[[dict[str, Record], list[Task]], None] | None = None,
) -> RunResult:
    """Run (or resume) ``tasks``: load what is stored, compute the rest, store it, report.

    Args:
        tasks: the tasks (distinct keys).
        store: where the records live.
        executor: how the missing tasks run (default :class:`SerialExecutor`).
        fresh: recompute every task, ignoring the stored records.
        progress: a progress bar over the tasks to compute.
        report: called with the records in the tasks' order; its return value is
            :attr:`RunResult.report`.
        on_plan: called with the reused records and the tasks to compute, before computing.

    Raises:
        Exception: the first exception of a task without ``on_error`` (the tasks
            finished before it stay stored).
    """
    stored, todo = pending(tasks, store, fresh=fresh)
    if on_plan is not None:
        on_plan(dict(stored), list(todo))
    computed: list[str] = []

    def on_done(task: Task, outcome: Outcome) -> None:
        value = outcome.value
        if outcome.error is not None:
            if task.on_error is None:
                raise outcome.error
            value = task.on_error(outcome.error)
        stored[task.key] = store.save(task, value, outcome.seconds)
        computed.append(task.key)

    (executor or SerialExecutor()).run(todo, on_done=on_done, progress=progress)
    records = [stored[t.key] for t in tasks]
    return RunResult(records, computed, report(records) if report is not None else None)
