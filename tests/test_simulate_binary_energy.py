"""The energy seam: exact flip energies against the definition, exact signs where int64 would overflow, dispatch."""

import math

import mpmath
import numpy as np
import pytest

from amphase.simulate.binary import energy as en
from amphase.simulate.binary import kernels
from amphase.simulate.binary.batched import flip_energies
from amphase.simulate.patterns import binary_patterns, random_spins

SMALL = [
    en.Quadratic(),
    en.Polynomial(2),
    en.Polynomial(3),
    en.Polynomial(4),
    en.Rectified(3),
    en.Polynomial(7),
    en.Exponential(),
]


def _sign(v) -> int:
    return 0 if v == 0 else (1 if v > 0 else -1)


def _exact_delta_direct(energy, xiT, s, i):
    """E(s with spin i reversed) - E(s), both energies from their definition."""
    t = s.copy()
    t[i] = -t[i]
    M0 = xiT.T.astype(np.int64) @ s.astype(np.int64)
    M1 = xiT.T.astype(np.int64) @ t.astype(np.int64)
    return energy.energy_exact(M1) - energy.energy_exact(M0)


@pytest.mark.parametrize("energy", SMALL, ids=lambda e: e.name)
def test_flip_energy_is_the_energy_difference(energy):
    rng = np.random.default_rng(1)
    N, K = 33, 9
    xiT = binary_patterns(rng, N, K)
    for s in (random_spins(rng, N), xiT[:, 0].copy()):
        dE, sign = flip_energies(energy, xiT, s[None])
        for i in range(N):
            with mpmath.workdps(60):  # exact integers; the exponential to 60 digits
                exact = _exact_delta_direct(energy, xiT, s, i)
                assert abs(exact - energy.delta_exact(xiT, s, i)) <= abs(exact) * 1e-50
            assert sign[0, i] == _sign(exact)
            assert dE[0, i] == pytest.approx(float(exact), rel=1e-12, abs=1e-9)


def test_quadratic_is_the_hebbian_rule():
    rng = np.random.default_rng(2)
    N, K = 50, 7
    xiT = binary_patterns(rng, N, K)
    s = random_spins(rng, N)
    M = xiT.T.astype(np.int64) @ s
    h = xiT.astype(np.int64) @ M - K * s  # N h_i, Hebbian couplings without self-coupling
    dE, _ = flip_energies(en.Quadratic(), xiT, s[None])
    np.testing.assert_array_equal(dE[0], 2 * s * h)
    dE2, _ = flip_energies(en.Polynomial(2), xiT, s[None])
    np.testing.assert_array_equal(dE2[0], 2 * dE[0])


@pytest.mark.parametrize("energy", [en.Polynomial(7), en.Polynomial(9), en.Exponential()], ids=lambda e: e.name)
def test_exact_signs_where_int64_and_float64_overflow(energy):
    """N = 1001: N^7 > 2^63 and e^N > float64 max; random states and exact ties keep their exact signs."""
    rng = np.random.default_rng(3)
    N, K = 1001, 5
    assert float(N) ** 7 > 2**63
    xiT = binary_patterns(rng, N, K)
    s = xiT[:, 0].copy()
    s[rng.choice(N, 200, replace=False)] *= -1  # overlap 0.6 with pattern 0: large, cancelling terms
    if energy.kind != en.EXPONENTIAL:
        assert energy.mode(N, K) == en.CERTIFIED and energy.check_exact(N, K) is None
    _, sign = flip_energies(energy, xiT, s[None])
    with mpmath.workdps(60):
        for i in rng.choice(N, 40, replace=False):
            assert sign[0, i] == _sign(energy.delta_exact(xiT, s, int(i)))
    # exact ties: two patterns whose overlaps the flip exchanges
    xiT2, s2, i = _search_tie(rng, N)
    assert energy.delta_exact(xiT2, s2, i) == 0
    _, sign2 = flip_energies(energy, xiT2, s2[None])
    assert sign2[0, i] == 0


