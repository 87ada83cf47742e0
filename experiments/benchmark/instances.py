"""The benchmark's instances: the suite's ids at their presets, Zipkin's grid, the serial chains, and the grids.

The serial chains (``inv_gym/Serial-v0``) are the ``serial`` set of
:mod:`inv_gym.instances` under the names ``Serial-<name>`` (``Serial-example-6.1``,
``Serial-hdpo-L1-p4``, ...), with that set's parameters; their ``params()`` is a
:class:`~inv_gym.serial.params.SerialParams`.

Example:
    >>> INSTANCES["Zipkin-L2-p9"].params().lead_time, INSTANCES["Zipkin-L2-p9"].params().lost_sales_cost
    (2, 9.0)
    >>> INSTANCES["Serial-hdpo-L2-p9"].params().lead_times, INSTANCES["Serial-hdpo-L2-p9"].serial
    ((2, 2, 2, 2), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inv_gym.instances import SERIAL_ENV_ID, ZIPKIN_OPTIMA, instance_set  # ZIPKIN_OPTIMA: Zipkin (2008), {(L, p): cost}
from inv_gym.instances import Instance as NamedInstance
from inv_gym.params import InventoryParams
from inv_gym.serial.params import SerialParams

__all__ = [
    "ZIPKIN_OPTIMA",
    "Instance",
    "suite_instances",
    "zipkin_instances",
    "serial_instances",
    "named_instance",
    "INSTANCES",
    "HEURISTICS",
    "BANDIT_ARMS",
    "PPO_TIMESTEPS_CAP",
    "QUICK_PATHWISE_INSTANCES",
    "QUICK_SERIAL_INSTANCES",
    "FULL_SERIAL_INSTANCES",
    "SERIAL_HEURISTICS",
    "SERIAL_SEARCH_RADIUS",
    "SERIAL_BANDIT_OFFSETS",
    "SERIAL_BANDIT_WARMUP",
]


@dataclass(frozen=True)
class Instance:
    """A benchmark instance: a registered id and parameter overrides."""

    name: str
    env_id: str
    overrides: tuple[tuple[str, Any], ...] = ()

    @property
    def serial(self) -> bool:
        """Whether the instance is a serial chain (``inv_gym/Serial-v0``)."""
        return self.env_id == SERIAL_ENV_ID

    def params(self) -> InventoryParams | SerialParams:
        """The validated parameters: the id's preset with the overrides (a chain: :class:`SerialParams`)."""
        if self.serial:
            from inv_gym.serial.env import make_serial_params

            return make_serial_params(**dict(self.overrides))
        from inv_gym.presets import preset_params

        return preset_params(self.env_id, **dict(self.overrides))


def suite_instances() -> dict[str, Instance]:
    """One instance per registered id, at its preset."""
    from inv_gym.presets import ENV_IDS

    return {i.split("/", 1)[1].rsplit("-", 1)[0]: Instance(i.split("/", 1)[1].rsplit("-", 1)[0], i) for i in ENV_IDS}


def zipkin_instances() -> dict[str, Instance]:
    """Zipkin's (2008) grid: lost sales, Poisson(5), h = 1, L = 1..4, p = 4, 9, 19, 39."""
    out = {}
    for p in (4, 9, 19, 39):
        for lead in (1, 2, 3, 4):
            name = f"Zipkin-L{lead}-p{p}"
            out[name] = Instance(name, "inv_gym/LostSales-v0", (("lead_time", lead), ("lost_sales_cost", float(p))))
    return out


#: The benchmark's name of a chain of the ``serial`` set: ``Serial-`` and its name in the set.
_SERIAL_PREFIX = "Serial-"


def serial_instances() -> dict[str, Instance]:
    """The ``serial`` set of :mod:`inv_gym.instances` (Clark-Scarf optima), named ``Serial-<name>``.

    The overrides are the set's own (``make_serial_params(**overrides)`` is the set's ``params``).
    """
    out = {}
    for named in instance_set("serial"):
        name = _SERIAL_PREFIX + named.name
        out[name] = Instance(name, named.env_id, tuple(named.overrides.items()))
    return out


def named_instance(name: str) -> NamedInstance | None:
    """The :mod:`inv_gym.instances` instance a benchmark instance comes from (the serial chains'), else None."""
    if not name.startswith(_SERIAL_PREFIX):
        return None
    for named in instance_set("serial"):
        if _SERIAL_PREFIX + named.name == name:
            return named
    return None


INSTANCES: dict[str, Instance] = {**suite_instances(), **zipkin_instances(), **serial_instances()}

