"""The app's pages, headless (Streamlit's AppTest): shown numbers equal the suite's; bad input is an inline error.

Each page is run with its widgets set, and the numbers it shows are compared
with :func:`inv_gym.evaluation.evaluate`, :func:`agents.search.grid_search`,
:func:`inv_gym.analytic.solve.solve` and :func:`agents.bandit.run_bandit` for
the same seed and settings (exactly: the page calls these functions). A bad
value in each kind of field (a number, a distribution's form and text, a
choice-dependent policy parameter, a run setting, a grid, a list, a folder)
shows one inline error naming the field, no traceback, and keeps the other
fields' values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("streamlit")

from streamlit.testing.v1 import AppTest  # noqa: E402

from agents.bandit import PolicyArms, make_bandit, run_bandit  # noqa: E402
from agents.search import grid_search  # noqa: E402
from agents.specs import parse_policy  # noqa: E402
from experiments.app import core, page_path  # noqa: E402
from experiments.sweep import apply_vary  # noqa: E402
from inv_gym.analytic.solve import solve  # noqa: E402
from inv_gym.envs.streams import draw_paths  # noqa: E402
from inv_gym.evaluation import METRICS, evaluate, mean_ci  # noqa: E402
from inv_gym.presets import ENV_IDS, preset_params  # noqa: E402

TIMEOUT = 120


def page(name: str) -> AppTest:
    return AppTest.from_file(str(page_path(name)), default_timeout=TIMEOUT)


def clean(at: AppTest) -> None:
    """No traceback and no inline error."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def bad_value_shows_error(name: str, kept: tuple[str, float], key: str, kind: str, value, words) -> None:
    """Set the number field ``kept``, then a bad ``value`` in ``key``: one inline error, ``kept`` unchanged."""
    at = page(name).run()
    at.number_input(key=kept[0]).set_value(kept[1]).run()
    getattr(at, kind)(key=key).set_value(value).run()
    one_error(at, *words)
    assert at.number_input(key=kept[0]).value == kept[1]


def one_error(at: AppTest, *words: str) -> str:
    """Exactly one inline error, naming every word; no traceback."""
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.error) == 1, [e.value for e in at.error]
    msg = at.error[0].value
    for w in words:
        assert w in msg, msg
    return msg


# -- the chunked helpers give the one-call numbers ---------------------------------------------
def test_evaluation_in_chunks_equals_one_evaluate() -> None:
    params = preset_params("inv_gym/LostSales-v0")
    pol = parse_policy("base_stock:S=12")
    one = evaluate(pol, params, reps=11, horizon=150, warmup=10, seed=4)
    parts = []
    chunked = core.evaluate_in_chunks(
        pol,
        params,
        reps=11,
        horizon=150,
        warmup=10,
        seed=4,
        chunk=4 * 160,
        on_progress=lambda d, t: parts.append((d, t)),
    )
    assert parts == [(1, 3), (2, 3), (3, 3)]
    pd.testing.assert_frame_equal(chunked.table, one.table)
    assert chunked.metrics == one.metrics


def test_search_in_chunks_equals_one_grid_search() -> None:
    params = preset_params("inv_gym/Qr-v0")
    kw = dict(reps=6, horizon=120, warmup=0, seed=2, min_fill_rate=0.9)
    one = grid_search("ss", "s=0:10:2,S=30:46:4", params, progress=False, **kw)
    parts = []
    chunked = core.search_in_chunks(
        "ss", "s=0:10:2,S=30:46:4", params, chunk=6 * 120 * 7, on_progress=lambda d, t: parts.append(t), **kw
    )
    assert len(parts) > 2
    pd.testing.assert_frame_equal(chunked.table, one.table)
    pd.testing.assert_frame_equal(chunked.frontier, one.frontier)
    assert chunked.best_spec == one.best_spec


