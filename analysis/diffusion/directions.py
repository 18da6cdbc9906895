r"""Per-direction loss of variance (``diffusion.directions``) against AVS's critical times.

:func:`compare` takes a dataset of ``amphase run`` with model ``diffusion.directions`` (K and any other grid
dimensions, e.g. ``normalized``) and returns:

``ratio`` (..., time, group)
    the passed fraction over its Gaussian value, :math:`\rho_g(t) = \bar J_g / G_g` (1: the direction keeps the
    variance an infinite Gaussian training set would give it; 0: lost, the denoiser snaps onto training points along
    it), mean over realizations;
``ratio_error``
    its standard error: standard deviation over realizations / :math:`\sqrt R` (independent training sets; the probes
    of one realization share its training set), or, with one realization, the standard error over probes;
``t_half``, ``t_half_error``, ``n_crossed`` (..., group)
    the measured loss time: per realization, scanning the time grid downwards, the first t at which
    :math:`\rho_g` falls below 1/2, refined by linear interpolation in :math:`\log t` with the grid point above; mean
    and standard error over the realizations that cross inside the grid (``n_crossed`` of them; NaN if none);
``t_half_median`` (..., group)
    the same crossing of the median ratio (``passed_median``), mean over realizations: at probes off the training
    points (``population``, ``axis``) the mean Jacobian keeps the large values on the boundaries between training
    points' basins, the median does not;
``t_cond``, ``t_cond_error`` (..., group)
    the same for the condensation of the weights at the group's probes, where :math:`1 - \sum_\mu w_\mu^2` falls
    to 1/2 (the same for every group except with ``probe = "axis"``);
``t_c`` (..., group)
    AVS's critical time (``diffusion.direction_loss``, :mod:`amphase.theory.diffusion.geometric`) with the group's
    raw variance :math:`s_g^2`, :math:`n = K`, and :math:`S = \tfrac12\sum_j s_j^4` for raw Gaussian data or
    :math:`S = 0` for normalised data: the convention of the authors' theory panel, which keeps the raw scales for
    normalised data;
``t_c_sphere`` (..., group)
    the same with the per-direction variance of the normalised law (:math:`v_g`,
    :func:`~amphase.simulate.diffusion.data.normalized_variances`) and :math:`S = 0`; equal to ``t_c`` for raw data;
``t_collapse`` (...)
    the collapse of the samples onto the training points by Biroli et al.'s entropy criterion, written for the
    anisotropic data (:func:`amphase.theory.diffusion.geometric.collapse_variance`: :math:`\tfrac12\sum_j
    \log(1 + \sigma_j^2/t) = \log K`, one time for every direction; for data on the sphere the Gaussian with the
    sphere's variances :math:`v_j`, an approximation);
``t_rem`` (..., group)
    the random-energy-model prediction of ``t_cond`` (derived here; :func:`rem_condensation_time`): NaN for
    ``probe = "train"``, whose probes sit next to one training point (a planted, not a random, energy).

The REM reading
---------------
AVS's criterion (:mod:`amphase.theory.diffusion.geometric`) treats the K log-weights
:math:`-\lVert x - \xi^\mu\rVert^2/2t` at a probe x independent of the training points as K independent Gaussian
energies of variance :math:`V(t) = (A + tB)/t^2`, condensed (frozen) when :math:`V > 2\log K`. In the frozen phase
of the REM the mean inverse participation is :math:`\mathbb E\sum_\mu w_\mu^2 = 1 - m`,
:math:`m = \sqrt{2\log K / V}` (Derrida & Toulouse, J. Physique Lett. 46, L223 (1985)), so the condensation
observable :math:`1 - \mathrm{ipr}` falls to 1/2 where :math:`V(t) = 8\log K`: the critical time of the same
formula with :math:`\log K` replaced by :math:`4\log K` (:math:`t_c` itself is where :math:`1 - \mathrm{ipr}`
starts to fall from 1, at :math:`K \to \infty`). A and B follow from :math:`\operatorname{Var}_\xi` of the
log-weight (:math:`x` fixed): raw Gaussian data, axis probe :math:`x = \sqrt t e_j`: :math:`A = S`,
:math:`B = s_j^2` (AVS); population probe (:math:`\mathbb E x_j^2 = s_j^2 + t`): :math:`A = S + \sum_j s_j^4`,
:math:`B = \sum_j s_j^2`; data on the sphere (:math:`\lVert\xi\rVert = 1`, only :math:`x\cdot\xi/t` varies;
correlations between the coordinates of a normalised point neglected): axis :math:`A = 0`, :math:`B = v_j`;
population :math:`A = \sum_j v_j^2`, :math:`B = \sum_j v_j = 1`.

AVS's observable (``observable = "spectrum"``)
----------------------------------------------
:func:`~amphase.analysis.diffusion.directions_spectrum.compare_spectrum` (chosen by :func:`compare` when the
dataset holds ``projected``) returns ``kept``
:math:`= (1 - \bar v_g)/(1 - v^G_g)`, the fraction of the group's Gaussian spectral gap that the measured spectrum
keeps (1: Gaussian; 0: the group's singular values joined the normal ones, lost), NaN where the Gaussian gap
:math:`1 - v^G_g` is below :data:`MIN_GAP` (group 3, the reference, always; group 2 for :math:`t \gtrsim 1.7`);
``t_spec`` where it falls to 1/2 (:func:`crossing`, per realization, mean ± s.e.), ``t_lin`` the same from the
linearised spectrum (exact Jacobian at the centre), ``t_count`` where the group's count of normalised values below
the threshold falls to half its Gaussian count (only where that is > 0: for threshold 1/2 group 1 is visible to the
count only below t ≈ 1 and group 2 below t ≈ 0.09, so the count is NaN where the loss happens above those), and
``t_cond``, ``t_c``, ``t_collapse`` as above (``t_cond`` at the stacked probes). Above t ≈ |x_0|² the common part
:math:`S(x_0)/\sqrt t` no longer dominates one singular value, dropping the largest removes a real one, and
``kept`` of the secant spectrum exceeds 1; the crossings lie well below that.

The comparison of ``t_half`` with ``t_c`` is between an observable at a threshold (1/2) and a random-energy-model
critical point (condensation where the log-weight variance reaches :math:`2\log K`, exact only as
:math:`d, \log K \to \infty`); at d = 30 an offset is expected, and the table reports the ratio
``t_half / t_c`` rather than asserting agreement.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis.compare import Comparison
from amphase.analysis.diffusion.direction_times import (
    HALF,
    _blocks,
    _f,
    _param,
    _short,
    collapse_time,
    crossing,
    predicted_times,
    rem_condensation_time,
)
from amphase.analysis.diffusion.directions_spectrum import (
    compare_spectrum,
    plot_spectrum,
    table_spectrum,
)
from amphase.dataset import fixed_param, without_fixed_coords
from amphase.errors import ParameterError

__all__ = ["COMPARISON", "compare", "plot", "table"]


def compare(ds: xr.Dataset) -> xr.Dataset:
    """Ratios, measured loss times and AVS's critical times (module docstring)."""
    if "projected" in ds:
        return compare_spectrum(ds)
    for v in ("passed", "gaussian", "ipr", "passed_error"):
        if v not in ds:
            raise ParameterError(f"the dataset lacks the variable {v} that a diffusion.directions comparison needs")
    if "K" not in ds.dims and fixed_param(ds, "K", None) is None:
        raise ParameterError("a diffusion.directions comparison needs K (a grid dimension or a parameter)")
    ratio = ds["passed"] / ds["gaussian"]
    R = int(ds.sizes["realization"])
    res = xr.Dataset()
    res["ratio"] = ratio.mean("realization")
    if R > 1:
        res["ratio_error"] = ratio.std("realization", ddof=1) / math.sqrt(R)
        method = "standard deviation over realizations / sqrt(R)"
    else:
        res["ratio_error"] = (ds["passed_error"] / ds["gaussian"]).isel(realization=0)
        method = "standard error over the probes of one realization"
    res["condensed"] = (1.0 - ds["ipr"]).mean("realization")
    t = ds["time"].values
    half = xr.apply_ufunc(
        lambda y: crossing(t, y), ratio, input_core_dims=[["time"]], vectorize=True, output_dtypes=[float]
    )
    cond = xr.apply_ufunc(
        lambda y: crossing(t, y), 1.0 - ds["ipr"], input_core_dims=[["time"]], vectorize=True, output_dtypes=[float]
    )
    if "passed_median" in ds:
        med = xr.apply_ufunc(
            lambda y: crossing(t, y),
            ds["passed_median"] / ds["gaussian"],
            input_core_dims=[["time"]],
            vectorize=True,
            output_dtypes=[float],
        )
        res["ratio_median"] = (ds["passed_median"] / ds["gaussian"]).mean("realization")
        res["t_half_median"] = med.mean("realization", skipna=True)
    for name, a in (("t_half", half), ("t_cond", cond)):
        n_ok = a.notnull().sum("realization")
        res[name] = a.mean("realization", skipna=True)
        res[f"{name}_error"] = (a.std("realization", ddof=1, skipna=True) / np.sqrt(n_ok)).where(n_ok > 1)
        res[f"n_{name}"] = n_ok
    res = res.rename({"n_t_half": "n_crossed", "n_t_cond": "n_condensed"})
    grid = [d for d in ds["passed"].dims if d not in ("realization", "time", "group")]
    tc = xr.full_like(res["t_half"], np.nan)
    tcs = xr.full_like(res["t_half"], np.nan)
    trem = xr.full_like(res["t_half"], np.nan)
    tcol = xr.full_like(res["t_half"].isel(group=0, drop=True), np.nan)
    for values in itertools.product(*(ds[d].values for d in grid)):
        point = {d: (v.item() if hasattr(v, "item") else v) for d, v in zip(grid, values, strict=True)}
        n = tuple(int(_param(ds, f"n{g}", point)) for g in (1, 2, 3))
        s = tuple(float(_param(ds, f"s{g}", point)) for g in (1, 2, 3))
        K, norm = int(_param(ds, "K", point)), bool(int(_param(ds, "normalized", point)))
        pred = predicted_times(n, s, K, norm)
        sel = {d: point[d] for d in grid}
        tc.loc[sel] = pred[0]
        tcs.loc[sel] = pred[1]
        trem.loc[sel] = rem_condensation_time(n, s, K, norm, str(_param(ds, "probe", point)))
        tcol.loc[sel] = collapse_time(n, s, K, norm)
    res["t_c"] = tc
    res["t_c_sphere"] = tcs
    res["t_rem"] = trem
    res["t_collapse"] = tcol
    res.attrs.update(
        realizations=R,
        error_method=method,
        probe=str(fixed_param(ds, "probe", "")),
        n_probes=int(fixed_param(ds, "n_probes", -1)),
        source_title=ds.attrs.get("title", ""),
        crossing=f"ratio falls to {HALF} (interpolated in log t)",
    )
    return without_fixed_coords(res, ds)


def _others(res: xr.Dataset) -> list[str]:
    return [d for d in res["t_half"].dims if d not in ("K", "group")]


def table(res: xr.Dataset) -> str:
    """One line per grid point and group: measured loss time ± s.e. against AVS's t_c."""
    if res.attrs.get("observable") == "spectrum":
        return table_spectrum(res)
    a = res.attrs
    others = _others(res)
    lines = [
        f"# probe {a['probe'] or '(grid)'}, {a['n_probes']} probes per realization (train, population), "
        f"{a['realizations']} realizations; t_half: {a['crossing']}, of the mean (median: t_med)",
        f"# ± s.e.: {a['error_method']}, over the realizations that cross inside the grid (n of them)",
        "# t_c: AVS (raw group variances, S = sum s^4/2 raw, 0 normalised); t_c_sph: variances of the normalised law",
        "# t_cond: 1 - ipr falls to 1/2; t_rem: its REM prediction (the formula of t_c with 4 log K; no REM for train)",
        "# t_coll: collapse onto the training points, entropy criterion sum_j log(1 + var_j/t)/2 = log K (all groups)",
    ]
    for heading, r in _blocks(res, others):
        lines.extend(heading)
        lines.append(
            f"{'K':>6} {'g':>1} {'t_half ± s.e.':>21} {'n':>1} {'t_med':>8} {'t_c':>8} {'t_c_sph':>8} "
            f"{'t_half/t_c':>10} {'t_cond ± s.e.':>21} {'t_rem':>8} {'t_coll':>7}"
        )
        Ks = r["K"].values if "K" in r.dims else [None]
        for K in Ks:
            rk = r.sel(K=K) if K is not None else r
            for g in rk["group"].values:
                row = rk.sel(group=g)
                tc = float(row.t_c)
                if not np.isfinite(tc) and not np.isfinite(float(row.t_half)):
                    continue
                th = float(row.t_half)
                med = float(row.t_half_median) if "t_half_median" in row else math.nan
                lines.append(
                    f"{int(K) if K is not None else -1:>6} {int(g):>1} "
                    f"{_f(th) + ' ± ' + _f(float(row.t_half_error), 2):>21} {int(row.n_crossed):>1} {_f(med):>8} "
                    f"{_f(tc):>8} {_f(float(row.t_c_sphere)):>8} {_f(th / tc if tc > 0 else math.nan):>10} "
                    f"{_f(float(row.t_cond)) + ' ± ' + _f(float(row.t_cond_error), 2):>21}"
                    f" {_f(float(row.t_rem)):>8} {_f(float(rk.t_collapse)):>7}"
                )
    return "\n".join(lines)


