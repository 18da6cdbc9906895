r"""The diffusion-model theory quantities served by the registry (``amphase theory diffusion.*``).

Each function is the public, checked entry point to one prediction; formulas and sources are in the docstrings.

References
----------
Pham 2025: B. Pham, G. Raya, M. Negri, M. J. Zaki, L. Ambrogioni, D. Krotov, "Memorization to Generalization:
Emergence of Diffusion Models from Associative Memory", arXiv:2505.21777 (2025).
BBBM 2024: G. Biroli, T. Bonnaire, V. de Bortoli, M. Mézard, "Dynamical regimes of diffusion models", Nat. Commun.
15, 9957 (2024), arXiv:2402.18491 (:mod:`~amphase.theory.diffusion.regimes`).
AVS 2024: B. Achilli, E. Ventura, G. Silvestri et al., "Losing dimensions: geometric memorization in generative
diffusion", arXiv:2410.08727 (2024) (:mod:`~amphase.theory.diffusion.geometric`).
RA 2023: G. Raya, L. Ambrogioni, "Spontaneous symmetry breaking in generative diffusion models", NeurIPS (2023),
arXiv:2305.19693 (:mod:`~amphase.theory.diffusion.symmetry`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from amphase.theory.cost import MIB, NUMBA_SETUP, Cost
from amphase.theory.diffusion import geometric, regimes, symmetry
from amphase.theory.registry import CHEAP, Choice, Param, Result, quantity

__all__ = [
    "GaussianOnset",
    "NoiseBeta",
    "SpuriousOnset",
    "clone_probability",
    "collapse_time",
    "direction_loss",
    "gaussian_onset",
    "noise_beta",
    "ou_time",
    "speciation_time",
    "spurious_onset",
    "symmetry_breaking",
]

PHAM25 = "Pham, Raya, Negri, Zaki, Ambrogioni & Krotov, arXiv:2505.21777 (2025)"

#: declared cost of the onsets (pair laws, Rice limits, a few roots): at most 0.3 s measured (scripts/theory_costs.py).
ONSET_COST = Cost(memory=8 * MIB, seconds=2.0)


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
    cost=CHEAP,
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
        # one factor at a time: sigma^2 t may leave the float range, and beta is then 0 or inf
        return NoiseBeta(0.5 / sigma / sigma / t, 1.0, sigma * math.sqrt(t))
    var = 1.0 - alpha_bar
    return NoiseBeta(1.0 / (2.0 * var), alpha_bar**0.5, var**0.5)


# --- Dynamical regimes: speciation, collapse, clones (BBBM), lost directions (AVS), the pitchfork (RA) -------------

BBBM24 = "Biroli, Bonnaire, de Bortoli & Mézard, Nat. Commun. 15, 9957 (2024), arXiv:2402.18491"
AVS24 = "Achilli, Ventura, Silvestri, Pham, Raya, Krotov, Lucibello & Ambrogioni, arXiv:2410.08727 (2024)"
RA23 = "Raya & Ambrogioni, NeurIPS (2023), arXiv:2305.19693"
OU_TIME = Param(
    "t",
    "Ornstein-Uhlenbeck time of Biroli et al.: x_t = exp(-t) a + sqrt(1 - exp(-2t)) z",
    lower=0.0,
    lower_open=True,
    long_name="Ornstein-Uhlenbeck diffusion time",
)


@quantity(
    "diffusion.ou_time",
    params=[OU_TIME],
    results=[
        Result("alpha_bar", "VP signal fraction exp(-2t)"),
        Result("delta", "noise variance Delta_t = 1 - exp(-2t) (VP)"),
        Result("ve_variance", "VE noise variance in data units, exp(2t) - 1 (noise_beta process=ve, sigma=1)"),
        Result("beta_vp", "LSE inverse temperature 1/(2 Delta_t), memories scaled by exp(-t)"),
        Result("beta_ve", "LSE inverse temperature 1/(2 (exp(2t) - 1)), memories unscaled"),
    ],
    reference=f"{BBBM24}; {PHAM25}",
    cost=CHEAP,
)
def ou_time(t: float) -> regimes.OUConventions:
    """One Ornstein-Uhlenbeck time (Biroli et al.) in the VP and VE conventions of diffusion.noise_beta.

    ``noise_beta(process="vp", alpha_bar=alpha_bar)`` and ``noise_beta(process="ve", t=ve_variance, sigma=1)`` give
    ``beta_vp`` and ``beta_ve``; ``beta_ve = alpha_bar * beta_vp`` (the VE form rescales x by exp(t)).
    """
    return regimes.ou_conventions(t)


class SpeciationTime(NamedTuple):
    """Speciation time and where it falls in the VP and VE conventions."""

    t_S: float
    alpha_bar_S: float
    ve_variance_S: float


@quantity(
    "diffusion.speciation_time",
    params=[Param("Lambda", "largest eigenvalue of the data covariance", lower=0.0, lower_open=True)],
    results=[
        Result("t_S", "speciation time 0.5 log(Lambda), Ornstein-Uhlenbeck time", absent="Lambda <= 1: no speciation"),
        Result("alpha_bar_S", "VP signal fraction at t_S, 1/Lambda"),
        Result("ve_variance_S", "VE noise variance at t_S, Lambda - 1"),
    ],
    reference=BBBM24,
    cost=CHEAP,
)
def speciation_time(Lambda: float) -> SpeciationTime:
    """Speciation time t_S = (1/2) log Lambda of the backward dynamics (Biroli et al. 2024; Table 1 Lambdas).

    Leading order in large Lambda; NaN (no solution) for Lambda <= 1. In VP terms alpha_bar(t_S) = 1/Lambda.
    """
    t_s = regimes.speciation_time(Lambda)
    return SpeciationTime(t_s, 1.0 / Lambda, Lambda - 1.0)


class CollapseTime(NamedTuple):
    """Collapse time of n Gaussian points and where it falls in the VP and VE conventions."""

    t_C: float
    alpha: float
    alpha_bar_C: float
    ve_variance_C: float


@quantity(
    "diffusion.collapse_time",
    params=[
        Param("n", "number of training points", lower=2, integer=True),
        Param("d", "dimension", lower=1, integer=True),
        Param("sigma", "standard deviation of the Gaussian data per dimension", lower=0.0, lower_open=True),
    ],
    results=[
        Result("t_C", "collapse time 0.5 log(1 + sigma^2/(n^(2/d) - 1)), Ornstein-Uhlenbeck time"),
        Result("alpha", "log(n)/d"),
        Result("alpha_bar_C", "VP signal fraction at t_C"),
        Result("ve_variance_C", "VE noise variance at t_C, sigma^2/(n^(2/d) - 1)"),
    ],
    reference=BBBM24,
    cost=CHEAP,
)
def collapse_time(n: int, d: int, sigma: float = 1.0) -> CollapseTime:
    """Collapse time of the exact empirical score for n Gaussian points N(0, sigma^2 I_d) (Biroli et al. 2024, Fig. 3).

    Where the excess entropy alpha + (1/2) log(Delta_t/(Delta_t + sigma^2 e^{-2t})) vanishes, d -> oo at fixed
    alpha = log(n)/d. For any data set, estimate the excess entropy with
    amphase.analysis.diffusion.entropy.excess_entropy.
    """
    t_c = regimes.collapse_time(n, d, sigma)
    return CollapseTime(t_c, math.log(n) / d, math.exp(-2.0 * t_c), math.expm1(2.0 * t_c))


@quantity(
    "diffusion.clone_probability",
    params=[
        OU_TIME,
        Param("d", "dimension", lower=1, integer=True),
        Param("m", "mean amplitude per dimension: the Gaussians sit at ±m_vec, |m_vec|^2 = m^2 d", lower=0.0),
        Param("sigma", "standard deviation of each Gaussian per dimension", lower=0.0),
    ],
    results=[
        Result("phi", "probability that two clones branched at t end in the same Gaussian"),
        Result("kappa", "class signal-to-noise |m_vec|^2 e^{-2t}/(Delta_t + sigma^2 e^{-2t})"),
        Result("t_S", "speciation time 0.5 log(|m_vec|^2 + sigma^2)", absent="|m_vec|^2 + sigma^2 <= 1"),
        Result("t_instability", "0.5 log(|m_vec|^2 + 1 - sigma^2), derived", absent="|m_vec| <= sigma: unimodal"),
    ],
    reference=f"{BBBM24}; t_instability derived in amphase.theory.diffusion.regimes",
    cost=Cost(memory=8 * MIB, seconds=0.05, **NUMBA_SETUP),  # Gaussian quadrature in Numba
)
def clone_probability(t: float, d: int, m: float = 1.0, sigma: float = 1.0) -> regimes.CloneProbability:
    """Cloning probability phi(t) of two Gaussians at ±m (Biroli et al. 2024, Fig. 2): 1/2 + E[tanh z]/2.

    z ~ N(kappa, kappa); phi -> 1 as t -> 0, 1/2 as t -> oo, and 0.7752 at t_S for d -> oo (m = sigma = 1).
    """
    return regimes.clone_probability(t, d, m, sigma)


@quantity(
    "diffusion.direction_loss",
    params=[
        Param("var", "data variance sigma_i^2 along the direction group", lower=0.0, lower_open=True),
        Param("n", "number of training points", lower=2, integer=True),
        Param("t", "VE noise variance (noise_beta process=ve, sigma=1)", lower=0.0, lower_open=True),
        Param("quartic", "S = (1/2) sum_j sigma_j^4 over all directions; 0 for data on a sphere", lower=0.0),
    ],
    results=[
        Result("t_c", "VE time below which the group is lost (memorized)"),
        Result("n_c", "at time t the group is lost for n < n_c"),
        Result("log_n_c", "log n_c = (S + t var)/(2 t^2)"),
        Result("lost", "1 if the group is lost at (t, n), else 0"),
    ],
    reference=f"{AVS24} (formula of the authors' theory notebook; REM reading derived)",
    cost=CHEAP,
)
def direction_loss(var: float, n: int, t: float = 1.0, quartic: float = 0.0) -> geometric.DirectionLoss:
    """Critical time and dataset size at which a direction group of variance var is lost (Achilli et al. 2024).

    Lost when t^2 < (S + t var)/(2 log n): t_c = (c var + sqrt(c^2 var^2 + 4 c S))/2, c = 1/(2 log n);
    higher-variance groups are lost first. Arrays of variances: amphase.theory.diffusion.geometric.critical_times.
    """
    return geometric.direction_loss(var, n, t, quartic)


@quantity(
    "diffusion.symmetry_breaking",
    params=[
        Param(
            "a", "the two data points sit at ±a (a^2 within the float range)", lower=0.0, upper=1e150, lower_open=True
        ),
        Param(
            "alpha_bar",
            "VP signal fraction theta^2 at which to place the branch x*",
            lower=0.0,
            upper=1.0,
            lower_open=True,
            upper_open=True,
        ),
        Choice("kind", "potential: sde (Raya & Ambrogioni's generative SDE) or density (-log p_t)", symmetry.KINDS),
    ],
    results=[
        Result("theta_c", "critical signal coefficient sqrt(alpha_bar_c)"),
        Result("alpha_bar_c", "critical VP signal fraction (sde: sqrt(a^4+1) - a^2; density: 1/(1+a^2))"),
        Result("t_ou_c", "Ornstein-Uhlenbeck time -0.5 log(alpha_bar_c)"),
        Result("ve_variance_c", "VE noise variance (1 - alpha_bar_c)/alpha_bar_c"),
        Result("x_star", "positive stable fixed point at alpha_bar (0 before the pitchfork)"),
    ],
    reference=f"{RA23}; a-dependence and kind=density derived in amphase.theory.diffusion.symmetry",
    cost=CHEAP,
)
def symmetry_breaking(a: float = 1.0, alpha_bar: float = 0.64, kind: str = "sde") -> symmetry.SymmetryBreaking:
    """Pitchfork of the one-dimensional two-point model (Raya & Ambrogioni 2023): theta_c = sqrt(sqrt(2) - 1) at a = 1.

    Branch (1 + theta^2) x = 2 theta a tanh(theta a x/(1 - theta^2)) (their Eq. 10 at a = 1); kind=density gives
    the modes of p_t (alpha_bar_c = 1/(1 + a^2)).
    """
    return symmetry.symmetry_breaking(a, alpha_bar, kind)


# ---------------------------------------------------------------- onset of spurious attractors


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
