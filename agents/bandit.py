"""Multi-armed bandits whose arms are inventory policies.

Algorithms (Sutton & Barto 2018, ch. 2; Auer et al. 2002; Russo et al. 2018):

* :class:`EpsilonGreedy`: with probability epsilon_t pull a uniformly random arm,
  otherwise the arm with the highest estimate (ties broken at random).
  ``epsilon`` is a constant, one constant per run, or a schedule of the run's
  step t = 1, 2, ... (:func:`inverse_time` for c / t, :func:`exponential_decay`
  for eps0 * rate^(t-1)). Estimates are sample averages (``step_size=None``:
  Q_a = mean of the rewards of arm a, the initial value until the first pull)
  or exponential recency-weighted averages with a constant step size alpha
  (Q_a <- Q_a + alpha (r - Q_a), starting from ``initial``, so an optimistic
  ``initial`` drives early exploration).
* :class:`UCB1`: untried arms first, then argmax Q_a + c sqrt(2 ln t / n_a).
  The bound assumes rewards in [0, 1]; ``c`` rescales it to the reward scale
  (``c="auto"``: the pooled within-arm standard deviation of the run's rewards).
* :class:`ThompsonSampling`: Gaussian rewards with a Normal(prior_mean,
  prior_sd^2) prior on each arm's mean; each step samples every arm's mean
  from its posterior and pulls the largest. ``prior_sd=inf`` (default) is the
  flat prior: untried arms are pulled first, then the posterior is
  Normal(sample mean, noise_sd^2 / n_a). ``noise_sd="auto"`` uses the pooled
  within-arm standard deviation of the run's rewards.

Every bandit is batched: ``runs=R`` advances R independent runs together
(``estimates`` and ``counts`` are (R, arms) arrays, ``select()`` returns (R,)
arms, ``update(arms, rewards)`` takes (R,) arrays). With ``runs=None`` the
same object is a single bandit: ``select()`` returns an int and ``estimates``
is (arms,). Randomness comes only from ``np.random.default_rng(SeedSequence(seed))``.

Policy arms: :class:`PolicyArms` is a grid of one policy family ((s,S),
(r,Q), base stock, periodic review (T,S)); :meth:`PolicyArms.batch` builds ONE
policy whose parameter arrays hold each run's selected arm, and
:func:`run_bandit` pulls every run's arm in one batched
:func:`inv_gym.evaluation.simulate` call per iteration (one episode per run).
The reward of a pull is the episode's reward (minus its cost in unpriced
models): per period for infinite-horizon models, per episode for
finite-horizon ones.

Example:
    >>> b = EpsilonGreedy(3, epsilon=0.0, seed=1)
    >>> for arm, r in [(0, 1.0), (1, 2.0), (2, 0.5)]:
    ...     b.update(arm, r)
    >>> b.select()
    1
    >>> b.estimates.tolist(), b.counts.tolist()
    ([1.0, 2.0, 0.5], [1, 1, 1])
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agents.base import BasePolicy
from agents.search import SEARCH_FAMILIES, grid_points
from agents.specs import FAMILIES, Family
from agents.specs import family as get_family
from inv_gym.envs.streams import draw_paths
from inv_gym.evaluation import simulate
from inv_gym.params import InventoryParams

__all__ = [
    "Bandit",
    "EpsilonGreedy",
    "UCB1",
    "ThompsonSampling",
    "inverse_time",
    "exponential_decay",
    "parse_epsilon",
    "make_bandit",
    "PolicyArms",
    "ARM_FAMILIES",
    "BanditRun",
    "run_bandit",
]

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
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"scale must be > 0, got {self.scale}")

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
        if not 0 <= self.start <= 1:
            raise ValueError(f"start must be in [0, 1], got {self.start}")
        if not 0 < self.rate <= 1:
            raise ValueError(f"rate must be in (0, 1], got {self.rate}")
        if not 0 <= self.floor <= 1:
            raise ValueError(f"floor must be in [0, 1], got {self.floor}")

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
        if isinstance(n_arms, bool) or int(n_arms) != n_arms or n_arms < 1:
            raise ValueError(f"n_arms must be an integer >= 1, got {n_arms!r}")
        if runs is not None and (isinstance(runs, bool) or int(runs) != runs or runs < 1):
            raise ValueError(f"runs must be an integer >= 1 or None, got {runs!r}")
        if not math.isfinite(initial):
            raise ValueError(f"initial must be finite, got {initial}")
        self.n_arms = int(n_arms)
        self.runs = None if runs is None else int(runs)
        self.initial = float(initial)
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
        if step_size is not None and not (0 < step_size <= 1):
            raise ValueError(f"step_size must be in (0, 1] or None, got {step_size}")
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


# ---------------------------------------------------------------------------
# policy arms
# ---------------------------------------------------------------------------
#: families whose policies can be arms: the families of ``inv-gym search``
#: (:data:`agents.search.SEARCH_FAMILIES`), with their grid syntax
ARM_FAMILIES: dict[str, Family] = {name: FAMILIES[name] for name in SEARCH_FAMILIES}


def _plain_number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else float(x)


class PolicyArms:
    """A grid of policies of one family; arm i is one parameter combination.

    Args:
        family: ``ss`` (s, S), ``rq`` (r, Q), ``base_stock`` (S), ``periodic``
            (T, S), or another family of :data:`ARM_FAMILIES`.
        arms: grid text such as ``"s=0:40,S=1:80"`` or ``"T=1:10,S=11"``
            (:func:`agents.search.grid_points`: inclusive ranges, ``a:b:step``, space-separated
            lists; invalid combinations such as S <= s dropped), a mapping of
            parameter -> values (the Cartesian product), or a sequence of
            parameter mappings (one per arm).
        **fixed: keyword arguments passed to every policy (``basis`` for periodic review).

    Example:
        >>> arms = PolicyArms("periodic", "T=1:3,S=11")
        >>> arms.n_arms, arms.arm(1)
        (3, {'family': 'periodic', 'T': 2, 'S': 11})
    """

    def __init__(
        self, family: str, arms: Sequence[Mapping[str, float]] | Mapping[str, Any] | str, **fixed: Any
    ) -> None:
        fam = get_family(family)
        if fam.name not in ARM_FAMILIES:
            raise ValueError(f"policy family {fam.name!r} has no arms; families with arms: {', '.join(ARM_FAMILIES)}")
        self.family = fam.name
        self.cls = fam.cls
        self.names = fam.params
        options: dict[str, Any] = {}
        if isinstance(arms, (str, Mapping)):
            points, options = grid_points(fam.name, arms)  # one grid syntax for searches and arms
            table = np.column_stack([points[n] for n in self.names])
        else:
            rows = []
            for a in arms:
                unknown = set(a) - set(self.names) - {"family"}
                if unknown:
                    raise ValueError(f"family {fam.name} has parameters {', '.join(self.names)}; got {sorted(unknown)}")
                rows.append([float(a[n]) for n in self.names])
            if not rows:
                raise ValueError(f"the arms of family {fam.name} are empty")
            table = np.asarray(rows, dtype=np.float64)
            if fam.constraint is not None and not np.all(fam.constraint(dict(zip(self.names, table.T)))):
                raise ValueError(f"invalid {fam.name} arm(s): {fam.constraint_text}")
        self.table = np.asarray(table, dtype=np.float64).reshape(-1, len(self.names))  # (A, parameters)
        self.fixed = {**options, **fixed}
        self.policy(0)  # validate the fixed arguments once

    @property
    def n_arms(self) -> int:
        return int(self.table.shape[0])

    def __len__(self) -> int:
        return self.n_arms

    def arm(self, i: int) -> dict[str, Any]:
        """Arm ``i`` as ``{"family": ..., name: value, ...}`` (plus fixed arguments)."""
        out: dict[str, Any] = {"family": self.family}
        out.update({n: _plain_number(v) for n, v in zip(self.names, self.table[int(i)])})
        out.update(self.fixed)
        return out

    def labels(self) -> list[str]:
        """Short labels such as ``s=6,S=40``."""
        return [",".join(f"{n}={_plain_number(v):g}" for n, v in zip(self.names, row)) for row in self.table]

    def index(self, **values: float) -> int:
        """The arm with these parameter values (ValueError if absent)."""
        target = np.array([float(values[n]) for n in self.names])
        hits = np.flatnonzero(np.all(self.table == target, axis=1))
        if hits.size == 0:
            raise ValueError(f"no arm with {values}")
        return int(hits[0])

    def policy(self, i: int) -> BasePolicy:
        """The policy of arm ``i``."""
        return self.cls(**{n: float(v) for n, v in zip(self.names, self.table[int(i)])}, **self.fixed)

    def batch(self, arms: np.ndarray) -> BasePolicy:
        """ONE policy for len(arms) systems: system j follows arm ``arms[j]``."""
        idx = np.asarray(arms, dtype=np.int64)
        cols = self.table[idx]
        return self.cls(**{n: cols[:, j].copy() for j, n in enumerate(self.names)}, **self.fixed)

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "arms": [self.arm(i) for i in range(self.n_arms)]}


# ---------------------------------------------------------------------------
# running bandits on the model
# ---------------------------------------------------------------------------
@dataclass
class BanditRun:
    """Result of :func:`run_bandit`.

    Attributes:
        arms: the policy arms.
        choices: (iterations, R) arm pulled by each run at each iteration.
        rewards: (iterations, R) reward of each pull.
        estimates: (R, k) final estimates; counts: (R, k) final pull counts.
        per_period: True when rewards are per period (infinite horizon), False
            when per episode (finite horizon).
        horizon, warmup, seed: the episode settings.
        bandit: ``bandit.describe()``.
    """

    arms: PolicyArms
    choices: np.ndarray
    rewards: np.ndarray
    estimates: np.ndarray
    counts: np.ndarray
    per_period: bool
    horizon: int
    warmup: int
    seed: int | None
    bandit: dict[str, Any] = field(default_factory=dict)

    @property
    def pooled_estimates(self) -> np.ndarray:
        """Each arm's mean reward over every pull of every run, (k,) (NaN if never pulled)."""
        sums = np.zeros(self.arms.n_arms)
        n = np.zeros(self.arms.n_arms)
        np.add.at(sums, self.choices.ravel(), self.rewards.ravel())
        np.add.at(n, self.choices.ravel(), 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, sums / np.maximum(n, 1), np.nan)

    @property
    def pulls(self) -> np.ndarray:
        """Pulls of each arm over every run, (k,)."""
        return np.bincount(self.choices.ravel(), minlength=self.arms.n_arms)

    def picks(self) -> np.ndarray:
        """Each run's pick: its most-pulled arm (ties: the higher estimate), (R,)."""
        score = self.counts + 1e-9 * (np.argsort(np.argsort(self.estimates, axis=1), axis=1) + 1) / (
            self.arms.n_arms + 1
        )
        return score.argmax(axis=1)

    def best_arm_index(self) -> int:
        """The arm pulled most often over all runs (ties: the higher pooled estimate)."""
        pulls = self.pulls
        est = np.nan_to_num(self.pooled_estimates, nan=-np.inf)
        order = np.lexsort((est, pulls))
        return int(order[-1])

    def summary(self) -> dict[str, Any]:
        """JSON-friendly: best arm, each arm's estimate and pull count, settings."""
        est = self.pooled_estimates
        pulls = self.pulls
        picks = np.bincount(self.picks(), minlength=self.arms.n_arms)
        arms = []
        for i in range(self.arms.n_arms):
            arms.append(
                {
                    **self.arm_params(i),
                    "estimate": None if not math.isfinite(est[i]) else float(est[i]),
                    "pulls": int(pulls[i]),
                    "picked_by_runs": int(picks[i]),
                }
            )
        return {
            "best_arm": self.arm_params(self.best_arm_index()),
            "arms": arms,
            "reward": "per_period" if self.per_period else "per_episode",
            "iterations": int(self.choices.shape[0]),
            "runs": int(self.choices.shape[1]),
            "horizon": self.horizon,
            "warmup": self.warmup,
            "seed": self.seed,
            "bandit": self.bandit,
        }

    def arm_params(self, i: int) -> dict[str, Any]:
        return self.arms.arm(i)


