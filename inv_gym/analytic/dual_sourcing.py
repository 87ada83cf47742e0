"""The exact optimum of dual sourcing: relative value iteration over the pipeline.

The model is the kernel's (:mod:`inv_gym.dynamics`, dual sourcing) with an
expedited lead time l_e = 0 and backorders. After the receipt of period t the
state is the net inventory I and the regular pipeline p = (p_1, ..., p_k),
k = l_r - 1 (p_j due in j periods; what is due in l_r periods is always empty at
that moment). The period: expedite q_e (received at once), raising the stock
before demand to y = I + q_e; order q_r (due in l_r periods); demand D; cost
``g(y - D) = h (y - D)^+ + b (y - D)^-``; receive p_1. With C_e(q) = K_e 1[q > 0]
+ c_e q and C_r(q) = K_r 1[q > 0] + c_r q the average-cost optimality equation is

.. math::

    \\lambda + V(I, p) = \\min_{y \\ge I,\\, q_r}\\; C_e(y - I) + C_r(q_r)
        + \\mathbb{E}\\big[g(y - D) + V(y - D + p_1, p_2, \\dots, p_k, q_r)\\big]

(for l_r = 1 the next state is y - D + q_r). The minimisation separates: with
J(z, p_2..p_k, q) = E V(z - D, p_2..p_k, q) and M(z, p_2..p_k) = min_q C_r(q) +
J(z, .., q), the expedite decision is a window minimum over y of
c_e y + E g(y - D) + M(y + p_1, p_2..p_k) (plus K_e when y > I), so one
iteration costs O(|states| (q_r,max + q_e,max + |D|)).

Truncation: I is kept in [I_lo, I_hi] (defaults: I_lo = -(l_r + 1) D_max,
I_hi = (l_r + 2) D_max + max_order), the
pipeline entries in 0 .. ``max_order`` (the model's own bound), y <= I_hi, and a
transition that leaves [I_lo, I_hi] is moved to the nearest end. The check: the
stationary distribution of the optimal policy puts ``boundary_mass`` (the
probability of a state at I_lo or I_hi, or of a clipped transition) below
``boundary_tol``; otherwise the solver refuses, naming the bound to widen. The
optimal average cost is then the stationary expectation of the period cost
under the optimal policy (``average_cost``), which equals the RVI gain.

Costs include the purchase costs c_r q_r + c_e q_e, as in Boettcher, Asikis &
Fragkos (2023), whose DP optima this solver reproduces to within 0.02% (theirs
lie 0.002-0.004 above, e.g. 23.073 against 23.0714 = 323/14 for the defaults;
their timing is the suite's: an order placed in period t with lead time l is
used against the demand of t + l, and the cost is charged on the inventory
after that period's demand).

Sizes: l_r = 2 solves in well under a second, l_r = 3 (max_order 10: 121
pipeline states) in about a second, l_r = 4 (1,331 pipeline states) in tens of
seconds (``benchmarks/bench_dual_sourcing.py``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from inv_gym.params import InventoryParams

__all__ = [
    "DualSourcingSolution",
    "solve_dual_sourcing",
    "evaluate_dual_sourcing_policy",
    "dual_sourcing_supported",
    "MAX_DUAL_STATES",
]

#: Largest state count the solver accepts (net inventory levels x pipeline states).
MAX_DUAL_STATES = 3_000_000


@dataclass(frozen=True)
class DualSourcingSolution:
    """The optimum of :func:`solve_dual_sourcing`.

    Attributes:
        average_cost: optimal expected cost per period (stationary, exact on the grid).
        gain: the relative value iteration's gain (equals ``average_cost`` at convergence).
        inventory_range: (I_lo, I_hi), the net inventory grid.
        pipeline_states: number of regular pipeline states ((max_order + 1)^(l_r - 1)).
        boundary_mass: stationary probability of a boundary state or clipped transition.
        iterations: value-iteration sweeps.
        seconds: wall time.
        expedite_to: (n_I, n_pipe) optimal y = I + q_e for every state.
        regular_order: (n_I, n_pipe) optimal q_r for every state.
        stationary: (n_I, n_pipe) stationary distribution of the optimal policy.
        mean_expedited: E[q_e] per period under the optimal policy.
        max_order: the regular order bound (pipeline entries are 0 .. max_order).
        lead_time: l_r (the observation has l_r pipeline entries).
    """

    average_cost: float
    gain: float
    inventory_range: tuple[int, int]
    pipeline_states: int
    boundary_mass: float
    iterations: int
    seconds: float
    expedite_to: np.ndarray = field(repr=False)
    regular_order: np.ndarray = field(repr=False)
    stationary: np.ndarray = field(repr=False)
    mean_expedited: float = 0.0
    max_order: int = 0
    lead_time: int = 1

    def to_dict(self) -> dict[str, Any]:
        """The scalar figures (JSON-friendly)."""
        return {
            "average_cost": self.average_cost,
            "gain": self.gain,
            "inventory_range": list(self.inventory_range),
            "pipeline_states": self.pipeline_states,
            "boundary_mass": self.boundary_mass,
            "iterations": self.iterations,
            "seconds": self.seconds,
            "mean_expedited": self.mean_expedited,
        }

    def policy(self) -> Callable[[np.ndarray], np.ndarray]:
        """``act(obs (N, d)) -> (N, 2)`` orders (q_r, q_e) of the optimal policy (raw observations)."""
        n_pipe = self.lead_time

        def act(obs: np.ndarray) -> np.ndarray:
            obs = np.asarray(obs)
            q_r, q_e = self.action(obs[:, 0], obs[:, 1 : 1 + n_pipe])
            return np.stack([q_r, q_e], axis=1)

        return act

    def action(self, inventory: np.ndarray, pipeline: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Optimal (q_r, q_e) for observed net inventories (N,) and pipelines (N, l_r).

        Inventories outside the grid are clamped to it (the policy's value there
        is the boundary's; the stationary check says how rarely that matters).
        """
        lo, hi = self.inventory_range
        inv = np.clip(np.rint(np.asarray(inventory, dtype=np.float64)), lo, hi).astype(np.int64)
        pipe = np.rint(np.asarray(pipeline, dtype=np.float64)).astype(np.int64)
        k = pipe.shape[1] - 1  # the last column (due in l_r periods) is empty when observed
        width = self.max_order + 1
        idx = np.zeros(inv.shape[0], dtype=np.int64)
        for j in range(k):
            idx = idx * width + np.clip(pipe[:, j], 0, width - 1)
        row = inv - lo
        y = self.expedite_to[row, idx]
        return self.regular_order[row, idx].astype(np.float64), (y - inv).astype(np.float64)


