"""Learning aids as environment options, available to every agent.

Each option is a ``gym.make`` keyword of every single-item id (and ``--set NAME=VALUE``
on the command line); none changes the model, only what the agent sees and how its
action is read. Scores are always computed in the model's own units on the kernel.

``action``
    ``"order"`` (the default): the action is the order quantity q_t in
    0 .. ``max_order``. ``"order_up_to"``: the action is a target inventory position
    k in 0 .. n - 1 (n = :func:`order_up_to_levels`) and the order is

    .. math:: q_t = \\min\\big(\\max(\\mathrm{round}(k - IP_t), 0), q_{\\max}\\big),
              \\qquad IP_t = I_t + \\sum_j \\mathrm{pipeline}_{t,j},

    with I_t the net inventory (on hand under lost sales). Every order the model
    allows stays reachable (k = IP_t + q), but a base-stock or (s, S) optimum becomes a
    constant (or two-valued) action instead of a function of the state.
    Dual sourcing (an expedited source): the action is a pair (z_r, z_e) of levels
    of the dual-index policy. First the expedited order raises the expedited
    inventory position IP_e = I_t + (pipeline due within l_e periods) to z_e,
    q_e = min(max(round(z_e - IP_e), 0), q_e,max); then the regular order raises
    the whole position, counting q_e, to z_r: q_r = min(max(round(z_r - IP_t - q_e),
    0), q_max). With ``action="order"`` the pair is (q_r, q_e) itself.
``obs_scale``
    ``True`` divides every observation entry by :func:`observation_scale` (stock by the
    mean demand over the mean lead time plus one period, pipeline entries by the mean
    demand, the period by the horizon), so entries are of order one on every model.
``random_start``
    ``True`` starts every episode (reset and autoreset) with a stock on hand drawn
    uniformly from the integers 0 .. min(``max_order``, ``capacity``), all fresh, with
    nothing on order and no backorders. The draws come from their own generator,
    derived from the reset seed, so the demand stream (and common random numbers
    across policies) is unchanged. Infinite-horizon models only: a finite-horizon
    model's episode is the scored problem itself, from ``initial_inventory``.
``reward_scale``
    A factor c > 0: the step returns c * reward; ``info["reward"]`` and every cost in
    ``info`` stay in the model's units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from inv_gym.params import InventoryParams
from inv_gym.validation import check_bool, check_choice, check_number

__all__ = [
    "ACTIONS",
    "OPTION_NAMES",
    "EnvOptions",
    "observation_scale",
    "order_up_to_levels",
    "orders_from_levels",
    "levels_from_continuous",
    "start_stock_high",
    "parse_option_value",
    "action_values",
    "orders_from_actions",
    "positions_from_obs",
    "expedited_up_to_levels",
    "action_uppers",
    "dual_action_values",
    "dual_orders_into",
    "scale_observation",
]

#: How an action becomes an order.
ACTIONS: tuple[str, ...] = ("order", "order_up_to")
#: The env keywords that are options, not model parameters.
OPTION_NAMES: tuple[str, ...] = ("action", "continuous", "obs_scale", "random_start", "reward_scale")


def check_reward_scale(value: Any) -> float:
    """The reward scale c of an env's options: a number in (0, 1e6]."""
    if isinstance(value, str):  # text is read by parse_option_value, not here
        raise ValueError(f"reward_scale must be a number in (0, 1e6], got {value!r}")
    return check_number("reward_scale", value, low=0.0, strict=True, high=1e6)


@dataclass(frozen=True, kw_only=True)
class EnvOptions:
    """The learning aids of an environment (see the module docstring).

    Attributes:
        action: ``"order"`` or ``"order_up_to"``.
        continuous: ``Box(-1, 1, (1,))`` actions instead of ``Discrete``.
        obs_scale: divide observations by :func:`observation_scale`.
        random_start: draw the starting stock at every reset.
        reward_scale: factor c > 0 on the returned reward.
    """

    action: str = "order"
    continuous: bool = False
    obs_scale: bool = False
    random_start: bool = False
    reward_scale: float = 1.0

    def __post_init__(self) -> None:
        check_choice("action", self.action, ACTIONS)
        for name in ("continuous", "obs_scale", "random_start"):
            object.__setattr__(self, name, check_bool(name, getattr(self, name)))
        object.__setattr__(self, "reward_scale", check_reward_scale(self.reward_scale))

    def check(self, params: InventoryParams) -> None:
        """Refuse an option that cannot apply to ``params``' model, naming both."""
        if self.random_start and params.finite_horizon:
            raise ValueError(
                "random_start applies to infinite-horizon models only; this model is finite-horizon "
                f"(finite_horizon=True, horizon={params.horizon}): its episode is the scored problem, "
                "which starts from initial_inventory (use reset(options={'initial_inventory': x}) instead)"
            )

    @classmethod
    def pop_from(cls, kwargs: dict[str, Any]) -> EnvOptions:
        """Take the option keywords out of ``kwargs`` (in place) and validate them."""
        return cls(**{name: kwargs.pop(name) for name in OPTION_NAMES if name in kwargs})


