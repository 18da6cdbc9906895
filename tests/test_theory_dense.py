"""Dense Associative Memory theory: exact identities, printed values, limits and independent numerical checks."""

import json
import math

import numpy as np
import pytest
from scipy.optimize import brentq, minimize, minimize_scalar

from amphase import theory
from amphase.assignments import parse_assignment
from amphase.cli import main
from amphase.errors import ParameterError
from amphase.theory import dense, hopfield, lse_landscape
from amphase.theory.dense import capacity, lse, ramsauer, random_features

# ---------------------------------------------------------------- polynomial and exponential capacities


@pytest.mark.parametrize("N", [10, 1000, 10**6])
def test_poly_n2_is_hopfield_snr_capacity(N):
    # exact identity: F(x) = x^2 is the Hopfield network; McEliece et al. 1987 (hopfield.capacity_snr)
    c, h = dense.poly_capacity(N, 2), hopfield.capacity_snr(N)
    assert (c.K_typical, c.K_all, c.alpha_typical, c.alpha_all) == (h.P_one, h.P_all, h.alpha_one, h.alpha_all)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_poly_capacity_constants_and_cue_noise(n):
    # Krotov & Hopfield 2016 Eq. 6, as printed with values in the vignette of the R package hann (E. Paradis)
    for N_, n_, printed in ((30, 2, 4.410212), (60, 10, 3.571403e07), (100, 20, 1.323940e15), (100, 30, 2.192610e18)):
        assert dense.poly_capacity(N_, n_).K_typical == pytest.approx(printed, rel=1e-6)
    N, rho = 500, 0.1
    c = dense.poly_capacity(N, n)
    assert c.K_typical == pytest.approx(N ** (n - 1) / (2 * capacity.double_factorial(2 * n - 3) * math.log(N)))
    assert c.K_all == pytest.approx(c.K_typical / n)
    assert dense.poly_capacity(N, n, rho).K_typical == pytest.approx((1 - 2 * rho) ** (2 * n - 2) * c.K_typical)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_exact_noise_variance_tends_to_the_leading_order(n):
    # derivation: <(F(y+1) - F(y-1))^2> -> 4 n^2 (2n-3)!! N^(n-1), corrections O(1/N)
    N = 20000
    lead = 4 * n**2 * capacity.double_factorial(2 * n - 3) * N ** (n - 1)
    assert capacity.poly_noise_variance(N, n) / lead == pytest.approx(1.0, abs=5 * n**2 / N)
    # exact at n = 2: F(y+1) - F(y-1) = 4y, <y^2> = N - 1
    assert capacity.poly_noise_variance(50, 2) == pytest.approx(16 * 49, rel=1e-13)


def _mc_flip_probability(N, n, K, rho, trials, rng):
    """Direct Monte Carlo of the one-spin flip probability from a cue of pattern 1 with round(rho N) flips."""
    flips = 0
    total = 0
    n_bad = round(rho * N)
    for _ in range(trials):
        xi = rng.choice(np.array([-1, 1], dtype=np.int64), size=(K, N))
        sigma = xi[0].copy()
        sigma[N - n_bad :] *= -1  # the spins tested below (the first N - n_bad) are correct
        overlaps = xi @ sigma  # (K,)
        idx = np.arange(N - n_bad)
        y = overlaps[:, None] - xi[:, idx] * sigma[idx]  # overlap without spin i, (K, N - n_bad)
        s = sigma[idx]
        delta = ((xi[:, idx] * s + y).astype(float) ** n - (-xi[:, idx] * s + y).astype(float) ** n).sum(axis=0)
        flips += np.count_nonzero(delta < 0) + 0.5 * np.count_nonzero(delta == 0)
        total += idx.size
    return flips / total


