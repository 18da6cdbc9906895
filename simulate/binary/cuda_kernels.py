"""CUDA kernels (numba-cuda) of exact random-sequential binary dynamics: one thread block per replica.

The device twin of :mod:`.hebbian_kernels` (``async_patterns``, ``glauber_patterns``) and of the integer modes of
:mod:`.kernels` (``async_dense``), written with ``numba.cuda`` so that the same source runs on a GPU and, with
``NUMBA_ENABLE_CUDASIM=1`` set before ``numba.cuda`` is imported, on the CPU under Numba's CUDA simulator (how CI
tests it). The conventions are those of :mod:`.hebbian_kernels` (int8 spins, transposed int8 patterns, exact integer
fields, a zero field keeps the spin, random numbers drawn on the host) with one generalisation, so that one launch
can carry the replicas of many realizations and grid points sharing ``N`` (:mod:`.cuda_engine`):

* the patterns of every replica sit in one flat int8 buffer ``xi``: replica ``b`` reads its ``(N, K_b)`` matrix
  ``xiT`` (row-major) from ``xi[off[b] : off[b] + N K_b]``; replicas of one realization share an offset;
* the overlaps live in the rows of ``Mg`` (``(B, Kmax)``; the first ``K_b`` entries of row ``b`` are used); a
  kernel made with ``shared = C > 0`` copies them into a shared-memory array of ``C`` entries for the run and back at
  the end (every replica of the launch needs ``K_b <= C``); ``shared = 0`` works on ``Mg`` in global memory;
* each visit computes the field of spin ``i`` as a block reduction: thread ``t`` sums ``xi_i^mu M_mu`` over
  ``mu = t, t + T, ...`` (``T = blockDim.x``, a power of two), then a tree sum in shared memory; every thread reads
  the total, so all take the same decision; a flip updates the overlaps spread over the block (``mu = t, t + T..``);
* a launch runs up to ``n`` sweeps of the visiting orders ``orders[b, k, :]`` (``k < n``) of each replica whose
  ``live[b]`` is set; at ``T = 0`` a replica stops after its first sweep without a flip, and the kernel writes the
  sweeps run and whether that happened (``done[b]``, ``fixed[b]``): exactly what
  :func:`.hebbian_kernels.async_patterns` returns for the same orders.

Integer arithmetic is exact (int64 accumulators) whatever the summation order, so T = 0 trajectories equal the
Numba kernels' spin for spin. The heat-bath rule compares the host's uniform with ``(1 + tanh(beta h)) / 2``, ``h``
exact as a float64 quotient; a device ``tanh`` may differ from the host's in the last bit, which changes a decision
only for a uniform within ~1e-16 of the threshold (the simulator evaluates the host's ``tanh``: equal there).

The dense (non-Hebbian) kernel covers the polynomial energies in the exact integer modes
(:data:`~.energy.INT_EXACT`, :data:`~.energy.INT32`): ``D_i = A + s_i sum_mu xi_i^mu C_mu`` with the int64 tables
``gp_w, gm_w`` of :meth:`~.energy.BinaryEnergy.tables` (``C`` and ``A`` recomputed after each flip, spread over the
block and block-reduced). The :data:`~.energy.CERTIFIED` mode and the exponential energy are not on the device yet
(:func:`.cuda_engine.check_device_energy` refuses them before any work).
"""

from __future__ import annotations

import functools
import math
from typing import Any

from numba import cuda, int32, int64

__all__ = [
    "SHARED_BYTES",
    "SIMULATOR_THREADS",
    "THREADS",
    "dense_kernel",
    "glauber_kernel",
    "hebbian_kernel",
    "shared_capacity",
]

#: threads per block on a device (a power of two).
THREADS = 128

#: threads per block under the CUDA simulator, which runs one Python thread per CUDA thread.
SIMULATOR_THREADS = 4

#: shared memory a block may use for its overlaps (and coefficients), bytes: the 48 KiB every CUDA device offers
#: without an opt-in, less the reduction buffer.
SHARED_BYTES = 48 * 1024


