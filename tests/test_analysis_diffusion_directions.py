"""diffusion.directions comparison: the crossing finder, AVS's critical times, and the measured loss times."""

import math

import numpy as np
import pytest
import xarray as xr

from amphase import theory
from amphase.analysis.diffusion.direction_times import collapse_time, crossing, predicted_times, rem_condensation_time
from amphase.analysis.diffusion.directions import compare, plot, table
from amphase.dataset import upgrade
from amphase.errors import ParameterError
from amphase.simulate.diffusion.data import linear_stds, normalized_variances
from amphase.simulate.diffusion.directions import MODEL, Directions
from amphase.theory.diffusion.geometric import collapse_variance, critical_times

DEFAULTS, run = MODEL.defaults, MODEL.run


def test_crossing_is_exact_for_a_profile_linear_in_log_t():
    t = np.geomspace(1e-4, 10.0, 26)
    a, b = 0.9, 0.15  # y = a + b log t crosses 1/2 at exp((0.5 - a)/b)
    y = np.clip(a + b * np.log(t), 0.0, 1.0)
    assert crossing(t, y) == pytest.approx(math.exp((0.5 - a) / b), rel=1e-12)
    assert math.isnan(crossing(t, np.ones_like(t)))  # never lost in the grid
    assert math.isnan(crossing(t, np.zeros_like(t)))  # lost above the grid
    # the first fall from the top counts: a later recovery below it does not move the crossing
    y2 = y.copy()
    y2[:5] = 1.0
    assert crossing(t, y2) == pytest.approx(crossing(t, y), rel=1e-12)
    with pytest.raises(ParameterError, match="crossing"):
        crossing(t, y[:-1])


def test_predicted_times_are_avs_formula():
    n, s = (10, 10, 10), (1.0, 0.3, 0.01)
    sd = linear_stds(tuple(zip(n, s, strict=True)))
    raw = predicted_times(n, s, 1000, normalized=False)
    np.testing.assert_allclose(raw[0], critical_times(sd * sd, 1000)[[0, 10, 20]], rtol=1e-12)
    np.testing.assert_array_equal(raw[0], raw[1])
    # S = 0 (data on the sphere): t_c = var / (2 log n), AVS's notebook t_c(t)^2 = t var / (2 log N) at t = t_c
    sph = predicted_times(n, s, 1000, normalized=True)
    np.testing.assert_allclose(sph[0], np.array(s) ** 2 / (2 * math.log(1000)), rtol=1e-12)
    np.testing.assert_allclose(sph[1], normalized_variances(sd)[[0, 10, 20]] / (2 * math.log(1000)), rtol=1e-12)
    assert np.isnan(predicted_times(n, s, 1, normalized=False)).all()
    assert np.isnan(predicted_times((2, 0, 3), s, 100, normalized=False)[:, 1]).all()


def test_rem_condensation_time_is_avs_t_c_at_m_1_and_with_4_log_k_at_one_half():
    n, s = (10, 10, 10), (1.0, 0.3, 0.01)
    sd = linear_stds(tuple(zip(n, s, strict=True)))
    for norm in (False, True):
        # axis probe: m = 1 is AVS's criterion V = 2 log K itself
        np.testing.assert_allclose(
            rem_condensation_time(n, s, 1000, norm, "axis", m=1.0), predicted_times(n, s, 1000, norm)[1], rtol=1e-12
        )
        # m = 1/2: V = 8 log K, the same formula at K^4
        np.testing.assert_allclose(
            rem_condensation_time(n, s, 1000, norm, "axis"), predicted_times(n, s, 1000**4, norm)[1], rtol=1e-12
        )
    # population probe, raw data: (S + sum s^4 + t sum s^2)/t^2 = 8 log K at the returned t, the same for all groups
    t = rem_condensation_time(n, s, 500, False, "population")
    S = 0.5 * np.sum(sd**4)
    np.testing.assert_allclose((S + np.sum(sd**4) + t * np.sum(sd**2)) / t**2, 8 * math.log(500), rtol=1e-12)
    assert np.isnan(rem_condensation_time(n, s, 500, False, "train")).all()


def test_anisotropic_collapse_reduces_to_biroli_et_al_for_equal_variances():
    # equal variances: t_C = sigma^2 / (K^(2/d) - 1), diffusion.collapse_time's VE variance (Biroli et al. 2024)
    ref = theory.get("diffusion.collapse_time")(K=1000, d=30, sigma=0.7)["ve_variance_C"]
    assert collapse_variance(np.full(30, 0.49), 1000) == pytest.approx(ref, rel=1e-10)
    # anisotropic: the entropy condition holds at the returned t
    v = linear_stds(((10, 1.0), (10, 0.3), (10, 0.01))) ** 2
    t = collapse_variance(v, 1000)
    assert 0.5 * np.log1p(v / t).sum() == pytest.approx(math.log(1000), rel=1e-12)
    assert collapse_time((10, 10, 10), (1.0, 0.3, 0.01), 1000, False) == t
    assert math.isnan(collapse_time((10, 10, 10), (1.0, 0.3, 0.01), 1, False))


def test_collapse_of_noised_training_points_scales_with_k_like_the_entropy_criterion():
    # At noised training points (samples of the exact p_t) every direction is lost at the condensation of the
    # weights. Its time follows the K-dependence of the anisotropic entropy criterion t_collapse: the ratio
    # t_cond / t_collapse is the same at K = 100 and K = 1000 within the errors over realizations. The ratio itself
    # is 1.13 (measured with the built-in config, K = 100 ... 10000), a finite-d offset of a d -> infinity theory;
    # the test does not assert its value.
    ratios, errors = [], []
    for K in (100, 1000):
        p = {**DEFAULTS, "K": K, "n_probes": 64, "t_min": 0.1, "t_max": 2.0, "n_times": 16}
        tt = Directions(**p).times()
        tc = [crossing(tt, 1 - run(p, np.random.SeedSequence(5, spawn_key=(K, r)))["ipr"][:, 0]) for r in range(4)]
        ref = collapse_time((10, 10, 10), (1.0, 0.3, 0.01), K, False)
        ratios.append(np.mean(tc) / ref)
        errors.append(np.std(tc, ddof=1) / 2.0 / ref)
    assert abs(ratios[0] - ratios[1]) < 4 * math.hypot(*errors), (ratios, errors)


