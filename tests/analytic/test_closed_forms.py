"""Closed forms of inv_gym.analytic: EOQ, newsvendor, base stock, (Q, r).

Pinned values come from Snyder & Shen (2019), *Fundamentals of Supply Chain
Theory*, 2nd ed. (examples as numbered there), and from independent evaluation
of the textbook formulas. Simulations run the suite's period kernel
(:func:`inv_gym.dynamics.step`) and check the exact costs within a 95% CI.

Timing conventions: Snyder & Shen's periodic-review base-stock examples (4.4)
use the (L + 1)-period demand, as the suite does; their (Q, r) chapter is in
continuous time (lead-time demand over l, no review period), and those formulas
are tested as such.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from inv_gym.analytic import (
    base_stock_cost,
    base_stock_cr_normal,
    base_stock_cr_poisson,
    base_stock_fill_rate,
    base_stock_level,
    eoq_cost,
    eoq_hs_cost,
    eoq_order_quantity,
    eoqb_backorder_fraction,
    eoqb_cost,
    eoqb_order_quantity,
    expected_excess,
    expected_shortage,
    lead_time_demand,
    newsvendor_cost,
    newsvendor_order_quantity,
    newsvendor_priced_loss_probability,
    newsvendor_priced_order_quantity,
    newsvendor_priced_profit,
    renewal_lead_time_demand,
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
from inv_gym.distributions import (
    Deterministic,
    DiscreteUniform,
    Empirical,
    Exponential,
    Gamma,
    Geometric,
    Lognormal,
    NegativeBinomial,
    Normal,
    Poisson,
    RenewalDemand,
    Rounded,
    Triangular,
    Uniform,
)
from inv_gym.dynamics import EV, initial_state, inventory_position, kernel_params, step
from inv_gym.params import InventoryParams
from inv_gym.presets import preset_params

# ---------------------------------------------------------------------------
# A small simulation loop on the kernel (shared with test_ss.py)
# ---------------------------------------------------------------------------


def simulate(params: InventoryParams, policy, *, reps: int, horizon: int, warmup: int, seed: int,
             initial_inventory: float = 0.0, column: str = "cost") -> np.ndarray:  # fmt: skip
    """Per-replication average of event ``column`` per period over ``horizon`` periods after ``warmup``.

    ``policy(inventory_position (N,)) -> orders (N,)``; demand drawn from
    ``np.random.default_rng(seed)``; lead time fixed at ``params.lead_time``.
    """
    rng = np.random.default_rng(seed)
    p = kernel_params(params)
    state = initial_state(params, reps, initial_inventory)
    lead = np.full(reps, int(params.lead_time), dtype=np.int64)
    total = np.zeros(reps)
    periods = warmup + horizon
    for t in range(periods):
        order = np.asarray(policy(inventory_position(params, state)), dtype=float)
        demand = params.demand.sample(rng, reps)
        last = np.full(reps, params.finite_horizon and t == periods - 1)
        events = step(p, state, order, demand, lead, last)
        if t >= warmup:
            total += events[:, EV[column]]
    return total / horizon


def assert_in_ci(samples: np.ndarray, exact: float) -> None:
    """``exact`` lies in the 95% confidence interval of the mean of ``samples``."""
    mean = float(samples.mean())
    half = 1.96 * float(samples.std(ddof=1)) / math.sqrt(samples.size)
    assert abs(mean - exact) <= half, f"exact {exact:.4f} outside {mean:.4f} +- {half:.4f}"


# ---------------------------------------------------------------------------
# EOQ
# ---------------------------------------------------------------------------


def test_eoq_snyder_shen_example_3_1() -> None:
    # K = 8, h = 0.225, lambda = 1300: Q* = 304.05, g* = 68.41
    kw = dict(fixed_order_cost=8, holding_cost=0.225, demand_rate=1300)
    q = eoq_order_quantity(**kw)
    assert q == pytest.approx(304.0467800264368, abs=1e-9)
    assert eoq_cost(**kw) == pytest.approx(68.41052550594829, abs=1e-9)
    assert eoq_cost(**kw, order_quantity=q) == pytest.approx(eoq_cost(**kw))
    assert eoq_cost(**kw, order_quantity=2 * q) > eoq_cost(**kw)
    # Hopp & Spearman: the purchase cost c D is added, Q* unchanged
    assert eoq_hs_cost(**kw, unit_cost=2.5) == pytest.approx(68.41052550594829 + 2.5 * 1300)
    assert eoq_hs_cost(**kw, unit_cost=2.5, order_quantity=q) == pytest.approx(eoq_hs_cost(**kw, unit_cost=2.5))


def test_eoqb() -> None:
    kw = dict(fixed_order_cost=8, holding_cost=0.225, backorder_cost=7.5, demand_rate=1300)
    q = eoqb_order_quantity(**kw)
    assert q == pytest.approx(308.5737801203754, abs=1e-9)  # Snyder & Shen Example 5.4's Q
    x = eoqb_backorder_fraction(holding_cost=0.225, backorder_cost=7.5)
    assert x == pytest.approx(0.225 / 7.725)
    g_star = math.sqrt(2 * 8 * 1300 * 0.225 * 7.5 / 7.725)
    assert eoqb_cost(**kw) == pytest.approx(g_star)
    assert eoqb_cost(**kw, order_quantity=q, backorder_fraction=x) == pytest.approx(g_star)
    assert eoqb_cost(**kw, backorder_fraction=0.0, order_quantity=q) > g_star
    # no backorders allowed (p -> infinity) recovers the EOQ
    big = dict(kw, backorder_cost=1e12)
    assert eoqb_order_quantity(**big) == pytest.approx(304.0467800264368, rel=1e-6)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: eoq_order_quantity(fixed_order_cost=8, holding_cost=0, demand_rate=1), "holding_cost must be > 0"),
        (
            lambda: eoq_order_quantity(fixed_order_cost=-1, holding_cost=1, demand_rate=1),
            "fixed_order_cost must be >= 0",
        ),
        (lambda: eoq_cost(fixed_order_cost=1, holding_cost=1, demand_rate=1, order_quantity=0), "order_quantity"),
        (
            lambda: eoqb_cost(
                fixed_order_cost=1, holding_cost=1, backorder_cost=1, demand_rate=1, backorder_fraction=2
            ),
            "backorder_fraction must be in",
        ),
        (lambda: newsvendor_order_quantity(demand="poisson:5", holding_cost=-1, backorder_cost=1), "holding_cost"),
        (
            lambda: newsvendor_order_quantity(demand="poisson:5", holding_cost=1, backorder_cost=1, lead_time=1.5),
            "lead_time must be an integer",
        ),
        (
            lambda: newsvendor_priced_order_quantity(demand="poisson:5", price=5, unit_cost=6, salvage_value=1),
            "unit_cost must be in",
        ),
        (
            lambda: newsvendor_priced_profit(demand="poisson:5", price=5, unit_cost=3, salvage_value=6),
            "salvage_value must be < price",
        ),
        (
            lambda: rq_poisson_cost(
                order_quantity=0,
                reorder_point=1,
                demand_rate=1,
                lead_time=1,
                fixed_order_cost=1,
                holding_cost=1,
                backorder_cost=1,
            ),  # fmt: skip
            "order_quantity must be >= 1",
        ),
        (lambda: newsvendor_cost(demand="renewal(exponential:1)", holding_cost=1, backorder_cost=1), "renewal"),
        (lambda: renewal_lead_time_demand(demand="poisson:5"), "demand must be renewal demand"),
        (lambda: base_stock_fill_rate(demand=0, level=3), "demand must have a mean > 0"),
        (lambda: base_stock_fill_rate(demand="poisson:5", level=3, lead_time=-1), "lead_time must be >= 0"),
    ],
)
def test_bad_input_names_the_parameter(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()


# ---------------------------------------------------------------------------
# Newsvendor
# ---------------------------------------------------------------------------


def test_newsvendor_snyder_shen_example_4_3() -> None:
    # h = 0.18, p = 0.7, N(50, 8): S* = 56.60, g(S*) = 1.998
    kw = dict(demand=Normal(50, 8), holding_cost=0.18, backorder_cost=0.7)
    s_star = newsvendor_order_quantity(**kw)
    assert s_star == pytest.approx(50 + 8 * stats.norm.ppf(0.7 / 0.88), abs=1e-9)
    assert round(s_star, 2) == 56.60
    cost = newsvendor_cost(**kw)
    assert cost == pytest.approx(0.88 * 8 * stats.norm.pdf(stats.norm.ppf(0.7 / 0.88)), abs=1e-8)
    assert round(cost, 3) == 1.998
    # g is minimal at S*
    grid = np.linspace(40, 70, 61)
    assert np.all(newsvendor_cost(**kw, order_quantity=grid) >= cost - 1e-12)


def test_newsvendor_v0_default() -> None:
    # Normal(100, 20), r = 10, c = 4, v = 1: Q* = F^{-1}(2/3)
    kw = dict(demand=Normal(100, 20), price=10, unit_cost=4, salvage_value=1)
    z = stats.norm.ppf(2 / 3)
    q = newsvendor_priced_order_quantity(**kw)
    assert q == pytest.approx(100 + 20 * z, abs=1e-9)
    excess = 20 * (z * stats.norm.cdf(z) + stats.norm.pdf(z))
    # uncensored textbook value; the suite's Normal is censored at 0, which moves it by ~1e-5
    assert newsvendor_priced_profit(**kw) == pytest.approx(6 * q - 9 * excess, abs=1e-4)
    assert round(newsvendor_priced_profit(**kw), 2) == 534.55
    assert newsvendor_priced_loss_probability(**kw) == pytest.approx(stats.norm.cdf((q / 3 - 100) / 20), abs=1e-12)
    # the priced form equals the cost form with h = c - v, p = r - c: pi(Q) = (r - c) E[D] - g(Q)
    g = newsvendor_cost(demand=Normal(100, 20), holding_cost=3, backorder_cost=6, order_quantity=q)
    assert newsvendor_priced_profit(**kw, order_quantity=q) == pytest.approx(6 * Normal(100, 20).mean - g, abs=1e-6)


def test_newsvendor_v0_simulated_profit_matches() -> None:
    params = preset_params("inv_gym/Newsvendor-v0")
    q = 109.0  # the integer action nearest Q* = 108.61
    reward = simulate(params, lambda ip: np.full(ip.shape, q), reps=40000, horizon=1, warmup=0, seed=7,
                      column="reward")  # fmt: skip
    exact = newsvendor_priced_profit(demand=params.demand, price=10, unit_cost=4, salvage_value=1, order_quantity=q)
    assert_in_ci(reward, exact)


def test_loss_probability_is_zero_without_an_order() -> None:
    """Pr[profit < 0] at Q = 0 is 0, also for the censored normal, whose F(0) > 0 is an atom at 0."""
    kw = dict(price=10, unit_cost=4, salvage_value=1, order_quantity=0)
    demand = Normal(100, 100)
    assert float(demand.cdf(0.0)) > 0.15
    assert newsvendor_priced_loss_probability(demand=demand, **kw) == 0.0
    assert newsvendor_priced_loss_probability(demand="poisson:5", **kw) == 0.0


def test_newsvendor_discrete_brute_force() -> None:
    demand = Empirical((0, 1, 2, 3, 4), (0.1, 0.25, 0.35, 0.21, 0.09))
    h, p = 1.0, 3.0
    levels = np.arange(-2, 8)
    brute = [sum(pr * (h * max(y - d, 0) + p * max(d - y, 0)) for d, pr in zip(demand.values, demand.probs))
             for y in levels]  # fmt: skip
    np.testing.assert_allclose(newsvendor_cost(demand=demand, holding_cost=h, backorder_cost=p, order_quantity=levels),
                               brute, atol=1e-12)  # fmt: skip
    best = levels[int(np.argmin(brute))]
    assert newsvendor_order_quantity(demand=demand, holding_cost=h, backorder_cost=p) == best == 3
    # Pr[profit < 0] with r = 10, c = 6, v = 0 at Q = 4: P(D < 2.4) = 0.7
    assert newsvendor_priced_loss_probability(demand=demand, price=10, unit_cost=6, order_quantity=4) == pytest.approx(
        0.7
    )


CONTINUOUS = [
    Normal(20, 6),
    Normal(3, 4),  # censored at 0 by the suite
    Gamma(2.0, 3.0),
    Exponential(5.0),
    Lognormal(1.5, 0.5),
    Uniform(2.0, 12.0),
    Triangular(1.0, 9.0),
]


@pytest.mark.parametrize("dist", CONTINUOUS, ids=lambda d: d.to_spec())
def test_loss_functions_continuous(dist) -> None:
    """E[(D - y)^+] = int_y^inf (1 - F) and E[(y - D)^+] = int_0^y F, for the suite's (censored) laws."""
    upper = float(dist.ppf(1 - 1e-13))
    for y in (0.0, 0.5 * dist.mean, dist.mean, 1.7 * dist.mean):
        xs = np.linspace(y, upper, 200_001)
        short = integrate.simpson(1 - dist.cdf(xs), x=xs)
        xs = np.linspace(0, y, 200_001)
        excess = integrate.simpson(dist.cdf(xs), x=xs) if y > 0 else 0.0
        assert expected_shortage(demand=dist, level=y) == pytest.approx(short, abs=1e-6)
        assert expected_excess(demand=dist, level=y) == pytest.approx(excess, abs=1e-6)
    # below zero: no excess, shortage E[D] - y
    assert expected_excess(demand=dist, level=-1.0) == 0.0
    assert expected_shortage(demand=dist, level=-1.0) == pytest.approx(dist.mean + 1.0, abs=1e-6)


