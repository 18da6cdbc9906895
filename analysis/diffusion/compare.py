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
``K_onset``, ``K_peak``
    the theory (``diffusion.spurious_onset``, registered by another part of the project: called through
    :func:`amphase.theory.get` with the dataset's beta, dimension and manifold; NaN where it is not registered,
    has no solution, or takes other parameters) and the measured peak of the spurious fraction.
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


def predicted_onset(beta: float, d: int, dataset: str, even: bool = False) -> tuple[float, float]:
    r"""(K of onset, K of peak) of spurious attractors at inverse temperature ``beta``; NaN where no theory applies.

    Random points on the unit circle (d = 2) or sphere :math:`S^{d-1}`: ``K_onset`` and ``K_peak`` of
    ``diffusion.spurious_onset`` (manifold ``circle`` or ``sphere`` with ``n = d - 1``). Evenly spaced points on the
    unit circle: neighbours at chord :math:`2\sin(\pi/K)` merge below :math:`D_{merge} = \sqrt{2/\beta}`
    (``D_merge`` of the same quantity), so every point loses its own minimum at once, at
    :math:`K_{onset} = \pi / \arcsin(D_{merge}/2)`; there is no separate peak (NaN). Other data sets: NaN.
    """
    from amphase import theory

    if dataset not in ("circle", "sphere") or (even and dataset != "circle"):
        return math.nan, math.nan
    q = theory.get("diffusion.spurious_onset")
    n = 1 if dataset == "circle" else d - 1
    out = q(beta=beta, manifold=dataset, n=n)
    if even:
        half = out["D_merge"] / 2
        return (math.pi / math.asin(half) if half < 1 else math.nan), math.nan
    return out["K_onset"], out["K_peak"]


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
    dataset = str(_attr(ds, "dataset") or "circle")
    d = int({"circle": 2, "linear": 30, "digits": 64}.get(dataset, _attr(ds, "d") or 2))
    beta = float(_attr(ds, "beta")) if "beta" not in ds.dims else math.nan
    onset, peak_theory = (
        predicted_onset(beta, d, dataset, bool(_attr(ds, "even") or 0)) if math.isfinite(beta) else (math.nan, math.nan)
    )
    res["K_onset_theory"] = onset
    res["K_peak_theory"] = peak_theory
    spur = res["fraction"].sel({"class": "spurious"})
    res["K_peak"] = spur.idxmax("K") if bool((spur > 0).any()) else math.nan  # no spurious sample: no peak
    res.attrs.update(
        dataset=dataset,
        beta=beta,
        n_samples=int(_attr(ds, "n_samples") or -1),
        delta_m=float(_attr(ds, "delta_m") or math.nan),
        delta_s=float(_attr(ds, "delta_s") or math.nan),
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
    lines = [
        f"# {a['dataset']}, beta = {_f(a['beta'], 4)}, protocol {a['protocol']}, {a['n_samples']} samples per "
        f"realization, {a['realizations']} realizations; delta_m = {a['delta_m']}, delta_s = {a['delta_s']} "
        "(x data scale)",
        f"# fraction ± s.e.: {a['error_method']}" + (f" (averaged over {', '.join(extra)})" if extra else ""),
        f"{'K':>7} {'memorized':>14} {'spurious':>14} {'generalized':>14} {'spur. attr.':>11} {'unconv.':>8}",
    ]
    for i, K in enumerate(r["K"].values):
        row = r.isel(K=i)
        cells = [
            f"{_f(float(row.fraction.sel({'class': c})))}±{_f(float(row.fraction_error.sel({'class': c})))}"
            for c in CLASSES
        ]
        lines.append(
            f"{int(K):>7} {cells[0]:>14} {cells[1]:>14} {cells[2]:>14} "
            f"{_f(float(row.n_spurious_attractors), 1):>11} {_f(float(row.n_unconverged), 1):>8}"
        )
    lines.append(
        f"# spurious fraction peaks at K = {_f(float(r.K_peak), 0)}; predicted onset K = "
        f"{_f(float(r.K_onset_theory), 1)}, peak K = {_f(float(r.K_peak_theory), 1)} (diffusion.spurious_onset; nan: "
        "not available)"
    )
    return "\n".join(lines)


def plot(res: xr.Dataset, title: str = "") -> Any:
    """Fractions against K with error bars and the predicted onset and peak (vertical lines where available)."""
    from amphase.analysis.figures import new_figure

    extra = [dim for dim in res["fraction"].dims if dim not in ("K", "class")]
    r = res.mean(extra) if extra else res
    fig = new_figure(7, 4.5)
    ax = fig.subplots()
    K = r["K"].values
    for c, colour in zip(CLASSES, ("C0", "C3", "C2"), strict=True):
        ax.errorbar(K, r["fraction"].sel({"class": c}), yerr=r["fraction_error"].sel({"class": c}).fillna(0),
                    marker="o", capsize=2, color=colour, label=c)  # fmt: skip
    for name, style, label in (("K_onset_theory", "--", "predicted onset"), ("K_peak_theory", ":", "predicted peak")):
        v = float(r[name])
        if np.isfinite(v):
            ax.axvline(v, color="k", ls=style, label=label)
    ax.set(xscale="log", xlabel="K (training points)", ylabel="fraction of generated samples", ylim=(-0.02, 1.02))
    ax.legend()
    fig.suptitle(title or res.attrs.get("source_title", ""))
    return fig


#: what ``amphase compare`` runs on a dataset of the ``diffusion.exact`` model.
COMPARISON = Comparison(compare=compare, table=table, plot=plot)
