"""Shared benchmark harness: machine limits, interleaved rounds with medians, machine description, JSON output.

The amphase benchmarks (``bench_hopfield.py`` now; the Dense Associative Memory / LSE and diffusion benchmarks next)
measure a kernel against what the machine can do at best, in the same process. The machine this was written on is a
2-core AMD EPYC shared with other work: a burst of load can drop two-thread BLAS by up to 4x. So every measurement is
a :class:`Task` that returns one sample, all tasks run once per round, rounds are repeated, and medians are reported
(:func:`run_rounds`, :class:`Record`, :func:`limit_vs_kernel`). Every figure carries the thread count it ran at.

Nothing here knows about Hopfield networks; every function takes plain arguments. ``scripts/`` is not a package: a
script next to this file does ``import harness`` (the script's folder is on ``sys.path``), a test loads it with
:func:`importlib.util.spec_from_file_location`.

What the limits measure
-----------------------
* **memory bandwidth** (:func:`bandwidth_tasks`): a read-only streaming sum over a float64 array much larger than the
  last-level cache: a Numba ``fastmath`` loop on one core, the same over ``cores`` slices on ``cores`` threads, and
  ``np.sum`` for reference; bytes read per second.
* **GEMM** (:func:`gemm_task`): ``a @ b`` at a given ``(m, k) x (k, n)`` shape and dtype, counted as ``2 m n k`` FLOPs
  (:func:`gemm_flops`), at BLAS's thread count or a given one (:func:`blas_thread_limit`).
* **exp throughput** (:func:`exp_task`): elements per second of ``np.exp`` on a large float32 or float64 array (one
  thread: NumPy ufuncs do not thread), the second limit of a log-sum-exp kernel after its GEMM.
* **peak memory of a call** (:func:`peak_memory`): Python-level allocations (NumPy's included) seen by ``tracemalloc``
  and the growth of the process's resident set.

BLAS threads are limited with threadpoolctl when it is installed, otherwise through OpenBLAS's own
``openblas_set_num_threads`` (found with ctypes among the loaded libraries, as threadpoolctl does), otherwise not at
all: then :func:`blas_thread_limit` yields ``None`` and the figure is recorded with the threads BLAS really used.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.metadata
import json
import math
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from amphase.atomic import atomic_output

__all__ = [
    "Record",
    "Task",
    "bandwidth_tasks",
    "blas_info",
    "blas_thread_control",
    "blas_thread_limit",
    "calibrate",
    "check",
    "exp_rate",
    "exp_task",
    "fmt_bytes",
    "fmt_rate",
    "format_limits",
    "gemm_flops",
    "gemm_task",
    "limit_tasks",
    "limit_vs_kernel",
    "loadavg",
    "machine_info",
    "package_version",
    "peak_memory",
    "run_rounds",
    "timed_rate",
    "torch_probe",
    "usable_cpus",
    "write_json",
]

# ---------------------------------------------------------------------------------------------------------------------
# timing and recording


def timed_rate(step: Callable[[], float], min_time: float) -> float:
    """Call ``step`` until ``min_time`` seconds have passed; the units it returned per second.

    ``step`` returns how many units (updates, FLOPs, elements, ...) one call did. It is called at least once, so a
    ``min_time`` of 0 times exactly one call.
    """
    done = 0.0
    start = time.perf_counter()
    while True:
        done += step()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return done / elapsed


def calibrate(run_n: Callable[[int], float], min_time: float, max_n: int = 2**24) -> int:
    """How many repetitions of a short step make one sample of about ``min_time`` seconds.

    ``run_n(n)`` runs the step ``n`` times and returns the seconds it took; it is first called once untimed (to
    compile), then with ``n`` growing 4x until a run lasts a quarter of ``min_time`` (or ``n`` reaches ``max_n``).
    """
    run_n(1)
    n = 1
    while True:
        elapsed = run_n(n)
        if elapsed >= min_time / 4 or n >= max_n:
            return max(1, math.ceil(n * min_time / max(elapsed, 1e-9)))
        n *= 4


def check(condition: bool, message: str) -> None:
    """Raise ``AssertionError(message)`` unless ``condition``: an assertion that ``python -O`` keeps."""
    if not condition:
        raise AssertionError(message)


@dataclass
class Task:
    """One measurement: ``run()`` returns one sample in ``unit``; ``meta`` describes it (``threads`` included)."""

    name: str
    unit: str
    run: Callable[[], float]
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Record:
    """Samples of every measurement, keyed by name, with their unit and description."""

    samples: dict[str, list[float]] = field(default_factory=dict)
    meta: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, name: str, value: float) -> None:
        """Append one sample of ``name``."""
        self.samples.setdefault(name, []).append(value)

    def median(self, name: str) -> float:
        """Median of the samples of ``name``; NaN when there are none."""
        values = self.samples.get(name)
        return statistics.median(values) if values else math.nan

    def spread(self, name: str) -> tuple[float, float]:
        """Smallest and largest sample of ``name``; NaNs when there are none."""
        values = self.samples.get(name)
        return (min(values), max(values)) if values else (math.nan, math.nan)

    def medians(self) -> dict[str, float]:
        """The median of every measurement, by name."""
        return {name: self.median(name) for name in self.samples}


def run_rounds(tasks: Sequence[Task], repeats: int, record: Record | None = None) -> Record:
    """Run every task once per round, ``repeats`` rounds, interleaved; the samples (and each task's meta) recorded.

    Interleaving spreads a burst of load from other work over all measurements instead of one, and the medians
    (:meth:`Record.median`) then ignore it.
    """
    rec = Record() if record is None else record
    for task in tasks:
        rec.meta[task.name] = {"unit": task.unit, **task.meta}
    for _ in range(repeats):
        for task in tasks:
            rec.add(task.name, task.run())
    return rec


def limit_vs_kernel(
    limit: Callable[[], float],
    kernel: Callable[[], float],
    rounds: int,
    *,
    unit: str = "",
    threads: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run a machine limit and a kernel interleaved in this process for ``rounds`` rounds; medians and kernel/limit.

    Both callables return one sample in the same unit (a rate, e.g. GFLOP/s). The order alternates from round to
    round (limit first, then kernel first), so a slow drift of the machine's load favours neither. Returned:
    ``limit`` and ``kernel`` (``median``, ``samples``), ``ratio`` = median kernel / median limit, and
    ``ratio_per_round`` = the median over rounds of kernel/limit within the round (more robust when the load changes
    between rounds), with ``unit`` and ``threads`` (e.g. ``{"limit": 2, "kernel": 2}``) recorded alongside.
    """
    if rounds < 1:
        raise ValueError("rounds must be >= 1")
    lim: list[float] = []
    ker: list[float] = []
    for r in range(rounds):
        if r % 2 == 0:
            lim.append(limit())
            ker.append(kernel())
        else:
            ker.append(kernel())
            lim.append(limit())
    med_l, med_k = statistics.median(lim), statistics.median(ker)
    per_round = [k / v if v else math.nan for k, v in zip(ker, lim, strict=True)]
    return {
        "rounds": rounds,
        "unit": unit,
        "threads": threads or {},
        "limit": {"median": med_l, "samples": lim},
        "kernel": {"median": med_k, "samples": ker},
        "ratio": med_k / med_l if med_l else math.nan,
        "ratio_per_round": statistics.median(per_round),
    }


# ---------------------------------------------------------------------------------------------------------------------
# threads and BLAS


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask), else the machine's logical CPU count."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _threadpoolctl() -> Any:
    try:
        import threadpoolctl
    except ImportError:
        return None
    return threadpoolctl


