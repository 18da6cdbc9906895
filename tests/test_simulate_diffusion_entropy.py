"""Quenched excess entropy at population test points (simulate/diffusion/entropy.py): identities and Jensen's bound.

The estimator of draws from the empirical density is tested against the Gaussian closed form in
tests/test_analysis_diffusion_entropy.py.
"""

import math

import numpy as np
import pytest
from scipy.special import logsumexp

from amphase.errors import ParameterError
from amphase.simulate.diffusion.entropy import population_crossing, population_excess_entropy
from amphase.simulate.seeding import child_rng
from amphase.theory.diffusion.regimes import collapse_time

SEED = np.random.SeedSequence(20261207)


def _annealed(t: float, n: int, d: int) -> float:
    """alpha - log(1 + e^-2t/Delta_t)/2: the excess entropy of N(0, I_d) data with log E_train P^e = log P_t."""
    return math.log(n) / d - 0.5 * math.log1p(math.exp(-2 * t) / -math.expm1(-2 * t))


def test_population_estimator_is_the_mean_log_density() -> None:
    # f_q = alpha + (1 + log 2 pi Delta)/2 + (1/d) mean log P^e(x), with the |z|^2/2d control variate: per draw the
    # estimate is |z|^2/2d - 1/2 more than the plain mean, whose mean is 0; checked draw set by draw set, brute force
    rng = child_rng(SEED, 0)
    n, d, t = 9, 3, 0.3
    a, y, z = rng.standard_normal((n, d)), rng.standard_normal((50, d)), rng.standard_normal((50, d))
    s, delta = math.exp(-t), -math.expm1(-2 * t)
    x = s * y + math.sqrt(delta) * z
    sq = ((x[:, None, :] - s * a[None]) ** 2).sum(-1)
    log_p = logsumexp(-sq / (2 * delta), axis=1) - math.log(n) - 0.5 * d * math.log(2 * math.pi * delta)
    direct = math.log(n) / d + 0.5 * (1 + math.log(2 * math.pi * delta)) + log_p / d + (z * z).sum(1) / (2 * d) - 0.5
    est = population_excess_entropy(a, t, y, z)
    assert est.f == pytest.approx(direct.mean(), rel=1e-12)
    assert est.stderr == pytest.approx(direct.std(ddof=1) / math.sqrt(50), rel=1e-10)
    assert est.alpha == pytest.approx(math.log(n) / d, rel=1e-15)


def test_quenched_excess_entropy_lies_below_the_annealed_curve() -> None:
    # Jensen: E_train log P^e_t(x) <= log E_train P^e_t(x) = log P_t(x) for training points drawn from the population,
    # so the training-set average of f_q is at most the annealed curve, zero at BBBM's t_C. Near t_C the gap is the
    # finite-d effect (measured 0.053 at n = 500, d = 16); far above it, P^e_t ~ P_t and the gap is below the noise.
    # 8 training sets x 600 test points; errors: spread over training sets / sqrt(8).
    rng = child_rng(SEED, 1)
    n, d = 500, 16
    t_c = collapse_time(n, d, 1.0)
    sets = [(rng.standard_normal((n, d)), rng.standard_normal((600, d)), rng.standard_normal((600, d)))
            for _ in range(8)]  # fmt: skip
    for ratio in (0.7, 1.0, 2.0, 3.0):
        t = ratio * t_c
        f = np.array([population_excess_entropy(a, t, y, z).f for a, y, z in sets])
        mean, se = f.mean(), f.std(ddof=1) / math.sqrt(f.size)
        assert mean <= _annealed(t, n, d) + 4 * se, (ratio, mean, se)
        if ratio <= 1.0:
            assert mean < _annealed(t, n, d) - 10 * se, (ratio, mean, se)  # the gap is real near the collapse
    # and the crossing of 0 comes at or after t_C (f_q(t_C) < 0 for every training set here)
    roots = np.array([population_crossing(a, y, z, 0.2 * t_c, 5 * t_c, scan=8) for a, y, z in sets[:3]])
    assert np.all(roots > t_c)
    a, y, z = sets[0]
    assert abs(population_excess_entropy(a, float(roots[0]), y, z).f) < 1e-6  # a zero of the same estimate


def test_population_crossing_edge_cases_and_errors() -> None:
    rng = child_rng(SEED, 2)
    a, y, z = rng.standard_normal((20, 4)), rng.standard_normal((30, 4)), rng.standard_normal((30, 4))
    t_c = collapse_time(20, 4, 1.0)
    assert math.isnan(population_crossing(a, y, z, 3 * t_c, 5 * t_c))  # no zero above the collapse
    with pytest.raises(ParameterError, match="t_lo"):
        population_crossing(a, y, z, 1.0, 0.5)
    with pytest.raises(ParameterError, match="test_points"):
        population_excess_entropy(a, 0.5, y[:, :3], z)
    with pytest.raises(ParameterError, match="test_points"):
        population_excess_entropy(a, 0.5, y, z[:10])
    with pytest.raises(ParameterError, match="scan"):
        population_crossing(a, y, z, 0.1, 1.0, scan=1)
    with pytest.raises(ParameterError, match=r"^t=0"):
        population_excess_entropy(a, 0.0, y, z)
