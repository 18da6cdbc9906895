"""Samplers: a Gaussian target's moments within error bars, exact transport by the ODE, collapse onto training points,
descent at finite beta, reproducibility, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from amphase.errors import ParameterError
from amphase.simulate.backend import gpu_available
from amphase.simulate.diffusion.samplers import (
    SAMPLERS,
    Trajectory,
    ddim,
    denoise_from,
    descend,
    noise_to,
    prior_sample,
    probability_flow,
    reverse_sde,
)
from amphase.simulate.diffusion.schedules import ve, vp
from amphase.simulate.diffusion.score import exact_score

MU, V = 0.7, 0.5  # the Gaussian target N(MU, V I): its noised score is linear, -(x - s MU) / (s^2 V + sigma_t^2)


def gaussian_score(sch):
    def score(x, t):
        s, var = float(sch.scale(t)), float(sch.variance(t))
        return -(x - s * MU) / (s * s * V + var)

    return score


@pytest.mark.parametrize("sch", [ve(5.0, t_min=1e-4), vp()], ids=["ve", "vp"])
@pytest.mark.parametrize("name", ["sde", "ddim"])
def test_gaussian_moments(sch, name: str) -> None:
    n, d = 2000, 2
    x0 = prior_sample(sch, n, d, np.random.SeedSequence(11), mean=MU, data_var=V)
    out = SAMPLERS[name](gaussian_score(sch), sch, x0, steps=2000, rng=np.random.SeedSequence(12))
    s, var = float(sch.scale(sch.t_min)), float(sch.variance(sch.t_min))
    target_var = s * s * V + var
    m = n * d  # independent coordinates
    # mean: standard error sqrt(V / m); variance: sqrt(2 / m) relative (Gaussian); first-order bias ~ 5 / steps
    assert abs(out.mean() - s * MU) < 4 * math.sqrt(target_var / m)
    assert abs(out.var() / target_var - 1) < 4 * math.sqrt(2 / m)


@pytest.mark.parametrize("sch", [ve(5.0, t_min=1e-4), vp()], ids=["ve", "vp"])
def test_ode_transports_gaussian_exactly(sch) -> None:
    # for a Gaussian the probability flow is linear: x_t - s_t MU = sqrt(V_t / V_T) (x_T - s_T MU),
    # V_t = s^2 V + sigma_t^2
    x0 = prior_sample(sch, 50, 3, np.random.SeedSequence(3), mean=MU, data_var=V)
    out = probability_flow(gaussian_score(sch), sch, x0, steps=200)

    def vt(t):
        return float(sch.scale(t)) ** 2 * V + float(sch.variance(t))

    t0, t1 = sch.t_max, sch.t_min
    exact = float(sch.scale(t1)) * MU + math.sqrt(vt(t1) / vt(t0)) * (x0 - float(sch.scale(t0)) * MU)
    # Heun is second order: relative error ~ (dt/t)^2 ~ 2e-3 at 200 log-spaced steps over 4 decades
    assert np.allclose(out, exact, rtol=0, atol=5e-3 * np.abs(exact - float(sch.scale(t1)) * MU).max())
    coarse = probability_flow(gaussian_score(sch), sch, x0, steps=50)
    assert np.abs(coarse - exact).max() > 4 * np.abs(out - exact).max()  # the error falls ~ 1/steps^2


@pytest.mark.parametrize("K", [1, 2])
@pytest.mark.parametrize("name", ["sde", "ode", "ddim"])
def test_exact_score_lands_on_training_points(K: int, name: str) -> None:
    rng = np.random.default_rng(5)
    data = rng.standard_normal((K, 3))
    sch = ve(3.0, t_min=1e-6)
    sc = exact_score(data, sch)
    x0 = prior_sample(sch, 64, 3, np.random.SeedSequence(7))
    out = SAMPLERS[name](sc, sch, x0, steps=300, rng=np.random.SeedSequence(8))
    dist = np.sqrt(((out[:, None, :] - data[None]) ** 2).sum(-1)).min(1)
    # at t_stop the sample is its training point plus noise of std sigma_t per coordinate (the SDE; ODE/DDIM less)
    assert dist.max() < 6 * float(sch.std(sch.t_min)) * math.sqrt(3)
    den = sc.denoiser(out, sch.t_min)  # and the denoiser there is the training point itself
    assert np.sqrt(((den[:, None, :] - data[None]) ** 2).sum(-1)).min(1).max() < 1e-9


def test_descent_at_finite_beta_pair() -> None:
    # two training points at distance D: the LSE energy has a minimum at the midpoint iff beta < 2 / D^2
    # (dense.pair_midpoint_beta); samples stopped at t and descended end at the midpoint or on the points
    D = 1.0
    data = np.array([[-D / 2, 0.0], [D / 2, 0.0]])
    sch = ve(2.0, t_min=1e-4)
    sc = exact_score(data, sch)
    x0 = prior_sample(sch, 32, 2, np.random.SeedSequence(1))
    for beta, on_mid in ((1.5, True), (4.0, False)):
        t = sch.time_at_beta(beta)
        xs = reverse_sde(sc, sch, x0, steps=100, t_stop=t, rng=np.random.SeedSequence(2))
        y, res = descend(sc, xs, t, tol=1e-10, max_steps=100_000)
        assert bool(res.converged.all())
        to_mid = np.abs(y).max(1)
        to_pts = np.sqrt(((y[:, None, :] - data[None]) ** 2).sum(-1)).min(1)
        if on_mid:
            assert to_mid.max() < 1e-6
        else:  # at beta = 4 the minima sit inside the points, x = (D/2) tanh(beta D x) (the fixed point m(x) = x)
            r = 0.5
            for _ in range(200):
                r = 0.5 * D * math.tanh(beta * D * r)
            assert np.allclose(np.abs(y[:, 0]), r, atol=1e-6) and to_pts.max() < 0.05


def test_record_and_reproducibility() -> None:
    rng = np.random.default_rng(9)
    data = rng.standard_normal((10, 2))
    sch = vp()
    sc = exact_score(data, sch)
    x0 = prior_sample(sch, 16, 2, np.random.SeedSequence(4))
    a = reverse_sde(sc, sch, x0, steps=50, rng=np.random.SeedSequence(5))
    b = reverse_sde(sc, sch, x0, steps=50, rng=np.random.SeedSequence(5), record=[0.5, 1.0, 0.1])
    c = reverse_sde(sc, sch, x0, steps=50, rng=np.random.SeedSequence(6))
    assert isinstance(b, Trajectory) and np.array_equal(b.times, [1.0, 0.5, 0.1])
    assert b.path.shape == (3, 16, 2) and np.array_equal(b.path[0], x0)
    assert np.array_equal(a, reverse_sde(sc, sch, x0, steps=50, rng=np.random.SeedSequence(5)))
    assert not np.array_equal(a, c)
    # the recorded grid gains the times 0.5 and 0.1: the same law, not the same draws; deterministic samplers agree
    d1 = ddim(sc, sch, x0, steps=50)
    d2 = ddim(sc, sch, x0, steps=50, record=[sch.t_min])
    assert np.array_equal(d1, d2.x) and np.array_equal(d2.path[0], d1)


def test_denoise_from_training_point() -> None:
    data = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    sch = ve(1.0, t_min=1e-5)
    sc = exact_score(data, sch)
    x0 = np.repeat(data, 20, axis=0)
    out = denoise_from(sc, sch, x0, 0.05, steps=60, rng=np.random.SeedSequence(3))
    # noise of std sqrt(0.05) = 0.22 << half the spacing 1.5: every point returns to its own training point
    nearest = np.sqrt(((out[:, None, :] - data[None]) ** 2).sum(-1)).argmin(1)
    assert np.array_equal(nearest, np.repeat(np.arange(3), 20))
    xt = noise_to(x0, sch, 0.05, np.random.SeedSequence(1))
    assert abs(np.std(xt - x0) - math.sqrt(0.05)) < 4 * math.sqrt(0.05) / math.sqrt(2 * len(xt) * 2)


@pytest.mark.parametrize(
    ("call", "word"),
    [
        (lambda: reverse_sde(gaussian_score(ve()), ve(), np.zeros((2, 2)), steps=5), "rng"),
        (lambda: probability_flow(gaussian_score(ve()), ve(), np.zeros((2, 2)), steps=0), "steps"),
        (lambda: probability_flow(gaussian_score(ve()), ve(), np.zeros(2), steps=3), "shape"),
        (lambda: probability_flow(gaussian_score(ve()), ve(), np.full((1, 2), np.nan), steps=3), "finite"),
        (
            lambda: ddim(gaussian_score(ve()), ve(), np.zeros((2, 2)), steps=3, eta=0.5, rng=np.random.SeedSequence(1)),
            "VP",
        ),
        (lambda: ddim(gaussian_score(vp()), vp(), np.zeros((2, 2)), steps=3, eta=2.0), "eta"),
        (lambda: ddim(gaussian_score(vp()), vp(), np.zeros((2, 2)), steps=3, record=[5.0]), "record"),
        (lambda: reverse_sde(gaussian_score(ve()), ve(), np.zeros((2, 2)), steps=3, rng=3), "rng"),
        (lambda: probability_flow(gaussian_score(ve()), "ve", np.zeros((2, 2)), steps=3), "schedule"),
        (lambda: descend(gaussian_score(ve()), np.zeros((2, 2)), 0.1), "ExactScore"),
        (lambda: prior_sample(ve(), 0, 2, np.random.SeedSequence(1)), "n="),
        (
            lambda: denoise_from(
                gaussian_score(ve()),
                ve(),
                np.zeros((2, 2)),
                0.1,
                steps=3,
                rng=np.random.SeedSequence(1),
                sampler="euler",
            ),
            "sampler",
        ),
    ],
)
def test_bad_input(call, word: str) -> None:
    with pytest.raises(ParameterError, match=word):
        call()


@pytest.mark.gpu
@pytest.mark.skipif(not gpu_available(), reason="needs CuPy and a CUDA device")
def test_gpu_matches_numpy() -> None:
    import cupy

    rng = np.random.default_rng(0)
    data = rng.standard_normal((5000, 64))
    sch = vp()
    x = rng.standard_normal((128, 64))
    ref = exact_score(data, sch)(x, 0.2)
    got = cupy.asnumpy(exact_score(cupy.asarray(data), sch, tile=1024)(cupy.asarray(x), 0.2))
    assert np.allclose(got, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())
    # the sampler draws on the device: the Gaussian target's moments within error bars
    x0 = prior_sample(sch, 4000, 2, np.random.SeedSequence(1), mean=MU, data_var=V, xp=cupy)
    out = cupy.asnumpy(reverse_sde(gaussian_score(sch), sch, x0, steps=2000, rng=np.random.SeedSequence(2)))
    s, var = float(sch.scale(sch.t_min)), float(sch.variance(sch.t_min))
    assert abs(out.var() / (s * s * V + var) - 1) < 4 * math.sqrt(2 / out.size)
