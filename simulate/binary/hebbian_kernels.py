"""Numba kernels of the Hebbian binary dynamics (Hopfield), one replica at a time (plain arrays in, arrays out).

The fast path of the one binary engine for ``F(x) = x^2/2`` and ``x^2``.

Conventions shared by every kernel (and by the batched kernels of :mod:`.hebbian_batched`):

* spins ``s`` are ``int8`` (±1); the patterns are stored transposed, ``xiT[i, mu] = xi_i^mu`` (``int8``, shape
  ``(N, P)``), so one spin's row is contiguous;
* the couplings are Hebbian with no self-coupling, ``J_ij = (1/N) sum_mu xi_i^mu xi_j^mu`` for ``i != j`` and
  ``J_ii = 0`` (Hopfield 1982; Amit, Gutfreund & Sompolinsky, Phys. Rev. A 32, 1007 (1985));
* all arithmetic of the zero-temperature rules is exact integer arithmetic on ``N h_i``: in the *pattern form* the
  overlaps ``M_mu = sum_i xi_i^mu s_i`` (``int32``) are kept and ``N h_i = sum_mu xi_i^mu M_mu - P s_i`` costs
  O(P); in the *coupling form* ``K = N J`` is stored exactly as ``int16`` and the fields ``N h`` are kept up to date
  incrementally, so a stable spin costs O(1) and a flip O(N). Both give the same trajectory for the same order;
* tie rule: a spin whose field is exactly zero keeps its value (``np.sign`` would set it to 0);
* random numbers (the visiting orders, the heat-bath uniforms) are drawn by NumPy outside the kernels and passed in,
  so the kernels are deterministic and every backend sees the same draws;
* the pattern-form kernels prefetch the row of the visit :data:`AHEAD` visits later (:mod:`.prefetch`: a hint that
  changes no value), so the random row fetch, which bounds them once ``xiT`` outgrows the caches, overlaps the
  current visit's dot product (measured by ``scripts/bench_hopfield.py --interleave``; ``docs/benchmarks.md``).

Zero-temperature asynchronous dynamics lowers ``E = -(1/2) sum_{i != j} J_ij s_i s_j`` at every flip and stops at a
fixed point, detected as a sweep without a flip. The heat-bath (Glauber) rule at inverse temperature ``beta`` sets
``s_i = +1`` with probability ``(1 + tanh(beta h_i)) / 2`` (Glauber, J. Math. Phys. 4, 294 (1963)).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from amphase.simulate.binary.kernels import add_overlaps, dot_i
from amphase.simulate.binary.prefetch import prefetch_row

__all__ = [
    "AHEAD",
    "PREFETCH_BYTES",
    "async_couplings",
    "async_patterns",
    "async_patterns_interleaved",
    "glauber_couplings",
    "glauber_patterns",
    "overlaps",
]


#: visits ahead whose pattern row the pattern-form kernels prefetch (measured: ``docs/benchmarks.md``).
AHEAD = 2

#: the pattern-form kernels prefetch (``prefetch=-1``, automatic) where ``xiT`` holds at least this many bytes.
#: Measured on a 2-core EPYC (1 MiB L2, 32 MiB L3; ``scripts/bench_interleave.py``, ``docs/benchmarks.md``):
#: prefetching costs ~30 % at xiT <= 0.4 MB, gains nothing at 1.6 MB (N = 4000, rows from L2/L3) and gains from
#: 6.4 MB (N = 8000) on; 4 MiB lies between.
PREFETCH_BYTES = 4 << 20


@njit(inline="always")
def _prefetching(xiT: np.ndarray, prefetch: int) -> bool:
    """Whether to prefetch: ``prefetch`` 1 always, 0 never, -1 where ``xiT`` has :data:`PREFETCH_BYTES` or more."""
    return prefetch > 0 or (prefetch < 0 and xiT.size >= PREFETCH_BYTES)


@njit(inline="always")
def _prefetch_ahead(xiT: np.ndarray, orders: np.ndarray, sweep: int, t: int) -> None:
    """Prefetch the row of the visit :data:`AHEAD` after ``(sweep, t)`` in ``orders`` (none past the last)."""
    t2 = t + AHEAD
    N = orders.shape[1]
    if t2 >= N:
        t2 -= N
        sweep += 1
        if sweep >= orders.shape[0]:
            return
    prefetch_row(xiT[orders[sweep, t2]])


@njit(inline="always")
def _add_scaled(vec: np.ndarray, row: np.ndarray, d: int) -> None:
    """``vec += d * row``: the overlaps (pattern form) or fields (coupling form) after a flip of ``d / 2``."""
    for j in range(row.shape[0]):
        vec[j] += d * row[j]


@njit(cache=True, nogil=True)
def overlaps(xiT: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Integer overlaps ``M_mu = sum_i xi_i^mu s_i`` (int32, shape (P,)) of spins ``s`` with the patterns ``xiT``."""
    return add_overlaps(xiT, s, np.zeros(xiT.shape[1], dtype=np.int32))


