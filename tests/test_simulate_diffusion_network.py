import numpy as np
import pytest

from amphase.errors import ParameterError
from amphase.simulate.diffusion.data import circle
from amphase.simulate.diffusion.network import (
    TrainSettings,
    eps_forward,
    init_params,
    load,
    loss_and_grad,
    save,
    train,
)
from amphase.simulate.diffusion.schedules import ve, vp
from amphase.simulate.diffusion.score import Score, exact_score

# CI-sized training: a few seconds on two cores
SMALL = TrainSettings(steps=1500, batch=256, width=32, depth=2, n_freq=4, lr=1e-2, lr_final=1e-3, log_every=100)


@pytest.fixture(scope="module")
def points():
    return circle(9, np.random.default_rng(9))


@pytest.fixture(scope="module")
def trained(points):
    return train(points, ve(1.0), seed=5, settings=SMALL)


def _batch(rng, n=16, d=2):
    x = rng.standard_normal((n, d))
    s = rng.uniform(0.5, 1.0, n)
    sd = rng.uniform(0.05, 1.0, n)
    e = rng.standard_normal((n, d))
    return x, s, sd, e


def test_gradient_matches_central_finite_differences():
    rng = np.random.default_rng(0)
    p = init_params(rng, 2, width=6, depth=2, n_freq=3, freq_scale=1.0, data_ms=0.5)
    x, s, sd, e = _batch(rng)
    _, gw, gb = loss_and_grad(p, x, s, sd, e)
    h = 1e-6
    for arrays, grads in ((p.weights, gw), (p.biases, gb)):
        for a, g in zip(arrays, grads, strict=True):
            num = np.empty_like(a)
            for idx in np.ndindex(a.shape):
                old = a[idx]
                a[idx] = old + h
                lp = loss_and_grad(p, x, s, sd, e)[0]
                a[idx] = old - h
                lm = loss_and_grad(p, x, s, sd, e)[0]
                a[idx] = old
                num[idx] = (lp - lm) / (2 * h)
            # central differences: truncation O(h^2) ~ 1e-12, rounding ~ 1e-16 / h ~ 1e-10 on an O(1) loss
            np.testing.assert_allclose(g, num, rtol=0, atol=1e-8)


def test_loss_is_the_mean_squared_noise_error():
    rng = np.random.default_rng(1)
    p = init_params(rng, 3, width=5, depth=1, n_freq=2, freq_scale=1.0, data_ms=1.0)
    x, s, sd, e = _batch(rng, d=3)
    loss, _, _ = loss_and_grad(p, x, s, sd, e)
    r = eps_forward(p, x, s, sd) - e
    assert loss == pytest.approx((r**2).sum(axis=1).mean(), rel=1e-14)


def test_training_lowers_the_dsm_loss(trained, points):
    h = trained.history
    assert h[0, 0] == 0 and h[-1, 0] == SMALL.steps
    # the evaluation set is fixed (seed child 2): the per-sample losses give the standard error of the mean loss
    from amphase.simulate.diffusion.network import _draw
    from amphase.simulate.seeding import child_rng

    x0, t, e = _draw(child_rng(np.random.SeedSequence(5), 2), points, SMALL.eval_size, 1e-5, 1.0)
    sched = ve(1.0)
    x = x0 + sched.std(t)[:, None] * e
    per = ((trained.score().eps(x, t) - e) ** 2).sum(axis=1)
    assert per.mean() == pytest.approx(h[-1, 2], rel=1e-5)  # float32 training vs float64 evaluation
    se = per.std(ddof=1) / np.sqrt(len(per))
    # an untrained network's loss is ~ 2 (E|eps|^2 = d) or more; it must fall by many standard errors
    assert h[0, 2] - h[-1, 2] > 20 * se
    assert h[-1, 2] < 0.8 * h[0, 2]


def test_score_approaches_the_exact_score_at_large_noise(trained, points):
    # at t in [0.5, 1] (sigma_t^2 = t >> the spread of 9 points on the unit circle, smoothed) the exact score of the
    # smoothed data is nearly linear and a small network learns it in seconds: relative L2 error below 10 %
    sched = ve(1.0)
    ex = exact_score(points, sched)
    net = trained.score()
    rng = np.random.default_rng(3)
    for t in (0.5, 0.75, 1.0):
        x = points[rng.integers(0, 9, 2000)] + np.sqrt(t) * rng.standard_normal((2000, 2))
        err = ((net(x, t) - ex(x, t)) ** 2).sum() / (ex(x, t) ** 2).sum()
        assert err < 0.1**2, (t, np.sqrt(err))


