r"""Measured collapse times and cloning probabilities against Biroli et al. 2024 (``diffusion.collapse``, ``.clones``).

Collapse (:func:`compare_collapse`)
    Per grid point (n, d, sigma, ...) and collapse condition (``nearest``: BBBM's code; ``weight``: the final point's
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
    \tfrac12\log(1 + \sigma^2/(n^{2/d}-1))` (``diffusion.collapse_time``, the :math:`d\to\infty` limit at fixed
    :math:`\alpha = \log n/d`); ``deviation`` is (measured - theory)/s.e. of the median of the ``weight`` condition.
    ``t_entropy``: per realization, the time at which the excess entropy falls to :math:`d f^e = \ln 2`
    (:func:`amphase.analysis.diffusion.entropy.crossing_time` at level :math:`\ln 2/\ln n` of :math:`f^e/\alpha`,
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

Clones (:func:`compare_clones`)
    Per grid point and branching time, :math:`\hat\phi = k/N` with k the pairs ending in the same class pooled over
    realizations (pairs are independent), its binomial standard error :math:`\sqrt{\hat\phi(1-\hat\phi)/N}` (the
    Wilson half-width at z = 1 where :math:`\hat\phi \in \{0, 1\}`), BBBM's :math:`\phi(t)`
    (``diffusion.clone_probability``, exact for the population score at every d) and the deviation
    :math:`(\hat\phi - \phi)/\sqrt{\phi(1-\phi)/N}` (the binomial error under the theory, exact under the null);
    :math:`\chi^2 = \sum` deviation² over the branching times with its p-value; and the time at which
    :math:`\hat\phi` (linear interpolation) and the theory cross BBBM's level 0.775 (their reading of
    :math:`t_S` in Fig. 4), beside :math:`t_S = \tfrac12\log\Lambda`.

    Exact empirical score (``score = "exact"``, n training points per realization): besides the above (the deviation
    from the population :math:`\phi` is still in binomial units, which leave out the spread between training sets),
    the exact finite-n expectation of the same training sets, :math:`\phi_n = \mathbb E\sum_c W_c^2`
    (``phi_reference``: the mean over realizations of the model's Monte Carlo estimate; error: their Monte Carlo
    errors combined), the *finite-n shift* :math:`\phi_n - \phi` with the standard deviation over realizations /
    :math:`\sqrt R` as its error (training sets and Monte Carlo), the deviation of the measurement from
    :math:`\phi_n` in units of :math:`\sqrt{\sum_r N_r\phi_{n,r}(1-\phi_{n,r})/N^2 + \text{MC}^2}` (exact
    given the training sets: it isolates the sampler's error), the fraction of pairs whose clones end at the same
    training point with its reference :math:`q_n = \mathbb E\sum_\mu w_\mu^2`, and
    :math:`t_C = \tfrac12\log(1 + \sigma^2/(n^{2/d} - 1))` (``diffusion.collapse_time`` with the *component*
    variance :math:`\sigma^2`: the module docstring of :mod:`amphase.theory.diffusion.regimes` says why the
    two-Gaussian mean leaves it unchanged at large d).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr
from scipy import optimize, stats

from amphase.analysis.compare import Comparison
from amphase.analysis.diffusion.entropy import crossing_time
from amphase.analysis.statistics import few_realizations_note, wilson_interval
from amphase.errors import ParameterError
from amphase.theory.diffusion import regimes

__all__ = [
    "CLONES_COMPARISON",
    "COLLAPSE_COMPARISON",
    "SPECIATION_LEVEL",
    "compare_clones",
    "compare_collapse",
    "median_error",
    "plot_clones",
    "plot_collapse",
    "table_clones",
    "table_collapse",
]

#: BBBM's level of the cloning probability at t_S (their Fig. 2 and 4; 0.7753 for d -> infinity).
SPECIATION_LEVEL = 0.775


def _param(ds: xr.Dataset, name: str, point: dict[str, Any]) -> Any:
    if name in point:
        return point[name]
    v = ds.attrs.get(f"param_{name}")
    if v is None:
        raise KeyError(f"param_{name}")
    return v


def _grid_dims(ds: xr.Dataset, var: str, own: tuple[str, ...]) -> list[str]:
    return [d for d in ds[var].dims if d not in ("realization", *own)]


def _points(ds: xr.Dataset, dims: list[str]) -> list[dict[str, Any]]:
    if not dims:
        return [{}]
    idx = np.stack(np.meshgrid(*[np.arange(ds.sizes[d]) for d in dims], indexing="ij"), -1).reshape(-1, len(dims))
    return [{d: int(i) for d, i in zip(dims, row, strict=True)} for row in idx]


def _values(ds: xr.Dataset, isel: dict[str, int]) -> dict[str, Any]:
    return {d: ds[d].values[i].item() for d, i in isel.items()}


# ------------------------------------------------------------------------------------------------ collapse


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
    dims = _grid_dims(ds, "t_collapse", ("condition", "trajectory"))
    points = _points(ds, dims)
    conds = [str(c) for c in ds["condition"].values]
    R = int(ds.sizes["realization"])
    t_max = float(ds.attrs.get("param_t_max", math.nan))
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
        val = _values(ds, isel)
        for d in dims:
            coords[d].append(val[d])
        n, d_, sigma = int(_param(ds, "n", val)), int(_param(ds, "d", val)), float(_param(ds, "sigma", val))
        theory[i] = regimes.collapse_time(n, d_, sigma)
        alpha[i] = math.log(n) / d_
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
        if "excess_entropy" in sub and sub.sizes.get("entropy_time", 0) >= 2 and n >= 3:
            et = ds["entropy_time"].values
            level = math.log(2.0) / math.log(n)
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
        threshold=float(ds.attrs.get("param_threshold", math.nan)),
        t_max=t_max,
        error_method="standard deviation over realizations / sqrt(R)" if R >= 2 else
        "one realization: naive error over trajectories (they share a training set: an underestimate)",
        source_title=ds.attrs.get("title", ""),
    )  # fmt: skip
    for name in ("n", "d", "sigma"):
        if name not in dims:
            res.attrs[name] = ds.attrs.get(f"param_{name}")
    return res


def _pm(v: float, e: float, digits: int = 3) -> str:
    if not np.isfinite(v):
        return "nan"
    if abs(v) < 0.1:  # small collapse times: one more decimal so that the error shows
        digits += 1
    if not np.isfinite(e):
        return f"{v:.{digits}f}"
    return f"{v:.{digits}f}±{e:.{digits}f}"


def _coord(res: xr.Dataset, name: str, i: int) -> Any:
    return res[name].values[i] if name in res else res.attrs.get(name)


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
        "# t_C: annealed formula 0.5 log(1 + sigma^2/(n^(2/d) - 1)) (BBBM, d -> oo); t_q: quenched crossing, the "
        "largest zero of the excess entropy at test points drawn from the population (>= t_C by Jensen)",
        f"# weight w*: reverse-SDE median of the time from which the final point's posterior weight stays above w* "
        f"(w* = {thr / 2:g} / {thr:g} / {(1 + thr) / 2:g}); fwd: the same at w* = {thr:g} on exact forward paths "
        "on the same grid (the finite-d reference)",
        "# nearest: BBBM's nearest-neighbour rule (their code), median and mean; t_ent: draws from the empirical "
        f"density, d f^e = ln 2; dev = (weight {thr:g} median - t_C)/s.e.; cens: committed already at t_max = "
        f"{a['t_max']}",
        f"{'d':>4} {'n':>6} {'alpha':>6} {'t_C':>6} {'t_q':>14} {'weight ' + format(thr / 2, 'g'):>14} "
        f"{'weight ' + format(thr, 'g'):>14} {'weight ' + format((1 + thr) / 2, 'g'):>14} "
        f"{'fwd ' + format(thr, 'g'):>14} {'nearest median':>14} {'nearest mean':>14} {'t_ent':>14} {'dev':>6} "
        f"{'cens':>5}",
    ]
    extra = [d for d in a["grid_dims"].split(",") if d and d not in ("n", "d")]
    for i in range(res.sizes["point"]):
        r = res.isel(point=i)

        def g(name: str, j: int | None, r: xr.Dataset = r) -> float:
            return math.nan if j is None else float(r[name].values[j])

        lines.append(
            f"{int(_coord(res, 'd', i)):>4} {int(_coord(res, 'n', i)):>6} {float(r.alpha):>6.3f} "
            f"{float(r.t_C_theory):>6.3f} {_pm(float(r.t_quenched), float(r.t_quenched_error)):>14} "
            f"{_pm(g('median', lo), g('median_error', lo)):>14} {_pm(g('median', w), g('median_error', w)):>14} "
            f"{_pm(g('median', hi), g('median_error', hi)):>14} "
            f"{_pm(g('fwd_median', w), g('fwd_median_error', w)):>14} "
            f"{_pm(g('median', nn), g('median_error', nn)):>14} {_pm(g('mean', nn), g('mean_error', nn)):>14} "
            f"{_pm(float(r.t_entropy), float(r.t_entropy_error)):>14} {float(r.deviation):>6.1f} "
            f"{g('censored', nn):>5.2f}" + ("  " + " ".join(f"{e}={_coord(res, e, i)}" for e in extra) if extra else "")
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
    ds_ = np.array([int(_coord(res, "d", i)) for i in range(res.sizes["point"])])
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


# ------------------------------------------------------------------------------------------------ clones


def _crossing(t: np.ndarray, phi: np.ndarray, level: float) -> float:
    """Smallest-to-largest scan: first interval where phi (decreasing in t) falls through ``level``; NaN if never."""
    for i in range(t.size - 1):
        if phi[i] >= level > phi[i + 1]:
            return float(t[i] + (phi[i] - level) * (t[i + 1] - t[i]) / (phi[i] - phi[i + 1]))
    return math.nan


def _exact(ds: xr.Dataset, val: dict[str, Any]) -> bool:
    """Whether a grid point ran with the exact empirical score (datasets from before the choice: population)."""
    return str(val.get("score", ds.attrs.get("param_score", "population"))) == "exact"


def compare_clones(ds: xr.Dataset) -> xr.Dataset:
    """The measured cloning probability against BBBM's phi(t) (module docstring)."""
    if "n_same" not in ds or "n_pairs" not in ds:
        raise ParameterError("the dataset lacks n_same / n_pairs that a diffusion.clones comparison needs")
    dims = _grid_dims(ds, "n_same", ("t_ratio",))
    points = _points(ds, dims)
    ratio = ds["t_ratio"].values
    T = ratio.size
    keys = ("phi", "phi_error", "phi_theory", "deviation", "t", "pairs", "phi_reference", "phi_reference_error",
            "finite_n_shift", "finite_n_shift_error", "deviation_reference", "same_point", "same_point_error",
            "same_point_reference", "same_point_reference_error")  # fmt: skip
    cols = {k: np.full((len(points), T), np.nan) for k in keys}
    summ = {k: np.full(len(points), np.nan) for k in ("t_S", "chi2", "dof", "p_value", "t_cross", "t_cross_theory",
                                                      "sign_error_bound", "t_C", "n_train")}  # fmt: skip
    exact_pt = np.zeros(len(points), dtype=bool)
    coords: dict[str, list[Any]] = {d: [] for d in dims}
    for i, isel in enumerate(points):
        val = _values(ds, isel)
        for d in dims:
            coords[d].append(val[d])
        d_, m, sigma = int(_param(ds, "d", val)), float(_param(ds, "m", val)), float(_param(ds, "sigma", val))
        sub = ds.isel(isel)
        same = sub["n_same"].where(sub["n_same"] >= 0)
        k = same.sum("realization").values
        N = (sub["n_pairs"].where(sub["n_pairs"] >= 0) * (same >= 0)).sum("realization").values.astype(float)
        t = np.nanmean(sub["t_branch"].transpose("realization", "t_ratio").values, axis=0)
        phi = k / N
        lo, hi = wilson_interval(k, N)
        err = np.sqrt(phi * (1 - phi) / N)
        err = np.where((k == 0) | (k == N), (hi - lo) / 2, err)
        th = np.array([regimes.clone_probability(float(tt), d_, m, sigma).phi for tt in t])
        dev = (phi - th) / np.sqrt(th * (1 - th) / N)
        cols["phi"][i], cols["phi_error"][i], cols["phi_theory"][i] = phi, err, th
        cols["deviation"][i], cols["t"][i], cols["pairs"][i] = dev, t, N
        ok = np.isfinite(dev)
        summ["chi2"][i] = float(np.sum(dev[ok] ** 2))
        summ["dof"][i] = float(ok.sum())
        summ["p_value"][i] = float(stats.chi2.sf(summ["chi2"][i], ok.sum())) if ok.any() else math.nan
        t_s = 0.5 * math.log(m * m * d_ + sigma * sigma)
        summ["t_S"][i] = t_s
        summ["t_cross"][i] = _crossing(t, phi, SPECIATION_LEVEL)

        def f(tt: float, d_: int = d_, m: float = m, sigma: float = sigma) -> float:
            return regimes.clone_probability(tt, d_, m, sigma).phi - SPECIATION_LEVEL

        summ["t_cross_theory"][i] = float(optimize.brentq(f, 1e-6, 50.0)) if f(1e-6) > 0 > f(50.0) else math.nan
        summ["sign_error_bound"][i] = float(np.nanmax(sub["sign_error_bound"].values))
        if _exact(ds, val) and "phi_reference" in sub:
            exact_pt[i] = True
            n = int(_param(ds, "n", val))
            summ["n_train"][i], summ["t_C"][i] = n, regimes.collapse_time(n, d_, sigma)
            _reference_columns(sub, cols, i, N)
    res = xr.Dataset(coords={"point": np.arange(len(points)), "t_ratio": ratio})
    for d in dims:
        res[d] = ("point", np.asarray(coords[d]))
    for kk, v in cols.items():
        res[kk] = (("point", "t_ratio"), v)
    for kk, v in summ.items():
        res[kk] = ("point", v)
    res["exact_score"] = ("point", exact_pt)
    res.attrs.update(grid_dims=",".join(dims), realizations=int(ds.sizes["realization"]),
                     level=SPECIATION_LEVEL, source_title=ds.attrs.get("title", ""))  # fmt: skip
    for name in ("d", "m", "sigma", "start", "steps", "score", "n"):
        if name not in dims:
            res.attrs[name] = ds.attrs.get(f"param_{name}")
    return res


