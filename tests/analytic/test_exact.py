"""Certified optima for random lead times and finite horizons; exact evaluation of any policy.

Acceptance of the exact methods: the optimal policies simulated in the envs
land in the 95% CI of the exact value; no heuristic beats the optimum (exact
exhaustive search); backward induction and forward propagation equal a
brute-force enumeration of every path on tiny instances; oversized state
spaces and unsettled policies are refused with the numbers to change.
"""

from __future__ import annotations

import itertools
import math
import tracemalloc

import gymnasium as gym
import numpy as np
import pytest

import inv_gym  # noqa: F401  (registers the ids)
from agents.analytical import optimal_policy
from agents.heuristics import RQ, SS, BaseStock, ConstantOrder, PeriodicReview
from inv_gym.analytic.dp import TruncationWarning, evaluate_policy_dp, solve_dp
from inv_gym.analytic.finite_horizon import evaluate_policy_finite_horizon, solve_finite_horizon
from inv_gym.analytic.solve import evaluate_exact, solve
from inv_gym.dynamics import EV, EVENTS, initial_state, kernel_params, step
from inv_gym.evaluation import evaluate, trajectory
from inv_gym.params import InventoryParams
from inv_gym.presets import preset_params

SLT = "inv_gym/StochasticLeadTime-v0"
MIXERS = "inv_gym/ConcreteMixers-v0"


def _inside(value: float, ci, slack: float = 1e-9) -> bool:
    return ci.ci_low - slack <= value <= ci.ci_high + slack


# ---------------------------------------------------------------------------
# Random lead times, one outstanding order: relative value iteration
# ---------------------------------------------------------------------------

LONG_RUN_CASES = [
    ("default", {}),
    ("lost sales", dict(stockout="lost_sales", lost_sales_cost=9.0, backorder_cost=0.0)),
    ("lead 0..2, K=5", dict(lead_time="duniform:low=0,high=2", fixed_order_cost=5.0, demand="poisson:3", max_order=30)),
    (
        "geometric-like lead",
        dict(lead_time="empirical:values=1 2 5,probs=0.5 0.3 0.2", demand="poisson:2", max_order=30),
    ),
]


@pytest.mark.parametrize("name,overrides", LONG_RUN_CASES, ids=[c[0] for c in LONG_RUN_CASES])
def test_random_lead_time_optimum_simulated_within_ci(name: str, overrides: dict) -> None:
    params = preset_params(SLT, **overrides)
    sol, pol = optimal_policy(params)
    assert sol.method == "dp" and sol.exact
    assert sol.details["boundary_mass"] < 1e-9
    lo, hi = sol.details["gain_bounds"]
    assert hi - lo < 1e-6
    ev = evaluate(pol, params, reps=100, horizon=1500, warmup=200, seed=1)
    assert _inside(sol.average_cost, ev["cost_per_period"]), (sol.average_cost, ev["cost_per_period"])


def test_stochastic_lead_time_default_optimum_is_an_s_S_policy() -> None:
    """The certified optimum of the preset: 21.2951 per period, (s, S) = (19, 37) where an order can be placed."""
    sol = solve(preset_params(SLT))
    assert sol.average_cost == pytest.approx(21.29515, abs=1e-4)
    assert (sol.details["structure"]["s"], sol.details["structure"]["S"]) == (19, 37)
    # the (s, S) policy read off the table costs the optimum exactly
    ss = evaluate_exact(SS(19, 37), preset_params(SLT))
    assert ss["cost_per_period"] == pytest.approx(sol.average_cost, abs=1e-7)


def test_dp_policy_runs_in_the_env_with_random_lead_times() -> None:
    params = preset_params(SLT)
    res = solve_dp(params)
    policy = res.policy()
    env = gym.make(SLT)
    obs, _ = env.reset(seed=5)
    total = 0.0
    n = 3000
    for _ in range(n):
        action, _ = policy.predict(obs)
        obs, reward, _, truncated, _ = env.step(int(action))
        total -= reward
        if truncated:
            obs, _ = env.reset()
    # one long path: the per-period cost is near the optimum (sd of a period's cost ~ 25; 3000 periods)
    assert abs(total / n - res.average_cost) < 3.0
    assert np.array_equal(policy.act(res._space.observations()), res.policy_table)


