"""The streaming log-sum-exp kernel and the LSE energy: exactness, chunking, derivatives, dynamics."""

import tracemalloc

import mpmath
import numpy as np
import pytest

from amphase.simulate.backend import gpu_available
from amphase.simulate.descent import fixed_point_iteration, gradient_descent, newton_polish
from amphase.simulate.lse import distance_beta, lse, lse_stats, ramsauer_beta

BETAS = [1e-8, 1e-3, 1.0, 1e3, 1e8]


def _data(K=23, d=4, B=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((B, d)), rng.standard_normal((K, d))


def _reference(x, xi, beta):
    """Energy and weighted mean by mpmath at 50 digits, from the (B, K, d) differences (small cases only)."""
    mpmath.mp.dps = 50
    energies, means = [], []
    for q in x:
        d2 = [
            mpmath.fsum((mpmath.mpf(float(a)) - mpmath.mpf(float(b))) ** 2 for a, b in zip(q, m, strict=True))
            for m in xi
        ]
        w = [mpmath.exp(-mpmath.mpf(beta) * v) for v in d2]
        z = mpmath.fsum(w)
        energies.append(float(-mpmath.log(z) / beta))
        means.append(
            [
                float(mpmath.fsum(wi * mpmath.mpf(float(m[j])) for wi, m in zip(w, xi, strict=True)) / z)
                for j in range(len(q))
            ]
        )
    return np.array(energies), np.array(means)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("tile", [1, 4, 64])
def test_kernel_equals_mpmath_at_any_beta_and_tile(beta, tile):
    x, xi = _data()
    st = lse_stats(x, xi, beta, tile=tile)
    e_ref, m_ref = _reference(x, xi, beta)
    assert np.all(np.isfinite(st.energy)) and np.all(np.isfinite(st.mean))
    np.testing.assert_allclose(st.energy, e_ref, rtol=1e-13, atol=1e-13)
    # weights carry the rounding of beta * |x - xi|^2: about beta * 1e-15 * |x|^2 in the exponent
    np.testing.assert_allclose(st.mean, m_ref, atol=1e-12 + 1e-14 * beta)
    np.testing.assert_allclose(st.lse, -beta * e_ref, rtol=1e-12)


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_far_query_is_finite_and_exact(beta, dtype):
    x, xi = _data()
    far = x + 1e4  # |x - xi|^2 ~ 4e8
    st = lse_stats(far.astype(dtype), xi.astype(dtype), beta, tile=7)
    assert np.all(np.isfinite(st.energy)) and np.all(np.isfinite(st.mean)) and np.all(np.isfinite(st.lse))
    e_ref, _ = _reference(far.astype(dtype).astype(float), xi.astype(dtype).astype(float), beta)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(st.energy, e_ref, rtol=rtol)
    assert np.all(st.mean >= xi.min(axis=0) - 1e-6) and np.all(st.mean <= xi.max(axis=0) + 1e-6)  # a convex mix


def test_chunking_changes_nothing_beyond_rounding():
    x, xi = _data(K=301, d=6, B=9)
    ref = lse_stats(x, xi, 3.0, tile=301, second="full", top=5)
    for tile in (1, 2, 17, 100, 1000):
        st = lse_stats(x, xi, 3.0, tile=tile, second="full", top=5)
        np.testing.assert_allclose(st.energy, ref.energy, rtol=1e-14)
        np.testing.assert_allclose(st.mean, ref.mean, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(st.second, ref.second, rtol=1e-13, atol=1e-15)
        np.testing.assert_array_equal(st.top_index, ref.top_index)
        np.testing.assert_allclose(st.top_weight, ref.top_weight, rtol=1e-13)


def test_float32_kernel_against_float64():
    x, xi = _data(K=500, d=16, B=8)
    e64 = lse_stats(x, xi, 0.5, tile=64)
    e32 = lse_stats(x.astype(np.float32), xi.astype(np.float32), 0.5, tile=64)
    assert e32.energy.dtype == np.float64  # float64 accumulation of the running max and sum
    np.testing.assert_allclose(e32.energy, e64.energy, rtol=1e-5)
    np.testing.assert_allclose(e32.mean, e64.mean, atol=1e-5)


def test_top_k_weights_and_residual():
    x, xi = _data(K=50, d=3, B=4)
    E = lse(2.0, xi)
    w = E.weights(x)
    st = lse_stats(x, xi, 2.0, tile=8, top=6)
    for b in range(len(x)):
        order = np.argsort(-w[b])[:6]
        np.testing.assert_array_equal(st.top_index[b], order)
        np.testing.assert_allclose(st.top_weight[b], w[b, order], rtol=1e-12)
        np.testing.assert_allclose(st.residual[b], 1 - w[b, order].sum(), atol=1e-13)


def test_gradient_is_the_derivative_of_the_energy():
    x, xi = _data(K=30, d=3, B=3)
    E = lse(1.7, xi, tile=8)
    g = E.grad(x)
    h = 1e-6
    for j in range(x.shape[1]):
        dx = np.zeros_like(x)
        dx[:, j] = h
        fd = (E.energy(x + dx) - E.energy(x - dx)) / (2 * h)
        np.testing.assert_allclose(g[:, j], fd, rtol=1e-6, atol=1e-7)


def test_hessian_against_finite_differences_of_the_gradient():
    x, xi = _data(K=30, d=3, B=3)
    E = lse(1.7, xi, tile=8)
    H = E.hessian(x)
    h = 1e-6
    for j in range(x.shape[1]):
        dx = np.zeros_like(x)
        dx[:, j] = h
        fd = (E.grad(x + dx) - E.grad(x - dx)) / (2 * h)
        np.testing.assert_allclose(H[:, :, j], fd, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(H, H.transpose(0, 2, 1), atol=1e-12)
    # the low-rank form with every memory kept gives the same spectrum in the memories' span
    full = E.hessian_eigenvalues(x)
    low = E.hessian_eigenvalues(x, top=30)
    np.testing.assert_allclose(low, full, atol=1e-10)


def test_low_rank_hessian_when_few_memories_carry_weight():
    rng = np.random.default_rng(3)
    xi = rng.standard_normal((300, 100))
    E = lse(0.5, xi, tile=64)
    x = xi[:2] + 0.3 * rng.standard_normal((2, 100))
    st = E.stats(x, top=16)
    assert np.all(st.residual < 1e-12)  # 16 memories carry the weight
    ev = E.hessian_eigenvalues(x, top=16)
    assert ev.shape == (2, 16) and np.all(ev <= 2 + 1e-12)
    exact = E.hessian_eigenvalues(x, top=300)  # every memory: the exact spectrum in their span (d = 100)
    np.testing.assert_allclose(ev, exact[:, :16], atol=1e-9)


def test_dot_product_form_of_ramsauer():
    rng = np.random.default_rng(4)
    xi = rng.standard_normal((40, 8))
    xi /= np.linalg.norm(xi, axis=1, keepdims=True)  # equal norms M = 1
    x = rng.standard_normal((6, 8))
    beta = 1.3
    dist = lse_stats(x, xi, beta)
    dot = lse_stats(x, xi, ramsauer_beta(beta), form="dot")
    np.testing.assert_allclose(dot.mean, dist.mean, atol=1e-13)  # same softmax: beta_R = 2 beta
    np.testing.assert_allclose(dist.energy, 2 * dot.energy + 1.0, rtol=1e-12)  # E = 2 E_R + M^2
    assert distance_beta(ramsauer_beta(beta)) == beta


def test_energy_object_centres_and_handles_single_queries():
    x, xi = _data()
    E = lse(2.0, xi + 1e3, tile=5)  # a far offset: centring keeps the distances exact
    exact = lse_stats(x, xi, 2.0)  # distances do not change under a common shift
    np.testing.assert_allclose(E.energy(x + 1e3), exact.energy, rtol=1e-12)
    ref = lse_stats(x + 1e3, xi + 1e3, 2.0)  # uncentred: |x|^2 ~ 4e6 cancels, ~eps |x|^2 left
    np.testing.assert_allclose(ref.energy, exact.energy, atol=1e-8)
    assert np.ndim(E.energy(x[0] + 1e3)) == 0 and E.grad(x[0] + 1e3).shape == (4,)
    np.testing.assert_allclose(E.fixed_point(x + 1e3), exact.mean + 1e3, atol=1e-11)


def test_memory_is_bounded_by_the_tile_not_by_K():
    rng = np.random.default_rng(5)
    xi = rng.standard_normal((40_000, 4))
    sq = np.einsum("kd,kd->k", xi, xi)
    x = rng.standard_normal((16, 4))
    tracemalloc.start()
    tracemalloc.reset_peak()
    lse_stats(x, xi, 1.0, sq_norms=sq, tile=256)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 0.2 * 16 * 40_000 * 8  # far below one (B, K) float64 array
    assert peak < 16 * 256 * 8 * 20 + 200_000  # a few (B, tile) arrays and bookkeeping


@pytest.mark.parametrize("dynamics", ["fixed_point", "gd_half", "gd_small"])
def test_energy_never_rises_and_fixed_points_are_fixed(dynamics):
    rng = np.random.default_rng(6)
    xi = rng.standard_normal((40, 3))
    E = lse(1.5, xi)
    x0 = 2 * rng.standard_normal((20, 3))
    if dynamics == "fixed_point":
        run = fixed_point_iteration(E, x0, tol=1e-11, record=True)
    else:
        run = gradient_descent(E, x0, step=0.5 if dynamics == "gd_half" else 0.1, tol=1e-11, record=True)
    rises = np.diff(run.trace, axis=0)
    assert np.all(rises <= 1e-12 * np.abs(run.trace[:-1]).max())
    assert run.converged.all()
    np.testing.assert_allclose(E.fixed_point(run.x), run.x, atol=2e-11 * E.scale)
    polished = newton_polish(E, run.x, tol=1e-13)
    assert polished.converged.all()
    np.testing.assert_allclose(polished.x, run.x, atol=1e-8)


def test_parameters_are_checked():
    x, xi = _data()
    with pytest.raises(Exception, match="beta"):
        lse_stats(x, xi, 0.0)
    with pytest.raises(Exception, match="second='full'"):
        lse_stats(np.zeros((1, 100)), np.zeros((3, 100)), 1.0, second="full")
    with pytest.raises(Exception, match="dtype"):
        lse_stats(x, xi.astype(np.float16), 1.0)


@pytest.mark.gpu
@pytest.mark.skipif(not gpu_available(), reason="no CUDA device with CuPy")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cupy_kernel_equals_numpy(dtype):
    import cupy

    x, xi = _data(K=3000, d=32, B=64)
    ref = lse_stats(x.astype(dtype), xi.astype(dtype), 2.0, tile=512, top=4)
    st = lse_stats(cupy.asarray(x, dtype=dtype), cupy.asarray(xi, dtype=dtype), 2.0, tile=512, top=4)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(cupy.asnumpy(st.energy), ref.energy, rtol=rtol)
    np.testing.assert_allclose(cupy.asnumpy(st.mean), ref.mean, rtol=rtol, atol=rtol)
    np.testing.assert_array_equal(cupy.asnumpy(st.top_index), ref.top_index)
    E = lse(2.0, cupy.asarray(xi[:50]))
    run = fixed_point_iteration(E, cupy.asarray(x[:8]), tol=1e-10)
    assert bool(run.converged.all())
