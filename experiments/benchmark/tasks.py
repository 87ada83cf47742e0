"""The benchmark's tasks: one per instance, row and seed; the settings each result depends on; its schema.

A task's settings (the input of its fingerprint, :func:`task_settings`) are the
task, the instance and the configuration fields its row reads (``eval_*`` and
the row's own prefix), plus the learners' defaults (a changed default reruns
that learner's tasks only). They are the same settings, hashed the same way, as
before the benchmark ran on :mod:`experiments.runner`, so the task files
written then still resume.

Example:
    >>> t = Task("Zipkin-L1-p4", "heuristic", 0, "base_stock")
    >>> t.key, t.row
    ('Zipkin-L1-p4__heuristic-base_stock__s0', 'heuristic:base_stock')
"""

from __future__ import annotations

import typing
from dataclasses import asdict, dataclass
from typing import Any

from experiments.benchmark.config import BenchmarkConfig
from experiments.benchmark.instances import (
    BANDIT_ARMS,
    HEURISTICS,
    INSTANCES,
    PPO_TIMESTEPS_CAP,
    SERIAL_BANDIT_OFFSETS,
    SERIAL_BANDIT_WARMUP,
    SERIAL_HEURISTICS,
    SERIAL_SEARCH_RADIUS,
)
from experiments.runner.schema import problem
from experiments.runner.task import fingerprint as settings_fingerprint

__all__ = [
    "Task",
    "make_tasks",
    "heuristic_families",
    "ppo_timesteps",
    "native_ppo_config",
    "pathwise_config",
    "task_settings",
    "learner_unsupported",
    "fingerprint",
    "check_result",
    "STATUSES",
]

#: A result's status: ``ok`` (scored), ``n/a`` (the row does not apply, the reason in ``method``)
#: or ``error`` (recorded with its message; the next run retries it).
STATUSES: tuple[str, ...] = ("ok", "n/a", "error")


@dataclass(frozen=True)
class Task:
    """One unit of work: an instance, a row (``agent``, ``family`` for heuristics) and a seed."""

    instance: str
    agent: str
    seed: int = 0
    family: str = ""

    @property
    def key(self) -> str:
        fam = f"-{self.family}" if self.family else ""
        return f"{self.instance}__{self.agent}{fam}__s{self.seed}"

    @property
    def row(self) -> str:
        """The table row's name (``heuristic:ss``, ``ppo``, ...)."""
        return f"{self.agent}:{self.family}" if self.family else self.agent


def heuristic_families(name: str) -> tuple[str, ...]:
    """The heuristic families searched on an instance (one ``heuristic`` row each)."""
    inst = INSTANCES[name]
    if inst.serial:
        return SERIAL_HEURISTICS
    return tuple(fam for fam, _ in HEURISTICS.get(inst.env_id, ()))


def make_tasks(cfg: BenchmarkConfig) -> list[Task]:
    """Every task of a run (the learners first, longest first: pathwise, ppo, native_ppo).

    SB3 PPO (``ppo``) runs on single-stage instances only: on a serial chain the
    native PPO is the PPO row.
    """
    tasks: list[Task] = []
    # (row, the instances that get it (None: all), its seeds, whether it runs on serial chains)
    learners = (
        ("pathwise", cfg.pathwise_instances, cfg.pathwise_seeds, True),
        ("ppo", cfg.ppo_instances, cfg.seeds, False),
        ("native_ppo", None, cfg.seeds, True),
    )
    for agent, chosen, seeds, chains in learners:
        if agent in cfg.agents:
            names = [
                n for n in cfg.instances if (chosen is None or n in chosen) and (chains or not INSTANCES[n].serial)
            ]
            tasks += [Task(n, agent, s) for n in names for s in range(seeds)]
    for name in cfg.instances:
        inst = INSTANCES[name]
        if "optimum" in cfg.agents:
            tasks.append(Task(name, "optimum"))
        if "heuristic" in cfg.agents:
            tasks += [Task(name, "heuristic", 0, fam) for fam in heuristic_families(name)]
        if "bandit" in cfg.agents and (inst.env_id in BANDIT_ARMS or inst.serial):
            tasks.append(Task(name, "bandit", 0))
    return tasks


def ppo_timesteps(env_id: str, cfg: BenchmarkConfig) -> int:
    """The PPO budget of an id: ``cfg.ppo_timesteps``, capped by :data:`PPO_TIMESTEPS_CAP`."""
    return min(int(cfg.ppo_timesteps), PPO_TIMESTEPS_CAP.get(env_id, int(cfg.ppo_timesteps)))


def native_ppo_config(task: Task, cfg: BenchmarkConfig) -> Any:
    """The native PPO settings of a task: ``NativePPOConfig`` defaults, the run's budget, the task's seed."""
    from agents.native_ppo import NativePPOConfig

    return NativePPOConfig(timesteps=int(cfg.native_ppo_timesteps), seed=task.seed)


def pathwise_config(task: Task, cfg: BenchmarkConfig) -> Any:
    """The pathwise settings of a task: ``PathwiseConfig`` defaults, the budget (and any CPU-time limit), the seed."""
    from agents.pathwise import PathwiseConfig

    limit = cfg.pathwise_time_limit
    return PathwiseConfig(
        iterations=int(cfg.pathwise_iterations),
        time_limit=None if limit is None else float(limit),
        clock="cpu",
        seed=task.seed,
    )


