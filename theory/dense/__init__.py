"""Theory of Dense Associative Memories: capacities, exponential thresholds, random features, spurious minima.

The public entry points are the registered quantities, by topic: :mod:`~amphase.theory.dense.quantities_binary`,
:mod:`~amphase.theory.dense.quantities_exponential`, :mod:`~amphase.theory.dense.quantities_sequence`,
:mod:`~amphase.theory.dense.quantities_landscape` (shared references and parameters in
:mod:`~amphase.theory.dense.quantities`).
"""

from amphase.theory.dense.quantities_binary import exp_capacity, poly_capacity, poly_half_load, poly_stability
from amphase.theory.dense.quantities_exponential import (
    lse_threshold,
    lse_threshold_finite,
    ramsauer_capacity,
    random_feature_error,
    separation,
)
from amphase.theory.dense.quantities_landscape import (
    circle_minima,
    circle_ring,
    pair_midpoint_beta,
    pair_minima,
    simplex_centroid_beta,
)
from amphase.theory.dense.quantities_sequence import sequence_capacity, sequence_recall

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
