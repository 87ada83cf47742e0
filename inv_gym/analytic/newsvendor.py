"""The newsvendor model for every demand distribution of :mod:`inv_gym.distributions`.

Two forms:

* **Cost form** (overage/underage): order Q before demand D; holding cost h per
  unit left over, shortage (backorder) cost p per unit short (``backorder_cost``,
  as in :class:`~inv_gym.params.InventoryParams`). Expected cost
  g(Q) = h E[(Q - D)^+] + p E[(D - Q)^+]; the optimal Q* is the smallest Q with
  F(Q) >= p / (p + h) (the critical fractile). Snyder & Shen (2019), *Fundamentals
  of Supply Chain Theory*, 2nd ed., eqs. (4.6), (4.15), (4.35).
* **Priced form**: price r, unit cost c, salvage value v per unit left over.
  Expected profit pi(Q) = (r - c) Q - (r - v) E[(Q - D)^+]; Q* = F^{-1}((r - c) / (r - v)).
  This is the suite's ``inv_gym/Newsvendor-v0`` (Normal(100, 20), r = 10, c = 4, v = 1).

Lead time. In the suite's period convention an order placed in period t arrives
at the start of period t + L and costs are charged on end-of-period quantities,
so the net inventory at the end of period t + L under an order-up-to level y is
y - (D_t + ... + D_{t+L}): the relevant demand is the **(L + 1)-period demand**.
:func:`lead_time_demand` builds it: Poisson, negative binomial, geometric,
gamma, exponential and deterministic sums are exact closed forms; normal
means and variances scale (the suite's Normal is censored at 0, so this is
exact only when mu / sigma is large); any other discrete law is convolved
exactly; other continuous laws are convolved numerically on a grid.

Expectations: discrete laws sum over their pmf table (tail beyond 1 - 1e-12
folded into the last atom); the normal (censored at 0), gamma, exponential and
lognormal use closed-form loss functions; the remaining continuous laws
integrate the cdf numerically.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import integrate, stats

from inv_gym.analytic.eoq import check_number
from inv_gym.distributions import (
    Deterministic,
    Distribution,
    Empirical,
    Exponential,
    Gamma,
    Geometric,
    Lognormal,
    NegativeBinomial,
    Normal,
    Poisson,
    RenewalDemand,
    Triangular,
    Uniform,
    as_distribution,
)

__all__ = [
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
]

Level = float | np.ndarray


# ---------------------------------------------------------------------------
# Helpers shared by base_stock, rq and ss
# ---------------------------------------------------------------------------


def check_lead_time(lead_time: Any) -> int:
    """Validate a fixed integer lead time L >= 0."""
    if isinstance(lead_time, bool):
        raise ValueError(f"lead_time must be an integer >= 0, got {lead_time!r}")
    v = check_number("lead_time", lead_time)
    if not float(v).is_integer():
        raise ValueError(f"lead_time must be an integer >= 0, got {lead_time}")
    return int(v)


def check_demand(demand: Any) -> Distribution:
    """Coerce ``demand`` to an i.i.d. Distribution (renewal demand is refused)."""
    dist = as_distribution(demand, name="demand")
    if isinstance(dist, RenewalDemand):
        raise ValueError("demand must be an i.i.d. distribution; renewal demand has no per-period pmf")
    return dist


def atoms(dist: Distribution) -> tuple[np.ndarray, np.ndarray] | None:
    """``(values, probs)`` (sorted) of a discrete law, or None for a continuous one."""
    if isinstance(dist, Empirical):
        return np.asarray(dist.values, dtype=float), np.asarray(dist.probs, dtype=float)
    if isinstance(dist, Deterministic):
        return np.array([float(dist.value)]), np.array([1.0])
    if isinstance(dist, _GridSum):
        return None
    if dist.discrete:
        return dist.pmf_table()
    return None


def _convolve_atoms(values: np.ndarray, probs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Atoms of the sum of ``n`` i.i.d. copies."""
    if np.all(values == np.round(values)) and values.min() >= 0:
        lo, hi = int(values.min()), int(values.max())
        base = np.zeros(hi - lo + 1)
        base[values.astype(int) - lo] = probs
        out = base
        for _ in range(n - 1):
            out = np.convolve(out, base)
        keep = out > 0
        return (np.arange(out.size, dtype=float) + n * lo)[keep], out[keep] / out.sum()
    vals, prs = values, probs
    for _ in range(n - 1):
        v = (vals[:, None] + values[None, :]).ravel()
        p = (prs[:, None] * probs[None, :]).ravel()
        vals, inv = np.unique(np.round(v, 9), return_inverse=True)
        prs = np.bincount(inv.ravel(), weights=p)
    return vals, prs / prs.sum()