def _search_tie(rng, N):
    """Two patterns and a state where flipping spin i maps (M_0, M_1) to (M_1, M_0): Delta E_i = 0 for every F.

    The patterns differ on D = N//2 + 1 (odd) positions; there the state agrees with pattern 0 on (D + 1)/2 of them,
    so M_0 - M_1 = 2; a spin where it agrees has a = (s_i xi_i^0, s_i xi_i^1) = (+1, -1).
    """
    xi0 = binary_patterns(rng, N, 1)[:, 0]
    xi1 = xi0.copy()
    D = N // 2 + 1
    xi1[:D] *= -1
    s = random_spins(rng, N)
    s[:D] = xi0[:D]
    s[(D + 1) // 2 : D] *= -1
    xiT = np.stack([xi0, xi1], axis=1).astype(np.int8)
    M = xiT.T.astype(np.int64) @ s
    assert M[0] == M[1] + 2
    return xiT, s, 0


def test_kernel_decisions_match_the_exact_signs():
    """The Numba decision (every arithmetic mode, the exponential fallback) against the definition."""
    rng = np.random.default_rng(4)
    cases = (
        (en.Polynomial(3), 41, 12),
        (en.Polynomial(4), 2001, 3),
        (en.Polynomial(8), 301, 4),
        (en.Exponential(), 801, 6),
    )
    assert [e.mode(N, K) for e, N, K in cases] == [en.INT32, en.CERTIFIED, en.CERTIFIED, en.CERTIFIED]
    assert en.Polynomial(4).tables(2001).gmax * 3 < 2**62  # its int64 path is tested too
    for energy, N, K in cases:
        xiT = binary_patterns(rng, N, K)
        s = xiT[:, 1].copy()
        s[rng.choice(N, N // 4, replace=False)] *= -1
        M = kernels.overlaps(xiT, s)
        t = energy.tables(N)
        c_f, c_w = np.empty(K), np.zeros(K, dtype=np.int64)
        a_f, a_w, err, _ = kernels.coefficients(energy.kind, M, t.gp_f, t.gm_f, t.gp_w, t.gm_w, c_f, c_w)
        work = np.zeros(2 * N + 5, dtype=np.int64)
        exact64 = energy.kind != en.EXPONENTIAL and K * t.gmax < 2**62  # where int64 alone is exact
        modes = [energy.mode(N, K)] + ([en.INT_EXACT] if exact64 else [])
        for mode in modes:
            for i in range(0, N, 7):
                sign, _ = kernels.decide(energy.kind, mode, xiT[i], s[i], M, c_f, c_w, a_f, a_w, err, work)
                assert sign == -_sign(energy.delta_exact(xiT, s, i))
        assert not work.any()


def test_factories_and_dispatch_codes():
    assert en.Quadratic().kind == en.QUADRATIC and en.Quadratic().hebbian
    assert en.Polynomial(2).hebbian and not en.Polynomial(3).hebbian
    assert en.make_energy("rectified", 4) == en.Rectified(4)
    assert en.Exponential().name == "exponential" and en.Polynomial(3).name == "polynomial(3)"
    assert en.Rectified(2).name == "rectified(2)" and not en.Rectified(2).hebbian and en.Quadratic().name == "quadratic"
    # one class per kind code, and the names of the codes are the names the models pass as F
    for name, code in zip(en.KINDS, range(4), strict=True):
        assert en.make_energy(name, 3).kind == code
    assert en.Rectified(3) != en.Polynomial(3) and en.Polynomial(3) == en.Polynomial(3)
    with pytest.raises(ValueError, match="n >= 2"):
        en.Polynomial(1)
    with pytest.raises(ValueError, match="unknown"):
        en.make_energy("cubic")
    # the field is the gradient -dE/dsigma of the continuous relaxation
    rng = np.random.default_rng(5)
    xiT = binary_patterns(rng, 20, 4)
    s = random_spins(rng, 20).astype(float)
    e = en.Polynomial(3)
    M = xiT.T @ s
    h = e.field(xiT, M)
    eps = 1e-6
    for i in range(3):
        t = s.copy()
        t[i] += eps
        num = -(e.energy(xiT.T @ t) - e.energy(M)) / eps
        assert h[i] == pytest.approx(num, rel=1e-4)
    assert math.isclose(e.log_unit(10), math.log(2 * 3 * 100))