def run_bandit(
    params: InventoryParams,
    arms: PolicyArms,
    bandit: Bandit,
    *,
    iterations: int,
    horizon: int | None = None,
    warmup: int = 0,
    seed: int | None = 0,
    paths: int | None = None,
    crn: bool = False,
    on_iteration: Callable[[int, np.ndarray, np.ndarray], None] | None = None,
) -> BanditRun:
    """Run a batched bandit over policy arms: one batched simulation per iteration.

    Each iteration: every run selects an arm; :meth:`PolicyArms.batch` builds
    ONE policy holding each run's arm; one :func:`~inv_gym.evaluation.simulate`
    call runs one episode per run; each run is updated with its episode's
    reward (minus the cost in unpriced models), per period when the model is
    infinite-horizon and per episode when it is finite-horizon.

    Randomness: the demand and lead times of iteration i come from the i-th
    child of ``SeedSequence(seed)`` (spawned per iteration) and never depend on
    the arms pulled, so bandits compared with one seed see the same demand.
    The bandit's own generator is separate (its ``seed``).

    Args:
        params: the model (``horizon`` gives the episode length by default).
        arms: the policy arms (``arms.n_arms == bandit.n_arms``).
        bandit: a batched bandit (``runs=R``); a single bandit is run as R = 1.
        iterations: pulls per run.
        horizon: measured periods per episode (default ``params.horizon``).
        warmup: periods simulated before measuring (infinite-horizon models only).
        seed: seed of the demand draws.
        paths: distinct demand paths per iteration (default R). Run j uses path
            j % paths, so with R = m * paths, runs j, j + paths, ... share their
            demand (common random numbers between groups of runs, e.g. epsilons).
        crn: common random numbers across arms within an iteration: every run
            (so every arm pulled in that iteration) sees the same path (paths = 1).
        on_iteration: optional callback ``f(i, arms (R,), rewards (R,))``.

    Returns:
        A :class:`BanditRun`.
    """
    if bandit.n_arms != arms.n_arms:
        raise ValueError(f"the bandit has {bandit.n_arms} arms but the grid has {arms.n_arms}")
    if isinstance(iterations, bool) or int(iterations) != iterations or iterations < 1:
        raise ValueError(f"iterations must be an integer >= 1, got {iterations!r}")
    r = bandit._r
    horizon = params.horizon if horizon is None else int(horizon)
    if horizon < 1:
        raise ValueError(f"horizon must be >= 1, got {horizon}")
    if warmup < 0:
        raise ValueError(f"warmup must be >= 0, got {warmup}")
    total = horizon + warmup
    if params.finite_horizon and total != params.horizon:
        raise ValueError(f"horizon + warmup must equal the model's horizon {params.horizon} for a finite-horizon model")
    if crn:
        paths = 1
    paths = r if paths is None else int(paths)
    if paths < 1 or r % paths:
        raise ValueError(f"paths must divide the number of runs {r}, got {paths}")
    copies = r // paths
    children = np.random.SeedSequence(seed).spawn(int(iterations))
    choices = np.empty((iterations, r), dtype=np.int32)
    rewards = np.empty((iterations, r))
    per_period = not params.finite_horizon
    for i in range(iterations):
        a = np.asarray(bandit.select()).reshape(r)
        policy = arms.batch(a)
        demand, lead = draw_paths(params, children[i], paths, total)
        sums = simulate(policy, params, demand, lead, warmup=warmup, copies=copies)
        rew = sums["reward"] / (horizon if per_period else 1.0)
        bandit.update(a if bandit.runs is not None else a[0], rew if bandit.runs is not None else rew[0])
        choices[i] = a
        rewards[i] = rew
        if on_iteration is not None:
            on_iteration(i, a, rew)
    return BanditRun(
        arms=arms,
        choices=choices,
        rewards=rewards,
        estimates=bandit._estimates().copy(),
        counts=bandit._counts.copy(),
        per_period=per_period,
        horizon=horizon,
        warmup=warmup,
        seed=seed,
        bandit=bandit.describe(),
    )
