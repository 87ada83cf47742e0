"""The run sizes ("modes") of the experiments: one mechanism for every experiment configuration.

Every experiment configuration (each study's ``Config``, the epsilon comparison's,
the concrete mixers', :class:`~experiments.benchmark.BenchmarkConfig`) is a
dataclass with a ``mode`` field that derives from :class:`ModeConfig` and
declares its mode table ``MODES`` on the class: mode name -> the field changes
from the dataclass defaults that make that mode. Every table has a ``"default"``
mode (``{}``: the dataclass defaults, the ``mode`` field's default).

``Config.for_mode(mode, **changes)`` is then the configuration of a mode: the
dataclass defaults, updated by the mode's row of the table, updated by
``changes`` (the caller's changes win)::

    fields(mode, changes) = defaults | MODES[mode] | changes

One exception is declared on the class too: ``MODE_DEPENDS`` maps a field to
the field its mode value assumes. When the caller changes the second, the mode's
value of the first is not applied (it keeps its dataclass default). The
benchmark's quick mode gives the pathwise learner three instances of the suite;
``instances`` named by the caller each get a pathwise row instead
(``MODE_DEPENDS = {"pathwise_instances": "instances"}``).

The modes of each command:

* the studies, ``epsilon-comparison`` and ``concrete-mixers``: ``tiny`` (the
  tests, seconds), ``quick`` (the gallery and the docs' figures), ``default``
  (the full run);
* ``benchmark``: ``quick`` (``--quick``) and ``full`` (``--full``); ``default``
  is the dataclass defaults.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, TypeVar

__all__ = ["ModeConfig"]

C = TypeVar("C", bound="ModeConfig")


class ModeConfig:
    """Base of the experiment configurations: the mode table and :meth:`for_mode`.

    A subclass is a dataclass with a field ``mode: str = "default"`` and declares
    ``MODES`` (mode -> field changes; ``"default"`` maps to ``{}``) and, when a
    mode value assumes another field's default, ``MODE_DEPENDS``. A subclass that
    defines ``__post_init__`` calls ``super().__post_init__()`` (the mode check).
    """

    #: mode name -> the field changes from the dataclass defaults that make that mode
    MODES: ClassVar[dict[str, dict[str, Any]]] = {"default": {}}
    #: field -> the field its mode value assumes: a caller's change of the latter drops the former's mode value
    MODE_DEPENDS: ClassVar[dict[str, str]] = {}

    mode: str

    @classmethod
    def for_mode(cls: type[C], mode: str, /, **changes: Any) -> C:
        """The configuration of ``mode``: the defaults, then ``MODES[mode]``, then ``changes``.

        Raises:
            ValueError: ``mode`` is not in ``MODES``, or ``changes`` holds ``mode``
                or a name that is not a field.
        """
        if mode not in cls.MODES:
            raise ValueError(f"mode must be one of {', '.join(cls.MODES)}, got {mode!r}")
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(k for k in changes if k not in names or k == "mode")
        if unknown:
            raise ValueError(
                f"{cls.__qualname__}.for_mode: {unknown[0]!r} is not a field to change "
                f"(the mode is the first argument); fields: {', '.join(sorted(names - {'mode'}))}"
            )
        kw = {k: v for k, v in cls.MODES[mode].items() if cls.MODE_DEPENDS.get(k) not in changes}
        kw.update(changes)
        return cls(mode=mode, **kw)

    def __post_init__(self) -> None:
        if self.mode not in self.MODES:
            raise ValueError(f"mode must be one of {', '.join(self.MODES)}, got {self.mode!r}")
