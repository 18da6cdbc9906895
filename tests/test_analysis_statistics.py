"""Clustered means, binomial step fits and finite-size extrapolation."""

import numpy as np
import pytest
from scipy.special import erfc

from amphase.analysis.statistics import (
    clustered_mean,
    extrapolate,
    fit_step,
    step_probability,
    trial_mean,
    wilson_interval,
)


def test_clustered_mean_reduces_to_the_plain_standard_error():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 1))
    mean, err, n = clustered_mean(x, np.ones_like(x, dtype=bool))
    assert n == 50 and mean == pytest.approx(x.mean())
    assert err == pytest.approx(x.std(ddof=1) / np.sqrt(50))


def test_clustered_mean_counts_realizations_not_trials():
    # identical trials inside a realization carry no more information than one
    base = np.random.default_rng(1).normal(size=(20, 1))
    _, err_one, _ = clustered_mean(base, np.ones_like(base, dtype=bool))
    four = np.repeat(base, 4, axis=1)
    _, err_four, n = clustered_mean(four, np.ones_like(four, dtype=bool))
    assert n == 80 and err_four == pytest.approx(err_one)
    assert np.isnan(clustered_mean(base, np.zeros_like(base, dtype=bool))[0])


@pytest.mark.parametrize("shape", ["erfc", "logistic"])
def test_step_fit_recovers_a_known_step_within_its_error(shape):
    rng = np.random.default_rng(2)
    x = np.linspace(0.13, 0.165, 8)  # within two widths of the step, where the deviance is ~ chi^2
    n = np.full(x.size, 400)
    w = 0.01 if shape == "erfc" else 0.01 * np.sqrt(3) / np.pi  # the same standard deviation of the step
    fits = []
    for _ in range(40):
        k = rng.binomial(n, step_probability(x, 0.147, w, shape))
        fits.append(fit_step(x, k, n, shape))
    x0 = np.array([f.x0 for f in fits])
    err = np.array([f.x0_error for f in fits])
    pulls = (x0 - 0.147) / err
    assert abs(pulls.mean()) < 3 / np.sqrt(40)  # unbiased
    assert 0.7 < pulls.std() < 1.3  # the Fisher error is the actual scatter
    # chi^2 with 6 dof: mean 6, standard error of the mean of 40 sqrt(12/40) = 0.55
    assert np.mean([f.deviance for f in fits]) == pytest.approx(6, abs=3 * 0.55)
    with pytest.raises(ValueError, match="shape"):
        fit_step(x, k, n, "probit")


def test_logistic_step_is_the_logistic_function():
    x = np.array([-1.0, 0.0, 2.0])
    assert np.allclose(step_probability(x, 0.5, 0.3, "logistic"), 1 / (1 + np.exp((x - 0.5) / 0.3)), rtol=1e-14)
    assert np.allclose(step_probability(x, 0.5, 0.3), 0.5 * erfc((x - 0.5) / (np.sqrt(2) * 0.3)), rtol=1e-14)


def test_extrapolation_is_exact_on_exact_data():
    N = np.array([1000, 2000, 4000, 8000, 16000], dtype=float)
    y = 0.138 + 0.9 * N**-0.5
    fit = extrapolate(N, y, np.full(5, 1e-4), nu=0.5)
    assert fit.y_inf == pytest.approx(0.138, abs=1e-12) and fit.chi2 == pytest.approx(0, abs=1e-12)
    y = 0.138 + 0.5 * N**-0.4
    free = extrapolate(N, y, np.full(5, 1e-5))
    assert free.y_inf == pytest.approx(0.138, abs=1e-6) and free.nu == pytest.approx(0.4, abs=1e-4)
    with pytest.raises(ValueError, match="at least four sizes"):
        extrapolate(N[:3], y[:3], np.ones(3))


def test_wilson_interval_exact_values():
    # k = 0: [0, z^2/(n + z^2)]; k = n: [n/(n + z^2), 1]; symmetric about 1/2 at k = n/2
    lo, hi = wilson_interval(np.array([0, 10, 5]), np.array([10, 10, 10]))
    np.testing.assert_allclose([lo[0], hi[0]], [0, 1 / 11], atol=1e-15)
    np.testing.assert_allclose([lo[1], hi[1]], [10 / 11, 1], atol=1e-15)
    assert lo[2] + hi[2] == pytest.approx(1.0)
    # large n: close to p -/+ sqrt(p (1 - p) / n)
    lo, hi = wilson_interval(3000, 10000)
    assert (hi - lo) / 2 == pytest.approx(np.sqrt(0.21 / 10000), rel=1e-3)


def test_trial_mean_is_the_naive_standard_error():
    values = np.array([[1.0, 2.0, 4.0, 9.0]])
    mean, err, n = trial_mean(values, np.array([[True, True, True, False]]))
    assert (mean, n) == (7 / 3, 3)
    assert err == pytest.approx(np.std([1.0, 2.0, 4.0], ddof=1) / np.sqrt(3), rel=1e-15)
    assert np.isnan(trial_mean(values, np.array([[True, False, False, False]]))[1])  # one value: undefined


def test_few_realizations_note_follows_student_t():
    from amphase.analysis.statistics import few_realizations_note

    # Student's t, 95 % two-sided: 12.71 at 1 degree of freedom, 2.571 at 5 (tables); the normal 1.96
    two = few_realizations_note(2)
    assert "R = 2 realizations (1 degree of freedom)" in two and "±12.7 s.e. (normal: ±1.96)" in two
    assert "±2.6 s.e." in few_realizations_note(6)  # 2.571: 31 % wider than the normal range
    assert few_realizations_note(7) == ""  # 2.447: 25 % wider, the threshold
    assert few_realizations_note(40) == ""
    assert "single realization" in few_realizations_note(1)
