r"""``diffusion.trained`` datasets: memorized / spurious / generalized fractions against K, network beside exact score.

:func:`compare` gives, per K (other grid dimensions averaged in the table) and per score (``network``, ``exact``):

``fraction`` (score, class), ``fraction_error``
    the paper's rule at the dataset's thresholds (:math:`\delta_m`, :math:`\delta_s` in units of the data's
    nearest-neighbour scale :math:`\ell_{nn}`), mean over training seeds and its standard error (spread / √R);
``fraction_low``, ``fraction_high`` (score, class)
    the sensitivity band: the smallest and largest mean fraction when both thresholds are halved or doubled
    (recomputed from the stored distances ``d1``, ``d_gen``);
``ratio_fraction`` (score), ``ratio_fraction_error``
    Bonnaire et al.'s memorized fraction (:math:`d_1/d_2 < 1/3`) ± s.e.;
``final_loss``
    the mean training loss over the last tenth of the steps (``train_seconds``, mean wall time of training, where
    the dataset holds it).

What the rules measure. Both look at pixel distances of the samples themselves (no descent). Exact-score samples end
on training images (the DDPM's last step returns the exact denoiser, which at :math:`\bar\alpha_1 = 1 - 10^{-4}` is a
training image to within :math:`10^{-2}` of a pixel), so the exact score is memorized at every K by both rules: it
is the reference a trained network departs from. Distances are pixel L2; :func:`reclassify` takes any
``metric(a, b) -> (n, m)`` (a feature metric such as LPIPS is the user's to plug in: its weights cannot be fetched
here).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis.compare import Comparison
from amphase.analysis.tables import pm
from amphase.dataset import fixed_param, without_fixed_coords
from amphase.simulate.diffusion.classify import CLASSES
from amphase.simulate.diffusion.trained import RATIO, SCORES, rules, two_nearest

__all__ = ["COMPARISON", "compare", "plot", "reclassify", "table"]

#: factors on both thresholds of the paper's rule that span the sensitivity band.
BAND = (0.5, 1.0, 2.0)


def reclassify(
    samples: np.ndarray, training: np.ndarray, *, delta_m: float, delta_s: float, scale: float, metric: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """The paper's labels and the ratio rule's memorized flags of ``samples`` under another ``metric``.

    ``scale`` must be in the metric's units (its nearest-neighbour scale on the dataset).
    """
    d1, d2, _ = two_nearest(samples, training, metric)
    d_gen = two_nearest(samples, samples, metric, exclude_self=True)[0]
    return rules(d1, d2, d_gen, delta_m, delta_s, scale)


def _mean_err(f: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    R = int(f.sizes["realization"])
    err = f.std("realization", ddof=1) / math.sqrt(R) if R > 1 else xr.full_like(f.isel(realization=0), np.nan)
    return f.mean("realization"), err


def _fractions_at(ds: xr.Dataset, factor: float) -> xr.DataArray:
    """Paper's-rule fractions (…, realization, score, class) with both thresholds multiplied by ``factor``."""
    scale = ds["nn_scale"]
    dm = float(fixed_param(ds, "delta_m")) * factor * scale
    dsp = float(fixed_param(ds, "delta_s")) * factor * scale
    valid = ds["label"] >= 0
    mem = (ds["d1"] <= dm) & valid
    spur = (ds["d_gen"] <= dsp) & ~mem & valid
    gen = valid & ~mem & ~spur
    n = valid.sum("sample")
    f = xr.concat([m.sum("sample") / n for m in (mem, spur, gen)], dim="class")
    return f.assign_coords({"class": list(CLASSES)}).transpose(..., "score", "class")


