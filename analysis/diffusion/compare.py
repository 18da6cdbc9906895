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
``K_onset_theory``, ``K_peak_theory``, ``K_half_theory``, ``K_peak``
    the pair-rule theory (:func:`~amphase.analysis.diffusion.class_predictions.predicted_onset`:
    ``diffusion.spurious_onset`` for the circle and sphere,
    ``diffusion.gaussian_onset`` for the linear manifold, :func:`amphase.analysis.diffusion.onset.empirical_onset`
    on the 1797 images for the digits; with the dataset's beta, and its dimension read from the stored training
    points; NaN where no theory applies) and the measured peak of the spurious fraction;
``flat_fraction`` (class)
    the fraction of each class's samples whose end point has a near-flat energy direction (the curvature rule,
    :mod:`amphase.simulate.diffusion.curvature`; absent where the dataset was made without it, ``spread = 0``);
``lowest_eigenvalue`` (class), ``lowest_eigenvalue_error`` (class)
    the mean over stored end points of each class of the smallest Hessian eigenvalue of the energy there, and its
    standard error over realizations (the curvature spectra of memorized, spurious and generalized attractors);
``K_flat_theory``
    random points on the circle with the curvature rule: the K at which half of the ring's minima are flat
    (:func:`~amphase.analysis.diffusion.class_predictions.predicted_flat`; generalization by that rule);
``K_onset_delta_theory``, ``K_half_delta_theory``
    the same pair rule for the classifier's memorized label (:func:`amphase.analysis.diffusion.onset.memorized_onset`
    at ``delta = delta_m`` times the mean data scale): K of the first minimum displaced out of the memorized ball,
    K at which half of the points keep a minimum inside it (NaN for evenly spaced points and the mixture).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis.compare import Comparison
from amphase.analysis.diffusion.class_predictions import (
    memorized_prediction,
    pair_rule_prediction,
    predicted_flat,
)
from amphase.analysis.diffusion.classify import CLASSES
from amphase.analysis.statistics import wilson_interval
from amphase.analysis.tables import fmt
from amphase.dataset import fixed_param, without_fixed_coords
from amphase.errors import ParameterError

__all__ = ["COMPARISON", "compare", "plot", "table"]


def _attr(ds: xr.Dataset, name: str) -> Any:
    return fixed_param(ds, name, None)


def _data_dim(ds: xr.Dataset) -> int:
    """The data dimension, read from the dataset: coordinates used by the stored training points, else ``coord``."""
    if "train_x" in ds and ds["train_x"].sizes.get("train_point", 0) > 0:
        tx = ds["train_x"]
        used = np.isfinite(tx).any([dim for dim in tx.dims if dim != "coord"]).values
        if used.any():
            return int(np.nonzero(used)[0].max()) + 1
    if "coord" in ds.sizes:
        return int(ds.sizes["coord"])
    return int(_attr(ds, "d") or 2)


