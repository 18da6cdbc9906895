r"""The one fixed-point finder of a log-sum-exp (or any continuous) energy, and the one labelling of its minima.

Both families call it: the continuous DenseAM (:mod:`amphase.simulate.dense.minima`, memories :math:`\xi^\mu` at its
own :math:`\beta`) and the exact-score diffusion (:mod:`amphase.simulate.diffusion.attractors`, memories
:math:`s\xi^\mu` at :math:`\beta_t = 1/(2\sigma_t^2)`, where the denoiser map is the softmax map :math:`m(x)`). This
module names no model family. The energy is any object with ``energy_and_grad``, ``hessian``,
``hessian_eigenvalues``, ``stats``, ``memories``, ``scale``, ``d`` and ``xp``
(:class:`amphase.simulate.continuous.ContinuousEnergy`: log-sum-exp, log-sum-ReLU).

Protocol (:func:`find_minima`), every length in units of the data scale ``energy.scale``
------------------------------------------------------------------------------------------------------------------
1. **Descent** from each start by the fixed-point iteration :math:`x \leftarrow m(x)`
   (:func:`amphase.simulate.descent.fixed_point_iteration`; for the LSE energy it never raises the energy), in two
   stages: all starts to :math:`\lVert x - m(x)\rVert \le` ``coarse``; end points within ``coarse_merge`` of one
   another continue as one candidate, descended to ``tol`` and, for ``d <=``
   :data:`~amphase.simulate.lse.FULL_SECOND_MAX_D`, polished by safeguarded Newton steps
   (:func:`amphase.simulate.descent.newton_polish`: the soft modes of a ring of minima or of a point near a
   bifurcation make the plain iteration crawl). Candidates that do not converge are returned apart (``stalled``, one
   row per start they stand for) and counted.
2. **Deduplication** (:func:`merge_points`): end points within ``merge`` are one fixed point (connected components of
   the radius graph, :func:`amphase.simulate.clustering.cluster`); the representative is the end point of smallest
   gradient, ``basin`` the number of starts that ended there.
3. **Hessian** at each fixed point (exact for small d, the low-rank top-k form otherwise; for the LSE energy
   :math:`2I - 4\beta\operatorname{Cov}_w(\xi)`), kind by its lowest eigenvalue (:func:`kind_codes`): **minimum**
   above ``eig_tol``, **saddle** below ``-eig_tol``, **degenerate** otherwise (at a bifurcation).
4. **Order** (canonical, :func:`canonical_order`): by energy, ascending; energies within ``1e-10 * scale**2`` of
   one another (the ties of symmetric memories, equal up to rounding) by their coordinates, lexicographically. The
   order is a function of the fixed points found, not of the starts or of rounding.

Labels: which minimum is memory :math:`\mu`'s (:func:`owning`)
--------------------------------------------------------------
The **owner** of a fixed point is the memory of largest softmax weight :math:`w_\mu` there, and the point is that
memory's (**owned**) when the weight exceeds ``own_weight`` (default :data:`OWN_WEIGHT` = 0.6, the theory's
:data:`amphase.theory.lse_merging.OWN_WEIGHT`); a minimum owned by no memory is **spurious**. This is the one
labelling; a weight, not a distance, so a memory's own minimum pulled in by its neighbours stays its own, and the
single minimum between two merged memories (weights ½ each, less what the others take) is nobody's. The margin above
½ keeps the exact tie at a symmetric midpoint from being decided by rounding: for two memories at distance ``D`` the
minima carry :math:`w = (1 + u)/2`, :math:`u = \tanh(\beta D^2 u/2)`
(:func:`amphase.theory.lse_landscape.pair_minima`), owned for :math:`\beta D^2/2 > \operatorname{atanh}(0.2)/0.2 =
1.0137`. The physical classes (:mod:`amphase.simulate.lse_attractors`) use the same weight with threshold ½ at the
centre of their sensitivity band 0.4 / 0.5 / 0.6, and add isolation (:math:`\beta\Delta E \ge 1`).

Beside it, the nearest memory and the distance to it are returned (``nearest``, ``distance``): the distance rules
that datasets keep for comparison (``dense.lse``: within half the nearest-neighbour distance of a memory;
``diffusion.landscape``: within ``delta_m`` data scales) are computed from them by the callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from amphase.simulate.backend import to_host
from amphase.simulate.clustering import cluster
from amphase.simulate.descent import fixed_point_iteration, newton_polish
from amphase.simulate.lse import FULL_SECOND_MAX_D
from amphase.simulate.neighbours import nearest
from amphase.theory.lse_merging import OWN_WEIGHT

__all__ = [
    "KINDS",
    "OWN_WEIGHT",
    "Minima",
    "canonical_order",
    "find_minima",
    "kind_codes",
    "merge_points",
    "owning",
]

#: fixed-point kinds, by code (the ``kind`` array): the Hessian's lowest eigenvalue above, below or within eig_tol.
KINDS = ("minimum", "saddle", "degenerate")


def kind_codes(lowest: Any, eig_tol: float) -> np.ndarray:
    """Kind codes (index into :data:`KINDS`) from the lowest Hessian eigenvalue (real part) of each fixed point."""
    lo = np.asarray(lowest, dtype=np.float64)
    return np.where(lo > eig_tol, 0, np.where(lo < -eig_tol, 1, 2)).astype(np.int8)


def merge_points(
    x: Any, radius: float, *, quality: Any = None, weight: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """End points ``x`` (n, d) within ``radius`` of one another as one point (module docstring, step 2).

    ``quality`` (n,), optional: the representative of a group is its member of smallest quality (a residual or
    gradient norm), and the groups come in the order of their representatives' quality; default: the rows' order.
    ``weight`` (n,), optional: the starts each end point stands for (default 1 each).

    Returns
    -------
    representatives : (m,) int64
        Row of each group's representative.
    label : (n,) int64
        Group of each row.
    basin : (m,) int64
        Summed ``weight`` of each group.
    """
    order = None if quality is None else np.argsort(np.asarray(quality), kind="stable")
    label, reps = cluster(x, radius, order=order)
    basin = np.bincount(label, weights=weight, minlength=len(reps)).astype(np.int64)
    return reps, label, basin


def canonical_order(energy: Any, x: Any, tie: float) -> np.ndarray:
    """Fixed points by ``energy`` (n,); energies within ``tie`` of a neighbour's by coordinates ``x`` (n, d)."""
    e = np.asarray(energy, dtype=np.float64)
    pts = np.asarray(x, dtype=np.float64)
    if len(e) == 0:
        return np.zeros(0, dtype=np.int64)
    by_e = np.argsort(e, kind="stable")
    group = np.empty(len(e), dtype=np.int64)
    group[by_e] = np.concatenate([[0], np.cumsum(np.diff(e[by_e]) > tie)])  # runs of energies closer than tie
    return np.lexsort((*pts.T[::-1], group))


