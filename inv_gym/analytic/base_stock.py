"""Base-stock policies: the exact periodic-review optimum in the suite's convention,
and Hopp & Spearman's continuous-review formulas.

Periodic review (exact)
-----------------------
``inv_gym/BaseStock-v0``: backorders, fixed lead time L, no fixed order cost,
holding h and backorder cost b on end-of-period quantities. An order placed in
period t arrives at the start of period t + L, so under an order-up-to level S
the net inventory at the end of period t + L is S - D^{(L+1)}, with
D^{(L+1)} = D_t + ... + D_{t+L} the (L + 1)-period demand. The long-run
expected holding plus backorder cost per period is therefore

    C(S) = h E[(S - D^{(L+1)})^+] + b E[(D^{(L+1)} - S)^+],

minimised by the smallest S with P(D^{(L+1)} <= S) >= b / (b + h): the
newsvendor on the (L + 1)-period demand (Snyder & Shen (2019), *Fundamentals of
Supply Chain Theory*, 2nd ed., section 4.3.3; Zipkin (2000), section 6.2).
Snyder & Shen's periodic-review examples use the same timing (their Example
4.4: L = 4 uses the 5-period demand).

Continuous review (approximations of the periodic model)
---------------------------------------------------------
Hopp & Spearman (2008), *Factory Physics*, 3rd ed., section 2.4.2: unit demands
arrive in continuous time at rate D, lead time l (same time unit), lead-time
demand X with mean theta = D l; base-stock level R. Fill rate S(R), expected
backorders B(R), expected on-hand I(R) = R - theta + B(R), and the cost per
unit time h I(R) + b B(R). These are exact for the continuous-review model,
and approximations of the suite's periodic model: report the simulated cost of
the level they suggest.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import stats

from inv_gym.analytic.eoq import check_number
from inv_gym.analytic.newsvendor import (
    Level,
    check_demand,
    check_lead_time,
    expected_excess,
    newsvendor_cost,
    newsvendor_critical_ratio,
    newsvendor_order_quantity,
)
from inv_gym.distributions import Distribution

__all__ = [
    "base_stock_level",
    "base_stock_cost",
    "base_stock_fill_rate",
    "ContinuousReviewBaseStock",
    "base_stock_cr_poisson",
    "base_stock_cr_normal",
]


def base_stock_level(
    *, demand: Distribution | str | float, holding_cost: float, backorder_cost: float, lead_time: int = 0
) -> float:
    """Optimal periodic-review base-stock level S* (suite convention, exact).

    S* = smallest S with P(D^{(L+1)} <= S) >= b / (b + h) (Snyder & Shen (2019),
    Theorem 4.4 with the (L + 1)-period demand).

    Args:
        demand: per-period demand D.
        holding_cost: h >= 0 per unit on hand at the end of a period.
        backorder_cost: b >= 0 per unit backordered at the end of a period.
        lead_time: L >= 0 periods.

    Returns:
        S* (an integer for discrete demand).

    Examples:
        Snyder & Shen, Example 4.4 (N(50, 8) per period, L = 4, h = 0.18, b = 0.7):

        >>> round(base_stock_level(demand="normal:mean=50,sd=8", holding_cost=0.18, backorder_cost=0.7,
        ...                        lead_time=4), 2)
        264.77

        The suite's BaseStock-v0 (Poisson(5), L = 2, h = 1, b = 9): the 0.9-quantile of Poisson(15):

        >>> base_stock_level(demand="poisson:5", holding_cost=1, backorder_cost=9, lead_time=2)
        20.0
    """
    return newsvendor_order_quantity(
        demand=demand, holding_cost=holding_cost, backorder_cost=backorder_cost, lead_time=lead_time
    )


def base_stock_cost(
    *,
    demand: Distribution | str | float,
    holding_cost: float,
    backorder_cost: float,
    lead_time: int = 0,
    level: float | None = None,
) -> float:
    """Exact long-run cost per period C(S) = h E[(S - D^{(L+1)})^+] + b E[(D^{(L+1)} - S)^+].

    Args:
        demand: per-period demand D.
        holding_cost: h >= 0.
        backorder_cost: b >= 0.
        lead_time: L >= 0 periods.
        level: S; None for S*.

    Examples:
        Snyder & Shen, Example 4.4:

        >>> round(base_stock_cost(demand="normal:mean=50,sd=8", holding_cost=0.18, backorder_cost=0.7,
        ...                       lead_time=4), 4)
        4.4668

        BaseStock-v0 at S* = 20:

        >>> round(base_stock_cost(demand="poisson:5", holding_cost=1, backorder_cost=9, lead_time=2), 4)
        7.123
    """
    return newsvendor_cost(
        demand=demand,
        holding_cost=holding_cost,
        backorder_cost=backorder_cost,
        order_quantity=level,
        lead_time=lead_time,
    )


def base_stock_fill_rate(*, demand: Distribution | str | float, level: Level, lead_time: int = 0) -> Level:
    """Exact long-run fill rate of the order-up-to level S (periodic review, backorders).

    The order placed in period t - L arrives at the start of period t, so the
    net inventory after that receipt is S - X with X = D^{(L)} the L-period
    demand (X = 0 when L = 0); the period's demand D is then met from the
    (S - X)^+ on hand. The fraction of demand met from stock is

        beta(S) = E[min((S - X)^+, D)] / E[D] = (E[(S - D^{(L)})^+] - E[(S - D^{(L+1)})^+]) / E[D],

    since min(a, D) = a - (a - D)^+ for a >= 0 and (S - X - D)^+ = ((S - X)^+ - D)^+.
    With L = 0 it is the newsvendor's fill rate 1 - E[(D - S)^+] / E[D]. The
    expectations are those of :func:`~inv_gym.analytic.newsvendor.expected_excess`.

    Args:
        demand: per-period demand D, with E[D] > 0.
        level: S, a number or an array.
        lead_time: L >= 0 periods.

    Examples:
        Snyder & Shen's Example 4.3 (N(50, 8), L = 0) at S* = 56.6: 1 - 8 L(0.8265) / 50:

        >>> round(base_stock_fill_rate(demand="normal:mean=50,sd=8", level=56.6), 4)
        0.9817

        Deterministic demand 5, L = 0, S = 3: three units of five are met:

        >>> base_stock_fill_rate(demand=5, level=3)
        0.6
    """
    dist = check_demand(demand)
    lead = check_lead_time(lead_time)
    if not dist.mean > 0:
        raise ValueError(f"demand must have a mean > 0 for a fill rate, got {dist.mean:g}")
    y = np.asarray(level, dtype=float)
    start = expected_excess(demand=dist, level=y, lead_time=lead - 1) if lead > 0 else np.maximum(y, 0.0)
    end = expected_excess(demand=dist, level=y, lead_time=lead)
    out = (np.asarray(start) - np.asarray(end)) / dist.mean
    return out if out.ndim else float(out)


class ContinuousReviewBaseStock(NamedTuple):
    """Performance of a continuous-review base-stock level (Hopp & Spearman section 2.4.2)."""

    level: float  # R
    fill_rate: float  # S(R)
    expected_backorders: float  # B(R)
    expected_on_hand: float  # I(R)
    cost: float  # h I(R) + b B(R) per unit time


def _cr_args(demand_rate: float, lead_time: float, holding_cost: float, backorder_cost: float) -> float:
    check_number("holding_cost", holding_cost)
    check_number("backorder_cost", backorder_cost)
    return check_number("demand_rate", demand_rate) * check_number("lead_time", lead_time)


def base_stock_cr_poisson(
    *,
    demand_rate: float,
    lead_time: float,
    holding_cost: float,
    backorder_cost: float,
    level: int | None = None,
) -> ContinuousReviewBaseStock:
    """Continuous-review base stock with Poisson demand (an approximation of the periodic model).

    Hopp & Spearman (2008), eqs. (2.19)-(2.23): lead-time demand X ~ Poisson(theta),
    theta = D l, cdf G and pmf p:

    * fill rate S(R) = G(R - 1);
    * backorders B(R) = theta p(R) + (theta - R)(1 - G(R)) = E[(X - R)^+];
    * on hand I(R) = R - theta + B(R);
    * R* = smallest R with G(R) >= b / (b + h) (eq. (2.28)).

    Args:
        demand_rate: D >= 0 units per unit time.
        lead_time: l >= 0 in the same time unit.
        holding_cost: h >= 0 per unit per unit time.
        backorder_cost: b >= 0 per unit backordered per unit time.
        level: R (integer); None for R*.

    Example (theta = 10, h = 1, b = 9):
        >>> r = base_stock_cr_poisson(demand_rate=10, lead_time=1, holding_cost=1, backorder_cost=9)
        >>> r.level, round(r.fill_rate, 4), round(r.expected_backorders, 4), round(r.expected_on_hand, 4)
        (14, 0.8645, 0.1869, 4.1869)
    """
    theta = _cr_args(demand_rate, lead_time, holding_cost, backorder_cost)
    if level is None:
        alpha = newsvendor_critical_ratio(holding_cost=holding_cost, backorder_cost=backorder_cost)
        level = int(stats.poisson.ppf(alpha, theta))
        while stats.poisson.cdf(level, theta) < alpha - 1e-12:
            level += 1
    elif float(level) != int(level):
        raise ValueError(f"level must be an integer, got {level}")
    r = int(level)
    fill = float(stats.poisson.cdf(r - 1, theta))
    backorders = float(theta * stats.poisson.pmf(r, theta) + (theta - r) * stats.poisson.sf(r, theta))
    backorders = max(backorders, 0.0) if r >= 0 else theta - r
    on_hand = r - theta + backorders
    cost = float(holding_cost) * on_hand + float(backorder_cost) * backorders
    return ContinuousReviewBaseStock(r, fill, backorders, on_hand, cost)


def base_stock_cr_normal(
    *,
    demand_rate: float,
    demand_sd: float,
    lead_time: float,
    holding_cost: float,
    backorder_cost: float,
    level: float | None = None,
) -> ContinuousReviewBaseStock:
    """Continuous-review base stock with normal lead-time demand (an approximation).

    Hopp & Spearman (2008), eqs. (2.24)-(2.27): X ~ N(theta, sigma^2) with
    theta = D l and sigma = tau sqrt(l); z = (R - theta) / sigma:

    * fill rate S(R) = Phi(z);
    * backorders B(R) = sigma [phi(z) - z (1 - Phi(z))];
    * on hand I(R) = R - theta + B(R);
    * R* = theta + sigma Phi^{-1}(b / (b + h)).

    Args:
        demand_rate: D >= 0 units per unit time.
        demand_sd: tau > 0, standard deviation of demand per unit time.
        lead_time: l > 0.
        holding_cost: h >= 0.
        backorder_cost: b >= 0.
        level: R; None for R*.

    Example (Snyder & Shen's Example 4.3 read as continuous review with l = 1):
        >>> r = base_stock_cr_normal(demand_rate=50, demand_sd=8, lead_time=1, holding_cost=0.18,
        ...                          backorder_cost=0.7)
        >>> round(r.level, 2), round(r.fill_rate, 4), round(r.cost, 3)
        (56.6, 0.7955, 1.998)
    """
    theta = _cr_args(demand_rate, lead_time, holding_cost, backorder_cost)
    sigma = check_number("demand_sd", demand_sd, strict=True) * math.sqrt(
        check_number("lead_time", lead_time, strict=True)
    )
    if level is None:
        alpha = newsvendor_critical_ratio(holding_cost=holding_cost, backorder_cost=backorder_cost)
        level = theta + sigma * float(stats.norm.ppf(alpha))
    r = float(level)
    z = (r - theta) / sigma
    fill = float(stats.norm.cdf(z))
    backorders = float(sigma * (stats.norm.pdf(z) - z * stats.norm.sf(z)))
    on_hand = r - theta + backorders
    cost = float(holding_cost) * on_hand + float(backorder_cost) * backorders
    return ContinuousReviewBaseStock(r, fill, backorders, on_hand, cost)
