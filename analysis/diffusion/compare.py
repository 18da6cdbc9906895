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
    the pair-rule theory (:func:`predicted_onset`: ``diffusion.spurious_onset`` for the circle and sphere,
    ``diffusion.gaussian_onset`` for the linear manifold, :func:`amphase.analysis.diffusion.onset.empirical_onset`
    on the 1797 images for the digits; with the dataset's beta, and its dimension read from the stored training
    points; NaN where no theory applies) and the measured peak of the spurious fraction;
``K_onset_delta_theory``, ``K_half_delta_theory``
    the same pair rule for the classifier's memorized label (:func:`amphase.analysis.diffusion.onset.memorized_onset`
    at ``delta = delta_m`` times the mean data scale): K of the first minimum displaced out of the memorized ball,
    K at which half of the points keep a minimum inside it (NaN for evenly spaced points and the mixture).
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

__all__ = ["COMPARISON", "compare", "plot", "predicted_half", "predicted_onset", "table"]


def predicted_onset(beta: float, d: int, dataset: str, even: bool = False) -> tuple[float, float]:
    r"""(K of onset, K of peak) of spurious attractors at inverse temperature ``beta``; NaN where no theory applies.

    All from the pair rule (:func:`amphase.theory.lse_landscape.pair_rule_onset`; :func:`predicted_half` gives its
    ``K_half``):

    * random points on the unit circle (d = 2) or sphere :math:`S^{d-1}`: ``K_onset`` and ``K_peak`` of
      ``diffusion.spurious_onset`` (manifold ``circle`` or ``sphere`` with ``n = d - 1``);
    * evenly spaced points on the unit circle: neighbours at chord :math:`2\sin(\pi/K)` merge below
      :math:`D_{merge} = \sqrt{2/\beta}` (``D_merge`` of the same quantity), so every point loses its own minimum
      at once, at :math:`K_{onset} = \pi / \arcsin(D_{merge}/2)`; there is no separate peak (NaN);
    * ``linear``: ``diffusion.gaussian_onset`` with the direction groups of the model's linear manifold
      (:data:`amphase.simulate.diffusion.data.LINEAR_GROUPS`; exact pair probability);
    * ``digits``: :func:`amphase.analysis.diffusion.onset.empirical_onset` on the 1797 images as the population
      the training points are drawn from (exact pair probability; NaN without scikit-learn);
    * other data sets (the mixture, whose centres change with the realization): NaN.
    """
    onset, peak, _ = _prediction(beta, d, dataset, even)
    return onset, peak


def predicted_half(beta: float, d: int, dataset: str, even: bool = False) -> float:
    """``K_half`` of the pair rule (half of the points keep their own minimum) for :func:`predicted_onset`'s cases.

    NaN for evenly spaced points (all lose it at once, at ``K_onset``) and where no theory applies.
    """
    return _prediction(beta, d, dataset, even)[2]


def _prediction(beta: float, d: int, dataset: str, even: bool) -> tuple[float, float, float]:
    from amphase import theory

    nan = (math.nan, math.nan, math.nan)
    if even and dataset != "circle":
        return nan
    if dataset in ("circle", "sphere"):
        n = 1 if dataset == "circle" else d - 1
        out = theory.get("diffusion.spurious_onset")(beta=beta, manifold=dataset, n=n)
        if even:
            half = out["D_merge"] / 2
            return (math.pi / math.asin(half) if half < 1 else math.nan), math.nan, math.nan
        return out["K_onset"], out["K_peak"], out["K_half"]
    if dataset == "linear":
        from amphase.simulate.diffusion.data import LINEAR_GROUPS

        if len(LINEAR_GROUPS) > 3:
            return nan
        kw: dict[str, float] = {}
        for i, (n_dir, std) in enumerate([*LINEAR_GROUPS, (0, 0.0), (0, 0.0)][:3], start=1):
            kw[f"n{i}"], kw[f"s{i}"] = n_dir, std
        out = theory.get("diffusion.gaussian_onset")(beta=beta, **kw)
        return out["K_onset"], out["K_peak"], out["K_half"]
    if dataset == "digits":
        import importlib.util

        if importlib.util.find_spec("sklearn") is None:
            return nan
        from amphase.analysis.diffusion.onset import empirical_onset
        from amphase.simulate.diffusion.data import digits

        e = empirical_onset(digits(), beta, population=True)
        return e.K_onset, e.K_peak, e.K_half
    return nan