# OpenBLAS builds prefix and suffix their symbols differently (NumPy's wheels: scipy_openblas..64_)
_OPENBLAS_NAMES = [(p, s) for p in ("", "scipy_") for s in ("", "64_")]


_OPENBLAS: dict[str, Any] | None = None


def _openblas_ctypes() -> dict[str, Any] | None:
    """OpenBLAS's get/set thread functions and config, through ctypes, from the first OpenBLAS this process loaded."""
    global _OPENBLAS
    if _OPENBLAS is None:
        _OPENBLAS = _find_openblas()
    return _OPENBLAS


def _find_openblas() -> dict[str, Any] | None:
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and "/" in line})
    except OSError:
        return None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in _OPENBLAS_NAMES:
            get = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
            put = getattr(lib, f"{prefix}openblas_set_num_threads{suffix}", None)
            if get is None or put is None:
                continue
            text = {}
            for key in ("config", "corename"):
                func = getattr(lib, f"{prefix}openblas_get_{key}{suffix}", None)
                if func is not None:
                    func.restype = ctypes.c_char_p
                    text[key] = (func() or b"").decode(errors="replace")
            return {"get": get, "set": put, "filepath": path, **text}
    return None


def blas_thread_control() -> str | None:
    """How BLAS threads can be limited here: ``"threadpoolctl"``, ``"openblas-ctypes"`` or None (not at all)."""
    if _threadpoolctl() is not None:
        return "threadpoolctl"
    if _openblas_ctypes() is not None:
        return "openblas-ctypes"
    return None


