r"""What a continuous Dense Associative Memory energy provides: the seam every continuous energy implements.

A continuous DenseAM energy is a function :math:`E(x)` of a query :math:`x \in \mathbb{R}^d` built from K memories
:math:`\xi^\mu` (a ``(K, d)`` array, NumPy or CuPy) and an inverse temperature :math:`\beta`. The finder of fixed
points (:mod:`amphase.simulate.dense.minima`) and the descents (:mod:`amphase.simulate.descent`) need only what
:class:`ContinuousEnergy` declares:

* ``energy(x)``, ``energy_and_grad(x)``: :math:`E` and :math:`\nabla E` at a batch ``(B, d)`` of queries;
* ``fixed_point(x)``: the energy's fixed-point map :math:`m(x)` (its fixed points are the stationary points of
  :math:`E`) and ``fixed_point_step(x, grad)``, one step of it given the gradient already computed at ``x`` (by
  default :math:`x - \nabla E/2`, exact for energies whose gradient is :math:`2(x - m(x))`, as the log-sum-exp's);
* ``hessian(x)`` and ``hessian_eigenvalues(x, top=None)``: the curvature that classifies a fixed point;
* ``stats(x, top=k)``: one pass giving ``energy``, ``mean`` (:math:`m(x)`), and the ``k`` memories of largest
  *responsibility* ``top_index``/``top_weight`` (the weight :math:`k_\mu/\sum_\nu k_\nu` of a memory in the
  energy's sum :math:`E = -\beta^{-1}\log\sum_\mu k_\mu(x)`: the softmax weight for the log-sum-exp);
* ``scale`` (the data scale, the unit of every tolerance), ``xp``, ``K``, ``d``, ``beta``, ``memories``.

An implementation is a subclass with a class attribute ``name``; defining it registers the class in
:data:`ENERGIES` (a module of :mod:`amphase.simulate.continuous` is imported, and so registered, by the package's
``__init__``). :func:`make_energy` builds one by name: ``make_energy("lse", beta, memories, tile=...)``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from types import ModuleType
from typing import Any, ClassVar

from amphase.errors import ParameterError
from amphase.simulate.backend import array_module

__all__ = ["ENERGIES", "ContinuousEnergy", "make_energy", "xp_of"]

#: registered continuous energies by name (filled by subclassing :class:`ContinuousEnergy` with a ``name``).
ENERGIES: dict[str, type[ContinuousEnergy]] = {}


xp_of = array_module  # the backend's one helper, under the name the energies use


class ContinuousEnergy(ABC):
    """A continuous DenseAM energy of one memory set at one inverse temperature (module docstring)."""

    #: the registry name (a subclass that sets it is registered in :data:`ENERGIES`).
    name: ClassVar[str]
    beta: float
    memories: Any
    tile: int

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if isinstance(name, str):
            if name in ENERGIES and ENERGIES[name] is not cls:
                raise ValueError(f"two continuous energies named {name!r}: {ENERGIES[name]} and {cls}")
            ENERGIES[name] = cls

    def check_inputs(self) -> None:
        """Refuse a non-positive or infinite ``beta`` and memories that are not a (K >= 1, d) array."""
        beta, mem = self.beta, self.memories
        if not beta > 0 or not math.isfinite(beta):
            raise ParameterError(f"beta={beta!r}: the inverse temperature must be a finite number > 0")
        if mem.ndim != 2 or mem.shape[0] < 1:
            raise ParameterError(f"memories of shape {mem.shape}: expected (K >= 1, d)")

    @property
    def xp(self) -> ModuleType:
        """The array module of the memories (NumPy or CuPy)."""
        return xp_of(self.memories)

    @property
    def K(self) -> int:
        """Number of memories."""
        return int(self.memories.shape[0])

    @property
    def d(self) -> int:
        """Dimension."""
        return int(self.memories.shape[1])

    @property
    @abstractmethod
    def scale(self) -> float:
        """The data scale (the unit of the finder's tolerances)."""

    @abstractmethod
    def stats(self, x: Any, *, second: str | None = None, top: int | None = None) -> Any:
        """One pass at ``x``: an object with ``energy``, ``mean`` and, for ``top=k``, ``top_index``, ``top_weight``."""

    @abstractmethod
    def energy(self, x: Any) -> Any:
        """The energy at ``x`` ((B, d) or (d,))."""

    @abstractmethod
    def energy_and_grad(self, x: Any) -> tuple[Any, Any]:
        """Energy and gradient at ``x``."""

    @abstractmethod
    def fixed_point(self, x: Any) -> Any:
        """The fixed-point map :math:`m(x)`."""

    def grad(self, x: Any) -> Any:
        """The gradient at ``x``."""
        return self.energy_and_grad(x)[1]

    def fixed_point_step(self, x: Any, grad: Any) -> Any:
        r"""One step of the fixed-point map at ``x`` given :math:`\nabla E(x)`: :math:`x - \nabla E/2 = m(x)` here."""
        return x - 0.5 * grad

    @abstractmethod
    def hessian(self, x: Any) -> Any:
        """The Hessian (B, d, d) at ``x``."""

    @abstractmethod
    def hessian_eigenvalues(self, x: Any, *, top: int | None = None) -> Any:
        """Hessian eigenvalues at ``x``, ascending."""


def make_energy(name: str, beta: float, memories: Any, *, tile: int | None = None) -> ContinuousEnergy:
    """The registered continuous energy ``name`` of ``memories`` (K, d) at inverse temperature ``beta``.

    Raises
    ------
    ParameterError
        For a name not in :data:`ENERGIES`.

    """
    if name not in ENERGIES:
        raise ParameterError(f"energy={name!r}; allowed: {', '.join(sorted(ENERGIES))}")
    cls = ENERGIES[name]
    return cls(float(beta), memories) if tile is None else cls(float(beta), memories, tile=int(tile))
