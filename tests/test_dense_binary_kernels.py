"""Binary DenseAM kernels: physics invariants, Hopfield as polynomial(2), batched path = Numba path."""

import numpy as np
import pytest

from amphase.simulate import energies as en
from amphase.simulate.dense import batched, kernels
from amphase.simulate.dense.batched import flip_energies
from amphase.simulate.hopfield import kernels as hopfield_kernels
from amphase.simulate.patterns import binary_patterns, flip_bits, random_spins

# arithmetic modes at N = 60-80: INT32, INT32, INT_EXACT, CERTIFIED (exact int64 fallback), CERTIFIED (exponential)
ENERGIES = [en.polynomial(3), en.rectified_polynomial(4), en.polynomial(7), en.polynomial(12), en.exponential()]


def _args(energy, xiT):
    N, K = xiT.shape
    t = energy.tables(N)
    return (energy.kind, energy.mode(N, K), t.gp_f, t.gm_f, t.gp_w, t.gm_w, xiT)


def _orders(rng, sweeps, N):
    return rng.permuted(np.broadcast_to(np.arange(N, dtype=np.int64), (sweeps, N)), axis=1)


@pytest.mark.parametrize("energy", ENERGIES, ids=lambda e: e.name)
def test_energy_never_rises_and_fixed_points_are_fixed(energy):
    rng = np.random.default_rng(10)
    N, K = 60, 40 if energy.kind != en.EXPONENTIAL else 200
    xiT = binary_patterns(rng, N, K)
    for s in (random_spins(rng, N), flip_bits(rng, xiT[:, 3], 15)):
        M = kernels.overlaps(xiT, s)
        energies = [energy.energy_exact(M)]
        fixed = False
        for _ in range(100):  # one sweep at a time, energy checked exactly after each
            done, fixed = kernels.async_dense(*_args(energy, xiT), s, M, _orders(rng, 1, N))
            np.testing.assert_array_equal(M, xiT.T.astype(np.int64) @ s)
            energies.append(energy.energy_exact(M))
            assert energies[-1] <= energies[-2]
            if fixed:
                break
        assert fixed
        _, sign = flip_energies(energy, xiT, s[None])
        assert (sign >= 0).all()  # no single flip lowers the energy
        before = s.copy()
        done, fixed = kernels.async_dense(*_args(energy, xiT), s, M, _orders(rng, 3, N))
        assert (done, fixed) == (1, True) and (s == before).all()


def test_polynomial_2_follows_hopfield_spin_for_spin():
    """The generic kernel with F = x^2 against the Hopfield integer kernel, same patterns, cues and orders."""
    rng = np.random.default_rng(11)
    N, K = 200, 30  # above the Hopfield capacity: long trajectories with many flips
    xiT = binary_patterns(rng, N, K)
    energy = en.polynomial(2)
    assert energy.mode(N, K) == en.INT32
    for t in range(4):
        s0 = flip_bits(rng, xiT[:, t], 40)
        orders = _orders(rng, 50, N)
        s_h, s_d = s0.copy(), s0.copy()
        M_h = hopfield_kernels.overlaps(xiT, s_h)
        M_d = kernels.overlaps(xiT, s_d)
        for k in range(50):  # sweep by sweep: the states agree after every sweep
            r_h = hopfield_kernels.async_patterns(xiT, s_h, M_h, orders[k : k + 1])
            r_d = kernels.async_dense(*_args(energy, xiT), s_d, M_d, orders[k : k + 1])
            assert r_h == r_d
            np.testing.assert_array_equal(s_h, s_d)
            if r_h[1]:
                break
        # and the quadratic (x^2/2), its own tables
        s_q = s0.copy()
        M_q = kernels.overlaps(xiT, s_q)
        kernels.async_dense(*_args(en.quadratic(), xiT), s_q, M_q, orders)
        np.testing.assert_array_equal(s_q, s_h)