def test_save_load_round_trip_is_exact(trained, tmp_path):
    path = save(trained, tmp_path / "net.npz")
    back = load(path)
    for a, b in zip(
        trained.params.weights + trained.params.biases, back.params.weights + back.params.biases, strict=True
    ):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert np.array_equal(trained.params.freqs, back.params.freqs)
    assert back.params.data_ms == trained.params.data_ms
    assert np.array_equal(back.points, trained.points) and np.array_equal(back.history, trained.history, equal_nan=True)
    assert back.settings == trained.settings and back.schedule == trained.schedule and back.seed == trained.seed
    x = np.random.default_rng(4).standard_normal((7, 2))
    assert np.array_equal(back.score()(x, 0.3), trained.score()(x, 0.3))
    assert not list(tmp_path.glob(".*tmp*"))  # the temporary file was renamed into place


def test_training_is_seeded(points):
    st = TrainSettings(steps=20, batch=32, width=8, depth=1, n_freq=2, log_every=10)
    a = train(points, ve(1.0), seed=1, settings=st)
    b = train(points, ve(1.0), seed=1, settings=st)
    c = train(points, ve(1.0), seed=2, settings=st)
    assert all(np.array_equal(u, v) for u, v in zip(a.params.weights, b.params.weights, strict=True))
    assert not np.array_equal(a.params.weights[0], c.params.weights[0])


def test_network_score_obeys_the_protocol(trained):
    sched = ve(1.0)
    net = trained.score()
    assert isinstance(net, Score)
    x = np.random.default_rng(6).standard_normal((5, 2))
    s = net(x, 0.2)
    assert s.shape == (5, 2) and s.dtype == np.float64
    # a (B,) array of times gives row by row the same as one time each
    tt = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    rows = np.concatenate([net(x[i : i + 1], tt[i]) for i in range(5)])
    np.testing.assert_allclose(net(x, tt), rows, rtol=1e-12, atol=0)
    # Tweedie: s D(x) = x + sigma_t^2 score (score.py's protocol), here with s = 1
    np.testing.assert_allclose(net.denoiser(x, 0.2), x + sched.variance(0.2) * s, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(net.eps(x, 0.2), -np.sqrt(0.2) * s, rtol=1e-12, atol=1e-14)


def test_vp_denoiser_divides_by_the_scale(points):
    sched = vp()
    st = TrainSettings(steps=5, batch=16, width=8, depth=1, n_freq=2, log_every=5)
    net = train(points, sched, seed=0, settings=st).score()
    x = np.random.default_rng(7).standard_normal((4, 2))
    t = 0.3
    np.testing.assert_allclose(
        float(sched.scale(t)) * net.denoiser(x, t), x + float(sched.variance(t)) * net(x, t), rtol=1e-12, atol=1e-14
    )


@pytest.mark.parametrize(
    ("kw", "word"),
    [
        ({"steps": 0}, "steps"),
        ({"batch": 1.5}, "batch"),
        ({"lr": -1.0}, "lr"),
        ({"lr": 1e-3, "lr_final": 1e-2}, "lr_final"),
        ({"dtype": "float16"}, "dtype"),
        ({"t_lo": 0.5, "t_hi": 0.1}, "t_lo"),
    ],
)
def test_bad_settings_are_refused_before_work(points, kw, word):
    with pytest.raises(ParameterError, match=word):
        train(points, ve(1.0), seed=0, settings=TrainSettings(**kw))


def test_bad_inputs_are_refused(points, trained, tmp_path):
    with pytest.raises(ParameterError, match="points"):
        train(np.array([[np.nan, 0.0]]), ve(1.0), seed=0)
    with pytest.raises(ParameterError, match="seed"):
        train(points, ve(1.0), seed=-1)
    net = trained.score()
    with pytest.raises(ParameterError, match="expected"):
        net(np.zeros((3, 3)), 0.1)
    with pytest.raises(ParameterError, match="t must be"):
        net(np.zeros((3, 2)), 0.0)
    with pytest.raises(ParameterError, match=r"\.npz"):
        save(trained, tmp_path / "net.nc")
    with pytest.raises(ParameterError, match="no such"):
        load(tmp_path / "missing.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(2))
    with pytest.raises(ParameterError, match="header"):
        load(tmp_path / "other.npz")


def test_network_score_is_a_plain_numpy_callable_for_samplers(trained):
    from amphase.simulate.diffusion.samplers import probability_flow

    sched = ve(1.0)
    net = trained.score()
    x = np.random.default_rng(8).standard_normal((6, 2))
    # one Heun step by hand equals the sampler's one step
    t0, t1 = 1.0, 0.5

    def v(y, t):
        return -0.5 * sched.g2(t) * net(y, t)

    h = t1 - t0
    xt = x + h * v(x, t0)
    want = x + 0.5 * h * (v(x, t0) + v(xt, t1))
    got = probability_flow(net, sched, x, steps=1, t_start=t0, t_stop=t1)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
