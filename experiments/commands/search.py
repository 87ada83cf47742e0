"""``inv-gym search``: grid search over a heuristic family with common random numbers.

Every grid point sees the same demand (one seed); the table ranks the feasible
points (mean fill rate >= --min-fill-rate) by cost per period, and the
frontier lists the Pareto-efficient points of cost versus fill rate.

Example::

    inv-gym search inv_gym/Qr-v0 --family ss --grid "s=0:40,S=1:80" --reps 100 --horizon 365
    inv-gym search BaseStock --family base_stock --grid "S=5:30" --min-fill-rate 0.95 --json

Grid: NAME=a:b (inclusive), NAME=a:b:step, or NAME=v1 v2 v3, comma-separated;
for ss only s < S is kept.
"""

from __future__ import annotations

import argparse

from experiments.commands.common import add_env_args, params_from_args, print_json
from experiments.commands.evaluate import add_run_args


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``search`` subcommand to the ``inv-gym`` parser."""
    p = sub.add_parser(
        "search",
        help="grid search over a policy family (CRN, fill-rate constraint, cost/service frontier)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_env_args(p)
    p.add_argument(
        "--family",
        required=True,
        help="policy family: ss, rq, base_stock, capped_base_stock, periodic or constant",
    )
    p.add_argument("--grid", required=True, help='the grid, e.g. "s=0:40,S=1:80" or "T=1 2 3,S=0:40"')
    p.add_argument("--min-fill-rate", type=float, default=None, metavar="X", help="feasible: mean fill rate >= X")
    add_run_args(p, reps=100)
    p.add_argument("--top", type=int, default=10, metavar="K", help="rows of the ranked table to show (default 10)")
    p.add_argument("--n-jobs", type=int, default=1, help="parallel workers over chunks of the grid (-1: all cores)")
    p.add_argument("--json", action="store_true", help="print JSON (best, top rows, frontier)")
    p.add_argument("--out", metavar="DIR", help="write table.csv, frontier.csv, search.json and frontier.png to DIR")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``inv-gym search``; return the exit status."""
    from agents.search import SEARCH_FAMILIES, grid_search
    from agents.specs import family

    fam = family(args.family)
    if fam.name not in SEARCH_FAMILIES:
        raise ValueError(f"policy family {fam.name!r} has no grid; searchable: {', '.join(SEARCH_FAMILIES)}")
    if args.top < 1:
        raise ValueError(f"--top must be >= 1, got {args.top}")
    env_id, params = params_from_args(args)
    res = grid_search(
        fam.name,
        args.grid,
        params,
        reps=args.reps,
        horizon=args.horizon,
        warmup=args.warmup,
        seed=args.seed,
        min_fill_rate=args.min_fill_rate,
        progress=not args.json,
        n_jobs=args.n_jobs,
    )
    paths: dict[str, str] = {}
    if args.out:
        from experiments.plots import plot_frontier

        paths = res.save(args.out)
        paths["frontier_png"] = plot_frontier(res, f"{args.out}/frontier.png")
    if args.json:
        out = res.to_dict(top=args.top)
        out["env_id"] = env_id
        if paths:
            out["files"] = paths
        print_json(out)
        return 0
    n_feasible = int(res.table["feasible"].sum())
    print(
        f"{env_id}  {fam.name}: {len(res.table)} policies x {res.reps} replications x {res.horizon} periods "
        f"(warm-up {res.warmup}, seed {res.seed}) in {res.elapsed:.1f} s; {n_feasible} feasible"
    )
    cols = ["rank", "spec", "cost_per_period", "cost_per_period_ci_low", "cost_per_period_ci_high", "fill_rate"]
    cols += ["cycle_service_level", "average_on_hand", "feasible"]
    if res.objective not in cols:
        cols.insert(2, res.objective)
    print(res.table[cols].head(args.top).to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    if res.best is None:
        print(f"no policy meets fill_rate >= {args.min_fill_rate}")
    else:
        b = res.best
        print(
            f"best: {b['spec']}  cost {b['cost_per_period']:.4f} [{b['cost_per_period_ci_low']:.4f}, "
            f"{b['cost_per_period_ci_high']:.4f}]  fill rate {b['fill_rate']:.4f}"
        )
    print(f"cost/service frontier: {len(res.frontier)} Pareto-efficient policies")
    front = res.frontier[["spec", "cost_per_period", "fill_rate"]]
    print(front.head(args.top).to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    for name, path in paths.items():
        print(f"{name}: {path}")
    return 0
