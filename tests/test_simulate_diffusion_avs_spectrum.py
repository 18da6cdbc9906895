"""AVS's observable (singular values of stacked scores): exact identities, limits, and bad input."""

import math

import numpy as np
import pytest
import xarray as xr

from amphase.errors import ParameterError
from amphase.simulate.diffusion import avs_spectrum as avs
from amphase.simulate.diffusion.directions import MODEL
from amphase.simulate.diffusion.schedules import make_schedule
from amphase.simulate.diffusion.score import exact_score

VE1 = make_schedule("ve", sigma=1.0)

DEFAULTS, check, run, sizes = MODEL.defaults, MODEL.check, MODEL.run, MODEL.sizes


def test_jacobian_spectrum_is_the_spectrum_of_the_finite_difference_jacobian_of_the_denoiser():
    # J_D = Cov_w / t exactly (VE, sigma = 1): central differences of D agree to O(h^2)
    rng = np.random.default_rng(3)
    xi, x = rng.standard_normal((60, 5)), rng.standard_normal((4, 5))
    score, t, h = exact_score(xi, VE1, tile=16), 0.4, 1e-6
    cols = [(score.denoiser(x + h * e, t) - score.denoiser(x - h * e, t)) for e in np.eye(5)]
    fd = np.stack(cols, axis=2) / (2 * h)  # fd[p, i, j] = dD_i / dx_j
    np.testing.assert_allclose(score.denoiser_jacobian(x, t), fd, atol=1e-8)
    ev_fd = np.sort(np.linalg.eigvals(fd).real, axis=1)
    np.testing.assert_allclose(avs.jacobian_spectrum(score, x, t), ev_fd, atol=1e-8)
    np.testing.assert_allclose(
        np.diagonal(score.denoiser_jacobian(x, t), axis1=1, axis2=2), score.denoiser_jacobian_diagonal(x, t), atol=1e-14
    )


def test_stacked_scores_with_a_small_step_give_the_linearised_spectrum():
    # S(x0 + h z_k) - S(x0) = h J_S z_k + O(h^2), J_S = (J_D - I)/t: singular values |1 - lambda|/t (module docstring)
    rng = np.random.default_rng(4)
    xi, x0 = rng.standard_normal((40, 4)), rng.standard_normal((3, 4))
    score, t = exact_score(xi, VE1, tile=16), 0.3
    frame = avs.orthogonal_frame(rng, 4)
    np.testing.assert_allclose(frame @ frame.T, np.eye(4), atol=1e-12)
    sv, _ = avs.singular_spectrum(avs.stacked_scores(score, x0, t, frame, step=1e-6, subtract_centre=True))
    lin = np.sort(np.abs(1.0 - avs.jacobian_spectrum(score, x0, t)), axis=1)[:, ::-1] / t
    np.testing.assert_allclose(sv, lin, rtol=1e-5)
    values, vt = avs.linearized_spectrum(score.denoiser_jacobian(x0, t))
    np.testing.assert_allclose(values, lin / lin[:, :1], rtol=1e-12)
    np.testing.assert_allclose(np.einsum("pkd,pld->pkl", vt, vt), np.broadcast_to(np.eye(4), (3, 4, 4)), atol=1e-12)


