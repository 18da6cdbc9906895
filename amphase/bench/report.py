"""Benchmark output: JSON written atomically, rates, byte counts and the table of machine limits."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from amphase.atomic import atomic_output
from amphase.bench.rounds import Record
from amphase.machine import fmt_bytes as _fmt_bytes

__all__ = ["fmt_bytes", "fmt_rate", "format_limits", "write_json"]


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
    """A byte count with a binary unit (:func:`amphase.machine.fmt_bytes`: ``'1.50 MiB'``), ``-`` for None."""
    if n is None or not math.isfinite(n):
        return "-"
    return _fmt_bytes(n)


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
