r"""Retrieval in exponential memories (``dense.exp_retrieval`` datasets) against Lucibello & Mézard's threshold.

:func:`compare` takes a dataset of ``amphase run`` with model ``dense.exp_retrieval`` and returns, per pattern
ensemble, ``lam`` and ``N``:

* over the load: ``retrieved_fraction`` (end overlap with the cued pattern ``>= m_retrieval``, default 1/2) and
  ``onestep_fraction`` (the cued pattern keeps more than half the softmax weight at the start, LM's one-step
  criterion), with 1-sigma Wilson bounds; cues of every realization pooled (points not run, ``P = 0``, are left out);
* ``alpha_fp_half`` and ``alpha_onestep_half`` (``alpha = ln(P)/N``): where those fractions fall through 1/2, from
  the binomial error-function fit of :func:`amphase.analysis.capacity.critical_load` over the simulated loads, in
  units of alpha (the fit's load times ``alpha_1``); ``*_lo``/``*_hi``: the bracket of the crossing (the largest
  load with a fraction >= 1/2 below the smallest load with a fraction < 1/2), which stands where the step is too
  sharp for the fit (fewer than two loads inside it);
* the theory at the same coordinates: ``alpha_1`` (``dense.lse_threshold``, N -> infinity), and the finite-N
  ``alpha_half`` (one-step criterion, annealed crosstalk) and ``alpha_fixed_point`` (the overlap map iterated from
  the pattern) of ``dense.lse_threshold_finite`` (:mod:`amphase.theory.dense.lse`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis.capacity import critical_load
from amphase.analysis.compare import Comparison
from amphase.analysis.statistics import wilson_interval
from amphase.analysis.tables import fmt
from amphase.analysis.theory_grid import on_axes
from amphase.dataset import param_dims
from amphase.errors import ParameterError

__all__ = ["COMPARISON", "compare", "plot", "table"]

REQUIRED = ("P", "m_cue", "log_odds_start")
_CELL = ("patterns", "lam", "N")


def _half(load: np.ndarray, k: np.ndarray, n: np.ndarray) -> tuple[float, float, float, float]:
    """Fitted half-point and error, and the bracket of the crossing, in units of the load."""
    ok = n > 0
    x, k, n = load[ok], k[ok], n[ok]
    if x.size == 0:
        return (math.nan,) * 4
    frac = k / n
    above, below = x[frac >= 0.5], x[frac < 0.5]
    lo = float(above.max()) if above.size else math.nan
    if math.isnan(lo):  # below half already at the smallest load: the bracket is (nan, that load]
        hi = float(below.min())
    else:
        hi = float(below[below > lo].min()) if np.any(below > lo) else math.nan
    fit = critical_load(xr.DataArray(k, dims="load", coords={"load": x}), xr.DataArray(n, dims="load"), "load", "-")
    if "alpha_half" not in fit:
        return math.nan, math.nan, lo, hi
    return float(fit["alpha_half"]), float(fit["alpha_half_error"]), lo, hi


def compare(ds: xr.Dataset, m_retrieval: float = 0.5) -> xr.Dataset:
    """Compare a ``dense.exp_retrieval`` dataset with the theory (see the module docstring)."""
    missing = [v for v in REQUIRED if v not in ds]
    if missing:
        raise ParameterError(f"the dataset lacks the variable {missing[0]} that a dense.exp_retrieval comparison needs")
    ds = param_dims(ds, (*_CELL, "load")).transpose(*_CELL, "load", ...)
    ran = (ds["P"] > 0) & ds["m_cue"].notnull()  # run, and a cue that exists (P may be below cues)
    pooled = ("realization", "cue")
    counts = {}
    for name, ok in (("retrieved", ds["m_cue"] >= m_retrieval), ("onestep", ds["log_odds_start"] > 0)):
        k = (ok & ran).sum(pooled)
        n = ran.sum(pooled)
        lo, hi = wilson_interval(k.values, n.values)
        with np.errstate(invalid="ignore", divide="ignore"):
            counts[f"{name}_fraction"] = (k.dims, (k / n).values)
        counts[f"{name}_count"], counts[f"{name}_total"] = k, n
        counts[f"{name}_lo"], counts[f"{name}_hi"] = (k.dims, lo), (k.dims, hi)
    res = xr.Dataset(counts, coords={d: ds[d] for d in (*_CELL, "load")})
    cells = {d: res[d].values for d in _CELL}
    limit, _ = on_axes("dense.lse_threshold", {"patterns": cells["patterns"], "lam": cells["lam"]})
    finite, _ = on_axes("dense.lse_threshold_finite", cells)  # NaN where a value leaves the domain or no solution
    a1 = limit["alpha_1"].broadcast_like(finite["alpha_half"]).transpose(*_CELL).values
    out = {
        "alpha_1": a1,
        "alpha_half_theory": finite["alpha_half"].transpose(*_CELL).values,
        "alpha_fixed_point_theory": finite["alpha_fixed_point"].transpose(*_CELL).values,
    }
    loads = res["load"].values.astype(float)
    for name, short in (("retrieved", "fp"), ("onestep", "onestep")):
        halves = xr.apply_ufunc(
            lambda k, n: _half(loads, k.astype(float), n.astype(float)),
            res[f"{name}_count"],
            res[f"{name}_total"],
            input_core_dims=[["load"], ["load"]],
            output_core_dims=[[]] * 4,
            vectorize=True,
            output_dtypes=[float] * 4,
        )
        for suffix, v in zip(("half", "half_error", "lo", "hi"), halves, strict=True):
            out[f"alpha_{short}_{suffix}"] = v.transpose(*_CELL).values * a1
    for name in _OUT:
        res[name] = (_CELL, out[name], {"long_name": _OUT[name]})
    res.attrs = {"m_retrieval": m_retrieval, "source_title": ds.attrs.get("title", "")}
    return res


_OUT = {
    "alpha_1": "asymptotic typical-pattern threshold (dense.lse_threshold)",
    "alpha_half_theory": "finite-N half-point of the one-step criterion (dense.lse_threshold_finite alpha_half)",
    "alpha_fixed_point_theory": "finite-N half-point of the iterated update (dense.lse_threshold_finite, mean field)",
    "alpha_fp_half": "alpha where half the cues end with overlap >= m_retrieval (erfc fit)",
    "alpha_fp_half_error": "standard error of alpha_fp_half",
    "alpha_fp_lo": "largest simulated alpha with a retrieved fraction >= 1/2",
    "alpha_fp_hi": "smallest simulated alpha above it with a retrieved fraction < 1/2",
    "alpha_onestep_half": "alpha where half the cued patterns keep half the softmax weight at the start (erfc fit)",
    "alpha_onestep_half_error": "standard error of alpha_onestep_half",
    "alpha_onestep_lo": "largest simulated alpha with a one-step fraction >= 1/2",
    "alpha_onestep_hi": "smallest simulated alpha above it with a one-step fraction < 1/2",
}


def _measured(r: Any, short: str) -> str:
    h, e = r[f"alpha_{short}_half"], r[f"alpha_{short}_half_error"]
    if np.isfinite(h):
        return f"{h:.4f} ± {e:.4f}"
    lo, hi = r[f"alpha_{short}_lo"], r[f"alpha_{short}_hi"]
    if np.isfinite(lo) or np.isfinite(hi):
        return f"[{fmt(lo, 3)}, {fmt(hi, 3)}]"
    return "not reached"


def table(res: xr.Dataset) -> str:
    """Measured half-points per ensemble, lam and N against alpha_1 and the finite-N predictions."""
    lines = [
        "# alpha = ln(P)/N; measured: erfc-fit half-point ± s.e., or [bracket] where the step is sharper than the grid",
        f"# iterated: end overlap with the cued pattern >= {res.attrs.get('m_retrieval', 0.5)}; one-step: the cued",
        "# pattern keeps > 1/2 of the softmax weight at x = xi (LM's criterion); theory: alpha_1 (N -> oo), finite-N",
        f"{'patterns':>9} {'lam':>5} {'N':>4} {'iterated':>17} {'mean field':>10} {'one-step':>17} {'annealed':>9}"
        f" {'alpha_1':>8}",
    ]
    frame = res[list(_OUT)].to_dataframe()
    for (patterns, lam, N), r in frame.iterrows():
        if not (np.isfinite(r["alpha_fp_lo"]) or np.isfinite(r["alpha_fp_hi"]) or np.isfinite(r["alpha_fp_half"])):
            if not np.isfinite(r["alpha_onestep_lo"]) and not np.isfinite(r["alpha_onestep_hi"]):
                continue  # nothing simulated in this cell
        lines.append(
            f"{patterns:>9} {lam:>5g} {N:>4d} {_measured(r, 'fp'):>17} {fmt(r['alpha_fixed_point_theory']):>10}"
            f" {_measured(r, 'onestep'):>17} {fmt(r['alpha_half_theory']):>9} {fmt(r['alpha_1']):>8}"
        )
    return "\n".join(lines)


def plot(res: xr.Dataset, title: str = "") -> Any:
    """alpha_1 against lam (theory curve) with the measured half-points per N, one panel per ensemble."""
    from matplotlib import rcParams

    from amphase import theory
    from amphase.analysis.figures import new_figure

    ens = [str(p) for p in res["patterns"].values]
    fig = new_figure(5.5 * len(ens), 4.2)
    axes = fig.subplots(1, len(ens), squeeze=False)
    lam_max = float(res["lam"].max()) * 1.15
    grid = np.linspace(lam_max / 200, lam_max, 200)
    colors = rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, patterns in zip(axes[0], ens, strict=True):
        a1 = [theory.get("dense.lse_threshold")(lam=float(x), patterns=patterns)["alpha_1"] for x in grid]
        ax.plot(grid, a1, "k-", lw=1.5, label=r"$\alpha_1(\lambda)$, $N\to\infty$")
        sub = res.sel(patterns=patterns)
        lams = sub["lam"].values.astype(float)
        for j, N in enumerate(sub["N"].values):
            c = colors[j % len(colors)]
            s = sub.sel(N=N)
            dx = (j - (sub.sizes["N"] - 1) / 2) * 0.006 * lam_max
            fp, fe = s["alpha_fp_half"].values, s["alpha_fp_half_error"].values
            lo, hi = s["alpha_fp_lo"].values, s["alpha_fp_hi"].values
            mid = np.where(np.isfinite(fp), fp, (lo + hi) / 2)
            err = np.where(np.isfinite(fp), fe, (hi - lo) / 2)
            ax.errorbar(lams + dx, mid, yerr=err, fmt="o", color=c, ms=4, capsize=2, label=f"N={N} iterated")
            os_, oe = s["alpha_onestep_half"].values, s["alpha_onestep_half_error"].values
            olo, ohi = s["alpha_onestep_lo"].values, s["alpha_onestep_hi"].values
            omid = np.where(np.isfinite(os_), os_, (olo + ohi) / 2)
            oerr = np.where(np.isfinite(os_), oe, (ohi - olo) / 2)
            ax.errorbar(lams + dx, omid, yerr=oerr, fmt="s", mfc="none", color=c, ms=4, capsize=2)
            ax.plot(lams + dx, s["alpha_fixed_point_theory"].values, "_", color=c, ms=12, mew=2)
        ax.set_xlabel(r"inverse temperature $\lambda$")
        ax.set_ylabel(r"$\alpha = \ln P / N$ at half retrieval")
        ax.set_title(f"{patterns} patterns")
        ax.set_xlim(0, lam_max)
        ax.set_ylim(0, None)
    axes[0][0].legend(fontsize=7, loc="upper left", title="filled: iterated; open: one-step; bar: mean field",
                      title_fontsize=7)  # fmt: skip
    if title:
        fig.suptitle(title, fontsize=9)
    return fig


#: what ``amphase compare`` runs on a dataset of the model ``dense.exp_retrieval``.
COMPARISON = Comparison(compare=compare, table=table, plot=plot, coords=True)
