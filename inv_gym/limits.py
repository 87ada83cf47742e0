"""The suite's documented limits, and the one memory estimate of a simulation run.

Every limit here is refused with a ``ValueError`` that names the parameter (or
the command-line flag), the allowed range and the value given; docs/limits.md
lists them. The module constants are read when a check runs, so a program that
needs more (a bigger machine) may raise them, e.g.
``inv_gym.limits.MEMORY_LIMIT_BYTES = 64 * 2**30``.

Model parameters (checked by :class:`inv_gym.params.InventoryParams`):

* money per unit or per order (``holding_cost``, ``backorder_cost``, ...,
  ``price``, ``salvage_value``): finite, in ``[0, MAX_MONEY]``;
* quantities (``initial_inventory``, ``capacity``, a demand's upper bound):
  at most ``MAX_QUANTITY``;
* ``max_order`` (and ``max_expedited_order``) at most ``MAX_ORDER``;
  ``horizon`` at most ``MAX_HORIZON``;
* the pipeline: the longest lead time (a random lead time's truncated
  support) at most ``MAX_LEAD_TIME`` periods; ``shelf_life`` at most
  ``MAX_SHELF_LIFE``.

With these bounds one period's cost is at most about
``MAX_MONEY * MAX_QUANTITY * MAX_HORIZON`` = 1e33, far inside a float64
(1.8e308), so a reward is never infinite, and every observation bound is
finite as a float32 (3.4e38).

Simulation runs (checked by :func:`check_memory`, called by
:func:`inv_gym.evaluation.check_run`, :func:`inv_gym.evaluation.simulate`,
:func:`inv_gym.envs.streams.draw_paths` and the grid search): the estimated
memory of a run, from its totals, at most ``MEMORY_LIMIT_BYTES``. Seeds are
integers >= 0 (or None) (:func:`check_seed`).
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from inv_gym.params import InventoryParams

__all__ = [
    "MEMORY_LIMIT_BYTES",
    "MAX_MONEY",
    "MAX_QUANTITY",
    "MAX_ORDER",
    "MAX_HORIZON",
    "MAX_LEAD_TIME",
    "MAX_SHELF_LIFE",
    "DRAW_BYTES",
    "check_memory",
    "check_seed",
    "format_bytes",
    "run_bytes",
    "system_bytes",
]

#: Largest estimated memory of one run (draws, state and results), in bytes: 4 GiB.
MEMORY_LIMIT_BYTES: int = 4 * 2**30
#: Largest cost, price or salvage value per unit (or per order).
MAX_MONEY: float = 1e12
#: Largest quantity: initial stock, capacity, a demand distribution's upper bound.
MAX_QUANTITY: float = 1e12
#: Largest ``max_order`` / ``max_expedited_order`` (the action space has ``max_order + 1`` actions).
MAX_ORDER: int = 10**9
#: Largest ``horizon`` of a model (periods per episode).
MAX_HORIZON: int = 10**9
#: Longest lead time, fixed or the truncated support of a random one (pipeline entries observed).
MAX_LEAD_TIME: int = 1000
#: Longest shelf life (age classes observed).
MAX_SHELF_LIFE: int = 1000

#: Bytes per (replication, period) cell of a run's draws: float64 demand and
#: int64 lead times, twice (the draws are made period-major and may be copied once).
DRAW_BYTES: int = 32


def format_bytes(n: float) -> str:
    """``n`` bytes in binary units, e.g. ``'74.5 GiB'``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def system_bytes(params: InventoryParams) -> int:
    """Memory of one simulated system: its state, two observations, two event rows and order buffers.

    State: ``2 + m + L_max`` float64 (:func:`inv_gym.dynamics.initial_state`);
    observations: ``2 * obs_dim`` float32; events: ``2 * len(EVENTS)`` float64
    (the period's and the running sums); 16 more float64 for orders, flags and
    the policy's own arrays.
    """
    from inv_gym.dynamics import EVENTS

    state = 8 * (2 + params.n_ages + params.max_lead_time)
    return state + 8 * params.obs_dim + 16 * len(EVENTS) + 8 * 16


def run_bytes(
    params: InventoryParams, reps: int, periods: int, *, copies: int = 1, per_cell: int = 0, per_system: int = 0
) -> int:
    """Estimated peak memory of simulating ``copies * reps`` systems over ``periods`` periods.

    ``reps * periods`` draw cells of :data:`DRAW_BYTES` (plus ``per_cell`` more,
    e.g. a recorded trajectory) and ``copies * reps`` systems of
    :func:`system_bytes` (plus ``per_system`` more, e.g. stored results).
    Computed with Python integers, so no total overflows.
    """
    cells = int(reps) * int(periods)
    systems = int(copies) * int(reps)
    return cells * (DRAW_BYTES + int(per_cell)) + systems * (system_bytes(params) + int(per_system))


def check_memory(nbytes: int, what: str, change: str) -> None:
    """Refuse a run whose estimated memory exceeds :data:`MEMORY_LIMIT_BYTES`.

    Args:
        nbytes: the estimate.
        what: the totals it comes from, e.g. ``"1,000 replications x 1,000,000,000 periods"``.
        change: the parameters (and flags) that make it smaller, e.g. ``"reps or horizon (--reps, --horizon)"``.

    Raises:
        ValueError: naming the estimate, the totals, the limit and what to change.
    """
    if nbytes > MEMORY_LIMIT_BYTES:
        raise ValueError(
            f"{what} needs about {format_bytes(nbytes)} of memory, more than the limit of "
            f"{format_bytes(MEMORY_LIMIT_BYTES)} (inv_gym.limits.MEMORY_LIMIT_BYTES); lower {change}"
        )


def check_seed(seed: Any, name: str = "seed") -> int | None:
    """A seed for ``np.random.SeedSequence``: an integer >= 0 or None (a ``SeedSequence`` passes as is).

    Raises:
        ValueError: for a bool, a negative or a non-integer value, naming ``name``.
    """
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"{name} must be an integer >= 0 or None, got {seed!r}")
    return int(seed)
