r"""The log-sum-exp (LSE) energy over stored memories, evaluated by a streaming kernel at any number of memories.

Convention (squared-distance form, used throughout amphase)
-----------------------------------------------------------
For memories :math:`\xi^\mu \in \mathbb{R}^d`, :math:`\mu = 1..K`, and inverse temperature :math:`\beta > 0`,

.. math::

    E(x) = -\beta^{-1} \log \sum_\mu \exp(-\beta \lVert x - \xi^\mu \rVert^2), \qquad
    w_\mu(x) = \operatorname{softmax}_\mu(-\beta \lVert x - \xi^\mu \rVert^2),

    \nabla E = 2 (x - m(x)), \quad m(x) = \sum_\mu w_\mu \xi^\mu, \qquad
    \nabla^2 E = 2 I - 4 \beta \operatorname{Cov}_w(\xi).

``m(x)`` is the fixed-point map (the denoiser of a diffusion model whose exact score is that of K training points:
at noise level :math:`\sigma`, :math:`\beta = 1 / (2 \sigma^2)` and the score is :math:`-\beta \nabla E`).

Dot-product form (Ramsauer et al. 2021, "Hopfield networks is all you need")
----------------------------------------------------------------------------
:math:`E_R(x) = -\beta_R^{-1} \log \sum_\mu \exp(\beta_R\, x \cdot \xi^\mu) + \tfrac12 x \cdot x`
(+ constants), update :math:`x \leftarrow \Xi \operatorname{softmax}(\beta_R \Xi^T x)`. For memories of equal norm
:math:`M`, :math:`-\beta\lVert x-\xi\rVert^2 = -\beta\lVert x\rVert^2 + 2\beta x\cdot\xi - \beta M^2`, so the
two have the same softmax and fixed points when :math:`\beta_R = 2\beta`, and :math:`E = 2 E_R + M^2` (dropping
Ramsauer's constants). :func:`ramsauer_beta` / :func:`distance_beta` convert; ``form="dot"`` in :func:`lse_stats`
evaluates the dot-product scores directly.

The streaming kernel
--------------------
Scores are written :math:`s_\mu = c\, x \cdot \xi^\mu - b_\mu` with :math:`c = 2\beta`,
:math:`b_\mu = \beta \lVert\xi^\mu\rVert^2` (``‖ξ‖²`` precomputed) and the per-query constant
:math:`-\beta\lVert x\rVert^2` added at the end: one GEMM per tile of memories, never the (B, K, d) array of
differences. Tiles of ``tile`` memories are visited in turn with a running maximum :math:`a` and running sum
:math:`S = \sum \exp(s_\mu - a)` (both float64), rescaled by :math:`\exp(a_{old} - a_{new})` when the maximum
grows, and a running numerator :math:`\sum \exp(s_\mu - a) \xi^\mu` (a second GEMM). Memory is
O(batch x tile + batch x d) at any K. Nothing overflows: every exponent is :math:`\le 0`, and the largest term of the
sum is 1, so :math:`\log S` is finite at any :math:`\beta` (tested from 1e-8 to 1e8) and for far-away queries.

Accuracy: the GEMM and the exponentials run in the data's dtype (float32 or float64); the running max and sum are
float64. The energy is returned as :math:`\lVert x\rVert^2 - (a + \log S)/\beta`, exact to the rounding of the
squared distances, about :math:`\epsilon \lVert x \rVert \lVert\xi\rVert` (:math:`\epsilon` the dtype's
epsilon): float32 carries ~1e-3 absolute error at ‖·‖² ~ 1e3, which :math:`\beta` multiplies in the weights. The
:class:`LSEEnergy` object therefore centres the memories (subtracts their mean from memories and queries: distances
are unchanged, norms shrink to the data's spread); use float64 when :math:`\beta` times the data scale squared is
large.

Second moment (for the Hessian)
-------------------------------
* ``second="full"``: :math:`\sum_\mu w_\mu \xi^\mu \xi^{\mu T}` streamed as a third GEMM against the
  flattened outer products of a tile (d² per memory: for small d only, :data:`FULL_SECOND_MAX_D`);
* ``second="diag"``: its diagonal :math:`\sum_\mu w_\mu (\xi^\mu_i)^2` (B, d), a third GEMM against the squared
  memories (d per memory, any d): the per-coordinate weighted variance without the d x d matrix;
* ``top=k``: the k memories of largest weight per query (a running top-k over tiles), their weights and the weight
  left outside them (``residual``). :math:`\operatorname{Cov}_w` restricted to them is a rank-k matrix whose
  non-zero eigenvalues are those of a k x k Gram matrix (:func:`hessian_spectrum`). The truncation changes the
  covariance by at most ``residual`` times the squared spread of the memories.

Everything runs on ``xp`` = NumPy or CuPy (the backend seam of :mod:`amphase.simulate.backend`); on the CPU the GEMMs
are BLAS calls. This module names no model family: the continuous DenseAM and the analytic-score diffusion model
both use it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from amphase.errors import ParameterError
from amphase.params import Choice, Param, fmt_value
from amphase.simulate.backend import BACKENDS
from amphase.simulate.continuous.base import ContinuousEnergy, xp_of

__all__ = [
    "DEFAULT_TILE",
    "FULL_SECOND_MAX_D",
    "LSEEnergy",
    "LSEStats",
    "distance_beta",
    "hessian_spectrum",
    "kernel_params",
    "lse",
    "lse_stats",
    "ramsauer_beta",
]

#: memories per tile by default: 4096 x batch scores in the working dtype at once.
DEFAULT_TILE = 4096

#: largest dimension for the streamed full second moment (d² floats per memory in a tile).
FULL_SECOND_MAX_D = 64


def ramsauer_beta(beta: float) -> float:
    r"""The dot-product inverse temperature :math:`\beta_R = 2\beta` equivalent to ``beta`` (equal-norm memories)."""
    return 2.0 * beta


def distance_beta(beta_r: float) -> float:
    r"""The squared-distance inverse temperature :math:`\beta = \beta_R / 2` equivalent to Ramsauer's ``beta_r``."""
    return 0.5 * beta_r


