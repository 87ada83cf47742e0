"""Bandit throughput: 500 iterations x 200 independent runs of 365-period episodes.

Each iteration every run selects an arm of an (s, S) grid on ``inv_gym/Qr-v0``
(horizon 365); one batched policy holds every run's arm and one batched
simulation call runs all 200 episodes. Target (issue 5): <= 30 s on 2 cores.

Run: ``python benchmarks/bench_bandit.py [--iterations 500] [--runs 200] [--horizon 365]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from agents.bandit import EpsilonGreedy, PolicyArms, run_bandit
from inv_gym.presets import preset_params


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=500)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--horizon", type=int, default=365)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    params = preset_params("inv_gym/Qr-v0", horizon=args.horizon)
    arms = PolicyArms("ss", "s=0:12:3,S=25:50:5")
    # warm the numba kernel and the code paths
    run_bandit(arms, EpsilonGreedy(arms.n_arms, 0.1, runs=4, seed=0), params, iterations=2, seed=0)
    times = []
    for rep in range(args.repeats):
        bandit = EpsilonGreedy(arms.n_arms, 0.1, runs=args.runs, seed=rep)
        t0 = time.perf_counter()
        res = run_bandit(arms, bandit, params, iterations=args.iterations, seed=rep)
        times.append(time.perf_counter() - t0)
    periods = args.iterations * args.runs * args.horizon
    best = min(times)
    out = {
        "seconds_best": best,
        "seconds_median": float(np.median(times)),
        "system_periods_per_second": periods / best,
        "best_arm": res.summary()["best_arm"],
    }
    print(
        f"bandit: {args.iterations} iterations x {args.runs} runs x {args.horizon} periods "
        f"({arms.n_arms} (s,S) arms, epsilon 0.1) on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cpus"
    )
    print(f"  best of {args.repeats}: {best:.2f} s (median {np.median(times):.2f} s; target <= 30 s)")
    print(f"  {periods / best / 1e6:.2f} M system-periods/s; most-pulled arm {out['best_arm']}")
    return out


if __name__ == "__main__":
    main()
