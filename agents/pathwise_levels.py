"""An (s, S) policy class for the pathwise learner: how it learns to batch orders.

The fixed ordering cost K 1[q > 0] is a step: its pathwise derivative is 0, and
a network that maps the state to an order has no gradient telling it to order
less often in larger lots (on ``inv_gym/EOQ-v0`` the plain network orders every
period, 87.7% above the optimum). For a single-source backorder model with
K > 0 the optimal policy is (s, S) on the inventory position (Scarf 1960;
Iglehart 1963 for the average cost); with lost sales or a capacity it is not
exactly, but it is the classical class for them too. The learner searches it:

    q_t = (S(c_t) - y_t)^+ 1[y_t <= s(c_t)],

with y_t the inventory position (inventory plus everything on order,
:meth:`agents.base.ObsLayout.inventory_position`) and c_t the context: the
period index t / T of a finite-horizon model (levels (s_t, S_t) from a small
network of it), none otherwise (then s and S are two learned numbers). The
levels are parametrised as s = E[D] z_s and S = s + E[D] softplus(z_D), so
S > s always. Orders are cut to the largest order U.

Gradients. The order size S - y_t is linear in S: its pathwise derivative
(straight-through rounding, as in :mod:`agents.pathwise`) moves every position
of the cycle with S. What it misses is the timing: moving s or S moves the
period in which the position first falls to s. That effect enters through a
smooth gate with zero value,

    sum_t w_t (g_t - sg[g_t]),   g_t = sigmoid((s - sg[y_t] - phi_t (S - sg[S])) / tau),

where sg is the stop-gradient and tau = ``gate_temperature`` x E[D]. The gate
holds the simulated position (so no derivative flows through the decision into
the state: through it the gradient grows geometrically over order cycles,
norms of 1e9 on EOQ-v0, measured) but lets S move it one for one, as an order
up to S does: phi_t = 1 while the position came from the last order up to S,
0 before the first order, after an order cut to U, or after a capacity turned
units away (then the position does not move with S, and the timing is set by
s alone: the concrete-mixer store orders U = 11 into room for 11). The weight
w_t is the renewal-reward derivative of the average cost C = (K + R) / T of a
cycle of T periods and running cost R: ordering one period earlier removes the
cycle's last period, so it changes C by (C - c_end) / T, c_end the cost of that
period. Per period,

    w_t = C - c_end,t,    C = K f + mean running cost (f: orders per period),

with c_end,t the cost (holding and shortage) of the period t + L_t in which
an order placed at t would arrive, as it would be without that order: the
simulated cost when no order was placed at t, else h (x - q_t)^+ + p (q_t - x)^+
from the period's stock x less its shortage (backorders, or the units lost in
the period; p the backorder or lost-sales cost) and the order's units that
entered the stock (q_t less what a capacity turned away). At the optimum w
balances: the cost of the last period of a cycle equals the average cost, the
optimality condition of (s, S) (Zheng & Federgruen 1991). In a finite horizon of
T periods the schedule that an earlier order moves forward gains a period at the
end, not one of average cost: there C is the mean cost of period T - 1 (its fixed
cost included), the price of one more period after the last. An order that would
arrive after the last period only costs K: its weight is K (an infinite horizon's
training paths give such orders weight 0). All of C, f and c_end are computed on
the batch and held (no derivative).

Starts. The cost is not convex in the levels: with deterministic demand it is
flat between cycle lengths, and from S_0 = 41.6 on EOQ-v0 the levels settled on
cycles of four periods (27.5, 3.1% above the optimum 26.667) where the optimum
orders every three. :class:`LevelsPopulation` trains :data:`LEVEL_STARTS` = 2
starting levels side by side, each on half of every batch, and training keeps
the one that evaluates best on the kernel: start 0 has s_0 = E[D] (E[L] + 1) and
S_0 = s_0 + max(E[D], min(EOQ, 0.9 U)), EOQ = sqrt(2 K E[D] / h) (unbounded when
h = 0; U the largest order); start 1 lowers S_0 by the mean overshoot E[D^2] /
(2 E[D]) (:func:`initial_levels`).

Measured (700 steps, seed 0; 200 x 2,000 periods): EOQ-v0 26.645 (the optimum's
cost on these draws; 3.1% above with start 0 alone), Qr-v0 35.020 against the
optimum 35.022, StochasticLeadTime-v0 21.287 against 21.295. ConcreteMixers-v0,
evaluated exactly (:func:`inv_gym.analytic.finite_horizon.evaluate_policy_finite_horizon`):
0.19819 against the optimum 0.197432 (0.38%) at 700 steps and at 1,500; the network
with the fixed cost's surrogate was 19.5% above, the best stationary (s, S) is 5.1%.
With the long-run C in place of the last period's cost the levels reached 1.13% (700
steps) and 0.74% (1,500): they sat just under 3 over the month's first days, acting
as 2. The levels learn the month's end (s_24 < 0: no order on the last day); what is
left is finer: the optimum is itself an (s_t, S_t) policy (s_t = 3 to day 17, then 2,
2, 4, 4, 3, 1 and no order on day 24), and the learned s_t stay near 3 over days
18-21 (0.47% of cost when the optimum's are set so, computed exactly).

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

__all__ = ["LevelsNet", "LevelsPopulation", "levels_unsupported", "initial_levels", "levels_loss", "LEVEL_STARTS"]

#: Starting levels trained side by side (:class:`LevelsPopulation`, :func:`initial_levels`).
LEVEL_STARTS = 2


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
    if params.perishable:
        return "the (s, S) policy class covers models without perishability"
    return None


def initial_levels(params: InventoryParams, start: int = 0) -> tuple[float, float]:
    """(s_0, S_0) of start 0 or 1 (:data:`LEVEL_STARTS`).

    Start 0: s_0 = E[D] (E[L] + 1), S_0 = s_0 + max(E[D], min(EOQ, 0.9 U)). Start 1 lowers
    S_0 by the mean overshoot below s, E[D^2] / (2 E[D]), so that the lot S - y, not
    S - s, is about the EOQ (S_0 stays >= s_0 + E[D] / 2).

    >>> from inv_gym.presets import preset_params
    >>> initial_levels(preset_params("inv_gym/EOQ-v0"))  # E[D] = 10, L = 0, K = 50, h = 1
    (10.0, 41.62277660168379)
    >>> initial_levels(preset_params("inv_gym/EOQ-v0"), start=1)  # overshoot 100 / 20 = 5
    (10.0, 36.62277660168379)
    """
    if start not in range(LEVEL_STARTS):
        raise ValueError(f"start must be in 0..{LEVEL_STARTS - 1}, got {start!r}")
    mean = max(float(params.demand.mean), 0.5)
    s0 = mean * (float(params.mean_lead_time) + 1.0)
    h = float(params.holding_cost)
    k = float(params.fixed_order_cost)
    if k <= 0:
        eoq = mean
    else:  # without holding cost the economic lot is unbounded: the largest order caps it
        eoq = math.sqrt(2.0 * k * mean / h) if h > 0 else math.inf
    big_s0 = s0 + max(mean, min(eoq, 0.9 * float(params.max_order)))
    if start == 1:
        overshoot = (float(params.demand.variance) + mean**2) / (2.0 * mean)
        big_s0 = max(big_s0 - overshoot, s0 + 0.5 * mean)
    return s0, big_s0


class LevelsNet(nn.Module):
    """q = (S(c) - y)^+ 1[y <= s(c)]: the (s, S) policy with learned levels.

    Args:
        params: the model (:func:`levels_unsupported` must be None).
        hidden: hidden widths of the levels' network of the context (finite
            horizon: the period index / T); unused without a context.
        gate_temperature: tau / E[D], the width of the gate's sigmoid, > 0.
        start: which initial levels (:func:`initial_levels`), 0 or 1.
    """

    def __init__(
        self, params: InventoryParams, hidden: tuple[int, ...], gate_temperature: float, start: int = 0
    ) -> None:
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
        s0, big_s0 = initial_levels(params, start)
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

    def orders_and_gate(
        self, obs: torch.Tensor, follows: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(q, g, c): the orders (S - y)^+ 1[y <= s] (N,), the smooth gate g (N,) of the module
        docstring, and c (N,) whether each order was cut to the largest order U.

        ``follows`` (N,), 1 where the position still follows S (the last order raised it to S),
        0 where it does not (that order was cut to U, or a capacity turned units away since);
        default all 1. Where it is 0 the gate moves with s alone.
        """
        s, big_s = self.levels(obs)
        y = self.position(obs)
        hard = (y <= s).to(obs.dtype)
        shift = big_s - big_s.detach()
        moved = y.detach() + (shift if follows is None else follows * shift)  # held, following S one for one
        gate = torch.sigmoid((s - moved) / self.tau)
        wanted = hard * torch.clamp(big_s - y, min=0.0)
        return torch.clamp(wanted, max=self.max_order), gate, (wanted > self.max_order).detach()

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


