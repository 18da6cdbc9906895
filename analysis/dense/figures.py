"""Figure of a binary DenseAM comparison (:func:`amphase.analysis.dense.binary.compare`).

One row of three panels per value of the grid dimensions other than N and the load (n, F, T, cue, noise; at most
:data:`MAX_ROWS` rows, the others named under the figure):

(a) the fraction of cued stored patterns that are one-step stable against the load, per size N (colour), with
1-sigma Wilson error bars; solid: the fitted error-function step (where the fractions cross 1/2); dotted: the
finite-N prediction ``dense.poly_stability`` at the simulated loads; dashed: the signal-to-noise load
``alpha_typical`` of ``dense.poly_capacity`` (Krotov & Hopfield 2016), per N;
(b) the same for the fraction of cues retrieved (no finite-N prediction: it is one of one-step stability);
(c) the half loads against N: the fitted 1/2 points (stable, retrieved; drawn where the fractions cross 1/2), the
finite-N prediction (``dense.poly_half_load``) and the signal-to-noise load. A legend lists only what is drawn.
"""

from __future__ import annotations

import itertools

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from amphase.analysis.figures import new_figure, plain_log_ticks

__all__ = ["MAX_ROWS", "plot_comparison"]

_COLOURS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725", "#e377c2"]

#: the most rows (combinations of the other grid dimensions) one figure draws.
MAX_ROWS = 4


def _rows(res: xr.Dataset, load: str) -> tuple[list[dict[str, int]], list[str]]:
    """The index of every combination of the dimensions other than N, the load and state, and their names."""
    keep = {"N", load, "state", "rank", "class"}
    others = [d for d in res.dims if d not in keep]
    combos = [dict(zip(others, ix, strict=True)) for ix in itertools.product(*(range(res.sizes[d]) for d in others))]
    return combos, others


def _label(res: xr.Dataset, sel: dict[str, int]) -> str:
    return ", ".join(f"{d} = {res[d].values[i]}" for d, i in sel.items() if res.sizes[d] > 1)


def _finite(values: np.ndarray) -> bool:
    return bool(np.isfinite(np.asarray(values, dtype=float)).any())


def plot_comparison(res: xr.Dataset, title: str = "") -> Figure:
    """Draw the comparison dataset ``res`` (see the module docstring)."""
    load = res.attrs.get("load", "alpha")
    combos, _ = _rows(res, load)
    shown = combos[:MAX_ROWS]
    fig = new_figure(15.0, 4.3 * len(shown) + 0.6)
    axes = fig.subplots(len(shown), 3, squeeze=False)
    for row, sel in zip(axes, shown, strict=True):
        _draw_row(row, res.isel(sel), load, _label(res, sel))
    note = ""
    if len(combos) > len(shown):
        rest = "; ".join(_label(res, sel) for sel in combos[len(shown) :])
        note = f"\nnot drawn ({len(combos) - len(shown)} more): {rest[:200]} (see the table)"
    fig.suptitle((title or res.attrs.get("source_title", "")) + note)
    return fig


def _draw_row(axes: np.ndarray, r: xr.Dataset, load: str, label: str) -> None:
    from amphase.analysis.statistics import step_probability

    x = r[load].values.astype(float)
    grid = np.linspace(x.min(), x.max(), 200)
    styles: dict[int, set[str]] = {0: set(), 1: set()}  # the line styles drawn in panels (a) and (b)
    for k, N in enumerate(r["N"].values):
        colour = _COLOURS[k % len(_COLOURS)]
        p = r.sel(N=N)
        for i, (ax, name) in enumerate(zip(axes[:2], ("stable", "retrieved"), strict=True)):
            f = p[f"{name}_fraction"].values
            lo, hi = p[f"{name}_lo"].values, p[f"{name}_hi"].values
            yerr = np.clip(np.nan_to_num([f - lo, hi - f]), 0.0, None)  # rounding: the bounds touch 0 and 1
            ax.errorbar(x, f, yerr=yerr, fmt="o", ms=3, color=colour, label=f"N={N}")
            half, width = f"{load}_{name}_half", f"{load}_{name}_width"
            if half in p and np.isfinite(float(p[half])):
                ax.plot(grid, step_probability(grid, float(p[half]), float(p[width])), color=colour, lw=1)
                styles[i].add("fit")
            if name == "stable" and "stable_finite" in p and _finite(p["stable_finite"].values):
                ax.plot(x, p["stable_finite"].values, color=colour, ls=":", lw=1.2)
                styles[i].add("finite")
            if f"{load}_theory" in p and np.isfinite(float(p[f"{load}_theory"])):
                ax.axvline(float(p[f"{load}_theory"]), color=colour, ls="--", lw=0.8)
                styles[i].add("snr")
    proxies = {
        "fit": Line2D([], [], color="k", lw=1, label="erfc fit of the 1/2 point"),
        "finite": Line2D([], [], color="k", ls=":", lw=1.2, label="finite N: dense.poly_stability"),
        "snr": Line2D([], [], color="k", ls="--", lw=0.8, label="signal-to-noise alpha (KH 2016)"),
    }
    for i, (ax, what) in enumerate(zip(axes[:2], ("one-step stable", "retrieved"), strict=True)):
        ax.set_xlabel(load)
        ax.set_ylabel(f"fraction {what}")
        ax.set_ylim(-0.03, 1.03)
        handles, _ = ax.get_legend_handles_labels()
        drawn = [proxies[s] for s in ("fit", "finite", "snr") if s in styles[i]]
        ax.legend(handles=handles + drawn, fontsize=7)
        if label:
            ax.set_title(label, fontsize=9)
    _draw_halves(axes[2], r, load)


def _draw_halves(ax: object, r: xr.Dataset, load: str) -> None:
    Ns = r["N"].values.astype(float)
    drawn = False
    for name, marker in (("stable", "o"), ("retrieved", "s")):
        half = f"{load}_{name}_half"
        if half in r and _finite(r[half].values):
            err = np.clip(np.nan_to_num(r[f"{half}_error"].values), 0.0, None)
            ax.errorbar(Ns, r[half].values, yerr=err, fmt=marker, ms=4, label=f"measured {name}: erfc 1/2 point")
            drawn = True
    finite = f"{load}_half_finite"
    if finite in r and _finite(r[finite].values):
        ax.plot(Ns, np.ravel(r[finite].values), "k:", marker=".", label="finite N: dense.poly_half_load")
        drawn = True
    if f"{load}_theory" in r and _finite(r[f"{load}_theory"].values):
        ax.plot(Ns, np.ravel(r[f"{load}_theory"].values), "k--", label="signal-to-noise alpha_typical (KH 2016)")
        drawn = True
    if not any(f"{load}_{n}_half" in r and _finite(r[f"{load}_{n}_half"].values) for n in ("stable", "retrieved")):
        ax.text(0.5, 0.5, "no measured 1/2 point:\nthe fractions do not cross 1/2", transform=ax.transAxes,
                ha="center", va="center", fontsize=8, color="0.4")  # fmt: skip
    ax.set_xscale("log")
    plain_log_ticks(ax, Ns)
    ax.set_xlabel("N")
    ax.set_ylabel(f"{load} at 1/2")
    if drawn:
        ax.legend(fontsize=7)