DISCRETE = [
    Poisson(4.0),
    Geometric(3.0),
    NegativeBinomial(3.0, 0.4),
    DiscreteUniform(2, 7),
    Empirical((0, 1, 2, 5), (0.1, 0.4, 0.3, 0.2)),
    Rounded(Gamma(4.0, 1.0)),
]


@pytest.mark.parametrize("dist", DISCRETE, ids=lambda d: d.to_spec())
@pytest.mark.parametrize("lead_time", [0, 2])
def test_lead_time_demand_discrete(dist, lead_time) -> None:
    """The (L + 1)-period demand: closed forms and convolutions agree with a direct convolution."""
    values, probs = dist.pmf_table()
    conv = probs
    for _ in range(lead_time):
        conv = np.convolve(conv, probs)
    total = lead_time_demand(demand=dist, lead_time=lead_time)
    k = np.arange(conv.size)
    np.testing.assert_allclose(np.asarray(total.pmf(k), dtype=float), conv, atol=1e-9)
    for y in (0, 5, 11):
        brute = float(np.dot(np.maximum(k - y, 0), conv))
        assert expected_shortage(demand=dist, level=y, lead_time=lead_time) == pytest.approx(brute, abs=1e-8)
    alpha = 0.8
    s_star = newsvendor_order_quantity(demand=dist, holding_cost=1 - alpha, backorder_cost=alpha, lead_time=lead_time)
    cum = np.cumsum(conv)
    assert s_star == int(np.argmax(cum >= alpha - 1e-12))


