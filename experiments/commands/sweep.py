"""``inv-gym sweep``: vary one or two parameters of a model and evaluate a policy at every point.

The policy is fixed (``ss:s=6,S=40``) or re-optimized at every point over a grid
of one family under common random numbers (``best:ss:s=0:20,S=20:80:2``, with
an optional --min-fill-rate floor; the chosen policy is then evaluated on fresh
draws). Every point reports its mean and 95% CI over the replications.

Example::

    inv-gym sweep inv_gym/Qr-v0 --policy ss:s=6,S=40 --vary backorder_cost=1,4,9,19 --reps 50
    inv-gym sweep Qr --policy best:ss:s=0:20,S=20:80:2 --vary demand_mean=5,10,15 --out results/sweep-qr
    inv-gym sweep BaseStock --policy base_stock:S=15 --vary lead_time=0,1,2 --vary2 policy.S=10,15,20 --json

Varied names: any model parameter (as in --set, e.g. holding_cost, lead_time,
demand=poisson:8), the derived demand_mean, demand_scv, demand_family,
interarrival_scv, lead_time_mean, lead_time_scv, and policy.NAME for a fixed
policy. Every finished point is stored (checked and checksummed) under
OUT/points/, so rerunning the same command with the same --out recomputes
nothing and an interrupted sweep resumes; a damaged point file is named and
recomputed. OUT/sweep.csv holds the table and OUT/sweep.png the figure: the metric
against the varied value with its 95% CI band, or a surface over two.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from experiments.commands.common import add_env_args, params_from_args, parse_sets, print_json
from experiments.commands.evaluate import add_run_args


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` subcommand to the ``inv-gym`` parser."""
    p = sub.add_parser(
        "sweep",
        help="vary one or two parameters and evaluate a policy at every point (CI bands, resumable)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_env_args(p)
    p.add_argument(
        "--policy",
        required=True,
        metavar="SPEC",
        help="a policy spec (ss:s=6,S=40) or best:FAMILY:GRID (best:ss:s=0:20,S=20:80)",
    )
    p.add_argument("--vary", required=True, metavar="NAME=v1,v2,...", help="the varied parameter and its values")
    p.add_argument("--vary2", metavar="NAME=v1,v2,...", help="a second varied parameter (a surface)")
    p.add_argument(
        "--min-fill-rate", type=float, default=None, metavar="X", help="best: policies need mean fill rate >= X"
    )
    add_run_args(p, reps=30)
    p.add_argument("--jobs", type=int, default=1, metavar="N", help="parallel workers over the points (default 1)")
    p.add_argument(
        "--out", default=os.path.join("results", "sweep"), metavar="DIR", help="output folder (default results/sweep)"
    )
    p.add_argument("--metric", default="cost_per_period", help="the metric shown and plotted (default cost_per_period)")
    p.add_argument("--json", action="store_true", help="print JSON (settings, one record per point, files)")
    p.set_defaults(func=run)


def parse_vary(text: str, option: str = "--vary") -> tuple[str, list[Any]]:
    """``"NAME=v1,v2,..."`` -> (name, values); numbers become floats, other values stay text."""
    name, sep, rest = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ValueError(f"{option} expects NAME=v1,v2,..., got {text!r}")
    items = [v.strip() for v in rest.split(",")]
    if not items or any(not v for v in items):
        raise ValueError(f"{option} {name} needs a comma-separated list of values, got {rest!r}")
    values = [_value(v) for v in items]
    if len(set(map(str, values))) != len(values):
        raise ValueError(f"{option} {name} lists a value twice: {rest!r}")
    return name, values


def _value(text: str) -> Any:
    try:
        v = float(text)
    except ValueError:
        return text
    return v if v == v and abs(v) != float("inf") else text


def _check_vary(name: str, values: list[Any], params: Any, policy: Any, option: str) -> None:
    """Apply every value once to the base model (or policy), so bad input fails before any simulation."""
    from experiments.sweep import PolicySpec, apply_vary

    for v in values:
        if name.startswith("policy."):
            if not isinstance(policy, PolicySpec):
                raise ValueError(f"{option} {name}: policy parameters can only be varied for a fixed policy")
            pname = name.split(".", 1)[1]
            if pname not in policy.values:
                raise ValueError(f"{option} {name}: {policy.family!r} has parameters {', '.join(policy.values)}")
            if isinstance(v, str):
                raise ValueError(f"{option} {name}: values must be numbers, got {v!r}")
            policy.with_value(pname, v)
        else:
            try:
                apply_vary(params, name, v)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{option} {name}={v}: {exc}") from None


def _numeric(df: Any, col: str) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(df[col]))


