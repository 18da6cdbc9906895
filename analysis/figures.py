"""Figure helpers shared by every plot: a headless figure and atomic saving."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from amphase.atomic import atomic_output

__all__ = ["new_figure", "plain_log_ticks", "save_figure"]


def new_figure(width: float = 7.0, height: float = 5.0) -> Figure:
    """A matplotlib figure that needs no display (no pyplot state)."""
    return Figure(figsize=(width, height), layout="constrained")


def plain_log_ticks(ax: Any, values: Any, axis: str = "x") -> None:
    """Label a logarithmic axis that spans less than a decade with plotted values as plain numbers.

    Matplotlib labels the minor ticks of such an axis ``5×10¹``, ``6×10¹`` ...; here they are the values (at most
    eight of them, spread over the range) written as ``50``, ``60``. An axis of a decade or more keeps its powers of
    ten, without minor labels.
    """
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator, ScalarFormatter

    ticks = sorted({float(v) for v in np.ravel(values) if np.isfinite(v) and v > 0})
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_minor_formatter(NullFormatter())
    if not ticks or ticks[-1] / ticks[0] >= 10.0:
        return
    if len(ticks) > 8:
        ticks = [ticks[i] for i in np.unique(np.linspace(0, len(ticks) - 1, 8).round().astype(int))]
    target.set_major_locator(FixedLocator(ticks))
    formatter = ScalarFormatter()
    formatter.set_scientific(False)
    formatter.set_useOffset(False)
    target.set_major_formatter(formatter)
    target.set_minor_locator(NullLocator())


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 150) -> Path:
    """Save ``fig`` to ``path`` atomically; the format follows the suffix (``.png``, ``.pdf``, ``.svg``)."""
    path = Path(path)
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".") or None)
    return path
