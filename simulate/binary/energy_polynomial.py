"""Polynomial energies of the seam: ``F(x) = x^2/2`` (Hopfield), ``x^n`` and the rectified ``x^n`` (x > 0).

Krotov & Hopfield, NeurIPS 2016 (``x^n``, rectified ``x^n``); Hopfield 1982 (``x^2/2``). ``F`` is an integer (``2F``
for ``x^2/2``), so the flip tables are exact (:mod:`.energy_base`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from types import ModuleType
from typing import Any, ClassVar

import numpy as np

from amphase.simulate.binary.energy_base import POLYNOMIAL, QUADRATIC, RECTIFIED, BinaryEnergy

__all__ = ["Polynomial", "Quadratic", "Rectified"]


def _degree(n: Any, what: str) -> int:
    if int(n) != n or n < 2:
        raise ValueError(f"{what} degree n={n!r}: allowed integer n >= 2")
    return int(n)


@dataclass(frozen=True)
class Quadratic(BinaryEnergy):
    """``F(x) = x^2/2``: the Hopfield network, ``Delta E_i = 2 sigma_i (sum_mu xi_i^mu M_mu - K sigma_i)``."""

    kind: ClassVar[int] = QUADRATIC
    q: ClassVar[int] = 2
    n: ClassVar[int] = 2

    @property
    def name(self) -> str:
        """The name of the energy."""
        return "quadratic"

    @property
    def hebbian(self) -> bool:
        """Whether the Hebbian fast path applies."""
        return True

    def F_exact(self, x: int) -> Any:
        """``F(x)`` exactly."""
        x = int(x)
        return Fraction(x * x, 2)

    def F(self, x: Any, xp: ModuleType = np) -> Any:
        """``F(x)`` in float64."""
        x = xp.asarray(x, dtype=xp.float64)
        return 0.5 * x * x

    def dF(self, x: Any, xp: ModuleType = np) -> Any:
        """``F'(x)`` in float64."""
        return xp.asarray(x, dtype=xp.float64)


@dataclass(frozen=True)
class Polynomial(BinaryEnergy):
    """``F(x) = x^n`` (Krotov & Hopfield 2016), integer ``n >= 2``."""

    kind: ClassVar[int] = POLYNOMIAL
    n: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", _degree(self.n, "polynomial"))

    @property
    def hebbian(self) -> bool:
        """Whether the Hebbian fast path applies."""
        return self.n == 2

    def F_exact(self, x: int) -> Any:
        """``F(x)`` exactly."""
        return int(x) ** self.n

    def F(self, x: Any, xp: ModuleType = np) -> Any:
        """``F(x)`` in float64."""
        return xp.asarray(x, dtype=xp.float64) ** self.n

    def dF(self, x: Any, xp: ModuleType = np) -> Any:
        """``F'(x)`` in float64."""
        return self.n * xp.asarray(x, dtype=xp.float64) ** (self.n - 1)


@dataclass(frozen=True)
class Rectified(Polynomial):
    """``F(x) = x^n`` for ``x > 0``, else 0 (Krotov & Hopfield 2016), integer ``n >= 2``."""

    kind: ClassVar[int] = RECTIFIED

    def __post_init__(self) -> None:
        object.__setattr__(self, "n", _degree(self.n, "rectified polynomial"))

    @property
    def hebbian(self) -> bool:
        """Whether the Hebbian fast path applies."""
        return False

    def F_exact(self, x: int) -> Any:
        """``F(x)`` exactly."""
        x = int(x)
        return x**self.n if x > 0 else 0

    def F(self, x: Any, xp: ModuleType = np) -> Any:
        """``F(x)`` in float64."""
        x = xp.asarray(x, dtype=xp.float64)
        return xp.where(x > 0, x, 0.0) ** self.n

    def dF(self, x: Any, xp: ModuleType = np) -> Any:
        """``F'(x)`` in float64."""
        x = xp.asarray(x, dtype=xp.float64)
        return xp.where(x > 0, self.n * xp.where(x > 0, x, 0.0) ** (self.n - 1), 0.0)
