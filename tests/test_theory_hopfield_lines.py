"""Phase boundaries of the Hopfield model against published values and exact relations."""

import itertools
import math

import pytest
from scipy.optimize import minimize_scalar
from scipy.special import erf

from amphase.errors import NoSolutionError
from amphase.theory.hopfield import lines
from amphase.theory.hopfield.replica_symmetric import mixture_state, spin_glass_state, zero_temperature_alpha


@pytest.mark.parametrize("alpha", [0.0, 0.01, 0.138, 0.5])
def test_T_g(alpha):
    # AGS 1987: T_g = 1 + sqrt(alpha)
    assert lines.T_g(alpha) == 1 + math.sqrt(alpha)


def test_T_M_end_points():
    # changed: T_M(alpha_c(0)) is no longer 0; alpha_c(T) is reentrant, the lower branch T_M_lower starts there
    assert lines.T_M_crossings(0.0) == (0.0, 1.0)
    low, high = lines.T_M_crossings(lines.alpha_c(0.0)[0])
    assert low == 0.0 and high > lines.alpha_c_maximum()[0]
    with pytest.raises(NoSolutionError, match="alpha_c"):
        lines.T_M(0.14)


def test_T_M_small_load():
    # AGS 1987: T_M ≈ 1 - 1.95 sqrt(alpha) as alpha -> 0 (coefficient given to 3 digits)
    alpha = 1e-6
    assert (1 - lines.T_M(alpha)) / math.sqrt(alpha) == pytest.approx(1.95, abs=0.01)


def test_T_c_small_load():
    # AGS 1987: T_c ≈ 1 - 2.6 sqrt(alpha) as alpha -> 0 (coefficient given to 2 digits)
    alpha = 1e-6
    assert (1 - lines.T_c(alpha)) / math.sqrt(alpha) == pytest.approx(2.6, abs=0.05)


@pytest.mark.parametrize("alpha", [1e-6, 0.02, 0.06, 0.1, 0.13, 0.1379])
def test_T_M_inverts_alpha_c(alpha):
    assert lines.alpha_c(lines.T_M(alpha))[0] == pytest.approx(alpha, rel=1e-9)


def test_alpha_c_decreases_with_T_above_its_maximum():
    values = [lines.alpha_c(T)[0] for T in (0.03, 0.1, 0.3, 0.5, 0.7, 0.9)]
    assert all(b < a for a, b in itertools.pairwise(values))


@pytest.mark.parametrize("T", [1.0, math.nextafter(1.0, 2.0), 1.1, 3.0])
def test_no_retrieval_at_any_load_for_T_at_least_1(T):
    # changed (was alpha_c = 0, m = 0): alpha_c agrees with the overlap, which has no retrieval state even at alpha = 0
    with pytest.raises(NoSolutionError, match="no retrieval state at any load for T >= 1"):
        lines.alpha_c(T)
    with pytest.raises(NoSolutionError, match="exists only for T < 1"):
        mixture_state(1, 0.0, T)
    with pytest.raises(NoSolutionError):
        lines.alpha_global(T)
    with pytest.raises(NoSolutionError):
        lines.alpha_AT(T)


def test_alpha_c_maximum():
    # alpha_c(T) is not monotonic in RS theory: it rises from alpha_c(0) to a maximum at low T (reentrant T_M)
    t_max, a_max = lines.alpha_c_maximum()
    assert lines.alpha_c(t_max)[0] == a_max
    assert 0.0228 < t_max < 0.0229 and a_max == pytest.approx(0.13818851, abs=1e-8)
    # an independent location of the maximum: minimise -alpha_c(T) directly
    res = minimize_scalar(lambda T: -lines.alpha_c(T)[0], bounds=(0.0, 0.05), method="bounded", options={"xatol": 1e-9})
    assert res.x == pytest.approx(t_max, abs=1e-6) and -res.fun == pytest.approx(a_max, abs=1e-14)
    for T in (0.0, t_max - 1e-3, t_max - 1e-5, t_max + 1e-5, t_max + 1e-3, 0.05):
        assert lines.alpha_c(T)[0] < a_max
    assert a_max - lines.alpha_c(0.0)[0] == pytest.approx(2.83e-4, abs=1e-6)