def _reference_columns(sub: xr.Dataset, cols: dict[str, np.ndarray], i: int, N: np.ndarray) -> None:
    """The finite-n columns of one exact-score grid point (module docstring)."""
    R = int(sub.sizes["realization"])
    by_r = ("realization", "t_ratio")
    ref = sub["phi_reference"].transpose(*by_r).values
    ref_err = sub["phi_reference_error"].transpose(*by_r).values
    q = sub["same_point_reference"].transpose(*by_r).values
    q_err = sub["same_point_reference_error"].transpose(*by_r).values
    pairs = np.broadcast_to(sub["n_pairs"].values.astype(float)[:, None], ref.shape)
    th = cols["phi_theory"][i]
    cols["phi_reference"][i] = ref.mean(0)
    cols["phi_reference_error"][i] = np.sqrt(np.sum(ref_err**2, 0)) / R
    shift = ref - th
    cols["finite_n_shift"][i] = shift.mean(0)
    cols["finite_n_shift_error"][i] = shift.std(0, ddof=1) / math.sqrt(R) if R >= 2 else cols["phi_reference_error"][i]
    # pairs of realization r are Bernoulli(phi_n,r) given its training set: weight each by its pairs
    ref_pooled = np.sum(pairs * ref, 0) / N
    var = np.sum(pairs * ref * (1 - ref), 0) / N**2 + cols["phi_reference_error"][i] ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        cols["deviation_reference"][i] = np.where(var > 0, (cols["phi"][i] - ref_pooled) / np.sqrt(var), np.nan)
    sp = sub["n_same_point"].where(sub["n_same_point"] >= 0).sum("realization").values
    cols["same_point"][i] = sp / N
    lo, hi = wilson_interval(sp, N)
    cols["same_point_error"][i] = np.where((sp == 0) | (sp == N), (hi - lo) / 2, np.sqrt(sp / N * (1 - sp / N) / N))
    cols["same_point_reference"][i] = q.mean(0)
    cols["same_point_reference_error"][i] = np.sqrt(np.sum(q_err**2, 0)) / R