def test_oversized_work_is_refused_naming_the_fields() -> None:
    params = preset_params("inv_gym/Qr-v0")
    with pytest.raises(ValueError, match=r"reps x \(warmup \+ horizon\) is 100,000,000 .* \(lower reps or horizon\)"):
        core.check_run_settings(params, 100_000, 1000, 0, 0)


# -- Twin ---------------------------------------------------------------------------------------
def test_twin_shows_evaluate_of_the_same_settings() -> None:
    at = page("twin").run()
    clean(at)
    key = "twin.inv_gym/Qr-v0"
    at.number_input(key=f"{key}.holding_cost").set_value(2.0)
    at.number_input(key=f"{key}.demand.poisson.mean").set_value(12.0)
    at.selectbox(key="twin.policy").set_value("ss").run()
    at.number_input(key="twin.ss.s").set_value(9)
    at.number_input(key="twin.ss.S").set_value(45)
    at.number_input(key="twin.reps").set_value(30)
    at.number_input(key="twin.horizon").set_value(300)
    at.number_input(key="twin.warmup").set_value(20)
    at.number_input(key="twin.seed").set_value(3).run()
    clean(at)
    params = preset_params("inv_gym/Qr-v0", holding_cost=2.0, demand="poisson:12")
    ev = evaluate(parse_policy("ss:s=9,S=45"), params, reps=30, horizon=300, warmup=20, seed=3)
    shown = at.table[0].value
    assert list(shown.index) == list(METRICS)
    for m in METRICS:
        assert shown.loc[m, "mean"] == ev[m].mean
        assert shown.loc[m, "ci_low"] == ev[m].ci_low
        assert shown.loc[m, "ci_high"] == ev[m].ci_high
    assert any("demand text form: `poisson:12`" in c.value for c in at.caption)
    assert len(at.get("download_button")) == 1


def test_twin_optimum_is_solve_and_its_simulated_cost() -> None:
    at = page("twin")
    at.run()
    at.number_input(key="twin.reps").set_value(20)
    at.number_input(key="twin.horizon").set_value(200).run()
    clean(at)
    params = preset_params("inv_gym/Qr-v0")
    sol = solve(params)
    assert sol.policy == {"family": "ss", "s": 6, "S": 40}
    ev = evaluate(parse_policy("ss:s=6,S=40"), params, reps=20, horizon=200, seed=0)
    assert at.table[0].value.loc["cost_per_period", "mean"] == ev["cost_per_period"].mean
    assert at.metric[0].value == f"{ev['cost_per_period'].mean:.4f}"
    assert any(f"exact cost {sol.average_cost:.4f}" in c.value for c in at.caption)


def test_twin_results_are_cached_by_their_settings(monkeypatch) -> None:
    """A rerun with the same settings evaluates nothing; a changed setting evaluates once."""
    calls = []
    real = core.evaluate

    def counting(*args, **kwargs):
        calls.append(kwargs.get("seed"))
        return real(*args, **kwargs)

    monkeypatch.setattr(core, "evaluate", counting)
    at = page("twin").run()
    calls.clear()  # the default settings' evaluation (cached or not by earlier tests)
    at.number_input(key="twin.reps").set_value(7)
    at.number_input(key="twin.horizon").set_value(77)
    at.number_input(key="twin.seed").set_value(7071).run()
    clean(at)
    first = at.table[0].value
    assert calls == [7071]
    at.run()
    at.number_input(key="twin.inv_gym/Qr-v0.holding_cost").set_value(1.0).run()  # the same value: same settings
    assert calls == [7071]
    pd.testing.assert_frame_equal(at.table[0].value, first)
    at.number_input(key="twin.seed").set_value(7072).run()
    assert calls == [7071, 7072]


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_twin_edits_and_evaluates_every_registered_id(env_id: str) -> None:
    """Every field of every id has an editor, and the page's numbers are evaluate's."""
    at = page("twin").run()
    at.selectbox(key="twin.env").set_value(env_id)
    at.selectbox(key="twin.policy").set_value("constant").run()
    at.number_input(key="twin.constant.q").set_value(2)
    at.number_input(key="twin.reps").set_value(4)
    params = preset_params(env_id)
    if not params.finite_horizon:  # a finite-horizon model's horizon is its own (a fixed field)
        at.number_input(key="twin.horizon").set_value(30)
    at.run()
    clean(at)
    horizon = params.horizon if params.finite_horizon else 30
    ev = evaluate(parse_policy("constant:q=2"), params, reps=4, horizon=horizon, seed=0)
    assert at.table[0].value.loc["cost_per_period", "mean"] == ev["cost_per_period"].mean


