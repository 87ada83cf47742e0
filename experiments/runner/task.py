"""A task: one result of an experiment, named by a key and fingerprinted by its settings.

The settings are everything the result depends on (configuration fields,
seeds, model parameters, a learner's defaults). Their fingerprint is the first
16 hex digits of the sha256 of their canonical JSON (:func:`canonical_json`:
sorted keys, numpy values as numbers, tuples as lists), so two runs agree on a
fingerprint exactly when they agree on the settings.

Example:
    >>> t = Task("square-3", {"x": 3}, lambda: {"y": 9})
    >>> t.fingerprint == fingerprint({"x": 3}) and len(t.fingerprint)
    16
    >>> Task("../etc", {}, dict)
    Traceback (most recent call last):
    ...
    ValueError: key must be one or more '/'-separated names of letters, digits and '._=+,-' (not '.' or '..'), got '../etc'
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from experiments.io import jsonable

__all__ = ["Task", "canonical_json", "fingerprint", "sha256_hex", "check_key"]

_NAME = re.compile(r"[A-Za-z0-9_.=+,-]+")


def canonical_json(obj: Any) -> str:
    """The canonical JSON text of ``obj``: sorted keys, numpy values as numbers (:func:`experiments.io.jsonable`).

    The separators are ``json.dumps``' defaults, so the fingerprints of the
    benchmark's task files written before the runner existed are unchanged.
    """
    return json.dumps(obj, sort_keys=True, default=jsonable)


def sha256_hex(text: str | bytes) -> str:
    """The sha256 of ``text`` (UTF-8) as 64 hex digits."""
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def fingerprint(settings: Any) -> str:
    """The first 16 hex digits of the sha256 of :func:`canonical_json` of ``settings``."""
    return sha256_hex(canonical_json(settings))[:16]


def check_key(key: str) -> str:
    """``key`` if it is a safe relative file name (``/`` separates folders), else a ValueError naming it."""
    parts = key.split("/") if isinstance(key, str) else [None]
    if not all(isinstance(p, str) and _NAME.fullmatch(p) and p not in (".", "..") for p in parts):
        raise ValueError(
            "key must be one or more '/'-separated names of letters, digits and '._=+,-' "
            f"(not '.' or '..'), got {key!r}"
        )
    return key


@dataclass(frozen=True)
class Task:
    """One result to compute or to load from a :class:`~experiments.runner.store.Store`.

    Attributes:
        key: the record's name in the store (``<key>.json`` or ``<key>.npz``).
        settings: what the result depends on (JSON-able); its :attr:`fingerprint` is stored with the result.
        compute: returns the result; it must be picklable (a module-level function or a
            ``functools.partial`` of one) to run on a process or Dask executor.
        check: the result's schema: returns what is wrong with a value (a short text)
            or None. A stored value that fails it is recomputed with a warning.
        reuse: whether a valid stored value is final (default: always). A value it
            refuses (e.g. a recorded error) is recomputed quietly.
        on_error: turns an exception the executor caught (e.g. a lost Dask worker)
            into a value to store; without it the exception is raised.
    """

    key: str
    settings: Any
    compute: Callable[[], Any] = field(compare=False)
    check: Callable[[Any], str | None] | None = field(default=None, compare=False)
    reuse: Callable[[Any], bool] | None = field(default=None, compare=False)
    on_error: Callable[[BaseException], Any] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        check_key(self.key)

    @property
    def fingerprint(self) -> str:
        """:func:`fingerprint` of :attr:`settings`."""
        return fingerprint(self.settings)

    def problem(self, value: Any) -> str | None:
        """What :attr:`check` finds wrong with ``value`` (None: nothing, or no check)."""
        return None if self.check is None else self.check(value)

    def final(self, value: Any) -> bool:
        """Whether a valid stored ``value`` is reused rather than recomputed."""
        return True if self.reuse is None else bool(self.reuse(value))
