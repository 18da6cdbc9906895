r"""All the fixed points of a continuous energy reachable from many starts: minima, saddles, and where they sit.

Protocol (:func:`find_minima`)
------------------------------
1. **Starts** (:func:`starts`): every memory plus Gaussian noise of rms ``noise * scale`` per memory (``noisy``
   copies), points drawn from a Gaussian with the memories' mean and rms spread ``scale`` (``random``), and centroids
   of memory groups (the centroid of all memories, and of ``centroids`` groups made of a random memory and its
   ``g - 1`` nearest neighbours, ``g`` uniform in 2..``group``): the symmetric points where mixture minima and saddles
   sit. ``scale`` is the root-mean-square distance of the memories from their mean (:attr:`LSEEnergy.scale`).
2. **Descent** from each start by the fixed-point iteration (:mod:`amphase.simulate.descent`), in two stages: all
   starts to the coarse tolerance :math:`\lVert x - m(x)\rVert \le` ``coarse * scale`` (default ``1e-6``); end
   points within ``coarse_merge * scale`` (``1e-4``) of one another continue as one candidate, descended to
   ``tol * scale`` (``1e-10``) and, for small d, polished by safeguarded Newton steps (the soft modes of a ring of
   minima or of a point near a bifurcation make the plain iteration crawl). Candidates that do not converge are
   counted (with the starts they stand for) and dropped.
3. **Deduplication**: end points within ``merge * scale`` (default ``1e-6``, far above the convergence error
   ``tol * scale / (1 - rho)`` for contraction rates :math:`\rho \le 1 - 10^{-3}`, far below any physical separation)
   are one fixed point (connected components, :func:`amphase.simulate.clustering.cluster`); the representative is
   the end point of smallest gradient, and ``basin`` counts the starts that ended there.
4. **Hessian** :math:`2I - 4\beta\operatorname{Cov}_w(\xi)` at each fixed point (exact for small d, the low-rank
   top-k form otherwise): a **minimum** when its smallest eigenvalue exceeds ``eig_tol`` (default ``1e-6``; the
   eigenvalues are of order 2), a **saddle** when one is below ``-eig_tol``, **degenerate** otherwise (at a
   bifurcation).
5. **Which memory**: the nearest memory and the distance to it; the fixed point *sits on* that memory when the
   distance is less than half the distance from that memory to its nearest other memory (its basin radius), so a
   fixed point can sit on one memory at most. Minima that sit on no memory are *spurious*. A second, stricter rule
   says whose minimum it is: the point is *owned* by its memory of largest softmax weight ``weight`` when that
   weight exceeds ``own_weight`` (default :data:`OWN_WEIGHT` = 0.6, the theory's
   :data:`amphase.theory.lse_merging.OWN_WEIGHT`). The two rules differ where memories have merged: the single
   minimum between two merged memories lies at their midpoint, exactly half their distance from each, so the
   distance rule is decided by the slight pull of the other memories (or by rounding) and usually calls it a
   memory's; the weights there are 1/2 each (less what the others take), so it is owned by neither. Two memories at
   distance ``D``: the minima on either side carry ``w = (1 + u)/2`` with ``u = tanh(beta D^2 u/2)``
   (:func:`amphase.theory.lse_landscape.pair_minima`), so they exist for ``beta D^2/2 > 1`` and are owned for
   ``beta D^2/2 > atanh(0.2)/0.2 = 1.0137``; the margin above 1/2 keeps the exact tie at a symmetric midpoint
   from being decided by rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from amphase.simulate.clustering import cluster
from amphase.simulate.descent import fixed_point_iteration, newton_polish
from amphase.simulate.lse import FULL_SECOND_MAX_D
from amphase.simulate.neighbours import nearest
from amphase.theory.lse_merging import OWN_WEIGHT

__all__ = ["KINDS", "OWN_WEIGHT", "Minima", "find_minima", "starts"]

#: fixed-point kinds, by code (the ``kind`` array).
KINDS = ("minimum", "saddle", "degenerate")


@dataclass
class Minima:
    r"""The distinct fixed points found (host NumPy arrays), sorted by energy.

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
        Whether the point sits on its nearest memory (module docstring, step 5).
    basin : (n,) int
        Starts that ended there.
    weight : (n,)
        The largest softmax weight :math:`\max_\mu w_\mu` at the point (module docstring, step 5).
    grad_norm : (n,)
        :math:`\lVert\nabla E\rVert` there.
    n_starts, n_unconverged : int
        Starts descended, and those that did not converge.
    own_weight : float
        A point is owned by a memory whose weight exceeds this (module docstring, step 5).

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
    grad_norm: np.ndarray
    n_starts: int
    n_unconverged: int
    own_weight: float = OWN_WEIGHT

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
        """Minima that sit on a memory."""
        return int((self.is_minimum & self.on_memory).sum())

    @property
    def n_spurious(self) -> int:
        """Minima that sit on no memory."""
        return int((self.is_minimum & ~self.on_memory).sum())

    @property
    def owned(self) -> np.ndarray:
        """Mask of the points owned by one memory: weight above ``own_weight`` (module docstring, step 5)."""
        return self.weight > self.own_weight

    @property
    def n_own_minima(self) -> int:
        """Minima owned by one memory (its own minimum)."""
        return int((self.is_minimum & self.owned).sum())