def shared_capacity(K: int, itemsize: int, arrays: int, threads: int) -> int:
    """Entries of each shared overlap array for ``K`` patterns, or 0 when they do not fit (global memory).

    ``arrays`` arrays of ``itemsize`` bytes per pattern beside the ``threads`` int64 of the reduction buffer; the
    capacity is ``K`` rounded up to a multiple of 256 (few distinct kernels to compile).
    """
    cap = max(256, -(-int(K) // 256) * 256)
    if arrays * itemsize * cap + 8 * threads > SHARED_BYTES:
        return 0
    return cap


@cuda.jit(device=True, inline=True)
def _block_sum(red: Any, value: Any, tid: int, nt: int) -> Any:
    """Sum of ``value`` over the block's threads (``nt`` a power of two); every thread gets the total."""
    red[tid] = value
    cuda.syncthreads()
    half = nt // 2
    while half > 0:
        if tid < half:
            red[tid] += red[tid + half]
        cuda.syncthreads()
        half //= 2
    total = red[0]
    cuda.syncthreads()  # everyone has read red[0] before the next reduction overwrites it
    return total


@cuda.jit(device=True)
def _copy(dst, src, K, tid, nt):
    """``dst[:K] = src[:K]`` spread over the block, between two barriers (overlaps into or out of shared memory)."""
    cuda.syncthreads()
    for mu in range(tid, K, nt):
        dst[mu] = src[mu]
    cuda.syncthreads()


@cuda.jit(device=True)
def _hebbian_run(xi, o, K, N, s, M, orders, n, red, tid, nt, done_fixed):
    """Zero-temperature sweeps of one replica (``s`` its spins row, ``M`` its overlaps); fills ``done_fixed``."""
    for k in range(n):
        flips = 0
        for t in range(N):
            i = orders[k, t]
            row = o + i * K
            acc = int64(0)
            for mu in range(tid, K, nt):
                acc += int64(xi[row + mu]) * int64(M[mu])
            old = int64(s[i])
            h = _block_sum(red, acc, tid, nt) - K * old
            if h != 0:
                new = 1 if h > 0 else -1
                if new != old:
                    if tid == 0:  # every thread read s[i] before the reduction's last barrier
                        s[i] = new
                    for mu in range(tid, K, nt):
                        M[mu] += 2 * new * xi[row + mu]
                    cuda.syncthreads()
                    flips += 1
        if flips == 0:
            done_fixed[0] = k + 1
            done_fixed[1] = 1
            return
    done_fixed[0] = n
    done_fixed[1] = 0


@cuda.jit(device=True)
def _glauber_run(xi, o, K, N, s, M, orders, uniforms, n, beta, red, tid, nt):
    """Heat-bath sweeps of one replica with the host's uniforms (rule of :func:`.hebbian_kernels.glauber_patterns`)."""
    for k in range(n):
        for t in range(N):
            i = orders[k, t]
            row = o + i * K
            acc = int64(0)
            for mu in range(tid, K, nt):
                acc += int64(xi[row + mu]) * int64(M[mu])
            old = int64(s[i])
            h = (_block_sum(red, acc, tid, nt) - K * old) / N
            new = 1 if uniforms[k, t] < 0.5 * (1.0 + math.tanh(beta * h)) else -1
            if new != old:
                if tid == 0:
                    s[i] = new
                for mu in range(tid, K, nt):
                    M[mu] += 2 * new * xi[row + mu]
                cuda.syncthreads()


@functools.cache
def hebbian_kernel(shared: int, threads: int) -> Any:
    """The zero-temperature Hebbian kernel with ``shared`` overlap entries in shared memory (0: global memory).

    Launch ``kernel[B, threads](xi, off, Ks, S, Mg, orders, n, live, done, fixed)``: ``S`` (B, N) int8 and ``Mg``
    (B, Kmax) int32 updated in place; ``orders`` (B, n_max, N) int32; ``live`` (B,) int8; ``done`` (B,) int32 and
    ``fixed`` (B,) int8 written for the live replicas (module docstring).
    """
    cap = max(shared, 1)

    @cuda.jit
    def kernel(xi, off, Ks, S, Mg, orders, n, live, done, fixed):
        b = cuda.blockIdx.x
        tid = cuda.threadIdx.x
        if live[b] == 0:
            return
        red = cuda.shared.array(threads, int64)
        df = cuda.shared.array(2, int32)
        K = Ks[b]
        N = S.shape[1]
        if shared:
            M = cuda.shared.array(cap, int32)
            _copy(M, Mg[b], K, tid, threads)
            _hebbian_run(xi, off[b], K, N, S[b], M, orders[b], n, red, tid, threads, df)
            _copy(Mg[b], M, K, tid, threads)
        else:
            _hebbian_run(xi, off[b], K, N, S[b], Mg[b], orders[b], n, red, tid, threads, df)
        if tid == 0:
            done[b] = df[0]
            fixed[b] = df[1]

    return kernel


@functools.cache
def glauber_kernel(shared: int, threads: int) -> Any:
    """The heat-bath Hebbian kernel.

    Arguments of :func:`hebbian_kernel`, with ``uniforms`` (B, n_max, N) float64 after ``orders`` and ``beta`` after
    ``n``; no ``done``/``fixed``: a heat-bath replica runs all ``n`` sweeps.
    """
    cap = max(shared, 1)

    @cuda.jit
    def kernel(xi, off, Ks, S, Mg, orders, uniforms, n, beta, live):
        b = cuda.blockIdx.x
        tid = cuda.threadIdx.x
        if live[b] == 0:
            return
        red = cuda.shared.array(threads, int64)
        K = Ks[b]
        N = S.shape[1]
        if shared:
            M = cuda.shared.array(cap, int32)
            _copy(M, Mg[b], K, tid, threads)
            _glauber_run(xi, off[b], K, N, S[b], M, orders[b], uniforms[b], n, beta, red, tid, threads)
            _copy(Mg[b], M, K, tid, threads)
        else:
            _glauber_run(xi, off[b], K, N, S[b], Mg[b], orders[b], uniforms[b], n, beta, red, tid, threads)

    return kernel


@cuda.jit(device=True)
def _coefficients(M, C, K, N, gp, gm, red, tid, nt):
    """``C_mu = g+(M_mu) - g-(M_mu)`` (spread) and ``A = sum_mu g+ + g-`` (block sum), int64 tables at ``M + N``."""
    acc = int64(0)
    for mu in range(tid, K, nt):
        j = M[mu] + N
        acc += gp[j] + gm[j]
        C[mu] = gp[j] - gm[j]
    return _block_sum(red, acc, tid, nt)


@cuda.jit(device=True)
def _dense_run(xi, o, K, N, s, M, C, gp, gm, orders, n, red, tid, nt, done_fixed):
    """Zero-temperature sweeps with the flip identity ``D_i = A + s_i xi_i . C`` (exact int64); see the module."""
    A = _coefficients(M, C, K, N, gp, gm, red, tid, nt)
    for k in range(n):
        flips = 0
        for t in range(N):
            i = orders[k, t]
            row = o + i * K
            acc = int64(0)
            for mu in range(tid, K, nt):
                acc += int64(xi[row + mu]) * C[mu]
            old = int64(s[i])
            d = A + old * _block_sum(red, acc, tid, nt)
            if d > 0:
                new = -old
                if tid == 0:
                    s[i] = new
                for mu in range(tid, K, nt):
                    M[mu] += 2 * new * xi[row + mu]
                cuda.syncthreads()
                A = _coefficients(M, C, K, N, gp, gm, red, tid, nt)
                flips += 1
        if flips == 0:
            done_fixed[0] = k + 1
            done_fixed[1] = 1
            return
    done_fixed[0] = n
    done_fixed[1] = 0


@functools.cache
def dense_kernel(shared: int, threads: int) -> Any:
    """The zero-temperature dense kernel (integer modes).

    Arguments of :func:`hebbian_kernel` with ``Mg`` int64, ``Cg`` (B, Kmax) int64 scratch after it, and the tables
    ``gp, gm`` (2N + 1,) int64 after ``Cg``.
    """
    cap = max(shared, 1)

    @cuda.jit
    def kernel(xi, off, Ks, S, Mg, Cg, gp, gm, orders, n, live, done, fixed):
        b = cuda.blockIdx.x
        tid = cuda.threadIdx.x
        if live[b] == 0:
            return
        red = cuda.shared.array(threads, int64)
        df = cuda.shared.array(2, int32)
        K = Ks[b]
        N = S.shape[1]
        if shared:
            M = cuda.shared.array(cap, int64)
            C = cuda.shared.array(cap, int64)
            _copy(M, Mg[b], K, tid, threads)
            _dense_run(xi, off[b], K, N, S[b], M, C, gp, gm, orders[b], n, red, tid, threads, df)
            _copy(Mg[b], M, K, tid, threads)
        else:
            _dense_run(xi, off[b], K, N, S[b], Mg[b], Cg[b], gp, gm, orders[b], n, red, tid, threads, df)
        if tid == 0:
            done[b] = df[0]
            fixed[b] = df[1]

    return kernel
