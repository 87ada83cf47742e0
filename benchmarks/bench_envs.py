"""Environment throughput, side by side in one run (a script, not a test).

Measures on ``inv_gym/LostSales-v0``: the single env through ``gym.make``, the
native vector env at N = 1, 64, 1024, 16384, Gymnasium's ``SyncVectorEnv`` of the
single env (N = 64, 1024), a plain-Python loop of the same rules
(``tests/reference.py``) and CartPole through ``gym.make`` for scale. Each figure
is the best of several timed repeats (other processes share the machine).

Usage::

    python benchmarks/bench_envs.py [--quick] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import datetime
import platform
import re
import sys
import time
from pathlib import Path

import gymnasium as gym
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from reference import ref_initial, ref_step  # noqa: E402

import inv_gym  # noqa: E402
from inv_gym.presets import preset_params  # noqa: E402

ENV_ID = "inv_gym/LostSales-v0"


def best_rate(fn, units: int, repeats: int) -> float:
    """Best units per second over ``repeats`` calls of ``fn``."""
    fn()  # warm-up (compilation, first blocks of draws)
    best = 0.0
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = max(best, units / (time.perf_counter() - t))
    return best


def single_env(env_id: str, steps: int) -> callable:
    env = gym.make(env_id)
    env.reset(seed=0)
    actions = [int(a) for a in np.random.default_rng(0).integers(0, min(10, env.action_space.n), steps)]

    def run():
        for a in actions:
            _, _, term, trunc, _ = env.step(a)
            if term or trunc:
                env.reset()

    return run


def vector_env(n: int, steps: int, sync: bool = False) -> callable:
    if sync:
        venv = gym.vector.SyncVectorEnv([lambda: gym.make(ENV_ID) for _ in range(n)])
    else:
        venv = gym.make_vec(ENV_ID, num_envs=n)
    venv.reset(seed=0)
    actions = np.random.default_rng(0).integers(0, 10, (16, n))

    def run():
        for k in range(steps):
            venv.step(actions[k % 16])

    return run


def plain_python(steps: int) -> callable:
    params = preset_params(ENV_ID)
    rng = np.random.default_rng(0)
    demand = rng.poisson(5, steps).astype(float).tolist()
    actions = rng.integers(0, 10, steps).tolist()
    state = ref_initial(params)

    def run():
        for t in range(steps):
            ref_step(params, state, float(actions[t]), demand[t], 1, False)

    return run


def measure(quick: bool) -> list[tuple[str, float]]:
    scale = 0.2 if quick else 1.0
    reps = 3 if quick else 5
    rows: list[tuple[str, float]] = []

    def add(name, fn, units):
        rate = best_rate(fn, units, reps)
        rows.append((name, rate))
        print(f"{name:48s} {rate:14,.0f}", flush=True)

    s = int(50_000 * scale)
    add("single env via gym.make (steps/s)", single_env(ENV_ID, s), s)
    add("CartPole-v1 via gym.make (steps/s)", single_env("CartPole-v1", s), s)
    add("plain-Python loop of the same rules (steps/s)", plain_python(s), s)
    for n in (1, 64, 1024, 16384):
        steps = max(20, int(scale * 1_000_000 / n)) if n > 1 else s
        add(f"vector env N={n} (env-steps/s)", vector_env(n, steps), steps * n)
    for n in (64, 1024):
        steps = max(5, int(scale * 20_000 / n))
        add(f"SyncVectorEnv N={n} (env-steps/s)", vector_env(n, steps, sync=True), steps * n)
    return rows


def table(rows: list[tuple[str, float]]) -> str:
    r = dict(rows)
    single = r["single env via gym.make (steps/s)"]
    plain = r["plain-Python loop of the same rules (steps/s)"]
    lines = ["| measurement | rate | vs plain Python | note |", "|---|---:|---:|---|"]
    notes = {
        "single env via gym.make (steps/s)": "target >= 100k",
        "vector env N=16384 (env-steps/s)": "target >= 5M",
    }
    for name, rate in rows:
        lines.append(f"| {name} | {rate:,.0f} | {rate / plain:.1f}x | {notes.get(name, '')} |")
    for n in (64, 1024):
        v, s = r[f"vector env N={n} (env-steps/s)"], r[f"SyncVectorEnv N={n} (env-steps/s)"]
        target = " (target >= 100x)" if n == 1024 else ""
        lines.append(f"| vector env / SyncVectorEnv at N={n} | {v / s:.0f}x | | {target.strip()} |")
    lines.append(f"| single env / CartPole-v1 | {single / r['CartPole-v1 via gym.make (steps/s)']:.2f}x | | |")
    return "\n".join(lines)


def write(path: Path, body: str, command: str) -> None:
    today = datetime.date.today().isoformat()
    section = (
        "## Environments\n\n"
        f"`{command}` on {today} ({platform.machine()}, {platform.python_version()}, "
        f"inv-gym {inv_gym.__version__}, 2 cores shared with other work: best of repeats).\n"
        "Model: `inv_gym/LostSales-v0` (Poisson(5), L = 1). The plain-Python loop is "
        "`tests/reference.py`, the same rules the tests compare the kernel against.\n\n" + body + "\n"
    )
    text = path.read_text() if path.exists() else "# Benchmarks\n\nEach section is written by its benchmark script.\n\n"
    pattern = re.compile(r"## Environments\n.*?(?=\n## |\Z)", re.S)
    text = (
        pattern.sub(lambda _: section.rstrip("\n") + "\n", text)
        if pattern.search(text)
        else text.rstrip("\n") + "\n\n" + section
    )
    path.write_text(text)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter runs (noisier)")
    ap.add_argument("--write", metavar="MD", help="write the table into this markdown file's Environments section")
    args = ap.parse_args(argv)
    rows = measure(args.quick)
    body = table(rows)
    print()
    print(body)
    if args.write:
        cmd = "python benchmarks/bench_envs.py" + (" --quick" if args.quick else "") + f" --write {args.write}"
        write(Path(args.write), body, cmd)


if __name__ == "__main__":
    main()
