"""Actions for any registered id: Discrete (one source) or the MultiDiscrete pair (dual sourcing)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np


def act(space: gym.spaces.Space, k: int):
    """Action k of a Discrete space; the pair (k, k) (each clipped) of a dual-sourcing MultiDiscrete."""
    if isinstance(space, gym.spaces.MultiDiscrete):
        return np.minimum(int(k), space.nvec - 1).astype(np.int64)
    return int(k)


def acts(space: gym.spaces.Space, ks) -> np.ndarray:
    """A vector env's actions: act(space, k) for each k, stacked."""
    return np.array([act(space, k) for k in ks])
