"""Training, saving, loading and evaluating stable-baselines3 agents on the suite.

::

    from agents.ppo import train, load
    agent = train("inv_gym/LostSales-v0", algo="ppo", timesteps=200_000, seed=0, out="runs/ls")
    ev = agent.evaluate(reps=100, horizon=1000, warmup=100, seed=1)   # inv_gym.evaluation
    agent = load("runs/ls")                                            # model + statistics

What :func:`train` does, per model (``ENV_DEFAULTS`` holds per-id settings):

* **Environment**: :class:`agents.sb3_common.InventorySB3VecEnv`, N copies of the
  native vector env with the env's own learning aids (:mod:`inv_gym.envs.options`):
  observations divided by a scale derived from the parameters (``obs_scale``),
  then ``VecNormalize`` (running observation statistics and reward scaling by the
  running return's standard deviation). The statistics are saved with the model and applied by
  :meth:`TrainedAgent.policy` at prediction time.
* **Long episodes**: infinite-horizon models are trained on episodes of
  ``train_horizon`` periods (50 by default); the cut is a truncation, so SB3
  bootstraps the value there (the adapter emits ``TimeLimit.truncated``). The
  evaluation uses the model's own parameters.
* **Actions**: the model's own action (the order quantity), or, with the env
  option ``action="order_up_to"`` (the default of EOQ, BaseStock, Qr, LostSales
  and StochasticLeadTime), a target inventory position: action k orders
  ``clip(k - inventory position, 0, max_order)``
  (:func:`inv_gym.envs.options.orders_from_actions`). Every order stays
  reachable; what changes is that a base-stock or (s,S) optimum is a constant
  (or two-valued) action, not a function of the state the network must learn
  to subtract. :class:`SB3Policy` applies the same map to the raw
  observation, so the agent is evaluated as a policy on the model's own
  action space.
* **Starts**: training episodes start from the model's initial state, or
  (the env option ``random_start``, the default of the backorder models) from a
  stock on hand drawn uniformly from 0 .. ``max_order``, so the policy also sees
  stock far above its usual levels.
* **Seeds**: the seed fixes torch, the SB3 algorithm and the demand stream.
* **Evaluation**: :meth:`TrainedAgent.policy` is an :class:`agents.base.BasePolicy`
  whose ``predict``/``act`` apply the scaling and the statistics, so
  :func:`inv_gym.evaluation.evaluate` scores it with the same common random
  numbers as every classical policy.

Algorithms: ``ppo``, ``a2c`` (any action space) and ``dqn`` (Discrete actions only).
"""

from __future__ import annotations

import inspect
import json
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from agents.base import PredictPolicy
from inv_gym.atomic import atomic_write
from inv_gym.envs.options import EnvOptions, orders_from_actions, positions_from_obs, scale_observation
from inv_gym.params import InventoryParams

__all__ = [
    "ALGOS",
    "ENV_DEFAULTS",
    "TrainConfig",
    "TrainedAgent",
    "SB3Policy",
    "train",
    "load",
    "make_vec_env",
    "resolve_config",
]

ALGOS: tuple[str, ...] = ("ppo", "a2c", "dqn")
#: The on-policy algorithms, which take the per-id rollout settings of ``ENV_DEFAULTS``.
ON_POLICY: tuple[str, ...] = ("ppo", "a2c")

#: Algorithm hyperparameters used unless a model or the caller overrides them.
ALGO_DEFAULTS: dict[str, dict[str, Any]] = {
    "ppo": dict(
        n_steps=256, batch_size=256, n_epochs=10, learning_rate=1e-3, gae_lambda=0.95, clip_range=0.2, ent_coef=0.01
    ),
    "a2c": dict(n_steps=16, learning_rate=7e-4, gae_lambda=0.95, ent_coef=0.0),
    "dqn": dict(
        learning_rate=5e-4,
        buffer_size=100_000,
        learning_starts=1_000,
        batch_size=128,
        train_freq=4,
        target_update_interval=1_000,
        exploration_fraction=0.3,
        exploration_final_eps=0.02,
    ),
}

