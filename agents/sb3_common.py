"""Plumbing between the inventory models and stable-baselines3.

* :class:`InventorySB3VecEnv`: an SB3 ``VecEnv`` over the native
  :class:`inv_gym.envs.InventoryVectorEnv` (one kernel call per step) in gymnasium's
  SAME_STEP autoreset mode, SB3's convention: a finished copy is reset in the same
  step, its last observation goes to ``info["terminal_observation"]``, and
  ``info["TimeLimit.truncated"] = True`` marks an infinite-horizon episode cut at the
  horizon, so SB3 bootstraps the value of truncated episodes. The learning aids
  (order-up-to actions, the observation scale, random starts, a reward scale) are
  the env's own options (:mod:`inv_gym.envs.options`): nothing here maps actions or
  scales observations.
* :class:`TqdmCallback`: a progress bar (tqdm) over training timesteps.

Outside agents get the same from ``stable_baselines3.common.env_util.make_vec_env(id,
env_kwargs=dict(action="order_up_to", obs_scale=True))``; this adapter only saves the
per-copy Python loop of ``DummyVecEnv``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.vec_env import VecEnv

from inv_gym.envs import InventoryVectorEnv
from inv_gym.envs.options import EnvOptions
from inv_gym.params import InventoryParams

__all__ = ["InventorySB3VecEnv", "TqdmCallback"]


class InventorySB3VecEnv(VecEnv):
    """N copies of one model as a stable-baselines3 ``VecEnv`` on the batched kernel.

    Copy i draws the same demand as copy i of :class:`inv_gym.envs.InventoryVectorEnv`
    reset with the same seed.

    Args:
        params: the model.
        num_envs: N >= 1.
        seed: seed of the demand, lead-time and random-start draws (``seed()`` changes
            it; it takes effect at the next ``reset()``).
        options: the env options (:class:`inv_gym.envs.options.EnvOptions`).
    """

    render_mode: str | None = None

    def __init__(
        self, params: InventoryParams, num_envs: int = 8, *, seed: int | None = None, options: EnvOptions | None = None
    ) -> None:
        self.options = options or EnvOptions()
        self.params = params
        self.venv = InventoryVectorEnv(
            num_envs, params, autoreset_mode=AutoresetMode.SAME_STEP, **self.options.__dict__
        )
        super().__init__(self.venv.num_envs, self.venv.single_observation_space, self.venv.single_action_space)
        self._actions: np.ndarray | None = None
        self._seed = seed
        self._stream_seeded = False

    # -- seeding and reset -------------------------------------------------
    def seed(self, seed: int | None = None) -> Sequence[int | None]:  # type: ignore[override]
        self._seed = seed
        self._stream_seeded = False
        return [seed] * self.num_envs

    def reset(self) -> np.ndarray:
        if not self._stream_seeded:
            obs, _ = self.venv.reset(seed=self._seed)
            self._stream_seeded = True
        else:
            obs, _ = self.venv.reset()
        self.reset_infos = [{} for _ in range(self.num_envs)]
        return obs

    # -- stepping ------------------------------------------------------------
    def step_async(self, actions: np.ndarray) -> None:
        self._actions = actions

    def step_wait(self) -> Any:
        if self._actions is None:
            raise RuntimeError("step_async() must be called before step_wait()")
        actions, self._actions = self._actions, None
        obs, rewards, terminated, truncated, info = self.venv.step(actions)
        done = terminated | truncated
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        for i in np.flatnonzero(done):
            infos[i]["terminal_observation"] = info["final_obs"][i]
            infos[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
        return obs, rewards.astype(np.float32), done, infos

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