def _exhaustive_ss(params: InventoryParams, bounds: dict, s_range: range, top: int) -> tuple[float, float]:
    """Best (s, S) and best base stock (s = S - 1) by exact evaluation of every pair with s < S <= top."""
    best_ss = best_bs = math.inf
    for big_s in range(s_range.start + 1, top + 1):
        for s in s_range:
            if s >= big_s:
                break
            c = evaluate_policy_dp(SS(s, big_s), params, **bounds).average_cost
            best_ss = min(best_ss, c)
            if s == big_s - 1:
                best_bs = min(best_bs, c)
    return best_ss, best_bs


def test_no_heuristic_beats_the_random_lead_time_optimum() -> None:
    """Exact search over (s, S), base stock and (r, Q) on a small random-lead-time instance.

    Every (s, S) with -1 <= s <= 12 and s < S <= M (the DP's bound on the
    inventory position, above every level the optimum orders up to), every
    base stock S <= M and (r, Q) on a grid with r + Q <= M; the optimum is
    itself an (s, S) policy where an order can be placed, so the best (s, S)
    ties it.
    """
    params = preset_params(
        SLT, demand="poisson:1.5", lead_time="duniform:low=1,high=3", fixed_order_cost=8.0, max_order=15
    )
    res = solve_dp(params)
    m = res.max_inventory
    bounds = dict(max_inventory=m, max_backorder=res.max_backorder)
    best_ss, best_bs = _exhaustive_ss(params, bounds, range(-1, 13), m)
    best_bs = min(
        [best_bs] + [evaluate_policy_dp(BaseStock(s), params, **bounds).average_cost for s in range(14, m + 1)]
    )
    best_rq = min(
        evaluate_policy_dp(RQ(r, q), params, **bounds).average_cost
        for r in range(-1, 11)
        for q in range(2, 16, 2)
        if r + q <= m
    )
    assert res.average_cost <= min(best_ss, best_bs, best_rq) + 1e-7
    assert best_ss == pytest.approx(res.average_cost, abs=1e-7)
    assert best_bs > res.average_cost + 0.5  # base stock ignores K: clearly worse
    # the DP's own policy evaluated exactly costs the optimum
    assert evaluate_policy_dp(res.policy(), params, **bounds).average_cost == pytest.approx(res.average_cost, abs=1e-7)


# ---------------------------------------------------------------------------
# Finite horizons: backward induction, forward propagation
# ---------------------------------------------------------------------------

FINITE_CASES = [  # name, id, overrides, seed of the simulation (independent draws per case)
    ("concrete mixers", MIXERS, {}, 201),
    (
        "mixers, 10 days, backorders",
        MIXERS,
        dict(horizon=10, stockout="backorder", backorder_cost=0.3, holding_cost=0.02),
        202,
    ),
    ("mixers, one outstanding", MIXERS, dict(one_outstanding=True, fixed_order_cost=2.0), 200),
]


@pytest.mark.parametrize("name,env_id,overrides,seed", FINITE_CASES, ids=[c[0] for c in FINITE_CASES])
def test_finite_horizon_optimum_simulated_within_ci(name: str, env_id: str, overrides: dict, seed: int) -> None:
    """The optimal month simulated: its total cost lies in the 95% CI around the simulated mean.

    The z-scores of the simulated mean against the exact value were checked
    over 15 seeds (one-outstanding case: mean 0.14, sd 0.97), so a miss of the
    95% interval happens by chance in 5% of seeds; the seeds are fixed.
    """
    params = preset_params(env_id, **overrides)
    sol, pol = optimal_policy(params)
    assert sol.method == "backward_induction"
    ev = evaluate(pol, params, reps=20_000, seed=seed)
    total = sol.details["total_cost"]
    assert _inside(total, ev["cost_per_episode"]), (total, ev["cost_per_episode"])


def test_concrete_mixers_optimum_in_the_gym_env() -> None:
    """The time-dependent policy reads the observation's period entry in the registered env."""
    params = preset_params(MIXERS)
    res = solve_finite_horizon(params)
    policy = res.policy()
    env = gym.make(MIXERS)
    months = np.empty(1500)
    for i in range(months.size):
        obs, _ = env.reset(seed=1000 + i)
        cost, done = 0.0, False
        while not done:
            action, _ = policy.predict(obs)
            obs, reward, terminated, truncated, _ = env.step(int(action))
            cost -= reward
            done = terminated or truncated
        months[i] = cost
    half = 1.96 * months.std(ddof=1) / math.sqrt(months.size)
    assert abs(months.mean() - res.total_cost) <= half, (months.mean(), half, res.total_cost)


