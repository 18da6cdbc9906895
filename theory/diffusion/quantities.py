r"""The diffusion-model theory quantities served by the registry (``amphase theory diffusion.*``).

Each function is the public, checked entry point to one prediction; formulas and sources are in the docstrings.

References
----------
Pham 2025: B. Pham, G. Raya, M. Negri, M. J. Zaki, L. Ambrogioni, D. Krotov, "Memorization to Generalization:
Emergence of Diffusion Models from Associative Memory", arXiv:2505.21777 (2025).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from amphase.theory.registry import Choice, Param, Result, quantity

__all__ = ["NoiseBeta", "SpuriousOnset", "noise_beta", "spurious_onset"]

PHAM25 = "Pham, Raya, Negri, Zaki, Ambrogioni & Krotov, arXiv:2505.21777 (2025)"


class NoiseBeta(NamedTuple):
    """Inverse temperature and memory scale of the LSE energy equal to -log p_t."""

    beta: float
    scale: float
    sigma_t: float


@quantity(
    "diffusion.noise_beta",
    params=[
        Param(
            "t",
            "diffusion time (VE: variance sigma^2 t; VP: alpha_bar(t) of the schedule)",
            lower=0.0,
            lower_open=True,
            long_name="diffusion time",
        ),
        Param("sigma", "VE noise scale: the forward process adds variance sigma^2 t", lower=0.0, lower_open=True),
        Param(
            "alpha_bar",
            "VP only: signal fraction alpha_bar(t) in (0, 1)",
            lower=0.0,
            upper=1.0,
            lower_open=True,
            upper_open=True,
        ),
        Choice("process", "forward process", ("ve", "vp")),
    ],
    results=[
        Result("beta", "inverse temperature of E = -ln sum exp(-beta |x - s xi|^2)/beta equal to -ln p_t (+ const)"),
        Result("scale", "factor s multiplying the training points (VE: 1; VP: sqrt(alpha_bar))"),
        Result("sigma_t", "standard deviation of the noise added at time t"),
    ],
    reference=PHAM25,
)
def noise_beta(t: float, sigma: float = 1.0, alpha_bar: float = 0.5, process: str = "ve") -> NoiseBeta:
    r"""The log-sum-exp DenseAM whose energy is :math:`-\log p_t` of the exact empirical diffusion (Pham 2025, Sec. 2).

    With K training points :math:`\xi^\mu`, the noised empirical density is a Gaussian mixture,
    :math:`p_t(x) = K^{-1}\sum_\mu \mathcal N(x; s\,\xi^\mu, \sigma_t^2 I)`, so

    .. math::

        -\log p_t(x) = \beta\, E(x) + \text{const}, \qquad
        E(x) = -\beta^{-1} \log \sum_\mu \exp(-\beta \lVert x - s\xi^\mu \rVert^2), \qquad
        \beta = \frac{1}{2\sigma_t^2},

    and the score is :math:`\nabla \log p_t = -\beta \nabla E`.

    * VE (variance exploding, :math:`x_t = x_0 + \sigma \sqrt t\, \varepsilon`): :math:`\sigma_t^2 = \sigma^2 t`,
      :math:`s = 1`, :math:`\beta = 1/(2\sigma^2 t)`.
    * VP (DDPM, :math:`x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1-\bar\alpha_t}\, \varepsilon`):
      :math:`\sigma_t^2 = 1 - \bar\alpha_t`, :math:`s = \sqrt{\bar\alpha_t}`, :math:`\beta = 1/(2(1-\bar\alpha_t))`
      (``t`` is not used: ``alpha_bar`` is the schedule's value at that time).
    """
    if process == "ve":
        var = sigma * sigma * t
        return NoiseBeta(1.0 / (2.0 * var), 1.0, var**0.5)
    var = 1.0 - alpha_bar
    return NoiseBeta(1.0 / (2.0 * var), alpha_bar**0.5, var**0.5)


# ---------------------------------------------------------------- onset of spurious attractors


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
    ],
    reference=f"{PHAM25}; derived in amphase.theory.lse_landscape (pair merging, uniform spacings, Rice formula)",
)
def spurious_onset(
    sigma: float = 0.0,
    beta: float = 0.0,
    manifold: str = "circle",
    n: int = 1,
    scale: float = 1.0,
    own_weight: float = 0.6,
) -> SpuriousOnset:
    r"""Onset of spurious attractors of the exact score for K random training points on a manifold (derived).

    The energy :math:`-\log p_t` is the LSE energy at :math:`\beta = 1/(2\sigma_t^2)` (:func:`noise_beta`; for VP
    give the scaled radius :math:`\sqrt{\bar\alpha_t}\,r` as ``scale``). Two points at distance
    :math:`D < D_{merge} = \sqrt{2/\beta}` share one minimum, between them, owned by neither: a spurious attractor
    (exact for a pair, :func:`amphase.theory.lse_landscape.pair_minima`). With :math:`p` the probability that two
    uniform points are that close (:func:`~amphase.theory.lse_landscape.merge_probability`, exact):

    * ``K_onset``: the expected number of merged pairs :math:`\binom K2 p` (exact, by linearity) reaches 1,
      :math:`K = (1 + \sqrt{1 + 8/p})/2`. At small K each merged pair is one spurious minimum, so this is where
      about one spurious minimum is expected (the pair rule; on the circle at ``beta = 20`` the simulated spurious
      count there is about 1).
    * ``K_peak``, ``memory_peak``: a point keeps its own minimum when no other lies within the own distance
      :func:`~amphase.theory.lse_landscape.merge_distance` (``beta``, ``own_weight``), probability
      :math:`(1-p_{own})^{K-1}` (exact for independent points; the pair rule is the approximation); the expected
      count :math:`K(1-p_{own})^{K-1}` is largest at :math:`K = -1/\ln(1-p_{own})`. Beyond it adding points removes
      memory minima, and the spurious count rises to its large-K plateau: on the circle it has no peak of its own
      (it rises monotonically to ``minima_limit`` within the simulations' errors), so the peak reported is the
      memory minima's.
    * ``K_half``: :math:`(1-p_{own})^{K-1} = 1/2`.
    * ``minima_limit``: circle, :func:`~amphase.theory.lse_landscape.ring_maxima_limit` at
      :math:`\kappa = 2\beta' R(\beta')`, :math:`\beta' = \beta\,\mathrm{scale}^2` (a circle of radius ``scale`` is
      the unit circle at :math:`\beta'`); line (segment of length L): :math:`\sqrt{3\beta}L/(2\pi)` from
      :func:`~amphase.theory.lse_landscape.line_maxima_density`, ends ignored; sphere with n >= 2: NaN.
    """
    from amphase.errors import ParameterError
    from amphase.theory import lse_landscape as ll

    if (sigma > 0) == (beta > 0):
        raise ParameterError(f"give exactly one of sigma > 0 or beta > 0; got sigma={sigma}, beta={beta}")
    if manifold != "sphere" and n != 1:
        raise ParameterError(f"manifold={manifold!r} has intrinsic dimension n = 1; got n={n}")
    b = beta if beta > 0 else 1.0 / (2.0 * sigma * sigma) if sigma > 1e-150 else math.inf
    if not 1e-300 < b < 1e300:
        raise ParameterError(
            f"beta (given, or 1/(2 sigma^2)) must lie in (1e-300, 1e300); got {b} (sigma={sigma}, beta={beta})"
        )
    D = ll.merge_distance(b)
    p = ll.merge_probability(D, manifold, scale, n)
    p_own = ll.merge_probability(ll.merge_distance(b, own_weight), manifold, scale, n)
    k_onset = (1.0 + (1.0 + 8.0 / p) ** 0.5) / 2.0 if p > 0 else math.inf
    log_q = math.log1p(-p_own) if p_own < 1 else -math.inf
    k_peak = -1.0 / log_q if log_q < 0 else math.inf
    peak = k_peak * math.exp((k_peak - 1.0) * log_q) if math.isfinite(k_peak) and k_peak >= 1 else 1.0
    k_half = 1.0 + math.log(2.0) / -log_q if log_q < 0 else math.inf
    if manifold == "line":
        limit = ll.line_maxima_density(b) * scale
    elif manifold == "circle" and b * scale * scale > 1.0:
        b1 = b * scale * scale
        limit = ll.ring_maxima_limit(2.0 * b1 * ll.circle_ring(b1).R)
    else:
        limit = math.nan
    return SpuriousOnset(b, D, p, k_onset, max(k_peak, 1.0), peak, k_half, limit)
