"""Random streams of demand and lead times for the environments.

Demand and lead times come from two independent generators spawned from one
``np.random.SeedSequence``, so a policy's orders never shift the demand stream
(common random numbers across policies). Draws are made in blocks for speed. A
scripted sequence (``reset(options={"demand": ..., "lead_times": ...})``) replaces
the random draws exactly, which is how the single env, the vector env and the
evaluator are checked against each other on the same demand.
"""

from __future__ import annotations

import numpy as np

from inv_gym.distributions import RenewalDemand
from inv_gym.limits import DRAW_BYTES, check_memory, check_seed
from inv_gym.params import InventoryParams

__all__ = ["DrawStream", "spawn_generators", "draw_paths"]


def spawn_generators(seed: int | np.random.SeedSequence | None) -> tuple[np.random.Generator, np.random.Generator]:
    """(demand_rng, lead_rng) spawned from ``SeedSequence(seed)`` (seed: an integer >= 0 or None)."""
    seed = check_seed(seed)
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    d, l_ = ss.spawn(2)
    return np.random.default_rng(d), np.random.default_rng(l_)


def draw_lead_times(params: InventoryParams, rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Integer lead times of the given shape, truncated at ``params.max_lead_time``."""
    if params.random_lead_time:
        lt = params.lead_time.sample(rng, shape)  # type: ignore[union-attr]
        return np.minimum(lt, params.max_lead_time).astype(np.int64)
    return np.full(shape, int(params.lead_time), dtype=np.int64)


def draw_paths(
    params: InventoryParams, seed: int | np.random.SeedSequence | None, n: int, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """Demand ``(n, horizon)`` float64 and lead times ``(n, horizon)`` int64 for a seed.

    Draws are made in time-major order (all ``n`` systems of period 0, then of
    period 1, ...), exactly as :class:`DrawStream` makes them, so these are the
    draws that ``n`` vector-env systems (or one env when ``n = 1``) reset with
    ``seed`` see. The evaluator uses this function, so every policy evaluated
    with one seed sees the same demand (common random numbers).
    """
    check_memory(int(n) * int(horizon) * DRAW_BYTES, f"draws of {n:,} systems x {horizon:,} periods", "n or horizon")
    d_rng, l_rng = spawn_generators(seed)
    demand = _demand_block(params, d_rng, n, horizon, None)[0]
    lead = draw_lead_times(params, l_rng, (horizon, n))
    return np.ascontiguousarray(demand.T), np.ascontiguousarray(lead.T)


def _demand_block(
    params: InventoryParams, rng: np.random.Generator, n: int, length: int, residual: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray | None]:
    """A (length, n) time-major block of demand (and the renewal residual)."""
    dist = params.demand
    if isinstance(dist, RenewalDemand):
        if residual is None:
            residual = dist.initial_state(rng, n)
        out = np.empty((length, n))
        for t in range(length):
            out[t], residual = dist.step(rng, residual)
        return out, residual
    return dist.sample(rng, (length, n)), None


class DrawStream:
    """Per-period demand and lead-time draws for ``n`` systems, drawn in blocks."""

    def __init__(self, params: InventoryParams, n: int, block: int | None = None) -> None:
        self.params = params
        self.n = n
        # about 2^18 draws (2 MB) per block, cache-sized; the stream does not depend on it
        self.block = int(block) if block is not None else max(8, min(256, 2**18 // max(n, 1)))
        self._const_lead: np.ndarray | None = None
        self._demand = np.zeros((0, n))
        self._lead = np.zeros((0, n), dtype=np.int64)
        self._pos = 0
        self._residual: np.ndarray | None = None
        self.scripted = False
        self.d_rng: np.random.Generator | None = None
        self.l_rng: np.random.Generator | None = None

    def seed(self, seed: int | np.random.SeedSequence | None) -> None:
        """Restart both streams from ``SeedSequence(seed)``."""
        self.d_rng, self.l_rng = spawn_generators(seed)
        self._residual = None
        self._demand = np.zeros((0, self.n))
        self._lead = np.zeros((0, self.n), dtype=np.int64)
        self._pos = 0
        self.scripted = False

    def script(self, demand: np.ndarray, lead_times: np.ndarray | None) -> None:
        """Use these draws (``(n, T)`` or ``(T,)``) instead of random ones."""
        demand = np.asarray(demand, dtype=np.float64)
        if demand.ndim == 1:
            demand = np.broadcast_to(demand, (self.n, demand.size))
        if demand.shape[0] != self.n or demand.ndim != 2:
            raise ValueError(f"demand script must have shape (T,) or ({self.n}, T), got {demand.shape}")
        if not np.all(np.isfinite(demand)) or np.any(demand < 0):
            raise ValueError("demand script must be finite and >= 0")
        if lead_times is None:
            if self.params.random_lead_time:
                raise ValueError("lead_times must be scripted too when the lead time is random")
            lead = np.full(demand.shape, self.params.max_lead_time, dtype=np.int64)
        else:
            lead = np.asarray(lead_times)
            if lead.ndim == 1:
                lead = np.broadcast_to(lead, (self.n, lead.size))
            if lead.shape != demand.shape:
                raise ValueError(
                    f"lead_times script must have the demand script's shape {demand.shape}, got {lead.shape}"
                )
            if np.any(lead < 0) or np.any(lead > self.params.max_lead_time) or np.any(lead != np.round(lead)):
                raise ValueError(f"lead_times must be integers in [0, {self.params.max_lead_time}]")
            lead = lead.astype(np.int64)
        self._demand = np.ascontiguousarray(demand.T)
        self._lead = np.ascontiguousarray(lead.T)
        self._pos = 0
        self.scripted = True

    def _refill(self) -> None:
        if self.scripted:
            raise RuntimeError("the scripted demand is exhausted; script a longer sequence or reset without it")
        assert self.d_rng is not None and self.l_rng is not None
        self._demand, self._residual = _demand_block(self.params, self.d_rng, self.n, self.block, self._residual)
        if self.params.random_lead_time:
            self._lead = draw_lead_times(self.params, self.l_rng, (self.block, self.n))
        else:
            if self._const_lead is None:
                self._const_lead = draw_lead_times(self.params, self.l_rng, (self.block, self.n))
                self._const_lead.flags.writeable = False
            self._lead = self._const_lead
        self._pos = 0

    def next(self) -> tuple[np.ndarray, np.ndarray]:
        """This period's (demand (n,), lead times (n,))."""
        if self._pos >= self._demand.shape[0]:
            self._refill()
        j = self._pos
        self._pos += 1
        return self._demand[j], self._lead[j]
