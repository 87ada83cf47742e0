"""The serial-chain rules: a batched numba kernel over N independent M-stage chains.

The single-item kernel (:mod:`inv_gym.dynamics`) stays the one place of the
single-stage rules; this kernel applies the same period at every stage of a
line, and a one-stage chain reproduces ``inv_gym/BaseStock-v0`` event for event
(tested). There is no RNG inside: demand comes in as an array.

State
-----
One float64 matrix ``data`` of shape ``(N, 1 + M (2 + P))`` (P = max_m L_m)::

    period        = data[:, 0]
    on_hand[m]    = data[:, 1 + m W]           W = 2 + P, m = 0 .. M-1 (stage m + 1)
    backorders[m] = data[:, 2 + m W]           stage 1: external customers;
                                               stage m + 1 >= 2: owed to stage m
    pipeline[m]   = data[:, 3 + m W : 3 + m W + P]   column j: due at stage m + 1 in j + 1 periods

A state is observed after the receipts of its period.

One call of :func:`serial_step` (the period, in this exact order)
------------------------------------------------------------------
From the observed state of period t (stages numbered 1 .. M from downstream):

2. **Order.** Every stage m places its order q_m (stage M from the supplier).
3. **Ship, upstream to downstream** (m = M, M - 1, .., 1): the supplier ships
   q_M in full; stage m + 1 ships s_m = min(on hand_{m+1}, B_{m+1} + q_m), where
   B_{m+1} is what it already owes stage m, and owes the rest. A shipment into
   stage m arrives at the start of t + L_m; with L_m = 0 it is received at once
   (so it can move on downstream in the same period).
4. **Demand** D_t at stage 1: sold = min(on hand_1, D_t), the rest is backordered.
5. **Cost** on the end-of-period state: sum_m h'_m on hand_m + p B_1, plus (with
   ``transit_holding``) sum_{m < M} h'_{m+1} (units in transit into stage m).
1. (of t + 1) **Receive** at every stage the shipments due; at stage 1 the
   customers' backorders are filled first. t += 1.

Balances (checked by property tests): at every stage
``on_hand + received - shipped = next on_hand`` (``shipped_1`` = sold +
backorders filled); ``B_1 + backordered - backorders_filled = next B_1``; for
m >= 2 ``B_m + ordered_{m-1} - shipped_m = next B_m``.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from inv_gym.serial.params import SerialParams

__all__ = [
    "SerialState",
    "SERIAL_CHAIN_EVENTS",
    "SERIAL_STAGE_EVENTS",
    "serial_event_names",
    "serial_event_index",
    "serial_initial_state",
    "serial_step",
    "serial_observe",
    "serial_echelon_position",
    "serial_installation_position",
    "serial_orders_from_levels",
]

#: Chain-wide events of a period.
SERIAL_CHAIN_EVENTS: tuple[str, ...] = (
    "demand",  # D_t
    "sold",  # units of D_t served from stock
    "backorders_filled",  # external backorders served from receipts
    "backordered",  # units of D_t backordered
    "stockout",  # 1 if D_t was not fully served from stock
    "backorders",  # end-of-period external backorders B_1
    "holding_cost",  # sum_m h'_m on hand_m
    "transit_holding_cost",  # sum_{m<M} h'_{m+1} in transit into m (0 unless transit_holding)
    "backorder_cost",  # p B_1
    "cost",  # total cost of the period
    "reward",  # -cost
)
#: Per-stage events (named ``<event>_<m>``, m = 1 .. M).
SERIAL_STAGE_EVENTS: tuple[str, ...] = (
    "ordered",  # q_m
    "shipped",  # units stage m sent downstream (stage 1: to customers)
    "received",  # units received by stage m (L_m = 0 shipments and next period's arrivals)
    "on_hand",  # end-of-period on hand at stage m
    "owed",  # end-of-period backorders of stage m (stage 1: external)
    "in_transit",  # end-of-period units in transit into stage m
)
_NC = len(SERIAL_CHAIN_EVENTS)
_NS = len(SERIAL_STAGE_EVENTS)
# Event columns as module-level ints taken from the names (numba freezes global ints into the
# compiled kernel as constants). Chain event e is column _E_*; stage m's event s is column
# _NC + (m - 1) * _NS + _S_*.
_CHAIN = {name: i for i, name in enumerate(SERIAL_CHAIN_EVENTS)}
_STAGE = {name: i for i, name in enumerate(SERIAL_STAGE_EVENTS)}
_E_DEMAND = _CHAIN["demand"]
_E_SOLD = _CHAIN["sold"]
_E_FILLED = _CHAIN["backorders_filled"]
_E_BACKORDERED = _CHAIN["backordered"]
_E_STOCKOUT = _CHAIN["stockout"]
_E_BO = _CHAIN["backorders"]
_E_HOLD = _CHAIN["holding_cost"]
_E_TRANSIT = _CHAIN["transit_holding_cost"]
_E_BCOST = _CHAIN["backorder_cost"]
_E_COST = _CHAIN["cost"]
_E_REWARD = _CHAIN["reward"]
_S_ORDERED = _STAGE["ordered"]
_S_SHIPPED = _STAGE["shipped"]
_S_RECEIVED = _STAGE["received"]
_S_ON_HAND = _STAGE["on_hand"]
_S_OWED = _STAGE["owed"]
_S_TRANSIT = _STAGE["in_transit"]


def serial_event_names(n_stages: int) -> tuple[str, ...]:
    """Column names of the events matrix for M = ``n_stages``."""
    names = list(SERIAL_CHAIN_EVENTS)
    for k in range(n_stages):
        names += [f"{e}_{k + 1}" for e in SERIAL_STAGE_EVENTS]
    return tuple(names)


def serial_event_index(n_stages: int) -> dict[str, int]:
    """Map from event name to its column."""
    return {n: i for i, n in enumerate(serial_event_names(n_stages))}


class SerialState(NamedTuple):
    """Batched chain state; ``data`` is the single buffer the kernel updates."""

    data: np.ndarray  # (N, 1 + M (2 + P)) float64
    n_stages: int  # M
    n_pipe: int  # P

    @property
    def width(self) -> int:
        return 2 + self.n_pipe

    @property
    def on_hand(self) -> np.ndarray:  # (N, M)
        return self.data[:, 1 :: self.width]

    @property
    def backorders(self) -> np.ndarray:  # (N, M)
        return self.data[:, 2 :: self.width]

    @property
    def pipeline(self) -> np.ndarray:  # (N, M, P) copy
        n = self.data.shape[0]
        return self.data[:, 1:].reshape(n, self.n_stages, self.width)[:, :, 2:].copy()

    @property
    def period(self) -> np.ndarray:  # (N,)
        return self.data[:, 0]

    def copy(self) -> SerialState:
        return SerialState(self.data.copy(), self.n_stages, self.n_pipe)


def serial_initial_state(
    params: SerialParams, n: int, on_hand: np.ndarray | tuple[float, ...] | None = None
) -> SerialState:
    """State of period 0 for ``n`` chains: ``on_hand`` ((M,) or (n, M)) at each stage, nothing else."""
    m, pl = params.n_stages, params.max_lead_time
    data = np.zeros((n, 1 + m * (2 + pl)))
    init = np.asarray(params.initial_inventory if on_hand is None else on_hand, dtype=np.float64)
    data[:, 1 :: 2 + pl] = np.broadcast_to(init, (n, m))
    return SerialState(data, m, pl)


def serial_kernel_arrays(params: SerialParams) -> tuple[np.ndarray, np.ndarray, float, bool]:
    """(lead times (M,) int64, local holding costs (M,), p, transit_holding) for the kernel."""
    return (
        np.asarray(params.lead_times, dtype=np.int64),
        np.asarray(params.holding_costs, dtype=np.float64),
        float(params.backorder_cost),
        bool(params.transit_holding),
    )


@numba.njit(cache=True, nogil=True, inline="always")
def _receive(data: np.ndarray, i: int, k: int, b: int, qty: float, events: np.ndarray) -> None:
    """Stage k (0-based, block start b) receives ``qty``; stage 1 fills backorders first."""
    if qty <= 0.0:
        return
    events[i, _NC + k * _NS + _S_RECEIVED] += qty
    if k == 0:
        fill = data[i, b + 1] if data[i, b + 1] < qty else qty
        if fill > 0.0:
            data[i, b + 1] -= fill
            events[i, _E_FILLED] += fill
            events[i, _NC + _S_SHIPPED] += fill
            qty -= fill
    data[i, b] += qty


@numba.njit(cache=True, nogil=True)
def _serial_kernel(
    data: np.ndarray,  # (N, 1 + M W) state, updated in place
    orders: np.ndarray,  # (N, M) q_m >= 0
    demand: np.ndarray,  # (N,) D_t >= 0
    lead: np.ndarray,  # (M,) int64 L_m
    h: np.ndarray,  # (M,) local holding costs
    p: float,  # backorder cost
    transit: bool,  # charge in-transit holding
    events: np.ndarray,  # (N, NC + M NS) output
) -> None:
    n = data.shape[0]
    m = lead.shape[0]
    w = (data.shape[1] - 1) // m
    ne = events.shape[1]
    for i in range(n):
        for j in range(ne):
            events[i, j] = 0.0
        # 2.-3. orders, shipped upstream to downstream
        for k in range(m - 1, -1, -1):
            q = orders[i, k]
            events[i, _NC + k * _NS + _S_ORDERED] = q
            if k == m - 1:
                ship = q
            else:
                u = 1 + (k + 1) * w
                owed = data[i, u + 1] + q
                ship = data[i, u] if data[i, u] < owed else owed
                data[i, u] -= ship
                data[i, u + 1] = owed - ship
                events[i, _NC + (k + 1) * _NS + _S_SHIPPED] = ship
            b = 1 + k * w
            lk = lead[k]
            if lk <= 0:
                _receive(data, i, k, b, ship, events)
            else:
                data[i, b + 2 + lk - 1] += ship
        # 4. demand at stage 1
        d = demand[i]
        events[i, _E_DEMAND] = d
        oh = data[i, 1]
        sold = d if d < oh else oh
        data[i, 1] = oh - sold
        events[i, _E_SOLD] = sold
        events[i, _NC + _S_SHIPPED] += sold
        short = d - sold
        if short > 0.0:
            events[i, _E_STOCKOUT] = 1.0
            events[i, _E_BACKORDERED] = short
            data[i, 2] += short
        # 5. costs on the end-of-period state
        hold = 0.0
        tcost = 0.0
        for k in range(m):
            b = 1 + k * w
            hold += h[k] * data[i, b]
            tr = 0.0
            for j in range(lead[k]):
                tr += data[i, b + 2 + j]
            events[i, _NC + k * _NS + _S_ON_HAND] = data[i, b]
            events[i, _NC + k * _NS + _S_OWED] = data[i, b + 1]
            events[i, _NC + k * _NS + _S_TRANSIT] = tr
            if transit and k + 1 < m:
                tcost += h[k + 1] * tr
        bo = data[i, 2]
        events[i, _E_BO] = bo
        events[i, _E_HOLD] = hold
        events[i, _E_TRANSIT] = tcost
        events[i, _E_BCOST] = p * bo
        cost = hold + tcost + p * bo
        events[i, _E_COST] = cost
        events[i, _E_REWARD] = -cost
        # 1. receipts at the start of t + 1
        for k in range(m):
            lk = lead[k]
            if lk > 0:
                b = 1 + k * w
                arriving = data[i, b + 2]
                for j in range(lk - 1):
                    data[i, b + 2 + j] = data[i, b + 3 + j]
                data[i, b + 2 + lk - 1] = 0.0
                _receive(data, i, k, b, arriving, events)
        data[i, 0] += 1.0


def serial_step(
    params: SerialParams | tuple,
    state: SerialState,
    orders: np.ndarray,
    demand: np.ndarray,
    events: np.ndarray | None = None,
) -> np.ndarray:
    """Advance every chain one period, in place; return the events matrix.

    Args:
        params: the parameters, or ``serial_kernel_arrays(params)`` (faster in loops).
        state: the observed state of period t (updated in place to t + 1).
        orders: (N, M) float64 orders q_m >= 0, stage 1 first.
        demand: (N,) float64 demand D_t >= 0.
        events: optional (N, len(serial_event_names(M))) output buffer.

    Returns:
        (N, E) float64; column ``serial_event_index(M)[name]`` holds event ``name``.
    """
    arrays = serial_kernel_arrays(params) if isinstance(params, SerialParams) else params
    lead, h, p, transit = arrays
    if events is None:
        events = np.empty((state.data.shape[0], _NC + _NS * state.n_stages))
    _serial_kernel(state.data, orders, demand, lead, h, p, transit, events)
    return events


@numba.njit(cache=True, nogil=True)
def _observe(data: np.ndarray, lead: np.ndarray, scale: np.ndarray, out: np.ndarray) -> None:
    n = data.shape[0]
    m = lead.shape[0]
    w = (data.shape[1] - 1) // m
    for i in range(n):
        col = 0
        for k in range(m):
            b = 1 + k * w
            out[i, col] = data[i, b] / scale[col]
            out[i, col + 1] = data[i, b + 1] / scale[col + 1]
            col += 2
            for j in range(lead[k]):
                out[i, col] = data[i, b + 2 + j] / scale[col]
                col += 1


def serial_observe(
    params: SerialParams, state: SerialState, out: np.ndarray | None = None, scaled: bool = False
) -> np.ndarray:
    """The (N, obs_dim) float32 observation (layout: ``params.obs_names``), divided by
    ``params.obs_scale`` entry by entry if ``scaled``."""
    if out is None:
        out = np.empty((state.data.shape[0], params.obs_dim), dtype=np.float32)
    scale = params.obs_scale if scaled else np.ones(params.obs_dim)
    _observe(state.data, np.asarray(params.lead_times, dtype=np.int64), scale, out)
    return out


@numba.njit(cache=True, nogil=True)
def _positions(data: np.ndarray, lead: np.ndarray, echelon: bool, out: np.ndarray) -> None:
    n = data.shape[0]
    m = lead.shape[0]
    w = (data.shape[1] - 1) // m
    for i in range(n):
        cum = -data[i, 2]  # external backorders
        for k in range(m):
            b = 1 + k * w
            local = data[i, b]
            for j in range(lead[k]):
                local += data[i, b + 2 + j]
            owed_in = data[i, b + w + 1] if k + 1 < m else 0.0
            if echelon:
                cum += local
                out[i, k] = cum + owed_in
            else:
                out[i, k] = local + owed_in - data[i, b + 1]


def serial_echelon_position(params: SerialParams, state: SerialState) -> np.ndarray:
    """Echelon inventory positions (N, M) before ordering.

    IP_m = sum_{j <= m} (on hand_j + in transit into j) - B_1 + B_{m+1}, where
    B_{m+1} is what stage m + 1 owes stage m (0 for m = M).
    """
    out = np.empty((state.data.shape[0], params.n_stages))
    _positions(state.data, np.asarray(params.lead_times, dtype=np.int64), True, out)
    return out


def serial_installation_position(params: SerialParams, state: SerialState) -> np.ndarray:
    """Installation (local) inventory positions (N, M): on hand_m + in transit into m + B_{m+1} - B_m."""
    out = np.empty((state.data.shape[0], params.n_stages))
    _positions(state.data, np.asarray(params.lead_times, dtype=np.int64), False, out)
    return out


@numba.njit(cache=True, nogil=True)
def _orders_from_levels(
    data: np.ndarray, lead: np.ndarray, levels: np.ndarray, max_order: float, out: np.ndarray
) -> None:
    _positions(data, lead, True, out)
    for i in range(out.shape[0]):
        for k in range(out.shape[1]):
            q = levels[i, k] - out[i, k]
            out[i, k] = 0.0 if q < 0.0 else (max_order if q > max_order else q)


def serial_orders_from_levels(
    params: SerialParams, state: SerialState, levels: np.ndarray, out: np.ndarray | None = None
) -> np.ndarray:
    """Echelon base-stock orders q_m = clip(S_m - IP_m, 0, max_order), (N, M)."""
    if out is None:
        out = np.empty((state.data.shape[0], params.n_stages))
    lv = np.ascontiguousarray(np.broadcast_to(np.asarray(levels, dtype=np.float64), out.shape))
    _orders_from_levels(state.data, np.asarray(params.lead_times, dtype=np.int64), lv, float(params.max_order), out)
    return out


@numba.njit(cache=True, nogil=True)
def _step_observe(
    data: np.ndarray,
    orders: np.ndarray,
    demand: np.ndarray,
    lead: np.ndarray,
    h: np.ndarray,
    p: float,
    transit: bool,
    events: np.ndarray,
    scale: np.ndarray,
    out: np.ndarray,
) -> None:
    """The kernel then the observation, in one compiled call (the envs' step)."""
    _serial_kernel(data, orders, demand, lead, h, p, transit, events)
    _observe(data, lead, scale, out)


@numba.njit(cache=True, nogil=True)
def _actions_into(a: np.ndarray, top: np.ndarray, out: np.ndarray) -> int:
    """Copy integer actions a (N M,) in [0, top_m] into out (N, M); -1, or the first bad index."""
    m = out.shape[1]
    for i in range(out.shape[0]):
        for k in range(m):
            x = float(a[i * m + k])
            if not (x >= 0.0 and x <= top[k]) or x != np.floor(x):
                return i * m + k
            out[i, k] = x
    return -1
