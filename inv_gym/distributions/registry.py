"""The family registry: what each distribution family's text form accepts.

A family registers its name (and aliases), the name its messages use, one or more
*forms* (sets of parameters that together determine a distribution, e.g. ``mean``
and ``sd``, or ``mean`` and ``scv``) with each parameter's allowed range, and the
constructor of each form. :func:`inv_gym.distributions.parse_distribution` and its
error messages are written from the registry alone, so a new family is one
:func:`register_family` call next to its class.

A wrapper family (``round(...)``, ``renewal(...)``) takes another distribution's
text form in parentheses instead of parameters.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from inv_gym.distributions.base import Distribution
from inv_gym.validation import check_int, check_number, describe_range

__all__ = ["Param", "Form", "Family", "FAMILIES", "register_family", "get_family", "family_names", "mean_scv_forms"]


@dataclass(frozen=True)
class Param:
    """One parameter of a form: its name, aliases, kind and allowed range.

    Args:
        name: the canonical name, passed to the form's constructor as a keyword.
        low, strict, high, high_strict: the range (see :func:`inv_gym.validation.check_number`);
            ``low=None`` for no lower bound.
        kind: ``"number"``, ``"integer"`` or ``"numbers"`` (a space-separated list,
            each entry in the range).
        aliases: other names accepted in the text, e.g. ``mu`` for ``mean``.
    """

    name: str
    low: float | None = 0.0
    strict: bool = False
    high: float | None = None
    high_strict: bool = False
    kind: Literal["number", "integer", "numbers"] = "number"
    aliases: tuple[str, ...] = ()

    @property
    def allowed(self) -> str:
        """The allowed values in words, e.g. ``a number > 0`` or ``numbers >= 0 separated by spaces``."""
        rng = describe_range(self.low, self.high, strict=self.strict, high_strict=self.high_strict)
        if self.kind == "integer":
            return f"an integer {rng}".rstrip()
        if self.kind == "numbers":
            return f"numbers {rng} separated by spaces".replace("  ", " ")
        return f"a number {rng}" if rng else "a finite number"

    @property
    def key(self) -> str:
        """How a message asks for the parameter: ``mean``, or ``values=V1 V2 ...`` for a list."""
        return (
            f"{self.name}={self.name[0].upper()}1 {self.name[0].upper()}2 ..." if self.kind == "numbers" else self.name
        )

    def read(self, family: Family, typed: str, text: str, spec: str) -> Any:
        """The value of ``text`` (given as ``typed=text`` in ``spec``), checked against the range.

        Raises:
            ValueError: naming the family, the parameter, the allowed range and ``spec``.
        """
        label = f"{family.label} {self.name}"
        where = f" in {spec!r}"
        items = text.replace(";", " ").split() if self.kind == "numbers" else [text]
        try:
            numbers = [float(x) for x in items]
        except ValueError:
            what = {"number": "a number", "integer": "an integer", "numbers": "numbers separated by spaces"}[self.kind]
            raise ValueError(
                f"{family.name}: {typed} must be {what}, got {text!r} (allowed: {self.allowed}){where}"
            ) from None
        try:
            if self.kind == "integer":
                low = 0 if self.low is None else math.floor(self.low) + 1 if self.strict else math.ceil(self.low)
                high = (
                    None
                    if self.high is None
                    else math.ceil(self.high) - 1
                    if self.high_strict
                    else math.floor(self.high)
                )
                checked: list[Any] = [check_int(label, x, low=low, high=high) for x in numbers]
            else:
                rng = dict(low=self.low, strict=self.strict, high=self.high, high_strict=self.high_strict)
                checked = [check_number(label, x, **rng) for x in numbers]
        except ValueError as exc:
            raise ValueError(f"{exc}{where}") from None
        return tuple(checked) if self.kind == "numbers" else checked[0]


@dataclass(frozen=True)
class Form:
    """A set of parameters that determines a distribution, and its constructor.

    Args:
        params: the parameters, all required.
        build: called with the checked values as keywords (the canonical names).
        example: a text form of this form, e.g. ``normal:mean=100,sd=20``.
    """

    params: tuple[Param, ...]
    build: Callable[..., Distribution]
    example: str

    @property
    def names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.params)

    def describe(self) -> str:
        """``mean and sd``; ``values=V1 V2 ... and probs=P1 P2 ...``."""
        return " and ".join(p.key for p in self.params)


@dataclass(frozen=True)
class Family:
    """A registered family of distributions.

    Args:
        name: the name in the text form (``poisson``).
        label: the name in messages (``negative binomial``); defaults to ``name``.
        cls: the class its forms build.
        forms: the accepted parameter sets, in the order messages list them.
        aliases: other names of the family (``constant`` for ``deterministic``).
        bare: the parameter a bare value gives, e.g. ``mean`` for ``poisson:5``.
        wraps: for a wrapper family, its constructor of one inner distribution
            (``round(...)``); then ``forms`` is empty.
        example: for a wrapper family, a text form (the others give one per form).
    """

    name: str
    cls: type[Distribution]
    forms: tuple[Form, ...] = ()
    label: str = ""
    aliases: tuple[str, ...] = ()
    bare: str | None = None
    wraps: Callable[[Distribution], Distribution] | None = None
    example: str = ""
    _names: dict[str, str] = field(init=False, default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.name)
        if (self.wraps is None) == (not self.forms):
            raise ValueError(f"family {self.name!r}: give forms, or wraps for a wrapper family")
        for form in self.forms:
            for p in form.params:
                for alias in (p.name, *p.aliases):
                    if self._names.setdefault(alias, p.name) != p.name:
                        raise ValueError(f"family {self.name!r}: {alias!r} names two parameters")
        if self.bare is not None and self.bare not in self._names:
            raise ValueError(f"family {self.name!r}: bare parameter {self.bare!r} is in no form")

    @property
    def shown(self) -> str:
        """The name as the list of known families shows it: ``poisson`` or ``round(...)``."""
        return f"{self.name}(...)" if self.wraps is not None else self.name

    @property
    def examples(self) -> tuple[str, ...]:
        """One text form per form (the wrapper's example for a wrapper family)."""
        return (self.example,) if self.wraps is not None else tuple(f.example for f in self.forms)

    def describe_forms(self) -> str:
        """``mean and scv, mean and cv, or shape and scale``."""
        parts = [f.describe() for f in self.forms]
        return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])}{',' if len(parts) > 2 else ''} or {parts[-1]}"

    def canonical(self, key: str) -> str | None:
        """The canonical parameter name of ``key`` (a name or an alias), None if unknown."""
        return self._names.get(key)

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Every name and alias the family accepts."""
        return tuple(self._names)


def mean_scv_forms(name: str, cls: Any, *, scv: float, scv_high: float | None = None) -> tuple[Form, Form]:
    """The forms ``mean`` and ``scv``, and ``mean`` and ``cv`` (scv = cv^2), of ``cls.from_mean_scv``.

    Args:
        name: the family's name (for the examples).
        cls: a class with ``from_mean_scv(mean, scv)``.
        scv: the SCV of the examples.
        scv_high: the largest SCV the family can have with a mean > 0 (None: no bound).
    """
    mean = Param("mean", strict=True)
    cv_high = None if scv_high is None else math.sqrt(scv_high)
    return (
        Form(
            (mean, Param("scv", strict=True, high=scv_high)),
            lambda mean, scv: cls.from_mean_scv(mean, scv),
            f"{name}:mean=5,scv={scv:g}",
        ),
        Form(
            (mean, Param("cv", strict=True, high=cv_high)),
            lambda mean, cv: cls.from_mean_scv(mean, cv * cv),
            f"{name}:mean=5,cv={math.sqrt(scv):.6g}",
        ),
    )


#: The registered families by name, in registration order.
FAMILIES: dict[str, Family] = {}
_ALIASES: dict[str, str] = {}


def register_family(family: Family) -> Family:
    """Add ``family`` to :data:`FAMILIES` (its name and aliases must be new); return it."""
    for name in (family.name, *family.aliases):
        if name in FAMILIES or name in _ALIASES:
            raise ValueError(f"distribution family {name!r} is already registered")
    FAMILIES[family.name] = family
    for alias in family.aliases:
        _ALIASES[alias] = family.name
    return family


def family_names() -> str:
    """The known families in registration order, wrappers last: ``poisson, ..., round(...), renewal(...)``."""
    plain = [f.shown for f in FAMILIES.values() if f.wraps is None]
    return ", ".join([*plain, *(f.shown for f in FAMILIES.values() if f.wraps is not None)])


def get_family(name: str, spec: str | None = None) -> Family:
    """The family called ``name`` (or an alias); a ValueError listing the known ones otherwise.

    Args:
        name: the family's name or alias (any case).
        spec: the text it was read from, quoted in the message.
    """
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in FAMILIES:
        where = f" in {spec!r}" if spec is not None else ""
        raise ValueError(f"unknown distribution family {name.strip()!r}{where}; allowed: {family_names()}")
    return FAMILIES[key]
