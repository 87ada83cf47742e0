"""Screenshots of every page of the app, for ``docs/app.md``.

Serves the app on 127.0.0.1, opens each page with its default settings in a
headless Chromium (:mod:`experiments.app.browser`), waits until the page has
finished computing, and writes ``<out>/<page>.png`` (reduced to a 256-colour
palette to stay small).

Usage::

    python -m experiments.app.screenshots --out docs/figures/app
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from experiments.app import PAGES
from experiments.app.browser import browser_missing, chrome, serve, wait_for, wait_idle

#: the element each page shows once its work is done
READY: dict[str, str] = {
    "twin": ".st-key-ci_table table",
    "scenarios": ".st-key-scenario_table table",
    "optimise": ".st-key-best_policy",
    "bandits": ".st-key-bandit_summary table",
    "benchmark": ".st-key-benchmark_table",
}


def shrink(path: Path, colors: int = 256) -> None:
    """Rewrite a PNG with a palette of ``colors`` colours (screenshots are mostly flat colour)."""
    from PIL import Image

    with Image.open(path) as im:
        small = im.convert("RGB").quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
    tmp = path.with_suffix(".tmp.png")
    small.save(tmp, optimize=True)
    os.replace(tmp, path)


def take(out: Path, width: int = 1400, height: int = 1700, timeout: float = 180.0) -> list[Path]:
    """Screenshot every page into ``out``; return the files."""
    reason = browser_missing()
    if reason is not None:
        raise SystemExit(f"cannot take screenshots: {reason}")
    out.mkdir(parents=True, exist_ok=True)
    files = []
    with serve() as url, chrome(width, height) as driver:
        for i, (name, _title) in enumerate(PAGES):
            driver.get(url + ("/" if i == 0 else f"/{name}"))
            wait_for(driver, READY[name], timeout=timeout)
            wait_idle(driver, timeout=timeout)
            time.sleep(1.5)  # charts draw after the data arrives
            path = out / f"{name}.png"
            driver.save_screenshot(str(path))
            shrink(path)
            files.append(path)
            print(f"{path} ({path.stat().st_size // 1024} kB)")
    return files


def main(argv: list[str] | None = None) -> int:
    """Command line: ``--out DIR`` (default docs/figures/app)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="docs/figures/app", help="folder of the PNGs (default docs/figures/app)")
    args = p.parse_args(argv)
    take(Path(args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