@pytest.mark.parametrize("alpha", [0.1380, 0.1381, 0.13815, 0.1381885])
def test_T_M_reentrant_branches_invert_alpha_c(alpha):
    # the old T_M said there is no retrieval state at any temperature for alpha > alpha_c(0)
    low, high = lines.T_M_crossings(alpha)
    t_max = lines.alpha_c_maximum()[0]
    assert 0.0 < low < t_max < high < 0.05
    assert lines.alpha_c(low)[0] == pytest.approx(alpha, rel=1e-12)
    assert lines.alpha_c(high)[0] == pytest.approx(alpha, rel=1e-12)
    assert lines.T_M(alpha) == high
    mixture_state(1, alpha, 0.5 * (low + high))  # retrieval states exist inside the window
    for T in (0.0, 0.999 * low, 1.001 * high):
        with pytest.raises(NoSolutionError):
            mixture_state(1, alpha, T)


def test_T_M_at_0138():
    # the brief's example: hopfield.overlap alpha=0.138 T=0.02 finds a retrieval state, so T_M must too
    low, high = lines.T_M_crossings(0.138)
    assert low < 0.02 < high
    assert mixture_state(1, 0.138, 0.02).m > 0.9


def test_T_M_above_the_maximum_names_it():
    t_max, a_max = lines.alpha_c_maximum()
    with pytest.raises(NoSolutionError, match=f"alpha=0.1382 .*alpha_c = {a_max:.10g}, at T = {t_max:.10g}"):
        lines.T_M_crossings(0.1382)
    assert lines.T_M_crossings(a_max) == (t_max, t_max)


def test_error_messages_show_the_difference():
    # the old messages rounded to 6 digits: "alpha=0.137906 ... maximal load is 0.137906"
    a0 = lines.alpha_c(0.0)[0]
    assert 0.13790557 > a0
    message = r"alpha=0\.13790557, T=0: its maximal load at T=0 is 0\.1379055665"  # values as typed, no NumPy reprs
    with pytest.raises(NoSolutionError, match=message):
        mixture_state(1, 0.13790557, 0.0)


def test_energy_crossing_alpha_0():
    # AGS 1985 PRL 55, 1530, abstract: retrieval states "become ground states at alpha < 0.05" (one digit)
    a0 = lines.alpha_0()
    assert a0 == pytest.approx(0.05, abs=5e-3)
    # at alpha_0 the T = 0 energies -(m^2 + alpha(r-1))/2 and -sqrt(2 alpha/pi) - 1/pi are equal
    assert mixture_state(1, a0, 0.0).free_energy == pytest.approx(-math.sqrt(2 * a0 / math.pi) - 1 / math.pi, abs=1e-11)


def test_retrieval_energy_at_alpha_c():
    # independent closed form at the spinodal y_c: m = erf(y), sigma = m/(sqrt(2) y), r = sigma^2/alpha, which
    # must equal 1/(1 - C)^2 with C = sqrt(2/pi) e^{-y^2}/sigma; then E = -(m^2 + alpha (r - 1))/2
    y = minimize_scalar(
        lambda y: -zero_temperature_alpha(y), bounds=(0.5, 3), method="bounded", options={"xatol": 1e-10}
    ).x
    a, m = float(zero_temperature_alpha(y)), float(erf(y))
    sigma = m / (math.sqrt(2) * y)
    r = sigma**2 / a
    assert r == pytest.approx(1 / (1 - math.sqrt(2 / math.pi) * math.exp(-y * y) / sigma) ** 2, rel=1e-12)
    energy = mixture_state(1, lines.alpha_c(0.0)[0], 0.0).free_energy
    assert energy == pytest.approx(-(m * m + a * (r - 1)) / 2, abs=1e-9)


@pytest.mark.parametrize("alpha", [0.005, 0.02, 0.04, 0.05])
def test_T_c_is_where_free_energies_cross(alpha):
    t_c = lines.T_c(alpha)
    assert mixture_state(1, alpha, t_c).free_energy == pytest.approx(
        spin_glass_state(alpha, t_c).free_energy, abs=1e-10
    )
    assert t_c < lines.T_M(alpha)
    assert lines.alpha_global(t_c) == pytest.approx(alpha, rel=1e-8)


