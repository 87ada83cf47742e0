"""Learned against classical: a benchmark output folder's table and plots; a policy scored on an instance.

The folder is what ``inv-gym benchmark --out DIR`` writes (``table.csv``,
``gap.png``, ``curves/*.png``); the page reads only CSV text and PNG images
from it, never pickles. The score is :func:`inv_gym.score` of a heuristic
policy spec on a named instance of :mod:`inv_gym.instances`: its cost and its
gaps to the certified optimum and to the best heuristic, with 95% CIs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from agents.specs import FAMILIES, parse_policy
from experiments.app import core
from experiments.app import widgets as w
from inv_gym.instances import get_instance, instance_names

#: the repository root (benchmark folders under docs/ are found from here too)
ROOT = Path(__file__).resolve().parents[3]

#: columns of the table shown first
COLUMNS = [
    "instance",
    "agent",
    "cost",
    "cost_ci_low",
    "cost_ci_high",
    "gap_pct",
    "fill_rate",
    "exact_cost",
    "train_steps",
    "policy",
    "method",
]


def benchmark_folder(text: str) -> Path:
    """The folder named ``text`` (relative to the working directory or the repository), holding ``table.csv``."""
    raw = text.strip()
    if not raw:
        raise ValueError("benchmark folder must name a folder written by `inv-gym benchmark --out DIR`, got ''")
    for base in (Path.cwd(), ROOT):
        path = (base / raw).resolve()
        if (path / "table.csv").is_file():
            return path
    raise ValueError(
        f"benchmark folder must be a folder holding table.csv (written by `inv-gym benchmark --out DIR`), got {raw!r}"
    )


def known_folders() -> list[str]:
    """Benchmark folders under ``docs/`` and ``results/`` of the repository."""
    found = sorted(
        {p.parent.relative_to(ROOT).as_posix() for d in ("docs", "results") for p in (ROOT / d).glob("**/table.csv")}
    )
    return found


def folder_section() -> None:
    """A benchmark folder's table (filtered by instance), its gap plot and training curves."""
    found = known_folders()
    folder_text = st.text_input("benchmark folder", value="docs/benchmark-quick", key="benchmark.folder")
    if found:
        st.caption("found: " + ", ".join(f"`{f}`" for f in found))
    try:
        folder = benchmark_folder(folder_text)
    except ValueError as exc:
        st.error(str(exc))
        return
    table = pd.read_csv(folder / "table.csv")
    instances = list(dict.fromkeys(table["instance"])) if "instance" in table else []
    chosen = st.multiselect("instances", instances, default=instances, key="benchmark.instances")
    shown = table[table["instance"].isin(chosen)] if instances else table
    cols = [c for c in COLUMNS if c in shown.columns]
    st.subheader(f"{folder.name}: {len(shown)} rows")
    with st.container(key="benchmark_table"):
        st.dataframe(shown[cols], hide_index=True)
    st.download_button(
        "Download table.csv", (folder / "table.csv").read_bytes(), "table.csv", "text/csv", key="benchmark.csv"
    )
    if (folder / "table.md").is_file():
        first = (folder / "table.md").read_text().splitlines()[0]
        if first.lower().startswith("command"):
            st.caption(first)
    if (folder / "gap.png").is_file():
        st.subheader("Gap to the optimum")
        st.image(str(folder / "gap.png"))
    curves = sorted((folder / "curves").glob("*.png"))
    if curves:
        st.subheader("Training curves")
        names = [p.stem for p in curves]
        pick = st.selectbox("instance", names, key="benchmark.curve")
        st.image(str(curves[names.index(pick)]))


def score_section() -> None:
    """Score a heuristic policy spec on a named instance with :func:`inv_gym.score`."""
    # the instances a policy spec can act in (serial chains take one level per stage: no spec form)
    names = [n for n in instance_names() if get_instance(n).best_heuristic.split(":", 1)[0] in FAMILIES]
    key = st.selectbox("instance", names, index=names.index("zipkin-lost-sales/L1-p4"), key="score.instance")
    inst = get_instance(key)
    lit = "" if inst.literature is None else f", published {inst.literature:g}"
    st.caption(
        f"`{inst.env_id}` with {dict(inst.overrides) or 'its defaults'}: optimum {inst.optimum:.4f} "
        f"({inst.optimum_method}{lit}); best heuristic `{inst.best_heuristic}` at {inst.best_heuristic_cost:.4f}"
    )
    spec = st.text_input("policy spec", value=inst.best_heuristic, key=f"score.spec.{key}")
    policy = w.attempt(st, lambda: parse_policy(spec), field="policy")
    cols = st.columns(4)
    reps = cols[0].number_input("reps", value=100, step=1, key="score.reps")
    horizon = cols[1].number_input("horizon", value=1000, step=1, key="score.horizon")
    warmup = cols[2].number_input("warmup", value=100, step=1, key="score.warmup")
    seed = cols[3].number_input("seed", value=0, step=1, key="score.seed")
    if policy is None:
        return
    s = w.attempt(st, lambda: core.cached_score(key, spec.strip(), int(reps), int(horizon), int(warmup), int(seed)))
    if s is None:
        return
    rows = {
        "cost per period": (s.cost.mean, s.cost.ci_low, s.cost.ci_high),
        "gap to the optimum (%)": (100 * s.gap.mean, 100 * s.gap.ci_low, 100 * s.gap.ci_high),
        "gap to the best heuristic (%)": (
            100 * s.heuristic_gap.mean,
            100 * s.heuristic_gap.ci_low,
            100 * s.heuristic_gap.ci_high,
        ),
    }
    with st.container(key="score_table"):
        st.table(pd.DataFrame(rows, index=["mean", "ci_low", "ci_high"]).T.style.format("{:.4f}"))
    paired = "paired with the simulated optimal policy (common random numbers)" if s.paired else "of the policy's cost"
    st.caption(
        f"{s.reps} replications x {s.horizon} periods (warm-up {s.warmup}), seed {s.seed}; the gap's CI is {paired}"
    )


st.title("Learned against classical")
benchmark_tab, score_tab = st.tabs(["Benchmark folder", "Score a policy"])
with benchmark_tab:
    st.caption("Open a benchmark output folder: its table of gaps to the optimum and its plots.")
    folder_section()
with score_tab:
    st.caption("Score a policy on a named instance (inv_gym.instances): its cost and its gaps, with 95% CIs.")
    score_section()
