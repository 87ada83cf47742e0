"""``inv-gym plot``: figures of a policy on an env (PNG).

Examples::

    inv-gym plot trajectory inv_gym/Qr-v0 --policy ss:s=6,S=40 --out results/plots/trajectory.png
    inv-gym plot distribution BaseStock --policy base_stock:S=20 --reps 200 --out results/plots/dist.png

``trajectory``: on hand, backorders, units on order and orders over time (one
replication). ``distribution``: PDF and CDF of the backorder level (lost units
under lost sales) and of the profit per episode.
"""

from __future__ import annotations

import argparse

from experiments.commands.common import add_env_args, params_from_args


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``plot`` subcommand to the ``inv-gym`` parser."""
    p = sub.add_parser(
        "plot",
        help="plot a policy's inventory trajectory or metric distributions (PNG)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("kind", choices=("trajectory", "distribution"), help="which figure")
    add_env_args(p)
    p.add_argument("--policy", required=True, metavar="SPEC", help="policy spec, e.g. ss:s=19,S=56")
    p.add_argument("--out", required=True, metavar="FILE.png", help="the PNG to write")
    p.add_argument("--periods", type=int, default=60, help="trajectory: periods shown (default 60)")
    p.add_argument("--reps", type=int, default=200, help="distribution: replications (default 200)")
    p.add_argument(
        "--horizon", type=int, default=None, help="distribution: periods per replication (default: the env's)"
    )
    p.add_argument("--warmup", type=int, default=0, help="distribution: warm-up periods (default 0)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``inv-gym plot``; return the exit status."""
    from agents.specs import parse_policy

    policy = parse_policy(args.policy)
    _, params = params_from_args(args)
    if not args.out.lower().endswith(".png"):
        raise ValueError(f"--out must be a .png file, got {args.out!r}")
    from experiments.plots import plot_distribution, plot_trajectory

    if args.kind == "trajectory":
        if args.periods < 1:
            raise ValueError(f"--periods must be >= 1, got {args.periods}")
        path = plot_trajectory(policy, params, args.out, periods=args.periods, seed=args.seed)
    else:
        path = plot_distribution(
            policy, params, args.out, reps=args.reps, horizon=args.horizon, warmup=args.warmup, seed=args.seed
        )
    print(path)
    return 0
