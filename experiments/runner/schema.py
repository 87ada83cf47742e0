"""Shape checks of stored values: each returns what is wrong (a short text naming the field) or None.

Example:
    >>> problem({"cost": float("nan"), "status": "ok"}, cost="finite", status="str")
    'cost must be a finite number, got nan'
    >>> problem([], cost="finite")
    'holds a list, not a JSON object'
    >>> problem({"status": "ok"}, cost="finite")
    'cost is missing'
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["problem", "kind_problem", "KINDS"]

#: Kind names accepted by :func:`problem`.
KINDS = ("str", "int", "number", "finite", "dict", "list", "any")


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def kind_problem(value: Any, name: str, kind: str) -> str | None:
    """What is wrong with ``value`` (the field ``name``) for ``kind`` (one of :data:`KINDS`).

    ``number`` is any int or float but NaN (an interval bound may be infinite);
    ``finite`` excludes the infinities too; ``int`` excludes bools.
    """
    if kind == "any":
        return None
    if kind == "str":
        ok = isinstance(value, str)
    elif kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == "number":
        ok = _is_number(value) and not math.isnan(value)
    elif kind == "finite":
        ok = _is_number(value) and math.isfinite(value)
    elif kind == "dict":
        ok = isinstance(value, dict)
    elif kind == "list":
        ok = isinstance(value, list)
    else:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if ok:
        return None
    what = {"finite": "a finite number", "number": "a number (not NaN)", "int": "an integer"}.get(kind, f"a {kind}")
    return f"{name} must be {what}, got {value!r:.60}"


def problem(doc: Any, **kinds: str) -> str | None:
    """The first problem of ``doc`` (a JSON object) with its fields ``name=kind``, or None."""
    if not isinstance(doc, dict):
        return f"holds {'null' if doc is None else 'a ' + type(doc).__name__}, not a JSON object"
    for name, kind in kinds.items():
        if name not in doc:
            return f"{name} is missing"
        found = kind_problem(doc[name], name, kind)
        if found:
            return found
    return None
