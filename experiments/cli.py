"""The ``inv-gym`` command line.

Each subcommand lives in ``experiments/commands/<name>.py`` and defines
``register(subparsers)``, which adds its parser and sets ``func(args) -> int``.
Errors in the user's input (``ValueError``, a negative ``--seed``, an output
path that cannot be written) are printed as one line and exit with status 2,
without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import NoReturn

#: subcommand modules, in the order ``--help`` lists them
COMMAND_MODULES: tuple[str, ...] = (
    "experiments.commands.envs",
    "experiments.commands.train",
    "experiments.commands.benchmark",
    "experiments.commands.evaluate",
    "experiments.commands.search",
    "experiments.commands.plot",
    "experiments.commands.bandit",
    "experiments.commands.solve",
    "experiments.commands.score",
    "experiments.commands.study",
    "experiments.commands.sweep",
    "experiments.commands.app",
)


class OneLineErrorParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line (and a pointer to ``--help``), exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every subcommand."""
    from inv_gym import __version__

    parser = OneLineErrorParser(
        prog="inv-gym",
        description="Classical inventory control as Gymnasium environments, with exact optima and baselines.",
    )
    parser.add_argument("--version", action="version", version=f"inv-gym {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``inv-gym`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        seed = getattr(args, "seed", None)
        if seed is not None and seed < 0:
            raise ValueError(f"--seed must be an integer >= 0, got {seed}")
        return int(args.func(args) or 0)
    except ValueError as exc:
        print(f"inv-gym {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("inv-gym: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader (e.g. `| head`) closed the pipe: stop quietly, as Unix tools do
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except OSError as exc:
        # an output path that cannot be written (missing permission, read-only or special folder)
        where = f": {exc.filename}" if exc.filename else ""
        print(f"inv-gym {args.command}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