class _GridSum(Distribution):
    """Sum of ``n`` i.i.d. copies of a continuous law, convolved on a grid.

    The law is cut into ``cells`` cells of width dx up to its 1 - 1e-10
    quantile; cell masses are convolved and the cdf is interpolated linearly
    between cell edges (error O(dx)).
    """

    family = "gridsum"

    def __init__(self, base: Distribution, n: int, cells: int = 4096) -> None:
        self.base, self.n = base, n
        upper = float(base.ppf(1.0 - 1e-10))
        self.dx = upper / cells
        edges = np.arange(cells + 1) * self.dx
        mass = np.diff(np.asarray(base.cdf(edges), dtype=float))
        out = mass
        for _ in range(n - 1):
            out = np.convolve(out, mass)
        # the sum of n cell midpoints lies at (k + n/2) dx; spread each mass over its cell
        self._edges = (np.arange(out.size + 1) + (n - 1) / 2) * self.dx
        self._cum = np.concatenate([[0.0], np.cumsum(out)])
        self._cum /= self._cum[-1]

    def cdf(self, x: Any) -> Any:
        out = np.interp(np.asarray(x, dtype=float), self._edges, self._cum, left=0.0, right=1.0)
        return out if np.ndim(out) else float(out)

    def ppf(self, q: Any) -> Any:
        out = np.interp(np.asarray(q, dtype=float), self._cum, self._edges)
        return out if np.ndim(out) else float(out)

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        return np.asarray(self.ppf(rng.random(size=shape)), dtype=float)

    @property
    def mean(self) -> float:
        return self.n * self.base.mean

    @property
    def variance(self) -> float:
        return self.n * self.base.variance

    def to_spec(self) -> str:
        return f"sum of {self.n} x {self.base.to_spec()}"


def lead_time_demand(*, demand: Distribution | str | float, lead_time: int = 0) -> Distribution:
    """The (L + 1)-period demand D_t + ... + D_{t+L} in the suite's convention.

    Args:
        demand: per-period demand D (a Distribution or its text form).
        lead_time: L >= 0 periods.

    Returns:
        The distribution of the (L + 1)-period demand (``demand`` itself when L = 0).

    Example:
        >>> lead_time_demand(demand="poisson:5", lead_time=2)
        Poisson(rate=15.0)
        >>> d = lead_time_demand(demand="normal:mean=50,sd=8", lead_time=4)
        >>> d.mu, round(d.sigma, 4)
        (250.0, 17.8885)
    """
    dist = check_demand(demand)
    n = check_lead_time(lead_time) + 1
    if n == 1:
        return dist
    if isinstance(dist, Poisson):
        return Poisson(n * dist.rate)
    if isinstance(dist, NegativeBinomial):
        return NegativeBinomial(n * dist.n, dist.p)
    if isinstance(dist, Geometric):
        return NegativeBinomial(float(n), dist.p)
    if isinstance(dist, Normal):
        return Normal(n * dist.mu, math.sqrt(n) * dist.sigma)
    if isinstance(dist, Gamma):
        return Gamma(n * dist.shape, dist.scale)
    if isinstance(dist, Exponential):
        return Gamma(float(n), dist.mean_value)
    if isinstance(dist, Deterministic):
        return Deterministic(n * dist.value)
    table = atoms(dist)
    if table is not None:
        values, probs = _convolve_atoms(*table, n)
        return Empirical(tuple(values), tuple(probs))
    return _GridSum(dist, n)


