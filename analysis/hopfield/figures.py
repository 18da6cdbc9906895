"""Figure of a Hopfield comparison (:func:`amphase.analysis.hopfield.compare.compare`): theory lines and measurements.

Top row: (a) ``1 - m`` of retrieval end states against the replica-symmetric line, on a log scale so that the
small errors near ``m = 1`` show (end states without a single error are drawn as upper bounds at ``1/(N n)``);
(b) the retrieval probability against the load, per size N, with the fitted error-function steps and the RS
``alpha_c``; (c) the half-retrieval load against ``N^(-1/2)`` with the finite-size extrapolation (three sizes or
more). Bottom row, one panel per cue: the fractions of end-state classes against the load for the largest N, with
``alpha_c`` and the loads ``alpha_max(k)`` above which the symmetric k-mixtures no longer exist (AGS 1987). With a
temperature grid the figure shows its lowest T, with ``alpha_c(T)``; with a cue grid the top row shows the pattern
cues.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from amphase.analysis.classify import STATES
from amphase.analysis.figures import new_figure

__all__ = ["plot_comparison"]

_STATE_COLOURS = dict(zip(STATES, ["#1f77b4", "#9467bd", "#2ca02c", "#bcbd22", "#d62728", "#7f7f7f"], strict=True))


def _first(res: xr.Dataset, dims: tuple[str, ...]) -> xr.Dataset:
    """Select one value of each of T and cue not in ``dims``: the lowest T, and cue 'pattern' if there is one."""
    sel = {}
    if "T" in res.dims and "T" not in dims:
        sel["T"] = int(np.argmin(res["T"].values))
    if "cue" in res.dims and "cue" not in dims:
        values = list(res["cue"].values)
        sel["cue"] = values.index("pattern") if "pattern" in values else 0
    return res.isel(sel)


def plot_comparison(res: xr.Dataset, title: str = "") -> Figure:
    """Draw the comparison dataset ``res`` (see the module docstring)."""
    from amphase import theory
    from amphase.analysis.statistics import step_probability

    cues = list(res["cue"].values) if "cue" in res.dims else ["pattern"]
    fig = new_figure(15.0, 8.5)
    top, bottom = fig.subfigures(2, 1)
    ax_m, ax_p, ax_s = top.subplots(1, 3)
    axes_f = np.atleast_1d(bottom.subplots(1, len(cues), sharey=True))
    Ns = res["N"].values
    colours = {
        N: c for N, c in zip(Ns, ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725", "#e377c2"] * 3, strict=False)
    }

    # (a) retrieval overlap
    r = _first(res, ("N", "alpha"))
    T = float(r["T"])
    alpha_c = float(r["alpha_c_theory"])  # 0 where there is no retrieval state at any load (T >= 1)
    start = max(1e-3, float(res["alpha"].min()) * 0.8)
    if alpha_c > start:
        grid = np.linspace(start, alpha_c * 0.999, 80)
        m_rs = np.array([theory.get("hopfield.overlap")(alpha=a, T=T)["m"] for a in grid])
        show = 1 - m_rs > 1e-8
        ax_m.plot(grid[show], (1 - m_rs)[show], "k-", lw=1.5, label=f"RS theory (T={T:g})")
    for N in Ns:
        p = r.sel(N=N)
        one_minus = 1 - p["m_measured"].values
        ok = np.isfinite(one_minus) & (one_minus > 0)
        ax_m.errorbar(
            p["alpha_sim"].values[ok],
            one_minus[ok],
            yerr=np.fmin(p["m_error"].values[ok], 0.95 * one_minus[ok]),
            fmt="o",
            ms=4,
            capsize=2,
            color=colours[N],
            label=f"N={N}",
        )
        exact = np.isfinite(one_minus) & (one_minus <= 0)
        bound = 1.0 / (N * p["n_retrieval"].values[exact])
        ax_m.plot(p["alpha_sim"].values[exact], bound, "v", ms=5, mfc="none", color=colours[N])
    ax_m.set_yscale("log")
    ax_m.set_ylim(bottom=1e-7)
    if np.isfinite(alpha_c):
        ax_m.axvline(alpha_c, color="0.5", ls=":", lw=1)
    ax_m.set_xlabel(r"load $\alpha = P/N$")
    ax_m.set_ylabel(r"$1 - m$ of retrieval end states")
    ax_m.set_title("(a) retrieval overlap", loc="left", fontsize=10)
    ax_m.legend(fontsize=8)

    # (b) retrieval probability
    frac = r["fraction"].sel(state="retrieval")
    for N in Ns:
        f = frac.sel(N=N)
        lo = r["fraction_lo"].sel(state="retrieval", N=N)
        hi = r["fraction_hi"].sel(state="retrieval", N=N)
        yerr = [np.fmax(f - lo, 0), np.fmax(hi - f, 0)]
        ax_p.errorbar(res["alpha"], f, yerr=yerr, fmt="o", ms=4, capsize=2, color=colours[N], label=f"N={N}")
        if "alpha_half" in r and np.isfinite(r["alpha_half"].sel(N=N)):
            x = np.linspace(float(res["alpha"].min()), float(res["alpha"].max()), 200)
            ax_p.plot(
                x,
                step_probability(x, float(r["alpha_half"].sel(N=N)), float(r["retrieval_width"].sel(N=N))),
                color=colours[N],
                lw=1,
            )
    if np.isfinite(alpha_c):
        ax_p.axvline(alpha_c, color="k", ls="--", lw=1, label=rf"RS $\alpha_c(T={T:g})$ = {alpha_c:.4f}")
    ax_p.set_xlabel(r"load $\alpha$")
    ax_p.set_ylabel("retrieval probability")
    ax_p.set_title("(b) retrieval from the cue", loc="left", fontsize=10)
    ax_p.legend(fontsize=8)

    # (c) finite-size scaling
    ax_s.set_title("(c) finite-size scaling of the capacity", loc="left", fontsize=10)
    if np.isfinite(alpha_c):
        ax_s.axhline(alpha_c, color="k", ls="--", lw=1, label="RS theory")
    if "alpha_half" in r:
        h = r["alpha_half"]
        ok = np.isfinite(h.values)
        x = Ns[ok] ** -0.5
        ax_s.errorbar(
            x, h.values[ok], yerr=r["alpha_half_error"].values[ok], fmt="o", color="C0", capsize=3, label="simulation"
        )
        xs = np.linspace(0, max(x.max(), 1e-3) * 1.05, 50) if ok.any() else np.array([])
        for sfx, style in (("", "-"), ("_nu05", "--")):
            a_inf = float(r[f"alpha_c_fss{sfx}"]) if f"alpha_c_fss{sfx}" in r else np.nan
            if not np.isfinite(a_inf) or ok.sum() < 2:
                continue
            a_err = float(r[f"alpha_c_fss_error{sfx}"])
            nu = float(r[f"fss_nu{sfx}"])
            b = np.polyfit(Ns[ok] ** -nu, h.values[ok] - a_inf, 1)[0]
            lab = rf"$\alpha_c + b N^{{-{nu:.2f}}}$: $\alpha_c$ = {a_inf:.4f} ± {a_err:.4f}"
            ax_s.plot(xs, a_inf + b * xs ** (2 * nu), "C1" + style, lw=1, label=lab)
        ax_s.set_xlim(left=0)
    if Ns.size < 3:
        ax_s.text(0.5, 0.5, "finite-size scaling needs three sizes or more", ha="center", transform=ax_s.transAxes)
    ax_s.set_xlabel(r"$N^{-1/2}$")
    ax_s.set_ylabel(r"$\alpha_{1/2}(N)$")
    ax_s.legend(fontsize=8)

    # bottom row: end-state fractions for the largest N, one panel per cue
    N = Ns[-1]
    for j, (cue, ax_f) in enumerate(zip(cues, axes_f, strict=True)):
        sub = res.sel(N=N)
        if "cue" in res.dims:
            sub = sub.sel(cue=cue)
        if "T" in sub.dims:
            sub = sub.isel(T=int(np.argmin(sub["T"].values)))
        for s in STATES:
            f = sub["fraction"].sel(state=s)
            if float(f.max()) <= 0:
                continue
            ax_f.plot(sub["alpha"], f, "-o", ms=3, color=_STATE_COLOURS[s], label=s.replace("_", " "))
            lo, hi = sub["fraction_lo"].sel(state=s), sub["fraction_hi"].sel(state=s)
            ax_f.fill_between(sub["alpha"], lo, hi, color=_STATE_COLOURS[s], alpha=0.15)
        if np.isfinite(float(sub["alpha_c_theory"])):
            ax_f.axvline(float(sub["alpha_c_theory"]), color="k", ls="--", lw=1)
        for k in (3, 5):
            a_max = theory.get("hopfield.mixture")(n=k)["alpha_max"]  # at T = 0
            if a_max < 0.5 * float(sub["alpha"].min()):
                continue  # far left of the simulated loads
            ax_f.axvline(a_max, color="0.5", ls=":", lw=1)
            ax_f.text(
                a_max,
                0.5,
                rf"$\alpha_{{max}}({k})$",
                fontsize=7,
                rotation=90,
                va="center",
                ha="right",
                transform=ax_f.get_xaxis_transform(),
            )
        ax_f.set_xlabel(r"load $\alpha$")
        ax_f.set_title(f"({'def'[j]}) end states from {cue} cues, N={N}", loc="left", fontsize=10)
        ax_f.legend(fontsize=7)
    axes_f[0].set_ylabel("fraction of end states")
    if title:
        fig.suptitle(title, fontsize=11)
    return fig