def observation_scale(params: InventoryParams) -> np.ndarray:
    """Per-entry divisors of the observation (float32, length ``params.obs_dim``).

    With mu the mean demand and E[L] the mean lead time: ``inventory`` and ``age_a``
    are divided by max(mu (E[L] + 1), 1), ``pipeline_j`` by max(mu, 1) and ``period``
    by the horizon. Every divisor is >= 1.

    >>> from inv_gym import preset_params
    >>> observation_scale(preset_params("inv_gym/LostSales-v0")).tolist()
    [10.0, 5.0]
    """
    mu = max(float(params.demand.mean), 1e-9)
    stock = max(mu * (params.mean_lead_time + 1.0), 1.0)
    out = []
    for name in params.obs_names:
        if name == "inventory" or name.startswith("age_"):
            out.append(stock)
        elif name.startswith("pipeline_"):
            out.append(max(mu, 1.0))
        else:  # period
            out.append(max(float(params.horizon), 1.0))
    return np.asarray(out, dtype=np.float32)


def order_up_to_levels(params: InventoryParams) -> int:
    """Number n of order-up-to levels (targets 0, 1, ..., n - 1 units).

    n = ``max_order`` + 1 + ceil(mu (E[L] + 1)), so a target above ``max_order`` is
    reachable while the pipeline holds stock.

    >>> from inv_gym import preset_params
    >>> order_up_to_levels(preset_params("inv_gym/LostSales-v0"))
    31
    """
    mu = max(float(params.demand.mean), 0.0)
    return int(params.max_order) + 1 + int(math.ceil(mu * (params.mean_lead_time + 1.0)))


def expedited_up_to_levels(params: InventoryParams) -> int:
    """Number of expedited order-up-to levels (dual sourcing): q_e,max + 1 + ceil(mu (l_e + 1))."""
    mu = max(float(params.demand.mean), 0.0)
    le = float(params.expedited_lead_time or 0)
    return int(params.expedited_max) + 1 + int(math.ceil(mu * (le + 1.0)))


def action_uppers(params: InventoryParams, options: EnvOptions) -> tuple[int, ...]:
    """Largest value of each action entry: (U,) for one source, (U_r, U_e) for two.

    ``action="order"``: ``max_order`` (and the expedited maximum); ``"order_up_to"``:
    the number of levels minus one (:func:`order_up_to_levels`,
    :func:`expedited_up_to_levels`).
    """
    if options.action == "order_up_to":
        uppers = [order_up_to_levels(params) - 1]
        if params.dual_sourcing:
            uppers.append(expedited_up_to_levels(params) - 1)
    else:
        uppers = [int(params.max_order)]
        if params.dual_sourcing:
            uppers.append(int(params.expedited_max))
    return tuple(uppers)


def levels_from_continuous(a: np.ndarray, params: InventoryParams) -> np.ndarray:
    """A continuous action a in [-1, 1] (clipped) as a level round((a + 1) / 2 (n - 1))."""
    n = order_up_to_levels(params)
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(a)):
        raise ValueError("action must be finite, got NaN or inf")
    return np.round((np.clip(a, -1.0, 1.0) + 1.0) * 0.5 * (n - 1))


def orders_from_levels(levels: np.ndarray, position: np.ndarray, max_order: float) -> np.ndarray:
    """Orders min(max(round(level - IP), 0), max_order), (N,) float64."""
    lv = np.asarray(levels, dtype=np.float64).reshape(-1)
    return np.clip(np.rint(lv - np.asarray(position, dtype=np.float64)), 0.0, float(max_order))


def start_stock_high(params: InventoryParams) -> int:
    """Largest starting stock of ``random_start``: min(max_order, capacity)."""
    high = int(params.max_order)
    if params.capacity is not None:
        high = min(high, int(math.floor(params.capacity)))
    return high


