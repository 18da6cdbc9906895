"""The barrier law's exact pieces: the shell, the one scale, the pair, the dense field's constants."""

import math

import numpy as np
import pytest
from scipy.integrate import dblquad

from amphase.theory import lse_barrier_sample as bs
from amphase.theory import lse_barriers as lb
from amphase.theory import lse_circle_counts as lc
from amphase.theory import lse_landscape as ll
from amphase.theory.diffusion.generalization import DENSE_BARRIER_MEDIAN


@pytest.mark.parametrize("beta", [1.2, 5.0, 40.0])
def test_shell_radius_is_the_ring_on_the_circle_and_the_langevin_root_on_the_sphere(beta):
    assert lb.shell_radius(beta, 1) == pytest.approx(ll.circle_ring(beta).R, rel=1e-12)
    if beta > 1.5:
        R = lb.shell_radius(beta, 2)
        z = 2 * beta * R
        assert R == pytest.approx(1 / math.tanh(z) - 1 / z, rel=1e-12)  # Langevin function
    else:
        assert lb.shell_radius(beta, 2) == 0.0  # beta_c = 3/2 on S^2


def test_scaled_density_volumes():
    sd = lb.scaled_density(100, 20.0, "circle")
    R = ll.circle_ring(20.0).R
    assert sd.kappa == pytest.approx(40 * R) and sd.volume == pytest.approx(2 * math.pi * math.sqrt(20 * R))
    assert lb.scaled_density(100, 20.0, "circle", scale=2.0).nu == pytest.approx(
        lb.scaled_density(100, 80.0, "circle").nu
    )
    assert lb.scaled_density(50, 16.0, "line", scale=3.0).nu == pytest.approx(50 / 12.0)
    s2 = lb.scaled_density(10, 20.0, "sphere")
    assert s2.volume == pytest.approx(2 * math.pi * s2.kappa)
    assert math.isnan(lb.scaled_density(10, 1.4, "sphere").nu)


@pytest.mark.parametrize("a", [1.6, 2.5, 4.0])
def test_pair_barrier_is_the_two_point_energy_difference(a):
    pts = np.array([[-a / 2], [a / 2]])  # beta = 1, u = s
    x = ll.pair_minima(a, 1.0).x
    direct = ll.energy(np.array([0.0]), pts, 1.0) - ll.energy(np.array([x]), pts, 1.0)
    assert lb.pair_barrier(a) == pytest.approx(direct, rel=1e-12)
    assert lb.pair_distance(lb.pair_barrier(a)) == pytest.approx(a, rel=1e-9)
    assert lb.pair_barrier(1.4) == 0.0  # merged: a <= sqrt 2


def test_pair_barrier_far_apart_is_a2_over_4_minus_ln2():
    a = 6.0  # corrections e^{-a^2}
    assert lb.pair_barrier(a) == pytest.approx(a * a / 4 - math.log(2), abs=1e-12)


def test_an_isolated_pair_on_the_line_has_the_pair_barrier():
    # two points 2.2 apart in u (beta = 4: s-separation 1.1), far from the segment's ends
    beta = 4.0
    res, curv, _ = bs.profile_minima(np.array([4.0, 5.1]), beta, "line", scale=10.0)
    assert len(res.minima) == 2
    # grid h = 0.02 in u: each extremum read within h/2, error |V''| h^2/8: V'' = 2 at a minimum (V ~ u^2), 2 - a^2 at
    # the midpoint of the pair (2 - 4 Var_w)
    np.testing.assert_allclose(res.barrier, lb.pair_barrier(2.2), atol=(2 + abs(2 - 2.2**2)) * 0.02**2 / 8)
    assert np.all(curv > 0)


