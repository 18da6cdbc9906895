r"""Clusters of points within a radius of each other: connected components of the radius graph.

:func:`cluster` joins two points when their Euclidean distance is at most ``radius`` and returns the connected
components of that graph (:meth:`scipy.spatial.cKDTree.query_pairs` for the edges,
:func:`scipy.sparse.csgraph.connected_components` for the components). This is single-linkage clustering cut at
``radius`` (what :func:`scipy.cluster.hierarchy.fcluster` gives with ``criterion="distance"``) and what a union-find
over the same pairs gives; it differs from greedy leader clustering (each point joins the nearest leader within
``radius``, else leads) only where a chain of points spans more than ``radius``, where the components join what the
leaders would have kept apart.

Components are numbered in the order in which their first member appears in ``order`` (default: the rows' order), and
that first member is the component's representative: with ``order`` sorted by a quality (say the gradient norm at
each point), the representative is the best point of its component and the components come best first. Memory
O(n + pairs within ``radius``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from amphase.errors import ParameterError

__all__ = ["cluster"]


def cluster(x: Any, radius: float, *, order: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Connected components of the points ``x`` (n, d) joined within ``radius`` (module docstring).

    Parameters
    ----------
    x : (n, d) array
    radius : float
        Points at Euclidean distance <= ``radius`` are joined (>= 0).
    order : (n,) int array, optional
        A permutation of the rows: components are numbered, and represented, by their first member in it.

    Returns
    -------
    labels : (n,) int64
        Component of each point, 0 .. m-1.
    representatives : (m,) int64
        The first member in ``order`` of each component, in component order.
    """
    pts = np.asarray(x.get() if hasattr(x, "get") else x, dtype=np.float64)
    if pts.ndim != 2:
        raise ParameterError(f"x of shape {pts.shape}: an (n, d) array")
    if not (float(radius) >= 0 and math.isfinite(float(radius))):
        raise ParameterError(f"radius={radius!r}: a finite number >= 0")
    n = len(pts)
    if order is None:
        order = np.arange(n)
    else:
        order = np.asarray(order, dtype=np.int64)
        if order.shape != (n,) or not np.array_equal(np.sort(order), np.arange(n)):
            raise ParameterError(f"order: a permutation of the {n} rows")
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    pairs = cKDTree(pts).query_pairs(float(radius), output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    m, comp = connected_components(graph, directed=False)
    _, first = np.unique(comp[order], return_index=True)  # position in order of each component's first member
    rank = np.empty(m, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(m)
    return rank[comp].astype(np.int64), order[np.sort(first)].astype(np.int64)
