"""Scenarios: the baseline against more demand, a lead-time disruption and a custom change.

One policy (made for the baseline) runs in every scenario on common random
numbers (one seed): the demand draws are the baseline's wherever the demand
distribution is unchanged, so the differences are paired per replication and
their CIs are narrow. Each scenario is one :func:`inv_gym.evaluation.evaluate`;
demand and custom changes go through :func:`experiments.sweep.apply_vary`
(``demand_mean`` keeps the family and its SCV; any parameter field, or
``demand_scv``, ``lead_time_mean``, ... as in ``inv-gym sweep``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from experiments.app import core
from experiments.app import widgets as w
from experiments.sweep import apply_vary
from inv_gym.params import InventoryParams

#: metrics compared across scenarios
METRICS = ("cost_per_period", "fill_rate", "average_on_hand", "average_backorders", "lost_units")


def changed(params: InventoryParams, lines: str) -> InventoryParams:
    """``params`` with one ``NAME=VALUE`` change per line (see :func:`experiments.sweep.apply_vary`)."""
    out = params
    for line in filter(None, (x.strip() for x in lines.splitlines())):
        if "=" not in line:
            raise ValueError(f"custom change: each line must be NAME=VALUE, got {line!r}")
        name, value = (x.strip() for x in line.split("=", 1))
        out = apply_vary(out, name, value)
    return out


left, right, env_id, overrides, params = w.page_start(
    "scenarios",
    "Scenarios",
    "The same policy in changed worlds, side by side on common random numbers.",
    default="inv_gym/BaseStock-v0",
)
with left:
    st.subheader("Policy")
    spec = w.policy_picker("scenarios", default=core.OPTIMUM)
    if (
        spec == core.OPTIMUM
        and params is not None
        and w.attempt(st, lambda: core.make_policy(spec, env_id, overrides)) is None
    ):
        spec = None
    st.subheader("Run")
    run = w.run_settings("scenarios", params, reps=100, horizon=1000, warmup=100)
    st.subheader("Scenarios")
    more = st.number_input(
        "demand change (% of the mean; 0: none)", value=30.0, format="%g", key="scenarios.demand_pct"
    )
    c1, c2, c3 = st.columns(3)
    lead_text = c1.text_input("disrupted lead time (blank: none)", value="duniform:low=2,high=4", key="scenarios.lead")
    start = c2.number_input("from period", value=0, step=1, key="scenarios.lead_start")
    end = c3.number_input("to period (0: the end)", value=0, step=1, key="scenarios.lead_end")
    custom = st.text_area("custom change (NAME=VALUE, one per line)", value="holding_cost=2", key="scenarios.custom")
    scenarios: dict[str, dict] = {}
    if params is not None and run is not None:
        # each scenario stands alone: a bad field shows its error and leaves the others to run
        total = run[1] + run[2]
        scenarios["baseline"] = {"overrides": overrides}
        if more != 0:
            demand = w.attempt(
                st, lambda: apply_vary(params, "demand_mean", params.demand.mean * (1 + more / 100)), "demand change"
            )
            if demand is not None:
                scenarios[f"demand {more:+g}%"] = {"overrides": core.overrides_of(env_id, demand)}
        if lead_text.strip():
            lead = w.attempt(st, lambda: core.build_params(env_id, {**dict(overrides), "lead_time": lead_text}))
            window = (int(start), int(end) or total)
            if lead is not None and not 0 <= window[0] < window[1] <= total:
                st.error(
                    f"the disruption's periods must satisfy 0 <= from < to <= warmup + horizon = {total}, got {window}"
                )
            elif lead is not None:
                scenarios[f"lead time {lead_text.strip()} in periods [{window[0]}, {window[1]})"] = {
                    "overrides": overrides,
                    "disruption": (window[0], window[1], lead.to_dict()["lead_time"]),
                }
        if custom.strip():
            cust = w.attempt(st, lambda: changed(params, custom))
            if cust is not None:
                label = "; ".join(x.strip() for x in custom.splitlines() if x.strip())
                scenarios[f"custom: {label}"] = {"overrides": core.overrides_of(env_id, cust)}

with right:
    if not scenarios or spec is None or run is None:
        st.info("Correct the field marked in red to run the scenarios; the other fields keep their values.")
        st.stop()
    reps, horizon, warmup, seed = run
    results = {}
    for name, sc in scenarios.items():
        try:
            results[name] = core.cached_evaluation(
                env_id,
                sc["overrides"],
                spec,
                reps,
                horizon,
                warmup,
                seed,
                disruption=sc.get("disruption"),
                policy_overrides=overrides,
            )
        except ValueError as exc:
            if name == "baseline":
                st.error(str(exc))
                st.stop()
            st.warning(f"{name}: not run ({exc})")
    base_ev = results["baseline"]
    rows = []
    for name, ev in results.items():
        row: dict = {"scenario": name}
        for m in METRICS:
            c = ev[m]
            row[m] = c.mean
            row[f"{m}_ci_low"] = c.ci_low
            row[f"{m}_ci_high"] = c.ci_high
        d, lo, hi = core.paired_difference(ev, base_ev, "cost_per_period")
        row["cost_change"], row["cost_change_ci_low"], row["cost_change_ci_high"] = d, lo, hi
        rows.append(row)
    table = pd.DataFrame(rows)
    st.subheader("Cost per period and fill rate (95% CIs; change vs baseline paired per replication)")
    st.caption(
        f"policy `{spec}` made for the baseline; {reps} replications x {horizon} periods (warm-up {warmup}), seed {seed}"
    )

    def ci(m: str) -> pd.Series:
        return table.apply(lambda r: f"{r[m]:.4f} [{r[m + '_ci_low']:.4f}, {r[m + '_ci_high']:.4f}]", axis=1)

    shown = pd.DataFrame(
        {
            "cost/period [95% CI]": ci("cost_per_period"),
            "change vs baseline": ci("cost_change"),
            "fill rate": ci("fill_rate"),
        }
    )
    shown.index = table["scenario"]
    with st.container(key="scenario_table"):
        st.table(shown)
    st.bar_chart(table.set_index("scenario")[["cost_per_period"]], height=240, horizontal=True)
    st.dataframe(table, hide_index=True)
    st.download_button(
        "Download the scenario table (CSV)",
        table.to_csv(index=False).encode(),
        "scenarios.csv",
        "text/csv",
        key="scenarios.csv",
    )
