"""The experiment runner: a Config expands to Tasks, a Store keeps their records, an Executor runs the rest.

* :class:`Task` (:mod:`.task`): a key and the settings its result depends on
  (fingerprint: sha256 of their canonical JSON), with the callable computing it.
* :class:`Store` (:mod:`.store`): one record per task, written atomically, with
  the fingerprint and a checksum; every record is validated on load and a bad
  one is recomputed with a :class:`RecordWarning` naming the file.
* Executors (:mod:`.executors`): :class:`SerialExecutor`, :class:`ProcessExecutor`
  (loky processes that stop when their parent dies, :mod:`.watchdog`) and
  :class:`DaskExecutor`, all ``run(tasks) -> outcomes`` with a progress bar.
* :func:`run` (:mod:`.run`): load, compute the missing tasks, store, then the report step.

docs/runner.md describes the model, the record format and the rules.
"""

from experiments.runner.executors import (
    DaskExecutor,
    Executor,
    Outcome,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
)
from experiments.runner.run import RunResult, pending, run
from experiments.runner.store import BadRecord, Record, RecordWarning, Store
from experiments.runner.task import Task, canonical_json, fingerprint

__all__ = [
    "Task",
    "canonical_json",
    "fingerprint",
    "Store",
    "Record",
    "RecordWarning",
    "BadRecord",
    "Outcome",
    "Executor",
    "SerialExecutor",
    "ProcessExecutor",
    "DaskExecutor",
    "make_executor",
    "run",
    "pending",
    "RunResult",
]
