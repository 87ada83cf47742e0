"""The benchmark's report step: the summary table (Markdown and CSV), results.csv and the plots."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from experiments.benchmark.config import LEARNED_ROWS, BenchmarkConfig
from experiments.benchmark.instances import INSTANCES
from experiments.io import atomic_write_text, save_figure, write_csv

__all__ = ["summarize", "markdown_table", "write_outputs", "plot_gaps", "plot_curves"]


def _t_ci(values: Sequence[float]) -> tuple[float, float, float]:
    from inv_gym.evaluation import mean_ci

    ci = mean_ci(np.asarray(values, dtype=float))
    return ci.mean, ci.ci_low, ci.ci_high


def summarize(cfg: BenchmarkConfig, results: Sequence[dict[str, Any]]) -> Any:
    """One row per instance and agent row (PPO aggregated over seeds) as a DataFrame."""
    import pandas as pd

    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in results:
        groups.setdefault((r["task"]["instance"], r["row"]), []).append(r)
    rows = []
    for (inst, row), rs in groups.items():
        ok = [r for r in rs if r.get("status") == "ok"]
        errors = [r for r in rs if r.get("status") == "error"]
        rec: dict[str, Any] = {"instance": inst, "env_id": INSTANCES[inst].env_id, "agent": row, "runs": len(ok)}
        if not ok:
            na = [r for r in rs if r.get("status") == "n/a"]
            rec["status"] = "error" if errors else ("n/a" if na else "missing")
            rec["note"] = errors[0]["error"] if errors else (na[0].get("method", "") if na else "")
            rows.append(rec)
            continue
        costs = [r["cost"] for r in ok]
        if len(ok) == 1:
            rec.update(cost=ok[0]["cost"], cost_ci_low=ok[0]["cost_ci_low"], cost_ci_high=ok[0]["cost_ci_high"])
        else:
            m, lo, hi = _t_ci(costs)
            rec.update(cost=m, cost_ci_low=lo, cost_ci_high=hi)
        rec["fill_rate"] = float(np.mean([r["fill_rate"] for r in ok]))
        rec["train_steps"] = int(np.mean([r.get("train_steps", 0) for r in ok]))
        rec["wall_time"] = float(np.mean([r["wall_time"] for r in ok]))
        rec["exact_cost"] = ok[0].get("exact_cost")
        rec["literature_cost"] = ok[0].get("literature_cost")
        pol = ok[0].get("policy")
        rec["policy"] = json.dumps(pol, sort_keys=True) if isinstance(pol, dict) else (pol or "")
        rec["method"] = ok[0].get("method", "")
        rec["status"] = "ok" if not errors else f"ok ({len(errors)} failed)"
        rec["note"] = errors[0]["error"] if errors else ""
        rec["seed_costs"] = json.dumps([round(c, 4) for c in costs]) if row in LEARNED_ROWS else ""
        rows.append(rec)
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    for col in (
        "cost",
        "cost_ci_low",
        "cost_ci_high",
        "fill_rate",
        "train_steps",
        "wall_time",
        "exact_cost",
        "literature_cost",
    ):
        if col not in df:
            df[col] = np.nan
    df["reference"] = ""
    df["gap_pct"] = np.nan
    for _inst, sub in df.groupby("instance"):
        opt = sub[(sub.agent == "optimum") & sub.cost.notna()]
        if len(opt):
            ref, label = float(opt.cost.iloc[0]), "optimum"
        else:
            classical = sub[sub.agent.str.startswith(("heuristic", "bandit")) & sub.cost.notna()]
            if not len(classical):
                continue
            ref, label = float(classical.cost.min()), "best classical"
        idx = sub.index
        df.loc[idx, "reference"] = label
        df.loc[idx, "gap_pct"] = (df.loc[idx, "cost"] - ref) / abs(ref) * 100 if ref != 0 else np.nan
    order = {n: i for i, n in enumerate(cfg.instances)}
    agent_order = {"optimum": 0, "heuristic": 1, "bandit": 2, **{a: 3 + i for i, a in enumerate(LEARNED_ROWS)}}
    df["_o1"] = df.instance.map(order)
    df["_o2"] = df.agent.map(lambda a: agent_order.get(a.split(":")[0], 9))
    return df.sort_values(["_o1", "_o2", "agent"]).drop(columns=["_o1", "_o2"]).reset_index(drop=True)


def _fmt(x: Any, nd: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return ""
    return f"{x:.{nd}f}"


def markdown_table(df: Any, label: str = "") -> str:
    """The summary as a Markdown table."""
    lines = []
    if label:
        lines += [f"Command: `{label}`", ""]
    lines.append(
        "| instance | agent | cost/period [95% CI] | fill rate | gap % | exact | training steps | wall s | policy / note |"
    )
    lines.append("|---|---|---|---|---|---|---|---|---|")
    for _, r in df.iterrows():
        if r.get("status", "ok").startswith("ok"):
            cost = f"{_fmt(r.cost)} [{_fmt(r.cost_ci_low)}, {_fmt(r.cost_ci_high)}]"
            exact = _fmt(r.exact_cost) if r.exact_cost is not None and not _isnan(r.exact_cost) else ""
            if r.get("literature_cost") is not None and not _isnan(r.literature_cost):
                exact += f" (lit. {r.literature_cost:.2f})"
            note = str(r.get("policy", ""))
            if r.get("note"):
                note += f" {r.note}"
            gap = _fmt(r.gap_pct, 2)
            if r.get("reference") == "best classical" and gap:
                gap += "*"
            lines.append(
                f"| {r.instance} | {r.agent} | {cost} | {_fmt(r.fill_rate)} | {gap} | {exact} | "
                f"{int(r.train_steps) if not _isnan(r.train_steps) else ''} | {_fmt(r.wall_time, 1)} | {note.replace('|', '/')} |"
            )
        else:
            lines.append(
                f"| {r.instance} | {r.agent} | {r.status} | | | | | | {str(r.get('note', '')).replace('|', '/')[:160]} |"
            )
    lines += [
        "",
        "Cost per period is net of revenue (minus the profit for the newsvendor). Gap % is to the optimum's",
        "simulated cost on the same draws; * marks a gap to the best classical row where no exact method exists.",
    ]
    names = dict.fromkeys(df["instance"]) if "instance" in df else {}
    if any(INSTANCES[i].serial for i in names if i in INSTANCES):
        lines += [
            "A serial chain's cost is the whole chain's per period (holding at every stage and in transit, backorders",
            "at stage 1), simulated by its kernel (inv_gym.serial.evaluation); its exact optimum is Clark-Scarf's and",
            "its levels are echelon (S, stage 1 first) or installation (s) base-stock levels.",
        ]
    return "\n".join(lines) + "\n"


def _isnan(x: Any) -> bool:
    try:
        return x is None or math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def write_outputs(cfg: BenchmarkConfig, results: Sequence[dict[str, Any]]) -> Any:
    """Write results.csv, table.csv, table.md and the plots; return the summary DataFrame."""
    import pandas as pd

    os.makedirs(cfg.out, exist_ok=True)
    flat = []
    for r in results:
        flat.append(
            {
                "key": r.get("key"),
                "instance": r["task"]["instance"],
                "agent": r.get("row"),
                "seed": r["task"]["seed"],
                "status": r.get("status"),
                "cost": r.get("cost"),
                "cost_ci_low": r.get("cost_ci_low"),
                "cost_ci_high": r.get("cost_ci_high"),
                "fill_rate": r.get("fill_rate"),
                "exact_cost": r.get("exact_cost"),
                "train_steps": r.get("train_steps"),
                "wall_time": r.get("wall_time"),
                "error": r.get("error", ""),
            }
        )
    write_csv(pd.DataFrame(flat), os.path.join(cfg.out, "results.csv"))
    df = summarize(cfg, results)
    write_csv(df, os.path.join(cfg.out, "table.csv"))
    atomic_write_text(os.path.join(cfg.out, "table.md"), markdown_table(df, cfg.label))
    try:
        plot_gaps(df, os.path.join(cfg.out, "gap.png"))
        plot_curves(df, results, os.path.join(cfg.out, "curves"))
    except Exception as exc:  # plots are a convenience: never lose the tables
        print(f"plots skipped: {type(exc).__name__}: {exc}")
    return df


def plot_gaps(df: Any, path: str) -> None:
    """Grouped bars: gap % per instance and agent row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = df[df.gap_pct.notna() & (df.agent != "optimum")]
    if d.empty:
        return
    insts = list(dict.fromkeys(d.instance))
    agents = list(dict.fromkeys(d.agent))
    width = 0.8 / max(1, len(agents))
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(insts) + 2), 4))
    for j, a in enumerate(agents):
        sub = d[d.agent == a].set_index("instance")
        xs = [i + j * width for i, n in enumerate(insts) if n in sub.index]
        ys = [float(sub.loc[n, "gap_pct"]) for n in insts if n in sub.index]
        ax.bar(xs, ys, width, label=a)
    ax.set_xticks([i + 0.4 - width / 2 for i in range(len(insts))])
    ax.set_xticklabels(insts, rotation=45, ha="right")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_ylabel("gap to optimum (%)\n(best classical row where no optimum)")
    ax.set_yscale("symlog", linthresh=1.0)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    save_figure(fig, path, dpi=120)


