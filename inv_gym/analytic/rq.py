"""(Q, r) policies with backorders: the exact Poisson model and normal-demand approximations.

Continuous review: demand arrives at rate lambda per unit time, the lead time
is l (same unit), an order of Q units is placed whenever the inventory position
falls to r; holding h and backorder cost p (``backorder_cost``) per unit per unit
time, K per order. With X the lead-time demand and
g(y) = h E[(y - X)^+] + p E[(X - y)^+], the cost per unit time is

    C(Q, r) = [K lambda + sum_{y=r+1}^{r+Q} g(y)] / Q     (unit Poisson demand)
    C(Q, r) = [K lambda + int_r^{r+Q} g(y) dy] / Q         (continuous demand)

(Snyder & Shen (2019), *Fundamentals of Supply Chain Theory*, 2nd ed., eqs.
(5.7) and (5.48); Hopp & Spearman (2008), *Factory Physics*, 3rd ed., section
2.4.3, eq. (2.36): C = K lambda / Q + h I(Q, r) + p B(Q, r)).

These continuous-review models approximate the suite's periodic model
(``inv_gym/Qr-v0``, reviewed once a period, costs on end-of-period quantities),
whose exact optimum among (s, S) policies is :func:`inv_gym.analytic.ss_optimal_policy`;
report the simulated cost of the (Q, r) they suggest.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import optimize, stats

from inv_gym.analytic.eoq import check_number, eoq_order_quantity, eoqb_order_quantity
from inv_gym.analytic.newsvendor import newsvendor_critical_ratio
from inv_gym.distributions import Poisson

__all__ = [
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
]


class RQResult(NamedTuple):
    """A result of the (Q, r) solvers: the policy's parameters and its cost per unit time."""

    reorder_point: float  # r: order when the inventory position falls to r
    order_quantity: float  # Q
    cost: float  # cost per unit time


# ---------------------------------------------------------------------------
# Exact Poisson model
# ---------------------------------------------------------------------------


