"""Figure helpers shared by every plot: a headless figure and atomic saving."""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.figure import Figure

from amphase.atomic import atomic_output

__all__ = ["new_figure", "save_figure"]


def new_figure(width: float = 7.0, height: float = 5.0) -> Figure:
    """A matplotlib figure that needs no display (no pyplot state)."""
    return Figure(figsize=(width, height), layout="constrained")


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 150) -> Path:
    """Save ``fig`` to ``path`` atomically; the format follows the suffix (``.png``, ``.pdf``, ``.svg``)."""
    path = Path(path)
    with atomic_output(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format=path.suffix.lstrip(".") or None)
    return path
