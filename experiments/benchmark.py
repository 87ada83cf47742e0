"""The learned-versus-classical benchmark: one table, every model, every kind of agent.

For every instance (a registered id with parameter overrides) the benchmark
runs one task per agent row and training seed:

========== ==========================================================================
row        what it is (the module it comes from)
========== ==========================================================================
optimum    the exact optimum where one exists (:func:`exact_solution`): critical
           fractile (``inv_gym.analytic.newsvendor``), the periodic base-stock
           optimum (``inv_gym.analytic.base_stock``), Zheng-Federgruen (s,S)
           (``inv_gym.analytic.ss``), relative value iteration
           (``inv_gym.analytic.dp.solve_dp``, fixed or random lead times) or
           backward induction for finite horizons
           (``inv_gym.analytic.finite_horizon``; cost per period = expected
           total / horizon)
heuristic  the best policy of a heuristic family by grid search with common random
           numbers (``agents.search.grid_search``, the best row's spec parsed by
           ``agents.specs.parse_policy``); one row per family of the instance
bandit     the pick (most-pulled arm) of an epsilon-greedy bandit over a grid of
           policies of one family (``agents.bandit.run_bandit``)
ppo        stable-baselines3 PPO trained with ``agents.ppo.train``; one task per
           training seed, reported as the mean and 95% CI over seeds
native_ppo the torch PPO on the batched kernel (``agents.native_ppo.train``) at the
           :class:`~agents.native_ppo.NativePPOConfig` defaults but the budget
           (``native_ppo_timesteps``) and the seed; one task per training seed,
           reported like ``ppo`` (dual sourcing: one softmax per source)
pathwise   the pathwise-gradient learner (``agents.pathwise.train_pathwise``) at the
           :class:`~agents.pathwise.PathwiseConfig` defaults but a CPU-time limit
           (``pathwise_time_limit`` CPU seconds, ``clock="cpu"``), an iteration cap
           and the seed (dual sourcing: two outputs, the regular and the expedited
           order); ``n/a`` where :func:`agents.pathwise.pathwise_unsupported` says why
========== ==========================================================================

The learned rows (:data:`LEARNED_ROWS`) run one task per training seed and are
reported as the mean and 95% CI (Student t) over seeds, with each seed's cost.

Every chosen policy is then scored by :func:`inv_gym.evaluation.evaluate` on
the same draws (common random numbers: one evaluation seed for all rows).
``cost`` is the cost per period net of revenue (minus the profit in priced
models); the gap is ``(cost - reference) / |reference|`` in %, where the
reference is the optimum's simulated cost on the same draws (or, without an
optimum, the best classical row's).

Execution: tasks run through joblib (processes, all cores) or on a Dask
cluster (``backend="dask"``, ``scheduler="tcp://HOST:PORT"``) with the same
code. Each task writes ``<out>/tasks/<key>.json`` atomically (temporary file
+ ``os.replace``); a rerun with the same settings skips finished tasks; a task
that raises is recorded with its error (status ``error``) and the others go on.

Outputs in ``<out>``: ``results.csv`` (one row per task), ``table.csv`` and
``table.md`` (one row per instance and agent), ``gap.png`` (gap per instance
and agent) and ``curves/<instance>.png`` (PPO learning curves against the
baselines' costs).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from experiments.commands.common import to_jsonable
from experiments.io import atomic_write_text, save_figure, write_csv, write_json
from inv_gym.params import InventoryParams

__all__ = [
    "BenchmarkConfig",
    "Instance",
    "Task",
    "INSTANCES",
    "HEURISTICS",
    "BANDIT_ARMS",
    "ROW_FUNCTIONS",
    "LEARNED_ROWS",
    "QUICK_PATHWISE_INSTANCES",
    "ZIPKIN_OPTIMA",
    "PPO_TIMESTEPS_CAP",
    "ppo_timesteps",
    "quick_config",
    "full_config",
    "suite_instances",
    "zipkin_instances",
    "exact_solution",
    "make_tasks",
    "run_task",
    "run_benchmark",
    "summarize",
    "main",
]

#: Zipkin (2008) optimal average costs, lost sales, Poisson(5), h = 1: {(L, p): cost}.
ZIPKIN_OPTIMA: dict[tuple[int, int], float] = {
    (1, 4): 4.04, (2, 4): 4.40, (3, 4): 4.60, (4, 4): 4.73,
    (1, 9): 5.44, (2, 9): 6.09, (3, 9): 6.53, (4, 9): 6.84,
    (1, 19): 6.68, (2, 19): 7.66, (3, 19): 8.36, (4, 19): 8.89,
    (1, 39): 7.84, (2, 39): 9.11, (3, 39): 10.04, (4, 39): 10.79,
}  # fmt: skip


@dataclass(frozen=True)
class Instance:
    """A benchmark instance: a registered id and parameter overrides."""

    name: str
    env_id: str
    overrides: tuple[tuple[str, Any], ...] = ()

    def params(self) -> InventoryParams:
        from inv_gym.presets import preset_params

        return preset_params(self.env_id, **dict(self.overrides))


def suite_instances() -> dict[str, Instance]:
    """One instance per registered id, at its preset."""
    from inv_gym.presets import ENV_IDS

    return {i.split("/", 1)[1].rsplit("-", 1)[0]: Instance(i.split("/", 1)[1].rsplit("-", 1)[0], i) for i in ENV_IDS}


def zipkin_instances() -> dict[str, Instance]:
    """Zipkin's (2008) grid: lost sales, Poisson(5), h = 1, L = 1..4, p = 4, 9, 19, 39."""
    out = {}
    for p in (4, 9, 19, 39):
        for lead in (1, 2, 3, 4):
            name = f"Zipkin-L{lead}-p{p}"
            out[name] = Instance(name, "inv_gym/LostSales-v0", (("lead_time", lead), ("lost_sales_cost", float(p))))
    return out