@pytest.mark.parametrize("dist", [Uniform(2.0, 12.0), Triangular(1.0, 9.0), Lognormal(1.5, 0.5)], ids=str)
def test_lead_time_demand_continuous_grid(dist) -> None:
    """Families without a closed-form sum are convolved on a grid; check against Monte Carlo."""
    rng = np.random.default_rng(3)
    draws = dist.sample(rng, (200_000, 3)).sum(axis=1)
    total = lead_time_demand(demand=dist, lead_time=2)
    assert total.mean == pytest.approx(3 * dist.mean)
    for q in (0.2, 0.5, 0.9):
        assert float(total.ppf(q)) == pytest.approx(np.quantile(draws, q), rel=0.01)
    y = float(np.quantile(draws, 0.7))
    mc = np.maximum(draws - y, 0)
    assert expected_shortage(demand=dist, level=y, lead_time=2) == pytest.approx(mc.mean(), abs=4 * mc.std() / 447)


def test_renewal_lead_time_demand_is_the_renewal_clt() -> None:
    """Mean t / m and variance t c^2 / m over t = L + 1 periods; Poisson counts for exponential gaps."""
    poisson_like = renewal_lead_time_demand(demand=RenewalDemand(Exponential(0.2)), lead_time=2)
    assert (poisson_like.mu, poisson_like.sigma**2) == (pytest.approx(15.0), pytest.approx(15.0))
    gaps = Gamma.from_mean_scv(0.5, 2.0)  # 2 arrivals per period, interarrival SCV 2
    d = renewal_lead_time_demand(demand=RenewalDemand(gaps), lead_time=3)
    assert (d.mu, d.sigma**2) == (pytest.approx(8.0), pytest.approx(4 * 2.0 / 0.5))
    # the approximation is close to simulated counts over 4 periods
    counts = RenewalDemand(gaps).sample_path(np.random.default_rng(5), 20_000, 40)[:, 20:24].sum(axis=1)
    assert counts.mean() == pytest.approx(d.mu, rel=0.02)
    assert counts.var() == pytest.approx(d.sigma**2, rel=0.15)
    assert renewal_lead_time_demand(demand=RenewalDemand(Deterministic(0.25)), lead_time=1) == Deterministic(8.0)


