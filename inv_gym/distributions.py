"""Demand and lead-time distributions.

Every family is a frozen dataclass with

* ``sample(rng, shape)``: i.i.d. draws as a float64 array (integer-valued for
  discrete families and for :class:`Rounded`);
* ``sample_path(rng, n, horizon)``: an ``(n, horizon)`` array of per-period
  values; for i.i.d. families this is ``sample(rng, (n, horizon))``, for
  :class:`RenewalDemand` it runs the renewal process;
* ``mean``, ``variance``, ``sd`` and ``scv`` (squared coefficient of variation,
  ``variance / mean**2``) as properties;
* ``pmf(k)``, ``cdf(x)``, ``ppf(q)`` and ``pmf_table()`` for the exact solvers.

Discrete support and truncation
-------------------------------
Exact solvers need a finite pmf on the integers 0, 1, ..., k_max.
``pmf_table(tail=1e-12)`` returns ``(values, probs)`` with ``k_max`` the smallest
integer whose cdf is at least ``1 - tail``; the remaining tail mass is folded
into ``k_max`` so the probabilities sum to one exactly. Continuous families are
discretised by rounding, ``P(K = k) = P(k - 1/2 <= X < k + 1/2)`` (``k = 0``
also takes the mass below 1/2); this is the distribution of the integer demand
that :class:`Rounded` samples, so solver and simulator agree.

Text form
---------
:func:`parse_distribution` reads the compact command-line form, e.g.
``poisson:5``, ``geometric:mean=5``, ``normal:mean=100,sd=20``,
``gamma:mean=5,scv=0.5``, ``empirical:values=0 1 2 3 4,probs=0.1 0.25 0.35 0.21 0.09``,
``round(gamma:mean=4,scv=0.25)`` and ``renewal(gamma:mean=0.2,scv=2)``.

No function here touches numpy's global random state: all sampling goes
through the ``np.random.Generator`` that the caller passes in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numba
import numpy as np
from scipy import stats

from inv_gym.validation import check_int, check_number

__all__ = [
    "Distribution",
    "Poisson",
    "Geometric",
    "NegativeBinomial",
    "Normal",
    "Gamma",
    "Lognormal",
    "Uniform",
    "DiscreteUniform",
    "Triangular",
    "Exponential",
    "Deterministic",
    "Empirical",
    "Rounded",
    "RenewalDemand",
    "parse_distribution",
    "as_distribution",
    "DEFAULT_TAIL",
]

DEFAULT_TAIL = 1e-12
#: Discrete families sampled by inversion (Poisson) use a cdf table up to the
#: ``1 - SAMPLE_TAIL`` quantile: below the resolution of a double uniform.
SAMPLE_TAIL = 1e-17
#: :meth:`Distribution.support_max` sums the pmf up to this many values, then uses the cdf.
_SUM_PMF_MAX = 10**6


@numba.njit(cache=True, nogil=True)
def _inverse_sample(cdf: np.ndarray, guide: np.ndarray, u: np.ndarray, out: np.ndarray) -> None:
    """Inverse transform with a guide table: out[i] = min{k : cdf[k] > u[i]}.

    ``guide[b]`` is the smallest k with ``cdf[k] > b / len(guide)``, so the
    search from there takes about one comparison (Chen and Asau, 1974).
    """
    m = guide.shape[0]
    last = cdf.shape[0] - 1
    for i in range(u.shape[0]):
        x = u[i]
        k = guide[int(x * m)]
        while k < last and cdf[k] <= x:
            k += 1
        out[i] = k


def _guide_table(cdf: np.ndarray) -> np.ndarray:
    """The guide table of :func:`_inverse_sample` for a cdf whose last entry is 1."""
    m = max(4 * cdf.size, 64)
    return np.searchsorted(cdf, np.arange(m) / m, side="right").astype(np.int64)


def _sample_from_cdf(cdf: np.ndarray, guide: np.ndarray, rng: np.random.Generator, shape: Any) -> np.ndarray:
    """Integer draws 0..len(cdf)-1 (float64) by inversion of one uniform each."""
    u = rng.random(size=shape)
    out = np.empty(u.shape)
    _inverse_sample(cdf, guide, u.reshape(-1), out.reshape(-1))
    return out


class Distribution:
    """Base class: a distribution of a non-negative quantity (demand or lead time)."""

    #: True when every value is a non-negative integer.
    discrete: ClassVar[bool] = False
    #: Short family name used by the text form.
    family: ClassVar[str] = ""

    # -- sampling ---------------------------------------------------------
    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        """Draw i.i.d. values with the given numpy Generator (float64 array)."""
        raise NotImplementedError

    def sample_path(self, rng: np.random.Generator, n: int, horizon: int) -> np.ndarray:
        """An ``(n, horizon)`` array of per-period values (i.i.d. here)."""
        return self.sample(rng, (n, horizon))

    # -- moments ----------------------------------------------------------
    @property
    def mean(self) -> float:
        raise NotImplementedError

    @property
    def variance(self) -> float:
        raise NotImplementedError

    @property
    def sd(self) -> float:
        """Standard deviation."""
        return math.sqrt(self.variance)

    @property
    def scv(self) -> float:
        """Squared coefficient of variation, variance / mean**2."""
        m = self.mean
        return self.variance / (m * m) if m != 0 else math.inf

    # -- distribution functions --------------------------------------------
    def _frozen(self) -> Any:
        """The scipy.stats frozen distribution (continuous families)."""
        raise NotImplementedError

    def cdf(self, x: Any) -> Any:
        """P(X <= x)."""
        return self._frozen().cdf(x)

    def ppf(self, q: Any) -> Any:
        """Smallest x with cdf(x) >= q (the quantile)."""
        return self._frozen().ppf(q)

    def pdf(self, x: Any) -> Any:
        """Density (continuous) or pmf (discrete)."""
        if self.discrete:
            return self.pmf(x)
        return self._frozen().pdf(x)

    def pmf(self, k: Any) -> Any:
        """P(K = k) of the integer version of the variable.

        Discrete families: their own pmf. Continuous families: the pmf of
        ``round(X)`` (see the module docstring).
        """
        k = np.asarray(k, dtype=float)
        upper = self.cdf(k + 0.5)
        lower = np.where(k <= 0, 0.0, self.cdf(k - 0.5))
        out = np.where(k < 0, 0.0, upper - lower)
        return out if out.ndim else float(out)

    def support_max(self, tail: float = DEFAULT_TAIL) -> int:
        """Smallest integer ``k`` with ``P(K <= k) >= 1 - tail`` (K the integer version)."""
        if self.discrete:
            k = int(np.ceil(self.ppf(1.0 - tail)))
        else:
            k = int(np.ceil(self.ppf(1.0 - tail) + 0.5))
        k = max(k, 0)
        # guard against ppf round-off: the pmf summed up to k (the cdf of the integer
        # version; past _SUM_PMF_MAX values, the cdf itself, to allocate nothing)
        while self._integer_cdf(k) < 1.0 - tail:
            k += 1
        return k

    def _integer_cdf(self, k: int) -> float:
        """P(K <= k) of the integer version: the pmf summed (the cdf for large k)."""
        if k <= _SUM_PMF_MAX:
            return float(np.sum(self.pmf(np.arange(k + 1))))
        return float(self.cdf(k if self.discrete else k + 0.5))

    def pmf_table(self, tail: float = DEFAULT_TAIL) -> tuple[np.ndarray, np.ndarray]:
        """``(values, probs)`` on 0..k_max with the tail mass folded into k_max.

        Args:
            tail: the probability beyond ``k_max`` that is folded into ``k_max``.

        Returns:
            ``values`` = ``arange(k_max + 1)`` (float) and ``probs`` summing to 1.
        """
        k_max = self.support_max(tail)
        values = np.arange(k_max + 1, dtype=float)
        probs = np.clip(np.asarray(self.pmf(values), dtype=float), 0.0, None)
        probs[-1] += max(0.0, 1.0 - probs.sum())
        probs /= probs.sum()
        return values, probs

    @property
    def upper(self) -> float:
        """A finite upper bound used for observation bounds (``ppf(1 - 1e-12)``)."""
        return float(self.support_max(DEFAULT_TAIL))

    def to_spec(self) -> str:
        """The text form accepted by :func:`parse_distribution`."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.to_spec()