def test_no_review_period_or_s_S_beats_the_month_optimum() -> None:
    params = preset_params(MIXERS)
    opt = solve_finite_horizon(params).total_cost
    assert opt == pytest.approx(4.93581, abs=1e-4)
    periodic = {
        (T, basis): evaluate_policy_finite_horizon(PeriodicReview(T, 11, basis=basis), params).total_cost
        for T in range(1, 11)
        for basis in ("inventory_position", "on_hand")
    }
    ss = [
        evaluate_policy_finite_horizon(SS(s, big_s), params).total_cost
        for big_s in range(1, 23)
        for s in range(0, big_s)
    ]
    base = [evaluate_policy_finite_horizon(BaseStock(big_s), params).total_cost for big_s in range(0, 23)]
    assert opt <= min(periodic.values()) and opt <= min(ss) and opt <= min(base)
    assert min(periodic, key=periodic.get) == (5, "inventory_position")
    assert periodic[(5, "inventory_position")] == pytest.approx(5.91516, abs=1e-4)


def test_newsvendor_one_period_check() -> None:
    """One period: backward induction gives the newsvendor's integer optimum (profit and order)."""
    params = preset_params("inv_gym/Newsvendor-v0", demand="round(normal:mean=100,sd=20)")
    news = solve(params)
    assert news.method == "newsvendor"
    fh = solve_finite_horizon(params)
    assert fh.total_cost == pytest.approx(news.average_cost, abs=1e-6)
    assert int(fh.policy_table[0, fh._space.start]) == news.policy["S"]


TINY = [
    # lost sales, capacity, random lead 0/1 crossing, fixed and unit cost, holding, salvage
    dict(
        demand="empirical:values=0 1 2,probs=0.3 0.4 0.3",
        lead_time="empirical:values=0 1,probs=0.6 0.4",
        stockout="lost_sales",
        holding_cost=0.2,
        lost_sales_cost=2.0,
        fixed_order_cost=1.0,
        unit_cost=0.5,
        salvage_value=0.3,
        capacity=3.0,
        initial_inventory=1.0,
        max_order=3,
        horizon=3,
        finite_horizon=True,
    ),
    # backorders, fixed lead time 1, price and salvage
    dict(
        demand="empirical:values=0 1 2,probs=0.2 0.5 0.3",
        lead_time=1,
        stockout="backorder",
        holding_cost=0.1,
        backorder_cost=1.5,
        fixed_order_cost=0.5,
        unit_cost=1.0,
        price=2.0,
        salvage_value=0.5,
        max_order=3,
        horizon=3,
        finite_horizon=True,
    ),
    # one outstanding order, random lead 1..2, lost sales
    dict(
        demand="empirical:values=0 1 2,probs=0.25 0.5 0.25",
        lead_time="empirical:values=1 2,probs=0.5 0.5",
        stockout="lost_sales",
        holding_cost=0.3,
        lost_sales_cost=3.0,
        fixed_order_cost=1.0,
        one_outstanding=True,
        initial_inventory=2.0,
        max_order=3,
        horizon=3,
        finite_horizon=True,
    ),
]


def _branches(params: InventoryParams) -> list[tuple[float, float, int]]:
    """Every (probability, demand, lead time) of one period, enumerated from the laws."""
    _, dp_ = params.demand.pmf_table()
    if params.random_lead_time:
        _, lp = params.lead_time.pmf_table(1e-9)
    else:
        lp = np.zeros(int(params.lead_time) + 1)
        lp[-1] = 1.0
    return [(dp_[d] * lp[lt], float(d), lt) for d in range(dp_.size) for lt in range(lp.size) if dp_[d] * lp[lt] > 0]


def _kernel_step(params: InventoryParams, data: np.ndarray, q: float, d: float, lt: int, last: bool):
    state = initial_state(params, 1)
    state.data[:] = data
    events = step(kernel_params(params), state, np.array([q]), np.array([d]), np.array([lt]), np.array([last]))
    return state.data.copy(), -events[0, EV["reward"]]


def _obs(params: InventoryParams, data: np.ndarray, t: int) -> np.ndarray:
    from inv_gym.dynamics import State, observe

    st = State(data.copy(), params.n_ages, params.max_lead_time)
    st.data[:, 1] = t
    return observe(params, st)


