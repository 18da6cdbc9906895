"""Figure of a binary DenseAM comparison (:func:`amphase.analysis.dense.compare.compare`).

(a) the fraction of cued stored patterns that are one-step stable against the load, per size N, with 1-sigma Wilson
error bars, the fitted error-function steps, the finite-N prediction ``dense.poly_stability`` at the simulated loads
(dotted) and the asymptotic signal-to-noise capacity of the theory (dashed, per N); (b) the
same for the fraction of cues retrieved; (c) the half loads against N with the theory. Other grid dimensions (n, F,
T, cue, noise) are shown at their first value.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from amphase.analysis.figures import new_figure

__all__ = ["plot_comparison"]

_COLOURS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725", "#e377c2"]


def _first(res: xr.Dataset, load: str) -> xr.Dataset:
    """One value of every dimension other than N, the load and state."""
    keep = {"N", load, "state", "rank"}
    return res.isel({d: 0 for d in res.dims if d not in keep})


def plot_comparison(res: xr.Dataset, title: str = "") -> Figure:
    """Draw the comparison dataset ``res`` (see the module docstring)."""
    from amphase.analysis.statistics import step_probability

    load = res.attrs.get("load", "alpha")
    r = _first(res, load)
    fig = new_figure(15.0, 4.8)
    axes = fig.subplots(1, 3)
    x = r[load].values.astype(float)
    grid = np.linspace(x.min(), x.max(), 200)
    for k, N in enumerate(r["N"].values):
        colour = _COLOURS[k % len(_COLOURS)]
        p = r.sel(N=N)
        for ax, name in zip(axes[:2], ("stable", "retrieved"), strict=True):
            f = p[f"{name}_fraction"].values
            lo, hi = p[f"{name}_lo"].values, p[f"{name}_hi"].values
            yerr = np.clip(np.nan_to_num([f - lo, hi - f]), 0.0, None)  # rounding: the bounds touch 0 and 1
            ax.errorbar(x, f, yerr=yerr, fmt="o", ms=3, color=colour, label=f"N={N}")
            half, width = f"{load}_{name}_half", f"{load}_{name}_width"
            if half in p and np.isfinite(float(p[half])):
                ax.plot(grid, step_probability(grid, float(p[half]), float(p[width])), color=colour, lw=1)
            if name == "stable" and "stable_finite" in p:
                ax.plot(x, p["stable_finite"].values, color=colour, ls=":", lw=1.2)
            if f"{load}_theory" in p and np.isfinite(float(p[f"{load}_theory"])):
                ax.axvline(float(p[f"{load}_theory"]), color=colour, ls="--", lw=0.8)
    for ax, what in zip(axes[:2], ("one-step stable", "retrieved"), strict=True):
        ax.set_xlabel(load)
        ax.set_ylabel(f"fraction {what}")
        ax.set_ylim(-0.03, 1.03)
        ax.legend(fontsize=8)
    ax = axes[2]
    Ns = r["N"].values.astype(float)
    for name, marker in (("stable", "o"), ("retrieved", "s")):
        if f"{load}_{name}_half" in r:
            ax.errorbar(
                Ns,
                r[f"{load}_{name}_half"].values,
                yerr=np.clip(np.nan_to_num(r[f"{load}_{name}_half_error"].values), 0.0, None),
                fmt=marker,
                label=f"{name}: fitted 1/2 point",
            )
    if f"{load}_theory" in r:
        ax.plot(Ns, r[f"{load}_theory"].values, "k--", label="signal-to-noise K_typical")
    ax.set_xscale("log")
    ax.set_xlabel("N")
    ax.set_ylabel(f"{load} at 1/2")
    ax.legend(fontsize=8)
    fig.suptitle(title or res.attrs.get("source_title", ""))
    return fig
