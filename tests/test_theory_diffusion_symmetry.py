"""The pitchfork of the one-dimensional two-point diffusion model (theory/diffusion/symmetry.py)."""

import math

import numpy as np
import pytest

from amphase import theory
from amphase.errors import ParameterError
from amphase.theory.diffusion import symmetry


def test_critical_point_and_branch_of_the_paper():
    # Raya & Ambrogioni 2023, notebooks/1d_example.ipynb of their code: theta_c = sqrt(sqrt(2) - 1) = 0.6435942529055827
    # ("Eq. 9"); at theta = 0.8 the equation of state ("Eq. 10") has the stable points ±0.94703858.
    out = theory.get("diffusion.symmetry_breaking")(a=1.0, alpha_bar=0.64)
    assert out["theta_c"] == pytest.approx(0.6435942529055827, rel=1e-15)
    assert out["alpha_bar_c"] == pytest.approx(math.sqrt(2) - 1, rel=1e-15)
    assert out["x_star"] == pytest.approx(0.94703858, abs=5e-9)
    theta, x = 0.8, out["x_star"]
    assert (theta**2 + 1) * x + 2 * theta * math.tanh(theta * x / (theta**2 - 1)) == pytest.approx(0.0, abs=1e-14)


@pytest.mark.parametrize("kind", symmetry.KINDS)
@pytest.mark.parametrize("a", [0.3, 1.0, 2.5])
def test_branch_is_born_at_the_critical_point(kind, a):
    ab = symmetry.critical_alpha_bar(a, kind)
    assert symmetry.fixed_point(ab * (1 - 1e-9), a, kind) == 0.0
    x_above = [symmetry.fixed_point(ab + eps, a, kind) for eps in (1e-6, 1e-4, 1e-2)]
    assert 0 < x_above[0] < x_above[1] < x_above[2]
    assert x_above[0] < 1e-2 * a  # continuous (pitchfork), x* ~ sqrt(alpha_bar - alpha_bar_c)


def _potential(x, theta, a, kind):
    """U/beta of the module docstring (sde) or -log p (density), up to constants."""
    v = 1 - theta * theta
    base = x * x / (2 * v) - np.log(np.cosh(theta * a * x / v))
    return base - x * x / 4 if kind == "sde" else base


@pytest.mark.parametrize("kind", symmetry.KINDS)
def test_curvature_at_the_origin_changes_sign_at_alpha_bar_c(kind):
    a, h = 1.7, 1e-4
    ab = symmetry.critical_alpha_bar(a, kind)
    for sign in (-1, 1):
        theta = math.sqrt(ab * (1 + sign * 1e-3))
        curv = _potential(h, theta, a, kind) - 2 * _potential(0.0, theta, a, kind) + _potential(-h, theta, a, kind)
        assert np.sign(curv) == -sign


def test_density_kind_is_the_lse_pair_midpoint_of_pham_s_energy():
    # -log p_t is the LSE energy of memories ±theta a at beta = 1/(2 (1 - theta^2)) (diffusion.noise_beta, VP):
    # its midpoint turns at dense.pair_midpoint_beta(D = 2 theta a), and the minima sit at dense.pair_minima.
    for a in (0.5, 1.0, 3.0):
        out = theory.get("diffusion.symmetry_breaking")(a=a, alpha_bar=0.9, kind="density")
        ab = out["alpha_bar_c"]
        beta = theory.get("diffusion.noise_beta")(t=1.0, process="vp", alpha_bar=ab)["beta"]
        d_c = 2 * math.sqrt(ab) * a
        assert beta == pytest.approx(theory.get("dense.pair_midpoint_beta")(D=d_c)["beta_star"], rel=1e-13)
        beta9 = theory.get("diffusion.noise_beta")(t=1.0, process="vp", alpha_bar=0.9)["beta"]
        pair = theory.get("dense.pair_minima")(D=2 * math.sqrt(0.9) * a, beta=beta9)
        assert out["x_star"] == pytest.approx(pair["x"], rel=1e-12)


def test_sde_kind_is_the_two_gaussian_drift_instability_at_zero_width():
    # Ornstein-Uhlenbeck form (Biroli et al.): reverse drift x + 2 d log p; at sigma = 0 its origin turns where
    # 1 - 2/Gamma + 2 mu^2/Gamma^2 = 0 with Gamma = 1 - A, mu^2 = A a^2, A = exp(-2t): the sde kind's alpha_bar_c.
    for a in (0.5, 1.0, 2.0):
        out = theory.get("diffusion.symmetry_breaking")(a=a, kind="sde")
        A = math.exp(-2 * out["t_ou_c"])
        gam = 1 - A
        assert 1 - 2 / gam + 2 * A * a * a / gam**2 == pytest.approx(0.0, abs=1e-12)
        assert out["ve_variance_c"] == pytest.approx((1 - A) / A, rel=1e-13)


def test_domain_errors_name_the_parameter():
    q = theory.get("diffusion.symmetry_breaking")
    with pytest.raises(ParameterError, match=r"^alpha_bar="):
        q(alpha_bar=1.0)
    with pytest.raises(ParameterError, match=r"^a="):
        q(a=0.0)
    with pytest.raises(ParameterError, match=r"kind='ode' is not allowed"):
        q(kind="ode")
