"""``inv-gym train``: train a stable-baselines3 agent (PPO, A2C or DQN) on an env.

Trains with the id's defaults (``agents.ppo.ENV_DEFAULTS``), saves the model,
its normalization statistics and ``agent.json`` in ``--out``, then evaluates
the trained policy with the Monte Carlo evaluator (common random numbers).
``--algo native_ppo`` also trains on the serial chain (``inv-gym train Serial --algo
native_ppo --set lead_times=0,1,2 ...``), scored by its own evaluator.
"""

from __future__ import annotations

import argparse

from experiments.commands.common import add_env_args, params_from_args, print_json
from experiments.commands.evaluate import reps_type


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a PPO/A2C/DQN agent on an env and evaluate it", description=__doc__)
    add_env_args(p)
    p.add_argument(
        "--algo",
        choices=("ppo", "a2c", "dqn", "pathwise", "native_ppo"),
        default="ppo",
        help="algorithm (default ppo); pathwise: gradients through the differentiable period (agents.pathwise); "
        "native_ppo: torch PPO on the batched kernel (agents.native_ppo)",
    )
    p.add_argument("--timesteps", type=int, default=100_000, help="training steps (default 100000)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--iterations", type=int, default=None, help="gradient steps of --algo pathwise (default 1000)")
    p.add_argument("--time-limit", type=float, default=None, help="training seconds of --algo pathwise (default none)")
    p.add_argument("--out", default=None, help="directory to save the agent to (default runs/<env>-<algo>-s<seed>)")
    p.add_argument("--n-envs", type=int, default=None, help="copies of the model stepped together")
    p.add_argument(
        "--train-horizon", type=int, default=None, help="episode length in training (infinite-horizon models)"
    )
    p.add_argument("--tensorboard", default=None, metavar="DIR", help="write TensorBoard logs to DIR")
    p.add_argument(
        "--eval-reps", type=reps_type, default=100, help="evaluation replications, >= 2 for a CI (default 100)"
    )
    p.add_argument("--eval-horizon", type=int, default=1000, help="evaluation periods (infinite-horizon models)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.algo == "pathwise":
        return run_pathwise(args)
    if args.algo == "native_ppo":
        return run_native_ppo(args)
    from agents.ppo import train
    from experiments.commands.common import options_from_args, split_sets

    env_id, params = params_from_args(args, options=True)
    if args.timesteps < 1:
        raise ValueError(f"--timesteps must be >= 1, got {args.timesteps}")
    options_from_args(args)  # validates the env options
    overrides, options = split_sets(args)
    out = args.out or f"runs/{env_id.split('/', 1)[1]}-{args.algo}-s{args.seed}"
    agent = train(
        env_id,
        algo=args.algo,
        timesteps=args.timesteps,
        seed=args.seed,
        overrides=overrides,
        out=out,
        **options,
        n_envs=args.n_envs,
        train_horizon=args.train_horizon,
        tensorboard=args.tensorboard,
        progress=not args.no_progress and not args.json,
    )
    if params.finite_horizon:
        ev = agent.evaluate(reps=args.eval_reps, seed=args.seed + 1)
    else:
        ev = agent.evaluate(reps=args.eval_reps, horizon=args.eval_horizon, warmup=100, seed=args.seed + 1)
    cost = ev["reward_per_period"]
    result = {
        "env_id": env_id,
        "algo": args.algo,
        "timesteps": int(agent.model.num_timesteps),
        "train_time": agent.train_time,
        "out": out,
        "cost_per_period": {"mean": -cost.mean, "ci_low": -cost.ci_high, "ci_high": -cost.ci_low},
        "fill_rate": ev["fill_rate"].to_dict(),
    }
    if args.json:
        print_json(result)
    else:
        c = result["cost_per_period"]
        print(
            f"{env_id} {args.algo}: {result['timesteps']} steps in {agent.train_time:.1f} s; "
            f"cost per period {c['mean']:.4f} [{c['ci_low']:.4f}, {c['ci_high']:.4f}], "
            f"fill rate {ev['fill_rate'].mean:.3f}; saved to {out}"
        )
    return 0


def run_pathwise(args: argparse.Namespace) -> int:
    """``--algo pathwise``: train :mod:`agents.pathwise`, save it, score it on the kernel
    (``Serial``, ``inv_gym/Serial-v0``: the chain's parameters from ``--set``, scored on its kernel)."""
    from agents.pathwise import PathwiseConfig, train_pathwise
    from experiments.commands.serial import SERIAL_IDS, is_serial_id, serial_params_from_args
    from inv_gym.evaluation import evaluate
    from inv_gym.serial.evaluation import serial_evaluate

    serial = is_serial_id(args.env_id)  # the chain: its parameters, scored on its kernel
    env_id, params = (SERIAL_IDS[0], serial_params_from_args(args)) if serial else params_from_args(args)
    settings = {"seed": args.seed}
    if args.iterations is not None:
        settings["iterations"] = args.iterations
    if args.time_limit is not None:
        settings["time_limit"] = args.time_limit
    policy = train_pathwise(params, PathwiseConfig(**settings))
    out = args.out or f"runs/{env_id.split('/', 1)[1]}-pathwise-s{args.seed}"
    policy.save(out)
    if serial:
        ev = serial_evaluate(
            policy, params, reps=args.eval_reps, horizon=args.eval_horizon, warmup=100, seed=args.seed + 1
        )
    else:
        horizon = {} if params.finite_horizon else {"horizon": args.eval_horizon, "warmup": 100}
        ev = evaluate(policy, params, reps=args.eval_reps, seed=args.seed + 1, **horizon)
    cost = ev["cost_per_period"]
    steps = policy.history[-1].iteration if policy.history else 0
    result = {
        "env_id": env_id,
        "algo": "pathwise",
        "iterations": steps,
        "train_time": policy.train_time,
        "out": out,
        "cost_per_period": {"mean": cost.mean, "ci_low": cost.ci_low, "ci_high": cost.ci_high},
        "fill_rate": ev["fill_rate"].to_dict(),
    }
    if args.json:
        print_json(result)
    else:
        print(
            f"{env_id} pathwise: {steps} gradient steps in {policy.train_time:.1f} s; "
            f"cost per period {cost.mean:.4f} [{cost.ci_low:.4f}, {cost.ci_high:.4f}], "
            f"fill rate {ev['fill_rate'].mean:.3f}; saved to {out}"
        )
    return 0


def run_native_ppo(args: argparse.Namespace) -> int:
    """``--algo native_ppo``: train :mod:`agents.native_ppo` (its defaults), save it, score it on the kernel.

    ``inv_gym/Serial-v0`` (or ``Serial``) trains on the serial chain, its ``--set`` values
    parsed as ``inv-gym solve Serial`` parses them; the chain is scored by its own evaluator.
    """
    from agents.native_ppo import NativePPOConfig, train
    from experiments.commands.common import parse_sets
    from experiments.commands.serial import SERIAL_IDS, is_serial_id, serial_params_from_args

    if is_serial_id(args.env_id):
        env_id, params = SERIAL_IDS[0], serial_params_from_args(args)
        overrides, finite = params.to_dict(), False
    else:
        env_id, params = params_from_args(args)
        overrides, finite = parse_sets(args.sets), params.finite_horizon
    settings = {"timesteps": args.timesteps, "seed": args.seed}
    for name, value in (("n_envs", args.n_envs), ("horizon", args.train_horizon)):
        if value is not None:
            settings[name] = value
    out = args.out or f"runs/{env_id.split('/', 1)[1]}-native_ppo-s{args.seed}"
    agent = train(env_id, NativePPOConfig(**settings), overrides=overrides, out=out)
    horizon = {} if finite else {"horizon": args.eval_horizon, "warmup": 100}
    cost = agent.evaluate(reps=args.eval_reps, seed=args.seed + 1, **horizon)["cost_per_period"]
    result = {
        "env_id": env_id,
        "algo": "native_ppo",
        "timesteps": agent.timesteps,
        "train_time": agent.train_time,
        "out": out,
        "cost_per_period": {"mean": cost.mean, "ci_low": cost.ci_low, "ci_high": cost.ci_high},
    }
    if args.json:
        print_json(result)
    else:
        print(
            f"{env_id} native_ppo: {agent.timesteps} steps in {agent.train_time:.1f} s; cost per period {cost}; saved to {out}"
        )
    return 0
