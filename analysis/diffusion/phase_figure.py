r"""Table and figure of the (K, :math:`\beta`) phase diagram (:mod:`amphase.analysis.diffusion.phase_diagram`).

The figure, per manifold: three maps in the (K, :math:`\beta`) plane, the fraction of samples memorized, spurious
and generalized at the defining thresholds (colour; the ½ contour in white), with the predicted lines of
``diffusion.generalization_onset`` (spurious onset ``K_merge``, memorization lost ``K_memory_half``, generalization
crossover ``K_gen`` with its Monte Carlo error) and the measured crossings (memorized samples below ½, generalized
attractors above ½; bars: where the mean ± s.e. crosses); then the threshold-free laws against K, one colour per
:math:`\beta`: minima reached per training set with the Rice limit (dashed), the median :math:`\beta_t\Delta E` and
the median lowest Hessian eigenvalue with the dense :math:`K^{-1/2}` laws (dashed).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis.diffusion.phase_diagram import spurious_window
from amphase.simulate.lse_attractors import CLASSES

__all__ = ["crossing_text", "plot", "table"]

_LINES = (("K_merge", "--", "spurious onset: one merged pair (pair rule)"),
          ("K_memory_half", "-.", "memorization lost: half the points merged (pair rule)"),
          ("K_gen", "-", "generalization: half the minima beta*DeltaE < 1 (barrier law)"))  # fmt: skip


def crossing_text(res: xr.Dataset, name: str, dataset: str, beta: float) -> str:
    """A measured crossing with its interval, or where it lies off the grid ("< K_min", "> K_max")."""
    sel = {"dataset": dataset, "beta": beta}
    v = float(res[name].sel(sel))
    a, b = (float(x) for x in res[f"{name}_interval"].sel(sel).values)
    K = res["K"].values
    if not math.isfinite(v):
        var, c = ("class", "memorized") if name == "K_memorized_half" else ("attractor", "generalized")
        f0 = float(res[f"{var}_fraction"].sel(sel).sel({"class": c}).values[0])
        below = f0 <= 0.5 if c == "memorized" else f0 >= 0.5
        return f"< {int(K[0])}" if below else f"> {int(K[-1])}"
    lo = f"{a:.3g}" if math.isfinite(a) else f"<{int(K[0])}"
    hi = f"{b:.3g}" if math.isfinite(b) else f">{int(K[-1])}"
    return f"{v:.3g} [{lo}-{hi}]"


def table(res: xr.Dataset) -> str:
    """Per manifold and beta: predicted and measured crossings, the spurious window, the owning band's population."""
    lines = [
        f"# (K, beta) phase diagram of the exact-score model: {res.attrs['realizations']} training sets x "
        f"{res.attrs['n_samples']} samples per point; classes at owning weight 1/2, beta_t*DeltaE >= 1",
        "# predicted (diffusion.generalization_onset): K_merge = spurious onset (one merged pair), K_mem1/2 = "
        "memorization lost (half the points merged), K_gen = half the minima not isolated (+- Monte Carlo error)",
        "# measured: memorized samples fall below 1/2; generalized attractors rise above 1/2 [where mean -+ s.e. "
        "crosses]; spurious >= 0.1 of samples over the K range given, its peak; tie: minima reached with owning "
        "weight in [0.4, 0.6] / all minima reached (fraction of samples on them)",
        f"{'manifold':>8} {'beta':>5} {'K_merge':>7} {'K_mem1/2':>8} {'memorized < 1/2':>18} {'K_gen':>12} "
        f"{'generalized > 1/2':>18} {'spurious >= 0.1':>16} {'peak':>11} {'tie':>14}",
    ]
    for name in res["dataset"].values:
        for beta in res["beta"].values:
            sel = {"dataset": name, "beta": beta}
            p = {k: float(res[k].sel(sel)) for k in ("K_merge", "K_memory_half", "K_gen", "K_gen_error")}
            lo, hi, peak, kp = spurious_window(res, str(name), float(beta))
            window = "none" if not math.isfinite(lo) else f"{lo:.0f}-{hi:.0f}"
            tie = (f"{int(res.tie_attractors.sel(sel).sum())}/{int(res.attractors_total.sel(sel).sum())} "
                   f"({float(res.tie_samples.sel(sel).mean()):.2f})")  # fmt: skip
            gen = f"{p['K_gen']:.3g}±{p['K_gen_error']:.2g}" if math.isfinite(p["K_gen"]) else "nan"
            lines.append(
                f"{name:>8} {beta:>5g} {p['K_merge']:>7.3g} {p['K_memory_half']:>8.3g} "
                f"{crossing_text(res, 'K_memorized_half', str(name), float(beta)):>18} {gen:>12} "
                f"{crossing_text(res, 'K_generalized_half', str(name), float(beta)):>18} {window:>16} "
                f"{peak:>5.2f} K={kp:<4d} {tie:>14}"
            )
    lines.append("# fraction of samples memorized / spurious / generalized [band over the nine threshold pairs]")
    for name in res["dataset"].values:
        lines.append(f"## {name}: rows beta, columns K = " + " ".join(str(int(k)) for k in res["K"].values))
        for beta in res["beta"].values:
            r = res.sel(dataset=name, beta=beta)
            cells = [" / ".join(f"{float(r.class_fraction.sel(K=k, **{'class': c})):.2f}" for c in CLASSES)
                     for k in res["K"].values]  # fmt: skip
            lines.append(f"{beta:>5g}: " + " | ".join(cells))
    lines.append("# threshold-free: minima reached per training set (Rice limit), median beta*DeltaE / dense law, "
                 "median lowest curvature / dense law, at the largest K")  # fmt: skip
    for name in res["dataset"].values:
        for beta in res["beta"].values:
            r = res.sel(dataset=name, beta=beta).isel(K=-1)
            lines.append(
                f"{name:>8} {beta:>5g}: minima {float(r.minima_reached):.1f} (Rice {float(r.minima_limit):.1f}), "
                f"beta*DeltaE {float(r.median_beta_barrier):.3g} / {float(r.dense_median_barrier):.3g}, "
                f"curvature {float(r.median_curvature):.3g} / {float(r.dense_median_curvature):.3g}"
            )
    return "\n".join(lines)


