"""What a theory quantity costs: memory and time as functions of its parameters, checked before any work.

Every registered quantity declares a :class:`Cost` (or a function of its parameters returning one) with
:func:`amphase.theory.registry.quantity`. ``amphase theory`` and :class:`~amphase.theory.registry.Quantity` check the
declared memory against the memory this machine has available before they evaluate anything, as ``amphase run``
does for a sweep (:func:`check_memory`), and announce an evaluation expected to last longer than
:data:`ANNOUNCE_S` seconds beyond its one-off start-up (:func:`describe`).

Conventions:

* ``memory``: the peak bytes of one evaluation beyond the interpreter and the libraries already imported, an upper
  estimate;
* ``seconds``: the wall time of one evaluation on one core of the reference machine (:data:`REFERENCE_MACHINE`),
  an upper estimate, measured (``scripts/theory_costs.py`` measures each quantity over its domain and prints the
  ratio of measured to declared time: every ratio must stay below 1);
* a cost function is written with NumPy operations that broadcast, so that a grid's cost is one call on arrays
  (a grid of 10^6 points is estimated in milliseconds): ``np.maximum``, ``np.where`` instead of ``max``, ``if``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.machine import available_memory, fmt_bytes, fmt_seconds

__all__ = [
    "ANNOUNCE_S",
    "CHEAP",
    "KIB",
    "MIB",
    "NUMBA_SETUP",
    "REFERENCE_MACHINE",
    "Cost",
    "check_memory",
    "describe",
    "total",
]

KIB = 1024.0
MIB = 1024.0**2

#: where the declared times were measured.
REFERENCE_MACHINE = "one core of the project's 2-core machine, shared with other work (load 4 to 18)"

#: evaluations expected to last longer than this are announced, with their estimate, before they start.
ANNOUNCE_S = 60.0

#: bytes of bookkeeping per grid point and result (a Python float in a dict of results, and its array element).
_PER_RESULT_BYTES = 160.0


@dataclass(frozen=True)
class Cost:
    """Memory (bytes, peak) and time (seconds, on the reference machine) of one evaluation: upper estimates.

    ``memory`` and ``seconds`` are those of one point (in a cost function they may be arrays, broadcast over a
    grid); ``setup_seconds`` and ``setup_memory`` are paid once per process, by the first evaluation (libraries
    imported on first use, Numba kernels loaded or compiled, cached lines such as the maximum of alpha_c(T)).
    """

    memory: Any
    seconds: Any
    setup_seconds: float = 1.0
    setup_memory: float = 32 * MIB


#: the cost of a closed form or a one-dimensional root: at most a few milliseconds and a few MiB.
CHEAP = Cost(memory=4 * MIB, seconds=0.02)

#: the first-use cost of the quantities whose kernels are Numba functions (Hopfield's replica-symmetric fields,
#: the Gaussian quadrature of theory/quadrature.py): loaded from the cache, or compiled on a fresh install.
NUMBA_SETUP = {"setup_seconds": 60.0, "setup_memory": 96 * MIB}


def total(
    cost: Cost | Callable[..., Cost],
    args: Mapping[str, Any],
    dims: list[str],
    results: int,
    workers: int = 1,
) -> Cost:
    """The cost of evaluating at ``args`` (scalars, or 1-D arrays for the grid dimensions ``dims``).

    The grid's memory is the largest point's times the points that run at once (``workers``, at most the points)
    plus the bookkeeping of every result; its time is the sum over the points divided by those workers.
    """
    shape = tuple(int(np.size(args[d])) for d in dims)
    if callable(cost):
        values = {k: _numeric(v) for k, v in args.items()}
        for i, d in enumerate(dims):  # each grid dimension along its own axis: the cost broadcasts over the grid
            index = [1] * len(dims)
            index[i] = shape[i]
            values[d] = values[d].reshape(index)
        with np.errstate(all="ignore"):
            c = cost(**values)
    else:
        c = cost
    points = int(np.prod(shape)) if dims else 1
    at_once = max(1, min(int(workers), points))
    memory = float(np.max(c.memory)) * at_once + c.setup_memory * at_once + points * results * _PER_RESULT_BYTES
    seconds = float(np.sum(np.broadcast_to(np.asarray(c.seconds, dtype=float), shape)))
    return Cost(memory, seconds / at_once + c.setup_seconds, c.setup_seconds, c.setup_memory)


def _numeric(value: Any) -> Any:
    """Numbers as float64 (integer parameters as large as 10^300 would overflow int64 in a cost formula)."""
    arr = np.asarray(value)
    return arr.astype(float) if arr.dtype.kind in "iuf" or (arr.dtype == object and _all_numbers(arr)) else arr


def _all_numbers(arr: np.ndarray) -> bool:
    return all(isinstance(v, int | float) for v in arr.ravel())


def check_memory(name: str, cost: Cost, where: str, available: float | None = None) -> None:
    """Refuse, before any work, an evaluation whose declared memory exceeds what this machine has available."""
    avail = available_memory() if available is None else available
    if not cost.memory <= avail:
        raise ParameterError(
            f"{name}{where} needs about {fmt_bytes(cost.memory)} of memory (its declared cost); this machine has "
            f"{fmt_bytes(avail)} available. Use smaller sizes"
        )


def describe(cost: Cost) -> str:
    """``'about 52 min and 120 MiB'``: the estimate, for the line announcing a long evaluation."""
    return f"about {fmt_seconds(cost.seconds)} and {fmt_bytes(cost.memory)} ({REFERENCE_MACHINE}: an upper estimate)"
