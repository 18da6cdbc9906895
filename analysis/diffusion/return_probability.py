r"""Return probabilities of the ``diffusion.basins`` trials with their binomial errors.

The protocol (attractors at the stop, noise-then-denoise trials, the crossing of ``p_crit``) runs inside the model and
lives in :mod:`amphase.simulate.diffusion.basins`, :mod:`amphase.simulate.diffusion.return_trials` and
:mod:`amphase.simulate.diffusion.basin_noise`; the closed forms for two memories in
:mod:`amphase.theory.diffusion.basins`. This module re-exports the codes the comparison
(:mod:`amphase.analysis.diffusion.basins_compare`) reads and adds :func:`return_probability`, the fraction of trials
that returned with its Wilson interval (z = 1, :func:`amphase.analysis.statistics.wilson_interval`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from amphase.analysis.statistics import wilson_interval
from amphase.errors import ParameterError
from amphase.simulate.diffusion.basin_noise import STATUS
from amphase.simulate.diffusion.basins import KINDS
from amphase.theory.diffusion.basins import P_CRIT

__all__ = ["KINDS", "P_CRIT", "STATUS", "return_probability"]


def return_probability(returned: Any, trials: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(p, low, high)``: the fraction ``returned/trials`` and its Wilson interval (z = 1); NaN where no trials."""
    k = np.asarray(returned, dtype=float)
    n = np.asarray(trials, dtype=float)
    if np.any(k < 0) or np.any(k > n):
        raise ParameterError("returned must lie in [0, trials]")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n > 0, k / np.where(n > 0, n, 1), np.nan)
    lo, hi = wilson_interval(k, n)
    return p, lo, hi
