"""A plain-Python reference implementation of one period (DESIGN.md's convention).

Written independently of :mod:`inv_gym.dynamics` and kept deliberately simple:
one system, lists instead of arrays, no compilation. The tests check that the
compiled kernel gives the same numbers on random instances, and the benchmark
uses it as the "plain-Python loop of the same rules".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from inv_gym.params import InventoryParams


@dataclass
class RefState:
    """One system: backorders, on hand by age (0 freshest), pipeline (j: due in j + 1)."""

    backorders: float
    on_hand: list[float]
    pipeline: list[float]
    period: int = 0
    events: dict[str, float] = field(default_factory=dict)


def ref_initial(params: InventoryParams, initial_inventory: float | None = None) -> RefState:
    """Period 0: the initial inventory on hand, all fresh."""
    on_hand = [0.0] * params.n_ages
    on_hand[0] = params.initial_inventory if initial_inventory is None else float(initial_inventory)
    return RefState(0.0, on_hand, [0.0] * params.max_lead_time)


def _receive(params: InventoryParams, s: RefState, qty: float, ev: dict[str, float]) -> None:
    if qty <= 0:
        return
    ev["received"] += qty
    fill = min(s.backorders, qty)
    s.backorders -= fill
    ev["backorders_filled"] += fill
    qty -= fill
    cap = math.inf if params.capacity is None else params.capacity
    space = max(cap - sum(s.on_hand), 0.0)
    if qty > space:
        ev["overflow"] += qty - space
        qty = space
    s.on_hand[0] += qty


def ref_step(params: InventoryParams, s: RefState, q: float, d: float, lead: int, last: bool) -> dict[str, float]:
    """Advance ``s`` (in place) from the observation of period t to that of t + 1."""
    ev = dict.fromkeys(
        (
            "ordered order_placed received overflow demand sold backorders_filled backordered lost expired "
            "salvaged stockout on_hand backorders ordering_cost fixed_cost purchase_cost holding_cost "
            "backorder_cost lost_sales_cost waste_cost revenue salvage cost reward"
        ).split(),
        0.0,
    )
    # 2. order (one outstanding: none while the pipeline holds anything)
    if params.one_outstanding and any(x > 0 for x in s.pipeline):
        q = 0.0
    if q > 0:
        ev["ordered"] = q
        ev["order_placed"] = 1.0
        ev["fixed_cost"] = params.fixed_order_cost
        ev["purchase_cost"] = params.unit_cost * q
        if lead == 0:
            _receive(params, s, q, ev)
        else:
            s.pipeline[lead - 1] += q
    # 3. demand
    ev["demand"] = d
    sold = min(sum(s.on_hand), d)
    ev["sold"] = sold
    ages = range(len(s.on_hand)) if params.issuing == "lifo" else range(len(s.on_hand) - 1, -1, -1)
    rem = sold
    for k in ages:
        take = min(s.on_hand[k], rem)
        s.on_hand[k] -= take
        rem -= take
    short = d - sold
    if short > 0:
        ev["stockout"] = 1.0
        if params.lost_sales:
            ev["lost"] = short
        else:
            ev["backordered"] = short
            s.backorders += short
    # 4. ageing
    if params.perishable:
        ev["expired"] = s.on_hand[-1]
        s.on_hand = [0.0] + s.on_hand[:-1]
    # 5. costs
    oh = sum(s.on_hand)
    ev["on_hand"] = oh
    ev["backorders"] = s.backorders
    ev["holding_cost"] = params.holding_cost * oh
    ev["backorder_cost"] = params.backorder_cost * s.backorders
    ev["lost_sales_cost"] = params.lost_sales_cost * ev["lost"]
    ev["waste_cost"] = params.waste_cost * ev["expired"]
    if last:
        ev["salvaged"] = oh
        ev["salvage"] = params.salvage_value * oh
        s.on_hand = [0.0] * len(s.on_hand)
    ev["ordering_cost"] = ev["fixed_cost"] + ev["purchase_cost"]
    ev["cost"] = sum(
        ev[k]
        for k in ("fixed_cost", "purchase_cost", "holding_cost", "backorder_cost", "lost_sales_cost", "waste_cost")
    )
    # 1. receipt at the start of the next period
    if s.pipeline:
        arriving = s.pipeline[0]
        s.pipeline = s.pipeline[1:] + [0.0]
        _receive(params, s, arriving, ev)
    ev["revenue"] = params.price * (sold + ev["backorders_filled"])
    ev["reward"] = ev["revenue"] + ev["salvage"] - ev["cost"]
    s.period += 1
    s.events = ev
    return ev


def ref_observe(params: InventoryParams, s: RefState) -> list[float]:
    """The observation vector in ``params.obs_names`` order."""
    oh = sum(s.on_hand)
    obs = [oh if params.lost_sales else oh - s.backorders]
    obs += list(s.pipeline)
    if params.perishable:
        obs += list(s.on_hand)
    if params.finite_horizon:
        obs.append(float(s.period))
    return obs
