"""Binary DenseAM kernels: physics invariants, Hopfield as Polynomial(2), batched path = Numba path."""

import numpy as np
import pytest

from amphase.simulate.binary import batched, kernels
from amphase.simulate.binary import energy as en
from amphase.simulate.binary import hebbian_kernels as hopfield_kernels
from amphase.simulate.binary.batched import flip_energies
from amphase.simulate.patterns import binary_patterns, flip_bits, random_spins

# arithmetic modes at N = 60-80: INT32, INT32, INT_EXACT, CERTIFIED (exact int64 fallback), CERTIFIED (exponential)
ENERGIES = [en.Polynomial(3), en.Rectified(4), en.Polynomial(7), en.Polynomial(12), en.Exponential()]


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
    energy = en.Polynomial(2)
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
        kernels.async_dense(*_args(en.Quadratic(), xiT), s_q, M_q, orders)
        np.testing.assert_array_equal(s_q, s_h)


@pytest.mark.parametrize("energy", [*ENERGIES, en.Polynomial(2)], ids=lambda e: e.name)
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
    energy = en.Polynomial(3)
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


def test_heat_bath_batched_follows_numba_spin_for_spin():
    """Same orders and uniforms: the batched heat bath and the Numba one give the same states after every sweep.

    Tie rule, stated exactly: both paths set spin i to +1 iff ``u < (1 - tanh(x/2))/2`` with
    ``x = beta s_i D_i exp(shift - log_unit)``; for polynomial F the tables and ``D_i`` are integers exact in float64,
    so the two thresholds differ only by the rounding of ``tanh`` and ``exp`` (a few ulp, about 1e-15), and an exact
    tie ``D_i = 0`` gives the threshold 1/2 in both. A decision can differ only when a uniform falls inside that
    rounding gap: probability below 1e-11 over the 8640 visits here, so with fixed seeds the states are equal. (A 1 %
    error in the batched temperature makes 4 of the 1440 final spins differ.)
    """
    rng = np.random.default_rng(14)
    energy = en.Polynomial(3)
    N, K, B, sweeps, beta = 60, 100, 24, 6, 1 / 0.35
    xiT = binary_patterns(rng, N, K)
    S0 = np.stack([xiT[:, b].copy() for b in range(B)])
    orders = [_orders(rng, sweeps, N) for _ in range(B)]
    uniforms = [rng.random((sweeps, N)) for _ in range(B)]
    S_n, S_b = S0.copy(), S0.copy()
    M_n = [kernels.overlaps(xiT, S_n[b]) for b in range(B)]
    M_b = S_b.astype(np.int64) @ xiT.astype(np.int64)
    for k in range(sweeps):
        for b in range(B):
            kernels.heat_bath_dense(*_args(energy, xiT), S_n[b], M_n[b], orders[b][k : k + 1],
                                    uniforms[b][k : k + 1], beta, energy.log_unit(N))  # fmt: skip
        o = np.stack([x[k] for x in orders])
        u = np.stack([x[k] for x in uniforms])
        batched.heat_bath_sweep(np, energy, xiT, S_b, M_b, o, u, beta)
        np.testing.assert_array_equal(S_b, S_n)  # identical draws, identical rule (docstring): equal spin for spin
    np.testing.assert_array_equal(M_b, S_b.astype(np.int64) @ xiT.astype(np.int64))
    m = (S_n * xiT[:, :B].T).sum(axis=1) / N
    assert 0.3 < m.mean() < 0.99  # thermal: neither frozen nor lost, so many decisions are not foregone


def test_heat_bath_polynomial_2_matches_the_hopfield_rule():
    """T in units of F'(N): Polynomial(2) at T is the Hopfield heat bath at T (same draws, same trajectory).

    Hopfield: +1 iff ``u < (1 + tanh(beta h))/2``, ``h = (sum_mu xi_i^mu M_mu - P s_i)/N``; Polynomial(2):
    ``u < (1 - tanh(x/2))/2`` with ``x/2 = -beta h`` up to the rounding of ``exp(-log_unit) = 1/(4N)`` (a few ulp). The
    thresholds agree to about 1e-15, so the 500 decisions here coincide unless a uniform falls in that gap
    (probability below 1e-12): the states must be equal after every visit. Compared visit by visit because the heat
    bath with shared uniforms heals a difference (both chains reset a spin from the same uniform); at T = 0.6, where
    the overlap stays near 0.9 and many fields are weak, a 1 % error in beta makes the states differ after 196 of the
    500 visits.
    """
    rng = np.random.default_rng(15)
    N, K, sweeps, beta = 100, 8, 5, 1 / 0.6
    xiT = binary_patterns(rng, N, K)
    s0 = flip_bits(rng, xiT[:, 0], 20)
    orders, uniforms = _orders(rng, sweeps, N), rng.random((sweeps, N))
    s_h, s_d = s0.copy(), s0.copy()
    M_h = hopfield_kernels.overlaps(xiT, s_h)
    energy = en.Polynomial(2)
    M_d = kernels.overlaps(xiT, s_d)
    flips = 0
    for k in range(sweeps):
        for t in range(N):
            o, u = orders[k : k + 1, t : t + 1], uniforms[k : k + 1, t : t + 1]
            before = s_h.copy()
            hopfield_kernels.glauber_patterns(xiT, s_h, M_h, o, u, beta)
            kernels.heat_bath_dense(*_args(energy, xiT), s_d, M_d, o, u, beta, energy.log_unit(N))
            np.testing.assert_array_equal(s_d, s_h)
            flips += int((before != s_h).sum())
    np.testing.assert_array_equal(M_d, M_h)
    assert flips >= 50  # thermal: the rule was exercised (89 flips with this seed)
