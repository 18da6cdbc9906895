r"""The (K, :math:`\beta`) phase diagram of the exact-score model: measured classes beside the predicted lines.

:func:`compare` takes a ``diffusion.exact`` dataset with the physical classes (``neighbours > 0``) and K, ``beta``
and optionally ``dataset`` (circle, sphere) as grid dimensions (the built-in ``diffusion-phase-diagram``) and
returns, per (dataset, :math:`\beta`, K):

``class_fraction``, ``attractor_fraction`` (class) with ``_error``, ``_low``, ``_high``
    the fractions of samples and of distinct attractors reached per class, their standard error over training sets
    and their band over the nine threshold pairs (owning weight 0.4 / 0.5 / 0.6 x :math:`\beta_t\Delta E` ½ / 1 / 2),
    as :mod:`amphase.analysis.diffusion.exact` computes them for one :math:`\beta`;
``minima_reached``, ``median_beta_barrier``, ``median_curvature``
    the threshold-free quantities of the landscape as the samples see it: minima reached per training set (a lower
    bound on the number of minima: ``n_samples`` samples reach only the minima whose basins they fall in), the
    median :math:`\beta_t\Delta E` and the median lowest Hessian eigenvalue over the minima reached (the lowest is
    the tangential one wherever the minima lie on the circle's ring or the sphere's shell);
``tie_attractors``, ``tie_samples``
    minima reached whose owning weight lies in [0.4, 0.6] (the owning band: a merged pair's midpoint has weights
    ½ ± ε), summed over training sets, and the fraction of samples on them;

and per (dataset, :math:`\beta`), the predicted lines of ``diffusion.generalization_onset`` (registered theory,
:func:`predicted_lines`): ``K_merge`` (one merged pair expected: the first spurious minimum, the **spurious onset**),
``K_memory_half`` (half of the points have lost their own minimum: **memorization lost**), ``K_gen`` ± ``K_gen_error``
(half of the minima have :math:`\beta\Delta E < 1`: the **generalization crossover**) and ``minima_limit`` (Rice);
the measured crossings (:func:`crossing`) ``K_memorized_half`` (samples memorized fall below ½) and
``K_generalized_half`` (attractors reached that are generalized rise above ½; ``K_gen`` counts minima, so it is read
against attractors), each with the interval where the mean ± its standard error crosses; the dense laws per K
(``dense_median_barrier``, ``dense_median_curvature``: :func:`amphase.theory.diffusion.generalization.dense_laws`).
The figure and table are in :mod:`amphase.analysis.diffusion.phase_figure`.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
import xarray as xr

from amphase.analysis.diffusion.exact import band_fractions
from amphase.dataset import fixed_param, without_fixed_coords
from amphase.errors import ParameterError
from amphase.simulate.lse_attractors import CLASSES

__all__ = ["THEORY_DRAWS", "compare", "crossing", "predicted_lines", "spurious_window"]

#: Monte Carlo landscapes per K of ``diffusion.generalization_onset`` at beta <= 20, <= 40 and above: 400 on the circle
#: (seconds); on the sphere the profile is a 2-d grid whose cost grows about as beta^3, so 100, 40 and 20 (measured on
#: the loaded machine: 202 s at beta = 40 with 40, 105 s at beta = 80 with 20). ``K_gen_error`` says what the draws
#: cost in precision.
THEORY_DRAWS = {"circle": (400, 400, 400), "sphere": (100, 40, 20)}

LINES = ("K_merge", "K_memory_half", "K_gen", "K_gen_error", "minima_limit")

_DIM = {"circle": 1, "sphere": 2}


@lru_cache(maxsize=64)
def predicted_lines(dataset: str, beta: float) -> dict[str, float]:
    r"""The diagram's lines at (dataset, beta) from the theory (module docstring).

    ``K_merge`` and ``K_memory_half``: ``diffusion.generalization_onset``'s pair rule, evaluated by the same
    functions without its Monte Carlo (:func:`amphase.theory.lse_merging.pair_rule_onset` with the merging
    distance :math:`\sqrt{2/\beta}` of :func:`~amphase.theory.lse_merging.merge_distance`); ``K_gen``,
    ``K_gen_error``: ``diffusion.generalization_onset`` with :data:`THEORY_DRAWS` landscapes per K;
    ``minima_limit``: :func:`amphase.theory.diffusion.generalization.dense_laws`.
    NaN where the theory has no answer (a dataset other than the circle and the sphere S^2, or no shell of minima).
    """
    from amphase import theory
    from amphase.errors import NoSolutionError
    from amphase.theory import lse_merging as lm
    from amphase.theory.diffusion.generalization import dense_laws

    out = dict.fromkeys(LINES, math.nan)
    if dataset not in THEORY_DRAWS:
        return out
    p = lm.merge_probability(lm.merge_distance(beta), dataset, 1.0, _DIM[dataset])
    pair = lm.pair_rule_onset(p, p)
    out["K_merge"], out["K_memory_half"] = float(pair.K_onset), float(pair.K_half)
    try:
        out["minima_limit"] = dense_laws(1, beta, dataset).minima_limit
        draws = THEORY_DRAWS[dataset][0 if beta <= 20 else 1 if beta <= 40 else 2]
        gen = theory.get("diffusion.generalization_onset")(beta=beta, manifold=dataset, draws=draws)
        out["K_gen"], out["K_gen_error"] = float(gen["K_gen"]), float(gen["K_gen_error"])
    except NoSolutionError:
        pass
    return out


def _dense(dataset: str, beta: float, Ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from amphase.errors import NoSolutionError
    from amphase.theory.diffusion.generalization import dense_laws

    nan = np.full(len(Ks), np.nan)
    if dataset not in THEORY_DRAWS:
        return nan, nan
    try:
        laws = [dense_laws(int(k), beta, dataset) for k in Ks]
    except NoSolutionError:
        return nan, nan
    return np.array([x.median_barrier for x in laws]), np.array([x.median_curvature for x in laws])


def crossing(K: np.ndarray, f: np.ndarray, rising: bool) -> float:
    """The K where ``f`` (against ``K``) first crosses ½, linear in ln K between grid points; NaN without a crossing.

    ``rising``: the first K where f goes from below ½ to at least ½ (else from above to at most ½).
    """
    K, f = np.asarray(K, dtype=float), np.asarray(f, dtype=float)
    g = (f - 0.5) if rising else (0.5 - f)
    if np.isfinite(g[0]) and g[0] >= 0:
        return float(K[0]) if g[0] == 0 else math.nan
    for i in range(len(K) - 1):
        a, b = g[i], g[i + 1]
        if np.isfinite(a) and np.isfinite(b) and a < 0 <= b:
            return float(math.exp(math.log(K[i]) + (-a) / (b - a) * math.log(K[i + 1] / K[i])))
    return math.nan


def _crossings(K: np.ndarray, f: np.ndarray, e: np.ndarray, rising: bool) -> tuple[float, float, float]:
    """Crossing of the mean and of mean ± s.e. (earliest, latest); a missing end stays NaN (off the grid)."""
    e = np.nan_to_num(e)
    early, late = (f + e, f - e) if rising else (f - e, f + e)
    return crossing(K, f, rising), crossing(K, early, rising), crossing(K, late, rising)


def _minima(ds: xr.Dataset) -> xr.DataArray:
    return ds["attractor_is_minimum"] == 1


def compare(ds: xr.Dataset) -> xr.Dataset:
    """The phase diagram's comparison dataset (module docstring)."""
    for v in ("class_count", "attractor_beta_barrier", "attractor_eig", "attractor_own_weight"):
        if v not in ds:
            raise ParameterError(f"the dataset lacks {v}: run diffusion.exact with neighbours > 0")
    if "K" not in ds.dims or "beta" not in ds.dims:
        raise ParameterError("a phase diagram needs K and beta as grid dimensions")
    source = ds
    if "dataset" not in ds.dims:
        label = str(fixed_param(ds, "dataset", "circle"))
        ds = ds.drop_vars("dataset", errors="ignore").expand_dims(dataset=[label])
    ds = ds.transpose("dataset", "beta", "K", "realization", ...)
    res = xr.Dataset(coords={"dataset": ds["dataset"].values.astype(str), "beta": ds["beta"].values,
                             "K": ds["K"].values})  # fmt: skip
    for k, v in band_fractions(ds).items():
        res[k] = v
    is_min = _minima(ds)
    res["minima_reached"] = is_min.sum("attractor").mean("realization")
    bb = ds["attractor_beta_barrier"].where(is_min)
    bb = bb.where(~np.isinf(bb), 1e300)  # no other minimum reached: the largest barrier
    res["median_beta_barrier"] = bb.median(["realization", "attractor"], skipna=True)
    low = ds["attractor_eig"].min("coord").where(is_min)
    res["median_curvature"] = low.median(["realization", "attractor"], skipna=True)
    w = ds["attractor_own_weight"].where(is_min)
    band = (w >= 0.4) & (w <= 0.6)
    basin = ds["attractor_basin"].where(ds["attractor_basin"] >= 0, 0)
    res["tie_attractors"] = band.sum(["realization", "attractor"])
    res["tie_samples"] = (band * basin).sum(["realization", "attractor"]) / basin.sum(["realization", "attractor"])
    res["attractors_total"] = is_min.sum(["realization", "attractor"])
    shape = (res.sizes["dataset"], res.sizes["beta"])
    lines = {k: np.full(shape, np.nan) for k in (*LINES, "K_memorized_half", "K_generalized_half")}
    bounds = {k: np.full((*shape, 2), np.nan) for k in ("K_memorized_half", "K_generalized_half")}
    dense = {k: np.full((*shape, res.sizes["K"]), np.nan) for k in ("dense_median_barrier", "dense_median_curvature")}
    K = res["K"].values
    for i, name in enumerate(res["dataset"].values):
        for j, beta in enumerate(res["beta"].values):
            for k, v in predicted_lines(str(name), float(beta)).items():
                lines[k][i, j] = v
            dense["dense_median_barrier"][i, j], dense["dense_median_curvature"][i, j] = _dense(str(name), beta, K)
            sel = {"dataset": name, "beta": beta}
            for key, var, c, rising in (("K_memorized_half", "class", "memorized", False),
                                        ("K_generalized_half", "attractor", "generalized", True)):  # fmt: skip
                f = res[f"{var}_fraction"].sel(sel).sel({"class": c}).values
                e = res[f"{var}_fraction_error"].sel(sel).sel({"class": c}).values
                mid, a, b = _crossings(K, f, e, rising)
                lines[key][i, j], bounds[key][i, j] = mid, (a, b)
    for k, v in lines.items():
        res[k] = (("dataset", "beta"), v)
    for k, v in bounds.items():
        res[f"{k}_interval"] = (("dataset", "beta", "end"), v)
    for k, v in dense.items():
        res[k] = (("dataset", "beta", "K"), v)
    res = res.assign_coords(end=["early", "late"])
    res.attrs.update(realizations=int(ds.sizes["realization"]), n_samples=int(fixed_param(ds, "n_samples", -1)),
                     source_title=ds.attrs.get("title", ""), classes=",".join(CLASSES))  # fmt: skip
    return without_fixed_coords(res, source)


def spurious_window(res: xr.Dataset, dataset: str, beta: float, level: float = 0.1) -> tuple[float, float, float, Any]:
    """(smallest K, largest K) where the spurious fraction of samples is at least ``level``, its peak and peak K."""
    f = res["class_fraction"].sel(dataset=dataset, beta=beta, **{"class": "spurious"})
    K = res["K"].values[f.values >= level]
    peak = int(f.argmax("K"))
    lo, hi = (float(K.min()), float(K.max())) if len(K) else (math.nan, math.nan)
    return lo, hi, float(f.values[peak]), int(res["K"].values[peak])
