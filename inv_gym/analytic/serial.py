"""The exact optimum of the serial chain: Clark & Scarf (1960), as computed by Chen & Zheng (1994).

Model and timing (``inv_gym/Serial-v0``, :mod:`inv_gym.serial.dynamics`)
------------------------------------------------------------------------
Stages m = 1 .. M (stage 1 downstream), lead times L_m, local holding costs
h'_m, echelon holding costs h_m = h'_m - h'_{m+1} (h'_{M+1} = 0), backorder cost
p at stage 1, integer i.i.d. demand D with mean mu. Each period: receive ->
every stage orders -> shipments upstream to downstream -> demand -> costs on the
end-of-period state (on hand at h'_m, units in transit into m < M at h'_{m+1}).

Under an echelon base-stock policy with levels S_1 .. S_M, let Y_m(t) be stage
m's echelon inventory level plus its inbound transit right after the shipments
of period t. Then Y_M(t) = S_M and, because stage m + 1 ships to bring stage
m's position up to S_m as far as its stock allows,

    Y_m(t) = min(S_m, Y_{m+1}(t - L_{m+1}) - D[t - L_{m+1}, t - 1])      (L_{m+1} periods)

and the end-of-period echelon inventory level of stage m is
Y_m(t - L_m) - D[t - L_m, t] (L_m + 1 periods). The period cost equals
sum_m h_m (echelon level_m) + (p + h'_1) B_1, so the long-run cost is C_M(S_M) with

    C_1(y) = h_1 (y - (L_1 + 1) mu) + (p + h'_1) E[(D^{(L_1 + 1)} - y)^+]
    C_m(y) = h_m (y - (L_m + 1) mu) + E[ C_{m-1}(min(S_{m-1}, y - D^{(L_m)})) ],  m >= 2

(D^{(k)} the demand of k periods). Clark and Scarf's decomposition: choosing
S*_m = argmin_y C_m(y) stage by stage (each C_m with S_{m-1} = S*_{m-1}) gives
an optimal policy among all policies, with cost C_M(S*_M) (Chen & Zheng 1994,
Theorem 1; Snyder & Shen 2019, Section 6.2.3). Without ``transit_holding`` the
constant sum_{m < M} h'_{m+1} mu L_m (the expected transit holding) is
subtracted.

Truncation: each period's pmf is cut at its 1 - ``tail`` quantile (default
1e-12) with the tail mass folded into the last value; the k-period pmfs are
exact convolutions of that table. The functions are evaluated exactly on the
integer grid from -(sum of the window supports) to that sum + 1, which contains
every optimal level (S*_m <= S*_{m-1} + max D^{(L_m)}). The cost error is of
the order of ``tail`` times the costs (below 1e-9 relative).

Snyder & Shen's continuous-review convention
--------------------------------------------
In Snyder & Shen (and its code) stage 1 faces the demand of L_1 time units and
an upstream stage m the demand of L_m; the cost is the same echelon recursion
with (L_m) in place of (L_m + 1) in the holding terms. In this model an order
arrives before that period's demand, so stage 1's protection period is
L_1 + 1. Their instance (L_1 >= 1 integer periods) is this model with lead times
(L_1 - 1, L_2, .., L_M): the same demand windows, so the same optimal levels,
and the cost differs only by the transit holding of one period's flow into
stage 1: C_SS = C + h'_2 mu. :func:`serial_params_from_snyder_shen` applies it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inv_gym.distributions import DEFAULT_TAIL, Distribution, as_distribution
from inv_gym.serial.params import SerialParams

__all__ = [
    "SerialSolution",
    "serial_optimum",
    "serial_echelon_cost",
    "serial_params_from_snyder_shen",
    "serial_relative_value_iteration",
    "SerialRVIResult",
]


@dataclass(frozen=True)
class SerialSolution:
    """The Clark-Scarf optimum of a serial chain.

    Attributes:
        levels: optimal echelon base-stock levels S*_1 .. S*_M (stage 1 first).
        cost: optimal expected cost per period (the env's accounting).
        stage_costs: C_m(S*_m), m = 1 .. M (C_M(S*_M) = cost with transit holding).
        transit_holding_cost: the expected in-transit holding per period in ``cost``.
        details: grid and truncation figures.
    """

    levels: tuple[int, ...]
    cost: float
    stage_costs: tuple[float, ...]
    transit_holding_cost: float
    details: dict[str, Any] = field(default_factory=dict)


def _window_pmfs(params: SerialParams, tail: float) -> list[np.ndarray]:
    """pmf of D^{(L_1 + 1)} for stage 1 and of D^{(L_m)} for m >= 2 (on 0..k)."""
    _, f = params.demand.pmf_table(tail)
    out = []
    for k, lt in enumerate(params.lead_times):
        periods = lt + 1 if k == 0 else lt
        g = np.array([1.0])
        for _ in range(periods):
            g = np.convolve(g, f)
        out.append(g)
    return out


def _recursion(params: SerialParams, levels: Sequence[int] | None, tail: float) -> SerialSolution:
    """C_1 .. C_M on the integer grid; minimise (levels None) or evaluate the given levels."""
    m = params.n_stages
    mu = float(params.demand.mean)
    he = params.echelon_holding_costs
    hl = params.holding_costs
    p = params.backorder_cost
    pmfs = _window_pmfs(params, tail)
    top = sum(len(g) - 1 for g in pmfs) + 1
    if levels is not None:
        top = max(top, max(levels) + 1)
    low = -sum(len(g) - 1 for g in pmfs[1:]) - 1
    if top - low > 5_000_000:
        raise ValueError(
            f"the Clark-Scarf grid has {top - low} points (> 5,000,000); reduce the demand mean or the lead_times"
        )
    # C_1 exactly on [low, top]
    y = np.arange(low, top + 1, dtype=np.float64)
    f1 = pmfs[0]
    d = np.arange(len(f1), dtype=np.float64)
    mean1 = float(np.dot(d, f1))
    cdf = np.cumsum(f1)
    partial = np.cumsum(d * f1)  # sum_{d' <= d} d' f(d')
    idx = np.clip(y - 1, -1, len(f1) - 1).astype(np.int64)  # sum over d < y
    below_mass = np.where(idx >= 0, cdf[np.maximum(idx, 0)], 0.0)
    below_mean = np.where(idx >= 0, partial[np.maximum(idx, 0)], 0.0)
    excess = y * below_mass - below_mean  # E[(y - D)^+]
    shortage = mean1 - y + excess  # E[(D - y)^+]
    c = he[0] * (y - (params.lead_times[0] + 1) * mu) + (p + hl[0]) * shortage
    grid_low = low
    chosen: list[int] = []
    stage_costs: list[float] = []
    for k in range(m):
        if k > 0:
            # C_k(y) = h_k (y - (L_k + 1) mu) + E[Cbar_{k-1}(y - D^{(L_k)})]
            g = pmfs[k]
            conv = np.convolve(c, g, mode="valid")
            grid_low = grid_low + len(g) - 1
            yy = np.arange(grid_low, top + 1, dtype=np.float64)
            c = he[k] * (yy - (params.lead_times[k] + 1) * mu) + conv
        # choose / read the level on y >= 0
        start = -grid_low
        if levels is None:
            s = int(np.argmin(c[start:])) + 0
        else:
            s = int(levels[k])
            if s < 0:
                raise ValueError(f"levels must be integers >= 0, got {list(levels)}")
        chosen.append(s)
        stage_costs.append(float(c[start + s]))
        if k + 1 < m:
            # Cbar_k(x) = C_k(min(S_k, x))
            c = c.copy()
            c[start + s :] = c[start + s]
    transit = mu * sum(hl[k + 1] * params.lead_times[k] for k in range(m - 1))
    cost = stage_costs[-1] - (0.0 if params.transit_holding else transit)
    return SerialSolution(
        levels=tuple(chosen),
        cost=float(cost),
        stage_costs=tuple(stage_costs),
        transit_holding_cost=float(transit if params.transit_holding else 0.0),
        details={"grid": [int(low), int(top)], "tail": tail, "window_supports": [len(g) - 1 for g in pmfs]},
    )


def serial_optimum(params: SerialParams, *, tail: float = DEFAULT_TAIL) -> SerialSolution:
    """Optimal echelon base-stock levels and cost of a serial chain (Clark-Scarf / Chen-Zheng).

    Symbols: S*_m echelon base-stock levels, C_m the recursion of the module
    docstring (equations there), h_m echelon and h'_m local holding costs, p the
    backorder cost, L_m lead times. Exact for integer demand up to the pmf
    truncation ``tail``; the levels are optimal among all policies when
    ``max_order`` never binds.

    Args:
        params: the chain.
        tail: pmf truncation (probability beyond the last value kept).

    Returns:
        A :class:`SerialSolution`.

    Example (Snyder & Shen, Example 6.1 with Poisson(5): their S* = {9, 15, 26},
    C* = 72.044 from a discretised recursion; here exact, mapped as in the
    module docstring with offset h'_2 mu = 4 * 5):
        >>> sol = serial_optimum(SerialParams())
        >>> sol.levels, round(sol.cost, 3), round(sol.cost + 4 * 5, 3)
        ((9, 15, 26), 52.047, 72.047)
    """
    return _recursion(params, None, tail)


def serial_echelon_cost(levels: Sequence[int], params: SerialParams, *, tail: float = DEFAULT_TAIL) -> float:
    """Exact long-run cost per period of the echelon base-stock policy S_1 .. S_M.

    C_M(S_M) of the module docstring's recursion with the given levels (the
    policy starts its recurrent regime once every position has reached its
    level; uncapped orders).

    Args:
        levels: integer echelon levels S_1 .. S_M >= 0 (stage 1 first).
        params: the chain.
        tail: pmf truncation.
    """
    lv = [int(x) for x in levels]
    if len(lv) != params.n_stages or any(x != y for x, y in zip(lv, levels)):
        raise ValueError(f"levels must be {params.n_stages} integers (one per stage), got {list(levels)}")
    return _recursion(params, lv, tail).cost


def serial_params_from_snyder_shen(
    *,
    echelon_holding_costs: Sequence[float],
    lead_times: Sequence[int],
    backorder_cost: float,
    demand: Distribution | str,
    **kwargs: Any,
) -> tuple[SerialParams, float]:
    """This model's parameters for a Snyder & Shen serial instance, and the cost offset.

    Their lead times (integers, stage 1 first, L_1 >= 1) become
    (L_1 - 1, L_2, .., L_M); their optimal cost is ``serial_optimum(params).cost
    + offset`` with offset = h'_2 mu (the extra period of transit into stage 1;
    0 when M = 1). The optimal levels are the same.

    Args:
        echelon_holding_costs: h_1 .. h_M (stage 1 first).
        lead_times: their L_1 .. L_M in periods.
        backorder_cost: p.
        demand: demand per period (their demand per time unit times the period length).
        **kwargs: other :class:`SerialParams` fields (e.g. ``max_order``).

    Returns:
        (params, offset).
    """
    lt = [int(x) for x in lead_times]
    if any(x != y for x, y in zip(lt, lead_times)) or len(lt) == 0 or lt[0] < 1 or min(lt) < 0:
        raise ValueError(f"lead_times must be integers >= 0 with L_1 >= 1, got {list(lead_times)}")
    if len(lt) != len(echelon_holding_costs):
        raise ValueError(
            f"lead_times and echelon_holding_costs must have one entry per stage, got {len(lt)} and "
            f"{len(echelon_holding_costs)}"
        )
    d = as_distribution(demand, name="demand")
    params = SerialParams.from_echelon(
        echelon_holding_costs=echelon_holding_costs,
        lead_times=[lt[0] - 1, *lt[1:]],
        backorder_cost=backorder_cost,
        demand=d,
        **kwargs,
    )
    offset = params.holding_costs[1] * d.mean if params.n_stages > 1 else 0.0
    return params, float(offset)


# ---------------------------------------------------------------------------
# Relative value iteration over the full state (small instances): a check
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SerialRVIResult:
    """Outcome of :func:`serial_relative_value_iteration`.

    Attributes:
        average_cost: optimal long-run cost per period (midpoint of the bounds).
        gain_bounds: (lower, upper) bounds on the optimal gain at stop.
        n_states: states kept (reachable from the empty chain and closed in the box).
        iterations: value-iteration sweeps.
    """

    average_cost: float
    gain_bounds: tuple[float, float]
    n_states: int
    iterations: int


def serial_relative_value_iteration(
    params: SerialParams,
    *,
    max_stock: int,
    max_backorder: int,
    max_states: int = 200_000,
    tol: float = 1e-9,
    max_iter: int = 100_000,
) -> SerialRVIResult:
    """Optimal average cost over all policies by relative value iteration on the full state.

    The state is the kernel's (on hand, backorders and pipeline of every stage);
    the actions are all order vectors in 0 .. ``max_order`` per stage; the
    transitions are the kernel's (:func:`inv_gym.serial.dynamics.serial_step`),
    so this checks the dynamics and the Clark-Scarf recursion at once. States
    are those reachable from the empty chain; an action is allowed only if no
    demand value leads outside the box (every on hand, pipeline slot and
    backorder <= ``max_stock`` / ``max_backorder``), and states without an
    allowed action are pruned. Restricting actions can only raise the optimal
    gain, so equality with the Clark-Scarf cost is a two-sided check when the
    box holds the optimal policy's recurrent states. An aperiodicity transform
    (tau = 1/2) is applied; the gain bounds are the span bounds of value
    iteration (Puterman 1994, Theorem 8.5.5).

    Args:
        params: a small chain (integer demand with few values).
        max_stock: box bound on every on hand and pipeline entry.
        max_backorder: box bound on every backorder.
        max_states: refuse larger state spaces (raise ValueError).
        tol: stop when the gain bounds are within ``tol``.
        max_iter: sweep limit.
    """
    from inv_gym.serial.dynamics import serial_initial_state, serial_kernel_arrays, serial_step

    values, probs = params.demand.pmf_table(1e-15)
    keep = probs > 0
    values, probs = values[keep], probs[keep]
    m = params.n_stages
    q = params.max_order
    actions = np.array(np.meshgrid(*[np.arange(q + 1)] * m, indexing="ij")).reshape(m, -1).T.astype(np.float64)
    na, nd = actions.shape[0], values.size
    arrays = serial_kernel_arrays(params)
    st0 = serial_initial_state(params, 1, np.zeros(m))
    width = st0.data.shape[1]
    oh_cols = np.arange(1, width, 2 + params.max_lead_time)
    bo_cols = oh_cols + 1
    pipe_cols = np.array([c for c in range(1, width) if c not in set(oh_cols) | set(bo_cols)], dtype=np.int64)

    def successors(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Next rows, costs and in-box flags for every (row, action, demand)."""
        n = rows.shape[0]
        data = np.repeat(rows, na * nd, axis=0)
        orders = np.tile(np.repeat(actions, nd, axis=0), (n, 1))
        dem = np.tile(values, n * na)
        from inv_gym.serial.dynamics import SerialState

        state = SerialState(data, m, params.max_lead_time)
        ev = serial_step(arrays, state, orders, dem)
        from inv_gym.serial.dynamics import serial_event_index

        cost = ev[:, serial_event_index(m)["cost"]]
        data[:, 0] = 0.0
        ok = (data[:, oh_cols] <= max_stock).all(axis=1) & (data[:, bo_cols] <= max_backorder).all(axis=1)
        if pipe_cols.size:
            ok &= (data[:, pipe_cols] <= max_stock).all(axis=1)
        return data, cost, ok

    # breadth-first search of the reachable box states
    index: dict[bytes, int] = {st0.data[0].tobytes(): 0}
    rows = [st0.data[0].copy()]
    frontier = [0]
    while frontier:
        nxt, _, ok = successors(np.array([rows[i] for i in frontier]))
        ok_action = ok.reshape(len(frontier), na, nd).all(axis=2)
        nxt = nxt.reshape(len(frontier), na, nd, width)
        new_frontier = []
        for fi in range(len(frontier)):
            for a in np.flatnonzero(ok_action[fi]):
                for j in range(nd):
                    key = nxt[fi, a, j].tobytes()
                    if key not in index:
                        index[key] = len(rows)
                        rows.append(nxt[fi, a, j].copy())
                        new_frontier.append(index[key])
                        if len(rows) > max_states:
                            raise ValueError(
                                f"more than max_states = {max_states} states; reduce max_stock, max_backorder or max_order"
                            )
        frontier = new_frontier
    all_rows = np.array(rows)
    ns = all_rows.shape[0]
    nxt, cost, ok = successors(all_rows)
    target = np.full(nxt.shape[0], -1, dtype=np.int64)
    for r in range(nxt.shape[0]):
        if ok[r]:
            target[r] = index.get(nxt[r].tobytes(), -1)
    target = target.reshape(ns, na, nd)
    cost = cost.reshape(ns, na, nd)
    alive = np.ones(ns, dtype=bool)
    while True:
        allowed = (target >= 0).all(axis=2) & np.where(target >= 0, alive[np.maximum(target, 0)], False).all(axis=2)
        new_alive = alive & allowed.any(axis=1)
        if (new_alive == alive).all():
            break
        alive = new_alive
    if not alive[0]:
        raise ValueError("the box holds no closed set of states; raise max_stock or max_backorder")
    expected = np.where(allowed, (cost * probs).sum(axis=2), np.inf)
    tgt = np.maximum(target, 0)
    h = np.zeros(ns)
    lo, hi = -math.inf, math.inf
    iterations = 0
    for _ in range(max_iter):
        iterations += 1
        cont = (h[tgt] * probs).sum(axis=2)
        tv = np.where(allowed, expected + cont, np.inf).min(axis=1)
        new = 0.5 * h + 0.5 * tv  # aperiodicity transform, same gain
        diff = (new - h)[alive]
        lo, hi = 2 * float(diff.min()), 2 * float(diff.max())
        h = np.where(alive, new - new[0], 0.0)
        if hi - lo < tol:
            break
    return SerialRVIResult(
        average_cost=0.5 * (lo + hi), gain_bounds=(lo, hi), n_states=int(alive.sum()), iterations=iterations
    )
