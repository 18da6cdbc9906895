"""Classify end states of associative-memory dynamics from their largest overlaps, and count them.

A trajectory's end state is described by its largest overlaps with the stored patterns, sorted by absolute value,
``|m|_(1) >= |m|_(2) >= ...`` (``top_overlap`` in the datasets of :mod:`amphase.simulate`). An overlap is
*macroscopic* when it stands out of the state's own finite-size noise. The noise overlaps of a state are of order
``sigma`` and the largest of ``n`` of them is about ``sigma sqrt(2 ln n)``; the threshold of a state is

    theta_state = max(theta, sigma (sqrt(2 ln n) + z)),

``z`` standard deviations beyond the expected largest noise overlap, never below the floor ``theta``. ``sigma`` is
estimated robustly from the median of all ``P`` overlaps, ``median |m| / 0.6745`` (Gaussian noise; unaffected by
fewer than P/2 macroscopic overlaps), when the dataset holds every overlap (``overlaps = "all"``); otherwise from the
energy, ``sum_mu m_mu^2 = P/N - 2 e``, less the ``k`` stored largest overlaps, spread over the ``n = P - k``
others (which overestimates sigma when more than ``k`` overlaps are macroscopic). With the retrieval
threshold ``m_retrieval``, the classes are, in the order they are tested:

``unconverged``
    a zero-temperature run that stopped at its sweep limit before reaching a fixed point;
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

Fractions come with binomial error bars (Wilson score interval at one standard error, which stays inside [0, 1] at
fractions of 0 and 1; E. B. Wilson, J. Am. Stat. Assoc. 22, 209 (1927)).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from amphase.dataset import flag_attrs

__all__ = [
    "STATES",
    "classify",
    "classify_overlaps",
    "noise_threshold",
    "robust_noise_threshold",
    "state_fractions",
    "wilson_interval",
]

#: end-state classes, in flag-value order.
STATES = ("retrieval", "correlated", "symmetric_mixture", "asymmetric_mixture", "spin_glass", "unconverged")
RETRIEVAL, CORRELATED, SYMMETRIC, ASYMMETRIC, SPIN_GLASS, UNCONVERGED = range(len(STATES))


def robust_noise_threshold(overlaps: np.ndarray, z: float = 3.0) -> np.ndarray:
    """``sigma (sqrt(2 ln P) + z)`` with ``sigma = median |m| / 0.6745`` over all overlaps (last axis, NaN ignored)."""
    a = np.abs(np.asarray(overlaps, dtype=float))
    P = np.count_nonzero(np.isfinite(a), axis=-1)
    sigma = np.nanmedian(a, axis=-1) / 0.6744897501960817  # the median of |N(0, 1)|
    return sigma * (np.sqrt(2 * np.log(np.fmax(P, 1))) + z)


def noise_threshold(top: np.ndarray, sum_m2: np.ndarray, P: np.ndarray, z: float = 3.0) -> np.ndarray:
    """``sigma (sqrt(2 ln(P - k)) + z)`` with sigma from the energy: where the overlaps stand out of the noise.

    Parameters
    ----------
    top : ndarray, shape (..., k)
        The ``k`` largest overlaps (NaN where fewer exist).
    sum_m2 : ndarray, shape (...)
        ``sum_mu m_mu^2`` over all ``P`` patterns (``P/N - 2 e`` for the Hebbian energy per spin ``e``).
    P : ndarray, shape (...)
        Number of patterns.
    z : float
        Margin in standard deviations.

    Returns
    -------
    ndarray, shape (...)
        0 where no pattern is left outside the ``k`` stored overlaps.

    """
    top = np.asarray(top, dtype=float)
    k = np.count_nonzero(np.isfinite(top), axis=-1)
    rest = np.asarray(P) - k
    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.sqrt(np.fmax(np.asarray(sum_m2) - np.nansum(top**2, axis=-1), 0.0) / rest)
        out = sigma * (np.sqrt(2 * np.log(np.fmax(rest, 1))) + z)
    return np.where(rest > 0, out, 0.0)


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
        Each state's noise threshold (:func:`noise_threshold`); an overlap is macroscopic above
        ``max(theta, noise)``.
    m_retrieval, theta, delta : float
        Retrieval threshold, the floor of the macroscopic-overlap threshold, and the spread allowed within a
        symmetric mixture.

    Returns
    -------
    state : ndarray of int8, shape (...)
        Index into :data:`STATES`.
    n_macro : ndarray of int16, shape (...)
        Number of macroscopic overlaps (``|m| >= theta``; at most ``k``).

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


def classify(
    ds: xr.Dataset, *, m_retrieval: float = 0.8, theta: float = 0.1, delta: float = 0.1, z: float = 3.0
) -> xr.Dataset:
    """Add ``state`` (flags :data:`STATES`), ``n_macro``, ``macro_pattern`` and ``theta_state`` to a dataset.

    ``macro_pattern`` lists which patterns the macroscopic overlaps belong to (the retrieved pattern, the patterns
    of a mixture), in decreasing order of ``|m|``, padded with -1, as many as the dataset's ``rank`` dimension.
    With ``overlap`` (every overlap) the classes use all of them and the robust noise estimate
    (:func:`robust_noise_threshold`); otherwise the dataset needs ``top_overlap``, and with ``energy``, ``P`` and
    ``N`` the threshold follows :func:`noise_threshold` (else it is ``theta``). Runs with ``status == max_sweeps``
    (zero temperature, no fixed point reached) are ``unconverged``.
    """
    if "overlap" in ds:
        full = ds["overlap"]
        order = np.argsort(-np.nan_to_num(np.abs(full.values), nan=-1.0), axis=-1, kind="stable")
        ranked = full.copy(data=np.take_along_axis(full.values, order, axis=-1))
        return _classify(ds, ranked, order, m_retrieval, theta, delta, z, robust=True)
    patterns = ds["top_pattern"].values if "top_pattern" in ds else None
    return _classify(ds, ds["top_overlap"], patterns, m_retrieval, theta, delta, z, robust=False)


def _classify(
    ds: xr.Dataset,
    ranked: xr.DataArray,
    patterns: np.ndarray | None,
    m_retrieval: float,
    theta: float,
    delta: float,
    z: float,
    robust: bool,
) -> xr.Dataset:
    """Classify from ``ranked`` overlaps (decreasing |m| along the last dim) whose pattern indices are ``patterns``."""
    rank = ranked.dims[-1]
    dims = ranked.dims[:-1]
    status_names = ds["status"].attrs.get("flag_meanings", "").split() if "status" in ds else []
    unconverged = None
    if "max_sweeps" in status_names:
        unconverged = (ds["status"] == status_names.index("max_sweeps")).transpose(*dims).values
    noise = xr.zeros_like(ranked.isel({rank: 0}))
    if robust:
        noise = xr.apply_ufunc(robust_noise_threshold, ranked, kwargs={"z": z}, input_core_dims=[[rank]])
    elif {"energy", "P", "N"} <= set(ds.variables):
        sum_m2 = ds["P"] / ds["N"] - 2 * ds["energy"]
        P = ds["P"].broadcast_like(sum_m2)
        noise = xr.apply_ufunc(noise_threshold, ranked, sum_m2, P, kwargs={"z": z}, input_core_dims=[[rank], [], []])
    noise = noise.transpose(*dims).values
    state, n_macro = classify_overlaps(
        ranked.values, unconverged, noise, m_retrieval=m_retrieval, theta=theta, delta=delta
    )
    out = ds.copy()
    out["state"] = (dims, state, flag_attrs(list(STATES), "class of the end state"))
    out["n_macro"] = (dims, n_macro, {"long_name": f"macroscopic overlaps (at most {ranked.sizes[rank]} counted)"})
    out["theta_state"] = (dims, np.fmax(theta, noise), {"long_name": "threshold of a macroscopic overlap"})
    out["state"].attrs.update(m_retrieval=m_retrieval, theta=theta, delta=delta, z=z)
    if patterns is not None:
        k = ds.sizes["rank"] if "rank" in ds.dims else patterns.shape[-1]
        which = np.where(np.arange(k) < n_macro[..., None], patterns[..., :k], -1).astype(np.int32)
        out["macro_pattern"] = ((*dims, "rank"), which, {"long_name": "patterns of the macroscopic overlaps"})
    return out


def wilson_interval(k: np.ndarray, n: np.ndarray, z: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial fraction ``k/n`` at ``z`` standard errors; NaN where ``n = 0``."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1.0 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)  # rounding can step outside


def state_fractions(classified: xr.Dataset, over: tuple[str, ...] = ("realization", "trial")) -> xr.Dataset:
    """Fractions of each end-state class over the dimensions ``over``, with Wilson (1 sigma) error bars.

    Returns
    -------
    xarray.Dataset
        ``count`` and ``fraction``, ``fraction_lo``, ``fraction_hi`` over the remaining dimensions and ``state``
        (labelled by name), and ``total``.

    """
    state = classified["state"]
    counts = xr.concat([(state == i).sum(over) for i in range(len(STATES))], dim="state")
    counts = counts.assign_coords(state=list(STATES))
    total = state.notnull().sum(over)
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
    out["state"].attrs["long_name"] = "class of the end state"
    out.attrs.update({k: classified["state"].attrs[k] for k in ("m_retrieval", "theta", "delta", "z")})
    return out
