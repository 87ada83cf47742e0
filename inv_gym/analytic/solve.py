"""Pick the best exact method for an instance and report its optimum.

:func:`solve` looks at the parameters and applies, in order:

1. **newsvendor** (one period, ``finite_horizon`` with ``horizon = 1``, L = 0, nothing
   on hand): the integer order Q maximising the exact expected reward
   ``r E[D] - (r + u) E[(D - Q)^+] + (v - h) E[(Q - D)^+] - c Q - K 1[Q > 0]``
   (u the shortage cost per unit: p, or b under backorders), found next to
   the critical fractile F^{-1}((r + u - c) / (r + u - v + h)).
2. **base_stock** (backorders, fixed lead time, K = 0, no capacity, shelf life or
   one-outstanding rule, integer demand): S* is the b / (b + h) quantile of the
   (L + 1)-period demand, cost ``h E[(S - D^{(L+1)})^+] + b E[(D^{(L+1)} - S)^+]``
   (exact for the suite's convention).
3. **zheng_federgruen** (as 2. but K > 0): the exact optimal (s, S) of Zheng &
   Federgruen (1991).
4. **dp**: relative value iteration (:func:`inv_gym.analytic.dp.solve_dp`) for
   other small discrete instances: lost sales, perishables, capacity, and
   random lead times (with one outstanding order or crossing orders) over the
   state the agent observes.
5. **dual_sourcing_dp** (an expedited source, ``expedited_lead_time = 0``,
   backorders, finite integer demand): relative value iteration over the net
   inventory and the regular pipeline
   (:func:`inv_gym.analytic.dual_sourcing.solve_dual_sourcing`).
6. **backward_induction** (finite horizons longer than one period, integer
   demand): :func:`inv_gym.analytic.finite_horizon.solve_finite_horizon`, the
   optimal time-dependent policy and the expected total cost from the initial
   state (``average_cost`` is that total over the horizon's periods).

Costs include the purchase cost c per unit (in the long run c E[D] per period
under backorders). Where no exact method applies (renewal demand, continuous
demand outside the newsvendor, state spaces too large), :func:`solve` says so
and names the simulation-based search that does apply (``inv-gym search``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from inv_gym.analytic.base_stock import base_stock_cost, base_stock_level
from inv_gym.analytic.newsvendor import expected_excess, expected_shortage, newsvendor_order_quantity
from inv_gym.analytic.ss import ss_optimal_policy
from inv_gym.distributions import RenewalDemand
from inv_gym.params import InventoryParams

__all__ = ["Solution", "solve", "suggest_search", "policy_structure", "evaluate_exact"]


@dataclass(frozen=True)
class Solution:
    """The outcome of :func:`solve`.

    Attributes:
        method: ``"newsvendor"``, ``"base_stock"``, ``"zheng_federgruen"``, ``"dp"``,
            ``"backward_induction"`` or ``None`` when no exact method applies.
        policy: the optimal policy as ``{"family": ..., parameters...}`` (None if no method).
        average_cost: optimal expected cost per period (negative profit in priced
            models; for finite horizons the expected total cost / the horizon).
        exact: True when the method is exact for the suite's discrete model.
        details: extra figures (e.g. ``expected_profit``, DP state count and bounds).
        reason: why no exact method applies (when ``method`` is None).
        search: the ``inv-gym search`` command that applies instead.
        dp: the :class:`~inv_gym.analytic.dp.DPResult` (method ``dp``) or
            :class:`~inv_gym.analytic.finite_horizon.FiniteHorizonResult`
            (``backward_induction``).
    """

    method: str | None
    policy: dict[str, Any] | None
    average_cost: float | None
    exact: bool = True
    details: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    search: str | None = None
    dp: Any = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly: ``method``, ``policy``, ``average_cost`` (+ details)."""
        out: dict[str, Any] = {"method": self.method, "policy": self.policy, "average_cost": self.average_cost}
        out["exact"] = self.exact
        if self.details:
            out["details"] = self.details
        if self.reason:
            out["reason"] = self.reason
        if self.search:
            out["search"] = self.search
        return out


def _integer_demand(params: InventoryParams) -> bool:
    return bool(params.demand.discrete) and not isinstance(params.demand, RenewalDemand)