_ROW_SETTINGS = {
    "optimum": (),
    "heuristic": ("search_",),
    "bandit": ("bandit_",),
    "ppo": ("ppo_", "curve_"),
    "native_ppo": ("native_ppo_",),
    "pathwise": ("pathwise_",),
}


def task_settings(task: Task, cfg: BenchmarkConfig) -> dict[str, Any]:
    """What the result of ``task`` depends on: ``{"task", "instance", "settings"}`` (its fingerprint's input).

    ``settings`` holds the ``eval_*`` fields and those of the row's prefix; a
    learned row adds its learner's defaults (PPO: the per-id training defaults
    and the capped budget; native PPO: its whole config and default action;
    pathwise: its whole config), so changing a default reruns that learner's
    tasks instead of reusing a stale one.
    """
    inst = INSTANCES[task.instance]
    prefixes = ("eval_",) + _ROW_SETTINGS.get(task.agent, ())
    settings = {k: v for k, v in cfg.task_settings().items() if k.startswith(prefixes)}
    if inst.serial:
        settings.update(_serial_settings(task, inst.params()))
    if task.agent == "ppo":
        from agents.ppo import ALGO_DEFAULTS, ENV_DEFAULTS

        settings["ppo_defaults"] = {"algo": ALGO_DEFAULTS["ppo"], "env": ENV_DEFAULTS.get(inst.env_id, {})}
        settings["ppo_steps"] = ppo_timesteps(inst.env_id, cfg)
    elif task.agent == "native_ppo":
        from agents.native_ppo import default_action

        settings["native_ppo_config"] = asdict(native_ppo_config(task, cfg))
        if settings.get("unsupported") is None:
            settings["native_ppo_action"] = default_action(inst.params())
    elif task.agent == "pathwise":
        settings["pathwise_config"] = pathwise_config(task, cfg).to_dict()
    return {"task": asdict(task), "instance": asdict(inst), "settings": settings}


def _serial_settings(task: Task, params: Any) -> dict[str, Any]:
    """What a serial chain's task adds to its settings: the search radius, the bandit's offsets, and
    whether its learner covers chains (a learner that gains them then reruns its ``n/a`` tasks)."""
    if task.agent == "heuristic":
        return {"serial_search_radius": SERIAL_SEARCH_RADIUS}
    if task.agent == "bandit":
        return {"serial_bandit": {"offsets": list(SERIAL_BANDIT_OFFSETS), "warmup": SERIAL_BANDIT_WARMUP}}
    if task.agent in ("native_ppo", "pathwise"):
        return {"unsupported": learner_unsupported(task.agent, params)}
    return {}


def learner_unsupported(agent: str, params: Any) -> str | None:
    """Why a learner row (``native_ppo``, ``pathwise``) cannot train on a model (None: it can).

    The pathwise learner says so itself (:func:`agents.pathwise.pathwise_unsupported`);
    the native PPO covers the parameter types its ``train`` declares for ``env``.
    """
    if agent == "pathwise":
        from agents.pathwise import pathwise_unsupported

        return pathwise_unsupported(params)
    if agent != "native_ppo":
        raise ValueError(f"agent must be 'native_ppo' or 'pathwise', got {agent!r}")
    import agents.native_ppo as native_ppo

    declared = typing.get_args(typing.get_type_hints(native_ppo.train)["env"])
    accepted = tuple(t for t in declared if isinstance(t, type) and t is not str)
    if isinstance(params, accepted):
        return None
    names = " or ".join(t.__name__ for t in accepted)
    return f"the native PPO (agents.native_ppo.train) trains on {names}, not on {type(params).__name__}"


def fingerprint(task: Task, cfg: BenchmarkConfig) -> str:
    """The fingerprint of :func:`task_settings` (:func:`experiments.runner.fingerprint`)."""
    return settings_fingerprint(task_settings(task, cfg))


def check_result(value: Any, task: dict[str, Any] | None = None) -> str | None:
    """What is wrong with a task's result (None: nothing); ``task``: the ``asdict`` of the task it must be for.

    Every result has ``status`` (one of :data:`STATUSES`), ``key``, ``row``,
    ``task`` and a finite ``wall_time``; an ``ok`` one a finite ``cost`` and
    ``fill_rate``, CI bounds that are numbers (not NaN) and, when present, an
    integer ``train_steps`` and numbers for ``exact_cost`` and ``literature_cost``;
    an ``n/a`` one its reason in ``method``; an ``error`` one its ``error`` text.
    """
    found = problem(value, status="str", key="str", row="str", task="dict", wall_time="finite")
    if found:
        return found
    found = problem(value["task"], instance="str", agent="str", seed="int", family="str")
    if found:
        return f"task: {found}"
    if task is not None and value["task"] != task:
        return f"task is {value['task']}, not {task}"
    status = value["status"]
    if status == "n/a":
        return problem(value, method="str")
    if status == "error":
        return problem(value, error="str")
    if status != "ok":
        return f"status must be one of {', '.join(STATUSES)}, got {status!r:.40}"
    found = problem(value, cost="finite", cost_ci_low="number", cost_ci_high="number", fill_rate="finite")
    if found:
        return found
    optional = {"train_steps": "int", "exact_cost": "number", "literature_cost": "number"}
    return problem(value, **{k: kind for k, kind in optional.items() if value.get(k) is not None})
