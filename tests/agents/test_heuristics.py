"""Every heuristic on hand-built observations, the spec parser, and the predict shim."""

import numpy as np
import pytest
from scipy import stats

from agents import heuristics
from agents.base import BasePolicy, as_policy
from agents.heuristics import RQ, SS, BaseStock, CappedBaseStock, ConstantOrder, Myopic, PeriodicReview, ScheduledOrders
from agents.specs import parse_policy, policy_spec
from inv_gym.analytic import newsvendor_order_quantity, renewal_lead_time_demand
from inv_gym.distributions import Empirical, Gamma, Normal, RenewalDemand
from inv_gym.presets import preset_params

# BaseStock-v0: backorders, L = 2, Poisson(5), h = 1, b = 9, max_order = 30; obs = [inventory, pipeline_1, pipeline_2]
P = preset_params("inv_gym/BaseStock-v0")


def obs(*rows: list[float]) -> np.ndarray:
    return np.asarray(rows, dtype=np.float32)


def act(policy: BasePolicy, o: np.ndarray) -> list[float]:
    return policy.bind(P).act(o).tolist()


def test_base_stock_orders_up_to_S_from_the_inventory_position() -> None:
    # IP = 5 + 3 + 4 = 12; IP = 25; IP = -3 + 2 = -1; IP = -40 (order 60 clipped to max_order 30)
    o = obs([5, 3, 4], [25, 0, 0], [-3, 2, 0], [-40, 0, 0])
    assert act(BaseStock(S=20), o) == [8, 0, 21, 30]


def test_capped_base_stock() -> None:
    assert act(CappedBaseStock(S=20, cap=6), obs([5, 3, 4], [17, 0, 0], [25, 0, 0])) == [6, 3, 0]


def test_ss_orders_up_to_S_at_or_below_s() -> None:
    o = obs([12, 0, 0], [10, 0, 0], [1, 1, 1], [-5, 0, 0])
    assert act(SS(s=10, S=20), o) == [0, 10, 17, 25]
    with pytest.raises(ValueError, match="S must be > s"):
        SS(s=5, S=3)


def test_rq_orders_multiples_of_Q_to_lift_the_position_above_r() -> None:
    o = obs([12, 0, 0], [11, 0, 0], [10, 0, 0], [1, 0, 0], [-10, 0, 0], [-20, 0, 0])
    # IP 10 -> 5 (15 > 10); IP 1 -> 10 (11 > 10); IP -10 -> 25; IP -20 -> 35 -> largest multiple <= 30
    assert act(RQ(r=10, Q=5), o) == [0, 0, 5, 10, 25, 30]
    assert act(RQ(r=10, Q=7), obs([-30, 0, 0])) == [28]
    with pytest.raises(ValueError, match="Q must be <= max_order"):
        RQ(r=1, Q=31).bind(P)


def test_periodic_review_reviews_at_0_T_2T() -> None:
    pol = PeriodicReview(T=3, S=20).bind(P)
    pol.reset(1)
    orders = [pol.act(obs([5, 3, 4]))[0] for _ in range(7)]
    assert orders == [8, 0, 0, 8, 0, 0, 8]
    on_hand = PeriodicReview(T=2, S=20, basis="on_hand").bind(P)
    on_hand.reset(2)
    # on hand 5 (pipeline ignored); backorders count as 0 on hand
    assert on_hand.act(obs([5, 3, 4], [-3, 2, 0])).tolist() == [15, 20]
    assert on_hand.act(obs([5, 3, 4], [-3, 2, 0])).tolist() == [0, 0]


def test_periodic_review_reads_the_observed_period() -> None:
    p = preset_params("inv_gym/ConcreteMixers-v0")  # finite horizon: obs = [inventory, pipeline_1, pipeline_2, period]
    pol = PeriodicReview(T=4, S=11).bind(p)
    o = np.asarray([[3, 0, 0, t] for t in range(9)], dtype=np.float32)
    assert pol.act(o).tolist() == [8, 0, 0, 0, 8, 0, 0, 0, 8]


def test_myopic_is_the_critical_fractile_of_lead_time_demand() -> None:
    level = int(stats.poisson(15).ppf(9 / 10))  # (L+1) * 5 = 15, b / (b + h) = 0.9
    pol = Myopic().bind(P)
    assert pol.S == level
    assert pol.act(obs([5, 3, 4])).tolist() == [level - 12]


def test_myopic_level_is_the_analytic_fractile_for_every_demand_law() -> None:
    """Continuous laws use the exact (L+1)-period quantile, not a rounded or normal approximation."""
    gamma = P.replace(demand=Gamma(2.0, 2.5), lead_time=1)  # 2-period demand Gamma(4, 2.5)
    assert heuristics.myopic_level(gamma) == pytest.approx(stats.gamma.ppf(0.9, 4.0, scale=2.5), abs=1e-9)
    normal = P.replace(demand=Normal(20, 4), lead_time=3)  # 4-period demand N(80, 8)
    assert heuristics.myopic_level(normal) == pytest.approx(stats.norm.ppf(0.9, 80, 8), abs=1e-9)
    # atoms that are not 0, 1, 2, ...: the level is an atom of the 2-period sum
    emp = P.replace(demand=Empirical((2.5, 10.0), (0.5, 0.5)), lead_time=1)  # sums 5, 12.5, 20 w.p. 1/4, 1/2, 1/4
    assert heuristics.myopic_level(emp) == 20.0
    assert heuristics.myopic_level(emp.replace(backorder_cost=1.0)) == 12.5  # ratio 1/2
    lost = preset_params("inv_gym/LostSales-v0")  # u = p = 4, h = 1, L = 1: the 0.8-quantile of Poisson(10)
    assert heuristics.myopic_level(lost) == newsvendor_order_quantity(demand="poisson:5", holding_cost=1, backorder_cost=4,
                                                           lead_time=1) == 13  # fmt: skip
    assert heuristics.myopic_level(P.replace(backorder_cost=0.0)) == 0.0


