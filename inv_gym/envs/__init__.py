"""Gymnasium environments over the inventory kernel."""

from inv_gym.envs.inventory import InventoryEnv, InventoryVectorEnv, make_params, order_from_action
from inv_gym.envs.streams import DrawStream, draw_paths, spawn_generators

__all__ = [
    "InventoryEnv",
    "InventoryVectorEnv",
    "DrawStream",
    "draw_paths",
    "make_params",
    "order_from_action",
    "spawn_generators",
]