def owning(energy: Any, x: Any) -> tuple[np.ndarray, np.ndarray]:
    """The largest softmax weight at each point of ``x`` (n, d) and the memory that carries it (one streamed pass)."""
    xq = energy.xp.asarray(np.atleast_2d(np.asarray(to_host(x), dtype=np.float64)))
    st = energy.stats(xq, top=1)
    return to_host(st.top_weight)[:, 0], to_host(st.top_index)[:, 0].astype(np.int64)


@dataclass
class Minima:
    r"""The distinct fixed points found (host NumPy arrays, the energy's coordinates), sorted by energy.

    Attributes
    ----------
    x : (n, d)
        Fixed points.
    energy : (n,)
        Their energies.
    eigenvalues : (n, r)
        Hessian eigenvalues, ascending (r = d, or min(top, d) in the low-rank form, where the others are 2).
    kind : (n,) int8
        Index into :data:`KINDS`.
    nearest : (n,) int
        Nearest memory.
    distance : (n,)
        Distance to it.
    on_memory : (n,) bool
        The distance rule of ``dense.lse``: within half the distance from that memory to its nearest other memory.
    basin : (n,) int
        Starts that ended there.
    weight : (n,)
        The largest softmax weight :math:`\max_\mu w_\mu` at the point (module docstring, labels).
    owner : (n,) int
        The memory that carries it.
    grad_norm : (n,)
        :math:`\lVert\nabla E\rVert` there.
    n_starts, n_unconverged : int
        Starts descended, and those that did not converge.
    own_weight : float
        A point is owned by a memory whose weight exceeds this (module docstring, labels).
    stalled : (m, d)
        Where the starts that did not converge ended (one row per start).

    """

    x: np.ndarray
    energy: np.ndarray
    eigenvalues: np.ndarray
    kind: np.ndarray
    nearest: np.ndarray
    distance: np.ndarray
    on_memory: np.ndarray
    basin: np.ndarray
    weight: np.ndarray
    owner: np.ndarray
    grad_norm: np.ndarray
    n_starts: int
    n_unconverged: int
    own_weight: float = OWN_WEIGHT
    stalled: np.ndarray | None = None

    @property
    def is_minimum(self) -> np.ndarray:
        """Mask of the minima."""
        return self.kind == KINDS.index("minimum")

    @property
    def n_minima(self) -> int:
        """Number of minima."""
        return int(self.is_minimum.sum())

    @property
    def n_memory_minima(self) -> int:
        """Minima that sit on a memory (the distance rule)."""
        return int((self.is_minimum & self.on_memory).sum())

    @property
    def n_spurious(self) -> int:
        """Minima that sit on no memory (the distance rule)."""
        return int((self.is_minimum & ~self.on_memory).sum())

    @property
    def owned(self) -> np.ndarray:
        """Mask of the points owned by one memory: weight above ``own_weight`` (module docstring, labels)."""
        return self.weight > self.own_weight

    @property
    def n_own_minima(self) -> int:
        """Minima owned by one memory (its own minimum)."""
        return int((self.is_minimum & self.owned).sum())


