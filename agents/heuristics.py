"""Classical heuristic policies.

Every policy reads the env's documented observation (``params.obs_names``):
``IP = inventory + sum(pipeline_j)`` is the inventory position (net inventory
plus everything on order; under lost sales the on hand plus everything on
order). Orders are rounded to integers and clipped to ``[0, max_order]``.

Policy parameters may be scalars or arrays of length N (one value per system),
so one policy object evaluates a whole grid of policies in one batched run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from agents.base import BasePolicy
from inv_gym.analytic.newsvendor import newsvendor_order_quantity, renewal_lead_time_demand
from inv_gym.distributions import RenewalDemand
from inv_gym.params import InventoryParams

__all__ = [
    "BaseStock",
    "CappedBaseStock",
    "SS",
    "RQ",
    "PeriodicReview",
    "Myopic",
    "ConstantOrder",
    "ScheduledOrders",
]


def _arr(name: str, value: Any, *, low: float = 0.0, integer: bool = False) -> np.ndarray | float:
    a = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if np.any(a < low):
        raise ValueError(f"{name} must be >= {low:g}, got {value!r}")
    if integer and np.any(a != np.round(a)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return float(a) if a.ndim == 0 else a


def _num(name: str, value: Any) -> np.ndarray | float:
    a = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(a) if a.ndim == 0 else a


def _plain(v: Any) -> Any:
    return v.tolist() if isinstance(v, np.ndarray) else v


class BaseStock(BasePolicy):
    """Order up to S: q_t = max(0, S - IP_t).

    Args:
        S: the base-stock (order-up-to) level.
        params: optional parameters to bind.
    """

    family = "base_stock"

    def __init__(self, S: Any, *, params: InventoryParams | None = None) -> None:
        self.S = _num("S", S)
        super().__init__(params)

    def order(self, obs: np.ndarray) -> np.ndarray:
        _, layout = self._require()
        return np.maximum(self.S - layout.inventory_position(obs), 0.0)

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "S": _plain(self.S)}


class CappedBaseStock(BasePolicy):
    """Capped base stock (Xin 2021): q_t = min(cap, max(0, S - IP_t)).

    Args:
        S: order-up-to level.
        cap: largest order r >= 0.
        params: optional parameters to bind.
    """

    family = "capped_base_stock"

    def __init__(self, S: Any, cap: Any, *, params: InventoryParams | None = None) -> None:
        self.S = _num("S", S)
        self.cap = _arr("cap", cap)
        super().__init__(params)

    def order(self, obs: np.ndarray) -> np.ndarray:
        _, layout = self._require()
        return np.minimum(np.maximum(self.S - layout.inventory_position(obs), 0.0), self.cap)

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "S": _plain(self.S), "cap": _plain(self.cap)}


class SS(BasePolicy):
    """(s, S): when IP_t <= s order up to S, i.e. q_t = (S - IP_t) 1[IP_t <= s].

    Args:
        s: reorder point.
        S: order-up-to level, S > s.
        params: optional parameters to bind.
    """

    family = "ss"

    def __init__(self, s: Any, S: Any, *, params: InventoryParams | None = None) -> None:
        self.s = _num("s", s)
        self.S = _num("S", S)
        if np.any(np.asarray(self.S) <= np.asarray(self.s)):
            raise ValueError(f"S must be > s, got s={_plain(self.s)}, S={_plain(self.S)}")
        super().__init__(params)

    def order(self, obs: np.ndarray) -> np.ndarray:
        _, layout = self._require()
        ip = layout.inventory_position(obs)
        return np.where(ip <= self.s, self.S - ip, 0.0)

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "s": _plain(self.s), "S": _plain(self.S)}


class RQ(BasePolicy):
    """(r, Q): when IP_t <= r order the smallest multiple n Q with IP_t + n Q > r.

    n = floor((r - IP_t) / Q) + 1 when IP_t <= r, else 0 (for Q = 1 this is base
    stock with S = r + 1).

    Args:
        r: reorder point.
        Q: batch size, > 0.
        params: optional parameters to bind.
    """

    family = "rq"

    def __init__(self, r: Any, Q: Any, *, params: InventoryParams | None = None) -> None:
        self.r = _num("r", r)
        self.Q = _arr("Q", Q)
        if np.any(np.asarray(self.Q) <= 0):
            raise ValueError(f"Q must be > 0, got {_plain(self.Q)}")
        super().__init__(params)

    def order(self, obs: np.ndarray) -> np.ndarray:
        _, layout = self._require()
        ip = layout.inventory_position(obs)
        n = np.where(ip <= self.r, np.floor((self.r - ip) / self.Q) + 1.0, 0.0)
        return n * self.Q

    def _check(self, params: InventoryParams) -> None:
        if np.any(np.asarray(self.Q) > params.max_order):
            raise ValueError(f"Q must be <= max_order = {params.max_order}, got {_plain(self.Q)}")

    def _largest_order(self, params: InventoryParams) -> float | np.ndarray:
        # the largest multiple of Q that fits the action space
        return np.floor(params.max_order / np.asarray(self.Q)) * self.Q

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "r": _plain(self.r), "Q": _plain(self.Q)}


class PeriodicReview(BasePolicy):
    """(T, S): at review periods t = 0, T, 2T, ... (0-based) order up to S.

    q_t = max(0, S - X_t) 1[t mod T = 0] with X_t the inventory position
    (``basis="inventory_position"``) or the on hand (``basis="on_hand"``). The
    period is read from the observation's ``period`` entry when the model
    observes it, and counted by the policy otherwise (``reset`` restarts it).

    Args:
        T: review period, an integer >= 1.
        S: order-up-to level.
        basis: ``"inventory_position"`` or ``"on_hand"``.
        params: optional parameters to bind.
    """

    family = "periodic"

    def __init__(
        self, T: Any, S: Any, *, basis: str = "inventory_position", params: InventoryParams | None = None
    ) -> None:
        self.T = _arr("T", T, low=1, integer=True)
        self.S = _num("S", S)
        if basis not in ("inventory_position", "on_hand"):
            raise ValueError(f"basis must be 'inventory_position' or 'on_hand', got {basis!r}")
        self.basis = basis
        super().__init__(params)

    def order(self, obs: np.ndarray) -> np.ndarray:
        _, layout = self._require()
        t = self.periods(obs)
        level = layout.inventory_position(obs) if self.basis == "inventory_position" else layout.on_hand(obs)
        review = np.mod(t, np.asarray(self.T, dtype=np.int64)) == 0
        return np.where(review, np.maximum(self.S - level, 0.0), 0.0)

    def describe(self) -> dict[str, Any]:
        out = {"family": self.family, "T": _plain(self.T), "S": _plain(self.S)}
        if self.basis != "inventory_position":
            out["basis"] = self.basis
        return out


class Myopic(BasePolicy):
    """Myopic order-up-to: the newsvendor level of the (L+1)-period demand.

    S = F^{-1}(u / (u + h)) of D_{t..t+L}, with u = b (backorders) or
    p + price - unit_cost (lost sales), then q_t = max(0, S - IP_t). It ignores
    fixed costs and the future beyond the lead time; it is optimal for
    backorders without fixed cost (the base-stock theorem) and a classical
    benchmark otherwise.
    """

    family = "myopic"

    def __init__(self, *, params: InventoryParams | None = None) -> None:
        self.S: float = 0.0
        super().__init__(params)

    def _check(self, params: InventoryParams) -> None:
        self.S = myopic_level(params)

    def order(self, obs: np.ndarray) -> np.ndarray:
        _, layout = self._require()
        return np.maximum(self.S - layout.inventory_position(obs), 0.0)

    def describe(self) -> dict[str, Any]:
        return {"family": self.family} if self.params is None else {"family": self.family, "S": self.S}


def myopic_level(params: InventoryParams) -> float:
    """The critical-fractile level of the (L+1)-period demand used by :class:`Myopic`.

    S = F^{-1}(u / (u + h)) with F the cdf of D_t + ... + D_{t+L}, L the mean lead
    time rounded: :func:`inv_gym.analytic.newsvendor_order_quantity` with
    penalty u (0 when u <= 0: nothing is ordered). With h = 0 the fractile is 1:
    the top of the support, infinite for an unbounded continuous law (the policy
    then orders ``max_order``). Renewal demand, whose counts are not i.i.d., uses
    the normal approximation :func:`inv_gym.analytic.renewal_lead_time_demand`.
    """
    u = (
        params.lost_sales_cost + max(params.price - params.unit_cost, 0.0)
        if params.lost_sales
        else params.backorder_cost
    )
    if u <= 0:
        return 0.0
    lead = int(round(params.mean_lead_time))
    demand = params.demand
    if isinstance(demand, RenewalDemand):
        demand, lead = renewal_lead_time_demand(demand=demand, lead_time=lead), 0
    return float(
        newsvendor_order_quantity(demand=demand, holding_cost=params.holding_cost, backorder_cost=u, lead_time=lead)
    )


class ConstantOrder(BasePolicy):
    """Order the same quantity every period: q_t = q.

    Args:
        q: the order, >= 0.
        params: optional parameters to bind.
    """

    family = "constant"

    def __init__(self, q: Any, *, params: InventoryParams | None = None) -> None:
        self.q = _arr("q", q)
        super().__init__(params)

    def _check(self, params: InventoryParams) -> None:
        if np.any(np.asarray(self.q) > params.max_order):
            raise ValueError(f"q must be <= max_order = {params.max_order}, got {_plain(self.q)}")

    def order(self, obs: np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.asarray(self.q, dtype=np.float64), (obs.shape[0],)).copy()

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "q": _plain(self.q)}


class ScheduledOrders(BasePolicy):
    """A purchase-order plan: order ``quantity`` in ``period`` (0-based), else 0.

    Args:
        plan: (period, quantity) pairs; a period may appear once.
        params: optional parameters to bind.
    """

    family = "scheduled"

    def __init__(self, plan: Sequence[tuple[int, float]], *, params: InventoryParams | None = None) -> None:
        periods: list[int] = []
        quantities: list[float] = []
        for item in plan:
            if len(item) != 2:
                raise ValueError(f"plan entries must be (period, quantity) pairs, got {item!r}")
            t, q = item
            t_i = int(_arr("plan period", t, integer=True))
            periods.append(t_i)
            quantities.append(float(_arr("plan quantity", q)))
        if len(set(periods)) != len(periods):
            raise ValueError("plan periods must be distinct")
        self.plan = tuple(zip(periods, quantities))
        self._table = np.zeros(max(periods, default=-1) + 1)
        for t_i, q in self.plan:
            self._table[t_i] = q
        super().__init__(params)

    def _check(self, params: InventoryParams) -> None:
        too_big = [(t, q) for t, q in self.plan if q > params.max_order]
        if too_big:
            raise ValueError(f"plan quantities must be <= max_order = {params.max_order}, got {too_big}")

    def order(self, obs: np.ndarray) -> np.ndarray:
        t = self.periods(obs)
        table = np.append(self._table, 0.0)  # periods after the plan order nothing
        return table[np.minimum(t, table.size - 1)]

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "plan": [list(p) for p in self.plan]}
