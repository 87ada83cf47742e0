"""The one place the inventory rules are written: a batched period kernel.

Every environment, the vector environment and the Monte Carlo evaluator advance
the model through :func:`step`. The kernel is compiled with numba (numpy alone
reaches only 35-50k steps/s for a single env); it loops over the batch of N
independent systems and takes demand and lead times as arrays: there is no RNG
inside, so the same draws give the same trajectories on every path.

State
-----
:class:`State` holds one float64 matrix ``data`` of shape ``(N, 2 + A + P)``
(A = number of age classes, 1 when non-perishable; P = longest lead time) and
named views into it::

    backorders = data[:, 0]          # (N,)   units backordered
    period     = data[:, 1]          # (N,)   0-based period index t
    on_hand    = data[:, 2:2+A]      # (N, A) on hand by age, column 0 freshest
    pipeline   = data[:, 2+A:]       # (N, P) column j: units due in j + 1 periods

A state is always observed *after* the receipt of its period (step 1 below).

One call of :func:`step` (DESIGN.md's period)
-----------------------------------------------
From the observed state of period t:

2. order q_t (forced to 0 if ``one_outstanding`` and the pipeline is not empty);
   cost K 1[q_t > 0] + c q_t. With lead time l = 0 the order is received at
   once (backorders first, overflow above C discarded); otherwise it joins the
   pipeline and arrives at the start of t + l.
3. demand D_t: sold = min(on hand, D_t), issued oldest first (FIFO) or freshest
   first (LIFO); the rest is backordered or lost.
4. ageing: units of age m - 1 expire (waste); the others age by one period.
5. costs on the end-of-period state: h * on hand, b * backorders, p * lost,
   w * expired; revenue r * (sold + backorders filled) and, in the last period
   of an episode, salvage v * on hand (the units are removed).
1. (of period t + 1) receive the pipeline's first column: backorders are filled
   first, what does not fit under C is discarded as overflow; t += 1.

Dual sourcing (an expedited source, ``params.dual_sourcing``)
--------------------------------------------------------------
With ``expedited_lead_time`` l_e set, a second order q_e (the ``expedited``
argument of :func:`step`) is placed in step 2 next to the regular order q_r
(``order``, lead time l_r = ``lead_time`` > l_e). Both join the same pipeline by
arrival period: q_r at column l_r - 1, q_e at column l_e - 1, or, with l_e = 0,
q_e is received at once, before demand (backorders first, as any receipt). So the
period is: (1) receive everything due from both sources; (2) order q_r and q_e,
cost K_r 1[q_r > 0] + c_r q_r + K_e 1[q_e > 0] + c_e q_e; (3) demand; (5) costs.
The state (and observation) is the pipeline by arrival period, summed over the
sources: what is due in j periods is all the dynamics and costs depend on. The
events keep their names: ``ordered`` = q_r + q_e, ``order_placed`` = 1 if either
order is positive, ``fixed_cost`` and ``purchase_cost`` sum both sources. With
q_e = 0 every event and state equals the single-source model's.

So a step runs from one observation to the next; the stock balance is
``on_hand_start + received - backorders_filled - sold - expired - overflow - salvaged
= on_hand_end`` and ``backorders_start + backordered - backorders_filled = backorders_end``.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from inv_gym.params import InventoryParams

__all__ = [
    "State",
    "EVENTS",
    "EV",
    "COST_COMPONENTS",
    "kernel_params",
    "initial_state",
    "step",
    "observe",
    "step_observe",
    "observe_flags",
    "inventory_position",
    "expedited_position",
]

#: Per-period quantities returned by :func:`step` (columns of the events matrix).
EVENTS: tuple[str, ...] = (
    "ordered",  # units ordered q_t (after one_outstanding forcing)
    "order_placed",  # 1 if q_t > 0
    "received",  # units received this step (L = 0 orders and next period's arrivals)
    "overflow",  # units discarded for lack of capacity
    "demand",  # D_t
    "sold",  # units served from stock this period
    "backorders_filled",  # backorders served from receipts
    "backordered",  # units of D_t backordered
    "lost",  # units of D_t lost
    "expired",  # units expired (waste)
    "salvaged",  # units salvaged after the last period
    "stockout",  # 1 if D_t was not fully served from stock
    "on_hand",  # end-of-period on hand (after expiry)
    "backorders",  # end-of-period backorders
    "ordering_cost",  # K 1[q>0] + c q
    "fixed_cost",  # K 1[q>0]
    "purchase_cost",  # c q
    "holding_cost",  # h on hand
    "backorder_cost",  # b backorders
    "lost_sales_cost",  # p lost
    "waste_cost",  # w expired
    "revenue",  # r (sold + backorders filled)
    "salvage",  # v salvaged
    "cost",  # total cost of the period (sum of the cost components)
    "reward",  # revenue + salvage - cost
)
#: Column index of each event.
EV: dict[str, int] = {name: i for i, name in enumerate(EVENTS)}
# Event columns as module-level ints: numba freezes global ints into the compiled kernel as
# constants, so the named columns cost nothing over literal indices.
_E_ORDERED = EV["ordered"]
_E_ORDER_PLACED = EV["order_placed"]
_E_RECEIVED = EV["received"]
_E_OVERFLOW = EV["overflow"]
_E_DEMAND = EV["demand"]
_E_SOLD = EV["sold"]
_E_BACKORDERS_FILLED = EV["backorders_filled"]
_E_BACKORDERED = EV["backordered"]
_E_LOST = EV["lost"]
_E_EXPIRED = EV["expired"]
_E_SALVAGED = EV["salvaged"]
_E_STOCKOUT = EV["stockout"]
_E_ON_HAND = EV["on_hand"]
_E_BACKORDERS = EV["backorders"]
_E_ORDERING_COST = EV["ordering_cost"]
_E_FIXED_COST = EV["fixed_cost"]
_E_PURCHASE_COST = EV["purchase_cost"]
_E_HOLDING_COST = EV["holding_cost"]
_E_BACKORDER_COST = EV["backorder_cost"]
_E_LOST_SALES_COST = EV["lost_sales_cost"]
_E_WASTE_COST = EV["waste_cost"]
_E_REVENUE = EV["revenue"]
_E_SALVAGE = EV["salvage"]
_E_COST = EV["cost"]
_E_REWARD = EV["reward"]

COST_COMPONENTS: tuple[str, ...] = (
    "fixed_cost",
    "purchase_cost",
    "holding_cost",
    "backorder_cost",
    "lost_sales_cost",
    "waste_cost",
)

# kernel parameter vector layout
_P_H, _P_B, _P_P, _P_K, _P_C, _P_R, _P_V, _P_W, _P_CAP, _P_LOST, _P_LIFO, _P_ONE, _P_A, _P_PIPE = range(14)
# the expedited source (dual sourcing): present (1/0), lead time l_e, unit cost c_e, fixed cost K_e
_P_DUAL, _P_LE, _P_CE, _P_KE = range(14, 18)
_N_P = 18
#: ``expedited`` argument of the single-source paths (never read: the kernel reads it only with dual sourcing).
_NO_EXPEDITED = np.zeros(0)


class State(NamedTuple):
    """Batched model state; ``data`` is the single buffer the kernel updates."""

    data: np.ndarray  # (N, 2 + A + P) float64
    n_ages: int  # A
    n_pipe: int  # P

    @property
    def backorders(self) -> np.ndarray:  # (N,)
        return self.data[:, 0]

    @property
    def period(self) -> np.ndarray:  # (N,)
        return self.data[:, 1]

    @property
    def on_hand_by_age(self) -> np.ndarray:  # (N, A)
        return self.data[:, 2 : 2 + self.n_ages]

    @property
    def on_hand(self) -> np.ndarray:  # (N,)
        return self.on_hand_by_age.sum(axis=1)

    @property
    def pipeline(self) -> np.ndarray:  # (N, P)
        return self.data[:, 2 + self.n_ages :]

    @property
    def n(self) -> int:
        return self.data.shape[0]

    def copy(self) -> State:
        return State(self.data.copy(), self.n_ages, self.n_pipe)


def kernel_params(params: InventoryParams) -> np.ndarray:
    """Pack the parameters the kernel needs into a float64 vector."""
    p = np.zeros(_N_P)
    p[_P_H] = params.holding_cost
    p[_P_B] = params.backorder_cost
    p[_P_P] = params.lost_sales_cost
    p[_P_K] = params.fixed_order_cost
    p[_P_C] = params.unit_cost
    p[_P_R] = params.price
    p[_P_V] = params.salvage_value
    p[_P_W] = params.waste_cost
    p[_P_CAP] = params.capacity if params.capacity is not None else np.inf
    p[_P_LOST] = 1.0 if params.lost_sales else 0.0
    p[_P_LIFO] = 1.0 if params.issuing == "lifo" else 0.0
    p[_P_ONE] = 1.0 if params.one_outstanding else 0.0
    p[_P_A] = params.n_ages if params.perishable else 0.0  # 0: nothing expires
    p[_P_PIPE] = params.max_lead_time
    if params.dual_sourcing:
        p[_P_DUAL] = 1.0
        p[_P_LE] = float(params.expedited_lead_time)  # type: ignore[arg-type]
        p[_P_CE] = params.expedited_unit_cost
        p[_P_KE] = params.expedited_fixed_cost
    return p


def initial_state(params: InventoryParams, n: int, initial_inventory: float | np.ndarray | None = None) -> State:
    """State of period 0 for ``n`` systems: ``initial_inventory`` on hand (all fresh)."""
    a, pl = params.n_ages, params.max_lead_time
    data = np.zeros((n, 2 + a + pl))
    data[:, 2] = params.initial_inventory if initial_inventory is None else initial_inventory
    return State(data, a, pl)


@numba.njit(cache=True, nogil=True)
def _receive(data: np.ndarray, i: int, qty: float, p: np.ndarray, events: np.ndarray) -> None:
    """Receive ``qty`` into system ``i``: fill backorders, then stock up to capacity."""
    if qty <= 0.0:
        return
    events[i, _E_RECEIVED] += qty
    fill = min(data[i, 0], qty)
    if fill > 0.0:
        data[i, 0] -= fill
        events[i, _E_BACKORDERS_FILLED] += fill
        qty -= fill
    a = int(p[_P_A]) if p[_P_A] > 0 else 1
    total = 0.0
    for k in range(a):
        total += data[i, 2 + k]
    space = p[_P_CAP] - total
    if space < 0.0:
        space = 0.0
    if qty > space:
        events[i, _E_OVERFLOW] += qty - space
        qty = space
    data[i, 2] += qty


@numba.njit(cache=True, nogil=True)
def _kernel(
    data: np.ndarray,  # (N, S) state, updated in place
    order: np.ndarray,  # (N,) q_t >= 0 (the regular order q_r under dual sourcing)
    expedited: np.ndarray,  # (N,) q_e >= 0 under dual sourcing; not read otherwise
    demand: np.ndarray,  # (N,) D_t >= 0
    lead: np.ndarray,  # (N,) int64 lead time of this period's order, 0..P
    last: np.ndarray,  # (N,) bool: last period of the episode (salvage)
    p: np.ndarray,  # kernel parameter vector
    events: np.ndarray,  # (N, len(EVENTS)) output
) -> None:
    n = data.shape[0]
    a = int(p[_P_A]) if p[_P_A] > 0 else 1
    perishable = p[_P_A] > 0
    npipe = int(p[_P_PIPE])
    h = p[_P_H]
    b = p[_P_B]
    pl = p[_P_P]
    kk = p[_P_K]
    c = p[_P_C]
    r = p[_P_R]
    v = p[_P_V]
    w = p[_P_W]
    lost_mode = p[_P_LOST] > 0
    lifo = p[_P_LIFO] > 0
    one = p[_P_ONE] > 0
    dual = p[_P_DUAL] > 0
    le = int(p[_P_LE])
    ce = p[_P_CE]
    ke = p[_P_KE]
    n_events = events.shape[1]
    for i in range(n):
        for j in range(n_events):
            events[i, j] = 0.0
        # 2. order
        q = order[i]
        if one and q > 0.0:
            for j in range(npipe):
                if data[i, 2 + a + j] > 0.0:
                    q = 0.0
                    break
        if q > 0.0:
            events[i, _E_ORDERED] = q
            events[i, _E_ORDER_PLACED] = 1.0
            events[i, _E_FIXED_COST] = kk
            events[i, _E_PURCHASE_COST] = c * q
            li = lead[i]
            if li <= 0:
                _receive(data, i, q, p, events)
            else:
                data[i, 2 + a + li - 1] += q
        if dual:
            qe = expedited[i]
            if qe > 0.0:
                events[i, _E_ORDERED] += qe
                events[i, _E_ORDER_PLACED] = 1.0
                events[i, _E_FIXED_COST] += ke
                events[i, _E_PURCHASE_COST] += ce * qe
                if le <= 0:
                    _receive(data, i, qe, p, events)
                else:
                    data[i, 2 + a + le - 1] += qe
        # 3. demand
        d = demand[i]
        events[i, _E_DEMAND] = d
        total = 0.0
        for k in range(a):
            total += data[i, 2 + k]
        sold = d if d < total else total
        events[i, _E_SOLD] = sold
        rem = sold
        if lifo:
            for k in range(a):
                if rem <= 0.0:
                    break
                take = data[i, 2 + k] if data[i, 2 + k] < rem else rem
                data[i, 2 + k] -= take
                rem -= take
        else:
            for k in range(a - 1, -1, -1):
                if rem <= 0.0:
                    break
                take = data[i, 2 + k] if data[i, 2 + k] < rem else rem
                data[i, 2 + k] -= take
                rem -= take
        short = d - sold
        if short > 0.0:
            events[i, _E_STOCKOUT] = 1.0
            if lost_mode:
                events[i, _E_LOST] = short
            else:
                events[i, _E_BACKORDERED] = short
                data[i, 0] += short
        # 4. ageing
        if perishable:
            events[i, _E_EXPIRED] = data[i, 2 + a - 1]
            for k in range(a - 1, 0, -1):
                data[i, 2 + k] = data[i, 2 + k - 1]
            data[i, 2] = 0.0
        # 5. costs on the end-of-period state
        oh = 0.0
        for k in range(a):
            oh += data[i, 2 + k]
        events[i, _E_ON_HAND] = oh
        events[i, _E_BACKORDERS] = data[i, 0]
        events[i, _E_HOLDING_COST] = h * oh
        events[i, _E_BACKORDER_COST] = b * data[i, 0]
        events[i, _E_LOST_SALES_COST] = pl * events[i, _E_LOST]
        events[i, _E_WASTE_COST] = w * events[i, _E_EXPIRED]
        events[i, _E_REVENUE] = r * (sold + events[i, _E_BACKORDERS_FILLED])
        if last[i]:
            events[i, _E_SALVAGED] = oh
            events[i, _E_SALVAGE] = v * oh
            for k in range(a):
                data[i, 2 + k] = 0.0
        events[i, _E_ORDERING_COST] = events[i, _E_FIXED_COST] + events[i, _E_PURCHASE_COST]
        events[i, _E_COST] = (
            events[i, _E_FIXED_COST]
            + events[i, _E_PURCHASE_COST]
            + events[i, _E_HOLDING_COST]
            + events[i, _E_BACKORDER_COST]
            + events[i, _E_LOST_SALES_COST]
            + events[i, _E_WASTE_COST]
        )
        # 1. receipt at the start of period t + 1
        if npipe > 0:
            arriving = data[i, 2 + a]
            for j in range(npipe - 1):
                data[i, 2 + a + j] = data[i, 2 + a + j + 1]
            data[i, 2 + a + npipe - 1] = 0.0
            _receive(data, i, arriving, p, events)
        # revenue of backorders filled by the receipt counts in this step
        events[i, _E_REVENUE] = r * (sold + events[i, _E_BACKORDERS_FILLED])
        events[i, _E_REWARD] = events[i, _E_REVENUE] + events[i, _E_SALVAGE] - events[i, _E_COST]
        data[i, 1] += 1.0


def step(
    p: np.ndarray,
    state: State,
    order: np.ndarray,
    demand: np.ndarray,
    lead: np.ndarray,
    last: np.ndarray,
    events: np.ndarray | None = None,
    expedited: np.ndarray | None = None,
) -> np.ndarray:
    """Advance every system one period, in place; return the events matrix.

    Args:
        p: ``kernel_params(params)``.
        state: the observed state of period t (updated in place to t + 1).
        order: (N,) float64 orders q_t >= 0.
        demand: (N,) float64 demands D_t >= 0.
        lead: (N,) int64 lead time of each order, in 0..max_lead_time.
        last: (N,) bool, True where t is the last period of the episode.
        events: optional (N, len(EVENTS)) output buffer.
        expedited: (N,) float64 expedited orders q_e >= 0; required with dual
            sourcing (``params.dual_sourcing``), refused without it.

    Returns:
        (N, len(EVENTS)) float64 matrix; column ``EV[name]`` holds event ``name``.
    """
    if events is None:
        events = np.empty((state.data.shape[0], len(EVENTS)))
    _kernel(state.data, order, _expedited_arg(p, expedited, order.shape[0]), demand, lead, last, p, events)
    return events


def _expedited_arg(p: np.ndarray, expedited: np.ndarray | None, n: int) -> np.ndarray:
    """The kernel's ``expedited`` array, checked against the parameters."""
    if p[_P_DUAL] > 0:
        if expedited is None or np.shape(expedited) != (n,):
            raise ValueError(f"expedited must be an ({n},) array of expedited orders with dual sourcing")
        return np.ascontiguousarray(expedited, dtype=np.float64)
    if expedited is not None:
        raise ValueError("expedited orders need an expedited source (set expedited_lead_time)")
    return _NO_EXPEDITED


