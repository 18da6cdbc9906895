"""The finite-K barrier law: the fixed-radius profile against the exact valley, its errors, its onset search."""

import math

import numpy as np
import pytest

from amphase.simulate.lse_valley import valley_minima
from amphase.theory import lse_barrier_sample as bs
from amphase.theory import lse_barriers as lb


def test_fixed_radius_profile_against_the_exact_valley_on_the_same_points():
    # the docstring's claim: same minima, fraction below beta DeltaE = 1 within 0.01 at beta = 20, K = 4-16
    beta = 20.0
    for K in (4, 8, 16):
        rng = np.random.default_rng(100 + K)
        n_v = n_t = low_v = low_t = same = 0
        for _ in range(60):
            theta = rng.uniform(0, 2 * np.pi, K)
            vm = valley_minima(theta, beta, M=2048, scan=24)
            res, _, _ = bs.profile_minima(np.stack([np.cos(theta), np.sin(theta)], axis=1), beta, curvature=False)
            n_v, n_t = n_v + len(vm.x), n_t + len(res.minima)
            low_v, low_t = low_v + (vm.beta_barrier < 1).sum(), low_t + (res.barrier < 1).sum()
            same += len(vm.x) == len(res.minima)
        assert same >= 59
        assert abs(low_v / n_v - low_t / n_t) < 0.01, (K, low_v / n_v, low_t / n_t)


def test_fourier_and_direct_profiles_agree_where_the_switch_is():
    g = bs._grid(20.0, "circle", 1.0)
    K = math.ceil(bs.FOURIER_NU / g.nu_per_point)
    t = np.random.default_rng(0).uniform(0, 2 * np.pi, (4, K))
    pts = np.stack([np.cos(t), np.sin(t)], axis=-1)
    direct = bs._profile(g.nodes, pts, g.a)
    fourier = bs._ring_profile_fourier(len(g.nodes), pts, 2 * g.a)
    np.testing.assert_allclose(fourier, direct, atol=1e-10)


def test_one_point_is_one_minimum_with_curvature_two():
    for manifold in ("circle", "sphere", "line"):
        s = bs.sample_landscapes(1, 20.0, manifold, draws=3)
        assert np.all(s.counts == 1) and np.all(np.isinf(s.barrier))
        # Hessian 2I - 4 beta Cov_w with one point: 2 (read at the node nearest to it, at radius R on a sphere)
        np.testing.assert_allclose(s.curvature, 2.0, atol=1e-9)
        assert bs.fraction_below(s, 1.0)[0] == 0.0


def test_far_apart_points_on_the_sphere_keep_their_own_minima():
    # a regular tetrahedron at beta = 20: four minima, each barrier far above 1 (pair chord 1.63: beta D^2/4 ~ 13)
    v = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]) / math.sqrt(3)
    res, curv, nodes = bs.profile_minima(v, 20.0, "sphere")
    assert len(res.minima) == 4
    assert np.all(res.barrier > 10)
    assert np.min(np.linalg.norm(nodes[:, None] - v[None], axis=2), axis=1).max() < 0.05  # at the points
    np.testing.assert_allclose(curv, 2.0, atol=0.05)


def test_fraction_error_matches_the_spread_over_seeds():
    # 40 independent samples: their spread against the mean delta-method error (ratio 1 within ~3 x 1/sqrt(2 x 39))
    runs = [bs.fraction_below(bs.sample_landscapes(8, 20.0, draws=50, seed=s, curvature=False)) for s in range(40)]
    f, se = np.array(runs).T
    ratio = np.std(f, ddof=1) / np.mean(se)
    assert 1 - 3 / math.sqrt(78) < ratio < 1 + 3 / math.sqrt(78), ratio


def test_sample_is_nested_in_K_and_reproducible():
    a = bs.sample_landscapes(5, 10.0, draws=20, seed=4, curvature=False)
    b = bs.sample_landscapes(5, 10.0, draws=20, seed=4, curvature=False)
    assert np.array_equal(a.barrier, b.barrier) and np.array_equal(a.counts, b.counts)
    assert a.nu == pytest.approx(5 / lb.scaled_density(1, 10.0, "circle").volume)


def test_onset_brackets_the_half_and_its_error_is_honest():
    o = bs.onset(20.0, draws=100, seed=0)
    lo, hi = math.floor(o.K), math.ceil(o.K)
    f_lo = bs.fraction_below(bs.sample_landscapes(lo, 20.0, draws=100, seed=0, curvature=False))[0]
    f_hi = bs.fraction_below(bs.sample_landscapes(hi, 20.0, draws=100, seed=0, curvature=False))[0]
    assert f_lo < 0.5 <= f_hi
    other = bs.onset(20.0, draws=100, seed=1)  # an independent seed agrees within the two errors
    assert abs(other.K - o.K) < 4 * math.hypot(o.K_error, other.K_error)


def test_bad_input():
    with pytest.raises(ValueError, match="manifold"):
        bs.sample_landscapes(3, 5.0, "torus")
    with pytest.raises(ValueError, match="shell"):
        bs.sample_landscapes(3, 0.9, "circle")
    with pytest.raises(ValueError, match="K="):
        bs.sample_landscapes(0, 5.0)


def test_sphere_profile_against_the_exact_three_dimensional_landscape():
    # the fixed-radius profile on S^2 (Fibonacci lattice, watershed) against the exact energy in R^3: minima by
    # fixed-point descent from every point and every profile minimum, barriers by the string method to the four
    # nearest minima (simulate.lse_paths). Same minima, and the same ones below beta DeltaE = 1, on these landscapes
    from amphase.simulate.lse import lse
    from amphase.simulate.lse_paths import neighbour_barriers

    beta, K = 10.0, 10
    R = lb.shell_radius(beta, 2)
    for d in range(3):
        x = np.random.default_rng(1000 + d).standard_normal((K, 3))
        pts = x / np.linalg.norm(x, axis=1, keepdims=True)
        res, _, nodes = bs.profile_minima(pts, beta, "sphere", curvature=False)
        E = lse(beta, pts)
        y = np.concatenate([nodes * R, pts])
        for _ in range(3000):
            y = np.asarray(E.fixed_point(y))
        mins = []
        for p in y:
            if all(np.linalg.norm(p - q) > 1e-3 for q in mins):
                mins.append(p)
        mins = np.array([m for m in mins if np.linalg.eigvalsh(np.asarray(E.hessian(m)))[0] > 1e-6])
        nb = neighbour_barriers(pts, beta, mins, neighbours=4)
        assert nb.converged.all()
        assert len(mins) == len(res.minima)
        assert (beta * nb.barrier < 1).sum() == (res.barrier < 1).sum()