def _label(res: xr.Dataset, i: int, names: tuple[str, ...]) -> str:
    exact = bool(res["exact_score"].values[i])
    return ", ".join(f"{n} = {_coord(res, n, i)}" for n in names if exact or n != "n")


def table_clones(res: xr.Dataset) -> str:
    """The cloning comparison as text: a block per grid point, a line per branching time."""
    a = res.attrs
    lines = [
        "# cloning probability phi(t): two clones branched at t end in the same class (sign of the projection on m)",
        f"# measured ± binomial s.e. (pairs pooled over {a['realizations']} realizations); theory: "
        "diffusion.clone_probability (exact for the population score); dev = (measured - theory)/sqrt(phi(1-phi)/N)",
    ]
    if res["exact_score"].values.any():
        lines.append(
            "# exact score of n points: phi_n = E sum_c W_c^2 of the same training sets (exact for an error-free "
            "sampler); shift = phi_n - theory ± s.d. over realizations/sqrt(R); dev_n = (measured - phi_n)/binomial "
            "s.e. given the training sets; same pt: clones end at the same training point, measured and q_n = "
            "E sum_mu w_mu^2; t_C = diffusion.collapse_time(n, d, sigma)"
        )
    names = ("d", "m", "sigma", "start", "steps", "score", "n")
    for i in range(res.sizes["point"]):
        r = res.isel(point=i)
        exact = bool(r.exact_score)
        tc = f", t_C = {float(r.t_C):.4f}" if exact else ""
        lines.append(
            f"## {_label(res, i, names)}: t_S = {float(r.t_S):.4f}{tc}, {int(np.nanmax(r.pairs.values))} pairs per "
            f"time, sign-error bound {float(r.sign_error_bound):.1e}"
        )
        head = f"{'t/t_S':>6} {'t':>7} {'measured':>15} {'theory':>7} {'dev':>6}"
        if exact:
            head += f" {'t/t_C':>6} {'phi_n':>15} {'shift':>16} {'dev_n':>6} {'same pt':>15} {'q_n':>15}"
        lines.append(head)
        for j in range(res.sizes["t_ratio"]):
            line = (
                f"{float(res.t_ratio[j]):>6.3f} {float(r.t[j]):>7.4f} "
                f"{_pm(float(r.phi[j]), float(r.phi_error[j]), 4):>15} {float(r.phi_theory[j]):>7.4f} "
                f"{float(r.deviation[j]):>6.2f}"
            )
            if exact:
                line += (
                    f" {float(r.t[j]) / float(r.t_C):>6.2f}"
                    f" {_pm(float(r.phi_reference[j]), float(r.phi_reference_error[j]), 4):>15}"
                    f" {_pm(float(r.finite_n_shift[j]), float(r.finite_n_shift_error[j]), 4):>16}"
                    f" {float(r.deviation_reference[j]):>6.2f}"
                    f" {_pm(float(r.same_point[j]), float(r.same_point_error[j]), 4):>15}"
                    f" {_pm(float(r.same_point_reference[j]), float(r.same_point_reference_error[j]), 4):>15}"
                )
            lines.append(line)
        lines.append(
            f"# chi2 = {float(r.chi2):.2f} / {int(r.dof)} times, p = {float(r.p_value):.3f}; phi falls to "
            f"{a['level']} at t = {float(r.t_cross):.3f} (measured, interpolated) vs {float(r.t_cross_theory):.3f} "
            f"(theory at this d), t_S = {float(r.t_S):.3f}"
        )
        if exact:
            dn = r.deviation_reference.values
            ok = np.isfinite(dn)
            chi2 = float(np.sum(dn[ok] ** 2))
            lines.append(
                f"# against phi_n: chi2 = {chi2:.2f} / {int(ok.sum())} times, p = "
                f"{float(stats.chi2.sf(chi2, ok.sum())) if ok.any() else math.nan:.3f}"
            )
    note = few_realizations_note(int(a["realizations"]), "the shift errors (s.d. over realizations)")
    return "\n".join([*lines, note] if note and res["exact_score"].values.any() else lines)


