"""``InventoryEnv`` and ``InventoryVectorEnv``: thin Gymnasium layers over the kernel."""

from __future__ import annotations

import math
from typing import Any

import gymnasium as gym
import numba
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from inv_gym.dynamics import EV, EVENTS, State, initial_state, kernel_params, observe, observe_flags, step_observe
from inv_gym.envs.streams import DrawStream
from inv_gym.params import PARAM_NAMES, InventoryParams

__all__ = ["InventoryEnv", "InventoryVectorEnv", "make_params", "order_from_action"]

_REWARD = EV["reward"]

_ENV_DOC = """
    ## Description

    A single-item, periodic-review inventory system (DESIGN.md's period). Each
    period t:

    1. **Receive**: orders due at t are added to stock (backorders are filled
       first); under a ``capacity`` C what does not fit is discarded (overflow).
    2. **Observe and order**: the agent sees the state and orders q_t >= 0, cost
       K 1[q_t > 0] + c q_t. The order arrives at the start of t + L (L = 0: at
       once, before demand). Random lead times are drawn per order (orders may
       cross); with ``one_outstanding`` no order is placed while one is open.
    3. **Demand**: D_t is drawn; sales = min(on hand, D_t); the rest is
       backordered or lost (``stockout``).
    4. **Age**: perishable stock is issued FIFO or LIFO; units reaching their
       ``shelf_life`` expire (waste).
    5. **Cost**: h * end-of-period on hand + b * backorders + p * lost +
       w * expired (+ ordering cost); revenue r * sales and, after the last
       period, salvage v * on hand. ``reward = revenue + salvage - cost``.

    This is Zipkin's (2008) convention.

    ## Action Space

    ``Discrete(max_order + 1)``: the order quantity q_t = action. With
    ``continuous=True``: ``Box(-1, 1, (1,))`` mapped to
    q_t = round((a + 1) / 2 * max_order) (a is clipped to [-1, 1]).

    ## Observation Space

    ``Box(low, high, (d,), float32)`` with finite bounds derived from the
    parameters; the entries (``params.obs_names``) are

    | name | meaning |
    |---|---|
    | ``inventory`` | net inventory (on hand - backorders); on hand under lost sales |
    | ``pipeline_j`` | units due in j periods, j = 1 .. Lmax (Lmax = longest lead time) |
    | ``age_a`` | perishables: on hand of age a, a = 0 (freshest) .. m - 1 |
    | ``period`` | finite-horizon models: the 0-based period index |

    The inventory position is ``inventory + sum(pipeline_j)``.

    ## Rewards

    ``reward = revenue + salvage - cost`` (a Python float); ``info`` carries every
    cost component and event of the period (``inv_gym.dynamics.EVENTS``).

    ## Starting State

    ``initial_inventory`` units on hand (all fresh), nothing on order, no
    backorders. ``reset(options={"demand": seq, "lead_times": seq})`` scripts the
    demand and lead-time draws exactly; ``options={"initial_inventory": x}``
    overrides the starting stock.

    ## Episode End

    Finite-horizon models (``finite_horizon=True``: the newsvendor, the
    concrete-mixer month) terminate after ``horizon`` periods; infinite-horizon
    models never terminate and are truncated after ``horizon`` periods.

    ## Arguments

    Every field of :class:`inv_gym.params.InventoryParams` as a keyword, or
    ``params=InventoryParams(...)``; ``continuous`` (bool) selects the action
    space. Example: ``gym.make("inv_gym/LostSales-v0", lead_time=2,
    lost_sales_cost=9)``.

    ## Version History

    * v0: initial version.
"""


def make_params(params: InventoryParams | None = None, **kwargs: Any) -> InventoryParams:
    """Build parameters from an optional base and keyword overrides (validated)."""
    unknown = set(kwargs) - set(PARAM_NAMES)
    if unknown:
        raise ValueError(f"unknown parameter(s) {sorted(unknown)}; allowed: {', '.join(PARAM_NAMES)}")
    if params is None:
        return InventoryParams(**kwargs)
    if not isinstance(params, InventoryParams):
        raise ValueError(f"params must be an InventoryParams, got {type(params).__name__}")
    return params.replace(**kwargs) if kwargs else params


@numba.njit(cache=True, nogil=True)
def _orders_into(a: np.ndarray, max_order: float, out: np.ndarray) -> int:
    """Copy integer orders in [0, max_order] into ``out``; -1, or the first bad index."""
    for i in range(a.shape[0]):
        x = float(a[i])
        if not (x >= 0.0 and x <= max_order) or x != math.floor(x):
            return i
        out[i] = x
    return -1


