"""Replica-symmetric AGS theory: the solver against closed forms, independent quadrature, the saddle point."""

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq, minimize_scalar
from scipy.special import erf

from amphase.errors import NoSolutionError
from amphase.theory.hopfield.replica_symmetric import (
    maximal_load,
    mixture_state,
    spin_glass_state,
    zero_temperature_alpha,
)


def gauss(f):
    return quad(lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi) * f(z), -12, 12, limit=400, epsabs=1e-14)[0]


def ags_free_energy(m, q, r, alpha, T):
    """The AGS 1987 free energy in (m, q, r), evaluated by QUADPACK: independent of the package's kernels."""
    b = 1.0 / T
    s = math.sqrt(alpha * r)
    d = 1.0 - b + b * q
    lncosh = gauss(lambda z: math.log(2 * math.cosh(b * (m + s * z))))
    return (
        0.5 * alpha
        + 0.5 * m * m
        + alpha / (2 * b) * (math.log(d) - b * q / d)
        + 0.5 * alpha * b * r * (1 - q)
        - lncosh / b
    )


def test_alpha_c_zero_temperature_published():
    a_c, m = maximal_load(1, 0.0)
    # Steffan & Kühn, Z. Phys. B 95, 249 (1994), abstract: alpha_c^RS ≃ 0.137905 (six digits)
    assert a_c == pytest.approx(0.137905, abs=1e-6)
    # Stojnic, arXiv:2403.01907 (2024), abstract: alpha_c ≈ 0.137906, equal to the AGS replica-symmetric value
    assert a_c == pytest.approx(0.137906, abs=1e-6)
    # AGS, Phys. Rev. Lett. 55, 1530 (1985): overlap 0.967 at alpha_c (three digits)
    assert m == pytest.approx(0.967, abs=5e-4)


def test_alpha_c_matches_the_closed_form():
    # the T = 0 solver against max_y alpha(y), alpha(y) = (erf(y)/y - 2/sqrt(pi) e^{-y^2})^2 / 2 (AGS 1987)
    res = minimize_scalar(
        lambda y: -zero_temperature_alpha(y), bounds=(0.5, 3.0), method="bounded", options={"xatol": 1e-12}
    )
    a_c, m = maximal_load(1, 0.0)
    assert a_c == pytest.approx(-res.fun, rel=1e-12)
    assert m == pytest.approx(erf(res.x), abs=1e-6)  # the overlap at a flat maximum is known to sqrt(xatol)


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1, 0.13, 0.1379])
def test_zero_temperature_retrieval_closed_form(alpha):
    y_c = minimize_scalar(lambda y: -zero_temperature_alpha(y), bounds=(0.5, 3.0), method="bounded").x
    y = brentq(lambda y: zero_temperature_alpha(y) - alpha, y_c, 30.0, xtol=1e-15)
    s = mixture_state(1, alpha, 0.0)
    assert s.m == pytest.approx(erf(y), abs=1e-12)
    # energy per neuron at T = 0: -(m^2 + alpha (r - 1)) / 2
    assert s.free_energy == pytest.approx(-(s.m**2 + alpha * (s.r - 1)) / 2, abs=1e-14)


@pytest.mark.parametrize("alpha", [0.02, 0.0519, 0.1, 0.3, 1.0])
def test_zero_temperature_spin_glass_energy(alpha):
    # E_SG = -sqrt(2 alpha / pi) - 1/pi: closed form from sigma = sqrt(alpha) + sqrt(2/pi)
    s = spin_glass_state(alpha, 0.0)
    assert s.free_energy == pytest.approx(-math.sqrt(2 * alpha / math.pi) - 1 / math.pi, abs=1e-13)
    assert s.sigma == pytest.approx(math.sqrt(alpha) + math.sqrt(2 / math.pi), abs=1e-12)


@pytest.mark.parametrize(("alpha", "T"), [(0.02, 0.3), (0.05, 0.1), (0.1, 0.2), (0.12, 0.05), (0.01, 0.7)])
def test_retrieval_solves_the_saddle_point_equations(alpha, T):
    # the AGS 1987 saddle-point equations, re-evaluated with QUADPACK
    s = mixture_state(1, alpha, T)
    b, sig = 1 / T, math.sqrt(alpha * s.r)
    assert s.m == pytest.approx(gauss(lambda z: math.tanh(b * (s.m + sig * z))), abs=1e-11)
    assert s.q == pytest.approx(gauss(lambda z: math.tanh(b * (s.m + sig * z)) ** 2), abs=1e-11)
    assert s.r == pytest.approx(s.q / (1 - b * (1 - s.q)) ** 2, rel=1e-12)


