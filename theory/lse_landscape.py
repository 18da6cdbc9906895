r"""The landscape of the log-sum-exp energy: how its minima merge, and how many there are for random memories.

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

Counting the minima of K random memories (uniform angles on the unit circle) at fixed ``beta > 1`` is derived below
(:func:`circle_gap_counts`, :func:`ring_maxima_limit`, :func:`circle_profile_counts`); the onset on other manifolds
from the same pair criterion (:func:`merge_probability`; Gaussian data with given per-direction variances:
:func:`gaussian_merge_probability`, exact) and, from any pair probability, the pair-rule onset
(:func:`pair_rule_onset`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import betainc, gammaln, ive, logsumexp

from amphase.params import fmt_value
from amphase.progress import steps
from amphase.theory.bessel import bessel_ratio, bessel_ratio_derivative, log_i0

__all__ = [
    "OWN_WEIGHT",
    "CircleGapCounts",
    "CircleProfileCounts",
    "CircleRing",
    "PairMinima",
    "PairRuleOnset",
    "RingFlatness",
    "RingSpread",
    "SimplexCentroid",
    "cap_fraction",
    "chord_angle",
    "circle_energy",
    "circle_gap_counts",
    "circle_profile_counts",
    "circle_ring",
    "circle_ring_spread",
    "energy",
    "gaussian_merge_probability",
    "gaussian_merge_probability_small",
    "gradient",
    "hessian",
    "line_maxima_density",
    "memorized_distance",
    "merge_distance",
    "merge_probability",
    "own_gain",
    "pair_midpoint_beta",
    "pair_minima",
    "pair_rule_onset",
    "regular_simplex",
    "ring_curvature_scale",
    "ring_flatness",
    "ring_maxima_limit",
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


# ---------------------------------------------------------------- counting minima of random memories

#: a minimum is a memory's own when that memory carries more than this softmax weight there (the margin above 1/2
#: keeps the exact tie at the midpoint of two merged memories from being decided by rounding).
OWN_WEIGHT = 0.6


def own_gain(own_weight: float = 0.5) -> float:
    r"""``g = beta D^2 / 2`` above which each minimum of a pair carries weight ``> own_weight`` (1 at ``1/2``).

    A pair minimum at ``x = (D/2) u`` carries ``w = (1 + u)/2`` (:func:`pair_minima`), and ``u = tanh(g u)``, so
    ``w > w_0`` iff ``g > atanh(2 w_0 - 1)/(2 w_0 - 1)`` (exact; ``1.0137`` at ``w_0 = 0.6``).
    """
    if not 0.5 <= own_weight < 1.0:
        raise ValueError(f"own_weight={own_weight} outside [1/2, 1)")
    u = 2.0 * own_weight - 1.0
    return 1.0 if u == 0.0 else math.atanh(u) / u


def merge_distance(beta: float, own_weight: float = 0.5) -> float:
    """Distance below which two memories share one minimum (``own_weight = 1/2``: ``sqrt(2/beta)``, exact for a pair).

    With ``own_weight > 1/2``: below it neither of the pair's minima is owned (:func:`own_gain`).
    """
    return math.sqrt(2.0 * own_gain(own_weight) / beta)


def memorized_distance(beta: float, delta: float) -> float:
    r"""Pair distance ``D_delta`` below which a pair's minima lie farther than ``delta`` from their memories (exact).

    For two memories at distance ``D`` the minimum nearest to one of them lies :math:`(D/2)(1 - u)` away from it
    (:func:`pair_minima`; ``u = 0``, the shared midpoint, below :func:`merge_distance`). This displacement rises
    as ``D/2`` up to ``D_merge = sqrt(2/beta)`` and then falls (about :math:`D e^{-\beta D^2}`): ``D_delta`` is its
    root :math:`(D/2)(1 - u(D)) = \delta` above ``D_merge``, so a memory whose partner lies in
    ``(2 delta, D_delta)`` has no minimum within ``delta``: the distance at which the pair rule loses the
    ``memorized`` label of a classifier with threshold ``delta`` (derived here). ``D_merge`` where
    ``delta >= D_merge/2`` (no displacement beyond ``D_merge`` exceeds it).
    """
    if not (0 < beta < 1e300 and delta > 0 and math.isfinite(delta)):
        from amphase.errors import ParameterError

        raise ParameterError(f"beta={beta}, delta={delta}: beta in (0, 1e300), delta a finite number > 0")
    D0 = merge_distance(beta)
    if delta >= D0 / 2:
        return D0

    def excess(D: float) -> float:
        return D / 2 * (1.0 - pair_minima(D, beta).x / (D / 2)) - delta

    hi = 2.0 * D0
    while excess(hi) > 0:
        hi *= 1.5
    return brentq(excess, D0 * (1 + 1e-12), hi, xtol=1e-14 * D0, rtol=4 * np.finfo(float).eps)


def chord_angle(D: float, radius: float = 1.0) -> float:
    """Angle between two points of a sphere of ``radius`` at chord ``D`` (``pi`` when ``D >= 2 radius``)."""
    h = D / (2.0 * radius)
    return math.pi if h >= 1.0 else 2.0 * math.asin(h)


def cap_fraction(theta: float, n: int = 1) -> float:
    r"""Fraction of the sphere :math:`S^n` within angle ``theta`` of a point (``n = 1``: the circle, ``theta/pi``).

    :math:`\int_0^\theta \sin^{n-1}\phi\,d\phi / \int_0^\pi \sin^{n-1}\phi\,d\phi
    = \tfrac12 I_{\sin^2\theta}(n/2, 1/2)` for ``theta <= pi/2`` (regularised incomplete beta), its complement
    about ``pi/2`` above.
    """
    if theta >= math.pi:
        return 1.0
    half = 0.5 * float(betainc(n / 2.0, 0.5, math.sin(theta) ** 2))
    return half if theta <= math.pi / 2 else 1.0 - half


def merge_probability(D: float, manifold: str, scale: float = 1.0, n: int = 1) -> float:
    r"""Probability that two independent uniform points of a manifold are closer than ``D`` (exact).

    ``circle`` of radius ``scale``: ``chord_angle/pi``; ``sphere`` :math:`S^n` of radius ``scale``:
    :func:`cap_fraction`; ``line``, a segment of length ``L = scale``: :math:`P(|x - y| < D) = 2D/L - D^2/L^2`
    (1 for ``D >= L``).
    """
    if manifold == "line":
        t = min(D / scale, 1.0)
        return 2.0 * t - t * t
    return cap_fraction(chord_angle(D, scale), 1 if manifold == "circle" else n)


def _check_variances(variances: np.ndarray, counts: np.ndarray) -> None:
    from amphase.errors import ParameterError

    if variances.ndim != 1 or counts.shape != variances.shape or len(variances) == 0:
        raise ParameterError(f"variances and counts: equal 1-D shapes, got {variances.shape} and {counts.shape}")
    if not (np.all(np.isfinite(variances)) and np.all(variances >= 0)):
        raise ParameterError("variances: finite numbers >= 0")
    if not (np.all(counts >= 0) and np.all(counts == np.round(counts))):
        raise ParameterError("counts: whole numbers >= 0")
    if not np.any((variances > 0) & (counts > 0)):
        raise ParameterError("variances: at least one direction (count >= 1) with variance > 0")


def gaussian_merge_probability(D: float, variances: np.ndarray, counts: np.ndarray | None = None) -> float:
    r"""Probability that two independent points of :math:`\mathcal N(0, \mathrm{diag}(v))` lie within ``D`` (exact).

    ``variances`` :math:`v_j` per direction group, ``counts`` :math:`h_j` directions in each (default 1 each). The
    difference of two points is :math:`\mathcal N(0, \mathrm{diag}(2v))`, so :math:`|x - y|^2 = Q = \sum_j \lambda_j
    \chi^2_{h_j}` with :math:`\lambda_j = 2 v_j` (a generalized chi-square; :math:`|x - y|` a generalized chi
    distribution), and :math:`p(D) = P(Q \le D^2)`. Computed by inverting the Laplace transform of the CDF,
    :math:`\int_0^\infty e^{-sx} dF = M(s) = \prod_j (1 + 2\lambda_j s)^{-h_j/2}`, on the vertical line through the
    saddle point (derived here; the Bromwich integral, e.g. Feller, *An Introduction to Probability Theory*, Vol. II,
    XIII.9):

    .. math::

        F(x) = \frac1\pi \int_0^\infty \mathrm{Re}\,\frac{M(c + iu)\,e^{(c + iu)x}}{c + iu}\,du, \qquad
        K'(c) = 0,\ K(s) = \ln M(s) + s x - \ln s,

    :math:`c > 0` the unique root (:math:`K'' > 0`). On this line the integrand is largest and positive at
    :math:`u = 0`, so deep lower tails (:math:`F \sim 10^{-100}`) keep full relative precision, where the usual
    :math:`\tfrac12 - \dots` (Imhof 1961) form cancels. Limits: equal variances give the chi-square CDF
    :math:`P(\chi^2_d \le D^2/(2v))`; for small ``D``, :math:`p \to D^d / (2^d\,\Gamma(d/2 + 1) \prod_i \sqrt{v_i})`
    (volume of the ball times the density of the difference at 0). Directions of variance 0 add nothing.
    """
    v = np.atleast_1d(np.asarray(variances, dtype=float))
    h = np.ones_like(v) if counts is None else np.atleast_1d(np.asarray(counts, dtype=float))
    _check_variances(v, h)
    if not D >= 0 or not math.isfinite(D):
        from amphase.errors import ParameterError

        raise ParameterError(f"D={D}: a finite distance >= 0")
    keep = (v > 0) & (h > 0)
    lam, h = 2.0 * v[keep], h[keep]
    x = D * D
    if x == 0.0:
        return 0.0

    def dK(s: float) -> float:
        return x - 1.0 / s - float(np.sum(h * lam / (1.0 + 2.0 * lam * s)))

    # K' runs from -oo (s -> 0+) to x > 0 (s -> oo) and is increasing: bracket the root on a log scale
    hi = max(1.0, 1.0 / x)
    while dK(hi) < 0:
        hi *= 4.0
    lo = hi
    while dK(lo) > 0:
        lo /= 4.0
    c = brentq(dK, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps)

    def K(s: complex) -> complex:
        return -0.5 * np.sum(h * np.log(1.0 + 2.0 * lam * s)) + s * x - np.log(s)

    K0 = float(K(c).real)
    width = 1.0 / math.sqrt(float(np.sum(2.0 * h * lam * lam / (1.0 + 2.0 * lam * c) ** 2)) + 1.0 / (c * c))

    def core(t: float) -> float:  # u = width * t
        return float(np.exp(K(c + 1j * width * t) - K0).real)

    def slow(t: float) -> complex:  # the integrand without its asymptotic phase e^{iux}: no oscillation left
        return complex(np.exp(K(c + 1j * width * t) - K0 - 1j * width * t * x))

    # the Gaussian core (t of order 1) carries the integral; the tail, a power-law envelope times e^{iux}, by QAWF
    total = quad(core, 0.0, 8.0, limit=200, epsabs=0.0, epsrel=1e-13)[0]
    omega = width * x
    cphi, sphi = math.cos(8.0 * omega), math.sin(8.0 * omega)
    # Re[G(t + 8) e^{i omega (t + 8)}] = A_c(t) cos(omega t) - A_s(t) sin(omega t), G = a + ib

    def a_cos(t: float) -> float:
        g = slow(t + 8.0)
        return g.real * cphi - g.imag * sphi

    def a_sin(t: float) -> float:
        g = slow(t + 8.0)
        return g.real * sphi + g.imag * cphi

    tol = 1e-13 * total
    total += quad(a_cos, 0.0, math.inf, weight="cos", wvar=omega, epsabs=tol, limlst=200)[0]
    total -= quad(a_sin, 0.0, math.inf, weight="sin", wvar=omega, epsabs=tol, limlst=200)[0]
    return float(min(max(math.exp(K0) * width * total / math.pi, 0.0), 1.0))


def gaussian_merge_probability_small(D: float, variances: np.ndarray, counts: np.ndarray | None = None) -> float:
    """Leading small-``D`` form of :func:`gaussian_merge_probability`: ``D^d / (2^d Gamma(d/2 + 1) prod_i sqrt(v_i))``.

    Over the directions of positive variance (``d`` of them); the relative error is ``O(D^2 / min v)``.
    """
    v = np.atleast_1d(np.asarray(variances, dtype=float))
    h = np.ones_like(v) if counts is None else np.atleast_1d(np.asarray(counts, dtype=float))
    _check_variances(v, h)
    keep = (v > 0) & (h > 0)
    d = float(h[keep].sum())
    log_p = d * math.log(D / 2.0) - float(gammaln(d / 2.0 + 1.0)) - 0.5 * float(np.sum(h[keep] * np.log(v[keep])))
    return math.exp(log_p)


class PairRuleOnset(NamedTuple):
    """Numbers of training points at which the pair rule places the onset of spurious minima and the loss of memory."""

    K_onset: float
    K_peak: float
    memory_peak: float
    K_half: float


def pair_rule_onset(p: float, p_own: float) -> PairRuleOnset:
    r"""Onset, memory peak and half-memory K of the pair rule, from the two pair probabilities (derived here).

    ``p``: probability that two random training points are closer than :func:`merge_distance` (``beta``), where
    they share one minimum owned by neither; ``p_own``: closer than ``merge_distance(beta, own_weight)``, where a
    point loses its own minimum. For any law of the points (independent draws, or distinct draws from a finite set):

    * ``K_onset``: the expected number of merged pairs :math:`\binom K2 p` (exact, by linearity) reaches 1,
      :math:`K = (1 + \sqrt{1 + 8/p})/2` (``inf`` for ``p = 0``);
    * ``K_peak``, ``memory_peak``: a point keeps its own minimum when none of the other ``K - 1`` lies within the
      own distance, taken as :math:`(1 - p_{own})^{K-1}` (exact for independent points when ``p_own`` does not
      depend on the point, as on the circle; otherwise the mean-field form of the pair rule); the expected count
      :math:`K(1 - p_{own})^{K-1}` is largest at :math:`K = -1/\ln(1 - p_{own})` (at least 1);
    * ``K_half``: :math:`(1 - p_{own})^{K-1} = 1/2`.

    The same formulas as :func:`amphase.theory.diffusion.quantities.spurious_onset`, which calls this function.
    """
    if not (0.0 <= p <= 1.0 and 0.0 <= p_own <= 1.0):
        from amphase.errors import ParameterError

        raise ParameterError(f"p={p}, p_own={p_own}: probabilities in [0, 1]")
    k_onset = (1.0 + (1.0 + 8.0 / p) ** 0.5) / 2.0 if p > 0 else math.inf
    log_q = math.log1p(-p_own) if p_own < 1 else -math.inf
    k_peak = -1.0 / log_q if log_q < 0 else math.inf
    peak = k_peak * math.exp((k_peak - 1.0) * log_q) if math.isfinite(k_peak) and k_peak >= 1 else 1.0
    k_half = 1.0 + math.log(2.0) / -log_q if log_q < 0 else math.inf
    return PairRuleOnset(k_onset, max(k_peak, 1.0), peak, k_half)


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
    a = _bessel_ratio(kappa)
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
