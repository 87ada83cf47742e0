"""The learned-versus-classical benchmark: one table, every model, every kind of agent.

For every instance (a registered id with parameter overrides, or a serial
chain ``inv_gym/Serial-v0`` of the ``serial`` set of :mod:`inv_gym.instances`,
named ``Serial-<name>``: ``Serial-example-6.1``, ``Serial-hdpo-L1-p4``, ...) the
benchmark runs one task per agent row and training seed:

========== ==========================================================================
row        what it is (the module it comes from)
========== ==========================================================================
optimum    the exact optimum where one exists (:func:`exact_solution`): critical
           fractile (``inv_gym.analytic.newsvendor``), the periodic base-stock
           optimum (``inv_gym.analytic.base_stock``), Zheng-Federgruen (s,S)
           (``inv_gym.analytic.ss``), relative value iteration
           (``inv_gym.analytic.dp.solve_dp``, fixed or random lead times) or
           backward induction for finite horizons
           (``inv_gym.analytic.finite_horizon``; cost per period = expected
           total / horizon); on a serial chain the Clark-Scarf optimum
           (``inv_gym.analytic.serial.serial_optimum``: exact cost and echelon
           levels S*), its policy ``agents.serial.EchelonBaseStock`` at S*
heuristic  the best policy of a heuristic family by grid search with common random
           numbers (``agents.search.grid_search``, the best row's spec parsed by
           ``agents.specs.parse_policy``); one row per family of the instance; on
           a serial chain echelon and installation base stock, every stage's
           level within 2 of the optimum's (``agents.serial.serial_grid_search``)
bandit     the pick (most-pulled arm) of an epsilon-greedy bandit over a grid of
           policies of one family (``agents.bandit.run_bandit``); on a serial
           chain over echelon levels S*_m + (-2, 0, 2) (``agents.serial.serial_bandit``)
ppo        stable-baselines3 PPO trained with ``agents.ppo.train``; one task per
           training seed, reported as the mean and 95% CI over seeds; single-stage
           instances only (on a serial chain the native PPO is the PPO row)
native_ppo the torch PPO on the batched kernel (``agents.native_ppo.train``) at the
           :class:`~agents.native_ppo.NativePPOConfig` defaults but the budget
           (``native_ppo_timesteps``) and the seed; one task per training seed,
           reported like ``ppo`` (dual sourcing: one softmax per source; a serial
           chain: trained on its :class:`~inv_gym.serial.params.SerialParams`)
pathwise   the pathwise-gradient learner (``agents.pathwise.train_pathwise``) at the
           :class:`~agents.pathwise.PathwiseConfig` defaults but the budget
           (``pathwise_iterations`` gradient steps; an optional CPU-time limit,
           ``pathwise_time_limit``) and the seed (dual sourcing: two outputs, the regular and the expedited
           order); ``n/a`` where :func:`agents.pathwise.pathwise_unsupported` says why
========== ==========================================================================

A learner that does not cover a serial chain gives an ``n/a`` row with the
reason (:func:`learner_unsupported`); the chain's rows are in :mod:`.serial`.

The learned rows (:data:`LEARNED_ROWS`) run one task per training seed and are
reported as the mean and 95% CI (Student t) over seeds, with each seed's cost.

Every chosen policy is then scored by :func:`inv_gym.evaluation.evaluate` (a
serial chain's by :func:`inv_gym.serial.evaluation.serial_evaluate`, the chain's
kernel) on the same draws (common random numbers: one evaluation seed for all rows).
``cost`` is the cost per period net of revenue (minus the profit in priced
models); the gap is ``(cost - reference) / |reference|`` in %, where the
reference is the optimum's simulated cost on the same draws (or, without an
optimum, the best classical row's).

Execution (:mod:`experiments.runner`): each task is a runner task keyed by
its key and fingerprinted by the settings its result depends on; its record is
``<out>/tasks/<key>.json`` in the runner's store, written atomically as soon
as the task finishes and validated on load (a bad record is recomputed with a
warning naming the file). A rerun with the same settings skips finished tasks;
a task that raises is recorded with its error (status ``error``), the others go
on, and the next run retries it. Tasks run in loky processes (``n_jobs``; they
stop within a second of their parent's death) or on a Dask cluster
(``backend="dask"``, ``scheduler="tcp://HOST:PORT"``) with the same code.

The package's modules, one concern each: :mod:`.instances` (the instances and
grids), :mod:`.config` (:class:`BenchmarkConfig`, ``--quick``, ``--full``),
:mod:`.tasks` (tasks, their settings and result schema), :mod:`.rows` (one
function per row type; a serial chain's in :mod:`.serial`), :mod:`.execution` (the runner) and :mod:`.report`
(tables and plots).

Outputs in ``<out>``: ``results.csv`` (one row per task), ``table.csv`` and
``table.md`` (one row per instance and agent), ``gap.png`` (gap per instance
and agent) and ``curves/<instance>.png`` (PPO learning curves against the
baselines' costs).
"""

from __future__ import annotations

from experiments.benchmark import config, execution, instances, report, rows, serial, tasks
from experiments.benchmark.config import *  # noqa: F403
from experiments.benchmark.execution import *  # noqa: F403
from experiments.benchmark.execution import _run_one  # the worker entry point of earlier versions (pickled calls)
from experiments.benchmark.instances import *  # noqa: F403
from experiments.benchmark.report import *  # noqa: F403
from experiments.benchmark.report import _t_ci  # the Student-t interval over seeds (tests)
from experiments.benchmark.rows import *  # noqa: F403
from experiments.benchmark.serial import *  # noqa: F403
from experiments.benchmark.tasks import *  # noqa: F403

#: every public name of the submodules, importable from the package as before the split
__all__ = [
    *instances.__all__,
    *config.__all__,
    *tasks.__all__,
    *rows.__all__,
    *serial.__all__,
    *execution.__all__,
    *report.__all__,
]
__all__ += ["_run_one", "_t_ci"]
