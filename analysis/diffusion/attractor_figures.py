r"""The toy figure: the exact score's and a trained network's attractors side by side, one column per training set.

In the style of the toy figure of Pham et al. 2025 (arXiv:2505.21777): the landscape :math:`E_t = -\beta_t^{-1}
\log\sum_\mu e^{-\beta_t\lVert x - s\xi^\mu\rVert^2}` of the exact score as the background of *both* rows (the
reference; shifted to 0 at its minimum over the window), the row's own score field as arrows, the training points
(red stars), the circle the data were drawn from, and the attractors of each row at the same t
(:mod:`amphase.analysis.diffusion.attractors`): memorized (cyan circles), spurious of the exact score (yellow
crosses), network-only (magenta diamonds); starts that stalled (grey dots) and, when given, the end points of the
probability-flow ODE run to small t (white dots).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from amphase.analysis.diffusion.attractors import Comparison
from amphase.analysis.figures import new_figure

__all__ = ["ToyColumn", "plot_toy"]


@dataclass
class ToyColumn:
    """What one column of the figure shows.

    Attributes
    ----------
    points : (K, 2)
        Training points.
    comparison : Comparison
        Exact and network attractors at time ``t``.
    energy : callable
        ``energy(x (n, 2)) -> (n,)``: the exact landscape at t.
    exact_score, network_score : callable
        ``score(x (n, 2)) -> (n, 2)`` at t.
    exact_samples, network_samples : (n, 2), optional
        Probability-flow end points at small t.

    """

    points: np.ndarray
    comparison: Comparison
    energy: Callable[[np.ndarray], np.ndarray]
    exact_score: Callable[[np.ndarray], np.ndarray]
    network_score: Callable[[np.ndarray], np.ndarray]
    exact_samples: np.ndarray | None = None
    network_samples: np.ndarray | None = None


def _panel(ax: Any, col: ToyColumn, row: str, lim: float, n_bg: int, n_arrow: int) -> None:
    g = np.linspace(-lim, lim, n_bg)
    xx, yy = np.meshgrid(g, g)
    grid = np.stack([xx.ravel(), yy.ravel()], axis=1)
    e = np.asarray(col.energy(grid), dtype=float)
    ax.contourf(xx, yy, (e - e.min()).reshape(xx.shape), levels=60, cmap="inferno")
    ga = np.linspace(-lim, lim, n_arrow)
    ax_, ay_ = np.meshgrid(ga, ga)
    ag = np.stack([ax_.ravel(), ay_.ravel()], axis=1)
    sc = np.asarray((col.exact_score if row == "exact" else col.network_score)(ag), dtype=float)
    norm = np.sqrt((sc * sc).sum(axis=1, keepdims=True))
    u = sc / np.maximum(norm, 1e-12) * np.log1p(norm) / np.log1p(norm.max())  # lengths compressed by log(1 + |S|)
    ax.quiver(ag[:, 0], ag[:, 1], u[:, 0], u[:, 1], color="white", alpha=0.6, width=0.004)
    th = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(th), np.sin(th), color="white", lw=0.6, alpha=0.5)
    samples = col.exact_samples if row == "exact" else col.network_samples
    if samples is not None and len(samples):
        ax.scatter(samples[:, 0], samples[:, 1], s=3, color="white", alpha=0.5, lw=0, label="ODE end points")
    ax.scatter(col.points[:, 0], col.points[:, 1], marker="*", s=60 if len(col.points) < 50 else 4, color="red",
               label="training points", zorder=3)  # fmt: skip
    c = col.comparison
    att = c.exact if row == "exact" else c.network
    if len(att.stalled):
        ax.scatter(att.stalled[:, 0], att.stalled[:, 1], s=2, color="0.6", lw=0, label="stalled starts")
    a = att.is_attractor
    if row == "exact":
        groups = [(a & att.memorized, "o", "cyan", "memorized"), (a & ~att.memorized, "X", "yellow", "spurious")]
    else:
        groups = [
            (a & (c.match == 0), "o", "cyan", "memorized"),
            (a & (c.match == 1), "X", "yellow", "exact's spurious"),
            (a & (c.match == 2), "D", "magenta", "network-only"),
        ]
    for mask, marker, color, label in groups:
        if mask.any():
            face = "none" if marker == "o" else color
            ax.scatter(att.x[mask, 0], att.x[mask, 1], marker=marker, s=50, facecolor=face, edgecolor=color, lw=1.5,
                       label=label, zorder=4)  # fmt: skip
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    K = len(col.points)
    if row == "exact":
        text = f"exact score, K = {K}: {att.n_memorized} memorized, {att.n_spurious} spurious"
    else:
        n = c.counts()
        text = (
            f"network, K = {K}: {n['network_memorized']} memorized, {n['network_exact_spurious']} exact-spurious, "
            f"{n['network_network_only']} network-only"
        )
    ax.set_title(text, fontsize=8)


def plot_toy(columns: Sequence[ToyColumn], t: float, beta: float, *, lim: float = 1.5, n_bg: int = 120,
             n_arrow: int = 20) -> Figure:  # fmt: skip
    """Two rows (exact score, trained network) by one column per training set (module docstring)."""
    fig = new_figure(4.2 * len(columns), 8.6)
    axes = fig.subplots(2, len(columns), squeeze=False)
    for j, col in enumerate(columns):
        for i, row in enumerate(("exact", "network")):
            _panel(axes[i, j], col, row, lim, n_bg, n_arrow)
    handles: dict[str, Any] = {}
    for ax in axes.ravel():
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncol=len(handles), fontsize=8)
    fig.suptitle(f"attractors at t = {t:g} (beta = {beta:.3g}): exact score (top) vs trained network (bottom)")
    return fig