INSTANCES: dict[str, Instance] = {**suite_instances(), **zipkin_instances()}

#: Heuristic families searched per registered id: (family, grid).
HEURISTICS: dict[str, tuple[tuple[str, str], ...]] = {
    "inv_gym/Newsvendor-v0": (("base_stock", "S=60:160"),),
    "inv_gym/EOQ-v0": (("ss", "s=0:20,S=5:80"),),
    "inv_gym/BaseStock-v0": (("base_stock", "S=0:40"),),
    "inv_gym/Qr-v0": (("ss", "s=0:30,S=10:90"), ("rq", "r=0:30,Q=10:60")),
    "inv_gym/LostSales-v0": (("base_stock", "S=0:60"), ("capped_base_stock", "S=0:60,cap=1:20")),
    "inv_gym/Perishable-v0": (("base_stock", "S=0:30"),),
    "inv_gym/StochasticLeadTime-v0": (("ss", "s=0:40,S=5:100:5"),),
    "inv_gym/ConcreteMixers-v0": (("periodic", "T=1:10,S=11"),),
    "inv_gym/DualSourcing-v0": (("dual_index", "z_e=0:8,z_r=0:16"), ("capped_dual_index", "z_e=2:6,z_r=5:14,u=1:5")),
}

#: The bandit's arms per registered id: (family, grid) (coarser than the search).
BANDIT_ARMS: dict[str, tuple[str, str]] = {
    "inv_gym/Newsvendor-v0": ("base_stock", "S=60:160:10"),
    "inv_gym/EOQ-v0": ("ss", "s=0:20:5,S=20:70:10"),
    "inv_gym/BaseStock-v0": ("base_stock", "S=10:30:2"),
    "inv_gym/Qr-v0": ("ss", "s=0:20:4,S=30:70:8"),
    "inv_gym/LostSales-v0": ("base_stock", "S=5:40"),
    "inv_gym/Perishable-v0": ("base_stock", "S=2:16"),
    "inv_gym/StochasticLeadTime-v0": ("ss", "s=5:35:5,S=20:80:10"),
    "inv_gym/ConcreteMixers-v0": ("periodic", "T=1:10,S=11"),
    "inv_gym/DualSourcing-v0": ("capped_dual_index", "z_e=3:5,z_r=8:10,u=2:3"),
}


#: Largest PPO budget per registered id, whatever ``ppo_timesteps`` says. The
#: newsvendor is one period (a contextual bandit): it reaches the critical
#: fractile within 80,000 steps, and its update-heavy settings (16 copies x 32
#: steps per rollout) make each step several times dearer than elsewhere.
PPO_TIMESTEPS_CAP: dict[str, int] = {"inv_gym/Newsvendor-v0": 100_000}

#: Row types trained per seed and reported as the mean and 95% CI over seeds.
LEARNED_ROWS: tuple[str, ...] = ("ppo", "native_ppo", "pathwise")

#: Instances with a pathwise row in ``--quick`` (its CPU-time budget is the run's largest part).
QUICK_PATHWISE_INSTANCES: tuple[str, ...] = ("LostSales", "BaseStock", "Perishable")


