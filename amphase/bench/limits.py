"""Machine limits: memory bandwidth, GEMM and ``np.exp`` throughput, as :class:`~amphase.bench.rounds.Task` s."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from amphase.bench.blas import blas_info, blas_thread_control, blas_thread_limit, usable_cpus
from amphase.bench.rounds import Task, timed_rate

__all__ = ["bandwidth_tasks", "exp_rate", "exp_task", "gemm_flops", "gemm_task", "limit_tasks"]


def _stream_sum_numba() -> Callable[[np.ndarray], float]:
    from numba import njit

    @njit(nogil=True, fastmath=True)
    def stream_sum(a: np.ndarray) -> float:
        acc = 0.0
        for k in range(a.shape[0]):
            acc += a[k]
        return acc

    return stream_sum


_STREAM_SUM: Callable[[np.ndarray], float] | None = None


def bandwidth_tasks(nbytes: int, cores: int | None = None, prefix: str = "limit/") -> list[Task]:
    """Read-only memory bandwidth in GB/s: ``bw_1core``, ``bw_allcores`` and ``bw_npsum`` (one sample = one pass).

    A float64 array of ``nbytes`` (take it far above the last-level cache) is summed by a Numba ``fastmath`` loop on
    one core, by the same loop over ``cores`` slices on ``cores`` threads (default: :func:`usable_cpus`), and by
    ``np.sum`` (NumPy's pairwise sum, one thread).
    """
    global _STREAM_SUM
    if _STREAM_SUM is None:
        _STREAM_SUM = _stream_sum_numba()
    stream_sum = _STREAM_SUM
    big = np.ones(max(nbytes // 8, 1024), dtype=np.float64)
    stream_sum(big[:1024])  # compile
    cores = cores or usable_cpus()
    chunks = np.array_split(big, cores)
    pool = ThreadPoolExecutor(cores)

    def bw_one() -> float:
        t = time.perf_counter()
        stream_sum(big)
        return big.nbytes / (time.perf_counter() - t) / 1e9

    def bw_all() -> float:
        t = time.perf_counter()
        list(pool.map(stream_sum, chunks))
        return big.nbytes / (time.perf_counter() - t) / 1e9

    def bw_numpy() -> float:
        t = time.perf_counter()
        np.sum(big)
        return big.nbytes / (time.perf_counter() - t) / 1e9

    size = f"{big.nbytes / 2**30:.2f} GiB float64"
    return [
        Task(f"{prefix}bw_1core", "GB/s", bw_one, {"what": f"Numba fastmath sum, {size}", "threads": 1}),
        Task(f"{prefix}bw_allcores", "GB/s", bw_all, {"what": f"same on {cores} threads", "threads": cores}),
        Task(f"{prefix}bw_npsum", "GB/s", bw_numpy, {"what": "np.sum over the same array", "threads": 1}),
    ]


def gemm_flops(m: int, n: int, k: int) -> float:
    """FLOPs of one ``(m, k) @ (k, n)`` product: ``2 m n k`` (one multiply and one add per term)."""
    return 2.0 * m * n * k


def gemm_task(
    m: int,
    n: int,
    k: int,
    dtype: Any = np.float32,
    threads: int | None = None,
    *,
    name: str | None = None,
    min_time: float = 0.0,
    rng: np.random.Generator | None = None,
) -> Task:
    """GEMM rate in GFLOP/s of ``a @ b`` with ``a`` ``(m, k)`` and ``b`` ``(k, n)`` standard normals of ``dtype``.

    ``threads``: BLAS threads (None: BLAS's own count), applied around every sample with :func:`blas_thread_limit`;
    ``meta["threads"]`` is the count in effect (``"unknown"`` if it cannot be read or limited). One sample times
    calls for at least ``min_time`` seconds (0: one call, into a preallocated output). The BLAS threads are warmed
    by one untimed call.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    dt = np.dtype(dtype)
    a = rng.standard_normal((m, k), dtype=np.float32).astype(dt, copy=False)
    b = rng.standard_normal((k, n), dtype=np.float32).astype(dt, copy=False)
    out = np.empty((m, n), dtype=dt)
    flops = gemm_flops(m, n, k)

    def step() -> float:
        np.matmul(a, b, out=out)
        return flops

    with blas_thread_limit(threads) as used:
        step()
    if threads is None:
        label = used
    else:
        label = used if used is not None else blas_info()[0]

    def run() -> float:
        if threads is None:
            return timed_rate(step, min_time) / 1e9
        with blas_thread_limit(threads):
            return timed_rate(step, min_time) / 1e9

    what = f"{dt.name} a @ b, {m}x{k} @ {k}x{n}" if not m == n == k else f"{dt.name} a @ b, {n}x{n}"
    if threads is not None:
        what += f", {threads} thread" + ("s" if threads != 1 else "")
        if used is None:
            what += " requested (BLAS threads could not be limited)"
    meta = {"what": what, "threads": label, "m": m, "n": n, "k": k, "dtype": dt.name, "flops_per_call": flops}
    return Task(name or f"limit/gemm_{dt.name}_{m}x{n}x{k}", "GFLOP/s", run, meta)


def exp_rate(x: np.ndarray, min_time: float, out: np.ndarray | None = None) -> float:
    """Elements per second of ``np.exp(x, out=out)`` (one thread), timed for at least ``min_time`` seconds."""
    out = np.empty_like(x) if out is None else out

    def step() -> float:
        np.exp(x, out=out)
        return x.size

    return timed_rate(step, min_time)


def exp_task(n: int, dtype: Any = np.float32, min_time: float = 0.0, *, name: str | None = None) -> Task:
    """Throughput of ``np.exp`` in G elements/s on ``n`` elements of ``dtype`` in [-20, 0] (no overflow), one thread.

    Input and output are preallocated, so a sample times the exponential and the streaming of ``2 n`` elements
    (take ``n`` above the cache to include memory traffic, or a cache-sized ``n`` to see the arithmetic alone).
    """
    dt = np.dtype(dtype)
    x = np.random.default_rng(0).uniform(-20.0, 0.0, n).astype(dt)
    out = np.empty_like(x)
    np.exp(x, out=out)
    meta = {"what": f"np.exp, {n} {dt.name} ({x.nbytes / 2**20:.0f} MiB in + out)", "threads": 1, "n": n}
    return Task(name or f"limit/exp_{dt.name}", "Gelem/s", lambda: exp_rate(x, min_time, out) / 1e9, meta)


def limit_tasks(
    bw_bytes: int,
    gemm_n: int,
    rng: np.random.Generator | None = None,
    *,
    cores: int | None = None,
    one_thread_gemm: bool = True,
    exp_n: int = 0,
) -> list[Task]:
    """The standard limits: bandwidth, square float32/float64 GEMM at BLAS's threads, float32 GEMM on one thread.

    Names: ``limit/bw_1core``, ``limit/bw_allcores``, ``limit/bw_npsum``, ``limit/sgemm``, ``limit/dgemm``,
    ``limit/sgemm_1thread`` (only where BLAS threads can be limited) and, with ``exp_n > 0``, ``limit/exp_float32``
    and ``limit/exp_float64`` on ``exp_n`` elements.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    tasks = bandwidth_tasks(bw_bytes, cores)
    n = gemm_n
    tasks.append(gemm_task(n, n, n, np.float32, name="limit/sgemm", rng=rng))
    tasks.append(gemm_task(n, n, n, np.float64, name="limit/dgemm", rng=rng))
    if one_thread_gemm and blas_thread_control() is not None:
        tasks.append(gemm_task(n, n, n, np.float32, 1, name="limit/sgemm_1thread", rng=rng))
    if exp_n > 0:
        tasks += [exp_task(exp_n, np.float32), exp_task(exp_n, np.float64)]
    return tasks
