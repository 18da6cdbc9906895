"""Numba kernels of binary Dense Associative Memory dynamics, one replica at a time, for any energy of the seam.

The energy arrives as plain values (:mod:`amphase.simulate.binary.energy`): its ``kind`` code, the arithmetic ``mode``
(:data:`~amphase.simulate.binary.energy.INT32`, :data:`~amphase.simulate.binary.energy.INT_EXACT` or
:data:`~amphase.simulate.binary.energy.CERTIFIED`) and the flip tables
``gp_f, gm_f, gp_w, gm_w`` (empty for the exponential). Conventions (those of :mod:`.hebbian_kernels`):

* spins ``s`` are ``int8``; patterns transposed, ``xiT[i, mu] = xi_i^mu`` (``int8``, ``(N, K)``); overlaps
  ``M_mu = sum_i xi_i^mu s_i`` (``int64``) are kept and updated on every flip;
* the per-pattern coefficients ``C_mu`` and the sum ``A`` of the module docstring of the seam are recomputed from
  ``M`` after each flip (O(K)); a visit costs one O(K) dot product ``D_i = A + s_i xi_i . C``; a spin flips at
  ``T = 0`` iff ``D_i > 0`` (``D_i = -2 q Delta E_i``), exactly: int64 (wrapping) alone in the ``INT32`` (int32
  coefficients) and ``INT_EXACT`` modes; in ``CERTIFIED`` mode float64 with the error bound ``err``, and the exact
  fallback where it does not decide;
* tie rule: ``D_i = 0`` keeps the spin;
* random numbers (visiting orders, heat-bath uniforms) are drawn by NumPy outside the kernels.

The heat-bath rule sets ``s_i = +1`` with probability ``1 / (1 + exp(beta Delta E(s_i -> +1) / F'(N)))``
(Glauber 1963), with ``Delta E / F'(N) = -D exp(shift - log_unit)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from amphase.simulate.binary.energy import CERTIFIED, EXPONENTIAL, INT32
from amphase.simulate.binary.exact import U

__all__ = [
    "add_overlaps",
    "async_dense",
    "coefficients",
    "decide",
    "dot_f",
    "dot_i",
    "exp_sign",
    "exp_sign_exact",
    "heat_bath_dense",
    "overlaps",
]

_EM2 = np.expm1(-2.0)  # e^-2 - 1
_EP2 = np.expm1(2.0)  # e^2 - 1


@njit(cache=True, nogil=True)
def add_overlaps(xiT: np.ndarray, s: np.ndarray, M: np.ndarray) -> np.ndarray:
    """``M += xiT.T @ s`` in ``M``'s integer type (exact: ``|M_mu| <= N``); returns ``M``."""
    N, K = xiT.shape
    for i in range(N):
        si = np.int64(s[i])
        row = xiT[i]
        for mu in range(K):
            M[mu] += si * row[mu]
    return M


