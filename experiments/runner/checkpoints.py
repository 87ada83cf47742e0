"""Units of an experiment's work, one call at a time, on the runner's store.

A unit is one piece of an experiment (the runs of one epsilon, one review
period's evaluation, one figure's data), named by a key and described by its
settings. :meth:`Checkpoints.unit` runs it as a one-task :func:`~experiments.runner.run.run`
on the :class:`~experiments.runner.store.Store` under ``<directory>/units/``:
a dict of arrays is stored as ``<key>.npz``, a DataFrame or any JSON value as
``<key>.json``, with the fingerprint of the settings and a checksum. A later
call with the same settings loads it (validated; a bad record is recomputed
with a warning naming the file), changed settings recompute and overwrite it.
The value returned is always the stored one, so a fresh run and a resumed run
build the same outputs from the units.

Example:
    >>> import tempfile
    >>> ck = Checkpoints(tempfile.mkdtemp())
    >>> ck.unit("square", {"x": 3}, lambda: {"y": 9})
    {'y': 9}
    >>> ck.unit("square", {"x": 3}, lambda: 1 / 0)  # stored: not recomputed
    {'y': 9}
    >>> ck.computed
    ['square']
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from typing import Any

from experiments.runner.run import run
from experiments.runner.store import Store
from experiments.runner.task import Task

__all__ = ["Checkpoints"]


class Checkpoints:
    """The stored units of one experiment, under ``directory/units/``.

    Args:
        directory: the experiment's output folder.
        fresh: recompute every unit (and start the sweep folders of
            :meth:`folder` empty) instead of loading what is stored.

    Attributes:
        store: the :class:`~experiments.runner.store.Store` of the units.
        computed: keys of the units computed (not loaded) by this object, in order.
        seconds: key -> seconds the unit took when it was computed (stored with it),
            so a resumed run reports the same times as an uninterrupted one.
    """

    def __init__(self, directory: str, *, fresh: bool = False) -> None:
        self.directory = os.path.join(directory, "units")
        self.store = Store(self.directory)
        self.fresh = fresh
        self.computed: list[str] = []
        self.seconds: dict[str, float] = {}
        self._cleared: set[str] = set()

    def unit(self, key: str, settings: Any, compute: Callable[[], Any]) -> Any:
        """The stored result of unit ``key`` if its settings match, else ``compute()`` stored and reloaded.

        ``compute`` returns a dict of numpy arrays (stored as ``.npz``), a
        DataFrame or a JSON value (stored as ``.json``); its exceptions propagate.
        """
        result = run([Task(key, settings, compute)], self.store, fresh=self.fresh)
        record = result.records[0]
        self.computed += result.computed
        self.seconds[key] = record.seconds
        return record.value

    def folder(self, name: str) -> str:
        """``units/<name>/``: the output folder of a resumable sweep (emptied once when ``fresh``)."""
        path = os.path.join(self.directory, name)
        if self.fresh and name not in self._cleared:
            shutil.rmtree(path, ignore_errors=True)
            self._cleared.add(name)
        return path
