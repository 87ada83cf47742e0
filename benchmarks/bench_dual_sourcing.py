"""Dual sourcing (``inv_gym/DualSourcing-v0``): vector-env throughput and exact solve times (a script, not a test).

Measures, side by side in one run: the native vector env of DualSourcing-v0 and of
LostSales-v0 at N = 16384 (random order actions; for dual sourcing the pair
(q_r, q_e)), DualSourcing-v0 under dual-index (order-up-to) actions, the single
env through ``gym.make``, and the relative value iteration of
:func:`inv_gym.analytic.dual_sourcing.solve_dual_sourcing` for l_r = 2 .. 5
(``max_order`` 10: (max_order + 1)^(l_r - 1) pipeline states). Each rate is the
best of several timed repeats (other processes share the machine).
Target (issue: dual sourcing): DualSourcing-v0's vector env at N = 16384 >= 0.5x
LostSales-v0's rate in the same run; a solve <= 60 s says how large an instance
the exact method handles.

Usage::

    python benchmarks/bench_dual_sourcing.py [--quick] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
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
from inv_gym.analytic.dual_sourcing import solve_dual_sourcing  # noqa: E402
from inv_gym.presets import preset_params  # noqa: E402

DUAL = "inv_gym/DualSourcing-v0"
LOST = "inv_gym/LostSales-v0"
HEADING = "## Dual sourcing"


def vector_run(env_id: str, n: int, steps: int, action: str = "order"):
    """A closure stepping the native vector env ``steps`` times with fixed random actions."""
    venv = gym.make_vec(env_id, num_envs=n, action=action)
    venv.reset(seed=0)
    space = venv.single_action_space
    rng = np.random.default_rng(0)
    if isinstance(space, gym.spaces.MultiDiscrete):
        high = np.minimum(space.nvec, 8)
        actions = rng.integers(0, high, (16, n, 2))
    else:
        actions = rng.integers(0, min(8, space.n), (16, n))

    def run():
        for k in range(steps):
            venv.step(actions[k % 16])

    return run


def single_run(steps: int):
    env = gym.make(DUAL)
    env.reset(seed=0)
    actions = np.random.default_rng(0).integers(0, 6, (steps, 2))

    def run():
        for a in actions:
            _, _, term, trunc, _ = env.step(a)
            if term or trunc:
                env.reset()

    return run


def solve_time(lead_time: int) -> tuple[float, int, float]:
    """(seconds, states, optimal cost) of one solve with l_r = ``lead_time``, max_order 10."""
    t = time.perf_counter()
    sol = solve_dual_sourcing(preset_params(DUAL, lead_time=lead_time))
    return time.perf_counter() - t, sol.stationary.size, sol.average_cost


def write_section(path: Path, section: str) -> None:
    """Put ``section`` in place of the file's ``## Dual sourcing`` section (or append it)."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    head = text.find(HEADING + "\n")
    if head < 0:
        new = text.rstrip("\n") + "\n\n" + section
    else:
        tail = text.find("\n## ", head + 1)
        new = text[:head] + section + ("" if tail < 0 else text[tail + 1 :])
    tmp = path.with_suffix(".tmp")
    tmp.write_text(new)
    tmp.replace(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps and repeats; solves up to l_r = 4")
    ap.add_argument("--write", metavar="MD", help="write the table into this markdown file's Dual sourcing section")
    args = ap.parse_args()
    reps = 2 if args.quick else 5
    steps = 20 if args.quick else 60
    n = 16384
    rows: list[tuple[str, str, str, bool | None]] = []
    lost = best_rate(vector_run(LOST, n, steps), n * steps, reps)
    dual = best_rate(vector_run(DUAL, n, steps), n * steps, reps)
    up_to = best_rate(vector_run(DUAL, n, steps, "order_up_to"), n * steps, reps)
    rows.append(("LostSales-v0 vector env N=16384 (env-steps/s)", f"{lost:,.0f}", "", None))
    rows.append(("DualSourcing-v0 vector env N=16384, (q_r, q_e) actions (env-steps/s)", f"{dual:,.0f}", "", None))
    rows.append(("DualSourcing-v0 / LostSales-v0 at N=16384", f"{dual / lost:.2f}x", ">= 0.5x", dual / lost >= 0.5))
    rows.append(("DualSourcing-v0 vector env N=16384, dual-index actions (env-steps/s)", f"{up_to:,.0f}", "", None))
    single = best_rate(single_run(2000), 2000, reps)
    rows.append(("DualSourcing-v0 single env via gym.make (steps/s)", f"{single:,.0f}", "", None))
    for lead in (2, 3, 4) if args.quick else (2, 3, 4, 5):
        secs, states, cost = solve_time(lead)
        rows.append(
            (
                f"exact solve l_r={lead}, max_order 10: {states:,} states, cost {cost:.4f} (s)",
                f"{secs:.2f}",
                "<= 60 s",
                secs <= 60,
            )
        )
    body = "| measurement | result | target | met |\n|---|---:|---|---|\n"
    for name, val, target, met in rows:
        body += f"| {name} | {val} | {target} | {'' if met is None else ('yes' if met else 'no')} |\n"
    print(body)
    if args.write:
        cmd = "python benchmarks/bench_dual_sourcing.py" + (" --quick" if args.quick else "") + f" --write {args.write}"
        section = (
            f"{HEADING}\n\n`{cmd}` on {datetime.date.today()} ({platform.machine()}, Python "
            f"{platform.python_version()}, {os.cpu_count()} cores shared with other work, load average "
            f"{os.getloadavg()[0]:.1f} at the end: best of repeats).\nModel: `{DUAL}` defaults (U{{0..4}}, h = 5, "
            "b = 495, c_r = 0, c_e = 20, l_r = 2, l_e = 0); the solves vary l_r.\n\n" + body
        )
        write_section(Path(args.write), section)


if __name__ == "__main__":
    main()
