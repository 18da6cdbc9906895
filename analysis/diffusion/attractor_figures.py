r"""The toy figure: the exact score's and a trained network's attractors side by side, one column per training set.

In the style of the toy figure of Pham et al. 2025 (arXiv:2505.21777): the landscape :math:`E_t = -\beta_t^{-1}
\log\sum_\mu e^{-\beta_t\lVert x - s\xi^\mu\rVert^2}` of the exact score as the background of *both* rows (the
reference; shifted to 0 at its minimum over the window), the row's own score field as arrows, the training points
(red stars), the circle the data were drawn from, and the attractors of each row at the same t
(:mod:`amphase.analysis.diffusion.attractors`): memorized (cyan circles), spurious of the exact score (yellow
crosses), network-only (magenta diamonds); starts that stalled (grey dots) and, when given, the end points of the
probability-flow ODE run to small t (white dots); optionally the continuum ring :math:`R(\beta)` (dashed).

The drawing pieces (:func:`draw_landscape`, :func:`draw_attractors`, :data:`MARKERS`) are shared with the landscape
figure of the analytic energy alone (:mod:`amphase.analysis.diffusion.landscape`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from amphase.analysis.diffusion.attractors import Comparison
from amphase.analysis.figures import new_figure

__all__ = [
    "CONTRAST",
    "LEVELS",
    "MARKERS",
    "CurvatureColumn",
    "ToyColumn",
    "draw_attractors",
    "draw_landscape",
    "landscape_grid",
    "legend_below",
    "plot_curvature",
    "plot_toy",
]


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


#: the colour scale of a landscape ends at this quantile of the energy over the window (higher values: its top colour).
CONTRAST = 0.6

#: colour bands of a landscape (banded fills also keep the PNG small).
LEVELS = 20

#: marker, colour and label of each class of attractor (shared by every toy figure).
MARKERS: dict[str, tuple[str, str, str]] = {
    "memorized": ("o", "cyan", "memorized"),
    "spurious": ("X", "yellow", "spurious"),
    "exact-spurious": ("X", "yellow", "exact's spurious"),
    "network-only": ("D", "magenta", "network-only"),
}


def draw_landscape(ax: Any, energy: np.ndarray, lim: float, points: np.ndarray, *, ring: float | None = None) -> None:
    """The background of a toy panel, in the square window ``[-lim, lim]^2`` without ticks.

    ``energy`` (n, n) on the grid of :func:`landscape_grid` (shifted to 0 at its minimum; colours up to its
    :data:`CONTRAST` quantile over the window, so that the basins near the data are resolved), the unit circle (white),
    the continuum ring of radius ``ring`` when given (dashed, blue), the training points (red stars; small dots when
    there are many).
    """
    g = np.linspace(-lim, lim, energy.shape[0])
    xx, yy = np.meshgrid(g, g)
    e = np.asarray(energy, dtype=float)
    e = e - np.nanmin(e)
    top = float(np.nanquantile(e, CONTRAST))  # the corners (E ~ |x|^2) would take the whole colour scale
    ax.contourf(xx, yy, np.minimum(e, top), levels=np.linspace(0.0, top, LEVELS), cmap="inferno")
    th = np.linspace(0, 2 * np.pi, 200)
    ax.plot(np.cos(th), np.sin(th), color="white", lw=0.6, alpha=0.5)
    if ring is not None and ring > 0:
        ax.plot(ring * np.cos(th), ring * np.sin(th), color="deepskyblue", lw=1.0, ls="--",
                label="continuum ring R(beta)")  # fmt: skip
    many = len(points) >= 50  # dots, small enough that the ring and the attractors on it stay visible
    ax.scatter(points[:, 0], points[:, 1], marker="." if many else "*", s=1 if many else 60, lw=0, color="red",
               label="training points", zorder=3)  # fmt: skip
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])


def draw_attractors(ax: Any, x: np.ndarray, groups: Sequence[tuple[np.ndarray, str]]) -> None:
    """Attractors ``x`` (n, 2) by class: ``groups`` of (mask, key of :data:`MARKERS`)."""
    for mask, key in groups:
        if mask.any():
            marker, color, label = MARKERS[key]
            face = "none" if marker == "o" else color
            ax.scatter(x[mask, 0], x[mask, 1], marker=marker, s=50, facecolor=face, edgecolor=color, lw=1.5,
                       label=label, zorder=4)  # fmt: skip


def landscape_grid(lim: float, n: int) -> np.ndarray:
    """The (n², 2) points of an n x n grid over ``[-lim, lim]^2`` (x fastest), as :func:`draw_landscape` reads it."""
    g = np.linspace(-lim, lim, n)
    xx, yy = np.meshgrid(g, g)
    return np.stack([xx.ravel(), yy.ravel()], axis=1)


def _panel(ax: Any, col: ToyColumn, row: str, lim: float, n_bg: int, n_arrow: int, ring: float | None) -> None:
    e = np.asarray(col.energy(landscape_grid(lim, n_bg)), dtype=float).reshape(n_bg, n_bg)
    draw_landscape(ax, e, lim, col.points, ring=ring)
    ga = np.linspace(-lim, lim, n_arrow)
    ax_, ay_ = np.meshgrid(ga, ga)
    ag = np.stack([ax_.ravel(), ay_.ravel()], axis=1)
    sc = np.asarray((col.exact_score if row == "exact" else col.network_score)(ag), dtype=float)
    norm = np.sqrt((sc * sc).sum(axis=1, keepdims=True))
    u = sc / np.maximum(norm, 1e-12) * np.log1p(norm) / np.log1p(norm.max())  # lengths compressed by log(1 + |S|)
    ax.quiver(ag[:, 0], ag[:, 1], u[:, 0], u[:, 1], color="white", alpha=0.6, width=0.004)
    samples = col.exact_samples if row == "exact" else col.network_samples
    if samples is not None and len(samples):
        ax.scatter(samples[:, 0], samples[:, 1], s=3, color="white", alpha=0.5, lw=0, label="ODE end points")
    c = col.comparison
    att = c.exact if row == "exact" else c.network
    if len(att.stalled):
        ax.scatter(att.stalled[:, 0], att.stalled[:, 1], s=2, color="0.6", lw=0, label="stalled starts")
    a = att.is_attractor
    if row == "exact":
        groups = [(a & att.memorized, "memorized"), (a & ~att.memorized, "spurious")]
    else:
        groups = [(a & (c.match == 0), "memorized"), (a & (c.match == 1), "exact-spurious"),
                  (a & (c.match == 2), "network-only")]  # fmt: skip
    draw_attractors(ax, att.x, groups)
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


def legend_below(fig: Figure, axes: Any) -> None:
    """One legend for all panels, below them (each label once; at most two entries per column of panels a row)."""
    handles: dict[str, Any] = {}
    for ax in np.ravel(axes):
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(lab, h)
    ncol = max(1, min(len(handles), 2 * np.shape(axes)[-1]))
    fig.legend(list(handles.values()), list(handles), loc="outside lower center", ncol=ncol, fontsize=8)


def plot_toy(columns: Sequence[ToyColumn], t: float, beta: float, *, lim: float = 1.5, n_bg: int = 120,
             n_arrow: int = 20, ring: float | None = None) -> Figure:  # fmt: skip
    """Two rows (exact score, trained network) by one column per training set (module docstring).

    ``ring``: radius of the continuum ring at ``beta`` (:func:`amphase.theory.lse_landscape.circle_ring`), drawn
    dashed when given.
    """
    fig = new_figure(4.2 * len(columns), 8.6)
    axes = fig.subplots(2, len(columns), squeeze=False)
    for j, col in enumerate(columns):
        for i, row in enumerate(("exact", "network")):
            _panel(axes[i, j], col, row, lim, n_bg, n_arrow, ring)
    legend_below(fig, axes)
    fig.suptitle(f"attractors at t = {t:g} (beta = {beta:.3g}):\nexact score (top) vs trained network (bottom)",
                 fontsize=10)  # fmt: skip
    return fig


@dataclass
class CurvatureColumn:
    """One training set of the curvature figure (:func:`plot_curvature`).

    Attributes
    ----------
    points : (K, 2)
        Training points.
    comparison : Comparison
        Exact and network attractors at time t.
    exact_eig, network_eig : (n_exact, 2), (n_network, 2)
        Real curvature spectra (ascending) at every fixed point of ``comparison.exact`` and ``comparison.network``
        (:func:`amphase.simulate.diffusion.curvature.spectrum`).

    """

    points: np.ndarray
    comparison: Comparison
    exact_eig: np.ndarray
    network_eig: np.ndarray


#: the attractor groups of the curvature figure: (row, match code or memorized flag, key of MARKERS, axis label).
_GROUPS = (
    ("exact", "memorized", "memorized", "exact\nmem."),
    ("exact", "spurious", "spurious", "exact\nspur."),
    ("network", 0, "memorized", "net\nmem."),
    ("network", 1, "exact-spurious", "net\nexact-spur."),
    ("network", 2, "network-only", "net\nonly"),
)


def _group_masks(c: Comparison) -> list[tuple[str, np.ndarray]]:
    out = []
    for row, sel, _, _ in _GROUPS:
        att = c.exact if row == "exact" else c.network
        if row == "exact":
            m = att.is_attractor & (att.memorized if sel == "memorized" else ~att.memorized)
        else:
            m = att.is_attractor & (c.match == sel)
        out.append((row, m))
    return out


def plot_curvature(columns: Sequence[CurvatureColumn], t: float, beta: float, lam_flat: float, *, spread: float,
                   lim: float = 1.5) -> Figure:  # fmt: skip
    r"""Exact and network attractors coloured by their lowest curvature eigenvalue, and their spectra, per K.

    Top row, one panel per training set: the training points (red), the unit circle, the exact score's attractors
    (large open markers) and the network's (small filled markers; shape by class, :data:`MARKERS`), each coloured by
    the lowest eigenvalue :math:`\lambda_1` of its curvature spectrum (exact Hessian :math:`2I - 4\beta_t
    \operatorname{Cov}_w` for the exact score, :math:`2(I - J_F)` of the network;
    :mod:`amphase.simulate.diffusion.curvature`) on one colour scale. Bottom row: both eigenvalues of every attractor,
    grouped by class side by side (exact memorized / spurious, network memorized / exact-spurious / network-only),
    with the near-flat band :math:`|\lambda| \le \lambda_{flat}` shaded (``lam_flat``, from the thermal-spread rule
    with ``spread``, :func:`amphase.simulate.diffusion.curvature.flat_threshold`).
    """
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    fig = new_figure(4.2 * len(columns), 8.4)
    axes = fig.subplots(2, len(columns), squeeze=False, height_ratios=(1.35, 1.0))
    lowest = [float(ev[:, 0].min()) for col in columns for ev in (col.exact_eig, col.network_eig) if len(ev)]
    floor = min([0.0, *lowest])  # attractors have lambda_1 > 0; a flat or unstable point would extend the scale
    norm = Normalize(vmin=floor, vmax=2.0)
    cmap = "viridis"
    th = np.linspace(0, 2 * np.pi, 200)
    for j, col in enumerate(columns):
        c = col.comparison
        ax = axes[0, j]
        ax.plot(np.cos(th), np.sin(th), color="0.7", lw=0.6)
        many = len(col.points) >= 50
        ax.scatter(col.points[:, 0], col.points[:, 1], marker="." if many else "*", s=1 if many else 70, lw=0,
                   color="red", label="training points", zorder=2)  # fmt: skip
        for (row, m), (_, _, key, _) in zip(_group_masks(c), _GROUPS, strict=True):
            if not m.any():
                continue
            att, ev = (c.exact, col.exact_eig) if row == "exact" else (c.network, col.network_eig)
            marker, _, label = MARKERS[key]
            lam1 = ev[m, 0]
            if row == "exact":
                edge = _colours(cmap, norm, lam1)
                ax.scatter(att.x[m, 0], att.x[m, 1], marker=marker, s=150, facecolor="none", edgecolor=edge, lw=2.0,
                           label=f"exact: {label}", zorder=3)  # fmt: skip
            else:
                ax.scatter(att.x[m, 0], att.x[m, 1], marker=marker, s=30, c=lam1, cmap=cmap, norm=norm,
                                edgecolor="black", lw=0.4, label=f"network: {label}", zorder=4)  # fmt: skip
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        n = c.counts()
        ax.set_title(f"K = {len(col.points)}: exact {n['exact_memorized']} mem. + {n['exact_spurious']} spur.;\n"
                     f"network {n['network_memorized']} mem. + {n['network_exact_spurious']} exact-spur. + "
                     f"{n['network_network_only']} network-only", fontsize=8)  # fmt: skip
        ax = axes[1, j]
        ax.axhspan(-lam_flat, lam_flat, color="0.9", zorder=0, label="near-flat band |lambda| <= lambda_flat")
        ax.axhline(0.0, color="0.5", lw=0.5)
        ax.set_ylim(floor - 0.15, 2.15)
        ticks, labels, named = [], [], False
        for g, ((row, m), (_, _, key, text)) in enumerate(zip(_group_masks(c), _GROUPS, strict=True)):
            ticks.append(g)
            labels.append(f"{text}\n({int(m.sum())})")
            if not m.any():
                continue
            ev = (col.exact_eig if row == "exact" else col.network_eig)[m]
            marker = MARKERS[key][0]
            jit = np.linspace(-0.25, 0.25, len(ev)) if len(ev) > 1 else np.zeros(1)
            for k, face in enumerate(("black", "none")):  # lambda_1 filled, lambda_2 open
                name = ("lowest eigenvalue", "second eigenvalue")[k] if not named else None
                ax.scatter(g + jit, ev[:, k], marker=marker, s=14, facecolor=face, edgecolor="black", lw=0.6,
                           label=name)  # fmt: skip
            named = True
        ax.set_xticks(ticks, labels, fontsize=7)
        ax.set_xlim(-0.6, len(_GROUPS) - 0.4)
        ax.set_ylabel("curvature eigenvalue" if j == 0 else "")
    cb = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=axes[0, :].tolist(), shrink=0.8, pad=0.01)
    cb.set_label("lowest eigenvalue $\\lambda_1$", fontsize=8)
    legend_below(fig, axes)
    fig.suptitle(f"curvature of the attractors at t = {t:g} (beta = {beta:.3g}), exact score vs trained network;\n"
                 f"near-flat: |lambda| <= {lam_flat:.3g} (thermal spread {spread:g} of the data scale)",
                 fontsize=10)  # fmt: skip
    return fig


def _colours(cmap: str, norm: Any, values: np.ndarray) -> np.ndarray:
    """RGBA colours of ``values`` under the named colour map and norm (for edge colours)."""
    from matplotlib import colormaps

    return colormaps[cmap](norm(np.asarray(values, dtype=float)))
