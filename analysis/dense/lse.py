r"""Minima of the continuous LSE DenseAM (``dense.lse`` datasets) against the theory, at the same coordinates.

:func:`compare` takes a dataset of ``amphase run`` with model ``dense.lse`` and returns, by geometry:

``circle`` (over K)
    ``n_minima``, ``n_memory_minima``, ``n_spurious``: mean over realizations and its standard error (the
    standard deviation over realizations / sqrt(n); NaN for one realization);
    ``memory_fraction`` = own minima (weight rule; the distance rule for older datasets) / K;
    ``ring_radius`` (mean distance of the minima from the circle's centre, averaged over realizations) against
    the continuum ring :math:`R = I_1(2\beta R)/I_0(2\beta R)` (``dense.circle_ring``, a ring for
    :math:`\beta > 1`), with the finite-K tolerance :func:`ring_tolerance`; ``K_merge``: the K where the fraction of
    memories with their own minimum falls through 1/2 (log-linear interpolation). Where the dataset has
    ``n_own_minima`` (minima where one memory carries more than ``own_weight`` of the softmax weight): own and
    not-own minima beside ``dense.circle_minima`` at each K (ring-profile model with its Monte Carlo error, the pair
    rule, the K -> infinity Rice limit) and the deviations in combined standard errors.
``pair`` / ``simplex`` (over beta)
    ``centroid_fraction``: the fraction of realizations with a minimum at the centroid; the predicted threshold
    (``dense.pair_midpoint_beta``: :math:`2/D^2`; ``dense.simplex_centroid_beta``: :math:`(K-1)/2` at unit radius)
    and the measured bracket: the largest beta with a centroid minimum in every realization and the smallest beta
    above it without one.

The theory quantities come from :func:`amphase.theory.get`; where one is not registered the column is NaN.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis.compare import Comparison
from amphase.analysis.tables import fmt
from amphase.dataset import fixed_param, without_fixed_coords
from amphase.errors import NoSolutionError, ParameterError

__all__ = ["COMPARISON", "compare", "plot", "ring_tolerance", "table"]


def _theory(name: str, **params: Any) -> float:
    """The first result of theory quantity ``name``; NaN where it is missing, or has no solution there."""
    from amphase import theory

    try:
        out = theory.get(name)(**params)
    except (NoSolutionError, ParameterError):
        return math.nan
    return float(next(iter(out.values())))


def ring_tolerance(K: int, beta: float, R: float) -> float:
    r"""Standard deviation of the radius of a minimum on the ring at finite K (random angles).

    With von Mises weights :math:`w(\varphi) \propto e^{\kappa\cos\varphi}`, :math:`\kappa = 2\beta R`, the
    effective number of memories under the weights is :math:`K_{eff} = K I_0(\kappa)^2 / I_0(2\kappa)`, the radial
    fixed-point equation :math:`r = \langle\cos\varphi\rangle_w` fluctuates by
    :math:`\sqrt{\operatorname{Var}_w\cos\varphi / K_{eff}}` with
    :math:`\operatorname{Var}_w\cos\varphi = 1 - R/\kappa - R^2`, and the radius responds by
    :math:`1/(1 - 2\beta \operatorname{Var}_w\cos\varphi)` (one minus the radial fixed-point slope).
    """
    from scipy.special import i0e

    kappa = 2 * beta * R
    if not kappa > 0:
        return math.nan
    k_eff = K * i0e(kappa) ** 2 / i0e(2 * kappa)
    var = max(1 - R / kappa - R * R, 0.0)
    slope = 1 - 2 * beta * var
    return math.sqrt(var / k_eff) / slope if slope > 0 else math.nan


def _mean_err(a: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    a = a.where(a >= 0) if a.dtype.kind in "iu" else a
    a = a.astype(float)
    n = a.count("realization")
    return a.mean("realization"), a.std("realization", ddof=1) / np.sqrt(n.where(n > 1))


def _param(ds: xr.Dataset, name: str) -> Any:
    return ds[name].values if name in ds.dims else fixed_param(ds, name, None)


def _circle(ds: xr.Dataset) -> xr.Dataset:
    res = xr.Dataset(coords={"K": ds["K"]} if "K" in ds.dims else {})
    for v in ("n_minima", "n_memory_minima", "n_spurious", "n_saddles", "n_unconverged"):
        res[v], res[f"{v}_error"] = _mean_err(ds[v])
    K = ds["K"] if "K" in ds.dims else float(fixed_param(ds, "K"))
    own = "n_own_minima" if "n_own_minima" in ds else "n_memory_minima"  # the weight rule where the dataset has it
    res["memory_fraction"] = (ds[own].where(ds[own] >= 0).astype(float).mean("realization")) / K
    res["ring_radius"], res["ring_radius_error"] = _mean_err(ds["ring_radius"])
    beta = float(fixed_param(ds, "beta")) if "beta" not in ds.dims else math.nan
    R = _theory("dense.circle_ring", beta=beta)
    res["R_theory"] = R
    ks = np.atleast_1d(np.asarray(K, dtype=float))
    res["R_tolerance"] = (("K",), [ring_tolerance(int(k), beta, R) for k in ks]) if "K" in ds.dims else math.nan
    res["R_deviation"] = (res["ring_radius"] - R) / res["R_tolerance"]
    frac = np.atleast_1d(res["memory_fraction"].values)
    k_merge = math.nan
    for i in range(len(frac) - 1):
        if frac[i] >= 0.5 > frac[i + 1]:
            t = (frac[i] - 0.5) / (frac[i] - frac[i + 1])
            k_merge = float(np.exp(np.log(ks[i]) + t * (np.log(ks[i + 1]) - np.log(ks[i]))))
            break
    res["K_merge"] = k_merge
    if "n_own_minima" in ds:
        _circle_counts(ds, res, beta, ks)
    res.attrs.update(geometry="circle", beta=beta)
    return res


def _circle_counts(ds: xr.Dataset, res: xr.Dataset, beta: float, ks: np.ndarray) -> None:
    """Own and not-own minima (the weight rule) beside ``dense.circle_minima`` at each K."""
    from amphase import theory

    own = ds["n_own_minima"].where(ds["n_own_minima"] >= 0)
    res["n_own_minima"], res["n_own_minima_error"] = _mean_err(own)
    res["n_not_own"], res["n_not_own_error"] = _mean_err(ds["n_minima"].where(ds["n_minima"] >= 0) - own)
    w = fixed_param(ds, "own_weight", None)
    keys = ("minima", "own", "spurious", "minima_error", "own_error", "spurious_error", "own_pair", "minima_pair")
    rows = []
    for k in ks:
        try:
            out = theory.get("dense.circle_minima")(beta=beta, K=int(k), **({"own_weight": float(w)} if w else {}))
        except (NoSolutionError, ParameterError, KeyError):
            out = dict.fromkeys((*keys, "minima_limit"), math.nan)
        rows.append(out)
    for key in keys:
        res[f"{key}_theory"] = (("K",), [float(r[key]) for r in rows])
    res["minima_limit"] = float(rows[-1]["minima_limit"]) if rows else math.nan
    for v, t in (("n_minima", "minima"), ("n_own_minima", "own"), ("n_not_own", "spurious")):
        err = np.hypot(res[f"{v}_error"], res[f"{t}_error_theory"])
        res[f"{v}_deviation"] = (res[v] - res[f"{t}_theory"]) / err


def _threshold(ds: xr.Dataset, geometry: str) -> xr.Dataset:
    frac = ds["centroid_minimum"].where(ds["centroid_minimum"] >= 0).mean("realization")
    res = xr.Dataset({"centroid_fraction": frac})
    for v in ("n_minima", "n_saddles"):
        res[v], res[f"{v}_error"] = _mean_err(ds[v])
    if geometry == "pair":
        D = float(fixed_param(ds, "D", 1.0))
        pred = _theory("dense.pair_midpoint_beta", D=D)
    else:
        K = int(fixed_param(ds, "K"))
        pred = _theory("dense.simplex_centroid_beta", K=K)
    betas = ds["beta"].values
    f = frac.values
    below = [b for b, x in zip(betas, f, strict=True) if x == 1]
    lo = max(below) if below else math.nan
    above = [b for b, x in zip(betas, f, strict=True) if b > lo and x < 1] if below else []
    hi = min(above) if above else math.nan
    res["beta_theory"] = pred
    res["beta_low"] = lo
    res["beta_high"] = hi
    res["inside"] = int(lo <= pred < hi) if np.isfinite([lo, hi, pred]).all() else -1
    res.attrs.update(geometry=geometry)
    return res


def compare(ds: xr.Dataset) -> xr.Dataset:
    """Compare a ``dense.lse`` dataset with the theory (see the module docstring)."""
    if "n_minima" not in ds:
        raise ParameterError("the dataset lacks the variable n_minima that a dense.lse comparison needs")
    geometry = str(_param(ds, "geometry"))
    if geometry == "circle":
        if "K" not in ds.dims:
            raise ParameterError("a circle comparison needs K as a grid dimension")
        res = _circle(ds)
    elif geometry in ("pair", "simplex"):
        if "beta" not in ds.dims:
            raise ParameterError(f"a {geometry} comparison needs beta as a grid dimension")
        res = _threshold(ds, geometry)
    else:
        raise ParameterError(f"no comparison for geometry={geometry!r} (circle, pair or simplex)")
    res = without_fixed_coords(res, ds)
    res.attrs["source_title"] = ds.attrs.get("title", "")
    return res


def table(res: xr.Dataset) -> str:
    """The comparison as text."""
    lines = []
    if res.attrs["geometry"] == "circle":
        beta = res.attrs["beta"]
        lines.append(f"# memories on the unit circle at beta = {beta}: minima per K (mean ± s.e. over realizations)")
        lines.append(f"# continuum ring radius R = {fmt(float(res.R_theory))} (dense.circle_ring); tol = 1 s.d. at K")
        lines.append(
            f"{'K':>6} {'minima':>13} {'on memory':>13} {'spurious':>13} {'mem/K':>6} {'radius':>16} {'dev':>6}"
        )
        for i, K in enumerate(res["K"].values):
            r = res.isel(K=i)
            lines.append(
                f"{int(K):>6} {fmt(float(r.n_minima), 2):>6}±{fmt(float(r.n_minima_error), 2):<6}"
                f" {fmt(float(r.n_memory_minima), 2):>6}±{fmt(float(r.n_memory_minima_error), 2):<6}"
                f" {fmt(float(r.n_spurious), 2):>6}±{fmt(float(r.n_spurious_error), 2):<6}"
                f" {fmt(float(r.memory_fraction), 2):>6}"
                f" {fmt(float(r.ring_radius)):>7}±{fmt(float(r.ring_radius_error)):<8}"
                f" {fmt(float(r.R_deviation), 1):>6}"
            )
        lines.append(f"# K where half the memories have lost their own minimum: {fmt(float(res.K_merge), 1)}")
        lines.append("# dev: (ring radius - R) / finite-K tolerance (ring_tolerance); meaningful once the minima merge")
        if "minima_theory" in res:
            lines.extend(_counts_table(res))
    else:
        g = res.attrs["geometry"]
        lines.append(f"# {g}: a minimum at the centroid, fraction of realizations, per beta")
        lines.append(f"{'beta':>8} {'centroid':>9} {'minima':>13} {'saddles':>8}")
        for i, b in enumerate(res["beta"].values):
            r = res.isel(beta=i)
            lines.append(
                f"{b:>8.4g} {fmt(float(r.centroid_fraction), 2):>9} {fmt(float(r.n_minima), 2):>6}±"
                f"{fmt(float(r.n_minima_error), 2):<6} {fmt(float(r.n_saddles), 2):>8}"
            )
        verdict = {1: "inside", 0: "OUTSIDE"}.get(int(res.inside), "n/a")
        lines.append(
            f"# threshold: theory {fmt(float(res.beta_theory))}, measured between {fmt(float(res.beta_low))} and "
            f"{fmt(float(res.beta_high))} ({verdict})"
        )
    return "\n".join(lines)


def _counts_table(res: xr.Dataset) -> list[str]:
    lines = [
        "# minima owned by one memory (softmax weight > own_weight) and by none, against dense.circle_minima:",
        "# ring-profile model (Monte Carlo, its s.e. in the deviation), pair rule (own_pair, minima_pair)",
        f"{'K':>6} {'minima':>12} {'model':>6} {'pair':>6} {'dev':>5} {'own':>12} {'model':>6} {'pair':>6} {'dev':>5}"
        f" {'not own':>12} {'model':>6} {'dev':>5}",
    ]

    def cell(r: xr.Dataset, v: str) -> str:
        return f"{fmt(float(r[v]), 2):>5}±{fmt(float(r[f'{v}_error']), 2):<6}"

    for i, K in enumerate(res["K"].values):
        r = res.isel(K=i)
        parts = [f"{int(K):>6}"]
        for v, t, pair in (
            ("n_minima", "minima", True),
            ("n_own_minima", "own", True),
            ("n_not_own", "spurious", False),
        ):
            parts += [cell(r, v), f"{fmt(float(r[f'{t}_theory']), 2):>6}"]
            parts += [f"{fmt(float(r[f'{t}_pair_theory']), 2):>6}"] if pair else []
            parts += [f"{fmt(float(r[f'{v}_deviation']), 1):>5}"]
        lines.append(" ".join(parts))
    lines.append(f"# K -> infinity (Rice formula on the ring): {fmt(float(res.minima_limit), 3)} minima, none owned")
    lines.append("# dev: (measured - model) / sqrt(s.e.^2 + model s.e.^2)")
    return lines


def plot(res: xr.Dataset, title: str = "") -> Any:
    """Counts (circle: minima and ring radius against K; pair/simplex: centroid fraction against beta)."""
    from amphase.analysis.figures import new_figure

    fig = new_figure(10, 4)
    ax1, ax2 = fig.subplots(1, 2)
    if res.attrs["geometry"] == "circle":
        K = res["K"].values
        if "minima_theory" in res:
            series = (("n_minima", "minima", "all"), ("n_own_minima", "own", "own (w > own_weight)"),
                      ("n_not_own", "spurious", "not own"))  # fmt: skip
            for (v, t, label), color in zip(series, ("k", "C0", "C3"), strict=True):
                ax1.errorbar(K, res[v], yerr=res[f"{v}_error"].fillna(0), fmt="o", color=color, label=label, capsize=2)
                ax1.plot(K, res[f"{t}_theory"], "-", color=color, lw=1)
            ax1.plot(K, res["own_pair_theory"], ":", color="C0", lw=1, label="pair rule")
            ax1.plot(K, res["minima_pair_theory"], ":", color="k", lw=1)
            ax1.axhline(float(res["minima_limit"]), color="0.5", ls="--", lw=1, label="Rice, K → ∞")
            ax1.set(xscale="log", xlabel="K", ylabel="minima (lines: ring-profile model)")
        else:
            for v, label in (("n_memory_minima", "on a memory"), ("n_spurious", "spurious"), ("n_minima", "all")):
                ax1.errorbar(K, res[v], yerr=res[f"{v}_error"].fillna(0), marker="o", label=label, capsize=2)
            ax1.plot(K, K, "k:", lw=1, label="K")
            ax1.set(xscale="log", yscale="log", xlabel="K", ylabel="minima")
        ax1.legend(fontsize=7)
        ax2.errorbar(K, res["ring_radius"], yerr=res["ring_radius_error"].fillna(0), marker="o", label="measured")
        R, tol = float(res["R_theory"]), res["R_tolerance"].values
        ax2.plot(K, np.full(len(K), R), "k-", label="continuum R")
        ax2.fill_between(K, R - tol, R + tol, color="0.8", label="±1 s.d. at K")
        ax2.set(xscale="log", xlabel="K", ylabel="distance of minima from centre")
        ax2.legend()
    else:
        b = res["beta"].values
        ax1.plot(b, res["centroid_fraction"], "o-")
        ax1.axvline(float(res["beta_theory"]), color="k", ls="--", label="theory")
        ax1.set(xlabel="beta", ylabel="centroid minimum (fraction)")
        ax1.legend()
        ax2.errorbar(b, res["n_minima"], yerr=res["n_minima_error"].fillna(0), marker="o", label="minima")
        ax2.plot(b, res["n_saddles"], "s-", label="saddles")
        ax2.set(xlabel="beta", ylabel="count")
        ax2.legend()
    fig.suptitle(title)
    return fig


#: what ``amphase compare`` runs on a dataset of the ``dense.lse`` model.
COMPARISON = Comparison(compare=compare, table=table, plot=plot, coords=True)