#: The serial chain of ``--quick``: Snyder & Shen's Example 6.1 (three stages).
QUICK_SERIAL_INSTANCES: tuple[str, ...] = ("Serial-example-6.1",)

#: The serial chains of ``--full``: Example 6.1 and the diagonal of the HDPO grid (four stages, L = 1..4).
FULL_SERIAL_INSTANCES: tuple[str, ...] = (
    "Serial-example-6.1",
    "Serial-hdpo-L1-p4",
    "Serial-hdpo-L2-p9",
    "Serial-hdpo-L3-p19",
    "Serial-hdpo-L4-p39",
)

#: The heuristic families searched on a serial chain (one ``heuristic`` row each, :mod:`agents.serial`).
SERIAL_HEURISTICS: tuple[str, ...] = ("echelon_base_stock", "installation_base_stock")

#: The serial search's grid: each stage's level within this many units of the optimum's
#: (echelon S*_m, or installation s*_m = S*_m - S*_{m-1}), so (2 r + 1)^M policies.
SERIAL_SEARCH_RADIUS: int = 2

#: The serial bandit's arms: echelon levels S*_m + o per stage, o in these offsets (3^M arms).
SERIAL_BANDIT_OFFSETS: tuple[int, ...] = (-2, 0, 2)

#: Periods of each serial bandit pull simulated from the empty chain before its cost is measured.
SERIAL_BANDIT_WARMUP: int = 50

#: Heuristic families searched per registered id: (family, grid).
HEURISTICS: dict[str, tuple[tuple[str, str], ...]] = {
    "inv_gym/Newsvendor-v0": (("base_stock", "S=60:160"),),
    "inv_gym/EOQ-v0": (("ss", "s=0:20,S=5:80"),),
    "inv_gym/BaseStock-v0": (("base_stock", "S=0:40"),),
    "inv_gym/Qr-v0": (("ss", "s=0:30,S=10:90"), ("rq", "r=0:30,Q=10:60")),
    "inv_gym/LostSales-v0": (("base_stock", "S=0:60"), ("capped_base_stock", "S=0:60,cap=1:20")),
    "inv_gym/Perishable-v0": (("base_stock", "S=0:30"),),
    "inv_gym/StochasticLeadTime-v0": (("ss", "s=0:40,S=5:100:5"),),
    "inv_gym/ConcreteMixers-v0": (("periodic", "T=1:10,S=11"),),
    "inv_gym/DualSourcing-v0": (("dual_index", "z_e=0:8,z_r=0:16"), ("capped_dual_index", "z_e=2:6,z_r=5:14,u=1:5")),
}

#: The bandit's arms per registered id: (family, grid) (coarser than the search).
BANDIT_ARMS: dict[str, tuple[str, str]] = {
    "inv_gym/Newsvendor-v0": ("base_stock", "S=60:160:10"),
    "inv_gym/EOQ-v0": ("ss", "s=0:20:5,S=20:70:10"),
    "inv_gym/BaseStock-v0": ("base_stock", "S=10:30:2"),
    "inv_gym/Qr-v0": ("ss", "s=0:20:4,S=30:70:8"),
    "inv_gym/LostSales-v0": ("base_stock", "S=5:40"),
    "inv_gym/Perishable-v0": ("base_stock", "S=2:16"),
    "inv_gym/StochasticLeadTime-v0": ("ss", "s=5:35:5,S=20:80:10"),
    "inv_gym/ConcreteMixers-v0": ("periodic", "T=1:10,S=11"),
    "inv_gym/DualSourcing-v0": ("capped_dual_index", "z_e=3:5,z_r=8:10,u=2:3"),
}


#: Largest PPO budget per registered id, whatever ``ppo_timesteps`` says. The
#: newsvendor is one period (a contextual bandit): it reaches the critical
#: fractile within 80,000 steps, and its update-heavy settings (16 copies x 32
#: steps per rollout) make each step several times dearer than elsewhere.
PPO_TIMESTEPS_CAP: dict[str, int] = {"inv_gym/Newsvendor-v0": 100_000}

#: Instances with a pathwise row in ``--quick`` (its budget is the run's largest part): five of the
#: suite's, two of them the (s, S) levels' (EOQ and the concrete-mixer month, about 50 CPU seconds each
#: at 700 steps), and the quick run's serial chain (700 steps on Example 6.1: about 70 CPU seconds).
QUICK_PATHWISE_INSTANCES: tuple[str, ...] = (
    "LostSales",
    "BaseStock",
    "Perishable",
    "EOQ",
    "ConcreteMixers",
    "Serial-example-6.1",
)