def _brute_optimum(params: InventoryParams, data: np.ndarray, t: int) -> float:
    """min over orders of the expected cost of the rest of the horizon, by recursion over every path."""
    if t == params.horizon:
        return 0.0
    best = math.inf
    for q in range(params.max_order + 1):
        total = 0.0
        for prob, d, lt in _branches(params):
            nxt, cost = _kernel_step(params, data, float(q), d, lt, t == params.horizon - 1)
            total += prob * (cost + _brute_optimum(params, nxt, t + 1))
        best = min(best, total)
    return best


def _brute_policy(params: InventoryParams, act, data: np.ndarray, t: int) -> float:
    """Expected cost of a policy over every path (the policy reads the observation with its period)."""
    if t == params.horizon:
        return 0.0
    q = float(np.asarray(act(_obs(params, data, t))).reshape(-1)[0])
    total = 0.0
    for prob, d, lt in _branches(params):
        nxt, cost = _kernel_step(params, data, q, d, lt, t == params.horizon - 1)
        total += prob * (cost + _brute_policy(params, act, nxt, t + 1))
    return total


@pytest.mark.parametrize("kwargs", TINY, ids=["lost-sales-crossing", "backorder-priced", "one-outstanding"])
def test_finite_horizon_equals_brute_force_enumeration(kwargs: dict) -> None:
    params = InventoryParams(**kwargs)
    start = initial_state(params, 1).data
    res = solve_finite_horizon(params)
    assert res.boundary_mass == 0
    assert res.total_cost == pytest.approx(_brute_optimum(params, start, 0), abs=1e-10)
    # forward propagation of a period-dependent policy equals the path enumeration
    pol = PeriodicReview(2, 3).bind(params)
    brute = _brute_policy(params, pol.act, start, 0)  # the policy reads the period from the observation
    exact = evaluate_policy_finite_horizon(PeriodicReview(2, 3), params).total_cost
    assert exact == pytest.approx(brute, abs=1e-10)
    opt_pol = res.policy()
    assert _brute_policy(params, opt_pol.act, start, 0) == pytest.approx(res.total_cost, abs=1e-10)
    # the DP's own time-dependent policy, evaluated by forward propagation, costs the optimum
    assert evaluate_policy_finite_horizon(opt_pol, params).total_cost == pytest.approx(res.total_cost, abs=1e-10)


# ---------------------------------------------------------------------------
# Exact evaluation of every policy family against simulation
# ---------------------------------------------------------------------------

EVAL_CASES = [
    (MIXERS, {}, "periodic:T=3,S=11", None),
    (MIXERS, {}, "periodic:T=4,S=9,basis=on_hand", None),
    (MIXERS, {}, "ss:s=4,S=11", None),
    (MIXERS, dict(finite_horizon=False, horizon=1000), "periodic:T=5,S=11", 5),
    (MIXERS, dict(finite_horizon=False, horizon=1000), "periodic:T=3,S=8,basis=on_hand", 3),
    (SLT, {}, "ss:s=15,S=40", None),
    (SLT, {}, "rq:r=18,Q=20", None),
    (SLT, {}, "base_stock:S=30", None),
]


@pytest.mark.parametrize("env_id,overrides,spec,cycle", EVAL_CASES)
def test_exact_evaluation_matches_simulation(env_id: str, overrides: dict, spec: str, cycle: int | None) -> None:
    from agents.specs import parse_policy

    params = preset_params(env_id, **overrides)
    policy = parse_policy(spec)
    exact = evaluate_exact(policy, params, cycle=cycle)
    if params.finite_horizon:
        ev = evaluate(policy, params, reps=20_000, seed=31)
    else:
        ev = evaluate(policy, params, reps=60, horizon=1500, warmup=100, seed=31)
    assert _inside(exact["cost_per_period"], ev["cost_per_period"]), (exact["cost_per_period"], ev["cost_per_period"])
    # the other metrics, four at a time: within two half-widths (about four standard errors), or 1e-4 where the
    # simulation's interval has zero width (every fifth period orders unless five days had no demand at all)
    for metric in ("orders_placed", "zero_stock_periods", "demand_on_zero_stock_periods", "lost_units"):
        ci = ev[metric]
        assert abs(exact[metric] - ci.mean) <= 2 * ci.half_width + 1e-4, (metric, exact[metric], ci)


def test_period_dependent_policy_needs_its_cycle() -> None:
    params = preset_params(MIXERS, finite_horizon=False, horizon=1000)
    with pytest.raises(ValueError, match="cycle=T"):
        evaluate_policy_dp(PeriodicReview(5, 11), params)
    with pytest.raises(ValueError, match="cycle must be an integer >= 1"):
        evaluate_policy_dp(PeriodicReview(5, 11), params, cycle=0)