def test_T_c_reentrance():
    # replica-symmetric artefact: above alpha_0 the retrieval states are global minima only in a window of T
    assert lines.T_c_crossings(0.05)[0] == 0.0
    low, high = lines.T_c_crossings(0.0525)
    assert 0.0 < low < high < lines.T_M(0.0525)
    assert lines.alpha_global(low) == pytest.approx(0.0525, rel=1e-8)
    with pytest.raises(NoSolutionError):
        lines.T_c(0.06)


def test_T_c_at_alpha_0_end_point():
    assert lines.alpha_global(0.0) == pytest.approx(lines.alpha_0(), rel=1e-9)


@pytest.mark.parametrize("alpha", [0.08, 0.12, 0.137])
def test_T_R_is_the_replicon_zero(alpha):
    t_r = lines.T_R(alpha)
    assert abs(mixture_state(1, alpha, t_r).replicon) < 1e-8
    assert mixture_state(1, alpha, 2 * t_r).replicon > 0 > mixture_state(1, alpha, t_r / 2).replicon
    assert lines.alpha_AT(t_r) == pytest.approx(alpha, rel=1e-7)


def test_T_R_low_temperature_expansion_is_continuous():
    # near T_R = 1e-8 the expansion T_R = (4/3) alpha phi(m/sigma)/(sigma (1-C)^2) and the root agree (error O(T^2))
    alpha = 0.0338
    expansion = lines.T_R(alpha)
    s = mixture_state(1, alpha, 0.0)
    phi = math.exp(-0.5 * (s.m / s.sigma) ** 2) / math.sqrt(2 * math.pi)
    assert expansion == pytest.approx(4 / 3 * alpha * phi / (s.sigma * (1 - s.C) ** 2), rel=1e-12)
    assert abs(mixture_state(1, alpha, expansion).replicon) < 1e-6


def test_T_R_small_everywhere():
    # AGS 1987: replica symmetry breaking of the retrieval states is confined to very low T. The values are this
    # package's (no published table was available to us); an independent re-implementation of the same replicon
    # condition gave T_R(0.12) ≈ 0.0050 and no crossing above T = 0.002 for alpha <= 0.1.
    assert lines.T_R(0.12) == pytest.approx(0.0050, abs=1e-4)
    assert lines.T_R(0.1) < 0.002
    assert lines.T_R(0.05) < 1e-5
    assert lines.T_R(0.1379) < 0.025


def test_T_c_tip_matches_the_documented_values():
    # the docstrings state the tip of the reentrant T_c line: alpha ≈ 0.053 at T ≈ 0.085
    res = minimize_scalar(
        lambda T: -lines.alpha_global(T), bounds=(0.02, 0.2), method="bounded", options={"xatol": 1e-6}
    )
    assert -res.fun == pytest.approx(0.053, abs=5e-4)
    assert res.x == pytest.approx(0.085, abs=5e-3)
    assert -res.fun > lines.alpha_0()


def test_alpha_global_near_T_1():
    # AGS 1987: T_c ≈ 1 - 2.6 sqrt(alpha), i.e. alpha_global(T) ≈ ((1 - T)/2.6)^2 (coefficient to 2 digits). The old
    # root finder stopped at an absolute tolerance of 1e-12 in alpha and returned ~alpha_c here
    t = 1 - 1e-6
    assert (1 - t) / math.sqrt(lines.alpha_global(t)) == pytest.approx(2.6, abs=0.05)
    # closer to T = 1 the free-energy gap is below double precision: a NoSolutionError (was a ValueError from brentq)
    with pytest.raises(NoSolutionError, match="not resolved"):
        lines.alpha_global(1 - 1e-9)
    with pytest.raises(NoSolutionError):
        lines.alpha_AT(1 - 1e-9)


def test_T_c_at_tiny_loads():
    # AGS 1987: T_c ≈ 1 - 2.6 sqrt(alpha); below alpha ~ 1e-14 the free-energy gap near T_M is rounding: the old code
    # returned a wrong crossing at 1e-16 ((1 - T_c)/sqrt(alpha) = 1.96) and an IndexError at 9e-19
    assert (1 - lines.T_c(1e-12)) / math.sqrt(1e-12) == pytest.approx(2.6, abs=0.05)
    for alpha in (1e-16, 8.96024932865016e-19):
        with pytest.raises(NoSolutionError, match="not resolved in double precision"):
            lines.T_c(alpha)
