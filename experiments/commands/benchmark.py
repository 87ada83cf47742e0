"""``inv-gym benchmark``: learned versus classical agents on every model of the suite.

One row per instance (the suite's models, Zipkin's lost-sales grid, serial
chains) and agent: the exact optimum where one exists, the best
heuristic by grid search, the bandit's pick, and the learners - PPO
(stable-baselines3), the native PPO and the pathwise-gradient learner - (mean and
95% CI over training seeds), with cost per period, fill rate, gap to the optimum,
training steps and wall time. Writes table.md, table.csv, results.csv, gap.png and
curves/*.png to --out. Rerunning the same command resumes: finished tasks are
skipped. ``--backend dask --scheduler tcp://HOST:PORT`` runs the tasks on a
Dask cluster.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("benchmark", help="learned vs classical: the benchmark table", description=__doc__)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick",
        action="store_true",
        help="every registered id and the serial chain Serial-example-6.1, 1 seed of each learner, small budgets (the default)",
    )
    mode.add_argument(
        "--full",
        action="store_true",
        help=(
            "the suite plus Zipkin's L=1..4 x p=4,9,19,39 grid and five serial chains (Example 6.1, the HDPO diagonal), "
            "3 seeds of each PPO, pathwise on every covered instance"
        ),
    )
    p.add_argument(
        "--envs",
        nargs="+",
        default=None,
        metavar="NAME",
        help="instances (e.g. LostSales Zipkin-L2-p9 Serial-hdpo-L1-p4)",
    )
    p.add_argument(
        "--agents",
        nargs="+",
        default=None,
        choices=("optimum", "heuristic", "bandit", "ppo", "native_ppo", "pathwise"),
        help="row types (default all)",
    )
    p.add_argument("--seeds", type=int, default=None, help="training seeds of ppo and native_ppo")
    p.add_argument("--timesteps", type=int, default=None, help="PPO (stable-baselines3) training steps per seed")
    p.add_argument("--native-timesteps", type=int, default=None, help="native PPO training steps per seed")
    p.add_argument(
        "--pathwise-iterations",
        type=int,
        default=None,
        help="pathwise gradient steps per instance (quick 700, full 1500)",
    )
    p.add_argument(
        "--pathwise-time-limit",
        type=float,
        default=None,
        help="optional pathwise CPU seconds per instance; a limit that binds makes the row machine-dependent",
    )
    p.add_argument("--out", default=None, help="output directory (default results/benchmark-quick or -full)")
    p.add_argument("--backend", choices=("local", "dask"), default="local", help="joblib processes or a Dask cluster")
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler, e.g. tcp://127.0.0.1:8786; only one you trust: its results are unpickled here",
    )
    p.add_argument("--n-jobs", type=int, default=-1, help="local workers (default -1: every core)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from experiments.benchmark import INSTANCES, BenchmarkConfig, run_benchmark

    kwargs: dict = {
        "backend": args.backend,
        "scheduler": args.scheduler,
        "n_jobs": args.n_jobs,
        "label": "inv-gym " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["benchmark"] else "",
    }
    if args.envs:
        names = []
        for e in args.envs:
            short = e.split("/", 1)[-1].rsplit("-v", 1)[0]
            if short not in INSTANCES:
                raise ValueError(f"unknown instance {e!r}; known: {', '.join(INSTANCES)}")
            names.append(short)
        kwargs["instances"] = tuple(names)
    if args.agents:
        kwargs["agents"] = tuple(args.agents)
    if args.seeds is not None:
        kwargs["seeds"] = args.seeds
    for opt, field in (
        ("timesteps", "ppo_timesteps"),
        ("native_timesteps", "native_ppo_timesteps"),
        ("pathwise_iterations", "pathwise_iterations"),
        ("pathwise_time_limit", "pathwise_time_limit"),
    ):
        if getattr(args, opt) is not None:
            kwargs[field] = getattr(args, opt)
    kwargs["out"] = args.out or ("results/benchmark-full" if args.full else "results/benchmark-quick")
    cfg = BenchmarkConfig.for_mode("full" if args.full else "quick", **kwargs)
    t0 = time.perf_counter()
    df = run_benchmark(cfg, progress=True)
    with open(f"{cfg.out}/table.md") as fh:
        print(fh.read())
    failed = int((df.status == "error").sum()) if len(df) else 0
    print(
        f"wall time {time.perf_counter() - t0:.1f} s; outputs in {cfg.out}"
        + (f"; {failed} row(s) failed" if failed else "")
    )
    return 0