def test_lead_time_demand_closed_forms() -> None:
    assert lead_time_demand(demand=Poisson(5), lead_time=2) == Poisson(15)
    assert lead_time_demand(demand=Gamma(2.0, 3.0), lead_time=3) == Gamma(8.0, 3.0)
    assert lead_time_demand(demand=Exponential(2.0), lead_time=1) == Gamma(2.0, 2.0)
    n = lead_time_demand(demand=Normal(50, 8), lead_time=4)
    assert (n.mu, n.sigma) == (250, pytest.approx(8 * math.sqrt(5)))


@settings(max_examples=40, deadline=None)
@given(
    family=st.sampled_from(["poisson", "normal", "empirical", "gamma"]),
    a1=st.floats(0.02, 0.98),
    a2=st.floats(0.02, 0.98),
    lead_time=st.integers(0, 3),
)
def test_base_stock_level_rises_with_critical_ratio(family, a1, a2, lead_time) -> None:
    """S* is nondecreasing in p / (p + h)."""
    dist = {
        "poisson": Poisson(6.0),
        "normal": Normal(30, 9),
        "empirical": Empirical((0, 2, 3, 7), (0.3, 0.2, 0.4, 0.1)),
        "gamma": Gamma(2.0, 2.0),
    }[family]
    lo, hi = sorted((a1, a2))
    s_lo = base_stock_level(demand=dist, holding_cost=1 - lo, backorder_cost=lo, lead_time=lead_time)
    s_hi = base_stock_level(demand=dist, holding_cost=1 - hi, backorder_cost=hi, lead_time=lead_time)
    assert s_lo <= s_hi + 1e-9


