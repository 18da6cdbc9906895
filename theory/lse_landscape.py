r"""The landscape of the log-sum-exp energy: energy, gradient and Hessian, and its exact minima for symmetric memories.

The math here names no model family: the continuous DenseAM (``dense.*``) and the diffusion model with the exact
score (``diffusion.*``, at :math:`\beta = 1/(2\sigma_t^2)`) both wrap it.

Convention: memories ``xi^mu`` in ``R^d``, energy, gradient and Hessian

.. math::

    E(x) = -\frac1\beta \ln \sum_\mu e^{-\beta |x - \xi^\mu|^2}, \qquad
    \nabla E = 2\left(x - \sum_\mu w_\mu \xi^\mu\right), \qquad
    \nabla^2 E = 2 I - 4 \beta\, \mathrm{Cov}_w(\xi),

with the weights ``w_mu ∝ exp(-beta |x - xi^mu|^2)`` and ``Cov_w(xi) = sum_mu w_mu (xi^mu - xbar)(xi^mu - xbar)^T``,
``xbar = sum_mu w_mu xi^mu`` (from ``grad w_mu = 2 beta w_mu (xi^mu - xbar)``). Stationary points are the fixed
points ``x = xbar(x)``; a stationary point is a minimum where every eigenvalue of ``Cov_w`` is below ``1/(2 beta)``.
All results here are derived from these three lines (no published constants are used) and tested by direct
numerical minimisation and finite-difference Hessians.

* Two memories at ``±(D/2) e``: at the midpoint ``w = (1/2, 1/2)`` and ``Cov = (D/2)^2 e e^T``, so the Hessian
  eigenvalue along the axis is ``2 - beta D^2``: the midpoint is a minimum for ``beta < beta* = 2/D^2``. Above
  ``beta*`` the two minima sit on the axis at ``x = (D/2) u``, ``u > 0`` the root of ``u = tanh(beta D^2 u / 2)``
  (from ``x = (D/2)(w_+ - w_-)`` and ``w_+/w_- = exp(2 beta D x)``), which exists iff ``beta D^2/2 > 1``.
* ``K`` memories on a regular simplex at distance ``r`` from its centroid: at the centroid ``w`` is uniform and,
  by symmetry, ``Cov`` is isotropic on the ``(K-1)``-dimensional span with trace ``r^2``, i.e. ``r^2/(K-1)`` per
  direction; the centroid is a minimum iff ``beta < beta* = (K - 1)/(2 r^2)`` (``K = 2``, ``r = D/2``: ``2/D^2``).
* Memories uniformly dense on the unit circle (``xi = (cos theta, sin theta)``, ``K -> oo``, energy taken relative
  to ``beta^{-1} ln K``): with ``|x - xi|^2 = R^2 + 1 - 2 R cos theta``,

  .. math::

      E(R) = R^2 + 1 - \beta^{-1} \ln I_0(2 \beta R), \qquad
      E'(R) = 0 \iff R = \frac{I_1(2\beta R)}{I_0(2\beta R)} = \langle\cos\theta\rangle_w ,

  and since ``I_1(z)/I_0(z) = z/2 + O(z^3)`` is concave, a root ``R > 0`` (a ring of minima) exists iff ``beta > 1``:
  ``beta_c = 1``, and then the centre ``R = 0`` is a local maximum (``E''(0) = 2 - 2 beta``). The barrier between
  the ring and the centre is ``E(0) - E(R) = beta^{-1} ln I_0(2 beta R) - R^2``.

The landscape of many memories is in three modules beside this one: when two minima merge and how often for random
memories (:mod:`amphase.theory.lse_merging`: the pair criterion, merge probabilities on manifolds and for Gaussian
data, the pair-rule onset), how many minima K random memories on the circle have (:mod:`amphase.theory.
lse_circle_counts`: gap statistics, the Rice limit of the ring, flatness) and the Monte Carlo of the ring profile
(:mod:`amphase.theory.lse_circle_profile`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.optimize import brentq
from scipy.special import logsumexp

from amphase.theory.bessel import bessel_ratio, bessel_ratio_derivative, log_i0

__all__ = [
    "CircleRing",
    "PairMinima",
    "SimplexCentroid",
    "circle_energy",
    "circle_ring",
    "energy",
    "gradient",
    "hessian",
    "pair_midpoint_beta",
    "pair_minima",
    "regular_simplex",
    "simplex_centroid_beta",
]


def energy(x: np.ndarray, memories: np.ndarray, beta: float) -> float:
    """``E(x) = -beta^{-1} ln sum_mu exp(-beta |x - xi^mu|^2)`` (no ``ln K`` subtracted)."""
    d2 = np.sum((np.asarray(memories) - np.asarray(x)) ** 2, axis=1)
    return float(-logsumexp(-beta * d2) / beta)


def _weights(x: np.ndarray, memories: np.ndarray, beta: float) -> np.ndarray:
    logw = -beta * np.sum((memories - x) ** 2, axis=1)
    return np.exp(logw - logsumexp(logw))


def gradient(x: np.ndarray, memories: np.ndarray, beta: float) -> np.ndarray:
    """``grad E = 2 (x - sum_mu w_mu xi^mu)``."""
    memories = np.asarray(memories, dtype=float)
    return 2.0 * (np.asarray(x, dtype=float) - _weights(x, memories, beta) @ memories)


def hessian(x: np.ndarray, memories: np.ndarray, beta: float) -> np.ndarray:
    """``2 I - 4 beta Cov_w(xi)``."""
    memories = np.asarray(memories, dtype=float)
    w = _weights(np.asarray(x, dtype=float), memories, beta)
    c = memories - w @ memories
    return 2.0 * np.eye(memories.shape[1]) - 4.0 * beta * (c.T * w) @ c


def pair_midpoint_beta(D: float) -> float:
    """``beta* = 2/D^2``: the midpoint of two memories at distance ``D`` is a minimum below it."""
    return 2.0 / D / D  # D * D may underflow to 0: inf, not a ZeroDivisionError


class PairMinima(NamedTuple):
    """The minima of two memories at ``±D/2`` along an axis."""

    x: float
    barrier: float
    curvature: float


def _pair_energy(x: float, D: float, beta: float) -> float:
    h = D / 2.0
    return float(-np.logaddexp(-beta * (x - h) ** 2, -beta * (x + h) ** 2) / beta)


def pair_minima(D: float, beta: float) -> PairMinima:
    """Position ``x > 0`` of the two minima (``0``: the single midpoint minimum), the barrier, the curvature there.

    ``x = (D/2) u`` with ``u = tanh(beta D^2 u / 2)``; barrier ``E(0) - E(x)``; curvature along the axis
    ``2 - beta D^2 (1 - u^2)`` (``2 - 4 beta Var_w``, ``Var_w = (D/2)^2 (1 - u^2)``).
    """
    g = beta * D * D / 2.0
    u = brentq(lambda v: v - math.tanh(g * v), 1e-300, 1.0, xtol=1e-15, rtol=4 * np.finfo(float).eps) if g > 1 else 0.0
    x = D / 2.0 * u
    if g < 1e100:  # the energies and 1 - u^2 in the float range
        return PairMinima(x, _pair_energy(0.0, D, beta) - _pair_energy(x, D, beta), 2.0 - beta * D * D * (1.0 - u * u))
    # far apart: u = 1 to double precision, E(0) - E(x) = (D/2)^2 - ln(2)/beta (inf beyond the float range), and
    # beta D^2 (1 - u^2) = 2 g sech^2(g) < 1e-300: the curvature is 2
    return PairMinima(x, (D / 2.0) * (D / 2.0) - math.log(2.0) / beta, 2.0)


class SimplexCentroid(NamedTuple):
    """Where the centroid of a regular simplex of memories stops being a minimum."""

    beta_star: float
    edge: float


def simplex_centroid_beta(K: int, r: float = 1.0) -> float:
    """``beta* = (K - 1)/(2 r^2)``: the centroid of a regular ``K``-simplex of circumradius ``r`` is a minimum below."""
    return (K - 1) / 2.0 / r / r  # r * r may underflow to 0: inf, not a ZeroDivisionError


def regular_simplex(K: int, r: float = 1.0) -> np.ndarray:
    """Vertices of a regular simplex with ``K`` vertices at distance ``r`` from the origin, as ``(K, K)`` rows."""
    v = np.eye(K) - 1.0 / K
    return r * v / np.linalg.norm(v[0])


class CircleRing(NamedTuple):
    """Ring of minima of the dense circle of memories."""

    R: float
    barrier: float
    beta_c: float
    curvature: float


def circle_energy(R: float, beta: float) -> float:
    """Continuum energy ``R^2 + 1 - beta^{-1} ln I_0(2 beta R)`` (relative to ``beta^{-1} ln K``)."""
    return R * R + 1.0 - log_i0(2.0 * beta * R) / beta


_bessel_ratio = bessel_ratio


def circle_ring(beta: float) -> CircleRing:
    """Radius ``R(beta)`` of the ring of minima (0 for ``beta <= 1``), barrier ``E(0) - E(R)``, ``beta_c = 1``.

    ``R = I_1(2 beta R)/I_0(2 beta R)``; radial curvature ``E''(R) = 2 - 4 beta A'(2 beta R)`` with ``A = I_1/I_0``,
    ``A'(z) = 1 - A/z - A^2``.
    """
    if beta <= 1.0:
        return CircleRing(0.0, 0.0, 1.0, 2.0 - 2.0 * beta)
    R = brentq(lambda s: s - _bessel_ratio(2.0 * beta * s), 1e-12, 1.0, xtol=1e-15, rtol=4 * np.finfo(float).eps)
    z = 2.0 * beta * R
    return CircleRing(
        R, circle_energy(0.0, beta) - circle_energy(R, beta), 1.0, 2.0 - 4.0 * beta * bessel_ratio_derivative(z)
    )
