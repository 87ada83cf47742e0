"""Plumbing between the inventory models and stable-baselines3.

* :func:`obs_scale`: a per-entry observation scale derived from the parameters
  (stock entries divided by the mean demand over a lead time plus one period,
  pipeline entries by the mean demand, the period index by the horizon), so
  the network sees entries of order one on every model.
* :class:`InventorySB3VecEnv`: an SB3 ``VecEnv`` running N copies of a model
  on the batched kernel (:func:`inv_gym.dynamics.step`), one kernel call per
  step. It resets finished copies in the same step (SB3's convention) and puts
  the last observation in ``info["terminal_observation"]`` and
  ``info["TimeLimit.truncated"] = True`` when an infinite-horizon episode is
  cut at the horizon, so SB3 bootstraps the value of truncated episodes.
* :func:`up_to_levels` and :func:`orders_from_levels`: the optional
  order-up-to action parametrization (``action_map="order_up_to"``): action k
  asks to raise the inventory position to k units, so the order is
  ``clip(k - inventory position, 0, max_order)``. Every order the model's own
  action space allows stays reachable (k = inventory position + q), but the
  classical optimum of a backorder model (a constant or two-level target) is
  a constant action instead of a function of the state. The env's own action
  is computed from the observation, so the trained policy is evaluated on the
  model's own action space (:class:`agents.ppo.SB3Policy` applies the map).
* :class:`ScaleObservation`: the same scaling as a Gymnasium wrapper, for the
  ``DummyVecEnv`` path over :class:`inv_gym.envs.InventoryEnv`.
* :class:`TqdmCallback`: a progress bar (tqdm) over training timesteps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.vec_env import VecEnv

from agents.base import ObsLayout
from inv_gym.dynamics import EV, EVENTS, initial_state, kernel_params, observe, step
from inv_gym.envs import DrawStream, order_from_action
from inv_gym.params import InventoryParams

__all__ = [
    "ACTION_MAPS",
    "obs_scale",
    "up_to_levels",
    "orders_from_levels",
    "InventorySB3VecEnv",
    "ScaleObservation",
    "TqdmCallback",
]

#: How the agent's action becomes an order: the model's own (``order``: the
#: order quantity) or an order-up-to level of the inventory position.
ACTION_MAPS: tuple[str, ...] = ("order", "order_up_to")


def obs_scale(params: InventoryParams) -> np.ndarray:
    """Per-entry divisors of the observation (float32, length ``params.obs_dim``).

    ``inventory`` and ``age_a``: mean demand x (mean lead time + 1);
    ``pipeline_j``: mean demand; ``period``: the horizon. Every divisor is >= 1.
    """
    mu = max(float(params.demand.mean), 1e-9)
    stock = max(mu * (params.mean_lead_time + 1.0), 1.0)
    out = []
    for name in params.obs_names:
        if name == "inventory" or name.startswith("age_"):
            out.append(stock)
        elif name.startswith("pipeline_"):
            out.append(max(mu, 1.0))
        else:  # period
            out.append(max(float(params.horizon), 1.0))
    return np.asarray(out, dtype=np.float32)


def up_to_levels(params: InventoryParams) -> int:
    """Number of order-up-to levels (0, 1, ..., n - 1 units).

    ``max_order + 1`` plus the mean demand over the mean lead time plus one
    period (rounded up), so a target above ``max_order`` is reachable when the
    pipeline holds stock.
    """
    mu = max(float(params.demand.mean), 0.0)
    return int(params.max_order) + 1 + int(math.ceil(mu * (params.mean_lead_time + 1.0)))


def orders_from_levels(
    levels: np.ndarray, obs: np.ndarray, params: InventoryParams, layout: ObsLayout | None = None
) -> np.ndarray:
    """Orders (N,) float64 that raise the inventory position of ``obs`` (raw, unscaled) to ``levels``.

    ``clip(level - (net inventory + pipeline), 0, max_order)``, rounded to whole units.
    """
    layout = layout or ObsLayout(params)
    ip = layout.inventory_position(np.asarray(obs, dtype=np.float32))
    lv = np.asarray(levels, dtype=np.float64).reshape(ip.shape[0], -1)[:, 0]
    return np.clip(np.rint(lv - ip), 0.0, float(params.max_order))


def levels_from_continuous(a: np.ndarray, params: InventoryParams) -> np.ndarray:
    """A continuous action in [-1, 1] as an order-up-to level in [0, ``up_to_levels - 1``]."""
    n = up_to_levels(params)
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    return np.round((np.clip(a, -1.0, 1.0) + 1.0) * 0.5 * (n - 1))


def _scaled_space(params: InventoryParams, scale: np.ndarray) -> spaces.Box:
    low, high = params.obs_bounds
    return spaces.Box((low / scale).astype(np.float32), (high / scale).astype(np.float32), dtype=np.float32)


class ScaleObservation(gym.ObservationWrapper):
    """Divide an :class:`~inv_gym.envs.InventoryEnv` observation by :func:`obs_scale`."""

    def __init__(self, env: gym.Env, scale: np.ndarray | None = None) -> None:
        super().__init__(env)
        params = env.unwrapped.params
        self.scale = obs_scale(params) if scale is None else np.asarray(scale, dtype=np.float32)
        self.observation_space = _scaled_space(params, self.scale)

    def observation(self, observation: np.ndarray) -> np.ndarray:
        return (observation / self.scale).astype(np.float32)


class InventorySB3VecEnv(VecEnv):
    """N copies of one model as a stable-baselines3 ``VecEnv`` on the batched kernel.

    Observations are divided by ``scale`` (default :func:`obs_scale`); rewards
    are multiplied by ``reward_scale``. Copy i draws the same demand as copy i
    of :class:`inv_gym.envs.InventoryVectorEnv` reset with the same seed.

    Args:
        params: the model.
        num_envs: N >= 1.
        seed: seed of the demand and lead-time stream (``seed()`` changes it;
            it takes effect at the next ``reset()``).
        continuous: act in ``Box(-1, 1, (1,))`` instead of ``Discrete(max_order + 1)``.
        scale: observation divisors, or None for :func:`obs_scale`.
        reward_scale: factor applied to the rewards SB3 sees.
        action_map: ``order`` (the model's own action: the order quantity) or
            ``order_up_to`` (``Discrete(up_to_levels)``, or the Box [-1, 1] scaled
            to those levels; see :func:`orders_from_levels`).
        start_inventory: None (every episode starts from the model's initial
            state) or ``(low, high)``: every episode starts with a stock on hand
            drawn uniformly from the integers low .. high (nothing on order), so
            training also visits states far above the usual stock levels and
            learns not to order there. The draws come from their own stream
            (seeded from ``seed``); the demand stream is unchanged.
    """

    render_mode: str | None = None

    def __init__(
        self,
        params: InventoryParams,
        num_envs: int = 8,
        *,
        seed: int | None = None,
        continuous: bool = False,
        scale: np.ndarray | None = None,
        reward_scale: float = 1.0,
        action_map: str = "order",
        start_inventory: tuple[int, int] | None = None,
    ) -> None:
        if start_inventory is not None:
            lo, hi = (int(x) for x in start_inventory)
            if not 0 <= lo <= hi or params.perishable:
                raise ValueError(
                    f"start_inventory must be (low, high) with 0 <= low <= high on a model without perishing, "
                    f"got {start_inventory!r}"
                )
            start_inventory = (lo, hi)
        self.start_inventory = start_inventory
        if action_map not in ACTION_MAPS:
            raise ValueError(f"action_map must be one of {', '.join(ACTION_MAPS)}, got {action_map!r}")
        if isinstance(num_envs, bool) or int(num_envs) != num_envs or num_envs < 1:
            raise ValueError(f"num_envs must be an integer >= 1, got {num_envs!r}")
        self.params = params
        self.continuous = bool(continuous)
        self.scale = obs_scale(params) if scale is None else np.asarray(scale, dtype=np.float32)
        if self.scale.shape != (params.obs_dim,) or np.any(self.scale <= 0):
            raise ValueError(f"scale must be {params.obs_dim} positive numbers, got {self.scale}")
        self.reward_scale = float(reward_scale)
        self.action_map = action_map
        self._layout = ObsLayout(params)
        if self.continuous:
            action_space: spaces.Space = spaces.Box(-1.0, 1.0, (1,), dtype=np.float32)
        elif action_map == "order_up_to":
            action_space = spaces.Discrete(up_to_levels(params))
        else:
            action_space = spaces.Discrete(params.max_order + 1)
        super().__init__(int(num_envs), _scaled_space(params, self.scale), action_space)
        n = self.num_envs
        self._p = kernel_params(params)
        self._stream = DrawStream(params, n)
        self._state = initial_state(params, n)
        self._raw = np.zeros((n, params.obs_dim), dtype=np.float32)
        self._events = np.zeros((n, len(EVENTS)))
        self._steps = np.zeros(n, dtype=np.int64)
        self._actions: np.ndarray | None = None
        self._seed = seed
        self._stream_seeded = False

    # -- seeding and reset -------------------------------------------------
    def seed(self, seed: int | None = None) -> Sequence[int | None]:  # type: ignore[override]
        self._seed = seed
        self._stream_seeded = False
        return [seed] * self.num_envs

    def _observe(self) -> np.ndarray:
        observe(self.params, self._state, self._raw)
        return self._raw / self.scale

    def _start_stock(self, n: int) -> np.ndarray | float:
        if self.start_inventory is None:
            return self.params.initial_inventory
        lo, hi = self.start_inventory
        return self._start_rng.integers(lo, hi + 1, n).astype(np.float64)

    def reset(self) -> np.ndarray:
        if not self._stream_seeded:
            seq = np.random.SeedSequence(self._seed)
            self._stream.seed(seq)
            self._start_rng = np.random.default_rng(np.random.SeedSequence(seq.entropy, spawn_key=(101,)))
            self._stream_seeded = True
        self._state = initial_state(self.params, self.num_envs, self._start_stock(self.num_envs))
        self._steps[:] = 0
        self.reset_infos = [{} for _ in range(self.num_envs)]
        return self._observe()

    # -- stepping ------------------------------------------------------------
    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions

    def step_wait(self) -> Any:
        n = self.num_envs
        if self._actions is None:
            raise RuntimeError("step_async() must be called before step_wait()")
        if self.action_map == "order_up_to":
            a = np.asarray(self._actions)
            levels = levels_from_continuous(a, self.params) if self.continuous else a.reshape(n)
            order = orders_from_levels(levels, self._raw, self.params, self._layout)
        else:
            order = order_from_action(self._actions, self.params, self.continuous, n)
        self._actions = None
        demand, lead = self._stream.next()
        self._steps += 1
        done = self._steps >= self.params.horizon
        last = done & self.params.finite_horizon
        step(self._p, self._state, order, demand, lead, last, self._events)
        rewards = (self._events[:, EV["reward"]] * self.reward_scale).astype(np.float32)
        obs = self._observe()
        infos: list[dict[str, Any]] = [{} for _ in range(n)]
        if done.any():
            rows = np.flatnonzero(done)
            truncated = not self.params.finite_horizon
            for i in rows:
                infos[i]["terminal_observation"] = obs[i].copy()
                infos[i]["TimeLimit.truncated"] = truncated
            data = self._state.data
            data[rows] = 0.0
            data[rows, 2] = self._start_stock(rows.size)
            self._steps[rows] = 0
            obs = self._observe()
        return obs, rewards, done.copy(), infos

    # -- the rest of the VecEnv interface ---------------------------------------
    def close(self) -> None:
        return None

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        return [getattr(self, attr_name)] * len(self._indices(indices))

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        setattr(self, attr_name, value)

    def env_method(self, method_name: str, *method_args: Any, indices: Any = None, **method_kwargs: Any) -> list[Any]:
        fn = getattr(self, method_name)
        return [fn(*method_args, **method_kwargs) for _ in self._indices(indices)]

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        return [False] * len(self._indices(indices))

    def _indices(self, indices: Any) -> list[int]:
        if indices is None:
            return list(range(self.num_envs))
        if isinstance(indices, int):
            return [indices]
        return list(indices)


class TqdmCallback(BaseCallback):
    """A tqdm progress bar over training timesteps (no ``rich`` needed)."""

    def __init__(self, total: int, desc: str = "train") -> None:
        super().__init__()
        self.total = int(total)
        self.desc = desc
        self._bar: Any = None
        self._last = 0

    def _on_training_start(self) -> None:
        from tqdm.auto import tqdm

        self._bar = tqdm(total=self.total, desc=self.desc, unit="step", dynamic_ncols=True)
        self._last = self.num_timesteps

    def _on_step(self) -> bool:
        if self._bar is not None:
            self._bar.update(self.num_timesteps - self._last)
            self._last = self.num_timesteps
        return True

    def _on_training_end(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
