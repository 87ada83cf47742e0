"""Dual-sourcing heuristics and the exact policy, as policies returning (q_r, q_e).

Every policy here acts on a dual-sourcing model (``params.dual_sourcing``) and
returns (N, 2) orders: column 0 the regular order q_r (lead time l_r), column 1
the expedited order q_e (lead time l_e < l_r), rounded and clipped to
[0, ``max_order``] and [0, ``max_expedited_order``]. They read the env's
observation after the receipt of period t (net inventory I_t and the pipeline by
arrival period, both sources together):

* IP_t = I_t + sum_{j=1}^{l_r} pipeline_j, the inventory position (everything on order);
* IP^e_t = I_t + sum_{j=1}^{l_e} pipeline_j, the expedited inventory position
  (what arrives within the expedited lead time; with l_e = 0 it is I_t).

Parameters may be scalars or arrays of length N (one policy per system), so
:func:`agents.search.grid_search` evaluates a whole grid in one batched run on
common random numbers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from agents.base import BasePolicy
from agents.heuristics import _arr, _num, _plain
from inv_gym.params import InventoryParams

__all__ = [
    "DualSourcingPolicy",
    "SingleIndex",
    "DualIndex",
    "CappedDualIndex",
    "TailoredBaseSurge",
    "DualSourcingDP",
    "CAPPED_FORMS",
]

#: The two forms of the capped dual index (see :class:`CappedDualIndex`).
CAPPED_FORMS: tuple[str, ...] = ("counts_expedited", "ignores_expedited")


class DualSourcingPolicy(BasePolicy):
    """Base class: binding checks, the two positions and clipping of both orders."""

    def _check(self, params: InventoryParams) -> None:
        if not params.dual_sourcing:
            raise ValueError(
                f"{type(self).__name__} needs a dual-sourcing model (set expedited_lead_time), "
                "e.g. inv_gym/DualSourcing-v0"
            )

    def _largest_order(self, params: InventoryParams) -> np.ndarray:
        return np.array([float(params.max_order), float(params.expedited_max)])

    def positions(self, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(IP_t, IP^e_t), each (N,) float64 (see the module docstring)."""
        params, layout = self._require()
        ip = layout.inventory_position(obs)
        le = int(params.expedited_lead_time)  # type: ignore[arg-type]
        ip_e = obs[:, 0].astype(np.float64)
        if le > 0:
            ip_e = ip_e + obs[:, layout.pipeline[0] : layout.pipeline[0] + le].sum(axis=1, dtype=np.float64)
        return ip, ip_e

    def predict(
        self, observation: np.ndarray, state: Any = None, episode_start: Any = None, deterministic: bool = True
    ):
        """stable-baselines3's ``predict``: (N, 2) integer actions for the MultiDiscrete space."""
        obs = np.asarray(observation)
        single = obs.ndim == 1
        actions = self.act(obs[None, :] if single else obs).astype(np.int64)
        return (actions[0] if single else actions), state


class SingleIndex(DualSourcingPolicy):
    """Single index (Scheller-Wolf, Veeraraghavan & van de Velde 2007).

    One position for both decisions: q_e = max(0, S_e - IP_t), then
    q_r = max(0, S_r - IP_t - q_e), with S_e <= S_r (the regular order brings the
    position, counting this period's expedited order, to S_r).

    Args:
        S_e: expedited order-up-to level on IP_t.
        S_r: regular order-up-to level on IP_t (>= S_e).
    """

    family = "single_index"

    def __init__(self, S_e: Any, S_r: Any, *, params: InventoryParams | None = None) -> None:
        self.S_e = _num("S_e", S_e)
        self.S_r = _num("S_r", S_r)
        if np.any(np.asarray(self.S_r) < np.asarray(self.S_e)):
            raise ValueError(f"S_r must be >= S_e, got S_e={S_e!r}, S_r={S_r!r}")
        super().__init__(params)

    def order(self, obs: np.ndarray) -> np.ndarray:
        ip, _ = self.positions(obs)
        q_e = np.maximum(np.rint(self.S_e - ip), 0.0)
        q_r = np.maximum(self.S_r - ip - q_e, 0.0)
        return np.stack([q_r, q_e], axis=1)

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "S_e": _plain(self.S_e), "S_r": _plain(self.S_r)}


