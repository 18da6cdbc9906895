"""Figure of the Hopfield phase diagram from a ``hopfield.phase_diagram`` dataset.

Draws the phases on the (alpha, T) grid as shaded regions and the four lines of AGS (1985, Phys. Rev. Lett. 55,
1530; 1987, Ann. Phys. 173, 30): ``T_g``, ``T_M``, ``T_c`` (with its reentrant lower branch) and the
de Almeida–Thouless line ``T_R``, which is drawn again in a magnified inset since it lies below ``T = 0.03``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from amphase.analysis.figures import new_figure

__all__ = ["plot_phase_diagram", "t_c_curve", "t_m_curve", "t_r_curve"]

_PHASE_COLOURS = ["#f2f2f2", "#f6d7b0", "#cfe3f5", "#8fbfe6"]
_PHASE_NAMES = ["paramagnet", "spin glass", "retrieval (metastable)", "retrieval (global)"]


def _merge(
    a1: np.ndarray, t1: np.ndarray, a2: np.ndarray, t2: np.ndarray, by_alpha: bool
) -> tuple[np.ndarray, np.ndarray]:
    a, t = np.concatenate((a1, a2)), np.concatenate((t1, t2))
    ok = np.isfinite(a) & np.isfinite(t)
    order = np.argsort(a[ok] if by_alpha else -t[ok], kind="stable")
    return a[ok][order], t[ok][order]


def t_m_curve(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Points ``(alpha, T)`` of the ``T_M`` line: ``T_M(alpha)`` merged with its inverse ``alpha_c(T)``, by ``T``."""
    below = ds["T"].values <= 1.0
    return _merge(ds["alpha"].values, ds["T_M"].values, ds["alpha_c"].values[below], ds["T"].values[below], False)


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


def plot_phase_diagram(ds: xr.Dataset, fig: Figure | None = None) -> Figure:
    """Plot the phase diagram dataset: ``alpha`` on the horizontal axis, ``T`` on the vertical, lines labelled."""
    fig = fig or new_figure()
    ax = fig.add_subplot()
    alpha, temp = ds["alpha"].values, ds["T"].values
    cmap = ListedColormap(_PHASE_COLOURS)
    ax.pcolormesh(alpha, temp, ds["phase"].values.T, cmap=cmap, vmin=-0.5, vmax=3.5, shading="nearest", alpha=0.6)

    def draw(axis, with_labels: bool) -> None:
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
    ax.set_xlabel(r"load $\alpha = P/N$")
    ax.set_ylabel(r"temperature $T$")
    ax.set_title("Hopfield model, replica-symmetric phase diagram (AGS 1985/1987)", fontsize=10)
    ax.legend(loc="upper right", fontsize=8, framealpha=0.9)

    inset = ax.inset_axes((0.52, 0.35, 0.3, 0.25))
    inset.pcolormesh(alpha, temp, ds["phase"].values.T, cmap=cmap, vmin=-0.5, vmax=3.5, shading="nearest", alpha=0.6)
    draw(inset, False)
    inset.set_xlim(0.045, 0.14)
    inset.set_ylim(0.0, 0.2)
    inset.tick_params(labelsize=7)
    inset.set_title("low T: AT line and reentrant $T_c$", fontsize=7)
    return fig
