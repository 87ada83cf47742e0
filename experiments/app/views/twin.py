"""Twin: one model, one policy; every metric with its 95% CI, the trajectory and the cost distribution.

The numbers are :func:`inv_gym.evaluation.evaluate`'s (replications on common
random numbers from the seed) and the trajectory is
:func:`inv_gym.evaluation.trajectory` of the same seed's first replication.
"""

from __future__ import annotations

import altair as alt
import streamlit as st

from experiments.app import core
from experiments.app import widgets as w

#: periods of the trajectory plot
TRAJECTORY_PERIODS = 100

left, right, env_id, overrides, params = w.page_start(
    "twin",
    "Twin",
    "Set the model, the policy and the run: a Monte Carlo estimate of every metric with its 95% CI.",
    expanded=True,
)
with left:
    st.subheader("Policy")
    spec = w.policy_picker("twin", default=core.OPTIMUM)
    solution = None
    if spec == core.OPTIMUM and params is not None:
        solution = w.attempt(st, lambda: core.cached_solve(env_id, overrides))
        if solution is not None and solution.policy is None:
            st.error(
                f"policy: no exact optimum for this model ({solution.reason}); pick a family or search: {solution.search}"
            )
            spec = None
        elif solution is not None:
            st.caption(
                f"optimum by {solution.method}: {solution.policy}, exact cost {solution.average_cost:.4f} per period"
            )
    st.subheader("Run")
    run = w.run_settings("twin", params)

with right:
    if params is None or spec is None or run is None:
        st.info("Correct the field marked in red to run the evaluation; the other fields keep their values.")
        st.stop()
    reps, horizon, warmup, seed = run
    ev = w.attempt(st, lambda: core.cached_evaluation(env_id, overrides, spec, reps, horizon, warmup, seed))
    if ev is None:
        st.stop()
    st.subheader("Metrics (mean and 95% CI over replications)")
    st.caption(f"{env_id}, policy `{spec}`: {reps} replications x {horizon} periods (warm-up {warmup}), seed {seed}")
    summary = ev.summary()[["mean", "ci_low", "ci_high"]]
    with st.container(key="ci_table"):
        st.table(summary.style.format("{:.4f}"))
    if solution is not None and solution.average_cost is not None:
        gap = core.gap_percent(ev["cost_per_period"].mean, solution.average_cost)
        st.metric(
            "simulated cost vs exact optimum", f"{ev['cost_per_period'].mean:.4f}", f"{gap:+.2f}%", delta_color="off"
        )
    st.download_button(
        "Download the per-replication table (CSV)",
        ev.table.to_csv().encode(),
        file_name="replications.csv",
        mime="text/csv",
        key="twin.csv",
    )
    periods = min(TRAJECTORY_PERIODS, horizon + warmup)
    traj = w.attempt(st, lambda: core.cached_trajectory(env_id, overrides, spec, periods, seed))
    if traj is not None:
        st.subheader(f"Trajectory: replication 0, first {periods} periods")
        st.line_chart(traj.set_index("period")[["inventory", "pipeline", "inventory_position", "order"]], height=260)
    st.subheader("Cost per episode over replications")
    chart = (
        alt.Chart(ev.table.reset_index())
        .mark_bar()
        .encode(
            alt.X("cost_per_episode:Q", bin=alt.Bin(maxbins=30), title="cost per episode"),
            alt.Y("count()", title="replications"),
        )
        .properties(height=220)
    )
    st.altair_chart(chart, width="stretch")
