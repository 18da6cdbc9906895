"""diffusion.directions: the denoiser-Jacobian diagonal, its exact limits, the model's output and bad input."""

import math

import numpy as np
import pytest

from amphase.errors import ParameterError
from amphase.simulate.diffusion.data import linear_manifold, linear_stds, normalized_variances
from amphase.simulate.diffusion.directions import MODEL, Directions, measure
from amphase.simulate.diffusion.schedules import make_schedule
from amphase.simulate.diffusion.score import exact_score
from amphase.simulate.lse import lse_stats

VE1 = make_schedule("ve", sigma=1.0)
DEFAULTS, run, check = MODEL.defaults, MODEL.run, MODEL.check


def params(**kw):
    p = {**DEFAULTS, "K": 64, "n_probes": 32, "t_min": 1e-3, "t_max": 3.0, "n_times": 5}
    p.update(kw)
    return p


def seed(r=0):
    return np.random.SeedSequence(1234, spawn_key=(7, r))


def test_streamed_diagonal_second_moment_is_the_diagonal_of_the_full_one():
    rng = np.random.default_rng(0)
    xi, x = rng.standard_normal((300, 6)) + 2.0, rng.standard_normal((9, 6)) + 2.0
    diag = lse_stats(x, xi, 0.7, tile=37, second="diag").second  # tiles of 37: the running rescale is exercised
    full = lse_stats(x, xi, 0.7, tile=1000, second="full").second
    np.testing.assert_allclose(diag, np.diagonal(full, axis1=1, axis2=2), rtol=1e-12, atol=1e-14)


def test_denoiser_jacobian_diagonal_is_the_derivative_of_the_denoiser():
    # J_D = Cov_w / t (VE, sigma = 1): central differences of D agree to O(h^2)
    rng = np.random.default_rng(1)
    xi, x = rng.standard_normal((50, 4)), rng.standard_normal((6, 4))
    score, t, h = exact_score(xi, VE1, tile=16), 0.3, 1e-6
    cols = [(score.denoiser(x + h * e, t) - score.denoiser(x - h * e, t))[:, j] for j, e in enumerate(np.eye(4))]
    fd = np.stack(cols, axis=1) / (2 * h)
    np.testing.assert_allclose(score.denoiser_jacobian_diagonal(x, t), fd, atol=1e-8)


def test_inverse_participation_is_the_sum_of_squared_softmax_weights():
    rng = np.random.default_rng(2)
    xi, x, t = rng.standard_normal((80, 3)), rng.standard_normal((5, 3)), 0.2
    logits = -((x[:, None] - xi[None]) ** 2).sum(-1) / (2 * t)
    w = np.exp(logits - logits.max(1, keepdims=True))
    w /= w.sum(1, keepdims=True)
    np.testing.assert_allclose(exact_score(xi, VE1, tile=32).inverse_participation(x, t), (w**2).sum(1), rtol=1e-12)


def test_sphere_variances_sum_to_one_and_match_sampling():
    sd = linear_stds(((10, 1.0), (10, 0.3), (10, 0.01)))
    v = normalized_variances(sd)
    assert v.sum() == pytest.approx(1.0, abs=1e-10)  # sum_i a_i^2/|a|^2 = 1 exactly
    np.testing.assert_allclose(normalized_variances(np.ones(5)), 0.2, rtol=1e-10)  # symmetry: 1/d
    a = linear_manifold(200_000, np.random.default_rng(3), ((10, 1.0), (10, 0.3), (10, 0.01)), normalized=True)
    sq = a**2
    for sl in (slice(0, 10), slice(10, 20), slice(20, 30)):
        per_point = sq[:, sl].mean(axis=1)  # group mean per point: the points are independent
        se = per_point.std(ddof=1) / math.sqrt(len(per_point))
        assert abs(per_point.mean() - v[sl].mean()) < 4 * se


def test_one_training_point_loses_every_direction():
    # K = 1: the weights are (1), Cov_w = 0, the denoiser is constant: nothing passes, ipr = 1
    for probe in ("train", "population", "axis"):
        out = run(params(K=1, probe=probe), seed())
        assert np.all(out["passed"] == 0.0) and np.all(out["ipr"] == 1.0)


