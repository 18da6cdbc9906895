r"""When two minima of the log-sum-exp energy merge, and how often for random memories: the pair criterion.

Energy, weights and the exact two-memory results in :mod:`amphase.theory.lse_landscape` (its conventions). Two
memories at distance ``D`` keep two minima iff ``beta D^2 > 2`` (:func:`~amphase.theory.lse_landscape.pair_minima`);
each minimum carries more than ``own_weight`` of the softmax weight above :func:`own_gain`, i.e. beyond
:func:`merge_distance`. The probability that two random memories lie within that distance
(:func:`merge_probability` on a circle, sphere or segment; :func:`gaussian_merge_probability` for Gaussian data with
given per-direction variances, exact) gives, through :func:`pair_rule_onset`, the pair-rule onset of merged
(spurious) minima. Derived in this project (no published constants); tested against direct quadrature and Monte
Carlo.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.special import betainc, gammaln

from amphase.theory.lse_landscape import pair_minima

__all__ = [
    "OWN_WEIGHT",
    "PairRuleOnset",
    "cap_fraction",
    "chord_angle",
    "gaussian_merge_probability",
    "gaussian_merge_probability_small",
    "memorized_distance",
    "merge_distance",
    "merge_probability",
    "own_gain",
    "pair_rule_onset",
]


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
