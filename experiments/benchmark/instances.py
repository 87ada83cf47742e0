"""The benchmark's instances: the suite's ids at their presets, Zipkin's grid, and each id's search grids.

Example:
    >>> INSTANCES["Zipkin-L2-p9"].params().lead_time, INSTANCES["Zipkin-L2-p9"].params().lost_sales_cost
    (2, 9.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inv_gym.instances import ZIPKIN_OPTIMA  # Zipkin (2008)'s published optima, {(L, p): cost}
from inv_gym.params import InventoryParams

__all__ = [
    "ZIPKIN_OPTIMA",
    "Instance",
    "suite_instances",
    "zipkin_instances",
    "INSTANCES",
    "HEURISTICS",
    "BANDIT_ARMS",
    "PPO_TIMESTEPS_CAP",
    "QUICK_PATHWISE_INSTANCES",
]


@dataclass(frozen=True)
class Instance:
    """A benchmark instance: a registered id and parameter overrides."""

    name: str
    env_id: str
    overrides: tuple[tuple[str, Any], ...] = ()

    def params(self) -> InventoryParams:
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


INSTANCES: dict[str, Instance] = {**suite_instances(), **zipkin_instances()}

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

#: Instances with a pathwise row in ``--quick`` (its CPU-time budget is the run's largest part).
QUICK_PATHWISE_INSTANCES: tuple[str, ...] = ("LostSales", "BaseStock", "Perishable")
