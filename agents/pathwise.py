"""Pathwise policy gradients through the differentiable period (HDPO-style learner).

The learner of Alvo, Russo, Kanoria & Lee (2023), "Neural inventory control in
networks via hindsight differentiable policy optimization" (arXiv 2306.11246):
draw a fixed set of demand (and lead-time) scenarios once, simulate a neural
policy on a batch of them through a differentiable copy of the dynamics
(:class:`agents.torch_period.TorchPeriod`; a serial chain's
:class:`agents.torch_serial.TorchSerialPeriod`), and descend the gradient of the
average cost per period with respect to the policy's weights.

Objective. With policy q_t = pi_theta(s_t), scenario xi = (D_0, l_0, ..., D_{T-1}, l_{T-1})
and the period cost c(s_t, q_t, xi_t),

    J(theta) = E_xi [ 1 / (T - W) * sum_{t=W}^{T-1} c(s_t, pi_theta(s_t), xi_t) ],
    s_{t+1} = f(s_t, pi_theta(s_t), xi_t),

estimated on a batch of B scenarios sampled from the N fixed ones; the first W
periods (warm-up from the model's initial state) are dropped from the loss.
Because f and c are piecewise linear, autograd gives the pathwise derivative
dJ/dtheta through the whole trajectory (back-propagation through time); Adam
takes the step.

Policy. A multilayer perceptron on the env's observation (``params.obs_names``)
divided by the mean demand E[D] (the period index, in finite-horizon models, by
the horizon), ELU hidden layers, and output q = max_order * sigmoid(z): a
nonnegative order no larger than the action space allows. The output bias
starts at the order E[D] (ordering the mean demand).

Integer orders. The env takes integer orders. Training relaxes them in one of
two documented ways (``rounding``):

* ``"straight_through"``: the forward pass orders round(q) - so the
  simulated paths are exactly those of integer orders - and the backward pass
  treats rounding as the identity (d round(q) / dq := 1; Bengio et al. 2013);
* ``"relaxed"``: continuous orders q in training (a continuous relaxation);
* ``"auto"`` (default): relaxed with dual sourcing, straight-through otherwise
  (:func:`rounding_mode`). Dual sourcing's expedited order is small and mostly
  0: with straight-through rounding the network learned to expedite about one
  unit every period, 42.8 per period against the optimum's 23.08 (85% above,
  300 steps, seed 0); relaxed orders reached 23.43 (1.5%) at the same budget
  and 23.10 (0.1%) at 1,000 steps.

Evaluation always rounds to the nearest integer and clips to [0, max_order]
(:meth:`agents.base.BasePolicy.act`); the trained policy is scored on the numba
kernel by :func:`inv_gym.evaluation.evaluate` like any other policy.

Model selection. Every ``eval_every`` steps the current policy is evaluated on
the kernel (integer orders, ``eval_reps`` x ``eval_horizon`` periods after a
warm-up, validation draws disjoint from the training scenarios and from any
seed the caller scores with) and the best weights are kept.

Usage::

    from agents.pathwise import PathwiseConfig, train_pathwise
    policy = train_pathwise("inv_gym/LostSales-v0", PathwiseConfig(iterations=300, seed=0))
    evaluate(policy, policy.params, reps=100, horizon=2000, warmup=100, seed=1)
    policy.save("runs/ls-pathwise"); PathwisePolicy.load("runs/ls-pathwise")

The fixed cost K 1[q > 0] is a step function: its pathwise derivative is 0, so
on its own it gives no reason to batch orders. Training therefore adds a surrogate
gradient: the loss carries K (s(q) - sg[s(q)]) per period, s(q) = 1 - exp(-q / E[D])
a smooth step and sg the stop-gradient, so the loss's value is the true cost and
its derivative in q is K exp(-q / E[D]) / E[D], the marginal fixed cost of a
smoothed order. Measured at 60 CPU seconds, seed 0 (without it: 150 CPU seconds):
Qr-v0 (K = 64) 23% above the optimum with it (26% with s(q) = 1 - exp(-q)), 99%
without; ConcreteMixers-v0 (K = 1 per order) 21% with it, 407% without; EOQ-v0
(K = 50, deterministic demand) 87.5% either way, an order every period. It helps
but stays far from the optimum: a policy that batches must jump from ordering
nothing to ordering a lot, which a gradient through rounded orders finds hard.
The surrogate is used by the network (``policy="network"``, and ``"auto"`` on
perishable and dual-sourcing models with K > 0). On the other single-stage models
with K > 0 (backorders or lost sales, capacity or none) ``"auto"`` trains the
(s, S) class instead (``policy="levels"``, :mod:`agents.pathwise_levels`): learned
levels, whose timing gradient is the renewal-reward weight C - c_end on a smooth
gate, from two starts side by side. Measured at 700 steps, seed 0: Qr-v0 35.020 and
StochasticLeadTime-v0 21.287 against the optima 35.022 and 21.295 (within sampling
error), EOQ-v0 at the optimum, ConcreteMixers-v0 0.38% above (exactly; 19.5% with
the network).

Coverage. The learner trains wherever :class:`agents.torch_period.TorchPeriod`
simulates the model: every single-stage model of :class:`InventoryParams` - lost
sales or backorders, fixed or random lead times, perishables (FIFO or LIFO),
capacity, fixed and unit ordering cost, one outstanding order, price and salvage,
infinite or finite horizon, and dual sourcing, where the network has two outputs,
the regular and the expedited order (q_r, q_e), each U * sigmoid(z) with its own
bound U (its tests check each of these against the kernel). It also trains on the
serial chain ``inv_gym/Serial-v0`` (:class:`inv_gym.serial.params.SerialParams`)
through :class:`agents.torch_serial.TorchSerialPeriod`, tested against the chain's
kernel in the same way: the network reads the chain's observation (``obs_names``,
every entry divided by E[D]) and has M outputs, stage m's order U sigmoid(z_m) with
U = max_order (the bias starts at E[D] at every stage); rounding as above; the
validation and the scoring use the chain's kernel
(:func:`inv_gym.serial.evaluation.serial_evaluate`, ``inv_gym.score``). Chains
differ from single-stage models in two documented ways: each stage's starting
stock is drawn around its share of the echelon stock (``initial_stock``), and the
gradient carries a surrogate on the units owed between stages
(:func:`serial_pathwise_loss`, ``owed_surrogate``). Measured on Example 6.1
(optimum 52.0467 per period, seed 0, scored on 200 x 2,000 periods; the default
batch 1024, horizon 50, warm-up 30): 1.15% above the optimum after 200 steps (50 x 200
validation periods), 0.27% after 1,500 steps (about 3.5 minutes on one loaded thread).
:func:`pathwise_unsupported` names what no differentiable period simulates.
"""