@dataclass
class LSEStats:
    r"""What one streaming pass returns per query (arrays on the backend of the inputs).

    Attributes
    ----------
    lse : (B,) float64
        :math:`\log \sum_\mu \exp(s_\mu)` with the full scores (the per-query constant included).
    energy : (B,) float64
        :math:`-\mathrm{lse}/\beta` computed without cancellation (distance form), or
        :math:`\tfrac12\lVert x\rVert^2 - \mathrm{lse}/\beta_R` (dot form).
    mean : (B, d)
        :math:`m(x) = \sum_\mu w_\mu \xi^\mu`, float64.
    second : (B, d, d), (B, d) or None
        :math:`\sum_\mu w_\mu \xi^\mu \xi^{\mu T}` (``second="full"``) or its diagonal (``second="diag"``),
        float64.
    top_index, top_weight : (B, k) or None
        The k memories of largest weight and their weights (``top=k``), in decreasing weight.
    residual : (B,) or None
        :math:`1 - \sum` of ``top_weight``: the weight left outside the top k.

    """

    lse: Any
    energy: Any
    mean: Any
    second: Any = None
    top_index: Any = None
    top_weight: Any = None
    residual: Any = None


def lse_stats(
    x: Any,
    memories: Any,
    beta: float,
    *,
    sq_norms: Any = None,
    tile: int = DEFAULT_TILE,
    second: str | None = None,
    top: int | None = None,
    form: str = "distance",
) -> LSEStats:
    r"""One streaming pass over the memories: LSE value, energy, weighted mean, and optionally second moments.

    Parameters
    ----------
    x : (B, d) array
        Queries; computed in the dtype of ``memories`` (float32 or float64).
    memories : (K, d) array
        Memories :math:`\xi^\mu`, float32 or float64, NumPy or CuPy.
    beta : float
        Inverse temperature :math:`\beta > 0` of the distance form (``form="distance"``) or :math:`\beta_R` of the
        dot form (``form="dot"``: scores :math:`\beta_R x\cdot\xi^\mu`).
    sq_norms : (K,) array, optional
        :math:`\lVert\xi^\mu\rVert^2` in float64, precomputed once per memory set.
    tile : int
        Memories per tile; memory is O(B x tile) whatever K.
    second : {None, "full", "diag"}
        Also stream :math:`\sum_\mu w_\mu \xi^\mu\xi^{\mu T}` (d <= :data:`FULL_SECOND_MAX_D`) or only its
        diagonal (any d).
    top : int, optional
        Keep the ``top`` memories of largest weight per query (for a low-rank Hessian).
    form : {"distance", "dot"}
        Squared-distance scores :math:`-\beta\lVert x-\xi\rVert^2` or dot-product scores.

    Returns
    -------
    LSEStats

    """
    xp = xp_of(memories)
    if not beta > 0 or not math.isfinite(beta):
        raise ParameterError(f"beta={fmt_value(beta)}: the inverse temperature must be a finite number > 0")
    if form not in ("distance", "dot"):
        raise ParameterError(f"form={form!r}; allowed: distance, dot")
    if tile < 1:
        raise ParameterError(f"tile={tile}: at least one memory per tile")
    dt = memories.dtype
    if dt not in (np.float32, np.float64):
        raise ParameterError(f"memories of dtype {dt}: float32 or float64 only")
    K, d = memories.shape
    if K < 1:
        raise ParameterError("no memories")
    if second not in (None, "full", "diag"):
        raise ParameterError(f"second={second!r}; allowed: None, full, diag")
    if second == "full" and d > FULL_SECOND_MAX_D:
        raise ParameterError(f"second='full' at d={d} > {FULL_SECOND_MAX_D}: use top=k (a low-rank Hessian)")
    x = xp.asarray(x, dtype=dt)
    if x.ndim != 2 or x.shape[1] != d:
        raise ParameterError(f"queries of shape {x.shape}: expected (B, {d})")
    B = x.shape[0]
    beta = float(beta)
    if form == "distance":
        if sq_norms is None:
            m64 = memories.astype(xp.float64, copy=False)
            sq_norms = xp.einsum("kd,kd->k", m64, m64)
        sq_norms = xp.asarray(sq_norms, dtype=xp.float64)
        coef = 2.0 * beta
    else:
        coef = beta
    xc = x * dt.type(coef)  # the scale folded into the queries: one pass over B x d, not over B x K
    run_max = xp.full(B, -xp.inf, dtype=xp.float64)
    run_sum = xp.zeros(B, dtype=xp.float64)
    num = xp.zeros((B, d), dtype=xp.float64)
    sec = xp.zeros((B, d * d), dtype=xp.float64) if second == "full" else None
    sec_diag = xp.zeros((B, d), dtype=xp.float64) if second == "diag" else None
    k_top = min(int(top), K) if top else 0
    top_s = xp.full((B, k_top), -xp.inf, dtype=xp.float64) if k_top else None
    top_i = xp.zeros((B, k_top), dtype=xp.int64) if k_top else None
    g = None
    for start in range(0, K, tile):
        stop = min(start + tile, K)
        mem = memories[start:stop]
        if g is None or g.shape[1] != stop - start:
            g = None  # free the full tile before the last, narrower one: the peak stays one tile at any K
            g = xp.empty((B, stop - start), dtype=dt)
        xp.matmul(xc, mem.T, out=g)  # c x.xi
        if form == "distance":
            g -= (beta * sq_norms[start:stop]).astype(dt)  # s = c x.xi - beta |xi|^2 (per tile: no O(K) temporary)
        tmax = g.max(axis=1).astype(xp.float64)
        new_max = xp.maximum(run_max, tmax)  # finite: every tile has at least one finite score
        if k_top:
            cand = min(k_top, stop - start)
            idx = xp.argpartition(g, -cand, axis=1)[:, -cand:] if cand < stop - start else xp.argsort(g, axis=1)
            vals = xp.take_along_axis(g, idx, axis=1).astype(xp.float64)
            all_s = xp.concatenate([top_s, vals], axis=1)
            all_i = xp.concatenate([top_i, idx.astype(xp.int64) + start], axis=1)
            keep = xp.argsort(-all_s, axis=1)[:, :k_top]
            top_s = xp.take_along_axis(all_s, keep, axis=1)
            top_i = xp.take_along_axis(all_i, keep, axis=1)
        g -= new_max.astype(dt)[:, None]
        new_max = new_max.astype(dt).astype(xp.float64)  # the max actually subtracted (rounded to the working dtype)
        xp.exp(g, out=g)
        scale = xp.exp(run_max - new_max)  # exp(-inf) = 0 on the first tile
        # the tile's sum in the working dtype (pairwise, relative error ~ eps log2(tile)), accumulated in float64
        run_sum = run_sum * scale + g.sum(axis=1).astype(xp.float64)
        # skipped on the host once the running max has settled; always done on a device, where the test would be a
        # host synchronisation per tile (a factor 1.0 is exact: the same numbers either way)
        rescale = start > 0 and (xp is not np or bool((scale != 1.0).any()))
        if rescale:
            num *= scale[:, None]
        num += g @ mem
        if sec is not None:
            outer = (mem[:, :, None] * mem[:, None, :]).reshape(stop - start, d * d)
            if rescale:
                sec *= scale[:, None]
            sec += g @ outer
        if sec_diag is not None:
            if rescale:
                sec_diag *= scale[:, None]
            sec_diag += g @ (mem * mem)
        run_max = new_max
    log_s = xp.log(run_sum)
    mean = num / run_sum[:, None]
    if form == "distance":
        x64 = x.astype(xp.float64)
        xx = xp.einsum("bd,bd->b", x64, x64)
        energy = xx - (run_max + log_s) / beta
        value = -beta * xx + run_max + log_s
    else:
        x64 = x.astype(xp.float64)
        value = run_max + log_s
        energy = 0.5 * xp.einsum("bd,bd->b", x64, x64) - value / beta
    out = LSEStats(lse=value, energy=energy, mean=mean)
    if sec is not None:
        out.second = (sec / run_sum[:, None]).reshape(B, d, d)
    if sec_diag is not None:
        out.second = sec_diag / run_sum[:, None]
    if k_top:
        lse_scores = run_max + log_s  # without the per-query constant, like the stored scores
        out.top_index = top_i
        out.top_weight = xp.exp(top_s - lse_scores[:, None])
        out.residual = xp.clip(1.0 - out.top_weight.sum(axis=1), 0.0, 1.0)
    return out