@pytest.mark.parametrize(
    ("set_bad", "words"),
    [
        (lambda at, k: at.number_input(key=f"{k}.holding_cost").set_value(-1.0), ("holding_cost", ">= 0", "-1")),
        (lambda at, k: at.number_input(key=f"{k}.lead_time").set_value(-2), ("lead_time", ">= 0")),
        (lambda at, k: at.number_input(key=f"{k}.demand.poisson.mean").set_value(-2.0), ("demand", ">= 0", "-2")),
        (lambda at, k: at.text_input(key=f"{k}.capacity").set_value("abc"), ("capacity", ">= 0", "abc")),
        (lambda at, k: at.number_input(key="twin.reps").set_value(1), ("reps", ">= 2", "1")),
        (lambda at, k: at.number_input(key="twin.horizon").set_value(0), ("horizon", ">= 1", "0")),
        (lambda at, k: at.number_input(key="twin.seed").set_value(-1), ("seed", ">= 0", "-1")),
    ],
)
def test_twin_bad_number_is_an_inline_error_and_keeps_other_fields(set_bad, words) -> None:
    at = page("twin").run()
    k = "twin.inv_gym/Qr-v0"
    at.number_input(key=f"{k}.backorder_cost").set_value(19.0)
    at.number_input(key="twin.warmup").set_value(7).run()
    clean(at)
    set_bad(at, k)
    at.run()
    one_error(at, *words)
    assert not at.table  # nothing is evaluated on bad input
    assert at.number_input(key=f"{k}.backorder_cost").value == 19.0
    assert at.number_input(key="twin.warmup").value == 7


def test_twin_bad_distribution_text_and_policy_are_inline_errors() -> None:
    at = page("twin").run()
    k = "twin.inv_gym/Qr-v0"
    at.radio(key=f"{k}.demand.mode").set_value("text").run()
    at.text_input(key=f"{k}.demand.text").set_value("poison:5").run()
    one_error(at, "demand", "unknown distribution family 'poison'", "allowed: poisson")
    at.text_input(key=f"{k}.demand.text").set_value("round(gamma:mean=10,scv=0.5)").run()
    clean(at)
    at.selectbox(key="twin.policy").set_value("ss").run()
    at.number_input(key="twin.ss.s").set_value(50).run()
    one_error(at, "policy", "S must be > s", "s=50")
    assert at.text_input(key=f"{k}.demand.text").value == "round(gamma:mean=10,scv=0.5)"
    at.number_input(key="twin.ss.s").set_value(6)
    at.text_input(key=f"{k}.demand.text").set_value("renewal(gamma:mean=0.1,scv=2)")
    at.selectbox(key="twin.policy").set_value("optimum").run()
    one_error(at, "policy", "no exact optimum", "renewal demand", "inv-gym search")