@njit(cache=True, nogil=True)
def async_patterns(
    xiT: np.ndarray, s: np.ndarray, M: np.ndarray, orders: np.ndarray, prefetch: int = -1
) -> tuple[int, bool]:
    """Zero-temperature random-sequential sweeps in the pattern form, until a sweep flips no spin.

    Parameters
    ----------
    xiT : ndarray of int8, shape (N, P)
        Patterns, transposed.
    s : ndarray of int8, shape (N,)
        Spins, updated in place.
    M : ndarray of int32, shape (P,)
        Overlaps ``xiT.T @ s``, updated in place.
    orders : ndarray of int, shape (sweeps, N)
        One visiting order (a permutation of ``0..N-1``) per sweep.
    prefetch : int, optional
        Prefetch the row :data:`AHEAD` visits later: 1 always, 0 never, -1 (default) where ``xiT`` has at least
        :data:`PREFETCH_BYTES` bytes. The results are the same either way.

    Returns
    -------
    sweeps : int
        Sweeps run (including the final sweep without a flip, if reached).
    fixed_point : bool
        Whether the last sweep flipped no spin (``s`` is then a fixed point).

    """
    P = xiT.shape[1]
    ahead = _prefetching(xiT, prefetch)
    for sweep in range(orders.shape[0]):
        flips = 0
        for t in range(orders.shape[1]):
            if ahead:
                _prefetch_ahead(xiT, orders, sweep, t)
            i = orders[sweep, t]
            row = xiT[i]
            h = dot_i(row, M) - P * np.int64(s[i])
            old = s[i]
            new = old if h == 0 else (1 if h > 0 else -1)
            if new != old:
                s[i] = new
                _add_scaled(M, row, 2 * new)
                flips += 1
        if flips == 0:
            return sweep + 1, True
    return orders.shape[0], False


