"""Theory of Dense Associative Memories: capacities, exponential thresholds, random features, spurious minima.

The public entry points are the registered quantities of :mod:`~amphase.theory.dense.quantities`.
"""

from amphase.theory.dense.quantities import (
    circle_minima,
    circle_ring,
    exp_capacity,
    lse_threshold,
    lse_threshold_finite,
    pair_midpoint_beta,
    pair_minima,
    poly_capacity,
    poly_half_load,
    poly_stability,
    ramsauer_capacity,
    random_feature_error,
    separation,
    sequence_capacity,
    sequence_recall,
    simplex_centroid_beta,
)

__all__ = [
    "circle_minima",
    "circle_ring",
    "exp_capacity",
    "lse_threshold",
    "lse_threshold_finite",
    "pair_midpoint_beta",
    "pair_minima",
    "poly_capacity",
    "poly_half_load",
    "poly_stability",
    "ramsauer_capacity",
    "random_feature_error",
    "separation",
    "sequence_capacity",
    "sequence_recall",
    "simplex_centroid_beta",
]
