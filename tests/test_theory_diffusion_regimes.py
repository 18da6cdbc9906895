"""Speciation, collapse and cloning of diffusion models with the exact score (theory/diffusion/regimes.py)."""

import math

import numpy as np
import pytest

from amphase import theory
from amphase.errors import ParameterError
from amphase.simulate.seeding import child_rng
from amphase.theory.diffusion import regimes

SEED = np.random.SeedSequence(20240228)


def test_speciation_time_of_the_table_1_spectra():
    # Biroli et al. 2024, Table 1 (Lambda as listed in the authors' src/Plots_paper.py): t_S = 0.5 log Lambda, and
    # their code places t_S where the DDPM alpha_bar first drops below 1/Lambda.
    for lam in (7.66, 16.72, 3.05, 12.11, 60.52):
        out = theory.get("diffusion.speciation_time")(Lambda=lam)
        assert out["t_S"] == pytest.approx(0.5 * math.log(lam), rel=1e-15)
        assert out["alpha_bar_S"] == pytest.approx(1.0 / lam, rel=1e-15)
        assert out["ve_variance_S"] == pytest.approx(lam - 1.0, rel=1e-15)
        assert math.exp(-2.0 * out["t_S"]) == pytest.approx(out["alpha_bar_S"], rel=1e-14)


def test_speciation_time_is_absent_without_a_direction_broader_than_the_noise():
    ds = theory.get("diffusion.speciation_time").grid(Lambda=[0.5, 1.0, 4.0])
    assert np.isnan(ds["t_S"].values[:2]).all() and ds["t_S"].values[2] == pytest.approx(math.log(2.0))


def test_ou_time_matches_noise_beta_in_both_conventions():
    q, nb = theory.get("diffusion.ou_time"), theory.get("diffusion.noise_beta")
    for t in (0.01, 0.5, 2.0):
        out = q(t=t)
        vp = nb(t=1.0, process="vp", alpha_bar=out["alpha_bar"])
        ve = nb(t=out["ve_variance"], sigma=1.0, process="ve")
        assert out["beta_vp"] == pytest.approx(vp["beta"], rel=1e-13)
        assert out["beta_ve"] == pytest.approx(ve["beta"], rel=1e-13)
        assert out["beta_ve"] == pytest.approx(out["alpha_bar"] * out["beta_vp"], rel=1e-13)
        assert out["delta"] + out["alpha_bar"] == pytest.approx(1.0, rel=1e-15)


def test_collapse_time_is_where_the_gaussian_excess_entropy_vanishes():
    # Biroli et al. 2024, Fig. 3 (the authors' crit_theo and tcond): f(t) = alpha + log(Delta/(Delta + s^2 e^-2t))/2
    for n, d, sigma in ((20000, 256, 1.0), (20000, 1024, 1.0), (1000, 30, 0.3)):
        out = theory.get("diffusion.collapse_time")(K=n, d=d, sigma=sigma)
        t_c = out["t_C"]
        assert t_c == pytest.approx(0.5 * math.log(1 + sigma**2 / (n ** (2 / d) - 1)), rel=1e-12)
        assert out["alpha"] == pytest.approx(math.log(n) / d, rel=1e-15)
        assert out["ve_variance_C"] == pytest.approx(sigma**2 / math.expm1(2 * math.log(n) / d), rel=1e-12)
        assert regimes.excess_entropy_gaussian(t_c * (1 - 1e-9), n, d, sigma) == 0.0
        assert 0 < regimes.excess_entropy_gaussian(t_c * (1 + 1e-6), n, d, sigma) < 1e-5
        delta = -math.expm1(-2 * t_c)
        assert out["alpha"] + 0.5 * math.log(delta / (delta + sigma**2 * math.exp(-2 * t_c))) == pytest.approx(
            0, abs=1e-14
        )
        assert regimes.excess_entropy_gaussian(50.0, n, d, sigma) == pytest.approx(out["alpha"], rel=1e-12)


def test_clone_probability_limits():
    q = theory.get("diffusion.clone_probability")
    assert q(t=1e-6, d=256)["phi"] == pytest.approx(1.0, abs=1e-15)
    assert q(t=40.0, d=256)["phi"] == pytest.approx(0.5, abs=1e-15)
    assert q(t=1.0, d=256, m=0.0)["phi"] == 0.5
    phis = [q(t=t, d=1024)["phi"] for t in np.linspace(0.5, 8.0, 31)]
    assert np.all(np.diff(phis) <= 0) and np.all(np.diff(phis[12:]) < 0)


def test_clone_probability_at_the_speciation_time_is_the_published_level():
    # Biroli et al. 2024, Fig. 2 (m = sigma = 1): curves for d = 256 ... 16384 plotted against t/t_S with the authors'
    # t_S = log(d)/2 cross at t/t_S = 1 where phi = 0.7753 (their code draws axhline(0.7753); its quad runs at
    # epsrel=1e-4). Exactly: sigma = 1 makes Gamma_t = 1, kappa = d e^{-2t} = 1 there for every d, and
    # phi = (1 + E tanh N(1, 1))/2 = 0.7752002...
    q = theory.get("diffusion.clone_probability")
    for d in (256, 1024, 4096, 16384):
        out = q(t=0.5 * math.log(d), d=d)
        assert out["t_S"] == pytest.approx(0.5 * math.log(d + 1.0), rel=1e-15)  # Lambda = |m|^2 + sigma^2
        assert out["kappa"] == pytest.approx(1.0, rel=1e-12)
        assert out["phi"] == pytest.approx(0.7753, abs=1.5e-4)
    assert q(t=0.5 * math.log(1e8), d=10**8)["phi"] == pytest.approx(0.7752002453966, abs=1e-9)


