"""Policy evaluation and grid search throughput, side by side in one run (issue 3).

1. Evaluate an (s, S) policy on ``inv_gym/Qr-v0`` over 1,000 replications x 365
   periods with :func:`inv_gym.evaluation.evaluate` (target <= 0.1 s), and the
   same rules as a plain-Python loop over the same draws (target: the evaluator
   >= 100x faster). Both give the same cost.
2. The full (s, S) grid 0 <= s < S <= 80 (3,240 policies) x 200 replications x
   365 periods with common random numbers through :func:`agents.search.grid_search`
   (target <= 60 s on 2 cores), serially and with 2 workers (threads and processes).

The results table replaces the "Policies and evaluation" section of
``docs/benchmarks.md`` (other sections are kept).

Run: ``python benchmarks/bench_evaluation.py [--repeats 5] [--no-grid] [--no-write]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time

import numpy as np

from agents.heuristics import SS
from agents.search import grid_search
from inv_gym.envs.streams import draw_paths
from inv_gym.evaluation import evaluate
from inv_gym.presets import preset_params

ENV_ID = "inv_gym/Qr-v0"
S_LOW, S_HIGH = 6, 40
REPS, HORIZON = 1000, 365
GRID, GRID_REPS = "s=0:79,S=1:80", 200
TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "tests")
DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "docs", "benchmarks.md")
HEADING = "## Policies and evaluation"


def reference_loop_ss(params, demand: np.ndarray, lead: np.ndarray, s: float, S: float) -> list[float]:
    """(s, S) through ``tests/reference.py``: the model's period rules in plain Python, one system at a time.

    The policy reads the reference observation (inventory position = inventory + pipeline)
    and orders S - IP when IP <= s, clipped to ``max_order``. Returns the cost per period
    of each replication.
    """
    sys.path.insert(0, os.path.abspath(TESTS))
    from reference import ref_initial, ref_observe, ref_step

    out = []
    for d_row, l_row in zip(demand.tolist(), lead.tolist()):
        state = ref_initial(params)
        total = 0.0
        for d, lt in zip(d_row, l_row):
            obs = ref_observe(params, state)
            ip = sum(obs[: 1 + params.max_lead_time])
            q = min(max(S - ip, 0.0), params.max_order) if ip <= s else 0.0
            total += ref_step(params, state, q, d, lt, False)["cost"]
        out.append(total / len(d_row))
    return out


def plain_python_ss(demand: np.ndarray, s: float, S: float, h: float, b: float, K: float, c: float) -> list[float]:
    """(s, S) on a backorder model with L = 0, one replication at a time, in plain Python.

    Period t: observe the net inventory x (= inventory position, L = 0); if x <= s order
    S - x (received at once); demand; cost K 1[q > 0] + c q + h (x)^+ + b (x)^- at the end.
    Returns the cost per period of each replication.
    """
    out = []
    for row in demand.tolist():
        x = 0.0
        total = 0.0
        for d in row:
            if x <= s:
                q = S - x
                total += K + c * q
                x = S
            x -= d
            total += h * x if x > 0 else -b * x
        out.append(total / len(row))
    return out


def bench_single(repeats: int) -> dict[str, float]:
    params = preset_params(ENV_ID)
    evaluate(SS(s=S_LOW, S=S_HIGH), params, reps=4, horizon=10, seed=0)  # warm the JIT cache
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        ev = evaluate(SS(s=S_LOW, S=S_HIGH), params, reps=REPS, horizon=HORIZON, seed=0)
        times.append(time.perf_counter() - t0)
    demand, lead = draw_paths(params, 0, REPS, HORIZON)
    t0 = time.perf_counter()
    ref = reference_loop_ss(params, demand, lead, S_LOW, S_HIGH)
    t_ref = time.perf_counter() - t0
    t0 = time.perf_counter()
    tight = plain_python_ss(
        demand, S_LOW, S_HIGH, params.holding_cost, params.backorder_cost, params.fixed_order_cost, params.unit_cost
    )
    t_tight = time.perf_counter() - t0
    for name, costs in (("reference", ref), ("specialised", tight)):
        mismatch = float(np.max(np.abs(np.asarray(costs) - ev.per_replication["cost_per_period"])))
        if mismatch > 1e-9:
            raise AssertionError(f"the {name} plain-Python loop and the evaluator disagree by {mismatch}")
    return {
        "eval_s": min(times),
        "eval_median_s": float(np.median(times)),
        "plain_s": t_ref,
        "speedup": t_ref / min(times),
        "tight_s": t_tight,
        "tight_speedup": t_tight / min(times),
        "cost": ev["cost_per_period"].mean,
    }


def bench_grid(n_jobs: int, backend: str) -> dict[str, float]:
    t0 = time.perf_counter()
    res = grid_search(
        "ss", GRID, ENV_ID, reps=GRID_REPS, horizon=HORIZON, seed=0, progress=False, n_jobs=n_jobs, backend=backend
    )
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "n": len(res.table), "best": res.best_spec, "cost": float(res.best["cost_per_period"])}


def write_doc(rows: list[tuple[str, str, str, str]], notes: list[str]) -> None:
    lines = [HEADING, "", *notes, "", "| measurement | result | target | met |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    section = "\n".join(lines) + "\n"
    text = open(DOC).read() if os.path.exists(DOC) else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(section + "\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section
    tmp = DOC + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(text)
    os.replace(tmp, DOC)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5, help="timed repeats of the single evaluation (best is kept)")
    ap.add_argument("--no-grid", action="store_true", help="skip the grid search")
    ap.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = ap.parse_args(argv)

    single = bench_single(args.repeats)
    print(
        f"evaluate (s,S)=({S_LOW},{S_HIGH}) {REPS} reps x {HORIZON} periods: {single['eval_s']:.4f} s "
        f"(median {single['eval_median_s']:.4f} s); plain-Python reference {single['plain_s']:.3f} s "
        f"(speed-up {single['speedup']:.0f}x); specialised plain-Python loop {single['tight_s']:.3f} s "
        f"(speed-up {single['tight_speedup']:.1f}x); cost {single['cost']:.4f}"
    )
    rows = [
        (
            f"evaluate (s,S) = ({S_LOW},{S_HIGH}), {REPS:,} reps x {HORIZON} periods",
            f"{single['eval_s']:.3f} s (median {single['eval_median_s']:.3f} s)",
            "<= 0.1 s",
            "yes" if single["eval_s"] <= 0.1 else "no",
        ),
        (
            "same rules, plain-Python loop (`tests/reference.py` period + the (s,S) rule), same draws",
            f"{single['plain_s']:.2f} s (evaluator {single['speedup']:.0f}x faster; identical costs)",
            ">= 100x",
            "yes" if single["speedup"] >= 100 else "no",
        ),
        (
            "for scale: a 6-line loop specialised to (s,S), L = 0, backorders, same draws",
            f"{single['tight_s']:.3f} s (evaluator {single['tight_speedup']:.1f}x faster; identical costs)",
            "(none)",
            "-",
        ),
    ]
    if not args.no_grid:
        grid_runs = [(1, "threading", "1 worker"), (2, "threading", "2 threads"), (2, "loky", "2 processes")]
        walls = []
        for n_jobs, backend, label in grid_runs:
            g = bench_grid(n_jobs, backend)
            walls.append(g["wall_s"])
            print(
                f"grid {g['n']} policies x {GRID_REPS} reps x {HORIZON} periods, {label}: {g['wall_s']:.1f} s; best {g['best']} ({g['cost']:.4f})"
            )
            rows.append(
                (
                    f"(s,S) grid s < S <= 80 ({g['n']:,} policies) x {GRID_REPS} reps x {HORIZON} periods, CRN, {label}",
                    f"{g['wall_s']:.1f} s (best {g['best']}, {g['cost']:.3f})",
                    "<= 60 s on 2 cores",
                    "yes" if g["wall_s"] <= 60 else "no",
                )
            )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    notes = [
        f"`python benchmarks/bench_evaluation.py` on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {load:.1f} at the end of the run "
        f"({time.strftime('%Y-%m-%d')}). Model `{ENV_ID}` (Poisson(10), K = 64, h = 1, b = 9, L = 0); "
        "times are wall clock, best of the repeats for the single evaluation (draws included).",
        "The grid search simulates every chunk of policies as copies of the same 200 draw rows "
        "(`simulate(..., copies=P)`), 25,000 systems per chunk; workers split the chunks.",
    ]
    if not args.no_write:
        write_doc(rows, notes)
        print(f"updated {os.path.normpath(DOC)}")


if __name__ == "__main__":
    main()
