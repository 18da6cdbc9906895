r"""The circle toy beside the theory (``diffusion.landscape`` datasets): attractor counts, ring radius, the figure.

:func:`compare` takes a dataset of ``amphase run`` with model ``diffusion.landscape`` (K and t grid dimensions or
single values) and returns, per (K, t):

``n_own``, ``n_unowned``, ``n_memorized``, ``n_spurious``, ``n_attractors``, ``n_stalled`` (+ ``_error``)
    means over realizations of the stored counts, and their standard errors (standard deviation over realizations
    over :math:`\sqrt R`; NaN with one realization). ``n_own`` / ``n_unowned`` use the weight rule (memorized: one
    training point carries more than ``own_weight`` of the softmax weight), which is the theory's;
    ``n_memorized`` / ``n_spurious`` the distance rule (within ``delta_m`` times the data scale);
``theory_own``, ``theory_spurious``, ``theory_minima`` (+ ``_error``)
    the ring-profile model at the same :math:`\beta` and K (``dense.circle_minima``,
    :func:`amphase.theory.lse_circle_profile.circle_profile_counts`, Monte Carlo means over random angle sets with their
    standard errors);
``pair_own``, ``pair_spurious``
    the pair rule (``own_pair``, ``minima_pair - own_pair`` of ``dense.circle_minima``; good at small K only);
``minima_limit``
    the Rice limit of the number of minima as :math:`K\to\infty` (all spurious);
``R_theory``, ``radius_theory``, ``radius_spread_theory``, ``radius_mean`` (+ ``_error``)
    the continuum ring :math:`R = I_1(2\beta R)/I_0(2\beta R)` (``dense.circle_ring``); the mean radius of the minima
    at this K, R plus the offset of :func:`amphase.theory.lse_circle_profile.circle_ring_spread` (first order in
    :math:`K^{-1/2}`; the minima of random points sit slightly outside R), and their rms spread about it; the
    measured mean distance from the origin of the attractors owned by no training point (pooled over realizations;
    standard error from the spread of the per-realization means). The radius theory is given (else NaN) where the
    points are dense: the ring-profile model expects fewer than :data:`DENSE_OWN` own minima, so that every
    attractor is a ring minimum;
``energy``, ``train_x``, ``fp_*``
    realization 0, for the figure.

All theory values are NaN where the ring does not exist (:math:`\beta \le 1`), where the theory refuses the
parameters, or (radius) where no unowned attractor was found.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis.compare import Comparison
from amphase.analysis.tables import fmt, pm
from amphase.dataset import fixed_param, without_fixed_coords
from amphase.errors import ParameterError

__all__ = ["COMPARISON", "compare", "plot", "table", "theory_at"]

#: the stored counts the comparison averages.
COUNTS = ("n_own", "n_unowned", "n_memorized", "n_spurious", "n_attractors", "n_stalled")

#: Monte Carlo draws of the ring-profile model (its standard error is printed beside it).
THEORY_DRAWS = 2000

#: the ring's radius theory is given where the ring-profile model expects fewer own minima than this (dense points).
DENSE_OWN = 0.01

#: the theory's values per (K, beta), in the order :func:`theory_at` returns them.
THEORY = (
    "theory_own",
    "theory_own_error",
    "theory_spurious",
    "theory_spurious_error",
    "theory_minima",
    "theory_minima_error",
    "pair_own",
    "pair_spurious",
    "minima_limit",
    "R_theory",
    "radius_theory",
    "radius_spread_theory",
)


def theory_at(K: int, beta: float, own_weight: float, draws: int | None = None) -> dict[str, float]:
    """The theory's counts and ring radius for K random points on the unit circle at ``beta`` (NaN where none).

    ``draws``: Monte Carlo draws of the ring-profile model (default :data:`THEORY_DRAWS`, read at each call).
    """
    draws = THEORY_DRAWS if draws is None else int(draws)
    from amphase import theory
    from amphase.theory.lse_circle_profile import circle_ring_spread

    out = dict.fromkeys(THEORY, math.nan)
    if not beta > 1.0:
        out["R_theory"] = 0.0
        return out
    try:
        c = theory.get("dense.circle_minima")(beta=beta, K=K, own_weight=own_weight, draws=draws)
        ring = theory.get("dense.circle_ring")(beta=beta)
    except ParameterError:
        return out
    out.update(
        theory_own=c["own"],
        theory_own_error=c["own_error"],
        theory_spurious=c["spurious"],
        theory_spurious_error=c["spurious_error"],
        theory_minima=c["minima"],
        theory_minima_error=c["minima_error"],
        pair_own=c["own_pair"],
        pair_spurious=c["minima_pair"] - c["own_pair"],
        minima_limit=c["minima_limit"],
        R_theory=ring["R"],
    )
    if c["own"] < DENSE_OWN:  # every minimum a ring minimum: the expansion about the ring applies
        spread = circle_ring_spread(K, beta)
        out.update(radius_theory=ring["R"] + spread.offset, radius_spread_theory=spread.sigma_minima)
    return out


def _with_grid(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with K and t as dimensions (length 1 from the fixed parameters where they were not gridded)."""
    for name in ("K", "t"):
        if name not in ds.dims:
            value = fixed_param(ds, name, None)
            if value is None:
                raise ParameterError(f"the dataset has neither a {name} dimension nor the fixed parameter {name}")
            ds = ds.drop_vars(name, errors="ignore").expand_dims({name: [value]})
    extra = [d for d in ds["n_own"].dims if d not in ("K", "t", "realization")]
    if extra:
        raise ParameterError(f"a diffusion.landscape comparison takes K and t as grid dimensions only; got {extra}")
    return ds