def renewal_lead_time_demand(*, demand: Distribution | str, lead_time: int = 0) -> Distribution:
    """A normal approximation of the (L + 1)-period demand of renewal demand.

    Renewal counts are not i.i.d., so :func:`lead_time_demand` refuses them. The
    number N(t) of arrivals in t periods of a renewal process whose interarrival
    times have mean m and SCV c^2 is asymptotically normal,

        N(t) ~ Normal(t / m, t c^2 / m)   (Var N(t) ~ t sigma^2 / m^3, sigma^2 = c^2 m^2),

    the central limit theorem for renewal processes (Ross (1996), *Stochastic
    Processes*, 2nd ed., section 3.3). With t = L + 1 this is
    ``Normal(t / m, sqrt(t c^2 / m))``, censored at 0 like the suite's Normal;
    deterministic interarrival times (c^2 = 0) give ``Deterministic(t / m)``.

    Args:
        demand: renewal demand (a :class:`~inv_gym.distributions.RenewalDemand`
            or its text form ``renewal(...)``).
        lead_time: L >= 0 periods.

    Returns:
        The approximate distribution of the (L + 1)-period demand.

    Example (exponential interarrival times of mean 0.2 make the counts
    Poisson(5); the approximation has the Poisson(15) mean and variance):
        >>> d = renewal_lead_time_demand(demand="renewal(exponential:mean=0.2)", lead_time=2)
        >>> round(d.mu, 6), round(d.sigma**2, 6)
        (15.0, 15.0)
    """
    dist = as_distribution(demand, name="demand")
    if not isinstance(dist, RenewalDemand):
        raise ValueError(
            f"demand must be renewal demand (renewal(...)), got {dist.to_spec()!r}; "
            "lead_time_demand gives the exact sum of i.i.d. demand"
        )
    n = check_lead_time(lead_time) + 1
    mean, variance = n * dist.mean, n * dist.variance
    if variance <= 0:
        return Deterministic(mean)
    return Normal(mean, math.sqrt(variance))


def _loss_pair(dist: Distribution, level: Level) -> tuple[Level, Level]:
    """(E[(y - D)^+], E[(D - y)^+]) for every y in ``level`` (array-friendly)."""
    y = np.asarray(level, dtype=float)
    table = atoms(dist)
    if table is not None:
        values, probs = table
        cum_p = np.concatenate([[0.0], np.cumsum(probs)])
        cum_vp = np.concatenate([[0.0], np.cumsum(values * probs)])
        idx = np.searchsorted(values, y, side="right")
        excess = y * cum_p[idx] - cum_vp[idx]
        mean = cum_vp[-1]
        excess = np.maximum(excess, 0.0)
        shortage = np.maximum(excess - (y - mean), 0.0)
    else:
        shortage = _continuous_shortage(dist, y)
        excess = np.where(y <= 0, 0.0, np.maximum(shortage + (y - dist.mean), 0.0))
    if excess.ndim == 0:
        return float(excess), float(shortage)
    return excess, shortage


