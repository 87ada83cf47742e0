"""Parameter sweeps: vary one or two parameters of an instance, evaluate a policy with CI.

A sweep takes an instance (a registered id plus overrides), one or two *varied
parameters* with their values, and a *policy* to evaluate at every point:

* a fixed policy (:class:`PolicySpec`, text form ``ss:s=6,S=40``);
* the policy re-optimized at every point over a grid of one family
  (:class:`SearchSpec`, text form ``best:ss:s=0:20,S=20:80:2``), found under
  common random numbers and reported from an independent evaluation (fresh
  seed), optionally subject to a fill-rate floor;
* any picklable callable ``f(params) -> policy`` (e.g. an exact optimum).

Varied parameters (:func:`apply_vary`) are any :class:`~inv_gym.params.InventoryParams`
field (``holding_cost``, ``backorder_cost``, ``fixed_order_cost``, ``lead_time``, ...),
the derived names ``demand_mean``, ``demand_scv``, ``demand_family``,
``interarrival_scv``, ``lead_time_mean``, ``lead_time_scv``, and policy parameters
``policy.NAME`` (fixed policies only).

Every point is a task of the experiment runner (:mod:`experiments.runner`):
its key names the point (:func:`point_key`, e.g. ``backorder_cost=9.0``), its
settings are everything its row depends on (the point, the instance, the
policy, the evaluation's sizes and seed, the metrics) and its computation is
the module-level :func:`_run_one`, so the points run serially or on local
processes (``n_jobs``) with a tqdm progress bar. Each finished point is stored
as a validated, checksummed record in the runner's store ``out_dir/points/``
(``<key>.json``) as soon as it arrives; a rerun loads the points whose settings
are unchanged (a bad record is named and recomputed) and computes the rest, so
an interrupted sweep resumes where it stopped. The report step writes the
table to ``out_dir/sweep.csv``; :func:`plot_curves` and :func:`plot_surface`
draw it.

Example:
    >>> from experiments.sweep import Sweep, run_sweep
    >>> df = run_sweep(Sweep("inv_gym/BaseStock-v0", policy="base_stock:S=15",
    ...                      vary=("backorder_cost", [1.0, 9.0]), reps=4, horizon=100))
    >>> list(df["backorder_cost"])
    [1.0, 9.0]
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from agents.base import BasePolicy
from agents.search import grid_points, grid_search, parse_grid
from agents.specs import family as get_family
from agents.specs import make_policy, parse_policy, policy_spec
from experiments import runner
from experiments.io import pyplot, save_figure, write_csv
from experiments.runner.schema import problem as record_problem
from inv_gym.distributions import (
    Deterministic,
    Distribution,
    Exponential,
    Gamma,
    Lognormal,
    NegativeBinomial,
    Normal,
    Poisson,
    RenewalDemand,
    Rounded,
    Triangular,
    Uniform,
)
from inv_gym.evaluation import METRICS, evaluate
from inv_gym.params import PARAM_NAMES, InventoryParams, parse_param_value
from inv_gym.presets import preset_params

__all__ = [
    "PolicySpec",
    "SearchSpec",
    "parse_sweep_policy",
    "apply_vary",
    "search_table",
    "best_of",
    "Sweep",
    "run_sweep",
    "execute_sweep",
    "sweep_tasks",
    "point_key",
    "plot_curves",
    "plot_surface",
    "DEFAULT_METRICS",
    "VARY_NAMES",
]

#: metrics recorded at every point unless told otherwise
DEFAULT_METRICS: tuple[str, ...] = (
    "cost_per_period",
    "fixed_cost",
    "purchase_cost",
    "holding_cost",
    "backorder_cost",
    "lost_sales_cost",
    "waste_cost",
    "reward_per_period",
    "fill_rate",
    "cycle_service_level",
    "average_on_hand",
    "average_backorders",
    "orders_placed",
)

#: derived names accepted by :func:`apply_vary` besides the parameter fields
VARY_NAMES: tuple[str, ...] = (
    "demand_mean",
    "demand_scv",
    "demand_family",
    "interarrival_scv",
    "lead_time_mean",
    "lead_time_scv",
)


# ---------------------------------------------------------------------------
# Policies: fixed and searched
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicySpec:
    """A fixed policy of one family, e.g. ``PolicySpec("ss", {"s": 6, "S": 40})``.

    The families and their parameters are those of :mod:`agents.specs`; numeric
    values may be whatever the policy class accepts (e.g. a negative reorder point).

    Attributes:
        family: a family of :data:`agents.specs.FAMILIES`.
        values: the family's numeric parameters.
        options: its text options (``basis`` of ``periodic``, ``plan`` of ``scheduled``).
    """

    family: str
    values: dict[str, float] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        fam = get_family(self.family)
        object.__setattr__(self, "family", fam.name)
        missing = [n for n in fam.names if n not in self.values]
        extra = [n for n in self.values if n not in fam.names]
        if missing or extra:
            raise ValueError(f"policy {fam.name} takes {', '.join(fam.names)}; missing {missing}, unknown {extra}")
        object.__setattr__(self, "values", {k: float(self.values[k]) for k in fam.names})
        self.build()  # the class validates the values

    @classmethod
    def parse(cls, text: str) -> PolicySpec:
        """A fixed policy from its spec (:func:`agents.specs.parse_policy`)."""
        return cls.of(parse_policy(text))

    @classmethod
    def of(cls, policy: BasePolicy) -> PolicySpec:
        """The spec of a heuristic policy with scalar parameters."""
        d = policy.describe()
        fam = get_family(str(d.get("family", "")))
        options = {k: d[k] for k in fam.option_names() if k in d}
        return cls(fam.name, {k: float(d[k]) for k in fam.names}, options)

    def build(self) -> BasePolicy:
        return make_policy(self.family, self.values, self.options)

    def with_value(self, name: str, value: float) -> PolicySpec:
        return PolicySpec(self.family, {**self.values, name: float(value)}, self.options)

    def __str__(self) -> str:
        return policy_spec(self.build())


@dataclass(frozen=True)
class SearchSpec:
    """Re-optimize a family over a grid at every point (common random numbers).

    Attributes:
        family: a family of :data:`agents.search.SEARCH_FAMILIES`.
        grid: the grid of :func:`agents.search.parse_grid`: parameter name ->
            candidate values (the search runs over the product; for ``ss`` only
            pairs with S > s), or its text form ``"s=0:20,S=20:80:2"``.
        fill_rate_min: optional constraint, the fill rate must be at least this.
        objective: the metric minimised (``cost_per_period``) or, prefixed with
            ``-``, maximised (``-reward_per_period``).
    """

    family: str
    grid: Any
    fill_rate_min: float | None = None
    objective: str = "cost_per_period"

    def __post_init__(self) -> None:
        fam = get_family(self.family)
        values, options = parse_grid(fam.name, self.grid)
        object.__setattr__(self, "family", fam.name)
        object.__setattr__(self, "grid", {**{k: tuple(float(x) for x in v) for k, v in values.items()}, **options})
        if self.fill_rate_min is not None and not 0.0 <= float(self.fill_rate_min) <= 1.0:
            raise ValueError(f"the fill-rate floor must be in [0, 1], got {self.fill_rate_min}")
        if self.objective.lstrip("-") not in METRICS:
            raise ValueError(f"unknown objective {self.objective!r}; one of {', '.join(METRICS)}")

    def candidates(self) -> list[dict[str, float]]:
        """Every valid grid point as ``{name: value}``."""
        points, _ = grid_points(self.family, self.grid)
        names = list(points)
        return [dict(zip(names, (float(points[n][i]) for n in names))) for i in range(points[names[0]].size)]

    def __str__(self) -> str:
        g = ",".join(f"{k}={_values_text(v)}" if isinstance(v, tuple) else f"{k}={v}" for k, v in self.grid.items())
        floor = "" if self.fill_rate_min is None else f",fill_rate>={self.fill_rate_min:g}"
        return f"best:{self.family}:{g}{floor}"


def _values_text(values: tuple[float, ...]) -> str:
    """The grid text of sorted values: ``a``, ``a:b`` (unit steps), ``a:b:step`` or ``v1 v2 ...``."""
    if len(values) == 1:
        return f"{values[0]:g}"
    steps = np.diff(values)
    if np.allclose(steps, steps[0], rtol=0, atol=1e-9):
        step = float(steps[0])
        tail = "" if abs(step - 1.0) < 1e-9 else f":{step:g}"
        return f"{values[0]:g}:{values[-1]:g}{tail}"
    return " ".join(f"{v:g}" for v in values)


def parse_sweep_policy(text: str) -> PolicySpec | SearchSpec:
    """A sweep's policy: ``family:NAME=V,...`` (fixed) or ``best:family:NAME=LO:HI[:STEP],...`` (searched).

    The fixed form is a policy spec (:func:`agents.specs.parse_policy`); the
    searched form is ``best:`` and a grid of :func:`agents.search.parse_grid`.

    Examples:
        >>> parse_sweep_policy("ss:s=6,S=40")
        PolicySpec(family='ss', values={'s': 6.0, 'S': 40.0}, options={})
        >>> len(parse_sweep_policy("best:base_stock:S=10:20").candidates())
        11
    """
    t = text.strip()
    if not t.lower().startswith("best:"):
        return PolicySpec.parse(t)
    family, _, grid = t[5:].partition(":")
    if not grid.strip():
        raise ValueError(f"a searched policy must look like best:family:NAME=LO:HI,..., got {text!r}")
    return SearchSpec(family, grid)


def search_table(
    spec: SearchSpec,
    params: InventoryParams,
    *,
    reps: int,
    horizon: int,
    warmup: int = 0,
    seed: int | None = 0,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Evaluate every candidate of ``spec`` under common random numbers.

    The search is :func:`agents.search.grid_search`: all candidates see the
    same demand and lead-time draws (the draws :func:`~inv_gym.evaluation.evaluate`
    uses with the same seed), in batched simulations.

    Returns:
        One row per candidate, ranked (feasible first, then by the objective):
        its parameters, ``spec``, ``feasible`` (the fill-rate floor) and, for
        every metric M of :data:`inv_gym.evaluation.METRICS`, ``M`` / ``M_lo`` /
        ``M_hi`` (mean and 95% CI over replications).
    """
    res = grid_search(
        spec.family,
        spec.grid,
        params,
        reps=reps,
        horizon=horizon,
        warmup=warmup,
        seed=seed,
        min_fill_rate=spec.fill_rate_min,
        objective=spec.objective.lstrip("-"),
        progress=False,
        n_jobs=n_jobs,
    )
    return res.table.rename(columns=lambda c: c.replace("_ci_low", "_lo").replace("_ci_high", "_hi"))


