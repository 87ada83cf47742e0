"""(s, S) policies: the exact Zheng-Federgruen algorithm and the power approximation.

Model (``inv_gym/Qr-v0`` and the suite's period convention): periodic review,
backorders, fixed lead time L >= 0, fixed cost K per order, holding h and
backorder cost b on end-of-period quantities, i.i.d. integer demand D. The
(s, S) policy reviews the inventory position x (net inventory plus pipeline)
after the period's receipt and orders S - x when x <= s. With y the inventory
position after ordering in period t, the expected holding and backorder cost
charged at the end of period t + L is

    G(y) = h E[(y - D^{(L+1)})^+] + b E[(D^{(L+1)} - y)^+],

D^{(L+1)} the (L + 1)-period demand (orders placed in t arrive at the start of
t + L). Charging it to period t does not change the long-run average, so with
the renewal function of one-period demand,

    m(0) = 1 / (1 - p_0),  m(j) = sum_{l=1}^{j} p_l m(j - l) / (1 - p_0),  M(n) = sum_{j<n} m(j),

the average cost per period of (s, S) is (Zheng & Federgruen (1991), eq. (2))

    c(s, S) = [K + sum_{j=0}^{S-s-1} m(j) G(S - j)] / M(S - s).

:func:`ss_optimal_policy` runs Zheng & Federgruen's (1991) algorithm (section 3)
on it. Zheng & Federgruen state their model with zero lead time; L > 0 enters
only through G, as above (Zheng & Federgruen, section 1; Snyder & Shen (2019),
section 4.6).

Source: Y.-S. Zheng and A. Federgruen, "Finding optimal (s, S) policies is about
as simple as evaluating a single policy", *Operations Research* 39(4):654-665, 1991.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy import stats

from inv_gym.analytic.eoq import check_number
from inv_gym.analytic.newsvendor import atoms, check_demand, check_lead_time, lead_time_demand
from inv_gym.distributions import Distribution

__all__ = ["SSResult", "ss_cost", "ss_optimal_policy", "ss_power_approximation"]


class SSResult(NamedTuple):
    """A result of the (s, S) solvers: the policy's parameters and its long-run average cost per period."""

    s: int  # reorder point: order when the inventory position is <= s
    S: int  # order-up-to level
    cost: float  # average cost per period


def _integer_atoms(dist: Distribution, name: str) -> tuple[np.ndarray, np.ndarray]:
    table = atoms(dist)
    if table is None or not np.all(table[0] == np.round(table[0])):
        raise ValueError(
            f"{name} must be a discrete distribution on the integers (wrap a continuous one in round(...)), got {dist}"
        )
    return table


class _Model:
    """G(y) and the renewal function m(j) of one (s, S) instance."""

    def __init__(
        self, demand: object, fixed_order_cost: float, holding_cost: float, backorder_cost: float, lead_time: int
    ) -> None:
        dist = check_demand(demand)
        self.k = check_number("fixed_order_cost", fixed_order_cost)
        self.h = check_number("holding_cost", holding_cost)
        self.b = check_number("backorder_cost", backorder_cost)
        if self.h + self.b <= 0:
            raise ValueError("holding_cost + backorder_cost must be > 0, got 0")
        values, probs = _integer_atoms(dist, "demand")
        if values[0] == 0 and probs[0] >= 1.0 - 1e-15:  # p_0 < 1 needed for a cycle to end
            raise ValueError("demand must have P(D = 0) < 1, got P(D = 0) = 1")
        # one-period pmf on 0..kmax for the renewal function
        self.p = np.zeros(int(values[-1]) + 1)
        self.p[values.astype(int)] = probs
        lt_values, lt_probs = _integer_atoms(lead_time_demand(demand=dist, lead_time=lead_time), "demand")
        self._cum_p = np.concatenate([[0.0], np.cumsum(lt_probs)])
        self._cum_vp = np.concatenate([[0.0], np.cumsum(lt_values * lt_probs)])
        self._lt_values = lt_values
        self.mean = float(self._cum_vp[-1])
        self.m = np.empty(0)

    def G(self, y: np.ndarray | int) -> np.ndarray:
        """G(y) = h E[(y - D^{(L+1)})^+] + b E[(D^{(L+1)} - y)^+] (array-friendly)."""
        y = np.asarray(y, dtype=float)
        idx = np.searchsorted(self._lt_values, y, side="right")
        excess = np.maximum(y * self._cum_p[idx] - self._cum_vp[idx], 0.0)
        shortage = np.maximum(excess - (y - self.mean), 0.0)
        return self.h * excess + self.b * shortage

    def y_star(self) -> int:
        """The smallest minimiser of G: the b / (b + h) quantile of D^{(L+1)}."""
        alpha = self.b / (self.b + self.h)
        idx = int(np.searchsorted(self._cum_p[1:], alpha - 1e-12, side="left"))
        return int(self._lt_values[min(idx, self._lt_values.size - 1)])

    def renewal(self, n: int) -> np.ndarray:
        """m(0), ..., m(n - 1) (computed once, grown on demand)."""
        if self.m.size < n:
            size = max(n, 2 * self.m.size, 64)
            p = np.zeros(size)
            p[: min(size, self.p.size)] = self.p[:size]
            m = np.empty(size)
            m[: self.m.size] = self.m
            q0 = 1.0 - p[0]
            start = self.m.size
            if start == 0:
                m[0] = 1.0 / q0
                start = 1
            for j in range(start, size):
                # sum_{l=1}^{j} p_l m(j - l)
                m[j] = np.dot(p[1 : j + 1], m[j - 1 :: -1]) / q0
            self.m = m
        return self.m[:n]

    def cost(self, s: int, S: int) -> float:
        """c(s, S) (Zheng & Federgruen eq. (2))."""
        n = S - s
        m = self.renewal(n)
        g = self.G(np.arange(S, s, -1))
        return float((self.k + np.dot(m, g)) / m.sum())


