"""Reward per iteration, best-arm share and regret of epsilon-greedy for several epsilons.

For each scenario (an env id and a grid of policy arms) and each epsilon, R
independent epsilon-greedy runs pull arms for N iterations; a pull runs one
episode of the env under the arm's policy and the reward is minus its cost
(per period for the infinite-horizon ``Qr-v0``, per 25-day month for the
finite-horizon ``ConcreteMixers-v0``). The R runs of an epsilon advance in one
batched simulation per iteration (:func:`agents.bandit.run_bandit`), and run r
of every epsilon sees the same demand (common random numbers across epsilons).

Reported per iteration and epsilon (CSV ``curves.csv``, figure
``epsilon_comparison.png``):

* ``reward``: the mean reward of the pulls over runs, with a 95% band
  (Student t over the R runs);
* ``best_share``: the share of runs pulling the best arm;
* ``regret_best``: cumulative pseudo-regret against the best arm,
  sum_i (v* - v(a_i)) with v the arms' true values, computed by
  :func:`inv_gym.evaluation.evaluate` with ``true_reps`` replications of the
  same episode (CSV ``arms.csv``); it never decreases;
* ``regret_opt``: the same against the exact optimum where one is known: on
  ``Qr-v0`` (Poisson(10), h = 1, b = 9, K = 64, L = 0) the Zheng-Federgruen
  (1991) (s, S) = (6, 40) with long-run cost 35.022 per period
  (:func:`inv_gym.analytic.ss.ss_optimal_policy`), and on the concrete-mixer
  month the time-dependent optimum by backward induction (4.9358 per month from
  the initial stock; :func:`inv_gym.analytic.finite_horizon`), both through
  :func:`exact_optimum`. It adds the gap between the grid's best arm and the
  optimum (for (Q,r) arms the best (Q,r) policy; for 365-period episodes from an
  empty store the start-up transient; for the month, what a fixed review period
  T gives up against ordering on the stock seen each day) and so grows linearly
  once the bandit has settled.

Estimates start at 0, above every reward (all rewards are negative costs), so
every epsilon, 0 included, first tries each arm once (an optimistic start);
estimates are sample averages.

Scenarios:

* ``qr_ss``: ``inv_gym/Qr-v0`` (365-period episodes), (s, S) arms s = 0, 3, ..., 12 x
  S = 25, 30, ..., 50 (30 arms, the optimum (6, 40) among them);
* ``qr_rq``: ``inv_gym/Qr-v0`` (365-period episodes), (r, Q) arms r = 0, 3, ..., 12 x
  Q = 20, 25, ..., 45 (30 arms);
* ``concrete_mixers``: ``inv_gym/ConcreteMixers-v0``, periodic review arms
  T = 1..10, order up to S = 11 on the inventory position (on hand plus on
  order: an order never overflows the room for 11; the period is observed, so
  reviews fall on t = 0, T, 2T, ...).

Resuming: the arms' true values and the runs of each epsilon are tasks of the
experiment runner (:mod:`experiments.runner`, :func:`scenario_tasks`), stored
under ``<out>/epsilon_comparison/<scenario>/units/`` (``true_values.npz``,
``epsilon_<eps>.npz``) with the fingerprint of their settings and a checksum.
A rerun loads the records whose settings are unchanged (a damaged one is named
and recomputed) and computes only the missing or changed ones, so an
interrupted run resumes at the epsilon it was computing; the report step
rebuilds the CSVs, summary and figure from the records every time. ``--fresh``
recomputes every task.

Usage::

    inv-gym epsilon-comparison --mode quick            # the figures of docs/bandits.md
    python -m experiments.epsilon_comparison --mode tiny
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from agents.bandit import EpsilonGreedy, PolicyArms, run_bandit
from experiments import runner
from experiments.io import pyplot, save_figure, write_csv, write_json
from experiments.modes import ModeConfig
from inv_gym.evaluation import evaluate
from inv_gym.params import InventoryParams
from inv_gym.presets import preset_params

__all__ = [
    "Config",
    "Scenario",
    "SCENARIOS",
    "ScenarioResult",
    "main",
    "arm_values",
    "true_values",
    "epsilon_runs",
    "scenario_tasks",
    "run_scenario",
]


@dataclass(frozen=True)
class Scenario:
    """One bandit problem: an env, parameter overrides and a grid of policy arms.

    Attributes:
        env_id: registered id.
        family: policy family of the arms (``ss``, ``rq``, ``periodic``, ...).
        grid: grid text (:func:`agents.search.grid_points`).
        overrides: parameter overrides of the env (e.g. the episode length).
        known_optimum: True when :func:`exact_optimum` certifies one (Zheng-Federgruen's
            (s,S) on Qr-v0, backward induction on the concrete-mixer month).
        title: plot title.
    """

    env_id: str
    family: str
    grid: str
    overrides: dict[str, Any] = field(default_factory=dict)
    known_optimum: bool = False
    title: str = ""

    def params(self, horizon: int | None = None) -> InventoryParams:
        over = dict(self.overrides)
        if horizon is not None and not preset_params(self.env_id).finite_horizon:
            over["horizon"] = horizon
        return preset_params(self.env_id, **over)


SCENARIOS: dict[str, Scenario] = {
    "qr_ss": Scenario("inv_gym/Qr-v0", "ss", "s=0:12:3,S=25:50:5", known_optimum=True, title="Qr-v0, (s,S) arms"),
    "qr_rq": Scenario("inv_gym/Qr-v0", "rq", "r=0:12:3,Q=20:45:5", known_optimum=True, title="Qr-v0, (r,Q) arms"),
    "concrete_mixers": Scenario(
        "inv_gym/ConcreteMixers-v0",
        "periodic",
        "T=1:10,S=11,basis=inventory_position",
        known_optimum=True,
        title="ConcreteMixers-v0, review period T = 1..10 (S = 11)",
    ),
}


@dataclass
class Config(ModeConfig):
    """Settings of the epsilon comparison.

    Attributes:
        mode: ``"tiny"`` (the tests: seconds), ``"quick"`` (the docs' figures:
            under 2 minutes) or ``"default"`` (the full study). ``Config.for_mode``
            sets the sizes below.
        scenarios: names of :data:`SCENARIOS` to run.
        epsilons: exploration probabilities compared.
        iterations: pulls per run N.
        runs: independent runs R per epsilon.
        horizon: periods per episode of the infinite-horizon scenarios (Qr-v0);
            finite-horizon models keep their own (the 25-day month).
        true_reps: replications of :func:`inv_gym.evaluation.evaluate` per arm for
            the arms' true values.
        smooth: moving-average window of the plotted reward and best-arm share
            (the CSV holds the raw per-iteration values).
        seed: seed of the demand (run r of every epsilon sees the same demand);
            the bandits' and the evaluator's streams are derived from it.
        out_dir: outputs go to ``out_dir/epsilon_comparison/<scenario>/``.
        progress: print a line per scenario (the command's default).
        fresh: recompute every unit instead of loading the stored ones (not
            recorded in ``summary.json``: it does not change the results).
    """

    mode: str = "default"
    scenarios: tuple[str, ...] = tuple(SCENARIOS)
    epsilons: tuple[float, ...] = (0.0, 0.01, 0.05, 0.1, 0.2, 0.5)
    iterations: int = 500
    runs: int = 200
    horizon: int = 365
    true_reps: int = 4000
    smooth: int = 10
    seed: int = 0
    out_dir: str = "results"
    progress: bool = False
    fresh: bool = False

    #: the modes' sizes (:mod:`experiments.modes`)
    MODES: ClassVar[dict[str, dict[str, Any]]] = {
        "tiny": dict(iterations=12, runs=4, horizon=30, true_reps=20, smooth=1, epsilons=(0.0, 0.1)),
        "quick": dict(iterations=300, runs=100, horizon=365, true_reps=2000, smooth=10),
        "default": {},
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        unknown = [s for s in self.scenarios if s not in SCENARIOS]
        if unknown:
            raise ValueError(f"unknown scenario {unknown[0]!r}; known: {', '.join(SCENARIOS)}")
        if not self.epsilons or any(not 0 <= e <= 1 for e in self.epsilons):
            raise ValueError(f"epsilons must be in [0, 1], got {self.epsilons}")
        for name in ("iterations", "runs", "horizon", "true_reps", "smooth"):
            v = getattr(self, name)
            if isinstance(v, bool) or int(v) != v or v < (2 if name == "true_reps" else 1):
                raise ValueError(f"{name} must be an integer >= {2 if name == 'true_reps' else 1}, got {v!r}")

    def directory(self, scenario: str) -> str:
        return os.path.join(self.out_dir, "epsilon_comparison", scenario)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "fresh"}


@dataclass
class ScenarioResult:
    """What one scenario produced.

    Attributes:
        curves: per (epsilon, iteration) row: reward mean and band, best-arm
            share, cumulative regret (vs the best arm and vs the optimum) with bands.
        arms: per arm: parameters, true value and its 95% CI, pull share per epsilon.
        summary: key numbers per epsilon (final regret, best-arm share over the
            last 10% of iterations, mean reward), the best arm and the optimum.
        files: paths written.
    """

    curves: pd.DataFrame
    arms: pd.DataFrame
    summary: dict[str, Any]
    files: list[str]


# ---------------------------------------------------------------------------
# the study
# ---------------------------------------------------------------------------
def arm_values(
    params: InventoryParams, arms: PolicyArms, *, horizon: int, reps: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """True value (mean reward of one pull) of every arm and its 95% half-width.

    Each arm is evaluated by :func:`inv_gym.evaluation.evaluate` with ``reps``
    replications of the bandit's episode (same horizon, same start), all arms
    on the same draws (one seed). Per period for infinite-horizon models, per
    episode for finite-horizon ones.
    """
    metric = "reward_per_episode" if params.finite_horizon else "reward_per_period"
    means = np.empty(arms.n_arms)
    half = np.empty(arms.n_arms)
    for i in range(arms.n_arms):
        ev = evaluate(arms.policy(i), params, reps=reps, horizon=horizon, seed=seed)
        means[i] = ev[metric].mean
        half[i] = ev[metric].half_width
    return means, half


def epsilon_runs(
    params: InventoryParams, arms: PolicyArms, epsilon: float, *, runs: int, iterations: int, seed: int
) -> dict[str, np.ndarray]:
    """``runs`` epsilon-greedy runs of one epsilon: arrays ``choices`` and ``rewards`` (N, R) and ``picks`` (R,).

    Run r sees demand path r of :func:`agents.bandit.run_bandit` with ``seed``
    (the same for every epsilon); the bandit's own stream is derived from the
    seed and the epsilon's value, so each epsilon is a unit of its own.
    """
    bandit = EpsilonGreedy(
        arms.n_arms, epsilon, initial=0.0, runs=runs, seed=np.random.SeedSequence([seed, 1, round(epsilon * 10**6)])
    )
    res = run_bandit(arms, bandit, params, iterations=iterations, seed=seed, paths=runs)
    return {"choices": res.choices, "rewards": res.rewards, "picks": res.picks()}


def _band(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over axis 1 and its 95% Student-t band."""
    n = x.shape[1]
    m = x.mean(axis=1)
    if n < 2:
        return m, m.copy(), m.copy()
    half = stats.t.ppf(0.975, n - 1) * x.std(axis=1, ddof=1) / math.sqrt(n)
    return m, m - half, m + half


def exact_optimum(params: InventoryParams) -> dict[str, Any] | None:
    """The certified optimum of a scenario's model by :func:`inv_gym.analytic.solve.solve`, or None.

    Returns ``{"method", "policy", "cost_per_period", "value"}`` where ``value`` is
    in the arms' unit (:func:`arm_values`): minus the optimal cost per period
    (infinite horizon) or minus the optimal expected total cost of the episode
    from its initial state (finite horizon, backward induction).

    Zheng & Federgruen (1991) on Qr-v0's defaults: (s, S) = (6, 40), cost 35.022;
    the concrete-mixer month: the time-dependent optimum, 4.9358 per month.

    >>> from inv_gym.presets import preset_params
    >>> opt = exact_optimum(preset_params("inv_gym/ConcreteMixers-v0"))
    >>> opt["method"], round(-opt["value"], 4)
    ('backward_induction', 4.9358)
    """
    from inv_gym.analytic.solve import solve

    sol = solve(params)
    if sol.method is None or not sol.exact:
        return None
    cost = float(sol.average_cost)
    value = -float(sol.details["total_cost"]) if params.finite_horizon else -cost
    return {"method": sol.method, "policy": sol.policy, "cost_per_period": cost, "value": value}


def true_values(
    params: InventoryParams, arms: PolicyArms, *, horizon: int, reps: int, seed: int
) -> dict[str, np.ndarray]:
    """The arms' true values (a unit): :func:`arm_values` as the arrays ``values`` and ``half`` (95% half-widths)."""
    return dict(zip(("values", "half"), arm_values(params, arms, horizon=horizon, reps=reps, seed=seed)))


def scenario_tasks(name: str, cfg: Config) -> list[runner.Task]:
    """The runner tasks of one scenario: the arms' true values, then one task per epsilon.

    Their keys are ``true_values`` and ``epsilon_<eps>``; their settings are the
    model (parameters, arms, episode length) with the replications and seed of
    the true values, or the epsilon, runs, iterations and seed of its runs.
    """
    sc = SCENARIOS[name]
    params = sc.params(cfg.horizon)
    horizon = params.horizon
    arms = PolicyArms(sc.family, sc.grid)
    model = {"params": repr(params), "family": sc.family, "grid": sc.grid, "horizon": horizon}
    tasks = [
        runner.Task(
            "true_values",
            {**model, "reps": cfg.true_reps, "seed": cfg.seed + 1},
            partial(true_values, params, arms, horizon=horizon, reps=cfg.true_reps, seed=cfg.seed + 1),
        )
    ]
    for e in cfg.epsilons:
        settings = {**model, "epsilon": float(e), "runs": cfg.runs, "iterations": cfg.iterations, "seed": cfg.seed}
        compute = partial(epsilon_runs, params, arms, float(e), runs=cfg.runs, iterations=cfg.iterations, seed=cfg.seed)
        tasks.append(runner.Task(f"epsilon_{float(e):g}", settings, compute))
    return tasks


def run_scenario(name: str, cfg: Config) -> ScenarioResult:
    """Run (or resume) one scenario for every epsilon on the runner; write its CSVs, JSON and PNG.

    The tasks (:func:`scenario_tasks`) run serially on the store
    ``<out>/epsilon_comparison/<scenario>/units/``; the report step
    (:func:`_report`) builds the outputs from the stored records.
    """
    store = runner.Store(os.path.join(cfg.directory(name), "units"))
    return runner.run(scenario_tasks(name, cfg), store, fresh=cfg.fresh, report=partial(_report, name, cfg)).report


def _report(name: str, cfg: Config, records: list[runner.Record]) -> ScenarioResult:
    """The report step of a scenario: curves, arms, summary and figure from the records of its tasks."""
    sc = SCENARIOS[name]
    params = sc.params(cfg.horizon)
    horizon = params.horizon
    arms = PolicyArms(sc.family, sc.grid)
    eps = np.asarray(cfg.epsilons, dtype=np.float64)
    e_n = eps.size
    units = {r.key: r for r in records}
    true = units["true_values"].value
    values, half = true["values"], true["half"]
    best = int(values.argmax())
    optimum = exact_optimum(params) if sc.known_optimum else None
    v_opt = optimum["value"] if optimum is not None else math.nan
    runs = [units[f"epsilon_{e:g}"].value for e in eps]
    it = np.arange(1, cfg.iterations + 1)
    rows = []
    summary_eps = []
    pulls_share = {}
    for e in range(e_n):
        ch, rew = runs[e]["choices"], runs[e]["rewards"]  # (N, R)
        gap = values[best] - values[ch]  # (N, R) pseudo-regret per pull
        reg = np.cumsum(gap, axis=0)
        rm, rlo, rhi = _band(rew)
        gm, glo, ghi = _band(reg)
        share = (ch == best).mean(axis=1)
        om = olo = ohi = np.full(cfg.iterations, math.nan)
        if optimum is not None:
            reg_opt = np.cumsum(v_opt - values[ch], axis=0)
            om, olo, ohi = _band(reg_opt)
        rows.append(
            pd.DataFrame(
                {
                    "epsilon": eps[e],
                    "iteration": it,
                    "reward": rm,
                    "reward_lo": rlo,
                    "reward_hi": rhi,
                    "best_share": share,
                    "regret_best": gm,
                    "regret_best_lo": glo,
                    "regret_best_hi": ghi,
                    "regret_opt": om,
                    "regret_opt_lo": olo,
                    "regret_opt_hi": ohi,
                }
            )
        )
        tail = max(1, cfg.iterations // 10)
        summary_eps.append(
            {
                "epsilon": float(eps[e]),
                "mean_reward": float(rew.mean()),
                "final_regret_best": float(gm[-1]),
                "final_regret_best_ci": [float(glo[-1]), float(ghi[-1])],
                "final_regret_opt": None if optimum is None else float(om[-1]),
                "best_share_last_10pct": float(share[-tail:].mean()),
                "runs_picking_best": float((runs[e]["picks"] == best).mean()),
            }
        )
        pulls_share[f"pull_share_eps_{eps[e]:g}"] = np.bincount(ch.ravel(), minlength=arms.n_arms) / ch.size
    curves = pd.concat(rows, ignore_index=True)
    arm_rows = pd.DataFrame([arms.arm(i) for i in range(arms.n_arms)])
    arm_rows["true_value"] = values
    arm_rows["true_value_half_width"] = half
    arm_rows["true_cost"] = -values
    arm_rows["is_best"] = np.arange(arms.n_arms) == best
    for k, v in pulls_share.items():
        arm_rows[k] = v
    directory = cfg.directory(name)
    summary = {
        "scenario": name,
        "env_id": sc.env_id,
        "overrides": {"horizon": horizon} if not params.finite_horizon else {},
        "family": sc.family,
        "grid": sc.grid,
        "n_arms": arms.n_arms,
        "reward": "per_period" if not params.finite_horizon else "per_episode",
        "best_arm": arms.arm(best),
        "best_value": float(values[best]),
        "best_value_half_width": float(half[best]),
        "optimum": optimum,
        "epsilons": summary_eps,
        "seconds": {
            "true_values": units["true_values"].seconds,
            "bandits": sum(units[f"epsilon_{e:g}"].seconds for e in eps),
        },
        "config": cfg.to_dict(),
    }
    files = [
        write_csv(curves, os.path.join(directory, "curves.csv")),
        write_csv(arm_rows, os.path.join(directory, "arms.csv")),
        write_json(summary, os.path.join(directory, "summary.json")),
        save_figure(_figure(curves, sc, summary, cfg), os.path.join(directory, "epsilon_comparison.png")),
    ]
    return ScenarioResult(curves=curves, arms=arm_rows, summary=summary, files=files)


def _smooth(x: np.ndarray, k: int) -> np.ndarray:
    if k <= 1 or x.size < k:
        return x
    c = np.cumsum(np.insert(x, 0, 0.0))
    out = np.empty_like(x)
    out[k - 1 :] = (c[k:] - c[:-k]) / k
    out[: k - 1] = c[1:k] / np.arange(1, k)
    return out


def _figure(curves: pd.DataFrame, sc: Scenario, summary: dict[str, Any], cfg: Config) -> Any:
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    unit = "per period" if summary["reward"] == "per_period" else "per episode (month)"
    k = cfg.smooth
    for e, d in curves.groupby("epsilon", sort=True):
        x = d["iteration"].to_numpy()
        (line,) = axes[0].plot(x, _smooth(d["reward"].to_numpy(), k), lw=1.2, label=f"eps = {e:g}")
        axes[0].fill_between(
            x,
            _smooth(d["reward_lo"].to_numpy(), k),
            _smooth(d["reward_hi"].to_numpy(), k),
            color=line.get_color(),
            alpha=0.15,
            lw=0,
        )
        axes[1].plot(x, _smooth(d["best_share"].to_numpy(), k), lw=1.2, color=line.get_color())
        axes[2].plot(x, d["regret_best"], lw=1.4, color=line.get_color())
        axes[2].fill_between(x, d["regret_best_lo"], d["regret_best_hi"], color=line.get_color(), alpha=0.15, lw=0)
        if summary["optimum"] is not None:
            axes[2].plot(x, d["regret_opt"], lw=1.0, ls="--", color=line.get_color())
    best_cost = -summary["best_value"]
    axes[0].axhline(summary["best_value"], color="k", lw=0.8, ls=":", label=f"best arm ({best_cost:.2f})")
    if summary["optimum"] is not None:
        method = summary["optimum"]["method"].replace("_", " ")
        axes[0].axhline(summary["optimum"]["value"], color="k", lw=0.8, ls="--", label=f"exact optimum ({method})")
    smooth_note = f" (moving average of {k})" if k > 1 else ""
    axes[0].set(xlabel="iteration", ylabel=f"reward {unit}", title=f"reward per iteration{smooth_note}, 95% band")
    axes[1].set(xlabel="iteration", ylabel="share of runs", title=f"pulls of the best arm{smooth_note}", ylim=(0, 1.02))
    reg_title = "cumulative regret vs best arm (solid)"
    if summary["optimum"] is not None:
        reg_title += "\nand vs exact optimum (dashed)"
    axes[2].set(xlabel="iteration", ylabel=f"regret ({unit} x pulls)", title=reg_title)
    axes[0].legend(fontsize=8, loc="lower right")
    best = ", ".join(f"{k_}={v}" for k_, v in summary["best_arm"].items() if k_ not in ("family", "basis"))
    fig.suptitle(f"{sc.title}: best arm {best}; {cfg.runs} runs per epsilon", fontsize=11)
    fig.tight_layout()
    return fig


def main(cfg: Config | None = None) -> dict[str, ScenarioResult]:
    """Run every scenario of ``cfg``; returns ``{scenario: ScenarioResult}``."""
    cfg = cfg or Config()
    out: dict[str, ScenarioResult] = {}
    for name in cfg.scenarios:
        t0 = time.perf_counter()
        out[name] = run_scenario(name, cfg)
        if cfg.progress:
            s = out[name].summary
            print(f"{name}: best arm {s['best_arm']} (value {s['best_value']:.3f}); {time.perf_counter() - t0:.1f} s")
            for row in s["epsilons"]:
                opt = "" if row["final_regret_opt"] is None else f", vs optimum {row['final_regret_opt']:.1f}"
                print(
                    f"  eps {row['epsilon']:<5g} mean reward {row['mean_reward']:9.3f}  best-arm share (last 10%) "
                    f"{row['best_share_last_10pct']:.2f}  regret vs best {row['final_regret_best']:.1f}{opt}"
                )
    return out


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The command-line options (shared by ``inv-gym epsilon-comparison`` and ``python -m``)."""
    p.add_argument(
        "--mode",
        choices=tuple(Config.MODES),
        default="quick",
        help="tiny (seconds), quick (< 2 min, default), default (full)",
    )
    p.add_argument(
        "--scenario", action="append", choices=tuple(SCENARIOS), help="scenario to run (repeatable; default all)"
    )
    p.add_argument("--epsilons", default=None, help="comma-separated epsilons (default 0,0.01,0.05,0.1,0.2,0.5)")
    p.add_argument("--iterations", type=int, default=None, help="pulls per run")
    p.add_argument("--runs", type=int, default=None, help="independent runs per epsilon")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", default="results", help="output root (default results/)")
    p.add_argument("--fresh", action="store_true", help="recompute every unit instead of resuming from the stored ones")


def config_from_args(args: argparse.Namespace) -> Config:
    """The experiment configuration from the parsed command-line arguments."""
    changes: dict[str, Any] = {"seed": args.seed, "out_dir": args.out, "fresh": args.fresh, "progress": True}
    if args.scenario:
        changes["scenarios"] = tuple(args.scenario)
    if args.epsilons:
        try:
            changes["epsilons"] = tuple(float(x) for x in args.epsilons.split(","))
        except ValueError:
            raise ValueError(f"--epsilons must be comma-separated numbers, got {args.epsilons!r}") from None
    if args.iterations is not None:
        changes["iterations"] = args.iterations
    if args.runs is not None:
        changes["runs"] = args.runs
    return Config.for_mode(args.mode, **changes)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(ap)
    main(config_from_args(ap.parse_args()))