# ---------------------------------------------------------------------------
# Base stock
# ---------------------------------------------------------------------------


def test_base_stock_snyder_shen_example_4_4() -> None:
    # h = 0.18, p = 0.7, N(50, 8) per period, L = 4 (periodic review: 5-period demand)
    kw = dict(demand=Normal(50, 8), holding_cost=0.18, backorder_cost=0.7, lead_time=4)
    assert base_stock_level(**kw) == pytest.approx(264.7668943741548, abs=1e-8)
    assert base_stock_cost(**kw) == pytest.approx(4.466781004149578, abs=1e-8)
    assert base_stock_cost(**kw, level=180) == pytest.approx(49.000164, abs=1e-5)


def test_base_stock_v0_simulation_agrees() -> None:
    """BaseStock-v0 (Poisson(5), L = 2, h = 1, b = 9): S* = 20, exact cost 7.1230 per period."""
    params = preset_params("inv_gym/BaseStock-v0")
    kw = dict(demand=params.demand, holding_cost=1, backorder_cost=9, lead_time=2)
    s_star = base_stock_level(**kw)
    exact = base_stock_cost(**kw)
    assert (s_star, round(exact, 4)) == (20, 7.1230)
    # the neighbours are worse: S* is the integer optimum
    assert base_stock_cost(**kw, level=19) > exact < base_stock_cost(**kw, level=21)
    costs = simulate(params, lambda ip: np.maximum(s_star - ip, 0.0), reps=64, horizon=2000, warmup=20, seed=11,
                     initial_inventory=s_star)  # fmt: skip
    assert_in_ci(costs, exact)


