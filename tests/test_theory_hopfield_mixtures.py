"""Symmetric mixture states: sympy-exact values, published numbers and an independent Hessian."""

import itertools
import math

import numpy as np
import pytest
import sympy as sp
from scipy.optimize import brentq

from amphase.theory.hopfield import mixtures
from amphase.theory.hopfield.replica_symmetric import maximal_load, mixture_state


def test_exact_overlaps_and_energies_published():
    # AGS 1985, Phys. Rev. A 32, 1007: m_3 = 1/2, E_3 = -3/8; m_5 = 3/8, E_5 = -45/128 ≈ -0.3516
    assert mixtures.mixture_overlap_exact(3) == sp.Rational(1, 2)
    assert mixtures.mixture_energy_exact(3) == sp.Rational(-3, 8)
    assert mixtures.mixture_overlap_exact(5) == sp.Rational(3, 8)
    assert mixtures.mixture_energy_exact(5) == sp.Rational(-45, 128)
    assert mixtures.mixture_overlap_exact(1) == 1


@pytest.mark.parametrize("n", range(1, 22, 2))
def test_exact_overlap_is_the_central_binomial(n):
    # m_n = binom(n-1, (n-1)/2) / 2^(n-1) for odd n
    assert mixtures.mixture_overlap_exact(n) == sp.Rational(math.comb(n - 1, (n - 1) // 2), 2 ** (n - 1))


@pytest.mark.parametrize("n", [3, 5, 7, 9])
def test_solver_reproduces_the_exact_values(n):
    s = mixture_state(n, 0.0, 0.0)
    assert s.m == pytest.approx(float(mixtures.mixture_overlap_exact(n)), abs=1e-14)
    assert s.free_energy == pytest.approx(float(mixtures.mixture_energy_exact(n)), abs=1e-14)


def test_energies_approach_minus_one_over_pi():
    # E_n -> -1/pi, the alpha -> 0 limit of the T = 0 spin-glass energy. With n = 2k + 1 and Stirling,
    # binom(2k, k)/4^k = (pi k)^(-1/2) (1 - 1/(8k) + 1/(128 k^2) + ...),
    # so E_n = -(1/pi)(1 + 1/(4k) - 3/(32 k^2) + O(k^-3))
    energies = [float(mixtures.mixture_energy_exact(n)) for n in range(1, 80, 2)]
    assert all(b > a for a, b in itertools.pairwise(energies))
    for k in (10, 20, 39):
        e = float(mixtures.mixture_energy_exact(2 * k + 1))
        two_terms = -(1 / math.pi) * (1 + 1 / (4 * k) - 3 / (32 * k**2))
        assert abs(e - two_terms) < 0.1 / k**3


@pytest.mark.slow
def test_large_n_limit_symbolic():
    assert mixtures.large_n_energy_limit() == -1 / sp.pi


def brute_force_hessian_min(n, T, p):
    """Smallest eigenvalue of the Hessian of f(m) = |m|^2/2 - T <ln 2cosh(beta xi.m)> over all xi in {±1}^p."""
    m = mixture_state(n, 0.0, T).m
    xi = np.array(list(itertools.product([-1.0, 1.0], repeat=p)))
    h = xi @ np.array([m] * n + [0.0] * (p - n))
    s2 = 1 - np.tanh(h / T) ** 2
    hess = np.eye(p) - (xi.T * s2) @ xi / len(xi) / T
    return np.linalg.eigvalsh(hess)


@pytest.mark.parametrize(("n", "T"), [(3, 0.2), (3, 0.45), (3, 0.6), (5, 0.3), (5, 0.5)])
def test_eigenvalues_match_the_brute_force_hessian(n, T):
    brute = np.sort(np.unique(np.round(brute_force_hessian_min(n, T, n + 1), 12)))
    mine = np.sort(np.unique(np.round(mixtures.mixture_eigenvalues(n, T), 12)))
    np.testing.assert_allclose(mine, brute, atol=1e-11)


def test_stability_temperature_3_published():
    # AGS 1985 PRA 32, 1007, abstract: "Below T ≈ 0.46 T_c additional dynamically stable states appear" (T_c = 1)
    t3 = mixtures.mixture_stability_temperature(3)
    assert t3 == pytest.approx(0.46, abs=5e-3)
    # and exactly where the smallest eigenvalue of the brute-force Hessian vanishes
    assert t3 == pytest.approx(brentq(lambda T: brute_force_hessian_min(3, T, 4)[0], 0.3, 0.6, xtol=1e-13), abs=1e-10)


def test_stability_temperatures_decrease_with_n():
    temps = [mixtures.mixture_stability_temperature(n) for n in (1, 3, 5, 7)]
    assert temps[0] == 1.0
    assert all(b < a for a, b in itertools.pairwise(temps))


def test_maximal_load_3_mixture_published():
    # AGS 1987, Ann. Phys. 173, 30: symmetric 3-mixtures exist at T = 0 up to alpha ≈ 0.03
    a3, m3 = maximal_load(3, 0.0)
    assert a3 == pytest.approx(0.03, abs=1e-3)
    assert 0 < m3 < 0.5
    assert maximal_load(5, 0.0)[0] < a3 < maximal_load(1, 0.0)[0]


def test_mixture_overlap_vanishes_at_T_1():
    assert mixture_state(3, 0.0, 0.99).m < 0.2
    assert mixture_state(3, 0.0, 0.999).m < mixture_state(3, 0.0, 0.99).m
