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

Points run in parallel through joblib (``n_jobs``) with a tqdm progress bar.
Every finished point is written atomically (temporary file + ``os.replace``)
under ``out_dir/points/``; a rerun skips the points already written, so an
interrupted sweep resumes where it stopped. The table is written to
``out_dir/sweep.csv``; :func:`plot_curves` and :func:`plot_surface` draw it.

Example:
    >>> from experiments.sweep import Sweep, run_sweep
    >>> df = run_sweep(Sweep("inv_gym/BaseStock-v0", policy="base_stock:S=15",
    ...                      vary=("backorder_cost", [1.0, 9.0]), reps=4, horizon=100))
    >>> list(df["backorder_cost"])
    [1.0, 9.0]
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from agents.heuristics import RQ, SS, BaseStock, CappedBaseStock, ConstantOrder, PeriodicReview
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
from inv_gym.envs.streams import draw_paths
from inv_gym.evaluation import evaluate, mean_ci, metrics_from_sums, simulate
from inv_gym.params import PARAM_NAMES, InventoryParams, parse_param_value
from inv_gym.presets import preset_params

__all__ = [
    "POLICY_FAMILIES",
    "PolicySpec",
    "SearchSpec",
    "parse_policy",
    "apply_vary",
    "grid_search",
    "Sweep",
    "run_sweep",
    "plot_curves",
    "plot_surface",
    "write_csv",
    "write_json",
    "DEFAULT_METRICS",
    "VARY_NAMES",
]

#: family name -> (class, parameter names in constructor order)
POLICY_FAMILIES: dict[str, tuple[type, tuple[str, ...]]] = {
    "base_stock": (BaseStock, ("S",)),
    "capped_base_stock": (CappedBaseStock, ("S", "cap")),
    "ss": (SS, ("s", "S")),
    "rq": (RQ, ("r", "Q")),
    "periodic": (PeriodicReview, ("T", "S")),
    "constant": (ConstantOrder, ("q",)),
}

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
# Output helpers
# ---------------------------------------------------------------------------


def _atomic(path: str, write: Callable[[str], None], suffix: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=suffix)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_csv(df: pd.DataFrame, path: str) -> None:
    """Write a DataFrame as CSV atomically (temporary file, then ``os.replace``)."""
    _atomic(path, lambda tmp: df.to_csv(tmp, index=False), ".csv.tmp")


def write_json(obj: Any, path: str) -> None:
    """Write JSON atomically."""

    def w(tmp: str) -> None:
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=1, default=_jsonable)

    _atomic(path, w, ".json.tmp")


