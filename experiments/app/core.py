"""The computations behind the app's pages, on the suite's own functions.

Nothing here re-implements a model, an evaluator or a search: every number comes
from :func:`inv_gym.evaluation.evaluate`, :func:`inv_gym.evaluation.trajectory`,
:func:`agents.search.grid_search`, :func:`inv_gym.analytic.solve.solve` or
:func:`agents.bandit.run_bandit`. What this module adds is the app's plumbing:

* **Chunks, for progress and stopping.** Long work is cut into pieces so the page
  can draw a progress bar between them (Streamlit stops a script at its next
  drawing call). :func:`evaluate_in_chunks` evaluates slices of the replications
  on the draws :func:`inv_gym.evaluation.run_draws` makes for the whole run, so
  its per-replication table is the one ``evaluate`` gives in one call;
  :func:`search_in_chunks` runs ``grid_search`` with chunks of a bounded
  size and its per-chunk callback.
* **Limits.** Work larger than :data:`MAX_SYSTEM_PERIODS` simulated
  system-periods is refused before anything is allocated, naming the size and
  the fields to lower.
* **Caching.** The ``cached_*`` functions are ``st.cache_data`` wrappers keyed by
  the settings only (the env id, the parameter overrides, the policy spec,
  replications, horizon, warm-up and seed). Each draws its own progress bar
  (:func:`progress_bar`) and removes it when done, so a cache hit replays
  nothing visible and a stopped run caches nothing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from agents.analytical import policy_from_solution
from agents.bandit import PolicyArms, make_bandit, run_bandit
from agents.base import BasePolicy
from agents.search import DEFAULT_MAX_SYSTEMS, SearchResult, grid_points, grid_search
from agents.specs import family as get_family
from agents.specs import parse_policy
from inv_gym.analytic.solve import Solution, solve
from inv_gym.evaluation import METRICS, Evaluation, check_run, evaluate, mean_ci, run_draws, trajectory
from inv_gym.params import InventoryParams
from inv_gym.presets import preset_params
from inv_gym.scoring import Score, score

__all__ = [
    "MAX_SYSTEM_PERIODS",
    "CHUNK_SYSTEM_PERIODS",
    "OPTIMUM",
    "Progress",
    "Overrides",
    "build_params",
    "check_run_settings",
    "check_size",
    "overrides_of",
    "make_policy",
    "evaluate_in_chunks",
    "search_in_chunks",
    "paired_difference",
    "cached_solve",
    "cached_evaluation",
    "cached_trajectory",
    "cached_search",
    "cached_score",
    "progress_bar",
    "arm_values",
    "cached_bandits",
    "lines",
    "gap_percent",
]

#: Largest run the app accepts: replications x (warm-up + horizon) x policies.
MAX_SYSTEM_PERIODS = 50_000_000

#: Simulated system-periods per piece of work between two progress updates.
CHUNK_SYSTEM_PERIODS = 2_000_000

#: The policy choice that means "the exact optimum found by ``solve``".
OPTIMUM = "optimum"

#: ``f(done, total)`` after each piece of work.
Progress = Callable[[int, int], None]

#: Parameter overrides in a hashable form: ``((name, value), ...)`` sorted by name.
Overrides = tuple[tuple[str, Any], ...]


def build_params(env_id: str, overrides: Mapping[str, Any] | Overrides = ()) -> InventoryParams:
    """The validated parameters of ``env_id`` with ``overrides`` (ValueError naming the field)."""
    return preset_params(env_id, **dict(overrides))


def overrides_of(env_id: str, params: InventoryParams) -> Overrides:
    """The fields of ``params`` that differ from ``env_id``'s preset, as sorted ``(name, value)`` pairs."""
    base = preset_params(env_id).to_dict()
    return tuple(sorted((k, v) for k, v in params.to_dict().items() if v != base[k]))


def check_size(name: str, count: int, fields: str) -> None:
    """Refuse ``count`` system-periods above :data:`MAX_SYSTEM_PERIODS`, naming the fields to lower."""
    if count > MAX_SYSTEM_PERIODS:
        raise ValueError(
            f"{name} is {count:,} simulated system-periods; the app runs at most {MAX_SYSTEM_PERIODS:,} "
            f"(lower {fields})"
        )


