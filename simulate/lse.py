"""The log-sum-exp energy's old import path: a thin re-export of :mod:`amphase.simulate.continuous.lse`.

About thirty modules, scripts and tests import ``amphase.simulate.lse``; the code lives in the continuous-energy seam
(:mod:`amphase.simulate.continuous`), where the other registered continuous energies sit beside it.
"""

from amphase.simulate.continuous.lse import (
    DEFAULT_TILE,
    FULL_SECOND_MAX_D,
    LSEEnergy,
    LSEStats,
    distance_beta,
    hessian_spectrum,
    kernel_params,
    lse,
    lse_stats,
    ramsauer_beta,
)

__all__ = [
    "DEFAULT_TILE",
    "FULL_SECOND_MAX_D",
    "LSEEnergy",
    "LSEStats",
    "distance_beta",
    "hessian_spectrum",
    "kernel_params",
    "lse",
    "lse_stats",
    "ramsauer_beta",
]
