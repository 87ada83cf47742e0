"""Grid search over a heuristic family with common random numbers.

Every grid point is simulated on the same demand and lead-time draws (one
seed), in batched :func:`inv_gym.evaluation.simulate` calls: the family's
parameters become arrays of length ``n_policies * R`` (policy p, replication i
is system ``p * R + i``) and a chunk of policies runs as ``copies`` of the R
draw rows. Chunks bound the memory and are spread over ``n_jobs`` processes.

>>> res = grid_search("ss", "s=4:8:2,S=30:40:10", "inv_gym/Qr-v0", reps=20, horizon=200, seed=1, progress=False)
>>> len(res.table), res.best_spec
(6, 'ss:s=6,S=40')
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from agents.base import BasePolicy
from agents.specs import Family, make_policy, parse_number, policy_spec
from agents.specs import family as get_family
from inv_gym.evaluation import METRICS, check_run, mean_ci_rows, metrics_from_sums, resolve_params, run_draws, simulate
from inv_gym.limits import check_memory, run_bytes, system_bytes
from inv_gym.params import InventoryParams

__all__ = ["grid_search", "SearchResult", "parse_grid", "grid_points", "pareto_frontier", "SEARCH_FAMILIES"]

#: Families that have a grid (the others have no numeric parameters).
SEARCH_FAMILIES: tuple[str, ...] = (
    "base_stock",
    "capped_base_stock",
    "ss",
    "rq",
    "periodic",
    "constant",
    # dual sourcing (agents.dual_sourcing)
    "single_index",
    "dual_index",
    "capped_dual_index",
    "tailored_base_surge",
)

#: Systems (policies x replications) per batched run: about 0.5 kB each; runs of
#: 10-50k systems keep the state and event buffers in cache and are fastest.
DEFAULT_MAX_SYSTEMS = 25_000

#: Values one ``a:b[:step]`` range of a grid may expand to.
MAX_RANGE_VALUES = 100_000


# -- the grid ------------------------------------------------------------------
def _parse_values(name: str, text: str, fam: Family, low: float | None = None) -> np.ndarray:
    """``a:b`` / ``a:b:step`` (inclusive) or a space-separated list -> values (>= ``low``, default the spec's bound)."""
    low = fam.lower_bound(name) if low is None else low
    integer = name in fam.integer
    t = text.strip()
    if ":" in t:
        parts = t.split(":")
        if len(parts) not in (2, 3):
            raise ValueError(f"grid range for {name} must be a:b or a:b:step, got {t!r}")
        a = parse_number(name, parts[0], low=low, integer=integer)
        b = parse_number(name, parts[1], low=low, integer=integer)
        step = parse_number(f"step of {name}", parts[2], low=-math.inf) if len(parts) == 3 else 1.0
        if step <= 0:
            raise ValueError(f"step of {name} must be > 0, got {parts[2].strip()}")
        if b < a:
            raise ValueError(f"grid range for {name} is empty: {t!r} (a:b needs a <= b)")
        count = int(math.floor((b - a) / step + 1e-9)) + 1
        if count > MAX_RANGE_VALUES:
            raise ValueError(f"grid range for {name} has {count:,} values; at most {MAX_RANGE_VALUES:,} (use a:b:step)")
        values = a + step * np.arange(count)
    else:
        items = t.replace(";", " ").split()
        if not items:
            raise ValueError(f"no values for {name}")
        values = np.asarray([parse_number(name, x, low=low, integer=integer) for x in items])
    if integer and np.any(values != np.round(values)):
        raise ValueError(f"{name} must take integer values, got {t!r}")
    return np.unique(np.round(values, 12))


def parse_grid(family_name: str, grid: Mapping[str, Any] | str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The value lists of each parameter and the fixed options of a family's grid.

    Args:
        family_name: a family of :data:`SEARCH_FAMILIES`.
        grid: ``"s=0:40,S=1:80"`` (inclusive integer ranges, ``a:b:step``, or
            space-separated lists ``T=1 2 3``; ``basis=on_hand`` for ``periodic``),
            or a dict of name -> scalar, sequence or range. Text values must be
            >= 0 (as in a policy spec); numeric values may be whatever the policy
            class accepts (e.g. a negative reorder point).

    Returns:
        (``{name: sorted unique values}``, ``{option: value}``).
    """
    fam = get_family(family_name)
    if fam.name not in SEARCH_FAMILIES:
        raise ValueError(f"policy family {fam.name!r} has no grid; searchable: {', '.join(SEARCH_FAMILIES)}")
    if isinstance(grid, str):
        items: dict[str, Any] = {}
        for item in grid.split(","):
            item = item.strip()
            if not item:
                continue
            if "=" not in item:
                raise ValueError(f"grid entries must be NAME=VALUES, got {item!r}")
            name, value = (x.strip() for x in item.split("=", 1))
            if name in items:
                raise ValueError(f"grid parameter {name!r} given twice")
            items[name] = value
    else:
        items = dict(grid)
    allowed = fam.names + fam.option_names()
    unknown = [k for k in items if k not in allowed]
    if unknown:
        raise ValueError(
            f"unknown parameter {unknown[0]!r} for policy family {fam.name!r}; allowed: {', '.join(allowed)}"
        )
    missing = [k for k in fam.names if k not in items]
    if missing:
        raise ValueError(f"the grid of {fam.name!r} needs {', '.join(fam.names)}; missing {', '.join(missing)}")
    values: dict[str, np.ndarray] = {}
    for name in fam.names:
        v = items[name]
        if isinstance(v, str):
            values[name] = _parse_values(name, v, fam)
        else:
            arr = np.atleast_1d(np.asarray(list(v) if isinstance(v, range) else v, dtype=np.float64))
            text = " ".join(repr(float(x)) for x in arr.ravel())
            values[name] = _parse_values(name, text, fam, low=dict(fam.minimum).get(name, -math.inf))
    options: dict[str, Any] = {}
    for name, allowed_values in fam.options:
        if name in items:
            if items[name] not in allowed_values:
                raise ValueError(f"{name} must be one of {', '.join(allowed_values)}, got {items[name]!r}")
            options[name] = items[name]
    return values, options


def grid_points(family_name: str, grid: Mapping[str, Any] | str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Every valid combination of the grid: ``({name: (P,) values}, options)``.

    The family's constraint is applied (s < S for ``ss``); an empty grid is an error.
    """
    fam = get_family(family_name)
    values, options = parse_grid(fam.name, grid)
    size = math.prod(v.size for v in values.values())
    # the mesh, its flattened copy and the constraint's mask: about 3 float64 per parameter and point
    check_memory(size * 24 * len(fam.names), f"a grid of {size:,} points", "the grid's ranges (--grid, a:b:step)")
    mesh = np.meshgrid(*(values[k] for k in fam.names), indexing="ij")
    points = {k: m.ravel() for k, m in zip(fam.names, mesh)}
    if fam.constraint is not None:
        keep = np.asarray(fam.constraint(points), dtype=bool)
        points = {k: v[keep] for k, v in points.items()}
    if points[fam.names[0]].size == 0:
        raise ValueError(f"the grid has no valid {fam.name!r} policy ({fam.constraint_text})")
    return points, options


def pareto_frontier(cost: np.ndarray, service: np.ndarray) -> np.ndarray:
    """Indices of the Pareto-efficient points (lower cost, higher service), by increasing cost.

    A point is kept when no other point has a cost <= its cost and a service
    >= its service with one of them strict.
    """
    cost = np.asarray(cost, dtype=np.float64)
    service = np.asarray(service, dtype=np.float64)
    order = np.lexsort((-service, cost))
    keep: list[int] = []
    best = -np.inf
    for i in order:
        if service[i] > best:
            keep.append(int(i))
            best = service[i]
    return np.asarray(keep, dtype=np.int64)


# -- the result -----------------------------------------------------------------
@dataclass
class SearchResult:
    """Result of :func:`grid_search`.

    Attributes:
        family: the policy family.
        table: pandas DataFrame, one row per grid point ranked best first
            (feasible points by the objective, then infeasible ones): the
            parameters, ``spec``, ``feasible``, and for every metric its
            ``<metric>`` mean, ``<metric>_ci_low`` and ``<metric>_ci_high``.
        frontier: rows of ``table`` that are Pareto-efficient in
            (``cost_per_period`` lower, ``fill_rate`` higher), by increasing cost.
        best: the best feasible row (a pandas Series), or None.
        objective: the metric ranked on; ``maximize`` its direction.
        params, reps, horizon, warmup, seed, min_fill_rate, options: the run's settings.
        elapsed: wall-clock seconds of the simulation.
    """

    family: str
    table: Any
    frontier: Any
    best: Any
    objective: str
    maximize: bool
    params: InventoryParams
    reps: int
    horizon: int
    warmup: int
    seed: int | None
    min_fill_rate: float | None
    options: dict[str, Any] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def best_spec(self) -> str | None:
        """The text form of the best feasible policy, or None."""
        return None if self.best is None else str(self.best["spec"])

    def best_policy(self) -> BasePolicy:
        """The best feasible policy as an (unbound) policy object.

        Raises:
            ValueError: when no grid point meets the constraints.
        """
        if self.best is None:
            raise ValueError(f"no {self.family!r} policy in the grid meets fill_rate >= {self.min_fill_rate}")
        fam = get_family(self.family)
        return make_policy(fam, {k: float(self.best[k]) for k in fam.names}, self.options)

    def to_dict(self, top: int | None = 10) -> dict[str, Any]:
        """JSON-friendly summary: settings, best, the ``top`` rows and the frontier."""
        fam = get_family(self.family)
        cols = [*fam.names, "spec", "feasible", *_summary_columns()]
        return {
            "family": self.family,
            "objective": self.objective,
            "grid_size": int(len(self.table)),
            "feasible": int(self.table["feasible"].sum()),
            "min_fill_rate": self.min_fill_rate,
            "reps": self.reps,
            "horizon": self.horizon,
            "warmup": self.warmup,
            "seed": self.seed,
            "elapsed_seconds": self.elapsed,
            "best": None if self.best is None else _row_dict(self.best, cols, fam.names),
            "top": [
                _row_dict(r, cols, fam.names)
                for _, r in self.table.head(top if top is not None else len(self.table)).iterrows()
            ],
            "frontier": [_row_dict(r, cols, fam.names) for _, r in self.frontier.iterrows()],
        }

    def save(self, directory: str) -> dict[str, str]:
        """Write ``table.csv``, ``frontier.csv`` and ``search.json`` to ``directory``; return the paths."""
        import json

        os.makedirs(directory, exist_ok=True)
        paths = {
            "table": os.path.join(directory, "table.csv"),
            "frontier": os.path.join(directory, "frontier.csv"),
            "summary": os.path.join(directory, "search.json"),
        }
        self.table.to_csv(paths["table"], index=False)
        self.frontier.to_csv(paths["frontier"], index=False)
        with open(paths["summary"], "w") as fh:
            json.dump(_jsonable(self.to_dict()), fh, indent=2)
        return paths


def _summary_columns() -> list[str]:
    out: list[str] = []
    for m in ("cost_per_period", "fill_rate", "cycle_service_level", "average_on_hand", "reward_per_period"):
        out += [m, f"{m}_ci_low", f"{m}_ci_high"]
    return out


def _row_dict(row: Any, cols: list[str], params: tuple[str, ...] = ()) -> dict[str, Any]:
    out = {c: _jsonable(row[c]) for c in cols if c in row.index}
    for name in params:  # policy parameters: whole numbers as integers (as in the spec)
        v = out.get(name)
        if isinstance(v, float) and v.is_integer():
            out[name] = int(v)
    return out


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return f if math.isfinite(f) else None
    return v


# -- the search -------------------------------------------------------------------
def _run_chunk(
    fam_name: str,
    values: dict[str, np.ndarray],
    options: dict[str, Any],
    params: InventoryParams,
    demand: np.ndarray,
    lead_times: np.ndarray,
    warmup: int,
    on_period: Any = None,
) -> dict[str, np.ndarray]:
    """Simulate one chunk of P policies on the R draw rows; per-system metrics (P * R,)."""
    reps = demand.shape[1]  # time-major (T, R) draws
    n_pol = next(iter(values.values())).size
    arrays = {k: np.repeat(v, reps) for k, v in values.items()}
    policy = make_policy(fam_name, arrays, options)
    sums = simulate(
        policy, params, demand, lead_times, warmup=warmup, copies=n_pol, on_period=on_period, time_major=True
    )
    per = metrics_from_sums(sums)
    return {m: per[m].reshape(n_pol, reps) for m in METRICS}


def _chunks(n_pol: int, reps: int, max_systems: int, n_jobs: int) -> list[slice]:
    per_chunk = max(1, max_systems // reps)
    n_chunks = max(math.ceil(n_pol / per_chunk), min(n_jobs, n_pol))
    bounds = np.linspace(0, n_pol, n_chunks + 1).round().astype(int)
    return [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def grid_search(
    family: str,
    grid: Mapping[str, Any] | str,
    params: InventoryParams | str,
    *,
    reps: int = 100,
    horizon: int | None = None,
    warmup: int = 0,
    seed: int | None = 0,
    min_fill_rate: float | None = None,
    objective: str | None = None,
    progress: bool = False,
    n_jobs: int = 1,
    backend: str = "threading",
    max_systems: int = DEFAULT_MAX_SYSTEMS,
    on_chunk: Callable[[int, int], None] | None = None,
    **overrides: Any,
) -> SearchResult:
    """Evaluate every grid point of a heuristic family under common random numbers.

    Args:
        family: ``"ss"``, ``"rq"``, ``"base_stock"``, ``"capped_base_stock"``,
            ``"periodic"`` or ``"constant"``.
        grid: the grid (see :func:`parse_grid`), e.g. ``"s=0:40,S=1:80"``.
        params: an :class:`InventoryParams` or a registered env id.
        reps: R >= 2 replications per grid point (the same R draw rows for every point).
        horizon: measured periods per replication (default ``params.horizon``).
        warmup: periods simulated first and not measured.
        seed: seed of the draws (the same seed gives ``evaluate`` the same draws).
        min_fill_rate: constraint: a point is feasible when its mean fill rate is
            >= this (None: every point is feasible).
        objective: the metric to rank on (default ``cost_per_period``, or
            ``reward_per_period`` for priced models); ``reward``, ``fill_rate``
            and ``service`` metrics are maximized, the others minimized.
        progress: show a progress bar (tqdm; only on a terminal).
        n_jobs: workers over the chunks of the grid (-1: every core).
        backend: the joblib backend when ``n_jobs > 1``: ``"threading"`` (the
            default: the numba kernel releases the GIL, and threads share the
            draws without copying) or ``"loky"`` (processes).
        max_systems: systems (policies x replications) per batched run.
        on_chunk: optional callback ``f(done, chunks)`` after each chunk of
            policies (e.g. an app's progress bar, which may also stop the search).
        **overrides: parameter overrides when ``params`` is an env id.

    Returns:
        A :class:`SearchResult`.
    """
    fam = get_family(family)
    params = resolve_params(params, **overrides)
    reps, horizon, warmup = check_run(params, reps, horizon, warmup, min_reps=2)
    if min_fill_rate is not None and not 0.0 <= float(min_fill_rate) <= 1.0:
        raise ValueError(f"min_fill_rate must be in [0, 1], got {min_fill_rate}")
    if isinstance(n_jobs, bool) or int(n_jobs) != n_jobs or (n_jobs < 1 and n_jobs != -1):
        raise ValueError(f"n_jobs must be an integer >= 1 (or -1: every core), got {n_jobs!r}")
    n_jobs = (os.cpu_count() or 1) if n_jobs == -1 else int(n_jobs)
    if objective is None:
        objective = "reward_per_period" if params.price > 0 else "cost_per_period"
    if objective not in METRICS:
        raise ValueError(f"unknown objective {objective!r}; one of {', '.join(METRICS)}")
    maximize = any(w in objective for w in ("reward", "fill_rate", "service", "revenue"))
    total = horizon + warmup
    values, _ = parse_grid(fam.name, grid)
    size = math.prod(v.size for v in values.values())
    # per policy: every metric per replication twice (chunks, then joined) and its table row
    per_policy = 16 * len(METRICS) * reps + 8 * (3 * len(METRICS) + 16)
    chunk = min(size * reps, max(int(max_systems), reps))
    check_memory(
        size * per_policy + run_bytes(params, reps, total) + chunk * system_bytes(params),
        f"a grid of {size:,} policies x {reps:,} replications x {total:,} periods",
        "the grid's ranges (--grid, a:b:step), reps or horizon (--reps, --horizon)",
    )
    points, options = grid_points(fam.name, grid)
    n_pol = points[fam.names[0]].size
    demand, lead_times = run_draws(params, seed, reps, total, time_major=True)
    chunks = _chunks(n_pol, reps, max(int(max_systems), reps), n_jobs)

    from tqdm.auto import tqdm

    bar = tqdm(
        total=len(chunks) * total if n_jobs == 1 else len(chunks),
        desc=f"search {fam.name} ({n_pol} policies)",
        unit="period" if n_jobs == 1 else "chunk",
        disable=None if progress else True,
        leave=False,
    )
    start = time.perf_counter()
    try:
        if n_jobs == 1 or len(chunks) == 1:
            tick = (lambda t, *_: bar.update(1)) if progress else None
            results = []
            for c in chunks:
                values = {k: v[c] for k, v in points.items()}
                results.append(_run_chunk(fam.name, values, options, params, demand, lead_times, warmup, tick))
                if on_chunk is not None:
                    on_chunk(len(results), len(chunks))
        else:
            from joblib import Parallel, delayed

            gen = Parallel(n_jobs=n_jobs, backend=backend, return_as="generator")(
                delayed(_run_chunk)(
                    fam.name, {k: v[c] for k, v in points.items()}, options, params, demand, lead_times, warmup
                )
                for c in chunks
            )
            results = []
            for r in gen:
                results.append(r)
                bar.update(1)
                if on_chunk is not None:
                    on_chunk(len(results), len(chunks))
    finally:
        bar.close()
    elapsed = time.perf_counter() - start
    per = {m: np.concatenate([r[m] for r in results], axis=0) for m in METRICS}
    table = _table(fam, points, options, per, objective, maximize, min_fill_rate)
    front = table.iloc[pareto_frontier(table["cost_per_period"].to_numpy(), table["fill_rate"].to_numpy())]
    front = front.sort_values("cost_per_period", kind="stable").reset_index(drop=True)
    best = table.iloc[0] if len(table) and bool(table["feasible"].iloc[0]) else None
    return SearchResult(
        family=fam.name,
        table=table,
        frontier=front,
        best=best,
        objective=objective,
        maximize=maximize,
        params=params,
        reps=reps,
        horizon=horizon,
        warmup=warmup,
        seed=seed,
        min_fill_rate=None if min_fill_rate is None else float(min_fill_rate),
        options=options,
        elapsed=elapsed,
    )


def _table(
    fam: Family,
    points: dict[str, np.ndarray],
    options: dict[str, Any],
    per: dict[str, np.ndarray],
    objective: str,
    maximize: bool,
    min_fill_rate: float | None,
) -> Any:
    import pandas as pd

    cols: dict[str, Any] = {k: points[k] for k in fam.names}
    n = points[fam.names[0]].size
    specs = []
    for i in range(n):
        pol = make_policy(fam, {k: float(points[k][i]) for k in fam.names}, options)
        specs.append(policy_spec(pol))
    cols["spec"] = specs
    for m in METRICS:
        mean, low, high = mean_ci_rows(per[m])
        cols[m] = mean
        cols[f"{m}_ci_low"] = low
        cols[f"{m}_ci_high"] = high
    df = pd.DataFrame(cols)
    feasible = np.ones(n, dtype=bool) if min_fill_rate is None else df["fill_rate"].to_numpy() >= float(min_fill_rate)
    df.insert(len(fam.names) + 1, "feasible", feasible)
    key = -df[objective] if maximize else df[objective]
    df = df.assign(_infeasible=~df["feasible"], _key=key)
    df = df.sort_values(["_infeasible", "_key"], kind="stable").drop(columns=["_infeasible", "_key"])
    df.insert(0, "rank", np.arange(1, n + 1))
    return df.reset_index(drop=True)
