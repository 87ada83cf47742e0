"""The store: one validated, fingerprinted record per task, written atomically.

A task's record is ``<directory>/<key>.json`` or, for a dict of numpy arrays,
``<directory>/<key>.npz``. A JSON record is the object

.. code-block:: text

    {"key": ..., "fingerprint": ..., "seconds": ..., "settings": ..., "value": ..., "checksum": ...}

where ``fingerprint`` is :func:`~experiments.runner.task.fingerprint` of the
task's settings, ``seconds`` the time the computation took, ``value`` the
result (a DataFrame is stored as ``{"__frame__": {"dtypes", "data"}}``) and
``checksum`` the sha256 (64 hex digits) of the canonical JSON of every other
field. An ``.npz`` record holds the arrays and ``__key__``, ``__fingerprint__``,
``__seconds__`` and ``__checksum__`` (sha256 of the key, fingerprint, seconds,
the arrays' names, dtypes and shapes and their bytes).

Loading validates the record in this order: it parses (JSON, or an ``.npz``
read with ``allow_pickle=False``: nothing is ever unpickled), it has the
fields above with their types (``seconds`` a finite number), its value passes
the task's :attr:`~experiments.runner.task.Task.check`, its checksum matches
(a hand-edited value is caught) and its fingerprint equals the task's. A record
that fails any step but the last is *bad*: :meth:`Store.load` issues a
:class:`RecordWarning` naming the file and what is wrong, and the task is
recomputed (never a crash). A fingerprint that differs means the settings
changed: the record is *stale* and is recomputed quietly.

Legacy records (written before records held a checksum) are accepted once:
the store's ``legacy`` reader (or, by default, the reader of the former
``experiments.checkpoint`` units: ``key``, ``fingerprint``, ``seconds``,
``value``) turns the object into a fingerprint, a value and seconds; the value
is validated like any other (shape, types, finite numbers, fingerprint) and the
record is rewritten in the format above with its checksum. A legacy ``.npz``
(``__fingerprint__`` and ``__seconds__`` only) is handled the same way.

Example:
    >>> import tempfile
    >>> from experiments.runner.task import Task
    >>> store = Store(tempfile.mkdtemp())
    >>> task = Task("square", {"x": 3}, lambda: {"y": 9})
    >>> store.save(task, {"y": 9}, 0.5).value
    {'y': 9}
    >>> store.load(task).value, store.load(Task("square", {"x": 4}, dict))
    ({'y': 9}, None)
"""

from __future__ import annotations

import json
import logging
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from experiments.io import atomic_write, atomic_write_text, jsonable
from experiments.runner.schema import problem as shape_problem
from experiments.runner.task import Task, canonical_json, check_key, sha256_hex

__all__ = ["Store", "Record", "RecordWarning", "LegacyReader", "BadRecord"]

log = logging.getLogger("experiments.runner")