def test_base_stock_fill_rate_brute_force() -> None:
    """beta(S) = E[min((S - X)^+, D)] / E[D], X ~ Poisson(L lambda), D ~ Poisson(lambda), by double sum."""
    lam, lead = 5.0, 2
    k = np.arange(80)
    px, pd_ = stats.poisson.pmf(k, lead * lam), stats.poisson.pmf(k, lam)
    for s in (0, 7, 15, 20, 30):
        met = np.minimum(np.maximum(s - k[:, None], 0), k[None, :])
        brute = float(np.sum(px[:, None] * pd_[None, :] * met)) / lam
        assert base_stock_fill_rate(demand=Poisson(lam), level=s, lead_time=lead) == pytest.approx(brute, abs=1e-10)
    levels = np.array([3.0, 12.0])
    np.testing.assert_allclose(base_stock_fill_rate(demand=Poisson(lam), level=levels),
                               1 - expected_shortage(demand=Poisson(lam), level=levels) / lam, atol=1e-12)  # fmt: skip


def test_base_stock_fill_rate_continuous_monte_carlo() -> None:
    dist, lead, s = Gamma(2.0, 3.0), 1, 14.0
    rng = np.random.default_rng(9)
    x, d = dist.sample(rng, 400_000), dist.sample(rng, 400_000)
    met = np.minimum(np.maximum(s - x, 0), d)
    mc = met.mean() / dist.mean
    assert base_stock_fill_rate(demand=dist, level=s, lead_time=lead) == pytest.approx(mc, abs=4 * met.std() / 632 / 6)


def test_base_stock_continuous_review_poisson() -> None:
    # theta = 10, h = 1, b = 9 (Hopp & Spearman eqs. (2.19)-(2.28))
    r = base_stock_cr_poisson(demand_rate=5, lead_time=2, holding_cost=1, backorder_cost=9)
    assert r.level == 14  # smallest R with G(R) >= 0.9
    assert stats.poisson.cdf(13, 10) < 0.9 <= stats.poisson.cdf(14, 10)
    assert r.fill_rate == pytest.approx(stats.poisson.cdf(13, 10))
    k = np.arange(200)
    b = float(np.dot(np.maximum(k - 14, 0), stats.poisson.pmf(k, 10)))
    assert r.expected_backorders == pytest.approx(b, abs=1e-12)
    assert r.expected_on_hand == pytest.approx(14 - 10 + b)
    assert r.cost == pytest.approx(r.expected_on_hand + 9 * b)
    other = base_stock_cr_poisson(demand_rate=5, lead_time=2, holding_cost=1, backorder_cost=9, level=12)
    assert other.cost > r.cost


def test_base_stock_continuous_review_normal() -> None:
    r = base_stock_cr_normal(demand_rate=50, demand_sd=8, lead_time=4, holding_cost=0.18, backorder_cost=0.7)
    sigma = 8 * 2
    z = stats.norm.ppf(0.7 / 0.88)
    assert r.level == pytest.approx(200 + z * sigma)
    assert r.fill_rate == pytest.approx(0.7 / 0.88)
    assert r.expected_backorders == pytest.approx(sigma * (stats.norm.pdf(z) - z * stats.norm.sf(z)))
    assert r.cost == pytest.approx(0.88 * sigma * stats.norm.pdf(z))


# ---------------------------------------------------------------------------
# (Q, r)
# ---------------------------------------------------------------------------

EX_5_8 = dict(demand_rate=1.5, lead_time=2, fixed_order_cost=100, holding_cost=20, backorder_cost=150)


def test_rq_poisson_snyder_shen_example_5_8() -> None:
    # h = 20, p = 150, K = 100, lambda = 1.5, l = 2: (r, Q) = (3, 5), cost 107.9236
    best = rq_poisson_optimal_policy(**EX_5_8)
    assert (best.reorder_point, best.order_quantity) == (3, 5)
    assert best.cost == pytest.approx(107.92358063314975, abs=1e-9)
    assert rq_poisson_cost(order_quantity=5, reorder_point=3, **EX_5_8) == pytest.approx(107.92358063314975)
    assert rq_poisson_cost(order_quantity=12, reorder_point=8, **EX_5_8) == pytest.approx(242.5281637662021)
    # brute force over a grid
    grid = min(
        (rq_poisson_cost(order_quantity=q, reorder_point=r, **EX_5_8), r, q)
        for q in range(1, 15)
        for r in range(-3, 12)
    )
    assert grid[1:] == (3, 5)