def parse_option_value(name: str, text: str) -> Any:
    """Convert a command-line ``--set NAME=VALUE`` string of an option to its value.

    >>> parse_option_value("obs_scale", "true"), parse_option_value("reward_scale", "0.1")
    (True, 0.1)
    """
    if name not in OPTION_NAMES:
        raise ValueError(f"unknown env option {name!r}; allowed: {', '.join(OPTION_NAMES)}")
    t = text.strip()
    if name == "action":
        return t
    if name == "reward_scale":
        try:
            return float(t)
        except ValueError:
            raise ValueError(f"reward_scale must be a number in (0, 1e6], got {t!r}") from None
    return check_bool(name, t, text=True)


@numba.njit(cache=True, nogil=True)
def _orders_into(a: np.ndarray, max_order: float, out: np.ndarray) -> int:
    """Copy integer orders in [0, max_order] into ``out``; -1, or the first bad index."""
    for i in range(a.shape[0]):
        x = float(a[i])
        if not (x >= 0.0 and x <= max_order) or x != math.floor(x):
            return i
        out[i] = x
    return -1


def action_values(
    action: Any, upper: int, continuous: bool, n: int, out: np.ndarray | None = None, name: str = "max_order"
) -> np.ndarray:
    """Validate an (N,) batch of actions with values 0 .. ``upper`` (float64).

    Discrete: whole numbers in [0, upper]; continuous: a in [-1, 1] (clipped) maps to
    round((a + 1) / 2 * upper). ``name`` names the bound in error messages.
    """
    a = action if type(action) is np.ndarray else np.asarray(action)
    if not continuous and a.size == n and a.dtype.kind in "iufb":
        if out is None:
            out = np.empty(n)
        if _orders_into(a.reshape(n), float(upper), out) < 0:
            return out
    if continuous:
        a = a.astype(np.float64).reshape(n, -1)[:, 0] if a.size == n else None  # type: ignore[assignment]
        if a is None:
            raise ValueError(f"expected {n} continuous action(s) in [-1, 1], got shape {np.shape(action)}")
        if not np.all(np.isfinite(a)):
            raise ValueError("action must be finite, got NaN or inf")
        orders = np.round((np.clip(a, -1.0, 1.0) + 1.0) * 0.5 * upper)
        if out is None:
            return orders
        out[:] = orders
        return out
    if a.size != n:
        raise ValueError(f"expected {n} action(s), got shape {np.shape(action)}")
    what = "order" if name == "max_order" else "level"
    a = a.reshape(n)
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)):
            raise ValueError("action must be finite, got NaN or inf")
        if not np.all(a == np.round(a)):
            raise ValueError(f"action must be an integer {what} in [0, {upper}] ({name}), got {a}")
    elif a.dtype.kind not in "iub":
        raise ValueError(f"action must be an integer {what} in [0, {upper}] ({name}), got {action!r}")
    if np.any(a < 0) or np.any(a > upper):
        raise ValueError(f"action must be in [0, {upper}] ({name}), got {a}")
    return a.astype(np.float64)  # pragma: no cover (the compiled check accepted these)


@numba.njit(cache=True, nogil=True)
def _pairs_into(a: np.ndarray, max_r: float, max_e: float, out_r: np.ndarray, out_e: np.ndarray) -> int:
    """Copy (N, 2) integer action pairs within the bounds into ``out_r``, ``out_e``; -1, or the first bad row."""
    for i in range(a.shape[0]):
        r = float(a[i, 0])
        e = float(a[i, 1])
        if not (r >= 0.0 and r <= max_r and e >= 0.0 and e <= max_e):
            return i
        out_r[i] = r
        out_e[i] = e
    return -1


def dual_orders_into(action: Any, params: InventoryParams, n: int, out_r: np.ndarray, out_e: np.ndarray) -> bool:
    """Fast path of ``action="order"`` under dual sourcing: True when the (N, 2) integer pairs were valid and copied.

    False leaves the validation (and its error message) to :func:`dual_action_values`.
    """
    a = action if type(action) is np.ndarray else np.asarray(action)
    if a.shape != (n, 2) or a.dtype.kind not in "iu":
        return False
    return _pairs_into(a, float(params.max_order), float(params.expedited_max), out_r, out_e) < 0


