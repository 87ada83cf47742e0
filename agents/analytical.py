"""Optimal policies built from :mod:`inv_gym.analytic`, as policies that run in the envs.

``optimal_policy(params)`` solves the instance with the best exact method
(:func:`inv_gym.analytic.solve`) and returns the solution together with a bound
:class:`~agents.base.BasePolicy`: :class:`~agents.heuristics.BaseStock` for the
newsvendor and base-stock optima, :class:`~agents.heuristics.SS` for
Zheng-Federgruen, and the DP's policy table for DP instances (random lead times
included) and, for finite horizons, the time-dependent table of backward
induction (it reads the observation's ``period`` entry).
"""

from __future__ import annotations

from typing import Any

from agents.base import BasePolicy, as_policy
from agents.heuristics import SS, BaseStock
from inv_gym.analytic.solve import Solution, solve
from inv_gym.params import InventoryParams

__all__ = ["optimal_policy", "policy_from_solution"]


def policy_from_solution(solution: Solution, params: InventoryParams) -> BasePolicy:
    """The bound policy of a :class:`~inv_gym.analytic.solve.Solution`.

    Raises:
        ValueError: when the solution has no policy (no exact method applied).
    """
    pol: dict[str, Any] | None = solution.policy
    if pol is None:
        raise ValueError(f"no exact policy: {solution.reason}; try {solution.search}")
    family = pol["family"]
    if family == "base_stock":
        return BaseStock(pol["S"], params=params)
    if family == "ss":
        return SS(pol["s"], pol["S"], params=params)
    if family == "dual_sourcing_dp":
        from agents.dual_sourcing import DualSourcingDP

        return DualSourcingDP(solution.dp, params=params)
    if family == "dp":
        out = as_policy(solution.dp.policy(), params)
        out.family = "dp"
        return out
    raise ValueError(f"unknown policy family {family!r} in the solution")


def optimal_policy(params: InventoryParams, **solve_kwargs: Any) -> tuple[Solution, BasePolicy | None]:
    """(solution, policy) for an instance; the policy is None when no exact method applies.

    Example:
        >>> from inv_gym.presets import preset_params
        >>> sol, pol = optimal_policy(preset_params("inv_gym/BaseStock-v0"))
        >>> sol.method, pol
        ('base_stock', BaseStock(S=20.0))
    """
    solution = solve(params, **solve_kwargs)
    if solution.policy is None:
        return solution, None
    return solution, policy_from_solution(solution, params)
