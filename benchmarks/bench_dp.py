"""DP solver timings on Zipkin's (2008) lost-sales instances.

Times :func:`inv_gym.analytic.dp.solve_dp` (transition build through the kernel,
relative value iteration, stationary distribution) on Poisson(5), h = 1, lost
sales, L = 1..4, p = 4 and 39 (the ``inv_gym/LostSales-v0`` preset), and prints
a Markdown table. Targets (issue 4): L = 3 in <= 10 s, L = 4 in <= 60 s.

Run: ``python benchmarks/bench_dp.py [--lead-times 1 2 3 4] [--penalties 4 39] [--repeats 1]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from inv_gym.analytic.dp import solve_dp
from inv_gym.instances import ZIPKIN_OPTIMA
from inv_gym.presets import preset_params


def main(argv: list[str] | None = None) -> list[dict[str, float]]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lead-times", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--penalties", type=int, nargs="+", default=[4, 39])
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args(argv)
    solve_dp(preset_params("inv_gym/LostSales-v0"))  # warm the kernel's compiled code
    rows = []
    for p in args.penalties:
        for lead in args.lead_times:
            params = preset_params("inv_gym/LostSales-v0", lead_time=lead, lost_sales_cost=float(p))
            times = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                res = solve_dp(params)
                times.append(time.perf_counter() - t0)
            rows.append(
                dict(
                    p=p,
                    L=lead,
                    states=res.n_states,
                    M=res.max_inventory,
                    iterations=res.iterations,
                    seconds=min(times),
                    cost=res.average_cost,
                    published=ZIPKIN_OPTIMA.get((lead, p), float("nan")),
                    boundary_mass=res.boundary_mass,
                )
            )
    print(
        f"DP on Zipkin's lost-sales instances ({platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, best of {args.repeats})\n"
    )
    print("| p | L | states | M | iterations | seconds | DP cost | Zipkin (2008) | boundary mass |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['p']} | {r['L']} | {r['states']} | {r['M']} | {r['iterations']} | {r['seconds']:.2f} | "
            f"{r['cost']:.4f} | {r['published']:.2f} | {r['boundary_mass']:.1g} |"
        )
    return rows


if __name__ == "__main__":
    main()