@dataclass
class BenchmarkConfig:
    """Settings of one benchmark run.

    Attributes:
        instances: instance names (keys of :data:`INSTANCES`).
        agents: row types, a subset of ``optimum``, ``heuristic``, ``bandit``, ``ppo``,
            ``native_ppo``, ``pathwise``.
        seeds: training seeds (0 .. seeds - 1) of the ``ppo`` and ``native_ppo`` rows.
        ppo_timesteps: PPO budget per seed.
        ppo_kwargs: extra :func:`agents.ppo.train` keywords.
        curve_points: learning-curve evaluations per PPO run.
        native_ppo_timesteps: native PPO budget per seed (env steps, rounded up to
            whole iterations); every other setting is a ``NativePPOConfig`` default.
        pathwise_time_limit: CPU seconds of pathwise training per task (``clock="cpu"``:
            the budget does not shrink when other work shares the cores).
        pathwise_iterations: most gradient steps per pathwise task (the time limit
            usually ends training first).
        pathwise_seeds: pathwise training seeds (0 .. pathwise_seeds - 1).
        pathwise_instances: instances that get a pathwise row (None: every instance
            of the run); it selects tasks and is not part of any task's fingerprint.
        ppo_instances: instances that get (stable-baselines3) ``ppo`` rows (None: every
            instance of the run); selects tasks like ``pathwise_instances``.
        eval_reps, eval_horizon, eval_warmup, eval_seed: the final evaluation
            of every row (infinite-horizon models; finite-horizon ones use their horizon).
        search_reps, search_horizon, search_seed: the grid search's evaluation.
        bandit_iterations, bandit_epsilon, bandit_horizon: the bandit's run.
        out: output directory.
        backend: ``local`` (joblib processes) or ``dask``.
        scheduler: Dask scheduler address (``tcp://HOST:PORT``) or a ``distributed.Client``.
        n_jobs: joblib workers (-1: every core).
        label: the command that made the run (written into the Markdown table).
    """

    instances: tuple[str, ...] = tuple(suite_instances())
    agents: tuple[str, ...] = ("optimum", "heuristic", "bandit", "ppo", "native_ppo", "pathwise")
    seeds: int = 1
    ppo_timesteps: int = 200_000
    ppo_kwargs: dict[str, Any] = field(default_factory=dict)
    curve_points: int = 8
    native_ppo_timesteps: int = 1_000_000
    pathwise_time_limit: float = 60.0
    pathwise_iterations: int = 5000
    pathwise_seeds: int = 1
    pathwise_instances: tuple[str, ...] | None = None
    ppo_instances: tuple[str, ...] | None = None
    eval_reps: int = 100
    eval_horizon: int = 1000
    eval_warmup: int = 100
    eval_seed: int = 2024
    search_reps: int = 40
    search_horizon: int = 500
    search_seed: int = 7
    bandit_iterations: int = 300
    bandit_epsilon: float = 0.1
    bandit_horizon: int = 200
    out: str = "results/benchmark"
    backend: str = "local"
    scheduler: Any = None
    n_jobs: int = -1
    label: str = ""

    def __post_init__(self) -> None:
        for name in ("instances", "pathwise_instances", "ppo_instances"):
            unknown = [i for i in getattr(self, name) or () if i not in INSTANCES]
            if unknown:
                raise ValueError(f"{name}: unknown instance(s) {unknown}; known: {', '.join(INSTANCES)}")
        bad = [a for a in self.agents if a not in ROW_FUNCTIONS]
        if bad:
            raise ValueError(f"unknown agent row(s) {bad}; allowed: {', '.join(ROW_FUNCTIONS)}")
        if self.backend not in ("local", "dask"):
            raise ValueError(f"backend must be 'local' or 'dask', got {self.backend!r}")
        if self.backend == "dask" and self.scheduler is None:
            raise ValueError("backend 'dask' needs a scheduler address (--scheduler tcp://HOST:PORT)")
        for name in ("seeds", "pathwise_seeds", "ppo_timesteps", "native_ppo_timesteps", "pathwise_iterations"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if not float(self.pathwise_time_limit) > 0:
            raise ValueError(f"pathwise_time_limit must be > 0 CPU seconds, got {self.pathwise_time_limit}")
        if self.pathwise_instances is not None:
            self.pathwise_instances = tuple(self.pathwise_instances)
        if self.ppo_instances is not None:
            self.ppo_instances = tuple(self.ppo_instances)
        self.instances = tuple(self.instances)
        self.agents = tuple(self.agents)

    def task_settings(self) -> dict[str, Any]:
        """The settings a task's result depends on (its fingerprint)."""
        d = asdict(self)
        for k in (
            "instances",
            "out",
            "backend",
            "scheduler",
            "n_jobs",
            "label",
            "seeds",
            "agents",
            "pathwise_seeds",
            "pathwise_instances",
            "ppo_instances",
        ):
            d.pop(k, None)
        return d


def quick_config(**kwargs: Any) -> BenchmarkConfig:
    """``--quick``: every registered id at its preset, one seed of each learner.

    SB3 PPO 200,000 steps (200,000 rather than 80,000: with the random starting
    stock of the backorder models, 80,000 steps left BaseStock-v0 8% above the
    optimum); native PPO 1,000,000 steps on every id (300,000 left
    StochasticLeadTime-v0 20% above the optimum, 1,000,000 0.1%); the pathwise learner 60 CPU
    seconds on :data:`QUICK_PATHWISE_INSTANCES` (on every listed instance when
    ``instances`` is given). It must finish within 10 minutes on 2 cores; the
    measured wall time is in docs/benchmark.md ("Quick run").
    """
    if "instances" not in kwargs:
        kwargs.setdefault("pathwise_instances", QUICK_PATHWISE_INSTANCES)
    return BenchmarkConfig(**kwargs)


def full_config(**kwargs: Any) -> BenchmarkConfig:
    """``--full``: the suite plus Zipkin's whole grid; native PPO 3 seeds x 1M steps, pathwise 150 CPU s.

    SB3 PPO 3 seeds x 300,000 steps on the suite's ids (about 5,000 training
    steps/s per core; ``ppo_timesteps``, ``--timesteps``, for more; on Zipkin's grid
    the native PPO, 15x faster, is the PPO row: ``ppo_instances``), native PPO 3
    seeds x 1,000,000 steps on every instance, the pathwise
    learner one seed x 150 CPU seconds on every instance it covers (1,500-2,500
    gradient steps on the Zipkin grid, which reached 0.01-0.07% in
    ``benchmarks/bench_pathwise.py`` runs), plus the searches, DP solves and bandits.
    """
    base: dict[str, Any] = dict(
        instances=tuple(suite_instances()) + tuple(zipkin_instances()),
        ppo_instances=tuple(suite_instances()),
        seeds=3,
        ppo_timesteps=300_000,
        native_ppo_timesteps=1_000_000,
        pathwise_time_limit=150.0,
        eval_reps=200,
        eval_horizon=2000,
        search_reps=100,
        search_horizon=1000,
        bandit_iterations=1000,
        curve_points=10,
    )
    base.update(kwargs)
    return BenchmarkConfig(**base)


# ---------------------------------------------------------------------------
# tasks


@dataclass(frozen=True)
class Task:
    """One unit of work: an instance, a row (``agent``, ``family`` for heuristics) and a seed."""

    instance: str
    agent: str
    seed: int = 0
    family: str = ""

    @property
    def key(self) -> str:
        fam = f"-{self.family}" if self.family else ""
        return f"{self.instance}__{self.agent}{fam}__s{self.seed}"

    @property
    def row(self) -> str:
        """The table row's name (``heuristic:ss``, ``ppo``, ...)."""
        return f"{self.agent}:{self.family}" if self.family else self.agent


def make_tasks(cfg: BenchmarkConfig) -> list[Task]:
    """Every task of a run (the learners first, longest first: pathwise, ppo, native_ppo)."""
    tasks: list[Task] = []
    if "pathwise" in cfg.agents:
        chosen = cfg.instances if cfg.pathwise_instances is None else cfg.pathwise_instances
        tasks += [Task(n, "pathwise", s) for n in cfg.instances if n in chosen for s in range(cfg.pathwise_seeds)]
    for agent in ("ppo", "native_ppo"):
        if agent in cfg.agents:
            chosen = cfg.ppo_instances if agent == "ppo" and cfg.ppo_instances is not None else cfg.instances
            tasks += [Task(name, agent, s) for name in cfg.instances if name in chosen for s in range(cfg.seeds)]
    for name in cfg.instances:
        inst = INSTANCES[name]
        if "optimum" in cfg.agents:
            tasks.append(Task(name, "optimum"))
        if "heuristic" in cfg.agents:
            tasks += [Task(name, "heuristic", 0, fam) for fam, _ in HEURISTICS.get(inst.env_id, ())]
        if "bandit" in cfg.agents and inst.env_id in BANDIT_ARMS:
            tasks.append(Task(name, "bandit", 0))
    return tasks


def _eval_settings(params: InventoryParams, cfg: BenchmarkConfig) -> dict[str, Any]:
    if params.finite_horizon:
        return dict(
            reps=max(cfg.eval_reps, 1000) if params.horizon == 1 else cfg.eval_reps, horizon=params.horizon, warmup=0
        )
    return dict(reps=cfg.eval_reps, horizon=cfg.eval_horizon, warmup=cfg.eval_warmup)


def _score(policy: Any, params: InventoryParams, cfg: BenchmarkConfig) -> dict[str, Any]:
    """Evaluate a policy on the benchmark's common draws."""
    from inv_gym.evaluation import evaluate

    ev = evaluate(policy, params, seed=cfg.eval_seed, **_eval_settings(params, cfg))
    r, f = ev["reward_per_period"], ev["fill_rate"]
    return {
        "cost": -r.mean,
        "cost_ci_low": -r.ci_high,
        "cost_ci_high": -r.ci_low,
        "fill_rate": f.mean,
        "eval": {k: v.to_dict() for k, v in ev.metrics.items()},
    }


def exact_solution(params: InventoryParams) -> dict[str, Any] | None:
    """The exact optimum of an instance, or None when no exact method applies.

    Returns:
        ``{"method", "policy" (a BasePolicy), "exact_cost" (cost per period net
        of revenue), "describe"}``.
    """
    from agents.heuristics import SS, BaseStock

    no_extras = params.shelf_life is None and params.capacity is None and not params.one_outstanding
    fixed_lead = not params.random_lead_time
    if params.dual_sourcing:
        from agents.dual_sourcing import DualSourcingDP
        from inv_gym.analytic.dual_sourcing import dual_sourcing_supported, solve_dual_sourcing

        if dual_sourcing_supported(params) is not None:
            return None
        dual = solve_dual_sourcing(params)
        return {
            "method": "dual-sourcing DP (relative value iteration)",
            "policy": DualSourcingDP(dual),
            "exact_cost": float(dual.average_cost),
            "describe": {"states": int(dual.stationary.size), "boundary_mass": dual.boundary_mass},
        }
    if params.finite_horizon and params.horizon == 1 and params.price > 0 and params.initial_inventory == 0:
        from inv_gym.analytic.newsvendor import newsvendor_priced_order_quantity, newsvendor_priced_profit

        kw = dict(
            demand=params.demand, price=params.price, unit_cost=params.unit_cost, salvage_value=params.salvage_value
        )
        q = float(newsvendor_priced_order_quantity(**kw))
        profit = float(newsvendor_priced_profit(**kw, order_quantity=q))
        return {
            "method": "critical fractile",
            "policy": BaseStock(S=round(q)),
            "exact_cost": -profit,
            "describe": {"Q*": q},
        }
    if params.finite_horizon:
        if not params.demand.discrete:
            return None
        from inv_gym.analytic.finite_horizon import solve_finite_horizon

        fh = solve_finite_horizon(params)
        return {
            "method": "backward induction",
            "policy": fh.policy(),
            "exact_cost": float(fh.average_cost),
            "describe": {"total_cost": float(fh.total_cost), "horizon": params.horizon},
        }
    backorder_plain = (
        params.stockout == "backorder" and fixed_lead and no_extras and params.unit_cost == 0 and params.price == 0
    )
    if backorder_plain and params.fixed_order_cost == 0 and params.demand.discrete:
        from inv_gym.analytic.base_stock import base_stock_cost, base_stock_level

        kw = dict(demand=params.demand, holding_cost=params.holding_cost, backorder_cost=params.backorder_cost)
        s_star = float(base_stock_level(**kw, lead_time=int(params.lead_time)))
        cost = float(base_stock_cost(**kw, lead_time=int(params.lead_time), level=s_star))
        return {
            "method": "base stock (newsvendor on L+1 periods)",
            "policy": BaseStock(S=s_star),
            "exact_cost": cost,
            "describe": {"S": s_star},
        }
    if backorder_plain and params.fixed_order_cost > 0 and params.demand.discrete and params.demand.scv > 0:
        from inv_gym.analytic.ss import ss_optimal_policy

        res = ss_optimal_policy(
            demand=params.demand,
            fixed_cost=params.fixed_order_cost,
            holding_cost=params.holding_cost,
            backorder_cost=params.backorder_cost,
            lead_time=int(params.lead_time),
        )
        return {
            "method": "Zheng-Federgruen (s,S)",
            "policy": SS(s=res.s, S=res.S),
            "exact_cost": float(res.cost),
            "describe": {"s": res.s, "S": res.S},
        }
    if params.demand.discrete:  # fixed or random lead times
        from inv_gym.analytic.dp import solve_dp

        kw: dict[str, Any] = {}
        if params.demand.scv == 0:
            kw["aperiodicity"] = 0.5
        res = solve_dp(params, **kw)
        return {
            "method": "DP (relative value iteration)",
            "policy": res.policy(),
            "exact_cost": float(res.average_cost),
            "describe": {},
        }
    return None


def row_optimum(task: Task, params: InventoryParams, cfg: BenchmarkConfig) -> dict[str, Any]:
    """The exact optimum (see :func:`exact_solution`), scored on the common draws."""
    sol = exact_solution(params)
    if sol is None:
        return {"status": "n/a", "method": "no exact method for this instance"}
    out = _score(sol["policy"], params, cfg)
    out.update(method=sol["method"], exact_cost=sol["exact_cost"], policy=sol["describe"], train_steps=0)
    inst = INSTANCES[task.instance]
    od = dict(inst.overrides)
    if inst.env_id == "inv_gym/LostSales-v0" and params.demand.to_spec() == "poisson:5" and params.holding_cost == 1:
        lit = ZIPKIN_OPTIMA.get((int(od.get("lead_time", params.lead_time)), int(params.lost_sales_cost)))
        if lit is not None:
            out["literature_cost"] = lit
    return out


def _heuristic_grid(env_id: str, family: str) -> str:
    for fam, grid in HEURISTICS.get(env_id, ()):
        if fam == family:
            return grid
    raise ValueError(f"no {family} grid for {env_id}")


def row_heuristic(task: Task, params: InventoryParams, cfg: BenchmarkConfig) -> dict[str, Any]:
    """Best policy of a family by grid search with common random numbers."""
    from agents.search import grid_search
    from agents.specs import parse_policy

    env_id = INSTANCES[task.instance].env_id
    grid = _heuristic_grid(env_id, task.family)
    if params.finite_horizon:
        horizon, warmup = params.horizon, 0
        reps = cfg.search_reps * 10 if params.horizon == 1 else cfg.search_reps
    else:
        horizon, warmup, reps = cfg.search_horizon, min(100, cfg.search_horizon), cfg.search_reps
    res = grid_search(
        task.family, grid, params, reps=reps, horizon=horizon, warmup=warmup, seed=cfg.search_seed, progress=False
    )
    if res.best is None:
        raise RuntimeError("grid search found no feasible policy")
    spec = str(res.best["spec"])
    out = _score(parse_policy(spec), params, cfg)
    out.update(
        method=f"grid search {task.family} {grid}",
        policy=spec,
        train_steps=int(len(res.table) * reps * (horizon + warmup)),
    )
    return out


def row_bandit(task: Task, params: InventoryParams, cfg: BenchmarkConfig) -> dict[str, Any]:
    """The pick of an epsilon-greedy bandit over a grid of policies."""
    from agents.bandit import EpsilonGreedy, PolicyArms, run_bandit

    family, grid = BANDIT_ARMS[INSTANCES[task.instance].env_id]
    arms = PolicyArms(family, grid)
    bandit = EpsilonGreedy(arms.n_arms, epsilon=cfg.bandit_epsilon, runs=1, seed=task.seed)
    horizon = params.horizon if params.finite_horizon else cfg.bandit_horizon
    run = run_bandit(params, arms, bandit, iterations=cfg.bandit_iterations, horizon=horizon, seed=1000 + task.seed)
    pick = int(run.best_arm_index())
    out = _score(arms.policy(pick), params, cfg)
    out.update(
        method=f"epsilon-greedy (epsilon {cfg.bandit_epsilon:g}) over {arms.n_arms} {family} arms {grid}",
        policy=arms.arm(pick),
        train_steps=int(cfg.bandit_iterations * horizon),
    )
    return out


def ppo_timesteps(env_id: str, cfg: BenchmarkConfig) -> int:
    """The PPO budget of an id: ``cfg.ppo_timesteps``, capped by :data:`PPO_TIMESTEPS_CAP`."""
    return min(int(cfg.ppo_timesteps), PPO_TIMESTEPS_CAP.get(env_id, int(cfg.ppo_timesteps)))


def row_ppo(task: Task, params: InventoryParams, cfg: BenchmarkConfig) -> dict[str, Any]:
    """PPO trained with :func:`agents.ppo.train` for one seed."""
    from agents.ppo import train

    inst = INSTANCES[task.instance]
    steps = ppo_timesteps(inst.env_id, cfg)
    kwargs = dict(cfg.ppo_kwargs)
    kwargs.setdefault("eval_every", max(1, steps // max(1, cfg.curve_points)))
    agent = train(inst.env_id, algo="ppo", timesteps=steps, seed=task.seed, overrides=dict(inst.overrides), **kwargs)
    out = _score(agent.policy(), params, cfg)
    out.update(
        method="PPO (stable-baselines3)",
        policy={
            "train_horizon": agent.config.train_horizon,
            "gamma": agent.config.gamma,
            "action": agent.config.action,
            **({"random_start": True} if agent.config.random_start else {}),
        },
        train_steps=int(agent.model.num_timesteps),
        curve=agent.curve,
        train_time=agent.train_time,
    )
    return out


def native_ppo_config(task: Task, cfg: BenchmarkConfig) -> Any:
    """The native PPO settings of a task: ``NativePPOConfig`` defaults, the run's budget, the task's seed."""
    from agents.native_ppo import NativePPOConfig

    return NativePPOConfig(timesteps=int(cfg.native_ppo_timesteps), seed=task.seed)


def row_native_ppo(task: Task, params: InventoryParams, cfg: BenchmarkConfig) -> dict[str, Any]:
    """The native PPO (:func:`agents.native_ppo.train`) for one seed, its greedy policy scored."""
    from agents.native_ppo import train

    inst = INSTANCES[task.instance]
    agent = train(inst.env_id, native_ppo_config(task, cfg), overrides=dict(inst.overrides))
    out = _score(agent.policy(), params, cfg)
    out.update(
        method="native PPO (agents.native_ppo, NativePPOConfig defaults)",
        policy={"action": agent.config.action, "batch": agent.config.batch_size, "horizon": agent.config.horizon},
        train_steps=int(agent.timesteps),
        train_time=agent.train_time,
    )
    return out


def pathwise_config(task: Task, cfg: BenchmarkConfig) -> Any:
    """The pathwise settings of a task: ``PathwiseConfig`` defaults, a CPU-time limit, the cap, the seed."""
    from agents.pathwise import PathwiseConfig

    return PathwiseConfig(
        iterations=int(cfg.pathwise_iterations),
        time_limit=float(cfg.pathwise_time_limit),
        clock="cpu",
        seed=task.seed,
    )


def row_pathwise(task: Task, params: InventoryParams, cfg: BenchmarkConfig) -> dict[str, Any]:
    """The pathwise-gradient learner (:func:`agents.pathwise.train_pathwise`) for one seed, scored.

    ``train_steps`` counts the simulated training periods (gradient steps x paths
    x periods per path); the gradient steps run and the CPU seconds are in ``policy``.
    """
    from agents.pathwise import pathwise_unsupported, train_pathwise

    reason = pathwise_unsupported(params)
    if reason is not None:
        return {"status": "n/a", "method": reason}
    config = pathwise_config(task, cfg)
    policy = train_pathwise(params, config)
    last = policy.history[-1]
    horizon = params.horizon if params.finite_horizon else config.horizon
    out = _score(policy, params, cfg)
    out.update(
        method="pathwise gradients (agents.pathwise, PathwiseConfig defaults, CPU-time limit)",
        policy={"iterations": last.iteration, "cpu_s": round(last.cpu_seconds, 1)},
        train_steps=int(last.iteration * config.batch_size * horizon),
        train_time=policy.train_time,
    )
    return out


#: Row type -> function(task, params, cfg) -> result dict.
ROW_FUNCTIONS: dict[str, Callable[[Task, InventoryParams, BenchmarkConfig], dict[str, Any]]] = {
    "optimum": row_optimum,
    "heuristic": row_heuristic,
    "bandit": row_bandit,
    "ppo": row_ppo,
    "native_ppo": row_native_ppo,
    "pathwise": row_pathwise,
}


_ROW_SETTINGS = {
    "optimum": (),
    "heuristic": ("search_",),
    "bandit": ("bandit_",),
    "ppo": ("ppo_", "curve_"),
    "native_ppo": ("native_ppo_",),
    "pathwise": ("pathwise_",),
}


def _fingerprint(task: Task, cfg: BenchmarkConfig) -> str:
    inst = INSTANCES[task.instance]
    prefixes = ("eval_",) + _ROW_SETTINGS.get(task.agent, ())
    settings = {k: v for k, v in cfg.task_settings().items() if k.startswith(prefixes)}
    # the learners' defaults are part of a learned task's result: changing them
    # reruns the task instead of reusing a stale one
    if task.agent == "ppo":
        # the per-id training defaults and the budget cap
        from agents.ppo import ALGO_DEFAULTS, ENV_DEFAULTS

        settings["ppo_defaults"] = {"algo": ALGO_DEFAULTS["ppo"], "env": ENV_DEFAULTS.get(inst.env_id, {})}
        settings["ppo_steps"] = ppo_timesteps(inst.env_id, cfg)
    elif task.agent == "native_ppo":
        from agents.native_ppo import default_action

        settings["native_ppo_config"] = asdict(native_ppo_config(task, cfg))
        settings["native_ppo_action"] = default_action(inst.params())
    elif task.agent == "pathwise":
        settings["pathwise_config"] = pathwise_config(task, cfg).to_dict()
    blob = json.dumps(
        {"task": asdict(task), "instance": asdict(inst), "settings": settings}, sort_keys=True, default=str
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _task_path(cfg: BenchmarkConfig, task: Task) -> str:
    return os.path.join(cfg.out, "tasks", task.key + ".json")


def _write_json_atomic(path: str, obj: Any) -> None:
    write_json(to_jsonable(obj), path)


def load_result(cfg: BenchmarkConfig, task: Task) -> dict[str, Any] | None:
    """A task's stored result, or None if absent, unreadable or made with other settings."""
    path = _task_path(cfg, task)
    try:
        with open(path) as fh:
            res = json.load(fh)
    except (OSError, ValueError):
        return None
    return res if res.get("fingerprint") == _fingerprint(task, cfg) else None


def is_finished(cfg: BenchmarkConfig, task: Task) -> bool:
    """True when the task has a stored result with status ``ok`` or ``n/a``."""
    res = load_result(cfg, task)
    return res is not None and res.get("status") in ("ok", "n/a")


def run_task(task: Task, cfg: BenchmarkConfig) -> dict[str, Any]:
    """Run one task, never raising: errors are recorded. Writes its JSON atomically."""
    t0 = time.perf_counter()
    base = {"task": asdict(task), "key": task.key, "row": task.row, "fingerprint": _fingerprint(task, cfg)}
    try:
        params = INSTANCES[task.instance].params()
        res = ROW_FUNCTIONS[task.agent](task, params, cfg)
        res.setdefault("status", "ok")
    except Exception as exc:  # recorded, reported in the table; the other tasks go on
        res = {"status": "error", "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    res.update(base)
    res["wall_time"] = time.perf_counter() - t0
    _write_json_atomic(_task_path(cfg, task), res)
    return res


def _run_one(task: Task, cfg: BenchmarkConfig) -> dict[str, Any]:
    # worker entry point: keep each worker to one torch/BLAS thread
    try:
        import torch

        torch.set_num_threads(1)
    except Exception:  # pragma: no cover - torch is a dependency
        pass
    return run_task(task, cfg)


def execute(tasks: Sequence[Task], cfg: BenchmarkConfig, progress: bool = False) -> list[dict[str, Any]]:
    """Run tasks on the configured backend; return their results (in order)."""
    if not tasks:
        return []
    if cfg.backend == "dask":
        from distributed import Client, as_completed

        client = cfg.scheduler if isinstance(cfg.scheduler, Client) else Client(cfg.scheduler)
        try:
            futures = [
                client.submit(_run_one, t, cfg, key=f"inv-gym-{t.key}-{_fingerprint(t, cfg)}", pure=False)
                for t in tasks
            ]
            done: dict[str, dict[str, Any]] = {}
            for fut in as_completed(futures):
                try:
                    r = fut.result()
                except Exception as exc:  # a lost worker: record, go on
                    t = tasks[futures.index(fut)]
                    r = {
                        "status": "error",
                        "error": f"{type(exc).__name__}: {exc}",
                        "key": t.key,
                        "row": t.row,
                        "task": asdict(t),
                    }
                done[r["key"]] = r
                if progress:
                    print(f"  done {r['key']}: {r['status']}", flush=True)
            return [done[t.key] for t in tasks]
        finally:
            if not isinstance(cfg.scheduler, Client):
                client.close()
    from joblib import Parallel, delayed

    n_jobs = cfg.n_jobs if cfg.n_jobs != 0 else 1
    if n_jobs == 1 or len(tasks) == 1:
        out = []
        for t in tasks:
            out.append(_run_one(t, cfg))
            if progress:
                print(f"  done {t.key}: {out[-1]['status']}", flush=True)
        return out
    return list(
        Parallel(n_jobs=n_jobs, backend="loky", verbose=10 if progress else 0)(delayed(_run_one)(t, cfg) for t in tasks)
    )


# ---------------------------------------------------------------------------
# summaries


def _t_ci(values: Sequence[float]) -> tuple[float, float, float]:
    from inv_gym.evaluation import mean_ci

    ci = mean_ci(np.asarray(values, dtype=float))
    return ci.mean, ci.ci_low, ci.ci_high


def summarize(cfg: BenchmarkConfig, results: Sequence[dict[str, Any]]) -> Any:
    """One row per instance and agent row (PPO aggregated over seeds) as a DataFrame."""
    import pandas as pd

    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault((r["task"]["instance"], r["row"]), []).append(r)
    rows = []
    for (inst, row), rs in groups.items():
        ok = [r for r in rs if r.get("status") == "ok"]
        errors = [r for r in rs if r.get("status") == "error"]
        rec: dict[str, Any] = {"instance": inst, "env_id": INSTANCES[inst].env_id, "agent": row, "runs": len(ok)}
        if not ok:
            na = [r for r in rs if r.get("status") == "n/a"]
            rec["status"] = "error" if errors else ("n/a" if na else "missing")
            rec["note"] = errors[0]["error"] if errors else (na[0].get("method", "") if na else "")
            rows.append(rec)
            continue
        costs = [r["cost"] for r in ok]
        if len(ok) == 1:
            rec.update(cost=ok[0]["cost"], cost_ci_low=ok[0]["cost_ci_low"], cost_ci_high=ok[0]["cost_ci_high"])
        else:
            m, lo, hi = _t_ci(costs)
            rec.update(cost=m, cost_ci_low=lo, cost_ci_high=hi)
        rec["fill_rate"] = float(np.mean([r["fill_rate"] for r in ok]))
        rec["train_steps"] = int(np.mean([r.get("train_steps", 0) for r in ok]))
        rec["wall_time"] = float(np.mean([r["wall_time"] for r in ok]))
        rec["exact_cost"] = ok[0].get("exact_cost")
        rec["literature_cost"] = ok[0].get("literature_cost")
        pol = ok[0].get("policy")
        rec["policy"] = json.dumps(pol, sort_keys=True) if isinstance(pol, dict) else (pol or "")
        rec["method"] = ok[0].get("method", "")
        rec["status"] = "ok" if not errors else f"ok ({len(errors)} failed)"
        rec["note"] = errors[0]["error"] if errors else ""
        rec["seed_costs"] = json.dumps([round(c, 4) for c in costs]) if row in LEARNED_ROWS else ""
        rows.append(rec)
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    for col in (
        "cost",
        "cost_ci_low",
        "cost_ci_high",
        "fill_rate",
        "train_steps",
        "wall_time",
        "exact_cost",
        "literature_cost",
    ):
        if col not in df:
            df[col] = np.nan
    df["reference"] = ""
    df["gap_pct"] = np.nan
    for _inst, sub in df.groupby("instance"):
        opt = sub[(sub.agent == "optimum") & sub.cost.notna()]
        if len(opt):
            ref, label = float(opt.cost.iloc[0]), "optimum"
        else:
            classical = sub[sub.agent.str.startswith(("heuristic", "bandit")) & sub.cost.notna()]
            if not len(classical):
                continue
            ref, label = float(classical.cost.min()), "best classical"
        idx = sub.index
        df.loc[idx, "reference"] = label
        df.loc[idx, "gap_pct"] = (df.loc[idx, "cost"] - ref) / abs(ref) * 100 if ref != 0 else np.nan
    order = {n: i for i, n in enumerate(cfg.instances)}
    agent_order = {"optimum": 0, "heuristic": 1, "bandit": 2, **{a: 3 + i for i, a in enumerate(LEARNED_ROWS)}}
    df["_o1"] = df.instance.map(order)
    df["_o2"] = df.agent.map(lambda a: agent_order.get(a.split(":")[0], 9))
    return df.sort_values(["_o1", "_o2", "agent"]).drop(columns=["_o1", "_o2"]).reset_index(drop=True)


def _fmt(x: Any, nd: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    return f"{x:.{nd}f}"


def markdown_table(df: Any, label: str = "") -> str:
    """The summary as a Markdown table."""
    lines = []
    if label:
        lines += [f"Command: `{label}`", ""]
    lines.append(
        "| instance | agent | cost/period [95% CI] | fill rate | gap % | exact | training steps | wall s | policy / note |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for _, r in df.iterrows():
        if r.get("status", "ok").startswith("ok"):
            cost = f"{_fmt(r.cost)} [{_fmt(r.cost_ci_low)}, {_fmt(r.cost_ci_high)}]"
            exact = _fmt(r.exact_cost) if r.exact_cost is not None and not _isnan(r.exact_cost) else ""
            if r.get("literature_cost") is not None and not _isnan(r.literature_cost):
                exact += f" (lit. {r.literature_cost:.2f})"
            note = str(r.get("policy", ""))
            if r.get("note"):
                note += f" {r.note}"
            gap = _fmt(r.gap_pct, 2)
            if r.get("reference") == "best classical" and gap:
                gap += "*"
            lines.append(
                f"| {r.instance} | {r.agent} | {cost} | {_fmt(r.fill_rate)} | {gap} | {exact} | "
                f"{int(r.train_steps) if not _isnan(r.train_steps) else ''} | {_fmt(r.wall_time, 1)} | {note.replace('|', '/')} |"
            )
        else:
            lines.append(
                f"| {r.instance} | {r.agent} | {r.status} | | | | | | {str(r.get('note', '')).replace('|', '/')[:160]} |"
            )
    lines += [
        "",
        "Cost per period is net of revenue (minus the profit for the newsvendor). Gap % is to the optimum's",
        "simulated cost on the same draws; * marks a gap to the best classical row where no exact method exists.",
    ]
    return "\n".join(lines) + "\n"


def _isnan(x: Any) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def write_outputs(cfg: BenchmarkConfig, results: Sequence[dict[str, Any]]) -> Any:
    """Write results.csv, table.csv, table.md and the plots; return the summary DataFrame."""
    import pandas as pd

    os.makedirs(cfg.out, exist_ok=True)
    flat = []
    for r in results:
        flat.append(
            {
                "key": r.get("key"),
                "instance": r["task"]["instance"],
                "agent": r.get("row"),
                "seed": r["task"]["seed"],
                "status": r.get("status"),
                "cost": r.get("cost"),
                "cost_ci_low": r.get("cost_ci_low"),
                "cost_ci_high": r.get("cost_ci_high"),
                "fill_rate": r.get("fill_rate"),
                "exact_cost": r.get("exact_cost"),
                "train_steps": r.get("train_steps"),
                "wall_time": r.get("wall_time"),
                "error": r.get("error", ""),
            }
        )
    write_csv(pd.DataFrame(flat), os.path.join(cfg.out, "results.csv"))
    df = summarize(cfg, results)
    write_csv(df, os.path.join(cfg.out, "table.csv"))
    atomic_write_text(os.path.join(cfg.out, "table.md"), markdown_table(df, cfg.label))
    try:
        plot_gaps(df, os.path.join(cfg.out, "gap.png"))
        plot_curves(df, results, os.path.join(cfg.out, "curves"))
    except Exception as exc:  # plots are a convenience: never lose the tables
        print(f"plots skipped: {type(exc).__name__}: {exc}")
    return df


def plot_gaps(df: Any, path: str) -> None:
    """Grouped bars: gap % per instance and agent row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = df[df.gap_pct.notna() & (df.agent != "optimum")]
    if d.empty:
        return
    insts = list(dict.fromkeys(d.instance))
    agents = list(dict.fromkeys(d.agent))
    width = 0.8 / max(1, len(agents))
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(insts) + 2), 4))
    for j, a in enumerate(agents):
        sub = d[d.agent == a].set_index("instance")
        xs = [i + j * width for i, n in enumerate(insts) if n in sub.index]
        ys = [float(sub.loc[n, "gap_pct"]) for n in insts if n in sub.index]
        ax.bar(xs, ys, width, label=a)
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(insts))])
    ax.set_xticklabels(insts, rotation=45, ha="right")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_ylabel("gap to optimum (%)\n(best classical row where no optimum)")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    save_figure(fig, path, dpi=120)


def plot_curves(df: Any, results: Sequence[dict[str, Any]], directory: str) -> None:
    """Per instance: PPO cost against timesteps (each seed) and the baselines' costs as lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(directory, exist_ok=True)
    for inst in dict.fromkeys(r["task"]["instance"] for r in results):
        runs = [r for r in results if r["task"]["instance"] == inst and r.get("row") == "ppo" and r.get("curve")]
        if not runs:
            continue
        fig, ax = plt.subplots(figsize=(6, 4))
        for r in runs:
            c = r["curve"]
            ax.plot(
                [p["timesteps"] for p in c],
                [p["cost_per_period"] for p in c],
                marker=".",
                label=f"PPO seed {r['task']['seed']}",
            )
        sub = df[(df.instance == inst) & (df.agent != "ppo") & df.cost.notna()]
        styles = ["--", ":", "-.", (0, (5, 1))]
        for k, (_, row) in enumerate(sub.iterrows()):
            ax.axhline(row.cost, ls=styles[k % len(styles)], color=f"C{k + 3}", label=row.agent)
        ax.set_xlabel("training timesteps")
        ax.set_ylabel("cost per period")
        ax.set_title(inst)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
        save_figure(fig, os.path.join(directory, f"{inst}.png"), dpi=110)


def run_benchmark(cfg: BenchmarkConfig, *, progress: bool = False) -> Any:
    """Run (or resume) a benchmark and write its outputs; return the summary DataFrame.

    Finished tasks (same settings) are read back, not rerun.
    """
    tasks = make_tasks(cfg)
    stored = {t.key: load_result(cfg, t) for t in tasks}
    todo = [t for t in tasks if not (stored[t.key] and stored[t.key].get("status") in ("ok", "n/a"))]
    if progress:
        print(
            f"{len(tasks)} tasks, {len(tasks) - len(todo)} already finished, {len(todo)} to run ({cfg.backend})",
            flush=True,
        )
    fresh = {r["key"]: r for r in execute(todo, cfg, progress=progress)}
    results = [fresh.get(t.key) or stored[t.key] for t in tasks]
    return write_outputs(cfg, [r for r in results if r is not None])


def main(cfg: BenchmarkConfig | None = None) -> Any:
    """Run the quick benchmark (or ``cfg``)."""
    return run_benchmark(cfg or quick_config(), progress=True)