def test_unsettled_policy_is_refused_naming_the_tolerance() -> None:
    """Ordering 7 per period against a mean demand of 5: the stock never settles."""
    params = preset_params("inv_gym/LostSales-v0")
    with pytest.raises(ValueError, match=r"boundary mass 0\.\d+ per period > boundary_tol=1e-06"):
        evaluate_policy_dp(ConstantOrder(7), params)
    with pytest.warns(TruncationWarning, match="boundary_tol=0.01"):
        ev = evaluate_policy_dp(ConstantOrder(7), params, boundary_tol=0.01, strict=False)
    assert ev.boundary_mass > 0.5
    # a policy that settles beyond the default bound: the bound grows until it no longer binds
    ok = evaluate_policy_dp(BaseStock(40), params)
    assert ok.boundary_mass <= 1e-6 and ok.max_inventory >= 40


def test_oversized_state_space_is_refused_before_allocating() -> None:
    big = preset_params(SLT, lead_time="duniform:low=1,high=30", max_order=2000)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"needs candidate states .*max_inventory \(M = \d+\).*max_order"):
            solve_dp(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50e6
    with pytest.raises(ValueError, match=r"backward induction needs \d+ \(period, state\) values.*horizon"):
        solve_finite_horizon(preset_params(MIXERS, horizon=400_000))


def test_finite_horizon_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="finite_horizon must be True"):
        solve_finite_horizon(preset_params(SLT))
    with pytest.raises(ValueError, match="max_inventory must be an integer >= 1"):
        solve_finite_horizon(preset_params(MIXERS), max_inventory=0)
    with pytest.raises(ValueError, match="period must be in"):
        solve_finite_horizon(preset_params(MIXERS)).policy().act(np.array([[3.0, 0.0, 0.0, 30.0]]))


# ---------------------------------------------------------------------------
# The spreadsheet's count
# ---------------------------------------------------------------------------


def test_zero_stock_metrics_count_the_trajectory() -> None:
    params = preset_params(MIXERS)
    pol = PeriodicReview(5, 11)
    ev = evaluate(pol, params, reps=30, seed=4)
    tr = trajectory(pol, params, reps=30, seed=4)
    empty = tr.on_hand == 0
    per_rep_days = empty.groupby(tr.replication).mean().to_numpy()
    per_rep_demand = (tr.demand * empty).groupby(tr.replication).mean().to_numpy()
    assert np.allclose(ev.per_replication["zero_stock_periods"], per_rep_days)
    assert np.allclose(ev.per_replication["demand_on_zero_stock_periods"], per_rep_demand)
    assert "zero_stock" not in EVENTS  # computed from existing events, not a kernel column


def test_brute_force_helpers_enumerate_all_mass() -> None:
    params = InventoryParams(**TINY[0])
    assert sum(p for p, _, _ in _branches(params)) == pytest.approx(1.0)
    assert len(list(itertools.islice(_branches(params), 100))) == 6


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def _cli(*args: str) -> str:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "experiments.cli", *args], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_cli_solve_returns_both_certified_optima() -> None:
    import json

    slt = json.loads(_cli("solve", SLT, "--json"))
    assert slt["method"] == "dp" and slt["average_cost"] == pytest.approx(21.29515, abs=1e-4)
    assert slt["policy"]["structure"].startswith("(s, S) = (19, 37)")
    mix = json.loads(_cli("solve", MIXERS, "--json"))
    assert mix["method"] == "backward_induction"
    assert mix["details"]["total_cost"] == pytest.approx(4.93581, abs=1e-4)
    assert mix["average_cost"] == pytest.approx(4.93581 / 25, abs=1e-5)


def test_cli_evaluate_exact_prints_exact_beside_the_ci() -> None:
    import json

    out = json.loads(_cli("evaluate", MIXERS, "--policy", "periodic:T=5,S=11", "--reps", "500", "--exact", "--json"))
    assert out["cost_per_episode"]["exact"] == pytest.approx(5.91516, abs=1e-4)
    assert out["zero_stock_periods"]["exact"] == pytest.approx(0.13476, abs=1e-4)
    text = _cli("evaluate", MIXERS, "--policy", "periodic:T=5,S=11", "--reps", "200", "--exact")
    row = next(line for line in text.splitlines() if line.startswith("cost_per_episode"))
    assert row.split()[-1] == "5.9152"
