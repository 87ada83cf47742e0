"""Bandit algorithms: epsilon-greedy (with epsilon schedules), UCB1 and Thompson sampling.

Batched: ``runs=R`` advances R independent runs together; see :mod:`agents.bandit`, which
exports the public names.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from inv_gym.validation import check_int, check_number

Seed = int | np.random.SeedSequence | None


def _generator(seed: Seed) -> np.random.Generator:
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return np.random.default_rng(ss)


def argmax_random(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Row-wise argmax of an (R, A) array with ties broken uniformly at random."""
    top = values.max(axis=1, keepdims=True)
    key = rng.random(values.shape)
    key[values != top] = -1.0
    return key.argmax(axis=1)


# ---------------------------------------------------------------------------
# epsilon schedules
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class inverse_time:  # noqa: N801 - reads as a function: epsilon=inverse_time(1.0)
    """epsilon_t = min(1, scale / t) for the run's step t = 1, 2, ..."""

    scale: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", check_number("scale", self.scale, strict=True))

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return np.minimum(1.0, self.scale / np.maximum(t, 1))

    def __str__(self) -> str:
        return "1/t" if self.scale == 1.0 else f"{self.scale:g}/t"


@dataclass(frozen=True)
class exponential_decay:  # noqa: N801
    """epsilon_t = max(floor, start * rate^(t - 1)) for the run's step t = 1, 2, ..."""

    start: float = 1.0
    rate: float = 0.99
    floor: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", check_number("start", self.start, high=1.0))
        object.__setattr__(self, "rate", check_number("rate", self.rate, strict=True, high=1.0))
        object.__setattr__(self, "floor", check_number("floor", self.floor, high=1.0))

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return np.maximum(self.floor, self.start * self.rate ** (np.maximum(t, 1) - 1.0))

    def __str__(self) -> str:
        return f"exp:start={self.start:g},rate={self.rate:g},floor={self.floor:g}"


def parse_epsilon(text: str) -> float | inverse_time | exponential_decay:
    """An epsilon from text: ``0.1``, ``1/t``, ``5/t``, ``exp:0.99`` or ``exp:start=1,rate=0.99,floor=0.01``."""
    s = text.strip()

    def number(name: str, value: str) -> float:
        try:
            return float(value)
        except ValueError:
            raise ValueError(f"epsilon schedule {s!r}: {name} must be a number, got {value.strip()!r}") from None

    def schedule(make: Callable[..., Any], **kw: float) -> Any:
        try:
            return make(**kw)
        except ValueError as exc:
            raise ValueError(f"epsilon schedule {s!r}: {exc}") from None

    m = re.fullmatch(r"([0-9.eE+-]*)/t", s)
    if m:
        return schedule(inverse_time, scale=number("scale", m.group(1)) if m.group(1) else 1.0)
    if s.startswith("exp:"):
        body = s[4:]
        if "=" not in body:
            return schedule(exponential_decay, rate=number("rate", body))
        kw: dict[str, float] = {}
        for part in body.split(","):
            k, _, v = part.partition("=")
            if k.strip() not in ("start", "rate", "floor"):
                raise ValueError(f"epsilon schedule parameters are start, rate, floor; got {k.strip()!r}")
            kw[k.strip()] = number(k.strip(), v)
        return schedule(exponential_decay, **kw)
    try:
        e = float(s)
    except ValueError:
        raise ValueError(f"epsilon must be a number in [0, 1], 'C/t' or 'exp:RATE', got {text!r}") from None
    if not 0 <= e <= 1:
        raise ValueError(f"epsilon must be in [0, 1], got {e}")
    return e