def best_of(spec: SearchSpec, table: pd.DataFrame) -> PolicySpec | None:
    """The best feasible candidate of a :func:`search_table` (None if none is feasible)."""
    feas = table[table["feasible"]]
    if feas.empty:
        return None
    obj = spec.objective.lstrip("-")
    sign = -1.0 if spec.objective.startswith("-") else 1.0
    i = int(np.argmin(sign * feas[obj].to_numpy()))
    row = feas.iloc[i]
    fam = get_family(spec.family)
    options = {k: v for k, v in spec.grid.items() if k not in fam.names}
    return PolicySpec(spec.family, {n: float(row[n]) for n in fam.names}, options)


# ---------------------------------------------------------------------------
# Varying an instance
# ---------------------------------------------------------------------------

_FAMILY_BUILDERS: dict[str, Callable[[float, float], Distribution]] = {
    "exponential": lambda m, s: Exponential(m),
    "uniform": Uniform.from_mean_scv,
    "triangular": Triangular.from_mean_scv,
    "gamma": Gamma.from_mean_scv,
    "lognormal": Lognormal.from_mean_scv,
    "normal": Normal.from_mean_scv,
    "negbin": NegativeBinomial.from_mean_scv,
    "poisson": lambda m, s: Poisson(m),
    "deterministic": lambda m, s: Deterministic(m),
}


