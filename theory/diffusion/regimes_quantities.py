r"""Registered quantities of the dynamical regimes of Biroli et al. 2024 (BBBM): speciation, collapse, clones.

The formulas and their derivations are in :mod:`~amphase.theory.diffusion.regimes`; these are the checked entry
points ``diffusion.speciation_time``, ``diffusion.collapse_time`` and ``diffusion.clone_probability``.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from amphase.theory.cost import MIB, NUMBA_SETUP, Cost
from amphase.theory.diffusion import regimes
from amphase.theory.diffusion.conventions import BBBM24, OU_TIME
from amphase.theory.registry import CHEAP, Param, Result, quantity

__all__ = ["CollapseTime", "SpeciationTime", "clone_probability", "collapse_time", "speciation_time"]


class SpeciationTime(NamedTuple):
    """Speciation time and where it falls in the VP and VE conventions."""

    t_S: float
    alpha_bar_S: float
    ve_variance_S: float


@quantity(
    "diffusion.speciation_time",
    params=[Param("Lambda", "largest eigenvalue of the data covariance", lower=0.0, lower_open=True)],
    results=[
        Result("t_S", "speciation time 0.5 log(Lambda), Ornstein-Uhlenbeck time", absent="Lambda <= 1: no speciation"),
        Result("alpha_bar_S", "VP signal fraction at t_S, 1/Lambda"),
        Result("ve_variance_S", "VE noise variance at t_S, Lambda - 1"),
    ],
    reference=BBBM24,
    cost=CHEAP,
)
def speciation_time(Lambda: float) -> SpeciationTime:
    """Speciation time t_S = (1/2) log Lambda of the backward dynamics (Biroli et al. 2024; Table 1 Lambdas).

    Leading order in large Lambda; NaN (no solution) for Lambda <= 1. In VP terms alpha_bar(t_S) = 1/Lambda.
    """
    t_s = regimes.speciation_time(Lambda)
    return SpeciationTime(t_s, 1.0 / Lambda, Lambda - 1.0)


class CollapseTime(NamedTuple):
    """Collapse time of K Gaussian points and where it falls in the VP and VE conventions."""

    t_C: float
    alpha: float
    alpha_bar_C: float
    ve_variance_C: float


@quantity(
    "diffusion.collapse_time",
    params=[
        Param("K", "number of training points", lower=2, integer=True),
        Param("d", "dimension", lower=1, integer=True),
        Param("sigma", "standard deviation of the Gaussian data per dimension", lower=0.0, lower_open=True),
    ],
    results=[
        Result("t_C", "collapse time 0.5 log(1 + sigma^2/(K^(2/d) - 1)), Ornstein-Uhlenbeck time"),
        Result("alpha", "log(K)/d"),
        Result("alpha_bar_C", "VP signal fraction at t_C"),
        Result("ve_variance_C", "VE noise variance at t_C, sigma^2/(K^(2/d) - 1)"),
    ],
    reference=BBBM24,
    cost=CHEAP,
)
def collapse_time(K: int, d: int, sigma: float = 1.0) -> CollapseTime:
    """Collapse time of the exact empirical score for K Gaussian points N(0, sigma^2 I_d) (Biroli et al. 2024, Fig. 3).

    Where the excess entropy alpha + (1/2) log(Delta_t/(Delta_t + sigma^2 e^{-2t})) vanishes, d -> oo at fixed
    alpha = log(K)/d. For any data set, estimate the excess entropy with
    amphase.analysis.diffusion.entropy.excess_entropy.
    """
    t_c = regimes.collapse_time(K, d, sigma)
    return CollapseTime(t_c, math.log(K) / d, math.exp(-2.0 * t_c), math.expm1(2.0 * t_c))


@quantity(
    "diffusion.clone_probability",
    params=[
        OU_TIME,
        Param("d", "dimension", lower=1, integer=True),
        Param("m", "mean amplitude per dimension: the Gaussians sit at ±m_vec, |m_vec|^2 = m^2 d", lower=0.0),
        Param("sigma", "standard deviation of each Gaussian per dimension", lower=0.0),
    ],
    results=[
        Result("phi", "probability that two clones branched at t end in the same Gaussian"),
        Result("kappa", "class signal-to-noise |m_vec|^2 e^{-2t}/(Delta_t + sigma^2 e^{-2t})"),
        Result("t_S", "speciation time 0.5 log(|m_vec|^2 + sigma^2)", absent="|m_vec|^2 + sigma^2 <= 1"),
        Result("t_instability", "0.5 log(|m_vec|^2 + 1 - sigma^2), derived", absent="|m_vec| <= sigma: unimodal"),
    ],
    reference=f"{BBBM24}; t_instability derived in amphase.theory.diffusion.regimes",
    cost=Cost(memory=8 * MIB, seconds=0.05, **NUMBA_SETUP),  # Gaussian quadrature in Numba
)
def clone_probability(t: float, d: int, m: float = 1.0, sigma: float = 1.0) -> regimes.CloneProbability:
    """Cloning probability phi(t) of two Gaussians at ±m (Biroli et al. 2024, Fig. 2): 1/2 + E[tanh z]/2.

    z ~ N(kappa, kappa); phi -> 1 as t -> 0, 1/2 as t -> oo, and 0.7752 at t_S for d -> oo (m = sigma = 1).
    """
    return regimes.clone_probability(t, d, m, sigma)