def _spectra(ds: xr.Dataset, fraction: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    """Curvature spectrum per class, at the K where the class holds the largest fraction of samples.

    Quantiles 0.16 / 0.5 / 0.84 of each sorted eigenvalue over the stored end points of the class; NaN for a class
    that no sample reached.
    """
    n_eig = ds.sizes["coord"]
    out = np.full((len(CLASSES), 3, n_eig), np.nan)
    at = np.full(len(CLASSES), np.nan)
    for ci, c in enumerate(CLASSES):
        f = fraction.sel({"class": c})
        if not bool((f > 0).any()):
            continue
        k = int(f.argmax("K"))
        ev = ds["sample_eig"].isel(K=k).where(ds["sample_class"].isel(K=k) == ci)
        rows = ev.transpose("realization", "sample", "coord").values.reshape(-1, n_eig)
        rows = rows[np.isfinite(rows).any(axis=1)]
        if len(rows):
            cols = np.isfinite(rows).any(axis=0)
            out[ci, :, cols] = np.nanquantile(rows[:, cols], [0.16, 0.5, 0.84], axis=0).T
            at[ci] = float(ds["K"][k])
    spectrum = xr.DataArray(
        out,
        dims=("class", "quantile", "eigenvalue_index"),
        coords={"class": list(CLASSES), "quantile": [0.16, 0.5, 0.84], "eigenvalue_index": np.arange(1, n_eig + 1)},
        attrs={"long_name": "Hessian eigenvalues of the energy at end points of the class (ascending), quantiles"},
    )
    return spectrum, xr.DataArray(at, dims=("class",), attrs={"long_name": "K at which the spectrum is taken"})


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
    if "sample_eig" in ds and set(ds["sample_eig"].dims) == {"K", "realization", "sample", "coord"}:
        res["spectrum"], res["spectrum_K"] = _spectra(ds, res["fraction"])
    dataset = str(_attr(ds, "dataset") or "circle")
    d = _data_dim(ds)
    beta = float(_attr(ds, "beta")) if "beta" not in ds.dims else math.nan
    even = bool(_attr(ds, "even") or 0)
    onset, peak_theory, half = pair_rule_prediction(beta, d, dataset, even) if math.isfinite(beta) else (math.nan,) * 3
    res["K_onset_theory"] = onset
    res["K_peak_theory"] = peak_theory
    res["K_half_theory"] = half
    res["K_flat_theory"] = predicted_flat(beta, dataset, even, spread) if math.isfinite(beta * spread) else math.nan
    delta = float(_attr(ds, "delta_m") or math.nan) * (float(ds["data_scale"].mean()) if "data_scale" in ds else 1.0)
    mem = (math.nan, math.nan)
    if math.isfinite(beta) and delta > 0 and not even:
        mem = memorized_prediction(beta, d, dataset, delta)
    res["K_onset_delta_theory"], res["K_half_delta_theory"] = mem
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
    return without_fixed_coords(res, ds)


def table(res: xr.Dataset) -> str:
    """The comparison as text (one line per K; other grid dimensions, if any, are averaged in the display)."""
    a = res.attrs
    extra = [dim for dim in res["fraction"].dims if dim not in ("K", "class")]
    r = res.mean(extra) if extra else res
    curv = "lowest_eigenvalue" in r
    spread = a.get("spread", math.nan)
    lines = [
        f"# {a['dataset']}, beta = {fmt(a['beta'], 4)}, protocol {a['protocol']}, {a['n_samples']} samples per "
        f"realization, {a['realizations']} realizations; delta_m = {a['delta_m']}, delta_s = {a['delta_s']} "
        "(x data scale)" + (f"; curvature rule: spread = {spread:g}" if spread > 0 else ""),
        f"# fraction ± s.e.: {a['error_method']}" + (f" (averaged over {', '.join(extra)})" if extra else ""),
        f"{'K':>7} {'memorized':>14} {'spurious':>14} {'generalized':>14} {'spur. attr.':>11} {'unconv.':>8}"
        + ("   lowest Hessian eigenvalue: mem / spur / gen" if curv else ""),
    ]
    for i, K in enumerate(r["K"].values):
        row = r.isel(K=i)
        cells = [
            f"{fmt(float(row.fraction.sel({'class': c})), 3)}±{fmt(float(row.fraction_error.sel({'class': c})), 3)}"
            for c in CLASSES
        ]
        line = (
            f"{int(K):>7} {cells[0]:>14} {cells[1]:>14} {cells[2]:>14} "
            f"{fmt(float(row.n_spurious_attractors), 1):>11} {fmt(float(row.n_unconverged), 1):>8}"
        )
        if curv:
            line += "   " + " / ".join(
                fmt(float(row.lowest_eigenvalue.sel({"class": c})), 3, style="g", nan="-") for c in CLASSES
            )
        lines.append(line)
    half = float(r.K_half_theory) if "K_half_theory" in r else math.nan
    lines.append(
        f"# spurious fraction peaks at K = {fmt(float(r.K_peak), 0)}; pair rule: onset K = "
        f"{fmt(float(r.K_onset_theory), 1)}, peak of own minima K = {fmt(float(r.K_peak_theory), 1)}, half of the "
        f"points own a minimum at K = {fmt(half, 1)} (predicted_onset; nan: the pair rule predicts none for this data "
        "set or spacing)"
    )
    if "K_onset_delta_theory" in r:
        lines.append(
            f"# pair rule for the memorized label (minimum displaced beyond delta_m x scale): first displaced minimum "
            f"K = {fmt(float(r.K_onset_delta_theory), 1)}, half of the points memorized at K = "
            f"{fmt(float(r.K_half_delta_theory), 1)}"
        )
    if "spectrum" in r:
        lam = float(r["lam_flat"].max()) if "lam_flat" in r else math.nan
        for c in CLASSES:
            med = r["spectrum"].sel({"class": c, "quantile": 0.5}).values
            med = med[np.isfinite(med)]
            if len(med):
                flat = f", {int((np.abs(med) <= lam).sum())} below the flat threshold" if lam > 0 else ""
                lines.append(
                    f"# curvature spectrum of {c} end points at K = {int(r['spectrum_K'].sel({'class': c}))} (median "
                    f"over end points, ascending): {' '.join(fmt(float(v), 3, style='g', nan='-') for v in med[:8])}"
                    + (" ..." if len(med) > 8 else "")
                    + flat
                )
    if "K_flat_theory" in r and np.isfinite(float(r.K_flat_theory)):
        lines.append(
            f"# curvature rule: half of the ring minima flat at K = {fmt(float(r.K_flat_theory), 0)} "
            "(diffusion.spurious_onset K_flat; counts minima, sampled end points run ahead of it)"
        )
    return "\n".join(lines + _column_notes(r, a))


def _column_notes(r: xr.Dataset, a: Mapping[str, Any]) -> list[str]:
    """What the columns ``spur. attr.`` and ``unconv.`` count, and which rows rest on unconverged descents."""
    notes = [
        "# spur. attr.: distinct spurious attractors per realization; unconv.: samples per realization whose descent "
        "to a minimum stopped at max_steps before converging (their classes describe where they stopped, not an "
        "attractor)"
    ]
    n = float(a.get("n_samples", math.nan))
    unconv = np.asarray(r["n_unconverged"].values, dtype=float)
    if np.isfinite(n) and n > 0:
        bad = [int(K) for K, u in zip(r["K"].values, unconv, strict=True) if u >= 0.5 * n]
        if bad:
            notes.append(
                f"# warning: at K = {', '.join(map(str, bad))} half or more of the samples are unconverged: those "
                "rows' fractions are not classes of attractors; raise max_steps (or tol) and run again"
            )
    return notes


def plot(res: xr.Dataset, title: str = "") -> Any:
    """Fractions against K with error bars and the predicted K (vertical lines); beside it, the curvature per class.

    Right panel (where the dataset has curvature spectra): the mean smallest Hessian eigenvalue of the energy at the
    end points of each class against K, with the flat threshold of the curvature rule where it was used.
    """
    from amphase.analysis.figures import new_figure

    extra = [dim for dim in res["fraction"].dims if dim not in ("K", "class")]
    r = res.mean(extra) if extra else res
    curv = "lowest_eigenvalue" in r
    spec = "spectrum" in r and bool(np.isfinite(r["spectrum"]).any())
    fig = new_figure(19 if spec else 15 if curv else 10, 5.5)
    axes = fig.subplots(1, 1 + int(curv) + int(spec), squeeze=False)[0]
    ax = axes[0]
    K = r["K"].values
    colours = ("C0", "C3", "C2")
    for c, colour in zip(CLASSES, colours, strict=True):
        ax.errorbar(K, r["fraction"].sel({"class": c}), yerr=r["fraction_error"].sel({"class": c}).fillna(0),
                    marker="o", capsize=2, color=colour, label=c)  # fmt: skip
    lines = (
        ("K_onset_theory", "--", "predicted onset (pair rule)"),
        ("K_peak_theory", ":", "predicted peak of own minima"),
        ("K_half_theory", "-.", "predicted half own minima"),
        ("K_onset_delta_theory", "--", "first minimum displaced beyond delta_m"),
        ("K_half_delta_theory", "-.", "half memorized (delta_m)"),
        ("K_flat_theory", (0, (5, 1, 1, 1, 1, 1)), "half the ring minima flat (curvature)"),
    )
    lo, hi = float(K.min()), float(K.max())
    for name, style, label in lines:
        v = float(r[name]) if name in r else math.nan
        colour = "0.55" if "delta" in name else "C2" if "flat" in name else "k"
        if np.isfinite(v) and lo / 4 <= v <= hi * 4:
            ax.axvline(v, color=colour, ls=style, label=f"{label}, K = {v:.3g}")
        elif np.isfinite(v):  # far off the K range: named in the legend, not drawn
            ax.plot([], [], color=colour, ls=style, label=f"{label}, K = {v:.3g} (off the axis)")
    ax.set(xscale="log", xlabel="K (training points)", ylabel="fraction of generated samples", ylim=(-0.02, 1.02))
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
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
                ylabel="smallest |Hessian eigenvalue| at end points")  # fmt: skip
        ax2.legend(fontsize="small")
    if spec:
        ax3 = axes[-1]
        for c, colour in zip(CLASSES, colours, strict=True):
            q = r["spectrum"].sel({"class": c})
            if not bool(np.isfinite(q).any()):
                continue
            idx = r["eigenvalue_index"].values
            k = int(r["spectrum_K"].sel({"class": c}))
            med = q.sel(quantile=0.5).values
            if len(idx) > 4:  # a spectrum: a line with its band
                ax3.plot(idx, med, marker="o", ms=3, color=colour, label=f"{c} (K = {k})")
                ax3.fill_between(idx, q.sel(quantile=0.16), q.sel(quantile=0.84), color=colour, alpha=0.2)
            else:  # a few eigenvalues: points with their 16-84 % range, side by side
                shift = 0.08 * (CLASSES.index(c) - 1)
                err = np.abs(np.vstack([med - q.sel(quantile=0.16).values, q.sel(quantile=0.84).values - med]))
                ax3.errorbar(idx + shift, med, yerr=err, fmt="o", capsize=3, color=colour, label=f"{c} (K = {k})")
                ax3.set_xticks(idx)
        lam = float(r["lam_flat"].max()) if "lam_flat" in r else math.nan
        if lam > 0:
            ax3.axhline(lam, color="k", ls="--", lw=1)
        ax3.axhline(2.0, color="0.6", lw=0.8)
        ax3.set(xlabel="eigenvalue index (ascending)", ylabel="Hessian eigenvalue (median, 16-84 %)",
                title="curvature spectra where each class is largest")  # fmt: skip
        ax3.legend(fontsize="small")
    fig.suptitle(title or res.attrs.get("source_title", ""))
    return fig


#: what ``amphase compare`` runs on a dataset of the ``diffusion.exact`` model.
COMPARISON = Comparison(compare=compare, table=table, plot=plot, coords=True)
