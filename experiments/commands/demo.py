"""``inv-gym demo``: run one episode of an env under a simple order-up-to rule.

A short smoke run until the learned-versus-classical benchmark exists.
"""

from __future__ import annotations

import argparse

import numpy as np

from experiments.commands.common import add_env_args, params_from_args


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="one episode under an order-up-to rule (a smoke run)", description=__doc__)
    add_env_args(p)
    p.add_argument("--level", type=float, default=None, help="order-up-to level (default: 1.5 x mean lead-time demand)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from inv_gym.envs import InventoryEnv

    env_id, params = params_from_args(args)
    env = InventoryEnv(params)
    level = args.level if args.level is not None else 1.5 * params.demand.mean * (params.mean_lead_time + 1)
    obs, _ = env.reset(seed=args.seed)
    total, steps, done = 0.0, 0, False
    while not done:
        pipeline = sum(obs[1 : 1 + params.max_lead_time])
        q = int(np.clip(np.ceil(level - obs[0] - pipeline), 0, params.max_order))
        obs, r, term, trunc, _ = env.step(q)
        total += r
        steps += 1
        done = term or trunc
    print(f"{env_id}: {steps} periods, order-up-to {level:g}: average reward per period {total / steps:.4f}")
    return 0
