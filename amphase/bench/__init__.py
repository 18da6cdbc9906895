"""The benchmark harness: machine limits, interleaved rounds with medians, machine description, JSON output.

The amphase benchmarks (``bench_hopfield.py`` now; the Dense Associative Memory / LSE and diffusion benchmarks next)
measure a kernel against what the machine can do at best, in the same process. The machine this was written on is a
2-core AMD EPYC shared with other work: a burst of load can drop two-thread BLAS by up to 4x. So every measurement is
a :class:`Task` that returns one sample, all tasks run once per round, rounds are repeated, and medians are reported
(:func:`run_rounds`, :class:`Record`, :func:`limit_vs_kernel`). Every figure carries the thread count it ran at.

Nothing here knows about Hopfield networks; every function takes plain arguments. A benchmark script does
``import amphase.bench as harness``. By concern: :mod:`~amphase.bench.rounds` (tasks, rounds, medians),
:mod:`~amphase.bench.blas` (BLAS threads), :mod:`~amphase.bench.limits` (the machine limits below),
:mod:`~amphase.bench.memory` (peak memory of a call), :mod:`~amphase.bench.machine` (the machine"s description),
:mod:`~amphase.bench.report` (JSON and table output); everything is re-exported here.

What the limits measure
-----------------------
* **memory bandwidth** (:func:`bandwidth_tasks`): a read-only streaming sum over a float64 array much larger than the
  last-level cache: a Numba ``fastmath`` loop on one core, the same over ``cores`` slices on ``cores`` threads, and
  ``np.sum`` for reference; bytes read per second.
* **GEMM** (:func:`gemm_task`): ``a @ b`` at a given ``(m, k) x (k, n)`` shape and dtype, counted as ``2 m n k`` FLOPs
  (:func:`gemm_flops`), at BLAS"s thread count or a given one (:func:`blas_thread_limit`).
* **exp throughput** (:func:`exp_task`): elements per second of ``np.exp`` on a large float32 or float64 array (one
  thread: NumPy ufuncs do not thread), the second limit of a log-sum-exp kernel after its GEMM.
* **peak memory of a call** (:func:`peak_memory`): Python-level allocations (NumPy"s included) seen by ``tracemalloc``
  and the growth of the process"s resident set.

BLAS threads are limited with threadpoolctl (:mod:`~amphase.bench.blas`); where no BLAS is loaded
:func:`blas_thread_limit` yields ``None`` and the figure is recorded with the threads BLAS really used.
"""

from __future__ import annotations

from amphase.bench.blas import blas_info, blas_thread_control, blas_thread_limit, usable_cpus
from amphase.bench.limits import bandwidth_tasks, exp_rate, exp_task, gemm_flops, gemm_task, limit_tasks
from amphase.bench.machine import loadavg, machine_info, package_version, torch_probe
from amphase.bench.memory import peak_memory
from amphase.bench.report import fmt_bytes, fmt_rate, format_limits, write_json
from amphase.bench.rounds import Record, Task, calibrate, check, limit_vs_kernel, run_rounds, timed_rate

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