def hessian_spectrum(beta: float, mean: Any, points: Any, weights: Any, d: int) -> Any:
    r"""Eigenvalues of :math:`2I - 4\beta\,C` with the rank-k covariance :math:`C = \sum_j w_j (p_j - m)(p_j - m)^T`.

    Parameters
    ----------
    beta : float
        Inverse temperature (distance form).
    mean : (B, d)
        The exact weighted mean :math:`m(x)`.
    points : (B, k, d)
        The memories of largest weight per query.
    weights : (B, k)
        Their weights.
    d : int
        Dimension.

    Returns
    -------
    (B, min(k, d)) array
        The Hessian eigenvalues in the span of the k memories, ascending; every other eigenvalue is 2. The non-zero
        eigenvalues of :math:`C = A A^T`, :math:`A_{:, j} = \sqrt{w_j}(p_j - m)`, are those of the k x k Gram
        matrix :math:`A^T A`.

    """
    xp = xp_of(points)
    a = (points - mean[:, None, :]) * xp.sqrt(weights)[:, :, None]  # (B, k, d): rows are columns of A
    gram = a @ a.transpose(0, 2, 1)  # (B, k, k)
    lam = xp.linalg.eigvalsh(gram)[:, ::-1][:, : min(a.shape[1], d)]
    return xp.sort(2.0 - 4.0 * beta * lam, axis=1)