def test_one_training_point_loses_every_direction():
    # K = 1: Cov_w = 0 (J_D = 0 exactly); at x0 = the point the stacked scores are -Z/t, all normalised values 1
    rng = np.random.default_rng(5)
    xi = rng.standard_normal((1, 6))
    score, t = exact_score(xi, VE1), 0.7
    np.testing.assert_array_equal(avs.jacobian_spectrum(score, rng.standard_normal((3, 6)), t), 0.0)
    sv, vt = avs.singular_spectrum(avs.stacked_scores(score, xi, t, avs.orthogonal_frame(rng, 6)))
    np.testing.assert_allclose(sv, 1.0 / t, rtol=1e-12)
    v = avs.normalized_spectrum(sv)
    np.testing.assert_allclose(v, 1.0, rtol=1e-12)
    index = np.array([0, 0, 1, 1, 2, 2])
    np.testing.assert_allclose(avs.group_projection(v, vt, index, 3), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(avs.count_below(v, vt, index, 3, 0.5), 0.0)
    lv, _ = avs.linearized_spectrum(score.denoiser_jacobian(xi, t))
    np.testing.assert_array_equal(lv, 1.0)


def test_linear_score_gives_the_gaussian_values_exactly():
    # the K -> infinity Gaussian score S(x) = -x/(var + t) at x0 = 0: M = Z A exactly, singular values 1/(var_j + t)
    var = np.array([1.0, 1.0, 0.09, 0.09, 1e-4, 1e-4])
    t = 0.2

    def linear(x, t):
        return -np.asarray(x) / (var + t)

    rng = np.random.default_rng(6)
    sv, vt = avs.singular_spectrum(avs.stacked_scores(linear, np.zeros((2, 6)), t, avs.orthogonal_frame(rng, 6)))
    v = avs.normalized_spectrum(sv, drop_first=False)
    gv = avs.gaussian_values(var, t)
    np.testing.assert_allclose(v, np.broadcast_to(np.sort(gv)[::-1], v.shape), rtol=1e-12)
    index = np.repeat([0, 1, 2], 2)
    expect = np.array([gv[index == g].mean() for g in range(3)])
    np.testing.assert_allclose(avs.group_projection(v, vt, index, 3), np.broadcast_to(expect, (2, 3)), rtol=1e-10)
    cnt = avs.count_below(v, vt, index, 3, 0.5)
    np.testing.assert_allclose(cnt, np.broadcast_to([2.0, 0.0, 0.0], (2, 3)), atol=1e-12)  # 0.2/1.2, 0.2/0.29, 1
    np.testing.assert_allclose(cnt.sum(axis=1), (v < 0.5).sum(axis=1), atol=1e-12)


def test_many_gaussian_points_give_the_wiener_spectrum_within_the_effective_sample_error():
    # Gaussian data, K large: Cov_w/t -> the posterior covariance / t = var/(var + t) per direction. Cov_w is a
    # weighted sample covariance of effective size K_eff = 1/sum w^2; an eigenvalue's sampling s.d. is
    # lambda sqrt(2/K_eff) (Anderson, An Introduction to Multivariate Statistical Analysis, 3rd ed., Thm 13.5.1).
    rng = np.random.default_rng(7)
    sd = np.array([1.0, 0.6, 0.3])
    K, t = 40000, 0.5
    xi = rng.standard_normal((K, 3)) * sd
    x = rng.standard_normal((6, 3)) * np.sqrt(sd**2 + t)
    score = exact_score(xi, VE1)
    lam = avs.jacobian_spectrum(score, x, t)  # ascending
    k_eff = 1.0 / score.inverse_participation(x, t)
    expect = np.sort(sd**2 / (sd**2 + t))
    z = (lam - expect) / (expect * np.sqrt(2.0 / k_eff)[:, None])
    assert np.all(k_eff > 500)
    assert np.all(np.abs(z) < 4.0), z


def test_bad_input_raises_parameter_error():
    rng = np.random.default_rng(8)
    score = exact_score(rng.standard_normal((5, 3)), VE1)
    with pytest.raises(ParameterError, match="frame"):
        avs.stacked_scores(score, np.zeros((2, 3)), 0.1, np.eye(4))
    with pytest.raises(ParameterError, match="t="):
        avs.stacked_scores(score, np.zeros((2, 3)), 0.0, np.eye(3))
    with pytest.raises(ParameterError, match="step"):
        avs.stacked_scores(score, np.zeros((2, 3)), 0.1, np.eye(3), step=-1.0)
    v, vt = np.full((1, 2), 0.3), np.broadcast_to(np.eye(3), (1, 3, 3))
    for bad in (0.0, 1.0, math.nan):
        with pytest.raises(ParameterError, match="threshold"):
            avs.count_below(v, vt, np.array([0, 1, 2]), 3, bad)
    with pytest.raises(ParameterError, match="index"):
        avs.group_projection(v, vt, np.array([0, 1]), 3)
    with pytest.raises(ParameterError, match="d="):
        avs.orthogonal_frame(rng, 0)
    with pytest.raises(ParameterError, match="sv"):
        avs.normalized_spectrum(np.ones((2, 1)))
    p = {**DEFAULTS, "K": 8, "observable": "spectrum"}
    with pytest.raises(ParameterError, match="axis"):
        check({**p, "probe": "axis"})
    with pytest.raises(ParameterError, match="d <= 64"):
        check({**p, "n1": 40, "n2": 40})


def test_model_spectrum_run_k1_loses_every_group_and_has_the_declared_shapes():
    p = {**DEFAULTS, "K": 1, "observable": "spectrum", "n1": 2, "n2": 2, "n3": 2, "n_probes": 3, "n_times": 4}
    check(p)
    out = run(p, np.random.SeedSequence(11))
    assert sizes({"params": p}) == {"time": 4, "group": 3, "rank": 5}
    assert out["sv_sorted"].shape == (4, 5)
    np.testing.assert_allclose(out["sv_sorted"], 1.0, rtol=1e-10)
    np.testing.assert_allclose(out["projected"], 1.0, rtol=1e-10)
    np.testing.assert_allclose(out["projected_linear"], 1.0, rtol=1e-12)
    np.testing.assert_array_equal(out["count"], 0.0)
    np.testing.assert_array_equal(out["ipr"], 1.0)


def _synthetic_spectrum(t0: np.ndarray, jitter: np.ndarray) -> xr.Dataset:
    """A spectrum dataset whose kept fraction is linear in log t, crossing 1/2 at t0[g] * jitter[r] (groups 1, 2)."""

    t = np.geomspace(1e-4, 10.0, 21)
    R, G = len(jitter), 3
    var = np.array([1.0, 0.09, 1e-4])
    gv = np.stack([avs.gaussian_values(var, float(tt)) for tt in t])  # (time, G)
    proj = np.empty((1, R, len(t), G))
    for r in range(R):
        for g in range(G):
            kept = np.clip(0.5 + 0.2 * np.log(t / (t0[g] * jitter[r])), 0.0, 1.0)
            proj[0, r, :, g] = 1.0 - kept * (1.0 - gv[:, g])
    dims = ("K", "realization", "time", "group")
    full = np.broadcast_to(gv, proj.shape).copy()
    ds = xr.Dataset(
        {
            "projected": (dims, proj),
            "projected_linear": (dims, proj.copy()),
            "projected_gaussian": (dims, full),
            "count": (dims, np.zeros_like(proj)),
            "count_gaussian": (dims, np.zeros_like(proj)),
            "ipr": (dims, np.zeros_like(proj)),
            "sv_sorted": (("K", "realization", "time", "rank"), np.ones((1, R, len(t), 29))),
        },
        coords={"K": [100], "realization": np.arange(R), "time": t, "group": [1, 2, 3], "rank": np.arange(2, 31)},
    )
    for k, v in {**DEFAULTS, "observable": "spectrum"}.items():
        ds.attrs[f"param_{k}"] = v
    return ds


def test_spectrum_comparison_recovers_known_crossings_and_skips_the_reference_group():
    from amphase.analysis.diffusion.directions import compare, table
    from amphase.theory.diffusion.geometric import critical_times

    t0 = np.array([0.3, 0.03, 0.003])
    jitter = np.array([0.9, 1.0, 1.2, 1.05])
    res = compare(_synthetic_spectrum(t0, jitter))
    per = t0[:, None] * jitter[None, :]
    got = res["t_spec"].sel(K=100).values
    np.testing.assert_allclose(got[:2], per.mean(axis=1)[:2], rtol=1e-10)
    np.testing.assert_allclose(res["t_spec_error"].sel(K=100).values[:2], per.std(axis=1, ddof=1)[:2] / 2, rtol=1e-10)
    np.testing.assert_allclose(res["t_lin"].sel(K=100).values[:2], per.mean(axis=1)[:2], rtol=1e-10)
    assert math.isnan(got[2])  # group 3 is the normalisation's reference: no gap, no reading
    var = np.repeat([1.0, 0.09, 1e-4], 10)
    np.testing.assert_allclose(res["t_c"].sel(K=100).values, critical_times(var, 100)[[0, 10, 20]], rtol=1e-12)
    assert "t_spec" in table(res)