def blas_info() -> tuple[Any, list[dict[str, Any]]]:
    """BLAS thread count (``"unknown"`` when it cannot be read) and a description of the loaded BLAS libraries.

    From threadpoolctl when installed; otherwise, for OpenBLAS, from its own ``openblas_get_config`` through ctypes
    (the entry then has ``"source": "ctypes"``).
    """
    tpc = _threadpoolctl()
    if tpc is not None:
        blas = [info for info in tpc.threadpool_info() if info.get("user_api") == "blas"]
    else:
        ob = _openblas_ctypes()
        blas = []
        if ob is not None:
            words = ob.get("config", "").split()
            blas = [
                {
                    "user_api": "blas",
                    "internal_api": "openblas",
                    "version": words[1] if len(words) > 1 else None,
                    "num_threads": int(ob["get"]()),
                    "architecture": ob.get("corename"),
                    "filepath": ob["filepath"],
                    "config": ob.get("config"),
                    "source": "ctypes",
                }
            ]
    if not blas:
        return "unknown", []
    threads = blas[0]["num_threads"] if len(blas) == 1 else [info["num_threads"] for info in blas]
    return threads, blas


@contextlib.contextmanager
def blas_thread_limit(threads: int | None) -> Iterator[Any]:
    """Limit BLAS to ``threads`` threads inside the block; yields the thread count in effect.

    ``threads=None`` changes nothing and yields BLAS's own count. When no way to limit BLAS is available
    (:func:`blas_thread_control` is None) it yields None and BLAS keeps its count.
    """
    if threads is None:
        yield blas_info()[0]
        return
    tpc = _threadpoolctl()
    if tpc is not None:
        with tpc.threadpool_limits(limits=threads, user_api="blas"):
            yield threads
        return
    ob = _openblas_ctypes()
    if ob is None:
        yield None
        return
    old = int(ob["get"]())
    ob["set"](int(threads))
    try:
        yield threads
    finally:
        ob["set"](old)


# ---------------------------------------------------------------------------------------------------------------------
# machine limits


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


# ---------------------------------------------------------------------------------------------------------------------
# memory


def _proc_status_bytes(key: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    return None


def _reset_hwm() -> bool:
    """Reset the kernel's resident-set high-water mark (VmHWM) to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def _maxrss_bytes() -> int:
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss is bytes on macOS, kB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def peak_memory(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
    """Call ``fn(*args, **kwargs)``; return its result and the memory it took at its peak, in bytes.

    * ``tracemalloc_peak``: the peak of Python-traced allocations during the call above those live before it. NumPy
      reports its array buffers to tracemalloc, so this counts NumPy temporaries, whether or not their pages were
      touched; it misses memory allocated outside Python's allocators (BLAS work buffers, Numba/C extensions that do
      not report, memory-mapped files). Tracing slows Python allocations down: do not time the same call.
    * ``rss_peak``: the growth of the resident set at its peak over the resident set before the call (Linux: the
      kernel's high-water mark VmHWM, reset before the call through ``/proc/self/clear_refs``; ``rss_method``
      ``"vmhwm"``). It counts every touched page, whoever allocated it, but not pages allocated and never touched, and
      memory freed back and reused shows at its true peak. Without the reset (``rss_method`` ``"ru_maxrss"``) only
      the part of the peak above the process's earlier lifetime peak is seen: a lower bound, often 0. None where
      neither is available.
    """
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    rss_before = _proc_status_bytes("VmRSS")
    hwm = _reset_hwm() and rss_before is not None
    maxrss_before = _maxrss_bytes()
    try:
        result = fn(*args, **kwargs)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        if not was_tracing:
            tracemalloc.stop()
    info: dict[str, Any] = {"tracemalloc_peak": max(peak - base, 0)}
    hwm_after = _proc_status_bytes("VmHWM") if hwm else None
    if hwm_after is not None and rss_before is not None:
        info["rss_peak"] = max(hwm_after - rss_before, 0)
        info["rss_method"] = "vmhwm"
    else:
        try:
            info["rss_peak"] = max(_maxrss_bytes() - maxrss_before, 0)
            info["rss_method"] = "ru_maxrss"
        except (OSError, ValueError):
            info["rss_peak"] = None
            info["rss_method"] = None
    return result, info


# ---------------------------------------------------------------------------------------------------------------------
# machine description


def package_version(name: str) -> str | None:
    """The installed version of distribution ``name``, or None when it is not installed."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def torch_probe() -> tuple[dict[str, Any] | None, str]:
    """Whether PyTorch can be used: ``(info, reason)``; ``info`` None (with the reason) when it cannot.

    ``info`` has torch's version, its CPU thread count, whether CUDA is usable and the device name. Importing torch
    takes seconds: call this only in benchmarks that would use it.
    """
    try:
        import torch
    except Exception as exc:  # ImportError, or a broken install raising anything at import
        return None, f"torch not importable: {type(exc).__name__}: {exc}"
    info: dict[str, Any] = {"version": torch.__version__, "cpu_threads": torch.get_num_threads()}
    try:
        cuda = bool(torch.cuda.is_available())
        info["cuda"] = cuda
        info["device"] = torch.cuda.get_device_name(0) if cuda else None
    except Exception as exc:
        info["cuda"] = False
        info["device"] = None
        info["cuda_error"] = f"{type(exc).__name__}: {exc}"
    reason = f"torch {info['version']}, " + (f"CUDA device {info['device']}" if info["cuda"] else "CPU only")
    return info, reason


