"""The concrete-mixer store: which review period T minimises the monthly cost?

The store (``inv_gym/ConcreteMixers-v0``) has room for 11 mixers and starts the
month full; daily demand is 0..4 (probabilities .10/.25/.35/.21/.09) and lost
when there is no stock (0.5 per mixer); an order costs 1 and arrives after 0, 1
or 2 days (.6/.3/.1). The policy reviews every T days and orders up to 11:
``PeriodicReview(T, S=11)`` on the inventory position (on hand plus on order),
so an order never overflows the room for 11.

The study answers the question with exact values, checked by simulation:

1. **Exact values** of every T = 1..10 on the chain of the DP
   (:mod:`inv_gym.analytic.finite_horizon`): the expected cost of the 25-day
   month by forward propagation of the state distribution (also without the
   last-period order, and with the spreadsheet's evening-of-day-25 order), the
   days per month that end with no stock and the demand on those days (the
   spreadsheet's count), and the long-run cost per 25 days
   (:func:`inv_gym.analytic.dp.evaluate_policy_dp` with the review period as
   the policy's cycle). Beside them **the certified optimum**: the optimal
   time-dependent policy of the month by backward induction and the long-run
   optimum by relative value iteration, so every T has its exact gap.
2. **Exhaustive simulation** as the check: every T evaluated by
   :func:`inv_gym.evaluation.evaluate` with ``reps`` replications on common
   demand (95% CI); columns ``*_in_ci`` say whether the exact value lies in
   the simulation's interval.
3. **The bandit's pick**: epsilon-greedy, UCB1 and Thompson sampling over the
   ten arms (one month per pull, reward minus the month's cost), ``runs``
   independent runs; the pick of a run is its most-pulled arm.
4. **Long-run cost per 25-day month**, simulated: the infinite-horizon variant
   (``finite_horizon=False``, one long horizon after a warm-up; the policy
   counts days itself), cost per period x 25.

The order at the end of the month
---------------------------------
The suite's period convention (DESIGN.md): at the start of day t (0-based,
t = 0..24 for days 1..25) orders due are received, then the store orders, then
the day's demand comes. "Evening of day d" is the start of day d + 1, so an
order on the evening of day d is the suite's order at t = d; reviews fall on
t = 0, T, 2T, ... (t = 0 orders nothing: the store starts full).

* The spreadsheet version of this study also charges the order placed on the
  evening of day 25 (the suite's t = 25, when T divides 25: T = 1 and T = 5),
  which arrives after the month. The suite's month has no period t = 25, so it
  neither places nor charges that order (column ``spreadsheet`` adds it back:
  the cost of the month plus 1 for that order, simulated on the same demand).
* The suite's last order of the month is at t = 24 (the evening of day 24,
  when T divides 24: T = 1, 2, 3, 4, 6, 8). With lead time 0 (probability .6)
  it arrives before day 25's demand and can save lost sales; with lead time
  >= 1 it arrives after the month: the finite-horizon episode charges its
  ordering cost but it never delivers. Column ``no_last_order`` measures the
  same policies without ordering in the last period (t = 24).

Resuming: each (T, variant) -- the month with the spreadsheet's extra order,
the month without the last order, the long run -- and each bandit is a task of
the experiment runner (:mod:`experiments.runner`, :func:`tasks`) stored under
``<out>/concrete_mixers/units/`` with the fingerprint of its settings and a
checksum. A rerun loads the records whose settings are unchanged (a damaged one
is named and recomputed) and computes only the missing or changed ones, so an
interrupted run resumes; the report step rebuilds the table, summary and figure
from the records every time. ``--fresh`` recomputes every task.

Usage::

    inv-gym concrete-mixers --mode quick
    python -m experiments.concrete_mixers --mode tiny --out /tmp/results
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from agents.bandit import UCB1, EpsilonGreedy, PolicyArms, ThompsonSampling, run_bandit
from agents.base import BasePolicy
from agents.heuristics import PeriodicReview
from experiments import runner
from experiments.io import pyplot, save_figure, write_csv, write_json
from experiments.modes import ModeConfig
from inv_gym.analytic.dp import evaluate_policy_dp, solve_dp
from inv_gym.analytic.finite_horizon import evaluate_policy_finite_horizon, solve_finite_horizon
from inv_gym.dynamics import EV
from inv_gym.envs.streams import draw_paths
from inv_gym.evaluation import MetricCI, evaluate, mean_ci, simulate
from inv_gym.params import InventoryParams
from inv_gym.presets import preset_params

__all__ = ["tasks", "MonthDraws", "Config", "Result", "main", "NoLastPeriodOrder", "ENV_ID", "DAYS_PER_MONTH"]

ENV_ID = "inv_gym/ConcreteMixers-v0"
DAYS_PER_MONTH = 25


class NoLastPeriodOrder(BasePolicy):
    """Wrap a policy so that it orders nothing in the episode's last period.

    Args:
        policy: the wrapped policy (bound with this one).
        params: optional parameters to bind.
    """

    family = "no_last_order"

    def __init__(self, policy: BasePolicy, *, params: InventoryParams | None = None) -> None:
        self.policy = policy
        super().__init__(params)

    def _check(self, params: InventoryParams) -> None:
        self.policy = self.policy.bind(params)

    def reset(self, n: int) -> None:
        super().reset(n)
        self.policy.reset(n)

    def act(self, obs: np.ndarray) -> np.ndarray:
        params, _ = self._require()
        obs = np.asarray(obs, dtype=np.float32)
        if obs.ndim == 1:
            obs = obs[None, :]
        t = self.periods(obs).copy()
        q = self.policy.act(obs)
        self._advance()
        return np.where(t >= params.horizon - 1, 0.0, q)

    def describe(self) -> dict[str, Any]:
        return {**self.policy.describe(), "last_period_order": False}


@dataclass
class Config(ModeConfig):
    """Settings of the concrete-mixer study.

    Attributes:
        mode: ``"tiny"`` (the tests), ``"quick"`` (the docs) or ``"default"``.
        review_periods: the review periods T compared.
        order_up_to: S (the room for 11 mixers).
        basis: ``"inventory_position"`` (on hand plus on order) or ``"on_hand"``.
        reps: replications of the 25-day month per T (exhaustive simulation).
        long_run_months: measured months of the infinite-horizon variant.
        warmup_months: months simulated first and not measured.
        long_run_reps: replications of the infinite-horizon variant.
        bandit_iterations: months each bandit run pulls.
        bandit_runs: independent runs per bandit.
        epsilon: epsilon of the epsilon-greedy bandit.
        seed: seed of every draw (common demand across T and conventions).
        out_dir: outputs go to ``out_dir/concrete_mixers/``.
        progress: print the table (the command's default).
        fresh: recompute every unit instead of loading the stored ones (not
            recorded in ``summary.json``: it does not change the results).
    """

    mode: str = "default"
    review_periods: tuple[int, ...] = tuple(range(1, 11))
    order_up_to: float = 11.0
    basis: str = "inventory_position"
    reps: int = 40_000
    long_run_months: int = 4_000
    warmup_months: int = 4
    long_run_reps: int = 40
    bandit_iterations: int = 500
    bandit_runs: int = 200
    epsilon: float = 0.1
    seed: int = 0
    out_dir: str = "results"
    progress: bool = False
    fresh: bool = False

    #: the modes' sizes (:mod:`experiments.modes`)
    MODES: ClassVar[dict[str, dict[str, Any]]] = {
        "tiny": dict(reps=200, long_run_months=40, long_run_reps=4, bandit_iterations=20, bandit_runs=4),
        "quick": dict(reps=20_000, long_run_months=2_000, long_run_reps=20, bandit_iterations=500, bandit_runs=200),
        "default": {},
    }

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.review_periods or any(int(t) != t or t < 1 for t in self.review_periods):
            raise ValueError(f"review_periods must be integers >= 1, got {self.review_periods}")
        for name in ("reps", "long_run_months", "long_run_reps", "bandit_iterations", "bandit_runs"):
            v = getattr(self, name)
            if isinstance(v, bool) or int(v) != v or v < 2:
                raise ValueError(f"{name} must be an integer >= 2, got {v!r}")
        if not 0 <= self.epsilon <= 1:
            raise ValueError(f"epsilon must be in [0, 1], got {self.epsilon}")

    @property
    def directory(self) -> str:
        return os.path.join(self.out_dir, "concrete_mixers")

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if k != "fresh"}


@dataclass
class Result:
    """What the study produced.

    Attributes:
        table: one row per T: monthly cost (suite convention), without the
            last-period order, with the spreadsheet's evening-of-day-25 order, and
            the long-run cost per 25-day month, each with a 95% CI; orders and
            lost sales per month.
        bandits: one row per (algorithm, T): pull share and runs picking T.
        summary: the best T under each convention, the bandits' picks.
        files: paths written.
    """

    table: pd.DataFrame
    bandits: pd.DataFrame
    summary: dict[str, Any]
    files: list[str]


def _ci(prefix: str, ci: MetricCI, scale: float = 1.0) -> dict[str, float]:
    return {prefix: ci.mean * scale, f"{prefix}_lo": ci.ci_low * scale, f"{prefix}_hi": ci.ci_high * scale}


def _spreadsheet_costs(
    policy: BasePolicy, params: InventoryParams, demand: np.ndarray, lead: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(cost of days 1..25, plus the evening-of-day-25 order's cost) per replication.

    Runs the month plus one day on the same draws and charges, on top of the
    month's cost, the ordering cost of the order placed at t = 25 (the evening
    of day 25), as the spreadsheet does; day 26's demand is not counted.
    """
    p26 = params.replace(horizon=params.horizon + 1)
    n = demand.shape[0]
    month = np.zeros(n)
    extra = np.zeros(n)
    last = params.horizon

    def on_period(t: int, obs: np.ndarray, orders: np.ndarray, events: np.ndarray) -> None:
        if t < last:
            month[:] += events[:, EV["cost"]]
        else:
            extra[:] = events[:, EV["ordering_cost"]]

    simulate(policy, p26, demand, lead, on_period=on_period)
    return month, month + extra


VARIANTS = ("month", "no_last_order", "long_run")


def evaluate_variant(variant: str, T: int, cfg: Config, draws: Any) -> dict[str, float]:
    """One unit of the table: the columns of review period ``T`` under one variant.

    ``month``: the 25-day month (suite convention) with orders and lost sales per
    month, and the spreadsheet's month plus the evening-of-day-25 order on the
    same draws; ``no_last_order``: the month without an order at t = 24;
    ``long_run``: the infinite-horizon cost per 25 days. ``draws()`` returns the
    common (reps, 26) demand and lead times of the month plus one day.
    """
    params = preset_params(ENV_ID)
    days = params.horizon
    pol = PeriodicReview(T, cfg.order_up_to, basis=cfg.basis)
    if variant == "long_run":
        ev_long = evaluate(
            pol,
            params.replace(finite_horizon=False, horizon=DAYS_PER_MONTH * cfg.long_run_months),
            reps=cfg.long_run_reps,
            horizon=DAYS_PER_MONTH * cfg.long_run_months,
            warmup=DAYS_PER_MONTH * cfg.warmup_months,
            seed=cfg.seed + 1,
        )
        return {
            **_ci("long_run_month", ev_long["cost_per_period"], DAYS_PER_MONTH),
            "long_run_orders_per_month": ev_long["orders_placed"].mean * DAYS_PER_MONTH,
        }
    demand26, lead26 = draws()
    demand, lead = demand26[:, :days], lead26[:, :days]
    if variant == "no_last_order":
        ev_no_last = evaluate(NoLastPeriodOrder(pol), params, reps=cfg.reps, demand=demand, lead_times=lead)
        return _ci("no_last_order", ev_no_last["cost_per_episode"])
    ev = evaluate(pol, params, reps=cfg.reps, demand=demand, lead_times=lead)
    month, sheet = _spreadsheet_costs(pol, params, demand26, lead26)
    if not np.allclose(month, ev.per_replication["cost_per_episode"]):
        raise RuntimeError("the month plus one day does not reproduce the month's cost")
    return {
        **_ci("monthly_cost", ev["cost_per_episode"]),
        "orders_per_month": ev["orders_placed"].mean * days,
        "lost_per_month": ev["lost_units"].mean * days,
        "zero_stock_days": ev["zero_stock_periods"].mean * days,
        **_ci("spreadsheet", mean_ci(sheet)),
    }


def exact_columns(T: int, cfg: Config) -> dict[str, float]:
    """The exact columns of review period ``T`` (forward propagation; the long run with cycle T).

    ``spreadsheet_exact`` adds to the month the expected ordering cost of the
    order at t = 25: K (E[orders in 26 periods] - E[orders in 25]) + c (the same
    for units), since the first 25 periods of both runs are the same.
    """
    params = preset_params(ENV_ID)
    days = params.horizon
    pol = PeriodicReview(T, cfg.order_up_to, basis=cfg.basis)
    counts = ("order_placed", "ordered", "zero_stock", "zero_stock_demand", "lost")
    month = evaluate_policy_finite_horizon(pol, params, expect=counts)
    no_last = evaluate_policy_finite_horizon(NoLastPeriodOrder(pol), params, expect=())
    plus_one = evaluate_policy_finite_horizon(pol, params.replace(horizon=days + 1), expect=("order_placed", "ordered"))
    extra_orders = plus_one.metrics["order_placed"] - month.metrics["order_placed"]
    extra_units = plus_one.metrics["ordered"] - month.metrics["ordered"]
    long_run = evaluate_policy_dp(pol, params.replace(finite_horizon=False, horizon=days), cycle=T)
    return {
        "monthly_cost_exact": month.total_cost,
        "no_last_order_exact": no_last.total_cost,
        "spreadsheet_exact": month.total_cost + params.fixed_order_cost * extra_orders + params.unit_cost * extra_units,
        "long_run_month_exact": long_run.average_cost * DAYS_PER_MONTH,
        "orders_per_month_exact": month.metrics["order_placed"],
        "lost_per_month_exact": month.metrics["lost"],
        "zero_stock_days_exact": month.metrics["zero_stock"],
        "demand_on_zero_stock_days_exact": month.metrics["zero_stock_demand"],
    }


def certified_optimum() -> dict[str, Any]:
    """The optimal month (backward induction) and the long-run optimum per 25 days (relative value iteration)."""
    params = preset_params(ENV_ID)
    month = solve_finite_horizon(params)
    long_run = solve_dp(params.replace(finite_horizon=False, horizon=params.horizon))
    return {
        "month": month.total_cost,
        "month_method": "backward induction (optimal time-dependent policy)",
        "month_orders": month.evaluation.metrics["order_placed"],
        "month_lost": month.evaluation.metrics["lost"],
        "month_zero_stock_days": month.evaluation.metrics["zero_stock"],
        "long_run_month": long_run.average_cost * DAYS_PER_MONTH,
        "long_run_method": "relative value iteration (optimal stationary policy)",
    }


def bandit_picks(bandit: Any, arms: PolicyArms, cfg: Config) -> dict[str, np.ndarray]:
    """One bandit's runs (a unit): per arm its pull share, runs picking it and pooled estimate; the most-pulled arm."""
    res = run_bandit(arms, bandit, preset_params(ENV_ID), iterations=cfg.bandit_iterations, seed=cfg.seed + 3)
    return {
        "pull_share": res.pulls / res.pulls.sum(),
        "runs_picking": np.bincount(res.picks(), minlength=arms.n_arms),
        "estimates": res.pooled_estimates,
        "most_pulled": np.array(res.best_arm_index()),
    }


class MonthDraws:
    """The common (reps, 26) demand and lead times of the month plus one day, drawn once when a task first needs them.

    One object is shared by the (T, variant) tasks of a run, so every variant
    sees the same draws (common random numbers), as :func:`evaluate_variant` expects.
    """

    def __init__(self, seed: int, reps: int) -> None:
        self.seed, self.reps = seed, reps
        self._paths: tuple[np.ndarray, np.ndarray] | None = None

    def __call__(self) -> tuple[np.ndarray, np.ndarray]:
        if self._paths is None:
            params = preset_params(ENV_ID)
            days = params.horizon
            self._paths = draw_paths(params.replace(horizon=days + 1), self.seed, self.reps, days + 1)
        return self._paths


def _bandits(cfg: Config, n_arms: int) -> dict[str, Any]:
    """The three bandits of the picks, by name (their streams spawned from the seed)."""
    seeds = np.random.SeedSequence([cfg.seed, 2]).spawn(3)
    return {
        f"epsilon_greedy({cfg.epsilon:g})": EpsilonGreedy(n_arms, cfg.epsilon, runs=cfg.bandit_runs, seed=seeds[0]),
        "ucb1(auto)": UCB1(n_arms, c="auto", runs=cfg.bandit_runs, seed=seeds[1]),
        "thompson": ThompsonSampling(n_arms, runs=cfg.bandit_runs, seed=seeds[2]),
    }


def _arms(cfg: Config) -> PolicyArms:
    """The bandits' arms: one periodic-review policy per review period, one month per pull."""
    return PolicyArms("periodic", {"T": list(cfg.review_periods), "S": [cfg.order_up_to]}, basis=cfg.basis)


def tasks(cfg: Config) -> list[runner.Task]:
    """The runner tasks: ``T<T>_<variant>`` per review period and variant (:func:`evaluate_variant`), then ``bandit_<k>``.

    A variant's settings are the model, the policy (S, basis), the seed and the
    variant's sizes; a bandit's, the model, its name, the arms and its sizes.
    """
    params = preset_params(ENV_ID)
    common = {"params": repr(params), "S": cfg.order_up_to, "basis": cfg.basis, "seed": cfg.seed}
    sizes = {
        "month": {"reps": cfg.reps},
        "no_last_order": {"reps": cfg.reps},
        "long_run": {"months": cfg.long_run_months, "warmup": cfg.warmup_months, "reps": cfg.long_run_reps},
    }
    draws = MonthDraws(cfg.seed, cfg.reps)
    out = [
        runner.Task(
            f"T{T}_{v}", {**common, **sizes[v], "variant": v, "T": T}, partial(evaluate_variant, v, T, cfg, draws)
        )
        for T in cfg.review_periods
        for v in VARIANTS
    ]
    arms = _arms(cfg)
    for k, (name, bandit) in enumerate(_bandits(cfg, arms.n_arms).items()):
        settings = {**common, "algo": name, "T": list(cfg.review_periods)}
        settings |= {"iterations": cfg.bandit_iterations, "runs": cfg.bandit_runs}
        out.append(runner.Task(f"bandit_{k}", settings, partial(bandit_picks, bandit, arms, cfg)))
    return out


def main(cfg: Config | None = None) -> Result:
    """Run the study; write ``table.csv``, ``bandits.csv``, ``summary.json`` and ``concrete_mixers.png``.

    The tasks (:func:`tasks`) run serially on the store ``concrete_mixers/units/``:
    a rerun with the same settings loads them, so an interrupted run resumes.
    The report step (:func:`_report`) builds the outputs from the records.
    """
    cfg = cfg or Config()
    store = runner.Store(os.path.join(cfg.directory, "units"))
    return runner.run(tasks(cfg), store, fresh=cfg.fresh, report=partial(_report, cfg)).report


def _report(cfg: Config, records: list[runner.Record]) -> Result:
    """The report step: the table (simulated and exact columns), the bandits' picks, the summary and figure."""
    days = preset_params(ENV_ID).horizon
    units = {r.key: r for r in records}
    rows = []
    for T in cfg.review_periods:
        row: dict[str, Any] = {"T": T}
        for v in VARIANTS:
            row.update(units[f"T{T}_{v}"].value)
        rows.append(row)
    table = pd.DataFrame(rows)
    # exact values (cheap: computed on every run) and the simulation's check of them
    exact = pd.DataFrame([exact_columns(int(T), cfg) for T in table["T"]])
    table = pd.concat([table, exact], axis=1)
    for col in ("monthly_cost", "no_last_order", "spreadsheet", "long_run_month"):
        table[f"{col}_in_ci"] = (table[f"{col}_lo"] <= table[f"{col}_exact"]) & (
            table[f"{col}_exact"] <= table[f"{col}_hi"]
        )
    optimum = certified_optimum()
    table["gap_to_optimal_month_pct"] = (table["monthly_cost_exact"] / optimum["month"] - 1.0) * 100.0
    table["gap_to_long_run_optimum_pct"] = (table["long_run_month_exact"] / optimum["long_run_month"] - 1.0) * 100.0
    table["order_in_last_period"] = ((days - 1) % table["T"] == 0).astype(bool)
    table["spreadsheet_charges_day_25_evening"] = (days % table["T"] == 0).astype(bool)
    t_sim = sum(units[f"T{T}_{v}"].seconds for T in cfg.review_periods for v in VARIANTS)

    # the bandits' picks: ten arms, one month per pull
    arms = _arms(cfg)
    brow = []
    picks: dict[str, Any] = {}
    for k, name in enumerate(_bandits(cfg, arms.n_arms)):
        b = units[f"bandit_{k}"].value
        picked, est = b["runs_picking"], b["estimates"]
        for i in range(arms.n_arms):
            brow.append(
                {
                    "algo": name,
                    "T": arms.arm(i)["T"],
                    "pull_share": b["pull_share"][i],
                    "runs_picking": int(picked[i]),
                    "estimated_monthly_cost": -est[i] if math.isfinite(est[i]) else math.nan,
                }
            )
        modal = int(picked.argmax())
        picks[name] = {
            "pick": arms.arm(modal)["T"],
            "share_of_runs": float(picked[modal] / cfg.bandit_runs),
            "most_pulled": arms.arm(int(b["most_pulled"]))["T"],
        }
    btable = pd.DataFrame(brow)

    def best(col: str) -> dict[str, Any]:
        i = int(table[f"{col}_exact"].idxmin())
        return {
            "T": int(table.loc[i, "T"]),
            "cost": float(table.loc[i, f"{col}_exact"]),
            "simulated": float(table.loc[i, col]),
            "ci": [float(table.loc[i, f"{col}_lo"]), float(table.loc[i, f"{col}_hi"])],
        }

    summary = {
        "env_id": ENV_ID,
        "policy": f"PeriodicReview(T, S={cfg.order_up_to:g}, basis={cfg.basis})",
        "best": {
            "monthly_cost": best("monthly_cost"),
            "no_last_order": best("no_last_order"),
            "spreadsheet": best("spreadsheet"),
            "long_run_month": best("long_run_month"),
        },
        "optimum": optimum,
        "exact_in_simulation_ci": {
            col: int(table[f"{col}_in_ci"].sum())
            for col in ("monthly_cost", "no_last_order", "spreadsheet", "long_run_month")
        },
        "bandit_picks": picks,
        "seconds": {"simulation": t_sim, "total": sum(r.seconds for r in records)},
        "config": cfg.to_dict(),
    }
    d = cfg.directory
    files = [
        write_csv(table, os.path.join(d, "table.csv")),
        write_csv(btable, os.path.join(d, "bandits.csv")),
        write_json(summary, os.path.join(d, "summary.json")),
        save_figure(_figure(table, btable, cfg, optimum), os.path.join(d, "concrete_mixers.png")),
    ]
    if cfg.progress:
        cols = [
            "T",
            "monthly_cost_exact",
            "monthly_cost",
            "no_last_order_exact",
            "spreadsheet_exact",
            "long_run_month_exact",
            "zero_stock_days_exact",
            "demand_on_zero_stock_days_exact",
            "gap_to_optimal_month_pct",
        ]
        with pd.option_context("display.width", 160, "display.precision", 3):
            print(table[cols].to_string(index=False))
        print("best T:", {k: v["T"] for k, v in summary["best"].items()}, "bandit picks:", picks)
        print(f"optimal month {optimum['month']:.4f}, long-run optimum per 25 days {optimum['long_run_month']:.4f}")
    return Result(table=table, bandits=btable, summary=summary, files=files)


def _figure(table: pd.DataFrame, btable: pd.DataFrame, cfg: Config, optimum: dict[str, Any]) -> Any:
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.3), gridspec_kw={"width_ratios": [3, 2]})
    ax = axes[0]
    x = table["T"].to_numpy()
    series = [
        ("monthly_cost", "25-day month (suite convention)", "o"),
        ("no_last_order", "month, no order on day 25", "s"),
        ("spreadsheet", "month + evening-of-day-25 order (spreadsheet)", "^"),
        ("long_run_month", "long run, cost per 25 days", "D"),
    ]
    for k, (col, label, marker) in enumerate(series):
        dx = (k - 1.5) * 0.08
        y = table[col].to_numpy()
        err = np.vstack([y - table[f"{col}_lo"].to_numpy(), table[f"{col}_hi"].to_numpy() - y])
        ax.errorbar(x + dx, y, yerr=err, marker=marker, ms=4, lw=1, capsize=2, label=label)
    ax.plot(x, table["monthly_cost_exact"].to_numpy(), "k_", ms=14, mew=1.5, label="exact month (forward propagation)")
    opt = optimum["month"]
    ax.axhline(opt, color="k", ls="--", lw=1, label=f"optimal month {opt:.2f} (backward induction)")
    ax.set(
        xlabel="review period T (days)",
        ylabel="expected cost per month",
        title="monthly cost by review period (95% CI)",
    )
    ax.set_xticks(x)
    ax.legend(fontsize=8)
    ax = axes[1]
    algos = list(dict.fromkeys(btable["algo"]))
    w = 0.8 / len(algos)
    for k, a in enumerate(algos):
        d = btable[btable["algo"] == a]
        ax.bar(
            d["T"].to_numpy() + (k - (len(algos) - 1) / 2) * w, d["runs_picking"] / cfg.bandit_runs, width=w, label=a
        )
    ax.set(
        xlabel="review period T (days)",
        ylabel="share of runs",
        title=f"bandits' picks ({cfg.bandit_runs} runs x {cfg.bandit_iterations} months)",
    )
    ax.set_xticks(x)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The command-line options (shared by ``inv-gym concrete-mixers`` and ``python -m``)."""
    p.add_argument(
        "--mode", choices=tuple(Config.MODES), default="quick", help="tiny (seconds), quick (default), default (full)"
    )
    p.add_argument(
        "--basis", choices=("inventory_position", "on_hand"), default="inventory_position", help="order-up-to basis"
    )
    p.add_argument("--epsilon", type=float, default=0.1, help="epsilon of the epsilon-greedy bandit (default 0.1)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", default="results", help="output root (default results/)")
    p.add_argument("--fresh", action="store_true", help="recompute every unit instead of resuming from the stored ones")


def config_from_args(args: argparse.Namespace) -> Config:
    """The experiment configuration from the parsed command-line arguments."""
    return Config.for_mode(
        args.mode,
        basis=args.basis,
        epsilon=args.epsilon,
        seed=args.seed,
        out_dir=args.out,
        fresh=args.fresh,
        progress=True,
    )


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(ap)
    main(config_from_args(ap.parse_args()))
