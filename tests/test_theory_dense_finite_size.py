"""Finite-N stability of stored patterns of F(x) = x^n: exact moments, exact laws, and the engine's measurement."""

import itertools
import math

import numpy as np
import pytest
from scipy.special import ndtr

from amphase.analysis.statistics import clustered_mean
from amphase.errors import ParameterError
from amphase.simulate.backend import get_backend
from amphase.simulate.binary.energy import Polynomial
from amphase.simulate.dense.binary_preset import unstable_bits
from amphase.simulate.patterns import binary_patterns
from amphase.simulate.seeding import child_rng
from amphase.theory import dense
from amphase.theory.dense import finite_size as fs


def _enumerated_moments(N, n):
    """Moments of T = a g(y) and the pair covariance by enumerating every sign configuration (reference)."""
    g = lambda y: (y + 1) ** n - (y - 1) ** n  # noqa: E731
    ys = [sum(s) for s in itertools.product((-1, 1), repeat=N - 1)]
    v = sum(g(y) ** 2 for y in ys) / len(ys)
    m4 = sum(g(y) ** 4 for y in ys) / len(ys)
    cov = 0
    for a_i, a_j, *rest in itertools.product((-1, 1), repeat=N):
        cov += a_i * g(a_j + sum(rest)) * a_j * g(a_i + sum(rest))
    return v, cov / 2**N, m4


@pytest.mark.parametrize(("N", "n"), [(7, 2), (8, 3), (9, 4)])
def test_moments_against_enumeration(N, n):
    # exact: the binomial sums of flip_moments equal the average over all 2^(N-1) (pairs: 2^N) sign configurations
    v, c, m4 = _enumerated_moments(N, n)
    mom = fs.flip_moments(N, n)
    assert (mom.variance, mom.covariance, mom.fourth) == pytest.approx((v, c, m4), rel=1e-12)
    assert mom.signal == N**n - (N - 2) ** n


@pytest.mark.parametrize("N", [10, 101, 1000])
def test_moments_closed_forms(N):
    # n = 2: g = 4y, v = 16 <y^2> = 16 (N-1), c = (8^2)/4 = 16; n = 3: g = 6y^2 + 2, <y^2> = M, <y^4> = 3M^2 - 2M
    # (rel 1e-10: the binomial weights come from lgamma, exp(lgamma) rounds to ~N u = 2e-13 relative at N = 1000)
    m2 = fs.flip_moments(N, 2)
    assert (m2.variance, m2.covariance) == pytest.approx((16 * (N - 1), 16.0), rel=1e-10)
    M = N - 1
    assert fs.flip_moments(N, 3).variance == pytest.approx(36 * (3 * M**2 - 2 * M) + 24 * M + 4, rel=1e-10)


@pytest.mark.parametrize(("N", "K"), [(200, 28), (400, 50), (1600, 150)])
def test_n2_is_the_finite_n_hopfield_snr(N, K):
    # exact at n = 2: X/4 is a sum of (K-1)(N-1) signs and S = 4(N-1), so the Gaussian flip probability is
    # Phi(-sqrt((N-1)/(K-1))), the finite-N form of McEliece et al. 1987 (P_flip = Phi(-sqrt(N/K)))
    s = fs.stability(N, 2, K)
    assert s.P_gaussian == pytest.approx(ndtr(math.sqrt((N - 1) / (K - 1))) ** N, rel=1e-12)
    # the binomial tail, brute force: P(B < ((K-1)(N-1) - (N-1))/2), B ~ Bin((K-1)(N-1), 1/2)
    m = (K - 1) * (N - 1)
    j = np.arange(m + 1)
    logpmf = [math.lgamma(m + 1) - math.lgamma(x + 1) - math.lgamma(m - x + 1) - m * math.log(2) for x in j]
    exact = float(np.sum(np.exp(logpmf)[2 * j < m - (N - 1)]))
    assert s.p_flip == pytest.approx(exact, rel=1e-9)


