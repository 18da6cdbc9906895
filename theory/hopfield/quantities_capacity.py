"""Signal-to-noise capacity of the Hopfield network served by the registry: ``hopfield.capacity_snr`` (MPRV 1987).

References in :mod:`~amphase.theory.hopfield.quantities`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from amphase.theory.hopfield.quantities import MPRV87
from amphase.theory.registry import CHEAP, Param, Result, quantity

__all__ = ["SNRCapacity", "capacity_snr"]


class SNRCapacity(NamedTuple):
    """Signal-to-noise capacities of MPRV 1987."""

    P_one: float
    P_all: float
    alpha_one: float
    alpha_all: float


@quantity(
    "hopfield.capacity_snr",
    params=[Param("N", "number of neurons", lower=3, integer=True)],
    results=[
        Result("P_one", "patterns such that most of them are exactly recoverable, N / (2 ln N)"),
        Result("P_all", "patterns such that every one is exactly recoverable, N / (4 ln N)"),
        Result("alpha_one", "P_one / N"),
        Result("alpha_all", "P_all / N"),
    ],
    reference=MPRV87,
    cost=CHEAP,
)
def capacity_snr(N: int) -> SNRCapacity:
    """Signal-to-noise capacities of the Hopfield network, N/(2 ln N) and N/(4 ln N) (MPRV 1987).

    MPRV 1987 (abstract): with ``P`` random patterns, the largest ``P`` for which *most* patterns are exactly
    recoverable is asymptotically ``N / (2 log N)``; if *every* pattern must be, ``N / (4 log N)`` (natural log).
    """
    one, all_ = N / (2.0 * math.log(N)), N / (4.0 * math.log(N))
    return SNRCapacity(one, all_, one / N, all_ / N)
