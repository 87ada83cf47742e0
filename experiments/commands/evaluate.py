"""``inv-gym evaluate``: Monte Carlo evaluation of a heuristic policy on an env.

Example::

    inv-gym evaluate inv_gym/Qr-v0 --policy ss:s=6,S=40 --reps 200 --horizon 365 --warmup 50
    inv-gym evaluate LostSales --policy base_stock:S=8 --set lead_time=2 --json

Policy specs: base_stock:S=20, capped_base_stock:S=12,cap=6, ss:s=19,S=56,
rq:r=3,Q=5, periodic:T=4,S=11 (basis=on_hand optional), constant:q=4, myopic,
scheduled:plan=0 10;5 8.
"""

from __future__ import annotations

import argparse

from experiments.commands.common import add_env_args, params_from_args, print_json

#: metrics printed in the readable table (the JSON has every metric)
TABLE_METRICS: tuple[str, ...] = (
    "cost_per_period",
    "cost_per_episode",
    "reward_per_period",
    "fill_rate",
    "cycle_service_level",
    "average_on_hand",
    "average_backorders",
    "lost_units",
    "expired_units",
    "orders_placed",
    "units_ordered",
)


def reps_type(text: str) -> int:
    """``--reps``: an integer >= 2 (a 95% confidence interval needs two replications)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 2, got {text!r}") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be an integer >= 2 (a 95% CI needs two replications), got {value}")
    return value


def add_run_args(p: argparse.ArgumentParser, *, reps: int) -> None:
    """``--reps``, ``--horizon``, ``--warmup`` and ``--seed``."""
    p.add_argument("--reps", type=reps_type, default=reps, help=f"replications, >= 2 for a confidence interval (default {reps})")
    p.add_argument("--horizon", type=int, default=None, help="measured periods per replication (default: the env's horizon)")
    p.add_argument("--warmup", type=int, default=0, help="periods simulated before measuring (default 0)")
    p.add_argument("--seed", type=int, default=0, help="seed of the demand and lead-time draws (default 0)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``evaluate`` subcommand to the ``inv-gym`` parser."""
    p = sub.add_parser(
        "evaluate",
        help="evaluate a policy by simulation (mean and 95%% CI per metric)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_env_args(p)
    p.add_argument("--policy", required=True, metavar="SPEC", help="policy spec, e.g. ss:s=19,S=56")
    add_run_args(p, reps=100)
    p.add_argument("--json", action="store_true", help="print JSON: {metric: {mean, ci_low, ci_high}}")
    p.add_argument("--csv", metavar="PATH", help="write the per-replication table as CSV")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``inv-gym evaluate``; return the exit status."""
    from agents.specs import parse_policy, policy_spec
    from inv_gym.evaluation import METRICS, evaluate

    policy = parse_policy(args.policy)
    env_id, params = params_from_args(args)
    ev = evaluate(
        policy,
        params,
        reps=args.reps,
        horizon=args.horizon,
        warmup=args.warmup,
        seed=args.seed,
        progress=not args.json,
    )
    if args.csv:
        ev.to_csv(args.csv)
    if args.json:
        print_json({m: {k: getattr(ev[m], k) for k in ("mean", "ci_low", "ci_high")} for m in METRICS})
        return 0
    print(f"{env_id}  policy {policy_spec(policy)}")
    print(f"{ev.reps} replications x {ev.horizon} periods (warm-up {ev.warmup}), seed {ev.seed}; 95% CI")
    width = max(len(m) for m in TABLE_METRICS)
    print(f"{'metric':<{width}}  {'mean':>12}  {'ci_low':>12}  {'ci_high':>12}")
    for m in TABLE_METRICS:
        c = ev[m]
        print(f"{m:<{width}}  {c.mean:>12.4f}  {c.ci_low:>12.4f}  {c.ci_high:>12.4f}")
    if args.csv:
        print(f"per-replication table: {args.csv}")
    return 0