def ss_cost(
    *,
    demand: Distribution | str | float,
    reorder_point: int,
    order_up_to_level: int,
    fixed_order_cost: float,
    holding_cost: float,
    backorder_cost: float,
    lead_time: int = 0,
) -> float:
    """Exact long-run average cost per period of the (s, S) policy (renewal reward).

    c(s, S) = [K + sum_{j=0}^{S-s-1} m(j) G(S - j)] / M(S - s), Zheng & Federgruen
    (1991), eq. (2); Snyder & Shen (2019), eq. (4.76).

    Args:
        demand: per-period demand D, discrete on the integers.
        reorder_point: s (integer): order when the inventory position is <= s.
        order_up_to_level: S > s (integer).
        fixed_order_cost: K >= 0 per order.
        holding_cost: h >= 0 per unit on hand at the end of a period.
        backorder_cost: b >= 0 per unit backordered at the end of a period.
        lead_time: L >= 0 periods.

    Example (Snyder & Shen, Example 4.7: h = 1, b = 4, K = 5, Poisson(6)):
        >>> round(ss_cost(demand="poisson:6", reorder_point=4, order_up_to_level=10, fixed_order_cost=5,
        ...               holding_cost=1, backorder_cost=4), 3)
        8.034
    """
    s, S = _int_arg("reorder_point", reorder_point), _int_arg("order_up_to_level", order_up_to_level)
    if S <= s:
        raise ValueError(f"order_up_to_level must be > reorder_point = {s}, got {S}")
    model = _Model(demand, fixed_order_cost, holding_cost, backorder_cost, check_lead_time(lead_time))
    return model.cost(s, S)


def _int_arg(name: str, value: object) -> int:
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an integer, got {value!r}") from None
    if not f.is_integer():
        raise ValueError(f"{name} must be an integer, got {value}")
    return int(f)


