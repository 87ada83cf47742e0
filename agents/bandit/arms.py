"""Policy arms: a grid of one policy family whose arm i is one parameter combination."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from agents.base import BasePolicy
from agents.search import SEARCH_FAMILIES, grid_points
from agents.specs import FAMILIES, Family
from agents.specs import family as get_family

__all__ = ["PolicyArms", "ARM_FAMILIES"]

#: families whose policies can be arms: the families of ``inv-gym search``
#: (:data:`agents.search.SEARCH_FAMILIES`), with their grid syntax
ARM_FAMILIES: dict[str, Family] = {name: FAMILIES[name] for name in SEARCH_FAMILIES}


def _plain_number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


class PolicyArms:
    """A grid of policies of one family; arm i is one parameter combination.

    Args:
        family: ``ss`` (s, S), ``rq`` (r, Q), ``base_stock`` (S), ``periodic``
            (T, S), or another family of :data:`ARM_FAMILIES`.
        arms: grid text such as ``"s=0:40,S=1:80"`` or ``"T=1:10,S=11"``
            (:func:`agents.search.grid_points`: inclusive ranges, ``a:b:step``, space-separated
            lists; invalid combinations such as S <= s dropped), a mapping of
            parameter -> values (the Cartesian product), or a sequence of
            parameter mappings (one per arm).
        **fixed: keyword arguments passed to every policy (``basis`` for periodic review).

    Example:
        >>> arms = PolicyArms("periodic", "T=1:3,S=11")
        >>> arms.n_arms, arms.arm(1)
        (3, {'family': 'periodic', 'T': 2, 'S': 11})
    """

    def __init__(
        self, family: str, arms: Sequence[Mapping[str, float]] | Mapping[str, Any] | str, **fixed: Any
    ) -> None:
        fam = get_family(family)
        if fam.name not in ARM_FAMILIES:
            raise ValueError(f"policy family {fam.name!r} has no arms; families with arms: {', '.join(ARM_FAMILIES)}")
        self.family = fam.name
        self.cls = fam.cls
        self.names = fam.names
        options: dict[str, Any] = {}
        if isinstance(arms, (str, Mapping)):
            points, options = grid_points(fam.name, arms)  # one grid syntax for searches and arms
            table = np.column_stack([points[n] for n in self.names])
        else:
            rows = []
            for a in arms:
                unknown = set(a) - set(self.names) - {"family"}
                if unknown:
                    raise ValueError(f"family {fam.name} has parameters {', '.join(self.names)}; got {sorted(unknown)}")
                rows.append([float(a[n]) for n in self.names])
            if not rows:
                raise ValueError(f"the arms of family {fam.name} are empty")
            table = np.asarray(rows, dtype=np.float64)
            if fam.constraint is not None and not np.all(fam.constraint(dict(zip(self.names, table.T)))):
                raise ValueError(f"invalid {fam.name} arm(s): {fam.constraint_text}")
        self.table = np.asarray(table, dtype=np.float64).reshape(-1, len(self.names))  # (A, parameters)
        self.fixed = {**options, **fixed}
        self.policy(0)  # validate the fixed arguments once

    @property
    def n_arms(self) -> int:
        return int(self.table.shape[0])

    def __len__(self) -> int:
        return self.n_arms

    def arm(self, i: int) -> dict[str, Any]:
        """Arm ``i`` as ``{"family": ..., name: value, ...}`` (plus fixed arguments)."""
        out: dict[str, Any] = {"family": self.family}
        out.update({n: _plain_number(v) for n, v in zip(self.names, self.table[int(i)])})
        out.update(self.fixed)
        return out

    def labels(self) -> list[str]:
        """Short labels such as ``s=6,S=40``."""
        return [",".join(f"{n}={_plain_number(v):g}" for n, v in zip(self.names, row)) for row in self.table]

    def index(self, **values: float) -> int:
        """The arm with these parameter values (ValueError if absent)."""
        target = np.array([float(values[n]) for n in self.names])
        hits = np.flatnonzero(np.all(self.table == target, axis=1))
        if hits.size == 0:
            raise ValueError(f"no arm with {values}")
        return int(hits[0])

    def policy(self, i: int) -> BasePolicy:
        """The policy of arm ``i``."""
        return self.cls(**{n: float(v) for n, v in zip(self.names, self.table[int(i)])}, **self.fixed)

    def batch(self, arms: np.ndarray) -> BasePolicy:
        """ONE policy for len(arms) systems: system j follows arm ``arms[j]``."""
        idx = np.asarray(arms, dtype=np.int64)
        cols = self.table[idx]
        return self.cls(**{n: cols[:, j].copy() for j, n in enumerate(self.names)}, **self.fixed)

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "arms": [self.arm(i) for i in range(self.n_arms)]}
