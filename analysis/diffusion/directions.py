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
:func:`compare_spectrum` (chosen by :func:`compare` when the dataset holds ``projected``) returns ``kept``
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
from amphase.analysis.tables import fmt
from amphase.dataset import fixed_param, without_fixed_coords
from amphase.errors import ParameterError

__all__ = [
    "COMPARISON",
    "collapse_time",
    "compare",
    "crossing",
    "plot",
    "predicted_times",
    "rem_condensation_time",
    "table",
]

HALF = 0.5


def crossing(t: np.ndarray, y: np.ndarray, level: float = HALF) -> float:
    r"""The largest t at which ``y`` falls below ``level``, scanning the grid from the largest t down.

    ``t`` increasing, ``y`` on that grid. The first grid point (from the top) with ``y < level`` and its upper
    neighbour (``y >= level``) bracket the crossing; it is placed by linear interpolation of ``y`` in
    :math:`\log t`. NaN when ``y`` never falls below ``level``, or is below it already at the largest t (the crossing
    lies outside the grid). NaN values of ``y`` are skipped.
    """
    t = np.asarray(t, dtype=float)
    y = np.asarray(y, dtype=float)
    if t.ndim != 1 or t.shape != y.shape or len(t) < 2:
        raise ParameterError("crossing: t and y must be 1-d arrays of the same length >= 2")
    ok = np.isfinite(y)
    t, y = t[ok], y[ok]
    if len(t) < 2 or y[-1] < level:
        return math.nan
    for i in range(len(t) - 2, -1, -1):
        if y[i] < level:
            lo, hi = math.log(t[i]), math.log(t[i + 1])
            f = (level - y[i]) / (y[i + 1] - y[i])
            return math.exp(lo + f * (hi - lo))
    return math.nan


def predicted_times(n: tuple[int, int, int], s: tuple[float, float, float], K: int, normalized: bool) -> np.ndarray:
    r"""(2, 3): AVS's :math:`t_c` per group (row 0, raw variances) and with the sphere's variances (row 1).

    Groups with no direction are NaN, and so is everything for K < 2 (:math:`\log K = 0`). Row 0 uses
    :math:`s_g^2` and :math:`S = \tfrac12\sum s_j^4` (0 if ``normalized``); row 1 the normalised law's :math:`v_g`
    with :math:`S = 0` when ``normalized``, else the same as row 0.
    """
    from amphase import theory
    from amphase.simulate.diffusion.data import linear_stds, normalized_variances
    from amphase.theory.diffusion.geometric import quartic_term

    out = np.full((2, 3), np.nan)
    groups = [(int(k), float(v)) for k, v in zip(n, s, strict=True)]
    present = [g for g, (k, _) in enumerate(groups) if k > 0]
    if K < 2 or not present:
        return out
    sd = linear_stds([groups[g] for g in present])
    q = theory.get("diffusion.direction_loss")
    raw = sd * sd
    S = quartic_term(raw, normalized)
    sphere = normalized_variances(sd) if normalized else raw
    start = 0
    for g in present:
        k = groups[g][0]
        out[0, g] = q(var=float(raw[start]), K=int(K), t=1.0, quartic=S)["t_c"]
        out[1, g] = q(var=float(sphere[start]), K=int(K), t=1.0, quartic=0.0 if normalized else S)["t_c"]
        start += k
    return out


def rem_condensation_time(
    n: tuple[int, int, int], s: tuple[float, float, float], K: int, normalized: bool, probe: str, m: float = 0.5
) -> np.ndarray:
    r"""(3,): the t per group where the REM's :math:`1 - \mathbb E\sum w^2 = m` (module docstring, "The REM reading").

    Solves :math:`(A + tB)/t^2 = 2\log K / m^2`, i.e. AVS's critical time with :math:`\log K \to \log K/m^2`
    (:func:`amphase.theory.diffusion.geometric.direction_loss` with ``K`` :math:`\to K^{1/m^2}` in logarithms). NaN for
    ``probe = "train"``, for empty groups and for K < 2.
    """
    from amphase.simulate.diffusion.data import linear_stds, normalized_variances
    from amphase.theory.diffusion.geometric import quartic_term

    out = np.full(3, np.nan)
    groups = [(int(k), float(v)) for k, v in zip(n, s, strict=True)]
    present = [g for g, (k, _) in enumerate(groups) if k > 0]
    if K < 2 or not present or probe == "train":
        return out
    sd = linear_stds([groups[g] for g in present])
    var = normalized_variances(sd) if normalized else sd * sd
    S = quartic_term(sd * sd, normalized)
    c = m * m / (2.0 * math.log(K))
    start = 0
    for g in present:
        if probe == "axis":
            A, B = S, float(var[start])
        else:  # population: E x_j^2 = var_j + t
            A, B = S + float(np.sum(var * var)), float(np.sum(var))
        out[g] = 0.5 * (c * B + math.sqrt((c * B) ** 2 + 4.0 * c * A))
        start += groups[g][0]
    return out