@pytest.mark.parametrize(("n", "N", "K", "rho"), [(3, 60, 300, 0.0), (3, 60, 150, 0.1), (4, 30, 600, 0.0)])
def test_flip_probability_against_monte_carlo(n, N, K, rho):
    # the Gaussian signal-to-noise derivation with exact finite-N signal and variance against direct simulation
    predicted = capacity.poly_flip_probability(N, n, K, rho)
    measured = _mc_flip_probability(N, n, K, rho, trials=300, rng=np.random.default_rng(7))
    assert 0.01 < predicted < 0.2
    assert measured == pytest.approx(predicted, rel=0.2)


def test_exp_capacity_dhluv():
    # Demircigil et al. 2017: alpha < I(1 - 2 rho)/2, i.e. K = 2^(N/2) at rho = 0
    c = dense.exp_capacity(40)
    assert c.alpha_all == pytest.approx(math.log(2) / 2, rel=1e-15)
    assert c.K_all == pytest.approx(2.0**20, rel=1e-12)
    x = 1 - 2 * 0.2
    assert dense.exp_capacity(40, 0.2).alpha_all == pytest.approx(
        ((1 + x) * math.log(1 + x) + (1 - x) * math.log(1 - x)) / 4
    )
    # typical pattern: twice the all-pattern exponent while the REM is frozen, continuous where it unfreezes
    assert dense.exp_capacity(40, 0.2).alpha_typical == pytest.approx(2 * dense.exp_capacity(40, 0.2).alpha_all)
    rho_t = (1 - math.tanh(2.0)) / 2
    below, above = dense.exp_capacity(40, rho_t * (1 + 1e-9)), dense.exp_capacity(40, rho_t * (1 - 1e-9))
    assert below.alpha_typical == pytest.approx(above.alpha_typical, abs=1e-8)
    assert dense.exp_capacity(40).alpha_typical == pytest.approx(
        2 - 2 * math.tanh(2) + capacity.cramer_sign(math.tanh(2))
    )
    assert all(dense.exp_capacity(40, r).alpha_typical >= dense.exp_capacity(40, r).alpha_all for r in (0, 0.1, 0.3))


def test_exp_typical_exponent_is_the_rem_maximum():
    # alpha_typical solves 1 - 2 rho = (1/2) max_{I(x) <= alpha} [alpha - I(x) + 2x], maximised numerically here
    xs = np.linspace(0, 1, 200001)
    rate = np.array([capacity.cramer_sign(x) for x in xs])

    def phi(alpha):
        ok = rate <= alpha
        return 0.5 * np.max(alpha - rate[ok] + 2 * xs[ok])

    for rho in (0.0, 0.01, 0.1, 0.3):
        a = brentq(lambda al, r=rho: phi(al) - (1 - 2 * r), 1e-9, math.log(2) - 1e-12)
        assert dense.exp_capacity(50, rho).alpha_typical == pytest.approx(a, abs=2e-5)


# ---------------------------------------------------------------- Lucibello & Mézard threshold


def _phi_numeric(alpha, lam, gaussian):
    s = (lambda q: -q * q / 2) if gaussian else (lambda q: 0.5 * math.log1p(-q * q))
    qmax = math.sqrt(2 * alpha) if gaussian else math.sqrt(-math.expm1(-2 * alpha))
    res = minimize_scalar(
        lambda q: -(alpha + s(q) + lam * q), bounds=(0, qmax), method="bounded", options={"xatol": 1e-12}
    )
    return -res.fun


@pytest.mark.parametrize("patterns", ["spherical", "gaussian"])
@pytest.mark.parametrize("lam", [0.05, 0.3, 0.8, 1.5, 4.0])
def test_lse_threshold_against_numerical_rem(lam, patterns):
    # closed forms vs alpha solving lambda = phi(alpha, lambda), phi maximised numerically
    gaussian = patterns == "gaussian"
    a = brentq(lambda al: _phi_numeric(al, lam, gaussian) - lam, 1e-12, 20.0, xtol=1e-13)
    assert dense.lse_threshold(lam, patterns).alpha_1 == pytest.approx(a, rel=1e-6, abs=1e-9)
    phi, _ = lse.rem_free_energy(a, lam, patterns)
    assert phi == pytest.approx(lam, rel=1e-6)


