"""BLAS threads: how many a process may use, what BLAS it loaded, and a block that limits them (threadpoolctl).

threadpoolctl finds every BLAS (and OpenMP) runtime the process loaded, whatever its symbol prefix (NumPy's wheels
ship ``scipy_openblas64_``), reads its thread count and limits it; it replaced a hand-written ctypes fallback.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import threadpoolctl

__all__ = ["blas_info", "blas_thread_control", "blas_thread_limit", "usable_cpus"]


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask), else the machine's logical CPU count."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def blas_info() -> tuple[Any, list[dict[str, Any]]]:
    """BLAS thread count (``"unknown"`` when no BLAS is loaded) and threadpoolctl's description of each loaded BLAS.

    The count is one number, or a list with one count per BLAS where several are loaded (torch brings its own).
    """
    blas = [info for info in threadpoolctl.threadpool_info() if info.get("user_api") == "blas"]
    if not blas:
        return "unknown", []
    threads = blas[0]["num_threads"] if len(blas) == 1 else [info["num_threads"] for info in blas]
    return threads, blas


def blas_thread_control() -> str | None:
    """How BLAS threads are limited here: ``"threadpoolctl"``, or None when no BLAS is loaded to limit."""
    return "threadpoolctl" if blas_info()[1] else None


@contextlib.contextmanager
def blas_thread_limit(threads: int | None) -> Iterator[Any]:
    """Limit BLAS to ``threads`` threads inside the block; yields the thread count in effect.

    ``threads=None`` changes nothing and yields BLAS's own count. When no BLAS is loaded it yields None.
    """
    if threads is None:
        yield blas_info()[0]
        return
    if blas_thread_control() is None:
        yield None
        return
    with threadpoolctl.threadpool_limits(limits=threads, user_api="blas"):
        yield threads