from __future__ import annotations

import copy
import json
import math
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from agents.base import BasePolicy
from agents.pathwise_levels import LEVEL_STARTS, LevelsNet, LevelsPopulation, levels_loss, levels_unsupported
from agents.torch_period import TorchPeriod
from agents.torch_serial import TorchSerialPeriod
from inv_gym.envs.streams import draw_paths
from inv_gym.evaluation import evaluate
from inv_gym.params import InventoryParams
from inv_gym.serial.evaluation import serial_demand_paths, serial_evaluate
from inv_gym.serial.params import SerialParams

__all__ = [
    "PathwiseConfig",
    "PolicyNet",
    "PathwisePolicy",
    "pathwise_loss",
    "serial_pathwise_loss",
    "train_pathwise",
    "pathwise_unsupported",
    "finite_eval_reps",
    "step_size",
    "policy_class",
    "rounding_mode",
    "POLICIES",
    "ROUNDINGS",
    "MAX_SCENARIO_PERIODS",
]

#: Ways to relax integer orders in training (see the module docstring).
ROUNDINGS: tuple[str, ...] = ("auto", "straight_through", "relaxed")
#: Policy classes: a network to the order(s), the (s, S) levels (:mod:`agents.pathwise_levels`), or by the model.
POLICIES: tuple[str, ...] = ("auto", "network", "levels")
#: What a time limit counts: elapsed seconds or this process's CPU seconds.
CLOCKS: tuple[str, ...] = ("wall", "cpu")
#: Most scenario periods (n_scenarios x horizon) drawn and held in memory.
MAX_SCENARIO_PERIODS = 50_000_000
#: Most simulated periods per gradient step (batch_size x horizon).
MAX_BATCH_PERIODS = 5_000_000
_FORMAT_VERSION = 1


