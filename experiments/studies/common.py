"""Shared pieces of the studies: the mode presets, output paths and figure helpers.

Every study module defines a ``Config`` dataclass (a :class:`StudyConfig`) and
``main(cfg) -> StudyResult``; ``Config.for_mode("tiny" | "quick" | "default")``
gives the sizes of each mode (``tiny`` for the tests, ``quick`` for the gallery,
``default`` for the full study), from the mode table ``Config.MODES``
(:mod:`experiments.modes`). Outputs go to ``<out_dir>/<study>/``: one CSV
per table, one PNG per figure (dpi 100) and ``summary.json`` with the key numbers,
all written atomically.

Resuming: a study runs on the experiment runner (:mod:`experiments.runner`).
Each sweep is a runner run whose points are stored in
``<out_dir>/<study>/units/<sweep>/points/`` (:mod:`experiments.sweep`), and
each other expensive piece (a grid search, a long simulation) is a runner
:class:`~experiments.runner.Task` (a key, the settings it depends on, a
module-level computation) stored as ``units/<key>.json`` by
:meth:`StudyConfig.run_units`, which runs the study's tasks (serially by
default) and then its report step (the tables, figures and summary, rebuilt
every time). A rerun loads what is stored with unchanged settings (a damaged
record is named and recomputed) and computes the rest, so an interrupted study
resumes. ``fresh=True`` (``--fresh``) recomputes everything.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from experiments import runner
from experiments.io import pyplot, save_figure, write_csv, write_json
from experiments.modes import ModeConfig
from inv_gym.dynamics import EV
from inv_gym.envs.streams import draw_paths
from inv_gym.evaluation import simulate
from inv_gym.params import InventoryParams

__all__ = ["StudyConfig", "StudyResult", "plt", "ci_row", "backorder_counts", "backorder_pmf"]


def plt() -> Any:
    """matplotlib.pyplot on the Agg backend."""
    return pyplot()


@dataclass
class StudyConfig(ModeConfig):
    """Fields every study has (and the study modes: :class:`~experiments.modes.ModeConfig`).

    Attributes:
        mode: ``"tiny"`` (tests), ``"quick"`` (the gallery) or ``"default"``.
        out_dir: root of the outputs; the study writes to ``out_dir/<name>/``.
        seed: seed of every random draw (common random numbers across policies).
        n_jobs: local worker processes for the sweeps' points and the study's
            tasks (1: in process, serially; -1: every core).
        progress: show progress bars.
        fresh: recompute every unit instead of loading the stored ones (not
            recorded in ``summary.json``: it does not change the results).
    """

    mode: str = "default"
    out_dir: str = "results"
    seed: int = 0
    n_jobs: int = 1
    progress: bool = False
    fresh: bool = False

    #: study name (the sub-directory of ``out_dir``)
    name: ClassVar[str] = ""
    #: the study modes; each study declares its own sizes
    MODES: ClassVar[dict[str, dict[str, Any]]] = {"tiny": {}, "quick": {}, "default": {}}

    @property
    def directory(self) -> str:
        """``out_dir/<name>``."""
        return os.path.join(self.out_dir, self.name)

    def path(self, filename: str) -> str:
        return os.path.join(self.directory, filename)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "fresh"}

    def sweep_options(self, name: str) -> dict[str, Any]:
        """The :class:`~experiments.sweep.Sweep` fields of the study's sweep ``name``.

        Its points are stored under ``out_dir/<study>/units/<name>/points/``;
        ``fresh``, ``n_jobs`` and ``progress`` are the study's.
        """
        return {
            "out_dir": os.path.join(self.directory, "units", name),
            "fresh": self.fresh,
            "n_jobs": self.n_jobs,
            "progress": self.progress,
        }

    def run_units(
        self, tasks: Sequence[runner.Task], report: Callable[[dict[str, Any]], Any] | None = None
    ) -> runner.RunResult:
        """Run (or resume) the study's ``tasks`` on its store ``out_dir/<study>/units/``, then ``report``.

        The tasks run serially (``n_jobs == 1``, the default) or on local
        processes; each result is stored as soon as it exists. ``report`` is
        called with key -> stored value of every task (the stored value, so a
        fresh run and a resumed run report the same numbers); its return value
        is :attr:`~experiments.runner.RunResult.report`.
        """
        store = runner.Store(os.path.join(self.directory, "units"))
        executor = runner.SerialExecutor() if self.n_jobs == 1 else runner.ProcessExecutor(self.n_jobs)
        return runner.run(
            tasks,
            store,
            executor,
            fresh=self.fresh,
            progress=self.progress,
            report=None if report is None else lambda records: report({r.key: r.value for r in records}),
        )


@dataclass
class StudyResult:
    """What a study returns (and wrote).

    Attributes:
        tables: name -> DataFrame (each written as ``<name>.csv``).
        figures: paths of the PNG files written.
        summary: the key numbers (also written as ``summary.json``).
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def table(self, cfg: StudyConfig, name: str, df: pd.DataFrame) -> pd.DataFrame:
        """Record and write a table."""
        self.tables[name] = df
        write_csv(df, cfg.path(f"{name}.csv"))
        return df

    def figure(self, cfg: StudyConfig, name: str, fig: Any) -> str:
        """Write and record a figure."""
        path = cfg.path(f"{name}.png")
        save_figure(fig, path)
        self.figures.append(path)
        return path

    def finish(self, cfg: StudyConfig) -> StudyResult:
        """Write ``summary.json`` (with the configuration)."""
        write_json(
            {"config": cfg.to_dict(), "summary": self.summary, "figures": self.figures}, cfg.path("summary.json")
        )
        return self


def ci_row(prefix: str, ci: Any) -> dict[str, float]:
    """``{prefix: mean, prefix_lo: low, prefix_hi: high}`` from a MetricCI."""
    return {prefix: ci.mean, f"{prefix}_lo": ci.ci_low, f"{prefix}_hi": ci.ci_high}


def backorder_counts(
    policy: Any, params: InventoryParams, *, seed: int, reps: int, horizon: int, warmup: int
) -> pd.DataFrame:
    """How often each end-of-period backorder level k = 0, 1, ... occurs in the measured periods (a unit's data)."""
    demand, leads = draw_paths(params, seed, reps, horizon + warmup)
    levels: list[np.ndarray] = []

    def grab(t: int, obs: np.ndarray, orders: np.ndarray, events: np.ndarray) -> None:
        if t >= warmup:
            levels.append(events[:, EV["backorders"]].copy())

    simulate(policy, params, demand, leads, warmup=warmup, on_period=grab)
    bo = np.concatenate(levels).astype(int)
    return pd.DataFrame({"backorders": np.arange(bo.max() + 1), "count": np.bincount(bo)})


def backorder_pmf(counts: pd.DataFrame, size: int) -> np.ndarray:
    """P(backorders = k) for k < ``size`` from :func:`backorder_counts`."""
    weights = counts["count"].to_numpy(float)
    return np.bincount(counts["backorders"], weights=weights, minlength=size)[:size] / weights.sum()