def _base_mean_scv(d: Distribution) -> tuple[float, float]:
    """(mean, scv) of the distribution a family change or rescaling starts from."""
    if isinstance(d, RenewalDemand):
        return 1.0 / d.interarrival.mean, d.interarrival.scv
    if isinstance(d, Rounded):
        return _base_mean_scv(d.base)
    if isinstance(d, Normal):
        return float(d.mu), float((d.sigma / d.mu) ** 2) if d.mu else math.inf
    return float(d.mean), float(d.scv)


def _rebuild(d: Distribution, mean: float, scv: float) -> Distribution:
    """A distribution of ``d``'s family with a new mean and SCV."""
    if isinstance(d, RenewalDemand):
        return RenewalDemand(_rebuild(d.interarrival, 1.0 / mean, scv))
    if isinstance(d, Rounded):
        return Rounded(_rebuild(d.base, mean, scv))
    if isinstance(d, Poisson):
        return Poisson(mean) if abs(scv - 1.0 / mean) < 1e-12 else NegativeBinomial.from_mean_scv(mean, scv)
    if isinstance(d, Deterministic):
        return Deterministic(mean) if scv == 0 else Gamma.from_mean_scv(mean, scv)
    if isinstance(d, Exponential):
        return Exponential(mean) if abs(scv - 1.0) < 1e-12 else Gamma.from_mean_scv(mean, scv)
    builder = _FAMILY_BUILDERS.get(d.family)
    if builder is None:
        raise ValueError(f"cannot rescale a {d.family} distribution; give the demand explicitly")
    return builder(mean, scv)


