"""The one nearest-neighbour kernel (simulate/neighbours.py) against brute force, and its direct distances."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from amphase.errors import ParameterError
from amphase.simulate.neighbours import nearest


@pytest.mark.parametrize("centre", [True, False])
@pytest.mark.parametrize("tile", [1, 7, 4096])
def test_nearest_is_the_brute_force_argmin(tile: int, centre: bool) -> None:
    rng = np.random.default_rng(0)
    pts = rng.standard_normal((60, 3)) + 5.0  # off the origin: the kernel centres on the points' mean
    q = rng.standard_normal((40, 3)) + 5.0
    full = cdist(q, pts)
    dist, idx = nearest(q, pts, tile=tile, centre=centre)
    assert np.array_equal(idx, full.argmin(axis=1))
    # the winner's distance is recomputed directly: equal to the direct formula to the last bit
    assert np.array_equal(dist, np.sqrt(((q - pts[idx]) ** 2).sum(axis=1)))
    assert np.allclose(dist, full.min(axis=1), rtol=1e-14, atol=0)


def test_exclude_self_and_empty_cases() -> None:
    rng = np.random.default_rng(1)
    pts = rng.standard_normal((30, 2))
    full = cdist(pts, pts)
    np.fill_diagonal(full, np.inf)
    dist, idx = nearest(pts, pts, tile=4, exclude_self=True)
    assert np.array_equal(idx, full.argmin(axis=1)) and np.allclose(dist, full.min(axis=1), rtol=1e-14)
    d1, i1 = nearest(pts[:1], pts[:1], exclude_self=True)  # no other row
    assert d1[0] == np.inf and i1[0] == -1
    d0, i0 = nearest(pts[:3], np.zeros((0, 2)))  # no reference points
    assert np.all(d0 == np.inf) and np.all(i0 == -1)


def test_small_distances_keep_their_digits() -> None:
    """A query 1e-9 from a point of a unit-scale set: the expanded GEMM form alone cannot resolve it (its error is
    of order sqrt(eps) ~ 1e-8); the direct recomputation gives it exactly."""
    rng = np.random.default_rng(2)
    pts = rng.standard_normal((50, 4))
    e = np.array([1.0, 0.0, 0.0, 0.0])
    q = pts[[3, 17]] + 1e-9 * e
    dist, idx = nearest(q, pts)
    assert np.array_equal(idx, [3, 17])
    assert np.allclose(dist, 1e-9, rtol=1e-6, atol=0)


def test_metric_values_are_returned_as_they_are() -> None:
    rng = np.random.default_rng(3)
    pts, q = rng.standard_normal((25, 3)), rng.standard_normal((10, 3))
    dist, idx = nearest(q, pts, tile=6, metric=lambda a, b: cdist(a, b, "cityblock"))
    full = cdist(q, pts, "cityblock")
    assert np.array_equal(idx, full.argmin(axis=1)) and np.array_equal(dist, full.min(axis=1))


def test_bad_input() -> None:
    pts = np.zeros((3, 2))
    with pytest.raises(ParameterError, match="same d"):
        nearest(np.zeros((2, 3)), pts)
    with pytest.raises(ParameterError, match="tile"):
        nearest(pts, pts, tile=0)
    with pytest.raises(ParameterError, match="exclude_self"):
        nearest(pts[:2], pts, exclude_self=True)
    with pytest.raises(ParameterError, match="metric returned shape"):
        nearest(pts, pts, metric=lambda a, b: np.zeros((1, 1)))
