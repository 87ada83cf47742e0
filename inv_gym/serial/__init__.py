"""The M-stage serial supply chain: parameters, the chain kernel and the environments.

``inv_gym/Serial-v0`` is :class:`SerialEnv` (``gym.make``) and
:class:`SerialVectorEnv` (``gym.make_vec``); its exact optimum is in
:mod:`inv_gym.analytic.serial`.
"""

from inv_gym.serial.dynamics import (
    SERIAL_CHAIN_EVENTS,
    SERIAL_STAGE_EVENTS,
    SerialState,
    serial_echelon_position,
    serial_event_index,
    serial_event_names,
    serial_initial_state,
    serial_installation_position,
    serial_observe,
    serial_orders_from_levels,
    serial_step,
)
from inv_gym.serial.env import SerialEnv, SerialVectorEnv, make_serial_params
from inv_gym.serial.params import SERIAL_DEFAULTS, SERIAL_PARAM_NAMES, SerialParams

__all__ = [
    "SERIAL_CHAIN_EVENTS",
    "SERIAL_DEFAULTS",
    "SERIAL_PARAM_NAMES",
    "SERIAL_STAGE_EVENTS",
    "SerialEnv",
    "SerialParams",
    "SerialState",
    "SerialVectorEnv",
    "make_serial_params",
    "serial_echelon_position",
    "serial_event_index",
    "serial_event_names",
    "serial_initial_state",
    "serial_installation_position",
    "serial_observe",
    "serial_orders_from_levels",
    "serial_step",
]
