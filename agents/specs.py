"""Text forms of the heuristic policies (the command line's ``--policy SPEC``).

A spec is ``family`` or ``family:name=value,name=value``::

    base_stock:S=20
    capped_base_stock:S=12,cap=6
    ss:s=19,S=56
    rq:r=3,Q=5
    periodic:T=4,S=11            (optional basis=on_hand)
    constant:q=4
    myopic
    scheduled:plan=0 10;5 8      (order 10 in period 0 and 8 in period 5)

Dual sourcing (orders (q_r, q_e); :mod:`agents.dual_sourcing`)::

    single_index:S_e=3,S_r=9
    dual_index:z_e=3,z_r=9
    capped_dual_index:z_e=3,z_r=9,u=3          (optional form=ignores_expedited)
    tailored_base_surge:r=2,S_e=3

Parameter names are case-sensitive (``s`` and ``S`` differ); family names are
not. Values in a spec must be finite numbers >= 0 (negative reorder points are
available through the Python classes). :func:`policy_spec` is the inverse of
:func:`parse_policy`.

>>> parse_policy("ss:s=6,S=40")
SS(s=6.0, S=40.0)
>>> policy_spec(parse_policy("periodic:T=4,S=11,basis=on_hand"))
'periodic:T=4,S=11,basis=on_hand'
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from agents.base import BasePolicy
from agents.dual_sourcing import CAPPED_FORMS, CappedDualIndex, DualIndex, SingleIndex, TailoredBaseSurge
from agents.heuristics import (
    RQ,
    SS,
    BaseStock,
    CappedBaseStock,
    ConstantOrder,
    Myopic,
    PeriodicReview,
    ScheduledOrders,
)

__all__ = ["FAMILIES", "Family", "parse_policy", "policy_spec", "parse_number", "make_policy"]


@dataclass(frozen=True)
class Family:
    """A heuristic family: its class, numeric parameters and text-only options.

    Attributes:
        name: the spec's family name.
        cls: the policy class.
        names: the numeric parameters' names, all required, in spec order (the
            text options' are :meth:`option_names`).
        integer: the parameters that must be integers.
        options: text options with their allowed values (the first is the default).
        constraint: ``f(values) -> bool mask`` of valid parameter combinations and
            its description, or None.
    """

    name: str
    cls: type[BasePolicy]
    names: tuple[str, ...]
    integer: tuple[str, ...] = ()
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()
    constraint: Callable[[dict[str, np.ndarray]], np.ndarray] | None = None
    constraint_text: str = ""
    minimum: tuple[tuple[str, float], ...] = ()

    def option_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.options)

    def lower_bound(self, name: str) -> float:
        """The smallest value a spec may give ``name`` (0 unless stated)."""
        return dict(self.minimum).get(name, 0.0)


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("base_stock", BaseStock, ("S",)),
        Family("capped_base_stock", CappedBaseStock, ("S", "cap")),
        Family("ss", SS, ("s", "S"), constraint=lambda v: v["s"] < v["S"], constraint_text="S must be > s"),
        Family("rq", RQ, ("r", "Q"), minimum=(("Q", 1.0),)),
        Family(
            "periodic",
            PeriodicReview,
            ("T", "S"),
            integer=("T",),
            options=(("basis", ("inventory_position", "on_hand")),),
            minimum=(("T", 1.0),),
        ),
        Family("constant", ConstantOrder, ("q",)),
        Family("myopic", Myopic, ()),
        Family("scheduled", ScheduledOrders, (), options=(("plan", ()),)),
        # dual sourcing (agents.dual_sourcing): orders (q_r, q_e)
        Family(
            "single_index",
            SingleIndex,
            ("S_e", "S_r"),
            constraint=lambda v: v["S_e"] <= v["S_r"],
            constraint_text="S_r must be >= S_e",
        ),
        Family(
            "dual_index",
            DualIndex,
            ("z_e", "z_r"),
            constraint=lambda v: v["z_e"] <= v["z_r"],
            constraint_text="z_r must be >= z_e",
        ),
        Family(
            "capped_dual_index",
            CappedDualIndex,
            ("z_e", "z_r", "u"),
            options=(("form", CAPPED_FORMS),),
            constraint=lambda v: v["z_e"] <= v["z_r"],
            constraint_text="z_r must be >= z_e",
        ),
        Family("tailored_base_surge", TailoredBaseSurge, ("r", "S_e")),
    )
}


def family(name: str) -> Family:
    """The :class:`Family` called ``name`` (case-insensitive; ``-`` reads as ``_``)."""
    key = name.strip().lower().replace("-", "_")
    if key not in FAMILIES:
        raise ValueError(f"unknown policy family {name.strip()!r}; known: {', '.join(FAMILIES)}")
    return FAMILIES[key]


def parse_number(name: str, text: str, *, low: float = 0.0, integer: bool = False) -> float:
    """A finite number >= ``low`` (an integer if asked) from text, or a ValueError naming ``name``."""
    t = text.strip()
    try:
        value = float(t)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {t!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {t!r}")
    if value < low:
        raise ValueError(f"{name} must be >= {low:g}, got {t}")
    if integer and not value.is_integer():
        raise ValueError(f"{name} must be an integer, got {t}")
    return value


def _parse_plan(text: str) -> list[tuple[int, float]]:
    """``"0 10;5 8"`` -> [(0, 10.0), (5, 8.0)]."""
    plan: list[tuple[int, float]] = []
    for item in text.split(";"):
        item = item.strip()
        if not item:
            continue
        parts = item.replace(":", " ").split()
        if len(parts) != 2:
            raise ValueError(f"plan entries must be 'period quantity' pairs separated by ';', got {item!r}")
        t = parse_number("plan period", parts[0], integer=True)
        q = parse_number("plan quantity", parts[1])
        plan.append((int(t), q))
    return plan


def _split_items(family_name: str, text: str) -> dict[str, str]:
    items: dict[str, str] = {}
    if not text.strip():
        return items
    for item in text.split(","):
        item = item.strip()
        if not item:
            raise ValueError(f"empty parameter in {family_name!r} spec (two commas, or a trailing comma?)")
        if "=" not in item:
            raise ValueError(f"policy parameters must be NAME=VALUE, got {item!r} in {family_name!r}")
        name, value = (x.strip() for x in item.split("=", 1))
        if name in items:
            raise ValueError(f"parameter {name!r} given twice")
        items[name] = value
    return items


def make_policy(fam: Family | str, values: dict[str, Any], options: dict[str, Any] | None = None) -> BasePolicy:
    """Build a policy of family ``fam`` from parameter values (scalars or arrays) and options."""
    fam = family(fam) if isinstance(fam, str) else fam
    kwargs = dict(values)
    kwargs.update(options or {})
    if fam.name == "scheduled":
        return ScheduledOrders(kwargs.get("plan", []))
    return fam.cls(**kwargs)


def parse_policy(spec: str) -> BasePolicy:
    """A heuristic policy from its text form (see the module docstring).

    Args:
        spec: e.g. ``"ss:s=19,S=56"``.

    Returns:
        An unbound policy (the evaluator binds it to the model's parameters).

    Raises:
        ValueError: unknown family or parameter, a missing, repeated, negative or
            non-numeric value, or values the family forbids (``ss`` with S <= s).
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"policy spec must be 'family:name=value,...', got {spec!r}")
    head, _, rest = spec.strip().partition(":")
    fam = family(head)
    items = _split_items(fam.name, rest)
    allowed = fam.names + fam.option_names()
    unknown = [k for k in items if k not in allowed]
    if unknown:
        hint = f"; allowed: {', '.join(allowed)}" if allowed else "; it takes no parameters"
        raise ValueError(f"unknown parameter {unknown[0]!r} for policy family {fam.name!r}{hint}")
    missing = [k for k in fam.names if k not in items]
    if missing:
        raise ValueError(
            f"policy family {fam.name!r} needs {', '.join(fam.names)}; missing {', '.join(missing)} "
            f"(e.g. {example(fam.name)})"
        )
    values = {k: parse_number(k, items[k], low=fam.lower_bound(k), integer=k in fam.integer) for k in fam.names}
    options: dict[str, Any] = {}
    for name, allowed_values in fam.options:
        if name not in items:
            continue
        if name == "plan":
            options[name] = _parse_plan(items[name])
        elif items[name] not in allowed_values:
            raise ValueError(f"{name} must be one of {', '.join(allowed_values)}, got {items[name]!r}")
        else:
            options[name] = items[name]
    if fam.constraint is not None and not bool(np.all(fam.constraint({k: np.asarray(v) for k, v in values.items()}))):
        shown = ", ".join(f"{k}={_fmt(v)}" for k, v in values.items())
        raise ValueError(f"{fam.constraint_text} in {fam.name!r}, got {shown}")
    return make_policy(fam, values, options)


