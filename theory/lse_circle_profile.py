r"""Monte Carlo of the ring profile of K random memories on the unit circle: minima counts and the ring's spread.

The model and its limits in :mod:`amphase.theory.lse_circle_counts`; conventions in
:mod:`amphase.theory.lse_landscape`. :func:`circle_profile_counts` samples the angles and counts the maxima of the
profile (minima of the energy), own and spurious by :data:`~amphase.theory.lse_merging.OWN_WEIGHT`;
:func:`circle_ring_spread` the spread of the ring minima. Derived in this project.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.special import ive

from amphase.progress import steps
from amphase.theory.bessel import bessel_ratio
from amphase.theory.lse_circle_counts import (
    _bessel_coefficients,
)
from amphase.theory.lse_landscape import circle_ring
from amphase.theory.lse_merging import (
    OWN_WEIGHT,
)

__all__ = ["CircleProfileCounts", "RingSpread", "circle_profile_counts", "circle_ring_spread"]


class CircleProfileCounts(NamedTuple):
    """Monte Carlo means (and standard errors) of the ring-profile model of :func:`circle_profile_counts`."""

    minima: float
    minima_error: float
    own: float
    own_error: float
    spurious: float
    spurious_error: float


def _ring_profile(theta: np.ndarray, c: np.ndarray, grid: int) -> tuple[np.ndarray, np.ndarray]:
    """``S(t) = sum_mu exp(kappa (cos(t - theta_mu) - 1))`` on ``grid`` points and the mask of its maxima.

    ``theta`` (B, K) angles, ``c`` the coefficients ``I_m(kappa) e^{-kappa}`` (:func:`_bessel_coefficients`). A
    maximum is flagged at ``j`` when ``S'`` changes sign from + to - between grid points ``j`` and ``j + 1``.
    """
    B = theta.shape[0]
    M = len(c)
    z = np.exp(-1j * theta)
    zm = np.ones_like(z)
    coef = np.empty((B, M), dtype=complex)
    for m in range(M):  # c_m = sum_mu exp(-i m theta_mu), by powers
        coef[:, m] = zm.sum(axis=1)
        zm *= z
    spec = np.zeros((B, grid // 2 + 1), dtype=complex)
    spec[:, :M] = c * coef
    S = np.fft.irfft(spec * grid, grid, axis=1)
    spec[:, :M] *= 1j * np.arange(M)
    dS = np.fft.irfft(spec * grid, grid, axis=1)
    up = dS > 0
    peak = up & ~np.roll(up, -1, axis=1)
    # at a maximum S'' < 0 needs one concave term, so S > exp(-1/2 - O(1/kappa)); where every term is tiny the sign
    # of S' (computed to ~1e-16 K) is rounding
    peak &= np.maximum(S, np.roll(S, -1, axis=1)) > 0.25
    return S, peak


def circle_profile_counts(
    K: int, beta: float, draws: int = 400, seed: int = 0, own_weight: float = OWN_WEIGHT, grid: int = 4096
) -> CircleProfileCounts:
    r"""Expected numbers of minima, own and spurious, of K random memories on the unit circle: the ring-profile model.

    Semi-analytic (Monte Carlo over the angles, ``draws`` sets from ``numpy.random.default_rng(seed)``, standard
    errors from their spread). The model keeps step 2 of :func:`ring_maxima_limit` at every K: the minima of E
    are taken to be the maxima of :math:`S_R(\theta) = \sum_\mu e^{\kappa\cos(\theta-\theta_\mu)}` on the ring,
    :math:`\kappa = 2\beta R(\beta)` (:func:`circle_ring`), computed exactly for each draw (Fourier series
    :math:`\sum_m I_m(\kappa) c_m e^{im\theta}`, :math:`c_m = \sum_\mu e^{-im\theta_\mu}`, truncated where
    :math:`I_m/I_0 < 10^{-17}`, the sign changes of :math:`S_R'` on ``grid`` points). A maximum is a memory's
    own when that memory's term is more than ``own_weight`` of :math:`S_R` there (the softmax weight at the point
    on the ring). What is exact and what is not:

    * K -> infinity: its mean tends to :func:`ring_maxima_limit` (same process, exact to leading order).
    * Small K: an isolated memory gives one maximum at its own angle; two merge when
      :math:`\kappa\sin^2(\Delta/2) = \cos(\Delta/2)` against the exact :math:`2\beta\sin^2(\Delta/2) = 1`
      (:func:`merge_distance`), the same to relative order :math:`\beta^{-2}` since
      :math:`R = 1 - 1/(4\beta) + O(\beta^{-2})`. Clusters of three or more and the next-nearest memories are
      included exactly within the model, which is where it improves on :func:`circle_gap_counts`.
    * Not exact: the minima of a merged cluster sit inside the ring at a radius between R and 1; the model fixes
      the radius at R. Checked against the full two-dimensional minima by the dense.lse simulations.
    """
    R = circle_ring(beta).R
    kappa = 2.0 * beta * R
    c = _bessel_coefficients(kappa)
    grid = max(int(grid), 8 * len(c))
    rng = np.random.default_rng(seed)
    n_min = np.empty(draws)
    n_own = np.empty(draws)
    batch = max(1, min(draws, 2_000_000 // max(K * len(c), grid)))
    with steps("dense.circle_minima", draws, "draws") as bar:
        for start in range(0, draws, batch):
            b = min(batch, draws - start)
            _profile_batch(rng, K, b, c, grid, kappa, own_weight, n_min[start : start + b], n_own[start : start + b])
            bar.advance(b)
    spur = n_min - n_own

    def mean_err(a: np.ndarray) -> tuple[float, float]:
        return float(a.mean()), float(a.std(ddof=1) / math.sqrt(len(a))) if len(a) > 1 else math.nan

    return CircleProfileCounts(*mean_err(n_min), *mean_err(n_own), *mean_err(spur))


def _profile_batch(
    rng: np.random.Generator,
    K: int,
    b: int,
    c: np.ndarray,
    grid: int,
    kappa: float,
    own_weight: float,
    n_min: np.ndarray,
    n_own: np.ndarray,
) -> None:
    """``b`` draws of :func:`circle_profile_counts`: their numbers of minima and of own minima, in place."""
    theta = rng.uniform(0.0, 2 * math.pi, (b, K))
    S, peak = _ring_profile(theta, c, grid)
    n_min[:] = peak.sum(axis=1)
    rows, cols = np.nonzero(peak)
    if len(rows):
        # the grid point of larger S of the two around the sign change; weight of the nearest memory there
        j = np.where(S[rows, cols] >= S[rows, (cols + 1) % grid], cols, (cols + 1) % grid)
        t = 2 * math.pi * j / grid
        top = np.exp(kappa * (np.cos(t[:, None] - theta[rows]) - 1.0)).max(axis=1)
        owned = top > own_weight * S[rows, j]
        n_own[:] = np.bincount(rows[owned], minlength=b)
    else:
        n_own[:] = 0


class RingSpread(NamedTuple):
    """Radial displacement of the minima of K random memories on the unit circle from the ring ``R(beta)``."""

    sigma: float
    offset: float
    sigma_minima: float


def circle_ring_spread(K: int, beta: float) -> RingSpread:
    r"""How far from the continuum ring ``R(beta)`` the minima of K random memories on the unit circle sit.

    Derived here, to first order in :math:`K^{-1/2}` (not in a paper). The radial condition :math:`E_r = 0` reads
    :math:`r = \rho(r, \theta) = \sum_\mu \cos\phi_\mu e^{2\beta r\cos\phi_\mu} / \sum_\mu e^{2\beta r\cos\phi_\mu}`,
    :math:`\phi_\mu = \theta_\mu - \theta`. With :math:`\rho = A(2\beta r) + \eta`, :math:`A = I_1/I_0`, the
    fluctuation at :math:`r = R`, :math:`\kappa = 2\beta R`, is :math:`\eta = \sum_\mu f(\phi_\mu)e^{\kappa\cos\phi_\mu}
    / (K I_0(\kappa)) + O(K^{-1})`, :math:`f = \cos\phi - A` (mean zero: :math:`\langle\cos\phi\,e^{\kappa\cos\phi}
    \rangle = I_1(\kappa)`), and linearising :math:`r - A(2\beta r) = \eta` about R gives
    :math:`\delta r = \eta/(1 - 2\beta A'(\kappa)) = 2\eta/E''(R)` (``curvature`` of :func:`circle_ring`).

    * ``sigma``: the rms of :math:`\delta r` at a given angle,
      :math:`\sigma = (2/E'')\sqrt{\langle f^2 e^{2\kappa\cos\phi}\rangle / K}/I_0(\kappa)` (uniform
      :math:`\phi`).
    * At the minima. They are the maxima in :math:`\theta` of :math:`X = \sum_\mu e^{\kappa\cos\phi_\mu}`
      (:func:`ring_maxima_limit`, steps 1-2), and :math:`\eta` is correlated with the curvature :math:`X''`
      there, through :math:`g = \kappa^2\sin^2\phi - \kappa\cos\phi` (:math:`\partial_\theta^2 e^{\kappa\cos\phi}
      = g\,e^{\kappa\cos\phi}`): :math:`C = \mathrm{Cov}(\eta, X'') \propto \langle f g\,e^{2\kappa\cos\phi}\rangle`,
      :math:`\lambda_4 = \mathrm{Var}X'' \propto \langle g^2 e^{2\kappa\cos\phi}\rangle`, while :math:`\eta` and
      :math:`X''` are uncorrelated with :math:`X'` (odd in :math:`\phi`). In the Gaussian limit (as in
      :func:`ring_maxima_limit`) the Kac-Rice weight makes :math:`-X''` Rayleigh-distributed at the maxima, mean
      :math:`\sqrt{\pi\lambda_4/2}`, variance :math:`(2 - \pi/2)\lambda_4`, so there
      :math:`\langle\eta\rangle = -C\sqrt{\pi/(2\lambda_4)}` and
      :math:`\mathrm{Var}\,\eta = \mathrm{Var}\,\eta_{\text{any }\theta} - (\pi/2 - 1)C^2/\lambda_4`.
      ``offset`` and ``sigma_minima`` are these, times :math:`2/E''`. :math:`C < 0`: the minima sit *outside* R,
      by about :math:`1.25\,\sigma` at :math:`\beta` = 3 to 10 (:math:`\eta` and :math:`-X''` are almost perfectly
      correlated, and :math:`\sqrt{\pi/2} = 1.2533`).

    The averages over :math:`\phi` are taken on a uniform grid (exact to rounding for these periodic integrands).
    Relative corrections are of order :math:`K^{-1/2}`. ``beta <= 1`` (no ring): NaN.
    """
    if isinstance(K, bool) or int(K) != K or K < 1:
        raise ValueError(f"K={K!r}: a whole number >= 1")
    ring = circle_ring(beta)
    if ring.R <= 0.0:
        return RingSpread(math.nan, math.nan, math.nan)
    kappa = 2.0 * beta * ring.R
    a = bessel_ratio(kappa)
    n = 4096 * max(1, math.ceil(math.sqrt(kappa) / 16))
    phi = 2 * math.pi * np.arange(n) / n
    w2 = np.exp(2.0 * kappa * (np.cos(phi) - 1.0))  # e^{2 kappa cos} e^{-2 kappa}, as I_0(kappa)^2 below
    f = np.cos(phi) - a
    g = kappa * kappa * np.sin(phi) ** 2 - kappa * np.cos(phi)
    var, cov, lam4 = float((f * f * w2).mean()), float((f * g * w2).mean()), float((g * g * w2).mean())
    i0 = float(ive(0, kappa))  # I_0(kappa) e^{-kappa}
    unit = 2.0 / (ring.curvature * i0 * math.sqrt(K))
    return RingSpread(
        unit * math.sqrt(var),
        -unit * cov * math.sqrt(math.pi / (2.0 * lam4)),
        unit * math.sqrt(max(var - (math.pi / 2.0 - 1.0) * cov * cov / lam4, 0.0)),
    )
