"""Training throughput: the native PPO against stable-baselines3's PPO, side by side in one run.

Both train on ``inv_gym/LostSales-v0`` (Zipkin's L = 1, p = 4) with a 64x64 MLP
for the policy and for the value function, one torch thread, on the CPU. Each row
pairs a native setting with an SB3 setting (N copies, T steps per copy per
rollout, minibatch size, epochs): each learner as the project runs it (the native
PPO at 64 copies and at its defaults, SB3 at :mod:`agents.ppo`'s PPO defaults),
then both with the same settings, which shows how much of the gain is the loop
and how much the settings. SB3 runs through :func:`agents.ppo.train` (the
reference implementation: its VecEnv adapter of the kernel, VecMonitor,
VecNormalize); the native PPO steps :class:`inv_gym.envs.InventoryVectorEnv`
directly (:mod:`agents.native_ppo`).
A rate is env steps (summed over the copies) per second of training wall time,
rollouts and updates included, set-up excluded; each figure is the best of
``--repeats`` runs, alternating the two learners so both see the same load.

Usage::

    python benchmarks/bench_training.py [--quick] [--repeats 3] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agents.native_ppo import NativePPOConfig  # noqa: E402
from agents.native_ppo import train as native_train  # noqa: E402
from agents.ppo import train as sb3_train  # noqa: E402

ENV_ID = "inv_gym/LostSales-v0"
HEADING = "## Training: native PPO vs stable-baselines3 PPO"

#: (label, copies N, rollout steps T, minibatch, epochs) of each learner's runs.
FAST = ("N=64, T=128, minibatch 2048, 4 epochs", 64, 128, 2048, 4)
NATIVE_DEFAULT = ("N=128, T=64, minibatch 512, 4 epochs (native default)", 128, 64, 512, 4)
SB3_DEFAULT = ("N=8, T=256, minibatch 256, 10 epochs (agents.ppo's PPO defaults)", 8, 256, 256, 10)
#: The rows: (native setting, SB3 setting). The first two compare each learner as the
#: project runs it; the last runs both with the same settings (where the gain comes from).
PAIRS = [(FAST, SB3_DEFAULT), (NATIVE_DEFAULT, SB3_DEFAULT), (FAST, FAST), (NATIVE_DEFAULT, NATIVE_DEFAULT)]


def native_rate(n: int, steps: int, minibatch: int, epochs: int, budget: int) -> float:
    cfg = NativePPOConfig(
        timesteps=budget,
        n_envs=n,
        rollout_steps=steps,
        minibatch_size=minibatch,
        epochs=epochs,
        hidden=(64, 64),
        torch_threads=1,
        select_every=0,  # the PPO loop's own rate: no greedy checks on the kernel (model selection)
    )
    agent = native_train(ENV_ID, cfg)
    return agent.timesteps / agent.train_time


def sb3_rate(n: int, steps: int, minibatch: int, epochs: int, budget: int) -> float:
    hyper = dict(n_steps=steps, batch_size=minibatch, n_epochs=epochs)
    agent = sb3_train(
        ENV_ID, algo="ppo", timesteps=budget, seed=0, n_envs=n, hyper=hyper, net_arch=(64, 64), torch_threads=1
    )
    return agent.model.num_timesteps / agent.train_time


def measure(quick: bool, repeats: int) -> list[dict[str, float | str]]:
    native_settings = list(dict.fromkeys(n for n, _ in PAIRS))
    sb3_settings = list(dict.fromkeys(b for _, b in PAIRS))
    native_best = dict.fromkeys(native_settings, 0.0)
    sb3_best = dict.fromkeys(sb3_settings, 0.0)
    for _ in range(repeats):  # alternate the learners so that both see the same load
        for setting in native_settings:
            budget = setting[1] * setting[2] * (4 if quick else 16)
            native_best[setting] = max(native_best[setting], native_rate(*setting[1:], budget))
        for setting in sb3_settings:
            budget = setting[1] * setting[2] * (1 if quick else 3)
            sb3_best[setting] = max(sb3_best[setting], sb3_rate(*setting[1:], budget))
    rows = []
    for native, sb3 in PAIRS:
        row = {"native_setting": native[0], "sb3_setting": sb3[0], "native": native_best[native], "sb3": sb3_best[sb3]}
        row["ratio"] = row["native"] / row["sb3"]
        print(f"native [{native[0]}] {row['native']:,.0f} vs SB3 [{sb3[0]}] {row['sb3']:,.0f}: {row['ratio']:.1f}x")
        rows.append(row)
    return rows


def table(rows: list[dict[str, float | str]]) -> str:
    lines = [
        "| native PPO setting | env-steps/s | SB3 PPO setting | env-steps/s | native / SB3 |",
        "|---|---:|---|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['native_setting']} | {r['native']:,.0f} | {r['sb3_setting']} | {r['sb3']:,.0f} | {r['ratio']:.1f}x |"
        )
    return "\n".join(lines)


def write_section(path: Path, section: str, heading: str = HEADING) -> None:
    """Replace (or append) the section under ``heading`` of ``path``, atomically; other sections stay as they are."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    start = text.find(heading + "\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="shorter runs (noisier)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per learner and setting (best is kept)")
    ap.add_argument("--write", metavar="MD", help="write the table into this markdown file's training section")
    ap.add_argument("--note", default="", help="a sentence on the machine's load to print under the table")
    args = ap.parse_args(argv)
    if args.repeats < 1:
        raise SystemExit(f"--repeats must be >= 1, got {args.repeats}")
    load_before = os.getloadavg()[0]
    rows = measure(args.quick, args.repeats)
    load_after = os.getloadavg()[0]
    body = table(rows)
    print()
    print(body)
    if args.write:
        cmd = "python benchmarks/bench_training.py" + (" --quick" if args.quick else "") + f" --write {args.write}"
        section = (
            f"{HEADING}\n\n"
            f"`{cmd}` on {datetime.date.today().isoformat()} ({platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}; load average {load_before:.1f} at the start and "
            f"{load_after:.1f} at the end: the cores were shared with other work, so the rates are noisy).\n"
            f"Model `{ENV_ID}` (Poisson(5), h = 1, p = 4, L = 1), order-up-to actions. Targets (native PPO at "
            "64 or more copies): >= 40,000 env-steps/s and >= 6x SB3 PPO (the first row). Best of "
            f"{args.repeats} runs per learner.\n\n" + body + "\n" + (f"\n{args.note}\n" if args.note else "")
        )
        write_section(Path(args.write), section)


if __name__ == "__main__":
    main()
