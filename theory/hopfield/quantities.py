"""The Hopfield theory quantities served by the registry (``amphase theory hopfield.*``).

Each function is the public, checked entry point to one prediction; the kernels live in
:mod:`~amphase.theory.hopfield.replica_symmetric`, :mod:`~amphase.theory.hopfield.lines` and
:mod:`~amphase.theory.hopfield.mixtures`. Notation: load ``alpha = P/N``, temperature ``T``.

References
----------
AGS 1985a: D. J. Amit, H. Gutfreund, H. Sompolinsky, "Spin-glass models of neural networks",
Phys. Rev. A 32, 1007 (1985).
AGS 1985b: D. J. Amit, H. Gutfreund, H. Sompolinsky, "Storing infinite numbers of patterns in a spin-glass model
of neural networks", Phys. Rev. Lett. 55, 1530 (1985).
AGS 1987: D. J. Amit, H. Gutfreund, H. Sompolinsky, "Statistical mechanics of neural networks near saturation",
Ann. Phys. 173, 30 (1987).
MPRV 1987: R. J. McEliece, E. C. Posner, E. R. Rodemich, S. S. Venkatesh, "The capacity of the Hopfield
associative memory", IEEE Trans. Inf. Theory 33, 461 (1987).

"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import numpy as np
import xarray as xr

from amphase.theory.cost import KIB, MIB, NUMBA_SETUP, Cost
from amphase.theory.hopfield import lines, mixtures
from amphase.theory.hopfield.phase_diagram import compute_phase_diagram
from amphase.theory.hopfield.replica_symmetric import maximal_load, mixture_state, spin_glass_state
from amphase.theory.registry import CHEAP, Param, Result, quantity

__all__ = [
    "T_M",
    "T_R",
    "AlphaC",
    "Mixture",
    "RetrievalState",
    "SNRCapacity",
    "SpinGlassState",
    "T_c",
    "T_g",
    "TcLine",
    "TmLine",
    "alpha_0",
    "alpha_c",
    "capacity_snr",
    "mixture",
    "overlap",
    "phase_diagram",
    "spin_glass",
]

AGS85A = "Amit, Gutfreund & Sompolinsky, Phys. Rev. A 32, 1007 (1985)"
AGS85B = "Amit, Gutfreund & Sompolinsky, Phys. Rev. Lett. 55, 1530 (1985)"
AGS87 = "Amit, Gutfreund & Sompolinsky, Ann. Phys. 173, 30 (1987)"
MPRV87 = "McEliece, Posner, Rodemich & Venkatesh, IEEE Trans. Inf. Theory 33, 461 (1987)"

_NO_HESSIAN = (
    "not computed at alpha > 0: the stability there needs the replica-symmetric Hessian in (m, q, r) of AGS 1987, "
    "which amphase does not implement; only the alpha = 0 Hessian of AGS 1985a is"
)

ALPHA = Param("alpha", "load P/N (replica theory served up to 10^6)", lower=0.0, upper=1e6)
TEMP = Param("T", "temperature (1/beta)", lower=0.0)


# Declared costs (amphase.theory.cost; measured by scripts/theory_costs.py): the first evaluation in a process loads the
# Numba field kernels and the cached lines (NUMBA_SETUP); after it, a root of the RS equations takes milliseconds,
# a line (T_M, T_c, T_R: a scan in T and a root) up to 1.3 s at load 4 and 4 s at load 18, a mixture up to 7 s
# (n = 199, T > 0, load 18).
RS_ROOT = Cost(memory=8 * MIB, seconds=0.5, **NUMBA_SETUP)
RS_LINE = Cost(memory=8 * MIB, seconds=8.0, **NUMBA_SETUP)


def _mixture_cost(n: Any, T: Any, alpha: Any) -> Cost:
    """About n^2/10^4 s at load 4 (7 s for n = 199 at load 18): sums over the n + 1 values of the field."""
    return Cost(memory=8 * MIB, seconds=1.0 + 4e-4 * n * n, **NUMBA_SETUP)


def _phase_diagram_cost(alpha: Any, T: Any) -> Cost:
    """Per load the lines (T_M, T_c, T_R, ...: as RS_LINE, three of them) and per grid point two RS roots."""
    return Cost(memory=8 * MIB + 4 * KIB * np.size(alpha) * np.size(T), seconds=24.0 / np.size(T) + 0.5, **NUMBA_SETUP)


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


class TmLine(NamedTuple):
    """Window ``T_M_lower <= T <= T_M`` in which retrieval states exist."""

    T_M: float
    T_M_lower: float


class TcLine(NamedTuple):
    """Window ``T_c_lower < T < T_c`` in which retrieval states are global minima."""

    T_c: float
    T_c_lower: float


class EnergyCrossing(NamedTuple):
    """Load and energy where the T = 0 retrieval and spin-glass energies cross."""

    alpha_0: float
    energy: float


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


class SNRCapacity(NamedTuple):
    """Signal-to-noise capacities of MPRV 1987."""

    P_one: float
    P_all: float
    alpha_one: float
    alpha_all: float


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
    "hopfield.T_g",
    params=[ALPHA],
    results=[Result("T_g", "spin-glass transition temperature")],
    reference=AGS87,
    cost=CHEAP,
)
def T_g(alpha: float) -> float:
    """Spin-glass transition temperature T_g = 1 + sqrt(alpha) (AGS 1987; AGS 1985b)."""
    return lines.T_g(alpha)


@quantity(
    "hopfield.T_M",
    params=[ALPHA],
    results=[
        Result("T_M", "retrieval states exist below T_M"),
        Result("T_M_lower", "and above T_M_lower (reentrance of alpha_c(T)), 0 up to alpha_c(0)"),
    ],
    reference=AGS85B,
    cost=RS_LINE,
)
def T_M(alpha: float) -> TmLine:
    """Temperatures T_M_lower(alpha) <= T <= T_M(alpha) between which retrieval states exist; the inverse of alpha_c(T).

    ``T_M(0) = 1``, ``T_M ≈ 1 - 1.95 sqrt(alpha)`` for small alpha (AGS 1987), ``T_M(0.138) ≈ 0`` (AGS 1985b). The
    replica-symmetric ``alpha_c(T)`` rises from ``0.1379055665`` at ``T = 0`` to ``0.1381885112`` at
    ``T = 0.0228735497``: between these loads ``T_M_lower > 0`` (reentrance), e.g. ``T_M(0.138) = 0.04160591`` and
    ``T_M_lower(0.138) = 0.00419894``. NoSolutionError above ``0.1381885112``.
    """
    low, high = lines.T_M_crossings(alpha)
    return TmLine(high, low)


@quantity(
    "hopfield.T_c",
    params=[ALPHA],
    results=[
        Result("T_c", "retrieval states are global minima below T_c"),
        Result("T_c_lower", "lower end of that window (reentrance), 0 below alpha_0"),
    ],
    reference=AGS85B,
    cost=RS_LINE,
)
def T_c(alpha: float) -> TcLine:
    """Temperature T_c(alpha) below which retrieval states are global free-energy minima.

    Where ``f_retrieval = f_spin_glass`` (AGS 1987); ``T_c ≈ 1 - 2.6 sqrt(alpha)`` for small alpha; the
    replica-symmetric line is reentrant between ``alpha_0 ≈ 0.0519`` and ``alpha ≈ 0.053`` (``T_c_lower > 0``).
    """
    low, high = lines.T_c_crossings(alpha)
    return TcLine(high, low)


@quantity(
    "hopfield.T_R",
    params=[ALPHA],
    results=[Result("T_R", "de Almeida-Thouless temperature of retrieval states")],
    reference=AGS87,
    cost=RS_LINE,
)
def T_R(alpha: float) -> float:
    """De Almeida–Thouless line T_R(alpha) of the retrieval states: replica symmetry breaks below it.

    ``(1 - beta(1 - q))^2 = alpha beta^2 <<sech^4 beta(m + sqrt(alpha r) z)>>`` (AGS 1987);
    ``T_R ∝ exp(-1/(2 alpha))`` at small alpha, ``T_R(alpha_c) ≈ 0.021``.
    """
    return lines.T_R(alpha)


@quantity(
    "hopfield.alpha_0",
    params=[],
    results=[
        Result("alpha_0", "load where T = 0 retrieval and spin-glass energies cross"),
        Result("energy", "the common energy per neuron"),
    ],
    reference=AGS85B,
    cost=RS_ROOT,
)
def alpha_0() -> EnergyCrossing:
    """Load alpha_0 ≈ 0.0519 where, at T = 0, retrieval states stop being ground states (AGS 1985b: 0.05).

    ``-(m^2 + alpha (r - 1))/2 = -sqrt(2 alpha/pi) - 1/pi`` (AGS 1987).
    """
    a = lines.alpha_0()
    return EnergyCrossing(a, mixture_state(1, a, 0.0).free_energy)


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


@quantity(
    "hopfield.capacity_snr",
    params=[Param("N", "number of neurons", lower=3, integer=True)],
    results=[
        Result("P_one", "patterns such that most of them are exactly recoverable, N / (2 ln N)"),
        Result("P_all", "patterns such that every one is exactly recoverable, N / (4 ln N)"),
        Result("alpha_one", "P_one / N"),
        Result("alpha_all", "P_all / N"),
    ],
    reference=MPRV87,
    cost=CHEAP,
)
def capacity_snr(N: int) -> SNRCapacity:
    """Signal-to-noise capacities of the Hopfield network, N/(2 ln N) and N/(4 ln N) (MPRV 1987).

    MPRV 1987 (abstract): with ``P`` random patterns, the largest ``P`` for which *most* patterns are exactly
    recoverable is asymptotically ``N / (2 log N)``; if *every* pattern must be, ``N / (4 log N)`` (natural log).
    """
    one, all_ = N / (2.0 * math.log(N)), N / (4.0 * math.log(N))
    return SNRCapacity(one, all_, one / N, all_ / N)


@quantity(
    "hopfield.phase_diagram",
    params=[ALPHA, TEMP],
    results=[Result("phase", "phase on the (alpha, T) grid")],
    reference=f"{AGS85B}; {AGS87}",
    dataset=True,
    cost=_phase_diagram_cost,
)
def phase_diagram(alpha: Iterable[float], T: Iterable[float], map_fn: Callable[..., Iterable[Any]] = map) -> xr.Dataset:
    """Phase diagram over an (alpha, T) grid: phases, retrieval overlap and the lines T_g, T_M, T_c, T_R, alpha_c.

    AGS 1985b and AGS 1987, computed at the grid coordinates (no interpolation); see
    :func:`~amphase.theory.hopfield.phase_diagram.compute_phase_diagram`.
    """
    return compute_phase_diagram(np.atleast_1d(alpha), np.atleast_1d(T), map_fn=map_fn)