def _mean_error(a: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    R = int(a.sizes["realization"])
    err = a.std("realization", ddof=1) / math.sqrt(R) if R > 1 else xr.full_like(a.isel(realization=0), np.nan)
    return a.mean("realization"), err


def _radii(ds: xr.Dataset) -> tuple[xr.DataArray, xr.DataArray]:
    """Mean radius of the unowned attractors (pooled) and its standard error from the per-realization means."""
    x = ds["fp_x"]
    r = np.sqrt((x * x).sum("coord", skipna=False))
    own_weight = float(fixed_param(ds, "own_weight", 0.6))
    keep = (ds["fp_kind"] == 0) & (ds["fp_weight"] <= own_weight)
    r = r.where(keep)
    per = r.mean("fixed_point")  # NaN for a realization without one
    n = keep.sum("fixed_point")
    pooled = (r.sum(["fixed_point", "realization"]) / n.sum("realization")).where(n.sum("realization") > 0)
    R = per.notnull().sum("realization")
    err = per.std("realization", ddof=1) / np.sqrt(R.where(R > 1))
    return pooled, err


def compare(ds: xr.Dataset) -> xr.Dataset:
    """Counts and ring radius against the theory, and realization 0 for the figure (module docstring)."""
    missing = [v for v in (*COUNTS, "fp_x", "fp_kind", "fp_weight", "energy", "train_x", "beta") if v not in ds]
    if missing:
        raise ParameterError(f"the dataset lacks {missing} that a diffusion.landscape comparison needs")
    source = ds
    ds = _with_grid(ds)
    res = xr.Dataset()
    for v in COUNTS:
        a = ds[v].where(ds[v] >= 0).astype(float)
        res[v], res[f"{v}_error"] = _mean_error(a)
    res["radius_mean"], res["radius_mean_error"] = _radii(ds)
    beta = ds["beta"].isel(realization=0)
    res["beta"] = beta
    own_weight = float(fixed_param(ds, "own_weight", 0.6))
    th = {name: np.full((ds.sizes["K"], ds.sizes["t"]), np.nan) for name in THEORY}
    for i, K in enumerate(ds["K"].values):
        for j in range(ds.sizes["t"]):
            b = float(beta.isel(K=i, t=j))
            for name, value in theory_at(int(K), b, own_weight).items():
                th[name][i, j] = value
    for name, values in th.items():
        res[name] = (("K", "t"), values)
    first = ds.isel(realization=0)
    for v in ("energy", "train_x", "fp_x", "fp_kind", "fp_weight", "fp_memorized", "fp_basin", "fp_eig"):
        if v in first:
            res[v] = first[v]
    res.attrs.update(
        realizations=int(ds.sizes["realization"]),
        own_weight=own_weight,
        delta_m=float(fixed_param(ds, "delta_m", math.nan)),
        lim=float(fixed_param(ds, "lim", float(np.abs(ds["grid_x"]).max()) if "grid_x" in ds else 1.5)),
        sigma=float(fixed_param(ds, "sigma", 1.0)),
        source_title=ds.attrs.get("title", ""),
    )
    return without_fixed_coords(res, source)


def _pm(res: xr.Dataset, name: str, err: str, sel: dict[str, Any], digits: int = 2) -> str:
    """``name±err`` of ``res`` at ``sel`` (:func:`~amphase.analysis.tables.pm`)."""
    return pm(res[name].sel(sel), res[err].sel(sel), digits)


def table(res: xr.Dataset) -> str:
    """One block per t, one line per K: measured counts and radius against the theory."""
    a = res.attrs
    lines = [
        f"# circle toy, VE sigma = {a['sigma']:g}; {a['realizations']} realizations; mean ± s.e. over realizations",
        f"# memorized by weight: one training point's softmax weight > {a['own_weight']:g} (the theory's rule); "
        f"by distance: within {a['delta_m']:g} x data scale. Theory: ring-profile model (± Monte Carlo s.e.), pair "
        "rule, Rice limit (amphase.theory.lse_landscape)",
        f"{'K':>6} {'own':>10} {'spurious':>10} | {'theory own':>11} {'theory spur':>11} {'pair own':>8} "
        f"{'pair spur':>9} | {'dist mem':>9} {'dist spur':>9} {'stalled':>7} | {'radius':>13} {'theory':>13} "
        f"{'R(beta)':>7}",
    ]
    for t in res["t"].values:
        b = float(res["beta"].sel(t=t).isel(K=0))
        lim = float(res["minima_limit"].sel(t=t).isel(K=0))
        lines.append(f"# t = {t:g}, beta = {b:.4g}: Rice limit of the number of minima (K -> inf) {fmt(lim, 2)}")
        for K in res["K"].values:
            s = {"K": K, "t": t}

            def pe(name: str, width: int, digits: int = 2, s: dict[str, Any] = s) -> str:
                return f"{_pm(res, name, name + '_error', s, digits):>{width}}"

            def val(name: str, width: int, digits: int = 2, s: dict[str, Any] = s) -> str:
                return f"{fmt(res[name].sel(s), digits, width)}"

            lines.append(
                f"{int(K):>6} {pe('n_own', 10)} {pe('n_unowned', 10)} | {pe('theory_own', 11)} "
                f"{pe('theory_spurious', 11)} {val('pair_own', 8)} {val('pair_spurious', 9)} | {pe('n_memorized', 9)} "
                f"{pe('n_spurious', 9)} {val('n_stalled', 7, 1)} | {pe('radius_mean', 13, 4)} "
                f"{_pm(res, 'radius_theory', 'radius_spread_theory', s, 4):>13} {val('R_theory', 7, 4)}"
            )
    lines.append(
        "# columns: own / spurious: attractors owned / owned by no training point (by weight); theory own / spur: "
        "the ring-profile model; pair own / spur: the pair rule; dist mem / spur: attractors within / beyond delta_m "
        "of a training point; stalled: starts whose descent did not converge within max_steps (their end points are "
        "no attractor and are counted in no other column)"
    )
    lines.append(
        "# radius: mean distance from the origin of the attractors owned by no point (dense K: the ring minima); "
        "theory: R(beta) + the offset of the minima at this K ± their rms spread (circle_ring_spread, first order in "
        "K^-1/2)"
    )
    return "\n".join(lines)


def plot(res: xr.Dataset, title: str = "") -> Any:
    """The toy figure: one column per K, one row per t; realization 0's landscape, attractors and the ring R(beta)."""
    from amphase.analysis.diffusion.attractor_figures import draw_attractors, draw_landscape, legend_below
    from amphase.analysis.figures import new_figure

    nK, nt = res.sizes["K"], res.sizes["t"]
    fig = new_figure(3.0 * nK, 3.3 * nt + 0.9)
    axes = fig.subplots(nt, nK, squeeze=False)
    lim = float(res.attrs["lim"])
    own_weight = float(res.attrs["own_weight"])
    for j, t in enumerate(res["t"].values):
        for i, K in enumerate(res["K"].values):
            ax = axes[j, i]
            r = res.sel(K=K, t=t)
            pts = r["train_x"].values
            pts = pts[np.isfinite(pts).all(axis=1)]
            R = float(r["R_theory"])
            draw_landscape(ax, r["energy"].values, lim, pts, ring=R if R > 0 else None)
            x = r["fp_x"].values
            kind = r["fp_kind"].values
            att = kind == 0
            own = r["fp_weight"].values > own_weight
            saddle = kind == 1
            if saddle.any():
                ax.scatter(x[saddle, 0], x[saddle, 1], marker="+", s=30, color="white", lw=1, label="saddles", zorder=4)
            draw_attractors(ax, x, [(att & own, "memorized"), (att & ~own, "spurious")])
            b = float(r["beta"])
            ax.set_title(f"K = {int(K)}, t = {t:g} (beta = {b:.3g})\n{int((att & own).sum())} memorized, "
                         f"{int((att & ~own).sum())} spurious", fontsize=8)  # fmt: skip
    legend_below(fig, axes)
    fig.suptitle(
        (title or res.attrs.get("source_title", ""))
        + f"\nrealization 0; memorized: one point's softmax weight > {own_weight:g}; dashed: continuum ring R(beta)",
        fontsize=9,
    )
    return fig


#: what ``amphase compare`` runs on a dataset of the ``diffusion.landscape`` model.
COMPARISON = Comparison(compare=compare, table=table, plot=plot, coords=True)