def _continuous_shortage(dist: Distribution, y: np.ndarray) -> np.ndarray:
    """E[(D - y)^+] for a continuous, non-negative D."""
    yp = np.maximum(y, 0.0)
    below = y - yp  # <= 0: E[(D - y)^+] = E[(D - 0)^+] - y for y < 0
    if isinstance(dist, Normal):
        z = (yp - dist.mu) / dist.sigma
        out = dist.sigma * (stats.norm.pdf(z) - z * stats.norm.sf(z))
    elif isinstance(dist, (Gamma, Exponential)):
        k, theta = (dist.shape, dist.scale) if isinstance(dist, Gamma) else (1.0, dist.mean_value)
        out = k * theta * stats.gamma.sf(yp, k + 1, scale=theta) - yp * stats.gamma.sf(yp, k, scale=theta)
    elif isinstance(dist, Lognormal):
        m, s = dist.log_mean, dist.log_sd
        with np.errstate(divide="ignore"):
            d1 = (m + s * s - np.log(yp)) / s
        out = dist.mean * stats.norm.cdf(d1) - yp * stats.norm.cdf(d1 - s)
    elif isinstance(dist, (Uniform, Triangular, _GridSum)):
        out = _piecewise_shortage(dist, yp)
    else:
        upper = float(dist.ppf(1.0 - 1e-12))

        def tail(v: float) -> float:
            if v >= upper:
                return 0.0
            return integrate.quad(lambda x: 1.0 - float(dist.cdf(x)), v, upper, limit=200)[0]

        out = np.vectorize(tail, otypes=[float])(yp)
    return np.maximum(out, 0.0) - below


def _piecewise_shortage(dist: Distribution, y: np.ndarray) -> np.ndarray:
    """E[(D - y)^+] for the uniform, the symmetric triangular and grid sums (closed forms)."""
    if isinstance(dist, Uniform):
        a, b = dist.low, dist.high
        inside = (b - np.clip(y, a, b)) ** 2 / (2 * (b - a))
        return np.where(y <= a, dist.mean - y, inside)
    if isinstance(dist, Triangular):
        a, b = dist.low, dist.high
        c = (a + b) / 2
        upper_half = (b - np.clip(y, c, b)) ** 3 / (3 * (b - a) * (b - c))
        lower_excess = (np.clip(y, a, c) - a) ** 3 / (3 * (b - a) * (c - a))
        return np.where(y >= c, upper_half, dist.mean - y + lower_excess)
    # grid sum: the cdf is linear between edges, so the tail integral is a sum of trapezoids
    edges, surv = dist._edges, 1.0 - dist._cum
    pieces = np.diff(edges) * (surv[:-1] + surv[1:]) / 2
    tail = np.concatenate([np.cumsum(pieces[::-1])[::-1], [0.0]])  # tail[i] = int_{edges[i]}^inf (1 - F)
    i = np.clip(np.searchsorted(edges, y, side="right") - 1, 0, edges.size - 2)
    yc = np.clip(y, edges[0], edges[-1])
    f_y = 1.0 - np.asarray(dist.cdf(yc), dtype=float)
    partial = (edges[i + 1] - yc) * (f_y + surv[i + 1]) / 2
    return np.where(y <= edges[0], dist.mean - y, tail[i + 1] + partial)


def expected_excess(*, demand: Distribution | str | float, level: Level, lead_time: int = 0) -> Level:
    """Expected leftover E[(y - D)^+] (first-order complementary loss function).

    Args:
        demand: per-period demand D.
        level: y, a number or an array.
        lead_time: L >= 0; D is then the (L + 1)-period demand.

    Example:
        >>> round(expected_excess(demand="poisson:6", level=10), 4)
        4.0773
    """
    return _loss_pair(lead_time_demand(demand=demand, lead_time=lead_time), level)[0]


def expected_shortage(*, demand: Distribution | str | float, level: Level, lead_time: int = 0) -> Level:
    """Expected shortfall E[(D - y)^+] (first-order loss function n(y)).

    Args:
        demand: per-period demand D.
        level: y, a number or an array.
        lead_time: L >= 0; D is then the (L + 1)-period demand.

    Example (standard normal loss function L(0) = 0.3989, Snyder & Shen eq. (C.17)):
        >>> round(expected_shortage(demand="normal:mean=50,sd=1", level=50), 4)
        0.3989
    """
    return _loss_pair(lead_time_demand(demand=demand, lead_time=lead_time), level)[1]


