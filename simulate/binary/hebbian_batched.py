"""Batched Hebbian (Hopfield) dynamics for ensembles of replicas that share one pattern set, on any array backend.

The kernels take the array module ``xp`` (``numpy`` or ``cupy``, see :mod:`amphase.simulate.backend`) and arrays of
that module; they run the algorithms of :mod:`.hebbian_kernels` for ``B`` replicas at once:

* asynchronous (random-sequential) sweeps: replica ``b`` visits the spins ``orders[b]`` in turn, with the same
  integer arithmetic and tie rule as the Numba kernels, so it follows exactly the trajectory
  :func:`.hebbian_kernels.async_patterns` gives it for the same order. The visits are evaluated a *window* at a time:
  the fields of the next ``window`` visits of every replica are computed at once against its current overlaps
  (a gathered ``(B, window, P)`` contraction); the visits before the first one that changes its spin are, exactly,
  the visits of the sequential algorithm that change nothing, so the replica advances past them, applies that one
  change, and the next window starts after it. Near a fixed point, where changes are rare, a sweep costs about
  ``N / window`` rounds of a few array operations instead of ``N`` (on a GPU: kernel launches);
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


def _windowed_sweep(xp: ModuleType, xiT: Array, S: Array, M: Array, orders: Array, rule: Any, window: int) -> Array:
    """One random-sequential sweep of every replica, evaluated ``window`` visits at a time (see the module docstring).

    ``rule(h, old, cols)`` gives the new spins of the visits at positions ``cols`` (``(B, window)``) from their
    integer fields ``N h`` and old spins. Returns the number of changed spins per replica.
    """
    B, N = S.shape
    P = xiT.shape[1]
    pos = xp.zeros(B, dtype=xp.int64)
    flips = xp.zeros(B, dtype=xp.int64)
    offsets = xp.arange(window, dtype=xp.int64)
    while bool((pos < N).any()):
        cols = pos[:, None] + offsets[None, :]
        valid = cols < N
        cols = xp.minimum(cols, N - 1)
        idx = xp.take_along_axis(orders, cols, axis=1)  # (B, window) spins
        rows = xiT[idx]  # (B, window, P)
        old = xp.take_along_axis(S, idx, axis=1)
        h = (rows * M[:, None, :]).sum(axis=2, dtype=xp.int64) - P * old.astype(xp.int64)
        change = (rule(h, old, cols) != old) & valid
        has = change.any(axis=1)
        first = xp.argmax(change, axis=1)
        hit = xp.nonzero(has)[0]
        if hit.size:
            j = first[hit]
            i = idx[hit, j]
            new = -S[hit, i]  # a change of a ±1 spin is its reversal
            S[hit, i] = new
            M[hit] += (2 * new.astype(xp.int32))[:, None] * xiT[i]
            flips[hit] += 1
        pos = pos + xp.where(has, first + 1, valid.sum(axis=1))
    return flips


def async_sweep(xp: ModuleType, xiT: Array, S: Array, M: Array, orders: Array, window: int = 32) -> Array:
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
        Each replica's visiting order for this sweep (a permutation).
    window : int
        Visits evaluated together; any value gives the same result.

    Returns
    -------
    array of int, shape (B,)
        Number of spins each replica flipped.

    """

    def rule(h: Array, old: Array, cols: Array) -> Array:
        return xp.where(h > 0, 1, xp.where(h < 0, -1, old)).astype(xp.int8)

    return _windowed_sweep(xp, xiT, S, M, orders, rule, window)


def glauber_sweep(
    xp: ModuleType, xiT: Array, S: Array, M: Array, orders: Array, uniforms: Array, beta: float, window: int = 32
) -> Array:
    """One heat-bath random-sequential sweep of every replica (``uniforms`` is ``(B, N)``, one per visit)."""
    N = S.shape[1]

    def rule(h: Array, old: Array, cols: Array) -> Array:
        u = xp.take_along_axis(uniforms, cols, axis=1)
        return xp.where(u < 0.5 * (1.0 + xp.tanh(beta * (h / N))), 1, -1).astype(xp.int8)

    return _windowed_sweep(xp, xiT, S, M, orders, rule, window)


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
