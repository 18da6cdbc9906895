r"""The log-sum-ReLU (Epanechnikov) DenseAM energy of Hoover et al. (2025), registered as ``lsr``.

Definition
----------
Hoover, Shi, Balasubramanian, Krotov & Ram, "Dense Associative Memory with Epanechnikov Energy", arXiv:2506.10801
(NeurIPS 2025), define :math:`E(x) = -\beta_p^{-1}\log[\sum_\mu \mathrm{ReLU}(1 - \tfrac{\beta_p}{2}\lVert x -
\xi^\mu\rVert^2) + \epsilon]` (their LSR energy; :math:`\epsilon = 0` in the definition, a small :math:`\epsilon`
only for numerical stability; the authors' ``memories.py``, ``epa_energy``). In amphase's convention
(:mod:`amphase.simulate.continuous.lse`: :math:`E_{LSE} = -\beta^{-1}\log\sum_\mu e^{-\beta\lVert x-\xi\rVert^2}`,
so :math:`\beta = \beta_p/2`)

.. math::

    E(x) = -\beta^{-1}\log g(x), \qquad g(x) = \sum_\mu k(u_\mu), \quad k(u) = \max(0, 1 - u), \quad
    u_\mu = \beta\lVert x - \xi^\mu\rVert^2,

which is the paper's energy times 1/2 at :math:`\epsilon = 0` (the same minima). Each memory's support is the ball of
radius :math:`1/\sqrt\beta`; outside every ball :math:`g = 0`, :math:`E = +\infty` and there is no gradient.

Landscape (derived here)
------------------------
On the cell where the *active set* is :math:`S(x) = \{\mu: u_\mu < 1\}` (:math:`n = |S| \ge 1`), :math:`g` is the
concave quadratic :math:`n - \beta\sum_{\mu\in S}\lVert x - \xi^\mu\rVert^2`, maximal at the centroid
:math:`c_S = n^{-1}\sum_{\mu\in S}\xi^\mu`, and

.. math::

    \nabla g = -2\beta n (x - c_S), \qquad \nabla E = \frac{2n}{g}(x - c_S), \qquad
    \nabla^2 E = \frac{2n}{g} I + \frac{\nabla g\,\nabla g^T}{\beta g^2} \succ 0.

So (i) :math:`E` is convex on every cell and has no smooth saddle; (ii) its minima are exactly the *self-consistent
centroids*, :math:`c_S` with :math:`S(c_S) = S`, where the Hessian is :math:`(2n/g) I` (isotropic, exact);
(iii) the fixed-point map :math:`x \leftarrow m(x) = c_{S(x)}` is mean shift with the flat kernel, the shadow of the
Epanechnikov kernel (Cheng, IEEE TPAMI 17, 790 (1995)): :math:`g` never decreases along it and it stops in finitely
many steps (Comaniciu & Meer, IEEE TPAMI 24, 603 (2002)). :math:`S(c_S)` is never empty (the mean of
:math:`u_\mu` over :math:`S` at :math:`c_S` is at most its mean at :math:`x`, below 1). The *responsibility* of a
memory is :math:`k(u_\mu)/g` (the softmax weight's analogue; 1 at an isolated memory). The exact minima of a pair,
a regular simplex and points on a circle: :mod:`amphase.theory.dense.lsr`.

Evaluation: streamed over tiles of memories like the log-sum-exp kernel (the squared distances of a tile from one
GEMM, in float64 about the memories' centroid; memory O(batch x tile) at any K). A query outside every support
returns :math:`E = +\infty` and a NaN gradient, so the descents of :mod:`amphase.simulate.descent` count it as not
converged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from amphase.errors import ParameterError
from amphase.simulate.continuous.base import ContinuousEnergy
from amphase.simulate.continuous.lse import DEFAULT_TILE, LSEStats

__all__ = ["LSREnergy"]


@dataclass(frozen=True)
class LSREnergy(ContinuousEnergy):
    """The log-sum-ReLU energy of ``memories`` (K, d) at inverse temperature ``beta`` (module docstring)."""

    name = "lsr"
    beta: float
    memories: Any
    tile: int = DEFAULT_TILE
    centre: Any = field(init=False, repr=False)
    _mem: Any = field(init=False, repr=False)
    _sq: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.check_inputs()
        mem = self.memories
        if self.tile < 1:
            raise ParameterError(f"tile={self.tile}: at least one memory per tile")
        xp = self.xp
        m64 = mem.astype(xp.float64)
        centre = m64.mean(axis=0)
        cm = m64 - centre
        object.__setattr__(self, "centre", centre)
        object.__setattr__(self, "_mem", cm)
        object.__setattr__(self, "_sq", xp.einsum("kd,kd->k", cm, cm))

    @property
    def scale(self) -> float:
        """Root-mean-square distance of the memories from their mean (1 if they all coincide)."""
        s = math.sqrt(float(self._sq.mean()))
        return s if s > 0 else 1.0

    def _pass(self, x: Any, top: int = 0) -> tuple[Any, ...]:
        """Per query: g, n = |S|, c_S (NaN where S is empty), the centred queries, and the top-k kernel values."""
        xp = self.xp
        x = xp.asarray(x, dtype=xp.float64)
        single = x.ndim == 1
        q = (x[None, :] if single else x) - self.centre
        B, K = q.shape[0], self.K
        qq = xp.einsum("bd,bd->b", q, q)
        g = xp.zeros(B)
        n = xp.zeros(B)
        s = xp.zeros_like(q)
        k_top = min(int(top), K) if top else 0
        top_k = xp.full((B, k_top), -1.0)
        top_i = xp.zeros((B, k_top), dtype=xp.int64)
        for start in range(0, K, self.tile):
            mem = self._mem[start : start + self.tile]
            u = self.beta * (qq[:, None] - 2.0 * (q @ mem.T) + self._sq[None, start : start + self.tile])
            k = xp.maximum(0.0, 1.0 - u)
            act = (u < 1.0).astype(xp.float64)
            g += k.sum(axis=1)
            n += act.sum(axis=1)
            s += act @ mem
            if k_top:
                all_k = xp.concatenate([top_k, k], axis=1)
                all_i = xp.concatenate([top_i, xp.arange(start, start + k.shape[1])[None, :].repeat(B, 0)], axis=1)
                keep = xp.argsort(-all_k, axis=1, kind="stable")[:, :k_top]
                top_k = xp.take_along_axis(all_k, keep, axis=1)
                top_i = xp.take_along_axis(all_i, keep, axis=1)
        with_s = n > 0
        c = xp.where(with_s[:, None], s / xp.where(with_s, n, 1.0)[:, None], xp.nan)
        return g, n, c, q, top_k, top_i, single

    def _out(self, a: Any, single: bool) -> Any:
        return a[0] if single else a

    def _inv(self, g: Any) -> Any:
        """1/g, NaN where g = 0 (outside every support), without a division warning."""
        xp = self.xp
        return 1.0 / xp.where(g > 0, g, xp.nan)

    def _energy(self, g: Any) -> Any:
        xp = self.xp
        return xp.where(g > 0, -xp.log(xp.where(g > 0, g, 1.0)) / self.beta, xp.inf)

    def stats(self, x: Any, *, second: str | None = None, top: int | None = None) -> LSEStats:
        """Energy, ``mean`` = :math:`c_{S(x)}` and, for ``top=k``, the k largest responsibilities (module docstring)."""
        if second is not None:
            raise ParameterError(f"second={second!r}: the log-sum-ReLU energy streams no second moment")
        g, _, c, _, top_k, top_i, _ = self._pass(x, top or 0)
        st = LSEStats(lse=-self.beta * self._energy(g), energy=self._energy(g), mean=c + self.centre)
        if top:
            st.top_index = top_i
            st.top_weight = self.xp.maximum(top_k, 0.0) * self._inv(g)[:, None]
            st.residual = self.xp.clip(1.0 - st.top_weight.sum(axis=1), 0.0, 1.0)
        return st

    def energy(self, x: Any) -> Any:
        r""":math:`E = -\beta^{-1}\log\sum_\mu\max(0, 1-\beta\lVert x-\xi^\mu\rVert^2)` (+inf off every support)."""
        g, _, _, _, _, _, single = self._pass(x)
        return self._out(self._energy(g), single)

    def fixed_point(self, x: Any) -> Any:
        r"""Mean shift :math:`m(x) = c_{S(x)}`, the centroid of the memories within :math:`1/\sqrt\beta` of ``x``."""
        _, _, c, _, _, _, single = self._pass(x)
        return self._out(c + self.centre, single)

    def fixed_point_step(self, x: Any, grad: Any) -> Any:
        """One mean-shift step (the gradient does not give the centroid here: one more pass)."""
        return self.fixed_point(x)

    def energy_and_grad(self, x: Any) -> tuple[Any, Any]:
        r"""Energy and :math:`\nabla E = 2n(x - c_S)/g` (NaN outside every support)."""
        g, n, c, q, _, _, single = self._pass(x)
        grad = (2.0 * n * self._inv(g))[:, None] * (q - c)
        return self._out(self._energy(g), single), self._out(grad, single)

    def hessian(self, x: Any) -> Any:
        r""":math:`\nabla^2 E = (2n/g) I + \nabla g\nabla g^T/(\beta g^2)`, :math:`\nabla g = -2\beta n(x - c_S)`."""
        xp = self.xp
        g, n, c, q, _, _, single = self._pass(x)
        dg = -2.0 * self.beta * n[:, None] * (q - c)
        h = (2.0 * n / g)[:, None, None] * xp.eye(self.d)[None] + dg[:, :, None] * dg[:, None, :] / (self.beta * g * g)[
            :, None, None
        ]
        return self._out(h, single)

    def hessian_eigenvalues(self, x: Any, *, top: int | None = None) -> Any:
        r"""All d Hessian eigenvalues, ascending, in closed form (``top`` is ignored: exact at any d).

        :math:`2n/g` (d - 1 times) and :math:`2n/g + \lVert\nabla g\rVert^2/(\beta g^2)`.
        """
        xp = self.xp
        g, n, c, q, _, _, single = self._pass(x)
        ig = self._inv(g)
        iso = 2.0 * n * ig
        dg2 = (2.0 * self.beta * n) ** 2 * xp.einsum("bd,bd->b", q - c, q - c)
        ev = xp.repeat(iso[:, None], self.d, axis=1)
        ev[:, -1] = iso + dg2 * ig * ig / self.beta
        return self._out(ev, single)
