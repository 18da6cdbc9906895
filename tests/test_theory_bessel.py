"""I_0 and I_1 at every argument (amphase.theory.bessel): the asymptotic branch against mpmath, continuity."""

import math

import mpmath as mp
import pytest

from amphase.theory.bessel import ASYMPTOTIC_FROM, bessel_ratio, bessel_ratio_derivative, log_i0


@pytest.mark.parametrize("z", [0.5, 10.0, 999.0, 1000.0, 1e4, 1e7])
def test_against_mpmath(z):
    mp.mp.dps = 40
    a = mp.besseli(1, z) / mp.besseli(0, z)
    assert bessel_ratio(z) == pytest.approx(float(a), rel=1e-15)
    assert log_i0(z) == pytest.approx(float(mp.log(mp.besseli(0, z))), rel=1e-15)
    # A' loses digits to cancellation below the switch (eps z^2 relative), none above it
    tol = 1e-15 if z >= ASYMPTOTIC_FROM else 1e-16 * z * z + 1e-15
    assert bessel_ratio_derivative(z) == pytest.approx(float(1 - a / z - a * a), rel=tol)


def test_arguments_scipy_cannot_reach():
    # ive is NaN beyond ~2^31: the circle's ring at beta = 1e9 needed z = 2e9
    z = 2e12
    assert bessel_ratio(z) == pytest.approx(1 - 1 / (2 * z), rel=1e-15)
    assert bessel_ratio_derivative(z) == pytest.approx(1 / (2 * z * z), rel=1e-9)
    assert math.isfinite(log_i0(1e300))