# -- Scenarios ----------------------------------------------------------------------------------
def test_scenarios_show_evaluate_of_each_scenario_on_common_random_numbers() -> None:
    at = page("scenarios").run()
    clean(at)
    at.selectbox(key="scenarios.policy").set_value("base_stock").run()
    at.number_input(key="scenarios.base_stock.S").set_value(18)
    at.number_input(key="scenarios.reps").set_value(20)
    at.number_input(key="scenarios.horizon").set_value(200)
    at.number_input(key="scenarios.warmup").set_value(10)
    at.number_input(key="scenarios.seed").set_value(2)
    at.number_input(key="scenarios.demand_pct").set_value(30.0)
    at.text_input(key="scenarios.lead").set_value("4")
    at.number_input(key="scenarios.lead_start").set_value(50)
    at.number_input(key="scenarios.lead_end").set_value(120)
    at.text_area(key="scenarios.custom").set_value("backorder_cost=19").run()
    clean(at)
    params = preset_params("inv_gym/BaseStock-v0")
    pol = parse_policy("base_stock:S=18")
    run = dict(reps=20, horizon=200, warmup=10, seed=2)
    base = evaluate(pol, params, **run)
    more = evaluate(pol, apply_vary(params, "demand_mean", 6.5), **run)
    longer = params.replace(lead_time=4)
    demand, lead = draw_paths(params, 2, 20, 210)
    lead[:, 50:120] = draw_paths(longer, 2, 20, 210)[1][:, 50:120]
    disrupted = evaluate(pol, longer, demand=demand, lead_times=lead, **run)
    custom = evaluate(pol, params.replace(backorder_cost=19.0), **run)
    table = at.dataframe[0].value
    expected = [base, more, disrupted, custom]
    assert list(table["cost_per_period"]) == [e["cost_per_period"].mean for e in expected]
    assert list(table["fill_rate_ci_low"]) == [e["fill_rate"].ci_low for e in expected]
    change = mean_ci(more.per_replication["cost_per_period"] - base.per_replication["cost_per_period"])
    assert table["cost_change"][1] == change.mean and table["cost_change_ci_high"][1] == change.ci_high
    assert table["cost_change"][0] == 0.0
    assert table["scenario"][2] == "lead time 4 in periods [50, 120)"


def test_scenarios_a_scenario_the_policy_cannot_act_in_is_a_warning_not_a_stop() -> None:
    """The DP optimum of Zipkin's L = 1 instance has no action for a 4-period pipeline; the rest still runs."""
    at = page("scenarios").run()
    at.selectbox(key="scenarios.env").set_value("inv_gym/LostSales-v0")
    at.number_input(key="scenarios.reps").set_value(10)
    at.number_input(key="scenarios.horizon").set_value(100).run()
    clean(at)
    assert len(at.warning) == 1 and at.warning[0].value.startswith("lead time duniform:low=2,high=4")
    assert list(at.table[0].value.index) == ["baseline", "demand +30%", "custom: holding_cost=2"]


@pytest.mark.parametrize(
    ("key", "kind", "value", "words"),
    [
        ("scenarios.custom", "text_area", "foo=1", ("foo",)),
        ("scenarios.custom", "text_area", "holding_cost", ("custom change", "NAME=VALUE")),
        ("scenarios.lead", "text_input", "duniform:low=3", ("duniform", "high")),
        ("scenarios.lead_end", "number_input", 5000, ("disruption", "1100")),
        ("scenarios.demand_pct", "number_input", -150.0, ("poisson", ">= 0")),
    ],
)
def test_scenarios_bad_input_is_an_inline_error(key, kind, value, words) -> None:
    bad_value_shows_error("scenarios", ("scenarios.reps", 10), key, kind, value, words)


# -- Optimise -----------------------------------------------------------------------------------
def test_optimise_shows_grid_search_and_the_exact_optimum() -> None:
    at = page("optimise").run()
    clean(at)
    at.text_input(key="optimise.grid.ss").set_value("s=4:8:2,S=36:44:4")
    at.number_input(key="optimise.min_fill_rate").set_value(0.97)
    at.number_input(key="optimise.reps").set_value(20)
    at.number_input(key="optimise.horizon").set_value(200)
    at.number_input(key="optimise.warmup").set_value(10)
    at.number_input(key="optimise.seed").set_value(1).run()
    clean(at)
    res = grid_search(
        "ss",
        "s=4:8:2,S=36:44:4",
        "inv_gym/Qr-v0",
        reps=20,
        horizon=200,
        warmup=10,
        seed=1,
        min_fill_rate=0.97,
        progress=False,
    )
    ranked = at.dataframe[1].value
    assert list(ranked["spec"]) == list(res.table["spec"])
    assert list(ranked["cost_per_period"]) == list(res.table["cost_per_period"])
    assert list(ranked["feasible"]) == list(res.table["feasible"])
    frontier = at.dataframe[0].value
    assert list(frontier["spec"]) == list(res.frontier["spec"])
    assert any(m.value == f"`{res.best_spec}`" for m in at.markdown)
    best_cost = at.metric[0]
    assert best_cost.value == f"{res.best['cost_per_period']:.4f}"
    sol = solve(preset_params("inv_gym/Qr-v0"))
    assert at.metric[2].value == f"{sol.average_cost:.4f}"
    gap = 100 * (res.best["cost_per_period"] - sol.average_cost) / sol.average_cost
    assert at.metric[2].delta == f"best in grid {gap:+.2f}%"