def _basin_radius(memories: np.ndarray) -> np.ndarray:
    """Half the distance from each memory to its nearest other memory (inf when there is one memory)."""
    dist, _ = nearest(memories, memories, exclude_self=True)
    return 0.5 * np.asarray(dist)


def find_minima(
    energy: Any,
    x0: Any,
    *,
    tol: float = 1e-10,
    max_steps: int = 20_000,
    merge: float = 1e-6,
    eig_tol: float = 1e-6,
    coarse: float = 1e-6,
    coarse_merge: float = 1e-4,
    top: int | None = None,
    own_weight: float = OWN_WEIGHT,
) -> Minima:
    r"""Descend from every start ``x0`` (n, d), merge the end points, classify and label them (module docstring).

    Parameters
    ----------
    energy : ContinuousEnergy
        The energy (:func:`amphase.simulate.lse.lse`, or any registered continuous energy).
    x0 : (n, d) array
        Starts.
    tol : float
        Convergence: :math:`\lVert x - m(x)\rVert \le` ``tol * energy.scale``.
    max_steps : int
        Most fixed-point steps per start.
    merge : float
        End points closer than ``merge * energy.scale`` are one fixed point.
    eig_tol : float
        Hessian eigenvalues within ``eig_tol`` of 0 make a fixed point degenerate.
    coarse, coarse_merge : float
        Stage 1 (step 1): descend every start to ``coarse * scale``, then continue only from one end point per group
        closer than ``coarse_merge * scale``.
    top : int, optional
        Use the low-rank Hessian from the ``top`` memories of largest weight (default: exact for small d).
    own_weight : float
        A point is owned by a memory whose softmax weight there exceeds this (module docstring, labels).

    Returns
    -------
    Minima

    """
    xp = energy.xp
    # stage 1: every start, to a coarse tolerance; end points within coarse_merge * scale are one candidate
    run = fixed_point_iteration(energy, x0, tol=coarse, max_steps=max_steps)
    x1, g1 = to_host(run.x), to_host(run.grad_norm)
    cand, label1, _ = merge_points(x1, coarse_merge * energy.scale, quality=g1)
    # stage 2: the candidates only, to the final tolerance (fixed-point steps, then Newton where d is small)
    run = fixed_point_iteration(energy, xp.asarray(x1[cand]), tol=tol, max_steps=max_steps)
    if energy.d <= FULL_SECOND_MAX_D:
        run = newton_polish(energy, run.x, tol=tol)
    conv = to_host(run.converged)
    per_cand = np.bincount(label1, minlength=len(cand))
    weight = per_cand[conv]
    x2 = to_host(run.x)
    stalled = np.repeat(x2[~conv], per_cand[~conv], axis=0)
    x = x2[conv]
    gn = to_host(run.grad_norm)[conv]
    mem = to_host(energy.memories).astype(np.float64)
    if len(x) == 0:
        z = np.zeros(0)
        i = z.astype(np.int64)
        return Minima(np.zeros((0, mem.shape[1])), z, np.zeros((0, 0)), z.astype(np.int8), i, z, z.astype(bool), i,
                      z, i, z, len(x1), len(x1), own_weight, stalled)  # fmt: skip
    reps, _, basin = merge_points(x, merge * energy.scale, quality=gn, weight=weight)
    pts = x[reps]
    ev = to_host(energy.hessian_eigenvalues(xp.asarray(pts), top=top))
    kind = kind_codes(ev[:, 0], eig_tol)
    st = energy.stats(xp.asarray(pts), top=1)
    e, wmax, owner = to_host(st.energy), to_host(st.top_weight)[:, 0], to_host(st.top_index)[:, 0].astype(np.int64)
    dist, near = nearest(pts, mem, centre=False)  # the winner at exact ties as this finder has always had it
    on = dist < _basin_radius(mem)[near]
    order = canonical_order(e, pts, 1e-10 * energy.scale**2)
    return Minima(
        x=pts[order],
        energy=e[order],
        eigenvalues=ev[order],
        kind=kind[order],
        nearest=near[order],
        distance=dist[order],
        on_memory=on[order],
        basin=basin[order],
        weight=wmax[order],
        owner=owner[order],
        grad_norm=gn[reps][order],
        n_starts=len(x1),
        n_unconverged=int(len(x1) - weight.sum()),
        own_weight=own_weight,
        stalled=stalled,
    )
