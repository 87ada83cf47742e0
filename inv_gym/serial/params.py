"""Parameters of the M-stage serial supply chain (``inv_gym/Serial-v0``).

Stages are numbered m = 1 .. M from downstream to upstream: stage 1 faces the
external demand, stage m orders from stage m + 1 and stage M from an outside
supplier with unlimited stock. Per-stage fields take one value for every stage
or a sequence of M values (stage 1 first).

==========================  ========  ================================================
field                       symbol    meaning
==========================  ========  ================================================
n_stages                    M         number of stages, >= 1
demand                      D_t       external demand per period at stage 1 (integer law)
lead_times                  L_m       periods a shipment into stage m travels (>= 0)
holding_costs               h'_m      local holding cost per unit on hand at stage m
backorder_cost              p         per unit of external demand backordered per period
transit_holding             -         charge units in transit into stage m < M at h'_{m+1}
max_order                   -         largest order of any stage (action size - 1)
horizon                     T         periods per episode (truncation)
initial_inventory           -         units on hand at each stage at the start
==========================  ========  ================================================

Echelon holding costs are h_m = h'_m - h'_{m+1} (h'_{M+1} = 0), so
h'_m = h_m + ... + h_M; :meth:`SerialParams.from_echelon` builds the parameters
from echelon costs. The default is Snyder & Shen's Example 6.1 with Poisson(5)
demand (echelon holding costs 3, 2, 2; p = 37.12), its continuous-review lead
times 1, 1, 2 mapped to this model's period as (0, 1, 2) (see
:mod:`inv_gym.analytic.serial`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inv_gym.distributions import Distribution, RenewalDemand, as_distribution
from inv_gym.validation import check_bool, check_int, check_number

__all__ = ["SerialParams", "SERIAL_PARAM_NAMES", "SERIAL_DEFAULTS", "parse_serial_value"]

#: Largest number of stages accepted (the per-system state grows with M).
MAX_STAGES = 64


def _per_stage(name: str, value: Any, m: int, *, integer: bool) -> tuple:
    """Broadcast a scalar or check a length-M sequence; validate each entry >= 0."""
    if isinstance(value, str):
        parts = value.replace(",", " ").split()
        value = parts if len(parts) != 1 else parts[0]
    if isinstance(value, (Sequence, np.ndarray)) and not isinstance(value, str):
        items = list(value)
        if len(items) != m:
            raise ValueError(f"{name} must have one entry per stage (n_stages = {m}), got {len(items)}")
    else:
        items = [value] * m
    out = []
    for x in items:
        f = check_number(name, x)
        if integer:
            if not f.is_integer():
                raise ValueError(f"{name} must be integers >= 0, got {x}")
            out.append(int(f))
        else:
            out.append(f)
    return tuple(out)


@dataclass(frozen=True, kw_only=True)
class SerialParams:
    """Parameters of one M-stage serial system with backorders at stage 1.

    Args:
        n_stages: M >= 1 (at most 64); None: the length of the per-stage
            sequences given (which must agree).
        demand: external demand per period, a distribution of integers >= 0
            (e.g. ``"poisson:5"`` or ``"round(normal:mean=5,sd=2)"``).
        lead_times: L_m >= 0 per stage (integers), stage 1 first.
        holding_costs: local holding cost h'_m >= 0 per stage, stage 1 first.
        backorder_cost: p >= 0 per unit of external demand backordered per period.
        transit_holding: if True, units in transit into stage m < M are held at
            the shipping stage's rate h'_{m+1} (the supplier's pipeline into
            stage M is free). This is the accounting under which the echelon
            cost of Clark & Scarf equals the local cost.
        max_order: largest order per stage per period, an integer >= 1.
        horizon: periods per episode, >= 1 (the episode is truncated).
        initial_inventory: units on hand at each stage at the start (>= 0,
            one value or one per stage).
    """

    n_stages: int | None = None
    demand: Distribution | str | float = "poisson:5"
    lead_times: Any = (0, 1, 2)
    holding_costs: Any = (7.0, 4.0, 2.0)
    backorder_cost: float = 37.12
    transit_holding: bool = True
    max_order: int = 30
    horizon: int = 1000
    initial_inventory: Any = 0.0
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        s = object.__setattr__
        if self.n_stages is None:
            lengths = {
                name: len(v)
                for name in ("lead_times", "holding_costs", "initial_inventory")
                if isinstance(v := getattr(self, name), (Sequence, np.ndarray)) and not isinstance(v, str)
            }
            if len(set(lengths.values())) > 1:
                raise ValueError(f"per-stage lists must have the same length (one entry per stage), got {lengths}")
            m = next(iter(lengths.values()), 1)
            if m < 1:
                raise ValueError("n_stages must be an integer >= 1, got 0 (empty per-stage lists)")
        m = check_int(
            "n_stages",
            self.n_stages if self.n_stages is not None else m,
            low=1,
            cap=MAX_STAGES,
            cap_source="MAX_STAGES",
        )
        s(self, "n_stages", m)
        d = as_distribution(self.demand, name="demand")
        if isinstance(d, RenewalDemand) or not d.discrete:
            raise ValueError(
                f"demand must be a distribution of integers >= 0 (wrap a continuous law in round(...)), got {d.to_spec()}"
            )
        s(self, "demand", d)
        s(self, "lead_times", _per_stage("lead_times", self.lead_times, m, integer=True))
        s(self, "holding_costs", _per_stage("holding_costs", self.holding_costs, m, integer=False))
        s(self, "initial_inventory", _per_stage("initial_inventory", self.initial_inventory, m, integer=False))
        s(self, "backorder_cost", check_number("backorder_cost", self.backorder_cost))
        s(self, "transit_holding", check_bool("transit_holding", self.transit_holding, text=True))
        s(self, "max_order", check_int("max_order", self.max_order, low=1))
        s(self, "horizon", check_int("horizon", self.horizon, low=1))

    @classmethod
    def from_echelon(cls, *, echelon_holding_costs: Sequence[float], **kwargs: Any) -> SerialParams:
        """Parameters from echelon holding costs h_1 .. h_M (stage 1 first).

        The local costs are the suffix sums h'_m = h_m + ... + h_M.

        Example (Snyder & Shen, Example 6.1):
            >>> SerialParams.from_echelon(echelon_holding_costs=[3, 2, 2]).holding_costs
            (7.0, 4.0, 2.0)
        """
        e = _per_stage("echelon_holding_costs", list(echelon_holding_costs), len(echelon_holding_costs), integer=False)
        local = tuple(float(x) for x in np.cumsum(e[::-1])[::-1])
        kwargs.setdefault("n_stages", len(e))
        return cls(holding_costs=local, **kwargs)

    def replace(self, **changes: Any) -> SerialParams:
        """A copy with some fields changed (validated again)."""
        unknown = set(changes) - set(SERIAL_PARAM_NAMES)
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)}; allowed: {', '.join(SERIAL_PARAM_NAMES)}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain values (the demand as its text form), e.g. for JSON."""
        out: dict[str, Any] = {}
        for name in SERIAL_PARAM_NAMES:
            v = getattr(self, name)
            out[name] = v.to_spec() if isinstance(v, Distribution) else (list(v) if isinstance(v, tuple) else v)
        return out

    # -- derived quantities ----------------------------------------------
    @property
    def echelon_holding_costs(self) -> tuple[float, ...]:
        """h_m = h'_m - h'_{m+1} (h'_{M+1} = 0), stage 1 first."""
        h = self.holding_costs
        return tuple(h[k] - (h[k + 1] if k + 1 < len(h) else 0.0) for k in range(len(h)))

    @property
    def max_lead_time(self) -> int:
        """P = max_m L_m (the pipeline columns per stage in the kernel state)."""
        return max(self.lead_times)

    @property
    def demand_upper(self) -> float:
        """A finite bound on one period's demand (its 1 - 1e-12 quantile)."""
        if "demand_upper" not in self._cache:
            self._cache["demand_upper"] = float(self.demand.upper)
        return self._cache["demand_upper"]

    @property
    def stock_upper(self) -> float:
        """Most units that can be on hand at, or in one shipment to, any stage in an episode."""
        return float(
            sum(self.initial_inventory) + self.max_order * (1 + self.horizon + sum(self.lead_times) + self.n_stages)
        )

    @property
    def level_upper(self) -> tuple[int, ...]:
        """Largest echelon base-stock level of the order-up-to action, per stage.

        Stage m's level covers at most ``max_order`` per period of its echelon's
        total lead time plus one: ``max_order * (L_1 + ... + L_m + 1)``.
        """
        cum = np.cumsum(self.lead_times)
        return tuple(int(self.max_order * (c + 1)) for c in cum)

    @property
    def obs_names(self) -> tuple[str, ...]:
        """Observation entries: per stage m, ``on_hand_m``, ``backorders_m`` and
        ``pipeline_m_j`` (units due at stage m in j periods, j = 1 .. L_m).

        ``backorders_1`` are external customers' backorders; ``backorders_m``
        (m >= 2) are units stage m owes stage m - 1.
        """
        names: list[str] = []
        for k, lt in enumerate(self.lead_times):
            names += [f"on_hand_{k + 1}", f"backorders_{k + 1}"]
            names += [f"pipeline_{k + 1}_{j}" for j in range(1, lt + 1)]
        return tuple(names)

    @property
    def obs_dim(self) -> int:
        """Length of the observation vector: sum over stages of 2 + L_m."""
        return 2 * self.n_stages + sum(self.lead_times)

    @property
    def obs_scale(self) -> np.ndarray:
        """Per-entry divisors of ``obs_scale=True`` (float64, length ``obs_dim``).

        Stage m's ``on_hand_m`` and ``backorders_m``: max(mu (L_1 + .. + L_m + 1), 1),
        the mean demand over its echelon's protection period; ``pipeline_m_j``:
        max(mu, 1), one period's mean flow (mu = E[D]).

        >>> SerialParams().obs_scale.tolist()
        [5.0, 5.0, 10.0, 10.0, 5.0, 20.0, 20.0, 5.0, 5.0]
        """
        mu = float(self.demand.mean)
        out: list[float] = []
        cum = 0
        for lt in self.lead_times:
            cum += lt
            out += [max(mu * (cum + 1), 1.0)] * 2 + [max(mu, 1.0)] * lt
        return np.asarray(out)

    @property
    def obs_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(low, high) float32 arrays: finite bounds of every observation entry."""
        high = np.full(self.obs_dim, self.stock_upper)
        high[1] = self.demand_upper * (self.horizon + 1)  # external backorders
        return np.zeros(self.obs_dim, dtype=np.float32), high.astype(np.float32)


SERIAL_PARAM_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(SerialParams) if f.init)
#: The defaults of ``inv_gym/Serial-v0``.
SERIAL_DEFAULTS: dict[str, Any] = {name: getattr(SerialParams(), name) for name in SERIAL_PARAM_NAMES}


def parse_serial_value(name: str, text: str) -> Any:
    """Convert a command-line ``--set NAME=VALUE`` string to a :class:`SerialParams` field value.

    Per-stage fields take one number or a comma- (or space-) separated list,
    stage 1 first; ranges are checked when the parameters are built.

    >>> parse_serial_value("lead_times", "1,1,2"), parse_serial_value("backorder_cost", "9")
    (['1', '1', '2'], 9.0)
    """
    if name not in SERIAL_PARAM_NAMES:
        raise ValueError(f"unknown parameter {name!r}; allowed: {', '.join(SERIAL_PARAM_NAMES)}")
    t = text.strip()
    if name in ("demand", "transit_holding"):
        return t
    if name in ("lead_times", "holding_costs", "initial_inventory"):
        return t.replace(",", " ").split()
    if name == "n_stages" and t.lower() in ("none", "null"):
        return None
    try:
        return float(t)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {t!r}") from None
