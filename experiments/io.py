"""Atomic output of the experiments: text, CSV, JSON and PNG files.

Every writer creates the folder, writes to a temporary file next to the target
and moves it into place with ``os.replace``, so a reader (or a resumed run)
never sees a half-written file. Each returns the path it wrote.

Example:
    >>> import os, tempfile
    >>> path = write_json({"cost": np.float64(3.5)}, os.path.join(tempfile.mkdtemp(), "a", "summary.json"))
    >>> open(path).read()
    '{\\n "cost": 3.5\\n}'
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from inv_gym.atomic import atomic_write

__all__ = ["atomic_write", "atomic_write_text", "write_csv", "write_json", "save_figure", "pyplot", "jsonable"]


def atomic_write_text(path: str, text: str) -> str:
    """Write ``text`` to ``path`` atomically."""

    def w(tmp: str) -> None:
        with open(tmp, "w") as f:
            f.write(text)

    return atomic_write(path, w)


def write_csv(df: Any, path: str) -> str:
    """Write a DataFrame as CSV (no index) atomically."""
    return atomic_write(path, lambda tmp: df.to_csv(tmp, index=False))


def jsonable(o: Any) -> Any:
    """``json.dump``'s ``default``: numpy scalars and arrays as numbers and lists, the rest as text."""
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def write_json(obj: Any, path: str) -> str:
    """Write ``obj`` as indented JSON atomically (numpy values converted by :func:`jsonable`)."""
    return atomic_write_text(path, json.dumps(obj, indent=1, default=jsonable))


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, path: str, dpi: int = 100) -> str:
    """Save a figure as PNG atomically and close it."""
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=dpi, bbox_inches="tight", format="png"))
    pyplot().close(fig)
    return path
