"""``SerialEnv`` and ``SerialVectorEnv``: Gymnasium layers over the serial-chain kernel."""

from __future__ import annotations

import dataclasses
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.envs.registration import EnvSpec
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from inv_gym.envs.options import check_reward_scale
from inv_gym.envs.streams import DrawStream
from inv_gym.params import InventoryParams
from inv_gym.serial.dynamics import (
    SerialState,
    _actions_into,
    _observe,
    _orders_from_levels,
    _step_observe,
    serial_event_index,
    serial_event_names,
    serial_initial_state,
    serial_kernel_arrays,
)
from inv_gym.serial.params import SERIAL_PARAM_NAMES, SerialParams
from inv_gym.validation import check_bool, check_choice, check_int

__all__ = ["SerialEnv", "SerialVectorEnv", "make_serial_params"]

ACTION_MODES = ("order", "order_up_to")

_SERIAL_DOC = """
    ## Description

    An M-stage serial supply chain with backorders (Clark & Scarf 1960). Stage 1
    faces the external demand; stage m orders from stage m + 1 and stage M from a
    supplier with unlimited stock. A shipment into stage m travels L_m periods.
    Each period t, in this exact order (DESIGN.md's period at every stage):

    1. **Receive**: shipments due at t arrive; at stage 1 the customers'
       backorders are filled first.
    2. **Observe and order**: every stage m orders q_m >= 0.
    3. **Ship, upstream to downstream** (m = M .. 1): the supplier ships q_M in
       full; stage m + 1 ships min(on hand, owed to m + q_m) and owes the rest.
       A shipment with L_m = 0 is received at once, so it can move on in the
       same period.
    4. **Demand**: D_t at stage 1; sold = min(on hand_1, D_t), the rest is
       backordered.
    5. **Cost**: sum_m h'_m on hand_m + p B_1 on the end-of-period state, plus,
       with ``transit_holding`` (default), h'_{m+1} per unit in transit into
       stage m < M. The echelon costs are h_m = h'_m - h'_{m+1}; under this
       accounting the period cost equals sum_m h_m (echelon inventory level_m)
       + (p + h'_1) B_1, Clark and Scarf's echelon form.

    The optimum is an echelon base-stock policy
    (:func:`inv_gym.analytic.serial.serial_optimum`).

    ## Action Space

    ``action="order"`` (default): ``MultiDiscrete([max_order + 1] * M)``, the
    orders q_1 .. q_M (stage 1 first). ``action="order_up_to"``:
    ``MultiDiscrete(level_upper + 1)``, echelon base-stock levels S_m in
    0 .. max_order (L_1 + .. + L_m + 1); stage m orders
    q_m = clip(S_m - IP_m, 0, max_order), IP_m the echelon inventory position
    (on hand and in transit at stages 1 .. m, minus external backorders, plus
    what stage m + 1 owes m). ``continuous=True``: ``Box(-1, 1, (M,))``, each
    entry mapped to round((a + 1) / 2 * top) with top = max_order (orders) or
    the level's upper end (order-up-to).

    ## Observation Space

    ``Box(0, high, (sum_m (2 + L_m),), float32)``, per stage m (stage 1 first):
    ``on_hand_m``, ``backorders_m`` (stage 1: external customers; m >= 2: what
    stage m owes stage m - 1) and ``pipeline_m_j`` (units due at stage m in j
    periods, j = 1 .. L_m). With ``obs_scale=True`` every entry (and the bounds)
    is divided by ``params.obs_scale``: stage m's on hand and backorders by
    max(mu (L_1 + .. + L_m + 1), 1) (the demand over its echelon's protection
    period), pipeline entries by max(mu, 1), mu = E[D].

    ## Rewards

    ``reward = -cost`` (a Python float), times ``reward_scale``. ``info`` carries
    the unscaled events of the period: chain-wide costs and flows
    (``inv_gym.serial.dynamics.SERIAL_CHAIN_EVENTS``) and per-stage
    ``ordered_m``, ``shipped_m``, ``received_m``, ``on_hand_m``, ``owed_m``,
    ``in_transit_m``.

    ## Starting State

    ``initial_inventory`` on hand at each stage, nothing in transit or owed.
    ``random_start=True``: the on hand of each stage is drawn uniformly from
    0 .. max_order at every reset, from a generator derived from the reset seed
    (separate from the demand stream). ``reset(options={"demand": seq})``
    scripts the demand; ``options={"initial_inventory": x}`` (one value or one
    per stage) overrides the starting stock.

    ## Episode End

    Never terminates; truncated after ``horizon`` periods.
    ``spec.max_episode_steps`` is the horizon (or a shorter ``max_episode_steps``
    given to ``gym.make``/``gym.make_vec``, which truncates; the vector env takes
    it as a keyword).

    ## Arguments

    Every field of :class:`inv_gym.serial.params.SerialParams` as a keyword (or
    ``params=SerialParams(...)``), and ``action``, ``continuous``, ``obs_scale``,
    ``random_start``, ``reward_scale`` (in (0, 1e6]), ``render_mode`` ("ansi" or
    "rgb_array"), the same options as every single-item id.
    Example: ``gym.make("inv_gym/Serial-v0", lead_times=[1, 1, 1],
    action="order_up_to")``.

    ## Version History

    * v0: initial version.
"""