def check_run_settings(
    params: InventoryParams, reps: Any, horizon: Any, warmup: Any, seed: Any
) -> tuple[int, int, int, int]:
    """Validated ``(reps, horizon, warmup, seed)`` of one evaluation.

    ``reps`` must be >= 2 (a 95% confidence interval needs two replications) and
    ``seed`` >= 0; the rest is :func:`inv_gym.evaluation.check_run` (a
    finite-horizon model needs ``warmup + horizon`` equal to its horizon).
    """
    if isinstance(reps, bool) or not float(reps).is_integer() or reps < 2:
        raise ValueError(f"reps must be an integer >= 2 (a 95% CI needs two replications), got {reps}")
    if isinstance(seed, bool) or not float(seed).is_integer() or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed}")
    reps, horizon, warmup = check_run(params, int(reps), horizon, warmup)
    check_size("reps x (warmup + horizon)", reps * (horizon + warmup), "reps or horizon")
    return reps, horizon, warmup, int(seed)


def make_policy(spec: str, env_id: str, overrides: Overrides = ()) -> tuple[BasePolicy, InventoryParams]:
    """``(policy, params)``: the policy of a spec (``ss:s=6,S=40``) on ``env_id`` with ``overrides``.

    For :data:`OPTIMUM` the policy is the exact optimum that :func:`cached_solve`
    finds (ValueError naming the reason and the search to run where none applies).
    """
    params = build_params(env_id, overrides)
    if spec == OPTIMUM:
        return policy_from_solution(cached_solve(env_id, overrides), params), params
    return parse_policy(spec), params