def test_dense_constants():
    # Rice: sqrt(lambda4/lambda2)/(2 pi) with lambda2 = 1, lambda4 = 3 for the covariance exp(-u^2/2)
    assert lb.DENSE_MINIMA[1] == pytest.approx(lc.line_maxima_density(1.0), rel=1e-15)
    # Kac-Rice in 2-D: E|det H| 1{H < 0} over 2 pi, H = s +- rho, s ~ N(0, 2), rho^2 ~ Exp(mean 2)
    val = dblquad(
        lambda s, t: (s * s - t) * math.exp(-s * s / 4) / math.sqrt(4 * math.pi) * 0.5 * math.exp(-t / 2),
        0,
        np.inf,
        lambda t: -np.inf,
        lambda t: -math.sqrt(t),
    )[0]
    assert val / (2 * math.pi) == pytest.approx(lb.DENSE_MINIMA[2], rel=1e-8)
    assert lb.dense_curvature_median(1) == pytest.approx(math.sqrt(6 * math.log(2)), rel=1e-15)
    assert lb.dense_scale(2.0, 1) == pytest.approx((2.0 * math.sqrt(2 * math.pi)) ** -0.5)


def test_two_dimensional_curvature_median_by_weighted_sampling():
    # the Kac-Rice weight (s^2 - rho^2) 1{s < -rho} on samples of the Hessian; weighted median of -s - rho
    rng = np.random.default_rng(0)
    n = 2_000_000
    s = rng.normal(0, math.sqrt(2), n)
    rho = np.sqrt(rng.exponential(2.0, n))
    w = np.where(s < -rho, s * s - rho * rho, 0.0)
    mu = -s - rho
    order = np.argsort(mu)
    cw = np.cumsum(w[order]) / w.sum()
    med = mu[order][np.searchsorted(cw, 0.5)]
    n_eff = w.sum() ** 2 / (w * w).sum()
    dens = ((np.abs(mu - med) < 0.02) * w).sum() / w.sum() / 0.04  # weighted density at the median
    se = 0.5 / (dens * math.sqrt(n_eff))
    assert abs(med - lb.dense_curvature_median(2)) < 4 * se, (med, lb.dense_curvature_median(2), se)


@pytest.mark.parametrize("n", [1, 2])
def test_dense_field_has_the_rice_density_of_maxima(n):
    d = lb.dense_barriers(
        n, draws=16 if n == 1 else 6, seed=2, length=64.0 if n == 1 else 24.0, h=0.05 if n == 1 else 0.1
    )
    assert abs(d.maxima_density - lb.DENSE_MINIMA[n]) < 4 * d.maxima_error


def test_ring_field_has_the_rice_number_of_maxima():
    kappa = 2 * 10.0 * lb.shell_radius(10.0)
    d = lb.ring_dense_barriers(kappa, draws=400, seed=1)
    assert abs(d.maxima_density - lc.ring_maxima_limit(kappa)) < 4 * d.maxima_error


@pytest.mark.slow
@pytest.mark.parametrize("n", [1, 2])
def test_dense_barrier_median_constant_is_reproduced(n):
    # the constant of diffusion.generalization: an independent seed agrees within the two standard errors
    d = lb.dense_barriers(n, draws=2000 if n == 1 else 100, seed=7, length=64.0 if n == 1 else 32.0,
                          h=0.025 if n == 1 else 0.1)  # fmt: skip
    m, e = DENSE_BARRIER_MEDIAN[n]
    assert abs(d.median - m) < 4 * math.hypot(e, d.median_error)


@pytest.mark.slow
def test_sparse_law_is_the_first_order_of_the_sampled_law():
    # nu = 0.01 points per unit u on a ring of 1000 u (the circle at beta = (1000/2 pi)^2 / R: flat to 1e-4, no ends).
    # The next order needs a second neighbour within a_tau of the same point: allowed (2 nu a_tau)^2 beside 4 s.e.
    # (this separates the first-order law 0.0237 from the naive 1 - exp(-2 nu a_tau) = 0.051, merging ignored)
    nu, length = 0.01, 1000.0
    beta = (length / (2 * math.pi)) ** 2
    beta /= lb.shell_radius(beta)  # so that 2 pi sqrt(beta R) = length
    K = round(nu * length)
    s = bs.sample_landscapes(K, beta, draws=400, seed=5, curvature=False)
    f, se = bs.fraction_below(s, 1.0)
    f1 = lb.sparse_fraction(s.nu, 1.0)
    assert abs(f - f1) < 4 * se + (2 * nu * lb.pair_distance(1.0)) ** 2, (f, f1, se)