def _lead_time(mean: float, scv: float) -> int | Distribution:
    if not (math.isfinite(mean) and mean >= 0):
        raise ValueError(f"lead_time_mean must be a finite number >= 0, got {mean:g}")
    if not (math.isfinite(scv) and scv >= 0):
        raise ValueError(f"lead_time_scv must be a finite number >= 0, got {scv:g}")
    if scv > 0 and mean <= 0:
        raise ValueError(f"a random lead time (lead_time_scv = {scv:g} > 0) needs lead_time_mean > 0, got {mean:g}")
    if scv == 0:
        if abs(mean - round(mean)) > 1e-9:
            raise ValueError(f"a deterministic lead time must be an integer, got mean {mean:g}")
        return int(round(mean))
    return Rounded(Gamma.from_mean_scv(mean, scv))


def apply_vary(params: InventoryParams, name: str, value: Any) -> InventoryParams:
    """``params`` with one parameter changed (see the module docstring for ``name``).

    Demand changes keep the family (``demand_mean`` keeps the SCV, except that a
    Poisson stays Poisson; ``demand_scv`` keeps the mean, and Poisson becomes
    negative binomial off SCV = 1/mean). Lead-time
    changes use ``round(gamma)`` lead times (an integer when the SCV is 0).
    """
    if name in PARAM_NAMES:
        v = parse_param_value(name, value) if isinstance(value, str) else value
        if name == "lead_time" and isinstance(v, float) and v.is_integer():
            v = int(v)
        return params.replace(**{name: v})
    d = params.demand
    if name == "demand_mean":
        if isinstance(d, Poisson):  # its SCV is 1/mean: a new mean is a new Poisson
            return params.replace(demand=Poisson(float(value)))
        m, s = _base_mean_scv(d)
        return params.replace(demand=_rebuild(d, float(value), s))
    if name == "demand_scv":
        m, s = _base_mean_scv(d)
        return params.replace(demand=_rebuild(d, m, float(value)))
    if name == "demand_family":
        m, s = _base_mean_scv(d)
        fam = str(value).strip().lower()
        if fam not in _FAMILY_BUILDERS:
            raise ValueError(f"unknown demand family {fam!r}; allowed: {', '.join(_FAMILY_BUILDERS)}")
        return params.replace(demand=_FAMILY_BUILDERS[fam](m, s))
    if name == "interarrival_scv":
        m = d.mean if not isinstance(d, RenewalDemand) else 1.0 / d.interarrival.mean
        return params.replace(demand=RenewalDemand(Gamma.from_mean_scv(1.0 / m, float(value))))
    if name in ("lead_time_mean", "lead_time_scv"):
        lt = params.lead_time
        if isinstance(lt, Distribution):
            m, s = _base_mean_scv(lt)
        else:
            m, s = float(lt), 0.0
        if name == "lead_time_mean":
            m = float(value)
        else:
            s = float(value)
        return params.replace(lead_time=_lead_time(m, s))
    raise ValueError(f"cannot vary {name!r}; allowed: parameter fields, {', '.join(VARY_NAMES)}, policy.NAME")


# ---------------------------------------------------------------------------
# The sweep
# ---------------------------------------------------------------------------


