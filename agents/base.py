"""The policy protocol shared by heuristics, exact policies and trained agents.

A policy maps a batch of observations to a batch of orders::

    orders = policy.act(obs)          # obs (N, d) float32 -> orders (N,) float64

It reads the env's documented observation (``params.obs_names``), so it gets the
same information as an agent. Policies that need the layout are *bound* to the
model's parameters with :meth:`BasePolicy.bind` (the evaluator, the search and
the bandits bind them for you). Stateful policies (period counters) are reset
with :meth:`BasePolicy.reset` at the start of every episode.

:meth:`BasePolicy.predict` has stable-baselines3's signature, so
``stable_baselines3.common.evaluation.evaluate_policy`` accepts every policy,
and :func:`as_policy` turns any object with ``predict`` (a trained SB3 model)
into a policy, so one evaluator serves all of them.
"""

from __future__ import annotations

import copy
from typing import Any, Protocol, runtime_checkable

import numpy as np

from inv_gym.params import InventoryParams

__all__ = ["Policy", "BasePolicy", "PredictPolicy", "as_policy", "ObsLayout"]


@runtime_checkable
class Policy(Protocol):
    """Anything with ``act(obs (N, d)) -> orders (N,)``."""

    def act(self, obs: np.ndarray) -> np.ndarray: ...


class ObsLayout:
    """Index helpers for the observation layout of one parameter set."""

    def __init__(self, params: InventoryParams) -> None:
        names = params.obs_names
        self.params = params
        self.inventory = 0
        self.pipeline = [i for i, n in enumerate(names) if n.startswith("pipeline_")]
        self.ages = [i for i, n in enumerate(names) if n.startswith("age_")]
        self.period = names.index("period") if "period" in names else None

    def inventory_position(self, obs: np.ndarray) -> np.ndarray:
        """Net inventory (on hand under lost sales) plus everything on order, (N,)."""
        ip = obs[:, 0].astype(np.float64)
        if self.pipeline:
            ip += obs[:, self.pipeline[0] : self.pipeline[-1] + 1].sum(axis=1, dtype=np.float64)
        return ip

    def on_hand(self, obs: np.ndarray) -> np.ndarray:
        """On hand (never negative), (N,)."""
        return np.maximum(obs[:, 0].astype(np.float64), 0.0)

    def outstanding(self, obs: np.ndarray) -> np.ndarray:
        """True where an order is in the pipeline, (N,)."""
        if not self.pipeline:
            return np.zeros(obs.shape[0], dtype=bool)
        return obs[:, self.pipeline[0] : self.pipeline[-1] + 1].sum(axis=1) > 0