@njit(cache=True, nogil=True)
def async_patterns_interleaved(
    xiT: np.ndarray, S: np.ndarray, M: np.ndarray, orders: np.ndarray, limits: np.ndarray, prefetch: int = -1
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`async_patterns` for ``R`` independent replicas in lock-step in one thread (``R`` rows in flight).

    Visit ``t`` of sweep ``k`` is made by every replica still running before visit ``t + 1`` of any, and the row of
    each replica's visit :data:`AHEAD` later is prefetched: the random row fetches of the replicas overlap. Each
    replica's trajectory is exactly that of :func:`async_patterns` with its own orders.

    Parameters
    ----------
    xiT : ndarray of int8, shape (N, P)
        Patterns, transposed (shared by the replicas).
    S : ndarray of int8, shape (R, N)
        Spins, updated in place.
    M : ndarray of int32, shape (R, P)
        Overlaps ``S @ xiT``, updated in place.
    orders : ndarray of int, shape (R, sweeps, N)
        Replica ``r``'s visiting orders.
    limits : ndarray of int, shape (R,)
        Most sweeps replica ``r`` runs (``<= sweeps``; 0 leaves it untouched).
    prefetch : int, optional
        As in :func:`async_patterns`.

    Returns
    -------
    sweeps : ndarray of int64, shape (R,)
        Sweeps run by each replica (as :func:`async_patterns`).
    fixed_point : ndarray of bool, shape (R,)
        Whether its last sweep flipped no spin.

    """
    R = S.shape[0]
    N, P = xiT.shape
    sweeps = np.zeros(R, dtype=np.int64)
    fixed = np.zeros(R, dtype=np.bool_)
    flips = np.zeros(R, dtype=np.int64)
    active = np.zeros(R, dtype=np.bool_)
    for r in range(R):
        active[r] = limits[r] > 0
    ahead = _prefetching(xiT, prefetch)
    for sweep in range(orders.shape[1]):
        running = 0
        for r in range(R):
            running += active[r]
            flips[r] = 0
        if running == 0:
            break
        for t in range(N):
            for r in range(R):
                if ahead and active[r]:
                    _prefetch_ahead(xiT, orders[r], sweep, t)
            for r in range(R):
                if not active[r]:
                    continue
                i = orders[r, sweep, t]
                row = xiT[i]
                s = S[r]
                h = dot_i(row, M[r]) - P * np.int64(s[i])
                old = s[i]
                new = old if h == 0 else (1 if h > 0 else -1)
                if new != old:
                    s[i] = new
                    _add_scaled(M[r], row, 2 * new)
                    flips[r] += 1
        for r in range(R):
            if active[r]:
                sweeps[r] += 1
                if flips[r] == 0:
                    fixed[r] = True
                    active[r] = False
                elif sweeps[r] >= limits[r]:
                    active[r] = False
    return sweeps, fixed


@njit(cache=True, nogil=True)
def async_couplings(K: np.ndarray, s: np.ndarray, h: np.ndarray, orders: np.ndarray) -> tuple[int, bool]:
    """Zero-temperature random-sequential sweeps in the coupling form, until a sweep flips no spin.

    Parameters
    ----------
    K : ndarray of int16, shape (N, N)
        ``N J``: ``sum_mu xi_i^mu xi_j^mu`` off the diagonal, zero on it (symmetric).
    s : ndarray of int8, shape (N,)
        Spins, updated in place.
    h : ndarray of int64, shape (N,)
        Fields ``N h = K @ s``, updated in place on every flip.
    orders : ndarray of int, shape (sweeps, N)
        One visiting order per sweep.

    Returns
    -------
    sweeps : int
        Sweeps run.
    fixed_point : bool
        Whether the last sweep flipped no spin.

    """
    for sweep in range(orders.shape[0]):
        flips = 0
        for t in range(orders.shape[1]):
            i = orders[sweep, t]
            old = s[i]
            new = old if h[i] == 0 else (1 if h[i] > 0 else -1)
            if new != old:
                s[i] = new
                _add_scaled(h, K[i], 2 * new)
                flips += 1
        if flips == 0:
            return sweep + 1, True
    return orders.shape[0], False


@njit(cache=True, nogil=True)
def glauber_patterns(
    xiT: np.ndarray,
    s: np.ndarray,
    M: np.ndarray,
    orders: np.ndarray,
    uniforms: np.ndarray,
    beta: float,
    prefetch: int = -1,
) -> None:
    """Heat-bath random-sequential sweeps in the pattern form, one per row of ``orders``.

    Parameters
    ----------
    xiT, s, M
        As in :func:`async_patterns` (``s`` and ``M`` updated in place).
    orders : ndarray of int, shape (sweeps, N)
        Visiting orders.
    uniforms : ndarray of float64, shape (sweeps, N)
        Uniform [0, 1) numbers, one per visit: spin ``orders[k, t]`` becomes +1 if
        ``uniforms[k, t] < (1 + tanh(beta h)) / 2``.
    beta : float
        Inverse temperature.
    prefetch : int, optional
        As in :func:`async_patterns`.

    """
    N, P = xiT.shape
    ahead = _prefetching(xiT, prefetch)
    for sweep in range(orders.shape[0]):
        for t in range(orders.shape[1]):
            if ahead:
                _prefetch_ahead(xiT, orders, sweep, t)
            i = orders[sweep, t]
            row = xiT[i]
            h = (dot_i(row, M) - P * np.int64(s[i])) / N
            new = 1 if uniforms[sweep, t] < 0.5 * (1.0 + np.tanh(beta * h)) else -1
            if new != s[i]:
                s[i] = new
                _add_scaled(M, row, 2 * new)


@njit(cache=True, nogil=True)
def glauber_couplings(
    K: np.ndarray, s: np.ndarray, h: np.ndarray, orders: np.ndarray, uniforms: np.ndarray, beta: float
) -> None:
    """Heat-bath random-sequential sweeps in the coupling form (arguments as :func:`glauber_patterns`)."""
    N = K.shape[0]
    for sweep in range(orders.shape[0]):
        for t in range(orders.shape[1]):
            i = orders[sweep, t]
            new = 1 if uniforms[sweep, t] < 0.5 * (1.0 + np.tanh(beta * (h[i] / N))) else -1
            if new != s[i]:
                s[i] = new
                _add_scaled(h, K[i], 2 * new)
