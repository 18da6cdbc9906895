"""Monte Carlo excess entropy of a data set against the Gaussian closed form (analysis/diffusion/entropy.py)."""

import math

import numpy as np
import pytest

from amphase.analysis.diffusion.entropy import crossing_time, excess_entropy, log_density
from amphase.errors import ParameterError
from amphase.simulate.seeding import child_rng
from amphase.theory.diffusion import regimes

SEED = np.random.SeedSequence(18491)


def test_log_density_is_the_gaussian_mixture():
    rng = child_rng(SEED, 0)
    data, x, t = rng.standard_normal((7, 3)), rng.standard_normal((5, 3)), 0.4
    delta = -math.expm1(-2 * t)
    sq = ((x[:, None, :] - math.exp(-t) * data[None]) ** 2).sum(-1)
    direct = np.log(np.exp(-sq / (2 * delta)).mean(axis=1)) - 1.5 * math.log(2 * math.pi * delta)
    np.testing.assert_allclose(log_density(x, data, t), direct, rtol=1e-12)


def test_excess_entropy_of_gaussian_data_follows_the_closed_form():
    # Biroli et al. 2024, Fig. 3: away from the collapse (t >= 1.5 t_C) the finite-d curve follows
    # alpha + log(Delta/(Delta + e^-2t))/2; tolerance 4 Monte Carlo standard errors (1500 draws).
    rng = child_rng(SEED, 1)
    n, d = 3000, 128
    data = rng.standard_normal((n, d))
    t_c = regimes.collapse_time(n, d, 1.0)
    for t in (1.5 * t_c, 2.0 * t_c, 3.0 * t_c):
        est = excess_entropy(data, t, rng, n_draws=1500)
        assert est.alpha == pytest.approx(math.log(n) / d, rel=1e-15)
        assert est.f == pytest.approx(regimes.excess_entropy_gaussian(t, n, d, 1.0), abs=4 * est.stderr)
    deep = excess_entropy(data, 0.5 * t_c, rng, n_draws=200)  # collapsed: every draw sees its own point only
    assert 0 <= deep.f < 0.01 * deep.alpha


def test_crossing_time_of_the_half_level():
    # f/alpha = 1/2 at t = log(1 + 1/(e^alpha - 1))/2 for N(0, I) data (closed form at level q:
    # log(1 + sigma^2/(e^{2 alpha (1 - q)} - 1))/2); the grid's linear interpolation and the Monte Carlo error
    # (4 standard errors over the local slope) bound the difference.
    rng = child_rng(SEED, 2)
    n, d = 3000, 96
    data = rng.standard_normal((n, d))
    alpha = math.log(n) / d
    t_half = 0.5 * math.log1p(1 / math.expm1(alpha))
    times = t_half * np.array([0.9, 0.95, 1.0, 1.05, 1.1])
    ests = [excess_entropy(data, t, rng, n_draws=800) for t in times]
    ratio = np.array([e.f / alpha for e in ests])
    t_est = crossing_time(times, ratio, 0.5)
    slope = np.polyfit(times, ratio, 1)[0]
    theory_ratio = np.array([regimes.excess_entropy_gaussian(t, n, d, 1.0) / alpha for t in times])
    interp_err = np.max(np.abs(theory_ratio - np.interp(times, [times[0], times[-1]], theory_ratio[[0, -1]]))) / slope
    assert t_est == pytest.approx(t_half, abs=4 * max(e.stderr for e in ests) / alpha / slope + interp_err)


def test_crossing_time_edge_cases_and_errors():
    assert crossing_time([1.0, 2.0], [0.2, 0.8], 0.5) == pytest.approx(1.5)
    assert math.isnan(crossing_time([1.0, 2.0], [0.6, 0.8], 0.5))
    with pytest.raises(ParameterError, match="ascending"):
        crossing_time([2.0, 1.0], [0.2, 0.8], 0.5)
    rng = child_rng(SEED, 3)
    with pytest.raises(ParameterError, match=r"^t=0"):
        excess_entropy(np.zeros((3, 2)), 0.0, rng)
    with pytest.raises(ParameterError, match="expected"):
        excess_entropy(np.zeros((1, 2)), 1.0, rng)
    with pytest.raises(ParameterError, match="n_draws"):
        excess_entropy(np.zeros((3, 2)), 1.0, rng, n_draws=1)
