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

Modules: :mod:`agents.bandit.algorithms` (the bandits and the epsilon
schedules), :mod:`agents.bandit.arms` (:class:`PolicyArms`) and
:mod:`agents.bandit.run` (:func:`run_bandit`); every name is importable from
``agents.bandit``.

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

from agents.bandit.algorithms import (
    UCB1,
    Bandit,
    EpsilonGreedy,
    ThompsonSampling,
    argmax_random,
    exponential_decay,
    inverse_time,
    make_bandit,
    parse_epsilon,
)
from agents.bandit.arms import ARM_FAMILIES, PolicyArms
from agents.bandit.run import BanditRun, run_bandit

__all__ = [
    "Bandit",
    "EpsilonGreedy",
    "UCB1",
    "ThompsonSampling",
    "inverse_time",
    "exponential_decay",
    "parse_epsilon",
    "make_bandit",
    "argmax_random",
    "PolicyArms",
    "ARM_FAMILIES",
    "BanditRun",
    "run_bandit",
]