# ---------------------------------------------------------------------------
# Discrete families
# ---------------------------------------------------------------------------


_POISSON_TABLE_MAX_RATE = 1e5


@dataclass(frozen=True)
class Poisson(Distribution):
    """Poisson demand, P(K = k) = e^{-lambda} lambda^k / k!, k = 0, 1, ...

    Args:
        rate: the mean lambda > 0 (or 0 for no demand).
    """

    rate: float
    discrete: ClassVar[bool] = True
    family: ClassVar[str] = "poisson"

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", check_number("poisson rate", self.rate))

    def _tables(self) -> tuple[np.ndarray, np.ndarray] | None:
        tables = self.__dict__.get("_sample_tables")
        if tables is None and self.rate <= _POISSON_TABLE_MAX_RATE:
            ks = np.arange(int(self.rate + 12.0 * math.sqrt(self.rate) + 30.0))
            k_max = max(int(np.argmax(stats.poisson.sf(ks, self.rate) < SAMPLE_TAIL)), 1)
            cdf = stats.poisson.cdf(ks[: k_max + 1], self.rate)
            cdf[-1] = 1.0
            tables = (cdf, _guide_table(cdf))
            object.__setattr__(self, "_sample_tables", tables)
        return tables

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        """Poisson draws by inversion of one uniform each (monotone in the uniform).

        Up to rate 10^5 the cdf table is cut at the 1 - 1e-17 quantile (below the
        resolution of a uniform double); larger rates use numpy's sampler.
        """
        tables = self._tables()
        if tables is None:
            return rng.poisson(self.rate, size=shape).astype(np.float64)
        return _sample_from_cdf(tables[0], tables[1], rng, shape)

    @property
    def mean(self) -> float:
        return self.rate

    @property
    def variance(self) -> float:
        return self.rate

    def _frozen(self) -> Any:
        return stats.poisson(self.rate)

    def pmf(self, k: Any) -> Any:
        return stats.poisson.pmf(k, self.rate)

    def to_spec(self) -> str:
        return f"poisson:{self.rate:g}"


