r"""Memorized / spurious / generalized fractions against K (``diffusion.exact`` datasets), with the predicted onset.

:func:`compare` takes a dataset of ``amphase run`` with model ``diffusion.exact`` and K as a grid dimension (any
other grid dimension, e.g. ``beta``, is kept) and returns, per K:

``fraction`` (class)
    the mean over realizations of each realization's fraction of samples in the class;
``fraction_error`` (class)
    its standard error, the standard deviation over realizations divided by :math:`\sqrt R`. Samples of one
    realization share its training set and are not independent (they fall into the same few attractors), so a
    binomial interval on the pooled counts would understate the error; the spread over independent training sets
    is the honest one. With a single realization the error falls back to the Wilson interval (half-width, z = 1) on
    its counts (:func:`amphase.analysis.statistics.wilson_interval`), which counts samples as independent and is
    marked by the attribute ``error_method``;
``pooled_low``, ``pooled_high`` (class)
    the Wilson interval on the pooled counts, for reference;
``n_spurious_attractors``, ``n_memorized_points``, ``n_unconverged``
    means over realizations;
``flat_fraction`` (class)
    the fraction of each class's samples whose end point has a near-flat energy direction (the curvature rule,
    :mod:`amphase.analysis.diffusion.curvature`; NaN where the dataset was made without it, ``spread = 0``);
``lowest_eigenvalue`` (class), ``lowest_eigenvalue_error`` (class)
    the mean over stored end points of each class of the smallest Hessian eigenvalue of the energy there, and its
    standard error over realizations (the curvature spectra of memorized, spurious and generalized attractors);
``K_onset_theory``, ``K_peak_theory``, ``K_flat_theory``, ``K_peak``
    the theory (``diffusion.spurious_onset``, called through :func:`amphase.theory.get` with the dataset's beta,
    dimension, manifold and ``spread``; NaN where no theory applies): the K where merged pairs (spurious minima)
    appear, where the points' own minima peak, and where half of the ring's minima are flat (generalization by the
    curvature rule); and the measured peak of the spurious fraction.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis.compare import Comparison
from amphase.analysis.diffusion.classify import CLASSES
from amphase.analysis.statistics import wilson_interval
from amphase.errors import ParameterError

__all__ = ["COMPARISON", "compare", "plot", "predicted_onset", "table"]


def predicted_onset(
    beta: float, d: int, dataset: str, even: bool = False, spread: float = 0.0
) -> tuple[float, float, float]:
    r"""(K of onset, K of peak, K of flat minima) at inverse temperature ``beta``; NaN where no theory applies.

    Random points on the unit circle (d = 2) or sphere :math:`S^{d-1}`: ``K_onset`` and ``K_peak`` of
    ``diffusion.spurious_onset`` (manifold ``circle`` or ``sphere`` with ``n = d - 1``). Evenly spaced points on the
    unit circle: neighbours at chord :math:`2\sin(\pi/K)` merge below :math:`D_{merge} = \sqrt{2/\beta}`
    (``D_merge`` of the same quantity), so every point loses its own minimum at once, at
    :math:`K_{onset} = \pi / \arcsin(D_{merge}/2)`; there is no separate peak (NaN). Other data sets: NaN. The third
    value, for random points on the circle and ``spread > 0``, is ``K_flat`` of the same quantity: where half of the
    ring's minima count as flat by the curvature rule (NaN otherwise; evenly spaced points flatten exponentially fast
    once merged, at the onset).
    """
    from amphase import theory

    if dataset not in ("circle", "sphere") or (even and dataset != "circle"):
        return math.nan, math.nan, math.nan
    q = theory.get("diffusion.spurious_onset")
    n = 1 if dataset == "circle" else d - 1
    out = q(beta=beta, manifold=dataset, n=n, spread=spread if spread > 0 else 1.0)
    if even:
        half = out["D_merge"] / 2
        return (math.pi / math.asin(half) if half < 1 else math.nan), math.nan, math.nan
    return out["K_onset"], out["K_peak"], (out["K_flat"] if spread > 0 else math.nan)


def _attr(ds: xr.Dataset, name: str) -> Any:
    return ds.attrs.get(f"param_{name}")


def compare(ds: xr.Dataset) -> xr.Dataset:
    """The fractions per class against K (module docstring)."""
    if "count" not in ds:
        raise ParameterError("the dataset lacks the variable count that a diffusion.exact comparison needs")
    if "K" not in ds.dims:
        raise ParameterError("a diffusion.exact comparison needs K as a grid dimension")
    count = ds["count"].where(ds["count"] >= 0)
    total = count.sum("class")
    frac = count / total
    R = int(frac.sizes["realization"])
    res = xr.Dataset()
    res["fraction"] = frac.mean("realization")
    pooled = count.sum("realization")
    lo, hi = wilson_interval(pooled.values, pooled.sum("class").values[..., None] * np.ones(len(CLASSES)))
    res["pooled_low"] = (pooled.dims, lo)
    res["pooled_high"] = (pooled.dims, hi)
    if R > 1:
        res["fraction_error"] = frac.std("realization", ddof=1) / math.sqrt(R)
        method = "standard deviation over realizations / sqrt(R)"
    else:
        res["fraction_error"] = (res["pooled_high"] - res["pooled_low"]) / 2
        method = "Wilson half-width on one realization's counts (samples counted as independent)"
    for v in ("n_spurious_attractors", "n_memorized_points", "n_unconverged"):
        a = ds[v].where(ds[v] >= 0).astype(float)
        res[v] = a.mean("realization")
    spread = float(_attr(ds, "spread") or 0.0) if "spread" not in ds.dims else math.nan
    if "flat_count" in ds and (spread > 0 or "spread" in ds.dims):
        res["flat_fraction"] = (ds["flat_count"].where(ds["flat_count"] >= 0).sum("realization") / pooled).where(
            pooled > 0
        )
    if "sample_eig" in ds:
        lowest = ds["sample_eig"].min("coord")  # NaN-skipping: the smallest eigenvalue per stored end point
        per = xr.concat(
            [lowest.where(ds["sample_class"] == c).mean("sample") for c in range(len(CLASSES))], dim="class"
        ).assign_coords({"class": list(CLASSES)})
        res["lowest_eigenvalue"] = per.mean("realization")
        n_r = per.notnull().sum("realization")
        res["lowest_eigenvalue_error"] = (per.std("realization", ddof=1) / np.sqrt(n_r)).where(n_r > 1)
    if "lam_flat" in ds:
        res["lam_flat"] = ds["lam_flat"].mean("realization")
    dataset = str(_attr(ds, "dataset") or "circle")
    d = int({"circle": 2, "linear": 30, "digits": 64}.get(dataset, _attr(ds, "d") or 2))
    beta = float(_attr(ds, "beta")) if "beta" not in ds.dims else math.nan
    onset, peak_theory, flat_theory = (
        predicted_onset(beta, d, dataset, bool(_attr(ds, "even") or 0), spread if math.isfinite(spread) else 0.0)
        if math.isfinite(beta)
        else (math.nan, math.nan, math.nan)
    )
    res["K_onset_theory"] = onset
    res["K_peak_theory"] = peak_theory
    res["K_flat_theory"] = flat_theory
    spur = res["fraction"].sel({"class": "spurious"})
    res["K_peak"] = spur.idxmax("K") if bool((spur > 0).any()) else math.nan  # no spurious sample: no peak
    res.attrs.update(
        dataset=dataset,
        beta=beta,
        n_samples=int(_attr(ds, "n_samples") or -1),
        delta_m=float(_attr(ds, "delta_m") or math.nan),
        delta_s=float(_attr(ds, "delta_s") or math.nan),
        spread=spread,
        protocol=str(_attr(ds, "protocol") or ""),
        realizations=R,
        error_method=method,
        source_title=ds.attrs.get("title", ""),
    )
    return res


def _f(v: float, digits: int = 3) -> str:
    return "nan" if not np.isfinite(v) else f"{v:.{digits}f}"


def table(res: xr.Dataset) -> str:
    """The comparison as text (one line per K; other grid dimensions, if any, are averaged in the display)."""
    a = res.attrs
    extra = [dim for dim in res["fraction"].dims if dim not in ("K", "class")]
    r = res.mean(extra) if extra else res
    curv = "lowest_eigenvalue" in r
    spread = a.get("spread", math.nan)
    lines = [
        f"# {a['dataset']}, beta = {_f(a['beta'], 4)}, protocol {a['protocol']}, {a['n_samples']} samples per "
        f"realization, {a['realizations']} realizations; delta_m = {a['delta_m']}, delta_s = {a['delta_s']} "
        "(x data scale)" + (f"; curvature rule: spread = {spread:g}" if spread > 0 else ""),
        f"# fraction ± s.e.: {a['error_method']}" + (f" (averaged over {', '.join(extra)})" if extra else ""),
        f"{'K':>7} {'memorized':>14} {'spurious':>14} {'generalized':>14} {'spur. attr.':>11} {'unconv.':>8}"
        + ("   lowest Hessian eigenvalue: mem / spur / gen" if curv else ""),
    ]
    for i, K in enumerate(r["K"].values):
        row = r.isel(K=i)
        cells = [
            f"{_f(float(row.fraction.sel({'class': c})))}±{_f(float(row.fraction_error.sel({'class': c})))}"
            for c in CLASSES
        ]
        line = (
            f"{int(K):>7} {cells[0]:>14} {cells[1]:>14} {cells[2]:>14} "
            f"{_f(float(row.n_spurious_attractors), 1):>11} {_f(float(row.n_unconverged), 1):>8}"
        )
        if curv:
            line += "   " + " / ".join(_g(float(row.lowest_eigenvalue.sel({"class": c}))) for c in CLASSES)
        lines.append(line)
    lines.append(
        f"# spurious fraction peaks at K = {_f(float(r.K_peak), 0)}; predicted onset K = "
        f"{_f(float(r.K_onset_theory), 1)}, own-minima peak K = {_f(float(r.K_peak_theory), 1)}"
        + (f", half the ring minima flat at K = {_f(float(r.K_flat_theory), 0)}" if "K_flat_theory" in r else "")
        + " (diffusion.spurious_onset; nan: not available)"
    )
    return "\n".join(lines)


def _g(v: float) -> str:
    return "-" if not np.isfinite(v) else f"{v:.3g}"


def plot(res: xr.Dataset, title: str = "") -> Any:
    """Fractions against K with error bars and the predicted K (vertical lines); beside it, the curvature per class.

    Right panel (where the dataset has curvature spectra): the mean smallest Hessian eigenvalue of the energy at the
    end points of each class against K, with the flat threshold of the curvature rule where it was used.
    """
    from amphase.analysis.figures import new_figure

    extra = [dim for dim in res["fraction"].dims if dim not in ("K", "class")]
    r = res.mean(extra) if extra else res
    curv = "lowest_eigenvalue" in r
    fig = new_figure(12 if curv else 7, 4.5)
    axes = fig.subplots(1, 2 if curv else 1, squeeze=False)[0]
    ax = axes[0]
    K = r["K"].values
    colours = ("C0", "C3", "C2")
    for c, colour in zip(CLASSES, colours, strict=True):
        ax.errorbar(K, r["fraction"].sel({"class": c}), yerr=r["fraction_error"].sel({"class": c}).fillna(0),
                    marker="o", capsize=2, color=colour, label=c)  # fmt: skip
    lines = (
        ("K_onset_theory", "--", "predicted onset (merged pairs)"),
        ("K_peak_theory", ":", "predicted peak of own minima"),
        ("K_flat_theory", "-.", "predicted: half the ring minima flat"),
    )
    for name, style, label in lines:
        v = float(r[name]) if name in r else math.nan
        if np.isfinite(v):
            ax.axvline(v, color="k", ls=style, label=label)
    ax.set(xscale="log", xlabel="K (training points)", ylabel="fraction of generated samples", ylim=(-0.02, 1.02))
    ax.legend(fontsize="small")
    if curv:
        ax2 = axes[1]
        for c, colour in zip(CLASSES, colours, strict=True):
            y = r["lowest_eigenvalue"].sel({"class": c})
            err = r["lowest_eigenvalue_error"].sel({"class": c}).fillna(0)
            ax2.errorbar(K, np.abs(y), yerr=err, marker="o", capsize=2, color=colour, label=c)
        lam = float(r["lam_flat"].max()) if "lam_flat" in r else math.nan
        if lam > 0:
            ax2.axhline(lam, color="k", ls="--", label="flat threshold of the curvature rule")
        ax2.set(xscale="log", yscale="log", xlabel="K (training points)",
                ylabel="|smallest Hessian eigenvalue| at the end point")  # fmt: skip
        ax2.legend(fontsize="small")
    fig.suptitle(title or res.attrs.get("source_title", ""))
    return fig


#: what ``amphase compare`` runs on a dataset of the ``diffusion.exact`` model.
COMPARISON = Comparison(compare=compare, table=table, plot=plot)
