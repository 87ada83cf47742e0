"""Optimise: grid search under a fill-rate floor, the cost-service frontier and the gap to the exact optimum.

The search is :func:`agents.search.grid_search` (every point on the same
draws), the frontier :func:`agents.search.pareto_frontier` of cost per period
and fill rate, and the optimum :func:`inv_gym.analytic.solve.solve`.
"""

from __future__ import annotations

import altair as alt
import streamlit as st

from agents.search import SEARCH_FAMILIES, grid_points
from experiments.app import core
from experiments.app import widgets as w

left, right, env_id, overrides, params = w.page_start(
    "optimise",
    "Optimise",
    "Search a policy family on common random numbers, under a minimum fill rate; compare with the exact optimum.",
)
with left:
    st.subheader("Search")
    family, grid, points = w.grid_picker(
        "optimise", SEARCH_FAMILIES, "grid (a:b, a:b:step or a list per parameter)", grid_points
    )
    grid_ok = points is not None
    min_fill = st.number_input(
        "minimum fill rate (0: no constraint)", value=0.95, format="%g", key="optimise.min_fill_rate"
    )
    fill_ok = 0.0 <= min_fill <= 1.0
    if not fill_ok:
        st.error(f"minimum fill rate must be in [0, 1], got {min_fill:g}")
    run = w.run_settings("optimise", params, reps=50, horizon=500, warmup=50)

with right:
    if params is None or run is None or not grid_ok or not fill_ok:
        st.info("Correct the field marked in red to run the search; the other fields keep their values.")
        st.stop()
    reps, horizon, warmup, seed = run
    floor = float(min_fill) or None
    res = w.attempt(st, lambda: core.cached_search(env_id, overrides, family, grid, reps, horizon, warmup, seed, floor))
    if res is None:
        st.stop()
    table = res.table
    n_feasible = int(table["feasible"].sum())
    st.caption(
        f"{len(table)} {family} policies x {reps} replications x {horizon} periods (warm-up {warmup}), seed {seed}; "
        f"{n_feasible} meet the fill rate {floor if floor is not None else '(no constraint)'}; {res.elapsed:.1f} s"
    )
    solution = w.attempt(st, lambda: core.cached_solve(env_id, overrides))
    c1, c2 = st.columns(2)
    with c1, st.container(key="best_policy"):
        st.subheader("Best policy")
        if res.best is None:
            st.warning("no grid point meets the fill-rate constraint: widen the grid or lower the minimum fill rate")
        else:
            b = res.best
            st.markdown(f"`{b['spec']}`")
            st.metric("cost per period", f"{b['cost_per_period']:.4f}")
            st.caption(f"95% CI [{b['cost_per_period_ci_low']:.4f}, {b['cost_per_period_ci_high']:.4f}]")
            st.metric("fill rate", f"{b['fill_rate']:.4f}")
            st.caption(f"95% CI [{b['fill_rate_ci_low']:.4f}, {b['fill_rate_ci_high']:.4f}]")
    with c2, st.container(key="optimum"):
        st.subheader("Exact optimum")
        if solution is None or solution.method is None:
            reason = "" if solution is None else f" ({solution.reason})"
            st.info(f"no exact method applies to this model{reason}")
        else:
            st.markdown(f"{solution.method}: `{solution.policy}`")
            gap = (
                core.gap_percent(res.best["cost_per_period"], solution.average_cost)
                if res.best is not None
                else float("nan")
            )
            st.metric(
                "optimal cost per period",
                f"{solution.average_cost:.4f}",
                f"best in grid {gap:+.2f}%",
                delta_color="off",
            )
    st.subheader("Cost against fill rate: every grid point and the frontier")
    points = (
        alt.Chart(table)
        .mark_circle(size=30, opacity=0.5)
        .encode(
            x=alt.X("fill_rate:Q", title="fill rate", scale=alt.Scale(zero=False)),
            y=alt.Y("cost_per_period:Q", title="cost per period", scale=alt.Scale(zero=False)),
            color=alt.Color("feasible:N"),
            tooltip=["spec", "cost_per_period", "fill_rate"],
        )
    )
    front = alt.Chart(res.frontier).mark_line(point=True, color="black").encode(x="fill_rate:Q", y="cost_per_period:Q")
    st.altair_chart((points + front).properties(height=320), width="stretch")
    st.subheader("Frontier (Pareto-efficient policies)")
    cols = ["spec", "cost_per_period", "cost_per_period_ci_low", "cost_per_period_ci_high", "fill_rate", "feasible"]
    st.dataframe(res.frontier[cols], hide_index=True)
    st.subheader("Ranked grid")
    st.dataframe(table[["rank", *cols]], hide_index=True, height=240)
    d1, d2 = st.columns(2)
    d1.download_button(
        "Download the grid (CSV)", table.to_csv(index=False).encode(), "search.csv", "text/csv", key="optimise.csv"
    )
    d2.download_button(
        "Download the frontier (CSV)",
        res.frontier.to_csv(index=False).encode(),
        "frontier.csv",
        "text/csv",
        key="optimise.frontier_csv",
    )