@dataclass(frozen=True)
class NegativeBinomial(Distribution):
    """Negative binomial on 0, 1, ...: failures before the n-th success.

    P(K = k) = C(k + n - 1, k) p^n (1 - p)^k; mean n(1-p)/p, variance n(1-p)/p^2.
    Use :meth:`from_mean_scv` to fix the mean and vary the SCV (requires
    scv > 1/mean, i.e. variance > mean).

    Args:
        n: number of successes, > 0 (real values allowed).
        p: success probability in (0, 1].
    """

    n: float
    p: float
    discrete: ClassVar[bool] = True
    family: ClassVar[str] = "negbin"

    def __post_init__(self) -> None:
        check_number("negative binomial n", self.n, strict=True)
        check_number("negative binomial p", self.p, low=0.0, strict=True, high=1.0)

    @classmethod
    def from_mean_scv(cls, mean: float, scv: float) -> NegativeBinomial:
        """Negative binomial with the given mean and SCV (needs scv > 1/mean)."""
        mean = check_number("mean", mean, strict=True)
        scv = check_number("scv", scv, strict=True)
        var = scv * mean * mean
        if var <= mean:
            raise ValueError(f"scv must be > 1/mean = {1 / mean:g} for a negative binomial, got {scv:g}")
        p = mean / var
        return cls(n=mean * p / (1.0 - p), p=p)

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        return rng.negative_binomial(self.n, self.p, size=shape).astype(np.float64)

    @property
    def mean(self) -> float:
        return self.n * (1 - self.p) / self.p

    @property
    def variance(self) -> float:
        return self.n * (1 - self.p) / self.p**2

    def _frozen(self) -> Any:
        return stats.nbinom(self.n, self.p)

    def pmf(self, k: Any) -> Any:
        return stats.nbinom.pmf(k, self.n, self.p)

    def to_spec(self) -> str:
        return f"negbin:n={self.n:.12g},p={self.p:.12g}"


@dataclass(frozen=True)
class Geometric(Distribution):
    """Geometric on 0, 1, 2, ...: P(K = k) = p (1 - p)^k with p = 1 / (1 + mean).

    Args:
        mean_value: the mean, > 0. The SCV is (1 + mean) / mean.
    """

    mean_value: float
    discrete: ClassVar[bool] = True
    family: ClassVar[str] = "geometric"

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean_value", check_number("geometric mean", self.mean_value, strict=True))

    @property
    def p(self) -> float:
        """Success probability 1 / (1 + mean)."""
        return 1.0 / (1.0 + self.mean_value)

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        # numpy's geometric counts trials (support 1, 2, ...); subtract one
        return rng.geometric(self.p, size=shape).astype(np.float64) - 1.0

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def variance(self) -> float:
        return self.mean_value * (1.0 + self.mean_value)

    def _frozen(self) -> Any:
        return stats.nbinom(1, self.p)

    def pmf(self, k: Any) -> Any:
        return stats.nbinom.pmf(k, 1, self.p)

    def to_spec(self) -> str:
        return f"geometric:mean={self.mean_value:g}"


@dataclass(frozen=True)
class DiscreteUniform(Distribution):
    """Uniform on the integers low, low + 1, ..., high.

    Args:
        low: smallest value (integer >= 0).
        high: largest value (integer >= low).
    """

    low: int
    high: int
    discrete: ClassVar[bool] = True
    family: ClassVar[str] = "duniform"

    def __post_init__(self) -> None:
        low = check_int("discrete uniform low", self.low, low=0)
        high = check_int("discrete uniform high", self.high, low=0)
        if high < low:
            raise ValueError(f"discrete uniform high must be an integer >= low = {low}, got {high}")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        # floor(low + U * n): one uniform per draw, so block sizes never change the stream
        return np.floor(self.low + rng.random(size=shape) * (self.high - self.low + 1))

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        n = self.high - self.low + 1
        return (n * n - 1) / 12

    def _frozen(self) -> Any:
        return stats.randint(self.low, self.high + 1)

    def pmf(self, k: Any) -> Any:
        return stats.randint.pmf(k, self.low, self.high + 1)

    def to_spec(self) -> str:
        return f"duniform:low={self.low},high={self.high}"


