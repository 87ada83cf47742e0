"""Economic order quantity: the classical EOQ, EOQ with planned backorders, and
the Hopp & Spearman form that includes the purchase cost.

These are continuous-time, deterministic-demand models: demand arrives at the
constant rate lambda, an order of Q units arrives at once. In the suite's
periodic model (``inv_gym/EOQ-v0``: one review per period, costs on
end-of-period quantities) they are approximations; report the simulated cost
of the policy they suggest.

Symbols: K fixed cost per order (``fixed_order_cost``), h holding cost per unit per
unit time (``holding_cost``), p backorder cost per unit per unit time
(``backorder_cost``), lambda demand per unit time (``demand_rate``), c unit
purchase cost (``unit_cost``), Q order quantity, x fraction of demand
backordered.

Sources: Snyder & Shen (2019), *Fundamentals of Supply Chain Theory*, 2nd ed.,
sections 3.2 (EOQ) and 3.3 (EOQB); Hopp & Spearman (2008), *Factory Physics*,
3rd ed., section 2.2 (EOQ with the purchase cost).
"""

from __future__ import annotations

import math

from inv_gym.validation import check_number  # re-exported: the analytic modules import it from here

__all__ = [
    "eoq_order_quantity",
    "eoq_cost",
    "eoq_hs_cost",
    "eoqb_order_quantity",
    "eoqb_backorder_fraction",
    "eoqb_cost",
]


def _eoq_args(fixed_order_cost: float, holding_cost: float, demand_rate: float) -> tuple[float, float, float]:
    return (
        check_number("fixed_order_cost", fixed_order_cost),
        check_number("holding_cost", holding_cost, strict=True),
        check_number("demand_rate", demand_rate),
    )


def eoq_order_quantity(*, fixed_order_cost: float, holding_cost: float, demand_rate: float) -> float:
    """Optimal EOQ order quantity Q* = sqrt(2 K lambda / h).

    Snyder & Shen (2019), eq. (3.4); Harris (1913).

    Args:
        fixed_order_cost: K >= 0, cost per order.
        holding_cost: h > 0, per unit per unit time.
        demand_rate: lambda >= 0, units per unit time.

    Returns:
        Q*.

    Example (Snyder & Shen, Example 3.1):
        >>> round(eoq_order_quantity(fixed_order_cost=8, holding_cost=0.225, demand_rate=1300), 2)
        304.05
    """
    k, h, lam = _eoq_args(fixed_order_cost, holding_cost, demand_rate)
    return math.sqrt(2.0 * k * lam / h)


def eoq_cost(
    *, fixed_order_cost: float, holding_cost: float, demand_rate: float, order_quantity: float | None = None
) -> float:
    """EOQ cost per unit time g(Q) = K lambda / Q + h Q / 2 (purchase cost excluded).

    Snyder & Shen (2019), eqs. (3.2) and (3.5): at Q* the cost is sqrt(2 K lambda h).

    Args:
        fixed_order_cost: K >= 0.
        holding_cost: h > 0.
        demand_rate: lambda >= 0.
        order_quantity: Q > 0; None for Q*.

    Returns:
        g(Q).

    Example (Snyder & Shen, Example 3.1):
        >>> round(eoq_cost(fixed_order_cost=8, holding_cost=0.225, demand_rate=1300), 2)
        68.41
    """
    k, h, lam = _eoq_args(fixed_order_cost, holding_cost, demand_rate)
    if order_quantity is None:
        return math.sqrt(2.0 * k * lam * h)
    q = check_number("order_quantity", order_quantity, strict=True)
    return k * lam / q + h * q / 2.0