# ---------------------------------------------------------------------------
# bandits
# ---------------------------------------------------------------------------
class Bandit:
    """Shared state of a batch of R independent k-armed bandit runs.

    Args:
        n_arms: number of arms k >= 1.
        runs: R independent runs advanced together, or None for a single bandit
            (scalar ``select``/``update`` and (k,) ``estimates``).
        seed: seed of the bandit's own generator (exploration, ties, sampling).
        initial: initial estimate of every arm (optimistic when high).
    """

    name = "bandit"

    def __init__(self, n_arms: int, *, runs: int | None = None, seed: Seed = None, initial: float = 0.0) -> None:
        self.n_arms = check_int("n_arms", n_arms, low=1)
        self.runs = None if runs is None else check_int("runs", runs, low=1, reason="or None")
        self.initial = check_number("initial", initial, low=None)
        self.seed = seed
        self.reset()

    @property
    def _r(self) -> int:
        return 1 if self.runs is None else self.runs

    def reset(self) -> None:
        """Forget every pull and restart the generator from the seed."""
        self.rng = _generator(self.seed)
        shape = (self._r, self.n_arms)
        self._counts = np.zeros(shape, dtype=np.int64)
        self._sums = np.zeros(shape)
        self._sumsq = np.zeros(shape)
        self._q = np.full(shape, self.initial)

    # -- public views -----------------------------------------------------------
    @property
    def estimates(self) -> np.ndarray:
        """Current estimate of each arm's mean reward: (k,) or (R, k)."""
        q = self._estimates()
        return q[0].copy() if self.runs is None else q.copy()

    @property
    def counts(self) -> np.ndarray:
        """Pulls of each arm: (k,) or (R, k)."""
        return self._counts[0].copy() if self.runs is None else self._counts.copy()

    @property
    def steps(self) -> np.ndarray:
        """Pulls so far per run, (R,)."""
        return self._counts.sum(axis=1)

    def _estimates(self) -> np.ndarray:
        return self._q

    def greedy(self) -> int | np.ndarray:
        """The arm(s) with the highest current estimate (ties at random)."""
        a = argmax_random(self._estimates(), self.rng)
        return int(a[0]) if self.runs is None else a

    # -- the loop ----------------------------------------------------------------
    def select(self) -> int | np.ndarray:
        """The arm to pull next: an int, or an (R,) array with ``runs``."""
        a = self._select()
        return int(a[0]) if self.runs is None else a

    def _select(self) -> np.ndarray:
        raise NotImplementedError

    def update(self, arm: Any, reward: Any) -> None:
        """Record the reward of pulling ``arm`` (scalars, or (R,) arrays with ``runs``)."""
        arm = np.asarray(arm, dtype=np.int64).reshape(-1)
        reward = np.asarray(reward, dtype=np.float64).reshape(-1)
        r = self._r
        if arm.shape != (r,) or reward.shape != (r,):
            raise ValueError(f"update expects {r} arm(s) and reward(s), got shapes {arm.shape} and {reward.shape}")
        if np.any((arm < 0) | (arm >= self.n_arms)):
            raise ValueError(f"arm must be in [0, {self.n_arms - 1}], got {arm.tolist()}")
        if not np.all(np.isfinite(reward)):
            raise ValueError(f"reward must be finite, got {reward.tolist()}")
        rows = np.arange(r)
        self._counts[rows, arm] += 1
        self._sums[rows, arm] += reward
        self._sumsq[rows, arm] += reward * reward
        self._after_update(rows, arm, reward)

    def _after_update(self, rows: np.ndarray, arm: np.ndarray, reward: np.ndarray) -> None:
        n = self._counts[rows, arm]
        self._q[rows, arm] = self._sums[rows, arm] / n

    def pooled_sd(self, default: float = 1.0) -> np.ndarray:
        """Pooled within-arm standard deviation of each run's rewards, (R,) (``default`` until defined)."""
        n = self._counts
        with np.errstate(invalid="ignore", divide="ignore"):
            ss = np.where(n > 0, self._sumsq - np.where(n > 0, self._sums**2 / np.maximum(n, 1), 0.0), 0.0)
        ss = np.maximum(ss, 0.0).sum(axis=1)
        dof = np.maximum(n - 1, 0).sum(axis=1)
        sd = np.sqrt(ss / np.maximum(dof, 1))
        return np.where((dof > 0) & (sd > 0), sd, default)

    def describe(self) -> dict[str, Any]:
        """The algorithm and its settings (JSON-friendly)."""
        return {"algo": self.name, "n_arms": self.n_arms, "runs": self.runs}


