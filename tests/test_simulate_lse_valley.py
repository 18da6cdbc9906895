"""The exact valley profile on the circle against a direct two-dimensional computation and the exact pair."""

import math

import numpy as np
import pytest

from amphase.errors import ParameterError
from amphase.simulate.lse import lse
from amphase.simulate.lse_valley import valley_minima, valley_profile
from amphase.theory import field_barriers as fb
from amphase.theory.lse_landscape import pair_minima


def _grid_graph(n: int) -> np.ndarray:
    r, c = np.divmod(np.arange(n * n), n)
    cols = []
    for a, b in [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)]:
        rr, cc = r + a, c + b
        ok = (rr >= 0) & (rr < n) & (cc >= 0) & (cc < n)
        cols.append(np.where(ok, rr * n + cc, np.arange(n * n)))
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("K", [3, 6, 10])
def test_valley_barriers_equal_a_direct_two_dimensional_watershed(K):
    beta, L, n = 20.0, 1.25, 801
    theta = np.random.default_rng(5 + K).uniform(0, 2 * np.pi, K)
    vm = valley_minima(theta, beta)
    g = np.linspace(-L, L, n)
    X, Y = np.meshgrid(g, g, indexing="ij")
    pts = np.stack([np.cos(theta), np.sin(theta)], axis=1)
    E = np.asarray(lse(beta, pts).energy(np.stack([X.ravel(), Y.ravel()], axis=1)))
    res = fb.watershed_barriers(E, _grid_graph(n))
    inside = np.hypot(X.ravel()[res.minima], Y.ravel()[res.minima]) < 0.95 * L  # the window's edge makes false minima
    assert inside.sum() == len(vm.x)
    # grid error: a pass is read on an edge of length <= h sqrt 2 through the saddle, where the curvature is at most
    # 2 + 4 beta (Hessian 2I - 4 beta Cov_w, Cov_w <= 1 for points on the unit circle): <= h^2 (2 + 4 beta), and the
    # same again for the minimum; in beta DeltaE times beta
    h = g[1] - g[0]
    tol = 2 * beta * h * h * (2 + 4 * beta)
    np.testing.assert_allclose(np.sort(vm.beta_barrier), np.sort(beta * res.barrier[inside]), atol=tol)
    # the 2-D minima lie where the valley puts them (within a grid cell)
    xy = np.stack([X.ravel()[res.minima[inside]], Y.ravel()[res.minima[inside]]], axis=1)
    d = np.min(np.linalg.norm(xy[:, None] - vm.x[None], axis=2), axis=1)
    assert d.max() < 2 * h + 2 * np.pi / 4096


@pytest.mark.parametrize("angle", [0.5, 1.0, 2.0])
def test_two_points_give_the_exact_pair_barrier(angle):
    beta = 20.0
    vm = valley_minima(np.array([0.3, 0.3 + angle]), beta)
    D = 2 * math.sin(angle / 2)  # chord
    exact = beta * pair_minima(D, beta).barrier  # the saddle of two points is their midpoint, on the valley
    assert len(vm.x) == 2
    np.testing.assert_allclose(vm.beta_barrier, exact, rtol=1e-4)
    assert np.all(vm.neighbour == [1, 0])


def test_minima_are_stationary_and_stable_and_one_point_is_its_own_minimum():
    beta = 10.0
    theta = np.random.default_rng(3).uniform(0, 2 * np.pi, 12)
    vm = valley_minima(theta, beta)
    E = lse(beta, np.stack([np.cos(theta), np.sin(theta)], axis=1))
    grad = np.asarray(E.grad(vm.x))
    # only the angle is on a grid (2 pi / 4096): |grad| <= |E_phi phi| * step, E_phi phi <= 2 + 4 beta
    assert np.abs(grad).max() < (2 + 4 * beta) * 2 * np.pi / 4096
    assert np.all(vm.hessian_eigenvalues > 0)
    one = valley_minima(np.array([1.0]), beta)
    np.testing.assert_allclose(one.x, [[math.cos(1.0), math.sin(1.0)]], atol=2 * np.pi / 4096)
    assert one.beta_barrier[0] == np.inf and one.neighbour[0] == -1
    np.testing.assert_allclose(one.hessian_eigenvalues, [[2.0, 2.0]], atol=1e-9)


def test_a_ray_behind_every_point_is_not_a_minimum():
    # two points 0.6 apart (chord above sqrt(2/beta): two minima): the rays facing away from both have their minimum
    # at r = 0, a flat stretch of F whose grid minima are not minima of E
    v = valley_profile(np.array([0.0, 0.6]), 20.0)
    assert (v.r == 0).any()
    vm = valley_minima(np.array([0.0, 0.6]), 20.0)
    assert len(vm.x) == 2 and np.all(np.linalg.norm(vm.x, axis=1) > 0.9)


def test_bad_input_is_refused():
    with pytest.raises(ParameterError, match="beta"):
        valley_profile(np.array([0.0]), 0.0)
    with pytest.raises(ParameterError, match="theta"):
        valley_profile(np.array([np.nan]), 5.0)
