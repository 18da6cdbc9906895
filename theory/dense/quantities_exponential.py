"""Exponential and log-sum-exp memories served by the registry: thresholds, separation, random features.

``dense.lse_threshold``, ``dense.lse_threshold_finite`` (derivations in :mod:`~amphase.theory.dense.lse`),
``dense.separation``, ``dense.ramsauer_capacity`` (:mod:`~amphase.theory.dense.ramsauer`) and
``dense.random_feature_error`` (:mod:`~amphase.theory.dense.random_features`); references in
:mod:`~amphase.theory.dense.quantities`.
"""

from __future__ import annotations

from amphase.errors import ParameterError
from amphase.theory.dense import costs, lse, ramsauer, random_features
from amphase.theory.dense.quantities import (
    BETA_LSE,
    CHOROMANSKI21,
    DERIVED,
    HOOVER24,
    LM24,
    RAMSAUER21,
)
from amphase.theory.registry import CHEAP, Choice, Param, Result, quantity

__all__ = ["lse_threshold", "lse_threshold_finite", "ramsauer_capacity", "random_feature_error", "separation"]


LAM = Param("lam", "inverse temperature lambda of E = -ln sum exp(lambda xi.x)/lambda", lower=0.0, lower_open=True)
PATTERNS = Choice("patterns", "pattern ensemble: spherical (|xi|^2 = N) or gaussian (i.i.d. N(0, 1))", lse.PATTERNS)


@quantity(
    "dense.lse_threshold",
    params=[LAM, PATTERNS],
    results=[
        Result("alpha_1", "typical-pattern retrieval threshold of alpha = ln(P)/N"),
        Result("q_star", "overlap of the patterns dominating the crosstalk at alpha_1"),
        Result("lambda_condensation", "lambda where the crosstalk REM condenses at alpha = alpha_1"),
    ],
    reference=f"{LM24}; {DERIVED}",
    cost=CHEAP,
)
def lse_threshold(lam: float, patterns: str = "spherical") -> lse.LSEThreshold:
    """Typical-pattern threshold alpha_1(lambda) of exponential memories, REM argument of LM 2024.

    Spherical: ``alpha_1 = lambda (1 - q*) - ln(1 - q*^2)/2``, ``q*/(1 - q*^2) = lambda``; Gaussian:
    ``alpha_1 = lambda - lambda^2/2`` (``lambda <= 1``), ``1/2`` (``lambda >= 1``). Derived here from LM's
    random-energy-model criterion; the paper's equations could not be read (the spherical value 0.6226 at
    ``lambda = 1`` and the Gaussian 1/2 agree with a later paper that quotes LM; see
    :mod:`~amphase.theory.dense.lse`).
    """
    return lse.lse_threshold(lam, patterns)


@quantity(
    "dense.lse_threshold_finite",
    params=[Param("N", "dimension of the patterns", lower=3, upper=10**7, integer=True), LAM, PATTERNS],
    results=[
        Result("alpha_half", "ln(P)/N where a typical cued pattern keeps half the softmax weight at x = xi (N finite)"),
        Result("alpha_fixed_point", "ln(P)/N where the update iterated from x = xi ends at overlap 1/2 (mean field)"),
        Result("alpha_1", "its N -> infinity limit (dense.lse_threshold)"),
    ],
    reference=f"{LM24}; {DERIVED}",
    cost=costs.lse_threshold_finite_cost,
)
def lse_threshold_finite(N: int, lam: float, patterns: str = "spherical") -> lse.FiniteThreshold:
    """Finite-N half-point of the one-step criterion of LM 2024: the crosstalk replaced by its mean (derived).

    Spherical: ``(P - 1) E exp(lambda N (q - 1)) = 1`` with the exact finite-N law of ``q``; Gaussian,
    ``lambda <= 1``: ``ln(P - 1) = (lambda - lambda^2/2) median(chi^2_N)``; Gaussian, ``lambda > 1``: the crosstalk
    replaced by its largest term (an upper estimate). ``alpha_fixed_point``: the same crosstalk in the overlap map
    iterated from the pattern (the saddle-node of the finite-N fixed point; NaN for Gaussian ``lambda >= 1``).
    Derived (:mod:`~amphase.theory.dense.lse`, "Finite N").
    """
    return lse.annealed_threshold(N, lam, patterns)