def _int_option(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer in [{low}, {high}], got {value!r}")


def _float_option(name: str, value: Any, low: float, high: float, *, open_low: bool = False) -> None:
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (low < value if open_low else low <= value) and value <= high
    if not ok:
        left = "(" if open_low else "["
        raise ValueError(f"{name} must be a number in {left}{low:g}, {high:g}], got {value!r}")


@dataclass(frozen=True, kw_only=True)
class PathwiseConfig:
    """Settings of :func:`train_pathwise` (every option is validated).

    Args:
        iterations: gradient steps (the budget), in [1, 1_000_000].
        time_limit: stop after this many seconds of training (None: no limit), in (0, 1e6].
        clock: what ``time_limit`` counts: ``"wall"`` (elapsed seconds) or ``"cpu"``
            (this process's CPU seconds, :func:`time.process_time`: the budget a
            dedicated machine would need, on a machine shared with other work).
        lr: Adam learning rate at the start, in (0, 1].
        lr_end: the final learning rate as a fraction of ``lr``, in (0, 1]; the rate
            follows a cosine from ``lr`` to ``lr * lr_end`` over the budget
            (iterations, or the time limit if it comes first).
        batch_size: B, scenario paths per gradient step, in [1, 100_000]; a finite-horizon
            model simulates :func:`step_size` paths instead.
        n_scenarios: N, fixed training scenarios drawn once, in [1, 10_000_000]; B <= N.
        horizon: T, periods per simulated path, in [2, 10_000] (finite-horizon
            models train on their own horizon instead).
        warmup: W, first periods dropped from the loss, in [0, T - 1].
        initial_stock: k, each training path starts with on hand drawn uniformly
            from the integers 0..round(k E[D]) (fixed per scenario), in [0, 1000];
            0 (and every finite-horizon model) starts every path from the
            model's initial inventory. A serial chain's stage m draws from
            0..round(k E[D] (L_m + 1) / 2) (:func:`_serial_scenarios`).
        hidden: widths of the hidden layers, each in [1, 4096], 0 to 8 layers.
        rounding: ``"auto"``, ``"straight_through"`` or ``"relaxed"`` (see the module docstring).
        grad_clip: largest gradient norm, in (0, 1e6].
        eval_every: steps between kernel evaluations of the policy, in [1, 1_000_000].
        eval_reps: replications of each kernel evaluation, in [2, 100_000]; a
            finite-horizon model runs :func:`finite_eval_reps` episodes instead.
        eval_horizon: measured periods of each kernel evaluation, in [1, 1_000_000].
        eval_warmup: unmeasured periods before them, in [0, 1_000_000].
        seed: seed of the scenarios, the validation draws, the initial weights
            and the batch sampling, in [0, 2**63 - 1].
        threads: torch threads while training (None: leave torch's setting), in [1, 256].
        policy: the policy class: ``"network"`` (an MLP of the observation to the
            order), ``"levels"`` ((s, S) with learned levels,
            :mod:`agents.pathwise_levels`), or ``"auto"``: the levels where (s, S) is
            optimal and a fixed cost makes the network fail (K > 0 and
            :func:`agents.pathwise_levels.levels_unsupported` is None), else the network.
        gate_temperature: width of the levels' gate as a multiple of E[D], in (0, 100].
        owed_surrogate: w, weight of the surrogate gradient on the units owed between the
            stages of a serial chain, in [0, 1000] (see :func:`serial_pathwise_loss`;
            single-stage models ignore it).
    """

    iterations: int = 1000
    time_limit: float | None = None
    clock: str = "wall"
    lr: float = 3e-3
    lr_end: float = 0.1
    batch_size: int = 1024
    n_scenarios: int = 32768
    horizon: int = 50
    warmup: int = 30
    initial_stock: float = 4.0
    hidden: tuple[int, ...] = (32, 32, 32)
    rounding: str = "auto"
    grad_clip: float = 10.0
    eval_every: int = 50
    eval_reps: int = 500
    eval_horizon: int = 500
    eval_warmup: int = 100
    seed: int = 0
    threads: int | None = None
    policy: str = "auto"
    gate_temperature: float = 0.5
    owed_surrogate: float = 0.1

    def __post_init__(self) -> None:
        _int_option("iterations", self.iterations, 1, 1_000_000)
        if self.time_limit is not None:
            _float_option("time_limit", self.time_limit, 0.0, 1e6, open_low=True)
        if self.clock not in CLOCKS:
            raise ValueError(f"clock must be one of {', '.join(CLOCKS)}, got {self.clock!r}")
        _float_option("lr", self.lr, 0.0, 1.0, open_low=True)
        _float_option("lr_end", self.lr_end, 0.0, 1.0, open_low=True)
        _int_option("batch_size", self.batch_size, 1, 100_000)
        _int_option("n_scenarios", self.n_scenarios, 1, 10_000_000)
        if self.batch_size > self.n_scenarios:
            raise ValueError(f"batch_size must be <= n_scenarios = {self.n_scenarios}, got {self.batch_size}")
        _int_option("horizon", self.horizon, 2, 10_000)
        _int_option("warmup", self.warmup, 0, self.horizon - 1)
        _float_option("initial_stock", self.initial_stock, 0.0, 1000.0)
        if not isinstance(self.hidden, tuple) or len(self.hidden) > 8:
            raise ValueError(f"hidden must be a tuple of 0 to 8 layer widths, got {self.hidden!r}")
        for width in self.hidden:
            _int_option("hidden", width, 1, 4096)
        if self.rounding not in ROUNDINGS:
            raise ValueError(f"rounding must be one of {', '.join(ROUNDINGS)}, got {self.rounding!r}")
        _float_option("grad_clip", self.grad_clip, 0.0, 1e6, open_low=True)
        _int_option("eval_every", self.eval_every, 1, 1_000_000)
        _int_option("eval_reps", self.eval_reps, 2, 100_000)
        _int_option("eval_horizon", self.eval_horizon, 1, 1_000_000)
        _int_option("eval_warmup", self.eval_warmup, 0, 1_000_000)
        _int_option("seed", self.seed, 0, 2**63 - 1)
        if self.threads is not None:
            _int_option("threads", self.threads, 1, 256)
        if self.policy not in POLICIES:
            raise ValueError(f"policy must be one of {', '.join(POLICIES)}, got {self.policy!r}")
        _float_option("gate_temperature", self.gate_temperature, 0.0, 100.0, open_low=True)
        _float_option("owed_surrogate", self.owed_surrogate, 0.0, 1000.0)
        periods = self.n_scenarios * self.horizon
        if periods > MAX_SCENARIO_PERIODS:
            raise ValueError(
                f"n_scenarios x horizon = {periods:,} scenario periods exceeds {MAX_SCENARIO_PERIODS:,}; "
                "lower n_scenarios or horizon"
            )
        if self.batch_size * self.horizon > MAX_BATCH_PERIODS:
            raise ValueError(
                f"batch_size x horizon = {self.batch_size * self.horizon:,} periods per step exceeds "
                f"{MAX_BATCH_PERIODS:,}; lower batch_size or horizon"
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly fields."""
        out = asdict(self)
        out["hidden"] = list(self.hidden)
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PathwiseConfig:
        """Inverse of :meth:`to_dict`."""
        d = dict(d)
        d["hidden"] = tuple(d.get("hidden", ()))
        return cls(**d)


def observation_scale(params: InventoryParams) -> np.ndarray:
    """Divisors of the observation entries: E[D] for stock, the horizon for the period index."""
    mean = max(float(params.demand.mean), 1e-6)
    return np.asarray([float(params.horizon) if n == "period" else mean for n in params.obs_names])


class PolicyNet(nn.Module):
    """q = U * sigmoid(MLP(obs / scale)): the order(s) before rounding.

    One output per source: q in (0, max_order), or with dual sourcing the pair
    (q_r, q_e) in (0, max_order) x (0, q_e,max), U = (max_order, q_e,max).

    Args:
        obs_dim: length of the observation.
        hidden: hidden layer widths (ELU activations).
        scale: (obs_dim,) divisors of the observation.
        max_order: the largest order U (the output's upper bound), or one per source.
        initial_order: the order(s) the untrained network places (output bias), in (0, U).
    """

    def __init__(
        self,
        obs_dim: int,
        hidden: tuple[int, ...],
        scale: np.ndarray,
        max_order: float | tuple[float, ...],
        initial_order: float | tuple[float, ...],
    ) -> None:
        super().__init__()
        uppers = tuple(float(u) for u in np.atleast_1d(max_order))
        starts = np.broadcast_to(np.asarray(initial_order, dtype=np.float64), (len(uppers),))
        layers: list[nn.Module] = []
        width = obs_dim
        for h in hidden:
            layers += [nn.Linear(width, h), nn.ELU()]
            width = h
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width, len(uppers))
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))
        self.max_order = uppers[0]  # the regular source's
        self.uppers = uppers
        with torch.no_grad():
            self.head.weight.mul_(0.1)
            for k, (u, q0) in enumerate(zip(uppers, starts)):
                frac = min(max(q0 / u, 1e-3), 1 - 1e-3) if u > 0 else 0.5
                self.head.bias[k] = math.log(frac / (1 - frac))

    def numpy_layers(self) -> list[Any]:
        """[scale, (W_1, b_1), ..., (W_out, b_out)] as float64 numpy arrays (x @ W + b)."""
        out: list[Any] = [self.scale.double().numpy()]
        for layer in [m for m in self.body if isinstance(m, nn.Linear)] + [self.head]:
            out.append((layer.weight.detach().double().numpy().T.copy(), layer.bias.detach().double().numpy()))
        return out

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """(N, obs_dim) -> (N,) continuous orders in (0, max_order); (N, 2) with two sources."""
        x = obs / self.scale.to(obs.dtype)
        z = torch.sigmoid(self.head(self.body(x)))
        if len(self.uppers) == 1:
            return self.max_order * z.squeeze(-1)
        return z * torch.tensor(self.uppers, dtype=z.dtype)


def rounding_mode(params: InventoryParams | SerialParams, config: PathwiseConfig) -> str:
    """How training relaxes integer orders: ``config.rounding``, ``"auto"`` resolved to
    ``"relaxed"`` with dual sourcing and ``"straight_through"`` otherwise (module docstring).

    >>> from inv_gym.presets import preset_params
    >>> [rounding_mode(preset_params(f"inv_gym/{e}-v0"), PathwiseConfig()) for e in ("DualSourcing", "LostSales")]
    ['relaxed', 'straight_through']
    """
    if config.rounding != "auto":
        return config.rounding
    dual = isinstance(params, InventoryParams) and params.dual_sourcing
    return "relaxed" if dual else "straight_through"


def _round_orders(q: torch.Tensor, rounding: str) -> torch.Tensor:
    """Integer orders forward, identity backward (straight-through), or q itself (relaxed)."""
    if rounding == "straight_through":
        return q + (torch.round(q) - q).detach()
    return q


def pathwise_loss(
    net: nn.Module,
    period: TorchPeriod,
    demand: torch.Tensor,
    lead: torch.Tensor,
    *,
    warmup: int,
    rounding: str,
    initial: torch.Tensor | None = None,
) -> torch.Tensor:
    """Average cost per period over periods W..T-1 of B simulated paths (differentiable).

    Args:
        net: the policy (observation -> continuous order); the (s, S) levels'
            loss is :func:`agents.pathwise_levels.levels_loss`.
        period: the differentiable period of the model.
        demand: (B, T) demand scenarios.
        lead: (B, T) integer lead-time scenarios.
        warmup: W, periods dropped from the average.
        rounding: ``"straight_through"`` or ``"relaxed"``.
        initial: optional (B,) initial on hand of each path (default: the model's).

    Returns:
        The scalar (1 / (B (T - W))) sum_b sum_{t >= W} c_t^b. With a fixed order cost
        K > 0 each term also carries K (s(q_t) - sg[s(q_t)]) with s(q) = 1 - exp(-q / E[D])
        and sg the stop-gradient: it adds 0 to the value and K s'(q_t) to the gradient
        (see the module docstring).
    """
    if isinstance(net, (LevelsNet, LevelsPopulation)):
        return levels_loss(
            net, period, demand, lead, warmup=warmup, rounding_fn=lambda q: _round_orders(q, rounding), initial=initial
        )
    n, horizon = demand.shape
    state = period.initial_state(n, initial)
    finite = period.params.finite_horizon
    total = torch.zeros((), dtype=period.dtype)
    fixed = float(period.params.fixed_order_cost)
    tau = max(float(period.params.demand.mean), 1.0)
    for t in range(horizon):
        q = _round_orders(net(period.observe(state)), rounding)
        last = torch.full((n,), t == horizon - 1) if finite else None
        if period.dual:  # the pair (q_r, q_e)
            state, ev = period.step(state, q[:, 0], demand[:, t], lead[:, t], last, expedited=q[:, 1])
        else:
            state, ev = period.step(state, q, demand[:, t], lead[:, t], last)
        if t >= warmup:
            total = total + ev["cost"].sum() - (ev["revenue"].sum() + ev["salvage"].sum())
            if fixed > 0:  # the fixed cost's surrogate gradient; its value adds exactly 0
                smooth = 1.0 - torch.exp(-(q[:, 0] if period.dual else q) / tau)
                total = total + fixed * (smooth - smooth.detach()).sum()
    return total / (n * (horizon - warmup))


def serial_pathwise_loss(
    net: nn.Module,
    period: TorchSerialPeriod,
    demand: torch.Tensor,
    *,
    warmup: int,
    rounding: str,
    initial: torch.Tensor | None = None,
    owed_surrogate: float = 0.0,
) -> torch.Tensor:
    """:func:`pathwise_loss` on a serial chain: the average cost per period over periods
    W..T-1 of B simulated chains, every stage ordering its output of the network.

    The surrogate on owed units. When stage m + 1 stays short (what it owes stage m,
    B_{m+1}, exceeds its stock period after period) the shipment min(x_{m+1}, B_{m+1} + q_m)
    does not depend on q_m, so the pathwise derivative of the cost in q_m is 0: stage m may
    order ever more than it receives and nothing pushes back. A policy that lands there
    (early in training, from the start's ordering of E[D] everywhere) keeps B_{m+1} large
    for good, and stage m holds the stock stage m + 1 would hold, at h_m = h'_m - h'_{m+1}
    more per unit. Each term therefore also carries w sum_{m<M} h_m (B_{m+1} - sg[B_{m+1}]), sg the
    stop-gradient: it adds 0 to the value and w h_m to the derivative of every unit owed
    to stage m. Measured on Example 6.1 (200 steps, validation every 50 on 50 x 200
    periods, seed 0; scored on 200 x 2,000 periods): 1.15% above the optimum with w = 0.1
    (1.05% at w = 0.03, 0.97% at 0.3, 2.9% at 3), 4.6% without (B_2 about 20).

    Args:
        net: the policy (observation -> (B, M) continuous orders, stage 1 first).
        period: the chain's differentiable period.
        demand: (B, T) demand scenarios at stage 1.
        warmup: W, periods dropped from the average.
        rounding: ``"straight_through"`` or ``"relaxed"``.
        initial: optional (B, M) initial on hand at each stage (default: the chain's).
        owed_surrogate: w >= 0, the weight of the surrogate gradient on owed units.

    Returns:
        The scalar (1 / (B (T - W))) sum_b sum_{t >= W} c_t^b (its value; the gradient
        also carries the surrogate).
    """
    n, horizon = demand.shape
    m = period.n_stages
    state = period.initial_state(n, initial)
    total = torch.zeros((), dtype=period.dtype)
    weights = [owed_surrogate * h for h in period.params.echelon_holding_costs[: m - 1]]
    for t in range(horizon):
        q = _round_orders(net(period.observe(state)), rounding).reshape(n, m)
        state, ev = period.step(state, q, demand[:, t])
        if t >= warmup:
            total = total + ev["cost"].sum()
            for k, w in enumerate(weights):  # units stage k + 2 owes stage k + 1
                if w > 0:
                    owed = ev[f"owed_{k + 2}"]
                    total = total + w * (owed - owed.detach()).sum()
    return total / (n * (horizon - warmup))


@dataclass
class TrainingRecord:
    """One kernel evaluation during training."""

    iteration: int
    seconds: float  # wall seconds since the start of training
    cpu_seconds: float  # this process's CPU seconds since then
    train_cost: float
    eval_cost: float
    member: int = 0  # which (s, S) start (agents.pathwise_levels.LevelsPopulation); 0 for a network


class PathwisePolicy(BasePolicy):
    """A trained pathwise policy: integer orders round(q_theta(obs)) clipped to [0, max_order].

    Args:
        net: the trained :class:`PolicyNet`.
        params: the parameters it was trained on (bound).
        config: the training settings.
        history: kernel evaluations during training.
        train_time: seconds of training.
    """

    family = "pathwise"

    def __init__(
        self,
        net: PolicyNet,
        params: InventoryParams,
        config: PathwiseConfig,
        history: list[TrainingRecord] | None = None,
        train_time: float = 0.0,
    ) -> None:
        self.net = net.eval()
        self.config = config
        self.history = history or []
        self.train_time = train_time
        self.obs_dim = params.obs_dim
        self.train_params = params
        self.serial = isinstance(params, SerialParams)  # (N, M) orders, one per stage
        self._layers: list[Any] | None = None
        super().__init__(params)

    def _check(self, params: InventoryParams) -> None:
        if params.obs_names != self.train_params.obs_names:
            raise ValueError(
                f"the policy reads observations {self.train_params.obs_names}, the model gives {params.obs_names}"
            )

    def order(self, obs: np.ndarray) -> np.ndarray:
        """Continuous orders q_theta(obs) (N,); :meth:`act` rounds and clips them.

        The network's forward pass in numpy float64 (no torch call per period).
        """
        if isinstance(self.net, LevelsNet):
            return self.net.numpy_orders(obs)
        if self._layers is None:
            self._layers = self.net.numpy_layers()
        x = obs.astype(np.float64) / self._layers[0]
        for w, b in self._layers[1:-1]:
            x = x @ w + b
            np.expm1(x, out=x, where=x < 0)  # ELU
        w, b = self._layers[-1]
        z = x @ w + b
        if z.shape[1] == 1 and not self.serial:
            return self.net.max_order / (1.0 + np.exp(-z[:, 0]))
        return np.asarray(self.net.uppers) / (1.0 + np.exp(-z))  # (N, 2): (q_r, q_e); a chain's (N, M)

    def _largest_order(self, params: InventoryParams) -> float | np.ndarray:
        if not self.serial and params.dual_sourcing:
            return np.array([float(params.max_order), float(params.expedited_max)])
        return float(params.max_order)

    def describe(self) -> dict[str, Any]:
        c = self.config
        return {
            "family": self.family,
            "hidden": list(c.hidden),
            "iterations": c.iterations,
            "batch_size": c.batch_size,
            "rounding": rounding_mode(self.train_params, c),
            "seed": c.seed,
            "policy": "levels" if isinstance(self.net, LevelsNet) else "network",
            **(self.net.describe_levels() if isinstance(self.net, LevelsNet) else {}),
        }

    # -- persistence (no pickle) ---------------------------------------------------
    def save(self, directory: str) -> str:
        """Write ``weights.pt`` (a tensor state dict) and ``policy.json`` atomically to ``directory``."""
        os.makedirs(directory, exist_ok=True)
        state = {k: v.detach().clone() for k, v in self.net.state_dict().items()}
        _atomic(os.path.join(directory, "weights.pt"), lambda fh: torch.save(state, fh), binary=True)
        meta = {
            "format": _FORMAT_VERSION,
            "family": self.family,
            "model": "serial" if self.serial else "single_stage",
            "params": self.train_params.to_dict(),
            "config": self.config.to_dict(),
            "max_order": self.net.max_order,
            "train_time": self.train_time,
            "history": [asdict(r) for r in self.history],
        }
        _atomic(os.path.join(directory, "policy.json"), lambda fh: json.dump(meta, fh, indent=2), binary=False)
        return directory

    @classmethod
    def load(cls, directory: str) -> PathwisePolicy:
        """Read a policy written by :meth:`save` (weights only: no pickled objects)."""
        with open(os.path.join(directory, "policy.json")) as fh:
            meta = json.load(fh)
        if meta.get("format") != _FORMAT_VERSION or meta.get("family") != cls.family:
            raise ValueError(f"{directory} does not hold a pathwise policy of format {_FORMAT_VERSION}")
        model = SerialParams if meta.get("model") == "serial" else InventoryParams
        params = model(**meta["params"])
        config = PathwiseConfig.from_dict(meta["config"])
        net = _make_net(params, config)
        net.load_state_dict(torch.load(os.path.join(directory, "weights.pt"), weights_only=True))
        history = [TrainingRecord(**r) for r in meta.get("history", [])]
        return cls(net, params, config, history, float(meta.get("train_time", 0.0)))


def _atomic(path: str, write: Callable[[Any], None], *, binary: bool) -> None:
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
    try:
        with os.fdopen(fd, "wb" if binary else "w") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def step_size(params: InventoryParams | SerialParams, config: PathwiseConfig) -> tuple[int, int]:
    """(paths, periods per path) that one gradient step simulates.

    An infinite-horizon model or a serial chain: (batch_size, horizon). A finite-horizon
    model of T periods: (batch_size x max(1, round(horizon / T)), at most n_scenarios; T),
    so that a step simulates about as many periods as on an infinite horizon.

    >>> from inv_gym.presets import preset_params
    >>> step_size(preset_params("inv_gym/ConcreteMixers-v0"), PathwiseConfig())  # T = 25
    (2048, 25)
    >>> step_size(preset_params("inv_gym/LostSales-v0"), PathwiseConfig())
    (1024, 50)
    """
    if isinstance(params, SerialParams) or not params.finite_horizon:
        return config.batch_size, config.horizon
    paths = min(config.batch_size * max(1, round(config.horizon / params.horizon)), config.n_scenarios)
    return paths, int(params.horizon)


def finite_eval_reps(params: InventoryParams, config: PathwiseConfig) -> int:
    """Episodes of a finite-horizon model's kernel check: eval_reps x max(1, round(eval_horizon / T)),
    at most 1,000,000, so that it measures about as many periods as an infinite-horizon check
    (eval_reps x eval_horizon); 500 months of ``inv_gym/ConcreteMixers-v0`` alone leave a
    standard error near 0.9% of its optimum, too wide to pick the best weights.

    >>> from inv_gym.presets import preset_params
    >>> finite_eval_reps(preset_params("inv_gym/ConcreteMixers-v0"), PathwiseConfig())  # T = 25
    10000
    """
    return min(config.eval_reps * max(1, round(config.eval_horizon / params.horizon)), 1_000_000)


def policy_class(params: InventoryParams | SerialParams, config: PathwiseConfig) -> str:
    """The policy class a config trains on a model: ``"network"`` or ``"levels"`` (``config.policy``
    resolved; ``"levels"`` on a model it does not fit is refused with the reason).

    >>> from inv_gym.presets import preset_params
    >>> [policy_class(preset_params(f"inv_gym/{e}-v0"), PathwiseConfig()) for e in ("Qr", "LostSales")]
    ['levels', 'network']
    """
    reason = levels_unsupported(params)
    if config.policy == "levels" and reason is not None:
        raise ValueError(f"policy 'levels': {reason}")
    if config.policy == "auto":  # reason None: a single-stage model, with a fixed cost or not
        return "levels" if reason is None and float(params.fixed_order_cost) > 0 else "network"
    return config.policy


def _make_net(params: InventoryParams | SerialParams, config: PathwiseConfig) -> PolicyNet | LevelsNet:
    """The untrained policy: the (s, S) levels (:func:`policy_class`), or a network that first
    orders about E[D] (dual sourcing: E[D] regular, 0.5 expedited; a chain: E[D] at every stage)."""
    if policy_class(params, config) == "levels":
        return LevelsNet(params, config.hidden, config.gate_temperature)  # type: ignore[arg-type]
    mean = max(float(params.demand.mean), 0.5)
    scale = observation_scale(params)
    if isinstance(params, SerialParams):
        m = params.n_stages
        return PolicyNet(params.obs_dim, config.hidden, scale, (params.max_order,) * m, (mean,) * m)
    if params.dual_sourcing:
        return PolicyNet(params.obs_dim, config.hidden, scale, (params.max_order, params.expedited_max), (mean, 0.5))
    return PolicyNet(params.obs_dim, config.hidden, scale, params.max_order, mean)


def pathwise_unsupported(params: Any) -> str | None:
    """Why the differentiable period cannot simulate a model (None: it can).

    Args:
        params: the model's parameters (:class:`InventoryParams` or another model's, e.g.
            :class:`inv_gym.serial.params.SerialParams`).

    Returns:
        None for every :class:`InventoryParams` (one or two sources) and every
        :class:`SerialParams` (serial chains), or a one-line reason for anything else.

    >>> from inv_gym.presets import preset_params
    >>> pathwise_unsupported(preset_params("inv_gym/DualSourcing-v0")) is None
    True
    >>> from inv_gym.serial.params import SerialParams
    >>> pathwise_unsupported(SerialParams()) is None
    True
    >>> pathwise_unsupported({"lead_time": 2})[:61]
    'the pathwise learner covers InventoryParams and SerialParams,'
    """
    if isinstance(params, (InventoryParams, SerialParams)):
        return None
    return (
        f"the pathwise learner covers InventoryParams and SerialParams, got {type(params).__name__}: "
        "no differentiable period simulates it (agents.torch_period, agents.torch_serial)"
    )


def _resolve(
    env: str | InventoryParams | SerialParams, overrides: dict[str, Any] | None
) -> InventoryParams | SerialParams:
    if isinstance(env, (InventoryParams, SerialParams)):
        params = env.replace(**overrides) if overrides else env
    elif isinstance(env, str):
        from inv_gym.instances import SERIAL_ENV_ID

        if env == SERIAL_ENV_ID:
            from inv_gym.serial.env import make_serial_params

            return make_serial_params(**(overrides or {}))
        from inv_gym.presets import preset_params

        params = preset_params(env, **(overrides or {}))
    else:
        raise ValueError(
            f"env must be a registered id, InventoryParams or SerialParams, got {type(env).__name__}: "
            f"{pathwise_unsupported(env)}"
        )
    return params


def _single_stage_scenarios(
    params: InventoryParams, config: PathwiseConfig, ss_paths: Any, ss_start: Any, horizon: int
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """(demand (N, T), lead times (N, T), initial on hand (N,)) of a single-stage model's scenarios."""
    demand_np, lead_np = draw_paths(params, ss_paths, config.n_scenarios, horizon)
    # finite-horizon models start where the model starts; the others from a random stock
    top = 0 if params.finite_horizon else round(config.initial_stock * float(params.demand.mean))
    if params.capacity is not None:
        top = min(top, int(params.capacity))
    if top > 0:
        start_np = np.random.default_rng(ss_start).integers(0, top + 1, config.n_scenarios).astype(np.float32)
    else:
        start_np = np.full(config.n_scenarios, params.initial_inventory, dtype=np.float32)
    return demand_np, lead_np, start_np


def _serial_scenarios(
    params: SerialParams, config: PathwiseConfig, ss_paths: Any, ss_start: Any, horizon: int
) -> tuple[np.ndarray, None, np.ndarray]:
    """(demand (N, T), no lead times, initial on hand (N, M)) of a chain's scenarios.

    Stage m starts with on hand drawn uniformly from the integers 0..round(k E[D] (L_m + 1) / 2)
    (k = ``initial_stock``): on average k / 4 times the mean demand over its own lead time plus
    one period (once at the default k = 4), its share of the echelon base-stock levels, so that
    the chain starts near the stock it will hold (the single-stage range 0..k E[D] at L = 1).
    k = 0: every path starts from the chain's ``initial_inventory``.
    """
    demand_np = np.ascontiguousarray(serial_demand_paths(params, ss_paths, config.n_scenarios, horizon).T)
    mean = float(params.demand.mean)
    tops = [round(config.initial_stock * mean * (lt + 1) / 2) for lt in params.lead_times]
    if config.initial_stock > 0:
        rng = np.random.default_rng(ss_start)
        start_np = np.stack([rng.integers(0, top + 1, config.n_scenarios) for top in tops], axis=1)
    else:
        start_np = np.broadcast_to(np.asarray(params.initial_inventory), (config.n_scenarios, params.n_stages))
    return demand_np, None, start_np.astype(np.float32)


def train_pathwise(
    env: str | InventoryParams | SerialParams,
    config: PathwiseConfig | None = None,
    *,
    overrides: dict[str, Any] | None = None,
    on_record: Callable[[TrainingRecord], None] | None = None,
) -> PathwisePolicy:
    """Train a policy by pathwise gradients over fixed scenarios; keep the best on the kernel.

    Args:
        env: a registered id (``inv_gym/Serial-v0`` included), :class:`InventoryParams`
            or :class:`SerialParams`.
        config: the settings (default :class:`PathwiseConfig()`).
        overrides: parameter overrides of the id's preset (or of the chain's defaults).
        on_record: optional callback ``f(record)`` after every kernel evaluation.

    Returns:
        The :class:`PathwisePolicy` with the best kernel evaluation cost, bound to the parameters.
    """
    config = config or PathwiseConfig()
    params = _resolve(env, overrides)
    rounding = rounding_mode(params, config)
    serial = isinstance(params, SerialParams)  # a chain: long-run cost, as an infinite-horizon model
    finite = not serial and params.finite_horizon
    batch, horizon = step_size(params, config)
    warmup = 0 if finite else config.warmup
    if finite and config.batch_size * horizon > MAX_BATCH_PERIODS:
        raise ValueError(f"batch_size x the model's horizon {horizon} exceeds {MAX_BATCH_PERIODS:,}; lower batch_size")
    ss_train, ss_val, ss_torch = np.random.SeedSequence(config.seed).spawn(3)
    ss_paths, ss_start = ss_train.spawn(2)
    scenarios = _serial_scenarios if serial else _single_stage_scenarios
    demand_np, lead_np, start_np = scenarios(params, config, ss_paths, ss_start, horizon)  # type: ignore[arg-type]
    starts = torch.from_numpy(start_np)
    demand = torch.from_numpy(demand_np.astype(np.float32))
    lead = None if lead_np is None else torch.from_numpy(lead_np)
    val_seed = int(ss_val.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
    gen = torch.Generator().manual_seed(int(ss_torch.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)))
    old_threads = torch.get_num_threads()
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(gen.initial_seed()))
            net: nn.Module = _make_net(params, config)
            if isinstance(net, LevelsNet) and config.batch_size >= LEVEL_STARTS:  # several starts side by side
                net = LevelsPopulation(params, config.hidden, config.gate_temperature)  # type: ignore[arg-type]
        period = (TorchSerialPeriod if serial else TorchPeriod)(params, dtype=torch.float32)  # type: ignore[arg-type]
        opt = torch.optim.Adam(net.parameters(), lr=config.lr)
        history: list[TrainingRecord] = []
        members = list(net.members) if isinstance(net, LevelsPopulation) else [net]
        best_cost, best_state, best_member = math.inf, copy.deepcopy(members[0].state_dict()), 0
        clock = time.process_time if config.clock == "cpu" else time.perf_counter
        start, wall_start, cpu_start = clock(), time.perf_counter(), time.process_time()
        running = math.nan

        def validate(it: int) -> None:
            for k, member in enumerate(members):
                validate_member(it, k, member)
            net.train()

        def validate_member(it: int, k: int, member: nn.Module) -> None:
            nonlocal best_cost, best_state, best_member
            snapshot = PathwisePolicy(copy.deepcopy(member), params, config)
            if serial:  # the chain's kernel scores it
                ev = serial_evaluate(
                    snapshot, params, reps=config.eval_reps, horizon=config.eval_horizon,
                    warmup=config.eval_warmup, seed=val_seed,
                )  # fmt: skip
            elif params.finite_horizon:  # episodes enough for about as many periods as an infinite horizon's check
                ev = evaluate(snapshot, params, reps=finite_eval_reps(params, config), seed=val_seed)
            else:
                ev = evaluate(
                    snapshot, params, reps=config.eval_reps, horizon=config.eval_horizon,
                    warmup=config.eval_warmup, seed=val_seed,
                )  # fmt: skip
            cost = -ev["reward_per_period"].mean
            rec = TrainingRecord(
                it, time.perf_counter() - wall_start, time.process_time() - cpu_start, running, cost, k
            )
            history.append(rec)
            if cost < best_cost:
                best_cost, best_state, best_member = cost, copy.deepcopy(member.state_dict()), k
            if on_record is not None:
                on_record(rec)

        for it in range(1, config.iterations + 1):
            idx = torch.randint(0, config.n_scenarios, (batch,), generator=gen)
            if serial:
                loss = serial_pathwise_loss(
                    net,
                    period,
                    demand[idx],
                    warmup=warmup,
                    rounding=rounding,
                    initial=starts[idx],
                    owed_surrogate=config.owed_surrogate,
                )
            else:
                loss = pathwise_loss(
                    net, period, demand[idx], lead[idx], warmup=warmup, rounding=rounding, initial=starts[idx]
                )
            done = it / config.iterations
            if config.time_limit is not None:
                done = max(done, (clock() - start) / config.time_limit)
            for group in opt.param_groups:
                group["lr"] = config.lr * (
                    config.lr_end + (1 - config.lr_end) * 0.5 * (1 + math.cos(math.pi * min(done, 1.0)))
                )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), config.grad_clip)
            opt.step()
            value = float(loss.detach())
            running = value if math.isnan(running) else 0.9 * running + 0.1 * value
            out_of_time = config.time_limit is not None and clock() - start >= config.time_limit
            if it % config.eval_every == 0 or it == config.iterations or out_of_time:
                validate(it)
            if out_of_time:
                break
        train_time = time.perf_counter() - wall_start
    finally:
        torch.set_num_threads(old_threads)
    best = members[best_member]
    best.load_state_dict(best_state)
    return PathwisePolicy(best, params, config, history, train_time)