def collapse_time(n: tuple[int, int, int], s: tuple[float, float, float], K: int, normalized: bool) -> float:
    """The anisotropic collapse variance (module docstring, ``t_collapse``) of the groups' data law; NaN for K < 2."""
    from amphase.simulate.diffusion.data import linear_stds, normalized_variances
    from amphase.theory.diffusion.geometric import collapse_variance

    groups = [(int(k), float(v)) for k, v in zip(n, s, strict=True) if int(k) > 0]
    if K < 2 or not groups:
        return math.nan
    sd = linear_stds(groups)
    return collapse_variance(normalized_variances(sd) if normalized else sd * sd, K)


def _blocks(res: xr.Dataset, others: list[str]) -> Any:
    """(heading lines, sub-dataset) per combination of the grid dimensions other than K and group, for the tables."""
    for values in itertools.product(*(res[d].values for d in others)):
        sel = dict(zip(others, values, strict=True))
        yield (["# " + ", ".join(f"{k} = {v}" for k, v in sel.items())] if sel else []), (res.sel(sel) if sel else res)


def _param(ds: xr.Dataset, name: str, point: dict[str, Any]) -> Any:
    if name in point:
        return point[name]
    v = fixed_param(ds, name, None)
    if v is None:
        raise ParameterError(f"the dataset lacks the parameter {name} (a grid dimension or a fixed parameter)")
    return v


def _predictions(ds: xr.Dataset, like: xr.DataArray) -> dict[str, xr.DataArray]:
    """AVS's t_c (raw and sphere variances) per grid point and group, and the collapse time per grid point."""
    grid = [d for d in like.dims if d != "group"]
    tc, tcs = xr.full_like(like, np.nan), xr.full_like(like, np.nan)
    tcol = xr.full_like(like.isel(group=0, drop=True), np.nan)
    for values in itertools.product(*(ds[d].values for d in grid)):
        point = {d: (v.item() if hasattr(v, "item") else v) for d, v in zip(grid, values, strict=True)}
        n = tuple(int(_param(ds, f"n{g}", point)) for g in (1, 2, 3))
        s = tuple(float(_param(ds, f"s{g}", point)) for g in (1, 2, 3))
        K, norm = int(_param(ds, "K", point)), bool(int(_param(ds, "normalized", point)))
        pred = predicted_times(n, s, K, norm)
        tc.loc[point], tcs.loc[point] = pred[0], pred[1]
        tcol.loc[point] = collapse_time(n, s, K, norm)
    return {"t_c": tc, "t_c_sphere": tcs, "t_collapse": tcol}


def _crossings(t: np.ndarray, y: xr.DataArray, name: str) -> dict[str, xr.DataArray]:
    """Per realization :func:`crossing`; mean, s.e. and count over the realizations that cross."""
    a = xr.apply_ufunc(lambda v: crossing(t, v), y, input_core_dims=[["time"]], vectorize=True, output_dtypes=[float])
    n_ok = a.notnull().sum("realization")
    return {
        name: a.mean("realization", skipna=True),
        f"{name}_error": (a.std("realization", ddof=1, skipna=True) / np.sqrt(n_ok)).where(n_ok > 1),
        f"n_{name}": n_ok,
    }


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


def _f(v: float, digits: int = 3) -> str:
    """``v`` in the ``g`` form with ``digits`` significant digits (:func:`~amphase.analysis.tables.fmt`)."""
    return fmt(v, digits, style="g")


def _others(res: xr.Dataset) -> list[str]:
    return [d for d in res["t_half"].dims if d not in ("K", "group")]


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


def _short(name: str, value: Any) -> str:
    if name == "normalized":
        return "sphere" if int(value) else "raw"
    if name == "probe":
        return str(value)
    return f"{name}={value}"


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
