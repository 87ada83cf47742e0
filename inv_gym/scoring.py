"""Score any agent on a named instance: its cost and its gap to the certified optimum.

:func:`score` evaluates a policy on the kernel (:func:`inv_gym.evaluation.evaluate`)
and reports, with C the policy's expected cost per period (minus the reward per
period), C* the instance's optimum and C_h its best heuristic's exact cost:

* ``gap`` = (C - C*) / |C*|, with a 95% CI. Where the optimum is a policy the
  suite can simulate (a dynamic-programming table or a newsvendor order), the
  optimal policy is simulated on the same demand paths (common random numbers) and
  the CI is the paired one of (C_r - C*_r) / |C*| over replications r: an
  unbiased estimate of the gap with a much narrower interval. Otherwise the CI is
  that of C_r, shifted and scaled.
* ``heuristic_gap`` = (C - C_h) / |C_h| with the CI of C_r.

What a policy may be (``policy``):

* a callable ``f(obs) -> actions``, batched ((N, d) -> (N,)) or single
  ((d,) -> scalar): a batch is tried first and single calls are used when that fails
  or returns the wrong shape;
* an object with SB3's ``predict(obs, deterministic=True) -> (actions, state)``;
* a ``torch.nn.Module`` mapping float32 (N, d) observations to (N,) or (N, 1)
  actions, or to (N, k) scores of k discrete actions (argmax is taken).

``options`` are the env options the agent acts under (:mod:`inv_gym.envs.options`,
e.g. ``{"action": "order_up_to", "obs_scale": True}``): the policy sees observations
as such an env shows them and its actions are mapped to orders by the env's own map,
so every score is in the model's own units on the model's own action space. An action
that is not finite or out of range raises a ValueError naming the period and value.

Serial instances (``inv_gym/Serial-v0``) are scored by
:func:`inv_gym.serial.scoring.serial_score`: one action per stage, the serial env's
observations and action map, and the paired gap to the simulated Clark-Scarf policy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from inv_gym.envs.options import EnvOptions, orders_from_actions, positions_from_obs, scale_observation
from inv_gym.evaluation import MetricCI, evaluate, mean_ci
from inv_gym.instances import Instance, get_instance
from inv_gym.params import InventoryParams
from inv_gym.validation import check_int

__all__ = ["Score", "score", "agent_orders"]


@dataclass(frozen=True)
class Score:
    """The outcome of :func:`score` (fractions, not per cent).

    Attributes:
        instance: the instance's ``set/name``.
        cost: the policy's cost per period with its 95% CI.
        optimum: C*, the certified optimum; ``optimum_method`` the method.
        gap: (C - C*) / |C*| with its 95% CI; ``paired`` says whether the CI comes from
            common random numbers with the simulated optimal policy.
        best_heuristic, best_heuristic_cost: the best classical heuristic and its exact cost.
        heuristic_gap: (C - C_h) / |C_h| with its 95% CI.
        reps, horizon, warmup, seed: the evaluation's settings.
    """

    instance: str
    cost: MetricCI
    optimum: float
    optimum_method: str
    gap: MetricCI
    paired: bool
    best_heuristic: str
    best_heuristic_cost: float
    heuristic_gap: MetricCI
    reps: int
    horizon: int
    warmup: int
    seed: int | None

    def to_dict(self) -> dict[str, Any]:
        """A flat, JSON-friendly row."""
        return {
            "instance": self.instance,
            "cost": self.cost.mean,
            "cost_ci_low": self.cost.ci_low,
            "cost_ci_high": self.cost.ci_high,
            "optimum": self.optimum,
            "optimum_method": self.optimum_method,
            "gap": self.gap.mean,
            "gap_ci_low": self.gap.ci_low,
            "gap_ci_high": self.gap.ci_high,
            "paired": self.paired,
            "best_heuristic": self.best_heuristic,
            "best_heuristic_cost": self.best_heuristic_cost,
            "heuristic_gap": self.heuristic_gap.mean,
            "heuristic_gap_ci_low": self.heuristic_gap.ci_low,
            "heuristic_gap_ci_high": self.heuristic_gap.ci_high,
            "reps": self.reps,
            "horizon": self.horizon,
            "warmup": self.warmup,
            "seed": self.seed,
        }


def _is_torch_module(obj: Any) -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover (torch is a dependency)
        return False
    return isinstance(obj, torch.nn.Module)


def _torch_actions(module: Any, x: np.ndarray, width: int = 1) -> np.ndarray:
    import torch

    with torch.no_grad():
        out = module(torch.as_tensor(x, dtype=torch.float32))
    if isinstance(out, (tuple, list)):
        out = out[0]
    a = out.detach().cpu().numpy()
    if width > 1:  # dual sourcing: (N, 2) actions (q_r, q_e) or their levels
        return a.reshape(x.shape[0], width)
    if a.ndim == 2 and a.shape[1] > 1:
        return a.argmax(axis=1)
    return a.reshape(x.shape[0], -1)[:, 0]


def _raw_actions(policy: Any, params: InventoryParams) -> Callable[[np.ndarray], np.ndarray]:
    """``f(obs (N, d)) -> actions`` for any accepted kind of policy (see the module docstring).

    With dual sourcing an action is a pair: (N, 2) actions.
    """
    width = 2 if params.dual_sourcing else 1
    if callable(getattr(policy, "bind", None)) and not _is_torch_module(policy):
        policy = policy.bind(params)  # the suite's own policies (agents.base.BasePolicy)
    if _is_torch_module(policy):
        return functools.partial(_torch_actions, policy, width=width)
    if hasattr(policy, "predict") and not callable(getattr(policy, "act", None)):

        def predicted(x: np.ndarray) -> np.ndarray:
            actions, _ = policy.predict(x, deterministic=True)
            return np.asarray(actions)

        return predicted
    fn = policy.act if callable(getattr(policy, "act", None)) else policy
    if not callable(fn):
        raise ValueError(
            f"cannot score a {type(policy).__name__}: a policy must be callable, have predict() or be a torch module"
        )
    mode: dict[str, str] = {}

    def call(x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        if mode.get("kind") != "single":
            try:
                a = np.asarray(fn(x))
                if width > 1 and a.size == n * width and a.ndim == 2 and a.shape[0] == n:
                    mode["kind"] = "batch"
                    return a
                if width == 1 and a.size == n and (a.ndim <= 1 or a.shape[0] == n):
                    mode["kind"] = "batch"
                    return a.reshape(n, -1)[:, 0] if a.ndim > 1 else a.reshape(n)
            except Exception:
                if mode.get("kind") == "batch":
                    raise
            mode["kind"] = "single"
        if width > 1:
            return np.array([np.asarray(fn(x[i])).reshape(-1)[:width] for i in range(n)])
        return np.array([np.asarray(fn(x[i])).reshape(-1)[0] for i in range(n)])

    return call


def agent_orders(
    policy: Any, params: InventoryParams, options: EnvOptions | Mapping[str, Any] | None = None
) -> Callable[[np.ndarray], np.ndarray]:
    """``act(raw obs (N, d)) -> orders (N,)`` of any agent, checked period by period.

    The agent sees observations as an env with ``options`` shows them and its actions
    become orders through :func:`inv_gym.envs.options.orders_from_actions`. A non-finite
    or out-of-range action raises ValueError naming the period (the call count) and value.
    """
    opts = options if isinstance(options, EnvOptions) else EnvOptions(**dict(options or {}))
    opts.check(params)
    raw = _raw_actions(policy, params)
    period = [0]

    def act(obs: np.ndarray) -> np.ndarray:
        t = period[0]
        period[0] += 1
        a = np.asarray(raw(scale_observation(obs, params, opts)))
        flat = a.reshape(-1) if a.dtype.kind in "iufb" else None
        if flat is None:
            raise ValueError(f"the policy returned non-numeric actions at period {t}: {a!r}")
        bad = ~np.isfinite(flat.astype(np.float64))
        if bad.any():
            raise ValueError(
                f"the policy returned a non-finite action at period {t}: {float(flat[bad][0])} (replication {int(np.argmax(bad))})"
            )
        try:
            return orders_from_actions(a, positions_from_obs(params, obs), params, opts)
        except ValueError as exc:
            raise ValueError(f"the policy's action at period {t} is invalid: {exc}") from None

    return act


def _optimal_policy(inst: Instance) -> Any:
    """The optimal policy of an instance as a simulable policy, or None (cached by parameters)."""
    return _optimal_policy_of(inst.env_id, tuple(sorted(dict(inst.overrides).items())))


@functools.lru_cache(maxsize=64)
def _optimal_policy_of(env_id: str, overrides: tuple[tuple[str, Any], ...]) -> Any:
    from inv_gym.analytic.solve import solve
    from inv_gym.presets import preset_params

    params = preset_params(env_id, **dict(overrides))
    sol = solve(params)
    if sol.dp is not None and hasattr(sol.dp, "policy"):
        return sol.dp.policy()
    if sol.policy is not None and sol.policy.get("family") == "base_stock" and params.finite_horizon:
        level = float(sol.policy["S"])  # the newsvendor: order up to S from the initial stock
        return lambda obs: np.maximum(level - obs[:, 0], 0.0)
    return None


def _ci_of(x: np.ndarray) -> MetricCI:
    return mean_ci(np.asarray(x, dtype=np.float64))


def score(
    policy: Any,
    instance: str | Instance,
    *,
    reps: int = 100,
    horizon: int | None = None,
    warmup: int | None = None,
    seed: int | None = 0,
    options: EnvOptions | Mapping[str, Any] | None = None,
    progress: bool = False,
) -> Score:
    """Score a policy on a named instance: its cost, its gap to the optimum and to the best heuristic.

    Args:
        policy: a callable, an object with SB3's ``predict`` or a torch module (see the
            module docstring).
        instance: ``set/name`` (e.g. ``"zipkin-lost-sales/L1-p4"``) or an
            :class:`~inv_gym.instances.Instance`.
        reps: R >= 2 replications.
        horizon: measured periods per replication of an infinite-horizon model
            (default 1000); a finite-horizon model is scored over its own episode.
        warmup: periods simulated first and not measured (default 100; none for a
            finite-horizon model).
        seed: seed of the demand draws (the optimal policy sees the same draws).
        options: the env options the agent acts under (see :mod:`inv_gym.envs.options`).
        progress: show a progress bar.

    Returns:
        A :class:`Score`.

    Example:
        Base stock S = 12 on Zipkin's L = 1, p = 4 instance; its exact long-run gap is
        (4.1628 - 4.0407) / 4.0407 = 3.02%:

        >>> s = score(lambda obs: np.maximum(12 - obs[:, 0] - obs[:, 1], 0), "zipkin-lost-sales/L1-p4",
        ...           reps=200, seed=1)
        >>> s.gap.ci_low < 0.0302 < s.gap.ci_high
        True
    """
    inst = get_instance(instance)
    if inst.serial:  # the serial chain: its env's observations and action map (inv_gym.serial.scoring)
        from inv_gym.serial.scoring import serial_score

        kw = dict(reps=reps, horizon=horizon, warmup=warmup, seed=seed, options=options, progress=progress)
        return serial_score(policy, inst, **kw)
    params = inst.params
    reps = check_int("reps", reps, low=2, reason="a confidence interval needs two replications")
    if params.finite_horizon:  # the episode is the scored problem
        horizon, warmup = params.horizon, 0
    else:
        horizon = 1000 if horizon is None else horizon
        warmup = 100 if warmup is None else warmup
    act = agent_orders(policy, params, options)
    ev = evaluate(act, params, reps=reps, horizon=horizon, warmup=warmup, seed=seed, progress=progress)
    cost_r = -np.asarray(ev.per_replication["reward_per_period"], dtype=np.float64)
    opt, norm = inst.optimum, abs(inst.optimum)
    reference = _optimal_policy(inst)
    if reference is not None:
        ref = evaluate(reference, params, reps=ev.reps, horizon=ev.horizon, warmup=ev.warmup, seed=seed)
        ref_r = -np.asarray(ref.per_replication["reward_per_period"], dtype=np.float64)
        gap = _ci_of((cost_r - ref_r) / norm)
    else:
        gap = _ci_of((cost_r - opt) / norm)
    heur = inst.best_heuristic_cost
    return Score(
        instance=inst.key,
        cost=_ci_of(cost_r),
        optimum=opt,
        optimum_method=inst.optimum_method,
        gap=gap,
        paired=reference is not None,
        best_heuristic=inst.best_heuristic,
        best_heuristic_cost=heur,
        heuristic_gap=_ci_of((cost_r - heur) / abs(heur)),
        reps=ev.reps,
        horizon=ev.horizon,
        warmup=ev.warmup,
        seed=seed,
    )
