"""Subcommands of ``inv-gym``: each module defines ``register(subparsers)``."""