def test_fft_convolution_against_exact_lattice_law():
    # n = 3, N = 12, K = 30: the exact law of X (29 discrete convolutions of the law of T on its integer lattice)
    # against the FFT inversion with the continuity correction; the smoothing error is O((span/sigma)^2) relative
    N, n, K = 12, 3, 30
    g, p = fs._single_terms(N, n)
    values = np.concatenate([g, -g]).astype(np.int64)
    probs = np.concatenate([p, p]) / 2
    lo = int(values.min())
    law = np.zeros(int(values.max()) - lo + 1)
    np.add.at(law, values - lo, probs)
    total = np.array([1.0])
    for _ in range(K - 1):
        total = np.convolve(total, law)
    x = np.arange(total.size) + (K - 1) * lo
    S = N**n - (N - 2) ** n
    exact = float(total[x < -S].sum())
    span, _ = fs._lattice(values)
    sigma = math.sqrt((K - 1) * fs.flip_moments(N, n).variance)
    assert (span / sigma) ** 2 < 1e-3
    assert fs.flip_probability(N, n, K) == pytest.approx(exact, rel=5e-3)


def test_pair_law_is_consistent():
    # the two-spin law: p2 <= p, and for independent spins p2 would be p^2; (N-1) p2/(N p^2) = 1 + theta
    s = fs.stability(100, 3, 550)
    assert 0 < s.p_pair < s.p_flip
    assert s.theta == pytest.approx(99 * s.p_pair / (100 * s.p_flip**2) - 1, rel=1e-12)


@pytest.mark.parametrize(
    ("N", "n", "K"),
    [(200, 2, 28), pytest.param(100, 3, 550, marks=pytest.mark.slow), pytest.param(40, 4, 960, marks=pytest.mark.slow)],
)
def test_engine_stable_fraction_agrees_with_the_prediction(N, n, K):
    # The engine's measurement (unstable_bits == 0 of 16 stored patterns in each of R independent pattern sets)
    # against P_stable. Error: the realization-clustered standard error (patterns of one set are not independent);
    # tolerance 3.5 s.e. (two-sided p = 5e-4 per case; fixed seed). At these loads (near the half-points) the
    # independent-spin (1 - p)^N is 0.02-0.06 away, several s.e.: the check tells the closure from it at n = 2.
    R, T = 300, 16
    backend = get_backend("numpy")
    stable = np.empty((R, T))
    for r in range(R):
        xiT = binary_patterns(child_rng(np.random.SeedSequence(20261124), N, n, r), N, K)
        stable[r] = unstable_bits(backend, Polynomial(n), xiT, np.arange(T, dtype=np.int32)) == 0
    mean, err, _ = clustered_mean(stable, np.ones_like(stable, dtype=bool))
    s = fs.stability(N, n, K)
    assert abs(mean - s.P_stable) < 3.5 * err
    if n == 2:
        assert abs(mean - s.P_independent) > 5 * err


def test_half_load_brackets_and_limits():
    # P_stable(K_half) = 1/2 between integers; all three forms lie above the asymptotic SNR load at N = 40, n = 4
    h = fs.half_load(40, 4)
    lo, hi = math.floor(h.K_half), math.ceil(h.K_half)
    assert fs.stability(40, 4, lo).P_stable >= 0.5 >= fs.stability(40, 4, hi).P_stable
    asym = dense.poly_capacity(40, 4).alpha_typical
    assert min(h.alpha_half, h.alpha_half_independent, h.alpha_half_gaussian) > asym


def test_registered_quantities_check_their_input():
    assert dense.poly_stability(N=100, n=3, alpha=0.055).K == 550
    assert dense.poly_stability(N=100, n=3, K=550) == dense.poly_stability(N=100, n=3, alpha=0.055)
    with pytest.raises(ParameterError, match="give the load as K or as alpha"):
        dense.poly_stability(N=100, n=3)
    with pytest.raises(ParameterError, match="n=9 is outside its domain"):
        dense.poly_half_load(N=100, n=9)