@pytest.mark.parametrize(
    ("key", "kind", "value", "words"),
    [
        ("optimise.grid.ss", "text_input", "s=4:8:2", ("needs s, S", "missing S")),
        ("optimise.grid.ss", "text_input", "s=8:4,S=30:40", ("grid range for s is empty",)),
        ("optimise.min_fill_rate", "number_input", 1.5, ("minimum fill rate", "[0, 1]", "1.5")),
        ("optimise.reps", "number_input", 0, ("reps", ">= 2")),
    ],
)
def test_optimise_bad_input_is_an_inline_error(key, kind, value, words) -> None:
    bad_value_shows_error("optimise", ("optimise.seed", 5), key, kind, value, words)


# -- Bandits ------------------------------------------------------------------------------------
def test_bandits_show_run_bandit_and_grid_search_values() -> None:
    at = page("bandits").run()
    at.text_input(key="bandits.grid.ss").set_value("s=4:8:2,S=36:44:4")
    at.text_input(key="bandits.epsilons").set_value("0 0.1")
    at.checkbox(key="bandits.thompson").set_value(False)
    at.number_input(key="bandits.runs").set_value(4)
    at.number_input(key="bandits.iterations").set_value(12)
    at.number_input(key="bandits.horizon").set_value(50)
    at.number_input(key="bandits.true_reps").set_value(10)
    at.number_input(key="bandits.seed").set_value(3).run()
    clean(at)
    params = preset_params("inv_gym/Qr-v0")
    arms = PolicyArms("ss", "s=4:8:2,S=36:44:4")
    summary = at.table[0].value
    assert list(summary.index) == ["epsilon 0", "epsilon 0.1", "UCB1"]
    for k, (algo, kw) in enumerate(
        [("epsilon", {"epsilon": 0.0}), ("epsilon", {"epsilon": 0.1}), ("ucb1", {"c": "auto"})]
    ):
        bandit = make_bandit(algo, arms.n_arms, runs=4, seed=np.random.SeedSequence([3, 2, k]), **kw)
        res = run_bandit(arms, bandit, params, iterations=12, horizon=50, seed=3)
        assert summary["mean reward"].iloc[k] == res.rewards.mean()
        assert summary["most pulled arm"].iloc[k] == arms.labels()[res.best_arm_index()]
    truth = grid_search("ss", "s=4:8:2,S=36:44:4", params, reps=10, horizon=50, seed=4, progress=False)
    shown = at.dataframe[0].value
    by_spec = dict(zip(truth.table["spec"], truth.table["reward_per_period"]))
    expected = [by_spec[f"ss:s={row[0]:g},S={row[1]:g}"] for row in arms.table]
    assert list(shown["true value"]) == expected


@pytest.mark.parametrize(
    ("key", "kind", "value", "words"),
    [
        ("bandits.epsilons", "text_input", "0 2", ("epsilon", "[0, 1]", "2")),
        ("bandits.epsilons", "text_input", "0 x", ("epsilon", "x")),
        ("bandits.grid.ss", "text_input", "s=4:8,S=2", ("S must be > s",)),
        ("bandits.runs", "number_input", 0, ("runs", ">= 1", "0")),
        ("bandits.true_reps", "number_input", 1, ("true-value reps", ">= 2")),
    ],
)
def test_bandits_bad_input_is_an_inline_error(key, kind, value, words) -> None:
    bad_value_shows_error("bandits", ("bandits.iterations", 3), key, kind, value, words)


