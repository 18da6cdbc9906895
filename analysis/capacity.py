"""Critical loads from success counts: the finite-size step fit and its extrapolation to infinite size.

For any model whose success probability (retrieval of a pattern, stability of a memory) falls from 1 to 0 as a load
grows, :func:`critical_load` fits, at each size, a binomial error-function step in the load
(:func:`amphase.analysis.statistics.fit_step`) and extrapolates the half-point to infinite size as
``x_c + b size^(-nu)``, with ``nu`` fitted (four sizes or more) and fixed to 1/2 (three or more)
(:func:`amphase.analysis.statistics.extrapolate`). The load and size dimensions are arguments: ``alpha`` and ``N``
for the Hopfield network, a DenseAM's own load and ``N`` for the polynomial models.

A half-point is fitted only where the fraction crosses 1/2 inside the grid and at least two loads lie strictly
inside the step (a two-parameter fit needs them); elsewhere it is NaN ("not resolved").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis.statistics import extrapolate, fit_step

__all__ = ["critical_load"]

_FSS = ("c_fss", "c_fss_error", "fss_nu", "fss_nu_error", "fss_chi2", "fss_dof")


def critical_load(
    successes: xr.DataArray, totals: xr.DataArray, load: str = "alpha", size: str = "N", prefix: str = "alpha"
) -> xr.Dataset:
    """Fitted half-success load per size, and its extrapolation to infinite size.

    Parameters
    ----------
    successes, totals : xarray.DataArray
        Counts over (at least) the ``load`` dimension; other dimensions (size, temperature, cue ...) are kept.
    load, size : str
        The load dimension, and the size dimension to extrapolate along (absent: no extrapolation).
    prefix : str
        Prefix of the output names (``alpha`` gives ``alpha_half``, ``alpha_c_fss`` ...).

    Returns
    -------
    xarray.Dataset
        ``{prefix}_half``, ``{prefix}_half_error``, ``{prefix}_width`` over the other dimensions; with a size
        dimension ``{prefix}_c_fss*`` (``nu`` fitted) and ``{prefix}_c_fss*_nu05`` (``nu = 1/2``) with ``fss_nu``,
        ``fss_chi2``, ``fss_dof``. Empty when fewer than three loads were simulated.

    """
    k, n = xr.broadcast(successes, totals)
    if load not in k.dims or k.sizes[load] < 3:
        return xr.Dataset()
    k, n = k.transpose(load, ...), n.transpose(load, ...)
    rest = [d for d in k.dims if d != load]
    x = k[load].values
    half, half_err, width = (
        a.values
        for a in xr.apply_ufunc(
            _step_fit,
            k,
            n,
            kwargs={"x": x},
            input_core_dims=[[load], [load]],
            output_core_dims=[[], [], []],
            vectorize=True,
            output_dtypes=[float, float, float],
        )
    )
    coords = {d: k[d] for d in rest}
    out: dict[str, Any] = {
        f"{prefix}_half": (rest, half, {"long_name": f"{load} where the success probability is 1/2 (erfc fit)"}),
        f"{prefix}_half_error": (rest, half_err, {"long_name": f"standard error of {prefix}_half"}),
        f"{prefix}_width": (rest, width, {"long_name": f"width of the fitted step in {load}"}),
    }
    if size in rest:
        out.update(_extrapolation(half, half_err, rest, k[size].values.astype(float), size, prefix))
    return xr.Dataset(out, coords=coords)


def _step_fit(kk: np.ndarray, nn: np.ndarray, x: np.ndarray) -> tuple[float, float, float]:
    """Half-point, its error and the width of the step fitted to one curve of counts; NaN where not resolved."""
    frac = kk / np.maximum(nn, 1)
    if not (frac.max() > 0.5 > frac.min()) or np.count_nonzero((kk > 0) & (kk < nn)) < 2:
        return np.nan, np.nan, np.nan  # no crossing in the simulated range, or too few loads inside the step to fit
    try:
        fit = fit_step(x, kk, nn)
    except (ValueError, np.linalg.LinAlgError):
        return np.nan, np.nan, np.nan
    return fit.x0, fit.x0_error, fit.width


def _fss(h: np.ndarray, e: np.ndarray, sizes: np.ndarray) -> tuple[float, ...]:
    """The extrapolations of one curve of half-points over the sizes: ``nu`` fitted, then ``nu = 1/2`` (NaN: none)."""
    ok = np.isfinite(h) & (e > 0)
    Ns = sizes[ok]
    fits = {}
    if Ns.size >= 4:
        try:
            fits[""] = extrapolate(Ns, h[ok], e[ok])
        except RuntimeError:  # no convergence
            pass
    if Ns.size >= 3:
        fits["_nu05"] = extrapolate(Ns, h[ok], e[ok], nu=0.5)
    out: list[float] = []
    for sfx in ("", "_nu05"):
        fit = fits.get(sfx)
        out += (
            [np.nan] * len(_FSS)
            if fit is None
            else [fit.y_inf, fit.y_inf_error, fit.nu, fit.nu_error, fit.chi2, fit.dof]
        )
    return tuple(out)


def _extrapolation(
    half: np.ndarray, half_err: np.ndarray, dims: list[str], sizes: np.ndarray, size: str, prefix: str
) -> dict[str, Any]:
    """``{prefix}_c_fss*`` over the dimensions other than ``size``."""
    other = [d for d in dims if d != size]
    names = [f"{prefix}_{s}" if s.startswith("c_") else s for s in _FSS]
    h, e = xr.DataArray(half, dims=dims), xr.DataArray(half_err, dims=dims)
    columns = xr.apply_ufunc(
        _fss,
        h,
        e,
        kwargs={"sizes": sizes},
        input_core_dims=[[size], [size]],
        output_core_dims=[[]] * (2 * len(_FSS)),
        vectorize=True,
        output_dtypes=[float] * (2 * len(_FSS)),
    )
    keys = [f"{name}{sfx}" for sfx in ("", "_nu05") for name in names]
    fss = {key: col.transpose(*other).values for key, col in zip(keys, columns, strict=True)}
    described = {
        f"{prefix}_c_fss": f"{prefix}_1/2({size}) extrapolated to {size} -> infinity, fit a + b {size}^-nu, nu fitted",
        f"{prefix}_c_fss_nu05": f"{prefix}_1/2({size}) extrapolated to {size} -> infinity, fit a + b {size}^-1/2",
    }
    return {k: (other, v, {"long_name": described.get(k, k.replace("_", " "))}) for k, v in fss.items()}
