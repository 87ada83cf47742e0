"""Serial chain (``inv_gym/Serial-v0``) throughput and the Clark-Scarf solve time (a script, not a test).

Measures, side by side in one run: the native vector env at N = 1024 and 16384
with M = 3 (Snyder & Shen Example 6.1) under order actions and under
order-up-to actions, the single env through ``gym.make``, ``SyncVectorEnv`` of
the single env (N = 64) for scale, the chain kernel alone at N = 16384, and
the Clark-Scarf recursion for Example 6.1 and Problem 6.2(b). Each figure is
the best of several timed repeats (other processes share the machine).
Targets (issue: serial supply chains): >= 2M env-steps/s at N = 16384, M = 3
on 2 cores; the Example 6.1 solve <= 1 s.

Usage::

    python benchmarks/bench_serial.py [--quick] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import sys
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_envs import best_rate  # noqa: E402

import inv_gym  # noqa: E402,F401
from inv_gym.analytic.serial import serial_optimum, serial_params_from_snyder_shen  # noqa: E402
from inv_gym.serial import SerialParams, serial_initial_state, serial_step  # noqa: E402
from inv_gym.serial.dynamics import serial_kernel_arrays  # noqa: E402

ENV_ID = "inv_gym/Serial-v0"


def best_time(fn, repeats: int) -> float:
    fn()
    return min(_timed(fn) for _ in range(repeats))


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def vector_env(n: int, steps: int, action: str) -> callable:
    venv = gym.make_vec(ENV_ID, num_envs=n, action=action)
    venv.reset(seed=0)
    rng = np.random.default_rng(0)
    if action == "order":
        acts = rng.integers(0, 11, (8, n, 3))
    else:
        acts = np.broadcast_to(np.array([9, 15, 26]), (8, n, 3)) + rng.integers(-2, 3, (8, n, 3))

    def run():
        for k in range(steps):
            venv.step(acts[k % 8])

    return run


def sync_vector(n: int, steps: int) -> callable:
    venv = gym.vector.SyncVectorEnv([lambda: gym.make(ENV_ID) for _ in range(n)])
    venv.reset(seed=0)
    acts = np.random.default_rng(0).integers(0, 11, (8, n, 3))

    def run():
        for k in range(steps):
            venv.step(acts[k % 8])

    return run


def single_env(steps: int) -> callable:
    env = gym.make(ENV_ID)
    env.reset(seed=0)
    acts = list(np.random.default_rng(0).integers(0, 11, (steps, 3)))

    def run():
        for a in acts:
            _, _, term, trunc, _ = env.step(a)
            if term or trunc:
                env.reset()

    return run


def kernel(n: int, steps: int) -> callable:
    params = SerialParams()
    state = serial_initial_state(params, n)
    arrays = serial_kernel_arrays(params)
    orders = np.full((n, 3), 5.0)
    demand = params.demand.sample(np.random.default_rng(0), (8, n))
    events = np.empty((n, 11 + 6 * 3))

    def run():
        for k in range(steps):
            serial_step(arrays, state, orders, demand[k % 8], events)

    return run


def write(path: Path, body: str, command: str) -> None:
    """Replace (or append) the ``## Serial chain`` section of ``path``."""
    section = (
        "## Serial chain\n\n"
        f"`{command}` on {datetime.date.today()} ({platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores shared with other work, load average {os.getloadavg()[0]:.1f} at the end: best of repeats).\n"
        "Model: `inv_gym/Serial-v0` defaults (Snyder & Shen Example 6.1: M = 3, Poisson(5), L = 0, 1, 2).\n\n" + body
    )
    text = path.read_text() if path.exists() else "# Benchmarks\n\nEach section is written by its benchmark script.\n\n"
    pattern = re.compile(r"## Serial chain\n.*?(?=\n## |\Z)", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section.rstrip("\n") + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    ap.add_argument("--write", metavar="MD", help="write the table into this markdown file's Serial chain section")
    args = ap.parse_args()
    reps = 2 if args.quick else 5
    big = 20 if args.quick else 60
    rows = []
    rate_big = best_rate(vector_env(16384, big, "order"), 16384 * big, reps)
    rows.append(("vector env N=16384, order actions (env-steps/s)", f"{rate_big:,.0f}", ">= 2M", rate_big >= 2e6))
    rate_up = best_rate(vector_env(16384, big, "order_up_to"), 16384 * big, reps)
    rows.append(("vector env N=16384, order-up-to actions (env-steps/s)", f"{rate_up:,.0f}", ">= 2M", rate_up >= 2e6))
    rate_k = best_rate(kernel(16384, big), 16384 * big, reps)
    rows.append(("chain kernel alone N=16384 (system-periods/s)", f"{rate_k:,.0f}", "", None))
    rate_mid = best_rate(vector_env(1024, 4 * big, "order"), 1024 * 4 * big, reps)
    rows.append(("vector env N=1024, order actions (env-steps/s)", f"{rate_mid:,.0f}", "", None))
    rate_single = best_rate(single_env(2000), 2000, reps)
    rows.append(("single env via gym.make (steps/s)", f"{rate_single:,.0f}", "", None))
    rate_sync = best_rate(sync_vector(64, 100), 64 * 100, reps)
    rows.append(("SyncVectorEnv N=64 of the single env (env-steps/s)", f"{rate_sync:,.0f}", "", None))
    rows.append(("vector env N=16384 / SyncVectorEnv N=64", f"{rate_big / rate_sync:,.0f}x", "", None))
    t61 = best_time(lambda: serial_optimum(SerialParams()), reps)
    rows.append(("Clark-Scarf solve, Example 6.1 (s)", f"{t61:.4f}", "<= 1 s", t61 <= 1.0))
    p62, _ = serial_params_from_snyder_shen(
        echelon_holding_costs=[1, 1, 0.5, 0.5, 0.5], lead_times=[1] * 5, backorder_cost=12, demand="poisson:32"
    )
    t62 = best_time(lambda: serial_optimum(p62), reps)
    rows.append(("Clark-Scarf solve, Problem 6.2(b) periodic analogue, M=5, Poisson(32) (s)", f"{t62:.4f}", "", None))
    body = "| measurement | result | target | met |\n|---|---:|---|---|\n"
    for name, val, target, met in rows:
        body += f"| {name} | {val} | {target} | {'' if met is None else ('yes' if met else 'no')} |\n"
    print(body)
    if args.write:
        cmd = "python benchmarks/bench_serial.py" + (" --quick" if args.quick else "") + f" --write {args.write}"
        write(Path(args.write), body, cmd)


if __name__ == "__main__":
    main()
