"""The text form of a distribution, read through the family registry.

``FAMILY:NAME=VALUE,NAME=VALUE`` (``gamma:mean=5,scv=0.5``), ``FAMILY:VALUE`` for a
family with a bare parameter (``poisson:5``) and ``WRAPPER(TEXT)`` for a wrapper
family (``round(gamma:mean=4,cv=0.5)``). Which parameters a family takes, their
ranges and the constructor come from :data:`inv_gym.distributions.FAMILIES`; every
refusal names the family, the parameter, the allowed values and the text given.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from inv_gym.distributions.base import Distribution
from inv_gym.distributions.discrete import Deterministic
from inv_gym.distributions.registry import FAMILIES, Family, get_family

__all__ = ["parse_distribution", "as_distribution"]


def _given(family: Family, body: str, spec: str) -> dict[str, tuple[str, str]]:
    """The parameters of ``body``: canonical name -> (name as typed, value text)."""
    if body and "=" not in body and family.bare is not None:
        return {family.canonical(family.bare): (family.bare, body)}  # type: ignore[dict-item]
    given: dict[str, tuple[str, str]] = {}
    unknown = []
    for part in body.split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise ValueError(f"{family.name}: expected NAME=VALUE, got {part!r} in {spec!r}")
        typed, value = (x.strip() for x in part.split("=", 1))
        typed = typed.lower()
        name = family.canonical(typed)
        if name is None:
            unknown.append(typed)
        elif name in given:
            raise ValueError(f"{family.name}: {name} is given twice ({given[name][0]} and {typed}) in {spec!r}")
        else:
            given[name] = (typed, value)
    if unknown:
        raise ValueError(
            f"{family.name}: unknown parameter(s) {sorted(unknown)} in {spec!r}; "
            f"allowed: {', '.join(family.parameter_names)}"
        )
    return given


def _build(family: Family, body: str, spec: str) -> Distribution:
    given = _given(family, body, spec)
    for form in family.forms:
        if form.names == set(given):
            values = {p.name: p.read(family, *given[p.name], spec) for p in form.params}
            try:
                return form.build(**values)
            except ValueError as exc:  # a condition between parameters (e.g. high > low)
                raise ValueError(f"{exc} in {spec!r}") from None
    typed = ", ".join(t for t, _ in given.values()) or "nothing"
    raise ValueError(f"{family.name}: give {family.describe_forms()}; got {typed} in {spec!r}")


def parse_distribution(text: str) -> Distribution:
    """Parse the compact text form of a distribution.

    Examples:
        >>> parse_distribution("poisson:5")
        Poisson(rate=5.0)
        >>> parse_distribution("gamma:mean=5,scv=0.5").shape
        2.0
        >>> parse_distribution("empirical:values=0 1 2,probs=0.2 0.5 0.3").mean
        1.1

    Raises:
        ValueError: unknown family (the message lists the known ones), a missing,
            unknown or repeated parameter, or a value outside its range (the message
            names the parameter, the allowed values and the text).
    """
    if isinstance(text, Distribution):
        return text
    s = str(text).strip()
    low = s.lower()
    for family in FAMILIES.values():
        if family.wraps is not None and low.startswith(f"{family.name}("):
            if not s.endswith(")"):
                raise ValueError(f"unbalanced parentheses in {s!r}")
            inner = parse_distribution(s[len(family.name) + 1 : -1])
            try:
                return family.wraps(inner)
            except ValueError as exc:
                raise ValueError(f"{exc} in {s!r}") from None
    name, _, body = s.partition(":")
    family = get_family(name, s)
    if family.wraps is not None:
        raise ValueError(f"{family.name} wraps a distribution: write {family.name}(TEXT), e.g. {family.example}")
    return _build(family, body.strip(), s)


def as_distribution(value: Any, *, name: str = "distribution") -> Distribution:
    """Coerce a Distribution, a text form, or a number (deterministic) to a Distribution."""
    if isinstance(value, Distribution):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a distribution, a text form or a number, got {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return Deterministic(float(value))
    if isinstance(value, str):
        try:
            return parse_distribution(value)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    raise ValueError(f"{name} must be a distribution, a text form or a number, got {value!r}")
