"""diffusion.clones with the exact empirical score of n training points (score = "exact").

Exact identities (nesting of the training sets, the clone-overlap kernel against a direct softmax, n = 2 far below
the collapse time), statistical agreement within binomial errors (large n against the population phi(t) of Biroli et
al. 2024; small n against the exact finite-n expectation phi_n, and away from the population), bad input, and one
small sweep through the runner and the comparison.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from amphase.analysis.diffusion.clones import compare_clones, plot_clones, table_clones
from amphase.errors import ParameterError
from amphase.simulate.config import resolve
from amphase.simulate.diffusion.clones import Clones
from amphase.simulate.diffusion.gaussian_sets import two_gaussian_points
from amphase.simulate.diffusion.regimes import clone_overlap
from amphase.simulate.diffusion.schedules import ou
from amphase.simulate.seeding import point_seed
from amphase.simulate.sweep import run_sweep
from amphase.theory.diffusion.regimes import clone_probability, collapse_time

D = 16  # m = sigma = 1: |m|^2 = 16, t_S = 0.5 log 17 = 1.4166


def _exact(**kw: object) -> dict[str, np.ndarray]:
    r = Clones(**{"d": D, "score": "exact", "t_min": 0.01, "t_max": 4.0, "steps": 400, "start": "marginal",
                  "dtype": "float32", "n_draws": 1000, **kw})  # fmt: skip
    return r.run(point_seed(11, {"n": float(r.K)}, 0))


def test_training_sets_are_nested_in_n_balanced_and_keyed_by_d_m_sigma() -> None:
    seed = point_seed(3, {"n": 1.0}, 1)
    small = two_gaussian_points(7, 5, 1.0, 1.0, seed)
    big = two_gaussian_points(64, 5, 1.0, 1.0, seed)
    assert np.array_equal(small, big[:7])
    # even i from N(+m, sigma^2 I), odd i from N(-m, ...): the same draw of the noise gives both classes
    sign = np.where(np.arange(64) % 2 == 0, 1.0, -1.0)
    noise = big - sign[:, None]
    assert np.array_equal(big, sign[:, None] * np.ones(5) + noise)
    assert np.sum(np.sign(big @ np.ones(5)) == sign) >= 60  # |m| = sqrt(5): P(sign flip) = Phi(-sqrt 5) = 0.013
    # the stream is keyed by sigma (as by d and m): another sigma is another set, not a scaled copy
    wider = two_gaussian_points(64, 5, 1.0, 2.0, seed)
    assert not np.allclose((wider - sign[:, None]) / 2.0, noise)
    other = two_gaussian_points(7, 5, 1.0, 1.0, point_seed(3, {"n": 1.0}, 2))
    assert not np.array_equal(other, small)  # a new training set per realization


def test_clone_overlap_is_the_softmax_class_and_point_overlap() -> None:
    rng = np.random.default_rng(0)
    data = rng.standard_normal((9, 4))
    labels = np.array([1, 1, -1, 1, -1, -1, 1, 1, -1])
    sch = ou(t_min=0.01, t_max=4.0)
    t = 0.4
    s, var = math.exp(-t), -math.expm1(-2 * t)
    x = s * data[rng.integers(0, 9, 6)] + math.sqrt(var) * rng.standard_normal((6, 4))
    logits = -((x[:, None, :] - s * data[None]) ** 2).sum(-1) / (2 * var)
    w = np.exp(logits - logits.max(1, keepdims=True))
    w /= w.sum(1, keepdims=True)
    same_class, same_point = clone_overlap(data, labels, sch, x, t, tile=4)
    expect_class = w[:, labels == 1].sum(1) ** 2 + w[:, labels == -1].sum(1) ** 2
    assert np.allclose(same_class, expect_class, rtol=0, atol=1e-12)
    assert np.allclose(same_point, (w**2).sum(1), rtol=0, atol=1e-12)
    with pytest.raises(ParameterError, match="labels"):
        clone_overlap(data, labels[:3], sch, x, t)


def test_two_points_far_below_the_collapse_time_always_give_the_same_class() -> None:
    # n = 2: one point per class, |xi_1 - xi_2|^2 ~ 4 |m|^2 + 2 d = 96; at t = 0.2 t_S = 0.283 (t_C(2, 16, 1) =
    # 1.244) the other point's posterior weight is ~exp(-s^2 96 / (2 Delta_t)) = e^-63: both clones of every state end
    # at the point it came from, so phi = 1 exactly, and (one point per class) phi_n = q_n identically at every t
    assert collapse_time(2, D, 1.0) > 4 * 0.2 * 0.5 * math.log(17.0)
    out = _exact(K=2, n_pairs=200, ratio_min=0.2, ratio_max=2.0, n_times=2)
    assert out["n_same"][0] == 200 and out["n_same_point"][0] == 200
    assert out["phi_reference"][0] > 1 - 1e-12
    assert np.allclose(out["phi_reference"], out["same_point_reference"], rtol=0, atol=1e-12)
    assert np.array_equal(out["n_same"], out["n_same_point"])  # one point per class: same class = same point


def test_large_n_agrees_with_the_population_phi_within_binomial_errors() -> None:
    # n = 1024 (t_C = 0.273): at t = 0.5, 1.0, 1.1 t_S the exact phi_n of such sets is within 0.003 of the population
    # phi (measured with the clone-overlap reference), a quarter of the binomial error of 1000 pairs; the spread
    # between training sets is left out of the error, which only makes the test stricter
    out = _exact(K=1024, n_pairs=1000, ratio_min=0.5, ratio_max=1.1, n_times=2, n_draws=0)
    th = np.array([clone_probability(t, D, 1.0, 1.0).phi for t in out["t_branch"]])
    z = (out["n_same"] / 1000 - th) / np.sqrt(th * (1 - th) / 1000)
    assert stats.chi2.sf(np.sum(z**2), z.size) > 1e-3, z


def test_small_n_follows_the_finite_n_expectation_above_the_population() -> None:
    # n = 16 (t_C = 0.614) at t = 0.5 t_S = 0.708: phi_n - phi = +0.02 (the clones collapse onto the same training
    # point with probability q_n ~ 0.65), 4.5 binomial errors of 1000 pairs; the measurement follows phi_n
    out = _exact(K=16, n_pairs=1000, ratio_min=0.5, ratio_max=1.1, n_times=2, n_draws=4000)
    n_pairs = 1000
    ref, ref_err = out["phi_reference"], out["phi_reference_error"]
    th = np.array([clone_probability(t, D, 1.0, 1.0).phi for t in out["t_branch"]])
    assert ref[0] - th[0] > 5 * ref_err[0]  # the exact finite-n shift itself (no sampler)
    z_ref = (out["n_same"] / n_pairs - ref) / np.sqrt(ref * (1 - ref) / n_pairs + ref_err**2)
    assert stats.chi2.sf(np.sum(z_ref**2), z_ref.size) > 1e-3, z_ref
    z_pop = (out["n_same"][0] / n_pairs - th[0]) / math.sqrt(th[0] * (1 - th[0]) / n_pairs)
    assert z_pop > 2.0, z_pop  # expected +4.5 +- 1
    q, q_err = out["same_point_reference"], out["same_point_reference_error"]
    zq = (out["n_same_point"] / n_pairs - q) / np.sqrt(q * (1 - q) / n_pairs + q_err**2)
    assert stats.chi2.sf(np.sum(zq**2), zq.size) > 1e-3, zq


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"score": "empirical"}, "score"),
        ({"score": "exact", "K": 1}, "K="),
        ({"score": "exact", "n_draws": -1}, "n_draws"),
        ({"score": "exact", "t_min": 0.001, "steps": 400, "spacing": "uniform"}, "steps"),
        ({"score": "exact", "t_min": 0.001, "steps": 5, "spacing": "log"}, "log t"),
        ({"score": "exact", "backend": "tpu"}, "backend"),
    ],
)
def test_bad_input_is_refused_before_work(params: dict, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        resolve({"model": "diffusion.clones", "params": {"d": D, "t_min": 0.01, **params}})


def test_exact_score_sweep_over_n_compares_and_plots(tmp_path: Path) -> None:
    raw = {"model": "diffusion.clones", "seed": 4, "realizations": 2, "grid": {"K": [4, 32]},
           "params": {"score": "exact", "d": D, "n_pairs": 40, "steps": 400, "t_min": 0.01, "t_max": 4.0,
                      "start": "marginal", "n_times": 2, "n_draws": 50}}  # fmt: skip
    ds = run_sweep(resolve(raw), tmp_path / "k.nc", executor="serial", progress=False)
    res = compare_clones(ds)
    assert res.sizes["point"] == 2 and bool(res["exact_score"].all())
    assert np.allclose(res["t_C"], [collapse_time(n, D, 1.0) for n in (4, 32)])
    sub = ds.isel(K=1)
    assert np.array_equal(res["phi"][1], sub["n_same"].sum("realization") / 80)
    assert np.array_equal(res["same_point"][1], sub["n_same_point"].sum("realization") / 80)
    th = res["phi_theory"][1].values
    assert np.allclose(res["finite_K_shift"][1], (sub["phi_reference"] - th).mean("realization"))
    assert np.allclose(res["phi_reference_error"][1], np.sqrt((sub["phi_reference_error"] ** 2).sum("realization")) / 2)
    text = table_clones(res)
    assert "t_C = " in text and "phi_K" in text
    assert plot_clones(res, "t") is not None
