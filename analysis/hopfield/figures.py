"""Figure of a Hopfield comparison (:func:`amphase.analysis.hopfield.hopfield.compare`): theory lines and measurements.

Top row, for the pattern cues (the first cue where there are none): (a) ``1 - m`` of retrieval end states against
the replica-symmetric line, on a log scale so that the small errors near ``m = 1`` show (where no end state has a
single error the point is an upper bound at ``1/(N n)``, an open triangle); (b) the retrieval probability against
the load, per size N, with the fitted error-function steps and the RS ``alpha_c``; (c) the half-retrieval load
against ``N^(-1/2)`` with the finite-size extrapolation (three sizes or more). Bottom row, one panel per cue: the
fractions of end-state classes against the load, one colour per class and one line style and marker per size N
(the largest N bold with its 1-sigma Wilson bars, the smaller ones thin and faint, so that classes x sizes curves
stay readable), with ``alpha_c`` and the loads ``alpha_max(k)`` above which the symmetric k-mixtures no longer exist
(AGS 1987, in a colour of their own), labelled in a strip above the fractions; one legend for the row sits to its
right. Points at which some end states are classified with uncertainty (the comparison's ``unreliable``) are drawn
with open markers in (b) and in the bottom row. With a temperature grid the figure shows its lowest T and says so in
the panel titles; where there is no retrieval state at that T (``alpha_c`` NaN, or 0) no ``alpha_c`` line is drawn.

Artists carry a ``gid`` naming what they show (``alpha_c``, ``upper_bound``, ``fraction:<class>:<N>``,
``unreliable``, ``alpha_max:<k>``), for tests and for anyone who edits the figure.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from amphase.analysis.classify import STATES
from amphase.analysis.figures import new_figure
from amphase.errors import NoSolutionError, ParameterError

__all__ = ["plot_comparison"]

_STATE_COLOURS = dict(zip(STATES, ["#1f77b4", "#9467bd", "#2ca02c", "#bcbd22", "#d62728", "#7f7f7f"], strict=True))
_SIZE_COLOURS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#b5a300", "#e377c2"]
_SIZE_STYLES = [("o", "-"), ("s", "--"), ("^", "-."), ("D", ":"), ("v", (0, (5, 1, 1, 1, 1, 1))), ("P", (0, (1, 3)))]
#: colour of the alpha_max(k) lines and labels: none of the classes' colours.
_ALPHA_MAX_COLOUR = "#8c564b"
#: opacity of the curves of the smaller sizes in the bottom row.
_FAINT = 0.35
#: symmetric k-mixtures whose maximal load is marked in the bottom row.
_MIXTURES = (3, 5)
#: top of the fraction axes: the strip above 1 holds the alpha_max labels, clear of every curve.
_HEADROOM = 1.24


def _first(res: xr.Dataset, dims: tuple[str, ...]) -> xr.Dataset:
    """Select one value of each of T and cue not in ``dims``: the lowest T, and cue 'pattern' if there is one."""
    sel = {}
    if "T" in res.dims and "T" not in dims:
        sel["T"] = int(np.argmin(res["T"].values))
    if "cue" in res.dims and "cue" not in dims:
        values = list(res["cue"].values)
        sel["cue"] = values.index("pattern") if "pattern" in values else 0
    return res.isel(sel)


def _alpha_c(value: float) -> float:
    """The RS critical load, NaN where there is no retrieval state at any load (NaN, or 0 in older datasets)."""
    return value if np.isfinite(value) and value > 0 else np.nan


def _alpha_max(k: int, T: float) -> float:
    """Load above which the symmetric k-mixture no longer exists at T; NaN where it does not exist at all."""
    from amphase import theory

    if T >= 1:
        return np.nan
    try:
        return float(theory.get("hopfield.mixture")(n=k, T=T)["alpha_max"])
    except (NoSolutionError, ParameterError, ValueError):
        return np.nan


def _where(res: xr.Dataset, r: xr.Dataset, cue: str | None = None) -> str:
    """Which cue and T a panel shows, for its title."""
    text = f"{r['cue'].item() if cue is None else cue} cues"
    if "T" in res.dims and res.sizes["T"] > 1:
        text += f", lowest T = {float(r['T']):g}"
    return text


def _unreliable(p: xr.Dataset) -> np.ndarray:
    """Per load: whether some end states at this point are classified with uncertainty."""
    if "unreliable" not in p:
        return np.zeros(p.sizes["alpha"], dtype=bool)
    return np.asarray(p["unreliable"].values > 0).reshape(-1)


def _proxy(label: str, **kw) -> Line2D:
    """A legend entry for artists drawn without a label of their own."""
    kw.setdefault("color", "0.3")
    kw.setdefault("ls", "none")
    return Line2D([], [], label=label, **kw)


_UNRELIABLE_LABEL = "open: some end states here classified\nwith uncertainty (overlap floor θ\nwithin the noise)"


def plot_comparison(res: xr.Dataset, title: str = "") -> Figure:
    """Draw the comparison dataset ``res`` (see the module docstring)."""
    from amphase import theory
    from amphase.analysis.statistics import step_probability

    cues = [str(c) for c in res["cue"].values] if "cue" in res.dims else ["pattern"]
    fig = new_figure(15.0, 9.0)
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.0, 1.1])
    ax_m, ax_p, ax_s = top.subplots(1, 3)
    ax_all = bottom.subplots(1, len(cues) + 1, sharey=False, width_ratios=[1.0] * len(cues) + [0.16 * len(cues)])
    axes_f, ax_key = list(ax_all[:-1]), ax_all[-1]
    Ns = res["N"].values
    colours = {N: c for N, c in zip(Ns, _SIZE_COLOURS * 3, strict=False)}
    styles = {N: s for N, s in zip(Ns[::-1], _SIZE_STYLES * 3, strict=False)}  # the largest N solid

    # (a) retrieval overlap
    r = _first(res, ("N", "alpha"))
    T = float(r["T"])
    where = _where(res, r)
    alpha_c = _alpha_c(float(r["alpha_c_theory"]))
    start = max(1e-3, float(res["alpha"].min()) * 0.8)
    if np.isfinite(alpha_c) and alpha_c > start:
        grid = np.linspace(start, alpha_c * 0.999, 80)
        m_rs = np.array([theory.get("hopfield.overlap")(alpha=a, T=T)["m"] for a in grid])
        show = 1 - m_rs > 1e-8
        ax_m.plot(grid[show], (1 - m_rs)[show], "k-", lw=1.5, label=f"RS theory (T={T:g})")
    bounds = False
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
        if exact.any():
            bound = 1.0 / (N * p["n_retrieval"].values[exact])
            ax_m.plot(p["alpha_sim"].values[exact], bound, "v", ms=5, mfc="none", color=colours[N], gid="upper_bound")
            bounds = True
    ax_m.set_yscale("log")
    ax_m.set_ylim(bottom=1e-7)
    if np.isfinite(alpha_c):
        ax_m.axvline(alpha_c, color="0.5", ls=":", lw=1, gid="alpha_c", label=rf"RS $\alpha_c$ = {alpha_c:.4f}")
    else:
        ax_m.text(
            0.03,
            0.97,
            f"no RS retrieval state at T={T:g}: no theory line",
            ha="left",
            va="top",
            fontsize=9,
            transform=ax_m.transAxes,
            bbox={"fc": "white", "ec": "none", "alpha": 0.8},
        )
    ax_m.set_xlabel(r"load $\alpha = K/N$")
    ax_m.set_ylabel(r"$1 - m$ of retrieval end states")
    ax_m.set_title(f"(a) retrieval overlap, {where}", loc="left", fontsize=10)
    handles, _ = ax_m.get_legend_handles_labels()
    if bounds:
        handles.append(
            _proxy(r"no error in any end state:" "\n" r"upper bound $1/(N\,n)$", marker="v", mfc="none", ms=5)
        )
    ax_m.legend(handles=handles, fontsize=8, loc="lower right")

    # (b) retrieval probability
    frac = r["fraction"].sel(state="retrieval")
    fits = any_unreliable = False
    for N in Ns:
        f = frac.sel(N=N)
        lo = r["fraction_lo"].sel(state="retrieval", N=N)
        hi = r["fraction_hi"].sel(state="retrieval", N=N)
        yerr = [np.fmax(f - lo, 0), np.fmax(hi - f, 0)]
        ax_p.errorbar(res["alpha"], f, yerr=yerr, fmt="o", ms=4, capsize=2, color=colours[N], label=f"N={N}")
        bad = _unreliable(r.sel(N=N))
        if bad.any():
            ax_p.plot(
                res["alpha"].values[bad],
                f.values[bad],
                "o",
                ms=4,
                mfc="white",
                color=colours[N],
                gid="unreliable",
                zorder=4,
            )
            any_unreliable = True
        if "alpha_half" in r and np.isfinite(r["alpha_half"].sel(N=N)) and res.sizes["alpha"] > 1:
            x = np.linspace(float(res["alpha"].min()), float(res["alpha"].max()), 200)
            ax_p.plot(
                x,
                step_probability(x, float(r["alpha_half"].sel(N=N)), float(r["retrieval_width"].sel(N=N))),
                color=colours[N],
                lw=1,
            )
            fits = True
    if np.isfinite(alpha_c):
        ax_p.axvline(alpha_c, color="k", ls="--", lw=1, gid="alpha_c", label=rf"RS $\alpha_c(T={T:g})$ = {alpha_c:.4f}")
    ax_p.set_xlabel(r"load $\alpha$")
    ax_p.set_ylabel("retrieval probability (1σ Wilson)")
    ax_p.set_ylim(-0.05, 1.05)
    ax_p.set_title(f"(b) retrieval, {where}", loc="left", fontsize=10)
    handles, _ = ax_p.get_legend_handles_labels()
    if fits:
        handles.append(_proxy("error-function fit", ls="-", lw=1))
    if any_unreliable:
        handles.append(_proxy(_UNRELIABLE_LABEL, marker="o", mfc="white", ms=4))
    ax_p.legend(handles=handles, fontsize=8, loc="lower left")

    # (c) finite-size scaling
    ax_s.set_title(f"(c) finite-size scaling, {where}", loc="left", fontsize=10)
    if np.isfinite(alpha_c):
        ax_s.axhline(alpha_c, color="k", ls="--", lw=1, gid="alpha_c", label=rf"RS $\alpha_c$ = {alpha_c:.4f}")
    if "alpha_half" in r:
        h = r["alpha_half"]
        ok = np.isfinite(h.values)
        x = Ns[ok] ** -0.5
        if ok.any():
            ax_s.errorbar(
                x,
                h.values[ok],
                yerr=r["alpha_half_error"].values[ok],
                fmt="o",
                color="C0",
                capsize=3,
                label=r"simulation: $\alpha_{1/2}(N)$",
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
            ax_s.plot(xs, a_inf + b * xs ** (2 * nu), "C1", ls=style, lw=1, label=lab)
        ax_s.set_xlim(left=0)
    if int(np.isfinite(r["alpha_half"].values).sum() if "alpha_half" in r else 0) < 3:
        ax_s.text(
            0.5,
            0.5,
            "finite-size scaling needs α½ at three sizes or more",
            ha="center",
            va="center",
            fontsize=9,
            transform=ax_s.transAxes,
            bbox={"fc": "white", "ec": "none", "alpha": 0.8},
        )
    ax_s.margins(y=0.25)  # room for the legend above the points and the alpha_c line
    ax_s.set_xlabel(r"$N^{-1/2}$")
    ax_s.set_ylabel(r"$\alpha_{1/2}(N)$")
    if ax_s.get_legend_handles_labels()[0]:
        ax_s.legend(fontsize=8, loc="upper left")

    # bottom row: end-state fractions, one panel per cue, one colour per class and one style per size
    drawn: list[str] = []
    any_unreliable = False
    a_max = {k: _alpha_max(k, T) for k in _MIXTURES}
    for j, (cue, ax_f) in enumerate(zip(cues, axes_f, strict=True)):
        sub = res.sel(cue=cue) if "cue" in res.dims else res
        if "T" in sub.dims:
            sub = sub.isel(T=int(np.argmin(sub["T"].values)))
        for s in STATES:
            if float(sub["fraction"].sel(state=s).max()) <= 0:
                continue
            if s not in drawn:
                drawn.append(s)
            for N in Ns:
                p = sub.sel(N=N)
                f = p["fraction"].sel(state=s)
                marker, ls = styles[N]
                if N != Ns[-1]:  # the smaller sizes: thin, faint, no bars (the largest carries the errors)
                    ax_f.plot(p["alpha"], f, marker=marker, ls=ls, ms=2.5, lw=0.8, color=_STATE_COLOURS[s],
                              alpha=_FAINT, gid=f"fraction:{s}:{N}")  # fmt: skip
                else:
                    lo, hi = p["fraction_lo"].sel(state=s), p["fraction_hi"].sel(state=s)
                    ax_f.errorbar(
                        p["alpha"],
                        f,
                        yerr=[np.fmax(f - lo, 0), np.fmax(hi - f, 0)],
                        marker=marker,
                        ls=ls,
                        ms=3.5,
                        lw=1.6,
                        elinewidth=0.6,
                        capsize=0,
                        color=_STATE_COLOURS[s],
                        zorder=3,
                    )
                    ax_f.lines[-1].set_gid(f"fraction:{s}:{N}")
                bad = _unreliable(p)
                if bad.any():
                    ax_f.plot(
                        p["alpha"].values[bad],
                        f.values[bad],
                        marker=marker,
                        ls="none",
                        ms=5.5,
                        mew=1.2,
                        mfc="white",
                        color=_STATE_COLOURS[s],
                        gid="unreliable",
                        zorder=4,
                    )
                    any_unreliable = True
        ac = _alpha_c(float(sub["alpha_c_theory"]))
        if np.isfinite(ac):
            ax_f.axvline(ac, color="k", ls="--", lw=1, gid="alpha_c")
        lo_alpha = float(sub["alpha"].min())
        shown = sorted((a, k) for k, a in a_max.items() if np.isfinite(a) and a >= 0.5 * lo_alpha)
        for level, (a, k) in enumerate(shown):
            ax_f.axvline(a, color=_ALPHA_MAX_COLOUR, ls=":", lw=1.2, gid=f"alpha_max:{k}")
            ax_f.annotate(
                rf"$\alpha_{{max}}({k})$",
                xy=(a, 1.03 + 0.09 * (level % 2)),
                xytext=(2, 0),
                textcoords="offset points",
                fontsize=7,
                color=_ALPHA_MAX_COLOUR,
                ha="left",
                va="bottom",
                gid=f"alpha_max:{k}",
                bbox={"fc": "white", "ec": "none", "pad": 0.5},
                zorder=5,
            )
        ax_f.set_ylim(-0.04, _HEADROOM)
        ax_f.set_yticks(np.linspace(0, 1, 6))
        ax_f.axhline(1.0, color="0.85", lw=0.6, zorder=0)
        ax_f.set_xlabel(r"load $\alpha$")
        ax_f.set_title(f"({'defghijk'[j]}) end states, {_where(res, sub, cue)}", loc="left", fontsize=10)
    axes_f[0].set_ylabel("fraction of end states (1σ Wilson)")

    # the bottom row's legend, in its own column
    ax_key.axis("off")
    drawn.sort(key=STATES.index)
    handles = [_proxy(s.replace("_", " "), ls="-", lw=2, color=_STATE_COLOURS[s]) for s in drawn]
    handles += [
        _proxy(f"N={N}" + (" (1σ bars)" if N == Ns[-1] else ""), marker=styles[N][0], ls=styles[N][1], ms=4,
               lw=1.6 if N == Ns[-1] else 0.8, alpha=1.0 if N == Ns[-1] else _FAINT)
        for N in Ns
    ]  # fmt: skip
    if np.isfinite(alpha_c) or any(np.isfinite(_alpha_c(v)) for v in res["alpha_c_theory"].values.ravel()):
        handles.append(_proxy(r"RS $\alpha_c$", ls="--", lw=1, color="k"))
    if any(line.get_gid() and line.get_gid().startswith("alpha_max") for ax in axes_f for line in ax.lines):
        handles.append(
            _proxy(
                r"$\alpha_{max}(k)$: symmetric" "\n" r"k-mixtures exist below", ls=":", lw=1.2, color=_ALPHA_MAX_COLOUR
            )
        )
    if any_unreliable:
        handles.append(_proxy(_UNRELIABLE_LABEL, marker="o", mfc="white", ms=5.5, mew=1.2))
    ax_key.legend(handles=handles, loc="center left", fontsize=8, frameon=False, borderaxespad=0, handlelength=3)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig
