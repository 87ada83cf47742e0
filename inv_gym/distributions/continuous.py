"""Continuous families: normal (censored at 0), gamma, lognormal, uniform, triangular, exponential.

Their integer versions (``pmf``, ``pmf_table``) round to the nearest integer, as
:class:`inv_gym.distributions.Rounded` samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import stats

from inv_gym.distributions.base import Distribution
from inv_gym.distributions.registry import Family, Form, Param, mean_scv_forms, register_family
from inv_gym.validation import check_number

__all__ = ["Normal", "Gamma", "Lognormal", "Uniform", "Triangular", "Exponential"]


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


register_family(
    Family(
        "normal",
        Normal,
        forms=(
            *mean_scv_forms("normal", Normal, scv=0.04),
            Form(
                (Param("mean", aliases=("mu",)), Param("sd", strict=True, aliases=("sigma",))),
                lambda mean, sd: Normal(mean, sd),
                "normal:mean=100,sd=20",
            ),
        ),
    )
)


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


register_family(
    Family(
        "gamma",
        Gamma,
        forms=(
            *mean_scv_forms("gamma", Gamma, scv=0.5),
            Form((Param("shape", strict=True), Param("scale", strict=True)), Gamma, "gamma:shape=2,scale=3"),
        ),
    )
)


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


register_family(
    Family(
        "lognormal",
        Lognormal,
        forms=(
            *mean_scv_forms("lognormal", Lognormal, scv=0.5),
            Form(
                (Param("log_mean", low=None), Param("log_sd", strict=True)),
                Lognormal,
                "lognormal:log_mean=1.5,log_sd=0.6",
            ),
        ),
    )
)


@dataclass(frozen=True)
class _SymmetricInterval(Distribution):
    """A law symmetric about the midpoint of [low, high], with variance (high - low)^2 / divisor.

    With half-width a = (high - low) / 2 the variance is 4 a^2 / divisor, so a law
    with mean mu and SCV s has a = mu sqrt(divisor s / 4); low = mu - a >= 0 needs
    s <= 4 / divisor.
    """

    low: float
    high: float
    divisor: ClassVar[float] = 12.0
    label: ClassVar[str] = ""

    def __post_init__(self) -> None:
        check_number(f"{self.family} low", self.low)
        if not (float(self.high) > float(self.low)) or not math.isfinite(float(self.high)):
            raise ValueError(f"{self.family} high must be finite and > low = {self.low}, got {self.high}")

    @classmethod
    def from_mean_scv(cls, mean: float, scv: float) -> Any:
        """The law with the given mean and SCV (needs scv <= 4 / divisor so that low >= 0)."""
        mean = check_number("mean", mean, strict=True)
        scv = check_number("scv", scv, strict=True)
        k = cls.divisor / 4
        if scv > 1 / k + 1e-12:
            raise ValueError(f"scv must be in (0, 1/{k:g}] for a {cls.label} on [0, inf), got {scv:g}")
        half = mean * math.sqrt(k * scv)
        return cls(low=max(mean - half, 0.0), high=mean + half)

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / self.divisor

    def to_spec(self) -> str:
        return f"{self.family}:low={self.low:.12g},high={self.high:.12g}"


def _register_interval(cls: type[_SymmetricInterval], *, scv: float, example: str) -> None:
    """Register a symmetric-interval family: mean and scv (or cv) with scv <= 4 / divisor, or low and high."""
    low_high = Form((Param("low"), Param("high", strict=True)), cls, example)
    forms = (*mean_scv_forms(cls.family, cls, scv=scv, scv_high=4 / cls.divisor), low_high)
    register_family(Family(cls.family, cls, forms=forms))


@dataclass(frozen=True)
class Uniform(_SymmetricInterval):
    """Continuous uniform demand on [low, high]; variance (high - low)^2 / 12.

    :meth:`from_mean_scv` needs scv <= 1/3 (so that low >= 0).

    Args:
        low: lower end, >= 0.
        high: upper end, > low.
    """

    family: ClassVar[str] = "uniform"
    divisor: ClassVar[float] = 12.0
    label: ClassVar[str] = "uniform"

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        return rng.uniform(self.low, self.high, size=shape)

    def _frozen(self) -> Any:
        return stats.uniform(self.low, self.high - self.low)


_register_interval(Uniform, scv=0.2, example="uniform:low=2,high=8")


@dataclass(frozen=True)
class Triangular(_SymmetricInterval):
    """Symmetric triangular demand on [low, high] with the mode at the midpoint.

    Variance (high - low)^2 / 24; :meth:`from_mean_scv` needs scv <= 1/6.

    Args:
        low: lower end, >= 0.
        high: upper end, > low.
    """

    family: ClassVar[str] = "triangular"
    divisor: ClassVar[float] = 24.0
    label: ClassVar[str] = "symmetric triangular"

    def sample(self, rng: np.random.Generator, shape: int | tuple[int, ...] = ()) -> np.ndarray:
        return rng.triangular(self.low, (self.low + self.high) / 2, self.high, size=shape)

    def _frozen(self) -> Any:
        return stats.triang(0.5, loc=self.low, scale=self.high - self.low)


_register_interval(Triangular, scv=0.1, example="triangular:low=0,high=10")


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


register_family(
    Family(
        "exponential",
        Exponential,
        forms=(
            Form((Param("mean", strict=True),), lambda mean: Exponential(mean), "exponential:mean=3"),
            Form((Param("rate", strict=True),), lambda rate: Exponential(1.0 / rate), "exponential:rate=0.5"),
        ),
        bare="mean",
    )
)
