"""The pathwise (HDPO-style) learner on Zipkin's (2008) lost-sales grid, against DP and capped base stock.

For every instance (Poisson(5), h = 1, lost sales, L in 1..4, p in 4, 9, 19, 39):

1. train :func:`agents.pathwise.train_pathwise` with a fixed seed and budget
   (wall time measured);
2. solve the instance exactly (:func:`inv_gym.analytic.dp.solve_dp`: the optimum g*
   and its policy table);
3. find the best capped base stock q = min(cap, (S - IP)^+) by grid search
   (S = 0..60, cap = 1..20; 100 x 2,000 periods, search seed 11);
4. score the learned policy, the DP policy and the capped base stock on the kernel
   (:func:`inv_gym.evaluation.evaluate`) on the same draws (common random numbers,
   ``--reps`` x ``--horizon`` periods after 200 warm-up periods, seed 777: draws
   neither training nor validation saw).

The gap of a policy is its paired cost difference to the DP policy on those draws,
divided by g*: (C_pi - C_dp) / g*, with a 95% CI over replications (Student t).
Pairing removes most of the simulation noise that an absolute comparison of two
costs would leave.

Each instance's result is written to ``--out/<instance>.json`` as soon as it is
done (atomically; an existing file is skipped, so a stopped run resumes) and the
table to ``--out/table.md``.

Run the whole grid (about 16 x 10 minutes on 2 cores)::

    python benchmarks/bench_pathwise.py --all --out results/pathwise

or some instances: ``--instances L1-p4 L4-p39``. Budget options: ``--iterations``,
``--time-limit`` (seconds per instance), ``--batch-size``, ``--seed``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from typing import Any

import numpy as np
from scipy import stats

from agents.base import as_policy
from agents.heuristics import CappedBaseStock
from agents.pathwise import PathwiseConfig, train_pathwise
from agents.search import grid_search
from inv_gym.analytic.dp import solve_dp
from inv_gym.evaluation import evaluate
from inv_gym.presets import preset_params

GRID = [f"L{lead}-p{p}" for p in (4, 9, 19, 39) for lead in (1, 2, 3, 4)]
SEARCH_SEED, SCORE_SEED, SCORE_WARMUP = 11, 777, 200


def paired_gap(cost: np.ndarray, base: np.ndarray, scale: float) -> tuple[float, float, float]:
    """Mean of (cost - base) / scale over replications with its 95% CI (Student t)."""
    d = (np.asarray(cost) - np.asarray(base)) / scale
    half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)


def _config(args: argparse.Namespace) -> PathwiseConfig:
    """The learner's settings from the command line (the rest at their defaults)."""
    return PathwiseConfig(
        iterations=args.iterations,
        time_limit=args.time_limit,
        clock=args.clock,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        threads=args.threads,
    )


