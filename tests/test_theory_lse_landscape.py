"""The LSE landscape beside the families: merging distances, gap statistics, the Rice limit, the ring-profile model."""

import math

import numpy as np
import pytest
from scipy.integrate import dblquad
from scipy.special import ive

from amphase import theory
from amphase.errors import ParameterError
from amphase.theory import lse_circle_counts as lc
from amphase.theory import lse_circle_profile as lp
from amphase.theory import lse_landscape as ll
from amphase.theory import lse_merging as lm


@pytest.mark.parametrize("w", [0.5, 0.6, 0.8])
def test_own_gain_is_where_the_pair_minimum_carries_that_weight(w):
    # pair minimum at (D/2) u carries w = (1 + u)/2 (pair_minima, exact); at g = beta D^2/2 = own_gain(w): u = 2w - 1
    beta = 3.0
    g = lm.own_gain(w)
    D = lm.merge_distance(beta, w)
    assert beta * D * D / 2 == pytest.approx(g, rel=1e-14)
    above = ll.pair_minima(D * 1.001, beta)
    below = ll.pair_minima(D * 0.999, beta)
    assert (1 + above.x / (D * 1.001 / 2)) / 2 > w
    assert (1 + below.x / (D * 0.999 / 2)) / 2 < w or below.x == 0
    assert lm.merge_distance(beta) == math.sqrt(2 / beta)  # pair merging, exact (Hessian 2 - beta D^2)


def test_cap_fraction_and_merge_probability_exact_cases():
    for t in (0.1, 1.0, 2.5):
        assert lm.cap_fraction(t, 1) == pytest.approx(t / math.pi, rel=1e-13)  # circle
        assert lm.cap_fraction(t, 2) == pytest.approx((1 - math.cos(t)) / 2, rel=1e-13)  # S^2: cap area / 4 pi
    assert lm.merge_probability(0.3, "line", 2.0) == pytest.approx(2 * 0.15 - 0.15**2, rel=1e-15)
    assert lm.merge_probability(3.0, "line", 2.0) == 1.0
    D = 0.4  # circle of radius 2 at chord D: angle 2 asin(D/4)
    assert lm.merge_probability(D, "circle", 2.0) == pytest.approx(2 * math.asin(0.1) / math.pi, rel=1e-14)


def test_two_gap_probability_by_quadrature():
    # K = 3 uniform angles: gaps 2 pi Dirichlet(1, 1, 1), uniform on the simplex; P(g1 > a, g2 > a) = (1 - a/pi)^2
    a = 0.7
    L = 2 * math.pi
    p, _ = dblquad(lambda y, x: 1.0, a, L - a, lambda x: a, lambda x: L - x)  # area where g1, g2 > a, g3 >= 0
    assert p / (L * L / 2) == pytest.approx((1 - a / math.pi) ** 2, rel=1e-10)


@pytest.mark.parametrize("K", [2, 6, 15])
def test_gap_counts_against_enumeration(K):
    beta, n = 20.0, 20000
    gap = lc.circle_gap_counts(K, beta)
    rng = np.random.default_rng(K)
    th = np.sort(rng.uniform(0, 2 * np.pi, (n, K)), axis=1)
    g = np.diff(np.concatenate([th, th[:, :1] + 2 * np.pi], axis=1), axis=1)  # gap after each memory
    own = ((g > gap.own_angle) & (np.roll(g, 1, axis=1) > gap.own_angle)).sum(axis=1)
    runs = (g > gap.merge_angle).sum(axis=1)
    for measured, expected in ((own, gap.own), (runs, gap.minima)):
        se = measured.std(ddof=1) / math.sqrt(n)
        assert abs(measured.mean() - expected) < 4 * se, (measured.mean(), expected, se)


def test_rice_count_against_a_synthetic_gaussian_process():
    # X(t) = sum_m sqrt(c_m) (a_m cos mt + b_m sin mt), c_m = I_m(kappa)^2: covariance sum_{m != 0} I_m^2 e^{im t}/2
    kappa, n, grid = 10.0, 4000, 2048
    c = ive(np.arange(1, 40), kappa)
    m = np.arange(1, 40)
    t = 2 * np.pi * np.arange(grid) / grid
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, n, len(m))) * c
    dx = (b * m) @ np.cos(np.outer(m, t)) - (a * m) @ np.sin(np.outer(m, t))  # X'(t)
    up = dx > 0
    count = (up & ~np.roll(up, -1, axis=1)).sum(axis=1)
    se = count.std(ddof=1) / math.sqrt(n)
    assert abs(count.mean() - lc.ring_maxima_limit(kappa)) < 4 * se, (count.mean(), se)


def test_rice_limit_identities():
    # exact sums against the large-kappa form sqrt(3 kappa / 2) (I_m / I_0 ~ exp(-m^2 / 2 kappa), error O(1/kappa))
    for kappa in (100.0, 1000.0):
        assert lc.ring_maxima_limit(kappa) == pytest.approx(math.sqrt(1.5 * kappa), rel=2 / kappa)
    assert lc.line_maxima_density(20.0) * 2 * math.pi == pytest.approx(math.sqrt(60.0), rel=1e-15)


def test_profile_model_limits():
    beta = 20.0
    assert lp.circle_profile_counts(1, beta, draws=4) == (1.0, 0.0, 1.0, 0.0, 0.0, 0.0)
    # small K: the pair rule (its merging angle agrees with the model's to relative order 1/beta^2)
    p, g = lp.circle_profile_counts(5, beta, draws=2000, seed=1), lc.circle_gap_counts(5, beta)
    assert abs(p.minima - g.minima) < 4 * p.minima_error + 0.02
    # large K: the Rice limit (same Gaussian process to leading order)
    big = lp.circle_profile_counts(2000, beta, draws=300, seed=2)
    limit = lc.ring_maxima_limit(2 * beta * ll.circle_ring(beta).R)
    assert abs(big.minima - limit) < 4 * big.minima_error and big.own == 0.0