#: Per-id settings (merged over :class:`TrainConfig`'s defaults): ``hyper`` is
#: passed to the on-policy algorithms (what each takes; see :func:`resolve_config`),
#: the other keys are :class:`TrainConfig` fields.
#:
#: The stock models without perishing act through order-up-to levels
#: (``action="order_up_to"``): with the order quantity as the action, PPO
#: at 80,000 steps settled on under-ordering on the backorder models (gaps of
#: 21-177%, fill rates 0.63-0.89) and stayed 7% above the optimum on lost
#: sales; with the target inventory position as the action the same budget
#: comes within a few per cent (docs/benchmark.md). The backorder models also
#: start training episodes from a random stock (``random_start``): trained only
#: from an empty start, a Qr-v0 seed and an EOQ-v0 seed at 300,000 steps asked
#: for high targets in stock levels training had not visited, and once there
#: kept the stock there (cost 143 and 53 against optima of 35 and 27).
ENV_DEFAULTS: dict[str, dict[str, Any]] = {
    # one period: a contextual bandit with a constant observation; no bootstrapping
    "inv_gym/Newsvendor-v0": dict(gamma=0.0, n_envs=16, hyper=dict(n_steps=32, batch_size=128, ent_coef=0.0)),
    "inv_gym/EOQ-v0": dict(gamma=0.99, action="order_up_to", random_start=True),
    "inv_gym/BaseStock-v0": dict(gamma=0.99, action="order_up_to", random_start=True),
    "inv_gym/Qr-v0": dict(gamma=0.99, action="order_up_to", random_start=True),
    "inv_gym/LostSales-v0": dict(gamma=0.99, action="order_up_to"),
    "inv_gym/Perishable-v0": dict(gamma=0.99),
    "inv_gym/StochasticLeadTime-v0": dict(gamma=0.99, action="order_up_to", random_start=True),
    # a 25-day month that terminates: undiscounted returns
    "inv_gym/ConcreteMixers-v0": dict(gamma=1.0, hyper=dict(gae_lambda=0.95)),
}


@dataclass
class TrainConfig:
    """How to train one agent.

    Attributes:
        algo: ``ppo``, ``a2c`` or ``dqn``.
        timesteps: environment steps to train for (summed over the copies).
        seed: seed of torch, the algorithm and the demand stream.
        n_envs: copies of the model stepped together.
        train_horizon: episode length in training for infinite-horizon models
            (None: 50; finite-horizon models always use their own horizon).
            Short episodes restart from an empty system often, which keeps
            the early, over-ordering policies from drowning in stock.
        gamma: discount factor.
        norm_obs: keep running observation statistics (``VecNormalize``).
        norm_reward: scale rewards by the running return's standard deviation.
        net_arch: hidden layer sizes of the policy and value networks.
        continuous: act in the continuous Box [-1, 1] (PPO and A2C only).
        action: the env option ``action``: ``order`` (the model's own action,
            the order quantity) or ``order_up_to`` (the action is a target
            inventory position; see :mod:`inv_gym.envs.options`). Either way the
            trained :class:`SB3Policy` acts on the model's own action space.
        obs_scale: the env option ``obs_scale`` (observations of order one).
        random_start: the env option ``random_start``: start every training
            episode with a stock on hand drawn uniformly from 0 .. ``max_order``
            (nothing on order) instead of the model's initial state, so the policy
            also learns what to do far above its usual stock (training only; the
            evaluation starts as the model says).
        reward_scale: the env option ``reward_scale``.
        hyper: extra keyword arguments of the SB3 algorithm.
        eval_every: evaluate the policy every this many timesteps for the
            learning curve (0: no curve).
        curve_reps, curve_horizon, curve_seed: settings of those evaluations.
        progress: show a tqdm progress bar.
        tensorboard: directory for TensorBoard logs (None: no logs).
        torch_threads: torch's intra-op threads (default 1; None also means 1): a fixed
            count per worker, so one seed gives the same agent on one machine.
    """

    algo: str = "ppo"
    timesteps: int = 100_000
    seed: int = 0
    n_envs: int = 8
    train_horizon: int | None = None
    gamma: float = 0.99
    norm_obs: bool = True
    norm_reward: bool = True
    net_arch: tuple[int, ...] = (64, 64)
    continuous: bool = False
    action: str = "order"
    obs_scale: bool = True
    random_start: bool = False
    reward_scale: float = 1.0
    hyper: dict[str, Any] = field(default_factory=dict)
    eval_every: int = 0
    curve_reps: int = 20
    curve_horizon: int = 500
    curve_seed: int = 12345
    progress: bool = False
    tensorboard: str | None = None
    torch_threads: int | None = 1

    def __post_init__(self) -> None:
        if self.algo not in ALGOS:
            raise ValueError(f"algo must be one of {', '.join(ALGOS)}, got {self.algo!r}")
        self.env_options()  # validates action, obs_scale, random_start, reward_scale, continuous
        if self.algo == "dqn" and self.continuous:
            raise ValueError("algo 'dqn' needs a Discrete action space: set continuous=False")
        if isinstance(self.timesteps, bool) or int(self.timesteps) != self.timesteps or self.timesteps < 1:
            raise ValueError(f"timesteps must be an integer >= 1, got {self.timesteps!r}")
        if isinstance(self.n_envs, bool) or int(self.n_envs) != self.n_envs or self.n_envs < 1:
            raise ValueError(f"n_envs must be an integer >= 1, got {self.n_envs!r}")
        if self.train_horizon is not None and (int(self.train_horizon) != self.train_horizon or self.train_horizon < 1):
            raise ValueError(f"train_horizon must be an integer >= 1 or None, got {self.train_horizon!r}")
        if not 0.0 <= float(self.gamma) <= 1.0:
            raise ValueError(f"gamma must be in [0, 1], got {self.gamma}")
        unknown = sorted(set(self.hyper) - algo_parameters(self.algo))
        if unknown:
            raise ValueError(
                f"hyper: {self.algo} takes no parameter {unknown[0]!r}; it takes "
                f"{', '.join(sorted(algo_parameters(self.algo)))}"
            )
        self.timesteps = int(self.timesteps)
        self.n_envs = int(self.n_envs)
        self.net_arch = tuple(int(x) for x in self.net_arch)

    def env_options(self) -> EnvOptions:
        """The env options this configuration trains with."""
        return EnvOptions(
            action=self.action,
            continuous=self.continuous,
            obs_scale=self.obs_scale,
            random_start=self.random_start,
            reward_scale=self.reward_scale,
        )


