"""The serial chain's period (:mod:`inv_gym.serial.dynamics`) re-expressed in torch.

The numba kernel :func:`inv_gym.serial.dynamics.serial_step` is where the
chain's rules live and the only thing that scores a chain policy. This module
writes the same period with differentiable torch operations, so that a policy
ordering at every stage can be trained by back-propagating the cost of
simulated paths (:mod:`agents.pathwise`). The tests check it against the
kernel event for event, on shared draws, over random chains (1 to 4 stages,
lead times 0 to 3, with and without transit holding) and random orders.

Stages are numbered m = 1 .. M from downstream (stage 1 faces the demand);
tensors index them 0 .. M-1. One call of :meth:`TorchSerialPeriod.step`, in
the kernel's order, from the observed state of period t::

    for m = M, M-1, .., 1:                        ship, upstream to downstream
        s_m      = q_M                                  (m = M: the supplier ships in full)
                 = min(x_{m+1}, B_{m+1} + q_m)          (m < M)
        x_{m+1} -= s_m;  B_{m+1} = B_{m+1} + q_m - s_m  (what m+1 still owes m)
        receive_m(s_m) at once if L_m = 0, else pipeline_m[L_m - 1] += s_m
    sold    = min(x_1, D_t);  x_1 -= sold;  B_1 += D_t - sold
    cost    = sum_m h'_m x_m + p B_1 (+ sum_{m<M} h'_{m+1} in transit into m, with transit_holding)
    for m:  receive_m(pipeline_m[0]), shift pipeline_m          (start of t + 1)

where ``receive_m(y)`` adds y to x_m, except at stage 1, which first fills its
customers' backorders: ``fill = min(B_1, y)``, ``B_1 -= fill``, ``x_1 += y - fill``.

Every operation is a min, sum or product, so the period cost is piecewise
linear in the orders and the state, and autograd gives its (almost everywhere)
derivative: the pathwise derivative of the chain's cost. At a tie of a min
(integer stock meeting an integer need) torch's ``minimum`` passes half the
gradient to each side. ``stockout`` is a step function (derivative 0).

Orders must be >= 0 (the kernel's contract; a policy's U sigmoid(z) is).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from inv_gym.serial.dynamics import serial_event_names
from inv_gym.serial.params import SerialParams

__all__ = ["TorchSerialState", "TorchSerialPeriod"]


class TorchSerialState(NamedTuple):
    """Batched state of N chains (the kernel's ``SerialState`` as separate tensors)."""

    on_hand: torch.Tensor  # (N, M) x_m
    backorders: torch.Tensor  # (N, M) B_1 external; B_m (m >= 2) owed by stage m to m - 1
    pipeline: torch.Tensor  # (N, M, P) column j: due at stage m in j + 1 periods (P = max_m L_m)
    period: torch.Tensor  # (N,) 0-based period index t


class TorchSerialPeriod:
    """One chain's period as differentiable torch operations.

    Args:
        params: the chain.
        dtype: floating dtype of states and events (float64 to compare with the
            kernel exactly; float32 is faster for training).

    Example (Example 6.1's chain, one period from 5 units at each stage):
        >>> import torch
        >>> period = TorchSerialPeriod(SerialParams())
        >>> s = period.initial_state(1, [5.0, 5.0, 5.0])
        >>> s, ev = period.step(s, torch.tensor([[3.0, 4.0, 6.0]]), torch.tensor([7.0]))
        >>> float(ev["backordered"][0]), float(ev["cost"][0]), period.observe(s).tolist()
        (0.0, 25.0, [[1.0, 0.0, 6.0, 0.0, 0.0, 1.0, 0.0, 6.0, 0.0]])
    """

    def __init__(self, params: SerialParams, dtype: torch.dtype = torch.float64) -> None:
        if not isinstance(params, SerialParams):
            raise ValueError(f"params must be a SerialParams, got {type(params).__name__}")
        self.params = params
        self.dtype = dtype
        self.n_stages = params.n_stages
        self.n_pipe = params.max_lead_time
        self.lead = tuple(int(x) for x in params.lead_times)
        self.h = tuple(float(x) for x in params.holding_costs)
        self.p = float(params.backorder_cost)
        self.transit = bool(params.transit_holding)
        self.event_names = serial_event_names(self.n_stages)
        self._scale = torch.as_tensor(np.asarray(params.obs_scale), dtype=dtype)

    # -- state -------------------------------------------------------------
    def initial_state(
        self, n: int, on_hand: float | list | np.ndarray | torch.Tensor | None = None
    ) -> TorchSerialState:
        """Period 0 of ``n`` chains: ``on_hand`` ((), (M,) or (n, M); default the chain's
        ``initial_inventory``) at each stage, nothing in transit or owed."""
        m = self.n_stages
        init = self.params.initial_inventory if on_hand is None else on_hand
        x = torch.as_tensor(init, dtype=self.dtype)
        if x.ndim > 2 or (x.ndim >= 1 and x.shape[-1] not in (1, m)) or (x.ndim == 2 and x.shape[0] not in (1, n)):
            raise ValueError(
                f"on_hand must be a number, (M,) = ({m},) or (n, M) = ({n}, {m}), got shape {tuple(x.shape)}"
            )
        return TorchSerialState(
            on_hand=x.expand(n, m).clone(),
            backorders=torch.zeros((n, m), dtype=self.dtype),
            pipeline=torch.zeros((n, m, self.n_pipe), dtype=self.dtype),
            period=torch.zeros(n, dtype=self.dtype),
        )

    def observe(self, state: TorchSerialState, scaled: bool = False) -> torch.Tensor:
        """The (N, obs_dim) observation in ``params.obs_names`` order, as
        :func:`inv_gym.serial.dynamics.serial_observe` (divided by ``params.obs_scale`` if ``scaled``)."""
        cols: list[torch.Tensor] = []
        for k, lk in enumerate(self.lead):
            cols += [state.on_hand[:, k : k + 1], state.backorders[:, k : k + 1], state.pipeline[:, k, :lk]]
        obs = torch.cat(cols, dim=1)
        return obs / self._scale.to(obs.dtype) if scaled else obs

    # -- the period ----------------------------------------------------------
    def step(
        self, state: TorchSerialState, orders: torch.Tensor, demand: torch.Tensor
    ) -> tuple[TorchSerialState, dict[str, torch.Tensor]]:
        """Advance every chain one period (out of place); return the new state and the events.

        Args:
            state: the observed state of period t.
            orders: (N, M) orders q_m >= 0, stage 1 first (differentiable).
            demand: (N,) demands D_t >= 0.

        Returns:
            ``(state of t + 1, {event: (N,) tensor})`` with the kernel's events
            (:func:`inv_gym.serial.dynamics.serial_event_names`).
        """
        m = self.n_stages
        q = orders.to(self.dtype)
        if q.ndim != 2 or q.shape[1] != m:
            raise ValueError(f"orders must have shape (N, M) = (N, {m}), got {tuple(q.shape)}")
        d = demand.to(self.dtype)
        zero = torch.zeros_like(d)
        x = list(state.on_hand.unbind(dim=1))
        b = list(state.backorders.unbind(dim=1))
        pipe = [list(state.pipeline[:, k, :lk].unbind(dim=1)) for k, lk in enumerate(self.lead)]
        shipped = [zero] * m
        received = [zero] * m
        filled = zero

        def receive(k: int, qty: torch.Tensor) -> None:
            nonlocal filled
            received[k] = received[k] + qty
            if k == 0:  # stage 1 fills its customers' backorders first
                fill = torch.minimum(b[0], qty)
                b[0] = b[0] - fill
                filled = filled + fill
                shipped[0] = shipped[0] + fill
                qty = qty - fill
            x[k] = x[k] + qty

        # 2.-3. orders, shipped upstream to downstream
        for k in range(m - 1, -1, -1):
            if k == m - 1:
                ship = q[:, k]
            else:
                owed = b[k + 1] + q[:, k]
                ship = torch.minimum(x[k + 1], owed)
                x[k + 1] = x[k + 1] - ship
                b[k + 1] = owed - ship
                shipped[k + 1] = ship
            lk = self.lead[k]
            if lk == 0:
                receive(k, ship)
            else:
                pipe[k][lk - 1] = pipe[k][lk - 1] + ship
        # 4. demand at stage 1
        sold = torch.minimum(x[0], d)
        x[0] = x[0] - sold
        shipped[0] = shipped[0] + sold
        short = d - sold
        b[0] = b[0] + short
        # 5. costs on the end-of-period state
        ev: dict[str, torch.Tensor] = {}
        hold, tcost = zero, zero
        in_transit = []
        for k in range(m):
            hold = hold + self.h[k] * x[k]
            tr = sum(pipe[k], zero)
            in_transit.append(tr)
            if self.transit and k + 1 < m:
                tcost = tcost + self.h[k + 1] * tr
        bcost = self.p * b[0]
        cost = hold + tcost + bcost
        ev.update(
            demand=d,
            sold=sold,
            backordered=short,
            stockout=(short > 0).to(self.dtype),
            backorders=b[0],
            holding_cost=hold,
            transit_holding_cost=tcost,
            backorder_cost=bcost,
            cost=cost,
            reward=-cost,
        )
        for k in range(m):
            s = k + 1
            ev[f"ordered_{s}"] = q[:, k]
            ev[f"on_hand_{s}"] = x[k]
            ev[f"owed_{s}"] = b[k]
            ev[f"in_transit_{s}"] = in_transit[k]
        # 1. receipts at the start of t + 1
        for k, lk in enumerate(self.lead):
            if lk > 0:
                arriving = pipe[k][0]
                pipe[k] = [*pipe[k][1:], zero]
                receive(k, arriving)
        ev["backorders_filled"] = filled
        for k in range(m):
            ev[f"shipped_{k + 1}"] = shipped[k]
            ev[f"received_{k + 1}"] = received[k]
        n = d.shape[0]
        cols = [
            torch.stack(pipe[k] + [zero] * (self.n_pipe - lk), dim=1) if self.n_pipe else d.new_zeros((n, 0))
            for k, lk in enumerate(self.lead)
        ]
        new = TorchSerialState(
            on_hand=torch.stack(x, dim=1),
            backorders=torch.stack(b, dim=1),
            pipeline=torch.stack(cols, dim=1),
            period=state.period + 1.0,
        )
        return new, {name: ev[name] for name in self.event_names}