@dataclass(frozen=True)
class Deterministic(Distribution):
    """A constant value (deterministic demand or lead time).

    Args:
        value: the constant, >= 0.
    """

    value: float
    family: ClassVar[str] = "deterministic"

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", check_number("deterministic value", self.value))

    @property
    def discrete(self) -> bool:  # type: ignore[override]
        return float(self.value).is_integer()

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        return np.full(shape, self.value, dtype=np.float64)

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def cdf(self, x: Any) -> Any:
        out = np.where(np.asarray(x, dtype=float) >= self.value, 1.0, 0.0)
        return out if out.ndim else float(out)

    def ppf(self, q: Any) -> Any:
        out = np.full(np.shape(q), self.value, dtype=float)
        return out if out.ndim else float(out)

    def pmf(self, k: Any) -> Any:
        k = np.asarray(k, dtype=float)
        target = round(self.value)
        out = np.where(k == target, 1.0, 0.0)
        return out if out.ndim else float(out)

    def to_spec(self) -> str:
        return f"deterministic:{self.value:g}"


@dataclass(frozen=True)
class Empirical(Distribution):
    """A finite distribution given by values and probabilities.

    Args:
        values: distinct non-negative values (any order; stored sorted).
        probs: probabilities, same length, non-negative, summing to 1 (within 1e-9;
            then renormalised).
    """

    values: tuple[float, ...]
    probs: tuple[float, ...]
    family: ClassVar[str] = "empirical"

    def __post_init__(self) -> None:
        values = np.asarray(self.values, dtype=float).ravel()
        probs = np.asarray(self.probs, dtype=float).ravel()
        if values.size == 0:
            raise ValueError("empirical values must not be empty")
        if values.shape != probs.shape:
            raise ValueError(
                f"empirical values and probs must have the same length, got {values.size} and {probs.size}"
            )
        if not np.all(np.isfinite(values)) or np.any(values < 0):
            raise ValueError("empirical values must be finite and >= 0")
        if len(np.unique(values)) != values.size:
            raise ValueError("empirical values must be distinct")
        if not np.all(np.isfinite(probs)) or np.any(probs < 0):
            raise ValueError("empirical probs must be finite and >= 0")
        if abs(probs.sum() - 1.0) > 1e-9:
            raise ValueError(f"empirical probs must sum to 1, got {probs.sum():.12g}")
        order = np.argsort(values)
        object.__setattr__(self, "values", tuple(float(v) for v in values[order]))
        object.__setattr__(self, "probs", tuple(float(p) for p in (probs / probs.sum())[order]))

    @property
    def discrete(self) -> bool:  # type: ignore[override]
        return all(float(v).is_integer() for v in self.values)

    @property
    def _v(self) -> np.ndarray:
        return np.asarray(self.values, dtype=float)

    @property
    def _p(self) -> np.ndarray:
        return np.asarray(self.probs, dtype=float)

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        # inverse transform on the cumulative probabilities
        u = rng.random(size=shape)
        cum = np.cumsum(self._p)
        cum[-1] = 1.0
        idx = np.searchsorted(cum, u, side="right")
        return self._v[np.minimum(idx, len(cum) - 1)]

    @property
    def mean(self) -> float:
        return float(np.dot(self._v, self._p))

    @property
    def variance(self) -> float:
        return float(np.dot((self._v - self.mean) ** 2, self._p))

    def cdf(self, x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        cum = np.concatenate([[0.0], np.cumsum(self._p)])
        out = cum[np.searchsorted(self._v, x, side="right")]
        out = np.minimum(out, 1.0)
        return out if out.ndim else float(out)

    def ppf(self, q: Any) -> Any:
        q = np.asarray(q, dtype=float)
        cum = np.cumsum(self._p)
        cum[-1] = 1.0
        idx = np.searchsorted(cum, q - 1e-15, side="left")
        out = self._v[np.minimum(idx, len(cum) - 1)]
        return out if out.ndim else float(out)

    def pmf(self, k: Any) -> Any:
        if not self.discrete:
            return super().pmf(k)
        k = np.asarray(k, dtype=float)
        lookup = dict(zip(self.values, self.probs, strict=True))
        out = np.vectorize(lambda x: lookup.get(float(x), 0.0), otypes=[float])(k)
        return out if out.ndim else float(out)

    def to_spec(self) -> str:
        v = " ".join(f"{x:g}" for x in self.values)
        p = " ".join(f"{x:.12g}" for x in self.probs)
        return f"empirical:values={v},probs={p}"


# ---------------------------------------------------------------------------
# Continuous families
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Normal(Distribution):
    """Normal demand N(mu, sigma^2) censored at 0: draws below 0 are set to 0.

    ``mean`` and ``variance`` are those of the censored variable max(X, 0) (they
    differ from mu and sigma^2 only when mu/sigma is small); ``cdf(x)`` for
    x >= 0 is the normal cdf Phi((x - mu)/sigma), so the critical-fractile
    quantiles of the closed forms are unchanged.

    Args:
        mu: location of the underlying normal, finite and >= 0 (a negative mu
            makes most draws 0; give such a demand as an empirical table).
        sigma: its standard deviation, > 0.
    """

    mu: float
    sigma: float
    family: ClassVar[str] = "normal"

    def __post_init__(self) -> None:
        check_number("normal mean", self.mu)
        check_number("normal sd", self.sigma, strict=True)

    @classmethod
    def from_mean_scv(cls, mean: float, scv: float) -> Normal:
        """Normal with mu = mean and sigma = mean * sqrt(scv)."""
        mean = check_number("mean", mean, strict=True)
        scv = check_number("scv", scv, strict=True)
        return cls(mu=mean, sigma=mean * math.sqrt(scv))

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        return np.maximum(rng.normal(self.mu, self.sigma, size=shape), 0.0)

    @property
    def mean(self) -> float:
        z = self.mu / self.sigma
        return self.mu * stats.norm.cdf(z) + self.sigma * stats.norm.pdf(z)

    @property
    def variance(self) -> float:
        z = self.mu / self.sigma
        second = (self.mu**2 + self.sigma**2) * stats.norm.cdf(z) + self.mu * self.sigma * stats.norm.pdf(z)
        return max(second - self.mean**2, 0.0)

    def _frozen(self) -> Any:
        return stats.norm(self.mu, self.sigma)

    def cdf(self, x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        out = np.where(x < 0, 0.0, stats.norm.cdf(x, self.mu, self.sigma))
        return out if out.ndim else float(out)

    def ppf(self, q: Any) -> Any:
        out = np.maximum(stats.norm.ppf(q, self.mu, self.sigma), 0.0)
        return out if np.ndim(out) else float(out)

    def to_spec(self) -> str:
        return f"normal:mean={self.mu:g},sd={self.sigma:g}"


@dataclass(frozen=True)
class Gamma(Distribution):
    """Gamma demand with shape k and scale theta: mean k theta, SCV 1/k.

    Args:
        shape: k > 0.
        scale: theta > 0.
    """

    shape: float
    scale: float
    family: ClassVar[str] = "gamma"

    def __post_init__(self) -> None:
        check_number("gamma shape", self.shape, strict=True)
        check_number("gamma scale", self.scale, strict=True)

    @classmethod
    def from_mean_scv(cls, mean: float, scv: float) -> Gamma:
        """Gamma with the given mean and SCV: shape 1/scv, scale mean*scv."""
        mean = check_number("mean", mean, strict=True)
        scv = check_number("scv", scv, strict=True)
        return cls(shape=1.0 / scv, scale=mean * scv)

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        return rng.gamma(self.shape, self.scale, size=shape)

    @property
    def mean(self) -> float:
        return self.shape * self.scale

    @property
    def variance(self) -> float:
        return self.shape * self.scale**2

    def _frozen(self) -> Any:
        return stats.gamma(self.shape, scale=self.scale)

    def to_spec(self) -> str:
        return f"gamma:mean={self.mean:.12g},scv={self.scv:.12g}"


@dataclass(frozen=True)
class Lognormal(Distribution):
    """Lognormal demand, X = exp(m + s Z).

    Args:
        log_mean: m, the mean of log X.
        log_sd: s > 0, the standard deviation of log X.
    """

    log_mean: float
    log_sd: float
    family: ClassVar[str] = "lognormal"

    def __post_init__(self) -> None:
        check_number("lognormal log_mean", self.log_mean, low=None)
        check_number("lognormal log_sd", self.log_sd, strict=True)

    @classmethod
    def from_mean_scv(cls, mean: float, scv: float) -> Lognormal:
        """Lognormal with the given mean and SCV: s^2 = ln(1 + scv), m = ln(mean) - s^2/2."""
        mean = check_number("mean", mean, strict=True)
        scv = check_number("scv", scv, strict=True)
        s2 = math.log1p(scv)
        return cls(log_mean=math.log(mean) - s2 / 2, log_sd=math.sqrt(s2))

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        return rng.lognormal(self.log_mean, self.log_sd, size=shape)

    @property
    def mean(self) -> float:
        return math.exp(self.log_mean + self.log_sd**2 / 2)

    @property
    def variance(self) -> float:
        return math.expm1(self.log_sd**2) * self.mean**2

    def _frozen(self) -> Any:
        return stats.lognorm(self.log_sd, scale=math.exp(self.log_mean))

    def to_spec(self) -> str:
        return f"lognormal:mean={self.mean:.12g},scv={self.scv:.12g}"


@dataclass(frozen=True)
class Uniform(Distribution):
    """Continuous uniform demand on [low, high].

    Args:
        low: lower end, >= 0.
        high: upper end, > low.
    """

    low: float
    high: float
    family: ClassVar[str] = "uniform"

    def __post_init__(self) -> None:
        check_number("uniform low", self.low)
        if not (float(self.high) > float(self.low)) or not math.isfinite(float(self.high)):
            raise ValueError(f"uniform high must be finite and > low = {self.low}, got {self.high}")

    @classmethod
    def from_mean_scv(cls, mean: float, scv: float) -> Uniform:
        """Uniform with the given mean and SCV (needs scv <= 1/3 so that low >= 0)."""
        mean = check_number("mean", mean, strict=True)
        scv = check_number("scv", scv, strict=True)
        if scv > 1 / 3 + 1e-12:
            raise ValueError(f"scv must be in (0, 1/3] for a uniform on [0, inf), got {scv:g}")
        half = mean * math.sqrt(3 * scv)
        return cls(low=max(mean - half, 0.0), high=mean + half)

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        return rng.uniform(self.low, self.high, size=shape)

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12

    def _frozen(self) -> Any:
        return stats.uniform(self.low, self.high - self.low)

    def to_spec(self) -> str:
        return f"uniform:low={self.low:.12g},high={self.high:.12g}"


@dataclass(frozen=True)
class Triangular(Distribution):
    """Symmetric triangular demand on [low, high] with the mode at the midpoint.

    Variance (high - low)^2 / 24.

    Args:
        low: lower end, >= 0.
        high: upper end, > low.
    """

    low: float
    high: float
    family: ClassVar[str] = "triangular"

    def __post_init__(self) -> None:
        check_number("triangular low", self.low)
        if not (float(self.high) > float(self.low)) or not math.isfinite(float(self.high)):
            raise ValueError(f"triangular high must be finite and > low = {self.low}, got {self.high}")

    @classmethod
    def from_mean_scv(cls, mean: float, scv: float) -> Triangular:
        """Symmetric triangular with the given mean and SCV (needs scv <= 1/6)."""
        mean = check_number("mean", mean, strict=True)
        scv = check_number("scv", scv, strict=True)
        if scv > 1 / 6 + 1e-12:
            raise ValueError(f"scv must be in (0, 1/6] for a symmetric triangular on [0, inf), got {scv:g}")
        half = mean * math.sqrt(6 * scv)
        return cls(low=max(mean - half, 0.0), high=mean + half)

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        return rng.triangular(self.low, (self.low + self.high) / 2, self.high, size=shape)

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 24

    def _frozen(self) -> Any:
        return stats.triang(0.5, loc=self.low, scale=self.high - self.low)

    def to_spec(self) -> str:
        return f"triangular:low={self.low:.12g},high={self.high:.12g}"


@dataclass(frozen=True)
class Exponential(Distribution):
    """Exponential demand (or interarrival time) with the given mean; SCV 1.

    Args:
        mean_value: the mean, > 0.
    """

    mean_value: float
    family: ClassVar[str] = "exponential"

    def __post_init__(self) -> None:
        check_number("exponential mean", self.mean_value, strict=True)

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        return rng.exponential(self.mean_value, size=shape)

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def variance(self) -> float:
        return self.mean_value**2

    def _frozen(self) -> Any:
        return stats.expon(scale=self.mean_value)

    def to_spec(self) -> str:
        return f"exponential:mean={self.mean_value:.12g}"


# ---------------------------------------------------------------------------
# Wrappers
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rounded(Distribution):
    """Integer units: draws of ``base`` rounded to the nearest integer (halves up).

    The pmf is ``P(k - 1/2 <= X < k + 1/2)``, exactly what the samples follow, so
    exact solvers and simulation agree. Moments are those of the integer variable
    computed from the pmf table.

    Args:
        base: a continuous (or discrete) distribution.
    """

    base: Distribution
    discrete: ClassVar[bool] = True
    family: ClassVar[str] = "round"

    def __post_init__(self) -> None:
        if not isinstance(self.base, Distribution) or isinstance(self.base, RenewalDemand):
            raise ValueError("round(...) needs an i.i.d. distribution")

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        return np.floor(self.base.sample(rng, shape) + 0.5)

    def pmf(self, k: Any) -> Any:
        if self.base.discrete:
            return self.base.pmf(k)
        return Distribution.pmf(self.base, k)

    def cdf(self, x: Any) -> Any:
        x = np.floor(np.asarray(x, dtype=float))
        out = np.where(x < 0, 0.0, self.base.cdf(x + 0.5))
        return out if out.ndim else float(out)

    def ppf(self, q: Any) -> Any:
        q = np.asarray(q, dtype=float)
        k = np.ceil(np.maximum(np.asarray(self.base.ppf(q), dtype=float) - 0.5, 0.0))
        # adjust for the discretisation: smallest k with cdf(k) >= q
        k = np.where(self.cdf(k - 1) >= q, np.maximum(k - 1, 0), k)
        k = np.where(self.cdf(k) < q, k + 1, k)
        return k if k.ndim else float(k)

    def _moments(self) -> tuple[float, float]:
        values, probs = self.pmf_table()
        m = float(np.dot(values, probs))
        return m, float(np.dot((values - m) ** 2, probs))

    @property
    def mean(self) -> float:
        return self._moments()[0]

    @property
    def variance(self) -> float:
        return self._moments()[1]

    def support_max(self, tail: float = DEFAULT_TAIL) -> int:
        k = int(max(np.ceil(float(self.base.ppf(1.0 - tail)) + 0.5), 0))
        while float(self.cdf(k)) < 1.0 - tail:
            k += 1
        return k

    def to_spec(self) -> str:
        return f"round({self.base.to_spec()})"


@dataclass(frozen=True)
class RenewalDemand(Distribution):
    """Per-period counts of unit arrivals with i.i.d. interarrival times.

    Arrivals occur at times A_1 < A_2 < ..., with A_{i+1} - A_i ~ ``interarrival``
    (time measured in periods). The demand of period t is the number of arrivals
    in [t, t + 1). The process starts at time 0 with a fresh interarrival (an
    ordinary renewal process), so :meth:`sample_path` carries the residual time
    to the next arrival from period to period; a long-run mean of
    ``1 / E[interarrival]`` per period follows from the renewal theorem. With
    exponential interarrival times the counts are Poisson.

    Counts are not i.i.d., so ``pmf``/``cdf``/``ppf`` are not defined; use the
    simulation-based tools for these instances.

    Args:
        interarrival: the interarrival-time distribution (mean > 0).
    """

    interarrival: Distribution
    discrete: ClassVar[bool] = True
    family: ClassVar[str] = "renewal"

    def __post_init__(self) -> None:
        if not isinstance(self.interarrival, Distribution) or isinstance(self.interarrival, RenewalDemand):
            raise ValueError("renewal(...) needs an interarrival-time distribution")
        if not self.interarrival.mean > 0:
            raise ValueError(f"interarrival mean must be > 0, got {self.interarrival.mean}")

    def initial_state(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Residual time to the first arrival, shape (n,)."""
        return self.interarrival.sample(rng, (n,))

    def step(self, rng: np.random.Generator, residual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Count the arrivals in the next period; returns (counts, new residual)."""
        residual = residual.copy()
        counts = np.zeros_like(residual)
        active = residual < 1.0
        while np.any(active):
            idx = np.flatnonzero(active)
            counts[idx] += 1.0
            residual[idx] += self.interarrival.sample(rng, (idx.size,))
            active[idx] = residual[idx] < 1.0
        return counts, residual - 1.0

    def sample_path(self, rng: np.random.Generator, n: int, horizon: int) -> np.ndarray:
        residual = self.initial_state(rng, n)
        out = np.empty((n, horizon))
        for t in range(horizon):
            out[:, t], residual = self.step(rng, residual)
        return out

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        """Counts of independent processes: for a 2-D shape (n, h) a path per row."""
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        if len(shape) == 2:
            return self.sample_path(rng, shape[0], shape[1])
        size = int(np.prod(shape)) if shape else 1
        return self.sample_path(rng, size, 1).reshape(shape)

    @property
    def mean(self) -> float:
        return 1.0 / self.interarrival.mean

    @property
    def variance(self) -> float:
        # asymptotic variance rate of a renewal counting process: scv_a / E[A]
        return self.interarrival.scv / self.interarrival.mean

    def cdf(self, x: Any) -> Any:
        raise NotImplementedError("renewal demand counts are not i.i.d.; no per-period cdf")

    def ppf(self, q: Any) -> Any:
        raise NotImplementedError("renewal demand counts are not i.i.d.; no per-period ppf")

    def pmf(self, k: Any) -> Any:
        raise NotImplementedError("renewal demand counts are not i.i.d.; no per-period pmf")

    @property
    def upper(self) -> float:
        # at most the arrivals in one period; bound by mean times a generous factor
        return float(max(10.0, 20.0 * self.mean * max(1.0, self.interarrival.scv)))

    def to_spec(self) -> str:
        return f"renewal({self.interarrival.to_spec()})"


# ---------------------------------------------------------------------------
# Text form
# ---------------------------------------------------------------------------


def _kv(body: str, family: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in body.split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise ValueError(f"{family}: expected NAME=VALUE, got {part!r}")
        k, v = part.split("=", 1)
        out[k.strip().lower()] = v.strip()
    return out


def _num(kv: dict[str, str], key: str, family: str) -> float:
    if key not in kv:
        raise ValueError(f"{family}: missing parameter {key!r}")
    text = kv.pop(key)
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{family}: {key} must be a number, got {text!r}") from None


def _mean_scv_or(kv: dict[str, str], family: str, cls: Any, direct: tuple[str, ...], builder: Any) -> Distribution:
    if "scv" in kv or "cv" in kv:
        mean = _num(kv, "mean", family)
        scv = _num(kv, "scv", family) if "scv" in kv else _num(kv, "cv", family) ** 2
        out = cls.from_mean_scv(mean, scv)
    elif all(d in kv for d in direct):
        out = builder(*[_num(kv, d, family) for d in direct])
    else:
        raise ValueError(f"{family}: give mean and scv (or cv), or {', '.join(direct)}")
    if kv:
        raise ValueError(f"{family}: unknown parameter(s) {sorted(kv)}")
    return out


FAMILIES = (
    "poisson",
    "geometric",
    "negbin",
    "normal",
    "gamma",
    "lognormal",
    "uniform",
    "duniform",
    "triangular",
    "exponential",
    "deterministic",
    "empirical",
    "round(...)",
    "renewal(...)",
)


def parse_distribution(text: str) -> Distribution:
    """Parse the compact text form of a distribution.

    Examples:
        >>> parse_distribution("poisson:5")
        Poisson(rate=5.0)
        >>> parse_distribution("gamma:mean=5,scv=0.5").shape
        2.0
        >>> parse_distribution("empirical:values=0 1 2,probs=0.2 0.5 0.3").mean
        1.1

    Raises:
        ValueError: unknown family, missing or invalid parameter.
    """
    if isinstance(text, Distribution):
        return text
    s = str(text).strip()
    low = s.lower()
    for wrapper, cls in (("round(", Rounded), ("renewal(", RenewalDemand)):
        if low.startswith(wrapper):
            if not s.endswith(")"):
                raise ValueError(f"unbalanced parentheses in {s!r}")
            return cls(parse_distribution(s[len(wrapper) : -1]))
    if ":" in s:
        family, body = s.split(":", 1)
    else:
        family, body = s, ""
    family = family.strip().lower()
    body = body.strip()
    bare = body and "=" not in body
    if family == "poisson":
        kv = {"mean": body} if bare else _kv(body, family)
        rate = _num(kv, "mean", family) if "mean" in kv else _num(kv, "rate", family)
        if kv:
            raise ValueError(f"poisson: unknown parameter(s) {sorted(kv)}")
        return Poisson(rate)
    if family == "geometric":
        kv = {"mean": body} if bare else _kv(body, family)
        mean = _num(kv, "mean", family)
        if kv:
            raise ValueError(f"geometric: unknown parameter(s) {sorted(kv)}")
        return Geometric(mean)
    if family in ("negbin", "negative_binomial", "nbinom"):
        kv = _kv(body, "negbin")
        return _mean_scv_or(kv, "negbin", NegativeBinomial, ("n", "p"), lambda n, p: NegativeBinomial(n, p))
    if family == "normal":
        kv = _kv(body, family)
        if "sd" in kv or "sigma" in kv:
            mu = _num(kv, "mean", family) if "mean" in kv else _num(kv, "mu", family)
            sd = _num(kv, "sd", family) if "sd" in kv else _num(kv, "sigma", family)
            if kv:
                raise ValueError(f"normal: unknown parameter(s) {sorted(kv)}")
            return Normal(mu, sd)
        return _mean_scv_or(kv, family, Normal, ("mean", "sd"), Normal)
    if family == "gamma":
        kv = _kv(body, family)
        return _mean_scv_or(kv, family, Gamma, ("shape", "scale"), Gamma)
    if family == "lognormal":
        kv = _kv(body, family)
        return _mean_scv_or(kv, family, Lognormal, ("log_mean", "log_sd"), Lognormal)
    if family == "uniform":
        kv = _kv(body, family)
        return _mean_scv_or(kv, family, Uniform, ("low", "high"), Uniform)
    if family == "triangular":
        kv = _kv(body, family)
        return _mean_scv_or(kv, family, Triangular, ("low", "high"), Triangular)
    if family in ("duniform", "discrete_uniform"):
        kv = _kv(body, "duniform")
        low_v, high_v = _num(kv, "low", "duniform"), _num(kv, "high", "duniform")
        if kv:
            raise ValueError(f"duniform: unknown parameter(s) {sorted(kv)}")
        return DiscreteUniform(low_v, high_v)  # type: ignore[arg-type]
    if family == "exponential":
        kv = {"mean": body} if bare else _kv(body, family)
        if "rate" in kv:
            mean = 1.0 / check_number("exponential rate", _num(kv, "rate", family), strict=True)
        else:
            mean = _num(kv, "mean", family)
        if kv:
            raise ValueError(f"exponential: unknown parameter(s) {sorted(kv)}")
        return Exponential(mean)
    if family in ("deterministic", "constant"):
        kv = {"value": body} if bare else _kv(body, family)
        value = _num(kv, "value", family)
        if kv:
            raise ValueError(f"deterministic: unknown parameter(s) {sorted(kv)}")
        return Deterministic(value)
    if family == "empirical":
        kv = _kv(body, family)
        if "values" not in kv or "probs" not in kv:
            raise ValueError("empirical: give values=V1 V2 ... and probs=P1 P2 ...")
        try:
            values = tuple(float(x) for x in kv.pop("values").replace(";", " ").split())
            probs = tuple(float(x) for x in kv.pop("probs").replace(";", " ").split())
        except ValueError:
            raise ValueError("empirical: values and probs must be numbers separated by spaces") from None
        if kv:
            raise ValueError(f"empirical: unknown parameter(s) {sorted(kv)}")
        return Empirical(values, probs)
    raise ValueError(f"unknown distribution family {family!r}; allowed: {', '.join(FAMILIES)}")


def as_distribution(value: Any, *, name: str = "distribution") -> Distribution:
    """Coerce a Distribution, a text form, or a number (deterministic) to a Distribution."""
    if isinstance(value, Distribution):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a distribution, a text form or a number, got {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return Deterministic(float(value))
    if isinstance(value, str):
        try:
            return parse_distribution(value)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    raise ValueError(f"{name} must be a distribution, a text form or a number, got {value!r}")