def evaluate_in_chunks(
    policy: Any,
    params: InventoryParams,
    *,
    reps: int,
    horizon: int,
    warmup: int,
    seed: int,
    on_progress: Progress | None = None,
    chunk: int = CHUNK_SYSTEM_PERIODS,
) -> Evaluation:
    """:func:`~inv_gym.evaluation.evaluate`, a slice of replications at a time.

    The draws of the whole run come from :func:`~inv_gym.evaluation.run_draws`
    (the ones ``evaluate`` makes for this seed), each slice is evaluated on its
    rows, and the per-replication tables are joined; every metric's mean and
    95% CI is then :func:`~inv_gym.evaluation.mean_ci` of the joined column,
    exactly what one ``evaluate`` call reports. A run that fits in one chunk is
    one ``evaluate`` call.
    """
    total = horizon + warmup
    per_slice = max(1, chunk // total)
    if reps <= per_slice:
        ev = evaluate(policy, params, reps=reps, horizon=horizon, warmup=warmup, seed=seed)
        if on_progress is not None:
            on_progress(1, 1)
        return ev
    demand, lead_times = run_draws(params, seed, reps, total)
    starts = list(range(0, reps, per_slice))
    parts: list[Evaluation] = []
    for i, a in enumerate(starts):
        b = min(reps, a + per_slice)
        parts.append(
            evaluate(
                policy,
                params,
                reps=b - a,
                horizon=horizon,
                warmup=warmup,
                seed=seed,
                demand=demand[a:b],
                lead_times=lead_times[a:b],
            )
        )
        if on_progress is not None:
            on_progress(i + 1, len(starts))
    per_rep = {m: np.concatenate([p.per_replication[m] for p in parts]) for m in METRICS}
    return Evaluation(
        metrics={m: mean_ci(per_rep[m]) for m in METRICS},
        per_replication=per_rep,
        params=params,
        reps=reps,
        horizon=horizon,
        warmup=warmup,
        seed=seed,
        policy=parts[0].policy,
    )


def search_in_chunks(
    family: str,
    grid: str,
    params: InventoryParams,
    *,
    reps: int,
    horizon: int,
    warmup: int,
    seed: int,
    min_fill_rate: float | None = None,
    on_progress: Progress | None = None,
    chunk: int = CHUNK_SYSTEM_PERIODS,
) -> SearchResult:
    """:func:`~agents.search.grid_search` in chunks of about ``chunk`` system-periods, reporting each.

    Every grid point is simulated on the same draws whatever the chunks (common
    random numbers; each system is independent of the others in its batch), so
    the numbers are those of the default chunking. Oversized grids are refused
    before anything is drawn.
    """
    fam = get_family(family)
    points, _ = grid_points(fam.name, grid)
    total = horizon + warmup
    check_size(
        "grid points x reps x (warmup + horizon)",
        points[fam.names[0]].size * reps * total,
        "the grid, reps or horizon",
    )
    return grid_search(
        fam.name,
        grid,
        params,
        reps=reps,
        horizon=horizon,
        warmup=warmup,
        seed=seed,
        min_fill_rate=min_fill_rate,
        progress=False,
        max_systems=max(reps, min(DEFAULT_MAX_SYSTEMS, chunk // total)),
        on_chunk=on_progress,
    )


def paired_difference(scenario: Evaluation, baseline: Evaluation, metric: str) -> tuple[float, float, float]:
    """Mean and 95% CI of ``scenario - baseline`` per replication (common random numbers pair them)."""
    ci = mean_ci(scenario.per_replication[metric] - baseline.per_replication[metric])
    return ci.mean, ci.ci_low, ci.ci_high


# -- cached by the settings -------------------------------------------------------------------
def progress_bar(what: str) -> tuple[Any, Progress]:
    """A progress bar and its ``f(done, total)`` callback (each update is a point where Streamlit can stop)."""
    bar = st.progress(0.0, text=f"{what}: running")

    def update(done: int, total: int) -> None:
        bar.progress(min(1.0, done / total), text=f"{what}: {done} of {total} parts done")

    return bar, update


@st.cache_data(show_spinner=False, max_entries=64)
def cached_solve(env_id: str, overrides: Overrides) -> Solution:
    """:func:`~inv_gym.analytic.solve.solve` of ``env_id`` with ``overrides`` (cached by them)."""
    return solve(build_params(env_id, overrides), env_id=env_id)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_evaluation(
    env_id: str,
    overrides: Overrides,
    spec: str,
    reps: int,
    horizon: int,
    warmup: int,
    seed: int,
    disruption: tuple[int, int, str] | None = None,
    policy_overrides: Overrides | None = None,
) -> Evaluation:
    """One evaluation of a policy spec (or the optimum) on an env with overrides.

    The policy is made for ``policy_overrides`` when given (the baseline of a
    scenario: the same policy run in a changed world), else for ``overrides``.

    ``disruption = (start, end, text)`` replaces the lead times of the orders
    placed in periods ``[start, end)`` (counted from the start of the warm-up) by
    draws of the lead time ``text`` (an integer or a distribution): a longer or
    more variable lead time for a stretch. The model has that lead time's
    pipeline; outside the stretch the draws are the baseline's. The demand
    draws are the baseline's throughout (common random numbers).
    """
    params = build_params(env_id, overrides)
    policy = make_policy(spec, env_id, overrides if policy_overrides is None else policy_overrides)[0]
    bar, update = progress_bar(f"evaluating {reps} x {horizon + warmup} periods")
    if disruption is None:
        ev = evaluate_in_chunks(
            policy, params, reps=reps, horizon=horizon, warmup=warmup, seed=seed, on_progress=update
        )
        bar.empty()
        return ev
    total = horizon + warmup
    demand, lead = run_draws(params, seed, reps, total)
    lead = lead.copy()
    start, end, text = disruption
    if not 0 <= start < end <= total:
        raise ValueError(
            f"the disruption's periods must satisfy 0 <= start < end <= warmup + horizon = {total}, got [{start}, {end})"
        )
    disrupted = build_params(env_id, {**dict(overrides), "lead_time": text})
    lead[:, start:end] = run_draws(disrupted, seed, reps, total)[1][:, start:end]
    ev = evaluate(
        policy, disrupted, reps=reps, horizon=horizon, warmup=warmup, seed=seed, demand=demand, lead_times=lead
    )
    bar.empty()
    return ev


@st.cache_data(show_spinner=False, max_entries=64)
def cached_trajectory(env_id: str, overrides: Overrides, spec: str, periods: int, seed: int) -> pd.DataFrame:
    """:func:`~inv_gym.evaluation.trajectory` of replication 0 (the evaluation's first path)."""
    policy, params = make_policy(spec, env_id, overrides)
    return trajectory(policy, params, periods=periods, reps=1, seed=seed)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_search(
    env_id: str,
    overrides: Overrides,
    family: str,
    grid: str,
    reps: int,
    horizon: int,
    warmup: int,
    seed: int,
    min_fill_rate: float | None,
) -> SearchResult:
    """:func:`search_in_chunks` keyed by the settings."""
    params = build_params(env_id, overrides)
    bar, update = progress_bar(f"searching {family}")
    run = {"reps": reps, "horizon": horizon, "warmup": warmup, "seed": seed, "min_fill_rate": min_fill_rate}
    res = search_in_chunks(family, grid, params, on_progress=update, **run)
    bar.empty()
    return res


@st.cache_data(show_spinner=False, max_entries=64)
def cached_score(instance: str, spec: str, reps: int, horizon: int, warmup: int, seed: int) -> Score:
    """:func:`inv_gym.score` of a policy spec on a named instance (``set/name``), keyed by the settings."""
    bar, _ = progress_bar(f"scoring on {instance}")
    out = score(parse_policy(spec), instance, reps=reps, horizon=horizon, warmup=warmup, seed=seed)
    bar.empty()
    return out


def gap_percent(value: float, optimum: float) -> float:
    """``100 (value - optimum) / |optimum|`` (NaN when the optimum is 0)."""
    return math.nan if optimum == 0 else 100.0 * (value - optimum) / abs(optimum)


#: bandit configurations of the Bandits page: (label, algorithm, keyword arguments)
BanditConfig = tuple[str, str, tuple[tuple[str, Any], ...]]


def arm_values(search: SearchResult, arms: PolicyArms, metric: str) -> np.ndarray:
    """Each arm's value (``metric``'s mean) from a grid search over the arms' grid, in the arms' order."""
    fam = get_family(arms.family)
    keyed = search.table.set_index(list(fam.names))[metric]
    return np.array([keyed.loc[tuple(row) if len(row) > 1 else row[0]] for row in arms.table], dtype=np.float64)


def lines(where: Any, data: pd.DataFrame, y: str, height: int = 200, legend: bool = True) -> None:
    """Lines of ``y`` against ``iteration``, one per ``configuration`` (a plain Vega-Lite chart: cheap to redraw)."""
    spec = {
        "mark": {"type": "line"},
        "encoding": {
            "x": {"field": "iteration", "type": "quantitative"},
            "y": {"field": y, "type": "quantitative", "scale": {"zero": False}},
            "color": {"field": "configuration", "type": "nominal", "legend": {"orient": "right"} if legend else None},
        },
    }
    where.vega_lite_chart(data, spec, height=height, width="stretch")


@st.cache_data(show_spinner=False, max_entries=16)
def cached_bandits(
    env_id: str,
    overrides: Overrides,
    family: str,
    grid: str,
    configs: tuple[BanditConfig, ...],
    runs: int,
    iterations: int,
    horizon: int,
    true_reps: int,
    seed: int,
) -> dict[str, Any]:
    """Bandits over a grid of policies, one :func:`~agents.bandit.run_bandit` per configuration.

    Every configuration runs ``runs`` independent bandits for ``iterations``
    pulls; a pull is one ``horizon``-period episode (the whole episode for a
    finite-horizon model) and its reward is minus the cost, per period (or per
    episode when finite), or the profit in priced models. The demand of run r
    at iteration i is the same for every configuration (seed ``seed``), and
    each bandit has its own stream. An arm's true value is its mean reward by
    :func:`~agents.search.grid_search` with ``true_reps`` episodes (seed
    ``seed + 1``); the regret of a pull is the best arm's value minus the
    pulled arm's (cumulative, averaged over runs), and the best-arm share is the
    share of runs pulling the best arm.

    While it runs, the reward, best-arm share and cumulative regret per
    iteration of every configuration so far are drawn (at most once a second,
    and at the end of each configuration); the progress bar moves about 20 times
    per configuration (each move is a point where Streamlit can stop). The live
    charts are removed at the end.

    Returns:
        ``curves`` (configuration, iteration, reward, best_share, regret),
        ``summary`` (per configuration) and ``arms`` (label, true value, pulls per configuration).
    """
    params = build_params(env_id, overrides)
    if params.finite_horizon:
        horizon = params.horizon
    arms = PolicyArms(family, grid)
    check_size(
        "arms x true-value reps x horizon", arms.n_arms * true_reps * horizon, "the arms, true-value reps or horizon"
    )
    check_size(
        "configurations x runs x iterations x horizon",
        len(configs) * runs * iterations * horizon,
        "runs, iterations or horizon",
    )
    metric = "reward_per_episode" if params.finite_horizon else "reward_per_period"
    bar, update = progress_bar("true arm values")
    search = search_in_chunks(
        family, grid, params, reps=true_reps, horizon=horizon, warmup=0, seed=seed + 1, on_progress=update
    )
    values = arm_values(search, arms, metric)
    best = int(values.argmax())
    live = st.empty()
    curves = []
    summary = []
    pulls = {}
    every = max(1, iterations // 20)
    # per configuration, per iteration so far: mean reward, best-arm share, cumulative regret
    sofar: dict[str, dict[str, list[float]]] = {}
    drawn = [0.0]  # when the live charts were last drawn
    for k, (label, algo, kwargs) in enumerate(configs):
        bandit = make_bandit(algo, arms.n_arms, runs=runs, seed=np.random.SeedSequence([seed, 2, k]), **dict(kwargs))
        sofar[label] = {"reward": [], "best-arm share": [], "cumulative regret": []}

        def on_iteration(i: int, chosen: np.ndarray, rewards: np.ndarray, label: str = label, k: int = k) -> None:
            now = sofar[label]
            now["reward"].append(float(rewards.mean()))
            now["best-arm share"].append(float((chosen == best).mean()))
            before = now["cumulative regret"][-1] if now["cumulative regret"] else 0.0
            now["cumulative regret"].append(before + float((values[best] - values[chosen]).mean()))
            if (i + 1) % every == 0 or i + 1 == iterations:
                bar.progress(
                    (k + (i + 1) / iterations) / len(configs), text=f"{label}: iteration {i + 1} of {iterations}"
                )
                if time.monotonic() - drawn[0] < 1.0 and i + 1 < iterations:
                    return  # the charts are redrawn at most once a second
                drawn[0] = time.monotonic()
                with live.container():
                    for col, what in zip(st.columns(3), ("reward", "best-arm share", "cumulative regret")):
                        col.caption(f"{what} (mean over runs), so far")
                        rows = [(c, j + 1, v) for c, d in sofar.items() for j, v in enumerate(d[what])]
                        lines(col, pd.DataFrame(rows, columns=["configuration", "iteration", what]), what, legend=False)

        res = run_bandit(
            arms, bandit, params, iterations=iterations, horizon=horizon, seed=seed, on_iteration=on_iteration
        )
        regret = np.cumsum(values[best] - values[res.choices], axis=0).mean(axis=1)
        share = (res.choices == best).mean(axis=1)
        curves.append(
            pd.DataFrame(
                {
                    "configuration": label,
                    "iteration": np.arange(1, iterations + 1),
                    "reward": res.rewards.mean(axis=1),
                    "best_share": share,
                    "regret": regret,
                }
            )
        )
        last = max(1, iterations // 10)
        summary.append(
            {
                "configuration": label,
                "most pulled arm": arms.labels()[res.best_arm_index()],
                "best-arm share (last 10%)": float(share[-last:].mean()),
                "final regret": float(regret[-1]),
                "mean reward": float(res.rewards.mean()),
            }
        )
        pulls[label] = res.pulls
    live.empty()
    bar.empty()
    arm_table = pd.DataFrame({"arm": arms.labels(), "true value": values, **pulls})
    return {
        "curves": pd.concat(curves, ignore_index=True),
        "summary": pd.DataFrame(summary),
        "arms": arm_table,
        "best_arm": arms.labels()[best],
        "metric": metric,
    }