def compare(ds: xr.Dataset) -> xr.Dataset:
    """Fractions per K and score with errors and band (module docstring)."""
    res = xr.Dataset()
    grid = {f: _mean_err(_fractions_at(ds, f))[0] for f in BAND}
    res["fraction"], res["fraction_error"] = _mean_err(_fractions_at(ds, 1.0))
    both = xr.concat(list(grid.values()), dim="band")
    res["fraction_low"], res["fraction_high"] = both.min("band"), both.max("band")
    ratio = ds["ratio_memorized"].where(ds["ratio_memorized"] >= 0) / (ds["label"] >= 0).sum("sample")
    res["ratio_fraction"], res["ratio_fraction_error"] = _mean_err(ratio)
    if "train_seconds" in ds:  # datasets of the first version stored wall times
        res["train_seconds"] = ds["train_seconds"].mean("realization")
    steps = ds.sizes["train_step"]
    res["final_loss"] = (
        ds["loss"].isel(train_step=slice(steps - max(1, steps // 10), None)).mean(["train_step", "realization"])
    )
    res["n_params"] = ds["n_params"].max()
    res.attrs.update(
        dataset=str(fixed_param(ds, "dataset", "digits")),
        delta_m=float(fixed_param(ds, "delta_m")),
        delta_s=float(fixed_param(ds, "delta_s")),
        nn_scale=float(ds["nn_scale"].max()),
        realizations=int(ds.sizes["realization"]),
        n_samples=int(ds.sizes["sample"]),
        ratio=RATIO,
    )
    return without_fixed_coords(res, ds)


def table(res: xr.Dataset) -> str:
    """Per K: the network's and the exact score's fractions ± s.e. [band], the ratio rule, training time and loss."""
    extra = [d for d in res["fraction"].dims if d not in ("K", "score", "class")]
    r = res.mean(extra) if extra else res
    a = res.attrs
    lines = [
        f"# {a['dataset']}: paper's rule, memorized d1 <= {a['delta_m']:.3g} l_nn, spurious d_gen <= "
        f"{a['delta_s']:.3g} l_nn (l_nn = {a['nn_scale']:.3g}, median nearest-neighbour distance of the whole set, "
        f"pixel L2); fraction ± s.e. over {a['realizations']} training seeds [band: thresholds x1/2 .. x2]; "
        f"ratio: d1/d2 < 1/3 (Bonnaire et al.); n = {a['n_samples']} samples per score"
        + (f" (averaged over {', '.join(extra)})" if extra else ""),
        f"{'K':>5} {'score':>8} {'memorized':>22} {'spurious':>22} {'generalized':>22} {'ratio mem.':>12} "
        f"{'train s':>8} {'loss':>7}",
    ]
    for i, K in enumerate(r["K"].values):
        for score in SCORES:
            row = r.isel(K=i).sel(score=score)
            cells = []
            for c in CLASSES:
                names = ("fraction", "fraction_error", "fraction_low", "fraction_high")
                f, e, lo, hi = (float(row[v].sel({"class": c})) for v in names)
                cells.append("-" if not np.isfinite(f) else f"{pm(f, e, 2)} [{lo:.2f}-{hi:.2f}]")
            rf, re_ = float(row["ratio_fraction"]), float(row["ratio_fraction_error"])
            ratio = "-" if not np.isfinite(rf) else pm(rf, re_, 2)
            ts = f"{float(row['train_seconds']):8.1f}" if score == "network" and "train_seconds" in row else f"{'':8}"
            loss = f"{float(row['final_loss']):7.4f}" if score == "network" else ""
            lines.append(f"{int(K):>5} {score:>8} {cells[0]:>22} {cells[1]:>22} {cells[2]:>22} {ratio:>12} {ts} {loss}")
    return "\n".join(lines)


def plot(res: xr.Dataset, title: str = "") -> Any:
    """Fractions against K: network (solid, filled band) and exact score (dashed), one panel per class + ratio."""
    from amphase.analysis.figures import new_figure, plain_log_ticks

    extra = [d for d in res["fraction"].dims if d not in ("K", "score", "class")]
    r = res.mean(extra) if extra else res
    K = r["K"].values
    fig = new_figure(14, 3.8)
    axes = fig.subplots(1, 4, sharey=True)
    for ax, c in zip(axes, (*CLASSES, "ratio"), strict=True):
        for score, style in zip(SCORES, ("-o", "--s"), strict=True):
            s = r.sel(score=score)
            if c == "ratio":
                f, e = s["ratio_fraction"].values, s["ratio_fraction_error"].values
            else:
                f, e = s["fraction"].sel({"class": c}).values, s["fraction_error"].sel({"class": c}).values
                ax.fill_between(K, s["fraction_low"].sel({"class": c}).values,
                                s["fraction_high"].sel({"class": c}).values, alpha=0.15)  # fmt: skip
            ax.errorbar(K, f, yerr=np.nan_to_num(e), fmt=style, ms=4, capsize=2, label=score)
        ax.set_xscale("log")
        plain_log_ticks(ax, K)
        ax.set_xlabel("K (training images)")
        ax.set_title(f"{c} (paper's rule)" if c != "ratio" else "memorized, d1/d2 < 1/3")
    axes[0].set_ylabel("fraction of samples")
    axes[0].legend()
    fig.suptitle(f"{title + ': ' if title else ''}DDPM ({res.attrs['dataset']}) vs exact score, ± s.e. over "
                 f"{res.attrs['realizations']} training seeds, band: thresholds x1/2..x2", fontsize=9)  # fmt: skip
    return fig


COMPARISON = Comparison(compare=compare, table=table, plot=plot, coords=True)
