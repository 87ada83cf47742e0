"""Resumable experiments: :class:`Checkpoints` units, now kept by the runner's store.

Kept for the callers of this module; the code is :mod:`experiments.runner.checkpoints`
(units on :class:`experiments.runner.Store`, with checksums and validation).
"""

from experiments.runner.checkpoints import Checkpoints
from experiments.runner.task import fingerprint

__all__ = ["Checkpoints", "fingerprint"]
