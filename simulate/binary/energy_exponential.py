"""The exponential energy of the seam, ``F(x) = exp(x)`` (Demircigil et al. 2017): no tables, a running scale.

``e`` is transcendental, so ``D = 0`` exactly iff the multisets of new and old exponents are equal; the kernels
decide near-ties by the exact cancellation of :func:`amphase.simulate.binary.kernels.exp_sign` (:mod:`.energy_base`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

import numpy as np

from amphase.simulate.binary.energy_base import CERTIFIED, EXPONENTIAL, BinaryEnergy, FlipTables

__all__ = ["Exponential"]

_EMPTY = FlipTables(np.zeros(1), np.zeros(1), np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), 0)


@dataclass(frozen=True)
class Exponential(BinaryEnergy):
    """``F(x) = exp(x)`` (Demircigil, Heusel, Löwe, Upgang & Vermet, J. Stat. Phys. 168, 288 (2017)).

    No tables: the flip coefficients are computed from the overlaps with the running scale ``c = max M``, and
    ``D = 0`` is decided by the kernels' exact cancellation (module docstring).
    """

    kind: ClassVar[int] = EXPONENTIAL
    n: ClassVar[int] = 0

    @property
    def name(self) -> str:
        """The name of the energy."""
        return "exponential"

    def F_exact(self, x: int) -> Any:
        """``F(x)`` exactly."""
        import mpmath

        return mpmath.exp(int(x))

    def F(self, x: Any, xp: ModuleType = np) -> Any:
        """``F(x)`` in float64."""
        x = xp.asarray(x, dtype=xp.float64)
        with np.errstate(over="ignore"):
            return xp.exp(x)

    def dF(self, x: Any, xp: ModuleType = np) -> Any:
        """``F'(x)`` in float64."""
        return self.F(x, xp)

    def log_unit(self, N: int) -> float:
        """``log(2 F'(N)) = N + log 2``."""
        return N + math.log(2.0)

    def reduced_energy(self, M: Any, N: int, xp: ModuleType = np) -> Any:
        """``E / F(N) = -sum_mu exp(M_mu - N)``."""
        return -xp.exp(xp.asarray(M, dtype=xp.float64) - N).sum(axis=-1)

    def tables(self, N: int) -> FlipTables:
        """No tables (module docstring)."""
        return _EMPTY

    def mode(self, N: int, K: int) -> int:
        """Always :data:`CERTIFIED`."""
        return CERTIFIED

    def check_exact(self, N: int, K: int) -> str | None:
        """Always exact (``None``)."""
        return None

    def flip_terms(self, M: Any, N: int, xp: ModuleType = np) -> tuple[Any, Any, Any, Any, Any]:
        """``g+-`` times ``exp(-shift)`` with the running scale ``shift = max M``."""
        shift = M.max(axis=-1).astype(xp.float64)
        w = xp.exp(M.astype(xp.float64) - shift[..., None])
        gp, gm = w * math.expm1(-2.0), w * math.expm1(2.0)
        a_w = xp.zeros(M.shape[:-1], dtype=xp.int64)
        c_w = xp.zeros(M.shape, dtype=xp.int64)
        return gp, gm, a_w, c_w, shift
