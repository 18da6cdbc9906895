r"""How many minima K random memories on the unit circle have at fixed ``beta > 1``: gaps, ring limit, flatness.

Conventions in :mod:`amphase.theory.lse_landscape`. Small K: the pair criterion with the exact statistics of the gaps
between uniform angles (:func:`circle_gap_counts`); large K: the minima of the ring profile as the maxima of a
smooth random function, by the Rice formula (:func:`ring_maxima_limit`, :func:`ring_curvature_scale`,
:func:`ring_flatness`; the segment: :func:`line_maxima_density`). The Monte Carlo of the ring profile between the
two is :mod:`amphase.theory.lse_circle_profile`. Derived in this project; Rice formula: S. O. Rice, Bell Syst. Tech.
J. 24, 46 (1945).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.special import ive

from amphase.params import fmt_value
from amphase.theory.lse_landscape import circle_ring
from amphase.theory.lse_merging import (
    OWN_WEIGHT,
    chord_angle,
    merge_distance,
)

__all__ = [
    "CircleGapCounts",
    "RingFlatness",
    "circle_gap_counts",
    "line_maxima_density",
    "ring_curvature_scale",
    "ring_flatness",
    "ring_maxima_limit",
]


class CircleGapCounts(NamedTuple):
    """Expected numbers of minima of K random memories on the circle from the pair criterion (small K)."""

    own: float
    minima: float
    spurious: float
    merge_angle: float
    own_angle: float


def circle_gap_counts(K: int, beta: float, own_weight: float = OWN_WEIGHT) -> CircleGapCounts:
    r"""Pair criterion with the exact statistics of the gaps between K uniform angles on the unit circle.

    The gaps :math:`(g_1, \dots, g_K)` of K uniform points are :math:`2\pi\,\mathrm{Dirichlet}(1, \dots, 1)`
    (uniform spacings), so for two of them :math:`P(g_i > a, g_j > b) = (1 - (a + b)/2\pi)_+^{K-1}` and for one
    :math:`P(g_i > a) = (1 - a/2\pi)_+^{K-1}` (exact). Two memories at angle :math:`\Delta` share one minimum when
    their chord :math:`2\sin(\Delta/2)` is below :func:`merge_distance` (exact for an isolated pair). The pair
    criterion (an approximation: it ignores memories beyond the nearest neighbours) then says

    * a memory has its own minimum iff both its gaps exceed the angle :math:`a_{own}` of ``merge_distance(beta,
      own_weight)``: :math:`E[n_{own}] = K (1 - a_{own}/\pi)^{K-1}`;
    * each run of memories linked by gaps below :math:`a` (``merge_distance(beta)``) holds one minimum, and the runs
      are ended by the gaps above :math:`a`: :math:`E[n_{min}] = K (1 - a/2\pi)^{K-1}` (the chance that no gap
      exceeds ``a``, when the whole ring is one run, is left out: there the criterion has failed anyway);
    * ``spurious = minima - own``.

    Good while runs of three or more are rare (``K a / 2 pi`` below about 1/2); beyond it long runs hold several
    minima and :func:`circle_profile_counts` takes over.
    """
    a = chord_angle(merge_distance(beta))
    a_own = chord_angle(merge_distance(beta, own_weight))
    if K == 1:
        return CircleGapCounts(1.0, 1.0, 0.0, a, a_own)
    own = K * max(1.0 - a_own / math.pi, 0.0) ** (K - 1)
    minima = K * max(1.0 - a / (2 * math.pi), 0.0) ** (K - 1)
    return CircleGapCounts(own, minima, minima - own, a, a_own)


def _bessel_coefficients(kappa: float, rel: float = 1e-17) -> np.ndarray:
    """``I_m(kappa) e^{-kappa}`` for ``m = 0, 1, ...`` while above ``rel`` times the first."""
    m_max = int(10 + 12 * math.sqrt(kappa + 1.0))
    c = ive(np.arange(m_max + 1), kappa)
    keep = np.nonzero(c >= rel * c[0])[0]
    return c[: int(keep.max()) + 1]


def ring_maxima_limit(kappa: float) -> float:
    r"""Expected number of maxima on the circle of the Gaussian process of the ring (Rice formula).

    The process has covariance :math:`\sum_{m \ne 0} I_m(\kappa)^2 e^{im\Delta}`; the count is
    :math:`\sqrt{\lambda_4/\lambda_2}`, :math:`\lambda_k = \sum_{m \ge 1} m^k I_m(\kappa)^2`.

    Derivation (the K -> infinity limit of the number of minima of K random memories on the unit circle).

    1. *Reduction to the ring.* In polar coordinates :math:`x = r(\cos\theta, \sin\theta)`,
       :math:`E(r, \theta) = r^2 + 1 - \beta^{-1}\ln S_r(\theta)`,
       :math:`S_r(\theta) = \sum_\mu e^{2\beta r\cos(\theta - \theta_\mu)}`. Where :math:`E_{rr} > 0` has a unique
       root :math:`r^*(\theta)` of :math:`E_r = 0` near the ring, the stationary points of :math:`E` are those of
       the profile :math:`F(\theta) = E(r^*(\theta), \theta)`, and a stationary point is a minimum of :math:`E` iff
       it is one of :math:`F`: :math:`F'' = E_{\theta\theta} - E_{r\theta}^2/E_{rr}` is the Schur complement, so
       :math:`\det \nabla^2 E = E_{rr} F''` (up to the metric factor). The radial direction therefore destroys
       no minimum and makes none, as long as the radial curvature (:func:`circle_ring`, ``curvature``, positive
       for every ``beta > 1``) stays positive.
    2. *Leading order.* :math:`S_r = K I_0(2\beta r) + \delta S_r` with :math:`\delta S = O(\sqrt K)`, so
       :math:`r^* = R + O(K^{-1/2})` and :math:`F(\theta) = \mathrm{const} - \beta^{-1}\delta S_R(\theta)/(K
       I_0(\kappa)) + O(K^{-1})`, :math:`\kappa = 2\beta R`: the mean is flat, the minima of :math:`F` are the
       maxima of the fluctuation :math:`\delta S_R`, and their number depends on its shape only (no power of K).
    3. *Gaussian limit.* :math:`e^{\kappa\cos\phi} = \sum_m I_m(\kappa)e^{im\phi}` and the angles are i.i.d.
       uniform, so :math:`\mathrm{Cov}(\delta S(\theta), \delta S(\theta')) = K\sum_{m\ne0}I_m(\kappa)^2
       e^{im(\theta-\theta')}`; by the central limit theorem :math:`\delta S/\sqrt K` tends to the stationary
       Gaussian process with this covariance.
    4. *Rice formula* (Rice 1945; e.g. Adler & Taylor, *Random Fields and Geometry*, 2007, Ch. 11): a smooth
       stationary Gaussian process with spectral moments :math:`\lambda_2, \lambda_4` has
       :math:`\sqrt{\lambda_4/\lambda_2}/(2\pi)` maxima per unit length; on the circle, length :math:`2\pi`.

    The number of minima tends to this K-independent constant; none sits on a memory (the ring lies at ``R < 1``).
    For large ``kappa``, :math:`I_m(\kappa) \approx I_0(\kappa) e^{-m^2/2\kappa}` gives
    :math:`\sqrt{3\kappa/2}` (``line_maxima_density`` times the length ``2 pi``), used above ``kappa = 1e5``.
    Steps 1 to 3 are derived here; corrections at finite K (skewness of :math:`\delta S`, second-order radial
    terms) are of relative order :math:`K^{-1/2}` or smaller and not computed.
    """
    if kappa > 1e5:  # asymptotic form; relative error O(1/kappa)
        return math.sqrt(1.5 * kappa)
    c = _bessel_coefficients(kappa)
    m = np.arange(len(c), dtype=float)[1:]
    c2 = c[1:] ** 2
    return float(math.sqrt((m**4 * c2).sum() / (m**2 * c2).sum()))


def ring_curvature_scale(kappa: float) -> float:
    r""":math:`\lambda_4 = \sum_{m \ne 0} m^4 (I_m(\kappa)/I_0(\kappa))^2`, the variance of :math:`g''` on the ring.

    :math:`g(\theta) = \delta S_R(\theta)/(\sqrt K I_0(\kappa))` is the normalised fluctuation of
    :func:`ring_maxima_limit` (step 3), whose covariance is :math:`\sum_{m\ne0}(I_m/I_0)^2 e^{im\Delta}`.
    """
    if not (kappa > 0 and math.isfinite(kappa)):
        raise ValueError(f"kappa={kappa!r}: a finite number > 0")
    if kappa > 1e5:  # I_m/I_0 ~ exp(-m^2/2 kappa): 2 sum m^4 e^(-m^2/kappa) = (3/4) sqrt(pi) kappa^(5/2), O(1/kappa)
        return 0.75 * math.sqrt(math.pi) * kappa**2.5
    c = _bessel_coefficients(kappa)
    m = np.arange(len(c), dtype=float)[1:]
    return float(2.0 * (m**4 * (c[1:] / c[0]) ** 2).sum())


class RingFlatness(NamedTuple):
    """How flat the minima of K random memories on the circle's ring are (:func:`ring_flatness`)."""

    R: float
    kappa: float
    lambda4: float
    median_curvature: float
    flat_fraction: float
    K_half: float


