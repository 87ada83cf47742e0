"""Score any agent on a serial-chain instance: :func:`inv_gym.score` for ``inv_gym/Serial-v0``.

The agent acts on the chain exactly as in ``SerialVectorEnv``: R copies (one per
replication) of the env with the agent's options (``action``, ``continuous``,
``obs_scale``) are reset with the seed and stepped W + H periods; the agent sees
the env's observations, returns one action per stage, and the env's own map turns
actions into orders (``action="order_up_to"``: each stage's echelon base-stock level,
q_m = clip(S_m - IP_m, 0, max_order)). ``random_start`` and ``reward_scale`` change
nothing here: every replication starts from the instance's initial stock and costs
are in the model's units (the env's unscaled ``info["cost"]``).

With C_r the agent's cost per measured period in replication r and C*_r that of the
Clark-Scarf echelon base-stock policy (the optimum) simulated on the same demand
(common random numbers: replication r of both sees vector-env copy r's draws), the
gap is the paired (C_r - C*_r) / |C*| with its 95% Student-t interval; the gap to
the best heuristic (the best installation base-stock policy, whose cost is the
optimum's, see :mod:`inv_gym.instances`) is (C_r - C_h) / |C_h|.

What a policy may be:

* a callable ``f(obs)``: batched, (N, d) -> (N, M), or single, (d,) -> (M,) (a batch
  is tried first);
* an object with SB3's ``predict(obs, deterministic=True) -> (actions, state)``;
* a ``torch.nn.Module`` mapping float32 (N, d) to (N, M) actions, or to (N, M, k)
  scores of k discrete actions per stage (argmax over the last axis).

An action that is not numeric or finite, has the wrong shape, or is outside the
env's action space (integers in [0, max_order], or [0, level_upper_m] under
``order_up_to``) raises a ValueError naming the period, replication, stage and value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from inv_gym.envs.options import EnvOptions
from inv_gym.evaluation import mean_ci
from inv_gym.serial.dynamics import serial_orders_from_levels
from inv_gym.serial.env import SerialVectorEnv
from inv_gym.serial.evaluation import check_serial_run, serial_demand_paths, serial_simulate
from inv_gym.serial.params import SerialParams

__all__ = ["serial_score", "serial_agent_actions", "serial_optimal_levels"]


def _module_actions(module: Any, m: int, x: np.ndarray) -> np.ndarray:
    import torch

    with torch.no_grad():
        out = module(torch.as_tensor(x, dtype=torch.float32))
    if isinstance(out, (tuple, list)):
        out = out[0]
    a = out.detach().cpu().numpy()
    return a.argmax(axis=2) if a.ndim == 3 else a


def serial_agent_actions(policy: Any, params: SerialParams) -> Callable[[np.ndarray], np.ndarray]:
    """``f(obs (N, d)) -> actions`` of any accepted kind of policy (module docstring), unchecked."""
    m = params.n_stages
    try:
        import torch

        is_module = isinstance(policy, torch.nn.Module)
    except ImportError:  # pragma: no cover (torch is a dependency)
        is_module = False
    if is_module:
        return functools.partial(_module_actions, policy, m)
    if callable(getattr(policy, "bind", None)):
        policy = policy.bind(params)  # the suite's own serial policies (agents.serial)
    if hasattr(policy, "predict") and not callable(getattr(policy, "act", None)):
        return lambda x: np.asarray(policy.predict(x, deterministic=True)[0])
    fn = policy.act if callable(getattr(policy, "act", None)) else policy
    if not callable(fn):
        raise ValueError(
            f"cannot score a {type(policy).__name__}: a policy must be callable, have predict() or be a torch module"
        )
    batched: list[bool] = []

    def call(x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        if not batched or batched[0]:
            try:
                a = np.asarray(fn(x))
                if a.size == n * m and (a.ndim == 2 and a.shape[0] == n or n == 1):
                    batched[:] = [True]
                    return a.reshape(n, m)
            except Exception:
                if batched:
                    raise
            batched[:] = [False]
        return np.stack([np.asarray(fn(x[i])).reshape(-1) for i in range(n)])

    return call


def _checked(a: Any, period: int, n: int, m: int, top: np.ndarray | None) -> np.ndarray:
    """The (N, M) actions, or a ValueError naming the period, replication, stage and value."""
    a = np.asarray(a)
    if a.dtype.kind not in "iufb":
        raise ValueError(f"the policy returned non-numeric actions at period {period}: {a.reshape(-1)[:4]!r}")
    if a.size != n * m:
        raise ValueError(
            f"the policy must return one action per stage, (N, M) = ({n}, {m}), at period {period}; got shape {a.shape}"
        )
    x = a.reshape(n, m).astype(np.float64)
    bad = ~np.isfinite(x)
    if bad.any():
        i, k = np.argwhere(bad)[0]
        raise ValueError(
            f"the policy returned a non-finite action at period {period}: {x[i, k]} (replication {i}, stage {k + 1})"
        )
    if top is not None:
        bad = (x < 0) | (x > top) | (x != np.floor(x))
        if bad.any():
            i, k = np.argwhere(bad)[0]
            raise ValueError(
                f"the policy's action at period {period} is invalid: stage {k + 1}'s action must be an integer in "
                f"[0, {int(top[k])}], got {x[i, k]} (replication {i})"
            )
        return x.astype(np.int64)
    return x


@functools.lru_cache(maxsize=64)
def _levels_of(params: SerialParams) -> tuple[int, ...]:
    from inv_gym.analytic.serial import serial_optimum

    return serial_optimum(params).levels


def serial_optimal_levels(params: SerialParams) -> tuple[int, ...]:
    """The Clark-Scarf echelon levels S*_1 .. S*_M of a chain (cached by parameters)."""
    return _levels_of(params)


def serial_score(
    policy: Any,
    instance: Any,
    *,
    reps: int = 100,
    horizon: int | None = None,
    warmup: int | None = None,
    seed: int | None = 0,
    options: EnvOptions | Mapping[str, Any] | None = None,
    progress: bool = False,
) -> Any:
    """Score a policy on a serial instance (called by :func:`inv_gym.score`; same arguments).

    Args:
        policy: a callable, an object with SB3's ``predict`` or a torch module (module docstring).
        instance: an :class:`~inv_gym.instances.Instance` with ``serial`` True.
        reps: R >= 2 replications.
        horizon: measured periods per replication (default 1000).
        warmup: periods simulated first and not measured (default 100).
        seed: seed of the demand draws (the optimal policy sees the same draws); None: a fresh one.
        options: the env options the agent acts under.
        progress: show a progress bar.

    Returns:
        An :class:`inv_gym.scoring.Score`.
    """
    from inv_gym.scoring import Score

    params: SerialParams = instance.params
    horizon = 1000 if horizon is None else horizon
    warmup = 100 if warmup is None else warmup
    reps, horizon, warmup = check_serial_run(reps, horizon, warmup, systems=2)
    opts = options if isinstance(options, EnvOptions) else EnvOptions(**dict(options or {}))
    total = horizon + warmup
    draw_seed = seed if seed is not None else int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)
    env = SerialVectorEnv(
        reps,
        params.replace(horizon=total),
        action=opts.action,
        continuous=opts.continuous,
        obs_scale=opts.obs_scale,
    )
    top = None if opts.continuous else np.asarray(env.single_action_space.nvec, dtype=np.float64) - 1.0
    act = serial_agent_actions(policy, params)
    m = params.n_stages
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc=f"score {instance.key}", unit="period", leave=False, disable=None)
    cost = np.zeros(reps)
    try:
        obs, _ = env.reset(seed=draw_seed)
        for t in range(total):
            obs, _, _, _, info = env.step(_checked(act(obs), t, reps, m, top))
            if t >= warmup:
                cost += info["cost"]
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    cost_r = cost / horizon
    levels = np.asarray(serial_optimal_levels(params), dtype=np.float64)

    def optimal(state: Any, out: np.ndarray) -> None:
        serial_orders_from_levels(params, state, levels, out)

    demand = serial_demand_paths(params, draw_seed, reps, total)
    ref_r = serial_simulate(optimal, params, demand, warmup, columns=("cost",))["cost"]
    opt, heur = instance.optimum, instance.best_heuristic_cost
    return Score(
        instance=instance.key,
        cost=mean_ci(cost_r),
        optimum=opt,
        optimum_method=instance.optimum_method,
        gap=mean_ci((cost_r - ref_r) / abs(opt)),
        paired=True,
        best_heuristic=instance.best_heuristic,
        best_heuristic_cost=heur,
        heuristic_gap=mean_ci((cost_r - heur) / abs(heur)),
        reps=reps,
        horizon=horizon,
        warmup=warmup,
        seed=seed,
    )