def _attr(ds: xr.Dataset, name: str) -> Any:
    return ds.attrs.get(f"param_{name}")


def _memorized_prediction(beta: float, d: int, dataset: str, delta: float) -> tuple[float, float]:
    import importlib.util

    from amphase.analysis.diffusion.onset import memorized_onset

    if dataset not in ("circle", "sphere", "linear", "digits") or (
        dataset == "digits" and importlib.util.find_spec("sklearn") is None
    ):
        return math.nan, math.nan
    out = memorized_onset(dataset, beta, delta, d)
    return out.K_onset, out.K_half


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
    d = _data_dim(ds)
    beta = float(_attr(ds, "beta")) if "beta" not in ds.dims else math.nan
    onset, peak_theory, half = (
        _prediction(beta, d, dataset, bool(_attr(ds, "even") or 0)) if math.isfinite(beta) else (math.nan,) * 3
    )
    res["K_onset_theory"] = onset
    res["K_peak_theory"] = peak_theory
    res["K_half_theory"] = half
    delta = float(_attr(ds, "delta_m") or math.nan) * (float(ds["data_scale"].mean()) if "data_scale" in ds else 1.0)
    mem = (math.nan, math.nan)
    if math.isfinite(beta) and delta > 0 and not bool(_attr(ds, "even") or 0):
        mem = _memorized_prediction(beta, d, dataset, delta)
    res["K_onset_delta_theory"], res["K_half_delta_theory"] = mem
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
    half = float(r.K_half_theory) if "K_half_theory" in r else math.nan
    lines.append(
        f"# spurious fraction peaks at K = {_f(float(r.K_peak), 0)}; pair rule: onset K = "
        f"{_f(float(r.K_onset_theory), 1)}, peak of own minima K = {_f(float(r.K_peak_theory), 1)}, half of the "
        f"points own a minimum at K = {_f(half, 1)} (predicted_onset; nan: not available)"
    )
    if "K_onset_delta_theory" in r:
        lines.append(
            f"# pair rule for the memorized label (minimum displaced beyond delta_m x scale): first displaced minimum "
            f"K = {_f(float(r.K_onset_delta_theory), 1)}, half of the points memorized at K = "
            f"{_f(float(r.K_half_delta_theory), 1)}"
        )
    return "\n".join(lines)


def plot(res: xr.Dataset, title: str = "") -> Any:
    """Fractions against K with error bars and the predicted onset and peak (vertical lines where available)."""
    from amphase.analysis.figures import new_figure

    extra = [dim for dim in res["fraction"].dims if dim not in ("K", "class")]
    r = res.mean(extra) if extra else res
    fig = new_figure(10, 4.5)
    ax = fig.subplots()
    K = r["K"].values
    for c, colour in zip(CLASSES, ("C0", "C3", "C2"), strict=True):
        ax.errorbar(K, r["fraction"].sel({"class": c}), yerr=r["fraction_error"].sel({"class": c}).fillna(0),
                    marker="o", capsize=2, color=colour, label=c)  # fmt: skip
    lines = (
        ("K_onset_theory", "--", "predicted onset (pair rule)"),
        ("K_peak_theory", ":", "predicted peak of own minima"),
        ("K_half_theory", "-.", "predicted half own minima"),
        ("K_onset_delta_theory", "--", "first minimum displaced beyond delta_m"),
        ("K_half_delta_theory", "-.", "half memorized (delta_m)"),
    )
    lo, hi = float(K.min()), float(K.max())
    for name, style, label in lines:
        v = float(r[name]) if name in r else math.nan
        colour = "0.55" if "delta" in name else "k"
        if np.isfinite(v) and lo / 4 <= v <= hi * 4:
            ax.axvline(v, color=colour, ls=style, label=f"{label}, K = {v:.3g}")
        elif np.isfinite(v):  # far off the K range: named in the legend, not drawn
            ax.plot([], [], color=colour, ls=style, label=f"{label}, K = {v:.3g} (off the axis)")
    ax.set(xscale="log", xlabel="K (training points)", ylabel="fraction of generated samples", ylim=(-0.02, 1.02))
    ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.suptitle(title or res.attrs.get("source_title", ""))
    return fig


#: what ``amphase compare`` runs on a dataset of the ``diffusion.exact`` model.
COMPARISON = Comparison(compare=compare, table=table, plot=plot)