def plot_clones(res: xr.Dataset, title: str = "") -> Any:
    """Plot phi against t/t_S with binomial error bars and the theory curve, one colour per grid point.

    With exact-score points: their finite-n references phi_n (open squares) and t_C / t_S (dotted, one colour per
    point), and a second panel with the fraction of clone pairs ending at the same training point against q_n.
    """
    from amphase.analysis.figures import new_figure

    exact = res["exact_score"].values
    fig = new_figure(12 if exact.any() else 7, 4.8)
    axes = fig.subplots(1, 2) if exact.any() else [fig.subplots()]
    ax = axes[0]
    drawn: list[tuple[int, float, float]] = []
    names = tuple(n for n in res.attrs["grid_dims"].split(",") if n)
    for i in range(res.sizes["point"]):
        r = res.isel(point=i)
        d_, m, sigma = int(_coord(res, "d", i)), float(_coord(res, "m", i)), float(_coord(res, "sigma", i))
        t_s = float(r.t_S)
        label = _label(res, i, names) if names else f"d = {d_}"
        x = r.t.values / t_s
        ax.errorbar(x, r.phi.values, yerr=r.phi_error.values, fmt="o", capsize=2, color=f"C{i}", label=label,
                    ms=4)  # fmt: skip
        if exact[i]:
            ax.errorbar(x, r.phi_reference.values, yerr=r.phi_reference_error.values, fmt="s", mfc="none",
                        color=f"C{i}", ms=6, capsize=0)  # fmt: skip
            for a_ in axes:
                a_.axvline(float(r.t_C) / t_s, color=f"C{i}", ls=":", lw=1)
            axes[1].errorbar(x, r.same_point.values, yerr=r.same_point_error.values, fmt="o", capsize=2,
                             color=f"C{i}", ms=4, label=label)  # fmt: skip
            axes[1].plot(x, r.same_point_reference.values, "s", mfc="none", color=f"C{i}", ms=6)
        if (d_, m, sigma) not in drawn:
            tt = np.linspace(0.02, float(np.nanmax(r.t.values)) * 1.05, 200)
            phi = [regimes.clone_probability(x, d_, m, sigma).phi for x in tt]
            ax.plot(tt / t_s, phi, color="k", lw=0.8, ls=("-", "--", "-.", ":")[len(drawn) % 4],
                    label=f"theory d = {d_}, m = {m}, σ = {sigma}")  # fmt: skip
            drawn.append((d_, m, sigma))
    ax.axvline(1.0, color="k", ls=":", lw=1, label="t_S = ½ log Λ")
    ax.axhline(SPECIATION_LEVEL, color="grey", ls="--", lw=1, label=f"φ = {SPECIATION_LEVEL}")
    ax.set(xlabel="branching time / t_S", ylabel="φ(t): clones end in the same class", ylim=(0.45, 1.02))
    ax.legend(fontsize=7)
    if exact.any():
        ax.set_title("dots: measured; squares: exact φ_n of the training sets; dotted: t_C(n)", fontsize=8)
        axes[1].set(xlabel="branching time / t_S", ylabel="clones end at the same training point", ylim=(-0.02, 1.02),
                    title="collapse: measured (dots) and q_n = E Σ w_μ² (squares)")  # fmt: skip
        axes[1].legend(fontsize=7)
    fig.suptitle(title or res.attrs.get("source_title", ""), fontsize=9)
    return fig


#: what ``amphase compare`` runs on a dataset of ``diffusion.collapse``.
COLLAPSE_COMPARISON = Comparison(compare=compare_collapse, table=table_collapse, plot=plot_collapse)

#: what ``amphase compare`` runs on a dataset of ``diffusion.clones``.
CLONES_COMPARISON = Comparison(compare=compare_clones, table=table_clones, plot=plot_clones)
