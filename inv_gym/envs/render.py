"""``rgb_array`` frames of one inventory system (for ``RecordVideo`` and notebooks).

A frame is a fixed-size ``(FRAME_HEIGHT, FRAME_WIDTH, 3)`` uint8 image with three
panels: the stock on hand by age (freshest first) with the backorders as a negative
bar, the pipeline by arrival period (units due in 1, 2, ... periods), and the cost
components of the last period with its total. It is drawn with matplotlib's Agg
canvas (no display needed); the axes limits come from the parameters' observation
bounds, so frames of one model are comparable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ["FRAME_HEIGHT", "FRAME_WIDTH", "render_frame"]

FRAME_HEIGHT = 300
FRAME_WIDTH = 640
_DPI = 100

_COSTS: tuple[tuple[str, str], ...] = (
    ("fixed_cost", "fixed"),
    ("purchase_cost", "purchase"),
    ("holding_cost", "holding"),
    ("backorder_cost", "backorder"),
    ("lost_sales_cost", "lost sales"),
    ("waste_cost", "waste"),
)


def render_frame(
    *,
    period: int,
    on_hand_by_age: Sequence[float],
    backorders: float,
    pipeline: Sequence[float],
    events: Mapping[str, float] | None,
    stock_limit: float,
    pipeline_limit: float,
    title: str = "",
) -> np.ndarray:
    """Draw one frame.

    Args:
        period: the period index t shown in the title.
        on_hand_by_age: on hand of each age class (column 0 freshest).
        backorders: units backordered (drawn below zero).
        pipeline: units due in 1, 2, ... periods.
        events: the last period's events (``inv_gym.dynamics.EVENTS`` names), or None
            before the first step.
        stock_limit: upper limit of the stock axis (the same for every frame of a model).
        pipeline_limit: upper limit of the pipeline axis.
        title: text before the period in the title.

    Returns:
        (FRAME_HEIGHT, FRAME_WIDTH, 3) uint8 RGB image.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(FRAME_WIDTH / _DPI, FRAME_HEIGHT / _DPI), dpi=_DPI)
    canvas = FigureCanvasAgg(fig)
    ax_stock, ax_pipe, ax_cost = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1.2, 1.4, 1.6]})
    lim = max(float(stock_limit), 1.0)

    ages = np.asarray(on_hand_by_age, dtype=float).reshape(-1)
    x = np.arange(ages.size)
    ax_stock.bar(x, ages, color="tab:blue")
    if backorders > 0:
        ax_stock.bar([ages.size], [-float(backorders)], color="tab:red")
    labels = [f"a{k}" for k in range(ages.size)] if ages.size > 1 else ["on hand"]
    ax_stock.set_xticks(list(range(ages.size + 1)), labels + ["backord."], fontsize=7)
    ax_stock.set_ylim(-lim, lim)
    ax_stock.axhline(0.0, color="black", lw=0.6)
    ax_stock.set_title(f"stock {ages.sum():g} / bo {float(backorders):g}", fontsize=8)

    pipe = np.asarray(pipeline, dtype=float).reshape(-1)
    if pipe.size:
        ax_pipe.bar(np.arange(1, pipe.size + 1), pipe, color="tab:green")
        ax_pipe.set_xticks(list(range(1, pipe.size + 1)), [str(j) for j in range(1, pipe.size + 1)], fontsize=7)
    ax_pipe.set_ylim(0.0, max(float(pipeline_limit), 1.0))
    ax_pipe.set_xlabel("due in (periods)", fontsize=7)
    ax_pipe.set_title(f"pipeline {pipe.sum():g}", fontsize=8)

    ev = dict(events or {})
    values = [float(ev.get(key, 0.0)) for key, _ in _COSTS]
    ax_cost.barh(np.arange(len(_COSTS)), values, color="tab:orange")
    ax_cost.set_yticks(list(range(len(_COSTS))), [label for _, label in _COSTS], fontsize=7)
    ax_cost.invert_yaxis()
    ax_cost.set_title(f"cost {float(ev.get('cost', 0.0)):.2f}  order {float(ev.get('ordered', 0.0)):g}", fontsize=8)
    for ax in (ax_stock, ax_pipe, ax_cost):
        ax.tick_params(labelsize=7)
    fig.suptitle(f"{title} t={int(period)}".strip(), fontsize=9)
    fig.tight_layout()
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    return np.ascontiguousarray(rgba[:FRAME_HEIGHT, :FRAME_WIDTH, :3])
