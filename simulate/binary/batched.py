"""Batched binary DenseAM dynamics for ensembles of replicas sharing one pattern set, on any array backend.

The kernels take the array module ``xp`` (``numpy`` or ``cupy``; CuPy is never imported here) and an
:class:`~amphase.simulate.binary.energy.BinaryEnergy`; they run the algorithms of :mod:`.kernels` for ``B`` replicas
at once and decide every flip with the same exact sign of ``D_i = -2 q Delta E_i`` (seam docstring): float64 scores
with the error bound ``err``, and, where ``|D_float| <= err`` (ties and near-ties), the exact fallback (wrapped
int64 dot products for the polynomials, :func:`.kernels.exp_sign_exact` on the host for the exponential). So the
batched path follows the Numba trajectory spin for spin at ``T = 0`` for the same visiting orders.

* asynchronous sweeps are evaluated a *window* of visits at a time against each replica's current coefficients, as
  in :mod:`.hebbian_batched`: the visits before the first one that changes its spin change nothing,
  the replica applies that change, recomputes its coefficients, and its next window starts after it;
* :func:`flip_scores` gives every spin's ``D`` at once (synchronous steps, one-step stability): two GEMMs,
  ``D = A + S * (C xi^T)``.

Shapes: ``xiT`` ``(N, K)`` int8; spins ``S`` ``(B, N)`` int8; overlaps ``M`` ``(B, K)`` int64.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

from amphase.simulate.binary import kernels
from amphase.simulate.binary.energy import EXPONENTIAL, BinaryEnergy

__all__ = ["async_sweep", "flip_energies", "flip_scores", "heat_bath_sweep", "window_for"]

Array = Any

#: elements of the gathered (B, window, K) rows a window may hold.
WINDOW_ELEMENTS = 2**22


def window_for(B: int, K: int, window: int = 32) -> int:
    """The window of visits evaluated together: at most ``window``, and ``B window K <= WINDOW_ELEMENTS``."""
    return int(max(1, min(window, WINDOW_ELEMENTS // max(1, B * K))))


def _host(xp: ModuleType, a: Array) -> np.ndarray:
    return np.asarray(a) if xp is np else xp.asnumpy(a)


def _exact(
    xp: ModuleType,
    energy: BinaryEnergy,
    rows: Array,
    si: Array,
    M: Array,
    a_w: Array,
    c_w: Array,
) -> Array:
    """Exact signs of ``D`` for gathered visits: ``rows`` (m, K), spins ``si`` (m,), overlaps/coefficients (m, ...)."""
    if energy.kind != EXPONENTIAL:
        d = a_w + si.astype(xp.int64) * (rows.astype(xp.int64) * c_w).sum(axis=-1)  # wraps: exact, |D| < 2^63
        return xp.sign(d).astype(xp.int8)
    h_rows, h_si, h_M = _host(xp, rows), _host(xp, si), _host(xp, M).astype(np.int64)
    N = int(np.abs(h_M).max(initial=0))
    work = np.zeros(2 * max(N, 1) + 5, dtype=np.int64)
    out = np.array(
        [kernels.exp_sign_exact(h_rows[j], int(h_si[j]), h_M[j], work) for j in range(len(h_si))], dtype=np.int8
    )
    return xp.asarray(out)


def flip_scores(xp: ModuleType, energy: BinaryEnergy, xiT: Array, S: Array, M: Array, N: int) -> tuple[Array, Array]:
    """``D_i`` of every spin of every replica (float64, scaled by ``e^-shift``) and its exact sign (int8).

    Parameters
    ----------
    xp : module
        ``numpy`` or ``cupy``.
    energy : BinaryEnergy
        The energy.
    xiT : array of int8, shape (N, K)
        Patterns, transposed.
    S : array of int8, shape (..., N)
        Spins.
    M : array of int, shape (..., K)
        Their overlaps.
    N : int
        Neurons.

    """
    shape = S.shape
    S2 = S.reshape(-1, N)
    M2 = M.reshape(-1, M.shape[-1]).astype(xp.int64)
    a_f, c_f, a_w, c_w, err, _ = energy.coefficients(M2, N, xp)
    D = a_f[:, None] + S2.astype(xp.float64) * (c_f @ xiT.T.astype(xp.float64))
    sign = xp.sign(D).astype(xp.int8)
    b, i = xp.nonzero(xp.abs(D) <= err[:, None])
    if b.size:
        sign[b, i] = _exact(xp, energy, xiT[i], S2[b, i], M2[b], a_w[b], c_w[b])
    return D.reshape(shape), sign.reshape(shape)


def _windowed_sweep(
    xp: ModuleType, energy: BinaryEnergy, xiT: Array, S: Array, M: Array, orders: Array, rule: Any, window: int
) -> Array:
    """One random-sequential sweep of every replica, ``window`` visits at a time (module docstring).

    ``rule(sign, D, shift, old, cols)`` gives the new spins of the visits at positions ``cols`` (``(B, window)``) from
    the exact signs and float values of ``D``. Returns the flips per replica.
    """
    B, N = S.shape
    K = xiT.shape[1]
    window = window_for(B, K, window)
    a_f, c_f, a_w, c_w, err, shift = energy.coefficients(M, N, xp)
    pos = xp.zeros(B, dtype=xp.int64)
    flips = xp.zeros(B, dtype=xp.int64)
    offsets = xp.arange(window, dtype=xp.int64)
    while bool((pos < N).any()):
        cols = pos[:, None] + offsets[None, :]
        valid = cols < N
        cols = xp.minimum(cols, N - 1)
        idx = xp.take_along_axis(orders, cols, axis=1)  # (B, window)
        rows = xiT[idx]  # (B, window, K)
        old = xp.take_along_axis(S, idx, axis=1)
        D = a_f[:, None] + old * xp.matmul(rows.astype(xp.float64), c_f[:, :, None])[..., 0]
        sign = xp.sign(D).astype(xp.int8)
        b, w = xp.nonzero((xp.abs(D) <= err[:, None]) & valid)
        if b.size:
            sign[b, w] = _exact(xp, energy, rows[b, w], old[b, w], M[b], a_w[b], c_w[b])
        change = (rule(sign, D, shift, old, cols) != old) & valid
        has = change.any(axis=1)
        first = xp.argmax(change, axis=1)
        hit = xp.nonzero(has)[0]
        if hit.size:
            j = first[hit]
            i = idx[hit, j]
            new = -S[hit, i]
            S[hit, i] = new
            M[hit] += (2 * new.astype(xp.int64))[:, None] * xiT[i]
            flips[hit] += 1
            ca, cc, wa, wc, ce, cs = energy.coefficients(M[hit], N, xp)
            a_f[hit], c_f[hit], a_w[hit], c_w[hit], err[hit], shift[hit] = ca, cc, wa, wc, ce, cs
        pos = pos + xp.where(has, first + 1, valid.sum(axis=1))
    return flips


def async_sweep(
    xp: ModuleType, energy: BinaryEnergy, xiT: Array, S: Array, M: Array, orders: Array, window: int = 32
) -> Array:
    """One zero-temperature random-sequential sweep of every replica; returns the flips per replica.

    ``S`` (B, N) int8 and ``M`` (B, K) int64 are updated in place; ``orders`` (B, N) are the visiting orders; any
    ``window`` gives the same result.
    """

    def rule(sign: Array, D: Array, shift: Array, old: Array, cols: Array) -> Array:
        return xp.where(sign > 0, -old, old).astype(xp.int8)

    return _windowed_sweep(xp, energy, xiT, S, M, orders, rule, window)


def heat_bath_sweep(
    xp: ModuleType,
    energy: BinaryEnergy,
    xiT: Array,
    S: Array,
    M: Array,
    orders: Array,
    uniforms: Array,
    beta: float,
    window: int = 32,
) -> Array:
    """One heat-bath sweep of every replica (``uniforms`` (B, N), one per visit; rule of :mod:`.kernels`)."""
    log_unit = energy.log_unit(S.shape[1])

    def rule(sign: Array, D: Array, shift: Array, old: Array, cols: Array) -> Array:
        u = xp.take_along_axis(uniforms, cols, axis=1)
        x = beta * old * D * xp.exp(shift - log_unit)[:, None]
        return xp.where(u < 0.5 * (1.0 - xp.tanh(0.5 * x)), 1, -1).astype(xp.int8)

    return _windowed_sweep(xp, energy, xiT, S, M, orders, rule, window)


def flip_energies(energy: BinaryEnergy, xiT: Any, S: Any, M: Any | None = None, xp: ModuleType = np) -> tuple[Any, Any]:
    """Flip energies of every spin of states ``S`` (``(..., N)`` int8) with patterns ``xiT`` (``(N, K)`` int8).

    Returns
    -------
    dE : float64 array, shape ``(..., N)``
        ``Delta E_i`` in float64 (``±inf`` where the exponential overflows).
    sign : int8 array, shape ``(..., N)``
        The exact sign of ``Delta E_i`` (-1: the flip lowers the energy; 0: a tie).

    """
    S = xp.asarray(S)
    N = S.shape[-1]
    if M is None:
        M = S.astype(xp.int64) @ xp.asarray(xiT, dtype=xp.int64)
    D, sign = flip_scores(xp, energy, xp.asarray(xiT), S, xp.asarray(M), N)
    shift = energy.coefficients(M, N, xp)[5]
    with np.errstate(over="ignore"):
        dE = -D * xp.exp(shift)[..., None] / (2.0 * energy.q)
    return dE, (-sign).astype(xp.int8)
