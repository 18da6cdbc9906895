r"""Loss times of ``diffusion.directions``: the crossing finder, AVS's critical times and the collapse time per point.

Shared by both observables' comparisons (:mod:`amphase.analysis.diffusion.directions`,
:mod:`amphase.analysis.diffusion.directions_spectrum`); what each quantity means is in the former's docstring.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis.tables import fmt
from amphase.dataset import fixed_param
from amphase.errors import ParameterError

__all__ = ["HALF", "collapse_time", "crossing", "predicted_times", "rem_condensation_time"]


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


def _f(v: float, digits: int = 3) -> str:
    """``v`` in the ``g`` form with ``digits`` significant digits (:func:`~amphase.analysis.tables.fmt`)."""
    return fmt(v, digits, style="g")


def _short(name: str, value: Any) -> str:
    if name == "normalized":
        return "sphere" if int(value) else "raw"
    if name == "probe":
        return str(value)
    return f"{name}={value}"