def test_circle_minima_quantity():
    out = theory.get("dense.circle_minima")(beta=20, K=10, draws=50)
    assert out["minima"] == out["own"] + out["spurious"]
    assert out["own_pair"] == pytest.approx(lc.circle_gap_counts(10, 20.0).own, rel=1e-15)
    with pytest.raises(ParameterError, match="beta"):
        theory.get("dense.circle_minima")(beta=0.9, K=10)


def test_spurious_onset():
    q = theory.get("diffusion.spurious_onset")
    out = q(beta=20, manifold="circle")
    K = out["K_onset"]
    assert K * (K - 1) / 2 * out["p_merge"] == pytest.approx(1.0, rel=1e-12)  # expected merged pairs = 1
    assert out["minima_limit"] == pytest.approx(lc.ring_maxima_limit(2 * 20 * ll.circle_ring(20.0).R), rel=1e-15)
    assert q(sigma=1 / math.sqrt(40), manifold="circle") == pytest.approx(out, rel=1e-12)  # beta = 1/(2 sigma^2)
    # a circle of radius 2 at beta is the unit circle at 4 beta
    scaled = q(beta=5, manifold="circle", scale=2.0)
    for key in ("p_merge", "K_onset", "K_peak", "K_half", "minima_limit"):
        assert scaled[key] == pytest.approx(out[key], rel=1e-12)
    own = lc.circle_gap_counts  # K_peak maximises K (1 - p_own)^(K-1)
    p_own = lm.merge_probability(lm.merge_distance(20.0, 0.6), "circle")
    kp = out["K_peak"]
    assert kp * (1 - p_own) ** (kp - 1) == pytest.approx(out["memory_peak"], rel=1e-12)
    assert own(round(kp), 20.0).own >= max(own(round(kp) - 2, 20.0).own, own(round(kp) + 2, 20.0).own)
    assert (1 - p_own) ** (out["K_half"] - 1) == pytest.approx(0.5, rel=1e-12)
    assert math.isnan(q(beta=20, manifold="sphere", n=2)["minima_limit"])
    assert q(beta=3, manifold="line", scale=5.0)["minima_limit"] == pytest.approx(5 * math.sqrt(9) / (2 * math.pi))
    with pytest.raises(ParameterError, match="exactly one of sigma"):
        q(beta=1, sigma=1)
    with pytest.raises(ParameterError, match="intrinsic dimension"):
        q(beta=1, manifold="line", n=2)


def test_ring_flatness_identities() -> None:
    from amphase.theory.lse_circle_counts import ring_curvature_scale, ring_flatness
    from amphase.theory.lse_landscape import circle_ring

    r = ring_flatness(512, 10.0, 0.4)
    assert r.R == circle_ring(10.0).R and r.kappa == pytest.approx(20.0 * r.R)
    # the flat fraction is exactly 1/2 at K_half, and the median curvature equals lambda_flat there
    half = ring_flatness(r.K_half, 10.0, 0.4)
    assert half.flat_fraction == pytest.approx(0.5, rel=1e-12)
    assert half.median_curvature == pytest.approx(0.4, rel=1e-12)
    # the curvature falls as K^-1/2
    assert ring_flatness(4 * 512, 10.0, 0.4).median_curvature == pytest.approx(r.median_curvature / 2, rel=1e-12)
    # large kappa: I_m/I_0 ~ exp(-m^2/2 kappa), so lambda_4 -> 2 * (3/8) sqrt(pi) kappa^(5/2)
    k = 4000.0
    assert ring_curvature_scale(k) == pytest.approx(0.75 * math.sqrt(math.pi) * k**2.5, rel=2e-3)
    with pytest.raises(ValueError, match="beta"):
        ring_flatness(10, 1.0, 0.1)


def test_ring_minima_curvature_against_simulated_rings() -> None:
    # Rice's law at maxima (derived in ring_flatness) against the minima of 24 random rings at K = 256, beta = 10,
    # found from 360 starts each: the fraction of minima flatter than lambda_flat = 0.4 agrees with the prediction
    # within 3 binomial standard errors of the number of minima found (~130); the finite-K corrections are of
    # relative order K^-1/2 (ring_maxima_limit).
    from amphase.simulate.descent import fixed_point_iteration
    from amphase.simulate.lse import lse
    from amphase.theory.lse_circle_counts import ring_flatness

    beta, K, lam = 10.0, 256, 0.4
    low = []
    for r in range(24):
        th = np.random.default_rng(1000 + r).uniform(0, 2 * np.pi, K)
        energy = lse(beta, np.c_[np.cos(th), np.sin(th)])
        a = np.linspace(0, 2 * np.pi, 360, endpoint=False)
        res = fixed_point_iteration(energy, 0.97 * np.c_[np.cos(a), np.sin(a)], tol=1e-11, max_steps=50_000)
        x = res.x[res.converged]
        _, first = np.unique(np.round(np.arctan2(x[:, 1], x[:, 0]), 4), return_index=True)
        low.extend(energy.hessian_eigenvalues(x[first])[:, 0])
    low = np.asarray(low)
    p = ring_flatness(K, beta, lam).flat_fraction
    n = len(low)
    assert 90 < n < 170  # Rice: 5.39 minima per ring
    assert abs((low < lam).mean() - p) < 3 * math.sqrt(p * (1 - p) / n)