@njit(cache=True, nogil=True)
def overlaps(xiT: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Integer overlaps ``M_mu = sum_i xi_i^mu s_i`` (int64, shape (K,))."""
    return add_overlaps(xiT, s, np.zeros(xiT.shape[1], dtype=np.int64))


@njit(cache=True, nogil=True)
def coefficients(
    kind: int,
    M: np.ndarray,
    gp_f: np.ndarray,
    gm_f: np.ndarray,
    gp_w: np.ndarray,
    gm_w: np.ndarray,
    c_f: np.ndarray,
    c_w: np.ndarray,
) -> tuple[float, np.int64, float, float]:
    """Fill ``c_f``, ``c_w`` (``C`` in float64 and wrapped int64) from ``M``; return ``(a_f, a_w, err, shift)``.

    Polynomials read the tables at ``M + N`` (``N = (len(gp_f) - 1) / 2``); the exponential computes
    ``C e^-shift`` with the running scale ``shift = max M``.
    """
    K = M.shape[0]
    a_f = 0.0
    a_w = np.int64(0)
    g = 0.0
    shift = 0.0
    if kind == EXPONENTIAL:
        top = M[0]
        for mu in range(K):
            top = max(top, M[mu])
        shift = float(top)
        for mu in range(K):
            w = np.exp(float(M[mu] - top))
            gp = w * _EM2
            gm = w * _EP2
            a_f += gp + gm
            c_f[mu] = gp - gm
            g += abs(gp) + abs(gm)
    else:
        N = (gp_f.shape[0] - 1) // 2
        for mu in range(K):
            j = M[mu] + N
            gp = gp_f[j]
            gm = gm_f[j]
            a_f += gp + gm
            c_f[mu] = gp - gm
            g += abs(gp) + abs(gm)
            a_w += gp_w[j] + gm_w[j]
            c_w[mu] = gp_w[j] - gm_w[j]
    err = 4.0 * (K + 8) * U * g * (1.0 + 4.0 * (K + 8) * U)
    return a_f, a_w, err, shift


@njit(cache=True, nogil=True)
def exp_sign(y: np.ndarray, w: np.ndarray, b: float, work: np.ndarray) -> int:
    """Exact sign of ``sum_k w_k e^(b y_k)`` for integer exponents ``|y_k| <= L`` and integer weights ``w_k``.

    Equal exponents are cancelled by integer counts in ``work`` (int64 zeros of length ``2 L + 1``, left zero on
    return); the remaining ``sum_x n_x e^(b (x - top))`` is summed from its largest exponent ``top`` down. Exact unless
    such a sum with small integer coefficients vanishes to within ``1e-13`` of its terms (seam docstring, derived
    in :mod:`amphase.simulate.binary.energy_base`).
    """
    off = (work.shape[0] - 1) // 2
    lo = work.shape[0]
    hi = -1
    for k in range(y.shape[0]):
        j = y[k] + off
        work[j] += w[k]
        lo = min(lo, j)
        hi = max(hi, j)
    total = 0.0
    top = -1
    for j in range(hi, lo - 1, -1):  # largest terms first
        if work[j] != 0:
            if top < 0:
                top = j
            total += work[j] * np.exp(b * (j - top))
            work[j] = 0
    return 0 if total == 0.0 else (1 if total > 0.0 else -1)


@njit(cache=True, nogil=True)
def exp_sign_exact(row: np.ndarray, si: int, M: np.ndarray, work: np.ndarray) -> int:
    """Sign of ``D`` for the exponential energy with equal exponents cancelled exactly (:func:`exp_sign`).

    ``-Delta E = sum_mu e^(M_mu - 2 a_mu) - e^(M_mu)``, ``a_mu = si row[mu]``. ``work`` is an int64 array of zeros of
    length ``2 N + 5`` (left zero on return): the net count of each exponent ``x`` in ``[-N-2, N+2]``.
    """
    K = M.shape[0]
    y = np.empty(2 * K, dtype=np.int64)
    w = np.empty(2 * K, dtype=np.int64)
    for mu in range(K):
        y[2 * mu] = M[mu] - 2 * si * row[mu]
        w[2 * mu] = 1
        y[2 * mu + 1] = M[mu]
        w[2 * mu + 1] = -1
    return exp_sign(y, w, 1.0, work)


@njit(cache=True, nogil=True, fastmath={"reassoc", "contract"})
def dot_f(row: np.ndarray, c: np.ndarray) -> float:
    """``row . c`` in float64, vectorised: the error bound of the seam holds for any summation order and for FMAs."""
    acc = 0.0
    for mu in range(row.shape[0]):
        acc += row[mu] * c[mu]
    return acc


@njit(cache=True, nogil=True)
def dot_i(row: np.ndarray, c: np.ndarray) -> np.int64:
    """``row . c`` for integer coefficients (int32 or wrapped int64), summed in int64 (wrapping modulo ``2^64``)."""
    acc = np.int64(0)
    for mu in range(row.shape[0]):
        acc += np.int64(row[mu]) * c[mu]
    return acc


@njit(cache=True, nogil=True)
def decide(
    kind: int,
    mode: int,
    row: np.ndarray,
    si: int,
    M: np.ndarray,
    c_f: np.ndarray,
    c_w: np.ndarray,
    a_f: float,
    a_w: np.int64,
    err: float,
    work: np.ndarray,
) -> tuple[int, float]:
    """The exact sign of ``D_i`` (1: the flip lowers the energy) and its float64 value (scaled by ``e^-shift``)."""
    if mode != CERTIFIED:
        d = a_w + si * dot_i(row, c_w)
        return (0 if d == 0 else (1 if d > 0 else -1)), float(d)
    df = a_f + si * dot_f(row, c_f)
    if abs(df) > err:
        return (1 if df > 0 else -1), df
    if kind == EXPONENTIAL:
        return exp_sign_exact(row, si, M, work), df
    d = a_w + si * dot_i(row, c_w)  # |D| <= 2 err < 2^63: the wrapped value is exact
    return (0 if d == 0 else (1 if d > 0 else -1)), float(d)


@njit(inline="always")
def _flip(xiT: np.ndarray, s: np.ndarray, M: np.ndarray, i: int, new: int) -> None:
    s[i] = new
    row = xiT[i]
    for mu in range(row.shape[0]):
        M[mu] += 2 * new * row[mu]


@njit(cache=True, nogil=True)
def async_dense(
    kind: int,
    mode: int,
    gp_f: np.ndarray,
    gm_f: np.ndarray,
    gp_w: np.ndarray,
    gm_w: np.ndarray,
    xiT: np.ndarray,
    s: np.ndarray,
    M: np.ndarray,
    orders: np.ndarray,
) -> tuple[int, bool]:
    """Zero-temperature random-sequential sweeps until a sweep flips no spin.

    Parameters
    ----------
    kind, mode, gp_f, gm_f, gp_w, gm_w
        The energy (module docstring; :meth:`amphase.simulate.binary.energy.BinaryEnergy.tables`).
    xiT : ndarray of int8, shape (N, K)
        Patterns, transposed.
    s : ndarray of int8, shape (N,)
        Spins, updated in place.
    M : ndarray of int64, shape (K,)
        Overlaps ``xiT.T @ s``, updated in place.
    orders : ndarray of int, shape (sweeps, N)
        One visiting order per sweep.

    Returns
    -------
    sweeps : int
        Sweeps run (including the final sweep without a flip, if reached).
    fixed_point : bool
        Whether the last sweep flipped no spin.

    """
    N, K = xiT.shape
    c_f = np.empty(K)
    c_w = np.zeros(K, dtype=np.int64)
    work = np.zeros(2 * N + 5, dtype=np.int64)
    c32 = np.zeros(K if mode == INT32 else 0, dtype=np.int32)
    a_f, a_w, err, _ = coefficients(kind, M, gp_f, gm_f, gp_w, gm_w, c_f, c_w)
    c32[:] = c_w[: c32.shape[0]]
    for sweep in range(orders.shape[0]):
        flips = 0
        for t in range(orders.shape[1]):
            i = orders[sweep, t]
            if mode == INT32:
                d = a_w + s[i] * dot_i(xiT[i], c32)
                sign = 1 if d > 0 else 0
            else:
                sign, _ = decide(kind, mode, xiT[i], s[i], M, c_f, c_w, a_f, a_w, err, work)
            if sign > 0:
                _flip(xiT, s, M, i, -s[i])
                a_f, a_w, err, _ = coefficients(kind, M, gp_f, gm_f, gp_w, gm_w, c_f, c_w)
                c32[:] = c_w[: c32.shape[0]]
                flips += 1
        if flips == 0:
            return sweep + 1, True
    return orders.shape[0], False


@njit(cache=True, nogil=True)
def heat_bath_dense(
    kind: int,
    mode: int,
    gp_f: np.ndarray,
    gm_f: np.ndarray,
    gp_w: np.ndarray,
    gm_w: np.ndarray,
    xiT: np.ndarray,
    s: np.ndarray,
    M: np.ndarray,
    orders: np.ndarray,
    uniforms: np.ndarray,
    beta: float,
    log_unit: float,
) -> None:
    """Heat-bath random-sequential sweeps, one per row of ``orders`` (arguments as :func:`async_dense`).

    Spin ``orders[k, t]`` becomes +1 if ``uniforms[k, t] < 1 / (1 + exp(beta Delta E(-> +1) / F'(N)))``, with
    ``Delta E(-> +1) / F'(N) = s_i D exp(shift - log_unit)`` (``D`` from the current state).
    """
    K = xiT.shape[1]
    c_f = np.empty(K)
    c_w = np.zeros(K, dtype=np.int64)
    a_f, _, _, shift = coefficients(kind, M, gp_f, gm_f, gp_w, gm_w, c_f, c_w)
    for sweep in range(orders.shape[0]):
        for t in range(orders.shape[1]):
            i = orders[sweep, t]
            si = s[i]
            d = a_f + si * dot_f(xiT[i], c_f)
            x = beta * si * d * np.exp(shift - log_unit)  # beta Delta E(s_i -> +1) / F'(N)
            new = 1 if uniforms[sweep, t] < 0.5 * (1.0 - np.tanh(0.5 * x)) else -1
            if new != si:
                _flip(xiT, s, M, i, new)
                a_f, _, _, shift = coefficients(kind, M, gp_f, gm_f, gp_w, gm_w, c_f, c_w)
