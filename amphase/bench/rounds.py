"""Timing and recording: a :class:`Task` returns one sample, :func:`run_rounds` interleaves rounds, medians."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Record", "Task", "calibrate", "check", "limit_vs_kernel", "run_rounds", "timed_rate"]


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