def plot(res: xr.Dataset, title: str = "") -> Any:
    """Ratio against t per K (one panel each) with AVS's t_c marked, and measured t_half against K beside t_c."""
    from amphase.analysis.figures import new_figure

    if res.attrs.get("observable") == "spectrum":
        return plot_spectrum(res, title)

    others = _others(res)
    combos = list(itertools.product(*(res[d].values for d in others))) or [()]
    Ks = list(res["K"].values) if "K" in res.dims else [None]
    ncol = len(Ks) + 1
    fig = new_figure(3.2 * ncol, 2.8 * len(combos))
    axes = np.atleast_2d(fig.subplots(len(combos), ncol, squeeze=False))
    colours = ("C0", "C1", "C2")
    t = res["time"].values
    for i, values in enumerate(combos):
        sel = dict(zip(others, values, strict=True))
        r = res.sel(sel) if sel else res
        tag = " ".join(_short(k, v) for k, v in sel.items())
        for j, K in enumerate(Ks):
            ax = axes[i, j]
            rk = r.sel(K=K) if K is not None else r
            for g, c in zip(rk["group"].values, colours, strict=False):
                y = rk["ratio"].sel(group=g).values
                if not np.isfinite(y).any():
                    continue
                e = np.nan_to_num(rk["ratio_error"].sel(group=g).values)
                ax.plot(t, y, color=c, marker=".", label=f"group {int(g)}")
                ax.fill_between(t, y - e, y + e, color=c, alpha=0.25)
                tc = float(rk["t_c"].sel(group=g))
                if np.isfinite(tc):
                    ax.axvline(tc, color=c, ls="--", lw=1)
            for g, c in zip(rk["group"].values, colours, strict=False):
                ax.plot(t, rk["condensed"].sel(group=g).values, color=c, ls=":", lw=1)
                if "ratio_median" in rk:
                    ax.plot(t, rk["ratio_median"].sel(group=g).values, color=c, ls="-.", lw=0.8)
            ax.plot([], [], color="k", ls=":", lw=1, label="1 - ipr")
            ax.plot([], [], color="k", ls="-.", lw=0.8, label="median ratio")
            ax.axhline(HALF, color="grey", lw=0.5)
            tcol = float(rk["t_collapse"])
            if np.isfinite(tcol):
                ax.axvline(tcol, color="k", ls="--", lw=1, label="collapse (entropy)")
            ax.set(xscale="log", ylim=(-0.05, 1.3), xlabel="t (VE noise variance)", title=f"K={K} {tag}".strip())
            if j == 0:
                ax.set_ylabel("passed / Gaussian value")
                ax.legend(fontsize=7)
        ax = axes[i, -1]
        if K is not None:
            Kv = r["K"].values.astype(float)
            for g, c in zip(r["group"].values, colours, strict=False):
                rg = r.sel(group=g)
                if not np.isfinite(rg["t_c"].values).any():
                    continue
                ax.errorbar(Kv, rg["t_half"].values, yerr=np.nan_to_num(rg["t_half_error"].values), color=c,
                            marker="o", capsize=2, ls="none", label=f"group {int(g)} measured")  # fmt: skip
                ax.plot(Kv, rg["t_c"].values, color=c, ls="--", label=f"group {int(g)} AVS t_c")
            ax.plot(Kv, r["t_collapse"].values, color="k", ls="--", label="collapse (entropy)")
            ax.set(xscale="log", yscale="log", xlabel="K", ylabel="loss time", title=f"loss time vs K {tag}".strip())
            ax.legend(fontsize=6)
    fig.suptitle(title or res.attrs.get("source_title", ""))
    return fig


#: what ``amphase compare`` runs on a dataset of the ``diffusion.directions`` model.
COMPARISON = Comparison(compare=compare, table=table, plot=plot, coords=True)