class EpsilonGreedy(Bandit):
    """Epsilon-greedy with constant, per-run or decaying epsilon.

    Args:
        n_arms: number of arms.
        epsilon: a probability in [0, 1]; an (R,) array of them (one per run);
            or a schedule ``f(t (R,)) -> (R,)`` of the run's step t = 1, 2, ...
            (:func:`inverse_time`, :func:`exponential_decay`).
        initial: initial estimates Q_0 (optimistic when above every mean).
        step_size: None for sample averages, or a constant alpha in (0, 1].
        runs: R runs advanced together, or None for one bandit.
        seed: the generator's seed.
    """

    name = "epsilon_greedy"

    def __init__(
        self,
        n_arms: int,
        epsilon: float | np.ndarray | Callable[[np.ndarray], np.ndarray] = 0.1,
        *,
        initial: float = 0.0,
        step_size: float | None = None,
        runs: int | None = None,
        seed: Seed = None,
    ) -> None:
        if not callable(epsilon):
            e = np.asarray(epsilon, dtype=np.float64)
            if not np.all((e >= 0) & (e <= 1)):
                raise ValueError(f"epsilon must be in [0, 1], got {epsilon!r}")
            if e.ndim > 1 or (e.ndim == 1 and e.shape[0] != (1 if runs is None else runs)):
                raise ValueError(f"epsilon must be a scalar or one value per run ({runs}), got shape {e.shape}")
        if step_size is not None:
            step_size = check_number("step_size", step_size, strict=True, high=1.0)
        self.epsilon = epsilon
        self.step_size = step_size
        super().__init__(n_arms, runs=runs, seed=seed, initial=initial)

    def epsilons(self) -> np.ndarray:
        """The exploration probability of each run's next step, (R,)."""
        if callable(self.epsilon):
            e = np.asarray(self.epsilon(self.steps + 1), dtype=np.float64)
        else:
            e = np.asarray(self.epsilon, dtype=np.float64)
        return np.broadcast_to(e, (self._r,))

    def _estimates(self) -> np.ndarray:
        if self.step_size is not None:
            return self._q
        n = self._counts
        return np.where(n > 0, self._sums / np.maximum(n, 1), self.initial)

    def _after_update(self, rows: np.ndarray, arm: np.ndarray, reward: np.ndarray) -> None:
        if self.step_size is None:
            return
        q = self._q[rows, arm]
        self._q[rows, arm] = q + self.step_size * (reward - q)

    def _select(self) -> np.ndarray:
        r = self._r
        # draw every random number every step, so runs stay reproducible whatever they do
        explore = self.rng.random(r) < self.epsilons()
        random_arm = self.rng.integers(self.n_arms, size=r)
        greedy = argmax_random(self._estimates(), self.rng)
        return np.where(explore, random_arm, greedy)

    def describe(self) -> dict[str, Any]:
        e = self.epsilon
        eps: Any = str(e) if callable(e) else np.asarray(e).tolist()
        return {**super().describe(), "epsilon": eps, "initial": self.initial, "step_size": self.step_size}


class UCB1(Bandit):
    """UCB1 (Auer, Cesa-Bianchi & Fischer 2002): argmax Q_a + c sqrt(2 ln t / n_a).

    Args:
        n_arms: number of arms.
        c: exploration scale (1 for rewards in [0, 1]); ``"auto"`` uses each run's
            pooled within-arm reward standard deviation.
        runs: R runs advanced together, or None.
        seed: the generator's seed (ties).
    """

    name = "ucb1"

    def __init__(self, n_arms: int, *, c: float | str = 1.0, runs: int | None = None, seed: Seed = None) -> None:
        if c != "auto" and not (isinstance(c, (int, float)) and math.isfinite(c) and c >= 0):
            raise ValueError(f"c must be >= 0 or 'auto', got {c!r}")
        self.c = c
        super().__init__(n_arms, runs=runs, seed=seed)

    def _select(self) -> np.ndarray:
        n = self._counts
        t = np.maximum(self.steps, 1)[:, None]
        scale = self.pooled_sd()[:, None] if self.c == "auto" else float(self.c)
        with np.errstate(divide="ignore", invalid="ignore"):
            bonus = scale * np.sqrt(2.0 * np.log(t) / n)
        index = np.where(n > 0, self._q + bonus, np.inf)
        return argmax_random(index, self.rng)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "c": self.c}


