"""What the machine offers, and amounts for people: memory available, byte counts, durations.

Shared by every layer: the sweep runner checks a sweep's memory against :func:`available_memory` before any work
(:mod:`amphase.simulate.sweep`), and ``amphase theory`` checks a quantity's declared cost the same way
(:mod:`amphase.theory.cost`).
"""

from __future__ import annotations

import math
import os

__all__ = ["available_memory", "fmt_bytes", "fmt_seconds"]


def available_memory() -> float:
    """Bytes of memory available to new work (``MemAvailable`` of ``/proc/meminfo``, else the physical memory)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not a POSIX system
        return math.inf


def fmt_bytes(n: float) -> str:
    """A byte count for people: ``'1.82 TiB'``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.3g} {unit}"
        n /= 1024
    return f"{n:.3g} PiB"  # pragma: no cover


def fmt_seconds(s: float) -> str:
    """A duration for people, two significant units at most: ``'42 s'``, ``'3 min 20 s'``, ``'2 h 5 min'``."""
    if not math.isfinite(s):
        return "unknown"
    s = max(0.0, s)
    if s < 10:
        return f"{s:.1f} s"
    if s < 60:
        return f"{s:.0f} s"
    m = round(s) // 60
    if m < 60:
        return f"{m} min {round(s) % 60} s"
    h = m // 60
    if h < 48:
        return f"{h} h {m % 60} min"
    d = h / 24
    return f"{d:.0f} days" if d < 3650 else f"{d / 365.25:.3g} years"
