r"""Where the attractors of the exact score stop being isolated: the generalization onset and the barrier law.

An attractor of :math:`p_t` is *isolated* when :math:`\beta_t\Delta E \ge \tau` (default :math:`\tau = 1`: the
density drops by more than a factor e between it and its nearest neighbour across the lowest saddle), since
:math:`-\ln p_t = \beta_t E_t + \mathrm{const}` (:func:`~amphase.theory.diffusion.quantities.noise_beta`). For K
training points uniform on a circle, a sphere :math:`S^2` or a segment, the law of :math:`\beta\Delta E` is derived in
:mod:`amphase.theory.lse_barriers` (the profile, its one scale, the sparse and dense limits) and evaluated at finite
K in :mod:`amphase.theory.lse_barrier_sample`. The quantities here:

* ``diffusion.generalization_onset``: the K where half of the minima have :math:`\beta\Delta E < \tau`, beside the
  pair-rule merging onsets of :func:`~amphase.theory.diffusion.quantities.spurious_onset` that end memorization;
* ``diffusion.barrier_law``: at one K, the numbers the phase-diagram figure draws (minima per landscape and their
  Rice limit, the fraction below :math:`\tau`, the median :math:`\beta\Delta E` and the median lowest tangential
  curvature, each beside its dense-limit :math:`K^{-1/2}` law).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from amphase.theory import lse_barrier_sample as bs
from amphase.theory import lse_barriers as lb
from amphase.theory import lse_circle_counts as lc
from amphase.theory import lse_merging as lm
from amphase.theory.cost import MIB, Cost
from amphase.theory.diffusion.conventions import PHAM25
from amphase.theory.diffusion.onset_quantities import _beta
from amphase.theory.registry import Choice, Param, Result, quantity

__all__ = [
    "DENSE_BARRIER_MEDIAN",
    "BarrierLaw",
    "DenseLaws",
    "GeneralizationOnset",
    "barrier_law",
    "dense_laws",
    "generalization_onset",
]

#: median barrier of the unit Gaussian field (covariance exp(-|du|^2/2)) at its maxima, (value, standard error):
#: ``lse_barriers.dense_barriers(1, draws=4000, length=64, h=0.025, seed=1)`` and
#: ``dense_barriers(2, draws=200, length=32, h=0.1, seed=1)`` (Monte Carlo; bootstrap errors over fields).
DENSE_BARRIER_MEDIAN = {1: (0.767, 0.005), 2: (0.383, 0.006)}

DERIVED = (
    "derived in amphase.theory.lse_barriers (profile, one scale, sparse and dense limits; Monte Carlo at finite K)"
)

_PARAMS = [
    Param("sigma", "noise level sigma_t (beta = 1/(2 sigma^2)); give sigma or beta", lower=0.0),
    Param("beta", "inverse temperature of the LSE energy; give beta or sigma", lower=0.0),
    Choice("manifold", "where the K training points lie, uniformly at random (sphere: S^2 in d = 3)", bs.MANIFOLDS),
    Param("scale", "radius of the circle or sphere, length of the line segment", lower=0.0, lower_open=True),
    Param("threshold", "isolated when beta * Delta E >= threshold (1: a factor e in density)", lower=0.01, upper=50.0),
    Param("draws", "Monte Carlo landscapes per K (seed 0)", lower=20, upper=10**5, integer=True),
]


def _b(sigma: Any, beta: Any) -> Any:
    """beta, or 1/(2 sigma^2) where sigma is given (broadcast over grids)."""
    sigma = np.asarray(sigma, dtype=float)
    with np.errstate(divide="ignore"):
        from_sigma = np.where(sigma > 0, 1.0 / (2.0 * sigma**2), 1.0)  # neither given: refused by the function itself
    return np.where(np.asarray(beta) > 0, beta, from_sigma)


def _law_cost(K: Any, sigma: Any, beta: Any, manifold: Any, scale: Any, threshold: Any, draws: Any) -> Cost:
    """Declared cost of diffusion.barrier_law: upper estimates.

    Measured on the 2-core machine (load 7): circle K = 16, beta = 10, 400 draws 1.3 s; K = 4096 1.9 s; beta = 40
    1.5 s; sphere K = 64, beta = 10, 100 draws 2.6 s; about 300 MB resident with the libraries.
    """
    b = _b(sigma, beta)
    sphere = np.asarray(manifold) == "sphere"
    flat = draws / 400.0 * 2.0 * (1.0 + b / 20.0) + 1e-6 * K * draws
    two_d = draws / 100.0 * 4.0 * np.maximum(1.0, b / 10.0) ** 2 + 1e-5 * K * draws
    return Cost(memory=np.where(sphere, 256 * MIB * np.maximum(1.0, b / 40.0), 256 * MIB),
                seconds=np.where(sphere, two_d, flat))  # fmt: skip


def _onset_cost(sigma: Any, beta: Any, manifold: Any, scale: Any, threshold: Any, draws: Any) -> Cost:
    """Declared cost of diffusion.generalization_onset: upper estimates.

    Measured on the 2-core machine (load 7): circle beta = 5 / 40, 400 draws, 1.2 / 5.8 s; sphere
    beta = 10, 100 draws 3.2 s, beta = 40, 200 draws 292 s (the scan over K grows with beta).
    """
    b = _b(sigma, beta)
    sphere = np.asarray(manifold) == "sphere"
    flat = draws / 400.0 * 2.0 * (1.0 + b / 10.0) + 1.0
    two_d = draws / 100.0 * 4.0 * np.maximum(1.0, b / 10.0) ** 3 + 5.0
    return Cost(memory=np.where(sphere, 256 * MIB * np.maximum(1.0, b / 40.0), 256 * MIB),
                seconds=np.where(sphere, two_d, flat))  # fmt: skip


def _setup(sigma: float, beta: float, manifold: str, scale: float) -> tuple[float, lb.ScaledDensity, int]:
    from amphase.errors import NoSolutionError

    b = _beta(sigma, beta)
    sd = lb.scaled_density(1.0, b, manifold, scale)
    if not sd.R > 0:
        raise NoSolutionError(f"beta scale^2 = {b * scale * scale}: no shell of minima on the {manifold}")
    return b, sd, 2 if manifold == "sphere" else 1


def _minima_limit(sd: lb.ScaledDensity, manifold: str) -> float:
    if manifold == "circle":
        return lc.ring_maxima_limit(sd.kappa)
    return lb.DENSE_MINIMA[2 if manifold == "sphere" else 1] * sd.volume


class GeneralizationOnset(NamedTuple):
    """The generalization onset beside the merging onsets."""

    beta: float
    K_gen: float
    K_gen_error: float
    nu_gen: float
    K_dense: float
    K_merge: float
    K_memory_half: float
    minima_limit: float


@quantity(
    "diffusion.generalization_onset",
    params=_PARAMS,
    results=[
        Result("beta", "inverse temperature used, 1/(2 sigma^2) or the beta given"),
        Result(
            "K_gen",
            "K at which half of the minima have beta Delta E < threshold (Monte Carlo of the profile)",
            absent="no shell of minima (beta scale^2 <= 1 circle, 3/2 sphere)",
        ),
        Result("K_gen_error", "Monte Carlo standard error of K_gen"),
        Result("nu_gen", "K_gen in points per unit u^n (the landscape's own unit; tends to a constant at large beta)"),
        Result("K_dense", "the dense-limit (Gaussian field, K^-1/2) law's K: below K_gen where that law is poor"),
        Result("K_merge", "K at which one merged pair (one spurious minimum) is expected: diffusion.spurious_onset"),
        Result("K_memory_half", "K at which half of the points have lost their own minimum (pair rule, weight 1/2)"),
        Result("minima_limit", "minima as K -> infinity (Rice; sphere and line: flat limit, ends ignored)"),
    ],
    reference=f"{PHAM25}; {DERIVED}",
    cost=_onset_cost,
)
def generalization_onset(
    sigma: float = 0.0,
    beta: float = 0.0,
    manifold: str = "circle",
    scale: float = 1.0,
    threshold: float = 1.0,
    draws: int = 400,
) -> GeneralizationOnset:
    r"""The K where half of the attractors stop being isolated (:math:`\beta\Delta E < \tau`), beside merging (derived).

    ``K_gen``: the pooled fraction of minima with :math:`\beta\Delta E < \tau` crosses 1/2
    (:func:`~amphase.theory.lse_barrier_sample.onset`: ``draws`` landscapes per K, seed 0, the profile of
    :mod:`~amphase.theory.lse_barriers` item 1 on a fine grid). Approximations: the radius held at the shell R on
    the circle and sphere (item 1; the segment is exact), the grid (below 1e-3 in :math:`\beta\Delta E` on curves,
    about 1e-2 on :math:`S^2`), Monte Carlo (``K_gen_error``). By item 2,
    :math:`K_{gen} = \nu_{gen}|S^n|(\kappa/2)^{n/2}` with :math:`\nu_{gen}` a function of :math:`\tau` alone as
    :math:`\beta\to\infty`: :math:`K_{gen}\propto\sqrt\beta` on the circle, :math:`\propto\beta` on
    :math:`S^2`, :math:`\propto L\sqrt\beta` on a segment. Evaluated (1000 landscapes per K, circle):
    :math:`\nu_{gen}` = 0.337, 0.371, 0.370, 0.378, 0.381 (errors about 0.01) at :math:`\beta` = 5, 10, 20, 40, 80
    for :math:`\tau = 1`; 0.210, 0.207, 0.212, 0.210, 0.208 for :math:`\tau = 2`; 0.92, 0.99, 0.97, 1.02, 1.01 for
    :math:`\tau = 1/2`; at :math:`\beta = 1000` (the flat limit to 1e-3) :math:`\nu_{gen}(1) = 0.391 \pm 0.007`
    (400 landscapes per K). So :math:`K_{gen} \approx 2\pi\nu^*(\tau)\sqrt{\beta R}`, :math:`\nu^*(1) = 0.39`,
    approached from below by 14 % at :math:`\beta = 5` and 3 % at :math:`\beta = 80`. On :math:`S^2`,
    :math:`\nu_{gen}` = 0.055, 0.052, 0.048 at :math:`\beta` = 10, 20, 40 (200 landscapes per K; :math:`K_{gen}`
    = 6.5, 12.7, 23.9). At :math:`\tau = 1` the onset lies where a correlation length :math:`\sqrt{2/\kappa}`
    holds about 0.4 points (circle).

    ``K_dense``: where the dense law of item 4 puts the median at :math:`\tau`: circle
    :math:`(h_{1/2}(\kappa)/\tau)^2`, :math:`h_{1/2}` the median barrier of the ring's Gaussian field
    (:func:`~amphase.theory.lse_barriers.ring_dense_barriers`, Monte Carlo); sphere and line
    :math:`\sigma_\nu m_n = \tau` with the flat field's median :math:`m_n` (:data:`DENSE_BARRIER_MEDIAN`). It is a
    lower bound in practice: at the onset the relative fluctuation of the profile is of order one and the dense law
    underestimates the barriers: ``K_gen/K_dense`` is 1.5-1.6 on the circle (beta 5-40), 2.1-2.3 on S^2 (10-40).
    On the circle the dense law is checked to K = 16384 (tests: the ring field's median, Rice's count and curvature
    law). On S^2 only the flat constants are checked (on a periodic plane): at :math:`\beta = 10`
    (:math:`\kappa = 19`) the sampled sphere's median barrier and curvature lie 25-35 % below the flat law at
    K = 250-4000, not explained here (finite-:math:`\kappa` corrections on :math:`S^2` are not derived).

    ``K_merge``, ``K_memory_half``: the pair rule of :func:`~amphase.theory.diffusion.quantities.spurious_onset`
    (:func:`~amphase.theory.lse_merging.pair_rule_onset`) with the merging distance :math:`\sqrt{2/\beta}` for both
    (a pair closer than it shares one minimum owned by neither, weight 1/2): the first spurious minimum, and where
    half of the points have lost their own minimum. ``minima_limit``: circle
    :func:`~amphase.theory.lse_circle_counts.ring_maxima_limit`; sphere :math:`\kappa/\sqrt3` and segment
    :math:`\sqrt{3\beta}L/(2\pi)` (:data:`~amphase.theory.lse_barriers.DENSE_MINIMA` times the volume; flat limit,
    ends ignored). On :math:`S^2` the flat density misses the topology: a Morse function there has
    #minima - #saddles + #maxima = 2 (on a plane the flat density gives 0), which adds of order one minimum; measured
    12.25 +- 0.36 minima at :math:`\beta = 10`, K = 4000, against :math:`\kappa/\sqrt3 = 10.94`.
    """
    b, sd, n = _setup(sigma, beta, manifold, scale)
    on = bs.onset(b, manifold, threshold, scale, draws)
    if manifold == "circle":
        k_dense = (lb.ring_dense_barriers(sd.kappa, draws=draws).median / threshold) ** 2
    else:
        nu = (DENSE_BARRIER_MEDIAN[n][0] / threshold) ** 2 / (2.0 * math.pi) ** (n / 2.0)
        k_dense = nu * sd.volume
    D = lm.merge_distance(b)
    p = lm.merge_probability(D, manifold, scale, n)
    pr = lm.pair_rule_onset(p, p)
    return GeneralizationOnset(b, on.K, on.K_error, on.nu, k_dense, pr.K_onset, pr.K_half, _minima_limit(sd, manifold))


class BarrierLaw(NamedTuple):
    """The barrier law at one K: Monte Carlo values with their errors beside the dense (K^-1/2) laws."""

    minima: float
    minima_error: float
    minima_limit: float
    fraction: float
    fraction_error: float
    median_barrier: float
    median_barrier_error: float
    dense_median_barrier: float
    median_curvature: float
    median_curvature_error: float
    dense_median_curvature: float
    nu: float


@quantity(
    "diffusion.barrier_law",
    params=[Param("K", "number of training points", lower=1, upper=10**5, integer=True), *_PARAMS],
    results=[
        Result("minima", "minima per landscape (Monte Carlo mean)"),
        Result("minima_error", "its standard error"),
        Result("minima_limit", "minima as K -> infinity (Rice)"),
        Result("fraction", "fraction of minima with beta Delta E < threshold (pooled)"),
        Result("fraction_error", "its standard error (delta method over landscapes)"),
        Result("median_barrier", "median beta Delta E over the minima"),
        Result("median_barrier_error", "its standard error (bootstrap over landscapes)"),
        Result("dense_median_barrier", "the dense law's median beta Delta E (falls as K^-1/2)"),
        Result("median_curvature", "median lowest tangential Hessian eigenvalue of E at the minima"),
        Result("median_curvature_error", "its standard error (bootstrap over landscapes)"),
        Result("dense_median_curvature", "the dense law's median curvature (Rice / Kac-Rice; falls as K^-1/2)"),
        Result("nu", "points per unit u^n"),
    ],
    reference=f"{PHAM25}; {DERIVED}; Rice formula (S. O. Rice, Bell Syst. Tech. J. 24, 46 (1945))",
    cost=_law_cost,
)
def barrier_law(
    K: int,
    sigma: float = 0.0,
    beta: float = 0.0,
    manifold: str = "circle",
    scale: float = 1.0,
    threshold: float = 1.0,
    draws: int = 400,
) -> BarrierLaw:
    r"""Minima, barriers and curvatures of K random training points at one noise level (derived; Monte Carlo).

    Monte Carlo values from :func:`~amphase.theory.lse_barrier_sample.sample_landscapes` (``draws`` landscapes,
    seed 0). Dense laws (:mod:`~amphase.theory.lse_barriers` item 4), exact in law as :math:`K\to\infty`: median
    :math:`\beta\Delta E` = :math:`h_{1/2}(\kappa)/\sqrt K` on the circle (the ring field, Monte Carlo),
    :math:`\sigma_\nu m_n` on the sphere and segment; median curvature :math:`\sigma_\nu\mu_{1/2}/R`
    (:func:`~amphase.theory.lse_barriers.dense_curvature_median`; R = 1 on the segment; on the circle the ring's
    own law, :func:`~amphase.theory.lse_circle_counts.ring_flatness`), with
    :math:`\sigma_\nu = (\nu(2\pi)^{n/2})^{-1/2}`. Sparse side: every minimum a point's own, with curvature 2.
    """
    b, sd, _ = _setup(sigma, beta, manifold, scale)
    s = bs.sample_landscapes(K, b, manifold, scale, draws)
    m = s.counts.mean()
    m_err = s.counts.std(ddof=1) / math.sqrt(len(s.counts))
    f, f_err = bs.fraction_below(s, threshold)
    med, med_err = bs.median_barrier(s)
    cmed, cmed_err = bs.median_barrier(s, s.curvature)
    dense = dense_laws(K, b, manifold, scale, draws)
    return BarrierLaw(m, m_err, dense.minima_limit, f, f_err, med, med_err, dense.median_barrier, cmed, cmed_err,
                      dense.median_curvature, K / sd.volume)  # fmt: skip


class DenseLaws(NamedTuple):
    """The dense-limit laws at one K (no Monte Carlo of landscapes; :func:`dense_laws`)."""

    minima_limit: float
    median_barrier: float
    median_curvature: float


def dense_laws(K: int, beta: float, manifold: str = "circle", scale: float = 1.0, draws: int = 400) -> DenseLaws:
    r"""The threshold-free laws of K random points as :math:`K\to\infty` at fixed :math:`\beta` (derived).

    The lines :func:`barrier_law` draws beside its Monte Carlo, without it: the number of minima's Rice limit
    (``minima_limit`` of :func:`generalization_onset`), the median :math:`\beta\Delta E` of the dense law
    (circle :math:`h_{1/2}(\kappa)/\sqrt K`, :math:`h_{1/2}` the median barrier of the ring's Gaussian field,
    :func:`~amphase.theory.lse_barriers.ring_dense_barriers` with ``draws`` fields, seed 0; sphere and segment
    :math:`\sigma_\nu m_n`, :data:`DENSE_BARRIER_MEDIAN`) and the median lowest tangential curvature (circle
    :func:`~amphase.theory.lse_circle_counts.ring_flatness`; else :math:`\sigma_\nu\mu_{1/2}/R`), with
    :math:`\sigma_\nu = (\nu(2\pi)^{n/2})^{-1/2}` and :math:`\nu = K/|S^n|(\kappa/2)^{n/2}`: both fall as
    :math:`K^{-1/2}`. :func:`generalization_onset` says where these laws hold (and that on :math:`S^2` the sampled
    sphere lies 25-35 % below them at :math:`\beta = 10`).
    """
    b, sd, n = _setup(0.0, beta, manifold, scale)
    sig = lb.dense_scale(K / sd.volume, n)
    if manifold == "circle":
        dense = lb.ring_dense_barriers(sd.kappa, draws=draws).median / math.sqrt(K)
        dense_curv = lc.ring_flatness(K, b * scale * scale, 1.0).median_curvature
    else:
        dense = sig * DENSE_BARRIER_MEDIAN[n][0]
        dense_curv = sig * lb.dense_curvature_median(n) / sd.R
    return DenseLaws(_minima_limit(sd, manifold), float(dense), float(dense_curv))