def test_lse_threshold_limits():
    for g in ("spherical", "gaussian"):  # small lambda: alpha_1 = lambda - lambda^2/2 + O(lambda^3)
        lam = 1e-3
        assert dense.lse_threshold(lam, g).alpha_1 == pytest.approx(lam - lam**2 / 2, abs=lam**3)
    # Gaussian patterns: alpha_1 = 1/2 for lambda >= 1 (REM condensed: the largest overlap sqrt(2 alpha) < 1)
    assert dense.lse_threshold(1.0, "gaussian").alpha_1 == 0.5 and dense.lse_threshold(50.0, "gaussian").alpha_1 == 0.5
    # spherical patterns: alpha_1 = 1/2 + ln(lambda)/2 + O(1/lambda), no zero-temperature limit
    for lam in (1e3, 1e6):
        assert dense.lse_threshold(lam).alpha_1 - 0.5 - 0.5 * math.log(lam) == pytest.approx(0, abs=2 / lam)
    # spherical patterns are retrieved at higher load than Gaussian ones (the Gaussian norms fluctuate)
    assert all(dense.lse_threshold(lam).alpha_1 > dense.lse_threshold(lam, "gaussian").alpha_1 for lam in (0.5, 1, 3))


def test_lse_threshold_quoted_values():
    # Petrova, Polyachenko & State (LSE-capacity draft, github.com/epolyach/DenseAM-GPU,
    # AAAI_Ramsauer/LSE_capacity_v7.tex, abstract): the spherical threshold of LM is ~0.6226 at lambda = 1, with the
    # saddle phi* = (sqrt(1 + 4 lambda^2) - 1)/(2 lambda); LM's Gaussian threshold at lambda = 1 is 1/2
    sph = dense.lse_threshold(1.0, "spherical")
    assert round(sph.alpha_1, 4) == 0.6226 and sph.q_star == pytest.approx((math.sqrt(5) - 1) / 2, rel=1e-14)
    assert dense.lse_threshold(1.0, "gaussian").alpha_1 == 0.5


@pytest.mark.parametrize("N", [3, 4, 7, 16, 48, 301])
@pytest.mark.parametrize("t", [0.3, 5.0, 40.0])
def test_log_mgf_sphere_is_the_bessel_form(N, t):
    # E exp(t q) = Gamma(N/2) (t/2)^(1 - N/2) I_{N/2-1}(t) (the moment generating function of a coordinate of a
    # uniform unit vector), evaluated in arbitrary precision (mpmath) where the double-precision Bessel underflows
    import mpmath

    nu = mpmath.mpf(N) / 2 - 1
    exact = float(mpmath.log(mpmath.gamma(nu + 1) * (mpmath.mpf(t) / 2) ** (-nu) * mpmath.besseli(nu, t)))
    assert lse.log_mgf_sphere(t, N) == pytest.approx(exact, rel=1e-9, abs=1e-10)
    assert lse.log_mgf_sphere(-t, N) == pytest.approx(exact, rel=1e-9, abs=1e-10)  # q is symmetric


@pytest.mark.parametrize("patterns", ["spherical", "gaussian"])
@pytest.mark.parametrize("lam", [0.1, 0.5, 1.0, 2.0])
def test_finite_threshold_tends_to_alpha_1(lam, patterns):
    a1 = dense.lse_threshold(lam, patterns).alpha_1
    far = dense.lse_threshold_finite(10**6, lam, patterns)
    assert far.alpha_1 == a1 and far.alpha_half == pytest.approx(a1, abs=2e-3)
    # finite N: every estimate is a load where P >= 2 patterns exist, within a few 1/N of alpha_1 at N = 48
    near = dense.lse_threshold_finite(48, lam, patterns).alpha_half
    assert math.log(2) / 48 < near and abs(near - a1) < 3 / 48


