"""The native PPO on Zipkin's (2008) lost-sales grid: gap to the DP optimum per instance.

The grid: Poisson(5) demand, h = 1, lost sales, p in {4, 9, 19, 39}, L in {1, 2, 3, 4}
(``inv_gym/LostSales-v0`` with ``lead_time`` and ``lost_sales_cost`` set). Per
instance and seed the native PPO (:mod:`agents.native_ppo`, its default settings
unless ``--set`` changes them) trains for ``--timesteps`` env steps; the greedy
policy is then scored on the kernel by :func:`inv_gym.evaluation.evaluate`
(``--reps`` x ``--horizon`` periods after a 100-period warm-up, evaluation seed
``--eval-seed``, the same draws for every instance and seed) and compared with the
optimum of :func:`inv_gym.analytic.dp.solve_dp`. The gap is cost / optimum - 1,
with the evaluation's 95% CI.

Usage (the whole grid, 3 seeds; about 16 x 3 trainings)::

    python benchmarks/zipkin_native_ppo.py --seeds 0 1 2 --timesteps 3000000 --write docs/benchmark.md

A subset: ``--instances 1:4 2:9 4:39`` (L:p). With ``--out DIR`` every run is also
written to ``DIR/L<L>-p<p>-s<seed>.json`` as soon as it is done (an existing file is
read back instead of retraining, so a stopped run resumes), with its wall and CPU
seconds and the load average at its start and end.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.native_ppo import NativePPOConfig, train  # noqa: E402
from benchmarks.bench_training import write_section  # noqa: E402
from inv_gym.analytic.dp import solve_dp  # noqa: E402
from inv_gym.evaluation import evaluate  # noqa: E402
from inv_gym.presets import preset_params  # noqa: E402

HEADING = "## Native PPO on the Zipkin lost-sales grid"
GRID = [(L, p) for L in (1, 2, 3, 4) for p in (4, 9, 19, 39)]


def parse_instance(text: str) -> tuple[int, int]:
    try:
        lead, p = (int(x) for x in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"an instance is L:p (e.g. 2:9), got {text!r}") from None
    if (lead, p) not in GRID:
        raise argparse.ArgumentTypeError(f"L:p must have L in 1..4 and p in 4, 9, 19, 39, got {text!r}")
    return lead, p


def parse_setting(text: str) -> tuple[str, object]:
    name, _, value = text.partition("=")
    if not value:
        raise argparse.ArgumentTypeError(f"a setting is NAME=VALUE, got {text!r}")
    if name == "hidden":
        return name, tuple(int(x) for x in value.split(","))
    for kind in (int, float):
        try:
            return name, kind(value)
        except ValueError:
            pass
    return name, {"true": True, "false": False}.get(value.lower(), value)


def run(args: argparse.Namespace) -> list[dict[str, object]]:
    rows = []
    if args.out:
        os.makedirs(args.out, exist_ok=True)
    for lead, p in args.instances:
        params = preset_params("inv_gym/LostSales-v0", lead_time=lead, lost_sales_cost=float(p))
        optimum = None
        for seed in args.seeds:
            path = os.path.join(args.out, f"L{lead}-p{p}-s{seed}.json") if args.out else None
            if path and os.path.exists(path):
                with open(path) as fh:
                    rows.append(json.load(fh))
                continue
            optimum = solve_dp(params).average_cost if optimum is None else optimum
            cfg = NativePPOConfig(timesteps=args.timesteps, seed=seed, **dict(args.set))
            load_start = os.getloadavg()[0]
            t0, c0 = time.perf_counter(), time.process_time()
            agent = train(params, cfg)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            ev = evaluate(agent.policy(), params, reps=args.reps, horizon=args.horizon, warmup=100, seed=args.eval_seed)
            c = ev["cost_per_period"]
            row = {
                "L": lead,
                "p": p,
                "seed": seed,
                "steps": agent.timesteps,
                "wall": wall,
                "cpu": cpu,
                "load": (load_start, os.getloadavg()[0]),
                "cost": c.mean,
                "ci": (c.ci_low, c.ci_high),
                "optimum": optimum,
                "gap": c.mean / optimum - 1.0,
                "action": agent.config.action,
                "settings": dict(args.set),
            }
            rows.append(row)
            if path:
                with open(path + ".tmp", "w") as fh:
                    json.dump(row, fh, indent=1)
                os.replace(path + ".tmp", path)
            print(
                f"L={lead} p={p} seed={seed}: {c.mean:.4f} [{c.ci_low:.4f}, {c.ci_high:.4f}] vs {optimum:.4f}, "
                f"gap {100 * row['gap']:.2f}%, {agent.timesteps:,} steps in {wall:.0f} s ({cpu:.0f} CPU s)",
                flush=True,
            )
    return rows


def table(rows: list[dict[str, object]]) -> str:
    lines = [
        "| L | p | seed | env steps | wall / CPU s | cost per period [95% CI] | DP optimum | gap [95% CI] | <= 2% |",
        "|---:|---:|---:|---:|---:|---|---:|---|---|",
    ]
    for r in rows:
        lo, hi = r["ci"]
        opt = r["optimum"]
        lines.append(
            f"| {r['L']} | {r['p']} | {r['seed']} | {r['steps']:,} | {r['wall']:.0f} / {r.get('cpu', float('nan')):.0f} | "
            f"{r['cost']:.4f} "
            f"[{lo:.4f}, {hi:.4f}] | {opt:.4f} | {100 * r['gap']:.2f}% [{100 * (lo / opt - 1):.2f}, "
            f"{100 * (hi / opt - 1):.2f}] | {'yes' if r['gap'] <= 0.02 else 'no'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", nargs="+", type=parse_instance, default=GRID, metavar="L:p")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0])
    ap.add_argument("--timesteps", type=int, default=3_000_000, help="training budget per run (env steps)")
    ap.add_argument("--set", nargs="*", type=parse_setting, default=[], metavar="NAME=VALUE", help="NativePPOConfig")
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--horizon", type=int, default=1000)
    ap.add_argument("--eval-seed", type=int, default=12345)
    ap.add_argument("--out", metavar="DIR", help="also write each run to DIR/L<L>-p<p>-s<seed>.json (resumable)")
    ap.add_argument("--write", metavar="MD", help="write the table into this markdown file's section")
    args = ap.parse_args(argv)
    load_before = os.getloadavg()[0]
    rows = run(args)
    body = table(rows)
    print()
    print(body)
    if args.write:
        argv_text = " ".join(sys.argv[1:]) if argv is None else " ".join(argv)
        section = (
            f"{HEADING}\n\n"
            f"`python benchmarks/zipkin_native_ppo.py {argv_text}` on {datetime.date.today().isoformat()} "
            f"({platform.machine()}, {os.cpu_count()} cores shared with other work: load average "
            f"{load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end; wall times are noisy).\n"
            f"Native PPO settings: {NativePPOConfig(**dict(args.set))!r} (timesteps and seed as listed).\n"
            f"Scored on the kernel: {args.reps} reps x {args.horizon} periods after 100 warm-up periods, "
            f"evaluation seed {args.eval_seed}; the optimum is `inv_gym.analytic.dp.solve_dp`'s. "
            "Target: <= 2% above the optimum.\n\n" + body + "\n"
        )
        write_section(Path(args.write), section, HEADING)


if __name__ == "__main__":
    main()
