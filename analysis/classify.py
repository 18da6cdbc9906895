"""Classify end states of associative memories with binary neurons by their overlaps, and count classes of any kind.

**Overlap classification** (:func:`classify`): an end state is described by its overlaps with the stored patterns,
ranked by absolute value, ``|m|_(1) >= |m|_(2) >= ...``. An overlap is *macroscopic* when it stands out of the
state's own noise: the noise overlaps of a state have a scale ``sigma`` and the largest of ``n`` of them is about
``sigma sqrt(2 ln n)``, so the threshold of a state is

    theta_state = max(theta, sigma (sqrt(2 ln n) + z)),

``z`` standard deviations beyond the expected largest noise overlap, never below the floor ``theta``. ``sigma`` is
estimated from the data the engine stored, with no assumption about the model's energy:

* with every overlap (variable ``overlap``): by iterative sigma clipping (:func:`clipped_noise_threshold`): the
  rms of the overlaps below the threshold, the threshold recomputed from it, until it no longer changes. This stays
  right when most overlaps are macroscopic (a 3-mixture among K = 5 patterns), where a median would not;
* with only the largest ``k`` overlaps (``top_overlap``): the engine's ``noise_rms``, the rms of the other
  ``n = K - k`` overlaps (:func:`noise_threshold`); without it the threshold is ``theta``.

With the retrieval threshold ``m_retrieval`` the classes (:data:`STATES`) are, in the order they are tested:

``unconverged``
    the run stopped before a fixed point: its ``status`` is one of the flags that the status variable's
    ``unconverged_flags`` attribute lists (written by the engine);
``retrieval``
    ``|m|_(1) >= m_retrieval``: the state is a stored pattern (or its mirror image) up to a few errors;
``spin_glass``
    no macroscopic overlap: the state is not close to any pattern (AGS 1987);
``correlated``
    exactly one macroscopic overlap, below ``m_retrieval``: a state that remembers the cue only partly. At large N
    above alpha_c these are spin-glass states with a finite-size remanent overlap;
``symmetric_mixture``
    an odd number ``k >= 3`` of macroscopic overlaps that agree within ``delta`` in absolute value (the symmetric
    k-mixtures of AGS 1985, overlaps ``m_k``: 1/2 for k = 3, 3/8 for k = 5);
``asymmetric_mixture``
    two or more macroscopic overlaps otherwise (including more than the ``k`` stored).

A classification is marked unreliable (``reliable = 0``) when the threshold is the floor ``theta`` alone and the
floor does not stand out of the noise of a random state, ``theta < (sqrt(2 ln K) + z) / sqrt(N)``: then
finite-size noise can pass for a macroscopic overlap.

**Fractions** (:func:`state_fractions`) work for any categorical variable: the classes are read from its CF
``flag_meanings``, so a family brings its own states (the diffusion family: memorized / spurious / generalized). They
come with binomial error bars (:func:`amphase.analysis.statistics.wilson_interval`).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from amphase.analysis.statistics import wilson_interval
from amphase.dataset import flag_attrs

__all__ = [
    "STATES",
    "classify",
    "classify_overlaps",
    "clipped_noise_threshold",
    "flag_names",
    "noise_threshold",
    "state_fractions",
]

#: overlap classes of :func:`classify`, in flag-value order.
STATES = ("retrieval", "correlated", "symmetric_mixture", "asymmetric_mixture", "spin_glass", "unconverged")
RETRIEVAL, CORRELATED, SYMMETRIC, ASYMMETRIC, SPIN_GLASS, UNCONVERGED = range(len(STATES))


def _extreme(n: np.ndarray, z: float) -> np.ndarray:
    """``sqrt(2 ln n) + z``: where the largest of ``n`` Gaussian noise values ends, in standard deviations."""
    return np.sqrt(2 * np.log(np.fmax(n, 1))) + z


def noise_threshold(sigma: np.ndarray, n: np.ndarray, z: float = 3.0) -> np.ndarray:
    """``sigma (sqrt(2 ln n) + z)``: above it an overlap stands out of ``n`` noise overlaps of rms ``sigma``.

    NaN ``sigma`` (no noise overlap left) gives 0: the floor of the classification decides alone.
    """
    out = np.asarray(sigma, dtype=float) * _extreme(np.asarray(n), z)
    return np.where(np.isfinite(out), out, 0.0)


def clipped_noise_threshold(
    overlaps: np.ndarray, theta: float = 0.1, z: float = 3.0, max_iter: int = 50
) -> tuple[np.ndarray, np.ndarray]:
    """Threshold of macroscopic overlaps by iterative sigma clipping over all overlaps (last axis, NaN ignored).

    Start from ``t = theta``; repeat: ``sigma`` = rms of the overlaps with ``|m| < t``, ``t = max(theta,
    noise_threshold(sigma, n))`` with ``n`` those overlaps, until ``t`` is unchanged (it only grows, so this ends).

    Returns
    -------
    threshold : ndarray, shape (...)
        ``theta_state``.
    n_noise : ndarray of int, shape (...)
        The number of overlaps the noise was estimated from.

    """
    a = np.abs(np.asarray(overlaps, dtype=float))
    finite = np.isfinite(a)
    t = np.full(a.shape[:-1], float(theta))
    n = np.zeros(a.shape[:-1], dtype=np.int64)
    for _ in range(max_iter):
        below = finite & (a < t[..., None])
        n = below.sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            sigma = np.sqrt(np.where(below, a * a, 0.0).sum(axis=-1) / n)
        new = np.fmax(theta, noise_threshold(sigma, n, z))
        if np.array_equal(new, t):
            break
        t = new
    return t, n


def classify_overlaps(
    top: np.ndarray,
    unconverged: np.ndarray | None = None,
    noise: np.ndarray | float = 0.0,
    *,
    m_retrieval: float = 0.8,
    theta: float = 0.1,
    delta: float = 0.1,
) -> tuple[np.ndarray, np.ndarray]:
    """Classify end states from their largest overlaps (the kernel of :func:`classify`).

    Parameters
    ----------
    top : ndarray, shape (..., k)
        Largest overlaps of each end state in decreasing absolute value (signed; NaN where fewer exist).
    unconverged : ndarray of bool, shape (...), optional
        Runs that stopped before a fixed point.
    noise : ndarray, shape (...), or float
        Each state's noise threshold; an overlap is macroscopic at or above ``max(theta, noise)``.
    m_retrieval, theta, delta : float
        Retrieval threshold, the floor of the macroscopic-overlap threshold, and the spread allowed within a
        symmetric mixture.

    Returns
    -------
    state : ndarray of int8, shape (...)
        Index into :data:`STATES`.
    n_macro : ndarray of int16, shape (...)
        Number of macroscopic overlaps (at most ``k``).

    """
    if not 0.0 < theta < m_retrieval <= 1.0:
        raise ValueError(f"need 0 < theta < m_retrieval <= 1, got theta={theta}, m_retrieval={m_retrieval}")
    a = np.abs(np.asarray(top, dtype=float))
    threshold = np.fmax(theta, np.asarray(noise, dtype=float))[..., None]
    macro = np.nan_to_num(a, nan=0.0) >= threshold
    n_macro = macro.sum(axis=-1)
    spread = np.where(macro, a, -np.inf).max(axis=-1) - np.where(macro, a, np.inf).min(axis=-1)
    state = np.full(a.shape[:-1], ASYMMETRIC, dtype=np.int8)
    state[(n_macro >= 3) & (n_macro % 2 == 1) & (spread <= delta)] = SYMMETRIC
    state[n_macro == 1] = CORRELATED
    state[n_macro == 0] = SPIN_GLASS
    state[np.nan_to_num(a[..., 0], nan=0.0) >= m_retrieval] = RETRIEVAL
    if unconverged is not None:
        state[np.asarray(unconverged, dtype=bool)] = UNCONVERGED
    return state, n_macro.astype(np.int16)


def flag_names(var: xr.DataArray) -> list[str]:
    """The class names of a CF flag variable, in flag-value order (``flag_meanings``)."""
    meanings = var.attrs.get("flag_meanings")
    if not meanings:
        raise ValueError(f"variable {var.name!r} has no flag_meanings: it is not a categorical variable")
    names = str(meanings).split()
    values = np.asarray(var.attrs.get("flag_values", np.arange(len(names)))).tolist()
    if values != list(range(len(names))):
        raise ValueError(f"variable {var.name!r}: flag_values must be 0 .. {len(names) - 1}, got {values}")
    return names


def _unconverged(ds: xr.Dataset, dims: tuple[str, ...]) -> np.ndarray | None:
    """Where ``status`` is one of the flags its ``unconverged_flags`` attribute names (``None`` if none does)."""
    if "status" not in ds or not ds["status"].attrs.get("unconverged_flags"):
        return None
    names = flag_names(ds["status"])
    codes = [names.index(f) for f in str(ds["status"].attrs["unconverged_flags"]).split()]
    return ds["status"].isin(codes).transpose(*dims).values


def classify(
    ds: xr.Dataset, *, m_retrieval: float = 0.8, theta: float = 0.1, delta: float = 0.1, z: float = 3.0
) -> xr.Dataset:
    """Add ``state`` (flags :data:`STATES`), ``n_macro``, ``macro_pattern``, ``theta_state`` and ``reliable``.

    ``macro_pattern`` lists which patterns the macroscopic overlaps belong to (the retrieved pattern, the patterns
    of a mixture), in decreasing order of ``|m|``, padded with -1, as many as the dataset's ``rank`` dimension.
    With ``overlap`` (every overlap) the classes use all of them and :func:`clipped_noise_threshold`; otherwise the
    dataset needs ``top_overlap``, and its ``noise_rms`` and ``K`` set the threshold (:func:`noise_threshold`).
    """
    if "overlap" in ds:
        full = ds["overlap"]
        order = np.argsort(-np.nan_to_num(np.abs(full.values), nan=-1.0), axis=-1, kind="stable")
        ranked = full.copy(data=np.take_along_axis(full.values, order, axis=-1))
        dims = ranked.dims[:-1]
        noise, n_noise = clipped_noise_threshold(ranked.values, theta, z)
        known = n_noise >= 3
        count = np.count_nonzero(np.isfinite(ranked.values), axis=-1)
        return _classify(ds, ranked, order, noise, known, count, m_retrieval, theta, delta, z)
    ranked = ds["top_overlap"]
    dims = ranked.dims[:-1]
    patterns = ds["top_pattern"].transpose(*dims, ...).values if "top_pattern" in ds else None
    k = ranked.sizes[ranked.dims[-1]]
    noise = np.zeros(ranked.shape[:-1])
    known = np.zeros(ranked.shape[:-1], dtype=bool)
    count = np.full(ranked.shape[:-1], k)
    if "K" in ds:
        count = ds["K"].broadcast_like(ranked.isel({ranked.dims[-1]: 0})).transpose(*dims).values
    if "noise_rms" in ds:
        sigma = ds["noise_rms"].transpose(*dims).values
        rest = count - np.count_nonzero(np.isfinite(ranked.transpose(*dims, ...).values), axis=-1)
        noise = noise_threshold(sigma, rest, z)
        known = np.isfinite(sigma) & (rest >= 3)
    return _classify(ds, ranked.transpose(*dims, ...), patterns, noise, known, count, m_retrieval, theta, delta, z)


def _classify(
    ds: xr.Dataset,
    ranked: xr.DataArray,
    patterns: np.ndarray | None,
    noise: np.ndarray,
    known: np.ndarray,
    count: np.ndarray,
    m_retrieval: float,
    theta: float,
    delta: float,
    z: float,
) -> xr.Dataset:
    """Classify from ``ranked`` overlaps (decreasing |m| along the last dim) whose pattern indices are ``patterns``."""
    rank = ranked.dims[-1]
    dims = ranked.dims[:-1]
    state, n_macro = classify_overlaps(
        ranked.values, _unconverged(ds, dims), noise, m_retrieval=m_retrieval, theta=theta, delta=delta
    )
    N = ds["N"].broadcast_like(ranked.isel({rank: 0})).transpose(*dims).values if "N" in ds else np.inf
    floor_clear = theta >= _extreme(np.asarray(count), z) / np.sqrt(N)
    out = ds.copy()
    out["state"] = (dims, state, flag_attrs(list(STATES), "class of the end state"))
    out["n_macro"] = (dims, n_macro, {"long_name": f"macroscopic overlaps (at most {ranked.sizes[rank]} counted)"})
    out["theta_state"] = (dims, np.fmax(theta, noise), {"long_name": "threshold of a macroscopic overlap"})
    out["reliable"] = (
        dims,
        (known | floor_clear).astype(np.int8),
        {"long_name": "1 if the threshold stands out of the state's noise (measured, or the floor above it)"},
    )
    out["state"].attrs.update(m_retrieval=m_retrieval, theta=theta, delta=delta, z=z)
    if patterns is not None:
        k = ds.sizes["rank"] if "rank" in ds.dims else patterns.shape[-1]
        which = np.where(np.arange(k) < n_macro[..., None], patterns[..., :k], -1).astype(np.int32)
        out["macro_pattern"] = ((*dims, "rank"), which, {"long_name": "patterns of the macroscopic overlaps"})
    return out


def state_fractions(
    classified: xr.Dataset, over: tuple[str, ...] = ("realization", "trial"), var: str = "state"
) -> xr.Dataset:
    """Fractions of each class of the categorical variable ``var`` over the dimensions ``over``, with Wilson errors.

    The classes are the variable's CF ``flag_meanings``, whatever the family. Values outside the flags (fill values
    of missing trials) are not counted.

    Returns
    -------
    xarray.Dataset
        ``count`` and ``fraction``, ``fraction_lo``, ``fraction_hi`` (1 sigma) over the remaining dimensions and
        ``state`` (labelled by name), and ``total``; with a ``reliable`` variable beside ``var``, ``unreliable``: how
        many of the counted states are marked unreliable.

    """
    state = classified[var]
    names = flag_names(state)
    counts = xr.concat([(state == i).sum(over) for i in range(len(names))], dim="state")
    counts = counts.assign_coords(state=names)
    total = state.isin(range(len(names))).sum(over)
    lo, hi = wilson_interval(counts.values, total.broadcast_like(counts).values)
    out = xr.Dataset(
        {
            "count": counts.assign_attrs(long_name="end states in each class"),
            "total": total.assign_attrs(long_name="end states"),
            "fraction": (counts / total).assign_attrs(long_name="fraction of end states in each class"),
            "fraction_lo": (counts.dims, lo, {"long_name": "lower Wilson bound (1 sigma)"}),
            "fraction_hi": (counts.dims, hi, {"long_name": "upper Wilson bound (1 sigma)"}),
        }
    )
    if "reliable" in classified:
        unreliable = ((classified["reliable"] == 0) & state.isin(range(len(names)))).sum(over)
        out["unreliable"] = unreliable.assign_attrs(long_name="end states whose classification is unreliable")
    out["state"].attrs["long_name"] = str(state.attrs.get("long_name", "class"))
    out.attrs.update({k: v for k, v in state.attrs.items() if k in ("m_retrieval", "theta", "delta", "z")})
    return out
