"""The serial chain (``inv_gym/Serial-v0``) on the command line: ``inv-gym solve Serial``.

``inv-gym solve Serial [--set NAME=VALUE ...] [--simulate] [--json]`` prints the
Clark-Scarf optimum: the optimal echelon base-stock levels S*_1 .. S*_M (stage 1
first), the optimal cost per period and the pmf truncation. Per-stage values
are comma-separated lists, e.g. ``--set lead_times=1,1,1 --set
holding_costs=4,2,1``. ``--simulate`` checks the cost by Monte Carlo simulation
of the policy (95% CI).
"""

from __future__ import annotations

import argparse
from typing import Any

from experiments.commands.common import print_json

__all__ = ["SERIAL_IDS", "is_serial_id", "serial_params_from_args", "run_serial_solve"]

SERIAL_IDS: tuple[str, ...] = ("inv_gym/Serial-v0",)


def is_serial_id(env_id: str) -> bool:
    """True for ``inv_gym/Serial-v0``, ``Serial-v0`` or ``Serial``."""
    return any(env_id in (full, full.split("/", 1)[1], full.split("/", 1)[1].rsplit("-", 1)[0]) for full in SERIAL_IDS)


def serial_params_from_args(args: argparse.Namespace) -> Any:
    """Validated :class:`~inv_gym.serial.SerialParams` from ``--set NAME=VALUE`` options."""
    from inv_gym.serial.params import SerialParams, parse_serial_value

    overrides: dict[str, Any] = {}
    for item in getattr(args, "sets", None) or []:
        if "=" not in item:
            raise ValueError(f"--set expects NAME=VALUE, got {item!r}")
        name, value = item.split("=", 1)
        overrides[name.strip()] = parse_serial_value(name.strip(), value)
    return SerialParams(**overrides)


def run_serial_solve(args: argparse.Namespace) -> int:
    """``inv-gym solve Serial``: the Clark-Scarf optimum (and ``--simulate``); the exit status."""
    from agents.serial import EchelonBaseStock, serial_evaluate
    from inv_gym.analytic.serial import serial_optimum

    params = serial_params_from_args(args)
    sol = serial_optimum(params)
    out: dict[str, Any] = {
        "method": "clark_scarf",
        "policy": {"family": "echelon_base_stock", "levels": list(sol.levels)},
        "average_cost": sol.cost,
        "exact": True,
        "details": {
            "stage_costs": list(sol.stage_costs),
            "transit_holding_cost": sol.transit_holding_cost,
            "echelon_holding_costs": list(params.echelon_holding_costs),
            "truncation": f"demand pmf cut at its 1 - {sol.details['tail']:g} quantile (tail folded into the last value)",
        },
    }
    if args.simulate:
        ev = serial_evaluate(EchelonBaseStock(sol.levels), params, reps=args.reps, horizon=args.horizon, seed=args.seed)
        c = ev["cost_per_period"]
        out["simulated_cost"] = {"mean": c.mean, "ci_low": c.ci_low, "ci_high": c.ci_high}
    if args.json:
        print_json(out)
        return 0
    print(SERIAL_IDS[0])
    print("  method        clark_scarf (Chen-Zheng recursion, exact for integer demand)")
    print(f"  policy        echelon_base_stock(levels={list(sol.levels)})  stage 1 first")
    print(f"  average cost  {sol.cost:.4f} per period")
    for k, v in out["details"].items():
        print(f"  {k:<13} {v}")
    if "simulated_cost" in out:
        s = out["simulated_cost"]
        print(f"  simulated     {s['mean']:.4f} [{s['ci_low']:.4f}, {s['ci_high']:.4f}] (95% CI)")
    return 0
