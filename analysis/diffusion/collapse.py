r"""Measured collapse times against Biroli et al. 2024 (``diffusion.collapse``).

Collapse (:func:`compare_collapse`)
    Per grid point (K, d, sigma, ...) and collapse condition (``nearest``: BBBM's code; ``weight``: the final point's
    posterior weight above the threshold w; ``weight_low`` / ``weight_high``: above w/2 / (1 + w)/2, the band of the
    threshold; :mod:`amphase.simulate.diffusion.collapse`), the median and the mean of the per-trajectory collapse
    times of the reverse-SDE trajectories, and the same for the exact forward paths (the finite-d reference on the same
    recorded grid). Trajectories of one realization share its training set, so each statistic is taken per realization
    and its error is the standard deviation over realizations divided by :math:`\sqrt R` (with one realization: the
    naive error over trajectories, ``error_method`` says which). Reverse minus forward (``diff_median``) is paired per
    realization, which removes the training set's share of the variance; what is left is the sampling error of the two
    medians within each realization, so its error is that one, combined over realizations: :math:`\sqrt{\sum_r (s_{r,\rm
    rev}^2 + s_{r,\rm fwd}^2)}/R`, with :math:`s_r` the distribution-free standard error of a median of B values, half
    the distance between the order statistics of ranks :math:`B/2 \mp \sqrt B/2` (:func:`median_error`); ``nearest``
    times are recorded grid times, so the rounding to the grid, :math:`\delta^2/12` per median with :math:`\delta` the
    grid step there, is added. (The spread of the R paired differences estimates the same variance with R - 1 degrees of
    freedom only: with R = 8 it is off by a factor 2 with a few per cent probability.) Theory: :math:`t_C =
    \tfrac12\log(1 + \sigma^2/(K^{2/d}-1))` (``diffusion.collapse_time``, the :math:`d\to\infty` limit at fixed
    :math:`\alpha = \log K/d`); ``deviation`` is (measured - theory)/s.e. of the median of the ``weight`` condition.
    ``t_entropy``: per realization, the time at which the excess entropy falls to :math:`d f^e = \ln 2`
    (:func:`amphase.analysis.diffusion.entropy.crossing_time` at level :math:`\ln 2/\ln K` of :math:`f^e/\alpha`,
    interpolated linearly in :math:`\log t`). Since :math:`d f^e(t) = \mathbb E[-\ln w_\mu(x_t)]`, the mean minus
    log-weight of the point a draw came from (the per-draw term of that estimator), this is where the geometric mean of
    the own weight is 1/2: a finite-d counterpart of the ``weight`` condition at threshold 1/2 (defined here, not in
    BBBM, whose :math:`f^e = 0` is reached only as :math:`d\to\infty`). ``t_quenched``: the mean over realizations of
    the largest zero of the excess entropy at test points drawn from the population
    (:func:`amphase.simulate.diffusion.entropy.population_crossing`), at or above the annealed :math:`t_C` in
    expectation (Jensen's inequality; the gap is a finite-d effect).

    Every estimator is named in the table: the annealed formula ``t_C``, the quenched crossing ``t_q``, the weight
    rule's median at w/2, w and (1 + w)/2 (reverse SDE) and at w on exact forward paths, BBBM's nearest-neighbour rule
    (median and mean), and ``t_ent``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis.compare import Comparison
from amphase.analysis.diffusion.entropy import crossing_time
from amphase.analysis.diffusion.regime_points import coord, grid_dims, grid_points, param, pm, point_values
from amphase.analysis.statistics import few_realizations_note
from amphase.dataset import fixed_param
from amphase.errors import ParameterError
from amphase.theory.diffusion import regimes

__all__ = ["COMPARISON", "compare_collapse", "median_error", "plot_collapse", "table_collapse"]


def _over_realizations(per_r: np.ndarray, pooled_err: float) -> tuple[float, float]:
    ok = per_r[np.isfinite(per_r)]
    if ok.size >= 2:
        return float(ok.mean()), float(ok.std(ddof=1) / math.sqrt(ok.size))
    return (float(ok.mean()) if ok.size else math.nan), pooled_err


def median_error(t: np.ndarray) -> float:
    r"""Distribution-free standard error of the median of the finite values of ``t``.

    The rank of the sample median in the population is Binomial(B, 1/2): its standard deviation is
    :math:`\sqrt B/2` ranks, so the error is half the distance between the order statistics of ranks
    :math:`B/2 \mp \sqrt B/2` (linearly interpolated; NaN for fewer than 4 values).
    """
    x = np.sort(np.asarray(t, dtype=float)[np.isfinite(t)])
    B = x.size
    if B < 4:
        return math.nan
    half = 0.5 * math.sqrt(B)
    ranks = np.clip([0.5 * (B - 1) - half, 0.5 * (B - 1) + half], 0, B - 1)
    lo, hi = np.interp(ranks, np.arange(B), x)
    return float(0.5 * (hi - lo))


def _stat_block(t: np.ndarray) -> dict[str, tuple[float, float]]:
    """t: (R, B) collapse times; median and mean over trajectories per realization, then over realizations."""
    R = t.shape[0]
    med_r = np.array([np.nanmedian(row) if np.isfinite(row).any() else np.nan for row in t])
    mean_r = np.array([np.nanmean(row) if np.isfinite(row).any() else np.nan for row in t])
    flat = t[np.isfinite(t)]
    n = max(flat.size, 1)
    # one realization: naive errors over trajectories (the median's from the asymptotic sqrt(pi/2) sigma/sqrt(n))
    naive_mean = float(flat.std(ddof=1) / math.sqrt(n)) if flat.size > 1 else math.nan
    naive_med = naive_mean * math.sqrt(math.pi / 2)
    out = {"median": _over_realizations(med_r, naive_med), "mean": _over_realizations(mean_r, naive_mean)}
    if R < 2:
        out = {"median": (float(np.nanmedian(flat)) if flat.size else math.nan, naive_med),
               "mean": (float(flat.mean()) if flat.size else math.nan, naive_mean)}  # fmt: skip
    return out


def compare_collapse(ds: xr.Dataset) -> xr.Dataset:
    """Collapse times against the theory (module docstring), one row per grid point and condition."""
    if "t_collapse" not in ds or "t_collapse_forward" not in ds:
        raise ParameterError(
            "the dataset lacks t_collapse / t_collapse_forward that a diffusion.collapse comparison needs"
        )
    dims = grid_dims(ds, "t_collapse", ("condition", "trajectory"))
    points = grid_points(ds, dims)
    conds = [str(c) for c in ds["condition"].values]
    R = int(ds.sizes["realization"])
    t_max = float(fixed_param(ds, "t_max", math.nan))
    names = ("median", "median_error", "mean", "mean_error", "fwd_median", "fwd_median_error", "fwd_mean",
             "fwd_mean_error", "diff_median", "diff_median_error", "censored", "missing")  # fmt: skip
    shape = (len(points), len(conds))
    cols = {k: np.full(shape, np.nan) for k in names}
    theory = np.full(len(points), np.nan)
    alpha = np.full(len(points), np.nan)
    t_ent = np.full(len(points), np.nan)
    t_ent_err = np.full(len(points), np.nan)
    t_q = np.full(len(points), np.nan)
    t_q_err = np.full(len(points), np.nan)
    coords: dict[str, list[Any]] = {d: [] for d in dims}
    for i, isel in enumerate(points):
        val = point_values(ds, isel)
        for d in dims:
            coords[d].append(val[d])
        K, d_, sigma = int(param(ds, "K", val)), int(param(ds, "d", val)), float(param(ds, "sigma", val))
        theory[i] = regimes.collapse_time(K, d_, sigma)
        alpha[i] = math.log(K) / d_
        sub = ds.isel(isel)
        for j, c in enumerate(conds):
            rev = sub["t_collapse"].sel(condition=c).transpose("realization", "trajectory").values
            fwd = sub["t_collapse_forward"].sel(condition=c).transpose("realization", "trajectory").values
            a, b = _stat_block(rev), _stat_block(fwd)
            cols["median"][i, j], cols["median_error"][i, j] = a["median"]
            cols["mean"][i, j], cols["mean_error"][i, j] = a["mean"]
            cols["fwd_median"][i, j], cols["fwd_median_error"][i, j] = b["median"]
            cols["fwd_mean"][i, j], cols["fwd_mean_error"][i, j] = b["mean"]
            diff = np.array([np.nanmedian(r) - np.nanmedian(f) for r, f in zip(rev, fwd, strict=True)])
            var = sum(median_error(r) ** 2 + median_error(f) ** 2 for r, f in zip(rev, fwd, strict=True))
            if c == "nearest" and "t_grid_step" in sub:  # grid times: add the rounding to the grid, step^2/12 each
                step = float(np.nanmax(sub["t_grid_step"].values))
                var += 2 * R * (float(np.nanmedian(fwd)) * math.expm1(step)) ** 2 / 12
            cols["diff_median"][i, j] = float(diff.mean())
            cols["diff_median_error"][i, j] = math.sqrt(var) / R
            cols["censored"][i, j] = float(np.mean(rev == t_max)) if math.isfinite(t_max) else math.nan
            cols["missing"][i, j] = float(np.mean(np.isnan(rev)))
        if "excess_entropy" in sub and sub.sizes.get("entropy_time", 0) >= 2 and K >= 3:
            et = ds["entropy_time"].values
            level = math.log(2.0) / math.log(K)
            fe = sub["excess_entropy"].transpose("realization", "entropy_time").values
            # interpolated in log t (the times are log-spaced): exp of the crossing of the curve against log t
            per_r = np.exp([crossing_time(np.log(et), row / alpha[i], level) for row in fe])
            t_ent[i], t_ent_err[i] = _over_realizations(per_r, math.nan)
        if "t_quenched" in sub:
            t_q[i], t_q_err[i] = _over_realizations(np.atleast_1d(sub["t_quenched"].values).astype(float), math.nan)
    pt = xr.DataArray(np.arange(len(points)), dims="point")
    res = xr.Dataset(coords={"point": pt, "condition": conds})
    for d in dims:
        res[d] = ("point", np.asarray(coords[d]))
    for k, v in cols.items():
        res[k] = (("point", "condition"), v)
    res["t_C_theory"] = ("point", theory)
    res["alpha"] = ("point", alpha)
    res["t_entropy"] = ("point", t_ent)
    res["t_entropy_error"] = ("point", t_ent_err)
    res["t_quenched"] = ("point", t_q)
    res["t_quenched_error"] = ("point", t_q_err)
    w = conds.index("weight") if "weight" in conds else 0
    res["deviation"] = ("point", (cols["median"][:, w] - theory) / cols["median_error"][:, w])
    res.attrs.update(
        grid_dims=",".join(dims),
        realizations=R,
        n_traj=int(ds.sizes["trajectory"]),
        threshold=float(fixed_param(ds, "threshold", math.nan)),
        t_max=t_max,
        error_method="standard deviation over realizations / sqrt(R)" if R >= 2 else
        "one realization: naive error over trajectories (they share a training set: an underestimate)",
        source_title=ds.attrs.get("title", ""),
    )  # fmt: skip
    for name in ("K", "d", "sigma"):
        if name not in dims:
            res.attrs[name] = fixed_param(ds, name, None)
    return res


def _cond(conds: list[str], name: str) -> int | None:
    return conds.index(name) if name in conds else None


def table_collapse(res: xr.Dataset) -> str:
    """The collapse comparison as text: one line per grid point, every estimator named in the header."""
    a = res.attrs
    conds = [str(c) for c in res["condition"].values]
    w = _cond(conds, "weight")
    w = 0 if w is None else w
    nn = _cond(conds, "nearest")
    nn = 0 if nn is None else nn
    lo, hi = _cond(conds, "weight_low"), _cond(conds, "weight_high")
    thr = float(a["threshold"])
    lines = [
        f"# collapse times (Ornstein-Uhlenbeck time), {a['n_traj']} trajectories x {a['realizations']} realizations; "
        f"± s.e.: {a['error_method']}",
        "# t_C: annealed formula 0.5 log(1 + sigma^2/(K^(2/d) - 1)) (BBBM, d -> oo); t_q: quenched crossing, the "
        "largest zero of the excess entropy at test points drawn from the population (>= t_C by Jensen)",
        f"# weight w*: reverse-SDE median of the time from which the final point's posterior weight stays above w* "
        f"(w* = {thr / 2:g} / {thr:g} / {(1 + thr) / 2:g}); fwd: the same at w* = {thr:g} on exact forward paths "
        "on the same grid (the finite-d reference)",
        "# nearest: BBBM's nearest-neighbour rule (their code), median and mean; t_ent: draws from the empirical "
        f"density, d f^e = ln 2; dev = (weight {thr:g} median - t_C)/s.e.; cens: committed already at t_max = "
        f"{a['t_max']}",
        f"{'d':>4} {'K':>6} {'alpha':>6} {'t_C':>6} {'t_q':>14} {'weight ' + format(thr / 2, 'g'):>14} "
        f"{'weight ' + format(thr, 'g'):>14} {'weight ' + format((1 + thr) / 2, 'g'):>14} "
        f"{'fwd ' + format(thr, 'g'):>14} {'nearest median':>14} {'nearest mean':>14} {'t_ent':>14} {'dev':>6} "
        f"{'cens':>5}",
    ]
    extra = [d for d in a["grid_dims"].split(",") if d and d not in ("K", "d")]
    for i in range(res.sizes["point"]):
        r = res.isel(point=i)

        def g(name: str, j: int | None, r: xr.Dataset = r) -> float:
            return math.nan if j is None else float(r[name].values[j])

        lines.append(
            f"{int(coord(res, 'd', i)):>4} {int(coord(res, 'K', i)):>6} {float(r.alpha):>6.3f} "
            f"{float(r.t_C_theory):>6.3f} {pm(float(r.t_quenched), float(r.t_quenched_error)):>14} "
            f"{pm(g('median', lo), g('median_error', lo)):>14} {pm(g('median', w), g('median_error', w)):>14} "
            f"{pm(g('median', hi), g('median_error', hi)):>14} "
            f"{pm(g('fwd_median', w), g('fwd_median_error', w)):>14} "
            f"{pm(g('median', nn), g('median_error', nn)):>14} {pm(g('mean', nn), g('mean_error', nn)):>14} "
            f"{pm(float(r.t_entropy), float(r.t_entropy_error)):>14} {float(r.deviation):>6.1f} "
            f"{g('censored', nn):>5.2f}" + ("  " + " ".join(f"{e}={coord(res, e, i)}" for e in extra) if extra else "")
        )
    diff = res["diff_median"].values / res["diff_median_error"].values
    for name in ("weight_low", "weight", "weight_high", "nearest"):
        j = _cond(conds, name)
        if j is not None:
            lines.append(
                f"# reverse SDE - forward paths (median, paired per realization), in s.e., {name}: "
                + " ".join(f"{v:.1f}" for v in diff[:, j])
            )
    note = few_realizations_note(int(a["realizations"]), "the errors (and dev)")
    return "\n".join([*lines, note] if note else lines)


def plot_collapse(res: xr.Dataset, title: str = "") -> Any:
    """Measured collapse times in units of the annealed t_C, against t_C (log scale), one colour per d.

    Left: the weight rule's median at w (dots, reverse SDE; x: exact forward paths) with the band of its threshold
    (bar from w/2 to (1 + w)/2), and the quenched crossing (triangles). Right: BBBM's nearest-neighbour rule, median
    (dots) and mean (open squares).
    """
    from amphase.analysis.figures import new_figure

    conds = [str(c) for c in res["condition"].values]
    fig = new_figure(11, 4.8)
    axes = fig.subplots(1, 2, sharey=True)
    ds_ = np.array([int(coord(res, "d", i)) for i in range(res.sizes["point"])])
    theory = res["t_C_theory"].values
    lo, hi = _cond(conds, "weight_low"), _cond(conds, "weight_high")
    thr = float(res.attrs["threshold"])
    for ax, c in zip(axes, ("weight", "nearest"), strict=True):
        j = _cond(conds, c)
        if j is None:
            continue
        for k, dval in enumerate(np.unique(ds_)):
            sel = ds_ == dval
            col = f"C{k}"
            x = theory[sel]
            ax.errorbar(x, res["median"].values[sel, j] / x, yerr=res["median_error"].values[sel, j] / x, fmt="o",
                        color=col, capsize=2, label=f"d = {dval}, median")  # fmt: skip
            ax.plot(x, res["fwd_median"].values[sel, j] / x, "x", color=col)
            if c == "weight" and lo is not None and hi is not None:
                ax.vlines(x, res["median"].values[sel, hi] / x, res["median"].values[sel, lo] / x, color=col, lw=4,
                          alpha=0.3)  # fmt: skip
                ax.plot(x, res["t_quenched"].values[sel] / x, "^", color=col, mfc="none", ms=7,
                        label=f"d = {dval}, quenched t_q")  # fmt: skip
            if c == "nearest":
                ax.errorbar(x, res["mean"].values[sel, j] / x, yerr=res["mean_error"].values[sel, j] / x, fmt="s",
                            mfc="none", color=col, capsize=2, label=f"d = {dval}, mean")  # fmt: skip
        ax.axhline(1.0, color="k", ls="--", lw=1, label="annealed t_C (d → ∞)")
        ax.set_xscale("log")
        band = f"; bar: w* = {thr / 2:g} … {(1 + thr) / 2:g}" if c == "weight" and lo is not None else ""
        ax.set(xlabel="annealed t_C (Biroli et al.)", title=f"{c} rule (x: exact forward paths, median{band})")
        ax.title.set_fontsize(9)
        ax.legend(fontsize=7, ncol=2)
    axes[0].set_ylabel("collapse time / t_C")
    fig.suptitle(title or res.attrs.get("source_title", ""), fontsize=9)
    return fig


#: what ``amphase compare`` runs on a dataset of ``diffusion.collapse``.
COMPARISON = Comparison(compare=compare_collapse, table=table_collapse, plot=plot_collapse, coords=True)