@pytest.mark.parametrize("energy", [*ENERGIES, en.polynomial(2)], ids=lambda e: e.name)
def test_batched_numpy_follows_numba_spin_for_spin(energy):
    rng = np.random.default_rng(12)
    N, K, B = 80, 60 if energy.kind != en.EXPONENTIAL else 300, 3
    xiT = binary_patterns(rng, N, K)
    S0 = np.stack([flip_bits(rng, xiT[:, b], 25) for b in range(B)])
    orders = [_orders(rng, 30, N) for _ in range(B)]
    S_n = S0.copy()
    for b in range(B):
        M = kernels.overlaps(xiT, S_n[b])
        kernels.async_dense(*_args(energy, xiT), S_n[b], M, orders[b])
    S_b = S0.copy()
    M_b = S_b.astype(np.int64) @ xiT.astype(np.int64)
    for k in range(30):
        flips = batched.async_sweep(np, energy, xiT, S_b, M_b, np.stack([o[k] for o in orders]), window=7)
        if not flips.any():
            break
    np.testing.assert_array_equal(S_b, S_n)
    np.testing.assert_array_equal(M_b, S_b.astype(np.int64) @ xiT.astype(np.int64))


def test_window_does_not_change_the_batched_result():
    rng = np.random.default_rng(13)
    energy = en.polynomial(3)
    N, K = 50, 80
    xiT = binary_patterns(rng, N, K)
    S0 = np.stack([random_spins(rng, N) for _ in range(4)])
    orders = np.stack([rng.permutation(N) for _ in range(4)])
    out = []
    for window in (1, 5, 64):
        S = S0.copy()
        M = S.astype(np.int64) @ xiT.astype(np.int64)
        batched.async_sweep(np, energy, xiT, S, M, orders, window=window)
        out.append(S)
    np.testing.assert_array_equal(out[0], out[1])
    np.testing.assert_array_equal(out[0], out[2])


def test_heat_bath_batched_and_numba_agree_statistically():
    """Same uniforms: the two paths agree up to rounding; over many trials their mean overlaps agree."""
    rng = np.random.default_rng(14)
    energy = en.polynomial(3)
    N, K, B, sweeps, beta = 60, 100, 24, 6, 1 / 0.35
    xiT = binary_patterns(rng, N, K)
    S0 = np.stack([xiT[:, b].copy() for b in range(B)])
    orders = [_orders(rng, sweeps, N) for _ in range(B)]
    uniforms = [rng.random((sweeps, N)) for _ in range(B)]
    S_n = S0.copy()
    for b in range(B):
        M = kernels.overlaps(xiT, S_n[b])
        kernels.heat_bath_dense(*_args(energy, xiT), S_n[b], M, orders[b], uniforms[b], beta, energy.log_unit(N))
    S_b = S0.copy()
    M_b = S_b.astype(np.int64) @ xiT.astype(np.int64)
    for k in range(sweeps):
        o = np.stack([x[k] for x in orders])
        u = np.stack([x[k] for x in uniforms])
        batched.heat_bath_sweep(np, energy, xiT, S_b, M_b, o, u, beta)
    m_n = (S_n * xiT[:, :B].T).sum(axis=1) / N
    m_b = (S_b * xiT[:, :B].T).sum(axis=1) / N
    assert 0.3 < m_n.mean() < 0.99  # thermal: neither frozen nor lost
    se = np.hypot(m_n.std(), m_b.std()) / np.sqrt(B)
    assert abs(m_n.mean() - m_b.mean()) <= 3 * se + 1e-12
    assert (S_n == S_b).mean() > 0.95  # identical draws: differences only through rounding of the rule


def test_heat_bath_polynomial_2_matches_the_hopfield_rule():
    """T in units of F'(N): polynomial(2) at T is the Hopfield heat bath at T (same draws, same trajectory)."""
    rng = np.random.default_rng(15)
    N, K, sweeps, beta = 100, 8, 5, 1 / 0.4
    xiT = binary_patterns(rng, N, K)
    s0 = flip_bits(rng, xiT[:, 0], 20)
    orders, uniforms = _orders(rng, sweeps, N), rng.random((sweeps, N))
    s_h, s_d = s0.copy(), s0.copy()
    M_h = hopfield_kernels.overlaps(xiT, s_h)
    hopfield_kernels.glauber_patterns(xiT, s_h, M_h, orders, uniforms, beta)
    energy = en.polynomial(2)
    M_d = kernels.overlaps(xiT, s_d)
    kernels.heat_bath_dense(*_args(energy, xiT), s_d, M_d, orders, uniforms, beta, energy.log_unit(N))
    assert (s_h == s_d).mean() >= 0.99
