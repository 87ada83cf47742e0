"""Wrapper families: integer units of another distribution, and renewal-process counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from inv_gym.distributions.base import DEFAULT_TAIL, Distribution
from inv_gym.distributions.registry import Family, register_family

__all__ = ["Rounded", "RenewalDemand"]


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


register_family(Family("round", Rounded, wraps=Rounded, example="round(gamma:mean=4,cv=0.5)"))


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


register_family(Family("renewal", RenewalDemand, wraps=RenewalDemand, example="renewal(gamma:mean=0.2,scv=2)"))
