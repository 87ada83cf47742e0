"""How fast the app's Twin page answers: 100 replications x 1,000 periods (issue 15: <= 2 s after the first run).

The Twin page is run headless (Streamlit's ``AppTest``: the whole script,
widgets, evaluation, trajectory and charts, without a browser) on its defaults,
``inv_gym/Qr-v0`` with the exact optimum (s, S) = (6, 40):

1. the first run of a fresh app (compiled kernels load from numba's cache);
2. runs with new settings (a new seed each time, so nothing comes from the
   app's cache): the answer a user waits for after changing a field;
3. a rerun with settings already computed (served by ``st.cache_data``);
4. for scale, :func:`inv_gym.evaluation.evaluate` alone on the same settings.

Writes the "App" section of ``docs/benchmarks.md`` with ``--write`` (other
sections are kept).

Run: ``python benchmarks/bench_app.py [--repeats 5] [--write]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import time

from agents.specs import parse_policy
from experiments.app import page_path
from inv_gym.evaluation import evaluate

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "docs", "benchmarks.md")
HEADING = "## App"
REPS, HORIZON = 100, 1000


def timed_run(at) -> float:
    """Seconds of one ``at.run()``; the run must show the CI table and no error."""
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
    assert at.table, "the Twin page showed no CI table"
    return elapsed


def main(argv: list[str] | None = None) -> dict[str, float]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=5, help="runs with new settings (default 5)")
    p.add_argument("--write", action="store_true", help="write the App section of docs/benchmarks.md")
    args = p.parse_args(argv)

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(page_path("twin")), default_timeout=300)
    first = timed_run(at)
    assert at.number_input(key="twin.reps").value == REPS and at.number_input(key="twin.horizon").value == HORIZON
    fresh = []
    for seed in range(1, args.repeats + 1):
        at.number_input(key="twin.seed").set_value(seed)
        fresh.append(timed_run(at))
    cached = min(timed_run(at) for _ in range(3))
    policy = parse_policy("ss:s=6,S=40")
    direct = []
    for seed in range(1, args.repeats + 1):
        start = time.perf_counter()
        evaluate(policy, "inv_gym/Qr-v0", reps=REPS, horizon=HORIZON, seed=seed)
        direct.append(time.perf_counter() - start)
    out = {
        "first": first,
        "fresh_median": statistics.median(fresh),
        "fresh_max": max(fresh),
        "cached": cached,
        "evaluate_median": statistics.median(direct),
    }
    for k, v in out.items():
        print(f"{k:>16}: {v:.3f} s")
    if args.write:
        write_doc(out, args.repeats)
    return out


def write_doc(r: dict[str, float], repeats: int) -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    met = "yes" if r["fresh_max"] <= 2.0 else "no"
    lines = [
        HEADING,
        "",
        f"`python benchmarks/bench_app.py --write` on {time.strftime('%Y-%m-%d')} ({platform.machine()}, "
        f"{os.cpu_count()} cores shared with other work, load average {load:.1f} at the end).",
        f"The Twin page run headless (Streamlit's `AppTest`: the whole page, without a browser) on its defaults: "
        f"`inv_gym/Qr-v0`, the exact optimum (s,S) = (6,40), {REPS} replications x {HORIZON:,} periods.",
        "",
        "| measurement | result | target | met |",
        "|---|---|---|---|",
        f"| first run of a fresh app | {r['first']:.2f} s | | - |",
        f"| Twin page, new settings (a new seed: nothing cached), median / max of {repeats} | "
        f"{r['fresh_median']:.2f} s / {r['fresh_max']:.2f} s | <= 2 s after the first run | {met} |",
        f"| Twin page, settings already computed (st.cache_data) | {r['cached']:.2f} s | | - |",
        f"| for scale: `evaluate` alone, same settings, median | {r['evaluate_median']:.3f} s "
        f"(the page takes {r['fresh_median'] / r['evaluate_median']:.0f}x) | | - |",
        "",
    ]
    with open(DOC) as fh:
        text = fh.read()
    section = "\n".join(lines) + "\n"  # a blank line before the next section
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section
    with open(DOC, "w") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
