"""``inv-gym score INSTANCES --agent AGENT``: a leaderboard of one agent on named instances.

INSTANCES is an instance set (``zipkin-lost-sales``, ``suite``, ``serial``,
``dual-sourcing``) or one instance (``zipkin-lost-sales/L2-p9``). On ``serial`` instances the
agent returns one action per stage of the chain. Each row is :func:`inv_gym.score`: the agent's cost per
period with its 95% CI, its gap to the certified optimum (CI on common random numbers
with the simulated optimal policy where the suite has one) and to the best classical
heuristic.

AGENT is one of:

* ``module:name`` or ``path/to/file.py:name``: a policy object (a callable ``obs ->
  action``, batched or single, anything with SB3's ``predict``, or a torch module), used
  on every instance; or a factory, a function whose first parameter is named
  ``instance``, called with each :class:`inv_gym.instances.Instance` to give its policy.
* ``path/to/model.zip``: a stable-baselines3 model (PPO, A2C or DQN). A zip holds
  pickled objects, so load only files you trust.
* a policy spec of the suite, e.g. ``capped_base_stock:S=12,cap=6`` or ``base_stock:S=20``.

``--set NAME=VALUE`` gives the env options the agent acts under (``action=order_up_to``,
``obs_scale=true``, ...): observations are shown and actions are read as such an env
does; the score is always in the model's own units.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import os
import sys
from typing import Any

from experiments.commands.common import print_json
from experiments.commands.evaluate import reps_type

TRUST_NOTE = "An SB3 .zip contains pickled objects: load only files you trust."


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``score`` subcommand to the ``inv-gym`` parser."""
    p = sub.add_parser(
        "score",
        help="score an agent on named instances: gap to the optimum with CIs",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "instances",
        metavar="INSTANCES",
        help="an instance set (zipkin-lost-sales, suite, serial, dual-sourcing) or set/name",
    )
    p.add_argument(
        "--agent",
        required=True,
        metavar="AGENT",
        help="module:name, path/file.py:name, an SB3 model .zip, or a policy spec. " + TRUST_NOTE,
    )
    p.add_argument(
        "--set",
        dest="sets",
        action="append",
        metavar="NAME=VALUE",
        help="an env option the agent acts under, e.g. --set action=order_up_to --set obs_scale=true",
    )
    p.add_argument("--reps", type=reps_type, default=100, help="replications per instance, >= 2 (default 100)")
    p.add_argument("--horizon", type=int, default=None, help="measured periods (default 1000; finite: the model's)")
    p.add_argument("--warmup", type=int, default=None, help="warm-up periods (default 100; finite: 0)")
    p.add_argument("--seed", type=int, default=0, help="seed of the demand draws (default 0)")
    p.add_argument("--csv", metavar="PATH", help="also write the table as CSV")
    p.add_argument("--md", metavar="PATH", help="also write the table as Markdown")
    p.add_argument("--json", action="store_true", help="print JSON rows instead of the table")
    p.set_defaults(func=run)


def _import_object(ref: str) -> Any:
    target, _, name = ref.rpartition(":")
    if not target or not name:
        raise ValueError(f"--agent must be module:name, path/file.py:name, a .zip or a policy spec, got {ref!r}")
    if target.endswith(".py"):
        if not os.path.isfile(target):
            raise ValueError(f"--agent: no such file {target!r}")
        spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(target))[0], target)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
        spec.loader.exec_module(module)
    else:
        if os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(target)
        except ImportError as exc:
            raise ValueError(f"--agent: cannot import module {target!r} ({exc})") from None
    if not hasattr(module, name):
        raise ValueError(f"--agent: module {target!r} has no attribute {name!r}")
    return getattr(module, name)


def _load_zip(path: str) -> Any:
    if not os.path.isfile(path):
        raise ValueError(f"--agent: no such file {path!r}")
    from stable_baselines3 import A2C, DQN, PPO

    errors = []
    for cls in (PPO, A2C, DQN):
        try:
            return cls.load(path, device="cpu")
        except Exception as exc:  # the zip names its class only through its contents
            errors.append(f"{cls.__name__}: {type(exc).__name__}")
    raise ValueError(f"--agent: {path!r} is not a loadable SB3 PPO, A2C or DQN model ({'; '.join(errors)})")


def resolve_agent(ref: str) -> Any:
    """A policy, or a factory ``f(instance) -> policy``, from ``--agent``."""
    from agents.specs import FAMILIES, parse_policy

    head = ref.split(":", 1)[0].strip().lower()
    if head in FAMILIES:
        return parse_policy(ref)
    if ref.endswith(".zip"):
        return _load_zip(ref)
    return _import_object(ref)


def _is_factory(obj: Any) -> bool:
    if not inspect.isfunction(obj):
        return False
    params = list(inspect.signature(obj).parameters)
    return bool(params) and params[0] == "instance"


def _pct(ci: Any) -> str:
    return f"{100 * ci.mean:.2f} [{100 * ci.ci_low:.2f}, {100 * ci.ci_high:.2f}]"


def leaderboard(rows: list[Any]) -> str:
    """Markdown table of :class:`inv_gym.scoring.Score` rows."""
    lines = [
        "| instance | optimum (method) | cost [95% CI] | gap % [95% CI] | best heuristic (cost) | gap to heuristic % |",
        "|---|---|---|---|---|---|",
    ]
    for s in rows:
        c = s.cost
        lines.append(
            f"| {s.instance} | {s.optimum:.4f} ({s.optimum_method}) | {c.mean:.4f} [{c.ci_low:.4f}, {c.ci_high:.4f}] "
            f"| {_pct(s.gap)}{'' if s.paired else ' (unpaired)'} | {s.best_heuristic} ({s.best_heuristic_cost:.4f}) "
            f"| {_pct(s.heuristic_gap)} |"
        )
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    """Run ``inv-gym score``; return the exit status."""
    from experiments.commands.common import parse_sets
    from experiments.io import atomic_write_text, write_csv
    from inv_gym.envs.options import OPTION_NAMES, EnvOptions
    from inv_gym.instances import INSTANCE_SETS, get_instance, instance_set
    from inv_gym.scoring import score

    sets = parse_sets(args.sets)
    not_options = sorted(set(sets) - set(OPTION_NAMES))
    if not_options:
        raise ValueError(
            f"--set {not_options[0]}: score takes env options only ({', '.join(OPTION_NAMES)}); "
            "an instance's parameters are fixed"
        )
    options = EnvOptions(**sets)
    insts = instance_set(args.instances) if args.instances in INSTANCE_SETS else (get_instance(args.instances),)
    agent = resolve_agent(args.agent)
    rows = []
    for inst in insts:
        policy = agent(inst) if _is_factory(agent) else agent
        rows.append(
            score(
                policy,
                inst,
                reps=args.reps,
                horizon=args.horizon,
                warmup=args.warmup,
                seed=args.seed,
                options=options,
                progress=sys.stderr.isatty(),
            )
        )
    table = leaderboard(rows)
    if args.csv:
        import pandas as pd

        write_csv(pd.DataFrame([r.to_dict() for r in rows]), args.csv)
    if args.md:
        atomic_write_text(args.md, f"Agent: `{args.agent}`\n\n" + table)
    if args.json:
        print_json([r.to_dict() for r in rows])
    else:
        print(table, end="")
    return 0
