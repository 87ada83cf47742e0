"""An (s, S) policy class for the pathwise learner: how it learns to batch orders.

The fixed ordering cost K 1[q > 0] is a step: its pathwise derivative is 0, and
a network that maps the state to an order has no gradient telling it to order
less often in larger lots (on ``inv_gym/EOQ-v0`` the plain network orders every
period, 87.7% above the optimum). For a single-source backorder model with
K > 0 the optimal policy is known to be (s, S) on the inventory position
(Scarf 1960; Iglehart 1963 for the average cost), so the learner can search
that class instead:

    q_t = (S(c_t) - y_t)^+ 1[y_t <= s(c_t)],

with y_t the inventory position (net inventory plus everything on order,
:meth:`agents.base.ObsLayout.inventory_position`) and c_t the context: the
period index t / T of a finite-horizon model (levels (s_t, S_t) from a small
network of it), none otherwise (then s and S are two learned numbers). The
levels are parametrised as s = E[D] z_s and S = s + E[D] softplus(z_D), so
S > s always.

Gradients. The order size S - y is piecewise linear and gets its pathwise
derivative as in :mod:`agents.pathwise` (straight-through rounding). The
decision 1[y <= s] is relaxed in the backward pass only:

* **gate**: forward the exact indicator, backward the derivative of
  g(s, y) = sigmoid((s - sg[y]) / tau), tau = ``gate_temperature`` x E[D] (a
  straight-through sigmoid; sg is the stop-gradient). The position is held
  fixed inside the gate: with it, every order period multiplies the state's
  Jacobian by (S - y) g' / tau, and over a few order cycles the gradient grows
  geometrically (norms of 1e9 on EOQ-v0, measured).
* **fixed cost**: the loss carries K f (g~ - sg[g~]) per period with
  g~ = sigmoid((s - y) / tau) (here y is not held: raising S lifts the later
  positions and so delays the next order) and f = sg[orders per period in the
  batch]. Its value adds 0. Without f the surrogate credits every period's
  gate with a whole order K, but moving the reorder point delays an order by
  about 1 / E[D] periods rather than removing it: over a cycle of E[T] periods
  the true saving is K / (E[D] E[T]) per cycle against the surrogate's K / E[D],
  too large by the factor E[T] = 1 / f. Measured at 400 steps, seed 0: Qr-v0
  35.149 with f against 36.700 without (optimum 35.022).

Initial levels: s_0 = E[D] (E[L] + 1/2) and S_0 = s_0 + max(E[D], min(EOQ,
0.9 U)), EOQ = sqrt(2 K E[D] / h) (h the holding cost, U the largest order).

Evaluation applies the same rule exactly in numpy (:meth:`LevelsNet.numpy_orders`)
on the kernel, with the orders rounded and clipped like every policy's.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from inv_gym.params import InventoryParams

__all__ = ["LevelsNet", "levels_unsupported", "initial_levels"]


def levels_unsupported(params: Any) -> str | None:
    """Why the (s, S) class does not fit a model (None: it does).

    It covers single-source single-stage models (:class:`InventoryParams` without
    dual sourcing), backorders or lost sales, infinite or finite horizon.

    >>> from inv_gym.presets import preset_params
    >>> levels_unsupported(preset_params("inv_gym/Qr-v0")) is None
    True
    >>> levels_unsupported(preset_params("inv_gym/DualSourcing-v0"))
    'the (s, S) policy class orders from one source; dual sourcing has two'
    """
    if not isinstance(params, InventoryParams):
        return f"the (s, S) policy class covers single-stage models, got {type(params).__name__}"
    if params.dual_sourcing:
        return "the (s, S) policy class orders from one source; dual sourcing has two"
    return None


def initial_levels(params: InventoryParams) -> tuple[float, float]:
    """(s_0, S_0): s_0 = E[D] (E[L] + 1/2), S_0 = s_0 + max(E[D], min(EOQ, 0.9 U)).

    >>> from inv_gym.presets import preset_params
    >>> initial_levels(preset_params("inv_gym/EOQ-v0"))  # E[D] = 10, L = 0, K = 50, h = 1
    (5.0, 36.62277660168379)
    """
    mean = max(float(params.demand.mean), 0.5)
    s0 = mean * (float(params.mean_lead_time) + 0.5)
    h = float(params.holding_cost)
    k = float(params.fixed_order_cost)
    eoq = math.sqrt(2.0 * k * mean / h) if h > 0 and k > 0 else mean
    return s0, s0 + max(mean, min(eoq, 0.9 * float(params.max_order)))


class LevelsNet(nn.Module):
    """q = (S(c) - y)^+ 1[y <= s(c)]: the (s, S) policy with learned levels.

    Args:
        params: the model (single source, :func:`levels_unsupported` is None).
        hidden: hidden widths of the levels' network of the context (finite
            horizon: the period index / T); unused without a context.
        gate_temperature: tau / E[D], the width of the gate's backward sigmoid, > 0.
    """

    def __init__(self, params: InventoryParams, hidden: tuple[int, ...], gate_temperature: float) -> None:
        super().__init__()
        reason = levels_unsupported(params)
        if reason is not None:
            raise ValueError(reason)
        names = params.obs_names
        self.unit = max(float(params.demand.mean), 0.5)
        self.tau = float(gate_temperature) * self.unit
        self.max_order = float(params.max_order)
        self.uppers = (self.max_order,)
        self.context = [i for i, n in enumerate(names) if n == "period"]
        self.horizon = float(params.horizon)
        position = [1.0 if (i == 0 or n.startswith("pipeline_")) else 0.0 for i, n in enumerate(names)]
        self.register_buffer("position_weights", torch.tensor(position))
        layers: list[nn.Module] = []
        width = len(self.context)
        for h in hidden if width else ():
            layers += [nn.Linear(width, h), nn.ELU()]
            width = h
        width = max(width, 1)  # without a context the head reads a constant 0: its bias holds (z_s, z_D)
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width, 2)
        s0, big_s0 = initial_levels(params)
        with torch.no_grad():
            self.head.weight.mul_(0.1)
            self.head.bias[0] = s0 / self.unit
            self.head.bias[1] = math.log(math.expm1((big_s0 - s0) / self.unit))

    # -- the rule ------------------------------------------------------------
    def levels(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(s, S), each (N,), from the context of the observation (N, d)."""
        x = obs[:, self.context] / self.horizon if self.context else obs.new_zeros((obs.shape[0], 1))
        z = self.head(self.body(x))
        s = self.unit * z[:, 0]
        return s, s + self.unit * nn.functional.softplus(z[:, 1])

    def position(self, obs: torch.Tensor) -> torch.Tensor:
        """y: the inventory position (N,) (inventory plus the pipeline entries)."""
        return (obs * self.position_weights.to(obs.dtype)).sum(dim=1)

    def orders_and_gate(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(q, g~): the orders (exact forward, straight-through gate) and the fixed cost's smooth gate."""
        s, big_s = self.levels(obs)
        y = self.position(obs)
        hard = (y <= s).to(obs.dtype)
        held = torch.sigmoid((s - y.detach()) / self.tau)
        gate = hard + held - held.detach()
        q = torch.clamp(gate * torch.clamp(big_s - y, min=0.0), max=self.max_order)
        return q, torch.sigmoid((s - y) / self.tau)

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        """(N, d) -> (N,) orders before rounding."""
        return self.orders_and_gate(obs)[0]

    # -- evaluation in numpy -------------------------------------------------
    def numpy_orders(self, obs: np.ndarray) -> np.ndarray:
        """The same rule in float64 numpy (no autograd): (S - y)^+ 1[y <= s], (N,)."""
        with torch.no_grad():
            s, big_s = self.levels(torch.as_tensor(obs, dtype=torch.float32))
        s64, big64 = s.double().numpy(), big_s.double().numpy()
        y = np.asarray(obs, dtype=np.float64) @ self.position_weights.double().numpy()
        return np.where(y <= s64, np.maximum(big64 - y, 0.0), 0.0)

    def describe_levels(self) -> dict[str, Any]:
        """The learned levels: ``{"s": .., "S": ..}`` (without a context), else per period."""
        t = np.arange(int(self.horizon)) if self.context else np.zeros(1)
        obs = np.zeros((len(t), len(self.position_weights)), dtype=np.float32)
        if self.context:
            obs[:, self.context[0]] = t
        with torch.no_grad():
            s, big_s = self.levels(torch.from_numpy(obs))
        if not self.context:
            return {"s": round(float(s[0]), 4), "S": round(float(big_s[0]), 4)}
        return {"s": [round(float(v), 4) for v in s], "S": [round(float(v), 4) for v in big_s]}