def suggest_search(params: InventoryParams, env_id: str = "ENV_ID") -> str:
    """The ``inv-gym search`` command suited to an instance without an exact method."""
    mean = params.demand.mean * (params.mean_lead_time + 1)
    hi = int(math.ceil(min(params.max_order, 3 * mean + 10)))
    if params.finite_horizon:
        top = int(params.capacity) if params.capacity is not None else hi
        return f'inv-gym search {env_id} --family periodic --grid "T=1:10,S={top}"'
    if params.fixed_order_cost > 0:
        return f'inv-gym search {env_id} --family ss --grid "s=0:{hi},S=1:{hi + int(params.max_order // 2)}"'
    return f'inv-gym search {env_id} --family base_stock --grid "S=0:{hi}"'


def _newsvendor(params: InventoryParams) -> Solution:
    d = params.demand
    r, c, v, h, k = params.price, params.unit_cost, params.salvage_value, params.holding_cost, params.fixed_order_cost
    u = params.backorder_cost if not params.lost_sales else params.lost_sales_cost
    under, over = r + u - c, c - v + h
    if under > 0 and over <= 0:
        raise ValueError(
            "unit_cost + holding_cost - salvage_value must be > 0 for a finite newsvendor optimum (a unit left "
            f"over must cost something), got {c:g} + {h:g} - {v:g} = {over:g}"
        )
    if under <= 0:
        q_star = 0.0
    else:
        q_star = newsvendor_order_quantity(demand=d, holding_cost=max(over, 0.0), backorder_cost=under)
    candidates = sorted({0.0, *(float(x) for x in (math.floor(q_star), math.ceil(q_star)))})
    candidates = [q for q in candidates if 0 <= q <= params.max_order] or [float(params.max_order)]

    def reward(q: float) -> float:
        short = float(expected_shortage(demand=d, level=q))
        excess = float(expected_excess(demand=d, level=q))
        return r * d.mean - (r + u) * short + (v - h) * excess - c * q - (k if q > 0 else 0.0)

    best = max(candidates, key=reward)
    profit = float(reward(best))
    return Solution(
        method="newsvendor",
        policy={"family": "base_stock", "S": int(best)},
        average_cost=-profit,
        details={"expected_profit": profit, "critical_fractile_quantity": float(q_star)},
    )


