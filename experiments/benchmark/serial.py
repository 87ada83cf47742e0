"""The benchmark's rows on a serial chain (``inv_gym/Serial-v0``, :class:`~inv_gym.serial.params.SerialParams`).

The row functions of :mod:`.rows` hand a chain's ``optimum``, ``heuristic`` and
``bandit`` task to the function of the same row here:

* ``optimum``: the Clark-Scarf optimum (:func:`inv_gym.analytic.serial.serial_optimum`):
  its exact cost C*, and its policy, echelon base stock at S*_1 .. S*_M
  (:class:`agents.serial.EchelonBaseStock`), scored by simulation like every row;
* ``heuristic``: echelon or installation base stock, the best levels of a grid
  searched on common random numbers (:func:`agents.serial.serial_grid_search`,
  the ``search_*`` sizes): each stage within r = :data:`SERIAL_SEARCH_RADIUS`
  of the optimum's level (echelon S*_m, or installation s*_m = S*_m - S*_{m-1}),
  (2 r + 1)^M policies;
* ``bandit``: the most-pulled arm of an epsilon-greedy bandit over echelon
  levels S*_m + o, o in :data:`SERIAL_BANDIT_OFFSETS` (:func:`agents.serial.serial_bandit`,
  the ``bandit_*`` sizes; each pull one episode of ``bandit_horizon`` periods after
  :data:`SERIAL_BANDIT_WARMUP` from the empty chain);
* ``native_ppo`` and ``pathwise`` are the rows of :mod:`.rows` themselves:
  :func:`agents.native_ppo.train` and :func:`agents.pathwise.train_pathwise` on
  the chain's parameters, as on one item, their policy scored by :func:`score_serial`,
  or ``n/a`` with the reason when the learner does not cover chains
  (:func:`~experiments.benchmark.tasks.learner_unsupported`).

Every policy is scored by :func:`inv_gym.serial.evaluation.serial_evaluate` (the
chain's numba kernel) with the run's ``eval_reps``, ``eval_horizon``,
``eval_warmup`` and the common ``eval_seed``: every row sees the same demand,
and the gap is to the optimum's simulated cost on those draws.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from experiments.benchmark.config import BenchmarkConfig
from experiments.benchmark.instances import (
    SERIAL_BANDIT_OFFSETS,
    SERIAL_BANDIT_WARMUP,
    SERIAL_SEARCH_RADIUS,
    named_instance,
)
from experiments.benchmark.tasks import Task
from inv_gym.serial.params import SerialParams

__all__ = [
    "score_serial",
    "levels_spec",
    "serial_search_grids",
    "serial_bandit_arms",
    "row_serial_optimum",
    "row_serial_heuristic",
    "row_serial_bandit",
]


def score_serial(policy: Any, params: SerialParams, cfg: BenchmarkConfig) -> dict[str, Any]:
    """Evaluate a chain policy on the benchmark's common draws (:func:`inv_gym.serial.evaluation.serial_evaluate`)."""
    from inv_gym.serial.evaluation import serial_evaluate

    ev = serial_evaluate(
        policy, params, reps=cfg.eval_reps, horizon=cfg.eval_horizon, warmup=cfg.eval_warmup, seed=cfg.eval_seed
    )
    c = ev["cost_per_period"]
    return {
        "cost": c.mean,
        "cost_ci_low": c.ci_low,
        "cost_ci_high": c.ci_high,
        "fill_rate": ev["fill_rate"].mean,
        "eval": {k: v.to_dict() for k, v in ev.metrics.items()},
    }


def levels_spec(family: str, levels: Sequence[int]) -> str:
    """A base-stock policy of the chain as text: ``echelon_base_stock:S=9 15 26`` or ``installation_base_stock:s=9 6 11``."""
    symbol = {"echelon_base_stock": "S", "installation_base_stock": "s"}.get(family)
    if symbol is None:
        raise ValueError(f"family must be 'echelon_base_stock' or 'installation_base_stock', got {family!r}")
    return f"{family}:{symbol}=" + " ".join(str(int(x)) for x in levels)


def _installation(levels: Sequence[int]) -> tuple[int, ...]:
    """Installation levels s_m = S_m - S_{m-1} (S_0 = 0) of echelon levels S."""
    return tuple(int(b - a) for a, b in zip((0, *levels[:-1]), levels))


