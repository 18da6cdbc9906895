r"""Nearest neighbours, streamed over tiles of the reference points: the one kernel every model uses.

:func:`nearest` finds, for each of n query points, the nearest of K reference points. Tiles of ``tile`` reference
points, squared Euclidean distances by one GEMM per tile,
:math:`\lVert a\rVert^2 - 2a\cdot b + \lVert b\rVert^2` after centring both sets on the reference mean (which keeps
the cancellation small when the data sit far from the origin), a running minimum; never an (n, K, d) array, memory
O(n x tile). The expanded form only chooses the winner: its distance is then recomputed directly,
:math:`\lVert a - b\rVert` from the uncentred coordinates, so the distance returned is exact to rounding (the
expanded form alone has an absolute error of about :math:`\sqrt{\epsilon}` times the data's size, 1.5e-8 for unit
data, and returns 0 or 1.5e-8 for points that nearly coincide). The choice keeps that error: among reference points
within about :math:`\sqrt{\epsilon}` times the data's size of the query the winner may not be the nearest, so the
distance returned can exceed the true minimum by up to that much. Any other metric is a
callable ``metric(a (b, d), c (k, d)) -> (b, k)`` of distances, streamed the same way, whose values are returned as
they are. Runs on NumPy or CuPy (the arrays' own module).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from amphase.errors import ParameterError
from amphase.simulate.backend import array_module

__all__ = ["Metric", "nearest"]

#: a distance callable: ``metric(a (b, d), c (k, d)) -> (b, k)``.
Metric = Callable[[Any, Any], Any]


_xp = array_module  # kept under its old name: classify imports it


def nearest(
    queries: Any,
    points: Any,
    *,
    tile: int = 4096,
    exclude_self: bool = False,
    metric: Metric | None = None,
    centre: bool = True,
) -> tuple[Any, Any]:
    """Distance to, and index of, the nearest row of ``points`` (K, d) for each row of ``queries`` (n, d).

    Parameters
    ----------
    queries : (n, d) array
    points : (K, d) array
        NumPy or CuPy; the result lives where ``points`` do.
    tile : int
        Reference points per GEMM (module docstring).
    exclude_self : bool
        ``queries`` and ``points`` are the same set and row i is not its own neighbour (infinite distance and index
        -1 when there is no other row).
    metric : callable, optional
        Another distance (module docstring); default Euclidean.
    centre : bool
        Centre both sets on the reference mean before the GEMM (default). ``False`` chooses the winner by the
        uncentred expanded form, as ``dense.lse``'s finder always has: where two points are exactly equidistant
        from a query (the midpoint of a merged pair, a subset centroid of a regular simplex) rounding picks the
        winner, and the two forms can pick differently. The distance returned is the same either way.

    Returns
    -------
    dist : (n,) float64
        Distance to the nearest point (``inf`` where there is none).
    index : (n,) int64
        Its row in ``points`` (-1 where there is none).
    """
    xp = _xp(points)
    q0 = xp.asarray(queries, dtype=xp.float64)
    p0 = xp.asarray(points, dtype=xp.float64)
    if q0.ndim != 2 or p0.ndim != 2 or q0.shape[1] != p0.shape[1]:
        raise ParameterError(f"queries {q0.shape} and points {p0.shape}: two (n, d) arrays of the same d")
    if isinstance(tile, bool) or int(tile) != tile or tile < 1:
        raise ParameterError(f"tile={tile!r}: a whole number >= 1")
    if exclude_self and q0.shape[0] != p0.shape[0]:
        raise ParameterError("exclude_self needs queries and points to be the same set")
    n, K = q0.shape[0], p0.shape[0]
    best = xp.full(n, xp.inf)
    arg = xp.full(n, -1, dtype=xp.int64)
    q, p = q0, p0
    if metric is None and K:
        if centre:
            mean = p0.mean(axis=0)
            q, p = q0 - mean, p0 - mean
        qq = (q * q).sum(axis=1)
        pp = (p * p).sum(axis=1)
    rows = xp.arange(n)
    for start in range(0, K, int(tile)):
        stop = min(start + int(tile), K)
        if metric is None:
            dist = qq[:, None] - 2.0 * (q @ p[start:stop].T) + pp[None, start:stop]
            xp.maximum(dist, 0.0, out=dist)
        else:
            dist = xp.asarray(metric(q, p[start:stop]), dtype=xp.float64)
            if dist.shape != (n, stop - start):
                raise ParameterError(f"metric returned shape {dist.shape}, expected {(n, stop - start)}")
        if exclude_self:
            inside = (rows >= start) & (rows < stop)
            dist[rows[inside], rows[inside] - start] = xp.inf
        j = dist.argmin(axis=1)
        dj = dist[rows, j]
        better = dj < best
        best = xp.where(better, dj, best)
        arg = xp.where(better, j + start, arg)
    if metric is None and K:
        found = arg >= 0
        diff = q0 - p0[xp.where(found, arg, 0)]
        best = xp.where(found, xp.sqrt((diff * diff).sum(axis=1)), xp.inf)
    return best, arg