def ss_optimal_policy(
    *,
    demand: Distribution | str | float,
    fixed_order_cost: float,
    holding_cost: float,
    backorder_cost: float,
    lead_time: int = 0,
) -> SSResult:
    """Optimal (s, S) policy by Zheng & Federgruen's (1991) algorithm (exact).

    Steps (Zheng & Federgruen section 3; Snyder & Shen Algorithm 4.2): start at
    y* = argmin G; lower s from y* until c(s, y*) <= G(s); then raise S while
    G(S) <= c*, and whenever c(s, S) improves on c*, make S the incumbent and
    raise s while c(s, S) <= G(s + 1).

    Args:
        demand: per-period demand D, discrete on the integers (Poisson, empirical, ...).
        fixed_order_cost: K >= 0 per order.
        holding_cost: h >= 0 per unit on hand at the end of a period.
        backorder_cost: b >= 0 per unit backordered at the end of a period.
        lead_time: L >= 0 periods (enters through the (L + 1)-period demand in G).

    Returns:
        SSResult(s, S, cost): order up to S when the inventory position is <= s;
        cost = long-run average cost per period.

    Examples:
        Zheng & Federgruen (1991), Table I (h = 1, b = 9, K = 64, Poisson(10)):

        >>> p = ss_optimal_policy(demand="poisson:10", fixed_order_cost=64, holding_cost=1, backorder_cost=9)
        >>> p.s, p.S, round(p.cost, 3)
        (6, 40, 35.022)

        Snyder & Shen, Example 4.7:

        >>> p = ss_optimal_policy(demand="poisson:6", fixed_order_cost=5, holding_cost=1, backorder_cost=4)
        >>> p.s, p.S, round(p.cost, 3)
        (4, 10, 8.034)
    """
    model = _Model(demand, fixed_order_cost, holding_cost, backorder_cost, check_lead_time(lead_time))
    if model.h == 0:  # free holding: a larger S always costs less (fewer orders), no finite optimum
        raise ValueError("holding_cost must be > 0 for an optimal (s, S) policy (no finite optimum at 0), got 0")
    y_star = model.y_star()
    S0 = y_star
    s = y_star - 1
    while model.cost(s, S0) > float(model.G(s)):
        s -= 1
    c0 = model.cost(s, S0)
    S = S0 + 1
    while float(model.G(S)) <= c0:
        if model.cost(s, S) < c0:
            S0 = S
            while model.cost(s + 1, S0) <= float(model.G(s + 1)):
                s += 1
            c0 = model.cost(s, S0)
        S += 1
    return SSResult(int(s), int(S0), c0)


def ss_power_approximation(
    *,
    demand_mean: float,
    demand_sd: float,
    fixed_order_cost: float,
    holding_cost: float,
    backorder_cost: float,
    lead_time: int = 0,
) -> tuple[float, float]:
    """Revised power approximation of the optimal (s, S) (Ehrhardt & Mosier 1984).

    With mu the per-period mean, mu_L = (L + 1) mu and sigma_L^2 = (L + 1) sigma^2
    the mean and variance of the (L + 1)-period demand (the suite's convention;
    Ehrhardt & Mosier's "lead time plus review period"):

        Q_p = 1.30 mu^0.494 (K / h)^0.506 (1 + sigma_L^2 / mu^2)^0.116
        z = sqrt(Q_p h / (sigma_L b))
        s_p = 0.973 mu_L + sigma_L (0.183 / z + 1.063 - 2.192 z)
        S_p = s_p + Q_p

    and, when Q_p / sigma_L <= 1.5, s = min(s_p, S_0), S = min(S_p, S_0) with
    S_0 = mu_L + sigma_L Phi^{-1}(b / (b + h)). Snyder & Shen (2019), eqs.
    (4.77)-(4.80); R. Ehrhardt and C. Mosier, "A revision of the power
    approximation for computing (s, S) policies", *Management Science*
    30:618-622, 1984.

    Args:
        demand_mean: mu > 0 per period.
        demand_sd: sigma > 0 per period.
        fixed_order_cost: K > 0.
        holding_cost: h > 0.
        backorder_cost: b > 0.
        lead_time: L >= 0 periods.

    Returns:
        (s, S), real numbers (round them for integer demand).

    Example (Snyder & Shen, Example 4.8: h = 0.18, b = 0.7, K = 2.5, N(50, 8)):
        >>> s, S = ss_power_approximation(demand_mean=50, demand_sd=8, fixed_order_cost=2.5, holding_cost=0.18,
        ...                               backorder_cost=0.7)
        >>> round(s, 4), round(S, 4)
        (40.1946, 74.2902)
    """
    mu = check_number("demand_mean", demand_mean, strict=True)
    sigma = check_number("demand_sd", demand_sd, strict=True)
    k = check_number("fixed_order_cost", fixed_order_cost, strict=True)
    h = check_number("holding_cost", holding_cost, strict=True)
    b = check_number("backorder_cost", backorder_cost, strict=True)
    n = check_lead_time(lead_time) + 1
    mu_l, sigma_l = n * mu, math.sqrt(n) * sigma
    q = 1.30 * mu**0.494 * (k / h) ** 0.506 * (1.0 + sigma_l**2 / mu**2) ** 0.116
    z = math.sqrt(q * h / (sigma_l * b))
    s = 0.973 * mu_l + sigma_l * (0.183 / z + 1.063 - 2.192 * z)
    S = s + q
    if q / sigma_l <= 1.5:
        s0 = mu_l + sigma_l * float(stats.norm.ppf(b / (b + h)))
        s, S = min(s, s0), min(S, s0)
    return s, S
