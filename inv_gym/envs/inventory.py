"""``InventoryEnv`` and ``InventoryVectorEnv``: thin Gymnasium layers over the kernel."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.envs.registration import EnvSpec
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from inv_gym.dynamics import (
    EV,
    EVENTS,
    State,
    expedited_position,
    initial_state,
    inventory_position,
    kernel_params,
    observe,
    observe_flags,
    step_observe,
)
from inv_gym.envs.options import (
    EnvOptions,
    action_uppers,
    action_values,
    dual_orders_into,
    observation_scale,
    order_up_to_levels,
    orders_from_actions,
    start_stock_high,
)
from inv_gym.envs.render import render_frame
from inv_gym.envs.streams import DrawStream
from inv_gym.limits import check_memory, run_bytes
from inv_gym.params import PARAM_NAMES, InventoryParams
from inv_gym.validation import check_int, check_number

__all__ = ["InventoryEnv", "InventoryVectorEnv", "action_values", "make_params", "order_from_action"]

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

    **Dual sourcing** (``expedited_lead_time`` l_e set; ``inv_gym/DualSourcing-v0``):
    a regular source (lead time l_r = ``lead_time``, unit cost c_r = ``unit_cost``,
    fixed cost ``fixed_order_cost``) and an expedited one (l_e < l_r,
    ``expedited_unit_cost`` c_e, ``expedited_fixed_cost``). Period t: (1) receive
    everything due from both sources; (2) order q_r (arrives at the start of
    t + l_r) and q_e (arrives at the start of t + l_e; with l_e = 0 at once, before
    demand), paying c_r q_r + c_e q_e plus each source's fixed cost if it orders;
    (3) demand, the rest backordered (or lost with ``stockout="lost_sales"``);
    (5) cost h * on hand + b * backorders at the end of the period. ``info``'s
    ``ordered``, ``fixed_cost`` and ``purchase_cost`` sum both sources.

    ## Action Space

    ``action="order"`` (the default): ``Discrete(max_order + 1)``, the order quantity
    q_t = action. ``action="order_up_to"``: ``Discrete(n)`` with n =
    ``inv_gym.envs.options.order_up_to_levels(params)``; action k is a target
    inventory position and q_t = min(max(round(k - IP_t), 0), max_order) with IP_t
    the inventory position below. With ``continuous=True`` either becomes
    ``Box(-1, 1, (1,))``, a mapped to round((a + 1) / 2 * U) with U = max_order
    (or n - 1 levels); a is clipped to [-1, 1].

    Dual sourcing: ``MultiDiscrete([max_order + 1, q_e,max + 1])``, the pair (q_r, q_e)
    (q_e,max = ``max_expedited_order``, default ``max_order``). ``action="order_up_to"``:
    ``MultiDiscrete([n_r, n_e])``, the dual-index levels (z_r, z_e): q_e =
    min(max(round(z_e - IP_e), 0), q_e,max) with IP_e the net inventory plus the
    pipeline due within l_e periods, then q_r = min(max(round(z_r - IP_t - q_e), 0),
    max_order) (``inv_gym.envs.options``). ``continuous=True``: ``Box(-1, 1, (2,))``,
    each entry mapped as above.

    ## Observation Space

    ``Box(low, high, (d,), float32)`` with finite bounds derived from the
    parameters; the entries (``params.obs_names``) are

    | name | meaning |
    |---|---|
    | ``inventory`` | net inventory (on hand - backorders); on hand under lost sales |
    | ``pipeline_j`` | units due in j periods, j = 1 .. Lmax (Lmax = longest lead time) |
    | ``age_a`` | perishables: on hand of age a, a = 0 (freshest) .. m - 1 |
    | ``period`` | finite-horizon models: the 0-based period index |

    The inventory position is ``inventory + sum(pipeline_j)``. With dual sourcing the
    pipeline holds both sources' orders by arrival period (Lmax = l_r; what is due
    in j periods is the whole state the dynamics and costs depend on), and
    IP_e = ``inventory + pipeline_1 + ... + pipeline_{l_e}``. With
    ``obs_scale=True`` every entry (and the Box bounds) is divided by
    ``inv_gym.envs.options.observation_scale(params)``: stock entries by the mean
    demand over the mean lead time plus one period, pipeline entries by the mean
    demand, the period by the horizon, so entries are of order one.

    ## Rewards

    ``reward = revenue + salvage - cost`` (a Python float), times ``reward_scale``
    (default 1); ``info`` carries every cost component and event of the period
    (``inv_gym.dynamics.EVENTS``) in the model's own units, unscaled.

    ## Starting State

    ``initial_inventory`` units on hand (all fresh), nothing on order, no
    backorders. With ``random_start=True`` (infinite-horizon models only) the stock on
    hand is drawn at every reset uniformly from the integers 0 .. min(max_order,
    capacity), from a generator of its own derived from the reset seed, so the
    demand draws are those of the plain env. ``reset(options={"demand": seq, "lead_times": seq})`` scripts the
    demand and lead-time draws exactly; ``options={"initial_inventory": x}``
    overrides the starting stock.

    ## Episode End

    Finite-horizon models (``finite_horizon=True``: the newsvendor, the
    concrete-mixer month) terminate after ``horizon`` periods; infinite-horizon
    models never terminate and are truncated after ``horizon`` periods. The
    ``spec.max_episode_steps`` of ``gym.make`` is the horizon (or a shorter
    ``max_episode_steps`` given to ``gym.make``/``gym.make_vec``, which truncates).

    ## Arguments

    Every field of :class:`inv_gym.params.InventoryParams` as a keyword, or
    ``params=InventoryParams(...)``. The learning aids (:mod:`inv_gym.envs.options`),
    which change what the agent sees but never the model or its scoring:
    ``action`` (``"order"`` or ``"order_up_to"``), ``continuous`` (bool),
    ``obs_scale`` (bool), ``random_start`` (bool), ``reward_scale`` (float > 0).
    ``render_mode``: ``"ansi"`` (a line of text) or ``"rgb_array"`` (a
    ``(300, 640, 3)`` frame: stock by age, the pipeline by arrival period, the
    period's costs; what ``RecordVideo`` records). Example:
    ``gym.make("inv_gym/LostSales-v0", lead_time=2, lost_sales_cost=9,
    action="order_up_to", obs_scale=True)``.

    ## Version History

    * v0: initial version (the options and ``rgb_array`` were added without changing
      the model, its default observation, action or reward; the expedited source is
      new parameters, absent by default, so the single-source ids are unchanged).
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
    return action_values(action, params.max_order, continuous, n, out)


def _reset_draws(env: Any, seed: int | None, options: dict[str, Any] | None) -> float | None:
    """Seed or script ``env``'s draws from ``reset``'s arguments (single and vector env alike).

    A seed (or the first reset) restarts the draws and the ``random_start`` generator
    (a third child of the seed's ``SeedSequence``, independent of demand and lead
    times); ``options={"demand": ..., "lead_times": ...}`` scripts the draws for this
    episode, and a later reset without a script returns to random draws. Returns the
    ``initial_inventory`` option (validated) or None.
    """
    if seed is not None or not env._seeded:
        ss = np.random.SeedSequence(seed if seed is not None else int(env.np_random.integers(2**63)))
        env._stream.seed(ss)
        env._start_rng = np.random.default_rng(np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, 2)))
        env._seeded = True
    options = dict(options or {})
    init = options.pop("initial_inventory", None)
    demand = options.pop("demand", None)
    lead = options.pop("lead_times", None)
    if options:
        raise ValueError(f"unknown reset option(s) {sorted(options)}; allowed: demand, lead_times, initial_inventory")
    if init is not None:
        capacity = env.params.capacity
        init = check_number("initial_inventory", init, high=math.inf if capacity is None else capacity)
    if demand is not None:
        env._stream.script(demand, lead)
    elif lead is not None:
        raise ValueError("lead_times can only be scripted together with demand")
    elif env._stream.scripted:
        env._stream.seed(np.random.SeedSequence(int(env.np_random.integers(2**63))))
    return init


class _Reader:
    """What the single and the vector env share: options, spaces and the action map."""

    def __init__(self, params: InventoryParams, options: EnvOptions) -> None:
        options.check(params)
        self.params = params
        self.options = options
        self.continuous = options.continuous
        self.up_to = options.action == "order_up_to"
        self.upper = order_up_to_levels(params) - 1 if self.up_to else params.max_order
        self.dual = params.dual_sourcing
        self.uppers = action_uppers(params, options)
        self.scale = observation_scale(params) if options.obs_scale else None
        self.reward_scale = options.reward_scale
        self.start_high = start_stock_high(params)

    def observation_space(self) -> spaces.Box:
        low, high = self.params.obs_bounds
        if self.scale is not None:
            low, high = (low / self.scale).astype(np.float32), (high / self.scale).astype(np.float32)
        return spaces.Box(low, high, dtype=np.float32)

    def action_space(self) -> spaces.Space:
        if self.continuous:
            return spaces.Box(-1.0, 1.0, (len(self.uppers),), dtype=np.float32)
        if self.dual:
            return spaces.MultiDiscrete([u + 1 for u in self.uppers])
        return spaces.Discrete(self.upper + 1)

    def orders(self, action: Any, state: State, n: int, out: np.ndarray, out_e: np.ndarray | None = None) -> np.ndarray:
        """Validate the actions and write the orders q_t into ``out`` (and q_e into ``out_e``)."""
        if self.dual:
            if not (self.up_to or self.continuous) and dual_orders_into(action, self.params, n, out, out_e):  # type: ignore[arg-type]
                return out
            pos = np.zeros((n, 2))
            if self.up_to:
                pos = np.stack([inventory_position(self.params, state), expedited_position(self.params, state)], axis=1)
            both = orders_from_actions(action, pos, self.params, self.options)
            out[:] = both[:, 0]
            out_e[:] = both[:, 1]  # type: ignore[index]
            return out
        if not self.up_to:
            return action_values(action, self.params.max_order, self.continuous, n, out)
        out[:] = orders_from_actions(action, inventory_position(self.params, state), self.params, self.options)
        return out

    def start_stock(self, rng: np.random.Generator | None, n: int, default: float) -> np.ndarray | float:
        """Starting stock on hand of ``n`` copies: ``default``, or drawn (``random_start``)."""
        if not self.options.random_start or rng is None:
            return default
        return rng.integers(0, self.start_high + 1, n).astype(np.float64)

    def scaled(self, obs: np.ndarray) -> np.ndarray:
        """A copy of the raw observation(s), divided by the scale if ``obs_scale``."""
        if self.scale is None:
            return obs.copy()
        return obs / self.scale


def _options(continuous: Any, kwargs: dict[str, Any]) -> EnvOptions:
    """The :class:`EnvOptions` among an env's keywords (taken out of ``kwargs``)."""
    kwargs["continuous"] = continuous
    return EnvOptions.pop_from(kwargs)


