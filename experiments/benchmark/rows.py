"""The benchmark's rows: one function per row type, ``(task, params, cfg) -> result dict``.

Each scores its policy with :func:`score` on the run's common draws (one
evaluation seed for every row); the package docstring says what each row is.
On a serial chain (:class:`~inv_gym.serial.params.SerialParams`) each row
function hands the task to its counterpart in :mod:`.serial`, which scores with
the chain's evaluator; SB3 PPO (``ppo``) does not run on chains.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from experiments.benchmark import serial
from experiments.benchmark.config import ROW_TYPES, BenchmarkConfig
from experiments.benchmark.instances import BANDIT_ARMS, HEURISTICS, INSTANCES, ZIPKIN_OPTIMA
from experiments.benchmark.tasks import Task, learner_unsupported, native_ppo_config, pathwise_config, ppo_timesteps
from inv_gym.params import InventoryParams
from inv_gym.serial.params import SerialParams

#: The parameters of an instance: one item, or a serial chain (the rows of :mod:`.serial`).
Params = InventoryParams | SerialParams

__all__ = [
    "exact_solution",
    "score",
    "row_optimum",
    "row_heuristic",
    "row_bandit",
    "row_ppo",
    "row_native_ppo",
    "row_pathwise",
    "ROW_FUNCTIONS",
]


def _eval_settings(params: InventoryParams, cfg: BenchmarkConfig) -> dict[str, Any]:
    if params.finite_horizon:
        return dict(
            reps=max(cfg.eval_reps, 1000) if params.horizon == 1 else cfg.eval_reps, horizon=params.horizon, warmup=0
        )
    return dict(reps=cfg.eval_reps, horizon=cfg.eval_horizon, warmup=cfg.eval_warmup)


def score(policy: Any, params: InventoryParams, cfg: BenchmarkConfig) -> dict[str, Any]:
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
            fixed_order_cost=params.fixed_order_cost,
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


def row_optimum(task: Task, params: Params, cfg: BenchmarkConfig) -> dict[str, Any]:
    """The exact optimum (see :func:`exact_solution`; a chain's: Clark-Scarf), scored on the common draws."""
    if isinstance(params, SerialParams):
        return serial.row_serial_optimum(task, params, cfg)
    sol = exact_solution(params)
    if sol is None:
        return {"status": "n/a", "method": "no exact method for this instance"}
    out = score(sol["policy"], params, cfg)
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


def row_heuristic(task: Task, params: Params, cfg: BenchmarkConfig) -> dict[str, Any]:
    """Best policy of a family by grid search with common random numbers."""
    if isinstance(params, SerialParams):
        return serial.row_serial_heuristic(task, params, cfg)
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
    out = score(parse_policy(spec), params, cfg)
    out.update(
        method=f"grid search {task.family} {grid}",
        policy=spec,
        train_steps=int(len(res.table) * reps * (horizon + warmup)),
    )
    return out


def row_bandit(task: Task, params: Params, cfg: BenchmarkConfig) -> dict[str, Any]:
    """The pick of an epsilon-greedy bandit over a grid of policies."""
    if isinstance(params, SerialParams):
        return serial.row_serial_bandit(task, params, cfg)
    from agents.bandit import EpsilonGreedy, PolicyArms, run_bandit

    family, grid = BANDIT_ARMS[INSTANCES[task.instance].env_id]
    arms = PolicyArms(family, grid)
    bandit = EpsilonGreedy(arms.n_arms, epsilon=cfg.bandit_epsilon, runs=1, seed=task.seed)
    horizon = params.horizon if params.finite_horizon else cfg.bandit_horizon
    run = run_bandit(arms, bandit, params, iterations=cfg.bandit_iterations, horizon=horizon, seed=1000 + task.seed)
    pick = int(run.best_arm_index())
    out = score(arms.policy(pick), params, cfg)
    out.update(
        method=f"epsilon-greedy (epsilon {cfg.bandit_epsilon:g}) over {arms.n_arms} {family} arms {grid}",
        policy=arms.arm(pick),
        train_steps=int(cfg.bandit_iterations * horizon),
    )
    return out


def row_ppo(task: Task, params: Params, cfg: BenchmarkConfig) -> dict[str, Any]:
    """PPO trained with :func:`agents.ppo.train` for one seed (``n/a`` on a serial chain: never scheduled there)."""
    if isinstance(params, SerialParams):
        return {"status": "n/a", "method": "stable-baselines3 PPO does not run on serial chains (native_ppo does)"}
    from agents.ppo import train

    inst = INSTANCES[task.instance]
    steps = ppo_timesteps(inst.env_id, cfg)
    kwargs = dict(cfg.ppo_kwargs)
    kwargs.setdefault("eval_every", max(1, steps // max(1, cfg.curve_points)))
    agent = train(inst.env_id, algo="ppo", timesteps=steps, seed=task.seed, overrides=dict(inst.overrides), **kwargs)
    out = score(agent.policy(), params, cfg)
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


def _score_learned(policy: Any, params: Params, cfg: BenchmarkConfig) -> dict[str, Any]:
    """A learner's policy scored on the common draws: :func:`score`, or a chain's :func:`~.serial.score_serial`."""
    if isinstance(params, SerialParams):
        return serial.score_serial(policy, params, cfg)
    return score(policy, params, cfg)


def row_native_ppo(task: Task, params: Params, cfg: BenchmarkConfig) -> dict[str, Any]:
    """The native PPO (:func:`agents.native_ppo.train`) for one seed, its greedy policy scored.

    A serial chain: trained on its :class:`SerialParams` (``n/a`` with the reason if the
    native PPO does not cover chains, :func:`~.tasks.learner_unsupported`).
    """
    from agents.native_ppo import train

    if isinstance(params, SerialParams):
        reason = learner_unsupported("native_ppo", params)
        if reason is not None:
            return {"status": "n/a", "method": reason}
        agent = train(params, native_ppo_config(task, cfg))
    else:
        inst = INSTANCES[task.instance]
        agent = train(inst.env_id, native_ppo_config(task, cfg), overrides=dict(inst.overrides))
    out = _score_learned(agent.policy(), params, cfg)
    out.update(
        method="native PPO (agents.native_ppo, NativePPOConfig defaults)",
        policy={"action": agent.config.action, "batch": agent.config.batch_size, "horizon": agent.config.horizon},
        train_steps=int(agent.timesteps),
        train_time=agent.train_time,
    )
    return out


def row_pathwise(task: Task, params: Params, cfg: BenchmarkConfig) -> dict[str, Any]:
    """The pathwise-gradient learner (:func:`agents.pathwise.train_pathwise`) for one seed, scored.

    ``train_steps`` counts the simulated training periods (gradient steps x paths
    x periods per path); the gradient steps run and the CPU seconds are in ``policy``.
    A serial chain is trained on its :class:`SerialParams` (its episodes are
    ``config.horizon`` periods) where :func:`agents.pathwise.pathwise_unsupported` allows.
    """
    from agents.pathwise import pathwise_unsupported, step_size, train_pathwise

    reason = pathwise_unsupported(params)
    if reason is not None:
        return {"status": "n/a", "method": reason}
    config = pathwise_config(task, cfg)
    policy = train_pathwise(params, config)
    last = policy.history[-1]
    paths, horizon = step_size(params, config)
    out = _score_learned(policy, params, cfg)
    out.update(
        method="pathwise gradients (agents.pathwise, PathwiseConfig defaults, a budget of gradient steps)",
        policy={"iterations": last.iteration, "cpu_s": round(last.cpu_seconds, 1)},
        train_steps=int(last.iteration * paths * horizon),
        train_time=policy.train_time,
    )
    return out


#: Row type -> function(task, params, cfg) -> result dict.
ROW_FUNCTIONS: dict[str, Callable[[Task, Params, BenchmarkConfig], dict[str, Any]]] = {
    "optimum": row_optimum,
    "heuristic": row_heuristic,
    "bandit": row_bandit,
    "ppo": row_ppo,
    "native_ppo": row_native_ppo,
    "pathwise": row_pathwise,
}


assert tuple(ROW_FUNCTIONS) == ROW_TYPES
