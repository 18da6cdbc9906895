"""Replica-symmetric states of the Hopfield model served by the registry: retrieval, spin glass, mixtures.

``hopfield.alpha_c``, ``hopfield.overlap``, ``hopfield.spin_glass`` and ``hopfield.mixture``; the kernels live in
:mod:`~amphase.theory.hopfield.replica_symmetric` and :mod:`~amphase.theory.hopfield.mixtures`, the references in
:mod:`~amphase.theory.hopfield.quantities`.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from amphase.theory.cost import MIB, NUMBA_SETUP, Cost
from amphase.theory.hopfield import lines, mixtures
from amphase.theory.hopfield.quantities import _NO_HESSIAN, AGS85A, AGS87, ALPHA, RS_ROOT, TEMP
from amphase.theory.hopfield.replica_symmetric import maximal_load, mixture_state, spin_glass_state
from amphase.theory.registry import Param, Result, quantity

__all__ = ["AlphaC", "Mixture", "RetrievalState", "SpinGlassState", "alpha_c", "mixture", "overlap", "spin_glass"]


def _mixture_cost(n: Any, T: Any, alpha: Any) -> Cost:
    """About n^2/10^4 s at load 4 (7 s for n = 199 at load 18): sums over the n + 1 values of the field."""
    return Cost(memory=8 * MIB, seconds=1.0 + 4e-4 * n * n, **NUMBA_SETUP)


class AlphaC(NamedTuple):
    """Critical load and the retrieval overlap there."""

    alpha_c: float
    m: float


class RetrievalState(NamedTuple):
    """Replica-symmetric retrieval state."""

    m: float
    q: float
    r: float
    free_energy: float
    replicon: float


class SpinGlassState(NamedTuple):
    """Replica-symmetric spin-glass (or paramagnetic) state."""

    q: float
    r: float
    free_energy: float


class Mixture(NamedTuple):
    """Symmetric n-mixture state."""

    overlap: float
    energy: float
    free_energy: float
    stable: float
    T_stability: float
    alpha_max: float
    lambda_symmetric: float
    lambda_asymmetric: float
    lambda_noncondensed: float


@quantity(
    "hopfield.alpha_c",
    params=[TEMP],
    results=[Result("alpha_c", "critical load"), Result("m", "retrieval overlap at alpha_c")],
    reference=AGS87,
    cost=RS_ROOT,
)
def alpha_c(T: float = 0.0) -> AlphaC:
    """Critical load alpha_c(T) above which retrieval states no longer exist, with their overlap m there.

    ``alpha_c(T) = max over the retrieval branch of sigma^2 (1 - C)^2 / q`` (AGS 1987); at
    ``T = 0`` ``alpha_c = 0.1379`` with ``m = 0.9674`` (AGS: 0.138 and 0.967; Steffan & Kühn 1994: 0.137905). Not
    monotonic: its maximum is ``0.1381885112`` at ``T = 0.0228735497``. For ``T >= 1`` there is no retrieval state at
    any load, ``alpha = 0`` included (as ``hopfield.overlap`` says): NoSolutionError, NaN in a grid.
    """
    return AlphaC(*lines.alpha_c(T))


@quantity(
    "hopfield.overlap",
    params=[ALPHA, TEMP],
    results=[
        Result("m", "retrieval overlap"),
        Result("q", "Edwards-Anderson order parameter"),
        Result(
            "r",
            "noise parameter r = q/(1 - beta(1 - q))^2",
            absent="at alpha = 0 within ~1e-13 of T = 1, where 1 - beta(1 - q) is below double precision",
        ),
        Result("free_energy", "free energy per neuron (energy at T = 0)"),
        Result(
            "replicon",
            "de Almeida-Thouless eigenvalue 1 - alpha beta^2 <<sech^4 beta h>>/(1 - C)^2 (RS stable if > 0)",
        ),
    ],
    reference=AGS87,
    cost=RS_ROOT,
)
def overlap(alpha: float, T: float = 0.0) -> RetrievalState:
    """Replica-symmetric retrieval state (m, q, r) at load alpha and temperature T.

    Solves ``m = <<tanh beta(m + sqrt(alpha r) z)>>``, ``q = <<tanh^2 beta(...)>>``,
    ``r = q / (1 - beta(1 - q))^2`` (AGS 1985b; AGS 1987), free energy of AGS 1987.
    At ``T = 0``: ``m = erf(y)``, ``y (sqrt(2 alpha) + (2/sqrt(pi)) e^{-y^2}) = erf(y)``, energy
    ``-(m^2 + alpha (r - 1))/2``. The replicon is the de Almeida–Thouless eigenvalue normalised to 1 at
    ``alpha = 0``, ``lambda_AT = 1 - alpha beta^2 <<sech^4 beta h>> / (1 - beta(1 - q))^2`` (its zero is the AT line
    ``(1 - C)^2 = alpha beta^2 <<sech^4>>`` of AGS 1987); ``-inf`` at ``T = 0`` and ``alpha > 0``. Raises
    NoSolutionError above ``alpha_c(T)``.
    """
    s = mixture_state(1, alpha, T)
    return RetrievalState(s.m, s.q, s.r, s.free_energy, s.replicon)


@quantity(
    "hopfield.spin_glass",
    params=[ALPHA, TEMP],
    results=[
        Result("q", "Edwards-Anderson order parameter"),
        Result("r", "noise parameter"),
        Result("free_energy", "free energy per neuron (energy at T = 0)"),
    ],
    reference=AGS87,
    cost=RS_ROOT,
)
def spin_glass(alpha: float, T: float = 0.0) -> SpinGlassState:
    """Replica-symmetric spin-glass state (m = 0), or the paramagnet above T_g.

    ``q = <<tanh^2(beta sqrt(alpha r) z)>>`` with ``r = q/(1 - beta(1 - q))^2`` (AGS 1987); at ``T = 0`` the
    energy is ``-sqrt(2 alpha/pi) - 1/pi``.
    """
    s = spin_glass_state(alpha, T)
    return SpinGlassState(s.q, s.r, s.free_energy)


@quantity(
    "hopfield.mixture",
    params=[
        Param("n", "patterns in the symmetric mixture (exact sums up to 199)", lower=1, upper=199, odd=True),
        Param("T", "temperature (1/beta)", lower=0.0, upper=1.0, upper_open=True),
        ALPHA,
    ],
    results=[
        Result("overlap", "overlap with each mixed pattern"),
        Result("energy", "energy per neuron d(beta f)/d beta"),
        Result("free_energy", "free energy per neuron"),
        Result("stable", "1 if a local minimum at alpha = 0, else 0", absent=_NO_HESSIAN),
        Result("T_stability", "stable below this temperature at alpha = 0"),
        Result("alpha_max", "largest load at which it exists at this T"),
        Result("lambda_symmetric", "Hessian eigenvalue, symmetric direction (alpha = 0)", absent=_NO_HESSIAN),
        Result("lambda_asymmetric", "Hessian eigenvalue, within the mixed patterns (alpha = 0)", absent=_NO_HESSIAN),
        Result("lambda_noncondensed", "Hessian eigenvalue, other patterns (alpha = 0)", absent=_NO_HESSIAN),
    ],
    reference=f"{AGS85A}; {AGS87}",
    cost=_mixture_cost,
)
def mixture(n: int, T: float = 0.0, alpha: float = 0.0) -> Mixture:
    """Symmetric n-mixture spurious state (n odd): overlap, energy, stability and maximal load.

    At ``alpha = 0``: ``m = (1/n) <z tanh(beta m z)>``, ``z = sum of n patterns``; ``T = 0``:
    ``m_n = binom(n-1, (n-1)/2)/2^(n-1)`` and ``E_n = -(n/2) m_n^2`` exactly (sympy; AGS 1985a);
    stability from the Hessian eigenvalues (AGS 1985a), ``T_3 = 0.4598`` (AGS 1985a abstract: 0.46). At
    ``alpha > 0`` the replica-symmetric equations of AGS 1987; ``alpha_max(3) ≈ 0.03`` at ``T = 0``. The energy is
    ``d(beta f)/d beta`` (see :class:`~amphase.theory.hopfield.replica_symmetric.RSState`), ``-(n/2) m^2`` at
    ``alpha = 0``. At ``alpha > 0`` the stability and the eigenvalues are NaN: only the ``alpha = 0`` Hessian is
    implemented (the ``absent`` text of those results says so).
    """
    if alpha == 0.0 and T == 0.0:
        overlap_ = float(mixtures.mixture_overlap_exact(n))
        energy = free_energy = float(mixtures.mixture_energy_exact(n))
    else:
        s = mixture_state(n, alpha, T)
        overlap_, free_energy, energy = s.m, s.free_energy, s.energy
    if alpha == 0.0:
        eig = mixtures.mixture_eigenvalues(n, T)
        stable = float(min(eig) > 0.0)
    else:
        eig = mixtures.MixtureEigenvalues(math.nan, math.nan, math.nan)
        stable = math.nan
    return Mixture(
        overlap_,
        energy,
        free_energy,
        stable,
        mixtures.mixture_stability_temperature(n),
        maximal_load(n, T)[0],
        *eig,
    )
