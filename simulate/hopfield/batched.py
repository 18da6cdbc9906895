"""Batched Hopfield dynamics for ensembles of replicas that share one pattern set, on any array backend.

The kernels take the array module ``xp`` (``numpy`` or ``cupy``, see :mod:`amphase.simulate.backend`) and arrays of
that module; they run the algorithms of :mod:`.kernels` for ``B`` replicas at once:

* asynchronous (random-sequential) sweeps: at step ``t`` replica ``b`` updates spin ``orders[b, t]``; its field is a
  gathered row of the patterns against the replica's overlaps, O(B P) per step, and the same integer arithmetic and
  tie rule as the Numba kernels, so a replica follows exactly the trajectory :func:`.kernels.async_patterns` gives
  it for the same order;
* synchronous (parallel) steps ``S <- sign(H)`` with ``H = (S xi^T) xi - P S``: two GEMMs. They run in floating
  point but are exact: every partial sum is an integer bounded by ``N P``, so float32 is used when
  ``N P < 2**24`` and float64 otherwise.

Shapes: ``xiT`` is ``(N, P)`` int8, spins ``S`` are ``(B, N)`` int8, overlaps ``M`` are ``(B, P)`` int32.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

__all__ = ["async_sweep", "exact_float", "glauber_sweep", "sync_fields"]

Array = Any


def async_sweep(xp: ModuleType, xiT: Array, S: Array, M: Array, orders: Array) -> Array:
    """One zero-temperature random-sequential sweep of every replica; returns the flips per replica.

    Parameters
    ----------
    xp : module
        ``numpy`` or ``cupy``.
    xiT : array of int8, shape (N, P)
        Patterns, transposed.
    S : array of int8, shape (B, N)
        Spins, updated in place.
    M : array of int32, shape (B, P)
        Overlaps ``S @ xiT``, updated in place.
    orders : array of int, shape (B, N)
        Each replica's visiting order for this sweep.

    Returns
    -------
    array of int, shape (B,)
        Number of spins each replica flipped.

    """
    B, N = S.shape
    P = xiT.shape[1]
    rows_of = xp.arange(B)
    flips = xp.zeros(B, dtype=xp.int64)
    for t in range(N):
        idx = orders[:, t]
        rows = xiT[idx]  # (B, P)
        old = S[rows_of, idx]
        h = (rows * M).sum(axis=1, dtype=xp.int64) - P * old.astype(xp.int64)
        new = xp.where(h > 0, 1, xp.where(h < 0, -1, old)).astype(xp.int8)
        flipped = new != old
        M += (2 * new * flipped).astype(xp.int32)[:, None] * rows
        S[rows_of, idx] = new
        flips += flipped
    return flips


def glauber_sweep(xp: ModuleType, xiT: Array, S: Array, M: Array, orders: Array, uniforms: Array, beta: float) -> None:
    """One heat-bath random-sequential sweep of every replica (``uniforms`` is ``(B, N)`` float64)."""
    B, N = S.shape
    P = xiT.shape[1]
    rows_of = xp.arange(B)
    for t in range(N):
        idx = orders[:, t]
        rows = xiT[idx]
        old = S[rows_of, idx]
        h = ((rows * M).sum(axis=1, dtype=xp.int64) - P * old.astype(xp.int64)) / N
        new = xp.where(uniforms[:, t] < 0.5 * (1.0 + xp.tanh(beta * h)), 1, -1).astype(xp.int8)
        flipped = new != old
        M += (2 * new * flipped).astype(xp.int32)[:, None] * rows
        S[rows_of, idx] = new


def exact_float(xp: ModuleType, N: int, P: int) -> Any:
    """The float dtype in which the synchronous GEMMs are exact: float32 if ``N P < 2**24``, else float64."""
    return xp.float32 if N * P < 2**24 else xp.float64


def sync_fields(xp: ModuleType, xi_f: Array, S: Array) -> tuple[Array, Array]:
    """Overlaps and ``N h`` of every replica: ``M = S xi^T`` and ``H = M xi - P S`` (exact integers, as floats).

    Parameters
    ----------
    xp : module
        ``numpy`` or ``cupy``.
    xi_f : array of float, shape (N, P)
        Patterns (transposed) in the exact float dtype of :func:`exact_float`.
    S : array of int8, shape (B, N)
        Spins.

    Returns
    -------
    M : array of float, shape (B, P)
    H : array of float, shape (B, N)

    """
    P = xi_f.shape[1]
    Sf = S.astype(xi_f.dtype)
    M = Sf @ xi_f
    H = M @ xi_f.T - P * Sf
    return M, H
