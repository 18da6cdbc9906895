import math

import pytest

from amphase import theory
from amphase.errors import ParameterError


def test_noise_beta_ve_is_one_over_twice_the_variance():
    # Pham et al. 2025, Sec. 2: -log p_t = beta E + const with beta = 1 / (2 sigma_t^2), sigma_t^2 = sigma^2 t (VE)
    out = theory.get("diffusion.noise_beta")(t=0.25, sigma=2.0)
    assert out == {"beta": 0.5, "scale": 1.0, "sigma_t": 1.0}


def test_noise_beta_vp_scales_the_memories_by_sqrt_alpha_bar():
    out = theory.get("diffusion.noise_beta")(t=1.0, process="vp", alpha_bar=0.36)
    assert out["beta"] == pytest.approx(1 / (2 * 0.64), rel=1e-15)
    assert out["scale"] == pytest.approx(0.6, rel=1e-15)
    assert out["sigma_t"] == pytest.approx(0.8, rel=1e-15)


def test_noise_beta_grid_over_a_choice():
    ds = theory.get("diffusion.noise_beta").grid(t=[0.5, 1.0], process=["ve", "vp"], alpha_bar=0.75)
    assert list(ds["process"].values) == ["ve", "vp"]
    assert ds["beta"].sel(t=1.0, process="ve").item() == 0.5
    assert math.isclose(ds["beta"].sel(t=1.0, process="vp").item(), 2.0)


def test_noise_beta_refuses_an_unknown_process():
    with pytest.raises(ParameterError, match=r"process='xx' is not allowed; allowed: process in \{ve, vp\}"):
        theory.get("diffusion.noise_beta")(t=1.0, process="xx")
