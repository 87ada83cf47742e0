"""``inv-gym bandit``, ``inv-gym epsilon-comparison`` and ``inv-gym concrete-mixers``.

``inv-gym bandit ENV_ID --family F --grid G`` runs a bandit whose arms are the
grid's policies (one episode per pull, reward minus its cost) and reports each
arm's estimate and pull count and the best arm (the most-pulled one)::

    inv-gym bandit ConcreteMixers --family periodic --grid "T=1:10,S=11" --epsilon 0.1 --runs 50 --json
    inv-gym bandit Qr --family ss --grid "s=0:12:3,S=25:50:5" --algo ucb1 --set horizon=365
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

from experiments.commands.common import add_env_args, params_from_args, print_json, to_jsonable


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``bandit`` subcommand to the ``inv-gym`` parser."""
    p = sub.add_parser(
        "bandit",
        help="a multi-armed bandit over a grid of policies (epsilon-greedy, UCB1, Thompson)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_env_args(p)
    p.add_argument("--family", required=True, help="policy family of the arms: ss, rq, base_stock, periodic, ...")
    p.add_argument(
        "--grid", required=True, help='arms, e.g. "s=0:40,S=1:80" or "T=1:10,S=11" (a:b inclusive, a:b:step, "1 2 3")'
    )
    algo = p.add_mutually_exclusive_group()
    algo.add_argument("--epsilon", default=None, help="epsilon-greedy: 0.1, 1/t, exp:0.99 (default 0.1)")
    algo.add_argument(
        "--algo", choices=("epsilon", "ucb1", "thompson"), default=None, help="the algorithm (default epsilon)"
    )
    p.add_argument("--iterations", type=int, default=500, help="pulls per run (default 500)")
    p.add_argument("--runs", type=int, default=1, help="independent runs advanced together (default 1)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--crn", action="store_true", help="common random numbers: every run sees the same demand each iteration"
    )
    p.add_argument("--out", default=None, metavar="DIR", help="write arms.csv and bandit.json to DIR")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run_bandit_command)

    from experiments import concrete_mixers, epsilon_comparison

    for name, module, help_text in (
        (
            "epsilon-comparison",
            epsilon_comparison,
            "reward, best-arm share and regret of epsilon-greedy for several epsilons",
        ),
        (
            "concrete-mixers",
            concrete_mixers,
            "the concrete-mixer store: best review period by simulation, bandits and the long run",
        ),
    ):
        sp = sub.add_parser(
            name, help=help_text, description=module.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        module.add_arguments(sp)
        sp.set_defaults(func=_study_runner(module))


def _study_runner(module: Any) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        """Run ``inv-gym bandit``; return the exit status."""
        module.main(module.config_from_args(args))
        return 0

    return run


def run_bandit_command(args: argparse.Namespace) -> int:
    from agents.bandit import PolicyArms, make_bandit, parse_epsilon, run_bandit
    from experiments.io import write_csv, write_json

    env_id, params = params_from_args(args)
    arms = PolicyArms(args.family, args.grid)
    if args.iterations < 1:
        raise ValueError(f"--iterations must be >= 1, got {args.iterations}")
    if args.runs < 1:
        raise ValueError(f"--runs must be >= 1, got {args.runs}")
    algo = args.algo or "epsilon"
    kwargs: dict = {}
    if algo == "epsilon":
        kwargs["epsilon"] = parse_epsilon(args.epsilon) if args.epsilon is not None else 0.1
    elif algo == "ucb1":
        kwargs["c"] = "auto"
    import numpy as np

    bandit = make_bandit(algo, arms.n_arms, runs=args.runs, seed=np.random.SeedSequence([args.seed, 1]), **kwargs)
    res = run_bandit(arms, bandit, params, iterations=args.iterations, seed=args.seed, crn=args.crn)
    out = {"env_id": env_id, **res.summary()}
    out["bandit"] = {k: v for k, v in out["bandit"].items() if k != "runs"}
    if args.out:
        import pandas as pd

        write_csv(pd.DataFrame(out["arms"]), os.path.join(args.out, "arms.csv"))
        write_json(to_jsonable(out), os.path.join(args.out, "bandit.json"))
    if args.json:
        print_json(out)
        return 0
    unit = "per period" if out["reward"] == "per_period" else "per episode"
    print(
        f"{env_id}: {out['bandit']['algo']} over {arms.n_arms} {arms.family} arms, {args.runs} run(s) x {args.iterations} pulls"
    )
    print(f"{'arm':<28} {'estimate (' + unit + ')':>24} {'pulls':>8}")
    labels = arms.labels()
    for lab, a in zip(labels, out["arms"]):
        est = "-" if a["estimate"] is None else f"{a['estimate']:.4f}"
        print(f"{lab:<28} {est:>24} {a['pulls']:>8}")
    best = ", ".join(f"{k}={v}" for k, v in out["best_arm"].items() if k != "family")
    print(f"best arm (most pulled): {out['best_arm']['family']} {best}")
    return 0
