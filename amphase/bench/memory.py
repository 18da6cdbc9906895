"""Peak memory of one call: traced Python allocations and the growth of the resident set."""

from __future__ import annotations

import resource
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

__all__ = ["peak_memory"]


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