def _synthetic(t0: np.ndarray, jitter: np.ndarray) -> xr.Dataset:
    """A diffusion.directions-like dataset whose ratio is linear in log t, crossing 1/2 at t0[g] * jitter[r]."""
    t = np.geomspace(1e-4, 10.0, 21)
    K = [100]
    R, G = len(jitter), 3
    gauss = np.broadcast_to(np.array([1.0, 0.09, 1e-4]) / (np.array([1.0, 0.09, 1e-4]) + t[:, None]), (len(t), G))
    passed = np.empty((1, R, len(t), G))
    for r in range(R):
        for g in range(G):
            ratio = np.clip(0.5 + 0.2 * np.log(t / (t0[g] * jitter[r])), 0.0, 1.0)
            passed[0, r, :, g] = ratio * gauss[:, g]
    dims = ("K", "realization", "time", "group")
    ds = xr.Dataset(
        {
            "passed": (dims, passed),
            "passed_error": (dims, np.zeros_like(passed)),
            "gaussian": (dims, np.broadcast_to(gauss, passed.shape).copy()),
            "ipr": (dims, np.zeros_like(passed)),
        },
        coords={"K": K, "realization": np.arange(R), "time": t, "group": [1, 2, 3]},
    )
    for k, v in DEFAULTS.items():
        ds.attrs[f"param_{k}"] = v
    return ds


def test_compare_recovers_known_crossings_with_their_standard_error():
    t0 = np.array([0.3, 0.03, 0.003])
    jitter = np.array([0.9, 1.0, 1.2, 1.05])
    res = compare(_synthetic(t0, jitter))
    per = t0[:, None] * jitter[None, :]
    np.testing.assert_allclose(res["t_half"].sel(K=100).values, per.mean(axis=1), rtol=1e-10)
    np.testing.assert_allclose(res["t_half_error"].sel(K=100).values, per.std(axis=1, ddof=1) / 2.0, rtol=1e-10)
    assert (res["n_crossed"].values == 4).all()
    sd = linear_stds(((10, 1.0), (10, 0.3), (10, 0.01)))
    np.testing.assert_allclose(res["t_c"].sel(K=100).values, critical_times(sd * sd, 100)[[0, 10, 20]], rtol=1e-12)
    assert "t_half" in table(res)


def test_compare_reads_fixed_parameters_from_scalar_coordinates():
    """The current layout (scalar coordinates, no ``param_X`` attributes) compares exactly as the old one."""
    old = _synthetic(np.array([0.3, 0.03, 0.003]), np.array([0.9, 1.0, 1.2, 1.05]))
    new = upgrade(old)
    new.attrs = {k: v for k, v in new.attrs.items() if not k.startswith("param_")}
    assert "n1" in new.coords and "param_n1" not in new.attrs
    res = compare(new)
    assert not [n for n, c in res.coords.items() if c.ndim == 0]  # the fixed parameters stay out of the results
    xr.testing.assert_identical(res, compare(old))
    assert table(res) == table(compare(old))


def test_compare_refuses_a_dataset_of_another_model():
    with pytest.raises(ParameterError, match="passed"):
        compare(xr.Dataset({"count": ("K", [1])}, coords={"K": [1]}))


def test_lowest_variance_group_is_lost_at_the_condensation_of_the_weights():
    # For directions with s^2 << t, E[Var_w(xi_j)] = s_hat^2 (1 - sum w^2) (s_hat^2 the training set's unbiased sample
    # variance; derived in amphase.simulate.diffusion.directions and tested there probe by probe), so group 3
    # (s = 0.01) measured against its sample Gaussian value s_hat^2/(s_hat^2 + t) crosses 1/2 where 1 - ipr does:
    # the paired difference over realizations is 0 within its standard error (the two curves are proportional, so
    # the interpolation on the same grid cancels). AVS's t_c for that group is the REM criterion at x_j^2 = t, a
    # different statement: 0.66 here for raw Gaussian data (S dominates), and 1e4 times below the measured loss on
    # the sphere; this pins the measured relation, not AVS's number.
    p = {**DEFAULTS, "K": 300, "n_probes": 96, "t_min": 0.05, "t_max": 3.0, "n_times": 13}
    tt = Directions(**p).times()
    halves, conds = [], []
    for r in range(4):
        out = run(p, np.random.SeedSequence(99, spawn_key=(0, r)))
        sv = out["sample_variance"][2]
        halves.append(crossing(tt, out["passed"][:, 2] / (sv / (sv + tt))))
        conds.append(crossing(tt, 1 - out["ipr"][:, 2]))
    d = np.array(halves) - np.array(conds)
    assert np.isfinite(d).all() and 0.05 < np.mean(conds) < 3.0
    assert abs(d.mean()) < 4 * d.std(ddof=1) / 2.0


def test_plot_draws_one_panel_per_K_and_a_summary(tmp_path):
    res = compare(_synthetic(np.array([0.3, 0.03, 0.003]), np.array([1.0, 1.1])))
    fig = plot(res, "synthetic")
    assert len(fig.axes) == 2  # K = 100 and the t_half-vs-K summary
