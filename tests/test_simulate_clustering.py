"""The one clustering (simulate/clustering.py): connected components of the radius graph."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage

from amphase.errors import ParameterError
from amphase.simulate.clustering import cluster


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two labelings define the same partition (label names aside)."""
    pairs = {(int(x), int(y)) for x, y in zip(a, b, strict=True)}
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_components_are_single_linkage_cut_at_the_radius(seed: int) -> None:
    """Against scipy's single linkage cut at the same distance (an independent algorithm)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (200, 2))
    for radius in (0.02, 0.05, 0.1):
        labels, reps = cluster(x, radius)
        ref = fcluster(linkage(x, method="single"), t=radius, criterion="distance")
        assert _same_partition(labels, ref)
        assert len(reps) == len(set(ref.tolist())) and labels.max() == len(reps) - 1


def test_representatives_and_numbering_follow_the_order() -> None:
    x = np.array([[0.0], [10.0], [0.5], [10.4], [20.0]])
    order = np.array([3, 2, 4, 0, 1])  # component {1, 3} first (3), then {0, 2} (2), then {4}
    labels, reps = cluster(x, 1.0, order=order)
    assert reps.tolist() == [3, 2, 4]
    assert labels.tolist() == [1, 0, 1, 0, 2]
    labels, reps = cluster(x, 1.0)  # default order: the rows'
    assert reps.tolist() == [0, 1, 4] and labels.tolist() == [0, 1, 0, 1, 2]


def test_a_chain_is_one_component() -> None:
    """0, 0.8, 1.6 with radius 1: the ends are 1.6 apart but joined through the middle (greedy leaders: two)."""
    labels, reps = cluster(np.array([[0.0], [0.8], [1.6]]), 1.0)
    assert labels.tolist() == [0, 0, 0] and reps.tolist() == [0]


def test_edge_cases() -> None:
    labels, reps = cluster(np.zeros((0, 3)), 0.1)
    assert labels.shape == (0,) and reps.shape == (0,)
    labels, reps = cluster(np.ones((1, 3)), 0.1)
    assert labels.tolist() == [0] and reps.tolist() == [0]
    labels, _ = cluster(np.array([[1.0, 2.0], [1.0, 2.0], [1.0, 2.5]]), 0.0)  # radius 0 joins exact copies only
    assert labels.tolist() == [0, 0, 1]
    labels, _ = cluster(np.array([[0.0], [1.0]]), 1.0)  # distance == radius: joined
    assert labels.tolist() == [0, 0]


def test_bad_input() -> None:
    with pytest.raises(ParameterError, match="radius"):
        cluster(np.zeros((2, 2)), -1.0)
    with pytest.raises(ParameterError, match="radius"):
        cluster(np.zeros((2, 2)), float("nan"))
    with pytest.raises(ParameterError, match="order"):
        cluster(np.zeros((3, 2)), 0.1, order=[0, 0, 1])
    with pytest.raises(ParameterError, match=r"\(n, d\)"):
        cluster(np.zeros(3), 0.1)
