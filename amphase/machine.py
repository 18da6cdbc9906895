"""What the machine offers, and amounts for people: memory available, byte counts, durations.

Shared by every layer: the sweep runner checks a sweep's memory against :func:`available_memory` before any work
(:mod:`amphase.simulate.sweep`), and ``amphase theory`` checks a quantity's declared cost the same way
(:mod:`amphase.theory.cost`).
"""

from __future__ import annotations

import math

__all__ = ["available_memory", "fmt_bytes", "fmt_seconds"]


def available_memory() -> float:
    """Bytes of memory available to new work without swapping: :func:`psutil.virtual_memory` ``.available``.

    psutil (a dependency of dask.distributed, declared in its own right) reads ``MemAvailable`` on Linux and the
    equivalent elsewhere; imported here, not at module level, so that ``amphase --help`` does not pay for it.
    """
    import psutil

    return float(psutil.virtual_memory().available)


def fmt_bytes(n: float) -> str:
    """A byte count for people, binary prefixes with two decimals: ``'1.82 TiB'`` (:func:`dask.utils.format_bytes`)."""
    from dask.utils import format_bytes  # imported on use: dask.utils costs about 0.2 s and only messages need it

    return format_bytes(int(n)) if math.isfinite(n) else f"{n} B"


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