@dataclass
class Sweep:
    """One sweep: an instance, the varied parameter(s), the policy and the evaluation.

    Attributes:
        env_id: a registered id (its preset is the base instance).
        policy: a :class:`PolicySpec`, a :class:`SearchSpec`, their text form, or a
            picklable callable ``f(params) -> policy``.
        vary: ``(name, values)`` of the first varied parameter.
        vary2: optional ``(name, values)`` of a second one (a surface).
        overrides: parameter overrides of the base instance.
        reps: replications per point (CI over replications).
        horizon: measured periods per replication.
        warmup: unmeasured periods first.
        seed: seed of the draws (the same at every point: common random numbers
            where the varied parameter leaves the draws unchanged).
        metrics: metrics recorded.
        n_jobs: local worker processes over the points (1: in process; -1: every core).
        out_dir: where the store ``points/`` and ``sweep.csv`` go (None: the points
            are stored in a temporary folder, removed at the end, and nothing is written).
        progress: show a tqdm progress bar.
        fresh: recompute every point instead of loading the stored ones.
    """

    env_id: str
    policy: Any
    vary: tuple[str, Sequence[Any]]
    vary2: tuple[str, Sequence[Any]] | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    reps: int = 30
    horizon: int = 1000
    warmup: int = 100
    seed: int = 0
    metrics: tuple[str, ...] = DEFAULT_METRICS
    n_jobs: int = 1
    out_dir: str | None = None
    progress: bool = False
    fresh: bool = False

    def points(self) -> list[dict[str, Any]]:
        """Every point as ``{name: value}`` (the product of the two value lists)."""
        n1, v1 = self.vary
        if self.vary2 is None:
            return [{n1: v} for v in v1]
        n2, v2 = self.vary2
        return [{n1: a, n2: b} for a in v1 for b in v2]


def _policy_obj(policy: Any) -> Any:
    return parse_sweep_policy(policy) if isinstance(policy, str) else policy


def _policy_key(policy: Any) -> str:
    if isinstance(policy, SearchSpec):
        return repr(policy)  # the whole grid and the floor
    if callable(policy):
        return f"{getattr(policy, '__module__', '')}.{getattr(policy, '__qualname__', repr(policy))}"
    return str(policy)


_KEY_VALUE = re.compile(r"[A-Za-z0-9_.+-]+")


