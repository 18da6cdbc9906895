r"""Replica-symmetric theory of the Hopfield model (Amit, Gutfreund & Sompolinsky).

Model: ``N`` Ising neurons ``S_i = ±1``, ``P = alpha N`` unbiased random patterns ``xi^mu``, Hebbian couplings
``J_ij = (1/N) sum_mu xi_i^mu xi_j^mu`` with ``J_ii = 0``, energy ``H = -(1/2) sum_{i != j} J_ij S_i S_j`` and
temperature ``T = 1/beta``.

A symmetric ``n``-mixture state has overlap ``m`` with each of ``n`` condensed patterns (``n = 1`` is a retrieval
state); the other patterns act as Gaussian noise of variance ``alpha r``. With ``z = sum_{mu<=n} xi^mu`` and the local
field ``h = m z + sqrt(alpha r) x``, ``x ~ N(0, 1)``, the replica-symmetric saddle point reads
(AGS 1987, Ann. Phys. 173, 30; for ``n = 1`` AGS 1985, Phys. Rev. Lett. 55, 1530)

.. math::

    m = \tfrac1n \langle\langle z \tanh\beta h\rangle\rangle, \qquad
    q = \langle\langle \tanh^2\beta h\rangle\rangle, \qquad
    r = \frac{q}{(1 - \beta(1-q))^2},

and the free energy per neuron (AGS 1987, written for ``n`` condensed patterns) is

.. math::

    f = \frac{\alpha}{2} + \frac{n m^2}{2}
        + \frac{\alpha}{2\beta}\Big[\ln(1-C) - \frac{\beta q}{1-C}\Big] + \frac{\alpha}{2} r C
        - \frac1\beta\langle\langle \ln 2\cosh\beta h\rangle\rangle, \qquad C = \beta(1-q).

The ``T = 0`` limit keeps ``C`` finite: ``tanh -> sign``, ``C = sqrt(2/pi)/sigma <exp(-(m z)^2/(2 sigma^2))>`` and
the energy is ``E = -(n m^2 + alpha (r - 1))/2`` (AGS 1987); it is computed in closed form.

How the equations are solved (robustly, with no starting guess): write ``sigma = sqrt(alpha r)``. At fixed
``sigma`` the ``m`` equation is that of a ferromagnet in a Gaussian random field, whose positive root is unique
(the right side is concave in ``m``) and found by bracketing. Then ``q`` and ``C`` follow, and the load is explicit,

.. math::  \alpha(\sigma) = \sigma^2 (1 - C)^2 / q .

Along a branch ``alpha(sigma)`` rises from 0, reaches its maximum at the spinodal (the largest load at which the
state exists, e.g. ``alpha_c(T)`` for ``n = 1``) and falls on the unstable side. A state at a given load is the root of
``alpha(sigma) = alpha`` on the rising side. The spin-glass state is the branch with ``m = 0``.
Gaussian averages use the composite quadrature of :mod:`amphase.theory.quadrature`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numba import njit
from scipy.optimize import brentq, minimize_scalar
from scipy.special import comb, erf

from amphase.errors import NoSolutionError
from amphase.params import fmt_value
from amphase.theory.quadrature import field_nodes, log2cosh, sech2

__all__ = [
    "FieldStats",
    "RSState",
    "field_stats",
    "maximal_load",
    "mixture_state",
    "spin_glass_state",
    "zero_temperature_alpha",
]

_SQRT2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_XTOL = 1e-14
_BRANCH_GRID = 24  # points of the coarse scan of a branch before its maximum is refined
_T_ZERO = 1e-100  # below this T the state is the T = 0 one: T S and the O(T^2) corrections are below 1e-98 (and
# beta = 1/T, beta^2 would overflow near 1e-154 and 1e-308)


def _temperature(T: float) -> float:
    """``T`` as the solvers use it: 0 below ``_T_ZERO`` (1e-100).

    There the ``T = 0`` closed forms are exact to double precision (the replicon is then ``-inf`` rather than
    ``-O(1/T)``).
    """
    T = float(T)
    return 0.0 if T < _T_ZERO else T


@dataclass(frozen=True)
class FieldStats:
    """Averages over the condensed-pattern sum ``z`` and the Gaussian noise ``x`` of ``h = m z + sigma x``.

    Attributes
    ----------
    M : float
        ``(1/n) <z tanh(beta h)>``; the ``m`` equation is ``m = M``.
    q : float
        ``<tanh^2(beta h)>``, the Edwards–Anderson order parameter.
    C : float
        ``beta (1 - q) = beta <sech^2(beta h)>``, finite at ``T = 0``.
    D : float
        ``1 - C`` without cancellation: ``(T - 1)/T + q/T`` where ``q < 1/2`` (exact in ``T - 1``, and ``q`` is
        accurate relative to itself, so ``D`` is resolved near ``T = 1`` and at the start of the spin-glass branch,
        where ``C`` rounds to 1), ``1 - C`` otherwise.
    L : float
        ``T <log 2 cosh(beta h)>``; ``<|h|>`` at ``T = 0``.
    S4 : float
        ``beta^2 <sech^4(beta h)>``, which enters the de Almeida–Thouless condition; ``inf`` at ``T = 0`` when the
        field has a density at ``h = 0``.

    """

    M: float
    q: float
    C: float
    D: float
    L: float
    S4: float


@dataclass(frozen=True)
class RSState:
    """A replica-symmetric solution.

    Attributes
    ----------
    n : int
        Number of condensed patterns (1: retrieval state; 0: spin-glass or paramagnetic state).
    alpha, T : float
        Load and temperature.
    m : float
        Overlap with each condensed pattern.
    q, r : float
        Edwards–Anderson parameter and the noise parameter ``r = q / (1 - C)^2``, computed as ``sigma^2 / alpha``
        (the same at the saddle point, and free of the cancellation in ``1 - C`` at small loads; ``inf`` where it
        exceeds the largest float, e.g. for the spin glass at ``alpha = 5e-324``).
    C : float
        ``beta (1 - q)``.
    sigma : float
        Standard deviation ``sqrt(alpha r)`` of the noise field.
    free_energy : float
        Free energy per neuron ``f``; at ``T = 0`` the energy per neuron.
    replicon : float
        De Almeida–Thouless (replicon) eigenvalue ``lambda_AT = 1 - alpha beta^2 <sech^4(beta h)> / (1 - C)^2``,
        normalised so that ``lambda_AT = 1`` without noise (``alpha = 0``); the replica-symmetric state is stable
        for a positive value, and ``lambda_AT = 0`` is the AT line ``(1 - C)^2 = alpha beta^2 <sech^4 beta h>`` of
        AGS 1987. At the saddle point ``alpha / (1 - C)^2 = sigma^2 / q``, so it is computed as
        ``1 - sigma^2 S4 / q``. ``-inf`` at ``T = 0`` and ``alpha > 0``.
    energy : float
        Energy per neuron ``E = d(beta f)/d beta``; at the saddle point only the explicit ``beta`` dependence counts
        (``f`` is stationary in ``m, q, r``), which with ``<h tanh beta h> = n m^2 + sigma^2 C`` (Gaussian integration
        by parts) gives ``E = -n m^2/2 - (alpha/2)(1/(1 - C) - 1 + r C)``; ``-(n m^2 + alpha (r - 1))/2`` at
        ``T = 0`` (AGS 1987) and ``-alpha / (2 (T - 1))`` for the paramagnet.

    """

    n: int
    alpha: float
    T: float
    m: float
    q: float
    r: float
    C: float
    sigma: float
    free_energy: float
    replicon: float
    energy: float = math.nan


@lru_cache(maxsize=64)
def _pattern_sums(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Values ``z >= 0`` of ``sum_{mu<=n} xi^mu`` and their probabilities, folded over ``z -> -z``."""
    z = np.arange(n % 2, n + 1, 2, dtype=float)
    p = np.array([comb(n, (n - int(v)) // 2, exact=True) for v in z], dtype=float) / 2.0**n
    p[z > 0] *= 2.0
    return z, p


@njit(cache=True)
def _field_kernel(zs: np.ndarray, ps: np.ndarray, m: float, sigma: float, T: float, only_m: bool) -> np.ndarray:
    """``[n M, q, C, L, S4]`` of :class:`FieldStats` (``M`` not yet divided by ``n``); ``only_m`` skips the rest."""
    out = np.zeros(5)
    for k in range(zs.size):
        z, p = zs[k], ps[k]
        a = m * z
        if T == 0.0:
            if sigma > 0.0:
                t = a / (sigma * _SQRT2)
                g = math.exp(-t * t)
                out[0] += p * z * math.erf(t)
                out[1] += p
                out[2] += p * _SQRT_2_OVER_PI * g / sigma
                out[3] += p * (a * math.erf(t) + sigma * _SQRT_2_OVER_PI * g)
                out[4] = math.inf
            elif a > 0.0:
                out[0] += p * z
                out[1] += p
                out[3] += p * a
            else:  # h = 0 exactly: tanh -> 0, beta sech^2 -> inf
                out[2] = math.inf
                out[4] = math.inf
            continue
        beta = 1.0 / T
        _, w, h = field_nodes(a, sigma, beta)
        for j in range(w.size):
            u = beta * h[j]
            th = math.tanh(u)
            out[0] += p * z * w[j] * th
            if only_m:
                continue
            s2 = sech2(u)
            out[1] += p * w[j] * th * th
            out[2] += p * beta * w[j] * s2
            out[3] += p * T * w[j] * log2cosh(u)
            out[4] += p * beta * beta * w[j] * s2 * s2
    return out


def field_stats(n: int, m: float, sigma: float, T: float) -> FieldStats:
    """Field averages of a symmetric ``n``-mixture with overlap ``m`` and noise ``sigma`` at temperature ``T``.

    ``n = 0`` (or ``m = 0``) gives the spin-glass / paramagnetic field ``h = sigma x``.
    """
    zs, ps = _pattern_sums(max(n, 1))
    T = float(T)
    M, q, C, L, S4 = (float(v) for v in _field_kernel(zs, ps, float(m), float(sigma), T, False))
    if T > 0.0 and q < 0.5:  # 1 - beta (1 - q) without the cancellation of 1 - C: T - 1 is exact
        D = (T - 1.0) / T + q / T
        C = 1.0 - D
    else:
        D = 1.0 - C
    return FieldStats(M=M / n if n else 0.0, q=q, C=C, D=D, L=L, S4=S4)


def _overlap_map(n: int, m: float, sigma: float, T: float) -> float:
    """``M(m) = (1/n) <z tanh(beta h)>`` alone: the right side of the ``m`` equation (the hot path of the solver)."""
    zs, ps = _pattern_sums(n)
    return float(_field_kernel(zs, ps, float(m), float(sigma), float(T), True)[0]) / n


def _free_energy(n: int, alpha: float, T: float, m: float, sigma: float, st: FieldStats) -> tuple[float, float]:
    """Free energy per neuron and ``r`` from the field averages (AGS 1987); see the module docstring.

    At ``alpha > 0`` the saddle point fixes ``1 - C = sqrt(alpha q) / sigma`` and ``r = sigma^2 / alpha``: these
    forms stay finite where ``1 - C`` is below the resolution of ``C`` (tiny loads, ``T`` near 1).
    """
    if alpha == 0.0:
        r = st.q / st.D**2 if st.D > 0.0 else math.nan
        return 0.5 * n * m * m - st.L, r
    root_alpha = math.sqrt(alpha)
    r = (sigma / root_alpha) * (sigma / root_alpha)  # inf beyond the largest float (spin glass at alpha ~ 1e-308)
    # alpha q / (1 - C) = sqrt(alpha q) sigma and alpha r C = sigma^2 C
    f = 0.5 * alpha + 0.5 * n * m * m - 0.5 * root_alpha * math.sqrt(st.q) * sigma + 0.5 * sigma * sigma * st.C - st.L
    if T > 0.0:  # (alpha T / 2) ln(1 - C) with 1 - C = sqrt(alpha q) / sigma
        f += 0.5 * alpha * T * (math.log(root_alpha) + 0.5 * math.log(st.q) - math.log(sigma))
    return f, r


def _make_state(n: int, alpha: float, T: float, m: float, sigma: float, st: FieldStats) -> RSState:
    f, r = _free_energy(n, alpha, T, m, sigma, st)
    # lambda_AT = 1 - alpha S4 / (1 - C)^2 = 1 - sigma^2 S4 / q at the saddle point
    replicon = 1.0 - sigma * sigma * st.S4 / st.q if alpha > 0.0 else 1.0
    if alpha > 0.0:  # alpha / (1 - C) = sqrt(alpha / q) sigma and alpha r C = sigma^2 C at the saddle point
        energy = -0.5 * n * m * m - 0.5 * (math.sqrt(alpha / st.q) * sigma - alpha + sigma * sigma * st.C)
    else:
        energy = -0.5 * n * m * m
    return RSState(
        n=n, alpha=alpha, T=T, m=m, q=st.q, r=r, C=st.C, sigma=sigma, free_energy=f, replicon=replicon, energy=energy
    )


def _gap_at_zero(sigma: float, T: float) -> float:
    """``1 - d M / d m`` at ``m = 0``: ``1 - beta <sech^2(beta sigma x)>`` (``D`` of the ``m = 0`` field), any ``n``."""
    if T == 0.0:
        return -math.inf if sigma == 0.0 else 1.0 - _SQRT_2_OVER_PI / sigma
    return field_stats(0, 0.0, sigma, T).D


@lru_cache(maxsize=4096)
def _unit_slope_noise(T: float) -> float:
    """Noise width at which ``beta <sech^2(beta sigma x)> = 1`` (0 for ``T >= 1``).

    Below it an ``m > 0`` root exists; and ``C = 1`` there on the ``m = 0`` branch, where the physical spin-glass
    branch (``C < 1``) starts. The root is taken of ``D = (T - 1)/T + q/T``, resolved even for ``T`` next to 1.
    """
    if T == 0.0:
        return _SQRT_2_OVER_PI
    if T >= 1.0:
        return 0.0
    hi = 1.0
    while _gap_at_zero(hi, T) < 0.0:  # D rises from (T - 1)/T < 0 at sigma = 0 towards 1 as sigma grows
        hi *= 2.0
    return brentq(lambda s: _gap_at_zero(s, T), 0.0, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps)


def _overlap_root(n: int, sigma: float, T: float) -> float:
    """The positive root of ``m = M(m)`` at fixed ``sigma`` (unique: ``M`` is concave in ``m``), or 0 if none."""
    if _gap_at_zero(sigma, T) >= 0.0:
        return 0.0

    def excess(m: float) -> float:
        return _overlap_map(n, m, sigma, T) - m

    if excess(1.0) >= 0.0:  # the perfect overlap m = 1: retrieval at T = 0, alpha = 0
        return 1.0
    lo = 1e-6
    while excess(lo) <= 0.0:
        lo *= 1e-3
        if lo < 1e-300:
            return 0.0
    # relative tolerance: m -> 0 as T -> 1; there (n = 199, T = 1 - 1e-12) rounding in M(m) can stall the last
    # digits, and the bracket reached after 100 steps is the answer (disp=False: no RuntimeError)
    root, _ = brentq(
        excess, lo, 1.0, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=100, full_output=True, disp=False
    )
    return root


def _branch_point(n: int, sigma: float, T: float) -> tuple[float, float, FieldStats]:
    """``(alpha(sigma), m, stats)`` on the ``n``-mixture branch (``n = 0``: spin glass); NaN load where unphysical."""
    m = _overlap_root(n, sigma, T) if n else 0.0
    st = field_stats(n, m, sigma, T)
    if (n and m == 0.0) or not st.D > 0.0 or st.q <= 0.0:
        return math.nan, m, st
    return sigma * sigma * st.D**2 / st.q, m, st


@lru_cache(maxsize=4096)
def _mixture_branch(n: int, T: float) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Coarse scan ``(sigma_k, alpha_k)`` of the ``n``-mixture branch at ``T`` and its refined maximum.

    Returns ``(sigmas, alphas, sigma_star, alpha_star)``; ``alpha_star`` is the largest load at which the state
    exists (NaN when the branch is empty).
    """
    if T >= 1.0:
        return np.empty(0), np.empty(0), math.nan, math.nan
    sigma_end = _unit_slope_noise(T)
    sigmas = sigma_end * np.arange(1, _BRANCH_GRID) / _BRANCH_GRID
    alphas = np.array([_branch_point(n, s, T)[0] for s in sigmas])
    if not np.any(np.isfinite(alphas)):
        return sigmas, alphas, math.nan, math.nan
    k = int(np.nanargmax(alphas))
    lo = sigmas[k - 1] if k > 0 else 0.0
    hi = sigmas[k + 1] if k + 1 < sigmas.size else sigma_end

    def neg_alpha(s: float) -> float:
        a = _branch_point(n, s, T)[0]
        return -a if np.isfinite(a) else 0.0

    res = minimize_scalar(neg_alpha, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12})
    s_star, a_star = (res.x, -res.fun) if -res.fun >= alphas[k] else (sigmas[k], alphas[k])
    return sigmas, alphas, float(s_star), float(a_star)


def maximal_load(n: int, T: float) -> tuple[float, float]:
    """Largest load at which the symmetric ``n``-mixture exists at temperature ``T``, and its overlap there.

    For ``n = 1`` this is the retrieval spinodal, the critical load ``alpha_c(T)`` of AGS (1987); at
    ``T = 0`` it is ``max_y alpha(y)`` with ``sqrt(2 alpha) = erf(y)/y - (2/sqrt(pi)) exp(-y^2)``
    (AGS 1987), ``alpha_c ≈ 0.138``.

    Returns
    -------
    alpha_max, m : float
        ``(0, 0)`` when the state does not exist even at ``alpha = 0`` (``T >= 1``, or ``T`` above the
        temperature where the mixture's ``C`` reaches 1).

    """
    T = _temperature(T)
    _, _, s_star, a_star = _mixture_branch(n, T)
    if not np.isfinite(a_star):
        return 0.0, 0.0
    return a_star, _branch_point(n, s_star, T)[1]


def mixture_state(n: int, alpha: float, T: float) -> RSState:
    """The stable replica-symmetric symmetric ``n``-mixture state at load ``alpha`` and temperature ``T``.

    ``n = 1`` gives the retrieval state (AGS 1985; AGS 1987).

    Raises
    ------
    NoSolutionError
        If the state does not exist at ``(alpha, T)``: ``alpha`` above its maximal load at ``T``.

    """
    T = _temperature(T)
    alpha = float(alpha)
    label = "retrieval" if n == 1 else f"symmetric {n}-mixture"
    if alpha == 0.0:
        m = _overlap_root(n, 0.0, T)
        if m == 0.0:
            raise NoSolutionError(f"no {label} solution at alpha=0, T={fmt_value(T)}: it exists only for T < 1")
        return _make_state(n, 0.0, T, m, 0.0, field_stats(n, m, 0.0, T))
    sigmas, alphas, s_star, a_star = _mixture_branch(n, T)
    if not np.isfinite(a_star) or alpha > a_star:
        limit = (
            f"its maximal load at T={fmt_value(T)} is {a_star:.10g}" if np.isfinite(a_star) else "it exists at no load"
        )
        raise NoSolutionError(f"no {label} solution at alpha={fmt_value(alpha)}, T={fmt_value(T)}: {limit}")
    rising = np.flatnonzero((sigmas < s_star) & (alphas < alpha))
    lo = sigmas[rising[-1]] if rising.size else 1e-3 * sigmas[0]
    above = np.flatnonzero((sigmas > lo) & (sigmas < s_star) & (alphas >= alpha))
    hi = sigmas[above[0]] if above.size else s_star

    def excess(log_s: float) -> float:
        return _relative_load_excess(n, math.exp(log_s), T, alpha, -1.0)

    while excess(math.log(lo)) >= 0.0 and lo > 1e-290:  # tiny loads: sigma ~ sqrt(alpha r), down to 1e-162
        lo *= 1e-4
    log_hi = math.log(hi)
    if excess(log_hi) <= 0.0:  # alpha at the top of the branch, within the rounding of exp(log(sigma))
        sigma = hi
    else:
        sigma = math.exp(brentq(excess, math.log(lo), log_hi, xtol=_XTOL))
    _, m, st = _branch_point(n, sigma, T)
    return _make_state(n, alpha, T, m, sigma, st)


def _relative_load_excess(n: int, sigma: float, T: float, alpha: float, unphysical: float) -> float:
    """``alpha(sigma) / alpha - 1`` on the ``n``-mixture branch (``n = 0``: spin glass), ``unphysical`` where none.

    Written as ``(sigma / sqrt(alpha))^2 (1 - C)^2 / q - 1`` so that loads down to the smallest float (where
    ``sigma^2`` would underflow) are resolved; roots are taken in ``log sigma``.
    """
    a, _, st = _branch_point(n, sigma, T)
    if not np.isfinite(a):
        return unphysical
    t = sigma / math.sqrt(alpha) * st.D
    return t * t / st.q - 1.0  # t * t overflows to inf, where t ** 2 would raise


def spin_glass_state(alpha: float, T: float) -> RSState:
    """The replica-symmetric spin-glass state (``m = 0``), or the paramagnet ``q = 0`` where it is the solution.

    The spin-glass solution ``q > 0`` exists for ``T < T_g = 1 + sqrt(alpha)`` (AGS 1987); above
    ``T_g`` and at ``alpha = 0`` the paramagnet ``q = r = 0`` with ``f = -T ln 2 + (alpha/2)(1 + T ln(1 - 1/T))``
    is returned. At ``T = 0`` the energy is ``-sqrt(2 alpha / pi) - 1/pi`` (from ``sigma = sqrt(alpha) +
    sqrt(2/pi)``).
    """
    T = _temperature(T)
    alpha = float(alpha)
    if alpha == 0.0 or T - 1.0 >= math.sqrt(alpha):  # T >= T_g; T - 1 is exact, 1 + sqrt(alpha) may round to 1
        f = 0.0 - T * math.log(2.0)  # 0.0 - ... keeps T = 0 at +0.0
        if alpha > 0.0:
            f += 0.5 * alpha * (1.0 + T * math.log1p(-1.0 / T))
        energy = -0.5 * alpha / (T - 1.0) if alpha > 0.0 else 0.0  # d(beta f)/d beta of the paramagnet
        return RSState(0, alpha, T, 0.0, 0.0, 0.0, 1.0 / T if T > 0 else math.inf, 0.0, f, math.nan, energy)
    start = _unit_slope_noise(T)  # where C = 1 (T < 1): the physical (C < 1) branch starts there
    alpha_lo = (T - 1.0) ** 2 if T >= 1.0 else 0.0  # load at the start of the physical branch

    def excess(log_s: float) -> float:
        return _relative_load_excess(0, math.exp(log_s), T, alpha, alpha_lo / alpha - 1.0)

    hi = max(2.0 * start, 1.0)
    while excess(math.log(hi)) < 0.0:
        hi *= 2.0
    if start > 0.0:
        lo = start * (1.0 - 1e-10)  # just before the branch: 1 - C < 0 there, even where C rounds to 1
    else:  # T >= 1: the branch starts at sigma = 0 with alpha = (T - 1)^2
        lo = 1e-3 * hi
        while excess(math.log(lo)) >= 0.0 and lo > 1e-290:
            lo *= 1e-4
    sigma = math.exp(brentq(excess, math.log(lo), math.log(hi), xtol=_XTOL))
    st = field_stats(0, 0.0, sigma, T)
    return _make_state(0, alpha, T, 0.0, sigma, st)


def zero_temperature_alpha(y: float | np.ndarray) -> float | np.ndarray:
    """Load of the ``T = 0`` retrieval solution with ``y = m / sqrt(2 alpha r)`` (AGS 1987).

    ``y (sqrt(2 alpha) + (2/sqrt(pi)) exp(-y^2)) = erf(y)`` solved for alpha:
    ``alpha(y) = (erf(y)/y - (2/sqrt(pi)) exp(-y^2))^2 / 2``, with ``m = erf(y)``. An independent closed form,
    used in the tests to check the general solver.
    """
    y = np.asarray(y, dtype=float)
    return 0.5 * (erf(y) / y - 2.0 / math.sqrt(math.pi) * np.exp(-y * y)) ** 2
