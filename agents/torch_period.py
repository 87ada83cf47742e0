"""The period of :mod:`inv_gym.dynamics` re-expressed in torch, for pathwise gradients.

The numba kernel :func:`inv_gym.dynamics.step` is the one place the inventory
rules live and the only thing that scores a policy. This module writes the same
period with differentiable torch operations so that a policy can be trained by
back-propagating the cost of simulated paths through the dynamics (pathwise or
"hindsight differentiable" policy gradients, Alvo, Russo, Kanoria & Lee 2023).
The tests check it against the kernel event for event, on shared draws, over
random parameters and orders, for every feature it covers:

* lost sales and backorders;
* fixed and random lead times (0..P periods, orders may cross);
* perishables (shelf life m, FIFO or LIFO issuing, waste);
* capacity (overflow), fixed and unit ordering cost, one outstanding order,
  price, salvage in the last period of a finite horizon;
* dual sourcing: a second order q_e from the expedited source (lead time
  l_e < l_r, cost K_e 1[q_e > 0] + c_e q_e), placed after the regular order and
  received at once when l_e = 0, else joining the pipeline at l_e - 1, exactly as
  the kernel places it.

One call of :meth:`TorchPeriod.step` (DESIGN.md's period, as in the kernel)::

    q_t      = 0 if one_outstanding and any(pipeline > 0) else order
    receive  q_t at once when its lead time l_t = 0, else pipeline[l_t - 1] += q_t
    (dual)   the same for q_e with l_e; cost K_e 1[q_e > 0] + c_e q_e
    sold     = min(sum_k x_k, D_t)          issued oldest (FIFO) or freshest (LIFO) first
    short    = D_t - sold                    lost, or added to backorders B
    expired  = x_{m-1};  x_k <- x_{k-1}      (perishables)
    cost     = K 1[q_t > 0] + c q_t + h sum_k x_k + b B + p lost + w expired
    receive  pipeline[0] (backorders first, overflow above C), shift the pipeline

where ``receive(y)``: ``fill = min(B, y)``, ``B -= fill``, ``space = max(C - sum_k x_k, 0)``,
``overflow = max(y - fill - space, 0)``, ``x_0 += y - fill - overflow``.

Every operation is a min, max, sum or product, so the period cost is piecewise
linear in the order and in the state and autograd gives its (almost everywhere)
derivative. Where two arguments of a min tie (integer stock meeting integer
demand) torch's ``minimum`` passes half the gradient to each side, the average
of the one-sided derivatives. ``order_placed`` and the fixed cost K 1[q_t > 0]
are step functions: their derivative is 0.
"""

from __future__ import annotations

from typing import NamedTuple

import torch

from inv_gym.dynamics import EVENTS
from inv_gym.params import InventoryParams

__all__ = ["TorchState", "TorchPeriod"]


class TorchState(NamedTuple):
    """Batched state of N systems (the kernel's ``State`` as separate tensors)."""

    backorders: torch.Tensor  # (N,)   units backordered
    on_hand: torch.Tensor  # (N, A) on hand by age, column 0 freshest
    pipeline: torch.Tensor  # (N, P) column j: units due in j + 1 periods
    period: torch.Tensor  # (N,)   0-based period index t