def make_serial_params(params: SerialParams | None = None, **kwargs: Any) -> SerialParams:
    """Build serial parameters from an optional base and keyword overrides (validated)."""
    unknown = set(kwargs) - set(SERIAL_PARAM_NAMES)
    if unknown:
        raise ValueError(f"unknown parameter(s) {sorted(unknown)}; allowed: {', '.join(SERIAL_PARAM_NAMES)}")
    if params is None:
        return SerialParams(**kwargs)
    if not isinstance(params, SerialParams):
        raise ValueError(f"params must be a SerialParams, got {type(params).__name__}")
    return params.replace(**kwargs) if kwargs else params


class _SerialCore:
    """What the single and the vector env share: spaces, options, action mapping, resets."""

    def _setup(
        self,
        n: int,
        params: SerialParams | None,
        action: str,
        continuous: bool,
        obs_scale: bool,
        random_start: bool,
        reward_scale: float,
        kwargs: dict[str, Any],
    ) -> None:
        self.params = make_serial_params(params, **kwargs)
        check_choice("action", action, ACTION_MODES)
        rs = check_reward_scale(reward_scale)
        for name, v in (("continuous", continuous), ("obs_scale", obs_scale), ("random_start", random_start)):
            check_bool(name, v)
        self.action_mode = action
        self.continuous = bool(continuous)
        self.obs_scaled = bool(obs_scale)
        self.random_start = bool(random_start)
        self.reward_scale = rs
        p = self.params
        m = p.n_stages
        self._scale = p.obs_scale if self.obs_scaled else np.ones(p.obs_dim)
        low, high = p.obs_bounds
        self._obs_space = spaces.Box(low, (high / self._scale).astype(np.float32), dtype=np.float32)
        self._top = np.full(m, float(p.max_order)) if action == "order" else np.asarray(p.level_upper, dtype=np.float64)
        if self.continuous:
            self._act_space: spaces.Space = spaces.Box(-1.0, 1.0, (m,), dtype=np.float32)
        else:
            self._act_space = spaces.MultiDiscrete((self._top + 1).astype(np.int64))
        self._arrays = serial_kernel_arrays(p)
        self._lead = self._arrays[0]
        self._names = serial_event_names(m)
        self._ev = serial_event_index(m)
        self._reward_col = self._ev["reward"]
        self._stream = DrawStream(InventoryParams(demand=p.demand, lead_time=0), n)
        self._start_rng: np.random.Generator | None = None
        self._init = np.asarray(p.initial_inventory, dtype=np.float64)
        self._orders = np.zeros((n, m))
        self._actions = np.zeros((n, m))
        self._seeded = False
        self._spec: EnvSpec | None = None

    @property
    def spec(self) -> EnvSpec | None:  # type: ignore[override]
        """The registration spec; ``max_episode_steps`` is where episodes end (the horizon, or a shorter limit)."""
        return self._spec

    @spec.setter
    def spec(self, value: EnvSpec | None) -> None:
        if value is not None and (value.max_episode_steps is None or self._limit_steps is not None):
            value = dataclasses.replace(value, max_episode_steps=self._episode_steps)
        self._spec = value

    _limit_steps: int | None = None

    @property
    def _episode_steps(self) -> int:
        if self._limit_steps is None:
            return self.params.horizon
        return min(self.params.horizon, self._limit_steps)

    def _map_action(self, action: Any, n: int) -> np.ndarray:
        """Validate an (N, M) batch of actions; return float64 orders (N, M) (an internal buffer)."""
        m = self.params.n_stages
        a = action if type(action) is np.ndarray else np.asarray(action)
        if a.size != n * m:
            raise ValueError(f"expected {n} action(s) of {m} entries (one per stage), got shape {np.shape(action)}")
        x = self._actions
        if self.continuous:
            af = a.astype(np.float64).reshape(n, m)
            if not np.all(np.isfinite(af)):
                raise ValueError("action must be finite, got NaN or inf")
            np.round((np.clip(af, -1.0, 1.0) + 1.0) * 0.5 * self._top, out=x)
        elif a.dtype.kind not in "iufb" or _actions_into(a.reshape(-1), self._top, x) >= 0:
            what = "orders in [0, max_order]" if self.action_mode == "order" else "echelon levels in [0, level_upper]"
            raise ValueError(f"action must be integer {what} = [0, {self._top.astype(int).tolist()}], got {a.tolist()}")
        if self.action_mode == "order":
            return x
        _orders_from_levels(self._state.data, self._lead, x, float(self.params.max_order), self._orders)
        return self._orders

    def _reset_common(self, seed: int | None, options: dict[str, Any] | None, n: int) -> np.ndarray:
        """Seed or script the draws; return the (N, M) starting on hand."""
        if seed is not None or not self._seeded:
            ss = np.random.SeedSequence(seed if seed is not None else int(self.np_random.integers(2**63)))
            self._stream.seed(ss)  # spawns the demand (and unused lead-time) children 0 and 1
            self._start_rng = np.random.default_rng(ss.spawn(1)[0])  # child 2
            self._seeded = True
        options = dict(options or {})
        init = options.pop("initial_inventory", None)
        demand = options.pop("demand", None)
        if options:
            raise ValueError(f"unknown reset option(s) {sorted(options)}; allowed: demand, initial_inventory")
        m = self.params.n_stages
        if demand is not None:
            self._stream.script(demand, None)
        elif self._stream.scripted:
            self._stream.seed(np.random.SeedSequence(int(self.np_random.integers(2**63))))
        if init is not None:
            arr = np.asarray(init, dtype=np.float64)
            if arr.size not in (1, m) or not np.all(np.isfinite(arr)) or np.any(arr < 0):
                raise ValueError(f"initial_inventory must be one number >= 0 or one per stage ({m}), got {init!r}")
            start = np.broadcast_to(arr.reshape(-1), (m,))
            room = sum(self.params.initial_inventory) + m * self.params.max_order  # inside the observation bounds
            if start.sum() > room:
                raise ValueError(
                    f"the initial_inventory option may total at most {room:g} units (the initial_inventory "
                    f"parameter's total + n_stages x max_order), got {start.sum():g}; raise the parameter instead"
                )
            return np.broadcast_to(start, (n, m)).copy()
        return self._start_draw(n)

    def _start_draw(self, n: int) -> np.ndarray:
        m = self.params.n_stages
        if self.random_start:
            assert self._start_rng is not None
            return self._start_rng.integers(0, self.params.max_order + 1, (n, m)).astype(np.float64)
        return np.broadcast_to(self._init, (n, m)).copy()


