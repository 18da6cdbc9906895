r"""Minima and barriers of a function sampled on a graph, and stationary Gaussian fields to feed it (numerics only).

The barrier law of :mod:`amphase.theory.lse_barriers` has no closed form at finite density (nor does the law of the
barriers of a Gaussian process): it is evaluated by sampling the landscape, or the limiting Gaussian field, on a
fine graph and reading its minima and passes here. Nothing here names a physical model.

Watershed barriers (:func:`watershed_barriers`)
-----------------------------------------------
Each node flows to its lowest neighbour when that one is lower (steepest descent on the graph); the nodes that flow
nowhere are the minima, and every node belongs to the basin of the minimum it reaches. Two basins are adjacent when
an edge joins them; the pass between them is the lowest edge top :math:`\max(V_i, V_j)` over those edges, and the
barrier of a minimum is its lowest pass minus its value:

.. math::

    \Delta V_a = \min_{b \ne a} \; \min_{(i, j):\, i \in a,\, j \in b} \max(V_i, V_j) \;-\; V_a .

This is the lowest saddle adjacent to the basin (the level at which its basin first spills into a neighbour), the
quantity the "isolated" class uses. On a smooth function sampled with spacing ``h`` both the minimum and the pass
are read to :math:`|V''|h^2/8` (a node within h/2 of the true point; :math:`|V''|h^2/2` on a grid's edge of length
h through a saddle in two dimensions), checked in the tests against exact extrema on a ring and on a torus.

Graphs: :func:`ring_graph` (a closed curve), :func:`path_graph` (a segment), :func:`sphere_graph` (nearly uniform
nodes on :math:`S^2`, the Fibonacci lattice, joined by the Delaunay triangulation = their convex hull),
:func:`torus_graph` (a periodic square grid with its diagonals).

Gaussian fields (:func:`circulant_field`)
-----------------------------------------
A stationary Gaussian field on a periodic grid is sampled exactly (in law) from the eigenvalues of its circulant
covariance, the discrete Fourier transform of the covariance on the grid (Wood & Chan, J. Comput. Graph. Stat. 3,
409 (1994); Dietrich & Newsam 1997): with :math:`z` complex standard normal,
:math:`f = \mathrm{FFT}(\sqrt{\lambda/M}\,z)` has real and imaginary parts two independent fields with that
covariance. Exact for a covariance that is periodic on the grid (the ring's Fourier series; a Gaussian covariance
periodized over a torus of side ``L`` much larger than its width).
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np

__all__ = [
    "Barriers",
    "circulant_field",
    "path_graph",
    "ring_graph",
    "sphere_graph",
    "torus_graph",
    "watershed_barriers",
]


class Barriers(NamedTuple):
    """Minima of a sampled function and the lowest pass adjacent to each basin."""

    minima: np.ndarray  # node index of each minimum
    barrier: np.ndarray  # lowest adjacent pass minus the minimum's value (inf when the basin has no neighbour)
    neighbour: np.ndarray  # node index of the minimum across that pass (-1 when none)


def _pad(nbrs: list[np.ndarray]) -> np.ndarray:
    """Neighbour lists as an (N, max degree) array, short rows padded with the node itself."""
    width = max(len(a) for a in nbrs)
    out = np.repeat(np.arange(len(nbrs))[:, None], width, axis=1)
    for i, a in enumerate(nbrs):
        out[i, : len(a)] = a
    return out


def ring_graph(M: int) -> np.ndarray:
    """Neighbours of ``M`` nodes on a closed curve, node ``i`` next to ``i - 1`` and ``i + 1`` (mod M)."""
    i = np.arange(M)
    return np.stack([(i - 1) % M, (i + 1) % M], axis=1)


def path_graph(M: int) -> np.ndarray:
    """Neighbours of ``M`` nodes on a segment (the end nodes have one neighbour, padded with themselves)."""
    i = np.arange(M)
    return np.stack([np.maximum(i - 1, 0), np.minimum(i + 1, M - 1)], axis=1)


def torus_graph(M: int) -> np.ndarray:
    """Neighbours of an ``M`` x ``M`` periodic grid (row-major), the eight nearest of each node."""
    r, c = np.divmod(np.arange(M * M), M)
    steps = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]
    return np.stack([((r + a) % M) * M + (c + b) % M for a, b in steps], axis=1)


@functools.lru_cache(maxsize=8)
def sphere_graph(N: int) -> tuple[np.ndarray, np.ndarray]:
    r"""``N`` Fibonacci-lattice nodes on the unit sphere :math:`S^2` and their Delaunay neighbours.

    Node ``i``: :math:`z = 1 - (2i + 1)/N`, azimuth :math:`i\,\pi(3 - \sqrt5)`; nearest-neighbour spacing about
    :math:`\sqrt{4\pi/N}` (area per node :math:`4\pi/N`). Returns the ``(N, 3)`` nodes and the padded neighbours.
    """
    from scipy.spatial import ConvexHull

    i = np.arange(N)
    z = 1.0 - (2.0 * i + 1.0) / N
    phi = i * math.pi * (3.0 - math.sqrt(5.0))
    rho = np.sqrt(1.0 - z * z)
    nodes = np.stack([rho * np.cos(phi), rho * np.sin(phi), z], axis=1)
    tri = ConvexHull(nodes).simplices
    e = np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [2, 0]]])
    e = np.unique(np.sort(e, axis=1), axis=0)
    both = np.concatenate([e, e[:, ::-1]])
    both = both[np.lexsort((both[:, 1], both[:, 0]))]
    splits = np.searchsorted(both[:, 0], np.arange(1, N))
    return nodes, _pad(np.split(both[:, 1], splits))


def watershed_barriers(V: np.ndarray, nbr: np.ndarray) -> Barriers:
    """Minima of ``V`` on the graph ``nbr`` (padded neighbour array) and their lowest adjacent passes (see above)."""
    V = np.asarray(V, dtype=float)
    N = len(V)
    vn = V[nbr]
    j = np.argmin(vn, axis=1)
    low = nbr[np.arange(N), j]
    down = np.where(vn[np.arange(N), j] < V, low, np.arange(N))
    label = down
    while True:  # pointer jumping: every node to the minimum its descent ends in
        nxt = label[label]
        if np.array_equal(nxt, label):
            break
        label = nxt
    minima = np.nonzero(down == np.arange(N))[0]
    a = np.repeat(np.arange(N), nbr.shape[1])
    b = nbr.ravel()
    cross = label[a] != label[b]
    la, lb = label[a[cross]], label[b[cross]]
    top = np.maximum(V[a[cross]], V[b[cross]])
    order = np.lexsort((top, la))  # per basin, its lowest edge top first
    la, lb, top = la[order], lb[order], top[order]
    first = np.ones(len(la), dtype=bool)
    first[1:] = la[1:] != la[:-1]
    passes = np.full(N, np.inf)
    other = np.full(N, -1)
    passes[la[first]] = top[first]
    other[la[first]] = lb[first]
    return Barriers(minima, passes[minima] - V[minima], other[minima])


def circulant_field(eigenvalues: np.ndarray, rng: np.random.Generator, pairs: int) -> np.ndarray:
    """``2 pairs`` independent samples of the stationary Gaussian field with this circulant covariance spectrum.

    ``eigenvalues``: the FFT of the covariance on the periodic grid (shape ``(M,)`` or ``(M, M)``; tiny negative
    rounding is clipped). Returns an array of shape ``(2 pairs, *eigenvalues.shape)``.
    """
    lam = np.clip(np.real(eigenvalues), 0.0, None)
    shape = lam.shape
    z = rng.standard_normal((pairs, *shape)) + 1j * rng.standard_normal((pairs, *shape))
    axes = tuple(range(1, 1 + len(shape)))
    f = np.fft.fftn(np.sqrt(lam / lam.size) * z, axes=axes)
    return np.concatenate([f.real, f.imag])