@dataclass(frozen=True)
class LSEEnergy(ContinuousEnergy):
    r"""The LSE energy of one memory set at one :math:`\beta` (the module docstring gives every formula).

    Build it with :func:`lse`. Queries are ``(B, d)`` arrays (a single ``(d,)`` query is accepted and returned
    unbatched); results are float64 arrays on the memories' backend. The memories are centred once (their mean
    subtracted, from queries too) so the squared distances are computed at the data's spread, not its offset.
    """

    name = "lse"
    beta: float
    memories: Any
    tile: int = DEFAULT_TILE
    centre: Any = field(init=False, repr=False)
    _mem: Any = field(init=False, repr=False)
    _sq: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.check_inputs()
        xp = self.xp
        mem = self.memories
        centre = mem.astype(xp.float64).mean(axis=0)
        cm = (mem.astype(xp.float64) - centre).astype(mem.dtype)
        object.__setattr__(self, "centre", centre)
        object.__setattr__(self, "_mem", cm)
        c64 = cm.astype(xp.float64)
        object.__setattr__(self, "_sq", xp.einsum("kd,kd->k", c64, c64))

    @property
    def scale(self) -> float:
        """The data scale: root-mean-square distance of the memories from their mean (1 if they all coincide)."""
        s = math.sqrt(float(self._sq.mean()))
        return s if s > 0 else 1.0

    def _q(self, x: Any) -> tuple[Any, bool]:
        x = self.xp.asarray(x, dtype=self.xp.float64)
        single = x.ndim == 1
        return (x[None, :] if single else x) - self.centre, single

    def stats(self, x: Any, *, second: str | None = None, top: int | None = None) -> LSEStats:
        """The streaming pass at (centred) queries ``x``; ``mean`` is returned in the original coordinates."""
        q, _ = self._q(x)
        st = lse_stats(q, self._mem, self.beta, sq_norms=self._sq, tile=self.tile, second=second, top=top)
        st.mean = st.mean + self.centre
        if st.second is not None:  # second moment about the origin of the original coordinates
            c = self.centre
            m0 = st.mean - c
            if second == "diag":
                st.second = st.second + 2.0 * m0 * c[None, :] + (c * c)[None, :]
            else:
                st.second = st.second + m0[:, :, None] * c[None, None, :] + c[None, :, None] * m0[:, None, :]
                st.second = st.second + (c[:, None] * c[None, :])[None]
        return st

    def _out(self, a: Any, single: bool) -> Any:
        return a[0] if single else a

    def energy(self, x: Any) -> Any:
        r""":math:`E(x) = -\beta^{-1}\log\sum_\mu \exp(-\beta\lVert x-\xi^\mu\rVert^2)`."""
        _, single = self._q(x)
        return self._out(self.stats(x).energy, single)

    def fixed_point(self, x: Any) -> Any:
        r"""The fixed-point map :math:`m(x) = \sum_\mu w_\mu(x)\, \xi^\mu` (the denoiser)."""
        _, single = self._q(x)
        return self._out(self.stats(x).mean, single)

    def grad(self, x: Any) -> Any:
        r""":math:`\nabla E(x) = 2(x - m(x))`."""
        x64 = self.xp.asarray(x, dtype=self.xp.float64)
        return 2.0 * (x64 - self.fixed_point(x64))

    def energy_and_grad(self, x: Any) -> tuple[Any, Any]:
        """Energy and gradient from one pass."""
        x64 = self.xp.asarray(x, dtype=self.xp.float64)
        q, single = self._q(x64)
        st = self.stats(x64)
        return self._out(st.energy, single), self._out(2.0 * (q + self.centre - st.mean), single)

    def weights(self, x: Any) -> Any:
        r"""The softmax weights :math:`w_\mu(x)`, (B, K): a dense array, for small K and tests only."""
        xp = self.xp
        q, single = self._q(x)
        mem = self._mem.astype(xp.float64)
        s = -self.beta * (xp.einsum("bd,bd->b", q, q)[:, None] - 2 * q @ mem.T + self._sq[None, :])
        s -= s.max(axis=1, keepdims=True)
        w = xp.exp(s)
        return self._out(w / w.sum(axis=1, keepdims=True), single)

    def hessian(self, x: Any) -> Any:
        r""":math:`\nabla^2 E = 2I - 4\beta\operatorname{Cov}_w(\xi)`, (B, d, d), streamed exactly (small d)."""
        xp = self.xp
        q, single = self._q(x)
        st = lse_stats(q, self._mem, self.beta, sq_norms=self._sq, tile=self.tile, second="full")
        cov = st.second - st.mean[:, :, None] * st.mean[:, None, :]  # translation-invariant: centred coordinates
        h = 2.0 * xp.eye(self.d)[None] - 4.0 * self.beta * cov
        return self._out(h, single)

    def hessian_eigenvalues(self, x: Any, *, top: int | None = None) -> Any:
        """Hessian eigenvalues, ascending.

        For ``d <= FULL_SECOND_MAX_D`` and no ``top``: all d eigenvalues of the exact Hessian. Otherwise the low-rank
        form from the ``top`` memories of largest weight (default 64): :func:`hessian_spectrum`, min(top, d) values
        (every other eigenvalue is 2).
        """
        xp = self.xp
        if top is None and self.d <= FULL_SECOND_MAX_D:
            h = self.hessian(x)
            single = h.ndim == 2
            ev = xp.linalg.eigvalsh(h[None] if single else h)
            return ev[0] if single else ev
        q, single = self._q(x)
        k = min(top or 64, self.K)
        st = lse_stats(q, self._mem, self.beta, sq_norms=self._sq, tile=self.tile, top=k)
        ev = hessian_spectrum(self.beta, st.mean, self._mem.astype(xp.float64)[st.top_index], st.top_weight, self.d)
        return self._out(ev, single)


def lse(beta: float, memories: Any, *, tile: int = DEFAULT_TILE) -> LSEEnergy:
    """The LSE energy of ``memories`` (K, d) at inverse temperature ``beta`` (see :class:`LSEEnergy`)."""
    return LSEEnergy(float(beta), memories, tile=int(tile))


def kernel_params(items: str) -> tuple[Choice, Choice, Param]:
    """The parameters every model built on this kernel takes: working ``dtype``, array ``backend`` and ``tile``.

    ``items`` names what the kernel streams over (``"memories"``, ``"patterns"``, ``"training points"``).
    """
    return (
        Choice("dtype", "working dtype of the streaming kernel's GEMMs and exponentials", ("float64", "float32")),
        Choice("backend", "array backend (cpu and numpy: NumPy and BLAS; gpu: CuPy)", BACKENDS),
        Param("tile", f"{items} per tile of the streaming kernel", lower=1, upper=10**8, integer=True),
    )
