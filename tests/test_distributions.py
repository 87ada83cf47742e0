"""Distributions: moments, pmf, quantiles, text form, renewal counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from inv_gym import distributions as D
from inv_gym.distributions import parse_distribution

SPECS = [
    "poisson:5",
    "poisson:0.3",
    "geometric:mean=5",
    "negbin:mean=5,scv=0.5",
    "negbin:n=3,p=0.4",
    "normal:mean=100,sd=20",
    "gamma:mean=5,scv=0.5",
    "gamma:shape=2,scale=3",
    "lognormal:mean=5,scv=0.5",
    "uniform:low=2,high=8",
    "uniform:mean=5,scv=0.2",
    "duniform:low=1,high=4",
    "triangular:low=0,high=10",
    "triangular:mean=5,scv=0.1",
    "exponential:mean=3",
    "exponential:rate=0.5",
    "deterministic:10",
    "empirical:values=0 1 2 3 4,probs=0.1 0.25 0.35 0.21 0.09",
    "round(gamma:mean=4,cv=0.5)",
]


@pytest.mark.parametrize("spec", SPECS)
def test_text_form_round_trip_and_moments(spec):
    d = parse_distribution(spec)
    assert parse_distribution(d.to_spec()) == d or parse_distribution(d.to_spec()).to_spec() == d.to_spec()
    x = d.sample(np.random.default_rng(0), 200_000)
    assert x.dtype == np.float64 and x.shape == (200_000,) and np.all(x >= 0)
    if d.discrete:
        assert np.all(x == np.round(x))
    tol = 4 * d.sd / math.sqrt(x.size) + 1e-9
    assert x.mean() == pytest.approx(d.mean, abs=tol)
    assert x.var() == pytest.approx(d.variance, rel=0.05, abs=1e-9)
    if d.mean > 0:
        assert d.scv == pytest.approx(d.variance / d.mean**2)


@pytest.mark.parametrize("spec", SPECS)
def test_pmf_table_sums_to_one_and_ppf_inverts_cdf(spec):
    d = parse_distribution(spec)
    values, probs = d.pmf_table()
    assert probs.sum() == pytest.approx(1.0, abs=1e-12) and np.all(probs >= 0)
    qs = np.array([0.01, 0.1, 0.5, 0.9, 0.99])
    ks = np.asarray(d.ppf(qs), dtype=float)
    assert np.all(np.asarray(d.cdf(ks)) >= qs - 1e-9)
    if d.discrete:
        # smallest such value: one unit less is below q
        below = np.asarray(d.cdf(ks - 1))
        assert np.all((below < qs) | (ks <= 0))
    assert np.all(np.diff(np.asarray(d.cdf(np.linspace(0, 3 * d.mean + 5, 50)))) >= -1e-15)


@pytest.mark.parametrize(
    "spec",
    [
        "poisson:5",
        "geometric:mean=2",
        "negbin:mean=4,scv=0.6",
        "duniform:low=0,high=3",
        "empirical:values=0 1 2,probs=0.2 0.5 0.3",
    ],
)
def test_discrete_pmf_matches_samples(spec):
    d = parse_distribution(spec)
    x = d.sample(np.random.default_rng(1), 300_000)
    values, probs = d.pmf_table()
    freq = np.bincount(x.astype(int), minlength=values.size)[: values.size] / x.size
    np.testing.assert_allclose(freq, probs, atol=4e-3)


def test_rounded_pmf_matches_its_samples():
    d = parse_distribution("round(gamma:mean=4,cv=0.5)")
    assert d.discrete and d.to_spec().startswith("round(gamma")
    x = d.sample(np.random.default_rng(2), 400_000)
    values, probs = d.pmf_table()
    freq = np.bincount(x.astype(int), minlength=values.size)[: values.size] / x.size
    np.testing.assert_allclose(freq, probs, atol=3e-3)
    # P(K = k) = P(k - 1/2 <= X < k + 1/2)
    g = D.Gamma.from_mean_scv(4, 0.25)
    assert d.pmf(3) == pytest.approx(g.cdf(3.5) - g.cdf(2.5))
    assert d.pmf(0) == pytest.approx(g.cdf(0.5))


def test_poisson_sampler_is_exact():
    d = D.Poisson(5.0)
    x = d.sample(np.random.default_rng(3), 500_000)
    k = np.arange(16)
    freq = np.bincount(x.astype(int), minlength=40)[:16] / x.size
    np.testing.assert_allclose(freq, stats.poisson.pmf(k, 5), atol=3e-3)
    assert D.Poisson(0.0).sample(np.random.default_rng(0), 5).tolist() == [0] * 5
    big = D.Poisson(1e6).sample(np.random.default_rng(0), 1000)
    assert abs(big.mean() - 1e6) < 200
    # same uniforms, monotone in the rate (common random numbers couple the demand)
    a = D.Poisson(4.0).sample(np.random.default_rng(9), 1000)
    b = D.Poisson(6.0).sample(np.random.default_rng(9), 1000)
    assert np.all(b >= a)


def test_block_size_does_not_change_the_stream():
    for spec in ("poisson:5", "gamma:mean=5,scv=0.5", "empirical:values=0 1 2,probs=0.2 0.5 0.3"):
        d = parse_distribution(spec)
        r1, r2 = np.random.default_rng(4), np.random.default_rng(4)
        whole = d.sample(r1, (12, 3))
        parts = np.concatenate([d.sample(r2, (4, 3)) for _ in range(3)])
        np.testing.assert_array_equal(whole, parts)


@pytest.mark.parametrize(
    ("cls", "mean", "scv"),
    [
        (D.NegativeBinomial, 5, 0.5),
        (D.Normal, 100, 0.04),
        (D.Gamma, 5, 0.5),
        (D.Lognormal, 5, 2.0),
        (D.Uniform, 5, 0.2),
        (D.Triangular, 5, 0.1),
    ],
)
def test_from_mean_scv_round_trip(cls, mean, scv):
    d = cls.from_mean_scv(mean, scv)
    assert d.mean == pytest.approx(mean, rel=1e-6)
    assert d.scv == pytest.approx(scv, rel=1e-6)


@pytest.mark.parametrize(
    ("cls", "mean", "scv", "match"),
    [
        (D.NegativeBinomial, 5, 0.1, "scv must be > 1/mean"),
        (D.Uniform, 5, 0.5, "scv must be in"),
        (D.Triangular, 5, 0.3, "scv must be in"),
        (D.Gamma, -1, 0.5, "mean must be > 0"),
        (D.Gamma, 5, 0, "scv must be > 0"),
    ],
)
def test_from_mean_scv_refuses(cls, mean, scv, match):
    with pytest.raises(ValueError, match=match):
        cls.from_mean_scv(mean, scv)


def test_renewal_with_exponential_interarrivals_gives_poisson_counts():
    d = parse_distribution("renewal(exponential:mean=0.25)")
    assert d.mean == pytest.approx(4.0)
    x = d.sample_path(np.random.default_rng(5), 4000, 30)
    counts = x.ravel()
    assert counts.mean() == pytest.approx(4.0, abs=0.05)
    assert counts.var() == pytest.approx(4.0, rel=0.05)
    freq = np.bincount(counts.astype(int), minlength=12)[:12] / counts.size
    np.testing.assert_allclose(freq, stats.poisson.pmf(np.arange(12), 4.0), atol=4e-3)
    # deterministic interarrival 0.5: arrivals at 0.5, 1, 1.5, ...: 1 in [0, 1), then 2 a period
    det = parse_distribution("renewal(deterministic:0.5)").sample_path(np.random.default_rng(0), 3, 5)
    assert det.tolist() == [[1, 2, 2, 2, 2]] * 3
    with pytest.raises(NotImplementedError):
        d.pmf(1)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("poison:5", "unknown distribution family 'poison'"),
        ("poisson:x", "poisson: mean must be a number"),
        ("poisson:-1", "poisson rate must be >= 0"),
        ("poisson:mean=5,sd=2", r"poisson: unknown parameter\(s\) \['sd'\]"),
        ("geometric:mean=0", "geometric mean must be > 0"),
        ("normal:mean=100", "normal: give mean and scv"),
        ("normal:mean=1,sd=-2", "normal sd must be > 0"),
        ("gamma:mean=5", "gamma: give mean and scv"),
        ("gamma:mean=5,scv=0.5,foo=1", r"gamma: unknown parameter\(s\) \['foo'\]"),
        ("gamma:5", "gamma: expected NAME=VALUE"),
        ("lognormal:mean=5,scv=-1", "scv must be > 0"),
        ("uniform:low=5,high=2", "uniform high must be finite and > low"),
        ("duniform:low=1.5,high=3", "discrete uniform low must be an integer"),
        ("triangular:low=-1,high=2", "triangular low must be >= 0"),
        ("exponential:rate=0", "exponential rate must be > 0"),
        ("deterministic:-3", "deterministic value must be >= 0"),
        ("empirical:values=0 1,probs=0.5", "same length"),
        ("empirical:values=0 1,probs=0.5 0.6", "must sum to 1"),
        ("empirical:values=0 0,probs=0.5 0.5", "must be distinct"),
        ("empirical:values=a b,probs=0.5 0.5", "must be numbers"),
        ("empirical:probs=1", "give values="),
        ("round(gamma:mean=4,scv=0.5", "unbalanced parentheses"),
        ("renewal(renewal(exponential:mean=1))", "renewal"),
        ("negbin:n=0,p=0.5", "negative binomial n must be > 0"),
        ("negbin:n=2,p=1.5", r"negative binomial p must be in \(0, 1\]"),
    ],
)
def test_bad_text_forms(text, match):
    with pytest.raises(ValueError, match=match):
        parse_distribution(text)
