r"""AVS's observable (``diffusion.directions`` with ``observable = "spectrum"``) against their critical times.

:func:`compare_spectrum`, :func:`table_spectrum` and :func:`plot_spectrum`, chosen by
:mod:`amphase.analysis.diffusion.directions` when a dataset holds ``projected``; what they return is described in
that module's docstring ("AVS's observable").
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis.diffusion.direction_times import (
    HALF,
    _blocks,
    _crossings,
    _f,
    _predictions,
    _short,
)
from amphase.dataset import fixed_param, without_fixed_coords
from amphase.errors import ParameterError

__all__ = ["MIN_GAP", "compare_spectrum", "plot_spectrum", "table_spectrum"]


#: the spectrum reading keeps a group's kept fraction only where its Gaussian gap 1 - v^G is at least this.
MIN_GAP = 0.05


def compare_spectrum(ds: xr.Dataset) -> xr.Dataset:
    r"""AVS's observable (``observable = "spectrum"``) against their t_c per group (module docstring).

    ``kept`` :math:`= (1 - \bar v_g)/(1 - v^G_g)` (1: the group's gap is the Gaussian one; 0: its singular values
    joined the normal ones), NaN where :math:`1 - v^G_g <` :data:`MIN_GAP`; ``t_spec``: where it falls to 1/2;
    ``t_count``: where the group's threshold count falls to half its Gaussian count (only where that is > 0);
    ``t_cond``: where :math:`1 - \sum w^2` at the stacked probes falls to 1/2.
    """
    for v in ("projected", "projected_gaussian", "count", "count_gaussian", "ipr"):
        if v not in ds:
            raise ParameterError(f"the dataset lacks the variable {v} that a spectrum comparison needs")
    if "K" not in ds.dims and fixed_param(ds, "K", None) is None:
        raise ParameterError("a diffusion.directions comparison needs K (a grid dimension or a parameter)")
    R = int(ds.sizes["realization"])
    gap = 1.0 - ds["projected_gaussian"]
    kept = ((1.0 - ds["projected"]) / gap).where(gap >= MIN_GAP)
    linear = ((1.0 - ds["projected_linear"]) / gap).where(gap >= MIN_GAP) if "projected_linear" in ds else None
    frac = (ds["count"] / ds["count_gaussian"]).where(ds["count_gaussian"] > 0)
    t = ds["time"].values
    res = xr.Dataset()
    res["kept"] = kept.mean("realization")
    res["kept_error"] = kept.std("realization", ddof=1) / math.sqrt(R) if R > 1 else xr.full_like(res["kept"], np.nan)
    res["count_fraction"] = frac.mean("realization")
    res["condensed"] = (1.0 - ds["ipr"]).mean("realization")
    res["sv_sorted"] = ds["sv_sorted"].mean("realization") if "sv_sorted" in ds else np.nan
    if linear is not None:
        res["kept_linear"] = linear.mean("realization")
        res.update(_crossings(t, linear, "t_lin"))
    for name, y in (("t_spec", kept), ("t_count", frac), ("t_cond", 1.0 - ds["ipr"])):
        res.update(_crossings(t, y, name))
    res.update(_predictions(ds, res["t_spec"]))
    res.attrs.update(
        observable="spectrum",
        realizations=R,
        probe=str(fixed_param(ds, "probe", "")),
        n_probes=int(fixed_param(ds, "n_probes", -1)),
        threshold=float(fixed_param(ds, "threshold", math.nan)),
        source_title=ds.attrs.get("title", ""),
    )
    return without_fixed_coords(res, ds)


def _lin(row: xr.Dataset) -> str:
    if "t_lin" not in row:
        return "nan"
    return _f(float(row.t_lin)) + " ± " + _f(float(row.t_lin_error), 2) + f" {int(row.n_t_lin)}"


def table_spectrum(res: xr.Dataset) -> str:
    """One line per grid point and group: AVS's observable's loss times ± s.e. against their t_c."""
    a = res.attrs
    others = [d for d in res["t_spec"].dims if d not in ("K", "group")]
    lines = [
        f"# AVS's observable: singular values of exact scores stacked at x0 + sqrt(t) z_k (z orthonormal), x0 "
        f"{a['probe'] or '(grid)'} points, {a['n_probes']} centres x {a['realizations']} realizations",
        "# t_spec: (1 - projected)/(1 - Gaussian) falls to 1/2 (scanning down in t; only where the Gaussian gap >= "
        f"{MIN_GAP}); t_count: the group's count of values < {a['threshold']:g} falls to half its Gaussian count",
        "# t_lin: the same as t_spec from the exact Jacobian at the centre (AVS's spectrum to first order in the step)",
        "# ± s.e. over the realizations that cross (n); t_cond: 1 - sum w^2 at the stacked probes = 1/2; "
        "t_c: AVS; t_coll: entropy collapse",
    ]
    for heading, r in _blocks(res, others):
        lines.extend(heading)
        lines.append(
            f"{'K':>6} {'g':>1} {'t_spec ± s.e.':>21} {'n':>1} {'t_lin ± s.e. n':>21} {'t_count ± s.e.':>21} "
            f"{'n':>1} {'t_c':>7} {'t_spec/t_c':>10} {'t_cond ± s.e.':>21} {'t_coll':>7}"
        )
        for K in r["K"].values if "K" in r.dims else [None]:
            rk = r.sel(K=K) if K is not None else r
            for g in rk["group"].values:
                row = rk.sel(group=g)
                tc, ts = float(row.t_c), float(row.t_spec)
                if not np.isfinite(tc) and not np.isfinite(ts):
                    continue
                lines.append(
                    f"{int(K) if K is not None else -1:>6} {int(g):>1} "
                    f"{_f(ts) + ' ± ' + _f(float(row.t_spec_error), 2):>21} {int(row.n_t_spec):>1} "
                    f"{_lin(row):>21} "
                    f"{_f(float(row.t_count)) + ' ± ' + _f(float(row.t_count_error), 2):>21} {int(row.n_t_count):>1} "
                    f"{_f(tc):>7} {_f(ts / tc if tc > 0 else math.nan):>10} "
                    f"{_f(float(row.t_cond)) + ' ± ' + _f(float(row.t_cond_error), 2):>21} "
                    f"{_f(float(rk.t_collapse)):>7}"
                )
    return "\n".join(lines)


def plot_spectrum(res: xr.Dataset, title: str = "") -> Any:
    """Per grid point: kept fraction of each group against t (t_c dashed), and the sorted spectrum's mean."""
    from amphase.analysis.figures import new_figure

    others = [d for d in res["t_spec"].dims if d not in ("K", "group")]
    combos = list(itertools.product(*(res[d].values for d in others))) or [()]
    Ks = list(res["K"].values) if "K" in res.dims else [None]
    fig = new_figure(3.2 * (len(Ks) + 1), 2.8 * len(combos))
    axes = np.atleast_2d(fig.subplots(len(combos), len(Ks) + 1, squeeze=False))
    t = res["time"].values
    colours = ("C0", "C1", "C2")
    for i, values in enumerate(combos):
        sel = dict(zip(others, values, strict=True))
        r = res.sel(sel) if sel else res
        tag = " ".join(_short(k, v) for k, v in sel.items())
        for j, K in enumerate(Ks):
            ax = axes[i, j]
            rk = r.sel(K=K) if K is not None else r
            for g, c in zip(rk["group"].values, colours, strict=False):
                y = rk["kept"].sel(group=g).values
                if np.isfinite(y).any():
                    e = np.nan_to_num(rk["kept_error"].sel(group=g).values)
                    ax.plot(t, y, color=c, marker=".", label=f"group {int(g)} kept")
                    ax.fill_between(t, y - e, y + e, color=c, alpha=0.25)
                    ax.plot(t, rk["count_fraction"].sel(group=g).values, color=c, ls="-.", lw=0.8)
                    if "kept_linear" in rk:
                        ax.plot(t, rk["kept_linear"].sel(group=g).values, color=c, ls="-", lw=2.5, alpha=0.4)
                tc = float(rk["t_c"].sel(group=g))
                if np.isfinite(tc) and np.isfinite(y).any():
                    ax.axvline(tc, color=c, ls="--", lw=1)
            ax.plot(t, rk["condensed"].isel(group=0).values, color="k", ls=":", lw=1, label="1 - ipr")
            ax.plot([], [], color="k", ls="-.", lw=0.8, label="count / Gaussian count")
            ax.plot([], [], color="k", ls="-", lw=2.5, alpha=0.4, label="linearised (exact Jacobian)")
            ax.axhline(HALF, color="grey", lw=0.5)
            ax.set(xscale="log", ylim=(-0.05, 1.4), xlabel="t (VE noise variance)", title=f"K={K} {tag}".strip())
            if j == 0:
                ax.set_ylabel("AVS spectrum: kept fraction of the gap")
                ax.legend(fontsize=6)
        ax = axes[i, -1]
        rk = r.sel(K=Ks[-1]) if Ks[-1] is not None else r
        sv = rk["sv_sorted"]
        if sv.ndim == 2:
            im = ax.pcolormesh(t, sv["rank"].values, sv.values.T, shading="nearest", vmin=0, vmax=1)
            fig.colorbar(im, ax=ax)
            ax.set(xscale="log", xlabel="t", ylabel="rank (descending)", title=f"normalised singular values K={Ks[-1]}")
    fig.suptitle(title or res.attrs.get("source_title", ""))
    return fig