def _edges(v: np.ndarray) -> np.ndarray:
    """Cell edges of a log-spaced axis (midpoints in log); one value gets the cell [v/sqrt 2, v sqrt 2]."""
    lv = np.log(np.asarray(v, dtype=float))
    if lv.size == 1:
        return np.exp(lv[0] + np.array([-0.5, 0.5]) * np.log(2.0))
    mid = (lv[1:] + lv[:-1]) / 2
    return np.exp(np.concatenate([[2 * lv[0] - mid[0]], mid, [2 * lv[-1] - mid[-1]]]))


def _map(ax: Any, res: xr.Dataset, name: str, c: str) -> Any:
    K, beta = res["K"].values.astype(float), res["beta"].values.astype(float)
    f = res["class_fraction"].sel(dataset=name, **{"class": c}).transpose("beta", "K").values
    im = ax.pcolormesh(_edges(K), _edges(beta), f, vmin=0, vmax=1, cmap="viridis", shading="flat")
    if min(f.shape) >= 2 and np.nanmax(f) > 0.5 > np.nanmin(f):  # a contour needs a 2x2 grid at least
        ax.contour(K, beta, f, levels=[0.5], colors="w", linewidths=1.2)
    for key, ls, label in _LINES:
        v = res[key].sel(dataset=name).values
        ax.plot(v, beta, ls, color="tab:red" if key == "K_gen" else "k", lw=1.6, label=label)
        if key == "K_gen":
            e = res["K_gen_error"].sel(dataset=name).values
            ax.errorbar(v, beta, xerr=e, fmt="none", ecolor="tab:red", capsize=2)
    for key, mk, col in (("K_memorized_half", "o", "w"), ("K_generalized_half", "s", "tab:orange")):
        v = res[key].sel(dataset=name).values
        iv = res[f"{key}_interval"].sel(dataset=name).values
        err = np.abs(np.stack([v - iv[:, 0], iv[:, 1] - v]))
        label = "measured: " + ("memorized samples < 1/2" if key == "K_memorized_half" else "generalized attr. > 1/2")
        ax.errorbar(v, beta, xerr=np.nan_to_num(err), fmt=mk, color=col, mec="k", ms=5, capsize=2, label=label)
    ax.set(xscale="log", yscale="log", xlim=_edges(K)[[0, -1]], ylim=_edges(beta)[[0, -1]], xlabel="K",
           ylabel="beta_t at the stop", title=f"{name}: {c} (fraction of samples)")  # fmt: skip
    return im


def plot(res: xr.Dataset, title: str = "") -> Any:
    """Two rows of maps (one per manifold), then two rows of threshold-free laws (module docstring)."""
    from matplotlib.ticker import NullFormatter

    from amphase.analysis.figures import new_figure

    names = [str(n) for n in res["dataset"].values]
    fig = new_figure(17, 5.2 * 2 * len(names))
    axes = np.atleast_2d(fig.subplots(2 * len(names), 3))
    for i, name in enumerate(names):
        for j, c in enumerate(CLASSES):
            im = _map(axes[i, j], res, name, c)
        fig.colorbar(im, ax=axes[i, :].tolist(), shrink=0.8, label="fraction")
        axes[i, 0].legend(fontsize=6, loc="lower right")
    K = res["K"].values.astype(float)
    for i, name in enumerate(names):
        a0, a1, a2 = axes[len(names) + i]
        for k, beta in enumerate(res["beta"].values):
            r, col = res.sel(dataset=name, beta=beta), f"C{k}"
            a0.plot(K, r.minima_reached, "o-", color=col, ms=3, label=f"beta = {beta:g}")
            a0.axhline(float(r.minima_limit), color=col, ls="--", lw=0.9)
            a1.plot(K, r.median_beta_barrier.where(r.median_beta_barrier < 1e299), "o", color=col, ms=3)
            a1.plot(K, r.dense_median_barrier, "--", color=col, lw=0.9)
            a2.plot(K, r.median_curvature, "o", color=col, ms=3)
            a2.plot(K, r.dense_median_curvature, "--", color=col, lw=0.9)
        a1.axhline(1.0, color="k", lw=0.6)
        a2.axhline(2.0, color="k", lw=0.6, ls=":")
        titles = (f"{name}: minima reached per training set (dashed: Rice limit)",
                  f"{name}: median beta_t*DeltaE of minima reached (dashed: dense law ~K^-1/2)",
                  f"{name}: median lowest Hessian eigenvalue (dashed: dense law ~K^-1/2; 2: a lone point)")  # fmt: skip
        for a, t in zip((a0, a1, a2), titles, strict=True):
            a.set(xscale="log", xlabel="K", title=t)
            a.title.set_fontsize(8)
            a.xaxis.set_minor_formatter(NullFormatter())
        a0.set_yscale("log")
        a1.set_yscale("log")
        a2.set_yscale("log")
        a0.legend(fontsize=6, ncol=2)
    fig.suptitle(title or res.attrs.get("source_title", ""))
    return fig
