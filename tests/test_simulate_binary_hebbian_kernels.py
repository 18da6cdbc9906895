"""Invariants of the Numba Hopfield kernels: energy descent, fixed points, exact fields, pattern = coupling form."""

import numpy as np
import pytest

from amphase.simulate.binary import hebbian_kernels as kernels
from amphase.simulate.patterns import binary_patterns as draw_patterns


def setup(N, alpha, seed=0, noise=0.2):
    rng = np.random.default_rng(seed)
    P = max(1, round(alpha * N))
    xiT = draw_patterns(rng, N, P)
    s = xiT[:, 0].copy()
    s[rng.choice(N, round(noise * N), replace=False)] *= -1
    return rng, xiT, s


def couplings(xiT):
    K = xiT.astype(np.int64) @ xiT.T.astype(np.int64)
    np.fill_diagonal(K, 0)
    return K.astype(np.int16)


def energy(K, s):
    """E = -(1/2) sum_{i != j} J_ij s_i s_j with N J = K, computed densely."""
    return -0.5 * s.astype(np.float64) @ K @ s.astype(np.float64) / len(s)


def test_overlaps_are_exact():
    _, xiT, s = setup(300, 0.1)
    assert np.array_equal(kernels.overlaps(xiT, s), xiT.T.astype(np.int64) @ s.astype(np.int64))


@pytest.mark.parametrize("alpha", [0.05, 0.14, 0.3])
def test_energy_never_rises_under_zero_temperature_async_updates(alpha):
    rng, xiT, s = setup(400, alpha, seed=1, noise=0.3)
    M = kernels.overlaps(xiT, s)
    K = couplings(xiT).astype(np.float64)
    e = [energy(K, s)]
    flips = 0
    for _ in range(3):
        for i in rng.permutation(len(s)):
            old = s[i]
            kernels.async_patterns(xiT, s, M, np.array([[i]]))  # one visit
            flips += int(s[i] != old)
            e.append(energy(K, s))
    steps = np.diff(e)
    assert flips > 0
    assert steps.max() <= 1e-12  # never up
    assert np.count_nonzero(steps < 0) == flips  # every flip strictly lowers it
    assert np.array_equal(M, xiT.T.astype(np.int64) @ s)  # kept up to date exactly


def test_stored_pattern_is_a_fixed_point_at_small_load():
    # at alpha = 0.02 a spin is unstable when its crosstalk exceeds 1: probability erfc(1/sqrt(2 alpha))/2 ~ 1e-12
    rng, xiT, _ = setup(2000, 0.02, seed=2)
    for mu in range(xiT.shape[1]):
        s = xiT[:, mu].copy()
        M = kernels.overlaps(xiT, s)
        sweeps, fixed = kernels.async_patterns(xiT, s, M, rng.permuted(np.tile(np.arange(2000), (2, 1)), axis=1))
        assert (sweeps, fixed) == (1, True)
        assert np.array_equal(s, xiT[:, mu])


def test_ties_keep_the_spin():
    # one pattern (1, 1, 1), spins (1, -1, 1): N h_0 = xi_0 M - P s_0 = 1 - 1 = 0, a tie; N h_1 = 1 + 1 = 2
    xiT = np.ones((3, 1), dtype=np.int8)
    s = np.array([1, -1, 1], dtype=np.int8)
    M = kernels.overlaps(xiT, s)
    kernels.async_patterns(xiT, s, M, np.array([[0]]))
    assert s.tolist() == [1, -1, 1]
    kernels.async_patterns(xiT, s, M, np.array([[1]]))
    assert s.tolist() == [1, 1, 1]


@pytest.mark.parametrize("alpha", [0.05, 0.138, 0.25])
def test_coupling_and_pattern_forms_follow_the_same_trajectory(alpha):
    rng, xiT, s0 = setup(500, alpha, seed=3, noise=0.25)
    K = couplings(xiT)
    orders = rng.permuted(np.tile(np.arange(500), (60, 1)), axis=1)
    s_p, s_c = s0.copy(), s0.copy()
    M = kernels.overlaps(xiT, s_p)
    h = K.astype(np.int64) @ s_c.astype(np.int64)
    for k in range(60):  # sweep by sweep, comparing the states after each
        out_p = kernels.async_patterns(xiT, s_p, M, orders[k : k + 1])
        out_c = kernels.async_couplings(K, s_c, h, orders[k : k + 1])
        assert out_p == out_c
        assert np.array_equal(s_p, s_c)
    assert np.array_equal(h, K.astype(np.int64) @ s_c.astype(np.int64))


def test_glauber_forms_agree_and_heat_bath_limits():
    rng, xiT, s0 = setup(300, 0.1, seed=4)
    K = couplings(xiT)
    orders = rng.permuted(np.tile(np.arange(300), (10, 1)), axis=1)
    u = rng.random((10, 300))
    s_p, s_c = s0.copy(), s0.copy()
    M = kernels.overlaps(xiT, s_p)
    h = K.astype(np.int64) @ s_c.astype(np.int64)
    kernels.glauber_patterns(xiT, s_p, M, orders, u, 2.0)
    kernels.glauber_couplings(K, s_c, h, orders, u, 2.0)
    assert np.array_equal(s_p, s_c)
    assert np.array_equal(M, xiT.T.astype(np.int64) @ s_p)
    # beta -> 0: each visited spin is +1 exactly when u < 1/2
    s = s0.copy()
    M = kernels.overlaps(xiT, s)
    kernels.glauber_patterns(xiT, s, M, orders[:1], u[:1], 0.0)
    assert np.array_equal(s[orders[0]], np.where(u[0] < 0.5, 1, -1))
