"""inv-gym: classical inventory control as Gymnasium environments, with their optima."""

from gymnasium.envs.registration import register, registry

from inv_gym.distributions import parse_distribution
from inv_gym.params import InventoryParams
from inv_gym.presets import DESCRIPTIONS, ENV_IDS, PRESETS, preset_params

__version__ = "0.1.0"

__all__ = [
    "ENV_IDS",
    "DESCRIPTIONS",
    "PRESETS",
    "InventoryParams",
    "parse_distribution",
    "preset_params",
    "score",
    "__version__",
]


def _register(env_id: str) -> None:
    if env_id in registry:
        return
    register(
        id=env_id,
        entry_point="inv_gym.envs:InventoryEnv",
        vector_entry_point="inv_gym.envs:InventoryVectorEnv",
        kwargs=dict(PRESETS[env_id]),
    )


_register("inv_gym/Newsvendor-v0")  # one period, priced; optimum: critical fractile
_register("inv_gym/EOQ-v0")  # fixed order cost, L = 0, deterministic demand; EOQ (approx.), DP
_register("inv_gym/BaseStock-v0")  # backorders, L = 2, no fixed cost; base stock (exact)
_register("inv_gym/Qr-v0")  # backorders, fixed cost; (s,S) Zheng-Federgruen (exact)
_register("inv_gym/LostSales-v0")  # Zipkin (2008) lost sales; DP (exact)
_register("inv_gym/Perishable-v0")  # De Moor et al. (2022) perishables; DP for small m, L
_register("inv_gym/StochasticLeadTime-v0")  # random lead times, one outstanding order; grid search
_register("inv_gym/ConcreteMixers-v0")  # capacity 11, empirical tables, 25-day month; simulation
_register("inv_gym/DualSourcing-v0")  # regular + expedited source (Boettcher et al. 2023); DP (exact)
if "inv_gym/Serial-v0" not in registry:  # M-stage serial chain (Snyder & Shen Ex. 6.1); Clark-Scarf optimum
    register(
        id="inv_gym/Serial-v0",
        entry_point="inv_gym.serial.env:SerialEnv",
        vector_entry_point="inv_gym.serial.env:SerialVectorEnv",
    )  # noqa: E501

from inv_gym.scoring import score  # noqa: E402  (after the ids are registered)
