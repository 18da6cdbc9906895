import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")  # the torch extra; CI installs it (.ci/run), so these run there

from amphase.errors import ParameterError  # noqa: E402
from amphase.simulate.diffusion.data import circle  # noqa: E402
from amphase.simulate.diffusion.samplers import prior_sample, probability_flow  # noqa: E402
from amphase.simulate.diffusion.schedules import ve, vp  # noqa: E402
from amphase.simulate.diffusion.score import Score, exact_score  # noqa: E402
from amphase.simulate.diffusion.torch_score_mlp import (  # noqa: E402
    FORMAT,
    TrainSettings,
    _draw,
    _init,
    load,
    save,
    train,
)
from amphase.simulate.seeding import child_rng  # noqa: E402

# CI-sized training: a few seconds on two cores
SMALL = TrainSettings(steps=1500, batch=256, width=32, depth=2, n_freq=4, lr=1e-2, lr_final=1e-3, log_every=100)


@pytest.fixture(scope="module")
def points():
    return circle(9, np.random.default_rng(9))


@pytest.fixture(scope="module")
def trained(points):
    torch.set_num_threads(1)
    return train(points, ve(1.0), seed=5, settings=SMALL)


def _numpy_eps(ws, bs, freqs, data_ms, x, s, sd):
    """The NumPy network of earlier amphase versions (network.py's eps_forward), for the same weights."""
    c_in = 1.0 / np.sqrt(s * s * data_ms + sd * sd)
    phase = np.log(sd)[:, None] * freqs[None, :]
    h = np.concatenate([x * c_in[:, None], np.cos(phase), np.sin(phase)], axis=1)
    for w, b in zip(ws[:-1], bs[:-1], strict=True):
        a = h @ w + b
        h = a / (1.0 + np.exp(-a))
    return h @ ws[-1] + bs[-1]


def test_initial_weights_are_the_seeded_numpy_draws_and_the_network_is_the_numpy_one(points):
    st = TrainSettings(steps=1, batch=4, width=8, depth=2, n_freq=3, lr=1e-12, lr_final=1e-12, dtype="float64")
    net = train(points, vp(), seed=3, settings=st)
    ws, bs, freqs = _init(child_rng(np.random.SeedSequence(3), 0), 2, st)
    np.testing.assert_array_equal(net.module.freqs.numpy(), freqs)
    # one Adam step of size ~lr = 1e-12 moves each weight by at most ~1e-12 (Adam's step is bounded by lr)
    for layer, w, b in zip(net.module.layers, ws, bs, strict=True):
        np.testing.assert_allclose(layer.weight.detach().numpy(), w.T, rtol=0, atol=1e-11)
        np.testing.assert_allclose(layer.bias.detach().numpy(), b, rtol=0, atol=1e-11)
    # the torch module computes the NumPy network's function of the same weights (float64: to rounding)
    ws = [lay.weight.detach().numpy().T for lay in net.module.layers]
    bs = [lay.bias.detach().numpy() for lay in net.module.layers]
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((6, 2)), rng.uniform(0.01, 1, 6)
    sched = vp()
    want = _numpy_eps(ws, bs, freqs, float((points**2).mean()), x, sched.scale(t), sched.std(t))
    np.testing.assert_allclose(net.score().eps(x, t), want, rtol=0, atol=1e-12)


def test_training_lowers_the_dsm_loss(trained, points):
    h = trained.history
    assert h[0, 0] == 0 and h[-1, 0] == SMALL.steps
    # the evaluation set is fixed (seed child 2): the per-sample losses give the standard error of the mean loss
    x0, t, e = _draw(child_rng(np.random.SeedSequence(5), 2), points, SMALL.eval_size, 1e-5, 1.0)
    x = x0 + ve(1.0).std(t)[:, None] * e
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


def test_training_is_seeded(points):
    st = TrainSettings(steps=20, batch=32, width=8, depth=1, n_freq=2, log_every=10)
    a, b, c = (train(points, ve(1.0), seed=s, settings=st) for s in (1, 1, 2))
    wa, wb, wc = (n.module.layers[0].weight.detach().numpy() for n in (a, b, c))
    assert np.array_equal(wa, wb) and not np.array_equal(wa, wc)


