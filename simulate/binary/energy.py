"""The energy seam: the energies of binary Dense Associative Memories, named once and handed to the dynamics.

``E(sigma) = -sum_mu F(M_mu)`` with integer overlaps ``M_mu = sum_i xi_i^mu sigma_i``; one class per separation
function ``F``. By concern: :mod:`.energy_base` (the base class :class:`BinaryEnergy`, the kind codes the kernels
dispatch on, the arithmetic modes and exact flip tables, and the derivations), :mod:`.energy_polynomial`
(:class:`Quadratic`, :class:`Polynomial`, :class:`Rectified`), :mod:`.energy_exponential` (:class:`Exponential`); this
module names them (:data:`ENERGIES`, :func:`make_energy`) and re-exports the seam, so callers import from here.
"""

from __future__ import annotations

from collections.abc import Callable

from amphase.simulate.binary.energy_base import (
    CERTIFIED,
    EXPONENTIAL,
    INT32,
    INT_EXACT,
    KINDS,
    POLYNOMIAL,
    QUADRATIC,
    RECTIFIED,
    BinaryEnergy,
    FlipTables,
)
from amphase.simulate.binary.energy_exponential import Exponential
from amphase.simulate.binary.energy_polynomial import Polynomial, Quadratic, Rectified

__all__ = [
    "CERTIFIED",
    "ENERGIES",
    "EXPONENTIAL",
    "INT32",
    "INT_EXACT",
    "KINDS",
    "POLYNOMIAL",
    "QUADRATIC",
    "RECTIFIED",
    "BinaryEnergy",
    "Exponential",
    "FlipTables",
    "Polynomial",
    "Quadratic",
    "Rectified",
    "make_energy",
]

# the seam's public home is this module (datasets name it, e.g. dense.model's ``energy`` attribute; pickles find it)
for _cls in (BinaryEnergy, FlipTables, Quadratic, Polynomial, Rectified, Exponential):
    _cls.__module__ = __name__

#: the energies by name (``F`` of the binary DenseAM models); each takes the degree ``n`` (ignored where fixed).
ENERGIES: dict[str, Callable[[int], BinaryEnergy]] = {
    "quadratic": lambda n: Quadratic(),
    "polynomial": Polynomial,
    "rectified": Rectified,
    "exponential": lambda n: Exponential(),
}


def make_energy(F: str, n: int = 2) -> BinaryEnergy:
    """The energy named ``F`` (one of :data:`ENERGIES`) of degree ``n``."""
    if F not in ENERGIES:
        raise ValueError(f"F={F!r} is unknown; allowed: {', '.join(ENERGIES)}")
    return ENERGIES[F](n)
