r"""Registered onsets of spurious attractors of the exact score (derived here).

``diffusion.spurious_onset`` for K random training points on a circle, sphere or line, ``diffusion.gaussian_onset``
for K Gaussian points.

The pair rule, the merge probabilities and the Rice limits are derived in :mod:`amphase.theory.lse_landscape`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from amphase.theory.cost import MIB, Cost
from amphase.theory.diffusion.conventions import AVS24, PHAM25
from amphase.theory.registry import Choice, Param, Result, quantity

__all__ = ["ONSET_COST", "GaussianOnset", "SpuriousOnset", "gaussian_onset", "spurious_onset"]

#: declared cost of the onsets (pair laws, Rice limits, a few roots): at most 0.3 s measured (scripts/theory_costs.py).
ONSET_COST = Cost(memory=8 * MIB, seconds=2.0)


def _beta(sigma: float, beta: float) -> float:
    """The inverse temperature from exactly one of ``sigma`` (``1/(2 sigma^2)``) and ``beta``."""
    from amphase.errors import ParameterError

    if (sigma > 0) == (beta > 0):
        raise ParameterError(f"give exactly one of sigma > 0 or beta > 0; got sigma={sigma}, beta={beta}")
    b = beta if beta > 0 else 1.0 / (2.0 * sigma * sigma) if sigma > 1e-150 else math.inf
    if not 1e-300 < b < 1e300:
        raise ParameterError(
            f"beta (given, or 1/(2 sigma^2)) must lie in (1e-300, 1e300); got {b} (sigma={sigma}, beta={beta})"
        )
    return b


class SpuriousOnset(NamedTuple):
    """Where spurious minima of the exact-score energy appear as the number of training points grows."""

    beta: float
    D_merge: float
    p_merge: float
    K_onset: float
    K_peak: float
    memory_peak: float
    K_half: float
    minima_limit: float
    K_flat: float


@quantity(
    "diffusion.spurious_onset",
    params=[
        Param("sigma", "noise level sigma_t (beta = 1/(2 sigma^2)); give sigma or beta", lower=0.0),
        Param("beta", "inverse temperature of the LSE energy; give beta or sigma", lower=0.0),
        Choice("manifold", "where the K training points lie, uniformly at random", ("circle", "sphere", "line")),
        Param("n", "intrinsic dimension of the sphere S^n (circle: 1, line: 1)", lower=1, upper=10**4, integer=True),
        Param("scale", "radius of the circle or sphere, length of the line segment", lower=0.0, lower_open=True),
        Param(
            "own_weight",
            "a minimum is a point's own when its softmax weight exceeds this",
            lower=0.5,
            upper=1.0,
            lower_open=True,
            upper_open=True,
        ),
        Param(
            "spread",
            "a ring minimum is flat when the thermal spread along the ring reaches spread * scale (for K_flat)",
            lower=0.0,
            lower_open=True,
        ),
    ],
    results=[
        Result("beta", "inverse temperature used, 1/(2 sigma^2) or the beta given"),
        Result("D_merge", "two points closer than sqrt(2/beta) share one minimum (exact for a pair)"),
        Result("p_merge", "probability that two random points are closer than D_merge (exact)"),
        Result("K_onset", "K at which the expected number of merged pairs, K(K-1)/2 p_merge, reaches 1"),
        Result("K_peak", "K at which the expected number of points with their own minimum is largest (pair rule)"),
        Result("memory_peak", "that largest expected number of own minima"),
        Result("K_half", "K at which half of the points have their own minimum (pair rule)"),
        Result(
            "minima_limit",
            "number of minima as K -> infinity (Rice): circle at kappa = 2 beta scale^2 R, line sqrt(3 beta) L/(2 pi)",
            absent="not derived for the sphere with n >= 2, nor for the circle below its ring (beta scale^2 <= 1)",
        ),
        Result(
            "K_flat",
            "circle: K at which half of the ring minima have a tangential curvature below 1/(beta spread^2 scale^2)",
            absent="derived for the circle above its ring (beta scale^2 > 1) only",
        ),
    ],
    reference=f"{PHAM25}; derived in amphase.theory.lse_landscape (pair merging, uniform spacings, Rice formula)",
    cost=ONSET_COST,
)
def spurious_onset(
    sigma: float = 0.0,
    beta: float = 0.0,
    manifold: str = "circle",
    n: int = 1,
    scale: float = 1.0,
    own_weight: float = 0.6,
    spread: float = 1.0,
) -> SpuriousOnset:
    r"""Onset of spurious attractors of the exact score for K random training points on a manifold (derived).

    The energy :math:`-\log p_t` is the LSE energy at :math:`\beta = 1/(2\sigma_t^2)` (:func:`noise_beta`; for VP
    give the scaled radius :math:`\sqrt{\bar\alpha_t}\,r` as ``scale``). Two points at distance
    :math:`D < D_{merge} = \sqrt{2/\beta}` share one minimum, between them, owned by neither: a spurious attractor
    (exact for a pair, :func:`amphase.theory.lse_landscape.pair_minima`). With :math:`p` the probability that two
    uniform points are that close (:func:`~amphase.theory.lse_merging.merge_probability`, exact):

    * ``K_onset``: the expected number of merged pairs :math:`\binom K2 p` (exact, by linearity) reaches 1,
      :math:`K = (1 + \sqrt{1 + 8/p})/2`. At small K each merged pair is one spurious minimum, so this is where
      about one spurious minimum is expected (the pair rule; on the circle at ``beta = 20`` the simulated spurious
      count there is about 1).
    * ``K_peak``, ``memory_peak``: a point keeps its own minimum when no other lies within the own distance
      :func:`~amphase.theory.lse_merging.merge_distance` (``beta``, ``own_weight``), probability
      :math:`(1-p_{own})^{K-1}` (exact for independent points; the pair rule is the approximation); the expected
      count :math:`K(1-p_{own})^{K-1}` is largest at :math:`K = -1/\ln(1-p_{own})`. Beyond it adding points removes
      memory minima, and the spurious count rises to its large-K plateau: on the circle it has no peak of its own
      (it rises monotonically to ``minima_limit`` within the simulations' errors), so the peak reported is the
      memory minima's.
    * ``K_half``: :math:`(1-p_{own})^{K-1} = 1/2`.
    * ``minima_limit``: circle, :func:`~amphase.theory.lse_circle_counts.ring_maxima_limit` at
      :math:`\kappa = 2\beta' R(\beta')`, :math:`\beta' = \beta\,\mathrm{scale}^2` (a circle of radius ``scale`` is
      the unit circle at :math:`\beta'`); line (segment of length L): :math:`\sqrt{3\beta}L/(2\pi)` from
      :func:`~amphase.theory.lse_circle_counts.line_maxima_density`, ends ignored; sphere with n >= 2: NaN.
    * ``K_flat`` (circle): the isolated minima that the ring keeps at large K flatten as :math:`K^{-1/2}`
      (:func:`~amphase.theory.lse_circle_counts.ring_flatness`, Rice's law of the curvature at maxima); a minimum is
      *flat* when the noised density spreads a sample along the ring by more than ``spread`` times the radius, i.e.
      its tangential eigenvalue is below :math:`\lambda_{flat} = 1/(\beta\,\mathrm{spread}^2\mathrm{scale}^2)`
      (:mod:`amphase.simulate.diffusion.curvature`); ``K_flat`` is where half of the minima are flat: the onset of
      generalization by that criterion. It counts minima; sampled end points prefer the flatter, wider basins and
      run ahead of it (measured: by a factor 1.2-2 in K at beta = 5-20, spread = 0.5).
    """
    from amphase.errors import ParameterError
    from amphase.theory import lse_circle_counts as lc
    from amphase.theory import lse_landscape as ll
    from amphase.theory import lse_merging as lm

    if manifold != "sphere" and n != 1:
        raise ParameterError(f"manifold={manifold!r} has intrinsic dimension n = 1; got n={n}")
    b = _beta(sigma, beta)
    D = lm.merge_distance(b)
    p = lm.merge_probability(D, manifold, scale, n)
    p_own = lm.merge_probability(lm.merge_distance(b, own_weight), manifold, scale, n)
    onset = lm.pair_rule_onset(p, p_own)
    if manifold == "line":
        limit = lc.line_maxima_density(b) * scale
    elif manifold == "circle" and b * scale * scale > 1.0:
        b1 = b * scale * scale
        limit = lc.ring_maxima_limit(2.0 * b1 * ll.circle_ring(b1).R)
    else:
        limit = math.nan
    k_flat = math.nan
    if manifold == "circle" and b * scale * scale > 1.0:
        b1 = b * scale * scale
        k_flat = lc.ring_flatness(1.0, b1, 1.0 / (b1 * spread * spread)).K_half
    return SpuriousOnset(b, D, p, *onset, limit, k_flat)


class GaussianOnset(NamedTuple):
    """Pair-rule onset of spurious minima for K points drawn from a zero-mean Gaussian with given variances."""

    beta: float
    D_merge: float
    p_merge: float
    p_own: float
    K_onset: float
    K_peak: float
    memory_peak: float
    K_half: float


def _group(name: str, lower: int) -> Param:
    return Param(name, f"directions in group {name[-1]}", lower=lower, upper=10**6, integer=True)


@quantity(
    "diffusion.gaussian_onset",
    params=[
        Param("sigma", "noise level sigma_t (beta = 1/(2 sigma^2)); give sigma or beta", lower=0.0),
        Param("beta", "inverse temperature of the LSE energy; give beta or sigma", lower=0.0),
        _group("n1", 1),
        Param("s1", "standard deviation of the data along each direction of group 1", lower=0.0, lower_open=True),
        _group("n2", 0),
        Param("s2", "standard deviation along group 2", lower=0.0),
        _group("n3", 0),
        Param("s3", "standard deviation along group 3", lower=0.0),
        Param(
            "own_weight",
            "a minimum is a point's own when its softmax weight exceeds this",
            lower=0.5,
            upper=1.0,
            lower_open=True,
            upper_open=True,
        ),
    ],
    results=[
        Result("beta", "inverse temperature used, 1/(2 sigma^2) or the beta given"),
        Result("D_merge", "two points closer than sqrt(2/beta) share one minimum (exact for a pair)"),
        Result("p_merge", "probability that two data points are closer than D_merge (exact, generalized chi-square)"),
        Result("p_own", "probability that two data points are closer than merge_distance(beta, own_weight)"),
        Result("K_onset", "K at which the expected number of merged pairs, K(K-1)/2 p_merge, reaches 1"),
        Result("K_peak", "K at which the expected number of points with their own minimum is largest (pair rule)"),
        Result("memory_peak", "that largest expected number of own minima"),
        Result("K_half", "K at which half of the points have their own minimum (pair rule)"),
    ],
    reference=f"{PHAM25}; {AVS24} (the linear manifold); pair rule derived in amphase.theory.lse_landscape",
    cost=ONSET_COST,
)
def gaussian_onset(
    sigma: float = 0.0,
    beta: float = 0.0,
    n1: int = 10,
    s1: float = 1.0,
    n2: int = 10,
    s2: float = 0.3,
    n3: int = 10,
    s3: float = 0.01,
    own_weight: float = 0.6,
) -> GaussianOnset:
    r"""Pair-rule onset of spurious attractors for K training points of N(0, diag(s^2)), up to three groups.

    Up to three direction groups (``n_g`` directions of std ``s_g``; the defaults are the linear manifold of
    Achilli et al. 2024 used by ``diffusion-linear``: 10 directions each of std 1, 0.3, 0.01 in d = 30). The pair
    rule of :func:`spurious_onset` with the exact pair probability
    :math:`p(D) = P(\sum_g 2 s_g^2 \chi^2_{n_g} \le D^2)`
    (:func:`~amphase.theory.lse_merging.gaussian_merge_probability`) at :math:`D_{merge} = \sqrt{2/\beta}` and
    at the own distance, then :func:`~amphase.theory.lse_merging.pair_rule_onset`. Derived here; the rule is
    exact for an isolated pair and ignores the collective pull of many farther points, which in many dimensions
    (where distances concentrate) can remove memory minima before pairs merge. For any other data set see
    :func:`amphase.analysis.diffusion.onset.empirical_onset`.
    """
    from amphase.theory import lse_merging as lm

    b = _beta(sigma, beta)
    var = [s1 * s1, s2 * s2, s3 * s3]
    counts = [n1, n2, n3]
    D = lm.merge_distance(b)
    p = lm.gaussian_merge_probability(D, var, counts)
    p_own = lm.gaussian_merge_probability(lm.merge_distance(b, own_weight), var, counts)
    return GaussianOnset(b, D, p, p_own, *lm.pair_rule_onset(p, p_own))