@numba.njit(cache=True, nogil=True)
def _observe(data: np.ndarray, a: int, npipe: int, lost: bool, perishable: bool, finite: bool, out: np.ndarray) -> None:
    n = data.shape[0]
    for i in range(n):
        oh = 0.0
        for k in range(a):
            oh += data[i, 2 + k]
        out[i, 0] = oh if lost else oh - data[i, 0]
        col = 1
        for j in range(npipe):
            out[i, col] = data[i, 2 + a + j]
            col += 1
        if perishable:
            for k in range(a):
                out[i, col] = data[i, 2 + k]
                col += 1
        if finite:
            out[i, col] = data[i, 1]


def observe(params: InventoryParams, state: State, out: np.ndarray | None = None) -> np.ndarray:
    """The (N, obs_dim) float32 observation (layout: ``params.obs_names``)."""
    if out is None:
        out = np.empty((state.data.shape[0], params.obs_dim), dtype=np.float32)
    _observe(state.data, state.n_ages, state.n_pipe, params.lost_sales, params.perishable, params.finite_horizon, out)
    return out


def inventory_position(params: InventoryParams, state: State) -> np.ndarray:
    """Net inventory plus everything on order, (N,)."""
    a = state.n_ages
    return state.data[:, 2 : 2 + a].sum(axis=1) - state.data[:, 0] + state.data[:, 2 + a :].sum(axis=1)


