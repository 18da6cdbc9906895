r"""Basin radius, basin time and relative energy per attractor kind against K (``diffusion.basins`` datasets).

:func:`compare` takes a dataset of ``amphase run`` with model ``diffusion.basins`` and K as a grid dimension (other
grid dimensions are kept, and averaged in the table and figure) and returns, per K and kind (memorized, spurious):

``p_return``, ``p_return_error`` (kind, level)
    the mean over realizations of each realization's return fraction (pooled over its tested attractors) and its
    standard error, the spread over realizations divided by :math:`\sqrt{R}` (realizations with no attractor of the
    kind are left out); with one usable realization, the Wilson half-width of its counts;
``noise_basin``, ``t_basin``, ``relative_energy``, ``ground_energy``, ``line_radius``, ``barrier`` (kind), ``*_error``
    the same mean and error over the realizations where the quantity exists (``n_basin``: in how many the 0.9
    crossing was found; ``n_above``, ``n_below``: where it lay beyond the largest or below the smallest level);
``noise_basin_voronoi``, ``noise_basin_pair``, ``voronoi_probability``, ``pair_probability``
    the two predictions for memorized attractors (derived in :mod:`amphase.simulate.diffusion.basin_noise`), averaged in
    the same way;
``n_attractors`` (kind)
    the mean number found.

The basin radius is ``noise_basin`` (data units; the circle's data scale is 1 to within 1 %).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis.compare import Comparison
from amphase.analysis.statistics import wilson_interval
from amphase.analysis.tables import fmt, pm
from amphase.dataset import fixed_param, without_fixed_coords
from amphase.errors import ParameterError
from amphase.simulate.diffusion.basin_attractors import KINDS
from amphase.simulate.diffusion.basin_noise import STATUS
from amphase.theory.diffusion.basins import P_CRIT

__all__ = ["COMPARISON", "compare", "plot", "table"]


def _mean_err(a: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
    """Mean over realizations (NaN skipped), its standard error (NaN with fewer than two), and the count used."""
    n = a.notnull().sum("realization")
    m = a.mean("realization", skipna=True)
    e = a.std("realization", ddof=1, skipna=True) / np.sqrt(n.where(n > 1))
    return m, e, n


def compare(ds: xr.Dataset) -> xr.Dataset:
    """The comparison dataset (module docstring)."""
    if "returned" not in ds or "trials" not in ds:
        raise ParameterError("the dataset lacks the variables returned/trials that a diffusion.basins comparison needs")
    if "K" not in ds.dims:
        raise ParameterError("a diffusion.basins comparison needs K as a grid dimension")
    k = ds["returned"].where(ds["returned"] >= 0)
    n = ds["trials"].where(ds["trials"] > 0)
    frac = k / n
    res = xr.Dataset()
    m, e, used = _mean_err(frac)
    kp, np_ = k.sum("realization"), n.sum("realization")
    lo, hi = wilson_interval(kp.values, np_.values)
    res["p_return"] = m
    res["p_return_error"] = e.where(used > 1, xr.DataArray((hi - lo) / 2, dims=kp.dims, coords=kp.coords))
    res["p_pooled_low"] = (kp.dims, lo)
    res["p_pooled_high"] = (kp.dims, hi)
    for v in ("noise_basin", "t_basin"):
        mv, ev, nv = _mean_err(ds[v])
        single = ds[f"{v}_error"].mean("realization", skipna=True)  # the one finite value where nv == 1
        res[v] = mv
        res[f"{v}_error"] = ev.where(nv > 1, single.where(nv == 1))
    st = ds["basin_status"]
    res["n_basin"] = (st == STATUS.index("found")).sum("realization")
    res["n_above"] = (st == STATUS.index("above grid")).sum("realization")
    res["n_below"] = (st == STATUS.index("below grid")).sum("realization")
    for v in ("relative_energy", "ground_energy", "line_radius", "barrier", "noise_basin_voronoi", "noise_basin_pair"):
        mv, ev, _ = _mean_err(ds[v])
        res[v], res[f"{v}_error"] = mv, ev
    for v in ("voronoi_probability", "pair_probability"):
        res[v] = ds[v].mean("realization", skipna=True)
    res["n_attractors"] = ds["n_attractors"].where(ds["n_attractors"] >= 0).mean("realization")
    res["n_tested"] = ds["n_tested"].where(ds["n_tested"] >= 0).mean("realization")
    res["unconverged_fraction"] = (ds["unconverged"].where(ds["unconverged"] >= 0).sum(("realization", "level"))
                                   / n.sum(("realization", "level")))  # fmt: skip
    res["data_scale"] = ds["data_scale"].mean()
    res.attrs.update(
        beta=float(fixed_param(ds, "beta", math.nan)) if "beta" not in ds.dims else math.nan,
        sampler=str(fixed_param(ds, "sampler", "")),
        n_noise=int(fixed_param(ds, "n_noise", -1)) if "n_noise" not in ds.dims else -1,
        delta_r=float(fixed_param(ds, "delta_r", math.nan)) if "delta_r" not in ds.dims else math.nan,
        realizations=int(ds.sizes["realization"]),
        p_crit=P_CRIT,
        source_title=ds.attrs.get("title", ""),
    )
    return without_fixed_coords(res, ds)


def _display(res: xr.Dataset) -> xr.Dataset:
    extra = [d for d in res["noise_basin"].dims if d not in ("K", "kind")]
    return res.mean(extra) if extra else res


def table(res: xr.Dataset) -> str:
    """The comparison as text: one line per K and kind."""
    a = res.attrs
    r = _display(res)
    lines = [
        f"# beta = {fmt(a['beta'], 4)}, sampler {a['sampler']} back to the stop then descent, {a['n_noise']} noisings "
        f"per attractor and level, return within {a['delta_r']} x data scale; {a['realizations']} realizations",
        f"# r_basin: noise std where P_return < {a['p_crit']} (the basin radius, data units); mean ± s.e. over "
        "realizations (N: where found; >: P stayed above on the whole grid)",
        "# dE: LSE energy at beta above the lowest memorized attractor (realizations that have one); dE0: above the "
        "lowest attractor; line r: distance to the energy maximum on "
        "the segment to the nearest attractor; theory (memorized): Voronoi cell (MC) and nearest-neighbour pair "
        "(derived here)",
        f"{'K':>5} {'kind':>9} {'attr.':>6} {'N':>2} {'>':>2} {'r_basin':>13} {'t_basin':>15} "
        f"{'dE':>15} {'dE0':>15} {'line r':>7} {'barrier':>7} {'Voronoi':>13} {'pair':>7}",
    ]
    for i, K in enumerate(r["K"].values):
        for kind in KINDS:
            row = r.isel(K=i).sel(kind=kind)
            th = kind == "memorized"
            lines.append(
                f"{int(K):>5} {kind:>9} {fmt(float(row.n_attractors), 1):>6} {int(row.n_basin):>2} "
                f"{int(row.n_above):>2} {pm(float(row.noise_basin), float(row.noise_basin_error), nan='—'):>13} "
                f"{pm(float(row.t_basin), float(row.t_basin_error), 4, nan='—'):>15} "
                f"{pm(float(row.relative_energy), float(row.relative_energy_error), 4, nan='—'):>15} "
                f"{pm(float(row.ground_energy), float(row.ground_energy_error), 4, nan='—'):>15} "
                f"{fmt(float(row.line_radius), 3):>7} {fmt(float(row.barrier), 4):>7} "
                + (
                    f"{pm(float(r.noise_basin_voronoi[i]), float(r.noise_basin_voronoi_error[i]), nan='—'):>13} "
                    f"{fmt(float(r.noise_basin_pair[i]), 3):>7}"
                    if th
                    else f"{'':>13} {'':>7}"
                )
            )
    lines.append(
        f"# descents that missed the tolerance: {fmt(float(r.unconverged_fraction.max()), 4)} of the trials at most; "
        f"mean data scale {fmt(float(r.data_scale), 4)}"
    )
    return "\n".join(lines)


def plot(res: xr.Dataset, title: str = "") -> Any:
    """P_return against the noise, memorized and spurious (left, middle), and the basin radius against K (right).

    Dotted on the left: the Voronoi-cell prediction; on the right, the Voronoi and nearest-neighbour-pair predictions
    of the memorized basin radius (the pair line is exact for K = 2 with the ODE).
    """
    from amphase.analysis.figures import new_figure

    r = _display(res)
    fig = new_figure(15, 4.8)
    axes = fig.subplots(1, 3)
    K = r["K"].values
    lev = r["level"].values
    for ax, kind in zip(axes[:2], KINDS, strict=True):
        for i in range(len(K)):
            c = f"C{i % 10}"
            p = r["p_return"].isel(K=i).sel(kind=kind)
            if bool(p.notnull().any()):
                ax.errorbar(lev, p, yerr=r["p_return_error"].isel(K=i).sel(kind=kind).fillna(0), marker=".",
                            capsize=1.5, color=c, label=f"K = {int(K[i])}")  # fmt: skip
            vor = r["voronoi_probability"].isel(K=i)
            if kind == "memorized" and bool(vor.notnull().any()):
                ax.plot(lev, vor, ls=":", color=c, lw=1)
        ax.axhline(P_CRIT, color="k", lw=0.8)
        if kind == "memorized":
            ax.plot([], [], "k:", lw=1, label="Voronoi cell (MC)")
        ax.set(xscale="log", xlabel="noise std / data scale", ylabel="P(return)", ylim=(-0.02, 1.02),
               title=f"{kind} attractors")  # fmt: skip
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
        else:  # no attractor of this kind was tested (e.g. no spurious one found): say so instead of an empty legend
            ax.text(0.5, 0.5, f"no {kind} attractor tested", transform=ax.transAxes, ha="center", va="center")
    ax2 = axes[2]
    for kind, colour in zip(KINDS, ("C0", "C3"), strict=True):
        ax2.errorbar(K, r["noise_basin"].sel(kind=kind), yerr=r["noise_basin_error"].sel(kind=kind).fillna(0),
                     marker="o", capsize=2, color=colour, ls="none", label=f"{kind} (measured)")  # fmt: skip
    ax2.plot(K, r["noise_basin_voronoi"], color="C0", ls="-", lw=1, label="Voronoi cell (memorized)")
    ax2.plot(K, r["noise_basin_pair"], color="C0", ls=":", lw=1.5, label="nearest-neighbour pair (derived)")
    ax2.set(xscale="log", yscale="log", xlabel="K (training points)", ylabel=f"basin radius r (P_return = {P_CRIT})",
            title="basin radius")  # fmt: skip
    ax2.legend(fontsize=8)
    fig.suptitle(title or res.attrs.get("source_title", ""))
    return fig


#: what ``amphase compare`` runs on a dataset of the ``diffusion.basins`` model.
COMPARISON = Comparison(compare=compare, table=table, plot=plot, coords=True)
