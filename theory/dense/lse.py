r"""Typical-pattern retrieval threshold of exponential (log-sum-exp) memories with ``P = exp(alpha N)`` patterns.

Setting (Lucibello & Mézard 2024, "Exponential capacity of dense associative memories", Phys. Rev. Lett. 132,
077301; arXiv:2304.14964; LM): ``P = exp(alpha N)`` patterns ``xi^mu`` in ``R^N``, either *spherical* (uniform on
the sphere ``|xi|^2 = N``) or *Gaussian* (i.i.d. standard normal entries); energy and one-step update

.. math::

    E(x) = -\frac{1}{\lambda} \ln \sum_\mu e^{\lambda\, \xi^\mu \cdot x}, \qquad
    x \leftarrow \sum_\mu \frac{e^{\lambda \xi^\mu\cdot x}}{\sum_\nu e^{\lambda \xi^\nu\cdot x}}\, \xi^\mu ,

with ``lambda`` the inverse temperature of LM (it multiplies the un-normalised dot product, ``xi . x = N q``).

The random-energy-model (REM) argument of LM, written out here: at ``x = xi^1`` the retrieved pattern has weight
``exp(lambda N)`` while the others form a REM with "energies" ``q_mu = xi^mu . xi^1 / N`` whose number at overlap
``q`` is ``exp(N [alpha + s(q)])``, with the entropy ``s(q) = (1/2) ln(1 - q^2)`` (spherical: the density of
``q`` is ``∝ (1-q^2)^{(N-3)/2}``) or ``s(q) = -q^2/2`` (Gaussian: ``q ~ N(0, 1/N)``). The REM free energy is

.. math::

    \phi(\alpha, \lambda) = \lim_{N\to\infty} \frac1N \ln \sum_{\mu > 1} e^{\lambda N q_\mu}
    = \max_{q:\ \alpha + s(q) \ge 0} \left[\alpha + s(q) + \lambda q\right],

and a typical pattern is retrieved iff ``lambda > phi(alpha, lambda)``; ``alpha_1(lambda)`` is where they are equal.
The maximiser is ``q* = s'^{-1}(-lambda)`` unless the constraint binds (REM condensation, where a few patterns of
overlap ``q_max``, ``s(q_max) = -alpha``, dominate). Closed forms:

* spherical: ``q* = (sqrt(1 + 4 lambda^2) - 1)/(2 lambda)`` and, the constraint never binding at the threshold,
  ``alpha_1 = lambda (1 - q*) - (1/2) ln(1 - q*^2)``; ``alpha_1 ≈ lambda - lambda^2/2`` for small ``lambda`` and
  ``alpha_1 = 1/2 + (1/2) ln(lambda) + O(1/lambda)`` for ``lambda -> oo`` (no finite zero-temperature limit);
* Gaussian: ``alpha_1 = lambda - lambda^2/2`` for ``lambda <= 1`` and ``alpha_1 = 1/2`` for ``lambda >= 1``
  (condensed: ``q_max = sqrt(2 alpha) < 1``); the REM condenses at ``lambda_*(alpha) = sqrt(2 alpha)``.

What was checked against the literature, and what was not
------------------------------------------------------------
The paper's own text (equations and their numbers) could not be read here: the stored copies of arXiv:2304.14964
(arxiv.org abstract, ar5iv, sciencestack) hold its abstract and introduction only, and no repository of the authors
holds the formulas. So no equation number of LM is quoted. What the stored material confirms:

* LM's abstract: an auxiliary REM gives the exact typical-pattern threshold ``alpha_1`` and lower bounds on
  ``alpha_c`` (all patterns); Gaussian and spherical patterns have qualitatively different phase diagrams, and a
  summary of the paper (sciencestack.ai, 2304.14964) adds that for spherical patterns ``alpha_1 = alpha_c`` while
  Gaussian patterns show a gap and a REM condensation at ``lambda_*(alpha, rho)``;
* a later paper that reproduces LM's spherical threshold (Petrova, Polyachenko & State, the LSE-capacity draft in
  github.com/epolyach/DenseAM-GPU, ``AAAI_Ramsauer/LSE_capacity_v7.tex``, with ``beta`` multiplying
  ``N (phi - 1)``, i.e. LM's ``lambda`` in the convention above) writes the threshold as
  ``alpha_c(lambda) = lambda - max_phi [ln(1 - phi^2)/2 + lambda phi]`` with the saddle
  ``phi* = (sqrt(1 + 4 lambda^2) - 1)/(2 lambda)``, "the exact spherical threshold of LM at every lambda",
  ``= 0.6226`` at ``lambda = 1``, and quotes LM's Gaussian threshold ``alpha_1(lambda = 1) = 1/2``. Both agree with
  the closed forms here (``lse_threshold(1).alpha_1 = 0.62256...``, tested).

The convention for ``lambda`` (multiplying the un-normalised ``xi . x``, so the retrieved pattern's score is
``lambda N``) and the normalisation ``|xi|^2 = N`` are those of that source; that they are LM's own is inferred,
not read. The threshold is the REM criterion at ``x = xi^1`` (the retrieved pattern keeps the softmax weight), which
asymptotically is also the fixed-point criterion: below ``alpha_1`` the weight of ``xi^1`` is ``1 - e^{-cN}`` and
the update leaves ``x`` at ``xi^1``; above it the weight is ``e^{-cN}``.

Finite ``N`` (:func:`annealed_threshold`)
-----------------------------------------
At finite ``N`` the weight of the cued pattern at ``x = xi^1`` is ``1/(1 + Z)``, ``Z = sum_{mu > 1}
exp(lambda (xi^mu . xi^1 - |xi^1|^2))``, and it is 1/2 where ``Z = 1``. Replacing ``Z`` by its mean over the other
patterns (annealed; exact at leading order in the uncondensed REM, where spherical patterns are at the threshold):

* spherical: ``E exp(lambda N q) = Gamma(N/2) (lambda N/2)^(1 - N/2) I_{N/2-1}(lambda N)`` (the moment generating
  function of one coordinate of a uniform unit vector), so ``(P - 1) = 1/E exp(lambda N (q - 1))``;
* Gaussian, ``lambda <= 1``: given ``r = |xi^1|^2``, ``E Z = (P - 1) exp(-r (lambda - lambda^2/2))``; half of the
  cued patterns are kept where ``ln(P - 1) = (lambda - lambda^2/2) median(chi^2_N)``;
* Gaussian, ``lambda > 1`` (condensed: the annealed mean is carried by patterns that do not exist in a typical
  sample): ``Z`` is replaced by its largest term, retrieval iff ``max_mu xi^mu . xi^1 < r``, with probability
  ``E_r Phi(sqrt r)^(P - 1)`` (``r ~ chi^2_N``); this overestimates the retrieval (``Z`` is larger than its largest
  term), so it is an upper estimate of the half-point.

Both tend to ``alpha_1`` as ``N -> oo``; they describe the one-step criterion at the pattern. The end of the
iteration loses patterns whose weight starts below 1: after one step ``x = p_1 xi^1 + ...`` and the signal shrinks
to ``lambda p_1 N``. :func:`fixed_point_threshold` follows this with the state kept along ``xi^1``,
``x = m xi^1``: the crosstalk at overlap ``m`` is the annealed ``Z(m) = (P - 1) E exp(lambda m N (q - 1))``, the
cued weight ``p_1 = 1/(1 + Z(m))``, and the other patterns carry their tilted mean overlap ``qbar(m)``
(spherical: ``d/dt ln E e^{tq}`` at ``t = lambda m N``; Gaussian: ``lambda m``, with ``|xi^1|^2`` at the median of
``chi^2_N``), so ``m <- p_1 + (1 - p_1) qbar``. Iterated from ``m = 1`` its fixed point jumps from near 1 to near
0 (a saddle-node) at a load below ``alpha_1`` by about ``ln(e N lambda (1 - q*))/N``: a ``ln N / N`` correction,
0.12 at ``N = 24``, ``lambda = 0.5``. The component of ``x`` along the other patterns is neglected (derived here,
not from LM).

The tests check the closed forms against a direct numerical maximisation of ``phi`` and the limits above, and
(slow) against an exact finite-``N`` sampling of the crosstalk: the retrieved pattern's softmax weight at ``x = xi^1``
crosses 1/2 at ``alpha_1`` (spherical patterns, ``N = 32`` and 120: median log-odds within 0.2 of 0 at ``alpha_1``,
``±3.4`` at ``0.7`` and ``1.3 alpha_1``; Gaussian patterns add the fluctuation of ``|xi^1|^2``).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

__all__ = [
    "PATTERNS",
    "FiniteThreshold",
    "LSEThreshold",
    "annealed_threshold",
    "fixed_point_threshold",
    "log_mgf_sphere",
    "lse_threshold",
    "rem_free_energy",
]

#: the pattern ensembles: uniform on the sphere |xi|^2 = N, or i.i.d. standard normal entries.
PATTERNS = ("spherical", "gaussian")


class LSEThreshold(NamedTuple):
    """Typical-pattern threshold and the REM state there."""

    alpha_1: float
    q_star: float
    lambda_condensation: float


class FiniteThreshold(NamedTuple):
    """Finite-``N`` half-point of the one-step criterion (module docstring, "Finite N")."""

    alpha_half: float
    alpha_fixed_point: float
    alpha_1: float


def _gaussian(patterns: str) -> bool:
    if patterns not in PATTERNS:
        raise ValueError(f"patterns={patterns!r}; allowed: {', '.join(PATTERNS)}")
    return patterns == "gaussian"


def _entropy(q: float, gaussian: bool) -> float:
    if gaussian:
        return -0.5 * q * q
    return 0.5 * math.log1p(-q * q) if abs(q) < 1.0 else -math.inf


def rem_free_energy(alpha: float, lam: float, patterns: str = "spherical") -> tuple[float, float]:
    """REM free energy ``phi(alpha, lambda)`` and the dominating overlap (closed form; module docstring)."""
    gaussian = _gaussian(patterns)
    if gaussian:
        q_free, q_max = lam, math.sqrt(2.0 * alpha)
    else:
        q_free = _q_spherical(lam)
        q_max = math.sqrt(-math.expm1(-2.0 * alpha))
    q = min(q_free, q_max)
    return alpha + _entropy(q, gaussian) + lam * q, q


def lse_threshold(lam: float, patterns: str = "spherical") -> LSEThreshold:
    """``alpha_1(lambda)``: largest ``alpha`` with ``lambda > phi(alpha, lambda)`` (module docstring)."""
    if _gaussian(patterns):
        if lam <= 1.0:
            a1, q = lam - 0.5 * lam * lam, lam
        else:
            a1, q = 0.5, 1.0
        return LSEThreshold(a1, q, math.sqrt(2.0 * a1))
    q = _q_spherical(lam)
    if lam <= 1.0:
        a1 = lam * (1.0 - q) - 0.5 * math.log(q / lam)  # 1 - q*^2 = q*/lambda
    else:  # 1 - q ~ 1/(2 lambda) loses digits to cancellation (all of them past 1e16): computed without it
        a1 = lam * _one_minus_q_spherical(lam) - 0.5 * (math.log(q) - math.log(lam))
    qm = math.sqrt(-math.expm1(-2.0 * a1))  # overlap at which the REM at alpha_1 would condense
    lam_c = qm * math.exp(2.0 * a1) if a1 < 354.0 else math.inf  # lambda_* = q_max / (1 - q_max^2)
    return LSEThreshold(a1, q, lam_c)


def _root_term(lam: float) -> float:
    """``sqrt(1 + 4 lambda^2)``, without overflow at large ``lambda``."""
    return math.sqrt(1.0 + 4.0 * lam * lam) if lam < 1e100 else lam * math.sqrt(4.0 + 1.0 / (lam * lam))


def _q_spherical(lam: float) -> float:
    """Root of ``q/(1 - q^2) = lambda`` in ``[0, 1)``: ``(sqrt(1 + 4 lambda^2) - 1)/(2 lambda)``, no cancellation."""
    return 2.0 * lam / (1.0 + _root_term(lam))


def _one_minus_q_spherical(lam: float) -> float:
    """``1 - q`` of :func:`_q_spherical` without cancellation: ``(1 + 1/(s + 2 lambda))/(1 + s)``, ``s`` the root."""
    s = _root_term(lam)
    return (1.0 + 1.0 / (s + 2.0 * lam)) / (1.0 + s)


def log_mgf_sphere(t: float, N: int) -> float:
    r"""``ln E exp(t q)`` for ``q`` one coordinate of a uniform unit vector in ``R^N`` (``N >= 3``), no overflow.

    ``E e^{tq} = Gamma(N/2) (t/2)^{1-N/2} I_{N/2-1}(t)``: the density of ``q`` is
    ``C_N (1-q^2)^{(N-3)/2}``, ``C_N = Gamma(N/2)/(sqrt(pi) Gamma((N-1)/2))``. Evaluated by quadrature of the
    integrand divided by its value at its maximum ``q_0`` (``t (1 - q_0^2) = (N - 3) q_0``), so it holds at any order
    and argument (the Bessel function itself under- or overflows).
    """
    return _tilted_sphere(t, N)[0] + abs(t)


def _tilted_sphere(t: float, N: int) -> tuple[float, float]:
    """``ln E exp(t q) - |t|`` and the tilted mean ``E[q e^{tq}]/E[e^{tq}]`` (:func:`log_mgf_sphere`).

    The first is returned less ``|t|`` (its growth), which keeps its digits however large ``t`` is.
    """
    k = 0.5 * (N - 3)
    a = abs(t)
    if N == 3:  # q is uniform on [-1, 1]: E e^{tq} = sinh(t)/t, tilted mean coth(t) - 1/t (exact)
        if a < 1e-8:
            return a * a / 6.0 - a, t / 3.0
        return math.log(-math.expm1(-2.0 * a)) - math.log(2.0 * a), math.copysign(1.0 / math.tanh(a) - 1.0 / a, t)
    n3 = N - 3.0
    root = math.sqrt(n3 * n3 + 4.0 * a * a) if a < 1e150 else a * math.sqrt(4.0 + (n3 / a) ** 2)
    s0 = (n3 + n3 * n3 / (root + 2.0 * a)) / (n3 + root)  # 1 - |q0| without cancellation
    if s0 >= 0.5:
        log_e, mean = _tilted_sphere_centre(t, N, k)
        return log_e - a, mean
    return _tilted_sphere_edge(a, N, k, max(s0, 1e-300), t)


def _tilted_sphere_edge(a: float, N: int, k: float, s0: float, t: float) -> tuple[float, float]:
    """:func:`_tilted_sphere` for a peak squeezed against the edge the tilt pushes towards (``|q0| > 1/2``).

    In ``s = 1 - |q| = s0 (1 + x)`` (``E e^{tq}`` is even in ``t``) the exponent, relative to its maximum at
    ``x = 0``, is ``h(x) = -a s0 x + k ln(1 + x) + k ln(1 - s0 x/(2 - s0))``: concave, of width ``1/sqrt(k)`` or
    less, and computed without the cancellation of large terms.
    """
    from scipy.integrate import quad
    from scipy.special import gammaln

    c = s0 / (2.0 - s0)

    def h(x: float) -> float:
        return -a * s0 * x + k * (math.log1p(x) + math.log1p(-c * x)) if -1.0 < x < 1.0 / c else -math.inf

    width = 1.0 / math.sqrt(k * (1.0 + c * c))  # from the curvature at x = 0
    top = 2.0 / s0 - 1.0
    pts = sorted({0.0} | {min(max(sign * width * 2.0**j, -1.0), top) for j in range(0, 45, 3) for sign in (-1, 1)})
    opts = {"points": pts, "limit": 400, "epsabs": 0.0, "epsrel": 1e-11}
    val, _ = quad(lambda x: math.exp(h(x)), -1.0, top, **opts)
    first, _ = quad(lambda x: x * math.exp(h(x)), -1.0, top, **{**opts, "epsabs": 1e-14 * val})
    log_c = gammaln(0.5 * N) - 0.5 * math.log(math.pi) - gammaln(0.5 * (N - 1))
    # ln E e^{|t| q} - |t| = ln C + max of (-|t| s + k ln(s (2 - s))) + ln(s0 * integral over x)
    peak = -a * s0 + k * (math.log(s0) + math.log(2.0 - s0))
    mean_s = s0 * (1.0 + first / val)
    return float(log_c + peak + math.log(s0 * val)), math.copysign(1.0 - mean_s, t)


def _tilted_sphere_centre(t: float, N: int, k: float) -> tuple[float, float]:
    """``ln E exp(t q)`` and the tilted mean, by quadrature in ``q``, for a peak ``q0`` at most 1/2 from the centre."""
    from scipy.integrate import quad
    from scipy.special import gammaln

    q0 = 2.0 * t / ((N - 3) + math.sqrt((N - 3) ** 2 + 4.0 * t * t))

    def f(q: float) -> float:
        return t * q + (k * math.log1p(-q * q) if abs(q) < 1.0 else -math.inf)

    f0 = f(q0)
    width = 1.0 / math.sqrt(abs(t) * 1.0 + N)  # the peak's scale, as a break point for the quadrature
    pts = sorted({max(-1.0, q0 - 8 * width), q0, min(1.0, q0 + 8 * width)})
    opts = {"points": pts, "limit": 200, "epsabs": 0.0, "epsrel": 1e-11}
    val, _ = quad(lambda q: math.exp(f(q) - f0), -1.0, 1.0, **opts)
    first, _ = quad(lambda q: q * math.exp(f(q) - f0), -1.0, 1.0, **{**opts, "epsabs": 1e-12 * val})
    log_c = gammaln(0.5 * N) - 0.5 * math.log(math.pi) - gammaln(0.5 * (N - 1))
    return float(log_c + f0 + math.log(val)), first / val


def fixed_point_threshold(N: int, lam: float, patterns: str = "spherical", m_half: float = 0.5) -> float:
    """Finite-``N`` load where the update iterated from ``x = xi^1`` ends with overlap ``m_half`` (mean field).

    The map of the overlap ``m`` (module docstring, "Finite N": the state kept along ``xi^1``, the crosstalk
    annealed) is iterated from ``m = 1`` to its fixed point; the returned ``alpha`` is where that fixed point
    falls through ``m_half`` (it jumps: a saddle-node). NaN for Gaussian patterns at ``lambda >= 1`` (the annealed
    crosstalk is then carried by overlaps ``>= 1`` that a typical sample does not hold).
    """
    import numpy as np
    from scipy.optimize import brentq

    gaussian = _gaussian(patterns)
    if gaussian and lam >= 1.0:
        return math.nan
    m = np.linspace(m_half, 1.0, 801)  # the map is increasing in m: its iteration from m = 1 ends at the largest
    # fixed point, which is >= m_half iff F(m) >= m somewhere on [m_half, 1]
    if gaussian:
        from scipy.stats import chi2

        r = float(chi2.median(N))  # scores lambda m xi^mu.xi^1 ~ lambda m sqrt(r) g against lambda m r
        log_e, qbar = 0.5 * (lam * m) ** 2 * r - lam * m * r, lam * m
    else:
        log_e, qbar = _tilted_sphere_many(lam * m * N, N)  # ln E e^{t q} - t

    def margin(alpha: float) -> float:
        log_pm1 = alpha * N + math.log(-math.expm1(-alpha * N))
        p1 = 1.0 / (1.0 + np.exp(np.minimum(log_pm1 + log_e, 700.0)))
        return float(np.max(p1 + (1.0 - p1) * qbar - m))

    hi = lse_threshold(lam, patterns).alpha_1 * 2.0 + 2.0 / N
    lo = 1e-9
    if margin(lo) < 0 or margin(hi) >= 0:
        return math.nan
    return float(brentq(margin, lo, hi, xtol=1e-9))


def _tilted_sphere_many(t: Any, N: int) -> tuple[Any, Any]:
    """:func:`_tilted_sphere` at many ``t > 0``: ``ln E e^{tq} - t`` and the tilted mean.

    Bessel ratios where they are representable, quadrature elsewhere:
    ``ln E e^{tq} = ln Gamma(N/2) - nu ln(t/2) + ln I_nu(t)`` and the tilted mean ``I_{nu+1}(t)/I_nu(t)``,
    ``nu = N/2 - 1``.
    """
    import numpy as np
    from scipy.special import gammaln, ive

    t = np.asarray(t, dtype=float)
    nu = 0.5 * N - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        i0, i1 = ive(nu, t), ive(nu + 1.0, t)
        log_e = gammaln(0.5 * N) - nu * np.log(0.5 * t) + np.log(i0)  # less t (ive is I e^-t)
        mean = i1 / i0
    bad = ~(np.isfinite(log_e) & np.isfinite(mean) & (i0 > 1e-280))
    for i in np.flatnonzero(bad):
        log_e[i], mean[i] = _tilted_sphere(float(t[i]), N)
    return log_e, mean


def annealed_threshold(N: int, lam: float, patterns: str = "spherical") -> FiniteThreshold:
    """Finite-``N`` half-point ``alpha = ln(P)/N`` of the one-step criterion (module docstring, "Finite N")."""
    a1 = lse_threshold(lam, patterns).alpha_1
    if not _gaussian(patterns):
        # (P - 1) E exp(lambda N (q - 1)) = 1
        log_pm1 = -_tilted_sphere(lam * N, N)[0]  # ln E e^{lambda N q} - lambda N, exact at any lambda N
        return FiniteThreshold(_log1pexp(log_pm1) / N, fixed_point_threshold(N, lam, patterns), a1)
    from scipy.stats import chi2

    if lam <= 1.0:
        log_pm1 = (lam - 0.5 * lam * lam) * float(chi2.median(N))
        return FiniteThreshold(_log1pexp(log_pm1) / N, fixed_point_threshold(N, lam, patterns), a1)
    return FiniteThreshold(_largest_term_half(N), math.nan, a1)


def _log1pexp(x: float) -> float:
    """``ln(1 + e^x)`` without overflow: ``ln P`` from ``ln(P - 1)``."""
    return x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x))


def _largest_term_half(N: int) -> float:
    """``alpha`` where ``E_r Phi(sqrt r)^(P-1) = 1/2``, ``r ~ chi^2_N``, ``P = e^(alpha N)`` (Gauss-Laguerre in r)."""
    import numpy as np
    from scipy.optimize import brentq
    from scipy.special import log_ndtr
    from scipy.stats import chi2

    r = chi2.ppf((np.arange(2000) + 0.5) / 2000, N)  # equal-probability nodes of chi^2_N
    log_tail = log_ndtr(-np.sqrt(r))  # ln(1 - Phi(sqrt r))
    small = log_tail < -30.0  # -ln(1 - tail) = tail to double precision
    exact = np.log(-np.log1p(-np.exp(np.where(small, -30.0, log_tail))))
    log_neg_log_phi = np.where(small, log_tail, exact)  # ln(-ln Phi(sqrt r))

    def kept(alpha: float) -> float:
        log_pm1 = alpha * N + math.log(-math.expm1(-alpha * N))  # ln(P - 1)
        with np.errstate(over="ignore"):  # Phi^(P-1) = exp((P-1) ln(1 - tail)), in logs
            return float(np.mean(np.exp(-np.exp(log_pm1 + log_neg_log_phi)))) - 0.5

    return float(brentq(kept, 1e-6, 3.0, xtol=1e-10))