def test_rq_poisson_performance_measures() -> None:
    # Hopp & Spearman eqs. (2.33)-(2.36) against direct sums, theta = 3
    kw = dict(order_quantity=5, reorder_point=3, demand_rate=1.5, lead_time=2)
    k = np.arange(100)
    pmf = stats.poisson.pmf(k, 3.0)

    def b(x: int) -> float:
        return float(np.dot(np.maximum(k - x, 0), pmf))

    backorders = np.mean([b(y) for y in range(4, 9)])
    assert rq_poisson_backorders(**kw) == pytest.approx(backorders)
    assert rq_poisson_on_hand(**kw) == pytest.approx((5 + 1) / 2 + 3 - 3 + backorders)
    assert rq_poisson_fill_rate(**kw) == pytest.approx(1 - (b(3) - b(8)) / 5)
    # Q = 1 is base stock with R = r + 1: fill rate G(r)
    assert rq_poisson_fill_rate(order_quantity=1, reorder_point=3, demand_rate=1.5, lead_time=2) == pytest.approx(
        stats.poisson.cdf(3, 3.0)
    )
    cost = 100 * 1.5 / 5 + 20 * rq_poisson_on_hand(**kw) + 150 * backorders
    assert rq_poisson_cost(**kw, fixed_order_cost=100, holding_cost=20, backorder_cost=150) == pytest.approx(cost)


EX_5_1 = dict(
    demand_rate=1300, demand_sd=150, lead_time=1 / 12, fixed_order_cost=8, holding_cost=0.225, backorder_cost=7.5
)


def test_rq_normal_snyder_shen_examples_5_1_to_5_6() -> None:
    """Snyder & Shen Examples 5.1-5.6 (lambda = 1300, tau = 150, l = 1/12, h = 0.225, p = 7.5, K = 8)."""
    cost = rq_normal_cost(order_quantity=328.5, reorder_point=126.8, **EX_5_1)
    assert cost == pytest.approx(78.07116250928294, abs=1e-8)
    assert rq_normal_cost(order_quantity=250, reorder_point=100, **EX_5_1) == pytest.approx(87.34647802817498, abs=1e-8)
    rkw = {k: v for k, v in EX_5_1.items() if k != "fixed_order_cost"}
    for q, r in ((318, 127.7880348669655), (150, 147.1949581740714), (750, 99.85377339616528)):
        assert rq_normal_reorder_point(order_quantity=q, **rkw) == pytest.approx(r, abs=1e-5)
    best = rq_normal_optimal_policy(**EX_5_1)  # Example 5.2: r = 126.8, Q = 328.5, 78.07
    assert best.reorder_point == pytest.approx(126.867, abs=2e-3)
    assert best.order_quantity == pytest.approx(328.449, abs=2e-3)
    assert best.cost == pytest.approx(78.0711, abs=1e-4)
    # (approximation, r, Q) of Snyder & Shen Examples 5.3 (EIL), 5.4 (EOQB), 5.5 (EOQ+SS), 5.6 (loss function)
    table = [
        (rq_eil_approximation, 213.9704421358024, 318.5901810768729),
        (rq_eoqb_approximation, 128.6378144242710, 308.5737801203754),
        (rq_eoq_ss_approximation, 190.3369965715624, 304.0467800264368),
        (rq_loss_function_approximation, 126.8670642878315, 328.4491413581765),
    ]
    for approximation, r, q in table:
        policy = approximation(**EX_5_1)
        assert policy.reorder_point == pytest.approx(r, abs=1e-4), approximation.__name__
        assert policy.order_quantity == pytest.approx(q, abs=1e-4), approximation.__name__
        # no approximation beats the optimum of the continuous normal model
        assert policy.cost >= best.cost - 1e-6