def resolve_config(env_id: str | None, **kwargs: Any) -> TrainConfig:
    """A :class:`TrainConfig` from the id's ``ENV_DEFAULTS`` updated by ``kwargs``.

    ``hyper`` dictionaries are merged (algorithm defaults, then the id's, then the
    caller's). The id's ``hyper`` entries are settings of the on-policy
    algorithms: A2C gets those it takes (not PPO's ``batch_size``), DQN none
    (its ``n_steps`` means n-step returns, not a rollout length). The caller's
    must all be taken by the algorithm (:class:`TrainConfig` checks them).
    """
    base = dict(ENV_DEFAULTS.get(env_id or "", {}))
    algo = kwargs.get("algo") or base.get("algo") or "ppo"
    # the id's settings are rollout settings of the on-policy algorithms (PPO, A2C), each
    # getting those it takes; DQN's n_steps would mean n-step returns: it gets none of them
    taken = algo_parameters(algo) if algo in ON_POLICY else set()
    hyper = {k: v for k, v in base.pop("hyper", {}).items() if k in taken}
    hyper.update(kwargs.pop("hyper", None) or {})
    base.update({k: v for k, v in kwargs.items() if v is not None})
    base["hyper"] = hyper
    return TrainConfig(**base)


# ---------------------------------------------------------------------------
# the policy wrapper