def test_finite_threshold_gaussian_closed_form():
    # Gaussian, lambda <= 1: ln(P - 1) = (lambda - lambda^2/2) median(chi^2_N)
    from scipy.stats import chi2

    N, lam = 20, 0.5
    log_pm1 = (lam - lam**2 / 2) * chi2.median(N)
    assert dense.lse_threshold_finite(N, lam, "gaussian").alpha_half == pytest.approx(
        math.log(math.exp(log_pm1) + 1) / N, rel=1e-12
    )


# ---------------------------------------------------------------- Ramsauer et al.


def test_ramsauer_capacity_printed_examples():
    # Ramsauer et al. 2021 (ICLR), the examples after Theorem 3: c = 3.1546 (beta 1, K 3, d 20, p 0.001,
    # a + ln b > 1.27) and c = 1.3718 (beta 1, K 1, d 75, p 0.001, a + ln b < -0.94); printed truncated to 4 decimals
    one = dense.ramsauer_capacity(20, 1.0, 3.0, 0.001)
    assert math.floor(one.c * 1e4) / 1e4 == 3.1546 and one.a + math.log(one.b) > 1.27 and one.valid == 1.0
    two = dense.ramsauer_capacity(75, 1.0, 1.0, 0.001)
    assert math.floor(two.c * 1e4) / 1e4 == 1.3718 and two.a + math.log(two.b) < -0.94
    assert one.N_stored == pytest.approx(math.sqrt(0.001) * one.c ** (19 / 4))


def test_separation_gives_a_fixed_point_near_the_pattern():
    # orthogonal patterns of norm M: Delta = M^2; when it exceeds the bound, iterating the update from x_i stays
    # within 1/(beta N M) of x_i (Ramsauer et al.: the sphere of that radius is mapped into itself)
    N, d, beta = 5, 8, 1.0
    M = math.sqrt(10.0)
    assert M**2 >= dense.separation(N, beta, M)
    X = M * np.eye(d)[:, :N]  # columns are the patterns
    xi = X[:, 0].copy()
    for _ in range(50):
        z = beta * X.T @ xi
        xi = X @ np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert np.linalg.norm(xi - X[:, 0]) < 1 / (beta * N * M)
    assert dense.separation(N, beta, M) == pytest.approx(2 / (beta * N) + math.log(2 * (N - 1) * N * beta * M**2))


def test_distance_form_is_twice_ramsauer_energy_with_beta_doubled():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 4))
    X /= np.linalg.norm(X, axis=1, keepdims=True)  # equal norms
    bp = 1.7
    b = ramsauer.ramsauer_beta(bp)

    def e_ramsauer(x):
        z = b * X @ x
        return -(np.log(np.sum(np.exp(z - z.max()))) + z.max()) / b + 0.5 * x @ x

    diffs = [lse_landscape.energy(x, X, bp) - 2 * e_ramsauer(x) for x in rng.normal(size=(5, 4))]
    assert np.ptp(diffs) < 1e-12


# ---------------------------------------------------------------- random features


def test_random_feature_error_against_monte_carlo():
    rng = np.random.default_rng(11)
    d, K, beta, Y, R = 3, 4, 0.15, 40, 8000
    memories = rng.normal(size=(K, d)) / math.sqrt(d)
    x = memories[0] + 0.1 * rng.normal(size=d)
    theory_ = random_features.random_feature_error(x, memories, beta, Y)
    omega = rng.normal(size=(R * Y, d))
    feats_x = random_features.positive_features(x, omega, beta)  # (R Y,)
    feats_m = random_features.positive_features(memories, omega, beta)  # (K, R Y)
    Z_hat = (feats_x * feats_m.sum(axis=0)).reshape(R, Y).mean(axis=1)
    Z = np.sum(np.exp(-beta * np.sum((x - memories) ** 2, axis=1)))
    assert Z_hat.mean() / Z == pytest.approx(1.0, abs=4 * theory_.Z_rel_std / math.sqrt(R))  # unbiased
    assert Z_hat.std() / Z == pytest.approx(theory_.Z_rel_std, rel=0.06)
    err = -np.log(Z_hat / Z) / beta
    assert np.sqrt(np.mean(err**2)) == pytest.approx(theory_.energy_rms, rel=0.1)
    # gradient: -G_Y/(beta Z_Y), G_Y the mean of (sqrt(2 beta) omega - 4 beta x) phi(x) T(omega); at larger Y, where
    # the leading order in 1/Y holds (at Y = 40 the measured error is 8 % below it)
    Y, R = 640, 1000
    theory_ = random_features.random_feature_error(x, memories, beta, Y)
    omega = rng.normal(size=(R * Y, d))
    zf = random_features.positive_features(x, omega, beta) * random_features.positive_features(
        memories, omega, beta
    ).sum(axis=0)
    a = math.sqrt(2 * beta) * omega - 4 * beta * x
    grad_hat = -(a * zf[:, None]).reshape(R, Y, d).mean(axis=1) / (beta * zf.reshape(R, Y).mean(axis=1)[:, None])
    w = np.exp(-beta * np.sum((x - memories) ** 2, axis=1))
    grad = 2 * (x - w @ memories / w.sum())
    assert np.sqrt(np.mean(np.sum((grad_hat - grad) ** 2, axis=1))) == pytest.approx(theory_.grad_rms, rel=0.08)