def eoq_hs_cost(
    *,
    fixed_order_cost: float,
    holding_cost: float,
    unit_cost: float,
    demand_rate: float,
    order_quantity: float | None = None,
) -> float:
    """Hopp & Spearman's EOQ cost including purchases: Y(Q) = h Q / 2 + A D / Q + c D.

    Hopp & Spearman (2008), eq. (2.2) (their A is K, D is lambda). The purchase
    cost c D does not depend on Q, so Q* = sqrt(2 A D / h) is the EOQ
    (:func:`eoq_order_quantity`) and Y(Q*) = sqrt(2 A D h) + c D.

    Args:
        fixed_order_cost: A (= K) >= 0, cost per order.
        holding_cost: h > 0, per unit per unit time.
        unit_cost: c >= 0, per unit purchased.
        demand_rate: D (= lambda) >= 0, units per unit time.
        order_quantity: Q > 0; None for Q*.

    Returns:
        Y(Q).

    Example (Snyder & Shen's Example 3.1 with c = 1):
        >>> round(eoq_hs_cost(fixed_order_cost=8, holding_cost=0.225, unit_cost=1, demand_rate=1300), 2)
        1368.41
    """
    c = check_number("unit_cost", unit_cost)
    base = eoq_cost(
        fixed_order_cost=fixed_order_cost,
        holding_cost=holding_cost,
        demand_rate=demand_rate,
        order_quantity=order_quantity,
    )
    return base + c * float(demand_rate)


def eoqb_order_quantity(
    *, fixed_order_cost: float, holding_cost: float, backorder_cost: float, demand_rate: float
) -> float:
    """EOQ with planned backorders: Q* = sqrt(2 K lambda (h + p) / (h p)).

    Snyder & Shen (2019), eq. (3.27).

    Args:
        fixed_order_cost: K >= 0.
        holding_cost: h > 0.
        backorder_cost: p > 0, per unit backordered per unit time.
        demand_rate: lambda >= 0.

    Returns:
        Q*.

    Example (Snyder & Shen's Example 3.1 with p = 7.5, as in their Example 5.4):
        >>> round(eoqb_order_quantity(fixed_order_cost=8, holding_cost=0.225, backorder_cost=7.5, demand_rate=1300), 2)
        308.57
    """
    k, h, lam = _eoq_args(fixed_order_cost, holding_cost, demand_rate)
    p = check_number("backorder_cost", backorder_cost, strict=True)
    return math.sqrt(2.0 * k * lam * (h + p) / (h * p))


def eoqb_backorder_fraction(*, holding_cost: float, backorder_cost: float) -> float:
    """Optimal fraction of demand backordered in the EOQB model, x* = h / (h + p).

    Snyder & Shen (2019), eq. (3.26).

    Args:
        holding_cost: h > 0.
        backorder_cost: p > 0.

    Example:
        >>> round(eoqb_backorder_fraction(holding_cost=0.225, backorder_cost=7.5), 4)
        0.0291
    """
    h = check_number("holding_cost", holding_cost, strict=True)
    p = check_number("backorder_cost", backorder_cost, strict=True)
    return h / (h + p)


def eoqb_cost(
    *,
    fixed_order_cost: float,
    holding_cost: float,
    backorder_cost: float,
    demand_rate: float,
    order_quantity: float | None = None,
    backorder_fraction: float | None = None,
) -> float:
    """EOQB cost per unit time g(Q, x) = h Q (1 - x)^2 / 2 + p Q x^2 / 2 + K lambda / Q.

    Snyder & Shen (2019), eq. (3.24); at the optimum g* = sqrt(2 K lambda h p / (h + p)).

    Args:
        fixed_order_cost: K >= 0.
        holding_cost: h > 0.
        backorder_cost: p > 0.
        demand_rate: lambda >= 0.
        order_quantity: Q > 0; None for Q* (:func:`eoqb_order_quantity`).
        backorder_fraction: x in [0, 1]; None for x* = h / (h + p).

    Example:
        >>> round(eoqb_cost(fixed_order_cost=8, holding_cost=0.225, backorder_cost=7.5, demand_rate=1300), 2)
        67.41
    """
    k, h, lam = _eoq_args(fixed_order_cost, holding_cost, demand_rate)
    p = check_number("backorder_cost", backorder_cost, strict=True)
    if order_quantity is None:
        q = eoqb_order_quantity(fixed_order_cost=k, holding_cost=h, backorder_cost=p, demand_rate=lam)
    else:
        q = check_number("order_quantity", order_quantity, strict=True)
    if backorder_fraction is None:
        x = h / (h + p)
    else:
        x = check_number("backorder_fraction", backorder_fraction)
        if x > 1:
            raise ValueError(f"backorder_fraction must be in [0, 1], got {backorder_fraction}")
    return h * q * (1 - x) ** 2 / 2 + p * q * x**2 / 2 + k * lam / q