class SB3Policy(PredictPolicy):
    """A trained SB3 model as a policy on the model's own action space.

    The raw observation is shown to the network as the training env showed it (the
    env options, then ``VecNormalize``'s statistics), and the network's action is
    turned into an order by the env's own map
    (:func:`inv_gym.envs.options.orders_from_actions`).

    Args:
        model: the SB3 model.
        options: the env options of training.
        obs_mean, obs_var: ``VecNormalize``'s running statistics (None: not normalized).
        clip_obs, epsilon: ``VecNormalize``'s clipping and epsilon.
        params: optional parameters to bind.
    """

    family = "sb3"

    def __init__(
        self,
        model: Any,
        options: EnvOptions,
        obs_mean: np.ndarray | None = None,
        obs_var: np.ndarray | None = None,
        *,
        clip_obs: float = 10.0,
        epsilon: float = 1e-8,
        params: InventoryParams | None = None,
    ) -> None:
        self.options = options
        self.obs_mean = None if obs_mean is None else np.asarray(obs_mean, dtype=np.float64)
        self.obs_var = None if obs_var is None else np.asarray(obs_var, dtype=np.float64)
        self.clip_obs = float(clip_obs)
        self.epsilon = float(epsilon)
        super().__init__(model, continuous=options.continuous, params=params)

    def _check(self, params: InventoryParams) -> None:
        if self.obs_mean is not None and params.obs_dim != self.obs_mean.shape[0]:
            raise ValueError(
                f"the model was trained on {self.obs_mean.shape[0]} observation entries, "
                f"these parameters have {params.obs_dim}"
            )

    def normalize(self, obs: np.ndarray) -> np.ndarray:
        """The observation the network sees (the env options, then the statistics)."""
        params, _ = self._require()
        x = scale_observation(obs, params, self.options)
        if self.obs_mean is not None and self.obs_var is not None:
            x = np.clip((x - self.obs_mean) / np.sqrt(self.obs_var + self.epsilon), -self.clip_obs, self.clip_obs)
        return x.astype(np.float32)

    def order(self, obs: np.ndarray) -> np.ndarray:
        params, _ = self._require()
        actions, _ = self.model.predict(self.normalize(obs), deterministic=True)
        return orders_from_actions(actions, positions_from_obs(params, obs), params, self.options)

    def describe(self) -> dict[str, Any]:
        return {"family": self.family, "model": type(self.model).__name__, "action": self.options.action}


# ---------------------------------------------------------------------------
# environments


def train_params(params: InventoryParams, config: TrainConfig) -> InventoryParams:
    """The parameters used in training: infinite-horizon models get ``train_horizon``."""
    if params.finite_horizon:
        return params
    return params.replace(horizon=int(config.train_horizon or 50))


def make_vec_env(params: InventoryParams, config: TrainConfig, *, seed: int | None = None) -> Any:
    """The training environment: kernel VecEnv -> VecMonitor -> VecNormalize."""
    from stable_baselines3.common.vec_env import VecMonitor, VecNormalize

    from agents.sb3_common import InventorySB3VecEnv

    venv = InventorySB3VecEnv(params, config.n_envs, seed=seed, options=config.env_options())
    venv = VecMonitor(venv)
    return VecNormalize(venv, norm_obs=config.norm_obs, norm_reward=config.norm_reward, gamma=config.gamma)


def _algo_class(algo: str) -> Any:
    from stable_baselines3 import A2C, DQN, PPO

    return {"ppo": PPO, "a2c": A2C, "dqn": DQN}[algo]


#: Constructor arguments :func:`train` sets itself (not ``hyper``).
_SET_BY_TRAIN = {"self", "policy", "env", "gamma", "seed", "verbose", "device", "tensorboard_log", "policy_kwargs"}


def algo_parameters(algo: str) -> set[str]:
    """The hyperparameters (``hyper`` keys) the SB3 class of ``algo`` takes."""
    return set(inspect.signature(_algo_class(algo).__init__).parameters) - _SET_BY_TRAIN - {"_init_setup_model"}


# ---------------------------------------------------------------------------
# the trained agent


