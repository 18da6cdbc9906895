"""The exact score of K training points: finite differences of log p_t, a dense reference, the denoiser identity."""

from __future__ import annotations

import math

import numpy as np
import pytest

from amphase.errors import ParameterError
from amphase.simulate.diffusion.schedules import ve, vp
from amphase.simulate.diffusion.score import Score, exact_score


def dense_log_density(x: np.ndarray, data: np.ndarray, s: float, var: float) -> np.ndarray:
    """log (1/K) sum_mu N(x; s xi, var I), written out densely (B, K, d) for small K."""
    d2 = ((x[:, None, :] - s * data[None]) ** 2).sum(-1)
    a = -d2 / (2 * var)
    amax = a.max(1, keepdims=True)
    lse = (amax + np.log(np.exp(a - amax).sum(1, keepdims=True)))[:, 0]
    return lse - math.log(len(data)) - 0.5 * data.shape[1] * math.log(2 * math.pi * var)


def dense_score(x: np.ndarray, data: np.ndarray, s: float, var: float) -> np.ndarray:
    diff = s * data[None] - x[:, None, :]  # (B, K, d)
    a = -(diff**2).sum(-1) / (2 * var)
    w = np.exp(a - a.max(1, keepdims=True))
    w /= w.sum(1, keepdims=True)
    return (w[:, :, None] * diff).sum(1) / var


@pytest.mark.parametrize("sch", [ve(2.0), vp()])
@pytest.mark.parametrize("t", [0.02, 0.4])
def test_score_is_gradient_of_log_density(sch, t: float) -> None:
    rng = np.random.default_rng(1)
    data = rng.standard_normal((40, 3)) + 5.0  # an offset: the centring must not change anything
    sc = exact_score(data, sch, tile=7)  # several tiles
    x = float(sch.scale(t)) * (data[:5] + 0.3 * rng.standard_normal((5, 3)))
    h = 1e-5
    fd = np.stack([(sc.log_density(x + h * e, t) - sc.log_density(x - h * e, t)) / (2 * h) for e in np.eye(3)], 1)
    g = sc(x, t)
    assert np.allclose(g, fd, rtol=1e-6, atol=1e-6 * np.abs(g).max())


@pytest.mark.parametrize("sch", [ve(1.3), vp(0.1, 20.0)])
def test_dense_reference(sch) -> None:
    rng = np.random.default_rng(2)
    data = rng.standard_normal((30, 4))
    sc = exact_score(data, sch, tile=8)
    x = rng.standard_normal((6, 4))
    for t in (1e-3, 0.05, 0.9):
        s, var = float(sch.scale(t)), float(sch.variance(t))
        assert np.allclose(sc.log_density(x, t), dense_log_density(x, data, s, var), rtol=1e-12, atol=1e-9)
        ref = dense_score(x, data, s, var)
        assert np.allclose(sc(x, t), ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())
        # Tweedie: s D(x) = x + sigma_t^2 score
        assert np.allclose(s * sc.denoiser(x, t), x + var * sc(x, t), atol=1e-10)
        # -log p_t = beta_t E_t + log K + d/2 log(2 pi var)
        e = sc.energy(x, t)
        assert np.allclose(-sc.log_density(x, t), e / (2 * var) + math.log(30) + 2 * math.log(2 * math.pi * var))


def test_energy_at_matches_score() -> None:
    rng = np.random.default_rng(3)
    data = rng.standard_normal((20, 2))
    sch = vp()
    sc = exact_score(data, sch)
    t = 0.1
    en = sc.energy_at(t)
    x = rng.standard_normal((4, 2))
    # score = -beta_t grad E_t
    assert np.allclose(sc(x, t), -float(sch.beta(t)) * en.grad(x), rtol=1e-9, atol=1e-9)
    assert np.allclose(en.energy(x), sc.energy(x, t), rtol=1e-10, atol=1e-10)


def test_float32_path() -> None:
    rng = np.random.default_rng(4)
    data = rng.standard_normal((100, 16))
    x = rng.standard_normal((8, 16))
    a = exact_score(data, ve(), dtype="float32")(x, 0.3)
    b = exact_score(data, ve(), dtype="float64")(x, 0.3)
    assert a.dtype == np.float32
    assert np.allclose(a, b, rtol=1e-4, atol=1e-4 * np.abs(b).max())


def test_protocol() -> None:
    assert isinstance(exact_score(np.zeros((1, 2)), ve()), Score)


@pytest.mark.parametrize(
    ("call", "word"),
    [
        (lambda: exact_score(np.zeros(3), ve()), "data"),
        (lambda: exact_score(np.zeros((2, 2)), ve(), dtype="float16"), "dtype"),
        (lambda: exact_score(np.zeros((2, 2)), ve(), tile=0), "tile"),
        (lambda: exact_score(np.array([[np.nan, 0.0]]), ve()), "finite"),
        (lambda: exact_score(np.zeros((2, 2)), "ve"), "schedule"),
        (lambda: exact_score(np.zeros((2, 2)), ve())(np.zeros((1, 2)), 0.0), "t="),
        (lambda: exact_score(np.zeros((2, 2)), ve())(np.zeros((1, 3)), 0.5), "shape"),
    ],
)
def test_bad_input(call, word: str) -> None:
    with pytest.raises(ParameterError, match=word):
        call()
