"""``inv-gym envs``: the registered ids with a one-line description each."""

from __future__ import annotations

import argparse

from experiments.commands.common import print_json


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``envs`` subcommand to the ``inv-gym`` parser."""
    p = sub.add_parser("envs", help="list the registered environment ids", description=__doc__)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``inv-gym envs``; return the exit status."""
    from inv_gym import DESCRIPTIONS, ENV_IDS, PRESETS

    if args.json:
        print_json([{"id": i, "description": DESCRIPTIONS[i], "defaults": PRESETS[i]} for i in ENV_IDS])
        return 0
    width = max(len(i) for i in ENV_IDS)
    for i in ENV_IDS:
        print(f"{i:<{width}}  {DESCRIPTIONS[i]}")
    return 0