# -- Learned vs classical -----------------------------------------------------------------------
def test_benchmark_page_shows_the_folder_table_and_plots() -> None:
    at = page("benchmark").run()
    clean(at)
    table = pd.read_csv(page_path("twin").parents[3] / "docs" / "benchmark-quick" / "table.csv")
    shown = at.dataframe[0].value
    assert len(shown) == len(table)
    assert list(shown["gap_pct"].fillna(-1)) == list(table["gap_pct"].fillna(-1))
    assert list(shown["agent"]) == list(table["agent"])
    assert len(at.get("image")) >= 1
    at.multiselect(key="benchmark.instances").set_value(["Qr"]).run()
    assert set(at.dataframe[0].value["instance"]) == {"Qr"}


def test_benchmark_page_scores_a_spec_with_inv_gym_score() -> None:
    import inv_gym
    from inv_gym.instances import get_instance

    at = page("benchmark").run()
    clean(at)
    options = at.selectbox(key="score.instance").options
    assert "zipkin-lost-sales/L4-p39" in options and not any(o.startswith("serial/") for o in options)
    at.selectbox(key="score.instance").set_value("zipkin-lost-sales/L2-p9").run()
    assert (
        at.text_input(key="score.spec.zipkin-lost-sales/L2-p9").value
        == get_instance("zipkin-lost-sales/L2-p9").best_heuristic
    )
    at.text_input(key="score.spec.zipkin-lost-sales/L2-p9").set_value("base_stock:S=17")
    at.number_input(key="score.reps").set_value(20)
    at.number_input(key="score.horizon").set_value(300)
    at.number_input(key="score.warmup").set_value(20)
    at.number_input(key="score.seed").set_value(1).run()
    clean(at)
    s = inv_gym.score(
        parse_policy("base_stock:S=17"), "zipkin-lost-sales/L2-p9", reps=20, horizon=300, warmup=20, seed=1
    )
    shown = at.table[0].value
    assert shown.loc["cost per period"].tolist() == [s.cost.mean, s.cost.ci_low, s.cost.ci_high]
    assert shown.loc["gap to the optimum (%)"].tolist() == [100 * s.gap.mean, 100 * s.gap.ci_low, 100 * s.gap.ci_high]
    h = s.heuristic_gap
    assert shown.loc["gap to the best heuristic (%)"].tolist() == [100 * h.mean, 100 * h.ci_low, 100 * h.ci_high]


@pytest.mark.parametrize(
    ("key", "kind", "value", "words"),
    [
        ("score.spec.zipkin-lost-sales/L1-p4", "text_input", "capped_base_stock:S=12", ("policy", "cap")),
        ("score.reps", "number_input", 1, ("reps", ">= 2", "1")),
    ],
)
def test_benchmark_page_bad_score_input_is_an_inline_error(key, kind, value, words) -> None:
    bad_value_shows_error("benchmark", ("score.seed", 4), key, kind, value, words)


def test_benchmark_page_bad_folder_is_an_inline_error() -> None:
    at = page("benchmark").run()
    at.text_input(key="benchmark.folder").set_value("no/such/folder").run()
    one_error(at, "benchmark folder", "table.csv", "no/such/folder")


# -- the command ---------------------------------------------------------------------------------
def test_inv_gym_app_command(capsys) -> None:
    from experiments.cli import main
    from experiments.commands.app import command

    cmd = command(8765, "127.0.0.1")
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4].endswith("experiments/app/main.py")
    assert cmd[cmd.index("--server.port") + 1] == "8765" and cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert main(["app", "--port", "0"]) == 2
    assert "--port must be in [1, 65535], got 0" in capsys.readouterr().err
