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
    iteration (``dp``), equal to Zipkin's published two-decimal table
    (:data:`ZIPKIN_OPTIMA`); best
    heuristic the capped base-stock policy q = min(cap, max(0, S - IP)) (Xin 2021)
    with the (S, cap) of least exact cost, found by an exact neighbourhood search.
``suite``
    The eight single-item ids with their default parameters (named by the id without
    ``inv_gym/`` and the version). The best heuristic is the best policy of a classical
    family by exact evaluation: the optimum itself where it is a base-stock or (s, S)
    policy, capped base stock (lost sales), base stock (perishables) and the best
    review period T with its order-up-to level (the concrete-mixer month, whose costs
    are per period: the month's total over 25).
``serial``
    The M-stage serial chain ``inv_gym/Serial-v0`` (:mod:`inv_gym.serial`), named
    ``example-6.1``, ``problem-6.2b`` and ``hdpo-L{L}-p{p}``; ``params`` is then a
    :class:`~inv_gym.serial.params.SerialParams`. Optimum by the Clark-Scarf
    recursion (``clark_scarf``, :func:`inv_gym.analytic.serial.serial_optimum`) in
    this suite's timing and accounting (the env's cost per period); ``literature``
    is the published value mapped to that convention as ``source`` states. The best
    heuristic is the best installation base-stock policy: without fixed costs every
    installation policy s acts as the echelon policy S_m = s_1 + .. + s_m, so the
    best one is the Clark-Scarf levels in installation form, s_m = S*_m - S*_{m-1},
    and its cost is the optimum exactly (Axsaeter 2015, Section 5.3.2; the tests
    also check it by simulation on common random numbers).
``dual-sourcing``
    Boettcher, Asikis & Fragkos (2023) after Veeraraghavan & Scheller-Wolf (2008):
    ``inv_gym/DualSourcing-v0`` (U{0..4}, h = 5, b = 495, c_r = 0, l_e = 0) with
    (l_r, c_e) in {(2, 5), (2, 10), (2, 20), (3, 10), (3, 20)}, named ``lr{l_r}-ce{c_e}``.
    Optimum by relative value iteration over the pipeline (``dual_sourcing_dp``),
    within 0.005 of the published DP values; best heuristic the capped dual index
    (Sun & Van Mieghem 2019, the cap on the dual-index regular order) with the
    (z_e, z_r, u) of least exact cost. :data:`DUAL_SOURCING_HEURISTICS` holds the
    best point of every dual-sourcing family with its exact cost.

>>> inst = get_instance("zipkin-lost-sales/L1-p4")
>>> round(inst.optimum, 4), inst.literature, inst.best_heuristic
(4.0407, 4.04, 'capped_base_stock:S=12,cap=6')
>>> len(instance_set("zipkin-lost-sales")), len(instance_set("suite"))
(16, 8)
>>> ZIPKIN_OPTIMA[(4, 39)]  # Zipkin (2008), L = 4, p = 39
10.79
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from inv_gym.params import InventoryParams
from inv_gym.presets import ENV_IDS, preset_params
from inv_gym.serial.params import SerialParams

#: The serial chain's id: its instances' parameters are :class:`SerialParams`.
SERIAL_ENV_ID = "inv_gym/Serial-v0"

__all__ = [
    "Instance",
    "INSTANCE_SETS",
    "instance_set",
    "get_instance",
    "instance_names",
    "default_instance",
    "DUAL_SOURCING_HEURISTICS",
    "ZIPKIN_OPTIMA",
]


