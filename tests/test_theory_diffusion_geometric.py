"""Critical times and dataset sizes of the lost directions of a linear manifold (theory/diffusion/geometric.py)."""

import math

import numpy as np
import pytest

from amphase import theory
from amphase.errors import ParameterError
from amphase.simulate.seeding import child_rng
from amphase.theory.diffusion import geometric

# Achilli et al. 2024, synthetic-experiments/plots_synthetic_theory.ipynb of their code: 30 dimensions, 2 of standard
# deviation 1, 5 of 0.3, the rest ~0 (1e-6), N = 1000 points, normalised data (S = 0).
VARIANCES = np.concatenate([np.full(2, 1.0), np.full(5, 0.09), np.full(23, 1e-12)])


def test_sphere_data_lose_each_group_at_its_variance_over_2_log_n():
    t = geometric.critical_times(VARIANCES, 1000, normalized=True)
    np.testing.assert_allclose(t, VARIANCES / (2 * math.log(1000)), rtol=1e-14)
    assert t[0] == pytest.approx(0.0723824136, rel=1e-9)
    # higher variance first (the "counterintuitive" ordering of the paper's abstract)
    assert t[0] > t[2] > t[-1]


def test_critical_time_solves_the_notebook_criterion():
    # the authors' t_c(t) = sqrt((S + t var)/(2 log N)); lost where t < t_c(t): the boundary is its fixed point
    for normalized in (True, False):
        s = geometric.quartic_term(VARIANCES, normalized)
        for var, t_star in zip(
            VARIANCES[[0, 2]], geometric.critical_times(VARIANCES, 1000, normalized)[[0, 2]], strict=True
        ):
            assert t_star == pytest.approx(math.sqrt((s + t_star * var) / (2 * math.log(1000))), rel=1e-13)


def test_critical_size_and_time_describe_the_same_boundary():
    q = theory.get("diffusion.direction_loss")
    s = geometric.quartic_term(VARIANCES)
    for var in (1.0, 0.09):
        for n in (50, 1000, 10**6):
            out = q(var=var, K=n, t=0.3, quartic=s)
            at_tc = q(var=var, K=n, t=out["t_c"], quartic=s)
            assert at_tc["log_K_c"] == pytest.approx(math.log(n), rel=1e-12)
            assert out["lost"] == float(out["log_K_c"] > math.log(n)) == float(0.3 < out["t_c"])
    np.testing.assert_allclose(
        geometric.critical_sizes(VARIANCES, 0.3)[:3],
        [q(var=v, K=10, t=0.3, quartic=s)["log_K_c"] for v in VARIANCES[:3]],
    )


def test_rem_variance_of_the_log_weights():
    # The reading of the criterion (module docstring): over Gaussian points a ~ N(0, diag var), the log-weight
    # -|x - a|^2/(2t) at a fixed x has variance (sum var^2/2 + sum x^2 var)/t^2.
    rng = child_rng(np.random.SeedSequence(2410), 0)
    var = np.array([1.0, 1.0, 0.09, 0.09, 0.09, 0.01])
    t, x = 0.2, rng.standard_normal(var.size)
    a = rng.standard_normal((200_000, var.size)) * np.sqrt(var)
    w = -np.sum((x - a) ** 2, axis=1) / (2 * t)
    expected = (geometric.quartic_term(var) + np.sum(x * x * var)) / t**2
    # sampling error of a variance: sd(w^2-ish) ~ sqrt((m4 - s^4)/n); 5 standard errors
    se = float(np.std((w - w.mean()) ** 2)) / math.sqrt(w.size)
    assert float(np.var(w)) == pytest.approx(expected, abs=5 * se)


def test_domain_errors_name_the_parameter():
    q = theory.get("diffusion.direction_loss")
    with pytest.raises(ParameterError, match=r"^var="):
        q(var=0.0, K=10)
    with pytest.raises(ParameterError, match=r"^K="):
        q(var=1.0, K=1)
    with pytest.raises(ParameterError, match="n was renamed K"):  # issue 18: the old name says what it became
        q(var=1.0, n=10)
    with pytest.raises(ParameterError, match=r"^quartic="):
        q(var=1.0, K=10, quartic=-1.0)
