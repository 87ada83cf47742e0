"""The classic inventory studies, one module each; ``inv-gym study NAME`` runs one.

Each module has a ``Config`` dataclass (documented fields, ``Config.for_mode``
with ``tiny`` / ``quick`` / ``default`` sizes) and ``main(cfg) -> StudyResult``;
outputs go to ``<out_dir>/<name>/`` (CSV, PNG, ``summary.json``).
"""

from __future__ import annotations

import importlib
from typing import Any

#: study name -> (module, one-line description)
STUDIES: dict[str, tuple[str, str]] = {
    "newsvendor": (
        "experiments.studies.newsvendor",
        "E[profit] and Pr[loss] vs Q, demand families, SCV, profit PDF/CDF",
    ),
    "base_stock": (
        "experiments.studies.base_stock",
        "base stock: cost, backorders, fill rate vs R; backorder PDF/CDF; vs b, interarrival SCV, lead time",
    ),
    "qr": ("experiments.studies.qr", "(Q,r): cost and fill-rate surfaces, backorder PDF/CDF, (Q*,r*) vs setup cost"),
    "scenarios": (
        "experiments.studies.scenarios",
        "(s,S) under baseline, demand spike, lead-time disruption; re-optimized",
    ),
    "constrained": (
        "experiments.studies.constrained",
        "least-cost (s,S) with fill rate >= target; cost/service frontier",
    ),
    "aged_stock": (
        "experiments.studies.aged_stock",
        "perishable purchase-order plan: stock by age, least spend with no stock-outs",
    ),
    "eoq": (
        "experiments.studies.eoq",
        "EOQ cost curves vs Q (Hopp & Spearman Fig. 2.2), vs holding cost, vs interarrival SCV",
    ),
    "serial": (
        "experiments.studies.serial",
        "serial chain: Clark-Scarf optimal cost and levels vs M, p, holding profile; each stage alone",
    ),
    "dual_sourcing": (
        "experiments.studies.dual_sourcing",
        "dual sourcing: optimum, four heuristics and the best single source vs c_e and l_r - l_e (exact)",
    ),
}

__all__ = ["STUDIES", "load", "run"]


def load(name: str) -> Any:
    """The module of a study."""
    if name not in STUDIES:
        raise ValueError(f"unknown study {name!r}; available: {', '.join(STUDIES)}")
    return importlib.import_module(STUDIES[name][0])


def run(name: str, mode: str = "default", **changes: Any) -> Any:
    """Run a study in a mode (``tiny``, ``quick``, ``default``) with config changes."""
    mod = load(name)
    return mod.main(mod.Config.for_mode(mode, **changes))