def ring_flatness(K: float, beta: float, lam_flat: float) -> RingFlatness:
    r"""Tangential Hessian eigenvalues of the ring minima of K random unit-circle memories, and the flat fraction.

    Derived here (large K), continuing :func:`ring_maxima_limit`: the profile is
    :math:`F(\theta) = \mathrm{const} - g(\theta)/(\beta\sqrt K)` with :math:`g` the stationary Gaussian process
    of variance-of-curvature :math:`\lambda_4` (:func:`ring_curvature_scale`), so at a minimum of F the tangential
    eigenvalue of :math:`\nabla^2 E` (arc length :math:`R\theta`; the radial curvature is O(1), so the small
    eigenvalue is :math:`F''/R^2` to leading order) is :math:`\lambda_t = u/(\beta R^2\sqrt K)`, where
    :math:`u = -g''` at the maxima of g. By Rice's formula, :math:`g'` and :math:`g''` being independent for a
    stationary process, u at maxima has the Rayleigh density :math:`(u/\lambda_4)e^{-u^2/2\lambda_4}`. Hence

    .. math::

        P(\lambda_t \le \lambda_{flat}) = 1 - \exp\Big(-\frac{K (\beta R^2 \lambda_{flat})^2}{2\lambda_4}\Big),
        \qquad K_{1/2} = \frac{2\ln 2\,\lambda_4}{(\beta R^2\lambda_{flat})^2},

    and the median eigenvalue is :math:`\sqrt{2\ln2\,\lambda_4}/(\beta R^2\sqrt K)`. The eigenvalues fall as
    :math:`K^{-1/2}`: a ring of random memories flattens slowly, unlike evenly spaced ones (exponentially in K).
    This counts minima, not samples: samples prefer the wider basins, which are the flatter minima, so the sampled
    fraction runs somewhat ahead of it (the simulations' median eigenvalue at beta = 20 is 20-30 % below the
    prediction for K = 512-8192).

    Parameters
    ----------
    K : float
        Number of memories (> 0).
    beta : float
        Inverse temperature (> 1: below it there is no ring).
    lam_flat : float
        Eigenvalue below which a direction counts as flat (> 0).
    """
    if not (K > 0 and math.isfinite(K)):
        raise ValueError(f"K={K!r}: a finite number > 0")
    if not (beta > 1 and math.isfinite(beta)):
        raise ValueError(f"beta={fmt_value(beta)}: the ring exists for beta > 1 only")
    if not (lam_flat > 0 and math.isfinite(lam_flat)):
        raise ValueError(f"lam_flat={lam_flat!r}: a finite number > 0")
    R = circle_ring(beta).R
    kappa = 2.0 * beta * R
    lam4 = ring_curvature_scale(kappa)
    a = beta * R * R
    median = math.sqrt(2.0 * math.log(2.0) * lam4) / (a * math.sqrt(K))
    frac = -math.expm1(-K * (a * lam_flat) ** 2 / (2.0 * lam4))
    k_half = 2.0 * math.log(2.0) * lam4 / (a * lam_flat) ** 2
    return RingFlatness(R, kappa, lam4, median, frac, k_half)


def line_maxima_density(beta: float) -> float:
    r"""Maxima per unit length for dense uniform memories on a line: :math:`\sqrt{3\beta}/(2\pi)`.

    They are the maxima of the fluctuation of :math:`\sum_\mu e^{-\beta (s - s_\mu)^2}`.

    The covariance is :math:`\propto \int e^{-\beta(s-y)^2 - \beta(s'-y)^2}dy \propto e^{-\beta(s-s')^2/2}`, with
    :math:`\lambda_2 = \beta`, :math:`\lambda_4 = 3\beta^2`; Rice formula as in :func:`ring_maxima_limit` (a line
    has no transverse displacement: the Hessian across it is 2).
    """
    return math.sqrt(3.0 * beta) / (2.0 * math.pi)
