"""Named instance sets, each instance with its certified optimum and best heuristic.

An :class:`Instance` is a registered id plus parameter overrides, the optimal
long-run cost per period (the objective is minus the reward per period, so the
priced newsvendor's optimum is minus its expected profit), the exact method that
certifies it, and the best classical heuristic with its exact cost. Every number
here is recomputed from :func:`inv_gym.analytic.solve.solve` and the exact policy
evaluator by ``tests/test_instances.py``; :func:`inv_gym.score` reports any
agent's gap to them.

Sets:

``zipkin-lost-sales``
    Zipkin (2008): lost sales, Poisson(5) demand, h = 1, p in {4, 9, 19, 39}, lead
    time L in 1..4 (16 instances, named ``L{L}-p{p}``). Optimum by relative value
    iteration (``dp``), equal to Zipkin's published two-decimal table; best
    heuristic the capped base-stock policy q = min(cap, max(0, S - IP)) (Xin 2021)
    with the (S, cap) of least exact cost, found by an exact neighbourhood search.
``suite``
    The eight single-item ids with their default parameters (named by the id without
    ``inv_gym/`` and the version). The best heuristic is the best policy of a classical
    family by exact evaluation: the optimum itself where it is a base-stock or (s, S)
    policy, capped base stock (lost sales), base stock (perishables) and the best
    review period T with its order-up-to level (the concrete-mixer month, whose costs
    are per period: the month's total over 25).

>>> inst = get_instance("zipkin-lost-sales/L1-p4")
>>> round(inst.optimum, 4), inst.literature, inst.best_heuristic
(4.0407, 4.04, 'capped_base_stock:S=12,cap=6')
>>> len(instance_set("zipkin-lost-sales")), len(instance_set("suite"))
(16, 8)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from inv_gym.params import InventoryParams
from inv_gym.presets import ENV_IDS, preset_params

__all__ = ["Instance", "INSTANCE_SETS", "instance_set", "get_instance", "instance_names"]


@dataclass(frozen=True, kw_only=True)
class Instance:
    """One benchmark instance.

    Attributes:
        set_name: the instance set (``zipkin-lost-sales``, ``suite``, ...).
        name: the name within the set.
        env_id: the registered id.
        overrides: parameter overrides of the id's defaults.
        optimum: optimal expected cost per period (minus the reward per period).
        optimum_method: the exact method (``dp``, ``base_stock``, ``zheng_federgruen``,
            ``newsvendor``, ``backward_induction``, ...).
        best_heuristic: the best classical heuristic as a policy spec (``agents.specs``).
        best_heuristic_cost: its exact cost per period.
        literature: the published optimum where there is one (None otherwise).
        source: where the instance comes from.
    """

    set_name: str
    name: str
    env_id: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    optimum: float
    optimum_method: str
    best_heuristic: str
    best_heuristic_cost: float
    literature: float | None = None
    source: str = ""

    @property
    def key(self) -> str:
        """``set/name``: what :func:`get_instance` takes."""
        return f"{self.set_name}/{self.name}"

    @property
    def params(self) -> InventoryParams:
        """The validated parameters."""
        return preset_params(self.env_id, **dict(self.overrides))

    @property
    def best_heuristic_gap(self) -> float:
        """Relative gap of the best heuristic to the optimum, (C_h - C*) / |C*|."""
        return (self.best_heuristic_cost - self.optimum) / abs(self.optimum)


# Zipkin (2008) Table: (L, p) -> (DP optimum, published, capped base stock (S, cap), its exact cost)
_ZIPKIN: dict[tuple[int, int], tuple[float, float, tuple[int, int], float]] = {
    (1, 4): (4.040711, 4.04, (12, 6), 4.065419),
    (1, 9): (5.438219, 5.44, (14, 6), 5.481227),
    (1, 19): (6.675744, 6.68, (15, 8), 6.687749),
    (1, 39): (7.835949, 7.84, (16, 9), 7.842475),
    (2, 4): (4.395295, 4.40, (17, 5), 4.405732),
    (2, 9): (6.093642, 6.09, (19, 6), 6.119093),
    (2, 19): (7.664416, 7.66, (21, 7), 7.720861),
    (2, 39): (9.106380, 9.11, (22, 8), 9.132584),
    (3, 4): (4.598719, 4.60, (21, 5), 4.630770),
    (3, 9): (6.531371, 6.53, (24, 6), 6.616440),
    (3, 19): (8.362510, 8.36, (26, 6), 8.401040),
    (3, 39): (10.038478, 10.04, (28, 7), 10.085258),
    (4, 4): (4.728526, 4.73, (26, 5), 4.797850),
    (4, 9): (6.835942, 6.84, (29, 5), 6.912279),
    (4, 19): (8.887178, 8.89, (31, 6), 8.954383),
    (4, 39): (10.794412, 10.79, (34, 6), 10.892605),
}


def _zipkin() -> list[Instance]:
    out = []
    for (lead, p), (opt, lit, (s, cap), cost) in sorted(_ZIPKIN.items()):
        out.append(
            Instance(
                set_name="zipkin-lost-sales",
                name=f"L{lead}-p{p}",
                env_id="inv_gym/LostSales-v0",
                overrides={"lead_time": lead, "lost_sales_cost": float(p)},
                optimum=opt,
                optimum_method="dp",
                best_heuristic=f"capped_base_stock:S={s},cap={cap}",
                best_heuristic_cost=cost,
                literature=lit,
                source="Zipkin (2008), Poisson(5), h = 1",
            )
        )
    return out


# id -> (optimum, method, best heuristic spec, its exact cost, published value)
_SUITE: dict[str, tuple[float, str, str, float, float | None]] = {
    "inv_gym/Newsvendor-v0": (-534.539929, "newsvendor", "base_stock:S=109", -534.539929, None),
    "inv_gym/EOQ-v0": (26.666667, "zheng_federgruen", "ss:s=7,S=30", 26.666667, None),
    "inv_gym/BaseStock-v0": (7.123000, "base_stock", "base_stock:S=20", 7.123000, None),
    "inv_gym/Qr-v0": (35.021555, "zheng_federgruen", "ss:s=6,S=40", 35.021555, 35.022),
    "inv_gym/LostSales-v0": (4.040711, "dp", "capped_base_stock:S=12,cap=6", 4.065419, 4.04),
    "inv_gym/Perishable-v0": (14.954418, "dp", "base_stock:S=7", 15.131612, None),
    "inv_gym/StochasticLeadTime-v0": (21.295145, "dp", "ss:s=19,S=37", 21.295145, None),
    # the 25-day month: 4.9358 per month by backward induction; best review period T = 5 (5.9152)
    "inv_gym/ConcreteMixers-v0": (0.197432, "backward_induction", "periodic:T=5,S=11", 0.236606, None),
}


def _suite() -> list[Instance]:
    out = []
    for env_id in ENV_IDS:
        if env_id not in _SUITE:
            continue
        opt, method, spec, cost, lit = _SUITE[env_id]
        out.append(
            Instance(
                set_name="suite",
                name=env_id.split("/", 1)[1].rsplit("-", 1)[0],
                env_id=env_id,
                optimum=opt,
                optimum_method=method,
                best_heuristic=spec,
                best_heuristic_cost=cost,
                literature=lit,
                source="the id's defaults (inv_gym.presets)",
            )
        )
    return out


INSTANCE_SETS: dict[str, tuple[Instance, ...]] = {
    "zipkin-lost-sales": tuple(_zipkin()),
    "suite": tuple(_suite()),
}


def instance_names() -> list[str]:
    """Every ``set/name`` key."""
    return [inst.key for insts in INSTANCE_SETS.values() for inst in insts]


def instance_set(name: str) -> tuple[Instance, ...]:
    """The instances of a set (ValueError naming the sets if unknown)."""
    if name not in INSTANCE_SETS:
        raise ValueError(f"unknown instance set {name!r}; sets: {', '.join(INSTANCE_SETS)}")
    return INSTANCE_SETS[name]


def get_instance(key: str | Instance) -> Instance:
    """An instance by ``set/name`` (e.g. ``zipkin-lost-sales/L2-p9``)."""
    if isinstance(key, Instance):
        return key
    set_name, _, name = str(key).partition("/")
    for inst in instance_set(set_name):
        if inst.name == name:
            return inst
    names = ", ".join(i.name for i in INSTANCE_SETS[set_name])
    raise ValueError(f"unknown instance {name!r} in set {set_name!r}; instances: {names}")