@pytest.mark.parametrize(("alpha", "T"), [(0.05, 0.3), (0.1, 0.15), (0.03, 0.6)])
def test_free_energy_is_stationary_and_matches_ags(alpha, T):
    s = mixture_state(1, alpha, T)
    f0 = ags_free_energy(s.m, s.q, s.r, alpha, T)
    assert s.free_energy == pytest.approx(f0, abs=1e-11)
    h = 1e-5
    for k in range(3):  # the saddle point: the gradient of f in (m, q, r) vanishes
        up = [s.m, s.q, s.r]
        dn = [s.m, s.q, s.r]
        up[k] += h
        dn[k] -= h
        grad = (ags_free_energy(*up, alpha, T) - ags_free_energy(*dn, alpha, T)) / (2 * h)
        assert abs(grad) < 1e-7


def test_spin_glass_solves_its_equations():
    alpha, T = 0.1, 0.5
    s = spin_glass_state(alpha, T)
    b, sig = 1 / T, math.sqrt(alpha * s.r)
    assert s.q == pytest.approx(gauss(lambda z: math.tanh(b * sig * z) ** 2), abs=1e-11)
    assert s.r == pytest.approx(s.q / (1 - b * (1 - s.q)) ** 2, rel=1e-12)
    assert s.free_energy == pytest.approx(ags_free_energy(0.0, s.q, s.r, alpha, T), abs=1e-11)


def test_spin_glass_vanishes_continuously_at_T_g():
    # T_g = 1 + sqrt(alpha) (AGS 1987): q -> 0 and f joins the paramagnet's
    alpha = 0.09
    t_g = 1 + math.sqrt(alpha)
    below = spin_glass_state(alpha, t_g - 1e-4)
    above = spin_glass_state(alpha, t_g + 1e-4)
    assert 0 < below.q < 1e-3 and above.q == 0.0
    para = -(t_g - 1e-4) * math.log(2) + 0.5 * alpha * (1 + (t_g - 1e-4) * math.log1p(-1 / (t_g - 1e-4)))
    assert below.free_energy == pytest.approx(para, abs=1e-8)


@pytest.mark.parametrize("T", [0.2, 0.5, 0.9])
def test_no_load_is_curie_weiss(T):
    # alpha = 0: m = tanh(m / T)
    m = brentq(lambda m: math.tanh(m / T) - m, 1e-9, 1.0, xtol=1e-15)
    s = mixture_state(1, 0.0, T)
    assert s.m == pytest.approx(m, abs=1e-13)
    assert s.free_energy == pytest.approx(0.5 * m * m - T * math.log(2 * math.cosh(m / T)), abs=1e-14)


@pytest.mark.parametrize("alpha", [0.05, 0.1, 0.13])
def test_low_temperature_joins_zero_temperature(alpha):
    # The finite-T solver (quadrature) and the T = 0 closed forms are one smooth branch: D(T) = X(T) - X(0) =
    # a T + b T^2 + O(T^3), so the second differences D(4T) - 2 D(2T) and D(2T) - 2 D(T) have the ratio 4 + O(T).
    zero = mixture_state(1, alpha, 0.0)
    t = 1e-4
    states = {k: mixture_state(1, alpha, k * t) for k in (1, 2, 4)}
    for attr in ("m", "r", "free_energy"):
        d = {k: getattr(s, attr) - getattr(zero, attr) for k, s in states.items()}
        assert abs(d[1]) < 1e-3 * abs(getattr(zero, attr))  # no jump at T = 0
        ratio = (d[4] - 2 * d[2]) / (d[2] - 2 * d[1])
        assert ratio == pytest.approx(4.0, abs=0.1), attr


def test_no_retrieval_above_alpha_c():
    with pytest.raises(NoSolutionError, match=r"alpha=0\.15.*maximal load"):
        mixture_state(1, 0.15, 0.0)
    with pytest.raises(NoSolutionError, match="T < 1"):
        mixture_state(1, 0.0, 1.2)


def test_retrieval_branch_is_the_stable_one():
    # the returned state sits on the rising side of alpha(sigma): more noise width at larger load
    sigmas = [mixture_state(1, a, 0.2).sigma for a in np.linspace(0.01, 0.12, 8)]
    assert np.all(np.diff(sigmas) > 0)


