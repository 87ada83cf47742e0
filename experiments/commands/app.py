"""``inv-gym app``: serve the inventory digital twin (a Streamlit app) on localhost.

Example::

    inv-gym app                  # http://localhost:8501
    inv-gym app --port 8600 --headless

Pages: Twin (every metric with its 95% CI, the trajectory, the cost per
episode), Scenarios (more demand, a lead-time disruption, a custom change, on
common random numbers), Optimise (grid search under a fill-rate floor, the
frontier, the exact optimum), Bandits (epsilon-greedy, UCB1, Thompson over a
grid of policies) and Learned vs classical (a benchmark folder's table and
plots). Needs the extra: ``pip install -e ".[app]"``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``app`` subcommand to the ``inv-gym`` parser."""
    p = sub.add_parser(
        "app",
        help="serve the digital-twin app (Streamlit) on localhost",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--port", type=int, default=8501, help="port to serve on (default 8501)")
    p.add_argument("--address", default="localhost", help="address to serve on (default localhost)")
    p.add_argument("--headless", action="store_true", help="do not open a browser")
    p.set_defaults(func=run)


def command(port: int, address: str = "localhost", headless: bool = True) -> list[str]:
    """The ``streamlit run`` command line that serves the app."""
    from experiments.app import MAIN

    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(MAIN),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true" if headless else "false",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]


def run(args: argparse.Namespace) -> int:
    """Run ``inv-gym app``; return the exit status of the server."""
    if not 1 <= args.port <= 65535:
        raise ValueError(f"--port must be in [1, 65535], got {args.port}")
    try:
        import streamlit  # noqa: F401
    except ImportError:
        raise ValueError('the app needs Streamlit: pip install -e ".[app]"') from None
    return subprocess.call(command(args.port, args.address, args.headless))
