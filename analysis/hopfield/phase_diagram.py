"""Figure of the Hopfield phase diagram from a ``hopfield.phase_diagram`` dataset.

Draws the four lines of AGS (1985, Phys. Rev. Lett. 55, 1530; 1987, Ann. Phys. 173, 30): ``T_g``, ``T_M`` and
``T_c`` (each with its reentrant lower branch) and the de Almeida–Thouless line ``T_R``, which is drawn again in a
magnified inset since it lies below ``T = 0.03``. The phases are shaded as the regions bounded by those same computed
lines (not cell by cell on the grid, which would draw a staircase): the spin glass below ``T_g``, the paramagnet
above it, retrieval states (metastable) at ``alpha < alpha_c(T)`` and retrieval states as global minima at
``alpha < alpha_global(T)``; both are single valued in ``T``, so the reentrant parts of ``T_M`` and ``T_c`` bound
their regions as well. The legend sits outside the axes, where it covers no line.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from amphase.analysis.figures import new_figure

__all__ = ["plot_phase_diagram", "t_c_curve", "t_m_curve", "t_r_curve"]

_PHASE_COLOURS = ["#f7f7f7", "#f9e7d0", "#e2eef9", "#bcd9f0"]
_PHASE_NAMES = ["paramagnet", "spin glass", "retrieval (metastable)", "retrieval (global)"]


def _merge(
    a1: np.ndarray, t1: np.ndarray, a2: np.ndarray, t2: np.ndarray, by_alpha: bool
) -> tuple[np.ndarray, np.ndarray]:
    a, t = np.concatenate((a1, a2)), np.concatenate((t1, t2))
    ok = np.isfinite(a) & np.isfinite(t)
    order = np.argsort(a[ok] if by_alpha else -t[ok], kind="stable")
    return a[ok][order], t[ok][order]


def t_m_curve(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Points ``(alpha, T)`` of the ``T_M`` line, by decreasing ``T``.

    Both branches of ``T_M(alpha)`` (the reentrant ``T_M_lower > 0`` between ``alpha_c(0)`` and the maximum of
    ``alpha_c(T)``) merged with the inverse ``alpha_c(T)``, which is single valued in ``T``.
    """
    a = ds["alpha"].values
    low = ds["T_M_lower"].values if "T_M_lower" in ds else np.full(a.size, np.nan)
    reentrant = np.where(low > 0, low, np.nan)
    a1, t1 = np.concatenate((a, a)), np.concatenate((ds["T_M"].values, reentrant))
    return _merge(a1, t1, ds["alpha_c"].values, ds["T"].values, False)


def t_c_curve(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Points of the ``T_c`` line: both branches of ``T_c(alpha)`` merged with ``alpha_global(T)``, by ``T``."""
    a = ds["alpha"].values
    low = ds["T_c_lower"].values
    reentrant = np.where(low > 0, low, np.nan)
    a1, t1 = np.concatenate((a, a)), np.concatenate((ds["T_c"].values, reentrant))
    return _merge(a1, t1, ds["alpha_global"].values, ds["T"].values, False)


def t_r_curve(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Points of the AT line: ``T_R(alpha)`` merged with ``alpha_AT(T)``, by ``alpha``."""
    return _merge(ds["alpha"].values, ds["T_R"].values, ds["alpha_AT"].values, ds["T"].values, True)


def _shade(axis: Axes, ds: xr.Dataset, t_top: float) -> None:
    """Fill the phase regions bounded by the computed lines (drawn below them)."""
    alpha = ds["alpha"].values
    t_g = ds["T_g"].values
    kw = {"lw": 0, "zorder": 0}  # opaque: each region is painted over the one it lies in, in the legend's colour
    axis.fill_between(alpha, t_g, np.maximum(t_top, t_g), color=_PHASE_COLOURS[0], **kw)
    axis.fill_between(alpha, 0.0, t_g, color=_PHASE_COLOURS[1], **kw)
    for k, (a, t) in ((2, t_m_curve(ds)), (3, t_c_curve(ds))):
        if a.size:
            axis.fill_betweenx(t, 0.0, a, color=_PHASE_COLOURS[k], **kw)


def plot_phase_diagram(ds: xr.Dataset, fig: Figure | None = None) -> Figure:
    """Plot the phase diagram dataset: ``alpha`` on the horizontal axis, ``T`` on the vertical, lines labelled."""
    fig = fig or new_figure(9.0, 5.0)
    ax = fig.add_subplot()
    alpha, temp = ds["alpha"].values, ds["T"].values
    _shade(ax, ds, float(temp.max()))

    def draw(axis: Axes, with_labels: bool) -> None:
        kw = {"lw": 1.8}
        axis.plot(alpha, ds["T_g"].values, "k--", label=r"$T_g = 1+\sqrt{\alpha}$" if with_labels else None, **kw)
        am, tm = t_m_curve(ds)
        axis.plot(am, tm, "C0-", label=r"$T_M$ (retrieval states exist below)" if with_labels else None, **kw)
        ac, tc = t_c_curve(ds)
        axis.plot(ac, tc, "C3-", label=r"$T_c$ (retrieval states global minima below)" if with_labels else None, **kw)
        ar, tr = t_r_curve(ds)
        axis.plot(ar, tr, "C2:", label=r"$T_R$ (AT line of retrieval)" if with_labels else None, lw=2.2)

    draw(ax, True)
    a_c0 = float(ds["alpha_c"].sel(T=0.0).item()) if 0.0 in temp else float("nan")
    if np.isfinite(a_c0):
        ax.plot([a_c0], [0.0], "C0o", clip_on=False, zorder=5)
        ax.annotate(
            rf"$\alpha_c = {a_c0:.4f}$",
            (a_c0, 0.0),
            xytext=(-20, 28),
            textcoords="offset points",
            ha="right",
            arrowprops={"arrowstyle": "->", "lw": 0.8},
            fontsize=9,
        )
    for k, name in enumerate(_PHASE_NAMES):
        ax.fill_between([], [], color=_PHASE_COLOURS[k], label=name)
    ax.set_xlim(alpha.min(), alpha.max())
    ax.set_ylim(temp.min(), temp.max())
    ax.set_xlabel(r"load $\alpha = K/N$")
    ax.set_ylabel(r"temperature $T$")
    ax.set_title("Hopfield model, replica-symmetric phase diagram (AGS 1985/1987)", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, fontsize=8, frameon=False)

    inset = ax.inset_axes((0.52, 0.35, 0.3, 0.25))
    _shade(inset, ds, float(temp.max()))
    draw(inset, False)
    inset.set_xlim(0.045, 0.145)
    inset.set_ylim(0.0, 0.2)
    inset.tick_params(labelsize=7)
    inset.set_title("low T: AT line and reentrant $T_c$", fontsize=7)
    return fig