@pytest.mark.parametrize(("alpha", "T"), [(0.05, 0.1), (0.1, 0.05), (0.09, 0.3)])
def test_replicon_is_the_normalised_AT_eigenvalue(alpha, T):
    # changed (was (1 - C)^2 times it): lambda_AT = 1 - alpha beta^2 <<sech^4 beta h>> / (1 - beta(1 - q))^2, the
    # AT condition of AGS 1987 divided by (1 - C)^2; the sech^4 average by QUADPACK, independent of the kernels
    s = mixture_state(1, alpha, T)
    b = 1.0 / T
    sech4 = gauss(lambda z: 1.0 / math.cosh(b * (s.m + s.sigma * z)) ** 4)
    assert s.replicon == pytest.approx(1 - alpha * b * b * sech4 / (1 - b * (1 - s.q)) ** 2, abs=1e-9)
    assert mixture_state(1, 0.0, T).replicon == 1.0


@pytest.mark.parametrize(
    ("state", "temps"),
    [
        (lambda T: mixture_state(1, 0.05, T), [0.1, 0.3, 0.5]),
        (lambda T: mixture_state(1, 0.0, T), [0.3, 0.6]),
        (lambda T: mixture_state(3, 0.005, T), [0.2]),
        (lambda T: spin_glass_state(0.05, T), [0.3, 0.9, 1.1]),
        (lambda T: spin_glass_state(0.05, T), [1.5, 2.0]),  # paramagnet
    ],
)
def test_energy_is_the_beta_derivative_of_beta_f(state, temps):
    # E = d(beta f)/d beta along the saddle point, by a centred difference (error ~ h^2)
    for T in temps:
        h = 1e-4 * T
        b_lo, b_hi = 1 / (T + h), 1 / (T - h)
        fd = (state(T - h).free_energy * b_hi - state(T + h).free_energy * b_lo) / (b_hi - b_lo)
        assert state(T).energy == pytest.approx(fd, abs=1e-8)


def test_energy_at_zero_temperature_is_the_free_energy():
    for s in (mixture_state(1, 0.05, 0.0), mixture_state(3, 0.01, 0.0), spin_glass_state(0.05, 0.0)):
        assert s.energy == pytest.approx(s.free_energy, abs=1e-14)


@pytest.mark.parametrize(("alpha", "T"), [(0.05, 0.3), (0.12, 0.1), (0.3, 0.8), (0.01, 1.05)])
def test_r_is_sigma_squared_over_alpha_and_q_over_one_minus_C_squared(alpha, T):
    for s in (spin_glass_state(alpha, T),) + ((mixture_state(1, alpha, T),) if alpha < 0.13 and T < 0.5 else ()):
        assert s.r == pytest.approx(s.sigma**2 / alpha, rel=1e-14)
        assert s.r == pytest.approx(s.q / (1 - s.C) ** 2, rel=1e-9)


ONE_MINUS = math.nextafter(1.0, 0.0)
ONE_PLUS = math.nextafter(1.0, 2.0)


@pytest.mark.parametrize("T", [ONE_MINUS, 1.0 - 1e-12, 1.0])
@pytest.mark.parametrize("alpha", [5e-324, 1e-300, 1e-30])
def test_spin_glass_at_tiny_load_near_T_1(alpha, T):
    # the old solver divided by (1 - C)^2 where C rounds to 1: ZeroDivisionError at alpha = 1e-300, T = 1 - 2^-53
    s = spin_glass_state(alpha, T)
    assert 0.0 < s.q < 1e-11 and s.r > 1e10 and math.isfinite(s.free_energy)
    assert s.free_energy == pytest.approx(-T * math.log(2), abs=1e-11)  # the alpha -> 0 limit: the paramagnet's
    if T == 1.0:  # at T = 1, 1 - C = q exactly, so alpha = sigma^2 q and q = sigma^2 to leading order: q = sqrt(alpha)
        assert s.q == pytest.approx(math.sqrt(alpha), rel=1e-9)


@pytest.mark.parametrize("alpha", [5e-324, 1e-300, 1e-100])
def test_retrieval_at_tiny_load_is_the_no_load_state(alpha):
    # the old solver bracketed sigma from 1e-9 sigma*: "f(a) and f(b) must have different signs" below ~1e-18
    for T in (0.0, 0.5):
        s, zero = mixture_state(1, alpha, T), mixture_state(1, 0.0, T)
        assert s.m == pytest.approx(zero.m, abs=1e-13) and s.free_energy == pytest.approx(zero.free_energy, abs=1e-13)
        assert s.r == pytest.approx(zero.r, rel=1e-10)
