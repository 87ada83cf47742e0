"""Model parameters: one frozen, keyword-only dataclass for every inventory model.

The field names are also the ``gym.make`` keyword arguments and the command
line's ``--set NAME=VALUE`` names. Invalid values raise ``ValueError`` naming the
parameter and the allowed range. Derived quantities (observation layout and
bounds, the longest lead time, ...) are properties, never stored. Variants are
made with :func:`dataclasses.replace` (or :meth:`InventoryParams.replace`).

Symbols (DESIGN.md's period convention):

==================  ======  ==============================================
field               symbol  meaning
==================  ======  ==============================================
demand              D_t     per-period demand distribution
lead_time           L       periods from order to arrival (int or distribution)
holding_cost        h       per unit on hand at the end of a period
backorder_cost      b       per unit backordered at the end of a period
lost_sales_cost     p       per unit of demand lost
fixed_order_cost    K       per order placed (q_t > 0)
unit_cost           c       per unit ordered
price               r       revenue per unit sold (priced models)
salvage_value       v       per unit left at the end of the last period
waste_cost          w       per unit expired
shelf_life          m       periods a unit can be sold (None: never expires)
capacity            C       most units on hand after a receipt (None: no limit)
expedited_lead_time l_e     lead time of the expedited source (None: one source)
expedited_unit_cost c_e     per unit ordered from the expedited source
expedited_fixed_cost K_e    per expedited order placed (q_e > 0)
max_expedited_order         largest expedited order (None: ``max_order``)
==================  ======  ==============================================

Limits (:mod:`inv_gym.limits`, docs/limits.md): money (every cost, ``price``,
``salvage_value``) is finite and at most 1e12, so one period's cost stays finite;
quantities (``initial_inventory``, ``capacity``, the demand's 1 - 1e-12 quantile)
are at most 1e12; the pipeline (``lead_time``, or a random lead time's 1 - 1e-9
quantile) and ``shelf_life`` are at most 1000 periods (each is observed entry by
entry); ``max_order`` and ``horizon`` are at most 1e9. Booleans are refused for
every numeric field.

With an expedited source (``expedited_lead_time`` set, dual sourcing) the regular
source is the one of ``lead_time`` (l_r), ``unit_cost`` (c_r) and
``fixed_order_cost`` (K_r); l_e < l_r is required, and c_e <= c_r is allowed (the
regular source is then dominated: the model is a single source with lead time l_e,
which the exact solver confirms).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inv_gym import limits
from inv_gym.distributions import DEFAULT_TAIL, Distribution, RenewalDemand, as_distribution, parse_distribution
from inv_gym.validation import check_bool, check_int, check_number

__all__ = ["InventoryParams", "PARAM_NAMES", "parse_param_value", "LEAD_TIME_TAIL"]

#: Random lead times are truncated at their ``1 - LEAD_TIME_TAIL`` quantile
#: (draws above it are set to it) so the pipeline has a fixed length.
LEAD_TIME_TAIL = 1e-9


def _at_most(what: str, quick: float, exact: Callable[[], float], high: float, unit: str) -> None:
    """Refuse ``what`` above ``high``: the quick estimate first, the exact value only when it is small."""
    value = quick if not quick <= high else float(exact())
    if not value <= high:
        raise ValueError(f"{what} must be <= {high:g} {unit}, got {value:g}")


@dataclass(frozen=True, kw_only=True)
class InventoryParams:
    """Parameters of one single-item, periodic-review inventory model.

    A period t runs: receive orders due at t (backorders first; overflow above
    ``capacity`` discarded) -> observe, order q_t (cost K 1[q_t > 0] + c q_t;
    arrives at the start of t + L) -> demand D_t (sales = min(on hand, D_t), the
    rest backordered or lost) -> ageing (FIFO/LIFO issuing, expiry after
    ``shelf_life`` periods) -> costs on end-of-period quantities.

    Args:
        demand: per-period demand distribution (a Distribution or its text form,
            e.g. ``"poisson:5"``).
        lead_time: L, an integer >= 0 or a discrete distribution of integers >= 0.
        stockout: ``"backorder"`` or ``"lost_sales"``.
        holding_cost: h >= 0.
        backorder_cost: b >= 0, per unit backordered per period.
        lost_sales_cost: p >= 0, per unit lost.
        fixed_order_cost: K >= 0.
        unit_cost: c >= 0.
        price: r >= 0 (0: an unpriced, cost-only model). A price at or below c
            is allowed: the best order is then nothing (unless shortages are
            penalised).
        salvage_value: v per unit on hand after the last period: 0, or
            0 < v < c (a unit bought at c and salvaged at v >= c would be a
            profit, so the best order would be unbounded).
        waste_cost: w >= 0 per expired unit.
        shelf_life: m >= 1 periods, or None (non-perishable).
        issuing: ``"fifo"`` (oldest first) or ``"lifo"`` (freshest first).
        capacity: C > 0 units on hand, or None.
        one_outstanding: forbid an order while another is in the pipeline.
        max_order: largest order, an integer >= 1 (the action space's size - 1).
        horizon: periods per episode, >= 1.
        initial_inventory: units on hand at the start (all fresh), >= 0 and <= C.
        finite_horizon: True when the horizon belongs to the model (the episode
            terminates and the period index is observed); False for
            infinite-horizon models truncated at ``horizon``.
        expedited_lead_time: l_e, an integer in [0, L - 1] for a second, faster
            source (dual sourcing), or None (one source; the other ``expedited_*``
            fields must then keep their defaults).
        expedited_unit_cost: c_e >= 0 per expedited unit.
        expedited_fixed_cost: K_e >= 0 per expedited order placed.
        max_expedited_order: largest expedited order, an integer >= 0, or None
            (= ``max_order``). 0 keeps the source but never uses it (the
            single-source model, event for event).
    """

    demand: Distribution | str | float = "poisson:5"
    lead_time: int | Distribution | str = 0
    stockout: str = "backorder"
    holding_cost: float = 1.0
    backorder_cost: float = 0.0
    lost_sales_cost: float = 0.0
    fixed_order_cost: float = 0.0
    unit_cost: float = 0.0
    price: float = 0.0
    salvage_value: float = 0.0
    waste_cost: float = 0.0
    shelf_life: int | None = None
    issuing: str = "fifo"
    capacity: float | None = None
    one_outstanding: bool = False
    max_order: int = 20
    horizon: int = 1000
    initial_inventory: float = 0.0
    finite_horizon: bool = False
    expedited_lead_time: int | None = None
    expedited_unit_cost: float = 0.0
    expedited_fixed_cost: float = 0.0
    max_expedited_order: int | None = None
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        s = object.__setattr__
        s(self, "demand", as_distribution(self.demand, name="demand"))
        lt = self.lead_time
        if isinstance(lt, str):
            stripped = lt.strip()
            try:
                lt = int(stripped)
            except ValueError:
                try:
                    lt = parse_distribution(stripped)
                except ValueError as exc:
                    raise ValueError(f"lead_time: {exc}") from None
        if isinstance(lt, Distribution):
            if isinstance(lt, RenewalDemand) or not lt.discrete:
                raise ValueError("lead_time must be an integer >= 0 or a distribution of integers >= 0")
            if float(lt.ppf(0.0 + 1e-300)) < 0:
                raise ValueError("lead_time must be >= 0")
            s(self, "lead_time", lt)
        else:
            s(self, "lead_time", check_int("lead_time", lt, low=0, cap=limits.MAX_LEAD_TIME))
        if self.stockout not in ("backorder", "lost_sales"):
            raise ValueError(f"stockout must be 'backorder' or 'lost_sales', got {self.stockout!r}")
        for name in MONEY_PARAMS:
            s(self, name, check_number(name, getattr(self, name), cap=limits.MAX_MONEY))
        s(self, "initial_inventory", check_number("initial_inventory", self.initial_inventory, cap=limits.MAX_QUANTITY))
        if self.salvage_value > 0 and self.salvage_value >= self.unit_cost:
            raise ValueError(
                f"salvage_value must be 0 or < unit_cost = {self.unit_cost:g} (a unit bought and salvaged "
                f"would be a profit, so the best order would be unbounded), got {self.salvage_value:g}"
            )
        if self.shelf_life is not None:
            s(self, "shelf_life", check_int("shelf_life", self.shelf_life, low=1, cap=limits.MAX_SHELF_LIFE))
        if self.issuing not in ("fifo", "lifo"):
            raise ValueError(f"issuing must be 'fifo' or 'lifo', got {self.issuing!r}")
        if self.capacity is not None:
            cap = check_number("capacity", self.capacity, cap=limits.MAX_QUANTITY)
            if cap <= 0:
                raise ValueError(f"capacity must be > 0 or None, got {cap}")
            s(self, "capacity", cap)
            if self.initial_inventory > cap:
                raise ValueError(f"initial_inventory must be <= capacity = {cap:g}, got {self.initial_inventory:g}")
        for name in ("one_outstanding", "finite_horizon"):
            s(self, name, check_bool(name, getattr(self, name), text=True))
        s(self, "max_order", check_int("max_order", self.max_order, low=1, cap=limits.MAX_ORDER))
        s(self, "horizon", check_int("horizon", self.horizon, low=1, cap=limits.MAX_HORIZON))
        self._check_expedited()
        self._check_sizes()

    def _check_expedited(self) -> None:
        """Validate the expedited source (dual sourcing) against the regular one."""
        s = object.__setattr__
        for name in ("expedited_unit_cost", "expedited_fixed_cost"):
            s(self, name, check_number(name, getattr(self, name), cap=limits.MAX_MONEY))
        if self.max_expedited_order is not None:
            s(
                self,
                "max_expedited_order",
                check_int("max_expedited_order", self.max_expedited_order, low=0, cap=limits.MAX_ORDER),
            )
        if self.expedited_lead_time is None:
            for name in ("expedited_unit_cost", "expedited_fixed_cost", "max_expedited_order"):
                if getattr(self, name) not in (0.0, None):
                    raise ValueError(
                        f"{name} needs an expedited source: set expedited_lead_time (an integer in "
                        f"[0, lead_time - 1]), got {name}={getattr(self, name)} without it"
                    )
            return
        s(self, "expedited_lead_time", check_int("expedited_lead_time", self.expedited_lead_time, low=0))
        if isinstance(self.lead_time, Distribution):
            raise ValueError("lead_time must be an integer with an expedited source (expedited_lead_time set)")
        if self.expedited_lead_time >= self.lead_time:
            raise ValueError(
                f"expedited_lead_time must be < lead_time = {self.lead_time} (an integer in "
                f"[0, {self.lead_time - 1}]), got {self.expedited_lead_time}"
            )
        if self.one_outstanding:
            raise ValueError("one_outstanding must be False with an expedited source (expedited_lead_time set)")

    def _check_sizes(self) -> None:
        """The pipeline and the demand within the documented limits (:mod:`inv_gym.limits`).

        The quantiles are read from ``ppf`` first, so an oversized distribution is
        refused before any table over its support is built.
        """
        if isinstance(self.lead_time, Distribution):
            quick = float(np.ceil(self.lead_time.ppf(1.0 - LEAD_TIME_TAIL)))
            _at_most(
                f"lead_time's 1 - {LEAD_TIME_TAIL:g} quantile",
                quick,
                lambda: self.max_lead_time,
                limits.MAX_LEAD_TIME,
                "periods (the pipeline observed; inv_gym.limits.MAX_LEAD_TIME)",
            )
        d = self.demand
        quick = float(d.upper) if isinstance(d, RenewalDemand) else float(d.ppf(1.0 - DEFAULT_TAIL))
        if math.isnan(quick):  # scipy gives no quantile for some huge parameters
            quick = d.mean + 8.0 * d.sd
        _at_most(
            f"demand's upper bound (its 1 - {DEFAULT_TAIL:g} quantile)",
            quick,
            lambda: self.demand_upper,
            limits.MAX_QUANTITY,
            "units (inv_gym.limits.MAX_QUANTITY)",
        )

    # ------------------------------------------------------------------
    def replace(self, **changes: Any) -> InventoryParams:
        """A copy with some fields changed (validated again)."""
        unknown = set(changes) - set(PARAM_NAMES)
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)}; allowed: {', '.join(PARAM_NAMES)}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (distributions as their text form), e.g. for JSON."""
        out: dict[str, Any] = {}
        for name in PARAM_NAMES:
            v = getattr(self, name)
            out[name] = v.to_spec() if isinstance(v, Distribution) else v
        return out

    # -- derived quantities ----------------------------------------------
    @property
    def lost_sales(self) -> bool:
        """True in lost-sales mode."""
        return self.stockout == "lost_sales"

    @property
    def perishable(self) -> bool:
        """True when stock expires (``shelf_life`` is set)."""
        return self.shelf_life is not None

    @property
    def n_ages(self) -> int:
        """Number of age classes tracked on hand (1 when non-perishable)."""
        return int(self.shelf_life) if self.shelf_life is not None else 1

    @property
    def dual_sourcing(self) -> bool:
        """True when a second, expedited source exists (``expedited_lead_time`` set)."""
        return self.expedited_lead_time is not None

    @property
    def expedited_max(self) -> int:
        """Largest expedited order q_e (0 without an expedited source)."""
        if self.expedited_lead_time is None:
            return 0
        return int(self.max_order if self.max_expedited_order is None else self.max_expedited_order)

    @property
    def random_lead_time(self) -> bool:
        """True when the lead time is a distribution rather than an integer."""
        return isinstance(self.lead_time, Distribution)

    @property
    def max_lead_time(self) -> int:
        """Longest lead time: L, or the lead-time distribution's 1 - 1e-9 quantile."""
        if isinstance(self.lead_time, Distribution):
            return int(self.lead_time.support_max(LEAD_TIME_TAIL))
        return int(self.lead_time)

    @property
    def mean_lead_time(self) -> float:
        """E[L]."""
        if isinstance(self.lead_time, Distribution):
            return float(self.lead_time.mean)
        return float(self.lead_time)

    @property
    def demand_upper(self) -> float:
        """A finite bound on one period's demand used for observation bounds."""
        if "demand_upper" not in self._cache:
            self._cache["demand_upper"] = float(self.demand.upper)
        return self._cache["demand_upper"]

    @property
    def on_hand_upper(self) -> float:
        """Most units that can be on hand: C, or initial stock plus every order of an episode."""
        if self.capacity is not None:
            return float(self.capacity)
        per_period = self.max_order + self.expedited_max
        return float(self.initial_inventory + per_period * (self.horizon + self.max_lead_time + 1))

    @property
    def backorder_upper(self) -> float:
        """Most units that can be backordered (0 under lost sales)."""
        if self.lost_sales:
            return 0.0
        return float(self.demand_upper * (self.horizon + 1))

    @property
    def obs_names(self) -> tuple[str, ...]:
        """Names of the observation entries, in order (the documented layout).

        * ``inventory``: net inventory (on hand - backorders) under backorders, on
          hand under lost sales;
        * ``pipeline_1`` .. ``pipeline_Lmax``: units due in 1 .. Lmax periods (with
          an expedited source: from both sources, by arrival period);
        * ``age_0`` .. ``age_{m-1}`` (perishables): on hand by age, 0 = freshest;
        * ``period`` (finite-horizon models): the 0-based period index t.
        """
        names = ["inventory"]
        names += [f"pipeline_{j}" for j in range(1, self.max_lead_time + 1)]
        if self.perishable:
            names += [f"age_{a}" for a in range(self.n_ages)]
        if self.finite_horizon:
            names.append("period")
        return tuple(names)

    @property
    def obs_dim(self) -> int:
        """Length of the observation vector."""
        return len(self.obs_names)

    @property
    def obs_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(low, high) float32 arrays: finite bounds of every observation entry."""
        low, high = [], []
        for name in self.obs_names:
            if name == "inventory":
                low.append(-self.backorder_upper)
                high.append(self.on_hand_upper)
            elif name.startswith("pipeline_"):
                low.append(0.0)
                high.append(float(self.max_order) * (1 if not self.random_lead_time else self.max_lead_time + 1))
                if self.dual_sourcing and int(name[9:]) <= int(self.expedited_lead_time):  # type: ignore[arg-type]
                    high[-1] += float(self.expedited_max)
            elif name.startswith("age_"):
                low.append(0.0)
                high.append(self.on_hand_upper)
            else:  # period
                low.append(0.0)
                high.append(float(self.horizon))
        return np.asarray(low, dtype=np.float32), np.asarray(high, dtype=np.float32)

    @property
    def obs_index(self) -> dict[str, int]:
        """Map from observation entry name to its index."""
        return {n: i for i, n in enumerate(self.obs_names)}


#: Money per unit (or per order): finite, in [0, ``inv_gym.limits.MAX_MONEY``].
MONEY_PARAMS: tuple[str, ...] = (
    "holding_cost",
    "backorder_cost",
    "lost_sales_cost",
    "fixed_order_cost",
    "unit_cost",
    "price",
    "salvage_value",
    "waste_cost",
)

PARAM_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(InventoryParams) if f.init)


def parse_param_value(name: str, text: str) -> Any:
    """Convert a command-line ``--set NAME=VALUE`` string to a field value.

    Numbers become floats/ints, ``none`` becomes None, ``true``/``false`` booleans;
    ``demand`` and ``lead_time`` accept distribution text forms. Validation of the
    range happens when the parameters are built.
    """
    if name not in PARAM_NAMES:
        raise ValueError(f"unknown parameter {name!r}; allowed: {', '.join(PARAM_NAMES)}")
    t = text.strip()
    if name == "demand":
        return t
    if t.lower() in ("none", "null"):
        return None
    if name in ("stockout", "issuing"):
        return t
    if name in ("one_outstanding", "finite_horizon"):
        return t
    if name == "lead_time":
        try:
            return int(t)
        except ValueError:
            pass
        try:
            f = float(t)
        except ValueError:
            return t  # a distribution's text form, checked when the parameters are built
        if f.is_integer():
            return int(f)
        raise ValueError(f"lead_time must be an integer >= 0 or a distribution (e.g. duniform:low=1,high=4), got {t}")
    try:
        f = float(t)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {t!r}") from None
    ints = ("shelf_life", "max_order", "horizon", "expedited_lead_time", "max_expedited_order")
    return int(f) if f.is_integer() and name in ints else f
