r"""The physical classes of ``diffusion.exact`` datasets against K, with their band, beside the older rules.

:func:`compare` extends :func:`amphase.analysis.diffusion.compare.compare` (the rule the dataset was classified by,
the curvature and the pair-rule onsets) with, where the dataset has the physical classes (``neighbours > 0``;
:mod:`amphase.simulate.lse_attractors`), per K:

``class_fraction`` (class), ``class_fraction_error``
    the fraction of samples whose attractor is in each class at the defining thresholds (owning weight > ½,
    :math:`\beta_t\Delta E \ge 1`), mean over realizations and its standard error (spread over training sets / √R);
``class_fraction_low``, ``class_fraction_high`` (class)
    the sensitivity band: the smallest and largest of those mean fractions over the nine threshold pairs
    (0.4 / 0.5 / 0.6 x ½ / 1 / 2); ``class_fraction_grid`` holds all nine;
``attractor_fraction`` (class) with ``_error``, ``_low``, ``_high``
    the same per distinct attractor reached (each attractor counted once);
``paper_stop_fraction``, ``paper_descent_fraction`` (class) with ``_error``
    the paper's distance rule on the same samples at the stop and after descent;
``beta_barrier_quantiles`` (quantile), ``own_weight_quantiles`` (quantile)
    the 16 / 50 / 84 % points of :math:`\beta_t\Delta E` and of the owning weight over the stored attractors of all
    realizations (a minimum with no other attractor reached has an infinite barrier and counts as the largest);
``near_tie_fraction``
    the fraction of samples on isolated attractors whose owning weight lies in (½, 0.6]: memorized at the defining
    threshold, spurious at 0.6. A merged pair's minimum has weights ½, ½ by symmetry and the other memories break the
    tie by as little as 1e-15 to 1e-2 (measured in the main job), so this is where the owning threshold decides;
``n_attractors``, ``n_borderline``, ``n_not_minimum``, ``n_path_unconverged``
    means over realizations;
``K_generalization_theory``, ``K_generalization_theory_band`` (threshold)
    ``diffusion.generalization_onset``: the K where half of the minima of the landscape stop being isolated
    (β·ΔE < 1), and the same at the thresholds 2 and ½ (:func:`predicted_generalization`; random points on the circle
    or the sphere S^2, NaN otherwise). It counts minima, so it is to be read against ``attractor_fraction``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis.compare import Comparison
from amphase.analysis.diffusion import compare as base
from amphase.analysis.tables import fmt, pm
from amphase.dataset import without_fixed_coords
from amphase.simulate.lse_attractors import CLASSES

__all__ = ["COMPARISON", "band_fractions", "compare", "plot", "predicted_generalization", "table"]

QUANTILES = (0.16, 0.5, 0.84)


def predicted_generalization(beta: float, dataset: str, d: int) -> tuple[float, float, float]:
    """K where half of the attractors stop being isolated, at the thresholds 1, then 2 and 1/2; NaN where absent.

    ``K_gen`` of ``diffusion.generalization_onset`` (:mod:`amphase.theory.diffusion.generalization`: the barrier law
    of K random points, Monte Carlo over landscapes, seed 0) for the unit circle and the sphere S^2 (d = 3), at
    ``threshold`` = 1 (400 landscapes per K) and at 2 and 1/2 (200), the band's ends: a higher threshold makes fewer
    minima isolated, so its onset comes at smaller K.
    """
    from amphase import theory
    from amphase.errors import NoSolutionError

    nan = (math.nan, math.nan, math.nan)
    if not math.isfinite(beta) or not (dataset == "circle" or (dataset == "sphere" and d == 3)):
        return nan
    q = theory.get("diffusion.generalization_onset")
    try:
        return tuple(float(q(beta=beta, manifold=dataset, threshold=tau, draws=draws)["K_gen"])
                     for tau, draws in ((1.0, 400), (2.0, 200), (0.5, 200)))  # fmt: skip
    except NoSolutionError:  # no shell of minima at this beta
        return nan


def _fractions(count: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    c = count.where(count >= 0)
    f = c / c.sum("class")
    R = int(f.sizes["realization"])
    err = f.std("realization", ddof=1) / math.sqrt(R) if R > 1 else xr.full_like(f.isel(realization=0), np.nan)
    return f.mean("realization"), err


def band_fractions(ds: xr.Dataset) -> dict[str, xr.DataArray]:
    r"""``class_fraction``, ``attractor_fraction`` with ``_error``, ``_low``, ``_high``, and ``class_fraction_grid``.

    Per grid point (module docstring): the fractions at the defining thresholds (owning weight ½,
    :math:`\beta_t\Delta E \ge 1`), their standard error over realizations, and the band over the nine pairs.
    """
    out: dict[str, xr.DataArray] = {}
    central = {"own_threshold": 0.5, "isolation_threshold": 1.0}
    for name, var in (("class", "class_count"), ("attractor", "class_attractor_count")):
        grid, _ = _fractions(ds[var])
        out[f"{name}_fraction"], out[f"{name}_fraction_error"] = _fractions(ds[var].sel(central))
        out[f"{name}_fraction_low"] = grid.min(["own_threshold", "isolation_threshold"])
        out[f"{name}_fraction_high"] = grid.max(["own_threshold", "isolation_threshold"])
        if name == "class":
            out["class_fraction_grid"] = grid
    return out


def _quantiles(v: xr.DataArray) -> xr.DataArray:
    """16 / 50 / 84 % over realizations and attractors; an infinite barrier (no other attractor) counts as largest."""
    big = 1e300
    q = v.where(~np.isinf(v), big).quantile(list(QUANTILES), dim=["realization", "attractor"], skipna=True)
    return q.where(q < big / 10, np.inf)


def _is_phase_diagram(ds: xr.Dataset) -> bool:
    return "class_count" in ds and "beta" in ds.dims


def compare(ds: xr.Dataset) -> xr.Dataset:
    """The base comparison plus the physical classes (module docstring).

    A dataset with the physical classes and a grid over ``beta`` (``diffusion-phase-diagram``) goes to
    :func:`amphase.analysis.diffusion.phase_diagram.compare`, whose table and figure :func:`table` and :func:`plot`
    then draw.
    """
    if _is_phase_diagram(ds):
        from amphase.analysis.diffusion import phase_diagram

        return phase_diagram.compare(ds)
    res = base.compare(ds)
    if "class_count" not in ds:
        return res  # the base comparison has dropped the fixed parameters' coordinates
    for k, v in band_fractions(ds).items():
        res[k] = v
    for name in ("paper_stop", "paper_descent"):
        res[f"{name}_fraction"], res[f"{name}_fraction_error"] = _fractions(ds[f"count_{name}"])
    bb = ds["attractor_beta_barrier"]
    res["beta_barrier_quantiles"] = _quantiles(bb)
    res["own_weight_quantiles"] = _quantiles(ds["attractor_own_weight"])
    w, basin = ds["attractor_own_weight"], ds["attractor_basin"].where(ds["attractor_basin"] >= 0, 0)
    tie = ((w > 0.5) & (w <= 0.6) & (bb >= 1.0)).astype(float) * basin
    res["near_tie_fraction"] = (tie.sum("attractor") / basin.sum("attractor")).mean("realization")
    for v in ("n_attractors", "n_borderline", "n_not_minimum", "n_path_unconverged"):
        res[v] = ds[v].where(ds[v] >= 0).astype(float).mean("realization")
    d = base._data_dim(ds)
    beta = float(res.attrs["beta"])
    even = bool(base._attr(ds, "even") or 0)
    gen = predicted_generalization(beta, res.attrs["dataset"], d) if not even else (math.nan,) * 3
    res["K_generalization_theory"] = gen[0]
    res["K_generalization_theory_band"] = ("threshold", [gen[1], gen[2]])
    res["threshold"] = [2.0, 0.5]
    res.attrs["curvature_rule"] = int(res.attrs.get("spread", 0) > 0)
    return without_fixed_coords(res, ds)


def _cell(f: float, e: float, lo: float, hi: float) -> str:
    return "nan" if not np.isfinite(f) else f"{pm(f, e, 2)} [{lo:.2f}-{hi:.2f}]"


def _g(v: float) -> str:
    return fmt(v, 3, style="g", nan="-")


def table(res: xr.Dataset) -> str:
    """The physical classes with their band, then the same samples by the older rules, then the base table."""
    if "minima_reached" in res:
        from amphase.analysis.diffusion import phase_figure

        return phase_figure.table(res)
    if "class_fraction" not in res:
        return base.table(res)
    extra = [d for d in res["class_fraction"].dims if d not in ("K", "class")]
    r = res.mean(extra) if extra else res
    a = res.attrs
    lines = [
        f"# physical classes at beta_t = {fmt(a['beta'], 4)} ({a['dataset']}): owned when one training point "
        "carries > 1/2 of the softmax weight at the attractor, isolated when beta_t * Delta E >= 1 (lowest barrier "
        "to a neighbouring attractor, string method); memorized = isolated & owned, spurious = isolated & not owned, "
        "generalized = not isolated",
        "# fraction of samples ± s.e. over realizations [band: min-max over owning threshold 0.4/0.5/0.6 x "
        "beta*DeltaE threshold 1/2, 1, 2]" + (f" (averaged over {', '.join(extra)})" if extra else ""),
        f"{'K':>6} {'memorized':>23} {'spurious':>23} {'generalized':>23} {'attr.':>5} {'border':>6} {'tie':>5}"
        f"  {'beta*DeltaE 16/50/84 %':>22}  {'own weight 50 %':>15}",
    ]
    for i, K in enumerate(r["K"].values):
        row = r.isel(K=i)
        cells = [
            _cell(*(float(row[v].sel({"class": c})) for v in ("class_fraction", "class_fraction_error",
                                                               "class_fraction_low", "class_fraction_high")))
            for c in CLASSES
        ]  # fmt: skip
        bq = row["beta_barrier_quantiles"].values
        wq = row["own_weight_quantiles"].values
        lines.append(
            f"{int(K):>6} {cells[0]:>23} {cells[1]:>23} {cells[2]:>23} {float(row.n_attractors):>5.1f} "
            f"{float(row.n_borderline):>6.2f} {float(row.near_tie_fraction):>5.2f}  "
            f"{' / '.join(_g(float(v)) for v in bq):>22}  {_g(float(wq[1])):>15}"
        )
    lines.append(
        "# attr.: distinct attractors reached per realization; border: of them owned but not isolated (generalized); "
        "tie: fraction of samples on isolated attractors with owning weight in (1/2, 0.6] (merged pairs whose tie "
        "the other memories break: memorized at 1/2, spurious at 0.6)"
    )
    lines.append("# per attractor (each distinct attractor reached counted once): fraction [band]")
    lines.append(f"{'K':>6} {'memorized':>18} {'spurious':>18} {'generalized':>18}")
    for i, K in enumerate(r["K"].values):
        row = r.isel(K=i)
        f, lo, hi = (row[f"attractor_fraction{x}"] for x in ("", "_low", "_high"))
        cells = [f"{float(f.sel(sel)):.2f} [{float(lo.sel(sel)):.2f}-{float(hi.sel(sel)):.2f}]"
                 for sel in ({"class": c} for c in CLASSES)]  # fmt: skip
        lines.append(f"{int(K):>6} {cells[0]:>18} {cells[1]:>18} {cells[2]:>18}")
    curv = "curvature rule" if a.get("curvature_rule") else "the dataset's distance rule"
    lines.append(
        f"# the same samples by the paper's distance rule (delta_m = {a['delta_m']}, delta_s = {a['delta_s']} x data "
        f"scale) at the stop and after descent, and by {curv} (spread = {a.get('spread', 0):g}): mem / spur / gen"
    )
    lines.append(f"{'K':>6} {'paper, at the stop':>22} {'paper, after descent':>22} {curv:>22}")
    for i, K in enumerate(r["K"].values):
        row = r.isel(K=i)
        cols = [
            " / ".join(f"{float(row[v].sel({'class': c})):.2f}" for c in CLASSES)
            for v in ("paper_stop_fraction", "paper_descent_fraction", "fraction")
        ]
        lines.append(f"{int(K):>6} {cols[0]:>22} {cols[1]:>22} {cols[2]:>22}")
    kg = float(r["K_generalization_theory"])
    kb = r["K_generalization_theory_band"].values
    lines.append(
        f"# predicted: merging onset (pair rule, diffusion.spurious_onset) K = {fmt(float(r.K_onset_theory), 1)}, "
        f"half of the points own a minimum at K = {fmt(float(r.K_half_theory), 1)}; generalization onset "
        + (
            f"(diffusion.generalization_onset, half of the minima not isolated) K = {kg:.3g} [{kb[0]:.3g} at threshold "
            f"2, {kb[1]:.3g} at 1/2]"
            if np.isfinite(kg)
            else "(diffusion.generalization_onset): no prediction here"
        )
    )
    lines.append(
        f"# mean per realization: {float(r.n_not_minimum.mean()):.2f} end points not on a minimum, "
        f"{float(r.n_path_unconverged.mean()):.2f} minima whose lowest path did not converge"
    )
    return "\n".join(lines) + "\n# --- the rule the dataset was classified by ---\n" + base.table(res)


def plot(res: xr.Dataset, title: str = "") -> Any:
    """Four panels: samples and attractors by physical class (band), the other rules, barriers and weights per K."""
    if "minima_reached" in res:
        from amphase.analysis.diffusion import phase_figure

        return phase_figure.plot(res, title)
    if "class_fraction" not in res:
        return base.plot(res, title)
    from amphase.analysis.figures import new_figure

    extra = [d for d in res["class_fraction"].dims if d not in ("K", "class")]
    r = res.mean(extra) if extra else res
    fig = new_figure(15, 11.5)
    (ax1, ax2), (ax3, ax4) = fig.subplots(2, 2)
    K = r["K"].values
    colours = ("C0", "C3", "C2")
    for ax, name, what in ((ax1, "class", "samples"), (ax2, "attractor", "attractors reached")):
        for c, col in zip(CLASSES, colours, strict=True):
            sel = {"class": c}
            ax.fill_between(K, r[f"{name}_fraction_low"].sel(sel), r[f"{name}_fraction_high"].sel(sel), color=col,
                            alpha=0.18, lw=0)  # fmt: skip
            ax.errorbar(K, r[f"{name}_fraction"].sel(sel), yerr=r[f"{name}_fraction_error"].sel(sel).fillna(0),
                        marker="o", ms=4, capsize=2, color=col, label=c)  # fmt: skip
        _onsets(ax, r, K)
        ax.set(xscale="log", xlabel="K (training points)", ylabel=f"fraction of {what}", ylim=(-0.02, 1.02),
               title=f"physical classes, fraction of {what} (band: thresholds 0.4-0.6 x 1/2-2)")  # fmt: skip
        _ticks(ax, K)
    ax1.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    h, lab = ax2.get_legend_handles_labels()
    ax2.legend(h[-3:], lab[-3:], fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    own_rule = "curvature rule" if res.attrs.get("curvature_rule") else "dataset's rule"
    styles = (("paper_stop_fraction", ":", "paper's rule at the stop"),
              ("paper_descent_fraction", "--", "paper's rule after descent"), ("fraction", "-.", own_rule))  # fmt: skip
    for v, ls, label in styles:
        for c, col in zip(CLASSES, colours, strict=True):
            ax3.plot(K, r[v].sel({"class": c}), ls=ls, marker=".", color=col)
        ax3.plot([], [], ls=ls, color="k", label=label)
    for c, col in zip(CLASSES, colours, strict=True):
        ax3.plot([], [], color=col, lw=6, label=c)
    ax3.set(xscale="log", xlabel="K (training points)", ylabel="fraction of samples", ylim=(-0.02, 1.02),
            title="the same samples by the older rules")  # fmt: skip
    _ticks(ax3, K)
    ax3.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    q = r["beta_barrier_quantiles"]
    mid = q.sel(quantile=0.5).values
    show = np.where(np.isfinite(mid), mid, np.nan)
    ax4.fill_between(K, q.sel(quantile=0.16).clip(max=1e3), q.sel(quantile=0.84).clip(max=1e3), color="C1",
                     alpha=0.25, lw=0)  # fmt: skip
    ax4.plot(K, show, "o-", color="C1", label="beta_t x lowest barrier, median (16-84 % shaded)")
    ax4.axhspan(0.5, 2.0, color="0.85", zorder=0, label="isolation threshold 1/2-2")
    ax4.axhline(1.0, color="k", lw=0.8)
    ax4.set(xscale="log", yscale="log", xlabel="K (training points)", ylabel="beta_t x Delta E per attractor",
            title="what the classes rest on, per attractor")  # fmt: skip
    tw = ax4.twinx()
    w = r["own_weight_quantiles"]
    tw.plot(K, w.sel(quantile=0.5), "s--", color="C4", ms=4, label="owning weight, median (right axis)")
    tw.axhline(0.5, color="C4", lw=0.8, ls=":", label="owning threshold 1/2 (right axis)")
    tw.set(ylabel="largest softmax weight at the attractor", ylim=(0, 1.02))
    h1, l1 = ax4.get_legend_handles_labels()
    h2, l2 = tw.get_legend_handles_labels()
    _ticks(ax4, K)
    ax4.legend(h1 + h2, l1 + l2, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
    fig.suptitle(title or res.attrs.get("source_title", ""))
    return fig


def _ticks(ax: Any, K: np.ndarray) -> None:
    """K on a log axis labelled with the simulated values (powers of two), not 10^n."""
    from matplotlib.ticker import FixedLocator, NullLocator

    shown = K if len(K) <= 8 else K[::2]
    ax.xaxis.set_major_locator(FixedLocator(shown))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([str(int(k)) for k in shown])


def _onsets(ax: Any, r: xr.Dataset, K: np.ndarray) -> None:
    lo, hi = float(K.min()), float(K.max())
    lines = (("K_onset_theory", "--", "merging onset (pair rule)"),
             ("K_half_theory", "-.", "half the points merged (pair rule)"),
             ("K_generalization_theory", ":", "half the minima not isolated (barrier law)"))  # fmt: skip
    for name, ls, label in lines:
        v = float(r[name]) if name in r else math.nan
        if np.isfinite(v) and lo / 4 <= v <= hi * 4:
            ax.axvline(v, color="k", ls=ls, lw=1, label=f"{label}, K = {v:.3g}")
        if name == "K_generalization_theory" and np.isfinite(v):
            lo_b, hi_b = (float(x) for x in r["K_generalization_theory_band"].values)
            ax.axvspan(
                lo_b,
                hi_b,
                color="0.5",
                alpha=0.12,
                lw=0,
                label=f"its range for thresholds 2 to 1/2: {lo_b:.3g}-{hi_b:.3g}",
            )


#: what ``amphase compare`` runs on a dataset of the ``diffusion.exact`` model.
COMPARISON = Comparison(compare=compare, table=table, plot=plot, coords=True)