def _asnumpy(a: Any) -> np.ndarray:
    return a.get() if hasattr(a, "get") else np.asarray(a)


def _basin_radius(memories: np.ndarray) -> np.ndarray:
    """Half the distance from each memory to its nearest other memory (inf when there is one memory)."""
    dist, _ = nearest(memories, memories, exclude_self=True)
    return 0.5 * np.asarray(dist)


def starts(
    memories: np.ndarray,
    rng: np.random.Generator,
    *,
    noisy: int = 1,
    noise: float = 0.1,
    random: int = 32,
    centroids: int = 16,
    group: int = 4,
) -> np.ndarray:
    """Starting points for :func:`find_minima` (module docstring, step 1), float64 ``(n, d)``."""
    mem = np.asarray(memories, dtype=np.float64)
    K, d = mem.shape
    centre = mem.mean(axis=0)
    scale = float(np.sqrt(((mem - centre) ** 2).sum(axis=1).mean())) or 1.0
    out = [np.repeat(mem, noisy, axis=0) + noise * scale / np.sqrt(d) * rng.standard_normal((K * noisy, d))]
    if random:
        out.append(centre + scale / np.sqrt(d) * rng.standard_normal((random, d)))
    out.append(centre[None, :])
    if centroids and K > 1:
        seeds = rng.integers(0, K, centroids)
        sizes = rng.integers(2, max(group, 2) + 1, centroids)
        d2 = ((mem[seeds][:, None, :] - mem[None, :, :]) ** 2).sum(-1)
        order = np.argsort(d2, axis=1)
        out.append(np.stack([mem[order[i, : min(sizes[i], K)]].mean(axis=0) for i in range(centroids)]))
    return np.concatenate(out)


def _dedup(x: np.ndarray, gn: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Representatives (indices into x, smallest gradient first) and each point's cluster (:func:`cluster`)."""
    labels, reps = cluster(x, radius, order=np.argsort(gn, kind="stable"))
    return reps, labels


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
    r"""Descend from every start ``x0`` (n, d), merge the end points, classify them (module docstring).

    Parameters
    ----------
    energy : LSEEnergy
        The energy (:func:`amphase.simulate.lse.lse`).
    x0 : (n, d) array
        Starts (:func:`starts`).
    tol : float
        Convergence: :math:`\lVert x - m(x)\rVert \le` ``tol * energy.scale``.
    max_steps : int
        Most fixed-point steps per start.
    merge : float
        End points closer than ``merge * energy.scale`` are one fixed point.
    coarse, coarse_merge : float
        Stage 1 (module docstring, step 2): descend every start to ``coarse * scale``, then continue only from one
        end point per group closer than ``coarse_merge * scale``.
    eig_tol : float
        Hessian eigenvalues within ``eig_tol`` of 0 make a fixed point degenerate.
    top : int, optional
        Use the low-rank Hessian from the ``top`` memories of largest weight (default: exact for small d).
    own_weight : float
        A point is owned by a memory whose softmax weight there exceeds this (module docstring, step 5).

    Returns
    -------
    Minima

    """
    xp = energy.xp
    # stage 1: every start, to a coarse tolerance; end points within coarse_merge * scale are one candidate
    run = fixed_point_iteration(energy, x0, tol=coarse, max_steps=max_steps)
    x1, g1 = _asnumpy(run.x), _asnumpy(run.grad_norm)
    cand, label1 = _dedup(x1, g1, coarse_merge * energy.scale)
    # stage 2: the candidates only, to the final tolerance (fixed-point steps, then Newton where d is small)
    run = fixed_point_iteration(energy, xp.asarray(x1[cand]), tol=tol, max_steps=max_steps)
    if energy.d <= FULL_SECOND_MAX_D:
        run = newton_polish(energy, run.x, tol=tol)
    conv = _asnumpy(run.converged)
    weight = np.bincount(label1, minlength=len(cand))[conv]
    x = _asnumpy(run.x)[conv]
    gn = _asnumpy(run.grad_norm)[conv]
    mem = _asnumpy(energy.memories).astype(np.float64)
    if len(x) == 0:
        z = np.zeros(0)
        return Minima(
            np.zeros((0, mem.shape[1])), z, np.zeros((0, 0)), z.astype(np.int8), z.astype(np.int64), z,
            z.astype(bool), z.astype(np.int64), z, z, len(x1), len(x1), own_weight,
        )  # fmt: skip
    reps, label = _dedup(x, gn, merge * energy.scale)
    pts = x[reps]
    basin = np.bincount(label, weights=weight, minlength=len(reps)).astype(np.int64)
    ev = _asnumpy(energy.hessian_eigenvalues(xp.asarray(pts), top=top))
    lo = ev[:, 0]
    kind = np.where(lo > eig_tol, 0, np.where(lo < -eig_tol, 1, 2)).astype(np.int8)
    st = energy.stats(xp.asarray(pts), top=1)
    e, wmax = _asnumpy(st.energy), _asnumpy(st.top_weight)[:, 0]
    dist, near = nearest(pts, mem, centre=False)  # the winner at exact ties as this finder has always had it
    on = dist < _basin_radius(mem)[near]
    order = np.argsort(e, kind="stable")
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
        grad_norm=gn[reps][order],
        n_starts=len(x1),
        n_unconverged=int(len(x1) - weight.sum()),
        own_weight=own_weight,
    )
