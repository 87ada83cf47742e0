r"""Exact average-cost dynamic programming for small discrete instances.

:func:`solve_dp` runs relative value iteration on the period MDP of the kernel
(:mod:`inv_gym.dynamics`) for :class:`~inv_gym.params.InventoryParams` with
integer demand and a fixed integer lead time ``L >= 0``: lost sales or
backorders, fixed order cost K, unit cost c, perishable stock with a small
shelf life m (FIFO or LIFO issuing, waste cost w), a capacity C. Random lead
times and finite-horizon models are out of scope (``ValueError``).

The transition structure is not re-derived here: every (state, order, demand)
triple is pushed once through :func:`inv_gym.dynamics.step`, so the DP models
exactly the kernel that the environments simulate.

State
-----
A state is what the environment observes at the start of a period, after the
receipt (DESIGN.md's step 1). With a fixed lead time L the kernel places the
order of period t in the pipeline slot "due in L periods" and shifts the
pipeline after the demand, so at observation time ``pipeline_L`` is always 0.
The state is therefore

.. math::

    s = (\beta,\; a_0, \dots, a_{A-1},\; o_1, \dots, o_{L-1})

with :math:`\beta` the backorders (0 under lost sales), :math:`a_k` the units
on hand of age k (A = m for perishables, else A = 1 and :math:`a_0` is the
on-hand stock) and :math:`o_j` the units due in j periods. Backorders and stock
on hand never coexist (receipts fill backorders first). In
:attr:`DPResult.states` a state is given in the observation's terms: column
``inventory`` (net inventory :math:`\sum_k a_k - \beta`), ``pipeline_1`` ..
``pipeline_{L-1}`` and, for perishables, ``age_0`` .. ``age_{m-1}``.

Truncation
----------
The state space is finite because of three bounds:

* orders: :math:`0 \le q \le` ``params.max_order`` (the environment's action
  space; a model constraint, reported as :attr:`DPResult.max_order_mass`);
* inventory position :math:`y = \sum_k a_k - \beta + \sum_j o_j`: only states
  with :math:`y \le M` (``max_inventory``) are kept and orders are limited to
  :math:`y + q \le M`. The set is closed: without an order the position only
  falls (demand, expiry, overflow). This is Zipkin's (2008) bound: an optimal
  policy started low never raises the position above its largest order-up-to
  level, so nothing is lost as long as M lies above it;
* backorders: :math:`\beta \le B` (``max_backorder``); a transition that would
  leave more than B units backordered is charged in full but lands on
  :math:`\beta = B`.

The truncation binds when the optimal policy orders up to exactly
:math:`y + q = M` or a clipped transition occurs in a state it visits. The
stationary probability of such states under the optimal policy (started from
the environment's initial state) is :attr:`DPResult.boundary_mass`; above
``boundary_tol`` :func:`solve_dp` enlarges its default bounds and solves again
(at most three times) and, if the bounds were given or still bind, emits a
:class:`TruncationWarning`.

Relative value iteration
------------------------
With :math:`c(s, q) = \mathrm E_D[\text{period cost} - \text{revenue}]`
(ordering cost :math:`K 1[q > 0] + c q` included) and :math:`P(s' | s, q)` from
the kernel, the average-cost optimality equation is

.. math::

    g + h(s) = \min_{q \in Q(s)} \Big[ c(s, q) + \sum_{s'} P(s' | s, q)\, h(s') \Big].

Relative value iteration repeats, from :math:`h_0 = 0`,

.. math::

    (T h)(s) = \min_{q} \big[ c(s, q) + P h(s, q) \big], \qquad
    h_{n+1} = h_n + \tau (T h_n - h_n) - \big(h_n + \tau (T h_n - h_n)\big)(s_0),

with the aperiodicity transform :math:`\tau \in (0, 1]` (:math:`\tau < 1` mixes
in a self-loop, which makes every policy's chain aperiodic without changing the
optimal policy or the gain) and :math:`s_0` the empty state. The Odoni bounds
:math:`\min_s (T h_n - h_n)(s) \le g \le \max_s (T h_n - h_n)(s)` bracket the
optimal average cost; the iteration stops when their gap is below ``tol``.
One update is a sparse matrix-vector product (the transition matrix over
(state, order) pairs, duplicate successors merged) and a segmented minimum
(``np.minimum.reduceat``) over each state's contiguous block of orders.

Example:
    Zipkin's (2008) lost-sales instance (Poisson(5), h = 1, p = 4, L = 1):

    >>> from inv_gym.params import LEAD_TIME_TAIL, InventoryParams
    >>> params = InventoryParams(demand="poisson:5", lead_time=1, stockout="lost_sales",
    ...                          holding_cost=1, lost_sales_cost=4)
    >>> res = solve_dp(params)
    >>> round(res.average_cost, 2)
    4.04
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from inv_gym.dynamics import EV, EVENTS, State, kernel_params, step
from inv_gym.params import LEAD_TIME_TAIL, InventoryParams

__all__ = [
    "solve_dp",
    "evaluate_policy_dp",
    "policy_orders",
    "lead_time_table",
    "EXPECTABLE",
    "DPResult",
    "DPPolicy",
    "PolicyEvaluation",
    "TruncationWarning",
]

#: Largest number of cells of the state box (product of the coordinate ranges).
MAX_BOX_CELLS = 20_000_000
#: Largest number of candidate states enumerated with one outstanding order.
MAX_STATES = 5_000_000
#: Solves of :func:`evaluate_policy_dp` with growing default bounds before it gives up.
_EVAL_ATTEMPTS = 6
#: Rows pushed through the kernel at once when building the transitions.
_CHUNK_ROWS = 1 << 20


class TruncationWarning(UserWarning):
    """The state-space truncation of the DP may bind (see :attr:`DPResult.boundary_mass`)."""


# ---------------------------------------------------------------------------
# State space
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Space:
    """The truncated state space: enumeration, encoding and lookup."""

    params: InventoryParams
    max_inventory: int  # M
    max_backorder: int  # B
    n_ages: int  # A
    lead: int  # L
    dims: tuple[int, ...]  # box sizes of (beta, a_0..a_{A-1}, o_1..o_{L-1})
    lookup: np.ndarray | None  # (prod(dims),) int64 state index or -1 (None: use ``keys``)
    keys: np.ndarray | None  # (S,) sorted box indices of the states (one outstanding order)
    vec: np.ndarray  # (S, 1 + A + max(L-1, 0)) int64 state vectors
    ip: np.ndarray  # (S,) inventory position
    qmax: np.ndarray  # (S,) largest admissible order
    ref: int  # index of the empty state
    start: int  # index of the environment's initial state

    @property
    def n_states(self) -> int:
        return int(self.vec.shape[0])

    @property
    def n_pipe(self) -> int:
        return max(self.lead - 1, 0)

    @property
    def blocked(self) -> np.ndarray:
        """(S,) True where ``one_outstanding`` forces the order to 0 (an order is open)."""
        if not self.params.one_outstanding or self.n_pipe == 0:
            return np.zeros(self.n_states, dtype=bool)
        return self.vec[:, 1 + self.n_ages :].sum(axis=1) > 0

    def _index(self, box: np.ndarray) -> np.ndarray:
        """State indices of box indices (-1 where the box cell is not a state)."""
        if self.lookup is not None:
            return self.lookup[box]
        pos = np.minimum(np.searchsorted(self.keys, box), self.keys.size - 1)
        return np.where(self.keys[pos] == box, pos, -1)

    def encode(self, vec: np.ndarray) -> np.ndarray:
        """State indices of integer state vectors (N, k) (-1 outside the space)."""
        dims = np.asarray(self.dims, dtype=np.int64)
        strides = _strides(self.dims)
        if vec.shape[0] and vec.min() >= 0 and np.all(vec.max(axis=0) < dims):
            return self._index(vec @ strides)
        inside = np.all((vec >= 0) & (vec < dims), axis=1)
        out = np.full(vec.shape[0], -1, dtype=np.int64)
        out[inside] = self._index(vec[inside] @ strides)
        return out

    @property
    def state_names(self) -> tuple[str, ...]:
        names = ["inventory"] + [f"pipeline_{j}" for j in range(1, self.lead)]
        if self.params.perishable:
            names += [f"age_{a}" for a in range(self.n_ages)]
        return tuple(names)

    def states_as_obs_columns(self) -> np.ndarray:
        """(S, k) states in the observation's terms (columns ``state_names``)."""
        a = self.n_ages
        ages = self.vec[:, 1 : 1 + a]
        cols = [ages.sum(axis=1) - self.vec[:, 0]]
        cols += [self.vec[:, 1 + a + j] for j in range(self.n_pipe)]
        if self.params.perishable:
            cols += [ages[:, k] for k in range(a)]
        return np.stack(cols, axis=1).astype(np.int64)

    def observations(self) -> np.ndarray:
        """(S, obs_dim) float32: the environment's observation of every state."""
        p = self.params
        idx = p.obs_index
        obs = np.zeros((self.n_states, p.obs_dim), dtype=np.float32)
        cols = self.states_as_obs_columns()
        for j, name in enumerate(self.state_names):
            obs[:, idx[name]] = cols[:, j]
        return obs

    def from_obs(self, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Map observations (N, d) to (state vectors, inventory positions, backorders)."""
        p = self.params
        obs = np.asarray(obs, dtype=np.float64)
        if obs.ndim != 2 or obs.shape[1] != p.obs_dim:
            raise ValueError(f"observation must have shape (N, {p.obs_dim}) (layout {p.obs_names}), got {obs.shape}")
        idx = p.obs_index
        if not np.all(np.isfinite(obs)):
            raise ValueError("observation must be finite")
        r = np.rint(obs)
        if np.any(np.abs(obs - r) > 1e-4):
            raise ValueError("the DP policy needs integer observations (integer demand and orders)")
        r = r.astype(np.int64)
        if self.lead >= 1 and np.any(r[:, idx[f"pipeline_{self.lead}"]] != 0):
            raise ValueError(
                f"pipeline_{self.lead} must be 0 at observation time (the longest lead time is {self.lead}: "
                "an order placed this period arrives in at most that many periods)"
            )
        n, a = r.shape[0], self.n_ages
        inv = r[:, idx["inventory"]]
        vec = np.zeros((n, 1 + a + self.n_pipe), dtype=np.int64)
        vec[:, 0] = np.maximum(-inv, 0)
        if p.perishable:
            for k in range(a):
                vec[:, 1 + k] = r[:, idx[f"age_{k}"]]
        else:
            vec[:, 1] = np.maximum(inv, 0)
        for j in range(self.n_pipe):
            vec[:, 1 + a + j] = r[:, idx[f"pipeline_{j + 1}"]]
        ip = vec[:, 1 : 1 + a].sum(axis=1) - vec[:, 0] + vec[:, 1 + a :].sum(axis=1)
        return vec, ip, vec[:, 0]


def _strides(dims: tuple[int, ...]) -> np.ndarray:
    """Row-major strides of a box with sizes ``dims`` (int64)."""
    d = np.asarray(dims, dtype=np.int64)
    strides = np.ones_like(d)
    strides[:-1] = np.cumprod(d[::-1])[::-1][1:]
    return strides


def _lead_demand_pmf(probs_full: np.ndarray, periods: int) -> np.ndarray:
    out = np.array([1.0])
    for _ in range(periods):
        out = np.convolve(out, probs_full)
    return out


def lead_time_table(params: InventoryParams) -> tuple[np.ndarray, np.ndarray]:
    """Lead-time values and probabilities: ``([L], [1])`` or the law on 0..Lmax.

    A random lead time is truncated at ``params.max_lead_time`` (its tail mass is
    folded into the largest value), exactly as the environments draw it.
    """
    if not params.random_lead_time:
        return np.array([int(params.lead_time)], dtype=np.int64), np.array([1.0])
    _, probs = params.lead_time.pmf_table(LEAD_TIME_TAIL)  # type: ignore[union-attr]
    values = np.flatnonzero(probs > 0).astype(np.int64)
    return values, probs[values] / probs[values].sum()


def _quantile(pmf: np.ndarray, q: float) -> int:
    cum = np.cumsum(pmf)
    return int(min(np.searchsorted(cum, q - 1e-12, side="left"), len(pmf) - 1))


def _default_bounds(params: InventoryParams) -> tuple[int, int]:
    """Default M (inventory-position bound) and B (backorder bound).

    M = the u/(u+h) quantile of the demand over the lead time plus one period
    (u = b, or p + r under lost sales; a mixture over the lead-time law when it
    is random) + a fixed-cost allowance 1.5 sqrt(2 K mu / h) + 2 sd + 2; B = the
    1 - 1e-9 quantile of that demand + the fixed-cost allowance.
    """
    _, probs = params.demand.pmf_table()
    mu = float(np.dot(np.arange(probs.size), probs))
    sd1 = math.sqrt(max(float(np.dot((np.arange(probs.size) - mu) ** 2, probs)), 0.0))
    L = params.max_lead_time
    leads, lprobs = lead_time_table(params)
    pmf = np.zeros(probs.size * (L + 1) - L)
    for lt, w in zip(leads, lprobs):
        part = _lead_demand_pmf(probs, int(lt) + 1)
        pmf[: part.size] += w * part
    h = params.holding_cost
    u = params.backorder_cost if not params.lost_sales else params.lost_sales_cost + params.price
    frac = u / (u + h) if (u + h) > 0 else 0.5
    frac = min(max(frac, 0.5), 1.0 - 1e-6)
    q = _quantile(pmf, frac)
    k_term = 0
    if params.fixed_order_cost > 0:
        k_term = math.ceil(1.5 * math.sqrt(2.0 * params.fixed_order_cost * mu / max(h, 1e-3)))
        k_term = min(k_term, params.max_order * (L + 1))
    m = q + k_term + math.ceil(2.0 * sd1) + 2
    if params.capacity is not None:
        m = min(m, int(math.floor(params.capacity)) + L * params.max_order)
    b = 0 if params.lost_sales else _quantile(pmf, 1.0 - 1e-9) + k_term
    return max(int(m), 1), int(b)


def _check_params(params: InventoryParams, *, finite_horizon: bool = False) -> None:
    """Refuse what the exact solvers cannot do (``finite_horizon``: which kind of model is expected)."""
    if not isinstance(params, InventoryParams):
        raise ValueError(f"params must be an InventoryParams, got {type(params).__name__}")
    if not params.demand.discrete:
        raise ValueError(
            f"demand must be integer-valued for the DP solver (e.g. round({params.demand})), got {params.demand}"
        )
    if params.finite_horizon and not finite_horizon:
        raise ValueError(
            "finite_horizon must be False: the DP solver minimises the infinite-horizon average cost "
            "(use inv_gym.analytic.finite_horizon for finite-horizon models)"
        )
    if finite_horizon and not params.finite_horizon:
        raise ValueError("finite_horizon must be True for backward induction (use solve_dp for the long run)")
    if params.shelf_life is not None and params.shelf_life > 6:
        raise ValueError(f"shelf_life must be <= 6 for the DP solver (state space), got {params.shelf_life}")
    if params.capacity is not None and not float(params.capacity).is_integer():
        raise ValueError(f"capacity must be an integer for the DP solver, got {params.capacity}")
    if not float(params.initial_inventory).is_integer():
        raise ValueError(f"initial_inventory must be an integer for the DP solver, got {params.initial_inventory}")


def _too_big(what: str, size: float, limit: int, m_bound: int, b_bound: int) -> ValueError:
    return ValueError(
        f"the DP state space needs {what} {size:.4g} (> {limit}); lower max_inventory (M = {m_bound}), "
        f"max_backorder (B = {b_bound}), max_order, shelf_life or the (largest) lead_time"
    )


def _build_space(params: InventoryParams, m_bound: int, b_bound: int) -> _Space:
    """Enumerate the truncated state space; refuse it before allocating when it is too large.

    With a fixed lead time (or random lead times and crossing orders) every cell
    of the box (beta, ages, pipeline) that is a state is kept; with
    ``one_outstanding`` and random lead times only pipelines holding at most one
    order are states (a sorted-key lookup replaces the box table, whose size
    grows like ``max_order ** (Lmax - 1)``).
    """
    L = params.max_lead_time
    a = params.n_ages
    n_pipe = max(L - 1, 0)
    cap = int(params.capacity) if params.capacity is not None else None
    age_max = m_bound if cap is None else min(m_bound, cap)
    crossing = params.random_lead_time and not params.one_outstanding
    pipe_max = min(params.max_order * (max(L - 1, 1) if crossing else 1), m_bound + b_bound)
    dims = (b_bound + 1,) + (age_max + 1,) * a + (pipe_max + 1,) * n_pipe
    cells = float(np.prod(np.asarray(dims, dtype=np.float64)))
    sparse = params.one_outstanding and params.random_lead_time and n_pipe > 0
    if sparse:
        stock_dims = dims[: 1 + a]
        n_cand = float(np.prod(np.asarray(stock_dims, dtype=np.float64))) * (1 + n_pipe * pipe_max)
        if n_cand > MAX_STATES or cells >= 2.0**62:
            raise _too_big("candidate states", n_cand, MAX_STATES, m_bound, b_bound)
        stock = np.stack(np.unravel_index(np.arange(int(np.prod(stock_dims)), dtype=np.int64), stock_dims), axis=1)
        pipes = np.zeros((1 + n_pipe * pipe_max, n_pipe), dtype=np.int64)
        slot = np.repeat(np.arange(n_pipe), pipe_max)
        pipes[1 + np.arange(slot.size), slot] = np.tile(np.arange(1, pipe_max + 1), n_pipe)
        vec = np.concatenate(
            [np.repeat(stock, pipes.shape[0], axis=0), np.tile(pipes, (stock.shape[0], 1))], axis=1
        ).astype(np.int64)
    else:
        if cells > MAX_BOX_CELLS:
            raise _too_big("a state box of", cells, MAX_BOX_CELLS, m_bound, b_bound)
        vec = np.stack(np.unravel_index(np.arange(int(cells), dtype=np.int64), dims), axis=1).astype(np.int64)
    beta = vec[:, 0]
    on_hand = vec[:, 1 : 1 + a].sum(axis=1)
    ip = on_hand - beta + vec[:, 1 + a :].sum(axis=1)
    ok = ((beta == 0) | (on_hand == 0)) & (ip <= m_bound)
    if cap is not None:
        ok &= on_hand <= cap
    lookup = keys = None
    if sparse:
        box = vec[ok] @ _strides(dims)
        order = np.argsort(box, kind="stable")
        keys = box[order]
        vec, ip = vec[ok][order], ip[ok][order]
    else:
        lookup = np.full(int(cells), -1, dtype=np.int64)
        lookup[ok] = np.arange(int(ok.sum()))
        vec, ip = vec[ok], ip[ok]
    qmax = np.minimum(params.max_order, m_bound - ip).astype(np.int64)
    if params.one_outstanding and n_pipe > 0:
        qmax = np.where(vec[:, 1 + a :].sum(axis=1) > 0, 0, qmax)
    zero = np.zeros((1, vec.shape[1]), dtype=np.int64)
    init = zero.copy()
    init[0, 1] = min(int(params.initial_inventory), age_max)
    space = _Space(
        params=params,
        max_inventory=m_bound,
        max_backorder=b_bound,
        n_ages=a,
        lead=L,
        dims=dims,
        lookup=lookup,
        keys=keys,
        vec=vec,
        ip=ip,
        qmax=qmax,
        ref=0,
        start=0,
    )
    ref = int(space.encode(zero)[0])
    start = int(space.encode(init)[0])
    object.__setattr__(space, "ref", ref)
    object.__setattr__(space, "start", start if start >= 0 else ref)
    return space


# ---------------------------------------------------------------------------
# Transition structure
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Chain:
    """(state, order) pairs, their expected cost and successor distribution."""

    space: _Space
    starts: np.ndarray  # (S,) first (state, order) pair of each state
    sa_state: np.ndarray  # (n_sa,) state of each pair
    sa_order: np.ndarray  # (n_sa,) order of each pair
    cost: np.ndarray  # (n_sa,) expected period cost minus revenue and salvage
    clip: np.ndarray  # (n_sa,) probability that the backorder bound clips the transition
    P: sp.csr_matrix  # (n_sa, S) transition probabilities
    expected: dict[str, np.ndarray] = field(default_factory=dict)  # (n_sa,) expected period quantities


#: Period quantities :func:`_build_chain` can take the expectation of: kernel
#: events, ``zero_stock`` (1 when the period ends with nothing on hand) and
#: ``zero_stock_demand`` (the period's demand when it ends with nothing on hand).
EXPECTABLE: tuple[str, ...] = (
    "ordered",
    "order_placed",
    "demand",
    "sold",
    "lost",
    "on_hand",
    "backorders",
    "overflow",
    "expired",
    "zero_stock",
    "zero_stock_demand",
)
# under lost sales a folded demand row (D >= a pushed as D = a) undercounts these by E[(D - a)^+]
_FOLD_CORRECTED = ("demand", "lost", "zero_stock_demand")


def _build_chain(
    space: _Space, *, orders: np.ndarray | None = None, last: bool = False, expect: tuple[str, ...] = ()
) -> _Chain:
    """Push every (state, order, lead time, demand) through the kernel.

    Demand takes the values 0..k_max of ``params.demand.pmf_table()`` and a
    random lead time the values of :func:`lead_time_table` (only orders q > 0
    draw one). Under lost sales a demand above the stock available (a) leads to
    the same successor as D = a and costs p (D - a) more, so those demands are
    pushed once, as D = a with probability P(D >= a), and p E[(D - a)^+] is
    added to the cost.

    Args:
        space: the truncated state space.
        orders: optional (S,) fixed order per state (policy evaluation); by
            default every admissible order 0..qmax(s) of every state.
        last: the period is the episode's last (salvage v per unit on hand).
        expect: names from :data:`EXPECTABLE` whose expectation per pair is kept.
    """
    params = space.params
    unknown = [e for e in expect if e not in EXPECTABLE]
    if unknown:
        raise ValueError(f"cannot take the expectation of {unknown}; known: {', '.join(EXPECTABLE)}")
    a, L, n_pipe = space.n_ages, space.lead, space.n_pipe
    S = space.n_states
    if orders is None:
        counts = space.qmax + 1
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        sa_state = np.repeat(np.arange(S, dtype=np.int64), counts)
        sa_order = np.arange(sa_state.size, dtype=np.int64) - starts[sa_state]
    else:
        starts = np.arange(S, dtype=np.int64)
        sa_state = np.arange(S, dtype=np.int64)
        sa_order = np.asarray(orders, dtype=np.int64)
    _, pmf = params.demand.pmf_table()
    kmax = pmf.size - 1
    tail = np.cumsum(pmf[::-1])[::-1]  # tail[k] = P(D >= k)
    ks = np.arange(kmax + 1, dtype=np.float64)
    loss = np.array([float(np.dot(np.maximum(ks - k, 0.0), pmf)) for k in range(kmax + 1)])  # E[(D - k)^+]
    lead_vals, lead_probs = lead_time_table(params)
    n_sa = sa_state.size
    # lead-time draws per pair: every value for an order q > 0 under random lead times, else one
    n_lead = np.where(sa_order > 0, lead_vals.size, 1) if params.random_lead_time else np.ones(n_sa, dtype=np.int64)
    on_hand_sa = space.vec[sa_state, 1 : 1 + a].sum(axis=1)
    kp = kernel_params(params)
    width = 2 + a + L
    per_chunk = max(1, _CHUNK_ROWS // ((kmax + 1) * lead_vals.size))
    cost = np.empty(n_sa)
    clip = np.zeros(n_sa)
    expected = {e: np.empty(n_sa) for e in expect}
    blocks = []
    i_cost, i_rev, i_salv = EV["cost"], EV["revenue"], EV["salvage"]
    for lo in range(0, n_sa, per_chunk):
        hi = min(n_sa, lo + per_chunk)
        n = hi - lo
        # sub-pairs: (pair, lead time) with the lead time's probability
        pl = np.repeat(np.arange(n, dtype=np.int64), n_lead[lo:hi])
        first_l = np.concatenate([[0], np.cumsum(n_lead[lo:hi])[:-1]])
        li = np.arange(pl.size, dtype=np.int64) - first_l[pl]
        q_sub = sa_order[lo:hi][pl]
        if params.random_lead_time:
            lead_sub = np.where(q_sub > 0, lead_vals[np.minimum(li, lead_vals.size - 1)], 0)
            lp_sub = np.where(q_sub > 0, lead_probs[np.minimum(li, lead_vals.size - 1)], 1.0)
        else:
            lead_sub = np.full(pl.size, L, dtype=np.int64)
            lp_sub = np.ones(pl.size)
        # stock available to the demand (lost sales): on hand, plus the order if it arrives at once
        if params.lost_sales:
            av = on_hand_sa[lo:hi][pl] + np.where(lead_sub == 0, q_sub, 0)
            if params.capacity is not None:
                av = np.minimum(av, int(params.capacity))
            cnt = np.minimum(av, kmax) + 1
        else:
            av = np.full(pl.size, kmax + 1, dtype=np.int64)
            cnt = np.full(pl.size, kmax + 1, dtype=np.int64)
        sub = np.repeat(np.arange(pl.size, dtype=np.int64), cnt)
        first = np.concatenate([[0], np.cumsum(cnt)[:-1]])
        d = np.arange(sub.size, dtype=np.int64) - first[sub]
        avl = av[sub]
        prob = lp_sub[sub] * np.where(d < avl, pmf[d], tail[np.minimum(avl, kmax)])
        keep = prob > 0
        if not keep.all():
            sub, d, prob = sub[keep], d[keep], prob[keep]
        local = pl[sub]
        rows = local.size
        st = space.vec[sa_state[lo:hi]]
        data = np.zeros((n, width))
        data[:, 0] = st[:, 0]
        data[:, 2 : 2 + a] = st[:, 1 : 1 + a]
        if n_pipe:
            data[:, 2 + a : 2 + a + n_pipe] = st[:, 1 + a :]
        data = data[local]
        order = sa_order[lo:hi].astype(np.float64)[local]
        demand = d.astype(np.float64)
        lead = lead_sub[sub].astype(np.int64)
        last_arr = np.full(rows, bool(last), dtype=np.bool_)
        events = np.empty((rows, len(EVENTS)))
        step(kp, State(data, a, L), order, demand, lead, last_arr, events)
        net = events[:, i_cost] - events[:, i_rev] - events[:, i_salv]
        cost[lo:hi] = np.bincount(local, weights=prob * net, minlength=n)
        # E[(D - a)^+] of the folded demand rows, per sub-pair, weighted by the lead time's probability
        fold = lp_sub * loss[np.minimum(av, kmax)] * (av <= kmax) if params.lost_sales else None
        if fold is not None:
            cost[lo:hi] += params.lost_sales_cost * np.bincount(pl, weights=fold, minlength=n)
        for e in expect:
            if e == "zero_stock":
                val = (events[:, EV["on_hand"]] == 0).astype(np.float64)
            elif e == "zero_stock_demand":
                val = events[:, EV["demand"]] * (events[:, EV["on_hand"]] == 0)
            else:
                val = events[:, EV[e]]
            expected[e][lo:hi] = np.bincount(local, weights=prob * val, minlength=n)
            if fold is not None and e in _FOLD_CORRECTED:
                expected[e][lo:hi] += np.bincount(pl, weights=fold, minlength=n)
        nxt = np.empty((rows, 1 + a + n_pipe), dtype=np.int64)
        nxt[:, 0] = np.rint(data[:, 0])
        nxt[:, 1 : 1 + a] = np.rint(data[:, 2 : 2 + a])
        if n_pipe:
            nxt[:, 1 + a :] = np.rint(data[:, 2 + a : 2 + a + n_pipe])
        over = nxt[:, 0] > space.max_backorder
        if over.any():
            nxt[over, 0] = space.max_backorder
            clip[lo:hi] = np.bincount(local, weights=prob * over, minlength=n)
        idx = space.encode(nxt)
        if np.any(idx < 0):
            bad = nxt[np.argmax(idx < 0)]
            raise RuntimeError(f"successor state {bad.tolist()} lies outside the truncated state space")
        blk = sp.csr_matrix((prob, (local, idx)), shape=(n, S))
        blk.sum_duplicates()
        blocks.append(blk)
    P = sp.vstack(blocks, format="csr") if len(blocks) > 1 else blocks[0]
    return _Chain(space, starts, sa_state, sa_order, cost, clip, P, expected)


def _stationary(
    P_pol: sp.csr_matrix | list[sp.csr_matrix], start: int, *, tol: float = 1e-13, max_iter: int = 200_000
) -> Any:
    r"""Long-run distribution of the chain started in ``start`` (power iteration on a lazy chain).

    Given a list of T matrices (a policy with cycle T), returns the list of the
    long-run distributions at phases 0..T-1: :math:`\pi_0` is stationary for
    the product :math:`P_0 \cdots P_{T-1}` and :math:`\pi_{k+1} = \pi_k P_k`.
    """
    mats = P_pol if isinstance(P_pol, list) else [P_pol]
    PTs = [m.T.tocsr() for m in mats]

    def cycle(x: np.ndarray) -> np.ndarray:
        for PT in PTs:
            x = PT @ x
        return x

    pi = np.zeros(mats[0].shape[1])
    pi[start] = 1.0
    for it in range(max_iter):
        new = 0.1 * pi + 0.9 * cycle(pi)
        if it % 16 == 0 and np.abs(new - pi).sum() < tol:
            pi = new
            break
        pi = new
    pi = np.maximum(pi, 0.0)
    pis = [pi / pi.sum()]
    for PT in PTs[:-1]:
        pis.append(PT @ pis[-1])
    return pis if isinstance(P_pol, list) else pis[0]


# ---------------------------------------------------------------------------
# Results and the policy
# ---------------------------------------------------------------------------


class DPPolicy:
    """The optimal order of each state, as a policy that runs in the environments.

    ``act(obs)`` reads the documented observation (``params.obs_names``):
    ``inventory`` (net inventory under backorders, on hand under lost sales),
    ``pipeline_1`` .. ``pipeline_L`` (``pipeline_L`` is 0 at observation time),
    ``age_a`` for perishables; a ``period`` entry is ignored.

    Observations outside the truncated state space: an inventory position at or
    above M orders nothing; more than B backorders order the table's order of
    the state with B backorders plus the excess (within ``max_order``); any
    other state outside the table raises ``ValueError``.
    """

    def __init__(self, space: _Space, table: np.ndarray) -> None:
        self._space = space
        self.table = np.asarray(table, dtype=np.int64)
        self.params = space.params

    def act(self, obs: np.ndarray) -> np.ndarray:
        """Orders for a batch of observations.

        Args:
            obs: (N, d) observations (layout ``params.obs_names``), or one (d,).

        Returns:
            (N,) int64 orders (a 0-d array for a single observation).
        """
        arr = np.asarray(obs)
        single = arr.ndim == 1
        if single:
            arr = arr[None, :]
        sp_ = self._space
        vec, ip, beta = sp_.from_obs(arr)
        out = np.zeros(vec.shape[0], dtype=np.int64)
        idx = sp_.encode(vec)
        found = idx >= 0
        out[found] = self._orders_at(arr[found], idx[found])
        rest = ~found
        high = rest & (ip >= sp_.max_inventory)
        rest &= ~high
        if rest.any():
            deep = rest & (beta > sp_.max_backorder)
            if deep.any():
                v2 = vec[deep].copy()
                v2[:, 0] = sp_.max_backorder
                j = sp_.encode(v2)
                if np.all(j >= 0):
                    excess = beta[deep] - sp_.max_backorder
                    q = self._orders_at(arr[deep], j) + excess
                    cap = np.minimum(self.params.max_order, sp_.max_inventory - ip[deep])
                    out[deep] = np.clip(q, 0, np.maximum(cap, 0))
                    rest &= ~deep
            if rest.any():
                bad = arr[np.argmax(rest)]
                raise ValueError(f"observation {np.asarray(bad).tolist()} lies outside the DP state space")
        return out[0] if single else out

    def _orders_at(self, obs: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """The table's orders of states ``idx`` seen as observations ``obs`` (override for time-dependent tables)."""
        return self.table[idx]

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        return self.act(obs)

    def predict(
        self,
        observation: np.ndarray,
        state: Any = None,
        episode_start: np.ndarray | None = None,
        deterministic: bool = True,
    ) -> tuple[np.ndarray, Any]:
        """stable-baselines3's ``predict`` signature: ``(actions, state)``."""
        return np.asarray(self.act(observation)), state


@dataclass(frozen=True, eq=False)
class DPResult:
    """Solution of :func:`solve_dp`.

    Attributes:
        params: the instance.
        average_cost: optimal long-run average cost per period (ordering cost
            included, revenue subtracted), i.e. minus the optimal gain.
        gain_bounds: (lower, upper) Odoni bounds on the average cost.
        values: (S,) relative values h(s), 0 at the empty state.
        states: (S, k) integer states, columns ``state_names``.
        state_names: ``inventory``, ``pipeline_1`` .. ``pipeline_{L-1}``
            (``age_0`` .. ``age_{m-1}`` for perishables).
        policy_table: (S,) optimal order of each state (smallest among ties).
        stationary: (S,) long-run distribution of the state under the optimal
            policy started from the environment's initial state.
        iterations: relative value iterations run.
        converged: whether the Odoni gap fell below ``tol``.
        max_inventory: M, the bound on the inventory position.
        max_backorder: B, the bound on the backorders (0 under lost sales).
        boundary_mass: stationary probability of the truncation binding (order
            up to exactly M, or a transition clipped at B).
        max_order_mass: stationary probability of ordering ``max_order`` (the
            action space's limit, a model constraint).
        policy_cost: the average cost of the policy table evaluated on its
            stationary distribution (agrees with ``average_cost``).
    """

    params: InventoryParams
    average_cost: float
    gain_bounds: tuple[float, float]
    values: np.ndarray
    states: np.ndarray
    state_names: tuple[str, ...]
    policy_table: np.ndarray
    stationary: np.ndarray
    iterations: int
    converged: bool
    max_inventory: int
    max_backorder: int
    boundary_mass: float
    max_order_mass: float
    policy_cost: float
    _space: _Space = field(repr=False)

    @property
    def n_states(self) -> int:
        """Number of states S."""
        return int(self.values.size)

    def state_index(self, obs: np.ndarray) -> np.ndarray:
        """Indices into ``values``/``policy_table`` of observations (N, d) (-1 outside)."""
        arr = np.atleast_2d(np.asarray(obs))
        vec, _, _ = self._space.from_obs(arr)
        return self._space.encode(vec)

    def policy(self) -> DPPolicy:
        """The optimal policy as an object with ``act(obs)`` and ``predict(...)``."""
        return DPPolicy(self._space, self.policy_table)

    def __repr__(self) -> str:
        return (
            f"DPResult(average_cost={self.average_cost:.6f}, states={self.n_states}, "
            f"iterations={self.iterations}, M={self.max_inventory}, B={self.max_backorder}, "
            f"boundary_mass={self.boundary_mass:.3g})"
        )


@dataclass(frozen=True)
class PolicyEvaluation:
    """Exact long-run evaluation of a fixed policy (:func:`evaluate_policy_dp`).

    Attributes:
        average_cost: long-run average cost per period from the environment's
            initial state.
        stationary: (S,) long-run state distribution (at the first phase of the
            policy's cycle).
        boundary_mass: long-run probability per period of a truncated decision
            (an order cut at y + q = M) or of a transition clipped at B.
        metrics: long-run averages per period of the quantities asked for
            (names of :data:`EXPECTABLE`).
        cycle: the policy's cycle length (1: stationary).
        max_inventory: M used.
        max_backorder: B used.
    """

    average_cost: float
    stationary: np.ndarray
    boundary_mass: float
    metrics: dict[str, float] = field(default_factory=dict)
    cycle: int = 1
    max_inventory: int = 0
    max_backorder: int = 0


# ---------------------------------------------------------------------------
# Solvers
# ---------------------------------------------------------------------------


def _rvi(chain: _Chain, *, tol: float, max_iter: int, tau: float) -> tuple[np.ndarray, float, float, int, bool]:
    P, c, starts = chain.P, chain.cost, chain.starts
    ref = chain.space.ref
    V = np.zeros(chain.space.n_states)
    lo = hi = 0.0
    converged = False
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007
        TV = np.minimum.reduceat(c + P @ V, starts)
        diff = TV - V
        lo, hi = float(diff.min()), float(diff.max())
        if hi - lo < tol:
            converged = True
            V = TV - TV[ref]
            break
        V = V + tau * diff
        V -= V[ref]
    return V, lo, hi, it, converged


def _greedy(chain: _Chain, V: np.ndarray) -> np.ndarray:
    """Index of the first minimising (state, order) pair of every state."""
    Q = chain.cost + chain.P @ V
    best = np.minimum.reduceat(Q, chain.starts)
    counts = np.diff(np.append(chain.starts, Q.size))
    is_min = Q <= np.repeat(best, counts)
    pos = np.where(is_min, np.arange(Q.size), Q.size)
    return np.minimum.reduceat(pos, chain.starts)


def _grow_bounds(m_bound: int, b_bound: int, grow_m: bool, grow_b: bool) -> tuple[int, int, bool]:
    """Enlarged (M, B) after the truncation bound: each by max(4, a quarter) where allowed."""
    if grow_m:
        m_bound += max(4, m_bound // 4)
    if grow_b:
        b_bound += max(4, b_bound // 4)
    return m_bound, b_bound, grow_m or grow_b


def _boundary(chain: _Chain, sa: np.ndarray, pi: np.ndarray) -> tuple[float, float]:
    sp_ = chain.space
    q = chain.sa_order[sa]
    # the inventory-position cap M - y (not max_order) limits the order and the order is at it
    at_m = (sp_.ip + q == sp_.max_inventory) & (sp_.max_inventory - sp_.ip <= sp_.params.max_order) & ~sp_.blocked
    bound = float(pi @ (at_m.astype(np.float64) + chain.clip[sa]))
    at_max = (q == sp_.params.max_order) & (sp_.ip + q < sp_.max_inventory)
    return bound, float(pi @ at_max.astype(np.float64))


def solve_dp(
    params: InventoryParams,
    *,
    max_inventory: int | None = None,
    max_backorder: int | None = None,
    tol: float = 1e-8,
    max_iter: int = 100_000,
    aperiodicity: float = 0.8,
    boundary_tol: float = 1e-6,
) -> DPResult:
    r"""Optimal average cost and policy by relative value iteration.

    Solves :math:`g + h(s) = \min_q [c(s, q) + \sum_{s'} P(s'|s, q) h(s')]` on the
    truncated state space described in the module docstring, with the
    transitions of :func:`inv_gym.dynamics.step`.

    Args:
        params: the instance: integer demand (``demand.discrete``), an integer
            ``lead_time`` L >= 0, not ``finite_horizon``; lost sales or
            backorders, K, c, h, b, p, w, price r, shelf life m <= 6 (FIFO/LIFO),
            integer capacity C.
        max_inventory: M, the largest inventory position (on hand - backorders
            + pipeline) after ordering; default: the u/(u+h) quantile of the
            (L+1)-period demand plus allowances for K and its spread
            (enlarged automatically if it binds).
        max_backorder: B, the most backorders tracked (backorder models).
        tol: stop when the Odoni bounds on the average cost are closer than tol.
        max_iter: most value-iteration sweeps.
        aperiodicity: tau in (0, 1], the weight of the Bellman update (1: plain
            relative value iteration; < 1 for periodic chains, e.g.
            deterministic demand).
        boundary_tol: largest acceptable stationary mass on the truncation
            boundary before the bounds are enlarged or a warning is emitted.

    Returns:
        A :class:`DPResult`.

    Raises:
        ValueError: for random lead times, non-integer demand, finite-horizon
            models, or bounds out of range.
    """
    _check_params(params)
    if not (0.0 < aperiodicity <= 1.0):
        raise ValueError(f"aperiodicity must be in (0, 1], got {aperiodicity}")
    if not (tol > 0):
        raise ValueError(f"tol must be > 0, got {tol}")
    if isinstance(max_iter, bool) or int(max_iter) != max_iter or max_iter < 1:
        raise ValueError(f"max_iter must be an integer >= 1, got {max_iter}")
    m_def, b_def = _default_bounds(params)
    auto_m = max_inventory is None
    auto_b = max_backorder is None
    if not auto_m and (int(max_inventory) != max_inventory or max_inventory < 1):
        raise ValueError(f"max_inventory must be an integer >= 1, got {max_inventory}")
    if not auto_b and (int(max_backorder) != max_backorder or max_backorder < 0):
        raise ValueError(f"max_backorder must be an integer >= 0, got {max_backorder}")
    m_bound = m_def if auto_m else int(max_inventory)
    b_bound = (b_def if auto_b else int(max_backorder)) if not params.lost_sales else 0
    for attempt in range(4):
        space = _build_space(params, m_bound, b_bound)
        chain = _build_chain(space)
        V, lo, hi, iters, converged = _rvi(chain, tol=tol, max_iter=int(max_iter), tau=float(aperiodicity))
        sa = _greedy(chain, V)
        P_pol = chain.P[sa]
        pi = _stationary(P_pol, space.start)
        bmass, maxmass = _boundary(chain, sa, pi)
        if bmass <= boundary_tol or attempt == 3:
            break
        m_bound, b_bound, grew = _grow_bounds(m_bound, b_bound, auto_m, auto_b and float(pi @ chain.clip[sa]) > 0)
        if not grew:
            break
    if not converged:
        warnings.warn(
            f"relative value iteration did not converge in {max_iter} iterations (gap {hi - lo:.3g}); "
            "try aperiodicity < 1 or a larger max_iter",
            RuntimeWarning,
            stacklevel=2,
        )
    if bmass > boundary_tol:
        warnings.warn(
            f"the state truncation binds: stationary mass {bmass:.3g} on the boundary "
            f"(max_inventory={m_bound}, max_backorder={b_bound}); enlarge the bounds",
            TruncationWarning,
            stacklevel=2,
        )
    table = chain.sa_order[sa]
    return DPResult(
        params=params,
        average_cost=0.5 * (lo + hi),
        gain_bounds=(lo, hi),
        values=V,
        states=space.states_as_obs_columns(),
        state_names=space.state_names,
        policy_table=table,
        stationary=pi,
        iterations=iters,
        converged=converged,
        max_inventory=m_bound,
        max_backorder=b_bound,
        boundary_mass=bmass,
        max_order_mass=maxmass,
        policy_cost=float(pi @ chain.cost[sa]),
        _space=space,
    )


def policy_orders(space: _Space, policy: Callable[[np.ndarray], np.ndarray] | Any, periods: int) -> np.ndarray:
    """(periods, S) orders of a policy in every state, period by period from period 0.

    The policy sees the environment's observation of every state (with the
    ``period`` entry set to t in finite-horizon models). It is bound to the
    parameters (``bind``) and reset for S systems (``reset``) when it has these
    methods, then asked once per period, as the simulator asks it, so policies
    that count periods themselves (periodic review) see periods 0, 1, 2, ...

    Raises:
        ValueError: for orders outside ``[0, max_order]`` or not one per state.
    """
    from inv_gym.evaluation import prepare_policy

    params = space.params
    act = prepare_policy(policy, params)
    reset = getattr(getattr(act, "__self__", None), "reset", None)
    if callable(reset):
        reset(space.n_states)
    obs = space.observations()
    t_col = params.obs_index.get("period")
    out = np.empty((periods, space.n_states), dtype=np.int64)
    for t in range(periods):
        if t_col is not None:
            obs[:, t_col] = t
        q = np.asarray(act(obs.copy()), dtype=np.float64).reshape(-1)
        if q.size != space.n_states:
            raise ValueError(f"policy must return one order per observation, got {q.size} for {space.n_states}")
        if not np.all(np.isfinite(q)) or np.any(q < 0) or np.any(q > params.max_order):
            raise ValueError(f"policy orders must be in [0, {params.max_order}] (max_order)")
        out[t] = np.rint(q).astype(np.int64)
    return out


def _phase_rows(space: _Space, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Admissible orders of a policy (the model's forced 0 applied) and where the truncation cut them."""
    q = np.where(space.blocked, 0, q)
    cut = q > space.qmax
    return np.minimum(q, space.qmax), cut


def evaluate_policy_dp(
    policy: Callable[[np.ndarray], np.ndarray] | Any,
    params: InventoryParams,
    *,
    max_inventory: int | None = None,
    max_backorder: int | None = None,
    cycle: int | None = None,
    boundary_tol: float = 1e-6,
    strict: bool = True,
    expect: tuple[str, ...] = (),
) -> PolicyEvaluation:
    r"""Exact long-run average cost of a policy on the same chain as :func:`solve_dp`.

    The policy sees the environment's observation of every state of the
    truncated space (:func:`policy_orders`). A stationary policy (``cycle`` =
    1) gives the chain :math:`P_\pi` and the average cost
    :math:`\sum_s \pi(s) c(s, q(s))` under its long-run distribution from the
    environment's initial state. A policy whose orders depend on the period
    with cycle T (periodic review every T periods) gives T chains
    :math:`P_0, \dots, P_{T-1}`; with :math:`\pi_0` the long-run distribution
    at phase 0 (stationary for :math:`P_0 \cdots P_{T-1}`) and
    :math:`\pi_{k+1} = \pi_k P_k`, the average cost is
    :math:`\frac1T \sum_k \pi_k \cdot c_k`.

    Orders the model forbids (``one_outstanding`` with an order open) are 0, as
    in the kernel. Orders above the truncation (y + q > M) are cut to M - y,
    and transitions beyond B backorders are clipped; their long-run frequency
    is the boundary mass. With default bounds M and B are enlarged (up to five
    times, by a quarter each) while the boundary mass exceeds ``boundary_tol``; if it still does
    (a policy whose stock never settles, e.g. one ordering more than the mean
    demand every period), the value is not exact and the call raises
    (``strict``) or warns.

    Args:
        policy: an object with ``act(obs) -> orders`` (bound and reset if it
            has ``bind``/``reset``), SB3's ``predict``, or a callable.
        params: the instance (as for :func:`solve_dp`).
        max_inventory: M (default as in :func:`solve_dp`, enlarged if it binds).
        max_backorder: B (default as in :func:`solve_dp`, enlarged if it binds).
        cycle: T, the period after which the policy's orders repeat (a
            counting periodic-review policy: its review period). None: the
            policy must be stationary (checked: its orders in periods 0 and 1
            must agree).
        boundary_tol: largest acceptable boundary mass per period.
        strict: raise ``ValueError`` (True) or emit a :class:`TruncationWarning`
            (False) when the boundary mass exceeds ``boundary_tol``.
        expect: long-run averages to report (names of :data:`EXPECTABLE`).

    Returns:
        A :class:`PolicyEvaluation`.

    Raises:
        ValueError: for finite-horizon models (use
            :func:`inv_gym.analytic.finite_horizon.evaluate_policy_finite_horizon`),
            a period-dependent policy without ``cycle``, bad arguments, or a
            boundary mass above ``boundary_tol`` with ``strict``.
    """
    _check_params(params)
    if cycle is not None and (isinstance(cycle, bool) or int(cycle) != cycle or cycle < 1):
        raise ValueError(f"cycle must be an integer >= 1, got {cycle!r}")
    if not (0.0 <= boundary_tol < 1.0):
        raise ValueError(f"boundary_tol must be in [0, 1), got {boundary_tol}")
    m_def, b_def = _default_bounds(params)
    m_bound = m_def if max_inventory is None else int(max_inventory)
    b_bound = 0 if params.lost_sales else (b_def if max_backorder is None else int(max_backorder))
    periods = 1 if cycle is None else int(cycle)
    for attempt in range(_EVAL_ATTEMPTS):
        space = _build_space(params, m_bound, b_bound)
        q_all = policy_orders(space, policy, max(periods, 2 if cycle is None else 1))
        if cycle is None and not np.array_equal(q_all[0], q_all[1]):
            raise ValueError(
                "the policy's orders depend on the period (it counts periods or reads one); pass cycle=T, "
                "the number of periods after which they repeat"
            )
        chains, cuts = [], []
        for k in range(periods):
            q, cut = _phase_rows(space, q_all[k])
            chains.append(_build_chain(space, orders=q, expect=tuple(expect)))
            cuts.append(cut)
        pis = _stationary([c.P for c in chains], space.start)
        bmass = sum(float(pi @ (cut + c.clip)) for pi, cut, c in zip(pis, cuts, chains)) / periods
        if bmass <= boundary_tol or attempt == _EVAL_ATTEMPTS - 1:
            break
        clipped = any(float(pi @ c.clip) > 0 for pi, c in zip(pis, chains))
        m_bound, b_bound, grew = _grow_bounds(
            m_bound, b_bound, max_inventory is None, max_backorder is None and not params.lost_sales and clipped
        )
        if not grew:
            break
    if bmass > boundary_tol:
        msg = (
            f"the policy's long-run state leaves the truncated state space: boundary mass {bmass:.3g} per period "
            f"> boundary_tol={boundary_tol:g} (max_inventory={m_bound}, max_backorder={b_bound}), so its cost is "
            "not exact; its stock may never settle (it orders more than the demand in the long run), or the "
            "bounds are too small: give larger max_inventory/max_backorder"
        )
        if strict:
            raise ValueError(msg)
        warnings.warn(msg, TruncationWarning, stacklevel=2)
    cost = sum(float(pi @ c.cost) for pi, c in zip(pis, chains)) / periods
    metrics = {e: sum(float(pi @ c.expected[e]) for pi, c in zip(pis, chains)) / periods for e in expect}
    return PolicyEvaluation(
        average_cost=cost,
        stationary=pis[0],
        boundary_mass=bmass,
        metrics=metrics,
        cycle=periods,
        max_inventory=m_bound,
        max_backorder=b_bound,
    )
