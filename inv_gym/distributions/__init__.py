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

Families are registered in :data:`FAMILIES` (:mod:`inv_gym.distributions.registry`):
each gives its name, its forms (parameter sets such as ``mean`` and ``sd``) with every
parameter's allowed range, and a constructor per form. The parser
(:mod:`inv_gym.distributions.text`) and its messages come from the registry, e.g.
``normal:mean=abc,sd=1`` is refused with ``normal: mean must be a number, got 'abc'
(allowed: a number >= 0) in 'normal:mean=abc,sd=1'``.

Modules: :mod:`~inv_gym.distributions.base` (the base class and the sampling
helpers), :mod:`~inv_gym.distributions.discrete`,
:mod:`~inv_gym.distributions.continuous`, :mod:`~inv_gym.distributions.wrappers`
(``round`` and ``renewal``), :mod:`~inv_gym.distributions.registry` and
:mod:`~inv_gym.distributions.text`. Every name is importable from
``inv_gym.distributions``.

No function here touches numpy's global random state: all sampling goes
through the ``np.random.Generator`` that the caller passes in.
"""

from __future__ import annotations

# the families register in import order, the order messages list them in
# isort: off
from inv_gym.distributions.base import DEFAULT_TAIL, SAMPLE_TAIL, Distribution
from inv_gym.distributions.discrete import (
    Deterministic,
    DiscreteUniform,
    Empirical,
    Geometric,
    NegativeBinomial,
    Poisson,
)
from inv_gym.distributions.continuous import Exponential, Gamma, Lognormal, Normal, Triangular, Uniform
from inv_gym.distributions.wrappers import RenewalDemand, Rounded
from inv_gym.distributions.registry import FAMILIES, Family, Form, Param, get_family, register_family
from inv_gym.distributions.text import as_distribution, parse_distribution

# isort: on

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
    "SAMPLE_TAIL",
    "FAMILIES",
    "Family",
    "Form",
    "Param",
    "get_family",
    "register_family",
]
