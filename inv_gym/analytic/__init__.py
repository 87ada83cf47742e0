"""Closed forms and exact solvers for the suite's models.

* :mod:`~inv_gym.analytic.eoq`: EOQ, EOQ with planned backorders, Hopp & Spearman's form.
* :mod:`~inv_gym.analytic.newsvendor`: cost and priced newsvendor for every demand law;
  the (L + 1)-period demand (a normal approximation for renewal demand).
* :mod:`~inv_gym.analytic.base_stock`: exact periodic-review base stock; Hopp & Spearman's
  continuous-review formulas.
* :mod:`~inv_gym.analytic.rq`: exact Poisson (Q, r); normal-demand approximations.
* :mod:`~inv_gym.analytic.ss`: Zheng-Federgruen exact (s, S); the power approximation.
* :mod:`~inv_gym.analytic.dp`: exact relative value iteration on small discrete instances
  (fixed or random lead times); exact long-run evaluation of any policy.
* :mod:`~inv_gym.analytic.finite_horizon`: backward induction and forward propagation
  for finite-horizon models.
* :mod:`~inv_gym.analytic.solve`: picks the best exact method for an instance.
"""

from inv_gym.analytic.base_stock import (
    ContinuousReviewBaseStock,
    base_stock_cost,
    base_stock_cr_normal,
    base_stock_cr_poisson,
    base_stock_fill_rate,
    base_stock_level,
)
from inv_gym.analytic.dp import (
    DPPolicy,
    DPResult,
    PolicyEvaluation,
    TruncationWarning,
    evaluate_policy_dp,
    solve_dp,
)
from inv_gym.analytic.eoq import (
    eoq_cost,
    eoq_hs_cost,
    eoq_order_quantity,
    eoqb_backorder_fraction,
    eoqb_cost,
    eoqb_order_quantity,
)
from inv_gym.analytic.finite_horizon import (
    FiniteHorizonEvaluation,
    FiniteHorizonPolicy,
    FiniteHorizonResult,
    evaluate_policy_finite_horizon,
    solve_finite_horizon,
)
from inv_gym.analytic.newsvendor import (
    expected_excess,
    expected_shortage,
    lead_time_demand,
    newsvendor_cost,
    newsvendor_critical_ratio,
    newsvendor_order_quantity,
    newsvendor_priced_loss_probability,
    newsvendor_priced_order_quantity,
    newsvendor_priced_profit,
    renewal_lead_time_demand,
)
from inv_gym.analytic.rq import (
    RQResult,
    rq_eil_approximation,
    rq_eoq_ss_approximation,
    rq_eoqb_approximation,
    rq_loss_function_approximation,
    rq_normal_cost,
    rq_normal_optimal_policy,
    rq_normal_reorder_point,
    rq_poisson_backorders,
    rq_poisson_cost,
    rq_poisson_fill_rate,
    rq_poisson_on_hand,
    rq_poisson_optimal_policy,
)
from inv_gym.analytic.solve import Solution, evaluate_exact, solve, suggest_search
from inv_gym.analytic.ss import (
    SSResult,
    ss_cost,
    ss_optimal_policy,
    ss_power_approximation,
)

__all__ = [
    "base_stock_level",
    "base_stock_cost",
    "base_stock_fill_rate",
    "ContinuousReviewBaseStock",
    "base_stock_cr_poisson",
    "base_stock_cr_normal",
    "eoq_order_quantity",
    "eoq_cost",
    "eoq_hs_cost",
    "eoqb_order_quantity",
    "eoqb_backorder_fraction",
    "eoqb_cost",
    "lead_time_demand",
    "renewal_lead_time_demand",
    "expected_excess",
    "expected_shortage",
    "newsvendor_critical_ratio",
    "newsvendor_order_quantity",
    "newsvendor_cost",
    "newsvendor_priced_order_quantity",
    "newsvendor_priced_profit",
    "newsvendor_priced_loss_probability",
    "RQResult",
    "rq_poisson_fill_rate",
    "rq_poisson_backorders",
    "rq_poisson_on_hand",
    "rq_poisson_cost",
    "rq_poisson_optimal_policy",
    "rq_normal_cost",
    "rq_normal_reorder_point",
    "rq_normal_optimal_policy",
    "rq_eoq_ss_approximation",
    "rq_eoqb_approximation",
    "rq_eil_approximation",
    "rq_loss_function_approximation",
    "SSResult",
    "ss_cost",
    "ss_optimal_policy",
    "ss_power_approximation",
    "solve_dp",
    "Solution",
    "solve",
    "suggest_search",
    "evaluate_policy_dp",
    "DPResult",
    "DPPolicy",
    "PolicyEvaluation",
    "TruncationWarning",
    "solve_finite_horizon",
    "evaluate_policy_finite_horizon",
    "FiniteHorizonResult",
    "FiniteHorizonEvaluation",
    "FiniteHorizonPolicy",
    "evaluate_exact",
]