def quantile(dist: Distribution, alpha: float) -> float:
    """Smallest y with P(D <= y) >= alpha (for discrete laws an atom of D)."""
    table = atoms(dist)
    if table is not None:
        values, probs = table
        idx = int(np.searchsorted(np.cumsum(probs), alpha - 1e-12, side="left"))
        return float(values[min(idx, values.size - 1)])
    return float(dist.ppf(alpha))


def newsvendor_critical_ratio(*, holding_cost: float, backorder_cost: float) -> float:
    """The critical fractile p / (p + h) (Snyder & Shen eq. (4.15)).

    Args:
        holding_cost: h >= 0 per unit left over.
        backorder_cost: p >= 0 per unit short; h + p > 0.

    Example:
        >>> round(newsvendor_critical_ratio(holding_cost=0.18, backorder_cost=0.7), 4)
        0.7955
    """
    h = check_number("holding_cost", holding_cost)
    p = check_number("backorder_cost", backorder_cost)
    if h + p <= 0:
        raise ValueError("holding_cost + backorder_cost must be > 0, got 0")
    return p / (p + h)


def newsvendor_order_quantity(
    *, demand: Distribution | str | float, holding_cost: float, backorder_cost: float, lead_time: int = 0
) -> float:
    """Optimal quantity Q* = F^{-1}(p / (p + h)): smallest Q with F(Q) >= p / (p + h).

    Snyder & Shen (2019), Theorem 4.1 / eq. (4.35) (discrete demand).

    Args:
        demand: per-period demand D (any Distribution of the suite, or its text form).
        holding_cost: h >= 0 per unit left over.
        backorder_cost: p >= 0 per unit short.
        lead_time: L >= 0; F is then the cdf of the (L + 1)-period demand.

    Example (Snyder & Shen, Example 4.3):
        >>> round(newsvendor_order_quantity(demand="normal:mean=50,sd=8", holding_cost=0.18, backorder_cost=0.7), 2)
        56.6
    """
    alpha = newsvendor_critical_ratio(holding_cost=holding_cost, backorder_cost=backorder_cost)
    return quantile(lead_time_demand(demand=demand, lead_time=lead_time), alpha)


def newsvendor_cost(
    *,
    demand: Distribution | str | float,
    holding_cost: float,
    backorder_cost: float,
    order_quantity: Level | None = None,
    lead_time: int = 0,
) -> Level:
    """Expected cost g(Q) = h E[(Q - D)^+] + p E[(D - Q)^+].

    Snyder & Shen (2019), eq. (4.6).

    Args:
        demand: per-period demand D.
        holding_cost: h >= 0.
        backorder_cost: p >= 0.
        order_quantity: Q (number or array); None for Q*.
        lead_time: L >= 0; D is then the (L + 1)-period demand.

    Example (Snyder & Shen, Example 4.3):
        >>> round(newsvendor_cost(demand="normal:mean=50,sd=8", holding_cost=0.18, backorder_cost=0.7), 3)
        1.998
    """
    h = check_number("holding_cost", holding_cost)
    p = check_number("backorder_cost", backorder_cost)
    dist = lead_time_demand(demand=demand, lead_time=lead_time)
    if order_quantity is None:
        order_quantity = quantile(dist, newsvendor_critical_ratio(holding_cost=h, backorder_cost=p))
    excess, shortage = _loss_pair(dist, order_quantity)
    return h * excess + p * shortage


def _priced(price: float, unit_cost: float, salvage_value: float) -> tuple[float, float, float]:
    r = check_number("price", price, strict=True)
    v = check_number("salvage_value", salvage_value)
    if v >= r:
        raise ValueError(f"salvage_value must be < price = {r:g}, got {v:g}")
    c = check_number("unit_cost", unit_cost, low=v)
    if c > r:
        raise ValueError(f"unit_cost must be in [salvage_value, price] = [{v:g}, {r:g}], got {c:g}")
    return r, c, v


