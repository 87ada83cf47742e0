"""Discrete families: Poisson, negative binomial, geometric, discrete uniform, deterministic, empirical."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import stats

from inv_gym.distributions.base import SAMPLE_TAIL, Distribution, _guide_table, _sample_from_cdf
from inv_gym.distributions.registry import Family, Form, Param, mean_scv_forms, register_family
from inv_gym.validation import check_int, check_number

__all__ = ["Poisson", "NegativeBinomial", "Geometric", "DiscreteUniform", "Deterministic", "Empirical"]

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


register_family(
    Family(
        "poisson",
        Poisson,
        forms=(Form((Param("rate", aliases=("mean",)),), Poisson, "poisson:5"),),
        bare="mean",
    )
)


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


register_family(
    Family(
        "negbin",
        NegativeBinomial,
        label="negative binomial",
        aliases=("negative_binomial", "nbinom"),
        forms=(
            *mean_scv_forms("negbin", NegativeBinomial, scv=1.0),
            Form(
                (Param("n", strict=True), Param("p", strict=True, high=1.0)),
                NegativeBinomial,
                "negbin:n=3,p=0.4",
            ),
        ),
    )
)


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


register_family(
    Family(
        "geometric",
        Geometric,
        forms=(Form((Param("mean", strict=True),), lambda mean: Geometric(mean), "geometric:mean=5"),),
        bare="mean",
    )
)


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


register_family(
    Family(
        "duniform",
        DiscreteUniform,
        label="discrete uniform",
        aliases=("discrete_uniform",),
        forms=(
            Form(
                (Param("low", kind="integer"), Param("high", kind="integer")),
                DiscreteUniform,
                "duniform:low=1,high=4",
            ),
        ),
    )
)


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


register_family(
    Family(
        "deterministic",
        Deterministic,
        aliases=("constant",),
        forms=(Form((Param("value"),), Deterministic, "deterministic:10"),),
        bare="value",
    )
)


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


register_family(
    Family(
        "empirical",
        Empirical,
        forms=(
            Form(
                (Param("values", kind="numbers"), Param("probs", kind="numbers")),
                Empirical,
                "empirical:values=0 1 2 3 4,probs=0.1 0.25 0.35 0.21 0.09",
            ),
        ),
    )
)