def dual_action_values(
    action: Any, uppers: tuple[int, int], continuous: bool, n: int, names: tuple[str, str]
) -> np.ndarray:
    """Validate an (N, 2) batch of action pairs (regular, expedited); (N, 2) float64.

    Discrete: whole numbers, column k in [0, uppers[k]]; continuous: a in [-1, 1]
    (clipped) maps to round((a + 1) / 2 * uppers[k]). ``names`` name the bounds.
    """
    a = np.asarray(action)
    if a.size != 2 * n or a.dtype.kind not in "iufb":
        raise ValueError(
            f"expected {n} action pair(s) (regular, expedited) of numbers, got shape {np.shape(action)} "
            f"and dtype {a.dtype}"
        )
    a = a.reshape(n, 2).astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError("action must be finite, got NaN or inf")
    up = np.asarray(uppers, dtype=np.float64)
    if continuous:
        return np.round((np.clip(a, -1.0, 1.0) + 1.0) * 0.5 * up)
    for k, what in enumerate(("regular", "expedited")):
        col = a[:, k]
        if not np.all(col == np.round(col)) or np.any(col < 0) or np.any(col > up[k]):
            raise ValueError(f"action[{k}] ({what}) must be an integer in [0, {uppers[k]}] ({names[k]}), got {col}")
    return a


def orders_from_actions(actions: Any, position: np.ndarray, params: InventoryParams, options: EnvOptions) -> np.ndarray:
    """Orders (N,) float64, in the model's units, of actions taken in an env with ``options``.

    The one action map of the suite: the env applies it to its state, and a policy
    trained with options applies it to the raw observation (``position`` from
    :func:`positions_from_obs`), so it is scored on the model's own action space.
    Actions are validated as the env validates them.

    Args:
        actions: (N,) actions (or (N, 1) continuous).
        position: (N,) inventory positions IP_t (used by ``order_up_to``); with
            dual sourcing (N, 2): (IP_t, IP_e) as :func:`positions_from_obs`.
        params: the model.
        options: the env options the actions were taken under.

    Returns:
        (N,) orders; with dual sourcing (N, 2) orders (q_r, q_e).
    """
    if params.dual_sourcing:
        return _dual_orders(actions, position, params, options)
    pos = np.asarray(position, dtype=np.float64).reshape(-1)
    n = pos.shape[0]
    if options.action != "order_up_to":
        return action_values(actions, params.max_order, options.continuous, n)
    upper = order_up_to_levels(params) - 1
    levels = action_values(actions, upper, options.continuous, n, None, "order_up_to levels - 1")
    return orders_from_levels(levels, pos, params.max_order)


def _dual_orders(actions: Any, position: np.ndarray, params: InventoryParams, options: EnvOptions) -> np.ndarray:
    """(N, 2) orders (q_r, q_e) of dual-sourcing actions (the module docstring's map)."""
    pos = np.asarray(position, dtype=np.float64).reshape(-1, 2)
    n = pos.shape[0]
    up_to = options.action == "order_up_to"
    names = ("order_up_to levels - 1", "expedited levels - 1") if up_to else ("max_order", "max_expedited_order")
    values = dual_action_values(actions, action_uppers(params, options), options.continuous, n, names)  # type: ignore[arg-type]
    if not up_to:
        return values
    q_e = np.clip(np.rint(values[:, 1] - pos[:, 1]), 0.0, float(params.expedited_max))
    q_r = np.clip(np.rint(values[:, 0] - pos[:, 0] - q_e), 0.0, float(params.max_order))
    return np.stack([q_r, q_e], axis=1)


def positions_from_obs(params: InventoryParams, obs: np.ndarray) -> np.ndarray:
    """Inventory positions IP = inventory + sum of pipeline_j of raw observations, (N,).

    With dual sourcing (N, 2): (IP, IP_e), IP_e = inventory + pipeline_1 .. pipeline_{l_e}.
    """
    obs = np.asarray(obs)
    names = params.obs_names
    cols = [0] + [i for i, name in enumerate(names) if name.startswith("pipeline_")]
    ip = obs[:, cols].sum(axis=1, dtype=np.float64)
    if not params.dual_sourcing:
        return ip
    le = int(params.expedited_lead_time)  # type: ignore[arg-type]
    ip_e = obs[:, cols[: le + 1]].sum(axis=1, dtype=np.float64)
    return np.stack([ip, ip_e], axis=1)


def scale_observation(obs: np.ndarray, params: InventoryParams, options: EnvOptions) -> np.ndarray:
    """Raw observations as an env with ``options`` shows them (float32)."""
    x = np.asarray(obs, dtype=np.float32)
    return x / observation_scale(params) if options.obs_scale else x.copy()