def _jsonable(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


# ---------------------------------------------------------------------------
# Policies: fixed and searched
# ---------------------------------------------------------------------------


def _grid_values(text: str) -> np.ndarray:
    """``lo:hi[:step]`` (inclusive) or space/semicolon separated values."""
    t = text.strip()
    if ":" in t:
        parts = [float(x) for x in t.split(":")]
        if len(parts) not in (2, 3):
            raise ValueError(f"grid must be lo:hi or lo:hi:step, got {text!r}")
        lo, hi = parts[0], parts[1]
        step = parts[2] if len(parts) == 3 else 1.0
        if step <= 0 or hi < lo:
            raise ValueError(f"grid needs lo <= hi and step > 0, got {text!r}")
        return np.round(np.arange(lo, hi + step / 2, step), 10)
    return np.asarray([float(x) for x in t.replace(";", " ").split()])


@dataclass(frozen=True)
class PolicySpec:
    """A fixed policy of one family, e.g. ``PolicySpec("ss", {"s": 6, "S": 40})``.

    Attributes:
        family: a key of :data:`POLICY_FAMILIES`.
        values: the family's parameters.
    """

    family: str
    values: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.family not in POLICY_FAMILIES:
            raise ValueError(f"unknown policy family {self.family!r}; allowed: {', '.join(POLICY_FAMILIES)}")
        names = POLICY_FAMILIES[self.family][1]
        missing = [n for n in names if n not in self.values]
        extra = [n for n in self.values if n not in names]
        if missing or extra:
            raise ValueError(f"policy {self.family} takes {', '.join(names)}; missing {missing}, unknown {extra}")

    def build(self) -> Any:
        cls, names = POLICY_FAMILIES[self.family]
        return cls(*[self.values[n] for n in names])

    def with_value(self, name: str, value: float) -> PolicySpec:
        return PolicySpec(self.family, {**self.values, name: float(value)})

    def __str__(self) -> str:
        return f"{self.family}:" + ",".join(f"{k}={v:g}" for k, v in self.values.items())


@dataclass(frozen=True)
class SearchSpec:
    """Re-optimize a family over a grid at every point (common random numbers).

    Attributes:
        family: a key of :data:`POLICY_FAMILIES`.
        grid: parameter name -> candidate values (the search runs over the product;
            for ``ss`` only pairs with S > s).
        fill_rate_min: optional constraint, the fill rate must be at least this.
        objective: the metric minimised (``cost_per_period``) or, prefixed with
            ``-``, maximised (``-reward_per_period``).
    """

    family: str
    grid: dict[str, tuple[float, ...]]
    fill_rate_min: float | None = None
    objective: str = "cost_per_period"

    def __post_init__(self) -> None:
        if self.family not in POLICY_FAMILIES:
            raise ValueError(f"unknown policy family {self.family!r}; allowed: {', '.join(POLICY_FAMILIES)}")
        names = POLICY_FAMILIES[self.family][1]
        if set(self.grid) != set(names):
            raise ValueError(f"search over {self.family} needs grids for {', '.join(names)}, got {sorted(self.grid)}")
        object.__setattr__(self, "grid", {k: tuple(float(x) for x in np.atleast_1d(v)) for k, v in self.grid.items()})

    def candidates(self) -> list[dict[str, float]]:
        names = POLICY_FAMILIES[self.family][1]
        mesh = np.meshgrid(*[np.asarray(self.grid[n]) for n in names], indexing="ij")
        out = [dict(zip(names, (float(m.flat[i]) for m in mesh))) for i in range(mesh[0].size)]
        if self.family == "ss":
            out = [c for c in out if c["S"] > c["s"]]
        if self.family == "rq":
            out = [c for c in out if c["Q"] > 0]
        if not out:
            raise ValueError(f"the search grid of {self.family} is empty")
        return out

    def __str__(self) -> str:
        g = ",".join(f"{k}={min(v):g}:{max(v):g}" for k, v in self.grid.items())
        return f"best:{self.family}:{g}"


def parse_policy(text: str) -> PolicySpec | SearchSpec:
    """``family:NAME=V,...`` (fixed) or ``best:family:NAME=LO:HI[:STEP],...`` (searched).

    Examples:
        >>> parse_policy("ss:s=6,S=40")
        PolicySpec(family='ss', values={'s': 6.0, 'S': 40.0})
        >>> len(parse_policy("best:base_stock:S=10:20").candidates())
        11
    """
    t = text.strip()
    search = t.lower().startswith("best:")
    if search:
        t = t[5:]
    if ":" not in t:
        raise ValueError(f"policy must look like family:NAME=VALUE,..., got {text!r}")
    family, body = t.split(":", 1)
    family = family.strip().lower()
    kv: dict[str, str] = {}
    for part in body.split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise ValueError(f"policy parameters must be NAME=VALUE, got {part!r}")
        k, v = part.split("=", 1)
        kv[k.strip()] = v.strip()
    if search:
        return SearchSpec(family, {k: tuple(_grid_values(v)) for k, v in kv.items()})
    try:
        return PolicySpec(family, {k: float(v) for k, v in kv.items()})
    except ValueError as exc:
        raise ValueError(f"policy {text!r}: {exc}") from None


def _batched_policy(family: str, cands: Sequence[dict[str, float]], reps: int) -> Any:
    cls, names = POLICY_FAMILIES[family]
    cols = [np.repeat(np.asarray([c[n] for c in cands], dtype=float), reps) for n in names]
    return cls(*cols)


def grid_search(
    spec: SearchSpec,
    params: InventoryParams,
    *,
    reps: int,
    horizon: int,
    warmup: int = 0,
    seed: int | None = 0,
    chunk_systems: int = 20000,
) -> pd.DataFrame:
    """Evaluate every candidate of ``spec`` under common random numbers.

    All candidates see the same demand and lead-time draws (one batch per chunk
    through :func:`inv_gym.evaluation.simulate`).

    Returns:
        One row per candidate: its parameters, and ``M`` / ``M_lo`` / ``M_hi``
        (mean and 95% CI over replications) for cost, fill rate and the other
        :data:`DEFAULT_METRICS`, plus ``feasible`` (the fill-rate floor).
    """
    cands = spec.candidates()
    demand, lead = draw_paths(params, seed, reps, horizon + warmup)
    per_chunk = max(1, chunk_systems // reps)
    rows: list[dict[str, Any]] = []
    for start in range(0, len(cands), per_chunk):
        part = cands[start : start + per_chunk]
        pol = _batched_policy(spec.family, part, reps)
        sums = simulate(pol, params, demand, lead, warmup=warmup, copies=len(part))
        per = metrics_from_sums(sums)
        for i, c in enumerate(part):
            row: dict[str, Any] = dict(c)
            for m in DEFAULT_METRICS:
                ci = mean_ci(per[m][i * reps : (i + 1) * reps])
                row[m], row[f"{m}_lo"], row[f"{m}_hi"] = ci.mean, ci.ci_low, ci.ci_high
            rows.append(row)
    df = pd.DataFrame(rows)
    df["feasible"] = True if spec.fill_rate_min is None else df["fill_rate"] >= spec.fill_rate_min - 1e-12
    return df


def best_of(spec: SearchSpec, table: pd.DataFrame) -> PolicySpec | None:
    """The best feasible candidate of a :func:`grid_search` table (None if none is feasible)."""
    feas = table[table["feasible"]]
    if feas.empty:
        return None
    obj = spec.objective.lstrip("-")
    sign = -1.0 if spec.objective.startswith("-") else 1.0
    i = int(np.argmin(sign * feas[obj].to_numpy()))
    row = feas.iloc[i]
    return PolicySpec(spec.family, {n: float(row[n]) for n in POLICY_FAMILIES[spec.family][1]})


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
    if scv <= 0:
        if abs(mean - round(mean)) > 1e-9:
            raise ValueError(f"a deterministic lead time must be an integer, got mean {mean:g}")
        return int(round(mean))
    return Rounded(Gamma.from_mean_scv(mean, scv))


def apply_vary(params: InventoryParams, name: str, value: Any) -> InventoryParams:
    """``params`` with one parameter changed (see the module docstring for ``name``).

    Demand changes keep the family (``demand_mean`` keeps the SCV, ``demand_scv``
    the mean; Poisson becomes negative binomial off SCV = 1/mean). Lead-time
    changes use ``round(gamma)`` lead times (an integer when the SCV is 0).
    """
    if name in PARAM_NAMES:
        v = parse_param_value(name, value) if isinstance(value, str) else value
        if name == "lead_time" and isinstance(v, float) and v.is_integer():
            v = int(v)
        return params.replace(**{name: v})
    d = params.demand
    if name == "demand_mean":
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
        n_jobs: joblib workers (1: in process).
        out_dir: where ``points/`` and ``sweep.csv`` go (None: nothing written).
        progress: show a tqdm progress bar.
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

    def points(self) -> list[dict[str, Any]]:
        """Every point as ``{name: value}`` (the product of the two value lists)."""
        n1, v1 = self.vary
        if self.vary2 is None:
            return [{n1: v} for v in v1]
        n2, v2 = self.vary2
        return [{n1: a, n2: b} for a in v1 for b in v2]


def _policy_obj(policy: Any) -> Any:
    return parse_policy(policy) if isinstance(policy, str) else policy


def _point_key(point: dict[str, Any], sweep: Sweep) -> str:
    desc = json.dumps(
        {
            "point": point,
            "env": sweep.env_id,
            "over": {k: str(v) for k, v in sweep.overrides.items()},
            "policy": str(sweep.policy) if not callable(sweep.policy) else getattr(sweep.policy, "__qualname__", ""),
            "eval": [sweep.reps, sweep.horizon, sweep.warmup, sweep.seed],
            "metrics": list(sweep.metrics),
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha1(desc.encode()).hexdigest()[:16]


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
        table = grid_search(pol, params, reps=reps, horizon=horizon, warmup=warmup, seed=seed)
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


def _run_one(sweep: Sweep, point: dict[str, Any], path: str | None) -> dict[str, Any]:
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
    if path is not None:
        write_json(row, path)
    return row


def run_sweep(sweep: Sweep) -> pd.DataFrame:
    """Run every point of ``sweep`` (resuming from ``out_dir/points``); return the table.

    Returns:
        One row per point: the varied values, ``policy`` (and ``policy_NAME``
        columns), and ``M`` / ``M_lo`` / ``M_hi`` for every metric M (a cost
        metric named like a varied parameter, e.g. ``holding_cost``, becomes
        ``holding_cost_per_period``).
    """
    points = sweep.points()
    paths: list[str | None] = [None] * len(points)
    rows: list[dict[str, Any] | None] = [None] * len(points)
    if sweep.out_dir is not None:
        pdir = os.path.join(sweep.out_dir, "points")
        os.makedirs(pdir, exist_ok=True)
        for i, pt in enumerate(points):
            paths[i] = os.path.join(pdir, _point_key(pt, sweep) + ".json")
            if os.path.exists(paths[i]):  # type: ignore[arg-type]
                with open(paths[i]) as f:  # type: ignore[arg-type]
                    rows[i] = json.load(f)
    todo = [i for i, r in enumerate(rows) if r is None]
    bar = None
    if sweep.progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(points), initial=len(points) - len(todo), desc="sweep", unit="point")
    try:
        if sweep.n_jobs == 1 or len(todo) <= 1:
            for i in todo:
                rows[i] = _run_one(sweep, points[i], paths[i])
                if bar is not None:
                    bar.update(1)
        else:
            from joblib import Parallel, delayed

            gen = Parallel(n_jobs=sweep.n_jobs, return_as="generator")(
                delayed(_run_one)(sweep, points[i], paths[i]) for i in todo
            )
            for i, row in zip(todo, gen):
                rows[i] = row
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    df = pd.DataFrame(rows)
    if sweep.out_dir is not None:
        write_csv(df, os.path.join(sweep.out_dir, "sweep.csv"))
    return df


# ---------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def band(ax: Any, x: Any, df: pd.DataFrame, metric: str, label: str | None = None, **kw: Any) -> Any:
    """Plot ``metric`` against ``x`` with its 95% CI as a shaded band."""
    (line,) = ax.plot(x, df[metric], marker=kw.pop("marker", "o"), ms=kw.pop("ms", 3), label=label, **kw)
    lo, hi = f"{metric}_lo", f"{metric}_hi"
    if lo in df and hi in df:
        ax.fill_between(x, df[lo], df[hi], color=line.get_color(), alpha=0.2, lw=0)
    return line


def save_figure(fig: Any, path: str, dpi: int = 100) -> None:
    """Save a figure atomically and close it."""
    plt = _plt()
    _atomic(path, lambda tmp: fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format="png"), ".png.tmp")
    plt.close(fig)


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
    plt = _plt()
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
    plt = _plt()
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
