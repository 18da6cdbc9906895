"""Exponential memories (dense.exp_retrieval): the update against brute force, LM's criterion at finite N."""

import math

import numpy as np
import pytest

from amphase.errors import ParameterError
from amphase.simulate.config import resolve
from amphase.simulate.dense.exp_retrieval import MODEL, ExpRetrieval, draw_patterns, retrieve
from amphase.simulate.lse import lse
from amphase.theory.dense.lse import annealed_threshold, fixed_point_threshold, lse_threshold

run = MODEL.run


def softmax_map(xi, x, lam):
    s = lam * x @ xi.T
    w = np.exp(s - s.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    return w @ xi, w


@pytest.mark.parametrize("patterns", ["spherical", "gaussian"])
def test_one_step_is_the_softmax_map_and_the_start_weight(patterns):
    rng = np.random.default_rng(3)
    xi = draw_patterns(300, 12, patterns, rng)
    x0 = xi[:5] + 0.3 * rng.standard_normal((5, 12))
    lam = 0.7
    out = retrieve(xi, x0, np.arange(5), lam, max_steps=1, tile=64)
    new, w = softmax_map(xi, x0, lam)
    wc = w[np.arange(5), np.arange(5)]
    np.testing.assert_allclose(out["log_odds_start"], np.log(wc / (1 - wc)), rtol=1e-10, atol=1e-10)
    t = xi[:5]
    np.testing.assert_allclose(out["m_cue"], np.einsum("bn,bn->b", new, t) / np.einsum("bn,bn->b", t, t), rtol=1e-12)
    assert list(out["steps"]) == [1] * 5


def test_spherical_patterns_have_norm_N_and_the_distance_form_at_half_lambda():
    # equal norms: softmax(lam xi.x) = softmax(-(lam/2) |x - xi|^2), the squared-distance kernel at beta = lam/2
    rng = np.random.default_rng(4)
    xi = draw_patterns(500, 20, "spherical", rng)
    np.testing.assert_allclose(np.einsum("pn,pn->p", xi, xi), 20.0, rtol=1e-12)
    x = rng.standard_normal((3, 20))
    np.testing.assert_allclose(softmax_map(xi, x, 0.4)[0], lse(0.2, xi).fixed_point(x), rtol=1e-9, atol=1e-12)


def test_a_stored_pattern_far_below_threshold_is_a_fixed_point():
    rng = np.random.default_rng(5)
    xi = draw_patterns(50, 40, "spherical", rng)  # alpha = ln 50/40 = 0.098, alpha_1(1) = 0.62
    out = retrieve(xi, xi[:4].copy(), np.arange(4), 1.0)
    assert out["converged"].all() and np.all(out["m_cue"] > 1 - 1e-9) and np.all(out["log_odds_start"] > 20)


def _pooled(params, realizations):
    one, ret = [], []
    for r in range(realizations):
        o = run(params, np.random.SeedSequence([11, r]))
        one += list(o["log_odds_start"] > 0)
        ret += list(o["m_cue"] >= 0.5)
    return np.array(one), np.array(ret)


def test_one_step_and_iterated_half_points_at_a_small_size():
    # spherical, lam = 0.5, N = 12 (P ~ 100): at the annealed finite-N half-point (0.999 alpha_1) the one-step
    # fraction is 1/2 within 3 binomial standard errors (96 cues); the iterated update keeps every cue at 0.55
    # alpha_1 and none at 0.9 alpha_1 (mean field: lost at 0.719 alpha_1)
    lam, N = 0.5, 12
    a1 = lse_threshold(lam).alpha_1
    base = {**MODEL.defaults, "N": N, "lam": lam, "cues": 16}
    one, _ = _pooled({**base, "load": annealed_threshold(N, lam).alpha_half / a1}, 6)
    assert abs(one.mean() - 0.5) <= 3 * 0.5 / math.sqrt(one.size)
    assert fixed_point_threshold(N, lam) / a1 == pytest.approx(0.719, abs=0.002)
    assert _pooled({**base, "load": 0.55}, 3)[1].all() and not _pooled({**base, "load": 0.9}, 3)[1].any()


@pytest.mark.slow
def test_one_step_criterion_crosses_half_at_the_finite_n_prediction():
    # spherical, lam = 0.5, N = 24: the annealed finite-N half-point is alpha = 0.998 alpha_1 (P ~ 1.1e4). There
    # the one-step fraction is 1/2 within 3 binomial standard errors (64 cues; cues of one realization share the
    # crosstalk patterns but their overlaps with them are independent); at 0.8 and 1.2 alpha_1 it is 1 and 0
    lam, N = 0.5, 24
    load = annealed_threshold(N, lam).alpha_half / lse_threshold(lam).alpha_1
    base = {**MODEL.defaults, "N": N, "lam": lam, "cues": 16}
    one, _ = _pooled({**base, "load": load}, 4)
    assert abs(one.mean() - 0.5) <= 3 * 0.5 / math.sqrt(one.size)
    assert _pooled({**base, "load": 0.8}, 2)[0].all() and not _pooled({**base, "load": 1.2}, 2)[0].any()


@pytest.mark.slow
def test_iterated_update_fails_below_alpha_1_where_the_mean_field_says():
    # the end of the iteration is lost at a lower load (mean field: 0.756 alpha_1 at N = 24, lam = 0.5): every cue
    # is retrieved at 0.65 alpha_1 and none at 0.9 alpha_1, although at 0.9 every one-step criterion holds
    lam, N = 0.5, 24
    assert fixed_point_threshold(N, lam) / lse_threshold(lam).alpha_1 == pytest.approx(0.756, abs=0.002)
    base = {**MODEL.defaults, "N": N, "lam": lam, "cues": 16}
    assert _pooled({**base, "load": 0.65}, 2)[1].all()
    one, ret = _pooled({**base, "load": 0.9}, 2)
    assert one.all() and not ret.any()


def test_points_beyond_max_patterns_are_not_run_and_small_p_runs_every_pattern():
    base = {**MODEL.defaults, "lam": 1.0, "cues": 8}
    big = run({**base, "N": 48, "load": 1.0, "max_patterns": 1000}, np.random.SeedSequence(0))
    assert big["P"] == 0 and np.isnan(big["m_cue"]).all()
    small = {**base, "N": 4, "load": 0.5}
    P, alpha = ExpRetrieval(**small).n_patterns()
    assert P == round(math.exp(alpha * 4)) < 8 and alpha == pytest.approx(0.5 * lse_threshold(1.0).alpha_1)
    assert run(small, np.random.SeedSequence(0))["m_cue"].shape == (P,)


def test_bad_input_is_refused_before_work():
    raw = {"model": "dense.exp_retrieval", "seed": 1, "realizations": 1, "grid": {"load": [0.5]},
           "params": {"N": 8, "lam": 0.5}}  # fmt: skip
    for key, value, words in [
        ("load", 0.0, "load=0"),
        ("lam", -1.0, "lam=-1"),
        ("patterns", "uniform", "patterns='uniform'"),
        ("cues", 0, "cues=0"),
    ]:
        bad = {**raw, "params": {**raw["params"], key: value}} if key != "load" else {**raw, "grid": {key: [value]}}
        with pytest.raises(ParameterError, match=words):
            resolve(bad)
