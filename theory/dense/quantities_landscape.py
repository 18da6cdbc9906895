"""Minima of the log-sum-exp energy served by the registry: two memories, a simplex, the circle.

``dense.pair_midpoint_beta``, ``dense.pair_minima``, ``dense.simplex_centroid_beta``, ``dense.circle_ring`` and
``dense.circle_minima``; derivations in :mod:`~amphase.theory.lse_landscape`, references in
:mod:`~amphase.theory.dense.quantities`.
"""

from __future__ import annotations

from amphase.theory import lse_circle_counts, lse_circle_profile, lse_landscape
from amphase.theory.dense import costs
from amphase.theory.dense.quantities import (
    BETA_LSE,
    DERIVED_LSE,
)
from amphase.theory.registry import CHEAP, Param, Result, quantity

__all__ = ["circle_minima", "circle_ring", "pair_midpoint_beta", "pair_minima", "simplex_centroid_beta"]


@quantity(
    "dense.pair_midpoint_beta",
    params=[Param("D", "distance between the two memories", lower=0.0, lower_open=True)],
    results=[Result("beta_star", "the midpoint is a minimum for beta < 2/D^2")],
    reference=DERIVED_LSE,
    cost=CHEAP,
)
def pair_midpoint_beta(D: float) -> float:
    """Two memories at distance D: the midpoint is a minimum below beta* = 2/D^2 (derived; Hessian 2 - beta D^2)."""
    return lse_landscape.pair_midpoint_beta(D)


@quantity(
    "dense.pair_minima",
    params=[Param("D", "distance between the two memories", lower=0.0, lower_open=True), BETA_LSE],
    results=[
        Result("x", "distance of each minimum from the midpoint (0: one minimum at the midpoint)"),
        Result("barrier", "E(midpoint) - E(minimum)"),
        Result("curvature", "second derivative of E along the axis at the minimum"),
    ],
    reference=DERIVED_LSE,
    cost=CHEAP,
)
def pair_minima(D: float, beta: float) -> lse_landscape.PairMinima:
    """Minima of two memories at ±D/2: x = (D/2) u, u = tanh(beta D^2 u/2) (derived; 0 for beta <= 2/D^2)."""
    return lse_landscape.pair_minima(D, beta)


@quantity(
    "dense.simplex_centroid_beta",
    params=[
        Param("K", "number of memories at the vertices of a regular simplex", lower=2, integer=True),
        Param("r", "distance of the memories from the centroid", lower=0.0, lower_open=True),
    ],
    results=[
        Result("beta_star", "the centroid is a minimum for beta < (K - 1)/(2 r^2)"),
        Result("edge", "distance between two memories, r sqrt(2K/(K-1))"),
    ],
    reference=DERIVED_LSE,
    cost=CHEAP,
)
def simplex_centroid_beta(K: int, r: float = 1.0) -> lse_landscape.SimplexCentroid:
    """Regular K-simplex of memories: the centroid is a minimum below beta* = (K-1)/(2 r^2) (derived, Hessian)."""
    return lse_landscape.SimplexCentroid(lse_landscape.simplex_centroid_beta(K, r), r * (2.0 * K / (K - 1)) ** 0.5)


@quantity(
    "dense.circle_ring",
    params=[BETA_LSE],
    results=[
        Result("R", "radius of the ring of minima (0 below beta_c: one minimum at the centre)"),
        Result("barrier", "E(centre) - E(ring)"),
        Result("beta_c", "the ring is born at beta_c = 1"),
        Result("curvature", "radial second derivative of E at the minimum"),
    ],
    reference=DERIVED_LSE,
    cost=CHEAP,
)
def circle_ring(beta: float) -> lse_landscape.CircleRing:
    """Memories dense on the unit circle: ring of minima R = I_1(2 beta R)/I_0(2 beta R) above beta_c = 1 (derived).

    Energy ``E(R) = R^2 + 1 - ln I_0(2 beta R)/beta``; barrier ``ln I_0(2 beta R)/beta - R^2``.
    """
    return lse_landscape.circle_ring(beta)


@quantity(
    "dense.circle_minima",
    params=[
        Param(
            "beta",
            "inverse temperature of E = -ln sum exp(-beta |x - xi|^2)/beta (ring for beta > 1)",
            lower=1.0,
            upper=1e4,
            lower_open=True,
        ),
        Param(
            "K", "number of memories at uniform random angles on the unit circle", lower=1, upper=10**5, integer=True
        ),
        Param(
            "own_weight",
            "a minimum is a memory's own when its softmax weight exceeds this",
            lower=0.5,
            upper=1.0,
            lower_open=True,
            upper_open=True,
        ),
        Param(
            "draws", "Monte Carlo draws of the angles for the ring-profile model", lower=2, upper=10**5, integer=True
        ),
    ],
    results=[
        Result("minima", "expected number of minima (ring-profile model, Monte Carlo mean)"),
        Result("own", "expected number of minima owned by one memory (ring-profile model)"),
        Result("spurious", "expected number of minima owned by no memory (ring-profile model)"),
        Result("minima_error", "Monte Carlo standard error of minima"),
        Result("own_error", "Monte Carlo standard error of own"),
        Result("spurious_error", "Monte Carlo standard error of spurious"),
        Result("own_pair", "memories with no neighbour within the own distance, K (1 - a_own/pi)^(K-1) (exact mean)"),
        Result("minima_pair", "runs of memories linked by gaps below the merging angle, K (1 - a/2pi)^(K-1)"),
        Result("minima_limit", "number of minima as K -> infinity (Rice formula on the ring, all spurious)"),
    ],
    reference=f"{DERIVED_LSE}; Rice formula (S. O. Rice, Bell Syst. Tech. J. 24, 46 (1945))",
    cost=costs.circle_minima_cost,
)
def circle_minima(beta: float, K: int, own_weight: float = 0.6, draws: int = 400) -> dict[str, float]:
    """K random memories on the unit circle at fixed beta: expected minima, memories' own and spurious (derived).

    ``own_pair``/``minima_pair``: pair merging at chord sqrt(2/beta) with the exact uniform-spacing statistics (small
    K). ``minima``/``own``/``spurious``: maxima of sum_mu exp(2 beta R cos(theta - theta_mu)) on the ring, averaged
    over ``draws`` angle sets (seed 0; semi-analytic, every K). ``minima_limit``: sqrt(sum m^4 I_m^2/sum m^2 I_m^2)
    at kappa = 2 beta R (exact as K -> infinity). See :mod:`~amphase.theory.lse_landscape`.
    """
    prof = lse_circle_profile.circle_profile_counts(K, beta, draws=draws, own_weight=own_weight)
    gap = lse_circle_counts.circle_gap_counts(K, beta, own_weight)
    limit = lse_circle_counts.ring_maxima_limit(2.0 * beta * lse_landscape.circle_ring(beta).R)
    return {
        "minima": prof.minima,
        "own": prof.own,
        "spurious": prof.spurious,
        "minima_error": prof.minima_error,
        "own_error": prof.own_error,
        "spurious_error": prof.spurious_error,
        "own_pair": gap.own,
        "minima_pair": gap.minima,
        "minima_limit": limit,
    }
