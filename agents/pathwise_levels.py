"""An (s, S) policy class for the pathwise learner: how it learns to batch orders.

The fixed ordering cost K 1[q > 0] is a step: its pathwise derivative is 0, and
a network that maps the state to an order has no gradient telling it to order
less often in larger lots (on ``inv_gym/EOQ-v0`` the plain network orders every
period, 87.7% above the optimum). For a single-source backorder model with
K > 0 the optimal policy is (s, S) on the inventory position (Scarf 1960;
Iglehart 1963 for the average cost), so the learner can search that class:

    q_t = (S(c_t) - y_t)^+ 1[y_t <= s(c_t)],

with y_t the inventory position (net inventory plus everything on order,
:meth:`agents.base.ObsLayout.inventory_position`) and c_t the context: the
period index t / T of a finite-horizon model (levels (s_t, S_t) from a small
network of it), none otherwise (then s and S are two learned numbers). The
levels are parametrised as s = E[D] z_s and S = s + E[D] softplus(z_D), so
S > s always.

Gradients. The order size S - y_t is linear in S: its pathwise derivative
(straight-through rounding, as in :mod:`agents.pathwise`) moves every position
of the cycle with S. What it misses is the timing: moving s or S moves the
period in which the position first falls to s. That effect enters through a
smooth gate with zero value,

    sum_t w_t (g_t - sg[g_t]),   g_t = sigmoid((s - sg[y_t] - (S - sg[S])) / tau),

where sg is the stop-gradient and tau = ``gate_temperature`` x E[D]. The gate
holds the simulated position (so no derivative flows through the decision into
the state: through it the gradient grows geometrically over order cycles,
norms of 1e9 on EOQ-v0, measured) but lets S move it one for one, as an order
up to S does. The weight w_t is the renewal-reward derivative of the average
cost C = (K + R) / T of a cycle of T periods and running cost R: ordering one
period earlier removes the cycle's last period, so it changes C by
(C - c_end) / T, c_end the cost of that period. Per period,

    w_t = C - c_end,t,    C = K f + mean running cost (f: orders per period),

with c_end,t the cost (holding and backorders) of the period t + L_t in which
an order placed at t would arrive, as it would be without that order: the
simulated cost when no order was placed at t, else h (x - q_t)^+ + b (q_t - x)^+
from the period's net inventory x. At the optimum w balances: the cost of the
last period of a cycle equals the average cost, the optimality condition of
(s, S) (Zheng & Federgruen 1991). All of C, f and c_end are computed on the
batch and held (no derivative).

Measured (600 steps, seed 0, 200 x 2,000 periods on the benchmark's draws):
Qr-v0 35.031 against the optimum 35.022 (0.03%), StochasticLeadTime-v0 21.309
against 21.295 (0.06%); EOQ-v0 (deterministic demand) 27.5 against 26.667
(3.1%): S = 40.5, cycles of four periods, a local optimum the gradient cannot
leave (from S = 36.6 cycles of three and of four periods lie on either side).
Before the renewal weight (K f alone, with a straight-through gate) S drifted
up from the optimum (Qr 40 to 50), the cost of the delayed order being left out.

Initial levels: s_0 = E[D] (E[L] + 1) and S_0 = s_0 + max(E[D], min(EOQ,
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

__all__ = ["LevelsNet", "levels_unsupported", "initial_levels", "levels_loss"]


def levels_unsupported(params: Any) -> str | None:
    """Why the (s, S) class does not fit a model (None: it does).

    It covers the single-stage, single-source backorder models without capacity
    or perishability (:class:`InventoryParams`), infinite or finite horizon: the
    models where (s, S) is optimal and the gate's weight (module docstring) is exact.

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
    if params.lost_sales:
        return "the (s, S) policy class covers backorder models; this one loses sales"
    if params.perishable or params.capacity is not None:
        return "the (s, S) policy class covers models without perishability or capacity"
    return None


def initial_levels(params: InventoryParams) -> tuple[float, float]:
    """(s_0, S_0): s_0 = E[D] (E[L] + 1), S_0 = s_0 + max(E[D], min(EOQ, 0.9 U)).

    >>> from inv_gym.presets import preset_params
    >>> initial_levels(preset_params("inv_gym/EOQ-v0"))  # E[D] = 10, L = 0, K = 50, h = 1
    (10.0, 41.62277660168379)
    """
    mean = max(float(params.demand.mean), 0.5)
    s0 = mean * (float(params.mean_lead_time) + 1.0)
    h = float(params.holding_cost)
    k = float(params.fixed_order_cost)
    eoq = math.sqrt(2.0 * k * mean / h) if h > 0 and k > 0 else mean
    return s0, s0 + max(mean, min(eoq, 0.9 * float(params.max_order)))