def test_myopic_level_of_renewal_demand_is_the_normal_approximation() -> None:
    # rate 5, interarrival SCV 0.5, 3 periods: N(3 / 0.2, 3 * 0.5 / 0.2)
    p = P.replace(demand=RenewalDemand(Gamma.from_mean_scv(0.2, 0.5)))
    approx = renewal_lead_time_demand(demand=p.demand, lead_time=2)
    assert heuristics.myopic_level(p) == pytest.approx(stats.norm.ppf(0.9, 15, np.sqrt(3 * 0.5 / 0.2)), abs=1e-9)
    assert heuristics.myopic_level(p) == float(approx.ppf(0.9))


def test_constant_and_scheduled_orders() -> None:
    assert act(ConstantOrder(q=4), obs([5, 0, 0], [-9, 9, 9])) == [4, 4]
    with pytest.raises(ValueError, match="q must be <= max_order"):
        ConstantOrder(q=31).bind(P)
    pol = ScheduledOrders([(0, 10), (2, 5)]).bind(P)
    pol.reset(1)
    assert [pol.act(obs([0, 0, 0]))[0] for _ in range(5)] == [10, 0, 5, 0, 0]
    with pytest.raises(ValueError, match="distinct"):
        ScheduledOrders([(1, 2), (1, 3)])


def test_array_parameters_give_one_policy_per_system() -> None:
    o = obs([5, 0, 0], [5, 0, 0], [12, 0, 0])
    assert act(SS(s=[5, 4, 10], S=[20, 30, 25]), o) == [15, 0, 0]
    assert act(BaseStock(S=np.array([6.0, 7.0, 20.0])), o) == [1, 2, 8]


def test_lost_sales_position_is_on_hand_plus_pipeline() -> None:
    p = preset_params("inv_gym/LostSales-v0")  # obs = [on hand, pipeline_1]
    assert BaseStock(S=12).bind(p).act(obs([4, 5])).tolist() == [3]


def test_predict_shim_has_sb3_signature() -> None:
    pol = PeriodicReview(T=2, S=20).bind(P)
    a, state = pol.predict(
        obs([5, 3, 4], [0, 0, 0]), state=None, episode_start=np.array([True, True]), deterministic=True
    )
    assert a.dtype == np.int64 and a.tolist() == [8, 20] and state is None
    a, _ = pol.predict(obs([5, 3, 4], [0, 0, 0]), episode_start=np.array([False, True]))
    assert a.tolist() == [0, 20]  # system 1 restarted its episode: period 0 is a review
    single, _ = pol.bind(P).predict(np.asarray([5, 3, 4], dtype=np.float32))
    assert int(single) == 8


def test_unbound_policy_and_as_policy() -> None:
    with pytest.raises(RuntimeError, match="bind"):
        BaseStock(S=3).act(obs([0, 0, 0]))
    wrapped = as_policy(lambda o: np.full(o.shape[0], 3.0), P)
    assert wrapped.act(obs([0, 0, 0], [1, 1, 1])).tolist() == [3, 3]


@pytest.mark.parametrize(
    "spec",
    [
        "base_stock:S=20",
        "capped_base_stock:S=12,cap=6",
        "ss:s=19,S=56",
        "rq:r=3,Q=5",
        "periodic:T=4,S=11",
        "periodic:T=4,S=11,basis=on_hand",
        "constant:q=4",
        "myopic",
        "scheduled:plan=0 10;5 8",
    ],
)
def test_spec_round_trip(spec: str) -> None:
    pol = parse_policy(spec)
    assert isinstance(pol, BasePolicy)
    assert policy_spec(pol) == spec
    assert policy_spec(parse_policy(policy_spec(pol))) == spec


def test_spec_values() -> None:
    pol = parse_policy("ss:s=19,S=56")
    assert isinstance(pol, SS) and (pol.s, pol.S) == (19, 56)
    assert parse_policy("scheduled:plan=0 10;5 8").plan == ((0, 10.0), (5, 8.0))
    assert parse_policy("Base-Stock:S=3").S == 3


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("ss:s=5,S=3", "S must be > s"),
        ("ss:s=5,S=5", "S must be > s"),
        ("sss:s=1,S=3", "unknown policy family 'sss'"),
        ("ss:s=1,S=3,Q=4", "unknown parameter 'Q'"),
        ("ss:s=1", "missing S"),
        ("base_stock:S=-1", "S must be >= 0"),
        ("rq:r=-2,Q=5", "r must be >= 0"),
        ("rq:r=2,Q=0", "Q must be >= 1"),
        ("periodic:T=0,S=5", "T must be >= 1"),
        ("periodic:T=2.5,S=5", "T must be an integer"),
        ("periodic:T=2,S=5,basis=net", "basis must be one of"),
        ("constant:q=abc", "q must be a number"),
        ("constant:q=nan", "q must be finite"),
        ("ss:s=1,s=2,S=4", "given twice"),
        ("ss:s=1;S=4", "missing S"),
        ("myopic:S=4", "takes no parameters"),
        ("", "policy spec"),
    ],
)
def test_bad_specs(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_policy(spec)


def test_policy_spec_refuses_batches() -> None:
    with pytest.raises(ValueError, match="array parameters"):
        policy_spec(BaseStock(S=[1, 2]))
