"""Collapse and cloning simulations (diffusion.collapse, diffusion.clones): exact identities, exact marginals, limits.

Statistical checks compare a measured fraction with an exact probability within binomial errors of the sample size
(|z| < 4 per point, or a chi-squared p-value above 1e-3 for a whole curve), with fixed seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from amphase.errors import ParameterError
from amphase.simulate.config import resolve
from amphase.simulate.diffusion.clones import Clones
from amphase.simulate.diffusion.collapse import Collapse
from amphase.simulate.diffusion.gaussian_sets import gaussian_points
from amphase.simulate.diffusion.regimes import Commitment, commit_time, commitment, forward_paths
from amphase.simulate.diffusion.schedules import ou, vp
from amphase.simulate.diffusion.score import exact_score, mixture_score
from amphase.simulate.seeding import point_seed
from amphase.theory.diffusion.regimes import clone_probability


def test_ou_schedule_is_the_time_of_biroli_et_al() -> None:
    # x_t = e^-t a + sqrt(1 - e^-2t) z: VP with beta = 2, drift -x, g^2 = 2 (exact identities)
    s = ou(t_max=3.0)
    t = np.array([1e-3, 0.1, 0.7, 2.5])
    assert np.allclose(s.scale(t), np.exp(-t), rtol=1e-14)
    assert np.allclose(s.variance(t), -np.expm1(-2 * t), rtol=1e-14)
    assert np.allclose(s.drift(t), -1.0) and np.allclose(s.g2(t), 2.0)
    assert s.time_at_variance(0.5) == pytest.approx(0.5 * math.log(2.0), rel=1e-14)
    assert s == vp(2.0, 2.0, t_min=1e-3, t_max=3.0)


def test_mixture_score_is_the_gradient_of_the_mixture_log_density() -> None:
    rng = np.random.default_rng(0)
    c = rng.standard_normal((3, 4))
    sch = ou()
    x = rng.standard_normal((5, 4))
    t, w = 0.4, 0.7
    s, v = math.exp(-t), -math.expm1(-2 * t) + math.exp(-2 * t) * w * w

    def logp(y: np.ndarray) -> np.ndarray:  # written independently: log of the mean of three Gaussian densities
        dens = [stats.multivariate_normal(s * ck, v * np.eye(4)).pdf(y) for ck in c]
        return np.log(np.mean(dens, axis=0))

    h = 1e-5
    num = np.stack([(logp(x + h * e) - logp(x - h * e)) / (2 * h) for e in np.eye(4)], axis=1)
    sc = mixture_score(c, w, sch)
    assert np.allclose(sc(x, t), num, atol=1e-7)
    post = sc.posterior(x, t)
    assert np.allclose(post.sum(axis=1), 1.0)
    # zero width: the exact score of the centres as training points
    assert np.allclose(mixture_score(c, 0.0, sch)(x, t), exact_score(c, sch)(x, t), atol=1e-12)


def test_commit_time_rules_on_a_hand_made_record() -> None:
    times = np.array([2.0, 1.0, 0.5, 0.25])  # decreasing
    nearest = np.array([[1, 0, 0], [0, 0, 1], [0, 2, 0], [0, 0, 0]])
    final = np.array([0, 0, 0])
    lw = np.log(np.array([[0.1, 0.9, 0.9], [0.3, 0.9, 0.2], [0.7, 0.4, 0.9], [0.9, 0.9, 0.3]]))
    c = Commitment(nearest, lw, final)
    # nearest: column 0 holds from index 1 (t = 1), column 1 from index 3, column 2 from index 2
    assert np.array_equal(commit_time(c, times, "nearest"), [1.0, 0.25, 0.5])
    # weight > 0.5: column 0 from index 2, interpolated in log w between t = 1 (0.3) and t = 0.5 (0.7);
    # column 1 from index 3 between t = 0.5 (0.4) and 0.25 (0.9); column 2 fails at the last time: NaN
    f0 = (math.log(0.7) - math.log(0.5)) / (math.log(0.7) - math.log(0.3))
    f1 = (math.log(0.9) - math.log(0.5)) / (math.log(0.9) - math.log(0.4))
    got = commit_time(c, times, "weight", 0.5)
    assert got[0] == pytest.approx(0.5 + f0 * 0.5) and got[1] == pytest.approx(0.25 + f1 * 0.25)
    assert math.isnan(got[2])
    # a condition that holds everywhere is censored at the first time
    all_ok = Commitment(np.zeros((4, 1), int), np.zeros((4, 1)), np.zeros(1, int))
    assert commit_time(all_ok, times, "weight")[0] == 2.0 and commit_time(all_ok, times, "nearest")[0] == 2.0
    with pytest.raises(ParameterError, match="condition"):
        commit_time(c, times, "median")
    with pytest.raises(ParameterError, match="threshold"):
        commit_time(c, times, "weight", 1.0)


def test_forward_paths_have_the_exact_marginals() -> None:
    # two points at +-a in d = 1: the own point is the nearest at time t with probability Phi(e^-t a / sqrt(Delta_t))
    a = 0.8
    data = np.array([[a], [-a]])
    sch = ou(t_max=3.0)
    times = np.geomspace(3.0, 1e-3, 61)
    path, mu = forward_paths(data, sch, times, 4000, np.random.default_rng(11))
    c = commitment(path, times, data, sch)
    for k in (3, 10, 18, 26):  # t = 2.0, 0.79, 0.27, 0.09
        t = times[k]
        p = stats.norm.cdf(math.exp(-t) * a / math.sqrt(-math.expm1(-2 * t)))
        frac = np.mean(c.nearest[k] == mu)
        assert abs(frac - p) <= 4 * math.sqrt(p * (1 - p) / mu.size), (t, frac, p)
    # the log weight of the final point is log of a logistic in the projection: w = 1/(1 + exp(-2 s a y / Delta))
    s, dl = math.exp(-times[30]), -math.expm1(-2 * times[30])
    y = path[30, :, 0] * np.where(c.final == 0, 1.0, -1.0)
    assert np.allclose(c.log_weight[30], -np.log1p(np.exp(-2 * s * a * y / dl)), atol=1e-12)


def test_reverse_sde_collapse_times_follow_the_exact_forward_law() -> None:
    # the exact score's reverse SDE has the forward path law (time reversal): the two samples of collapse times, on
    # one training set and one grid, agree in distribution (two-sample KS) up to the Euler-Maruyama error
    out = Collapse(K=8, d=4, n_traj=500, steps=200, n_entropy=0).run(point_seed(3, {"n": 8, "d": 4}, 0))
    for j in range(2):
        rev, fwd = out["t_collapse"][j], out["t_collapse_forward"][j]
        assert np.isfinite(rev).all() and np.isfinite(fwd).all()
        assert stats.ks_2samp(rev, fwd).pvalue > 1e-3
    # weight > 1/2 implies nearest, so the weight condition holds from a recorded time no larger than the nearest
    # one; its interpolation moves it up by less than one grid step
    assert np.all(out["t_collapse"][1] <= out["t_collapse"][0] * math.exp(float(out["t_grid_step"])) + 1e-12)


def test_gaussian_training_sets_are_nested_in_n_and_scaled_by_sigma() -> None:
    seed = point_seed(5, {"n": 1.0}, 2)
    small = gaussian_points(5, 3, 1.0, seed)
    big = gaussian_points(40, 3, 2.0, seed)
    assert np.array_equal(2.0 * small, big[:5])


def _clones(**kw: object) -> dict[str, np.ndarray]:
    r = Clones(**{"t_max": 4.0, "steps": 400, **kw})
    return r.run(point_seed(9, {"d": float(r.d)}, 0))


def test_clone_probability_limits() -> None:
    # t -> 0: two clones of one state end at the same point (phi -> 1; the theory's phi(0) = 1 - 8e-5 at |m|^2 = 16
    # counts the overlap of the two Gaussians themselves); t -> oo: phi = 1/2 + O(kappa).
    # Each of the N = 400 pairs is an independent Bernoulli(phi) trial (its own state, its own clone noise), so the
    # count is Binomial(N, phi): at the small time P(all 400 same) = phi^400 >= 0.96 under the theory; at the large
    # time |k/N - phi| <= 4 sqrt(phi (1 - phi)/N) = 0.100 (two-sided false-alarm rate 6e-5). Clones that shared their
    # noise would give k = N = 400 there, 20 s.e. away (checked).
    N = 400
    out = _clones(d=16, n_pairs=N, ratio_min=0.02, ratio_max=2.8, n_times=2, start="marginal")
    ts = out["t_branch"]
    near = clone_probability(ts[0], 16, 1.0, 1.0).phi
    assert near > 1 - 1e-4 and near**N > 0.96
    assert out["n_same"][0] == N
    far = clone_probability(ts[-1], 16, 1.0, 1.0)  # t = 3.97: kappa = 0.006, phi - 1/2 ~ kappa/2
    assert abs(far.phi - 0.5 - far.kappa / 2) < far.kappa**2
    assert abs(out["n_same"][-1] / N - far.phi) <= 4 * math.sqrt(far.phi * (1 - far.phi) / N)


@pytest.mark.parametrize("start", ["marginal", "trajectory"])
def test_clone_probability_agrees_with_theory_within_binomial_errors(start: str) -> None:
    out = _clones(d=16, n_pairs=600, ratio_min=0.5, ratio_max=1.5, n_times=3, start=start)
    th = np.array([clone_probability(t, 16, 1.0, 1.0).phi for t in out["t_branch"]])
    z = (out["n_same"] / 600 - th) / np.sqrt(th * (1 - th) / 600)
    assert stats.chi2.sf(np.sum(z**2), z.size) > 1e-3, z


def test_branching_times_include_t_s() -> None:
    ts = Clones(d=16).times()
    assert 0.5 * math.log(17.0) in ts.tolist() and np.all(np.diff(ts) > 0)


@pytest.mark.parametrize(
    ("model", "params", "match"),
    [
        ("diffusion.collapse", {"t_min": 2.0, "t_max": 1.0}, "t_min"),
        ("diffusion.collapse", {"threshold": 1.0}, "threshold"),
        ("diffusion.collapse", {"K": 1}, "K="),
        ("diffusion.clones", {"m": 0.1, "d": 2, "sigma": 0.5}, "t_S"),
        ("diffusion.clones", {"ratio_max": 5.0}, "branching times"),
        ("diffusion.clones", {"ratio_min": 1.5, "ratio_max": 1.2}, "ratio_min"),
        ("diffusion.clones", {"start": "prior"}, "start"),
    ],
)
def test_bad_input_is_refused_before_work(model: str, params: dict, match: str) -> None:
    base = {"K": 16, "d": 8} if model == "diffusion.collapse" else {"d": 16}
    with pytest.raises(ParameterError, match=match):
        resolve({"model": model, "params": {**base, **params}})


def test_kernels_refuse_bad_arrays() -> None:
    sch = ou()
    with pytest.raises(ParameterError, match="width"):
        mixture_score(np.ones((2, 3)), -1.0, sch)
    with pytest.raises(ParameterError, match="times"):
        forward_paths(np.ones((2, 3)), sch, np.array([0.1, 0.5]), 4, np.random.default_rng(0))
    with pytest.raises(ParameterError, match="path"):
        commitment(np.ones((3, 2, 4)), np.array([1.0, 0.5, 0.1]), np.ones((2, 3)), sch)


def test_the_renamed_grid_parameter_K_keeps_its_old_seed_key() -> None:
    # issue 18 renamed n -> K; the sweep keys a grid point's streams by the old name (amphase.renames.seed_names), so
    # a run draws the same numbers as before the rename: the sweep's task equals the model run on the "n" key
    from amphase.simulate.sweep import run_point

    raw = {"model": "diffusion.collapse", "seed": 9, "realizations": 1, "grid": {"K": [8], "d": [4]},
           "params": {"n_traj": 6, "steps": 20, "n_entropy": 0, "n_test": 0}}  # fmt: skip
    config = resolve(raw)
    _, out = run_point(config, (0, 0))
    model = Collapse(**{**config["params"], "K": 8, "d": 4})
    old_key = model.run(point_seed(9, {"n": 8, "d": 4}, 0))
    new_key = model.run(point_seed(9, {"K": 8, "d": 4}, 0))
    np.testing.assert_array_equal(out["t_collapse"][0], old_key["t_collapse"])
    assert not np.array_equal(old_key["t_collapse"], new_key["t_collapse"])  # the key matters
