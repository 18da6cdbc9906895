"""Declared costs of the Dense Associative Memory theory quantities (:mod:`amphase.theory.cost`).

Each function takes the quantity's parameters (NumPy arrays that broadcast over a grid) and returns the memory and
time of one evaluation on the reference machine, as upper estimates. The constants come from
``scripts/theory_costs.py`` (every quantity over its domain, measured against these declarations) and from timing
the inner loops named in each docstring; the measured times were taken at load 4 to 18 on two cores.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from amphase.theory.cost import MIB, Cost

__all__ = [
    "circle_minima_cost",
    "lse_threshold_finite_cost",
    "poly_half_load_cost",
    "poly_stability_cost",
    "random_feature_error_cost",
    "sequence_cost",
]


def circle_minima_cost(beta: Any, K: Any, own_weight: Any, draws: Any) -> Cost:
    """Per draw ``K M`` Fourier sums (measured 10-20 ns each, declared 30) and FFTs of ``grid`` points (300/600 ns).

    ``M ~ 12 + 12.6 sqrt(beta)`` Bessel coefficients (``I_m/I_0 > 1e-17`` at ``kappa = 2 beta R``), ``grid =
    max(4096, 8 M)``; the draws run in batches of at most ``2e6/max(K M, grid)``, whose arrays (angles and powers,
    ~150 bytes per memory and draw; profiles, 48 bytes per grid point and draw) set the memory.
    """
    M = 12.0 + 12.6 * np.sqrt(beta)
    grid = np.maximum(4096.0, 8.0 * M)
    seconds = draws * (3e-8 * K * M + 6e-7 * grid)
    batch = np.maximum(1.0, np.minimum(draws, np.floor(2e6 / np.maximum(K * M, grid))))
    memory = 1.3 * (150.0 * batch * K + 48.0 * batch * grid + 16.0 * draws) + 16 * MIB
    return Cost(memory=memory, seconds=seconds)


def poly_stability_cost(N: Any, n: Any, alpha: Any, K: Any) -> Cost:
    """The single-spin FFT (4096 frequencies times ``N/2`` values) and the pair FFT (128^2): 0.9 to 7 s at N = 5000."""
    return Cost(memory=16 * MIB + 10e3 * N, seconds=0.2 + 1.5e-3 * N)


def poly_half_load_cost(N: Any, n: Any) -> Cost:
    """About 150 stability evaluations (two bisections over integer K), twice their time: 108 s at N = 5000, n = 8."""
    return Cost(memory=16 * MIB + 10e3 * N, seconds=300.0 * (0.1 + 3e-4 * N))


def lse_threshold_finite_cost(N: Any, lam: Any, patterns: Any) -> Cost:
    """Spherical: quadratures of the tilted sphere law and a root in alpha (2 s at N = 10^7); Gaussian: closed forms."""
    return Cost(memory=8 * MIB, seconds=np.where(patterns == "gaussian", 0.5, 16.0))


def random_feature_error_cost(Y: Any, d: Any, beta: Any, K: Any, r: Any) -> Cost:
    """Arrays of ``K^2 d`` numbers (the pair sums of the gradient's error) and ``K d`` (the memories)."""
    return Cost(memory=16 * MIB + 48.0 * K * K * d + 16.0 * K * d, seconds=0.01 + 3e-8 * K * K * d)


def sequence_cost(N: Any, *rest: Any, **kwargs: Any) -> Cost:
    """Closed-form moments, then roots in P over 400 Gamma quantiles: at most 0.35 s (n = 30)."""
    return Cost(memory=8 * MIB, seconds=2.0)
