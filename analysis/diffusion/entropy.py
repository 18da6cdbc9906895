r"""Reading the excess entropy of a data set (Biroli et al. 2024): the time at which it falls to a level.

The Monte Carlo estimators, which a model runs during a sweep, live in :mod:`amphase.simulate.diffusion.entropy`
(draws from the empirical density, :func:`excess_entropy`, BBBM's "Eq. 5"; test points from the population,
:func:`population_excess_entropy`, quenched) and are re-exported here. :func:`crossing_time` reads off the time at
which :math:`f^e/\alpha` falls to a chosen ``level``; BBBM's collapse time is the ``level -> 0`` limit as
:math:`d \to \infty`. At finite :math:`d` the curve of draws from the empirical density reaches 0 smoothly, so a
level above 0 (stated by the caller) is needed to get a finite-sample estimate; the Gaussian counterpart at the same
level is ``theory.diffusion.regimes.excess_entropy_gaussian``.
"""

from __future__ import annotations

import math

import numpy as np

from amphase.errors import ParameterError
from amphase.simulate.diffusion.entropy import (
    ExcessEntropy,
    excess_entropy,
    log_density,
    population_crossing,
    population_excess_entropy,
)

__all__ = [
    "ExcessEntropy",
    "crossing_time",
    "excess_entropy",
    "log_density",
    "population_crossing",
    "population_excess_entropy",
]


def crossing_time(times: np.ndarray, ratio: np.ndarray, level: float) -> float:
    """Largest time at which ``ratio = f^e/alpha`` falls to ``level``, interpolated linearly (NaN if never).

    ``times`` ascending; scanning down from the largest time, the first interval where ``ratio`` drops to ``level``.
    """
    ts, r = np.asarray(times, dtype=float), np.asarray(ratio, dtype=float)
    if ts.ndim != 1 or ts.shape != r.shape or ts.size < 2 or np.any(np.diff(ts) <= 0):
        raise ParameterError("times must be an ascending 1-D array of at least 2 values, ratio of the same shape")
    for i in range(ts.size - 1, 0, -1):
        hi, lo = r[i], r[i - 1]
        if hi > level >= lo:
            return float(ts[i - 1] + (level - lo) * (ts[i] - ts[i - 1]) / (hi - lo))
    return math.nan
