"""The benchmark's settings: :class:`BenchmarkConfig` and its modes, ``--quick`` and ``--full``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from experiments.benchmark.instances import (
    FULL_SERIAL_INSTANCES,
    INSTANCES,
    QUICK_PATHWISE_INSTANCES,
    QUICK_SERIAL_INSTANCES,
    suite_instances,
    zipkin_instances,
)
from experiments.modes import ModeConfig

__all__ = ["ROW_TYPES", "LEARNED_ROWS", "BenchmarkConfig"]

#: Every row type, in the table's order (one function each in ``rows.ROW_FUNCTIONS``).
ROW_TYPES: tuple[str, ...] = ("optimum", "heuristic", "bandit", "ppo", "native_ppo", "pathwise")

#: Row types trained per seed and reported as the mean and 95% CI over seeds.
LEARNED_ROWS: tuple[str, ...] = ("ppo", "native_ppo", "pathwise")


@dataclass
class BenchmarkConfig(ModeConfig):
    """Settings of one benchmark run.

    ``BenchmarkConfig.for_mode("quick" | "full", **changes)`` is the
    configuration of ``--quick`` or ``--full`` (:mod:`experiments.modes`):

    * ``quick``: every registered id at its preset and one serial chain
      (:data:`QUICK_SERIAL_INSTANCES`: ``Serial-example-6.1``), one seed of each learner.
      SB3 PPO 200,000 steps (not on the serial chain: the native PPO is its PPO row) (200,000 rather than 80,000: with the random starting
      stock of the backorder models, 80,000 steps left BaseStock-v0 8% above the
      optimum); native PPO 1,000,000 steps on every id (300,000 left
      StochasticLeadTime-v0 20% above the optimum, 1,000,000 0.1%); the pathwise
      learner 700 gradient steps on :data:`QUICK_PATHWISE_INSTANCES` (on every listed
      instance when ``instances`` is given). It must finish within 10 minutes on
      2 cores; the measured wall time is in docs/benchmark.md ("Quick run").
    * ``full``: the suite plus Zipkin's whole grid and five serial chains
      (:data:`FULL_SERIAL_INSTANCES`: Example 6.1 and the HDPO diagonal ``Serial-hdpo-L1-p4``,
      ``-L2-p9``, ``-L3-p19``, ``-L4-p39``). SB3 PPO 3 seeds x 300,000
      steps on the suite's ids (about 5,000 training steps/s per core;
      ``ppo_timesteps``, ``--timesteps``, for more; on Zipkin's grid the native
      PPO, 15x faster, is the PPO row: ``ppo_instances``; so it is on the serial chains),
      native PPO 3 seeds x
      1,000,000 steps on every instance, the pathwise learner one seed x 1,500
      gradient steps on every instance it covers (about 120 CPU seconds on the
      Zipkin grid), plus the searches, DP solves and bandits.
    * ``default``: the dataclass defaults (the quick sizes, with a pathwise row
      on every instance of the run).

    Attributes:
        mode: ``"quick"``, ``"full"`` or ``"default"``; the mode's sizes come from
            :meth:`for_mode`, and the field itself changes no result.
        instances: instance names (keys of :data:`INSTANCES`).
        agents: row types, a subset of ``optimum``, ``heuristic``, ``bandit``, ``ppo``,
            ``native_ppo``, ``pathwise``.
        seeds: training seeds (0 .. seeds - 1) of the ``ppo`` and ``native_ppo`` rows.
        ppo_timesteps: PPO budget per seed.
        ppo_kwargs: extra :func:`agents.ppo.train` keywords.
        curve_points: learning-curve evaluations per PPO run.
        native_ppo_timesteps: native PPO budget per seed (env steps, rounded up to
            whole iterations); every other setting is a ``NativePPOConfig`` default.
        pathwise_iterations: gradient steps per pathwise task: the budget, which
            makes the row reproducible from its seed.
        pathwise_time_limit: optional CPU seconds per pathwise task (``clock="cpu"``,
            so a shared machine does not shrink it) that end training before
            ``pathwise_iterations``; None (default) for none. A time limit that
            binds makes the row depend on the machine's speed.
        pathwise_seeds: pathwise training seeds (0 .. pathwise_seeds - 1).
        pathwise_instances: instances that get a pathwise row (None: every instance
            of the run); it selects tasks and is not part of any task's fingerprint.
        ppo_instances: instances that get (stable-baselines3) ``ppo`` rows (None: every
            single-stage instance of the run; SB3 PPO never runs on a serial chain); selects
            tasks like ``pathwise_instances``.
        eval_reps, eval_horizon, eval_warmup, eval_seed: the final evaluation
            of every row (infinite-horizon models; finite-horizon ones use their horizon).
        search_reps, search_horizon, search_seed: the grid search's evaluation (a serial
            chain's too: every stage within :data:`~experiments.benchmark.instances.SERIAL_SEARCH_RADIUS` of the optimum's level).
        bandit_iterations, bandit_epsilon, bandit_horizon: the bandit's run (a serial chain's
            arms: echelon levels around the optimum's, :data:`~experiments.benchmark.instances.SERIAL_BANDIT_OFFSETS`).
        out: output directory.
        backend: ``local`` (joblib processes) or ``dask``.
        scheduler: Dask scheduler address (``tcp://HOST:PORT``) or a ``distributed.Client``.
        n_jobs: joblib workers (-1: every core).
        label: the command that made the run (written into the Markdown table).
    """

    mode: str = "default"
    instances: tuple[str, ...] = tuple(suite_instances())
    agents: tuple[str, ...] = ("optimum", "heuristic", "bandit", "ppo", "native_ppo", "pathwise")
    seeds: int = 1
    ppo_timesteps: int = 200_000
    ppo_kwargs: dict[str, Any] = field(default_factory=dict)
    curve_points: int = 8
    native_ppo_timesteps: int = 1_000_000
    pathwise_iterations: int = 700
    pathwise_time_limit: float | None = None
    pathwise_seeds: int = 1
    pathwise_instances: tuple[str, ...] | None = None
    ppo_instances: tuple[str, ...] | None = None
    eval_reps: int = 100
    eval_horizon: int = 1000
    eval_warmup: int = 100
    eval_seed: int = 2024
    search_reps: int = 40
    search_horizon: int = 500
    search_seed: int = 7
    bandit_iterations: int = 300
    bandit_epsilon: float = 0.1
    bandit_horizon: int = 200
    out: str = "results/benchmark"
    backend: str = "local"
    scheduler: Any = None
    n_jobs: int = -1
    label: str = ""

    #: the modes (:mod:`experiments.modes`): ``--quick`` and ``--full``
    MODES: ClassVar[dict[str, dict[str, Any]]] = {
        "quick": dict(
            instances=tuple(suite_instances()) + QUICK_SERIAL_INSTANCES, pathwise_instances=QUICK_PATHWISE_INSTANCES
        ),
        "full": dict(
            instances=tuple(suite_instances()) + tuple(zipkin_instances()) + FULL_SERIAL_INSTANCES,
            ppo_instances=tuple(suite_instances()),
            seeds=3,
            ppo_timesteps=300_000,
            native_ppo_timesteps=1_000_000,
            pathwise_iterations=1500,
            eval_reps=200,
            eval_horizon=2000,
            search_reps=100,
            search_horizon=1000,
            bandit_iterations=1000,
            curve_points=10,
        ),
        "default": {},
    }
    #: the quick mode's pathwise instances are among the suite's: named ``instances`` each get a pathwise row
    MODE_DEPENDS: ClassVar[dict[str, str]] = {"pathwise_instances": "instances"}

    def __post_init__(self) -> None:
        super().__post_init__()
        for name in ("instances", "pathwise_instances", "ppo_instances"):
            unknown = [i for i in getattr(self, name) or () if i not in INSTANCES]
            if unknown:
                raise ValueError(f"{name}: unknown instance(s) {unknown}; known: {', '.join(INSTANCES)}")
        chains = [i for i in self.ppo_instances or () if INSTANCES[i].serial]
        if chains:
            raise ValueError(
                f"ppo_instances: stable-baselines3 PPO does not run on serial chains {chains} "
                "(the native PPO is their PPO row)"
            )
        bad = [a for a in self.agents if a not in ROW_TYPES]
        if bad:
            raise ValueError(f"unknown agent row(s) {bad}; allowed: {', '.join(ROW_TYPES)}")
        if self.backend not in ("local", "dask"):
            raise ValueError(f"backend must be 'local' or 'dask', got {self.backend!r}")
        if self.backend == "dask" and self.scheduler is None:
            raise ValueError("backend 'dask' needs a scheduler address (--scheduler tcp://HOST:PORT)")
        for name in ("seeds", "pathwise_seeds", "ppo_timesteps", "native_ppo_timesteps", "pathwise_iterations"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.pathwise_time_limit is not None and not float(self.pathwise_time_limit) > 0:
            raise ValueError(f"pathwise_time_limit must be > 0 CPU seconds or None, got {self.pathwise_time_limit}")
        if self.pathwise_instances is not None:
            self.pathwise_instances = tuple(self.pathwise_instances)
        if self.ppo_instances is not None:
            self.ppo_instances = tuple(self.ppo_instances)
        self.instances = tuple(self.instances)
        self.agents = tuple(self.agents)

    def task_settings(self) -> dict[str, Any]:
        """The settings a task's result depends on (its fingerprint)."""
        d = asdict(self)
        for k in (
            "mode",
            "instances",
            "out",
            "backend",
            "scheduler",
            "n_jobs",
            "label",
            "seeds",
            "agents",
            "pathwise_seeds",
            "pathwise_instances",
            "ppo_instances",
        ):
            d.pop(k, None)
        return d