def solve(params: InventoryParams, *, env_id: str = "ENV_ID", dp_kwargs: dict[str, Any] | None = None) -> Solution:
    """The optimum of an instance by the best exact method (see the module docstring).

    Args:
        params: the instance.
        env_id: used in the suggested search command when no method applies.
        dp_kwargs: extra keyword arguments for :func:`~inv_gym.analytic.dp.solve_dp`.

    Returns:
        A :class:`Solution`.

    Example (Zheng & Federgruen 1991, mu = 10):
        >>> from inv_gym.presets import preset_params
        >>> sol = solve(preset_params("inv_gym/Qr-v0"))
        >>> sol.method, sol.policy, round(sol.average_cost, 3)
        ('zheng_federgruen', {'family': 'ss', 's': 6, 'S': 40}, 35.022)
    """
    p = params
    if isinstance(p.demand, RenewalDemand):
        return Solution(
            None, None, None, False, reason="renewal demand is not i.i.d.", search=suggest_search(p, env_id)
        )
    if p.dual_sourcing and not p.finite_horizon:
        return _dual_sourcing(p, env_id)
    if p.finite_horizon:
        if p.horizon == 1 and not p.random_lead_time and p.lead_time == 0 and p.initial_inventory == 0:
            return _newsvendor(p)
        return _backward_induction(p, env_id)
    simple_backorder = (
        not p.lost_sales
        and not p.random_lead_time
        and p.capacity is None
        and not p.perishable
        and not p.one_outstanding
        and p.price == 0
        and _integer_demand(p)
    )
    L = p.max_lead_time
    purchase = p.unit_cost * p.demand.mean
    if simple_backorder and p.fixed_order_cost == 0:
        level = base_stock_level(
            demand=p.demand, holding_cost=p.holding_cost, backorder_cost=p.backorder_cost, lead_time=L
        )
        cost = base_stock_cost(
            demand=p.demand, holding_cost=p.holding_cost, backorder_cost=p.backorder_cost, lead_time=L, level=level
        )
        return Solution(
            method="base_stock",
            policy={"family": "base_stock", "S": int(round(level))},
            average_cost=float(cost + purchase),
            details={"purchase_cost": float(purchase)},
        )
    if simple_backorder:
        sol = ss_optimal_policy(
            demand=p.demand,
            fixed_order_cost=p.fixed_order_cost,
            holding_cost=p.holding_cost,
            backorder_cost=p.backorder_cost,
            lead_time=L,
        )
        details: dict[str, Any] = {"purchase_cost": float(purchase)}
        widest = sol.S - sol.s + p.demand.support_max(1e-6)
        if widest > p.max_order:
            details["note"] = (
                f"orders of up to {widest} units can occur but max_order is {p.max_order}; "
                "the env's capped optimum may cost slightly more"
            )
        return Solution(
            method="zheng_federgruen",
            policy={"family": "ss", "s": int(sol.s), "S": int(sol.S)},
            average_cost=float(sol.cost + purchase),
            details=details,
        )
    if not _integer_demand(p):
        return Solution(
            None,
            None,
            None,
            False,
            reason="the DP needs integer demand (wrap a continuous law in round(...))",
            search=suggest_search(p, env_id),
        )
    from inv_gym.analytic.dp import solve_dp

    try:
        res = solve_dp(p, **(dp_kwargs or {}))
    except ValueError as exc:
        return Solution(None, None, None, False, reason=f"DP not applicable: {exc}", search=suggest_search(p, env_id))
    policy: dict[str, Any] = {"family": "dp", "n_states": int(res.n_states)}
    details: dict[str, Any] = {
        "n_states": int(res.n_states),
        "iterations": int(res.iterations),
        "gain_bounds": [float(x) for x in np.asarray(res.gain_bounds).ravel()],
        "boundary_mass": float(res.boundary_mass),
        "max_inventory": res.max_inventory,
        "max_backorder": res.max_backorder,
    }
    structure = policy_structure(res.states, res.policy_table, p)
    if structure is not None:
        policy["structure"] = structure["text"]
        details["structure"] = structure
    return Solution(method="dp", policy=policy, average_cost=float(res.average_cost), details=details, dp=res)


def _dual_sourcing(p: InventoryParams, env_id: str) -> Solution:
    """The dual-sourcing optimum (relative value iteration), or why it does not apply."""
    from inv_gym.analytic.dual_sourcing import solve_dual_sourcing

    try:
        res = solve_dual_sourcing(p)
    except ValueError as exc:
        search = f"inv-gym search {env_id} --family capped_dual_index --grid z_e=0:10,z_r=0:30,u=0:10"
        return Solution(None, None, None, False, reason=f"dual-sourcing DP not applicable: {exc}", search=search)
    policy = {"family": "dual_sourcing_dp", "n_states": int(res.stationary.size)}
    return Solution(
        method="dual_sourcing_dp", policy=policy, average_cost=res.average_cost, details=res.to_dict(), dp=res
    )


def policy_structure(states: np.ndarray, table: np.ndarray, params: InventoryParams) -> dict[str, Any] | None:
    """Whether an optimal order table is an (s, S) policy where an order may be placed.

    Looks at the states with nothing on order (the only ones where an order can
    be placed under ``one_outstanding``; all states otherwise need an empty
    pipeline to be comparable) and checks q(x) = (S - x) 1[x <= s] on the net
    inventory x, except where the order is capped at ``max_order``.

    Returns:
        ``{"s", "S", "text", "capped_below"}`` (``capped_below``: the largest x
        at which the order is capped at ``max_order``, or None), or None when
        the table has no such structure or no empty-pipeline states.
    """
    empty = np.all(states[:, 1:] == 0, axis=1) if states.shape[1] > 1 else np.ones(states.shape[0], dtype=bool)
    if params.perishable or not empty.any():
        return None
    x, q = states[empty, 0], table[empty]
    order = np.argsort(x)
    x, q = x[order], q[order]
    ordering = q > 0
    if not ordering.any() or ordering.all():
        return None
    s = int(x[ordering].max())
    capped = q == params.max_order
    levels = np.unique((x + q)[ordering & ~capped])
    if levels.size != 1 or np.any(ordering != (x <= s)):
        return None
    big_s = int(levels[0])
    if np.any(capped & (x + params.max_order > big_s)):
        return None
    capped_below = int(x[capped].max()) if capped.any() else None
    text = f"(s, S) = ({s}, {big_s}) on the net inventory when nothing is on order"
    if capped_below is not None:
        text += f" (orders capped at max_order = {params.max_order} below {capped_below + 1})"
    return {"s": s, "S": big_s, "text": text, "capped_below": capped_below}