class InventoryEnv(gym.Env):
    __doc__ = "Single-item inventory control as a Gymnasium environment.\n" + _ENV_DOC

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        params: InventoryParams | None = None,
        *,
        continuous: bool = False,
        render_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        opts = _options(continuous, kwargs)
        self.params = make_params(params, **kwargs)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}")
        self.render_mode = render_mode
        self._reader = _Reader(self.params, opts)
        self.options = opts
        self.continuous = opts.continuous
        self.observation_space = self._reader.observation_space()
        self.action_space: spaces.Space = self._reader.action_space()
        self._p = kernel_params(self.params)
        self._stream = DrawStream(self.params, 1)
        self._state: State = initial_state(self.params, 1)
        self._obs = np.zeros((1, self.params.obs_dim), dtype=np.float32)
        self._events = np.zeros((1, len(EVENTS)))
        self._last = np.zeros(1, dtype=np.bool_)
        self._order = np.zeros(1)
        self._order_e = np.zeros(1) if self.params.dual_sourcing else None
        self._t = 0
        self._horizon = self.params.horizon
        self._finite = self.params.finite_horizon
        self._max_order = self.params.max_order
        self._plain = not (self._reader.up_to or self.continuous or self._reader.dual)
        # dual sourcing with order actions: a valid integer pair is read without the general map
        self._pair = self._reader.dual and not (self._reader.up_to or self.continuous)
        self._max_e = self.params.expedited_max
        self._flags = observe_flags(self.params)
        self._needs_reset = True
        self._seeded = False
        self._start_rng: np.random.Generator | None = None
        self._info: dict[str, float] | None = None
        self._spec: EnvSpec | None = None

    @property
    def spec(self) -> EnvSpec | None:  # type: ignore[override]
        """The registration spec; ``max_episode_steps`` is the model's ``horizon`` unless a TimeLimit says otherwise."""
        return self._spec

    @spec.setter
    def spec(self, value: EnvSpec | None) -> None:
        if value is not None and value.max_episode_steps is None:
            value = dataclasses.replace(value, max_episode_steps=self.params.horizon)
        self._spec = value

    @property
    def state(self) -> State:
        """The kernel state (a view; do not modify)."""
        return self._state

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        init = _reset_draws(self, seed, options)
        if init is None:
            init = self._reader.start_stock(self._start_rng, 1, self.params.initial_inventory)
        self._state = initial_state(self.params, 1, init)
        self._t = 0
        self._needs_reset = False
        self._info = None
        observe(self.params, self._state, self._obs)
        return self._reader.scaled(self._obs[0]), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        if self._needs_reset:
            raise RuntimeError("call reset() before step() (and after an episode ends)")
        if self._plain and (type(action) is int or isinstance(action, np.integer)):
            if not 0 <= action <= self._max_order:
                raise ValueError(f"action must be in [0, {self._max_order}] (max_order), got {action}")
            self._order[0] = action
        elif (
            self._pair
            and type(action) is np.ndarray
            and action.shape == (2,)
            and action.dtype.kind in "iu"
            and 0 <= action[0] <= self._max_order
            and 0 <= action[1] <= self._max_e
        ):
            self._order[0] = action[0]
            self._order_e[0] = action[1]  # type: ignore[index]
        else:
            self._reader.orders(action, self._state, 1, self._order, self._order_e)
        demand, lead = self._stream.next()
        self._t += 1
        done = self._t >= self._horizon
        last = done and self._finite
        self._last[0] = last
        step_observe(
            self._p,
            self._state,
            self._order,
            demand,
            lead,
            self._last,
            self._events,
            self._flags,
            self._obs,
            self._order_e,
        )
        info = dict(zip(EVENTS, self._events[0].tolist()))
        self._info = info
        if done:
            self._needs_reset = True
        reward = info["reward"] * self._reader.reward_scale
        return self._reader.scaled(self._obs[0]), reward, last, done and not self._finite, info

    def render(self) -> str | np.ndarray | None:
        """``ansi``: one line of text; ``rgb_array``: a frame (see :mod:`inv_gym.envs.render`)."""
        if self.render_mode == "ansi":
            names = self.params.obs_names
            return f"t={self._t} " + " ".join(f"{n}={v:g}" for n, v in zip(names, self._obs[0]))
        if self.render_mode == "rgb_array":
            st = self._state
            return render_frame(
                period=self._t,
                on_hand_by_age=st.on_hand_by_age[0],
                backorders=float(st.backorders[0]),
                pipeline=st.pipeline[0],
                events=self._info,
                stock_limit=float(order_up_to_levels(self.params)),
                pipeline_limit=float(self.params.max_order),
                title=self.spec.id if self.spec is not None else "",
            )
        return None


