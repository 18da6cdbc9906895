"""Closed forms for the basins of two memories (theory/diffusion/basins.py) against independent computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from scipy.stats import norm

from amphase.errors import ParameterError
from amphase.theory.diffusion.basins import (
    P_CRIT,
    pair_basin_noise,
    pair_energy,
    pair_prediction,
    pair_return_probability,
)

BETA = 20.0


def _energy_1d(x: float, D: float, beta: float) -> float:
    """The two-memory LSE energy on the axis, written out directly (memories at +-D/2)."""
    return -np.logaddexp(-beta * (x - D / 2) ** 2, -beta * (x + D / 2) ** 2) / beta


def _minimum(D: float, beta: float) -> tuple[float, float]:
    """(position >= 0, energy) of the minimum by bounded scalar minimisation: independent of the tanh root."""
    res = minimize_scalar(_energy_1d, bounds=(0.0, D / 2 + 1.0), args=(D, beta), method="bounded",
                          options={"xatol": 1e-12})  # fmt: skip
    return float(res.x), float(res.fun)


@pytest.mark.parametrize("D", [0.4, 0.5, 0.8, 1.5])
def test_pair_energy_is_the_minimum_of_the_energy(D: float) -> None:
    """beta D^2/2 = 1.6 ... 22.5: two minima off the midpoint; the minimum found by brute force has the same energy."""
    _, e = _minimum(D, BETA)
    assert math.isclose(pair_energy(D, BETA), e, rel_tol=0, abs_tol=1e-12)


def test_merged_pair_energy_exact() -> None:
    """Merged pair (beta D^2 <= 2): the midpoint, E = D^2/4 - ln(2)/beta exactly (derived in the module docstring)."""
    D = 0.25  # beta D^2 / 2 = 0.625
    assert math.isclose(pair_energy(D, BETA), D * D / 4 - math.log(2) / BETA, rel_tol=1e-14)
    x, e = _minimum(D, BETA)
    assert abs(x) < 1e-5 and math.isclose(e, D * D / 4 - math.log(2) / BETA, abs_tol=1e-12)


@pytest.mark.parametrize("D", [0.4, 1.0])
def test_pair_basin_noise_is_where_the_half_plane_probability_is_p_crit(D: float) -> None:
    """Phi(h / r_basin) = 0.9 with h the brute-force minimum position; Phi^-1(0.9) = 1.2815516 (tables)."""
    h, _ = _minimum(D, BETA)
    r = pair_basin_noise(D, BETA)
    assert math.isclose(r, h / 1.2815515655446004, rel_tol=1e-8)
    assert math.isclose(float(pair_return_probability(h, r)), P_CRIT, rel_tol=1e-8)
    assert math.isnan(pair_basin_noise(0.25, BETA))  # merged: no basin boundary between two minima


def test_pair_prediction_averages_over_attractors() -> None:
    """The mean of Phi(h_a / r) over attractors, level by level; NaN without attractors."""
    h = np.array([0.3, 0.5])
    levels = np.array([0.1, 0.2, 0.4])
    expect = 0.5 * (norm.cdf(0.3 / levels) + norm.cdf(0.5 / levels))
    assert np.allclose(pair_prediction(h, levels), expect, rtol=0, atol=1e-15)
    assert np.isnan(pair_prediction([], levels)).all()


def test_bad_input() -> None:
    with pytest.raises(ParameterError, match="D"):
        pair_basin_noise(0.0, BETA)
    with pytest.raises(ParameterError, match="beta"):
        pair_energy(1.0, -1.0)
    with pytest.raises(ParameterError, match="p_crit"):
        pair_basin_noise(1.0, BETA, 1.0)
    with pytest.raises(ParameterError, match="increase"):
        pair_prediction([0.1], [0.2, 0.1])


def test_pair_basin_noise_refuses_a_critical_probability_a_pair_always_exceeds():
    # Phi(h/r) > 1/2 for every noise r when h > 0, so p_crit <= 1/2 has no critical noise (it divided by
    # Phi^-1(p_crit) <= 0 before: ZeroDivisionError at 1/2, a negative noise below)
    for p in (0.5, 0.3):
        with pytest.raises(ParameterError, match=r"p_crit=.*\(0.5, 1\)"):
            pair_basin_noise(1.0, 10.0, p)