def _poisson_table(demand_rate: float, lead_time: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    lam = check_number("demand_rate", demand_rate)
    theta = lam * check_number("lead_time", lead_time)
    values, probs = Poisson(theta).pmf_table()
    cum_p = np.concatenate([[0.0], np.cumsum(probs)])
    cum_vp = np.concatenate([[0.0], np.cumsum(values * probs)])
    return values, cum_p, cum_vp, theta


def _poisson_losses(y: np.ndarray, demand_rate: float, lead_time: float) -> tuple[np.ndarray, np.ndarray]:
    """(E[(y - X)^+], E[(X - y)^+]) for X ~ Poisson(lambda l), integer array y."""
    values, cum_p, cum_vp, theta = _poisson_table(demand_rate, lead_time)
    idx = np.searchsorted(values, y, side="right")
    excess = np.maximum(y * cum_p[idx] - cum_vp[idx], 0.0)
    return excess, np.maximum(excess - (y - theta), 0.0)


def _qr_window(order_quantity: int, reorder_point: int) -> np.ndarray:
    q = check_number("order_quantity", order_quantity, low=1)
    if not float(q).is_integer() or not float(reorder_point).is_integer():
        raise ValueError(
            f"order_quantity (>= 1) and reorder_point must be integers, got {order_quantity}, {reorder_point}"
        )
    r = int(reorder_point)
    return np.arange(r + 1, r + int(q) + 1, dtype=float)


def rq_poisson_backorders(*, order_quantity: int, reorder_point: int, demand_rate: float, lead_time: float) -> float:
    """Expected backorders B(Q, r) = (1/Q) sum_{y=r+1}^{r+Q} E[(X - y)^+], X ~ Poisson(lambda l).

    Hopp & Spearman (2008), eq. (2.34).

    Args:
        order_quantity: Q >= 1 (integer).
        reorder_point: r (integer).
        demand_rate: lambda >= 0 per unit time.
        lead_time: l >= 0.

    Example (Snyder & Shen, Example 5.8: lambda = 1.5, l = 2):
        >>> round(rq_poisson_backorders(order_quantity=5, reorder_point=3, demand_rate=1.5, lead_time=2), 4)
        0.1054
    """
    y = _qr_window(order_quantity, reorder_point)
    return float(_poisson_losses(y, demand_rate, lead_time)[1].mean())


def rq_poisson_fill_rate(*, order_quantity: int, reorder_point: int, demand_rate: float, lead_time: float) -> float:
    """Fill rate S(Q, r) = 1 - [B(r) - B(r + Q)] / Q, B(x) = E[(X - x)^+].

    Hopp & Spearman (2008), eq. (2.33) (unit demands: a demand is filled from
    stock when the net inventory before it is positive).

    Args:
        order_quantity: Q >= 1 (integer).
        reorder_point: r (integer).
        demand_rate: lambda >= 0.
        lead_time: l >= 0.

    Example:
        >>> round(rq_poisson_fill_rate(order_quantity=5, reorder_point=3, demand_rate=1.5, lead_time=2), 4)
        0.8666
    """
    q = _qr_window(order_quantity, reorder_point).size
    r = float(reorder_point)
    short = _poisson_losses(np.array([r, r + q]), demand_rate, lead_time)[1]
    return float(1.0 - (short[0] - short[1]) / q)


def rq_poisson_on_hand(*, order_quantity: int, reorder_point: int, demand_rate: float, lead_time: float) -> float:
    """Expected on hand I(Q, r) = (Q + 1)/2 + r - theta + B(Q, r), theta = lambda l.

    Hopp & Spearman (2008), eq. (2.35).

    Args:
        order_quantity: Q >= 1 (integer).
        reorder_point: r (integer).
        demand_rate: lambda >= 0.
        lead_time: l >= 0.

    Example:
        >>> round(rq_poisson_on_hand(order_quantity=5, reorder_point=3, demand_rate=1.5, lead_time=2), 4)
        3.1054
    """
    y = _qr_window(order_quantity, reorder_point)
    return float(_poisson_losses(y, demand_rate, lead_time)[0].mean())


def rq_poisson_cost(
    *,
    order_quantity: int,
    reorder_point: int,
    demand_rate: float,
    lead_time: float,
    fixed_order_cost: float,
    holding_cost: float,
    backorder_cost: float,
) -> float:
    """Exact cost per unit time C(Q, r) = [K lambda + sum_{y=r+1}^{r+Q} g(y)] / Q (Poisson).

    Snyder & Shen (2019), eq. (5.48); equal to K lambda / Q + h I(Q, r) + p B(Q, r)
    (Hopp & Spearman (2008), eq. (2.36)).

    Args:
        order_quantity: Q >= 1 (integer).
        reorder_point: r (integer).
        demand_rate: lambda >= 0.
        lead_time: l >= 0.
        fixed_order_cost: K >= 0.
        holding_cost: h >= 0.
        backorder_cost: p >= 0.

    Example (Snyder & Shen, Example 5.8: h = 20, p = 150, K = 100, lambda = 1.5, l = 2):
        >>> round(rq_poisson_cost(order_quantity=5, reorder_point=3, demand_rate=1.5, lead_time=2, fixed_order_cost=100,
        ...                       holding_cost=20, backorder_cost=150), 4)
        107.9236
    """
    k = check_number("fixed_order_cost", fixed_order_cost)
    h = check_number("holding_cost", holding_cost)
    p = check_number("backorder_cost", backorder_cost)
    y = _qr_window(order_quantity, reorder_point)
    excess, short = _poisson_losses(y, demand_rate, lead_time)
    return float((k * float(demand_rate) + np.sum(h * excess + p * short)) / y.size)


def rq_poisson_optimal_policy(
    *, demand_rate: float, lead_time: float, fixed_order_cost: float, holding_cost: float, backorder_cost: float
) -> RQResult:
    """Optimal (Q, r) for Poisson demand (Federgruen & Zheng 1992), exact.

    g is convex, so the best window {r+1, ..., r+Q} of Q levels grows from
    y* = argmin g by adding the cheaper neighbour; C(Q) = [K lambda + window sum] / Q
    is unimodal in Q and the search stops when adding a level no longer lowers
    it. A. Federgruen and Y.-S. Zheng, "An efficient algorithm for computing an
    optimal (r, Q) policy in continuous review stochastic inventory systems",
    *Operations Research* 40(4):808-813, 1992; Snyder & Shen (2019), section 5.5.

    Args:
        demand_rate: lambda > 0.
        lead_time: l >= 0.
        fixed_order_cost: K >= 0.
        holding_cost: h > 0.
        backorder_cost: p > 0.

    Returns:
        RQResult(reorder_point, order_quantity, cost).

    Example (Snyder & Shen, Example 5.8):
        >>> p = rq_poisson_optimal_policy(demand_rate=1.5, lead_time=2, fixed_order_cost=100, holding_cost=20,
        ...                               backorder_cost=150)
        >>> p.reorder_point, p.order_quantity, round(p.cost, 4)
        (3, 5, 107.9236)
    """
    k = check_number("fixed_order_cost", fixed_order_cost)
    h = check_number("holding_cost", holding_cost, strict=True)
    p = check_number("backorder_cost", backorder_cost, strict=True)
    lam = check_number("demand_rate", demand_rate, strict=True)
    values, cum_p, _, _ = _poisson_table(lam, lead_time)
    alpha = newsvendor_critical_ratio(holding_cost=h, backorder_cost=p)
    y_star = int(values[min(int(np.searchsorted(cum_p[1:], alpha - 1e-12)), values.size - 1)])

    def g(y: int) -> float:
        excess, short = _poisson_losses(np.array([float(y)]), lam, lead_time)
        return float(h * excess[0] + p * short[0])

    lo = hi = y_star
    total = g(y_star)
    best = RQResult(y_star - 1, 1, (k * lam + total) / 1)
    g_lo, g_hi = g(lo - 1), g(hi + 1)
    while True:
        if g_lo < g_hi:
            lo, add = lo - 1, g_lo
            g_lo = g(lo - 1)
        else:
            hi, add = hi + 1, g_hi
            g_hi = g(hi + 1)
        q = hi - lo + 1
        cost = (k * lam + total + add) / q
        if cost > best.cost:
            return best
        total += add
        best = RQResult(lo - 1, q, cost)


# ---------------------------------------------------------------------------
# Normal demand
# ---------------------------------------------------------------------------


def _normal_args(
    demand_rate: float,
    demand_sd: float,
    lead_time: float,
    fixed_order_cost: float,
    holding_cost: float,
    backorder_cost: float,
) -> tuple[float, float, float, float, float, float]:
    lam = check_number("demand_rate", demand_rate, strict=True)
    tau = check_number("demand_sd", demand_sd, strict=True)
    ell = check_number("lead_time", lead_time, strict=True)
    k = check_number("fixed_order_cost", fixed_order_cost)
    h = check_number("holding_cost", holding_cost, strict=True)
    p = check_number("backorder_cost", backorder_cost, strict=True)
    return lam, lam * ell, tau * math.sqrt(ell), k, h, p


def _n1(x: float, mu: float, sigma: float) -> float:
    """First-order loss n(x) = E[(X - x)^+], X ~ N(mu, sigma^2)."""
    z = (x - mu) / sigma
    return float(sigma * (stats.norm.pdf(z) - z * stats.norm.sf(z)))


def _n2(x: float, mu: float, sigma: float) -> float:
    """Second-order loss n2(x) = (1/2) E[((X - x)^+)^2] (Snyder & Shen eq. (C.23))."""
    z = (x - mu) / sigma
    return float(0.5 * sigma**2 * ((z * z + 1) * stats.norm.sf(z) - z * stats.norm.pdf(z)))


def _g(y: float, mu: float, sigma: float, h: float, p: float) -> float:
    return h * (y - mu) + (h + p) * _n1(y, mu, sigma)


def _normal_cost(r: float, q: float, lam: float, mu: float, sigma: float, k: float, h: float, p: float) -> float:
    # int_r^{r+Q} g(y) dy = h [(r+Q-mu)^2 - (r-mu)^2] / 2 + (h + p) [n2(r) - n2(r+Q)]
    integral = h * ((r + q - mu) ** 2 - (r - mu) ** 2) / 2 + (h + p) * (_n2(r, mu, sigma) - _n2(r + q, mu, sigma))
    return (k * lam + integral) / q


def rq_normal_cost(
    *,
    order_quantity: float,
    reorder_point: float,
    demand_rate: float,
    demand_sd: float,
    lead_time: float,
    fixed_order_cost: float,
    holding_cost: float,
    backorder_cost: float,
) -> float:
    """Exact cost per unit time of (Q, r) with normal demand, C = [K lambda + int_r^{r+Q} g(y) dy] / Q.

    Lead-time demand X ~ N(lambda l, tau^2 l); the integral is closed-form through
    the second-order loss function n2 (Snyder & Shen (2019), eqs. (5.7) and (C.23)).

    Args:
        order_quantity: Q > 0.
        reorder_point: r.
        demand_rate: lambda > 0 per unit time.
        demand_sd: tau > 0, standard deviation of demand per unit time.
        lead_time: l > 0.
        fixed_order_cost: K >= 0.
        holding_cost: h > 0.
        backorder_cost: p > 0.

    Example (Snyder & Shen, Example 5.1: h = 0.225, p = 7.5, K = 8, lambda = 1300, tau = 150, l = 1/12):
        >>> round(rq_normal_cost(order_quantity=328.5, reorder_point=126.8, demand_rate=1300, demand_sd=150,
        ...                      lead_time=1/12, fixed_order_cost=8, holding_cost=0.225, backorder_cost=7.5), 4)
        78.0712
    """
    lam, mu, sigma, k, h, p = _normal_args(
        demand_rate, demand_sd, lead_time, fixed_order_cost, holding_cost, backorder_cost
    )
    q = check_number("order_quantity", order_quantity, strict=True)
    return _normal_cost(float(reorder_point), q, lam, mu, sigma, k, h, p)


def _r_of_q(q: float, mu: float, sigma: float, h: float, p: float) -> float:
    """r(Q): the root of g(r) = g(r + Q) (Snyder & Shen eq. (5.9))."""
    y_star = mu + sigma * float(stats.norm.ppf(p / (p + h)))
    lo, hi = y_star - q - 10 * sigma, y_star
    return float(optimize.brentq(lambda r: _g(r, mu, sigma, h, p) - _g(r + q, mu, sigma, h, p), lo, hi, xtol=1e-10))


def rq_normal_reorder_point(
    *,
    order_quantity: float,
    demand_rate: float,
    demand_sd: float,
    lead_time: float,
    holding_cost: float,
    backorder_cost: float,
) -> float:
    """Optimal r for a given Q under normal demand: the root of g(r) = g(r + Q).

    Snyder & Shen (2019), eq. (5.9).

    Args:
        order_quantity: Q > 0.
        demand_rate: lambda > 0.
        demand_sd: tau > 0.
        lead_time: l > 0.
        holding_cost: h > 0.
        backorder_cost: p > 0.

    Example (Snyder & Shen, Example 5.2 with Q = 300):
        >>> round(rq_normal_reorder_point(order_quantity=300, demand_rate=1300, demand_sd=150, lead_time=1/12,
        ...                               holding_cost=0.225, backorder_cost=7.5), 4)
        129.4273
    """
    _, mu, sigma, _, h, p = _normal_args(demand_rate, demand_sd, lead_time, 0.0, holding_cost, backorder_cost)
    return _r_of_q(check_number("order_quantity", order_quantity, strict=True), mu, sigma, h, p)


def rq_normal_optimal_policy(
    *,
    demand_rate: float,
    demand_sd: float,
    lead_time: float,
    fixed_order_cost: float,
    holding_cost: float,
    backorder_cost: float,
) -> RQResult:
    """Optimal (Q, r) of the continuous-review normal model, by minimising C(Q, r(Q)) over Q.

    Snyder & Shen (2019), section 5.2 (C is jointly convex; r(Q) from eq. (5.9)).

    Args:
        demand_rate: lambda > 0.
        demand_sd: tau > 0.
        lead_time: l > 0.
        fixed_order_cost: K > 0.
        holding_cost: h > 0.
        backorder_cost: p > 0.

    Example (Snyder & Shen, Example 5.2, who report r = 126.8, Q = 328.5, cost 78.07):
        >>> p = rq_normal_optimal_policy(demand_rate=1300, demand_sd=150, lead_time=1/12, fixed_order_cost=8,
        ...                              holding_cost=0.225, backorder_cost=7.5)
        >>> round(p.reorder_point, 2), round(p.order_quantity, 2), round(p.cost, 2)
        (126.87, 328.45, 78.07)
    """
    lam, mu, sigma, k, h, p = _normal_args(
        demand_rate, demand_sd, lead_time, fixed_order_cost, holding_cost, backorder_cost
    )
    q0 = eoqb_order_quantity(fixed_order_cost=k, holding_cost=h, backorder_cost=p, demand_rate=lam)

    def cost(q: float) -> float:
        return _normal_cost(_r_of_q(q, mu, sigma, h, p), q, lam, mu, sigma, k, h, p)

    res = optimize.minimize_scalar(
        cost, bounds=(1e-6 + 0.01 * q0, 4 * q0 + 10 * sigma), method="bounded", options={"xatol": 1e-8}
    )
    q = float(res.x)
    r = _r_of_q(q, mu, sigma, h, p)
    return RQResult(r, q, _normal_cost(r, q, lam, mu, sigma, k, h, p))


def _result(r: float, q: float, lam: float, mu: float, sigma: float, k: float, h: float, p: float) -> RQResult:
    return RQResult(r, q, _normal_cost(r, q, lam, mu, sigma, k, h, p))


def rq_eoq_ss_approximation(
    *,
    demand_rate: float,
    demand_sd: float,
    lead_time: float,
    fixed_order_cost: float,
    holding_cost: float,
    backorder_cost: float,
) -> RQResult:
    """EOQ plus safety stock: Q = sqrt(2 K lambda / h), r = mu_l + sigma_l Phi^{-1}(p / (p + h)).

    Snyder & Shen (2019), section 5.3.3, eqs. (3.4) and (5.21). The cost is the
    exact normal-model cost (:func:`rq_normal_cost`) of that (Q, r).

    Args:
        demand_rate: lambda > 0.
        demand_sd: tau > 0.
        lead_time: l > 0.
        fixed_order_cost: K >= 0.
        holding_cost: h > 0.
        backorder_cost: p > 0.

    Example (Snyder & Shen, Example 5.5):
        >>> p = rq_eoq_ss_approximation(demand_rate=1300, demand_sd=150, lead_time=1/12, fixed_order_cost=8,
        ...                             holding_cost=0.225, backorder_cost=7.5)
        >>> round(p.reorder_point, 4), round(p.order_quantity, 4)
        (190.337, 304.0468)
    """
    lam, mu, sigma, k, h, p = _normal_args(
        demand_rate, demand_sd, lead_time, fixed_order_cost, holding_cost, backorder_cost
    )
    q = eoq_order_quantity(fixed_order_cost=k, holding_cost=h, demand_rate=lam)
    r = mu + sigma * float(stats.norm.ppf(p / (p + h)))
    return _result(r, q, lam, mu, sigma, k, h, p)


def rq_eoqb_approximation(
    *,
    demand_rate: float,
    demand_sd: float,
    lead_time: float,
    fixed_order_cost: float,
    holding_cost: float,
    backorder_cost: float,
) -> RQResult:
    """EOQB approximation: Q = sqrt(2 K lambda (h + p) / (h p)), r = r(Q) from g(r) = g(r + Q).

    Snyder & Shen (2019), section 5.3.2 (after Zheng 1992). The cost is the exact
    normal-model cost of that (Q, r).

    Args:
        demand_rate: lambda > 0.
        demand_sd: tau > 0.
        lead_time: l > 0.
        fixed_order_cost: K >= 0.
        holding_cost: h > 0.
        backorder_cost: p > 0.

    Example (Snyder & Shen, Example 5.4):
        >>> p = rq_eoqb_approximation(demand_rate=1300, demand_sd=150, lead_time=1/12, fixed_order_cost=8,
        ...                           holding_cost=0.225, backorder_cost=7.5)
        >>> round(p.reorder_point, 4), round(p.order_quantity, 4)
        (128.6378, 308.5738)
    """
    lam, mu, sigma, k, h, p = _normal_args(
        demand_rate, demand_sd, lead_time, fixed_order_cost, holding_cost, backorder_cost
    )
    q = eoqb_order_quantity(fixed_order_cost=k, holding_cost=h, backorder_cost=p, demand_rate=lam)
    return _result(_r_of_q(q, mu, sigma, h, p), q, lam, mu, sigma, k, h, p)


def _iterate(step, r: float, q: float, tol: float, max_iter: int = 1000) -> tuple[float, float]:  # noqa: ANN001
    for _ in range(max_iter):
        r_new, q_new = step(r, q)
        if abs(r_new - r) <= tol and abs(q_new - q) <= tol:
            return r_new, q_new
        r, q = r_new, q_new
    raise RuntimeError(f"(Q, r) iteration did not converge in {max_iter} iterations")


def rq_eil_approximation(
    *,
    demand_rate: float,
    demand_sd: float,
    lead_time: float,
    fixed_order_cost: float,
    holding_cost: float,
    backorder_cost: float,
    tol: float = 1e-6,
) -> RQResult:
    """Expected-inventory-level (EIL) approximation (Whitin 1953; Hadley & Whitin 1963).

    Iterate r = F^{-1}(1 - Q h / (p lambda)) and Q = sqrt(2 lambda [K + p n(r)] / h)
    from Q = EOQ (Snyder & Shen (2019), Algorithm 5.1, eqs. (5.17)-(5.18)). The
    returned cost is the exact normal-model cost of that (Q, r) (Snyder & Shen's
    approximate EIL cost, eq. (5.16), is not reported).

    Args:
        demand_rate: lambda > 0.
        demand_sd: tau > 0.
        lead_time: l > 0.
        fixed_order_cost: K >= 0.
        holding_cost: h > 0.
        backorder_cost: p > 0.
        tol: convergence tolerance on r and Q.

    Example (Snyder & Shen, Example 5.3):
        >>> p = rq_eil_approximation(demand_rate=1300, demand_sd=150, lead_time=1/12, fixed_order_cost=8,
        ...                          holding_cost=0.225, backorder_cost=7.5)
        >>> round(p.reorder_point, 2), round(p.order_quantity, 2)
        (213.97, 318.59)
    """
    lam, mu, sigma, k, h, p = _normal_args(
        demand_rate, demand_sd, lead_time, fixed_order_cost, holding_cost, backorder_cost
    )

    def step(r: float, q: float) -> tuple[float, float]:
        frac = 1.0 - q * h / (p * lam)
        if frac <= 0:
            raise ValueError("the EIL approximation needs Q h < p lambda; it does not apply to this instance")
        r = mu + sigma * float(stats.norm.ppf(frac))
        return r, math.sqrt(2 * lam * (k + p * _n1(r, mu, sigma)) / h)

    r, q = _iterate(step, 0.0, eoq_order_quantity(fixed_order_cost=k, holding_cost=h, demand_rate=lam), tol)
    return _result(r, q, lam, mu, sigma, k, h, p)


def rq_loss_function_approximation(
    *,
    demand_rate: float,
    demand_sd: float,
    lead_time: float,
    fixed_order_cost: float,
    holding_cost: float,
    backorder_cost: float,
    tol: float = 1e-6,
) -> RQResult:
    """Loss-function approximation (Hadley & Whitin 1963).

    Iterate n(r) = h Q / (h + p) and Q = sqrt(2 [K lambda + (h + p) n2(r)] / h)
    from Q = EOQ (Snyder & Shen (2019), eqs. (5.28)-(5.29)). The cost is the exact
    normal-model cost of that (Q, r).

    Args:
        demand_rate: lambda > 0.
        demand_sd: tau > 0.
        lead_time: l > 0.
        fixed_order_cost: K >= 0.
        holding_cost: h > 0.
        backorder_cost: p > 0.
        tol: convergence tolerance on r and Q.

    Example (Snyder & Shen, Example 5.6):
        >>> p = rq_loss_function_approximation(demand_rate=1300, demand_sd=150, lead_time=1/12, fixed_order_cost=8,
        ...                                    holding_cost=0.225, backorder_cost=7.5)
        >>> round(p.reorder_point, 4), round(p.order_quantity, 4)
        (126.8671, 328.4491)
    """
    lam, mu, sigma, k, h, p = _normal_args(
        demand_rate, demand_sd, lead_time, fixed_order_cost, holding_cost, backorder_cost
    )

    def step(r: float, q: float) -> tuple[float, float]:
        target = h * q / (h + p)
        lo, hi = mu - 10 * sigma - target, mu + 10 * sigma
        r = float(optimize.brentq(lambda x: _n1(x, mu, sigma) - target, lo, hi, xtol=1e-12))
        return r, math.sqrt(2 * (k * lam + (h + p) * _n2(r, mu, sigma)) / h)

    r, q = _iterate(step, 0.0, eoq_order_quantity(fixed_order_cost=k, holding_cost=h, demand_rate=lam), tol)
    return _result(r, q, lam, mu, sigma, k, h, p)
