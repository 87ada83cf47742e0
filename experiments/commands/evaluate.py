"""``inv-gym evaluate``: Monte Carlo evaluation of a heuristic policy on an env.

Example::

    inv-gym evaluate inv_gym/Qr-v0 --policy ss:s=6,S=40 --reps 200 --horizon 365 --warmup 50
    inv-gym evaluate LostSales --policy base_stock:S=8 --set lead_time=2 --json
    inv-gym evaluate ConcreteMixers --policy periodic:T=5,S=11 --reps 2000 --exact

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
    "zero_stock_periods",
    "demand_on_zero_stock_periods",
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
    p.add_argument(
        "--reps", type=reps_type, default=reps, help=f"replications, >= 2 for a confidence interval (default {reps})"
    )
    p.add_argument(
        "--horizon", type=int, default=None, help="measured periods per replication (default: the env's horizon)"
    )
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
    p.add_argument(
        "--exact",
        action="store_true",
        help="also compute the exact values on the DP's chain (long-run averages, or forward propagation over "
        "a finite horizon) and print them beside the simulation's CIs",
    )
    p.set_defaults(func=run)


def exact_values(policy: object, params: object) -> dict[str, float]:
    """Exact metric values of a policy spec's policy (periodic review: its review period is the cycle)."""
    from inv_gym.analytic.solve import evaluate_exact

    describe = getattr(policy, "describe", dict)()
    cycle = int(describe["T"]) if describe.get("family") == "periodic" else None
    return evaluate_exact(policy, params, cycle=cycle)


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
    exact = exact_values(policy, params) if args.exact else {}
    if args.json:
        out = {m: {k: getattr(ev[m], k) for k in ("mean", "ci_low", "ci_high")} for m in METRICS}
        for m, v in exact.items():
            if m in out:
                out[m]["exact"] = v
        if exact:
            out["exact_boundary_mass"] = exact["boundary_mass"]
        print_json(out)
        return 0
    print(f"{env_id}  policy {policy_spec(policy)}")
    print(f"{ev.reps} replications x {ev.horizon} periods (warm-up {ev.warmup}), seed {ev.seed}; 95% CI")
    width = max(len(m) for m in TABLE_METRICS)
    head = f"{'metric':<{width}}  {'mean':>12}  {'ci_low':>12}  {'ci_high':>12}"
    print(head + (f"  {'exact':>12}" if exact else ""))
    for m in TABLE_METRICS:
        c = ev[m]
        line = f"{m:<{width}}  {c.mean:>12.4f}  {c.ci_low:>12.4f}  {c.ci_high:>12.4f}"
        if exact:
            line += f"  {exact[m]:>12.4f}" if m in exact else f"  {'':>12}"
        print(line)
    if exact:
        kind = "expected totals / T by forward propagation" if params.finite_horizon else "long-run averages"
        print(
            f"exact: {kind} on the DP's chain (boundary mass {exact['boundary_mass']:.2g}); "
            "fill_rate exact is E[sold] / E[demand]"
        )
    if args.csv:
        print(f"per-replication table: {args.csv}")
    return 0