@dataclass
class TrainedAgent:
    """A trained model with everything needed to act and to be evaluated.

    Attributes:
        model: the SB3 model.
        params: the model's parameters (as evaluated; training may shorten the horizon).
        config: the training settings (its env options are how the model saw the env).
        obs_mean, obs_var, clip_obs, epsilon: ``VecNormalize`` statistics (or None).
        env_id: the registered id, if any.
        curve: learning curve rows ``{"timesteps", "cost_per_period", "ci_low", "ci_high", "wall_time"}``.
        train_time: seconds spent in ``learn``.
        vecnormalize: the training ``VecNormalize`` (after :func:`load`: one rebuilt
            from ``vecnormalize.json`` over a fresh training env, not training).
    """

    model: Any
    params: InventoryParams
    config: TrainConfig
    obs_mean: np.ndarray | None = None
    obs_var: np.ndarray | None = None
    clip_obs: float = 10.0
    epsilon: float = 1e-8
    env_id: str | None = None
    curve: list[dict[str, float]] = field(default_factory=list)
    train_time: float = 0.0
    vecnormalize: Any = None

    def policy(self) -> SB3Policy:
        """The agent as a bound :class:`agents.base.BasePolicy`."""
        return SB3Policy(
            self.model,
            self.config.env_options(),
            self.obs_mean,
            self.obs_var,
            clip_obs=self.clip_obs,
            epsilon=self.epsilon,
            params=self.params,
        )

    def evaluate(self, **kwargs: Any) -> Any:
        """:func:`inv_gym.evaluation.evaluate` of :meth:`policy` on :attr:`params`."""
        from inv_gym.evaluation import evaluate

        return evaluate(self.policy(), self.params, **kwargs)

    def meta(self) -> dict[str, Any]:
        """JSON-friendly description (settings, statistics, learning curve)."""
        cfg = asdict(self.config)
        cfg["net_arch"] = list(self.config.net_arch)
        return {
            "env_id": self.env_id,
            "params": self.params.to_dict(),
            "config": cfg,
            "obs_mean": None if self.obs_mean is None else self.obs_mean.tolist(),
            "obs_var": None if self.obs_var is None else self.obs_var.tolist(),
            "clip_obs": self.clip_obs,
            "epsilon": self.epsilon,
            "curve": self.curve,
            "train_time": self.train_time,
        }

    def save(self, directory: str) -> str:
        """Write ``model.zip``, ``vecnormalize.json`` (if any) and ``agent.json`` to ``directory``.

        The normalisation statistics are plain JSON (:func:`vecnormalize_state`),
        never a pickle, so loading them runs no code.
        """
        os.makedirs(directory, exist_ok=True)
        self.model.save(os.path.join(directory, MODEL_FILE))
        if self.vecnormalize is not None:
            _write_json(os.path.join(directory, VECNORMALIZE_FILE), vecnormalize_state(self.vecnormalize))
        _write_json(os.path.join(directory, "agent.json"), self.meta())
        return directory


#: Files of a saved agent: the SB3 model and the normalisation statistics (JSON).
MODEL_FILE = "model.zip"
VECNORMALIZE_FILE = "vecnormalize.json"
#: The pickle earlier versions wrote; never loaded (a crafted pickle runs code).
LEGACY_VECNORMALIZE_FILE = "vecnormalize.pkl"


def vecnormalize_state(venv: Any) -> dict[str, Any]:
    """``VecNormalize``'s statistics and settings as plain values (JSON-ready).

    ``obs_rms`` and ``ret_rms`` are running means, variances and counts (Welford);
    ``clip_obs``, ``clip_reward``, ``epsilon``, ``gamma``, ``norm_obs`` and
    ``norm_reward`` are the settings that turn them into the network's input and
    the scaled reward.
    """

    def rms(r: Any) -> dict[str, Any]:
        return {"mean": np.asarray(r.mean).tolist(), "var": np.asarray(r.var).tolist(), "count": float(r.count)}

    return {
        "obs_rms": rms(venv.obs_rms),
        "ret_rms": rms(venv.ret_rms),
        "clip_obs": float(venv.clip_obs),
        "clip_reward": float(venv.clip_reward),
        "epsilon": float(venv.epsilon),
        "gamma": float(venv.gamma),
        "norm_obs": bool(venv.norm_obs),
        "norm_reward": bool(venv.norm_reward),
    }


def vecnormalize_from_state(state: dict[str, Any], venv: Any) -> Any:
    """A ``VecNormalize`` over ``venv`` with the statistics of :func:`vecnormalize_state` (not training).

    Raises:
        ValueError: when a field is missing or has the wrong shape.
    """
    from stable_baselines3.common.running_mean_std import RunningMeanStd
    from stable_baselines3.common.vec_env import VecNormalize

    try:
        out = VecNormalize(
            venv,
            training=False,
            norm_obs=bool(state["norm_obs"]),
            norm_reward=bool(state["norm_reward"]),
            clip_obs=float(state["clip_obs"]),
            clip_reward=float(state["clip_reward"]),
            gamma=float(state["gamma"]),
            epsilon=float(state["epsilon"]),
        )
        for name in ("obs_rms", "ret_rms"):
            current: RunningMeanStd = getattr(out, name)
            mean = np.asarray(state[name]["mean"], dtype=np.float64)
            var = np.asarray(state[name]["var"], dtype=np.float64)
            if mean.shape != current.mean.shape or var.shape != current.var.shape:
                raise ValueError(f"{name} has shape {mean.shape}, the env's is {current.mean.shape}")
            current.mean, current.var, current.count = mean, var, float(state[name]["count"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"the statistics miss or mistype a field ({exc})") from None
    return out


def _write_json(path: str, obj: Any) -> None:
    def write(tmp: str) -> None:
        with open(tmp, "w") as fh:
            json.dump(obj, fh, indent=2, default=_json_default)

    atomic_write(path, write)


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return str(obj)


def _read_json(path: str, what: str) -> Any:
    """JSON from ``path``; a file that does not parse is named as corrupt."""
    try:
        with open(path) as fh:
            return json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"{path} is corrupt ({what} is not valid JSON: {exc}); save or train the agent again"
        ) from None