def test_large_training_set_gives_the_gaussian_value():
    # K -> infinity: the denoiser is the Wiener filter, J_jj = s^2/(s^2 + t) at every x (Gaussian data, exact). At
    # finite K the error has two parts: the probes' spread (passed_error) and the training set's sample variance,
    # relative s.e. sqrt(2/(K n_g)), which moves G by G(1 - G) sqrt(2/(K n_g)).
    K, ng = 20_000, 2
    p = params(K=K, n1=ng, s1=1.0, n2=ng, s2=0.3, n3=0, t_min=1.0, t_max=3.0, n_times=2, n_probes=128)
    for probe in ("train", "population"):
        out = run({**p, "probe": probe}, seed())
        g, m, e = out["gaussian"][:, :2], out["passed"][:, :2], out["passed_error"][:, :2]
        sampling = g * (1 - g) * math.sqrt(2 / (K * ng))
        assert np.all(np.abs(m - g) < 4 * np.sqrt(e**2 + sampling**2)), (probe, m, g)
        np.testing.assert_allclose(g, [[1 / 2, 0.09 / 1.09], [1 / 4, 0.09 / 3.09]], rtol=1e-12)
    assert np.all(np.isnan(out["passed"][:, 2]))  # the empty third group


def test_low_variance_directions_are_lost_with_the_weights():
    # derived in the model's docstring: for s_j^2 << t the coordinate j does not move the weights; the K values of
    # coordinate j are then exchangeable given the weights, so E[Var_w(xi_j)] = s_hat_j^2 (1 - sum w^2) exactly, with
    # s_hat_j^2 the training set's unbiased sample variance (derived here). The low-variance group is lost exactly as
    # the weights condense; what is left is the O(s_j^2 / t) <= 5e-4 pull of coordinate j on the weights.
    p = params(K=500)
    data = Directions(**p).training_points(seed())
    score = exact_score(data, VE1)
    s_hat = data[:, 20:].var(axis=0, ddof=1)
    rng = np.random.default_rng(5)
    P = 400
    base, z = data[rng.integers(len(data), size=P)], rng.standard_normal((P, 30))
    for t in (0.2, 0.5, 1.0):
        jd, ipr = measure(score, base + math.sqrt(t) * z, t)
        diff = (jd[:, 20:] * t / s_hat).mean(axis=1) - (1 - ipr)  # Var_w(xi_j) / s_hat_j^2 - (1 - sum w^2)
        assert 0.05 < (1 - ipr).mean() < 0.95  # the weights are condensing here
        assert abs(diff.mean()) < 4 * diff.std(ddof=1) / math.sqrt(P) + 5e-4, t


def test_run_is_reproducible_nested_and_shaped():
    p = params()
    a, b = run(p, seed()), run(p, seed())
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert a["passed"].shape == (5, 3) and a["variance"].shape == (3,)
    np.testing.assert_allclose(a["variance"], [1.0, 0.09, 1e-4], rtol=1e-12)
    np.testing.assert_array_equal(
        Directions(**params(K=64)).training_points(seed())[:20], Directions(**params(K=20)).training_points(seed())
    )
    np.testing.assert_allclose(Directions(**params(normalized=1)).population_variances().sum(), 1.0, atol=1e-10)


@pytest.mark.parametrize(
    ("override", "word"),
    [
        ({"n1": 0, "n2": 0, "n3": 0}, "n1, n2, n3"),
        ({"t_min": 1.0, "t_max": 0.5}, "t_min"),
        ({"backend": "quantum"}, "backend"),
    ],
)
def test_bad_grid_points_are_refused_before_work(override, word):
    with pytest.raises(ParameterError, match=word):
        check(params(**override))


def test_bad_values_name_the_parameter():
    with pytest.raises(ParameterError, match="probe"):
        MODEL.param("probe").check("corner")
    with pytest.raises(ParameterError, match="s1"):
        MODEL.param("s1").check(-0.3)
    with pytest.raises(ParameterError, match="normalized"):
        MODEL.param("normalized").check(2)
    with pytest.raises(ParameterError, match="group std"):
        linear_stds(((3, -1.0),))
    with pytest.raises(ParameterError, match="stds"):
        normalized_variances(np.zeros(3))
    with pytest.raises(ParameterError, match="second"):
        lse_stats(np.zeros((1, 2)), np.ones((3, 2)), 1.0, second="upper")
