r"""Phase boundaries of the Hopfield model in the (alpha, T) plane, replica-symmetric theory.

The lines of the Amit–Gutfreund–Sompolinsky phase diagram (AGS 1985, Phys. Rev. Lett. 55, 1530; AGS 1987,
Ann. Phys. 173, 30):

* ``T_g(alpha) = 1 + sqrt(alpha)``: the spin-glass state appears (AGS 1987);
* ``T_M(alpha)``: retrieval states exist below it; its inverse is the critical load ``alpha_c(T)``, the retrieval
  spinodal, ``alpha_c(0) ≈ 0.138`` with ``m ≈ 0.967``, ``T_M ≈ 1 - 1.95 sqrt(alpha)`` for small ``alpha``;
* ``T_c(alpha)``: retrieval states are global free-energy minima below it (their free energy equals the spin
  glass's on it); it reaches ``T = 0`` at ``alpha_0 ≈ 0.0519`` where the ``T = 0`` energies cross;
* ``T_R(alpha)``: the de Almeida–Thouless line of the retrieval states, below which replica symmetry of the
  retrieval solution is broken (AGS 1987): ``(1 - C)^2 = alpha beta^2 <<sech^4 beta(m + sqrt(alpha r) z)>>``.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from scipy.optimize import brentq, minimize_scalar

from amphase.errors import NoSolutionError
from amphase.theory.hopfield.replica_symmetric import maximal_load, mixture_state, spin_glass_state

__all__ = [
    "T_M",
    "T_R",
    "T_c",
    "T_c_crossings",
    "T_g",
    "alpha_0",
    "alpha_AT",
    "alpha_c",
    "alpha_global",
    "free_energy_gap",
]

_XTOL = 1e-12
_T_SWITCH = 1e-8  # below this the AT line is taken from its low-temperature expansion (relative error O(T^2))


def T_g(alpha: float) -> float:
    """Spin-glass transition temperature ``T_g = 1 + sqrt(alpha)`` (AGS 1985 PRL; AGS 1987)."""
    return 1.0 + math.sqrt(alpha)


def alpha_c(T: float) -> tuple[float, float]:
    """Critical load ``alpha_c(T)`` above which no retrieval state exists, and the retrieval overlap there.

    The maximum over the retrieval branch of ``alpha(sigma) = sigma^2 (1 - C)^2 / q`` (see
    :mod:`~amphase.theory.hopfield.replica_symmetric`); the inverse of ``T_M``. ``alpha_c(0) = 0.13791`` with
    ``m = 0.96742`` (AGS quote 0.138 and 0.967; Steffan & Kühn, Z. Phys. B 95, 249 (1994) give
    ``alpha_c^RS ≃ 0.137905``); ``alpha_c(T) = 0`` for ``T >= 1``.
    """
    return maximal_load(1, T)


@lru_cache(maxsize=1024)
def T_M(alpha: float) -> float:
    """Temperature below which retrieval states exist at load ``alpha`` (line T_M of the AGS 1985 PRL phase diagram).

    Solves ``alpha_c(T_M) = alpha``; ``T_M(0) = 1`` and ``T_M(alpha_c(0)) = 0``.

    Raises
    ------
    NoSolutionError
        For ``alpha > alpha_c(0)``, where no retrieval state exists at any temperature.

    """
    if alpha == 0.0:
        return 1.0
    a0 = alpha_c(0.0)[0]
    if alpha > a0:
        raise NoSolutionError(f"no retrieval state at alpha={alpha:g} at any temperature: alpha_c(T=0) = {a0:.6f}")
    if alpha == a0:
        return 0.0
    return brentq(lambda T: alpha_c(T)[0] - alpha, 0.0, 1.0, xtol=_XTOL)


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

    Roots in ``T`` of ``f_retrieval(alpha, T) = f_spin_glass(alpha, T)`` on ``[0, T_M(alpha))``. For
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
    t_max = T_M(alpha) * (1.0 - 1e-10)
    temps = list(np.linspace(0.0, t_max, 13))
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
                f"retrieval states are never global minima at alpha={alpha:g} (T_c exists up to alpha ≈ 0.053)"
            )
        k = int(np.searchsorted(temps, res.x))
        temps.insert(k, float(res.x))
        gaps.insert(k, float(res.fun))
    negative = np.flatnonzero(np.asarray(gaps) < 0.0)
    first, last = int(negative[0]), int(negative[-1])
    upper = brentq(lambda T: free_energy_gap(alpha, T), temps[last], temps[last + 1], xtol=_XTOL)
    if first == 0:
        return 0.0, upper
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
    of the replicon eigenvalue ``(1 - C)^2 - alpha beta^2 <<sech^4 beta h>>``. For ``T_R < 1e-8`` (loads below
    about 0.04) the low-temperature expansion ``T_R = (4/3) alpha phi(m/sigma) / (sigma (1 - C)^2)`` of the same
    condition is used, with the ``T = 0`` state (``phi`` the standard normal density); its relative error is
    ``O(T_R^2)``. ``T_R`` vanishes like ``exp(-1/(2 alpha))`` as ``alpha -> 0``; ``T_R(alpha_c) ≈ 0.021``.

    Raises
    ------
    NoSolutionError
        For ``alpha > alpha_c(0)``.

    """
    if alpha == 0.0:
        return 0.0
    t_max = T_M(alpha) * (1.0 - 1e-10)
    if _replicon(alpha, _T_SWITCH) > 0.0:
        s = mixture_state(1, alpha, 0.0)
        phi = math.exp(-0.5 * (s.m / s.sigma) ** 2) / math.sqrt(2.0 * math.pi)
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
        For ``T >= 1``.

    """
    a_c = alpha_c(T)[0]
    if T >= 1.0 or a_c <= 0.0:
        raise NoSolutionError(f"no retrieval state at T={T:g}: they exist only for T < 1")
    return brentq(lambda a: free_energy_gap(a, T), a_c * 1e-9, a_c * (1.0 - 1e-10), xtol=_XTOL)


def alpha_AT(T: float) -> float:
    """Load at which the retrieval states cross their de Almeida–Thouless line at temperature ``T``.

    The inverse of ``T_R(alpha)``.

    Raises
    ------
    NoSolutionError
        Where the retrieval states are replica-symmetric stable up to ``alpha_c(T)`` (``T > T_R(alpha_c)``), and
        at ``T = 0``, where the line starts at ``alpha = 0``.

    """
    if T == 0.0:
        raise NoSolutionError("at T = 0 the retrieval states break replica symmetry at every alpha > 0")
    a_c = alpha_c(T)[0]
    if T >= 1.0 or a_c <= 0.0 or _replicon(a_c * (1.0 - 1e-10), T) > 0.0:
        raise NoSolutionError(f"retrieval states are replica-symmetric stable up to alpha_c at T={T:g}")
    return brentq(lambda a: _replicon(a, T), a_c * 1e-9, a_c * (1.0 - 1e-10), xtol=_XTOL)