def load(directory: str) -> TrainedAgent:
    """Load an agent written by :meth:`TrainedAgent.save`.

    Nothing here unpickles: the statistics come from ``vecnormalize.json``. An
    agent saved by an earlier version with only ``vecnormalize.pkl`` is refused
    (retrain it). ``model.zip`` is loaded by stable-baselines3, which unpickles
    parts of it: load only models you trust (docs/bring-your-own-agent.md).

    Raises:
        ValueError: naming the file when ``agent.json`` or ``model.zip`` is
            missing, a file is corrupt, or only the old pickle is there.
    """
    path = os.path.join(directory, "agent.json")
    if not os.path.exists(path):
        raise ValueError(f"no saved agent in {directory!r} (agent.json missing)")
    meta = _read_json(path, "agent.json")
    try:
        config = TrainConfig(**dict(meta["config"]))
        params = InventoryParams(**meta["params"])
        stats = {k: meta[k] for k in ("obs_mean", "obs_var", "clip_obs", "epsilon")}
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{path} is corrupt (a field is missing or mistyped: {exc}); save or train again") from None
    model_path = os.path.join(directory, MODEL_FILE)
    if not os.path.isfile(model_path):
        raise ValueError(f"no model in {directory!r} ({MODEL_FILE} missing)")
    vn_path = os.path.join(directory, VECNORMALIZE_FILE)
    vecnormalize = None
    if os.path.exists(vn_path):
        tparams = train_params(params, config)
        try:
            vecnormalize = vecnormalize_from_state(
                _read_json(vn_path, VECNORMALIZE_FILE), make_vec_env(tparams, config).venv
            )
        except ValueError as exc:
            raise ValueError(f"{vn_path} is corrupt ({exc}); save or train the agent again") from None
    elif os.path.exists(os.path.join(directory, LEGACY_VECNORMALIZE_FILE)):
        raise ValueError(
            f"{os.path.join(directory, LEGACY_VECNORMALIZE_FILE)} is a pickle from an earlier version, which is "
            f"never loaded (a crafted pickle runs code); retrain the agent (inv-gym train) to get {VECNORMALIZE_FILE}"
        )
    model = _algo_class(config.algo).load(model_path, device="cpu")
    return TrainedAgent(
        model=model,
        params=params,
        config=config,
        obs_mean=None if stats["obs_mean"] is None else np.asarray(stats["obs_mean"]),
        obs_var=None if stats["obs_var"] is None else np.asarray(stats["obs_var"]),
        clip_obs=stats["clip_obs"],
        epsilon=stats["epsilon"],
        env_id=meta.get("env_id"),
        curve=meta.get("curve", []),
        train_time=meta.get("train_time", 0.0),
        vecnormalize=vecnormalize,
    )


# ---------------------------------------------------------------------------
# training


def _snapshot(params: InventoryParams, config: TrainConfig, model: Any, venv: Any) -> SB3Policy:
    mean = var = None
    if config.norm_obs:
        mean, var = venv.obs_rms.mean.copy(), venv.obs_rms.var.copy()
    return SB3Policy(
        model, config.env_options(), mean, var, clip_obs=venv.clip_obs, epsilon=venv.epsilon, params=params
    )