def order_from_action(
    action: Any, params: InventoryParams, continuous: bool, n: int, out: np.ndarray | None = None
) -> np.ndarray:
    """Validate an (N,) batch of actions and map it to float64 orders.

    Discrete actions must be integers (any integer or float dtype holding whole
    numbers) in [0, max_order]; continuous actions a in [-1, 1] (clipped) map to
    round((a + 1) / 2 * max_order). Anything else raises ValueError.

    Args:
        action: the action(s), shape (N,), (N, 1), or a scalar when N = 1.
        params: the model parameters (``max_order``).
        continuous: True for the Box action space.
        n: the number of systems N.
        out: optional (N,) float64 output buffer.
    """
    a = action if type(action) is np.ndarray else np.asarray(action)
    if not continuous and a.size == n and a.dtype.kind in "iufb":
        if out is None:
            out = np.empty(n)
        if _orders_into(a.reshape(n), float(params.max_order), out) < 0:
            return out
    if continuous:
        a = a.astype(np.float64).reshape(n, -1)[:, 0] if a.size == n else None  # type: ignore[assignment]
        if a is None:
            raise ValueError(f"expected {n} continuous action(s) in [-1, 1], got shape {np.shape(action)}")
        if not np.all(np.isfinite(a)):
            raise ValueError("action must be finite, got NaN or inf")
        orders = np.round((np.clip(a, -1.0, 1.0) + 1.0) * 0.5 * params.max_order)
        if out is None:
            return orders
        out[:] = orders
        return out
    if a.size != n:
        raise ValueError(f"expected {n} action(s), got shape {np.shape(action)}")
    a = a.reshape(n)
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)):
            raise ValueError("action must be finite, got NaN or inf")
        if not np.all(a == np.round(a)):
            raise ValueError(f"action must be an integer order in [0, {params.max_order}], got {a}")
    elif a.dtype.kind not in "iub":
        raise ValueError(f"action must be an integer order in [0, {params.max_order}], got {action!r}")
    if np.any(a < 0) or np.any(a > params.max_order):
        raise ValueError(f"action must be in [0, {params.max_order}] (max_order), got {a}")
    return a.astype(np.float64)  # pragma: no cover (the compiled check accepted these)


def _reset_draws(env: Any, seed: int | None, options: dict[str, Any] | None) -> float | None:
    """Seed or script ``env``'s draws from ``reset``'s arguments (single and vector env alike).

    A seed (or the first reset) restarts the draws; ``options={"demand": ...,
    "lead_times": ...}`` scripts them for this episode, and a later reset without
    a script returns to random draws. Returns the ``initial_inventory`` option
    (validated) or None.
    """
    if seed is not None or not env._seeded:
        ss = np.random.SeedSequence(seed if seed is not None else int(env.np_random.integers(2**63)))
        env._stream.seed(ss)
        env._seeded = True
    options = dict(options or {})
    init = options.pop("initial_inventory", None)
    demand = options.pop("demand", None)
    lead = options.pop("lead_times", None)
    if options:
        raise ValueError(f"unknown reset option(s) {sorted(options)}; allowed: demand, lead_times, initial_inventory")
    if init is not None:
        init = float(init)
        capacity = env.params.capacity
        if not math.isfinite(init) or init < 0 or (capacity is not None and init > capacity):
            raise ValueError(f"initial_inventory must be in [0, {capacity or 'inf'}], got {init}")
    if demand is not None:
        env._stream.script(demand, lead)
    elif lead is not None:
        raise ValueError("lead_times can only be scripted together with demand")
    elif env._stream.scripted:
        env._stream.seed(np.random.SeedSequence(int(env.np_random.integers(2**63))))
    return init


