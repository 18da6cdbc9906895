"""Lines of the Hopfield phase diagram served by the registry: T_g, T_M, T_c, T_R, alpha_0 and the diagram itself.

The kernels live in :mod:`~amphase.theory.hopfield.lines` and :mod:`~amphase.theory.hopfield.phase_diagram`, the
references in :mod:`~amphase.theory.hopfield.quantities`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import numpy as np
import xarray as xr

from amphase.theory.cost import KIB, MIB, NUMBA_SETUP, Cost
from amphase.theory.hopfield import lines
from amphase.theory.hopfield.phase_diagram import compute_phase_diagram
from amphase.theory.hopfield.quantities import AGS85B, AGS87, ALPHA, RS_LINE, RS_ROOT, TEMP
from amphase.theory.hopfield.replica_symmetric import mixture_state
from amphase.theory.registry import CHEAP, Result, quantity

__all__ = ["EnergyCrossing", "T_c", "T_g", "TcLine", "TmLine", "alpha_0", "phase_diagram"]


def _phase_diagram_cost(alpha: Any, T: Any) -> Cost:
    """Per load the lines (T_M, T_c, T_R, ...: as RS_LINE, three of them) and per grid point two RS roots."""
    return Cost(memory=8 * MIB + 4 * KIB * np.size(alpha) * np.size(T), seconds=24.0 / np.size(T) + 0.5, **NUMBA_SETUP)


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