class LevelsPopulation(nn.Module):
    """:data:`LEVEL_STARTS` (s, S) policies trained side by side, each on its share of the batch.

    The levels' cost is not convex in them: with deterministic demand (``inv_gym/EOQ-v0``)
    it is flat between cycle lengths, so a gradient never crosses from cycles of four
    periods to cycles of three. Member k starts from :func:`initial_levels` (start k), the
    batch's paths are split into contiguous equal shares, path share k simulated under
    member k, and the training keeps the member that evaluates best on the kernel.

    Args: as :class:`LevelsNet`.
    """

    def __init__(self, params: InventoryParams, hidden: tuple[int, ...], gate_temperature: float) -> None:
        super().__init__()
        self.members = nn.ModuleList(LevelsNet(params, hidden, gate_temperature, k) for k in range(LEVEL_STARTS))

    def shares(self, n: int) -> list[tuple[int, int]]:
        """The rows [a, b) of each member in a batch of n paths (n >= the number of members)."""
        bounds = np.linspace(0, n, len(self.members) + 1).round().astype(int)
        return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]

    def orders_and_gate(
        self, obs: torch.Tensor, follows: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """:meth:`LevelsNet.orders_and_gate` of each member on its share of the rows, concatenated."""
        parts = [
            m.orders_and_gate(obs[a:b], None if follows is None else follows[a:b])
            for m, (a, b) in zip(self.members, self.shares(obs.shape[0]))
        ]
        return tuple(torch.cat(p) for p in zip(*parts))  # type: ignore[return-value]


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
    shortage_cost: float,
    finite: bool = False,
) -> torch.Tensor:
    """w_t = C - c_end,t for every path and period; where the arrival falls past the horizon,
    K on a finite horizon (the order would only cost its fixed cost), else 0. On a finite
    horizon C is the mean cost of the last period, fixed cost included (module docstring).

    Without the order's q units in its arrival period the cost there would be
    h (x - q)^+ + p (q - x)^+, with x the stock at the end of the period less the
    units short in it: backorders (then p = b) or sales lost in that period (p is
    the lost-sales cost; units lost there are short either way).

    Args:
        period_costs: (B, T) holding plus shortage (backorder or lost-sales) cost of each period.
        net_inventory: (B, T) x: on hand at the end of each period, less its backorders or lost sales.
        orders: (B, T) units of the order placed in that period that reach the stock
            (the order less what a capacity turns away on arrival).
        placed: (B, T) booleans, an order placed.
        lead: (B, T) lead time of an order placed in that period.
        warmup: W, periods left out of C and of the weights.
        fixed_cost, holding_cost, shortage_cost: K, h, and b or p.
        finite: the paths are a finite-horizon model's whole episodes.

    Returns:
        (B, T) weights (no gradient).

    >>> costs = torch.tensor([[4.0, 2.0, 30.0, 6.0]])
    >>> x = torch.tensor([[4.0, 2.0, 0.0, 6.0]])
    >>> q = torch.tensor([[0.0, 0.0, 9.0, 0.0]])
    >>> w = gate_weights(costs, x, q, q > 0, torch.zeros(1, 4, dtype=torch.long), warmup=0,
    ...                  fixed_cost=8.0, holding_cost=1.0, shortage_cost=10.0)
    >>> w.tolist()  # C = 8 / 4 + 42 / 4 = 12.5; at t = 2 without the order x = -9: 90
    [[8.5, 10.5, -77.5, 6.5]]
    """
    with torch.no_grad():
        n, horizon = period_costs.shape
        if finite:  # the period gained is one past the horizon: priced as the last period
            average = fixed_cost * placed[:, -1].to(period_costs.dtype).mean() + period_costs[:, -1].mean()
        else:  # K f + the mean running cost, f the orders per period
            average = fixed_cost * placed[:, warmup:].to(period_costs.dtype).mean() + period_costs[:, warmup:].mean()

        t = torch.arange(horizon).expand(n, horizon)
        arrive = t + lead.long()
        at = arrive.clamp(max=horizon - 1)
        x, cost = torch.gather(net_inventory, 1, at), torch.gather(period_costs, 1, at)
        without = holding_cost * torch.clamp(x - orders, min=0.0) + shortage_cost * torch.clamp(orders - x, min=0.0)
        end = torch.where(placed, without, cost)
        past = torch.full_like(end, fixed_cost if finite else 0.0)  # an order arriving after the end costs K alone
        return torch.where(t >= warmup, torch.where(arrive < horizon, average - end, past), torch.zeros_like(end))