class TorchPeriod:
    """One model's period as differentiable torch operations.

    Args:
        params: the model (any :class:`~inv_gym.params.InventoryParams`).
        dtype: floating dtype of states and events (float64 to compare with the
            kernel exactly; float32 is faster for training).

    Example:
        >>> import torch
        >>> from inv_gym.params import InventoryParams
        >>> period = TorchPeriod(InventoryParams(stockout="lost_sales", lead_time=1, lost_sales_cost=4))
        >>> s = period.initial_state(1, 3.0)
        >>> s, ev = period.step(s, torch.tensor([4.0]), torch.tensor([5.0]), torch.tensor([1]))
        >>> float(ev["lost"][0]), float(ev["cost"][0]), period.observe(s).tolist()
        (2.0, 8.0, [[4.0, 0.0]])
    """

    def __init__(self, params: InventoryParams, dtype: torch.dtype = torch.float64) -> None:
        self.params = params
        self.dtype = dtype
        self.n_ages = params.n_ages
        self.n_pipe = params.max_lead_time
        self.capacity = float("inf") if params.capacity is None else float(params.capacity)
        self.dual = params.dual_sourcing
        self.expedited_lead = int(params.expedited_lead_time) if self.dual else 0  # type: ignore[arg-type]

    # -- state -------------------------------------------------------------
    def initial_state(self, n: int, initial_inventory: float | torch.Tensor | None = None) -> TorchState:
        """Period 0 of ``n`` systems: ``initial_inventory`` on hand (all fresh), nothing else."""
        inv = self.params.initial_inventory if initial_inventory is None else initial_inventory
        fresh = torch.as_tensor(inv, dtype=self.dtype).expand(n).clone()
        older = torch.zeros((n, self.n_ages - 1), dtype=self.dtype)
        return TorchState(
            backorders=torch.zeros(n, dtype=self.dtype),
            on_hand=torch.cat([fresh[:, None], older], dim=1),
            pipeline=torch.zeros((n, self.n_pipe), dtype=self.dtype),
            period=torch.zeros(n, dtype=self.dtype),
        )

    def observe(self, state: TorchState) -> torch.Tensor:
        """The (N, obs_dim) observation in ``params.obs_names`` order (as :func:`inv_gym.dynamics.observe`)."""
        oh = state.on_hand.sum(dim=1)
        cols = [(oh if self.params.lost_sales else oh - state.backorders)[:, None], state.pipeline]
        if self.params.perishable:
            cols.append(state.on_hand)
        if self.params.finite_horizon:
            cols.append(state.period[:, None])
        return torch.cat(cols, dim=1)

    # -- the period ----------------------------------------------------------
    def _receive(
        self, backorders: torch.Tensor, on_hand: list[torch.Tensor], qty: torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor], torch.Tensor, torch.Tensor]:
        """Receive ``qty``: fill backorders, then stock up to capacity; (B, x, filled, overflow)."""
        fill = torch.minimum(backorders, qty)
        rest = qty - fill
        if self.capacity == float("inf"):
            overflow = torch.zeros_like(qty)
        else:
            space = torch.clamp(self.capacity - sum(on_hand), min=0.0)
            overflow = torch.clamp(rest - space, min=0.0)
            rest = torch.minimum(rest, space)  # as the kernel: stock gains min(rest, space), never rest - overflow
        return backorders - fill, [on_hand[0] + rest, *on_hand[1:]], fill, overflow

    def step(
        self,
        state: TorchState,
        order: torch.Tensor,
        demand: torch.Tensor,
        lead: torch.Tensor,
        last: torch.Tensor | None = None,
        expedited: torch.Tensor | None = None,
    ) -> tuple[TorchState, dict[str, torch.Tensor]]:
        """Advance every system one period (out of place); return the new state and the events.

        Args:
            state: the observed state of period t.
            order: (N,) orders q_t >= 0 (differentiable); the regular order with dual sourcing.
            demand: (N,) demands D_t >= 0.
            lead: (N,) integer lead time of this period's order, in 0..P.
            last: optional (N,) bool, True where t is the last period (salvage).
            expedited: (N,) expedited orders q_e >= 0 (differentiable); required with
                dual sourcing, refused without it (as the kernel's ``step``).

        Returns:
            ``(state of t + 1, {event: (N,) tensor})`` with the kernel's
            :data:`inv_gym.dynamics.EVENTS`.
        """
        pr = self.params
        a, npipe = self.n_ages, self.n_pipe
        zero = torch.zeros_like(demand, dtype=self.dtype)
        if self.dual and expedited is None:
            raise ValueError("expedited must be an (N,) tensor of expedited orders with dual sourcing")
        if not self.dual and expedited is not None:
            raise ValueError("expedited orders need an expedited source (set expedited_lead_time)")
        q = order.to(self.dtype)
        pipe = state.pipeline
        if pr.one_outstanding and npipe > 0:
            q = torch.where((pipe > 0).any(dim=1), zero, q)
        placed = (q > 0).to(self.dtype)
        q = q * placed  # exactly 0 where nothing is ordered
        lead = lead.to(torch.int64)
        # 2. order: received at once (l = 0) or joins the pipeline at l - 1
        backorders = state.backorders
        on_hand = list(state.on_hand.unbind(dim=1))
        now = torch.where(lead <= 0, q, zero)
        backorders, on_hand, filled, overflow = self._receive(backorders, on_hand, now)
        received = now
        if npipe > 0:
            slot = torch.nn.functional.one_hot((lead - 1).clamp(min=0), npipe).to(self.dtype)
            pipe = pipe + slot * (q * (lead > 0).to(self.dtype))[:, None]
        # 2'. the expedited order, after the regular one (dual sourcing)
        qe, placed_e = zero, zero
        if self.dual:
            # clamp, not q * 1[q > 0]: the value is the kernel's (no order at q_e <= 0), and at
            # q_e = 0 the gradient still passes (d clamp / dq = 1 there), so a policy that
            # rounds its expedited order to 0 can learn to expedite
            qe = torch.clamp(expedited.to(self.dtype), min=0.0)  # type: ignore[union-attr]
            placed_e = (qe > 0).to(self.dtype)
            if self.expedited_lead <= 0:
                backorders, on_hand, fill_e, over_e = self._receive(backorders, on_hand, qe)
                filled, overflow, received = filled + fill_e, overflow + over_e, received + qe
            else:
                slot_e = torch.zeros(npipe, dtype=self.dtype)
                slot_e[self.expedited_lead - 1] = 1.0
                pipe = pipe + slot_e * qe[:, None]
        # 3. demand, issued oldest first (FIFO) or freshest first (LIFO)
        d = demand.to(self.dtype)
        sold = torch.minimum(sum(on_hand), d)
        rem = sold
        ages = range(a) if pr.issuing == "lifo" else range(a - 1, -1, -1)
        for k in ages:
            take = torch.minimum(on_hand[k], rem)
            on_hand[k] = on_hand[k] - take
            rem = rem - take
        short = d - sold
        stockout = (short > 0).to(self.dtype)
        if pr.lost_sales:
            lost, backordered = short, zero
        else:
            lost, backordered = zero, short
            backorders = backorders + short
        # 4. ageing
        if pr.perishable:
            expired = on_hand[a - 1]
            on_hand = [zero, *on_hand[: a - 1]]
        else:
            expired = zero
        # 5. costs on the end-of-period state
        oh = sum(on_hand)
        ev: dict[str, torch.Tensor] = {}
        ev["fixed_cost"] = pr.fixed_order_cost * placed + pr.expedited_fixed_cost * placed_e
        ev["purchase_cost"] = pr.unit_cost * q + pr.expedited_unit_cost * qe
        ev["holding_cost"] = pr.holding_cost * oh
        ev["backorder_cost"] = pr.backorder_cost * backorders
        ev["lost_sales_cost"] = pr.lost_sales_cost * lost
        ev["waste_cost"] = pr.waste_cost * expired
        end_on_hand, end_backorders = oh, backorders
        if last is not None:
            keep = (~last.to(torch.bool)).to(self.dtype)
            salvaged = oh * (1.0 - keep)
            on_hand = [x * keep for x in on_hand]
        else:
            salvaged = zero
        # 1. receipt at the start of period t + 1
        if npipe > 0:
            arriving = pipe[:, 0]
            pipe = torch.cat([pipe[:, 1:], zero[:, None]], dim=1)
            backorders, on_hand, fill2, over2 = self._receive(backorders, on_hand, arriving)
            filled, overflow, received = filled + fill2, overflow + over2, received + arriving
        ev.update(
            ordered=q + qe,
            order_placed=torch.maximum(placed, placed_e),
            received=received,
            overflow=overflow,
            demand=d,
            sold=sold,
            backorders_filled=filled,
            backordered=backordered,
            lost=lost,
            expired=expired,
            salvaged=salvaged,
            stockout=stockout,
            on_hand=end_on_hand,
            backorders=end_backorders,
            ordering_cost=ev["fixed_cost"] + ev["purchase_cost"],
            revenue=pr.price * (sold + filled),
            salvage=pr.salvage_value * salvaged,
        )
        ev["cost"] = (
            ev["fixed_cost"]
            + ev["purchase_cost"]
            + ev["holding_cost"]
            + ev["backorder_cost"]
            + ev["lost_sales_cost"]
            + ev["waste_cost"]
        )
        ev["reward"] = ev["revenue"] + ev["salvage"] - ev["cost"]
        new = TorchState(backorders, torch.stack(on_hand, dim=1), pipe, state.period + 1.0)
        return new, {name: ev[name] for name in EVENTS}