def test_random_feature_error_single_memory_and_scaling():
    # one memory: C = exp(2 beta |x + xi|^2) - 1 (positive features, Choromanski et al. 2021); x = xi = r e_1
    r, beta = 0.8, 0.5
    assert dense.random_feature_error(1, 3, beta, 1, r).C == pytest.approx(math.expm1(8 * beta * r * r), rel=1e-12)
    e1, e4 = dense.random_feature_error(100, 5, 1.0, 3, 1.0), dense.random_feature_error(400, 5, 1.0, 3, 1.0)
    assert e1.energy_rms == pytest.approx(2 * e4.energy_rms, rel=1e-13)  # 1/sqrt(Y)
    assert e1.grad_rms == pytest.approx(2 * e4.grad_rms, rel=1e-13)
    # the energy error does not depend on the dimension, the gradient error grows with it (2 beta d per direction)
    e_big = dense.random_feature_error(100, 50, 1.0, 3, 1.0)
    assert e_big.energy_rms == pytest.approx(e1.energy_rms, rel=1e-13) and e_big.grad_rms > e1.grad_rms
    with pytest.raises(ParameterError, match="need d >= K"):
        dense.random_feature_error(100, 2, 1.0, 3, 1.0)


# ---------------------------------------------------------------- spurious minima of the LSE energy


def test_derivatives_by_finite_differences():
    rng = np.random.default_rng(5)
    X, x, beta, h = rng.normal(size=(7, 3)), rng.normal(size=3), 0.8, 1e-5
    g = [
        (lse_landscape.energy(x + h * e, X, beta) - lse_landscape.energy(x - h * e, X, beta)) / (2 * h)
        for e in np.eye(3)
    ]
    assert np.allclose(lse_landscape.gradient(x, X, beta), g, atol=1e-8)
    H = [
        (lse_landscape.gradient(x + h * e, X, beta) - lse_landscape.gradient(x - h * e, X, beta)) / (2 * h)
        for e in np.eye(3)
    ]
    assert np.allclose(lse_landscape.hessian(x, X, beta), np.array(H), atol=1e-7)


@pytest.mark.parametrize("D", [0.5, 1.0, 3.0])
def test_pair_midpoint_and_minima_by_direct_minimisation(D):
    X = np.array([[D / 2, 0.0], [-D / 2, 0.0]])
    bs = dense.pair_midpoint_beta(D)
    assert bs == 2 / D**2
    assert lse_landscape.hessian([0.0, 0.0], X, bs)[0, 0] == pytest.approx(0.0, abs=1e-12)
    for beta in (0.7 * bs, 1.3 * bs, 4 * bs):
        res = minimize(
            lse_landscape.energy,
            x0=[0.9 * D / 2, 0.05],
            args=(X, beta),
            jac=lse_landscape.gradient,
            method="BFGS",
            options={"gtol": 1e-12},
        )
        m = dense.pair_minima(D, beta)
        assert abs(res.x[0]) == pytest.approx(m.x, abs=1e-6) and abs(res.x[1]) < 1e-6
        assert lse_landscape.energy([0, 0], X, beta) - res.fun == pytest.approx(m.barrier, abs=1e-10)
        assert lse_landscape.hessian(res.x, X, beta)[0, 0] == pytest.approx(m.curvature, abs=1e-6)
        assert (m.x > 0) == (beta > bs)


