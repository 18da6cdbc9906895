"""The figure of scripts/barrier_landscape.py: measured and predicted fractions of non-isolated minima, and onsets."""

from __future__ import annotations

import math

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter, ScalarFormatter

from amphase.analysis.figures import new_figure
from amphase.theory import lse_barriers as lb

COLOURS = {0.5: "tab:blue", 1.0: "black", 2.0: "tab:red"}
BETA_COLOURS = ("tab:purple", "tab:green", "tab:orange", "tab:brown", "tab:pink", "tab:cyan")


def _volume(beta: float) -> float:
    return lb.scaled_density(1.0, beta, "circle").volume


def _panel(ax: object, r: xr.Dataset, beta: float) -> None:
    K = r.K.values
    for tau in r.tau.values:
        c = COLOURS.get(float(tau), "grey")
        q = r.sel(tau=tau)
        ax.plot(K, q.theory_fraction, "-", color=c, lw=1.2, label=f"theory τ = {tau:g}")
        ax.fill_between(K, q.theory_fraction - 2 * q.theory_error, q.theory_fraction + 2 * q.theory_error,
                        color=c, alpha=0.15, lw=0)  # fmt: skip
        ax.errorbar(K, q.fraction, yerr=q.fraction_error, fmt="o", ms=3.5, color=c, capsize=2,
                    label=f"landscape τ = {tau:g}")  # fmt: skip
    one = r.sel(tau=1.0)
    k, e = float(one.K_gen), float(one.K_gen_error)
    ax.axvspan(k - e, k + e, color="grey", alpha=0.3, lw=0)
    ax.axvline(k, color="grey", lw=1.5, label="K_gen (τ = 1)")
    ax.axvline(float(one.K_dense), color="grey", ls="--", lw=1, label="dense law (τ = 1)")
    ax.axvline(float(r.K_merge), color="tab:olive", ls=":", lw=1.5, label="first merged pair")
    ax.axvline(float(r.K_memory_half), color="tab:olive", ls="-.", lw=1.2, label="half the points merged")
    ax.axhline(0.5, color="k", lw=0.5)
    ax.set_xscale("log")
    ax.set_xticks([k for k in (2, 3, 5, 10, 20, 40, 64) if K.min() <= k <= K.max()])
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"β = {beta:g}")
    ax.set_xlabel("K")
    ax.set_ylabel("fraction of minima with β·ΔE < τ")


def plot(ds: xr.Dataset) -> Figure:
    """Panels per beta, the collapse in nu = K / (2 pi sqrt(kappa/2)), and the onsets against beta."""
    nb = ds.sizes["beta"]
    cols = 3
    rows = math.ceil((nb + 2) / cols)
    fig = new_figure(4.2 * cols, 3.4 * rows)
    axes = fig.subplots(rows, cols).ravel()
    for i, beta in enumerate(ds.beta.values):
        _panel(axes[i], ds.sel(beta=beta), float(beta))
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=5, fontsize=7)
    ax = axes[nb]
    for i, beta in enumerate(ds.beta.values):
        r = ds.sel(beta=beta, tau=1.0)
        nu = r.K.values / _volume(float(beta))
        c = BETA_COLOURS[i % len(BETA_COLOURS)]
        ax.plot(nu, r.theory_fraction, "-", color=c, lw=1)
        ax.errorbar(nu, r.fraction, yerr=r.fraction_error, fmt="o", ms=3, color=c, capsize=1.5, label=f"β = {beta:g}")
    ax.axhline(0.5, color="k", lw=0.5)
    ax.set_xscale("log")
    ax.set_xlabel("ν = K / (2π √(κ/2))   (points per correlation length)")
    ax.set_ylabel("fraction with β·ΔE < 1")
    ax.set_title("one scale: ν")
    ax.legend(fontsize=7)
    ax = axes[nb + 1]
    b = ds.beta.values
    one = ds.sel(tau=1.0)
    for tau, mk in ((0.5, "v"), (1.0, "o"), (2.0, "^")):
        q = ds.sel(tau=tau)
        c = COLOURS[tau]
        ax.plot(b, q.K_gen, "-", color=c, lw=1, label=f"τ = {tau:g}: K_gen theory (line), landscape ({mk})")
        ax.fill_between(b, q.K_gen - q.K_gen_error, q.K_gen + q.K_gen_error, color=c, alpha=0.2, lw=0)
        ax.errorbar(b, q.onset, yerr=q.onset_error, fmt=mk, color=c, ms=4, capsize=2)
    ax.plot(b, one.K_dense, "--", color="grey", lw=1, label="dense law (τ = 1)")
    ax.plot(b, ds.K_merge, ":", color="tab:olive", lw=1.5, label="first merged pair")
    ax.plot(b, ds.K_memory_half, "-.", color="tab:olive", lw=1.2, label="half the points merged")
    bb = np.geomspace(b.min(), b.max(), 20)
    k0 = float(one.K_gen[-1]) / math.sqrt(float(b[-1]))
    ax.plot(bb, k0 * np.sqrt(bb), color="k", lw=0.5, alpha=0.5, ls=(0, (1, 3)), label="∝ √β")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(b)
    ax.set_yticks([2, 3, 5, 10, 20, 40])
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(ScalarFormatter())
        axis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("β = 1/(2σ_t²)")
    ax.set_ylabel("K")
    ax.set_title("onsets")
    ax.legend(fontsize=6)
    for extra in axes[nb + 2 :]:
        extra.set_visible(False)
    fig.suptitle("Minima of the exact-score energy on the circle that stop being isolated (β·ΔE < τ)")
    return fig
