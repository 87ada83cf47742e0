"""Learned against classical: a benchmark output folder's table and plots.

The folder is what ``inv-gym benchmark --out DIR`` writes (``table.csv``,
``gap.png``, ``curves/*.png``); the page reads only CSV text and PNG images
from it, never pickles.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

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


st.title("Learned against classical")
st.caption("Open a benchmark output folder: its table of gaps to the optimum and its plots.")
found = known_folders()
folder_text = st.text_input("benchmark folder", value="docs/benchmark-quick", key="benchmark.folder")
if found:
    st.caption("found: " + ", ".join(f"`{f}`" for f in found))
try:
    folder = benchmark_folder(folder_text)
except ValueError as exc:
    st.error(str(exc))
    st.stop()
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