def loadavg() -> float | None:
    """The one-minute load average, rounded to 0.01 (None where the platform has none)."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def _cpu_model() -> str:
    model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return model


def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None


def machine_info(packages: Sequence[str] = ("numba",)) -> dict[str, Any]:
    """CPU model, cores, memory, Python/NumPy/``packages`` versions (None: not installed), BLAS and its threads.

    Keys: ``cpu_model``, ``logical_cpus``, ``usable_cpus``, ``memory_bytes``, ``python``, ``numpy``, one per package,
    ``blas_threads``, ``blas`` (one entry per loaded BLAS), ``blas_thread_control``, ``threadpoolctl`` (its version or
    None), ``numba_threads`` (when Numba is installed), ``platform``.
    """
    threads, blas = blas_info()
    info: dict[str, Any] = {
        "cpu_model": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable_cpus(),
        "memory_bytes": _memory_bytes(),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    for name in packages:
        info[name] = package_version(name)
    info |= {
        "blas_threads": threads,
        "blas": [{k: b.get(k) for k in ("internal_api", "version", "num_threads", "architecture")} for b in blas],
        "blas_thread_control": blas_thread_control(),
        "threadpoolctl": package_version("threadpoolctl"),
    }
    if package_version("numba") is not None:
        import numba

        info["numba_threads"] = numba.config.NUMBA_NUM_THREADS
    info["platform"] = platform.platform()
    return info


# ---------------------------------------------------------------------------------------------------------------------
# output


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    return float(obj)


def write_json(path: str | os.PathLike[str], data: Any, indent: int | None = 1) -> Path:
    """Write ``data`` as JSON to ``path`` atomically (a temporary file beside it, renamed into place); the path.

    NumPy scalars and arrays become numbers and lists, paths strings, other objects ``float(obj)``. NaN and
    infinities are written as JavaScript's ``NaN``/``Infinity`` (Python's json reads them back).
    """
    text = json.dumps(data, indent=indent, default=_json_default) + "\n"
    with atomic_output(path) as tmp:
        tmp.write_text(text)
    return Path(path)


def fmt_rate(x: float) -> str:
    """A rate in three significant digits, ``-`` when it is not finite."""
    return "-" if not math.isfinite(x) else f"{x:.3g}"


def fmt_bytes(n: float | None) -> str:
    """A byte count with a binary unit (``512 B``, ``1.5 MiB``), ``-`` for None."""
    if n is None or not math.isfinite(n):
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def format_limits(rec: Record, prefix: str = "limit/") -> list[str]:
    """Table lines of the measurements named ``prefix...``: median, unit, [min .. max], threads, description."""
    lines = []
    for name in rec.samples:
        if name.startswith(prefix):
            lo, hi = rec.spread(name)
            meta = rec.meta.get(name, {})
            spread = f"[{lo:.1f} .. {hi:.1f}]"
            threads = meta.get("threads", "?")
            threads = "/".join(map(str, threads)) if isinstance(threads, list) else str(threads)
            lines.append(
                f"  {name[len(prefix) :]:<16} {rec.median(name):8.1f} {meta.get('unit', ''):<8} {spread:<18} "
                f"{threads:>7}  {meta.get('what', '')}"
            )
    return lines