class SerialEnv(_SerialCore, gym.Env):
    __doc__ = "An M-stage serial supply chain as a Gymnasium environment.\n" + _SERIAL_DOC

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 4}

    def __init__(
        self,
        params: SerialParams | None = None,
        *,
        action: str = "order",
        continuous: bool = False,
        obs_scale: bool = False,
        random_start: bool = False,
        reward_scale: float = 1.0,
        render_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}")
        self.render_mode = render_mode
        self._setup(1, params, action, continuous, obs_scale, random_start, reward_scale, kwargs)
        self.observation_space = self._obs_space
        self.action_space = self._act_space
        self._state: SerialState = serial_initial_state(self.params, 1)
        self._obs = np.zeros((1, self.params.obs_dim), dtype=np.float32)
        self._events = np.zeros((1, len(self._names)))
        self._t = 0
        self._needs_reset = True

    @property
    def state(self) -> SerialState:
        """The kernel state (a view; do not modify)."""
        return self._state

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        super().reset(seed=seed)
        on_hand = self._reset_common(seed, options, 1)
        self._state = serial_initial_state(self.params, 1, on_hand)
        self._events[:] = 0.0
        self._t = 0
        self._needs_reset = False
        _observe(self._state.data, self._lead, self._scale, self._obs)
        return self._obs[0].copy(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        if self._needs_reset:
            raise RuntimeError("call reset() before step() (and after an episode ends)")
        orders = self._map_action(action, 1)
        demand, _ = self._stream.next()
        lead, h, p, transit = self._arrays
        _step_observe(self._state.data, orders, demand, lead, h, p, transit, self._events, self._scale, self._obs)
        self._t += 1
        done = self._t >= self.params.horizon
        if done:
            self._needs_reset = True
        info = dict(zip(self._names, self._events[0].tolist()))
        return self._obs[0].copy(), info["reward"] * self.reward_scale, False, done, info

    def render(self) -> str | np.ndarray | None:
        if self.render_mode == "ansi":
            return serial_render_text(self.params, self._state, self._events[0], self._t)
        if self.render_mode == "rgb_array":
            return serial_render_rgb(self.params, self._state, self._events[0])
        return None


def serial_render_text(params: SerialParams, state: SerialState, events: np.ndarray, t: int) -> str:
    """One line per stage (downstream first) and the period's costs."""
    idx = serial_event_index(params.n_stages)
    lines = [f"t={t} demand={events[idx['demand']]:g} cost={events[idx['cost']]:g}"]
    pipe = state.pipeline[0]
    for k in range(params.n_stages):
        lt = params.lead_times[k]
        pl = " ".join(f"{x:g}" for x in pipe[k, :lt]) or "-"
        lines.append(
            f"  stage {k + 1}: on_hand={state.on_hand[0, k]:g} backorders={state.backorders[0, k]:g} pipeline=[{pl}]"
        )
    return "\n".join(lines)


_FRAME_H, _STAGE_W, _COST_W = 160, 72, 48
_COLORS = {
    "on_hand": (46, 139, 87),
    "backorders": (200, 40, 40),
    "pipeline": (60, 110, 200),
    "cost": (120, 120, 120),
}


def serial_render_rgb(params: SerialParams, state: SerialState, events: np.ndarray) -> np.ndarray:
    """A fixed-shape uint8 frame (160, 72 M + 48, 3): per stage (downstream on the left)
    bars of on hand (green), backorders (red) and each pipeline slot (blue); at the
    right the period's cost (grey). Heights are relative to 20 max(E[D], 1) (pipeline
    slots to a quarter of it; the cost to 20 max(E[D], 1) max(h'_1, p / 4)), clipped to the frame."""
    m = params.n_stages
    frame = np.full((_FRAME_H, _STAGE_W * m + _COST_W, 3), 255, dtype=np.uint8)
    unit = max(float(params.demand.mean), 1.0)
    top = unit * 20.0
    base = _FRAME_H - 8
    pipe = state.pipeline[0]

    def bar(x0: int, width: int, value: float, scale: float, color: tuple[int, int, int]) -> None:
        hgt = int(min(max(value, 0.0) / scale, 1.0) * (base - 8))
        if hgt > 0:
            frame[base - hgt : base, x0 : x0 + width] = color
        frame[base : base + 2, x0 : x0 + width] = 0

    for k in range(m):
        x = k * _STAGE_W + 4
        frame[4:6, x : x + _STAGE_W - 8] = 0 if k % 2 == 0 else 90  # stage marker
        bar(x, 14, state.on_hand[0, k], top, _COLORS["on_hand"])
        bar(x + 16, 14, state.backorders[0, k], top, _COLORS["backorders"])
        lt = params.lead_times[k]
        if lt:
            wdt = max(2, (_STAGE_W - 44) // lt)
            for j in range(lt):
                bar(x + 32 + j * wdt, max(1, wdt - 1), pipe[k, j], top / 4, _COLORS["pipeline"])
    cost_scale = max(1e-9, top * max(max(params.holding_costs), params.backorder_cost / 4))
    bar(_STAGE_W * m + 8, _COST_W - 16, float(events[serial_event_index(m)["cost"]]), cost_scale, _COLORS["cost"])
    return frame


class SerialVectorEnv(_SerialCore, VectorEnv):
    __doc__ = (
        "N independent copies of the same chain advanced by one kernel call per step.\n\n"
        "Natively batched: observations (N, d) float32, actions (N, M), rewards (N,),\n"
        "NEXT_STEP autoreset (the step after an episode ends resets that copy and returns\n"
        'its first observation with reward 0); with ``autoreset_mode="same_step"`` a copy\n'
        "whose episode ends is reset in the same step, its last observation in\n"
        '``info["final_obs"]`` (stable-baselines3\'s convention). ``info`` maps every event name to an (N,)\n'
        "array. ``reset(seed=s)`` seeds one demand stream shared by the batch (copy i sees\n"
        "row i of ``draw_paths``).\n" + _SERIAL_DOC
    )

    metadata = {"render_modes": [], "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(
        self,
        num_envs: int = 1,
        params: SerialParams | None = None,
        *,
        action: str = "order",
        continuous: bool = False,
        obs_scale: bool = False,
        random_start: bool = False,
        reward_scale: float = 1.0,
        max_episode_steps: int | None = None,
        autoreset_mode: str | AutoresetMode = AutoresetMode.NEXT_STEP,
        render_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        num_envs = check_int("num_envs", num_envs, low=1)
        modes = (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP)
        names = {"nextstep": AutoresetMode.NEXT_STEP, "samestep": AutoresetMode.SAME_STEP}
        key = autoreset_mode.value if isinstance(autoreset_mode, AutoresetMode) else str(autoreset_mode)
        mode = names.get(key.replace("_", "").lower())  # the enum, its value or "same_step"
        if mode not in modes:
            raise ValueError(f"autoreset_mode must be one of {[m.value for m in modes]}, got {autoreset_mode!r}")
        self.metadata = {**self.metadata, "autoreset_mode": mode}
        self._same_step = mode == AutoresetMode.SAME_STEP
        if render_mode is not None:
            raise ValueError("the vector env has no render modes")
        self.num_envs = n = int(num_envs)
        self._setup(n, params, action, continuous, obs_scale, random_start, reward_scale, kwargs)
        if max_episode_steps is not None:
            self._limit_steps = check_int("max_episode_steps", max_episode_steps, low=1, reason="or None")
        self._horizon = self._episode_steps
        self.single_observation_space = self._obs_space
        self.single_action_space = self._act_space
        self.observation_space = batch_space(self.single_observation_space, n)
        self.action_space = batch_space(self.single_action_space, n)
        self.render_mode = None
        self._state = serial_initial_state(self.params, n)
        self._obs = np.zeros((n, self.params.obs_dim), dtype=np.float32)
        self._steps = np.zeros(n, dtype=np.int64)
        self._autoreset = np.zeros(n, dtype=np.bool_)
        self._terminated = np.zeros(n, dtype=np.bool_)
        self._mask = np.ones(n, dtype=np.bool_)
        self._mask.flags.writeable = False
        self._info_masks = {"_" + name: self._mask for name in self._names}
        self._needs_reset = True

    @property
    def state(self) -> SerialState:
        """The kernel state (a view; do not modify)."""
        return self._state

    def reset(
        self, *, seed: int | list[int] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict]:
        if isinstance(seed, (list, tuple)):
            if len(set(seed)) <= 1:
                seed = seed[0] if seed else None
            else:
                raise ValueError("the native vector env takes one seed for the whole batch (an int)")
        super().reset(seed=seed)
        on_hand = self._reset_common(seed, options, self.num_envs)
        self._state = serial_initial_state(self.params, self.num_envs, on_hand)
        self._steps[:] = 0
        self._autoreset[:] = False
        self._needs_reset = False
        _observe(self._state.data, self._lead, self._scale, self._obs)
        return self._obs.copy(), {}

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        if self._needs_reset:
            raise RuntimeError("call reset() before step()")
        n = self.num_envs
        resetting = self._autoreset
        any_reset = bool(resetting.any())
        if any_reset:
            # NEXT_STEP autoreset: these copies restart; their actions are ignored, not validated
            a = np.array(actions)
            if a.size != n * self.params.n_stages:
                raise ValueError(f"expected {n} action(s) of {self.params.n_stages} entries, got shape {a.shape}")
            a = a.reshape(n, self.params.n_stages)
            a[resetting] = 0
            actions = a
        orders = self._map_action(actions, n)
        demand, _ = self._stream.next()
        if any_reset:
            orders = orders.copy()
            orders[resetting] = 0.0
        self._steps += 1
        done = self._steps >= self._horizon
        events = np.empty((n, len(self._names)))
        lead, h, p, transit = self._arrays
        _step_observe(self._state.data, orders, demand, lead, h, p, transit, events, self._scale, self._obs)
        if any_reset:
            fresh = serial_initial_state(self.params, int(resetting.sum()), self._start_draw(int(resetting.sum())))
            self._state.data[resetting] = fresh.data
            self._steps[resetting] = 0
            events[resetting] = 0.0
            done = done & ~resetting
            _observe(self._state.data, lead, self._scale, self._obs)
        rewards = events[:, self._reward_col] * self.reward_scale
        self._autoreset = done
        if not any_reset:
            info = dict(zip(self._names, events.T))
            info.update(self._info_masks)
        elif resetting.all():
            info = {}  # as the sync env: no copy has events this step
        else:
            mask = ~resetting
            info = dict(zip(self._names, events.T))
            info.update({"_" + name: mask for name in self._names})
        if self._same_step and done.any():
            info = self._reset_now(info)
        return self._obs.copy(), rewards, self._terminated.copy(), done, info

    def _reset_now(self, info: dict[str, Any]) -> dict[str, Any]:
        """SAME_STEP autoreset: restart the copies that just ended; their last observation is ``final_obs``."""
        ended = self._autoreset
        rows = np.flatnonzero(ended)
        final = np.full(self.num_envs, None, dtype=object)
        for i in rows:
            final[i] = self._obs[i].copy()
        self._state.data[rows] = serial_initial_state(self.params, rows.size, self._start_draw(rows.size)).data
        self._steps[rows] = 0
        _observe(self._state.data, self._lead, self._scale, self._obs)
        self._autoreset = np.zeros(self.num_envs, dtype=np.bool_)
        return {**info, "final_obs": final, "_final_obs": ended.copy()}