def serial_search_grids(family: str, optimal: Sequence[int], radius: int = SERIAL_SEARCH_RADIUS) -> list[list[int]]:
    """Per stage, the levels searched: the optimum's level (echelon S*_m or installation s*_m) +- ``radius``, >= 0."""
    if family not in ("echelon_base_stock", "installation_base_stock"):
        raise ValueError(f"family must be 'echelon_base_stock' or 'installation_base_stock', got {family!r}")
    centre = tuple(optimal) if family == "echelon_base_stock" else _installation(optimal)
    return [sorted({max(0, c + d) for d in range(-radius, radius + 1)}) for c in centre]


def serial_bandit_arms(optimal: Sequence[int], offsets: Sequence[int] = SERIAL_BANDIT_OFFSETS) -> list[tuple[int, ...]]:
    """The bandit's arms: every echelon level vector S*_m + o_m, o_m in ``offsets`` (levels >= 0, no repeats)."""
    per_stage = [[max(0, s + o) for o in offsets] for s in optimal]
    return list(dict.fromkeys(itertools.product(*per_stage)))


def row_serial_optimum(task: Task, params: SerialParams, cfg: BenchmarkConfig) -> dict[str, Any]:
    """The Clark-Scarf optimum: exact cost and levels, its echelon base-stock policy scored on the common draws."""
    from agents.serial import EchelonBaseStock
    from inv_gym.analytic.serial import serial_optimum

    sol = serial_optimum(params)
    out = score_serial(EchelonBaseStock(sol.levels), params, cfg)
    out.update(
        method="Clark-Scarf (echelon base stock, inv_gym.analytic.serial.serial_optimum)",
        exact_cost=sol.cost,
        policy={"family": "echelon_base_stock", "S": list(sol.levels)},
        train_steps=0,
    )
    named = named_instance(task.instance)
    if named is not None and named.literature is not None:
        out["literature_cost"] = named.literature
    return out


def row_serial_heuristic(task: Task, params: SerialParams, cfg: BenchmarkConfig) -> dict[str, Any]:
    """The best echelon or installation base-stock levels of a grid around the optimum's (common random numbers)."""
    from agents.serial import EchelonBaseStock, InstallationBaseStock, serial_grid_search
    from inv_gym.analytic.serial import serial_optimum

    grids = serial_search_grids(task.family, serial_optimum(params).levels)
    horizon, warmup, reps = cfg.search_horizon, min(100, cfg.search_horizon), cfg.search_reps
    res = serial_grid_search(
        grids, params, family=task.family, reps=reps, horizon=horizon, warmup=warmup, seed=cfg.search_seed
    )
    best = res.best_levels
    policy = (EchelonBaseStock if task.family == "echelon_base_stock" else InstallationBaseStock)(best)
    out = score_serial(policy, params, cfg)
    n = len(res.cost)
    out.update(
        method=(
            f"grid search {task.family}: each stage within {SERIAL_SEARCH_RADIUS} of the optimum's level ({n} policies)"
        ),
        policy=levels_spec(task.family, best),
        train_steps=int(n * reps * (horizon + warmup)),
    )
    return out


def row_serial_bandit(task: Task, params: SerialParams, cfg: BenchmarkConfig) -> dict[str, Any]:
    """The most-pulled arm of an epsilon-greedy bandit over echelon levels around the optimum's."""
    from agents.bandit import EpsilonGreedy
    from agents.serial import EchelonBaseStock, serial_bandit
    from inv_gym.analytic.serial import serial_optimum

    arms = serial_bandit_arms(serial_optimum(params).levels)
    bandit = EpsilonGreedy(len(arms), epsilon=cfg.bandit_epsilon, runs=1, seed=task.seed)
    run = serial_bandit(
        arms,
        bandit,
        params,
        iterations=cfg.bandit_iterations,
        horizon=cfg.bandit_horizon,
        warmup=SERIAL_BANDIT_WARMUP,
        seed=1000 + task.seed,
    )
    pick = run.most_pulled
    out = score_serial(EchelonBaseStock(pick), params, cfg)
    offsets = ", ".join(f"{o:+d}" for o in SERIAL_BANDIT_OFFSETS)
    out.update(
        method=(
            f"epsilon-greedy (epsilon {cfg.bandit_epsilon:g}) over {len(arms)} echelon base-stock arms "
            f"S*_m + ({offsets})"
        ),
        policy=levels_spec("echelon_base_stock", pick),
        train_steps=int(run.choices.shape[0] * (cfg.bandit_horizon + SERIAL_BANDIT_WARMUP)),
    )
    return out