def _curve_callback(params: InventoryParams, config: TrainConfig, curve: list[dict[str, float]]) -> Any:
    from stable_baselines3.common.callbacks import BaseCallback

    from inv_gym.evaluation import evaluate

    horizon = params.horizon if params.finite_horizon else config.curve_horizon
    warmup = 0 if params.finite_horizon else min(100, horizon)

    class _Curve(BaseCallback):
        def __init__(self) -> None:
            super().__init__()
            self.next_at = 0
            self.t0 = time.perf_counter()

        def _record(self) -> None:
            policy = _snapshot(params, config, self.model, self.model.get_env())
            ev = evaluate(
                policy, params, reps=config.curve_reps, horizon=horizon, warmup=warmup, seed=config.curve_seed
            )
            c = ev["reward_per_period"]
            curve.append(
                {
                    "timesteps": int(self.num_timesteps),
                    "cost_per_period": -c.mean,
                    "ci_low": -c.ci_high,
                    "ci_high": -c.ci_low,
                    "wall_time": time.perf_counter() - self.t0,
                }
            )

        def _on_step(self) -> bool:
            if self.num_timesteps >= self.next_at:
                self._record()
                self.next_at = self.num_timesteps + config.eval_every
            return True

        def _on_training_end(self) -> None:
            if not curve or curve[-1]["timesteps"] != self.num_timesteps:
                self._record()

    return _Curve()


def train(
    env: str | InventoryParams,
    *,
    algo: str = "ppo",
    timesteps: int = 100_000,
    seed: int = 0,
    overrides: dict[str, Any] | None = None,
    out: str | None = None,
    **config_kwargs: Any,
) -> TrainedAgent:
    """Train an SB3 agent on a registered id (or parameters).

    Args:
        env: a registered id (``inv_gym/LostSales-v0``) or :class:`InventoryParams`.
        algo: ``ppo``, ``a2c`` or ``dqn``.
        timesteps: environment steps.
        seed: seed of everything random in training.
        overrides: parameter overrides of the id's preset (``--set``).
        out: directory to save the agent to (None: not saved).
        **config_kwargs: other :class:`TrainConfig` fields (``n_envs``, ``gamma``,
            ``hyper``, ``eval_every``, ``progress``, ``tensorboard``, ...).

    Returns:
        The :class:`TrainedAgent`.
    """
    from stable_baselines3.common.utils import set_random_seed

    if isinstance(env, InventoryParams):
        env_id, params = None, env.replace(**(overrides or {})) if overrides else env
    else:
        from inv_gym.presets import preset_params

        env_id, params = env, preset_params(env, **(overrides or {}))
    config = resolve_config(env_id, algo=algo, timesteps=timesteps, seed=seed, **config_kwargs)
    import torch

    # reproducible on one machine: a fixed thread count and deterministic kernels (across
    # machines, BLAS reductions differ with the CPU; see docs/benchmark.md)
    torch.set_num_threads(int(config.torch_threads or 1))
    torch.use_deterministic_algorithms(True)
    set_random_seed(config.seed)
    tparams = train_params(params, config)
    venv = make_vec_env(tparams, config, seed=config.seed)
    hyper = dict(ALGO_DEFAULTS[config.algo])
    hyper.update(config.hyper)
    if config.algo == "ppo" and "batch_size" in hyper:
        hyper["batch_size"] = min(int(hyper["batch_size"]), int(hyper.get("n_steps", 2048)) * config.n_envs)
    policy_kwargs = {"net_arch": list(config.net_arch)}
    model = _algo_class(config.algo)(
        "MlpPolicy",
        venv,
        gamma=config.gamma,
        seed=config.seed,
        verbose=0,
        device="cpu",
        tensorboard_log=config.tensorboard,
        policy_kwargs=policy_kwargs,
        **hyper,
    )
    callbacks: list[Any] = []
    curve: list[dict[str, float]] = []
    if config.eval_every > 0:
        callbacks.append(_curve_callback(params, config, curve))
    if config.progress:
        from agents.sb3_common import TqdmCallback

        callbacks.append(TqdmCallback(config.timesteps, desc=f"{config.algo} {env_id or ''}".strip()))
    t0 = time.perf_counter()
    model.learn(total_timesteps=config.timesteps, callback=callbacks or None, tb_log_name=config.algo)
    train_time = time.perf_counter() - t0
    venv.training = False
    agent = TrainedAgent(
        model=model,
        params=params,
        config=config,
        obs_mean=venv.obs_rms.mean.copy() if config.norm_obs else None,
        obs_var=venv.obs_rms.var.copy() if config.norm_obs else None,
        clip_obs=float(venv.clip_obs),
        epsilon=float(venv.epsilon),
        env_id=env_id,
        curve=curve,
        train_time=train_time,
        vecnormalize=venv,
    )
    if out is not None:
        agent.save(out)
    return agent