def run_instance(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Train, solve, search and score one instance; the result row."""
    lead, p = (int(x[1:]) for x in name.split("-"))
    params = preset_params("inv_gym/LostSales-v0", lead_time=lead, lost_sales_cost=float(p))
    config = _config(args)
    load_start, c_start = os.getloadavg()[0], time.process_time()
    t0 = time.perf_counter()
    policy = train_pathwise(params, config)
    train_time = time.perf_counter() - t0
    t1 = time.perf_counter()
    dp = solve_dp(params)
    dp_time = time.perf_counter() - t1
    search = grid_search(
        "capped_base_stock", "S=0:60,cap=1:20", params, reps=100, horizon=2000, warmup=100, seed=SEARCH_SEED,
        progress=False,
    )  # fmt: skip
    capped = CappedBaseStock(float(search.best["S"]), float(search.best["cap"]))
    score = dict(reps=args.reps, horizon=args.horizon, warmup=SCORE_WARMUP, seed=SCORE_SEED)
    costs = {
        key: evaluate(pol, params, **score).per_replication["cost_per_period"]
        for key, pol in (("pathwise", policy), ("dp", as_policy(dp.policy(), params)), ("capped", capped))
    }
    g = dp.average_cost
    gap, gap_lo, gap_hi = paired_gap(costs["pathwise"], costs["dp"], g)
    cgap, cgap_lo, cgap_hi = paired_gap(costs["capped"], costs["dp"], g)
    return {
        "instance": name,
        "lead_time": lead,
        "lost_sales_cost": p,
        "dp_optimum": g,
        "dp_seconds": dp_time,
        "pathwise_cost": float(costs["pathwise"].mean()),
        "dp_policy_cost": float(costs["dp"].mean()),
        "capped_cost": float(costs["capped"].mean()),
        "gap_pct": 100 * gap,
        "gap_ci_pct": [100 * gap_lo, 100 * gap_hi],
        "capped_gap_pct": 100 * cgap,
        "capped_gap_ci_pct": [100 * cgap_lo, 100 * cgap_hi],
        "capped": {"S": capped.S, "cap": float(capped.cap)},
        "train_seconds": train_time,
        "train_cpu_seconds": policy.history[-1].cpu_seconds if policy.history else 0.0,
        "iterations_run": policy.history[-1].iteration if policy.history else 0,
        "config": config.to_dict(),
        "score": score,
        "host": {"cpus": os.cpu_count(), "python": platform.python_version()},
        **_totals(t0, c_start, load_start),
    }


def _totals(t0: float, c0: float, load_start: float) -> dict[str, Any]:
    """Wall and CPU seconds of the whole row (training, solving, search, scoring) and the load average."""
    return {
        "total_seconds": time.perf_counter() - t0,
        "total_cpu_seconds": time.process_time() - c0,
        "load_average": [load_start, os.getloadavg()[0]],
    }


#: Suite ids with an exact optimum (``inv_gym.analytic.solve``).
SUITE_WITH_OPTIMUM = ("Newsvendor", "EOQ", "BaseStock", "Qr", "LostSales", "Perishable")


def run_suite_id(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Train on a suite id at its preset and score it against the exact optimal policy (paired)."""
    from agents.analytical import optimal_policy

    env_id = f"inv_gym/{name}-v0"
    params = preset_params(env_id)
    config = _config(args)
    load_start, c_start = os.getloadavg()[0], time.process_time()
    t0 = time.perf_counter()
    policy = train_pathwise(params, config)
    train_time = time.perf_counter() - t0
    solution, best = optimal_policy(params)
    if params.finite_horizon:
        score: dict[str, Any] = dict(reps=max(args.reps, 2) * 100, seed=SCORE_SEED)
    else:
        score = dict(reps=args.reps, horizon=args.horizon, warmup=SCORE_WARMUP, seed=SCORE_SEED)
    ours = evaluate(policy, params, **score).per_replication["reward_per_period"]
    theirs = evaluate(best, params, **score).per_replication["reward_per_period"]
    g = float(solution.average_cost)
    gap, lo, hi = paired_gap(-ours, -theirs, abs(g))
    return {
        "instance": name,
        "env_id": env_id,
        "optimum": g,
        "method": solution.method,
        "pathwise_cost": float(-ours.mean()),
        "optimal_policy_cost": float(-theirs.mean()),
        "gap_pct": 100 * gap,
        "gap_ci_pct": [100 * lo, 100 * hi],
        "train_seconds": train_time,
        "train_cpu_seconds": policy.history[-1].cpu_seconds if policy.history else 0.0,
        "iterations_run": policy.history[-1].iteration if policy.history else 0,
        "config": config.to_dict(),
        "score": score,
        **_totals(t0, c_start, load_start),
    }


def suite_table(rows: list[dict[str, Any]]) -> str:
    """The Markdown table of the suite ids."""
    head = "| id | optimum (method) | pathwise gap % [95% CI] | <= 0.5% | steps | train s wall / CPU |\n|---|---|---|---|---|---|\n"
    lines = [
        f"| {r['instance']} | {r['optimum']:.4f} ({r['method']}) | {r['gap_pct']:.2f} "
        f"[{r['gap_ci_pct'][0]:.2f}, {r['gap_ci_pct'][1]:.2f}] | {'yes' if r['gap_pct'] <= 0.5 else 'no'} | "
        f"{r['iterations_run']} | {r['train_seconds']:.0f} / {r.get('train_cpu_seconds', 0.0):.0f} |"
        for r in rows
    ]
    return head + "\n".join(lines) + "\n"


def table(rows: list[dict[str, Any]]) -> str:
    """The Markdown results table."""
    head = (
        "| instance | DP optimum g* | pathwise gap % [95% CI] | capped base stock gap % [95% CI] | "
        "below capped | <= 0.25% | steps | train s wall / CPU |\n|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for r in rows:
        lo, hi = r["gap_ci_pct"]
        clo, chi = r["capped_gap_ci_pct"]
        lines.append(
            f"| {r['instance']} | {r['dp_optimum']:.4f} | {r['gap_pct']:.2f} [{lo:.2f}, {hi:.2f}] | "
            f"{r['capped_gap_pct']:.2f} [{clo:.2f}, {chi:.2f}] | {'yes' if r['gap_pct'] < r['capped_gap_pct'] else 'no'} | "
            f"{'yes' if r['gap_pct'] <= 0.25 else 'no'} | {r['iterations_run']} | {r['train_seconds']:.0f} / {r.get('train_cpu_seconds', 0.0):.0f} |"
        )
    return head + "\n".join(lines) + "\n"


def _write(path: str, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", nargs="+", default=["L1-p4", "L2-p4", "L1-p39", "L2-p39", "L4-p39"], choices=GRID)
    ap.add_argument("--all", action="store_true", help="the whole 16-instance grid")
    ap.add_argument("--suite", nargs="*", default=None, choices=SUITE_WITH_OPTIMUM, help="suite ids instead")
    ap.add_argument("--out", default="results/pathwise", help="directory of the per-instance JSON and table.md")
    ap.add_argument("--iterations", type=int, default=5000, help="gradient steps per instance (default 5000)")
    ap.add_argument("--time-limit", type=float, default=540.0, help="training seconds per instance (default 540)")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="cpu", help="what --time-limit counts (default cpu)")
    ap.add_argument("--batch-size", type=int, default=1024)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    ap.add_argument("--reps", type=int, default=500, help="scoring replications (default 500)")
    ap.add_argument("--horizon", type=int, default=2000, help="scoring periods per replication (default 2000)")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    if args.suite is not None:
        return run_many(args, [f"suite-{n}" for n in args.suite or SUITE_WITH_OPTIMUM], "suite.md")
    return run_many(args, GRID if args.all else args.instances, "table.md")


def run_many(args: argparse.Namespace, names: list[str], table_name: str) -> list[dict[str, Any]]:
    """Run (or reload) every named instance; write and print the table."""
    suite = table_name == "suite.md"
    rows = []
    render = suite_table if suite else table
    for name in names:
        path = os.path.join(args.out, f"{name}.json")
        if os.path.exists(path):
            with open(path) as fh:
                rows.append(json.load(fh))
            continue
        row = run_suite_id(name.split("-", 1)[1], args) if suite else run_instance(name, args)
        _write(path, json.dumps(row, indent=2))
        rows.append(row)
        print(render([row]).splitlines()[-1], flush=True)
    if not suite:
        rows.sort(key=lambda r: (r["lost_sales_cost"], r["lead_time"]))
    _write(os.path.join(args.out, table_name), render(rows))
    print(render(rows))
    return rows


if __name__ == "__main__":
    main()