_HEX16 = re.compile(r"[0-9a-f]{16}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_META = ("__key__", "__fingerprint__", "__seconds__", "__checksum__")

#: Reads a legacy JSON record (a dict without ``checksum``): returns (fingerprint, value, seconds)
#: or raises :class:`BadRecord` saying what is wrong.
LegacyReader = Callable[[dict], tuple[str, Any, float]]


class RecordWarning(UserWarning):
    """A stored record is bad (unreadable, wrong shape, wrong types, edited) and is recomputed."""


class BadRecord(ValueError):
    """What is wrong with a record (raised by the readers, turned into a :class:`RecordWarning`)."""


@dataclass(frozen=True)
class Record:
    """A validated record: the task's ``key``, its ``fingerprint``, the ``seconds`` it took, its ``value``."""

    key: str
    fingerprint: str
    seconds: float
    value: Any
    path: str


def is_arrays(value: Any) -> bool:
    """True for a non-empty dict of numpy arrays (stored as ``.npz``)."""
    return isinstance(value, dict) and bool(value) and all(isinstance(v, np.ndarray) for v in value.values())


class Store:
    """The records of one experiment, under ``directory``.

    Args:
        directory: the folder of the records (created on the first write).
        legacy: reader of legacy JSON records (see the module docstring); the
            default reads the former checkpoint units.
    """

    def __init__(self, directory: str, *, legacy: LegacyReader | None = None) -> None:
        self.directory = directory
        self.legacy = legacy or _legacy_unit

    def paths(self, key: str) -> tuple[str, str]:
        """The ``.npz`` and ``.json`` paths of ``key``."""
        base = os.path.join(self.directory, check_key(key))
        return base + ".npz", base + ".json"

    # -- loading ---------------------------------------------------------------
    def load(self, task: Task) -> Record | None:
        """The valid record of ``task`` with its fingerprint, or None (absent, stale or bad: recompute).

        A bad record gives a :class:`RecordWarning` naming the file; a valid
        legacy record is rewritten with its checksum.
        """
        for path in self.paths(task.key):
            if not os.path.exists(path):
                continue
            try:
                record, legacy, sum_problem = self._read(path, task.key)
                bad = task.problem(record.value) or sum_problem
                if bad:
                    raise BadRecord(bad)
            except BadRecord as exc:
                warnings.warn(f"{path}: {exc}; recomputing it", RecordWarning, stacklevel=2)
                return None
            if record.fingerprint != task.fingerprint:
                log.info("%s: made with other settings (fingerprint %s, now %s); recomputing it", path,
                         record.fingerprint, task.fingerprint)  # fmt: skip
                return None
            if legacy:
                log.info("%s: legacy record without a checksum; rewriting it with one", path)
                return self.save(task, record.value, record.seconds)
            return record
        return None

    def _read(self, path: str, key: str) -> tuple[Record, bool, str | None]:
        """(record, is legacy, checksum problem) of ``path``; raises :class:`BadRecord` if unreadable or misshapen."""
        if path.endswith(".npz"):
            return _read_npz(path, key)
        try:
            with open(path, encoding="utf-8") as fh:
                doc = json.load(fh)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRecord(f"not valid JSON (truncated or edited?): {exc}") from None
        except OSError as exc:
            raise BadRecord(f"cannot be read: {exc.strerror}") from None
        if isinstance(doc, dict) and "checksum" not in doc:
            fp, value, seconds = self.legacy(doc)
            _check_fingerprint(fp)
            if "key" in doc and doc["key"] != key:
                raise BadRecord(f"key is {doc['key']!r}, not {key!r} (the file's name)")
            return Record(key, fp, _seconds(seconds), _decode(value), path), True, None
        found = shape_problem(doc, key="str", fingerprint="str", seconds="finite", value="any", checksum="str")
        if found:
            raise BadRecord(found)
        if doc["key"] != key:
            raise BadRecord(f"key is {doc['key']!r}, not {key!r} (the file's name)")
        _check_fingerprint(doc["fingerprint"])
        stored = doc.pop("checksum")
        sum_problem = None
        if stored != sha256_hex(canonical_json(doc)):
            sum_problem = "checksum does not match the content (a value was edited by hand?)"
        return (
            Record(key, doc["fingerprint"], _seconds(doc["seconds"]), _decode(doc["value"]), path),
            False,
            sum_problem,
        )

    # -- saving ----------------------------------------------------------------
    def save(self, task: Task, value: Any, seconds: float) -> Record:
        """Write ``value`` (computed in ``seconds``) as the record of ``task``; return it as reloaded.

        Raises:
            ValueError: naming the task when the value fails the task's check or
                holds object arrays (they cannot be stored without pickling).
        """
        found = task.problem(value)
        if found:
            raise ValueError(f"task {task.key}: its computed value is not valid: {found}")
        npz, js = self.paths(task.key)
        fp, seconds = task.fingerprint, float(seconds)
        if is_arrays(value):
            path, other = npz, js
            arrays = {k: np.asarray(v) for k, v in value.items()}
            bad = [k for k, v in arrays.items() if v.dtype.hasobject or k.startswith("__")]
            if bad:
                raise ValueError(f"task {task.key}: arrays {bad} cannot be stored (object dtype or a reserved name)")
            meta = {
                "__key__": np.array(task.key),
                "__fingerprint__": np.array(fp),
                "__seconds__": np.array(seconds),
                "__checksum__": np.array(_npz_checksum(task.key, fp, seconds, arrays)),
            }
            atomic_write(path, lambda tmp: np.savez(tmp, **arrays, **meta))
        else:
            path, other = js, npz
            body = {"key": task.key, "fingerprint": fp, "seconds": seconds, "settings": task.settings}
            body["value"] = _encode(value)
            doc = json.loads(json.dumps(body, default=jsonable))  # the stored form: numpy as numbers, tuples as lists
            doc["checksum"] = sha256_hex(canonical_json(doc))
            atomic_write_text(path, json.dumps(doc, indent=1))
        if os.path.exists(other):
            os.remove(other)
        try:
            record, _, sum_problem = self._read(path, task.key)
        except BadRecord as exc:  # pragma: no cover - a bug of the writer
            raise ValueError(f"{path}: the record just written does not read back: {exc}") from None
        assert sum_problem is None, f"{path}: {sum_problem}"
        return record

    def remove(self, key: str) -> None:
        """Delete the record of ``key`` (if any)."""
        for path in self.paths(key):
            if os.path.exists(path):
                os.remove(path)


def _check_fingerprint(fp: Any) -> None:
    if not (isinstance(fp, str) and _HEX16.fullmatch(fp)):
        raise BadRecord(f"fingerprint must be 16 hex digits, got {fp!r:.40}")


def _seconds(x: Any) -> float:
    found = shape_problem({"seconds": x}, seconds="finite")
    if found:
        raise BadRecord(found)
    return float(x)


def _legacy_unit(doc: dict) -> tuple[str, Any, float]:
    """The former checkpoint unit: ``{"key", "fingerprint", "seconds", "settings", "value"}``."""
    found = shape_problem(doc, fingerprint="str", seconds="finite", value="any")
    if found:
        raise BadRecord(found)
    return doc["fingerprint"], doc["value"], float(doc["seconds"])


def _encode(value: Any) -> Any:
    if isinstance(value, pd.DataFrame):
        dtypes = {str(c): str(t) for c, t in value.dtypes.items()}
        return {"__frame__": {"dtypes": dtypes, "data": value.to_dict("list")}}
    return value


def _decode(value: Any) -> Any:
    if not (isinstance(value, dict) and "__frame__" in value):
        return value
    frame = value["__frame__"]
    found = shape_problem(frame, dtypes="dict", data="dict")
    if found:
        raise BadRecord(f"value.__frame__: {found}")
    data, dtypes = frame["data"], frame["dtypes"]
    if set(data) != set(dtypes) or not all(isinstance(v, list) for v in data.values()):
        raise BadRecord("value.__frame__: data must map each column of dtypes to a list")
    if len({len(v) for v in data.values()}) > 1:
        raise BadRecord("value.__frame__: the columns have different lengths")
    try:
        return pd.DataFrame({c: pd.Series(v, dtype=dtypes[c]) for c, v in data.items()})
    except (TypeError, ValueError) as exc:
        raise BadRecord(f"value.__frame__: {exc}") from None


def _npz_checksum(key: str, fp: str, seconds: float, arrays: dict[str, np.ndarray]) -> str:
    head = {"key": key, "fingerprint": fp, "seconds": seconds}
    head["arrays"] = {k: [v.dtype.str, list(v.shape)] for k, v in sorted(arrays.items())}
    data = canonical_json(head).encode() + b"".join(np.ascontiguousarray(arrays[k]).tobytes() for k in sorted(arrays))
    return sha256_hex(data)


def _read_npz(path: str, key: str) -> tuple[Record, bool, str | None]:
    try:
        with np.load(path, allow_pickle=False) as z:
            loaded = {k: z[k] for k in z.files}
    except Exception as exc:  # a truncated or foreign file fails in many ways: all mean "bad record"
        raise BadRecord(f"not a readable .npz archive (truncated?): {type(exc).__name__}: {exc}") from None
    arrays = {k: v for k, v in loaded.items() if k not in _META}
    if not arrays:
        raise BadRecord("holds no arrays")
    for name in ("__fingerprint__", "__seconds__"):
        if name not in loaded or loaded[name].shape != ():
            raise BadRecord(f"{name} is missing")
    fp = str(loaded["__fingerprint__"])
    _check_fingerprint(fp)
    seconds = _seconds(loaded["__seconds__"].item())
    if "__checksum__" not in loaded:
        return Record(key, fp, seconds, arrays, path), True, None
    stored_key = str(loaded.get("__key__", np.array("")))
    if stored_key != key:
        raise BadRecord(f"key is {stored_key!r}, not {key!r} (the file's name)")
    stored = str(loaded["__checksum__"])
    sum_problem = None
    if not _HEX64.fullmatch(stored) or stored != _npz_checksum(key, fp, seconds, arrays):
        sum_problem = "checksum does not match the content (an array was edited?)"
    return Record(key, fp, seconds, arrays, path), False, sum_problem