def levels_loss(
    net: LevelsNet | LevelsPopulation,
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
    running, net_inv, orders, placed, overflow, gates = [], [], [], [], [], []
    follows = torch.zeros(n, dtype=period.dtype)  # the initial position comes from no order
    for t in range(horizon):
        q, gate, cut = net.orders_and_gate(period.observe(state), follows)
        q = rounding_fn(q)
        last = torch.full((n,), t == horizon - 1) if finite else None
        state, ev = period.step(state, q, demand[:, t], lead[:, t], last)
        new_order, turned_away = ev["order_placed"].detach() > 0, ev["overflow"].detach()
        follows = torch.where(new_order, (~cut).to(follows.dtype), follows)
        follows = torch.where(turned_away > 0, torch.zeros_like(follows), follows)
        if t >= warmup:
            total = total + ev["cost"].sum() - (ev["revenue"].sum() + ev["salvage"].sum())
        running.append((ev["holding_cost"] + ev["backorder_cost"] + ev["lost_sales_cost"]).detach())
        net_inv.append((ev["on_hand"] - ev["backorders"] - ev["lost"]).detach())
        orders.append(q.detach())
        placed.append(new_order)
        overflow.append(turned_away)
        gates.append(gate)
    gate = torch.stack(gates, 1)
    orders_t = torch.stack(orders, 1)
    if pr.capacity is not None:  # an order is received at once (l = 0) or at the end of period t + l - 1
        t_idx = torch.arange(horizon).expand(n, horizon)
        receipt = (t_idx + torch.clamp(lead.long() - 1, min=0)).clamp(max=horizon - 1)
        orders_t = torch.clamp(orders_t - torch.gather(torch.stack(overflow, 1), 1, receipt), min=0.0)
    running_t, net_inv_t, placed_t = torch.stack(running, 1), torch.stack(net_inv, 1), torch.stack(placed, 1)
    shares = net.shares(n) if isinstance(net, LevelsPopulation) else [(0, n)]
    w = torch.cat([  # C is each member's own average cost
        gate_weights(
            running_t[a:b], net_inv_t[a:b], orders_t[a:b], placed_t[a:b], lead[a:b],
            warmup=warmup, fixed_cost=float(pr.fixed_order_cost), holding_cost=float(pr.holding_cost),
            shortage_cost=float(pr.lost_sales_cost if pr.lost_sales else pr.backorder_cost), finite=finite,
        )
        for a, b in shares
    ])  # fmt: skip
    total = total + (w * (gate - gate.detach())).sum()
    return total / (n * (horizon - warmup))
