"""Timings of the closed forms and the Zheng-Federgruen (s, S) solver.

Times :func:`inv_gym.analytic.ss_optimal_policy` on Zheng & Federgruen's (1991)
instances (h = 1, b = 9, K = 64, L = 0, Poisson mean mu; target for mu = 64:
<= 0.2 s, issue 4), with a positive lead time and with empirical demand, and the
other exact solvers and closed forms, and prints a Markdown table (best of
``--repeats`` wall-clock runs, in milliseconds).

Run: ``python benchmarks/bench_analytic.py [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable

from inv_gym.analytic import (
    base_stock_level,
    eoq_order_quantity,
    newsvendor_cost,
    newsvendor_priced_order_quantity,
    rq_loss_function_approximation,
    rq_normal_optimal_policy,
    rq_poisson_optimal_policy,
    ss_cost,
    ss_optimal_policy,
    ss_power_approximation,
)
from inv_gym.distributions import Empirical, Poisson

ZF = dict(fixed_order_cost=64, holding_cost=1, backorder_cost=9)
NORMAL_RQ = dict(
    demand_rate=1300, demand_sd=150, lead_time=1 / 12, fixed_order_cost=8, holding_cost=0.225, backorder_cost=7.5
)


def cases() -> list[tuple[str, Callable[[], object], str]]:
    """(name, call, target) of every timed computation."""
    out: list[tuple[str, Callable[[], object], str]] = []
    for mu in (10, 25, 50, 64, 75):
        target = "<= 200 ms" if mu == 64 else ""
        out.append((f"ss_optimal_policy ZF Poisson({mu})", lambda mu=mu: ss_optimal_policy(demand=Poisson(mu), **ZF),
                    target))  # fmt: skip
    out += [
        ("ss_optimal_policy Poisson(64), L = 4", lambda: ss_optimal_policy(demand=Poisson(64), lead_time=4, **ZF), ""),
        (
            "ss_optimal_policy empirical (5 values), L = 2",
            lambda: ss_optimal_policy(
                demand=Empirical((0, 1, 2, 3, 6), (0.2, 0.3, 0.25, 0.15, 0.1)),
                lead_time=2,
                fixed_order_cost=10,
                holding_cost=1,
                backorder_cost=6,
            ),  # fmt: skip
            "",
        ),
        (
            "ss_cost ZF Poisson(64) at (55, 74)",
            lambda: ss_cost(demand=Poisson(64), reorder_point=55, order_up_to_level=74, **ZF),
            "",
        ),  # fmt: skip
        ("ss_power_approximation", lambda: ss_power_approximation(demand_mean=64, demand_sd=8, **ZF), ""),
        (
            "rq_poisson_optimal_policy (S&S Ex. 5.8)",
            lambda: rq_poisson_optimal_policy(
                demand_rate=1.5, lead_time=2, fixed_order_cost=100, holding_cost=20, backorder_cost=150
            ),
            "",
        ),  # fmt: skip
        ("rq_normal_optimal_policy (S&S Ex. 5.2)", lambda: rq_normal_optimal_policy(**NORMAL_RQ), ""),
        ("rq_loss_function_approximation (S&S Ex. 5.6)", lambda: rq_loss_function_approximation(**NORMAL_RQ), ""),
        (
            "base_stock_level Poisson(5), L = 2",
            lambda: base_stock_level(demand="poisson:5", holding_cost=1, backorder_cost=9, lead_time=2),
            "",
        ),  # fmt: skip
        (
            "newsvendor_cost N(50, 8) (S&S Ex. 4.3)",
            lambda: newsvendor_cost(demand="normal:mean=50,sd=8", holding_cost=0.18, backorder_cost=0.7),
            "",
        ),  # fmt: skip
        (
            "newsvendor_priced_order_quantity Newsvendor-v0",
            lambda: newsvendor_priced_order_quantity(
                demand="normal:mean=100,sd=20", price=10, unit_cost=4, salvage_value=1
            ),
            "",
        ),  # fmt: skip
        (
            "eoq_order_quantity (S&S Ex. 3.1)",
            lambda: eoq_order_quantity(fixed_order_cost=8, holding_cost=0.225, demand_rate=1300),
            "",
        ),  # fmt: skip
    ]
    return out


def best_time(call: Callable[[], object], repeats: int) -> float:
    """Best wall-clock time of ``repeats`` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> list[dict[str, object]]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    rows = []
    for name, call, target in cases():
        call()  # warm caches and imports
        rows.append({"computation": name, "ms": 1000 * best_time(call, args.repeats), "target": target})
    print(f"Analytic solvers, best of {args.repeats} ({platform.python_version()}, {platform.machine()})\n")
    print("| computation | time (ms) | target |")
    print("|---|---:|---|")
    for r in rows:
        print(f"| {r['computation']} | {r['ms']:.2f} | {r['target']} |")
    return rows


if __name__ == "__main__":
    main()