def newsvendor_priced_order_quantity(
    *, demand: Distribution | str | float, price: float, unit_cost: float, salvage_value: float = 0.0
) -> float:
    """Optimal quantity of the priced newsvendor, Q* = F^{-1}((r - c) / (r - v)).

    Underage cost r - c, overage cost c - v (Snyder & Shen (2019), section 4.3.2;
    Porteus (2002), ch. 1).

    Args:
        demand: the period's demand D.
        price: r > 0 per unit sold.
        unit_cost: c in [v, r] per unit ordered.
        salvage_value: v in [0, r) per unit left over.

    Example (the suite's Newsvendor-v0: Normal(100, 20), r = 10, c = 4, v = 1):
        >>> round(newsvendor_priced_order_quantity(demand="normal:mean=100,sd=20", price=10, unit_cost=4,
        ...                                        salvage_value=1), 2)
        108.61
    """
    r, c, v = _priced(price, unit_cost, salvage_value)
    return quantile(check_demand(demand), (r - c) / (r - v))


def newsvendor_priced_profit(
    *,
    demand: Distribution | str | float,
    price: float,
    unit_cost: float,
    salvage_value: float = 0.0,
    order_quantity: Level | None = None,
) -> Level:
    """Expected profit pi(Q) = r E[min(Q, D)] + v E[(Q - D)^+] - c Q = (r - c) Q - (r - v) E[(Q - D)^+].

    This is the expected reward of ``inv_gym/Newsvendor-v0`` for the order Q
    (revenue on sales, salvage on the leftover, purchase cost on the order).

    Args:
        demand: the period's demand D.
        price: r > 0.
        unit_cost: c in [v, r].
        salvage_value: v in [0, r).
        order_quantity: Q >= 0 (number or array); None for Q*.

    Example (Newsvendor-v0):
        >>> round(newsvendor_priced_profit(demand="normal:mean=100,sd=20", price=10, unit_cost=4, salvage_value=1), 2)
        534.55
    """
    r, c, v = _priced(price, unit_cost, salvage_value)
    dist = check_demand(demand)
    if order_quantity is None:
        order_quantity = quantile(dist, (r - c) / (r - v))
    q = np.asarray(order_quantity, dtype=float)
    if np.any(q < 0):
        raise ValueError(f"order_quantity must be >= 0, got {order_quantity}")
    excess, _ = _loss_pair(dist, q)
    out = (r - c) * q - (r - v) * np.asarray(excess)
    return out if out.ndim else float(out)


def newsvendor_priced_loss_probability(
    *,
    demand: Distribution | str | float,
    price: float,
    unit_cost: float,
    salvage_value: float = 0.0,
    order_quantity: float | None = None,
) -> float:
    """Pr[profit < 0] for the order Q: P(D < (c - v) Q / (r - v)).

    With D >= Q the profit (r - c) Q is >= 0; with D < Q it is
    (r - v) D - (c - v) Q, negative exactly when D < (c - v) Q / (r - v).

    Args:
        demand: the period's demand D.
        price: r > 0.
        unit_cost: c in [v, r].
        salvage_value: v in [0, r).
        order_quantity: Q >= 0; None for Q*.

    Example (Newsvendor-v0 at Q*: P(D < 36.2) = Phi(-3.19)):
        >>> round(newsvendor_priced_loss_probability(demand="normal:mean=100,sd=20", price=10, unit_cost=4,
        ...                                          salvage_value=1), 5)
        0.00071
    """
    r, c, v = _priced(price, unit_cost, salvage_value)
    dist = check_demand(demand)
    q = quantile(dist, (r - c) / (r - v)) if order_quantity is None else check_number("order_quantity", order_quantity)
    x = (c - v) * q / (r - v)
    table = atoms(dist)
    if table is not None:
        values, probs = table
        return float(probs[values < x].sum())
    if x <= 0:
        return 0.0  # D >= 0 (the censored normal's atom at 0 is not below 0)
    return float(dist.cdf(x))  # continuous: P(D < x) = F(x)
