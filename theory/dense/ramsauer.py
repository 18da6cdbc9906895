r"""Ramsauer et al. 2021, "Hopfield Networks is All You Need" (ICLR; arXiv:2008.02217): separation and capacity.

Conventions (Ramsauer et al., dot-product form)
-----------------------------------------------
``N`` stored patterns ``x_i`` in ``R^d`` (columns of ``X``), ``M = max_i |x_i|``, state ``xi``; energy and update

.. math::

    E(\xi) = -\beta^{-1} \ln \sum_i e^{\beta x_i^T \xi} + \tfrac12 \xi^T\xi + \beta^{-1}\ln N + \tfrac12 M^2,
    \qquad \xi^\text{new} = X\, \mathrm{softmax}(\beta X^T \xi).

Separation of pattern ``i``: ``Delta_i = min_{j != i} (x_i^T x_i - x_i^T x_j)``. The pattern is *well separated*
(their Sec. 2, the condition under which their Theorems 3 and 4 place a fixed point near it; the theorem numbering
is from memory of the ICLR version, the inequality itself as printed) if

.. math::

    \Delta_i \ge \frac{2}{\beta N} + \frac{1}{\beta} \ln\left(2 (N-1) N \beta M^2\right),

the update maps the sphere of radius ``1/(beta N M)`` around ``x_i`` into itself and has a fixed point there.

Storage capacity (their Theorem 3): patterns uniform on the sphere of radius ``M = K sqrt(d - 1)``, failure
probability ``p``; with

.. math::

    a = \frac{2}{d-1}\left(1 + \ln(2 \beta K^2 p (d-1))\right), \quad b = \frac{2 K^2 \beta}{5}, \quad
    c = \frac{b}{W_0(\exp(a + \ln b))},

and provided ``c >= (2/sqrt(p))^{4/(d-1)}``, with probability ``1 - p`` at least ``N = sqrt(p) c^{(d-1)/4}`` random
patterns can be stored (each well separated). The examples printed after Theorem 3, ``c = 3.1546`` for
``beta = 1, K = 3, d = 20, p = 0.001`` and ``c = 1.3718`` for ``beta = 1, K = 1, d = 75, p = 0.001``, are tests.

Distance form
-------------
With equal-norm patterns, the distance-form energy ``E_dist(x) = -beta'^{-1} ln sum_i exp(-beta' |x - x_i|^2)`` is
``|x|^2 + |x_i|^2 - beta'^{-1} ln sum_i exp(2 beta' x_i^T x) = 2 E_Ramsauer(x) + const`` with ``beta = 2 beta'``: the
same minima and fixed points; use ``beta = 2 beta'`` in the formulas above (:func:`ramsauer_beta`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from scipy.special import wrightomega

__all__ = ["RamsauerCapacity", "ramsauer_beta", "separation", "storage_capacity"]


def ramsauer_beta(beta_distance: float) -> float:
    """Ramsauer's ``beta`` for the ``beta'`` of ``-beta'^{-1} ln sum exp(-beta' |x - xi|^2)``: ``2 beta'``."""
    return 2.0 * beta_distance


def separation(N: int, beta: float, M: float) -> float:
    """Separation ``Delta_i`` sufficient for a fixed point near pattern ``i`` (Ramsauer et al. 2021, Sec. 2).

    ``2/(beta N) + ln(2 (N-1) N beta M^2)/beta``; ``N`` patterns, ``M`` the largest pattern norm.
    """
    logs = math.log(2.0) + math.log(N - 1) + math.log(N) + math.log(beta) + 2.0 * math.log(M)  # each in range
    return 2.0 / beta / N + logs / beta


class RamsauerCapacity(NamedTuple):
    """Quantities of Ramsauer et al. Theorem 3."""

    N_stored: float
    a: float
    b: float
    c: float
    c_min: float
    valid: float


def storage_capacity(d: int, beta: float, K: float, p: float) -> RamsauerCapacity:
    """Number of random patterns stored with probability ``1 - p`` (Ramsauer et al. Theorem 3; module docstring).

    ``valid`` is 1 where the theorem's condition ``c >= (2/sqrt(p))^(4/(d-1))`` holds, 0 where it does not (the
    bound is then not guaranteed).
    """
    # sums of logarithms: the products of tiny or huge factors leave the float range where their logarithms do not
    a = 2.0 / (d - 1) * (1.0 + math.log(2.0) + math.log(beta) + math.log(p) + math.log(d - 1) + 2.0 * math.log(K))
    b = 2.0 * K * K * beta / 5.0
    # c = b / W0(e^a b) in logarithms, finite wherever the result is: with x = a + ln b and omega(x) = W0(e^x)
    # (Wright's omega), ln omega = x - omega, so ln c = omega(x) - a (b -> 0: c -> e^-a)
    x = a + math.log(0.4) + math.log(beta) + 2.0 * math.log(K)
    log_c = float(wrightomega(x).real) - a
    log_c_min = 4.0 / (d - 1) * (math.log(2.0) - 0.5 * math.log(p))
    N = _exp(0.5 * math.log(p) + (d - 1) / 4.0 * log_c)
    return RamsauerCapacity(N, a, b, _exp(log_c), _exp(log_c_min), float(log_c >= log_c_min))


def _exp(x: float) -> float:
    """``exp(x)``, ``inf`` beyond the float range."""
    return math.exp(x) if x < 709.78 else math.inf