@pytest.mark.parametrize(("K", "r"), [(2, 1.0), (3, 1.0), (5, 0.7)])
def test_simplex_centroid_by_brute_force(K, r):
    X = lse_landscape.regular_simplex(K, r)
    assert np.allclose(np.linalg.norm(X, axis=1), r) and np.allclose(X.sum(axis=0), 0)
    edge = np.linalg.norm(X[0] - X[1])
    q = dense.simplex_centroid_beta(K, r)
    assert q.edge == pytest.approx(edge, rel=1e-13)
    bs = q.beta_star
    for beta, is_min in ((0.95 * bs, True), (1.05 * bs, False)):
        H = lse_landscape.hessian(np.zeros(K), X, beta)
        span = np.linalg.eigvalsh(H)[:-1]  # the direction (1, ..., 1) is orthogonal to the simplex: eigenvalue 2
        assert (span.min() > 0) == is_min
        rng = np.random.default_rng(K)
        res = minimize(
            lse_landscape.energy,
            x0=1e-3 * rng.normal(size=K),
            args=(X, beta),
            jac=lse_landscape.gradient,
            method="BFGS",
            options={"gtol": 1e-13},
        )
        assert (np.linalg.norm(res.x) < 1e-5) == is_min


@pytest.mark.parametrize("beta", [0.8, 1.1, 2.0, 6.0])
def test_circle_ring_against_a_dense_discretisation(beta):
    # K = 10^4 memories on the unit circle, minimised directly
    K = 10**4
    theta = 2 * np.pi * np.arange(K) / K
    X = np.column_stack([np.cos(theta), np.sin(theta)])
    ring = dense.circle_ring(beta)
    res = minimize(
        lse_landscape.energy,
        x0=[0.3, 0.2],
        args=(X, beta),
        jac=lse_landscape.gradient,
        method="BFGS",
        options={"gtol": 1e-12},
    )
    assert np.linalg.norm(res.x) == pytest.approx(ring.R, abs=2e-5)
    assert lse_landscape.energy([0, 0], X, beta) - res.fun == pytest.approx(ring.barrier, abs=1e-9)
    assert lse_landscape.energy([0, 0], X, beta) + math.log(K) / beta == pytest.approx(1.0, abs=1e-12)  # E(0) = 1
    assert ring.beta_c == 1.0 and (ring.R > 0) == (beta > 1)


def test_circle_ring_small_r_expansion():
    # R^2 ≈ 2 (beta - 1)/beta^3 near beta_c from A(z) = z/2 - z^3/16: R = beta R - beta^3 R^3/2
    beta = 1.001
    assert dense.circle_ring(beta).R ** 2 == pytest.approx(2 * (beta - 1) / beta**3, rel=2e-3)


# ---------------------------------------------------------------- registry and command line

ARGS = {
    "dense.poly_capacity": ["N=1000", "n=3"],
    "dense.poly_stability": ["N=100", "n=3", "alpha=0.055"],
    "dense.poly_half_load": ["N=40", "n=4"],
    "dense.exp_capacity": ["N=100", "noise=0.1"],
    "dense.lse_threshold": ["lam=2", "patterns=gaussian"],
    "dense.lse_threshold_finite": ["N=32", "lam=0.5", "patterns=spherical"],
    "dense.separation": ["N=100", "beta=1", "M=1"],
    "dense.ramsauer_capacity": ["d=20", "beta=1", "K=3", "p=0.001"],
    "dense.random_feature_error": ["Y=1000", "d=10", "beta=0.5", "K=4"],
    "dense.sequence_capacity": ["N=1000", "n=2"],
    "dense.sequence_recall": ["N=100", "K=500", "n=2"],
    "dense.pair_midpoint_beta": ["D=2"],
    "dense.pair_minima": ["D=2", "beta=1"],
    "dense.simplex_centroid_beta": ["K=3", "r=1"],
    "dense.circle_ring": ["beta=2"],
    "dense.circle_minima": ["beta=20", "K=10", "draws=20"],
}


