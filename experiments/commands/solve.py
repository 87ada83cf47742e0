"""``inv-gym solve ENV_ID``: the optimum of an instance by the best exact method.

The method is chosen from the parameters: the newsvendor's critical fractile
(one period), the exact base-stock level (backorders, no fixed cost),
Zheng-Federgruen's (s, S) (backorders, fixed cost), relative value iteration
(other small discrete instances: lost sales, perishables, capacity, random lead
times over the observed state) or backward induction (finite horizons longer
than one period: the optimal time-dependent policy and the expected total
cost from the initial state). Where no exact method applies the command says
so and names the search that does.
Add ``--simulate`` to check the optimum by Monte Carlo evaluation of its policy.
"""

from __future__ import annotations

import argparse

from experiments.commands.common import add_env_args, params_from_args, print_json
from experiments.commands.evaluate import reps_type


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``solve`` subcommand to the ``inv-gym`` parser."""
    p = sub.add_parser("solve", help="optimal policy and cost by the best exact method", description=__doc__)
    add_env_args(p)
    p.add_argument("--json", action="store_true", help="print JSON: method, policy, average_cost")
    p.add_argument("--simulate", action="store_true", help="also simulate the optimal policy (cost with 95%% CI)")
    p.add_argument("--reps", type=reps_type, default=200, help="replications for --simulate, >= 2 (default 200)")
    p.add_argument("--horizon", type=int, default=1000, help="measured periods for --simulate (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="seed for --simulate (default 0)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``inv-gym solve``; return the exit status."""
    from agents.analytical import policy_from_solution
    from experiments.commands.serial import is_serial_id, run_serial_solve
    from inv_gym.analytic.solve import solve
    from inv_gym.evaluation import evaluate

    if is_serial_id(args.env_id):  # the serial chain: Clark-Scarf echelon base stock
        return run_serial_solve(args)
    env_id, params = params_from_args(args)
    sol = solve(params, env_id=env_id)
    out = sol.to_dict()
    if args.simulate and sol.policy is not None:
        horizon = params.horizon if params.finite_horizon else args.horizon
        warmup = 0 if params.finite_horizon else 100
        ev = evaluate(
            policy_from_solution(sol, params), params, reps=args.reps, horizon=horizon, warmup=warmup, seed=args.seed
        )
        c = ev["cost_per_period"]
        out["simulated_cost"] = {"mean": c.mean, "ci_low": c.ci_low, "ci_high": c.ci_high}
    if args.json:
        print_json(out)
        return 0
    if sol.method is None:
        print(f"{env_id}: no exact method applies ({sol.reason}).")
        print(f"Search instead: {sol.search}")
        return 0
    pol = ", ".join(f"{k}={v}" for k, v in sol.policy.items() if k != "family") if sol.policy else ""
    print(f"{env_id}")
    print(f"  method        {sol.method}")
    print(f"  policy        {sol.policy['family'] if sol.policy else '-'}({pol})")
    print(f"  average cost  {sol.average_cost:.4f} per period")
    if "total_cost" in sol.details:
        print(f"  total cost    {sol.details['total_cost']:.4f} expected over {sol.details['horizon']} periods")
    for k, v in sol.details.items():
        print(f"  {k:<13} {v}")
    if "simulated_cost" in out:
        s = out["simulated_cost"]
        print(f"  simulated     {s['mean']:.4f} [{s['ci_low']:.4f}, {s['ci_high']:.4f}] (95% CI)")
    return 0