class InventoryVectorEnv(VectorEnv):
    __doc__ = (
        "N independent copies of the same model advanced by one kernel call per step.\n\n"
        "Natively batched: observations (N, d) float32, actions (N,) (or (N, 1) continuous),\n"
        "rewards (N,). ``reset(seed=s)`` seeds one stream shared by the batch: copy i of\n"
        "a vector env draws the same numbers as row i of ``draw_paths(params, s, N, H)``.\n\n"
        "Autoreset (NEXT_STEP, the convention of ``gymnasium.vector.SyncVectorEnv``): the\n"
        "step after a copy's episode ends resets that copy. For that copy the action is\n"
        "ignored and not validated, the observation is its first observation, the reward\n"
        "0 and both flags False, and its ``info`` entries are absent: every event name\n"
        "maps to an (N,) array with a mask ``_name`` that is False for the resetting\n"
        "copies (and the info is ``{}`` when every copy resets), as the sync env returns.\n\n"
        'With ``autoreset_mode="same_step"`` (gymnasium\'s SAME_STEP) a copy whose episode\n'
        "ends is reset in the same step: the returned observation is its first one, and\n"
        '``info["final_obs"]`` (an object array, mask ``_final_obs``) holds the last one.\n\n'
        "``max_episode_steps`` (what ``gym.make_vec(..., max_episode_steps=T)`` passes)\n"
        "truncates every episode after T steps, as a ``TimeLimit`` does on the single env;\n"
        "an episode that reaches the model's ``horizon`` first ends as it does there.\n" + _ENV_DOC
    )

    metadata = {"render_modes": [], "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(
        self,
        num_envs: int = 1,
        params: InventoryParams | None = None,
        *,
        continuous: bool = False,
        render_mode: str | None = None,
        max_episode_steps: int | None = None,
        autoreset_mode: str | AutoresetMode = AutoresetMode.NEXT_STEP,
        **kwargs: Any,
    ) -> None:
        num_envs = check_int("num_envs", num_envs, low=1)
        modes = (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP)
        try:
            mode = AutoresetMode(autoreset_mode)
        except ValueError:
            mode = None
        if mode not in modes:
            raise ValueError(f"autoreset_mode must be one of {[m.value for m in modes]}, got {autoreset_mode!r}")
        self.metadata = {**self.metadata, "autoreset_mode": mode}
        self._same_step = mode == AutoresetMode.SAME_STEP
        if render_mode is not None:
            raise ValueError("the vector env has no render modes (render a single env: gym.make(id, render_mode=...))")
        if max_episode_steps is not None:
            max_episode_steps = check_int("max_episode_steps", max_episode_steps, low=1, reason="or None")
        opts = _options(continuous, kwargs)
        self.num_envs = int(num_envs)
        self.params = make_params(params, **kwargs)
        # per copy: the state, the batched space bounds (2 float32 rows) and a block of >= 8 periods of draws
        check_memory(
            run_bytes(self.params, self.num_envs, 8, per_system=8 * self.params.obs_dim + 64),
            f"{self.num_envs:,} vector-env copies",
            "num_envs",
        )
        self._reader = _Reader(self.params, opts)
        self.options = opts
        self.continuous = opts.continuous
        self.single_observation_space = self._reader.observation_space()
        self.single_action_space: spaces.Space = self._reader.action_space()
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
        self._limit = int(max_episode_steps) if max_episode_steps is not None else None
        self._finite = self.params.finite_horizon
        self._flags = observe_flags(self.params)
        self._info_masks = {"_" + name: self._mask for name in EVENTS}
        self._seeded = False
        self._start_rng: np.random.Generator | None = None
        self._needs_reset = True
        self._spec: EnvSpec | None = None

    @property
    def spec(self) -> EnvSpec | None:  # type: ignore[override]
        """The registration spec; ``max_episode_steps`` is where episodes end (horizon or the limit)."""
        return self._spec

    @spec.setter
    def spec(self, value: EnvSpec | None) -> None:
        if value is not None:
            steps = self._horizon if self._limit is None else min(self._horizon, self._limit)
            value = dataclasses.replace(value, max_episode_steps=steps)
        self._spec = value

    @property
    def state(self) -> State:
        """The kernel state (a view; do not modify)."""
        return self._state

    def _start(self, n: int) -> np.ndarray | float:
        return self._reader.start_stock(self._start_rng, n, self._init_inv)

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
        start = self._init_inv if init is not None else self._start(self.num_envs)
        self._state = initial_state(self.params, self.num_envs, start)
        self._steps[:] = 0
        self._autoreset[:] = False
        self._needs_reset = False
        observe(self.params, self._state, self._obs)
        return self._reader.scaled(self._obs), {}

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        if self._needs_reset:
            raise RuntimeError("call reset() before step()")
        n = self.num_envs
        resetting = self._autoreset
        any_reset = bool(resetting.any())
        if any_reset:
            # NEXT_STEP autoreset: these copies restart; their actions are ignored, not validated
            actions = np.array(actions, copy=True)
            if actions.shape[:1] == (n,):
                actions[resetting] = 0 if not self.continuous else -1.0
        order_e = np.empty(n) if self._reader.dual else None
        order = self._reader.orders(actions, self._state, n, np.empty(n), order_e)
        demand, lead = self._stream.next()
        if any_reset:
            order[resetting] = 0.0
            if order_e is not None:
                order_e[resetting] = 0.0
        self._steps += 1
        ended = self._steps >= self._horizon
        last = ended & self._finite
        # a fresh events buffer each step: the info arrays stay valid after later steps
        events = np.empty((n, len(EVENTS)))
        step_observe(self._p, self._state, order, demand, lead, last, events, self._flags, self._obs, order_e)
        if self._finite:
            terminated = ended.copy()
            truncated = np.zeros(n, dtype=np.bool_)
        else:
            terminated = np.zeros(n, dtype=np.bool_)
            truncated = ended.copy()
        if self._limit is not None:
            truncated |= (self._steps >= self._limit) & ~terminated
        if any_reset:
            rows = np.flatnonzero(resetting)
            data = self._state.data
            data[rows] = 0.0
            data[rows, 2] = self._start(rows.size)
            self._steps[rows] = 0
            events[rows] = 0.0
            terminated[rows] = False
            truncated[rows] = False
            observe(self.params, self._state, self._obs)
        rewards = events[:, _REWARD] * self._reader.reward_scale
        self._autoreset = terminated | truncated
        if not any_reset:
            info = dict(zip(EVENTS, events.T))
            info.update(self._info_masks)
        elif resetting.all():
            info = {}
        else:
            mask = ~resetting
            info = dict(zip(EVENTS, events.T))
            info.update({"_" + name: mask for name in EVENTS})
        if self._same_step and self._autoreset.any():
            info = self._reset_now(info)
        return self._reader.scaled(self._obs), rewards, terminated, truncated, info

    def _reset_now(self, info: dict[str, Any]) -> dict[str, Any]:
        """SAME_STEP autoreset: restart the copies that just ended, keep their last observation."""
        ended = self._autoreset
        rows = np.flatnonzero(ended)
        final = np.full(self.num_envs, None, dtype=object)
        last = self._reader.scaled(self._obs)
        for i in rows:
            final[i] = last[i]
        data = self._state.data
        data[rows] = 0.0
        data[rows, 2] = self._start(rows.size)
        self._steps[rows] = 0
        observe(self.params, self._state, self._obs)
        self._autoreset = np.zeros(self.num_envs, dtype=np.bool_)
        return {**info, "final_obs": final, "_final_obs": ended.copy()}
