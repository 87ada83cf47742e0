"""Helpers shared by the subcommands: ``--set NAME=VALUE`` parsing and output."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

import numpy as np

from inv_gym.envs.options import OPTION_NAMES, EnvOptions, parse_option_value
from inv_gym.params import InventoryParams, parse_param_value
from inv_gym.presets import ENV_IDS, preset_params

__all__ = [
    "add_env_args",
    "options_from_args",
    "params_from_args",
    "parse_sets",
    "to_jsonable",
    "print_json",
    "resolve_env_id",
    "split_sets",
]


def resolve_env_id(env_id: str) -> str:
    """Accept ``inv_gym/LostSales-v0`` or the short ``LostSales-v0`` / ``LostSales``."""
    if env_id in ENV_IDS:
        return env_id
    for full in ENV_IDS:
        short = full.split("/", 1)[1]
        if env_id in (short, short.rsplit("-", 1)[0]):
            return full
    raise ValueError(f"unknown env id {env_id!r}; registered: {', '.join(ENV_IDS)}")


def parse_sets(items: list[str] | None) -> dict[str, Any]:
    """Parse ``NAME=VALUE`` strings into parameter and env-option overrides."""
    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise ValueError(f"--set expects NAME=VALUE, got {item!r}")
        name, value = item.split("=", 1)
        name = name.strip()
        out[name] = parse_option_value(name, value) if name in OPTION_NAMES else parse_param_value(name, value)
    return out


def split_sets(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """(parameter overrides, env options) among the ``--set`` items."""
    sets = parse_sets(getattr(args, "sets", None))
    options = {k: sets.pop(k) for k in list(sets) if k in OPTION_NAMES}
    return sets, options


def add_env_args(parser: argparse.ArgumentParser) -> None:
    """Add the ENV_ID positional and ``--set`` options."""
    parser.add_argument("env_id", metavar="ENV_ID", help="a registered id, e.g. inv_gym/LostSales-v0 (or LostSales)")
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        metavar="NAME=VALUE",
        help="override a parameter, e.g. --set lead_time=2 --set demand=poisson:8 (repeatable); "
        "`train` also takes the env options: action=order_up_to, obs_scale=true, random_start=true, reward_scale=0.1",
    )


def params_from_args(args: argparse.Namespace, *, options: bool = False) -> tuple[str, InventoryParams]:
    """(env id, validated parameters) from ``env_id`` and ``--set`` options.

    Env options (``action``, ``obs_scale``, ``random_start``, ``reward_scale``,
    ``continuous``) change what an agent sees, not the model: they are refused here
    unless the command takes them (``options=True``; see :func:`options_from_args`).
    """
    env_id = resolve_env_id(args.env_id)
    sets, opts = split_sets(args)
    if opts and not options:
        raise ValueError(
            f"--set {sorted(opts)[0]}: an env option (a learning aid), taken by `inv-gym train` only; "
            "it does not change the model"
        )
    return env_id, preset_params(env_id, **sets)


def options_from_args(args: argparse.Namespace) -> EnvOptions:
    """The env options among the ``--set`` items (validated)."""
    return EnvOptions(**split_sets(args)[1])


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays and non-finite floats for JSON output."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def print_json(obj: Any) -> None:
    """Print ``obj`` as indented JSON."""
    print(json.dumps(to_jsonable(obj), indent=2))
