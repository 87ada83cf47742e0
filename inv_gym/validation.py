"""The checks every public entry point applies to its arguments.

Each check returns the value converted (a float, an int or a bool) or raises a
``ValueError`` that names the parameter, the allowed range and the value given,
e.g. ``holding_cost must be >= 0, got -1``. Bools are never numbers here
(``True`` is refused where a number or an integer is expected), and numbers are
finite unless a range says otherwise.

Ranges
------
A number's range is written as the message shows it:

* ``low`` only: ``>= low`` (``> low`` with ``strict``);
* ``low`` and ``high``: the interval ``[low, high]``, with ``(`` or ``)`` for a
  strict end;
* ``cap``: a safety limit on top of the range (:mod:`inv_gym.limits`), named
  only when the value exceeds it: ``>= 0 and <= 1e+12 (inv_gym.limits)``.

Integers take ``low`` and ``high`` (both inclusive) or a ``cap`` the same way.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from typing import Any

import numpy as np

__all__ = ["check_number", "check_int", "check_bool", "check_choice", "describe_range", "TRUE_TEXTS", "FALSE_TEXTS"]

#: Text accepted as True or False where a flag may be given as text (``--set obs_scale=yes``).
TRUE_TEXTS: tuple[str, ...] = ("true", "1", "yes")
FALSE_TEXTS: tuple[str, ...] = ("false", "0", "no")


def _shown(value: Any) -> str:
    """The value as a message shows it: bools plainly, text quoted, numbers to 12 digits."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.12g}"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return repr(value)


def _bound(x: float) -> str:
    """A range's end as written in a message: ``0``, ``0.5``, ``1e6``, ``1e-9``."""
    mantissa, _, exponent = f"{x:g}".partition("e")
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa


def describe_range(
    low: float | None = None, high: float | None = None, *, strict: bool = False, high_strict: bool = False
) -> str:
    """The range ``[low, high]`` as the messages write it: ``>= 0``, ``> 0``, ``in (0, 1]``, ``<= 5`` or ``''``."""
    if low is not None and high is not None:
        return f"in {'(' if strict else '['}{_bound(low)}, {_bound(high)}{')' if high_strict else ']'}"
    if low is not None:
        return f"{'>' if strict else '>='} {_bound(low)}"
    if high is not None:
        return f"{'<' if high_strict else '<='} {_bound(high)}"
    return ""


def check_number(
    name: str,
    value: Any,
    *,
    low: float | None = 0.0,
    strict: bool = False,
    high: float | None = None,
    high_strict: bool = False,
    cap: float | None = None,
    cap_source: str = "inv_gym.limits",
) -> float:
    """``float(value)`` if it is a finite number in the range, else a ValueError naming ``name``.

    Args:
        name: the parameter's name, used in the message.
        value: the value to check (bools and non-numbers are refused).
        low: the lower bound (None: none).
        strict: True for ``value > low``, False for ``value >= low``.
        high: the upper bound of the range (None: none).
        high_strict: True for ``value < high``.
        cap: a limit above the range (e.g. :data:`inv_gym.limits.MAX_MONEY`), named
            only when ``value`` exceeds it.
        cap_source: where the cap is documented, shown next to it.

    Examples:
        >>> check_number("holding_cost", 2)
        2.0
        >>> check_number("p", 1.5, low=0, strict=True, high=1)
        Traceback (most recent call last):
        ...
        ValueError: p must be in (0, 1], got 1.5
    """
    rng = describe_range(low, high, strict=strict, high_strict=high_strict)
    number = f"a number {rng}" if rng else "a number"
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be {number}, got {_shown(value)}")
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be {number}, got {_shown(value)}") from None
    below = low is not None and (v < low or (strict and v == low))
    above = high is not None and (v > high or (high_strict and v == high))
    if high is not None:
        # a number in an interval is finite, even when the interval's end is inf
        if below or above or not math.isfinite(v):
            raise ValueError(f"{name} must be {rng}, got {_shown(v)}")
    elif cap is not None:
        if below or math.isnan(v):
            raise ValueError(f"{name} must be {rng}, got {_shown(v)}")
        if not v <= cap:
            raise ValueError(f"{name} must be {rng} and <= {cap:g} ({cap_source}), got {_shown(v)}")
    elif not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number{' ' + rng if rng else ''}, got {_shown(v)}")
    elif below:
        raise ValueError(f"{name} must be {rng}, got {_shown(v)}")
    return v


def check_int(
    name: str,
    value: Any,
    *,
    low: int = 0,
    high: int | None = None,
    cap: int | None = None,
    cap_source: str = "inv_gym.limits",
    reason: str = "",
) -> int:
    """``value`` as an int in ``[low, high]`` (and at most ``cap``), else a ValueError naming ``name``.

    Whole floats (``3.0``) are accepted; fractions, bools, non-finite values and
    non-numbers are refused. ``reason``, if given, follows the range in the
    message, e.g. ``reps must be an integer >= 2 (a confidence interval needs two
    replications), got 1``.

    Examples:
        >>> check_int("horizon", 10.0, low=1)
        10
        >>> check_int("lead_time", 1001, cap=1000)
        Traceback (most recent call last):
        ...
        ValueError: lead_time must be an integer in [0, 1000] (inv_gym.limits), got 1001
    """
    rng = f"in [{low}, {high}]" if high is not None else f">= {low}"
    why = f" ({reason})" if reason else ""
    message = f"{name} must be an integer {rng}{why}, got {_shown(value)}"
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(message)
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(message) from None
    if not math.isfinite(f) or not f.is_integer() or f < low or (high is not None and f > high):
        raise ValueError(message)
    if cap is not None and f > cap:
        raise ValueError(f"{name} must be an integer in [{low}, {cap}] ({cap_source}), got {_shown(value)}")
    return int(value) if isinstance(value, (int, np.integer)) else int(f)


def check_bool(name: str, value: Any, *, text: bool = False) -> bool:
    """``value`` as a bool; with ``text``, the strings of :data:`TRUE_TEXTS` and :data:`FALSE_TEXTS` too.

    Numbers (``0``, ``1``, ``2``) are refused: a flag is True or False.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if text and isinstance(value, str):
        low = value.strip().lower()
        if low in TRUE_TEXTS:
            return True
        if low in FALSE_TEXTS:
            return False
    raise ValueError(f"{name} must be {'true or false' if text else 'True or False'}, got {value!r}")


def check_choice(name: str, value: Any, choices: Iterable[Any]) -> Any:
    """``value`` if it is one of ``choices``, else a ValueError listing them."""
    choices = tuple(choices)
    if isinstance(value, Hashable) and value in choices:
        return value
    raise ValueError(f"{name} must be one of {', '.join(map(str, choices))}, got {value!r}")