def _plot(df: Any, names: list[str], metric: str, path: str, title: str) -> str:
    from experiments.io import pyplot, save_figure
    from experiments.sweep import band, plot_surface

    x = names[0]
    if len(names) == 2 and all(_numeric(df, n) and df[n].nunique() > 1 for n in names):
        plot_surface(df, x, names[1], metric, path, title=title)
        return path
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    groups = [(None, df)] if len(names) == 1 else list(df.groupby(names[1], sort=False))
    labels: list[str] = []
    for g, d in groups:
        if _numeric(d, x):
            d = d.sort_values(x)
            xs = d[x].to_numpy(dtype=float)
        else:
            labels = [str(v) for v in d[x]]
            xs = list(range(len(d)))
        label = None if g is None else f"{names[1]}={g:g}" if isinstance(g, float) else f"{names[1]}={g}"
        band(ax, xs, d.reset_index(drop=True), metric, label=label)
    if labels:
        ax.set_xticks(range(len(labels)), labels)
    if len(names) == 2:
        ax.legend(fontsize=7)
    ax.set(xlabel=x, ylabel=f"{metric} (95% CI)", title=title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_figure(fig, path)


def run(args: argparse.Namespace) -> int:
    """Run ``inv-gym sweep``; return the exit status."""
    from experiments.sweep import DEFAULT_METRICS, SearchSpec, Sweep, execute_sweep, parse_sweep_policy
    from inv_gym.evaluation import METRICS

    env_id, params = params_from_args(args)
    if args.metric not in METRICS:
        raise ValueError(f"unknown --metric {args.metric!r}; one of {', '.join(METRICS)}")
    if args.reps < 2:
        raise ValueError(f"--reps must be >= 2 (a CI needs two replications), got {args.reps}")
    if args.jobs < 1:
        raise ValueError(f"--jobs must be >= 1, got {args.jobs}")
    policy = parse_sweep_policy(args.policy)
    if args.min_fill_rate is not None:
        if not isinstance(policy, SearchSpec):
            raise ValueError("--min-fill-rate applies to a best:FAMILY:GRID policy")
        policy = SearchSpec(policy.family, policy.grid, fill_rate_min=args.min_fill_rate, objective=policy.objective)
    vary = parse_vary(args.vary)
    vary2 = parse_vary(args.vary2, "--vary2") if args.vary2 else None
    if vary2 is not None and vary2[0] == vary[0]:
        raise ValueError(f"--vary and --vary2 name the same parameter {vary[0]!r}")
    _check_vary(*vary, params, policy, "--vary")
    if vary2 is not None:
        _check_vary(*vary2, params, policy, "--vary2")
    horizon = params.horizon if args.horizon is None else args.horizon
    metrics = DEFAULT_METRICS if args.metric in DEFAULT_METRICS else (*DEFAULT_METRICS, args.metric)
    sweep = Sweep(
        env_id,
        policy=policy,
        vary=vary,
        vary2=vary2,
        overrides=parse_sets(args.sets),
        reps=args.reps,
        horizon=horizon,
        warmup=args.warmup,
        seed=args.seed,
        metrics=metrics,
        n_jobs=args.jobs,
        out_dir=args.out,
        progress=not args.json and sys.stderr.isatty(),
    )
    result = execute_sweep(sweep)
    df = result.report
    reused = len(df) - len(result.computed)
    names = [vary[0]] + ([vary2[0]] if vary2 else [])
    metric = args.metric if args.metric in df else f"{args.metric}_per_period"  # renamed like a varied cost
    files = {
        "csv": os.path.join(args.out, "sweep.csv"),
        "png": os.path.join(args.out, "sweep.png"),
    }  # the sweep's report step wrote the CSV
    _plot(df, names, metric, files["png"], f"{env_id}: {policy}")
    cols = [*names, "policy", metric, f"{metric}_lo", f"{metric}_hi"]
    if "fill_rate" not in cols:
        cols.append("fill_rate")
    if args.json:
        print_json(
            {
                "env_id": env_id,
                "policy": str(policy),
                "vary": {"name": vary[0], "values": vary[1]},
                "vary2": None if vary2 is None else {"name": vary2[0], "values": vary2[1]},
                "metric": metric,
                "reps": sweep.reps,
                "horizon": sweep.horizon,
                "warmup": sweep.warmup,
                "seed": sweep.seed,
                "points": len(df),
                "computed": len(df) - reused,
                "reused": reused,
                "rows": df.to_dict("records"),
                "files": files,
            }
        )
        return 0
    print(
        f"{env_id}  {policy}: {len(df)} points x {sweep.reps} replications x {sweep.horizon} periods "
        f"(warm-up {sweep.warmup}, seed {sweep.seed}); {len(df) - reused} computed, {reused} reused"
    )
    print(df[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    for name, path in files.items():
        print(f"{name}: {path}")
    return 0