@dataclass(frozen=True, kw_only=True)
class Instance:
    """One benchmark instance.

    Attributes:
        set_name: the instance set (``zipkin-lost-sales``, ``suite``, ...).
        name: the name within the set.
        env_id: the registered id.
        overrides: parameter overrides of the id's defaults (``gym.make(env_id, **overrides)``).
        optimum: optimal expected cost per period (minus the reward per period).
        optimum_method: the exact method (``dp``, ``base_stock``, ``zheng_federgruen``,
            ``newsvendor``, ``backward_induction``, ...).
        best_heuristic: the best classical heuristic as a policy spec (``agents.specs``).
        best_heuristic_cost: its exact cost per period.
        literature: the published optimum where there is one (None otherwise), in this
            suite's convention (mapped where the source's timing differs; see ``source``).
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
    def serial(self) -> bool:
        """Whether the instance is a serial chain (``inv_gym/Serial-v0``)."""
        return self.env_id == SERIAL_ENV_ID

    @property
    def params(self) -> InventoryParams | SerialParams:
        """The validated parameters (:class:`SerialParams` for a serial chain)."""
        if self.serial:
            from inv_gym.serial.env import make_serial_params

            return make_serial_params(**dict(self.overrides))
        return preset_params(self.env_id, **dict(self.overrides))

    @property
    def best_heuristic_gap(self) -> float:
        """Relative gap of the best heuristic to the optimum, (C_h - C*) / |C*|."""
        return (self.best_heuristic_cost - self.optimum) / abs(self.optimum)


# Zipkin (2008): (L, p) -> (DP optimum, published, capped base stock (S, cap), its exact cost)
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


#: The optimal average cost per period that Zipkin (2008), "Old and new methods for
#: lost-sales inventory systems", *Operations Research* 56(5), 1256-1263, publishes
#: (two decimals) for his 16 lost-sales instances: Poisson(5) demand, h = 1, keyed by
#: (lead time L in 1..4, lost-sales cost p in {4, 9, 19, 39}). The ``literature`` of
#: the ``zipkin-lost-sales`` set; the DP optimum (``optimum``) agrees within 0.005.
ZIPKIN_OPTIMA: dict[tuple[int, int], float] = {key: row[1] for key, row in sorted(_ZIPKIN.items())}


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


# The serial chain: Snyder & Shen (2019) Example 6.1 and Problem 6.2(b), and the four-stage
# settings of the HDPO serial benchmark (Alvo, Russo & Kanoria 2023) with the values below.
_EXAMPLE_6_1 = {
    "demand": "poisson:5",
    "lead_times": (0, 1, 2),
    "holding_costs": (7.0, 4.0, 2.0),
    "backorder_cost": 37.12,
}
_PROBLEM_6_2B = {
    "demand": "poisson:32",
    "lead_times": (0, 1, 1, 1, 1),
    "holding_costs": (3.5, 2.5, 1.5, 1.0, 0.5),
    "backorder_cost": 12.0,
    "max_order": 100,
}
#: HDPO-style serial chain: stage 1 (the store) has lead time L and local holding cost 1;
#: upstream stages have lead time 2 and echelon holding cost 0.1 each (local 0.3, 0.2, 0.1).
_HDPO_DEMAND = "round(normal:mean=5,sd=2)"
_HDPO_UPSTREAM_LEAD_TIMES = (2, 2, 2)
_HDPO_HOLDING_COSTS = (1.0, 0.3, 0.2, 0.1)
# (L, p) -> (Clark-Scarf optimum, echelon levels S*)
_HDPO: dict[tuple[int, int], tuple[float, tuple[int, ...]]] = {
    (1, 4): (10.284887, (13, 26, 38, 48)),
    (1, 9): (11.530057, (14, 28, 40, 51)),
    (1, 19): (12.588942, (15, 29, 41, 53)),
    (1, 39): (13.530602, (16, 30, 43, 55)),
    (2, 4): (12.591810, (19, 32, 43, 54)),
    (2, 9): (14.043010, (20, 34, 45, 56)),
    (2, 19): (15.300829, (21, 35, 47, 58)),
    (2, 39): (16.416751, (22, 36, 49, 60)),
    (3, 4): (14.770794, (24, 37, 48, 59)),
    (3, 9): (16.410691, (26, 39, 51, 62)),
    (3, 19): (17.822101, (27, 41, 53, 64)),
    (3, 39): (19.095076, (28, 42, 54, 66)),
    (4, 4): (16.867647, (30, 42, 53, 64)),
    (4, 9): (18.686844, (32, 45, 56, 67)),
    (4, 19): (20.222721, (33, 46, 58, 69)),
    (4, 39): (21.625177, (35, 48, 60, 71)),
}


def serial_installation_spec(levels: tuple[int, ...]) -> str:
    """The installation base-stock spec of echelon levels S: ``installation_base_stock:s=s_1 .. s_M``,
    s_m = S_m - S_{m-1} (S_0 = 0)."""
    local = [b - a for a, b in zip((0, *levels[:-1]), levels)]
    return "installation_base_stock:s=" + " ".join(str(x) for x in local)


def _serial_instance(
    name: str, overrides: dict[str, Any], optimum: float, levels: tuple[int, ...], **kw: Any
) -> Instance:
    return Instance(
        set_name="serial",
        name=name,
        env_id=SERIAL_ENV_ID,
        overrides=overrides,
        optimum=optimum,
        optimum_method="clark_scarf",
        best_heuristic=serial_installation_spec(levels),
        best_heuristic_cost=optimum,
        **kw,
    )


def _serial() -> list[Instance]:
    out = [
        _serial_instance(
            "example-6.1",
            _EXAMPLE_6_1,
            52.046741,
            (9, 15, 26),
            literature=72.044 - 4.0 * 5.0,
            source=(
                "Snyder & Shen (2019) Example 6.1 with Poisson(5) demand: echelon h = 3, 2, 2, their lead "
                "times 1, 1, 2, p = 37.12; S* = (9, 15, 26), C* = 72.044 in their convention. Here an order "
                "arrives before the period's demand, so their L_1 = 1 is lead time 0; their cost is this "
                "optimum plus one period of transit into stage 1, h'_2 mu = 4 x 5 = 20 "
                "(inv_gym.analytic.serial.serial_params_from_snyder_shen); literature = 72.044 - 20"
            ),
        ),
        _serial_instance(
            "problem-6.2b",
            _PROBLEM_6_2B,
            146.845779,
            (41, 74, 109, 142, 174),
            literature=453.6856 / 2 - 2.5 * 32.0,
            source=(
                "Snyder & Shen (2019) Problem 6.2(b), periodic analogue: five stages, Poisson(64) per time "
                "unit, echelon h = 2, 2, 1, 1, 1, p = 24, lead times 0.5. A period is 0.5 time units: "
                "Poisson(32) demand, costs per period h / 2 and p / 2, their lead time 1 per stage (this "
                "model's 0, 1, 1, 1, 1); S* = (41, 74, 109, 142, 174) as published. Their 453.686 per time "
                "unit (stockpyl's discretised value) = 2 x (this optimum + h'_2 mu = 2.5 x 32); "
                "literature = 453.6856 / 2 - 80"
            ),
        ),
    ]
    for (lead, p), (opt, levels) in sorted(_HDPO.items()):
        out.append(
            _serial_instance(
                f"hdpo-L{lead}-p{p}",
                {
                    "demand": _HDPO_DEMAND,
                    "lead_times": (lead, *_HDPO_UPSTREAM_LEAD_TIMES),
                    "holding_costs": _HDPO_HOLDING_COSTS,
                    "backorder_cost": float(p),
                },
                opt,
                levels,
                source=(
                    "the serial setting of Alvo, Russo & Kanoria (2023, HDPO): four stages, normal(5, 2) demand "
                    f"rounded and clipped at 0, store lead time L = {lead}, p = {p}, store holding cost 1. The "
                    "upstream lead times and holding costs are this suite's choice, not the paper's: lead time 2 "
                    "and echelon holding cost 0.1 per upstream stage (local h' = 1, 0.3, 0.2, 0.1)"
                ),
            )
        )
    return out


# Boettcher et al. (2023): (l_r, c_e) -> (DP optimum, published)
_DUAL: dict[tuple[int, int], tuple[float, float]] = {
    (2, 5): (16.769802, 16.772),
    (2, 10): (19.733333, 19.735),
    (2, 20): (23.071429, 23.073),
    (3, 10): (20.341051, 20.344),
    (3, 20): (24.335610, 24.339),
}

#: (l_r, c_e) -> {family: (best spec by exact evaluation, its exact cost per period)}; grids:
#: dual index z_e 0..8, z_r 0..17; capped dual index z_e within 2 of the dual index's,
#: z_r 0..29, u 0..7; single index S_e 0..11, S_r 0..17; tailored base surge r 0..4, S_e 0..11.
DUAL_SOURCING_HEURISTICS: dict[tuple[int, int], dict[str, tuple[str, float]]] = {
    (2, 5): {
        "capped_dual_index": ("capped_dual_index:z_e=4,z_r=7,u=2", 16.782407),
        "dual_index": ("dual_index:z_e=4,z_r=7", 17.022059),
        "single_index": ("single_index:S_e=5,S_r=6", 18.0),
        "tailored_base_surge": ("tailored_base_surge:r=1,S_e=4", 16.903047),
    },
    (2, 10): {
        "capped_dual_index": ("capped_dual_index:z_e=4,z_r=8,u=2", 19.799406),
        "dual_index": ("dual_index:z_e=4,z_r=8", 20.125313),
        "single_index": ("single_index:S_e=6,S_r=8", 22.0),
        "tailored_base_surge": ("tailored_base_surge:r=1,S_e=4", 21.903047),
    },
    (2, 20): {
        "capped_dual_index": ("capped_dual_index:z_e=4,z_r=9,u=3", 23.120879),
        "dual_index": ("dual_index:z_e=4,z_r=9", 23.337662),
        "single_index": ("single_index:S_e=7,S_r=10", 26.0),
        "tailored_base_surge": ("tailored_base_surge:r=1,S_e=4", 31.903047),
    },
    (3, 10): {
        "capped_dual_index": ("capped_dual_index:z_e=4,z_r=10,u=2", 20.465662),
        "dual_index": ("dual_index:z_e=4,z_r=9", 21.135300),
        "single_index": ("single_index:S_e=8,S_r=10", 25.0),
        "tailored_base_surge": ("tailored_base_surge:r=1,S_e=4", 21.903047),
    },
    (3, 20): {
        "capped_dual_index": ("capped_dual_index:z_e=4,z_r=11,u=2", 24.402433),
        "dual_index": ("dual_index:z_e=4,z_r=11", 25.008725),
        "single_index": ("single_index:S_e=8,S_r=10", 31.0),
        "tailored_base_surge": ("tailored_base_surge:r=1,S_e=4", 31.903047),
    },
}


def _dual_sourcing() -> list[Instance]:
    out = []
    for (l_r, c_e), (opt, lit) in sorted(_DUAL.items()):
        spec, cost = DUAL_SOURCING_HEURISTICS[(l_r, c_e)]["capped_dual_index"]
        out.append(
            Instance(
                set_name="dual-sourcing",
                name=f"lr{l_r}-ce{c_e}",
                env_id="inv_gym/DualSourcing-v0",
                overrides={"lead_time": l_r, "expedited_unit_cost": float(c_e)},
                optimum=opt,
                optimum_method="dual_sourcing_dp",
                best_heuristic=spec,
                best_heuristic_cost=cost,
                literature=lit,
                source="Boettcher, Asikis & Fragkos (2023): U{0..4}, h = 5, b = 495, c_r = 0, l_e = 0",
            )
        )
    return out


INSTANCE_SETS: dict[str, tuple[Instance, ...]] = {
    "zipkin-lost-sales": tuple(_zipkin()),
    "suite": tuple(_suite()),
    "serial": tuple(_serial()),
    "dual-sourcing": tuple(_dual_sourcing()),
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


def default_instance(env_id: str) -> Instance:
    """The named instance whose parameters are ``env_id``'s defaults (``gym.make(env_id)``).

    The ``suite`` set holds the single-item ids; a dual-sourcing or serial id's defaults are
    one instance of its own set (``dual-sourcing/lr2-ce20``, ``serial/example-6.1``). Raises
    ValueError naming the registered ids when ``env_id`` has no instance at its defaults.

    >>> default_instance("inv_gym/LostSales-v0").key
    'suite/LostSales'
    >>> default_instance("inv_gym/Serial-v0").key
    'serial/example-6.1'
    """
    if env_id == SERIAL_ENV_ID:
        from inv_gym.serial.env import make_serial_params

        defaults: Any = make_serial_params()
    elif env_id in ENV_IDS:
        defaults = preset_params(env_id)
    else:
        raise ValueError(
            f"env_id must be a registered id, one of {', '.join((*ENV_IDS, SERIAL_ENV_ID))}; got {env_id!r}"
        )
    for set_name in ("suite", *INSTANCE_SETS):  # the suite's name first where two sets hold it
        for inst in INSTANCE_SETS[set_name]:
            if inst.env_id == env_id and inst.params == defaults:
                return inst
    raise ValueError(f"no named instance holds the defaults of {env_id!r}; score a set/name instance instead")
