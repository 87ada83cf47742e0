"""The base class of every distribution, and the shared sampling helpers.

See :mod:`inv_gym.distributions` for the interface, the discrete support and the
truncation rule.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numba
import numpy as np

__all__ = ["Distribution", "DEFAULT_TAIL", "SAMPLE_TAIL"]

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
