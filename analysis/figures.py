"""Figure helpers shared by every plot: a headless figure and atomic saving."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from matplotlib.figure import Figure

__all__ = ["new_figure", "save_figure"]


def new_figure(width: float = 7.0, height: float = 5.0) -> Figure:
    """A matplotlib figure that needs no display (no pyplot state)."""
    return Figure(figsize=(width, height), layout="constrained")


def save_figure(fig: Figure, path: str | os.PathLike[str], dpi: int = 150) -> Path:
    """Save ``fig`` to ``path`` atomically (temporary file beside it, then rename); the format follows the suffix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=dpi)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
