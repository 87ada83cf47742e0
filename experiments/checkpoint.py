"""Resumable experiments: units of work computed once and stored atomically.

A unit is one piece of an experiment's work (the runs of one epsilon, one
review period's evaluation, one figure's data), named by a key and described
by its settings: every configuration field, seed and model parameter its result
depends on. :meth:`Checkpoints.unit` stores the result under
``<directory>/units/<key>.npz`` (a dict of arrays) or ``<key>.json`` (a
DataFrame or any JSON value) together with the fingerprint of the settings
(sha256 of their canonical JSON); a later call with the same settings loads it,
changed settings recompute and overwrite it. The value returned is always the
stored one, so a fresh run and a resumed run build the same outputs from the
units. An interrupted experiment therefore resumes at its first missing unit.

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

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from experiments.io import atomic_write, jsonable, write_json

__all__ = ["Checkpoints", "fingerprint"]


def fingerprint(settings: Any) -> str:
    """sha256 (first 16 hex digits) of the canonical JSON of ``settings`` (sorted keys, numpy as numbers)."""
    text = json.dumps(settings, sort_keys=True, default=jsonable, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Checkpoints:
    """The stored units of one experiment, under ``directory/units/``.

    Args:
        directory: the experiment's output folder.
        fresh: recompute every unit (and start the sweep folders of
            :meth:`folder` empty) instead of loading what is stored.

    Attributes:
        computed: keys of the units computed (not loaded) by this object, in order.
        seconds: key -> seconds the unit took when it was computed (stored with it),
            so a resumed run reports the same times as an uninterrupted one.
    """

    def __init__(self, directory: str, *, fresh: bool = False) -> None:
        self.directory = os.path.join(directory, "units")
        self.fresh = fresh
        self.computed: list[str] = []
        self.seconds: dict[str, float] = {}
        self._cleared: set[str] = set()

    def unit(self, key: str, settings: Any, compute: Callable[[], Any]) -> Any:
        """The stored result of unit ``key`` if its settings match, else ``compute()`` stored and reloaded.

        ``compute`` returns a dict of numpy arrays (stored as ``.npz``), a
        DataFrame or a JSON value (stored as ``.json``).
        """
        fp = fingerprint(settings)
        base = os.path.join(self.directory, key)
        if not self.fresh:
            for ext in (".npz", ".json"):
                found = _load(base + ext, fp)
                if found is not None:
                    self.seconds[key] = found[1]
                    return found[0]
        t0 = time.perf_counter()
        value = compute()
        seconds = time.perf_counter() - t0
        for ext in (".npz", ".json"):
            if os.path.exists(base + ext):
                os.remove(base + ext)
        if isinstance(value, dict) and value and all(isinstance(v, np.ndarray) for v in value.values()):
            path = base + ".npz"
            meta = {"__fingerprint__": np.array(fp), "__seconds__": np.array(seconds)}
            atomic_write(path, lambda tmp: np.savez(tmp, **value, **meta))
        else:
            path = base + ".json"
            if isinstance(value, pd.DataFrame):
                dtypes = {c: str(t) for c, t in value.dtypes.items()}
                value = {"__frame__": {"dtypes": dtypes, "data": value.to_dict("list")}}
            write_json({"key": key, "fingerprint": fp, "seconds": seconds, "settings": settings, "value": value}, path)
        self.computed.append(key)
        loaded = _load(path, fp)
        assert loaded is not None
        self.seconds[key] = loaded[1]
        return loaded[0]

    def folder(self, name: str) -> str:
        """``units/<name>/``: the output folder of a resumable sweep (emptied once when ``fresh``)."""
        path = os.path.join(self.directory, name)
        if self.fresh and name not in self._cleared:
            shutil.rmtree(path, ignore_errors=True)
            self._cleared.add(name)
        return path


def _load(path: str, fp: str) -> tuple[Any, float] | None:
    """(value, seconds) of the unit stored at ``path`` if it has fingerprint ``fp``, else None."""
    if not os.path.exists(path):
        return None
    if path.endswith(".npz"):
        with np.load(path) as z:
            if str(z["__fingerprint__"]) != fp:
                return None
            return {k: z[k] for k in z.files if not k.startswith("__")}, float(z["__seconds__"])
    with open(path) as f:
        doc = json.load(f)
    if doc.get("fingerprint") != fp:
        return None
    value = doc["value"]
    if isinstance(value, dict) and "__frame__" in value:
        frame = value["__frame__"]
        value = pd.DataFrame({c: pd.Series(v, dtype=frame["dtypes"][c]) for c, v in frame["data"].items()})
    return value, float(doc["seconds"])