class LevelsNet(nn.Module):
    """q = (S(c) - y)^+ 1[y <= s(c)]: the (s, S) policy with learned levels.

    Args:
        params: the model (:func:`levels_unsupported` must be None).
        hidden: hidden widths of the levels' network of the context (finite
            horizon: the period index / T); unused without a context.
        gate_temperature: tau / E[D], the width of the gate's sigmoid, > 0.
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
        """(q, g): the orders (S - y)^+ 1[y <= s] (N,) and the smooth gate g (N,) of the module docstring."""
        s, big_s = self.levels(obs)
        y = self.position(obs)
        hard = (y <= s).to(obs.dtype)
        moved = y.detach() + (big_s - big_s.detach())  # held, but following S one for one
        gate = torch.sigmoid((s - moved) / self.tau)
        return torch.clamp(hard * torch.clamp(big_s - y, min=0.0), max=self.max_order), gate

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


def gate_weights(
    period_costs: torch.Tensor,
    net_inventory: torch.Tensor,
    orders: torch.Tensor,
    placed: torch.Tensor,
    lead: torch.Tensor,
    *,
    warmup: int,
    fixed_cost: float,
    holding_cost: float,
    backorder_cost: float,
) -> torch.Tensor:
    """w_t = C - c_end,t for every path and period (0 where the arrival falls past the horizon).

    Args:
        period_costs: (B, T) holding plus backorder cost of each period.
        net_inventory: (B, T) net inventory x at the end of each period.
        orders: (B, T) orders placed.
        placed: (B, T) booleans, an order placed.
        lead: (B, T) lead time of an order placed in that period.
        warmup: W, periods left out of C and of the weights.
        fixed_cost, holding_cost, backorder_cost: K, h, b.

    Returns:
        (B, T) weights (no gradient).

    >>> costs = torch.tensor([[4.0, 2.0, 30.0, 6.0]])
    >>> x = torch.tensor([[4.0, 2.0, 0.0, 6.0]])
    >>> q = torch.tensor([[0.0, 0.0, 9.0, 0.0]])
    >>> w = gate_weights(costs, x, q, q > 0, torch.zeros(1, 4, dtype=torch.long), warmup=0,
    ...                  fixed_cost=8.0, holding_cost=1.0, backorder_cost=10.0)
    >>> w.tolist()  # C = 8 / 4 + 42 / 4 = 12.5; at t = 2 without the order x = -9: 90
    [[8.5, 10.5, -77.5, 6.5]]
    """
    with torch.no_grad():
        n, horizon = period_costs.shape
        f = placed[:, warmup:].to(period_costs.dtype).mean()
        average = fixed_cost * f + period_costs[:, warmup:].mean()
        t = torch.arange(horizon).expand(n, horizon)
        arrive = t + lead.long()
        at = arrive.clamp(max=horizon - 1)
        x, cost = torch.gather(net_inventory, 1, at), torch.gather(period_costs, 1, at)
        without = holding_cost * torch.clamp(x - orders, min=0.0) + backorder_cost * torch.clamp(orders - x, min=0.0)
        end = torch.where(placed, without, cost)
        return torch.where((arrive < horizon) & (t >= warmup), average - end, torch.zeros_like(end))


def levels_loss(
    net: LevelsNet,
    period: Any,
    demand: torch.Tensor,
    lead: torch.Tensor,
    *,
    warmup: int,
    rounding_fn: Any,
    initial: torch.Tensor | None = None,
) -> torch.Tensor:
    """:func:`agents.pathwise.pathwise_loss` for the (s, S) class: the cost plus the gate's zero-valued term.

    Args:
        net: the levels.
        period: the model's :class:`agents.torch_period.TorchPeriod`.
        demand, lead: (B, T) scenarios.
        warmup: W, periods dropped from the average.
        rounding_fn: how training relaxes integer orders (``agents.pathwise._round_orders`` bound to its mode).
        initial: optional (B,) initial on hand.

    Returns:
        (1 / (B (T - W))) [sum_{b, t >= W} c_t^b + sum_{b, t} w_t^b (g_t^b - sg[g_t^b])]: the value is
        the average cost per period, the gradient adds the gate's timing effect.
    """
    n, horizon = demand.shape
    state = period.initial_state(n, initial)
    pr = period.params
    finite = pr.finite_horizon
    total = torch.zeros((), dtype=period.dtype)
    running, net_inv, orders, placed, gates = [], [], [], [], []
    for t in range(horizon):
        q, gate = net.orders_and_gate(period.observe(state))
        q = rounding_fn(q)
        last = torch.full((n,), t == horizon - 1) if finite else None
        state, ev = period.step(state, q, demand[:, t], lead[:, t], last)
        if t >= warmup:
            total = total + ev["cost"].sum() - (ev["revenue"].sum() + ev["salvage"].sum())
        running.append((ev["holding_cost"] + ev["backorder_cost"]).detach())
        net_inv.append((ev["on_hand"] - ev["backorders"]).detach())
        orders.append(q.detach())
        placed.append(ev["order_placed"].detach() > 0)
        gates.append(gate)
    gate = torch.stack(gates, 1)
    w = gate_weights(
        torch.stack(running, 1), torch.stack(net_inv, 1), torch.stack(orders, 1), torch.stack(placed, 1), lead,
        warmup=warmup, fixed_cost=float(pr.fixed_order_cost), holding_cost=float(pr.holding_cost),
        backorder_cost=float(pr.backorder_cost),
    )  # fmt: skip
    total = total + (w * (gate - gate.detach())).sum()
    return total / (n * (horizon - warmup))