def _fmt(v: Any) -> str:
    f = float(v)
    return str(int(f)) if f.is_integer() else repr(f)


def example(name: str) -> str:
    """An example spec of a family."""
    return {
        "base_stock": "base_stock:S=20",
        "capped_base_stock": "capped_base_stock:S=12,cap=6",
        "ss": "ss:s=19,S=56",
        "rq": "rq:r=3,Q=5",
        "periodic": "periodic:T=4,S=11",
        "constant": "constant:q=4",
        "myopic": "myopic",
        "scheduled": "scheduled:plan=0 10;5 8",
        "single_index": "single_index:S_e=3,S_r=9",
        "dual_index": "dual_index:z_e=3,z_r=9",
        "capped_dual_index": "capped_dual_index:z_e=3,z_r=9,u=3",
        "tailored_base_surge": "tailored_base_surge:r=2,S_e=3",
    }[name]


def policy_spec(policy: BasePolicy) -> str:
    """The text form of a heuristic policy with scalar parameters (inverse of :func:`parse_policy`).

    Raises:
        ValueError: for policies without a text form (trained agents, callables)
            or with array parameters (a batch of policies).
    """
    d = policy.describe()
    name = d.get("family", "")
    if name not in FAMILIES:
        raise ValueError(f"{type(policy).__name__} has no policy spec (family {name!r})")
    fam = FAMILIES[name]
    parts: list[str] = []
    for k in fam.names:
        v = d[k]
        if isinstance(v, (list, tuple, np.ndarray)):
            raise ValueError(f"{type(policy).__name__} has array parameters (a batch of policies); it has no spec")
        parts.append(f"{k}={_fmt(v)}")
    if fam.name == "scheduled":
        parts.append("plan=" + ";".join(f"{int(t)} {_fmt(q)}" for t, q in d["plan"]))
    for opt, allowed in fam.options:
        if opt in d and opt != "plan" and d[opt] != allowed[0]:
            parts.append(f"{opt}={d[opt]}")
    return fam.name + (":" + ",".join(parts) if parts else "")