class BasePolicy:
    """Base class: binding to parameters, the period counter, and ``predict``."""

    #: family name used by the command line's policy specs
    family: str = ""

    def __init__(self, params: InventoryParams | None = None) -> None:
        self.params: InventoryParams | None = None
        self.layout: ObsLayout | None = None
        self._t: np.ndarray = np.zeros(0, dtype=np.int64)
        if params is not None:
            self._bind_inplace(params)

    # -- binding -------------------------------------------------------------
    def _bind_inplace(self, params: InventoryParams) -> None:
        self.params = params
        self.layout = ObsLayout(params)
        self._check(params)

    def _check(self, params: InventoryParams) -> None:
        """Validate the policy against the parameters (override)."""

    def bind(self, params: InventoryParams) -> BasePolicy:
        """A copy of this policy that reads the observation layout of ``params``."""
        out = copy.copy(self)
        out._bind_inplace(params)
        out._t = np.zeros(0, dtype=np.int64)
        return out

    def _require(self) -> tuple[InventoryParams, ObsLayout]:
        if self.params is None or self.layout is None:
            raise RuntimeError(f"{type(self).__name__} is not bound to parameters: call .bind(params) first")
        return self.params, self.layout

    # -- episodes --------------------------------------------------------------
    def reset(self, n: int) -> None:
        """Start new episodes for ``n`` systems (resets the period counters)."""
        self._t = np.zeros(n, dtype=np.int64)

    def periods(self, obs: np.ndarray) -> np.ndarray:
        """The 0-based period of each system: observed, or counted by ``act`` calls."""
        _, layout = self._require()
        if layout.period is not None:
            return np.rint(obs[:, layout.period]).astype(np.int64)
        if self._t.shape[0] != obs.shape[0]:
            self.reset(obs.shape[0])
        return self._t

    def _advance(self) -> None:
        self._t = self._t + 1

    # -- acting ------------------------------------------------------------------
    def order(self, obs: np.ndarray) -> np.ndarray:
        """Raw orders (N,) before clipping; override."""
        raise NotImplementedError

    def act(self, obs: np.ndarray) -> np.ndarray:
        """Orders (N,) float64, integers in [0, max_order]."""
        params, _ = self._require()
        obs = np.asarray(obs, dtype=np.float32)
        if obs.ndim == 1:
            obs = obs[None, :]
        q = np.rint(self.order(obs))  # a fresh array: round and clip it in place
        self._advance()
        return np.clip(q, 0.0, self._largest_order(params), out=q)

    def _largest_order(self, params: InventoryParams) -> float | np.ndarray:
        """The largest order the policy may place (override; default ``max_order``)."""
        return float(params.max_order)

    def predict(
        self,
        observation: np.ndarray,
        state: Any = None,
        episode_start: np.ndarray | None = None,
        deterministic: bool = True,
    ) -> tuple[np.ndarray, Any]:
        """stable-baselines3's ``predict``: integer actions for the Discrete action space."""
        obs = np.asarray(observation)
        single = obs.ndim == 1
        obs2 = obs[None, :] if single else obs
        if episode_start is not None and self._t.shape[0] == obs2.shape[0]:
            self._t = np.where(np.asarray(episode_start, dtype=bool), 0, self._t)
        actions = self.act(obs2).astype(np.int64)
        return (actions[0] if single else actions), state

    def describe(self) -> dict[str, Any]:
        """The family and its parameters (JSON-friendly)."""
        return {"family": self.family}

    def __repr__(self) -> str:
        d = self.describe()
        args = ", ".join(f"{k}={v}" for k, v in d.items() if k != "family")
        return f"{type(self).__name__}({args})"


class PredictPolicy(BasePolicy):
    """Wrap an object with SB3's ``predict`` (e.g. a trained model) as a policy.

    Args:
        model: anything with ``predict(obs, deterministic=True) -> (actions, state)``.
        continuous: True when the model acts in the env's continuous Box [-1, 1]
            (actions are mapped to orders as the env maps them).
        params: optional parameters to bind.
    """

    family = "predict"

    def __init__(self, model: Any, *, continuous: bool = False, params: InventoryParams | None = None) -> None:
        self.model = model
        self.continuous = continuous
        super().__init__(params)

    def order(self, obs: np.ndarray) -> np.ndarray:
        params, _ = self._require()
        actions, _ = self.model.predict(obs, deterministic=True)
        a = np.asarray(actions, dtype=np.float64).reshape(obs.shape[0], -1)[:, 0]
        if self.continuous:
            return np.round((np.clip(a, -1.0, 1.0) + 1.0) * 0.5 * params.max_order)
        return a

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "model": type(self.model).__name__}


def as_policy(obj: Any, params: InventoryParams | None = None) -> BasePolicy:
    """A bound :class:`BasePolicy` from a policy, an SB3 model, or a callable.

    Args:
        obj: a BasePolicy (bound to ``params`` if given), anything with ``act``,
            anything with ``predict`` (SB3 models), or a callable ``f(obs) -> orders``.
        params: the model's parameters.
    """
    if isinstance(obj, BasePolicy):
        if params is not None and obj.params is not params:
            return obj.bind(params)
        return obj
    if hasattr(obj, "act"):
        return _CallablePolicy(obj.act, params)
    if hasattr(obj, "predict"):
        return PredictPolicy(obj, params=params)
    if callable(obj):
        return _CallablePolicy(obj, params)
    raise ValueError(f"cannot use {type(obj).__name__} as a policy: it needs act(), predict() or to be callable")


class _CallablePolicy(BasePolicy):
    family = "callable"

    def __init__(self, fn: Any, params: InventoryParams | None) -> None:
        self.fn = fn
        super().__init__(params)

    def order(self, obs: np.ndarray) -> np.ndarray:
        return np.asarray(self.fn(obs), dtype=np.float64).reshape(obs.shape[0])