class DualIndex(DualSourcingPolicy):
    """Dual index (Veeraraghavan & Scheller-Wolf 2008).

    q_e = max(0, z_e - IP^e_t); q_r = max(0, z_r - IP_t - q_e): the expedited order
    raises the expedited position to z_e, then the regular order raises the full
    position, counting q_e, to z_r (z_e <= z_r). With ``action="order_up_to"`` the
    env reads its action pair (z_r, z_e) exactly so.

    Args:
        z_e: expedited index level (on IP^e).
        z_r: regular index level (on IP, >= z_e).
    """

    family = "dual_index"

    def __init__(self, z_e: Any, z_r: Any, *, params: InventoryParams | None = None) -> None:
        self.z_e = _num("z_e", z_e)
        self.z_r = _num("z_r", z_r)
        if np.any(np.asarray(self.z_r) < np.asarray(self.z_e)):
            raise ValueError(f"z_r must be >= z_e, got z_e={z_e!r}, z_r={z_r!r}")
        super().__init__(params)

    def _expedite(self, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        params, _ = self._require()
        ip, ip_e = self.positions(obs)
        q_e = np.clip(np.rint(self.z_e - ip_e), 0.0, float(params.expedited_max))
        return ip, ip_e, q_e

    def order(self, obs: np.ndarray) -> np.ndarray:
        ip, _, q_e = self._expedite(obs)
        return np.stack([np.maximum(self.z_r - ip - q_e, 0.0), q_e], axis=1)

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "z_e": _plain(self.z_e), "z_r": _plain(self.z_r)}


class CappedDualIndex(DualIndex):
    """Capped dual index (Sun & Van Mieghem 2019).

    q_e = max(0, z_e - IP^e_t) as the dual index; the regular order is capped at u:

    * ``form="counts_expedited"`` (the default): q_r = min(u, max(0, z_r - IP_t - q_e)),
      the dual index's regular order capped; u >= max_order gives the dual index.
    * ``form="ignores_expedited"``: q_r = min(u, max(0, z_r - IP_t)), the cap on the
      regular base-stock order that does not count this period's q_e.

    Args:
        z_e: expedited index level (on IP^e).
        z_r: regular index level (on IP).
        u: cap on the regular order (>= 0).
        form: ``"counts_expedited"`` or ``"ignores_expedited"``.
    """

    family = "capped_dual_index"

    def __init__(
        self, z_e: Any, z_r: Any, u: Any, *, form: str = "counts_expedited", params: InventoryParams | None = None
    ) -> None:
        if form not in CAPPED_FORMS:
            raise ValueError(f"form must be one of {', '.join(CAPPED_FORMS)}, got {form!r}")
        self.u = _arr("u", u)
        self.form = form
        self.z_e = _num("z_e", z_e)
        self.z_r = _num("z_r", z_r)
        BasePolicy.__init__(self, params)

    def order(self, obs: np.ndarray) -> np.ndarray:
        ip, _, q_e = self._expedite(obs)
        counted = q_e if self.form == "counts_expedited" else 0.0
        return np.stack([np.minimum(np.maximum(self.z_r - ip - counted, 0.0), self.u), q_e], axis=1)

    def describe(self) -> dict[str, Any]:
        out = {"family": self.family, "z_e": _plain(self.z_e), "z_r": _plain(self.z_r), "u": _plain(self.u)}
        out["form"] = self.form
        return out