class InventoryEnv(gym.Env):
    __doc__ = "Single-item inventory control as a Gymnasium environment.\n" + _ENV_DOC

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        params: InventoryParams | None = None,
        *,
        continuous: bool = False,
        render_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.params = make_params(params, **kwargs)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}")
        self.render_mode = render_mode
        self.continuous = bool(continuous)
        low, high = self.params.obs_bounds
        self.observation_space = spaces.Box(low, high, dtype=np.float32)
        if self.continuous:
            self.action_space: spaces.Space = spaces.Box(-1.0, 1.0, (1,), dtype=np.float32)
        else:
            self.action_space = spaces.Discrete(self.params.max_order + 1)
        self._p = kernel_params(self.params)
        self._stream = DrawStream(self.params, 1)
        self._state: State = initial_state(self.params, 1)
        self._obs = np.zeros((1, self.params.obs_dim), dtype=np.float32)
        self._events = np.zeros((1, len(EVENTS)))
        self._last = np.zeros(1, dtype=np.bool_)
        self._order = np.zeros(1)
        self._t = 0
        self._horizon = self.params.horizon
        self._finite = self.params.finite_horizon
        self._max_order = self.params.max_order
        self._flags = observe_flags(self.params)
        self._needs_reset = True
        self._seeded = False

    @property
    def state(self) -> State:
        """The kernel state (a view; do not modify)."""
        return self._state

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        init = _reset_draws(self, seed, options)
        self._state = initial_state(self.params, 1, init)
        self._t = 0
        self._needs_reset = False
        observe(self.params, self._state, self._obs)
        return self._obs[0].copy(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        if self._needs_reset:
            raise RuntimeError("call reset() before step() (and after an episode ends)")
        if (type(action) is int or isinstance(action, np.integer)) and not self.continuous:
            if not 0 <= action <= self._max_order:
                raise ValueError(f"action must be in [0, {self._max_order}] (max_order), got {action}")
            self._order[0] = action
        else:
            order_from_action(action, self.params, self.continuous, 1, self._order)
        demand, lead = self._stream.next()
        self._t += 1
        done = self._t >= self._horizon
        last = done and self._finite
        self._last[0] = last
        step_observe(self._p, self._state, self._order, demand, lead, self._last, self._events, self._flags, self._obs)
        ev = self._events[0]
        info = dict(zip(EVENTS, ev.tolist()))
        if done:
            self._needs_reset = True
        return self._obs[0].copy(), info["reward"], last, done and not self._finite, info

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        names = self.params.obs_names
        return f"t={self._t} " + " ".join(f"{n}={v:g}" for n, v in zip(names, self._obs[0]))


class InventoryVectorEnv(VectorEnv):
    __doc__ = (
        "N independent copies of the same model advanced by one kernel call per step.\n\n"
        "Natively batched: observations (N, d) float32, actions (N,) (or (N, 1) continuous),\n"
        "rewards (N,), NEXT_STEP autoreset (the step after an episode ends resets that copy\n"
        "and returns its first observation with reward 0). ``info`` maps every event name to\n"
        "an (N,) array. ``reset(seed=s)`` seeds one stream shared by the batch: copy i of\n"
        "a vector env draws the same numbers as row i of ``draw_paths(params, s, N, H)``.\n" + _ENV_DOC
    )

    metadata = {"render_modes": [], "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(
        self,
        num_envs: int = 1,
        params: InventoryParams | None = None,
        *,
        continuous: bool = False,
        render_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(num_envs, bool) or int(num_envs) != num_envs or num_envs < 1:
            raise ValueError(f"num_envs must be an integer >= 1, got {num_envs!r}")
        if render_mode is not None:
            raise ValueError("the vector env has no render modes")
        self.num_envs = int(num_envs)
        self.params = make_params(params, **kwargs)
        self.continuous = bool(continuous)
        low, high = self.params.obs_bounds
        self.single_observation_space = spaces.Box(low, high, dtype=np.float32)
        if self.continuous:
            self.single_action_space: spaces.Space = spaces.Box(-1.0, 1.0, (1,), dtype=np.float32)
        else:
            self.single_action_space = spaces.Discrete(self.params.max_order + 1)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.render_mode = None
        n = self.num_envs
        self._p = kernel_params(self.params)
        self._stream = DrawStream(self.params, n)
        self._state = initial_state(self.params, n)
        self._obs = np.zeros((n, self.params.obs_dim), dtype=np.float32)
        self._events = np.zeros((n, len(EVENTS)))
        self._steps = np.zeros(n, dtype=np.int64)
        self._autoreset = np.zeros(n, dtype=np.bool_)
        self._mask = np.ones(n, dtype=np.bool_)
        self._mask.flags.writeable = False
        self._init_inv = self.params.initial_inventory
        self._horizon = self.params.horizon
        self._finite = self.params.finite_horizon
        self._flags = observe_flags(self.params)
        self._info_masks = {"_" + name: self._mask for name in EVENTS}
        self._seeded = False
        self._needs_reset = True

    @property
    def state(self) -> State:
        """The kernel state (a view; do not modify)."""
        return self._state

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict]:
        if isinstance(seed, (list, tuple)):
            if len(set(seed)) == 1 or len(seed) == 0:
                seed = seed[0] if seed else None
            else:
                raise ValueError("the native vector env takes one seed for the whole batch (an int)")
        super().reset(seed=seed)
        init = _reset_draws(self, seed, options)
        self._init_inv = self.params.initial_inventory if init is None else init
        self._state = initial_state(self.params, self.num_envs, self._init_inv)
        self._steps[:] = 0
        self._autoreset[:] = False
        self._needs_reset = False
        observe(self.params, self._state, self._obs)
        return self._obs.copy(), {}

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        if self._needs_reset:
            raise RuntimeError("call reset() before step()")
        n = self.num_envs
        order = order_from_action(actions, self.params, self.continuous, n)
        demand, lead = self._stream.next()
        resetting = self._autoreset
        any_reset = bool(resetting.any())
        if any_reset:
            # NEXT_STEP autoreset: these copies restart; their action and draws are ignored
            order[resetting] = 0.0
        self._steps += 1
        done = self._steps >= self._horizon
        last = done & self._finite
        # a fresh events buffer each step: the info arrays stay valid after later steps
        events = np.empty((n, len(EVENTS)))
        step_observe(self._p, self._state, order, demand, lead, last, events, self._flags, self._obs)
        if any_reset:
            data = self._state.data
            data[resetting] = 0.0
            data[resetting, 2] = self._init_inv
            self._steps[resetting] = 0
            events[resetting] = 0.0
            done = done & ~resetting
            observe(self.params, self._state, self._obs)
        rewards = events[:, _REWARD].copy()
        if self._finite:
            terminated, truncated = done, np.zeros(n, dtype=np.bool_)
        else:
            terminated, truncated = np.zeros(n, dtype=np.bool_), done
        self._autoreset = done
        info = dict(zip(EVENTS, events.T))
        info.update(self._info_masks)
        return self._obs.copy(), rewards, terminated, truncated, info