def plot_curves(df: Any, results: Sequence[dict[str, Any]], directory: str) -> None:
    """Per instance: PPO cost against timesteps (each seed) and the baselines' costs as lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    os.makedirs(directory, exist_ok=True)
    for inst in dict.fromkeys(r["task"]["instance"] for r in results):
        runs = [r for r in results if r["task"]["instance"] == inst and r.get("row") == "ppo" and r.get("curve")]
        if not runs:
            continue
        fig, ax = plt.subplots(figsize=(6, 4))
        for r in runs:
            c = r["curve"]
            ax.plot(
                [p["timesteps"] for p in c],
                [p["cost_per_period"] for p in c],
                marker=".",
                label=f"PPO seed {r['task']['seed']}",
            )
        sub = df[(df.instance == inst) & (df.agent != "ppo") & df.cost.notna()]
        styles = ["--", ":", "-.", (0, (5, 1))]
        for k, (_, row) in enumerate(sub.iterrows()):
            ax.axhline(row.cost, ls=styles[k % len(styles)], color=f"C{k + 3}", label=row.agent)
        ax.set_xlabel("training timesteps")
        ax.set_ylabel("cost per period")
        ax.set_title(inst)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
        save_figure(fig, os.path.join(directory, f"{inst}.png"), dpi=110)
