"""Curvature at the end points: the exact Hessian spectrum, its finite-difference twin, the flat threshold."""

from __future__ import annotations

import math

import numpy as np
import pytest

from amphase.errors import ParameterError
from amphase.simulate.diffusion.curvature import count_flat, exact_spectrum, flat_threshold, score_spectrum, spectrum
from amphase.simulate.diffusion.schedules import make_schedule, vp
from amphase.simulate.diffusion.score import exact_score


def test_one_memory_has_the_bare_curvature_everywhere() -> None:
    # K = 1: Cov_w = 0, so the Hessian is 2I exactly, wherever it is evaluated
    sch = make_schedule("ve", sigma=1.0)
    score = exact_score(np.array([[0.3, -0.2, 0.5]]), sch)
    ev = exact_spectrum(score, np.random.default_rng(0).normal(size=(5, 3)), 0.1)
    assert np.allclose(ev, 2.0, atol=1e-12)


def test_pair_midpoint_eigenvalue_is_two_minus_beta_d_squared() -> None:
    # two memories at distance D, evaluated at their midpoint: w = (1/2, 1/2), Cov = (D/2)^2 e e^T, so the axis
    # eigenvalue is 2 - beta D^2 (amphase.theory.lse_landscape, module docstring), the other one 2
    sch = make_schedule("ve", sigma=1.0)
    D, t = 0.6, 0.05
    beta = float(sch.beta(t))
    score = exact_score(np.array([[-D / 2, 0.0], [D / 2, 0.0]]), sch)
    ev = exact_spectrum(score, np.zeros((1, 2)), t)
    assert np.allclose(ev[0], sorted([2.0 - beta * D * D, 2.0]), atol=1e-12)


@pytest.mark.parametrize("kind", ["ve", "vp"])
def test_exact_spectrum_equals_the_jacobian_of_the_score(kind: str) -> None:
    # H = -2 sigma_t^2 J_S = 2(I - J_F) for the exact score: the streamed Hessian and central differences agree
    rng = np.random.default_rng(3)
    sch = make_schedule("ve", sigma=2.0) if kind == "ve" else vp()
    data = rng.normal(size=(40, 3))
    score = exact_score(data, sch)
    t = 0.2 if kind == "ve" else 0.05
    y = data[:4] + 0.05 * rng.normal(size=(4, 3))
    exact = exact_spectrum(score, y, t)
    fd = score_spectrum(score, sch, y, t, h=1e-5)
    assert np.allclose(exact, fd, atol=2e-6)
    # the dispatcher takes the exact path for the exact score and the same numbers come back
    assert np.array_equal(spectrum(score, sch, y, t), exact)


def test_flat_threshold_is_the_thermal_spread_rule() -> None:
    # lambda_flat = 2 sigma_t^2 / (s spread scale)^2; VE at beta = 10 (sigma_t^2 = 1/20), unit scale, spread 1/2: 0.4
    assert flat_threshold(math.sqrt(0.05), 1.0, 0.5, 1.0) == pytest.approx(0.4, rel=1e-15)
    # along a direction of eigenvalue lambda_flat the density's std sigma_t sqrt(2/lambda) / s is spread * scale
    sig, s, spread, scale = 0.3, 0.8, 0.7, 2.0
    lam = flat_threshold(sig, s, spread, scale)
    assert sig * math.sqrt(2 / lam) / s == pytest.approx(spread * scale, rel=1e-14)
    assert count_flat(np.array([[-0.5, 0.1, 2.0], [0.39, 0.41, -0.3]]), 0.4).tolist() == [1, 2]


@pytest.mark.parametrize(
    ("args", "name"),
    [((0.0, 1.0, 1.0, 1.0), "sigma_t"), ((1.0, 1.0, 0.0, 1.0), "spread"), ((1.0, 1.0, 1.0, math.inf), "scale")],
)
def test_bad_input_names_the_parameter(args: tuple[float, ...], name: str) -> None:
    with pytest.raises(ParameterError, match=name):
        flat_threshold(*args)
    with pytest.raises(ParameterError, match="h="):
        score_spectrum(lambda x, t: x, make_schedule("ve", sigma=1.0), np.zeros((1, 2)), 0.1, h=0.0)