class ThompsonSampling(Bandit):
    """Gaussian Thompson sampling with a Normal prior on each arm's mean.

    Posterior of arm a after n_a pulls with sum s_a (noise sd sigma, prior
    Normal(m0, s0^2)): precision 1/s0^2 + n_a/sigma^2, mean
    (m0/s0^2 + s_a/sigma^2) / precision.

    Args:
        n_arms: number of arms.
        prior_mean: m0.
        prior_sd: s0 > 0; ``inf`` (default) is the flat prior (untried arms first).
        noise_sd: sigma > 0, or ``"auto"`` (pooled within-arm sd of the run's rewards).
        runs: R runs advanced together, or None.
        seed: the generator's seed.
    """

    name = "thompson"

    def __init__(
        self,
        n_arms: int,
        *,
        prior_mean: float = 0.0,
        prior_sd: float = math.inf,
        noise_sd: float | str = "auto",
        runs: int | None = None,
        seed: Seed = None,
    ) -> None:
        if not prior_sd > 0:
            raise ValueError(f"prior_sd must be > 0, got {prior_sd}")
        if noise_sd != "auto" and not (isinstance(noise_sd, (int, float)) and noise_sd > 0):
            raise ValueError(f"noise_sd must be > 0 or 'auto', got {noise_sd!r}")
        self.prior_mean = float(prior_mean)
        self.prior_sd = float(prior_sd)
        self.noise_sd = noise_sd
        super().__init__(n_arms, runs=runs, seed=seed, initial=prior_mean)

    def posterior(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean, sd) of each arm's posterior, each (R, k) (inf sd for untried arms under the flat prior)."""
        n = self._counts
        sigma = self.pooled_sd()[:, None] if self.noise_sd == "auto" else float(self.noise_sd)
        prior_prec = 0.0 if math.isinf(self.prior_sd) else 1.0 / self.prior_sd**2
        prec = prior_prec + n / sigma**2
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = np.where(prec > 0, (prior_prec * self.prior_mean + self._sums / sigma**2) / prec, self.prior_mean)
            sd = np.where(prec > 0, 1.0 / np.sqrt(prec), np.inf)
        return mean, sd

    def _select(self) -> np.ndarray:
        mean, sd = self.posterior()
        z = self.rng.standard_normal(mean.shape)
        theta = np.where(np.isinf(sd), np.inf, mean + np.where(np.isinf(sd), 0.0, sd) * z)
        return argmax_random(theta, self.rng)

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "prior_mean": self.prior_mean,
            "prior_sd": self.prior_sd,
            "noise_sd": self.noise_sd,
        }


def make_bandit(algo: str, n_arms: int, *, runs: int | None = None, seed: Seed = None, **kwargs: Any) -> Bandit:
    """A bandit by name: ``epsilon`` (or ``epsilon_greedy``), ``ucb1`` or ``thompson``."""
    key = algo.lower().replace("-", "_")
    if key in ("epsilon", "epsilon_greedy", "egreedy"):
        return EpsilonGreedy(n_arms, runs=runs, seed=seed, **kwargs)
    if key == "ucb1":
        return UCB1(n_arms, runs=runs, seed=seed, **kwargs)
    if key in ("thompson", "thompson_sampling", "ts"):
        return ThompsonSampling(n_arms, runs=runs, seed=seed, **kwargs)
    raise ValueError(f"algo must be one of epsilon, ucb1, thompson; got {algo!r}")