def dual_sourcing_supported(params: InventoryParams) -> str | None:
    """None when :func:`solve_dual_sourcing` applies to ``params``, else the reason."""
    if not params.dual_sourcing:
        return "no expedited source (expedited_lead_time is None)"
    if params.expedited_lead_time != 0:
        return f"the exact solver handles expedited_lead_time = 0, got {params.expedited_lead_time}"
    if params.lost_sales:
        return "the exact solver handles backorders (stockout='backorder')"
    if params.perishable or params.capacity is not None:
        return "the exact solver handles non-perishable stock without a capacity"
    d = params.demand
    if not getattr(d, "discrete", False) or not math.isfinite(float(d.ppf(1.0))):
        return "the exact solver needs a discrete demand with finite support"
    return None


def _demand_pmf(params: InventoryParams) -> tuple[np.ndarray, np.ndarray]:
    """Integer demand values and probabilities (finite support)."""
    d = params.demand
    hi = int(d.support_max(0.0))
    values = np.arange(0, hi + 1)
    probs = np.asarray(d.pmf(values), dtype=np.float64)
    keep = probs > 0
    values, probs = values[keep], probs[keep]
    return values, probs / probs.sum()


def solve_dual_sourcing(
    params: InventoryParams,
    *,
    inventory_range: tuple[int, int] | None = None,
    tol: float = 1e-9,
    max_iter: int = 20_000,
    boundary_tol: float = 1e-6,
) -> DualSourcingSolution:
    """Optimal dual-sourcing policy and cost by relative value iteration (l_e = 0).

    Args:
        params: a dual-sourcing model (``expedited_lead_time = 0``, backorders,
            integer demand with finite support). ``max_order`` bounds q_r and the
            pipeline entries, ``max_expedited_order`` bounds q_e.
        inventory_range: (I_lo, I_hi), the net inventory grid (default:
            I_lo = -(l_r + 1) D_max, I_hi = (l_r + 2) D_max + max_order).
        tol: stop when the span of V_{n+1} - V_n is below ``tol`` times (1 + gain).
        max_iter: most sweeps.
        boundary_tol: largest accepted stationary boundary mass.

    Returns:
        The :class:`DualSourcingSolution`.

    Raises:
        ValueError: the model is not supported (naming why), the state space is
            larger than :data:`MAX_DUAL_STATES` (naming the size), or the boundary
            mass exceeds ``boundary_tol`` (naming ``inventory_range``).

    >>> from inv_gym.presets import preset_params
    >>> round(solve_dual_sourcing(preset_params("inv_gym/DualSourcing-v0")).average_cost, 3)
    23.071
    """
    reason = dual_sourcing_supported(params)
    if reason is not None:
        raise ValueError(f"solve_dual_sourcing: {reason}")
    t0 = time.perf_counter()
    values, probs = _demand_pmf(params)
    dmax = int(values.max())
    l_r = int(params.lead_time)  # type: ignore[arg-type]
    k = l_r - 1
    qr_max, qe_max = int(params.max_order), int(params.expedited_max)
    if inventory_range is None:
        inventory_range = (-(l_r + 1) * dmax, (l_r + 2) * dmax + qr_max)
    lo, hi = (int(inventory_range[0]), int(inventory_range[1]))
    if not lo < 0 < hi:
        raise ValueError(f"inventory_range must satisfy I_lo < 0 < I_hi, got {inventory_range}")
    n_i = hi - lo + 1
    width = qr_max + 1
    n_pipe = width**k
    n_states = n_i * n_pipe
    if n_states > MAX_DUAL_STATES:
        raise ValueError(
            f"the dual-sourcing state space has {n_states:,} states (net inventory {n_i} x pipeline "
            f"{width}^{k}) > {MAX_DUAL_STATES:,}; lower max_order or lead_time, or narrow inventory_range"
        )
    c_r, k_r = params.unit_cost, params.fixed_order_cost
    c_e, k_e = params.expedited_unit_cost, params.expedited_fixed_cost
    grid = _Grid(params, values, probs, lo, hi, k, width)
    g_y = grid.g_y
    q_r = np.arange(width, dtype=np.float64)
    c_q = c_r * q_r + k_r * (q_r > 0)
    # index of clip(z - d) for each grid z (rows) and demand value (cols)
    down = np.clip(np.arange(n_i)[:, None] - values[None, :], 0, n_i - 1)
    # y window: y = I + q_e, q_e in 0..qe_max, y <= hi
    win = np.arange(n_i)[:, None] + np.arange(qe_max + 1)[None, :]
    win_ok = win <= n_i - 1
    win = np.minimum(win, n_i - 1)
    k_win = np.where(np.arange(qe_max + 1) > 0, k_e, 0.0)[None, :] + c_e * np.arange(qe_max + 1)[None, :]

    def m_of(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """M(z, rest) and its argmin q_r, shapes (n_i, width^(k-1)) (k >= 1) or (n_i,) (k = 0)."""
        # J(z, rest, q) = E V(clip(z - D), rest, q)
        vv = v.reshape(n_i, -1)
        ej = (probs[None, :, None] * vv[down]).sum(axis=1)  # (n_i, n_pipe)
        if k == 0:
            # next I = y - D + q_r: M(y) = min_q C_r(q) + EJ(clip(y + q))
            idx = np.minimum(np.arange(n_i)[:, None] + np.arange(width)[None, :], n_i - 1)
            tot = ej[idx, 0] + c_q[None, :]
            arg = tot.argmin(axis=1)
            return tot[np.arange(n_i), arg], arg
        ej = ej.reshape(n_i, width ** (k - 1), width) + c_q[None, None, :]
        arg = ej.argmin(axis=2)
        return np.take_along_axis(ej, arg[..., None], axis=2)[..., 0], arg

    def f_of(m: np.ndarray) -> np.ndarray:
        """F(y, p_1, rest) = G(y) + M(clip(y + p_1), rest), shape (n_i, n_pipe)."""
        if k == 0:
            return (g_y + m)[:, None]
        p1 = np.arange(width)
        idx = np.minimum(np.arange(n_i)[:, None] + p1[None, :], n_i - 1)  # (y, p1)
        f = m[idx]  # (n_i, width, width^(k-1))
        return g_y[:, None] + f.reshape(n_i, n_pipe)

    def bellman(v: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        m, arg_q = m_of(v)
        f = f_of(m)  # (y, pipe)
        tot = f[win] + k_win[:, :, None]  # (I, q_e, pipe)
        tot = np.where(win_ok[:, :, None], tot, np.inf)
        best = tot.argmin(axis=1)  # (I, pipe)
        new = np.take_along_axis(tot, best[:, None, :], axis=1)[:, 0, :]
        return new, best, arg_q

    v = np.zeros((n_i, n_pipe))
    gain = 0.0
    sweeps = 0
    for sweeps in range(1, max_iter + 1):  # noqa: B007  (the count is reported)
        new, _, _ = bellman(v)
        diff = new - v
        gain_lo, gain_hi = float(diff.min()), float(diff.max())
        gain = 0.5 * (gain_lo + gain_hi)
        v = new - new[-lo, 0]  # relative to the state I = 0, empty pipeline
        if gain_hi - gain_lo < tol * (1.0 + abs(gain)):
            break
    else:
        raise ValueError(f"relative value iteration did not converge in max_iter={max_iter} sweeps")
    _, best, arg_q = bellman(v)
    y_idx = np.minimum(np.arange(n_i)[:, None] + best, n_i - 1)  # (I, pipe) grid index of y (win_ok: <= hi)
    # optimal q_r at each state: argmin of M at (y + p_1, rest)
    pipe = np.arange(n_pipe)
    if k == 0:
        regular = arg_q[y_idx]
    else:
        p1 = pipe // (width ** (k - 1))
        rest = pipe % (width ** (k - 1))
        z_idx = np.minimum(y_idx + p1[None, :], n_i - 1)
        regular = arg_q[z_idx, np.broadcast_to(rest, z_idx.shape)]
    pi2, average, boundary = grid.stationary_cost(y_idx, regular, best)
    if boundary > boundary_tol:
        raise ValueError(
            f"stationary boundary mass {boundary:.2e} > boundary_tol={boundary_tol:g} on the net inventory grid "
            f"[{lo}, {hi}]; widen inventory_range"
        )
    return DualSourcingSolution(
        average_cost=average,
        gain=gain,
        inventory_range=(lo, hi),
        pipeline_states=n_pipe,
        boundary_mass=boundary,
        iterations=sweeps,
        seconds=time.perf_counter() - t0,
        expedite_to=(y_idx + lo).astype(np.int64),
        regular_order=regular.astype(np.int64),
        stationary=pi2,
        mean_expedited=float((pi2 * best).sum()),
        max_order=qr_max,
        lead_time=l_r,
    )


class _Grid:
    """The truncated state space: net inventory lo..hi times the regular pipeline (k entries)."""

    def __init__(
        self, params: InventoryParams, values: np.ndarray, probs: np.ndarray, lo: int, hi: int, k: int, width: int
    ) -> None:
        self.params, self.values, self.probs = params, values, probs
        self.lo, self.hi, self.k, self.width = lo, hi, k, width
        self.n_i = hi - lo + 1
        self.n_pipe = width**k
        # G(y) = E g(y - D) = E[h (y - D)^+ + b (y - D)^-] for every grid level y
        after = np.arange(lo, hi + 1, dtype=np.float64)[:, None] - values[None, :]
        h, b = params.holding_cost, params.backorder_cost
        self.g_y = (probs[None, :] * (h * np.maximum(after, 0.0) + b * np.maximum(-after, 0.0))).sum(axis=1)

    def pipes(self) -> np.ndarray:
        """(n_pipe, k) pipeline entries (p_1 .. p_k) of each pipeline index."""
        idx = np.arange(self.n_pipe)
        cols = [(idx // self.width ** (self.k - 1 - j)) % self.width for j in range(self.k)]
        return np.stack(cols, axis=1) if cols else np.zeros((self.n_pipe, 0), dtype=np.int64)

    def stationary_cost(
        self, y_idx: np.ndarray, regular: np.ndarray, q_e: np.ndarray
    ) -> tuple[np.ndarray, float, float]:
        """(stationary distribution, average cost, boundary mass) of a policy on the grid.

        ``y_idx`` (n_i, n_pipe): grid index of y = I + q_e; ``regular``: q_r;
        ``q_e``: the expedited orders. The chain starts at I = 0 with an empty pipeline
        (the env's start) and the limiting distribution from there is returned.
        """
        p, n_i, n_pipe, k, width = self.params, self.n_i, self.n_pipe, self.k, self.width
        n_states = n_i * n_pipe
        g_y = self.g_y
        pipe = np.arange(n_pipe)
        p1 = pipe // (width ** (k - 1)) if k > 0 else np.zeros(n_pipe, dtype=np.int64)
        rest = pipe % (width ** (k - 1)) if k > 0 else np.zeros(n_pipe, dtype=np.int64)
        rows, cols, data, clipped = [], [], [], np.zeros((n_i, n_pipe))
        state = np.arange(n_states).reshape(n_i, n_pipe)
        for d, pd in zip(self.values, self.probs):
            if k == 0:
                z = y_idx - d + regular
                new_pipe = np.zeros_like(z)
            else:
                z = y_idx - d + p1[None, :]
                new_pipe = np.broadcast_to(rest * width, y_idx.shape) + regular
            out = (z < 0) | (z > n_i - 1)
            clipped += pd * out
            z = np.clip(z, 0, n_i - 1)
            rows.append(state.ravel())
            cols.append((z * n_pipe + new_pipe).ravel())
            data.append(np.full(n_states, pd))
        trans = sparse.csr_matrix(
            (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))), shape=(n_states, n_states)
        )
        c_e, k_e = p.expedited_unit_cost, p.expedited_fixed_cost
        c_r, k_r = p.unit_cost, p.fixed_order_cost
        cost = g_y[y_idx] + c_e * q_e + k_e * (q_e > 0) + c_r * regular + k_r * (regular > 0)
        start = np.zeros(n_states)
        start[state[-self.lo, 0]] = 1.0
        pi = _stationary(trans, start).reshape(n_i, n_pipe)
        boundary = float(pi[0].sum() + pi[-1].sum() + (pi * clipped).sum())
        return pi, float((pi * cost).sum()), boundary


def evaluate_dual_sourcing_policy(
    policy: Any,
    params: InventoryParams,
    *,
    inventory_range: tuple[int, int] | None = None,
    boundary_tol: float = 1e-6,
) -> tuple[float, float]:
    """Exact long-run average cost of a stationary dual-sourcing policy: (cost, boundary mass).

    The policy (anything with ``act(obs (N, d)) -> (N, 2)`` orders, bound to
    ``params``) is asked for its orders in every state of the truncated grid of
    :func:`solve_dual_sourcing`; the Markov chain it induces is started at the
    env's start (I = 0, nothing on order) and its limiting distribution gives the
    expected cost per period. A state's y = I + q_e above I_hi is cut to I_hi and
    counted in the boundary mass, which must stay below ``boundary_tol``.

    Raises:
        ValueError: unsupported model, or the boundary mass is too large (naming
            ``inventory_range``).
    """
    reason = dual_sourcing_supported(params)
    if reason is not None:
        raise ValueError(f"evaluate_dual_sourcing_policy: {reason}")
    values, probs = _demand_pmf(params)
    dmax = int(values.max())
    l_r = int(params.lead_time)  # type: ignore[arg-type]
    width = int(params.max_order) + 1
    if inventory_range is None:
        inventory_range = (-(l_r + 1) * dmax, (l_r + 2) * dmax + int(params.max_order))
    lo, hi = int(inventory_range[0]), int(inventory_range[1])
    grid = _Grid(params, values, probs, lo, hi, l_r - 1, width)
    inv = np.repeat(np.arange(lo, hi + 1), grid.n_pipe)
    pipes = np.tile(grid.pipes(), (grid.n_i, 1))
    obs = np.zeros((inv.size, params.obs_dim), dtype=np.float32)
    obs[:, 0] = inv
    obs[:, 1 : 1 + grid.k] = pipes
    act = policy.bind(params) if hasattr(policy, "bind") else policy
    if hasattr(act, "reset"):
        act.reset(inv.size)
    orders = np.asarray(act.act(obs), dtype=np.float64).reshape(inv.size, 2)
    q_r = orders[:, 0].astype(np.int64).reshape(grid.n_i, grid.n_pipe)
    y = inv + orders[:, 1].astype(np.int64)
    over = (y > hi).reshape(grid.n_i, grid.n_pipe)
    y_idx = (np.minimum(y, hi) - lo).reshape(grid.n_i, grid.n_pipe)
    q_e = orders[:, 1].reshape(grid.n_i, grid.n_pipe)
    pi, cost, boundary = grid.stationary_cost(y_idx, q_r, q_e)
    boundary += float((pi * over).sum())
    if boundary > boundary_tol:
        raise ValueError(
            f"stationary boundary mass {boundary:.2e} > boundary_tol={boundary_tol:g} on the net inventory grid "
            f"[{lo}, {hi}]; widen inventory_range"
        )
    return cost, boundary


def _stationary(trans: sparse.csr_matrix, start: np.ndarray, tol: float = 1e-13, max_iter: int = 100_000) -> np.ndarray:
    """The stationary distribution pi = pi P by power iteration from ``start``."""
    pi = start / start.sum()
    tt = trans.T.tocsr()
    for _ in range(max_iter):
        nxt = tt @ pi
        if np.abs(nxt - pi).sum() < tol:
            return nxt / nxt.sum()
        pi = nxt
    raise ValueError(f"the stationary distribution did not converge in {max_iter} power iterations")