def test_every_dense_quantity_is_registered_and_served(capsys):
    assert set(ARGS) == {n for n in theory.names() if n.startswith("dense.")}
    for name, args in ARGS.items():
        assert main(["theory", name, *args, "--json"]) == 0
        obj = json.loads(capsys.readouterr().out)
        expected = theory.get(name)(**dict(parse_assignment(a, names={"patterns"}) for a in args))
        assert obj["results"] == pytest.approx(expected)


def test_dense_grid_and_domains():
    ds = theory.get("dense.circle_ring").grid(beta=[0.5, 1.5, 3.0])
    assert ds["R"].values[0] == 0 and np.all(np.diff(ds["R"].values) > 0)
    for call, message in [
        (lambda: dense.lse_threshold(1.0, "uniform"), "patterns='uniform'"),
        (lambda: dense.lse_threshold_finite(2, 1.0), "N=2 is outside its domain"),
        (lambda: dense.poly_capacity(100, 2, 0.5), "noise=0.5 is outside its domain"),
        (lambda: dense.circle_ring(0.0), "beta=0 is outside its domain"),
        (lambda: dense.simplex_centroid_beta(1), "K=1 is outside its domain"),
    ]:
        with pytest.raises(ParameterError, match=message):
            call()


def _log_odds_retrieval(lam, alpha, N, gaussian, rng, chunk=2_000_000):
    """ln(p_1/(1 - p_1)) of the retrieved pattern's softmax weight at x = xi^1, P = round(exp(alpha N)) patterns.

    Exact finite-N sampling of the overlaps q = xi^mu.xi^1/N: Gaussian patterns, q ~ N(0, |xi^1|^2)/N with
    |xi^1|^2 ~ chi^2_N; spherical patterns, q = 2B - 1 with B ~ Beta((N-1)/2, (N-1)/2) and |xi^1|^2 = N.
    """
    from scipy.special import logsumexp

    P = round(math.exp(alpha * N))
    norm2 = rng.chisquare(N) if gaussian else float(N)
    parts = []
    for start in range(1, P, chunk):
        n = min(chunk, P - start)
        if gaussian:
            dots = rng.normal(size=n) * math.sqrt(norm2)
        else:
            dots = N * (2 * rng.beta((N - 1) / 2, (N - 1) / 2, size=n) - 1)
        parts.append(logsumexp(lam * dots))
    return lam * norm2 - logsumexp(parts)


@pytest.mark.slow
@pytest.mark.parametrize("gaussian", [0, 1])
@pytest.mark.parametrize(("lam", "N"), [(0.1, 120), (0.5, 32)])
def test_lse_threshold_by_direct_sampling(lam, N, gaussian):
    # the REM criterion at finite N: the typical pattern keeps most of the softmax weight below alpha_1, loses it above
    rng = np.random.default_rng(17)
    a1 = dense.lse_threshold(lam, "gaussian" if gaussian else "spherical").alpha_1
    below = np.median([_log_odds_retrieval(lam, 0.7 * a1, N, gaussian, rng) for _ in range(9)])
    above = np.median([_log_odds_retrieval(lam, 1.3 * a1, N, gaussian, rng) for _ in range(9)])
    assert below > 0 > above
    if not gaussian:  # no norm fluctuations: the crossing sits at alpha_1 already at these sizes (measured |.| < 0.2)
        at = np.median([_log_odds_retrieval(lam, a1, N, gaussian, rng) for _ in range(9)])
        assert abs(at) < 1.0