def _value_text(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return repr(float(value))  # exact: 1.0, 0.1, 1e-05
    return str(value)


def point_key(point: dict[str, Any]) -> str:
    """The store key of a point: ``NAME=VALUE`` pairs joined by ``,`` (e.g. ``holding_cost=1.0,demand_mean=8.0``).

    A value whose text holds other characters than letters, digits and
    ``_.+-`` (e.g. ``poisson:8``), or a key longer than 120 characters, gives
    ``point-<fingerprint of the point>`` instead.

    Examples:
        >>> point_key({"policy.S": 10.0, "lead_time": 2})
        'policy.S=10.0,lead_time=2'
        >>> point_key({"demand": "poisson:8"}).startswith("point-")
        True
    """
    texts = [(str(n), _value_text(v)) for n, v in point.items()]
    key = ",".join(f"{n}={v}" for n, v in texts)
    if len(key) <= 120 and all(_KEY_VALUE.fullmatch(n) and _KEY_VALUE.fullmatch(v) for n, v in texts):
        return key
    return f"point-{runner.fingerprint(point)}"


def _point_settings(sweep: Sweep, point: dict[str, Any], policy: str) -> dict[str, Any]:
    """Everything the row of ``point`` depends on (its task's settings); ``policy`` is :func:`_policy_key` of the sweep's."""
    return {
        "point": point,
        "env_id": sweep.env_id,
        "overrides": {k: str(v) for k, v in sweep.overrides.items()},
        "policy": policy,
        "reps": sweep.reps,
        "horizon": sweep.horizon,
        "warmup": sweep.warmup,
        "seed": sweep.seed,
        "metrics": list(sweep.metrics),
    }


def _row_problem(row: Any, columns: tuple[str, ...]) -> str | None:
    """What is wrong with a stored row: not an object, ``policy`` not text, a column missing or not a number.

    A metric may be NaN (an infeasible searched point, a metric undefined on the
    point), so the numbers are checked for their type only.
    """
    found = record_problem(row, policy="str")
    if found:
        return found
    for c in columns:
        if c not in row:
            return f"{c} is missing"
        v = row[c]
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            return f"{c} must be a number, got {v!r:.60}"
    return None


def sweep_tasks(sweep: Sweep) -> list[runner.Task]:
    """One runner task per point of ``sweep`` (key :func:`point_key`, computed by :func:`_run_one`).

    Raises:
        ValueError: when a point comes twice (a value listed twice in ``vary`` or ``vary2``).
    """
    points = sweep.points()
    fps = [runner.fingerprint(p) for p in points]
    if len(set(fps)) != len(fps):
        twice = points[next(i for i, f in enumerate(fps) if f in fps[:i])]
        raise ValueError(f"vary and vary2 must list each value once; the point {twice} comes twice")
    keys = [point_key(p) for p in points]
    if len(set(keys)) != len(keys):  # e.g. 1 and "1": distinct points with one text
        keys = [f"point-{f}" for f in fps]
    policy = _policy_key(_policy_obj(sweep.policy))
    tasks = []
    for key, point in zip(keys, points):
        columns: list[str] = []
        for m in sweep.metrics:
            name = f"{m}_per_period" if m in point else m
            columns += [name, f"{name}_lo", f"{name}_hi"]
        check = partial(_row_problem, columns=tuple(columns))
        tasks.append(
            runner.Task(key, _point_settings(sweep, point, policy), partial(_run_one, sweep, point), check=check)
        )
    return tasks


def evaluate_point(
    params: InventoryParams,
    policy: Any,
    *,
    reps: int,
    horizon: int,
    warmup: int,
    seed: int,
    metrics: Sequence[str] = DEFAULT_METRICS,
) -> dict[str, Any]:
    """Evaluate ``policy`` (fixed, searched or callable) on ``params``: a row of means and CIs."""
    row: dict[str, Any] = {}
    pol = _policy_obj(policy)
    if isinstance(pol, SearchSpec):
        table = search_table(pol, params, reps=reps, horizon=horizon, warmup=warmup, seed=seed)
        best = best_of(pol, table)
        if best is None:
            row["policy"] = "infeasible"
            for m in metrics:
                row[m] = row[f"{m}_lo"] = row[f"{m}_hi"] = math.nan
            return row
        pol = best
        seed = seed + 7919  # independent draws for an unbiased estimate of the chosen policy
    if isinstance(pol, PolicySpec):
        row["policy"] = str(pol)
        for k, v in pol.values.items():
            row[f"policy_{k}"] = v
        obj = pol.build()
    elif callable(pol) and not hasattr(pol, "act"):
        obj = pol(params)
        row["policy"] = repr(obj)
        describe = getattr(obj, "describe", None)
        if callable(describe):
            for k, v in describe().items():
                if k != "family" and np.ndim(v) == 0:
                    row[f"policy_{k}"] = v
    else:
        obj = pol
        row["policy"] = repr(obj)
    ev = evaluate(obj, params, reps=reps, horizon=horizon, warmup=warmup, seed=seed)
    for m in metrics:
        ci = ev[m]
        row[m], row[f"{m}_lo"], row[f"{m}_hi"] = ci.mean, ci.ci_low, ci.ci_high
    return row


def _run_one(sweep: Sweep, point: dict[str, Any]) -> dict[str, Any]:
    """The row of one point: the varied values, the policy, and each metric's mean and 95% CI (a task's computation)."""
    params = preset_params(sweep.env_id, **sweep.overrides)
    policy = _policy_obj(sweep.policy)
    for name, value in point.items():
        if name.startswith("policy."):
            if not isinstance(policy, PolicySpec):
                raise ValueError(f"{name} can only be varied for a fixed policy")
            policy = policy.with_value(name.split(".", 1)[1], float(value))
        else:
            params = apply_vary(params, name, value)
    res = evaluate_point(
        params,
        policy,
        reps=sweep.reps,
        horizon=sweep.horizon,
        warmup=sweep.warmup,
        seed=sweep.seed,
        metrics=sweep.metrics,
    )
    for name in point:  # a cost metric named like the varied cost parameter
        for suffix in ("", "_lo", "_hi"):
            if name + suffix in res:
                res[f"{name}_per_period{suffix}"] = res.pop(name + suffix)
    row = dict(point)
    row.update(res)
    row["demand_spec"] = params.demand.to_spec()
    row["demand_true_mean"] = params.demand.mean
    return row


def run_sweep(sweep: Sweep) -> pd.DataFrame:
    """Run every point of ``sweep`` (resuming from the store ``out_dir/points``); return the table.

    Returns:
        One row per point: the varied values, ``policy`` (and ``policy_NAME``
        columns), and ``M`` / ``M_lo`` / ``M_hi`` for every metric M (a cost
        metric named like a varied parameter, e.g. ``holding_cost``, becomes
        ``holding_cost_per_period``).
    """
    return execute_sweep(sweep).report


def execute_sweep(sweep: Sweep) -> runner.RunResult:
    """Run ``sweep`` on the runner: the points' records, the keys computed now, and the table as the report.

    The points whose stored record is valid with the same settings are loaded,
    the others run on the executor (serial for ``n_jobs == 1``, else local
    processes) and are stored as they finish; the report step builds the table
    from the records and writes ``out_dir/sweep.csv``.
    """
    tasks = sweep_tasks(sweep)
    executor = runner.SerialExecutor() if sweep.n_jobs == 1 else runner.ProcessExecutor(sweep.n_jobs)

    def report(records: list[runner.Record]) -> pd.DataFrame:
        df = pd.DataFrame([r.value for r in records])
        if sweep.out_dir is not None:
            write_csv(df, os.path.join(sweep.out_dir, "sweep.csv"))
        return df

    if sweep.out_dir is not None:
        store = runner.Store(os.path.join(sweep.out_dir, "points"))
        return runner.run(tasks, store, executor, fresh=sweep.fresh, progress=sweep.progress, report=report)
    with tempfile.TemporaryDirectory(prefix="inv-gym-sweep-") as tmp:
        return runner.run(tasks, runner.Store(tmp), executor, progress=sweep.progress, report=report)


# ---------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------


def band(ax: Any, x: Any, df: pd.DataFrame, metric: str, label: str | None = None, **kw: Any) -> Any:
    """Plot ``metric`` against ``x`` with its 95% CI as a shaded band."""
    (line,) = ax.plot(x, df[metric], marker=kw.pop("marker", "o"), ms=kw.pop("ms", 3), label=label, **kw)
    lo, hi = f"{metric}_lo", f"{metric}_hi"
    if lo in df and hi in df:
        ax.fill_between(x, df[lo], df[hi], color=line.get_color(), alpha=0.2, lw=0)
    return line


def plot_curves(
    df: pd.DataFrame,
    x: str,
    metrics: Sequence[str],
    path: str,
    *,
    group: str | None = None,
    title: str | None = None,
    xlabel: str | None = None,
) -> None:
    """One panel per metric against ``x`` with CI bands (one line per ``group`` value)."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.2 * len(metrics), 3.4), squeeze=False)
    for ax, m in zip(axes[0], metrics):
        if group is None:
            d = df.sort_values(x)
            band(ax, d[x].to_numpy(dtype=float), d, m)
        else:
            for g, d in df.groupby(group, sort=False):
                d = d.sort_values(x)
                band(ax, d[x].to_numpy(dtype=float), d, m, label=f"{group}={g}")
            ax.legend(fontsize=7)
        ax.set_xlabel(xlabel or x)
        ax.set_ylabel(m)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    save_figure(fig, path)


def plot_surface(
    df: pd.DataFrame, x: str, y: str, metric: str, path: str, *, title: str | None = None, ax: Any = None
) -> None:
    """A filled contour map of ``metric`` over the (x, y) grid."""
    plt = pyplot()
    piv = df.pivot_table(index=y, columns=x, values=metric)
    own = ax is None
    if own:
        fig, ax = plt.subplots(figsize=(5, 4))
    cs = ax.contourf(piv.columns.to_numpy(float), piv.index.to_numpy(float), piv.to_numpy(), levels=20, cmap="viridis")
    ax.figure.colorbar(cs, ax=ax, label=metric)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if title:
        ax.set_title(title)
    if own:
        fig.tight_layout()
        save_figure(fig, path)
