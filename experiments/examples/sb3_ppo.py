"""stable-baselines3 PPO on any inv-gym id, through SB3's own ``make_vec_env``.

Nothing here is private to the suite: SB3's ``make_vec_env`` builds the envs with the
env options as ``env_kwargs``, SB3's default PPO trains, and ``inv_gym.score`` reports
the gap to the certified optimum in the model's own units::

    python experiments/examples/sb3_ppo.py --instance zipkin-lost-sales/L1-p4
    python experiments/examples/sb3_ppo.py --instance suite/BaseStock --timesteps 300000

``RECOMMENDED`` holds the env options and PPO settings that work per model: order-up-to
actions and a parameter-derived observation scale everywhere they help, a random
starting stock on the backorder models (so the policy sees high stock and learns not
to order there), a reward scale of order 1, and episodes cut at 200 periods
(``horizon``; a truncation, which SB3 bootstraps). PPO's own hyperparameters stay SB3's
defaults except where a row says otherwise.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env

import inv_gym
from inv_gym.instances import get_instance

_BACKORDER = dict(action="order_up_to", obs_scale=True, random_start=True, reward_scale=0.1, horizon=200)
#: id -> (env_kwargs, PPO keyword arguments)
RECOMMENDED: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "inv_gym/Newsvendor-v0": (dict(action="order_up_to", obs_scale=True, reward_scale=0.01), dict(gamma=0.0)),
    "inv_gym/EOQ-v0": (_BACKORDER, {}),
    "inv_gym/BaseStock-v0": (_BACKORDER, {}),
    "inv_gym/Qr-v0": (_BACKORDER, {}),
    "inv_gym/LostSales-v0": (dict(action="order_up_to", obs_scale=True, reward_scale=0.1, horizon=200), {}),
    "inv_gym/Perishable-v0": (dict(obs_scale=True, reward_scale=0.1, horizon=200), {}),
    "inv_gym/StochasticLeadTime-v0": (_BACKORDER, {}),
    "inv_gym/ConcreteMixers-v0": (dict(obs_scale=True), dict(gamma=1.0)),
    # MultiDiscrete: order-up-to maps (q_r, q_e) to the two index levels, and the chain's orders to
    # echelon base-stock levels
    "inv_gym/DualSourcing-v0": (_BACKORDER, {}),
    "inv_gym/Serial-v0": ({**_BACKORDER, "reward_scale": 0.02}, {}),
}
_TRAINING_ONLY = ("horizon", "reward_scale", "random_start")  # not needed to act


def train_and_score(instance: str, timesteps: int, seed: int, n_envs: int, reps: int) -> Any:
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    inst = get_instance(instance)
    env_kwargs, ppo_kwargs = RECOMMENDED[inst.env_id]
    venv = make_vec_env(inst.env_id, n_envs=n_envs, seed=seed, env_kwargs={**dict(inst.overrides), **env_kwargs})
    model = PPO("MlpPolicy", venv, seed=seed, device="cpu", **ppo_kwargs)
    t0 = time.perf_counter()
    model.learn(total_timesteps=timesteps)
    seconds = time.perf_counter() - t0
    options = {k: v for k, v in env_kwargs.items() if k not in _TRAINING_ONLY}
    s = inv_gym.score(model, inst, reps=reps, seed=seed + 1, options=options)
    print(
        f"{inst.key}: cost {s.cost}  optimum {s.optimum:.4f} ({s.optimum_method})  "
        f"gap {100 * s.gap.mean:.2f}% [{100 * s.gap.ci_low:.2f}, {100 * s.gap.ci_high:.2f}]  "
        f"{timesteps} steps in {seconds:.0f} s ({timesteps / seconds:,.0f} steps/s)"
    )
    return s, model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instance", default="zipkin-lost-sales/L1-p4", help="set/name (see inv_gym.instances)")
    parser.add_argument("--timesteps", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-envs", type=int, default=8)
    parser.add_argument("--reps", type=int, default=100, help="replications of the score")
    parser.add_argument("--save", default=None, help="save the model to this .zip")
    args = parser.parse_args()
    np.set_printoptions(precision=4)
    _, model = train_and_score(args.instance, args.timesteps, args.seed, args.n_envs, args.reps)
    if args.save:
        model.save(args.save)


if __name__ == "__main__":
    main()
