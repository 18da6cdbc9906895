"""Composite Gauss–Legendre Gaussian averages: exact identities and independent references."""

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.special import erf

from amphase.theory.quadrature import field_nodes, log2cosh, sech2

means = st.floats(-3.0, 3.0)
widths = st.floats(0.01, 3.0)
betas = st.floats(0.05, 1e8)


@given(means, widths, betas)
@settings(max_examples=200, deadline=None)
@example(0.3359375, 0.05078125, 0.5)  # the last edge of a panel run missed the switch by rounding: a zero-width panel
def test_weights_are_a_probability(a, sigma, beta):
    x, w, h = field_nodes(a, sigma, beta)
    assert np.all(w > 0)
    np.testing.assert_allclose(h, a + sigma * x, rtol=0, atol=1e-14 * (1 + abs(a) + 10 * sigma))
    assert abs(w.sum() - 1.0) < 1e-14  # the density beyond |x| = 10 is < 1e-22
    assert np.all(np.diff(x) > 0)


@given(means, widths, betas)
@settings(max_examples=200, deadline=None)
def test_stein_identity(a, sigma, beta):
    # Gaussian integration by parts: E[x tanh(beta(a + sigma x))] = beta sigma E[sech^2(beta(a + sigma x))]
    x, w, h = field_nodes(a, sigma, beta)
    u = beta * h
    lhs = w @ (x * np.tanh(u))
    rhs = beta * sigma * (w @ sech2(u))
    assert lhs == pytest.approx(rhs, rel=1e-13, abs=1e-15)


@pytest.mark.parametrize(
    ("a", "sigma", "beta"),
    [(0.0, 2.0, 2.0), (1.0, 1.0, 550963.0), (0.3, 0.05, 1e3), (0.967, 0.45, 1e8), (2.5, 0.3, 0.7), (-0.4, 1.3, 40.0)],
)
def test_against_arbitrary_precision(a, sigma, beta):
    # mpmath at 30 digits, with the switch at x0 = -a/sigma and its layer as break points, is the reference
    mp.mp.dps = 30
    _x, w, h = field_nodes(a, sigma, beta)
    u = beta * h
    x0, layer = -a / sigma, 20 / (beta * sigma)
    pairs = [
        (np.tanh, mp.tanh),
        (lambda v: np.tanh(v) ** 2, lambda t: mp.tanh(t) ** 2),
        (lambda v: sech2(v) ** 2, lambda t: mp.sech(t) ** 4),
        (log2cosh, lambda t: mp.log(2 * mp.cosh(t))),
    ]
    for g, gm in pairs:
        ref = mp.quad(
            lambda t, gm=gm: mp.exp(-t * t / 2) / mp.sqrt(2 * mp.pi) * gm(beta * (a + sigma * t)),
            [-mp.inf, x0 - layer, x0, x0 + layer, mp.inf],
        )
        assert w @ g(u) == pytest.approx(float(ref), rel=1e-13, abs=1e-15)


@pytest.mark.parametrize(("a", "sigma"), [(0.9, 0.4), (0.1, 1.0), (-0.5, 0.3)])
def test_zero_temperature_limit(a, sigma):
    # E[tanh(beta h)] -> E[sign h] = erf(a / (sigma sqrt 2)); the difference is O(1/(beta sigma)^2)
    beta = 1e6
    _, w, h = field_nodes(a, sigma, beta)
    assert w @ np.tanh(beta * h) == pytest.approx(erf(a / (sigma * math.sqrt(2))), abs=10 / (beta * sigma) ** 2)


def test_no_noise_is_a_single_node():
    x, w, h = field_nodes(0.7, 0.0, 3.0)
    assert x.tolist() == [0.0] and w.tolist() == [1.0] and h.tolist() == [0.7]


def test_overflow_safe_helpers():
    u = np.array([-1e6, -30.0, 0.0, 30.0, 1e6])
    assert np.all(np.isfinite(sech2(u))) and sech2(np.array([0.0]))[0] == 1.0
    np.testing.assert_allclose(log2cosh(u), np.abs(u) + np.log1p(np.exp(-2 * np.abs(u))))
    assert log2cosh(np.array([0.0]))[0] == pytest.approx(math.log(2.0), rel=1e-15)
