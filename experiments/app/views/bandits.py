"""Bandits: epsilon-greedy (several epsilons), UCB1 and Thompson sampling over a grid of policies.

Each configuration is :func:`agents.bandit.run_bandit` with a batched bandit
of :mod:`agents.bandit` (``runs`` independent bandits); the arms' true values
come from :func:`agents.search.grid_search` (see
:func:`experiments.app.core.cached_bandits`).
"""

from __future__ import annotations

import streamlit as st

from agents.bandit import ARM_FAMILIES, PolicyArms
from agents.specs import parse_number
from experiments.app import core
from experiments.app import widgets as w


def parse_epsilons(text: str) -> tuple[float, ...]:
    """Epsilons from ``"0 0.05 0.1"`` (each in [0, 1])."""
    items = text.replace(",", " ").split()
    values = tuple(parse_number("epsilon", x) for x in items)
    bad = [v for v in values if v > 1]
    if bad:
        raise ValueError(f"epsilon must be in [0, 1], got {bad[0]:g}")
    return values


def whole(name: str, value: float, low: int) -> int:
    """``value`` as an integer >= ``low`` (ValueError naming ``name``)."""
    if not float(value).is_integer() or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value:g}")
    return int(value)


left, right, env_id, overrides, params = w.page_start(
    "bandits",
    "Bandits",
    "Bandits whose arms are policies: reward per iteration, best-arm share and regret, drawn as they run.",
)
with left:
    st.subheader("Arms")
    family, grid, arms = w.grid_picker("bandits", ARM_FAMILIES, "arms (grid)", PolicyArms, {"ss": "s=0:12:3,S=25:50:5"})
    if arms is not None:
        st.caption(f"{arms.n_arms} arms")
    st.subheader("Bandits")
    eps_text = st.text_input("epsilons of epsilon-greedy", value="0 0.05 0.1 0.2", key="bandits.epsilons")
    epsilons = w.attempt(st, lambda: parse_epsilons(eps_text))
    c1, c2 = st.columns(2)
    ucb = c1.checkbox("UCB1 (c = auto)", value=True, key="bandits.ucb1")
    thompson = c2.checkbox("Thompson sampling", value=True, key="bandits.thompson")
    cols = st.columns(3)
    runs = cols[0].number_input("runs", value=20, step=1, key="bandits.runs")
    iterations = cols[1].number_input("iterations", value=100, step=1, key="bandits.iterations")
    horizon = cols[2].number_input("episode (periods)", value=365, step=1, key="bandits.horizon")
    cols = st.columns(2)
    true_reps = cols[0].number_input("true-value reps", value=100, step=1, key="bandits.true_reps")
    seed = cols[1].number_input("seed", value=0, step=1, key="bandits.seed")
    counts = w.attempt(
        st,
        lambda: (
            whole("runs", runs, 1),
            whole("iterations", iterations, 1),
            whole("episode (periods)", horizon, 1),
            whole("true-value reps", true_reps, 2),
            whole("seed", seed, 0),
        ),
    )

with right:
    if params is None or arms is None or epsilons is None or counts is None:
        st.info("Correct the field marked in red to run the bandits; the other fields keep their values.")
        st.stop()
    configs = [(f"epsilon {e:g}", "epsilon", (("epsilon", e),)) for e in epsilons]
    if ucb:
        configs.append(("UCB1", "ucb1", (("c", "auto"),)))
    if thompson:
        configs.append(("Thompson", "thompson", ()))
    if not configs:
        st.info("Choose at least one bandit: an epsilon, UCB1 or Thompson sampling.")
        st.stop()
    r, n, h, tr, s = counts
    out = w.attempt(st, lambda: core.cached_bandits(env_id, overrides, family, grid, tuple(configs), r, n, h, tr, s))
    if out is None:
        st.stop()
    curves = out["curves"]
    unit = "per episode" if out["metric"] == "reward_per_episode" else "per period"
    st.caption(f"{r} runs x {n} iterations per bandit; best arm {out['best_arm']}; rewards {unit}")
    st.subheader("Reward per iteration (mean over runs)")
    core.lines(st, curves, "reward", height=260)
    c1, c2 = st.columns(2)
    c1.subheader("Best-arm share")
    core.lines(c1, curves, "best_share", height=240, legend=False)
    c2.subheader("Cumulative regret")
    core.lines(c2, curves, "regret", height=240, legend=False)
    with st.container(key="bandit_summary"):
        st.table(out["summary"].set_index("configuration"))
    st.subheader("Arms: true value and pulls")
    st.dataframe(out["arms"], hide_index=True, height=240)
    st.download_button(
        "Download the curves (CSV)", curves.to_csv(index=False).encode(), "bandits.csv", "text/csv", key="bandits.csv"
    )