def expedited_position(params: InventoryParams, state: State) -> np.ndarray:
    """IP_e: net inventory plus what is due within l_e periods (dual sourcing), (N,).

    With l_e = 0 this is the net inventory; an expedited order placed now arrives
    within l_e periods, so it raises IP_e one for one.
    """
    a = state.n_ages
    le = int(params.expedited_lead_time or 0)
    return state.data[:, 2 : 2 + a].sum(axis=1) - state.data[:, 0] + state.data[:, 2 + a : 2 + a + le].sum(axis=1)


def observe_flags(params: InventoryParams) -> tuple[bool, bool, bool]:
    """(lost_sales, perishable, finite_horizon): the layout switches of :func:`observe`."""
    return params.lost_sales, params.perishable, params.finite_horizon


@numba.njit(cache=True, nogil=True)
def _step_observe(
    data: np.ndarray,
    order: np.ndarray,
    expedited: np.ndarray,
    demand: np.ndarray,
    lead: np.ndarray,
    last: np.ndarray,
    p: np.ndarray,
    events: np.ndarray,
    lost: bool,
    perishable: bool,
    finite: bool,
    out: np.ndarray,
) -> None:
    a = int(p[_P_A]) if p[_P_A] > 0 else 1
    npipe = int(p[_P_PIPE])
    _kernel(data, order, expedited, demand, lead, last, p, events)
    _observe(data, a, npipe, lost, perishable, finite, out)


def step_observe(
    p: np.ndarray,
    state: State,
    order: np.ndarray,
    demand: np.ndarray,
    lead: np.ndarray,
    last: np.ndarray,
    events: np.ndarray,
    flags: tuple[bool, bool, bool],
    out: np.ndarray,
    expedited: np.ndarray | None = None,
) -> None:
    """:func:`step` then :func:`observe` into ``out``, in one compiled call.

    The same kernel as :func:`step` (one call instead of two, which matters for a
    single environment). ``flags`` is :func:`observe_flags` of the parameters;
    ``expedited`` as in :func:`step`.
    """
    exp = _expedited_arg(p, expedited, order.shape[0])
    _step_observe(state.data, order, exp, demand, lead, last, p, events, flags[0], flags[1], flags[2], out)