class TailoredBaseSurge(DualSourcingPolicy):
    """Tailored base surge (Allon & Van Mieghem 2010).

    The regular source ships a constant base quantity every period, q_r = r; the
    expedited source surges up to a level on the expedited position,
    q_e = max(0, S_e - IP^e_t).

    Args:
        r: constant regular order per period (>= 0).
        S_e: expedited order-up-to level (on IP^e).
    """

    family = "tailored_base_surge"

    def __init__(self, r: Any, S_e: Any, *, params: InventoryParams | None = None) -> None:
        self.r = _arr("r", r)
        self.S_e = _num("S_e", S_e)
        super().__init__(params)

    def order(self, obs: np.ndarray) -> np.ndarray:
        _, ip_e = self.positions(obs)
        q_e = np.maximum(self.S_e - ip_e, 0.0)
        return np.stack([np.broadcast_to(np.asarray(self.r, dtype=np.float64), q_e.shape).copy(), q_e], axis=1)

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "r": _plain(self.r), "S_e": _plain(self.S_e)}


class DualSourcingDP(DualSourcingPolicy):
    """The optimal policy of :func:`inv_gym.analytic.dual_sourcing.solve_dual_sourcing` as a policy.

    Args:
        solution: the solver's :class:`~inv_gym.analytic.dual_sourcing.DualSourcingSolution`.
    """

    family = "dual_sourcing_dp"

    def __init__(self, solution: Any, *, params: InventoryParams | None = None) -> None:
        self.solution = solution
        super().__init__(params)

    def order(self, obs: np.ndarray) -> np.ndarray:
        _, layout = self._require()
        pipe = obs[:, layout.pipeline[0] : layout.pipeline[-1] + 1]
        q_r, q_e = self.solution.action(obs[:, 0], pipe)
        return np.stack([q_r, q_e], axis=1)

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "average_cost": self.solution.average_cost}


def exact_search(
    family: str, grid: dict[str, Any], params: InventoryParams, *, form: str | None = None
) -> list[tuple[float, str]]:
    """Every grid point of a dual-sourcing family, ranked by its exact long-run cost.

    Each point is evaluated by :func:`inv_gym.analytic.dual_sourcing.evaluate_dual_sourcing_policy`
    (the Markov chain the policy induces on the solver's truncated grid; no
    simulation noise). Points a family forbids (z_r < z_e, S_r < S_e) are skipped.

    Args:
        family: ``single_index``, ``dual_index``, ``capped_dual_index`` or
            ``tailored_base_surge``.
        grid: parameter name -> iterable of values, e.g. ``{"z_e": range(9), "z_r": range(20)}``.
        params: a dual-sourcing model the exact evaluation supports (l_e = 0, backorders).
        form: the capped dual index's form (default ``counts_expedited``).

    Returns:
        [(cost, spec)] sorted by cost, the cheapest first.
    """
    import itertools

    from agents.specs import FAMILIES, policy_spec
    from inv_gym.analytic.dual_sourcing import evaluate_dual_sourcing_policy

    if family not in ("single_index", "dual_index", "capped_dual_index", "tailored_base_surge"):
        raise ValueError(f"exact_search covers the dual-sourcing families, got {family!r}")
    fam = FAMILIES[family]
    missing = [k for k in fam.names if k not in grid]
    if missing or set(grid) - set(fam.names):
        raise ValueError(f"grid must give {', '.join(fam.names)} for {family!r}, got {', '.join(grid)}")
    out: list[tuple[float, str]] = []
    for combo in itertools.product(*(list(grid[k]) for k in fam.names)):
        values = dict(zip(fam.names, (float(x) for x in combo)))
        if fam.constraint is not None and not bool(fam.constraint({k: np.asarray(v) for k, v in values.items()})):
            continue
        pol = fam.cls(**values, **({"form": form} if form is not None and family == "capped_dual_index" else {}))
        cost, boundary = evaluate_dual_sourcing_policy(pol, params, boundary_tol=math.inf)
        if boundary <= 1e-6:  # otherwise the policy drifts off the grid (unstable): not ranked
            out.append((cost, policy_spec(pol)))
    out.sort()
    return out


