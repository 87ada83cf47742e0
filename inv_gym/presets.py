"""Literature defaults of the registered environments (all overridable by keyword).

``PRESETS[env_id]`` is the dict of :class:`~inv_gym.params.InventoryParams`
fields that ``gym.make(env_id)`` uses; ``preset_params(env_id, **overrides)``
builds the validated parameters. Each entry cites where its numbers come from.
"""

from __future__ import annotations

from typing import Any

from inv_gym.params import InventoryParams

__all__ = ["PRESETS", "DESCRIPTIONS", "preset_params", "ENV_IDS"]

PRESETS: dict[str, dict[str, Any]] = {
    # One period, priced: Normal(100, 20) demand, price 10, unit cost 4, salvage 1.
    # Q* = F^{-1}((r - c) / (r - v)) = F^{-1}(2/3) (critical fractile).
    "inv_gym/Newsvendor-v0": dict(
        demand="normal:mean=100,sd=20",
        lead_time=0,
        stockout="lost_sales",
        holding_cost=0.0,
        unit_cost=4.0,
        price=10.0,
        salvage_value=1.0,
        max_order=200,
        horizon=1,
        finite_horizon=True,
    ),
    # Fixed order cost, zero lead time, backorders, deterministic demand 10/period:
    # EOQ sqrt(2 K d / h) = sqrt(2 * 50 * 10 / 1) ~ 31.6 (continuous approximation).
    "inv_gym/EOQ-v0": dict(
        demand="deterministic:10",
        lead_time=0,
        stockout="backorder",
        holding_cost=1.0,
        backorder_cost=10.0,
        fixed_order_cost=50.0,
        max_order=100,
        horizon=1000,
    ),
    # Backorders, lead time 2, no fixed cost, Poisson(5): the optimal base-stock
    # level is the b/(b+h) quantile of the 3-period demand (newsvendor, exact).
    "inv_gym/BaseStock-v0": dict(
        demand="poisson:5",
        lead_time=2,
        stockout="backorder",
        holding_cost=1.0,
        backorder_cost=9.0,
        max_order=30,
        horizon=1000,
    ),
    # Zheng & Federgruen (1991): h = 1, b = 9, K = 64, L = 0, Poisson(10):
    # optimal (s, S) = (6, 40), cost 35.022 per period.
    "inv_gym/Qr-v0": dict(
        demand="poisson:10",
        lead_time=0,
        stockout="backorder",
        holding_cost=1.0,
        backorder_cost=9.0,
        fixed_order_cost=64.0,
        max_order=80,
        horizon=1000,
    ),
    # Zipkin (2008): lost sales, Poisson(5), h = 1, p = 4, L = 1; optimal cost 4.04.
    "inv_gym/LostSales-v0": dict(
        demand="poisson:5",
        lead_time=1,
        stockout="lost_sales",
        holding_cost=1.0,
        lost_sales_cost=4.0,
        max_order=20,
        horizon=1000,
    ),
    # De Moor et al. (2022): shelf life 2, lead time 1, gamma demand mean 4, CV 0.5
    # (integer units), unit cost 3, shortage 5, waste 7, holding 1, FIFO, lost sales.
    "inv_gym/Perishable-v0": dict(
        demand="round(gamma:mean=4,cv=0.5)",
        lead_time=1,
        stockout="lost_sales",
        holding_cost=1.0,
        lost_sales_cost=5.0,
        waste_cost=7.0,
        unit_cost=3.0,
        shelf_life=2,
        issuing="fifo",
        max_order=15,
        horizon=1000,
    ),
    # Random lead times (uniform on 1..4), one outstanding order, fixed cost,
    # Poisson(5) demand, backorders.
    "inv_gym/StochasticLeadTime-v0": dict(
        demand="poisson:5",
        lead_time="duniform:low=1,high=4",
        stockout="backorder",
        holding_cost=1.0,
        backorder_cost=9.0,
        fixed_order_cost=20.0,
        one_outstanding=True,
        max_order=60,
        horizon=1000,
    ),
    # The concrete-mixer store: room for 11, starts full; daily demand 0..4 with
    # probabilities .10/.25/.35/.21/.09; lead time 0/1/2 days (.6/.3/.1) for an
    # order placed at the start of a day; lost sale 0.5, order 1; a 25-day month.
    "inv_gym/ConcreteMixers-v0": dict(
        demand="empirical:values=0 1 2 3 4,probs=0.1 0.25 0.35 0.21 0.09",
        lead_time="empirical:values=0 1 2,probs=0.6 0.3 0.1",
        stockout="lost_sales",
        holding_cost=0.0,
        lost_sales_cost=0.5,
        fixed_order_cost=1.0,
        capacity=11.0,
        initial_inventory=11.0,
        max_order=11,
        horizon=25,
        finite_horizon=True,
    ),
    # Dual sourcing (Veeraraghavan & Scheller-Wolf 2008; Boettcher, Asikis & Fragkos 2023):
    # demand uniform on {0, ..., 4}, h = 5, b = 495, regular c_r = 0 with l_r = 2,
    # expedited c_e = 20 with l_e = 0; optimal cost 23.073 per period (DP).
    "inv_gym/DualSourcing-v0": dict(
        demand="duniform:low=0,high=4",
        lead_time=2,
        stockout="backorder",
        holding_cost=5.0,
        backorder_cost=495.0,
        unit_cost=0.0,
        expedited_lead_time=0,
        expedited_unit_cost=20.0,
        max_order=10,
        max_expedited_order=10,
        horizon=1000,
    ),
}

DESCRIPTIONS: dict[str, str] = {
    "inv_gym/Newsvendor-v0": "one period, priced: Normal(100,20), price 10, cost 4, salvage 1 (critical fractile)",
    "inv_gym/EOQ-v0": "fixed order cost, zero lead time, backorders, deterministic demand (EOQ approx., DP exact)",
    "inv_gym/BaseStock-v0": "backorders, lead time 2, Poisson(5), no fixed cost (base stock exact)",
    "inv_gym/Qr-v0": "backorders, fixed order cost 64, Poisson(10) (Zheng-Federgruen (s,S) exact)",
    "inv_gym/LostSales-v0": "lost sales, Poisson(5), h=1, p=4, L=1 (Zipkin 2008; DP exact)",
    "inv_gym/Perishable-v0": "shelf life 2, lead time 1, FIFO, waste cost (De Moor et al. 2022; DP)",
    "inv_gym/StochasticLeadTime-v0": "uniform lead times 1..4, one outstanding order, fixed cost (grid search)",
    "inv_gym/ConcreteMixers-v0": "capacity 11, empirical demand and lead times, lost sales, 25-day month",
    "inv_gym/DualSourcing-v0": "regular (l_r=2, c_r=0) and expedited (l_e=0, c_e=20) source, U{0..4}, h=5, b=495 (DP)",
}

ENV_IDS: tuple[str, ...] = tuple(PRESETS)


def preset_params(env_id: str, **overrides: Any) -> InventoryParams:
    """Validated parameters of a registered id with keyword overrides."""
    if env_id not in PRESETS:
        raise ValueError(f"unknown env id {env_id!r}; registered: {', '.join(ENV_IDS)}")
    kwargs = dict(PRESETS[env_id])
    kwargs.update(overrides)
    return InventoryParams(**kwargs)
