r"""Phase boundaries of the Hopfield model in the (alpha, T) plane, replica-symmetric theory.

The lines of the Amit–Gutfreund–Sompolinsky phase diagram (AGS 1985, Phys. Rev. Lett. 55, 1530; AGS 1987,
Ann. Phys. 173, 30):

* ``T_g(alpha) = 1 + sqrt(alpha)``: the spin-glass state appears (AGS 1987);
* ``T_M(alpha)``: retrieval states exist below it; its inverse is the critical load ``alpha_c(T)``, the retrieval
  spinodal, ``alpha_c(0) ≈ 0.138`` with ``m ≈ 0.967``, ``T_M ≈ 1 - 1.95 sqrt(alpha)`` for small ``alpha``. The
  replica-symmetric ``alpha_c(T)`` is not monotonic: it rises from ``alpha_c(0) = 0.1379055665`` to its maximum
  ``0.1381885112`` at ``T = 0.0228735497`` (:func:`alpha_c_maximum`), so between those loads the ``T_M`` line is
  reentrant and retrieval states exist only for ``T_M_lower <= T <= T_M`` (:func:`T_M_crossings`);
* ``T_c(alpha)``: retrieval states are global free-energy minima below it (their free energy equals the spin
  glass's on it); it reaches ``T = 0`` at ``alpha_0 ≈ 0.0519`` where the ``T = 0`` energies cross;
* ``T_R(alpha)``: the de Almeida–Thouless line of the retrieval states, below which replica symmetry of the
  retrieval solution is broken (AGS 1987): ``(1 - C)^2 = alpha beta^2 <<sech^4 beta(m + sqrt(alpha r) z)>>``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from amphase.errors import NoSolutionError
from amphase.params import fmt_value
from amphase.theory.hopfield.replica_symmetric import (
    _branch_point,
    _mixture_branch,
    maximal_load,
    mixture_state,
    spin_glass_state,
)

__all__ = [
    "T_M",
    "T_R",
    "T_M_crossings",
    "T_c",
    "T_c_crossings",
    "T_g",
    "alpha_0",
    "alpha_AT",
    "alpha_c",
    "alpha_c_maximum",
    "alpha_global",
    "free_energy_gap",
]

_XTOL = 1e-12
_DT = 1e-5  # step of the centred difference of alpha(sigma, T) in T at the maximum of alpha_c(T)
_T_SWITCH = 1e-8  # below this the AT line is taken from its low-temperature expansion (relative error O(T^2))


def T_g(alpha: float) -> float:
    """Spin-glass transition temperature ``T_g = 1 + sqrt(alpha)`` (AGS 1985 PRL; AGS 1987)."""
    return 1.0 + math.sqrt(alpha)


def alpha_c(T: float) -> tuple[float, float]:
    """Critical load ``alpha_c(T)`` above which no retrieval state exists, and the retrieval overlap there.

    The maximum over the retrieval branch of ``alpha(sigma) = sigma^2 (1 - C)^2 / q`` (see
    :mod:`~amphase.theory.hopfield.replica_symmetric`); the inverse of ``T_M``. ``alpha_c(0) = 0.13791`` with
    ``m = 0.96742`` (AGS quote 0.138 and 0.967; Steffan & Kühn, Z. Phys. B 95, 249 (1994) give
    ``alpha_c^RS ≃ 0.137905``). It rises to ``0.1381885112`` at ``T = 0.0228735497`` (:func:`alpha_c_maximum`) and
    vanishes like ``((1 - T)/1.95)^2`` as ``T -> 1``. Within about ``1e-13`` of ``T = 1`` the branch is below the
    resolution of double precision and ``(0, 0)`` is returned (retrieval states at ``alpha = 0`` only).

    Raises
    ------
    NoSolutionError
        For ``T >= 1``: there is no retrieval state at any load, ``alpha = 0`` included (the ``m`` equation
        ``m = tanh(beta m)`` has no root ``m > 0``), as :func:`~amphase.theory.hopfield.replica_symmetric.mixture_state`
        says for ``hopfield.overlap alpha=0 T>=1``.

    """
    T = float(T)
    if T >= 1.0:
        raise NoSolutionError(f"no retrieval state at any load for T >= 1 (T={fmt_value(T)})")
    return maximal_load(1, T)


def _alpha_c_value(T: float) -> float:
    """``alpha_c(T)``, extended by 0 to ``T >= 1`` (for root finding in ``T``)."""
    return maximal_load(1, T)[0] if T < 1.0 else 0.0


def _alpha_c_slope(T: float) -> float:
    """``d alpha_c / dT`` by the envelope theorem: ``d/dT max_sigma alpha(sigma, T)`` is ``d alpha / dT`` at ``sigma*``.

    A centred difference with step ``1e-5`` (truncation error ~1e-11 in the root, checked against 1e-4 and 1e-6).
    """
    s_star = _mixture_branch(1, T)[2]
    return (_branch_point(1, s_star, T + _DT)[0] - _branch_point(1, s_star, T - _DT)[0]) / (2.0 * _DT)


@lru_cache(maxsize=1)
def alpha_c_maximum() -> tuple[float, float]:
    """The maximum of the replica-symmetric ``alpha_c(T)``: ``(T_max, alpha_max) = (0.0228735497, 0.1381885112)``.

    ``alpha_c(T)`` rises from ``alpha_c(0) = 0.1379055665`` (the replica-symmetric entropy of the retrieval state is
    negative at low ``T``, the same artefact that makes ``T_c`` reentrant; AGS 1987) and falls to 0 at ``T = 1``.
    ``T_max`` is the root of ``d alpha_c / dT`` (envelope theorem, see :func:`_alpha_c_slope`); the maximum is flat,
    so ``alpha_max`` is accurate to ~1e-15 even though ``T_max`` is known to ~1e-10.
    """
    t_max = brentq(_alpha_c_slope, 0.005, 0.05, xtol=_XTOL)
    return t_max, maximal_load(1, t_max)[0]


def T_M_crossings(alpha: float) -> tuple[float, float]:
    """Temperatures ``(T_M_lower, T_M)`` between which retrieval states exist at load ``alpha``.

    Roots in ``T`` of ``alpha_c(T) = alpha`` (line T_M of the AGS 1985 PRL phase diagram). ``T_M(0) = 1``,
    ``T_M(alpha_c(0)) = 0``. ``T_M_lower = 0`` for ``alpha <= alpha_c(0)``; for ``alpha_c(0) < alpha <= alpha_max``
    (:func:`alpha_c_maximum`) the line is reentrant: ``T_M_lower`` is the root below ``T_max``, ``T_M`` the one above,
    and retrieval states exist for ``T_M_lower <= T <= T_M``. Both roots to ``1e-12`` in ``T``.

    Raises
    ------
    NoSolutionError
        For ``alpha > alpha_max = 0.1381885112``, where no retrieval state exists at any temperature.

    """
    alpha = float(alpha)
    if alpha == 0.0:
        return 0.0, 1.0
    t_max, a_max = alpha_c_maximum()
    if alpha > a_max:
        raise NoSolutionError(
            f"no retrieval state at alpha={fmt_value(alpha)} at any temperature: the largest critical load is "
            f"alpha_c = {a_max:.10g}, at T = {t_max:.10g}"
        )
    if alpha == a_max:
        return t_max, t_max
    upper = brentq(lambda T: _alpha_c_value(T) - alpha, t_max, 1.0, xtol=_XTOL)
    a0 = maximal_load(1, 0.0)[0]
    if alpha <= a0:
        return 0.0, upper
    return brentq(lambda T: _alpha_c_value(T) - alpha, 0.0, t_max, xtol=_XTOL), upper


@lru_cache(maxsize=1024)
def T_M(alpha: float) -> float:
    """Temperature below which retrieval states exist at load ``alpha``: the upper root of :func:`T_M_crossings`.

    Raises
    ------
    NoSolutionError
        For ``alpha > alpha_max = 0.1381885112`` (the maximum of ``alpha_c(T)``).

    """
    return T_M_crossings(alpha)[1]


def free_energy_gap(alpha: float, T: float) -> float:
    """``f_retrieval - f_spin_glass`` at ``(alpha, T)``; negative where retrieval states are global minima."""
    return mixture_state(1, alpha, T).free_energy - spin_glass_state(alpha, T).free_energy


@lru_cache(maxsize=1)
def alpha_0() -> float:
    """Load at which, at ``T = 0``, the retrieval and spin-glass energies cross: ``alpha_0 ≈ 0.0519``.

    Below it retrieval states are the ground states (the abstract of AGS 1985 PRL: "ground states at alpha < 0.05").
    The energies are
    ``E_R = -(m^2 + alpha (r - 1))/2`` and ``E_SG = -sqrt(2 alpha/pi) - 1/pi``.
    """
    return brentq(lambda a: free_energy_gap(a, 0.0), 0.01, alpha_c(0.0)[0] * (1.0 - 1e-12), xtol=_XTOL)


def T_c_crossings(alpha: float) -> tuple[float, float]:
    """Temperatures ``(T_c_lower, T_c)`` between which retrieval states are global free-energy minima.

    Roots in ``T`` of ``f_retrieval(alpha, T) = f_spin_glass(alpha, T)`` on ``[T_M_lower, T_M)``. For
    ``alpha <= alpha_0`` the lower one is 0: retrieval states are global minima for every ``T < T_c``. The
    replica-symmetric line is reentrant: just above ``alpha_0`` (up to ``alpha ≈ 0.053`` at ``T ≈ 0.085``) retrieval
    states are global minima only in a window of temperature, because the RS spin-glass entropy is negative at low
    ``T`` (an artefact of replica symmetry). At most two crossings are assumed.

    Raises
    ------
    NoSolutionError
        Where retrieval states are never global minima (``alpha`` above the tip of the line).

    """
    if alpha == 0.0:
        return 0.0, 1.0
    t_min, t_max = T_M_crossings(alpha)
    t_min, t_max = t_min * (1.0 + 1e-10), t_max * (1.0 - 1e-10)
    temps = list(np.linspace(t_min, t_max, 13))
    gaps = [free_energy_gap(alpha, T) for T in temps]
    if min(gaps) >= 0.0:  # a window narrower than the scan? look around the smallest gap
        k = int(np.argmin(gaps))
        res = minimize_scalar(
            lambda T: free_energy_gap(alpha, T),
            bounds=(temps[max(k - 1, 0)], temps[min(k + 1, len(temps) - 1)]),
            method="bounded",
            options={"xatol": 1e-10},
        )
        if res.fun >= 0.0:
            raise NoSolutionError(
                f"retrieval states are never global minima at alpha={fmt_value(alpha)} (T_c exists up to alpha ≈ 0.053)"
            )
        k = int(np.searchsorted(temps, res.x))
        temps.insert(k, float(res.x))
        gaps.insert(k, float(res.fun))
    negative = np.flatnonzero(np.asarray(gaps) < 0.0)
    first, last = int(negative[0]), int(negative[-1])
    resolution = 64.0 * np.finfo(float).eps * abs(spin_glass_state(alpha, t_max).free_energy)
    if last == len(temps) - 1 or min(abs(gaps[last]), abs(gaps[last + 1])) < resolution:
        # T_c < T_M: a negative gap at T_M (1 - 1e-10), or one within rounding: T_c is not resolved (alpha < 1e-14)
        raise NoSolutionError(
            f"T_c at alpha={fmt_value(alpha)} is not resolved in double precision: the free-energy gap near T_M is "
            "rounding"
        )
    upper = brentq(lambda T: free_energy_gap(alpha, T), temps[last], temps[last + 1], xtol=_XTOL)
    if first == 0:
        return t_min, upper
    lower = brentq(lambda T: free_energy_gap(alpha, T), temps[first - 1], temps[first], xtol=_XTOL)
    return lower, upper


def T_c(alpha: float) -> float:
    """Temperature below which retrieval states are global free-energy minima (line T_c of AGS 1985 PRL).

    The upper root of ``f_retrieval = f_spin_glass`` (see :func:`T_c_crossings`); ``T_c(0) = 1``,
    ``T_c ≈ 1 - 2.6 sqrt(alpha)`` for small ``alpha``, ``T_c(alpha_0) ≈ 0.17`` on the reentrant part.
    """
    return T_c_crossings(alpha)[1]


def _replicon(alpha: float, T: float) -> float:
    return mixture_state(1, alpha, T).replicon


def T_R(alpha: float) -> float:
    """De Almeida–Thouless temperature of the retrieval states (AGS 1987, line T_R).

    Below ``T_R`` the replica-symmetric retrieval solution is unstable to replica-symmetry breaking. Root in ``T``
    of the replicon eigenvalue ``1 - alpha beta^2 <<sech^4 beta h>> / (1 - C)^2``. For ``T_R < 1e-8`` (loads below
    about 0.04) the low-temperature expansion ``T_R = (4/3) alpha phi(m/sigma) / (sigma (1 - C)^2)`` of the same
    condition is used, with the ``T = 0`` state (``phi`` the standard normal density); its relative error is
    ``O(T_R^2)``. ``T_R`` vanishes like ``exp(-1/(2 alpha))`` as ``alpha -> 0``; ``T_R(alpha_c) ≈ 0.021``.

    On the reentrant part of ``T_M`` (``alpha_c(0) < alpha <= alpha_max``) the retrieval states exist only above
    ``T_M_lower``; the root is sought in ``(T_M_lower, T_M)``.

    Raises
    ------
    NoSolutionError
        For ``alpha > alpha_max = 0.1381885112``, and on the reentrant part where the replicon is positive already at
        ``T_M_lower`` (replica-symmetric stable wherever retrieval states exist).

    """
    if alpha == 0.0:
        return 0.0
    t_min, t_max = T_M_crossings(alpha)
    t_max *= 1.0 - 1e-10
    if t_min > 0.0:
        t_min *= 1.0 + 1e-9
        if _replicon(alpha, t_min) > 0.0:
            raise NoSolutionError(
                f"retrieval states at alpha={fmt_value(alpha)} are replica-symmetric stable wherever they exist "
                f"({t_min:.10g} < T < {t_max:.10g})"
            )
        if _replicon(alpha, t_max) < 0.0:  # the AT line has met the T_M line
            raise NoSolutionError(
                f"retrieval states at alpha={fmt_value(alpha)} break replica symmetry wherever they exist "
                f"({t_min:.10g} < T < {t_max:.10g})"
            )
        log_t = brentq(lambda lt: _replicon(alpha, math.exp(lt)), math.log(t_min), math.log(t_max), xtol=1e-12)
        return math.exp(log_t)
    if _replicon(alpha, _T_SWITCH) > 0.0:
        s = mixture_state(1, alpha, 0.0)
        y = s.m / s.sigma
        phi = math.exp(-0.5 * y * y) / math.sqrt(2.0 * math.pi)  # y * y may overflow to inf (phi = 0), y ** 2 raises
        return 4.0 / 3.0 * alpha * phi / (s.sigma * (1.0 - s.C) ** 2)
    log_t = brentq(lambda lt: _replicon(alpha, math.exp(lt)), math.log(_T_SWITCH), math.log(t_max), xtol=1e-12)
    return math.exp(log_t)


def alpha_global(T: float) -> float:
    """Largest load at which retrieval states are global minima at temperature ``T`` (the ``T_c`` line).

    Unlike ``T_c(alpha)``, which is double valued on its reentrant part, this parametrisation is single valued:
    ``alpha_global(0) = alpha_0 ≈ 0.0519``, its maximum ``≈ 0.053`` is near ``T ≈ 0.085``, and it vanishes at
    ``T = 1``. Root in ``alpha`` of ``f_retrieval = f_spin_glass`` on ``(0, alpha_c(T))``.

    Raises
    ------
    NoSolutionError
        For ``T >= 1`` (see :func:`alpha_c`) and where ``alpha_c(T)`` is below resolution (``T`` within ~1e-13 of 1).

    """
    a_c = alpha_c(T)[0]
    if a_c <= 0.0:
        raise NoSolutionError(f"alpha_c(T={fmt_value(T)}) is below the resolution of double precision")
    scale = abs(spin_glass_state(0.0, T).free_energy)  # the gap is resolved only well above eps * |f|
    return _bracketed_root(
        lambda a: free_energy_gap(a, T), a_c * 1e-9, a_c * (1.0 - 1e-10), f"T_c line at T={fmt_value(T)}", scale
    )


def alpha_AT(T: float) -> float:
    """Load at which the retrieval states cross their de Almeida–Thouless line at temperature ``T``.

    The inverse of ``T_R(alpha)``.

    Raises
    ------
    NoSolutionError
        Where the retrieval states are replica-symmetric stable up to ``alpha_c(T)`` (``T > T_R(alpha_c)``), and
        at ``T = 0``, where the line starts at ``alpha = 0``.

    """
    if T < 1e-100:  # treated as T = 0 by the solvers (replica_symmetric._T_ZERO)
        raise NoSolutionError(
            f"at T={fmt_value(T)} (< 1e-100, taken as 0) the retrieval states break replica symmetry at every alpha > 0"
        )
    a_c = alpha_c(T)[0]
    if a_c <= 0.0 or _replicon(a_c * (1.0 - 1e-10), T) > 0.0:
        raise NoSolutionError(f"retrieval states are replica-symmetric stable up to alpha_c at T={fmt_value(T)}")
    return _bracketed_root(
        lambda a: _replicon(a, T), a_c * 1e-9, a_c * (1.0 - 1e-10), f"AT line at T={fmt_value(T)}", 1.0
    )


def _bracketed_root(func: Callable[[float], float], lo: float, hi: float, what: str, scale: float) -> float:
    """Root of ``func`` in ``[lo, hi]`` in the load.

    NoSolutionError where the ends have the same sign or either end is below ``64 eps scale``, i.e. within the
    rounding of the quantities it is the difference of: that happens only for ``T`` within ~1e-8 of 1, where
    ``alpha_c(T) ~ 1e-17`` and the free energies differ by less than double precision resolves.
    """
    f_lo, f_hi = func(lo), func(hi)
    if f_lo * f_hi > 0.0 or min(abs(f_lo), abs(f_hi)) < 64.0 * np.finfo(float).eps * scale:
        raise NoSolutionError(f"the {what} is not resolved in double precision between alpha={lo:.10g} and {hi:.10g}")
    return brentq(func, lo, hi, xtol=_XTOL * hi)  # relative: alpha_c(T) -> 0 as T -> 1