def dual_index_separation(
    params: InventoryParams,
    deltas: Any = range(0, 16),
    *,
    reps: int = 20,
    horizon: int = 5000,
    warmup: int = 200,
    seed: int | None = 0,
) -> dict[str, Any]:
    """The dual index by the separation of Veeraraghavan & Scheller-Wolf (2008), by simulation.

    Under the dual index the gap IP_t - IP^e_t and the overshoot O_t = IP^e_t + q_e - z_e
    (how far the expedited position ends above z_e) evolve independently of z_e
    for a fixed Delta = z_r - z_e: shifting z_e shifts every position alike. So one
    simulation per Delta (run with z_e = 0) gives the distribution of O_t - D_t and the
    ordering costs, and the expected cost of every z_e is a newsvendor sum,

    .. math:: C(z_e, \\Delta) = \\mathbb{E}[\\text{ordering cost}]_\\Delta
              + \\mathbb{E}_\\Delta\\big[h (z_e + O - D)^+ + b (z_e + O - D)^-\\big],

    minimised over z_e for each Delta, then over Delta. Common random numbers: every
    Delta sees the same demand (one batched :func:`inv_gym.evaluation.simulate` run).

    Args:
        params: a dual-sourcing model with backorders.
        deltas: the Delta = z_r - z_e values (integers >= 0).
        reps, horizon, warmup, seed: the simulation (replications, measured periods,
            periods not measured, seed of the draws).

    Returns:
        ``{"best": spec, "cost": estimated cost per period, "table": [(Delta, z_e, cost), ...]}``.
    """
    from inv_gym.dynamics import EV
    from inv_gym.evaluation import check_run, run_draws, simulate

    if not params.dual_sourcing or params.lost_sales:
        raise ValueError("dual_index_separation needs a dual-sourcing model with backorders")
    d_arr = np.asarray(list(deltas), dtype=np.float64)
    if d_arr.size == 0 or np.any(d_arr < 0) or np.any(d_arr != np.round(d_arr)):
        raise ValueError(f"deltas must be integers >= 0, got {list(deltas)!r}")
    reps, horizon, warmup = check_run(params, reps, horizon, warmup)
    demand, lead = run_draws(params, seed, reps, warmup + horizon)
    k = d_arr.size
    n = k * reps
    policy = DualIndex(z_e=np.zeros(n), z_r=np.repeat(d_arr, reps)).bind(params)
    le = int(params.expedited_lead_time)  # type: ignore[arg-type]
    d_max = int(np.max(demand))
    o_max = int(d_arr.max()) + int(params.max_order) * (params.max_lead_time + 1) + d_max
    offset = d_max  # column of O - D = 0
    hist = np.zeros((n, o_max + offset + 1))
    rows = np.arange(n)

    def record(t: int, obs: np.ndarray, orders: np.ndarray, events: np.ndarray) -> None:
        if t < warmup:
            return
        ip_e = obs[:, 0].astype(np.float64) + obs[:, 1 : 1 + le].sum(axis=1, dtype=np.float64)
        over = np.maximum(ip_e, 0.0)  # IP^e + q_e - z_e with z_e = 0
        col = np.clip(over - events[:, EV["demand"]] + offset, 0, hist.shape[1] - 1).astype(np.int64)
        np.add.at(hist, (rows, col), 1.0)

    sums = simulate(policy, params, demand, lead, warmup=warmup, copies=k, on_period=record)
    ordering = (sums["fixed_cost"] + sums["purchase_cost"]) / horizon
    x = np.arange(hist.shape[1]) - offset  # values of O - D
    h, b = params.holding_cost, params.backorder_cost
    table = []
    for j, delta in enumerate(d_arr):
        sl = slice(j * reps, (j + 1) * reps)
        freq = hist[sl].sum(axis=0) / (reps * horizon)
        z_grid = np.arange(-int(o_max), d_max + 1)
        y = z_grid[:, None] + x[None, :]
        stock = (freq[None, :] * (h * np.maximum(y, 0) + b * np.maximum(-y, 0))).sum(axis=1)
        best = int(np.argmin(stock))
        table.append((int(delta), int(z_grid[best]), float(ordering[sl].mean() + stock[best])))
    delta, z_e, cost = min(table, key=lambda r: r[2])
    return {"best": f"dual_index:z_e={z_e},z_r={z_e + delta}", "cost": cost, "table": table}