def test_save_load_round_trip_is_exact_and_the_file_format_is_the_numpy_versions(trained, tmp_path):
    path = save(trained, tmp_path / "net.npz")
    back = load(path)
    for p, q in zip(trained.module.state_dict().values(), back.module.state_dict().values(), strict=True):
        assert p.dtype == q.dtype and torch.equal(p, q)
    assert np.array_equal(back.points, trained.points) and np.array_equal(back.history, trained.history, equal_nan=True)
    assert back.settings == trained.settings and back.schedule == trained.schedule and back.seed == trained.seed
    x = np.random.default_rng(4).standard_normal((7, 2))
    assert np.array_equal(back.score()(x, 0.3), trained.score()(x, 0.3))
    assert not list(tmp_path.glob(".*tmp*"))  # the temporary file was renamed into place
    with np.load(path) as f:  # the layout the NumPy version wrote and read: (n_in, n_out) weights
        header = json.loads(str(f["header"]))
        assert header["format"] == FORMAT and f["w0"].shape == (2 + 2 * SMALL.n_freq, SMALL.width)


def test_the_trained_score_obeys_the_protocol(trained):
    sched = ve(1.0)
    net = trained.score()
    assert isinstance(net, Score)
    x = np.random.default_rng(6).standard_normal((5, 2))
    s = net(x, 0.2)
    assert s.shape == (5, 2) and s.dtype == np.float64
    tt = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    rows = np.concatenate([net(x[i : i + 1], tt[i]) for i in range(5)])
    np.testing.assert_allclose(net(x, tt), rows, rtol=1e-12, atol=0)
    # Tweedie: s D(x) = x + sigma_t^2 score, here with s = 1; eps = -sigma_t score
    np.testing.assert_allclose(net.denoiser(x, 0.2), x + sched.variance(0.2) * s, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(net.eps(x, 0.2), -np.sqrt(0.2) * s, rtol=1e-12, atol=1e-14)


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
    with pytest.raises(ParameterError, match="schedule"):
        train(points, "ve", seed=0)
    with pytest.raises(ParameterError, match=r"\.npz"):
        save(trained, tmp_path / "net.nc")
    with pytest.raises(ParameterError, match="no such"):
        load(tmp_path / "missing.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(2))
    with pytest.raises(ParameterError, match="header"):
        load(tmp_path / "other.npz")


def test_a_tiny_network_trained_on_two_points_samples_them():
    # K = 2 points at distance 2 (VE, sigma = 1), a 2 x 64 network trained 3000 steps (seconds). Sampled by the
    # probability-flow ODE to t_stop = 0.01, an exact score's end points follow p_t: a training point plus
    # N(0, s^2 I), s = sqrt(t_stop) = 0.1, each point with probability 1/2; in d = 2 the distance r to the point is
    # Rayleigh, P(r > 6 s) = exp(-18) ~ 1.5e-8, median 1.177 s. Checked: (1) no end point stranded between the
    # points: every r <= 6 s (the midpoint is at 10 s; a 1500-step network leaves one at 7.9 s); (2) each point
    # draws 70..130 of the 200 samples (binomial 100 +- 7: +-4.2 standard errors); (3) the network's own denoiser at
    # t_stop removes the noise: the median residual distance is below half the median distance before denoising
    # under p_t (1.177 s / 2; the exact denoiser leaves ~exp(-200)), measured 0.18 s
    torch.set_num_threads(1)
    pts = np.array([[1.0, 0.0], [-1.0, 0.0]])
    sched = ve(1.0, t_min=1e-3, t_max=1.0)
    st = TrainSettings(steps=3000, batch=128, width=64, depth=2, n_freq=8, lr=5e-3, lr_final=1e-4, log_every=500)
    net = train(pts, sched, seed=11, settings=st).score()
    t_stop = 0.01
    x_T = prior_sample(sched, 200, 2, np.random.SeedSequence(12), mean=pts.mean(axis=0), data_var=1.0)
    y = probability_flow(net, sched, x_T, steps=100, t_stop=t_stop)
    dist = np.linalg.norm(y[:, None, :] - pts[None], axis=2)
    near, r = dist.argmin(axis=1), dist.min(axis=1)
    s = np.sqrt(t_stop)
    assert r.max() <= 6 * s, np.sort(r)[-5:]
    assert 70 <= (near == 0).sum() <= 130
    r_den = np.linalg.norm(net.denoiser(y, t_stop) - pts[near], axis=1)
    assert np.median(r_den) <= 0.5 * 1.177 * s, np.median(r_den) / s