def test_clone_probability_obeys_the_nishimori_identity():
    # For z ~ N(k, k): E tanh z = E tanh^2 z, so phi = E[P+^2 + P-^2] = (1 + E tanh^2 z)/2 as well.
    rng = child_rng(SEED, 0)
    for kappa in (0.3, 1.0, 4.0):
        z = kappa + math.sqrt(kappa) * rng.standard_normal(400_000)
        mean_t2 = float(np.mean(np.tanh(z) ** 2))
        se = float(np.std(np.tanh(z) ** 2)) / math.sqrt(z.size)
        assert regimes._mean_tanh(kappa) == pytest.approx(mean_t2, abs=4 * se)


def test_instability_time_is_where_the_origin_turns_and_is_near_t_s():
    q = theory.get("diffusion.clone_probability")
    out = q(t=1.0, d=100, m=1.0, sigma=0.5)
    t_star = out["t_instability"]
    assert t_star == pytest.approx(0.5 * math.log(100 + 1 - 0.25), rel=1e-14)
    # curvature of -log p_t along m at the origin: 1/Gamma - mu^2/Gamma^2 = 0, i.e. kappa = 1
    assert regimes.clone_kappa(t_star, 100.0, 0.25) == pytest.approx(1.0, rel=1e-12)
    assert abs(t_star - out["t_S"]) < 1.0 / 100
    assert math.isnan(q(t=1.0, d=4, m=0.5, sigma=1.0)["t_instability"])


def _clone_agreement(t_b, d, m, sigma, pairs, dt, rng, t_end=0.02):
    """Fraction of clone pairs, branched at t_b from one exact draw of p_t, that end in the same Gaussian.

    The reverse OU process dy = (y + 2 d_y log p_t(y)) dtau + sqrt(2) dW of the projection y = m.x/|m| (exact: the
    orthogonal components are independent OU processes that do not enter the class), Euler-Maruyama from t_b to t_end.
    """
    mm, s2 = m * math.sqrt(d), sigma * sigma
    e = math.exp(-t_b)
    y0 = rng.choice([-1.0, 1.0], size=pairs) * mm * e
    y0 += math.sqrt(-math.expm1(-2 * t_b) + s2 * e * e) * rng.standard_normal(pairs)
    y = np.stack([y0, y0.copy()])
    steps = math.ceil((t_b - t_end) / dt)
    h, t = (t_b - t_end) / steps, t_b
    for _ in range(steps):
        mu, gam = mm * math.exp(-t), -math.expm1(-2 * t) + s2 * math.exp(-2 * t)
        score = -y / gam + (mu / gam) * np.tanh(mu * y / gam)
        y = y + h * (y + 2 * score) + math.sqrt(2 * h) * rng.standard_normal(y.shape)
        t -= h
    return float(np.mean(np.sign(y[0]) == np.sign(y[1])))


def test_clone_probability_against_the_reverse_process_at_t_s():
    # 10000 pairs: 4 binomial standard errors ~ 0.017; Euler-Maruyama bias at dt = 0.005 measured below 0.005.
    d, pairs = 1024, 10_000
    t_s = theory.get("diffusion.clone_probability")(t=1.0, d=d)["t_S"]
    phi = theory.get("diffusion.clone_probability")(t=t_s, d=d)["phi"]
    p = _clone_agreement(t_s, d, 1.0, 1.0, pairs, 0.005, child_rng(SEED, 1))
    assert p == pytest.approx(phi, abs=4 * math.sqrt(phi * (1 - phi) / pairs))


@pytest.mark.slow
@pytest.mark.parametrize("ratio", [0.7, 1.3])
def test_clone_probability_against_the_reverse_process_around_t_s(ratio):
    d, pairs = 1024, 20_000
    t_b = ratio * 0.5 * math.log(d + 1.0)
    phi = theory.get("diffusion.clone_probability")(t=t_b, d=d)["phi"]
    p = _clone_agreement(t_b, d, 1.0, 1.0, pairs, 0.003, child_rng(SEED, 2, int(10 * ratio)))
    assert p == pytest.approx(phi, abs=4 * math.sqrt(phi * (1 - phi) / pairs))


@pytest.mark.parametrize(
    ("name", "args", "bad"),
    [
        ("diffusion.speciation_time", {"Lambda": 0.0}, "Lambda"),
        ("diffusion.collapse_time", {"K": 1, "d": 10}, "K"),
        ("diffusion.collapse_time", {"K": 10, "d": 0}, "d"),
        ("diffusion.collapse_time", {"K": 10, "d": 5, "sigma": -1.0}, "sigma"),
        ("diffusion.clone_probability", {"t": 0.0, "d": 10}, "t"),
        ("diffusion.clone_probability", {"t": 1.0, "d": 10, "m": -1.0}, "m"),
        ("diffusion.ou_time", {"t": -1.0}, "t"),
    ],
)
def test_domain_errors_name_the_parameter(name, args, bad):
    with pytest.raises(ParameterError, match=rf"^{bad}="):
        theory.get(name)(**args)