@quantity(
    "dense.separation",
    params=[
        Param("N", "number of stored patterns", lower=2, integer=True),
        Param(
            "beta",
            "inverse temperature of Ramsauer's dot-product energy (2 beta' of the distance form)",
            lower=0.0,
            lower_open=True,
        ),
        Param("M", "largest pattern norm", lower=0.0, lower_open=True),
    ],
    results=[Result("Delta_min", "separation min_j (x_i.x_i - x_i.x_j) sufficient for a fixed point near x_i")],
    reference=RAMSAUER21,
    cost=CHEAP,
)
def separation(N: int, beta: float, M: float) -> float:
    """Separation sufficient for a fixed point near a pattern: 2/(beta N) + ln(2 (N-1) N beta M^2)/beta (Ramsauer 2021).

    Ramsauer's ``beta`` multiplies the dot product (``softmax(beta X^T xi)``); for the distance form
    ``-ln sum exp(-beta' |x - xi|^2)/beta'`` with equal-norm patterns use ``beta = 2 beta'``.
    """
    return ramsauer.separation(N, beta, M)


@quantity(
    "dense.ramsauer_capacity",
    params=[
        Param("d", "pattern dimension", lower=2, integer=True),
        Param("beta", "inverse temperature of Ramsauer's dot-product energy", lower=0.0, lower_open=True),
        Param("K", "patterns lie on the sphere of radius K sqrt(d - 1)", lower=0.0, lower_open=True),
        Param("p", "failure probability", lower=0.0, upper=1.0, lower_open=True),
    ],
    results=[
        Result("N_stored", "at least this many random patterns are stored with probability 1 - p"),
        Result("a", "2 (1 + ln(2 beta K^2 p (d-1)))/(d-1)"),
        Result("b", "2 K^2 beta / 5"),
        Result("c", "b / W0(exp(a + ln b))"),
        Result("c_min", "the theorem needs c >= (2/sqrt(p))^(4/(d-1))"),
        Result("valid", "1 if c >= c_min, else 0 (the bound is then not guaranteed)"),
    ],
    reference=RAMSAUER21,
    cost=CHEAP,
)
def ramsauer_capacity(d: int, beta: float, K: float, p: float) -> ramsauer.RamsauerCapacity:
    """Storage capacity N >= sqrt(p) c^((d-1)/4) of Ramsauer 2021 (their Theorem 3).

    Reproduces the printed examples ``c = 3.1546`` (``beta = 1, K = 3, d = 20, p = 0.001``) and ``c = 1.3718``
    (``beta = 1, K = 1, d = 75, p = 0.001``).
    """
    return ramsauer.storage_capacity(d, beta, K, p)


@quantity(
    "dense.random_feature_error",
    params=[
        Param("Y", "number of random features", lower=1, integer=True),
        Param("d", "dimension of the memories (d >= K)", lower=1, integer=True),
        BETA_LSE,
        Param("K", "number of memories (orthogonal, norm r)", lower=1, integer=True),
        Param("r", "norm of the memories", lower=0.0),
    ],
    results=[
        Result("Z_rel_std", "relative standard deviation of the Y-feature partition function"),
        Result("energy_rms", "root-mean-square error of the Y-feature energy, sqrt(C/Y)/beta"),
        Result("energy_bias", "mean error of the Y-feature energy, C/(2 beta Y)"),
        Result("grad_rms", "root-mean-square error (Euclidean norm) of the Y-feature energy gradient"),
        Result("C", "relative variance of one feature's partition function"),
    ],
    reference=f"{HOOVER24}; {CHOROMANSKI21}; {DERIVED}",
    cost=costs.random_feature_error_cost,
)
def random_feature_error(
    Y: int, d: int, beta: float = 1.0, K: int = 1, r: float = 1.0
) -> random_features.RandomFeatureError:
    """Error of the positive-random-feature LSE energy and gradient (Hoover 2024) at a memory, K orthogonal memories.

    ``C = sum_{mu nu} p_mu p_nu exp(2 beta (x + xi_mu).(x + xi_nu)) - 1``; relative error of ``Z`` ``sqrt(C/Y)``,
    energy error ``sqrt(C/Y)/beta``, gradient error from the delta method (leading order in 1/Y; derived, tested by
    Monte Carlo in :mod:`~amphase.theory.dense.random_features`). Only the gradient error depends on ``d``.
    """
    if K > d:
        raise ParameterError(f"K={K} orthogonal memories need d >= K; got d={d}")
    x, memories = random_features.orthogonal_configuration(K, r, d)
    return random_features.random_feature_error(x, memories, beta, Y)
