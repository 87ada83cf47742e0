"""``inv-gym study NAME``: run one of the classic studies; it writes CSVs and PNGs.

``inv-gym study --list`` names the studies. ``--tiny`` runs the test-sized
version, ``--quick`` the gallery-sized one; without either, the full study.
Outputs go to ``OUT/NAME/`` (default ``results/NAME/``).

Resuming: the sweeps' points and the other expensive pieces (grid searches,
long simulations) are stored under ``OUT/NAME/units/`` with a fingerprint of
their settings; rerunning the same command loads them and computes only what is
missing or changed, so an interrupted study resumes. The CSVs, figures and
summary are rebuilt every time. ``--fresh`` recomputes everything.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``study`` subcommand to the ``inv-gym`` parser."""
    p = sub.add_parser(
        "study",
        help="run a classic study (figures and data); --list names them",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", nargs="?", metavar="NAME", help="the study (see --list)")
    p.add_argument("--list", action="store_true", help="list the studies and exit")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--tiny", action="store_true", help="test-sized run (seconds)")
    size.add_argument("--quick", action="store_true", help="gallery-sized run")
    p.add_argument("--out", default="results", metavar="DIR", help="output root (default: results)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="joblib workers for the sweeps (default 1; -1: every core)"
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="progress bars on stderr (default: shown; --no-progress hides them)",
    )
    p.add_argument("--fresh", action="store_true", help="recompute every unit instead of resuming from the stored ones")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``inv-gym study``; return the exit status."""
    from experiments.studies import STUDIES
    from experiments.studies import run as run_study

    if args.list:
        width = max(len(n) for n in STUDIES)
        for name, (_, desc) in STUDIES.items():
            print(f"{name:<{width}}  {desc}")
        return 0
    if not args.name:
        raise ValueError(f"NAME is required: one of {', '.join(STUDIES)} (--list describes them)")
    if args.jobs == 0 or args.jobs < -1:
        raise ValueError(f"--jobs must be >= 1 (or -1: every core), got {args.jobs}")
    mode = "tiny" if args.tiny else "quick" if args.quick else "default"
    res = run_study(
        args.name, mode, out_dir=args.out, seed=args.seed, n_jobs=args.jobs, progress=args.progress, fresh=args.fresh
    )
    for path in res.figures:
        print(path)
    return 0
