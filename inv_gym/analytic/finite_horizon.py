r"""Backward induction and exact policy evaluation for finite-horizon models.

A ``finite_horizon`` model (the concrete-mixer month, the newsvendor) runs T =
``params.horizon`` periods t = 0..T-1 from the environment's initial state and
then ends; the last period salvages what is left on hand (salvage value v).
The chain is the one of :mod:`inv_gym.analytic.dp` -- the state the agent
observes (backorders or stock on hand by age, and the orders due in
1..Lmax-1 periods), every (state, order, lead time, demand) pushed through
:func:`inv_gym.dynamics.step` -- plus the period index t, which the
observation also carries (``period``).

Backward induction
------------------
With :math:`c_t(s, q)` the expected cost of period t (ordering, holding,
shortage and waste costs, minus revenue and, in the last period, minus
salvage) and :math:`P(s' | s, q)` the kernel's transition law,

.. math::

    V_T \equiv 0, \qquad
    V_t(s) = \min_{q \in Q(s)} \Big[ c_t(s, q) + \sum_{s'} P(s' | s, q)\, V_{t+1}(s') \Big],
    \quad t = T-1, \dots, 0,

(Puterman 1994, section 4.5). :math:`V_0(s_0)` is the optimal expected total
cost from the initial state :math:`s_0` and the minimisers :math:`q_t^*(s)`
(the smallest among ties) an optimal time-dependent policy.

Forward propagation
-------------------
A policy given as a function of the observation (the ``period`` entry tells
it the period) is evaluated exactly by propagating the state distribution:
:math:`\mu_0 = \delta_{s_0}`, :math:`\mu_{t+1} = \mu_t P_{q_t}`, expected cost
of period t :math:`\mu_t \cdot c_t(\cdot, q_t(\cdot))`, and the same for any
quantity of :data:`~inv_gym.analytic.dp.EXPECTABLE` (lost units, orders
placed, days that end with nothing on hand and the demand on those days).

Truncation is the DP's (inventory position <= M, backorders <= B); the
expected number of periods in which it binds is reported as
``boundary_mass``. Under lost sales with a capacity the default M (C + Lmax
max_order) never binds.

Example:
    The concrete-mixer month (25 days, room for 11, lost sales):

    >>> from inv_gym.presets import preset_params
    >>> res = solve_finite_horizon(preset_params("inv_gym/ConcreteMixers-v0"))
    >>> round(res.total_cost, 4)
    4.9358
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inv_gym.analytic.dp import (
    DPPolicy,
    TruncationWarning,
    _boundary,
    _build_chain,
    _build_space,
    _Chain,
    _check_params,
    _default_bounds,
    _greedy,
    _grow_bounds,
    _phase_rows,
    _Space,
    policy_orders,
)
from inv_gym.params import InventoryParams

__all__ = [
    "solve_finite_horizon",
    "evaluate_policy_finite_horizon",
    "FiniteHorizonResult",
    "FiniteHorizonEvaluation",
    "FiniteHorizonPolicy",
    "MONTH_METRICS",
]

#: Quantities whose expected totals over the horizon are reported by default.
MONTH_METRICS: tuple[str, ...] = ("order_placed", "lost", "demand", "zero_stock", "zero_stock_demand")
#: Largest number of (period, state) values kept.
MAX_PERIOD_STATES = 50_000_000


class FiniteHorizonPolicy(DPPolicy):
    """An optimal time-dependent policy: the order of each (period, state).

    ``act(obs)`` reads the ``period`` entry of the observation and the state
    as :class:`~inv_gym.analytic.dp.DPPolicy` does; ``table`` is (T, S).
    """

    def _orders_at(self, obs: np.ndarray, idx: np.ndarray) -> np.ndarray:
        t = np.rint(np.asarray(obs, dtype=np.float64)[:, self.params.obs_index["period"]]).astype(np.int64)
        horizon = self.table.shape[0]
        if np.any((t < 0) | (t >= horizon)):
            raise ValueError(f"period must be in [0, {horizon - 1}] (the model's horizon), got {t.min()}..{t.max()}")
        return self.table[t, idx]


@dataclass(frozen=True)
class FiniteHorizonEvaluation:
    """Exact expected totals of a policy over the horizon (forward propagation).

    Attributes:
        total_cost: expected total cost from the initial state (cost minus
            revenue and salvage).
        average_cost: ``total_cost / T``, the expected cost per period.
        period_costs: (T,) expected cost of each period.
        metrics: expected totals over the horizon of the quantities asked for.
        boundary_mass: expected number of periods in which the truncation binds.
        max_inventory: M used.
        max_backorder: B used.
    """

    total_cost: float
    average_cost: float
    period_costs: np.ndarray
    metrics: dict[str, float]
    boundary_mass: float
    max_inventory: int
    max_backorder: int


@dataclass(frozen=True, eq=False)
class FiniteHorizonResult:
    """Solution of :func:`solve_finite_horizon`.

    Attributes:
        params: the instance.
        total_cost: optimal expected total cost from the initial state, V_0(s_0).
        average_cost: ``total_cost / T``.
        values: (T, S) optimal cost-to-go V_t(s).
        policy_table: (T, S) optimal order of each (period, state).
        states: (S, k) integer states, columns ``state_names``.
        state_names: the observation's names of the state's entries.
        evaluation: the optimal policy's expected totals (forward propagation).
        max_inventory: M.
        max_backorder: B.
    """

    params: InventoryParams
    total_cost: float
    average_cost: float
    values: np.ndarray
    policy_table: np.ndarray
    states: np.ndarray
    state_names: tuple[str, ...]
    evaluation: FiniteHorizonEvaluation
    max_inventory: int
    max_backorder: int
    _space: _Space = field(repr=False)

    @property
    def n_states(self) -> int:
        """Number of states S (per period)."""
        return int(self.values.shape[1])

    @property
    def boundary_mass(self) -> float:
        """Expected number of periods in which the truncation binds under the optimal policy."""
        return self.evaluation.boundary_mass

    def policy(self) -> FiniteHorizonPolicy:
        """The optimal time-dependent policy (``act(obs)``, ``predict(...)``)."""
        return FiniteHorizonPolicy(self._space, self.policy_table)

    def __repr__(self) -> str:
        return (
            f"FiniteHorizonResult(total_cost={self.total_cost:.6f}, horizon={self.values.shape[0]}, "
            f"states={self.n_states}, M={self.max_inventory}, B={self.max_backorder}, "
            f"boundary_mass={self.boundary_mass:.3g})"
        )


def _bounds(params: InventoryParams, max_inventory: int | None, max_backorder: int | None) -> tuple[int, int]:
    m_def, b_def = _default_bounds(params)
    if params.lost_sales and params.capacity is not None:
        # on hand <= C and the pipeline <= Lmax - 1 orders: y + q <= C + Lmax max_order never binds
        m_def = int(params.capacity) + params.max_lead_time * params.max_order
    for name, v, low in (("max_inventory", max_inventory, 1), ("max_backorder", max_backorder, 0)):
        if v is not None and (isinstance(v, bool) or int(v) != v or v < low):
            raise ValueError(f"{name} must be an integer >= {low}, got {v!r}")
    m = m_def if max_inventory is None else int(max_inventory)
    b = 0 if params.lost_sales else (b_def if max_backorder is None else int(max_backorder))
    return m, b


def _chains(params: InventoryParams, m: int, b: int, expect: tuple[str, ...]) -> tuple[_Space, _Chain, _Chain]:
    space = _build_space(params, m, b)
    if float(space.n_states) * params.horizon > MAX_PERIOD_STATES:
        raise ValueError(
            f"backward induction needs {space.n_states * params.horizon} (period, state) values "
            f"(> {MAX_PERIOD_STATES}); lower horizon ({params.horizon}), max_inventory (M = {m}) or max_backorder"
        )
    return space, _build_chain(space, expect=expect), _build_chain(space, last=True, expect=expect)


def _forward(
    space: _Space, chain: _Chain, last: _Chain, sa: np.ndarray, cut: np.ndarray, expect: tuple[str, ...]
) -> FiniteHorizonEvaluation:
    """Propagate the state distribution under the (T, S) pair indices ``sa`` (cut: orders the bound cut)."""
    horizon = sa.shape[0]
    mu = np.zeros(space.n_states)
    mu[space.start] = 1.0
    costs = np.empty(horizon)
    totals = dict.fromkeys(expect, 0.0)
    bmass = 0.0
    for t in range(horizon):
        ch = last if t == horizon - 1 else chain
        costs[t] = float(mu @ ch.cost[sa[t]])
        for e in expect:
            totals[e] += float(mu @ ch.expected[e][sa[t]])
        bmass += _boundary(ch, sa[t], mu)[0] + float(mu @ cut[t])
        mu = ch.P[sa[t]].T @ mu
    return FiniteHorizonEvaluation(
        total_cost=float(costs.sum()),
        average_cost=float(costs.sum() / horizon),
        period_costs=costs,
        metrics=totals,
        boundary_mass=bmass,
        max_inventory=space.max_inventory,
        max_backorder=space.max_backorder,
    )


def _settle(
    params: InventoryParams,
    max_inventory: int | None,
    max_backorder: int | None,
    boundary_tol: float,
    strict: bool,
    run: Callable[[int, int], tuple[Any, FiniteHorizonEvaluation]],
) -> Any:
    """Run ``run(M, B)``, enlarging default bounds (up to three times) while the truncation binds."""
    if not (0.0 <= boundary_tol < 1.0):
        raise ValueError(f"boundary_tol must be in [0, 1), got {boundary_tol}")
    m, b = _bounds(params, max_inventory, max_backorder)
    for attempt in range(4):
        out, ev = run(m, b)
        if ev.boundary_mass <= boundary_tol or attempt == 3:
            break
        m, b, grew = _grow_bounds(m, b, max_inventory is None, max_backorder is None and not params.lost_sales)
        if not grew:
            break
    if ev.boundary_mass > boundary_tol:
        msg = (
            f"the truncation binds in {ev.boundary_mass:.3g} periods on average (> boundary_tol={boundary_tol:g}; "
            f"max_inventory={m}, max_backorder={b}): the value is not exact; give larger bounds"
        )
        if strict:
            raise ValueError(msg)
        warnings.warn(msg, TruncationWarning, stacklevel=3)
    return out


def solve_finite_horizon(
    params: InventoryParams,
    *,
    max_inventory: int | None = None,
    max_backorder: int | None = None,
    boundary_tol: float = 1e-6,
    expect: tuple[str, ...] = MONTH_METRICS,
) -> FiniteHorizonResult:
    """Optimal time-dependent policy and expected total cost by backward induction.

    Args:
        params: a ``finite_horizon`` model with integer demand; fixed or random
            lead times (orders may cross unless ``one_outstanding``), lost
            sales or backorders, K, c, h, b, p, price r, salvage v, capacity C,
            perishables (shelf life <= 6).
        max_inventory: M, the largest inventory position after ordering
            (default: C + Lmax max_order under lost sales with a capacity, else
            the long-run default; enlarged automatically if it binds).
        max_backorder: B, the most backorders tracked.
        boundary_tol: largest acceptable expected number of periods in which
            the truncation binds (a ``TruncationWarning`` beyond it).
        expect: quantities whose expected totals are reported
            (:data:`~inv_gym.analytic.dp.EXPECTABLE`).

    Returns:
        A :class:`FiniteHorizonResult`.

    Raises:
        ValueError: for infinite-horizon models, non-integer demand, bad
            bounds, or a state space too large (naming its size and the
            parameter to lower) -- refused before it is allocated.
    """
    _check_params(params, finite_horizon=True)
    horizon = params.horizon
    expect = tuple(expect)

    def run(m: int, b: int) -> tuple[FiniteHorizonResult, FiniteHorizonEvaluation]:
        space, chain, last = _chains(params, m, b, expect)
        S = space.n_states
        values = np.empty((horizon, S))
        sa = np.empty((horizon, S), dtype=np.int64)
        V = np.zeros(S)
        for t in range(horizon - 1, -1, -1):
            ch = last if t == horizon - 1 else chain
            sa[t] = _greedy(ch, V)
            V = ch.cost[sa[t]] + ch.P[sa[t]] @ V
            values[t] = V
        ev = _forward(space, chain, last, sa, np.zeros((horizon, S)), expect)
        res = FiniteHorizonResult(
            params=params,
            total_cost=float(values[0, space.start]),
            average_cost=float(values[0, space.start] / horizon),
            values=values,
            policy_table=chain.sa_order[sa],
            states=space.states_as_obs_columns(),
            state_names=space.state_names,
            evaluation=ev,
            max_inventory=m,
            max_backorder=b,
            _space=space,
        )
        return res, ev

    return _settle(params, max_inventory, max_backorder, boundary_tol, False, run)


def evaluate_policy_finite_horizon(
    policy: Callable[[np.ndarray], np.ndarray] | Any,
    params: InventoryParams,
    *,
    max_inventory: int | None = None,
    max_backorder: int | None = None,
    boundary_tol: float = 1e-6,
    strict: bool = True,
    expect: tuple[str, ...] = MONTH_METRICS,
) -> FiniteHorizonEvaluation:
    """Exact expected totals of a policy over the horizon by forward propagation.

    The policy is asked for its order in every state of every period t =
    0..T-1, as the simulator asks it (:func:`~inv_gym.analytic.dp.policy_orders`:
    bound, reset, the observation's ``period`` entry set to t), so periodic
    review (on either basis), (s, S), (r, Q), base stock, scheduled orders and
    the optimal time-dependent policy all work.

    Args:
        policy: anything with ``act(obs)``, SB3's ``predict``, or a callable.
        params: a ``finite_horizon`` model (as for :func:`solve_finite_horizon`).
        max_inventory: M (default as in :func:`solve_finite_horizon`).
        max_backorder: B.
        boundary_tol: largest acceptable expected number of periods in which
            the truncation binds (an order cut at y + q = M or a transition
            clipped at B).
        strict: raise ``ValueError`` (True) or warn (False) beyond ``boundary_tol``.
        expect: quantities whose expected totals are reported.

    Returns:
        A :class:`FiniteHorizonEvaluation`.
    """
    _check_params(params, finite_horizon=True)
    horizon = params.horizon
    expect = tuple(expect)

    def run(m: int, b: int) -> tuple[FiniteHorizonEvaluation, FiniteHorizonEvaluation]:
        space, chain, last = _chains(params, m, b, expect)
        q_all = policy_orders(space, policy, horizon)
        sa = np.empty((horizon, space.n_states), dtype=np.int64)
        cut = np.empty((horizon, space.n_states))
        for t in range(horizon):
            q, c = _phase_rows(space, q_all[t])
            sa[t] = chain.starts + q
            cut[t] = c
        ev = _forward(space, chain, last, sa, cut, expect)
        return ev, ev

    return _settle(params, max_inventory, max_backorder, boundary_tol, strict, run)