def _backward_induction(p: InventoryParams, env_id: str) -> Solution:
    """Backward induction for finite horizons longer than one period."""

    def no_method(reason: str) -> Solution:
        return Solution(None, None, None, False, reason=reason, search=suggest_search(p, env_id))

    if not _integer_demand(p):
        return no_method("backward induction needs integer demand (wrap a continuous law in round(...))")
    from inv_gym.analytic.finite_horizon import solve_finite_horizon

    try:
        res = solve_finite_horizon(p)
    except ValueError as exc:
        return no_method(f"backward induction not applicable: {exc}")
    details: dict[str, Any] = {
        "total_cost": float(res.total_cost),
        "horizon": int(p.horizon),
        "n_states": int(res.n_states),
        "boundary_mass": float(res.boundary_mass),
        "max_inventory": res.max_inventory,
        "max_backorder": res.max_backorder,
        "expected_totals": {k: float(v) for k, v in res.evaluation.metrics.items()},
    }
    policy = {"family": "dp", "n_states": int(res.n_states), "time_dependent": True}
    return Solution(
        method="backward_induction", policy=policy, average_cost=float(res.average_cost), details=details, dp=res
    )


#: Exact quantities behind the evaluator's metrics (:data:`inv_gym.evaluation.METRICS`).
_EXACT_METRICS: dict[str, str] = {
    "units_ordered": "ordered",
    "orders_placed": "order_placed",
    "lost_units": "lost",
    "average_on_hand": "on_hand",
    "average_backorders": "backorders",
    "expired_units": "expired",
    "overflow_units": "overflow",
    "demand": "demand",
    "zero_stock_periods": "zero_stock",
    "demand_on_zero_stock_periods": "zero_stock_demand",
}


def evaluate_exact(
    policy: Any, params: InventoryParams, *, cycle: int | None = None, **kwargs: Any
) -> dict[str, float]:
    """Exact values of the evaluator's metrics for a policy, by the chain of the DP.

    Finite-horizon models: forward propagation of the state distribution
    (:func:`~inv_gym.analytic.finite_horizon.evaluate_policy_finite_horizon`);
    ``cost_per_episode`` is the expected total, the other metrics are per
    period (totals / T). Infinite-horizon models: the long-run averages of
    :func:`~inv_gym.analytic.dp.evaluate_policy_dp` (``cycle``: a counting
    periodic-review policy's review period). ``fill_rate`` is E[sold] / E[demand].

    Args:
        policy: anything with ``act(obs)`` (bound and reset when it can be), or a callable.
        params: the instance (integer demand).
        cycle: the policy's cycle in periods (long run only).
        **kwargs: passed on (bounds, ``boundary_tol``, ``strict``).

    Returns:
        ``{metric: value}`` for ``cost_per_period``, ``cost_per_episode``
        (finite horizons), ``fill_rate`` and the metrics of ``_EXACT_METRICS``,
        plus ``boundary_mass``.
    """
    expect = (*_EXACT_METRICS.values(), "sold")
    if params.finite_horizon:
        from inv_gym.analytic.finite_horizon import evaluate_policy_finite_horizon

        fh = evaluate_policy_finite_horizon(policy, params, expect=expect, **kwargs)
        per = {k: v / params.horizon for k, v in fh.metrics.items()}
        out = {"cost_per_period": fh.average_cost, "cost_per_episode": fh.total_cost}
        bmass = fh.boundary_mass
    else:
        from inv_gym.analytic.dp import evaluate_policy_dp

        ev = evaluate_policy_dp(policy, params, cycle=cycle, expect=expect, **kwargs)
        per = ev.metrics
        out = {"cost_per_period": ev.average_cost}
        bmass = ev.boundary_mass
    out["fill_rate"] = per["sold"] / per["demand"] if per["demand"] > 0 else 1.0
    out.update({name: float(per[key]) for name, key in _EXACT_METRICS.items()})
    out["boundary_mass"] = float(bmass)
    return out
