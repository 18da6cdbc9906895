"""The random-feature DenseAM (Hoover et al. 2024): unbiased kernel sums, summation of memories, Y^-1/2 errors."""

import numpy as np
import pytest

from amphase.simulate.dense.random_features import error_scaling, random_features
from amphase.simulate.descent import gradient_descent
from amphase.simulate.lse import lse


def _data(seed=0, K=20, d=4):
    rng = np.random.default_rng(seed)
    mem = 0.5 * rng.standard_normal((K, d))
    return rng, mem, mem[:8] + 0.1 * rng.standard_normal(mem[:8].shape)


@pytest.mark.parametrize("kind", ["trig", "positive"])
def test_features_estimate_the_kernel_sum_without_bias(kind):
    rng, mem, q = _data()
    exact = np.exp(-lse(1.0, mem).energy(q) * 1.0)  # sum_mu exp(-beta |x - xi|^2) at beta = 1
    est = np.mean([np.exp(-random_features(1.0, 4, 512, rng, kind=kind).add(mem).energy(q)) for _ in range(200)], 0)
    np.testing.assert_allclose(est, exact, rtol=0.05)


@pytest.mark.parametrize("kind", ["trig", "positive"])
def test_memories_are_added_by_summation_into_one_fixed_size_vector(kind):
    _, mem, q = _data()
    a = random_features(1.0, 4, 64, np.random.default_rng(1), kind=kind).add(mem)
    b = random_features(1.0, 4, 64, np.random.default_rng(1), kind=kind)
    for m in mem:
        b.add(m)
    np.testing.assert_allclose(a.T, b.T, rtol=1e-12)
    assert a.T.shape == (64,) and a.K == b.K == 20
    _, g = a.energy_and_grad(q[:2])
    h = 1e-6
    for j in range(4):
        dx = np.zeros((2, 4))
        dx[:, j] = h
        np.testing.assert_allclose(g[:, j], (a.energy(q[:2] + dx) - a.energy(q[:2] - dx)) / (2 * h), rtol=1e-5)


def test_errors_fall_as_one_over_root_Y():
    rng, mem, q = _data()
    r = error_scaling(mem, 1.0, q, [64, 256, 1024, 4096], rng, kind="trig", draws=6)
    assert r["energy_slope"] == pytest.approx(-0.5, abs=0.15)
    assert r["fixed_point_slope"] == pytest.approx(-0.5, abs=0.15)
    assert np.all(r["nan_fraction"] == 0)


def test_descent_of_the_random_feature_energy_ends_near_the_exact_fixed_point():
    rng, mem, q = _data(K=5, d=3)
    exact = lse(1.0, mem)
    rf = random_features(1.0, 3, 40_000, rng, kind="trig").add(mem)
    end = gradient_descent(rf, q[:3], step=0.25, tol=1e-6, max_steps=2000)
    ref = gradient_descent(exact, q[:3], step=0.25, tol=1e-10)
    assert np.all(np.linalg.norm(end.x - ref.x, axis=1) < 0.05)
