"""A native PPO: torch on CPU stepping the batched kernels (``InventoryVectorEnv``, ``SerialVectorEnv``) directly.

Proximal policy optimisation (Schulman, Wolski, Dhariwal, Radford & Klimov 2017,
arXiv 1707.06347) with generalised advantage estimation (Schulman, Moritz,
Levine, Jordan & Abbeel 2016, arXiv 1506.02438), written in one readable loop in
the manner of CleanRL's single-file PPO. Nothing sits between the learner and the
numba kernel: one :class:`inv_gym.envs.InventoryVectorEnv` call advances all N
copies by a period, and the learning aids are the env's own options
(:mod:`inv_gym.envs.options`): the action (:func:`default_action`: the order
quantity under lost sales, a target inventory position under backorders),
``obs_scale=True``, ``random_start=True`` (infinite-horizon
models), ``reward_scale=c`` and ``max_episode_steps=T``.

Serial chains. ``train("inv_gym/Serial-v0", config)`` (or :class:`SerialParams`)
steps :class:`inv_gym.serial.SerialVectorEnv` the same way. Its action is
``MultiDiscrete``, one component per stage, and the actor has one softmax per
stage as it has one per source under dual sourcing. The default action is the
env's ``"order_up_to"`` option: stage m's component is an echelon base-stock
level S_m, turned into q_m = clip(S_m - IP_m, 0, max_order) by the env, so the
optimal policy (echelon base stock, Clark & Scarf 1960) is one constant level
per stage. Observations are divided by the chain's ``obs_scale`` (per stage,
the mean demand over the echelon's protection period), the default reward scale
is :func:`_chain_reward_scale`, training episodes start from a random stock and
are cut at ``horizon`` (the chain never terminates). The trained policy is a
:class:`NativePPOSerialPolicy`, scored by
:func:`inv_gym.serial.evaluation.serial_evaluate` or :func:`inv_gym.score`.
What differs between the two kinds of model (env, action sizes, defaults,
policy, evaluator, saved parameters) sits in one class per kind
(:class:`_SingleItem`, :class:`_Chain`), chosen by :func:`_model` from the
parameters' type.

Three aids apply to chains alone (:class:`_Chain`); single-item training is unchanged:

* **Standardised observations** (:class:`ObsNormaliser`): the networks read
  (x - mu) / sigma per entry, with running moments of the observations seen in
  training, clipped to [-10, 10]; the final statistics are saved with the agent
  (``agent.json``) and applied, frozen, by the trained policy.
* **Initial levels around the lead-time demand** (:func:`_level_prior_logits`):
  under ``"order_up_to"`` the actor's output biases start as the log-density of
  echelon m's demand over its protection period (normal approximation, floored
  at four standard deviations), not uniform over 0 .. ``level_upper``.
* **Entropy per stage** (:meth:`_Chain.entropy_weight`): the bonus is c_H times
  the *mean* of the M stages' entropies (c_H / M times their sum), so a chain
  gets the single item's exploration pressure per decision, not M times it.

Why (Snyder & Shen's Example 6.1, Clark-Scarf optimum 52.0467, 1,000,000 steps,
greedy gap on ``inv_gym.score``'s 100 paired replications): with none of them PPO
ended 7.2 to 9.4% above the optimum (3 seeds), stage 2's level above stage 3's
so that stage 2 passed all its stock on (a policy exactly 7.34% above), and more
steps (3M: 7.8%) did not leave it. One seed each, while developing (before the
clip and the floor): the normaliser alone 7.1%, with c_H / M 3.8%; the level
prior alone 4.8%, with c_H / M 1.7%; both, with c_H summed, 3.7%. All three, as
they are: 1.30, 0.98 and 0.96% (seeds 0 to 2, mean 1.08%), at 32,000 steps per
second on one thread (about 35,000 without them). The four-stage
``hdpo-L2-p9`` (optimum 14.043): 2.53, 2.55 and 6.23% (mean 3.8%; 13.8% without
the aids, seed 0), 18,000 steps per second with or without them.

Per iteration (B = N x T samples):

1. **Rollout.** T steps of the N copies with actions a ~ pi_theta(. | s) (a
   categorical distribution over the env's ``Discrete`` actions, one per component
   of a ``MultiDiscrete`` action), storing s, a,
   log pi_theta(a | s), V_phi(s), r and the end flags.
2. **Advantages (GAE).** With done_t = terminated_t or truncated_t,

   .. math::
       \\delta_t = r_t + \\gamma (1 - \\mathrm{term}_t) V(s_{t+1}) - V(s_t), \\qquad
       A_t = \\delta_t + \\gamma \\lambda (1 - \\mathrm{done}_t) A_{t+1},

   and the value target R_t = A_t + V(s_t). Under the vector env's NEXT_STEP
   autoreset the observation returned with done_t is the episode's *final*
   observation s_{t+1}, so a truncated episode is bootstrapped with V(s_{t+1})
   (infinite-horizon models are cut at ``horizon`` periods: a truncation, never a
   termination). The following step is the env's reset step (its action is
   ignored, its reward is 0): it is no transition of the MDP, so it is masked out
   of the loss, and the recursion stops at done_t.
3. **Update.** ``epochs`` passes over the valid samples in random minibatches of
   ``minibatch_size``, minimising

   .. math::
       L = -\\mathbb{E}\\big[\\min(\\rho \\hat A, \\mathrm{clip}(\\rho, 1 - \\epsilon, 1 + \\epsilon) \\hat A)\\big]
           - c_H \\mathbb{E}[H(\\pi_\\theta(\\cdot \\mid s))]
           + c_V \\tfrac12 \\mathbb{E}[(V_\\phi(s) - R)^2],

   with rho = pi_theta(a | s) / pi_old(a | s), \\hat A the advantages normalised
   within the minibatch, Adam, the learning rate annealed linearly to 0
   (``anneal_lr``) and each network's gradient norm clipped to ``max_grad_norm``.

The policy and the value function are separate tanh MLPs (orthogonal
initialisation, output gains 0.01 and 1, as in CleanRL). The trained policy,
:class:`NativePPOPolicy`, acts greedily (the most probable action) on *raw*
observations: it divides them by :func:`inv_gym.envs.options.observation_scale`
and turns a target level into an order with
:func:`inv_gym.envs.options.orders_from_levels` and the inventory position read
from the observation, as the env does; so :func:`inv_gym.evaluation.evaluate`
scores it on the kernel in the model's own units like every other policy.

Model selection (``select_every``, default 4). PPO's greedy policy keeps moving
late in training: on Zipkin's L3-p39 (seed 0, 1,000,000 steps) its cost on
100,000 check periods swung between 10.15 and 10.45 from one check to the next.
Every ``select_every`` iterations over the second half of the budget, and after
the last, the greedy policy is scored on the kernel (:data:`SELECT_REPS` x
:data:`SELECT_HORIZON` periods after :data:`SELECT_WARMUP`, draws of
:func:`select_seed`, apart from the training's and from the caller's), and the
agent returned holds the networks (and a chain's observation statistics) of the
best check. On the benchmark's draws this took the two worst seeds of the grid from
2.67% to 1.99% (L3-p39, seed 0) and from 2.44% to 1.06% (L1-p39, seed 2) above the
optimum.

Defaults (:class:`NativePPOConfig`) were chosen on Zipkin's lost-sales instances
(docs/benchmark.md, "Native PPO on the Zipkin lost-sales grid"): with few gradient
steps per sample PPO stays at the best constant order-up-to level (2.7% above the
optimum at L = 1, p = 4); 4 epochs of minibatches of 512 leave it, and an entropy
weight of 0.03 (not 0.01 or 0.001) keeps it from committing early to a worse
state-dependent policy at L = 4, p = 39.

Reproducibility: every draw comes from ``np.random.SeedSequence(seed)`` (the env's
seed, the torch generator of the initial weights, the action samples and the
minibatch order); training runs with ``torch.use_deterministic_algorithms(True)``
and ``torch_threads`` threads (both restored afterwards), so the same seed gives
identical weights on the same machine.

Usage::

    from agents.native_ppo import NativePPOConfig, load, train
    agent = train("inv_gym/LostSales-v0", NativePPOConfig(timesteps=3_000_000, seed=0), out="runs/ls")
    ev = agent.evaluate(reps=100, horizon=1000, warmup=100, seed=1)
    agent = load("runs/ls")
    chain = train("inv_gym/Serial-v0", NativePPOConfig(seed=0))  # Snyder & Shen's Example 6.1
    inv_gym.score(chain.policy(), "serial/example-6.1")
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import torch
from torch import nn

from agents.base import BasePolicy
from agents.serial import EchelonBaseStock
from inv_gym.envs.inventory import InventoryVectorEnv
from inv_gym.envs.options import (
    EnvOptions,
    action_uppers,
    observation_scale,
    orders_from_actions,
    orders_from_levels,
    positions_from_obs,
)
from inv_gym.instances import SERIAL_ENV_ID
from inv_gym.params import InventoryParams
from inv_gym.serial.env import SerialVectorEnv, make_serial_params
from inv_gym.serial.params import SerialParams

__all__ = [
    "NativePPOConfig",
    "NativePPOPolicy",
    "NativePPOSerialPolicy",
    "NativePPOAgent",
    "ObsNormaliser",
    "train",
    "load",
    "default_action",
    "default_reward_scale",
]

#: Largest rollout batch B = n_envs x rollout_steps (samples held in memory at once).
MAX_BATCH = 4_194_304
_FORMAT = 1

#: (low, high, low is open) of every numeric option; ints are the integer options.
_RANGES: dict[str, tuple[float, float, bool]] = {
    "timesteps": (1, 10_000_000_000, False),
    "seed": (0, 2**63 - 1, False),
    "n_envs": (1, 65_536, False),
    "rollout_steps": (1, 4_096, False),
    "minibatch_size": (1, MAX_BATCH, False),
    "epochs": (1, 100, False),
    "horizon": (1, 1_000_000, False),
    "torch_threads": (1, 256, False),
    "select_every": (0, 1_000_000, False),
    "learning_rate": (0.0, 1.0, True),
    "gamma": (0.0, 1.0, False),
    "gae_lambda": (0.0, 1.0, False),
    "clip_range": (0.0, 10.0, True),
    "entropy_coef": (0.0, 10.0, False),
    "value_coef": (0.0, 100.0, False),
    "max_grad_norm": (0.0, 1e6, True),
    "reward_scale": (0.0, 1e6, True),
}
_INTS = (
    "timesteps", "seed", "n_envs", "rollout_steps", "minibatch_size", "epochs", "horizon", "torch_threads",
    "select_every",
)  # fmt: skip
#: The greedy checks of ``select_every``: replications, measured periods, warm-up periods
#: (a finite horizon: SELECT_REPS x SELECT_HORIZON / T episodes of its own length).
SELECT_REPS, SELECT_HORIZON, SELECT_WARMUP = 200, 500, 100


def _refuse(name: str, value: Any) -> ValueError:
    low, high, open_low = _RANGES[name]
    kind = "an integer" if name in _INTS else "a number"
    return ValueError(f"{name} must be {kind} in {'(' if open_low else '['}{low:g}, {high:g}], got {value!r}")


@dataclass(frozen=True, kw_only=True)
class NativePPOConfig:
    """Settings of :func:`train`; every option is checked (ValueError naming it and its range).

    Attributes:
        timesteps: the budget, env steps summed over the copies, in [1, 1e10];
            rounded up to whole iterations of B = n_envs x rollout_steps steps.
        seed: seed of everything random in training, in [0, 2**63 - 1].
        n_envs: N, copies of the model stepped together, in [1, 65536].
        rollout_steps: T, steps per copy per iteration, in [1, 4096]; N x T <= 4,194,304.
        minibatch_size: samples per gradient step, in [1, N x T].
        epochs: passes over each rollout, in [1, 100].
        learning_rate: Adam's step size, in (0, 1].
        anneal_lr: decay the learning rate linearly to 0 over the budget.
        gamma: discount factor, in [0, 1].
        gae_lambda: GAE's lambda, in [0, 1].
        clip_range: PPO's epsilon, in (0, 10].
        entropy_coef: c_H, weight of the entropy bonus, in [0, 10].
        value_coef: c_V, weight of the value loss, in [0, 100].
        max_grad_norm: largest gradient norm of each network, in (0, 1e6].
        hidden: hidden-layer widths of both networks, 1 to 8 layers, each in [1, 4096].
        horizon: training episode length of infinite-horizon models (a truncation),
            in [1, 1e6]; finite-horizon models train on their own horizon.
        action: the env's ``action`` option, ``"order_up_to"`` or ``"order"``; None
            (the default): :func:`default_action` of the model (``"order"`` under
            lost sales, ``"order_up_to"`` under backorders). The trained agent's
            config holds the action used.
        random_start: the env's ``random_start`` option (infinite-horizon models only).
        reward_scale: the env's ``reward_scale`` c, in (0, 1e6]; None:
            :func:`default_reward_scale`.
        torch_threads: torch intra-op threads while training, in [1, 256].
        select_every: iterations between checks of the greedy policy on the kernel over
            the second half of the budget, in [0, 1e6]; the agent returned holds the
            networks of the best check (draws of :func:`select_seed`), the final iteration
            always checked. 0: no checks, the final networks. The default 4 checks about
            16 times in a budget of 1,000,000 steps (123 iterations).
    """

    timesteps: int = 1_000_000
    seed: int = 0
    n_envs: int = 128
    rollout_steps: int = 64
    minibatch_size: int = 512
    epochs: int = 4
    learning_rate: float = 1e-3
    anneal_lr: bool = True
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip_range: float = 0.2
    entropy_coef: float = 0.03
    value_coef: float = 0.5
    max_grad_norm: float = 0.5
    hidden: tuple[int, ...] = (64, 64)
    horizon: int = 128
    action: str | None = None
    random_start: bool = True
    reward_scale: float | None = None
    torch_threads: int = 1
    select_every: int = 4

    def __post_init__(self) -> None:
        for name, (low, high, open_low) in _RANGES.items():
            value = getattr(self, name)
            if name == "reward_scale" and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                raise _refuse(name, value)
            if name in _INTS and int(value) != value:
                raise _refuse(name, value)
            if not (math.isfinite(value) and (value > low if open_low else value >= low) and value <= high):
                raise _refuse(name, value)
            object.__setattr__(self, name, int(value) if name in _INTS else float(value))
        batch = self.n_envs * self.rollout_steps
        if batch > MAX_BATCH:
            raise ValueError(
                f"n_envs x rollout_steps = {batch:,} samples per rollout is more than {MAX_BATCH:,}: "
                "lower n_envs or rollout_steps"
            )
        if self.minibatch_size > batch:
            raise ValueError(
                f"minibatch_size must be in [1, n_envs x rollout_steps = {batch}], got {self.minibatch_size}"
            )
        hidden = self.hidden
        if isinstance(hidden, (int, str)) or not 1 <= len(hidden) <= 8:
            raise ValueError(f"hidden must be a sequence of 1 to 8 layer widths, each in [1, 4096], got {hidden!r}")
        for w in hidden:
            if isinstance(w, bool) or not isinstance(w, (int, np.integer)) or not 1 <= w <= 4096:
                raise ValueError(f"hidden layer widths must be integers in [1, 4096], got {hidden!r}")
        object.__setattr__(self, "hidden", tuple(int(w) for w in hidden))
        if self.action is not None and self.action not in ("order_up_to", "order"):
            raise ValueError(f"action must be 'order_up_to', 'order' or None (per model), got {self.action!r}")
        for name in ("anneal_lr", "random_start"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")

    @property
    def batch_size(self) -> int:
        """B = n_envs x rollout_steps, samples per iteration."""
        return self.n_envs * self.rollout_steps

    @property
    def iterations(self) -> int:
        """Rollout-and-update iterations: ceil(timesteps / B)."""
        return -(-self.timesteps // self.batch_size)


def default_action(params: InventoryParams | SerialParams) -> str:
    """The env action used when the config gives none.

    One item: ``"order"`` under lost sales, else ``"order_up_to"``. Chosen on
    Zipkin's (2008) lost-sales grid at 3,000,000 steps, seed 0 (docs/benchmark.md,
    "Native PPO on the Zipkin lost-sales grid"): with the order quantity q in
    0..max_order as the action PPO is within 2% of the optimum on every instance
    measured, while with a target level k (q = (k - IP)^+) it first settles on the
    best constant level and stays 4.9% above the optimum at L = 4, p = 4, where
    the optimal policy is farthest from any order-up-to policy. Under backorders
    the optimum of the models without a fixed cost is an order-up-to policy, which
    the target-level action makes the easiest to represent.

    Serial chain: ``"order_up_to"``, the env's echelon base-stock action (stage m
    picks a level S_m and orders q_m = clip(S_m - IP_m, 0, max_order), IP_m its
    echelon inventory position). An echelon base-stock policy is optimal on the
    chain (Clark & Scarf 1960), so under this action the optimum is a constant
    level per stage.

    >>> from inv_gym.presets import preset_params
    >>> default_action(preset_params("inv_gym/LostSales-v0")), default_action(preset_params("inv_gym/BaseStock-v0"))
    ('order', 'order_up_to')
    >>> default_action(SerialParams())
    'order_up_to'
    """
    return _model(params).default_action(params)


def _action(config: NativePPOConfig, params: InventoryParams | SerialParams) -> str:
    return default_action(params) if config.action is None else config.action


def default_reward_scale(params: InventoryParams | SerialParams) -> float:
    """The reward scale c used when the config gives none.

    One item: c = 1 / (E[D] * u + K) with u the largest per-unit rate among h, b,
    p, w, the unit cost and the price, and K the fixed order cost: a period's cost
    (or revenue) is then of order one or below, and so is the value function's
    scale times (1 - gamma). E.g. Zipkin's p = 4: c = 1 / 20.

    Serial chain: see :func:`_chain_reward_scale`.

    >>> from inv_gym.presets import preset_params
    >>> default_reward_scale(preset_params("inv_gym/LostSales-v0"))
    0.05
    """
    return _model(params).reward_scale(params)


def _item_reward_scale(params: InventoryParams) -> float:
    p = params
    unit = max(p.holding_cost, p.backorder_cost, p.lost_sales_cost, p.waste_cost, p.unit_cost, p.price)
    size = max(float(p.demand.mean), 1.0) * unit + p.fixed_order_cost
    return 1.0 / size if size > 0 else 1.0


def _chain_reward_scale(params: SerialParams) -> float:
    """The chain's default reward scale: c = 1 / (E[D] * u), u = max(p, h'_1, .., h'_M).

    The single-item rule with the chain's per-unit rates (the backorder cost and
    the local holding costs): a period's cost times c is of order one or below.
    Snyder & Shen's Example 6.1 (E[D] = 5, p = 37.12, optimum 52.05 per period):
    c = 1 / 185.6 = 0.0054, so the optimal period costs 0.28 scaled. Measured
    there at 1,000,000 steps, seed 0, greedy gaps to the Clark-Scarf optimum:
    7.5% at c = 0.0054, 7.9% at 0.01, 5.9% at 0.02 (one seed each, before the
    chain's aids of the module docstring, so no preference among them); the CleanRL
    example's runs at 0.1 were 134% above (docs/benchmark.md), too large a return
    for the value loss. With the aids, c = 0.0054: 1.0 to 1.3% (3 seeds).

    >>> round(default_reward_scale(SerialParams()), 5)
    0.00539
    """
    unit = max(params.backorder_cost, *params.holding_costs)
    size = max(float(params.demand.mean), 1.0) * unit
    return 1.0 / size if size > 0 else 1.0


def _level_prior_logits(params: SerialParams) -> np.ndarray:
    r"""Initial output biases of the chain's actor under ``"order_up_to"``: per stage m, the
    log-density of the normal approximation of echelon m's lead-time demand at each level k,

    .. math::
        b_{m,k} = -\min\Big(\frac{(k - \mu n_m)^2}{2 \sigma^2 n_m}, 8\Big), \qquad n_m = L_1 + \dots + L_m + 1,

    (mu, sigma^2 the mean and variance of one period's demand; sigma^2 at least 1/4),
    floored at -8, four standard deviations out: levels farther away keep a small
    common weight e^-8 instead of one so small that its float32 probability is
    subnormal, which slowed training twofold (subnormal arithmetic in ``exp`` and the
    backward pass).
    The last layer's weights are small (gain 0.01), so the first levels tried are
    about the echelon's mean demand over its protection period, mu n_m, spread by its
    standard deviation, instead of uniform over 0 .. ``level_upper``.
    """
    mu, var = float(params.demand.mean), max(float(params.demand.variance), 0.25)
    out = []
    for n, top in zip(np.cumsum(params.lead_times) + 1, params.level_upper):
        k = np.arange(top + 1, dtype=np.float64)
        out.append(-np.minimum((k - mu * n) ** 2 / (2.0 * var * n), 8.0))
    return np.concatenate(out).astype(np.float32)


def _mlp(sizes: tuple[int, ...], out_gain: float, gen: torch.Generator) -> nn.Sequential:
    """Linear-tanh layers ``sizes[0] -> ... -> sizes[-1]``, orthogonal weights (gain sqrt 2; last ``out_gain``)."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        lin = nn.Linear(a, b)
        last = i == len(sizes) - 2
        nn.init.orthogonal_(lin.weight, gain=out_gain if last else math.sqrt(2.0), generator=gen)
        nn.init.zeros_(lin.bias)
        layers.append(lin)
        if not last:
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def _nvec(params: InventoryParams | SerialParams, action: str) -> tuple[int, ...]:
    """Sizes of the action's components: (n,) for one source, (n_r, n_e) with dual sourcing, one per stage of a chain."""
    return _model(params).nvec(params, action)


def _n_actions(params: InventoryParams | SerialParams, action: str) -> int:
    """Outputs of the actor: one logit per value of every component."""
    return sum(_nvec(params, action))


def _log_softmax_parts(logits: torch.Tensor, nvec: tuple[int, ...]) -> list[torch.Tensor]:
    """Log-probabilities of each component (one softmax per source of a dual-sourcing pair, per stage of a chain)."""
    return [torch.log_softmax(z, dim=-1) for z in logits.split(nvec, dim=-1)]


@contextlib.contextmanager
def _torch_settings(threads: int) -> Iterator[None]:
    """Deterministic algorithms and ``threads`` intra-op threads, restored on exit."""
    old_threads = torch.get_num_threads()
    old_det = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(old_det)
        torch.set_num_threads(old_threads)


# ---------------------------------------------------------------------------
# the trained policy


def _check_network(actor: nn.Sequential, params: InventoryParams | SerialParams, action: str) -> None:
    """Refuse parameters whose observation or action sizes are not the network's."""
    n_in, n_out = actor[0].in_features, actor[-1].out_features
    if params.obs_dim != n_in or _n_actions(params, action) != n_out:
        raise ValueError(
            f"the network reads {n_in} observation entries and has {n_out} actions; these parameters give "
            f"{params.obs_dim} entries and {_n_actions(params, action)} actions ({action})"
        )


def _greedy(logits: torch.Tensor, nvec: tuple[int, ...]) -> torch.Tensor:
    """The most probable value of each action component, (N, k)."""
    return torch.stack([z.argmax(dim=1) for z in logits.split(nvec, dim=1)], dim=1)


class NativePPOPolicy(BasePolicy):
    """The greedy policy of a trained actor network, on raw observations.

    order(s) = argmax_a pi_theta(a | s / scale), read as a target inventory
    position k (``action="order_up_to"``: q = min(max(round(k - IP), 0),
    max_order), IP = inventory + pipeline) or as the order itself (``"order"``).
    With dual sourcing the action is a pair, one argmax per source, mapped to
    (q_r, q_e) by :func:`inv_gym.envs.options.orders_from_actions` (the env's map:
    dual-index levels (z_r, z_e) under ``"order_up_to"``).

    Args:
        actor: the policy network (logits over the env's actions).
        action: ``"order_up_to"`` or ``"order"``, the env option it was trained with.
        params: optional parameters to bind.
    """

    family = "native_ppo"

    def __init__(self, actor: nn.Sequential, *, action: str, params: InventoryParams | None = None) -> None:
        self.actor = actor.eval()
        self.action = action
        self._scale = np.ones(0, dtype=np.float32)
        super().__init__(params)

    def _check(self, params: InventoryParams) -> None:
        _check_network(self.actor, params, self.action)
        self._scale = observation_scale(params)

    def order(self, obs: np.ndarray) -> np.ndarray:
        params, layout = self._require()
        x = torch.from_numpy(np.ascontiguousarray(obs / self._scale, dtype=np.float32))
        with torch.inference_mode():
            logits = self.actor(x)
            if params.dual_sourcing:  # one argmax per source, mapped as the env maps them
                a = _greedy(logits, _nvec(params, self.action))
                pos = positions_from_obs(params, obs)
                return orders_from_actions(a.numpy(), pos, params, EnvOptions(action=self.action))
            a = logits.argmax(dim=1).numpy()
        if self.action == "order_up_to":
            return orders_from_levels(a, layout.inventory_position(obs), params.max_order)
        return a.astype(np.float64)

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "action": self.action}


class ObsNormaliser:
    r"""Running mean and variance of the observations, and the standardisation they define.

    Inputs x (already divided by the chain's ``obs_scale``) are fed to the networks as
    z = clip((x - mu) / sqrt(sigma^2 + eps), -10, 10), eps = 1e-8, per entry (the clip,
    as in stable-baselines3's ``VecNormalize``, bounds entries that hardly varied in
    training, e.g. backorders that never occurred). In training, every batch
    of observations the env returns (N, d) first updates (mu, sigma^2, n) by the exact
    pooled-moments rule (Chan, Golub & LeVeque 1979): with the batch's mean m_b,
    variance v_b and size n_b,

    .. math::
        \delta = m_b - \mu, \quad n' = n + n_b, \quad \mu' = \mu + \delta n_b / n', \quad
        \sigma'^2 = (n \sigma^2 + n_b v_b + \delta^2 n n_b / n') / n',

    so (mu, sigma^2) are the mean and variance of all observations seen so far. The
    trained policy applies the final statistics, frozen (saved with the agent).

    Args:
        dim: observation entries d.
        mean, var: the statistics (None: empty, nothing seen yet).
        count: observations they summarise.
    """

    eps = 1e-8
    clip = 10.0

    def __init__(
        self, dim: int, *, mean: np.ndarray | None = None, var: np.ndarray | None = None, count: float = 0.0
    ) -> None:
        self.mean = np.zeros(dim) if mean is None else np.asarray(mean, dtype=np.float64).copy()
        self.var = np.ones(dim) if var is None else np.asarray(var, dtype=np.float64).copy()
        self.count = float(count)
        if self.mean.shape != (dim,) or self.var.shape != (dim,) or not np.all(self.var >= 0) or self.count < 0:
            raise ValueError(f"obs_norm must hold a mean and a variance >= 0 of {dim} entries and a count >= 0")

    def update(self, x: np.ndarray) -> None:
        """Pool the batch ``x`` (N, d) into the statistics."""
        x = np.asarray(x, dtype=np.float64).reshape(-1, self.mean.shape[0])
        n_b = x.shape[0]
        if n_b == 0:
            return
        m_b, v_b = x.mean(axis=0), x.var(axis=0)
        total = self.count + n_b
        delta = m_b - self.mean
        self.mean = self.mean + delta * (n_b / total)
        self.var = (self.count * self.var + n_b * v_b + delta**2 * (self.count * n_b / total)) / total
        self.count = total

    def apply(self, x: np.ndarray) -> np.ndarray:
        """z = clip((x - mu) / sqrt(sigma^2 + eps), -10, 10), float32."""
        z = (x - self.mean) / np.sqrt(self.var + self.eps)
        return np.clip(z, -self.clip, self.clip).astype(np.float32)

    def to_dict(self) -> dict[str, Any]:
        return {"mean": self.mean.tolist(), "var": self.var.tolist(), "count": self.count}

    @classmethod
    def from_dict(cls, data: dict[str, Any], dim: int) -> ObsNormaliser:
        return cls(dim, mean=data["mean"], var=data["var"], count=data["count"])


class _NormalisedEnv:
    """A vector env whose observations are standardised by ``norm``, updated with each batch first."""

    def __init__(self, env: SerialVectorEnv, norm: ObsNormaliser) -> None:
        self.env, self.norm = env, norm

    def __getattr__(self, name: str) -> Any:
        return getattr(self.env, name)

    def reset(self, *, seed: int | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed)
        self.norm.update(obs)
        return self.norm.apply(obs), info

    def step(self, action: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        obs, reward, term, trunc, info = self.env.step(action)
        self.norm.update(obs)
        return self.norm.apply(obs), reward, term, trunc, info


class NativePPOSerialPolicy:
    """The greedy policy of a trained actor network on a serial chain, on raw observations.

    One argmax per stage of the ``actor``'s logits at s / scale (``scale`` =
    ``params.obs_scale``, the env's ``obs_scale=True`` divisors; stage 1 first),
    read as the env option ``action`` it was trained with: echelon base-stock levels
    S_1 .. S_M under ``"order_up_to"`` (q_m = clip(S_m - IP_m, 0, max_order), the
    env's map, IP_m read from the observation by
    :meth:`agents.serial.EchelonBaseStock.positions_from_obs`), the orders
    themselves under ``"order"``. ``act`` returns orders (N, M), so
    :func:`inv_gym.serial.evaluation.serial_evaluate` and :func:`inv_gym.score`
    (under the default ``action="order"``) score it on the kernel. ``params``,
    if given, is the chain to bind (else :meth:`bind` it). ``obs_norm``: the
    training's observation statistics (:class:`ObsNormaliser`), applied after the
    scale (None: the network reads s / scale).
    """

    family = "native_ppo"

    def __init__(
        self,
        actor: nn.Sequential,
        *,
        action: str,
        params: SerialParams | None = None,
        obs_norm: ObsNormaliser | None = None,
    ) -> None:
        self.actor = actor.eval()
        self.action = action
        self.obs_norm = obs_norm
        self.params: SerialParams | None = None
        if params is not None:
            self._bind_inplace(params)

    def _bind_inplace(self, params: SerialParams) -> None:
        if not isinstance(params, SerialParams):
            raise ValueError(f"params must be SerialParams, got {type(params).__name__}")
        _check_network(self.actor, params, self.action)
        self.params = params
        self._scale = params.obs_scale

    def bind(self, params: SerialParams) -> NativePPOSerialPolicy:
        """A copy of this policy bound to the chain ``params`` (checked against the network)."""
        out = copy.copy(self)
        out._bind_inplace(params)
        return out

    def act(self, obs: np.ndarray) -> np.ndarray:
        """Orders (N, M) float64, integers in [0, max_order], from raw observations (N, d) or (d,)."""
        if self.params is None:
            raise RuntimeError("NativePPOSerialPolicy is not bound to parameters: call .bind(params) first")
        raw = np.asarray(obs, dtype=np.float32)
        raw = raw[None, :] if raw.ndim == 1 else raw
        x = np.ascontiguousarray(raw / self._scale, dtype=np.float32)
        if self.obs_norm is not None:
            x = self.obs_norm.apply(x)
        with torch.inference_mode():
            a = _greedy(self.actor(torch.from_numpy(x)), _nvec(self.params, self.action)).numpy().astype(np.float64)
        if self.action == "order_up_to":
            return EchelonBaseStock(a, self.params).act(raw)
        return a

    def predict(
        self, observation: np.ndarray, state: Any = None, episode_start: Any = None, deterministic: bool = True
    ) -> tuple[np.ndarray, Any]:
        """stable-baselines3's ``predict``: integer orders for the env's ``action="order"`` space."""
        obs = np.asarray(observation)
        a = self.act(obs).astype(np.int64)
        return (a[0] if obs.ndim == 1 else a), state

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "action": self.action}


# ---------------------------------------------------------------------------
# the two kinds of model: what differs between one item and a serial chain


class _SingleItem:
    """One item (:class:`InventoryParams`): :class:`InventoryVectorEnv`, :class:`NativePPOPolicy`,
    :func:`inv_gym.evaluation.evaluate`; finite-horizon models train on their own horizon."""

    name = "single_item"
    params_type = InventoryParams
    env_type = InventoryVectorEnv
    reward_scale = staticmethod(_item_reward_scale)

    @staticmethod
    def default_action(params: InventoryParams) -> str:
        return "order" if params.lost_sales else "order_up_to"

    @staticmethod
    def nvec(params: InventoryParams, action: str) -> tuple[int, ...]:
        return tuple(u + 1 for u in action_uppers(params, EnvOptions(action=action)))

    @staticmethod
    def finite(params: InventoryParams) -> bool:
        return params.finite_horizon

    @staticmethod
    def evaluate(policy: NativePPOPolicy, params: InventoryParams, **kwargs: Any) -> Any:
        from inv_gym.evaluation import evaluate

        return evaluate(policy, params, **kwargs)

    @staticmethod
    def learning_env(envs: InventoryVectorEnv) -> tuple[InventoryVectorEnv, None]:
        return envs, None

    @staticmethod
    def init_actor(actor: nn.Sequential, params: InventoryParams, action: str) -> None:
        return None

    @staticmethod
    def entropy_weight(entropy_coef: float, components: int) -> float:
        return entropy_coef

    @staticmethod
    def policy(agent: NativePPOAgent) -> NativePPOPolicy:
        return NativePPOPolicy(agent.actor, action=agent.config.action, params=agent.params)


class _Chain:
    """A serial chain (:class:`SerialParams`): :class:`SerialVectorEnv`, :class:`NativePPOSerialPolicy`,
    :func:`inv_gym.serial.evaluation.serial_evaluate`. Never finite-horizon: ``params.horizon``
    is a truncation, so training cuts episodes at ``config.horizon``. Its learning aids
    (standardised observations, initial levels, entropy per stage) are described in the
    module docstring."""

    name = "serial"
    params_type = SerialParams
    env_type = SerialVectorEnv
    reward_scale = staticmethod(_chain_reward_scale)

    @staticmethod
    def default_action(params: SerialParams) -> str:
        return "order_up_to"

    @staticmethod
    def nvec(params: SerialParams, action: str) -> tuple[int, ...]:
        tops = params.level_upper if action == "order_up_to" else (params.max_order,) * params.n_stages
        return tuple(int(u) + 1 for u in tops)

    @staticmethod
    def finite(params: SerialParams) -> bool:
        return False

    @staticmethod
    def evaluate(policy: NativePPOSerialPolicy, params: SerialParams, **kwargs: Any) -> Any:
        from inv_gym.serial.evaluation import serial_evaluate

        return serial_evaluate(policy, params, **kwargs)

    #: Standardise the networks' inputs by running moments (:class:`ObsNormaliser`).
    normalise = True

    @classmethod
    def learning_env(cls, envs: SerialVectorEnv) -> tuple[Any, ObsNormaliser | None]:
        if not cls.normalise:
            return envs, None
        norm = ObsNormaliser(envs.params.obs_dim)
        return _NormalisedEnv(envs, norm), norm

    @staticmethod
    def entropy_weight(entropy_coef: float, components: int) -> float:
        """c_H / M: the bonus is c_H times the mean of the M stages' entropies, not their sum."""
        return entropy_coef / components

    #: Centre the initial level distribution on each echelon's lead-time demand.
    centre_levels = True

    @classmethod
    def init_actor(cls, actor: nn.Sequential, params: SerialParams, action: str) -> None:
        if action != "order_up_to" or not cls.centre_levels:
            return
        with torch.no_grad():
            actor[-1].bias.copy_(torch.from_numpy(_level_prior_logits(params)))

    @staticmethod
    def policy(agent: NativePPOAgent) -> NativePPOSerialPolicy:
        return NativePPOSerialPolicy(
            agent.actor, action=agent.config.action, params=agent.params, obs_norm=agent.obs_norm
        )


_MODELS: tuple[type, ...] = (_SingleItem, _Chain)


def _model(params: Any) -> Any:
    """The kind of model of ``params`` (the one place that dispatches on the parameters' type)."""
    for kind in _MODELS:
        if isinstance(params, kind.params_type):
            return kind
    raise ValueError(f"params must be InventoryParams or SerialParams, got {type(params).__name__}")


# ---------------------------------------------------------------------------
# the trained agent, saving and loading


@dataclass
class NativePPOAgent:
    """A trained actor-critic with its settings.

    Attributes:
        actor, critic: the networks.
        params: the model's parameters (as scored; training may cut the horizon).
        config: the training settings.
        env_id: the registered id, if any.
        reward_scale: the env's reward scale used in training.
        timesteps: env steps taken (whole iterations).
        train_time: seconds spent training.
        log: one row per iteration: ``timesteps``, ``cost_per_period`` (mean cost per
            period of the rollout's valid steps, in the model's units), ``entropy``,
            ``value_loss``, ``clip_fraction``, ``wall_time``.
        obs_norm: the observation statistics the networks read through (chains;
            None for one item).
    """

    actor: nn.Sequential
    critic: nn.Sequential
    params: InventoryParams | SerialParams
    config: NativePPOConfig
    env_id: str | None = None
    reward_scale: float = 1.0
    timesteps: int = 0
    train_time: float = 0.0
    log: list[dict[str, float]] = field(default_factory=list)
    obs_norm: ObsNormaliser | None = None

    def policy(self) -> NativePPOPolicy | NativePPOSerialPolicy:
        """The greedy policy, bound: a :class:`NativePPOPolicy` (one item) or a
        :class:`NativePPOSerialPolicy` (a serial chain)."""
        return _model(self.params).policy(self)

    def evaluate(self, **kwargs: Any) -> Any:
        """Monte Carlo evaluation of :meth:`policy` on :attr:`params`: :func:`inv_gym.evaluation.evaluate`
        (one item) or :func:`inv_gym.serial.evaluation.serial_evaluate` (a chain); same keywords."""
        return _model(self.params).evaluate(self.policy(), self.params, **kwargs)

    def meta(self) -> dict[str, Any]:
        """JSON-friendly description (settings, parameters, log)."""
        cfg = asdict(self.config)
        cfg["hidden"] = list(self.config.hidden)
        extra = {} if self.obs_norm is None else {"obs_norm": self.obs_norm.to_dict()}
        return {
            "format": _FORMAT,
            "algo": "native_ppo",
            "env_id": self.env_id,
            "model": _model(self.params).name,
            "params": self.params.to_dict(),
            "config": cfg,
            "reward_scale": self.reward_scale,
            "timesteps": self.timesteps,
            "train_time": self.train_time,
            "log": self.log,
            **extra,
        }

    def save(self, directory: str) -> str:
        """Write ``weights.pt`` (state dicts only) and ``agent.json`` atomically."""
        os.makedirs(directory, exist_ok=True)
        state = {"actor": self.actor.state_dict(), "critic": self.critic.state_dict()}
        _atomic(directory, "weights.pt", lambda fh: torch.save(state, fh), binary=True)
        _atomic(directory, "agent.json", lambda fh: json.dump(self.meta(), fh, indent=1))
        return directory


def _atomic(directory: str, name: str, write: Any, *, binary: bool = False) -> None:
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb" if binary else "w") as fh:
            write(fh)
        os.replace(tmp, os.path.join(directory, name))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _networks(
    params: InventoryParams | SerialParams, config: NativePPOConfig, gen: torch.Generator
) -> tuple[nn.Sequential, ...]:
    d, hidden = params.obs_dim, config.hidden
    actor = _mlp((d, *hidden, _n_actions(params, _action(config, params))), 0.01, gen)
    critic = _mlp((d, *hidden, 1), 1.0, gen)
    return actor, critic


def load(directory: str) -> NativePPOAgent:
    """Load an agent written by :meth:`NativePPOAgent.save` (no pickle: ``weights_only=True``)."""
    meta_path, weights_path = os.path.join(directory, "agent.json"), os.path.join(directory, "weights.pt")
    if not (os.path.exists(meta_path) and os.path.exists(weights_path)):
        raise ValueError(f"no saved native PPO agent in {directory!r} (agent.json and weights.pt expected)")
    with open(meta_path) as fh:
        meta = json.load(fh)
    if meta.get("algo") != "native_ppo" or meta.get("format") != _FORMAT:
        raise ValueError(f"{meta_path} is not a native PPO agent of format {_FORMAT}")
    cfg = dict(meta["config"])
    cfg["hidden"] = tuple(cfg["hidden"])
    config = NativePPOConfig(**cfg)
    kinds = {kind.name: kind for kind in _MODELS}
    kind = meta.get("model", _SingleItem.name)
    if kind not in kinds:
        raise ValueError(f"{meta_path}: model must be one of {sorted(kinds)}, got {kind!r}")
    params = kinds[kind].params_type(**meta["params"])
    actor, critic = _networks(params, config, torch.Generator().manual_seed(0))
    state = torch.load(weights_path, map_location="cpu", weights_only=True)
    actor.load_state_dict(state["actor"])
    critic.load_state_dict(state["critic"])
    return NativePPOAgent(
        actor=actor,
        critic=critic,
        params=params,
        config=config,
        env_id=meta.get("env_id"),
        reward_scale=float(meta["reward_scale"]),
        timesteps=int(meta["timesteps"]),
        train_time=float(meta["train_time"]),
        log=list(meta.get("log", [])),
        obs_norm=None if "obs_norm" not in meta else ObsNormaliser.from_dict(meta["obs_norm"], params.obs_dim),
    )


# ---------------------------------------------------------------------------
# training


def _resolve(
    env: str | InventoryParams | SerialParams, overrides: dict[str, Any] | None
) -> tuple[str | None, InventoryParams | SerialParams]:
    if isinstance(env, (InventoryParams, SerialParams)):
        return None, env.replace(**overrides) if overrides else env
    if not isinstance(env, str):
        raise ValueError(f"env must be a registered id, InventoryParams or SerialParams, got {type(env).__name__}")
    if env == SERIAL_ENV_ID:
        return env, make_serial_params(**(overrides or {}))
    from inv_gym.presets import preset_params

    return env, preset_params(env, **(overrides or {}))


def make_env(
    params: InventoryParams | SerialParams, config: NativePPOConfig, reward_scale: float
) -> InventoryVectorEnv | SerialVectorEnv:
    """The training env: N kernel copies with the learning aids as env options.

    One item: :class:`InventoryVectorEnv` (finite-horizon models on their own
    horizon, without ``random_start``); a chain: :class:`SerialVectorEnv`, episodes
    cut at ``config.horizon``.
    """
    kind = _model(params)
    finite = kind.finite(params)
    return kind.env_type(
        config.n_envs,
        params,
        action=_action(config, params),
        obs_scale=True,
        random_start=config.random_start and not finite,
        reward_scale=reward_scale,
        max_episode_steps=None if finite else config.horizon,
    )


def train(
    env: str | InventoryParams | SerialParams,
    config: NativePPOConfig | None = None,
    *,
    overrides: dict[str, Any] | None = None,
    out: str | None = None,
) -> NativePPOAgent:
    """Train a native PPO agent on a registered id (or parameters).

    Args:
        env: a registered id (``"inv_gym/LostSales-v0"``, ``"inv_gym/Serial-v0"``),
            :class:`InventoryParams` or :class:`SerialParams`.
        config: the settings (default :class:`NativePPOConfig()`).
        overrides: parameter overrides of the id's preset.
        out: directory to save the agent to (None: not saved).

    Returns:
        The trained :class:`NativePPOAgent`.
    """
    cfg = NativePPOConfig() if config is None else config
    if not isinstance(cfg, NativePPOConfig):
        raise ValueError(f"config must be a NativePPOConfig, got {type(cfg).__name__}")
    env_id, params = _resolve(env, overrides)
    cfg = replace(cfg, action=_action(cfg, params))
    scale = default_reward_scale(params) if cfg.reward_scale is None else cfg.reward_scale
    envs, obs_norm = _model(params).learning_env(make_env(params, cfg, scale))  # validates the options
    env_seq, torch_seq = np.random.SeedSequence(cfg.seed).spawn(2)
    with _torch_settings(cfg.torch_threads):
        gen = torch.Generator().manual_seed(int(torch_seq.generate_state(1, np.uint64)[0] >> 1))
        actor, critic = _networks(params, cfg, gen)
        _model(params).init_actor(actor, params, cfg.action)
        t0 = time.perf_counter()
        selector = _Selector(params, cfg, env_id, scale, obs_norm, select_seed(cfg.seed))
        log = _learn(envs, actor, critic, cfg, gen, int(env_seq.generate_state(1)[0]), scale, t0, selector)
        train_time = time.perf_counter() - t0
        selector.restore(actor, critic)
    agent = NativePPOAgent(
        actor=actor.eval(),
        critic=critic.eval(),
        params=params,
        config=cfg,
        env_id=env_id,
        reward_scale=scale,
        timesteps=cfg.iterations * cfg.batch_size,
        train_time=train_time,
        log=log,
        obs_norm=obs_norm,
    )
    if out is not None:
        agent.save(out)
    return agent


@dataclass
class Rollout:
    """One rollout of T steps of N copies (tensors (T, N); observations (T, N, d), actions (T, N, k)).

    ``valid`` is False on the env's reset steps (the step after an episode ended),
    which are no transitions of the model; ``done`` = terminated or truncated.
    """

    obs: torch.Tensor
    actions: torch.Tensor
    logp: torch.Tensor
    values: torch.Tensor
    rewards: torch.Tensor
    terminated: torch.Tensor
    done: torch.Tensor
    valid: torch.Tensor

    @classmethod
    def empty(cls, steps: int, n: int, d: int, k: int = 1) -> Rollout:
        """Zeroed buffers; actions (T, N, k), k action components (2 with dual sourcing, M on a chain of M stages)."""
        z = [torch.zeros((steps, n)) for _ in range(5)]
        return cls(
            torch.zeros((steps, n, d)),
            torch.zeros((steps, n, k), dtype=torch.int64),
            *z,
            torch.zeros((steps, n), dtype=torch.bool),
        )


class _Runner:
    """Steps the vector env with the current policy, carrying its state across rollouts."""

    def __init__(self, envs: InventoryVectorEnv | SerialVectorEnv, seed: int, gen: torch.Generator) -> None:
        self.envs, self.gen = envs, gen
        space = envs.single_action_space
        self.nvec = tuple(int(n) for n in space.nvec) if hasattr(space, "nvec") else (int(space.n),)
        obs, _ = envs.reset(seed=seed)
        self.obs = torch.from_numpy(obs)
        self.resetting = np.zeros(envs.num_envs, dtype=bool)  # next step is the env's reset step

    @torch.inference_mode()
    def collect(self, actor: nn.Sequential, critic: nn.Sequential, buf: Rollout) -> torch.Tensor:
        """Fill ``buf`` (step 1 of the module docstring); returns V(s_T) for bootstrapping."""
        for t in range(buf.obs.shape[0]):
            buf.obs[t] = self.obs
            buf.valid[t] = torch.from_numpy(~self.resetting)
            logits = actor(self.obs)
            buf.values[t] = critic(self.obs).squeeze(1)
            u = torch.rand(logits.shape, generator=self.gen).clamp_(min=1e-12)
            noisy = (logits - torch.log(-torch.log(u))).split(self.nvec, dim=1)
            action = torch.stack([z.argmax(dim=1) for z in noisy], dim=1)  # a Gumbel-max sample per component
            buf.actions[t] = action
            parts = _log_softmax_parts(logits, self.nvec)
            buf.logp[t] = sum(lp.gather(1, action[:, i, None]).squeeze(1) for i, lp in enumerate(parts))
            step_action = action.numpy() if len(self.nvec) > 1 else action[:, 0].numpy()
            obs, reward, term, trunc, _ = self.envs.step(step_action)
            self.resetting = term | trunc
            buf.rewards[t] = torch.from_numpy(reward)
            buf.terminated[t] = torch.from_numpy(term)
            buf.done[t] = torch.from_numpy(self.resetting)
            self.obs = torch.from_numpy(obs)
        return critic(self.obs).squeeze(1)


def gae(buf: Rollout, next_value: torch.Tensor, gamma: float, lam: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Advantages A_t and value targets R_t = A_t + V(s_t) (step 2 of the module docstring).

    delta_t = r_t + gamma (1 - term_t) V(s_{t+1}) - V(s_t) and
    A_t = delta_t + gamma lambda (1 - done_t) A_{t+1}, with V(s_T) = ``next_value``.
    When done_t, s_{t+1} is the episode's final observation (NEXT_STEP autoreset):
    a truncated episode is bootstrapped with its value, a terminated one with 0,
    and the recursion stops there; entries of reset steps are not used.
    """
    steps = buf.rewards.shape[0]
    adv = torch.zeros_like(buf.rewards)
    last = torch.zeros_like(next_value)
    for t in reversed(range(steps)):
        v_next = next_value if t == steps - 1 else buf.values[t + 1]
        delta = buf.rewards[t] + gamma * (1.0 - buf.terminated[t]) * v_next - buf.values[t]
        last = delta + gamma * lam * (1.0 - buf.done[t]) * last
        adv[t] = last
    return adv, adv + buf.values


def _update(
    actor: nn.Sequential,
    critic: nn.Sequential,
    optimizer: torch.optim.Optimizer,
    buf: Rollout,
    adv: torch.Tensor,
    ret: torch.Tensor,
    cfg: NativePPOConfig,
    gen: torch.Generator,
    nvec: tuple[int, ...],
    entropy_coef: float | None = None,
) -> np.ndarray:
    """``epochs`` passes of clipped-PPO minibatch steps on the valid samples (step 3).

    ``nvec``: the sizes of the action's components ((n,) for one source); the
    log-probability and the entropy of an action are the sums over its components.
    ``entropy_coef``: the weight of that entropy in the loss (None: ``cfg.entropy_coef``).

    Returns the mean entropy, value loss and clipped fraction over the steps.
    """
    keep = buf.valid.reshape(-1).nonzero().squeeze(1)
    k = buf.actions.shape[-1]
    obs, actions = buf.obs.reshape(-1, buf.obs.shape[-1])[keep], buf.actions.reshape(-1, k)[keep]
    old_logp, adv, ret = buf.logp.reshape(-1)[keep], adv.reshape(-1)[keep], ret.reshape(-1)[keep]
    size = int(keep.numel())
    mb = min(cfg.minibatch_size, size)
    stats, count = np.zeros(3), 0
    c_h = cfg.entropy_coef if entropy_coef is None else entropy_coef
    for _ in range(cfg.epochs):
        perm = torch.randperm(size, generator=gen)
        for start in range(0, size - mb + 1, mb):
            idx = perm[start : start + mb]
            parts = _log_softmax_parts(actor(obs[idx]), nvec)
            logp = sum(lp.gather(1, actions[idx, i, None]).squeeze(1) for i, lp in enumerate(parts))
            entropy = sum(-(lp.exp() * lp).sum(dim=1) for lp in parts).mean()
            ratio = torch.exp(logp - old_logp[idx])
            a = adv[idx]
            if mb > 1:
                a = (a - a.mean()) / (a.std() + 1e-8)
            pg_loss = torch.max(-a * ratio, -a * ratio.clamp(1.0 - cfg.clip_range, 1.0 + cfg.clip_range)).mean()
            v_loss = 0.5 * (critic(obs[idx]).squeeze(1) - ret[idx]).pow(2).mean()
            loss = pg_loss - c_h * entropy + cfg.value_coef * v_loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(actor.parameters(), cfg.max_grad_norm)
            nn.utils.clip_grad_norm_(critic.parameters(), cfg.max_grad_norm)
            optimizer.step()
            clipped = ((ratio.detach() - 1.0).abs() > cfg.clip_range).float().mean()
            stats += (entropy.item(), v_loss.item(), clipped.item())
            count += 1
    return stats / max(count, 1)


def select_seed(seed: int) -> int:
    """The seed of the greedy checks' draws (``select_every``): derived from the training seed,
    apart from the env's and torch's streams and, being a 63-bit draw, from any seed a caller scores with.

    >>> select_seed(0) == select_seed(0) != select_seed(1)
    True
    """
    return int(np.random.SeedSequence(seed).spawn(3)[2].generate_state(1, np.uint64)[0] >> np.uint64(1))


class _Selector:
    """Keeps the networks of the best greedy check (``select_every``; a no-op when it is 0)."""

    def __init__(
        self,
        params: InventoryParams | SerialParams,
        cfg: NativePPOConfig,
        env_id: str | None,
        scale: float,
        obs_norm: ObsNormaliser | None,
        seed: int,
    ) -> None:
        self.params, self.cfg, self.env_id, self.scale, self.obs_norm, self.seed = (
            params, cfg, env_id, scale, obs_norm, seed,
        )  # fmt: skip
        self.best_cost = math.inf
        self.best: tuple[Any, ...] | None = None

    def due(self, it: int) -> bool:
        """Whether iteration ``it`` (0-based, after its update) is checked."""
        every, last = self.cfg.select_every, self.cfg.iterations - 1
        return every > 0 and (it == last or (2 * (it + 1) > self.cfg.iterations and (it + 1) % every == 0))

    def check(self, actor: nn.Sequential, critic: nn.Sequential) -> float:
        """The greedy policy's cost per period on the check's draws; the best networks are kept."""
        norm = None if self.obs_norm is None else ObsNormaliser.from_dict(self.obs_norm.to_dict(), self.params.obs_dim)
        agent = NativePPOAgent(actor.eval(), critic.eval(), self.params, self.cfg, self.env_id, self.scale,
                               obs_norm=norm)  # fmt: skip
        if _model(self.params).finite(self.params):
            reps = max(SELECT_REPS, SELECT_REPS * SELECT_HORIZON // int(self.params.horizon))
            ev = agent.evaluate(reps=reps, seed=self.seed)
        else:
            ev = agent.evaluate(reps=SELECT_REPS, horizon=SELECT_HORIZON, warmup=SELECT_WARMUP, seed=self.seed)
        actor.train(), critic.train()
        cost = -float(ev["reward_per_period"].mean)
        if cost < self.best_cost:
            self.best_cost = cost
            self.best = (copy.deepcopy(actor.state_dict()), copy.deepcopy(critic.state_dict()), norm)
        return cost

    def restore(self, actor: nn.Sequential, critic: nn.Sequential) -> None:
        """Load the best check's networks (and observation statistics) into ``actor``, ``critic``."""
        if self.best is None:
            return
        actor.load_state_dict(self.best[0])
        critic.load_state_dict(self.best[1])
        if self.obs_norm is not None and self.best[2] is not None:
            self.obs_norm.mean, self.obs_norm.var, self.obs_norm.count = (
                self.best[2].mean, self.best[2].var, self.best[2].count,
            )  # fmt: skip


def _learn(
    envs: InventoryVectorEnv | SerialVectorEnv,
    actor: nn.Sequential,
    critic: nn.Sequential,
    cfg: NativePPOConfig,
    gen: torch.Generator,
    env_seed: int,
    reward_scale: float,
    t0: float,
    selector: _Selector | None = None,
) -> list[dict[str, float]]:
    """The PPO loop (module docstring, steps 1-3); returns the per-iteration log (with
    ``check_cost`` on the iterations the selector checks)."""
    optimizer = torch.optim.Adam([*actor.parameters(), *critic.parameters()], lr=cfg.learning_rate, eps=1e-5)
    runner = _Runner(envs, env_seed, gen)
    buf = Rollout.empty(cfg.rollout_steps, cfg.n_envs, envs.params.obs_dim, len(runner.nvec))
    c_h = _model(envs.params).entropy_weight(cfg.entropy_coef, len(runner.nvec))
    log: list[dict[str, float]] = []
    for it in range(cfg.iterations):
        if cfg.anneal_lr:
            optimizer.param_groups[0]["lr"] = cfg.learning_rate * (1.0 - it / cfg.iterations)
        next_value = runner.collect(actor, critic, buf)
        with torch.no_grad():
            adv, ret = gae(buf, next_value, cfg.gamma, cfg.gae_lambda)
        entropy, v_loss, clipped = _update(actor, critic, optimizer, buf, adv, ret, cfg, gen, runner.nvec, c_h)
        log.append(
            {
                "timesteps": (it + 1) * cfg.batch_size,
                "cost_per_period": -float(buf.rewards[buf.valid].mean()) / reward_scale,
                "entropy": float(entropy),
                "value_loss": float(v_loss),
                "clip_fraction": float(clipped),
                "wall_time": time.perf_counter() - t0,
            }
        )
        if selector is not None and selector.due(it):
            log[-1]["check_cost"] = selector.check(actor, critic)
    return log
